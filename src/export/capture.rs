//! `--format capture`: a new capture file of the selected requests, which `wamon --load` (and
//! any reader of captures) takes like one wamon wrote.
//!
//! A header line, then each selected request's line in file order, each followed by its
//! forward results. Lines are re-encoded by the capture's own encoder, so they carry the same
//! exact bytes. The header's `started_at` is the first request's arrival (the export time would
//! make two exports of the same selection differ).
//!
//! Core module: writes to any `Write`.

use super::Selection;
use std::io::Write;

/// Writes the capture of `sel` to `out`.
pub fn write(sel: &Selection, out: &mut dyn Write) -> std::io::Result<()> {
    let started = sel
        .chosen()
        .map(|(e, _)| e.received_at_ms)
        .next()
        .unwrap_or(0);
    out.write_all(&crate::capture::header_line(started))?;
    for (env, forwards) in sel.chosen() {
        out.write_all(&crate::capture::encode(env))?;
        for r in forwards {
            out.write_all(&crate::forward::record::encode(r))?;
        }
    }
    Ok(())
}
