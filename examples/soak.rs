//! Soak run: minutes of mixed traffic against a `folio` binary it starts on
//! 127.0.0.1 with a temp copy of `tests/fixtures/site`. Many keep-alive
//! connections send reads, writes, logins and bad requests; every answer must
//! have the status that request calls for. The server's RSS and open file
//! descriptors are sampled before, during and after the load, and the run fails
//! when memory keeps growing or descriptors leak. `bench/soak` is the usual
//! way to run it; `--help` lists the options.

#[path = "../tests/support/copy.rs"]
mod copy;
#[path = "../tests/support/http.rs"]
mod http;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use rand::Rng;
use rand::seq::SliceRandom;

use http::{Connection, Response};

const CSRF: &str = "soak-csrf-token";
const ADMIN: (&str, &str) = ("admin@example.com", "fixture-admin-1");
const EDITOR: (&str, &str) = ("editor@example.com", "fixture-editor-2");
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// Descriptors the server may hold after the load beyond its idle count
/// (a session file being collected, a rescan in progress).
const FD_SLACK: usize = 4;
/// Unexpected answers printed in full; the rest are only counted.
const MAX_SHOWN: usize = 10;

struct Options {
    binary: PathBuf,
    seconds: u64,
    connections: usize,
    rss_slack_mb: u64,
    pid_file: Option<PathBuf>,
}

fn usage() -> &'static str {
    "soak --bin PATH [--seconds N (180)] [--connections N (32)] \
     [--rss-slack-mb N (16)] [--pid-file PATH]"
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        binary: PathBuf::new(),
        seconds: 180,
        connections: 32,
        rss_slack_mb: 16,
        pid_file: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        let number = |text: String| text.parse::<u64>().map_err(|e| format!("{text}: {e}"));
        match flag.as_str() {
            "--bin" => options.binary = PathBuf::from(value()?),
            "--seconds" => options.seconds = number(value()?)?,
            "--connections" => options.connections = number(value()?)? as usize,
            "--rss-slack-mb" => options.rss_slack_mb = number(value()?)?,
            "--pid-file" => options.pid_file = Some(PathBuf::from(value()?)),
            _ => return Err(usage().to_owned()),
        }
    }
    if options.binary.as_os_str().is_empty() || options.connections == 0 {
        return Err(usage().to_owned());
    }
    Ok(options)
}

/// The server process; killed on drop, so also when the soak fails.
struct Server {
    child: Child,
    address: String,
    /// Removed once the server is gone, so `bench/soak` never kills a reused pid.
    pid_file: Option<PathBuf>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(path) = &self.pid_file {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Server {
    fn start(binary: &Path, root: &Path, log: &Path) -> Result<Server, String> {
        let log = std::fs::File::create(log).map_err(|e| e.to_string())?;
        let mut child = Command::new(binary)
            .args(["serve", "--root"])
            .arg(root)
            .args(["--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut server = Server {
            child,
            address: String::new(),
            pid_file: None,
        };
        let (found, banner) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.trim().strip_prefix("listening on ") {
                    let _ = found.send(http::address_of(url));
                }
            }
        });
        server.address = banner
            .recv_timeout(START_TIMEOUT)
            .map_err(|_| "folio printed no banner".to_owned())?;
        Ok(server)
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// `VmRSS` and `VmHWM` of a process, in KiB.
fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |dir| dir.count())
}

fn prepare_site(root: &Path) -> Result<(), String> {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/site");
    copy::copy_dir(&fixture, root).map_err(|e| format!("copying the fixture: {e}"))?;
    // Bad logins are part of the mix: without a high trial limit, 127.0.0.1
    // would be locked out after ten and every later login would fail.
    let config = format!(
        "<?php\n\nreturn [\n'api' => ['csrf' => '{CSRF}'],\n\
         'auth' => ['trials' => 1000000000],\n];\n"
    );
    let dir = root.join("site/config");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("config.php"), config).map_err(|e| e.to_string())
}

fn json_headers(cookie: &str) -> [(&str, &str); 3] {
    [
        ("cookie", cookie),
        ("x-csrf", CSRF),
        ("content-type", "application/json"),
    ]
}

fn login(address: &str, (email, password): (&str, &str)) -> Result<Response, String> {
    let body = serde_json::json!({"email": email, "password": password, "long": false});
    let mut connection = Connection::open(address).map_err(|e| e.to_string())?;
    connection
        .send(
            "POST",
            "/api/auth/login",
            &[("content-type", "application/json"), ("x-csrf", CSRF)],
            body.to_string().as_bytes(),
        )
        .map_err(|e| e.to_string())
}

fn session_cookie(reply: &Response) -> Option<String> {
    reply.cookies().last().map(|c| c.to_string())
}

/// The kinds of request in the mix, with their weights and expected status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Op {
    ReadPage,
    ReadChildren,
    ReadSite,
    ReadUsers,
    Write,
    LoginLogout,
    BadPassword,
    MissingPage,
    NoSession,
    NoCsrf,
    BadJson,
    UnknownRoute,
    SitePage,
    Garbage,
}

const MIX: &[(Op, u32)] = &[
    (Op::ReadPage, 20),
    (Op::ReadChildren, 10),
    (Op::ReadSite, 10),
    (Op::ReadUsers, 5),
    (Op::Write, 15),
    (Op::LoginLogout, 1),
    (Op::BadPassword, 1),
    (Op::MissingPage, 5),
    (Op::NoSession, 5),
    (Op::NoCsrf, 3),
    (Op::BadJson, 3),
    (Op::UnknownRoute, 3),
    (Op::SitePage, 5),
    (Op::Garbage, 1),
];

/// Counts of (op, status) pairs; status 0 is an I/O error.
#[derive(Default)]
struct Tally {
    answers: BTreeMap<(Op, u16), u64>,
    unexpected: u64,
    shown: Vec<String>,
}

impl Tally {
    fn record(&mut self, op: Op, expected: u16, outcome: Result<Response, String>) {
        let (status, detail) = match outcome {
            Ok(reply) => (reply.status, reply.text()),
            Err(error) => (0, error),
        };
        *self.answers.entry((op, status)).or_default() += 1;
        if status != expected {
            self.unexpected += 1;
            if self.shown.len() < MAX_SHOWN {
                let detail: String = detail.chars().take(300).collect();
                self.shown
                    .push(format!("{op:?}: {status}, expected {expected}: {detail}"));
            }
        }
    }

    fn merge(&mut self, other: Tally) {
        for (key, count) in other.answers {
            *self.answers.entry(key).or_default() += count;
        }
        self.unexpected += other.unexpected;
        let room = MAX_SHOWN.saturating_sub(self.shown.len());
        self.shown.extend(other.shown.into_iter().take(room));
    }
}

/// One connection's worth of load until the deadline.
struct Worker {
    id: usize,
    address: String,
    cookie: String,
    connection: Option<Connection>,
    counter: u64,
}

impl Worker {
    fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Response, String> {
        let connection = match self.connection.as_mut() {
            Some(connection) => connection,
            None => self
                .connection
                .insert(Connection::open(&self.address).map_err(|e| e.to_string())?),
        };
        let outcome = connection.send(method, path, headers, body);
        let close = outcome.as_ref().map_or(true, |r| {
            r.header("connection")
                .is_some_and(|v| v.eq_ignore_ascii_case("close"))
        });
        if close {
            self.connection = None;
        }
        outcome.map_err(|e| e.to_string())
    }

    fn run_op(&mut self, op: Op) -> (u16, Result<Response, String>) {
        let cookie = self.cookie.clone();
        let auth = [("cookie", cookie.as_str()), ("x-csrf", CSRF)];
        match op {
            Op::ReadPage => (
                200,
                self.send("GET", "/api/pages/projects+lighthouse", &auth, b""),
            ),
            Op::ReadChildren => (
                200,
                self.send("GET", "/api/pages/projects/children", &auth, b""),
            ),
            Op::ReadSite => (200, self.send("GET", "/api/site", &auth, b"")),
            Op::ReadUsers => (200, self.send("GET", "/api/users", &auth, b"")),
            Op::Write => {
                self.counter += 1;
                let field = format!("Soak-{}", self.id);
                let body = serde_json::json!({ field: self.counter.to_string() }).to_string();
                let path = "/api/pages/projects+windmill";
                (
                    200,
                    self.send("PATCH", path, &json_headers(&cookie), body.as_bytes()),
                )
            }
            Op::LoginLogout => (200, login_logout(&self.address)),
            Op::BadPassword => (403, login(&self.address, (EDITOR.0, "wrong-password"))),
            Op::MissingPage => (404, self.send("GET", "/api/pages/no-such-page", &auth, b"")),
            Op::NoSession => (401, self.send("GET", "/api/pages/projects", &[], b"")),
            Op::NoCsrf => {
                let headers = [
                    ("cookie", cookie.as_str()),
                    ("content-type", "application/json"),
                ];
                (
                    401,
                    self.send("PATCH", "/api/pages/projects+windmill", &headers, b"{}"),
                )
            }
            Op::BadJson => {
                let path = "/api/pages/projects+windmill";
                (
                    400,
                    self.send("PATCH", path, &json_headers(&cookie), b"{oops"),
                )
            }
            Op::UnknownRoute => (404, self.send("GET", "/api/no/such/route", &auth, b"")),
            Op::SitePage => (200, self.send("GET", "/", &[], b"")),
            Op::Garbage => (400, garbage(&self.address)),
        }
    }

    fn run(mut self, deadline: Instant) -> Tally {
        let mut tally = Tally::default();
        let mut rng = rand::thread_rng();
        while Instant::now() < deadline {
            let Ok(&(op, _)) = MIX.choose_weighted(&mut rng, |(_, weight)| *weight) else {
                break;
            };
            let (expected, outcome) = self.run_op(op);
            tally.record(op, expected, outcome);
            if rng.gen_ratio(1, 200) {
                self.connection = None; // reconnect now and then, as browsers do
            }
        }
        tally
    }
}

/// A fresh login, then a logout with the new session; answers the logout.
fn login_logout(address: &str) -> Result<Response, String> {
    let reply = login(address, EDITOR)?;
    if reply.status != 200 {
        return Ok(reply);
    }
    let cookie = session_cookie(&reply).ok_or("login set no cookie")?;
    let mut connection = Connection::open(address).map_err(|e| e.to_string())?;
    connection
        .send("POST", "/api/auth/logout", &json_headers(&cookie), b"")
        .map_err(|e| e.to_string())
}

/// Bytes that are not HTTP on a fresh connection: a 400 and a closed connection.
fn garbage(address: &str) -> Result<Response, String> {
    let mut connection = Connection::open(address).map_err(|e| e.to_string())?;
    connection
        .send_raw(b"NOT HTTP AT ALL\r\n\x00\x01\r\n\r\n")
        .map_err(|e| e.to_string())?;
    connection.read_response().map_err(|e| e.to_string())
}

struct Sample {
    rss_kib: u64,
    fds: usize,
}

fn sample(pid: u32) -> Sample {
    Sample {
        rss_kib: memory_kib(pid).0,
        fds: open_fds(pid),
    }
}

fn soak(options: &Options) -> Result<bool, String> {
    let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
    let root = scratch.path().join("site");
    prepare_site(&root)?;
    let mut server = Server::start(&options.binary, &root, &scratch.path().join("folio.log"))?;
    if let Some(path) = &options.pid_file {
        std::fs::write(path, server.pid().to_string()).map_err(|e| e.to_string())?;
        server.pid_file = Some(path.clone());
    }
    let pid = server.pid();
    let admin = login(&server.address, ADMIN)?;
    let cookie = session_cookie(&admin).ok_or(format!("admin login failed: {}", admin.text()))?;
    thread::sleep(Duration::from_millis(500));
    let idle = sample(pid);

    let started = Instant::now();
    let total = Duration::from_secs(options.seconds);
    let deadline = started + total;
    let workers: Vec<_> = (0..options.connections)
        .map(|id| {
            let worker = Worker {
                id,
                address: server.address.clone(),
                cookie: cookie.clone(),
                connection: None,
                counter: 0,
            };
            thread::spawn(move || worker.run(deadline))
        })
        .collect();
    // Memory after a warm-up of a fifth of the run is the baseline for growth.
    thread::sleep(total / 5);
    let warm = sample(pid);
    let mut tally = Tally::default();
    for worker in workers {
        tally.merge(worker.join().map_err(|_| "a worker panicked")?);
    }
    let elapsed = started.elapsed();
    let loaded = sample(pid);
    thread::sleep(Duration::from_secs(2)); // let the server close idle connections
    let after = sample(pid);
    let (_, peak_kib) = memory_kib(pid);
    let alive = std::fs::metadata(format!("/proc/{pid}")).is_ok();

    let requests: u64 = tally.answers.values().sum();
    println!(
        "soak: {} connections for {:.0} s",
        options.connections,
        elapsed.as_secs_f64()
    );
    println!(
        "requests: {requests} ({:.0}/s)",
        requests as f64 / elapsed.as_secs_f64()
    );
    for ((op, status), count) in &tally.answers {
        println!("  {op:?} {status}: {count}");
    }
    println!("unexpected answers: {}", tally.unexpected);
    for line in &tally.shown {
        println!("  {line}");
    }
    println!(
        "rss KiB: idle {}, after warm-up {}, end of load {}, after {}, peak {peak_kib}",
        idle.rss_kib, warm.rss_kib, loaded.rss_kib, after.rss_kib
    );
    println!(
        "open fds: idle {}, under load {}, after {}",
        idle.fds, warm.fds, after.fds
    );

    let slack_kib = (warm.rss_kib / 4).max(options.rss_slack_mb * 1024);
    let memory_flat = after.rss_kib <= warm.rss_kib + slack_kib;
    let fds_flat = after.fds <= idle.fds + FD_SLACK;
    println!(
        "verdict: server alive {alive}, memory flat {memory_flat} (allowed +{slack_kib} KiB), \
         fds flat {fds_flat} (allowed +{FD_SLACK})"
    );
    Ok(alive && tally.unexpected == 0 && memory_flat && fds_flat)
}

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match soak(&options) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("soak: {message}");
            ExitCode::FAILURE
        }
    }
}
