//! The normalised vocabulary every provider is translated into: providers, event kinds, message
//! types, acks, canonical chat ids and the [`Event`] fact itself.
//!
//! Core module: pure data, no I/O, no async, no terminal.

mod content;
mod ids;
mod kinds;

pub use content::{option_hash, InteractiveReply, Media, PollDef, PollSnapshot, Vote};
pub use ids::{bare_message_id, ChatId, ChatKind, MessageId};
pub use kinds::{Ack, Kind, MessageType, Provider};

use serde::Serialize;

/// One normalised fact from a webhook. A request may carry many.
///
/// Fields are `None` when they do not apply. Serialises to the provider-independent part of the
/// NDJSON line (the store adds `ack`, `poll`, `duplicate`, ...).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub kind: Kind,
    /// The account the webhook arrived for: WAHA's session name, Whapi's `channel_id`, Meta's
    /// `phone_number_id`, Evolution's instance name, the `instanceId` of the `{event,
    /// instanceId, data}` provider. Chats and messages are keyed per provider and account.
    /// `None` when the body names none.
    pub account: Option<String>,
    /// The provider's own event name or type (`message.any`, `messages.upsert`, `statuses.post`).
    pub event: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat: Option<ChatId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender: Option<ChatId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_me: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<MessageId>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub msg_type: Option<MessageType>,
    /// Body, caption, poll question, or a one-line summary of a non-text event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// For kind `status`: what this webhook said. `None` when the provider's value has no
    /// meaning (WAHA `UNKNOWN`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Ack>,
    /// The provider's raw status label (`DELIVERY_ACK`, `3/READ`), for the tick timeline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_label: Option<String>,
    /// The message a reaction, edit, revoke, status or vote refers to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<MessageId>,
    /// Reaction emoji; empty removes the reactor's reaction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emoji: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Message time in milliseconds since the epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp_ms: Option<i64>,
    /// The quoted message of a reply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<MessageId>,
    /// Group participant a per-participant status is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participant: Option<ChatId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<Media>,
    /// On poll creation messages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poll: Option<PollDef>,
    /// On kind `poll_vote`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vote: Option<Vote>,
    /// A provider's full tally (kind `poll_vote`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poll_snapshot: Option<PollSnapshot>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interactive: Option<InteractiveReply>,
    /// An `(alias, phone)` pair this payload reveals: a `@lid` id or a Meta business-scoped user
    /// id (`@bsuid`) and the phone id of the same party; the store folds the alias's chat into
    /// the phone's. (Named for lids, which came first.)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lid_map: Option<(ChatId, ChatId)>,
}

impl Event {
    /// An event of `kind` named `event` with every optional field empty.
    pub fn new(kind: Kind, event: impl Into<String>) -> Event {
        Event {
            kind,
            account: None,
            event: event.into(),
            chat: None,
            chat_name: None,
            sender: None,
            sender_name: None,
            from_me: None,
            message_id: None,
            msg_type: None,
            text: None,
            status: None,
            status_label: None,
            target: None,
            emoji: None,
            error: None,
            timestamp_ms: None,
            reply_to: None,
            participant: None,
            media: None,
            poll: None,
            vote: None,
            poll_snapshot: None,
            interactive: None,
            lid_map: None,
        }
    }
}

/// Converts a provider timestamp (seconds, milliseconds, fractional seconds) to milliseconds.
/// Values above 1e12 are already milliseconds.
pub fn to_millis(t: f64) -> i64 {
    if t > 1e12 {
        t as i64
    } else {
        (t * 1000.0).round() as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_ids_fold_to_one_canonical_form() {
        let canon = |s| ChatId::parse(s).unwrap().as_str().to_string();
        assert_eq!(canon("5511999@s.whatsapp.net"), "5511999@c.us");
        assert_eq!(canon("5511999@c.us"), "5511999@c.us");
        assert_eq!(canon("5511999"), "5511999@c.us");
        assert_eq!(canon("+5511999"), "5511999@c.us");
        assert_eq!(canon("5511999:12@s.whatsapp.net"), "5511999@c.us");
        assert_eq!(canon("4555685237:31@lid"), "4555685237@lid");
        assert_eq!(canon("120363@g.us"), "120363@g.us");
        assert_eq!(canon("123-456@g.us"), "123-456@g.us");
        assert_eq!(canon("status@broadcast"), "status@broadcast");
        assert_eq!(
            ChatId::parse("status@broadcast").unwrap().kind(),
            ChatKind::Status
        );
        assert_eq!(
            ChatId::parse("1@newsletter").unwrap().kind(),
            ChatKind::Channel
        );
        assert!(ChatId::parse("  ").is_none());
    }

    /// Found by `tests/fuzz_normalizer.rs`: `+ a` became ` a@c.us`, which parses to `a@c.us`.
    #[test]
    fn canonical_chat_ids_parse_to_themselves() {
        for (raw, canonical) in [
            ("+ a", "a@c.us"),
            ("+\u{a0}@", "@c.us"),
            ("+ +a@x", "a@x"),
            ("+ 55 11 9999-0000", "551199990000@c.us"),
        ] {
            let id = ChatId::parse(raw).unwrap();
            assert_eq!(id.as_str(), canonical, "{raw:?}");
            assert_eq!(ChatId::parse(id.as_str()), Some(id), "{raw:?}");
        }
    }

    #[test]
    fn bare_ids_come_out_of_waha_serialized_ids() {
        assert_eq!(bare_message_id("false_111@c.us_AAAA"), "AAAA");
        assert_eq!(bare_message_id("true_123@g.us_3EB0_9999@lid"), "3EB0");
        assert_eq!(bare_message_id("wamid.HBgL"), "wamid.HBgL");
        assert_eq!(bare_message_id("true_x"), "true_x");
    }

    #[test]
    fn option_hash_matches_whapi() {
        assert_eq!(
            option_hash("Point 2"),
            "PkUcpv6T9mfhcvvYv+/AvR2Viu/lslMGqNBgQA0bDqE="
        );
        assert_eq!(
            option_hash("Option 1"),
            "+uLbCT4d0xBC6KuUJ+hnOnDEP0vFGSNdmiMu+tYHaao="
        );
    }

    #[test]
    fn timestamps_normalise_to_millis() {
        assert_eq!(to_millis(1_700_000_000.0), 1_700_000_000_000);
        assert_eq!(to_millis(1_700_000_000_123.0), 1_700_000_000_123);
        assert_eq!(to_millis(1_710_481_111.853), 1_710_481_111_853);
    }
}
