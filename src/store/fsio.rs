//! Writing files so that a crash leaves the old file or the new one, never
//! half of one: write a temporary file in the same folder, flush it to disk,
//! rename it over the target, then flush the folder.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Makes temp names unique within the process: two threads writing the same
/// file at once must not share (and truncate) one temp file.
static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);

/// Replaces `path` with `bytes`. The folder must exist: a write never
/// recreates a folder that a concurrent rename or a hand edit just removed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    replace_before_folder_sync(path, bytes)?;
    if let Some(dir) = path.parent() {
        sync_folder(dir);
    }
    Ok(())
}

/// [`write_atomic`] up to, not including, the folder's fsync: the new
/// bytes are on disk and the name points at them, but the rename itself
/// is durable only once [`sync_folder`] has run on the folder (or any later
/// journal commit of the file system has). For group commit, which syncs
/// the folder outside the writer lock, before it acknowledges the write.
pub fn replace_before_folder_sync(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("path has no parent folder"))?;
    let serial = NEXT_TEMP.fetch_add(1, Ordering::Relaxed);
    // A short temp name, so that a target name near the file-system limit
    // still has a temp file that fits.
    let temp = dir.join(format!(".folio-{}-{serial}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        std::fs::remove_file(&temp).ok();
    }
    result
}

/// Makes the entries of the folder `dir` (a rename into it) durable. A
/// folder that cannot be opened (moved away meanwhile) is skipped: its
/// entries went into the file system's journal with the rename, and the
/// move's own sync commits them.
pub fn sync_folder(dir: &Path) {
    if let Ok(dir) = std::fs::File::open(dir) {
        dir.sync_all().ok();
    }
}

/// Removes a file; one that is not there already counts as removed.
pub fn remove_if_there(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// [`write_atomic`] into a folder that may not exist yet (the first
/// language file, a journal): the folder is created first.
pub fn write_atomic_in_new_dir(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    write_atomic(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b.txt");
        assert!(
            write_atomic(&path, b"one").is_err(),
            "a missing folder is not created"
        );
        write_atomic_in_new_dir(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1
        );
    }
}
