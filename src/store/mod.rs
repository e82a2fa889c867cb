//! The store: what a WhatsApp developer expects to see after every webhook so far.
//!
//! [`Store::apply`] folds one normalised [`Event`] into chats and messages and says what it did
//! ([`Outcome`]): the message's ack after applying, whether the event was a duplicate or out of
//! order, the live poll tally. Semantics (see the module docs of [`message`], [`poll`] and
//! [`chats`] for the details):
//! - chats and messages are kept per provider and account ([`Origin`]): the same customer
//!   writing to two sessions is two chats, and lids fold within their account;
//! - messages are keyed by provider, account and bare message id, so WAHA's bare-id references find their
//!   message; the same message seen twice (`message` + `message.any`, retries) is counted, not
//!   doubled;
//! - statuses, reactions, edits, revokes and votes for a message not seen yet are parked and
//!   applied when it arrives — except a status for an unseen *outgoing* message (every message
//!   you send through Meta's API), which makes a placeholder message so its ticks still show
//!   (as do a provider's poll tally and an interactive reply for an unseen prompt); whatever
//!   was parked for it is applied to the placeholder then, in arrival order. A status whose
//!   recipient wamon cannot read (no chat) still makes one, in the `unknown@unknown` stand-in
//!   chat, so every such status shows its state;
//! - every event also becomes an [`EventRow`], so nothing received is ever invisible;
//! - events and messages keep the chat they arrived under; a `@lid` (or Meta `@bsuid`) chat is
//!   folded into its
//!   phone's chat on read (see [`chats`]), so a later pair can move it without rewriting rows.
//!
//! **Memory is bounded** by [`Store::with_max_events`] (`--max-events`): the store holds at most
//! that many events, evicting the oldest (the capture file keeps them). The rule, in full:
//! - events go oldest first, in batches: once the store holds 1/16 more than the cap it evicts
//!   down to the cap, so eviction costs O(1) amortised per event;
//! - a message goes when the last event that touched it goes: a message sent at the start and
//!   acked, reacted to or edited later stays as long as that later event does, ticks, reactions,
//!   poll and history included. An interactive reply touches the prompt it answers, which lists
//!   its request, even when it brings no vote to tally. (A message kept that way is examined
//!   again one cap of events later, so one whose activity then stopped may stay up to that much
//!   longer.)
//! - events parked for a message that never came go with their event;
//! - a chat goes when no held event or message arrived under it and no lid chat is folded into
//!   it;
//! - handles are never reused: a [`Row`] or message handle held elsewhere finds nothing once
//!   evicted (see [`Store::has_row`]); a removed chat's slot is reused, though not before a
//!   consumer that asked for reports was told ([`Store::report_evictions`]). Each kind of
//!   handle has its own type ([`ChatIx`], [`MessageIx`], [`EventIx`]), so one can't be passed
//!   for another;
//! - a later event for an evicted message is treated like one for a message never seen (parked,
//!   or a placeholder for one of ours);
//! - within a message, statuses and request seqs are capped too (see [`message`]), and events
//!   waiting for a message by `MAX_PARKED`.
//!
//! Evictions are counted ([`Counters::evicted_events`], [`Counters::evicted_messages`]). A
//! consumer that keeps its own state about rows and chats (the screen) asks for a report
//! ([`Store::report_evictions`], [`Store::take_evicted`]): the requests nothing held refers to
//! any more, and the chats that went.
//!
//! Core module: pure and synchronous.

mod accounts;
mod apply;
pub mod chats;
mod event_row;
mod evict;
mod handles;
mod index;
pub mod message;
mod parking;
pub mod poll;
mod query;
pub mod subject;
mod table;

use crate::model::{Ack, ChatId, ChatKind, Event, Kind, MessageId, Provider};
use chats::Chats;
use poll::PollTally;
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

pub use chats::Chat;
pub use event_row::EventRow;
use event_row::{pack, NONE_IDX};
pub use evict::Evicted;
pub use handles::{ChatIx, EventIx, EventIxRange, MessageIx};

/// The default `--max-events`: hours of a bot's traffic (a whole day at a few requests a second)
/// in about 100 MB, reached within a quarter of an hour even at 200 requests a second, so a
/// flood levels off instead of eating the laptop. Raise it for more history on screen; the
/// capture file keeps everything either way.
pub const DEFAULT_MAX_EVENTS: usize = 150_000;

/// Upper bound on events waiting for their message, so a stream of orphan acks cannot grow
/// memory without limit. Overflow drops the oldest parked event (O(1) amortised, see
/// [`parking`]) and counts it.
const MAX_PARKED: usize = 50_000;

/// A row of the default stream: a message (updated in place by acks, reactions, edits...) or an
/// event that belongs to no message (session, presence, malformed...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Message(MessageIx),
    Event(EventIx),
}

/// What applying one event did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// The event's chat as shown: a lid's phone once the pair is known.
    pub chat: Option<ChatId>,
    /// That chat's slot in [`Store::chats`] (the shown chat, as `chat` is).
    pub chat_index: Option<ChatIx>,
    /// The message the event created or changed.
    pub message: Option<MessageIx>,
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
    /// Events and messages evicted from memory to stay within the cap.
    pub evicted_events: u64,
    pub evicted_messages: u64,
}

/// Where an event came from: its provider and its account (an index into
/// [`Store::accounts`]). Message ids are unique within one, and so are chats: the same customer
/// writing to two sessions is two chats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Origin {
    pub provider: Provider,
    pub account: u16,
}

type MsgKey = (Origin, String);

#[derive(Debug, Clone)]
struct Parked {
    seq: u64,
    at_ms: i64,
    event: Event,
    row: EventIx,
}

/// All chats, messages and events seen so far (within the cap).
#[derive(Debug, Default, Clone)]
pub struct Store {
    chats: Chats,
    accounts: accounts::Accounts,
    messages: table::MessageTable,
    by_id: index::MessageIndex,
    parking: parking::Parking,
    /// Held events, oldest first; `events[0]` has id `events_base`.
    events: VecDeque<EventRow>,
    events_base: usize,
    /// Event names, shared by the rows that carry them.
    event_names: HashSet<Arc<str>>,
    /// The default stream, oldest first; `rows[0]` is at position `rows_base`.
    rows: VecDeque<Row>,
    rows_base: usize,
    /// Rows at or after this position were never moved by an eviction.
    rows_settled: usize,
    counters: Counters,
    last_seq: u64,
    last_received_ms: i64,
    chat_epoch: u64,
    /// `--max-events`, if any.
    max_events: Option<usize>,
    /// What evictions removed, for a consumer that asked (see [`Store::report_evictions`]).
    evicted: Option<Evicted>,
    /// Messages that took events parked before them: their request lists may name requests
    /// older than the message (kept while reporting, pruned by eviction).
    took_parked: Vec<MessageIx>,
    /// The consumer's clock (the screen's tick), for `is:stuck`; see [`Store::now_ms`].
    clock_ms: i64,
    /// `--stuck-after`, if set (else [`DEFAULT_STUCK_AFTER_MS`]).
    stuck_after_ms: Option<i64>,
}

/// How long an outgoing message may wait for its delivery before `is:stuck` flags it.
pub const DEFAULT_STUCK_AFTER_MS: i64 = 60_000;

fn key(origin: Origin, id: &MessageId) -> MsgKey {
    (origin, id.bare().to_owned())
}

impl Store {
    /// A store without a cap.
    pub fn new() -> Store {
        Store::default()
    }

    /// A store holding at most about `max` events (see the module docs); at least 1.
    pub fn with_max_events(max: usize) -> Store {
        Store {
            max_events: Some(max.max(1)),
            ..Store::default()
        }
    }

    /// Sets the clock `is:stuck` measures against: the screen's tick, never wall time read
    /// here, so a filter gives the same answer for the same inputs.
    pub fn set_clock(&mut self, now_ms: i64) {
        self.clock_ms = now_ms;
    }

    /// The time `is:stuck` is judged at: the clock set, or the latest arrival if that is later
    /// (a store that no screen ticks, `export --filter`, judges at its last request).
    pub fn now_ms(&self) -> i64 {
        self.clock_ms.max(self.last_received_ms)
    }

    /// `--stuck-after`.
    pub fn set_stuck_after(&mut self, ms: i64) {
        self.stuck_after_ms = Some(ms);
    }

    pub fn stuck_after_ms(&self) -> i64 {
        self.stuck_after_ms.unwrap_or(DEFAULT_STUCK_AFTER_MS)
    }

    /// Outgoing, not failed, and still not delivered `--stuck-after` after it was sent.
    pub fn is_stuck(&self, m: &message::Message) -> bool {
        m.is_stuck(self.now_ms(), self.stuck_after_ms())
    }

    /// Counts one received request (a request may carry many events, or none).
    pub fn note_request(&mut self, seq: u64, received_at_ms: i64) {
        self.counters.requests += 1;
        self.last_seq = self.last_seq.max(seq);
        self.last_received_ms = self.last_received_ms.max(received_at_ms);
    }

    /// Notes that request `seq`, whose events were just applied, was answered `status`: its
    /// event rows, and the messages they touched, show it. Nothing to do for a 200.
    pub fn note_answer(&mut self, seq: u64, status: u16) {
        if status == 200 {
            return;
        }
        let mut touched = Vec::new();
        for row in self.events.iter_mut().rev() {
            if row.seq != seq {
                break;
            }
            row.answered = status;
            touched.extend(row.message());
        }
        for h in touched {
            if let Some(m) = self.messages.get_mut(h) {
                m.note_answer(status);
            }
        }
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
        let origin = Origin {
            provider,
            account: self.accounts.intern(ev.account.as_deref()),
        };
        if let Some((lid, phone)) = &ev.lid_map {
            self.learn_lid(lid, phone, origin);
        }
        let chat = ev
            .chat
            .as_ref()
            .map(|c| self.chats.resolve(origin, c).clone());
        let chat_idx = ev
            .chat
            .as_ref()
            .map(|c| self.touch_chat(c, origin, seq, received_at_ms, ev));
        let row = EventIx::new(self.events_base + self.events.len());
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
        if let Some(c) = chat_idx {
            self.chats.get_mut(c).held_events += 1;
        }
        self.events.push_back(EventRow {
            seq,
            received_at_ms,
            event,
            note,
            chat: pack(chat_idx.map(ChatIx::index)),
            message: NONE_IDX,
            answered: 200,
            account: origin.account,
            provider,
            kind: ev.kind,
            status: ev.status,
            flags: if note_is_error {
                event_row::NOTE_IS_ERROR
            } else {
                0
            },
        });
        let mut out = Outcome {
            chat,
            chat_index: chat_idx.map(|c| self.chats.root(c)),
            ..Outcome::default()
        };
        match ev.kind {
            Kind::Message => {
                self.apply_message(origin, seq, received_at_ms, ev, chat_idx, &mut out)
            }
            Kind::Status | Kind::Reaction | Kind::Edit | Kind::Revoke | Kind::PollVote => {
                self.apply_to_target(origin, seq, received_at_ms, ev, chat_idx, row, &mut out)
            }
            _ => self.rows.push_back(Row::Event(row)),
        }
        if let Some(m) = out.message {
            self.touch_message(m);
        }
        let er = self.events.back_mut().expect("pushed above");
        er.message = pack(out.message.map(MessageIx::index));
        er.set(event_row::OUT_OF_ORDER, out.out_of_order);
        er.set(event_row::DUPLICATE, out.duplicate);
        er.set(event_row::PARKED, out.parked);
        if out.duplicate {
            self.counters.duplicates += 1;
        }
        if out.out_of_order {
            self.counters.out_of_order += 1;
        }
        self.evict_if_over();
        out
    }

    /// Notes that the event being applied touched message `h` (see `evict`).
    fn touch_message(&mut self, h: MessageIx) {
        let now = EventIx::new(self.events_base + self.events.len() - 1);
        self.messages.touch(h, now);
    }

    fn learn_lid(&mut self, lid: &ChatId, phone: &ChatId, origin: Origin) {
        // Rows keep the chat they arrived under: folding only changes how chats resolve.
        if self.chats.learn_lid(lid, phone, origin) {
            self.chat_epoch += 1;
        }
    }

    /// The chat `chat` arrived under (its own, a lid included), with its activity and name
    /// brought up to date, and the activity of the chat it is shown under.
    fn touch_chat(
        &mut self,
        chat: &ChatId,
        origin: Origin,
        seq: u64,
        at_ms: i64,
        ev: &Event,
    ) -> ChatIx {
        let i = self.chats.get_or_create(chat, origin);
        let root = self.chats.root(i);
        for j in [i, root] {
            let c = self.chats.get_mut(j);
            if seq >= c.last_seq {
                c.last_seq = seq;
                c.last_activity_ms = at_ms;
            }
        }
        let c = self.chats.get_mut(i);
        if let Some(name) = &ev.chat_name {
            c.name = Some(name.clone());
        } else if matches!(c.kind(), ChatKind::User | ChatKind::Lid | ChatKind::Bsuid)
            && ev.from_me == Some(false)
        {
            // In a one-to-one chat the other party's push name is the chat's name.
            if let Some(n) = &ev.sender_name {
                c.name = Some(n.clone());
            }
        }
        i
    }
}
