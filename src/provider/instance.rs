//! The `{event, instanceId, data}` provider ("Provider 003", providers.md §3): a Baileys-style
//! API whose `message` event carries one message per body, typed by `data.messageType`.
//!
//! Assumptions (the provider is unidentified; only the `message` event is documented):
//! - **Unverified**: status updates. Any event whose name contains `status`, `ack` or `receipt`
//!   (e.g. `message.status`, `message.ack`) and whose `data` names a message (`messageId`, else
//!   `id`) is kind `status`, its ack read from `data.status` (the same labels as messages:
//!   UNKNOWN, ERROR, PENDING, SENT, RECEIVED = delivered, READ, PLAYED) or `data.ack`.
//! - **Unverified**: event names containing `connection`, `qr`, `session` or `state` are kind
//!   `session` with `data.status`/`data.state` as text. Other unknown events are kind `unknown`.
//! - `data` may also be an array of such objects (each becomes one event), though detection
//!   (`provider::detect`) currently only recognises an object `data`.
//! - lid: when `chat.lid` and a phone `chat.jid` are both given (or `isLid` with a phone jid),
//!   `lid_map` = (lid, phone) and the phone id is the chat; a bare lid without `@` gets `@lid`.
//!   The sender's jid/lid pair is used when the chat reveals none (group messages).
//! - Outgoing (`fromMe`): the sender is `connectedNumber`.
//! - Calls are kind `call`, type `call`, text like "missed voice call".
//! - Polls: `selectableCount` 1 is single choice; 0, >1 or absent is multi. Votes carry
//!   `option_hash` of each selected name; `previousSelectedOptions` is informational only.

use super::json::{arr_at, at, bool_at, first_str, id_at, millis_at, num_at, str_at, string_at};
use crate::model::{option_hash, Ack, ChatId, Event, Kind, Media, MessageType, PollDef, Vote};
use serde_json::Value;

/// Every event in an instance body.
pub fn normalize(root: &Value) -> Vec<Event> {
    let event = str_at(root, &["event"]).unwrap_or("?");
    match root.get("data") {
        Some(Value::Array(items)) => items.iter().map(|d| one(event, d)).collect(),
        Some(d @ Value::Object(_)) => vec![one(event, d)],
        _ => Vec::new(),
    }
}

/// One `data` object of event `event`.
fn one(event: &str, d: &Value) -> Event {
    let lower = event.to_ascii_lowercase();
    let names_message = first_str(d, &[&["messageId"], &["id"]]).is_some();
    let has_status = first_str(d, &[&["status"], &["ack"]]).is_some();
    if ["status", "ack", "receipt"]
        .iter()
        .any(|w| lower.contains(w))
        && names_message
        && has_status
    {
        return status(event, d);
    }
    if str_at(d, &["messageType"]).is_some() {
        return message(event, d);
    }
    if ["connection", "qr", "session", "state"]
        .iter()
        .any(|w| lower.contains(w))
    {
        let mut ev = Event::new(Kind::Session, event);
        ev.text = first_str(d, &[&["status"], &["state"]])
            .map(str::to_owned)
            .or_else(|| Some(event.to_owned()));
        return ev;
    }
    let mut ev = Event::new(Kind::Unknown, event);
    ev.text = Some(format!("unhandled event {event}"));
    ev
}

/// The provider's status label as an [`Ack`]. RECEIVED means delivered to the recipient.
fn ack(label: &str) -> Option<Ack> {
    match label.to_ascii_uppercase().as_str() {
        "ERROR" | "FAILED" => Some(Ack::Failed),
        "PENDING" => Some(Ack::Pending),
        "SENT" | "SERVER_ACK" => Some(Ack::Sent),
        "RECEIVED" | "DELIVERED" | "DELIVERY_ACK" => Some(Ack::Delivered),
        "READ" => Some(Ack::Read),
        "PLAYED" => Some(Ack::Played),
        _ => None, // UNKNOWN
    }
}

/// A jid-or-lid string as a chat id; a bare lid (no `@`) is given its `@lid` server.
fn lid_id(raw: &str) -> Option<ChatId> {
    if raw.contains('@') {
        ChatId::parse(raw)
    } else {
        ChatId::parse(&format!("{raw}@lid"))
    }
}

/// The phone-or-group id and the lid of a `chat` or `sender` object.
fn party(p: &Value) -> (Option<ChatId>, Option<ChatId>) {
    let jid = str_at(p, &["jid"]).and_then(ChatId::parse);
    let lid = str_at(p, &["lid"]).and_then(lid_id);
    // A "jid" that is itself a lid (isLid chats) is the lid, not a phone.
    match jid {
        Some(j) if j.kind() == crate::model::ChatKind::Lid => (None, lid.or(Some(j))),
        j => (j, lid),
    }
}

/// The chat, sender and any (lid, phone) pair the payload reveals.
struct Parties {
    chat: Option<ChatId>,
    sender: Option<ChatId>,
    lid_map: Option<(ChatId, ChatId)>,
}

fn parties(d: &Value) -> Parties {
    let null = Value::Null;
    let (chat_phone, chat_lid) = party(d.get("chat").unwrap_or(&null));
    let (sender_phone, sender_lid) = party(d.get("sender").unwrap_or(&null));
    let pair = |lid: &Option<ChatId>, phone: &Option<ChatId>| match (lid, phone) {
        (Some(l), Some(p)) if p.kind() == crate::model::ChatKind::User => {
            Some((l.clone(), p.clone()))
        }
        _ => None,
    };
    let lid_map = pair(&chat_lid, &chat_phone).or_else(|| pair(&sender_lid, &sender_phone));
    let fallback_chat = str_at(d, &["pollChatJid"]).and_then(ChatId::parse);
    let chat = chat_phone.or(chat_lid).or(fallback_chat);
    let sender = if bool_at(d, &["fromMe"]) == Some(true) {
        str_at(d, &["connectedNumber"]).and_then(ChatId::parse)
    } else {
        sender_phone.or(sender_lid)
    };
    Parties {
        chat,
        sender,
        lid_map,
    }
}

/// Fields every message has.
fn base(kind: Kind, event: &str, d: &Value) -> Event {
    let p = parties(d);
    let mut ev = Event::new(kind, event);
    ev.chat = p.chat;
    ev.sender = p.sender;
    ev.lid_map = p.lid_map;
    ev.chat_name = string_at(d, &["chat", "name"]);
    ev.sender_name = string_at(d, &["sender", "name"]);
    ev.from_me = bool_at(d, &["fromMe"]);
    ev.message_id = id_at(d, &["messageId"]);
    ev.timestamp_ms = millis_at(d, &["timestamp"]);
    ev.reply_to = id_at(d, &["quotedMessage", "id"]);
    ev
}

/// A `status`/`ack`/`receipt` event about one message (unverified shape, see module doc).
fn status(event: &str, d: &Value) -> Event {
    let mut ev = base(Kind::Status, event, d);
    ev.message_id = first_str(d, &[&["messageId"], &["id"]]).map(crate::model::MessageId::new);
    ev.reply_to = None;
    let label = first_str(d, &[&["status"], &["ack"]]);
    ev.status = label.and_then(ack);
    ev.status_label = label.map(str::to_owned);
    ev.error = first_str(d, &[&["error"], &["error", "message"], &["reason"]]).map(str::to_owned);
    // The chat may be given flat on status events.
    if ev.chat.is_none() {
        ev.chat = first_str(d, &[&["chatJid"], &["remoteJid"], &["jid"], &["to"]])
            .and_then(ChatId::parse);
    }
    ev
}

/// A `data` object with a `messageType`.
fn message(event: &str, d: &Value) -> Event {
    let ty = str_at(d, &["messageType"]).unwrap_or("");
    let s = |k: &str| string_at(d, &[k]);
    match ty {
        "reaction" => {
            let mut ev = base(Kind::Reaction, event, d);
            ev.emoji = Some(
                at(d, &["reaction"])
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
            );
            ev.target = id_at(d, &["targetMessageId"]);
            return ev;
        }
        "edited" => {
            let mut ev = base(Kind::Edit, event, d);
            ev.target = id_at(d, &["originalMessageId"]);
            ev.text = s("editedContent");
            ev.msg_type = ev.text.as_ref().map(|_| MessageType::Text);
            return ev;
        }
        "deleted" => {
            let mut ev = base(Kind::Revoke, event, d);
            ev.target = id_at(d, &["originalMessageId"]);
            return ev;
        }
        "poll_vote" => return poll_vote(event, d),
        _ => {}
    }
    let (kind, mt) = match ty {
        "text" => (Kind::Message, MessageType::Text),
        "image" => (Kind::Message, MessageType::Image),
        "video" if bool_at(d, &["gifPlayback"]) == Some(true) => (Kind::Message, MessageType::Gif),
        "video" => (Kind::Message, MessageType::Video),
        "audio" if bool_at(d, &["voiceNote"]) == Some(true) => (Kind::Message, MessageType::Voice),
        "audio" => (Kind::Message, MessageType::Audio),
        "document" => (Kind::Message, MessageType::Document),
        "sticker" => (Kind::Message, MessageType::Sticker),
        "location" => (Kind::Message, MessageType::Location),
        "live_location" => (Kind::Message, MessageType::LiveLocation),
        "contact" | "contacts" => (Kind::Message, MessageType::Contact),
        "poll" => (Kind::Message, MessageType::Poll),
        "call" => (Kind::Call, MessageType::Call),
        _ => (Kind::Message, MessageType::Unsupported),
    };
    let mut ev = base(kind, event, d);
    ev.msg_type = Some(mt);
    if let Some(label) = str_at(d, &["status"]) {
        ev.status = ack(label);
        ev.status_label = Some(label.to_owned());
    }
    ev.text = match mt {
        MessageType::Text => s("text"),
        m if m.is_media() => s("caption"),
        MessageType::Location | MessageType::LiveLocation => place(d),
        MessageType::Contact => {
            let names: Vec<&str> = arr_at(d, &["contacts"])
                .iter()
                .filter_map(|c| first_str(c, &[&["name"], &["number"]]))
                .collect();
            (!names.is_empty()).then(|| names.join(", "))
        }
        MessageType::Poll => s("pollName"),
        MessageType::Call => Some(call_text(d)),
        _ if ty == "unsupported" => Some(match (str_at(d, &["originalType"]), s("reason")) {
            (Some(t), Some(r)) => format!("unsupported {t}: {r}"),
            (Some(t), None) => format!("unsupported {t}"),
            (None, Some(r)) => format!("unsupported: {r}"),
            (None, None) => "unsupported message".to_owned(),
        }),
        _ => Some(format!("unsupported messageType \"{ty}\"")),
    };
    if mt.is_media() {
        let m = Media {
            mime: s("mimetype"),
            filename: s("filename"),
            url: s("mediaUrl"),
        };
        ev.media = (m != Media::default()).then_some(m);
    }
    if mt == MessageType::Poll {
        ev.poll = Some(PollDef {
            question: s("pollName").unwrap_or_default(),
            options: arr_at(d, &["options"])
                .iter()
                .filter_map(|o| o.as_str().or_else(|| str_at(o, &["name"])))
                .map(str::to_owned)
                .collect(),
            multi: num_at(d, &["selectableCount"]).is_none_or(|n| n != 1.0),
        });
    }
    ev
}

/// A poll vote: the voter's full current selection, as option hashes.
fn poll_vote(event: &str, d: &Value) -> Event {
    let mut ev = base(Kind::PollVote, event, d);
    ev.target = id_at(d, &["pollMessageId"]);
    if let Some(c) = str_at(d, &["pollChatJid"]).and_then(ChatId::parse) {
        ev.chat.get_or_insert(c);
    }
    // The voter may be written as a lid the payload maps to a phone elsewhere.
    let voter = str_at(d, &["voterJid"])
        .and_then(ChatId::parse)
        .map(|v| match &ev.lid_map {
            Some((lid, phone)) if *lid == v => phone.clone(),
            _ => v,
        })
        .or_else(|| ev.sender.clone());
    if let Some(voter) = voter {
        ev.sender.get_or_insert(voter.clone());
        if let Some(poll) = ev.target.clone() {
            ev.vote = Some(Vote {
                poll,
                voter,
                options: arr_at(d, &["selectedOptions"])
                    .iter()
                    .filter_map(|o| o.as_str().or_else(|| str_at(o, &["name"])))
                    .map(option_hash)
                    .collect(),
                known: true,
                ts_ms: ev.timestamp_ms,
            });
        }
    }
    ev
}

/// "name · address", "caption" (live locations) or "lat, lon".
fn place(d: &Value) -> Option<String> {
    match (str_at(d, &["name"]), str_at(d, &["address"])) {
        (Some(n), Some(a)) => Some(format!("{n} · {a}")),
        (Some(n), None) => Some(n.to_owned()),
        (None, Some(a)) => Some(a.to_owned()),
        (None, None) => string_at(d, &["caption"]).or_else(|| {
            let lat = num_at(d, &["latitude"])?;
            let lon = num_at(d, &["longitude"])?;
            Some(format!("{lat}, {lon}"))
        }),
    }
}

/// "missed voice call", "accept video call (group), 42s".
fn call_text(d: &Value) -> String {
    let medium = if bool_at(d, &["isVideo"]) == Some(true) {
        "video call"
    } else {
        "voice call"
    };
    let mut text = match str_at(d, &["callStatus"]) {
        Some(st) => format!("{st} {medium}"),
        None => medium.to_owned(),
    };
    if bool_at(d, &["isGroupCall"]) == Some(true) {
        text.push_str(" (group)");
    }
    if let Some(secs) = num_at(d, &["duration"]).filter(|s| *s > 0.0) {
        text.push_str(&format!(", {secs}s"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn norm(data: Value) -> Event {
        let body = json!({"event": "message", "instanceId": "i", "data": data});
        normalize(&body).remove(0)
    }

    #[test]
    fn received_means_delivered() {
        assert_eq!(ack("RECEIVED"), Some(Ack::Delivered));
        assert_eq!(ack("SENT"), Some(Ack::Sent));
        assert_eq!(ack("ERROR"), Some(Ack::Failed));
        assert_eq!(ack("UNKNOWN"), None);
    }

    #[test]
    fn lid_chat_maps_to_phone() {
        let ev = norm(
            json!({"messageId": "M", "messageType": "text", "text": "hi",
            "chat": {"jid": "5511888@s.whatsapp.net", "lid": "99887766@lid", "isLid": true},
            "sender": {"jid": null, "lid": "99887766@lid"}}),
        );
        assert_eq!(ev.chat.as_ref().unwrap().as_str(), "5511888@c.us");
        let (lid, phone) = ev.lid_map.unwrap();
        assert_eq!(lid.as_str(), "99887766@lid");
        assert_eq!(phone.as_str(), "5511888@c.us");
        // Bare lids get their server.
        assert_eq!(lid_id("123").unwrap().as_str(), "123@lid");
    }

    #[test]
    fn poll_vote_hashes_names_and_resolves_lid_voter() {
        let ev = norm(json!({"messageId": "V", "messageType": "poll_vote",
            "chat": {"jid": "5511888@s.whatsapp.net", "lid": "777@lid"},
            "pollMessageId": "P", "voterJid": "777@lid", "selectedOptions": ["Red", "Blue"]}));
        let v = ev.vote.unwrap();
        assert_eq!(v.voter.as_str(), "5511888@c.us");
        assert_eq!(v.options, [option_hash("Red"), option_hash("Blue")]);
        assert_eq!(ev.target.unwrap().as_str(), "P");
    }

    #[test]
    fn status_events_are_recognised_by_name() {
        let body = json!({"event": "message.ack", "instanceId": "i",
            "data": {"messageId": "M", "status": "READ"}});
        let ev = normalize(&body).remove(0);
        assert_eq!(ev.kind, Kind::Status);
        assert_eq!(ev.status, Some(Ack::Read));
        let other = json!({"event": "weird", "instanceId": "i", "data": {"x": 1}});
        assert_eq!(normalize(&other)[0].kind, Kind::Unknown);
    }

    #[test]
    fn selectable_count_decides_multi() {
        let p = |n: Value| {
            norm(json!({"messageType": "poll", "pollName": "q",
            "options": [{"id": "1", "name": "a"}], "selectableCount": n}))
            .poll
            .unwrap()
            .multi
        };
        assert!(!p(json!(1)));
        assert!(p(json!(0)));
        assert!(p(json!(3)));
    }

    #[test]
    fn odd_shapes_do_not_panic() {
        for data in [
            json!({"messageType": 5, "chat": "x", "sender": [1]}),
            json!({"messageType": "poll_vote", "selectedOptions": "Red", "voterJid": 7}),
            json!({"messageType": "poll", "options": [1, null, {"name": 2}]}),
            json!({"messageType": "contact", "contacts": {"name": "x"}}),
        ] {
            let _ = norm(data);
        }
    }
}
