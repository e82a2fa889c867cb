//! The pair the event loop drives: the [`Monitor`] (what wamon knows and the user chose) and the
//! [`Screen`] (what its widgets remember). Terminal events come in here and leave as the
//! monitor's [`Action`]s, except those that only move a widget (the JSON viewer's cursor and
//! folds, the help overlay's scroll, a repaint), which the screen keeps to itself.

use super::filter_input::InputEvent;
use super::json_view::JsonView;
use super::keys::{self, Command};
use super::screen::Screen;
use crate::ingest::Item;
use crate::monitor::{Action, ChatPos, Focus, Mode, Monitor};
use crate::run_info::RunInfo;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEventKind};

/// The monitor and the screen that shows it.
pub struct App {
    pub monitor: Monitor,
    pub screen: Screen,
}

impl App {
    pub fn new(info: RunInfo) -> App {
        let mut screen = Screen::default();
        screen.no_color = info.no_color;
        App {
            monitor: Monitor::new(info),
            screen,
        }
    }

    /// Received requests (see [`Monitor::apply`]).
    pub fn apply(&mut self, batch: &mut Vec<Item>, now_ms: i64) {
        self.monitor.apply(batch, now_ms);
        self.screen.sync(&mut self.monitor);
    }

    /// The clock (see [`Monitor::tick`]); true if the view was rebuilt.
    pub fn tick(&mut self, now_ms: i64) -> bool {
        let rebuilt = self.monitor.tick(now_ms);
        self.screen.sync(&mut self.monitor);
        rebuilt
    }

    /// Scans the next slice of a view rebuild (see [`Monitor::continue_filtering`]).
    pub fn continue_filtering(&mut self) {
        self.monitor.continue_filtering();
        self.screen.sync(&mut self.monitor);
    }

    /// Does `action` and brings the widgets along.
    pub fn act(&mut self, action: Action, now_ms: i64) {
        self.monitor.act(action, now_ms);
        self.screen.sync(&mut self.monitor);
    }

    /// A key, in the current mode.
    pub fn on_key(&mut self, key: KeyEvent, now_ms: i64) {
        if let Some(action) = self.key_action(key) {
            self.monitor.act(action, now_ms);
        }
        self.screen.sync(&mut self.monitor);
    }

    /// Pasted text (only meaningful while typing).
    pub fn on_paste(&mut self, text: &str) {
        if let Some(action) = self.typed(|input| input.paste(text)) {
            // A paste only changes the text (never submits), so it needs no time.
            self.act(action, 0);
        }
    }

    /// A click selects what is under it; the wheel scrolls the pane under it.
    pub fn on_mouse(&mut self, kind: MouseEventKind, x: u16, y: u16, now_ms: i64) {
        let Some((pane, area)) = self.screen.areas.at(x, y) else {
            return;
        };
        let actions = match kind {
            MouseEventKind::Down(_) => {
                let mut out = vec![Action::Focus(pane)];
                match pane {
                    // Below the title row: the list's row there.
                    Focus::Chats if y > area.y => {
                        let pos = self.screen.chats.first + (y - area.y - 1) as usize;
                        out.push(Action::PointChat(ChatPos(pos)));
                    }
                    Focus::Stream => {
                        let hit = self.screen.stream.hits.iter().find(|h| y >= h.0 && y < h.1);
                        out.extend(hit.map(|h| Action::SelectRow(h.2)));
                    }
                    _ => {}
                }
                out
            }
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let by = if kind == MouseEventKind::ScrollDown {
                    3
                } else {
                    -3
                };
                if pane == Focus::Detail {
                    self.screen.detail.move_by(self.monitor.detail().view, by);
                    Vec::new()
                } else {
                    vec![Action::Move(pane, by)]
                }
            }
            _ => Vec::new(),
        };
        for a in actions {
            self.monitor.act(a, now_ms);
        }
        self.screen.sync(&mut self.monitor);
    }

    /// What `key` asks of the monitor, if anything; keys that move only a widget are handled
    /// here.
    fn key_action(&mut self, key: KeyEvent) -> Option<Action> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        // Ctrl-C quits from any mode, typing included: it must always get the user out.
        if ctrl && key.code == KeyCode::Char('c') {
            return Some(Action::Quit);
        }
        // So does Ctrl-L repaint: a screen garbled by another program is fixed from anywhere.
        if ctrl && key.code == KeyCode::Char('l') {
            self.screen.repaint = true;
            return None;
        }
        match self.monitor.mode() {
            Mode::Help => {
                let s = &mut self.screen.help_scroll;
                match key.code {
                    // The overlay scrolls on small terminals; any other key closes it.
                    KeyCode::Char('j') | KeyCode::Down => *s += 1,
                    KeyCode::Char('k') | KeyCode::Up => *s = s.saturating_sub(1),
                    KeyCode::PageDown => *s += 10,
                    KeyCode::PageUp => *s = s.saturating_sub(10),
                    _ => return Some(Action::CloseHelp),
                }
                None
            }
            Mode::Filter | Mode::Search | Mode::Prompt => self.typed(|input| input.key(key)),
            Mode::Normal => {
                let cmd = keys::lookup(self.monitor.focus().into(), &key)?;
                self.command(cmd)
            }
        }
    }

    /// Feeds the input line and says what its new text means in the current mode.
    fn typed(
        &mut self,
        feed: impl FnOnce(&mut super::filter_input::LineInput) -> InputEvent,
    ) -> Option<Action> {
        let mode = self.monitor.mode();
        if !matches!(mode, Mode::Filter | Mode::Search | Mode::Prompt) {
            return None;
        }
        let ev = feed(&mut self.screen.input);
        match (mode, ev) {
            (Mode::Filter, InputEvent::Changed(t)) => Some(Action::EditFilter(t)),
            (Mode::Filter, InputEvent::Submitted(t)) => Some(Action::ApplyFilter(t)),
            (Mode::Filter, InputEvent::Cancelled(_)) => Some(Action::CancelFilter),
            (Mode::Search, InputEvent::Changed(t)) => Some(Action::EditSearch(t)),
            (Mode::Search, InputEvent::Submitted(t)) => Some(Action::KeepSearch(t)),
            (Mode::Search, InputEvent::Cancelled(_)) => Some(Action::CancelSearch),
            (Mode::Prompt, InputEvent::Submitted(t)) => Some(Action::SubmitUrl(t)),
            (Mode::Prompt, InputEvent::Cancelled(_)) => Some(Action::CancelUrl),
            (Mode::Prompt, _) => Some(Action::EditUrl),
            _ => None,
        }
    }

    /// What a key's command asks of the monitor; widget commands are carried out here.
    fn command(&mut self, cmd: Command) -> Option<Action> {
        let focus = self.monitor.focus();
        let view = self.monitor.detail().view;
        let page = match focus {
            Focus::Chats => self.screen.chats.page,
            _ => self.screen.stream.page,
        }
        .max(1) as isize;
        // Moving in the detail pane moves its viewer; elsewhere, the monitor's cursors.
        let moving = |by: isize| match focus {
            Focus::Detail => None,
            pane => Some(Action::Move(pane, by)),
        };
        let json = self.screen.detail.json.as_mut();
        match cmd {
            Command::Up | Command::Down | Command::PageUp | Command::PageDown
                if focus == Focus::Detail =>
            {
                let by = match cmd {
                    Command::Up => -1,
                    Command::Down => 1,
                    Command::PageUp => -(self.screen.stream.page.max(1) as isize),
                    _ => self.screen.stream.page.max(1) as isize,
                };
                self.screen.detail.move_by(view, by);
                None
            }
            Command::Top | Command::Bottom if focus == Focus::Detail => {
                let by = if cmd == Command::Top {
                    isize::MIN
                } else {
                    isize::MAX
                };
                self.screen.detail.move_by(view, by);
                None
            }
            Command::Up => moving(-1),
            Command::Down => moving(1),
            Command::PageUp => moving(-page),
            Command::PageDown => moving(page),
            Command::Top => Some(Action::Top(focus)),
            Command::Bottom => Some(Action::Bottom(focus)),
            Command::Quit => Some(Action::Quit),
            Command::FocusNext => Some(Action::FocusNext),
            Command::FocusPrev => Some(Action::FocusPrev),
            Command::Open => Some(Action::OpenChat),
            Command::AllChats => Some(Action::Back),
            Command::OpenFilter => Some(Action::OpenFilter),
            Command::ToggleFollow => Some(Action::ToggleFollow),
            Command::ToggleRawEvents => Some(Action::ToggleRawEvents),
            Command::ToggleFormBytes => Some(Action::ToggleFormBytes),
            Command::Help => Some(Action::OpenHelp),
            Command::NextDetailView => Some(Action::NextDetailView),
            Command::Search => Some(Action::OpenSearch),
            Command::PrevRequest => Some(Action::PrevRequest),
            Command::NextRequest => Some(Action::NextRequest),
            Command::Resend => Some(Action::Resend),
            Command::EditAndSend => Some(Action::EditAndSend),
            Command::CopyCurl => Some(Action::CopyCurl),
            Command::WriteMatching => Some(Action::WriteMatching),
            Command::ClearHistory => Some(Action::ClearHistory),
            Command::MarkRequest => Some(Action::MarkRequest),
            Command::CompareRequests => Some(Action::CompareRequests),
            Command::Repaint => {
                self.screen.repaint = true;
                None
            }
            // The JSON viewer's own commands.
            Command::ToggleFold => viewer(json, JsonView::toggle_fold),
            Command::ToggleWrap => viewer(json, JsonView::toggle_wrap),
            Command::FoldAll => viewer(json, JsonView::fold_all),
            Command::UnfoldAll => viewer(json, JsonView::unfold_all),
            Command::SearchNext => viewer(json, JsonView::next_match),
            Command::SearchPrev => viewer(json, JsonView::prev_match),
            Command::CopyValue => json.map(|j| Action::Copy {
                what: "value",
                text: j.value_at_cursor(),
                shown: None,
            }),
            Command::CopyPath => json.map(|j| Action::Copy {
                what: "path",
                text: j.path_at_cursor(),
                shown: None,
            }),
            Command::CopyBody => json.map(|j| Action::CopyBody {
                shown: j.shown_text(),
            }),
        }
    }
}

/// Runs a JSON viewer command, when there is a viewer; the monitor is not asked for anything.
fn viewer(json: Option<&mut JsonView>, f: impl FnOnce(&mut JsonView)) -> Option<Action> {
    if let Some(j) = json {
        f(j);
    }
    None
}
