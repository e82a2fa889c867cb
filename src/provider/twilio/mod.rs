//! Twilio's WhatsApp senders (and plain SMS numbers): `application/x-www-form-urlencoded`
//! webhooks, read as a flat object of strings ([`form`]), recognised by their fields and
//! normalised into [`Event`]s.
//!
//! Two kinds of request reach the same URL (or two URLs, one per console setting):
//! - the incoming-message webhook ("A message comes in"): `MessageSid`, `From` (the customer),
//!   `To` (our sender), `Body`, `NumMedia` + `MediaUrl{n}`/`MediaContentType{n}`, WhatsApp's
//!   `ProfileName`, `WaId`, `MessageType`, `ButtonText`/`ButtonPayload`, `Latitude`/`Longitude`/
//!   `Address`/`Label`, `OriginalRepliedMessageSid`, `Referral*` ([`messages`]);
//! - the status callback of a message we sent: `MessageStatus` (`queued` … `read`, `failed`,
//!   `undelivered`), `ErrorCode`/`ErrorMessage`, `From` (our sender), `To` (the customer)
//!   ([`statuses`]).
//!
//! Detection ([`claims`]): `AccountSid` is a Twilio account SID (`AC` + 32 letters or digits)
//! and the body names a message (`MessageSid`, `SmsSid` or `SmsMessageSid`) or a status
//! (`MessageStatus`). No other provider's body has an `AccountSid`, and a form that lacks these
//! stays what it was before forms were read (`malformed`, see [`form`]).
//!
//! Chats: `whatsapp:+5511988881111` and a bare SMS number `+5511988881111` both become the
//! canonical `5511988881111@c.us`; the account (below) keeps WhatsApp and SMS apart.
//!
//! Account: `<AccountSid>/<our address>`, our address being `To` on incoming messages and `From`
//! on status callbacks, as Twilio writes it (`whatsapp:+14155238886`, or `+14155238886` for
//! SMS). It is the same for both kinds of webhook of one sender, so a message and its ticks land
//! in one account, and `account:AC…`, `account:whatsapp` and `account:14155238886` all find it.
//!
//! What Twilio's messaging webhooks cannot say, so no event is made for it: reactions, edits,
//! revokes, polls, presence, calls, groups and connection state (Twilio has no WhatsApp groups,
//! and the sender's health is not a webhook). A `MessageType` wamon does not know stays a
//! visible message of type `unsupported` naming it.
//!
//! Core module: pure functions, no I/O.

pub mod form;
mod messages;
mod statuses;

use super::json::str_at;
use crate::model::{ChatId, Event};
use serde_json::{Map, Value};

/// Whether an object (a parsed form, or JSON) has the shape of a Twilio messaging webhook.
pub fn claims(obj: &Map<String, Value>) -> bool {
    let s = |k: &str| obj.get(k).and_then(Value::as_str).filter(|v| !v.is_empty());
    let account = s("AccountSid").is_some_and(is_account_sid);
    let names_message = ["MessageSid", "SmsSid", "SmsMessageSid", "MessageStatus"]
        .iter()
        .any(|k| s(k).is_some());
    account && names_message
}

/// `AC` and 32 ASCII letters or digits: Twilio's account SID (hex in practice; SDK tests use
/// other letters, so any alphanumeric is accepted).
fn is_account_sid(s: &str) -> bool {
    s.len() == 34 && s.starts_with("AC") && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The events of one Twilio webhook: one message or one status.
pub fn normalize(root: &Value) -> Vec<Event> {
    if statuses::is_status(root) {
        vec![statuses::status(root)]
    } else if messages::is_message(root) {
        vec![messages::message(root)]
    } else {
        Vec::new()
    }
}

/// `<AccountSid>/<our address>` (see the module doc), or the account SID alone when the body
/// names no address of ours. Built, not borrowed: no single field holds it.
pub fn account(root: &Value) -> Option<String> {
    let sid = str_at(root, &["AccountSid"])?;
    let ours = if statuses::is_status(root) {
        str_at(root, &["From"])
    } else {
        str_at(root, &["To"])
    };
    Some(match ours {
        Some(addr) => format!("{sid}/{}", addr.trim()),
        None => sid.to_owned(),
    })
}

/// A Twilio address as a chat id: `whatsapp:+5511…` and `+5511…` become `5511…@c.us`. Another
/// channel's prefix (`messenger:`, `rcs:`) is dropped the same way; an alphanumeric sender id
/// stays a user named by it. `None` when empty.
pub(crate) fn chat_of(addr: &str) -> Option<ChatId> {
    let addr = addr.trim();
    let bare = match addr.split_once(':') {
        // `whatsapp:+1…`; a colon later in the value (never in a number) is left alone.
        Some((prefix, rest)) if prefix.bytes().all(|b| b.is_ascii_alphabetic()) => rest,
        _ => addr,
    };
    // `ChatId::parse` would read `a:1` as a device suffix and an `@` as a server: neither is
    // part of a Twilio address.
    let bare: String = bare.chars().filter(|c| *c != '@' && *c != ':').collect();
    ChatId::parse(&bare)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SID: &str = "AC1a03647d811fab342c0ad608e382fab2";

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn claims_needs_an_account_sid_and_a_message() {
        assert!(claims(&obj(
            json!({"AccountSid": SID, "MessageSid": "SM1"})
        )));
        assert!(claims(&obj(
            json!({"AccountSid": SID, "MessageStatus": "sent"})
        )));
        // Near misses: other providers' and look-alike shapes.
        for near in [
            json!({"AccountSid": SID}),
            json!({"AccountSid": "ACME", "MessageSid": "SM1"}),
            json!({"AccountSid": "", "MessageSid": "SM1"}),
            json!({"AccountSid": 5, "MessageSid": "SM1"}),
            json!({"AccountSid": SID, "MessageSid": ""}),
            json!({"accountSid": SID, "messageSid": "SM1"}),
            json!({"AccountSid": format!("{SID}0"), "MessageSid": "SM1"}),
            json!({"AccountSid": "XX1a03647d811fab342c0ad608e382fab2", "MessageSid": "SM1"}),
            json!({"event": "message", "session": "default", "payload": {"AccountSid": SID}}),
            json!({"MessageSid": "SM1", "From": "whatsapp:+1", "To": "whatsapp:+2"}),
        ] {
            assert!(!claims(&obj(near.clone())), "{near}");
        }
    }

    #[test]
    fn addresses_fold_to_canonical_chats() {
        let c = |a| chat_of(a).map(|c| c.as_str().to_owned());
        assert_eq!(
            c("whatsapp:+5511988881111").as_deref(),
            Some("5511988881111@c.us")
        );
        assert_eq!(c("+5511988881111").as_deref(), Some("5511988881111@c.us"));
        assert_eq!(
            c(" whatsapp:+1 415 523 8886 ").as_deref(),
            Some("14155238886@c.us")
        );
        assert_eq!(c("messenger:1234").as_deref(), Some("1234@c.us"));
        assert_eq!(c("MyBrand").as_deref(), Some("MyBrand@c.us"));
        // Never a group or a device suffix: only the digits stay.
        assert_eq!(c("whatsapp:1@g.us:2").as_deref(), Some("12@c.us"));
        assert_eq!(c(""), None);
    }

    #[test]
    fn the_account_is_the_same_for_a_message_and_its_status() {
        let inbound = json!({"AccountSid": SID, "MessageSid": "SM1",
            "From": "whatsapp:+5511988881111", "To": "whatsapp:+14155238886"});
        let status = json!({"AccountSid": SID, "MessageSid": "SM2", "MessageStatus": "read",
            "From": "whatsapp:+14155238886", "To": "whatsapp:+5511988881111"});
        let want = format!("{SID}/whatsapp:+14155238886");
        assert_eq!(account(&inbound).as_deref(), Some(want.as_str()));
        assert_eq!(account(&status).as_deref(), Some(want.as_str()));
        let sms = json!({"AccountSid": SID, "MessageSid": "SM3", "From": "+5511", "To": "+1415"});
        assert_eq!(account(&sms), Some(format!("{SID}/+1415")));
    }

    #[test]
    fn garbage_never_panics() {
        for v in [
            json!({"AccountSid": SID, "MessageSid": "SM1", "NumMedia": "99999999999999999999"}),
            json!({"AccountSid": SID, "MessageSid": "SM1", "Latitude": "x", "Longitude": "NaN"}),
            json!({"AccountSid": SID, "MessageStatus": "?", "ErrorCode": "💥"}),
            json!({"AccountSid": SID, "MessageSid": 7, "From": [], "To": {}}),
            json!(null),
            json!([1]),
        ] {
            let _ = normalize(&v);
            let _ = account(&v);
        }
    }
}
