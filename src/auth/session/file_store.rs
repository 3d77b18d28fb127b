//! Sessions as files in one folder: `<dir>/<expiry>.<id>.sess`, Kirby's own layout.
//!
//! Writes go to a temporary file in the same folder, are flushed to disk and then renamed over
//! the session file, so a reader (Folio or PHP Kirby) sees the old session or the new one and
//! never half of one. File names come only from a parsed `SessionToken`, which holds nothing
//! but digits and hex, so no name can leave the folder.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use parking_lot::Mutex;

use rand::RngCore;
use rand::rngs::OsRng;

use super::codec::{MAX_FILE_BYTES, decode_file, encode_file};
use super::{SessionData, SessionError, SessionStore, SessionToken};

/// Temporary files older than this are leftovers of a crash and are removed by the GC.
const STALE_TEMP_AGE: Duration = Duration::from_secs(3600);

const TEMP_SUFFIX: &str = ".tmp";

/// Most decoded sessions kept in memory; past this the cache starts over.
const CACHE_LIMIT: usize = 10_000;

/// What tells two versions of a session file apart: mtime in nanoseconds,
/// inode and size. Every save replaces the inode, so a save by any process
/// (Folio or PHP Kirby) is a change.
type Stamp = (u128, u64, u64);

/// A session file and the secret key it was opened with.
type CacheKey = (PathBuf, String);

/// What each cached file decoded to, with the stamp it had then.
type DecodedSessions = HashMap<CacheKey, (Stamp, Option<SessionData>)>;

/// A session store over one folder, normally `site/sessions`.
///
/// Decoded sessions are cached by file and checked against the file's stamp
/// on every load: a `stat` instead of reading and decoding the file, and
/// still correct when other processes share the folder.
#[derive(Debug, Clone)]
pub struct FileSessionStore {
    dir: PathBuf,
    /// Keyed by file and the token's secret key, since what a file decodes
    /// to depends on the key it is opened with.
    cache: Arc<Mutex<DecodedSessions>>,
}

impl FileSessionStore {
    /// A store over `dir`; the folder is created on the first save.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        FileSessionStore {
            dir: dir.into(),
            cache: Arc::default(),
        }
    }

    /// The folder this store keeps its files in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path_for(&self, token: &SessionToken) -> PathBuf {
        self.dir.join(format!("{}.sess", token.file_stem()))
    }

    fn io_error(&self, path: &Path, source: io::Error) -> SessionError {
        SessionError::Io {
            path: path.display().to_string(),
            source,
        }
    }

    fn read_capped(&self, path: &Path) -> Result<Option<Vec<u8>>, SessionError> {
        let file = match File::open(path) {
            Ok(file) => file,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(self.io_error(path, err)),
        };
        let mut content = Vec::new();
        // One byte more than allowed, so an oversized file is recognised without reading it all.
        let limit = u64::try_from(MAX_FILE_BYTES)
            .unwrap_or(u64::MAX)
            .saturating_add(1);
        file.take(limit)
            .read_to_end(&mut content)
            .map_err(|err| self.io_error(path, err))?;
        Ok(Some(content))
    }

    fn write_atomically(&self, path: &Path, content: &[u8]) -> Result<(), SessionError> {
        create_private_dir(&self.dir).map_err(|err| self.io_error(&self.dir, err))?;

        let mut suffix = [0u8; 8];
        OsRng.fill_bytes(&mut suffix);
        let temp = self
            .dir
            .join(format!(".{}{TEMP_SUFFIX}", hex::encode(suffix)));
        let result = write_synced(&temp, content).and_then(|()| fs::rename(&temp, path));
        if result.is_err() {
            // Best effort: the write already failed, and the GC removes what is left anyway.
            let _ = fs::remove_file(&temp);
        }
        result.map_err(|err| self.io_error(path, err))
    }

    fn remove_if_expired(&self, path: &Path, name: &str, now: i64) -> bool {
        let expired = match session_file_expiry(name) {
            Some(expiry) => expiry < now,
            None => name.starts_with('.') && name.ends_with(TEMP_SUFFIX) && is_stale(path),
        };
        // A file that vanished meanwhile (another process collected it) is not a failure.
        expired && fs::remove_file(path).is_ok()
    }
}

impl SessionStore for FileSessionStore {
    fn load(&self, token: &SessionToken, now: i64) -> Result<Option<SessionData>, SessionError> {
        let path = self.path_for(token);
        let slot = (path.clone(), token.key.clone());
        let stamp = match fs::metadata(&path) {
            Ok(meta) => stamp_of(&meta),
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                self.cache.lock().remove(&slot);
                return Ok(None);
            }
            Err(err) => return Err(self.io_error(&path, err)),
        };
        let cached = self.cache.lock().get(&slot).cloned();
        let decoded = match cached {
            Some((seen, decoded)) if seen == stamp => decoded,
            _ => {
                let Some(content) = self.read_capped(&path)? else {
                    return Ok(None);
                };
                let decoded = decode_file(token, &content);
                let mut cache = self.cache.lock();
                if cache.len() >= CACHE_LIMIT {
                    cache.clear();
                }
                cache.insert(slot, (stamp, decoded.clone()));
                decoded
            }
        };
        Ok(decoded.filter(|data| data.is_valid(now)))
    }

    fn save(&self, token: &SessionToken, data: &SessionData) -> Result<(), SessionError> {
        self.write_atomically(&self.path_for(token), encode_file(token, data).as_bytes())
    }

    fn delete(&self, token: &SessionToken) -> Result<(), SessionError> {
        let path = self.path_for(token);
        match fs::remove_file(&path) {
            Err(err) if err.kind() != io::ErrorKind::NotFound => Err(self.io_error(&path, err)),
            _ => Ok(()),
        }
    }

    fn collect_garbage(&self, now: i64) -> Result<usize, SessionError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(err) => return Err(self.io_error(&self.dir, err)),
        };
        let mut removed = 0;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if self.remove_if_expired(&entry.path(), name, now) {
                removed += 1;
            }
        }
        Ok(removed)
    }
}

/// The expiry of a file named like a session (`<expiry>.<20 hex>.sess`); `None` for any other
/// file, which the GC then leaves alone.
fn session_file_expiry(name: &str) -> Option<i64> {
    let stem = name.strip_suffix(".sess")?;
    let (expiry, id) = stem.split_once('.')?;
    let hex_id = id.len() == super::ID_HEX_LEN && id.bytes().all(|b| b.is_ascii_hexdigit());
    let digits = !expiry.is_empty() && expiry.bytes().all(|b| b.is_ascii_digit());
    if hex_id && digits {
        expiry.parse().ok()
    } else {
        None
    }
}

fn stamp_of(meta: &fs::Metadata) -> Stamp {
    let nanos = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(meta);
    #[cfg(not(unix))]
    let inode = 0;
    (nanos, inode, meta.len())
}

fn is_stale(path: &Path) -> bool {
    let modified = fs::metadata(path).and_then(|meta| meta.modified());
    modified
        .ok()
        .and_then(|time| SystemTime::now().duration_since(time).ok())
        .is_some_and(|age| age > STALE_TEMP_AGE)
}

fn write_synced(path: &Path, content: &[u8]) -> io::Result<()> {
    let mut options = OpenOptions::new();
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

/// Creates `dir` (and missing parents) readable only by the server's user.
pub(crate) fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::session::{SessionLifetimes, SessionValue};

    const NOW: i64 = 1_700_000_000;

    fn setup() -> (tempfile::TempDir, FileSessionStore) {
        let root = tempfile::tempdir().expect("temp dir");
        let store = FileSessionStore::new(root.path().join("site").join("sessions"));
        (root, store)
    }

    fn session() -> (SessionToken, SessionData) {
        let mut data = SessionData::new_normal(NOW, &SessionLifetimes::default());
        data.set("kirby.userId", SessionValue::Str("mcAvloGF".into()));
        (SessionToken::generate(data.expiry_time), data)
    }

    #[test]
    fn save_then_load_round_trips() {
        let (_root, store) = setup();
        let (token, data) = session();
        assert_eq!(
            store.load(&token, NOW).expect("load"),
            None,
            "nothing saved yet"
        );
        store.save(&token, &data).expect("save");

        let path = store.dir().join(format!("{}.sess", token.file_stem()));
        assert!(path.is_file());
        assert_eq!(
            store.load(&token, NOW + 10).expect("load"),
            Some(data.clone())
        );

        let names: Vec<_> = fs::read_dir(store.dir()).expect("dir").flatten().collect();
        assert_eq!(names.len(), 1, "no temp file left behind");
    }

    #[cfg(unix)]
    #[test]
    fn files_and_folder_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let (_root, store) = setup();
        let (token, data) = session();
        store.save(&token, &data).expect("save");
        let dir_mode = fs::metadata(store.dir()).expect("dir").permissions().mode() & 0o777;
        let file_mode = fs::metadata(store.path_for(&token))
            .expect("file")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!((dir_mode, file_mode), (0o700, 0o600));
    }

    #[test]
    fn load_refuses_wrong_key_expired_and_idle_sessions() {
        let (_root, store) = setup();
        let (token, data) = session();
        store.save(&token, &data).expect("save");

        let thief = SessionToken {
            key: SessionToken::generate(0).key,
            ..token.clone()
        };
        assert_eq!(store.load(&thief, NOW).expect("load"), None);
        assert!(
            store.load(&token, NOW).expect("load").is_some(),
            "a thief's try is not cached for the owner"
        );
        assert_eq!(
            store.load(&thief, NOW).expect("load"),
            None,
            "nor the owner's for a thief"
        );
        assert_eq!(store.load(&token, NOW + 1801).expect("load"), None, "idle");
        assert_eq!(
            store.load(&token, NOW + 7201).expect("load"),
            None,
            "expired"
        );
        assert_eq!(
            store.load(&token, NOW - 1).expect("load"),
            None,
            "not started"
        );
    }

    #[test]
    fn load_refuses_garbage_files() {
        let (_root, store) = setup();
        let (token, data) = session();
        store.save(&token, &data).expect("save");
        let path = store.path_for(&token);
        for content in [&b""[..], b"\xff\xfe\n\x00", &vec![b'x'; MAX_FILE_BYTES * 2]] {
            fs::write(&path, content).expect("write");
            assert_eq!(store.load(&token, NOW).expect("load"), None);
        }
    }

    #[test]
    fn save_replaces_and_delete_removes() {
        let (_root, store) = setup();
        let (token, mut data) = session();
        store.save(&token, &data).expect("save");
        data.set("kirby.csrf", SessionValue::Str("x".into()));
        store.save(&token, &data).expect("save again");
        assert_eq!(store.load(&token, NOW).expect("load"), Some(data));

        store.delete(&token).expect("delete");
        assert_eq!(store.load(&token, NOW).expect("load"), None);
        store.delete(&token).expect("deleting twice is fine");
    }

    #[test]
    fn garbage_collection_removes_only_expired_sessions_and_stale_temps() {
        let (_root, store) = setup();
        assert_eq!(store.collect_garbage(NOW).expect("gc on missing dir"), 0);

        let (live, data) = session();
        store.save(&live, &data).expect("save");
        let expired = SessionToken::generate(NOW - 1);
        store.save(&expired, &data).expect("save");
        let stranger = store.dir().join("README.txt");
        fs::write(&stranger, "keep me").expect("write");
        let fresh_temp = store.dir().join(".0011223344556677.tmp");
        fs::write(&fresh_temp, "in flight").expect("write");

        assert_eq!(store.collect_garbage(NOW).expect("gc"), 1);
        assert!(store.path_for(&live).exists());
        assert!(!store.path_for(&expired).exists());
        assert!(stranger.exists() && fresh_temp.exists());
    }

    #[test]
    fn session_file_names_are_recognised_strictly() {
        assert_eq!(
            session_file_expiry("17.0123456789abcdef0123.sess"),
            Some(17)
        );
        for name in [
            "17.0123456789abcdef0123.txt",
            "x.0123456789abcdef0123.sess",
            ".sess",
            "17.ab.sess",
        ] {
            assert_eq!(session_file_expiry(name), None, "{name}");
        }
    }
}
