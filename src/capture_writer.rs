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
//! A failed write (a full disk) leaves the file whole: it is cut back to the end of the last
//! complete line, so the next request that gets through after space returns starts on a line of
//! its own and `--load` reads every answered request back. Every request of the failed batch is
//! answered 503 (the provider retries it later).
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
    /// A failed write left a fragment that could be neither cut nor ended: the next batch
    /// starts with the newline that ends it (counted in `next_offset` already).
    fragment: bool,
}

/// Where batches go: the capture file, or a stand-in that fails on cue in tests.
pub trait Sink: Send + Sync {
    fn write_all(&self, buf: &[u8]) -> io::Result<()>;
    /// Cuts the file to `len` bytes.
    fn truncate(&self, len: u64) -> io::Result<()>;
    fn size(&self) -> io::Result<u64>;
}

impl Sink for File {
    fn write_all(&self, buf: &[u8]) -> io::Result<()> {
        Write::write_all(&mut &*self, buf)
    }

    fn truncate(&self, len: u64) -> io::Result<()> {
        self.set_len(len)
    }

    fn size(&self) -> io::Result<u64> {
        self.metadata().map(|m| m.len())
    }
}

struct Inner {
    file: Box<dyn Sink>,
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
    /// The highest seq already in the file when it was opened (0 for a new file): this run
    /// numbers its requests after it, so one file never holds a seq twice.
    last_seq: u64,
}

impl CaptureWriter {
    /// Creates (or appends to) `path`, writing a header line if the file is new or empty.
    pub fn open(path: &Path, started_at_ms: i64) -> io::Result<CaptureWriter> {
        let file = crate::private_files::open_append(path)?;
        let mut offset = file.metadata()?.len();
        let mut last_seq = 0;
        if offset == 0 {
            let header = crate::capture::header_line(started_at_ms);
            file.write_all(&header)?;
            offset = header.len() as u64;
        } else {
            last_seq = crate::loader::max_seq_of(io::BufReader::new(File::open(path)?))?;
        }
        let mut w = CaptureWriter::with_sink(Box::new(file), offset, path);
        w.last_seq = last_seq;
        Ok(w)
    }

    /// The highest seq the file held when it was opened.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// A writer appending to `sink`, whose next line starts at `offset`; `path` is for display.
    pub fn with_sink(sink: Box<dyn Sink>, offset: u64, path: &Path) -> CaptureWriter {
        CaptureWriter {
            inner: Arc::new(Inner {
                file: sink,
                state: Mutex::new(State {
                    pending: Vec::with_capacity(64 * 1024),
                    waiters: Vec::new(),
                    next_offset: offset,
                    writing: false,
                    fragment: false,
                }),
            }),
            path: path.to_path_buf(),
            last_seq: 0,
        }
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
        let mut buf = std::mem::take(&mut st.pending);
        let waiters = std::mem::take(&mut st.waiters);
        let mut batch_start = st.next_offset;
        let fragment = std::mem::take(&mut st.fragment);
        if fragment {
            buf.insert(0, b'\n');
            batch_start -= 1;
            st.next_offset -= 1;
        }
        // Lines appended during this write go after it: advance the offset now.
        st.next_offset += buf.len() as u64;
        drop(st);
        let result = inner.file.write_all(&buf);
        st = inner.lock();
        if let Err(e) = &result {
            tracing::error!("capture write failed: {e}");
            // A failed write may have left part of the batch in the file: cut it back to the
            // last complete line so the next line starts clean. Lines queued meanwhile were
            // given offsets after the failed batch: fail them too (their requests get 503 and
            // the provider retries) and go on from where the file really ends.
            (st.next_offset, st.fragment) = mend(&*inner.file, batch_start, fragment);
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

/// After a failed write that started at `batch_start` (the end of the last complete line): cuts
/// the file back there, or, if it cannot be cut, ends the fragment with a newline so the next
/// line parses on its own (`--load` then skips the fragment as one unreadable line). Returns
/// where the next line starts, and whether the fragment is still open (the disk is too full
/// even for the newline: the next batch writes it first). `fragment` says the batch began by
/// ending an earlier fragment: `batch_start` is then inside that fragment and cannot be cut to.
fn mend(file: &dyn Sink, batch_start: u64, fragment: bool) -> (u64, bool) {
    let mut clean_end = batch_start;
    if fragment {
        match file.size() {
            // The newline ending the old fragment got out: lines are whole up to it.
            Ok(len) if len > batch_start => clean_end = batch_start + 1,
            _ => return (batch_start + 1, true),
        }
    }
    if file.size().is_ok_and(|len| len == clean_end) || file.truncate(clean_end).is_ok() {
        return (clean_end, false);
    }
    tracing::error!("capture file could not be cut back after a failed write; ending the fragment");
    let len = file.size().unwrap_or(clean_end);
    (len + 1, file.write_all(b"\n").is_err())
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

    /// A file on a disk with `room` bytes free: a write that does not fit writes what fits and
    /// fails like a full disk.
    struct SmallDisk {
        bytes: Mutex<Vec<u8>>,
        room: Mutex<usize>,
        can_truncate: bool,
    }

    impl Sink for Arc<SmallDisk> {
        fn write_all(&self, buf: &[u8]) -> io::Result<()> {
            let mut bytes = self.bytes.lock().unwrap();
            let room = *self.room.lock().unwrap();
            let fits = room.saturating_sub(bytes.len()).min(buf.len());
            bytes.extend_from_slice(&buf[..fits]);
            if fits < buf.len() {
                return Err(io::Error::new(io::ErrorKind::StorageFull, "no space left"));
            }
            Ok(())
        }

        fn truncate(&self, len: u64) -> io::Result<()> {
            if !self.can_truncate {
                return Err(io::Error::other("cannot truncate"));
            }
            self.bytes.lock().unwrap().truncate(len as usize);
            Ok(())
        }

        fn size(&self) -> io::Result<u64> {
            Ok(self.bytes.lock().unwrap().len() as u64)
        }
    }

    /// Appends numbered lines one by one; the numbers that were accepted.
    async fn fill(w: &CaptureWriter, range: std::ops::Range<u32>) -> Vec<u32> {
        let mut ok = Vec::new();
        for i in range {
            let line = format!("{{\"n\":{i},\"pad\":\"{}\"}}\n", "x".repeat(40)).into_bytes();
            if w.append(line).await.is_ok() {
                ok.push(i);
            }
        }
        ok
    }

    #[tokio::test]
    async fn a_full_disk_leaves_only_whole_lines_and_every_accepted_one_reads_back() {
        for can_truncate in [true, false] {
            let disk = Arc::new(SmallDisk {
                bytes: Mutex::new(Vec::new()),
                room: Mutex::new(500),
                can_truncate,
            });
            let w = CaptureWriter::with_sink(Box::new(disk.clone()), 0, Path::new("small"));
            let mut ok = fill(&w, 0..20).await;
            assert!(ok.len() < 20, "the disk filled up");
            *disk.room.lock().unwrap() = 100_000;
            ok.extend(fill(&w, 20..30).await);
            let bytes = disk.bytes.lock().unwrap().clone();
            let mut found = Vec::new();
            let mut unreadable = 0;
            for line in bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
                match serde_json::from_slice::<serde_json::Value>(line) {
                    Ok(v) => found.push(v["n"].as_u64().unwrap() as u32),
                    Err(_) => unreadable += 1,
                }
            }
            assert_eq!(found, ok, "every accepted line, once, in order");
            assert_eq!(
                unreadable,
                usize::from(!can_truncate),
                "at most the ended fragment"
            );
            assert!(ok.contains(&20) && ok.contains(&29), "writing resumes");
        }
    }
}
