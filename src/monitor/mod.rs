//! The monitor: everything wamon knows and the user chose, with no terminal in it.
//!
//! [`Monitor`] holds the store and the request bodies, the filtered view, the chat and row
//! selection and follow state, and what the detail pane shows, as data. Three calls move it:
//! [`Monitor::apply`] (received requests), [`Monitor::act`] (what the user asked for, as an
//! [`Action`]) and [`Monitor::tick`] (the clock); besides them, the event loop runs the next
//! slice of a view rebuild ([`Monitor::continue_filtering`]) and hands back what the editor
//! made of a request ([`Monitor::edited`]). It imports no ratatui and no crossterm: the
//! screen (`crate::ui`) reads it once per frame and turns keys, clicks and pastes into actions,
//! so everything here is tested by feeding actions, without drawing.
//!
//! Request data enters the monitor at two points, both through [`Intake`]: [`Monitor::apply`]
//! (the events of every live or loaded request, before the store sees them) and
//! `sync_detail` (the request the detail pane shows: envelope, events and body), run
//! whenever the selection may have moved (actions, view refreshes), never while drawing: a frame
//! reads no file and parses nothing. What the screen draws is already safe for a terminal.
//!
//! One task owns it (the screen's event loop), so no locks.

mod act;
mod action;
mod commands;
pub mod compare;
mod detail;
pub mod forwards;
pub mod position;
pub mod raw;
pub mod read;
pub mod view;

pub use action::Action;
pub use commands::AwaitingUrl;
pub use detail::{Detail, DetailView, ShownBody};
pub use position::{ChatPos, RowPos};

use crate::display::Intake;
use crate::envelope::Envelope;
use crate::filter::{Filter, FilterError};
use crate::ingest::Item;
use crate::run_info::RunInfo;
use crate::store::{ChatIx, Row, Store};
use forwards::Forwards;
use raw::RawStore;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use view::{Slice, StreamView};

/// How long one slice of a view rebuild may scan before the loop reads keys and draws again:
/// well inside the 50 ms a key may wait.
const FILTER_SLICE: std::time::Duration = std::time::Duration::from_millis(12);

/// The focused pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Chats,
    Stream,
    Detail,
}

/// What keys currently go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Typing in the filter bar.
    Filter,
    /// Typing a search in the detail pane.
    Search,
    /// Typing the URL to send requests to (asked once).
    Prompt,
    /// The key overlay.
    Help,
}

/// Everything wamon knows and the user chose (see the module docs). Its fields are its own:
/// the screen reads them through [`read`]'s accessors and changes them only through the calls
/// the module docs name.
pub struct Monitor {
    store: Store,
    /// Makes the display copies of request data (see the module docs).
    intake: Intake,
    raw: RawStore,
    /// What the bot answered to forwarded requests.
    forwards: Forwards,
    info: RunInfo,
    focus: Focus,
    mode: Mode,
    filter: Filter,
    filter_error: Option<FilterError>,
    /// The chat shown alone in the stream.
    chat: Option<ChatIx>,
    /// Cursor in the chats list (a position in [`Monitor::chat_list`]).
    chat_cursor: ChatPos,
    /// The chat under the cursor, so that the cursor stays on it when the list changes (a new
    /// chat arriving on top, a filter): see [`Monitor::refind_chat_cursor`].
    cursor_chat: Option<ChatIx>,
    raw_events: bool,
    view: StreamView,
    /// Cursor in the stream, an index into `view.rows`.
    stream_cursor: RowPos,
    follow: bool,
    /// Rows that arrived while follow was paused.
    new_while_paused: usize,
    detail: Detail,
    /// Messages per chat already seen (for the "new" counts).
    seen: HashMap<ChatIx, u64>,
    /// (second, events) samples for the rate.
    rate: VecDeque<(i64, u64)>,
    toast: Option<(String, i64)>,
    quit: bool,
    /// Texts to put on the clipboard (the screen writes them as OSC 52 after the next draw).
    clipboard: Vec<String>,
    /// The detail pane's search, and the one before the search bar opened (Esc restores it).
    search_query: String,
    search_before: String,
    /// The filter's text when the filter bar opened (Esc restores it).
    filter_before: String,
    /// When the view was last rebuilt because rows may have changed in place.
    last_restat_ms: i64,
    /// Rows may match differently than when the view checked them (rows changed in place, or
    /// a lid chat was folded): rebuild at the next chance, at most once a second.
    view_stale: bool,
    /// The store's [`Store::chat_epoch`] the view was built at.
    chat_epoch: u64,
    /// Where `R` and `E` send: `--forward-to`, or the URL typed at the prompt.
    send_target: Option<crate::outbound::Target>,
    /// A send waiting for the URL being typed.
    awaiting_url: Option<AwaitingUrl>,
    /// Why the URL typed does not work.
    prompt_error: Option<String>,
    /// Sends asked for, carried out by the event loop.
    outbox: Vec<crate::forward::resend::SendRequest>,
    /// A request whose body the event loop should open in `$EDITOR`.
    edit_request: Option<Arc<Envelope>>,
    /// When `X` was pressed once (the second press within 3 s clears).
    clear_armed_at: Option<i64>,
    /// The request `m` marked, which `D` compares the shown one with.
    marked: Option<u64>,
}

impl Monitor {
    pub fn new(info: RunInfo) -> Monitor {
        let raw = RawStore::new(info.capture.clone(), info.loaded.clone());
        let send_target = info
            .forward
            .as_ref()
            .and_then(|f| crate::outbound::Target::parse(&f.url).ok());
        let mut store = Store::with_max_events(info.max_events);
        store.report_evictions();
        store.set_stuck_after(info.stuck_after_ms);
        Monitor {
            store,
            intake: Intake::screen(info.redact),
            raw,
            forwards: Forwards::default(),
            info,
            focus: Focus::Stream,
            mode: Mode::Normal,
            filter: Filter::default(),
            filter_error: None,
            chat: None,
            chat_cursor: ChatPos(0),
            cursor_chat: None,
            raw_events: false,
            view: StreamView::default(),
            stream_cursor: RowPos(0),
            follow: true,
            new_while_paused: 0,
            detail: Detail::default(),
            seen: HashMap::new(),
            rate: VecDeque::new(),
            toast: None,
            quit: false,
            clipboard: Vec::new(),
            search_query: String::new(),
            search_before: String::new(),
            filter_before: String::new(),
            last_restat_ms: 0,
            view_stale: false,
            chat_epoch: 0,
            send_target,
            awaiting_url: None,
            prompt_error: None,
            outbox: Vec::new(),
            edit_request: None,
            clear_armed_at: None,
            marked: None,
        }
    }

    /// The screen's clock moved on (once a second, and with each batch): `is:stuck` and the
    /// `⌛` marks are judged at `now_ms`, and a filter on them is re-checked (at most once a
    /// second, like other filters on state that changes). True if the view was rebuilt.
    pub fn tick(&mut self, now_ms: i64) -> bool {
        self.store.set_clock(now_ms);
        if self.filter.reads_clock() {
            self.view_stale = true;
        }
        self.restat(now_ms)
    }

    /// Applies received requests to the store and the view, and keeps forward results.
    pub fn apply(&mut self, batch: &mut Vec<Item>, now_ms: i64) {
        self.store.set_clock(now_ms);
        let mut events = 0u64;
        let mut evicted = false;
        for item in batch.drain(..) {
            let mut ing = match item {
                Item::Request(ing) => ing,
                Item::Forward(f) => {
                    self.forwards.insert(&f.record);
                    continue;
                }
            };
            self.intake.normalized(&mut ing.normalized);
            let env = &ing.env;
            self.store.note_request(env.seq, env.received_at_ms);
            for ev in &ing.normalized.events {
                self.store
                    .apply(ing.normalized.provider, env.seq, env.received_at_ms, ev);
                // The rate is of live traffic: `--load` replays a file in one go.
                events += u64::from(!ing.from_load);
            }
            // Rows show what wamon answered when it was not 200 (`--reply`, rejections).
            self.store.note_answer(env.seq, env.status);
            self.raw.insert(
                ing.env.clone(),
                ing.capture_offset,
                ing.capture_file,
                ing.from_load,
            );
            // After each request, before the next one can reuse an evicted chat's slot.
            if self.store.has_evicted() {
                self.forget_evicted();
                evicted = true;
            }
        }
        if evicted {
            self.purge_view();
        }
        let sec = now_ms.div_euclid(1000);
        match self.rate.back_mut() {
            Some((s, n)) if *s == sec => *n += events,
            _ => self.rate.push_back((sec, events)),
        }
        while self.rate.front().is_some_and(|(s, _)| *s < sec - 10) {
            self.rate.pop_front();
        }
        self.note_folds();
        // Acks, edits and revokes change rows in place, so a filter on them (`ack:<read`,
        // `is:edited`) can change which old rows match. Re-check the whole history for such
        // filters, at most once a second, rather than after every batch.
        if self.filter.reads_changing_state() {
            self.view_stale = true;
        }
        if !self.restat(now_ms) {
            self.refresh_view();
        }
        self.after_ingest();
    }

    /// Forgets what the store evicted: request bodies nothing refers to any more, and every
    /// mention of chats that went.
    fn forget_evicted(&mut self) {
        let gone = self.store.take_evicted();
        self.raw.forget(&gone.seqs);
        self.forwards.forget(&gone.seqs);
        for c in gone.chats {
            self.seen.remove(&c);
            self.view.chat_hits.remove(&c);
            if self.cursor_chat == Some(c) {
                // Its slot may be reused by another chat: the cursor keeps its position.
                self.cursor_chat = None;
            }
            if self.chat == Some(c) {
                // Back to all chats (a new selection rebuilds the view).
                self.chat = None;
            }
        }
    }

    /// Drops evicted rows from the view, keeping the cursor on its row (or the next one left),
    /// and lets go of a detail pane built for an evicted row.
    fn purge_view(&mut self) {
        let mut marks = [self.stream_cursor.0];
        self.view.purge(&self.store, &mut marks);
        self.stream_cursor = RowPos(marks[0]);
        if self.detail.row.is_some_and(|r| !self.store.has_row(r)) {
            self.detail.row = None;
        }
    }

    /// A lid chat folded into a phone chat shows its rows there from now on: the selection
    /// follows it, and the chat a filtered view counted each row under may have changed.
    fn note_folds(&mut self) {
        let epoch = self.store.chat_epoch();
        if epoch == self.chat_epoch {
            return;
        }
        self.chat_epoch = epoch;
        if let Some(c) = self.chat {
            // A new chat selection rebuilds the view on the next refresh.
            self.chat = Some(self.store.chats().root(c));
        }
        if !self.filter.is_empty() || self.chat.is_some() {
            self.view_stale = true;
        }
    }

    /// Rebuilds a stale view (see `view_stale`), at most once a second; true if it did.
    fn restat(&mut self, now_ms: i64) -> bool {
        // A rebuild still running in slices would only start over: let it finish first.
        if !self.view_stale || now_ms - self.last_restat_ms < 1000 || self.view.progress().is_some()
        {
            return false;
        }
        self.view_stale = false;
        self.last_restat_ms = now_ms;
        let cursor_at_end = self.follow;
        let paused_count = self.new_while_paused;
        self.view.invalidate();
        self.refresh_view();
        self.new_while_paused = paused_count;
        if !cursor_at_end {
            self.stream_cursor = self.view.last_row().min(self.stream_cursor);
        }
        true
    }

    fn after_ingest(&mut self) {
        if let Some(c) = self.chat {
            self.seen.insert(c, self.store.chats().message_count(c));
        }
    }

    /// Events per second over the last five whole seconds.
    pub fn rate(&self, now_ms: i64) -> f64 {
        let sec = now_ms.div_euclid(1000);
        let n: u64 = self
            .rate
            .iter()
            .filter(|(s, _)| *s >= sec - 5 && *s < sec)
            .map(|(_, n)| n)
            .sum();
        n as f64 / 5.0
    }

    /// Brings the filtered view up to date, or one slice of the way (a rebuild over a long
    /// history goes on in [`Monitor::continue_filtering`] between frames), and keeps the cursor where
    /// the user expects it.
    fn refresh_view(&mut self) {
        let slice = Slice::Until(std::time::Instant::now() + FILTER_SLICE);
        let added = self.view.refresh(
            &self.store,
            &self.raw,
            &self.filter,
            self.chat,
            self.raw_events,
            slice,
        );
        if self.follow {
            self.stream_cursor = self.view.last_row();
        } else {
            self.new_while_paused += added;
            self.stream_cursor = self.stream_cursor.min(self.view.last_row());
        }
        self.refind_chat_cursor();
        // While a rebuild runs, following moves the cursor on with every slice: the detail
        // pane loads the row it ends on, not one request per slice.
        if self.view.progress().is_none() {
            self.sync_detail();
        }
    }

    /// While the view is being rebuilt in slices: rows looked at and rows to look at.
    pub fn filtering_progress(&self) -> Option<(usize, usize)> {
        self.view.progress()
    }

    /// Scans the next slice of a rebuild that stopped short (see [`Monitor::filtering_progress`]).
    pub fn continue_filtering(&mut self) {
        if self.view.progress().is_some() {
            self.refresh_view();
        }
    }

    /// Runs a sliced rebuild to its end (tests, benches: the result, not the pacing).
    pub fn finish_filtering(&mut self) {
        while self.view.progress().is_some() {
            self.refresh_view();
        }
    }

    /// Puts the chat cursor back on the chat it was on, wherever the list now has it (chats move
    /// to the top as they get activity; a filter hides some). A chat that left the list leaves
    /// the cursor at its position, on whatever chat is there now.
    fn refind_chat_cursor(&mut self) {
        let list = self.chat_list();
        let chats = self.store.chats();
        let on = self.cursor_chat.map(|c| chats.root(c));
        if let Some(pos) = on.and_then(|c| list.iter().position(|&i| i == c)) {
            self.chat_cursor = ChatPos(pos);
        }
        self.chat_cursor = ChatPos(self.chat_cursor.0.min(list.len().saturating_sub(1)));
        self.cursor_chat = list.get(self.chat_cursor.0).copied();
    }

    /// Notes the chat the cursor was moved to (keys, clicks).
    fn remember_chat_cursor(&mut self) {
        self.cursor_chat = self.chat_list().get(self.chat_cursor.0).copied();
    }

    /// Rebuilds the view from scratch (filter, chat or mode changed).
    fn rebuild_view(&mut self) {
        self.view.invalidate();
        self.new_while_paused = 0;
        self.refresh_view();
        if !self.follow {
            self.stream_cursor = self.view.last_row();
            self.follow = true;
        }
    }

    /// Chats as listed: newest activity first, only those with matching rows when filtering.
    pub fn chat_list(&self) -> Vec<ChatIx> {
        let chats = self.store.chats();
        let mut list: Vec<ChatIx> = chats
            .live()
            .filter(|(i, _)| self.filter.is_empty() || self.view.chat_hits.contains_key(i))
            .map(|(i, _)| i)
            .collect();
        list.sort_by_key(|&i| std::cmp::Reverse(chats.get(i).last_seq));
        list
    }

    /// New messages in chat `i` since it was last opened.
    pub fn unread(&self, i: ChatIx) -> usize {
        let total = self.store.chats().message_count(i);
        total.saturating_sub(self.seen.get(&i).copied().unwrap_or(0)) as usize
    }

    /// How many of the rows at these view positions are stuck now (`⌛`): the screen asks for
    /// the rows it drew, and draws again when the count changes.
    pub fn stuck_among(&self, positions: impl Iterator<Item = RowPos>) -> usize {
        positions
            .filter_map(|p| self.view.row(p))
            .filter(|&row| match row {
                Row::Message(i) => self
                    .store
                    .get_message(i)
                    .is_some_and(|m| self.store.is_stuck(m)),
                Row::Event(_) => false,
            })
            .count()
    }

    /// The stream row under the cursor.
    pub fn selected_row(&self) -> Option<Row> {
        self.view.row(self.stream_cursor)
    }

    /// The requests behind a row, oldest first.
    pub fn row_requests(&self, row: Row) -> Vec<u64> {
        match row {
            Row::Message(i) => self
                .store
                .get_message(i)
                .map_or_else(Vec::new, |m| m.seqs.clone()),
            Row::Event(i) => self.store.get_event(i).map(|e| e.seq).into_iter().collect(),
        }
    }
}
