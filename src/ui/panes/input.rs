//! The input line, while typing: the filter (with how many rows match, or why the text is not
//! a filter), the detail pane's search, or the URL to send requests to.

use crate::monitor::{Mode, Monitor};
use crate::ui::filter_input::LineInput;
use crate::ui::{format, theme};
use ratatui::layout::Rect;
use ratatui::Frame;

/// Draws the input line, titled for what is being typed.
pub fn render(frame: &mut Frame, area: Rect, m: &Monitor, input: &mut LineInput) {
    let (title, border) = title(m);
    input.render(frame, area, title, border);
}

fn title(m: &Monitor) -> (String, ratatui::style::Style) {
    if m.mode() == Mode::Prompt {
        return match m.prompt_error() {
            Some(e) => (format!(" {e} "), theme::BORDER_ERROR),
            None => (
                " send to which URL? (your bot's http:// address; asked once) · Enter send · Esc cancel "
                    .to_owned(),
                theme::BORDER_FOCUSED,
            ),
        };
    }
    if m.mode() == Mode::Search {
        return (
            " search the JSON · Enter keep · Esc back ".to_owned(),
            theme::BORDER_FOCUSED,
        );
    }
    match m.filter_error() {
        Some(e) => (
            format!(" filter: {e} · the last valid filter stays applied "),
            theme::BORDER_ERROR,
        ),
        None => (
            format!(
                " filter · {} · Enter apply · Esc restore ",
                format::plural(m.view().rows.len() as u64, "match", "matches")
            ),
            theme::BORDER_FOCUSED,
        ),
    }
}
