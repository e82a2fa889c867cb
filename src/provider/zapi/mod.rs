//! Z-API (z-api.io) webhooks: flat bodies `{type: "<Name>Callback", instanceId, phone, momment,
//! ...}`, one callback per request, recognised by shape and normalised into [`Event`]s.
//!
//! Z-API posts each callback kind to the URL configured for it (received, delivery, message
//! status, connected, disconnected, chat presence), but every body names itself in `type`, so
//! one wamon URL can take them all. This file recognises the shape, names the account and
//! dispatches on `type`; the parties a body names are read in `parties.rs`, messages
//! (`ReceivedCallback`) in `received.rs` and `content.rs`, their `notification` variants in
//! `notifications.rs`, ticks (`MessageStatusCallback`, `DeliveryCallback`) in `statuses.rs`, and
//! connection and presence callbacks in `events.rs`.
//!
//! Sources: Z-API's documentation (github.com/Z-API/z-api-docs, `docs/webhooks/*.md`, and
//! developer.z-api.io) and bodies a Z-API-compatible service captured
//! (Setup-Automatizado/use-zedaapi `api/z_api/**/raw-samples`). Assumptions are marked **\[I\]**
//! in the files that make them.

mod content;
mod events;
mod notifications;
mod parties;
mod received;
mod statuses;

use super::json::str_at;
use crate::model::{Event, Kind};
use serde_json::{Map, Value};

/// Keys of which every Z-API callback carries at least one besides `type` and `instanceId`:
/// the chat (`phone`), the time (`momment`, misspelt by Z-API; `moment` in some examples) or
/// the message ids (`ids`, `messageId`, `zaapId`).
const BODY_KEYS: [&str; 6] = ["phone", "momment", "moment", "ids", "messageId", "zaapId"];

/// Whether a JSON object has Z-API's shape: a string `type` ending in `Callback` (any case:
/// the docs also write `ReceivedCallBack`), a string `instanceId`, one of [`BODY_KEYS`], no
/// string `event` and no `channel_id`. No other provider names its body in `type`: WAHA,
/// Evolution, Evolution GO and the `{event, instanceId, data}` provider name it in a string
/// `event`, Whapi in an object `event` beside `channel_id`, Green API in `typeWebhook`, Meta in
/// `object`; Twilio sends forms. (A Z-API body may have an object `event`: a WhatsApp event
/// message's content.)
pub fn claims(obj: &Map<String, Value>) -> bool {
    let typed = obj
        .get("type")
        .and_then(Value::as_str)
        .is_some_and(is_callback_name);
    typed
        && obj.get("instanceId").is_some_and(Value::is_string)
        && !obj.get("event").is_some_and(Value::is_string)
        && !obj.contains_key("channel_id")
        && BODY_KEYS.iter().any(|k| obj.contains_key(*k))
}

/// `…Callback`, case-insensitive, with something before it.
fn is_callback_name(t: &str) -> bool {
    let suffix = "callback";
    t.len() > suffix.len()
        && t.is_char_boundary(t.len() - suffix.len())
        && t[t.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

/// The events one body carries (a status callback names several messages: one event each).
pub fn normalize(root: &Value) -> Vec<Event> {
    let ty = str_at(root, &["type"]).unwrap_or("?");
    match ty.to_ascii_lowercase().as_str() {
        "receivedcallback" => vec![received::received(root, ty)],
        "messagestatuscallback" => statuses::message_status(root, ty),
        "deliverycallback" => vec![statuses::delivery(root, ty)],
        "connectedcallback" => vec![events::connected(root, ty)],
        "disconnectedcallback" => vec![events::disconnected(root, ty)],
        "presencechatcallback" => vec![events::presence(root, ty)],
        _ => {
            let mut ev = Event::new(Kind::Unknown, ty);
            ev.text = Some(format!("unhandled Z-API callback {ty}"));
            ev.chat = parties::chat_of(root);
            vec![ev]
        }
    }
}

/// The account the body arrived for: its `instanceId` (the number is `connectedPhone`, which
/// only some callbacks carry, so it cannot be the key).
pub fn account(root: &Value) -> Option<&str> {
    str_at(root, &["instanceId"])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Provider;
    use crate::provider::detect;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn claims_callbacks_and_nothing_near_them() {
        let status = json!({"status": "READ", "ids": ["A"], "momment": 1, "phone": "55",
            "type": "MessageStatusCallback", "instanceId": "I"});
        assert!(claims(&obj(status.clone())));
        assert_eq!(detect(&status), Provider::Zapi);
        assert!(claims(&obj(
            json!({"type": "ReceivedCallBack", "instanceId": "I", "phone": "1"})
        )));
        for near in [
            // The {event, instanceId, data} provider and Evolution GO.
            json!({"event": "message", "instanceId": "I", "data": {}, "type": "ReceivedCallback", "phone": "1"}),
            // Whapi's envelope.
            json!({"event": {"type": "messages", "event": "post"}, "channel_id": "C",
                "type": "ReceivedCallback", "instanceId": "I", "phone": "1"}),
            // No instanceId, or not a string.
            json!({"type": "ReceivedCallback", "phone": "1"}),
            json!({"type": "ReceivedCallback", "instanceId": 7, "phone": "1"}),
            // A type that is not a callback name, or only the suffix.
            json!({"type": "message", "instanceId": "I", "phone": "1"}),
            json!({"type": "Callback", "instanceId": "I", "phone": "1"}),
            json!({"type": 5, "instanceId": "I", "phone": "1"}),
            // Green API names its body in typeWebhook.
            json!({"typeWebhook": "incomingMessageReceived", "instanceData": {}, "timestamp": 1}),
            // Nothing but the two names.
            json!({"type": "ReceivedCallback", "instanceId": "I"}),
        ] {
            assert!(!claims(&obj(near.clone())), "{near}");
        }
        // A multi-byte character where the suffix would start does not panic.
        assert!(!is_callback_name("é"));
        assert!(!is_callback_name("ééééééééé"));
    }

    #[test]
    fn unknown_callbacks_stay_visible() {
        let ev = &normalize(&json!({"type": "HistorySyncCallback", "instanceId": "I",
            "momment": 1}))[0];
        assert_eq!(ev.kind, Kind::Unknown);
        assert_eq!(ev.event, "HistorySyncCallback");
        assert!(ev.text.as_deref().unwrap().contains("HistorySyncCallback"));
    }

    #[test]
    fn odd_shapes_do_not_panic() {
        for body in [
            json!({"type": "ReceivedCallback", "instanceId": "I", "phone": 5, "text": "x",
                "image": [], "poll": {"options": [1, null, {"name": 2}]}, "pollVote": "x"}),
            json!({"type": "ReceivedCallback", "instanceId": "I", "phone": "-group",
                "reaction": {"referencedMessage": 3}, "notification": 7}),
            json!({"type": "ReceivedCallback", "instanceId": "I", "phone": "1",
                "notification": "REVOKE", "notificationParameters": "x"}),
            json!({"type": "MessageStatusCallback", "instanceId": "I", "ids": "A", "status": 3}),
            json!({"type": "MessageStatusCallback", "instanceId": "I", "ids": [1, null, "B"]}),
            json!({"type": "PresenceChatCallback", "instanceId": "I", "phone": null, "lastSeen": "x"}),
            json!({"type": "DeliveryCallback", "instanceId": "I", "error": {"a": 1}}),
        ] {
            let _ = normalize(&body);
        }
    }
}
