//! `Receipt` bodies: one whatsmeow receipt names many messages (`MessageIDs`), so it becomes
//! one status event per id, keyed by the same whatsmeow id the message came with.

use super::{parties, time_ms};
use crate::model::{Ack, Event, Kind, MessageId};
use serde_json::Value;

/// The ticks one receipt gives. `root` holds Evolution GO's own `state` label (`Delivered`,
/// `Read`, `ReadSelf`), `data` the whatsmeow `Receipt`.
pub(super) fn receipt(root: &Value, data: &Value, name: &str) -> Vec<Event> {
    let p = parties(data);
    // whatsmeow's receipt type: "" delivered, "read", "read-self", "played", "played-self",
    // "sender", "retry", "server-error", "inactive", "peer_msg", "hist_sync".
    let ty = data.get("Type").and_then(Value::as_str);
    let state = root
        .get("state")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    let ack = match ty {
        Some("") => Some(Ack::Delivered),
        Some("read") | Some("read-self") => Some(Ack::Read),
        Some("played") | Some("played-self") => Some(Ack::Played),
        Some("server-error") => Some(Ack::Failed),
        // No type at all: Evolution GO's state still says what it was.
        None => match state {
            Some("Delivered") => Some(Ack::Delivered),
            Some("Read") | Some("ReadSelf") => Some(Ack::Read),
            _ => None,
        },
        // Retries, our own devices' "sender" receipts, …: recorded without an ack.
        Some(_) => None,
    };
    let label = state.map(str::to_owned).or_else(|| {
        ty.map(|t| match t {
            "" => "delivered".to_owned(),
            t => t.to_owned(),
        })
    });
    // `*-self` and `sender` receipts come from our own devices about messages we received or
    // sent elsewhere; the rest come from the other party about messages we sent.
    let about_incoming = matches!(ty, Some("read-self") | Some("played-self"))
        || (ty.is_none() && state == Some("ReadSelf"));
    let ts = time_ms(data, &["Timestamp"]);
    let ids: Vec<&str> = data
        .get("MessageIDs")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let one = |id: Option<&str>| {
        let mut ev = p.event(Kind::Status, name);
        ev.from_me = Some(!about_incoming);
        // In a group each participant's receipt is its own tick.
        if p.is_group {
            ev.participant = p.sender.clone();
        }
        ev.message_id = id.map(MessageId::new);
        ev.status = ack;
        ev.status_label = label.clone();
        ev.timestamp_ms = ts;
        ev
    };
    if ids.is_empty() {
        let mut ev = one(None);
        ev.text = Some("receipt without message ids".to_owned());
        return vec![ev];
    }
    ids.into_iter().map(|id| one(Some(id))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(state: &str, data: Value) -> Value {
        json!({"event": "Receipt", "instanceId": "i", "state": state, "data": data})
    }

    #[test]
    fn one_tick_per_message_id() {
        let b = body(
            "Read",
            json!({"Chat": "5511988881111@s.whatsapp.net", "Sender": "5511988881111@s.whatsapp.net",
            "IsFromMe": false, "IsGroup": false, "MessageIDs": ["A", "B"], "Type": "read",
            "Timestamp": "2025-06-01T12:00:00Z"}),
        );
        let evs = receipt(&b, &b["data"], "Receipt");
        assert_eq!(evs.len(), 2);
        assert_eq!(evs[1].message_id.as_ref().unwrap().as_str(), "B");
        assert!(evs
            .iter()
            .all(|e| e.status == Some(Ack::Read) && e.from_me == Some(true)));
        assert_eq!(evs[0].status_label.as_deref(), Some("Read"));
        assert_eq!(evs[0].participant, None);
    }

    #[test]
    fn empty_type_is_delivered_and_group_receipts_name_the_participant() {
        let b = body(
            "Delivered",
            json!({"Chat": "120363@g.us", "Sender": "5511955553333:2@s.whatsapp.net",
            "IsGroup": true, "MessageIDs": ["P"], "Type": ""}),
        );
        let ev = &receipt(&b, &b["data"], "Receipt")[0];
        assert_eq!(ev.status, Some(Ack::Delivered));
        assert_eq!(
            ev.participant.as_ref().unwrap().as_str(),
            "5511955553333@c.us"
        );
        assert_eq!(ev.chat.as_ref().unwrap().as_str(), "120363@g.us");
    }

    #[test]
    fn read_self_is_about_an_incoming_message_and_unknown_types_have_no_ack() {
        let b = body(
            "ReadSelf",
            json!({"Chat": "1@s.whatsapp.net", "MessageIDs": ["X"], "Type": "read-self"}),
        );
        assert_eq!(receipt(&b, &b["data"], "Receipt")[0].from_me, Some(false));
        let retry = json!({"event": "Receipt", "data": {"MessageIDs": ["X"], "Type": "retry"}});
        let ev = &receipt(&retry, &retry["data"], "Receipt")[0];
        assert_eq!(
            (ev.status, ev.status_label.as_deref()),
            (None, Some("retry"))
        );
    }
}
