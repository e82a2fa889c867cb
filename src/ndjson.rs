//! The headless output contract: one JSON object per normalised event, schema version 1, and
//! one per forward result ([`forward_line`], `kind` `forward`).
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
    /// The account the event arrived for; null when the body names none, and on `forward`
    /// lines.
    pub account: Option<&'a str>,
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
    /// Null on `forward` lines, like every event key.
    pub out_of_order: Option<bool>,
    pub duplicate: Option<bool>,
    pub parked: Option<bool>,
    pub target: Option<&'a str>,
    pub emoji: Option<&'a str>,
    pub poll: Option<&'a PollTally>,
    pub error: Option<&'a str>,
    /// On `forward` lines (see [`forward_line`]): what became of sending the request to the bot.
    pub forward: Option<Forward<'a>>,
}

/// The `forward` object of a `forward` line.
#[derive(Debug, Serialize)]
pub struct Forward<'a> {
    /// The full URL the request went to.
    pub to: &'a str,
    /// The bot's HTTP status; null when it never answered.
    pub status: Option<u16>,
    /// Milliseconds to the end of the bot's answer; null when it never answered.
    pub ms: Option<u64>,
    /// Why it never answered: the short word, then in words (`refused: connection refused …`,
    /// `timeout: …`, `not_forwarded: …`); null when it answered.
    pub error: Option<String>,
}

/// The `kind` of a forward result's line.
pub const FORWARD_KIND: &str = "forward";

/// The NDJSON line for a forward result: `kind` `forward`, `seq` the forwarded request's,
/// `received_at` when the result was known, `forward` `{to, status, ms, error}`, and every other
/// key null, so that a line of either kind has every key.
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
        account: None,
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
        out_of_order: None,
        duplicate: None,
        parked: None,
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
    let chat_name = ev
        .chat_name
        .clone()
        .or_else(|| store.chats().name(outcome.chat_index?).map(str::to_owned));
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
        account: ev.account.as_deref(),
        event: Some(&ev.event),
        kind: ev.kind.as_str(),
        chat: outcome.chat.as_ref().map(|c| c.as_str()),
        chat_name,
        sender: ev
            .sender
            .as_ref()
            .map(|c| match store.origin(provider, ev.account.as_deref()) {
                Some(o) => store.chats().resolve(o, c).as_str(),
                None => c.as_str(),
            }),
        sender_name: ev.sender_name.as_deref(),
        from_me: ev.from_me,
        message_id: ev.message_id.as_ref().map(|m| m.as_str()),
        msg_type: ev.msg_type.map(|t| t.as_str()),
        text,
        status: ev.status.map(|a| a.as_str()),
        ack: outcome.ack.map(|a| a.as_str()),
        out_of_order: Some(outcome.out_of_order),
        duplicate: Some(outcome.duplicate),
        parked: Some(outcome.parked),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbound::{Answer, Failure};

    /// The keys a `forward` line fills; every other key of the schema is there, null.
    const FORWARD_KEYS: &[&str] = &["v", "seq", "received_at", "kind", "forward"];

    fn event_line() -> serde_json::Value {
        let env = Envelope::post(
            3,
            1_700_000_000_000,
            &br#"{"event":"message","session":"default","payload":{"id":"false_111@c.us_A","from":"111@c.us","fromMe":false,"body":"hi"}}"#[..],
        );
        let n = crate::provider::normalize(&env);
        let mut store = Store::new();
        let outcome = store.apply(n.provider, env.seq, env.received_at_ms, &n.events[0]);
        serde_json::to_value(line(&env, n.provider, &n.events[0], &outcome, &store)).unwrap()
    }

    fn keys(v: &serde_json::Value) -> Vec<&str> {
        let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        k.sort_unstable();
        k
    }

    #[test]
    fn a_forward_line_has_every_key_of_an_event_line_and_says_what_the_bot_did() {
        let event = event_line();
        assert_eq!(event["forward"], serde_json::Value::Null);
        assert_eq!(event["account"], "default");
        let answered = ForwardRecord::answered(
            3,
            1_700_000_000_250,
            "http://127.0.0.1:3000/waha".into(),
            Answer {
                status: 201,
                headers: Vec::new(),
                body: bytes::Bytes::new(),
                truncated: false,
                ms: 12,
            },
        );
        let line = serde_json::to_value(forward_line(&answered)).unwrap();
        assert_eq!(keys(&line), keys(&event));
        assert_eq!(line["v"], 1);
        assert_eq!(line["seq"], 3);
        assert_eq!(line["received_at"], "2023-11-14T22:13:20.250Z");
        assert_eq!(line["kind"], "forward");
        assert_eq!(
            line["forward"],
            serde_json::json!({"to": "http://127.0.0.1:3000/waha", "status": 201, "ms": 12, "error": null})
        );
        for (k, v) in line.as_object().unwrap() {
            if !FORWARD_KEYS.contains(&k.as_str()) {
                assert!(v.is_null(), "{k}: {v}");
            }
        }
        let failed = serde_json::to_value(forward_line(&ForwardRecord::failed(
            4,
            0,
            "http://h/".into(),
            &Failure::Refused,
        )))
        .unwrap();
        assert_eq!(failed["forward"]["status"], serde_json::Value::Null);
        assert_eq!(failed["forward"]["ms"], serde_json::Value::Null);
        assert_eq!(
            failed["forward"]["error"],
            "refused: connection refused (is the bot running?)"
        );
    }
}
