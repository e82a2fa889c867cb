//! Whapi.cloud webhooks: `{<collection>: [...], "event": {"type", "event"}, "channel_id"}`.
//!
//! Every collection in the body is read and every item becomes one [`Event`] named
//! `"<type>.<event>"` (e.g. `messages.post`). Messages, actions, statuses and `messages.patch`
//! updates live in `messages`; this file dispatches and handles the chat/group/presence/
//! channel collections. In the "path" and "method" webhook modes the body has no `event` and
//! the request names it instead ([`route`]).
//!
//! Assumptions (providers.md §2):
//! - Verified: `messages`, `statuses`, `messages_updates`, `health`, `user` and their shapes.
//! - **Unverified**: the keys and item shapes of `messages_removed`, `chats`, `chats_updates`,
//!   `chats_removed`, `groups`, `groups_updates`, `groups_participants`, `presences`,
//!   `contacts`, `labels` and `calls`. They are read forgivingly (an item may be an id string
//!   or an object; ids are looked for in `id`, `chat_id`, `group_id`, `contact_id` and
//!   `after_update`/`before_update`). Any other key becomes a kind `unknown` event naming it.
//! - `health.status.code` 4 for `AUTH` is unverified; the text is shown as sent ("QR (3)").
//! - `users.post`/`users.delete` are the channel's account logging in/out: kind `session`.
//! - Calls (the `calls` collection and `type:"call"` messages) are kind `call`, type `call`.

mod messages;
pub mod route;
mod updates;

use super::json::{arr_at, at, bool_at, chat_at, id_at, millis_at, num_at, str_at, string_at};
use crate::model::{ChatId, Event, Kind, MessageType};
use serde_json::Value;

/// Every event in a Whapi body, named by its `event` object ("body" mode).
pub fn normalize(root: &Value) -> Vec<Event> {
    let ty = str_at(root, &["event", "type"]).unwrap_or("?");
    let action = str_at(root, &["event", "event"]).unwrap_or("?");
    normalize_as(root, ty, action)
}

/// Every event in a Whapi body whose event type and action are `ty` and `action`: from its
/// `event` object, or from the request in "path" and "method" modes ([`route`]).
pub fn normalize_as(root: &Value, ty: &str, action: &str) -> Vec<Event> {
    let Some(obj) = root.as_object() else {
        return Vec::new();
    };
    let event = format!("{ty}.{action}");
    let mut out = Vec::new();
    for (key, val) in obj {
        if key == "event" || key == "channel_id" {
            continue;
        }
        let items: Vec<&Value> = match val {
            Value::Array(a) => a.iter().collect(),
            Value::Null => Vec::new(),
            v => vec![v],
        };
        for item in items {
            out.push(item_event(key, item, &event, action));
        }
    }
    out
}

/// One item of collection `key`.
fn item_event(key: &str, item: &Value, event: &str, action: &str) -> Event {
    match key {
        // `messages` under a `delete` event lists removed messages.
        "messages" if action == "delete" => removed_message(item, event),
        "messages" => messages::message(item, event),
        "messages_updates" => updates::patch(item, event),
        "messages_removed" => removed_message(item, event),
        "statuses" => updates::status(item, event),
        "chats" | "chats_updates" | "chats_removed" => entity(item, Kind::Chat, "chat", key, event),
        "contacts" | "contacts_updates" | "contacts_removed" => {
            entity(item, Kind::Chat, "contact", key, event)
        }
        "labels" | "labels_updates" | "labels_removed" => label(item, key, event),
        "groups" | "groups_updates" | "groups_removed" => {
            entity(item, Kind::Group, "group", key, event)
        }
        "groups_participants" => participants(item, event),
        "presences" => presence(item, event),
        "health" => health(item, event),
        "user" | "users" => user(item, event, action),
        "calls" => call(item, event),
        other => {
            let mut ev = Event::new(Kind::Unknown, event);
            ev.text = Some(format!("unhandled whapi collection \"{other}\""));
            ev
        }
    }
}

/// The id of an item that may be a bare string or an object (possibly a before/after pair).
fn item_id(item: &Value) -> Option<&str> {
    if let Some(s) = item.as_str().filter(|s| !s.is_empty()) {
        return Some(s);
    }
    [
        &["id"][..],
        &["chat_id"],
        &["group_id"],
        &["contact_id"],
        &["after_update", "id"],
        &["before_update", "id"],
    ]
    .iter()
    .find_map(|p| str_at(item, p))
}

/// What happened to an item, from its collection key and the event's action.
fn verb(key: &str, event: &str, noun: &str) -> String {
    let action = event.rsplit('.').next().unwrap_or("");
    if key.ends_with("_removed") || action == "delete" {
        format!("{noun} removed")
    } else if key.ends_with("_updates") || action == "patch" || action == "put" {
        format!("{noun} updated")
    } else {
        format!("new {noun}")
    }
}

/// A removed message (`messages_removed` / `messages.delete`): a revoke of that id.
fn removed_message(item: &Value, event: &str) -> Event {
    let mut ev = Event::new(Kind::Revoke, event);
    ev.target = item_id(item).map(crate::model::MessageId::new);
    ev.chat = chat_at(item, &["chat_id"]);
    ev.sender = chat_at(item, &["from"]);
    ev.from_me = bool_at(item, &["from_me"]);
    ev.timestamp_ms = millis_at(item, &["timestamp"]);
    ev
}

/// Chats, contacts and groups (created, updated or removed).
fn entity(item: &Value, kind: Kind, noun: &str, key: &str, event: &str) -> Event {
    let mut ev = Event::new(kind, event);
    ev.chat = item_id(item).and_then(ChatId::parse);
    ev.chat_name = [
        &["name"][..],
        &["pushname"],
        &["after_update", "name"],
        &["before_update", "name"],
    ]
    .iter()
    .find_map(|p| string_at(item, p));
    let mut text = verb(key, event, noun);
    let changes = super::json::strings_at(item, &["changes"]);
    if !changes.is_empty() {
        text = format!("{text}: {}", changes.join(", "));
    } else if let Some(name) = &ev.chat_name {
        text = format!("{text}: {name}");
    }
    ev.text = Some(text);
    ev.timestamp_ms = millis_at(item, &["timestamp"]);
    ev
}

/// Labels are chat metadata: kind `chat`.
fn label(item: &Value, key: &str, event: &str) -> Event {
    let mut ev = Event::new(Kind::Chat, event);
    let name = str_at(item, &["name"]).or_else(|| item_id(item));
    let base = verb(key, event, "label");
    ev.text = Some(match name {
        Some(n) => format!("{base}: {n}"),
        None => base,
    });
    // A label event about one chat (association) names it.
    ev.chat = chat_at(item, &["chat_id"]);
    ev
}

/// `groups_participants`: who joined, left, was promoted or demoted.
fn participants(item: &Value, event: &str) -> Event {
    let mut ev = Event::new(Kind::Group, event);
    ev.chat = chat_at(item, &["group_id"]).or_else(|| chat_at(item, &["chat_id"]));
    let who: Vec<String> = arr_at(item, &["participants"])
        .iter()
        .filter_map(|p| p.as_str().or_else(|| str_at(p, &["id"])))
        .filter_map(ChatId::parse)
        .map(|c| c.label())
        .collect();
    let action = match str_at(item, &["action"]) {
        Some("add") => "added",
        Some("remove") => "removed",
        Some("promote") => "promoted",
        Some("demote") => "demoted",
        Some("join") => "joined",
        Some("leave") => "left",
        Some(other) => other,
        None => "participants changed",
    };
    ev.text = Some(if who.is_empty() {
        action.to_owned()
    } else {
        format!("{action}: {}", who.join(", "))
    });
    ev.sender = chat_at(item, &["author"]);
    ev.timestamp_ms = millis_at(item, &["timestamp"]);
    ev
}

/// `presences`: typing, recording, online, offline.
fn presence(item: &Value, event: &str) -> Event {
    let mut ev = Event::new(Kind::Presence, event);
    ev.sender = chat_at(item, &["contact_id"]);
    ev.chat = chat_at(item, &["chat_id"]).or_else(|| ev.sender.clone());
    ev.text = string_at(item, &["status"]);
    ev.timestamp_ms = millis_at(item, &["last_seen"]).or_else(|| millis_at(item, &["timestamp"]));
    ev
}

/// `health` (channel.post): the channel's state, e.g. "QR (3)".
fn health(item: &Value, event: &str) -> Event {
    let mut ev = Event::new(Kind::Session, event);
    let text = str_at(item, &["status", "text"]);
    let code = num_at(item, &["status", "code"]);
    ev.text = Some(match (text, code) {
        (Some(t), Some(c)) => format!("{t} ({c})"),
        (Some(t), None) => t.to_owned(),
        (None, Some(c)) => format!("status {c}"),
        (None, None) => "channel health".to_owned(),
    });
    ev
}

/// `user` (users.post / users.delete): the channel's account logged in or out.
fn user(item: &Value, event: &str, action: &str) -> Event {
    let mut ev = Event::new(Kind::Session, event);
    let who = item_id(item).and_then(ChatId::parse);
    let name = str_at(item, &["name"]).or_else(|| str_at(item, &["pushname"]));
    let what = if action == "delete" {
        "logged out"
    } else {
        "logged in"
    };
    ev.text = Some(match (name, &who) {
        (Some(n), Some(w)) => format!("{what}: {n} ({})", w.label()),
        (Some(n), None) => format!("{what}: {n}"),
        (None, Some(w)) => format!("{what}: {}", w.label()),
        (None, None) => what.to_owned(),
    });
    ev.sender = who;
    ev
}

/// `calls`: one call notice.
fn call(item: &Value, event: &str) -> Event {
    let mut ev = Event::new(Kind::Call, event);
    ev.msg_type = Some(MessageType::Call);
    ev.message_id = id_at(item, &["id"]);
    ev.chat = chat_at(item, &["chat_id"]).or_else(|| chat_at(item, &["from"]));
    ev.sender = chat_at(item, &["from"]);
    ev.from_me = bool_at(item, &["from_me"]);
    ev.timestamp_ms = millis_at(item, &["timestamp"]);
    ev.text = Some(call_text(item));
    ev
}

/// "missed video call", "offer voice call (group)".
fn call_text(v: &Value) -> String {
    let status = str_at(v, &["status"]).unwrap_or("");
    let video = bool_at(v, &["video"]).or_else(|| bool_at(v, &["is_video"])) == Some(true);
    let group = bool_at(v, &["group"]).or_else(|| bool_at(v, &["is_group"])) == Some(true)
        || at(v, &["group_id"]).is_some_and(|g| !g.is_null());
    let medium = if video { "video call" } else { "voice call" };
    let mut text = if status.is_empty() {
        medium.to_owned()
    } else {
        format!("{status} {medium}")
    };
    if group {
        text.push_str(" (group)");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_collection_item_is_one_event_and_unknown_keys_are_named() {
        let body = json!({
            "presences": [{"contact_id": "111", "status": "typing"}, {"contact_id": "222", "status": "online"}],
            "mystery": [{"a": 1}],
            "event": {"type": "presences", "event": "post"},
            "channel_id": "X"
        });
        let evs = normalize(&body);
        assert_eq!(evs.len(), 3);
        assert!(evs.iter().all(|e| e.event == "presences.post"));
        let unknown = evs.iter().find(|e| e.kind == Kind::Unknown).unwrap();
        assert!(unknown.text.as_deref().unwrap().contains("mystery"));
    }

    #[test]
    fn removed_items_may_be_bare_ids() {
        let body = json!({"messages_removed": ["AAA", {"id": "BBB", "chat_id": "1@s.whatsapp.net"}],
            "event": {"type": "messages", "event": "delete"}, "channel_id": "X"});
        let evs = normalize(&body);
        assert_eq!(evs[0].target.as_ref().unwrap().as_str(), "AAA");
        assert_eq!(evs[1].chat.as_ref().unwrap().as_str(), "1@c.us");
        assert!(evs.iter().all(|e| e.kind == Kind::Revoke));
    }

    #[test]
    fn odd_shapes_do_not_panic() {
        for body in [
            json!({"event": {"type": "messages", "event": "post"}, "channel_id": "X", "messages": [1, null, "x", []]}),
            json!({"event": {"type": "statuses"}, "channel_id": "X", "statuses": {"status": 5}}),
            json!({"event": {"type": "messages", "event": "patch"}, "channel_id": "X", "messages_updates": [{}]}),
        ] {
            let _ = normalize(&body);
        }
    }
}
