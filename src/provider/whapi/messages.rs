//! Whapi message items (`messages.post/put`) and their actions (reaction, edit, delete, vote,
//! ephemeral). Statuses and `messages.patch` are in [`super::updates`].
//!
//! Decisions:
//! - Polls: `multi` is `vote_limit != 1`; a poll without `vote_limit` (seed-001's mobile poll) is
//!   multi, WhatsApp's own default. Options come from `poll.options`, else `results[].name`.
//! - `admin_invite` (channel admin invitation) is type `group_invite`, text its `body`.
//! - `reply` (buttons_reply / list_reply) is type `interactive`, text the chosen title,
//!   `reply_to` and `interactive.prompt` = `context.quoted_id`.
//! - `short` is `video`, `contact_list` is `contact` (names joined), `hsm` is `template`,
//!   `unknown` and unrecognised types are `unsupported` with the type in the text.
//! - Action messages (reaction/edit/...) do not carry the message `status` field; only kind
//!   `message` events do. A vote's `voter` is `from` (the connected number for our own votes).
//! - `ephemeral` actions are kind `chat` ("disappearing messages: 7d"); their target is a chat.

use super::super::json::{
    arr_at, at, bool_at, chat_at, first_str, id_at, millis_at, num_at, str_at, string_at,
    strings_at,
};
use crate::model::{Ack, Event, InteractiveReply, Kind, Media, MessageType, PollDef, Vote};
use serde_json::Value;

/// Whapi's status label as an [`Ack`]; `deleted` and unknown labels have none.
pub(super) fn ack(label: &str) -> Option<Ack> {
    match label.to_ascii_lowercase().as_str() {
        "failed" | "error" => Some(Ack::Failed),
        "pending" => Some(Ack::Pending),
        "sent" => Some(Ack::Sent),
        "delivered" => Some(Ack::Delivered),
        "read" => Some(Ack::Read),
        "played" => Some(Ack::Played),
        _ => None,
    }
}

/// The normalised type (and kind) of a Whapi message `type`.
pub(super) fn classify(ty: &str) -> (Kind, MessageType) {
    let mt = match ty {
        "text" => MessageType::Text,
        "image" => MessageType::Image,
        "video" | "short" => MessageType::Video,
        "gif" => MessageType::Gif,
        "audio" => MessageType::Audio,
        "voice" => MessageType::Voice,
        "document" => MessageType::Document,
        "sticker" => MessageType::Sticker,
        "link_preview" => MessageType::LinkPreview,
        "location" => MessageType::Location,
        "live_location" => MessageType::LiveLocation,
        "contact" | "contact_list" => MessageType::Contact,
        "system" => MessageType::System,
        "call" => MessageType::Call,
        "group_invite" | "admin_invite" => MessageType::GroupInvite,
        "product" => MessageType::Product,
        "interactive" | "reply" => MessageType::Interactive,
        "poll" => MessageType::Poll,
        "hsm" => MessageType::Template,
        "order" => MessageType::Order,
        "story" => MessageType::Story,
        "catalog" => MessageType::Catalog,
        "event" => MessageType::Event,
        _ => MessageType::Unsupported,
    };
    let kind = if mt == MessageType::Call {
        Kind::Call
    } else {
        Kind::Message
    };
    (kind, mt)
}

/// Fields every message item has.
pub(super) fn base(kind: Kind, m: &Value, event: &str) -> Event {
    let mut ev = Event::new(kind, event);
    ev.chat = chat_at(m, &["chat_id"]);
    ev.chat_name = string_at(m, &["chat_name"]);
    ev.sender = chat_at(m, &["from"]);
    ev.sender_name = string_at(m, &["from_name"]);
    ev.from_me = bool_at(m, &["from_me"]);
    ev.message_id = id_at(m, &["id"]);
    ev.timestamp_ms = millis_at(m, &["timestamp"]);
    ev
}

/// One item of `messages`.
pub(super) fn message(m: &Value, event: &str) -> Event {
    let ty = str_at(m, &["type"]).unwrap_or("");
    if ty == "action" {
        return action(m, event);
    }
    let (kind, mt) = classify(ty);
    let mut ev = base(kind, m, event);
    ev.msg_type = Some(mt);
    ev.reply_to = id_at(m, &["context", "quoted_id"]);
    if let Some(label) = str_at(m, &["status"]) {
        ev.status = ack(label);
        ev.status_label = Some(label.to_owned());
    }
    let body = m.get(ty).unwrap_or(&Value::Null);
    ev.text = content_text(ty, mt, body);
    if mt.is_media() {
        ev.media = media(body);
    }
    match ty {
        "poll" => ev.poll = Some(poll_def(body)),
        "reply" => reply(m, body, &mut ev),
        _ => {}
    }
    ev
}

/// The text of a content object of Whapi type `ty`.
pub(super) fn content_text(ty: &str, mt: MessageType, body: &Value) -> Option<String> {
    let s = |paths: &[&[&str]]| first_str(body, paths).map(str::to_owned);
    match mt {
        MessageType::Text => s(&[&["body"]]),
        m if m.is_media() => s(&[&["caption"]]),
        MessageType::LinkPreview | MessageType::Catalog => s(&[&["body"], &["title"]]),
        MessageType::GroupInvite => s(&[&["body"], &["title"], &["newsletter_name"]]),
        MessageType::Location | MessageType::LiveLocation => place(body),
        MessageType::Contact if ty == "contact_list" => {
            let names: Vec<&str> = arr_at(body, &["list"])
                .iter()
                .filter_map(|c| str_at(c, &["name"]))
                .collect();
            (!names.is_empty()).then(|| names.join(", "))
        }
        MessageType::Contact => s(&[&["name"]]),
        MessageType::System => s(&[&["body"], &["text"]]),
        MessageType::Call => Some(super::call_text(body)),
        MessageType::Product => s(&[&["title"], &["name"]])
            .or_else(|| str_at(body, &["product_id"]).map(|id| format!("product {id}"))),
        MessageType::Interactive if ty == "reply" => None, // set by `reply`
        MessageType::Interactive => s(&[&["body", "text"], &["body"], &["header", "text"]]),
        MessageType::Poll => s(&[&["title"]]),
        MessageType::Template => s(&[&["body"], &["text"], &["header"], &["title"]]),
        MessageType::Order => order_text(body),
        MessageType::Story => s(&[&["caption"], &["body"], &["text", "body"]]),
        MessageType::Event => s(&[&["name"], &["title"]]),
        MessageType::Unsupported => Some(format!("unsupported whapi type \"{ty}\"")),
        _ => None,
    }
}

/// "name · address", or "lat, lon" when the place has no name (live locations: the caption).
fn place(v: &Value) -> Option<String> {
    match (str_at(v, &["name"]), str_at(v, &["address"])) {
        (Some(n), Some(a)) => Some(format!("{n} · {a}")),
        (Some(n), None) => Some(n.to_owned()),
        (None, Some(a)) => Some(a.to_owned()),
        (None, None) => string_at(v, &["caption"]).or_else(|| {
            let lat = num_at(v, &["latitude"])?;
            let lon = num_at(v, &["longitude"])?;
            Some(format!("{lat}, {lon}"))
        }),
    }
}

/// "order 964278151888836: 3 items, 359 AUD".
fn order_text(o: &Value) -> Option<String> {
    let id = str_at(o, &["order_id"]);
    let items = num_at(o, &["item_count"]);
    let price = num_at(o, &["total_price"]);
    let currency = str_at(o, &["currency"]).unwrap_or("");
    if id.is_none() && items.is_none() {
        return string_at(o, &["title"]);
    }
    let mut text = format!("order {}", id.unwrap_or("?"));
    let mut parts = Vec::new();
    if let Some(n) = items {
        parts.push(format!("{n} items"));
    }
    if let Some(p) = price {
        parts.push(format!("{p} {currency}").trim_end().to_owned());
    }
    if !parts.is_empty() {
        text = format!("{text}: {}", parts.join(", "));
    }
    Some(text)
}

fn media(body: &Value) -> Option<Media> {
    let m = Media {
        mime: string_at(body, &["mime_type"]),
        filename: first_str(body, &[&["file_name"], &["filename"]]).map(str::to_owned),
        url: string_at(body, &["link"]),
    };
    (m != Media::default()).then_some(m)
}

/// A poll definition from a Whapi `poll` object.
pub(super) fn poll_def(p: &Value) -> PollDef {
    let mut options = strings_at(p, &["options"]);
    if options.is_empty() {
        options = arr_at(p, &["results"])
            .iter()
            .filter_map(|r| string_at(r, &["name"]))
            .collect();
    }
    PollDef {
        question: string_at(p, &["title"]).unwrap_or_default(),
        options,
        multi: num_at(p, &["vote_limit"]).is_none_or(|n| n != 1.0),
    }
}

/// A button or list reply: the chosen option answers the quoted prompt.
fn reply(m: &Value, body: &Value, ev: &mut Event) {
    let chosen = str_at(body, &["type"])
        .and_then(|t| body.get(t))
        .or_else(|| body.get("buttons_reply"))
        .or_else(|| body.get("list_reply"))
        .unwrap_or(&Value::Null);
    let title = string_at(chosen, &["title"]);
    ev.text = title.clone();
    if let Some(prompt) = id_at(m, &["context", "quoted_id"]) {
        ev.interactive = Some(InteractiveReply {
            prompt,
            option_id: string_at(chosen, &["id"]).unwrap_or_default(),
            title: title.unwrap_or_default(),
        });
    }
}

/// A `type:"action"` message: reaction, edit, delete, vote or ephemeral setting.
fn action(m: &Value, event: &str) -> Event {
    let a = m.get("action").unwrap_or(&Value::Null);
    let target = id_at(a, &["target"]);
    let mut ev = match str_at(a, &["type"]) {
        Some("reaction") => {
            let mut ev = base(Kind::Reaction, m, event);
            // A removed reaction arrives with an empty or missing emoji.
            ev.emoji = Some(
                at(a, &["emoji"])
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
            );
            ev
        }
        Some("edit") => {
            let mut ev = base(Kind::Edit, m, event);
            let content = a.get("edited_content").unwrap_or(&Value::Null);
            ev.text = edited_text(content);
            ev.msg_type = str_at(a, &["edited_type"]).map(|t| classify(t).1);
            ev
        }
        Some("delete") => base(Kind::Revoke, m, event),
        Some("vote") => {
            let mut ev = base(Kind::PollVote, m, event);
            ev.vote = vote(m, a);
            ev
        }
        Some("ephemeral") => {
            let mut ev = base(Kind::Chat, m, event);
            let secs = num_at(a, &["ephemeral"]).unwrap_or(0.0);
            ev.text = Some(ephemeral_text(secs));
            return ev; // its target is the chat, not a message
        }
        other => {
            let mut ev = base(Kind::Unknown, m, event);
            ev.text = Some(format!(
                "unhandled whapi action \"{}\"",
                other.unwrap_or("?")
            ));
            ev
        }
    };
    ev.target = target;
    ev
}

/// The new text of an edit: `{"body"}`, `{"text":{"body"}}` or a caption.
pub(super) fn edited_text(c: &Value) -> Option<String> {
    if let Some(s) = c.as_str().filter(|s| !s.is_empty()) {
        return Some(s.to_owned());
    }
    first_str(c, &[&["body"], &["text", "body"], &["caption"], &["text"]]).map(str::to_owned)
}

/// The voter's full selection (option hashes) from a vote action.
pub(super) fn vote(m: &Value, a: &Value) -> Option<Vote> {
    Some(Vote {
        poll: id_at(a, &["target"])?,
        voter: chat_at(m, &["from"])?,
        options: strings_at(a, &["votes"]),
        known: true,
        ts_ms: millis_at(m, &["timestamp"]),
    })
}

/// "disappearing messages: 7d" / "disappearing messages off".
fn ephemeral_text(secs: f64) -> String {
    let s = secs.max(0.0) as i64;
    if s == 0 {
        return "disappearing messages off".to_owned();
    }
    let span = if s % 86_400 == 0 {
        format!("{}d", s / 86_400)
    } else if s % 3_600 == 0 {
        format!("{}h", s / 3_600)
    } else {
        format!("{s}s")
    };
    format!("disappearing messages: {span}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn vote_limit_decides_multi() {
        assert!(!poll_def(&json!({"title": "q", "options": ["a"], "vote_limit": 1})).multi);
        assert!(poll_def(&json!({"title": "q", "options": ["a"], "vote_limit": 0})).multi);
        assert!(poll_def(&json!({"title": "q", "options": ["a"], "vote_limit": 3})).multi);
        assert!(poll_def(&json!({"title": "q", "options": ["a"]})).multi);
        let from_results = poll_def(&json!({"results": [{"name": "x"}, {"name": "y"}]}));
        assert_eq!(from_results.options, ["x", "y"]);
    }

    #[test]
    fn removed_reaction_has_empty_emoji() {
        let m = json!({"id": "R", "type": "action", "chat_id": "1@s.whatsapp.net", "from": "1",
            "action": {"target": "T", "type": "reaction"}});
        let ev = message(&m, "messages.post");
        assert_eq!(ev.kind, Kind::Reaction);
        assert_eq!(ev.emoji.as_deref(), Some(""));
        assert_eq!(ev.target.unwrap().as_str(), "T");
    }

    #[test]
    fn ephemeral_durations() {
        assert_eq!(ephemeral_text(604_800.0), "disappearing messages: 7d");
        assert_eq!(ephemeral_text(0.0), "disappearing messages off");
        assert_eq!(ephemeral_text(7_200.0), "disappearing messages: 2h");
    }
}
