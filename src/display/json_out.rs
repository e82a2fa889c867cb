//! JSON that is safe to print to a terminal: the one serde_json [`Formatter`] behind headless
//! NDJSON lines and capture-file lines.
//!
//! serde_json already escapes C0 controls (`\u001b`, `\n`). It writes everything else raw,
//! including characters a terminal acts on or that reorder or break what follows: DEL, C1
//! controls (U+0080–U+009F, among them the 8-bit CSI U+009B), bidi embeddings, overrides and
//! isolates (U+202A–U+202E, U+2066–U+2069) and the line and paragraph separators U+2028/U+2029.
//! [`SafeFormatter`] writes those as `\uXXXX` escapes too. Escapes are lossless: a JSON reader
//! decodes exactly the same strings, so capture files stay byte-exact for `--load` and `jq`.

use serde::Serialize;
use serde_json::ser::Formatter;
use std::io;

/// serde_json's compact format (the trait's default methods), with the extra escapes above.
#[derive(Debug, Clone, Copy, Default)]
pub struct SafeFormatter;

/// Whether `c` is written as a `\uXXXX` escape.
pub fn needs_escape(c: char) -> bool {
    matches!(c, '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}')
        || super::sanitize::is_bidi_control(c)
}

impl Formatter for SafeFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // A byte scan: every such character starts with 0x7F, 0xC2 or 0xE2, and most strings
        // have none of those bytes at all.
        let b = fragment.as_bytes();
        let mut start = 0;
        let mut i = 0;
        while i < b.len() {
            let width = match b[i] {
                0x7f => 1,
                0xc2 | 0xe2 => 2 + usize::from(b[i] == 0xe2),
                _ => {
                    i += 1;
                    continue;
                }
            };
            let c = fragment[i..].chars().next().unwrap_or(' ');
            if needs_escape(c) {
                writer.write_all(&b[start..i])?;
                write!(writer, "\\u{:04x}", c as u32)?;
                start = i + width;
            }
            i += width;
        }
        writer.write_all(&b[start..])
    }
}

/// Serialises `value` to `writer` with [`SafeFormatter`].
pub fn to_writer<W: io::Write, T: ?Sized + Serialize>(
    writer: W,
    value: &T,
) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(writer, SafeFormatter);
    value.serialize(&mut ser)
}

/// Serialises `value` to bytes with [`SafeFormatter`].
pub fn to_vec<T: ?Sized + Serialize>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(256);
    to_writer(&mut out, value)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_controls_are_escaped_and_decode_back() {
        let s = "a\u{1b}]52;c;aGk=\u{7}b\u{7f}c\u{9b}31m\u{202e}d\u{2066}\u{2028}\u{2029}é✓€\u{a0}";
        let out = String::from_utf8(to_vec(&s).unwrap()).unwrap();
        assert_eq!(
            out,
            "\"a\\u001b]52;c;aGk=\\u0007b\\u007fc\\u009b31m\\u202ed\\u2066\\u2028\\u2029é✓€\u{a0}\""
        );
        assert!(!out.chars().any(|c| c.is_control() || needs_escape(c)));
        assert_eq!(serde_json::from_str::<String>(&out).unwrap(), s);
    }

    #[test]
    fn plain_values_are_written_as_serde_json_writes_them() {
        let v = serde_json::json!({"a": [1, 2.5, "x"], "b": {"c": null, "d": true}});
        assert_eq!(to_vec(&v).unwrap(), serde_json::to_vec(&v).unwrap());
    }
}
