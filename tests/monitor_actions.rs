//! The monitor driven by actions alone: no terminal, no screen, no drawing. What a key or a
//! click means is the screen's business (see `tests/screens*.rs`); what it does to the chats,
//! the stream, the filter and the detail pane is tested here.

mod common;

use common::{demo_bodies, envelopes, items, START_MS};
use wamon::monitor::{Action, ChatPos, Focus, Mode, Monitor, RowPos};
use wamon::store::Row;

fn monitor() -> Monitor {
    let mut m = Monitor::new(wamon::run_info::RunInfo::new(
        "127.0.0.1:8080".parse().unwrap(),
    ));
    m.apply(&mut items(envelopes(1, demo_bodies())), START_MS);
    m
}

fn act(m: &mut Monitor, actions: impl IntoIterator<Item = Action>) {
    for a in actions {
        m.act(a, START_MS);
    }
}

#[test]
fn a_filter_applies_as_typed_and_enter_on_an_invalid_one_restores_the_one_before() {
    let mut m = monitor();
    let all = m.view().rows.len();
    act(
        &mut m,
        [Action::OpenFilter, Action::EditFilter("kind".into())],
    );
    assert_eq!(m.mode(), Mode::Filter);
    assert_eq!(m.filter().source(), "kind");
    assert!(m.view().rows.len() < all);
    // Typing on makes it invalid: the last valid one stays applied meanwhile, and says why.
    act(&mut m, [Action::EditFilter("kind:".into())]);
    assert_eq!(m.filter().source(), "kind");
    assert!(m.filter_error().is_some());
    // Enter on it: not the prefix, but what was applied before the bar opened.
    act(&mut m, [Action::ApplyFilter("kind:".into())]);
    assert_eq!(m.mode(), Mode::Normal);
    assert_eq!(m.filter().source(), "");
    assert_eq!(m.view().rows.len(), all);
    let (toast, _) = m.toast().cloned().unwrap();
    assert!(
        toast.starts_with("not applied (kept no filter): "),
        "{toast}"
    );
    // Esc restores the one before too.
    act(
        &mut m,
        [
            Action::OpenFilter,
            Action::EditFilter("provider:meta".into()),
            Action::CancelFilter,
        ],
    );
    assert_eq!(m.filter().source(), "");
}

#[test]
fn moving_up_pauses_following_and_the_bottom_resumes_it() {
    let mut m = monitor();
    let last = m.view().last_row();
    assert!(m.follow() && m.stream_cursor() == last);
    act(&mut m, [Action::Move(Focus::Stream, -3)]);
    assert!(!m.follow());
    assert_eq!(m.stream_cursor().0, last.0 - 3);
    // Rows arriving while paused are counted, and the cursor stays on its row.
    let before = m.stream_cursor();
    let more = envelopes(1001, demo_bodies());
    m.apply(&mut items(more), START_MS);
    assert_eq!(m.stream_cursor(), before);
    assert!(m.new_while_paused() > 0);
    act(&mut m, [Action::Bottom(Focus::Stream)]);
    assert!(m.follow() && m.new_while_paused() == 0);
    assert_eq!(m.stream_cursor(), m.view().last_row());
}

#[test]
fn the_detail_pane_follows_the_selected_row_and_steps_through_its_requests() {
    let mut m = monitor();
    // A message row with several requests behind it (its statuses, a reaction, ...).
    let pos = (0..m.view().rows.len())
        .map(RowPos)
        .find(|&p| m.row_requests(m.view().row(p).unwrap()).len() > 2)
        .expect("a row with several requests");
    act(&mut m, [Action::SelectRow(pos)]);
    let reqs = m.row_requests(m.view().row(pos).unwrap());
    assert!(!m.follow());
    assert_eq!(m.detail().seq, Some(reqs[0]));
    assert!(m.detail().body.is_some() && m.detail().shown.is_some());
    act(&mut m, [Action::NextRequest, Action::NextRequest]);
    assert_eq!(m.detail().seq, Some(reqs[2]));
    act(&mut m, [Action::PrevRequest]);
    assert_eq!(m.detail().seq, Some(reqs[1]));
    // Another row starts at its first request again.
    act(&mut m, [Action::SelectRow(RowPos(0))]);
    let first = m.row_requests(m.view().row(RowPos(0)).unwrap());
    assert_eq!(m.detail().seq, Some(first[0]));
}

#[test]
fn esc_in_the_detail_pane_clears_a_search_before_leaving_the_chat() {
    let mut m = monitor();
    act(&mut m, [Action::PointChat(ChatPos(1)), Action::OpenChat]);
    let chat = m.chat().expect("a chat opened");
    assert!(m.view().rows.iter().all(|r| match *r {
        Row::Message(i) => m.store().chats().root(m.store().message(i).chat) == chat,
        Row::Event(_) => true,
    }));
    act(
        &mut m,
        [
            Action::Focus(Focus::Detail),
            Action::OpenSearch,
            Action::EditSearch("from".into()),
            Action::KeepSearch("fromMe".into()),
        ],
    );
    assert_eq!(m.search_query(), "fromMe");
    act(&mut m, [Action::Back]);
    assert_eq!(m.search_query(), "");
    assert_eq!(m.chat(), Some(chat));
    act(&mut m, [Action::Back]);
    assert_eq!(m.chat(), None);
}

#[test]
fn a_position_past_the_lists_selects_nothing() {
    let mut m = monitor();
    let (chat, row) = (m.chat_cursor(), m.stream_cursor());
    act(
        &mut m,
        [
            Action::PointChat(ChatPos(10_000)),
            Action::SelectRow(RowPos(1_000_000)),
        ],
    );
    assert_eq!((m.chat_cursor(), m.stream_cursor()), (chat, row));
    assert!(m.follow());
}

#[test]
fn copies_wait_for_the_screen_and_the_status_bar_says_what_was_copied() {
    let mut m = monitor();
    act(
        &mut m,
        [Action::Copy {
            what: "value",
            text: "Gerald \u{1b}[2J".into(),
            shown: None,
        }],
    );
    assert_eq!(m.clipboard(), vec!["Gerald \u{1b}[2J".to_owned()]);
    let (toast, _) = m.toast().cloned().unwrap();
    assert!(toast.starts_with("copied value: Gerald "), "{toast}");
    assert!(
        !toast.contains('\u{1b}'),
        "the notice is made safe: {toast:?}"
    );
    // The body as received, quoting what the viewer shows.
    act(
        &mut m,
        [Action::CopyBody {
            shown: "{…}".into(),
        }],
    );
    let body = m.detail().env.as_ref().unwrap().body.clone();
    assert_eq!(m.clipboard()[1].as_bytes(), &body[..]);
}

#[test]
fn quitting_and_help_are_actions_too() {
    let mut m = monitor();
    act(&mut m, [Action::OpenHelp]);
    assert_eq!(m.mode(), Mode::Help);
    act(&mut m, [Action::CloseHelp, Action::Quit]);
    assert_eq!(m.mode(), Mode::Normal);
    assert!(m.should_quit());
}
