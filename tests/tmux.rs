//! The real binary in a real terminal: `wamon --demo` under tmux, driven with send-keys and read
//! back with capture-pane. Waits poll for what the screen should show (with a generous deadline);
//! nothing here asserts how fast it happens.
//!
//! Needs tmux (`.ci/run` installs it). Without it the tests print why and check nothing else.

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
}

impl Session {
    fn start(extra: &str) -> Session {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let name = format!("wamon-test-{}-{port}", std::process::id());
        let log = std::env::temp_dir().join(format!("{name}.log"));
        let cmd = format!(
            "{BIN} --listen 127.0.0.1:{port} --no-capture --log-file {} {extra}",
            log.display()
        );
        let st = Command::new("tmux")
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
        // Keep the pane after wamon exits so the restored screen can be read.
        let _ = Command::new("tmux")
            .args(["set-option", "-t", &name, "remain-on-exit", "on"])
            .status();
        Session { name, log }
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            let st = Command::new("tmux")
                .args(["send-keys", "-t", &self.name, k])
                .status()
                .unwrap();
            assert!(st.success());
        }
    }

    fn literal(&self, text: &str) {
        Command::new("tmux")
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
        let out = Command::new("tmux")
            .args(["display-message", "-p", "-t", &self.name, "#{pane_dead}"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }

    fn pane_pid(&self) -> String {
        let out = Command::new("tmux")
            .args(["display-message", "-p", "-t", &self.name, "#{pane_pid}"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .status();
        let _ = std::fs::remove_file(&self.log);
    }
}

#[test]
fn the_demo_plays_live_and_the_keys_work() {
    if !have_tmux() {
        return;
    }
    let s = Session::start("--demo");
    // Every provider's conversation arrives; the last one played is the instance provider's.
    s.wait_for("demo traffic from the last provider", |t| {
        t.contains(" inst ") && t.contains("Thanks! See you on Saturday")
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
    s.wait_for("the raw JSON of the poll", |t| t.contains("raw JSON ·"));
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
