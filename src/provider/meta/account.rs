//! Every field but `messages`: Calling API calls and their statuses, and account-level notices
//! (templates, account, quality, alerts…) summarised in one line.

use super::super::json::{arr_at, chat_at, id_at, millis_at, num_at, str_at};
use super::{errors_text, Ctx};
use crate::model::{ChatId, Event, Kind};
use serde_json::Value;

/// `field: "calls"`: Calling API connect/terminate notices, plus call `statuses[]`.
pub(super) fn calls_change(value: &Value, ctx: &Ctx, out: &mut Vec<Event>) {
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
pub(super) fn account_event(field: &str, value: &Value, ts: Option<i64>) -> Event {
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
