//! The progress bar of a replay, on stderr when stderr is a terminal; nothing is drawn
//! otherwise (a pipe or a file gets only the problem lines and the summary).
//!
//! Edge module: indicatif.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// A bar of `len` requests, or nothing.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    pub fn new(len: usize) -> Progress {
        if !std::io::stderr().is_terminal() {
            return Progress { bar: None };
        }
        let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{bar:30} {pos}/{len} requests · {elapsed} · {msg}")
        {
            bar.set_style(style);
        }
        // Ticks keep the elapsed time moving while a replay at speed 1 waits for a slow gap.
        bar.enable_steady_tick(Duration::from_millis(250));
        Progress { bar: Some(bar) }
    }

    /// One more request done; `msg` is the tally so far.
    pub fn advance(&self, msg: String) {
        if let Some(bar) = &self.bar {
            bar.set_message(msg);
            bar.inc(1);
        }
    }

    /// A line above the bar (or on stderr when there is none).
    pub fn println(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    /// Removes the bar, leaving the lines printed above it.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
