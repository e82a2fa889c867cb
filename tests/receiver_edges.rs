//! The edges of the wire, over real TCP: a client that hangs up mid-body, header values that are
//! not UTF-8, and JSON that serde_json refuses by default but RFC 8259 allows.

mod support;

use std::time::Duration;
use support::{cfg, raw, start};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wamon::model::Kind;

/// Longest any test waits for something that should happen.
const DEADLINE: Duration = Duration::from_secs(20);

async fn next(r: &mut support::Running) -> wamon::ingest::Ingest {
    tokio::time::timeout(DEADLINE, r.next())
        .await
        .expect("the request is handed on")
}

#[tokio::test]
async fn a_client_that_hangs_up_mid_body_is_recorded_as_400_with_how_much_arrived() {
    let mut r = start(cfg()).await;
    let mut s = TcpStream::connect(r.addr).await.unwrap();
    s.write_all(b"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"event\":1")
        .await
        .unwrap();
    s.flush().await.unwrap();
    // Let the bytes arrive before the hang-up, as a sender that died mid-send would.
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(s);
    let ing = next(&mut r).await;
    assert_eq!(ing.env.status, 400);
    assert_eq!(
        ing.env.note.as_deref(),
        Some("client disconnected after 10 of 1000 bytes")
    );
    assert_eq!(ing.normalized.events[0].kind, Kind::Rejected);
    assert!(ing.env.body.is_empty(), "a partial body is not kept");
    let line = &r.captured()[0];
    assert_eq!(line.status, 400);
    assert_eq!(
        line.note.as_deref(),
        Some("client disconnected after 10 of 1000 bytes")
    );
}

#[tokio::test]
async fn a_chunked_body_cut_short_says_its_length_was_not_declared() {
    let mut r = start(cfg()).await;
    let mut s = TcpStream::connect(r.addr).await.unwrap();
    s.write_all(
        b"POST /hook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n{\"a\":1,\r\n20\r\n{\"b\"",
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(s);
    let ing = next(&mut r).await;
    assert_eq!(ing.env.status, 400);
    let note = ing.env.note.as_deref().unwrap();
    assert!(
        note.starts_with("client disconnected after 11 bytes of a chunked body"),
        "{note}"
    );
}

#[tokio::test]
async fn a_bad_chunk_header_is_400_not_413_and_not_a_hang_up() {
    let mut r = start(cfg()).await;
    let mut s = TcpStream::connect(r.addr).await.unwrap();
    s.write_all(b"POST /hook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")
        .await
        .unwrap();
    let mut reply = Vec::new();
    let _ = tokio::time::timeout(DEADLINE, s.read_to_end(&mut reply)).await;
    let ing = next(&mut r).await;
    assert_eq!(ing.env.status, 400);
    let note = ing.env.note.as_deref().unwrap();
    assert!(note.starts_with("body could not be read"), "{note}");
}

#[tokio::test]
async fn only_a_body_over_max_body_is_413() {
    let mut r = start(cfg()).await;
    // Exactly at the limit, declared and sent: accepted (a JSON string padded to the limit).
    let limit = cfg().max_body;
    let body = format!("\"{}\"", "x".repeat(limit - 2));
    let head = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {limit}\r\n\r\n"
    );
    let reply = raw(r.addr, &[head.as_bytes(), body.as_bytes()].concat()).await;
    assert_eq!(reply.status, 200);
    assert_eq!(next(&mut r).await.env.status, 200);
    let over = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        limit + 1
    );
    assert_eq!(raw(r.addr, over.as_bytes()).await.status, 413);
}

#[tokio::test]
async fn header_values_that_are_not_utf8_reach_the_capture_byte_exact() {
    let mut r = start(cfg()).await;
    let obs: Vec<u8> = (0x80..=0xffu8).collect();
    let body = support::WAHA_BODY.as_bytes();
    let mut req = format!(
        "POST /waha HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(b"X-Obs: a");
    req.extend_from_slice(&obs);
    req.extend_from_slice(b"z\r\nX-Latin1: caf\xe9\r\nX-Plain: caf\xc3\xa9\r\n\r\n");
    req.extend_from_slice(body);
    assert_eq!(raw(r.addr, &req).await.status, 200);
    let want_obs = [&b"a"[..], &obs, b"z"].concat();
    let ing = next(&mut r).await;
    assert_eq!(ing.env.header_bytes("x-obs"), Some(&want_obs[..]));
    let line = &r.captured()[0];
    assert_eq!(line.header_bytes("x-obs"), Some(&want_obs[..]));
    assert_eq!(line.header_bytes("x-latin1"), Some(&b"caf\xe9"[..]));
    assert_eq!(line.header("x-plain").as_deref(), Some("café"));
    // In the file: a lossy string for jq and readers of older files, the exact bytes beside it.
    let file = std::fs::read_to_string(&r.capture).unwrap();
    let v: serde_json::Value = serde_json::from_str(file.lines().nth(1).unwrap()).unwrap();
    assert_eq!(v["headers"]["x-latin1"], "caf\u{fffd}");
    assert_eq!(v["headers_b64"]["x-latin1"], "Y2Fm6Q==");
    assert!(v["headers_b64"].get("x-plain").is_none());
}

#[tokio::test]
async fn json_serde_json_refuses_by_default_is_accepted_and_normalised() {
    let mut r = start(cfg()).await;
    let waha = support::WAHA_BODY;
    let deep = format!("{}1{}", "[".repeat(300), "]".repeat(300));
    let edges = [
        [&b"\xEF\xBB\xBF"[..], waha.as_bytes()].concat(),
        waha.replacen("{", &format!("{{\"x\":-{}e400,", "7".repeat(400)), 1)
            .into_bytes(),
        waha.replacen("{", &format!("{{\"x\":{deep},"), 1)
            .into_bytes(),
    ];
    for body in &edges {
        let reply = support::http(r.addr, "POST", "/waha", &[], body).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert!(
            reply.body.contains(r#""provider":"waha""#),
            "{}",
            reply.body
        );
        let ing = next(&mut r).await;
        assert_eq!(ing.normalized.events[0].kind, Kind::Message);
        assert_eq!(ing.normalized.events[0].text.as_deref(), Some("Hi there!"));
        assert_eq!(&ing.env.body[..], &body[..], "recorded byte-exact");
    }
}

#[tokio::test]
async fn the_400_for_a_body_that_is_not_json_names_the_normalisers_line_and_column() {
    let mut r = start(cfg()).await;
    // A BOM, a huge number and then a real error: the position is the error's, in the bytes
    // as received.
    let body = b"\xEF\xBB\xBF{\"x\":1e400,\n \"y\": }";
    let reply = support::http(r.addr, "POST", "/", &[], body).await;
    assert_eq!(reply.status, 400);
    let v: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(
        (v["line"].as_u64(), v["column"].as_u64()),
        (Some(2), Some(7))
    );
    let ing = next(&mut r).await;
    assert_eq!(ing.normalized.events[0].kind, Kind::Malformed);
    assert_eq!(
        ing.normalized.events[0].error.as_deref(),
        Some("invalid JSON: expected value at line 2 column 7")
    );
}

/// A control byte in a header is refused by the HTTP parser before wamon sees the request: it
/// is answered 400 and counted, so it still leaves a visible record (the status bar's
/// `unparsable`), and the next request is served as usual.
#[tokio::test]
async fn a_request_the_parser_refuses_is_counted() {
    let r = start(cfg()).await;
    let reply = raw(
        r.addr,
        b"POST / HTTP/1.1\r\nHost: x\r\nX-Evil: a\x1b]52;c;aGk=\x07\r\nContent-Length: 2\r\n\r\n{}",
    )
    .await;
    assert_eq!(reply.status, 400);
    let counted = || {
        r.stats
            .unparsable
            .load(std::sync::atomic::Ordering::Relaxed)
    };
    // The connection task counts it as it ends, just after the answer.
    for _ in 0..100 {
        if counted() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(counted(), 1);
    assert!(r.captured().is_empty(), "not captured as traffic");
    let ok = raw(
        r.addr,
        b"POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}",
    )
    .await;
    assert_eq!(ok.status, 200, "the next request is served");
}
