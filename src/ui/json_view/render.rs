//! Line building and drawing: only the visible rows are turned into spans each frame.

use std::borrow::Cow;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Widget};

use super::tree::Kind;
use super::JsonView;
use crate::ui::wrap::{skip_columns, wrap};

/// Token class of a piece of a line, which picks its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tok {
    Plain,
    Key,
    Str,
    Num,
    /// `true` / `false` / `null`.
    Lit,
    Punct,
    /// Fold summaries and placeholders.
    Dim,
}

/// A piece of a line. `field` says which searchable text it shows (0 = key, 1 = value / text
/// line), always from its start.
pub(super) struct Seg<'a> {
    pub text: Cow<'a, str>,
    pub tok: Tok,
    pub field: Option<u8>,
}

impl<'a> Seg<'a> {
    fn new(text: impl Into<Cow<'a, str>>, tok: Tok) -> Seg<'a> {
        Seg {
            text: text.into(),
            tok,
            field: None,
        }
    }

    fn field(text: &'a str, tok: Tok, field: u8) -> Seg<'a> {
        Seg {
            text: Cow::Borrowed(text),
            tok,
            field: Some(field),
        }
    }
}

pub(super) fn empty_container(kind: Kind) -> &'static str {
    if kind == Kind::Object {
        "{}"
    } else {
        "[]"
    }
}

fn tok_style(tok: Tok, on_cursor: bool) -> Style {
    let s = Style::new();
    match tok {
        Tok::Plain => s,
        Tok::Key => s.fg(Color::Cyan),
        Tok::Str => s.fg(Color::Green),
        Tok::Num => s.fg(Color::Magenta),
        Tok::Lit => s.fg(Color::Blue),
        // Dark gray would vanish on the (dark gray) cursor line.
        Tok::Punct if on_cursor => s.fg(Color::Gray),
        Tok::Punct => s.fg(Color::DarkGray),
        Tok::Dim if on_cursor => s.fg(Color::Gray).add_modifier(Modifier::ITALIC),
        Tok::Dim => s.fg(Color::DarkGray).add_modifier(Modifier::ITALIC),
    }
}

const CURSOR: Style = Style::new().bg(Color::DarkGray);
const MATCH: Style = Style::new().fg(Color::Black).bg(Color::Yellow);
const CURRENT_MATCH: Style = Style::new()
    .fg(Color::Black)
    .bg(Color::LightRed)
    .add_modifier(Modifier::BOLD);
const NOTE: Style = Style::new().fg(Color::DarkGray);
const ERROR_MESSAGE: Style = Style::new().fg(Color::Red).add_modifier(Modifier::BOLD);
const ERROR_LINE: Style = Style::new().fg(Color::LightRed);
const ERROR_CHAR: Style = Style::new()
    .fg(Color::White)
    .bg(Color::Red)
    .add_modifier(Modifier::BOLD);

/// `text` cut to at most `limit` bytes (on a char boundary); the flag says whether it was cut.
fn cut(text: &str, limit: usize) -> (&str, bool) {
    if text.len() <= limit {
        (text, false)
    } else {
        (&text[..super::floor_boundary(text, limit)], true)
    }
}

impl JsonView {
    /// The pieces of visible line `i`, each scalar/key cut to about `limit` bytes.
    pub(super) fn segments(&self, i: usize, limit: usize) -> Vec<Seg<'_>> {
        let Some(&line) = self.lines.get(i) else {
            if self.error.is_some() {
                let text = self.text_line(i, limit);
                return vec![Seg {
                    text,
                    tok: Tok::Plain,
                    field: Some(1),
                }];
            }
            if self.nodes.is_empty() && i == 0 {
                return vec![Seg::new("(empty body)", Tok::Dim)];
            }
            return Vec::new();
        };
        let text = self.json_text();
        let node = &self.nodes[line.node as usize];
        let mut segs = Vec::with_capacity(6);
        let indent = (node.depth() as usize * 2).min(limit);
        if indent > 0 {
            segs.push(Seg::new(" ".repeat(indent), Tok::Plain));
        }
        let last = node.is_last(&self.nodes);
        let bracket = |at: u32| &text[at as usize..at as usize + 1];
        if line.close {
            segs.push(Seg::new(bracket(node.stop - 1), Tok::Punct));
            if !last {
                segs.push(Seg::new(",", Tok::Punct));
            }
            return segs;
        }
        if node.has_key() {
            let key = &text[node.key_start as usize..node.key_end as usize];
            segs.push(Seg::field(cut(key, limit).0, Tok::Key, 0));
            segs.push(Seg::new(": ", Tok::Punct));
        }
        let folded = node.is_foldable() && self.folded[line.node as usize];
        match node.kind() {
            Kind::Object | Kind::Array if node.children == 0 => {
                segs.push(Seg::new(empty_container(node.kind()), Tok::Punct));
            }
            Kind::Object | Kind::Array if folded => {
                let s = if node.kind() == Kind::Object {
                    "{…}"
                } else {
                    "[…]"
                };
                segs.push(Seg::new(s, Tok::Punct));
            }
            Kind::Object | Kind::Array => {
                segs.push(Seg::new(bracket(node.start), Tok::Punct));
            }
            Kind::Str | Kind::Num | Kind::Lit => {
                let value = &text[node.start as usize..node.stop as usize];
                let tok = match node.kind() {
                    Kind::Str => Tok::Str,
                    Kind::Num => Tok::Num,
                    _ => Tok::Lit,
                };
                segs.push(Seg::field(cut(value, limit).0, tok, 1));
            }
        }
        let opens = node.is_foldable() && !folded;
        if !last && !opens {
            segs.push(Seg::new(",", Tok::Punct));
        }
        if folded {
            let n = node.children;
            let what = match (node.kind(), n) {
                (Kind::Object, 1) => "key",
                (Kind::Object, _) => "keys",
                (_, 1) => "item",
                _ => "items",
            };
            segs.push(Seg::new(format!(" {n} {what}"), Tok::Dim));
        }
        segs
    }

    /// Spans of visible line `i` with syntax colours, search hits and the error mark.
    fn row_spans(&self, i: usize, on_cursor: bool, limit: usize) -> Vec<Span<'static>> {
        let unit = match self.lines.get(i) {
            Some(l) if l.close => None,
            Some(l) => Some(l.node),
            None => Some(i as u32),
        };
        let search = self.search.as_ref();
        let hits = match (search, unit) {
            (Some(s), Some(u)) => {
                let a = s.matches.partition_point(|m| m.unit < u);
                let b = s.matches.partition_point(|m| m.unit <= u);
                a..b
            }
            _ => 0..0,
        };
        let error_line = self
            .error
            .as_ref()
            .filter(|e| e.line == i + 1 && !self.is_json());
        let mut spans = Vec::new();
        // Where each piece starts in the line's `KEY: VALUE` text (phrase hits, field 2): from
        // the first searchable piece on.
        let mut phrase_pos: Option<usize> = None;
        for seg in self.segments(i, limit) {
            let mut base = tok_style(seg.tok, on_cursor);
            let mut overlays: Vec<(usize, usize, Style)> = Vec::new();
            if seg.field.is_some() && phrase_pos.is_none() {
                phrase_pos = Some(0);
            }
            let at = phrase_pos.unwrap_or(usize::MAX);
            if let Some(p) = &mut phrase_pos {
                *p += seg.text.len();
            }
            if let Some(s) = search {
                for k in hits.clone() {
                    let m = s.matches[k];
                    let style = if k == s.current { CURRENT_MATCH } else { MATCH };
                    let (a, b) = (m.start as usize, m.end as usize);
                    if Some(m.field) == seg.field {
                        overlays.push((a, b, style));
                    } else if m.field == 2 && at != usize::MAX {
                        // The part of a phrase hit that falls in this piece.
                        let (a, b) = (a.max(at), b.min(at + seg.text.len()));
                        if a < b {
                            overlays.push((a - at, b - at, style));
                        }
                    }
                }
            }
            if let Some(err) = error_line {
                base = base.patch(ERROR_LINE);
                if err.column > 0 {
                    let at = self.shown_offset(i, err.column - 1);
                    let len = seg.text.get(at..).and_then(|t| t.chars().next());
                    if let Some(c) = len {
                        overlays.push((at, at + c.len_utf8(), ERROR_CHAR));
                        overlays.sort_by_key(|o| o.0);
                    }
                }
            }
            push_split(&mut spans, &seg.text, base, &overlays);
        }
        spans
    }

    /// Draws the view into `area`: the error message (wrapped), then the visible lines, scrolled
    /// to keep the cursor in view, each wrapped into rows or cut at the edge (`w`). When the
    /// cursor is on the current search hit, the hit is scrolled into view: down a wrapped line
    /// taller than the pane, or sideways when lines are cut. The cursor line is shown only
    /// when `focused`.
    pub fn render(&mut self, area: Rect, buf: &mut Buffer, focused: bool) {
        let area = area.intersection(buf.area);
        Clear.render(area, buf);
        if area.is_empty() {
            return;
        }
        let width = area.width as usize;
        let mut top = area.y;
        let message = match (&self.text_note, &self.error) {
            (Some(note), _) => Some(Span::styled(note.clone(), NOTE)),
            (None, Some(err)) => Some(Span::styled(
                format!(
                    "not valid JSON: {} at line {} column {}",
                    err.message, err.line, err.column
                ),
                ERROR_MESSAGE,
            )),
            (None, None) => None,
        };
        if let Some(msg) = message {
            // Always wrapped: why the body is not JSON is the first thing to read. At most
            // all rows but one.
            let rows = wrap(Line::from(msg), width, 2);
            let max = (area.height as usize).saturating_sub(1).max(1);
            for row in rows.iter().take(max) {
                buf.set_line(area.x, top, row, area.width);
                top += 1;
            }
        }
        let height = (area.bottom() - top) as usize;
        self.page = height.max(1);
        let count = self.line_count();
        self.cursor = self.cursor.min(count.saturating_sub(1));
        if self.row_line != self.cursor {
            self.cursor_row = 0;
            self.row_line = self.cursor;
        }
        // What to bring into view on the cursor line: the current search hit, else the
        // character a body that is not JSON breaks at.
        let hit = self
            .search
            .as_ref()
            .and_then(|s| s.matches.get(s.current))
            .filter(|_| self.on_current_match())
            .map(|m| m.end as usize)
            .or_else(|| {
                self.error
                    .as_ref()
                    .filter(|_| self.text_note.is_none())
                    .filter(|e| !self.is_json() && e.line == self.cursor + 1 && e.column > 0)
                    .map(|e| self.shown_offset(self.cursor, e.column) + 4)
            });
        if self.wrap {
            self.render_wrapped(area, top, height, focused, hit, buf);
        } else {
            self.render_cut(area, top, height, focused, hit, buf);
        }
        self.reveal = false;
    }

    /// Line `i` as drawn: coloured, as the terminal draws it, each piece cut to `limit` bytes.
    fn drawn_line(&self, i: usize, on_cursor: bool, limit: usize) -> Line<'static> {
        crate::ui::format::terminal_line(Line::from(self.row_spans(i, on_cursor, limit)))
    }

    /// Lines cut at the right edge (marked `…`); the current hit's line is scrolled sideways
    /// to show it (marked `…` on the left).
    fn render_cut(
        &mut self,
        area: Rect,
        top: u16,
        height: usize,
        focused: bool,
        hit: Option<usize>,
        buf: &mut Buffer,
    ) {
        let width = area.width as usize;
        let count = self.line_count();
        if self.cursor < self.scroll {
            self.scroll = self.cursor;
        } else if height > 0 && self.cursor >= self.scroll + height {
            self.scroll = self.cursor + 1 - height;
        }
        self.scroll = self.scroll.min(count.saturating_sub(height));
        let mut limit = width * 4 + 8;
        // Columns scrolled off to the left: the hit, from a third of the way in, when it would
        // end under the right edge's mark.
        let mut shift = 0;
        if let Some(end) = hit {
            let line = self.drawn_line(self.cursor, false, limit + end);
            if let Some((a, b)) = hit_columns(&line) {
                if b + 1 > width {
                    shift = a.saturating_sub(width / 3);
                    if b + 1 > shift + width {
                        shift = (b + 2).saturating_sub(width).min(a.saturating_sub(1));
                    }
                }
            }
            limit += end + shift * 4;
        }
        for row in 0..height {
            let i = self.scroll + row;
            if i >= count {
                break;
            }
            let y = top + row as u16;
            let on_cursor = focused && i == self.cursor;
            if on_cursor {
                buf.set_style(Rect::new(area.x, y, area.width, 1), CURSOR);
            }
            // Only the hit's line is scrolled: the others keep their place in the structure.
            let shift = if i == self.cursor { shift } else { 0 };
            let line = self.drawn_line(i, on_cursor, limit);
            let full = line.width();
            let line = skip_columns(line, shift);
            let (end_x, _) = buf.set_line(area.x, y, &line, area.width);
            if full > shift + width && end_x == area.right() {
                // Mark a line cut at the right edge.
                let cell = &mut buf[(area.right() - 1, y)];
                cell.set_symbol("…");
                cell.set_style(tok_style(Tok::Dim, on_cursor));
            }
            if shift > 0 && full > shift {
                // And one scrolled past on the left.
                let cell = &mut buf[(area.x, y)];
                cell.set_symbol("…");
                cell.set_style(tok_style(Tok::Dim, on_cursor));
            }
        }
    }

    /// Lines wrapped into rows; a cursor line taller than the pane is shown from `cursor_row`.
    fn render_wrapped(
        &mut self,
        area: Rect,
        top: u16,
        height: usize,
        focused: bool,
        hit: Option<usize>,
        buf: &mut Buffer,
    ) {
        let width = area.width as usize;
        let count = self.line_count();
        if height == 0 || count == 0 {
            return;
        }
        // Enough of each line for a pane of rows (and, on the cursor line, down to the hit or
        // to the row scrolled to).
        let base = (width * 4 + 8) * (height + 1);
        let cursor = self.cursor;
        let rows_of = |v: &Self, i: usize, extra: usize| -> Vec<Line<'static>> {
            let line = v.drawn_line(i, focused && i == cursor, base + extra);
            let indent = line.spans.first().map_or(0, |s| {
                s.content.len() - s.content.trim_start_matches(' ').len()
            });
            wrap(line, width, indent + 2)
        };
        let extra = hit.unwrap_or(0) + self.cursor_row * (width * 4 + 8);
        let cur = rows_of(self, cursor, extra);
        self.cursor_rows = cur.len();
        if self.reveal {
            self.cursor_row = match hit_row(&cur) {
                Some(r) if cur.len() > height => r.saturating_sub(height / 3),
                _ => 0,
            };
        }
        self.cursor_row = self.cursor_row.min(cur.len().saturating_sub(height));
        if cur.len() >= height || cursor < self.scroll {
            self.scroll = cursor;
        } else {
            // The first line from which the cursor line still fits.
            let mut used = cur.len();
            let mut first = cursor;
            while first > self.scroll {
                let r = rows_of(self, first - 1, 0).len();
                if used + r > height {
                    break;
                }
                used += r;
                first -= 1;
            }
            self.scroll = first;
        }
        let mut y = top;
        let bottom = top + height as u16;
        let mut i = self.scroll;
        while y < bottom && i < count {
            let (rows, skip) = if i == cursor {
                (cur.clone(), self.cursor_row)
            } else {
                (rows_of(self, i, 0), 0)
            };
            for row in rows.iter().skip(skip) {
                if y >= bottom {
                    break;
                }
                if focused && i == cursor {
                    buf.set_style(Rect::new(area.x, y, area.width, 1), CURSOR);
                }
                buf.set_line(area.x, y, row, area.width);
                y += 1;
            }
            i += 1;
        }
    }
}

/// Whether a span shows the current search hit (or the character a body that is not JSON
/// breaks at).
fn is_current_hit(span: &Span<'_>) -> bool {
    span.style.bg == CURRENT_MATCH.bg || span.style.bg == ERROR_CHAR.bg
}

/// The columns `a..b` the current hit takes in a drawn line.
fn hit_columns(line: &Line<'_>) -> Option<(usize, usize)> {
    let mut col = 0;
    let mut found: Option<(usize, usize)> = None;
    for span in &line.spans {
        let w = span.width();
        if is_current_hit(span) {
            let a = found.map_or(col, |f| f.0);
            found = Some((a, col + w));
        }
        col += w;
    }
    found
}

/// The first row of a wrapped line that shows the current hit.
fn hit_row(rows: &[Line<'_>]) -> Option<usize> {
    rows.iter().position(|r| r.spans.iter().any(is_current_hit))
}

/// Pushes `text` as spans: `base` style, with `overlays` (byte ranges, sorted by start)
/// patched on top; overlapping or out-of-range overlays are skipped.
fn push_split(
    spans: &mut Vec<Span<'static>>,
    text: &str,
    base: Style,
    overlays: &[(usize, usize, Style)],
) {
    let mut pos = 0;
    for &(a, b, style) in overlays {
        let b = b.min(text.len());
        if a < pos || a >= b || !text.is_char_boundary(a) || !text.is_char_boundary(b) {
            continue;
        }
        if a > pos {
            spans.push(Span::styled(text[pos..a].to_string(), base));
        }
        spans.push(Span::styled(text[a..b].to_string(), base.patch(style)));
        pos = b;
    }
    if pos < text.len() || text.is_empty() {
        spans.push(Span::styled(text[pos..].to_string(), base));
    }
}
