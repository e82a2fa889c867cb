//! The embedded HTTP receiver: takes webhooks on any path and method, answers the Meta
//! verification handshake, checks signatures and size, records every request in the capture file
//! before replying, and passes it on to the screen or the headless printer.
//!
//! Replies:
//! - accepted JSON: 200 with a small JSON body; Meta-format bodies get exactly
//!   `{"statusCode":"200","statusMessage":"OK"}` (forwarding portals require a JSON confirmation);
//! - a body that is not JSON: 400 with a JSON error naming line and column — still recorded and
//!   shown as kind `malformed`;
//! - a bad signature (only when `--meta-app-secret` / `--waha-hmac-key` is set): 401, recorded as
//!   kind `rejected`; a body over `--max-body`: 413, recorded as `rejected` without its body;
//! - if the capture file cannot be written: 503, so the provider retries later;
//! - `GET ?hub.mode=subscribe&hub.verify_token=T&hub.challenge=C`: `C` as text/plain when `T`
//!   equals `--verify-token` (constant-time comparison), 403 otherwise; recorded as a session event;
//! - any other GET: a short text page saying what this is.
//!
//! Nothing else is served: this port is what a tunnel exposes to the internet.
//!
//! Edge module: axum and tokio.

use crate::capture_writer::CaptureWriter;
use crate::envelope::Envelope;
use crate::ingest::Ingest;
use crate::model::{Event, Kind, Provider};
use crate::provider::{self, Normalized};
use axum::body::Body;
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hmac::{Hmac, Mac};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use subtle::ConstantTimeEq;
use tokio::sync::mpsc;

/// Receiver settings from the command line.
#[derive(Debug, Clone, Default)]
pub struct ReceiverConfig {
    /// Meta's `hub.verify_token`.
    pub verify_token: Option<String>,
    /// Meta app secret: checks `X-Hub-Signature-256` on Meta-format bodies.
    pub meta_app_secret: Option<String>,
    /// WAHA HMAC key: checks `X-Webhook-Hmac` (SHA-512) on WAHA bodies.
    pub waha_hmac_key: Option<String>,
    /// Largest body accepted, in bytes.
    pub max_body: usize,
}

/// Shared state of the receiver's handlers.
pub struct Receiver {
    cfg: ReceiverConfig,
    next_seq: AtomicU64,
    capture: Option<CaptureWriter>,
    ingest_tx: mpsc::Sender<Ingest>,
}

impl Receiver {
    /// A receiver numbering requests from `first_seq`.
    pub fn new(
        cfg: ReceiverConfig,
        first_seq: u64,
        capture: Option<CaptureWriter>,
        ingest_tx: mpsc::Sender<Ingest>,
    ) -> Arc<Receiver> {
        Arc::new(Receiver {
            cfg,
            next_seq: AtomicU64::new(first_seq),
            capture,
            ingest_tx,
        })
    }
}

impl Receiver {
    /// A new envelope for this request (body still empty), numbered in arrival order.
    fn envelope(&self, parts: &axum::http::request::Parts, remote: Option<String>) -> Envelope {
        Envelope {
            seq: self.next_seq.fetch_add(1, Ordering::Relaxed),
            received_at_ms: now_ms(),
            method: parts.method.to_string(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers: header_pairs(&parts.headers),
            remote,
            body: bytes::Bytes::new(),
            status: 200,
            note: None,
        }
    }
}

/// The router: one fallback handler for every path and method.
pub fn router(state: Arc<Receiver>) -> Router {
    Router::new().fallback(handle).with_state(state)
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

async fn handle(State(rx): State<Arc<Receiver>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let remote = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.to_string());
    if parts.method == Method::GET || parts.method == Method::HEAD {
        let query: HashMap<String, String> = Query::try_from_uri(&parts.uri)
            .map(|q: Query<HashMap<String, String>>| q.0)
            .unwrap_or_default();
        if query.contains_key("hub.mode") || query.contains_key("hub.challenge") {
            return handshake(&rx, &parts, &query, remote).await;
        }
        return info_page();
    }
    let mut env = rx.envelope(&parts, remote);
    let mut status = StatusCode::OK;
    match axum::body::to_bytes(body, rx.cfg.max_body).await {
        Ok(b) => env.body = b,
        Err(e) => {
            status = StatusCode::PAYLOAD_TOO_LARGE;
            env.note = Some(if is_length_limit(&e) {
                format!(
                    "body larger than --max-body ({} bytes); not stored",
                    rx.cfg.max_body
                )
            } else {
                format!("body could not be read: {e}")
            });
        }
    }
    let mut normalized = provider::normalize(&env);
    if env.note.is_none() {
        if let Some(problem) = signature_problem(&rx.cfg, &env, normalized.provider) {
            status = StatusCode::UNAUTHORIZED;
            env.note = Some(problem.clone());
            normalized =
                Normalized::problem(normalized.provider, Kind::Rejected, "rejected", problem);
        }
    }
    let malformed = normalized.events.iter().any(|e| e.kind == Kind::Malformed);
    if malformed {
        status = StatusCode::BAD_REQUEST;
    }
    env.status = status.as_u16();
    // Once the body is read, recording and passing on the request run in their own task: if the
    // provider hangs up meanwhile, hyper drops this handler, but the request still reaches the
    // capture file and the screen.
    let finishing = tokio::spawn(finish(rx, env, normalized, status));
    let (status, reply) = finishing.await.unwrap_or_else(|e| {
        tracing::error!("request task failed: {e}");
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"{"ok":false,"error":"internal error"}"#.to_owned(),
        )
    });
    (status, [(header::CONTENT_TYPE, "application/json")], reply).into_response()
}

/// Records `env`, hands it to the consumer, and says what to answer.
async fn finish(
    rx: Arc<Receiver>,
    mut env: Envelope,
    normalized: Normalized,
    mut status: StatusCode,
) -> (StatusCode, String) {
    // Back-pressure first: wait for room in the ingest channel before recording, so a slow
    // screen slows the providers down instead of letting recorded requests pile up unseen.
    let permit = rx.ingest_tx.reserve().await.ok();
    let capture_offset = match record(&rx, &env).await {
        Ok(off) => off,
        Err(e) => {
            tracing::error!(seq = env.seq, "capture failed: {e}");
            env.status = StatusCode::SERVICE_UNAVAILABLE.as_u16();
            env.note = Some(format!("capture file write failed: {e}"));
            status = StatusCode::SERVICE_UNAVAILABLE;
            None
        }
    };
    let reply = reply_body(&env, &normalized, status);
    let seq = env.seq;
    let ingest = Ingest {
        env: Arc::new(env),
        normalized,
        capture_offset,
        from_load: false,
    };
    match permit {
        Some(p) => p.send(ingest),
        None => tracing::warn!(seq, "consumer gone; request is in the capture file only"),
    }
    (status, reply)
}

async fn record(rx: &Receiver, env: &Envelope) -> std::io::Result<Option<u64>> {
    match &rx.capture {
        Some(w) => w.append(crate::capture::encode(env)).await.map(Some),
        None => Ok(None),
    }
}

fn reply_body(env: &Envelope, n: &Normalized, status: StatusCode) -> String {
    if status == StatusCode::OK {
        if n.provider == Provider::Meta {
            return r#"{"statusCode":"200","statusMessage":"OK"}"#.to_owned();
        }
        // Built by hand: this runs for every accepted request.
        return format!(
            r#"{{"ok":true,"seq":{},"provider":"{}","events":{}}}"#,
            env.seq,
            n.provider.as_str(),
            n.events.len()
        );
    }
    let mut v = serde_json::json!({
        "ok": false,
        "seq": env.seq,
        "error": env.note.clone().or_else(|| n.events.iter().find_map(|e| e.error.clone())),
    });
    if status == StatusCode::BAD_REQUEST {
        if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&env.body) {
            v["line"] = e.line().into();
            v["column"] = e.column().into();
        }
    }
    v.to_string()
}

fn header_pairs(h: &HeaderMap) -> Vec<(String, String)> {
    h.iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn is_length_limit(e: &axum::Error) -> bool {
    let mut src: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = src {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        src = err.source();
    }
    false
}

/// Why the request's signature does not hold, when a secret for its provider is configured.
fn signature_problem(cfg: &ReceiverConfig, env: &Envelope, provider: Provider) -> Option<String> {
    // A signature header is checked whenever present; its absence only matters for bodies of
    // the provider that signs.
    if let Some(secret) = &cfg.meta_app_secret {
        let sig = env.header("x-hub-signature-256");
        if provider == Provider::Meta || sig.is_some() {
            let Some(sig) = sig else {
                return Some("missing X-Hub-Signature-256 (--meta-app-secret is set)".into());
            };
            let got = sig.trim().strip_prefix("sha256=").unwrap_or(sig.trim());
            let mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).ok()?;
            if let Some(want) = mismatch(mac, &env.body, got) {
                return Some(format!(
                    "X-Hub-Signature-256 does not match the body: got sha256={got}, computed \
                     sha256={want} (wrong app secret, or something re-encoded the body)"
                ));
            }
        }
    }
    if let Some(key) = &cfg.waha_hmac_key {
        let sig = env.header("x-webhook-hmac");
        if provider == Provider::Waha || sig.is_some() {
            let Some(sig) = sig else {
                return Some("missing X-Webhook-Hmac (--waha-hmac-key is set)".into());
            };
            let got = sig.trim();
            let mac = Hmac::<sha2::Sha512>::new_from_slice(key.as_bytes()).ok()?;
            if let Some(want) = mismatch(mac, &env.body, got) {
                return Some(format!(
                    "X-Webhook-Hmac does not match the body: got {got}, computed {want} \
                     (wrong HMAC key, or something re-encoded the body)"
                ));
            }
        }
    }
    None
}

/// The expected hex signature when `got_hex` is not the HMAC of `body` (compared in constant
/// time), `None` when it matches.
fn mismatch<M: Mac + Clone>(mut mac: M, body: &[u8], got_hex: &str) -> Option<String> {
    mac.update(body);
    let want = hex::encode(mac.clone().finalize().into_bytes());
    let ok = hex::decode(got_hex).is_ok_and(|g| mac.verify_slice(&g).is_ok());
    (!ok).then_some(want)
}

async fn handshake(
    rx: &Receiver,
    parts: &axum::http::request::Parts,
    query: &HashMap<String, String>,
    remote: Option<String>,
) -> Response {
    let token = query
        .get("hub.verify_token")
        .map(String::as_str)
        .unwrap_or("");
    let challenge = query.get("hub.challenge").cloned().unwrap_or_default();
    let mode_ok = query.get("hub.mode").map(String::as_str) == Some("subscribe");
    let token_ok = rx
        .cfg
        .verify_token
        .as_deref()
        .is_some_and(|want| bool::from(want.as_bytes().ct_eq(token.as_bytes())));
    let ok = mode_ok && token_ok;
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::FORBIDDEN
    };
    let mut ev = Event::new(Kind::Session, "verify");
    ev.text = Some(if ok {
        "Meta verification handshake answered".to_owned()
    } else if rx.cfg.verify_token.is_none() {
        "Meta verification handshake refused: start wamon with --verify-token".to_owned()
    } else {
        "Meta verification handshake refused: hub.verify_token does not match".to_owned()
    });
    if !ok {
        ev.error = ev.text.clone();
    }
    let mut env = rx.envelope(parts, remote);
    env.status = status.as_u16();
    let capture_offset = record(rx, &env).await.unwrap_or_else(|e| {
        tracing::error!("capture failed: {e}");
        None
    });
    let _ = rx
        .ingest_tx
        .send(Ingest {
            env: Arc::new(env),
            normalized: Normalized {
                provider: Provider::Meta,
                events: vec![ev],
            },
            capture_offset,
            from_load: false,
        })
        .await;
    let body = if ok {
        challenge
    } else {
        "verification failed".to_owned()
    };
    (
        status,
        [(header::CONTENT_TYPE, "text/plain")],
        Body::from(body),
    )
        .into_response()
}

fn info_page() -> Response {
    const PAGE: &str = "wamon — a terminal live monitor for WhatsApp webhooks.\n\n\
This address receives webhooks: point your provider (WAHA, Whapi.cloud, Meta Cloud API,\n\
Evolution API, ...) at it with POST on any path, e.g. https://<your-tunnel>/webhook.\n\
Meta's verification GET (hub.mode=subscribe) is answered when wamon runs with --verify-token.\n\
Everything received is shown live in the terminal running wamon.\n";
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        PAGE,
    )
        .into_response()
}
