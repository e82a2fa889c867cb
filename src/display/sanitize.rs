//! The one sanitiser: maps every character a terminal would interpret to a visible,
//! single-column placeholder, so hostile text is seen for what it is instead of being obeyed.
//!
//! | characters | shown as |
//! |---|---|
//! | C0 controls U+0000–U+001F (ESC, BEL, CR, ...) | their Control Picture: `␛` `␇` `␍` ... (U+2400 + code) |
//! | DEL U+007F | `␡` |
//! | C1 controls U+0080–U+009F (8-bit CSI, OSC, ST, ...) | `�` |
//! | bidi embeddings, overrides and isolates U+202A–U+202E, U+2066–U+2069 | `⇆` |
//!
//! [`clean`] is for one-line values (names, ids, event names, header values, errors): line
//! breaks and tabs become placeholders too. [`clean_text`] is for message bodies, where line
//! breaks and tabs are the author's layout: they are kept (panes lay them out), everything else
//! is mapped. Left alone on purpose: the left-to-right / right-to-left *marks* (U+200E, U+200F,
//! U+061C), which right-to-left names legitimately carry and which reorder nothing beyond
//! neutral punctuation; zero-width joiners and variation selectors, which emoji are built from.
//!
//! Both return the input borrowed when it is already clean (the common case): the check is a
//! byte scan, cheap enough to run on every event.

use std::borrow::Cow;

/// Placeholder for a C1 control.
pub const C1_PLACEHOLDER: char = '\u{fffd}';
/// Placeholder for a bidi embedding, override or isolate.
pub const BIDI_PLACEHOLDER: char = '\u{21c6}';

/// Whether `c` is a bidi embedding, override or isolate (not a mark).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Whether a terminal could act on `c`: C0, DEL, C1 or a bidi control.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// The visible placeholder for an unsafe `c`, or `None` when `c` is safe to show.
pub fn placeholder(c: char) -> Option<char> {
    match c {
        '\0'..='\u{1f}' => char::from_u32(0x2400 + c as u32),
        '\u{7f}' => Some('\u{2421}'),
        '\u{80}'..='\u{9f}' => Some(C1_PLACEHOLDER),
        c if is_bidi_control(c) => Some(BIDI_PLACEHOLDER),
        _ => None,
    }
}

/// `s` for a one-line display: every unsafe character (line breaks and tabs included) becomes
/// its placeholder.
pub fn clean(s: &str) -> Cow<'_, str> {
    map_unsafe(s, false)
}

/// `s` for a multi-line display: like [`clean`], but `\n` and `\t` are kept.
pub fn clean_text(s: &str) -> Cow<'_, str> {
    map_unsafe(s, true)
}

/// Whether [`clean`] would leave `s` as it is. A byte scan.
pub fn is_clean(s: &str) -> bool {
    first_unsafe(s.as_bytes(), false).is_none()
}

/// What a terminal cell holding `symbol` should hold instead, `None` when it is safe: the last
/// guard over a drawn frame. A cell holds one character plus any zero-width ones the renderer
/// appended to it; an unsafe first character becomes its placeholder (a tab a space), unsafe
/// appended ones (bidi controls are zero-width) are dropped, since a cell has no room to show
/// them.
pub fn cell_symbol(symbol: &str) -> Option<String> {
    first_unsafe(symbol.as_bytes(), false)?;
    let mut chars = symbol.chars();
    let first = chars.next()?;
    let mut out = String::with_capacity(symbol.len() + 2);
    match first {
        '\t' => out.push(' '),
        c => out.push(placeholder(c).unwrap_or(c)),
    }
    out.extend(chars.filter(|c| !is_unsafe(*c)));
    Some(out)
}

fn map_unsafe(s: &str, keep_layout: bool) -> Cow<'_, str> {
    let Some(first) = first_unsafe(s.as_bytes(), keep_layout) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        let keep = keep_layout && (c == '\n' || c == '\t');
        match placeholder(c) {
            Some(p) if !keep => out.push(p),
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Byte offset of the first character [`map_unsafe`] would change. A byte scan: every unsafe
/// character starts with a byte below 0x20, 0x7F, `C2` (C1 controls are `C2 80`–`C2 9F`) or
/// `E2` (bidi controls are `E2 80 AA`–`E2 80 AE` and `E2 81 A6`–`E2 81 A9`).
fn first_unsafe(b: &[u8], keep_layout: bool) -> Option<usize> {
    let mut i = 0;
    while i < b.len() {
        let x = b[i];
        let hit = match x {
            b'\n' | b'\t' => !keep_layout,
            0..=0x1f | 0x7f => true,
            0xc2 => b.get(i + 1).is_some_and(|y| (0x80..=0x9f).contains(y)),
            0xe2 => match (b.get(i + 1), b.get(i + 2)) {
                (Some(0x80), Some(z)) => (0xaa..=0xae).contains(z),
                (Some(0x81), Some(z)) => (0xa6..=0xa9).contains(z),
                _ => false,
            },
            _ => false,
        };
        if hit {
            return Some(i);
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_become_visible_placeholders() {
        assert_eq!(clean("\u{1b}]52;c;aGk=\u{7}"), "␛]52;c;aGk=␇");
        assert_eq!(clean("\u{1b}[2J"), "␛[2J");
        assert_eq!(clean("a\u{9b}31m"), "a\u{fffd}31m");
        assert_eq!(clean("x\u{7f}"), "x␡");
        assert_eq!(clean("\u{202e}gnp.exe"), "⇆gnp.exe");
        assert_eq!(clean("\u{2066}a\u{2069}"), "⇆a⇆");
        assert_eq!(clean("a\r\nb\tc"), "a␍␊b␉c");
        assert_eq!(clean("\0"), "␀");
    }

    #[test]
    fn message_text_keeps_its_layout() {
        assert_eq!(clean_text("line 1\nline 2\tend"), "line 1\nline 2\tend");
        assert_eq!(clean_text("a\r\n\u{1b}[2J"), "a␍\n␛[2J");
    }

    #[test]
    fn clean_text_is_borrowed() {
        for s in [
            "Olá, mundo — ✓✓ 👍🏿 👨‍👩‍👧 日本語",
            "\u{200f}مرحبا\u{200e}",
            "❤\u{fe0f}",
            "",
        ] {
            assert!(matches!(clean(s), Cow::Borrowed(_)), "{s:?}");
        }
        // Near misses of the byte scan: other characters led by C2 and E2.
        assert!(matches!(clean("© “quotes” … ⇆"), Cow::Borrowed(_)));
    }

    #[test]
    fn cells_are_made_safe() {
        assert_eq!(cell_symbol("a"), None);
        assert_eq!(cell_symbol("👍🏿"), None);
        assert_eq!(cell_symbol("\u{1b}").as_deref(), Some("␛"));
        assert_eq!(cell_symbol("\u{9b}").as_deref(), Some("\u{fffd}"));
        assert_eq!(cell_symbol("\t").as_deref(), Some(" "));
        assert_eq!(cell_symbol("x\u{202e}").as_deref(), Some("x"));
        assert_eq!(cell_symbol("\u{202e}").as_deref(), Some("⇆"));
        assert!(is_clean("ok ✓") && !is_clean("a\nb"));
    }

    #[test]
    fn every_unsafe_char_is_mapped_and_nothing_else() {
        for u in 0..=0x10ffffu32 {
            let Some(c) = char::from_u32(u) else { continue };
            let s = c.to_string();
            let out = clean(&s);
            let changed = out != s;
            assert_eq!(changed, is_unsafe(c), "U+{u:04X}");
            assert!(!out.chars().any(is_unsafe), "U+{u:04X}");
            if changed {
                assert_eq!(unicode_width::UnicodeWidthStr::width(out.as_ref()), 1);
            }
        }
    }
}
