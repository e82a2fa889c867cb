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
//! The leader also checks (one `stat`) that the path still names the open file, before a batch
//! and at most every [`CHECK_INTERVAL`]: a capture deleted or moved while wamon runs is reopened
//! as a new private file with a header line, with a warning in the log and on the status bar
//! ([`crate::capture_path`]). Lines already given offsets but not yet written move to the new
//! file, and every line's place says which file (generation) its offset is in. Why not before
//! every batch: in alternating runs of `cargo bench --bench ingest` a `stat` per batch measured
//! 0.59–0.62× bare against 0.63–0.66× without the check (about 6% of the receiver's
//! throughput), while at most one check per interval measured 0.56–0.65× (median 0.64) against
//! 0.62–0.70× (median 0.63): no difference above the noise of a shared machine. The price is a
//! window: lines written within [`CHECK_INTERVAL`] after a delete go to the deleted file (after
//! a move, to the moved one, where they are not lost).
//!
//! Edge module: files.

use crate::capture_path::{file_id, CapturePath, Named};
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// Longest the writer goes on writing without checking that the path still names its file.
pub const CHECK_INTERVAL: Duration = Duration::from_millis(200);

/// Where a line was written: which file the path named then (its generation, see
/// [`crate::capture_path`]) and the line's byte offset in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    pub file: u32,
    pub offset: u64,
}

/// A follower waiting for its line: where it starts in the file, and how to tell it.
type Waiter = (u64, oneshot::Sender<io::Result<Placed>>);

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
    /// Only the leader writes, so this lock is never contended; it lets a reopen swap the file.
    file: Mutex<Box<dyn Sink>>,
    state: Mutex<State>,
    /// The path followed across deletes and moves (none for a stand-in sink).
    place: Option<Arc<CapturePath>>,
    /// When the path was last checked, in milliseconds since `epoch` (only the leader uses it).
    checked_ms: AtomicU64,
    epoch: Instant,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the buffer half-updated in a way that
        // matters more than stopping the capture, so keep going with the data as it is.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn sink(&self) -> MutexGuard<'_, Box<dyn Sink>> {
        self.file.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The generation being written.
    fn generation(&self) -> u32 {
        self.place.as_ref().map_or(0, |p| p.generation())
    }

    /// The path to check now, if it is followed and was not checked within [`CHECK_INTERVAL`].
    fn due(&self) -> Option<&CapturePath> {
        let place = self.place.as_deref()?;
        let now = self.epoch.elapsed().as_millis() as u64 + 1;
        let last = self.checked_ms.load(Ordering::Relaxed);
        if last != 0 && now.saturating_sub(last) < CHECK_INTERVAL.as_millis() as u64 {
            return None;
        }
        self.checked_ms.store(now, Ordering::Relaxed);
        Some(place)
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
        let id = file_id(&file.metadata()?);
        let mut w = CaptureWriter::build(
            Box::new(file),
            offset,
            path,
            Some(Arc::new(CapturePath::new(path, id))),
        );
        w.last_seq = last_seq;
        Ok(w)
    }

    /// The path and which file it names, for readers of the capture (none for a stand-in sink).
    pub fn capture_path(&self) -> Option<Arc<CapturePath>> {
        self.inner.place.clone()
    }

    /// The highest seq the file held when it was opened.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// A writer appending to `sink`, whose next line starts at `offset`; `path` is for display
    /// (it is not followed).
    pub fn with_sink(sink: Box<dyn Sink>, offset: u64, path: &Path) -> CaptureWriter {
        CaptureWriter::build(sink, offset, path, None)
    }

    fn build(
        sink: Box<dyn Sink>,
        offset: u64,
        path: &Path,
        place: Option<Arc<CapturePath>>,
    ) -> CaptureWriter {
        CaptureWriter {
            inner: Arc::new(Inner {
                place,
                checked_ms: AtomicU64::new(0),
                epoch: Instant::now(),
                file: Mutex::new(sink),
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

    /// Appends one line; resolves with its place once the bytes reached the OS.
    pub async fn append(&self, line: Vec<u8>) -> io::Result<Placed> {
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

fn copy_result(r: &io::Result<()>, file: u32, offset: u64) -> io::Result<Placed> {
    match r {
        Ok(()) => Ok(Placed { file, offset }),
        Err(e) => Err(io::Error::new(e.kind(), e.to_string())),
    }
}

/// Writes batches until nothing is pending; returns the leader's own result.
fn lead(inner: &Inner, mut own_offset: u64) -> io::Result<Placed> {
    let mut own = None;
    let mut st = inner.lock();
    loop {
        if let Some(place) = inner.due() {
            // Checked without the lock: appenders go on queueing meanwhile.
            drop(st);
            let followed = follow(inner, place);
            st = inner.lock();
            match followed {
                Ok(None) => {}
                Ok(Some(base)) => {
                    // A new file: lines given offsets but not written yet move to it.
                    let old = st.next_offset;
                    let moved = |o: u64| base + (o - old);
                    for w in st.waiters.iter_mut() {
                        w.0 = moved(w.0);
                    }
                    if own.is_none() {
                        own_offset = moved(own_offset);
                    }
                    st.next_offset = base;
                    st.fragment = false;
                }
                Err(e) => {
                    // Nowhere to write: this batch fails (503: the provider retries) and the
                    // next one tries to reopen again.
                    tracing::error!(
                        "capture file {} could not be reopened: {e}",
                        place.path().display()
                    );
                    let failed = Err(e);
                    st.pending.clear();
                    for (offset, tx) in st.waiters.drain(..) {
                        let _ = tx.send(copy_result(&failed, 0, offset));
                    }
                    own.get_or_insert_with(|| copy_result(&failed, 0, own_offset));
                    st.writing = false;
                    break;
                }
            }
        }
        let generation = inner.generation();
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
        let sink = inner.sink();
        let result = sink.write_all(&buf);
        st = inner.lock();
        if let Err(e) = &result {
            tracing::error!("capture write failed: {e}");
            // A failed write may have left part of the batch in the file: cut it back to the
            // last complete line so the next line starts clean. Lines queued meanwhile were
            // given offsets after the failed batch: fail them too (their requests get 503 and
            // the provider retries) and go on from where the file really ends.
            (st.next_offset, st.fragment) = mend(&**sink, batch_start, fragment);
            st.pending.clear();
            for (offset, tx) in st.waiters.drain(..) {
                let _ = tx.send(copy_result(&result, generation, offset));
            }
        }
        drop(sink);
        own.get_or_insert_with(|| copy_result(&result, generation, own_offset));
        for (offset, tx) in waiters {
            let _ = tx.send(copy_result(&result, generation, offset));
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
    own.unwrap_or(Ok(Placed {
        file: inner.generation(),
        offset: own_offset,
    }))
}

/// Reopens the path when it no longer names the open file; where the next line starts in the
/// new file, or `None` when nothing changed.
fn follow(inner: &Inner, place: &CapturePath) -> io::Result<Option<u64>> {
    if place.check() == Named::Same {
        return Ok(None);
    }
    let path = place.path();
    let file = crate::private_files::open_append(path)?;
    let mut len = file.metadata()?.len();
    if len == 0 {
        let header = crate::capture::header_line(crate::receiver::now_ms());
        Sink::write_all(&file, &header)?;
        len = header.len() as u64;
    }
    let id = file_id(&file.metadata()?);
    *inner.sink() = Box::new(file);
    let generation = place.reopened(id);
    tracing::warn!(
        "capture file {} was deleted or moved: reopened it (file #{generation} of this run); \
         requests recorded before are in the old file, if it still exists",
        path.display()
    );
    Ok(Some(len))
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
            for (placed, line) in &got {
                assert_eq!(placed.file, 0);
                let at = placed.offset as usize;
                assert_eq!(&bytes[at..at + line.len()], &line[..]);
            }
            bytes
        };
        assert_eq!(file.iter().filter(|b| **b == b'\n').count(), 201);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_capture_deleted_or_moved_is_reopened_and_new_lines_are_placed_in_the_new_file() {
        let dir = std::env::temp_dir().join(format!("wamon-cw-re-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("c.jsonl");
        let w = CaptureWriter::open(&path, 0).unwrap();
        let append = |i: u32| {
            let w = w.clone();
            tokio::spawn(async move {
                let line = format!("{{\"n\":{i}}}\n").into_bytes();
                (w.append(line.clone()).await.unwrap(), line)
            })
        };
        let first = append(0).await.unwrap();
        assert_eq!(first.0.file, 0);
        std::fs::rename(&path, dir.join("moved.jsonl")).unwrap();
        // The next batch checks the path: it was last checked longer ago than the interval.
        tokio::time::sleep(CHECK_INTERVAL).await;
        let mut tasks: Vec<_> = (1..50).map(append).collect();
        let mut got = Vec::new();
        for t in tasks.drain(..) {
            got.push(t.await.unwrap());
        }
        std::fs::remove_file(&path).unwrap();
        tokio::time::sleep(CHECK_INTERVAL).await;
        for t in (50..100).map(append).collect::<Vec<_>>() {
            got.push(t.await.unwrap());
        }
        let moved = std::fs::read(dir.join("moved.jsonl")).unwrap();
        assert_eq!(
            &moved[first.0.offset as usize..],
            &first.1[..],
            "the moved file kept its line"
        );
        let now = std::fs::read(&path).unwrap();
        assert!(crate::capture::is_header(
            now.split(|b| *b == b'\n').next().unwrap()
        ));
        for (placed, line) in &got {
            let at = placed.offset as usize;
            match placed.file {
                1 => {} // in the file deleted after it: gone, as it should be
                2 => assert_eq!(&now[at..at + line.len()], &line[..]),
                other => panic!("line placed in file {other}"),
            }
        }
        let in_new = got.iter().filter(|(p, _)| p.file == 2).count();
        assert_eq!(in_new, 50, "every line after the delete is in the new file");
        assert_eq!(now.iter().filter(|b| **b == b'\n').count(), 51);
        let cp = w.capture_path().unwrap();
        assert_eq!(cp.generation(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
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
