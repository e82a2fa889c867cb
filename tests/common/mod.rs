//! Helpers shared by the screen tests (snapshots, hostile data), the tmux tests and the tests of
//! the binary: provider bodies and their hostile rewrites, feeding envelopes to a screen, keys,
//! the text of a drawn frame, and a plain blocking POST.

// Each test crate uses its own part of this module.
#![allow(dead_code)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStderr, Command, Stdio};
use std::sync::Arc;
use wamon::envelope::Envelope;
use wamon::ingest::{Ingest, Item};
use wamon::ui::App;

/// A screen with no capture, listening on the default address.
pub fn app() -> App {
    App::new(wamon::run_info::RunInfo::new(
        "127.0.0.1:8080".parse().unwrap(),
    ))
}

/// Feeds bodies as if received one second apart from `START_MS`.
pub fn feed(app: &mut App, bodies: &[Vec<u8>]) {
    let first = app.monitor.store().last_seq() + 1;
    ingest(app, envelopes(first, bodies.to_vec()));
}

/// Draws `app` on a `w`×`h` test terminal, two seconds after its last request.
pub fn draw(app: &mut App, w: u16, h: u16) -> ratatui::Terminal<ratatui::backend::TestBackend> {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    let now = START_MS + 1000 * app.monitor.store().last_seq() as i64 + 2000;
    t.draw(|f| wamon::ui::draw(f, app, now)).unwrap();
    t
}

/// 2026-11-21 12:00:00 UTC: the clock every screen is drawn at.
pub const START_MS: i64 = 1_795_262_400_000;

/// Every provider's demo conversation bodies.
pub fn demo_bodies() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for p in wamon::demo_script::providers("conversation") {
        let text = wamon::demo_script::builtin("conversation", p).unwrap();
        for r in wamon::demo_script::parse_scenario(text, START_MS).unwrap() {
            out.push(r.body);
        }
    }
    out
}

/// Every fixture body of every provider, then every provider's demo conversation.
pub fn bodies() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/fixtures");
    let mut dirs: Vec<_> = std::fs::read_dir(&root).unwrap().flatten().collect();
    dirs.sort_by_key(|d| d.path());
    for dir in dirs {
        let mut files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
        files.sort_by_key(|f| f.path());
        for f in files {
            let name = f.file_name().to_string_lossy().into_owned();
            let json = name.ends_with(".json") && !name.ends_with(".expect.json");
            if json || name.ends_with(".form") {
                out.push(std::fs::read(f.path()).unwrap());
            }
        }
    }
    out.extend(demo_bodies());
    assert!(out.len() > 250, "{} bodies", out.len());
    out
}

/// `v` with its strings passed through `hostile`: every string (and key) when `only` is `None`,
/// else the strings whose document-order index is `k` modulo `m` for `only == Some((k, m))`, so
/// that most of a body still normalises while some of its fields carry the attack.
pub fn rewrite(
    v: &Value,
    only: Option<(usize, usize)>,
    n: &mut usize,
    hostile: &dyn Fn(&str) -> String,
) -> Value {
    match v {
        Value::String(s) => {
            let i = *n;
            *n += 1;
            match only {
                Some((k, m)) if i % m != k => v.clone(),
                _ => Value::String(hostile(s)),
            }
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| rewrite(x, only, n, hostile)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| {
                    let key = if only.is_none() {
                        hostile(k)
                    } else {
                        k.clone()
                    };
                    (key, rewrite(x, only, n, hostile))
                })
                .collect(),
        ),
        _ => v.clone(),
    }
}

/// The hostile variants of one body: everything hostile (keys too), then three variants each
/// with a third of the strings hostile. A body that is not JSON gets the attack in its text.
pub fn variants(body: &[u8], hostile: &dyn Fn(&str) -> String) -> Vec<Vec<u8>> {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        let mut b = hostile("not json ").into_bytes();
        b.extend_from_slice(body);
        return vec![b];
    };
    let mut out = vec![serde_json::to_vec(&rewrite(&v, None, &mut 0, hostile)).unwrap()];
    for k in 0..3 {
        out.push(serde_json::to_vec(&rewrite(&v, Some((k, 3)), &mut 0, hostile)).unwrap());
    }
    out
}

pub fn key(app: &mut App, code: KeyCode) {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE), START_MS);
}

pub fn type_text(app: &mut App, s: &str) {
    for c in s.chars() {
        key(app, KeyCode::Char(c));
    }
}

/// The frame's text, one line per row.
pub fn text_of(buf: &Buffer) -> String {
    let area = buf.area;
    (0..area.height)
        .map(|y| {
            (0..area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Normalises `envs` and hands them to the screen in one batch, as the receiver would.
pub fn ingest(app: &mut App, envs: impl IntoIterator<Item = Envelope>) {
    let mut batch = items(envs);
    app.apply(&mut batch, START_MS);
}

/// Envelopes as the receiver hands them on: normalised, not captured.
pub fn items(envs: impl IntoIterator<Item = Envelope>) -> Vec<Item> {
    envs.into_iter()
        .map(|env| {
            let normalized = wamon::provider::normalize(&env);
            Item::Request(Ingest {
                env: Arc::new(env),
                normalized,
                capture_offset: None,
                capture_file: 0,
                from_load: false,
            })
        })
        .collect()
}

/// Bodies as envelopes numbered from `first`, request `n` received `n` seconds after
/// `START_MS`.
pub fn envelopes(first: u64, bodies: Vec<Vec<u8>>) -> Vec<Envelope> {
    bodies
        .into_iter()
        .enumerate()
        .map(|(i, body)| {
            let seq = first + i as u64;
            Envelope::post(seq, START_MS + 1000 * seq as i64, body)
        })
        .collect()
}

/// POSTs `body` to `addr` (`host:port`) on a fresh connection; the whole reply, or the error.
pub fn post(addr: &str, body: &str) -> std::io::Result<String> {
    let mut s = std::net::TcpStream::connect(addr)?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(30)))?;
    let req = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes())?;
    let mut reply = String::new();
    s.read_to_string(&mut reply)?;
    Ok(reply)
}

/// `wamon --headless --listen 127.0.0.1:0 ARGS` with `stdout`, once it listens: the process, its
/// `host:port`, and its stderr from the line after "listening on".
pub fn start_headless<S: AsRef<std::ffi::OsStr>>(
    args: &[S],
    stdout: Stdio,
) -> (Child, String, BufReader<ChildStderr>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wamon"))
        .args(["--headless", "--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let addr = loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "wamon exited early"
        );
        if let Some(u) = line.trim().strip_prefix("wamon: listening on http://") {
            break u.trim_end_matches('/').to_owned();
        }
    };
    (child, addr, stderr)
}

/// Reads the rest of `stderr` on a thread (so the process never blocks on a full pipe).
pub fn drain(mut stderr: BufReader<ChildStderr>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    })
}

/// A WAHA (WEBJS) message between Gerald and us; `name` is the sender's push name, if it came
/// with one.
pub fn waha_msg(id: &str, from_me: bool, name: Option<&str>, body: &str) -> Vec<u8> {
    let mut payload = serde_json::json!({
        "id": format!("{from_me}_5511988881111@c.us_{id}"), "timestamp": 1_795_262_400,
        "from": if from_me { "5511999990000@c.us" } else { "5511988881111@c.us" },
        "to": if from_me { "5511988881111@c.us" } else { "5511999990000@c.us" },
        "fromMe": from_me, "source": "app", "body": body, "hasMedia": false});
    if let Some(n) = name {
        payload["_data"] = serde_json::json!({ "notifyName": n });
    }
    serde_json::json!({"event":"message","session":"default","engine":"WEBJS","payload":payload})
        .to_string()
        .into_bytes()
}

/// A WAHA `message.ack` for our message `id`.
pub fn waha_ack(id: &str, ack: i64, name: &str) -> Vec<u8> {
    serde_json::json!({"event":"message.ack","session":"default","engine":"WEBJS","payload":{
        "id": format!("true_5511988881111@c.us_{id}"), "from": "5511999990000@c.us", "to": "5511988881111@c.us",
        "fromMe": true, "ack": ack, "ackName": name}})
    .to_string()
    .into_bytes()
}

/// Gerald reacting with `emoji` to our message `target`.
pub fn waha_reaction(target: &str, emoji: &str) -> Vec<u8> {
    serde_json::json!({"event":"message.reaction","session":"default","engine":"WEBJS","payload":{
        "id": "false_5511988881111@c.us_R1", "from": "5511988881111@c.us", "fromMe": false,
        "timestamp": 1_795_262_400,
        "reaction": {"text": emoji, "messageId": format!("true_5511988881111@c.us_{target}")}}})
    .to_string()
    .into_bytes()
}
