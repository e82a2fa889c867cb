//! A gzipped webhook on the screen: its event, the detail pane's raw-JSON view and body search
//! all read the decoded body, while the request keeps its compressed bytes.

mod common;

use common::{key, text_of, type_text, START_MS};
use crossterm::event::KeyCode;
use flate2::write::GzEncoder;
use flate2::Compression;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::io::Write;
use wamon::envelope::Envelope;
use wamon::monitor::Focus;
use wamon::run_info::RunInfo;
use wamon::ui::App;

fn fixture() -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/fixtures/waha/message-text-webjs.json"
    );
    std::fs::read(path).unwrap()
}

fn gzipped(seq: u64, body: &[u8]) -> Envelope {
    let mut w = GzEncoder::new(Vec::new(), Compression::default());
    w.write_all(body).unwrap();
    let mut env = Envelope::post(seq, START_MS + 1000 * seq as i64, w.finish().unwrap());
    env.headers
        .push(("content-encoding".into(), b"gzip".to_vec()));
    env
}

fn screen(app: &mut App) -> String {
    let mut t = Terminal::new(TestBackend::new(160, 40)).unwrap();
    t.draw(|f| wamon::ui::draw(f, app, START_MS + 10_000))
        .unwrap();
    text_of(t.backend().buffer())
}

#[test]
fn the_raw_view_and_body_search_read_the_decoded_body() {
    let mut a = App::new(RunInfo::new("127.0.0.1:8080".parse().unwrap()));
    let mut unsupported = gzipped(2, &fixture());
    unsupported.headers[0].1 = b"br".to_vec();
    common::ingest(&mut a, [gzipped(1, &fixture()), unsupported]);
    let text = screen(&mut a);
    assert!(text.contains("Hi there!"), "{text}");

    // The raw view of the gzipped request: its JSON, not its compressed bytes.
    key(&mut a, KeyCode::Char('/'));
    // The event id is only in the body, never in an event.
    type_text(&mut a, "evt_01jnqv8k2m3n4p5q6r7s8t9v0w");
    key(&mut a, KeyCode::Enter);
    assert_eq!(
        a.monitor.view().rows.len(),
        1,
        "body search finds the decoded text"
    );
    key(&mut a, KeyCode::Tab);
    assert_eq!(a.monitor.focus(), Focus::Detail);
    let text = screen(&mut a);
    assert!(
        text.contains("\"session\": \"default\"") || text.contains("\"session\":\"default\""),
        "{text}"
    );
    // The headers view gives the size received, and that it is compressed.
    let headers = (0..4).find_map(|_| {
        key(&mut a, KeyCode::Char('v'));
        let text = screen(&mut a);
        text.contains("content-encoding: gzip").then_some(text)
    });
    let headers = headers.expect("a view with the request's headers");
    assert!(headers.contains(" bytes (gzip)"), "{headers}");
    let env = a
        .monitor
        .detail()
        .env
        .clone()
        .expect("a request in the detail pane");
    assert_eq!(env.seq, 1);
    assert_ne!(
        &env.body[..],
        &fixture()[..],
        "the request keeps the compressed bytes"
    );
}

#[test]
fn an_unsupported_coding_says_so_in_the_raw_view() {
    let mut a = App::new(RunInfo::new("127.0.0.1:8080".parse().unwrap()));
    let mut env = gzipped(1, &fixture());
    env.headers[0].1 = b"br".to_vec();
    common::ingest(&mut a, [env]);
    key(&mut a, KeyCode::Tab);
    let text = screen(&mut a);
    assert!(text.contains("\"br\" is not supported"), "{text}");
}
