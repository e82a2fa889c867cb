//! Frame budget (design §7): a frame with a million events in the store and a filter active
//! draws in under 5 ms.
//!
//! Builds an `App` holding >= 1,000,000 events (the demo conversations of every provider,
//! repeated with distinct message ids), sets the filter `type:text !me` (timing that rebuild over
//! every row once), then times `ui::draw` into ratatui's `TestBackend` (160x50), including the
//! buffer diff, in three situations: following with nothing new (an idle redraw), moving the
//! cursor up one row per frame (the detail pane re-reads the selected body), and live traffic
//! (a batch of new events applied before each frame; only the draw is timed). Also times the
//! frame's last guard (`ui::guard`, which every frame includes) on its own, and the batch that
//! crosses `--max-events` (default 1,000,000) and evicts 1/16 of it.
//!
//! Run: `cargo bench --bench render` (env `WAMON_BENCH_EVENTS`, `WAMON_BENCH_FRAMES` override).

mod common;

/// The allocator the `wamon` binary uses, so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::time::{Duration, Instant};
use wamon::monitor::{Action, Focus};
use wamon::ui::App;

const BUDGET: Duration = Duration::from_millis(5);
const FILTER: &str = "type:text !me";

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Feeds copies `copies` of every template to `app`, in batches like the live loop's.
fn feed(
    app: &mut App,
    templates: &[common::Template],
    copies: std::ops::Range<u64>,
    seq: &mut u64,
) {
    let mut batch = Vec::with_capacity(256);
    for copy in copies {
        for t in templates {
            *seq += 1;
            let at = common::START_MS + *seq as i64;
            batch.push(common::ingest_item(*seq, at, t.body(copy)).into());
            if batch.len() == 256 {
                app.apply(&mut batch, at);
            }
        }
    }
    if !batch.is_empty() {
        app.apply(&mut batch, common::START_MS + *seq as i64);
    }
}

/// Times `frames` draws, calling `before` (untimed) ahead of each.
fn frames(
    term: &mut Terminal<TestBackend>,
    app: &mut App,
    n: usize,
    mut before: impl FnMut(&mut App, usize),
) -> Vec<Duration> {
    let now = common::START_MS + 10_000_000;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        before(app, i);
        let t0 = Instant::now();
        term.draw(|f| wamon::ui::draw(f, app, now)).expect("draw");
        out.push(t0.elapsed());
    }
    out
}

fn report(name: &str, samples: &[Duration]) -> bool {
    let (mean, p99) = common::mean_pct(samples, 99.0);
    let max = samples.iter().max().copied().unwrap_or_default();
    let ok = p99 < BUDGET;
    println!(
        "| {name} | {} | {} | {} | {} | {} |",
        samples.len(),
        common::ms(mean),
        common::ms(p99),
        common::ms(max),
        if ok { "PASS" } else { "MISS" }
    );
    ok
}

fn main() {
    let target = env_usize("WAMON_BENCH_EVENTS", 1_000_000);
    let n_frames = env_usize("WAMON_BENCH_FRAMES", 200);
    let templates = common::templates();
    let per_copy = common::events_per_copy(&templates) as u64;
    let copies = (target as u64).div_ceil(per_copy);

    let mut app = common::app(target);
    let mut seq = 0u64;
    let t0 = Instant::now();
    feed(&mut app, &templates, 0..copies, &mut seq);
    let build = t0.elapsed();
    let c = app.monitor.store().counters();
    println!(
        "render: {} events ({} requests, {} messages, {} stream rows) built in {:.1} s",
        common::thousands(c.events),
        common::thousands(c.requests),
        common::thousands(app.monitor.store().messages().len() as u64),
        common::thousands(app.monitor.store().rows().len() as u64),
        build.as_secs_f64()
    );
    assert!(c.events >= target as u64);

    // The filter, as the filter bar applies it: a full rebuild of the view (run to its end).
    let now = common::START_MS + 10_000_000;
    let mut rebuilds = Vec::new();
    for _ in 0..3 {
        app.act(Action::EditFilter(String::new()), now);
        app.monitor.finish_filtering();
        let t0 = Instant::now();
        app.act(Action::EditFilter(FILTER.to_owned()), now);
        app.monitor.finish_filtering();
        rebuilds.push(t0.elapsed());
    }
    let rows = app.monitor.view().rows.len();
    println!(
        "filter `{FILTER}`: rebuild over {} rows -> {} matching: {} ms (best of 3; not budgeted)",
        common::thousands(app.monitor.store().rows().len() as u64),
        common::thousands(rows as u64),
        common::ms(*rebuilds.iter().min().expect("rounds")),
    );
    assert!(rows > 0, "the filter matches something");

    let mut term = Terminal::new(TestBackend::new(160, 50)).expect("terminal");
    // Warm-up.
    frames(&mut term, &mut app, 20, |_, _| {});

    println!();
    println!("frame time, 160x50, {FILTER:?} active (budget: p99 < 5 ms):");
    println!("| situation | frames | mean ms | p99 ms | max ms | |");
    println!("|---|---:|---:|---:|---:|---|");
    let mut ok = true;
    let idle = frames(&mut term, &mut app, n_frames, |_, _| {});
    ok &= report("follow, nothing new", &idle);
    let now = common::START_MS + 10_000_000;
    let scroll = frames(&mut term, &mut app, n_frames, |app, _| {
        app.act(Action::Move(Focus::Stream, -1), now)
    });
    ok &= report("cursor up one row per frame", &scroll);
    app.act(Action::Bottom(Focus::Stream), now);
    // Live: one copy of the conversations (~per_copy events) before each frame.
    let mut next_copy = copies;
    let mut ingest_time = Duration::ZERO;
    let mut ingest_max = Duration::ZERO;
    let live = frames(&mut term, &mut app, n_frames, |app, _| {
        let t0 = Instant::now();
        feed(app, &templates, next_copy..next_copy + 1, &mut seq);
        ingest_time += t0.elapsed();
        ingest_max = ingest_max.max(t0.elapsed());
        next_copy += 1;
    });
    ok &= report(
        &format!("live, {per_copy} new events before each frame"),
        &live,
    );
    println!();
    println!(
        "live ingest (not budgeted): mean {} ms, max {} ms per batch of {per_copy} events \
         (normalize + apply + raw store + view refresh)",
        common::ms(ingest_time / n_frames as u32),
        common::ms(ingest_max)
    );
    // Past the cap (--max-events, set to the bench's size): keep feeding until one batch crosses
    // cap + cap/16 and evicts down to the cap (events, messages, rows, then the view's purge
    // and the raw store's forgetting). That batch and the frame after it.
    let cap = app
        .monitor
        .store()
        .max_events()
        .expect("the screen's store is capped");
    let before = app.monitor.store().counters().evicted_events;
    let mut crossing = Duration::ZERO;
    let mut batches = 0u32;
    while app.monitor.store().counters().evicted_events == before {
        let t0 = Instant::now();
        feed(&mut app, &templates, next_copy..next_copy + 1, &mut seq);
        crossing = t0.elapsed();
        next_copy += 1;
        batches += 1;
        assert!(batches < 10_000, "no eviction at a cap of {cap}");
    }
    let after = frames(&mut term, &mut app, 1, |_, _| {});
    let evicted = app.monitor.store().counters().evicted_events - before;
    println!(
        "eviction (not budgeted): the batch that crossed {} events evicted {} events and took {} ms \
         (ingest + eviction + view purge); the frame after it {} ms; now {} events held",
        common::thousands((cap + cap / 16) as u64),
        common::thousands(evicted),
        common::ms(crossing),
        common::ms(after[0]),
        common::thousands(app.monitor.store().events().len() as u64),
    );
    // The last guard alone (part of every frame above), on the frame just drawn.
    let mut buf = term.backend().buffer().clone();
    let t0 = Instant::now();
    for _ in 0..1000 {
        wamon::ui::guard(std::hint::black_box(&mut buf));
    }
    println!(
        "frame guard (not budgeted, part of each frame): {:.1} µs per 160x50 frame",
        t0.elapsed().as_secs_f64() * 1e6 / 1000.0
    );
    println!(
        "overall: {}",
        if ok {
            "PASS"
        } else {
            "MISS (see the p99 column)"
        }
    );
}
