//! Filtering a million events without a stall: how long a key waits while the view is rebuilt
//! in slices, and how long until the whole result is there.
//!
//! A screen state holds `WAMON_BENCH_EVENTS` (default 1,000,000) events from the demo
//! conversations of every provider. For each filter it opens the filter bar, clears it, types the
//! filter a key at a time and presses Enter, as a user would, timing every key (each key applies
//! the prefix typed so far and scans the first slice); then it runs the remaining slices as the
//! event loop does between frames, timing each. The complete result is timed from the filter's
//! last key. The event loop reads keys between slices, so the
//! longest slice bounds how long a key waits. Budgets: a key under 50 ms; the complete result in
//! under 1 s for a word in the text fields and under 3 s for a word found only in the raw bodies.
//!
//! Run: `cargo bench --bench refilter`.

mod common;

/// The allocator the `wamon` binary uses, so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::time::{Duration, Instant};
use wamon::ui::App;

/// (what it stands for, filter, budget for the complete result).
const CASES: &[(&str, &str, Duration)] = &[
    ("a word in the text", "jacket", Duration::from_secs(1)),
    ("a word only in raw bodies", "WEBJS", Duration::from_secs(3)),
];

const KEY_BUDGET: Duration = Duration::from_millis(50);

fn press(app: &mut App, code: KeyCode, modifiers: KeyModifiers) -> Duration {
    let t = Instant::now();
    app.on_key(KeyEvent::new(code, modifiers), common::START_MS);
    t.elapsed()
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let target: u64 = std::env::var("WAMON_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let mut app = common::app_with_events(target);
    app.monitor.finish_filtering();
    println!(
        "refilter: {} events, {} stream rows",
        common::thousands(app.monitor.store().counters().events),
        common::thousands(app.monitor.store().rows().len() as u64)
    );
    println!();
    println!("| filter | matching rows | slowest key | slowest slice | slices | complete result | budgets |");
    println!("|---|---:|---:|---:|---:|---:|---|");
    let mut all_ok = true;
    for (what, filter, budget) in CASES {
        let mut slowest_key = press(&mut app, KeyCode::Char('/'), KeyModifiers::NONE);
        slowest_key = slowest_key.max(press(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL));
        let (head, last) = filter.split_at(filter.len() - 1);
        for c in head.chars() {
            slowest_key = slowest_key.max(press(&mut app, KeyCode::Char(c), KeyModifiers::NONE));
        }
        // The complete filter exists from its last key on: the result is timed from there.
        let started = Instant::now();
        for c in last.chars() {
            slowest_key = slowest_key.max(press(&mut app, KeyCode::Char(c), KeyModifiers::NONE));
        }
        slowest_key = slowest_key.max(press(&mut app, KeyCode::Enter, KeyModifiers::NONE));
        let mut slowest_slice = Duration::ZERO;
        let mut slices = 1;
        while app.monitor.filtering_progress().is_some() {
            let t = Instant::now();
            app.continue_filtering();
            slowest_slice = slowest_slice.max(t.elapsed());
            slices += 1;
        }
        let complete = started.elapsed();
        // A key that arrives mid-rebuild waits for the slice in progress, then is handled.
        let key_wait = slowest_key.max(slowest_slice);
        let ok = key_wait < KEY_BUDGET && complete < *budget;
        all_ok &= ok;
        println!(
            "| `{filter}` ({what}) | {} | {} | {} | {slices} | {} | key < {} ms, result < {} s: {} |",
            common::thousands(app.monitor.view().rows.len() as u64),
            ms(slowest_key),
            ms(slowest_slice),
            ms(complete),
            KEY_BUDGET.as_millis(),
            budget.as_secs(),
            if ok { "PASS" } else { "MISS" }
        );
    }
    println!();
    println!(
        "{}",
        if all_ok {
            "all within budget"
        } else {
            "over budget"
        }
    );
}
