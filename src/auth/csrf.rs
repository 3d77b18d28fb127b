//! CSRF tokens (auth.md §3): which token a request must present, and how to compare it.
//!
//! Kirby stores a random token in the session on the first CSRF check, which creates a session
//! file for every anonymous visitor. Folio keeps anonymous requests file-free: until login, the
//! session-bound token is derived as `hex(HMAC_SHA256(secret, session id))` from a server
//! secret, so it can be recomputed on every request without storing anything. On login the
//! derived value is written to the new session as `kirby.csrf`, where Kirby would have it too.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use thiserror::Error;

/// The token every request must present when `panel.dev` is on.
pub const DEV_TOKEN: &str = "dev";

/// Session data key Kirby stores the token under.
pub const SESSION_KEY: &str = "kirby.csrf";

/// File name of the secret inside the folder given to `CsrfSecret::load_or_create`.
pub const SECRET_FILE_NAME: &str = ".folio-csrf-secret";

/// Where the expected token comes from, fixed once from the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CsrfPolicy {
    /// Option `api.csrf`: one fixed token for everyone.
    Fixed(String),
    /// Option `panel.dev`: the literal `dev`.
    Dev,
    /// Default: the token bound to the caller's session.
    Session,
}

impl CsrfPolicy {
    /// Picks the policy in Kirby's order: `api.csrf`, then `panel.dev`, then the session.
    /// An empty `api.csrf` counts as unset, as an empty string is falsy in PHP.
    pub fn from_options(api_csrf: Option<String>, panel_dev: bool) -> Self {
        match api_csrf {
            Some(fixed) if !fixed.is_empty() => CsrfPolicy::Fixed(fixed),
            _ if panel_dev => CsrfPolicy::Dev,
            _ => CsrfPolicy::Session,
        }
    }

    /// The token a request must present, given the caller's session-bound token (stored or
    /// derived). `None` means no token can match, e.g. a session policy without a session.
    pub fn expected<'a>(&'a self, session_token: Option<&'a str>) -> Option<&'a str> {
        match self {
            CsrfPolicy::Fixed(fixed) => Some(fixed),
            CsrfPolicy::Dev => Some(DEV_TOKEN),
            CsrfPolicy::Session => session_token,
        }
    }
}

/// Constant-time comparison; a missing or empty token on either side never matches.
pub fn matches(expected: Option<&str>, given: Option<&str>) -> bool {
    match (expected, given) {
        (Some(expected), Some(given)) if !expected.is_empty() && !given.is_empty() => {
            bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
        }
        _ => false,
    }
}

/// Derives the session-bound token for `session_id`: 64 lowercase hex characters.
pub fn derive_token(secret: &[u8; 32], session_id: &str) -> String {
    // HMAC accepts 32-byte keys, so this cannot fail; the fallback keeps it panic-free and can
    // never match, because `matches` refuses empty tokens.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(session_id.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Why the CSRF secret could not be loaded or created.
#[derive(Debug, Error)]
pub enum CsrfError {
    #[error("cannot access the CSRF secret at `{path}`")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("the CSRF secret at `{path}` is not 64 hex characters")]
    Corrupt { path: String },
}

/// The server's 32-byte secret for derived CSRF tokens. `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct CsrfSecret([u8; 32]);

impl CsrfSecret {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        CsrfSecret(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// `derive_token` with this secret.
    pub fn derive(&self, session_id: &str) -> String {
        derive_token(&self.0, session_id)
    }

    /// Reads `<dir>/.folio-csrf-secret`, or creates it (hex text, mode 0600) if missing.
    ///
    /// The file is written to a temporary name and then hard-linked into place, so a
    /// concurrent reader never sees a partial secret, and of two processes racing to create
    /// it, one wins and both use the winner's secret. A corrupt file is an error, not replaced:
    /// silently rotating the secret would invalidate every anonymous visitor's token.
    pub fn load_or_create(dir: &Path) -> Result<Self, CsrfError> {
        let path = dir.join(SECRET_FILE_NAME);
        match fs::read(&path) {
            Ok(content) => return parse_secret(&content).ok_or_else(|| corrupt(&path)),
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => return Err(io_error(&path, err)),
        }

        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        match publish_secret(dir, &path, &bytes) {
            Ok(()) => Ok(CsrfSecret(bytes)),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                let content = fs::read(&path).map_err(|err| io_error(&path, err))?;
                parse_secret(&content).ok_or_else(|| corrupt(&path))
            }
            Err(err) => Err(io_error(&path, err)),
        }
    }
}

impl fmt::Debug for CsrfSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CsrfSecret(<redacted>)")
    }
}

fn parse_secret(content: &[u8]) -> Option<CsrfSecret> {
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(content, &mut bytes).ok()?;
    Some(CsrfSecret(bytes))
}

/// Writes the secret to a temporary file and links it to `path`; `AlreadyExists` if another
/// process got there first.
fn publish_secret(dir: &Path, path: &Path, bytes: &[u8; 32]) -> io::Result<()> {
    crate::auth::session::create_private_dir(dir)?;
    let mut suffix = [0u8; 8];
    OsRng.fill_bytes(&mut suffix);
    let temp: PathBuf = dir.join(format!("{SECRET_FILE_NAME}.{}.tmp", hex::encode(suffix)));

    let result = write_private(&temp, hex::encode(bytes).as_bytes()).and_then(|()| {
        match fs::hard_link(&temp, path) {
            // Filesystems without hard links: fall back to a rename, which is atomic for
            // readers but lets a racing process replace the secret once.
            Err(err) if err.kind() == io::ErrorKind::Unsupported => fs::rename(&temp, path),
            other => other,
        }
    });
    // The temporary name is no longer needed whether the link worked or not.
    let _ = fs::remove_file(&temp);
    result
}

fn write_private(path: &Path, content: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(content)?;
    file.sync_all()
}

fn io_error(path: &Path, source: io::Error) -> CsrfError {
    CsrfError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn corrupt(path: &Path) -> CsrfError {
    CsrfError::Corrupt {
        path: path.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn policy_follows_kirbys_order() {
        let fixed = CsrfPolicy::from_options(Some("abc".into()), true);
        assert_eq!(fixed, CsrfPolicy::Fixed("abc".into()));
        assert_eq!(fixed.expected(Some("session")), Some("abc"));

        let dev = CsrfPolicy::from_options(None, true);
        assert_eq!(dev.expected(Some("session")), Some("dev"));
        assert_eq!(
            CsrfPolicy::from_options(Some(String::new()), true),
            CsrfPolicy::Dev
        );

        let session = CsrfPolicy::from_options(None, false);
        assert_eq!(session.expected(Some("session")), Some("session"));
        assert_eq!(session.expected(None), None);
    }

    #[test]
    fn matching_is_exact_and_refuses_missing_tokens() {
        assert!(matches(Some("abc"), Some("abc")));
        assert!(!matches(Some("abc"), Some("abd")));
        assert!(!matches(Some("abc"), Some("ab")));
        assert!(!matches(Some("abc"), Some("ABC")));
        assert!(!matches(Some("abc"), None));
        assert!(!matches(Some("abc"), Some("")));
        assert!(!matches(None, Some("abc")));
        assert!(!matches(Some(""), Some("")));
        assert!(!matches(None, None));
    }

    #[test]
    fn derived_tokens_are_hmac_sha256_hex() {
        // Expected value computed independently (Python's hmac module).
        let secret = [0x0b; 32];
        let token = derive_token(&secret, "0123456789abcdef0123");
        assert_eq!(
            token,
            "ef803de1bbd68e1d09fce076746cf3a131106012d81d6656e798828ec8764702"
        );
        assert_eq!(token.len(), 64);
        assert!(
            token
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        );
        assert_eq!(token, derive_token(&secret, "0123456789abcdef0123"));
        assert_ne!(token, derive_token(&secret, "0123456789abcdef0124"));
        assert_ne!(token, derive_token(&[0x0c; 32], "0123456789abcdef0123"));
    }

    #[test]
    fn secret_is_created_once_and_reused() {
        let root = tempfile::tempdir().expect("temp dir");
        let dir = root.path().join("sessions");
        let first = CsrfSecret::load_or_create(&dir).expect("create");
        let second = CsrfSecret::load_or_create(&dir).expect("load");
        assert_eq!(first, second);
        assert_eq!(first.derive("x"), derive_token(first.as_bytes(), "x"));

        let names: Vec<_> = fs::read_dir(&dir)
            .expect("dir")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(
            names,
            vec![std::ffi::OsString::from(SECRET_FILE_NAME)],
            "no temp files left"
        );
        let content = fs::read_to_string(dir.join(SECRET_FILE_NAME)).expect("read");
        assert_eq!(content, hex::encode(first.as_bytes()));

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = fs::metadata(dir.join(SECRET_FILE_NAME)).expect("meta");
            assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn corrupt_secret_is_an_error_and_kept() {
        let root = tempfile::tempdir().expect("temp dir");
        let path = root.path().join(SECRET_FILE_NAME);
        fs::write(&path, "not hex").expect("write");
        assert!(matches!(
            CsrfSecret::load_or_create(root.path()),
            Err(CsrfError::Corrupt { .. })
        ));
        assert_eq!(fs::read_to_string(&path).expect("read"), "not hex");
    }

    #[test]
    fn debug_hides_the_secret() {
        let secret = CsrfSecret::from_bytes([0xab; 32]);
        assert!(!format!("{secret:?}").contains("ab"));
    }

    proptest! {
        #[test]
        fn only_equal_nonempty_tokens_match(a in ".{0,80}", b in ".{0,80}") {
            prop_assert_eq!(matches(Some(&a), Some(&b)), !a.is_empty() && a == b);
        }
    }
}
