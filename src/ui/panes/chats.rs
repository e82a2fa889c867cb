//! The chats pane: one row per canonical chat, newest activity first.

use crate::model::ChatKind;
use crate::monitor::{Focus, Monitor};
use crate::ui::format::{clock_short, fit, width};
use crate::ui::theme;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// What the chat list remembers between frames.
#[derive(Debug, Default)]
pub struct ChatsState {
    /// First chat drawn (the list scrolls with the cursor), for mouse clicks.
    pub first: usize,
    /// Rows the list had room for, for paging.
    pub page: usize,
}

/// Draws the chat list.
pub fn render(frame: &mut Frame, area: Rect, m: &Monitor, state: &mut ChatsState, offset_s: i32) {
    let focused = m.focus() == Focus::Chats;
    let list = m.chat_list();
    let title = if m.filter().is_empty() {
        format!(" Chats · {} ", list.len())
    } else {
        format!(
            " Chats · {} ",
            crate::ui::format::plural(list.len() as u64, "match", "matches")
        )
    };
    let block = theme::pane_block(Span::styled(title, theme::TITLE), focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if list.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled(" no chats yet", theme::DIM)),
            inner,
        );
        return;
    }
    let cursor = m.chat_cursor().0.min(list.len() - 1);
    let height = inner.height as usize;
    let first = cursor.saturating_sub(height.saturating_sub(1));
    state.first = first;
    state.page = height.saturating_sub(1).max(1);
    let w = inner.width as usize;
    let lines: Vec<Line> = list
        .iter()
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(pos, &i)| {
            let chat = m.store().chats().get(i);
            let (marker, short_marker) = match chat.kind() {
                ChatKind::Group => (" [g]", " [g]"),
                ChatKind::Channel => (" [ch]", " [ch]"),
                ChatKind::Lid => (" (lid)", " (l)"),
                ChatKind::Bsuid => (" (user id)", " (u)"),
                ChatKind::Status => (" [st]", " [st]"),
                ChatKind::Broadcast => (" [bc]", " [bc]"),
                ChatKind::User | ChatKind::Other => ("", ""),
            };
            // With several accounts the same customer can be several chats: say whose.
            let account = m
                .store()
                .account(chat.account)
                .filter(|_| m.store().account_count() > 1);
            let unread = m.unread(i);
            let time = clock_short(chat.last_activity_ms, offset_s);
            let prov = theme::provider_short(chat.provider);
            let show_prov = w >= 26;
            let right_full = match (unread > 0, w >= 22) {
                (true, true) => format!("{unread} · {time}"),
                (true, false) => unread.to_string(),
                (false, true) => format!("· {time}"),
                (false, false) => String::new(),
            };
            let right_short = if unread > 0 {
                unread.to_string()
            } else {
                String::new()
            };
            let shown = m.chat() == Some(i);
            let lead = if shown { "▶" } else { " " };
            let prov_w = if show_prov { prov.len() + 1 } else { 0 };
            let title = m.store().chats().title(i);
            // The name is what people read and keeps 8 columns. Then the account (with several,
            // it is what tells two chats with one customer apart), for which the time gives way;
            // then the long form of the marker.
            let want = width(&title).min(8);
            let labelled = |right: &String| {
                let room = w.saturating_sub(width(right) + prov_w + 2);
                let spare = room.saturating_sub(want + width(marker) + 2);
                let acc = account.filter(|_| spare >= 4)?;
                let m = format!("{marker} ·{}", fit(acc, spare.min(10)));
                Some((m, right.clone(), room))
            };
            let (marker, right, room) = labelled(&right_full)
                .or_else(|| labelled(&right_short))
                .unwrap_or_else(|| {
                    let room = w.saturating_sub(width(&right_full) + prov_w + 2);
                    let m = if room.saturating_sub(width(marker)) >= want {
                        marker
                    } else {
                        short_marker
                    };
                    (m.to_owned(), right_full.clone(), room)
                });
            let name_w = room.saturating_sub(width(&marker));
            let name = fit(&title, name_w);
            let pad = name_w.saturating_sub(width(&name));
            let mut spans = vec![
                Span::raw(lead),
                Span::styled(
                    name,
                    if unread > 0 {
                        theme::TITLE
                    } else {
                        Style::default()
                    },
                ),
                Span::styled(marker, theme::DIM),
                Span::raw(" ".repeat(pad + 1)),
            ];
            if show_prov {
                spans.push(Span::styled(prov, theme::provider(chat.provider)));
                spans.push(Span::raw(" "));
            }
            spans.push(Span::styled(
                right,
                if unread > 0 { theme::OK } else { theme::DIM },
            ));
            let mut line = Line::from(spans);
            if pos == cursor {
                line.style = if focused {
                    theme::SELECTED
                } else {
                    theme::SELECTED_UNFOCUSED
                };
            }
            line
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
