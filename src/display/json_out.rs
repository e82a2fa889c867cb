//! JSON that is safe to print to a terminal: the one writer behind headless NDJSON lines and
//! capture-file lines.
//!
//! serde_json already escapes C0 controls (`\u001b`, `\n`). It writes everything else raw,
//! including characters a terminal acts on or that reorder or break what follows: DEL, C1
//! controls (U+0080–U+009F, among them the 8-bit CSI U+009B), bidi embeddings, overrides and
//! isolates (U+202A–U+202E, U+2066–U+2069) and the line and paragraph separators U+2028/U+2029.
//! [`append`] writes those as `\uXXXX` escapes too. Escapes are lossless: a JSON reader
//! decodes exactly the same strings, so capture files stay byte-exact for `--load` and `jq`.

use serde::Serialize;

/// Whether `c` is written as a `\uXXXX` escape.
pub fn needs_escape(c: char) -> bool {
    matches!(c, '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}')
        || super::sanitize::is_bidi_control(c)
}

/// Appends `value` as JSON to `out`, with the extra escapes.
///
/// serde_json writes the line first; then one pass over what it wrote escapes the characters
/// above. That is valid because outside strings JSON is all ASCII, so any such character is in
/// a string; and fast because the pass is a vectorised search for their lead bytes (`7F`, `C2`,
/// `E2`) that usually finds none. (Escaping inside a serde_json `Formatter` instead meant a
/// second scan of every string fragment, and a body is cut into many small fragments by its
/// escaped quotes: capture lines took half as long again to encode.)
pub fn append<T: ?Sized + Serialize>(out: &mut Vec<u8>, value: &T) -> serde_json::Result<()> {
    let start = out.len();
    serde_json::to_writer(&mut *out, value)?;
    escape_from(out, start);
    Ok(())
}

/// Serialises `value` to bytes with the extra escapes.
pub fn to_vec<T: ?Sized + Serialize>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(256);
    append(&mut out, value)?;
    Ok(out)
}

/// Escapes every character [`needs_escape`] names in `out[start..]` (valid UTF-8 JSON).
fn escape_from(out: &mut Vec<u8>, start: usize) {
    let Some(first) = next_candidate(out, start) else {
        return;
    };
    let tail = out.split_off(first);
    // serde_json writes UTF-8; anything else is put back as it was.
    let Ok(text) = std::str::from_utf8(&tail) else {
        out.extend_from_slice(&tail);
        return;
    };
    let mut copied = 0;
    let mut i = 0;
    while let Some(at) = next_candidate(&tail, i) {
        let c = text[at..].chars().next().unwrap_or(' ');
        if needs_escape(c) {
            out.extend_from_slice(&tail[copied..at]);
            out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes());
            copied = at + c.len_utf8();
        }
        i = at + c.len_utf8();
    }
    out.extend_from_slice(&tail[copied..]);
}

/// Where the next byte that may start an escaped character is, from `from` on.
fn next_candidate(b: &[u8], from: usize) -> Option<usize> {
    memchr::memchr3(0x7f, 0xc2, 0xe2, &b[from..]).map(|i| from + i)
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
