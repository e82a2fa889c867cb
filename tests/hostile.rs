//! Hostile request data on the screen: every provider's fixtures and demo bodies, with their
//! strings (and, in one variant, their keys) rewritten to carry OSC 52 (set the clipboard),
//! `ESC [2J` (clear the screen), a C1 CSI and a bidi override, fed to the real `App` and drawn
//! in every pane and detail view. No cell of any frame may hold a character a terminal would act
//! on, with the last guard and, for request data, without it (the intake alone must have made it
//! safe); the placeholders must show instead. Then `--redact`: nothing personal from the same
//! payloads anywhere on screen; and credentials masked without it.

mod common;

use common::{bodies, key, text_of, type_text, START_MS};
use crossterm::event::KeyCode;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::Terminal;
use serde_json::Value;
use std::collections::BTreeSet;
use wamon::envelope::Envelope;
use wamon::model::{ChatId, ChatKind, Event, Kind, MessageType};
use wamon::monitor::{DetailView, Focus};
use wamon::run_info::RunInfo;
use wamon::ui::App;

const OSC52: &str = "\u{1b}]52;c;aGFja2Vk\u{7}";
const CLEAR: &str = "\u{1b}[2J";
const CSI8: &str = "\u{9b}31m";
const RLO: &str = "\u{202e}";
const PLACEHOLDERS: [&str; 4] = ["␛", "␇", "\u{fffd}", "⇆"];
/// Credentials sent in headers and the query: never on screen.
const HEADER_SECRET: &str = "TOPSECRET42";
const QUERY_SECRET: &str = "s3cretvt";
const ALL_VIEWS: [DetailView; 4] = [
    DetailView::Raw,
    DetailView::Event,
    DetailView::Headers,
    DetailView::Ticks,
];
const W: u16 = 160;
const H: u16 = 50;

/// What the test counts as dangerous, defined here rather than taken from the code under test.
fn is_dangerous(c: char) -> bool {
    c.is_control()
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

fn hostile(s: &str) -> String {
    format!("{RLO}{OSC52}{s}{CSI8}{CLEAR}")
}

fn app(redact: bool) -> App {
    App::new(RunInfo {
        redact,
        ..RunInfo::new("127.0.0.1:8080".parse().unwrap())
    })
}

/// The hostile variants of one body.
fn variants(body: &[u8]) -> Vec<Vec<u8>> {
    common::variants(body, &hostile)
}

/// A request as a hostile sender could shape its envelope (header values carry C1 and bidi
/// characters: real ones cannot carry C0, but the display copy must not rely on that).
fn envelope(seq: u64, body: Vec<u8>) -> Envelope {
    let mut env = Envelope::post(seq, START_MS + 1000 * seq as i64, body);
    env.method = format!("POST{CSI8}");
    env.path = format!("/{OSC52}{CLEAR}{CSI8}{RLO}hook");
    env.query = Some(format!(
        "hub.verify_token={QUERY_SECRET}&x={OSC52}{CLEAR}{CSI8}{RLO}"
    ));
    env.headers = vec![
        ("content-type".into(), "application/json".into()),
        (
            "user-agent".into(),
            format!("{CSI8}{RLO}evil/1.0\u{85}").into(),
        ),
        (format!("x-{CSI8}{RLO}"), format!("{OSC52}{CLEAR}").into()),
        (
            "authorization".into(),
            format!("Bearer {HEADER_SECRET}").into(),
        ),
    ];
    env.remote = Some(format!("203.0.113.9{CSI8}"));
    env.note = Some(format!("note {OSC52}{CLEAR}{CSI8}{RLO}"));
    env
}

fn feed(app: &mut App, bodies: Vec<Vec<u8>>, hostile_envelopes: bool) {
    let envs = bodies.into_iter().enumerate().map(|(i, body)| {
        let seq = i as u64 + 1;
        if hostile_envelopes {
            envelope(seq, body)
        } else {
            Envelope::post(seq, START_MS + 1000 * seq as i64, body)
        }
    });
    common::ingest(app, envs);
}

/// The first dangerous cell of `buf`, with its row.
fn danger(buf: &Buffer) -> Option<String> {
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let sym = buf[(x, y)].symbol();
            if sym.chars().any(is_dangerous) {
                let row: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
                return Some(format!("cell ({x},{y}) holds {sym:?} in row {row:?}"));
            }
        }
    }
    None
}

/// Draws frames and checks each one.
struct Screen {
    frames: usize,
    seen: BTreeSet<&'static str>,
    /// Every distinct row of every frame, for the redaction checks.
    rows_seen: BTreeSet<String>,
    keep_text: bool,
    /// Also draw each frame without the last guard and check it.
    unguarded: bool,
}

impl Screen {
    fn new(keep_text: bool, unguarded: bool) -> Screen {
        Screen {
            frames: 0,
            seen: BTreeSet::new(),
            rows_seen: BTreeSet::new(),
            keep_text,
            unguarded,
        }
    }

    /// Draws `app` as the screen does, and checks the frame. When `intake_only` (only request
    /// data on screen) and `self.unguarded`, the frame drawn without the last guard must be safe
    /// already.
    fn frame(&mut self, app: &mut App, what: &str, intake_only: bool) {
        let now = START_MS + 10_000_000;
        if intake_only && self.unguarded {
            let mut t = Terminal::new(TestBackend::new(W, H)).unwrap();
            t.draw(|f| wamon::ui::draw_unguarded(f, app, now)).unwrap();
            let buf = t.backend().buffer();
            if let Some(d) = danger(buf) {
                panic!("{what}: without the guard, {d}\n{}", text_of(buf));
            }
        }
        let mut t = Terminal::new(TestBackend::new(W, H)).unwrap();
        t.draw(|f| wamon::ui::draw(f, app, now)).unwrap();
        let buf = t.backend().buffer();
        if let Some(d) = danger(buf) {
            panic!("{what}: {d}\n{}", text_of(buf));
        }
        let text = text_of(buf);
        for p in PLACEHOLDERS {
            if text.contains(p) {
                self.seen.insert(p);
            }
        }
        for secret in [HEADER_SECRET, QUERY_SECRET] {
            assert!(
                !text.contains(secret),
                "{what}: credential on screen\n{text}"
            );
        }
        if self.keep_text {
            self.rows_seen.extend(text.lines().map(str::to_owned));
        }
        self.frames += 1;
    }

    /// `views` of every `step`-th stream row.
    fn rows(&mut self, app: &mut App, label: &str, step: usize, views: &[DetailView]) {
        let n = app.monitor.view().rows.len();
        assert!(n > 0, "{label}: no rows");
        for i in (0..n).step_by(step.max(1)).chain([n - 1]) {
            app.act(
                wamon::monitor::Action::SelectRow(wamon::monitor::RowPos(i)),
                common::START_MS,
            );
            for &view in views {
                app.act(wamon::monitor::Action::ShowView(view), common::START_MS);
                self.frame(app, &format!("{label} row {i} {view:?}"), true);
            }
        }
        app.act(
            wamon::monitor::Action::ShowView(DetailView::Raw),
            common::START_MS,
        );
        key(app, KeyCode::Char('G'));
    }

    /// Every pane, view and overlay of a fed app: every detail view of every `step`-th row,
    /// and the raw JSON of every `body_step`-th request.
    fn everything(&mut self, app: &mut App, step: usize, body_step: usize) {
        self.frame(app, "stream", true);
        app.act(
            wamon::monitor::Action::Focus(Focus::Chats),
            common::START_MS,
        );
        self.frame(app, "chats focused", true);
        // Each chat on its own (its name is the stream's title).
        let chats = app.monitor.chat_list().len();
        for c in 0..chats.min(40) {
            app.act(
                wamon::monitor::Action::Focus(Focus::Chats),
                common::START_MS,
            );
            app.act(
                wamon::monitor::Action::PointChat(wamon::monitor::ChatPos(c)),
                common::START_MS,
            );
            key(app, KeyCode::Enter);
            self.frame(app, &format!("chat {c}"), true);
            key(app, KeyCode::Esc);
        }
        app.act(
            wamon::monitor::Action::Focus(Focus::Stream),
            common::START_MS,
        );
        self.rows(app, "messages", step, &ALL_VIEWS);
        key(app, KeyCode::Char('r'));
        self.rows(app, "raw events", step, &ALL_VIEWS);
        // In raw-event mode a row is one event: every request's body.
        self.rows(app, "raw events", body_step, &[DetailView::Raw]);
        key(app, KeyCode::Char('r'));
        key(app, KeyCode::Char('?'));
        self.frame(app, "help", true);
        key(app, KeyCode::Char('x'));
    }
}

#[test]
fn hostile_strings_in_every_field_show_as_placeholders_everywhere() {
    let all: Vec<Vec<u8>> = bodies().iter().flat_map(|b| variants(b)).collect();
    let mut a = app(false);
    feed(&mut a, all, true);
    let mut s = Screen::new(false, true);
    s.everything(&mut a, 16, 4);

    // The filter bar with pasted escapes (not request data: the guard's job), then a filter
    // that matches the attack's text.
    a.act(
        wamon::monitor::Action::Focus(Focus::Stream),
        common::START_MS,
    );
    key(&mut a, KeyCode::Char('/'));
    a.on_paste(&format!("{OSC52}{CLEAR}{CSI8}{RLO}"));
    s.frame(&mut a, "pasted filter", false);
    key(&mut a, KeyCode::Esc);
    key(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "aGFja2Vk");
    key(&mut a, KeyCode::Enter);
    s.frame(&mut a, "filtered by the attack's text", true);
    assert!(!a.monitor.view().rows.is_empty());

    // A JSON search for it in the detail pane, stepping through matches, and copies (their
    // notices quote what was copied).
    let middle = wamon::monitor::RowPos(a.monitor.view().rows.len() / 2);
    a.act(wamon::monitor::Action::SelectRow(middle), common::START_MS);
    a.act(
        wamon::monitor::Action::Focus(Focus::Detail),
        common::START_MS,
    );
    key(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "aGFja2Vk");
    s.frame(&mut a, "typing a JSON search", true);
    key(&mut a, KeyCode::Enter);
    for i in 0..5 {
        key(&mut a, KeyCode::Char('n'));
        s.frame(&mut a, &format!("JSON search match {i}"), true);
    }
    for k in ['y', 'p', 'Y'] {
        key(&mut a, KeyCode::Char(k));
        s.frame(&mut a, &format!("copied with {k}"), true);
    }
    assert!(s.frames > 500, "{} frames", s.frames);
    let want: BTreeSet<&str> = PLACEHOLDERS.into_iter().collect();
    assert_eq!(s.seen, want, "placeholders seen");
}

/// Names, texts and phone numbers the normaliser reads from `bodies`, long enough that finding
/// one on screen means it leaked.
fn personal(bodies: &[Vec<u8>]) -> (BTreeSet<String>, BTreeSet<String>, BTreeSet<String>) {
    let (mut phones, mut names, mut texts) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    let mut phone = |c: &ChatId| {
        let d = c.user_part();
        if c.kind() == ChatKind::User && d.len() >= 8 && d.bytes().all(|b| b.is_ascii_digit()) {
            phones.insert(d.to_owned());
        }
    };
    for body in bodies {
        let env = Envelope::post(1, START_MS, body.clone());
        for ev in wamon::provider::normalize(&env).events {
            let Event {
                chat,
                sender,
                participant,
                lid_map,
                vote,
                chat_name,
                sender_name,
                text,
                poll,
                kind,
                msg_type,
                ..
            } = ev;
            for c in [chat, sender, participant].iter().flatten() {
                phone(c);
            }
            if let Some((_, p)) = lid_map {
                phone(&p);
            }
            if let Some(v) = vote {
                phone(&v.voter);
            }
            for n in [chat_name, sender_name].into_iter().flatten() {
                if n.chars().count() >= 4 {
                    names.insert(n);
                }
            }
            // Calls and system messages carry wamon's own summaries ("missed video call").
            let summary = matches!(msg_type, Some(MessageType::Call | MessageType::System));
            if matches!(kind, Kind::Message | Kind::Edit) && !summary {
                if let Some(t) = text.filter(|t| t.chars().count() >= 8) {
                    texts.insert(t.chars().take(16).collect());
                }
            }
            if let Some(p) = poll {
                texts.insert(p.question.chars().take(16).collect());
            }
        }
    }
    (phones, names, texts)
}

/// Whether `screen` shows `x`; a number only counts on its own (`120363111111111111@newsletter`
/// does not show the number 1111111111).
fn shows(screen: &str, x: &str) -> bool {
    if !x.bytes().all(|b| b.is_ascii_digit()) {
        return screen.contains(x);
    }
    let digit_at = |i: Option<usize>| {
        i.and_then(|i| screen.as_bytes().get(i))
            .is_some_and(u8::is_ascii_digit)
    };
    screen
        .match_indices(x)
        .any(|(i, _)| !digit_at(i.checked_sub(1)) && !digit_at(Some(i + x.len())))
}

#[test]
fn redact_shows_no_phone_number_name_or_text_of_the_payloads() {
    let bodies = bodies();
    let (phones, names, texts) = personal(&bodies);
    assert!(phones.len() > 10 && names.len() > 10 && texts.len() > 20);
    let mut a = app(true);
    feed(&mut a, bodies, false);
    let mut s = Screen::new(true, false);
    s.everything(&mut a, 8, 1);
    let screen = s.rows_seen.iter().cloned().collect::<Vec<_>>().join("\n");
    let screen = &screen;
    for (what, set) in [
        ("phone number", &phones),
        ("name", &names),
        ("text", &texts),
    ] {
        let leaked: Vec<&String> = set.iter().filter(|x| shows(screen, x)).collect();
        assert!(
            leaked.is_empty(),
            "{what}s on screen under --redact: {leaked:?}"
        );
    }
    // Masks are there instead, and the screen still works: chats, kinds, events.
    assert!(screen.contains("name·") && screen.contains("@c.us") && screen.contains('•'));
    assert!(screen.contains("message.any") && screen.contains("Chats ·"));
}

#[test]
fn credentials_in_bodies_are_masked_without_redact() {
    let bodies = bodies();
    let mut keys = BTreeSet::new();
    for b in &bodies {
        if let Ok(v) = serde_json::from_slice::<Value>(b) {
            collect_credentials(&v, &mut keys);
        }
    }
    assert!(!keys.is_empty(), "the fixtures carry Evolution's apikey");
    let mut a = app(false);
    feed(&mut a, bodies, false);
    let mut s = Screen::new(true, false);
    key(&mut a, KeyCode::Char('r'));
    s.rows(&mut a, "raw events", 1, &[DetailView::Raw]);
    for k in &keys {
        assert!(
            !s.rows_seen.iter().any(|r| r.contains(k.as_str())),
            "credential {k} on screen"
        );
    }
    assert!(s
        .rows_seen
        .iter()
        .any(|r| r.contains("\"apikey\": \"••••••\"")));
}

fn collect_credentials(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                match x {
                    Value::String(s) if (k == "apikey" || k == "token") && s.len() >= 6 => {
                        out.insert(s.clone());
                    }
                    _ => collect_credentials(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_credentials(x, out)),
        _ => {}
    }
}
