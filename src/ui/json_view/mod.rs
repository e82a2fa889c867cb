//! The raw-JSON viewer of the detail pane.
//!
//! [`JsonView`] shows a body as given: pretty-printed from the body's own tokens (key order,
//! number spelling and string escapes are kept; the body is never round-tripped through
//! `serde_json::Value`), syntax-coloured, scrollable, foldable and searchable. The screen gives
//! it the *display body* ([`crate::display::body`]): the received document with unsafe
//! characters as placeholders and credentials (and, under `--redact`, personal data) masked.
//! Bodies that are not JSON (or not UTF-8) are given as received and shown as text, each line
//! through [`crate::display::body::text_line`], with the parse error marked. Copying is the
//! caller's job: it asks for [`JsonView::value_at_cursor`], [`JsonView::path_at_cursor`],
//! [`JsonView::raw`] or [`JsonView::shown_text`].

mod at_cursor;
mod render;
mod search;

#[cfg(test)]
mod tests;

use std::borrow::Cow;

use crate::display::body::text_line;
use crate::json_tree as tree;
use search::Search;
use tree::{Node, ParseError, NONE};

/// The body, kept exactly as received.
enum Body {
    Utf8(String),
    Bytes(Vec<u8>),
}

impl Body {
    fn bytes(&self) -> &[u8] {
        match self {
            Body::Utf8(s) => s.as_bytes(),
            Body::Bytes(b) => b,
        }
    }
}

/// One line of the flattened (visible) JSON: the opening (or only) line of a node, or the
/// closing `}`/`]` line of an unfolded container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LineRef {
    node: u32,
    close: bool,
}

/// Scrollable, foldable, searchable view of one raw body.
pub struct JsonView {
    body: Body,
    /// The parsed document (empty unless the body is valid JSON).
    nodes: Vec<Node>,
    /// Per node: folded (only meaningful for containers with children).
    folded: Vec<bool>,
    /// Visible JSON lines, rebuilt on fold changes only.
    lines: Vec<LineRef>,
    /// Text-mode lines (byte ranges, `\r\n` trimmed) when the body is not JSON.
    text_lines: Vec<(usize, usize)>,
    error: Option<ParseError>,
    /// Text-mode lines are shown redacted (`--redact`).
    redact_text: bool,
    cursor: usize,
    scroll: usize,
    /// Rows available for lines at the last render (for PgUp/PgDn).
    page: usize,
    search: Option<Search>,
    /// Long lines wrap into rows (`w`) instead of being cut at the pane's edge.
    wrap: bool,
    /// When wrapping and the cursor line is taller than the pane: its first row shown (j/k
    /// scroll through it before leaving it).
    cursor_row: usize,
    /// Rows of the cursor line at the last render (at least its rows up to what was shown).
    cursor_rows: usize,
    /// The current search hit is to be scrolled into view at the next render.
    reveal: bool,
    /// The line `cursor_row` belongs to.
    row_line: usize,
    /// Bytes shown on purpose as text (a form's bytes): this line replaces the "not valid
    /// JSON" message, and no parse error is pointed at.
    text_note: Option<String>,
}

impl JsonView {
    /// Parses `raw` (one pass) and builds the initial, fully unfolded view.
    pub fn new(raw: &[u8]) -> JsonView {
        JsonView::parsed(raw, None)
    }

    /// The view of `raw`, whose tree `nodes` is already parsed when given (see
    /// [`crate::display::body::Shown`]).
    pub fn parsed(raw: &[u8], nodes: Option<Vec<Node>>) -> JsonView {
        JsonView::owned(raw.to_vec(), nodes)
    }

    /// [`JsonView::parsed`] of bytes it may keep: a body of megabytes is not copied again.
    pub fn owned(raw: Vec<u8>, nodes: Option<Vec<Node>>) -> JsonView {
        let mut view = JsonView {
            body: Body::Bytes(Vec::new()),
            nodes: Vec::new(),
            folded: Vec::new(),
            lines: Vec::new(),
            text_lines: Vec::new(),
            error: None,
            redact_text: false,
            cursor: 0,
            scroll: 0,
            page: 10,
            search: None,
            wrap: false,
            cursor_row: 0,
            cursor_rows: 1,
            reveal: false,
            row_line: 0,
            text_note: None,
        };
        if raw.is_empty() {
            return view;
        }
        match String::from_utf8(raw) {
            Ok(text) => {
                match nodes.map_or_else(|| tree::parse(text.as_bytes()), Ok) {
                    Ok(nodes) => {
                        view.folded = vec![false; nodes.len()];
                        view.nodes = nodes;
                        view.rebuild_lines();
                    }
                    Err(e) => view.error = Some(e),
                }
                view.body = Body::Utf8(text);
            }
            Err(e) => {
                let offset = e.utf8_error().valid_up_to();
                let bytes = e.into_bytes();
                view.error = Some(ParseError::at(&bytes, offset, "invalid UTF-8"));
                view.body = Body::Bytes(bytes);
            }
        }
        if let Some(err) = &view.error {
            view.text_lines = split_lines(view.body.bytes(), err.line);
            view.cursor = err.line.saturating_sub(1).min(view.text_lines.len() - 1);
            // The first render shows where it breaks, however far along its line.
            view.reveal = true;
        }
        view
    }

    /// Shows the body as text on purpose (it is not meant to be JSON), under `note`.
    pub fn as_text(mut self, note: &str) -> JsonView {
        self.text_note = Some(note.to_owned());
        self.reveal = false;
        self.cursor = 0;
        self
    }

    /// Shows a body that is not JSON redacted (every letter and digit masked).
    pub fn with_redacted_text(mut self, redact: bool) -> JsonView {
        self.redact_text = redact;
        self
    }

    /// Whether the body parsed as JSON (an empty body is not JSON).
    pub fn is_json(&self) -> bool {
        !self.nodes.is_empty()
    }

    /// Number of visible lines (folded content excluded; an empty body has one placeholder
    /// line). The "not valid JSON" message row is not counted.
    pub fn line_count(&self) -> usize {
        if self.is_json() {
            self.lines.len()
        } else if self.error.is_some() {
            self.text_lines.len()
        } else {
            1
        }
    }

    /// Index of the cursor line among the visible lines.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Rows available for body lines at the last render: the page size for PgUp/PgDn.
    pub fn page_size(&self) -> usize {
        self.page
    }

    /// Whether long lines wrap.
    pub fn wraps(&self) -> bool {
        self.wrap
    }

    /// `w`: wrap long lines into rows, or cut them at the pane's edge.
    pub fn toggle_wrap(&mut self) {
        self.wrap = !self.wrap;
        self.cursor_row = 0;
        self.reveal = true;
    }

    /// Moves the cursor by `delta` lines, clamped to the document. When wrapping, a cursor line
    /// taller than the pane is scrolled through first.
    pub fn move_by(&mut self, delta: isize) {
        if self.wrap && delta > 0 && self.cursor_rows > self.page {
            let room =
                self.cursor_rows - self.page - self.cursor_row.min(self.cursor_rows - self.page);
            if room > 0 {
                self.cursor_row += room.min(delta as usize);
                return;
            }
        }
        if self.wrap && delta < 0 && self.cursor_row > 0 {
            self.cursor_row = self.cursor_row.saturating_sub(delta.unsigned_abs());
            return;
        }
        self.cursor_row = 0;
        let last = self.line_count().saturating_sub(1);
        self.cursor = if delta < 0 {
            self.cursor.saturating_sub(delta.unsigned_abs())
        } else {
            self.cursor.saturating_add(delta as usize).min(last)
        };
    }

    pub fn to_top(&mut self) {
        self.cursor = 0;
        self.cursor_row = 0;
    }

    pub fn to_bottom(&mut self) {
        self.cursor = self.line_count().saturating_sub(1);
        self.cursor_row = 0;
    }

    /// Folds or unfolds at the cursor: on a container's opening line it toggles that container;
    /// on a closing line, a scalar or an empty container it folds the enclosing container. The
    /// cursor lands on the (un)folded container's line.
    pub fn toggle_fold(&mut self) {
        let Some(&line) = self.lines.get(self.cursor) else {
            return;
        };
        let node = &self.nodes[line.node as usize];
        let target = if line.close || node.is_foldable() {
            line.node
        } else {
            node.parent
        };
        if target == NONE {
            return;
        }
        let t = target as usize;
        self.folded[t] = if !line.close && line.node == target {
            !self.folded[t]
        } else {
            true
        };
        self.rebuild_lines();
        self.cursor = self.line_index(LineRef {
            node: target,
            close: false,
        });
    }

    /// Folds every non-empty container except the root, so the top-level members show.
    pub fn fold_all(&mut self) {
        for (i, node) in self.nodes.iter().enumerate() {
            self.folded[i] = i > 0 && node.is_foldable();
        }
        self.refold();
    }

    pub fn unfold_all(&mut self) {
        self.folded.iter_mut().for_each(|f| *f = false);
        self.refold();
    }

    /// The whole body, exactly as given.
    pub fn raw(&self) -> &[u8] {
        self.body.bytes()
    }

    /// The whole body as shown: the JSON as given, or every text line as shown.
    pub fn shown_text(&self) -> String {
        if self.error.is_none() {
            return self.json_text().to_owned();
        }
        (0..self.text_lines.len())
            .map(|i| self.text_line(i, usize::MAX))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Plain text of visible line `i` (as rendered, without colours or truncation).
    pub fn line_text(&self, i: usize) -> String {
        self.segments(i, usize::MAX)
            .iter()
            .map(|s| s.text.as_ref())
            .collect()
    }

    // ---- internals ----

    fn json_text(&self) -> &str {
        match &self.body {
            Body::Utf8(s) => s,
            Body::Bytes(_) => "",
        }
    }

    /// Text-mode line `i` as received, at most about `limit` bytes.
    fn received_line(&self, i: usize, limit: usize) -> Cow<'_, str> {
        let Some(&(s, e)) = self.text_lines.get(i) else {
            return Cow::Borrowed("");
        };
        let e = e.min(s.saturating_add(limit));
        match &self.body {
            Body::Utf8(text) => Cow::Borrowed(&text[s..floor_boundary(text, e).max(s)]),
            Body::Bytes(b) => String::from_utf8_lossy(&b[s..e]),
        }
    }

    /// Text-mode line `i` as shown (see [`crate::display::body::text_line`]); search hits are
    /// found in this text.
    fn text_line(&self, i: usize, limit: usize) -> Cow<'_, str> {
        match self.received_line(i, limit) {
            Cow::Borrowed(line) => text_line(line, self.redact_text),
            Cow::Owned(line) => Cow::Owned(text_line(&line, self.redact_text).into_owned()),
        }
    }

    /// Where byte `offset` of text-mode line `i` as received lands in the line as shown.
    fn shown_offset(&self, i: usize, offset: usize) -> usize {
        let line = self.received_line(i, usize::MAX);
        let offset = floor_boundary(&line, offset);
        text_line(&line[..offset], self.redact_text).len()
    }

    /// Rebuilds the visible line list from the fold state.
    fn rebuild_lines(&mut self) {
        let nodes = &self.nodes;
        let mut lines = Vec::with_capacity(if self.lines.is_empty() {
            nodes.len() + nodes.len() / 4
        } else {
            self.lines.len()
        });
        let mut stack: Vec<u32> = Vec::new();
        let mut i = 0u32;
        while (i as usize) < nodes.len() {
            lines.push(LineRef {
                node: i,
                close: false,
            });
            let node = &nodes[i as usize];
            if node.is_foldable() && !self.folded[i as usize] {
                stack.push(i);
                i += 1;
            } else {
                i = node.end;
            }
            while let Some(&top) = stack.last() {
                if nodes[top as usize].end != i {
                    break;
                }
                lines.push(LineRef {
                    node: top,
                    close: true,
                });
                stack.pop();
            }
        }
        self.lines = lines;
    }

    /// Rebuilds after a fold change, keeping the cursor on the same node (or on the folded
    /// container that now hides it).
    fn refold(&mut self) {
        let Some(&anchor) = self.lines.get(self.cursor) else {
            return;
        };
        let mut target = anchor;
        let mut n = self.nodes[anchor.node as usize].parent;
        while n != NONE {
            if self.folded[n as usize] {
                target = LineRef {
                    node: n,
                    close: false,
                };
            }
            n = self.nodes[n as usize].parent;
        }
        if target.close && self.folded[target.node as usize] {
            target.close = false;
        }
        self.rebuild_lines();
        self.cursor = self.line_index(target);
    }

    /// Document-order key of a line, for binary search in `lines`.
    fn order_key(&self, line: LineRef) -> (u32, u8, u32) {
        if line.close {
            let node = &self.nodes[line.node as usize];
            (node.end, 0, u32::MAX - node.depth())
        } else {
            (line.node, 1, 0)
        }
    }

    /// Index of a visible line (or of the nearest one at or before where it would be).
    fn line_index(&self, line: LineRef) -> usize {
        let key = self.order_key(line);
        match self
            .lines
            .binary_search_by(|l| self.order_key(*l).cmp(&key))
        {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1).min(self.lines.len().saturating_sub(1)),
        }
    }
}

/// Splits text-mode bytes into lines (without `\n` and a trailing `\r`); a final empty line
/// (after a trailing newline) is kept only when `error_line` (1-based) points at it.
fn split_lines(bytes: &[u8], error_line: usize) -> Vec<(usize, usize)> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' {
            lines.push((start, i));
            start = i + 1;
        }
    }
    if start < bytes.len() || lines.is_empty() || error_line > lines.len() {
        lines.push((start, bytes.len()));
    }
    for (s, e) in &mut lines {
        if *e > *s && bytes[*e - 1] == b'\r' {
            *e -= 1;
        }
    }
    lines
}

/// The largest char boundary of `s` at or below `i`.
fn floor_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
