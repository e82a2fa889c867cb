//! What each [`Action`] does to the monitor: focus, cursors and follow, the chat shown, the
//! filter and the detail pane's search as typed, copying, and the views.

use super::position::step;
use super::{Action, ChatPos, Focus, Mode, Monitor, RowPos};
use crate::filter::Filter;

impl Monitor {
    /// Does what `action` asks at time `now_ms`; the detail pane follows the selection it
    /// leaves.
    pub fn act(&mut self, action: Action, now_ms: i64) {
        self.act_unsynced(action, now_ms);
        self.sync_detail();
    }

    fn act_unsynced(&mut self, action: Action, now_ms: i64) {
        match action {
            Action::Quit => self.quit = true,
            Action::OpenHelp => self.mode = Mode::Help,
            Action::CloseHelp => self.mode = Mode::Normal,
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
            Action::Focus(f) => self.focus = f,
            Action::Move(pane, by) => self.move_by(pane, by),
            Action::Top(pane) => self.move_by(pane, isize::MIN / 2),
            Action::Bottom(pane) => {
                self.move_by(pane, isize::MAX / 2);
                if pane == Focus::Stream {
                    self.follow = true;
                    self.new_while_paused = 0;
                }
            }
            Action::PointChat(pos) => {
                if pos.0 < self.chat_list().len() {
                    self.chat_cursor = pos;
                    self.remember_chat_cursor();
                }
            }
            Action::SelectRow(pos) => {
                if self.view.row(pos).is_some() {
                    self.stream_cursor = pos;
                    self.follow = pos == self.view.last_row();
                }
            }
            Action::OpenChat => self.open_chat(),
            Action::Back => {
                // In the detail pane Esc first clears an active search (its highlights and the
                // title's count); only then does it go back to all chats.
                if self.focus == Focus::Detail && !self.search_query.is_empty() {
                    self.search_query.clear();
                } else if self.chat.is_some() {
                    self.chat = None;
                    self.rebuild_view();
                }
            }
            Action::OpenFilter => {
                self.mode = Mode::Filter;
                self.filter_before = self.filter.source().to_owned();
            }
            Action::EditFilter(text) => self.try_filter(&text),
            Action::ApplyFilter(text) => {
                self.try_filter(&text);
                if let Some(e) = self.filter_error.take() {
                    // Not the last valid prefix typed: the filter applied before the bar opened.
                    let before = std::mem::take(&mut self.filter_before);
                    self.try_filter(&before);
                    self.filter_error = None;
                    let kept = if before.trim().is_empty() {
                        "no filter".to_owned()
                    } else {
                        format!("the filter {}", before.trim())
                    };
                    // What stays applied first: a narrow status bar cuts the reason, not that.
                    let msg = format!("not applied (kept {kept}): {e}");
                    self.say(crate::display::clean(&msg).into_owned(), now_ms);
                }
                self.mode = Mode::Normal;
            }
            Action::CancelFilter => {
                let before = std::mem::take(&mut self.filter_before);
                self.try_filter(&before);
                self.filter_error = None;
                self.mode = Mode::Normal;
            }
            Action::OpenSearch => {
                self.mode = Mode::Search;
                self.search_before = self.search_query.clone();
            }
            Action::EditSearch(text) => self.search_query = text,
            Action::KeepSearch(text) => {
                self.search_query = text;
                self.mode = Mode::Normal;
            }
            Action::CancelSearch => {
                self.search_query = std::mem::take(&mut self.search_before);
                self.mode = Mode::Normal;
            }
            Action::EditUrl => self.prompt_error = None,
            Action::SubmitUrl(text) => self.submit_url(&text, now_ms),
            Action::CancelUrl => self.cancel_url(),
            Action::ToggleFollow => {
                self.follow = !self.follow;
                if self.follow {
                    self.stream_cursor = self.view.last_row();
                    self.new_while_paused = 0;
                }
            }
            Action::ToggleRawEvents => {
                self.raw_events = !self.raw_events;
                self.rebuild_view();
            }
            Action::ToggleFormBytes => self.toggle_form_bytes(),
            Action::NextDetailView => self.detail.view = self.detail.view.next(),
            Action::ShowView(view) => self.detail.view = view,
            Action::PrevRequest => {
                self.detail.request_index = self.detail.request_index.saturating_sub(1);
            }
            Action::NextRequest => {
                let n = self.detail.row.map_or(0, |r| self.row_requests(r).len());
                if self.detail.request_index + 1 < n {
                    self.detail.request_index += 1;
                }
            }
            Action::Copy { what, text, shown } => self.copy(text, shown, what, now_ms),
            Action::CopyBody { shown } => {
                // The exact bytes (decoded when compressed: those are no text), unless
                // redacting (then what is shown); the notice quotes what is shown either way,
                // credentials masked.
                if let Some(env) = &self.detail.env {
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
        }
    }

    /// Shows `msg` in the status bar for a few seconds.
    pub(super) fn say(&mut self, msg: impl Into<String>, now_ms: i64) {
        self.toast = Some((msg.into(), now_ms));
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

    /// Queues `text` for the clipboard and says so in the status bar, quoting `shown` (or
    /// `text`) as shown.
    pub(super) fn copy(&mut self, text: String, shown: Option<String>, what: &str, now_ms: i64) {
        let quote = shown.as_deref().unwrap_or(&text);
        let head: String = quote.chars().take(40).collect();
        let ell = if quote.chars().count() > 40 {
            "…"
        } else {
            ""
        };
        let head = crate::display::clean(&head);
        let msg = format!("copied {what}: {head}{ell}");
        self.clipboard.push(text);
        self.say(msg, now_ms);
    }

    fn open_chat(&mut self) {
        let list = self.chat_list();
        if let Some(&c) = list.get(self.chat_cursor.0) {
            self.cursor_chat = Some(c);
            self.chat = Some(c);
            self.seen.insert(c, self.store.chats().message_count(c));
            self.focus = Focus::Stream;
            self.rebuild_view();
        }
    }

    fn move_by(&mut self, pane: Focus, delta: isize) {
        match pane {
            Focus::Chats => {
                let n = self.chat_list().len();
                self.chat_cursor = ChatPos(step(self.chat_cursor.0, delta, n));
                self.remember_chat_cursor();
            }
            Focus::Stream => {
                let n = self.view.rows.len();
                let before = self.stream_cursor;
                self.stream_cursor = RowPos(step(before.0, delta, n));
                if delta < 0 && self.stream_cursor < before {
                    self.follow = false;
                }
                if self.stream_cursor.0 + 1 == n && delta > 0 && !self.follow {
                    // Reaching the bottom resumes following, as in log viewers.
                    self.follow = true;
                    self.new_while_paused = 0;
                }
            }
            // The detail pane's lines are the viewer's (the screen's) to move through.
            Focus::Detail => {}
        }
    }
}
