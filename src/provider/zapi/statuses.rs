//! Ticks: `MessageStatusCallback` (`status` over `ids[]`: SENT, RECEIVED, READ, READ_BY_ME,
//! PLAYED; in groups per `participant`) and `DeliveryCallback` (a message we sent reached
//! WhatsApp, or failed with `error`).

use super::super::json::{arr_at, first_str, id_at, str_at};
use super::parties::{chat_of, user_id};
use super::received::{ack, moment};
use crate::model::{Ack, Event, Kind, MessageId};
use serde_json::Value;

/// One status event per id in `ids` (a read receipt often covers several messages). The ids
/// are ours, except under `READ_BY_ME`, where we read the chat's messages: that is no tick on
/// them, but stays in their timeline.
pub(super) fn message_status(root: &Value, ty: &str) -> Vec<Event> {
    let label = first_str(root, &[&["status"]]).map(str::to_owned);
    let by_me = label
        .as_deref()
        .is_some_and(|l| l.eq_ignore_ascii_case("READ_BY_ME"));
    let status = label.as_deref().and_then(ack);
    let chat = chat_of(root);
    let participant = str_at(root, &["participant"]).and_then(user_id);
    let ts = moment(root);
    let mut ids: Vec<MessageId> = arr_at(root, &["ids"])
        .iter()
        .filter_map(|i| i.as_str().filter(|s| !s.is_empty()).map(MessageId::new))
        .collect();
    if ids.is_empty() {
        // **[I]** a single id written outside the array.
        ids.extend(first_str(root, &[&["ids"], &["messageId"], &["id"]]).map(MessageId::new));
    }
    let make = |id: Option<MessageId>| {
        let mut ev = Event::new(Kind::Status, ty);
        ev.chat = chat.clone();
        ev.message_id = id;
        ev.status = status;
        ev.status_label = label.clone();
        ev.participant = participant.clone();
        ev.from_me = Some(!by_me);
        ev.timestamp_ms = ts;
        if by_me {
            ev.text = Some("read by me".to_owned());
        }
        ev
    };
    if ids.is_empty() {
        // Still one visible event: a status naming no message.
        return vec![make(None)];
    }
    ids.into_iter().map(|id| make(Some(id))).collect()
}

/// `DeliveryCallback`: our message (`messageId`, else `zaapId`) reached WhatsApp (sent), or,
/// when `error` is present, could not be sent (failed, with the error and any `errorCode`).
pub(super) fn delivery(root: &Value, ty: &str) -> Event {
    let mut ev = Event::new(Kind::Status, ty);
    ev.chat = chat_of(root);
    ev.message_id = id_at(root, &["messageId"]).or_else(|| id_at(root, &["zaapId"]));
    ev.from_me = Some(true);
    ev.timestamp_ms = moment(root);
    let error = match root.get("error") {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Some(Value::Null) | Some(Value::String(_)) | None => None,
        Some(other) => Some(other.to_string()),
    };
    match error {
        Some(e) => {
            ev.status = Some(Ack::Failed);
            ev.status_label = Some("DeliveryCallback error".to_owned());
            ev.error = Some(match str_at(root, &["errorCode"]) {
                Some(code) => format!("{e} ({code})"),
                None => e,
            });
        }
        None => {
            ev.status = Some(Ack::Sent);
            ev.status_label = Some("DeliveryCallback".to_owned());
        }
    }
    ev
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_status_per_id_with_the_group_participant() {
        let evs = message_status(
            &json!({"instanceId": "I", "status": "READ", "ids": ["A", "B"],
                "momment": 1757298017000u64, "participant": "557592314744",
                "phone": "120363182823169824-group", "type": "MessageStatusCallback",
                "isGroup": true}),
            "MessageStatusCallback",
        );
        assert_eq!(evs.len(), 2);
        assert_eq!(evs[1].message_id, Some(MessageId::new("B")));
        assert_eq!(evs[0].status, Some(Ack::Read));
        assert_eq!(
            evs[0].chat.as_ref().unwrap().as_str(),
            "120363182823169824@g.us"
        );
        assert_eq!(
            evs[0].participant.as_ref().unwrap().as_str(),
            "557592314744@c.us"
        );
        assert_eq!(evs[0].from_me, Some(true));
    }

    #[test]
    fn read_by_me_is_no_tick_on_their_message() {
        let ev = &message_status(
            &json!({"status": "READ_BY_ME", "ids": ["X"], "phone": "5544999999999"}),
            "MessageStatusCallback",
        )[0];
        assert_eq!((ev.status, ev.from_me), (None, Some(false)));
        assert_eq!(ev.status_label.as_deref(), Some("READ_BY_ME"));
    }

    #[test]
    fn a_delivery_error_is_a_failure() {
        let ok = delivery(
            &json!({"phone": "554499999999", "zaapId": "Z", "messageId": "M"}),
            "D",
        );
        assert_eq!(
            (ok.status, ok.message_id.clone()),
            (Some(Ack::Sent), Some(MessageId::new("M")))
        );
        let bad = delivery(
            &json!({"phone": "554499999999", "zaapId": "Z", "error": "Shadow ban",
                "errorCode": "SHADOW_BAN"}),
            "D",
        );
        assert_eq!(bad.status, Some(Ack::Failed));
        assert_eq!(bad.message_id, Some(MessageId::new("Z")));
        assert_eq!(bad.error.as_deref(), Some("Shadow ban (SHADOW_BAN)"));
    }
}
