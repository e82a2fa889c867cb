//! The per-event row of the store: one per received event, a million of them is normal, so
//! it is kept to 64 bytes (its four flags share a byte, which leaves room for the account).

use super::{ChatIx, MessageIx};
use crate::model::{Ack, Kind, Provider};
use std::sync::Arc;

/// One received event, as a row of the "every raw event" stream and the key to its request.
///
/// Kept small (one per event, a million of them is normal): the event name is shared between
/// rows, a message's text lives on the message only, and indexes are 32-bit.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub seq: u64,
    pub received_at_ms: i64,
    /// The provider's event name, shared by every row with that name.
    pub event: Arc<str>,
    /// The event's own text (session state, presence, ...) or its error.
    pub(super) note: Option<Box<str>>,
    pub(super) chat: u32,
    pub(super) message: u32,
    /// The HTTP status wamon answered its request with (200 unless told otherwise by
    /// [`Store::note_answer`](super::Store::note_answer)); fits in the row's padding.
    pub answered: u16,
    /// The account it arrived for (index into the store's accounts, see
    /// [`Store::account`](super::Store::account)).
    pub(super) account: u16,
    pub provider: Provider,
    pub kind: Kind,
    /// The status it carries (a status event, or a message event that says its ack), so a raw
    /// row can show which one it was.
    pub status: Option<Ack>,
    /// [`NOTE_IS_ERROR`], [`OUT_OF_ORDER`], [`DUPLICATE`], [`PARKED`].
    pub(super) flags: u8,
}

/// The note is an error, not a summary.
pub(super) const NOTE_IS_ERROR: u8 = 1;
/// A status that would step back, or a vote older than the voter's last.
pub(super) const OUT_OF_ORDER: u8 = 2;
/// The same event seen again.
pub(super) const DUPLICATE: u8 = 4;
/// Waiting for a message not seen yet.
pub(super) const PARKED: u8 = 8;

/// No chat or message. Message handles are never reused, so a run making more than four billion
/// messages would leave the newest events without their link (the message keeps its own row).
pub(super) const NONE_IDX: u32 = u32::MAX;

pub(super) fn pack(i: Option<usize>) -> u32 {
    i.map_or(NONE_IDX, |i| u32::try_from(i).unwrap_or(NONE_IDX))
}

fn unpack(i: u32) -> Option<usize> {
    (i != NONE_IDX).then_some(i as usize)
}

impl EventRow {
    /// The chat it arrived under (a slot in [`Store::chats`](super::Store::chats)).
    pub fn chat(&self) -> Option<ChatIx> {
        unpack(self.chat).map(ChatIx::new)
    }

    /// The message this event created or changed (its handle, see
    /// [`Store::message`](super::Store::message)).
    pub fn message(&self) -> Option<MessageIx> {
        unpack(self.message).map(MessageIx::new)
    }

    /// The account it arrived for, as an index: see [`Store::account`](super::Store::account).
    pub fn account(&self) -> u16 {
        self.account
    }

    /// The event's own summary text; for message events see the message.
    pub fn text(&self) -> Option<&str> {
        self.note.as_deref().filter(|_| !self.has(NOTE_IS_ERROR))
    }

    /// What went wrong (parse error, rejection, delivery failure).
    pub fn error(&self) -> Option<&str> {
        self.note.as_deref().filter(|_| self.has(NOTE_IS_ERROR))
    }

    /// A status that would step back (recorded, not applied), or a vote older than the
    /// voter's last.
    pub fn out_of_order(&self) -> bool {
        self.has(OUT_OF_ORDER)
    }

    /// The same event seen again: counted, not doubled.
    pub fn duplicate(&self) -> bool {
        self.has(DUPLICATE)
    }

    /// Waiting for a message not seen yet.
    pub fn parked(&self) -> bool {
        self.has(PARKED)
    }

    fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// Sets or clears `flag`.
    pub(super) fn set(&mut self, flag: u8, on: bool) {
        if on {
            self.flags |= flag;
        } else {
            self.flags &= !flag;
        }
    }
}
