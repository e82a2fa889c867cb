//! The `?` overlay: every key, generated from the key table, plus the filter language.

use crate::ui::keys;
use crate::ui::theme;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

const FILTER_HELP: &[(&str, &str)] = &[
    ("chat:NAME", "chat name or number"),
    ("from:NAME", "sender name or number"),
    ("type:poll|image", "message type (media = any media)"),
    ("kind:status", "event kind"),
    ("provider:waha", "waha whapi meta evolution instance"),
    ("account:default", "session, channel, instance, number id"),
    ("ack:failed ack:<read", "delivery state, compared"),
    ("me  !me", "sent by me / received"),
    ("is:group is:edited", "group dm channel lid deleted…"),
    ("is:stuck", "sent, no delivery after --stuck-after"),
    ("word \"a phrase\"", "text and raw JSON, any case"),
    ("!term", "negate any term; all terms must hold"),
];

pub fn render(frame: &mut Frame, area: Rect, scroll: &mut usize) {
    let mut lines: Vec<Line> = Vec::new();
    for (name, rows) in keys::help_sections() {
        lines.push(Line::styled(name, theme::TITLE));
        for (label, help) in rows {
            lines.push(Line::from(vec![
                Span::styled(format!("  {label:<10}"), theme::KEY_HINT),
                Span::raw(help),
            ]));
        }
    }
    lines.push(Line::styled("Filter language", theme::TITLE));
    for (term, help) in FILTER_HELP {
        lines.push(Line::from(vec![
            Span::styled(format!("  {term:<21}"), theme::KEY_HINT),
            Span::raw(*help),
        ]));
    }
    lines.push(Line::styled("any key closes this", theme::DIM));
    let h = (lines.len() as u16 + 2).min(area.height);
    let visible = h.saturating_sub(2) as usize;
    *scroll = (*scroll).min(lines.len().saturating_sub(visible));
    let title = if lines.len() > visible {
        " Keys · wamon · j/k scroll "
    } else {
        " Keys · wamon "
    };
    let w = 64.min(area.width);
    let [row] = Layout::vertical([Constraint::Length(h)])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(w)])
        .flex(Flex::Center)
        .areas(row);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).scroll((*scroll as u16, 0)).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme::BORDER_FOCUSED)
                .title(Span::styled(title, theme::TITLE)),
        ),
        popup,
    );
}
