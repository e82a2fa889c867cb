//! How each kind of event changes the store: messages are created or filled in (duplicates
//! counted), and statuses, reactions, edits, revokes and votes are applied to their target
//! message — or parked until it arrives, or given a placeholder when it is one of ours.

use super::message::{AckOutcome, Message, Tick};
use super::poll::{PollState, VoteOutcome};
use super::{
    event_row, key, pack, ChatIx, EventIx, MessageIx, MsgKey, Origin, Outcome, Parked, Row, Store,
    MAX_PARKED,
};
use crate::model::{Ack, ChatId, Event, Kind, MessageId, MessageType};

impl Store {
    pub(super) fn apply_message(
        &mut self,
        origin: Origin,
        seq: u64,
        at_ms: i64,
        ev: &Event,
        chat_idx: Option<ChatIx>,
        out: &mut Outcome,
    ) {
        let Some(id) = &ev.message_id else {
            // A message without an id cannot be referenced; it is still a row.
            let i = self.create_message(
                origin,
                MessageId::new(format!("#{seq}")),
                chat_idx,
                seq,
                at_ms,
            );
            self.msg_mut(i).note_kind(ev.kind);
            let prompt = self.fill_message(i, ev, seq, at_ms);
            self.finish_message_outcome(i, prompt, out);
            return;
        };
        let k = key(origin, id);
        let mut prompt = None;
        let i = match self.lookup(&k) {
            Some(i) if !self.message(i).placeholder => {
                let m = self.msg_mut(i);
                m.duplicates += 1;
                m.note_request(seq);
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
            Some(i) => {
                let m = self.msg_mut(i);
                m.placeholder = false;
                m.note_request(seq);
                // Edits that reached the placeholder first are newer than the text the message
                // itself brings, which must not overwrite them.
                let edited = m.is_edited().then(|| m.text.take());
                prompt = self.fill_message(i, ev, seq, at_ms);
                if let Some(latest) = edited {
                    self.msg_mut(i).original_arrived_after_edits(latest);
                }
                i
            }
            None => {
                let i = self.create_message(origin, id.clone(), chat_idx, seq, at_ms);
                prompt = self.fill_message(i, ev, seq, at_ms);
                i
            }
        };
        self.msg_mut(i).note_kind(ev.kind);
        self.unpark(&k);
        self.finish_message_outcome(i, prompt, out);
    }

    /// The outcome of a message event: its state, and the tally it carries (its own poll, or
    /// the prompt an interactive reply answered).
    fn finish_message_outcome(&self, i: MessageIx, prompt: Option<MessageIx>, out: &mut Outcome) {
        let m = self.message(i);
        out.message = Some(i);
        out.ack = m.ack();
        out.poll = prompt
            .map(|p| self.message(p))
            .unwrap_or(m)
            .poll
            .as_ref()
            .map(|p| p.tally());
    }

    fn create_message(
        &mut self,
        origin: Origin,
        id: MessageId,
        chat_idx: Option<ChatIx>,
        seq: u64,
        at_ms: i64,
    ) -> MessageIx {
        let chat = match chat_idx {
            Some(c) => c,
            // Messages always live in a chat; an id-less chat gets a visible stand-in.
            None => self.chats.get_or_create(
                &ChatId::parse("unknown@unknown").expect("non-empty"),
                origin,
            ),
        };
        let bare = id.bare().to_owned();
        let mut m = Message::new(origin.provider, id, chat, seq, at_ms);
        m.account = origin.account;
        let i = self
            .messages
            .push(m, EventIx::new(self.events_base + self.events.len() - 1));
        self.by_id.insert(origin, &bare, i);
        let c = self.chats.get_mut(chat);
        c.received += 1;
        c.held_messages += 1;
        self.rows.push_back(Row::Message(i));
        i
    }

    /// Fills message `i` from `ev`; returns the prompt an interactive reply answered.
    fn fill_message(
        &mut self,
        i: MessageIx,
        ev: &Event,
        seq: u64,
        at_ms: i64,
    ) -> Option<MessageIx> {
        let m = self.msg_mut(i);
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
        let (chat, origin) = (m.chat, m.origin());
        if let Some(reply) = &ev.interactive {
            // The prompt being answered gets the tally; the reply itself stays a message.
            let prompt = reply.prompt.clone();
            let voter = ev.sender.clone().or_else(|| ev.chat.clone());
            let pi = match self.lookup(&key(origin, &prompt)) {
                Some(pi) => {
                    // The answer is one of the requests that tell the prompt's story.
                    self.msg_mut(pi).note_request(seq);
                    pi
                }
                None => {
                    let pi = self.placeholder(origin, prompt, Some(chat), seq, at_ms);
                    self.msg_mut(pi).msg_type = Some(MessageType::Interactive);
                    pi
                }
            };
            // The prompt lists this request (noted above, or as a new placeholder's first)
            // whether or not there is a vote to tally (a reply whose sender can't be read has no
            // voter), so it must stay as long as this event does: eviction reports the requests
            // of a message that goes as forgettable, and one whose event is still held must not
            // be (the screen would drop the body of a row it shows).
            self.touch_message(pi);
            if let Some(voter) = voter {
                let p = self.msg_mut(pi).poll.get_or_insert_with(Default::default);
                p.set_question("interactive prompt");
                p.reply(voter, &reply.option_id, &reply.title, ev.timestamp_ms);
            }
            return Some(pi);
        }
        None
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn apply_to_target(
        &mut self,
        origin: Origin,
        seq: u64,
        at_ms: i64,
        ev: &Event,
        chat_idx: Option<ChatIx>,
        row: EventIx,
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
            self.rows.push_back(Row::Event(row));
            return;
        };
        let k = key(origin, target);
        let i = match self.lookup(&k) {
            Some(i) => i,
            None => {
                let outgoing_status = ev.kind == Kind::Status && ev.from_me != Some(false);
                let snapshot = ev.poll_snapshot.is_some();
                if outgoing_status || snapshot {
                    // Whatever identity it carries: one without a chat (a status naming its
                    // recipient by an id wamon cannot read) goes to the stand-in chat, so its
                    // state still shows rather than waiting for a message that never comes.
                    self.placeholder(origin, target.clone(), chat_idx, seq, at_ms)
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

    /// A stand-in for one of our messages not seen yet (its ticks or tally arrived first).
    /// Events parked for it are applied to it now, in arrival order, before the event that made
    /// it: for Meta our own messages never arrive, so they would otherwise wait forever, and
    /// later events applied to the stand-in would be overtaken by them when the message came.
    fn placeholder(
        &mut self,
        origin: Origin,
        id: MessageId,
        chat: Option<ChatIx>,
        seq: u64,
        at_ms: i64,
    ) -> MessageIx {
        let k = key(origin, &id);
        let i = self.create_message(origin, id, chat, seq, at_ms);
        let m = self.msg_mut(i);
        m.placeholder = true;
        m.from_me = true;
        self.unpark(&k);
        i
    }

    fn apply_to_message(
        &mut self,
        i: MessageIx,
        seq: u64,
        at_ms: i64,
        ev: &Event,
        out: &mut Outcome,
    ) {
        // The table field alone, so the chat table stays readable below (vote resolution).
        let m = self.messages.get_mut(i).expect("a held message");
        m.note_request(seq);
        m.note_kind(ev.kind);
        let origin = m.origin();
        out.message = Some(i);
        out.target_text = Some(m.summary().into_owned());
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
                    provider_ms: ev.timestamp_ms,
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
                    let voter = self.chats.resolve(origin, &vote.voter).clone();
                    if p.vote(vote, voter) == VoteOutcome::Stale {
                        out.out_of_order = true;
                    }
                }
                out.poll = Some(p.tally());
            }
            _ => {}
        }
        let m = self.message(i);
        out.ack = m.ack();
        if out.poll.is_none() {
            out.poll = m.poll.as_ref().map(|p| p.tally());
        }
    }

    fn park(&mut self, k: MsgKey, p: Parked) {
        if self.parking.len() >= MAX_PARKED && self.parking.pop_oldest().is_some() {
            // The oldest waiting event gives up (the capture file still has it): its row stays
            // marked parked, since it was never applied.
            self.counters.parked_dropped += 1;
        }
        self.parking.park(k, p);
    }

    fn unpark(&mut self, k: &MsgKey) {
        let Some(waiting) = self.parking.take(k) else {
            return;
        };
        let Some(i) = self.lookup(k) else {
            return;
        };
        let reporting = self.evicted.is_some() && self.max_events.is_some();
        if reporting && self.took_parked.last() != Some(&i) {
            self.took_parked.push(i);
        }
        for p in waiting {
            let mut out = Outcome::default();
            self.apply_to_message(i, p.seq, p.at_ms, &p.event, &mut out);
            let row = self.event_mut(p.row);
            row.set(event_row::PARKED, false);
            row.message = pack(Some(i.index()));
            row.set(event_row::OUT_OF_ORDER, out.out_of_order);
        }
    }

    fn msg_mut(&mut self, h: MessageIx) -> &mut Message {
        self.messages.get_mut(h).expect("a held message")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ChatId, Provider};

    fn reaction(target: &str, emoji: &str) -> Event {
        let mut ev = Event::new(Kind::Reaction, "reaction");
        ev.chat = ChatId::parse("5511988881111@c.us");
        ev.from_me = Some(false);
        ev.target = Some(MessageId::new(target));
        ev.emoji = Some(emoji.into());
        ev
    }

    /// Past the cap, the oldest parked event gives up (counted) and the rest still apply.
    #[test]
    fn parking_overflow_drops_the_oldest_waiting_event() {
        let mut s = Store::new();
        s.apply(Provider::Meta, 1, 0, &reaction("A", "👍"));
        s.apply(Provider::Meta, 2, 0, &reaction("B", "❤️"));
        for i in 0..MAX_PARKED {
            s.apply(Provider::Meta, 3, 0, &reaction(&format!("X{i}"), "🙂"));
        }
        assert_eq!(s.counters().parked_dropped, 2);
        assert_eq!(s.parked_count(), MAX_PARKED);
        let mut msg = Event::new(Kind::Message, "message");
        msg.chat = ChatId::parse("5511988881111@c.us");
        msg.message_id = Some(MessageId::new("B"));
        s.apply(Provider::Meta, 4, 0, &msg);
        assert!(s
            .find_message(Provider::Meta, "B")
            .unwrap()
            .reactions()
            .is_empty());
        msg.message_id = Some(MessageId::new("X0"));
        s.apply(Provider::Meta, 5, 0, &msg);
        let x0 = s.find_message(Provider::Meta, "X0").unwrap();
        assert_eq!(x0.reaction_counts(), vec![("🙂".to_string(), 1)]);
        assert_eq!(s.parked_count(), MAX_PARKED - 1);
    }

    /// A request answered other than 200 marks its own rows and the messages they touched,
    /// and nothing else.
    #[test]
    fn an_answer_marks_its_requests_rows_and_messages() {
        let mut s = Store::new();
        let msg = |id: &str| {
            let mut m = Event::new(Kind::Message, "message");
            m.chat = ChatId::parse("5511988881111@c.us");
            m.message_id = Some(MessageId::new(id));
            m
        };
        s.apply(Provider::Waha, 1, 0, &msg("A"));
        s.note_answer(1, 200);
        s.apply(Provider::Waha, 2, 0, &msg("B"));
        s.apply(
            Provider::Waha,
            2,
            0,
            &Event::new(Kind::Session, "session.status"),
        );
        s.note_answer(2, 500);
        s.apply(Provider::Waha, 3, 0, &msg("C"));
        let answered: Vec<(u64, u16)> = s.events().iter().map(|e| (e.seq, e.answered)).collect();
        assert_eq!(answered, vec![(1, 200), (2, 500), (2, 500), (3, 200)]);
        let of = |s: &Store, id: &str| s.find_message(Provider::Waha, id).unwrap().answered();
        assert_eq!(
            (of(&s, "A"), of(&s, "B"), of(&s, "C")),
            (None, Some(500), None)
        );
        // A later request touching A (a retry) answered 503 marks it.
        s.apply(Provider::Waha, 4, 0, &msg("A"));
        s.note_answer(4, 503);
        assert_eq!(of(&s, "A"), Some(503));
        // The row stays as small as it was.
        assert!(std::mem::size_of::<crate::store::EventRow>() <= 64);
    }
}
