//! `wamon replay FILE --to URL`: sends the webhooks of a capture file again, one after another in
//! capture order, to a bot or another wamon, re-signed for its secrets when they are given, and
//! sums up what came back. `wamon send --file CAPTURE` plays a capture the same way.
//!
//! Each request goes out as it was received: method, path (joined to the target's path), query,
//! headers (minus hop-by-hop ones, see [`crate::outbound`]) and the exact body. What is sent is
//! chosen by [`plan`], paced by [`pace`], re-signed by [`sign`] and reported by [`report`].
//!
//! Edge module: reads the file, sends over HTTP with tokio.

mod pace;
mod plan;
mod progress;
mod report;
mod sign;

pub use pace::offsets;
pub use plan::{plan, Skipped};
pub use report::Tally;
pub use sign::Keys;

use crate::cli::ReplayArgs;
use crate::display::clean;
use crate::envelope::Envelope;
use crate::filter::Filter;
use crate::outbound::{Outbound, Outgoing, Target};
use color_eyre::eyre::{bail, eyre, Result, WrapErr};
use std::io::{BufRead, Read};
use std::ops::RangeInclusive;
use std::path::Path;
use std::time::{Duration, Instant};

/// Bytes of a reply kept: enough for the reason a receiver gives for a refusal.
const REPLY_KEPT: usize = 4096;
/// How long a target may take to answer when the caller does not say (`wamon send`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// What to replay, where and how.
#[derive(Debug, Clone)]
pub struct Options {
    pub target: Target,
    /// `f64::INFINITY` for `max`.
    pub speed: f64,
    /// For each request's whole exchange.
    pub timeout: Duration,
    pub seq: Option<RangeInclusive<u64>>,
    pub filter: Option<Filter>,
    pub keys: Keys,
}

impl Options {
    /// Every webhook of the capture to `to`, unchanged, at `speed`.
    pub fn new(to: &str, speed: f64) -> Result<Options> {
        Ok(Options {
            target: Target::parse(to).map_err(|e| eyre!("--to: {}", clean(&e)))?,
            speed,
            timeout: DEFAULT_TIMEOUT,
            seq: None,
            filter: None,
            keys: Keys::default(),
        })
    }

    /// The options `wamon replay`'s flags ask for.
    pub fn from_args(args: &ReplayArgs) -> Result<Options> {
        let filter = match &args.filter {
            Some(q) => Some(
                Filter::parse(q)
                    .map_err(|e| eyre!("--filter {:?}: {}", clean(q), clean(&e.to_string())))?,
            ),
            None => None,
        };
        Ok(Options {
            timeout: args.timeout,
            seq: args.seq.clone(),
            filter,
            keys: Keys {
                waha_hmac_key: args.waha_hmac_key.clone(),
                meta_app_secret: args.meta_app_secret.clone(),
                twilio_auth_token: args.twilio_auth_token.clone(),
                twilio_base: args.public_url.clone().unwrap_or_else(|| args.to.clone()),
            },
            ..Options::new(&args.to, args.speed)?
        })
    }
}

/// `wamon replay`: replays `args.file` and fails when any request failed or got a non-2xx reply.
pub async fn run_cli(args: &ReplayArgs) -> Result<()> {
    let opts = Options::from_args(args)?;
    run(&args.file, &opts).await
}

/// Replays `path` with `opts`, printing problem lines and the summary on stderr; an error when
/// any request failed or got a non-2xx reply.
pub async fn run(path: &Path, opts: &Options) -> Result<()> {
    let tally = replay(path, opts).await?;
    let problems = tally.problems();
    if problems > 0 {
        bail!(
            "{problems} of {} replayed requests failed or got a non-2xx reply",
            tally.sent()
        );
    }
    Ok(())
}

/// Whether the file at `path` starts with a capture's header line.
pub fn is_capture_file(path: &Path) -> Result<bool> {
    let file = std::fs::File::open(path).wrap_err_with(|| format!("opening {}", path.display()))?;
    // A header line is short; a huge first line is not one.
    let mut first = Vec::new();
    std::io::BufReader::new(file.take(64 * 1024))
        .read_until(b'\n', &mut first)
        .wrap_err_with(|| format!("reading {}", path.display()))?;
    let first = first.strip_suffix(b"\n").unwrap_or(&first);
    Ok(crate::capture::is_header(
        first.strip_suffix(b"\r").unwrap_or(first),
    ))
}

/// The requests of the capture at `path`; each line skipped is a warning on stderr.
fn load(path: &Path) -> Result<Vec<Envelope>> {
    let shown = clean(&path.display().to_string()).into_owned();
    let file = std::fs::File::open(path).wrap_err_with(|| format!("opening {shown}"))?;
    let loaded = crate::capture::read_all(std::io::BufReader::new(file))
        .wrap_err_with(|| format!("reading {shown}"))?;
    let not_a_capture = loaded
        .warnings
        .contains(&crate::capture::CaptureError::NotACapture);
    if not_a_capture && loaded.envelopes.is_empty() {
        bail!("{shown}: not a wamon capture file (its first line has no \"wamon_capture\")");
    }
    for w in &loaded.warnings {
        eprintln!("wamon: {shown}: {}", clean(&w.to_string()));
    }
    Ok(loaded.envelopes.into_iter().map(|(e, _)| e).collect())
}

/// Sends the chosen requests of `path` to `opts.target`, one by one, and returns what came of
/// them. Problem lines and the summary go to stderr.
pub async fn replay(path: &Path, opts: &Options) -> Result<Tally> {
    let envelopes = load(path)?;
    let (chosen, skipped) = plan(&envelopes, opts.seq.as_ref(), opts.filter.as_ref());
    let times: Vec<i64> = chosen.iter().map(|e| e.received_at_ms).collect();
    let schedule = offsets(&times, opts.speed);
    let outbound = Outbound::new();
    let bar = progress::Progress::new(chosen.len());
    let mut tally = Tally::new(skipped);
    let mut problem_lines = 0usize;
    let started = Instant::now();
    let start = tokio::time::Instant::now();
    for (env, offset) in chosen.iter().zip(schedule) {
        tokio::time::sleep_until(start + offset).await;
        let headers = sign::headers(env, &opts.keys);
        let req = Outgoing::with_headers(env, &headers);
        let result = outbound
            .send(&opts.target, &req, opts.timeout, REPLY_KEPT)
            .await;
        if let Some(line) = report::problem_line(env, &result) {
            problem_lines += 1;
            if problem_lines <= report::PROBLEM_LINES {
                bar.println(&line);
            } else if problem_lines == report::PROBLEM_LINES + 1 {
                bar.println("… further problems are only counted in the summary");
            }
        }
        tally.record(&result);
        let so_far: Vec<String> = [tally.replies(), tally.failures()]
            .into_iter()
            .flatten()
            .collect();
        bar.advance(so_far.join(" · "));
    }
    bar.finish();
    for line in tally.summary(&opts.target.url, started.elapsed().as_secs_f64()) {
        eprintln!("{line}");
    }
    Ok(tally)
}
