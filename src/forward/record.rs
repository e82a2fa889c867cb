//! What became of forwarding one request to the bot: its answer, its failure, or why it was not
//! sent; and the capture line that keeps it.
//!
//! A forward result is a line of its own in the capture file, after the request's line, naming
//! the request by its seq:
//!
//! ```json
//! {"forward_of":12,"at":"2026-11-30T10:00:00.123Z","to":"http://127.0.0.1:3000/waha","status":201,"ms":12,"failure":null,"error":null,"truncated":false,"headers":{"content-type":"application/json"},"body":"{\"ok\":true}"}
//! ```
//!
//! `status` and `ms` are null when the bot never answered; `failure` is then a short word
//! (`refused`, `timeout`, `reset`, `invalid`, `error`, or `not_forwarded` when the forward queue
//! was full, `interrupted` when wamon quit mid-send) and `error` says it in words. `edited: true`
//! (written only then) marks a send from the screen with a body edited in `$EDITOR`. The body is the first `--forward-body-limit` bytes of
//! the bot's answer (`body_b64` when not UTF-8; `truncated` says whether there was more). Readers
//! that predate forwarding skip these lines: they start with `{"forward_of":`, which no request
//! line does.
//!
//! Core module: encodes and decodes bytes.

use crate::capture::{parse_rfc3339_ms, rfc3339_ms, CaptureError};
use crate::outbound::{Answer, Failure};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// The short word of a request that was never sent because the queue was full.
pub const NOT_FORWARDED: &str = "not_forwarded";

/// The result of forwarding request `seq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardRecord {
    /// The request's seq.
    pub seq: u64,
    /// When the result was known, ms since the epoch.
    pub at_ms: i64,
    /// The full URL the request went to.
    pub to: String,
    /// The bot's HTTP status; `None` when it never answered.
    pub status: Option<u16>,
    /// Time to the end of the answer, ms; `None` when it never answered.
    pub ms: Option<u64>,
    /// When it never answered: `refused`, `timeout`, `reset`, `invalid`, `error`, `not_forwarded`.
    pub failure: Option<String>,
    /// The failure in words.
    pub error: Option<String>,
    /// The answer's headers (lower-case names).
    pub headers: Vec<(String, Vec<u8>)>,
    /// The first bytes of the answer's body.
    pub body: Bytes,
    /// The answer's body was longer than `body`.
    pub truncated: bool,
    /// Sent from the screen with a body edited in `$EDITOR` (not the captured one).
    pub edited: bool,
}

impl ForwardRecord {
    /// The bot answered.
    pub fn answered(seq: u64, at_ms: i64, to: String, a: Answer) -> ForwardRecord {
        ForwardRecord {
            seq,
            at_ms,
            to,
            status: Some(a.status),
            ms: Some(a.ms),
            failure: None,
            error: None,
            headers: a.headers,
            body: a.body,
            truncated: a.truncated,
            edited: false,
        }
    }

    /// The bot never answered.
    pub fn failed(seq: u64, at_ms: i64, to: String, f: &Failure) -> ForwardRecord {
        ForwardRecord::unanswered(seq, at_ms, to, f.word(), f.to_string())
    }

    /// The request was not sent: `failure` says why in a word, `error` in words.
    pub fn unanswered(
        seq: u64,
        at_ms: i64,
        to: String,
        failure: &str,
        error: String,
    ) -> ForwardRecord {
        ForwardRecord {
            seq,
            at_ms,
            to,
            status: None,
            ms: None,
            failure: Some(failure.to_owned()),
            error: Some(error),
            headers: Vec::new(),
            body: Bytes::new(),
            truncated: false,
            edited: false,
        }
    }

    /// The bot answered with a 2xx.
    pub fn is_success(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }

    /// A short summary for a stream row: `201 · 12 ms`, `✗ refused`, `✗ not forwarded`.
    pub fn summary(&self) -> String {
        match (self.status, &self.failure) {
            (Some(s), _) => format!("{s} · {} ms", self.ms.unwrap_or(0)),
            (None, Some(f)) => format!("✗ {}", f.replace('_', " ")),
            (None, None) => "✗".to_owned(),
        }
    }

    /// Bytes held on the heap, roughly.
    pub fn heap_bytes(&self) -> usize {
        std::mem::size_of::<ForwardRecord>()
            + self.to.len()
            + self.error.as_ref().map_or(0, String::len)
            + self.body.len()
            + self
                .headers
                .iter()
                .map(|(k, v)| k.len() + v.len() + 48)
                .sum::<usize>()
    }
}

#[derive(Serialize)]
struct LineOut<'a> {
    forward_of: u64,
    at: String,
    to: &'a str,
    status: Option<u16>,
    ms: Option<u64>,
    failure: Option<&'a str>,
    error: Option<&'a str>,
    truncated: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    edited: bool,
    headers: std::collections::BTreeMap<&'a str, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body_b64: Option<String>,
}

#[derive(Deserialize)]
struct LineIn {
    forward_of: u64,
    at: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    ms: Option<u64>,
    #[serde(default)]
    failure: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    truncated: bool,
    #[serde(default)]
    edited: bool,
    #[serde(default)]
    headers: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    body_b64: Option<String>,
}

/// Whether a capture line is a forward result (cheap: checked on every line read).
pub fn is_line(line: &[u8]) -> bool {
    line.starts_with(b"{\"forward_of\":")
}

/// The capture line for `r`, with its newline.
pub fn encode(r: &ForwardRecord) -> Vec<u8> {
    let (body, body_b64) = crate::capture::body_fields(&r.body);
    let mut headers = std::collections::BTreeMap::new();
    for (k, v) in &r.headers {
        let v = String::from_utf8_lossy(v);
        headers
            .entry(k.as_str())
            .and_modify(|s: &mut String| {
                s.push_str(", ");
                s.push_str(&v);
            })
            .or_insert_with(|| v.into_owned());
    }
    let line = LineOut {
        forward_of: r.seq,
        at: rfc3339_ms(r.at_ms),
        to: &r.to,
        status: r.status,
        ms: r.ms,
        failure: r.failure.as_deref(),
        error: r.error.as_deref(),
        truncated: r.truncated,
        edited: r.edited,
        headers,
        body,
        body_b64,
    };
    let mut v = crate::display::json_out::to_vec(&line).unwrap_or_default();
    v.push(b'\n');
    v
}

/// Reads a forward line (without or with its newline). `line_no` is for messages.
pub fn decode(line: &[u8], line_no: usize) -> Result<ForwardRecord, CaptureError> {
    let bad = |message: String| CaptureError::BadLine {
        line: line_no,
        message,
    };
    let l: LineIn = serde_json::from_slice(line).map_err(|e| bad(e.to_string()))?;
    let at_ms = parse_rfc3339_ms(&l.at).ok_or_else(|| bad(format!("bad at {:?}", l.at)))?;
    let body = crate::capture::body_bytes(l.body, l.body_b64).map_err(bad)?;
    Ok(ForwardRecord {
        seq: l.forward_of,
        at_ms,
        to: l.to,
        status: l.status,
        ms: l.ms,
        failure: l.failure,
        error: l.error,
        headers: l
            .headers
            .into_iter()
            .map(|(k, v)| (k, v.into_bytes()))
            .collect(),
        body: body.into(),
        truncated: l.truncated,
        edited: l.edited,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_round_trips_through_its_capture_line() {
        let r = ForwardRecord::answered(
            12,
            1_700_000_000_123,
            "http://127.0.0.1:3000/waha".into(),
            Answer {
                status: 201,
                headers: vec![("content-type".into(), b"application/json".to_vec())],
                body: Bytes::from_static(b"{\"ok\":true}\x1b]52;c;x\x07"),
                truncated: true,
                ms: 12,
            },
        );
        let line = encode(&r);
        assert!(is_line(&line));
        assert_eq!(line.iter().filter(|b| **b == b'\n').count(), 1);
        assert!(!line.contains(&0x1b), "escaped for terminals");
        assert_eq!(decode(&line, 1).unwrap(), r);
        assert_eq!(r.summary(), "201 · 12 ms");
    }

    #[test]
    fn a_failure_round_trips_and_reads_as_a_word() {
        let r = ForwardRecord::failed(3, 1_700_000_000_000, "http://h/x".into(), &Failure::Refused);
        let back = decode(&encode(&r), 1).unwrap();
        assert_eq!(back, r);
        assert_eq!(back.status, None);
        assert_eq!(back.summary(), "✗ refused");
        let n =
            ForwardRecord::unanswered(4, 0, "http://h/".into(), NOT_FORWARDED, "queue full".into());
        assert_eq!(decode(&encode(&n), 1).unwrap().summary(), "✗ not forwarded");
    }

    #[test]
    fn request_lines_are_not_forward_lines() {
        let env = crate::envelope::Envelope::post(1, 0, &b"{\"forward_of\":1}"[..]);
        assert!(!is_line(&crate::capture::encode(&env)));
    }
}
