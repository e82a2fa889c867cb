//! Events that are not about one message: connection state, presence, calls, groups and their
//! participants, chat/contact/label syncs and instance/session notices.

use super::super::json::{
    arr_at, bool_at, chat_at, first_str, id_at, millis_at, num_at, str_at, string_at,
};
use crate::model::{ChatId, Event, Kind};
use serde_json::Value;

pub(super) fn connection(d: &Value, name: &str) -> Event {
    let mut ev = Event::new(Kind::Session, name);
    let state = str_at(d, &["state"]).unwrap_or("?");
    ev.text = Some(match num_at(d, &["statusReason"]) {
        Some(r) if state == "close" => format!("{state} ({r})"),
        _ => state.to_owned(),
    });
    ev.sender = chat_at(d, &["wuid"]);
    ev.sender_name = string_at(d, &["profileName"]);
    ev
}

/// Baileys presence `{id, presences: {jid: {lastKnownPresence}}}`: one event per party.
pub(super) fn presence(d: &Value, name: &str) -> Vec<Event> {
    let chat = chat_at(d, &["id"]);
    let Some(map) = d.get("presences").and_then(Value::as_object) else {
        let mut ev = Event::new(Kind::Presence, name);
        ev.chat = chat;
        return vec![ev];
    };
    map.iter()
        .map(|(jid, p)| {
            let mut ev = Event::new(Kind::Presence, name);
            ev.chat = chat.clone();
            ev.sender = ChatId::parse(jid);
            let raw = str_at(p, &["lastKnownPresence"]).unwrap_or("?");
            ev.text = Some(
                match raw {
                    "composing" => "typing",
                    "recording" => "recording audio",
                    "available" => "online",
                    "unavailable" => "offline",
                    other => other,
                }
                .to_owned(),
            );
            ev
        })
        .collect()
}

pub(super) fn call(d: &Value, name: &str, me: Option<&ChatId>) -> Event {
    let mut ev = Event::new(Kind::Call, name);
    ev.chat = first_str(d, &[&["chatId"], &["from"]]).and_then(ChatId::parse);
    ev.sender = chat_at(d, &["from"]);
    ev.from_me = Some(ev.sender.is_some() && ev.sender.as_ref() == me);
    ev.message_id = id_at(d, &["id"]);
    ev.timestamp_ms = millis_at(d, &["date"]).or_else(|| iso_millis(str_at(d, &["date"])?));
    let media = if bool_at(d, &["isVideo"]) == Some(true) {
        "video"
    } else {
        "voice"
    };
    let what = match str_at(d, &["status"]).unwrap_or("") {
        "offer" => format!("incoming {media} call"),
        "ringing" => format!("{media} call ringing"),
        "timeout" => format!("missed {media} call"),
        "reject" => format!("{media} call rejected"),
        "accept" => format!("{media} call accepted"),
        "terminate" => format!("{media} call ended"),
        "" => format!("{media} call"),
        other => format!("{media} call {other}"),
    };
    ev.text = Some(what);
    ev
}

fn iso_millis(s: &str) -> Option<i64> {
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    Some((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

pub(super) fn group(d: &Value, name: &str) -> Event {
    let mut ev = Event::new(Kind::Group, name);
    ev.chat = chat_at(d, &["id"]);
    ev.chat_name = string_at(d, &["subject"]);
    ev.text = Some(match (str_at(d, &["subject"]), str_at(d, &["desc"])) {
        (Some(s), _) => format!("subject: {s}"),
        (None, Some(desc)) => format!("description: {desc}"),
        _ => "group updated".to_owned(),
    });
    ev
}

/// `{id, participants, action: add|remove|promote|demote}`; participants are jids or
/// `{id, phoneNumber}` objects (Baileys 7).
pub(super) fn participants(d: &Value, name: &str) -> Event {
    let mut ev = Event::new(Kind::Group, name);
    ev.chat = chat_at(d, &["id"]);
    let who: Vec<String> = arr_at(d, &["participants"])
        .iter()
        .filter_map(|p| match p {
            Value::String(s) => ChatId::parse(s),
            o => first_str(o, &[&["phoneNumber"], &["id"]]).and_then(ChatId::parse),
        })
        .map(|c| c.label())
        .collect();
    let action = match str_at(d, &["action"]).unwrap_or("changed") {
        "add" => "joined",
        "remove" => "left",
        "promote" => "promoted",
        "demote" => "demoted",
        other => other,
    };
    ev.text = Some(format!("{action}: {}", who.join(", ")));
    ev
}

pub(super) fn chat_item(d: &Value, name: &str) -> Event {
    let mut ev = Event::new(Kind::Chat, name);
    if let Some(s) = d.as_str() {
        ev.chat = ChatId::parse(s);
        ev.text = Some(name.to_owned());
        return ev;
    }
    ev.chat = first_str(
        d,
        &[
            &["remoteJid"],
            &["id"],
            &["association", "chatId"],
            &["chatId"],
        ],
    )
    .and_then(ChatId::parse)
    .filter(|c| c.as_str().contains('@'));
    ev.chat_name = first_str(d, &[&["pushName"], &["name"], &["subject"]]).map(str::to_owned);
    ev.text = Some(if let Some(a) = str_at(d, &["association", "type"]) {
        let label = first_str(d, &[&["label", "name"], &["association", "labelId"]]).unwrap_or("?");
        format!("label {a}: {label}")
    } else if let Some(label) = str_at(d, &["name"]).filter(|_| d.get("color").is_some()) {
        let deleted = bool_at(d, &["deleted"]) == Some(true);
        format!("label {label}{}", if deleted { " deleted" } else { "" })
    } else if let Some(n) = num_at(d, &["unreadMessages"]) {
        format!("{n} unread")
    } else {
        name.to_owned()
    });
    ev
}

pub(super) fn session_item(d: &Value, name: &str) -> Event {
    let mut ev = Event::new(Kind::Session, name);
    ev.text = Some(
        first_str(d, &[&["status"], &["state"], &["instance", "state"]])
            .map(str::to_owned)
            .unwrap_or_else(|| name.replace(['.', '_'], " ").to_ascii_lowercase()),
    );
    ev
}
