//! What wamon prints is safe to print: capture lines and headless NDJSON carry no raw C1
//! control, DEL, bidi control or line/paragraph separator (JSON escapes instead), and decode
//! back to exactly what was received. Under `--redact`, NDJSON lines are masked.

use serde_json::{json, Value};
use std::sync::Arc;
use wamon::display::Intake;
use wamon::envelope::Envelope;
use wamon::ingest::Ingest;
use wamon::store::Store;

/// Every character a printed line must not carry raw.
const NASTY: &str = "\u{1b}]52;c;aGk=\u{7}\u{1b}[2J\u{7f}\u{85}\u{9b}31m\u{202a}\u{202e}\u{2066}\u{2069}\u{2028}\u{2029}";

fn raw_nasty(line: &[u8]) -> Vec<char> {
    let text = std::str::from_utf8(line).expect("UTF-8 line");
    let text = text.strip_suffix('\n').unwrap_or(text);
    text.chars()
        .filter(|&c| {
            c.is_control()
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c)
                || c == '\u{2028}'
                || c == '\u{2029}'
        })
        .collect()
}

fn hostile_envelope() -> Envelope {
    let body = json!({"event": "message", "session": "default", "payload": {
        "id": "false_5511988881111@c.us_AAA", "from": "5511988881111@c.us", "fromMe": false,
        "body": format!("hi {NASTY}"), "_data": {"notifyName": format!("Gerald{NASTY}")}}});
    let mut env = Envelope::post(7, 1_795_262_400_123, body.to_string().into_bytes());
    env.path = format!("/hook{NASTY}");
    env.query = Some(format!("a={NASTY}"));
    env.headers = vec![("user-agent".into(), format!("ua{NASTY}").into())];
    env
}

#[test]
fn capture_lines_escape_terminal_controls_and_load_back_byte_exact() {
    let mut env = hostile_envelope();
    env.note = Some(format!("note{NASTY}"));
    for body in [env.body.to_vec(), NASTY.as_bytes().to_vec()] {
        env.body = body.into();
        let line = wamon::capture::encode(&env);
        assert_eq!(raw_nasty(&line), Vec::<char>::new());
        let back = wamon::capture::decode(&line, 1).expect("decodes");
        assert_eq!(back, env);
        // The loader's path: a whole file, decoded in parallel chunks.
        let mut file = wamon::capture::header_line(0);
        file.extend(&line);
        let loaded = wamon::loader::load_bytes(&file);
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
        assert_eq!(*loaded.items[0].clone().request().unwrap().env, env);
        assert_eq!(wamon::loader::max_seq(&file), 7);
    }
}

fn ndjson(intake: &mut Intake, env: Envelope) -> Vec<Value> {
    let normalized = wamon::provider::normalize(&env);
    let ing = Ingest {
        env: Arc::new(env),
        normalized,
        capture_offset: None,
        capture_file: 0,
        from_load: false,
    };
    let mut out = Vec::new();
    wamon::headless::apply_and_render(&mut Store::new(), intake, &ing, &mut out);
    assert_eq!(raw_nasty(&out).iter().filter(|c| **c != '\n').count(), 0);
    out.split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).expect("a JSON line"))
        .collect()
}

#[test]
fn ndjson_lines_escape_terminal_controls_and_keep_exact_values() {
    let lines = ndjson(&mut Intake::printer(false), hostile_envelope());
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["text"], format!("hi {NASTY}"));
    assert_eq!(lines[0]["sender_name"], format!("Gerald{NASTY}"));
}

#[test]
fn ndjson_lines_are_masked_under_redact() {
    let lines = ndjson(&mut Intake::printer(true), hostile_envelope());
    let line = lines[0].to_string();
    for personal in ["5511988881111", "Gerald", "hi "] {
        assert!(!line.contains(personal), "{personal} in {line}");
    }
    let chat = lines[0]["chat"].as_str().unwrap();
    assert!(chat.starts_with('#') && chat.ends_with("@c.us"), "{chat}");
    assert_eq!(lines[0]["sender"], chat);
    assert_eq!(lines[0]["kind"], "message");
}
