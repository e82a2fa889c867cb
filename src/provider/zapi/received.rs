//! `ReceivedCallback`: one message a chat received or (with "notify sent by me") one we sent.
//! The common envelope (parties, names, time, quoted message, status) is read here; what the
//! message is comes from `content.rs`, or from `notifications.rs` when it carries a
//! `notification` (calls, revokes, group and account notices).

use super::super::json::{bool_at, id_at, millis_at, str_at, string_at};
use super::parties::parties;
use super::{content, notifications};
use crate::model::{Ack, Event, Kind, MessageType};
use serde_json::Value;

/// A Z-API message status label (`status` of a message or a status callback) as an ack.
/// `RECEIVED` is WhatsApp's double grey tick (delivered). `READ_BY_ME` (we read their message)
/// and unknown labels are no tick. **\[I\]** `FAILED`/`ERROR` are not in the docs' list; read
/// as failed should a body carry them.
pub(super) fn ack(label: &str) -> Option<Ack> {
    match label.to_ascii_uppercase().as_str() {
        "PENDING" => Some(Ack::Pending),
        "SENT" => Some(Ack::Sent),
        "RECEIVED" | "DELIVERED" => Some(Ack::Delivered),
        "READ" => Some(Ack::Read),
        "PLAYED" => Some(Ack::Played),
        "FAILED" | "ERROR" => Some(Ack::Failed),
        _ => None,
    }
}

/// The message time: `momment` (milliseconds; some examples write `moment`).
pub(super) fn moment(root: &Value) -> Option<i64> {
    millis_at(root, &["momment"]).or_else(|| millis_at(root, &["moment"]))
}

/// One `ReceivedCallback` body as one event.
pub(super) fn received(root: &Value, ty: &str) -> Event {
    let mut ev = Event::new(Kind::Message, ty);
    let p = parties(root);
    ev.chat = p.chat;
    ev.sender = p.sender;
    ev.from_me = p.from_me;
    ev.lid_map = p.lid_map;
    ev.message_id = id_at(root, &["messageId"]);
    ev.sender_name = string_at(root, &["senderName"]);
    ev.chat_name = string_at(root, &["chatName"]);
    ev.timestamp_ms = moment(root);
    ev.reply_to = id_at(root, &["referenceMessageId"]);
    if let Some(label) = str_at(root, &["status"]) {
        ev.status = ack(label);
        ev.status_label = Some(label.to_owned());
    }
    if let Some(name) = notification_name(root) {
        notifications::apply(root, &name, &mut ev);
        return ev;
    }
    content::apply(root, &mut ev);
    if bool_at(root, &["isEdit"]) == Some(true) {
        edit(root, &mut ev);
    }
    ev
}

/// The `notification` a body carries, if any (`null` and empty mean none).
fn notification_name(root: &Value) -> Option<String> {
    match root.get("notification") {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Some(Value::Null) | None => None,
        Some(Value::String(_)) => None,
        Some(other) => Some(other.to_string()),
    }
}

/// An edited message (`isEdit: true`): the new content of the message it names.
/// **\[I\]** The docs only say `isEdit` "identifies if the received message was edited"; the
/// edited message is `editMessageId` when present, else `messageId` (Z-API repeats the original
/// message's id). A `referenceMessageId` stays the quote, not the target.
fn edit(root: &Value, ev: &mut Event) {
    ev.kind = Kind::Edit;
    ev.target = id_at(root, &["editMessageId"]).or_else(|| ev.message_id.clone());
    // An edit is no new delivery state of the message.
    ev.status = None;
    ev.status_label = None;
    if ev.msg_type.is_none() {
        ev.msg_type = Some(MessageType::Text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MessageId;
    use serde_json::json;

    fn body(extra: Value) -> Value {
        let mut b = json!({"type": "ReceivedCallback", "instanceId": "I", "messageId": "M",
            "phone": "5544999999999", "fromMe": false, "momment": 1632228638000u64,
            "status": "RECEIVED", "senderName": "Ana", "chatName": "Ana"});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    }

    #[test]
    fn an_edit_targets_the_message_it_repeats_or_names() {
        let ev = received(
            &body(json!({"isEdit": true, "text": {"message": "new"}})),
            "R",
        );
        assert_eq!(ev.kind, Kind::Edit);
        assert_eq!(ev.target, Some(MessageId::new("M")));
        assert_eq!(ev.text.as_deref(), Some("new"));
        assert_eq!(ev.status, None);
        let named = received(
            &body(json!({"isEdit": true, "editMessageId": "ORIG", "text": {"message": "n"}})),
            "R",
        );
        assert_eq!(named.target, Some(MessageId::new("ORIG")));
    }

    #[test]
    fn labels_map_to_acks() {
        assert_eq!(ack("RECEIVED"), Some(Ack::Delivered));
        assert_eq!(ack("read"), Some(Ack::Read));
        assert_eq!(ack("READ_BY_ME"), None);
        assert_eq!(ack("MESSAGE_RECEIVED"), None);
    }

    #[test]
    fn seconds_and_the_moment_spelling_are_read() {
        assert_eq!(
            moment(&json!({"moment": 1632228638000u64})),
            Some(1632228638000)
        );
        assert_eq!(moment(&json!({"momment": 1580163342})), Some(1580163342000));
    }
}
