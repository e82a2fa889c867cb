//! What a replay tells the user on stderr: a line per request that failed or got a non-2xx
//! reply (the first few), and the summary (`replies: 200 ×41, 500 ×2`, `failed: refused ×3`,
//! what was skipped).
//!
//! Everything shown that came from the capture or the target (paths, methods, reply bodies) is
//! hostile and passes [`crate::display::clean`].
//!
//! Core module: pure.

use super::plan::Skipped;
use crate::display::clean;
use crate::envelope::Envelope;
use crate::outbound::{Answer, Failure};
use std::collections::BTreeMap;

/// Problem lines shown before the rest are only counted.
pub const PROBLEM_LINES: usize = 20;
/// Characters of a path or a reply body shown in a problem line.
const CLIP: usize = 160;

/// The replies and failures so far.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    statuses: BTreeMap<u16, usize>,
    failures: BTreeMap<&'static str, usize>,
    pub skipped: Skipped,
}

impl Tally {
    pub fn new(skipped: Skipped) -> Tally {
        Tally {
            skipped,
            ..Tally::default()
        }
    }

    pub fn record(&mut self, result: &Result<Answer, Failure>) {
        match result {
            Ok(a) => *self.statuses.entry(a.status).or_default() += 1,
            Err(f) => *self.failures.entry(f.word()).or_default() += 1,
        }
    }

    /// Requests sent.
    pub fn sent(&self) -> usize {
        self.statuses.values().chain(self.failures.values()).sum()
    }

    /// Requests that never got an answer or got a non-2xx one.
    pub fn problems(&self) -> usize {
        let non_2xx: usize = self
            .statuses
            .iter()
            .filter(|(s, _)| !(200..300).contains(*s))
            .map(|(_, n)| n)
            .sum();
        non_2xx + self.failures.values().sum::<usize>()
    }

    /// `200 ×41, 500 ×2`, or `None` before any answer.
    pub fn replies(&self) -> Option<String> {
        counts(self.statuses.iter().map(|(s, n)| (s.to_string(), *n)))
    }

    /// `refused ×3, timeout ×1`, or `None` when every request was answered.
    pub fn failures(&self) -> Option<String> {
        counts(self.failures.iter().map(|(w, n)| (w.to_string(), *n)))
    }

    /// What was left out: `GET ×2 (not webhooks), no body recorded ×1`, or `None`.
    pub fn skipped(&self) -> Option<String> {
        let s = &self.skipped;
        counts(
            [
                ("GET/HEAD (not webhooks)", s.get),
                ("no body recorded", s.no_body),
                ("other method", s.other_method),
                ("not selected", s.not_selected),
            ]
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(w, n)| (w.to_owned(), n)),
        )
    }

    /// The summary lines, after the replay to `to` (as the user wrote it) took `secs`.
    pub fn summary(&self, to: &str, secs: f64) -> Vec<String> {
        let sent = self.sent();
        let mut lines = vec![format!(
            "replayed {sent} request{} to {} in {secs:.1} s",
            if sent == 1 { "" } else { "s" },
            clean(to)
        )];
        if let Some(r) = self.replies() {
            lines.push(format!("  replies: {r}"));
        }
        if let Some(f) = self.failures() {
            lines.push(format!("  failed: {f}"));
        }
        if let Some(s) = self.skipped() {
            lines.push(format!("  skipped: {s}"));
        }
        lines
    }
}

/// `a ×1, b ×2` of the non-empty counts, `None` when there are none.
fn counts(items: impl Iterator<Item = (String, usize)>) -> Option<String> {
    let parts: Vec<String> = items.map(|(w, n)| format!("{w} ×{n}")).collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// The line for a request that failed or got a non-2xx reply; `None` for a 2xx.
pub fn problem_line(env: &Envelope, result: &Result<Answer, Failure>) -> Option<String> {
    let what = match result {
        Ok(a) if (200..300).contains(&a.status) => return None,
        Ok(a) => {
            let body = String::from_utf8_lossy(&a.body);
            let body = clip(body.trim());
            if body.is_empty() {
                a.status.to_string()
            } else {
                format!("{} {body}", a.status)
            }
        }
        Err(f) => format!("{}: {}", f.word(), clip(&f.to_string())),
    };
    Some(format!(
        "#{} {} {} → {what}",
        env.seq,
        clean(&clip(&env.method)),
        clean(&clip(&env.path))
    ))
}

/// `s` cut to [`CLIP`] characters and made safe for one line.
fn clip(s: &str) -> String {
    let cut: String = s.chars().take(CLIP).collect();
    let more = if s.chars().nth(CLIP).is_some() {
        "…"
    } else {
        ""
    };
    format!("{}{more}", clean(&cut))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn answer(status: u16, body: &'static [u8]) -> Result<Answer, Failure> {
        Ok(Answer {
            status,
            headers: Vec::new(),
            body: Bytes::from_static(body),
            truncated: false,
            ms: 1,
        })
    }

    #[test]
    fn the_summary_counts_statuses_failures_and_skips() {
        let mut t = Tally::new(Skipped {
            get: 2,
            no_body: 1,
            ..Skipped::default()
        });
        for _ in 0..41 {
            t.record(&answer(200, b"{}"));
        }
        t.record(&answer(500, b""));
        t.record(&answer(500, b""));
        for _ in 0..3 {
            t.record(&Err(Failure::Refused));
        }
        assert_eq!(t.sent(), 46);
        assert_eq!(t.problems(), 5);
        assert_eq!(
            t.summary("http://127.0.0.1:3000", 1.25),
            [
                "replayed 46 requests to http://127.0.0.1:3000 in 1.2 s",
                "  replies: 200 ×41, 500 ×2",
                "  failed: refused ×3",
                "  skipped: GET/HEAD (not webhooks) ×2, no body recorded ×1",
            ]
        );
        let mut ok = Tally::default();
        ok.record(&answer(204, b""));
        assert_eq!(ok.problems(), 0);
        assert_eq!(ok.summary("x", 0.0).len(), 2);
    }

    #[test]
    fn problem_lines_are_one_safe_line() {
        let mut env = Envelope::post(12, 0, &b"{}"[..]);
        env.path = "/waha\x1b]52;c;eA==\x07\n".into();
        assert_eq!(problem_line(&env, &answer(200, b"")), None);
        let line = problem_line(&env, &answer(401, b"{\"error\":\"bad\x1b[2J\"}\n")).unwrap();
        assert!(line.starts_with("#12 POST /waha"), "{line}");
        assert!(line.ends_with("→ 401 {\"error\":\"bad␛[2J\"}"), "{line}");
        assert!(!line.contains(['\x1b', '\x07', '\n']), "{line}");
        let line = problem_line(&env, &Err(Failure::Refused)).unwrap();
        assert!(line.contains("→ refused: connection refused"), "{line}");
        let long = "x".repeat(500);
        env.path = long;
        assert!(
            problem_line(&env, &answer(500, b""))
                .unwrap()
                .chars()
                .count()
                < 200
        );
    }
}
