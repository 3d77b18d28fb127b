//! Reading and checking the secret files of the accounts folder: each
//! account's `.htpasswd` (line 1 the password hash, an optional line 2 a
//! JSON object of other secrets such as a TOTP key) and the login-trials
//! log `site/accounts/.logins`.
//!
//! The scan reads `.htpasswd` leniently, so that one broken file never
//! locks the site, but records what is wrong with it as a problem, which
//! `folio check` reports with the file's path. The `.logins` file is owned
//! by the login code ([`crate::auth::trials`]); only its shape is checked
//! here, for `folio check`.

use std::path::Path;

use serde_json::{Map, Value};

use crate::store::model::Problem;

/// What the scan takes from a `.htpasswd`, and what is wrong with it.
#[derive(Debug, Default)]
pub struct Secrets {
    /// The hash on line 1, as written (empty: no password).
    pub hash: String,
    /// The object on line 2; empty when it is missing or unreadable.
    pub secrets: Map<String, Value>,
    pub problems: Vec<Problem>,
}

/// Reads a `.htpasswd`. `None` when there is no file to read.
pub fn read_htpasswd(path: &Path) -> Option<Secrets> {
    let bytes = std::fs::read(path).ok()?;
    let problem = |line: Option<usize>, message: &str| Problem {
        path: path.to_owned(),
        line,
        message: message.to_owned(),
    };
    let mut read = Secrets::default();
    let (first, second) = split_first_line(&bytes);
    match std::str::from_utf8(first) {
        Ok(hash) => {
            read.hash = hash.trim().to_owned();
            if !read.hash.is_empty() && !is_password_hash(&read.hash) {
                read.problems
                    .push(problem(Some(1), "line 1 is not a password hash"));
            }
        }
        Err(_) => read
            .problems
            .push(problem(Some(1), "line 1 is not valid UTF-8")),
    }
    match secrets_line(second) {
        Some(secrets) => read.secrets = secrets,
        None => read
            .problems
            .push(problem(Some(2), "line 2 is not a JSON object of secrets")),
    }
    Some(read)
}

/// Line 1 and the rest (without the newline between them).
pub fn split_first_line(bytes: &[u8]) -> (&[u8], &[u8]) {
    match bytes.iter().position(|b| *b == b'\n') {
        Some(at) => (
            bytes.get(..at).unwrap_or_default(),
            bytes.get(at + 1..).unwrap_or_default(),
        ),
        None => (bytes, &[]),
    }
}

/// The secrets of line 2: empty when the line is blank, `None` when it is
/// no JSON object (or not UTF-8, which JSON must be).
pub fn secrets_line(line: &[u8]) -> Option<Map<String, Value>> {
    if line.iter().all(u8::is_ascii_whitespace) {
        return Some(Map::new());
    }
    match serde_json::from_slice::<Value>(line) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// Whether a line has the shape of a hash PHP's `password_hash` writes:
/// bcrypt (`$2y$10$` and 53 characters) or argon2 in PHC form.
fn is_password_hash(hash: &str) -> bool {
    if hash.starts_with("$argon2") {
        return argon2::password_hash::PasswordHash::new(hash).is_ok();
    }
    let Some(rest) = ["$2y$", "$2a$", "$2b$"]
        .iter()
        .find_map(|prefix| hash.strip_prefix(prefix))
    else {
        return false;
    };
    let Some((cost, body)) = rest.split_once('$') else {
        return false;
    };
    cost.len() == 2
        && cost.parse::<u8>().is_ok_and(|c| (4..=31).contains(&c))
        && body.len() == 53
        && body
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '/')
}

/// Checks `.logins` in the accounts folder: a JSON object whose `by-ip`
/// and `by-email` maps hold `{"time": <int>, "trials": <int>}` entries
/// (PHP writes an empty map as `[]`). A missing or empty file is fine.
pub fn check_logins(accounts: &Path) -> Option<Problem> {
    let path = accounts.join(".logins");
    let bytes = std::fs::read(&path).ok()?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let reason = match serde_json::from_slice::<Value>(&bytes) {
        Err(_) => Some("the login log is not valid JSON".to_owned()),
        Ok(Value::Object(log)) => log
            .iter()
            .find_map(|(key, value)| logins_section_problem(key, value)),
        Ok(_) => Some("the login log is not a JSON object".to_owned()),
    };
    reason.map(|message| Problem {
        path,
        line: None,
        message,
    })
}

fn logins_section_problem(key: &str, value: &Value) -> Option<String> {
    if key != "by-ip" && key != "by-email" {
        return Some(format!("unknown key \"{key}\" in the login log"));
    }
    let entries = match value {
        Value::Array(items) if items.is_empty() => return None,
        Value::Object(entries) => entries,
        _ => return Some(format!("\"{key}\" is not a map of login trials")),
    };
    let well_formed = |entry: &Value| {
        entry.as_object().is_some_and(|e| {
            e.len() == 2
                && e.get("time").is_some_and(Value::is_i64)
                && e.get("trials").is_some_and(Value::is_u64)
        })
    };
    entries
        .iter()
        .find(|(_, entry)| !well_formed(entry))
        .map(|(name, _)| {
            format!("the entry \"{name}\" in \"{key}\" is not {{\"time\", \"trials\"}}")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "$2y$10$abcdefghijklmnopqrstuOabcdefghijklmnopqrstuvwxyz01234";

    fn htpasswd(bytes: &[u8]) -> Secrets {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".htpasswd");
        std::fs::write(&path, bytes).unwrap();
        read_htpasswd(&path).unwrap()
    }

    fn logins(text: &[u8]) -> Option<String> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".logins"), text).unwrap();
        check_logins(dir.path()).map(|p| p.message)
    }

    #[test]
    fn reads_a_hash_and_its_secrets() {
        let read = htpasswd(format!("{HASH}\n{{\"totp\":\"ABC\"}}").as_bytes());
        assert_eq!(read.hash, HASH);
        assert_eq!(read.secrets["totp"], "ABC");
        assert!(read.problems.is_empty());
        assert!(htpasswd(b"").problems.is_empty());
    }

    #[test]
    fn reports_what_is_not_a_hash_or_not_secrets() {
        let lines = |bytes: &[u8]| -> Vec<Option<usize>> {
            htpasswd(bytes).problems.iter().map(|p| p.line).collect()
        };
        assert_eq!(lines(b"garbage"), [Some(1)]);
        assert_eq!(lines(b"\xff\xfe"), [Some(1)]);
        assert_eq!(lines(format!("{HASH}\n{{broken").as_bytes()), [Some(2)]);
        assert_eq!(lines(format!("{HASH}\n[1]").as_bytes()), [Some(2)]);
        assert_eq!(lines(&[HASH.as_bytes(), b"\n\"\xff\""].concat()), [Some(2)]);
    }

    #[test]
    fn a_broken_hash_line_keeps_good_secrets() {
        let read = htpasswd(b"\xff\n{\"totp\":\"ABC\"}");
        assert_eq!(read.secrets["totp"], "ABC");
    }

    #[test]
    fn accepts_kirbys_login_log() {
        assert_eq!(logins(b"{\"by-ip\":[],\"by-email\":[]}"), None);
        let log = b"{\"by-ip\":{\"1.2.3.4\":{\"time\":1,\"trials\":2}},\"by-email\":[]}";
        assert_eq!(logins(log), None);
        assert_eq!(logins(b""), None);
    }

    #[test]
    fn reports_a_login_log_of_another_shape() {
        for broken in [
            &b"{not json"[..],
            b"[1,2]",
            b"{\"by-ip\":5}",
            b"{\"by-ip\":{\"x\":{\"time\":\"now\",\"trials\":1}}}",
            b"{\"other\":[]}",
            b"\xff",
        ] {
            assert!(
                logins(broken).is_some(),
                "{}",
                String::from_utf8_lossy(broken)
            );
        }
    }
}
