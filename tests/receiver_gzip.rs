//! Compressed webhooks over real TCP: a gzipped WAHA fixture is accepted and normalised from its
//! decoded body, while the capture keeps the compressed bytes (and loads back to the same
//! event) and the signature is checked over them; a gzip bomb is refused with 413 after
//! inflating no more than `--max-body`; unknown codings and corrupt streams are `malformed`.

mod support;

use flate2::write::GzEncoder;
use flate2::{Compress, Compression, Crc, FlushCompress};
use std::io::Write;
use support::{cfg, http, start, waha_sig};
use wamon::model::{Kind, Provider};
use wamon::receiver::ReceiverConfig;

fn fixture() -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/fixtures/waha/message-text-webjs.json"
    );
    std::fs::read(path).unwrap()
}

fn gzip(b: &[u8]) -> Vec<u8> {
    let mut w = GzEncoder::new(Vec::new(), Compression::default());
    w.write_all(b).unwrap();
    w.finish().unwrap()
}

/// A gzip stream of `mib` MiB of zeros, made without compressing them all: after a full flush
/// the compressor forgets its history, so each further MiB compresses to the same bytes; the
/// trailer's CRC is combined rather than computed over the zeros.
fn gzip_bomb(mib: u32) -> Vec<u8> {
    let zeros = vec![0u8; 1 << 20];
    let mut c = Compress::new(Compression::best(), false);
    let mut block = Vec::with_capacity(1 << 16);
    c.compress_vec(&zeros, &mut block, FlushCompress::Full)
        .unwrap();
    let mut end = Vec::with_capacity(64);
    c.compress_vec(&[], &mut end, FlushCompress::Finish)
        .unwrap();
    let (mut one, mut crc) = (Crc::new(), Crc::new());
    one.update(&zeros);
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    for _ in 0..mib {
        out.extend_from_slice(&block);
        crc.combine(&one);
    }
    out.extend_from_slice(&end);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(mib << 20).to_le_bytes());
    out
}

#[tokio::test]
async fn a_gzipped_waha_webhook_is_normalised_and_captured_compressed() {
    let json = fixture();
    let body = gzip(&json);
    assert_ne!(body, json);
    let mut r = start(ReceiverConfig {
        waha_hmac_key: Some("hmac-key".into()),
        ..cfg()
    })
    .await;
    // WAHA signs the bytes it sends: the compressed ones.
    let sig = waha_sig("hmac-key", &body);
    let headers = [
        ("Content-Type", "application/json"),
        ("Content-Encoding", "gzip"),
        ("X-Webhook-Hmac", sig.as_str()),
    ];
    let reply = http(r.addr, "POST", "/waha", &headers, &body).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(
        reply.body.contains(r#""provider":"waha""#),
        "{}",
        reply.body
    );
    let ing = r.next().await;
    assert_eq!(
        &ing.env.body[..],
        &body[..],
        "the envelope keeps the bytes received"
    );
    assert_eq!(ing.normalized.provider, Provider::Waha);
    assert_eq!(ing.normalized.events.len(), 1);
    let ev = &ing.normalized.events[0];
    assert_eq!(ev.kind, Kind::Message);
    assert_eq!(ev.text.as_deref(), Some("Hi there!"));
    // As the plain fixture normalises.
    assert_eq!(ing.normalized, wamon::provider::normalize_body(&json));

    // The capture holds the compressed bytes, byte-exact, and loads back to the same event.
    let captured = r.captured();
    assert_eq!(captured.len(), 1);
    assert_eq!(&captured[0].body[..], &body[..]);
    assert_eq!(
        captured[0].header("content-encoding").as_deref(),
        Some("gzip")
    );
    assert_eq!(wamon::provider::normalize(&captured[0]), ing.normalized);

    // A signature over the decoded JSON is not the sender's: refused.
    let sig = waha_sig("hmac-key", &json);
    let headers = [
        ("Content-Encoding", "gzip"),
        ("X-Webhook-Hmac", sig.as_str()),
    ];
    let reply = http(r.addr, "POST", "/waha", &headers, &body).await;
    assert_eq!(reply.status, 401, "{}", reply.body);
}

#[tokio::test]
async fn a_gzip_bomb_gets_413_and_is_recorded_without_its_body() {
    let bomb = gzip_bomb(1024);
    // A GiB of zeros in about a MiB: the compressed body itself is within --max-body.
    let max_body = 4 << 20;
    assert!(bomb.len() < max_body, "{}", bomb.len());
    let mut r = start(ReceiverConfig { max_body, ..cfg() }).await;
    let reply = http(r.addr, "POST", "/", &[("Content-Encoding", "gzip")], &bomb).await;
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert!(
        reply.body.contains("decompresses to more than --max-body"),
        "{}",
        reply.body
    );
    assert_eq!(reply.header("connection"), Some("close"));
    let ing = r.next().await;
    assert_eq!(ing.normalized.events[0].kind, Kind::Rejected);
    let note = ing.env.note.as_deref().unwrap_or_default();
    assert!(note.starts_with("gzip body decompresses"), "{note}");
    assert!(
        ing.env.body.is_empty(),
        "not stored, like any body over the limit"
    );
    let captured = r.captured();
    assert_eq!(captured.len(), 1);
    assert_eq!(captured[0].status, 413);
    assert!(captured[0].body.is_empty());
    assert_eq!(
        wamon::provider::normalize(&captured[0]).events[0].kind,
        Kind::Rejected
    );
    assert_eq!(
        r.receiver.buffered_bytes(),
        0,
        "the body budget is given back"
    );
}

#[tokio::test]
async fn unknown_codings_and_corrupt_streams_are_malformed_and_kept() {
    let mut r = start(cfg()).await;
    let json = fixture();
    let mut corrupt = gzip(&json);
    corrupt.truncate(corrupt.len() / 2);
    let cases: [(&str, Vec<u8>, &str); 3] = [
        ("br", json.clone(), "\"br\" is not supported"),
        ("gzip", corrupt, "not valid gzip"),
        ("gzip", json.clone(), "not valid gzip"),
    ];
    for (coding, body, says) in cases {
        let reply = http(r.addr, "POST", "/", &[("Content-Encoding", coding)], &body).await;
        assert_eq!(reply.status, 400, "{coding}: {}", reply.body);
        let v: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
        let error = v["error"].as_str().unwrap_or_default();
        assert!(error.contains(says), "{coding}: {error}");
        assert!(v.get("line").is_none(), "no JSON position: {v}");
        let ing = r.next().await;
        assert_eq!(ing.normalized.events[0].kind, Kind::Malformed);
        assert_eq!(&ing.env.body[..], &body[..], "kept as received");
    }
    // Decoded but not JSON: the position is in the decoded body.
    let body = gzip(b"{\n  \"event\": }");
    let reply = http(r.addr, "POST", "/", &[("Content-Encoding", "gzip")], &body).await;
    assert_eq!(reply.status, 400);
    let v: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(
        (v["line"].as_u64(), v["column"].as_u64()),
        (Some(2), Some(12))
    );
}
