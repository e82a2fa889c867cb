//! `wamon replay` and `wamon send --file CAPTURE`, end to end: webhooks posted to a real receiver
//! (A) are captured, and the real binary replays that capture over TCP into a second receiver (B)
//! with other secrets; B's own capture shows what arrived and what B answered.

mod support;

use std::io::Read;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{waha_sig, Running, META_BODY, WAHA_BODY};
use wamon::envelope::Envelope;
use wamon::receiver::ReceiverConfig;

const K1: &str = "waha-key-of-the-original-sender";
const S1: &str = "meta-secret-of-the-original-app";
const K2: &str = "waha-key-of-the-second-receiver";
const S2: &str = "meta-secret-of-the-second-app";

/// Headers that are expected to differ between A's and B's capture of the same request: the
/// connection's own, and the signatures replay recomputes.
const NOT_COMPARED: &[&str] = &[
    "host",
    "content-length",
    "connection",
    "x-webhook-hmac",
    "x-webhook-hmac-algorithm",
    "x-hub-signature-256",
];

/// Meta's `X-Hub-Signature-256` header value for `body`.
fn meta_sig(secret: &str, body: &[u8]) -> String {
    format!("sha256={}", support::meta_sig(secret, body))
}

fn whapi_body() -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/fixtures/whapi/seed-001-text.json"),
    )
    .unwrap()
}

fn receiver(waha_key: Option<&str>, meta_secret: Option<&str>) -> ReceiverConfig {
    ReceiverConfig {
        waha_hmac_key: waha_key.map(str::to_owned),
        meta_app_secret: meta_secret.map(str::to_owned),
        ..support::cfg()
    }
}

/// One raw HTTP/1.1 request; header values are bytes (they need not be UTF-8).
async fn send(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &[u8])],
    body: &[u8],
) -> u16 {
    let req = support::request_bytes(&addr.to_string(), method, target, headers, body);
    support::raw(addr, &req).await.status
}

/// Receiver A (secrets K1/S1) after six requests: a signed WAHA webhook with a query string, a
/// signed Meta webhook, an unsigned Whapi PUT, an unsigned WAHA webhook with a header that is not
/// UTF-8, Meta's GET handshake and a body over the size limit. The first four are webhooks.
async fn captured_a() -> Running {
    let a = support::start(receiver(Some(K1), Some(S1))).await;
    let waha = WAHA_BODY.as_bytes();
    let meta = META_BODY.as_bytes();
    let unsigned_waha = WAHA_BODY
        .replace("Hi there!", "second  message, é 🎉")
        .into_bytes();
    let statuses = [
        send(
            a.addr,
            "POST",
            "/waha?x=1&y=%20z",
            &[
                ("X-Webhook-Hmac", waha_sig(K1, waha).as_bytes()),
                ("X-Webhook-Hmac-Algorithm", b"sha512"),
                ("Content-Type", b"application/json"),
            ],
            waha,
        )
        .await,
        send(
            a.addr,
            "POST",
            "/meta",
            &[("X-Hub-Signature-256", meta_sig(S1, meta).as_bytes())],
            meta,
        )
        .await,
        send(a.addr, "PUT", "/whapi/messages", &[], &whapi_body()).await,
        send(
            a.addr,
            "POST",
            "/waha",
            &[("X-Odd", b"caf\xe9 \xff"), ("User-Agent", b"WAHA/2025")],
            &unsigned_waha,
        )
        .await,
        send(
            a.addr,
            "GET",
            "/meta?hub.mode=subscribe&hub.verify_token=s3cret&hub.challenge=42",
            &[],
            b"",
        )
        .await,
        send(a.addr, "POST", "/waha", &[], &vec![b' '; 70 * 1024]).await,
    ];
    assert_eq!(statuses, [200, 200, 200, 200, 200, 413]);
    assert_eq!(a.captured().len(), 6);
    a
}

/// The webhooks of a capture (what replay sends).
fn webhooks(envs: &[Envelope]) -> Vec<&Envelope> {
    envs.iter()
        .filter(|e| e.method != "GET" && e.status != 413)
        .collect()
}

fn compared_headers(env: &Envelope) -> Vec<(String, Vec<u8>)> {
    let mut h: Vec<_> = env
        .headers
        .iter()
        .filter(|(k, _)| !NOT_COMPARED.contains(&k.as_str()))
        .cloned()
        .collect();
    h.sort();
    h
}

/// Runs the real binary with `args` off the runtime's workers (the receivers keep serving);
/// its exit code and stderr. Killed after a deadline far beyond what any run here takes, so a
/// hang fails the test instead of stalling it.
async fn wamon(args: Vec<String>) -> (Option<i32>, String) {
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wamon"))
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("wamon {args:?} did not finish");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        (status.code(), reader.join().unwrap())
    })
    .await
    .unwrap()
}

fn args(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn path(r: &Running) -> String {
    r.capture.display().to_string()
}

fn url(r: &Running) -> String {
    format!("http://{}", r.addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_capture_replayed_with_new_secrets_arrives_identical_and_verified() {
    let a = captured_a().await;
    let b = support::start(receiver(Some(K2), Some(S2))).await;
    let (code, stderr) = wamon(args(&[
        "replay",
        &path(&a),
        "--to",
        &url(&b),
        "--waha-hmac-key",
        K2,
        "--meta-app-secret",
        S2,
        "--speed",
        "max",
    ]))
    .await;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("replayed 4 requests to http://"),
        "{stderr}"
    );
    assert!(stderr.contains("replies: 200 ×4"), "{stderr}");
    assert!(
        stderr.contains("skipped: GET/HEAD (not webhooks) ×1, no body recorded ×1"),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\x1b'),
        "no bar off a terminal: {stderr:?}"
    );

    let sent = a.captured();
    let got = b.captured();
    let sent = webhooks(&sent);
    assert_eq!(got.len(), sent.len(), "{got:#?}");
    for (s, g) in sent.iter().zip(&got) {
        assert_eq!(
            (&g.method, &g.path, &g.query),
            (&s.method, &s.path, &s.query)
        );
        assert_eq!(g.body, s.body, "byte-exact body");
        assert_eq!((g.status, &g.note), (200, &None), "verified under K2/S2");
        assert_eq!(compared_headers(g), compared_headers(s));
    }
    assert_eq!(got[0].query.as_deref(), Some("x=1&y=%20z"));
    assert_eq!(got[2].method, "PUT");
    assert_eq!(got[3].header_bytes("x-odd"), Some(&b"caf\xe9 \xff"[..]));
    // Re-signed with the new secrets; the unsigned WAHA body was signed, the Whapi one not.
    let waha = WAHA_BODY.as_bytes();
    assert_eq!(
        got[0].header("x-webhook-hmac").as_deref(),
        Some(waha_sig(K2, waha).as_str())
    );
    assert_eq!(
        got[1].header("x-hub-signature-256").as_deref(),
        Some(meta_sig(S2, META_BODY.as_bytes()).as_str())
    );
    assert_eq!(
        got[3].header("x-webhook-hmac").as_deref(),
        Some(waha_sig(K2, &got[3].body).as_str())
    );
    assert_eq!(
        got[3].header("x-webhook-hmac-algorithm").as_deref(),
        Some("sha512")
    );
    assert_eq!(got[2].header("x-webhook-hmac"), None);
    assert_eq!(got[2].header("x-hub-signature-256"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_new_secrets_the_signed_requests_are_refused_and_replay_fails() {
    let a = captured_a().await;
    let b = support::start(receiver(Some(K2), Some(S2))).await;
    let (code, stderr) = wamon(args(&[
        "replay",
        &path(&a),
        "--to",
        &url(&b),
        "--speed",
        "max",
    ]))
    .await;
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("replies: 200 ×2, 401 ×2"), "{stderr}");
    assert!(
        stderr.contains("#1 POST /waha → 401") && stderr.contains("X-Webhook-Hmac does not match"),
        "{stderr}"
    );
    assert!(stderr.contains("#2 POST /meta → 401"), "{stderr}");
    assert!(
        stderr.contains("2 of 4 replayed requests failed or got a non-2xx reply"),
        "{stderr}"
    );
    let statuses: Vec<u16> = b.captured().iter().map(|e| e.status).collect();
    assert_eq!(statuses, [401, 401, 200, 200]);
}

/// A capture file written by wamon's own encoder: WAHA messages from chats 111 and 222, a
/// forwarding result (not a request: never sent) and a torn last line (skipped with a warning).
fn chat_capture(dir: &std::path::Path) -> std::path::PathBuf {
    let mut file = wamon::capture::header_line(1_700_000_000_000);
    for (seq, from) in [(1, "111"), (2, "222"), (3, "111"), (4, "222"), (5, "111")] {
        let body = format!(
            r#"{{"event":"message","session":"default","payload":{{"id":"false_{from}@c.us_M{seq}","timestamp":1700000000,"from":"{from}@c.us","fromMe":false,"body":"message {seq}"}}}}"#
        );
        let mut env = Envelope::post(seq, 1_700_000_000_000 + seq as i64 * 1000, body);
        env.path = format!("/hook/{seq}");
        file.extend(wamon::capture::encode(&env));
        if seq == 1 {
            let forwarded = wamon::forward::record::ForwardRecord::failed(
                1,
                1_700_000_001_500,
                "http://127.0.0.1:3000/hook/1".into(),
                &wamon::outbound::Failure::Refused,
            );
            file.extend(wamon::forward::record::encode(&forwarded));
        }
    }
    let torn = wamon::capture::encode(&Envelope::post(6, 1_700_000_009_000, "{}"));
    file.extend(&torn[..torn.len() / 2]);
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("chats.jsonl");
    std::fs::write(&path, file).unwrap();
    path
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("wamon-replay-{name}-{}", std::process::id()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filter_and_seq_choose_what_is_replayed() {
    let file = chat_capture(&temp_dir("select"));
    let file = file.display().to_string();
    let paths = |r: &Running| -> Vec<String> { r.captured().into_iter().map(|e| e.path).collect() };

    let b = support::start(support::cfg()).await;
    let (code, stderr) = wamon(args(&[
        "replay",
        &file,
        "--to",
        &url(&b),
        "--speed",
        "max",
        "--filter",
        "chat:111",
    ]))
    .await;
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(paths(&b), ["/hook/1", "/hook/3", "/hook/5"]);
    assert!(stderr.contains("skipped: not selected ×2"), "{stderr}");

    let b = support::start(support::cfg()).await;
    let (code, stderr) = wamon(args(&[
        "replay",
        &file,
        "--to",
        &format!("{}/bot", url(&b)),
        "--speed",
        "max",
        "--seq",
        "2-4",
    ]))
    .await;
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(paths(&b), ["/bot/hook/2", "/bot/hook/3", "/bot/hook/4"]);

    let b = support::start(support::cfg()).await;
    let (code, stderr) = wamon(args(&[
        "replay",
        &file,
        "--to",
        &url(&b),
        "--speed",
        "max",
        "--seq",
        "3-",
        "--filter",
        "!chat:111",
    ]))
    .await;
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(paths(&b), ["/hook/4"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_target_is_reported_as_refused() {
    let file = chat_capture(&temp_dir("dead"));
    // A port that was just free: nobody listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (code, stderr) = wamon(args(&[
        "replay",
        &file.display().to_string(),
        "--to",
        &format!("http://127.0.0.1:{port}"),
        "--speed",
        "max",
    ]))
    .await;
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("failed: refused ×5"), "{stderr}");
    assert!(stderr.contains("#1 POST /hook/1 → refused"), "{stderr}");
    assert!(
        stderr.contains(
            "chats.jsonl: line 8: torn last line (the writer stopped mid-line); skipped\n"
        ),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_flags_are_one_clear_line() {
    let file = chat_capture(&temp_dir("flags")).display().to_string();
    for (flags, says) in [
        (
            vec!["--to", "https://bot.example.com"],
            "only http:// targets",
        ),
        (vec!["--to", "http:///nohost"], "--to"),
        (
            vec!["--to", "http://127.0.0.1:9", "--filter", "chat:"],
            "--filter",
        ),
        (vec!["--to", "http://127.0.0.1:9", "--seq", "7-3"], "--seq"),
    ] {
        let mut a = args(&["replay", &file]);
        a.extend(args(&flags));
        let (code, stderr) = wamon(a).await;
        assert_ne!(code, Some(0), "{flags:?}: {stderr}");
        assert!(stderr.contains(says), "{flags:?}: {stderr}");
        if !flags.contains(&"--seq") {
            // (clap's own errors add a hint line about --help.)
            assert_eq!(stderr.trim_end().lines().count(), 1, "{flags:?}: {stderr}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_plays_a_capture_file_like_replay() {
    let a = captured_a().await;
    let b = support::start(support::cfg()).await;
    let (code, stderr) = wamon(args(&[
        "send",
        "--file",
        &path(&a),
        "--to",
        &url(&b),
        "--speed",
        "max",
    ]))
    .await;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("replies: 200 ×4"), "{stderr}");
    let sent = a.captured();
    let got = b.captured();
    let sent = webhooks(&sent);
    assert_eq!(got.len(), 4);
    for (s, g) in sent.iter().zip(&got) {
        assert_eq!(
            (&g.method, &g.path, &g.query, &g.body),
            (&s.method, &s.path, &s.query, &s.body)
        );
        // Not re-signed: the original signatures go as captured.
        assert_eq!(g.header("x-webhook-hmac"), s.header("x-webhook-hmac"));
        assert_eq!(
            g.header("x-hub-signature-256"),
            s.header("x-hub-signature-256")
        );
    }
}
