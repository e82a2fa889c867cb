//! Status callbacks: the delivery state of a message we sent (`MessageStatus`), with
//! `ErrorCode`/`ErrorMessage` when it failed.
//!
//! `MessageStatus` values (Twilio's Message resource): `accepted`, `scheduled`, `queued`,
//! `sending` are pending (not yet handed to WhatsApp); `sent`; `delivered`; `read` (WhatsApp
//! read receipts); `failed`, `undelivered` and `canceled` are failed. `receiving`/`received`
//! and `partially_delivered` say nothing about our ticks: kept as the label, with no ack.
//! From is our sender, To the customer; `ChannelToAddress` repeats the customer's number
//! without its prefix, sometimes masked (`+91848951XXXX`), so `To` names the chat.

use super::super::json::{id_at, str_at, string_at};
use super::chat_of;
use crate::model::{Ack, Event, Kind};
use serde_json::Value;

/// Whether `root` is a status callback rather than an incoming message: it carries a
/// `MessageStatus` other than the inbound `received`/`receiving`.
pub fn is_status(root: &Value) -> bool {
    str_at(root, &["MessageStatus"])
        .is_some_and(|s| !matches!(s.to_ascii_lowercase().as_str(), "received" | "receiving"))
}

/// Twilio's `MessageStatus` as an [`Ack`].
pub fn ack(label: &str) -> Option<Ack> {
    match label.trim().to_ascii_lowercase().as_str() {
        "accepted" | "scheduled" | "queued" | "sending" => Some(Ack::Pending),
        "sent" => Some(Ack::Sent),
        "delivered" => Some(Ack::Delivered),
        "read" => Some(Ack::Read),
        "failed" | "undelivered" | "canceled" => Some(Ack::Failed),
        _ => None,
    }
}

/// One status callback.
pub fn status(root: &Value) -> Event {
    let mut ev = Event::new(Kind::Status, "status");
    ev.message_id = id_at(root, &["MessageSid"])
        .or_else(|| id_at(root, &["SmsSid"]))
        .or_else(|| id_at(root, &["SmsMessageSid"]));
    ev.from_me = Some(true);
    ev.sender = str_at(root, &["From"]).and_then(chat_of);
    ev.chat = str_at(root, &["To"])
        .or_else(|| str_at(root, &["ChannelToAddress"]))
        .and_then(chat_of);
    let label = str_at(root, &["MessageStatus"]).unwrap_or("");
    ev.status = ack(label);
    ev.status_label = Some(label.to_owned());
    ev.error = error_text(root);
    ev
}

/// `ErrorCode: ErrorMessage`, either alone; `None` when neither is given (Twilio sends
/// `ErrorCode` only on failure).
fn error_text(root: &Value) -> Option<String> {
    match (
        str_at(root, &["ErrorCode"]),
        string_at(root, &["ErrorMessage"]),
    ) {
        (Some(c), Some(m)) => Some(format!("{c}: {m}")),
        (Some(c), None) => Some(format!("error {c}")),
        (None, m) => m,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_documented_status_has_its_ack() {
        for (label, want) in [
            ("queued", Some(Ack::Pending)),
            ("sending", Some(Ack::Pending)),
            ("accepted", Some(Ack::Pending)),
            ("sent", Some(Ack::Sent)),
            ("delivered", Some(Ack::Delivered)),
            ("read", Some(Ack::Read)),
            ("failed", Some(Ack::Failed)),
            ("undelivered", Some(Ack::Failed)),
            ("partially_delivered", None),
        ] {
            assert_eq!(ack(label), want, "{label}");
        }
    }

    #[test]
    fn a_failure_says_code_and_message() {
        let ev = status(&json!({"MessageSid": "SM1", "MessageStatus": "undelivered",
            "ErrorCode": "63016", "ErrorMessage": "Outside the 24h window",
            "From": "whatsapp:+14155238886", "To": "whatsapp:+5511900001234"}));
        assert_eq!(ev.status, Some(Ack::Failed));
        assert_eq!(ev.status_label.as_deref(), Some("undelivered"));
        assert_eq!(ev.error.as_deref(), Some("63016: Outside the 24h window"));
        assert_eq!(ev.chat.unwrap().as_str(), "5511900001234@c.us");
        assert_eq!(ev.sender.unwrap().as_str(), "14155238886@c.us");
    }

    #[test]
    fn an_inbound_received_status_is_not_a_status_callback() {
        assert!(!is_status(&json!({"MessageStatus": "received"})));
        assert!(is_status(&json!({"MessageStatus": "read"})));
        assert!(!is_status(&json!({"SmsStatus": "received"})));
    }
}
