//! Scripted replies on the screen: the status bar says rules are active, and a row whose
//! request wamon answered with anything but 200 says what it answered (`⇐ 500`), in the message
//! view and the raw events view alike.

mod common;

use common::{key, text_of, START_MS};
use crossterm::event::KeyCode;
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ratatui::Terminal;
use serde_json::json;
use wamon::envelope::Envelope;
use wamon::run_info::RunInfo;
use wamon::ui::App;

fn waha_in(id: &str, body: &str) -> Vec<u8> {
    json!({"event":"message","session":"default","engine":"WEBJS","payload":{
        "id": format!("false_5511988881111@c.us_{id}"), "timestamp": 1_795_262_400,
        "from": "5511988881111@c.us", "fromMe": false, "body": body, "hasMedia": false,
        "_data": {"notifyName": "Ana"}}})
    .to_string()
    .into_bytes()
}

/// Three requests: answered 200, scripted 500, then the provider's retry of the same message,
/// answered 500 again; then one answered 200 with a delay (nothing to show).
fn app_with_answers() -> App {
    let mut a = App::new(RunInfo {
        reply_rules: 2,
        ..RunInfo::new("127.0.0.1:8080".parse().unwrap())
    });
    let answered = [
        (waha_in("A1", "first, answered 200"), 200, None),
        (
            waha_in("B2", "second, answered 500"),
            500,
            Some("scripted reply (rule 1: path=/waha status=500)"),
        ),
        (
            waha_in("B2", "second, answered 500"),
            500,
            Some("scripted reply (rule 1: path=/waha status=500)"),
        ),
        (waha_in("C3", "third, answered 200 late"), 200, None),
    ];
    let envs = answered
        .into_iter()
        .enumerate()
        .map(|(i, (body, status, note))| {
            let seq = i as u64 + 1;
            let mut env = Envelope::post(seq, START_MS + 1000 * seq as i64, body);
            env.path = "/waha".into();
            env.status = status;
            env.note = note.map(str::to_owned);
            env
        });
    common::ingest(&mut a, envs);
    a
}

fn draw(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| wamon::ui::draw(f, app, START_MS + 10_000))
        .unwrap();
    t
}

/// The rows holding `needle`.
fn lines_with(text: &str, needle: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.contains(needle))
        .map(str::to_owned)
        .collect()
}

#[test]
fn rules_and_answers_show_on_the_screen() {
    let mut a = app_with_answers();
    let t = draw(&mut a, 140, 14);
    let buf = t.backend().buffer();
    let text = text_of(buf);
    let status_bar = text.lines().last().unwrap();
    assert!(status_bar.contains("replies: 2 rules"), "{status_bar}");
    let marked = lines_with(&text, "⇐");
    assert_eq!(marked.len(), 1, "only the message answered 500: {text}");
    assert!(marked[0].contains("second, answered 500"), "{}", marked[0]);
    assert!(marked[0].contains("×2") && marked[0].contains("⇐ 500"));
    assert!(colours_of(buf, "⇐").iter().all(|c| *c == Color::Red));
    let bar_row = buf.area.height - 1;
    let r_of_replies = (0..buf.area.width)
        .find(|&x| buf[(x, bar_row)].symbol() == "r" && buf[(x + 1, bar_row)].symbol() == "e")
        .unwrap();
    assert_eq!(buf[(r_of_replies, bar_row)].fg, Color::Yellow);
    insta::assert_snapshot!(t.backend());

    // The raw events view marks each event of the requests answered 500.
    key(&mut a, KeyCode::Char('r'));
    let text = text_of(draw(&mut a, 140, 14).backend().buffer());
    assert_eq!(lines_with(&text, "⇐ 500").len(), 2, "{text}");
    assert!(lines_with(&text, "first, answered 200")
        .iter()
        .all(|l| !l.contains('⇐')));
}

#[test]
fn a_narrow_status_bar_keeps_the_rules_marker() {
    let mut a = app_with_answers();
    let text = text_of(draw(&mut a, 80, 10).backend().buffer());
    assert!(text.lines().last().unwrap().contains("replies:2"), "{text}");
    let mut none = App::new(RunInfo::new("127.0.0.1:8080".parse().unwrap()));
    let text = text_of(draw(&mut none, 140, 10).backend().buffer());
    assert!(!text.contains("replies"), "{text}");
}

fn colours_of(buf: &ratatui::buffer::Buffer, sym: &str) -> Vec<Color> {
    let mut out = Vec::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            if buf[(x, y)].symbol() == sym {
                out.push(buf[(x, y)].fg);
            }
        }
    }
    out
}
