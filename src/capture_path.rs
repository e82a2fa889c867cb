//! Which file the capture path names: the writer's answer to a capture file deleted or moved
//! while wamon runs, and the readers' guard against reading the wrong file.
//!
//! The capture writer keeps its file open, so a file deleted or renamed (`rm`, `mv`, a log
//! rotation) would silently go on receiving every request where nobody can find it. Before each
//! batch the writer compares the open file's identity (device and inode) with what the path
//! names now (one `stat`); when they differ it warns (log and status bar) and reopens the path:
//! a new private file with its own header line ([`crate::capture_writer`]). Each file the path
//! has named is a *generation*: 0 for the file opened at start, one more for each reopen.
//!
//! Offsets into the capture are only meaningful in their own file, so every offset handed out
//! travels with its generation ([`crate::ingest::Ingest::capture_file`]), and readers open the
//! path through [`CapturePath::open`], which refuses unless the path still names that
//! generation's file. Requests recorded in an older file can no longer be read back: the detail
//! pane keeps the bodies it still holds in memory and says when one is gone, and the consumer
//! catching up on skipped requests counts those it cannot read as not shown. Neither ever reads
//! a line of one file at an offset of another.
//!
//! Edge module: file-system metadata.

use std::fs::{File, Metadata};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard};

/// What identifies an open file: its device and inode.
pub type FileId = (u64, u64);

/// The identity of the file `meta` describes.
pub fn file_id(meta: &Metadata) -> FileId {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        (meta.dev(), meta.ino())
    }
    #[cfg(not(unix))]
    {
        // No inode to compare: a file is taken to be the one the path names while it exists.
        let _ = meta;
        (0, 0)
    }
}

#[derive(Debug, Clone, Copy)]
struct Current {
    generation: u32,
    id: FileId,
}

/// The capture's path and the file it should name, shared by the writer and the readers.
#[derive(Debug)]
pub struct CapturePath {
    path: PathBuf,
    current: Mutex<Current>,
    /// `current.generation`, readable without the lock (every batch reads it).
    generation: AtomicU32,
}

/// What the path names now, compared with the open file.
#[derive(Debug, PartialEq, Eq)]
pub enum Named {
    /// The open file (or it cannot be told: a `stat` that fails for another reason than the
    /// file missing, which reopening would not mend).
    Same,
    /// Nothing (deleted or moved away) or another file.
    Gone,
}

impl CapturePath {
    /// The path whose file, `id`, is generation 0.
    pub fn new(path: &Path, id: FileId) -> CapturePath {
        CapturePath {
            path: path.to_path_buf(),
            current: Mutex::new(Current { generation: 0, id }),
            generation: AtomicU32::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Current> {
        self.current.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The generation being written: how many times the path was reopened.
    pub fn generation(&self) -> u32 {
        self.generation.load(Ordering::Acquire)
    }

    /// Whether the path still names the file being written (one `stat`).
    pub fn check(&self) -> Named {
        let id = self.lock().id;
        match std::fs::metadata(&self.path) {
            Ok(meta) if cfg!(unix) && file_id(&meta) != id => Named::Gone,
            Ok(_) => Named::Same,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Named::Gone,
            Err(_) => Named::Same,
        }
    }

    /// The writer reopened the path: `id` is the next generation's file. Returns its number.
    pub fn reopened(&self, id: FileId) -> u32 {
        let mut cur = self.lock();
        cur.generation += 1;
        cur.id = id;
        self.generation.store(cur.generation, Ordering::Release);
        cur.generation
    }

    /// Opens the capture for reading as generation `generation`'s file; an error when the path
    /// names another file now (that generation's file was deleted or moved).
    pub fn open(&self, generation: u32) -> io::Result<File> {
        let f = File::open(&self.path)?;
        let id = file_id(&f.metadata()?);
        let cur = *self.lock();
        if cur.generation == generation && cur.id == id {
            Ok(f)
        } else {
            Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "the capture file of those requests was deleted or moved ({} now names \
                     another)",
                    self.path.display()
                ),
            ))
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_generation_reads_only_its_own_file() {
        let dir = std::env::temp_dir().join(format!("wamon-cpath-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.jsonl");
        std::fs::write(&path, b"first\n").unwrap();
        let id = file_id(&std::fs::metadata(&path).unwrap());
        let cp = CapturePath::new(&path, id);
        assert_eq!(cp.check(), Named::Same);
        assert!(cp.open(0).is_ok());
        std::fs::rename(&path, dir.join("moved.jsonl")).unwrap();
        assert_eq!(cp.check(), Named::Gone, "moved away");
        std::fs::write(&path, b"second\n").unwrap();
        assert_eq!(cp.check(), Named::Gone, "another file at the path");
        assert!(
            cp.open(0).is_err(),
            "generation 0's offsets are not for this file"
        );
        let new = file_id(&std::fs::metadata(&path).unwrap());
        assert_eq!(cp.reopened(new), 1);
        assert_eq!(cp.check(), Named::Same);
        assert!(cp.open(1).is_ok() && cp.open(0).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
