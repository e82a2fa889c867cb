//! Screen state: the store, what is focused, selected, filtered and shown. Owns the store: the
//! event loop is its only user, so no locks. What input does to it is in `input`.
//!
//! Request data enters the screen's model at two points, both through [`Intake`]: [`App::ingest`]
//! (the events of every live or loaded request, before the store sees them) and
//! [`App::sync_detail`] (the request the detail pane shows: envelope, events and body), run
//! whenever the selection may have moved (keys, pastes, clicks, view refreshes) and never while
//! drawing: a frame reads no file and parses nothing. Panes draw only what the model holds, so
//! they need no sanitising of their own.

mod actions;
mod input;

pub use actions::AwaitingUrl;

use super::filter_input::LineInput;
use super::forwards::Forwards;
use super::json_view::JsonView;
use super::keys::Scope;
use super::raw::RawStore;
use super::view::{Slice, StreamView};
use crate::display::Intake;
use crate::envelope::Envelope;
use crate::filter::{Filter, FilterError};
use crate::ingest::Item;
use crate::provider::Normalized;
use crate::run_info::RunInfo;
use crate::store::{ChatIx, Row, Store};
use ratatui::layout::Rect;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

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

impl Focus {
    pub fn scope(self) -> Scope {
        match self {
            Focus::Chats => Scope::Chats,
            Focus::Stream => Scope::Stream,
            Focus::Detail => Scope::Detail,
        }
    }
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
    Help,
}

/// The detail pane's views of the selected item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailView {
    Raw,
    Event,
    Headers,
    Ticks,
    /// What the bot answered (`--forward-to`).
    Reply,
    /// The request marked with `m` against the one shown (`D`); not in `v`'s cycle.
    Diff,
}

impl DetailView {
    pub fn next(self) -> DetailView {
        match self {
            DetailView::Raw => DetailView::Event,
            DetailView::Event => DetailView::Headers,
            DetailView::Headers => DetailView::Ticks,
            DetailView::Ticks => DetailView::Reply,
            DetailView::Reply | DetailView::Diff => DetailView::Raw,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            DetailView::Raw => "raw JSON",
            DetailView::Event => "normalised",
            DetailView::Headers => "headers",
            DetailView::Ticks => "ticks",
            DetailView::Reply => "bot reply",
            DetailView::Diff => "diff",
        }
    }
}

/// Where panes were drawn last frame, for mouse hit-testing.
#[derive(Debug, Clone, Copy, Default)]
pub struct PaneAreas {
    pub chats: Option<Rect>,
    pub stream: Option<Rect>,
    pub detail: Option<Rect>,
}

/// The detail pane's state.
pub struct Detail {
    pub view: DetailView,
    /// The display body.
    pub json: Option<JsonView>,
    /// The request shown as received (for copying the whole body), kept while it stays
    /// selected: it may have been read back from the capture file.
    pub env: Option<Arc<Envelope>>,
    /// Its display copy (the headers view) and what it normalised to (display copies too:
    /// normalising a large body is not free, so this is kept as well).
    pub shown: Option<Arc<Envelope>>,
    pub normalized: Option<Normalized>,
    /// The request shown, and which of the row's requests it is.
    pub seq: Option<u64>,
    pub request_index: usize,
    /// Scroll of the non-JSON views.
    pub scroll: usize,
    /// The row the pane was built for.
    pub row: Option<Row>,
    /// The shown body is a Twilio form, which the raw view shows as its decoded fields.
    pub is_form: bool,
    /// Show forms as the bytes received instead (`r`).
    pub form_bytes: bool,
    /// The diff view's comparison (of the marked request against the one shown), rebuilt when
    /// either changes.
    pub compare: Option<super::compare::Comparison>,
}

/// Everything the screen shows and remembers.
pub struct App {
    pub store: Store,
    /// Makes the display copies of request data (see the module docs).
    pub intake: Intake,
    pub raw: RawStore,
    /// What the bot answered to forwarded requests.
    pub forwards: Forwards,
    pub info: RunInfo,
    pub focus: Focus,
    pub mode: Mode,
    pub filter: Filter,
    pub filter_error: Option<FilterError>,
    pub input: LineInput,
    /// The chat shown alone in the stream.
    pub chat: Option<ChatIx>,
    /// Cursor in the chats list (a position in [`App::chat_list`]).
    pub chat_cursor: usize,
    /// The chat under the cursor, so that the cursor stays on it when the list changes (a new
    /// chat arriving on top, a filter): see [`App::refind_chat_cursor`].
    pub(super) cursor_chat: Option<ChatIx>,
    /// First chat drawn last frame (the list scrolls with the cursor), for mouse clicks.
    pub chats_first: usize,
    pub raw_events: bool,
    pub view: StreamView,
    /// Cursor in the stream, an index into `view.rows`.
    pub stream_cursor: usize,
    /// First row drawn in the stream when not following.
    pub stream_offset: usize,
    pub follow: bool,
    /// Rows that arrived while follow was paused.
    pub new_while_paused: usize,
    pub detail: Detail,
    /// Messages per chat already seen (for the "new" counts).
    pub seen: HashMap<ChatIx, u64>,
    /// (second, events) samples for the rate.
    rate: VecDeque<(i64, u64)>,
    pub toast: Option<(String, i64)>,
    pub quit: bool,
    /// The terminal should be cleared and drawn whole at the next draw (Ctrl-L, a resize).
    pub repaint: bool,
    pub areas: PaneAreas,
    /// Height of the stream's inner area last frame, for paging.
    pub page: usize,
    /// Bytes to write to the terminal after the next draw (OSC 52 copies).
    pub pending_osc: Vec<String>,
    pub search_query: String,
    /// Where each stream row was drawn last frame: (top, bottom, view index).
    pub stream_hits: Vec<(u16, u16, usize)>,
    /// Scroll of the help overlay.
    pub help_scroll: usize,
    /// When the view was last rebuilt because rows may have changed in place.
    last_restat_ms: i64,
    /// Rows may match differently than when the view checked them (rows changed in place, or
    /// a lid chat was folded): rebuild at the next chance, at most once a second.
    view_stale: bool,
    /// The store's [`Store::chat_epoch`] the view was built at.
    chat_epoch: u64,
    /// Where `R` and `E` send: `--forward-to`, or the URL typed at the prompt.
    pub send_target: Option<crate::outbound::Target>,
    /// A send waiting for the URL being typed.
    pub awaiting_url: Option<AwaitingUrl>,
    /// Why the URL typed does not work.
    pub prompt_error: Option<String>,
    /// Sends asked for, carried out by the event loop.
    pub outbox: Vec<crate::forward::resend::SendRequest>,
    /// A request whose body the event loop should open in `$EDITOR`.
    pub edit_request: Option<Arc<Envelope>>,
    /// When `X` was pressed once (the second press within 3 s clears).
    pub clear_armed_at: Option<i64>,
    /// The request `m` marked, which `D` compares the shown one with.
    pub marked: Option<u64>,
}

impl App {
    pub fn new(info: RunInfo) -> App {
        let raw = RawStore::new(info.capture.clone(), info.loaded.clone());
        let send_target = info
            .forward
            .as_ref()
            .and_then(|f| crate::outbound::Target::parse(&f.url).ok());
        let mut store = Store::with_max_events(info.max_events);
        store.report_evictions();
        store.set_stuck_after(info.stuck_after_ms);
        App {
            store,
            intake: Intake::screen(info.redact),
            raw,
            forwards: Forwards::default(),
            info,
            focus: Focus::Stream,
            mode: Mode::Normal,
            filter: Filter::default(),
            filter_error: None,
            input: LineInput::default(),
            chat: None,
            chat_cursor: 0,
            cursor_chat: None,
            chats_first: 0,
            raw_events: false,
            view: StreamView::default(),
            stream_cursor: 0,
            stream_offset: 0,
            follow: true,
            new_while_paused: 0,
            detail: Detail {
                view: DetailView::Raw,
                json: None,
                env: None,
                shown: None,
                normalized: None,
                seq: None,
                request_index: 0,
                scroll: 0,
                row: None,
                is_form: false,
                form_bytes: false,
                compare: None,
            },
            seen: HashMap::new(),
            rate: VecDeque::new(),
            toast: None,
            quit: false,
            repaint: false,
            areas: PaneAreas::default(),
            page: 10,
            pending_osc: Vec::new(),
            search_query: String::new(),
            stream_hits: Vec::new(),
            last_restat_ms: 0,
            view_stale: false,
            chat_epoch: 0,
            help_scroll: 0,
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
    pub fn ingest(&mut self, batch: &mut Vec<Item>, now_ms: i64) {
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
        if self.filter_reads_changing_state() {
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
        let mut marks = [self.stream_cursor, self.stream_offset];
        self.view.purge(&self.store, &mut marks);
        [self.stream_cursor, self.stream_offset] = marks;
        self.stream_hits.clear();
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
    pub fn restat(&mut self, now_ms: i64) -> bool {
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
            self.stream_cursor = self
                .stream_cursor
                .min(self.view.rows.len().saturating_sub(1));
        }
        true
    }

    fn filter_reads_changing_state(&self) -> bool {
        self.filter.reads_changing_state()
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
    /// history goes on in [`App::continue_filtering`] between frames), and keeps the cursor where
    /// the user expects it.
    pub fn refresh_view(&mut self) {
        let slice = Slice::Until(std::time::Instant::now() + FILTER_SLICE);
        let added = self.view.refresh(
            &self.store,
            &self.raw,
            &self.filter,
            self.chat,
            self.raw_events,
            slice,
        );
        let len = self.view.rows.len();
        if self.follow {
            self.stream_cursor = len.saturating_sub(1);
        } else {
            self.new_while_paused += added;
            self.stream_cursor = self.stream_cursor.min(len.saturating_sub(1));
        }
        self.refind_chat_cursor();
        self.sync_detail();
    }

    /// While the view is being rebuilt in slices: rows looked at and rows to look at.
    pub fn filtering_progress(&self) -> Option<(usize, usize)> {
        self.view.progress()
    }

    /// Scans the next slice of a rebuild that stopped short (see [`App::filtering_progress`]).
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
    pub fn refind_chat_cursor(&mut self) {
        let list = self.chat_list();
        let chats = self.store.chats();
        let on = self.cursor_chat.map(|c| chats.root(c));
        if let Some(pos) = on.and_then(|c| list.iter().position(|&i| i == c)) {
            self.chat_cursor = pos;
        }
        self.chat_cursor = self.chat_cursor.min(list.len().saturating_sub(1));
        self.cursor_chat = list.get(self.chat_cursor).copied();
    }

    /// Notes the chat the cursor was moved to (keys, clicks).
    pub(super) fn remember_chat_cursor(&mut self) {
        self.cursor_chat = self.chat_list().get(self.chat_cursor).copied();
    }

    /// Rebuilds the view from scratch (filter, chat or mode changed).
    fn rebuild_view(&mut self) {
        self.view.invalidate();
        self.new_while_paused = 0;
        self.refresh_view();
        if !self.follow {
            self.stream_cursor = self.view.rows.len().saturating_sub(1);
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

    /// How many of the rows drawn last frame are stuck now (`⌛`): when it changes, the screen
    /// is drawn again.
    pub fn stuck_on_screen(&self) -> usize {
        self.stream_hits
            .iter()
            .filter_map(|&(_, _, i)| self.view.rows.get(i))
            .filter(|&&row| match row {
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
        self.view.rows.get(self.stream_cursor).copied()
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

    /// Points the detail pane at the selected row (rebuilding the JSON view only on change).
    pub fn sync_detail(&mut self) {
        let row = self.selected_row();
        if row != self.detail.row {
            self.detail.row = row;
            self.detail.request_index = 0;
            self.detail.scroll = 0;
        }
        let seq = row.and_then(|r| {
            let reqs = self.row_requests(r);
            reqs.get(self.detail.request_index.min(reqs.len().saturating_sub(1)))
                .copied()
        });
        if seq != self.detail.seq {
            self.detail.seq = seq;
            let env = seq.and_then(|s| self.raw.get(s));
            let intake = &mut self.intake;
            self.detail.shown = env.as_deref().map(|e| Arc::new(intake.envelope(e)));
            self.detail.normalized = env.as_deref().map(|e| {
                let mut n = crate::provider::normalize(e);
                intake.normalized(&mut n);
                n
            });
            let form_bytes = self.detail.form_bytes;
            let mut is_form = false;
            self.detail.json = env
                .as_ref()
                .map(|e| match crate::body_encoding::decoded(e) {
                    Ok(body) => match intake.body(&body) {
                        Some(shown) => JsonView::parsed(&shown.bytes, shown.nodes),
                        None => {
                            // A Twilio form: its fields as JSON, unless its bytes were asked for.
                            let fields = crate::display::form::fields_json(&body);
                            is_form = fields.is_some();
                            let doc = fields.filter(|_| !form_bytes);
                            match doc.as_deref().and_then(|d| intake.body(d.as_bytes())) {
                                Some(shown) => JsonView::parsed(&shown.bytes, shown.nodes),
                                // A form's bytes, asked for with `r`: text, not broken JSON.
                                None if is_form => JsonView::new(&body)
                                    .with_redacted_text(intake.redacts())
                                    .as_text("the form's bytes as received (r: its fields)"),
                                None => JsonView::new(&body).with_redacted_text(intake.redacts()),
                            }
                        }
                    },
                    // Compressed bytes mean nothing on screen: say why they are not shown.
                    Err(why) => JsonView::new(format!("({why})").as_bytes()),
                });
            self.detail.env = env;
            self.detail.is_form = is_form;
            if let (Some(j), false) = (&mut self.detail.json, self.search_query.is_empty()) {
                j.set_search(&self.search_query);
            }
        }
        if self.detail.view == DetailView::Diff {
            self.sync_compare();
        }
    }

    /// Brings the diff view's comparison up to date: the marked request against the one shown.
    fn sync_compare(&mut self) {
        let (Some(a), Some(b)) = (self.marked, self.detail.seq) else {
            self.detail.compare = None;
            return;
        };
        if self
            .detail
            .compare
            .as_ref()
            .is_some_and(|c| (c.a, c.b) == (a, b))
        {
            return;
        }
        self.detail.scroll = 0;
        self.detail.compare = match (self.raw.get(a), self.detail.env.as_deref()) {
            (Some(ea), Some(eb)) => Some(super::compare::Comparison::new(&ea, eb, &self.intake)),
            _ => None,
        };
    }
}
