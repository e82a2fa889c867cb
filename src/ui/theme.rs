//! Colours and glyphs in one place, chosen to read on dark and light terminals alike.
//!
//! Nothing is told by colour alone, so that the screen still reads under `NO_COLOR` (where
//! [`monochrome`] takes every colour out of a drawn frame): the selected row is bold (reversed
//! once its colour is gone), the focused pane's border is drawn heavy, and read or played ticks
//! are underlined.

use crate::model::{Ack, MessageType, Provider};
use ratatui::style::{Color, Modifier, Style};

pub const BORDER: Style = Style::new().fg(Color::DarkGray);
pub const BORDER_FOCUSED: Style = Style::new().fg(Color::Cyan);
pub const BORDER_ERROR: Style = Style::new().fg(Color::Red);
pub const TITLE: Style = Style::new().add_modifier(Modifier::BOLD);
pub const DIM: Style = Style::new().fg(Color::DarkGray);
pub const TIME: Style = Style::new().fg(Color::DarkGray);
pub const SENDER: Style = Style::new().fg(Color::Yellow);
pub const ME: Style = Style::new().fg(Color::Green);
pub const SELECTED: Style = Style::new()
    .bg(Color::Rgb(40, 44, 52))
    .add_modifier(Modifier::BOLD);
pub const SELECTED_UNFOCUSED: Style = Style::new().add_modifier(Modifier::REVERSED);
pub const ERROR: Style = Style::new().fg(Color::Red);
pub const WARN: Style = Style::new().fg(Color::Yellow);
pub const OK: Style = Style::new().fg(Color::Green);
pub const BAR: Style = Style::new().fg(Color::Cyan);
pub const DELETED: Style = Style::new()
    .fg(Color::DarkGray)
    .add_modifier(Modifier::CROSSED_OUT);
pub const STATUS_BAR: Style = Style::new().fg(Color::Gray);
pub const KEY_HINT: Style = Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD);

/// Provider label colour.
pub fn provider(p: Provider) -> Style {
    Style::new().fg(match p {
        Provider::Waha => Color::LightGreen,
        Provider::Whapi => Color::LightBlue,
        Provider::Meta => Color::LightMagenta,
        Provider::Evolution => Color::LightYellow,
        Provider::Instance => Color::LightCyan,
        Provider::EvolutionGo => Color::Yellow,
        Provider::Twilio => Color::LightRed,
        Provider::GreenApi => Color::Green,
        Provider::Zapi => Color::Cyan,
        Provider::Unknown => Color::Gray,
    })
}

/// Short provider label for narrow columns.
pub fn provider_short(p: Provider) -> &'static str {
    match p {
        Provider::Waha => "waha",
        Provider::Whapi => "whapi",
        Provider::Meta => "meta",
        Provider::Evolution => "evo",
        Provider::Instance => "inst",
        Provider::EvolutionGo => "evgo",
        Provider::Twilio => "twil",
        Provider::GreenApi => "green",
        Provider::Zapi => "zapi",
        Provider::Unknown => "?",
    }
}

/// Tick glyphs as WhatsApp shows them: clock, ✓, ✓✓, blue ✓✓, played, red !.
pub fn tick(ack: Ack) -> (&'static str, Style) {
    match ack {
        Ack::Pending => ("◷", DIM),
        Ack::Sent => ("✓", Style::new().fg(Color::Gray)),
        Ack::Delivered => ("✓✓", Style::new().fg(Color::Gray)),
        Ack::Read => (
            "✓✓",
            Style::new()
                .fg(Color::LightBlue)
                .add_modifier(Modifier::BOLD.union(Modifier::UNDERLINED)),
        ),
        Ack::Played => (
            "✓✓▶",
            Style::new()
                .fg(Color::LightBlue)
                .add_modifier(Modifier::BOLD.union(Modifier::UNDERLINED)),
        ),
        Ack::Failed => (
            "!",
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        ),
    }
}

/// One-cell-ish icon per message type, so the stream can be scanned by shape.
pub fn type_icon(t: Option<MessageType>) -> &'static str {
    use MessageType as T;
    match t {
        None | Some(T::Text) => " ",
        Some(T::Image) => "▣",
        Some(T::Video | T::Gif) => "▶",
        Some(T::Audio) => "♫",
        Some(T::Voice) => "♪",
        Some(T::Document) => "▤",
        Some(T::Sticker) => "☺",
        Some(T::Location | T::LiveLocation) => "⌖",
        Some(T::Contact) => "☎",
        Some(T::Poll) => "☰",
        Some(T::Interactive | T::Button | T::Template) => "☐",
        Some(T::Order | T::Product | T::Catalog) => "$",
        Some(T::LinkPreview | T::GroupInvite) => "↗",
        Some(T::Call) => "✆",
        Some(T::System | T::Event | T::Story) => "•",
        Some(T::Unsupported) => "?",
    }
}

/// The bordered block of a pane, highlighted when focused.
pub fn pane_block<'a>(
    title: impl Into<ratatui::text::Line<'a>>,
    focused: bool,
) -> ratatui::widgets::Block<'a> {
    ratatui::widgets::Block::default()
        .borders(ratatui::widgets::Borders::ALL)
        .border_style(if focused { BORDER_FOCUSED } else { BORDER })
        .title(title)
}

/// Takes every colour out of a drawn frame (`NO_COLOR`), keeping what colour said: a cell that
/// stood out by its background (the selected row, the JSON cursor, a search match) is reversed,
/// and the border of `focused` (the focused pane's area) is redrawn with heavy lines.
pub fn monochrome(buf: &mut ratatui::buffer::Buffer, focused: Option<ratatui::layout::Rect>) {
    for cell in &mut buf.content {
        if cell.bg != Color::Reset {
            cell.modifier.insert(Modifier::REVERSED);
        }
        cell.fg = Color::Reset;
        cell.bg = Color::Reset;
    }
    let Some(r) = focused.map(|r| r.intersection(buf.area)) else {
        return;
    };
    if r.width < 2 || r.height < 2 {
        return;
    }
    let (right, bottom) = (r.right() - 1, r.bottom() - 1);
    for y in r.top()..=bottom {
        for x in r.left()..=right {
            if !(y == r.top() || y == bottom || x == r.left() || x == right) {
                continue;
            }
            let cell = &mut buf[(x, y)];
            let heavy = match cell.symbol() {
                "─" => "━",
                "│" => "┃",
                "┌" => "┏",
                "┐" => "┓",
                "└" => "┗",
                "┘" => "┛",
                _ => continue,
            };
            cell.set_symbol(heavy);
        }
    }
}
