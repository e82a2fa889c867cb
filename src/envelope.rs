//! One received HTTP request, exactly as it arrived: the unit the capture file stores, the
//! normaliser reads and the detail pane shows.
//!
//! Core module: pure data, no I/O.

use bytes::Bytes;

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
    /// Header names in lower case, in arrival order.
    pub headers: Vec<(String, String)>,
    pub remote: Option<String>,
    pub body: Bytes,
    /// The HTTP status wamon answered with.
    pub status: u16,
    /// Why the request was rejected or its body dropped (size limit, bad signature).
    pub note: Option<String>,
}

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
            .map(|(k, v)| k.len() + v.len() + 2 * std::mem::size_of::<String>())
            .sum();
        std::mem::size_of::<Envelope>() + self.body.len() + strings + headers
    }

    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}
