//! The embedded HTTP receiver: takes webhooks on any path, answers the Meta verification
//! handshake, checks the path token, signatures, sizes and timeouts, records every webhook in the
//! capture file before replying, and passes it on to the screen or the headless printer.
//!
//! The port is what a tunnel puts on the internet, so every request is treated as hostile. What
//! each gets:
//! - without the `--token` (when one is set): 404, counted on the status bar, logged briefly (at
//!   most a line a second), not captured ([`token`]);
//! - POST, PUT, PATCH, DELETE: a webhook (Whapi's "method" mode uses them all):
//!   - accepted JSON: 200 with a small JSON body; Meta-format bodies get exactly
//!     `{"statusCode":"200","statusMessage":"OK"}` (forwarding portals require a JSON
//!     confirmation); a Twilio form gets the empty TwiML `<Response/>` as `text/xml` (Twilio
//!     reads the answer as instructions; an empty one sends nothing);
//!   - a body that is neither JSON nor a Twilio form: 400 naming line and column, still recorded and shown as
//!     `malformed`. JSON is what RFC 8259 allows: a leading BOM, numbers beyond f64 and nesting
//!     deeper than serde_json's 128 levels are accepted (200) and normalised
//!     ([`crate::provider::parse`], which also gives the line and column);
//!   - a bad or (with `--require-signature`) missing signature: 401 saying which header and the
//!     likely cause, never the computed value ([`signature`]); recorded as `rejected`;
//!   - a `Content-Encoding: gzip` or `deflate` body is decoded for parsing (the envelope, the
//!     capture and signatures keep the compressed bytes); one that decompresses past
//!     `--max-body` is refused like a body that large, an unknown coding or a corrupt stream is
//!     `malformed` ([`crate::body_encoding`]);
//!   - a body over `--max-body`: 413; not received within `--body-timeout`: 408; more body bytes
//!     in flight than `--max-buffered`: 503 with `Retry-After`. Each recorded as `rejected`,
//!     without the body ([`limits`]);
//!   - a client that hangs up before its body is complete: 400 "client disconnected after N of
//!     M bytes" (M is its `Content-Length`; a chunked body declares none, and the note says so).
//!     Nobody reads that reply, but the request is recorded as `rejected`, without the body,
//!     so the capture and the screen show that a sender gave up mid-request. Only a declared or
//!     received length over `--max-body` is ever 413;
//!   - the capture file cannot be written: 503, so the provider retries later;
//!   - a webhook that would get 200 and matches a `--reply` rule: the rule's status, body and
//!     delay ([`reply_rules`]). It is recorded (with that status and a note naming the rule)
//!     and handed on first; only the reply waits, holding no body budget;
//! - GET and HEAD: `?hub.mode=subscribe&hub.verify_token=T&hub.challenge=C` is Meta's handshake:
//!   `C` is echoed when `T` equals `--verify-token` (constant-time) and `C` is a short token of
//!   safe characters (Meta sends digits), 400 for any other challenge, 403 for a wrong token;
//!   recorded as a session event, 503 if it cannot be recorded. Any other GET: a short page
//!   saying what this is;
//! - any other method: 405, counted, not captured.
//!
//! Every reply carries `charset=utf-8` and `X-Content-Type-Options: nosniff` ([`reply`]).
//! Nothing else is served: no state or admin endpoints. Connections, their timeouts and the
//! connection cap are in [`server`].
//!
//! Edge module: axum, hyper and tokio.

mod limits;
mod reply;
pub mod reply_rules;
mod server;
pub(crate) mod signature;
mod stats;
mod token;
pub(crate) mod twilio_url;

pub use limits::{BodyBudget, Limits};
pub use reply_rules::{ReplyRules, Scripted};
pub use server::{fit_connection_cap, serve, SHUTDOWN_GRACE};
pub use stats::{ReceiverStats, StatsSnapshot};
pub use token::{validate as validate_token, TOKEN_HEADER};

use crate::backlog::{Backlog, Handed};
use crate::body_encoding::{self, DecodeError};
use crate::capture_path::CapturePath;
use crate::capture_writer::{CaptureWriter, Placed};
use crate::display::clean;
use crate::envelope::Envelope;
use crate::forward::{ForwardSettings, ForwardStats, Forwarder, ResultSink};
use crate::ingest::{Ingest, Item};
use crate::model::{Kind, Provider};
use crate::provider::{self, Normalized};
use axum::body::Body;
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::Router;
use bytes::Bytes;
use http_body_util::BodyExt;
use limits::Hold;
use stats::LogThrottle;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use subtle::ConstantTimeEq;
use token::Admission;
use tokio::sync::{mpsc, watch};

/// Receiver settings from the command line.
#[derive(Debug, Clone)]
pub struct ReceiverConfig {
    /// Meta's `hub.verify_token`.
    pub verify_token: Option<String>,
    /// Meta app secret: checks `X-Hub-Signature-256` wherever it is present.
    pub meta_app_secret: Option<String>,
    /// WAHA HMAC key: checks `X-Webhook-Hmac` (SHA-512) wherever it is present.
    pub waha_hmac_key: Option<String>,
    /// Twilio auth token: checks `X-Twilio-Signature` wherever it is present.
    pub twilio_auth_token: Option<String>,
    /// The public base URL Twilio calls (a tunnel's), for its signature; else rebuilt from the
    /// forwarding headers or `Host` ([`twilio_url::public_url`]).
    pub public_url: Option<String>,
    /// Refuse requests that carry no configured signature header.
    pub require_signature: bool,
    /// The path token: only requests under `/<token>/` or with `X-Wamon-Token` are webhooks.
    pub token: Option<String>,
    /// Largest body accepted, in bytes.
    pub max_body: usize,
    pub limits: Limits,
    /// `--forward-to`: where accepted webhooks go on to, and whether the provider waits for it.
    pub forward: Option<ForwardConfig>,
    /// `--reply`: scripted answers for webhooks that would get 200.
    pub replies: ReplyRules,
}

/// Forwarding to the bot.
#[derive(Debug, Clone)]
pub struct ForwardConfig {
    pub settings: ForwardSettings,
    /// `--forward-mode proxy`: answer the provider with the bot's answer.
    pub proxy: bool,
}

impl Default for ReceiverConfig {
    fn default() -> ReceiverConfig {
        ReceiverConfig {
            verify_token: None,
            meta_app_secret: None,
            waha_hmac_key: None,
            twilio_auth_token: None,
            public_url: None,
            require_signature: false,
            token: None,
            max_body: 8 * 1024 * 1024,
            limits: Limits::default(),
            forward: None,
            replies: ReplyRules::default(),
        }
    }
}

/// Shared state of the receiver's handlers.
pub struct Receiver {
    cfg: ReceiverConfig,
    next_seq: AtomicU64,
    capture: Option<CaptureWriter>,
    ingest_tx: mpsc::Sender<Item>,
    /// How recorded requests reach the consumer without the receiver waiting for it.
    backlog: Arc<Backlog>,
    stats: Arc<ReceiverStats>,
    budget: Arc<BodyBudget>,
    /// Turns true when the server is quitting: connections close.
    stopping: watch::Sender<bool>,
    turned_away_log: LogThrottle,
    dropped_log: LogThrottle,
    /// Sends accepted webhooks on to the bot (`--forward-to`).
    forwarder: Option<Forwarder>,
}

impl Receiver {
    /// A receiver numbering requests from `first_seq`.
    pub fn new(
        cfg: ReceiverConfig,
        first_seq: u64,
        capture: Option<CaptureWriter>,
        ingest_tx: mpsc::Sender<Item>,
    ) -> Arc<Receiver> {
        let backlog: Arc<Backlog> = Arc::default();
        let stopping = watch::Sender::new(false);
        let forwarder = cfg.forward.as_ref().map(|f| {
            let sink = ResultSink {
                capture: capture.clone(),
                backlog: backlog.clone(),
                tx: ingest_tx.clone(),
            };
            Forwarder::start(f.settings.clone(), sink, stopping.subscribe())
        });
        Arc::new(Receiver {
            budget: BodyBudget::new(cfg.limits.max_buffered),
            cfg,
            next_seq: AtomicU64::new(first_seq),
            capture,
            ingest_tx,
            backlog,
            stats: Arc::new(ReceiverStats::default()),
            stopping,
            turned_away_log: LogThrottle::default(),
            dropped_log: LogThrottle::default(),
            forwarder,
        })
    }

    /// The forward queue's counts, when forwarding.
    pub fn forward_stats(&self) -> Option<Arc<ForwardStats>> {
        self.forwarder.as_ref().map(Forwarder::stats)
    }

    /// The counters of what was turned away, for the status bar.
    pub fn stats(&self) -> Arc<ReceiverStats> {
        self.stats.clone()
    }

    /// The capture's path and which file it names, for readers of the capture.
    pub fn capture_path(&self) -> Option<Arc<CapturePath>> {
        self.capture.as_ref().and_then(CaptureWriter::capture_path)
    }

    /// What the consumer reads skipped requests back by (see [`crate::backlog`]).
    pub fn backlog(&self) -> Arc<Backlog> {
        self.backlog.clone()
    }

    /// Hands a recorded request on to the consumer, never waiting for it.
    fn hand_on(&self, ing: Item) {
        let seq = ing.seq();
        match self.backlog.hand_on(&self.ingest_tx, ing) {
            Handed::Sent | Handed::Skipped => {}
            Handed::Dropped => {
                if let Some(held_back) = self.dropped_log.admit(now_ms()) {
                    tracing::warn!(
                        seq,
                        "the consumer is not keeping up and --no-capture keeps nothing to read \
                         back: request not shown ({held_back} more since the last line)"
                    );
                }
            }
            Handed::Closed => tracing::debug!(seq, "consumer gone; request is in the capture only"),
        }
    }

    /// Body bytes held right now.
    pub fn buffered_bytes(&self) -> usize {
        self.budget.used()
    }

    fn stop(&self) {
        self.stopping.send_replace(true);
    }

    /// A new envelope for this request (body still empty), numbered in arrival order.
    fn envelope(
        &self,
        parts: &axum::http::request::Parts,
        path: String,
        remote: Option<String>,
    ) -> Envelope {
        Envelope {
            seq: self.next_seq.fetch_add(1, Ordering::Relaxed),
            received_at_ms: now_ms(),
            method: parts.method.to_string(),
            path,
            query: parts.uri.query().map(str::to_owned),
            headers: header_pairs(&parts.headers),
            remote,
            body: Bytes::new(),
            status: 200,
            note: None,
        }
    }

    /// Counts a request that is not traffic and logs it briefly (at most a line a second).
    fn turned_away(
        &self,
        counter: &AtomicU64,
        why: &str,
        parts: &axum::http::request::Parts,
        remote: Option<&str>,
    ) {
        ReceiverStats::bump(counter);
        if let Some(held_back) = self.turned_away_log.admit(now_ms()) {
            let path: String = parts.uri.path().chars().take(80).collect();
            tracing::info!(
                "{why}: {} {} from {}{}",
                clean(parts.method.as_str()),
                clean(&path),
                remote.unwrap_or("?"),
                if held_back > 0 {
                    format!(" ({held_back} more since the last line)")
                } else {
                    String::new()
                }
            );
        }
    }
}

/// The router: one fallback handler for every path and method.
fn router(state: Arc<Receiver>) -> Router {
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
    let token_header = parts.headers.get(TOKEN_HEADER).map(HeaderValue::as_bytes);
    let path = match token::admit(rx.cfg.token.as_deref(), parts.uri.path(), token_header) {
        Admission::Open | Admission::Header => parts.uri.path().to_owned(),
        Admission::Path(rest) => rest,
        Admission::Refused => {
            rx.turned_away(
                &rx.stats.off_token,
                "not a webhook (no token)",
                &parts,
                remote.as_deref(),
            );
            return reply::not_found();
        }
    };
    match parts.method {
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE => {
            webhook(rx, parts, path, remote, body).await
        }
        Method::GET | Method::HEAD => {
            let query: HashMap<String, String> = Query::try_from_uri(&parts.uri)
                .map(|q: Query<HashMap<String, String>>| q.0)
                .unwrap_or_default();
            if query.contains_key("hub.mode") || query.contains_key("hub.challenge") {
                handshake(&rx, &parts, path, &query, remote).await
            } else {
                reply::info_page()
            }
        }
        _ => {
            rx.turned_away(
                &rx.stats.bad_method,
                "not a webhook (method)",
                &parts,
                remote.as_deref(),
            );
            reply::method_not_allowed()
        }
    }
}

/// Why a body was not received.
enum BodyError {
    TooLarge,
    Busy,
    Timeout,
    /// The client closed or reset the connection before the body was complete.
    Disconnected {
        received: usize,
        /// The `Content-Length`; `None` for a chunked body.
        declared: Option<usize>,
    },
    /// Any other failure to read the body (a chunked encoding that does not parse).
    Broken(String),
    /// The body, once its `Content-Encoding` (named) is undone, is over `--max-body`.
    Inflates(&'static str),
}

impl BodyError {
    fn status(&self) -> StatusCode {
        match self {
            BodyError::TooLarge | BodyError::Inflates(_) => StatusCode::PAYLOAD_TOO_LARGE,
            BodyError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            BodyError::Timeout => StatusCode::REQUEST_TIMEOUT,
            BodyError::Disconnected { .. } | BodyError::Broken(_) => StatusCode::BAD_REQUEST,
        }
    }

    /// Said to the sender and recorded (nothing here comes from the request).
    fn message(&self, cfg: &ReceiverConfig) -> String {
        match self {
            BodyError::TooLarge => format!(
                "body larger than --max-body ({} bytes); not stored",
                cfg.max_body
            ),
            BodyError::Inflates(coding) => format!(
                "{coding} body decompresses to more than --max-body ({} bytes); not stored",
                cfg.max_body
            ),
            BodyError::Busy => format!(
                "busy: more than --max-buffered ({} bytes) of bodies are being received; \
                 retry later",
                cfg.limits.max_buffered
            ),
            BodyError::Timeout => format!(
                "body not received within --body-timeout ({} s)",
                cfg.limits.body_timeout.as_secs_f64()
            ),
            BodyError::Disconnected {
                received,
                declared: Some(declared),
            } => format!("client disconnected after {received} of {declared} bytes"),
            BodyError::Disconnected {
                received,
                declared: None,
            } => format!(
                "client disconnected after {received} bytes of a chunked body (its length was \
                 not declared)"
            ),
            BodyError::Broken(e) => format!("body could not be read: {e}"),
        }
    }

    /// Classifies an error of the body stream: hyper reports a connection closed mid-body as an
    /// `UnexpectedEof` ("end of file before message length reached") under its body error, and a
    /// reset as `ConnectionReset`; anything else (a bad chunk header) is a broken body.
    fn from_stream(e: &axum::Error, received: usize, declared: Option<usize>) -> BodyError {
        use std::io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset, UnexpectedEof};
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
        while let Some(c) = cause {
            let hung_up = c.downcast_ref::<std::io::Error>().is_some_and(|io| {
                matches!(
                    io.kind(),
                    UnexpectedEof | ConnectionReset | ConnectionAborted | BrokenPipe
                )
            }) || c
                .downcast_ref::<hyper::Error>()
                .is_some_and(hyper::Error::is_incomplete_message);
            if hung_up {
                return BodyError::Disconnected { received, declared };
            }
            cause = c.source();
        }
        BodyError::Broken(e.to_string())
    }
}

/// Normalises a received body with its `Content-Encoding` undone; one that decompresses past
/// `limit` (`--max-body`) is refused like a body that large. The decoded copy lives only for
/// this synchronous call: at most one per runtime thread exists at a time, whatever the number
/// of requests in flight.
fn normalize_within(env: &Envelope, limit: usize) -> Result<Normalized, BodyError> {
    match body_encoding::decoded_body(env, limit) {
        Err(DecodeError::TooLarge { coding, .. }) => Err(BodyError::Inflates(coding)),
        decoded => Ok(provider::normalize_decoded(env, decoded)),
    }
}

/// Reads the body into memory owned by this request (copied out of the connection's buffers),
/// counting it against the shared budget, within the size limit and the body timeout.
async fn read_body(
    rx: &Receiver,
    headers: &HeaderMap,
    body: Body,
    hold: &mut Hold,
) -> Result<Bytes, BodyError> {
    let limit = rx.cfg.max_body;
    // A declared length over the limit is refused before reading; what arrives is checked too.
    // (hyper has already refused a request whose Content-Length does not parse.)
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|d| d > limit) {
        return Err(BodyError::TooLarge);
    }
    let read = async {
        // Each chunk is copied out of the connection's read buffer into one of its own, sized
        // exactly: what a body holds is what has arrived (a sender declaring 8 MiB and sending
        // a byte holds a byte), with no doubling buffers left behind in the allocator.
        let mut chunks: Vec<Bytes> = Vec::new();
        let mut total = 0usize;
        let mut body = body;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| BodyError::from_stream(&e, total, declared))?;
            let Ok(data) = frame.into_data() else {
                continue;
            };
            if total + data.len() > limit {
                return Err(BodyError::TooLarge);
            }
            if !hold.grow(data.len()) {
                return Err(BodyError::Busy);
            }
            total += data.len();
            chunks.push(Bytes::copy_from_slice(&data));
        }
        Ok(match chunks.len() {
            0 => Bytes::new(),
            1 => chunks.pop().unwrap_or_default(),
            _ => Bytes::from(chunks.concat()),
        })
    };
    // Quitting needs no branch here: the connection drops this handler after its grace period.
    tokio::time::timeout(rx.cfg.limits.body_timeout, read)
        .await
        .unwrap_or(Err(BodyError::Timeout))
}

async fn webhook(
    rx: Arc<Receiver>,
    parts: axum::http::request::Parts,
    path: String,
    remote: Option<String>,
    body: Body,
) -> Response {
    let mut env = rx.envelope(&parts, path, remote);
    let mut hold = rx.budget.hold();
    let received = match read_body(&rx, &parts.headers, body, &mut hold).await {
        Ok(bytes) => {
            env.body = bytes;
            let normalized = normalize_within(&env, rx.cfg.max_body);
            if normalized.is_err() {
                // Like any body over the limit, a zip bomb is not stored.
                env.body = Bytes::new();
            }
            normalized
        }
        Err(e) => Err(e),
    };
    let (status, normalized, public_error) = match received {
        Ok(normalized) => {
            let secrets = signature::Secrets {
                meta_app_secret: rx.cfg.meta_app_secret.as_deref(),
                waha_hmac_key: rx.cfg.waha_hmac_key.as_deref(),
                twilio: rx.cfg.twilio_auth_token.as_deref().map(|auth_token| {
                    signature::TwilioCheck {
                        auth_token,
                        url: twilio_url::public_url(rx.cfg.public_url.as_deref(), &parts),
                    }
                }),
                require: rx.cfg.require_signature,
            };
            if let Some(failure) = signature::check(&secrets, &env) {
                let local = failure.local();
                tracing::warn!(seq = env.seq, "signature: {}", clean(&local));
                env.note = Some(local.clone());
                let n = Normalized::problem(normalized.provider, Kind::Rejected, "rejected", local);
                (StatusCode::UNAUTHORIZED, n, Some(failure.public()))
            } else if let Some(err) = normalized
                .events
                .iter()
                .find(|e| e.kind == Kind::Malformed)
                .map(|e| e.error.clone().unwrap_or_default())
            {
                (StatusCode::BAD_REQUEST, normalized, Some(err))
            } else {
                (StatusCode::OK, normalized, None)
            }
        }
        Err(e) => {
            let message = e.message(&rx.cfg);
            env.note = Some(message.clone());
            let n = Normalized::problem(Provider::Unknown, Kind::Rejected, "rejected", message);
            let public = n.events[0].error.clone();
            (e.status(), n, public)
        }
    };
    env.status = status.as_u16();
    // Once the body is read, recording and passing on the request run in their own task: if the
    // provider hangs up meanwhile, hyper drops this handler, but the request still reaches the
    // capture file and the screen.
    let finishing = tokio::spawn(finish(rx, env, normalized, status, public_error, hold));
    let Answer {
        status,
        body: reply,
        scripted,
        proxied,
    } = finishing.await.unwrap_or_else(|e| {
        tracing::error!("request task failed: {e}");
        Answer {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            body: r#"{"ok":false,"error":"internal error"}"#.to_owned(),
            scripted: None,
            proxied: None,
        }
    });
    if let Some(r) = proxied {
        return reply::proxied(&r);
    }
    if let Some(s) = scripted {
        // Recorded, handed on and the body budget given back: only this reply waits.
        if let Some((delay, mut stop)) = s.delay {
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                // Quitting answers at once rather than holding the shutdown.
                _ = stop.wait_for(|s| *s) => {}
            }
        }
        // Exactly what the rule says: no Retry-After, the connection kept.
        return if s.json {
            reply::json(status, reply)
        } else {
            reply::text(status, reply)
        };
    }
    // Twilio expects TwiML: the empty answer, which sends nothing back to the customer.
    let mut response = if status == StatusCode::OK && reply == reply::TWIML_EMPTY {
        reply::twiml(reply)
    } else {
        reply::json(status, reply)
    };
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    if matches!(
        status,
        StatusCode::REQUEST_TIMEOUT | StatusCode::PAYLOAD_TOO_LARGE
    ) {
        // The rest of the body may still be on its way: do not read it as the next request.
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// What to answer a webhook.
struct Answer {
    status: StatusCode,
    body: String,
    /// Set when a `--reply` rule chose the answer.
    scripted: Option<ScriptedAnswer>,
    /// Proxy mode: the bot's answer (or failure), passed back instead.
    proxied: Option<Arc<crate::forward::ForwardRecord>>,
}

/// How a scripted answer is sent.
struct ScriptedAnswer {
    /// How long to wait, and what tells that wamon is quitting.
    delay: Option<(Duration, watch::Receiver<bool>)>,
    /// The body is JSON (else plain text: a rule's body may be anything).
    json: bool,
}

/// Records `env`, hands it to the consumer, queues an accepted one for the bot, and says what
/// to answer. The answer depends on the capture alone (in proxy mode on the bot too): the
/// consumer is offered the request without waiting (see [`crate::backlog`]).
/// A webhook that would get 200 and matches a `--reply` rule is recorded with the rule's status
/// (the capture holds what wamon answers); a failed capture write still makes it 503. Scripted
/// answers win over proxy mode: such a request is still forwarded, in the background.
/// `hold` keeps the body counted against the budget until it is recorded and handed on.
async fn finish(
    rx: Arc<Receiver>,
    mut env: Envelope,
    normalized: Normalized,
    mut status: StatusCode,
    mut public_error: Option<String>,
    hold: Hold,
) -> Answer {
    // Accepted: what the bot gets (a scripted failure is still a webhook the provider sent).
    let accepted = status == StatusCode::OK;
    let mut scripted = None;
    if accepted {
        if let Some(s) = rx.cfg.replies.answer_for(&env, &normalized) {
            // Rules only hold statuses 200–599, which are all valid.
            status = StatusCode::from_u16(s.status).unwrap_or(StatusCode::OK);
            env.status = status.as_u16();
            env.note = Some(s.note());
            scripted = Some((s.delay, s.body.map(str::to_owned)));
        }
    }
    let proxy = accepted
        && scripted.is_none()
        && rx.forwarder.is_some()
        && rx.cfg.forward.as_ref().is_some_and(|f| f.proxy);
    if proxy {
        env.note = Some("answered with the bot's answer (--forward-mode proxy)".into());
    }
    let placed = match record(&rx, &env).await {
        Ok(placed) => placed,
        Err(e) => {
            tracing::error!(seq = env.seq, "capture failed: {e}");
            env.status = StatusCode::SERVICE_UNAVAILABLE.as_u16();
            env.note = Some(format!("capture file write failed: {e}"));
            status = StatusCode::SERVICE_UNAVAILABLE;
            public_error = Some("the request could not be recorded; retry later".to_owned());
            scripted = None;
            None
        }
    };
    let recorded = placed.is_some() || rx.capture.is_none();
    let mut answer = match scripted {
        Some((delay, body)) => {
            let (body, json) = scripted_body(&env, &normalized, status, body, rx.cfg.max_body);
            Answer {
                status,
                body,
                scripted: Some(ScriptedAnswer {
                    delay: delay.map(|d| (d, rx.stopping.subscribe())),
                    json,
                }),
                proxied: None,
            }
        }
        None => Answer {
            status,
            body: reply_body(
                &env,
                &normalized,
                status,
                public_error.as_deref(),
                rx.cfg.max_body,
            ),
            scripted: None,
            proxied: None,
        },
    };
    let env = Arc::new(env);
    rx.hand_on(Item::Request(Ingest {
        env: env.clone(),
        normalized,
        capture_offset: placed.map(|p| p.offset),
        capture_file: placed.map_or(0, |p| p.file),
        from_load: false,
    }));
    // Recorded and handed on: the forward queue counts its own bytes.
    drop(hold);
    match &rx.forwarder {
        // A request that could not be recorded is answered 503 and not forwarded: the
        // provider sends it again.
        Some(f) if accepted && recorded => {
            if proxy {
                answer.proxied = Some(f.forward_and_wait(env).await);
            } else {
                f.forward(env).await;
            }
        }
        _ => {}
    }
    answer
}

/// A scripted reply's body, and whether it is JSON: the rule's own, else wamon's usual reply for
/// a 2xx and `{"ok":false,"error":"scripted reply"}` otherwise. Statuses that may carry no body
/// (204, 205, 304) get none.
fn scripted_body(
    env: &Envelope,
    n: &Normalized,
    status: StatusCode,
    own: Option<String>,
    max_body: usize,
) -> (String, bool) {
    if matches!(status.as_u16(), 204 | 205 | 304) {
        return (String::new(), false);
    }
    match own {
        Some(b) => {
            let json = serde_json::from_str::<serde::de::IgnoredAny>(&b).is_ok();
            (b, json)
        }
        None if status.is_success() => (reply_body(env, n, StatusCode::OK, None, max_body), true),
        None => (reply_rules::DEFAULT_ERROR_BODY.to_owned(), true),
    }
}

async fn record(rx: &Receiver, env: &Envelope) -> std::io::Result<Option<Placed>> {
    match &rx.capture {
        Some(w) => w.append(crate::capture::encode(env)).await.map(Some),
        None => Ok(None),
    }
}

/// The reply body. Errors carry only `public_error`, which never holds a computed signature
/// or anything local (paths, OS errors). `max_body` bounds decoding a compressed body again.
fn reply_body(
    env: &Envelope,
    n: &Normalized,
    status: StatusCode,
    public_error: Option<&str>,
    max_body: usize,
) -> String {
    if status == StatusCode::OK {
        if n.provider == Provider::Twilio {
            return reply::TWIML_EMPTY.to_owned();
        }
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
        "error": public_error,
    });
    // Where the body stops being JSON, by the same parser that called it malformed (a body
    // error, such as a hang-up, has no position).
    if n.events.iter().any(|e| e.kind == Kind::Malformed) {
        // Of the decoded body, which is what was parsed (decoded again only for this answer);
        // one that could not be decoded has no position either.
        if let Ok(body) = body_encoding::decoded_body(env, max_body) {
            if let Err(e) = provider::parse::body(&body) {
                v["line"] = e.line.into();
                v["column"] = e.column.into();
            }
        }
    }
    v.to_string()
}

/// The request's headers in arrival order, values byte-exact, without wamon's own token header.
fn header_pairs(h: &HeaderMap) -> Vec<(String, Vec<u8>)> {
    h.iter()
        .filter(|(k, _)| k.as_str() != TOKEN_HEADER)
        .map(|(k, v)| (k.as_str().to_owned(), v.as_bytes().to_vec()))
        .collect()
}

/// Whether a `hub.challenge` may be echoed: Meta sends a number; anything long or holding
/// characters that mean something to a browser or a terminal is refused.
fn is_safe_challenge(c: &str) -> bool {
    (1..=128).contains(&c.len())
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

async fn handshake(
    rx: &Receiver,
    parts: &axum::http::request::Parts,
    path: String,
    query: &HashMap<String, String>,
    remote: Option<String>,
) -> Response {
    let token = query
        .get("hub.verify_token")
        .map(String::as_str)
        .unwrap_or("");
    let challenge = query.get("hub.challenge").map(String::as_str).unwrap_or("");
    let mode_ok = query.get("hub.mode").map(String::as_str) == Some("subscribe");
    let token_ok = rx
        .cfg
        .verify_token
        .as_deref()
        .is_some_and(|want| bool::from(want.as_bytes().ct_eq(token.as_bytes())));
    let (status, outcome) = if !(mode_ok && token_ok) {
        let why = if rx.cfg.verify_token.is_none() {
            "start wamon with --verify-token"
        } else {
            "hub.verify_token does not match"
        };
        (StatusCode::FORBIDDEN, Err(why.to_owned()))
    } else if !is_safe_challenge(challenge) {
        (
            StatusCode::BAD_REQUEST,
            Err(format!(
                "hub.challenge is not a short token of letters and digits ({} bytes); not echoed",
                challenge.len()
            )),
        )
    } else {
        (StatusCode::OK, Ok(()))
    };
    let mut env = rx.envelope(parts, path, remote);
    env.status = status.as_u16();
    // A refused handshake is a rejected request, noted with why like any other: counted as
    // rejected, and read back the same from the capture.
    if let Err(why) = &outcome {
        env.note = Some(why.clone());
    }
    let normalized =
        crate::provider::verify_handshake(&env).unwrap_or_else(|| crate::provider::normalize(&env));
    let placed = match record(rx, &env).await {
        Ok(placed) => placed,
        Err(e) => {
            // The handshake is answered only once it is recorded, like any webhook.
            tracing::error!("capture failed: {e}");
            return reply::error(
                StatusCode::SERVICE_UNAVAILABLE,
                "the request could not be recorded; retry later",
            );
        }
    };
    rx.hand_on(Item::Request(Ingest {
        env: Arc::new(env),
        normalized,
        capture_offset: placed.map(|p| p.offset),
        capture_file: placed.map_or(0, |p| p.file),
        from_load: false,
    }));
    match outcome {
        Ok(()) => reply::text(status, challenge),
        Err(_) if status == StatusCode::BAD_REQUEST => {
            reply::text(status, "hub.challenge refused\n")
        }
        Err(_) => reply::text(status, "verification failed\n"),
    }
}
