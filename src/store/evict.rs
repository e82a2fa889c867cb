//! Eviction: keeping the store within `--max-events` (the rule is in the [`super`] module docs).
//!
//! One pass runs when the store holds 1/16 more events than the cap and brings it back to the
//! cap, so its cost (proportional to what it evicts, plus the few messages it keeps) is O(1)
//! amortised per event. A pass works from the front of each table: events are a FIFO; messages
//! are in the order they were placed, and those placed before the first kept event are evicted
//! if no kept event touched them, else moved to the back; the default stream loses the rows of
//! what went, and the rows of messages kept move up to its front, in their order.
//!
//! Core module: pure.

use super::{ChatIx, EventIx, Row, Store};
use std::collections::HashSet;

/// What evictions removed since the consumer last asked ([`Store::take_evicted`]).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Evicted {
    /// Requests nothing held refers to any more (their bodies can be forgotten).
    pub seqs: Vec<u64>,
    /// Chats removed. Their slots are reused only after this report was taken.
    pub chats: Vec<ChatIx>,
}

impl Evicted {
    pub fn is_empty(&self) -> bool {
        self.seqs.is_empty() && self.chats.is_empty()
    }
}

impl Store {
    /// Asks for reports of what evictions remove ([`Store::take_evicted`]); chat slots are
    /// then reused only after being reported.
    pub fn report_evictions(&mut self) {
        self.evicted.get_or_insert_with(Evicted::default);
        self.chats.defer_reuse();
    }

    /// What evictions removed since the last call (nothing unless
    /// [`Store::report_evictions`] was called).
    pub fn take_evicted(&mut self) -> Evicted {
        let Some(report) = &mut self.evicted else {
            return Evicted::default();
        };
        let mut out = std::mem::take(report);
        out.chats.extend(self.chats.take_vacated());
        out
    }

    /// Whether [`Store::take_evicted`] has something to say.
    pub fn has_evicted(&self) -> bool {
        self.evicted.as_ref().is_some_and(|e| !e.is_empty()) || self.chats.has_vacated()
    }

    pub(super) fn evict_if_over(&mut self) {
        let Some(cap) = self.max_events else {
            return;
        };
        if self.events.len() > cap + (cap / 16).max(1) {
            self.evict_to(cap);
        }
    }

    /// Evicts the oldest events down to `keep`, and what only they held.
    pub(super) fn evict_to(&mut self, keep: usize) {
        let cut = EventIx::new(self.events_base + self.events.len().saturating_sub(keep));
        let reporting = self.evicted.is_some();
        let mut seqs: Vec<u64> = Vec::new();
        let mut chats: Vec<ChatIx> = Vec::new();

        // Events parked for a message that never came go with their event.
        self.parking.drop_before(cut);
        while self.events_base < cut.index() {
            let e = self
                .events
                .pop_front()
                .expect("cut is within the held events");
            self.events_base += 1;
            self.counters.evicted_events += 1;
            if let Some(c) = e.chat() {
                self.chats.get_mut(c).held_events -= 1;
                chats.push(c);
            }
            if reporting && seqs.last() != Some(&e.seq) {
                seqs.push(e.seq);
            }
        }

        // Messages placed before the cut: gone if no held event touched them, else moved on.
        let newest = EventIx::new((self.events_base + self.events.len()).saturating_sub(1));
        let mut kept = Vec::new();
        while let Some((_, placed)) = self.messages.front() {
            if placed >= cut {
                break;
            }
            let (h, m, last_event) = self.messages.pop_front().expect("front exists");
            if last_event >= cut {
                kept.push((h, m, last_event));
                continue;
            }
            self.by_id.remove(m.origin(), m.id.bare(), h);
            self.chats.get_mut(m.chat).held_messages -= 1;
            chats.push(m.chat);
            self.counters.evicted_messages += 1;
            if reporting {
                seqs.extend_from_slice(&m.seqs);
            }
        }
        for (h, m, last) in kept {
            self.messages.push_moved(h, m, last, newest);
        }

        // The default stream: rows of evicted events and messages go; rows of messages kept
        // move up to the front. Every row appended since the cut is still held, so this is a
        // prefix (see `MessageTable::base`).
        let mut kept_rows = Vec::new();
        while let Some(&r) = self.rows.front() {
            let old = match r {
                Row::Event(id) => id < cut,
                Row::Message(h) => h < self.messages.base(),
            };
            if !old {
                break;
            }
            self.rows.pop_front();
            self.rows_base += 1;
            if matches!(r, Row::Message(h) if self.messages.get(h).is_some()) {
                kept_rows.push(r);
            }
        }
        self.rows_settled = self.rows_base;
        for r in kept_rows.into_iter().rev() {
            self.rows.push_front(r);
            self.rows_base -= 1;
        }

        chats.sort_unstable();
        chats.dedup();
        for c in chats {
            self.chats.release(c);
        }

        if reporting {
            // Requests still referred to: by the first held event (a request's events may
            // straddle the cut) and by messages kept from before it.
            let mut held: HashSet<u64> = self.events.front().map(|e| e.seq).into_iter().collect();
            for m in self.messages.moved() {
                held.extend(m.seqs.iter().copied());
            }
            // And by messages that took events parked before them, which may be older.
            let messages = &self.messages;
            self.took_parked.retain(|&h| messages.get(h).is_some());
            for &h in &self.took_parked {
                held.extend(self.messages.get(h).into_iter().flat_map(|m| &m.seqs));
            }
            seqs.sort_unstable();
            seqs.dedup();
            seqs.retain(|s| !held.contains(s));
            self.evicted.as_mut().expect("reporting").seqs.extend(seqs);
        }
    }
}
