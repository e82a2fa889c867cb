//! POSIX shell words that carry exact bytes and hold nothing a terminal would act on: the
//! quoting behind the curl export and the screen's "copy as curl".
//!
//! A word takes one of two forms:
//! - **plain**: `'…'`, single quotes around the bytes as they are (a `'` inside is written
//!   `'\''`), when the bytes are UTF-8 and hold no character a terminal acts on: no C0 control
//!   (tab and CR included; a line break only where the caller allows it, see [`Lines`]), no DEL,
//!   no C1 control, no bidi embedding, override or isolate, no U+2028/U+2029. Inside single
//!   quotes nothing is special to the shell (`$()`, backticks, `\`, `"`, `!`), so the word is
//!   the bytes themselves.
//! - **printf**: everything else goes through a `printf` format in single quotes, where every
//!   such character, every byte that is not UTF-8, and `!` (history expansion inside double
//!   quotes) is a three-digit octal escape (`\033`), `\` is `\\` and `%` is `%%`. Octal escapes
//!   in a `printf` format are POSIX (`dash`, `bash`, `ksh`, `busybox sh` and `zsh` agree), so the
//!   exact bytes come out, NUL included, while the command itself, shown or pasted, is plain
//!   printable text.
//!
//! Not used, and why: `$'…'` ANSI-C quoting is not in every `sh` (dash lacks it, and `\x`
//! escapes differ between shells); `printf '%b'` treats `\c` and `\0ooo` differently across
//! shells; a here-document cannot carry NUL, needs a trailing newline and holds the raw bytes,
//! escape sequences included; `curl --data-binary 'BODY'` would read a file for a body starting
//! with `@`, and a single argument is limited to 128 KiB on Linux, whereas a body piped from the
//! `printf` builtin has no such limit.

use crate::display::json_out::needs_escape;
use crate::display::sanitize::is_unsafe;
use std::fmt::Write as _;

/// Whether a line break may stay a line break in the word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// A body: its line breaks are its layout and safe to show (inside quotes they are text).
    Kept,
    /// A one-line value (a header, a URL): a line break is escaped like any control.
    Escaped,
}

/// Whether `c` can stand in a word as itself.
fn shows_as_itself(c: char, lines: Lines) -> bool {
    (c == '\n' && lines == Lines::Kept) || !(is_unsafe(c) || needs_escape(c))
}

/// Whether `bytes` can be written as a plain single-quoted word.
pub fn is_plain(bytes: &[u8], lines: Lines) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|s| s.chars().all(|c| shows_as_itself(c, lines)))
}

/// `s` in single quotes, each `'` in it written `'\''`. Only for text that [`is_plain`].
pub fn single_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// A single-quoted `printf` format that prints exactly `bytes`.
pub fn printf_format(bytes: &[u8], lines: Lines) -> String {
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 4 + 2);
    out.push('\'');
    let octal = |out: &mut String, b: u8| {
        let _ = write!(out, "\\{b:03o}");
    };
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '%' => out.push_str("%%"),
                '\'' => out.push_str("'\\''"),
                '!' => octal(&mut out, b'!'),
                c if shows_as_itself(c, lines) => out.push(c),
                c => {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        octal(&mut out, b);
                    }
                }
            }
        }
        for &b in chunk.invalid() {
            octal(&mut out, b);
        }
    }
    out.push('\'');
    out
}

/// One shell word (an argument) holding exactly `bytes`: plain when it can be, else a
/// `"$(printf …)"` substitution. A command substitution drops trailing line breaks and a shell
/// variable cannot hold NUL, so this is for values that have neither: header values and URLs,
/// which HTTP never lets hold them.
pub fn word(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) if is_plain(bytes, Lines::Escaped) => single_quoted(s),
        _ => format!("\"$(printf {})\"", printf_format(bytes, Lines::Escaped)),
    }
}

/// A command that writes exactly `bytes` to its standard output, for piping a body: `printf
/// '%s' '…'` when the body is plain, else `printf '…'` with escapes.
pub fn printer(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) if is_plain(bytes, Lines::Kept) => format!("printf '%s' {}", single_quoted(s)),
        _ => format!("printf {}", printf_format(bytes, Lines::Kept)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a terminal must never receive: C0 but the line break, DEL, C1 (raw or as UTF-8),
    /// bidi controls, and bytes that are not UTF-8.
    fn assert_shows_safely(s: &str) {
        for c in s.chars() {
            assert!(shows_as_itself(c, Lines::Kept), "{c:?} in {s:?}");
        }
    }

    #[test]
    fn printable_text_is_single_quoted_as_is() {
        assert_eq!(word(b"application/json"), "'application/json'");
        assert_eq!(
            word(b"it's $(rm -rf ~) `x` \"q\" \\ %s !!"),
            "'it'\\''s $(rm -rf ~) `x` \"q\" \\ %s !!'"
        );
        assert_eq!(word("olá 😍".as_bytes()), "'olá 😍'");
        assert_eq!(printer(b"{\"a\":\n 1}"), "printf '%s' '{\"a\":\n 1}'");
    }

    #[test]
    fn controls_and_bytes_that_are_not_utf8_become_octal_escapes() {
        let hostile = b"a\x1b]52;c;eA==\x07\tb\r\x00\xff\xfe'%\\!\n";
        let p = printer(hostile);
        assert_eq!(
            p,
            "printf 'a\\033]52;c;eA==\\007\\011b\\015\\000\\377\\376'\\''%%\\\\\\041\n'"
        );
        assert_shows_safely(&p);
        let w = word(b"caf\xe9\t");
        assert_eq!(w, "\"$(printf 'caf\\351\\011')\"");
        assert_shows_safely(&w);
        // C1 as UTF-8, bidi override, line separator, DEL: escaped byte by byte.
        let p = printer("x\u{9b}2J\u{202e}\u{2028}\u{7f}".as_bytes());
        assert_eq!(
            p,
            "printf 'x\\302\\2332J\\342\\200\\256\\342\\200\\250\\177'"
        );
        assert_shows_safely(&p);
    }

    #[test]
    fn a_line_break_stays_in_a_body_but_not_in_a_one_line_value() {
        assert!(is_plain(b"a\nb", Lines::Kept));
        assert!(!is_plain(b"a\nb", Lines::Escaped));
        assert_eq!(printf_format(b"a\nb", Lines::Escaped), "'a\\012b'");
    }
}
