//! What keys, pasted text, clicks and the wheel do to the screen state: the key table's
//! actions, the filter and search inputs, copying (OSC 52), chat selection and movement.

use super::{App, DetailView, Focus, Mode};
use crate::filter::Filter;
use crate::ui::filter_input::InputEvent;
use crate::ui::json_view::JsonView;
use crate::ui::keys::{self, Action};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;

impl App {
    /// Handles a key in the current mode; the detail pane follows the selection it leaves.
    pub fn on_key(&mut self, key: KeyEvent, now_ms: i64) {
        self.handle_key(key, now_ms);
        self.sync_detail();
    }

    fn handle_key(&mut self, key: KeyEvent, now_ms: i64) {
        // Ctrl-C quits from any mode, typing included: it must always get the user out.
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.quit = true;
            return;
        }
        // So does Ctrl-L repaint: a screen garbled by another program is fixed from anywhere.
        if key.code == KeyCode::Char('l') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.act(Action::Repaint, now_ms);
            return;
        }
        match self.mode {
            Mode::Help => match key.code {
                // The overlay scrolls on small terminals; any other key closes it.
                KeyCode::Char('j') | KeyCode::Down => self.help_scroll += 1,
                KeyCode::Char('k') | KeyCode::Up => {
                    self.help_scroll = self.help_scroll.saturating_sub(1)
                }
                KeyCode::PageDown => self.help_scroll += 10,
                KeyCode::PageUp => self.help_scroll = self.help_scroll.saturating_sub(10),
                _ => self.mode = Mode::Normal,
            },
            Mode::Filter => self.filter_key(key, now_ms),
            Mode::Search => self.search_key(key, now_ms),
            Mode::Prompt => {
                let ev = self.input.key(key);
                match ev {
                    InputEvent::Submitted(text) => self.submit_url(&text, now_ms),
                    InputEvent::Cancelled(_) => self.cancel_url(),
                    _ => self.prompt_error = None,
                }
            }
            Mode::Normal => {
                if let Some(action) = keys::lookup(self.focus.scope(), &key) {
                    self.act(action, now_ms);
                }
            }
        }
    }

    /// Handles pasted text (only meaningful while typing).
    pub fn on_paste(&mut self, text: &str) {
        if matches!(self.mode, Mode::Filter | Mode::Search | Mode::Prompt) {
            let ev = self.input.paste(text);
            // A paste only changes the text (never submits), so it needs no time.
            self.input_changed(ev, 0);
            self.sync_detail();
        }
    }

    fn filter_key(&mut self, key: KeyEvent, now_ms: i64) {
        let ev = self.input.key(key);
        self.input_changed(ev, now_ms);
    }

    fn input_changed(&mut self, ev: InputEvent, now_ms: i64) {
        match (self.mode, ev) {
            (Mode::Filter, InputEvent::Changed(text)) => self.try_filter(&text),
            (Mode::Filter, InputEvent::Submitted(text)) => {
                self.try_filter(&text);
                if let Some(e) = self.filter_error.take() {
                    // Not the last valid prefix typed: the filter applied before the bar opened.
                    let before = self.input.opened_with().to_owned();
                    self.try_filter(&before);
                    self.filter_error = None;
                    let kept = if before.trim().is_empty() {
                        "no filter".to_owned()
                    } else {
                        format!("the filter {}", before.trim())
                    };
                    let msg = format!("not applied ({e}): kept {kept}");
                    self.toast = Some((crate::display::clean(&msg).into_owned(), now_ms));
                }
                self.mode = Mode::Normal;
            }
            (Mode::Filter, InputEvent::Cancelled(prev)) => {
                self.try_filter(&prev);
                self.filter_error = None;
                self.mode = Mode::Normal;
            }
            (Mode::Search, InputEvent::Changed(text)) => self.set_search(&text),
            (Mode::Search, InputEvent::Submitted(text)) => {
                self.set_search(&text);
                self.mode = Mode::Normal;
            }
            (Mode::Search, InputEvent::Cancelled(prev)) => {
                self.set_search(&prev);
                self.mode = Mode::Normal;
            }
            _ => {}
        }
    }

    fn search_key(&mut self, key: KeyEvent, now_ms: i64) {
        let ev = self.input.key(key);
        self.input_changed(ev, now_ms);
    }

    /// Applies `text` as the filter if it parses; otherwise keeps the last valid one and
    /// remembers why this one is not valid.
    fn try_filter(&mut self, text: &str) {
        match Filter::parse(text) {
            Ok(f) => {
                self.filter_error = None;
                // Parsed terms are compared: a space or a reordering changes nothing.
                if f != self.filter {
                    self.filter = f;
                    self.rebuild_view();
                }
            }
            Err(e) => self.filter_error = Some(e),
        }
    }

    fn set_search(&mut self, text: &str) {
        self.search_query = text.to_owned();
        if let Some(j) = &mut self.detail.json {
            j.set_search(text);
        }
    }

    /// Does what `action` means.
    pub fn act(&mut self, action: Action, now_ms: i64) {
        match action {
            Action::Quit => self.quit = true,
            Action::Repaint => self.repaint = true,
            Action::Help => {
                self.mode = Mode::Help;
                self.help_scroll = 0;
            }
            Action::FocusNext => {
                self.focus = match self.focus {
                    Focus::Chats => Focus::Stream,
                    Focus::Stream => Focus::Detail,
                    Focus::Detail => Focus::Chats,
                }
            }
            Action::FocusPrev => {
                self.focus = match self.focus {
                    Focus::Chats => Focus::Detail,
                    Focus::Stream => Focus::Chats,
                    Focus::Detail => Focus::Stream,
                }
            }
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-(self.page.max(1) as isize)),
            Action::PageDown => self.move_by(self.page.max(1) as isize),
            Action::Top => self.move_by(isize::MIN / 2),
            Action::Bottom => {
                self.move_by(isize::MAX / 2);
                if self.focus == Focus::Stream {
                    self.follow = true;
                    self.new_while_paused = 0;
                }
            }
            Action::Open => self.open_chat(),
            Action::AllChats => {
                // In the detail pane Esc first clears an active search (its highlights and the
                // title's count); only then does it go back to all chats.
                if self.focus == Focus::Detail && !self.search_query.is_empty() {
                    self.set_search("");
                } else if self.chat.is_some() {
                    self.chat = None;
                    self.rebuild_view();
                }
            }
            Action::OpenFilter => {
                self.mode = Mode::Filter;
                let current = self.filter.source().to_owned();
                self.input.open(
                    &current,
                    "chat:gerald type:poll !me ack:<read \"some words\"",
                );
            }
            Action::ToggleFollow => {
                self.follow = !self.follow;
                if self.follow {
                    self.stream_cursor = self.view.rows.len().saturating_sub(1);
                    self.new_while_paused = 0;
                }
            }
            Action::ToggleRawEvents => {
                self.raw_events = !self.raw_events;
                self.rebuild_view();
            }
            Action::ToggleFormBytes => {
                self.detail.form_bytes = !self.detail.form_bytes;
                // Rebuilt at once, showing the other face of the same request.
                self.detail.seq = None;
                self.sync_detail();
            }
            Action::NextDetailView => {
                self.detail.view = self.detail.view.next();
                self.detail.scroll = 0;
            }
            Action::ToggleFold => self.with_json(JsonView::toggle_fold),
            Action::ToggleWrap => self.with_json(JsonView::toggle_wrap),
            Action::FoldAll => self.with_json(JsonView::fold_all),
            Action::UnfoldAll => self.with_json(JsonView::unfold_all),
            Action::Search => {
                self.mode = Mode::Search;
                let q = self.search_query.clone();
                self.input.open(&q, "search the JSON");
            }
            Action::SearchNext => self.with_json(JsonView::next_match),
            Action::SearchPrev => self.with_json(JsonView::prev_match),
            Action::CopyValue => {
                if let Some(j) = &self.detail.json {
                    let v = j.value_at_cursor();
                    self.copy(v, None, "value", now_ms);
                }
            }
            Action::CopyPath => {
                if let Some(j) = &self.detail.json {
                    let p = j.path_at_cursor();
                    self.copy(p, None, "path", now_ms);
                }
            }
            Action::CopyBody => {
                // The exact bytes (decoded when compressed: those are no text), unless
                // redacting (then what is shown); the notice quotes what is shown either way,
                // credentials masked.
                if let (Some(j), Some(env)) = (&self.detail.json, &self.detail.env) {
                    let shown = j.shown_text();
                    let body = match crate::body_encoding::decoded(env) {
                        Ok(b) if !self.intake.redacts() => String::from_utf8_lossy(&b).into_owned(),
                        _ => shown.clone(),
                    };
                    self.copy(body, Some(shown), "body", now_ms);
                }
            }
            Action::Resend => self.resend(false, now_ms),
            Action::EditAndSend => self.resend(true, now_ms),
            Action::CopyCurl => self.copy_curl(now_ms),
            Action::WriteMatching => self.write_matching(now_ms),
            Action::ClearHistory => self.clear_history(now_ms),
            Action::MarkRequest => self.mark_request(now_ms),
            Action::CompareRequests => self.compare_requests(now_ms),
            Action::PrevRequest => {
                self.detail.request_index = self.detail.request_index.saturating_sub(1);
            }
            Action::NextRequest => {
                let n = self.detail.row.map_or(0, |r| self.row_requests(r).len());
                if self.detail.request_index + 1 < n {
                    self.detail.request_index += 1;
                }
            }
        }
        self.sync_detail();
    }

    fn with_json(&mut self, f: impl FnOnce(&mut JsonView)) {
        if let Some(j) = &mut self.detail.json {
            f(j);
        }
    }

    /// Queues an OSC 52 clipboard write of `text` (base64: nothing in it reaches the terminal
    /// as text) and says so in the status bar, quoting `shown` (or `text`) as shown.
    pub(super) fn copy(&mut self, text: String, shown: Option<String>, what: &str, now_ms: i64) {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
        self.pending_osc.push(format!("\x1b]52;c;{b64}\x07"));
        let quote = shown.as_deref().unwrap_or(&text);
        let head: String = quote.chars().take(40).collect();
        let ell = if quote.chars().count() > 40 {
            "…"
        } else {
            ""
        };
        let head = crate::display::clean(&head);
        self.toast = Some((format!("copied {what}: {head}{ell}"), now_ms));
    }

    fn open_chat(&mut self) {
        let list = self.chat_list();
        if let Some(&c) = list.get(self.chat_cursor) {
            self.cursor_chat = Some(c);
            self.chat = Some(c);
            self.seen.insert(c, self.store.chats().message_count(c));
            self.focus = Focus::Stream;
            self.rebuild_view();
        }
    }

    fn move_by(&mut self, delta: isize) {
        match self.focus {
            Focus::Chats => {
                let n = self.chat_list().len();
                self.chat_cursor = step(self.chat_cursor, delta, n);
                self.remember_chat_cursor();
            }
            Focus::Stream => {
                let n = self.view.rows.len();
                let before = self.stream_cursor;
                self.stream_cursor = step(self.stream_cursor, delta, n);
                if delta < 0 && self.stream_cursor < before {
                    self.follow = false;
                }
                if self.stream_cursor + 1 == n && delta > 0 && !self.follow {
                    // Reaching the bottom resumes following, as in log viewers.
                    self.follow = true;
                    self.new_while_paused = 0;
                }
            }
            Focus::Detail => match (&mut self.detail.json, self.detail.view) {
                (Some(j), DetailView::Raw) => {
                    j.move_by(delta.clamp(-1_000_000, 1_000_000));
                }
                _ => {
                    let s = self.detail.scroll as isize + delta.clamp(-1_000_000, 1_000_000);
                    self.detail.scroll = s.max(0) as usize;
                }
            },
        }
    }

    /// Selects the stream row drawn at terminal row `y` (mouse click), if any.
    pub fn click(&mut self, x: u16, y: u16, row_at: impl Fn(u16) -> Option<usize>) {
        let hit = |r: Option<Rect>| {
            r.is_some_and(|r| x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height)
        };
        if hit(self.areas.chats) {
            self.focus = Focus::Chats;
            let top = self.areas.chats.map_or(0, |r| r.y + 1);
            if y >= top {
                let i = self.chats_first + (y - top) as usize;
                if i < self.chat_list().len() {
                    self.chat_cursor = i;
                    self.remember_chat_cursor();
                }
            }
        } else if hit(self.areas.stream) {
            self.focus = Focus::Stream;
            if let Some(i) = row_at(y) {
                self.stream_cursor = i;
                self.follow = i + 1 == self.view.rows.len();
            }
        } else if hit(self.areas.detail) {
            self.focus = Focus::Detail;
        }
        self.sync_detail();
    }

    /// Scrolls the pane under (x, y) by `delta` rows.
    pub fn wheel(&mut self, x: u16, y: u16, delta: isize) {
        let inside = |r: Option<Rect>| {
            r.is_some_and(|r| x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height)
        };
        let prev = self.focus;
        if inside(self.areas.chats) {
            self.focus = Focus::Chats;
        } else if inside(self.areas.stream) {
            self.focus = Focus::Stream;
        } else if inside(self.areas.detail) {
            self.focus = Focus::Detail;
        }
        self.move_by(delta);
        self.focus = prev;
        self.sync_detail();
    }
}

fn step(cur: usize, delta: isize, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    let next = cur as isize + delta;
    next.clamp(0, len as isize - 1) as usize
}
