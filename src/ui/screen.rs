//! The screen's own state: what its widgets remember between frames (scroll positions, where
//! each pane and row was drawn, the line being typed, the JSON viewer's folds and cursor), and
//! nothing the monitor knows. [`Screen::sync`] brings the widgets in line with the monitor after
//! it changed; drawing then reads the monitor and writes only here.

use super::filter_input::LineInput;
use super::json_view::JsonView;
use super::{layout, panes};
use crate::monitor::{Mode, Monitor};
use ratatui::layout::Rect;
use ratatui::Frame;

/// Where panes were drawn last frame, for mouse hit-testing.
#[derive(Debug, Clone, Copy, Default)]
pub struct PaneAreas {
    pub chats: Option<Rect>,
    pub stream: Option<Rect>,
    pub detail: Option<Rect>,
}

impl PaneAreas {
    /// Which pane holds the cell (x, y), and that pane's area.
    pub fn at(&self, x: u16, y: u16) -> Option<(crate::monitor::Focus, Rect)> {
        use crate::monitor::Focus;
        let inside = |r: Rect| x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height;
        [
            (Focus::Chats, self.chats),
            (Focus::Stream, self.stream),
            (Focus::Detail, self.detail),
        ]
        .into_iter()
        .find_map(|(f, r)| r.filter(|r| inside(*r)).map(|r| (f, r)))
    }
}

/// Widget state of every pane.
pub struct Screen {
    /// The line being typed (filter, search, URL).
    pub input: LineInput,
    pub areas: PaneAreas,
    pub chats: panes::chats::ChatsState,
    pub stream: panes::stream::StreamState,
    pub detail: panes::detail::DetailState,
    /// Scroll of the help overlay.
    pub help_scroll: usize,
    /// The terminal should be cleared and drawn whole at the next draw (Ctrl-L, a resize).
    pub repaint: bool,
    /// Bytes to write to the terminal after the next draw (OSC 52 copies).
    pub pending_osc: Vec<String>,
    /// Draw without colour (`NO_COLOR`): selection and focus by reverse video and heavy lines.
    pub no_color: bool,
    /// The monitor's mode at the last sync: entering a typing mode opens the input line.
    mode: Mode,
}

impl Default for Screen {
    fn default() -> Screen {
        Screen {
            input: LineInput::default(),
            areas: PaneAreas::default(),
            chats: Default::default(),
            stream: Default::default(),
            detail: Default::default(),
            help_scroll: 0,
            repaint: false,
            pending_osc: Vec::new(),
            no_color: false,
            mode: Mode::Normal,
        }
    }
}

impl Screen {
    /// Brings the widgets in line with `m` after it changed: the input line opens with the text
    /// it edits, the JSON viewer is rebuilt for a new body (from the tree the monitor parsed:
    /// no parsing here) and given the search, and scroll positions reset for a new item.
    pub fn sync(&mut self, m: &mut Monitor) {
        if m.mode() != self.mode {
            match m.mode() {
                Mode::Filter => self.input.open(
                    m.filter().source(),
                    "chat:gerald type:poll !me ack:<read \"some words\"",
                ),
                Mode::Search => self.input.open(m.search_query(), "search the JSON"),
                Mode::Prompt => self
                    .input
                    .open("", "http://127.0.0.1:3000 (your bot; asked once)"),
                Mode::Help => self.help_scroll = 0,
                Mode::Normal => {}
            }
            self.mode = m.mode();
        }
        self.detail.sync(m);
        // Copies leave through the terminal, base64-encoded: nothing in them reaches it as text.
        for text in m.take_clipboard() {
            use base64::Engine as _;
            let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
            self.pending_osc.push(format!("\x1b]52;c;{b64}\x07"));
        }
    }

    /// Draws one frame of `m`. Every pane reads the monitor and writes only its own widget
    /// state here: a frame changes nothing wamon knows, reads no file and parses nothing.
    pub fn draw(&mut self, frame: &mut Frame, m: &Monitor, now_ms: i64) {
        let offset_s = m.info().utc_offset_s;
        let typing = matches!(m.mode(), Mode::Filter | Mode::Search | Mode::Prompt);
        let areas = layout::areas(frame.area(), m.focus(), typing);
        self.areas = PaneAreas {
            chats: areas.chats,
            stream: areas.stream,
            detail: areas.detail,
        };
        self.stream.hits.clear();
        if let Some(a) = areas.chats {
            panes::chats::render(frame, a, m, &mut self.chats, offset_s);
        }
        if let Some(a) = areas.stream {
            panes::stream::render(frame, a, m, &mut self.stream, offset_s);
        }
        if let Some(a) = areas.detail {
            panes::detail::render(frame, a, m, &mut self.detail, offset_s);
        }
        if let Some(a) = areas.input {
            panes::input::render(frame, a, m, &mut self.input);
        }
        panes::status::render(frame, areas.status, m, now_ms);
        if m.mode() == Mode::Help {
            panes::help::render(frame, frame.area(), &mut self.help_scroll);
        }
    }

    /// The JSON viewer, when the detail pane shows a body.
    pub fn json(&self) -> Option<&JsonView> {
        self.detail.json.as_ref()
    }
}
