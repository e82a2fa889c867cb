//! Files that hold webhook content (captures, logs) are readable by their owner alone: created
//! `0600`, in folders created `0700`, whatever the umask; an existing file opened for appending
//! is tightened to `0600` too. Messages, phone numbers and tokens are in them.
//!
//! Folders the user names (`--capture ~/x/y.jsonl`) are created `0700` where missing and left
//! alone where they exist; wamon's own folders (`…/wamon`, `…/wamon/captures`) are tightened even
//! when an older run created them open.
//!
//! Edge module: file-system I/O.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

/// Creates the missing folders of `dir` with mode `0700` (existing ones are left as they are).
pub fn create_dirs(dir: &Path) -> io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        create_dirs(parent)?;
    }
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    builder.mode(0o700);
    match builder.create(dir) {
        Ok(()) => restrict(dir, 0o700),
        // Another process (a second wamon) made it meanwhile.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(e),
    }
}

/// Creates `dir` like [`create_dirs`] and makes it `0700` even if it existed: for wamon's own
/// folders.
pub fn own_dir(dir: &Path) -> io::Result<()> {
    create_dirs(dir)?;
    restrict(dir, 0o700)
}

/// Opens `path` for appending, creating it (and its missing folders) private; an existing file
/// is tightened to `0600`.
pub fn open_append(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    open_private(path, options)
}

/// Opens `path` with `options`, its missing folders created private, the file `0600`.
fn open_private(path: &Path, mut options: OpenOptions) -> io::Result<File> {
    if let Some(dir) = path.parent() {
        create_dirs(dir)?;
    }
    #[cfg(unix)]
    options.mode(0o600);
    let file = options.open(path)?;
    // The umask may have taken bits off the mode above, and an existing file keeps its own:
    // set it exactly.
    #[cfg(unix)]
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(file)
}

/// Creates `path` for writing, private like [`open_append`]; an existing file is an
/// `AlreadyExists` error unless `overwrite`, when it is emptied and tightened to `0600`.
pub fn create(path: &Path, overwrite: bool) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true);
    if overwrite {
        options.create(true).truncate(true);
    } else {
        // One step: no window in which another process's file could be taken over.
        options.create_new(true);
    }
    open_private(path, options)
}

fn restrict(_dir: &Path, _mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    std::fs::set_permissions(_dir, std::fs::Permissions::from_mode(_mode))?;
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn new_files_and_folders_are_private_and_old_files_are_tightened() {
        let base = std::env::temp_dir().join(format!("wamon-private-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).unwrap();
        std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o755)).unwrap();
        let file = base.join("a/b/run.jsonl");
        open_append(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&base.join("a")), 0o700);
        assert_eq!(mode(&base.join("a/b")), 0o700);
        assert_eq!(
            mode(&base),
            0o755,
            "an existing folder the user chose is left alone"
        );

        let old = base.join("old.jsonl");
        std::fs::write(&old, b"x\n").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
        open_append(&old).unwrap();
        assert_eq!(mode(&old), 0o600);

        let out = base.join("c/export.har");
        create(&out, false).unwrap();
        assert_eq!(mode(&out), 0o600);
        assert_eq!(
            create(&out, false).unwrap_err().kind(),
            io::ErrorKind::AlreadyExists
        );
        std::fs::write(&old, b"old\n").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
        create(&old, true).unwrap();
        assert_eq!(mode(&old), 0o600, "overwriting tightens");
        assert_eq!(std::fs::read(&old).unwrap(), b"", "and empties");

        own_dir(&base).unwrap();
        assert_eq!(mode(&base), 0o700, "wamon's own folders are tightened");
        std::fs::remove_dir_all(&base).unwrap();
    }
}
