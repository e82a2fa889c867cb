//! `ReceivedCallback` bodies carrying a `notification` (WhatsApp's system messages, with
//! `notificationParameters`): revokes, calls, group and channel membership, account changes,
//! chat labels. Unknown notifications stay messages of type `system` naming what arrived.

use super::super::json::{arr_at, id_at, str_at};
use crate::model::{Event, Kind, MessageType};
use serde_json::Value;

/// Turns `ev` (a received message) into what notification `name` means.
pub(super) fn apply(root: &Value, name: &str, ev: &mut Event) {
    let upper = name.to_ascii_uppercase();
    let params = parameters(root);
    // A notification is never a delivery state of a message of ours.
    ev.status = None;
    ev.status_label = None;
    ev.text = Some(describe(name, &params));
    match upper.as_str() {
        "REVOKE" => revoke(root, ev),
        n if n.starts_with("CALL_") => call(root, &upper, ev),
        n if n.starts_with("GROUP_")
            || n.starts_with("COMMUNITY_")
            || n.starts_with("NEWSLETTER_")
            || n.contains("MEMBERSHIP") =>
        {
            ev.kind = Kind::Group;
            ev.reply_to = None;
            if let Some(mode) = str_at(root, &["linkMode"]) {
                ev.text = Some(format!("{name}: {mode}"));
            }
            if let Some(how) = str_at(root, &["requestMethod"]) {
                ev.text = Some(format!("{} (via {how})", describe(name, &params)));
            }
        }
        "PROFILE_NAME_UPDATED" | "PROFILE_PICTURE_UPDATED" => {
            // Changes to the connected account itself.
            ev.kind = Kind::Session;
            ev.chat = None;
            ev.text = Some(match str_at(root, &["profileName"]) {
                Some(n) => format!("profile name is now {n}"),
                None if upper == "PROFILE_PICTURE_UPDATED" => "profile picture updated".to_owned(),
                None => describe(name, &params),
            });
        }
        "CHAT_LABEL_ASSOCIATION" => {
            ev.kind = Kind::Chat;
            let labels: Vec<String> = arr_at(root, &["notificationParameters"])
                .iter()
                .filter_map(|p| {
                    let phone = str_at(p, &["phone"])?;
                    let label = p.get("label").map(scalar).unwrap_or_default();
                    let verb = match p.get("assigned").and_then(Value::as_bool) {
                        Some(false) => "removed from",
                        _ => "added to",
                    };
                    Some(format!("label {label} {verb} {phone}"))
                })
                .collect();
            if !labels.is_empty() {
                ev.text = Some(labels.join("; "));
            }
        }
        _ => {
            // E2E_ENCRYPTED, BLUE_MSG_*, PAYMENT_*, ...: a system line in the chat.
            ev.msg_type = Some(MessageType::System);
        }
    }
}

/// `REVOKE`: a message deleted for everyone. **\[I\]** The deleted message is
/// `referenceMessageId` when present, else `messageId` (the docs give no example; integrators
/// read it this way, and a captured body carries only `messageId`).
fn revoke(root: &Value, ev: &mut Event) {
    ev.kind = Kind::Revoke;
    ev.msg_type = None;
    ev.text = None;
    match id_at(root, &["referenceMessageId"]) {
        Some(r) => ev.target = Some(r),
        None => ev.target = ev.message_id.take(),
    }
    ev.reply_to = None;
}

/// `CALL_VOICE`, `CALL_VIDEO`, `CALL_MISSED_VOICE`, `CALL_MISSED_VIDEO` (with `callId`).
fn call(root: &Value, upper: &str, ev: &mut Event) {
    ev.kind = Kind::Call;
    ev.msg_type = Some(MessageType::Call);
    let medium = if upper.contains("VIDEO") {
        "video call"
    } else {
        "voice call"
    };
    let mut text = if upper.contains("MISSED") {
        format!("missed {medium}")
    } else if upper.contains("VIDEO") || upper.contains("VOICE") {
        format!("incoming {medium}")
    } else {
        upper.to_ascii_lowercase().replace('_', " ")
    };
    if let Some(id) = str_at(root, &["callId"]) {
        text.push_str(&format!(" ({id})"));
    }
    ev.text = Some(text);
}

/// `notificationParameters` as text: strings as they are, objects as compact JSON.
fn parameters(root: &Value) -> Vec<String> {
    arr_at(root, &["notificationParameters"])
        .iter()
        .map(scalar)
        .filter(|s| !s.is_empty())
        .collect()
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// "GROUP_PARTICIPANT_ADD: 5544999999999, 5544888888888".
fn describe(name: &str, params: &[String]) -> String {
    if params.is_empty() {
        name.to_owned()
    } else {
        format!("{name}: {}", params.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::super::received::received;
    use crate::model::{Kind, MessageId, MessageType};
    use serde_json::{json, Value};

    fn note(name: &str, extra: Value) -> crate::model::Event {
        let mut b = json!({"type": "ReceivedCallback", "instanceId": "I", "messageId": "N",
            "phone": "5544999999999", "fromMe": false, "status": "RECEIVED",
            "notification": name, "notificationParameters": []});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        received(&b, "ReceivedCallback")
    }

    #[test]
    fn revoke_targets_the_reference_or_the_message() {
        let ev = note("REVOKE", json!({}));
        assert_eq!(ev.kind, Kind::Revoke);
        assert_eq!(ev.target, Some(MessageId::new("N")));
        assert_eq!(ev.message_id, None);
        let referenced = note("REVOKE", json!({"referenceMessageId": "GONE"}));
        assert_eq!(referenced.target, Some(MessageId::new("GONE")));
        assert_eq!(referenced.message_id, Some(MessageId::new("N")));
    }

    #[test]
    fn calls_say_what_kind() {
        let ev = note("CALL_MISSED_VIDEO", json!({"callId": "C1"}));
        assert_eq!(
            (ev.kind, ev.msg_type),
            (Kind::Call, Some(MessageType::Call))
        );
        assert_eq!(ev.text.as_deref(), Some("missed video call (C1)"));
        assert_eq!(ev.status, None);
    }

    #[test]
    fn group_notices_list_their_parameters() {
        let ev = note(
            "GROUP_PARTICIPANT_ADD",
            json!({"phone": "120363019502650977-group", "isGroup": true,
                "notificationParameters": ["5544999999999", "5544888888888"]}),
        );
        assert_eq!(ev.kind, Kind::Group);
        assert_eq!(
            ev.text.as_deref(),
            Some("GROUP_PARTICIPANT_ADD: 5544999999999, 5544888888888")
        );
    }

    #[test]
    fn unknown_notices_are_system_lines() {
        let ev = note("E2E_ENCRYPTED", json!({}));
        assert_eq!(
            (ev.kind, ev.msg_type),
            (Kind::Message, Some(MessageType::System))
        );
        assert_eq!(ev.text.as_deref(), Some("E2E_ENCRYPTED"));
    }
}
