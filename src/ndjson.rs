//! The headless output contract: one JSON object per normalised event, schema version 1.
//!
//! Every line has every key (null when it does not apply), so `jq` filters never trip on a
//! missing field. See the README for the field list. Adding keys is backwards compatible;
//! renaming or retyping one bumps `v`.
//!
//! Core module: builds values, writes nothing.

use crate::capture::rfc3339_ms;
use crate::envelope::Envelope;
use crate::model::{Event, Kind, Provider};
use crate::store::poll::PollTally;
use crate::store::{Outcome, Store};
use serde::Serialize;

/// Schema version of a line.
pub const SCHEMA_VERSION: u32 = 1;

/// One NDJSON line, fields in schema order.
#[derive(Debug, Serialize)]
pub struct Line<'a> {
    pub v: u32,
    pub seq: u64,
    pub received_at: String,
    pub provider: &'static str,
    pub event: &'a str,
    pub kind: &'static str,
    pub chat: Option<&'a str>,
    pub chat_name: Option<String>,
    pub sender: Option<&'a str>,
    pub sender_name: Option<&'a str>,
    pub from_me: Option<bool>,
    pub message_id: Option<&'a str>,
    #[serde(rename = "type")]
    pub msg_type: Option<&'static str>,
    pub text: Option<String>,
    pub status: Option<&'static str>,
    pub ack: Option<&'static str>,
    pub out_of_order: bool,
    pub duplicate: bool,
    pub parked: bool,
    pub target: Option<&'a str>,
    pub emoji: Option<&'a str>,
    pub poll: Option<&'a PollTally>,
    pub error: Option<&'a str>,
}

/// The NDJSON line for `ev`, the event of `env` that produced `outcome` in `store`.
pub fn line<'a>(
    env: &Envelope,
    provider: Provider,
    ev: &'a Event,
    outcome: &'a Outcome,
    store: &'a Store,
) -> Line<'a> {
    let chat_name = ev.chat_name.clone().or_else(|| {
        let chat = outcome.chat.as_ref()?;
        let idx = store.chats().index_of(chat)?;
        store.chats().name(idx).map(str::to_owned)
    });
    // Reactions, revokes, votes and statuses say nothing themselves: show what they refer to.
    let text = match ev.kind {
        Kind::Reaction | Kind::Revoke | Kind::PollVote | Kind::Status if ev.text.is_none() => {
            outcome.target_text.clone()
        }
        _ => ev.text.clone(),
    };
    Line {
        v: SCHEMA_VERSION,
        seq: env.seq,
        received_at: rfc3339_ms(env.received_at_ms),
        provider: provider.as_str(),
        event: &ev.event,
        kind: ev.kind.as_str(),
        chat: outcome.chat.as_ref().map(|c| c.as_str()),
        chat_name,
        sender: ev
            .sender
            .as_ref()
            .map(|c| store.chats().resolve(c).as_str()),
        sender_name: ev.sender_name.as_deref(),
        from_me: ev.from_me,
        message_id: ev.message_id.as_ref().map(|m| m.as_str()),
        msg_type: ev.msg_type.map(|t| t.as_str()),
        text,
        status: ev.status.map(|a| a.as_str()),
        ack: outcome.ack.map(|a| a.as_str()),
        out_of_order: outcome.out_of_order,
        duplicate: outcome.duplicate,
        parked: outcome.parked,
        // An interactive reply answers its prompt the way a vote answers a poll.
        target: ev
            .target
            .as_ref()
            .or(ev.interactive.as_ref().map(|i| &i.prompt))
            .map(|m| m.as_str()),
        emoji: ev.emoji.as_deref(),
        poll: outcome.poll.as_ref(),
        error: ev.error.as_deref(),
    }
}
