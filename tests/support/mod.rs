//! Helpers shared by the tests that run the built `folio` binary: a scratch
//! folder, a copy of the fixture site, and the server process, which is
//! killed on drop so it stops also when a test fails.
#![allow(dead_code)] // each test crate uses a different part

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

mod copy;

pub use copy::copy_dir;

pub const SERVER_START_TIMEOUT: Duration = Duration::from_secs(20);

pub fn fixture_site() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/site")
}

/// Writes `site/config/config.php` returning `options` (PHP array items).
pub fn write_config(root: &Path, options: &str) {
    let dir = root.join("site/config");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("config.php"),
        format!("<?php\n\nreturn [\n{options}\n];\n"),
    )
    .unwrap();
}

/// A temp folder removed on drop.
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new() -> Scratch {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir =
            std::env::temp_dir().join(format!("folio-browser-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The `folio` binary serving a site; killed on drop, so also when an assert fails.
pub struct Server {
    child: Child,
    pub base_url: String,
    log: PathBuf,
}

impl Server {
    pub fn start(root: &Path, log: &Path, extra: &[&str]) -> Server {
        let log_file = std::fs::File::create(log).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_folio"))
            .args(["serve", "--root"])
            .arg(root)
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut server = Server {
            child,
            base_url: String::new(),
            log: log.to_owned(),
        };
        match wait_for_banner(stdout) {
            Some(url) => server.base_url = url,
            None => panic!(
                "folio did not print `listening on http://127.0.0.1:PORT` within {}s; log:\n{}",
                SERVER_START_TIMEOUT.as_secs(),
                server.log_text()
            ),
        }
        server
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if thread::panicking() {
            eprintln!("folio server log:\n{}", self.log_text());
        }
        self.stop();
    }
}

/// Reads stdout until the banner line; keeps draining it afterwards so the
/// server never blocks on a full pipe.
fn wait_for_banner(stdout: impl Read + Send + 'static) -> Option<String> {
    let (found, banner) = mpsc::channel();
    thread::spawn(move || {
        let mut found = Some(found);
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(url) = line.trim().strip_prefix("listening on ")
                && let Some(sender) = found.take()
            {
                let _ = sender.send(url.to_owned());
            }
        }
    });
    banner.recv_timeout(SERVER_START_TIMEOUT).ok()
}
