//! Ingest budget (design §7): with capture on, wamon's receiver must reach at least 0.8x the
//! requests/s of a bare axum server that only parses the same JSON and answers 200, on the same
//! machine in the same run, and lose nothing.
//!
//! Both servers run in-process on 127.0.0.1:0 and get the same load: realistic bodies from the
//! demo conversations of every provider (distinct message ids per copy), sent by 32 concurrent
//! keep-alive HTTP/1 connections. wamon's side is the real pipeline: `receiver::router` with a
//! `CaptureWriter` to a temp file and a consumer task applying every request to a `Store` the way
//! `--headless` does; its time runs until the consumer has applied the last request.
//!
//! Run: `cargo bench --bench ingest` (env `WAMON_BENCH_REQUESTS`, `WAMON_BENCH_CONNS`,
//! `WAMON_BENCH_ROUNDS` override; `WAMON_BENCH_ONLY=bare|wamon|wamon-nocapture|wamon-drain` runs one side alone, for
//! `perf stat` / `perf record`).

mod common;

/// The allocator the `wamon` binary uses, so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use axum::body::Bytes;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};
use wamon::capture_writer::CaptureWriter;
use wamon::ingest::{Ingest, INGEST_CAPACITY};
use wamon::receiver::{self, Receiver, ReceiverConfig};
use wamon::store::Store;

const BUDGET_RATIO: f64 = 0.8;

/// One request of the load: path, headers, body.
struct Load {
    path: String,
    headers: Vec<(String, String)>,
    body: Bytes,
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn build_load(n: usize) -> Vec<Load> {
    let templates = common::templates();
    (0..n)
        .map(|i| {
            let t = &templates[i % templates.len()];
            Load {
                path: t.path.clone(),
                headers: t.headers.clone(),
                body: Bytes::from(t.body((i / templates.len()) as u64)),
            }
        })
        .collect()
}

/// Sends every request of `load` to `addr` over `conns` concurrent keep-alive connections.
/// Returns how many got a 200.
async fn drive(addr: SocketAddr, load: Arc<Vec<Load>>, conns: usize) -> usize {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let client: Client<HttpConnector, Full<Bytes>> = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(conns)
        .build(connector);
    let next = Arc::new(AtomicUsize::new(0));
    let ok = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::with_capacity(conns);
    for _ in 0..conns {
        let (client, next, ok, load) = (client.clone(), next.clone(), ok.clone(), load.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(l) = load.get(i) else { break };
                let mut req = axum::http::Request::post(format!("http://{addr}{}", l.path));
                for (k, v) in &l.headers {
                    req = req.header(k, v);
                }
                let req = req.body(Full::new(l.body.clone())).expect("request");
                match client.request(req).await {
                    Ok(resp) => {
                        let status = resp.status();
                        let _ = resp.into_body().collect().await;
                        if status == StatusCode::OK {
                            ok.fetch_add(1, Ordering::Relaxed);
                        } else {
                            eprintln!("request {i}: HTTP {status}");
                        }
                    }
                    Err(e) => eprintln!("request {i}: {e}"),
                }
            }
        }));
    }
    for t in tasks {
        t.await.expect("client task");
    }
    ok.load(Ordering::Relaxed)
}

async fn bare_handler(body: Bytes) -> axum::response::Response {
    match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(_) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"ok":true}"#,
        )
            .into_response(),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

/// Starts a server for `router`; the returned sender stops it gracefully.
async fn serve(
    app: axum::extract::connect_info::IntoMakeServiceWithConnectInfo<Router, SocketAddr>,
) -> (
    SocketAddr,
    oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stop_rx.await;
            })
            .await
    });
    (addr, stop_tx, server)
}

/// One round against the bare server: requests/s.
async fn round_bare(load: Arc<Vec<Load>>, conns: usize) -> f64 {
    let app = Router::new()
        .fallback(bare_handler)
        .into_make_service_with_connect_info::<SocketAddr>();
    let (addr, stop, server) = serve(app).await;
    let n = load.len();
    let t0 = Instant::now();
    let ok = drive(addr, load, conns).await;
    let el = t0.elapsed();
    let _ = stop.send(());
    let _ = server.await;
    assert_eq!(ok, n, "bare server: {} of {n} requests failed", n - ok);
    n as f64 / el.as_secs_f64()
}

/// What the wamon side runs: the real thing, or with one stage taken out (diagnostics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    Full,
    /// Receiver without a capture writer.
    NoCapture,
    /// The consumer only counts requests (no store, no NDJSON).
    DrainOnly,
    /// Full, with `--forward-to` an in-process bot that answers at once.
    Forward(SocketAddr),
    /// Full, with `--forward-to` the bot and `--forward-mode proxy`.
    Proxy(SocketAddr),
}

/// A bot for the forwarding variants: answers 200 at once and counts what it got.
async fn start_bot() -> (SocketAddr, Arc<AtomicUsize>) {
    let got = Arc::new(AtomicUsize::new(0));
    let counter = got.clone();
    let app = Router::new().fallback(move |_body: Bytes| {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::Relaxed);
            (StatusCode::OK, r#"{"ok":true}"#)
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, got)
}

struct WamonRound {
    rps: f64,
    capture_lines: usize,
    store_requests: u64,
    store_events: u64,
    consumer_lag: Duration,
}

/// One round against wamon's receiver with capture on: requests/s, until the consumer applied
/// the last request.
async fn round_wamon(
    load: Arc<Vec<Load>>,
    conns: usize,
    capture: &Path,
    variant: Variant,
) -> WamonRound {
    let _ = std::fs::remove_file(capture);
    let writer = CaptureWriter::open(capture, receiver::now_ms()).expect("capture file");
    let writer = (variant != Variant::NoCapture).then_some(writer);
    let (tx, mut rx) = mpsc::channel::<wamon::ingest::Item>(INGEST_CAPACITY);
    let forward = match variant {
        Variant::Forward(bot) | Variant::Proxy(bot) => Some(receiver::ForwardConfig {
            settings: wamon::forward::ForwardSettings {
                target: wamon::outbound::Target::parse(&format!("http://{bot}")).expect("bot"),
                timeout: Duration::from_secs(10),
            },
            proxy: matches!(variant, Variant::Proxy(_)),
        }),
        _ => None,
    };
    let cfg = ReceiverConfig {
        max_body: 8 << 20,
        forward,
        ..ReceiverConfig::default()
    };
    let state = Receiver::new(cfg, 1, writer, tx);
    let applied = Arc::new(AtomicU64::new(0));
    let consumer = {
        let applied = applied.clone();
        tokio::spawn(async move {
            // What `--headless` does, minus stdout.
            let mut store = Store::new();
            let mut intake = wamon::display::Intake::printer(false);
            let mut batch = Vec::with_capacity(256);
            let mut out = Vec::with_capacity(64 * 1024);
            while rx.recv_many(&mut batch, 256).await > 0 {
                out.clear();
                for ing in batch.drain(..).filter_map(wamon::ingest::Item::request) {
                    if variant == Variant::DrainOnly {
                        store.note_request(ing.env.seq, ing.env.received_at_ms);
                    } else {
                        wamon::headless::apply_and_render(&mut store, &mut intake, &ing, &mut out);
                    }
                }
                std::hint::black_box(&out);
                applied.store(store.counters().requests, Ordering::Release);
            }
            store
        })
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stop_rx) = oneshot::channel::<()>();
    let server = tokio::spawn(receiver::serve(listener, state, async move {
        let _ = stop_rx.await;
    }));
    let n = load.len();
    let t0 = Instant::now();
    let ok = drive(addr, load, conns).await;
    let answered = t0.elapsed();
    while applied.load(Ordering::Acquire) < n as u64 {
        if t0.elapsed() > Duration::from_secs(60) {
            break;
        }
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
    let el = t0.elapsed();
    let _ = stop.send(());
    let _ = server.await;
    // The server is gone, so is the last ingest sender: the consumer finishes.
    let store = consumer.await.expect("consumer");
    assert_eq!(ok, n, "wamon: {} of {n} requests failed", n - ok);
    let capture_lines = if variant == Variant::NoCapture {
        0
    } else {
        count_capture_lines(capture)
    };
    WamonRound {
        rps: n as f64 / el.as_secs_f64(),
        capture_lines,
        store_requests: store.counters().requests,
        store_events: store.counters().events,
        consumer_lag: el - answered,
    }
}

/// Request lines in the capture file; each must read back with its own seq.
fn count_capture_lines(capture: &Path) -> usize {
    let text = std::fs::read(capture).expect("read capture");
    let loaded = wamon::capture::read_all(&text[..]).expect("capture readable");
    assert!(
        loaded.warnings.is_empty(),
        "capture warnings: {:?}",
        loaded.warnings
    );
    let mut seqs: Vec<u64> = loaded.envelopes.iter().map(|(e, _)| e.seq).collect();
    seqs.sort_unstable();
    seqs.dedup();
    // Every line after the header but the forward results (`--forward-to` variants).
    let lines = text.iter().filter(|b| **b == b'\n').count() - 1 - loaded.forwards.len();
    assert_eq!(loaded.envelopes.len(), lines, "unreadable capture lines");
    assert_eq!(seqs.len(), lines, "repeated seqs in the capture");
    lines
}

/// CPU per request of each stage wamon adds, on one thread, over the same bodies.
fn stage_costs(load: &[Load]) {
    let envs: Vec<wamon::envelope::Envelope> = load
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut e =
                wamon::envelope::Envelope::post(i as u64 + 1, receiver::now_ms(), l.body.clone());
            e.headers = l
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), v.clone().into_bytes()))
                .collect();
            e.headers.push(("host".into(), "127.0.0.1:8080".into()));
            e.remote = Some("127.0.0.1:50000".into());
            e
        })
        .collect();
    let per = |t: Duration| t.as_secs_f64() * 1e6 / envs.len() as f64;
    let time = |f: &mut dyn FnMut()| {
        f(); // warm-up
        let t0 = Instant::now();
        f();
        t0.elapsed()
    };
    let parse = time(&mut || {
        for e in &envs {
            std::hint::black_box(serde_json::from_slice::<serde_json::Value>(&e.body).ok());
        }
    });
    let normalize = time(&mut || {
        for e in &envs {
            std::hint::black_box(wamon::provider::normalize(e));
        }
    });
    let encode = time(&mut || {
        for e in &envs {
            std::hint::black_box(wamon::capture::encode(e));
        }
    });
    let ingests: Vec<Ingest> = envs
        .iter()
        .map(|e| Ingest {
            env: Arc::new(e.clone()),
            normalized: wamon::provider::normalize(e),
            capture_offset: Some(0),
            capture_file: 0,
            from_load: false,
        })
        .collect();
    let mut apply = Duration::ZERO;
    let mut apply_only = Duration::ZERO;
    for round in 0..2 {
        let mut store = Store::new();
        let mut intake = wamon::display::Intake::printer(false);
        let mut out = Vec::new();
        let t0 = Instant::now();
        for ing in &ingests {
            out.clear();
            wamon::headless::apply_and_render(&mut store, &mut intake, ing, &mut out);
        }
        let t1 = t0.elapsed();
        let mut store = Store::new();
        let t0 = Instant::now();
        for ing in &ingests {
            store.note_request(ing.env.seq, ing.env.received_at_ms);
            for ev in &ing.normalized.events {
                std::hint::black_box(store.apply(
                    ing.normalized.provider,
                    ing.env.seq,
                    ing.env.received_at_ms,
                    ev,
                ));
            }
        }
        if round == 1 {
            apply = t1;
            apply_only = t0.elapsed();
        }
    }
    println!();
    println!("CPU per request by stage (one thread, same bodies; not budgeted):");
    println!("| stage | us/request |");
    println!("|---|---:|");
    println!(
        "| parse JSON to Value (all the bare server does) | {:.2} |",
        per(parse)
    );
    println!(
        "| provider::normalize (parse + normalise) | {:.2} |",
        per(normalize)
    );
    println!("| capture::encode | {:.2} |", per(encode));
    println!("| Store::apply | {:.2} |", per(apply_only));
    println!(
        "| headless apply_and_render (Store::apply + NDJSON line) | {:.2} |",
        per(apply)
    );
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let n = env_usize("WAMON_BENCH_REQUESTS", 20_000);
    let conns = env_usize("WAMON_BENCH_CONNS", 32);
    let rounds = env_usize("WAMON_BENCH_ROUNDS", 5);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let load = Arc::new(build_load(n));
    let warm = Arc::new(build_load(2_000));
    let bytes: usize = load.iter().map(|l| l.body.len()).sum();
    let dir: PathBuf =
        std::env::temp_dir().join(format!("wamon-bench-ingest-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let capture = dir.join("capture.jsonl");
    println!(
        "ingest: {n} requests per round ({} bodies from every provider's demo, mean {} bytes), \
         {conns} keep-alive connections, {} worker threads, {rounds} rounds each",
        common::templates().len(),
        bytes / n.max(1),
        std::thread::available_parallelism().map_or(1, |p| p.get()),
    );

    // For profiling one side alone: `WAMON_BENCH_ONLY=bare|wamon perf stat ...`.
    if let Ok(only) = std::env::var("WAMON_BENCH_ONLY") {
        rt.block_on(async {
            for _ in 0..rounds {
                let rps = if only == "bare" {
                    round_bare(load.clone(), conns).await
                } else {
                    let v = match only.as_str() {
                        "wamon-nocapture" => Variant::NoCapture,
                        "wamon-drain" => Variant::DrainOnly,
                        _ => Variant::Full,
                    };
                    round_wamon(load.clone(), conns, &capture, v).await.rps
                };
                println!("{only}: {rps:.0} req/s");
            }
        });
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    stage_costs(&load);
    rt.block_on(async {
        // Warm-up: sockets, allocator, code paths.
        round_bare(warm.clone(), conns).await;
        round_wamon(warm.clone(), conns, &capture, Variant::Full).await;

        let (mut bare, mut wam) = (Vec::new(), Vec::new());
        println!();
        println!("| round | bare axum req/s | wamon req/s | ratio | capture lines | store requests | store events | consumer lag |");
        println!("|------:|----------------:|------------:|------:|--------------:|---------------:|-------------:|-------------:|");
        for r in 1..=rounds {
            // Alternate which goes first so drift in the machine hits both.
            let (b, w) = if r % 2 == 1 {
                let b = round_bare(load.clone(), conns).await;
                (b, round_wamon(load.clone(), conns, &capture, Variant::Full).await)
            } else {
                let w = round_wamon(load.clone(), conns, &capture, Variant::Full).await;
                (round_bare(load.clone(), conns).await, w)
            };
            println!(
                "| {r} | {:.0} | {:.0} | {:.2} | {} | {} | {} | {} ms |",
                b,
                w.rps,
                w.rps / b,
                w.capture_lines,
                w.store_requests,
                w.store_events,
                common::ms(w.consumer_lag),
            );
            assert_eq!(
                w.capture_lines, n,
                "LOST: capture has {} request lines, expected {n}",
                w.capture_lines
            );
            assert_eq!(
                w.store_requests, n as u64,
                "LOST: store counted {} requests, expected {n}",
                w.store_requests
            );
            bare.push(b);
            wam.push(w.rps);
        }
        let (b, w) = (median(&mut bare), median(&mut wam));
        let ratio = w / b;
        println!();
        println!(
            "median: bare {b:.0} req/s, wamon {w:.0} req/s, ratio {ratio:.2} (budget >= {BUDGET_RATIO}): {}",
            if ratio >= BUDGET_RATIO { "PASS" } else { "MISS" }
        );
        println!("lost: 0 (every round: capture lines == store requests == {n})");

        // Where the difference goes: the same load with one stage of wamon taken out.
        println!();
        println!("diagnostics (one round each, not budgeted):");
        println!("| wamon variant | req/s | vs bare (same moment) |");
        println!("|---|---:|---:|");
        let (bot, bot_got) = start_bot().await;
        for (name, v) in [
            ("full (capture on, store + NDJSON)", Variant::Full),
            ("no capture writer", Variant::NoCapture),
            ("capture on, consumer only counts", Variant::DrainOnly),
            ("full + --forward-to a bot answering at once", Variant::Forward(bot)),
            ("full + --forward-mode proxy", Variant::Proxy(bot)),
        ] {
            let before = bot_got.load(Ordering::Relaxed);
            let b = round_bare(load.clone(), conns).await;
            let t0 = Instant::now();
            let w = round_wamon(load.clone(), conns, &capture, v).await;
            assert_eq!(w.store_requests, n as u64, "LOST in variant {name}");
            let mut forwarded = String::new();
            if matches!(v, Variant::Forward(_) | Variant::Proxy(_)) {
                // Until the bot has every request: forwarding's own throughput.
                let mut last = (usize::MAX, Instant::now());
                while bot_got.load(Ordering::Relaxed) - before < n && last.1.elapsed() < Duration::from_secs(2) {
                    let got = bot_got.load(Ordering::Relaxed);
                    if got != last.0 {
                        last = (got, Instant::now());
                    }
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                // Past the forward queue's bounds a request is recorded `not_forwarded`
                // rather than waited for: say how many got through.
                let got = bot_got.load(Ordering::Relaxed) - before;
                forwarded = format!(
                    " (the bot got {got} of {n}, the last after {} ms)",
                    t0.elapsed().as_millis()
                );
            }
            println!("| {name} | {:.0} | {:.2} |{forwarded}", w.rps, w.rps / b);
        }
    });
    let _ = std::fs::remove_dir_all(&dir);
}
