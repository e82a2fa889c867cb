//! Callbacks about the connection and the people in a chat, not about messages:
//! `ConnectedCallback`, `DisconnectedCallback` (kind `session`) and `PresenceChatCallback`
//! (kind `presence`: AVAILABLE, UNAVAILABLE, COMPOSING, RECORDING, PAUSED).

use super::super::json::{bool_at, millis_at, str_at, string_at};
use super::parties::{chat_of, is_multi, lid_id, user_id};
use super::received::moment;
use crate::model::{Event, Kind};
use serde_json::Value;

/// `ConnectedCallback {connected, phone, momment, isBusiness?}`.
pub(super) fn connected(root: &Value, ty: &str) -> Event {
    let mut ev = Event::new(Kind::Session, ty);
    ev.timestamp_ms = moment(root);
    let state = match bool_at(root, &["connected"]) {
        Some(false) => "not connected",
        _ => "connected",
    };
    let mut text = state.to_owned();
    if let Some(phone) = str_at(root, &["phone"]).and_then(user_id) {
        text.push_str(&format!(" as {}", phone.label()));
    }
    if bool_at(root, &["isBusiness"]) == Some(true) {
        text.push_str(" (business)");
    }
    ev.text = Some(text);
    ev
}

/// `DisconnectedCallback {disconnected, error, momment}`.
pub(super) fn disconnected(root: &Value, ty: &str) -> Event {
    let mut ev = Event::new(Kind::Session, ty);
    ev.timestamp_ms = moment(root);
    ev.error = string_at(root, &["error"]);
    ev.text = Some(match &ev.error {
        Some(e) => format!("disconnected: {e}"),
        None => "disconnected".to_owned(),
    });
    ev
}

/// `PresenceChatCallback {phone, status, lastSeen}`; in groups the one typing is named by
/// `participantPhone` / `participant` / `participantLid` **\[I\]** (seen in a Z-API-compatible
/// service's schema, not in Z-API's docs).
pub(super) fn presence(root: &Value, ty: &str) -> Event {
    let mut ev = Event::new(Kind::Presence, ty);
    ev.chat = chat_of(root);
    let who = str_at(root, &["participantPhone"])
        .or_else(|| str_at(root, &["participant"]))
        .and_then(user_id)
        .or_else(|| str_at(root, &["participantLid"]).and_then(lid_id));
    ev.sender = who.or_else(|| ev.chat.clone().filter(|c| !is_multi(c)));
    ev.sender_name = string_at(root, &["senderName"]);
    ev.chat_name = string_at(root, &["chatName"]);
    let state = str_at(root, &["status"]).unwrap_or("presence update");
    ev.status_label = None;
    let mut text = state.to_ascii_lowercase();
    if let Some(seen) = millis_at(root, &["lastSeen"]) {
        ev.timestamp_ms = Some(seen);
        text.push_str(" (last seen)");
    }
    ev.text = Some(text);
    ev
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn presence_names_the_chat_and_state() {
        let ev = presence(
            &json!({"type": "PresenceChatCallback", "phone": "5544999999999",
                "status": "COMPOSING", "lastSeen": null, "instanceId": "I"}),
            "PresenceChatCallback",
        );
        assert_eq!(ev.chat.as_ref().unwrap().as_str(), "5544999999999@c.us");
        assert_eq!(ev.sender, ev.chat);
        assert_eq!(ev.text.as_deref(), Some("composing"));
    }

    #[test]
    fn connection_changes_are_session_events() {
        let on = connected(
            &json!({"connected": true, "phone": "5521900000000", "isBusiness": true}),
            "ConnectedCallback",
        );
        assert_eq!(
            on.text.as_deref(),
            Some("connected as +5521900000000 (business)")
        );
        let off = disconnected(
            &json!({"momment": 1580163342, "error": "Device has been disconnected",
                "disconnected": true}),
            "DisconnectedCallback",
        );
        assert_eq!(off.kind, Kind::Session);
        assert_eq!(off.timestamp_ms, Some(1_580_163_342_000));
        assert_eq!(off.error.as_deref(), Some("Device has been disconnected"));
    }
}
