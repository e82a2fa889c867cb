//! One received HTTP request, exactly as it arrived: the unit the capture file stores, the
//! normaliser reads and the detail pane shows.
//!
//! Core module: pure data, no I/O.

use bytes::Bytes;
use std::borrow::Cow;

/// A received webhook request. The body is kept byte-exact: signatures, the capture file and the
/// raw pane all depend on it never being re-serialised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// Arrival order, from one counter per run (continued after `--load`).
    pub seq: u64,
    /// Arrival time, milliseconds since the Unix epoch.
    pub received_at_ms: i64,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Header names in lower case, in arrival order, with their values' exact bytes. HTTP allows
    /// any byte from 0x80 to 0xFF in a value (obs-text), so a value need not be UTF-8: it is
    /// kept as received for the capture (base64 there when not UTF-8), signatures and replay;
    /// only the screen shows a lossy, sanitised copy ([`crate::display::envelope`]).
    pub headers: Vec<(String, Vec<u8>)>,
    pub remote: Option<String>,
    pub body: Bytes,
    /// The HTTP status wamon answered with.
    pub status: u16,
    /// Why the request was rejected or its body dropped (size limit, bad signature), or which
    /// `--reply` rule chose its answer ([`SCRIPTED_NOTE`]).
    pub note: Option<String>,
}

/// How the note of a request answered by a `--reply` rule begins: such a request was accepted
/// like any other, only answered differently.
pub const SCRIPTED_NOTE: &str = "scripted reply (";

impl Envelope {
    /// A POST to `/` with `body`, for tests, fixtures and demo traffic.
    pub fn post(seq: u64, received_at_ms: i64, body: impl Into<Bytes>) -> Envelope {
        Envelope {
            seq,
            received_at_ms,
            method: "POST".into(),
            path: "/".into(),
            query: None,
            headers: Vec::new(),
            remote: None,
            body: body.into(),
            status: 200,
            note: None,
        }
    }

    /// Why the request was rejected, if it was: its note, unless the note only names the
    /// `--reply` rule that chose its answer.
    pub fn rejection(&self) -> Option<&str> {
        self.note
            .as_deref()
            .filter(|n| !n.starts_with(SCRIPTED_NOTE))
    }

    /// Bytes this envelope holds on the heap (body, strings, headers), roughly: what keeping it
    /// in memory costs.
    pub fn heap_bytes(&self) -> usize {
        let strings = self.method.len()
            + self.path.len()
            + self.query.as_ref().map_or(0, String::len)
            + self.remote.as_ref().map_or(0, String::len)
            + self.note.as_ref().map_or(0, String::len);
        let headers: usize = self
            .headers
            .iter()
            .map(|(k, v)| k.len() + v.len() + std::mem::size_of::<(String, Vec<u8>)>())
            .sum();
        std::mem::size_of::<Envelope>() + self.body.len() + strings + headers
    }

    /// The first header called `name` (case-insensitive) as text, bytes that are not UTF-8 as
    /// U+FFFD: a header that is present is never mistaken for a missing one (a signature header
    /// of stray bytes must fail its check, not skip it).
    pub fn header(&self, name: &str) -> Option<Cow<'_, str>> {
        self.header_bytes(name).map(String::from_utf8_lossy)
    }

    /// The exact bytes of the first header called `name` (case-insensitive).
    pub fn header_bytes(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }
}
