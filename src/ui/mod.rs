//! The live screen: chats, stream, detail and status panes over a running receiver.
//!
//! Edge module: the only one that talks to the terminal. It shows a [`crate::monitor::Monitor`]
//! (what wamon knows and the user chose, with no terminal in it) and keeps only what its widgets
//! remember between frames ([`screen::Screen`]):
//!
//! ```text
//!   terminal events ──► App::on_key / on_paste / on_mouse ──► Action ──► Monitor::act
//!   received requests ─────────────────────────────────────────────────► Monitor::apply
//!   the clock ─────────────────────────────────────────────────────────► Monitor::tick
//!                              Screen::sync (widgets follow the monitor: input line, JSON viewer)
//!   a frame:  Screen::draw(&Monitor) ──► each pane: render(frame, area, &Monitor, &mut its state)
//!             ──► guard (no cell leaves with a character a terminal would act on)
//! ```
//!
//! - [`app`]: the pair the loop drives; turns keys (through the one key table, [`keys`]),
//!   clicks and pastes into the monitor's actions, and carries out the few that move only a
//!   widget (the JSON viewer's cursor and folds, the help overlay's scroll, a repaint).
//! - [`screen`]: widget state, and the frame: where each pane goes ([`layout`]) and which
//!   pane draws there.
//! - [`panes`]: one module per region, each with its state (if any) and a `render` that reads
//!   the monitor and writes only that state: no I/O, no parsing, no model changes.
//! - the event loop ([`event_loop`]): generic over where it draws and where events come from
//!   ([`Console`], [`TermEvents`]), so tests run it whole on a `TestBackend`.
//!
//! Request data on screen is made safe in one place, where it enters the monitor (the intake,
//! see `crate::monitor`), and every frame passes through [`guard`] last, for what did not come
//! through there (text typed into the filter bar, a file name).
//!
//! **Adding a pane** touches three files:
//! 1. `panes/<name>.rs` (and its `pub mod` line in `panes/mod.rs`): its state struct, if it
//!    remembers anything between frames, and `render(frame, area, &Monitor, &mut State)`;
//! 2. [`layout`]: where it goes at each terminal width (`Areas` gets a field);
//! 3. [`screen`]: a field for its state in `Screen`, and its `render` call in `Screen::draw`.
//!
//! If it takes keys of its own, add them to the table in [`keys`] (its scope, and the
//! `Command`s it binds) and say in `App::command` what each does: the help overlay and the
//! status-bar hints follow from the table. Whatever it shows must be in the monitor; a new kind
//! of fact is added there, with an [`crate::monitor::Action`] if the user changes it.
//!
//! The loop `select!`s, biased in this order, over terminal events (drawn at once, so keys never
//! wait behind traffic), ingest batches (applied, then drawn at the next frame tick, at most
//! `--fps` per second and only when something changed; under traffic that never drains, the
//! ingest branch draws itself when a frame is due, see [`pacer`]), the next slice of a view
//! rebuild, and a one-second tick that only redraws while a time label is ticking. Idle means
//! no work at all.

pub mod app;
pub mod filter_input;
pub mod format;
pub mod json_view;
pub mod keys;
pub mod layout;
pub mod pacer;
pub mod panes;
pub mod panic;
pub mod screen;
pub mod theme;
pub mod wrap;

use crate::cli::RunArgs;
use crate::feed::Feed;
use crate::forward::resend::Resender;
use crate::ingest::Item;
use crate::monitor::{Focus, Mode};
use crate::receiver::now_ms;
use crate::run_info::RunInfo;
pub use app::App;
use color_eyre::eyre::Result;
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    Event as TermEvent, EventStream, KeyEventKind, MouseEventKind,
};
use futures_util::StreamExt;
use ratatui::buffer::Buffer;
use ratatui::Frame;
use std::io::Write;
use std::time::Duration;
use tokio::sync::watch;

/// Draws one frame of `app` at time `now_ms`, then passes it through the last [`guard`].
pub fn draw(frame: &mut Frame, app: &mut App, now_ms: i64) {
    draw_unguarded(frame, app, now_ms);
    let m = &app.monitor;
    if app.screen.no_color {
        let areas = &app.screen.areas;
        let focused = match m.focus() {
            Focus::Chats => areas.chats,
            Focus::Stream => areas.stream,
            Focus::Detail => areas.detail,
        };
        // The filter bar, while typing in it, is the focus.
        let typing = matches!(m.mode(), Mode::Filter | Mode::Search | Mode::Prompt);
        theme::monochrome(frame.buffer_mut(), if typing { None } else { focused });
    }
    mend_wide_cells(frame.buffer_mut());
    guard(frame.buffer_mut());
}

/// Blanks every wide character whose right half something else was drawn over (an overlay's
/// border, the edge of a popup): a terminal would draw it whole, over that border, and ratatui,
/// taking the covered cell for the hidden half, would never draw the border itself.
pub fn mend_wide_cells(buf: &mut Buffer) {
    use unicode_width::UnicodeWidthStr;
    let w = buf.area.width as usize;
    for row in buf.content.chunks_mut(w.max(1)) {
        for x in 0..row.len().saturating_sub(1) {
            let sym = row[x].symbol();
            if sym.len() == 1 || sym.width() < 2 {
                continue;
            }
            // Drawing a wide character leaves a blank in the cell it hides.
            if !row[x + 1].symbol().starts_with(' ') {
                row[x].set_symbol(" ");
            }
        }
    }
}

/// Draws one frame without the last guard. Request data must already be safe here, having come
/// through the intake: the tests check that with this.
pub fn draw_unguarded(frame: &mut Frame, app: &mut App, now_ms: i64) {
    app.screen.draw(frame, &app.monitor, now_ms);
}

/// The last guard on every frame: no cell leaves with a character a terminal would act on.
/// Request data is sanitised where it enters the model (see `app`); this catches what does not
/// come through there (text typed or pasted into the filter bar, a file name) and anything a
/// future pane forgets. A byte scan of each cell's symbol.
pub fn guard(buf: &mut Buffer) {
    for cell in &mut buf.content {
        let sym = cell.symbol();
        // Most cells hold one printable ASCII byte (a space, more often than not).
        if matches!(sym.as_bytes(), [0x20..=0x7e]) {
            continue;
        }
        if let Some(safe) = crate::display::sanitize::cell_symbol(sym) {
            cell.set_symbol(&safe);
        }
    }
}

/// Runs the screen until the user quits or `stop` turns true.
pub async fn run(
    feed: Feed,
    info: RunInfo,
    args: &RunArgs,
    stop: watch::Receiver<bool>,
    resender: Option<Resender>,
) -> Result<()> {
    let mouse = !args.no_mouse;
    let terminal = ratatui::init();
    // ratatui::init installed its own hook (raw mode, alternate screen); ours runs first and
    // keeps it to the screen's thread.
    panic::install(move || restore_terminal(mouse));
    take_terminal_modes(mouse);
    let mut app = App::new(info);
    let mut console = Tty { terminal, mouse };
    let result = event_loop(
        &mut console,
        TtyEvents(Some(EventStream::new())),
        &mut app,
        Loop {
            feed,
            stop,
            fps: args.fps,
            resender,
        },
    )
    .await;
    restore_terminal(mouse);
    result
}

/// Bracketed paste, and the mouse unless `--no-mouse`.
fn take_terminal_modes(mouse: bool) {
    let mut out = std::io::stdout();
    let _ = crossterm::execute!(out, EnableBracketedPaste);
    if mouse {
        let _ = crossterm::execute!(out, EnableMouseCapture);
    }
}

/// Gives the terminal back: ratatui's restore (raw mode, alternate screen) plus mouse capture
/// and paste mode, or the shell is left receiving escape codes. The screen is cleared first: a
/// terminal without an alternate screen (tmux with `alternate-screen off`, some serial consoles)
/// would otherwise keep the last frame, borders and all, under the shell prompt.
fn restore_terminal(mouse: bool) {
    let mut out = std::io::stdout();
    let _ = crossterm::execute!(
        out,
        crossterm::terminal::Clear(crossterm::terminal::ClearType::All),
        crossterm::cursor::MoveTo(0, 0)
    );
    if mouse {
        let _ = crossterm::execute!(out, DisableMouseCapture);
    }
    let _ = crossterm::execute!(out, DisableBracketedPaste);
    ratatui::restore();
}

/// Where the event loop draws, and what it asks of the world outside the screen: the real
/// terminal (`Tty`), or a test's `TestBackend` that records what would have been written.
pub trait Console {
    type Backend: ratatui::backend::Backend;
    fn terminal(&mut self) -> &mut ratatui::Terminal<Self::Backend>;
    /// Writes bytes straight to the terminal, past the frame (OSC 52 clipboard writes).
    fn write_raw(&mut self, bytes: &str);
    /// Brackets a frame (`true` before, `false` after) so that a terminal that knows
    /// synchronized output shows it whole, never half drawn; others ignore it.
    fn synchronized(&mut self, _on: bool) {}
    /// Opens `env`'s body in an editor and hands back what the file holds after, or why there
    /// is nothing to send. The loop has stopped reading terminal events meanwhile.
    fn edit(&mut self, env: &crate::envelope::Envelope) -> Result<Vec<u8>, String>;
}

/// Where terminal events come from: the terminal's reader, which lets go of the terminal
/// while an editor has it, or a test's list of events.
pub trait TermEvents: futures_util::Stream<Item = std::io::Result<TermEvent>> + Unpin {
    /// Stops reading the terminal (an editor is about to read it).
    fn pause(&mut self) {}
    /// Reads it again.
    fn resume(&mut self) {}
}

/// The real terminal.
struct Tty {
    terminal: ratatui::DefaultTerminal,
    mouse: bool,
}

/// The real terminal's events; none while paused.
struct TtyEvents(Option<EventStream>);

impl futures_util::Stream for TtyEvents {
    type Item = std::io::Result<TermEvent>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        match &mut self.0 {
            Some(s) => s.poll_next_unpin(cx),
            None => std::task::Poll::Pending,
        }
    }
}

impl TermEvents for TtyEvents {
    fn pause(&mut self) {
        // The editor reads the terminal alone: no event reader may take its keys.
        self.0 = None;
    }
    fn resume(&mut self) {
        self.0 = Some(EventStream::new());
    }
}

impl Console for Tty {
    type Backend = ratatui::backend::CrosstermBackend<std::io::Stdout>;
    fn terminal(&mut self) -> &mut ratatui::DefaultTerminal {
        &mut self.terminal
    }
    fn write_raw(&mut self, bytes: &str) {
        let mut out = std::io::stdout();
        let _ = out.write_all(bytes.as_bytes());
        let _ = out.flush();
    }
    fn synchronized(&mut self, on: bool) {
        use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
        let mut out = std::io::stdout();
        let _ = if on {
            crossterm::execute!(out, BeginSynchronizedUpdate)
        } else {
            crossterm::execute!(out, EndSynchronizedUpdate)
        };
    }
    fn edit(&mut self, env: &crate::envelope::Envelope) -> Result<Vec<u8>, String> {
        edit_in_editor(&mut self.terminal, env, self.mouse)
    }
}

/// What the event loop runs with besides the console and the app.
pub struct Loop {
    pub feed: Feed,
    pub stop: watch::Receiver<bool>,
    pub fps: u16,
    /// Carries out the screen's sends (none in tests).
    pub resender: Option<Resender>,
}

/// Draws a frame, first clearing the terminal when asked to repaint it whole (Ctrl-L, a
/// resize), so nothing a resize reflowed or another program wrote stays behind; then writes
/// the clipboard copies queued.
fn draw_frame<C: Console>(console: &mut C, app: &mut App) -> Result<()> {
    if std::mem::take(&mut app.screen.repaint) {
        console.terminal().clear()?;
    }
    console.synchronized(true);
    let drawn = console
        .terminal()
        .draw(|f| draw(f, app, now_ms()))
        .map(|_| ());
    console.synchronized(false);
    drawn?;
    for s in std::mem::take(&mut app.screen.pending_osc) {
        console.write_raw(&s);
    }
    Ok(())
}

/// The screen's loop: terminal events, received requests, view rebuilds and the clock, until
/// the user quits, `stop` turns true or the events end. Generic over where it draws and where
/// events come from, so that tests run it on a `TestBackend` with a list of events.
pub async fn event_loop<C: Console, E: TermEvents>(
    console: &mut C,
    mut events: E,
    app: &mut App,
    lp: Loop,
) -> Result<()> {
    let Loop {
        mut feed,
        mut stop,
        fps,
        resender,
    } = lp;
    let mut pacer = pacer::FramePacer::new(fps);
    let mut frame_tick = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(fps)));
    frame_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut second_tick = tokio::time::interval(Duration::from_secs(1));
    second_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut batch: Vec<Item> = Vec::with_capacity(1024);
    let mut dirty = true;
    let mut rx_open = true;
    let mut last_label = String::new();
    let mut last_stuck = 0;
    let info = app.monitor.info().clone();
    let mut last_turned_away = (
        info.stats.snapshot(),
        info.backlog.behind(),
        info.backlog.counts(),
    );
    draw_frame(console, app)?;
    pacer.drawn(std::time::Instant::now());
    while !app.monitor.should_quit() {
        tokio::select! {
            biased;
            ev = events.next() => {
                match ev {
                    Some(Ok(ev)) => {
                        if handle_term_event(app, ev) {
                            draw_frame(console, app)?;
                            pacer.drawn(std::time::Instant::now());
                            dirty = false;
                        }
                    }
                    Some(Err(e)) => tracing::warn!("terminal event error: {e}"),
                    None => break,
                }
            }
            _ = stop.changed() => break,
            n = feed.recv_many(&mut batch, 1024), if rx_open => {
                if n == 0 {
                    rx_open = false;
                } else {
                    app.apply(&mut batch, now_ms());
                    dirty = true;
                    // Traffic that never drains keeps this branch ready on every turn, and the
                    // biased select would never reach the frame tick: draw from here when due.
                    if pacer.due(std::time::Instant::now()) {
                        draw_frame(console, app)?;
                        pacer.drawn(std::time::Instant::now());
                        dirty = false;
                    }
                }
            }
            // A view rebuild over a long history, one slice per turn: keys and ingest above
            // come first, and the rows found so far are drawn when a frame is due.
            () = std::future::ready(()), if app.monitor.filtering_progress().is_some() => {
                app.continue_filtering();
                dirty = true;
                if pacer.due(std::time::Instant::now()) {
                    draw_frame(console, app)?;
                    pacer.drawn(std::time::Instant::now());
                    dirty = false;
                }
            }
            _ = frame_tick.tick(), if dirty => {
                draw_frame(console, app)?;
                pacer.drawn(std::time::Instant::now());
                dirty = false;
            }
            _ = second_tick.tick() => {
                // Redraw only when a time label would change.
                let now = now_ms();
                let m = &app.monitor;
                let label = format!("{}{}", format::ago(now - m.store().last_received_ms()), m.rate(now));
                if m.store().last_received_ms() > 0 && label != last_label {
                    last_label = label;
                    dirty = true;
                }
                if m.toast().is_some() {
                    dirty = true;
                }
                // A view left stale by the last batch (at most one rebuild a second), or by
                // the clock (`is:stuck`).
                if app.tick(now) {
                    dirty = true;
                }
                // A row on screen may have just waited too long for its delivery (`⌛`).
                let stuck = app.monitor.stuck_among(app.screen.stream.hits.iter().map(|h| h.2));
                if stuck != last_stuck {
                    last_stuck = stuck;
                    dirty = true;
                }
                // Requests the receiver turned away never reach the store: poll their counters.
                let turned_away = (info.stats.snapshot(), info.backlog.behind(), info.backlog.counts());
                if turned_away != last_turned_away {
                    last_turned_away = turned_away;
                    dirty = true;
                }
            }
        }
        if let Some(r) = &resender {
            for req in app.monitor.take_outbox() {
                r.send(req);
            }
        }
        if let Some(env) = app.monitor.take_edit_request() {
            events.pause();
            let now = now_ms();
            let result = console.edit(&env);
            app.monitor.edited(&env, result, now);
            events.resume();
            app.screen.sync(&mut app.monitor);
            if let Some(r) = &resender {
                for req in app.monitor.take_outbox() {
                    r.send(req);
                }
            }
            app.screen.repaint = true;
            draw_frame(console, app)?;
            pacer.drawn(std::time::Instant::now());
        }
    }
    Ok(())
}

/// Opens `env`'s body in `$VISUAL` / `$EDITOR` (else `vi`) on a private temporary file, with the
/// terminal given back meanwhile, and returns what the file holds after.
/// Webhooks arriving while the editor is open wait in the capture (the receiver never waits
/// for the screen).
fn edit_in_editor(
    terminal: &mut ratatui::DefaultTerminal,
    env: &crate::envelope::Envelope,
    mouse: bool,
) -> Result<Vec<u8>, String> {
    let dir = std::env::temp_dir().join(format!("wamon-edit-{}", std::process::id()));
    let path = dir.join(format!("request-{}.json", env.seq));
    crate::private_files::create(&path, true)
        .and_then(|mut f| f.write_all(&env.body))
        .map_err(|e| format!("cannot write a file to edit: {e}"))?;
    let editor = std::env::var("VISUAL")
        .ok()
        .filter(|e| !e.trim().is_empty())
        .or_else(|| {
            std::env::var("EDITOR")
                .ok()
                .filter(|e| !e.trim().is_empty())
        })
        .unwrap_or_else(|| "vi".to_owned());
    restore_terminal(mouse);
    // The editor line may carry arguments (`code --wait`): run it through the shell, with the
    // file as its last argument (quoted by the shell, never interpolated).
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("wamon-editor")
        .arg(&path)
        .status();
    *terminal = ratatui::init();
    take_terminal_modes(mouse);
    let result = match status {
        Ok(s) if s.success() => match std::fs::read(&path) {
            Ok(body) => Ok(body),
            Err(e) => Err(format!("cannot read the edited file: {e}")),
        },
        Ok(s) => Err(format!("{editor} exited with {s}: nothing sent")),
        Err(e) => Err(format!("cannot run {editor}: {e}")),
    };
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_dir(&dir);
    result
}

/// Applies a terminal event; true when the screen should be redrawn now.
fn handle_term_event(app: &mut App, ev: TermEvent) -> bool {
    match ev {
        TermEvent::Key(key) if key.kind == KeyEventKind::Press => {
            app.on_key(key, now_ms());
            true
        }
        TermEvent::Paste(text) => {
            app.on_paste(&text);
            true
        }
        TermEvent::Mouse(m) => match m.kind {
            MouseEventKind::Down(_) | MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                app.on_mouse(m.kind, m.column, m.row, now_ms());
                true
            }
            _ => false,
        },
        TermEvent::Resize(..) => {
            app.screen.repaint = true;
            true
        }
        _ => false,
    }
}
