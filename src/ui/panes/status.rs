//! The status bar: receiver address, counts, rate, last event age, capture path, follow state,
//! and the key hints of the focused pane (from the key table).

use crate::monitor::Monitor;
use crate::ui::format::{ago, fit, plural, thousands, width};
use crate::ui::keys;
use crate::ui::theme;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// How long a "copied ..." notice stays.
const TOAST_MS: i64 = 3000;

pub fn render(frame: &mut Frame, area: Rect, m: &Monitor, now_ms: i64) {
    // Narrow terminals get short labels and no capture path, so the counts stay readable.
    let compact = area.width < 110;
    let c = m.store().counters();
    let sep = || Span::styled(" · ", theme::DIM);
    let exposed = m.info().exposed_without_token();
    let mut spans = vec![
        Span::styled("● ", if exposed { theme::ERROR } else { theme::OK }),
        Span::raw(m.info().listen.to_string()),
    ];
    if exposed {
        spans.push(Span::styled(" (no token!)", theme::ERROR));
    }
    // What the last action did comes first while it shows: on a narrow bar the counters after
    // it are cut, not the answer to what the user just did.
    if let Some((msg, at)) = &m.toast() {
        if now_ms - at < TOAST_MS {
            spans.push(sep());
            spans.push(Span::styled(msg.clone(), theme::OK));
        }
    }
    // `--reply` rules change what providers are told: never let that go unnoticed.
    let rules = m.info().reply_rules;
    if rules > 0 {
        spans.push(sep());
        spans.push(Span::styled(
            match (compact, rules) {
                (true, _) => format!("replies:{rules}"),
                (false, 1) => "replies: 1 rule".to_owned(),
                (false, _) => format!("replies: {rules} rules"),
            },
            theme::WARN,
        ));
    }
    spans.extend([
        sep(),
        Span::raw(if compact {
            format!("{} ev", thousands(c.events))
        } else {
            plural(c.events, "event", "events")
        }),
        sep(),
        Span::raw(format!("{:.0}/s", m.rate(now_ms))),
    ]);
    // Past --max-events the oldest leave memory (the capture keeps them): say how many.
    if c.evicted_events > 0 {
        spans.push(sep());
        spans.push(Span::styled(
            if compact {
                format!("{} evict", thousands(c.evicted_events))
            } else {
                format!("{} evicted", thousands(c.evicted_events))
            },
            theme::WARN,
        ));
    }
    let last = m.store().last_received_ms();
    if last > 0 {
        spans.push(sep());
        let age = ago(now_ms - last);
        spans.push(Span::raw(if compact {
            format!("{age} ago")
        } else {
            format!("last {age} ago")
        }));
    }
    let (rejected, malformed) = if compact {
        ("rej", "bad")
    } else {
        ("rejected", "malformed")
    };
    // Problem counts stand out only when there is a problem.
    for (n, label) in [(c.rejected, rejected), (c.malformed, malformed)] {
        spans.push(sep());
        let style = if n > 0 { theme::ERROR } else { theme::DIM };
        spans.push(Span::styled(format!("{n} {label}"), style));
    }
    // What the receiver turned away shows once it happens: requests without the token, odd
    // methods, requests too broken to parse, connections closed for dawdling or to make room.
    let turned = m.info().stats.snapshot();
    let dropped = turned.timed_out + turned.evicted;
    for (n, label) in [
        (
            turned.off_token,
            if compact { "no-token" } else { "off-token" },
        ),
        (
            turned.bad_method,
            if compact { "bad-method" } else { "bad method" },
        ),
        (turned.unparsable, "unparsable"),
        (
            dropped,
            match (compact, dropped) {
                (true, _) => "conn-drop",
                (false, 1) => "conn dropped",
                (false, _) => "conns dropped",
            },
        ),
    ] {
        if n > 0 {
            spans.push(sep());
            spans.push(Span::styled(
                format!("{} {label}", thousands(n)),
                theme::WARN,
            ));
        }
    }
    // Forwarding: how the bot is doing.
    if let Some(f) = &m.info().forward {
        use std::sync::atomic::Ordering::Relaxed;
        let s = &f.stats;
        let (ok, not_ok, failed, skipped) = (
            s.ok.load(Relaxed),
            s.not_ok.load(Relaxed),
            s.failed.load(Relaxed),
            s.not_forwarded.load(Relaxed),
        );
        spans.push(sep());
        spans.push(Span::styled(
            if f.proxy { "↪ proxy " } else { "↪ " },
            theme::TITLE,
        ));
        if !compact {
            spans.push(Span::raw(format!("{} ", fit(&f.url, 28))));
        }
        spans.push(Span::styled(format!("{} ok", thousands(ok)), theme::OK));
        for (n, label) in [(not_ok, "non-2xx"), (failed, "✗"), (skipped, "not sent")] {
            if n > 0 {
                spans.push(Span::styled(
                    format!(" {} {label}", thousands(n)),
                    theme::ERROR,
                ));
            }
        }
    }
    // The screen fell behind (a stalled terminal): what it still has to read back from the
    // capture, and what it could not show at all (no capture to read back from).
    let behind = m.info().backlog.behind();
    if behind > 0 {
        spans.push(sep());
        spans.push(Span::styled(
            format!("behind by {}", thousands(behind)),
            theme::WARN,
        ));
    }
    let (_, dropped) = m.info().backlog.counts();
    if dropped > 0 {
        spans.push(sep());
        spans.push(Span::styled(
            format!("{} not shown", thousands(dropped)),
            theme::ERROR,
        ));
    }
    // A capture file deleted or moved while running was reopened: say so where the path is
    // (requests recorded before are in the old file, not this one).
    let reopened = m.info().capture.as_ref().map_or(0, |c| c.generation());
    if !compact {
        spans.push(sep());
        match &m.info().capture {
            Some(c) if reopened > 0 => spans.push(Span::styled(
                format!(
                    "capture reopened{}: {}",
                    if reopened > 1 {
                        format!(" ×{reopened}")
                    } else {
                        String::new()
                    },
                    fit_path(&c.path().display().to_string(), 28)
                ),
                theme::WARN,
            )),
            Some(c) => spans.push(Span::raw(format!(
                "capture {}",
                fit_path(&c.path().display().to_string(), 28)
            ))),
            None => spans.push(Span::raw("no capture")),
        }
    } else if reopened > 0 {
        spans.push(sep());
        spans.push(Span::styled("capture reopened", theme::WARN));
    }
    spans.push(sep());
    spans.push(Span::raw(if m.follow() { "follow" } else { "paused" }));
    let used: usize = spans.iter().map(|s| width(&s.content)).sum();
    let total = area.width as usize;
    let hints = hint_spans(&keys::hints(m.focus().into()), total.saturating_sub(used));
    // The hints keep their room (`? help` at the least); the status before them is cut instead.
    let hints_w: usize = hints.iter().map(|s| width(&s.content)).sum();
    let left_w = used.min(total.saturating_sub(hints_w)) as u16;
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(theme::STATUS_BAR),
        Rect {
            width: left_w,
            ..area
        },
    );
    frame.render_widget(
        Paragraph::new(Line::from(hints)).style(theme::STATUS_BAR),
        Rect {
            x: area.x + left_w,
            width: area.width - left_w,
            ..area
        },
    );
}

/// The key hints in `room` columns: ` │ ? help q quit Tab next pane`. `? help` leads and always
/// shows (even past `room`); when the rest do not fit whole, the last ones lose their words
/// (`q quit` → `q`), then whole hints go from the end.
fn hint_spans(hints: &[(&'static str, &'static str)], room: usize) -> Vec<Span<'static>> {
    let sep = " │";
    // How wide the bar is with the first `full` hints whole and the rest as their keys alone.
    let width_with = |full: usize, keys: usize| -> usize {
        width(sep)
            + hints
                .iter()
                .take(keys)
                .enumerate()
                .map(|(i, (label, help))| {
                    1 + width(label) + if i < full { 1 + width(help) } else { 0 }
                })
                .sum::<usize>()
    };
    let n = hints.len();
    let (full, keys) = (1..=n)
        .rev()
        .map(|full| (full, n))
        .chain((1..n).rev().map(|keys| (1, keys)))
        .find(|&(full, keys)| width_with(full, keys) <= room)
        .unwrap_or((1, 1));
    let mut spans = vec![Span::styled(sep, theme::DIM)];
    for (i, (label, help)) in hints.iter().take(keys.min(n)).enumerate() {
        spans.push(Span::styled(format!(" {label}"), theme::KEY_HINT));
        if i < full {
            spans.push(Span::styled(format!(" {help}"), theme::STATUS_BAR));
        }
    }
    spans
}

/// Keeps the end of a long path: `…/captures/2026-11-21.jsonl`.
fn fit_path(p: &str, max: usize) -> String {
    if width(p) <= max {
        return p.to_owned();
    }
    let tail: String = p
        .chars()
        .rev()
        .take(max - 1)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    fit(&format!("…{tail}"), max)
}
