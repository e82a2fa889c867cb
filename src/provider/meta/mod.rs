//! Meta WhatsApp Cloud API webhooks (and "Provider 004" portals forwarding the same JSON).
//!
//! Every `entry[] × changes[]` is read. `field: "messages"` carries `value.messages[]` (one event
//! each, event name "messages") and `value.statuses[]` (event "statuses"); `contacts[]` names the
//! senders by `wa_id` and, since usernames, by business-scoped user id (see `party.rs`). `smb_message_echoes` (Coexistence: messages the business sent from the
//! WhatsApp Business app) become outgoing messages; `calls` become call events; every other field
//! (templates, account, quality, alerts…) is an account-level `session` event with a summary.
//!
//! This file walks the entries and changes; `field: "messages"` (and echoes) is read in
//! `messages.rs`, calls and every account-level field in `account.rs`.
//!
//! Assumptions:
//! - Within one change, messages are emitted before statuses: the parsed JSON does not keep key
//!   order, and Meta normally sends them in separate changes anyway.
//! - A user with a username may come without a phone number (`from: ""`, `recipient_id: ""`,
//!   `wa_id: ""`): their chat is `<BSUID>@bsuid`, folded into the phone's chat once a change names
//!   both (`party.rs`). `to_user_id` on echoes is taken from the username announcement, not from
//!   a documented example.
//! - The business number (`metadata.display_phone_number`) is "me": the sender of statuses and
//!   echoes.
//! - `context.id` of an interactive reply is the prompt it answers; it goes to
//!   `interactive.prompt`, not `reply_to`.
//! - Groups API fields (`group_id` on messages, `recipient_type: "group"` +
//!   `recipient_participant_id` on statuses) and the `played` status string are **unverified**.
//! - `calls` field shape (`calls[{id, from, to, event: connect|terminate, direction, status,
//!   duration}]`) is from third-party integrations, **unverified** against Meta's reference.

mod account;
mod messages;
mod party;

use super::json::{arr_at, chat_at, first_str, millis_at, num_at, str_at};
use crate::model::{ChatId, Event};
use account::{account_event, calls_change};
use messages::{message, messages_change};
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
            let first = out.len();
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
            let account = super::account::from_meta_value(value);
            for ev in &mut out[first..] {
                ev.account.clone_from(&account);
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

    /// `contacts[].profile.name` (else `profile.username`) of the contact whose `wa_id` is
    /// `wa_id`; a single contact names the only party of the change.
    fn name_of(&self, wa_id: &str) -> Option<String> {
        self.party(Some(wa_id), None).name
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, MessageId};
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
