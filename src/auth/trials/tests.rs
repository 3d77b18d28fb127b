use std::sync::Arc;

use proptest::prelude::*;

use super::*;

const NOW: i64 = 1_700_000_000;
const LIMITS: TrialLimits = TrialLimits {
    trials: 3,
    timeout: 3600,
};

fn ip(text: &str) -> Option<IpAddr> {
    Some(text.parse().unwrap())
}

fn log_in(dir: &tempfile::TempDir) -> LoginTrials {
    LoginTrials::new(dir.path())
}

fn stored(dir: &tempfile::TempDir) -> Value {
    let text = std::fs::read_to_string(dir.path().join(LOG_FILE)).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn the_ip_key_is_kirbys_hash() {
    // sha256("127.0.0.1"), first 50 hex digits.
    assert_eq!(
        ip_key(ip("127.0.0.1")),
        "12ca17b49af2289436f303e0166030a21e525d266e20926743"
    );
    assert_eq!(ip_key(ip("::ffff:127.0.0.1")), ip_key(ip("127.0.0.1")));
    assert_eq!(ip_key(None).len(), 50);
}

#[test]
fn an_address_is_blocked_after_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let trials = log_in(&dir);
    for _ in 0..2 {
        trials.track(ip("192.0.2.1"), None, LIMITS, NOW).unwrap();
    }
    assert!(
        !trials
            .is_blocked(ip("192.0.2.1"), None, LIMITS, NOW)
            .unwrap()
    );
    trials.track(ip("192.0.2.1"), None, LIMITS, NOW).unwrap();
    assert!(
        trials
            .is_blocked(ip("192.0.2.1"), None, LIMITS, NOW)
            .unwrap()
    );
    assert!(
        !trials
            .is_blocked(ip("192.0.2.2"), None, LIMITS, NOW)
            .unwrap()
    );
}

#[test]
fn an_account_is_blocked_from_every_address_whatever_the_case() {
    let dir = tempfile::tempdir().unwrap();
    let trials = log_in(&dir);
    for (n, email) in [
        "Admin@Example.com",
        " admin@example.com",
        "ADMIN@EXAMPLE.COM",
    ]
    .iter()
    .enumerate()
    {
        let from = format!("192.0.2.{n}");
        trials.track(ip(&from), Some(email), LIMITS, NOW).unwrap();
    }
    let fresh = ip("198.51.100.1");
    assert!(
        trials
            .is_blocked(fresh, Some("admin@EXAMPLE.com"), LIMITS, NOW)
            .unwrap()
    );
    assert!(
        !trials
            .is_blocked(fresh, Some("editor@example.com"), LIMITS, NOW)
            .unwrap()
    );
    assert!(!trials.is_blocked(fresh, None, LIMITS, NOW).unwrap());
    assert_eq!(stored(&dir)["by-email"]["admin@example.com"]["trials"], 3);
}

#[test]
fn the_file_has_kirbys_shape_with_empty_maps_as_lists() {
    let dir = tempfile::tempdir().unwrap();
    let trials = log_in(&dir);
    trials.track(ip("127.0.0.1"), None, LIMITS, NOW).unwrap();
    let value = stored(&dir);
    assert_eq!(value["by-email"], json!([]));
    let key = ip_key(ip("127.0.0.1"));
    assert_eq!(value["by-ip"][&key], json!({"time": NOW, "trials": 1}));
    let text = std::fs::read_to_string(dir.path().join(LOG_FILE)).unwrap();
    assert!(text.starts_with(r#"{"by-ip":{"#), "{text}");
}

#[test]
fn expired_entries_are_dropped_and_an_empty_log_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let trials = log_in(&dir);
    for _ in 0..3 {
        trials
            .track(ip("127.0.0.1"), Some("a@b.c"), LIMITS, NOW)
            .unwrap();
    }
    let later = NOW + 3599;
    assert!(
        trials
            .is_blocked(ip("127.0.0.1"), None, LIMITS, later)
            .unwrap()
    );
    assert!(dir.path().join(LOG_FILE).exists());
    let expired = NOW + 3600;
    assert!(
        !trials
            .is_blocked(ip("127.0.0.1"), Some("a@b.c"), LIMITS, expired)
            .unwrap()
    );
    assert!(
        !dir.path().join(LOG_FILE).exists(),
        "an empty log is removed"
    );
}

#[test]
fn each_failure_extends_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let trials = log_in(&dir);
    trials.track(ip("127.0.0.1"), None, LIMITS, NOW).unwrap();
    trials
        .track(ip("127.0.0.1"), None, LIMITS, NOW + 3000)
        .unwrap();
    trials
        .track(ip("127.0.0.1"), None, LIMITS, NOW + 3500)
        .unwrap();
    assert!(
        trials
            .is_blocked(ip("127.0.0.1"), None, LIMITS, NOW + 4000)
            .unwrap()
    );
}

#[test]
fn reading_rewrites_only_when_something_expired() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(LOG_FILE);
    let old = NOW - 4000;
    let text = format!(
        r#"{{"by-ip":{{"aa":{{"time":{old},"trials":2}},"bb":{{"time":{NOW},"trials":1}}}},"by-email":[]}}"#
    );
    std::fs::write(&file, &text).unwrap();
    let trials = log_in(&dir);
    assert!(!trials.is_blocked(None, None, LIMITS, NOW).unwrap());
    let value = stored(&dir);
    assert!(value["by-ip"].get("aa").is_none());
    assert_eq!(value["by-ip"]["bb"]["trials"], 1);

    let kept = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("{kept}\n")).unwrap();
    trials.is_blocked(None, None, LIMITS, NOW).unwrap();
    assert!(
        std::fs::read_to_string(&file).unwrap().ends_with('\n'),
        "left alone"
    );
}

#[test]
fn a_broken_file_reads_as_empty_and_is_replaced_on_the_next_failure() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(LOG_FILE), "{not json").unwrap();
    let trials = log_in(&dir);
    assert!(
        !trials
            .is_blocked(ip("127.0.0.1"), None, LIMITS, NOW)
            .unwrap()
    );
    trials.track(ip("127.0.0.1"), None, LIMITS, NOW).unwrap();
    assert_eq!(stored(&dir)["by-email"], json!([]));
}

#[test]
fn a_restart_keeps_the_counts() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..3 {
        log_in(&dir)
            .track(ip("127.0.0.1"), None, LIMITS, NOW)
            .unwrap();
    }
    assert!(
        log_in(&dir)
            .is_blocked(ip("127.0.0.1"), None, LIMITS, NOW)
            .unwrap()
    );
}

#[test]
fn concurrent_failures_are_all_counted() {
    let dir = tempfile::tempdir().unwrap();
    let trials = Arc::new(log_in(&dir));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let trials = trials.clone();
            std::thread::spawn(move || {
                for _ in 0..5 {
                    trials
                        .track(ip("127.0.0.1"), Some("a@b.c"), LIMITS, NOW)
                        .unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let value = stored(&dir);
    assert_eq!(value["by-ip"][ip_key(ip("127.0.0.1"))]["trials"], 40);
    assert_eq!(value["by-email"]["a@b.c"]["trials"], 40);
}

#[test]
fn the_pause_can_be_switched_off() {
    let started = std::time::Instant::now();
    pause_after_failure(false);
    assert!(started.elapsed() < Duration::from_millis(10));
    pause_after_failure(true);
    assert!(started.elapsed() >= Duration::from_millis(10));
}

proptest! {
    #[test]
    fn any_file_content_is_safe(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let log = Log::parse(&bytes);
        let again = Log::parse(log.to_json().as_bytes());
        prop_assert_eq!(again, log);
    }

    #[test]
    fn the_log_round_trips(
        ips in proptest::collection::btree_map("[0-9a-f]{50}", (0i64..2_000_000_000, 1u64..100), 0..5),
        emails in proptest::collection::btree_map("[a-z]{1,8}@[a-z]{1,8}\\.[a-z]{2}", (0i64..2_000_000_000, 1u64..100), 0..5),
    ) {
        let entry = |(time, trials): (i64, u64)| Entry { time, trials };
        let log = Log {
            by_ip: ips.into_iter().map(|(k, v)| (k, entry(v))).collect(),
            by_email: emails.into_iter().map(|(k, v)| (k, entry(v))).collect(),
        };
        prop_assert_eq!(Log::parse(log.to_json().as_bytes()), log);
    }
}

#[test]
fn an_update_waits_for_another_process_holding_the_folder_lock() {
    use std::os::fd::AsRawFd;

    let dir = tempfile::tempdir().unwrap();
    // A second open file description behaves as another process would:
    // flock locks belong to descriptions, not to processes.
    let other = std::fs::File::open(dir.path()).unwrap();
    assert_eq!(unsafe { libc::flock(other.as_raw_fd(), libc::LOCK_EX) }, 0);

    let path = dir.path().to_owned();
    let writer = std::thread::spawn(move || {
        LoginTrials::new(&path)
            .track(ip("10.0.0.9"), None, LIMITS, NOW)
            .unwrap();
    });
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        !dir.path().join(LOG_FILE).exists(),
        "the update must wait while the folder is locked"
    );
    drop(other);
    writer.join().unwrap();
    assert_eq!(stored(&dir)["by-ip"][ip_key(ip("10.0.0.9"))]["trials"], 1);
}
