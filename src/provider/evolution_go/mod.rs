//! Evolution GO (the Evolution project's Go server on whatsmeow) webhooks: recognised by shape
//! and normalised into [`Event`]s.
//!
//! Every body is `{event, data, instanceId, instanceName, instanceToken}`
//! (`pkg/whatsmeow/service/whatsmeow.go` and `pkg/sendMessage/service/send_service.go` in
//! github.com/EvolutionAPI/evolution-go): `event` is a whatsmeow event type name (`Message`,
//! `SendMessage`, `Receipt`, `Presence`, `ChatPresence`, `CallOffer`, `GroupInfo`, `Connected`,
//! `QRCode`, …) and `data` is that whatsmeow struct marshalled by Go's `encoding/json`: exported
//! Go field names (`Info`, `Chat`, `MessageIDs`, `IsFromMe`), JIDs as strings
//! (`5511…@s.whatsapp.net`, `…@g.us`, `…@lid`, `""` when empty), times as RFC 3339 strings and
//! the message protobuf under its own json tags (`conversation`, `imageMessage{URL, PTT…}`,
//! `contextInfo{stanzaID}`, `key{remoteJID, fromMe, ID}`), enums as numbers.
//!
//! This file recognises the shape, dispatches on the event name and resolves parties (phone vs
//! lid); message content is read in `messages.rs`, delivery receipts in `receipts.rs`, and
//! connection, presence, call, group and chat events in `events.rs`.
//!
//! Assumptions and what the source shows:
//! - The account is `instanceId` (the instance's UUID, stable for its life); `instanceName` is
//!   used only when no id is given.
//! - Poll votes arrive as whatsmeow delivers them: `pollUpdateMessage` with the vote **encrypted**
//!   (`vote.encPayload`). Evolution GO decrypts it only into its own database, not into the
//!   webhook, so a vote is "voted, choice unknown" (`known: false`) for the voter it names.
//! - `SendMessage` (a message sent through the API) is emitted only after whatsmeow's
//!   `SendMessage` returned, i.e. after the server acknowledged it: it carries ack `sent`. A send
//!   that fails is an API error and produces no webhook at all.
//! - Receipts: Evolution GO forwards only `Delivered` (type `""`), `Read` (`read`) and `ReadSelf`
//!   (`read-self`, our own other device read an incoming message); `played` receipts are dropped
//!   by its handler, so voice notes never show "played". Other types are still mapped if sent.

mod events;
mod messages;
mod receipts;

use super::json::{bool_at, str_at};
use crate::model::{to_millis, ChatId, ChatKind, Event, Kind};
use serde_json::{Map, Value};

/// Whether a JSON object has this provider's shape: a string `event`, no WAHA `session` or
/// Evolution `instance` key, the Evolution GO envelope (`instanceId`, `instanceName` or
/// `instanceToken`), and a `data` that speaks whatsmeow, i.e. holds a Go exported field name
/// (`Info`, `MessageIDs`, `Chat`, `CallID`, `From`, `JID`…: they start with an upper-case
/// letter). `data` objects whose fields are all lower-case (`QRCode`, `Connected`) or empty
/// (`Disconnected`) are claimed only with `instanceToken`, which only this provider sends.
///
/// The `{event, instanceId, data}` provider shares the envelope but its `data` is camelCase
/// (`messageType`, `connectedNumber`, `chat`, `sender`) and it sends no `instanceToken`; a body
/// whose `data` has its `messageType` or `connectedNumber` is never claimed.
pub fn claims(obj: &Map<String, Value>) -> bool {
    if !obj.get("event").is_some_and(Value::is_string)
        || obj.contains_key("session")
        || obj.contains_key("instance")
    {
        return false;
    }
    let envelope = ["instanceId", "instanceName", "instanceToken"]
        .iter()
        .any(|k| obj.get(*k).is_some_and(Value::is_string));
    let Some(data) = obj.get("data").and_then(Value::as_object) else {
        return false;
    };
    if !envelope || data.contains_key("messageType") || data.contains_key("connectedNumber") {
        return false;
    }
    let go_fields = data
        .keys()
        .any(|k| k.starts_with(|c: char| c.is_ascii_uppercase()));
    go_fields || obj.contains_key("instanceToken")
}

/// The events one body carries.
pub fn normalize(root: &Value) -> Vec<Event> {
    let name = str_at(root, &["event"]).unwrap_or("unknown");
    let null = Value::Null;
    let data = root.get("data").unwrap_or(&null);
    match name {
        "Message" | "SendMessage" => vec![messages::message(data, name)],
        "Receipt" => receipts::receipt(root, data, name),
        "Presence" => vec![events::presence(root, data, name)],
        "ChatPresence" => vec![events::chat_presence(data, name)],
        "CallOffer" | "CallAccept" | "CallTerminate" | "CallOfferNotice" | "CallRelayLatency"
        | "CallReject" | "CallPreAccept" | "CallTransport" => vec![events::call(data, name)],
        "Connected"
        | "PairSuccess"
        | "Disconnected"
        | "LoggedOut"
        | "ConnectFailure"
        | "TemporaryBan"
        | "QRCode"
        | "QRTimeout"
        | "QRSuccess"
        | "OfflineSyncCompleted"
        | "StreamReplaced"
        | "ClientOutdated" => vec![events::session(data, name)],
        "GroupInfo" => vec![events::group_info(data, name)],
        "JoinedGroup" => vec![events::joined_group(data, name)],
        "Archive"
        | "Contact"
        | "PushName"
        | "HistorySync"
        | "LabelEdit"
        | "LabelAssociationChat"
        | "LabelAssociationMessage"
        | "NewsletterJoin"
        | "NewsletterLeave"
        | "Pin"
        | "Mute"
        | "Star"
        | "DeleteChat"
        | "MarkChatAsRead" => {
            vec![events::chat(data, name)]
        }
        _ => {
            let mut ev = Event::new(Kind::Unknown, name);
            let keys: Vec<&str> = data
                .as_object()
                .map(|o| o.keys().map(String::as_str).take(8).collect())
                .unwrap_or_default();
            ev.text = Some(if keys.is_empty() {
                format!("unhandled event {name}")
            } else {
                format!("unhandled event {name} ({})", keys.join(", "))
            });
            vec![ev]
        }
    }
}

/// The account the body arrived for: the instance's id (its name only when no id is given).
pub fn account(root: &Value) -> Option<&str> {
    str_at(root, &["instanceId"]).or_else(|| str_at(root, &["instanceName"]))
}

/// A whatsmeow JID string as a canonical chat id; `""` (Go's empty JID) is none.
fn jid(v: &Value, path: &[&str]) -> Option<ChatId> {
    str_at(v, path).and_then(ChatId::parse)
}

/// Of two ids of one party (whatsmeow's `Sender`/`SenderAlt`, `CallCreator`/`CallCreatorAlt`),
/// the one to show (the phone when either is one) and the (lid, phone) pair when one is each.
fn prefer_phone(
    main: Option<ChatId>,
    alt: Option<ChatId>,
) -> (Option<ChatId>, Option<(ChatId, ChatId)>) {
    match (main, alt) {
        (Some(m), Some(a)) if m.kind() == ChatKind::Lid && a.kind() == ChatKind::User => {
            (Some(a.clone()), Some((m, a)))
        }
        (Some(m), Some(a)) if a.kind() == ChatKind::Lid && m.kind() == ChatKind::User => {
            (Some(m.clone()), Some((a, m)))
        }
        (Some(m), _) => (Some(m), None),
        (None, a) => (a, None),
    }
}

/// Chat, sender and lid pair of a whatsmeow `MessageSource` (`Info` of a message, or a
/// `Receipt`/`ChatPresence` itself). In a one-to-one chat under lid addressing `Chat` is the
/// other party's lid and `SenderAlt` (incoming) or `RecipientAlt` (ours) their phone; Evolution
/// GO already swaps a lid `Sender` with its phone `SenderAlt` on messages, other events come
/// as whatsmeow made them.
struct Parties {
    chat: Option<ChatId>,
    sender: Option<ChatId>,
    from_me: Option<bool>,
    is_group: bool,
    lid_map: Option<(ChatId, ChatId)>,
}

impl Parties {
    /// An event of `kind` between these parties (the receipts' `from_me` is their own).
    fn event(&self, kind: Kind, name: &str) -> Event {
        let mut ev = Event::new(kind, name);
        ev.chat = self.chat.clone();
        ev.sender = self.sender.clone();
        ev.from_me = self.from_me;
        ev.lid_map = self.lid_map.clone();
        ev
    }
}

fn parties(src: &Value) -> Parties {
    let from_me = bool_at(src, &["IsFromMe"]);
    let (sender, sender_pair) = prefer_phone(jid(src, &["Sender"]), jid(src, &["SenderAlt"]));
    let raw_chat = jid(src, &["Chat"]);
    let is_group = bool_at(src, &["IsGroup"]) == Some(true)
        || raw_chat
            .as_ref()
            .is_some_and(|c| c.kind() == ChatKind::Group);
    let (chat, chat_pair) = match raw_chat {
        Some(c) if c.kind() == ChatKind::Lid && !is_group => {
            let alt = if from_me == Some(true) {
                jid(src, &["RecipientAlt"])
            } else {
                jid(src, &["SenderAlt"]).or_else(|| sender.clone())
            };
            prefer_phone(Some(c), alt)
        }
        c => (c, None),
    };
    Parties {
        chat,
        sender,
        from_me,
        is_group,
        lid_map: sender_pair.or(chat_pair),
    }
}

/// A Go `time.Time` (RFC 3339, nanoseconds optional) or a unix number, in milliseconds. Go's
/// zero time (`0001-01-01T00:00:00Z`) and other times before 1970 are none.
fn time_ms(v: &Value, path: &[&str]) -> Option<i64> {
    let raw = super::json::at(v, path)?;
    let ms = match raw {
        Value::String(s) => {
            let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                .ok()?;
            (t.unix_timestamp_nanos() / 1_000_000) as i64
        }
        Value::Number(n) => to_millis(n.as_f64()?),
        _ => return None,
    };
    (ms > 0).then_some(ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn whatsmeow_data_is_claimed() {
        let msg = json!({"event": "Message", "instanceId": "i",
            "data": {"Info": {"ID": "A"}, "Message": {"conversation": "hi"}}});
        assert!(claims(&obj(msg)));
        let receipt = json!({"event": "Receipt", "instanceId": "i", "state": "Read",
            "data": {"Chat": "1@s.whatsapp.net", "MessageIDs": ["A"], "Type": "read"}});
        assert!(claims(&obj(receipt)));
        // Lower-case or empty data: the token tells.
        let qr = json!({"event": "QRCode", "instanceId": "i", "instanceToken": "t",
            "instanceName": "n", "data": {"qrcode": "data:image/png;base64,x", "code": "2@x"}});
        assert!(claims(&obj(qr)));
        let gone = json!({"event": "Disconnected", "instanceId": "i", "instanceToken": "t",
            "data": {}});
        assert!(claims(&obj(gone)));
    }

    #[test]
    fn near_misses_are_not_claimed() {
        for body in [
            // The {event, instanceId, data} provider: camelCase data, no token.
            json!({"event": "message", "instanceId": "i",
                "data": {"messageId": "A", "messageType": "text", "text": "hi"}}),
            json!({"event": "connection.update", "instanceId": "i",
                "data": {"status": "open", "connectedNumber": "5511"}}),
            json!({"event": "instance.created", "instanceId": "i", "data": {"name": "x"}}),
            // Even with a token, the instance provider's own keys win.
            json!({"event": "message", "instanceId": "i", "instanceToken": "t",
                "data": {"messageType": "text", "Info": {}}}),
            // Evolution API (Node) and WAHA envelopes.
            json!({"event": "messages.upsert", "instance": "x", "instanceId": "i",
                "data": {"Info": {}}}),
            json!({"event": "message", "session": "s", "instanceId": "i",
                "payload": {}, "data": {"Info": {}}}),
            // No envelope, no string event, data not an object.
            json!({"event": "Message", "data": {"Info": {}}}),
            json!({"event": {"type": "messages"}, "instanceId": "i", "data": {"Info": {}}}),
            json!({"event": "Message", "instanceId": "i", "instanceToken": "t", "data": []}),
        ] {
            assert!(!claims(&obj(body.clone())), "{body}");
        }
    }

    #[test]
    fn lid_chat_resolves_to_the_phone_alt() {
        let src = json!({"Chat": "123456789@lid", "Sender": "123456789:3@lid",
            "SenderAlt": "5511988887777@s.whatsapp.net", "IsFromMe": false, "IsGroup": false});
        let p = parties(&src);
        assert_eq!(p.chat.unwrap().as_str(), "5511988887777@c.us");
        assert_eq!(p.sender.unwrap().as_str(), "5511988887777@c.us");
        let (lid, phone) = p.lid_map.unwrap();
        assert_eq!(
            (lid.as_str(), phone.as_str()),
            ("123456789@lid", "5511988887777@c.us")
        );
        // Ours: the recipient's phone is RecipientAlt.
        let ours = json!({"Chat": "999@lid", "Sender": "5511999990000:12@s.whatsapp.net",
            "RecipientAlt": "5511900001111@s.whatsapp.net", "IsFromMe": true});
        let p = parties(&ours);
        assert_eq!(p.chat.unwrap().as_str(), "5511900001111@c.us");
        assert_eq!(p.sender.unwrap().as_str(), "5511999990000@c.us");
        assert_eq!(p.lid_map.unwrap().0.as_str(), "999@lid");
    }

    #[test]
    fn go_times_are_read_and_the_zero_time_is_none() {
        let v = json!({"a": "2025-06-01T12:00:03-03:00", "b": "0001-01-01T00:00:00Z",
            "c": "2025-06-01T15:00:03.123456789Z", "d": 1750000000});
        assert_eq!(time_ms(&v, &["a"]), Some(1_748_790_003_000));
        assert_eq!(time_ms(&v, &["b"]), None);
        assert_eq!(time_ms(&v, &["c"]), Some(1_748_790_003_123));
        assert_eq!(time_ms(&v, &["d"]), Some(1_750_000_000_000));
    }

    #[test]
    fn odd_shapes_do_not_panic() {
        for event in [
            "Message",
            "SendMessage",
            "Receipt",
            "Presence",
            "ChatPresence",
            "CallOffer",
            "GroupInfo",
            "JoinedGroup",
            "Connected",
            "Archive",
            "Whatever",
        ] {
            for data in [
                json!(null),
                json!({}),
                json!([1, 2]),
                json!({"Info": 5, "Message": [1], "MessageIDs": "A", "Chat": 7}),
                json!({"Message": {"pollUpdateMessage": {"pollCreationMessageKey": 1}},
                    "Info": {"Chat": "", "Sender": ""}}),
                json!({"Message": {"protocolMessage": {"type": "x", "key": []}}}),
                json!({"Join": [1, null], "Name": 3, "Data": {"Content": "AAE="}}),
            ] {
                let body = json!({"event": event, "instanceId": "i", "data": data});
                let evs = normalize(&body);
                assert!(!evs.is_empty() || event == "Receipt", "{event}");
            }
        }
    }
}
