//! Soak and crash tests of the real binary, bounded in count and time: tens of thousands of
//! webhooks over 64 keep-alive connections land exactly once in the capture and in the NDJSON;
//! `kill -9` in the middle of a flood loses no request that got a 2xx (a later `--load` has
//! them all).

mod common;

use std::collections::BTreeSet;
use std::io::Read;
use std::process::{Child, Command};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader as AsyncBufReader};

const CONNS: usize = 64;

fn temp_capture(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("wamon-soak-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("run.jsonl")
}

/// Starts `wamon --headless` with `args`; returns it with its address once it listens.
fn start(args: &[&str]) -> (Child, String) {
    let (child, addr, stderr) = common::start_headless(args, std::process::Stdio::piped());
    common::drain(stderr);
    (child, addr)
}

fn body(i: usize) -> String {
    format!(
        r#"{{"event":"message","session":"s","payload":{{"id":"false_{}@c.us_K{i}","from":"{}@c.us","fromMe":false,"body":"soak {i}"}}}}"#,
        5511900000000u64 + (i % 97) as u64,
        5511900000000u64 + (i % 97) as u64,
    )
}

/// Posts `bodies` one after another on one keep-alive connection; the seq of every 200 reply.
/// Stops quietly when the server goes away.
async fn post_all(addr: String, bodies: Vec<String>) -> Vec<u64> {
    let mut accepted = Vec::new();
    let Ok(stream) = tokio::net::TcpStream::connect(&addr).await else {
        return accepted;
    };
    let (r, mut w) = stream.into_split();
    let mut r = AsyncBufReader::new(r);
    for body in bodies {
        let req = format!(
            "POST /soak HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if w.write_all(req.as_bytes()).await.is_err() {
            break;
        }
        // Status line, headers, then exactly Content-Length bytes of body.
        let mut status = String::new();
        if r.read_line(&mut status).await.unwrap_or(0) == 0 {
            break;
        }
        let mut len = 0usize;
        loop {
            let mut h = String::new();
            if r.read_line(&mut h).await.unwrap_or(0) == 0 {
                return accepted;
            }
            if h == "\r\n" {
                break;
            }
            if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            }
        }
        let mut reply = vec![0; len];
        if r.read_exact(&mut reply).await.is_err() {
            break;
        }
        if status.starts_with("HTTP/1.1 200") {
            let v: serde_json::Value = serde_json::from_slice(&reply).unwrap();
            accepted.push(v["seq"].as_u64().unwrap());
        }
    }
    accepted
}

/// Sends `n` webhooks over [`CONNS`] connections; every seq that got a 200.
async fn flood(addr: &str, n: usize) -> Vec<u64> {
    let tasks: Vec<_> = (0..CONNS)
        .map(|c| {
            let bodies = (c..n).step_by(CONNS).map(body).collect();
            tokio::spawn(post_all(addr.to_owned(), bodies))
        })
        .collect();
    let mut seqs = Vec::new();
    for t in tasks {
        seqs.extend(t.await.unwrap());
    }
    seqs
}

fn captured_seqs(capture: &std::path::Path) -> (Vec<u64>, usize) {
    let file = std::fs::read(capture).unwrap();
    let loaded = wamon::capture::read_all(&file[..]).unwrap();
    let seqs = loaded.envelopes.iter().map(|(e, _)| e.seq).collect();
    (seqs, loaded.warnings.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_thousand_webhooks_over_64_connections_land_exactly_once() {
    const N: usize = 20_000;
    let capture = temp_capture("once");
    let (mut child, addr) = start(&["--capture", capture.to_str().unwrap()]);
    let mut stdout = child.stdout.take().unwrap();
    let printed = std::thread::spawn(move || {
        let mut out = String::new();
        stdout.read_to_string(&mut out).unwrap();
        out
    });
    let accepted = flood(&addr, N).await;
    assert_eq!(accepted.len(), N, "every webhook answered 200");
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    assert!(child.wait().unwrap().success());
    let want: BTreeSet<u64> = accepted.iter().copied().collect();
    assert_eq!(want.len(), N, "distinct seqs");

    let (seqs, warnings) = captured_seqs(&capture);
    assert_eq!(warnings, 0);
    assert_eq!(seqs.len(), N, "one capture line each");
    assert_eq!(seqs.iter().copied().collect::<BTreeSet<_>>(), want);

    let out = printed.join().unwrap();
    let lines: Vec<u64> = out
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["seq"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(lines.len(), N, "one NDJSON line each");
    assert_eq!(lines.iter().copied().collect::<BTreeSet<_>>(), want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_flood_loses_no_answered_webhook() {
    let capture = temp_capture("kill9");
    let (mut child, addr) = start(&["--capture", capture.to_str().unwrap()]);
    let _stdout = child.stdout.take();
    let pid = child.id().to_string();
    // Kill it while the flood is in full swing.
    let killer = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(400)).await;
        let _ = Command::new("kill").args(["-9", &pid]).status();
    });
    let accepted = flood(&addr, 200_000).await;
    killer.await.unwrap();
    let _ = child.wait();
    assert!(!accepted.is_empty(), "some were answered before the kill");
    assert!(accepted.len() < 200_000, "the kill came mid-flood");

    // What `--load` reads back: a torn last line at most, and every answered request.
    let (seqs, warnings) = captured_seqs(&capture);
    assert!(warnings <= 1, "at most the line being written: {warnings}");
    let have: BTreeSet<u64> = seqs.into_iter().collect();
    let missing: Vec<u64> = accepted
        .iter()
        .filter(|s| !have.contains(s))
        .copied()
        .collect();
    assert!(
        missing.is_empty(),
        "answered 200 but not in the capture: {missing:?}"
    );
}
