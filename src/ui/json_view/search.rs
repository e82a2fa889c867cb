//! Case-insensitive search over keys and values (or text lines): the match list, stepping
//! through it, and unfolding what hides the current match.

use super::tree::NONE;
use super::{JsonView, LineRef};

/// One search hit: in a node's key (`field == 0`), value (`field == 1`) or, for a phrase, its
/// `KEY: VALUE` text (`field == 2`, see `JsonView::phrase_text`); or in a text line (`unit` is
/// then the line index); `start..end` are byte offsets within that text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Match {
    pub(super) unit: u32,
    pub(super) field: u8,
    pub(super) start: u32,
    pub(super) end: u32,
}

/// The active search: every match in document order and the index of the current one.
pub(super) struct Search {
    pub(super) matches: Vec<Match>,
    pub(super) current: usize,
}

impl JsonView {
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
        let lower = query.to_lowercase();
        if crate::filter::is_phrase(&lower) {
            // Spaces or JSON punctuation: matched as a phrase across a line's key and value as
            // the line shows them, by the raw-body filter's rule (`"fromMe": true`).
            self.phrase_search(&lower, &mut matches);
        } else if self.is_json() {
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

    /// The matches of a phrase (see [`crate::filter::body_contains`]): in a JSON line's text
    /// from its key to its value (`field == 2`, offsets within `KEY: VALUE`), or in a text line.
    fn phrase_search(&self, lower: &str, matches: &mut Vec<Match>) {
        let mut push = |unit: usize, field: u8, hay: &str| {
            for (s, e) in crate::filter::phrase_matches(hay.as_bytes(), lower) {
                matches.push(Match {
                    unit: unit as u32,
                    field,
                    start: s as u32,
                    end: e as u32,
                });
            }
        };
        if !self.is_json() {
            for i in 0..self.text_lines.len() {
                push(i, 1, &self.text_line(i, usize::MAX));
            }
            return;
        }
        for i in 0..self.nodes.len() {
            push(i, 2, &self.phrase_text(i));
        }
    }

    /// A node's line as searched for a phrase: `KEY: VALUE` (the key when it has one, the
    /// value when it is a scalar, each as written).
    pub(super) fn phrase_text(&self, i: usize) -> String {
        let text = self.json_text();
        let node = &self.nodes[i];
        let mut out = String::new();
        if node.has_key() {
            out.push_str(&text[node.key_start as usize..node.key_end as usize]);
            out.push_str(": ");
        }
        if !node.is_container() {
            out.push_str(&text[node.start as usize..node.stop as usize]);
        }
        out
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

    /// Cursor position in match-unit order: a node index (a closing line counts as the node
    /// after the container) or a text line index.
    fn cursor_pos(&self) -> u32 {
        match self.lines.get(self.cursor) {
            Some(l) if l.close => self.nodes[l.node as usize].end,
            Some(l) => l.node,
            None => self.cursor as u32,
        }
    }

    pub(super) fn on_current_match(&self) -> bool {
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
        // The next render scrolls the hit itself into view (down a wrapped line, or sideways).
        self.reveal = true;
        self.cursor_row = 0;
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
