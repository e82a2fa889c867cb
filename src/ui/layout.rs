//! Where each pane goes for a given terminal size.
//!
//! ```text
//! wide (>= 120 columns)                      medium (60..120)           narrow (< 60)
//! ┌ Chats ─┬ Stream ─────────┬ Detail ───┐   ┌ Chats ┬ Stream ─────┐   ┌ focused pane ┐
//! │        │                 │           │   │       │ (or Detail  │   │              │
//! │        │                 │           │   │       │  when it is │   │              │
//! ├────────┴─────────────────┴───────────┤   │       │  focused)   │   │              │
//! │ filter bar (while typing)            │   ├───────┴─────────────┤   ├──────────────┤
//! │ status bar                           │   │ status bar          │   │ status bar   │
//! └──────────────────────────────────────┘   └─────────────────────┘   └──────────────┘
//! ```
//! Narrow terminals collapse panes instead of squeezing them below usefulness.

use crate::monitor::Focus;
use ratatui::layout::{Constraint, Layout, Rect};

/// The areas of one frame; `None` means the pane is collapsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub chats: Option<Rect>,
    pub stream: Option<Rect>,
    pub detail: Option<Rect>,
    pub input: Option<Rect>,
    pub status: Rect,
}

/// Splits `area` for the focused pane, with an input line when `typing`.
pub fn areas(area: Rect, focus: Focus, typing: bool) -> Areas {
    let input_h = if typing { 3 } else { 0 };
    let [main, input, status] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(input_h),
        Constraint::Length(1),
    ])
    .areas(area);
    let input = typing.then_some(input);
    let (chats, stream, detail) = if main.width >= 120 {
        let chats_w = (main.width / 5).clamp(24, 34);
        let [c, s, d] = Layout::horizontal([
            Constraint::Length(chats_w),
            Constraint::Fill(3),
            Constraint::Fill(2),
        ])
        .areas(main);
        (Some(c), Some(s), Some(d))
    } else if main.width >= 60 {
        let chats_w = (main.width / 4).clamp(18, 26);
        let [c, right] =
            Layout::horizontal([Constraint::Length(chats_w), Constraint::Fill(1)]).areas(main);
        if focus == Focus::Detail {
            (Some(c), None, Some(right))
        } else {
            (Some(c), Some(right), None)
        }
    } else {
        match focus {
            Focus::Chats => (Some(main), None, None),
            Focus::Stream => (None, Some(main), None),
            Focus::Detail => (None, None, Some(main)),
        }
    };
    Areas {
        chats,
        stream,
        detail,
        input,
        status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panes_collapse_as_the_terminal_narrows() {
        let wide = areas(Rect::new(0, 0, 160, 40), Focus::Stream, false);
        assert!(wide.chats.is_some() && wide.stream.is_some() && wide.detail.is_some());
        let medium = areas(Rect::new(0, 0, 80, 24), Focus::Stream, false);
        assert!(medium.chats.is_some() && medium.stream.is_some() && medium.detail.is_none());
        let medium_detail = areas(Rect::new(0, 0, 80, 24), Focus::Detail, false);
        assert!(medium_detail.detail.is_some() && medium_detail.stream.is_none());
        let narrow = areas(Rect::new(0, 0, 40, 20), Focus::Chats, true);
        assert!(narrow.chats.is_some() && narrow.stream.is_none());
        assert_eq!(narrow.input.map(|r| r.height), Some(3));
        assert_eq!(narrow.status.height, 1);
    }
}
