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
use crate::ingest::{Ingest, Item, INGEST_CAPACITY};
use crate::model::{Kind, Provider};
use crate::provider::Normalized;
use crate::receiver::{self, now_ms, Limits, Receiver, ReceiverConfig};
use crate::run_info::{ForwardInfo, RunInfo};
use color_eyre::eyre::{bail, Result, WrapErr};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::{mpsc, watch};

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

/// Makes the folders of one of wamon's own default files (`…/wamon/captures/x.jsonl`) private,
/// up to and including the `wamon` folder.
pub fn own_dirs(default_file: &Path) -> Result<()> {
    let mut dir = default_file.parent();
    while let Some(d) = dir {
        crate::private_files::own_dir(d)
            .wrap_err_with(|| format!("making {} private", d.display()))?;
        if d.file_name().is_some_and(|n| n == "wamon") {
            break;
        }
        dir = d.parent();
    }
    Ok(())
}

/// Streams a capture into the ingest channel on a blocking thread, so the screen fills in while
/// the rest of the file is decoded. Skipped lines (a torn last line after a crash, anything
/// unreadable) go to the log, and are made visible: on stderr in headless mode (stdout stays
/// pure NDJSON of real requests), as rows of kind `malformed` on the screen.
fn spawn_loader(
    path: PathBuf,
    bytes: Vec<u8>,
    tx: mpsc::Sender<Item>,
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
                    let _ = warn_tx.blocking_send(Item::Request(Ingest {
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
                        capture_file: 0,
                        from_load: false,
                    }));
                }
            },
        );
        // Decoding a whole file leaves a lot of freed memory behind; hand it back to the OS
        // (a no-op unless the binary's allocator, mimalloc, is in use).
        // SAFETY: mi_collect only walks the allocator's own free lists; callable at any time.
        unsafe { libmimalloc_sys::mi_collect(true) };
    })
}

/// The receiver's settings from the command line, checked.
fn receiver_config(args: &RunArgs) -> Result<ReceiverConfig> {
    if let Some(t) = &args.token {
        receiver::validate_token(t).map_err(color_eyre::eyre::Report::msg)?;
    }
    if args.require_signature
        && args.meta_app_secret.is_none()
        && args.waha_hmac_key.is_none()
        && args.twilio_auth_token.is_none()
    {
        bail!(
            "--require-signature needs --meta-app-secret, --waha-hmac-key or --twilio-auth-token"
        );
    }
    if let Some(u) = &args.public_url {
        if !(u.starts_with("https://") || u.starts_with("http://")) {
            bail!("--public-url {u}: give the tunnel's base URL, starting with https://");
        }
    }
    if args.max_buffered < args.max_body {
        bail!(
            "--max-buffered ({} bytes) must be at least --max-body ({} bytes)",
            args.max_buffered,
            args.max_body
        );
    }
    let max_connections = receiver::fit_connection_cap(args.max_connections as usize);
    if max_connections < args.max_connections as usize {
        tracing::warn!(
            "--max-connections lowered to {max_connections} to fit the file-descriptor limit"
        );
    }
    let forward = match &args.forward_to {
        Some(url) => {
            let target = crate::outbound::Target::parse(url)
                .map_err(|e| color_eyre::eyre::eyre!("--forward-to {e}"))?;
            if target.is_listen_address(args.listen) {
                bail!(
                    "--forward-to {url} is wamon's own address: every webhook would come back \
                     to it; give the bot's address"
                );
            }
            Some(receiver::ForwardConfig {
                settings: crate::forward::ForwardSettings {
                    target,
                    timeout: args.forward_timeout,
                },
                proxy: args.forward_mode == crate::cli::ForwardMode::Proxy,
            })
        }
        None => None,
    };
    // Empty entries are what `;` leaves at the ends of WAMON_REPLY ("a;b;"): not rules.
    let rules: Vec<&str> = args
        .replies
        .iter()
        .map(|r| r.trim())
        .filter(|r| !r.is_empty())
        .collect();
    let replies = receiver::ReplyRules::parse(&rules)?;
    Ok(ReceiverConfig {
        forward,
        verify_token: args.verify_token.clone(),
        meta_app_secret: args.meta_app_secret.clone(),
        waha_hmac_key: args.waha_hmac_key.clone(),
        twilio_auth_token: args.twilio_auth_token.clone(),
        public_url: args.public_url.clone(),
        require_signature: args.require_signature,
        token: args.token.clone(),
        max_body: args.max_body,
        limits: Limits {
            idle_timeout: args.idle_timeout,
            header_timeout: args.header_timeout,
            body_timeout: args.body_timeout,
            max_connections,
            max_buffered: args.max_buffered,
        },
        replies,
    })
}

/// One line naming the `--reply` rules in force, or `None` without rules.
fn reply_notice(rules: &receiver::ReplyRules) -> Option<String> {
    if rules.is_empty() {
        return None;
    }
    let listed: Vec<String> = rules
        .texts()
        .enumerate()
        .map(|(i, t)| format!("{}) {}", i + 1, crate::display::clean(t)))
        .collect();
    Some(format!(
        "scripted replies (--reply, first match wins): {}",
        listed.join("; ")
    ))
}

/// Binds `addr`; when the port is taken, the error names a nearby port that is free now.
async fn bind(addr: SocketAddr) -> Result<tokio::net::TcpListener> {
    match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => Ok(l),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            let free = (1..=50u16)
                .filter_map(|i| addr.port().checked_add(i))
                .map(|p| SocketAddr::new(addr.ip(), p))
                .find(|a| std::net::TcpListener::bind(a).is_ok());
            match free {
                Some(a) => bail!("cannot listen on {addr}: the port is in use (another wamon?); try --listen {a}"),
                None => bail!("cannot listen on {addr}: the port is in use (another wamon?)"),
            }
        }
        Err(e) => Err(e).wrap_err_with(|| format!("cannot listen on {addr}")),
    }
}

/// Runs the monitor until the user quits or a signal arrives.
pub async fn run(args: RunArgs, utc_offset_s: i32) -> Result<()> {
    let started = now_ms();
    let cfg = receiver_config(&args)?;
    // Compressed bodies decode within --max-body everywhere: the screen and --load too.
    crate::body_encoding::set_limit(args.max_body);
    let preload = match &args.load {
        Some(p) => Some(std::fs::read(p).wrap_err_with(|| format!("--load {}", p.display()))?),
        None => None,
    };
    let listener = bind(args.listen).await?;
    let capture = if args.no_capture {
        None
    } else {
        let path = match &args.capture {
            Some(p) => p.clone(),
            None => {
                let path = default_capture_path(started);
                own_dirs(&path)?;
                path
            }
        };
        Some(
            CaptureWriter::open(&path, started)
                .wrap_err_with(|| format!("opening capture file {}", path.display()))?,
        )
    };
    let local = listener.local_addr()?;
    let (ingest_tx, ingest_rx) = mpsc::channel::<Item>(INGEST_CAPACITY);
    let (stop_tx, mut stop_rx) = watch::channel(false);
    let capture_path = capture.as_ref().and_then(CaptureWriter::capture_path);
    // Live requests are numbered after everything in the loaded file and in the capture being
    // appended to: one file never holds a seq twice.
    let first_seq = preload
        .as_deref()
        .map_or(0, crate::loader::max_seq)
        .max(capture.as_ref().map_or(0, CaptureWriter::last_seq))
        .saturating_add(1);
    let reply_notice = reply_notice(&cfg.replies);
    let reply_rules = cfg.replies.len();
    let forward_timeout = args.forward_timeout;
    let capture_for_sends = capture.clone();
    let state = Receiver::new(cfg, first_seq, capture, ingest_tx.clone());
    // The screen's sends (R, E) are recorded like forward results: through the capture first.
    let resender = (!args.headless).then(|| {
        crate::forward::resend::Resender::new(
            crate::forward::ResultSink {
                capture: capture_for_sends,
                backlog: state.backlog(),
                tx: ingest_tx.clone(),
            },
            forward_timeout,
        )
    });
    let info = RunInfo {
        listen: local,
        utc_offset_s,
        loaded: args.load.clone(),
        capture: capture_path,
        demo: args.demo,
        redact: args.redact,
        token: args.token.clone(),
        stats: state.stats(),
        backlog: state.backlog(),
        max_events: args.max_events,
        forward: state.forward_stats().map(|stats| ForwardInfo {
            url: args.forward_to.clone().unwrap_or_default(),
            proxy: args.forward_mode == crate::cli::ForwardMode::Proxy,
            stats,
        }),
        reply_rules,
        no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        stuck_after_ms: i64::try_from(args.stuck_after.as_millis()).unwrap_or(i64::MAX),
    };
    let feed = crate::feed::Feed::new(ingest_rx, state.backlog(), info.capture.clone());
    tracing::info!(
        "listening on {}, capture {:?}",
        info.webhook_url(),
        info.capture.as_ref().map(|c| c.path())
    );
    if info.exposed_without_token() {
        tracing::warn!("listening on {local} beyond this machine without --token");
    }
    if let (Some(n), false) = (&reply_notice, args.headless) {
        // Headless mode says it on stderr below (where the log goes too).
        tracing::info!("{n}");
    }
    let server = tokio::spawn(receiver::serve(listener, state, async move {
        let _ = stop_rx.wait_for(|s| *s).await;
    }));

    // Loaded requests go through the same path as live ones.
    if let (Some(bytes), Some(path)) = (preload, args.load.clone()) {
        spawn_loader(path, bytes, ingest_tx.clone(), args.headless);
    }
    drop(ingest_tx);
    if args.demo {
        tokio::spawn(play_demo(info.webhook_url()));
    }
    let signals = tokio::spawn(wait_for_signal(stop_tx.clone()));

    if args.headless {
        eprintln!("wamon: listening on {}", info.webhook_url());
        if let Some(t) = &info.token {
            eprintln!("wamon: behind a tunnel, give your provider https://<your-tunnel>/{t}/");
        }
        if info.exposed_without_token() {
            eprintln!(
                "wamon: warning: listening on {local} beyond this machine without --token: \
                 anyone who finds the port can post to it"
            );
        }
        if let Some(c) = &info.capture {
            eprintln!("wamon: capture {}", c.path().display());
        }
        if let Some(f) = &info.forward {
            eprintln!(
                "wamon: forwarding every accepted webhook to {}{}",
                f.url,
                if f.proxy {
                    " and answering with its answers (--forward-mode proxy)"
                } else {
                    ""
                }
            );
        }
        if let Some(n) = &reply_notice {
            eprintln!("wamon: {n}");
        }
        crate::headless::run(feed, args.redact, args.max_events, stop_tx.subscribe()).await?;
        // The printer may end first (stdout closed): the receiver stops with it.
        let _ = stop_tx.send(true);
    } else {
        crate::ui::run(feed, info, &args, stop_tx.subscribe(), resender).await?;
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

/// Plays every provider's demo conversation, then the problem cases, into our own receiver
/// at `url` (its token included).
async fn play_demo(url: String) {
    // Give the screen a moment to come up so the first events are seen arriving.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let base = url.trim_end_matches('/').to_owned();
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
