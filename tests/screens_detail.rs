//! The detail pane's long values, search and copy (issue #11, bugs 11 and 14), drawn on the
//! real `App`: `w` wraps, a search hit past the edge is scrolled into view, a rejection's reason
//! wraps, phrases match across a key and its value, `y` copies a string's value, Esc clears a
//! search before it leaves the chat, "1 byte", and the views besides the raw one draw emoji
//! sequences as the terminal does.

mod common;

use common::{app, draw, feed};
use common::{waha_msg, waha_reaction};

use common::{key, text_of, type_text, START_MS};
use crossterm::event::KeyCode;
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use wamon::envelope::Envelope;
use wamon::monitor::Focus;

/// The text of the cells drawn as the current search hit.
fn current_hit(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            if buf[(x, y)].bg == Color::LightRed {
                out.push_str(buf[(x, y)].symbol());
            }
        }
    }
    out
}

/// A 3.4 KB text ending in a word to search for.
fn long_text() -> String {
    let words: String = (0..690).map(|i| format!("w{i:03} ")).collect();
    format!("{words}FINALWORD")
}

/// #11: a long text is cut at the pane's edge; a search hit past the edge is scrolled into view
/// and highlighted; `w` wraps it so it reads whole.
#[test]
fn a_long_text_wraps_with_w_and_a_search_hit_past_the_edge_is_shown() {
    let mut a = app();
    let text = long_text();
    assert!(text.len() > 3400);
    feed(&mut a, &[waha_msg("A", true, None, &text)]);
    a.act(
        wamon::monitor::Action::Focus(Focus::Detail),
        common::START_MS,
    );
    key(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "finalword");
    key(&mut a, KeyCode::Enter);
    let t = draw(&mut a, 120, 30);
    assert_eq!(current_hit(t.backend().buffer()), "FINALWORD");
    // The count is in the title before what a narrow pane cuts.
    assert!(text_of(t.backend().buffer()).contains("raw JSON #1 · 1/1 /finalword "));
    insta::assert_snapshot!("long_text_hit_scrolled_sideways", t.backend());

    key(&mut a, KeyCode::Char('w'));
    let t = draw(&mut a, 120, 30);
    assert_eq!(current_hit(t.backend().buffer()), "FINALWORD");
    insta::assert_snapshot!("long_text_hit_wrapped", t.backend());
    // From the top of the wrapped value, j reads on through it, row by row.
    key(&mut a, KeyCode::Char('g'));
    key(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "\"body\"");
    key(&mut a, KeyCode::Enter);
    let screen = text_of(draw(&mut a, 120, 30).backend().buffer());
    assert!(screen.contains(r#""body": "w000 w001"#), "{screen}");
    assert!(screen.contains("w040 w041"), "{screen}");
}

/// #11: the reason a request was refused wraps in the headers view instead of being cut.
#[test]
fn a_rejection_reason_wraps_in_the_headers_view() {
    let mut a = app();
    let reason = "invalid signature: X-Hub-Signature-256 is sha256=5d41402abc4b2a76b9719d911017c592 \
                  but the body signed with --app-secret gives sha256=7d793037a0760186574b0282f2f435e7";
    let mut env = Envelope::post(1, START_MS + 1000, b"{\"object\":\"x\"}".to_vec());
    env.status = 401;
    env.note = Some(reason.into());
    common::ingest(&mut a, [env]);
    a.act(
        wamon::monitor::Action::Focus(Focus::Detail),
        common::START_MS,
    );
    key(&mut a, KeyCode::Char('v'));
    key(&mut a, KeyCode::Char('v'));
    let t = draw(&mut a, 100, 24);
    let screen = text_of(t.backend().buffer());
    for word in reason.split(' ') {
        assert!(screen.contains(word), "{word:?} not shown:\n{screen}");
    }
    insta::assert_snapshot!(t.backend());
}

/// #14: Esc in the detail pane with a search active clears the search; the next one leaves the
/// chat.
#[test]
fn esc_clears_the_detail_search_before_leaving_the_chat() {
    let mut a = app();
    feed(&mut a, &[waha_msg("A", true, None, "hello")]);
    a.act(
        wamon::monitor::Action::Focus(Focus::Chats),
        common::START_MS,
    );
    key(&mut a, KeyCode::Enter);
    assert!(a.monitor.chat().is_some());
    a.act(
        wamon::monitor::Action::Focus(Focus::Detail),
        common::START_MS,
    );
    key(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "hello");
    key(&mut a, KeyCode::Enter);
    let screen = text_of(draw(&mut a, 200, 20).backend().buffer());
    assert!(screen.contains("1/1 /hello"), "{screen}");
    key(&mut a, KeyCode::Esc);
    assert!(
        a.monitor.chat().is_some(),
        "Esc left the chat while a search was active"
    );
    assert!(a.monitor.search_query().is_empty());
    let t = draw(&mut a, 200, 20);
    let screen = text_of(t.backend().buffer());
    assert!(!screen.contains("/hello"), "{screen}");
    assert_eq!(current_hit(t.backend().buffer()), "");
    key(&mut a, KeyCode::Esc);
    assert!(a.monitor.chat().is_none());
}

/// #14: `"fromMe": true`, as the raw view shows it, is found: a phrase matches across a key
/// and its value.
#[test]
fn a_phrase_across_a_key_and_its_value_is_found() {
    let mut a = app();
    feed(&mut a, &[waha_msg("A", true, None, "hello")]);
    a.act(
        wamon::monitor::Action::Focus(Focus::Detail),
        common::START_MS,
    );
    key(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "\"fromMe\": true");
    key(&mut a, KeyCode::Enter);
    let t = draw(&mut a, 200, 30);
    let screen = text_of(t.backend().buffer());
    assert!(screen.contains("1/1 /\"fromMe\": true"), "{screen}");
    assert_eq!(current_hit(t.backend().buffer()), "\"fromMe\": true");
}

/// #14: `y` on a string copies its value (no quotes, escapes decoded), from the data: not the
/// word joiner the screen puts between an emoji and its skin tone.
#[test]
fn y_copies_a_strings_value() {
    use base64::Engine as _;
    let mut a = app();
    let body = "ok \u{1f44d}\u{1f3ff} \"quoted\"";
    feed(&mut a, &[waha_msg("A", true, None, body)]);
    a.act(
        wamon::monitor::Action::Focus(Focus::Detail),
        common::START_MS,
    );
    key(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "\"body\":");
    key(&mut a, KeyCode::Enter);
    draw(&mut a, 120, 30);
    a.screen.pending_osc.clear();
    key(&mut a, KeyCode::Char('y'));
    let osc = a.screen.pending_osc.last().expect("a copy");
    let b64 = osc
        .strip_prefix("\x1b]52;c;")
        .and_then(|s| s.strip_suffix('\x07'))
        .unwrap();
    let copied = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    assert_eq!(String::from_utf8(copied).unwrap(), body);
}

/// #14: "body 1 byte", not "1 bytes".
#[test]
fn the_headers_view_counts_one_byte() {
    let mut a = app();
    feed(&mut a, &[b"x".to_vec()]);
    a.act(
        wamon::monitor::Action::Focus(Focus::Detail),
        common::START_MS,
    );
    key(&mut a, KeyCode::Char('v'));
    key(&mut a, KeyCode::Char('v'));
    let screen = text_of(draw(&mut a, 160, 20).backend().buffer());
    assert!(screen.contains("body 1 byte "), "{screen}");
    assert!(!screen.contains("1 bytes"), "{screen}");
}

/// The views besides the raw JSON one draw a skin-tone emoji and a ZWJ sequence as the
/// terminal does (see `ui::format::terminal_grapheme`): never one cell that a terminal may draw
/// wider or narrower than ratatui counts.
#[test]
fn the_other_views_draw_emoji_sequences_as_the_terminal_does() {
    let mut a = app();
    let family = "\u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467}";
    feed(
        &mut a,
        &[
            waha_msg(
                "A",
                true,
                None,
                &format!("thumbs \u{1f44d}\u{1f3ff} family {family}"),
            ),
            waha_reaction("A", "\u{1f44d}\u{1f3fd}"),
        ],
    );
    a.act(
        wamon::monitor::Action::Focus(Focus::Stream),
        common::START_MS,
    );
    key(&mut a, KeyCode::Char('g'));
    a.act(
        wamon::monitor::Action::Focus(Focus::Detail),
        common::START_MS,
    );
    // The normalised event, the headers and the ticks (with the reaction).
    for view in ["normalised", "headers", "ticks"] {
        key(&mut a, KeyCode::Char('v'));
        let t = draw(&mut a, 160, 40);
        let buf = t.backend().buffer();
        let screen = text_of(buf);
        assert!(screen.contains(&format!(" {view} #")), "{screen}");
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                let sym = buf[(x, y)].symbol();
                let tone = sym
                    .chars()
                    .any(|c| ('\u{1f3fb}'..='\u{1f3ff}').contains(&c));
                let toned = tone && sym.chars().count() > 1;
                let joined = sym.contains('\u{200d}');
                assert!(!joined && !toned, "{view}: cell ({x}, {y}) holds {sym:?}");
            }
        }
        if view != "headers" {
            assert!(
                screen.contains('\u{1f3ff}') || screen.contains('\u{1f3fd}'),
                "{screen}"
            );
        }
    }
}
