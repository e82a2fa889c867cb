//! `--forward-to`: every accepted webhook goes on to a real bot over TCP, exactly as received;
//! the bot's answer (or failure) is recorded in the capture after its request and handed to the
//! consumer; a slow, dead or overwhelmed bot never slows or loses ingestion; proxy mode passes
//! the bot's answer back to the provider.

mod support;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{cfg, http, start, WAHA_BODY};
use wamon::forward::{ForwardRecord, ForwardSettings};
use wamon::ingest::Item;
use wamon::outbound::Target;
use wamon::receiver::{ForwardConfig, ReceiverConfig};

/// What the bot saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    query: Option<String>,
    headers: Vec<(String, Vec<u8>)>,
    body: Bytes,
}

/// How the bot behaves.
#[derive(Clone, Copy)]
enum Bot {
    Answer(u16),
    /// Never answers.
    Hang,
}

/// A bot on a real port: records every request and answers per `behaviour`.
async fn bot(behaviour: Bot) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    async fn handle(
        State((seen, behaviour)): State<(Arc<Mutex<Vec<Seen>>>, Bot)>,
        req: Request,
    ) -> axum::response::Response {
        let (parts, body) = req.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        seen.lock().unwrap().push(Seen {
            method: parts.method.to_string(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers: parts
                .headers
                .iter()
                .map(|(k, v)| (k.as_str().to_owned(), v.as_bytes().to_vec()))
                .collect(),
            body,
        });
        match behaviour {
            Bot::Answer(status) => (
                StatusCode::from_u16(status).unwrap(),
                [("content-type", "application/json"), ("x-bot", "yes")],
                r#"{"handled":true}"#,
            )
                .into_response(),
            Bot::Hang => {
                std::future::pending::<()>().await;
                unreachable!()
            }
        }
    }
    let app = axum::Router::new()
        .fallback(handle)
        .with_state((seen.clone(), behaviour));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

/// A port where nothing listens.
fn dead_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    drop(l);
    url
}

fn forwarding(url: &str, timeout: Duration, proxy: bool) -> ReceiverConfig {
    ReceiverConfig {
        forward: Some(ForwardConfig {
            settings: ForwardSettings {
                target: Target::parse(url).unwrap(),
                timeout,
            },
            proxy,
        }),
        ..cfg()
    }
}

/// Forward results handed to the consumer, until `n` came (or a generous deadline).
async fn forward_results(r: &mut support::Running, n: usize) -> Vec<Arc<ForwardRecord>> {
    let mut got = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), async {
        while got.len() < n {
            match r.rx.recv().await {
                Some(Item::Forward(f)) => got.push(f.record),
                Some(Item::Request(_)) => {}
                None => break,
            }
        }
    })
    .await;
    got
}

/// The forward lines of a capture file.
fn captured_forwards(r: &support::Running) -> Vec<ForwardRecord> {
    let file = std::fs::read(&r.capture).unwrap();
    wamon::capture::read_all(&file[..]).unwrap().forwards
}

#[tokio::test]
async fn the_bot_gets_the_request_as_received_and_its_answer_is_recorded() {
    let (url, seen) = bot(Bot::Answer(201)).await;
    let mut r = start(forwarding(
        &format!("{url}/bot"),
        Duration::from_secs(5),
        false,
    ))
    .await;
    let reply = http(
        r.addr,
        "PUT",
        "/waha/hook?x=1&y=%20",
        &[
            ("X-Webhook-Hmac", "abc123"),
            ("Content-Type", "application/json"),
            ("X-Wamon-Token", "not-for-the-bot"),
        ],
        WAHA_BODY.as_bytes(),
    )
    .await;
    assert_eq!(reply.status, 200, "wamon answers the provider at once");
    let results = forward_results(&mut r, 1).await;
    assert_eq!(results.len(), 1);
    let result = &results[0];
    assert_eq!(result.status, Some(201));
    assert_eq!(result.body.as_ref(), br#"{"handled":true}"#);
    assert!(result
        .headers
        .iter()
        .any(|(k, v)| k == "x-bot" && v == b"yes"));
    assert_eq!(result.to, format!("{url}/bot/waha/hook?x=1&y=%20"));
    let seen = seen.lock().unwrap()[0].clone();
    assert_eq!(seen.method, "PUT");
    assert_eq!(seen.path, "/bot/waha/hook");
    assert_eq!(seen.query.as_deref(), Some("x=1&y=%20"));
    assert_eq!(seen.body.as_ref(), WAHA_BODY.as_bytes(), "exact bytes");
    let header = |name: &str| {
        seen.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(header("x-webhook-hmac").as_deref(), Some(&b"abc123"[..]));
    assert_eq!(
        header("x-wamon-token"),
        None,
        "wamon's own header stays behind"
    );
    assert_ne!(
        header("host").as_deref(),
        Some(r.addr.to_string().as_bytes()),
        "Host names the bot"
    );
    // The capture holds the result after its request, naming it.
    let file = std::fs::read(&r.capture).unwrap();
    let loaded = wamon::capture::read_all(&file[..]).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(loaded.forwards.len(), 1);
    assert_eq!(loaded.forwards[0].seq, loaded.envelopes[0].0.seq);
    assert!(loaded.forwards[0].status == Some(201));
}

#[tokio::test]
async fn rejected_requests_are_not_forwarded() {
    let (url, seen) = bot(Bot::Answer(200)).await;
    let mut r = start(forwarding(&url, Duration::from_secs(5), false)).await;
    let bad = http(r.addr, "POST", "/", &[], b"{not json").await;
    assert_eq!(bad.status, 400);
    let good = http(r.addr, "POST", "/", &[], WAHA_BODY.as_bytes()).await;
    assert_eq!(good.status, 200);
    let results = forward_results(&mut r, 1).await;
    assert_eq!(results.len(), 1);
    assert_eq!(seen.lock().unwrap().len(), 1, "only the accepted one");
}

#[tokio::test]
async fn a_dead_bot_is_recorded_as_refused_and_ingestion_goes_on() {
    let mut r = start(forwarding(&dead_url(), Duration::from_secs(5), false)).await;
    for _ in 0..20 {
        let reply = http(r.addr, "POST", "/", &[], WAHA_BODY.as_bytes()).await;
        assert_eq!(reply.status, 200);
    }
    let results = forward_results(&mut r, 20).await;
    assert_eq!(results.len(), 20);
    for f in &results {
        assert_eq!(f.status, None);
        assert_eq!(f.failure.as_deref(), Some("refused"), "{f:?}");
    }
    assert_eq!(captured_forwards(&r).len(), 20, "every result recorded");
}

#[tokio::test]
async fn a_slow_bot_times_out_without_slowing_ingestion() {
    let (url, _) = bot(Bot::Hang).await;
    let mut r = start(forwarding(&url, Duration::from_millis(300), false)).await;
    for _ in 0..30 {
        let reply = http(r.addr, "POST", "/", &[], WAHA_BODY.as_bytes()).await;
        assert_eq!(reply.status, 200, "answered without waiting for the bot");
    }
    let results = forward_results(&mut r, 30).await;
    assert_eq!(results.len(), 30);
    assert!(results
        .iter()
        .all(|f| f.failure.as_deref() == Some("timeout")));
}

#[tokio::test]
async fn an_overwhelmed_queue_marks_requests_not_forwarded_and_quitting_records_the_rest() {
    let (url, _) = bot(Bot::Hang).await;
    // The bot never answers within the run: the queue fills up.
    let mut r =
        support::start_with_channel(forwarding(&url, Duration::from_secs(600), false), 8192).await;
    let total = wamon::forward::queue::MAX_QUEUED + wamon::forward::queue::CONCURRENCY + 50;
    for _ in 0..total {
        let reply = http(r.addr, "POST", "/", &[], WAHA_BODY.as_bytes()).await;
        assert_eq!(reply.status, 200);
    }
    let stats = r.receiver.forward_stats().unwrap();
    assert!(
        stats
            .not_forwarded
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 50,
        "the overflow is counted"
    );
    // Quitting: queued and in-flight requests get their records within the grace period.
    r.stop.send(true).unwrap();
    let results = forward_results(&mut r, total).await;
    assert_eq!(
        results.len(),
        total,
        "every accepted webhook has a forward result"
    );
    let mut seqs: Vec<u64> = results.iter().map(|f| f.seq).collect();
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(seqs.len(), total, "one each");
    assert!(results
        .iter()
        .all(|f| f.status.is_none() && f.failure.is_some()));
    assert_eq!(captured_forwards(&r).len(), total);
}

#[tokio::test]
async fn proxy_mode_passes_the_bots_answer_back() {
    let (url, _) = bot(Bot::Answer(418)).await;
    let r = start(forwarding(&url, Duration::from_secs(5), true)).await;
    let reply = http(r.addr, "POST", "/", &[], WAHA_BODY.as_bytes()).await;
    assert_eq!(reply.status, 418);
    assert_eq!(reply.body, r#"{"handled":true}"#);
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    // Recorded first, with a note saying who answered.
    let captured = r.captured();
    assert_eq!(captured.len(), 1);
    assert!(captured[0].note.as_deref().unwrap().contains("proxy"));
}

#[tokio::test]
async fn proxy_mode_answers_502_for_a_dead_bot_and_504_for_a_slow_one() {
    let r = start(forwarding(&dead_url(), Duration::from_secs(5), true)).await;
    let reply = http(r.addr, "POST", "/", &[], WAHA_BODY.as_bytes()).await;
    assert_eq!(reply.status, 502);
    assert!(
        !reply.body.contains("127.0.0.1"),
        "the bot's address stays local"
    );
    let (url, _) = bot(Bot::Hang).await;
    let r = start(forwarding(&url, Duration::from_millis(300), true)).await;
    let reply = http(r.addr, "POST", "/", &[], WAHA_BODY.as_bytes()).await;
    assert_eq!(reply.status, 504);
}

#[tokio::test]
async fn a_scripted_failure_is_answered_by_rule_and_still_forwarded_even_in_proxy_mode() {
    let (url, seen) = bot(Bot::Answer(200)).await;
    let mut cfg = forwarding(&url, Duration::from_secs(5), true);
    cfg.replies = wamon::receiver::ReplyRules::parse(&["status=500"]).unwrap();
    let mut r = start(cfg).await;
    let reply = http(r.addr, "POST", "/", &[], WAHA_BODY.as_bytes()).await;
    assert_eq!(reply.status, 500, "the rule wins over proxy mode");
    let results = forward_results(&mut r, 1).await;
    assert_eq!(results[0].status, Some(200));
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "the bot still sees the webhook"
    );
}
