//! Allocation-free substring tests run for every item: case-insensitive text and phone digits.

/// Whether the digits of `hay`, with everything else removed, contain `needle` (ASCII digits).
pub(super) fn digits_contain(hay: &str, needle: &[u8]) -> bool {
    let mut buf = [0u8; 64];
    let mut n = 0;
    for b in hay.bytes().filter(u8::is_ascii_digit) {
        if n == buf.len() {
            // Longer than any real id: allocate rather than truncate.
            let all: Vec<u8> = hay.bytes().filter(u8::is_ascii_digit).collect();
            return all.windows(needle.len()).any(|w| w == needle);
        }
        buf[n] = b;
        n += 1;
    }
    needle.len() <= n && buf[..n].windows(needle.len()).any(|w| w == needle)
}

/// Case-insensitive substring test without allocating. `needle_lower` must already be lower
/// case (`str::to_lowercase`). ASCII needles compare bytes with ASCII case folding; other needles
/// fold the haystack's characters with Unicode lower-casing as they go.
pub fn contains_ci(haystack: &str, needle_lower: &str) -> bool {
    if needle_lower.is_ascii() {
        return contains_ascii_ci(haystack.as_bytes(), needle_lower.as_bytes());
    }
    if haystack.is_ascii() {
        // No ASCII character lower-cases to a non-ASCII one.
        return false;
    }
    haystack.char_indices().any(|(i, _)| {
        let mut hay = haystack[i..].chars().flat_map(char::to_lowercase);
        needle_lower.chars().all(|n| hay.next() == Some(n))
    })
}

/// [`contains_ci`] over bytes that should be UTF-8 (a raw body): ASCII needles never need
/// decoding; other needles decode (lossily if the bytes are not UTF-8).
pub fn contains_ci_bytes(haystack: &[u8], needle_lower: &str) -> bool {
    if needle_lower.is_ascii() {
        return contains_ascii_ci(haystack, needle_lower.as_bytes());
    }
    match std::str::from_utf8(haystack) {
        Ok(s) => contains_ci(s, needle_lower),
        Err(_) => contains_ci(&String::from_utf8_lossy(haystack), needle_lower),
    }
}

/// Whether a byte is JSON punctuation or white space: what separates a raw body's words.
fn is_separator(b: u8) -> bool {
    b.is_ascii_whitespace() || matches!(b, b'"' | b':' | b',' | b'{' | b'}' | b'[' | b']')
}

/// How a word or phrase is searched for in a raw JSON body (ASCII case ignored).
///
/// A needle without JSON punctuation or spaces is a plain substring. In one with them, each run
/// of spaces and `" : , { } [ ]` matches any run of them in the body, so a phrase copied from
/// the pretty raw view (`"fromMe": true`, `fromMe: true`) finds the compact body
/// (`"fromMe":true`), and `"hello world"` finds `hello  world`. The words between the runs
/// must be there as typed, one after the other.
pub fn body_contains(hay: &[u8], needle_lower: &str) -> bool {
    let needle = needle_lower.as_bytes();
    if !needle.iter().any(|&b| is_separator(b)) {
        return contains_ascii_ci(hay, needle);
    }
    phrase_find(hay, needle, 0).is_some()
}

/// Whether `needle_lower` is a phrase for [`body_contains`]: it holds spaces or JSON
/// punctuation, so it is matched by that rule rather than as a plain substring.
pub fn is_phrase(needle_lower: &str) -> bool {
    needle_lower.bytes().any(is_separator)
}

/// Every non-overlapping match of the phrase `needle_lower` in `hay` under the rule of
/// [`body_contains`], as byte ranges: from the first word (or the one separator before it,
/// when the phrase starts with one) to the last word (or the one separator after it).
pub fn phrase_matches(hay: &[u8], needle_lower: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some((s, e)) = phrase_find(hay, needle_lower.as_bytes(), from) {
        out.push((s, e));
        from = e.max(s + 1);
    }
    out
}

/// The first match of a phrase (a needle with separators) starting at or after `from`.
fn phrase_find(hay: &[u8], needle: &[u8], from: usize) -> Option<(usize, usize)> {
    if needle.is_empty() {
        return None;
    }
    // Words, and whether the needle starts and ends with a separator run.
    let words: Vec<&[u8]> = needle
        .split(|&b| is_separator(b))
        .filter(|w| !w.is_empty())
        .collect();
    let lead = is_separator(needle[0]);
    let trail = is_separator(needle[needle.len() - 1]);
    let Some((first, rest)) = words.split_first() else {
        // Only punctuation: the body must hold some.
        return hay[from.min(hay.len())..]
            .iter()
            .position(|&b| is_separator(b))
            .map(|i| (from + i, from + i + 1));
    };
    let at = |i: usize, w: &[u8]| {
        hay.len() >= i + w.len()
            && hay[i..i + w.len()]
                .iter()
                .zip(w)
                .all(|(h, n)| h.to_ascii_lowercase() == *n)
    };
    let seps_from = |mut i: usize| {
        let start = i;
        while i < hay.len() && is_separator(hay[i]) {
            i += 1;
        }
        (i > start).then_some(i)
    };
    // A match may start with the separator before its first word.
    (from.saturating_add(usize::from(lead))..hay.len()).find_map(|start| {
        if !at(start, first) || (lead && (start == 0 || !is_separator(hay[start - 1]))) {
            return None;
        }
        let mut i = start + first.len();
        for w in rest {
            match seps_from(i) {
                Some(j) if at(j, w) => i = j + w.len(),
                _ => return None,
            }
        }
        if trail {
            seps_from(i)?;
        }
        Some((start - usize::from(lead), i + usize::from(trail)))
    })
}

fn contains_ascii_ci(hay: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    if hay.len() < needle.len() {
        return false;
    }
    let first_upper = first.to_ascii_uppercase();
    let last_start = hay.len() - needle.len();
    hay[..=last_start].iter().enumerate().any(|(i, &b)| {
        (b == first || b == first_upper)
            && hay[i + 1..i + needle.len()]
                .iter()
                .zip(rest)
                .all(|(h, n)| h.to_ascii_lowercase() == *n)
    })
}
