//! A stream row seen through the filter's eyes: how the screen's filter (and `wamon replay` /
//! `export --filter`) reads a store row.
//!
//! Core module: pure reads of the store.

use super::{ChatIx, Row, Store};
use crate::filter::{Flag, Subject};
use crate::model::{Ack, ChatId, Kind, MessageType, Provider};

/// Where the bodies of requests are, for a filter's search of raw JSON.
pub trait BodySearch {
    /// Whether request `seq`'s body contains `needle_lower`, ignoring ASCII case.
    fn body_contains(&self, seq: u64, needle_lower: &str) -> bool;
}

/// A stream row seen through the filter's eyes.
pub struct RowSubject<'a> {
    pub store: &'a Store,
    /// Where request bodies are searched (`word` terms over raw JSON).
    pub raw: &'a dyn BodySearch,
    pub row: Row,
}

impl RowSubject<'_> {
    /// The chat the row shows under (a lid chat's phone chat once folded).
    pub fn chat_index(&self) -> Option<ChatIx> {
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
    fn account(&self) -> Option<&str> {
        let i = match self.row {
            Row::Message(i) => self.store.message(i).account,
            Row::Event(i) => self.store.event(i).account,
        };
        self.store.account(i)
    }
    fn kind(&self) -> Kind {
        match self.row {
            Row::Message(_) => Kind::Message,
            Row::Event(i) => self.store.event(i).kind,
        }
    }
    fn has_kind(&self, k: Kind) -> bool {
        match self.row {
            // A message row stands for every event that made or changed its message.
            Row::Message(i) => self.store.message(i).has_kind(k),
            Row::Event(_) => self.kind() == k,
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
        self.message().and_then(|m| self.store.sender_name(m))
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
                (Flag::Duplicate, Row::Event(i)) => self.store.event(i).duplicate(),
                (Flag::OutOfOrder, Row::Event(i)) => self.store.event(i).out_of_order(),
                _ => false,
            };
        };
        match flag {
            Flag::Edited => m.is_edited(),
            Flag::Deleted => m.deleted,
            Flag::Duplicate => m.duplicates > 0,
            Flag::OutOfOrder => m.out_of_order_count() > 0,
            Flag::Reply => m.reply_to().is_some(),
            Flag::Stuck => self.store.is_stuck(m),
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
