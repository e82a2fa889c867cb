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
