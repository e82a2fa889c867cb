//! One WhatsApp message as the store knows it: content, ticks with their timeline, reactions,
//! edit history, revocation and duplicate count.
//!
//! Acks only move forward (pending < sent < delivered < read < played). A status that would step
//! back is kept in the timeline, flagged out of order and not applied. `failed` is shown while
//! nothing better than `sent` was seen; a later delivered/read from another device wins, and the
//! failure stays in the timeline.
//!
//! A message's lists are capped, since a sender can repeat statuses or a message forever: the
//! tick timeline keeps the first and the latest [`MAX_TICKS`] − 1 statuses, and the requests
//! that touched it the first and the latest [`MAX_SEQS`] − 1; the rest are counted
//! ([`Message::ticks_omitted`], [`Message::seqs_omitted`]) and the ticks view says so. Their
//! effect (the ack, the out-of-order count) is kept whole.

use super::poll::PollState;
use super::ChatIx;
use crate::model::{Ack, ChatId, Kind, Media, MessageId, MessageType, Provider};
use std::borrow::Cow;

/// Statuses kept in a message's timeline: the first and the most recent.
pub const MAX_TICKS: usize = 64;

/// Requests listed per message (the detail pane's `[`/`]`): the first and the most recent.
pub const MAX_SEQS: usize = 256;

/// One status in a message's tick timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tick {
    pub seq: u64,
    pub at_ms: i64,
    /// What the provider said (`read`, `3 READ`, `DELIVERY_ACK`).
    pub label: Box<str>,
    pub ack: Option<Ack>,
    pub out_of_order: bool,
    /// The same status again (provider retry).
    pub repeated: bool,
    pub participant: Option<ChatId>,
    pub error: Option<String>,
    /// When the provider says the status happened (its own timestamp, when it gives one): the
    /// ticks view shows how long after that it arrived.
    pub provider_ms: Option<i64>,
}

/// Pushes onto a list that usually stays short: the first few pushes grow it one slot at a
/// time instead of the four slots `Vec` starts with. A message typically gets one or two
/// statuses and requests; a million messages would otherwise each carry room for four.
fn push_small<T>(v: &mut Vec<T>, item: T) {
    if v.len() == v.capacity() && v.len() < 4 {
        v.reserve_exact(1);
    }
    v.push(item);
}

/// What applying a status did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckOutcome {
    Applied,
    Repeated,
    OutOfOrder,
    /// No usable value (WAHA `UNKNOWN`): recorded only.
    Ignored,
}

/// The parts of a message most messages never have.
#[derive(Debug, Clone, Default)]
struct Extras {
    /// Per reactor the latest emoji.
    reactions: Vec<(String, String)>,
    /// Earlier texts, oldest first.
    edits: Vec<String>,
    failed: Option<String>,
    reply_to: Option<MessageId>,
    /// Statuses and requests past the caps, not listed.
    ticks_omitted: u32,
    /// Of those statuses, the ones that were out of order.
    omitted_out_of_order: u32,
    seqs_omitted: u32,
    /// The latest status other than 200 that a request touching it was answered with.
    answered: Option<u16>,
}

// `Message::kinds` has one bit per kind.
const _: () = assert!(Kind::ALL.len() <= 16);

/// A message in the store.
#[derive(Debug, Clone)]
pub struct Message {
    pub provider: Provider,
    /// The account it arrived for (index into [`Store::accounts`](super::Store::accounts)).
    pub account: u16,
    pub id: MessageId,
    /// The chat it arrived under (a slot in the store's chat table).
    pub chat: ChatIx,
    pub sender: Option<ChatId>,
    pub sender_name: Option<String>,
    pub from_me: bool,
    pub msg_type: Option<MessageType>,
    pub text: Option<String>,
    /// Boxed: most messages have none, and every message pays for the field.
    pub media: Option<Box<Media>>,
    pub timestamp_ms: Option<i64>,
    /// Seq of the request that created this message (or its placeholder).
    pub first_seq: u64,
    /// When that request arrived (ms).
    pub first_at_ms: i64,
    /// Seqs of the requests that touched it, for the raw pane's "related" view (capped, see the
    /// module docs; add with [`Message::note_request`]).
    pub seqs: Vec<u64>,
    /// Created from a status or reply before the message itself was seen.
    pub placeholder: bool,
    best: Option<Ack>,
    pub ticks: Vec<Tick>,
    /// Reactions, edits, failures and quotes: boxed, since most messages have none of them and
    /// every message would otherwise carry their empty fields.
    extras: Option<Box<Extras>>,
    pub deleted: bool,
    pub duplicates: u32,
    pub poll: Option<Box<PollState>>,
    /// The kinds of the events that made or changed it, one bit per [`Kind`] (`kind:reaction`
    /// matches a message a reaction reached).
    kinds: u16,
}

impl Message {
    /// Its provider and account: what its id is unique within.
    pub fn origin(&self) -> super::Origin {
        super::Origin {
            provider: self.provider,
            account: self.account,
        }
    }

    pub fn new(provider: Provider, id: MessageId, chat: ChatIx, seq: u64, at_ms: i64) -> Message {
        Message {
            provider,
            account: 0,
            id,
            chat,
            sender: None,
            sender_name: None,
            from_me: false,
            msg_type: None,
            text: None,
            media: None,
            timestamp_ms: None,
            first_seq: seq,
            first_at_ms: at_ms,
            seqs: vec![seq],
            placeholder: false,
            best: None,
            ticks: Vec::new(),
            extras: None,
            deleted: false,
            duplicates: 0,
            poll: None,
            kinds: 0,
        }
    }

    /// Notes that an event of kind `k` made or changed it (`kinds` has a bit for each).
    pub fn note_kind(&mut self, k: Kind) {
        self.kinds |= 1 << (k as u16);
    }

    /// Whether an event of kind `k` made or changed it.
    pub fn has_kind(&self, k: Kind) -> bool {
        self.kinds & (1 << (k as u16)) != 0
    }

    fn extras_mut(&mut self) -> &mut Extras {
        self.extras.get_or_insert_with(Default::default)
    }

    /// Per reactor (`me` or a chat id) the latest emoji.
    pub fn reactions(&self) -> &[(String, String)] {
        self.extras.as_ref().map_or(&[], |x| &x.reactions)
    }

    /// Earlier texts, oldest first.
    pub fn edits(&self) -> &[String] {
        self.extras.as_ref().map_or(&[], |x| &x.edits)
    }

    /// The message this one quotes.
    pub fn reply_to(&self) -> Option<&MessageId> {
        self.extras.as_ref().and_then(|x| x.reply_to.as_ref())
    }

    pub fn set_reply_to(&mut self, id: MessageId) {
        self.extras_mut().reply_to = Some(id);
    }

    /// The state to show: the best ack seen, or `failed` if nothing beyond `sent` was seen.
    pub fn ack(&self) -> Option<Ack> {
        let failed = self.extras.as_ref().and_then(|x| x.failed.as_ref());
        match (failed, self.best) {
            (Some(_), None) => Some(Ack::Failed),
            (Some(_), Some(b)) if b <= Ack::Sent => Some(Ack::Failed),
            (_, b) => b,
        }
    }

    /// The delivery error, if a failure was reported.
    pub fn error(&self) -> Option<&str> {
        self.extras.as_ref().and_then(|x| x.failed.as_deref())
    }

    /// Applies one status and records it in the timeline.
    pub fn apply_ack(&mut self, mut tick: Tick) -> AckOutcome {
        let outcome = match tick.ack {
            None => AckOutcome::Ignored,
            Some(Ack::Failed) => {
                if self.best.is_some_and(|b| b >= Ack::Delivered) {
                    AckOutcome::OutOfOrder
                } else if self.error().is_some() {
                    AckOutcome::Repeated
                } else {
                    self.extras_mut().failed =
                        Some(tick.error.clone().unwrap_or_else(|| "failed".into()));
                    AckOutcome::Applied
                }
            }
            Some(new) => match self.best {
                Some(b) if new < b => AckOutcome::OutOfOrder,
                Some(b) if new == b => AckOutcome::Repeated,
                _ => {
                    self.best = Some(new);
                    AckOutcome::Applied
                }
            },
        };
        tick.out_of_order = outcome == AckOutcome::OutOfOrder;
        tick.repeated = outcome == AckOutcome::Repeated;
        if self.ticks.len() >= MAX_TICKS {
            // Keep the first status (how it started) and the latest ones.
            let dropped = self.ticks.remove(1);
            let x = self.extras_mut();
            x.ticks_omitted = x.ticks_omitted.saturating_add(1);
            x.omitted_out_of_order += u32::from(dropped.out_of_order);
        }
        push_small(&mut self.ticks, tick);
        outcome
    }

    /// Records that request `seq` touched this message, once however many of its events did
    /// (a Meta request can carry several statuses of one message).
    pub fn note_request(&mut self, seq: u64) {
        if self.seqs.contains(&seq) {
            return;
        }
        if self.seqs.len() >= MAX_SEQS {
            self.seqs.remove(1);
            let x = self.extras_mut();
            x.seqs_omitted = x.seqs_omitted.saturating_add(1);
        }
        push_small(&mut self.seqs, seq);
    }

    /// Records that a request touching this message was answered `status` (not 200).
    pub fn note_answer(&mut self, status: u16) {
        self.extras_mut().answered = Some(status);
    }

    /// The latest status other than 200 that a request touching it was answered with (a
    /// `--reply` rule, a rejection): wamon's side of a provider's retries.
    pub fn answered(&self) -> Option<u16> {
        self.extras.as_ref().and_then(|x| x.answered)
    }

    /// Statuses received but no longer in [`Message::ticks`] (past [`MAX_TICKS`]).
    pub fn ticks_omitted(&self) -> u32 {
        self.extras.as_ref().map_or(0, |x| x.ticks_omitted)
    }

    /// Requests that touched it but are no longer in [`Message::seqs`] (past [`MAX_SEQS`]).
    pub fn seqs_omitted(&self) -> u32 {
        self.extras.as_ref().map_or(0, |x| x.seqs_omitted)
    }

    /// Sets the ack a message event itself states (a message created with `ack: 1`), without a
    /// timeline entry of its own unless it moves the state.
    pub fn note_initial_ack(&mut self, ack: Ack, seq: u64, at_ms: i64, label: &str) {
        if self.best.is_none_or(|b| ack > b) && ack != Ack::Failed {
            self.apply_ack(Tick {
                seq,
                at_ms,
                label: label.into(),
                ack: Some(ack),
                out_of_order: false,
                repeated: false,
                participant: None,
                error: None,
                provider_ms: None,
            });
        }
    }

    /// For an outgoing message not delivered yet (not failed, nothing delivered, read or played
    /// seen): since when it has waited, its first `pending`/`sent` status's arrival, else
    /// when it was first seen. `None` for anything else.
    pub fn waiting_since(&self) -> Option<i64> {
        if !self.from_me || self.ack() == Some(Ack::Failed) {
            return None;
        }
        if self.best.is_some_and(|b| b >= Ack::Delivered) {
            return None;
        }
        let first_sent = self
            .ticks
            .iter()
            .find(|t| matches!(t.ack, Some(Ack::Pending | Ack::Sent)))
            .map(|t| t.at_ms);
        Some(first_sent.unwrap_or(self.first_at_ms))
    }

    /// Outgoing and still not delivered `after_ms` after it was sent, at `now_ms`
    /// (`is:stuck`; see [`Message::waiting_since`]).
    pub fn is_stuck(&self, now_ms: i64, after_ms: i64) -> bool {
        self.waiting_since()
            .is_some_and(|since| now_ms.saturating_sub(since) >= after_ms)
    }

    /// Number of out-of-order statuses received.
    pub fn out_of_order_count(&self) -> usize {
        let omitted = self.extras.as_ref().map_or(0, |x| x.omitted_out_of_order);
        self.ticks.iter().filter(|t| t.out_of_order).count() + omitted as usize
    }

    /// Sets `reactor`'s reaction; an empty emoji removes it.
    pub fn react(&mut self, reactor: String, emoji: &str) {
        let reactions = &mut self.extras_mut().reactions;
        reactions.retain(|(who, _)| *who != reactor);
        if !emoji.is_empty() {
            reactions.push((reactor, emoji.to_owned()));
        }
    }

    /// Reactions grouped by emoji with counts, in first-seen order.
    pub fn reaction_counts(&self) -> Vec<(String, usize)> {
        let mut out: Vec<(String, usize)> = Vec::new();
        for (_, e) in self.reactions() {
            match out.iter_mut().find(|(x, _)| x == e) {
                Some((_, n)) => *n += 1,
                None => out.push((e.clone(), 1)),
            }
        }
        out
    }

    /// Replaces the text, keeping the old one in the history.
    pub fn edit(&mut self, text: Option<String>) {
        let old = std::mem::replace(&mut self.text, text);
        self.extras_mut().edits.push(old.unwrap_or_default());
    }

    /// The message's own text (now in `text`) arrived after edits made to its placeholder:
    /// it becomes the start of the history, and `latest` (the newest edit) the text again.
    pub fn original_arrived_after_edits(&mut self, latest: Option<String>) {
        let original = std::mem::replace(&mut self.text, latest);
        if let Some(first) = self.extras_mut().edits.first_mut() {
            // A placeholder has no text of its own, so its first edit recorded "".
            if first.is_empty() {
                *first = original.unwrap_or_default();
            }
        }
    }

    pub fn is_edited(&self) -> bool {
        !self.edits().is_empty()
    }

    /// A one-line description: the text, or what kind of content it is. Borrowed when it is the
    /// text itself, which may be long: callers cut it to what they show.
    pub fn summary(&self) -> Cow<'_, str> {
        if let Some(t) = self.text.as_deref().filter(|t| !t.is_empty()) {
            return Cow::Borrowed(t);
        }
        if let Some(p) = &self.poll {
            let q = p.tally().question;
            if !q.is_empty() {
                return Cow::Owned(q);
            }
        }
        let media_name = self
            .media
            .as_ref()
            .and_then(|m| m.filename.as_deref().or(m.mime.as_deref()));
        Cow::Owned(match (self.msg_type, media_name) {
            (Some(t), Some(name)) => format!("[{}] {name}", t.as_str()),
            (Some(t), None) => format!("[{}]", t.as_str()),
            (None, _) if self.placeholder => "(message not seen)".to_owned(),
            (None, _) => String::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tick(ack: Option<Ack>) -> Tick {
        Tick {
            seq: 0,
            at_ms: 0,
            label: "".into(),
            ack,
            out_of_order: false,
            repeated: false,
            participant: None,
            error: None,
            provider_ms: None,
        }
    }

    fn msg() -> Message {
        Message::new(Provider::Meta, MessageId::new("m"), ChatIx::new(0), 1, 0)
    }

    #[test]
    fn acks_never_step_back() {
        let mut m = msg();
        assert_eq!(m.apply_ack(tick(Some(Ack::Sent))), AckOutcome::Applied);
        assert_eq!(m.apply_ack(tick(Some(Ack::Read))), AckOutcome::Applied);
        assert_eq!(
            m.apply_ack(tick(Some(Ack::Delivered))),
            AckOutcome::OutOfOrder
        );
        assert_eq!(m.ack(), Some(Ack::Read));
        assert_eq!(m.apply_ack(tick(Some(Ack::Read))), AckOutcome::Repeated);
        assert_eq!(m.out_of_order_count(), 1);
        assert_eq!(m.ticks.len(), 4);
    }

    #[test]
    fn failure_shows_until_a_later_delivery() {
        let mut m = msg();
        m.apply_ack(tick(Some(Ack::Sent)));
        let mut f = tick(Some(Ack::Failed));
        f.error = Some("131047: re-engagement".into());
        m.apply_ack(f);
        assert_eq!(m.ack(), Some(Ack::Failed));
        assert_eq!(m.error(), Some("131047: re-engagement"));
        m.apply_ack(tick(Some(Ack::Delivered)));
        assert_eq!(m.ack(), Some(Ack::Delivered));
    }

    #[test]
    fn unknown_acks_are_recorded_only() {
        let mut m = msg();
        m.apply_ack(tick(Some(Ack::Delivered)));
        assert_eq!(m.apply_ack(tick(None)), AckOutcome::Ignored);
        assert_eq!(m.ack(), Some(Ack::Delivered));
    }

    /// A sender repeating statuses forever: the timeline keeps the first and the latest, counts
    /// the rest, and the state and out-of-order count stay whole.
    #[test]
    fn ticks_and_requests_are_capped_keeping_the_first_and_the_latest() {
        let mut m = msg();
        let mut first = tick(Some(Ack::Sent));
        first.seq = 1;
        m.apply_ack(first);
        m.apply_ack(tick(Some(Ack::Read)));
        m.apply_ack(tick(Some(Ack::Delivered)));
        for i in 0..1000 {
            let mut t = tick(Some(Ack::Read));
            t.seq = 10 + i;
            m.apply_ack(t);
        }
        assert_eq!(m.ticks.len(), MAX_TICKS);
        assert_eq!(m.ticks_omitted(), 1003 - MAX_TICKS as u32);
        assert_eq!(m.ticks[0].seq, 1, "the first status stays");
        assert_eq!(m.ticks.last().unwrap().seq, 1009);
        assert_eq!(
            m.out_of_order_count(),
            1,
            "the dropped out-of-order status still counts"
        );
        assert_eq!(m.ack(), Some(Ack::Read));
        for seq in 2..=1000 {
            m.note_request(seq);
        }
        assert_eq!(m.seqs.len(), MAX_SEQS);
        assert_eq!(m.seqs[0], 1);
        assert_eq!(m.seqs[1], 1000 - MAX_SEQS as u64 + 2);
        assert_eq!(*m.seqs.last().unwrap(), 1000);
        assert_eq!(m.seqs_omitted(), 1000 - MAX_SEQS as u32);
    }

    /// `is:stuck`: outgoing, not failed, nothing delivered `after` past its first sent or
    /// pending status (or, with none, past when it was first seen).
    #[test]
    fn stuck_means_outgoing_and_undelivered_past_the_threshold() {
        let at = |ack, at_ms| Tick {
            at_ms,
            ..tick(Some(ack))
        };
        let mut m = msg();
        m.first_at_ms = 500;
        assert!(
            !m.is_stuck(100_000, 60_000),
            "received messages are never stuck"
        );
        m.from_me = true;
        assert!(
            m.is_stuck(60_500, 60_000),
            "no status at all: from first seen"
        );
        m.apply_ack(at(Ack::Sent, 1_000));
        assert!(!m.is_stuck(60_999, 60_000));
        assert!(m.is_stuck(61_000, 60_000));
        m.apply_ack(at(Ack::Delivered, 70_000));
        assert!(!m.is_stuck(1_000_000, 60_000), "delivered");

        let mut f = msg();
        f.from_me = true;
        f.apply_ack(at(Ack::Pending, 0));
        f.apply_ack(at(Ack::Sent, 5_000));
        assert_eq!(f.waiting_since(), Some(0), "from the first pending or sent");
        f.apply_ack(at(Ack::Failed, 6_000));
        assert!(!f.is_stuck(1_000_000, 60_000), "failed is not stuck");
    }

    #[test]
    fn reactions_keep_the_latest_per_reactor() {
        let mut m = msg();
        m.react("a".into(), "👍");
        m.react("b".into(), "👍");
        m.react("a".into(), "❤️");
        assert_eq!(
            m.reaction_counts(),
            vec![("👍".to_string(), 1), ("❤️".to_string(), 1)]
        );
        m.react("b".into(), "");
        assert_eq!(m.reaction_counts(), vec![("❤️".to_string(), 1)]);
    }
}
