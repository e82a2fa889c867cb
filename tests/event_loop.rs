//! The screen's event loop, run whole on a `TestBackend`: requests arrive through a real
//! [`Feed`], terminal events come from a list the test sends, and the console records what
//! would have reached the terminal (frames, OSC 52 copies) and plays the editor.

mod common;

use common::demo_bodies;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::sync::{mpsc, watch};
use wamon::envelope::Envelope;
use wamon::feed::Feed;
use wamon::ingest::Item;
use wamon::monitor::Mode;
use wamon::ui::{event_loop, App, Console, Loop, TermEvents};

/// A terminal that is a `TestBackend`; an "editor" that appends to the body.
struct Scripted {
    terminal: Terminal<TestBackend>,
    written: Vec<String>,
    edited: Vec<u64>,
    /// Synchronized-output brackets, in order.
    brackets: Vec<bool>,
}

impl Console for Scripted {
    type Backend = TestBackend;
    fn terminal(&mut self) -> &mut Terminal<TestBackend> {
        &mut self.terminal
    }
    fn write_raw(&mut self, bytes: &str) {
        self.written.push(bytes.to_owned());
    }
    fn synchronized(&mut self, on: bool) {
        self.brackets.push(on);
    }
    fn edit(&mut self, env: &Envelope) -> Result<Vec<u8>, String> {
        self.edited.push(env.seq);
        let mut body = env.body.to_vec();
        body.extend_from_slice(b" ");
        Ok(body)
    }
}

/// Terminal events the test sends as it goes.
struct Events(mpsc::UnboundedReceiver<std::io::Result<Event>>);

impl futures_util::Stream for Events {
    type Item = std::io::Result<Event>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

impl TermEvents for Events {}

/// A screen of `w`×`h` on a `TestBackend`, fed from `rx`, stopped by `stop`.
struct Rig {
    console: Scripted,
    app: App,
    lp: Loop,
}

fn rig(w: u16, h: u16, rx: mpsc::Receiver<Item>, stop: watch::Receiver<bool>) -> Rig {
    Rig {
        console: Scripted {
            terminal: Terminal::new(TestBackend::new(w, h)).unwrap(),
            written: Vec::new(),
            edited: Vec::new(),
            brackets: Vec::new(),
        },
        app: App::new(wamon::run_info::RunInfo::new(
            "127.0.0.1:8080".parse().unwrap(),
        )),
        lp: Loop {
            feed: Feed::new(rx, Arc::new(wamon::backlog::Backlog::default()), None),
            stop,
            fps: 30,
            resender: None,
        },
    }
}

fn press(c: KeyCode) -> std::io::Result<Event> {
    Ok(Event::Key(KeyEvent::new(c, KeyModifiers::NONE)))
}

/// Waits until the loop took every request sent: it applies a batch in the same turn it
/// takes it, so the store then holds them all.
async fn drained(tx: &mpsc::Sender<Item>) {
    while tx.capacity() < tx.max_capacity() {
        tokio::task::yield_now().await;
    }
    tokio::task::yield_now().await;
}

#[tokio::test(flavor = "current_thread")]
async fn the_loop_shows_what_arrives_and_does_what_keys_ask() {
    let bodies = demo_bodies();
    let n = bodies.len();
    let (tx, rx) = mpsc::channel(n + 1);
    let (_stop_tx, stop) = watch::channel(false);
    let (ev_tx, ev_rx) = mpsc::unbounded_channel();
    let Rig {
        mut console,
        mut app,
        lp,
    } = rig(160, 40, rx, stop);
    let driver = async {
        for item in common::items(common::envelopes(1, bodies)) {
            tx.send(item).await.unwrap();
        }
        drained(&tx).await;
        let send = |e| ev_tx.send(e).unwrap();
        // A filter typed, with a paste in it, then kept.
        send(press(KeyCode::Char('/')));
        for c in "Satur".chars() {
            send(press(KeyCode::Char(c)));
        }
        send(Ok(Event::Paste("day".into())));
        send(press(KeyCode::Enter));
        // The detail pane: copy the value under its cursor.
        send(press(KeyCode::Tab));
        send(press(KeyCode::Char('y')));
        // Edit and send: asks for the bot's URL once, then runs the editor.
        send(press(KeyCode::Char('E')));
        for c in "http://127.0.0.1:9".chars() {
            send(press(KeyCode::Char(c)));
        }
        send(press(KeyCode::Enter));
        send(Ok(Event::Resize(120, 30)));
        send(press(KeyCode::Char('q')));
    };
    let (result, ()) = tokio::join!(
        event_loop(&mut console, Events(ev_rx), &mut app, lp),
        driver
    );
    result.unwrap();

    let m = &app.monitor;
    assert!(m.should_quit());
    assert_eq!(m.mode(), Mode::Normal);
    assert_eq!(m.store().last_seq(), n as u64, "every request applied");
    assert_eq!(m.filter().source(), "Saturday");
    assert!(
        !m.view().rows.is_empty() && m.view().rows.len() < 40,
        "{}",
        m.view().rows.len()
    );
    // The copy left as OSC 52, once.
    let osc: Vec<_> = console
        .written
        .iter()
        .filter(|w| w.starts_with("\x1b]52;c;"))
        .collect();
    assert_eq!(osc.len(), 1, "{:?}", console.written);
    // The editor got the request shown; its change is queued to the URL typed.
    let shown = m.detail().seq.unwrap();
    assert_eq!(console.edited, vec![shown]);
    assert_eq!(m.outbox().len(), 1);
    assert!(m.outbox()[0].edited && m.outbox()[0].env.seq == shown);
    assert_eq!(m.outbox()[0].target.url, "http://127.0.0.1:9");
    // Every frame was bracketed for synchronized output, begin then end.
    let b = &console.brackets;
    assert!(b.len() >= 2 * 10, "{} brackets", b.len());
    assert!(b.chunks(2).all(|p| p == [true, false]), "{b:?}");
    // The last frame (after the resize's whole repaint) shows the filtered stream.
    let buf = console.terminal.backend().buffer();
    let text = common::text_of(buf);
    assert!(text.contains("Saturday"), "{text}");
    assert!(text.contains("matches"), "{text}");
}

#[tokio::test(flavor = "current_thread")]
async fn the_loop_ends_when_told_to_stop_and_when_events_end() {
    let (_tx, rx) = mpsc::channel(4);
    let (stop_tx, stop) = watch::channel(false);
    let (ev_tx, ev_rx) = mpsc::unbounded_channel::<std::io::Result<Event>>();
    let Rig {
        mut console,
        mut app,
        lp,
    } = rig(80, 24, rx, stop);
    let driver = async {
        tokio::task::yield_now().await;
        stop_tx.send(true).unwrap();
    };
    let (result, ()) = tokio::join!(
        event_loop(&mut console, Events(ev_rx), &mut app, lp),
        driver
    );
    result.unwrap();
    assert!(!app.monitor.should_quit(), "stopped from outside, not quit");
    // The empty screen was drawn, with the receiver's URL.
    let text = common::text_of(console.terminal.backend().buffer());
    assert!(text.contains("http://127.0.0.1:8080/"), "{text}");
    drop(ev_tx);
}
