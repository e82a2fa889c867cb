//! Shared by the receiver tests: a receiver on a real TCP port with a capture file, and raw
//! HTTP/1.1 requests over fresh connections.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use wamon::capture_writer::CaptureWriter;
use wamon::ingest::{Ingest, Item};
use wamon::receiver::{Receiver, ReceiverConfig, ReceiverStats};

pub struct Running {
    pub addr: SocketAddr,
    pub rx: mpsc::Receiver<Item>,
    pub capture: PathBuf,
    pub receiver: Arc<Receiver>,
    pub stats: Arc<ReceiverStats>,
    pub stop: watch::Sender<bool>,
    pub server: JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// The next request handed to the consumer (forward results skipped).
    pub async fn next(&mut self) -> Ingest {
        loop {
            match self.rx.recv().await.expect("the receiver is running") {
                Item::Request(ing) => return ing,
                Item::Forward(_) => continue,
            }
        }
    }

    /// Every request line in the capture file so far.
    pub fn captured(&self) -> Vec<wamon::envelope::Envelope> {
        let file = std::fs::read(&self.capture).unwrap();
        wamon::capture::read_all(&file[..])
            .unwrap()
            .envelopes
            .into_iter()
            .map(|(e, _)| e)
            .collect()
    }
}

pub async fn start(cfg: ReceiverConfig) -> Running {
    start_with_channel(cfg, 64).await
}

/// A receiver whose ingest channel holds `capacity` requests (nobody drains it but the test).
pub async fn start_with_channel(cfg: ReceiverConfig, capacity: usize) -> Running {
    start_full(cfg, capacity, true).await
}

/// A receiver with or without a capture file (`capture` is then a path nothing writes to).
pub async fn start_full(cfg: ReceiverConfig, capacity: usize, with_capture: bool) -> Running {
    let dir = std::env::temp_dir().join(format!(
        "wamon-recv-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    let capture = dir.join("run.jsonl");
    let writer = with_capture.then(|| CaptureWriter::open(&capture, 0).unwrap());
    let (tx, rx) = mpsc::channel(capacity);
    let receiver = Receiver::new(cfg, 1, writer, tx);
    let stats = receiver.stats();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, mut stop_rx) = watch::channel(false);
    let server = tokio::spawn(wamon::receiver::serve(
        listener,
        receiver.clone(),
        async move {
            // A test that drops `stop` keeps its server.
            if stop_rx.wait_for(|s| *s).await.is_err() {
                std::future::pending::<()>().await;
            }
        },
    ));
    Running {
        addr,
        rx,
        capture,
        receiver,
        stats,
        stop,
        server,
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
        + std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos() as u64
}

pub fn cfg() -> ReceiverConfig {
    ReceiverConfig {
        verify_token: Some("s3cret".into()),
        max_body: 64 * 1024,
        ..ReceiverConfig::default()
    }
}

pub struct Reply {
    pub status: u16,
    pub content_type: String,
    /// Header lines, names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request over a fresh TCP connection.
pub async fn http(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let headers: Vec<(&str, &[u8])> = headers.iter().map(|(k, v)| (*k, v.as_bytes())).collect();
    raw(
        addr,
        &request_bytes(&addr.to_string(), method, target, &headers, body),
    )
    .await
}

/// The bytes of one `Connection: close` HTTP/1.1 request to `host`; header values are bytes
/// (they need not be UTF-8).
pub fn request_bytes(
    host: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &[u8])],
    body: &[u8],
) -> Vec<u8> {
    let mut req = format!(
        "{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    )
    .into_bytes();
    for (k, v) in headers {
        req.extend_from_slice(k.as_bytes());
        req.extend_from_slice(b": ");
        req.extend_from_slice(v);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"\r\n");
    req.extend_from_slice(body);
    req
}

/// Sends `request` as is over a fresh connection and reads the reply until the server closes.
pub async fn raw(addr: SocketAddr, request: &[u8]) -> Reply {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.unwrap();
    parse_reply(&raw)
}

pub fn parse_reply(raw: &[u8]) -> Reply {
    let text = String::from_utf8_lossy(raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {head:?}"));
    let headers: Vec<(String, String)> = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let content_type = headers
        .iter()
        .find(|(k, _)| k == "content-type")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    Reply {
        status,
        content_type,
        headers,
        body: body.to_owned(),
    }
}

pub const WAHA_BODY: &str = r#"{"event":"message","session":"default","engine":"WEBJS","payload":{"id":"false_111@c.us_AAA","timestamp":1667561485,"from":"111@c.us","fromMe":false,"body":"Hi there!","hasMedia":false}}"#;
pub const META_BODY: &str = r#"{"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"1"},"messages":[{"from":"16505551234","id":"wamid.A","timestamp":"1749416383","type":"text","text":{"body":"Olá \u00e9"}}]}}]}]}"#;

/// WAHA's `X-Webhook-Hmac` for `body`: HMAC-SHA512 in hex, computed here and not by wamon, so
/// a test checks the receiver against the algorithm, not against itself.
pub fn waha_sig(key: &str, body: &[u8]) -> String {
    hmac_hex::<hmac::Hmac<sha2::Sha512>>(key, body)
}

/// The hex digest of Meta's `X-Hub-Signature-256` (HMAC-SHA256) for `body`, without the
/// `sha256=` prefix.
pub fn meta_sig(secret: &str, body: &[u8]) -> String {
    hmac_hex::<hmac::Hmac<sha2::Sha256>>(secret, body)
}

fn hmac_hex<M: hmac::Mac + hmac::digest::KeyInit>(key: &str, body: &[u8]) -> String {
    let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}
