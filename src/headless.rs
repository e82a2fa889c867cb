//! `--headless`: applies every received request to a store and prints one NDJSON line per
//! normalised event on stdout — and nothing else there (logs go to stderr or the log file).
//!
//! Lines are written with [`crate::display::json_out`]: a terminal showing them cannot be made
//! to act on anything in them. Under `--redact` the events are masked first (a shared terminal
//! shows these lines too).
//!
//! The store is capped by `--max-events` like the screen's; evictions never add lines to
//! stdout (the schema stays as documented): a line on stderr says when eviction starts, and
//! another at most once a minute while it goes on.
//!
//! Quitting is bounded: after the stop signal, headless mode prints what is left while stdout
//! takes it, but a write that makes no progress for [`STOP_GRACE`] ends the run (a reader that
//! stopped reading must not keep wamon alive; every request is in the capture file anyway).
//!
//! Edge module: tokio stdout.

use crate::display::{json_out, Intake};
use crate::feed::Feed;
use crate::ingest::{Ingest, Item};
use crate::model::Event;
use crate::store::Store;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::sync::watch;

/// How long a write to stdout may make no progress once the stop signal came.
pub const STOP_GRACE: Duration = Duration::from_secs(2);

/// Applies `ing` to `store`, appending one NDJSON line per event to `out`. `intake` is the
/// printer's (see [`Intake::printer`]).
pub fn apply_and_render(store: &mut Store, intake: &mut Intake, ing: &Ingest, out: &mut Vec<u8>) {
    let env = &ing.env;
    store.note_request(env.seq, env.received_at_ms);
    let mut masked: Event;
    for ev in &ing.normalized.events {
        let ev = if intake.redacts() {
            masked = ev.clone();
            intake.event(&mut masked);
            &masked
        } else {
            ev
        };
        let outcome = store.apply(ing.normalized.provider, env.seq, env.received_at_ms, ev);
        let line = crate::ndjson::line(env, ing.normalized.provider, ev, &outcome, store);
        // Serialising into memory cannot fail.
        let _ = json_out::append(out, &line);
        out.push(b'\n');
    }
}

/// Appends the NDJSON line of a forward result to `out`.
pub fn render_forward(r: &crate::forward::ForwardRecord, out: &mut Vec<u8>) {
    let _ = json_out::append(out, &crate::ndjson::forward_line(r));
    out.push(b'\n');
}

/// Prints until the feed ends (the receiver stopped, every loader finished, and everything
/// recorded was printed), or until stdout stops taking lines after `stop` turned true. The
/// store holds at most about `max_events` events.
pub async fn run(
    mut feed: Feed,
    redact: bool,
    max_events: usize,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<Store> {
    let mut store = Store::with_max_events(max_events);
    let mut intake = Intake::printer(redact);
    let mut notice = EvictionNotice::new(max_events);
    let mut stdout = tokio::io::stdout();
    let mut batch = Vec::with_capacity(256);
    let mut out = Vec::with_capacity(64 * 1024);
    while feed.recv_many(&mut batch, 256).await > 0 {
        out.clear();
        for item in batch.drain(..) {
            match item {
                Item::Request(ing) => apply_and_render(&mut store, &mut intake, &ing, &mut out),
                Item::Forward(f) => render_forward(&f.record, &mut out),
            }
        }
        let written = match write_unless_stalled(&mut stdout, &out, &mut stop).await {
            // The reader went away (`wamon --headless | head`): that ends the run, quietly.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => break,
            other => other?,
        };
        if !written {
            eprintln!(
                "wamon: stdout took nothing for {}s after the stop signal; quitting without \
                 printing the rest (the capture file, if any, has every request)",
                STOP_GRACE.as_secs()
            );
            break;
        }
        if let Some(line) = notice.line(store.counters().evicted_events, Instant::now()) {
            eprintln!("{line}");
        }
    }
    Ok(store)
}

/// Writes and flushes `bytes`; false if, after `stop` turned true, one write made no progress
/// for [`STOP_GRACE`]. Before the stop signal it waits as long as the reader takes.
async fn write_unless_stalled(
    stdout: &mut tokio::io::Stdout,
    mut bytes: &[u8],
    stop: &mut watch::Receiver<bool>,
) -> std::io::Result<bool> {
    while !bytes.is_empty() {
        tokio::select! {
            n = stdout.write(bytes) => {
                let n = n?;
                if n == 0 {
                    return Err(std::io::ErrorKind::WriteZero.into());
                }
                bytes = &bytes[n..];
            }
            () = grace_after_stop(stop) => return Ok(false),
        }
    }
    tokio::select! {
        r = stdout.flush() => r.map(|()| true),
        () = grace_after_stop(stop) => Ok(false),
    }
}

/// Never returns before the stop signal; [`STOP_GRACE`] after it.
async fn grace_after_stop(stop: &mut watch::Receiver<bool>) {
    // A dropped sender counts as a stop.
    let _ = stop.wait_for(|s| *s).await;
    tokio::time::sleep(STOP_GRACE).await;
}

/// How often headless mode repeats how much it evicted.
const NOTICE_EVERY: Duration = Duration::from_secs(60);

/// The stderr lines about eviction: one when it starts, then at most one a minute
/// while the count grows.
#[derive(Debug)]
pub struct EvictionNotice {
    max_events: usize,
    /// The count last told, and when.
    told: u64,
    at: Option<Instant>,
}

impl EvictionNotice {
    pub fn new(max_events: usize) -> EvictionNotice {
        EvictionNotice {
            max_events,
            told: 0,
            at: None,
        }
    }

    /// The line to print now that `evicted` events were evicted in all, if one is due.
    pub fn line(&mut self, evicted: u64, now: Instant) -> Option<String> {
        if evicted == self.told {
            return None;
        }
        let cap = crate::display::count::thousands(self.max_events as u64);
        let line = match self.at {
            None => format!(
                "wamon: more than {cap} events (--max-events): the oldest are evicted from memory \
                 from now on (the capture file keeps every request)"
            ),
            Some(at) if now.duration_since(at) >= NOTICE_EVERY => format!(
                "wamon: {} events evicted from memory so far (--max-events {cap})",
                crate::display::count::thousands(evicted)
            ),
            Some(_) => return None,
        };
        self.told = evicted;
        self.at = Some(now);
        Some(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eviction_is_told_when_it_starts_then_once_a_minute() {
        let mut n = EvictionNotice::new(1_000_000);
        let t0 = Instant::now();
        assert_eq!(n.line(0, t0), None);
        let first = n.line(62_500, t0).unwrap();
        assert!(
            first.contains("more than 1,000,000 events (--max-events)"),
            "{first}"
        );
        assert!(first.contains("capture file keeps every request"));
        assert_eq!(n.line(125_000, t0 + Duration::from_secs(30)), None);
        let later = n.line(187_500, t0 + Duration::from_secs(61)).unwrap();
        assert_eq!(
            later,
            "wamon: 187,500 events evicted from memory so far (--max-events 1,000,000)"
        );
        // Nothing new, nothing said.
        assert_eq!(n.line(187_500, t0 + Duration::from_secs(300)), None);
    }
}
