//! Wires the monitor together: capture file, receiver, loader, demo player, and the consumer
//! (the screen or the headless printer).
//!
//! Shutdown: Ctrl-C or SIGTERM (or quitting the screen) stops the HTTP server gracefully; its
//! handlers finish, which drops the last ingest sender, so the consumer drains every accepted
//! request before the process exits.
//!
//! Edge module.

use crate::capture_writer::CaptureWriter;
use crate::cli::RunArgs;
use crate::envelope::Envelope;
use crate::ingest::{Ingest, INGEST_CAPACITY};
use crate::model::{Kind, Provider};
use crate::provider::Normalized;
use crate::receiver::{self, now_ms, Receiver, ReceiverConfig};
use color_eyre::eyre::{Result, WrapErr};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::{mpsc, watch};

/// What the consumer is told about the running monitor (for the status bar).
#[derive(Debug, Clone)]
pub struct RunInfo {
    pub listen: SocketAddr,
    /// Local time offset for clock labels, seconds east of UTC.
    pub utc_offset_s: i32,
    pub capture: Option<PathBuf>,
    /// The file given to `--load`, where loaded requests' bodies can be re-read.
    pub loaded: Option<PathBuf>,
    pub demo: bool,
    /// `--redact`: mask phone numbers, names and message text on the screen.
    pub redact: bool,
}

/// The default capture file of a run: `<XDG data dir>/wamon/captures/<UTC time>.jsonl`.
pub fn default_capture_path(started_ms: i64) -> PathBuf {
    let stamp = crate::capture::rfc3339_ms(started_ms)
        .replace([':', '.'], "-")
        .trim_end_matches('Z')
        .to_owned();
    dirs::data_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("wamon")
        .join("captures")
        .join(format!("{stamp}.jsonl"))
}

/// Streams a capture into the ingest channel on a blocking thread, so the screen fills in while
/// the rest of the file is decoded. Skipped lines (a torn last line after a crash, anything
/// unreadable) go to the log, and are made visible: on stderr in headless mode (stdout stays
/// pure NDJSON of real requests), as rows of kind `malformed` on the screen.
fn spawn_loader(
    path: PathBuf,
    bytes: Vec<u8>,
    tx: mpsc::Sender<Ingest>,
    headless: bool,
) -> tokio::task::JoinHandle<()> {
    tokio::task::spawn_blocking(move || {
        // Warnings quote what they could not read, and the file is anyone's: shown as text.
        let shown = crate::display::clean(&path.display().to_string()).into_owned();
        let warn_tx = tx.clone();
        crate::loader::load_streaming(
            &bytes,
            // The consumer gone means we are shutting down: stop decoding.
            |item| tx.blocking_send(item).is_ok(),
            |w| {
                let w = crate::display::clean(&w.to_string()).into_owned();
                tracing::warn!("{shown}: {w}");
                if headless {
                    eprintln!("wamon: {shown}: {w}");
                } else {
                    let mut env = Envelope::post(0, now_ms(), Vec::new());
                    env.method = "LOAD".into();
                    env.path = shown.clone();
                    let _ = warn_tx.blocking_send(Ingest {
                        env: Arc::new(env),
                        normalized: Normalized::problem(
                            Provider::Unknown,
                            Kind::Malformed,
                            "capture",
                            // The file is the row's request path (headers view); keep the
                            // row itself to what went wrong.
                            w,
                        ),
                        capture_offset: None,
                        from_load: false,
                    });
                }
            },
        );
        // Decoding a whole file leaves a lot of freed memory behind; hand it back to the OS
        // (a no-op unless the binary's allocator, mimalloc, is in use).
        // SAFETY: mi_collect only walks the allocator's own free lists; callable at any time.
        unsafe { libmimalloc_sys::mi_collect(true) };
    })
}

/// Runs the monitor until the user quits or a signal arrives.
pub async fn run(args: RunArgs, utc_offset_s: i32) -> Result<()> {
    let started = now_ms();
    let preload = match &args.load {
        Some(p) => Some(std::fs::read(p).wrap_err_with(|| format!("--load {}", p.display()))?),
        None => None,
    };
    // Live requests are numbered after everything in the loaded file.
    let first_seq = preload.as_deref().map_or(0, crate::loader::max_seq) + 1;
    let capture = if args.no_capture {
        None
    } else {
        let path = args
            .capture
            .clone()
            .unwrap_or_else(|| default_capture_path(started));
        Some(
            CaptureWriter::open(&path, started)
                .wrap_err_with(|| format!("opening capture file {}", path.display()))?,
        )
    };
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .wrap_err_with(|| {
            format!(
                "cannot listen on {} (is another wamon running? try --listen 127.0.0.1:8081)",
                args.listen
            )
        })?;
    let local = listener.local_addr()?;
    let info = RunInfo {
        listen: local,
        utc_offset_s,
        loaded: args.load.clone(),
        capture: capture.as_ref().map(|c| c.path().to_path_buf()),
        demo: args.demo,
        redact: args.redact,
    };
    tracing::info!("listening on http://{local}, capture {:?}", info.capture);

    let (ingest_tx, ingest_rx) = mpsc::channel::<Ingest>(INGEST_CAPACITY);
    let (stop_tx, mut stop_rx) = watch::channel(false);
    let cfg = ReceiverConfig {
        verify_token: args.verify_token.clone(),
        meta_app_secret: args.meta_app_secret.clone(),
        waha_hmac_key: args.waha_hmac_key.clone(),
        max_body: args.max_body,
    };
    let state = Receiver::new(cfg, first_seq, capture, ingest_tx.clone());
    let app = receiver::router(state).into_make_service_with_connect_info::<SocketAddr>();
    let server = tokio::spawn(async move {
        let shutdown = async move {
            let _ = stop_rx.wait_for(|s| *s).await;
        };
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
    });

    // Loaded requests go through the same path as live ones.
    if let (Some(bytes), Some(path)) = (preload, args.load.clone()) {
        spawn_loader(path, bytes, ingest_tx.clone(), args.headless);
    }
    drop(ingest_tx);
    if args.demo {
        tokio::spawn(play_demo(local));
    }
    let signals = tokio::spawn(wait_for_signal(stop_tx.clone()));

    if args.headless {
        eprintln!("wamon: listening on http://{local}");
        if let Some(p) = &info.capture {
            eprintln!("wamon: capture {}", p.display());
        }
        crate::headless::run(ingest_rx, args.redact).await?;
    } else {
        crate::ui::run(ingest_rx, info, &args, stop_tx.subscribe()).await?;
        let _ = stop_tx.send(true);
    }
    signals.abort();
    let _ = server.await;
    Ok(())
}

async fn wait_for_signal(stop: watch::Sender<bool>) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    let _ = stop.send(true);
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    let _ = stop.send(true);
}

/// Plays every provider's demo conversation, then the problem cases, into our own receiver.
async fn play_demo(local: SocketAddr) {
    // Give the screen a moment to come up so the first events are seen arriving.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let base = format!("http://{local}");
    for provider in crate::model::Provider::KNOWN {
        let p = provider.as_str();
        match crate::demo::builtin_requests("conversation", p, now_ms()) {
            Ok(reqs) => {
                if let Err(e) = crate::demo::play(&base, p, &reqs, 4.0, |_| {}).await {
                    tracing::warn!("demo {p}: {e:#}");
                }
            }
            Err(e) => tracing::warn!("demo {p}: {e:#}"),
        }
    }
    if let Ok(reqs) = crate::demo::builtin_requests("problems", "unknown", now_ms()) {
        let _ = crate::demo::play(&base, "unknown", &reqs, 4.0, |_| {}).await;
    }
}
