//! The one-line text input of the filter bar and the JSON search, on tui-textarea.
//!
//! The only module that imports tui-textarea, so a future move to its successor touches one file.
//! Enter and Esc are caught before the text area sees them (it would insert a newline); pasted
//! text has its line breaks turned into spaces.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Block, Borders};
use ratatui::Frame;
use tui_textarea::{CursorMove, TextArea};

/// What a key did to the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputEvent {
    /// The text changed; here it is.
    Changed(String),
    /// Enter: use this text.
    Submitted(String),
    /// Esc: go back to the text the input was opened with.
    Cancelled(String),
    /// Cursor moved or nothing happened.
    Unchanged,
}

/// A single-line input with a remembered starting text.
pub struct LineInput {
    area: TextArea<'static>,
    opened_with: String,
}

impl Default for LineInput {
    fn default() -> Self {
        LineInput::new("")
    }
}

impl LineInput {
    pub fn new(text: &str) -> LineInput {
        let mut area = TextArea::new(vec![text.to_owned()]);
        area.set_cursor_line_style(Style::default());
        area.move_cursor(CursorMove::End);
        LineInput {
            area,
            opened_with: text.to_owned(),
        }
    }

    /// Restarts the input with `text`, cursor at the end.
    pub fn open(&mut self, text: &str, placeholder: &str) {
        *self = LineInput::new(text);
        self.area.set_placeholder_text(placeholder);
    }

    /// The text the input was opened with (what Esc goes back to).
    pub fn opened_with(&self) -> &str {
        &self.opened_with
    }

    pub fn text(&self) -> String {
        self.area.lines().join(" ")
    }

    /// Feeds one key.
    pub fn key(&mut self, key: KeyEvent) -> InputEvent {
        match key.code {
            KeyCode::Enter => return InputEvent::Submitted(self.text()),
            KeyCode::Char('m') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                return InputEvent::Submitted(self.text())
            }
            KeyCode::Esc => return InputEvent::Cancelled(self.opened_with.clone()),
            // Clears the line, as in shells (tui-textarea would undo instead).
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.area.move_cursor(CursorMove::End);
                return if self.area.delete_line_by_head() {
                    InputEvent::Changed(self.text())
                } else {
                    InputEvent::Unchanged
                };
            }
            _ => {}
        }
        if self.area.input(key) {
            InputEvent::Changed(self.text())
        } else {
            InputEvent::Unchanged
        }
    }

    /// Inserts pasted text, line breaks flattened.
    pub fn paste(&mut self, text: &str) -> InputEvent {
        let flat: String = text
            .chars()
            .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
            .collect();
        self.area.insert_str(flat);
        InputEvent::Changed(self.text())
    }

    /// Draws the input in a bordered block titled `title` with `border` style.
    pub fn render(&mut self, frame: &mut Frame, area: Rect, title: String, border: Style) {
        self.area.set_block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(border)
                .title(title),
        );
        frame.render_widget(&self.area, area);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn typing_submitting_and_cancelling() {
        let mut input = LineInput::new("type:poll");
        assert_eq!(
            input.key(key(KeyCode::Char('x'))),
            InputEvent::Changed("type:pollx".into())
        );
        assert_eq!(
            input.key(key(KeyCode::Enter)),
            InputEvent::Submitted("type:pollx".into())
        );
        assert_eq!(
            input.key(key(KeyCode::Esc)),
            InputEvent::Cancelled("type:poll".into())
        );
        assert_eq!(
            input.paste("a\nb"),
            InputEvent::Changed("type:pollxa b".into())
        );
    }

    #[test]
    fn ctrl_u_clears_the_line() {
        let mut input = LineInput::new("type:poll");
        input.key(key(KeyCode::Char('x')));
        input.key(key(KeyCode::Left));
        let ctrl_u = KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL);
        assert_eq!(input.key(ctrl_u), InputEvent::Changed(String::new()));
        assert_eq!(input.key(ctrl_u), InputEvent::Unchanged);
        assert_eq!(
            input.key(key(KeyCode::Char('a'))),
            InputEvent::Changed("a".into())
        );
    }
}
