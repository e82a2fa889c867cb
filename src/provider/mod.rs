//! Recognises which provider sent a webhook from the body alone and turns it into [`Event`]s.
//!
//! Detection follows the shape rules of each format (first match wins): Meta's
//! `object: "whatsapp_business_account"`, Whapi's object-valued `event` with `channel_id`, WAHA's
//! `event` + `session` + `payload`, Evolution's `event` + `instance` + `data`, and the
//! `{event, instanceId, data}` provider. Headers are never required. JSON of no known shape is an
//! event of kind `unknown`; bytes that are not JSON are kind `malformed` with the parser's line
//! and column. Neither is an error: both are shown and counted like any other event. What is JSON
//! is RFC 8259's answer, not serde_json's defaults: a BOM, numbers beyond f64 and deep nesting
//! are accepted ([`parse`]).
//!
//! Core module: pure functions, no I/O.

pub mod evolution;
pub mod instance;
pub mod json;
pub mod meta;
pub mod parse;
pub mod waha;
pub mod whapi;

use crate::body_encoding::{self, DecodeError};
use crate::envelope::Envelope;
use crate::model::{Event, Kind, Provider};
use serde_json::Value;
use std::borrow::Cow;

/// The result of normalising one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Normalized {
    pub provider: Provider,
    pub events: Vec<Event>,
}

impl Normalized {
    /// One event of `kind` carrying `error`, for bodies that could not be read.
    pub fn problem(provider: Provider, kind: Kind, event: &str, error: String) -> Normalized {
        let mut ev = Event::new(kind, event);
        ev.error = Some(error);
        Normalized {
            provider,
            events: vec![ev],
        }
    }
}

/// Which provider's shape `root` has.
pub fn detect(root: &Value) -> Provider {
    let Some(obj) = root.as_object() else {
        return Provider::Unknown;
    };
    let event = obj.get("event");
    if obj.get("object").and_then(Value::as_str) == Some("whatsapp_business_account")
        && obj.get("entry").is_some_and(Value::is_array)
    {
        return Provider::Meta;
    }
    if event.is_some_and(|e| e.get("type").is_some_and(Value::is_string))
        && obj.get("channel_id").is_some_and(Value::is_string)
    {
        return Provider::Whapi;
    }
    let event_is_string = event.is_some_and(Value::is_string);
    if event_is_string
        && obj.get("session").is_some_and(Value::is_string)
        && obj.contains_key("payload")
    {
        return Provider::Waha;
    }
    if event_is_string && obj.get("instance").is_some() && obj.contains_key("data") {
        return Provider::Evolution;
    }
    if event_is_string
        && obj.get("instanceId").is_some_and(Value::is_string)
        && obj.get("data").is_some_and(Value::is_object)
    {
        return Provider::Instance;
    }
    Provider::Unknown
}

/// Normalises an already parsed body.
pub fn normalize_value(root: &Value) -> Normalized {
    let provider = detect(root);
    let mut events = match provider {
        Provider::Waha => waha::normalize(root),
        Provider::Whapi => whapi::normalize(root),
        Provider::Meta => meta::normalize(root),
        Provider::Evolution => evolution::normalize(root),
        Provider::Instance => instance::normalize(root),
        Provider::Unknown => Vec::new(),
    };
    if events.is_empty() {
        // A recognised envelope with nothing we understand inside is still one visible event.
        let mut ev = Event::new(Kind::Unknown, unknown_event_name(root));
        ev.text = Some(match provider {
            Provider::Unknown => "no known provider shape".to_owned(),
            p => format!("{p} envelope with no recognised content"),
        });
        events.push(ev);
    }
    Normalized { provider, events }
}

/// Normalises raw body bytes.
pub fn normalize_body(body: &[u8]) -> Normalized {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Normalized::problem(
            Provider::Unknown,
            Kind::Malformed,
            "malformed",
            "empty body".to_owned(),
        );
    }
    match parse::body(body) {
        Ok(root) => normalize_value(&root),
        Err(e) => Normalized::problem(
            Provider::Unknown,
            Kind::Malformed,
            "malformed",
            format!("invalid JSON: {e}"),
        ),
    }
}

/// Normalises a received request, its `Content-Encoding` undone within `--max-body`
/// ([`body_encoding::decoded`]). Rejected requests (bad signature, too large) stay rejected;
/// one only answered by a `--reply` rule is normalised like any other.
pub fn normalize(env: &Envelope) -> Normalized {
    if let Some(note) = env.rejection() {
        let provider = body_encoding::decoded(env)
            .ok()
            .and_then(|b| parse::body(&b).ok())
            .map_or(Provider::Unknown, |v| detect(&v));
        return Normalized::problem(provider, Kind::Rejected, "rejected", note.to_owned());
    }
    normalize_decoded(body_encoding::decoded(env))
}

/// Normalises a body [`body_encoding::decoded_body`] gave: one that could not be decoded (an
/// unknown coding, a corrupt stream, too large) is `malformed`, saying why.
pub fn normalize_decoded(body: Result<Cow<'_, [u8]>, DecodeError>) -> Normalized {
    match body {
        Ok(b) => normalize_body(&b),
        Err(e) => Normalized::problem(
            Provider::Unknown,
            Kind::Malformed,
            "malformed",
            e.to_string(),
        ),
    }
}

fn unknown_event_name(root: &Value) -> String {
    match root.get("event") {
        Some(Value::String(s)) => s.clone(),
        Some(e @ Value::Object(_)) => {
            let t = e.get("type").and_then(Value::as_str).unwrap_or("?");
            let a = e.get("event").and_then(Value::as_str).unwrap_or("?");
            format!("{t}.{a}")
        }
        _ => root
            .get("field")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_json_is_malformed_with_position() {
        let n = normalize_body(b"{\"event\": \"message\",\n  \"x\": }");
        assert_eq!(n.events[0].kind, Kind::Malformed);
        let err = n.events[0].error.as_deref().unwrap();
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("column"), "{err}");
    }

    #[test]
    fn a_scripted_reply_is_not_a_rejection() {
        let body = r#"{"event":"message","session":"s","payload":{"id":"x","from":"1@c.us"}}"#;
        let mut env = Envelope::post(1, 0, body);
        env.status = 500;
        env.note = Some(format!(
            "{}rule 1: status=500)",
            crate::envelope::SCRIPTED_NOTE
        ));
        let n = normalize(&env);
        assert_eq!(
            (n.provider, n.events[0].kind),
            (Provider::Waha, Kind::Message)
        );
        env.note = Some("X-Webhook-Hmac does not match".into());
        assert_eq!(normalize(&env).events[0].kind, Kind::Rejected);
    }

    #[test]
    fn unknown_shape_is_an_unknown_event() {
        let n = normalize_body(br#"{"hello":"world"}"#);
        assert_eq!(n.provider, Provider::Unknown);
        assert_eq!(n.events.len(), 1);
        assert_eq!(n.events[0].kind, Kind::Unknown);
    }
}
