//! Appends requests to the capture file, group-committing concurrent requests into one write.
//!
//! A dedicated OS thread owns the file, so no tokio worker ever blocks on disk. Handlers send a
//! line and wait for the write to reach the OS (a completed `write(2)`, not an fsync); while one
//! batch is being written the next requests queue up and go out together, so a burst of
//! concurrent webhooks costs a handful of syscalls rather than one each.
//!
//! Edge module: threads and files.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use tokio::sync::{mpsc, oneshot};

/// Largest number of lines written in one batch.
const MAX_BATCH: usize = 512;

struct WriteReq {
    line: Vec<u8>,
    done: oneshot::Sender<io::Result<u64>>,
}

/// A cloneable handle to the writer thread.
#[derive(Clone)]
pub struct CaptureWriter {
    tx: mpsc::Sender<WriteReq>,
    path: PathBuf,
}

impl CaptureWriter {
    /// Creates (or appends to) `path`, writing a header line if the file is new or empty.
    pub fn open(path: &Path, started_at_ms: i64) -> io::Result<CaptureWriter> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        let mut offset = file.metadata()?.len();
        if offset == 0 {
            let header = crate::capture::header_line(started_at_ms);
            file.write_all(&header)?;
            offset = header.len() as u64;
        }
        let (tx, rx) = mpsc::channel(4096);
        std::thread::Builder::new()
            .name("wamon-capture".into())
            .spawn(move || write_loop(file, offset, rx))?;
        Ok(CaptureWriter {
            tx,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one line; resolves with its byte offset once the bytes reached the OS.
    pub async fn append(&self, line: Vec<u8>) -> io::Result<u64> {
        let (done, wait) = oneshot::channel();
        self.tx
            .send(WriteReq { line, done })
            .await
            .map_err(|_| io::Error::other("capture writer stopped"))?;
        wait.await
            .map_err(|_| io::Error::other("capture writer stopped"))?
    }
}

fn write_loop(mut file: File, mut offset: u64, mut rx: mpsc::Receiver<WriteReq>) {
    let mut batch: Vec<WriteReq> = Vec::with_capacity(MAX_BATCH);
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 20);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(req) => batch.push(req),
                Err(_) => break,
            }
        }
        buf.clear();
        let mut offsets = Vec::with_capacity(batch.len());
        for req in &batch {
            offsets.push(offset + buf.len() as u64);
            buf.extend_from_slice(&req.line);
        }
        let result = file.write_all(&buf);
        match result {
            Ok(()) => {
                offset += buf.len() as u64;
                for (req, at) in batch.drain(..).zip(offsets) {
                    let _ = req.done.send(Ok(at));
                }
            }
            Err(e) => {
                tracing::error!("capture write failed: {e}");
                // The file position is unknown after a partial write; re-read it.
                offset = file.metadata().map(|m| m.len()).unwrap_or(offset);
                for req in batch.drain(..) {
                    let _ = req.done.send(Err(io::Error::new(e.kind(), e.to_string())));
                }
            }
        }
    }
}
