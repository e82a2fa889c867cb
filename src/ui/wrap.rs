//! Long lines made readable: wrapped into rows, or scrolled sideways, by display column and
//! grapheme by grapheme (never splitting one). Lines come already as the terminal draws them
//! ([`crate::ui::format::terminal_line`]), so the columns counted here are the ones drawn.

use ratatui::text::{Line, Span};
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// `line` cut into rows of at most `width` columns: after the last space of a row when there
/// is one in its second half, else at any grapheme (JSON values, ids and signatures have no
/// break points to wait for). Rows after the first start with `indent` spaces (at most half the
/// width), so a wrapped value stays under its line. A grapheme wider than a whole row gets a
/// row of its own.
pub fn wrap(line: Line<'static>, width: usize, indent: usize) -> Vec<Line<'static>> {
    let style = line.style;
    if width == 0 {
        return vec![line];
    }
    let indent = indent.min(width / 2);
    let mut rows = Vec::new();
    // The row being filled: graphemes with their span's style and width.
    let mut row: Vec<(&str, ratatui::style::Style, usize)> = Vec::new();
    let (mut used, mut room, mut lead) = (0, width, 0);
    let flush = |row: &[(&str, ratatui::style::Style, usize)], lead: usize| {
        let mut spans: Vec<Span<'static>> = Vec::new();
        for &(g, st, _) in row {
            match spans.last_mut().filter(|last| last.style == st) {
                Some(last) => last.content.to_mut().push_str(g),
                None => spans.push(Span::styled(g.to_owned(), st)),
            }
        }
        if lead > 0 {
            spans.insert(0, Span::raw(" ".repeat(lead)));
        }
        Line::from(spans).style(style)
    };
    for span in &line.spans {
        for g in span.content.graphemes(true) {
            let w = g.width();
            if used + w > room && used > 0 {
                // Break after the row's last space if it is far enough in.
                let mut at = row.len();
                let mut col = used;
                for (k, &(c, _, cw)) in row.iter().enumerate().rev() {
                    if c == " " && col * 2 > room {
                        at = k + 1;
                        break;
                    }
                    col -= cw;
                }
                let rest = row.split_off(at);
                rows.push(flush(&row, lead));
                row = rest;
                used = row.iter().map(|r| r.2).sum();
                lead = indent;
                room = width - indent;
            }
            row.push((g, span.style, w));
            used += w;
        }
    }
    rows.push(flush(&row, lead));
    rows
}

/// `line` without its first `cols` columns (a wide grapheme cut in half becomes a space).
pub fn skip_columns(line: Line<'static>, cols: usize) -> Line<'static> {
    if cols == 0 {
        return line;
    }
    let style = line.style;
    let mut skipped = 0;
    let mut spans = Vec::new();
    for span in line.spans {
        if skipped >= cols {
            spans.push(span);
            continue;
        }
        let mut text = String::new();
        for g in span.content.graphemes(true) {
            if skipped >= cols {
                text.push_str(g);
                continue;
            }
            skipped += g.width();
            if skipped > cols {
                text.extend(std::iter::repeat_n(' ', skipped - cols));
            }
        }
        if !text.is_empty() {
            spans.push(Span::styled(text, span.style));
        }
    }
    Line::from(spans).style(style)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(rows: &[Line<'static>]) -> Vec<String> {
        rows.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn wraps_by_column_and_grapheme() {
        let line = Line::from(vec![Span::raw("  \"text\": "), Span::raw("\"abcdefghij\"")]);
        assert_eq!(
            texts(&wrap(line, 10, 4)),
            ["  \"text\": ", "    \"abcde", "    fghij\""]
        );
        // After a space in the second half of a row; else anywhere.
        assert_eq!(
            texts(&wrap(Line::raw("body 32 bytes"), 10, 2)),
            ["body 32 ", "  bytes"]
        );
        assert_eq!(
            texts(&wrap(Line::raw("a bcdefghijkl"), 6, 0)),
            ["a bcde", "fghijk", "l"]
        );
        // Wide characters are never split; a row ends early instead.
        assert_eq!(texts(&wrap(Line::raw("ab日本語"), 5, 0)), ["ab日", "本語"]);
        assert_eq!(texts(&wrap(Line::raw("short"), 10, 2)), ["short"]);
        assert_eq!(texts(&wrap(Line::raw(""), 10, 2)), [""]);
    }

    #[test]
    fn skips_columns() {
        let line = Line::from(vec![Span::raw("abc"), Span::raw("日本x")]);
        assert_eq!(skip_columns(line.clone(), 2).to_string(), "c日本x");
        assert_eq!(skip_columns(line.clone(), 4).to_string(), " 本x");
        assert_eq!(skip_columns(line, 20).to_string(), "");
    }
}
