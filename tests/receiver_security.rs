//! The receiver as a hostile client finds it, over real TCP: no signature oracle, signatures
//! checked whatever the body's shape, the path token, odd methods, the verify handshake's echo,
//! and the headers every reply carries.

mod support;

use support::{cfg, http, meta_sig, start, waha_sig, Reply, META_BODY, WAHA_BODY};
use wamon::model::Kind;
use wamon::receiver::ReceiverConfig;

/// Whether `text` holds a run of at least `n` hex digits (a leaked digest would).
fn has_hex_run(text: &str, n: usize) -> bool {
    text.split(|c: char| !c.is_ascii_hexdigit())
        .any(|run| run.len() >= n)
}

fn secrets() -> ReceiverConfig {
    ReceiverConfig {
        meta_app_secret: Some("app-secret".into()),
        waha_hmac_key: Some("hmac-key".into()),
        ..cfg()
    }
}

#[tokio::test]
async fn a_401_never_tells_the_sender_the_signature_it_should_have_sent() {
    let mut r = start(secrets()).await;
    let forged = br#"{"object":"whatsapp_business_account","entry":[{"id":"forged"}]}"#;
    let wrong256 = format!("sha256={}", "ab".repeat(32));
    let meta = http(
        r.addr,
        "POST",
        "/",
        &[("X-Hub-Signature-256", &wrong256)],
        forged,
    )
    .await;
    let wrong512 = "cd".repeat(64);
    let waha = http(
        r.addr,
        "POST",
        "/",
        &[("X-Webhook-Hmac", &wrong512)],
        WAHA_BODY.as_bytes(),
    )
    .await;
    for (reply, right, header) in [
        (&meta, meta_sig("app-secret", forged), "X-Hub-Signature-256"),
        (
            &waha,
            waha_sig("hmac-key", WAHA_BODY.as_bytes()),
            "X-Webhook-Hmac",
        ),
    ] {
        assert_eq!(reply.status, 401);
        assert!(!reply.body.contains(&right), "{}", reply.body);
        assert!(
            !has_hex_run(&reply.body, 32),
            "no digest at all: {}",
            reply.body
        );
        assert!(
            reply.body.contains(header),
            "names the header: {}",
            reply.body
        );
        assert!(reply.body.contains("secret"), "gives the likely cause");
        // The local record does show what was computed, for the developer.
        let ing = r.next().await;
        assert_eq!(ing.normalized.events[0].kind, Kind::Rejected);
        assert!(ing.env.note.as_deref().unwrap().contains(&right));
    }
    let captured = r.captured();
    assert!(captured[0]
        .note
        .as_deref()
        .unwrap()
        .contains(&meta_sig("app-secret", forged)));
}

#[tokio::test]
async fn signatures_are_checked_whatever_shape_the_body_has() {
    let mut r = start(secrets()).await;
    let unknown_shape = br#"{"hello":"world"}"#;
    let wrong = format!("sha256={}", "00".repeat(32));
    let a = http(
        r.addr,
        "POST",
        "/",
        &[("X-Hub-Signature-256", &wrong)],
        unknown_shape,
    )
    .await;
    assert_eq!(a.status, 401, "a Meta signature on a body of unknown shape");
    // A WAHA signature on a Meta-shaped body is a WAHA signature all the same.
    let b = http(
        r.addr,
        "POST",
        "/",
        &[("X-Webhook-Hmac", &"11".repeat(64))],
        META_BODY.as_bytes(),
    )
    .await;
    assert_eq!(b.status, 401);
    let malformed = http(
        r.addr,
        "POST",
        "/",
        &[("X-Hub-Signature-256", "sha1=abcdef")],
        unknown_shape,
    )
    .await;
    assert_eq!(malformed.status, 401);
    assert!(malformed.body.contains("malformed"), "{}", malformed.body);
    let good = format!("sha256={}", meta_sig("app-secret", unknown_shape));
    let ok = http(
        r.addr,
        "POST",
        "/",
        &[("X-Hub-Signature-256", &good)],
        unknown_shape,
    )
    .await;
    assert_eq!(ok.status, 200);
    for _ in 0..3 {
        assert_eq!(r.next().await.normalized.events[0].kind, Kind::Rejected);
    }
    assert_ne!(r.next().await.normalized.events[0].kind, Kind::Rejected);
}

#[tokio::test]
async fn require_signature_refuses_what_carries_none() {
    let open = start(secrets()).await;
    let unsigned = http(open.addr, "POST", "/", &[], META_BODY.as_bytes()).await;
    assert_eq!(unsigned.status, 200, "unsigned passes unless required");

    let strict = start(ReceiverConfig {
        require_signature: true,
        ..secrets()
    })
    .await;
    let forged = br#"{"shape":"nobody knows"}"#;
    let refused = http(strict.addr, "POST", "/", &[], forged).await;
    assert_eq!(refused.status, 401);
    assert!(refused
        .body
        .contains("X-Hub-Signature-256 or X-Webhook-Hmac"));
    let signed = http(
        strict.addr,
        "POST",
        "/",
        &[("X-Webhook-Hmac", &waha_sig("hmac-key", forged))],
        forged,
    )
    .await;
    assert_eq!(signed.status, 200);
}

fn with_token() -> ReceiverConfig {
    ReceiverConfig {
        token: Some("k3y-9f2a_x".into()),
        ..cfg()
    }
}

#[tokio::test]
async fn without_the_token_nothing_is_here() {
    let mut r = start(with_token()).await;
    let mut replies = Vec::new();
    for (method, target) in [
        ("POST", "/"),
        ("POST", "/waha"),
        ("POST", "/k3y-9f2a_/waha"),
        ("GET", "/"),
        (
            "GET",
            "/?hub.mode=subscribe&hub.verify_token=s3cret&hub.challenge=1",
        ),
        ("HEAD", "/"),
        ("OPTIONS", "/"),
        ("PUT", "/wrong/k3y-9f2a_x"),
    ] {
        let reply = http(r.addr, method, target, &[], WAHA_BODY.as_bytes()).await;
        assert_eq!(reply.status, 404, "{method} {target}");
        replies.push(reply);
    }
    let bodies: Vec<&str> = replies
        .iter()
        .filter(|r| !r.body.is_empty())
        .map(|r| r.body.as_str())
        .collect();
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "the same 404 whatever was asked"
    );
    assert_eq!(
        r.stats.off_token.load(std::sync::atomic::Ordering::Relaxed),
        8
    );
    assert!(r.captured().is_empty(), "not captured as traffic");
    assert!(r.rx.try_recv().is_err(), "not shown as traffic");
}

#[tokio::test]
async fn the_token_in_the_path_or_a_header_lets_webhooks_in_and_is_not_recorded() {
    let mut r = start(with_token()).await;
    let by_path = http(
        r.addr,
        "POST",
        "/k3y-9f2a_x/waha?x=1",
        &[],
        WAHA_BODY.as_bytes(),
    )
    .await;
    assert_eq!(by_path.status, 200);
    let ing = r.next().await;
    assert_eq!(ing.env.path, "/waha");
    assert_eq!(ing.env.query.as_deref(), Some("x=1"));
    let by_header = http(
        r.addr,
        "POST",
        "/hook",
        &[("X-Wamon-Token", "k3y-9f2a_x")],
        WAHA_BODY.as_bytes(),
    )
    .await;
    assert_eq!(by_header.status, 200);
    let ing = r.next().await;
    assert_eq!(ing.env.path, "/hook");
    assert!(ing.env.header("x-wamon-token").is_none());
    let verify = http(
        r.addr,
        "GET",
        "/k3y-9f2a_x?hub.mode=subscribe&hub.verify_token=s3cret&hub.challenge=987654321",
        &[],
        b"",
    )
    .await;
    assert_eq!(verify.body, "987654321");
    let file = std::fs::read_to_string(&r.capture).unwrap();
    assert!(!file.contains("k3y-9f2a_x"), "the token is in no file");
}

#[tokio::test]
async fn odd_methods_get_405_and_are_counted_not_captured() {
    let r = start(cfg()).await;
    for method in ["OPTIONS", "TRACE", "PROPFIND", "FOO"] {
        let reply = http(r.addr, method, "/webhook", &[], b"{}").await;
        assert_eq!(reply.status, 405, "{method}");
        assert!(reply.header("allow").unwrap().contains("POST"));
    }
    let head = http(r.addr, "HEAD", "/", &[], b"").await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(
        r.stats
            .bad_method
            .load(std::sync::atomic::Ordering::Relaxed),
        4
    );
    assert!(r.captured().is_empty());
}

#[tokio::test]
async fn the_handshake_echoes_only_a_short_safe_challenge() {
    let mut r = start(cfg()).await;
    let base = "/?hub.mode=subscribe&hub.verify_token=s3cret&hub.challenge=";
    for challenge in [
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "%1B%5D52%3Bc%3BaGk%3D%07",
        "a%20b",
        &"9".repeat(200),
    ] {
        let reply = http(r.addr, "GET", &format!("{base}{challenge}"), &[], b"").await;
        assert_eq!(reply.status, 400, "{challenge}");
        assert!(!reply.body.contains("script") && !reply.body.contains('\u{1b}'));
        let ing = r.next().await;
        assert!(ing.normalized.events[0].error.is_some());
    }
    let ok = http(r.addr, "GET", &format!("{base}1158201444"), &[], b"").await;
    assert_eq!((ok.status, ok.body.as_str()), (200, "1158201444"));
}

#[tokio::test]
async fn every_reply_declares_its_charset_and_forbids_sniffing() {
    let r = start(ReceiverConfig {
        meta_app_secret: Some("s".into()),
        ..cfg()
    })
    .await;
    let verify = "/?hub.mode=subscribe&hub.verify_token=s3cret&hub.challenge=42";
    let replies: Vec<(&str, Reply)> = vec![
        (
            "200",
            http(r.addr, "POST", "/", &[], WAHA_BODY.as_bytes()).await,
        ),
        (
            "meta 200",
            http(r.addr, "POST", "/", &[], META_BODY.as_bytes()).await,
        ),
        ("400", http(r.addr, "POST", "/", &[], b"{nope").await),
        (
            "401",
            http(r.addr, "POST", "/", &[("X-Hub-Signature-256", "x")], b"{}").await,
        ),
        ("405", http(r.addr, "OPTIONS", "/", &[], b"").await),
        ("info", http(r.addr, "GET", "/", &[], b"").await),
        ("verify", http(r.addr, "GET", verify, &[], b"").await),
    ];
    for (what, reply) in replies {
        assert!(
            reply.content_type.ends_with("charset=utf-8"),
            "{what}: {}",
            reply.content_type
        );
        assert_eq!(
            reply.header("x-content-type-options"),
            Some("nosniff"),
            "{what}"
        );
    }
}
