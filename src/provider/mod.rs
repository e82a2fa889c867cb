//! Recognises which provider sent a webhook from the body alone and turns it into [`Event`]s.
//!
//! Detection follows the shape rules of each format (first match wins): Meta's
//! `object: "whatsapp_business_account"`, Whapi's object-valued `event` with `channel_id`, WAHA's
//! `event` + `session` + `payload`, Evolution's `event` + `instance` + `data`, and the
//! `{event, instanceId, data}` provider; a body that is not JSON but a form with Twilio's fields
//! (`AccountSid` + `MessageSid`/`MessageStatus`) is Twilio's ([`twilio::form`]). Headers are
//! never required. The one exception to "the
//! body alone": a Whapi body sent in its "path" or "method" mode has no `event`, and the request
//! path and method name it ([`normalize`], [`whapi::route`]). JSON of no known shape is an
//! event of kind `unknown`; bytes that are not JSON are kind `malformed` with the parser's line
//! and column. Neither is an error: both are shown and counted like any other event. What is JSON
//! is RFC 8259's answer, not serde_json's defaults: a BOM, numbers beyond f64 and deep nesting
//! are accepted ([`parse`]).
//!
//! Core module: pure functions, no I/O.

pub mod account;
pub mod evolution;
pub mod evolution_go;
pub mod greenapi;
pub mod instance;
pub mod json;
pub mod meta;
pub mod parse;
pub mod twilio;
pub mod wa_message;
pub mod waha;
pub mod whapi;
pub mod zapi;

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
    // Evolution GO shares the `{event, instanceId, data}` envelope; what `data` holds tells.
    if evolution_go::claims(obj) {
        return Provider::EvolutionGo;
    }
    if event_is_string
        && obj.get("instanceId").is_some_and(Value::is_string)
        && obj.get("data").is_some_and(Value::is_object)
    {
        return Provider::Instance;
    }
    if greenapi::claims(obj) {
        return Provider::GreenApi;
    }
    if zapi::claims(obj) {
        return Provider::Zapi;
    }
    if twilio::claims(obj) {
        return Provider::Twilio;
    }
    Provider::Unknown
}

/// Normalises an already parsed body.
pub fn normalize_value(root: &Value) -> Normalized {
    normalize_detected(root, detect(root))
}

/// Normalises a parsed body whose shape [`detect`] already named.
fn normalize_detected(root: &Value, provider: Provider) -> Normalized {
    let events = match provider {
        Provider::Waha => waha::normalize(root),
        Provider::Whapi => whapi::normalize(root),
        Provider::Meta => meta::normalize(root),
        Provider::Evolution => evolution::normalize(root),
        Provider::Instance => instance::normalize(root),
        Provider::EvolutionGo => evolution_go::normalize(root),
        Provider::Twilio => twilio::normalize(root),
        Provider::GreenApi => greenapi::normalize(root),
        Provider::Zapi => zapi::normalize(root),
        Provider::Unknown => Vec::new(),
    };
    finish(provider, root, events, || unknown_event_name(root))
}

/// `events`, or when there are none one event of kind `unknown` called `name()`: a recognised
/// envelope with nothing we understand inside is still one visible event. Every event without
/// an account gets the envelope's ([`account::of`]).
fn finish(
    provider: Provider,
    root: &Value,
    mut events: Vec<Event>,
    name: impl FnOnce() -> String,
) -> Normalized {
    if events.is_empty() {
        let mut ev = Event::new(Kind::Unknown, name());
        ev.text = Some(match provider {
            Provider::Unknown => "no known provider shape".to_owned(),
            p => format!("{p} envelope with no recognised content"),
        });
        events.push(ev);
    }
    if let Some(acc) = account::of(provider, root) {
        for ev in events.iter_mut().filter(|e| e.account.is_none()) {
            ev.account = Some(acc.clone());
        }
    }
    Normalized { provider, events }
}

/// The body as JSON or, failing that, a Twilio form's fields as an object of strings
/// ([`twilio::form`]: the only provider that does not post JSON); the JSON error otherwise.
fn json_or_form(body: &[u8]) -> Result<Value, parse::Invalid> {
    parse::body(body).or_else(|e| twilio::form::twilio_fields(body).ok_or(e))
}

/// The parsed body ([`json_or_form`]), or the `malformed` event it is.
fn parse_body(body: &[u8]) -> Result<Value, Normalized> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Normalized::problem(
            Provider::Unknown,
            Kind::Malformed,
            "malformed",
            "empty body".to_owned(),
        ));
    }
    json_or_form(body).map_err(|e| {
        Normalized::problem(
            Provider::Unknown,
            Kind::Malformed,
            "malformed",
            format!("invalid JSON: {e}"),
        )
    })
}

/// Normalises raw body bytes.
pub fn normalize_body(body: &[u8]) -> Normalized {
    match parse_body(body) {
        Ok(root) => normalize_value(&root),
        Err(problem) => problem,
    }
}

/// Normalises a received request, its `Content-Encoding` undone within `--max-body`
/// ([`body_encoding::decoded`]). Rejected requests (bad signature, too large) stay rejected;
/// one only answered by a `--reply` rule is normalised like any other.
pub fn normalize(env: &Envelope) -> Normalized {
    if let Some(verify) = verify_handshake(env) {
        return verify;
    }
    if let Some(note) = env.rejection() {
        let provider = body_encoding::decoded(env)
            .ok()
            .and_then(|b| json_or_form(&b).ok())
            .map_or(Provider::Unknown, |v| {
                let detected = detect(&v);
                match whapi_route(env, &v, detected) {
                    Some(_) => Provider::Whapi,
                    None => detected,
                }
            });
        return Normalized::problem(provider, Kind::Rejected, "rejected", note.to_owned());
    }
    normalize_decoded(env, body_encoding::decoded(env))
}

/// Meta's verification handshake (a GET or HEAD whose query carries `hub.mode` or
/// `hub.challenge`, which the receiver answers itself), or `None` for any other request: a
/// `verify` event, of kind `rejected` saying why when it was refused (its note; a capture
/// written before refusals had one gives the status), else of kind `session`.
pub fn verify_handshake(env: &Envelope) -> Option<Normalized> {
    if !matches!(env.method.as_str(), "GET" | "HEAD") {
        return None;
    }
    let query = env.query.as_deref()?;
    let hub = form_urlencoded::parse(query.as_bytes())
        .any(|(k, _)| k == "hub.mode" || k == "hub.challenge");
    if !hub {
        return None;
    }
    let refused = match env.rejection() {
        Some(why) => Some(why.to_owned()),
        None if env.status != 200 => Some(format!("answered {}", env.status)),
        None => None,
    };
    let ev = match refused {
        Some(why) => {
            let mut ev = Event::new(Kind::Rejected, "verify");
            ev.error = Some(format!("Meta verification handshake refused: {why}"));
            ev
        }
        None => {
            let mut ev = Event::new(Kind::Session, "verify");
            ev.text = Some("Meta verification handshake answered".to_owned());
            ev
        }
    };
    Some(Normalized {
        provider: Provider::Meta,
        events: vec![ev],
    })
}

/// Normalises `env` given its body as [`body_encoding::decoded_body`] gave it: one that could
/// not be decoded (an unknown coding, a corrupt stream, too large) is `malformed`, saying why. A
/// body of no known shape may still be Whapi's in its "path" or "method" webhook mode, where the
/// request's path and method name the event ([`whapi::route`]); every other body is read on its
/// own.
pub fn normalize_decoded(env: &Envelope, body: Result<Cow<'_, [u8]>, DecodeError>) -> Normalized {
    let body = match body {
        Ok(b) => b,
        Err(e) => {
            return Normalized::problem(
                Provider::Unknown,
                Kind::Malformed,
                "malformed",
                e.to_string(),
            )
        }
    };
    let root = match parse_body(&body) {
        Ok(root) => root,
        Err(problem) => return problem,
    };
    let detected = detect(&root);
    if let Some((ty, action)) = whapi_route(env, &root, detected) {
        let events = whapi::normalize_as(&root, ty, action);
        return finish(Provider::Whapi, &root, events, || format!("{ty}.{action}"));
    }
    normalize_detected(&root, detected)
}

/// The Whapi event type and action `env` names for a body of no known shape (`detected` is
/// what [`detect`] said of it) in path or method mode; never for a body any provider's shape
/// already claims.
fn whapi_route(
    env: &Envelope,
    root: &Value,
    detected: Provider,
) -> Option<(&'static str, &'static str)> {
    if detected != Provider::Unknown {
        return None;
    }
    whapi::route::event(&env.method, &env.path, root)
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
    fn a_verify_handshake_reads_as_one_answered_or_rejected() {
        let get = |query: &str, status: u16, note: Option<&str>| {
            let mut env = Envelope::post(1, 0, Vec::new());
            env.method = "GET".into();
            env.query = Some(query.to_owned());
            env.status = status;
            env.note = note.map(str::to_owned);
            let n = normalize(&env);
            let ev = &n.events[0];
            (n.provider, ev.kind, ev.event.clone(), ev.error.clone())
        };
        let q = "hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1";
        let refused = get(q, 403, Some("hub.verify_token does not match"));
        assert_eq!(
            refused,
            (
                Provider::Meta,
                Kind::Rejected,
                "verify".into(),
                Some("Meta verification handshake refused: hub.verify_token does not match".into())
            )
        );
        // Read back from a capture written before refusals were noted: the status says it.
        assert_eq!(get(q, 403, None).1, Kind::Rejected);
        assert_eq!(get(q, 200, None).1, Kind::Session);
        // Any other GET is not a handshake.
        assert_eq!(get("x=1", 200, None).1, Kind::Malformed);
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
    fn a_whapi_body_without_event_is_named_by_its_request() {
        let at = |method: &str, path: &str, body: &str| {
            let mut env = Envelope::post(1, 0, body.to_owned());
            env.method = method.into();
            env.path = path.into();
            normalize(&env)
        };
        let bare = r#"{"statuses":[{"id":"S","status":"read","recipient_id":"1@s.whatsapp.net"}],"channel_id":"C"}"#;
        let n = at("POST", "/hooks/statuses/put", bare);
        assert_eq!(
            (n.provider, n.events[0].kind),
            (Provider::Whapi, Kind::Status)
        );
        assert_eq!(n.events[0].event, "statuses.put");
        assert_eq!(at("POST", "/", bare).provider, Provider::Unknown);
        assert_eq!(normalize_body(bare.as_bytes()).provider, Provider::Unknown);
        // The body's own event wins over the path.
        let body_mode =
            r#"{"statuses":[],"event":{"type":"statuses","event":"post"},"channel_id":"C"}"#;
        assert_eq!(
            at("PATCH", "/messages/put", body_mode).events[0].event,
            "statuses.post"
        );
        // Nothing inside is still one event, named by the path.
        let empty = at("DELETE", "/chats", r#"{"channel_id":"C"}"#);
        assert_eq!(
            (empty.provider, empty.events[0].kind),
            (Provider::Whapi, Kind::Unknown)
        );
        assert_eq!(empty.events[0].event, "chats.delete");
        // A rejected request keeps its provider.
        let mut rejected = Envelope::post(1, 0, bare.to_owned());
        rejected.path = "/statuses/post".into();
        rejected.note = Some("X-Hub-Signature-256 does not match".into());
        assert_eq!(normalize(&rejected).provider, Provider::Whapi);
    }

    #[test]
    fn unknown_shape_is_an_unknown_event() {
        let n = normalize_body(br#"{"hello":"world"}"#);
        assert_eq!(n.provider, Provider::Unknown);
        assert_eq!(n.events.len(), 1);
        assert_eq!(n.events[0].kind, Kind::Unknown);
    }
}
