//! Crash loop: a write storm against the `folio` binary, a SIGKILL at a random
//! moment, a restart, and checks that nothing acknowledged was lost and nothing
//! on disk was left half-written. Repeated `FOLIO_CRASH_ROUNDS` times (3 by
//! default, so `cargo test` stays quick; `bench/crash-loop` runs many more).
//!
//! Each writer thread owns one field of one page and PATCHes it with strictly
//! increasing counter values over a keep-alive connection. After a kill the
//! stored value must lie between the last value answered with 200 (it was
//! acknowledged, so it must be there) and the last value sent (a write in
//! flight may or may not have landed, but nothing may be invented).

#[path = "support/http.rs"]
mod http;
mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use rand::Rng;

use http::{Connection, address_of};
use support::{Scratch, Server, copy_dir, fixture_site, write_config};

const CSRF: &str = "crash-csrf-token";
const ADMIN: (&str, &str) = ("admin@example.com", "fixture-admin-1");

/// Pages and fields written concurrently: two writers per page, so the merge
/// of one writer's PATCH must never drop the other writer's field.
const TARGETS: &[(&str, &str)] = &[
    ("projects+lighthouse", "Crash-a"),
    ("projects+lighthouse", "Crash-b"),
    ("projects+windmill", "Crash-a"),
    ("projects+windmill", "Crash-b"),
];

/// When in a round the server is killed, in milliseconds after the storm starts.
const KILL_AFTER_MS: std::ops::Range<u64> = 200..1500;

/// Upper bounds for one writer in one round, whatever happens.
const MAX_WRITES_PER_ROUND: u64 = 100_000;
const MAX_ROUND: Duration = Duration::from_secs(60);

/// What one writer knows about its field.
#[derive(Debug, Clone, Copy, Default)]
struct Counter {
    /// Highest value answered with 200.
    acked: u64,
    /// Highest value sent.
    sent: u64,
    /// How many writes were answered with 200, over all rounds.
    acks: u64,
}

type Key = (&'static str, &'static str);

/// The key Folio reads a stored field name back under (`Crash-a` → `crash_a`).
fn read_key(field: &str) -> String {
    field.to_ascii_lowercase().replace('-', "_")
}

fn rounds() -> usize {
    std::env::var("FOLIO_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
}

fn login(address: &str) -> String {
    let body = serde_json::json!({"email": ADMIN.0, "password": ADMIN.1, "long": true});
    let mut connection = Connection::open(address).unwrap();
    let reply = connection
        .send(
            "POST",
            "/api/auth/login",
            &[("content-type", "application/json"), ("x-csrf", CSRF)],
            body.to_string().as_bytes(),
        )
        .unwrap();
    assert_eq!(reply.status, 200, "login failed: {}", reply.text());
    let cookies = reply.cookies();
    let cookie = cookies.last().expect("a session cookie");
    cookie.to_string()
}

/// Checks every counter on a freshly started server and returns the values found.
fn verify(address: &str, cookie: &str, counters: &BTreeMap<Key, Counter>) -> BTreeMap<Key, u64> {
    let mut connection = Connection::open(address).unwrap();
    let mut found = BTreeMap::new();
    for (&(page, field), counter) in counters {
        let path = format!("/api/pages/{page}?select=content");
        let reply = connection
            .send("GET", &path, &[("cookie", cookie), ("x-csrf", CSRF)], b"")
            .unwrap();
        assert_eq!(reply.status, 200, "{path}: {}", reply.text());
        let json = reply.json().expect("a JSON answer");
        let stored = json["data"]["content"][read_key(field)]
            .as_str()
            .map_or(Ok(0), str::parse::<u64>)
            .unwrap_or_else(|e| panic!("{page} {field} is not a counter: {e}"));
        assert!(
            counter.acked <= stored && stored <= counter.sent,
            "{page} {field}: stored {stored}, acknowledged {}, sent {}",
            counter.acked,
            counter.sent
        );
        found.insert((page, field), stored);
    }
    found
}

/// PATCHes one field with increasing values until the server is killed.
fn write_until_killed(
    address: &str,
    cookie: &str,
    (page, field): Key,
    mut counter: Counter,
    killed: &AtomicBool,
) -> Counter {
    let started = Instant::now();
    let Ok(mut connection) = Connection::open(address) else {
        return counter;
    };
    let path = format!("/api/pages/{page}");
    let headers = [
        ("cookie", cookie),
        ("x-csrf", CSRF),
        ("content-type", "application/json"),
    ];
    for _ in 0..MAX_WRITES_PER_ROUND {
        if killed.load(Ordering::SeqCst) || started.elapsed() > MAX_ROUND {
            break;
        }
        let value = counter.sent + 1;
        let body = serde_json::json!({ field: value.to_string() }).to_string();
        counter.sent = value;
        match connection.send("PATCH", &path, &headers, body.as_bytes()) {
            Ok(reply) if reply.status == 200 => {
                counter.acked = value;
                counter.acks += 1;
            }
            Ok(reply) => panic!("{page} {field}: {} {}", reply.status, reply.text()),
            Err(error) if killed.load(Ordering::SeqCst) => {
                let _ = error;
                break;
            }
            Err(error) => panic!("{page} {field}: {error} before the kill"),
        }
    }
    counter
}

/// One storm: writers on every target, SIGKILL after a random delay.
fn storm(server: &mut Server, cookie: &str, counters: &mut BTreeMap<Key, Counter>) {
    let address = address_of(&server.base_url);
    let killed = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = counters
        .iter()
        .map(|(&key, &counter)| {
            let (address, cookie, killed) = (address.clone(), cookie.to_owned(), killed.clone());
            let handle =
                thread::spawn(move || write_until_killed(&address, &cookie, key, counter, &killed));
            (key, handle)
        })
        .collect();
    let delay = rand::thread_rng().gen_range(KILL_AFTER_MS);
    thread::sleep(Duration::from_millis(delay));
    killed.store(true, Ordering::SeqCst);
    server.stop(); // SIGKILL: no shutdown handler runs
    for (key, handle) in writers {
        let counter = handle.join().expect("a writer panicked");
        counters.insert(key, counter);
    }
}

/// `folio check` must find no problem, and every content file must parse.
fn check_site(root: &Path) {
    let output = Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(["check", "--root"])
        .arg(root)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "folio check: {stdout}");
    let mut pending = vec![root.join("content"), root.join("site/accounts")];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "txt") {
                let bytes = std::fs::read(&path).unwrap();
                if let Err(error) = folio::format::txt::parse_bytes(&bytes) {
                    panic!("{}: {error}", path.display());
                }
            }
        }
    }
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    let scratch = Scratch::new();
    let root = scratch.path().join("site");
    copy_dir(&fixture_site(), &root).unwrap();
    write_config(&root, &format!("'api' => ['csrf' => '{CSRF}'],"));
    let log = scratch.path().join("folio.log");

    let mut counters: BTreeMap<Key, Counter> = TARGETS
        .iter()
        .map(|&key| (key, Counter::default()))
        .collect();
    let mut cookie = None;
    for _ in 0..rounds() {
        let mut server = Server::start(&root, &log, &[]);
        let address = address_of(&server.base_url);
        let cookie = cookie.get_or_insert_with(|| login(&address)).clone();
        for (key, stored) in verify(&address, &cookie, &counters) {
            // The durable value is the new floor; later values continue above `sent`.
            if let Some(counter) = counters.get_mut(&key) {
                counter.acked = stored;
            }
        }
        storm(&mut server, &cookie, &mut counters);
        check_site(&root);
    }
    let server = Server::start(&root, &log, &[]);
    let address = address_of(&server.base_url);
    let cookie = cookie.get_or_insert_with(|| login(&address));
    verify(&address, cookie, &counters);
    let acknowledged: u64 = counters.values().map(|c| c.acks).sum();
    eprintln!(
        "crash loop: {} rounds, {acknowledged} acknowledged writes, none lost",
        rounds()
    );
}
