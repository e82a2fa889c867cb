//! Screen snapshots with ratatui's TestBackend: the real `App` fed real provider bodies, drawn at
//! a fixed time so every frame is deterministic. Colours that carry meaning (read ticks, failed
//! ticks, an invalid filter's border) are asserted cell by cell, since text snapshots drop them.

mod common;

use common::waha_ack;
use common::{app, draw, feed};

use common::{demo_bodies as all_demos, key, text_of, type_text, START_MS};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEventKind};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use ratatui::Terminal;
use serde_json::json;
use wamon::envelope::Envelope;
use wamon::model::Provider;
use wamon::monitor::{Focus, Mode};
use wamon::run_info::RunInfo;
use wamon::ui::App;

fn demo(provider: &str) -> Vec<Vec<u8>> {
    let text = wamon::demo_script::builtin("conversation", provider).unwrap();
    wamon::demo_script::parse_scenario(text, START_MS)
        .unwrap()
        .into_iter()
        .map(|r| r.body)
        .collect()
}

/// Cells whose symbol is `sym`, with their foreground colour.
fn colours_of(buf: &Buffer, sym: &str) -> Vec<Color> {
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

#[test]
fn empty_screen_says_how_to_get_traffic() {
    let mut a = app();
    let t = draw(&mut a, 120, 24);
    let text = text_of(t.backend().buffer());
    assert!(text.contains("Waiting for webhooks on "));
    assert!(text.contains("    http://127.0.0.1:8080/ "));
    insta::assert_snapshot!(t.backend());
}

#[test]
fn the_empty_screen_gives_the_url_with_the_token() {
    let mut a = App::new(RunInfo {
        token: Some("k3y-9f2a_x".into()),
        ..RunInfo::new("127.0.0.1:8080".parse().unwrap())
    });
    let text = text_of(draw(&mut a, 160, 24).backend().buffer());
    assert!(text.contains("    http://127.0.0.1:8080/k3y-9f2a_x/ "));
    assert!(text.contains("curl http://127.0.0.1:8080/k3y-9f2a_x/ \\"));
    assert!(text.contains("https://<your-tunnel>/k3y-9f2a_x/"));
    assert!(!text.contains("no token"));
}

#[test]
fn a_public_address_without_a_token_is_flagged_on_screen() {
    let mut a = App::new(RunInfo::new("0.0.0.0:8080".parse().unwrap()));
    let t = draw(&mut a, 120, 24);
    let text = text_of(t.backend().buffer());
    assert!(text.contains("has no --token"), "{text}");
    assert!(text.contains("(no token!)"), "{text}");
    let status_row = t.backend().buffer().area.height - 1;
    let dot = &t.backend().buffer()[(0, status_row)];
    assert_eq!(dot.fg, Color::Red, "the status dot turns red");
}

#[test]
fn what_the_receiver_turned_away_is_counted_on_the_status_bar() {
    use std::sync::atomic::Ordering;
    let mut a = app();
    let text = text_of(draw(&mut a, 160, 24).backend().buffer());
    assert!(
        !text.contains("off-token"),
        "nothing shown before it happens"
    );
    a.monitor
        .info()
        .stats
        .off_token
        .store(12, Ordering::Relaxed);
    a.monitor
        .info()
        .stats
        .bad_method
        .store(3, Ordering::Relaxed);
    a.monitor
        .info()
        .stats
        .timed_out
        .store(1100, Ordering::Relaxed);
    a.monitor
        .info()
        .stats
        .unparsable
        .store(2, Ordering::Relaxed);
    let text = text_of(draw(&mut a, 160, 24).backend().buffer());
    for want in [
        "12 off-token",
        "3 bad method",
        "2 unparsable",
        "1,100 conns dropped",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
}

#[test]
fn populated_from_every_provider() {
    let mut a = app();
    feed(&mut a, &all_demos());
    let t = draw(&mut a, 170, 60);
    let text = text_of(t.backend().buffer());
    // Following: the newest rows (the last providers played) are in view...
    for p in ["evo", "inst"] {
        assert!(text.contains(&format!(" {p} ")), "no {p} row");
    }
    // ...and every provider reached the store.
    let providers: std::collections::HashSet<_> = a
        .monitor
        .store()
        .messages()
        .map(|(_, m)| m.provider)
        .collect();
    assert_eq!(
        providers.len(),
        wamon::demo_script::providers("conversation").len()
    );
    insta::assert_snapshot!(t.backend());
}

#[test]
fn a_poll_shows_live_tallies() {
    let mut a = app();
    feed(&mut a, &demo("whapi"));
    key(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "type:poll");
    key(&mut a, KeyCode::Enter);
    let t = draw(&mut a, 120, 16);
    let text = text_of(t.backend().buffer());
    assert!(text.contains("Ship on Friday?"));
    assert!(text.contains("2 voters"));
    insta::assert_snapshot!(t.backend());
}

fn waha_out(id: &str, body: &str) -> Vec<u8> {
    json!({"event":"message.any","session":"default","engine":"WEBJS","payload":{
        "id": format!("true_5511988881111@c.us_{id}"), "timestamp": 1_795_262_400, "from": "5511999990000@c.us",
        "to": "5511988881111@c.us", "fromMe": true, "source": "api", "body": body, "hasMedia": false}})
    .to_string()
    .into_bytes()
}

#[test]
fn every_tick_state() {
    let mut a = app();
    let states = [
        (0, "PENDING"),
        (1, "SERVER"),
        (2, "DEVICE"),
        (3, "READ"),
        (4, "PLAYED"),
        (-1, "ERROR"),
    ];
    let mut bodies = Vec::new();
    for (ack, name) in states {
        let id = format!("T{name}");
        bodies.push(waha_out(&id, &format!("this one is {name}")));
        bodies.push(waha_ack(&id, ack, name));
    }
    feed(&mut a, &bodies);
    let t = draw(&mut a, 100, 12);
    let buf = t.backend().buffer();
    let text = text_of(buf);
    for glyph in ["◷", "✓", "✓✓", "✓✓▶", "!"] {
        assert!(text.contains(glyph), "no {glyph}");
    }
    // Blue for read and played, red for failed, grey for delivered.
    assert!(colours_of(buf, "▶").contains(&Color::LightBlue));
    let bangs: Vec<Color> = colours_of(buf, "!");
    assert!(bangs.contains(&Color::Red), "{bangs:?}");
    let ticks = colours_of(buf, "✓");
    assert!(ticks.contains(&Color::LightBlue) && ticks.contains(&Color::Gray));
    insta::assert_snapshot!(t.backend());
}

#[test]
fn typing_a_valid_filter_narrows_the_stream() {
    let mut a = app();
    feed(&mut a, &demo("waha"));
    key(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "from:bruno");
    assert_eq!(a.monitor.mode(), Mode::Filter);
    let t = draw(&mut a, 120, 16);
    let text = text_of(t.backend().buffer());
    assert!(text.contains("1 match"), "{text}");
    assert!(text.contains("Friday works for"), "{text}");
    insta::assert_snapshot!(t.backend());
}

#[test]
fn an_invalid_filter_turns_the_border_red_and_keeps_the_last_valid_one() {
    let mut a = app();
    feed(&mut a, &demo("waha"));
    key(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "from:bruno type:pol");
    let t = draw(&mut a, 120, 16);
    let buf = t.backend().buffer();
    let text = text_of(buf);
    assert!(text.contains("did you mean poll"), "{text}");
    // Still filtered by the last valid filter (from:bruno).
    assert!(text.contains("Friday works for"));
    assert!(!text.contains("blue jacket"));
    let border_row = buf.area.height - 4;
    assert_eq!(buf[(0, border_row)].fg, Color::Red);
    insta::assert_snapshot!(t.backend());
    // Esc restores the filter the bar was opened with (none).
    key(&mut a, KeyCode::Esc);
    assert!(a.monitor.filter().is_empty());
    assert_eq!(a.monitor.mode(), Mode::Normal);
}

#[test]
fn the_help_overlay_lists_the_key_table() {
    let mut a = app();
    feed(&mut a, &demo("meta"));
    key(&mut a, KeyCode::Char('?'));
    let t = draw(&mut a, 120, 50);
    let text = text_of(t.backend().buffer());
    for (label, help) in wamon::ui::keys::help_sections()
        .iter()
        .flat_map(|(_, rows)| rows.clone())
    {
        assert!(text.contains(help), "help lacks {label} {help}");
    }
    insta::assert_snapshot!(t.backend());
    key(&mut a, KeyCode::Char('x'));
    assert_eq!(a.monitor.mode(), Mode::Normal);
}

#[test]
fn the_detail_pane_on_a_poll() {
    let mut a = app();
    feed(&mut a, &demo("waha"));
    key(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "type:poll");
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Tab);
    assert_eq!(a.monitor.focus(), Focus::Detail);
    let t = draw(&mut a, 170, 40);
    let text = text_of(t.backend().buffer());
    assert!(text.contains("\"pollName\": \"Ship on Friday?\""), "{text}");
    insta::assert_snapshot!("detail_raw", t.backend());
    // The tick view of the same poll.
    key(&mut a, KeyCode::Char('v'));
    key(&mut a, KeyCode::Char('v'));
    key(&mut a, KeyCode::Char('v'));
    let t = draw(&mut a, 170, 40);
    let text = text_of(t.backend().buffer());
    assert!(text.contains("Tick timeline"), "{text}");
    insta::assert_snapshot!("detail_ticks", t.backend());
}

/// A sender repeating statuses forever: the timeline keeps the first and the latest and says
/// how many it left out.
#[test]
fn the_ticks_view_counts_the_statuses_it_does_not_keep() {
    let mut a = app();
    let mut bodies = vec![waha_out("FLOOD", "acked forever")];
    for _ in 0..100 {
        bodies.push(waha_ack("FLOOD", 3, "READ"));
    }
    feed(&mut a, &bodies);
    key(&mut a, KeyCode::Tab);
    assert_eq!(a.monitor.focus(), Focus::Detail);
    for _ in 0..3 {
        key(&mut a, KeyCode::Char('v'));
    }
    let text = text_of(draw(&mut a, 260, 30).backend().buffer());
    let kept = wamon::store::message::MAX_TICKS;
    let more = format!(
        "… {} more statuses, not kept (the first and the latest {} are)",
        100 - kept,
        kept - 1
    );
    assert!(text.contains(&more), "{text}");
}

#[test]
fn eighty_by_twenty_four_works() {
    let mut a = app();
    feed(&mut a, &all_demos());
    let t = draw(&mut a, 80, 24);
    let text = text_of(t.backend().buffer());
    assert!(text.contains("Chats"));
    assert!(text.contains("Stream"));
    insta::assert_snapshot!(t.backend());
}

#[test]
fn a_narrow_terminal_collapses_to_the_focused_pane() {
    let mut a = app();
    feed(&mut a, &demo("evolution"));
    let t = draw(&mut a, 50, 16);
    let text = text_of(t.backend().buffer());
    assert!(text.contains("Stream") && !text.contains("Chats"));
    insta::assert_snapshot!(t.backend());
    key(&mut a, KeyCode::BackTab);
    let t = draw(&mut a, 50, 16);
    assert!(text_of(t.backend().buffer()).contains("Chats"));
}

#[test]
fn opening_a_chat_shows_it_alone_and_esc_goes_back() {
    let mut a = app();
    feed(&mut a, &all_demos());
    a.act(
        wamon::monitor::Action::Focus(Focus::Chats),
        common::START_MS,
    );
    let list = a.monitor.chat_list();
    let dev = list
        .iter()
        .position(|&c| a.monitor.store().chats().get(c).title() == "Dev group")
        .expect("a Dev group chat");
    a.act(
        wamon::monitor::Action::PointChat(wamon::monitor::ChatPos(dev)),
        common::START_MS,
    );
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.monitor.focus(), Focus::Stream);
    let t = draw(&mut a, 140, 30);
    let text = text_of(t.backend().buffer());
    assert!(text.contains("Stream · Dev group"), "{text}");
    assert!(!text.contains("blue jacket"));
    key(&mut a, KeyCode::Esc);
    assert!(a.monitor.chat().is_none());
}

/// The WAHA demo's second session: Gerald writing to two numbers is two chats, each labelled
/// with its account in the list, and an open one names its account in the pane titles.
#[test]
fn the_same_customer_on_two_accounts_is_two_chats_that_say_whose() {
    let mut a = app();
    feed(&mut a, &demo("waha"));
    let t = draw(&mut a, 140, 30);
    let text = text_of(t.backend().buffer());
    assert!(text.contains("Gerald ·default"), "{text}");
    assert!(text.contains("Gerald ·support"), "{text}");
    a.act(
        wamon::monitor::Action::Focus(Focus::Chats),
        common::START_MS,
    );
    let support = a
        .monitor
        .chat_list()
        .iter()
        .position(|&c| {
            let chats = a.monitor.store().chats();
            chats.get(c).title() == "Gerald"
                && a.monitor.store().account(chats.get(c).account) == Some("support")
        })
        .expect("Gerald's chat in the support session");
    a.act(
        wamon::monitor::Action::PointChat(wamon::monitor::ChatPos(support)),
        common::START_MS,
    );
    key(&mut a, KeyCode::Enter);
    let t = draw(&mut a, 140, 30);
    let text = text_of(t.backend().buffer());
    assert!(text.contains("Stream · Gerald · support"), "{text}");
    assert!(text.contains("Hello support"), "{text}");
    assert!(text.contains("12 months"), "{text}");
    assert!(!text.contains("blue jacket still available"), "{text}");
    assert!(
        text.contains("· support ·"),
        "the detail title names the account: {text}"
    );
    insta::assert_snapshot!(t.backend());
}

fn instance_dm(id: &str, chat: serde_json::Value, text: &str) -> Vec<u8> {
    json!({"event":"message","instanceId":"i-1","data":{"chat":chat,"fromMe":false,
        "messageId":id,"messageType":"text","text":text,"timestamp":1_795_262_400,
        "sender":{"name":"Gerald"}}})
    .to_string()
    .into_bytes()
}

/// A lid chat open on the screen follows its fold into the phone chat: the selection moves to
/// the phone chat, which then shows both chats' messages, and the chat list has one entry.
#[test]
fn an_open_lid_chat_follows_its_fold_into_the_phone_chat() {
    let mut a = app();
    feed(
        &mut a,
        &[
            instance_dm(
                "M1",
                json!({"lid": "777@lid", "jid": null}),
                "under the lid",
            ),
            instance_dm(
                "M2",
                json!({"jid": "5511911111111@c.us"}),
                "under the phone",
            ),
        ],
    );
    assert_eq!(a.monitor.chat_list().len(), 2);
    a.act(
        wamon::monitor::Action::Focus(Focus::Chats),
        common::START_MS,
    );
    a.act(
        wamon::monitor::Action::PointChat(wamon::monitor::ChatPos(
            a.monitor
                .chat_list()
                .iter()
                .position(|&c| a.monitor.store().chats().get(c).id.as_str() == "777@lid")
                .unwrap(),
        )),
        common::START_MS,
    );
    key(&mut a, KeyCode::Enter);
    let text = text_of(draw(&mut a, 140, 16).backend().buffer());
    assert!(
        text.contains("under the lid") && !text.contains("under the phone"),
        "{text}"
    );
    feed(
        &mut a,
        &[instance_dm(
            "M3",
            json!({"lid": "777@lid", "jid": "5511911111111@c.us"}),
            "the pair",
        )],
    );
    assert_eq!(a.monitor.chat_list().len(), 1);
    let phone = a.monitor.chat_list()[0];
    assert_eq!(a.monitor.chat(), Some(phone));
    let text = text_of(draw(&mut a, 140, 16).backend().buffer());
    for t in [
        "under the lid",
        "under the phone",
        "the pair",
        "Stream · Gerald",
    ] {
        assert!(text.contains(t), "no {t:?} in\n{text}");
    }
}

fn meta_text(id: &str, from: &str, body: &str) -> Vec<u8> {
    json!({"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages","value":{
        "messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"1"},
        "contacts":[{"profile":{"name":"Sheena"},"wa_id":from}],
        "messages":[{"from":from,"id":id,"timestamp":"1795262400",
            "type":"text","text":{"body":body}}]}}]}]})
    .to_string()
    .into_bytes()
}

fn texts(ids: std::ops::Range<usize>) -> Vec<Vec<u8>> {
    ids.map(|i| {
        meta_text(
            &format!("wamid.T{i}"),
            "16505551234",
            &format!("text number {i}"),
        )
    })
    .collect()
}

/// Past --max-events the screen keeps the newest, says how many went, keeps a paused cursor on
/// its row, and moves a cursor whose row went to the next one left.
#[test]
fn past_max_events_the_screen_keeps_the_newest_and_counts_the_rest() {
    let mut a = App::new(RunInfo {
        max_events: 20,
        ..RunInfo::new("127.0.0.1:8080".parse().unwrap())
    });
    feed(&mut a, &texts(0..30));
    let text = text_of(draw(&mut a, 140, 30).backend().buffer());
    let evicted = a.monitor.store().counters().evicted_events;
    assert!(evicted >= 9, "{evicted}");
    assert!(text.contains(&format!("{evicted} evicted")), "{text}");
    assert!(text.contains("text number 29") && !text.contains("text number 0 "));
    // Paused on a recent row: it stays selected through the next eviction.
    for _ in 0..3 {
        key(&mut a, KeyCode::Char('k'));
    }
    let selected = a.monitor.selected_row().unwrap();
    feed(&mut a, &texts(30..45));
    assert!(a.monitor.store().counters().evicted_events > evicted);
    assert_eq!(a.monitor.selected_row(), Some(selected));
    // Paused on the oldest row, which then goes: the cursor lands on the oldest row left, and
    // the detail pane follows it.
    key(&mut a, KeyCode::Char('g'));
    let _ = draw(&mut a, 140, 30);
    let oldest = a.monitor.selected_row().unwrap();
    feed(&mut a, &texts(45..70));
    assert!(!a.monitor.store().has_row(oldest));
    assert_eq!(a.monitor.stream_cursor(), wamon::monitor::RowPos(0));
    assert_eq!(
        a.monitor.selected_row(),
        a.monitor.view().rows.first().copied()
    );
    let text = text_of(draw(&mut a, 140, 30).backend().buffer());
    assert!(a
        .monitor
        .detail()
        .row
        .is_some_and(|r| a.monitor.store().has_row(r)));
    assert!(text.contains("text number 69"), "{text}");
}

/// A filtered chat list forgets a chat whose matching rows were all evicted, though the chat
/// itself is still there.
#[test]
fn a_filtered_chat_list_forgets_chats_whose_matches_were_evicted() {
    let mut a = App::new(RunInfo {
        max_events: 16,
        ..RunInfo::new("127.0.0.1:8080".parse().unwrap())
    });
    key(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "alpha");
    key(&mut a, KeyCode::Enter);
    feed(&mut a, &[meta_text("wamid.A1", "16505550001", "alpha")]);
    feed(&mut a, &texts(0..4));
    let chat_a = a
        .monitor
        .store()
        .chats()
        .index_of(&wamon::model::ChatId::parse("16505550001").unwrap());
    assert_eq!(
        a.monitor.chat_list(),
        chat_a.into_iter().collect::<Vec<_>>()
    );
    feed(&mut a, &[meta_text("wamid.A2", "16505550001", "beta")]);
    feed(&mut a, &texts(4..16));
    assert!(a
        .monitor
        .store()
        .find_message(Provider::Meta, "wamid.A1")
        .is_none());
    assert!(a
        .monitor
        .store()
        .find_message(Provider::Meta, "wamid.A2")
        .is_some());
    assert!(
        a.monitor.chat_list().is_empty(),
        "{:?}",
        a.monitor.chat_list()
    );
}

#[test]
fn moving_up_pauses_follow_and_counts_new_rows() {
    let mut a = app();
    feed(&mut a, &demo("waha"));
    key(&mut a, KeyCode::Char('k'));
    assert!(!a.monitor.follow());
    feed(&mut a, &demo("whapi"));
    let t = draw(&mut a, 140, 20);
    let text = text_of(t.backend().buffer());
    assert!(text.contains("paused ·") && text.contains(" new"), "{text}");
    key(&mut a, KeyCode::Char('G'));
    assert!(a.monitor.follow());
}

fn down() -> MouseEventKind {
    MouseEventKind::Down(crossterm::event::MouseButton::Left)
}

#[test]
fn clicks_select_rows_and_the_wheel_scrolls() {
    let mut a = app();
    feed(&mut a, &all_demos());
    let _ = draw(&mut a, 170, 40);
    // Click the second chat row (row 0 is the top border).
    let chats = a.screen.areas.chats.unwrap();
    a.on_mouse(down(), chats.x + 2, chats.y + 2, START_MS);
    assert_eq!(a.monitor.focus(), Focus::Chats);
    assert_eq!(a.monitor.chat_cursor(), wamon::monitor::ChatPos(1));
    // Click a stream row: the hit test maps it to that row and pauses follow.
    let _ = draw(&mut a, 170, 40);
    let (top, _, row) = a.screen.stream.hits[1];
    let stream = a.screen.areas.stream.unwrap();
    a.on_mouse(down(), stream.x + 3, top, START_MS);
    assert_eq!(a.monitor.focus(), Focus::Stream);
    assert_eq!(a.monitor.stream_cursor(), row);
    assert!(!a.monitor.follow());
    // The wheel scrolls the pane under the pointer without moving the focus.
    a.act(
        wamon::monitor::Action::Focus(Focus::Detail),
        common::START_MS,
    );
    a.on_mouse(MouseEventKind::ScrollUp, stream.x + 3, top, START_MS);
    assert_eq!(a.monitor.stream_cursor().0, row.0 - 3);
    assert_eq!(a.monitor.focus(), Focus::Detail);
}

#[test]
fn ctrl_c_quits_even_while_typing_a_filter() {
    let mut a = app();
    key(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "type:");
    assert_eq!(a.monitor.mode(), Mode::Filter);
    a.on_key(
        KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
        START_MS,
    );
    assert!(a.monitor.should_quit());
}

#[test]
fn tiny_terminals_never_panic() {
    let mut a = app();
    feed(&mut a, &all_demos());
    for (w, h) in [
        (1, 1),
        (2, 2),
        (10, 3),
        (20, 5),
        (30, 8),
        (59, 10),
        (60, 4),
        (119, 6),
    ] {
        for focus in [Focus::Chats, Focus::Stream, Focus::Detail] {
            a.act(wamon::monitor::Action::Focus(focus), common::START_MS);
            let _ = draw(&mut a, w, h);
            key(&mut a, KeyCode::Char('?'));
            let _ = draw(&mut a, w, h);
            key(&mut a, KeyCode::Char('x'));
            key(&mut a, KeyCode::Char('/'));
            type_text(&mut a, "type:pol");
            let _ = draw(&mut a, w, h);
            key(&mut a, KeyCode::Esc);
        }
    }
}

#[test]
fn the_help_overlay_scrolls_on_a_small_terminal() {
    let mut a = app();
    key(&mut a, KeyCode::Char('?'));
    let t = draw(&mut a, 80, 24);
    let first = text_of(t.backend().buffer());
    assert!(first.contains("j/k scroll"), "{first}");
    assert!(!first.contains("Filter language"));
    for _ in 0..40 {
        key(&mut a, KeyCode::Char('j'));
    }
    assert_eq!(a.monitor.mode(), Mode::Help);
    let t = draw(&mut a, 80, 24);
    let last = text_of(t.backend().buffer());
    assert!(last.contains("Filter language"), "{last}");
    assert!(last.contains("any key closes this"));
    key(&mut a, KeyCode::Char('q'));
    assert_eq!(a.monitor.mode(), Mode::Normal);
    assert!(!a.monitor.should_quit(), "q closes the overlay first");
}

#[test]
fn a_huge_message_is_cut_to_its_row_and_its_json_still_opens() {
    let mut a = app();
    let text = format!("start {}", "lorem ipsum ".repeat(250_000));
    let body = json!({"event":"message","session":"default","payload":{
        "id": "false_5511988881111@c.us_HUGE", "from": "5511988881111@c.us", "fromMe": false,
        "body": text, "hasMedia": false}})
    .to_string()
    .into_bytes();
    assert!(body.len() > 3_000_000);
    feed(&mut a, &[body]);
    key(&mut a, KeyCode::Tab);
    let t = draw(&mut a, 120, 20);
    let screen = text_of(t.backend().buffer());
    assert!(screen.contains("start lorem ipsum"), "{screen}");
    assert!(screen.contains("\"body\": \"start lorem"), "{screen}");
}

#[test]
fn a_reopened_capture_is_flagged_on_the_status_bar() {
    use wamon::capture_path::CapturePath;
    let cp = std::sync::Arc::new(CapturePath::new(
        std::path::Path::new("/tmp/caps/run.jsonl"),
        (1, 1),
    ));
    let mut a = App::new(RunInfo {
        capture: Some(cp.clone()),
        ..RunInfo::new("127.0.0.1:8080".parse().unwrap())
    });
    feed(&mut a, &demo("waha")[..1]);
    let text = text_of(draw(&mut a, 200, 24).backend().buffer());
    assert!(text.contains("capture /tmp/caps/run.jsonl"), "{text}");
    assert!(!text.contains("reopened"));
    cp.reopened((1, 2));
    let text = text_of(draw(&mut a, 200, 24).backend().buffer());
    assert!(
        text.contains("capture reopened: /tmp/caps/run.jsonl"),
        "{text}"
    );
    cp.reopened((1, 3));
    let text = text_of(draw(&mut a, 200, 24).backend().buffer());
    assert!(
        text.contains("capture reopened ×2: /tmp/caps/run.jsonl"),
        "{text}"
    );
    let text = text_of(draw(&mut a, 100, 24).backend().buffer());
    assert!(
        text.contains("capture reopened"),
        "narrow screens too: {text}"
    );
}

/// The status bar's last line of a frame.
fn status_line(t: &Terminal<TestBackend>) -> String {
    let text = text_of(t.backend().buffer());
    text.lines().last().unwrap().to_owned()
}

#[test]
fn the_hints_lead_with_help_and_shorten_before_they_vanish() {
    let mut a = app();
    feed(&mut a, &demo("waha"));
    for focus in [Focus::Chats, Focus::Stream, Focus::Detail] {
        a.act(wamon::monitor::Action::Focus(focus), common::START_MS);
        for w in [80, 100, 120, 160, 200] {
            let line = status_line(&draw(&mut a, w, 30));
            assert!(line.contains("│ ? help"), "{focus:?} at {w}: {line:?}");
        }
    }
    // At 120 columns the status leaves little room: the other hints are there, as keys alone.
    a.act(
        wamon::monitor::Action::Focus(Focus::Stream),
        common::START_MS,
    );
    let line = status_line(&draw(&mut a, 120, 30));
    assert!(
        line.trim_end().ends_with("│ ? help q Tab c/Esc /"),
        "{line:?}"
    );
    // With room, every hint is whole.
    let line = status_line(&draw(&mut a, 260, 30));
    assert!(
        line.contains("? help q quit Tab next pane c/Esc back to all chats"),
        "{line:?}"
    );
}

#[test]
fn the_empty_screen_gives_a_curl_to_the_running_receiver_that_fits() {
    let mut a = App::new(RunInfo::new("127.0.0.1:18123".parse().unwrap()));
    let t = draw(&mut a, 80, 24);
    let text = text_of(t.backend().buffer());
    assert!(text.contains("│    http://127.0.0.1:18123/ "), "{text}");
    assert!(text.contains("curl http://127.0.0.1:18123/ \\"), "{text}");
    assert!(
        text.contains(r#"-d '{"event":"message","session":"s","payload":{}}'"#),
        "{text}"
    );
}

/// Meta's verification GET as the receiver records it, refused for a wrong token.
fn refused_verify(seq: u64) -> Envelope {
    let mut env = Envelope::post(seq, START_MS + 1000 * seq as i64, Vec::new());
    env.method = "GET".into();
    env.path = "/webhook".into();
    env.query = Some("hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1".into());
    env.status = 403;
    env.note = Some("hub.verify_token does not match".into());
    env
}

#[test]
fn a_refused_verify_request_is_a_rejected_row_and_is_counted() {
    let mut a = app();
    common::ingest(&mut a, [refused_verify(1)]);
    a.act(
        wamon::monitor::Action::Focus(Focus::Stream),
        common::START_MS,
    );
    key(&mut a, KeyCode::Char('g'));
    let t = draw(&mut a, 260, 20);
    let text = text_of(t.backend().buffer());
    assert!(text.contains("1 rejected · 0 malformed"), "{text}");
    assert!(text.contains("meta  [rejected] "), "{text}");
    assert!(
        text.contains(
            "verify · Meta verification handshake refused: hub.verify_token does not match"
        ),
        "{text}"
    );
    assert!(text.contains("raw JSON #1 · meta · verify"), "{text}");
    assert!(!text.contains("unknown"), "{text}");
}

#[test]
fn without_colour_selection_focus_and_read_ticks_still_show() {
    let mut a = app();
    a.screen.no_color = true;
    let mut bodies = Vec::new();
    for (id, ack, name) in [("TD", 2, "DEVICE"), ("TR", 3, "READ")] {
        bodies.push(waha_out(id, &format!("this one is {name}")));
        bodies.push(waha_ack(id, ack, name));
    }
    feed(&mut a, &bodies);
    a.act(
        wamon::monitor::Action::Focus(Focus::Stream),
        common::START_MS,
    );
    let t = draw(&mut a, 100, 12);
    let buf = t.backend().buffer();
    // No colour anywhere.
    for cell in &buf.content {
        assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset), "{cell:?}");
    }
    let text = text_of(buf);
    let rows: Vec<&str> = text.lines().collect();
    // The focused pane (the stream) is drawn heavy, the others light.
    let stream_top = rows[0];
    assert!(
        stream_top.contains("┏ Stream") && stream_top.contains("┌ Chats"),
        "{stream_top}"
    );
    // The selected row (the last, followed) is reversed.
    let y = rows
        .iter()
        .position(|r| r.contains("this one is READ"))
        .unwrap() as u16;
    let x = rows[y as usize].find("this one").unwrap();
    let x = rows[y as usize][..x].chars().count() as u16;
    assert!(buf[(x, y)].modifier.contains(Modifier::REVERSED));
    let other = rows
        .iter()
        .position(|r| r.contains("this one is DEVICE"))
        .unwrap() as u16;
    assert!(!buf[(x, other)].modifier.contains(Modifier::REVERSED));
    // Read ticks are underlined, delivered ones are not.
    let underlined_on = |y: u16| {
        (0..buf.area.width)
            .filter(|&x| buf[(x, y)].symbol() == "✓")
            .map(|x| buf[(x, y)].modifier.contains(Modifier::UNDERLINED))
            .collect::<Vec<_>>()
    };
    assert_eq!(underlined_on(y), [true, true]);
    assert_eq!(underlined_on(other), [false, false]);
    insta::assert_snapshot!(t.backend());
}

#[test]
fn ctrl_l_repaints_from_any_mode() {
    let mut a = app();
    let ctrl_l = KeyEvent::new(KeyCode::Char('l'), KeyModifiers::CONTROL);
    a.on_key(ctrl_l, START_MS);
    assert!(a.screen.repaint);
    a.screen.repaint = false;
    key(&mut a, KeyCode::Char('/'));
    a.on_key(ctrl_l, START_MS);
    assert!(a.screen.repaint && a.monitor.mode() == Mode::Filter);
}

#[test]
fn emoji_sequences_keep_to_the_cells_they_are_given() {
    let mut a = app();
    let body = json!({"event":"message","session":"default","payload":{
        "id":"false_5511988881111@c.us_E1","timestamp":1_795_262_400,"from":"5511988881111@c.us",
        "fromMe":false,"body":"ok 👍🏿 fam 👨‍👩‍👧 dev 👩🏽‍💻 end","hasMedia":false}});
    feed(&mut a, &[body.to_string().into_bytes()]);
    let t = draw(&mut a, 160, 10);
    let buf = t.backend().buffer();
    let syms: Vec<&str> = buf.content.iter().map(|c| c.symbol()).collect();
    // Every cell holds one emoji at most: the tone stands in a cell of its own, and no cell
    // holds a joined sequence whose width terminals disagree on.
    for s in &syms {
        assert!(
            !(s.contains('\u{200d}') || s.chars().count() > 1 && s.contains('🏿')),
            "{s:?}"
        );
    }
    let text = text_of(buf);
    assert!(text.contains("ok 👍 🏿  fam 👨  dev 👩 🏽  end"), "{text}");
}

#[test]
fn a_wide_character_under_the_help_overlays_edge_never_eats_its_border() {
    let mut a = app();
    // Names of every width, so that some wide character lands under the overlay's left edge.
    let bodies: Vec<Vec<u8>> = (0..12)
        .map(|i| {
            json!({"event":"message","session":"default","payload":{
                "id": format!("false_551198888111{i}@c.us_W{i}"),"timestamp":1_795_262_400,
                "from": format!("551198888111{i}@c.us"),"fromMe":false,
                "body": format!("{}👍🏿日本語👍🏿日本語👍🏿日本語", "x".repeat(i)),"hasMedia":false}})
            .to_string()
            .into_bytes()
        })
        .collect();
    feed(&mut a, &bodies);
    key(&mut a, KeyCode::Char('?'));
    let t = draw(&mut a, 200, 40);
    let buf = t.backend().buffer();
    let text = text_of(buf);
    let rows: Vec<&str> = text.lines().collect();
    let top = rows
        .iter()
        .position(|r| r.contains("Keys · wamon"))
        .unwrap();
    let chars: Vec<char> = rows[top].chars().collect();
    let keys = rows[top][..rows[top].find("Keys").unwrap()].chars().count();
    let left = (0..keys).rev().find(|&x| chars[x] == '┌').unwrap() as u16;
    assert!(left > 0);
    for y in top + 1..rows.len() {
        let y = y as u16;
        if buf[(left, y)].symbol() == "└" {
            break;
        }
        assert_eq!(buf[(left, y)].symbol(), "│", "row {y}:\n{text}");
        // And the cell before it is no wide character reaching over it.
        let before = buf[(left - 1, y)].symbol();
        assert!(
            unicode_width::UnicodeWidthStr::width(before) < 2,
            "row {y}: {before:?}\n{text}"
        );
    }
}
