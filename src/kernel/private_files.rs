//! Files only MASA's own user may read: the data directory, the SQLite database, the secret key
//! and backups hold personal data or the key to every session, so they are made 0600 (folders
//! 0700) on Unix. Elsewhere the platform's defaults apply.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io::Write;
use std::path::Path;

/// Creates a folder and any missing parents, readable by the owner only. An existing folder is
/// left as it is (the operator chose its mode).
pub fn create_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// Creates a new file (failing if one is there) readable and writable by the owner only.
pub fn create_new(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Writes `contents` to `path` whole or not at all: into a new owner-only file beside it, flushed
/// to disk, then renamed over it (a rename keeps the mode). A crash leaves the old file or none.
pub fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = std::path::PathBuf::from(partial);
    // A partial file left by a crash may have any mode: start again.
    match std::fs::remove_file(&partial) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(error),
        _ => {}
    }
    let mut file = create_new(&partial)?;
    file.write_all(contents)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&partial, path)
}

/// The permission bits of a file other users have (group and others), if any: `None` on
/// platforms without Unix modes.
pub fn shared_mode(metadata: &std::fs::Metadata) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        None
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn folders_and_files_are_the_owners_only() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b");
        create_dir(&deep).unwrap();
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        assert_eq!(mode(&deep), 0o700);
        let file = deep.join("secret.key");
        create_new(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
        assert!(create_new(&file).is_err(), "never replaces a file");
        assert_eq!(shared_mode(&std::fs::metadata(&file).unwrap()), None);
    }

    #[test]
    fn atomic_writes_replace_whole_files_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("backup.json");
        std::fs::write(&file, b"old").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(shared_mode(&std::fs::metadata(&file).unwrap()), Some(0o644));
        // A stale partial file from a crash, world-readable, is not reused.
        let partial = dir.path().join("backup.json.partial");
        std::fs::write(&partial, b"half").unwrap();
        std::fs::set_permissions(&partial, std::fs::Permissions::from_mode(0o666)).unwrap();
        write_atomically(&file, b"new").unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"new");
        assert_eq!(mode(&file), 0o600);
        assert!(!partial.exists());
    }
}
