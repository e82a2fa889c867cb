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
//!   you send through Meta's API), which makes a placeholder message so its ticks still show;
//! - every event also becomes an [`EventRow`], so nothing received is ever invisible.
//!
//! Core module: pure and synchronous.

pub mod chats;
pub mod message;
pub mod poll;

use crate::model::{Ack, ChatId, ChatKind, Event, Kind, MessageId, MessageType, Provider};
use chats::Chats;
use message::{AckOutcome, Message, Tick};
use poll::{PollState, PollTally, VoteOutcome};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

pub use chats::Chat;

/// Upper bound on events waiting for their message, so a stream of orphan acks cannot grow
/// memory without limit. Overflow drops the oldest parked event and counts it.
const MAX_PARKED: usize = 50_000;

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
    note: Option<Box<str>>,
    chat: u32,
    message: u32,
    pub provider: Provider,
    pub kind: Kind,
    note_is_error: bool,
    pub out_of_order: bool,
    pub duplicate: bool,
    /// Waiting for a message not seen yet.
    pub parked: bool,
}

const NONE_IDX: u32 = u32::MAX;

fn pack(i: Option<usize>) -> u32 {
    i.map_or(NONE_IDX, |i| u32::try_from(i).unwrap_or(NONE_IDX))
}

fn unpack(i: u32) -> Option<usize> {
    (i != NONE_IDX).then_some(i as usize)
}

impl EventRow {
    /// The chat (index into [`Store::chats`]).
    pub fn chat(&self) -> Option<usize> {
        unpack(self.chat)
    }

    /// The message this event created or changed (index into [`Store::messages`]).
    pub fn message(&self) -> Option<usize> {
        unpack(self.message)
    }

    /// The event's own summary text; for message events see the message.
    pub fn text(&self) -> Option<&str> {
        self.note.as_deref().filter(|_| !self.note_is_error)
    }

    /// What went wrong (parse error, rejection, delivery failure).
    pub fn error(&self) -> Option<&str> {
        self.note.as_deref().filter(|_| self.note_is_error)
    }
}

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
    /// The event's chat after lid merges.
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
    by_id: HashMap<MsgKey, usize>,
    parked: HashMap<MsgKey, Vec<Parked>>,
    parked_len: usize,
    events: Vec<EventRow>,
    /// Event names, shared by the rows that carry them.
    event_names: HashSet<Arc<str>>,
    rows: Vec<Row>,
    counters: Counters,
    last_seq: u64,
    last_received_ms: i64,
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
        let chat_idx = chat
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
        if let Some((from, into)) = self.chats.learn_lid(lid, phone, provider) {
            for m in &mut self.messages {
                if m.chat == from {
                    m.chat = into;
                }
            }
            for e in &mut self.events {
                if e.chat() == Some(from) {
                    e.chat = pack(Some(into));
                }
            }
        }
    }

    fn touch_chat(
        &mut self,
        chat: &ChatId,
        provider: Provider,
        seq: u64,
        at_ms: i64,
        ev: &Event,
    ) -> usize {
        let i = self.chats.get_or_create(chat, provider);
        let c = self.chats.get_mut(i);
        c.provider = provider;
        if seq >= c.last_seq {
            c.last_seq = seq;
            c.last_activity_ms = at_ms;
        }
        if let Some(name) = &ev.chat_name {
            c.name = Some(name.clone());
        } else if c.kind() == ChatKind::User && ev.from_me == Some(false) {
            // In a one-to-one chat the other party's push name is the chat's name.
            if let Some(n) = &ev.sender_name {
                c.name = Some(n.clone());
            }
        }
        i
    }

    fn apply_message(
        &mut self,
        provider: Provider,
        seq: u64,
        at_ms: i64,
        ev: &Event,
        chat_idx: Option<usize>,
        out: &mut Outcome,
    ) {
        let Some(id) = &ev.message_id else {
            // A message without an id cannot be referenced; it is still a row.
            let i = self.create_message(
                provider,
                MessageId::new(format!("#{seq}")),
                chat_idx,
                seq,
                at_ms,
            );
            let prompt = self.fill_message(i, ev, seq, at_ms);
            self.finish_message_outcome(i, prompt, out);
            return;
        };
        let k = key(provider, id);
        let mut prompt = None;
        let i = match self.by_id.get(&k) {
            Some(&i) if !self.messages[i].placeholder => {
                let m = &mut self.messages[i];
                m.duplicates += 1;
                m.seqs.push(seq);
                out.duplicate = true;
                // A duplicate may still carry a newer ack (message.any after message).
                if let Some(ack) = ev.status {
                    m.note_initial_ack(
                        ack,
                        seq,
                        at_ms,
                        ev.status_label.as_deref().unwrap_or(ack.as_str()),
                    );
                }
                i
            }
            Some(&i) => {
                self.messages[i].placeholder = false;
                self.messages[i].seqs.push(seq);
                prompt = self.fill_message(i, ev, seq, at_ms);
                i
            }
            None => {
                let i = self.create_message(provider, id.clone(), chat_idx, seq, at_ms);
                prompt = self.fill_message(i, ev, seq, at_ms);
                i
            }
        };
        self.unpark(&k);
        self.finish_message_outcome(i, prompt, out);
    }

    /// The outcome of a message event: its state, and the tally it carries (its own poll, or
    /// the prompt an interactive reply answered).
    fn finish_message_outcome(&self, i: usize, prompt: Option<usize>, out: &mut Outcome) {
        let m = &self.messages[i];
        out.message = Some(i);
        out.ack = m.ack();
        out.poll = prompt
            .map(|p| &self.messages[p])
            .unwrap_or(m)
            .poll
            .as_ref()
            .map(|p| p.tally());
    }

    fn create_message(
        &mut self,
        provider: Provider,
        id: MessageId,
        chat_idx: Option<usize>,
        seq: u64,
        at_ms: i64,
    ) -> usize {
        let chat = match chat_idx {
            Some(c) => c,
            // Messages always live in a chat; an id-less chat gets a visible stand-in.
            None => self.chats.get_or_create(
                &ChatId::parse("unknown@unknown").expect("non-empty"),
                provider,
            ),
        };
        let i = self.messages.len();
        self.by_id.insert(key(provider, &id), i);
        self.messages
            .push(Message::new(provider, id, chat, seq, at_ms));
        self.chats.get_mut(chat).messages.push(i);
        self.rows.push(Row::Message(i));
        i
    }

    /// Fills message `i` from `ev`; returns the prompt an interactive reply answered.
    fn fill_message(&mut self, i: usize, ev: &Event, seq: u64, at_ms: i64) -> Option<usize> {
        let m = &mut self.messages[i];
        m.sender = ev.sender.clone().or(m.sender.take());
        m.sender_name = ev.sender_name.clone().or(m.sender_name.take());
        m.from_me = ev.from_me.unwrap_or(m.from_me);
        m.msg_type = ev.msg_type.or(m.msg_type);
        m.text = ev.text.clone().or(m.text.take());
        m.media = ev.media.clone().map(Box::new).or(m.media.take());
        m.timestamp_ms = ev.timestamp_ms.or(m.timestamp_ms);
        if let Some(r) = &ev.reply_to {
            m.set_reply_to(r.clone());
        }
        if let Some(def) = &ev.poll {
            match &mut m.poll {
                Some(p) => p.define(def),
                None => m.poll = Some(Box::new(PollState::from_def(def))),
            }
        }
        if let Some(ack) = ev.status {
            if m.from_me {
                let label = ev
                    .status_label
                    .as_deref()
                    .unwrap_or(ack.as_str())
                    .to_owned();
                m.note_initial_ack(ack, seq, at_ms, &label);
            }
        }
        let (chat, provider) = (m.chat, m.provider);
        if let Some(reply) = &ev.interactive {
            // The prompt being answered gets the tally; the reply itself stays a message.
            let prompt = reply.prompt.clone();
            let voter = ev.sender.clone().or_else(|| ev.chat.clone());
            let pi = match self.by_id.get(&key(provider, &prompt)) {
                Some(&pi) => pi,
                None => {
                    let pi = self.create_message(provider, prompt, Some(chat), seq, at_ms);
                    let pm = &mut self.messages[pi];
                    pm.placeholder = true;
                    pm.from_me = true;
                    pm.msg_type = Some(MessageType::Interactive);
                    pi
                }
            };
            if let Some(voter) = voter {
                let p = self.messages[pi].poll.get_or_insert_with(Default::default);
                p.set_question("interactive prompt");
                p.reply(voter, &reply.option_id, &reply.title, ev.timestamp_ms);
            }
            return Some(pi);
        }
        None
    }

    #[allow(clippy::too_many_arguments)]
    fn apply_to_target(
        &mut self,
        provider: Provider,
        seq: u64,
        at_ms: i64,
        ev: &Event,
        chat_idx: Option<usize>,
        row: usize,
        out: &mut Outcome,
    ) {
        let target = if ev.kind == Kind::Status {
            ev.message_id.as_ref().or(ev.target.as_ref())
        } else {
            ev.target.as_ref().or(ev.vote.as_ref().map(|v| &v.poll))
        };
        let target = target.or(ev.poll_snapshot.as_ref().map(|s| &s.poll));
        let Some(target) = target else {
            // Nothing to attach to: show it on its own.
            self.rows.push(Row::Event(row));
            return;
        };
        let k = key(provider, target);
        let i = match self.by_id.get(&k) {
            Some(&i) => i,
            None => {
                let outgoing_status = ev.kind == Kind::Status && ev.from_me != Some(false);
                let snapshot = ev.poll_snapshot.is_some();
                if (outgoing_status || snapshot) && chat_idx.is_some() {
                    let i = self.create_message(provider, target.clone(), chat_idx, seq, at_ms);
                    let m = &mut self.messages[i];
                    m.placeholder = true;
                    m.from_me = true;
                    i
                } else {
                    self.park(
                        k,
                        Parked {
                            seq,
                            at_ms,
                            event: ev.clone(),
                            row,
                        },
                    );
                    out.parked = true;
                    return;
                }
            }
        };
        self.apply_to_message(i, seq, at_ms, ev, out);
    }

    fn apply_to_message(&mut self, i: usize, seq: u64, at_ms: i64, ev: &Event, out: &mut Outcome) {
        let m = &mut self.messages[i];
        m.seqs.push(seq);
        out.message = Some(i);
        out.target_text = Some(m.summary());
        match ev.kind {
            Kind::Status => {
                let outcome = m.apply_ack(Tick {
                    seq,
                    at_ms,
                    label: ev
                        .status_label
                        .as_deref()
                        .or(ev.status.map(Ack::as_str))
                        .unwrap_or("unknown")
                        .into(),
                    ack: ev.status,
                    out_of_order: false,
                    repeated: false,
                    participant: ev.participant.clone(),
                    error: ev.error.clone(),
                });
                out.out_of_order = outcome == AckOutcome::OutOfOrder;
                out.duplicate = outcome == AckOutcome::Repeated;
            }
            Kind::Reaction => {
                let reactor = match (&ev.sender, ev.from_me) {
                    (_, Some(true)) => "me".to_owned(),
                    (Some(s), _) => s.as_str().to_owned(),
                    (None, _) => ev
                        .chat
                        .as_ref()
                        .map_or("?".into(), |c| c.as_str().to_owned()),
                };
                m.react(reactor, ev.emoji.as_deref().unwrap_or(""));
            }
            Kind::Edit => {
                if m.text == ev.text && ev.text.is_some() {
                    out.duplicate = true;
                } else {
                    m.edit(ev.text.clone());
                    if let Some(t) = ev.msg_type {
                        m.msg_type = Some(t);
                    }
                }
            }
            Kind::Revoke => {
                out.duplicate = m.deleted;
                m.deleted = true;
            }
            Kind::PollVote => {
                let p = m.poll.get_or_insert_with(Default::default);
                if let Some(snap) = &ev.poll_snapshot {
                    if p.apply_snapshot(snap) == VoteOutcome::Stale {
                        out.out_of_order = true;
                    }
                } else if let Some(vote) = &ev.vote {
                    let voter = self.chats.resolve(&vote.voter).clone();
                    if p.vote(vote, voter) == VoteOutcome::Stale {
                        out.out_of_order = true;
                    }
                }
                out.poll = Some(p.tally());
            }
            _ => {}
        }
        let m = &self.messages[i];
        out.ack = m.ack();
        if out.poll.is_none() {
            out.poll = m.poll.as_ref().map(|p| p.tally());
        }
    }

    fn park(&mut self, k: MsgKey, p: Parked) {
        if self.parked_len >= MAX_PARKED {
            // Drop the oldest parked event (the capture file still has it).
            if let Some(oldest) = self
                .parked
                .iter()
                .filter_map(|(k, v)| v.first().map(|p| (p.seq, k.clone())))
                .min()
            {
                if let Some(v) = self.parked.get_mut(&oldest.1) {
                    v.remove(0);
                    if v.is_empty() {
                        self.parked.remove(&oldest.1);
                    }
                }
                self.parked_len -= 1;
                self.counters.parked_dropped += 1;
            }
        }
        self.parked.entry(k).or_default().push(p);
        self.parked_len += 1;
    }

    fn unpark(&mut self, k: &MsgKey) {
        let Some(waiting) = self.parked.remove(k) else {
            return;
        };
        self.parked_len -= waiting.len();
        let Some(&i) = self.by_id.get(k) else {
            return;
        };
        for p in waiting {
            let mut out = Outcome::default();
            self.apply_to_message(i, p.seq, p.at_ms, &p.event, &mut out);
            let row = &mut self.events[p.row];
            row.parked = false;
            row.message = pack(Some(i));
            row.out_of_order = out.out_of_order;
        }
    }

    // ---- queries -------------------------------------------------------------------------

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
        self.by_id
            .get(&(provider, crate::model::bare_message_id(id).to_owned()))
            .map(|&i| &self.messages[i])
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

    /// Events still waiting for their message.
    pub fn parked_count(&self) -> usize {
        self.parked_len
    }
}
