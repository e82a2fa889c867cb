//! What the copy keys take from the cursor line: the jq-style path of its value and the
//! value's original text.

use super::tree::{self, NONE};
use super::{render, JsonView};

impl JsonView {
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

    /// The value under the cursor, from the data (never from the drawn line, which may carry
    /// the word joiners [`crate::ui::format::terminal_grapheme`] adds): a string's value (no
    /// quotes, escapes decoded), a number or literal as written, or a whole object/array
    /// pretty-printed from its original tokens (folds ignored). For a non-JSON body, the cursor
    /// line's text.
    pub fn value_at_cursor(&self) -> String {
        if let Some(line) = self.lines.get(self.cursor) {
            let node = &self.nodes[line.node as usize];
            let token = &self.json_text()[node.start as usize..node.stop as usize];
            if node.is_container() {
                self.pretty(line.node)
            } else if node.kind() == tree::Kind::Str {
                tree::decode_string(token)
            } else {
                token.to_string()
            }
        } else if self.error.is_some() {
            self.text_line(self.cursor, usize::MAX).into_owned()
        } else {
            String::new()
        }
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
