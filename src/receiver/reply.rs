//! Every reply the receiver sends, built in one place so each carries an explicit
//! `charset=utf-8` and `X-Content-Type-Options: nosniff`: whatever a reply echoes, no browser
//! that opens the tunnel URL may sniff it into something else.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

const JSON: &str = "application/json; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";
const XML: &str = "text/xml; charset=utf-8";

/// The empty TwiML document: Twilio's webhooks expect TwiML back, and an empty `<Response/>`
/// tells Twilio to send nothing (any other 200 body is logged by Twilio as an error, 12300).
pub const TWIML_EMPTY: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Response/>"#;

fn with_type(status: StatusCode, content_type: &'static str, body: String) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    r
}

/// A JSON reply.
pub fn json(status: StatusCode, body: String) -> Response {
    with_type(status, JSON, body)
}

/// A plain-text reply.
pub fn text(status: StatusCode, body: impl Into<String>) -> Response {
    with_type(status, TEXT, body.into())
}

/// A 200 TwiML reply (`text/xml`).
pub fn twiml(body: String) -> Response {
    with_type(StatusCode::OK, XML, body)
}

/// `{"ok":false,"error":…}` with `status`.
pub fn error(status: StatusCode, message: &str) -> Response {
    json(
        status,
        serde_json::json!({"ok": false, "error": message}).to_string(),
    )
}

/// 404 for anything that is not a webhook for this receiver: the same bytes whatever was asked,
/// so a scanner learns nothing.
pub fn not_found() -> Response {
    text(StatusCode::NOT_FOUND, "not found\n")
}

/// 405 with the methods that are allowed.
pub fn method_not_allowed() -> Response {
    let mut r = text(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed: webhooks are POST, PUT, PATCH or DELETE\n",
    );
    r.headers_mut().insert(
        header::ALLOW,
        HeaderValue::from_static("POST, PUT, PATCH, DELETE, GET, HEAD"),
    );
    r
}

/// The page a plain GET gets.
pub fn info_page() -> Response {
    const PAGE: &str = "wamon — a terminal live monitor for WhatsApp webhooks.\n\n\
This address receives webhooks: point your provider (WAHA, Whapi.cloud, Meta Cloud API,\n\
Evolution API, ...) at it with POST on any path below this one.\n\
Meta's verification GET (hub.mode=subscribe) is answered when wamon runs with --verify-token.\n\
Everything received is shown live in the terminal running wamon.\n";
    text(StatusCode::OK, PAGE)
}

/// Proxy mode: the bot's answer passed back to the provider (its status, content type and
/// body), or 502/503/504 when the bot never answered.
pub fn proxied(r: &crate::forward::ForwardRecord) -> Response {
    let Some(status) = r.status.and_then(|s| StatusCode::from_u16(s).ok()) else {
        let status = match r.failure.as_deref() {
            Some("timeout") => StatusCode::GATEWAY_TIMEOUT,
            Some(crate::forward::record::NOT_FORWARDED) | Some("interrupted") => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            _ => StatusCode::BAD_GATEWAY,
        };
        // In general words: the bot's address and error stay on the local screen.
        let mut resp = error(status, "the bot behind this receiver did not answer");
        if status == StatusCode::SERVICE_UNAVAILABLE {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        return resp;
    };
    let content_type = r
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .and_then(|(_, v)| HeaderValue::from_bytes(v).ok())
        .unwrap_or_else(|| HeaderValue::from_static(JSON));
    let mut resp = (status, r.body.clone()).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, content_type);
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}
