//! The stream as currently filtered: which rows show, and which chats have matching rows.
//!
//! Rebuilt in one pass when the filter, the chat or the raw-events toggle changes; otherwise
//! only rows added since the last look are checked, so a burst of webhooks costs work
//! proportional to the burst, not to the history. Rows the store evicts are dropped after the
//! batch that evicted them ([`StreamView::purge`]): a pass over the view once per eviction
//! batch (1/16 of the cap), so O(1) amortised per event.

use super::raw::RawStore;
use crate::filter::{Filter, Flag, Subject};
use crate::model::{Ack, ChatId, Kind, MessageType, Provider};
use crate::store::{Row, Store};
use std::collections::HashMap;

/// A stream row seen through the filter's eyes.
pub struct RowSubject<'a> {
    pub store: &'a Store,
    pub raw: &'a RawStore,
    pub row: Row,
}

impl RowSubject<'_> {
    /// The chat the row shows under (a lid chat's phone chat once folded).
    fn chat_index(&self) -> Option<usize> {
        let arrived = match self.row {
            Row::Message(i) => Some(self.store.message(i).chat),
            Row::Event(i) => self.store.event(i).chat(),
        };
        arrived.map(|c| self.store.chats().root(c))
    }

    fn message(&self) -> Option<&crate::store::message::Message> {
        match self.row {
            Row::Message(i) => Some(self.store.message(i)),
            Row::Event(i) => self.store.event(i).message().map(|m| self.store.message(m)),
        }
    }
}

impl Subject for RowSubject<'_> {
    fn provider(&self) -> Provider {
        match self.row {
            Row::Message(i) => self.store.message(i).provider,
            Row::Event(i) => self.store.event(i).provider,
        }
    }
    fn kind(&self) -> Kind {
        match self.row {
            Row::Message(_) => Kind::Message,
            Row::Event(i) => self.store.event(i).kind,
        }
    }
    fn msg_type(&self) -> Option<MessageType> {
        self.message().and_then(|m| m.msg_type)
    }
    fn chat(&self) -> Option<&ChatId> {
        self.chat_index().map(|c| &self.store.chats().get(c).id)
    }
    fn chat_name(&self) -> Option<&str> {
        self.chat_index().and_then(|c| self.store.chats().name(c))
    }
    fn sender(&self) -> Option<&ChatId> {
        self.message().and_then(|m| m.sender.as_ref())
    }
    fn sender_name(&self) -> Option<&str> {
        self.message().and_then(|m| m.sender_name.as_deref())
    }
    fn from_me(&self) -> bool {
        self.message().is_some_and(|m| m.from_me)
    }
    fn ack(&self) -> Option<Ack> {
        self.message().and_then(|m| m.ack())
    }
    fn message_id(&self) -> Option<&str> {
        self.message().map(|m| m.id.as_str())
    }
    fn text(&self) -> Option<&str> {
        match self.row {
            Row::Message(i) => self.store.message(i).text.as_deref(),
            Row::Event(i) => {
                let e = self.store.event(i);
                e.text()
                    .or(e.error())
                    .or_else(|| self.message().and_then(|m| m.text.as_deref()))
            }
        }
    }
    fn has_flag(&self, flag: Flag) -> bool {
        let Some(m) = self.message() else {
            return match (flag, self.row) {
                (Flag::Duplicate, Row::Event(i)) => self.store.event(i).duplicate,
                (Flag::OutOfOrder, Row::Event(i)) => self.store.event(i).out_of_order,
                _ => false,
            };
        };
        match flag {
            Flag::Edited => m.is_edited(),
            Flag::Deleted => m.deleted,
            Flag::Duplicate => m.duplicates > 0,
            Flag::OutOfOrder => m.out_of_order_count() > 0,
            Flag::Reply => m.reply_to().is_some(),
        }
    }
    fn raw_contains(&self, needle_lower: &str) -> bool {
        match self.row {
            Row::Message(i) => self
                .store
                .message(i)
                .seqs
                .iter()
                .any(|s| self.raw.body_contains(*s, needle_lower)),
            Row::Event(i) => self
                .raw
                .body_contains(self.store.event(i).seq, needle_lower),
        }
    }
}

/// What the view was built for; a change means a rebuild.
#[derive(Debug, Clone, PartialEq, Default)]
struct Basis {
    filter: String,
    chat: Option<usize>,
    raw_events: bool,
}

/// The filtered stream.
#[derive(Debug, Default)]
pub struct StreamView {
    /// Rows that show, in arrival order.
    pub rows: Vec<Row>,
    /// While filtering: matching rows per chat (over all chats, ignoring the chat selection).
    pub chat_hits: HashMap<usize, usize>,
    /// While filtering: every matching row (packed, see [`pack`]) with the chat it was counted
    /// for, so that evicted rows leave `chat_hits` exactly.
    hits: Vec<(u64, u32)>,
    basis: Basis,
    /// The store's row position (or event id, for raw events) to look at next.
    scanned: usize,
}

impl StreamView {
    /// Brings the view up to date; returns how many rows were appended.
    pub fn refresh(
        &mut self,
        store: &Store,
        raw: &RawStore,
        filter: &Filter,
        chat: Option<usize>,
        raw_events: bool,
    ) -> usize {
        let basis = Basis {
            filter: filter.source().to_owned(),
            chat,
            raw_events,
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
            store.event_ids()
        } else {
            store.row_positions()
        };
        let filtering = !filter.is_empty();
        for pos in self.scanned.max(span.start)..span.end {
            let row = if raw_events {
                Row::Event(pos)
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
                self.hits.push((pack(row), c as u32));
            }
            if chat.is_none() || row_chat == chat {
                self.rows.push(row);
            }
        }
        self.scanned = span.end;
        self.rows.len() - before
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
                if let Some(n) = hits.get_mut(&(c as usize)) {
                    *n -= 1;
                    if *n == 0 {
                        hits.remove(&(c as usize));
                    }
                }
            }
            held
        });
    }

    /// Forces a rebuild on the next refresh (rows may have changed in place).
    pub fn invalidate(&mut self) {
        self.basis = Basis {
            filter: "\u{0}".into(),
            ..Basis::default()
        };
    }
}

/// A row in 8 bytes (the hits list is one entry per matching row): the top bit tells events.
fn pack(row: Row) -> u64 {
    match row {
        Row::Message(h) => h as u64,
        Row::Event(id) => id as u64 | 1 << 63,
    }
}

fn unpack(packed: u64) -> Row {
    let i = (packed & !(1 << 63)) as usize;
    if packed >> 63 == 1 {
        Row::Event(i)
    } else {
        Row::Message(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_rows_come_back_whole() {
        for row in [
            Row::Message(0),
            Row::Event(0),
            Row::Message(usize::MAX >> 1),
            Row::Event(123_456_789),
        ] {
            assert_eq!(unpack(pack(row)), row);
        }
    }
}
