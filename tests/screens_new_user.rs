//! Bugs a new user hit (issue #11, "From a new user"), each drawn or driven on the real `App`:
//! the chat cursor follows its chat, Enter on an invalid filter keeps the one applied before,
//! wide sender names keep the text column, raw status rows say their status, `kind:` terms
//! match the messages their events reached, plurals, the rate after `--load`, phrases across
//! JSON punctuation, Ctrl-U in the filter bar, and one name per sender.

mod common;

use common::{app, draw, feed};
use common::{waha_ack, waha_msg, waha_reaction};

use common::{key, text_of, type_text, START_MS};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use serde_json::json;
use std::sync::Arc;
use wamon::envelope::Envelope;
use wamon::ingest::{Ingest, Item};
use wamon::model::ChatId;
use wamon::monitor::{Focus, Mode};
use wamon::store::Row;
use wamon::ui::App;

/// A Meta text from `from` whose profile name is `name`.
fn meta_text(id: &str, from: &str, name: &str, body: &str) -> Vec<u8> {
    json!({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
        "messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"1"},
        "contacts":[{"profile":{"name":name},"wa_id":from}],
        "messages":[{"from":from,"id":id,"timestamp":"1795262400",
            "type":"text","text":{"body":body}}]}}]}]})
    .to_string()
    .into_bytes()
}

/// The column (in cells) where `needle` starts on the row that contains it.
fn column_of(buf: &Buffer, needle: &str) -> Option<u16> {
    let first = needle.chars().next()?.to_string();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            if buf[(x, y)].symbol() != first {
                continue;
            }
            let rest: String = (x..buf.area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>();
            if rest.starts_with(needle) {
                return Some(x);
            }
        }
    }
    None
}

fn chat_named(app: &App, name: &str) -> wamon::store::ChatIx {
    app.monitor
        .chat_list()
        .into_iter()
        .find(|&c| app.monitor.store().chats().title(c) == name)
        .unwrap_or_else(|| panic!("no chat {name}"))
}

/// #2: the cursor is on a chat, not on a row number. A chat arriving on top of the list leaves
/// it where it was, and Enter opens the chat the cursor showed.
#[test]
fn the_chat_cursor_stays_on_its_chat_when_a_new_chat_arrives() {
    let mut a = app();
    feed(
        &mut a,
        &[meta_text("wamid.A", "16505550001", "Alice", "from alice")],
    );
    feed(
        &mut a,
        &[meta_text("wamid.B", "16505550002", "Bruno", "from bruno")],
    );
    a.act(
        wamon::monitor::Action::Focus(Focus::Chats),
        common::START_MS,
    );
    // Newest first: Bruno, Alice. Down to Alice.
    key(&mut a, KeyCode::Char('j'));
    let alice = chat_named(&a, "Alice");
    assert_eq!(a.monitor.chat_list()[a.monitor.chat_cursor().0], alice);
    feed(
        &mut a,
        &[meta_text("wamid.C", "16505550003", "Carla", "from carla")],
    );
    assert_eq!(a.monitor.chat_list()[0], chat_named(&a, "Carla"));
    assert_eq!(
        a.monitor.chat_list()[a.monitor.chat_cursor().0],
        alice,
        "the cursor moved off Alice"
    );
    // Activity in the chat under the cursor moves it to the top: the cursor goes with it.
    feed(
        &mut a,
        &[meta_text("wamid.A2", "16505550001", "Alice", "again")],
    );
    assert_eq!(a.monitor.chat_cursor(), wamon::monitor::ChatPos(0));
    let t = draw(&mut a, 100, 12);
    insta::assert_snapshot!(t.backend());
    feed(
        &mut a,
        &[meta_text("wamid.D", "16505550004", "Dora", "from dora")],
    );
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.monitor.chat(), Some(alice));
    // A filter that hides chats above it keeps the cursor on it too.
    key(&mut a, KeyCode::Esc);
    a.act(
        wamon::monitor::Action::Focus(Focus::Chats),
        common::START_MS,
    );
    key(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "from:alice|bruno");
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.monitor.chat_list()[a.monitor.chat_cursor().0], alice);
}

/// #3 (and Ctrl-U): Enter on an invalid filter puts back the filter applied before the bar
/// opened, not the last valid prefix typed, and says so.
#[test]
fn enter_on_an_invalid_filter_keeps_the_filter_applied_before() {
    let mut a = app();
    feed(&mut a, &common::demo_bodies());
    key(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "from:bruno");
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.monitor.filter().source(), "from:bruno");
    key(&mut a, KeyCode::Char('/'));
    // Ctrl-U clears the line (the empty filter applies while typing).
    a.on_key(
        KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL),
        START_MS,
    );
    assert!(
        a.monitor.filter().is_empty(),
        "{}",
        a.monitor.filter().source()
    );
    // `kind` is a valid word, so it applies live; `kind:` is not.
    type_text(&mut a, "kind:");
    assert_eq!(a.monitor.filter().source(), "kind");
    assert!(a.monitor.filter_error().is_some());
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.monitor.mode(), Mode::Normal);
    assert_eq!(a.monitor.filter().source(), "from:bruno");
    let said = &a.monitor.toast().unwrap().0;
    assert_eq!(
        said,
        "not applied (kept the filter from:bruno): \"kind:\" needs a value like message or status"
    );
    // On an 80-column bar the answer comes before the counters, which give way to it.
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
    t.draw(|f| wamon::ui::draw(f, &mut a, START_MS + 1000))
        .unwrap();
    let narrow = text_of(t.backend().buffer());
    let bar = narrow.lines().last().unwrap();
    assert!(
        bar.contains("· not applied (kept the filter from:bruno): \"kind:"),
        "{bar}"
    );
    assert!(bar.contains("? help"), "{bar}");
    let text = text_of(draw(&mut a, 160, 16).backend().buffer());
    assert!(text.contains("Friday works for"), "{text}");
    assert!(!text.contains("blue jacket"), "{text}");
    // With nothing applied before, nothing stays applied.
    key(&mut a, KeyCode::Char('/'));
    a.on_key(
        KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL),
        START_MS,
    );
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "|");
    key(&mut a, KeyCode::Enter);
    assert!(a.monitor.filter().is_empty());
    assert!(a
        .monitor
        .toast()
        .as_ref()
        .unwrap()
        .0
        .contains("(kept no filter)"));
}

/// #4: a lone `|` says what is wrong with it, not "empty quotes".
#[test]
fn a_lone_pipe_says_what_is_wrong() {
    let mut a = app();
    key(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "|");
    let text = text_of(draw(&mut a, 120, 12).backend().buffer());
    assert!(text.contains("\"|\" alone matches nothing"), "{text}");
    assert!(!text.contains("empty quotes"), "{text}");
}

/// #5: a sender name in wide characters is padded by display width: every row's text starts
/// in the same column.
#[test]
fn wide_sender_names_keep_the_text_column() {
    let mut a = app();
    feed(
        &mut a,
        &[
            meta_text("wamid.A", "16505550001", "Ann", "latin text"),
            meta_text("wamid.B", "16505550002", "张伟明", "cjk text"),
            meta_text("wamid.C", "16505550003", "山田太郎さん", "long cjk"),
        ],
    );
    let t = draw(&mut a, 120, 12);
    let buf = t.backend().buffer();
    let cols: Vec<Option<u16>> = ["latin text", "cjk text", "long cjk"]
        .iter()
        .map(|n| column_of(buf, n))
        .collect();
    assert!(cols[0].is_some(), "{}", text_of(buf));
    assert!(cols.iter().all(|c| *c == cols[0]), "{cols:?}");
    insta::assert_snapshot!(t.backend());
}

/// #9: with raw events on, a status row says which status it carried.
#[test]
fn raw_status_rows_show_their_status() {
    let mut a = app();
    feed(
        &mut a,
        &[
            waha_msg("S1", true, None, "see you"),
            waha_ack("S1", 2, "DEVICE"),
            waha_ack("S1", 3, "READ"),
        ],
    );
    key(&mut a, KeyCode::Char('r'));
    let t = draw(&mut a, 120, 10);
    let text = text_of(t.backend().buffer());
    assert!(text.contains("✓✓ delivered · message.ack"), "{text}");
    assert!(text.contains("✓✓ read · message.ack"), "{text}");
    insta::assert_snapshot!(t.backend());
}

/// #10: in the message view `kind:` matches the messages the events reached; with raw events
/// on, the events themselves.
#[test]
fn kind_terms_match_the_messages_their_events_reached() {
    let mut a = app();
    feed(
        &mut a,
        &[
            waha_msg("K1", true, None, "acked and liked"),
            waha_msg("K2", true, None, "left alone"),
            waha_ack("K1", 3, "READ"),
            waha_reaction("K1", "👍"),
        ],
    );
    let k1 = *a
        .monitor
        .view()
        .rows
        .iter()
        .find(|r| matches!(r, Row::Message(i) if a.monitor.store().message(*i).text.as_deref() == Some("acked and liked")))
        .unwrap();
    for f in ["kind:status", "kind:reaction", "kind:reaction|poll_vote"] {
        key(&mut a, KeyCode::Char('/'));
        a.on_key(
            KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL),
            START_MS,
        );
        type_text(&mut a, f);
        key(&mut a, KeyCode::Enter);
        assert_eq!(a.monitor.view().rows, vec![k1], "{f}");
    }
    let text = text_of(draw(&mut a, 120, 10).backend().buffer());
    assert!(text.contains("acked and liked") && !text.contains("left alone"));
    assert!(text.contains("1 match"), "{text}");
    // Under `r`: the events themselves.
    key(&mut a, KeyCode::Char('r'));
    assert_eq!(a.monitor.view().rows.len(), 1);
    let Row::Event(e) = a.monitor.view().rows[0] else {
        panic!("{:?}", a.monitor.view().rows)
    };
    assert_eq!(
        a.monitor.store().event(e).kind,
        wamon::model::Kind::Reaction
    );
    // `kind:message` still finds both messages, not the status or the reaction.
    key(&mut a, KeyCode::Char('r'));
    key(&mut a, KeyCode::Char('/'));
    a.on_key(
        KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL),
        START_MS,
    );
    type_text(&mut a, "kind:message");
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.monitor.view().rows.len(), 2);
}

/// #14: counts take the singular for one, on the status bar and in titles.
#[test]
fn one_event_is_not_one_events() {
    let mut a = app();
    feed(&mut a, &[meta_text("wamid.A", "16505550001", "Ann", "hi")]);
    let text = text_of(draw(&mut a, 160, 10).backend().buffer());
    assert!(text.contains(" 1 event ·"), "{text}");
    assert!(!text.contains("1 events"), "{text}");
    feed(
        &mut a,
        &[
            meta_text("wamid.B", "16505550001", "Ann", "hi again"),
            meta_text("wamid.C", "16505550002", "Bo", "hi there"),
        ],
    );
    key(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "hi");
    key(&mut a, KeyCode::Enter);
    let text = text_of(draw(&mut a, 160, 10).backend().buffer());
    assert!(text.contains("3 events"), "{text}");
    assert!(text.contains("Stream · all chats · 3 matches"), "{text}");
    assert!(text.contains("Chats · 2 matches"), "{text}");
}

/// #14: what `--load` replays in one go is not live traffic and does not count toward the rate.
#[test]
fn loaded_events_do_not_count_toward_the_rate() {
    let mut a = app();
    let item = |seq: u64, from_load: bool| {
        let env = Envelope::post(
            seq,
            START_MS,
            meta_text(&format!("wamid.{seq}"), "16505550001", "Ann", "hi"),
        );
        Item::Request(Ingest {
            normalized: wamon::provider::normalize(&env),
            env: Arc::new(env),
            capture_offset: None,
            capture_file: 0,
            from_load,
        })
    };
    let mut batch: Vec<Item> = (1..=500).map(|s| item(s, true)).collect();
    a.apply(&mut batch, START_MS);
    assert_eq!(a.monitor.store().counters().events, 500);
    assert_eq!(a.monitor.rate(START_MS + 1000), 0.0);
    let mut batch: Vec<Item> = (501..=510).map(|s| item(s, false)).collect();
    a.apply(&mut batch, START_MS);
    assert_eq!(a.monitor.rate(START_MS + 1000), 2.0);
}

/// #14: a phrase as the pretty raw view shows it finds the compact body it came from.
#[test]
fn a_phrase_finds_json_across_punctuation_and_spaces() {
    let mut a = app();
    feed(
        &mut a,
        &[
            waha_msg("P1", true, None, "mine"),
            waha_msg("P2", false, Some("Gerald"), "theirs"),
        ],
    );
    for f in [
        "\"fromMe: true\"",
        "\"\\\"fromMe\\\": true\"",
        "\"fromMe\": true",
    ] {
        key(&mut a, KeyCode::Char('/'));
        a.on_key(
            KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL),
            START_MS,
        );
        type_text(&mut a, f);
        key(&mut a, KeyCode::Enter);
        assert!(
            a.monitor.filter_error().is_none() && a.monitor.filter().source() == f,
            "{f}"
        );
        let text = text_of(draw(&mut a, 120, 10).backend().buffer());
        assert!(
            text.contains("mine") && !text.contains("theirs"),
            "{f}\n{text}"
        );
    }
}

/// #14: a row names its sender as the chat list does, though its own payload had no name.
#[test]
fn a_row_names_the_sender_as_the_chat_list_does() {
    let mut a = app();
    feed(
        &mut a,
        &[
            waha_msg("N1", false, None, "no name on this one"),
            waha_msg("N2", false, Some("Gerald"), "named now"),
        ],
    );
    let chat = a
        .monitor
        .store()
        .chats()
        .index_of(&ChatId::parse("5511988881111@c.us").unwrap())
        .unwrap();
    assert_eq!(a.monitor.store().chats().title(chat), "Gerald");
    let t = draw(&mut a, 120, 10);
    let text = text_of(t.backend().buffer());
    assert!(!text.contains("+55119888"), "{text}");
    let row = text
        .lines()
        .find(|l| l.contains("no name on this one"))
        .unwrap();
    assert!(row.contains("Gerald"), "{row}");
    // The filter reads the same name.
    key(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "from:gerald");
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.monitor.view().rows.len(), 2);
}
