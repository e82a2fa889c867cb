//! "Did you mean" hints for unknown keys and values.

use super::parse::norm;

/// `type "pol" is not a type — did you mean poll?`, or a list of every valid value.
pub(super) fn unknown_value<'a>(
    key: &str,
    what: &str,
    value: &str,
    all: impl IntoIterator<Item = &'a str>,
) -> String {
    let all: Vec<&str> = all.into_iter().collect();
    let head = if key == "is" {
        format!("\"is:{value}\" is not {what}")
    } else {
        format!("{key} \"{value}\" is not {what}")
    };
    match suggest(value, all.iter().copied()) {
        Some(s) => format!("{head} — did you mean {s}?"),
        None => format!("{head} — try {}", all.join(" ")),
    }
}

/// A close candidate: the only one `input` is a prefix of (up to three are named), else the
/// nearest by edit distance when near enough.
pub(super) fn suggest<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let input = norm(input);
    if input.is_empty() {
        return None;
    }
    let candidates: Vec<&str> = candidates.into_iter().collect();
    let prefixed: Vec<&str> = candidates
        .iter()
        .copied()
        .filter(|c| norm(c).starts_with(&input))
        .collect();
    match prefixed.as_slice() {
        [one] => return Some(one.to_string()),
        [a, b] => return Some(format!("{a} or {b}")),
        [a, b, c] => return Some(format!("{a}, {b} or {c}")),
        _ => {}
    }
    let limit = if input.chars().count() <= 3 { 1 } else { 2 };
    let near = candidates
        .iter()
        .map(|c| (edit_distance(&input, &norm(c)), *c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c.to_string());
    if near.is_some() {
        return near;
    }
    // An abbreviation: `grp` for group, `dup` for duplicate.
    let mut abbreviated = candidates.iter().filter(|c| {
        let c = norm(c);
        let mut rest = c.chars();
        c.chars().next() == input.chars().next() && input.chars().all(|i| rest.any(|c| c == i))
    });
    match (abbreviated.next(), abbreviated.next()) {
        (Some(one), None) => Some(one.to_string()),
        _ => None,
    }
}

/// Levenshtein distance, counting an adjacent transposition as one edit.
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}
