//! `Filter::matches` throughput over the stream rows of a store built from the demo
//! conversations of every provider (not budgeted; it bounds how long a filter rebuild takes).
//!
//! Each filter is matched against every default-stream row (messages and message-less events);
//! bare words fall back to searching the raw body (in memory here) when the text and names do
//! not settle them, so they are the slow case.
//!
//! Run: `cargo bench --bench filter` (env `WAMON_BENCH_EVENTS` overrides the size).

mod common;

/// The allocator the `wamon` binary uses, so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::{Duration, Instant};
use wamon::filter::Filter;
use wamon::store::subject::RowSubject;

const FILTERS: &[&str] = &[
    "type:text !me",
    "provider:waha|meta",
    "kind:message ack:<read",
    "chat:5511",
    "from:+55 11 is:dm",
    "is:edited|deleted|duplicate",
    "id:3EB0",
    "jacket",
    "!\"out of office\" type:text|image",
];

fn main() {
    let target: u64 = std::env::var("WAMON_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let app = common::app_with_events(target);
    let rows: Vec<wamon::store::Row> = app.monitor.store().rows().iter().copied().collect();
    println!(
        "filter: {} events, {} stream rows",
        common::thousands(app.monitor.store().counters().events),
        common::thousands(rows.len() as u64)
    );
    println!();
    println!("| filter | matching rows | ms per pass (best of 5) | rows/s |");
    println!("|---|---:|---:|---:|");
    for src in FILTERS {
        let f = Filter::parse(src).expect("filter parses");
        let mut best = Duration::MAX;
        let mut hits = 0;
        for _ in 0..5 {
            let t0 = Instant::now();
            hits = rows
                .iter()
                .filter(|&&row| {
                    f.matches(&RowSubject {
                        store: app.monitor.store(),
                        raw: app.monitor.raw(),
                        row,
                    })
                })
                .count();
            best = best.min(t0.elapsed());
        }
        println!(
            "| `{src}` | {} | {} | {} |",
            common::thousands(hits as u64),
            common::ms(best),
            common::thousands((rows.len() as f64 / best.as_secs_f64()) as u64)
        );
    }
}
