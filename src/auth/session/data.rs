//! What a session holds and the rules for how long it lives (auth.md §2.3).
//!
//! All time arithmetic takes `now` as a Unix timestamp from the caller, so the rules can be
//! tested without a clock and so one request uses one instant throughout.

use crate::auth::phpser::PhpValue;

/// Session lifetimes in seconds, from the `session.*` options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLifetimes {
    /// `session.durationNormal`: absolute lifetime of a normal session.
    pub normal: i64,
    /// `session.durationLong`: absolute lifetime of a "remember me" session.
    pub long: i64,
    /// `session.timeout`: inactivity timeout of a normal session.
    pub timeout: i64,
}

impl Default for SessionLifetimes {
    fn default() -> Self {
        SessionLifetimes {
            normal: 7200,
            long: 1_209_600,
            timeout: 1800,
        }
    }
}

/// One value stored under a session data key.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionValue {
    Str(String),
    Int(i64),
    Bool(bool),
    /// Any other PHP value a PHP Kirby (or a plugin) stored; kept as is so that rewriting the
    /// session does not lose it.
    Php(PhpValue),
}

/// A session's metadata and data, as stored in its file.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionData {
    pub start_time: i64,
    pub expiry_time: i64,
    pub duration: i64,
    /// Inactivity timeout in seconds; `None` for long sessions (Kirby writes `false`).
    pub timeout: Option<i64>,
    /// Last time activity was recorded; `None` when there is no timeout.
    pub last_activity: Option<i64>,
    pub renewable: bool,
    /// Data entries in insertion order, as PHP keeps them.
    pub data: Vec<(String, SessionValue)>,
}

impl SessionData {
    /// A new normal session: short lifetime plus inactivity timeout.
    pub fn new_normal(now: i64, lifetimes: &SessionLifetimes) -> Self {
        Self::starting(now, lifetimes.normal, Some(lifetimes.timeout))
    }

    /// A new long ("remember me") session: long lifetime, no inactivity timeout.
    pub fn new_long(now: i64, lifetimes: &SessionLifetimes) -> Self {
        Self::starting(now, lifetimes.long, None)
    }

    fn starting(now: i64, duration: i64, timeout: Option<i64>) -> Self {
        SessionData {
            start_time: now,
            expiry_time: now.saturating_add(duration),
            duration,
            timeout,
            last_activity: timeout.map(|_| now),
            renewable: true,
            data: Vec::new(),
        }
    }

    /// Turns this session into a normal or long one from `now` on, as login does; keeps the
    /// data. The caller must regenerate the token, since its expiry changes.
    pub fn set_lifetime(&mut self, now: i64, long: bool, lifetimes: &SessionLifetimes) {
        let (duration, timeout) = if long {
            (lifetimes.long, None)
        } else {
            (lifetimes.normal, Some(lifetimes.timeout))
        };
        self.duration = duration;
        self.expiry_time = now.saturating_add(duration);
        self.timeout = timeout;
        self.last_activity = timeout.map(|_| now);
    }

    /// Whether the session may be used at `now`: inside its lifetime and not idle too long.
    pub fn is_valid(&self, now: i64) -> bool {
        if now < self.start_time || now > self.expiry_time {
            return false;
        }
        match (self.timeout, self.last_activity) {
            (None, _) => true,
            (Some(timeout), Some(last)) => now.saturating_sub(last) <= timeout,
            // A timeout without a recorded activity is treated as timed out, as PHP does when
            // it compares `null` with a number.
            (Some(_), None) => false,
        }
    }

    /// Whether a renewable session has less than half its duration left.
    pub fn needs_renewal(&self, now: i64) -> bool {
        let left = self.expiry_time.saturating_sub(now);
        self.renewable && left.saturating_mul(2) < self.duration
    }

    /// Extends the session to `now + duration`. The caller must regenerate the token.
    pub fn renew(&mut self, now: i64) {
        self.expiry_time = now.saturating_add(self.duration);
    }

    /// Records activity at `now`; returns whether anything changed and must be saved.
    ///
    /// Like Kirby, the time is rewritten only when more than `timeout / 15` seconds have passed,
    /// so a busy client does not rewrite its session file on every request.
    pub fn touch(&mut self, now: i64) -> bool {
        let Some(timeout) = self.timeout else {
            return false;
        };
        let stale = match self.last_activity {
            Some(last) => now.saturating_sub(last) > timeout / 15,
            None => true,
        };
        if stale {
            self.last_activity = Some(now);
        }
        stale
    }

    /// The value stored under `key`.
    pub fn get(&self, key: &str) -> Option<&SessionValue> {
        self.data.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The string stored under `key`, if it is a string.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            Some(SessionValue::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// The integer stored under `key`, if it is an integer.
    pub fn get_int(&self, key: &str) -> Option<i64> {
        match self.get(key) {
            Some(SessionValue::Int(i)) => Some(*i),
            _ => None,
        }
    }

    /// Stores `value` under `key`, keeping the key's position if it already exists.
    pub fn set(&mut self, key: impl Into<String>, value: SessionValue) {
        let key = key.into();
        match self.data.iter_mut().find(|(k, _)| *k == key) {
            Some((_, slot)) => *slot = value,
            None => self.data.push((key, value)),
        }
    }

    /// Removes `key` and returns what it held.
    pub fn remove(&mut self, key: &str) -> Option<SessionValue> {
        let index = self.data.iter().position(|(k, _)| k == key)?;
        Some(self.data.remove(index).1)
    }

    /// Removes every key that starts with `prefix` (e.g. `kirby.challenge.`).
    pub fn remove_prefixed(&mut self, prefix: &str) {
        self.data.retain(|(k, _)| !k.starts_with(prefix));
    }

    /// Whether no data is stored; Kirby destroys such a session on logout.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    fn normal() -> SessionData {
        SessionData::new_normal(NOW, &SessionLifetimes::default())
    }

    #[test]
    fn new_sessions_follow_the_defaults() {
        let s = normal();
        assert_eq!(
            (s.start_time, s.expiry_time, s.duration),
            (NOW, NOW + 7200, 7200)
        );
        assert_eq!(
            (s.timeout, s.last_activity, s.renewable),
            (Some(1800), Some(NOW), true)
        );

        let l = SessionData::new_long(NOW, &SessionLifetimes::default());
        assert_eq!((l.expiry_time, l.duration), (NOW + 1_209_600, 1_209_600));
        assert_eq!((l.timeout, l.last_activity), (None, None));
    }

    #[test]
    fn validity_window_and_timeout() {
        let s = normal();
        assert!(s.is_valid(NOW));
        assert!(!s.is_valid(NOW - 1));
        assert!(s.is_valid(NOW + 1800));
        assert!(!s.is_valid(NOW + 1801), "idle past the timeout");

        let mut active = s.clone();
        active.last_activity = Some(NOW + 7000);
        assert!(active.is_valid(NOW + 7200));
        assert!(!active.is_valid(NOW + 7201), "past the expiry");

        let mut no_activity = s;
        no_activity.last_activity = None;
        assert!(!no_activity.is_valid(NOW));

        let long = SessionData::new_long(NOW, &SessionLifetimes::default());
        assert!(long.is_valid(NOW + 1_209_600));
        assert!(!long.is_valid(NOW + 1_209_601));
    }

    #[test]
    fn renewal_after_half_the_duration() {
        let mut s = normal();
        assert!(!s.needs_renewal(NOW + 3600));
        assert!(s.needs_renewal(NOW + 3601));
        s.renew(NOW + 3601);
        assert_eq!(s.expiry_time, NOW + 3601 + 7200);
        s.renewable = false;
        assert!(!s.needs_renewal(NOW + 10_000));
    }

    #[test]
    fn touch_rewrites_only_after_a_fifteenth_of_the_timeout() {
        let mut s = normal();
        assert!(!s.touch(NOW + 120));
        assert_eq!(s.last_activity, Some(NOW));
        assert!(s.touch(NOW + 121));
        assert_eq!(s.last_activity, Some(NOW + 121));

        let mut long = SessionData::new_long(NOW, &SessionLifetimes::default());
        assert!(!long.touch(NOW + 100_000));
        assert_eq!(long.last_activity, None);
    }

    #[test]
    fn set_lifetime_switches_between_normal_and_long() {
        let lifetimes = SessionLifetimes::default();
        let mut s = normal();
        s.set(KEY_A, SessionValue::Int(1));
        s.set_lifetime(NOW + 10, true, &lifetimes);
        assert_eq!(
            (s.duration, s.expiry_time),
            (1_209_600, NOW + 10 + 1_209_600)
        );
        assert_eq!((s.timeout, s.last_activity), (None, None));
        s.set_lifetime(NOW + 20, false, &lifetimes);
        assert_eq!((s.duration, s.expiry_time), (7200, NOW + 20 + 7200));
        assert_eq!((s.timeout, s.last_activity), (Some(1800), Some(NOW + 20)));
        assert_eq!(s.get_int(KEY_A), Some(1));
    }

    const KEY_A: &str = "kirby.userId";

    #[test]
    fn data_get_set_remove() {
        let mut s = normal();
        assert!(s.is_empty());
        s.set("kirby.csrf", SessionValue::Str("abc".into()));
        s.set(KEY_A, SessionValue::Str("u1".into()));
        s.set("kirby.csrf", SessionValue::Str("def".into()));
        assert_eq!(
            s.data.first().map(|(k, _)| k.as_str()),
            Some("kirby.csrf"),
            "order kept"
        );
        assert_eq!(s.get_str("kirby.csrf"), Some("def"));
        assert_eq!(s.get_int("kirby.csrf"), None);

        s.set("kirby.challenge.email", SessionValue::Str("a@b".into()));
        s.set("kirby.challenge.timeout", SessionValue::Int(NOW));
        s.remove_prefixed("kirby.challenge.");
        assert_eq!(s.data.len(), 2);

        assert_eq!(s.remove(KEY_A), Some(SessionValue::Str("u1".into())));
        assert_eq!(s.remove(KEY_A), None);
        assert!(!s.is_empty());
    }

    #[test]
    fn extreme_times_do_not_overflow() {
        let s = SessionData::new_normal(i64::MAX, &SessionLifetimes::default());
        assert_eq!(s.expiry_time, i64::MAX);
        assert!(s.is_valid(i64::MAX));
        assert!(!s.needs_renewal(i64::MIN));
        let mut s = s;
        assert!(!s.touch(i64::MIN));
    }
}
