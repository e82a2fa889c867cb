//! Colours and glyphs in one place, chosen to read on dark and light terminals alike.

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
                .add_modifier(Modifier::BOLD),
        ),
        Ack::Played => (
            "✓✓▶",
            Style::new()
                .fg(Color::LightBlue)
                .add_modifier(Modifier::BOLD),
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
