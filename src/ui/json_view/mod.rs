//! The raw-JSON viewer of the detail pane.
//!
//! [`JsonView`] shows the exact received body of an event: pretty-printed from the body's own
//! tokens (key order, number spelling and string escapes are kept; the body is never
//! round-tripped through `serde_json::Value`), syntax-coloured, scrollable, foldable and
//! searchable. Bodies that are not JSON (or not UTF-8) are shown as text with the parse error
//! marked. Copying is the caller's job: it asks for [`JsonView::value_at_cursor`],
//! [`JsonView::path_at_cursor`] or [`JsonView::raw`].

mod render;
mod tree;

#[cfg(test)]
mod tests;

use std::borrow::Cow;

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

/// One search hit: in a node's key (`field == 0`) or value (`field == 1`), or in a text line
/// (`unit` is then the line index); `start..end` are byte offsets within that text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Match {
    unit: u32,
    field: u8,
    start: u32,
    end: u32,
}

struct Search {
    matches: Vec<Match>,
    current: usize,
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
    cursor: usize,
    scroll: usize,
    /// Rows available for lines at the last render (for PgUp/PgDn).
    page: usize,
    search: Option<Search>,
}

impl JsonView {
    /// Parses `raw` (one pass) and builds the initial, fully unfolded view.
    pub fn new(raw: &[u8]) -> JsonView {
        let mut view = JsonView {
            body: Body::Bytes(Vec::new()),
            nodes: Vec::new(),
            folded: Vec::new(),
            lines: Vec::new(),
            text_lines: Vec::new(),
            error: None,
            cursor: 0,
            scroll: 0,
            page: 10,
            search: None,
        };
        if raw.is_empty() {
            return view;
        }
        match String::from_utf8(raw.to_vec()) {
            Ok(text) => {
                match tree::parse(text.as_bytes()) {
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
        }
        view
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

    /// Moves the cursor by `delta` lines, clamped to the document.
    pub fn move_by(&mut self, delta: isize) {
        let last = self.line_count().saturating_sub(1);
        self.cursor = if delta < 0 {
            self.cursor.saturating_sub(delta.unsigned_abs())
        } else {
            self.cursor.saturating_add(delta as usize).min(last)
        };
    }

    pub fn to_top(&mut self) {
        self.cursor = 0;
    }

    pub fn to_bottom(&mut self) {
        self.cursor = self.line_count().saturating_sub(1);
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

    /// Searches keys and values (or text lines) case-insensitively, as displayed (strings with
    /// their escapes). Returns the number of matches and jumps to the first one at or after
    /// the cursor, unfolding what hides it. An empty query clears the search.
    pub fn set_search(&mut self, query: &str) -> usize {
        if query.is_empty() {
            self.search = None;
            return 0;
        }
        let needle = Needle::new(query);
        let mut matches = Vec::new();
        if self.is_json() {
            let text = self.json_text();
            for (i, node) in self.nodes.iter().enumerate() {
                let mut push = |field: u8, a: u32, b: u32| {
                    needle.find_all(&text[a as usize..b as usize], |s, e| {
                        matches.push(Match {
                            unit: i as u32,
                            field,
                            start: s as u32,
                            end: e as u32,
                        })
                    })
                };
                if node.has_key() {
                    push(0, node.key_start, node.key_end);
                }
                if !node.is_container() {
                    push(1, node.start, node.stop);
                }
            }
        } else {
            for i in 0..self.text_lines.len() {
                let line = self.text_line(i, usize::MAX);
                needle.find_all(&line, |s, e| {
                    matches.push(Match {
                        unit: i as u32,
                        field: 1,
                        start: s as u32,
                        end: e as u32,
                    })
                });
            }
        }
        let count = matches.len();
        let pos = self.cursor_pos();
        let first = matches.partition_point(|m| m.unit < pos);
        self.search = Some(Search {
            matches,
            current: if first < count { first } else { 0 },
        });
        if count > 0 {
            self.jump_to_match();
        }
        count
    }

    /// Goes to the next match (wrapping). From the current match's line it steps through the
    /// matches; after the cursor moved elsewhere it goes to the first match after the cursor.
    pub fn next_match(&mut self) {
        let on_current = self.on_current_match();
        let pos = self.cursor_pos();
        let Some(search) = self.search.as_mut().filter(|s| !s.matches.is_empty()) else {
            return;
        };
        let n = search.matches.len();
        search.current = if on_current {
            (search.current + 1) % n
        } else {
            let k = search.matches.partition_point(|m| m.unit < pos);
            if k < n {
                k
            } else {
                0
            }
        };
        self.jump_to_match();
    }

    /// Goes to the previous match (wrapping).
    pub fn prev_match(&mut self) {
        let on_current = self.on_current_match();
        let pos = self.cursor_pos();
        let Some(search) = self.search.as_mut().filter(|s| !s.matches.is_empty()) else {
            return;
        };
        let n = search.matches.len();
        search.current = if on_current {
            (search.current + n - 1) % n
        } else {
            match search.matches.partition_point(|m| m.unit < pos) {
                0 => n - 1,
                k => k - 1,
            }
        };
        self.jump_to_match();
    }

    /// `(current, total)` with `current` 1-based (0 when there is no match), or `None` when no
    /// search is active.
    pub fn search_status(&self) -> Option<(usize, usize)> {
        self.search.as_ref().map(|s| {
            let total = s.matches.len();
            (if total == 0 { 0 } else { s.current + 1 }, total)
        })
    }

    /// jq-style path of the value under the cursor: `.entry[0].changes[0]`; keys that are not
    /// identifiers are quoted, `.["hub.mode"]` (or `.a["hub.mode"]` after another step); `.` for
    /// the root; empty when the body is not JSON.
    pub fn path_at_cursor(&self) -> String {
        let Some(line) = self.lines.get(self.cursor) else {
            return String::new();
        };
        let text = self.json_text();
        let mut parts = Vec::new();
        let mut n = line.node;
        while n != 0 && n != NONE {
            let node = &self.nodes[n as usize];
            let parent = &self.nodes[node.parent as usize];
            if parent.kind() == tree::Kind::Object {
                let key =
                    tree::decode_string(&text[node.key_start as usize..node.key_end as usize]);
                if tree::is_identifier(&key) {
                    parts.push(format!(".{key}"));
                } else {
                    let quoted = serde_json::to_string(&key).unwrap_or_default();
                    parts.push(format!("[{quoted}]"));
                }
            } else {
                parts.push(format!("[{}]", tree::index_in_parent(&self.nodes, n)));
            }
            n = node.parent;
        }
        if parts.is_empty() {
            return ".".to_string();
        }
        parts.reverse();
        let path = parts.concat();
        // jq form: `.a[0]["b c"]`, with a leading `.` when it starts with a bracket.
        if path.starts_with('[') {
            format!(".{path}")
        } else {
            path
        }
    }

    /// The original text of the value under the cursor: a scalar's token as written (a string
    /// with its quotes and escapes), or a whole object/array pretty-printed from its original
    /// tokens (folds ignored). For a non-JSON body, the cursor line's text.
    pub fn value_at_cursor(&self) -> String {
        if let Some(line) = self.lines.get(self.cursor) {
            let node = &self.nodes[line.node as usize];
            if node.is_container() {
                self.pretty(line.node)
            } else {
                self.json_text()[node.start as usize..node.stop as usize].to_string()
            }
        } else if self.error.is_some() {
            self.text_line(self.cursor, usize::MAX).into_owned()
        } else {
            String::new()
        }
    }

    /// The whole body, exactly as received.
    pub fn raw(&self) -> &[u8] {
        self.body.bytes()
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

    /// Text-mode line `i`, at most about `limit` bytes, tabs shown as spaces (byte offsets are
    /// kept so error columns and search hits line up).
    fn text_line(&self, i: usize, limit: usize) -> Cow<'_, str> {
        let Some(&(s, e)) = self.text_lines.get(i) else {
            return Cow::Borrowed("");
        };
        let e = e.min(s.saturating_add(limit));
        let line = match &self.body {
            Body::Utf8(text) => Cow::Borrowed(&text[s..floor_boundary(text, e).max(s)]),
            Body::Bytes(b) => String::from_utf8_lossy(&b[s..e]),
        };
        if line.contains('\t') {
            Cow::Owned(line.replace('\t', " "))
        } else {
            line
        }
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

    /// Cursor position in match-unit order: a node index (a closing line counts as the node
    /// after the container) or a text line index.
    fn cursor_pos(&self) -> u32 {
        match self.lines.get(self.cursor) {
            Some(l) if l.close => self.nodes[l.node as usize].end,
            Some(l) => l.node,
            None => self.cursor as u32,
        }
    }

    fn on_current_match(&self) -> bool {
        let Some(m) = self.search.as_ref().and_then(|s| s.matches.get(s.current)) else {
            return false;
        };
        match self.lines.get(self.cursor) {
            Some(l) => !l.close && l.node == m.unit,
            None => self.cursor == m.unit as usize,
        }
    }

    /// Moves the cursor to the current match, unfolding its ancestors.
    fn jump_to_match(&mut self) {
        let Some(m) = self
            .search
            .as_ref()
            .and_then(|s| s.matches.get(s.current).copied())
        else {
            return;
        };
        if !self.is_json() {
            self.cursor = m.unit as usize;
            return;
        }
        let mut changed = false;
        let mut n = self.nodes[m.unit as usize].parent;
        while n != NONE {
            changed |= std::mem::replace(&mut self.folded[n as usize], false);
            n = self.nodes[n as usize].parent;
        }
        if changed {
            self.rebuild_lines();
        }
        self.cursor = self.line_index(LineRef {
            node: m.unit,
            close: false,
        });
    }

    /// The subtree of `root` pretty-printed (2-space indent relative to `root`, all unfolded).
    fn pretty(&self, root: u32) -> String {
        let text = self.json_text();
        let base = self.nodes[root as usize].depth();
        let end = self.nodes[root as usize].end;
        let mut out = String::new();
        let mut stack: Vec<u32> = Vec::new();
        let mut i = root;
        let indent = |out: &mut String, depth: u32| {
            for _ in base..depth {
                out.push_str("  ");
            }
        };
        while i < end {
            let node = &self.nodes[i as usize];
            indent(&mut out, node.depth());
            if i != root && node.has_key() {
                out.push_str(&text[node.key_start as usize..node.key_end as usize]);
                out.push_str(": ");
            }
            let open = node.is_foldable();
            if open {
                out.push_str(&text[node.start as usize..node.start as usize + 1]);
                stack.push(i);
                i += 1;
            } else {
                if node.is_container() {
                    out.push_str(render::empty_container(node.kind()));
                } else {
                    out.push_str(&text[node.start as usize..node.stop as usize]);
                }
                if i != root && !node.is_last(&self.nodes) {
                    out.push(',');
                }
                i = node.end;
            }
            out.push('\n');
            while let Some(&top) = stack.last() {
                let t = &self.nodes[top as usize];
                if t.end != i {
                    break;
                }
                indent(&mut out, t.depth());
                out.push_str(&text[t.stop as usize - 1..t.stop as usize]);
                if top != root && !t.is_last(&self.nodes) {
                    out.push(',');
                }
                out.push('\n');
                stack.pop();
            }
        }
        out.pop();
        out
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

/// A case-insensitive search needle.
struct Needle {
    /// Lower-cased bytes when the query is ASCII (the fast path).
    ascii: Option<Vec<u8>>,
    chars: Vec<char>,
}

fn fold_char(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

impl Needle {
    fn new(query: &str) -> Needle {
        Needle {
            ascii: query
                .is_ascii()
                .then(|| query.to_ascii_lowercase().into_bytes()),
            chars: query.chars().map(fold_char).collect(),
        }
    }

    /// Calls `hit(start, end)` for each non-overlapping match in `hay` (byte offsets).
    fn find_all(&self, hay: &str, mut hit: impl FnMut(usize, usize)) {
        if let Some(needle) = &self.ascii {
            let h = hay.as_bytes();
            let m = needle.len();
            let mut i = 0;
            while i + m <= h.len() {
                if h[i].to_ascii_lowercase() == needle[0]
                    && h[i..i + m].eq_ignore_ascii_case(needle)
                {
                    hit(i, i + m);
                    i += m;
                } else {
                    i += 1;
                }
            }
            return;
        }
        let hc: Vec<(usize, char)> = hay.char_indices().map(|(i, c)| (i, fold_char(c))).collect();
        let m = self.chars.len();
        let mut i = 0;
        while i + m <= hc.len() {
            if hc[i..i + m]
                .iter()
                .zip(&self.chars)
                .all(|((_, a), b)| a == b)
            {
                let end = hc.get(i + m).map_or(hay.len(), |&(o, _)| o);
                hit(hc[i].0, end);
                i += m;
            } else {
                i += 1;
            }
        }
    }
}
