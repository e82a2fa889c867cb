//! Meta WhatsApp Cloud API webhooks (and "Provider 004" portals forwarding the same JSON).
//!
//! Every `entry[] × changes[]` is read. `field: "messages"` carries `value.messages[]` (one event
//! each, event name "messages") and `value.statuses[]` (event "statuses"); `contacts[]` names the
//! senders by `wa_id`. `smb_message_echoes` (Coexistence: messages the business sent from the
//! WhatsApp Business app) become outgoing messages; `calls` become call events; every other field
//! (templates, account, quality, alerts…) is an account-level `session` event with a summary.
//!
//! Assumptions:
//! - Within one change, messages are emitted before statuses: the parsed JSON does not keep key
//!   order, and Meta normally sends them in separate changes anyway.
//! - The business number (`metadata.display_phone_number`) is "me": the sender of statuses and
//!   echoes.
//! - `context.id` of an interactive reply is the prompt it answers; it goes to
//!   `interactive.prompt`, not `reply_to`.
//! - Groups API fields (`group_id` on messages, `recipient_type: "group"` +
//!   `recipient_participant_id` on statuses) and the `played` status string are **unverified**.
//! - `calls` field shape (`calls[{id, from, to, event: connect|terminate, direction, status,
//!   duration}]`) is from third-party integrations, **unverified** against Meta's reference.

use super::json::{arr_at, chat_at, first_str, id_at, millis_at, num_at, str_at, string_at};
use crate::model::{Ack, ChatId, Event, InteractiveReply, Kind, Media, MessageType};
use serde_json::Value;

/// Every event in a Meta body, in entry × change order.
pub fn normalize(root: &Value) -> Vec<Event> {
    let mut out = Vec::new();
    for entry in arr_at(root, &["entry"]) {
        let entry_ts = millis_at(entry, &["time"]);
        for change in arr_at(entry, &["changes"]) {
            let field = str_at(change, &["field"]).unwrap_or("unknown");
            let value = change.get("value").unwrap_or(&Value::Null);
            let ctx = Ctx::new(value);
            match field {
                "messages" => messages_change(value, &ctx, &mut out),
                "smb_message_echoes" => {
                    for m in arr_at(value, &["message_echoes"]) {
                        out.push(message(m, &ctx, field, true));
                    }
                }
                "calls" => calls_change(value, &ctx, &mut out),
                _ => out.push(account_event(field, value, entry_ts)),
            }
        }
    }
    out
}

/// What a change's `value` says about the parties: names by wa_id and the business number.
struct Ctx<'a> {
    value: &'a Value,
    me: Option<ChatId>,
}

impl<'a> Ctx<'a> {
    fn new(value: &'a Value) -> Ctx<'a> {
        Ctx {
            value,
            me: chat_at(value, &["metadata", "display_phone_number"]),
        }
    }

    /// `contacts[].profile.name` of the contact whose `wa_id` is `wa_id`.
    fn name_of(&self, wa_id: &str) -> Option<String> {
        let contacts = arr_at(self.value, &["contacts"]);
        let hit = contacts
            .iter()
            .find(|c| str_at(c, &["wa_id"]) == Some(wa_id))
            // A single contact without wa_id still names the only sender of the change.
            .or_else(|| (contacts.len() == 1).then(|| &contacts[0]))?;
        string_at(hit, &["profile", "name"])
    }
}

fn messages_change(value: &Value, ctx: &Ctx, out: &mut Vec<Event>) {
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
fn message(m: &Value, ctx: &Ctx, event: &str, echo: bool) -> Event {
    let mut ev = Event::new(Kind::Message, event);
    let from = str_at(m, &["from"]);
    ev.message_id = id_at(m, &["id"]);
    ev.timestamp_ms = millis_at(m, &["timestamp"]);
    if echo {
        // Echoes: `from` is the business, `to` the customer.
        ev.from_me = Some(true);
        ev.chat = chat_at(m, &["to"]);
        ev.sender = from.and_then(ChatId::parse).or_else(|| ctx.me.clone());
        ev.chat_name = str_at(m, &["to"]).and_then(|to| ctx.name_of(to));
    } else {
        ev.from_me = Some(false);
        ev.sender = from.and_then(ChatId::parse);
        ev.sender_name = from.and_then(|f| ctx.name_of(f));
        match str_at(m, &["group_id"]) {
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
    let recipient = str_at(s, &["recipient_id"]);
    if str_at(s, &["recipient_type"]) == Some("group") {
        ev.chat = recipient.and_then(|g| ChatId::parse(&format!("{g}@g.us")));
        ev.participant = chat_at(s, &["recipient_participant_id"]);
    } else {
        ev.chat = recipient.and_then(ChatId::parse);
        ev.chat_name = recipient.and_then(|r| ctx.name_of(r));
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

/// `errors[]` as "131047: Re-engagement message — details", joined by "; ".
fn errors_text(v: &Value) -> Option<String> {
    let parts: Vec<String> = arr_at(v, &["errors"])
        .iter()
        .map(|e| {
            let title = first_str(e, &[&["title"], &["message"]]).unwrap_or("error");
            let mut s = match num_at(e, &["code"]) {
                Some(c) => format!("{c}: {title}"),
                None => title.to_owned(),
            };
            if let Some(d) = first_str(e, &[&["error_data", "details"], &["message"]]) {
                if d != title {
                    s.push_str(" — ");
                    s.push_str(d);
                }
            }
            s
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// `field: "calls"`: Calling API connect/terminate notices, plus call `statuses[]`.
fn calls_change(value: &Value, ctx: &Ctx, out: &mut Vec<Event>) {
    for c in arr_at(value, &["calls"]) {
        let mut ev = Event::new(Kind::Call, "calls");
        ev.message_id = id_at(c, &["id"]);
        ev.timestamp_ms = millis_at(c, &["timestamp"]);
        let outgoing = str_at(c, &["direction"]) == Some("BUSINESS_INITIATED");
        ev.from_me = Some(outgoing);
        let (party, caller) = if outgoing {
            (str_at(c, &["to"]), ctx.me.clone())
        } else {
            (str_at(c, &["from"]), chat_at(c, &["from"]))
        };
        ev.chat = party.and_then(ChatId::parse);
        ev.chat_name = party.and_then(|p| ctx.name_of(p));
        ev.sender = caller;
        let dir = if outgoing { "outgoing" } else { "incoming" };
        let what = match str_at(c, &["event"]).unwrap_or("") {
            "connect" => format!("{dir} voice call"),
            "terminate" => format!("{dir} call ended"),
            "" => format!("{dir} call"),
            other => format!("{dir} call {other}"),
        };
        let mut text = what;
        if let Some(st) = str_at(c, &["status"]) {
            text.push_str(&format!(" ({st}"));
            if let Some(d) = num_at(c, &["duration"]) {
                text.push_str(&format!(", {d}s"));
            }
            text.push(')');
        }
        ev.text = Some(text);
        ev.error = errors_text(c);
        out.push(ev);
    }
    for s in arr_at(value, &["statuses"]) {
        let mut ev = Event::new(Kind::Call, "calls");
        ev.message_id = id_at(s, &["id"]);
        ev.timestamp_ms = millis_at(s, &["timestamp"]);
        ev.chat = chat_at(s, &["recipient_id"]);
        ev.from_me = Some(true);
        ev.sender = ctx.me.clone();
        ev.text = Some(format!(
            "outgoing call {}",
            str_at(s, &["status"]).unwrap_or("?")
        ));
        ev.error = errors_text(s);
        out.push(ev);
    }
}

/// Any other `field`: an account-level notice with a one-line summary.
fn account_event(field: &str, value: &Value, ts: Option<i64>) -> Event {
    let mut ev = Event::new(Kind::Session, field);
    ev.timestamp_ms = ts;
    ev.text = Some(account_summary(field, value));
    if let Some(reason) = str_at(value, &["reason"]).filter(|r| *r != "NONE") {
        if field == "message_template_status_update" {
            ev.error = Some(reason.to_owned());
        }
    }
    ev
}

fn account_summary(field: &str, v: &Value) -> String {
    let s = |p: &[&str]| str_at(v, p);
    let join = |parts: &[Option<&str>]| -> String {
        parts
            .iter()
            .flatten()
            .copied()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let text = match field {
        "message_template_status_update" => {
            let lang = s(&["message_template_language"]).map(|l| format!("({l})"));
            let mut t = join(&[
                Some("template"),
                s(&["message_template_name"]),
                lang.as_deref(),
                s(&["event"]),
            ]);
            if let Some(r) = s(&["reason"]).filter(|r| *r != "NONE") {
                t.push_str(&format!(": {r}"));
            }
            t
        }
        "message_template_quality_update" => join(&[
            Some("template"),
            s(&["message_template_name"]),
            Some("quality"),
            s(&["previous_quality_score"]),
            Some("→"),
            s(&["new_quality_score"]),
        ]),
        "template_category_update" => join(&[
            Some("template"),
            s(&["message_template_name"]),
            Some("category"),
            s(&["previous_category"]),
            Some("→"),
            s(&["new_category"]),
        ]),
        "account_update" => {
            let mut t = join(&[Some("account"), s(&["event"])]);
            if let Some(b) = s(&["ban_info", "waba_ban_state"]) {
                t.push_str(&format!(" (ban: {b})"));
            }
            if let Some(r) = s(&["violation_info", "violation_type"]) {
                t.push_str(&format!(" (violation: {r})"));
            }
            t
        }
        "phone_number_quality_update" => join(&[
            s(&["display_phone_number"]),
            Some("quality"),
            s(&["event"]),
            s(&["current_limit"]).map(|_| "limit"),
            s(&["current_limit"]),
        ]),
        "phone_number_name_update" => join(&[
            s(&["display_phone_number"]),
            Some("name"),
            s(&["requested_verified_name"]),
            s(&["decision"]),
        ]),
        "account_alerts" => {
            let head = join(&[s(&["alert_severity"]), s(&["alert_type"])]);
            match s(&["alert_description"]) {
                Some(d) => format!("{head}: {d}"),
                None => head,
            }
        }
        "account_review_update" => join(&[Some("account review"), s(&["decision"])]),
        "security" => join(&[s(&["display_phone_number"]), s(&["event"])]),
        _ => String::new(),
    };
    if !text.trim().is_empty() {
        return text;
    }
    // Unknown field: the scalar facts it carries, so the list line says something.
    let facts: Vec<String> = v
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, _)| k.as_str() != "messaging_product")
                .filter_map(|(k, x)| match x {
                    Value::String(s) if !s.is_empty() => Some(format!("{k}={s}")),
                    Value::Number(n) => Some(format!("{k}={n}")),
                    Value::Bool(b) => Some(format!("{k}={b}")),
                    _ => None,
                })
                .take(4)
                .collect()
        })
        .unwrap_or_default();
    if facts.is_empty() {
        field.replace('_', " ")
    } else {
        format!("{}: {}", field.replace('_', " "), facts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MessageId;
    use serde_json::json;

    fn wrap(field: &str, value: Value) -> Value {
        json!({"object": "whatsapp_business_account",
               "entry": [{"id": "1", "changes": [{"field": field, "value": value}]}]})
    }

    #[test]
    fn interactive_reply_uses_context_as_prompt_not_reply() {
        let body = wrap(
            "messages",
            json!({"messages": [{"from": "16505551234", "id": "wamid.A", "timestamp": "1700000000",
                "type": "interactive", "context": {"from": "15550783881", "id": "wamid.P"},
                "interactive": {"type": "list_reply",
                    "list_reply": {"id": "opt-2", "title": "Tuesday", "description": "x"}}}]}),
        );
        let ev = &normalize(&body)[0];
        assert_eq!(ev.reply_to, None);
        let i = ev.interactive.as_ref().unwrap();
        assert_eq!(i.prompt, MessageId::new("wamid.P"));
        assert_eq!(i.option_id, "opt-2");
        assert_eq!(ev.text.as_deref(), Some("Tuesday"));
    }

    #[test]
    fn removed_reaction_has_empty_emoji() {
        let body = wrap(
            "messages",
            json!({"messages": [{"from": "1", "id": "wamid.R", "type": "reaction",
                "reaction": {"message_id": "wamid.O"}}]}),
        );
        let ev = &normalize(&body)[0];
        assert_eq!(ev.kind, Kind::Reaction);
        assert_eq!(ev.emoji.as_deref(), Some(""));
        assert_eq!(ev.target, Some(MessageId::new("wamid.O")));
    }

    #[test]
    fn error_text_joins_code_title_and_details() {
        let s = json!({"errors": [{"code": 131047, "title": "Re-engagement message",
            "error_data": {"details": "More than 24 hours have passed"}}]});
        assert_eq!(
            errors_text(&s).as_deref(),
            Some("131047: Re-engagement message — More than 24 hours have passed")
        );
    }

    #[test]
    fn unknown_fields_are_account_sessions_with_their_facts() {
        let body = wrap(
            "business_capability_update",
            json!({"max_daily_conversation_per_phone": 1000, "max_phone_numbers_per_business": 2}),
        );
        let ev = &normalize(&body)[0];
        assert_eq!(ev.kind, Kind::Session);
        assert_eq!(ev.event, "business_capability_update");
        assert_eq!(
            ev.text.as_deref(),
            Some("business capability update: max_daily_conversation_per_phone=1000, max_phone_numbers_per_business=2")
        );
    }

    #[test]
    fn garbage_never_panics() {
        for v in [
            json!({"object": "whatsapp_business_account", "entry": [1, {"changes": "x"}]}),
            wrap(
                "messages",
                json!({"messages": [null, 3, {"type": 5}], "statuses": [[]]}),
            ),
            wrap("calls", json!({"calls": [{}]})),
            wrap("whatever", Value::Null),
        ] {
            let _ = normalize(&v);
        }
    }
}
