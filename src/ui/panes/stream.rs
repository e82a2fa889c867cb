//! The stream: one row per message (ticks, reactions, edits, revokes and poll tallies update it
//! in place) or per event that belongs to no message; with the raw toggle, one row per event.
//!
//! With the raw toggle a status row starts with the status it carried (`✓✓ read · …`).
//!
//! A row whose request wamon answered with anything but 200 (a `--reply` rule, a rejection)
//! ends with that status: ` ⇐ 500`.
//!
//! Only the rows that fit are built: from the cursor backwards when following (newest at the
//! bottom), from the scroll offset forwards otherwise.

use crate::forward::ForwardRecord;
use crate::model::{Kind, Provider};
use crate::monitor::forwards::Forwards;
use crate::monitor::{Focus, Monitor, RowPos};
use crate::store::message::Message;
use crate::store::{EventRow, Row, Store};
use crate::ui::format::{clock, fit, pad, plural, width as text_width};
use crate::ui::theme;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Width of the sender column (narrower on narrow panes).
fn sender_width(pane: usize) -> usize {
    (pane / 7).clamp(6, 14)
}
/// Widest a poll bar gets.
const BAR_W: usize = 16;

/// What the stream remembers between frames.
#[derive(Debug, Default)]
pub struct StreamState {
    /// The first row drawn when not following, by its position in the view and the row it
    /// was: eviction drops rows from the view's front, and the row is found again below.
    top: Option<(usize, Row)>,
    /// Where each row was drawn: (top, bottom, position in the view), for mouse clicks.
    pub hits: Vec<(u16, u16, RowPos)>,
    /// Rows a page moves.
    pub page: usize,
}

impl StreamState {
    /// Where the row drawn first last frame is in the view now.
    fn top_position(&self, rows: &[Row]) -> usize {
        let Some((pos, row)) = self.top else {
            return 0;
        };
        // Rows only leave the view (eviction) or it is rebuilt: look back from where it was.
        let from = pos.min(rows.len().saturating_sub(1));
        (0..=from)
            .rev()
            .take(4096)
            .find(|&i| rows.get(i) == Some(&row))
            .unwrap_or(from)
    }
}

/// Draws the stream pane and records where each row landed (for mouse clicks).
pub fn render(frame: &mut Frame, area: Rect, m: &Monitor, state: &mut StreamState, offset_s: i32) {
    let focused = m.focus() == Focus::Stream;
    let block = theme::pane_block(Span::styled(title(m), theme::TITLE), focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    state.page = inner.height.saturating_sub(1).max(1) as usize;
    state.hits.clear();
    if m.view().rows.is_empty() {
        let msg = if m.store().counters().events == 0 {
            waiting_text(m)
        } else {
            vec![Line::styled("  nothing matches the filter", theme::DIM)]
        };
        // Wrapped: the URL and the warnings must be readable whole in a narrow pane.
        frame.render_widget(
            Paragraph::new(msg).wrap(ratatui::widgets::Wrap { trim: false }),
            inner,
        );
        return;
    }
    let width = inner.width as usize;
    let height = inner.height as usize;
    let build = |i: usize| row_lines(m.store(), m.forwards(), m.view().rows[i], width, offset_s);
    // Choose the first row so the cursor is visible.
    let cursor = m.stream_cursor().0.min(m.view().rows.len() - 1);
    let mut first = state.top_position(&m.view().rows).min(cursor);
    if m.follow() || !fits(&build, first, cursor, height) {
        first = cursor;
        let mut used = build(cursor).len();
        while first > 0 {
            let h = build(first - 1).len();
            if used + h > height {
                break;
            }
            used += h;
            first -= 1;
        }
    }
    state.top = Some((first, m.view().rows[first]));
    let mut lines: Vec<Line> = Vec::with_capacity(height);
    let mut i = first;
    while i < m.view().rows.len() && lines.len() < height {
        let mut row = build(i);
        let top = inner.y + lines.len() as u16;
        if i == cursor {
            let style = if focused {
                theme::SELECTED
            } else {
                theme::SELECTED_UNFOCUSED
            };
            for l in &mut row {
                l.style = l.style.patch(style);
            }
        }
        let n = row.len().min(height - lines.len());
        lines.extend(row.into_iter().take(n));
        state.hits.push((top, top + n as u16, RowPos(i)));
        i += 1;
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn fits(
    build: &impl Fn(usize) -> Vec<Line<'static>>,
    first: usize,
    cursor: usize,
    height: usize,
) -> bool {
    let mut used = 0;
    for i in first..=cursor {
        used += build(i).len();
        if used > height {
            return false;
        }
    }
    true
}

fn title(m: &Monitor) -> String {
    let scope = match m.chat() {
        // With several accounts the chat's is part of what it is.
        Some(c) => match m.store().account(m.store().chats().get(c).account) {
            Some(acc) if m.store().account_count() > 1 => {
                format!("{} · {acc}", m.store().chats().title(c))
            }
            _ => m.store().chats().title(c),
        },
        None => "all chats".to_owned(),
    };
    let mut t = format!(" Stream · {scope}");
    if let Some((done, total)) = m.filtering_progress() {
        // A rebuild in slices: what is shown so far, and how far it got.
        let pct = (done as f64 / total.max(1) as f64 * 100.0).floor();
        t.push_str(&format!(" · filtering {pct:.0}%"));
    }
    if m.raw_events() {
        t.push_str(" · raw events");
    }
    if !m.filter().is_empty() {
        t.push_str(&format!(
            " · {}",
            plural(m.view().rows.len() as u64, "match", "matches")
        ));
    }
    if m.follow() {
        t.push_str(" · follow ");
    } else if m.new_while_paused() > 0 {
        t.push_str(&format!(" · paused · {} new ", m.new_while_paused()));
    } else {
        t.push_str(" · paused ");
    }
    t
}

fn waiting_text(m: &Monitor) -> Vec<Line<'static>> {
    let addr = m.info().listen;
    let url = m.info().webhook_url();
    let dim = |s: String| Line::styled(s, theme::DIM);
    let mut lines = vec![
        Line::raw(""),
        // The URL on a line of its own: it is what varies, and what is copied.
        Line::styled("  Waiting for webhooks on", theme::TITLE),
        Line::styled(format!("    {url}"), theme::TITLE),
        Line::raw(""),
    ];
    if m.info().exposed_without_token() {
        for warning in [
            format!("  Warning: {addr} is reachable beyond this machine and has no --token:"),
            "  anyone who finds the port can post to it. Restart with --token <secret>.".into(),
        ] {
            lines.push(Line::styled(warning, theme::ERROR));
        }
        lines.push(Line::raw(""));
    }
    lines.push(dim("  Point your provider or tunnel at it, e.g.".into()));
    lines.push(dim(format!("    cloudflared tunnel --url http://{addr}")));
    match &m.info().token {
        Some(t) => {
            lines.push(dim("    then give your provider".into()));
            lines.push(dim(format!("      https://<your-tunnel>/{t}/")));
        }
        None => lines.push(dim("    (add --token <secret> before exposing it)".into())),
    }
    // A test request to the running receiver: its URL on one line, the body on the next, so
    // each fits a narrow pane whole.
    lines.push(Line::raw(""));
    lines.push(dim("  Or send one yourself:".into()));
    lines.push(dim(format!("  curl {url} \\")));
    lines.push(dim(
        "    -d '{\"event\":\"message\",\"session\":\"s\",\"payload\":{}}'".into(),
    ));
    lines.push(Line::raw(""));
    lines.push(dim(
        "  For sample traffic: quit, then run  wamon --demo".into()
    ));
    lines
}

/// The lines of one row (at least one).
pub fn row_lines(
    store: &Store,
    forwards: &Forwards,
    row: Row,
    width: usize,
    offset_s: i32,
) -> Vec<Line<'static>> {
    // What the bot answered to the request that brought the row (a message's first).
    let seq = match row {
        Row::Message(i) => store.message(i).seqs.first().copied(),
        Row::Event(i) => Some(store.event(i).seq),
    };
    let forwarded = seq.and_then(|s| forwards.get(s)).map(|r| forward_marker(r));
    match row {
        Row::Message(i) => message_lines(store, store.message(i), forwarded, width, offset_s),
        Row::Event(i) => vec![event_line(
            store,
            store.event(i),
            forwarded,
            width,
            offset_s,
        )],
    }
}

/// ` ↪ 201 · 12 ms`, ` ↪ ✗ refused`: the bot's answer at the end of a row.
fn forward_marker(r: &ForwardRecord) -> Span<'static> {
    let style = if r.is_success() {
        theme::DIM
    } else {
        theme::ERROR
    };
    Span::styled(format!(" ↪ {}", r.summary()), style)
}

/// Widest account name a stream row shows (cut with `…`).
const ACCOUNT_WIDTH: usize = 10;

/// Time and provider, and the account (`account` index into the store) when the store has seen
/// more than one: with one account it says nothing.
fn head(
    store: &Store,
    at_ms: i64,
    provider: Provider,
    account: u16,
    offset_s: i32,
) -> Vec<Span<'static>> {
    let mut spans = vec![
        Span::styled(clock(at_ms, offset_s), theme::TIME),
        Span::raw(" "),
        Span::styled(
            format!("{:<5}", theme::provider_short(provider)),
            theme::provider(provider),
        ),
        Span::raw(" "),
    ];
    if store.account_count() > 1 {
        let name = pad(store.account(account).unwrap_or("-"), ACCOUNT_WIDTH);
        spans.push(Span::styled(format!("{name} "), theme::DIM));
    }
    spans
}

fn message_lines(
    store: &Store,
    m: &Message,
    forwarded: Option<Span<'static>>,
    width: usize,
    offset_s: i32,
) -> Vec<Line<'static>> {
    let mut spans = head(store, m.first_at_ms, m.provider, m.account, offset_s);
    let sender = if m.from_me {
        "me".to_owned()
    } else {
        // The name the chat list knows them by (see `Store::sender_name`), else their own
        // chat's, else their number.
        let own_chat = || {
            let s = m.sender.as_ref()?;
            let c = store.chats().index_in(m.origin(), s)?;
            store.chats().name(c).map(str::to_owned)
        };
        store
            .sender_name(m)
            .map(str::to_owned)
            .or_else(own_chat)
            .or_else(|| m.sender.as_ref().map(|s| s.label()))
            .unwrap_or_else(|| store.chats().title(m.chat))
    };
    let sender_style = if m.from_me { theme::ME } else { theme::SENDER };
    let sw = sender_width(width);
    spans.push(Span::styled(pad(&sender, sw), sender_style));
    spans.push(Span::raw(" "));
    spans.push(Span::raw(format!("{} ", theme::type_icon(m.msg_type))));

    // Right-hand markers: edited, deleted, duplicates, out-of-order, ticks.
    let mut right: Vec<Span<'static>> = Vec::new();
    if m.is_edited() {
        right.push(Span::styled(" edited", theme::DIM));
    }
    if m.deleted {
        right.push(Span::styled(" deleted", theme::ERROR));
    }
    if m.duplicates > 0 {
        right.push(Span::styled(format!(" ×{}", m.duplicates + 1), theme::WARN));
    }
    let ooo = m.out_of_order_count();
    if ooo > 0 {
        right.push(Span::styled(format!(" ↯{ooo}"), theme::WARN));
    }
    if let Some(status) = m.answered() {
        right.push(answered(status));
    }
    if m.from_me && store.is_stuck(m) {
        // Sent, and still no delivery `--stuck-after` later (`is:stuck`).
        right.push(Span::styled(" ⌛", theme::WARN));
    }
    if m.from_me {
        if let Some(ack) = m.ack() {
            let (glyph, style) = theme::tick(ack);
            right.push(Span::raw(" "));
            right.push(Span::styled(glyph, style));
        }
    }
    right.extend(forwarded);
    let used: usize = spans.iter().map(|s| width_of(s)).sum();
    let right_w: usize = right.iter().map(|s| width_of(s)).sum();
    let text_w = width.saturating_sub(used + right_w + 1);
    let text = if m.placeholder && m.text.is_none() {
        "(not seen: only its statuses arrived)".into()
    } else {
        m.summary()
    };
    let text = fit(&text, text_w);
    let text_style = if m.deleted {
        theme::DELETED
    } else if m.placeholder {
        theme::DIM
    } else {
        Style::default()
    };
    let gap = text_w.saturating_sub(text_width(&text));
    spans.push(Span::styled(text, text_style));
    spans.push(Span::raw(" ".repeat(gap + 1)));
    spans.extend(right);
    let mut lines = vec![Line::from(spans)];

    let indent = " ".repeat(15);
    let counts = m.reaction_counts();
    if !counts.is_empty() {
        let mut s = vec![Span::raw(indent.clone())];
        for (emoji, n) in counts {
            s.push(Span::raw(format!("{} {n}  ", fit(&emoji, 8))));
        }
        lines.push(Line::from(s));
    }
    if let Some(poll) = &m.poll {
        let tally = poll.tally();
        let max = tally
            .options
            .iter()
            .map(|o| o.votes)
            .max()
            .unwrap_or(0)
            .max(1);
        let name_w = tally
            .options
            .iter()
            .map(|o| text_width(&o.name))
            .max()
            .unwrap_or(0)
            .min(24);
        for o in &tally.options {
            let bar = (o.votes * BAR_W).div_ceil(max);
            lines.push(Line::from(vec![
                Span::raw(indent.clone()),
                Span::raw(format!("{} ", pad(&o.name, name_w))),
                Span::styled("█".repeat(bar), theme::BAR),
                Span::styled("░".repeat(BAR_W - bar.min(BAR_W)), theme::DIM),
                Span::styled(
                    format!(" {}", o.votes),
                    Style::new().add_modifier(Modifier::BOLD),
                ),
            ]));
        }
        let mut foot = format!(
            "{} voter{}",
            tally.voters,
            if tally.voters == 1 { "" } else { "s" }
        );
        if tally.unknown_votes > 0 {
            foot.push_str(&format!(
                " · {} unknown (could not be read)",
                tally.unknown_votes
            ));
        }
        if tally.multi {
            foot.push_str(" · multiple choice");
        }
        lines.push(Line::from(vec![
            Span::raw(indent),
            Span::styled(foot, theme::DIM),
        ]));
    }
    lines
}

/// What wamon answered a request when it was not 200 (a `--reply` rule, a rejection):
/// ` ⇐ 500`, red for 4xx and 5xx.
fn answered(status: u16) -> Span<'static> {
    let style = if status >= 400 {
        theme::ERROR
    } else {
        theme::WARN
    };
    Span::styled(format!(" ⇐ {status}"), style)
}

fn width_of(s: &Span) -> usize {
    text_width(&s.content)
}

fn event_line(
    store: &Store,
    e: &EventRow,
    forwarded: Option<Span<'static>>,
    width: usize,
    offset_s: i32,
) -> Line<'static> {
    let mut spans = head(store, e.received_at_ms, e.provider, e.account(), offset_s);
    let kind_style = match e.kind {
        Kind::Malformed | Kind::Rejected => theme::ERROR,
        Kind::Unknown => theme::WARN,
        Kind::Presence => theme::DIM,
        Kind::Session => theme::OK,
        _ => Style::default(),
    };
    let sw = sender_width(width);
    spans.push(Span::styled(
        pad(&format!("[{}]", e.kind.as_str()), sw),
        kind_style,
    ));
    spans.push(Span::raw(" "));
    // A status row says which status it carried: `✓✓ read · message.ack · …`.
    if let (Kind::Status, Some(ack)) = (e.kind, e.status) {
        let (glyph, style) = theme::tick(ack);
        spans.push(Span::styled(glyph, style));
        spans.push(Span::styled(format!(" {} · ", ack.as_str()), style));
    }
    let mut text = e.event.to_string();
    if let Some(c) = e.chat() {
        text.push_str(&format!(" · {}", store.chats().title(c)));
    }
    if let Some(m) = e.message() {
        let msg = store.message(m);
        let sep = if e.kind == Kind::Message {
            " · "
        } else {
            " → "
        };
        text.push_str(sep);
        text.push_str(&fit(&msg.summary(), width));
    }
    if let Some(t) = e.text() {
        text.push_str(&format!(" · {t}"));
    }
    if let Some(err) = e.error() {
        text.push_str(&format!(" · {err}"));
    }
    let mut flags = String::new();
    if e.duplicate() {
        flags.push_str(" dup");
    }
    if e.out_of_order() {
        flags.push_str(" ↯");
    }
    if e.parked() {
        flags.push_str(" parked");
    }
    let answer = (e.answered != 200).then(|| answered(e.answered));
    let used: usize = spans.iter().chain(&answer).map(width_of).sum();
    let forwarded_w = forwarded.as_ref().map_or(0, width_of);
    let text_w = width.saturating_sub(used + text_width(&flags) + forwarded_w + 1);
    spans.push(Span::styled(
        fit(&text, text_w),
        if e.error().is_some() {
            theme::ERROR
        } else {
            Style::default()
        },
    ));
    if !flags.is_empty() {
        spans.push(Span::styled(flags, theme::WARN));
    }
    spans.extend(answer);
    spans.extend(forwarded);
    Line::from(spans)
}
