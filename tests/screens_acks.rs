//! Ack timing and comparing requests (issue #11, items 4 and 6): the ticks view's millisecond
//! times, gaps and provider delays, `is:stuck` and its `⌛` judged at the screen's clock, and
//! `m` / `D` comparing two requests. Everything is drawn at fixed times: nothing here reads
//! the wall clock.

mod common;

use common::app;

use common::{key, text_of, type_text, START_MS};
use crossterm::event::KeyCode;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use serde_json::json;
use wamon::envelope::Envelope;
use wamon::monitor::{DetailView, Focus};
use wamon::run_info::RunInfo;
use wamon::ui::App;

fn draw(app: &mut App, w: u16, h: u16, now: i64) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| wamon::ui::draw(f, app, now)).unwrap();
    t
}

fn waha_out(id: &str, body: &str) -> String {
    json!({"event":"message.any","session":"default","engine":"WEBJS","payload":{
        "id": format!("true_5511988881111@c.us_{id}"), "timestamp": START_MS / 1000,
        "from": "5511999990000@c.us", "to": "5511988881111@c.us", "fromMe": true,
        "source": "api", "body": body, "hasMedia": false}})
    .to_string()
}

/// A WAHA ack, with the provider's own timestamp (unix seconds) when `said_s` is given.
fn waha_ack(id: &str, ack: i64, name: &str, said_s: Option<i64>) -> String {
    let mut p = json!({
        "id": format!("true_5511988881111@c.us_{id}"), "from": "5511999990000@c.us",
        "to": "5511988881111@c.us", "fromMe": true, "ack": ack, "ackName": name});
    if let Some(s) = said_s {
        p["timestamp"] = json!(s);
    }
    json!({"event":"message.ack","session":"default","engine":"WEBJS","payload": p}).to_string()
}

/// Requests received at the given milliseconds after `START_MS`, numbered from 1.
fn feed(app: &mut App, at: &[(i64, String)]) {
    let first = app.monitor.store().last_seq() + 1;
    let envs = at.iter().enumerate().map(|(i, (ms, body))| {
        Envelope::post(first + i as u64, START_MS + ms, body.clone().into_bytes())
    });
    common::ingest(app, envs);
}

/// One message delivered and read (with the provider's timestamps), one sent and never
/// delivered.
fn acked_and_stuck() -> App {
    let s = START_MS / 1000;
    let mut a = app();
    feed(
        &mut a,
        &[
            (0, waha_out("ACKED", "acked in time")),
            (250, waha_ack("ACKED", 1, "SERVER", Some(s))),
            (1_450, waha_ack("ACKED", 2, "DEVICE", Some(s + 1))),
            (4_700, waha_ack("ACKED", 3, "READ", Some(s + 2))),
            (5_000, waha_out("LOST", "never delivered")),
            (5_100, waha_ack("LOST", 1, "SERVER", None)),
        ],
    );
    a
}

/// The ticks view: arrival times to the millisecond, the gap from the status before, how long
/// after the provider's own timestamp each arrived, and the sent → delivered → read gaps.
#[test]
fn the_ticks_view_shows_ack_timing() {
    let mut a = acked_and_stuck();
    a.tick(START_MS + 10_000);
    // Up to the first message, then into its ticks view.
    key(&mut a, KeyCode::Up);
    key(&mut a, KeyCode::Tab);
    assert_eq!(a.monitor.focus(), Focus::Detail);
    for _ in 0..3 {
        key(&mut a, KeyCode::Char('v'));
    }
    assert_eq!(a.monitor.detail().view, DetailView::Ticks);
    let t = draw(&mut a, 200, 24, START_MS + 10_000);
    let text = text_of(t.backend().buffer());
    for want in [
        "12:00:00.250 #2     ✓   1 SERVER",
        "12:00:01.450 #3     ✓✓  2 DEVICE  +1.2 s",
        "12:00:04.700 #4     ✓✓  3 READ  +3.25 s",
        "provider said 12:00:00, arrived +250 ms later",
        "provider said 12:00:01, arrived +450 ms later",
        "provider said 12:00:02, arrived +2.7 s later",
        "gaps: sent → delivered +1.2 s → read +3.25 s",
    ] {
        assert!(text.contains(want), "lacks {want:?}:\n{text}");
    }
    assert!(!text.contains("stuck"), "{text}");
    insta::assert_snapshot!(t.backend());
}

/// `is:stuck` and `⌛` are judged at the screen's tick, not the wall clock: before the
/// threshold nothing is stuck; after it the undelivered message is, on its row, in the filter
/// (re-checked by the tick, with no new traffic) and in its ticks view.
#[test]
fn an_undelivered_message_is_stuck_after_the_threshold() {
    let mut a = acked_and_stuck();
    key(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "is:stuck");
    key(&mut a, KeyCode::Enter);
    // The screen ticks once a second (and re-checks such a filter at most once a second).
    a.tick(START_MS + 64_100);
    assert!(a.monitor.view().rows.is_empty(), "59 s after it was sent");
    let text = text_of(draw(&mut a, 120, 16, START_MS + 64_100).backend().buffer());
    assert!(!text.contains('⌛'), "{text}");
    assert!(text.contains("nothing matches the filter"), "{text}");

    a.tick(START_MS + 65_100);
    assert_eq!(
        a.monitor.view().rows.len(),
        1,
        "the tick re-checks the filter"
    );
    key(&mut a, KeyCode::Tab);
    for _ in 0..3 {
        key(&mut a, KeyCode::Char('v'));
    }
    let t = draw(&mut a, 160, 16, START_MS + 65_100);
    let text = text_of(t.backend().buffer());
    assert!(text.contains("never delivered"), "{text}");
    let row = text
        .lines()
        .find(|l| l.contains("never delivered"))
        .unwrap();
    assert!(row.contains('⌛'), "the row is marked:\n{text}");
    assert!(
        text.contains("stuck: no delivery 1 min after sending"),
        "{text}"
    );
    assert!(text.contains("(is:stuck; --stuck-after 1 min)"), "{text}");
    insta::assert_snapshot!(t.backend());

    // Without the filter, only the undelivered message is marked.
    key(&mut a, KeyCode::BackTab);
    key(&mut a, KeyCode::Char('/'));
    a.on_key(
        crossterm::event::KeyEvent::new(
            KeyCode::Char('u'),
            crossterm::event::KeyModifiers::CONTROL,
        ),
        START_MS,
    );
    key(&mut a, KeyCode::Enter);
    assert!(a.monitor.filter().is_empty());
    let text = text_of(draw(&mut a, 120, 16, START_MS + 65_100).backend().buffer());
    let row = |s: &str| text.lines().find(|l| l.contains(s)).unwrap().to_owned();
    assert!(row("never delivered").contains('⌛'), "{text}");
    assert!(!row("acked in time").contains('⌛'), "{text}");
}

/// `--stuck-after` sets the threshold.
#[test]
fn stuck_after_sets_the_threshold() {
    let mut a = App::new(RunInfo {
        stuck_after_ms: 5_000,
        ..RunInfo::new("127.0.0.1:8080".parse().unwrap())
    });
    feed(
        &mut a,
        &[
            (0, waha_out("LOST", "never delivered")),
            (100, waha_ack("LOST", 1, "SERVER", None)),
        ],
    );
    a.tick(START_MS + 5_099);
    let text = text_of(draw(&mut a, 120, 12, START_MS + 5_099).backend().buffer());
    assert!(!text.contains('⌛'), "{text}");
    a.tick(START_MS + 5_100);
    let text = text_of(draw(&mut a, 120, 12, START_MS + 5_100).backend().buffer());
    assert!(text.contains('⌛'), "{text}");
}

/// `m` marks a request, `D` on another shows the diff of their bodies, with `+`/`-` markers
/// that read without colour.
#[test]
fn m_then_d_compares_two_requests() {
    let mut a = acked_and_stuck();
    key(&mut a, KeyCode::Char('D'));
    let toast = said(&a);
    assert!(toast.contains("press m on a request first"), "{toast}");
    key(&mut a, KeyCode::Up);
    key(&mut a, KeyCode::Tab);
    key(&mut a, KeyCode::Char('m'));
    assert_eq!(a.monitor.marked(), Some(1));
    key(&mut a, KeyCode::Char('D'));
    let toast = said(&a);
    assert!(toast.contains("this is the marked request"), "{toast}");
    key(&mut a, KeyCode::Char(']'));
    key(&mut a, KeyCode::Char('D'));
    assert_eq!(a.monitor.detail().view, DetailView::Diff);
    let t = draw(&mut a, 140, 30, START_MS + 10_000);
    let text = text_of(t.backend().buffer());
    for want in [
        "diff #1 → #2",
        "- #1 (marked with m)",
        "+ #2 (selected)",
        "-   \"event\": \"message.any\",",
        "+   \"event\": \"message.ack\",",
        "+     \"ack\": 1,",
        "-     \"body\": \"acked in time\",",
    ] {
        assert!(text.contains(want), "lacks {want:?}:\n{text}");
    }
    insta::assert_snapshot!(t.backend());
    // Under NO_COLOR the markers carry it.
    a.screen.no_color = true;
    let text = text_of(draw(&mut a, 140, 30, START_MS + 10_000).backend().buffer());
    assert!(text.contains("+     \"ack\": 1,"), "{text}");
    // `v` leaves the diff for the raw view.
    key(&mut a, KeyCode::Char('v'));
    assert_eq!(a.monitor.detail().view, DetailView::Raw);
}

/// The same body twice says so.
#[test]
fn comparing_equal_bodies_says_they_are_the_same() {
    let mut a = app();
    let same = waha_out("SAME", "twice");
    feed(&mut a, &[(0, same.clone()), (10, same)]);
    // One message row (the duplicate folds into it): its two requests.
    key(&mut a, KeyCode::Tab);
    key(&mut a, KeyCode::Char('m'));
    key(&mut a, KeyCode::Char(']'));
    key(&mut a, KeyCode::Char('D'));
    let text = text_of(draw(&mut a, 120, 12, START_MS + 1_000).backend().buffer());
    assert!(text.contains("the bodies are the same"), "{text}");
}

/// What the status bar says now (empty when nothing).
fn said(a: &App) -> String {
    a.monitor.toast().map(|t| t.0.clone()).unwrap_or_default()
}
