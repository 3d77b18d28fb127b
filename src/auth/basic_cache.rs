//! Remembers Basic-auth credentials that were verified recently, so a client
//! sending `Authorization: Basic …` on every request does not pay a bcrypt
//! verify (tens of milliseconds of CPU) on each one.
//!
//! The cache must not weaken Basic auth, so it follows these rules:
//!
//! - It never holds a password. An entry is keyed by
//!   `HMAC-SHA256(secret, email + "\0" + password)`, with a secret drawn from
//!   the OS at start-up and kept only in memory. A memory dump of the process
//!   shows keys that cannot be tested against guesses without the secret, and
//!   nothing survives a restart.
//! - Only a correct password is ever stored ([`BasicCache::remember`] is
//!   called after a full bcrypt verify succeeded). A wrong password always
//!   misses and always costs the full verify, so the cache cannot speed up
//!   guessing.
//! - A hit counts only while it is young ([`DEFAULT_LIFETIME`]), and only if
//!   the account still has the hash and the `.htpasswd` modification time the
//!   entry was made with. A password changed on disk or through the API
//!   therefore voids every entry of that user on the next request, without
//!   any notification reaching the cache.
//! - A hit must resolve to the same user id the entry was made for. Together
//!   with refusing e-mails that contain a NUL byte (which would make
//!   `email + "\0" + password` ambiguous), this means one user's entry can
//!   never let another user in.
//! - It is bounded ([`DEFAULT_CAPACITY`]); when full, the oldest entry goes.
//!
//! Why no constant-time compare: a lookup hashes the HMAC output with the
//! map's own hasher and then compares 32-byte HMAC outputs for equality.
//! Timing differences there could at most tell an attacker how many leading
//! bytes of *their* HMAC match a stored one, and without the secret they can
//! neither compute their HMAC nor steer it towards a stored key, so such a
//! leak says nothing about any password. The comparison that matters for
//! guessing, against the bcrypt hash, is still made in full on every miss.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use parking_lot::Mutex;
use rand::RngCore;
use sha2::Sha256;

use crate::auth::basic::normalize_email;
use crate::store::User;

/// How long a verified login may be reused before bcrypt runs again.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(60);

/// How many verified logins are kept at most.
pub const DEFAULT_CAPACITY: usize = 1024;

type Key = [u8; 32];

/// What was true of the account when its password last verified.
#[derive(Debug, Clone)]
struct Entry {
    user_id: String,
    password_modified: Option<i64>,
    hash: String,
    inserted_at: Instant,
}

impl Entry {
    fn still_matches(&self, user: &User, now: Instant, lifetime: Duration) -> bool {
        now.saturating_duration_since(self.inserted_at) < lifetime
            && self.user_id == user.id
            && self.hash == user.password_hash
            && self.password_modified == user.password_modified
    }
}

/// The verified-credentials cache; one per process, shared by all requests.
///
/// It needs no single-flight of its own: every Basic check runs inside the
/// login turn of its address and e-mail (`trials::turns`), so when a client
/// opens many connections at once with the same credentials, the first
/// verifies and remembers while the others wait for the turn and then hit.
pub struct BasicCache {
    secret: [u8; 32],
    lifetime: Duration,
    capacity: usize,
    entries: Mutex<HashMap<Key, Entry>>,
}

impl Default for BasicCache {
    fn default() -> Self {
        BasicCache::new(DEFAULT_LIFETIME, DEFAULT_CAPACITY)
    }
}

impl BasicCache {
    /// An empty cache with a fresh random secret.
    pub fn new(lifetime: Duration, capacity: usize) -> BasicCache {
        let mut secret = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        BasicCache {
            secret,
            lifetime,
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `email` and `password` were verified for `user` recently and
    /// the account's password has not changed since. A stale entry is dropped.
    pub fn is_verified(&self, email: &str, password: &str, user: &User) -> bool {
        self.is_verified_at(email, password, user, Instant::now())
    }

    /// Records that `password` is correct for `user`. Call this only after a
    /// full password verify succeeded.
    pub fn remember(&self, email: &str, password: &str, user: &User) {
        self.remember_at(email, password, user, Instant::now());
    }

    /// Drops every entry of one user, e.g. right after the API changed the
    /// password (the hash check would catch it on the next hit anyway; this
    /// frees the memory at once).
    pub fn forget_user(&self, user_id: &str) {
        self.entries
            .lock()
            .retain(|_, entry| entry.user_id != user_id);
    }

    /// How many entries are held, stale ones included.
    pub fn len(&self) -> usize {
        self.entries.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn is_verified_at(&self, email: &str, password: &str, user: &User, now: Instant) -> bool {
        let Some(key) = self.key(email, password) else {
            return false;
        };
        let mut entries = self.entries.lock();
        let Some(entry) = entries.get(&key) else {
            return false;
        };
        if entry.still_matches(user, now, self.lifetime) {
            return true;
        }
        entries.remove(&key);
        false
    }

    fn remember_at(&self, email: &str, password: &str, user: &User, now: Instant) {
        if self.capacity == 0 {
            return;
        }
        let Some(key) = self.key(email, password) else {
            return;
        };
        let mut entries = self.entries.lock();
        if !entries.contains_key(&key) && entries.len() >= self.capacity {
            self.make_room(&mut entries, now);
        }
        entries.insert(
            key,
            Entry {
                user_id: user.id.clone(),
                password_modified: user.password_modified,
                hash: user.password_hash.clone(),
                inserted_at: now,
            },
        );
    }

    /// Drops expired entries, then the oldest one if that freed nothing.
    /// A linear scan is fine: it only runs after a bcrypt verify, which costs
    /// far more than walking a thousand entries.
    fn make_room(&self, entries: &mut HashMap<Key, Entry>, now: Instant) {
        entries.retain(|_, entry| now.saturating_duration_since(entry.inserted_at) < self.lifetime);
        if entries.len() < self.capacity {
            return;
        }
        let oldest = entries
            .iter()
            .min_by_key(|(_, entry)| entry.inserted_at)
            .map(|(key, _)| *key);
        if let Some(key) = oldest {
            entries.remove(&key);
        }
    }

    /// The HMAC of the normalised e-mail and the password; `None` when the
    /// pair cannot be keyed without ambiguity (a NUL in the e-mail).
    fn key(&self, email: &str, password: &str) -> Option<Key> {
        let email = normalize_email(email);
        if email.contains('\0') {
            return None;
        }
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret).ok()?;
        mac.update(email.as_bytes());
        mac.update(b"\0");
        mac.update(password.as_bytes());
        Some(mac.finalize().into_bytes().into())
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::store::model::Translated;

    const EMAIL: &str = "admin@example.com";
    const PASSWORD: &str = "correct-horse-1";

    fn user(id: &str, hash: &str, modified: Option<i64>) -> User {
        User {
            id: id.into(),
            email: EMAIL.into(),
            language: "en".into(),
            name: None,
            role: "admin".into(),
            dir: PathBuf::new(),
            password_hash: hash.into(),
            password_modified: modified,
            secrets: serde_json::Map::new(),
            content: Translated::default(),
            avatar: None,
        }
    }

    fn admin() -> User {
        user("L3TKdhXx", "$2y$10$first-hash", Some(1_700_000_000))
    }

    #[test]
    fn a_remembered_login_hits() {
        let cache = BasicCache::default();
        let admin = admin();
        assert!(!cache.is_verified(EMAIL, PASSWORD, &admin), "empty cache");
        cache.remember(EMAIL, PASSWORD, &admin);
        assert!(cache.is_verified(EMAIL, PASSWORD, &admin));
        assert!(
            cache.is_verified("  ADMIN@Example.com ", PASSWORD, &admin),
            "the e-mail is normalised as the user lookup does"
        );
    }

    #[test]
    fn a_wrong_password_misses() {
        let cache = BasicCache::default();
        let admin = admin();
        cache.remember(EMAIL, PASSWORD, &admin);
        for wrong in ["correct-horse-2", "correct-horse-1 ", "CORRECT-HORSE-1", ""] {
            assert!(!cache.is_verified(EMAIL, wrong, &admin), "{wrong:?}");
        }
        assert_eq!(cache.len(), 1, "misses store nothing");
    }

    #[test]
    fn another_user_never_reuses_an_entry() {
        let cache = BasicCache::default();
        cache.remember(EMAIL, PASSWORD, &admin());
        let impostor = user("other-id", "$2y$10$first-hash", Some(1_700_000_000));
        assert!(!cache.is_verified(EMAIL, PASSWORD, &impostor));
    }

    #[test]
    fn a_changed_hash_voids_the_entry() {
        let cache = BasicCache::default();
        cache.remember(EMAIL, PASSWORD, &admin());
        let changed = user("L3TKdhXx", "$2y$10$second-hash", Some(1_700_000_000));
        assert!(!cache.is_verified(EMAIL, PASSWORD, &changed));
        assert!(
            !cache.is_verified(EMAIL, PASSWORD, &admin()),
            "the stale entry is gone, not just skipped"
        );
        assert!(cache.is_empty());
    }

    #[test]
    fn a_changed_password_file_mtime_voids_the_entry() {
        let cache = BasicCache::default();
        cache.remember(EMAIL, PASSWORD, &admin());
        let touched = user("L3TKdhXx", "$2y$10$first-hash", Some(1_700_000_001));
        assert!(!cache.is_verified(EMAIL, PASSWORD, &touched));
        let missing = user("L3TKdhXx", "$2y$10$first-hash", None);
        cache.remember(EMAIL, PASSWORD, &admin());
        assert!(!cache.is_verified(EMAIL, PASSWORD, &missing));
    }

    #[test]
    fn entries_expire() {
        let cache = BasicCache::new(Duration::from_secs(60), 8);
        let admin = admin();
        let start = Instant::now();
        cache.remember_at(EMAIL, PASSWORD, &admin, start);
        let almost = start + Duration::from_secs(59);
        assert!(cache.is_verified_at(EMAIL, PASSWORD, &admin, almost));
        let late = start + Duration::from_secs(60);
        assert!(!cache.is_verified_at(EMAIL, PASSWORD, &admin, late));
        assert!(cache.is_empty());
    }

    #[test]
    fn the_size_is_bounded_and_the_oldest_goes_first() {
        let cache = BasicCache::new(Duration::from_secs(60), 3);
        let admin = admin();
        let start = Instant::now();
        let passwords = ["password-0", "password-1", "password-2", "password-3"];
        for (i, password) in passwords.iter().enumerate() {
            cache.remember_at(
                EMAIL,
                password,
                &admin,
                start + Duration::from_secs(i as u64),
            );
        }
        assert_eq!(cache.len(), 3);
        let now = start + Duration::from_secs(5);
        assert!(!cache.is_verified_at(EMAIL, "password-0", &admin, now));
        for password in &passwords[1..] {
            assert!(
                cache.is_verified_at(EMAIL, password, &admin, now),
                "{password}"
            );
        }
    }

    #[test]
    fn expired_entries_make_room_before_live_ones() {
        let cache = BasicCache::new(Duration::from_secs(10), 2);
        let admin = admin();
        let start = Instant::now();
        cache.remember_at(EMAIL, "password-old", &admin, start);
        cache.remember_at(
            EMAIL,
            "password-mid",
            &admin,
            start + Duration::from_secs(8),
        );
        let now = start + Duration::from_secs(11);
        cache.remember_at(EMAIL, "password-new", &admin, now);
        assert!(cache.is_verified_at(EMAIL, "password-mid", &admin, now));
        assert!(cache.is_verified_at(EMAIL, "password-new", &admin, now));
    }

    #[test]
    fn a_zero_capacity_cache_holds_nothing() {
        let cache = BasicCache::new(DEFAULT_LIFETIME, 0);
        cache.remember(EMAIL, PASSWORD, &admin());
        assert!(cache.is_empty());
    }

    #[test]
    fn emails_with_nul_are_never_cached() {
        let cache = BasicCache::default();
        let admin = admin();
        cache.remember("admin@example.com\0x", PASSWORD, &admin);
        assert!(cache.is_empty());
    }

    #[test]
    fn forget_user_drops_only_that_users_entries() {
        let cache = BasicCache::default();
        let admin = admin();
        let editor = user("fdJlnth1", "$2y$10$editor-hash", None);
        cache.remember(EMAIL, PASSWORD, &admin);
        cache.remember("editor@example.com", PASSWORD, &editor);
        cache.forget_user("L3TKdhXx");
        assert!(!cache.is_verified(EMAIL, PASSWORD, &admin));
        assert!(cache.is_verified("editor@example.com", PASSWORD, &editor));
    }

    #[test]
    fn secrets_differ_per_cache() {
        let first = BasicCache::default();
        let second = BasicCache::default();
        assert_ne!(first.key(EMAIL, PASSWORD), second.key(EMAIL, PASSWORD));
        assert_eq!(first.key(EMAIL, PASSWORD), first.key(EMAIL, PASSWORD));
    }
}
