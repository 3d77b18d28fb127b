//! The `folio` command: `folio serve` runs the server, `folio check` reads a
//! whole site and reports every file it cannot use.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};

use folio::app::App;
use folio::serve::{Limits, TlsFiles};

/// The allocator. Rendering an answer allocates many small, short-lived
/// strings and JSON nodes; with glibc's malloc, allocating and freeing them
/// was a quarter to a third of the CPU time of a read (perf, issue 4).
/// mimalloc's per-thread free lists make that a small fraction.
///
/// It is built without transparent huge pages (`no_thp`), and told to give
/// freed memory back at once ([`return_freed_memory_at_once`]): a write on a
/// page with 100,000 children holds tens of megabytes for a moment, and
/// with huge pages and the default one-second delay that memory stayed
/// resident in the thread that freed it, so every such write raised the
/// resident size (100k-page site: 200 to 317 MiB after nine writes; with
/// both settings 175 to 185 MiB, and the read rows of `bench/run` as fast).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay`: milliseconds before freed memory is
/// returned to the system. The Rust bindings leave this option out; its
/// number is 15 in mimalloc 2 and 3 alike (between `eager_commit_delay`, 14,
/// and `use_numa_nodes`, 16, which the bindings do name).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn return_freed_memory_at_once() {
    // SAFETY: sets one of mimalloc's options, an integer it reads whenever
    // it decides whether to purge; no memory of ours is involved.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
}

#[derive(Parser)]
#[command(
    name = "folio",
    version,
    about = "Serves a Kirby 4 site folder and answers Kirby's REST API"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve a site (the bundled demo site when no --root is given).
    Serve {
        /// The site folder: the one holding `content/` and `site/`.
        #[arg(long)]
        root: Option<PathBuf>,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// PEM certificate chain; with --tls-key, Folio speaks HTTPS itself.
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// PEM private key for --tls-cert.
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Rescan interval for changes made by hand, in milliseconds: the polling
        /// period without inotify; with it, notices are followed at once and a
        /// full check runs every 60 intervals. At least 50 ms, so a tiny value
        /// cannot turn the rescan into a busy loop.
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(50..))]
        rescan_ms: u64,
    },
    /// Read a whole site and report every file that cannot be parsed.
    Check {
        #[arg(long)]
        root: PathBuf,
    },
}

fn main() -> ExitCode {
    return_freed_memory_at_once();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match Cli::parse().command {
        Command::Serve {
            root,
            listen,
            tls_cert,
            tls_key,
            rescan_ms,
        } => {
            let tls = tls_cert
                .zip(tls_key)
                .map(|(cert, key)| TlsFiles { cert, key });
            serve(
                root.unwrap_or_else(demo_root),
                listen,
                tls,
                Duration::from_millis(rescan_ms),
            )
        }
        Command::Check { root } => check(root),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("folio: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The demo site: `./demo` when run from the repository, else the copy
/// next to the sources the binary was built from.
fn demo_root() -> PathBuf {
    let local = PathBuf::from("demo");
    if local.join("content").is_dir() {
        local
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("demo")
    }
}

fn serve(
    root: PathBuf,
    listen: SocketAddr,
    tls: Option<TlsFiles>,
    rescan: Duration,
) -> anyhow::Result<ExitCode> {
    let app = App::open(&root)?;
    app.store.watch(rescan);
    let limits = Limits {
        trusted_peers: app.config.folio.proxies().into(),
        ..Limits::default()
    };
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let router = folio::api::router(app);
        folio::serve::serve(router, listen, tls, limits, shutdown_signal()).await
    })?;
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        tokio::signal::ctrl_c().await.ok();
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

fn check(root: PathBuf) -> anyhow::Result<ExitCode> {
    let app = App::inspect(&root)?;
    let site = app.store.site();
    let logins = folio::store::scan::account_files::check_logins(app.store.accounts_dir());
    let problems: Vec<_> = site
        .problems
        .iter()
        .chain(&app.blueprint_problems)
        .chain(&logins)
        .collect();
    for problem in &problems {
        match problem.line {
            Some(line) => println!("{}:{line}: {}", problem.path.display(), problem.message),
            None => println!("{}: {}", problem.path.display(), problem.message),
        }
    }
    println!(
        "{} pages, {} users, {} problem(s)",
        site.pages.len(),
        site.users.len(),
        problems.len()
    );
    Ok(if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Option numbers are not in the Rust bindings: make sure 15 is the
    /// purge delay, whose default (1000 ms in mimalloc 3) no neighbour has.
    #[test]
    fn option_15_is_mimallocs_purge_delay() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        // SAFETY: reads an option; no memory of ours is involved.
        let delay = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(
            delay, 1000,
            "option 15 is not the purge delay in this mimalloc"
        );
    }
}
