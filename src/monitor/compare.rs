//! Comparing two requests (`m` marks one, `D` on another): a line diff of their bodies, each
//! pretty-printed with its keys sorted (so that key order, which JSON does not care about, shows
//! no difference), as display copies (redacted under `--redact`, made safe to draw).
//!
//! Lines carry a marker as well as a colour, `+` and `-`, so the diff reads without colour
//! (`NO_COLOR`). Unchanged stretches longer than the context are folded to one line that says
//! how many lines it hides.

use crate::display::Intake;
use crate::envelope::Envelope;
use similar::{ChangeTag, TextDiff};
use std::time::Duration;

/// Unchanged lines kept around each change.
const CONTEXT: usize = 3;

/// One line of the diff view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffLine {
    Same(String),
    Removed(String),
    Added(String),
    /// `n` unchanged lines not shown.
    Skipped(usize),
}

/// The diff of request `a` (marked) against request `b` (selected).
#[derive(Debug, Clone)]
pub struct Comparison {
    pub a: u64,
    pub b: u64,
    /// Lines removed from `a` and added in `b`.
    pub removed: usize,
    pub added: usize,
    pub lines: Vec<DiffLine>,
}

/// A body as compared: pretty JSON with sorted keys, or its text lines when it is not JSON, or
/// why it cannot be shown. Always a display copy.
fn comparable(env: &Envelope, intake: &Intake) -> String {
    let body = match crate::body_encoding::decoded(env) {
        Ok(b) => b,
        Err(why) => return format!("({why})"),
    };
    // A Twilio form compares as its fields.
    let form = crate::display::form::fields_json(&body);
    let raw: &[u8] = form.as_deref().map_or(&body, str::as_bytes);
    let shown = intake.body(raw).and_then(|s| {
        serde_json::from_slice::<serde_json::Value>(&s.bytes)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
    });
    let text = match shown {
        Some(t) => t,
        None => String::from_utf8_lossy(raw)
            .lines()
            .map(|l| crate::display::body::text_line(l, intake.redacts()).into_owned())
            .collect::<Vec<_>>()
            .join("\n"),
    };
    text.lines()
        .map(|l| crate::display::clean(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

impl Comparison {
    pub fn new(a: &Envelope, b: &Envelope, intake: &Intake) -> Comparison {
        let (old, new) = (comparable(a, intake), comparable(b, intake));
        // Bounded for bodies of megabytes: past it the diff is coarser, never wrong.
        let diff = TextDiff::configure()
            .timeout(Duration::from_millis(500))
            .diff_lines(&old, &new);
        let mut lines = Vec::new();
        let (mut removed, mut added) = (0, 0);
        // Where the last group shown ends in the old text.
        let mut shown_to = 0;
        for group in diff.grouped_ops(CONTEXT) {
            let start = group.first().map_or(shown_to, |op| op.old_range().start);
            if start > shown_to {
                lines.push(DiffLine::Skipped(start - shown_to));
            }
            for op in &group {
                shown_to = op.old_range().end;
                for change in diff.iter_changes(op) {
                    let text = change.value().trim_end_matches(['\n', '\r']).to_owned();
                    lines.push(match change.tag() {
                        ChangeTag::Equal => DiffLine::Same(text),
                        ChangeTag::Delete => {
                            removed += 1;
                            DiffLine::Removed(text)
                        }
                        ChangeTag::Insert => {
                            added += 1;
                            DiffLine::Added(text)
                        }
                    });
                }
            }
        }
        let old_len = old.lines().count();
        if !lines.is_empty() && old_len > shown_to {
            lines.push(DiffLine::Skipped(old_len - shown_to));
        }
        Comparison {
            a: a.seq,
            b: b.seq,
            removed,
            added,
            lines,
        }
    }

    /// Lines the view has in all (for scrolling).
    pub fn line_count(&self) -> usize {
        self.lines.len() + 3
    }
}
