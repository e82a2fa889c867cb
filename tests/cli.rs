//! The binary end to end: `wamon --headless` receives what `wamon send conversation --provider
//! all` posts over HTTP and prints NDJSON whose final state matches the hand-written truths in
//! `assets/demo/conversation/expect.json`.

use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use wamon::model::bare_message_id;

const BIN: &str = env!("CARGO_BIN_EXE_wamon");

struct Headless {
    child: Child,
    url: String,
    stderr: BufReader<std::process::ChildStderr>,
    /// What it said on stderr before it was listening.
    preamble: String,
}

fn start_headless(extra: &[&str]) -> Headless {
    let mut child = Command::new(BIN)
        .args(["--headless", "--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wamon starts");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    let mut preamble = String::new();
    let url = loop {
        line.clear();
        let n = stderr.read_line(&mut line).unwrap();
        assert!(n > 0, "wamon exited early: {preamble}");
        if let Some(u) = line.trim().strip_prefix("wamon: listening on ") {
            break u.to_owned();
        }
        preamble.push_str(&line);
    };
    Headless {
        child,
        url,
        stderr,
        preamble,
    }
}

/// Stops the monitor like a service manager would (SIGTERM) and returns its NDJSON lines.
fn stop(mut h: Headless) -> (Vec<Value>, String) {
    let pid = h.child.id().to_string();
    let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(status.success());
    let mut out = String::new();
    h.child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let mut err = h.preamble.clone();
    h.stderr.read_to_string(&mut err).unwrap();
    let exit = h.child.wait().unwrap();
    assert!(exit.success(), "wamon exited with {exit}: {err}");
    let lines = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    (lines, err)
}

fn send(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(["send"])
        .args(args)
        .args(["--to", url, "--speed", "max"])
        .output()
        .unwrap()
}

fn s(v: &Value) -> Option<&str> {
    v.as_str()
}

/// What the NDJSON lines of one provider add up to.
#[derive(Default, Debug)]
struct Seen {
    incoming: HashSet<String>,
    outgoing: HashSet<String>,
    acks: HashMap<String, String>,
    out_of_order: usize,
    duplicates: usize,
    reactions: HashMap<String, BTreeMap<String, String>>,
    edited: HashMap<String, String>,
    revoked: HashSet<String>,
    polls: HashMap<String, Value>,
}

fn fold(lines: &[&Value]) -> Seen {
    let mut seen = Seen::default();
    for l in lines {
        let kind = s(&l["kind"]).unwrap_or("");
        let id = s(&l["message_id"]).map(|i| bare_message_id(i).to_owned());
        let target = s(&l["target"]).map(|i| bare_message_id(i).to_owned());
        if l["duplicate"] == true && kind == "message" {
            seen.duplicates += 1;
        }
        if l["out_of_order"] == true && kind == "status" {
            seen.out_of_order += 1;
        }
        if let (Some(ack), Some(i)) = (s(&l["ack"]), id.clone().or(target.clone())) {
            seen.acks.insert(i, ack.to_owned());
        }
        if let (Some(poll), Some(i)) = (l["poll"].as_object(), target.clone().or(id.clone())) {
            seen.polls.insert(i, Value::Object(poll.clone()));
        }
        match kind {
            "message" => {
                if let Some(i) = id {
                    if l["from_me"] == true {
                        seen.outgoing.insert(i);
                    } else {
                        seen.incoming.insert(i);
                    }
                }
            }
            "reaction" => {
                let who = if l["from_me"] == true {
                    "me".to_owned()
                } else {
                    s(&l["sender"]).unwrap_or("?").to_owned()
                };
                let emoji = s(&l["emoji"]).unwrap_or("").to_owned();
                seen.reactions
                    .entry(target.unwrap_or_default())
                    .or_default()
                    .insert(who, emoji);
            }
            "edit" => {
                seen.edited.insert(
                    target.unwrap_or_default(),
                    s(&l["text"]).unwrap_or("").to_owned(),
                );
            }
            "revoke" => {
                seen.revoked.insert(target.unwrap_or_default());
            }
            _ => {}
        }
    }
    seen
}

fn check_provider(name: &str, expect: &Value, lines: &[&Value]) -> Vec<String> {
    let seen = fold(lines);
    let mut problems = Vec::new();
    let mut check = |what: &str, ok: bool, detail: String| {
        if !ok {
            problems.push(format!("{name}: {what}: {detail}"));
        }
    };
    let n = |k: &str| expect[k].as_u64().unwrap_or(0) as usize;
    check(
        "incoming messages",
        seen.incoming.len() == n("incoming_messages"),
        format!(
            "expected {}, got {} {:?}",
            n("incoming_messages"),
            seen.incoming.len(),
            seen.incoming
        ),
    );
    check(
        "outgoing messages",
        seen.outgoing.len() == n("outgoing_messages"),
        format!(
            "expected {}, got {} {:?}",
            n("outgoing_messages"),
            seen.outgoing.len(),
            seen.outgoing
        ),
    );
    check(
        "out-of-order statuses",
        seen.out_of_order == n("out_of_order_statuses"),
        format!(
            "expected {}, got {}",
            n("out_of_order_statuses"),
            seen.out_of_order
        ),
    );
    check(
        "duplicates",
        seen.duplicates == n("duplicates"),
        format!("expected {}, got {}", n("duplicates"), seen.duplicates),
    );
    for (id, ack) in expect["acks"].as_object().into_iter().flatten() {
        let got = seen.acks.get(bare_message_id(id));
        check(
            "ack",
            got.map(String::as_str) == ack.as_str(),
            format!("{id}: expected {ack}, got {got:?}"),
        );
    }
    for (id, counts) in expect["reactions"].as_object().into_iter().flatten() {
        let mut got: BTreeMap<String, u64> = BTreeMap::new();
        for emoji in seen
            .reactions
            .get(bare_message_id(id))
            .into_iter()
            .flat_map(|m| m.values())
        {
            if !emoji.is_empty() {
                *got.entry(emoji.clone()).or_default() += 1;
            }
        }
        let want: BTreeMap<String, u64> = counts
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
            .collect();
        check(
            "reactions",
            got == want,
            format!("{id}: expected {want:?}, got {got:?}"),
        );
    }
    for (id, text) in expect["edited"].as_object().into_iter().flatten() {
        let got = seen.edited.get(bare_message_id(id));
        check(
            "edit",
            got.map(String::as_str) == text.as_str(),
            format!("{id}: expected {text}, got {got:?}"),
        );
    }
    for id in expect["revoked"].as_array().into_iter().flatten() {
        let id = bare_message_id(id.as_str().unwrap());
        check(
            "revoke",
            seen.revoked.contains(id),
            format!("{id} not revoked"),
        );
    }
    if let Some(poll) = expect.get("poll").filter(|p| p.is_object()) {
        let id = bare_message_id(poll["id"].as_str().unwrap());
        match seen.polls.get(id) {
            None => check("poll", false, format!("no tally for {id}")),
            Some(t) => {
                let got: BTreeMap<String, u64> = t["options"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| {
                        (
                            o["name"].as_str().unwrap().to_owned(),
                            o["votes"].as_u64().unwrap(),
                        )
                    })
                    .collect();
                let want: BTreeMap<String, u64> = poll["tally"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
                    .collect();
                check(
                    "poll tally",
                    got == want,
                    format!("expected {want:?}, got {got:?}"),
                );
                check(
                    "poll voters",
                    t["voters"] == poll["voters"],
                    format!("expected {}, got {}", poll["voters"], t["voters"]),
                );
                if let Some(u) = poll.get("unknown_votes") {
                    check(
                        "poll unknown votes",
                        t["unknown_votes"] == *u,
                        format!("expected {u}, got {}", t["unknown_votes"]),
                    );
                }
                if let Some(q) = poll["question"].as_str() {
                    check(
                        "poll question",
                        t["question"] == q,
                        format!("expected {q}, got {}", t["question"]),
                    );
                }
            }
        }
    }
    problems
}

#[test]
fn headless_prints_the_right_ndjson_for_every_providers_demo() {
    let h = start_headless(&["--no-capture"]);
    let out = send(&h.url, &["conversation", "--provider", "all"]);
    assert!(
        out.status.success(),
        "send failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (lines, _) = stop(h);
    assert!(lines.len() > 100, "only {} lines", lines.len());
    for l in &lines {
        assert_eq!(l["v"], 1);
        for key in [
            "seq",
            "received_at",
            "provider",
            "account",
            "event",
            "kind",
            "chat",
            "ack",
            "poll",
            "error",
            "text",
            "type",
        ] {
            assert!(l.get(key).is_some(), "line lacks {key}: {l}");
        }
    }
    let expect: Value =
        serde_json::from_str(include_str!("../assets/demo/conversation/expect.json")).unwrap();
    let mut problems = Vec::new();
    for (provider, exp) in expect.as_object().unwrap() {
        let mine: Vec<&Value> = lines
            .iter()
            .filter(|l| l["provider"] == provider.as_str())
            .collect();
        assert!(!mine.is_empty(), "no lines from {provider}");
        problems.extend(check_provider(provider, exp, &mine));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Past `--max-events` headless mode keeps printing one line per event on stdout, nothing else,
/// and says on stderr that it evicts.
#[test]
fn headless_past_max_events_tells_stderr_and_keeps_stdout_to_the_schema() {
    let h = start_headless(&["--no-capture", "--max-events", "20"]);
    let out = send(&h.url, &["conversation", "--provider", "all"]);
    assert!(out.status.success());
    let (lines, err) = stop(h);
    assert!(lines.len() > 100, "only {} lines", lines.len());
    assert!(lines.iter().all(|l| l["v"] == 1 && l.get("kind").is_some()));
    assert!(
        err.contains("more than 20 events (--max-events): the oldest are evicted from memory"),
        "{err}"
    );
}

#[test]
fn problems_are_answered_clearly_and_still_printed() {
    let h = start_headless(&["--no-capture", "--waha-hmac-key", "k"]);
    let out = send(&h.url, &["problems"]);
    assert!(out.status.success());
    let (lines, _) = stop(h);
    let kinds: Vec<&str> = lines.iter().filter_map(|l| l["kind"].as_str()).collect();
    assert!(kinds.contains(&"malformed"), "{kinds:?}");
    assert!(kinds.contains(&"unknown"), "{kinds:?}");
    assert!(kinds.contains(&"rejected"), "{kinds:?}");
    let report = String::from_utf8_lossy(&out.stderr);
    assert!(report.contains(" 400 "), "{report}");
    assert!(report.contains(" 401 "), "{report}");
}

#[test]
fn a_capture_can_be_loaded_back_even_with_a_torn_last_line() {
    let dir = std::env::temp_dir().join(format!("wamon-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let capture = dir.join("run.jsonl");
    let _ = std::fs::remove_file(&capture);
    let h = start_headless(&["--capture", capture.to_str().unwrap()]);
    let out = send(&h.url, &["conversation", "--provider", "whapi"]);
    assert!(out.status.success());
    let (first, _) = stop(h);
    // Simulate a crash mid-write.
    let mut bytes = std::fs::read(&capture).unwrap();
    bytes.extend_from_slice(br#"{"seq":999,"received_at":"2026-"#);
    std::fs::write(&capture, &bytes).unwrap();
    let h = start_headless(&["--no-capture", "--load", capture.to_str().unwrap()]);
    std::thread::sleep(std::time::Duration::from_millis(500));
    let (loaded, err) = stop(h);
    assert!(err.contains("torn last line"), "{err}");
    assert_eq!(loaded.len(), first.len());
    let strip = |v: &Value| {
        let mut v = v.clone();
        v.as_object_mut().unwrap().remove("received_at");
        v
    };
    for (a, b) in first.iter().zip(&loaded) {
        assert_eq!(strip(a), strip(b));
    }
}

#[test]
fn send_explains_an_unknown_scenario() {
    let out = Command::new(BIN)
        .args(["send", "nope", "--to", "http://127.0.0.1:9"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("conversation"));
}
