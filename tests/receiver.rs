//! The receiver over a real TCP socket: replies per provider, Meta's handshake, the capture file
//! written before the reply, bad JSON, size limits and signatures.

mod support;

use hmac::{Hmac, Mac};
use support::{cfg, http, start, start_with_channel, Running, META_BODY, WAHA_BODY};
use tokio::io::AsyncWriteExt;
use wamon::feed::Feed;
use wamon::model::{Kind, Provider};
use wamon::receiver::ReceiverConfig;

#[tokio::test]
async fn a_webhook_is_in_the_capture_file_before_the_reply() {
    let mut r = start(cfg()).await;
    let reply = http(
        r.addr,
        "POST",
        "/webhook/waha",
        &[("content-type", "application/json")],
        WAHA_BODY.as_bytes(),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert!(reply.content_type.starts_with("application/json"));
    let v: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["provider"], "waha");
    // The reply came back, so the line must already be in the file — byte-exact.
    let file = std::fs::read(&r.capture).unwrap();
    let loaded = wamon::capture::read_all(&file[..]).unwrap();
    assert_eq!(loaded.envelopes.len(), 1);
    let env = &loaded.envelopes[0].0;
    assert_eq!(&env.body[..], WAHA_BODY.as_bytes());
    assert_eq!(env.path, "/webhook/waha");
    assert_eq!(env.status, 200);
    let ing = r.next().await;
    assert_eq!(ing.normalized.provider, Provider::Waha);
    assert_eq!(ing.normalized.events[0].text.as_deref(), Some("Hi there!"));
    assert_eq!(ing.capture_offset, Some(loaded.envelopes[0].1));
}

#[tokio::test]
async fn meta_bodies_get_the_confirmation_portals_require() {
    let mut r = start(cfg()).await;
    let reply = http(r.addr, "POST", "/", &[], META_BODY.as_bytes()).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, r#"{"statusCode":"200","statusMessage":"OK"}"#);
    assert_eq!(r.next().await.normalized.provider, Provider::Meta);
}

#[tokio::test]
async fn every_write_method_and_path_is_accepted() {
    let mut r = start(cfg()).await;
    let whapi = r#"{"statuses":[{"id":"X","code":4,"status":"read","recipient_id":"1@s.whatsapp.net","timestamp":"1"}],"event":{"type":"statuses","event":"patch"},"channel_id":"C"}"#;
    for (method, path) in [
        ("PUT", "/statuses"),
        ("PATCH", "/statuses/patch"),
        ("DELETE", "/a/b/c"),
    ] {
        let reply = http(r.addr, method, path, &[], whapi.as_bytes()).await;
        assert_eq!(reply.status, 200, "{method} {path}");
        let ing = r.next().await;
        assert_eq!(ing.env.method, method);
        assert_eq!(ing.normalized.provider, Provider::Whapi);
    }
}

#[tokio::test]
async fn the_meta_handshake_answers_the_challenge_only_with_the_right_token() {
    let mut r = start(cfg()).await;
    let ok = http(
        r.addr,
        "GET",
        "/webhook?hub.mode=subscribe&hub.verify_token=s3cret&hub.challenge=1158201444",
        &[],
        b"",
    )
    .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.body, "1158201444");
    assert!(ok.content_type.starts_with("text/plain"));
    let bad = http(
        r.addr,
        "GET",
        "/webhook?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1",
        &[],
        b"",
    )
    .await;
    assert_eq!(bad.status, 403);
    let seen = r.next().await;
    assert_eq!(seen.normalized.events[0].kind, Kind::Session);
    assert_eq!(seen.normalized.provider, Provider::Meta);
    // A refused handshake is a rejected request (counted as such), noted with why, and reads
    // back the same from the capture.
    let refused = r.next().await;
    let ev = &refused.normalized.events[0];
    assert_eq!((ev.kind, ev.event.as_str()), (Kind::Rejected, "verify"));
    assert_eq!(
        ev.error.as_deref(),
        Some("Meta verification handshake refused: hub.verify_token does not match")
    );
    assert_eq!(
        refused.env.note.as_deref(),
        Some("hub.verify_token does not match")
    );
    assert_eq!(
        wamon::provider::normalize(&refused.env),
        refused.normalized,
        "re-normalised from the capture"
    );
}

#[tokio::test]
async fn a_plain_get_explains_what_this_is() {
    let r = start(cfg()).await;
    let page = http(r.addr, "GET", "/", &[], b"").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("wamon"));
    assert!(page.body.contains("POST"));
}

#[tokio::test]
async fn bad_json_gets_400_with_line_and_column_and_is_still_recorded() {
    let mut r = start(cfg()).await;
    let body = b"{\"event\": \"message\",\n \"session\": }";
    let reply = http(r.addr, "POST", "/", &[], body).await;
    assert_eq!(reply.status, 400);
    let v: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["line"], 2);
    assert!(v["column"].as_u64().unwrap() > 0);
    assert!(v["error"].as_str().unwrap().contains("line 2"));
    let ing = r.next().await;
    assert_eq!(ing.normalized.events[0].kind, Kind::Malformed);
    let file = std::fs::read(&r.capture).unwrap();
    let loaded = wamon::capture::read_all(&file[..]).unwrap();
    assert_eq!(&loaded.envelopes[0].0.body[..], body);
    assert_eq!(loaded.envelopes[0].0.status, 400);
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_and_recorded() {
    let mut r = start(ReceiverConfig {
        max_body: 100,
        ..cfg()
    })
    .await;
    let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(500));
    let reply = http(r.addr, "POST", "/", &[], big.as_bytes()).await;
    assert_eq!(reply.status, 413);
    assert!(reply.body.contains("--max-body"));
    let ing = r.next().await;
    assert_eq!(ing.normalized.events[0].kind, Kind::Rejected);
    assert!(ing.env.note.as_deref().unwrap().contains("100 bytes"));
}

#[tokio::test]
async fn meta_signatures_are_checked_over_the_raw_bytes() {
    let mut r = start(ReceiverConfig {
        meta_app_secret: Some("app-secret".into()),
        ..cfg()
    })
    .await;
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"app-secret").unwrap();
    mac.update(META_BODY.as_bytes());
    let good = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    let ok = http(
        r.addr,
        "POST",
        "/",
        &[("X-Hub-Signature-256", &good)],
        META_BODY.as_bytes(),
    )
    .await;
    assert_eq!(ok.status, 200);
    assert_eq!(r.next().await.normalized.events[0].kind, Kind::Message);
    let wrong = format!("sha256={}", "00".repeat(32));
    let bad = http(
        r.addr,
        "POST",
        "/",
        &[("X-Hub-Signature-256", &wrong)],
        META_BODY.as_bytes(),
    )
    .await;
    assert_eq!(bad.status, 401);
    assert!(bad.body.contains("does not match"));
    let ing = r.next().await;
    assert_eq!(ing.normalized.events[0].kind, Kind::Rejected);
    assert_eq!(ing.normalized.provider, Provider::Meta);
}

#[tokio::test]
async fn waha_hmac_matches_the_documented_test_vector() {
    let mut r = start(ReceiverConfig {
        waha_hmac_key: Some("my-secret-key".into()),
        ..cfg()
    })
    .await;
    let body = br#"{"event":"message","session":"default","engine":"WEBJS"}"#;
    let sig = "208f8a55dde9e05519e898b10b89bf0d0b3b0fdf11fdbf09b6b90476301b98d8097c462b2b17a6ce93b6b47a136cf2e78a33a63f6752c2c1631777076153fa89";
    let ok = http(
        r.addr,
        "POST",
        "/",
        &[
            ("X-Webhook-Hmac", sig),
            ("X-Webhook-Hmac-Algorithm", "sha512"),
        ],
        body,
    )
    .await;
    assert_eq!(ok.status, 200);
    assert_ne!(r.next().await.normalized.events[0].kind, Kind::Rejected);
    let bad = http(r.addr, "POST", "/", &[("X-Webhook-Hmac", "abcd")], body).await;
    assert_eq!(bad.status, 401);
    assert_eq!(r.next().await.normalized.events[0].kind, Kind::Rejected);
}

#[tokio::test]
async fn concurrent_requests_all_reach_the_capture_and_the_consumer() {
    let mut r = start(cfg()).await;
    let addr = r.addr;
    let mut tasks = Vec::new();
    for i in 0..40 {
        tasks.push(tokio::spawn(async move {
            let body = format!(
                r#"{{"event":"message","session":"s","payload":{{"id":"false_1@c.us_M{i}","from":"1@c.us","fromMe":false,"body":"n{i}"}}}}"#
            );
            http(addr, "POST", "/", &[], body.as_bytes()).await.status
        }));
    }
    let mut got = 0;
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    while let Ok(Some(_)) =
        tokio::time::timeout(std::time::Duration::from_secs(2), r.rx.recv()).await
    {
        got += 1;
        if got == 40 {
            break;
        }
    }
    assert_eq!(got, 40);
    let file = std::fs::read(&r.capture).unwrap();
    let loaded = wamon::capture::read_all(&file[..]).unwrap();
    assert_eq!(loaded.envelopes.len(), 40);
    assert!(loaded.warnings.is_empty());
    let mut seqs: Vec<u64> = loaded.envelopes.iter().map(|(e, _)| e.seq).collect();
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(seqs.len(), 40);
}

/// Everything the feed hands out until `n` requests came, or a generous deadline passes.
async fn drain(feed: &mut Feed, n: usize) -> Vec<wamon::ingest::Ingest> {
    let mut got = Vec::new();
    let deadline = std::time::Duration::from_secs(20);
    let _ = tokio::time::timeout(deadline, async {
        while got.len() < n {
            let mut batch = Vec::new();
            if feed.recv_many(&mut batch, 64).await == 0 {
                break;
            }
            got.extend(batch.into_iter().filter_map(wamon::ingest::Item::request));
        }
    })
    .await;
    got
}

#[tokio::test]
async fn the_receiver_never_waits_for_a_consumer_that_does_not_read() {
    // A one-slot channel that nobody drains while the requests arrive.
    let r = start_with_channel(cfg(), 1).await;
    let mut tasks = Vec::new();
    for i in 0..50 {
        let addr = r.addr;
        tasks.push(tokio::spawn(async move {
            let body = format!(
                r#"{{"event":"message","session":"s","payload":{{"id":"false_1@c.us_M{i}","from":"1@c.us","body":"n{i}"}}}}"#
            );
            http(addr, "POST", "/", &[], body.as_bytes()).await.status
        }));
    }
    for t in tasks {
        assert_eq!(
            t.await.unwrap(),
            200,
            "answered without waiting for the consumer"
        );
    }
    let backlog = r.receiver.backlog();
    assert!(backlog.behind() >= 48, "skipped the full channel");
    // The consumer wakes up and reads the rest back from the capture: each once.
    let mut feed = Feed::new(r.rx, backlog.clone(), r.receiver.capture_path());
    let got = drain(&mut feed, 50).await;
    let mut seqs: Vec<u64> = got.iter().map(|i| i.env.seq).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=50).collect::<Vec<_>>());
    assert_eq!(backlog.behind(), 0);
    // Asked for more, the feed finds the end of the file and goes back to the channel.
    let mut more = Vec::new();
    let wait = std::time::Duration::from_millis(300);
    let _ = tokio::time::timeout(wait, feed.recv_many(&mut more, 64)).await;
    assert!(more.is_empty());
    assert!(!backlog.is_active(), "caught up: back to the channel");
}

#[tokio::test]
async fn a_provider_that_hangs_up_still_gets_its_webhook_recorded_and_shown() {
    let Running {
        addr,
        rx,
        capture,
        receiver,
        ..
    } = start_with_channel(cfg(), 1).await;
    let first = http(addr, "POST", "/", &[], WAHA_BODY.as_bytes()).await;
    assert_eq!(first.status, 200);
    let body = r#"{"event":"message","session":"s","payload":{"id":"false_1@c.us_BYE","from":"1@c.us","body":"bye"}}"#;
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    // Hang up at once, before any reply.
    drop(s);
    let mut feed = Feed::new(rx, receiver.backlog(), receiver.capture_path());
    let got = drain(&mut feed, 2).await;
    let texts: Vec<_> = got
        .iter()
        .map(|i| i.normalized.events[0].text.clone().unwrap_or_default())
        .collect();
    assert_eq!(texts, ["Hi there!", "bye"]);
    let file = std::fs::read(&capture).unwrap();
    assert_eq!(
        wamon::capture::read_all(&file[..]).unwrap().envelopes.len(),
        2
    );
}
