//! Green API (green-api.com) webhooks: recognised by shape and normalised into [`Event`]s.
//!
//! Every body is one notification `{typeWebhook, instanceData: {idInstance, wid, typeInstance},
//! timestamp, ...}`; `typeWebhook` says what the rest is. This file recognises the envelope,
//! names its account and dispatches; message notifications are read in `messages.rs`, polls in
//! `polls.rs`, and statuses, calls, instance state and the other notices in `events.rs`.
//!
//! Webhooks (green-api.com/en/docs/api/receiving/notifications-format/type-webhook):
//! `incomingMessageReceived`, `outgoingMessageReceived` (sent from the phone),
//! `outgoingAPIMessageReceived` (sent through the API), `outgoingMessageStatus`,
//! `stateInstanceChanged`, `statusInstanceChanged`, `deviceInfo`, `incomingCall`,
//! `outgoingCall` (listed in the Russian docs only), `incomingBlock` and `quotaExceeded`. Any other
//! `typeWebhook` is one `unknown` event naming it.
//!
//! Assumptions and readings:
//! - The account is `instanceData.idInstance`, a number in JSON (int64, "1 to 10 digits"),
//!   written as its decimal digits; a string is taken as it is. `instanceData.wid` is the
//!   connected number: the sender of outgoing messages when `senderData.sender` is missing.
//! - Chat ids are already `<digits>@c.us` / `<id>@g.us` (and `@lid` keeps its kind);
//!   [`ChatId::parse`] canonicalises them like every other provider's. Green API serves other
//!   messengers with the same envelope (`typeInstance: "telegram"`, whose chat ids are bare
//!   numbers, groups negative): there an id without `@` gets `@<typeInstance>`, so a Telegram
//!   chat never folds into a WhatsApp phone's.
//! - `from_me` is true for `outgoing*` webhooks and for statuses (which are only sent for our
//!   own messages); false for `incomingMessageReceived`.
//! - Timestamps are unix seconds (`timestamp`); `quotaExceeded` has none in the docs' example.

mod events;
mod messages;
mod polls;

use super::json::{at, millis_at, str_at};
use crate::model::{ChatId, Event, Kind};
use serde_json::{Map, Value};

/// Whether a JSON object has this provider's shape: a string `typeWebhook` and the
/// `instanceData` object every Green API notification carries, with its `idInstance` and its
/// string `typeInstance` (`"whatsapp"`). No other provider has any of these keys (WAHA,
/// Evolution and the `instance` provider key on `event`, Whapi on `event` + `channel_id`, Meta
/// on `object`, Z-API on `type`, Twilio sends forms), so together they cannot be another
/// provider's body. `timestamp` is not required: the docs' `quotaExceeded` example has none. A
/// bare `{typeWebhook, instanceData: {idInstance}}` (a hand-written test body) is not enough to
/// call it Green API's and stays `unknown` (fixture `unknown/green-api-shape.json`).
pub fn claims(obj: &Map<String, Value>) -> bool {
    let instance = obj.get("instanceData");
    obj.get("typeWebhook").is_some_and(Value::is_string)
        && instance.is_some_and(|i| i.get("idInstance").is_some_and(|v| !v.is_null()))
        && instance.is_some_and(|i| i.get("typeInstance").is_some_and(Value::is_string))
}

/// Envelope facts every reader needs.
pub(crate) struct Ctx<'a> {
    /// `typeWebhook` as sent.
    pub event: &'a str,
    /// The connected number (`instanceData.wid`), canonical; empty while not authorised.
    pub me: Option<ChatId>,
    /// `timestamp` in milliseconds.
    pub ts_ms: Option<i64>,
    /// `instanceData.typeInstance` when it is not WhatsApp (`telegram`), for [`Ctx::id`].
    pub messenger: Option<&'a str>,
}

impl Ctx<'_> {
    /// A party id as this instance's messenger writes it: canonical WhatsApp ids, or for another
    /// messenger an id without `@` kept apart as `<id>@<messenger>`.
    pub fn id(&self, raw: &str) -> Option<ChatId> {
        let raw = raw.trim();
        match self.messenger {
            Some(m) if !raw.is_empty() && !raw.contains('@') => {
                ChatId::parse(&format!("{raw}@{}", m.to_ascii_lowercase()))
            }
            _ => ChatId::parse(raw),
        }
    }
}

/// The events one body carries.
pub fn normalize(root: &Value) -> Vec<Event> {
    let Some(event) = str_at(root, &["typeWebhook"]) else {
        return Vec::new();
    };
    let mut ctx = Ctx {
        event,
        me: None,
        ts_ms: millis_at(root, &["timestamp"]),
        messenger: str_at(root, &["instanceData", "typeInstance"])
            .filter(|t| !t.eq_ignore_ascii_case("whatsapp")),
    };
    ctx.me = str_at(root, &["instanceData", "wid"]).and_then(|w| ctx.id(w));
    let ev = match event {
        "incomingMessageReceived" | "outgoingMessageReceived" | "outgoingAPIMessageReceived" => {
            messages::message(&ctx, root)
        }
        "outgoingMessageStatus" => events::status(&ctx, root),
        "stateInstanceChanged" | "statusInstanceChanged" => events::instance_state(&ctx, root),
        "deviceInfo" => events::device(&ctx, root),
        "incomingCall" | "outgoingCall" => events::call(&ctx, root),
        "incomingBlock" => events::block(&ctx, root),
        "quotaExceeded" => events::quota(&ctx, root),
        other => {
            let mut ev = Event::new(Kind::Unknown, other);
            ev.text = Some(format!("unhandled typeWebhook {other}"));
            ev.timestamp_ms = ctx.ts_ms;
            ev
        }
    };
    vec![ev]
}

/// The account the body arrived for: `instanceData.idInstance` as decimal digits (it is a JSON
/// number), or as sent when a string.
pub fn account(root: &Value) -> Option<String> {
    match at(root, &["instanceData", "idInstance"])? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Provider;
    use crate::provider::detect;
    use serde_json::json;

    #[test]
    fn the_envelope_is_claimed_and_near_misses_are_not() {
        let ok = json!({"typeWebhook": "stateInstanceChanged",
            "instanceData": {"idInstance": 1, "wid": "", "typeInstance": "whatsapp"},
            "timestamp": 1586700690, "stateInstance": "notAuthorized"});
        assert_eq!(detect(&ok), Provider::GreenApi);
        // quotaExceeded has no timestamp in the docs: still ours.
        let quota = json!({"typeWebhook": "quotaExceeded",
            "instanceData": {"idInstance": 7, "wid": "1@c.us", "typeInstance": "whatsapp"}});
        assert_eq!(detect(&quota), Provider::GreenApi);
        for miss in [
            // A test client's bare body (no instanceData): nothing says it is Green API's.
            json!({"typeWebhook": "incomingMessageReceived"}),
            json!({"typeWebhook": "incomingMessageReceived", "instanceData": {"idInstance": 1101}}),
            json!({"typeWebhook": "x", "instanceData": {"idInstance": null, "typeInstance": "w"}}),
            json!({"typeWebhook": "x", "instanceData": {"idInstance": 1, "typeInstance": 1}}),
            json!({"typeWebhook": 5, "instanceData": {"idInstance": 1, "typeInstance": "w"}}),
            json!({"typeWebhook": "x", "instanceData": "1234"}),
            json!({"type": "ReceivedCallback", "instanceId": "I", "instanceData": {}}),
            json!({"event": "message", "instanceId": "i", "data": {"typeWebhook": "x"}}),
        ] {
            assert_ne!(detect(&miss), Provider::GreenApi, "{miss}");
        }
    }

    #[test]
    fn id_instance_is_the_account_in_decimal() {
        let n = json!({"instanceData": {"idInstance": 1101000001_u64}});
        assert_eq!(account(&n).as_deref(), Some("1101000001"));
        let s = json!({"instanceData": {"idInstance": "7103000000"}});
        assert_eq!(account(&s).as_deref(), Some("7103000000"));
        assert_eq!(
            account(&json!({"instanceData": {"idInstance": null}})),
            None
        );
        assert_eq!(account(&json!({"instanceData": {"idInstance": " "}})), None);
        let body = json!({"typeWebhook": "statusInstanceChanged",
            "instanceData": {"idInstance": 1234, "wid": "11001234567@c.us",
                "typeInstance": "whatsapp"},
            "statusInstance": "online"});
        let n = crate::provider::normalize_value(&body);
        assert_eq!(n.events[0].account.as_deref(), Some("1234"));
    }

    #[test]
    fn another_messengers_ids_stay_apart_from_whatsapp_phones() {
        let body = json!({"typeWebhook": "incomingMessageReceived",
            "instanceData": {"idInstance": 4100000000_u64, "wid": "79876543210@c.us",
                "typeInstance": "telegram"},
            "idMessage": "1", "senderData": {"chatId": "-10000000000000", "sender": "10000000"},
            "messageData": {"typeMessage": "textMessage"}});
        let ev = normalize(&body).remove(0);
        assert_eq!(ev.chat.unwrap().as_str(), "-10000000000000@telegram");
        assert_eq!(ev.sender.unwrap().as_str(), "10000000@telegram");
    }

    #[test]
    fn an_unknown_webhook_type_says_what_arrived() {
        let body = json!({"typeWebhook": "somethingNew", "instanceData": {"idInstance": 1},
            "timestamp": 1700000000});
        let ev = normalize(&body).remove(0);
        assert_eq!(ev.kind, Kind::Unknown);
        assert_eq!(ev.event, "somethingNew");
        assert_eq!(
            ev.text.as_deref(),
            Some("unhandled typeWebhook somethingNew")
        );
    }
}
