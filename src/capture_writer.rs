//! Appends requests to the capture file with group commit: concurrent requests share one write.
//!
//! A request appends its line to a shared pending buffer. If no write is in progress it becomes
//! the *leader*: it writes everything pending (its own line and whatever arrived meanwhile) with
//! one `write(2)`, answers every request whose line was in that batch, and repeats while more
//! arrived during the write. Followers just wait for their batch to be written. Only a completed
//! write lets a request be answered: "reply only after the capture" holds for every request.
//!
//! Why the leader writes on its own task instead of handing the bytes to a writer thread: the
//! hand-off woke a thread for almost every request and cost a third of the receiver's throughput
//! (`cargo bench --bench ingest`). The write is an append to the page cache (no fsync), and only
//! one leader exists at a time, so at most one runtime worker is ever inside `write(2)`; the
//! others (the runtime always has at least two, see `main.rs`) keep serving requests and the
//! screen. If the disk stalls, replies wait for it — as they must, since nothing may be answered
//! before it is recorded.
//!
//! Edge module: files.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::oneshot;

/// A follower waiting for its line: where it starts in the file, and how to tell it.
type Waiter = (u64, oneshot::Sender<io::Result<u64>>);

struct State {
    /// Lines appended but not yet written.
    pending: Vec<u8>,
    waiters: Vec<Waiter>,
    /// File offset where `pending` will start.
    next_offset: u64,
    /// A leader is writing.
    writing: bool,
}

struct Inner {
    file: File,
    state: Mutex<State>,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the buffer half-updated in a way that
        // matters more than stopping the capture, so keep going with the data as it is.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A cloneable handle to the capture file.
#[derive(Clone)]
pub struct CaptureWriter {
    inner: Arc<Inner>,
    path: PathBuf,
}

impl CaptureWriter {
    /// Creates (or appends to) `path`, writing a header line if the file is new or empty.
    pub fn open(path: &Path, started_at_ms: i64) -> io::Result<CaptureWriter> {
        let mut file = crate::private_files::open_append(path)?;
        let mut offset = file.metadata()?.len();
        if offset == 0 {
            let header = crate::capture::header_line(started_at_ms);
            file.write_all(&header)?;
            offset = header.len() as u64;
        }
        Ok(CaptureWriter {
            inner: Arc::new(Inner {
                file,
                state: Mutex::new(State {
                    pending: Vec::with_capacity(64 * 1024),
                    waiters: Vec::new(),
                    next_offset: offset,
                    writing: false,
                }),
            }),
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one line; resolves with its byte offset once the bytes reached the OS.
    pub async fn append(&self, line: Vec<u8>) -> io::Result<u64> {
        // The guard must not live across the await below, hence the block.
        let (offset, wait) = {
            let mut st = self.inner.lock();
            let offset = st.next_offset + st.pending.len() as u64;
            st.pending.extend_from_slice(&line);
            if st.writing {
                let (tx, rx) = oneshot::channel();
                st.waiters.push((offset, tx));
                (offset, Some(rx))
            } else {
                st.writing = true;
                (offset, None)
            }
        };
        match wait {
            Some(rx) => rx
                .await
                .map_err(|_| io::Error::other("capture writer stopped"))?,
            None => lead(&self.inner, offset),
        }
    }
}

fn copy_result(r: &io::Result<()>, offset: u64) -> io::Result<u64> {
    match r {
        Ok(()) => Ok(offset),
        Err(e) => Err(io::Error::new(e.kind(), e.to_string())),
    }
}

/// Writes batches until nothing is pending; returns the leader's own result.
fn lead(inner: &Inner, own_offset: u64) -> io::Result<u64> {
    let mut own = None;
    let mut st = inner.lock();
    loop {
        let buf = std::mem::take(&mut st.pending);
        let waiters = std::mem::take(&mut st.waiters);
        // Lines appended during this write go after it: advance the offset now.
        st.next_offset += buf.len() as u64;
        drop(st);
        let result = (&inner.file).write_all(&buf);
        st = inner.lock();
        if let Err(e) = &result {
            tracing::error!("capture write failed: {e}");
            // After a failed (maybe partial) write the file position is unknown, so the offsets
            // given to lines queued meanwhile are wrong too: fail them as well (their requests
            // get 503 and the provider retries) and start again from the file's real length.
            st.next_offset = inner.file.metadata().map_or(st.next_offset, |m| m.len());
            st.pending.clear();
            for (offset, tx) in st.waiters.drain(..) {
                let _ = tx.send(copy_result(&result, offset));
            }
        }
        own.get_or_insert_with(|| copy_result(&result, own_offset));
        for (offset, tx) in waiters {
            let _ = tx.send(copy_result(&result, offset));
        }
        if st.pending.is_empty() {
            st.writing = false;
            if st.pending.capacity() == 0 {
                // Keep the batch buffer's capacity for the next batch.
                st.pending = buf;
                st.pending.clear();
            }
            break;
        }
    }
    own.unwrap_or(Ok(own_offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_appends_land_whole_at_the_offsets_they_were_given() {
        let dir = std::env::temp_dir().join(format!("wamon-cw-{}", std::process::id()));
        let path = dir.join("c.jsonl");
        let _ = std::fs::remove_file(&path);
        let w = CaptureWriter::open(&path, 0).unwrap();
        let mut tasks = Vec::new();
        for i in 0..200u32 {
            let w = w.clone();
            tasks.push(tokio::spawn(async move {
                let line = format!("{{\"n\":{i}}}\n").into_bytes();
                (w.append(line.clone()).await.unwrap(), line)
            }));
        }
        let file = {
            let mut got = Vec::new();
            for t in tasks {
                got.push(t.await.unwrap());
            }
            let bytes = std::fs::read(&path).unwrap();
            for (offset, line) in &got {
                let at = *offset as usize;
                assert_eq!(&bytes[at..at + line.len()], &line[..]);
            }
            bytes
        };
        assert_eq!(file.iter().filter(|b| **b == b'\n').count(), 201);
    }
}
