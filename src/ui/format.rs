//! Small text helpers shared by the panes: times, numbers, truncation by display width.
//!
//! Text is cut and measured by grapheme, never by `char`, and each grapheme is first made into
//! one whose width every terminal agrees on ([`terminal_grapheme`]): ratatui lays a row out by
//! the widths it computes, and a terminal that draws a grapheme wider or narrower shifts the rest
//! of that row, leaving stray cells on other rows and through overlay borders. The choices, made
//! in tmux 3.3 (which draws `👍🏿` as four columns and a ZWJ sequence as two) and safe where
//! terminals draw them otherwise: a skin tone is drawn as a swatch beside its emoji (four
//! columns: every terminal draws the two apart at two columns each), a ZWJ sequence as its first
//! emoji and that emoji's tone, and emoji variation selectors are dropped.

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// `HH:MM:SS` of `ms` shifted by `offset_s` seconds from UTC.
pub fn clock(ms: i64, offset_s: i32) -> String {
    let secs = (ms.div_euclid(1000) + i64::from(offset_s)).rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

/// `HH:MM:SS.mmm` of `ms` shifted by `offset_s` seconds from UTC.
pub fn clock_ms(ms: i64, offset_s: i32) -> String {
    format!("{}.{:03}", clock(ms, offset_s), ms.rem_euclid(1000))
}

/// A span of time as the ticks view says it: `250 ms`, `1.2 s`, `1.25 s`, `2 min 5 s`.
pub fn duration(ms: i64) -> String {
    let ms = ms.unsigned_abs();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        // Hundredths at most, without trailing zeros.
        let hundredths = (ms + 5) / 10;
        let s = format!("{}.{:02}", hundredths / 100, hundredths % 100);
        format!("{} s", s.trim_end_matches('0').trim_end_matches('.'))
    } else if ms < 3_600_000 {
        let s = ms / 1000;
        match s % 60 {
            0 => format!("{} min", s / 60),
            r => format!("{} min {r} s", s / 60),
        }
    } else {
        let m = ms / 60_000;
        match m % 60 {
            0 => format!("{} h", m / 60),
            r => format!("{} h {r} min", m / 60),
        }
    }
}

/// `HH:MM` of `ms`.
pub fn clock_short(ms: i64, offset_s: i32) -> String {
    clock(ms, offset_s)[..5].to_owned()
}

pub use crate::display::count::{plural, thousands};

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

/// Cuts `s` to at most `width` display columns, ending with `…` when cut. Works by grapheme
/// (what the user sees as one character), so a cut never splits one, and each is measured as a
/// terminal will draw it ([`terminal_grapheme`]). Line breaks and tabs (the only controls
/// display copies keep, in message text) become spaces so one item stays one row.
pub fn fit(s: &str, width: usize) -> String {
    // One pass that stops at the pane's edge: a message may carry megabytes of text, and only a
    // row's worth of it is ever shown.
    let mut out = String::new();
    let mut used = 0;
    // Longest prefix that still leaves a column for the ellipsis.
    let mut room_for_ellipsis = 0;
    for g in s.graphemes(true) {
        let g = terminal_grapheme(g);
        let gw = UnicodeWidthStr::width(g.as_ref());
        if used + gw > width {
            out.truncate(room_for_ellipsis);
            if width > 0 {
                out.push('…');
            }
            return out;
        }
        out.push_str(&g);
        used += gw;
        if used < width {
            room_for_ellipsis = out.len();
        }
    }
    out
}

/// `s` with every grapheme as [`terminal_grapheme`] draws it, for text laid out by a widget
/// rather than cut by [`fit`]; borrowed when nothing changes (a byte scan).
pub fn terminal_text(s: &str) -> std::borrow::Cow<'_, str> {
    // Everything terminal_grapheme changes starts with one of these bytes: a tab or a line
    // break, `EF B8 8F` (U+FE0F), `E2 80 8D` (U+200D) or `F0 9F 8F` (the skin tones).
    let b = s.as_bytes();
    let hit = b.iter().enumerate().any(|(i, &x)| match x {
        b'\n' | b'\t' => true,
        0xef => b.get(i + 1..i + 3) == Some(&[0xb8, 0x8f]),
        0xe2 => b.get(i + 1..i + 3) == Some(&[0x80, 0x8d]),
        0xf0 => b.get(i + 1..i + 3) == Some(&[0x9f, 0x8f]),
        _ => false,
    });
    if !hit {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(s.graphemes(true).map(terminal_grapheme).collect())
}

/// `line` with each span's text as [`terminal_text`] draws it.
pub fn terminal_line(mut line: ratatui::text::Line<'static>) -> ratatui::text::Line<'static> {
    for span in &mut line.spans {
        if let std::borrow::Cow::Owned(t) = terminal_text(&span.content) {
            span.content = t.into();
        }
    }
    line
}

/// Emoji modifiers (skin tones), U+1F3FB–U+1F3FF.
fn is_emoji_modifier(c: char) -> bool {
    ('\u{1f3fb}'..='\u{1f3ff}').contains(&c)
}

/// Invisible, zero-width and a grapheme of its own: placed between an emoji and its skin tone
/// so the two are laid out as two cells (ratatui drops zero-width graphemes when drawing).
const WORD_JOINER: char = '\u{2060}';

/// One grapheme as it can be drawn without terminals and ratatui disagreeing on its width, which
/// would shift the rest of its row and leave stray cells behind (on other rows, across overlay
/// borders). Terminals differ most on multi-codepoint emoji, so:
///
/// - a line break or tab becomes a space;
/// - emoji variation selectors (U+FE0F) are dropped: terminals disagree on whether they widen
///   the emoji (`❤️` is one column in tmux, two in some terminals);
/// - a ZWJ sequence (`👨‍👩‍👧`, `👩🏽‍💻`) keeps only its first emoji and that emoji's skin tone:
///   some terminals join the sequence into one two-column glyph, others draw every part;
/// - an emoji with a skin tone (`👍🏿`) is drawn as the emoji, then the skin tone as a swatch of
///   its own (a word joiner between them splits the grapheme): tmux and terminals without
///   modifier support draw the two as four columns, others as two; four is the width every
///   terminal agrees on when they are drawn apart, and the tone stays visible.
///
/// Everything else (CJK, flags, combining accents) is returned as it is.
pub fn terminal_grapheme(g: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    // Fast path: a single-byte grapheme (ASCII) other than a tab or a line break.
    if g.len() == 1 {
        return match g {
            "\n" | "\t" => Cow::Borrowed(" "),
            _ => Cow::Borrowed(g),
        };
    }
    if g == "\r\n" {
        return Cow::Borrowed(" ");
    }
    let needs = g
        .chars()
        .any(|c| c == '\u{fe0f}' || c == '\u{200d}' || is_emoji_modifier(c));
    if !needs {
        return Cow::Borrowed(g);
    }
    let mut out = String::with_capacity(g.len() + 3);
    for c in g.chars().filter(|c| *c != '\u{fe0f}') {
        if c == '\u{200d}' {
            // A joiner that follows an emoji starts the parts a terminal may or may not join.
            if !out.is_empty() {
                break;
            }
            out.push(c);
            continue;
        }
        if is_emoji_modifier(c) && !out.is_empty() {
            out.push(WORD_JOINER);
        }
        out.push(c);
    }
    Cow::Owned(out)
}

/// Display width of `s`.
pub fn width(s: &str) -> usize {
    s.width()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ack_timing_helpers() {
        assert_eq!(clock_ms(1_700_000_003_250, 0), "22:13:23.250");
        assert_eq!(clock_ms(1_700_000_003_005, 3600), "23:13:23.005");
        assert_eq!(duration(250), "250 ms");
        assert_eq!(duration(1_200), "1.2 s");
        assert_eq!(duration(1_250), "1.25 s");
        assert_eq!(duration(-1_250), "1.25 s");
        assert_eq!(duration(3_000), "3 s");
        assert_eq!(duration(59_999), "60 s");
        assert_eq!(duration(60_000), "1 min");
        assert_eq!(duration(125_000), "2 min 5 s");
        assert_eq!(duration(3_900_000), "1 h 5 min");
    }

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

    #[test]
    fn emoji_are_cut_and_measured_by_grapheme() {
        // A skin tone is kept, drawn apart from its emoji: four columns everywhere.
        assert_eq!(fit("👍🏿 ok", 10), "👍\u{2060}🏿 ok");
        assert_eq!(width(&fit("👍🏿 ok", 10)), 7);
        // Never split: what does not fit whole is left out.
        assert_eq!(fit("ab👍🏿", 5), "ab…");
        assert_eq!(fit("👍🏿👍🏿", 6), "👍\u{2060}🏿…");
        // A ZWJ sequence keeps its first emoji and that emoji's tone.
        assert_eq!(fit("👨\u{200d}👩\u{200d}👧 family", 20), "👨 family");
        assert_eq!(fit("👩🏽\u{200d}💻", 20), "👩\u{2060}🏽");
        assert_eq!(fit("🏳\u{fe0f}\u{200d}🌈", 20), "🏳");
        // Combining accents, flags and CJK stay whole.
        assert_eq!(fit("e\u{301}🇧🇷日", 20), "e\u{301}🇧🇷日");
        assert_eq!(fit("e\u{301}e\u{301}e\u{301}", 2), "e\u{301}…");
        // A lone tone is left as it is; a joiner ending a letter goes.
        assert_eq!(fit("🏿", 20), "🏿");
        assert_eq!(fit("a\u{200d}b", 20), "ab");
        assert_eq!(fit("a\r\nb", 20), "a b");
        // Text laid out by a widget gets the same graphemes, and is borrowed when plain.
        assert_eq!(
            terminal_text("hi 👍🏿 👨\u{200d}👧 ❤\u{fe0f}"),
            "hi 👍\u{2060}🏿 👨 ❤"
        );
        assert!(matches!(
            terminal_text("plain “text” 日本 ✓✓ 👍"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
