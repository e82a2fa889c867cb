//! The real binary in a real terminal: `wamon --demo` under tmux, driven with send-keys and read
//! back with capture-pane. Waits poll for what the screen should show (with a generous deadline);
//! nothing here asserts how fast it happens.
//!
//! Needs tmux (`.ci/run` installs it). Without it the tests print why and check nothing else.
//!
//! The hostile-data test runs its own tmux server (`tmux -L`) with `set-clipboard on`, so that an
//! OSC 52 reaching the terminal would show up as a tmux paste buffer, and an OSC 0/2 as a new
//! pane title.

mod common;

use std::io::{Read, Write};
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_wamon");

fn have_tmux() -> bool {
    let ok = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!(
            "tmux is not installed: skipping the terminal end-to-end test (.ci/run installs it)"
        );
    }
    ok
}

struct Session {
    name: String,
    log: std::path::PathBuf,
    /// A dedicated tmux server (`tmux -L`), killed with the session.
    socket: Option<String>,
    port: u16,
}

impl Session {
    fn start(extra: &str) -> Session {
        Session::start_on(None, extra)
    }

    /// A tmux command on this session's server.
    fn tmux(&self) -> Command {
        tmux_on(self.socket.as_deref())
    }

    fn start_on(socket: Option<&str>, extra: &str) -> Session {
        Session::start_gated(socket, extra, false)
    }

    /// With `gated`, wamon starts only once Enter is sent to the pane, so that the test can set
    /// tmux options first.
    fn start_gated(socket: Option<&str>, extra: &str, gated: bool) -> Session {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let name = format!("wamon-test-{}-{port}", std::process::id());
        let log = std::env::temp_dir().join(format!("{name}.log"));
        // No capture unless the test asks for one.
        let capture = if extra.contains("--capture") {
            ""
        } else {
            "--no-capture"
        };
        let mut cmd = format!(
            "{BIN} --listen 127.0.0.1:{port} {capture} --log-file {} {extra}",
            log.display()
        );
        if gated {
            cmd = format!("read _ && exec {cmd}");
        }
        let st = tmux_on(socket)
            .args([
                "new-session",
                "-d",
                "-s",
                &name,
                "-x",
                "150",
                "-y",
                "45",
                &cmd,
            ])
            .status()
            .unwrap();
        assert!(st.success());
        let s = Session {
            name,
            log,
            socket: socket.map(str::to_owned),
            port,
        };
        // Keep the pane after wamon exits so the restored screen can be read.
        let _ = s
            .tmux()
            .args(["set-option", "-t", &s.name, "remain-on-exit", "on"])
            .status();
        s
    }

    fn screen(&self) -> String {
        let out = self
            .tmux()
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            let st = self
                .tmux()
                .args(["send-keys", "-t", &self.name, k])
                .status()
                .unwrap();
            assert!(st.success());
        }
    }

    fn literal(&self, text: &str) {
        self.tmux()
            .args(["send-keys", "-t", &self.name, "-l", text])
            .status()
            .unwrap();
    }

    /// Waits until the screen satisfies `ok`, or panics with the last screen.
    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                panic!("screen never showed {what}:\n{s}\n--- log ---\n{log}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn pane_dead(&self) -> bool {
        let out = self
            .tmux()
            .args(["display-message", "-p", "-t", &self.name, "#{pane_dead}"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }

    fn pane_pid(&self) -> String {
        let out = self
            .tmux()
            .args(["display-message", "-p", "-t", &self.name, "#{pane_pid}"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // A dedicated server goes entirely, socket file included (tmux leaves it behind).
        let socket_path = self.socket.as_ref().and_then(|_| {
            let out = self
                .tmux()
                .args(["display-message", "-p", "#{socket_path}"])
                .output()
                .ok()?;
            Some(String::from_utf8_lossy(&out.stdout).trim().to_owned())
        });
        let _ = self
            .tmux()
            .args(["kill-session", "-t", &self.name])
            .status();
        if let Some(path) = socket_path.filter(|p| !p.is_empty()) {
            let _ = self.tmux().arg("kill-server").status();
            let _ = std::fs::remove_file(path);
        }
        let _ = std::fs::remove_file(&self.log);
    }
}

/// `tmux`, on the server at `socket` when given.
fn tmux_on(socket: Option<&str>) -> Command {
    let mut c = Command::new("tmux");
    if let Some(s) = socket {
        c.args(["-L", s]);
    }
    c
}

#[test]
fn the_demo_plays_live_and_the_keys_work() {
    if !have_tmux() {
        return;
    }
    let s = Session::start("--demo");
    // Every provider's conversation arrives; the last one played is the instance provider's
    // (its text cut where the account column leaves less room).
    s.wait_for("demo traffic from the last provider", |t| {
        t.contains(" inst ") && t.contains("Thanks! See you")
    });
    let screen = s.screen();
    assert!(screen.contains("Chats ·"));
    assert!(screen.contains("Stream · all chats"));
    assert!(screen.contains("events ·"));

    // Help overlay from the key table, closed by any key.
    s.keys(&["?"]);
    s.wait_for("the help overlay", |t| {
        t.contains("Keys · wamon") && t.contains("Filter language")
    });
    s.keys(&["x"]);
    s.wait_for("the help overlay to close", |t| !t.contains("Keys · wamon"));

    // The filter bar: an invalid term is explained, a valid one narrows the stream.
    s.keys(&["/"]);
    s.literal("type:pol");
    s.wait_for("the filter error", |t| t.contains("did you mean poll"));
    s.literal("l");
    s.keys(&["Enter"]);
    s.wait_for("the poll filter applied", |t| {
        t.contains("match") && t.contains("Ship on Friday?") && !t.contains("blue jacket")
    });

    // Detail pane on the selected poll, then the tick view.
    s.keys(&["Tab"]);
    s.wait_for("the raw JSON of the poll", |t| t.contains("raw JSON #"));
    s.keys(&["v", "v", "v"]);
    s.wait_for("the tick view", |t| {
        t.contains("Tick timeline") && t.contains("Poll · Ship on Friday?")
    });

    // Quit restores the terminal: the alternate screen is gone.
    s.keys(&["q"]);
    s.wait_for("wamon to exit and restore the screen", |t| {
        !t.contains("Chats ·")
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    while !s.pane_dead() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(s.pane_dead(), "wamon did not exit on q");
}

#[test]
fn sigterm_restores_the_terminal() {
    if !have_tmux() {
        return;
    }
    let s = Session::start("");
    s.wait_for("the empty screen", |t| t.contains("Waiting for webhooks"));
    let pid = s.pane_pid();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    s.wait_for("the screen to be restored", |t| {
        !t.contains("Waiting for webhooks")
    });
}

#[test]
fn a_torn_capture_loads_and_says_so_on_screen() {
    if !have_tmux() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("wamon-tmux-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("torn.jsonl");
    let mut file = wamon::capture::header_line(0);
    let body = br#"{"event":"message","session":"s","payload":{"id":"false_1@c.us_L1","from":"1@c.us","fromMe":false,"body":"loaded from disk"}}"#;
    file.extend(wamon::capture::encode(&wamon::envelope::Envelope::post(
        1,
        1_795_262_400_000,
        body.to_vec(),
    )));
    file.extend_from_slice(br#"{"seq":2,"received_at":"2026-"#);
    std::fs::write(&path, &file).unwrap();
    let s = Session::start(&format!("--load {}", path.display()));
    let screen = s.wait_for("the loaded message and the torn-line row", |t| {
        t.contains("loaded from disk") && t.contains("torn last line")
    });
    assert!(screen.contains("[malforme"), "{screen}");
}

/// Every attack a terminal would obey: OSC 52 (set the clipboard), OSC 0 and 2 (set the title),
/// clear the screen, a C1 CSI, an 8-bit OSC 52 and a bidi override.
fn hostile(s: &str) -> String {
    format!(
        "\u{1b}]52;c;aGFja2Vk\u{7}\u{1b}]0;pwned0\u{7}{s}\u{1b}]2;pwned2\u{1b}\\\u{1b}[2J\u{9b}31m\u{9d}52;c;aGFja2Vk\u{9c}\u{202e}"
    )
}

/// POSTs `body` to wamon over a plain TCP connection, with header values carrying C1 and bidi
/// characters (the most a real header can: C0 controls are refused by the HTTP parser) and a
/// percent-encoded escape in the path; returns the status line.
fn post(port: u16, body: &[u8]) -> String {
    let mut conn = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut req = format!(
        "POST /hook%1B%5D52;c;aGFja2Vk%07%C2%9B31m?token=s3cret&x=%1B%5D2;pwned%07 HTTP/1.1\r\n\
         Host: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(
        "User-Agent: evil\u{9b}31m\u{9d}0;pwned\u{9c}\u{202e}/1.0\r\n".as_bytes(),
    );
    req.extend_from_slice("X-Evil: \u{9b}2J\u{85}\u{202e}\r\n\r\n".as_bytes());
    req.extend_from_slice(body);
    conn.write_all(&req).unwrap();
    let mut reply = Vec::new();
    let _ = conn.read_to_end(&mut reply);
    String::from_utf8_lossy(&reply)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn hostile_webhooks_neither_set_the_clipboard_nor_the_title_nor_clear_the_screen() {
    if !have_tmux() {
        return;
    }
    let socket = format!("wamon-hostile-{}", std::process::id());
    let s = Session::start_on(Some(&socket), "");
    let tmux = |args: &[&str]| -> String {
        let out = s.tmux().args(args).output().unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    tmux(&["set-option", "-s", "set-clipboard", "on"]);
    const TITLE: &str = "wamon-title-check";
    tmux(&["select-pane", "-t", &s.name, "-T", TITLE]);
    assert_eq!(
        tmux(&["display-message", "-p", "-t", &s.name, "#{pane_title}"]),
        TITLE
    );
    s.wait_for("the empty screen", |t| t.contains("Waiting for webhooks"));

    let mut sent = 0;
    for body in common::demo_bodies() {
        for v in common::variants(&body, &hostile) {
            let status = post(s.port, &v);
            // 200, or 400 for the variant whose keys are all hostile (no provider's shape).
            assert!(
                status.starts_with("HTTP/1.1 200") || status.starts_with("HTTP/1.1 400"),
                "{status:?}"
            );
            sent += 1;
        }
    }
    assert!(sent > 100);
    s.wait_for("the hostile traffic", |t| {
        t.contains(" ago ·") && !t.contains("Chats · 0 ")
    });

    // Every pane and detail view over many rows, in both stream modes, each chat, the help
    // overlay and a JSON search.
    let pause = || std::thread::sleep(Duration::from_millis(40));
    for mode in ["messages", "raw events"] {
        for _ in 0..20 {
            s.keys(&["k", "k", "k", "Tab", "v", "v", "v", "v", "BTab"]);
            pause();
        }
        s.keys(&["G"]);
        if mode == "messages" {
            s.keys(&["r"]);
        }
    }
    s.keys(&["r"]);
    for _ in 0..10 {
        s.keys(&["BTab", "j", "Enter", "Escape"]);
        pause();
    }
    s.keys(&["?"]);
    pause();
    s.keys(&["x", "Tab", "/"]);
    s.literal("aGFja2Vk");
    s.keys(&["Enter", "n", "n", "v", "v"]);
    let screen = s.wait_for("wamon's panes after it all", |t| {
        t.contains("Chats ·") && t.contains("Stream ·") && t.contains("headers")
    });
    // Give anything that might still reach the terminal time to do so.
    std::thread::sleep(Duration::from_millis(500));

    assert_eq!(
        tmux(&["list-buffers"]),
        "",
        "a paste buffer was set:\n{screen}"
    );
    assert_eq!(
        tmux(&["display-message", "-p", "-t", &s.name, "#{pane_title}"]),
        TITLE,
        "the pane title changed"
    );
    let screen = s.screen();
    assert!(
        screen.contains("Chats ·") && screen.contains("Stream ·"),
        "{screen}"
    );
    assert!(!screen.contains("s3cret"), "{screen}");
    // What was shown instead: the attack as placeholders.
    s.keys(&["BTab", "BTab", "G"]);
    s.wait_for("the attack shown as placeholders", |t| {
        t.contains("␛]52;c;aGFja2Vk␇")
    });

    // The same attack printed raw in a pane of this server does set a buffer and the title:
    // the checks above can fail.
    let pane = tmux(&[
        "new-window",
        "-d",
        "-P",
        "-F",
        "#{pane_id}",
        "-t",
        &s.name,
        "printf '\\033]52;c;aGFja2Vk\\007\\033]2;pwned\\007'; sleep 30",
    ]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while tmux(&["list-buffers"]).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        !tmux(&["list-buffers"]).is_empty(),
        "a raw OSC 52 set no buffer"
    );
    assert_eq!(tmux(&["show-buffer"]), "hacked");
    assert_eq!(
        tmux(&["display-message", "-p", "-t", &pane, "#{pane_title}"]),
        "pwned"
    );
}

/// The pid of the tmux server the session runs on.
fn server_pid(s: &Session) -> String {
    let out = s
        .tmux()
        .args(["display-message", "-p", "#{pid}"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn a_stopped_terminal_never_stops_the_receiver_and_the_screen_catches_up() {
    if !have_tmux() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("wamon-tmux-stop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let capture = dir.join("run.jsonl");
    let _ = std::fs::remove_file(&capture);
    let s = Session::start_on(
        Some(&format!("wamon-stop-{}", std::process::id())),
        &format!("--capture {}", capture.display()),
    );
    s.wait_for("the empty screen", |t| t.contains("Waiting for webhooks"));
    // The terminal stops reading: wamon's writes to it block once the pty is full.
    let pid = server_pid(&s);
    assert!(Command::new("kill")
        .args(["-STOP", &pid])
        .status()
        .unwrap()
        .success());
    // More than the channel to the screen holds (4,096), so a receiver that waited for room
    // would stall here.
    const N: usize = 6000;
    for i in 0..N {
        let body = format!(
            r#"{{"event":"message","session":"s","payload":{{"id":"false_1@c.us_S{i}","from":"1@c.us","body":"{} {i}"}}}}"#,
            "stalled terminal ".repeat(8)
        );
        let reply = common::post(&format!("127.0.0.1:{}", s.port), &body).unwrap_or_default();
        if !reply.starts_with("HTTP/1.1 200") {
            let _ = Command::new("kill").args(["-CONT", &pid]).status();
            panic!("request {i} while the terminal was stopped: {reply:?}");
        }
    }
    assert!(Command::new("kill")
        .args(["-CONT", &pid])
        .status()
        .unwrap()
        .success());
    s.wait_for("every request, read back from the capture", |t| {
        t.contains("6,000 events") && !t.contains("behind by")
    });
    let file = std::fs::read(&capture).unwrap();
    assert_eq!(
        wamon::capture::read_all(&file[..]).unwrap().envelopes.len(),
        N
    );
}

/// Every pane row of `screen` as wide as the terminal, measured the way tmux lays out what wamon
/// sends (each character on its own: wamon never sends a sequence whose width is in doubt): a
/// row whose width ratatui and tmux disagree on comes out longer or shorter.
fn rows_of_width(screen: &str, width: usize) -> Result<(), String> {
    use unicode_width::UnicodeWidthChar;
    for (y, row) in screen.lines().enumerate() {
        let w: usize = row.chars().map(|c| c.width().unwrap_or(0)).sum();
        let pane_row = row.starts_with(['┌', '│', '└']);
        if pane_row && w != width {
            return Err(format!(
                "row {y} is {w} columns, not {width}: {row:?}\n{screen}"
            ));
        }
    }
    Ok(())
}

#[test]
fn emoji_with_skin_tones_and_joiners_keep_every_row_in_place() {
    if !have_tmux() {
        return;
    }
    let s = Session::start("");
    s.wait_for("the empty screen", |t| t.contains("Waiting for webhooks"));
    let body = r#"{"event":"message","session":"default","payload":{"id":"false_5511988881111@c.us_E1","timestamp":1795262400,"from":"5511988881111@c.us","fromMe":false,"body":"ok 👍🏿 fam 👨‍👩‍👧 dev 👩🏽‍💻 heart ❤️ end","hasMedia":false,"_data":{"notifyName":"Ana 👩🏾‍🦱"}}}"#;
    let reply = common::post(&format!("127.0.0.1:{}", s.port), body).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    let screen = s.wait_for("the emoji message", |t| t.contains("heart"));
    // The skin tone is kept, in a cell of its own; a joined sequence shows its first emoji.
    assert!(
        screen.contains("ok 👍🏿 fam 👨 dev 👩🏽 heart ❤ end"),
        "{screen}"
    );
    assert!(!screen.contains('\u{200d}'), "{screen}");
    rows_of_width(&screen, 150).unwrap();
    // The help overlay over it keeps its borders, and so do the rows beside it.
    s.keys(&["?"]);
    let screen = s.wait_for("the help overlay", |t| t.contains("Keys · wamon"));
    rows_of_width(&screen, 150).unwrap();
}

#[test]
fn resizing_then_quitting_leaves_no_borders_on_the_shell() {
    if !have_tmux() {
        return;
    }
    // Its own server, where the window has no alternate screen (as in some tmux setups and
    // terminals): whatever wamon leaves on the screen stays there for the shell.
    let socket = format!("wamon-resize-{}", std::process::id());
    let s = Session::start_gated(Some(&socket), "--demo", true);
    let st = s
        .tmux()
        .args(["set-option", "-w", "-t", &s.name, "alternate-screen", "off"])
        .status()
        .unwrap();
    assert!(st.success());
    s.keys(&["Enter"]);
    s.wait_for("demo traffic", |t| {
        t.contains("Chats ·") && t.contains("waha")
    });
    let st = s
        .tmux()
        .args(["resize-window", "-t", &s.name, "-x", "80", "-y", "24"])
        .status()
        .unwrap();
    assert!(st.success());
    s.wait_for("the screen redrawn at 80x24", |t| {
        t.lines().count() <= 24 && t.contains("ev ·")
    });
    s.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !s.pane_dead() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(s.pane_dead(), "wamon did not exit on q");
    let screen = s.screen();
    assert!(
        !screen.contains(['┌', '┐', '└', '┘', '│', '─', '●']),
        "the last frame stayed on the screen:\n{screen}"
    );
}

/// Issue #11 (#5): in a real terminal, a sender name in wide characters (CJK) takes its display
/// width, not its character count: the message text starts in the same column on every row.
#[test]
fn wide_sender_names_keep_the_text_column_in_a_real_terminal() {
    if !have_tmux() {
        return;
    }
    use unicode_width::UnicodeWidthStr;
    let s = Session::start("");
    s.wait_for("the empty screen", |t| t.contains("Waiting for webhooks"));
    for (name, num) in [
        ("张伟明", "5511977770001"),
        ("山田太郎さん", "5511977770002"),
        ("Ann", "5511977770003"),
    ] {
        let body = serde_json::json!({"event":"message","session":"default","payload":{
            "id": format!("false_{num}@c.us_W{num}"), "from": format!("{num}@c.us"),
            "fromMe": false, "body": format!("ALIGN {num}"), "_data": {"notifyName": name}}});
        let reply = common::post(&format!("127.0.0.1:{}", s.port), &body.to_string()).unwrap();
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    }
    // Stream rows (the raw JSON pane quotes the last body too, without a provider column).
    let rows = |t: &str| -> Vec<usize> {
        t.lines()
            .filter(|l| l.contains(" waha "))
            .filter_map(|l| l.find("ALIGN").map(|i| l[..i].width()))
            .collect()
    };
    let screen = s.wait_for("the three rows", |t| rows(t).len() == 3);
    let columns = rows(&screen);
    assert_eq!(columns.len(), 3, "{screen}");
    assert!(
        columns.iter().all(|&c| c == columns[0]),
        "{columns:?}\n{screen}"
    );
    s.keys(&["q"]);
}

/// The detail pane's other views (normalised event, ticks with a reaction) draw emoji sequences
/// as the raw view does: every row keeps its width in a real terminal.
#[test]
fn emoji_in_the_detail_panes_other_views_keep_every_row_in_place() {
    if !have_tmux() {
        return;
    }
    let s = Session::start("");
    s.wait_for("the empty screen", |t| t.contains("Waiting for webhooks"));
    let body = r#"{"event":"message","session":"default","payload":{"id":"true_5511988881111@c.us_E2","timestamp":1795262400,"from":"5511999990000@c.us","to":"5511988881111@c.us","fromMe":true,"body":"ok 👍🏿 fam 👨‍👩‍👧 dev 👩🏽‍💻 end","hasMedia":false}}"#;
    let reaction = r#"{"event":"message.reaction","session":"default","payload":{"id":"false_5511988881111@c.us_R2","from":"5511988881111@c.us","fromMe":false,"timestamp":1795262400,"reaction":{"text":"👍🏽","messageId":"true_5511988881111@c.us_E2"}}}"#;
    for b in [body, reaction] {
        let reply = common::post(&format!("127.0.0.1:{}", s.port), b).unwrap();
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    }
    s.wait_for("the emoji message", |t| t.contains(" fam "));
    // To the detail pane (the stream has the focus and follows the message's row).
    s.keys(&["Tab", "v"]);
    let screen = s.wait_for("the normalised event", |t| t.contains("normalised #"));
    assert!(screen.contains("ok 👍🏿 fam 👨 dev 👩🏽 end"), "{screen}");
    rows_of_width(&screen, 150).unwrap();
    s.keys(&["v", "v"]);
    let screen = s.wait_for("the ticks view", |t| t.contains("Reactions"));
    assert!(screen.contains("👍🏽"), "{screen}");
    rows_of_width(&screen, 150).unwrap();
}
