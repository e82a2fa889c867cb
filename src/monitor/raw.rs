//! Raw request bodies for the detail pane and body search, kept in memory up to a budget and
//! read back from the capture file beyond it.
//!
//! Recent requests stay in memory; once the budget is spent the oldest bodies that are safely in
//! the capture file are dropped from memory and re-read from their line on demand. Without a
//! capture file nothing can be re-read, so everything stays in memory. Requests the store no
//! longer refers to (every row and message of theirs evicted) are forgotten altogether.
//!
//! A body is re-read only from the capture file its offset belongs to ([`CapturePath::open`]
//! refuses once the path names a newer file, after the capture was deleted or moved), and only
//! if the line there carries the seq asked for: a request whose file is gone has no body any
//! more (the detail pane says so); it is never shown another request's body.
//!
//! Bodies are re-read through one open file, kept between reads (a body search over a million
//! evicted requests must not open and close a million files): the loaded file, or the capture
//! file of the current generation, reopened only when the one needed changes.

use crate::capture_path::CapturePath;
use crate::envelope::Envelope;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Bytes of requests kept in memory when a capture file can give them back: a constant, so a long
/// day of traffic costs the screen a few dozen bytes per request for bodies (the entry that
/// remembers where to re-read it), not the bodies themselves. The most recent requests, the ones
/// most often opened, stay at hand.
const MEMORY_BUDGET: usize = 32 * 1024 * 1024;

#[derive(Debug, Default)]
struct Entry {
    env: Option<Arc<Envelope>>,
    offset: Option<u64>,
    /// Which of this run's capture files the offset is in.
    file: u32,
    /// The offset is in the loaded file, not this run's capture.
    from_load: bool,
}

/// Which file an evicted body is read back from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Loaded,
    /// This run's capture file of that generation.
    Capture(u32),
}

/// Request bodies by seq.
#[derive(Debug, Default)]
pub struct RawStore {
    /// The file bodies were last re-read from, kept open for the next read.
    open: Mutex<Option<(Source, File)>>,
    /// How many times a file was opened to re-read a body.
    opens: std::sync::atomic::AtomicUsize,
    capture: Option<Arc<CapturePath>>,
    loaded: Option<PathBuf>,
    /// Sorted by seq. Seqs arrive almost in order (one counter per run, continued after
    /// `--load`), so an insert is an append or a short move near the end, and a lookup is a
    /// binary search. Never indexed by the seq's value: a loaded file may hold any seq. A
    /// vector, not a map: growing a million-entry hash map stalls the screen while it rehashes.
    entries: Vec<(u64, Entry)>,
    /// Seqs still in memory, oldest first, for eviction.
    resident: VecDeque<u64>,
    resident_bytes: usize,
}

impl RawStore {
    pub fn new(capture: Option<Arc<CapturePath>>, loaded: Option<PathBuf>) -> RawStore {
        RawStore {
            capture,
            loaded,
            ..RawStore::default()
        }
    }

    /// Keeps `env`, whose line is at `offset` in capture file `file` (or in the loaded file).
    pub fn insert(&mut self, env: Arc<Envelope>, offset: Option<u64>, file: u32, from_load: bool) {
        let seq = env.seq;
        self.resident_bytes += env.heap_bytes();
        self.resident.push_back(seq);
        let entry = Entry {
            env: Some(env),
            offset,
            file,
            from_load,
        };
        match self.slot(seq) {
            Ok(i) => self.entries[i].1 = entry,
            Err(i) => self.entries.insert(i, (seq, entry)),
        }
        while self.resident_bytes > MEMORY_BUDGET {
            let Some(old) = self.resident.pop_front() else {
                break;
            };
            if let Ok(i) = self.slot(old) {
                let e = &mut self.entries[i].1;
                if e.offset.is_some() {
                    if let Some(env) = e.env.take() {
                        self.resident_bytes -= env.heap_bytes();
                    }
                } else {
                    // Not re-readable: keep it, and stop evicting behind it.
                    self.resident.push_front(old);
                    break;
                }
            }
        }
    }

    /// Forgets requests `seqs` (sorted): nothing shown refers to them any more.
    pub fn forget(&mut self, seqs: &[u64]) {
        if seqs.is_empty() {
            return;
        }
        // Both sorted: one merge walk.
        let mut next = seqs.iter().peekable();
        let mut freed = 0;
        self.entries.retain(|(seq, e)| {
            while next.next_if(|s| *s < seq).is_some() {}
            let gone = next.next_if_eq(&seq).is_some();
            if gone {
                freed += e.env.as_ref().map_or(0, |env| env.heap_bytes());
            }
            !gone
        });
        self.resident_bytes -= freed;
        // The in-memory queue keeps forgotten seqs (the budget loop skips them) until they
        // outnumber the requests known, then drops them in one pass: O(1) amortised.
        if self.resident.len() > 2 * self.entries.len() + 1024 {
            let entries = &self.entries;
            self.resident
                .retain(|seq| entries.binary_search_by_key(seq, |(s, _)| *s).is_ok());
        }
    }

    /// Requests known.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Where `seq` is in `entries` (`Err`: where it would go).
    fn slot(&self, seq: u64) -> Result<usize, usize> {
        match self.entries.last() {
            // The common case: the newest request.
            Some((last, _)) if *last < seq => Err(self.entries.len()),
            Some((last, _)) if *last == seq => Ok(self.entries.len() - 1),
            _ => self.entries.binary_search_by_key(&seq, |(s, _)| *s),
        }
    }

    /// The request `seq`, from memory or the capture file.
    pub fn get(&self, seq: u64) -> Option<Arc<Envelope>> {
        let e = &self.entries[self.slot(seq).ok()?].1;
        if let Some(env) = &e.env {
            return Some(env.clone());
        }
        let source = if e.from_load {
            Source::Loaded
        } else {
            Source::Capture(e.file)
        };
        let offset = e.offset?;
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Source::Capture(generation) = source {
            // A file the path no longer names (deleted, moved) gives nothing back, even while
            // its descriptor is still open here.
            if self.capture.as_ref()?.generation() != generation {
                *open = None;
                return None;
            }
        }
        if open.as_ref().map(|(s, _)| *s) != Some(source) {
            *open = None;
            let file = match source {
                Source::Loaded => File::open(self.loaded.as_ref()?).ok()?,
                Source::Capture(generation) => self.capture.as_ref()?.open(generation).ok()?,
            };
            self.opens
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            *open = Some((source, file));
        }
        let file = &open.as_ref()?.1;
        let mut f = BufReader::new(file);
        f.seek(SeekFrom::Start(offset)).ok()?;
        let mut line = Vec::new();
        f.read_until(b'\n', &mut line).ok()?;
        drop(open);
        let env = crate::capture::decode(&line, 0).ok()?;
        (env.seq == seq).then(|| Arc::new(env))
    }
}

impl crate::store::subject::BodySearch for RawStore {
    fn body_contains(&self, seq: u64, needle_lower: &str) -> bool {
        // The decoded body: a compressed one is searched for what it says.
        self.get(seq).is_some_and(|env| {
            crate::body_encoding::decoded(&env)
                .is_ok_and(|b| crate::filter::body_contains(&b, needle_lower))
        })
    }
}

/// Byte search ignoring ASCII case; `needle` must already be lower case.
pub fn contains_ignore_ascii_case(hay: &[u8], needle: &[u8]) -> bool {
    if needle.is_empty() {
        return true;
    }
    if hay.len() < needle.len() {
        return false;
    }
    let first = needle[0];
    hay.windows(needle.len()).any(|w| {
        w[0].to_ascii_lowercase() == first
            && w.iter()
                .zip(needle)
                .all(|(a, b)| a.to_ascii_lowercase() == *b)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::subject::BodySearch;

    #[test]
    fn any_seq_can_be_stored_and_found_without_allocating_by_its_value() {
        let mut raw = RawStore::new(None, None);
        for seq in [7, u64::MAX - 1, 3, 1 << 40, 8, 5] {
            raw.insert(
                Arc::new(Envelope::post(seq, 0, seq.to_string())),
                None,
                0,
                true,
            );
        }
        assert!(raw.entries.capacity() < 64);
        for seq in [3, 5, 7, 8, 1 << 40, u64::MAX - 1] {
            assert_eq!(raw.get(seq).unwrap().body, seq.to_string().as_bytes());
        }
        assert!(raw.get(6).is_none() && raw.get(u64::MAX).is_none());
        let seqs: Vec<u64> = raw.entries.iter().map(|(s, _)| *s).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "kept sorted");
    }

    #[test]
    fn forgotten_requests_free_their_bodies() {
        let mut raw = RawStore::new(None, None);
        for seq in 1..=5 {
            raw.insert(Arc::new(Envelope::post(seq, 0, "abc")), None, 0, false);
        }
        let each = Envelope::post(1, 0, "abc").heap_bytes();
        raw.forget(&[2, 4, 9]);
        assert_eq!(raw.len(), 3);
        assert!(raw.get(2).is_none() && raw.get(4).is_none());
        assert_eq!(raw.get(5).unwrap().body, &b"abc"[..]);
        assert_eq!(raw.resident_bytes, 3 * each);
        // Forgotten seqs leave the in-memory queue once they pile up.
        for seq in 6..3000 {
            raw.insert(Arc::new(Envelope::post(seq, 0, "abc")), None, 0, false);
            raw.forget(&[seq]);
        }
        assert!(raw.resident.len() < 2100, "{}", raw.resident.len());
        assert_eq!(raw.len(), 3);
        assert_eq!(raw.resident_bytes, 3 * each);
    }

    #[test]
    fn case_insensitive_byte_search() {
        assert!(contains_ignore_ascii_case(b"Hello World", b"world"));
        assert!(!contains_ignore_ascii_case(b"Hello", b"world"));
        assert!(contains_ignore_ascii_case(
            "olá Mundo".as_bytes(),
            "mundo".as_bytes()
        ));
    }

    #[test]
    fn bodies_come_back_from_their_own_capture_file_only() {
        let dir = std::env::temp_dir().join(format!("wamon-raw-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("c.jsonl");
        let w = crate::capture_writer::CaptureWriter::open(&path, 0).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let put = |seq: u64, body: &'static [u8]| {
            let line = crate::capture::encode(&Envelope::post(seq, 1000, body));
            rt.block_on(w.append(line)).unwrap()
        };
        let a = put(3, b"{\"a\":1}");
        let mut raw = RawStore::new(w.capture_path(), None);
        let evicted = |offset: u64, file: u32| Entry {
            env: None,
            offset: Some(offset),
            file,
            from_load: false,
        };
        raw.entries.push((3, evicted(a.offset, a.file)));
        assert_eq!(&raw.get(3).unwrap().body[..], b"{\"a\":1}");
        assert!(raw.body_contains(3, "\"a\""));
        // Every read goes through the one open file.
        for _ in 0..100 {
            assert!(raw.get(3).is_some());
        }
        assert_eq!(raw.opens.load(std::sync::atomic::Ordering::Relaxed), 1);
        // Another request's line at the same offset is never taken for it.
        raw.entries.push((4, evicted(a.offset, a.file)));
        assert!(raw.get(4).is_none());
        // Deleted: the path is reopened and the new file holds a line at the same offset, even
        // with the same seq (a file written by another run).
        std::fs::remove_file(&path).unwrap();
        std::thread::sleep(crate::capture_writer::CHECK_INTERVAL);
        let b = put(3, b"{\"b\":2}");
        assert_eq!((b.file, b.offset), (1, a.offset), "same offset, new file");
        assert!(
            raw.get(3).is_none(),
            "the old file's offset is not read in the new file"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
