//! `--headless`: applies every received request to a store and prints one NDJSON line per
//! normalised event on stdout — and nothing else there (logs go to stderr or the log file).
//!
//! Lines are written with [`crate::display::json_out`]: a terminal showing them cannot be made
//! to act on anything in them. Under `--redact` the events are masked first (a shared terminal
//! shows these lines too).
//!
//! Edge module: tokio stdout.

use crate::display::{json_out, Intake};
use crate::feed::Feed;
use crate::ingest::Ingest;
use crate::model::Event;
use crate::store::Store;
use tokio::io::AsyncWriteExt;

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

/// Prints until the feed ends (the receiver stopped, every loader finished, and everything
/// recorded was printed).
pub async fn run(mut feed: Feed, redact: bool) -> std::io::Result<Store> {
    let mut store = Store::new();
    let mut intake = Intake::printer(redact);
    let mut stdout = tokio::io::stdout();
    let mut batch = Vec::with_capacity(256);
    let mut out = Vec::with_capacity(64 * 1024);
    while feed.recv_many(&mut batch, 256).await > 0 {
        out.clear();
        for ing in batch.drain(..) {
            apply_and_render(&mut store, &mut intake, &ing, &mut out);
        }
        stdout.write_all(&out).await?;
        stdout.flush().await?;
    }
    Ok(store)
}
