//! `--load`: reads a capture file back into ingest items, decoding and normalising on every core.
//!
//! The file is read whole, cut into lines, and the lines are decoded and normalised in parallel
//! chunks (both are pure); order is kept. Each item remembers its line's offset, so the screen
//! can drop big bodies from memory and re-read them from the file on demand. Unreadable lines are
//! skipped with a warning naming them; a torn last line (the writer died mid-line) is expected
//! after a crash and says so.
//!
//! Edge module: files and threads.

use crate::capture::{self, CaptureError};
use crate::ingest::{Forwarded, Ingest, Item};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// What a load produced.
#[derive(Debug, Default)]
pub struct Loaded {
    pub items: Vec<Item>,
    pub warnings: Vec<CaptureError>,
}

/// One line of the file.
struct LineRef<'a> {
    no: usize,
    offset: u64,
    /// Without its newline.
    text: &'a [u8],
    /// Ended by a newline (a torn last line is not).
    complete: bool,
}

/// Cuts `bytes` into lines.
fn lines(bytes: &[u8]) -> Vec<LineRef<'_>> {
    let mut out = Vec::new();
    let mut start = 0usize;
    let mut no = 0usize;
    while start < bytes.len() {
        no += 1;
        let (end, complete) = match bytes[start..].iter().position(|&b| b == b'\n') {
            Some(i) => (start + i, true),
            None => (bytes.len(), false),
        };
        let line = &bytes[start..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        out.push(LineRef {
            no,
            offset: start as u64,
            text: line,
            complete,
        });
        start = end + 1;
    }
    out
}

fn decode_chunk(chunk: &[LineRef]) -> Vec<Result<Item, CaptureError>> {
    decode_lines(chunk, 0, true)
}

/// Decodes and normalises `lines` of a file whose byte `base` is where they were cut from.
fn decode_lines(lines: &[LineRef], base: u64, from_load: bool) -> Vec<Result<Item, CaptureError>> {
    lines
        .iter()
        .filter(|l| !l.text.iter().all(u8::is_ascii_whitespace))
        .map(|l| {
            let torn = |e| match l.complete {
                true => e,
                false => CaptureError::Torn { line: l.no },
            };
            if crate::forward::record::is_line(l.text) {
                let record = crate::forward::record::decode(l.text, l.no).map_err(torn)?;
                return Ok(Item::Forward(Forwarded {
                    record: Arc::new(record),
                    capture_offset: Some(base + l.offset),
                    capture_file: 0,
                    from_load,
                }));
            }
            let env = capture::decode(l.text, l.no).map_err(torn)?;
            let normalized = crate::provider::normalize(&env);
            Ok(Item::Request(Ingest {
                env: Arc::new(env),
                normalized,
                capture_offset: Some(base + l.offset),
                // A loaded file has no generations; the feed sets the generation of the
                // capture file it read a window from.
                capture_file: 0,
                from_load,
            }))
        })
        .collect()
}

/// The complete lines of `bytes`, cut from this run's capture at offset `base`, as requests
/// (the capture's header line skipped); with how many bytes they span (a last line without its
/// newline, still being written, is left for later).
pub fn decode_range(bytes: &[u8], base: u64) -> (Vec<Result<Item, CaptureError>>, usize) {
    let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let all: Vec<LineRef> = lines(&bytes[..complete])
        .into_iter()
        // Only the file's first line can be its header.
        .filter(|l| base + l.offset != 0 || !capture::is_header(l.text))
        .collect();
    (decode_lines(&all, base, false), complete)
}

/// Lines handed to a worker at a time: small enough that the first chunks reach the consumer
/// quickly, large enough that coordination stays negligible.
const CHUNK: usize = 2048;

/// Loads `bytes` (a whole capture file), calling `item` for every request in file order and
/// `warn` for every line skipped. `item` returns false to stop early (nobody is listening any
/// more); the workers then stop taking chunks.
///
/// Worker threads (one per core) decode and normalise chunks of lines while the calling thread
/// delivers finished chunks in order, so whatever consumes the items (the store) works while the
/// rest of the file is still being decoded.
pub fn load_streaming(
    bytes: &[u8],
    mut item: impl FnMut(Item) -> bool,
    mut warn: impl FnMut(CaptureError),
) {
    let mut all = lines(bytes);
    match all.first() {
        Some(first) if capture::is_header(first.text) => {
            all.remove(0);
        }
        Some(_) => warn(CaptureError::NotACapture),
        None => return,
    }
    let chunks: Vec<&[LineRef]> = all.chunks(CHUNK).collect();
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|s| {
        // Bounded: decoded chunks wait for the consumer instead of piling up (a big file would
        // otherwise be held decoded in memory whole while the screen works through it). Workers
        // take chunks in order, so the one the consumer waits for is always among those in
        // flight and the bound cannot deadlock.
        let (tx, rx) =
            std::sync::mpsc::sync_channel::<(usize, Vec<Result<Item, CaptureError>>)>(threads);
        for _ in 0..threads.min(chunks.len()) {
            let (tx, chunks, next, stop) = (tx.clone(), &chunks, &next, &stop);
            s.spawn(move || loop {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(chunk) = chunks.get(i) else { break };
                if tx.send((i, decode_chunk(chunk))).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        // Chunks finish in any order; hand them on in file order.
        let mut ready: BTreeMap<usize, Vec<Result<Item, CaptureError>>> = BTreeMap::new();
        let mut want = 0;
        'chunks: for (i, results) in rx {
            ready.insert(i, results);
            while let Some(results) = ready.remove(&want) {
                for r in results {
                    match r {
                        Ok(i) => {
                            if !item(i) {
                                stop.store(true, Ordering::Relaxed);
                                break 'chunks;
                            }
                        }
                        Err(e) => warn(e),
                    }
                }
                want += 1;
            }
        }
    });
}

/// Loads `bytes` (a whole capture file) into memory.
pub fn load_bytes(bytes: &[u8]) -> Loaded {
    let mut out = Loaded::default();
    let mut warnings = Vec::new();
    load_streaming(
        bytes,
        |i| {
            out.items.push(i);
            true
        },
        |w| warnings.push(w),
    );
    out.warnings = warnings;
    out
}

/// The highest request seq in a capture, found without decoding it: live requests continue
/// after it.
pub fn max_seq(bytes: &[u8]) -> u64 {
    bytes
        .split(|b| *b == b'\n')
        .filter_map(line_seq)
        .max()
        .unwrap_or(0)
}

/// [`max_seq`] of a capture read as a stream (a file appended to may be large): one line in
/// memory at a time.
pub fn max_seq_of(mut reader: impl std::io::BufRead) -> std::io::Result<u64> {
    let mut line = Vec::new();
    let mut max = 0;
    while reader.read_until(b'\n', &mut line)? > 0 {
        max = max.max(line_seq(&line).unwrap_or(0));
        line.clear();
    }
    Ok(max)
}

/// The seq of one capture line. The first `"seq":` of a line is its top-level seq (inside
/// bodies and headers every quote is escaped), whatever the key order.
fn line_seq(line: &[u8]) -> Option<u64> {
    const KEY: &[u8] = b"\"seq\":";
    // A forward result names its request's seq, not one of its own.
    if crate::forward::record::is_line(line) {
        return None;
    }
    let at = line.windows(KEY.len()).position(|w| w == KEY)? + KEY.len();
    let digits = line[at..].iter().skip_while(|b| b.is_ascii_whitespace());
    let mut n: u64 = 0;
    let mut any = false;
    for b in digits.take_while(|b| b.is_ascii_digit()) {
        n = n.saturating_mul(10).saturating_add(u64::from(b - b'0'));
        any = true;
    }
    any.then_some(n)
}

/// Loads the capture at `path`.
pub fn load_file(path: &Path) -> std::io::Result<Loaded> {
    Ok(load_bytes(&std::fs::read(path)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::Envelope;

    #[test]
    fn loads_in_order_with_offsets_and_skips_a_torn_line() {
        let mut file = capture::header_line(0);
        let mut offsets = Vec::new();
        for i in 1..=3000u64 {
            offsets.push(file.len() as u64);
            let body = format!(
                r#"{{"event":"message","session":"s","payload":{{"id":"false_1@c.us_M{i}","from":"1@c.us","body":"n{i}"}}}}"#
            );
            file.extend(capture::encode(&Envelope::post(i, 1000, body.into_bytes())));
        }
        file.extend(br#"{"seq":3001,"rec"#);
        let loaded = load_bytes(&file);
        assert_eq!(loaded.items.len(), 3000);
        assert_eq!(loaded.warnings, vec![CaptureError::Torn { line: 3002 }]);
        assert_eq!(
            max_seq(&file),
            3001,
            "the torn line's seq counts too: it may be re-sent"
        );
        for (i, item) in loaded.items.iter().enumerate() {
            assert_eq!(item.seq(), i as u64 + 1);
            assert_eq!(item.capture_offset(), Some(offsets[i]));
            assert!(item.from_load());
        }
    }

    /// Found by `tests/fuzz_capture.rs`: with a blank first line, `capture::read_all` skipped the
    /// header check and said nothing, while the loader reported the missing header.
    #[test]
    fn both_readers_report_a_blank_first_line_as_a_missing_header() {
        let mut file = b"\n".to_vec();
        file.extend(capture::encode(&Envelope::post(1, 1000, &b"{}"[..])));
        let loaded = load_bytes(&file);
        assert_eq!(loaded.warnings, vec![CaptureError::NotACapture]);
        assert_eq!(loaded.items.len(), 1);
        let all = capture::read_all(&file[..]).unwrap();
        assert_eq!(all.warnings, loaded.warnings);
        assert_eq!(all.envelopes.len(), 1);
        assert_eq!(all.envelopes[0].1, 1);
    }
}
