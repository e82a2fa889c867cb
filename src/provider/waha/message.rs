//! Message-shaped WAHA payloads (`WAMessage`): `message`, `message.any`, `message.waiting`,
//! `message.edited`, `message.reaction` and `event.response`: ids, direction, parties, names,
//! lid pairs, media and quotes. What the message holds is decided in [`super::content`].

use super::content::{body, content, Special};
use super::{ack_of, ci_str, id_parts, is_multi, lid_pairs, party, resolve_lid, Ctx};
use crate::model::{ChatId, Event, InteractiveReply, Kind, Media, MessageId, MessageType as T};
use crate::provider::json::{bool_at, first_str, millis_at, str_at};
use serde_json::Value;

/// A `message` / `message.any` / `message.waiting` payload.
pub(super) fn message(ctx: &Ctx, p: &Value) -> Event {
    let mut ev = base(ctx, p, Kind::Message);
    let c = content(p);
    match c.special {
        Special::None => {}
        Special::Reaction { emoji, target } => {
            ev.kind = Kind::Reaction;
            ev.emoji = Some(emoji);
            ev.target = target;
            return ev;
        }
        Special::Revoke { target } => {
            ev.kind = Kind::Revoke;
            // WEBJS "revoked" placeholders are the deleted message itself.
            ev.target = target.or_else(|| ev.message_id.clone());
            return ev;
        }
        Special::Edit { target, text } => {
            ev.kind = Kind::Edit;
            ev.target = target;
            ev.msg_type = text.as_ref().map(|_| T::Text);
            ev.text = text;
            return ev;
        }
    }
    ev.msg_type = Some(c.ty);
    ev.text = c.text;
    ev.poll = c.poll;
    if ctx.event == "message.waiting" && matches!(c.ty, T::System | T::Unsupported) {
        ev.msg_type = Some(T::System);
        ev.text = Some("waiting for this message".to_owned());
    }
    ev.media = media(p, c.node);
    ev.reply_to = reply_to(p, c.node);
    if let (Some(prompt), Some(resp)) = (&ev.reply_to, p.get("interactiveResponse")) {
        if let Some(option_id) = str_at(resp, &["selectedId"]) {
            ev.interactive = Some(InteractiveReply {
                prompt: prompt.clone(),
                option_id: option_id.to_owned(),
                title: str_at(resp, &["selectedText"])
                    .unwrap_or(option_id)
                    .to_owned(),
            });
        }
    }
    let (status, label) = ack_of(p);
    if status.is_some() {
        ev.status = status;
        ev.status_label = label;
    }
    ev
}

/// `message.edited`. WAHA: `id` is the edit action, `editedMessageId` the (bare) original, `body`
/// the new text; NOWEB/GOWS also carry the edit proto in `_data`. whatsapp-web.js-shaped bodies
/// (Wawp's WEBJS `{id, newBody, prevBody}`, and WAHA WEBJS's `_data: {message, newBody,
/// prevBody}`) name the edited message itself by `id` and the new text `newBody`.
pub(super) fn edited(ctx: &Ctx, p: &Value) -> Event {
    let mut ev = base(ctx, p, Kind::Edit);
    let c = content(p);
    let (proto_target, proto_text) = match c.special {
        Special::Edit { target, text } => (target, text),
        _ => (None, None),
    };
    ev.target = str_at(p, &["editedMessageId"])
        .map(MessageId::new)
        .or(proto_target)
        // WAHA's docs: the id "can be the same" as the edited message's, as in WEBJS; the
        // engines that differ always send `editedMessageId` or the edit proto above.
        .or_else(|| ev.message_id.clone());
    ev.text = body(p)
        .or_else(|| first_str(p, &[&["newBody"], &["_data", "newBody"]]).map(str::to_owned))
        .or(proto_text);
    ev.msg_type = ev.text.as_ref().map(|_| T::Text);
    ev
}

/// `message.reaction`: `reaction.text` is the emoji ("" removes), `reaction.messageId` the
/// full serialized id of the reacted message.
pub(super) fn reaction(ctx: &Ctx, p: &Value) -> Event {
    let mut ev = base(ctx, p, Kind::Reaction);
    let r = p.get("reaction");
    ev.emoji = match r.and_then(|r| r.get("text")) {
        Some(Value::String(s)) => Some(s.clone()),
        _ if r.is_some_and(Value::is_object) => Some(String::new()),
        _ => None,
    };
    ev.target = str_at(p, &["reaction", "messageId"]).map(MessageId::new);
    ev
}

/// `event.response(.failed)`: an RSVP to an event message, shown as a message of type `event`
/// pointing (`target`) at the event it answers.
pub(super) fn event_response(ctx: &Ctx, p: &Value) -> Event {
    let mut ev = base(ctx, p, Kind::Message);
    ev.msg_type = Some(T::Event);
    ev.target = str_at(p, &["eventCreationKey", "id"]).map(MessageId::new);
    ev.text = Some(if ctx.event.ends_with(".failed") {
        "RSVP (could not be decrypted)".to_owned()
    } else {
        match str_at(p, &["eventResponse", "response"]) {
            Some(r) => format!("RSVP: {}", r.to_ascii_lowercase().replace('_', " ")),
            None => "RSVP".to_owned(),
        }
    });
    ev.timestamp_ms = millis_at(p, &["eventResponse", "timestampMs"]).or(ev.timestamp_ms);
    ev
}

/// The id, direction, parties, names, time and lid pair of a message-shaped payload.
pub(super) fn base(ctx: &Ctx, p: &Value, kind: Kind) -> Event {
    let mut ev = Event::new(kind, ctx.event);
    let id = first_str(
        p,
        &[
            &["id"],
            &["id", "_serialized"],
            &["_data", "id", "_serialized"],
        ],
    );
    let parts = id.and_then(id_parts);
    ev.message_id = id.map(MessageId::new);
    let from_me = bool_at(p, &["fromMe"]).or(parts.map(|x| x.0));
    ev.from_me = from_me;
    let mine = from_me == Some(true);
    let id_chat = parts.and_then(|x| ChatId::parse(x.1));
    let from = party(p, &["from"]);
    let to = party(p, &["to"]);
    let direct = if mine { to.clone() } else { from.clone() };
    let multi = [&id_chat, &from, &to]
        .into_iter()
        .flatten()
        .find(|c| is_multi(c))
        .cloned();
    let mut chat = multi
        .or(direct)
        .or(id_chat)
        .or(if mine { from.clone() } else { to });
    let writer = || {
        party(p, &["participant"])
            .or_else(|| party(p, &["author"]))
            .or_else(|| ci_str(p, &["_data", "author"]).and_then(ChatId::parse))
            .or_else(|| ci_str(p, &["_data", "key", "participant"]).and_then(ChatId::parse))
            .or_else(|| ci_str(p, &["_data", "Info", "Sender"]).and_then(ChatId::parse))
    };
    let group = chat.as_ref().is_some_and(is_multi);
    let mut sender = if mine {
        ctx.me
            .clone()
            .or_else(|| if group { writer() } else { None })
    } else if group {
        writer()
    } else {
        from.or_else(|| chat.clone())
    };
    let mut pairs = lid_pairs(p);
    if let (Some(lid), Some(me)) = (&ctx.me_lid, &ctx.me) {
        pairs.push((lid.clone(), me.clone()));
    }
    let by_sender = resolve_lid(&mut sender, &pairs);
    let by_chat = resolve_lid(&mut chat, &pairs);
    ev.lid_map = by_sender
        .or(by_chat)
        .or_else(|| lid_pairs(p).into_iter().next());
    ev.chat = chat;
    ev.sender = sender;
    let pushed = first_str(
        p,
        &[
            &["_data", "notifyName"],
            &["_data", "pushName"],
            &["notifyName"],
        ],
    )
    .or_else(|| ci_str(p, &["_data", "Info", "PushName"]));
    ev.sender_name = if mine {
        ctx.me_name.as_deref().or(pushed)
    } else {
        pushed
    }
    .filter(|_| ev.sender.is_some())
    .map(str::to_owned);
    if !mine && !group {
        ev.chat_name = ev.sender_name.clone();
    }
    ev.timestamp_ms = millis_at(p, &["timestamp"])
        .or_else(|| millis_at(p, &["_data", "t"]))
        .or_else(|| millis_at(p, &["_data", "messageTimestamp"]))
        .or(ctx.ts_ms);
    ev
}

fn media(p: &Value, node: Option<&Value>) -> Option<Media> {
    let null = Value::Null;
    let n = node.filter(|n| n.is_object()).unwrap_or(&null);
    let m = Media {
        mime: str_at(p, &["media", "mimetype"])
            .or_else(|| ci_str(n, &["mimetype"]))
            .or_else(|| str_at(p, &["_data", "mimetype"]))
            .map(str::to_owned),
        filename: str_at(p, &["media", "filename"])
            .or_else(|| ci_str(n, &["fileName"]))
            .or_else(|| str_at(p, &["_data", "filename"]))
            .map(str::to_owned),
        url: first_str(p, &[&["media", "url"], &["mediaUrl"]]).map(str::to_owned),
    };
    (m != Media::default()).then_some(m)
}

fn reply_to(p: &Value, node: Option<&Value>) -> Option<MessageId> {
    first_str(p, &[&["replyTo", "id"], &["_data", "quotedStanzaID"]])
        .or_else(|| node.and_then(|n| ci_str(n, &["contextInfo", "stanzaId"])))
        .or_else(|| ci_str(p, &["_data", "Info", "ContextInfo", "StanzaID"]))
        .map(MessageId::new)
}
