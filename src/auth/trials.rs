//! Login trials: the rate limit on password guessing (auth.md §6, storage.md §7).
//!
//! Every failed login counts against the visitor's address and, when the
//! e-mail belongs to an account, against that account. Once either count
//! reaches `auth.trials`, logins from that address (or for that account) are
//! refused, even with the right password, until `auth.timeout` seconds pass
//! without a new failure. The counts live in `site/accounts/.logins`, in
//! Kirby's format, so they survive a restart and a PHP Kirby on the same
//! folder shares them.
//!
//! E-mails are trimmed and lower-cased before they are counted, so
//! `Admin@Example.com` and `admin@example.com` share one counter. Addresses are
//! stored as a hash, as Kirby stores them.
//!
//! Updates are read-modify-write under a lock and written atomically, so
//! concurrent failures never lose a count and a crash never leaves half a file.
//! The lock is a process-wide mutex plus an advisory `flock` on the accounts
//! folder, so two Folio processes serving one folder share counts too. (A
//! PHP Kirby on the same folder takes no such lock; its updates can still
//! race Folio's, as they race each other in Kirby.)

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use parking_lot::Mutex;
use rand::Rng;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::auth::basic::normalize_email;
use crate::store::fsio::{remove_if_there, write_atomic};

mod turns;

pub use turns::{Turn, take_turn};

/// The file name inside the accounts folder.
const LOG_FILE: &str = ".logins";

/// Hex digits of the address hash Kirby keeps.
const IP_KEY_LEN: usize = 50;

/// One lock for every log in the process: two `App`s opened on the same
/// folder (a restart in tests) must not interleave their updates either.
/// Within the process this mutex orders updates; [`FolderLock`] orders them
/// between processes.
static LOG_LOCK: Mutex<()> = Mutex::new(());

/// `auth.trials` and `auth.timeout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrialLimits {
    /// Failures at which a caller is blocked.
    pub trials: u32,
    /// Seconds after the last failure until its counter is forgotten.
    pub timeout: u64,
}

/// Why the log could not be used.
#[derive(Debug, Error)]
pub enum TrialsError {
    #[error("cannot read `{}`: {source}", file.display())]
    Read {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write `{}`: {source}", file.display())]
    Write {
        file: PathBuf,
        source: std::io::Error,
    },
}

/// The login-trial log of one site.
#[derive(Debug)]
pub struct LoginTrials {
    file: PathBuf,
}

/// One counter: the time of the last failure and how many there were.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    time: i64,
    trials: u64,
}

/// The parsed `.logins` file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Log {
    by_ip: BTreeMap<String, Entry>,
    by_email: BTreeMap<String, Entry>,
}

impl LoginTrials {
    /// The log in `accounts_dir` (`site/accounts`). Nothing is read yet.
    pub fn new(accounts_dir: &Path) -> LoginTrials {
        LoginTrials {
            file: accounts_dir.join(LOG_FILE),
        }
    }

    /// Whether the address, or the account `user_email` (pass it only when
    /// the e-mail belongs to an account), has used up its trials.
    pub fn is_blocked(
        &self,
        ip: Option<IpAddr>,
        user_email: Option<&str>,
        limits: TrialLimits,
        now: i64,
    ) -> Result<bool, TrialsError> {
        let limit = u64::from(limits.trials);
        self.update(limits, now, |log| {
            let ip_blocked = log
                .by_ip
                .get(&ip_key(ip))
                .is_some_and(|e| e.trials >= limit);
            let email_blocked = user_email.is_some_and(|email| {
                log.by_email
                    .get(&normalize_email(email))
                    .is_some_and(|e| e.trials >= limit)
            });
            (ip_blocked || email_blocked, false)
        })
    }

    /// Counts one failure for the address and, when given, the account.
    pub fn track(
        &self,
        ip: Option<IpAddr>,
        user_email: Option<&str>,
        limits: TrialLimits,
        now: i64,
    ) -> Result<(), TrialsError> {
        self.update(limits, now, |log| {
            bump(&mut log.by_ip, ip_key(ip), now);
            if let Some(email) = user_email {
                bump(&mut log.by_email, normalize_email(email), now);
            }
            ((), true)
        })
    }

    /// Reads the log without expired entries, lets `change` look at it (and
    /// say whether it changed it), and stores it again if anything changed.
    fn update<T>(
        &self,
        limits: TrialLimits,
        now: i64,
        change: impl FnOnce(&mut Log) -> (T, bool),
    ) -> Result<T, TrialsError> {
        let _guard = LOG_LOCK.lock();
        let _folder = FolderLock::acquire(&self.file);
        let (stored, exists) = self.read()?;
        let mut log = stored.clone();
        log.drop_expired(limits.timeout, now);
        let (result, changed) = change(&mut log);
        if changed {
            self.store(&log)?;
        } else if exists && log != stored {
            // Only expired entries went: the answer stands even if the
            // cleanup cannot be written, so a read-only folder is no outage.
            if let Err(error) = self.store(&log) {
                tracing::warn!("{error}");
            }
        }
        Ok(result)
    }

    /// The log as stored and whether the file exists. A file that is not a
    /// log (broken JSON, wrong shapes) reads as empty: losing counts is
    /// better than refusing every login.
    fn read(&self) -> Result<(Log, bool), TrialsError> {
        match std::fs::read(&self.file) {
            Ok(bytes) => Ok((Log::parse(&bytes), true)),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok((Log::default(), false)),
            Err(source) => Err(TrialsError::Read {
                file: self.file.clone(),
                source,
            }),
        }
    }

    fn store(&self, log: &Log) -> Result<(), TrialsError> {
        let result = if log.is_empty() {
            remove_if_there(&self.file)
        } else {
            write_atomic(&self.file, log.to_json().as_bytes())
        };
        result.map_err(|source| TrialsError::Write {
            file: self.file.clone(),
            source,
        })
    }
}

/// An exclusive advisory lock (`flock`) on the folder holding the log, held
/// until dropped. Locking the folder rather than a lock file adds nothing
/// to the accounts folder that Kirby would have to ignore.
struct FolderLock {
    _folder: Option<std::fs::File>,
}

impl FolderLock {
    /// Waits for the lock. A folder that cannot be opened or locked (gone,
    /// or a file system without `flock`) is logged and the update goes on
    /// under the process lock alone: a lost count is better than no login.
    fn acquire(log_file: &Path) -> FolderLock {
        use std::os::fd::AsRawFd;

        let folder = log_file
            .parent()
            .and_then(|dir| std::fs::File::open(dir).ok());
        if let Some(folder) = &folder {
            // SAFETY: `flock` only reads the descriptor, which `folder` keeps
            // open for as long as the lock is meant to last.
            let locked = unsafe { libc::flock(folder.as_raw_fd(), libc::LOCK_EX) };
            if locked != 0 {
                tracing::warn!(
                    "cannot lock the accounts folder for `.logins`: {}",
                    std::io::Error::last_os_error()
                );
            }
        }
        FolderLock { _folder: folder }
    }
}

/// The counter key of an address: the first 50 hex digits of the SHA-256 of
/// its text (an empty text when the address is unknown), as Kirby keys it.
pub fn ip_key(ip: Option<IpAddr>) -> String {
    let text = ip
        .map(|ip| ip.to_canonical().to_string())
        .unwrap_or_default();
    let mut hex = hex::encode(Sha256::digest(text.as_bytes()));
    hex.truncate(IP_KEY_LEN);
    hex
}

/// Sleeps a random 10 ms–2 s after a failed login, as Kirby does, so a
/// guesser cannot tell fast failures from slow ones or hammer the check.
/// `enabled` is option `folio.loginDelay`.
pub fn pause_after_failure(enabled: bool) {
    random_pause(enabled, 10..=2000);
}

/// Sleeps a random 50–300 ms after a login challenge is created, as Kirby
/// does, so the answer takes about as long whether or not the account
/// exists. `enabled` is option `folio.loginDelay`.
pub fn pause_after_challenge(enabled: bool) {
    random_pause(enabled, 50..=300);
}

fn random_pause(enabled: bool, millis: std::ops::RangeInclusive<u64>) {
    if enabled {
        let millis = rand::thread_rng().gen_range(millis);
        std::thread::sleep(Duration::from_millis(millis));
    }
}

fn bump(map: &mut BTreeMap<String, Entry>, key: String, now: i64) {
    let trials = map.get(&key).map_or(0, |e| e.trials).saturating_add(1);
    map.insert(key, Entry { time: now, trials });
}

impl Log {
    fn parse(bytes: &[u8]) -> Log {
        let value: Value = serde_json::from_slice(bytes).unwrap_or(Value::Null);
        Log {
            by_ip: entries(value.get("by-ip")),
            by_email: entries(value.get("by-email")),
        }
    }

    fn is_empty(&self) -> bool {
        self.by_ip.is_empty() && self.by_email.is_empty()
    }

    fn drop_expired(&mut self, timeout: u64, now: i64) {
        let oldest_kept = now.saturating_sub(i64::try_from(timeout).unwrap_or(i64::MAX));
        self.by_ip.retain(|_, e| e.time > oldest_kept);
        self.by_email.retain(|_, e| e.time > oldest_kept);
    }

    /// Kirby's JSON: an empty map is PHP's empty array, `[]`.
    fn to_json(&self) -> String {
        json!({"by-ip": map_json(&self.by_ip), "by-email": map_json(&self.by_email)}).to_string()
    }
}

/// The well-formed entries of one map; anything else is skipped.
fn entries(value: Option<&Value>) -> BTreeMap<String, Entry> {
    let Some(Value::Object(map)) = value else {
        return BTreeMap::new();
    };
    map.iter()
        .filter_map(|(key, entry)| {
            let time = entry.get("time")?.as_i64()?;
            let trials = entry.get("trials")?.as_u64()?;
            Some((key.clone(), Entry { time, trials }))
        })
        .collect()
}

fn map_json(map: &BTreeMap<String, Entry>) -> Value {
    if map.is_empty() {
        return Value::Array(Vec::new());
    }
    let object: Map<String, Value> = map
        .iter()
        .map(|(key, e)| (key.clone(), json!({"time": e.time, "trials": e.trials})))
        .collect();
    Value::Object(object)
}

#[cfg(test)]
mod tests;
