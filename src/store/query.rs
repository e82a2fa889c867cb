//! Reading the store: counters, chats, messages by handle or id, events by id, the default
//! stream by position.
//!
//! Event ids, message handles and row positions are absolute and never reused: after an
//! eviction the held ones keep theirs, and the evicted ones find nothing (the `get_*` forms and
//! [`Store::has_row`] say so; the plain forms panic, for callers that know it is held).

use super::chats::Chats;
use super::message::Message;
use super::{
    key, Counters, EventIx, EventIxRange, EventRow, MessageIx, MsgKey, Origin, Row, Store,
};
use crate::model::{ChatKind, MessageId, Provider};
use std::collections::VecDeque;
use std::ops::Range;

impl Store {
    /// The name a message's sender is known by, the one the chat list uses: in a one-to-one
    /// chat the other party is the chat, so its name (which a later message may have taught)
    /// wins over the one this message carried, if any.
    pub fn sender_name<'a>(&'a self, m: &'a Message) -> Option<&'a str> {
        let dm = matches!(
            self.chats.get(m.chat).kind(),
            ChatKind::User | ChatKind::Lid | ChatKind::Bsuid
        );
        let chat_name = if dm && !m.from_me {
            self.chats.name(m.chat)
        } else {
            None
        };
        chat_name.or(m.sender_name.as_deref())
    }

    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// Highest request seq seen.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Arrival time of the latest request (ms), 0 if none.
    pub fn last_received_ms(&self) -> i64 {
        self.last_received_ms
    }

    /// The cap on held events, if any.
    pub fn max_events(&self) -> Option<usize> {
        self.max_events
    }

    pub fn chats(&self) -> &Chats {
        &self.chats
    }

    /// The message with handle `h`, which must be held.
    #[inline]
    pub fn message(&self, h: MessageIx) -> &Message {
        self.messages.get(h).expect("a held message")
    }

    /// The message with handle `h`, unless it was evicted.
    #[inline]
    pub fn get_message(&self, h: MessageIx) -> Option<&Message> {
        self.messages.get(h)
    }

    /// Held messages with their handles, oldest placed first.
    pub fn messages(&self) -> impl ExactSizeIterator<Item = (MessageIx, &Message)> {
        self.messages.iter()
    }

    /// The message with this provider id, if held, in whichever account has it (the first
    /// one seen, when several do).
    pub fn find_message(&self, provider: Provider, id: &str) -> Option<&Message> {
        let id = MessageId::new(id);
        self.accounts.indexes().find_map(|account| {
            self.lookup(&key(Origin { provider, account }, &id))
                .map(|h| self.message(h))
        })
    }

    /// The message with this provider id in `account` (`None`: events naming no account).
    pub fn find_message_in(
        &self,
        provider: Provider,
        account: Option<&str>,
        id: &str,
    ) -> Option<&Message> {
        let account = match account {
            None => 0,
            Some(a) => self.accounts.find(a)?,
        };
        self.lookup(&key(Origin { provider, account }, &MessageId::new(id)))
            .map(|h| self.message(h))
    }

    /// The origin of events from `provider` for `account`, once the store has seen it.
    pub fn origin(&self, provider: Provider, account: Option<&str>) -> Option<Origin> {
        let account = match account {
            None => 0,
            Some(a) => self.accounts.find(a)?,
        };
        Some(Origin { provider, account })
    }

    /// The name of account `i` (of a message, event row or chat); `None` for no account.
    pub fn account(&self, i: u16) -> Option<&str> {
        self.accounts.name(i)
    }

    /// How many distinct accounts were seen.
    pub fn account_count(&self) -> usize {
        self.accounts.len()
    }

    /// The handle of the message under `k`.
    pub(super) fn lookup(&self, k: &MsgKey) -> Option<MessageIx> {
        self.by_id.get(k.0, &k.1, &self.messages)
    }

    /// Event `id`, which must be held.
    #[inline]
    pub fn event(&self, id: EventIx) -> &EventRow {
        &self.events[id.index() - self.events_base]
    }

    /// Event `id`, unless it was evicted.
    #[inline]
    pub fn get_event(&self, id: EventIx) -> Option<&EventRow> {
        self.events.get(id.index().checked_sub(self.events_base)?)
    }

    pub(super) fn event_mut(&mut self, id: EventIx) -> &mut EventRow {
        &mut self.events[id.index() - self.events_base]
    }

    /// Held events, oldest first (event `event_ids().start` first).
    pub fn events(&self) -> &VecDeque<EventRow> {
        &self.events
    }

    /// The ids of the held events.
    pub fn event_ids(&self) -> EventIxRange {
        EventIxRange {
            start: EventIx::new(self.events_base),
            end: EventIx::new(self.events_base + self.events.len()),
        }
    }

    /// Default stream rows, in arrival order (the first at `row_positions().start`).
    pub fn rows(&self) -> &VecDeque<Row> {
        &self.rows
    }

    /// Positions of the default stream's rows. A later row always has a later position; an
    /// eviction renumbers only the rows it kept before [`Store::rows_settled`].
    pub fn row_positions(&self) -> Range<usize> {
        self.rows_base..self.rows_base + self.rows.len()
    }

    /// The row at position `pos` (within [`Store::row_positions`]).
    #[inline]
    pub fn row_at(&self, pos: usize) -> Row {
        self.rows[pos - self.rows_base]
    }

    /// Rows at or after this position kept their positions through every eviction; rows
    /// before it that an eviction kept (messages still in use) were moved up to just before it.
    pub fn rows_settled(&self) -> usize {
        self.rows_settled
    }

    /// Whether `row` is still held.
    #[inline]
    pub fn has_row(&self, row: Row) -> bool {
        match row {
            Row::Message(h) => self.messages.get(h).is_some(),
            Row::Event(id) => self.get_event(id).is_some(),
        }
    }

    /// Changes whenever a lid chat is folded into a phone chat (or re-folded into another):
    /// rows may then show under another chat than before.
    pub fn chat_epoch(&self) -> u64 {
        self.chat_epoch
    }

    /// Events still waiting for their message.
    pub fn parked_count(&self) -> usize {
        self.parking.len()
    }
}
