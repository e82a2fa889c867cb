//! The receiver's timeouts and caps against clients that dawdle, over real TCP: idle and
//! byte-a-second connections are closed, stalled bodies get 408 and cannot hold more than the
//! buffer cap, idle clients at the connection cap make room for a real webhook, and quitting
//! does not wait for any of them. Limits are set small so the tests run quickly; waits have
//! generous deadlines and assert what happens, never how fast.

mod support;

use std::sync::atomic::Ordering;
use std::time::Duration;
use support::{cfg, http, parse_reply, start, WAHA_BODY};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wamon::model::Kind;
use wamon::receiver::{Limits, ReceiverConfig};

/// Longest any test waits for something that should happen.
const DEADLINE: Duration = Duration::from_secs(20);

fn limits(f: impl FnOnce(&mut Limits)) -> ReceiverConfig {
    let mut l = Limits {
        idle_timeout: Duration::from_secs(60),
        header_timeout: Duration::from_secs(60),
        body_timeout: Duration::from_secs(60),
        ..Limits::default()
    };
    f(&mut l);
    ReceiverConfig { limits: l, ..cfg() }
}

/// Reads until the server closes the connection (EOF or reset); what it sent meanwhile.
async fn until_closed(s: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let read = async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(DEADLINE, read)
        .await
        .expect("the server closes the connection");
    got
}

fn post_head(len: usize) -> String {
    format!("POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: {len}\r\n\r\n")
}

#[tokio::test]
async fn an_idle_connection_is_closed_after_the_idle_timeout() {
    let r = start(limits(|l| l.idle_timeout = Duration::from_millis(200))).await;
    let mut s = TcpStream::connect(r.addr).await.unwrap();
    assert!(until_closed(&mut s).await.is_empty());
    // Between requests on a kept-alive connection too.
    let mut s = TcpStream::connect(r.addr).await.unwrap();
    let req = format!("{}{WAHA_BODY}", post_head(WAHA_BODY.len()));
    s.write_all(req.as_bytes()).await.unwrap();
    let reply = until_closed(&mut s).await;
    assert_eq!(parse_reply(&reply).status, 200);
    assert_eq!(r.stats.timed_out.load(Ordering::Relaxed), 2);
}

#[tokio::test]
async fn a_byte_a_second_client_cannot_outlast_the_header_timeout() {
    let r = start(limits(|l| l.header_timeout = Duration::from_millis(300))).await;
    let mut s = TcpStream::connect(r.addr).await.unwrap();
    let trickle = post_head(10);
    let started = tokio::time::Instant::now();
    let mut closed = false;
    for b in trickle.bytes().cycle() {
        if s.write_all(&[b]).await.is_err() || started.elapsed() > DEADLINE {
            closed = true;
            break;
        }
        // Never quite done: the header section keeps growing.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut probe = [0u8; 1];
        if let Ok(Ok(0)) = tokio::time::timeout(Duration::from_millis(1), s.read(&mut probe)).await
        {
            closed = true;
            break;
        }
    }
    assert!(closed && started.elapsed() < DEADLINE);
    assert_eq!(r.stats.timed_out.load(Ordering::Relaxed), 1);
}

#[tokio::test]
async fn a_stalled_body_gets_408_and_is_recorded_as_rejected() {
    let mut r = start(limits(|l| l.body_timeout = Duration::from_millis(300))).await;
    let mut s = TcpStream::connect(r.addr).await.unwrap();
    s.write_all(post_head(1000).as_bytes()).await.unwrap();
    s.write_all(b"{\"event\":").await.unwrap();
    let reply = parse_reply(&until_closed(&mut s).await);
    assert_eq!(reply.status, 408);
    assert!(reply.body.contains("--body-timeout"));
    let ing = r.next().await;
    assert_eq!(ing.normalized.events[0].kind, Kind::Rejected);
    assert!(ing.env.body.is_empty(), "a partial body is not kept");
    assert_eq!(r.captured()[0].status, 408);
}

#[tokio::test]
async fn at_the_connection_cap_idle_clients_make_room_for_a_real_webhook() {
    let mut r = start(limits(|l| l.max_connections = 8)).await;
    let mut idle = Vec::new();
    for _ in 0..30 {
        idle.push(TcpStream::connect(r.addr).await.unwrap());
    }
    // Some of them trickle header bytes, which is no better than silence.
    for s in idle.iter_mut().take(10) {
        let _ = s.write_all(b"POST /x HT").await;
    }
    let reply = tokio::time::timeout(
        DEADLINE,
        http(r.addr, "POST", "/waha", &[], WAHA_BODY.as_bytes()),
    )
    .await
    .expect("a real webhook gets through");
    assert_eq!(reply.status, 200);
    assert!(r.rx.recv().await.is_some());
    assert!(r.stats.evicted.load(Ordering::Relaxed) >= 22);
    assert!(r.stats.open.load(Ordering::Relaxed) <= 8);
}

#[tokio::test]
async fn stalled_bodies_cannot_hold_more_than_the_buffer_cap() {
    let cap = 96 * 1024;
    let mut r = start(ReceiverConfig {
        max_body: 64 * 1024,
        ..limits(|l| {
            l.max_buffered = cap;
            l.body_timeout = Duration::from_secs(2);
        })
    })
    .await;
    let chunk = vec![b' '; 20_000];
    let mut stalled = Vec::new();
    for _ in 0..8 {
        let mut s = TcpStream::connect(r.addr).await.unwrap();
        s.write_all(post_head(60_000).as_bytes()).await.unwrap();
        s.write_all(&chunk).await.unwrap();
        stalled.push(s);
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(r.receiver.buffered_bytes() <= cap);
    }
    let mut busy = 0;
    let mut timed_out = 0;
    for mut s in stalled {
        let reply = parse_reply(&until_closed(&mut s).await);
        match reply.status {
            503 => {
                busy += 1;
                assert_eq!(reply.header("retry-after"), Some("5"));
            }
            408 => timed_out += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert!(busy >= 1, "past the cap bodies are refused");
    assert!(timed_out >= 1, "below it they wait their turn");
    while r.rx.try_recv().is_ok() {}
    assert_eq!(r.receiver.buffered_bytes(), 0, "everything is given back");
    let ok = http(r.addr, "POST", "/", &[], WAHA_BODY.as_bytes()).await;
    assert_eq!(ok.status, 200);
}

#[tokio::test]
async fn quitting_does_not_wait_for_slow_clients() {
    let r = start(cfg()).await;
    let _idle = TcpStream::connect(r.addr).await.unwrap();
    let mut slow = TcpStream::connect(r.addr).await.unwrap();
    slow.write_all(post_head(100).as_bytes()).await.unwrap();
    slow.write_all(b"{").await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    r.stop.send(true).unwrap();
    tokio::time::timeout(DEADLINE, r.server)
        .await
        .expect("the server stops with slow clients still connected")
        .unwrap()
        .unwrap();
    let reply = until_closed(&mut slow).await;
    if !reply.is_empty() {
        assert_eq!(parse_reply(&reply).status, 503);
    }
}

#[tokio::test]
async fn a_declared_length_reserves_nothing_until_the_bytes_arrive() {
    let cap = 96 * 1024;
    let mut r = start(ReceiverConfig {
        max_body: 64 * 1024,
        ..limits(|l| {
            l.max_buffered = cap;
            l.body_timeout = Duration::from_millis(500);
        })
    })
    .await;
    let mut liars = Vec::new();
    for _ in 0..8 {
        let mut s = TcpStream::connect(r.addr).await.unwrap();
        s.write_all(post_head(60_000).as_bytes()).await.unwrap();
        s.write_all(b"{\"a\":").await.unwrap();
        liars.push(s);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        r.receiver.buffered_bytes() < 1024,
        "8 liars hold what they sent"
    );
    for mut s in liars {
        assert_eq!(parse_reply(&until_closed(&mut s).await).status, 408);
    }
    while r.rx.try_recv().is_ok() {}
}
