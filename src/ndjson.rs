//! The headless output contract: one JSON object per normalised event, schema version 1.
//!
//! Every line has every key (null when it does not apply), so `jq` filters never trip on a
//! missing field. See the README for the field list. Adding keys is backwards compatible;
//! renaming or retyping one bumps `v`.
//!
//! Core module: builds values, writes nothing.

use crate::capture::rfc3339_ms;
use crate::envelope::Envelope;
use crate::forward::ForwardRecord;
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
    /// Null on `forward` lines.
    pub provider: Option<&'static str>,
    /// Null on `forward` lines.
    pub event: Option<&'a str>,
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
    /// On `forward` lines: what the bot answered.
    pub forward: Option<Forward<'a>>,
}

/// The `forward` object of a `forward` line.
#[derive(Debug, Serialize)]
pub struct Forward<'a> {
    /// The URL the request went to.
    pub to: &'a str,
    /// The bot's HTTP status; null when it never answered.
    pub status: Option<u16>,
    pub ms: Option<u64>,
    /// Why it never answered (`refused: ...`, `timeout: ...`, `not_forwarded: ...`).
    pub error: Option<String>,
}

/// The `kind` of a forward result's line.
pub const FORWARD_KIND: &str = "forward";

/// The line for a forward result: `seq` is the forwarded request's, `received_at` when the
/// result came, every event key null.
pub fn forward_line(r: &ForwardRecord) -> Line<'_> {
    let error = r.failure.as_deref().map(|f| match &r.error {
        Some(e) => format!("{f}: {e}"),
        None => f.to_owned(),
    });
    Line {
        v: SCHEMA_VERSION,
        seq: r.seq,
        received_at: rfc3339_ms(r.at_ms),
        provider: None,
        event: None,
        kind: FORWARD_KIND,
        chat: None,
        chat_name: None,
        sender: None,
        sender_name: None,
        from_me: None,
        message_id: None,
        msg_type: None,
        text: None,
        status: None,
        ack: None,
        out_of_order: false,
        duplicate: false,
        parked: false,
        target: None,
        emoji: None,
        poll: None,
        error: None,
        forward: Some(Forward {
            to: &r.to,
            status: r.status,
            ms: r.ms,
            error,
        }),
    }
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
        provider: Some(provider.as_str()),
        event: Some(&ev.event),
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
        forward: None,
    }
}
