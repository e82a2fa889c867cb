//! Load budget (design §7): loading a capture reaches at least 200,000 events/s, and the store
//! costs under 500 bytes per stored event beyond the text it shows.
//!
//! Writes a capture of >= 200,000 events (the demo conversations of every provider, repeated
//! with distinct message ids and increasing seq, via `capture::encode`), then times what `--load`
//! does: read the file, then `loader::load_streaming` (decode + normalise on every core while the
//! store applies finished chunks). Memory is measured on a
//! separate streaming pass that keeps nothing but the store: RSS growth (/proc/self/statm) and
//! live heap bytes (a counting allocator), per stored event. A last round loads the file into
//! a store capped at a quarter of it (`--max-events`), eviction passes included.
//!
//! Run: `cargo bench --bench load` (env `WAMON_BENCH_EVENTS` overrides the size).

mod common;

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::time::{Duration, Instant};
use wamon::envelope::Envelope;
use wamon::store::Store;

/// Counts heap bytes allocated minus freed, per thread: the memory pass runs on the main thread,
/// and a per-thread counter keeps the timed multi-threaded load free of a shared atomic that
/// every allocation on every core would fight over.
struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
}

fn live() -> isize {
    LIVE.with(Cell::get)
}

fn count(delta: isize) {
    // `try_with`: thread-local storage may already be gone while a thread shuts down.
    let _ = LIVE.try_with(|c| c.set(c.get() + delta));
}

/// The allocator the `wamon` binary uses, so the figures are the binary's.
static INNER: mimalloc::MiMalloc = mimalloc::MiMalloc;

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        count(l.size() as isize);
        INNER.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        count(-(l.size() as isize));
        INNER.dealloc(p, l)
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        count(l.size() as isize);
        INNER.alloc_zeroed(l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        count(new as isize - l.size() as isize);
        INNER.realloc(p, l, new)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const BUDGET_EVENTS_PER_S: f64 = 200_000.0;
const BUDGET_BYTES_PER_EVENT: f64 = 500.0;

/// Writes the capture; returns (requests, events).
fn write_capture(path: &std::path::Path, min_events: usize) -> (usize, usize) {
    let templates = common::templates();
    let mut w = BufWriter::new(std::fs::File::create(path).expect("create capture"));
    w.write_all(&wamon::capture::header_line(common::START_MS))
        .expect("write");
    let (mut requests, mut events) = (0usize, 0usize);
    let mut copy = 0u64;
    while events < min_events {
        for t in &templates {
            requests += 1;
            let mut env = Envelope::post(
                requests as u64,
                common::START_MS + requests as i64,
                t.body(copy),
            );
            env.path = t.path.clone();
            env.headers = t
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), v.clone().into_bytes()))
                .collect();
            env.headers.push(("host".into(), "127.0.0.1:8080".into()));
            env.remote = Some("127.0.0.1:50000".into());
            w.write_all(&wamon::capture::encode(&env)).expect("write");
            events += t.events;
        }
        copy += 1;
    }
    w.flush().expect("flush");
    (requests, events)
}

/// What `--load` does: read the file, then `loader::load_streaming` — decode + normalise on
/// worker threads while this thread applies finished chunks to the store, in file order.
/// Returns (read, streamed load incl. apply, events, store).
fn load(path: &std::path::Path, max_events: Option<usize>) -> (Duration, Duration, u64, Store) {
    let t0 = Instant::now();
    let bytes = std::fs::read(path).expect("read");
    let read = t0.elapsed();
    let t1 = Instant::now();
    let mut store = max_events.map_or_else(Store::new, Store::with_max_events);
    wamon::loader::load_streaming(
        &bytes,
        |item| {
            let Some(item) = item.request() else {
                return true;
            };
            let (env, n) = (&item.env, &item.normalized);
            store.note_request(env.seq, env.received_at_ms);
            for ev in &n.events {
                store.apply(n.provider, env.seq, env.received_at_ms, ev);
            }
            true
        },
        |w| panic!("unexpected warning: {w}"),
    );
    let streamed = t1.elapsed();
    let events = store.counters().events;
    (read, streamed, events, store)
}

fn main() {
    let min_events: usize = std::env::var("WAMON_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let dir = std::env::temp_dir().join(format!("wamon-bench-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("capture.jsonl");
    let (requests, events) = write_capture(&path, min_events);
    let size = std::fs::metadata(&path).map_or(0, |m| m.len());
    println!(
        "load: capture of {} requests / {} events, {:.1} MB",
        common::thousands(requests as u64),
        common::thousands(events as u64),
        size as f64 / 1e6
    );

    // Memory first, while the process is fresh (freed memory is not given back to the OS).
    // Memory: stream the file (one line at a time) into a store that is all that stays.
    let rss0 = common::rss_bytes();
    let heap0 = live();
    let mut store = Store::new();
    {
        let mut r = BufReader::new(std::fs::File::open(&path).expect("open"));
        let mut line = Vec::new();
        let mut no = 0;
        loop {
            line.clear();
            if r.read_until(b'\n', &mut line).expect("read") == 0 {
                break;
            }
            no += 1;
            if no == 1 {
                continue;
            }
            let env = wamon::capture::decode(&line, no).expect("decode");
            let n = wamon::provider::normalize(&env);
            store.note_request(env.seq, env.received_at_ms);
            for ev in &n.events {
                store.apply(n.provider, env.seq, env.received_at_ms, ev);
            }
        }
    }
    // What the binary does after a load: hand freed pages back.
    unsafe { libmimalloc_sys::mi_collect(true) };
    let rss1 = common::rss_bytes();
    let heap1 = live();
    let n = store.counters().events as f64;
    let text = common::shown_text_bytes(&store) as f64;
    let rss_per = (rss1 as f64 - rss0 as f64) / n;
    let heap_per = (heap1 - heap0) as f64 / n;
    println!();
    println!(
        "memory for {} stored events ({} messages, {} event rows, {} chats):",
        common::thousands(n as u64),
        common::thousands(store.messages().len() as u64),
        common::thousands(store.events().len() as u64),
        store.chats().live().count()
    );
    println!("| measure | bytes/event |");
    println!("|---|---:|");
    println!("| RSS growth (statm) | {rss_per:.0} |");
    println!("| live heap growth (counting allocator) | {heap_per:.0} |");
    println!(
        "| of which text shown (texts, names, errors) | {:.0} |",
        text / n
    );
    println!(
        "| heap beyond the text shown | {:.0} |",
        heap_per - text / n
    );
    let beyond = rss_per.max(heap_per) - text / n;
    println!();
    println!(
        "beyond the text shown: {beyond:.0} bytes/event (budget < {BUDGET_BYTES_PER_EVENT}): {}",
        if beyond < BUDGET_BYTES_PER_EVENT {
            "PASS"
        } else {
            "MISS"
        }
    );
    println!(
        "struct sizes: Message {} B, EventRow {} B, Tick {} B, Row {} B",
        std::mem::size_of::<wamon::store::message::Message>(),
        std::mem::size_of::<wamon::store::EventRow>(),
        std::mem::size_of::<wamon::store::message::Tick>(),
        std::mem::size_of::<wamon::store::Row>(),
    );
    drop(store);

    // Speed: warm-up, then rounds.
    drop(load(&path, None));
    println!();
    println!(
        "| round | file read | decode + normalise (workers) overlapped with Store::apply | total | events/s |"
    );
    println!("|---:|---:|---:|---:|---:|");
    let mut rates = Vec::new();
    for r in 1..=3 {
        let (read, streamed, n, store) = load(&path, None);
        assert_eq!(n as usize, events, "every event reaches the store");
        assert_eq!(store.counters().requests as usize, requests);
        drop(store);
        let total = read + streamed;
        let rate = n as f64 / total.as_secs_f64();
        rates.push(rate);
        println!(
            "| {r} | {} ms | {} ms | {} ms | {} |",
            common::ms(read),
            common::ms(streamed),
            common::ms(total),
            common::thousands(rate as u64)
        );
    }
    rates.sort_by(f64::total_cmp);
    let rate = rates[rates.len() / 2];
    // The same file into a store capped at a quarter of it: eviction passes included.
    let cap = (events / 4).max(1);
    let (read, streamed, n, store) = load(&path, Some(cap));
    println!(
        "| capped at {} (--max-events) | {} ms | {} ms | {} ms | {} |",
        common::thousands(cap as u64),
        common::ms(read),
        common::ms(streamed),
        common::ms(read + streamed),
        common::thousands((n as f64 / (read + streamed).as_secs_f64()) as u64)
    );
    assert!(store.events().len() <= cap + cap / 16);
    assert_eq!(
        store.counters().evicted_events as usize,
        events - store.events().len()
    );
    drop(store);
    println!();
    println!(
        "median: {} events/s (budget >= {}): {}",
        common::thousands(rate as u64),
        common::thousands(BUDGET_EVENTS_PER_S as u64),
        if rate >= BUDGET_EVENTS_PER_S {
            "PASS"
        } else {
            "MISS"
        }
    );

    let _ = std::fs::remove_dir_all(&dir);
}
