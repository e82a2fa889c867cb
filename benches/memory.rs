//! Memory per received request, for the live screen and for headless mode: what a long day of
//! traffic costs beyond the text the screen shows (budget for the screen: under 1 KB per request,
//! the same order as `--load`).
//!
//! Feeds N requests (the demo conversations of every provider, repeated with distinct message
//! ids) the way the receiver hands them on — with a capture offset, so the screen may drop bodies
//! it can read back — to (a) the real screen state (`App::ingest`, batches of up to 1,024 as the
//! event loop takes them) and (b) the headless printer (`Store` + NDJSON line, output discarded).
//! Prints resident memory (/proc/self/statm, after handing freed pages back to the OS) every
//! tenth of the run, then per request.
//!
//! Run: `cargo bench --bench memory` (env `WAMON_BENCH_REQUESTS` sets N, default 200,000).

mod common;

use std::sync::Arc;
use wamon::ingest::Ingest;

/// The allocator the `wamon` binary uses, so the figures are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const BUDGET_SCREEN_BYTES_PER_REQUEST: f64 = 1024.0;

/// Resident bytes after giving freed pages back (what the binary does after a load).
fn settled_rss() -> u64 {
    // SAFETY: mi_collect only walks the allocator's own free lists; callable at any time.
    unsafe { libmimalloc_sys::mi_collect(true) };
    common::rss_bytes()
}

/// Request `seq` of the repeated demo traffic, as the receiver hands it on.
fn request(templates: &[common::Template], seq: u64) -> Ingest {
    let t = &templates[(seq as usize - 1) % templates.len()];
    let copy = (seq - 1) / templates.len() as u64;
    let mut env = wamon::envelope::Envelope::post(seq, common::START_MS + seq as i64, t.body(copy));
    env.path = t.path.clone();
    env.headers = t
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), v.clone().into_bytes()))
        .collect();
    let normalized = wamon::provider::normalize(&env);
    Ingest {
        env: Arc::new(env),
        normalized,
        // Where the line would be in the capture; never read here.
        capture_offset: Some(seq * 1000),
        capture_file: 0,
        from_load: false,
    }
}

fn report(what: &str, n: u64, rss0: u64, rss1: u64, text: usize, budget: Option<f64>) {
    let per = (rss1 as f64 - rss0 as f64) / n as f64;
    let text_per = text as f64 / n as f64;
    let beyond = per - text_per;
    println!(
        "{what}: {per:.0} B/request resident ({text_per:.0} of it text shown, {beyond:.0} beyond){}",
        match budget {
            Some(b) if beyond < b => format!(" — budget < {b:.0}: PASS"),
            Some(b) => format!(" — budget < {b:.0}: MISS"),
            None => String::new(),
        }
    );
}

fn main() {
    let n: u64 = std::env::var("WAMON_BENCH_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let templates = common::templates();
    let step = (n / 10).max(1);

    println!("live screen, {} requests:", common::thousands(n));
    println!("| requests | RSS MB |");
    println!("|---:|---:|");
    let rss0 = settled_rss();
    let mut info = wamon::run_info::RunInfo::new("127.0.0.1:8080".parse().expect("addr"));
    let never_read = std::env::temp_dir().join("wamon-bench-memory-never-read.jsonl");
    info.capture = Some(std::sync::Arc::new(wamon::capture_path::CapturePath::new(
        &never_read,
        (0, 0),
    )));
    let mut app = wamon::ui::App::new(info);
    let mut batch = Vec::with_capacity(1024);
    for seq in 1..=n {
        batch.push(request(&templates, seq).into());
        if batch.len() == 1024 || seq == n {
            app.apply(&mut batch, common::START_MS + seq as i64);
        }
        if seq % step == 0 {
            println!(
                "| {} | {:.1} |",
                common::thousands(seq),
                settled_rss() as f64 / 1e6
            );
        }
    }
    let rss1 = settled_rss();
    let text = common::shown_text_bytes(app.monitor.store());
    report(
        "live screen",
        n,
        rss0,
        rss1,
        text,
        Some(BUDGET_SCREEN_BYTES_PER_REQUEST),
    );
    drop(app);

    println!();
    println!("headless, {} requests:", common::thousands(n));
    let rss0 = settled_rss();
    let mut store = wamon::store::Store::new();
    let mut intake = wamon::display::Intake::printer(false);
    let mut out = Vec::with_capacity(64 * 1024);
    for seq in 1..=n {
        out.clear();
        wamon::headless::apply_and_render(
            &mut store,
            &mut intake,
            &request(&templates, seq),
            &mut out,
        );
    }
    let rss1 = settled_rss();
    let text = common::shown_text_bytes(&store);
    report("headless", n, rss0, rss1, text, None);
}
