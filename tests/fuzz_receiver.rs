//! Property tests of the request handler over real TCP: arbitrary methods, paths, queries,
//! headers and bodies (the fuzz corpus: real fixtures, damaged ones, raw bytes), with or without
//! the path token, with good, bad or no signatures. Whatever arrives, the reply is well-formed,
//! declares its charset and forbids sniffing, never carries the HMAC the body should have had,
//! and the capture file holds exactly what the rules say: every webhook with the token, byte for
//! byte, and nothing else.
//!
//! `PROPTEST_CASES=5000 cargo test --release --test fuzz_receiver` runs it longer.

mod fuzz;
mod support;

use fuzz::Body;
use hmac::{Hmac, Mac};
use proptest::prelude::*;
use std::sync::{Arc, Mutex, OnceLock};
use support::{parse_reply, raw, Running};
use wamon::ingest::Ingest;
use wamon::receiver::ReceiverConfig;

const TOKEN: &str = "k3y-9f2a_x";
const META_SECRET: &str = "app-secret";
const WAHA_KEY: &str = "hmac-key";
const MAX_BODY: usize = 16 * 1024;

/// How a case proves it knows the token.
#[derive(Debug, Clone, Copy)]
enum Knock {
    Path,
    Header,
    Wrong,
    None,
}

/// Which signature a case carries.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Sig {
    None,
    MetaGood,
    MetaBad,
    WahaGood,
    WahaBad,
    Garbage,
}

#[derive(Debug, Clone)]
struct Case {
    method: String,
    path: String,
    query: Option<String>,
    headers: Vec<(String, Vec<u8>)>,
    body: Body,
    knock: Knock,
    sig: Sig,
}

fn method() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec!["POST", "PUT", "PATCH", "DELETE"]).prop_map(str::to_owned),
        2 => prop::sample::select(vec!["GET", "HEAD"]).prop_map(str::to_owned),
        1 => prop::sample::select(vec!["OPTIONS", "TRACE", "PROPFIND", "BREW"]).prop_map(str::to_owned),
        1 => "[A-Z]{1,12}",
    ]
}

fn path() -> impl Strategy<Value = String> {
    prop::collection::vec("[A-Za-z0-9._~!$&'()*+,;=:@-]{0,12}|%[0-9A-F]{2}", 0..5)
        .prop_map(|segs| format!("/{}", segs.join("/")))
}

fn query() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop_oneof![
        // No `h`: a random query never names a handshake parameter by chance.
        "[a-gA-G0-9=&._-]{0,40}",
        Just("hub.mode=subscribe&hub.verify_token=s3cret&hub.challenge=12345".to_owned()),
        "hub\\.mode=subscribe&hub\\.verify_token=s3cret&hub\\.challenge=[A-Za-z0-9%]{0,30}",
    ])
}

/// Headers hyper accepts: token names, visible ASCII and obs-text (bytes 0x80-0xFF) values.
fn headers() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    let value = prop::collection::vec(
        prop_oneof![8 => 0x20u8..0x7f, 2 => 0x80u8..=0xff, 1 => Just(b'\t')],
        0..40,
    );
    prop::collection::vec(("x-[a-z0-9-]{1,16}", value), 0..6)
}

fn case() -> impl Strategy<Value = Case> {
    (
        method(),
        path(),
        query(),
        headers(),
        fuzz::body(),
        prop::sample::select(vec![Knock::Path, Knock::Header, Knock::Wrong, Knock::None]),
        prop::sample::select(vec![
            Sig::None,
            Sig::MetaGood,
            Sig::MetaBad,
            Sig::WahaGood,
            Sig::WahaBad,
            Sig::Garbage,
        ]),
    )
        .prop_map(|(method, path, query, headers, body, knock, sig)| Case {
            method,
            path,
            query,
            headers,
            body,
            knock,
            sig,
        })
}

fn hmac_hex<M: Mac + hmac::digest::KeyInit>(key: &str, body: &[u8]) -> String {
    let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

fn meta_hex(body: &[u8]) -> String {
    hmac_hex::<Hmac<sha2::Sha256>>(META_SECRET, body)
}

fn waha_hex(body: &[u8]) -> String {
    hmac_hex::<Hmac<sha2::Sha512>>(WAHA_KEY, body)
}

impl Case {
    fn request(&self) -> Vec<u8> {
        let path = match self.knock {
            Knock::Path => format!("/{TOKEN}{}", self.path),
            Knock::Wrong => format!("/{}x{}", &TOKEN[..5], self.path),
            _ => self.path.clone(),
        };
        let target = match &self.query {
            Some(q) => format!("{path}?{q}"),
            None => path,
        };
        let body = &self.body.0;
        let mut req = format!(
            "{} {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.method,
            body.len()
        )
        .into_bytes();
        let mut header = |k: &str, v: &[u8]| {
            req.extend_from_slice(k.as_bytes());
            req.extend_from_slice(b": ");
            req.extend_from_slice(v);
            req.extend_from_slice(b"\r\n");
        };
        if let Knock::Header = self.knock {
            header("X-Wamon-Token", TOKEN.as_bytes());
        }
        match self.sig {
            Sig::None => {}
            Sig::MetaGood => header(
                "X-Hub-Signature-256",
                format!("sha256={}", meta_hex(body)).as_bytes(),
            ),
            Sig::MetaBad => header(
                "X-Hub-Signature-256",
                format!("sha256={}", meta_hex(b"another body")).as_bytes(),
            ),
            Sig::WahaGood => header("X-Webhook-Hmac", waha_hex(body).as_bytes()),
            Sig::WahaBad => header("X-Webhook-Hmac", waha_hex(b"another body").as_bytes()),
            Sig::Garbage => header("X-Webhook-Hmac", b"not-hex \x80\xff"),
        }
        for (k, v) in &self.headers {
            header(k, v);
        }
        req.extend_from_slice(b"\r\n");
        req.extend_from_slice(body);
        req
    }

    fn knows_token(&self) -> bool {
        matches!(self.knock, Knock::Path | Knock::Header)
    }

    fn is_webhook_method(&self) -> bool {
        matches!(self.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE")
    }
}

/// One receiver for every case, with the token and both secrets; what it hands on is kept.
struct Harness {
    rt: tokio::runtime::Runtime,
    running: Running,
    handed_on: Arc<Mutex<Vec<Ingest>>>,
}

fn harness() -> &'static Harness {
    static H: OnceLock<Harness> = OnceLock::new();
    H.get_or_init(|| {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let handed_on = Arc::new(Mutex::new(Vec::new()));
        let running = rt.block_on(async {
            let mut r = support::start(ReceiverConfig {
                token: Some(TOKEN.into()),
                meta_app_secret: Some(META_SECRET.into()),
                waha_hmac_key: Some(WAHA_KEY.into()),
                max_body: MAX_BODY,
                ..support::cfg()
            })
            .await;
            // Drain the consumer side so back-pressure never stalls a case.
            let (_, idle) = tokio::sync::mpsc::channel(1);
            let mut rx = std::mem::replace(&mut r.rx, idle);
            let kept = handed_on.clone();
            tokio::spawn(async move {
                while let Some(item) = rx.recv().await {
                    if let Some(ing) = item.request() {
                        kept.lock().unwrap().push(ing);
                    }
                }
            });
            r
        });
        Harness {
            rt,
            running,
            handed_on,
        }
    })
}

proptest! {
    #![proptest_config(fuzz::config("fuzz_receiver", 96))]

    #[test]
    fn any_request_gets_a_safe_reply_and_is_recorded_by_the_rules(case in case()) {
        let h = harness();
        let before = h.running.captured().len();
        let reply = h.rt.block_on(raw(h.running.addr, &case.request()));
        let captured = h.running.captured();
        let new: Vec<_> = captured[before..].to_vec();
        let body = &case.body.0;

        prop_assert!(
            [200, 400, 401, 403, 404, 405, 408, 413, 503].contains(&reply.status),
            "status {}", reply.status
        );
        if !reply.content_type.is_empty() {
            prop_assert!(reply.content_type.ends_with("charset=utf-8"), "{}", reply.content_type);
            prop_assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
        }
        // No oracle: the reply never holds the signatures this body should carry.
        prop_assert!(!reply.body.contains(&meta_hex(body)));
        prop_assert!(!reply.body.contains(&waha_hex(body)));

        if !case.knows_token() {
            prop_assert_eq!(reply.status, 404);
            prop_assert!(new.is_empty(), "nothing without the token is captured");
            return Ok(());
        }
        if case.is_webhook_method() {
            prop_assert_eq!(new.len(), 1, "one line per webhook");
            let env = &new[0];
            prop_assert_eq!(env.status, reply.status);
            prop_assert_eq!(&env.method, &case.method);
            prop_assert_eq!(&env.path, &case.path, "recorded without the token");
            if reply.status != 413 {
                prop_assert_eq!(&env.body[..], &body[..], "byte-exact");
            }
            // Header values too (obs-text included), as HTTP delivers them: without the
            // whitespace around them.
            for (k, v) in &case.headers {
                let once = case.headers.iter().filter(|(n, _)| n == k).count() == 1;
                if !once || k == "x-wamon-token" || k == "x-webhook-hmac" {
                    continue;
                }
                let ows = |b: &u8| *b == b' ' || *b == b'\t';
                let start = v.iter().position(|b| !ows(b)).unwrap_or(v.len());
                let end = v.iter().rposition(|b| !ows(b)).map_or(start, |i| i + 1);
                prop_assert_eq!(env.header_bytes(k), Some(&v[start..end]), "header {}", k);
            }
            let bad_sig = matches!(case.sig, Sig::MetaBad | Sig::WahaBad | Sig::Garbage);
            if body.len() <= MAX_BODY {
                prop_assert_eq!(reply.status == 401, bad_sig, "401 exactly for a bad signature");
            }
            if reply.status == 200 {
                let seq = env.seq;
                let shown = h.rt.block_on(async {
                    for _ in 0..200 {
                        if h.handed_on.lock().unwrap().iter().any(|i| i.env.seq == seq) {
                            return true;
                        }
                        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    }
                    false
                });
                prop_assert!(shown, "an accepted webhook reaches the consumer");
            }
        } else if matches!(case.method.as_str(), "GET" | "HEAD") {
            let handshake = case.query.as_deref().is_some_and(|q| q.contains("hub."));
            prop_assert_eq!(new.len(), usize::from(handshake));
            if !handshake {
                prop_assert_eq!(reply.status, 200);
            }
        } else {
            prop_assert_eq!(reply.status, 405);
            prop_assert!(new.is_empty());
        }
    }
}

#[test]
fn a_reply_is_parsed_from_what_the_server_sent() {
    // The harness's own parser, on a known reply, so a broken parser cannot pass every case.
    let r = parse_reply(
        b"HTTP/1.1 404 Not Found\r\ncontent-type: text/plain; charset=utf-8\r\n\r\nnot found\n",
    );
    assert_eq!((r.status, r.body.as_str()), (404, "not found\n"));
}
