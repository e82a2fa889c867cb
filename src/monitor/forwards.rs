//! What the bot answered to forwarded requests, as the screen keeps it: the latest result per
//! request, in display copies (the bot's answer is as untrusted as any request: its text is
//! sanitised here, where it enters the screen's model).
//!
//! Bounded: results of requests the store evicted are dropped with them, at most
//! [`MAX_RESULTS`] are kept, and the answer bodies held stay within [`BODY_BUDGET`]; past it the
//! oldest results keep their status line and lose their body (the capture file has it).

use crate::display::{clean, clean_text};
use crate::forward::ForwardRecord;
use bytes::Bytes;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

/// Bytes of answer bodies kept in memory.
pub const BODY_BUDGET: usize = 8 * 1024 * 1024;

/// Results kept at most (the lowest seqs go first): a result whose request was evicted while
/// the result was on its way is never forgotten by eviction, so the count has its own cap.
pub const MAX_RESULTS: usize = 200_000;

/// The forward results the screen shows.
#[derive(Debug, Default)]
pub struct Forwards {
    by_seq: BTreeMap<u64, Arc<ForwardRecord>>,
    /// Seqs whose results hold a body, oldest first.
    with_body: VecDeque<u64>,
    body_bytes: usize,
}

impl Forwards {
    /// Keeps a display copy of `r`, replacing an earlier result for the same request (a resend).
    pub fn insert(&mut self, r: &ForwardRecord) {
        let shown = display_copy(r);
        if !shown.body.is_empty() {
            self.body_bytes += shown.body.len();
            self.with_body.push_back(shown.seq);
        }
        if let Some(old) = self.by_seq.insert(shown.seq, Arc::new(shown)) {
            self.body_bytes -= old.body.len();
        }
        while self.by_seq.len() > MAX_RESULTS {
            if let Some((_, r)) = self.by_seq.pop_first() {
                self.body_bytes -= r.body.len();
            }
        }
        while self.body_bytes > BODY_BUDGET {
            let Some(seq) = self.with_body.pop_front() else {
                break;
            };
            if let Some(r) = self.by_seq.get_mut(&seq) {
                if !r.body.is_empty() {
                    self.body_bytes -= r.body.len();
                    let mut lighter = (**r).clone();
                    lighter.body = Bytes::new();
                    *r = Arc::new(lighter);
                }
            }
        }
    }

    /// The latest result for request `seq`.
    pub fn get(&self, seq: u64) -> Option<&Arc<ForwardRecord>> {
        self.by_seq.get(&seq)
    }

    /// Drops the results of requests the store let go of.
    pub fn forget(&mut self, seqs: &[u64]) {
        for seq in seqs {
            if let Some(r) = self.by_seq.remove(seq) {
                self.body_bytes -= r.body.len();
            }
        }
        if !seqs.is_empty() {
            let by_seq = &self.by_seq;
            self.with_body.retain(|s| by_seq.contains_key(s));
        }
    }

    /// Forgets everything (the screen's history was cleared).
    pub fn clear(&mut self) {
        *self = Forwards::default();
    }

    pub fn len(&self) -> usize {
        self.by_seq.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_seq.is_empty()
    }

    /// Bytes of answer bodies held.
    pub fn body_bytes(&self) -> usize {
        self.body_bytes
    }
}

/// `r` with every text safe to draw: the body as sanitised UTF-8 (lines kept), header values
/// and the error on one line each.
fn display_copy(r: &ForwardRecord) -> ForwardRecord {
    let body = String::from_utf8_lossy(&r.body);
    ForwardRecord {
        seq: r.seq,
        at_ms: r.at_ms,
        to: clean(&r.to).into_owned(),
        status: r.status,
        ms: r.ms,
        failure: r.failure.as_deref().map(|f| clean(f).into_owned()),
        error: r.error.as_deref().map(|e| clean(e).into_owned()),
        headers: r
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    clean(k).into_owned(),
                    clean(&String::from_utf8_lossy(v)).into_owned().into_bytes(),
                )
            })
            .collect(),
        body: Bytes::from(clean_text(&body).into_owned()),
        truncated: r.truncated,
        edited: r.edited,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbound::Answer;

    fn answer(seq: u64, body: &[u8]) -> ForwardRecord {
        ForwardRecord::answered(
            seq,
            0,
            "http://bot/".into(),
            Answer {
                status: 200,
                headers: vec![("x-evil".into(), b"a\x1b[31m".to_vec())],
                body: Bytes::copy_from_slice(body),
                truncated: false,
                ms: 1,
            },
        )
    }

    #[test]
    fn the_bots_answer_is_kept_as_a_display_copy() {
        let mut f = Forwards::default();
        f.insert(&answer(1, b"{\"a\":1}\n\x1b]52;c;eA==\x07"));
        let r = f.get(1).unwrap();
        assert!(!r.body.contains(&0x1b) && !r.body.contains(&0x07));
        assert!(r.body.contains(&b'\n'), "lines kept");
        assert!(!r.headers[0].1.contains(&0x1b));
    }

    #[test]
    fn bodies_stay_within_the_budget_and_evicted_requests_go() {
        let mut f = Forwards::default();
        let big = vec![b'x'; 1024 * 1024];
        for seq in 0..20 {
            f.insert(&answer(seq, &big));
        }
        assert!(f.body_bytes() <= BODY_BUDGET);
        assert_eq!(f.len(), 20, "statuses stay");
        assert!(
            f.get(0).unwrap().body.is_empty(),
            "the oldest lost its body"
        );
        assert_eq!(f.get(19).unwrap().body.len(), big.len());
        f.insert(&answer(19, b"again"));
        assert_eq!(
            f.get(19).unwrap().body.as_ref(),
            b"again",
            "a resend replaces"
        );
        f.forget(&[19, 0]);
        assert!(f.get(19).is_none());
        assert_eq!(f.body_bytes(), 7 * big.len());
    }
}
