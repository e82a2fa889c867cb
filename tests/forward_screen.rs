//! The bot's answers on the screen (TestBackend): the `↪` marker at the end of a row, the
//! status bar's counts, and the detail pane's bot-reply view, with the bot's bytes made safe.

mod common;

use bytes::Bytes;
use common::{key, text_of, START_MS};
use crossterm::event::KeyCode;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::sync::Arc;
use wamon::envelope::Envelope;
use wamon::forward::{ForwardRecord, ForwardStats};
use wamon::ingest::{Forwarded, Item};
use wamon::monitor::Focus;
use wamon::outbound::{Answer, Failure};
use wamon::run_info::{ForwardInfo, RunInfo};
use wamon::ui::App;

const WAHA: &str = r#"{"event":"message","session":"default","payload":{"id":"false_111@c.us_A1","timestamp":1795262401,"from":"111@c.us","fromMe":false,"body":"order status?","_data":{"notifyName":"Ana"}}}"#;
const WAHA2: &str = r#"{"event":"message","session":"default","payload":{"id":"false_111@c.us_A2","timestamp":1795262402,"from":"111@c.us","fromMe":false,"body":"hello?","_data":{"notifyName":"Ana"}}}"#;

fn app() -> App {
    App::new(RunInfo {
        forward: Some(ForwardInfo {
            url: "http://127.0.0.1:3000".into(),
            proxy: false,
            stats: Arc::new(ForwardStats::default()),
        }),
        ..RunInfo::new("127.0.0.1:8080".parse().unwrap())
    })
}

fn forwarded(r: ForwardRecord) -> Item {
    Item::Forward(Forwarded {
        record: Arc::new(r),
        capture_offset: None,
        capture_file: 0,
        from_load: false,
    })
}

fn draw(app: &mut App) -> String {
    let mut t = Terminal::new(TestBackend::new(140, 30)).unwrap();
    t.draw(|f| wamon::ui::draw(f, app, START_MS + 10_000))
        .unwrap();
    text_of(t.backend().buffer())
}

#[test]
fn rows_end_with_the_bots_answer_and_the_reply_view_shows_it_safely() {
    let mut a = app();
    common::ingest(
        &mut a,
        [
            Envelope::post(1, START_MS + 1000, WAHA),
            Envelope::post(2, START_MS + 2000, WAHA2),
        ],
    );
    let answer = Answer {
        status: 201,
        headers: vec![("x-evil".into(), b"a\x1b]2;pwned\x07".to_vec())],
        body: Bytes::from_static(b"{\"reply\":\"sent\x1b]52;c;aGk=\x07\"}"),
        truncated: false,
        ms: 12,
    };
    let mut batch = vec![
        forwarded(ForwardRecord::answered(
            1,
            START_MS + 1100,
            "http://127.0.0.1:3000/".into(),
            answer,
        )),
        forwarded(ForwardRecord::failed(
            2,
            START_MS + 2100,
            "http://127.0.0.1:3000/".into(),
            &Failure::Refused,
        )),
    ];
    a.apply(&mut batch, START_MS + 3000);
    let screen = draw(&mut a);
    assert!(screen.contains("↪ 201 · 12 ms"), "{screen}");
    assert!(screen.contains("↪ ✗ refused"), "{screen}");
    assert!(
        screen.contains("↪ http://127.0.0.1:3000"),
        "status bar: {screen}"
    );

    // The first row, its bot-reply view (the fifth view).
    a.act(
        wamon::monitor::Action::Focus(Focus::Stream),
        common::START_MS,
    );
    key(&mut a, KeyCode::Home);
    a.act(
        wamon::monitor::Action::Focus(Focus::Detail),
        common::START_MS,
    );
    for _ in 0..4 {
        key(&mut a, KeyCode::Char('v'));
    }
    let screen = draw(&mut a);
    assert!(screen.contains("bot reply"), "{screen}");
    assert!(screen.contains("answered 201 in 12 ms"), "{screen}");
    assert!(screen.contains("\"reply\""), "{screen}");
    assert!(screen.contains("x-evil: a"), "{screen}");
    assert!(!screen.contains('\x1b') && !screen.contains('\x07'));
    insta::assert_snapshot!(screen);
}

#[test]
fn without_forwarding_the_reply_view_says_how_to_turn_it_on() {
    let mut a = App::new(RunInfo::new("127.0.0.1:8080".parse().unwrap()));
    common::ingest(&mut a, [Envelope::post(1, START_MS + 1000, WAHA)]);
    a.act(
        wamon::monitor::Action::Focus(Focus::Detail),
        common::START_MS,
    );
    for _ in 0..4 {
        key(&mut a, KeyCode::Char('v'));
    }
    let screen = draw(&mut a);
    assert!(screen.contains("--forward-to"), "{screen}");
}
