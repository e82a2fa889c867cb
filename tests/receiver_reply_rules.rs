//! Scripted replies (`--reply`) over real TCP: the rule's status for the requests it matches and
//! the usual answer for the rest, both recorded with what was answered; a delayed reply that
//! holds back neither other requests, nor the capture, nor the consumer, nor the body budget;
//! real rejections that keep their own answers; quitting that does not wait out a delay; and
//! the binary's side: `WAMON_REPLY`, the startup notice and the startup error.

mod common;
mod support;

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::time::Duration;
use support::{cfg, http, start, waha_sig, Reply, META_BODY, WAHA_BODY};
use wamon::model::Kind;
use wamon::receiver::{ReceiverConfig, ReplyRules};

/// Generous: only there so a broken receiver fails the test instead of hanging it.
const DEADLINE: Duration = Duration::from_secs(8);

fn with_rules(rules: &[&str]) -> ReceiverConfig {
    ReceiverConfig {
        replies: ReplyRules::parse(rules).unwrap(),
        ..cfg()
    }
}

async fn post(addr: std::net::SocketAddr, path: &str, body: &str) -> Reply {
    http(addr, "POST", path, &[], body.as_bytes()).await
}

#[tokio::test]
async fn a_path_rule_answers_its_status_there_and_200_elsewhere() {
    let mut r = start(with_rules(&["path=/meta status=500"])).await;
    let meta = post(r.addr, "/meta", META_BODY).await;
    assert_eq!(meta.status, 500);
    assert_eq!(meta.body, r#"{"ok":false,"error":"scripted reply"}"#);
    assert!(meta.content_type.starts_with("application/json"));
    assert_eq!(meta.header("retry-after"), None, "only what the rule says");
    let waha = post(r.addr, "/waha", WAHA_BODY).await;
    assert_eq!(waha.status, 200);
    assert!(waha.body.starts_with(r#"{"ok":true"#), "{}", waha.body);

    let captured = r.captured();
    let seen: Vec<(&str, u16, Option<&str>)> = captured
        .iter()
        .map(|e| (e.path.as_str(), e.status, e.note.as_deref()))
        .collect();
    assert_eq!(
        seen,
        vec![
            (
                "/meta",
                500,
                Some("scripted reply (rule 1: path=/meta status=500)")
            ),
            ("/waha", 200, None),
        ]
    );
    // Read back from the capture (`--load`, replay), the scripted one is a message like any
    // other, not a rejection.
    let kinds: Vec<Kind> = captured
        .iter()
        .map(|e| wamon::provider::normalize(e).events[0].kind)
        .collect();
    assert_eq!(kinds, vec![Kind::Message, Kind::Message]);
    // The consumer is told the same.
    let first = r.next().await;
    assert_eq!((first.env.status, first.env.path.as_str()), (500, "/meta"));
    assert_eq!(r.next().await.env.status, 200);
}

#[tokio::test]
async fn rule_bodies_and_2xx_statuses() {
    let r = start(with_rules(&[
        "path=/text status=503 body=come back later",
        "path=/json status=429 body={\"error\": \"slow down\"}",
        "path=/accepted status=202",
        "path=/empty status=204",
        "provider=meta status=201",
    ]))
    .await;
    let text = post(r.addr, "/text", WAHA_BODY).await;
    assert_eq!((text.status, text.body.as_str()), (503, "come back later"));
    assert!(text.content_type.starts_with("text/plain"));
    let json = post(r.addr, "/json", WAHA_BODY).await;
    assert_eq!(
        (json.status, json.body.as_str()),
        (429, r#"{"error": "slow down"}"#)
    );
    assert!(json.content_type.starts_with("application/json"));
    // A 2xx without a body of its own gets wamon's usual reply, Meta's included.
    let accepted = post(r.addr, "/accepted", WAHA_BODY).await;
    assert_eq!(accepted.status, 202);
    assert!(
        accepted
            .body
            .starts_with(r#"{"ok":true,"seq":3,"provider":"waha""#),
        "{}",
        accepted.body
    );
    let empty = post(r.addr, "/empty", WAHA_BODY).await;
    assert_eq!((empty.status, empty.body.as_str()), (204, ""));
    let meta = post(r.addr, "/elsewhere", META_BODY).await;
    assert_eq!(
        (meta.status, meta.body.as_str()),
        (201, r#"{"statusCode":"200","statusMessage":"OK"}"#)
    );
    let statuses: Vec<u16> = r.captured().iter().map(|e| e.status).collect();
    assert_eq!(statuses, vec![503, 429, 202, 204, 201]);
}

#[tokio::test]
async fn a_delayed_reply_does_not_hold_back_other_requests() {
    let mut r = start(with_rules(&["path=/slow delay=2s status=500"])).await;
    let (done_tx, mut done) = tokio::sync::mpsc::unbounded_channel();
    let addr = r.addr;
    let slow_done = done_tx.clone();
    let slow = tokio::spawn(async move {
        let reply = post(addr, "/slow", WAHA_BODY).await;
        slow_done.send("slow").unwrap();
        reply
    });
    let handed = tokio::time::timeout(DEADLINE, r.next())
        .await
        .expect("handed on");
    assert_eq!(
        (handed.env.path.as_str(), handed.env.status),
        ("/slow", 500)
    );
    // Another request meanwhile is answered first.
    let fast = post(r.addr, "/fast", WAHA_BODY).await;
    done_tx.send("fast").unwrap();
    assert_eq!(fast.status, 200);
    let slow = tokio::time::timeout(DEADLINE, slow)
        .await
        .expect("the delayed reply comes")
        .unwrap();
    assert_eq!(slow.status, 500);
    let order = [done.recv().await.unwrap(), done.recv().await.unwrap()];
    assert_eq!(order, ["fast", "slow"]);
    let statuses: Vec<(String, u16)> = r
        .captured()
        .into_iter()
        .map(|e| (e.path, e.status))
        .collect();
    assert_eq!(statuses, vec![("/slow".into(), 500), ("/fast".into(), 200)]);
}

/// With a delay longer than the test's deadline, what happens before the reply is certain: the
/// request is in the capture and with the consumer, its body no longer counts against
/// `--max-buffered`, other requests are answered; and quitting answers it at once.
#[tokio::test]
async fn a_long_delay_holds_nothing_and_quitting_does_not_wait_for_it() {
    let mut r = start(with_rules(&["path=/slow delay=60s status=503"])).await;
    let addr = r.addr;
    let waiting = tokio::spawn(async move { post(addr, "/slow", WAHA_BODY).await });
    let handed = tokio::time::timeout(DEADLINE, r.next())
        .await
        .expect("the delayed request is handed on before its reply");
    assert_eq!(handed.env.status, 503);
    let captured = r.captured();
    assert_eq!(captured.len(), 1);
    assert_eq!(captured[0].status, 503);
    assert_eq!(r.receiver.buffered_bytes(), 0);
    let other = post(r.addr, "/other", WAHA_BODY).await;
    assert_eq!(other.status, 200);
    assert!(!waiting.is_finished(), "the delayed reply is still waiting");

    r.stop.send(true).unwrap();
    // Far less than the rule's minute: quitting does not wait it out.
    let served = tokio::time::timeout(DEADLINE, r.server).await;
    assert!(served.is_ok(), "the server stopped within the deadline");
    let reply = tokio::time::timeout(DEADLINE, waiting)
        .await
        .expect("answered when quitting")
        .unwrap();
    assert_eq!(reply.status, 503);
}

#[tokio::test]
async fn real_rejections_keep_their_answers() {
    let r = start(ReceiverConfig {
        waha_hmac_key: Some("hmac-key".into()),
        ..with_rules(&["status=500"])
    })
    .await;
    let bad_sig = http(
        r.addr,
        "POST",
        "/waha",
        &[("X-Webhook-Hmac", &"11".repeat(64))],
        WAHA_BODY.as_bytes(),
    )
    .await;
    assert_eq!(bad_sig.status, 401);
    let malformed = post(r.addr, "/waha", "{not json").await;
    assert_eq!(malformed.status, 400);
    let too_big = post(r.addr, "/waha", &"x".repeat(70 * 1024)).await;
    assert_eq!(too_big.status, 413);
    // A well-signed request is one wamon would answer 200: the rule applies.
    let signed = http(
        r.addr,
        "POST",
        "/waha",
        &[(
            "X-Webhook-Hmac",
            &waha_sig("hmac-key", WAHA_BODY.as_bytes()),
        )],
        WAHA_BODY.as_bytes(),
    )
    .await;
    assert_eq!(signed.status, 500);

    let captured = r.captured();
    let statuses: Vec<u16> = captured.iter().map(|e| e.status).collect();
    assert_eq!(statuses, vec![401, 400, 413, 500]);
    let notes: Vec<String> = captured
        .iter()
        .map(|e| e.note.clone().unwrap_or_default())
        .collect();
    assert!(notes[0].contains("X-Webhook-Hmac"), "{}", notes[0]);
    assert!(!notes[..3].iter().any(|n| n.contains("scripted")));
    assert_eq!(notes[3], "scripted reply (rule 1: status=500)");
}

/// `WAMON_REPLY` holds several rules separated by `;`, each answered as given; the headless
/// notice lists them.
#[test]
fn wamon_reply_holds_several_rules_and_headless_says_so() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wamon"))
        .args(["--headless", "--no-capture", "--listen", "127.0.0.1:0"])
        .env("WAMON_REPLY", "path=/a status=500; path=/b status=502;")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut addr = None;
    let mut notice = None;
    while notice.is_none() {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "wamon exited early"
        );
        if let Some(u) = line.trim().strip_prefix("wamon: listening on http://") {
            addr = Some(u.trim_end_matches('/').to_owned());
        }
        if line.contains("scripted replies") {
            notice = Some(line);
        }
    }
    let drained = common::drain(stderr);
    assert_eq!(
        notice.unwrap().trim(),
        "wamon: scripted replies (--reply, first match wins): 1) path=/a status=500; \
         2) path=/b status=502"
    );
    let addr = addr.expect("the address comes first");
    let status = |path: &str| {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(DEADLINE)).unwrap();
        write!(
            s,
            "POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{WAHA_BODY}",
            WAHA_BODY.len()
        )
        .unwrap();
        let mut reply = String::new();
        s.read_to_string(&mut reply).unwrap();
        support::parse_reply(reply.as_bytes()).status
    };
    assert_eq!((status("/a"), status("/b"), status("/c")), (500, 502, 200));
    child.kill().unwrap();
    child.wait().unwrap();
    drained.join().unwrap();
}

#[test]
fn a_rule_that_does_not_parse_stops_wamon_at_start() {
    let out = Command::new(env!("CARGO_BIN_EXE_wamon"))
        .args(["--headless", "--no-capture", "--listen", "127.0.0.1:0"])
        .args(["--reply", "status=500", "--reply", "path=/meta statuz=500"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(r#"--reply rule 2 "path=/meta statuz=500": "statuz=500": unknown key"#),
        "{err}"
    );
    assert!(!err.contains("listening"), "{err}");
}
