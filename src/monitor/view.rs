//! The stream as currently filtered: which rows show, and which chats have matching rows.
//!
//! Rebuilt when the filter, the chat or the raw-events toggle changes; otherwise only rows added
//! since the last look are checked, so a burst of webhooks costs work proportional to the burst,
//! not to the history. A rebuild runs in slices ([`Slice`]): each refresh scans until its
//! deadline and remembers where it stopped, the screen draws what was found so far, and the next
//! refresh resumes there, so a key never waits behind a million-row scan. Rows the store evicts are dropped after the
//! batch that evicted them ([`StreamView::purge`]): a pass over the view once per eviction
//! batch (1/16 of the cap), so O(1) amortised per event.

use super::raw::RawStore;
use crate::filter::Filter;
use crate::store::subject::RowSubject;
use crate::store::{ChatIx, EventIx, MessageIx, Row, Store};
use std::collections::HashMap;
use std::time::Instant;

/// How much of the history one refresh may scan.
#[derive(Debug, Clone, Copy)]
pub enum Slice {
    /// Scan to the end.
    All,
    /// Stop once this instant has passed, but only after at least [`Slice::MIN_ROWS`] rows, so
    /// small histories (and tests) always finish in one refresh whatever the machine's speed.
    Until(Instant),
}

impl Slice {
    /// Rows a timed slice always scans.
    pub const MIN_ROWS: usize = 4096;
    /// How often a timed slice looks at the clock.
    const CHECK_EVERY: usize = 256;
}

/// What the view was built for; a change means a rebuild.
#[derive(Debug, Clone, PartialEq, Default)]
struct Basis {
    /// Compared as parsed terms: a re-spaced or re-ordered filter is the same view.
    filter: Filter,
    chat: Option<ChatIx>,
    raw_events: bool,
    /// Set by [`StreamView::invalidate`]: equal to no basis a refresh computes.
    stale: bool,
}

/// The filtered stream.
#[derive(Debug, Default)]
pub struct StreamView {
    /// Rows that show, in arrival order.
    pub rows: Vec<Row>,
    /// While filtering: matching rows per chat (over all chats, ignoring the chat selection).
    pub chat_hits: HashMap<ChatIx, usize>,
    /// While filtering: every matching row (packed, see [`pack`]) with the chat it was counted
    /// for, so that evicted rows leave `chat_hits` exactly.
    hits: Vec<(u64, u32)>,
    basis: Basis,
    /// The store's row position (or event id, for raw events) to look at next: the next
    /// refresh resumes here.
    scanned: usize,
    /// Where the last refresh was going to: the end of the store's rows then.
    total: usize,
}

impl StreamView {
    /// Brings the view up to date, or as far as `slice` allows; returns how many rows were
    /// appended.
    pub fn refresh(
        &mut self,
        store: &Store,
        raw: &RawStore,
        filter: &Filter,
        chat: Option<ChatIx>,
        raw_events: bool,
        slice: Slice,
    ) -> usize {
        let basis = Basis {
            filter: filter.clone(),
            chat,
            raw_events,
            stale: false,
        };
        if basis != self.basis {
            self.rows.clear();
            self.chat_hits.clear();
            self.hits.clear();
            self.scanned = 0;
            self.basis = basis;
        }
        let before = self.rows.len();
        let span = if raw_events {
            let ids = store.event_ids();
            ids.start.index()..ids.end.index()
        } else {
            store.row_positions()
        };
        let filtering = !filter.is_empty();
        let start = self.scanned.max(span.start);
        self.total = span.end;
        let mut end = span.end;
        for pos in start..span.end {
            if let Slice::Until(deadline) = slice {
                let done = pos - start;
                if done >= Slice::MIN_ROWS
                    && done % Slice::CHECK_EVERY == 0
                    && Instant::now() >= deadline
                {
                    end = pos;
                    break;
                }
            }
            let row = if raw_events {
                Row::Event(EventIx::new(pos))
            } else {
                store.row_at(pos)
            };
            let subject = RowSubject { store, raw, row };
            if filtering && !filter.matches(&subject) {
                continue;
            }
            let row_chat = subject.chat_index();
            if let (true, Some(c)) = (filtering, row_chat) {
                *self.chat_hits.entry(c).or_default() += 1;
                self.hits.push((pack(row), c.index() as u32));
            }
            if chat.is_none() || row_chat == chat {
                self.rows.push(row);
            }
        }
        self.scanned = end;
        self.rows.len() - before
    }

    /// While a refresh stopped short of the end: positions scanned and the end it is going to.
    /// The row at `pos`, if the view has one there.
    pub fn row(&self, pos: super::RowPos) -> Option<Row> {
        self.rows.get(pos.0).copied()
    }

    /// The last row's position (the first's when the view is empty): where following keeps
    /// the cursor.
    pub fn last_row(&self) -> super::RowPos {
        super::RowPos(self.rows.len().saturating_sub(1))
    }

    pub fn progress(&self) -> Option<(usize, usize)> {
        (self.scanned < self.total).then_some((self.scanned, self.total))
    }

    /// Drops rows the store evicted. `marks` are indexes into `rows` (a cursor, a scroll
    /// offset) that keep pointing at the same row, or at the next one left if theirs went.
    pub fn purge(&mut self, store: &Store, marks: &mut [usize]) {
        if !self.basis.raw_events && self.scanned < store.rows_settled() {
            // Rows were evicted and kept ones renumbered before this view looked at them
            // (more than the cap arrived in one batch): start over.
            self.invalidate();
            return;
        }
        let mut removed_before = vec![0; marks.len()];
        let mut kept = 0;
        for i in 0..self.rows.len() {
            let row = self.rows[i];
            if store.has_row(row) {
                self.rows[kept] = row;
                kept += 1;
            } else {
                for (n, &mark) in removed_before.iter_mut().zip(marks.iter()) {
                    *n += usize::from(i < mark);
                }
            }
        }
        self.rows.truncate(kept);
        for (mark, n) in marks.iter_mut().zip(removed_before) {
            *mark -= n;
        }
        let hits = &mut self.chat_hits;
        self.hits.retain(|&(row, c)| {
            let held = store.has_row(unpack(row));
            if !held {
                let c = ChatIx::new(c as usize);
                if let Some(n) = hits.get_mut(&c) {
                    *n -= 1;
                    if *n == 0 {
                        hits.remove(&c);
                    }
                }
            }
            held
        });
    }

    /// Forces a rebuild on the next refresh (rows may have changed in place).
    pub fn invalidate(&mut self) {
        self.basis.stale = true;
    }
}

/// A row in 8 bytes (the hits list is one entry per matching row): the top bit tells events.
fn pack(row: Row) -> u64 {
    match row {
        Row::Message(h) => h.index() as u64,
        Row::Event(id) => id.index() as u64 | 1 << 63,
    }
}

fn unpack(packed: u64) -> Row {
    let i = (packed & !(1 << 63)) as usize;
    if packed >> 63 == 1 {
        Row::Event(EventIx::new(i))
    } else {
        Row::Message(MessageIx::new(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_filter_respelled_keeps_the_view() {
        let mut store = Store::new();
        let body = br#"{"event":"message","session":"s","payload":{"id":"false_1@c.us_A","from":"1@c.us","body":"hi"}}"#;
        let n = crate::provider::normalize_body(body);
        store.note_request(1, 0);
        for ev in &n.events {
            store.apply(n.provider, 1, 0, ev);
        }
        let raw = RawStore::new(None, None);
        let mut view = StreamView::default();
        let a = Filter::parse("kind:message provider:waha").unwrap();
        assert_eq!(view.refresh(&store, &raw, &a, None, false, Slice::All), 1);
        // Re-spaced and re-ordered: nothing is scanned again.
        let b = Filter::parse("provider:waha   kind:message").unwrap();
        assert_eq!(view.refresh(&store, &raw, &b, None, false, Slice::All), 0);
        assert_eq!(view.rows.len(), 1);
        // A different filter starts over.
        let c = Filter::parse("provider:waha").unwrap();
        assert_eq!(view.refresh(&store, &raw, &c, None, false, Slice::All), 1);
    }

    #[test]
    fn a_rebuild_in_slices_resumes_where_it_stopped_and_ends_as_one_pass_would() {
        let mut store = Store::new();
        let n = 3 * Slice::MIN_ROWS + 17;
        for i in 0..n {
            let seq = i as u64 + 1;
            let body = format!(
                r#"{{"event":"message","session":"s","payload":{{"id":"false_1@c.us_M{i}","from":"{}@c.us","body":"hi {i}"}}}}"#,
                1 + i % 7
            );
            let norm = crate::provider::normalize_body(body.as_bytes());
            store.note_request(seq, 0);
            for ev in &norm.events {
                store.apply(norm.provider, seq, 0, ev);
            }
        }
        let raw = RawStore::new(None, None);
        let filter = Filter::parse("chat:3").unwrap();
        let mut whole = StreamView::default();
        whole.refresh(&store, &raw, &filter, None, false, Slice::All);
        assert!(whole.progress().is_none());
        // A deadline already past: each refresh scans its minimum and stops.
        let past = Slice::Until(Instant::now());
        let mut sliced = StreamView::default();
        let mut slices = 0;
        loop {
            sliced.refresh(&store, &raw, &filter, None, false, past);
            slices += 1;
            match sliced.progress() {
                Some((done, total)) => {
                    assert_eq!(done, slices * Slice::MIN_ROWS);
                    assert_eq!(total, n);
                    // What was found so far is shown already.
                    assert_eq!(sliced.rows[..], whole.rows[..sliced.rows.len()]);
                }
                None => break,
            }
        }
        assert_eq!(slices, 4);
        assert_eq!(sliced.rows, whole.rows);
        assert_eq!(sliced.chat_hits, whole.chat_hits);
    }

    #[test]
    fn packed_rows_come_back_whole() {
        for row in [
            Row::Message(MessageIx::new(0)),
            Row::Event(EventIx::new(0)),
            Row::Message(MessageIx::new(usize::MAX >> 1)),
            Row::Event(EventIx::new(123_456_789)),
        ] {
            assert_eq!(unpack(pack(row)), row);
        }
    }
}
