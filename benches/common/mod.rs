//! Shared by the benchmarks: realistic webhook bodies from the built-in demo conversations of
//! every provider, turned into templates that give each copy its own message ids (so a million
//! events are a million distinct messages, statuses and reactions rather than one conversation
//! counted as duplicates), plus small timing helpers.
#![allow(dead_code)] // each bench uses a different part

use std::collections::BTreeSet;
use std::time::Duration;
use wamon::demo_script::{self, DemoRequest};
use wamon::provider;

/// Start time of the demo scripts: a fixed instant, so runs are comparable.
pub const START_MS: i64 = 1_750_000_000_000;

/// Every request of the built-in `conversation` scenario, all providers in turn.
pub fn demo_requests() -> Vec<DemoRequest> {
    let mut out = Vec::new();
    for p in demo_script::providers("conversation") {
        let text = demo_script::builtin("conversation", p).expect("built-in scenario");
        out.extend(demo_script::parse_scenario(text, START_MS).expect("scenario parses"));
    }
    assert!(!out.is_empty());
    out
}

/// One demo request whose body takes a copy number: every message id in it (as the provider
/// writes it, full or bare) gets a suffix `x<n>`.
pub struct Template {
    pub path: String,
    pub headers: Vec<(String, String)>,
    /// The body split where the copy number goes.
    parts: Vec<Vec<u8>>,
    /// Events this body normalises to.
    pub events: usize,
}

impl Template {
    /// The body of copy `n`.
    pub fn body(&self, n: u64) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.parts.iter().map(Vec::len).sum::<usize>() + 32);
        self.write_body(n, &mut out);
        out
    }

    /// Appends the body of copy `n` to `out`.
    pub fn write_body(&self, n: u64, out: &mut Vec<u8>) {
        let suffix = format!("x{n}");
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(suffix.as_bytes());
            }
            out.extend_from_slice(part);
        }
    }
}

/// Templates for every demo request, in script order.
pub fn templates() -> Vec<Template> {
    let reqs = demo_requests();
    // The bare message ids the scripts use (messages, and what statuses, reactions, edits,
    // revokes, votes and replies point at). A bare id is a substring of every spelling of it.
    let mut ids = BTreeSet::new();
    for r in &reqs {
        for ev in provider::normalize_body(&r.body).events {
            for id in [&ev.message_id, &ev.target, &ev.reply_to]
                .into_iter()
                .flatten()
            {
                let bare = id.bare();
                if bare.len() >= 6 {
                    ids.insert(bare.to_owned());
                }
            }
        }
    }
    // Longest first, so an id that is a prefix of another never splits it.
    let mut ids: Vec<String> = ids.into_iter().collect();
    ids.sort_by_key(|s| std::cmp::Reverse(s.len()));
    reqs.iter()
        .map(|r| {
            let parts = split_at_ids(&r.body, &ids);
            let mut headers = r.headers.clone();
            if !headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            {
                headers.push(("content-type".into(), "application/json".into()));
            }
            Template {
                path: r.path.clone(),
                headers,
                parts,
                events: provider::normalize_body(&r.body).events.len(),
            }
        })
        .collect()
}

/// `body` cut right after every occurrence of any of `ids` (single left-to-right pass).
fn split_at_ids(body: &[u8], ids: &[String]) -> Vec<Vec<u8>> {
    let mut parts = Vec::new();
    let mut cur = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if let Some(id) = ids.iter().find(|id| body[i..].starts_with(id.as_bytes())) {
            cur.extend_from_slice(id.as_bytes());
            parts.push(std::mem::take(&mut cur));
            i += id.len();
        } else {
            cur.push(body[i]);
            i += 1;
        }
    }
    parts.push(cur);
    parts
}

/// Events one copy of every template normalises to.
pub fn events_per_copy(t: &[Template]) -> usize {
    t.iter().map(|t| t.events).sum()
}

/// Current resident set size in bytes (Linux; 0 elsewhere).
pub fn rss_bytes() -> u64 {
    let page = 4096u64;
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * page)
}

/// Mean and the given percentile (0..=100) of `samples`.
pub fn mean_pct(samples: &[Duration], pct: f64) -> (Duration, Duration) {
    let mut s = samples.to_vec();
    s.sort();
    let mean = s.iter().sum::<Duration>() / s.len().max(1) as u32;
    let idx = ((pct / 100.0) * (s.len() as f64 - 1.0)).round() as usize;
    (mean, s[idx.min(s.len() - 1)])
}

/// Milliseconds with three decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1e3)
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A received request as the receiver would hand it on (no capture file).
pub fn ingest_item(seq: u64, at_ms: i64, body: Vec<u8>) -> wamon::ingest::Ingest {
    let env = wamon::envelope::Envelope::post(seq, at_ms, body);
    let normalized = provider::normalize(&env);
    wamon::ingest::Ingest {
        env: std::sync::Arc::new(env),
        normalized,
        capture_offset: None,
        capture_file: 0,
        from_load: false,
    }
}

/// A screen state with no capture file, as the benches draw it, holding up to `max_events`
/// (`--max-events`).
pub fn app(max_events: usize) -> wamon::ui::App {
    let mut info = wamon::run_info::RunInfo::new("127.0.0.1:8080".parse().expect("addr"));
    info.max_events = max_events;
    wamon::ui::App::new(info)
}

/// Bytes of text the store shows (message texts and senders, event texts and errors, chat
/// names): what memory per event is measured beyond.
pub fn shown_text_bytes(store: &wamon::store::Store) -> usize {
    let msgs: usize = store
        .messages()
        .map(|(_, m)| {
            m.text.as_ref().map_or(0, String::len) + m.sender_name.as_ref().map_or(0, String::len)
        })
        .sum();
    let events: usize = store
        .events()
        .iter()
        .map(|e| e.text().map_or(0, str::len) + e.error().map_or(0, str::len))
        .sum();
    let chats: usize = store
        .chats()
        .live()
        .map(|(_, c)| c.name.as_ref().map_or(0, String::len))
        .sum();
    msgs + events + chats
}

/// A screen state holding about `target` events of the demo conversations (every provider,
/// message ids rewritten per copy), with room for all of them: no eviction while measuring.
pub fn app_with_events(target: u64) -> wamon::ui::App {
    let templates = templates();
    let copies = target.div_ceil(events_per_copy(&templates) as u64);
    let mut app = app(2 * target as usize);
    let mut batch = Vec::new();
    let mut seq = 0u64;
    for copy in 0..copies {
        for t in &templates {
            seq += 1;
            batch.push(ingest_item(seq, START_MS + seq as i64, t.body(copy)).into());
        }
        app.apply(&mut batch, START_MS);
    }
    app
}
