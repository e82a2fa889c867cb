//! `field: "messages"` changes: incoming messages (and Coexistence echoes) with their content,
//! delivery statuses, and change-level errors.

use super::super::json::{arr_at, chat_at, first_str, id_at, millis_at, num_at, str_at, string_at};
use super::party::nonempty;
use super::{errors_text, Ctx};
use crate::model::{Ack, ChatId, Event, InteractiveReply, Kind, Media, MessageType};
use serde_json::Value;

pub(super) fn messages_change(value: &Value, ctx: &Ctx, out: &mut Vec<Event>) {
    let before = out.len();
    for m in arr_at(value, &["messages"]) {
        out.push(message(m, ctx, "messages", false));
    }
    for s in arr_at(value, &["statuses"]) {
        out.push(status(s, ctx));
    }
    // A change-level error (e.g. 131000 "Something went wrong") with no items is still shown.
    if out.len() == before {
        if let Some(err) = errors_text(value) {
            let mut ev = Event::new(Kind::Session, "messages");
            ev.text = Some("webhook error".to_owned());
            ev.error = Some(err);
            out.push(ev);
        }
    }
}

/// One `messages[]` (or `message_echoes[]`) item.
pub(super) fn message(m: &Value, ctx: &Ctx, event: &str, echo: bool) -> Event {
    let mut ev = Event::new(Kind::Message, event);
    let from = nonempty(m, &["from"]);
    ev.message_id = id_at(m, &["id"]);
    ev.timestamp_ms = millis_at(m, &["timestamp"]);
    if echo {
        // Echoes: `from` is the business, `to` (or `to_user_id`) the customer.
        ev.from_me = Some(true);
        let to = ctx.party(
            nonempty(m, &["to"]),
            first_nonempty(m, &[&["to_user_id"], &["to_parent_user_id"]]),
        );
        ev.chat = to.id();
        ev.chat_name = to.name.clone();
        ev.lid_map = to.pair();
        ev.sender = from.and_then(ChatId::parse).or_else(|| ctx.me.clone());
    } else {
        ev.from_me = Some(false);
        let sender = ctx.party(
            from,
            first_nonempty(m, &[&["from_user_id"], &["from_parent_user_id"]]),
        );
        ev.sender = sender.id();
        ev.sender_name = sender.name.clone();
        ev.lid_map = sender.pair();
        match nonempty(m, &["group_id"]) {
            Some(g) => ev.chat = ChatId::parse(&format!("{g}@g.us")),
            None => {
                ev.chat = ev.sender.clone();
                ev.chat_name = ev.sender_name.clone();
            }
        }
    }
    ev.reply_to = id_at(m, &["context", "id"]);
    let ty = str_at(m, &["type"]).unwrap_or("unknown");
    content(m, ty, &mut ev);
    if let Some(note) = referral_note(m) {
        ev.text = Some(match ev.text.take() {
            Some(t) => format!("{t} [{note}]"),
            None => note,
        });
    }
    ev
}

/// Fills type, text, media and the kind-specific fields from a message object of type `ty`.
fn content(m: &Value, ty: &str, ev: &mut Event) {
    let body = m.get(ty).unwrap_or(&Value::Null);
    match ty {
        "text" => {
            ev.msg_type = Some(MessageType::Text);
            ev.text = string_at(body, &["body"]);
        }
        "image" | "video" | "audio" | "document" | "sticker" => {
            ev.msg_type = Some(match ty {
                "image" => MessageType::Image,
                "video" => MessageType::Video,
                "audio" if body.get("voice").and_then(Value::as_bool) == Some(true) => {
                    MessageType::Voice
                }
                "audio" => MessageType::Audio,
                "document" => MessageType::Document,
                _ => MessageType::Sticker,
            });
            ev.text = string_at(body, &["caption"]);
            ev.media = Some(Media {
                mime: string_at(body, &["mime_type"]),
                filename: string_at(body, &["filename"]),
                url: string_at(body, &["url"]),
            });
        }
        "location" => {
            ev.msg_type = Some(MessageType::Location);
            ev.text = location_text(body);
        }
        "contacts" => {
            ev.msg_type = Some(MessageType::Contact);
            let names: Vec<String> = arr_at(m, &["contacts"])
                .iter()
                .filter_map(contact_name)
                .collect();
            ev.text = (!names.is_empty()).then(|| names.join(", "));
        }
        "reaction" => {
            ev.kind = Kind::Reaction;
            ev.target = id_at(body, &["message_id"]);
            // Meta omits `emoji` when the reaction is removed.
            ev.emoji = Some(str_at(body, &["emoji"]).unwrap_or("").to_owned());
        }
        "interactive" => interactive(body, ev),
        "button" => {
            ev.msg_type = Some(MessageType::Button);
            ev.text = first_str(body, &[&["text"], &["payload"]]).map(str::to_owned);
        }
        "order" => {
            ev.msg_type = Some(MessageType::Order);
            let n = arr_at(body, &["product_items"]).len();
            let items = format!("{n} item{}", if n == 1 { "" } else { "s" });
            ev.text = Some(match str_at(body, &["text"]) {
                Some(t) => format!("{items} · {t}"),
                None => items,
            });
        }
        "system" => {
            ev.msg_type = Some(MessageType::System);
            ev.text = first_str(body, &[&["body"], &["type"]]).map(str::to_owned);
        }
        "edit" => {
            // Coexistence only: the business-app user edited a message.
            ev.kind = Kind::Edit;
            ev.target = id_at(body, &["original_message_id"]);
            ev.reply_to = None;
            let inner = body.get("message").unwrap_or(&Value::Null);
            if let Some(inner_ty) = str_at(inner, &["type"]) {
                let mut tmp = Event::new(Kind::Message, "");
                content(inner, inner_ty, &mut tmp);
                ev.msg_type = tmp.msg_type;
                ev.text = tmp.text;
                ev.media = tmp.media;
            }
        }
        "revoke" => {
            ev.kind = Kind::Revoke;
            ev.target = id_at(body, &["original_message_id"]);
            ev.reply_to = None;
        }
        "unsupported" | "unknown" => {
            ev.msg_type = Some(MessageType::Unsupported);
            ev.text = Some(unsupported_text(m, body));
        }
        other => {
            ev.msg_type = Some(MessageType::Unsupported);
            ev.text = Some(format!("unsupported message type {other}"));
        }
    }
}

/// Button/list replies tally per prompt; flow (`nfm_reply`) answers are shown as text only.
fn interactive(body: &Value, ev: &mut Event) {
    ev.msg_type = Some(MessageType::Interactive);
    let sub = str_at(body, &["type"]).unwrap_or("");
    match sub {
        "button_reply" | "list_reply" => {
            let reply = body.get(sub).unwrap_or(&Value::Null);
            let title = str_at(reply, &["title"]).unwrap_or("").to_owned();
            ev.text = (!title.is_empty()).then(|| title.clone());
            // context.id is the prompt being answered, not a quoted message.
            if let Some(prompt) = ev.reply_to.take() {
                ev.interactive = Some(InteractiveReply {
                    prompt,
                    option_id: str_at(reply, &["id"]).unwrap_or("").to_owned(),
                    title,
                });
            }
        }
        "nfm_reply" => {
            ev.text = first_str(body, &[&["nfm_reply", "body"], &["nfm_reply", "name"]])
                .map(str::to_owned);
            ev.reply_to = None;
        }
        other => {
            ev.text = Some(format!(
                "interactive {}",
                if other.is_empty() { "?" } else { other }
            ));
        }
    }
}

/// "poll_creation: Message type unknown (131051)" from `unsupported.type` and `errors[]`.
fn unsupported_text(m: &Value, body: &Value) -> String {
    let what = str_at(body, &["type"]).unwrap_or("unknown type");
    let err = arr_at(m, &["errors"])
        .first()
        .or_else(|| arr_at(body, &["errors"]).first());
    match err {
        Some(e) => {
            let title = first_str(e, &[&["title"], &["message"]]).unwrap_or("error");
            match num_at(e, &["code"]) {
                Some(c) => format!("unsupported {what}: {title} ({c})"),
                None => format!("unsupported {what}: {title}"),
            }
        }
        None => format!("unsupported {what}"),
    }
}

/// "name · address", or "lat, lon" when the pin has no name.
fn location_text(loc: &Value) -> Option<String> {
    let parts: Vec<&str> = [str_at(loc, &["name"]), str_at(loc, &["address"])]
        .into_iter()
        .flatten()
        .collect();
    if !parts.is_empty() {
        return Some(parts.join(" · "));
    }
    let lat = num_at(loc, &["latitude"])?;
    let lon = num_at(loc, &["longitude"])?;
    Some(format!("{lat}, {lon}"))
}

fn contact_name(c: &Value) -> Option<String> {
    if let Some(n) = str_at(c, &["name", "formatted_name"]) {
        return Some(n.to_owned());
    }
    let parts: Vec<&str> = [
        str_at(c, &["name", "first_name"]),
        str_at(c, &["name", "last_name"]),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// Click-to-WhatsApp ads attach `referral` to an ordinary message; keep its type, note the ad.
fn referral_note(m: &Value) -> Option<String> {
    let r = m.get("referral")?;
    let what = first_str(r, &[&["headline"], &["body"], &["source_url"]]);
    Some(match what {
        Some(w) => format!("from ad: {w}"),
        None => "from ad".to_owned(),
    })
}

/// One `statuses[]` item: ticks for a message the business sent.
fn status(s: &Value, ctx: &Ctx) -> Event {
    let mut ev = Event::new(Kind::Status, "statuses");
    ev.message_id = id_at(s, &["id"]);
    ev.from_me = Some(true);
    ev.sender = ctx.me.clone();
    ev.timestamp_ms = millis_at(s, &["timestamp"]);
    let recipient = nonempty(s, &["recipient_id"]);
    if str_at(s, &["recipient_type"]) == Some("group") {
        ev.chat = recipient.and_then(|g| ChatId::parse(&format!("{g}@g.us")));
        ev.participant = chat_at(s, &["recipient_participant_id"]);
    } else {
        let to = ctx.party(
            recipient,
            first_nonempty(s, &[&["recipient_user_id"], &["parent_recipient_user_id"]]),
        );
        ev.chat = to.id();
        ev.chat_name = to.name.clone();
        ev.lid_map = to.pair();
    }
    let label = str_at(s, &["status"]).unwrap_or("");
    ev.status_label = (!label.is_empty()).then(|| label.to_owned());
    if label.eq_ignore_ascii_case("deleted") {
        // Legacy on-premise "deleted": the customer deleted the message.
        ev.kind = Kind::Revoke;
        ev.target = ev.message_id.clone();
    } else {
        ev.status = Ack::parse(label);
    }
    ev.error = errors_text(s);
    ev
}

/// The first of `paths` that holds a non-blank string.
fn first_nonempty<'a>(v: &'a Value, paths: &[&[&str]]) -> Option<&'a str> {
    paths.iter().find_map(|p| nonempty(v, p))
}
