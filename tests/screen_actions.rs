//! The screen's actions that reach outside it, through the real `App` and its key table: resend
//! (asking for a URL once), edit-and-send, copy as curl, write the filtered requests to a new
//! capture, and clear the history (twice to confirm).

mod common;

use common::{key, type_text, START_MS};
use crossterm::event::KeyCode;
use wamon::envelope::Envelope;
use wamon::monitor::{Focus, Mode};
use wamon::run_info::RunInfo;
use wamon::ui::App;

const A: &str = r#"{"event":"message","session":"default","payload":{"id":"false_111@c.us_A1","timestamp":1795262401,"from":"111@c.us","fromMe":false,"body":"first","_data":{"notifyName":"Ana"}}}"#;
const B: &str = r#"{"event":"message","session":"default","payload":{"id":"false_222@c.us_B1","timestamp":1795262402,"from":"222@c.us","fromMe":false,"body":"second","_data":{"notifyName":"Bo"}}}"#;

fn app_with_two() -> App {
    let mut a = App::new(RunInfo::new("127.0.0.1:8080".parse().unwrap()));
    let mut first = Envelope::post(1, START_MS + 1000, A);
    first.path = "/waha".into();
    first.headers = vec![("x-webhook-hmac".into(), b"abc".to_vec())];
    common::ingest(&mut a, [first, Envelope::post(2, START_MS + 2000, B)]);
    a.act(
        wamon::monitor::Action::Focus(Focus::Stream),
        common::START_MS,
    );
    key(&mut a, KeyCode::Home);
    a
}

fn press(a: &mut App, c: char) {
    key(a, KeyCode::Char(c));
}

#[test]
fn resend_asks_for_a_url_once_then_sends_the_selected_request() {
    let mut a = app_with_two();
    press(&mut a, 'R');
    assert_eq!(
        a.monitor.mode(),
        Mode::Prompt,
        "no --forward-to: the URL is asked for"
    );
    assert!(a.monitor.outbox().is_empty());
    type_text(&mut a, "https://example.com");
    key(&mut a, KeyCode::Enter);
    assert_eq!(
        a.monitor.mode(),
        Mode::Prompt,
        "a bad URL keeps the prompt open"
    );
    assert!(a.monitor.prompt_error().unwrap().contains("only http://"));
    for _ in 0.."https://example.com".len() {
        key(&mut a, KeyCode::Backspace);
    }
    type_text(&mut a, "http://127.0.0.1:3000/bot");
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.monitor.mode(), Mode::Normal);
    assert_eq!(a.monitor.outbox().len(), 1);
    let sent = &a.monitor.outbox()[0];
    assert_eq!(sent.env.seq, 1);
    assert_eq!(sent.env.body.as_ref(), A.as_bytes(), "the exact bytes");
    assert_eq!(
        sent.target.uri_for(&sent.env.path, None),
        "http://127.0.0.1:3000/bot/waha"
    );
    assert!(!sent.edited);
    // Asked once: the next resend goes straight out.
    a.monitor.take_outbox();
    press(&mut a, 'j');
    press(&mut a, 'R');
    assert_eq!(a.monitor.mode(), Mode::Normal);
    assert_eq!(a.monitor.outbox()[0].env.seq, 2);
}

#[test]
fn edit_and_send_hands_the_body_to_the_editor_and_sends_only_a_change() {
    let mut a = app_with_two();
    a.act(
        wamon::monitor::Action::SubmitUrl("http://127.0.0.1:3000".into()),
        common::START_MS,
    );
    press(&mut a, 'E');
    let env = a
        .monitor
        .take_edit_request()
        .expect("the event loop opens the editor");
    assert_eq!(env.seq, 1);
    a.monitor.edited(&env, Ok(env.body.to_vec()), START_MS);
    assert!(a.monitor.outbox().is_empty(), "unchanged: nothing sent");
    let changed = A.replace("first", "edited").into_bytes();
    a.monitor.edited(&env, Ok(changed.clone()), START_MS);
    assert_eq!(a.monitor.outbox().len(), 1);
    assert!(a.monitor.outbox()[0].edited);
    assert_eq!(a.monitor.outbox()[0].env.body.as_ref(), &changed[..]);
    assert_eq!(
        a.monitor.outbox()[0].env.headers,
        env.headers,
        "headers kept"
    );
}

#[test]
fn copy_as_curl_puts_a_runnable_command_on_the_clipboard() {
    use base64::Engine as _;
    let mut a = app_with_two();
    press(&mut a, 'C');
    let osc = a.screen.pending_osc.pop().expect("an OSC 52 write");
    let b64 = osc
        .strip_prefix("\x1b]52;c;")
        .and_then(|s| s.strip_suffix('\x07'))
        .unwrap();
    let cmd = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap(),
    )
    .unwrap();
    assert!(cmd.contains("curl"), "{cmd}");
    assert!(
        cmd.contains("http://127.0.0.1:8080/waha"),
        "to wamon itself: {cmd}"
    );
    assert!(cmd.contains("x-webhook-hmac: abc"), "{cmd}");
}

#[test]
fn write_matching_writes_what_the_filter_shows_to_a_new_private_capture() {
    let dir = std::env::temp_dir().join(format!("wamon-actions-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // With no capture, the file goes to the data dir: point it here.
    std::env::set_var("XDG_DATA_HOME", &dir);
    let mut a = app_with_two();
    press(&mut a, '/');
    type_text(&mut a, "chat:222");
    key(&mut a, KeyCode::Enter);
    press(&mut a, 'W');
    let toast = a.monitor.toast().cloned().unwrap().0;
    assert!(toast.starts_with("wrote 1 request to "), "{toast}");
    let path = toast.trim_start_matches("wrote 1 request to ");
    let bytes = std::fs::read(path).unwrap();
    let loaded = wamon::capture::read_all(&bytes[..]).unwrap();
    assert!(loaded.warnings.is_empty());
    assert_eq!(loaded.envelopes.len(), 1);
    assert_eq!(loaded.envelopes[0].0.body.as_ref(), B.as_bytes());
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn clear_history_needs_a_second_press_and_keeps_the_filter() {
    let mut a = app_with_two();
    press(&mut a, '/');
    type_text(&mut a, "chat:111");
    key(&mut a, KeyCode::Enter);
    press(&mut a, 'X');
    assert_eq!(
        a.monitor.store().counters().events,
        2,
        "one press only arms it"
    );
    assert!(a
        .monitor
        .toast()
        .as_ref()
        .unwrap()
        .0
        .contains("press X again"));
    press(&mut a, 'X');
    assert_eq!(a.monitor.store().counters().events, 0);
    assert!(a.monitor.view().rows.is_empty());
    assert_eq!(a.monitor.filter().source(), "chat:111");
    common::ingest(&mut a, [Envelope::post(3, START_MS + 3000, A)]);
    assert_eq!(a.monitor.view().rows.len(), 1, "new traffic shows again");
}
