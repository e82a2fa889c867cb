//! A Twilio form on the screen: the detail pane shows its fields decoded, as a JSON tree (search
//! and folds work on it), and `r` shows the bytes received; `--redact` masks the decoded fields
//! by their names like any JSON body.

mod common;

use common::{key, text_of, START_MS};
use crossterm::event::KeyCode;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use wamon::envelope::Envelope;
use wamon::monitor::Focus;
use wamon::run_info::RunInfo;
use wamon::ui::App;

const FORM: &[u8] = include_bytes!("../assets/fixtures/twilio/reply-quoted.form");

fn draw(app: &mut App) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(150, 30)).unwrap();
    t.draw(|f| wamon::ui::draw(f, app, START_MS + 10_000))
        .unwrap();
    t
}

#[test]
fn a_form_shows_as_its_fields_and_r_shows_its_bytes() {
    let mut a = App::new(RunInfo::new("127.0.0.1:8080".parse().unwrap()));
    common::ingest(&mut a, [Envelope::post(1, START_MS + 1000, FORM.to_vec())]);
    key(&mut a, KeyCode::Tab);
    assert_eq!(a.monitor.focus(), Focus::Detail);
    let t = draw(&mut a);
    let text = text_of(t.backend().buffer());
    assert!(text.contains("form fields (r: bytes)"), "{text}");
    assert!(
        text.contains("\"From\": \"whatsapp:+15555550101\""),
        "decoded: {text}"
    );
    assert!(text.contains("\"ProfileName\": \"Test User\""), "{text}");
    insta::assert_snapshot!(t.backend());

    key(&mut a, KeyCode::Char('r'));
    let text = text_of(draw(&mut a).backend().buffer());
    assert!(text.contains("form bytes (r: fields)"), "{text}");
    // Bytes asked for are text, not JSON gone wrong.
    assert!(!text.contains("not valid JSON"), "{text}");
    assert!(text.contains("the form's bytes as received"), "{text}");
    assert!(
        text.contains("To=whatsapp%3A%2B15555550100&Body=Nice"),
        "raw: {text}"
    );
    key(&mut a, KeyCode::Char('r'));
    let text = text_of(draw(&mut a).backend().buffer());
    assert!(
        text.contains("\"Body\": \"Nice\""),
        "back to the fields: {text}"
    );
    // The whole-body copy is the bytes received, whichever face is shown.
    assert_eq!(&a.monitor.detail().env.as_ref().unwrap().body[..], FORM);
}
