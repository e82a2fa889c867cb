//! Small text helpers shared by the panes: times, numbers, truncation by display width.

use unicode_width::UnicodeWidthStr;

/// `HH:MM:SS` of `ms` shifted by `offset_s` seconds from UTC.
pub fn clock(ms: i64, offset_s: i32) -> String {
    let secs = (ms.div_euclid(1000) + i64::from(offset_s)).rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

/// `HH:MM` of `ms`.
pub fn clock_short(ms: i64, offset_s: i32) -> String {
    clock(ms, offset_s)[..5].to_owned()
}

/// 1234567 → "1,234,567".
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "1 event", "1,234 events": a count with its noun, singular for one.
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// `s` fitted to `width` display columns and padded with spaces to exactly that width (Rust's
/// `{:<w$}` pads by characters, which pushes wide characters like CJK past their column).
pub fn pad(s: &str, width: usize) -> String {
    let mut out = fit(s, width);
    let w = out.width();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(w)));
    out
}

/// "3s", "4m", "2h" for a duration in ms.
pub fn ago(ms: i64) -> String {
    let s = (ms / 1000).max(0);
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m", s / 60)
    } else {
        format!("{}h", s / 3600)
    }
}

/// Cuts `s` to at most `width` display columns, ending with `…` when cut. Line breaks and tabs
/// (the only controls display copies keep, in message text) become spaces so one item stays one
/// row, and emoji variation selectors (U+FE0F) are dropped: terminals disagree on whether they
/// widen the emoji, which would shift the rest of the row.
pub fn fit(s: &str, width: usize) -> String {
    // One pass that stops at the pane's edge: a message may carry megabytes of text, and only a
    // row's worth of it is ever shown.
    let mut out = String::new();
    let mut used = 0;
    // Longest prefix that still leaves a column for the ellipsis.
    let mut room_for_ellipsis = 0;
    for c in s.chars().filter(|c| *c != '\u{fe0f}') {
        let c = if c == '\n' || c == '\t' { ' ' } else { c };
        let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + cw > width {
            out.truncate(room_for_ellipsis);
            if width > 0 {
                out.push('…');
            }
            return out;
        }
        out.push(c);
        used += cw;
        if used < width {
            room_for_ellipsis = out.len();
        }
    }
    out
}

/// Display width of `s`.
pub fn width(s: &str) -> usize {
    s.width()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(clock(1_700_000_000_000, 0), "22:13:20");
        assert_eq!(clock(1_700_000_000_000, 3600), "23:13:20");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(12), "12");
        assert_eq!(ago(125_000), "2m");
        assert_eq!(fit("hello world", 6), "hello…");
        assert_eq!(fit("a\nb", 10), "a b");
        assert_eq!(width(&fit("日本語テキスト", 5)), 5);
        assert_eq!(fit("❤\u{fe0f} 1", 10), "❤ 1");
        assert_eq!(fit("abc", 3), "abc");
        assert_eq!(fit("abcd", 3), "ab…");
        assert_eq!(fit("abcd", 0), "");
        assert_eq!(plural(1, "event", "events"), "1 event");
        assert_eq!(plural(0, "event", "events"), "0 events");
        assert_eq!(plural(1234, "match", "matches"), "1,234 matches");
        assert_eq!(pad("張偉", 6), "張偉  ");
        assert_eq!(width(&pad("張偉明", 5)), 5);
        assert_eq!(pad("ab", 3), "ab ");
        let huge = "x".repeat(5_000_000);
        assert_eq!(fit(&huge, 8).chars().count(), 8);
    }
}
