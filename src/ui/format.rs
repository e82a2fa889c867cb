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

/// Cuts `s` to at most `width` display columns, ending with `…` when cut. Line breaks become
/// spaces so one item stays one row, and emoji variation selectors (U+FE0F) are dropped:
/// terminals disagree on whether they widen the emoji, which would shift the rest of the row.
pub fn fit(s: &str, width: usize) -> String {
    let flat: String = s
        .chars()
        .filter(|c| *c != '\u{fe0f}')
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.width() <= width {
        return flat;
    }
    let mut out = String::new();
    let mut w = 0;
    for c in flat.chars() {
        let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if w + cw + 1 > width {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
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
    }
}
