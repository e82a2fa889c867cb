//! Baileys message content: `messages.upsert` / `send.message` items and the `message` object's
//! type, text, media, polls, reactions and protocol messages (revokes and edits).

use super::super::json::{first_str, id_at, num_at, str_at, string_at};
use super::super::wa_message::{self, Protocol};
use super::{ack, apply, parties, timestamp};
use crate::model::{ChatId, ChatKind, Event, Kind, MessageType};
use serde_json::Value;

/// `messages.upsert` / `send.message`: one prepared Baileys message.
pub(super) fn message(d: &Value, name: &str, me: Option<&ChatId>) -> Event {
    let mut ev = Event::new(Kind::Message, name);
    let key = d.get("key").unwrap_or(&Value::Null);
    let p = parties(key, d, me);
    let is_group = p.chat.as_ref().is_some_and(|c| c.kind() == ChatKind::Group);
    let from_me = p.from_me == Some(true);
    apply(&mut ev, p);
    ev.message_id = id_at(key, &["id"]);
    ev.sender_name = string_at(d, &["pushName"]);
    if !from_me && !is_group {
        ev.chat_name = ev.sender_name.clone();
    }
    ev.timestamp_ms = timestamp(d, "messageTimestamp");
    let (status, label) = ack(d.get("status").unwrap_or(&Value::Null));
    ev.status = status;
    ev.status_label = label;
    let msg = d.get("message").unwrap_or(&Value::Null);
    content(msg, str_at(d, &["messageType"]), &mut ev);
    if ev.reply_to.is_none() {
        ev.reply_to = id_at(d, &["contextInfo", "stanzaId"]);
    }
    if let Some(url) = str_at(msg, &["mediaUrl"]) {
        if let Some(m) = ev.media.as_mut() {
            m.url = Some(url.to_owned());
        }
    }
    ev
}

/// Message keys that are wrappers or metadata, never the content itself.
const NOT_CONTENT: [&str; 4] = ["messageContextInfo", "mediaUrl", "base64", "contextInfo"];

/// Fills type/text/media (or turns the event into a reaction, edit, revoke) from a Baileys
/// `message` object, using `message_type` when it names a key present in it.
pub(super) fn content(msg: &Value, message_type: Option<&str>, ev: &mut Event) {
    let ty = message_type
        .filter(|t| msg.get(*t).is_some())
        .or_else(|| {
            msg.as_object()?
                .keys()
                .map(String::as_str)
                .find(|k| !NOT_CONTENT.contains(k))
        })
        .or(message_type);
    let Some(ty) = ty else {
        ev.msg_type = Some(MessageType::Unsupported);
        ev.text = Some("empty message".to_owned());
        return;
    };
    let body = msg.get(ty).unwrap_or(&Value::Null);
    if ev.reply_to.is_none() {
        ev.reply_to = id_at(body, &["contextInfo", "stanzaId"]);
    }
    let text = |p: &[&str]| string_at(body, p);
    let set = |ev: &mut Event, t: MessageType, text: Option<String>| {
        ev.msg_type = Some(t);
        ev.text = text;
    };
    match ty {
        "documentWithCaptionMessage"
        | "viewOnceMessage"
        | "viewOnceMessageV2"
        | "ephemeralMessage" => {
            content(body.get("message").unwrap_or(&Value::Null), None, ev);
        }
        "locationMessage" | "liveLocationMessage" => {
            let named: Vec<&str> = [str_at(body, &["name"]), str_at(body, &["address"])]
                .into_iter()
                .flatten()
                .collect();
            let latlon = match (
                num_at(body, &["degreesLatitude"]),
                num_at(body, &["degreesLongitude"]),
            ) {
                (Some(a), Some(o)) => Some(format!("{a}, {o}")),
                _ => None,
            };
            let t = if ty == "locationMessage" {
                MessageType::Location
            } else {
                MessageType::LiveLocation
            };
            let txt = if named.is_empty() {
                text(&["caption"]).or(latlon)
            } else {
                Some(named.join(" · "))
            };
            set(ev, t, txt);
        }
        "pollCreationMessage" | "pollCreationMessageV2" | "pollCreationMessageV3" => {
            let poll = wa_message::poll_creation(body, ty);
            set(ev, MessageType::Poll, Some(poll.question.clone()));
            ev.poll = Some(poll);
        }
        "protocolMessage" => protocol(body, ev),
        "editedMessage" => {
            let inner = body.get("message").unwrap_or(body);
            match inner.get("protocolMessage") {
                Some(p) => protocol(p, ev),
                None => {
                    ev.kind = Kind::Edit;
                    content(inner, None, ev);
                }
            }
        }
        "interactiveResponseMessage" | "interactiveMessage" => set(
            ev,
            MessageType::Interactive,
            first_str(
                body,
                &[&["body", "text"], &["nativeFlowResponseMessage", "name"]],
            )
            .map(str::to_owned),
        ),
        other => {
            if !wa_message::plain_content(other, body, ev, &wa_message::BAILEYS) {
                set(
                    ev,
                    MessageType::Unsupported,
                    Some(format!("unsupported message type {other}")),
                );
            }
        }
    }
}

/// A Baileys `protocolMessage` ([`wa_message::protocol`]); types other than revoke and edit are
/// unsupported.
pub(super) fn protocol(p: &Value, ev: &mut Event) {
    if let Protocol::Other(n) = wa_message::protocol(p, ev, "id", |m, e| content(m, None, e)) {
        ev.msg_type = Some(MessageType::Unsupported);
        ev.text = Some(match n {
            Some(n) => format!("protocolMessage type {n}"),
            None => "protocolMessage".to_owned(),
        });
    }
}
