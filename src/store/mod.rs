//! The store: what a WhatsApp developer expects to see after every webhook so far.
//!
//! [`Store::apply`] folds one normalised [`Event`] into chats and messages and says what it did
//! ([`Outcome`]): the message's ack after applying, whether the event was a duplicate or out of
//! order, the live poll tally. Semantics (see the module docs of [`message`], [`poll`] and
//! [`chats`] for the details):
//! - messages are keyed by provider and bare message id, so WAHA's bare-id references find their
//!   message; the same message seen twice (`message` + `message.any`, retries) is counted, not
//!   doubled;
//! - statuses, reactions, edits, revokes and votes for a message not seen yet are parked and
//!   applied when it arrives — except a status for an unseen *outgoing* message (every message
//!   you send through Meta's API), which makes a placeholder message so its ticks still show
//!   (as do a provider's poll tally and an interactive reply for an unseen prompt); whatever
//!   was parked for it is applied to the placeholder then, in arrival order;
//! - every event also becomes an [`EventRow`], so nothing received is ever invisible;
//! - events and messages keep the chat they arrived under; a `@lid` chat is folded into its
//!   phone's chat on read (see [`chats`]), so a later pair can move it without rewriting rows.
//!
//! Core module: pure and synchronous.

mod apply;
pub mod chats;
mod event_row;
mod index;
pub mod message;
mod parking;
pub mod poll;

use crate::model::{Ack, ChatId, ChatKind, Event, Kind, MessageId, Provider};
use chats::Chats;
use message::Message;
use poll::PollTally;
use std::collections::HashSet;
use std::sync::Arc;

pub use chats::Chat;
pub use event_row::EventRow;
use event_row::{pack, NONE_IDX};

/// Upper bound on events waiting for their message, so a stream of orphan acks cannot grow
/// memory without limit. Overflow drops the oldest parked event (O(1) amortised, see
/// [`parking`]) and counts it.
const MAX_PARKED: usize = 50_000;

/// A row of the default stream: a message (updated in place by acks, reactions, edits...) or an
/// event that belongs to no message (session, presence, malformed...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Message(usize),
    Event(usize),
}

/// What applying one event did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// The event's chat as shown: a lid's phone once the pair is known.
    pub chat: Option<ChatId>,
    /// The message the event created or changed.
    pub message: Option<usize>,
    /// That message's state after applying.
    pub ack: Option<Ack>,
    pub out_of_order: bool,
    pub duplicate: bool,
    /// Waiting for its message.
    pub parked: bool,
    /// The poll (or interactive prompt) tally after applying.
    pub poll: Option<PollTally>,
    /// A summary of the message a reaction, edit, revoke or vote refers to.
    pub target_text: Option<String>,
}

/// Counters shown in the status bar.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    pub events: u64,
    pub requests: u64,
    pub malformed: u64,
    pub rejected: u64,
    pub unknown: u64,
    pub duplicates: u64,
    pub out_of_order: u64,
    pub parked_dropped: u64,
}

type MsgKey = (Provider, String);

#[derive(Debug, Clone)]
struct Parked {
    seq: u64,
    at_ms: i64,
    event: Event,
    row: usize,
}

/// All chats, messages and events seen so far.
#[derive(Debug, Default, Clone)]
pub struct Store {
    chats: Chats,
    messages: Vec<Message>,
    by_id: index::MessageIndex,
    parking: parking::Parking,
    events: Vec<EventRow>,
    /// Event names, shared by the rows that carry them.
    event_names: HashSet<Arc<str>>,
    rows: Vec<Row>,
    counters: Counters,
    last_seq: u64,
    last_received_ms: i64,
    chat_epoch: u64,
}

fn key(provider: Provider, id: &MessageId) -> MsgKey {
    (provider, id.bare().to_owned())
}

impl Store {
    pub fn new() -> Store {
        Store::default()
    }

    /// Counts one received request (a request may carry many events, or none).
    pub fn note_request(&mut self, seq: u64, received_at_ms: i64) {
        self.counters.requests += 1;
        self.last_seq = self.last_seq.max(seq);
        self.last_received_ms = self.last_received_ms.max(received_at_ms);
    }

    /// Applies one event from request `seq`, received at `received_at_ms`.
    pub fn apply(
        &mut self,
        provider: Provider,
        seq: u64,
        received_at_ms: i64,
        ev: &Event,
    ) -> Outcome {
        self.counters.events += 1;
        match ev.kind {
            Kind::Malformed => self.counters.malformed += 1,
            Kind::Rejected => self.counters.rejected += 1,
            Kind::Unknown => self.counters.unknown += 1,
            _ => {}
        }
        if let Some((lid, phone)) = &ev.lid_map {
            self.learn_lid(lid, phone, provider);
        }
        let chat = ev.chat.as_ref().map(|c| self.chats.resolve(c).clone());
        let chat_idx = ev
            .chat
            .as_ref()
            .map(|c| self.touch_chat(c, provider, seq, received_at_ms, ev));
        let row = self.events.len();
        let event = match self.event_names.get(ev.event.as_str()) {
            Some(name) => name.clone(),
            None => {
                let name: Arc<str> = Arc::from(ev.event.as_str());
                self.event_names.insert(name.clone());
                name
            }
        };
        // Message and edit texts live on the message; keep only what nothing else holds.
        let (note, note_is_error) = match (&ev.error, ev.kind) {
            (Some(e), _) => (Some(e.as_str().into()), true),
            (None, Kind::Message | Kind::Edit) => (None, false),
            (None, _) => (ev.text.as_deref().map(Box::from), false),
        };
        self.events.push(EventRow {
            seq,
            received_at_ms,
            event,
            note,
            chat: pack(chat_idx),
            message: NONE_IDX,
            provider,
            kind: ev.kind,
            note_is_error,
            out_of_order: false,
            duplicate: false,
            parked: false,
        });
        let mut out = Outcome {
            chat,
            ..Outcome::default()
        };
        match ev.kind {
            Kind::Message => {
                self.apply_message(provider, seq, received_at_ms, ev, chat_idx, &mut out)
            }
            Kind::Status | Kind::Reaction | Kind::Edit | Kind::Revoke | Kind::PollVote => {
                self.apply_to_target(provider, seq, received_at_ms, ev, chat_idx, row, &mut out)
            }
            _ => self.rows.push(Row::Event(row)),
        }
        let er = &mut self.events[row];
        er.message = pack(out.message);
        er.out_of_order = out.out_of_order;
        er.duplicate = out.duplicate;
        er.parked = out.parked;
        if out.duplicate {
            self.counters.duplicates += 1;
        }
        if out.out_of_order {
            self.counters.out_of_order += 1;
        }
        out
    }

    fn learn_lid(&mut self, lid: &ChatId, phone: &ChatId, provider: Provider) {
        // Rows keep the chat they arrived under: folding only changes how chats resolve.
        if self.chats.learn_lid(lid, phone, provider) {
            self.chat_epoch += 1;
        }
    }

    /// The chat `chat` arrived under (its own, a lid included), with its activity and name
    /// brought up to date, and the activity of the chat it is shown under.
    fn touch_chat(
        &mut self,
        chat: &ChatId,
        provider: Provider,
        seq: u64,
        at_ms: i64,
        ev: &Event,
    ) -> usize {
        let i = self.chats.get_or_create(chat, provider);
        let root = self.chats.root(i);
        for j in [i, root] {
            let c = self.chats.get_mut(j);
            c.provider = provider;
            if seq >= c.last_seq {
                c.last_seq = seq;
                c.last_activity_ms = at_ms;
            }
        }
        let c = self.chats.get_mut(i);
        if let Some(name) = &ev.chat_name {
            c.name = Some(name.clone());
        } else if matches!(c.kind(), ChatKind::User | ChatKind::Lid) && ev.from_me == Some(false) {
            // In a one-to-one chat the other party's push name is the chat's name.
            if let Some(n) = &ev.sender_name {
                c.name = Some(n.clone());
            }
        }
        i
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

    pub fn chats(&self) -> &Chats {
        &self.chats
    }

    pub fn message(&self, i: usize) -> &Message {
        &self.messages[i]
    }

    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// The message with this provider id, if seen.
    pub fn find_message(&self, provider: Provider, id: &str) -> Option<&Message> {
        self.lookup(&key(provider, &MessageId::new(id)))
            .map(|i| &self.messages[i])
    }

    /// The index of the message under `k`.
    fn lookup(&self, k: &MsgKey) -> Option<usize> {
        self.by_id.get(k.0, &k.1, &self.messages)
    }

    pub fn event(&self, i: usize) -> &EventRow {
        &self.events[i]
    }

    pub fn events(&self) -> &[EventRow] {
        &self.events
    }

    /// Default stream rows, in arrival order.
    pub fn rows(&self) -> &[Row] {
        &self.rows
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
