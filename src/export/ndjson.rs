//! `--format ndjson`: the lines `wamon --headless --load FILE` prints for the selected
//! requests, and a `forward` line ([`crate::ndjson::forward_line`]) after a request for each of
//! its forward results.
//!
//! Every request of the capture is applied to the store in file order, selected or not, so a
//! line says what headless mode would have said at that point (a status finds its message, an
//! `ack` counts the statuses before it); only the selected requests' lines are written. The
//! store is capped at headless mode's default `--max-events`, as `--load` would be. Values are
//! exact (no `--redact`), written with [`crate::display::json_out`] like headless output.

use super::Selection;
use crate::display::{json_out, Intake};
use crate::ingest::Ingest;
use crate::store::Store;
use std::io::Write;
use std::sync::Arc;

/// Writes the NDJSON of `sel` to `out`.
pub fn write(sel: &Selection, out: &mut dyn Write) -> std::io::Result<()> {
    let mut store = Store::with_max_events(crate::store::DEFAULT_MAX_EVENTS);
    let mut intake = Intake::printer(false);
    let mut buf = Vec::with_capacity(4096);
    for (env, selected, forwards) in sel.each() {
        let ing = Ingest {
            normalized: crate::provider::normalize(env),
            env: Arc::new(env.clone()),
            capture_offset: None,
            capture_file: 0,
            from_load: true,
        };
        buf.clear();
        crate::headless::apply_and_render(&mut store, &mut intake, &ing, &mut buf);
        if !selected {
            continue;
        }
        for r in forwards {
            // Serialising into memory cannot fail.
            let _ = json_out::append(&mut buf, &crate::ndjson::forward_line(r));
            buf.push(b'\n');
        }
        out.write_all(&buf)?;
    }
    Ok(())
}
