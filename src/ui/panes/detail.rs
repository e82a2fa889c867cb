//! The detail pane: the selected item's request as raw JSON (folding, search, copy), its
//! normalised events, its headers, or the message's tick timeline. Everything here comes from
//! display copies (see `App::sync_detail`).

use crate::envelope::Envelope;
use crate::model::Ack;
use crate::monitor::compare::{Comparison, DiffLine};
use crate::monitor::{DetailView, Focus, Monitor};
use crate::provider::Normalized;
use crate::store::message::Message;
use crate::store::message::{MAX_SEQS, MAX_TICKS};
use crate::store::Row;
use crate::ui::format::{clock, clock_ms, duration, plural, terminal_line, thousands};
use crate::ui::json_view::JsonView;
use crate::ui::theme;
use crate::ui::wrap::wrap;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// What the detail pane remembers between frames: the JSON viewer (folds, cursor, search hits,
/// scroll) built from the monitor's body, and the scroll of the other views.
#[derive(Default)]
pub struct DetailState {
    pub json: Option<JsonView>,
    /// The monitor's `body_version` the viewer was built from.
    built: Option<u64>,
    /// The search the viewer was given.
    query: String,
    /// Scroll of the non-JSON views, and what it scrolls (a new item or view starts at the top).
    pub scroll: usize,
    scroll_for: (DetailView, Option<u64>),
}

impl DetailState {
    /// Follows the monitor's detail: a new body gets a new viewer (from the tree the monitor
    /// parsed, taken over, not copied), a new search is given to the viewer.
    pub fn sync(&mut self, m: &mut Monitor) {
        if self.built != Some(m.detail().body_version) {
            let (version, body) = m.take_detail_body();
            self.built = Some(version);
            self.json = body.map(|b| {
                let j = JsonView::owned(b.bytes, b.nodes).with_redacted_text(b.redacted_text);
                match b.text_note {
                    Some(note) => j.as_text(note),
                    None => j,
                }
            });
            self.query.clear();
        }
        let d = m.detail();
        let query = m.search_query();
        if self.query != query {
            self.query = query.to_owned();
            if let Some(j) = &mut self.json {
                j.set_search(query);
            }
        }
        let key = (d.view, d.seq);
        if key != self.scroll_for {
            self.scroll_for = key;
            self.scroll = 0;
        }
    }

    /// Moves through the view shown: the JSON viewer's cursor, or the other views' scroll.
    pub fn move_by(&mut self, view: DetailView, delta: isize) {
        let delta = delta.clamp(-1_000_000, 1_000_000);
        match (&mut self.json, view) {
            (Some(j), DetailView::Raw) => j.move_by(delta),
            _ => self.scroll = (self.scroll as isize + delta).max(0) as usize,
        }
    }
}

pub fn render(
    frame: &mut Frame,
    area: Rect,
    mon: &Monitor,
    state: &mut DetailState,
    offset_s: i32,
) {
    let focused = mon.focus() == Focus::Detail;
    let env = mon.detail().shown.clone();
    let block = theme::pane_block(Span::styled(title(mon, state), theme::TITLE), focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(env) = env else {
        // A request is selected but its body is gone: it was dropped from memory and its
        // capture file was deleted or moved since (see `ui::raw`).
        let why = if mon.detail().seq.is_some() {
            " this request is no longer available: its capture file was deleted or moved"
        } else {
            " select a row to inspect it"
        };
        frame.render_widget(Paragraph::new(Line::styled(why, theme::DIM)), inner);
        return;
    };
    match mon.detail().view {
        DetailView::Raw => {
            if let Some(j) = &mut state.json {
                j.render(inner, frame.buffer_mut(), focused);
            }
        }
        DetailView::Diff => diff(frame, inner, mon, &mut state.scroll),
        view => {
            let lines = match view {
                DetailView::Event => event_lines(mon.detail().normalized.as_ref()),
                DetailView::Headers => header_lines(&env, offset_s),
                DetailView::Reply => reply_lines(mon, env.seq, offset_s),
                _ => tick_lines(mon, offset_s),
            };
            // Drawn as the terminal draws them (emoji sequences never shift cells), and wrapped:
            // a long header, a rejection's reason or a reply body is read whole.
            let rows: Vec<Line<'static>> = lines
                .into_iter()
                .flat_map(|l| {
                    // Continued under the line's own text (pretty JSON keeps its indent).
                    let lead = l.spans.first().map_or(0, |s| {
                        s.content.len() - s.content.trim_start_matches(' ').len()
                    });
                    wrap(terminal_line(l), inner.width as usize, lead + 2)
                })
                .collect();
            let max_scroll = rows.len().saturating_sub(inner.height as usize);
            state.scroll = state.scroll.min(max_scroll);
            let first = state.scroll;
            frame.render_widget(
                Paragraph::new(rows.into_iter().skip(first).collect::<Vec<_>>()),
                inner,
            );
        }
    }
}

fn title(mon: &Monitor, state: &DetailState) -> String {
    let name = match mon.detail().view {
        DetailView::Raw if mon.detail().is_form && mon.detail().form_bytes => {
            "form bytes (r: fields)"
        }
        DetailView::Raw if mon.detail().is_form => "form fields (r: bytes)",
        DetailView::Diff => return diff_title(mon),
        view => view.name(),
    };
    let mut t = format!(" {name}");
    // The request's own number comes first, where a narrow pane does not cut it: `[`/`]` step
    // through a row's requests and this says which one is shown.
    if let Some(seq) = mon.detail().seq {
        t.push_str(&format!(" #{seq}"));
        if let Some(row) = mon.detail().row {
            let total = mon.row_requests(row).len();
            if total > 1 {
                t.push_str(&format!(
                    " ({}/{total})",
                    mon.detail().request_index.min(total - 1) + 1
                ));
            }
        }
    }
    // The search's count next, before what a narrow pane cuts: a hit found is never "1/1"
    // and out of sight.
    if mon.detail().view == DetailView::Raw {
        if let Some((cur, total)) = state.json.as_ref().and_then(|j| j.search_status()) {
            // The count before the query: a long query is what a narrow title cuts.
            t.push_str(&format!(" · {cur}/{total} /{}", mon.search_query()));
        }
    }
    if let Some(n) = &mon.detail().normalized {
        t.push_str(&format!(" · {}", n.provider));
        let acc = n.events.first().and_then(|ev| ev.account.as_deref());
        if let Some(acc) = acc.filter(|_| mon.store().account_count() > 1) {
            t.push_str(&format!(" · {acc}"));
        }
        if let Some(ev) = n.events.first() {
            t.push_str(&format!(" · {}", ev.event));
        }
        if let Some(row) = mon.detail().row {
            let omitted = match row {
                Row::Message(i) => mon.store().message(i).seqs_omitted(),
                Row::Event(_) => 0,
            };
            if omitted > 0 {
                t.push_str(&format!(" (+{} not listed)", thousands(u64::from(omitted))));
            }
        }
    }
    t.push(' ');
    t
}

fn event_lines(n: Option<&Normalized>) -> Vec<Line<'static>> {
    let Some(n) = n else {
        return Vec::new();
    };
    let v = serde_json::json!({ "provider": n.provider, "events": n.events });
    serde_json::to_string_pretty(&v)
        .unwrap_or_default()
        .lines()
        .map(|l| Line::raw(l.to_owned()))
        .collect()
}

fn header_lines(env: &Envelope, offset_s: i32) -> Vec<Line<'static>> {
    let target = match &env.query {
        Some(q) => format!("{} {}?{}", env.method, env.path, q),
        None => format!("{} {}", env.method, env.path),
    };
    // The size is of the bytes received, compressed when a coding is named (the raw view
    // shows them decoded).
    let coding = env
        .header("content-encoding")
        .map(|c| format!(" ({c})"))
        .unwrap_or_default();
    let mut lines = vec![
        Line::styled(target, theme::TITLE),
        Line::raw(format!(
            "request #{} at {} from {}",
            env.seq,
            clock(env.received_at_ms, offset_s),
            env.remote.as_deref().unwrap_or("?")
        )),
        Line::from(vec![
            Span::raw("answered "),
            Span::styled(
                env.status.to_string(),
                if env.status < 300 {
                    theme::OK
                } else {
                    theme::ERROR
                },
            ),
            Span::raw(format!(
                " · body {}{coding}",
                plural(env.body.len() as u64, "byte", "bytes")
            )),
        ]),
    ];
    if let Some(note) = &env.note {
        // A `--reply` rule's note is a warning; anything else is why the request was rejected.
        let style = if env.rejection().is_some() {
            theme::ERROR
        } else {
            theme::WARN
        };
        lines.push(Line::styled(note.clone(), style));
    }
    lines.push(Line::raw(""));
    for (k, v) in &env.headers {
        lines.push(Line::from(vec![
            Span::styled(format!("{k}: "), theme::SENDER),
            // Display copies hold UTF-8 (see `display::envelope`): nothing is lost here.
            Span::raw(String::from_utf8_lossy(v).into_owned()),
        ]));
    }
    lines
}

/// The bot's answer to the request shown (display copies, see `ui::forwards`).
fn reply_lines(mon: &Monitor, seq: u64, offset_s: i32) -> Vec<Line<'static>> {
    let Some(r) = mon.forwards().get(seq) else {
        let why = match &mon.info().forward {
            None => " not forwarded: run wamon with --forward-to http://127.0.0.1:PORT to send \
                     webhooks on to your bot and see its answers here"
                .to_owned(),
            Some(_) => format!(" request #{seq}: no answer from the bot yet"),
        };
        return vec![Line::styled(why, theme::DIM)];
    };
    let mut lines = vec![Line::styled(
        format!(
            "↪ {}{}",
            r.to,
            if r.edited {
                " (sent with an edited body)"
            } else {
                ""
            }
        ),
        theme::TITLE,
    )];
    let when = clock(r.at_ms, offset_s);
    match r.status {
        Some(status) => lines.push(Line::from(vec![
            Span::raw("answered "),
            Span::styled(
                status.to_string(),
                if r.is_success() {
                    theme::OK
                } else {
                    theme::ERROR
                },
            ),
            Span::raw(format!(
                " in {} ms at {when} · body {}{}",
                r.ms.unwrap_or(0),
                plural(r.body.len() as u64, "byte", "bytes"),
                if r.truncated {
                    " (cut: more was sent)"
                } else {
                    ""
                }
            )),
        ])),
        None => lines.push(Line::styled(
            format!(
                "✗ {} at {when}: {}",
                r.failure.as_deref().unwrap_or("failed").replace('_', " "),
                r.error.as_deref().unwrap_or("")
            ),
            theme::ERROR,
        )),
    }
    lines.push(Line::raw(""));
    for (k, v) in &r.headers {
        lines.push(Line::from(vec![
            Span::styled(format!("{k}: "), theme::SENDER),
            Span::raw(String::from_utf8_lossy(v).into_owned()),
        ]));
    }
    if !r.body.is_empty() {
        lines.push(Line::raw(""));
        let text = String::from_utf8_lossy(&r.body);
        // JSON is shown indented; anything else as it came (already made safe to draw).
        let pretty = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok());
        let shown = pretty.as_deref().unwrap_or(&text);
        lines.extend(
            shown
                .lines()
                .map(|l| Line::raw(crate::display::clean(l).into_owned())),
        );
    } else if r.status.is_some() {
        lines.push(Line::styled(
            "(empty body, or dropped from memory: the capture file has it)",
            theme::DIM,
        ));
    }
    lines
}

fn tick_lines(mon: &Monitor, offset_s: i32) -> Vec<Line<'static>> {
    let msg = match mon.detail().row {
        Some(Row::Message(i)) => Some(mon.store().message(i)),
        Some(Row::Event(i)) => mon
            .store()
            .event(i)
            .message()
            .map(|m| mon.store().message(m)),
        None => None,
    };
    let Some(m) = msg else {
        return vec![Line::styled("this event belongs to no message", theme::DIM)];
    };
    let mut lines = vec![
        Line::styled(format!("message {}", m.id), theme::TITLE),
        Line::raw(format!(
            "chat {} · {}",
            mon.store().chats().get(mon.store().chats().root(m.chat)).id,
            if m.from_me { "sent by me" } else { "received" }
        )),
    ];
    let state = m.ack().map_or("no status yet", |a| a.as_str());
    lines.push(Line::raw(format!("state: {state}")));
    if let Some(err) = m.error() {
        lines.push(Line::styled(format!("error: {err}"), theme::ERROR));
    }
    // Why didn't my ack arrive: how long an outgoing message has waited for its delivery, by
    // the screen's clock (the one `is:stuck` reads).
    if let Some(since) = m.waiting_since() {
        let waited = mon.store().now_ms() - since;
        if mon.store().is_stuck(m) {
            lines.push(Line::styled(
                format!("⌛ stuck: no delivery {} after sending", duration(waited)),
                theme::WARN,
            ));
            lines.push(Line::styled(
                format!(
                    "  (is:stuck; --stuck-after {})",
                    duration(mon.store().stuck_after_ms())
                ),
                theme::DIM,
            ));
        } else if waited > 0 {
            lines.push(Line::styled(
                format!("no delivery yet, {} after sending", duration(waited)),
                theme::DIM,
            ));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("Tick timeline (arrival, +gap)", theme::TITLE));
    if m.ticks.is_empty() {
        lines.push(Line::styled("  no statuses received", theme::DIM));
    }
    let omitted = m.ticks_omitted();
    let mut prev_at: Option<i64> = None;
    for (i, t) in m.ticks.iter().enumerate() {
        if i == 1 && omitted > 0 {
            lines.push(Line::styled(
                format!(
                    "  … {} more statuses, not kept (the first and the latest {} are)",
                    thousands(u64::from(omitted)),
                    MAX_TICKS - 1
                ),
                theme::DIM,
            ));
            // The gap to the next one would span the statuses left out.
            prev_at = None;
        }
        let mut spans = vec![
            Span::styled(format!("  {} ", clock_ms(t.at_ms, offset_s)), theme::TIME),
            Span::raw(format!("#{:<5} ", t.seq)),
        ];
        match t.ack {
            Some(a) => {
                let (glyph, style) = theme::tick(a);
                spans.push(Span::styled(format!("{glyph:<4}"), style));
            }
            None => spans.push(Span::styled("?   ", theme::DIM)),
        }
        spans.push(Span::raw(t.label.to_string()));
        if let Some(prev) = prev_at {
            spans.push(Span::styled(
                format!("  {}{}", sign(t.at_ms - prev), duration(t.at_ms - prev)),
                theme::TIME,
            ));
        }
        prev_at = Some(t.at_ms);
        if let Some(p) = &t.participant {
            spans.push(Span::styled(format!(" · {p}"), theme::DIM));
        }
        if t.out_of_order {
            spans.push(Span::styled("  out of order: not applied", theme::WARN));
        }
        if t.repeated {
            spans.push(Span::styled("  repeated", theme::DIM));
        }
        if let Some(e) = &t.error {
            spans.push(Span::styled(format!("  {e}"), theme::ERROR));
        }
        lines.push(Line::from(spans));
        if let Some(said) = t.provider_ms {
            lines.push(Line::styled(
                provider_delay(said, t.at_ms, offset_s),
                theme::DIM,
            ));
        }
    }
    if let Some(gaps) = ack_gaps(m) {
        lines.push(Line::from(vec![
            Span::styled("  gaps: ", theme::DIM),
            Span::raw(gaps),
        ]));
    }
    if m.seqs_omitted() > 0 {
        lines.push(Line::styled(
            format!(
                "  requests: {} listed ([ ]), {} more not listed (the first and the latest {} are)",
                m.seqs.len(),
                thousands(u64::from(m.seqs_omitted())),
                MAX_SEQS - 1
            ),
            theme::DIM,
        ));
    }
    if !m.reactions().is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled("Reactions", theme::TITLE));
        for (who, emoji) in m.reactions() {
            lines.push(Line::raw(format!("  {emoji} {who}")));
        }
    }
    if m.is_edited() || m.deleted {
        lines.push(Line::raw(""));
        lines.push(Line::styled("History", theme::TITLE));
        for old in m.edits() {
            lines.push(Line::styled(format!("  was: {old}"), theme::DIM));
        }
        lines.push(Line::raw(format!(
            "  now: {}{}",
            m.text.as_deref().unwrap_or(""),
            if m.deleted { "  (deleted)" } else { "" }
        )));
    }
    if let Some(poll) = &m.poll {
        let t = poll.tally();
        lines.push(Line::raw(""));
        lines.push(Line::styled(format!("Poll · {}", t.question), theme::TITLE));
        for o in &t.options {
            let gap = 20usize.saturating_sub(crate::ui::format::width(&o.name));
            lines.push(Line::raw(format!(
                "  {}{} {}",
                o.name,
                " ".repeat(gap),
                o.votes
            )));
        }
        let (by_option, unknown) = poll.voter_lists();
        for (name, who) in by_option {
            let names: Vec<String> = who
                .iter()
                .map(|w| mon.store().chats().resolve(m.origin(), w).label())
                .collect();
            lines.push(Line::styled(
                format!("  {name}: {}", names.join(", ")),
                theme::DIM,
            ));
        }
        if !unknown.is_empty() {
            let names: Vec<String> = unknown.iter().map(|w| w.label()).collect();
            lines.push(Line::styled(
                format!("  voted, choice unreadable: {}", names.join(", ")),
                theme::WARN,
            ));
        }
    }
    if m.duplicates > 0 {
        lines.push(Line::styled(
            format!(
                "received {} times (duplicates not doubled)",
                m.duplicates + 1
            ),
            theme::WARN,
        ));
    }
    lines
}

/// `+` for a gap forward in time, `-` for one back (a status that arrived before the one
/// listed above it cannot, but clocks of loaded captures can disagree).
fn sign(ms: i64) -> &'static str {
    if ms < 0 {
        "-"
    } else {
        "+"
    }
}

/// `provider said 12:00:02, arrived +1.25 s later`: how long a status took from the
/// provider's own timestamp to wamon (whole seconds for most providers, so up to a second of
/// it is the provider's rounding).
fn provider_delay(said_ms: i64, at_ms: i64, offset_s: i32) -> String {
    let said = if said_ms % 1000 == 0 {
        clock(said_ms, offset_s)
    } else {
        clock_ms(said_ms, offset_s)
    };
    let d = at_ms - said_ms;
    if d >= 0 {
        format!("    provider said {said}, arrived +{} later", duration(d))
    } else {
        // Clocks that disagree (or a provider stamping when it queued the status later).
        format!("    provider said {said}, {} after it arrived", duration(d))
    }
}

/// `sent → delivered +1.2 s → read +3 s`: the first arrival of each state reached, in
/// delivery order, each with the gap from the one before (statuses applied, not the
/// out-of-order or repeated ones).
fn ack_gaps(m: &Message) -> Option<String> {
    let mut firsts: Vec<(Ack, i64)> = Vec::new();
    for t in &m.ticks {
        let Some(a) = t.ack.filter(|a| *a != Ack::Failed) else {
            continue;
        };
        if t.out_of_order || t.repeated || firsts.iter().any(|(b, _)| *b == a) {
            continue;
        }
        firsts.push((a, t.at_ms));
    }
    if firsts.len() < 2 {
        return None;
    }
    let mut out = firsts[0].0.as_str().to_owned();
    for w in firsts.windows(2) {
        let gap = w[1].1 - w[0].1;
        out.push_str(&format!(
            " → {} {}{}",
            w[1].0.as_str(),
            sign(gap),
            duration(gap)
        ));
    }
    Some(out)
}

/// ` diff #3 → #7 `: the marked request against the one shown.
fn diff_title(mon: &Monitor) -> String {
    match (mon.marked(), mon.detail().seq) {
        (Some(a), Some(b)) => format!(" diff #{a} → #{b} · v: raw JSON "),
        _ => " diff · v: raw JSON ".to_owned(),
    }
}

/// The diff view (`D`): only the lines in sight are built.
fn diff(frame: &mut Frame, area: Rect, mon: &Monitor, scroll: &mut usize) {
    let Some(c) = &mon.detail().compare else {
        let why = match mon.marked() {
            Some(a) if mon.detail().seq == Some(a) => {
                " this is the marked request: select another one to compare it with"
            }
            Some(_) => " a request compared is no longer available (dropped, capture moved)",
            None => " press m on a request, then D on another",
        };
        frame.render_widget(Paragraph::new(Line::styled(why, theme::DIM)), area);
        return;
    };
    let h = area.height as usize;
    *scroll = (*scroll).min(c.line_count().saturating_sub(h));
    frame.render_widget(Paragraph::new(diff_lines(c, *scroll, h)), area);
}

/// The diff's lines to draw, from `first`, at most `n` of them; each marked `-`/`+` as well as
/// coloured, so it reads without colour.
fn diff_lines(c: &Comparison, first: usize, n: usize) -> Vec<Line<'static>> {
    let mut out = vec![
        Line::from(vec![
            Span::styled("- ", theme::ERROR),
            Span::raw(format!("#{} (marked with m)", c.a)),
        ]),
        Line::from(vec![
            Span::styled("+ ", theme::OK),
            Span::raw(format!("#{} (selected)", c.b)),
        ]),
    ];
    if c.lines.is_empty() {
        out.push(Line::styled(
            "  the bodies are the same (keys compared in sorted order)",
            theme::DIM,
        ));
    } else {
        out.push(Line::styled(
            format!(
                "  {} line{} removed, {} added (keys sorted)",
                c.removed,
                if c.removed == 1 { "" } else { "s" },
                c.added
            ),
            theme::DIM,
        ));
    }
    out.extend(c.lines.iter().map(|l| match l {
        DiffLine::Same(t) => Line::raw(format!("  {t}")),
        DiffLine::Removed(t) => Line::styled(format!("- {t}"), theme::ERROR),
        DiffLine::Added(t) => Line::styled(format!("+ {t}"), theme::OK),
        DiffLine::Skipped(n) => Line::styled(
            format!("  ⋯ {n} unchanged line{}", if *n == 1 { "" } else { "s" }),
            theme::DIM,
        ),
    }));
    out.into_iter().skip(first).take(n).collect()
}
