//! The consumer's side of [`crate::backlog`]: what the screen and the headless printer read
//! requests from. It hands out the channel's requests and, whenever the receiver had to skip
//! the channel, reads the skipped requests back from the capture file, in windows decoded on a
//! blocking thread, until it has caught up with the end of the file.
//!
//! A request can reach the consumer twice around the moments the backlog turns on and off (in
//! the channel and in a window of the file): the feed remembers the seqs of the last requests it
//! handed out and hands each out once.
//!
//! Offsets are read only in their own capture file ([`crate::capture_path`]): skipped requests
//! are read back one file (generation) at a time, oldest first, each through
//! [`CapturePath::open`]; when a file was deleted or moved before its skipped requests were read,
//! they are counted as not shown and a warning says how many, and reading goes on in the newer
//! file at its own offsets.
//!
//! Edge module: tokio and files.

use crate::backlog::Backlog;
use crate::capture_path::CapturePath;
use crate::ingest::Item;
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;
use tokio::sync::mpsc::{self, error::TryRecvError};
use tokio::task::JoinHandle;

/// Bytes of the capture read back at a time (a longer line is read whole).
const WINDOW: usize = 4 * 1024 * 1024;

/// How many recent seqs are remembered to hand each request out once: more than can be in the
/// channel and in flight around a switch.
const RECENT: usize = 32 * 1024;

/// One window of the capture, read back.
struct Window {
    items: Vec<Item>,
    /// Where the next window starts.
    next: u64,
    /// No complete line left after `next`.
    eof: bool,
}

/// The requests for one consumer.
pub struct Feed {
    rx: mpsc::Receiver<Item>,
    backlog: Arc<Backlog>,
    capture: Option<Arc<CapturePath>>,
    recent: Recent,
    /// Read back from the capture, not yet handed out.
    ready: VecDeque<Item>,
    /// Where reading back goes on in each capture file (generation), while catching up.
    todo: BTreeMap<u32, u64>,
    /// The window being read (its file); kept when a `select!` drops [`Feed::recv_many`]
    /// mid-way.
    reading: Option<(u32, JoinHandle<std::io::Result<Window>>)>,
    /// The channel is closed (the receiver stopped).
    closed: bool,
}

impl Feed {
    pub fn new(
        rx: mpsc::Receiver<Item>,
        backlog: Arc<Backlog>,
        capture: Option<Arc<CapturePath>>,
    ) -> Feed {
        Feed {
            rx,
            backlog,
            capture,
            recent: Recent::default(),
            ready: VecDeque::new(),
            todo: BTreeMap::new(),
            reading: None,
            closed: false,
        }
    }

    /// Appends up to `limit` requests to `buf`; 0 once the receiver has stopped and everything
    /// it recorded has been handed out. Cancel-safe.
    pub async fn recv_many(&mut self, buf: &mut Vec<Item>, limit: usize) -> usize {
        let start = buf.len();
        loop {
            // The channel first: what is in it was sent before anything was skipped.
            while buf.len() - start < limit {
                match self.rx.try_recv() {
                    Ok(ing) => {
                        self.push_fresh(buf, ing);
                    }
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        self.closed = true;
                        break;
                    }
                }
            }
            // Read-back windows come from one file each: count per file as they are handed out.
            let mut caught = (0u32, 0u64);
            while buf.len() - start < limit {
                let Some(ing) = self.ready.pop_front() else {
                    break;
                };
                if ing.capture_file() != caught.0 && caught.1 > 0 {
                    self.backlog.note_caught(caught.0, caught.1);
                    caught.1 = 0;
                }
                caught.0 = ing.capture_file();
                caught.1 += u64::from(self.push_fresh(buf, ing));
            }
            if caught.1 > 0 {
                self.backlog.note_caught(caught.0, caught.1);
            }
            if buf.len() > start {
                return buf.len() - start;
            }
            if !self.todo.is_empty() || self.reading.is_some() || self.backlog.is_active() {
                self.catch_up().await;
                continue;
            }
            if self.closed {
                return 0;
            }
            tokio::select! {
                n = self.rx.recv_many(buf, limit) => {
                    if n == 0 {
                        self.closed = true;
                        continue;
                    }
                    let got: Vec<Item> = buf.drain(start..).collect();
                    for ing in got {
                        self.push_fresh(buf, ing);
                    }
                }
                _ = self.backlog.activated() => {}
            }
        }
    }

    /// Hands `ing` out unless it was already; whether it was handed out.
    fn push_fresh(&mut self, buf: &mut Vec<Item>, ing: Item) -> bool {
        // Loaded requests come from another file and are never read back: no need to check.
        let fresh = ing.from_load() || self.recent.first_time((ing.seq(), ing.is_forward()));
        if fresh {
            buf.push(ing);
        }
        fresh
    }

    /// Reads the next window back from the capture into `ready`, or decides it has caught up.
    async fn catch_up(&mut self) {
        let Some(capture) = self.capture.clone() else {
            // Nothing to read back: without a capture the backlog never turns active.
            self.todo.clear();
            return;
        };
        if self.reading.is_none() {
            while let Some((file, offset)) = self.backlog.take_resume() {
                self.want(file, offset);
            }
            // Files the path no longer names cannot be read at their offsets.
            let current = capture.generation();
            if let Some(gone) = self.todo.keys().copied().filter(|f| *f < current).max() {
                self.abandon(gone);
            }
            let Some((&file, &pos)) = self.todo.first_key_value() else {
                // Read to the end: done, unless a request was skipped meanwhile.
                if let Some((file, offset)) = self.backlog.finish_or_resume() {
                    self.want(file, offset);
                }
                return;
            };
            let cap = capture.clone();
            self.reading = Some((
                file,
                tokio::task::spawn_blocking(move || read_window(&cap, file, pos)),
            ));
        }
        let Some((file, reading)) = self.reading.as_mut() else {
            return;
        };
        let file = *file;
        let result = reading.await;
        self.reading = None;
        match result {
            Ok(Ok(w)) => {
                if w.eof {
                    // Later requests of this file were handed on or skipped (then resumed).
                    self.todo.remove(&file);
                } else {
                    self.todo.insert(file, w.next);
                }
                self.ready.extend(w.items);
            }
            Ok(Err(_)) if capture.generation() != file => self.abandon(file),
            Ok(Err(e)) => self.give_up(&format!("{e}")),
            Err(e) => self.give_up(&format!("{e}")),
        }
    }

    /// Reads capture file `file` from `offset` on (or from where it already reads, if lower).
    fn want(&mut self, file: u32, offset: u64) {
        let at = self.todo.entry(file).or_insert(offset);
        *at = (*at).min(offset);
    }

    /// Capture files up to `file` were deleted or moved: what was skipped in them and not read
    /// back cannot be shown.
    fn abandon(&mut self, file: u32) {
        self.todo.retain(|f, _| *f > file);
        let lost = self.backlog.abandon(file);
        if lost > 0 {
            tracing::warn!(
                "{lost} requests skipped while the consumer was behind are not shown: the capture \
                 file they were recorded in was deleted or moved before they could be read back"
            );
        }
    }

    /// The capture cannot be read back (unreadable): stop trying; what was skipped stays in the
    /// file, not on the screen.
    fn give_up(&mut self, why: &str) {
        tracing::error!("reading skipped requests back from the capture failed: {why}");
        while self.backlog.finish_or_resume().is_some() {}
        self.todo.clear();
    }
}

/// Reads the complete lines of capture file `file` from `pos` on (at least one, however long),
/// decoded; an error if the path no longer names that file.
fn read_window(capture: &CapturePath, file: u32, pos: u64) -> std::io::Result<Window> {
    let mut f = capture.open(file)?;
    let len = f.metadata()?.len();
    f.seek(SeekFrom::Start(pos))?;
    let mut bytes = Vec::new();
    let mut want = WINDOW;
    loop {
        let before = bytes.len();
        (&mut f).take(want as u64).read_to_end(&mut bytes)?;
        let got_all = pos + bytes.len() as u64 >= len || bytes.len() - before < want;
        if got_all || bytes[before..].contains(&b'\n') {
            break;
        }
        // A line longer than the window: read on until it ends.
        want = WINDOW;
    }
    let (results, used) = crate::loader::decode_range(&bytes, pos);
    let mut items = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok(mut i) => {
                i.set_capture_file(file);
                items.push(i);
            }
            Err(e) => tracing::warn!("capture line skipped while catching up: {e}"),
        }
    }
    let next = pos + used as u64;
    // What is left after the last newline is a line still being written: not a line yet.
    let eof = !bytes[used..].contains(&b'\n') && next + (bytes.len() - used) as u64 >= len;
    Ok(Window { items, next, eof })
}

/// The seqs of the last [`RECENT`] live requests handed out.
#[derive(Default)]
struct Recent {
    order: VecDeque<(u64, bool)>,
    set: HashSet<(u64, bool)>,
}

impl Recent {
    /// Remembers a request's `(seq, is_forward)`; false if it was handed out already.
    fn first_time(&mut self, seq: (u64, bool)) -> bool {
        if !self.set.insert(seq) {
            return false;
        }
        self.order.push_back(seq);
        if self.order.len() > RECENT {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        true
    }
}
