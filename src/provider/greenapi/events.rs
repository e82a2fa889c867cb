//! Green API notifications that are not messages: delivery statuses of our messages
//! (`outgoingMessageStatus`), instance authorisation and socket state, device info, calls,
//! blocks and plan quota notices.
//!
//! Readings:
//! - Status values: `pending`, `sent`, `delivered`, `read` are ticks (`played` is accepted too);
//!   `failed`, `noAccount` (no WhatsApp on the number), `notInGroup`, `yellowCard` (sending
//!   suspended for spam) and the WABA docs' `noActiveSession` are failures, with `description`
//!   (e.g. `SWE004: ...`) as the error. Any other value keeps its label and gives no tick.
//! - Calls: `status` `offer` opens a call and a second notification closes it (`pickUp`,
//!   `hangUp`/`hungUp`, `missed`, `declined`); the docs give no video flag.
//! - `incomingBlock` is a chat event; `stateInstanceChanged`, `statusInstanceChanged`,
//!   `deviceInfo` and `quotaExceeded` are session events.

use super::Ctx;
use crate::model::{Ack, Event, Kind, MessageType};
use crate::provider::json::{first_str, id_at, num_at, str_at};
use serde_json::Value;

/// `outgoingMessageStatus`: a tick (or a failure) for one of our messages.
pub(super) fn status(ctx: &Ctx, root: &Value) -> Event {
    let mut ev = Event::new(Kind::Status, ctx.event);
    ev.chat = str_at(root, &["chatId"]).and_then(|c| ctx.id(c));
    ev.message_id = id_at(root, &["idMessage"]);
    ev.from_me = Some(true);
    ev.sender = ctx.me.clone();
    ev.timestamp_ms = ctx.ts_ms;
    let label = str_at(root, &["status"]);
    ev.status = label.and_then(ack);
    ev.status_label = label.map(str::to_owned);
    let description = str_at(root, &["description"]).map(str::to_owned);
    if ev.status == Some(Ack::Failed) {
        ev.error = description.or_else(|| label.map(failure_text));
    } else {
        ev.text = description;
    }
    ev
}

/// A status value as a tick.
fn ack(label: &str) -> Option<Ack> {
    Some(match label {
        "pending" => Ack::Pending,
        "sent" => Ack::Sent,
        "delivered" => Ack::Delivered,
        "read" => Ack::Read,
        "played" => Ack::Played,
        "failed" | "noAccount" | "notInGroup" | "yellowCard" | "noActiveSession" => Ack::Failed,
        _ => return None,
    })
}

/// What a failure status means, when the notification has no `description`.
fn failure_text(label: &str) -> String {
    match label {
        "noAccount" | "noActiveSession" => "the number has no WhatsApp account".to_owned(),
        "notInGroup" => "we are not a participant of the group".to_owned(),
        "yellowCard" => "sending suspended for spam (yellow card)".to_owned(),
        other => other.to_owned(),
    }
}

/// `stateInstanceChanged` (`stateInstance`: authorized, notAuthorized, blocked, sleepMode,
/// starting, yellowCard) and `statusInstanceChanged` (`statusInstance`: online, offline).
pub(super) fn instance_state(ctx: &Ctx, root: &Value) -> Event {
    let mut ev = session(ctx);
    match str_at(root, &["stateInstance"]) {
        Some(state) => {
            ev.text = Some(state.to_owned());
            ev.error = match state {
                "blocked" => Some("account banned".to_owned()),
                "yellowCard" => Some("sending suspended for spam (yellow card)".to_owned()),
                _ => None,
            };
        }
        None => {
            ev.text = Some(match str_at(root, &["statusInstance"]) {
                Some(s) => format!("socket {s}"),
                None => ctx.event.to_owned(),
            });
        }
    }
    ev
}

/// `deviceInfo`: "Apple iPhone 11 (iphone 13.4.1), WhatsApp 2.20.42, battery 90%".
pub(super) fn device(ctx: &Ctx, root: &Value) -> Event {
    let mut ev = session(ctx);
    let null = Value::Null;
    let d = root.get("deviceData").unwrap_or(&null);
    let s = |k: &str| str_at(d, &[k]);
    let mut parts = Vec::new();
    let model: Vec<&str> = [s("deviceManufacturer"), s("deviceModel")]
        .into_iter()
        .flatten()
        .collect();
    let os: Vec<&str> = [s("platform"), s("osVersion")]
        .into_iter()
        .flatten()
        .collect();
    match (model.is_empty(), os.is_empty()) {
        (false, false) => parts.push(format!("{} ({})", model.join(" "), os.join(" "))),
        (false, true) => parts.push(model.join(" ")),
        (true, false) => parts.push(os.join(" ")),
        (true, true) => {}
    }
    if let Some(v) = s("waVersion") {
        parts.push(format!("WhatsApp {v}"));
    }
    if let Some(b) = num_at(d, &["battery"]) {
        parts.push(format!("battery {b}%"));
    }
    ev.text = Some(if parts.is_empty() {
        "device info".to_owned()
    } else {
        parts.join(", ")
    });
    ev
}

/// `incomingCall` (and `outgoingCall`): one notification per call state.
pub(super) fn call(ctx: &Ctx, root: &Value) -> Event {
    let mut ev = Event::new(Kind::Call, ctx.event);
    let outgoing = ctx.event == "outgoingCall";
    let party = first_str(root, &[&["from"], &["to"], &["chatId"]]).and_then(|c| ctx.id(c));
    ev.chat = party.clone();
    ev.sender = if outgoing { ctx.me.clone() } else { party };
    ev.from_me = Some(outgoing);
    ev.message_id = id_at(root, &["idMessage"]);
    ev.msg_type = Some(MessageType::Call);
    ev.timestamp_ms = ctx.ts_ms;
    let dir = if outgoing { "outgoing" } else { "incoming" };
    ev.text = Some(match str_at(root, &["status"]) {
        None | Some("offer") => format!("{dir} call"),
        Some("pickUp") => format!("{dir} call answered"),
        Some("hangUp") | Some("hungUp") => format!("{dir} call hung up"),
        Some("missed") => "missed call".to_owned(),
        Some("declined") => format!("{dir} call declined"),
        Some(other) => format!("{dir} call {other}"),
    });
    ev
}

/// `incomingBlock`: a contact blocked the chat.
pub(super) fn block(ctx: &Ctx, root: &Value) -> Event {
    let mut ev = Event::new(Kind::Chat, ctx.event);
    ev.chat = str_at(root, &["chatId"]).and_then(|c| ctx.id(c));
    ev.timestamp_ms = ctx.ts_ms;
    ev.text = Some(format!(
        "chat {}",
        str_at(root, &["chatState"]).unwrap_or("blocked")
    ));
    ev
}

/// `quotaExceeded`: a Developer-plan limit was reached (`quotaData`).
pub(super) fn quota(ctx: &Ctx, root: &Value) -> Event {
    let mut ev = session(ctx);
    let null = Value::Null;
    let q = root.get("quotaData").unwrap_or(&null);
    let status = str_at(q, &["status"]).unwrap_or("quota exceeded");
    let count = |k: &str| match q.get(k) {
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    };
    ev.text = Some(
        match (str_at(q, &["method"]), count("used"), count("total")) {
            (Some(m), Some(u), Some(t)) => format!("{status} ({m} {u}/{t})"),
            (Some(m), _, _) => format!("{status} ({m})"),
            _ => status.to_owned(),
        },
    );
    ev.error = str_at(q, &["description"])
        .map(str::to_owned)
        .or_else(|| Some(status.to_owned()));
    ev
}

fn session(ctx: &Ctx) -> Event {
    let mut ev = Event::new(Kind::Session, ctx.event);
    ev.timestamp_ms = ctx.ts_ms;
    ev
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one(body: Value) -> Event {
        super::super::normalize(&body).remove(0)
    }

    #[test]
    fn statuses_map_to_ticks_and_failures() {
        assert_eq!(ack("read"), Some(Ack::Read));
        assert_eq!(ack("noAccount"), Some(Ack::Failed));
        assert_eq!(ack("somethingElse"), None);
        let ev = one(json!({"typeWebhook": "outgoingMessageStatus",
            "instanceData": {"idInstance": 1, "wid": "11001234567@c.us"},
            "chatId": "5511900001234@c.us", "idMessage": "X", "status": "notInGroup",
            "timestamp": 1, "sendByApi": true}));
        assert_eq!(ev.status, Some(Ack::Failed));
        assert_eq!(
            ev.error.as_deref(),
            Some("we are not a participant of the group")
        );
        assert_eq!(ev.message_id.unwrap().as_str(), "X");
        assert_eq!(ev.sender.unwrap().as_str(), "11001234567@c.us");
    }

    #[test]
    fn call_states_read_as_words() {
        let call = |status: &str| {
            one(
                json!({"typeWebhook": "incomingCall", "instanceData": {"idInstance": 1},
                "from": "79001234500@c.us", "status": status, "idMessage": "C"}),
            )
            .text
            .unwrap()
        };
        assert_eq!(call("offer"), "incoming call");
        assert_eq!(call("hungUp"), "incoming call hung up");
        assert_eq!(call("declined"), "incoming call declined");
    }

    #[test]
    fn odd_notices_do_not_panic() {
        for body in [
            json!({"typeWebhook": "deviceInfo", "instanceData": {}, "deviceData": 5}),
            json!({"typeWebhook": "quotaExceeded", "instanceData": {}, "quotaData": []}),
            json!({"typeWebhook": "stateInstanceChanged", "instanceData": {}}),
            json!({"typeWebhook": "incomingBlock", "instanceData": {}, "chatId": 7}),
            json!({"typeWebhook": "outgoingMessageStatus", "instanceData": {}, "status": 3}),
        ] {
            let ev = one(body);
            assert!(ev.text.is_some() || ev.kind == Kind::Status, "{ev:?}");
        }
    }
}
