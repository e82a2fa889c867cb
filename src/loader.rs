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
use crate::ingest::Ingest;
use std::path::Path;
use std::sync::Arc;

/// What a load produced.
#[derive(Debug, Default)]
pub struct Loaded {
    pub items: Vec<Ingest>,
    pub warnings: Vec<CaptureError>,
}

/// Cuts `bytes` into `(line number, offset, line without newline, complete)`.
fn lines(bytes: &[u8]) -> Vec<(usize, u64, &[u8], bool)> {
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
        out.push((no, start as u64, line, complete));
        start = end + 1;
    }
    out
}

fn decode_chunk(chunk: &[(usize, u64, &[u8], bool)]) -> Vec<Result<Ingest, CaptureError>> {
    chunk
        .iter()
        .filter(|(_, _, line, _)| !line.iter().all(u8::is_ascii_whitespace))
        .map(|&(no, offset, line, complete)| {
            let env = capture::decode(line, no).map_err(|e| match complete {
                true => e,
                false => CaptureError::Torn { line: no },
            })?;
            let normalized = crate::provider::normalize(&env);
            Ok(Ingest {
                env: Arc::new(env),
                normalized,
                capture_offset: Some(offset),
                from_load: true,
            })
        })
        .collect()
}

/// Loads `bytes` (a whole capture file).
pub fn load_bytes(bytes: &[u8]) -> Loaded {
    let mut all = lines(bytes);
    let mut out = Loaded::default();
    match all.first() {
        Some((_, _, first, _)) if capture::is_header(first) => {
            all.remove(0);
        }
        Some(_) => out.warnings.push(CaptureError::NotACapture),
        None => return out,
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = all.len().div_ceil(threads).max(1024);
    let results: Vec<Vec<Result<Ingest, CaptureError>>> = std::thread::scope(|s| {
        let handles: Vec<_> = all
            .chunks(chunk)
            .map(|c| s.spawn(move || decode_chunk(c)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    for r in results.into_iter().flatten() {
        match r {
            Ok(i) => out.items.push(i),
            Err(e) => out.warnings.push(e),
        }
    }
    out
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
        for (i, item) in loaded.items.iter().enumerate() {
            assert_eq!(item.env.seq, i as u64 + 1);
            assert_eq!(item.capture_offset, Some(offsets[i]));
            assert!(item.from_load);
        }
    }
}
