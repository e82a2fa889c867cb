//! Headless mode with a reader that stopped reading: every webhook is still answered and
//! captured, and a stop signal ends the run after the grace period instead of waiting on stdout
//! for ever.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn a_stop_signal_ends_headless_mode_even_when_stdout_is_not_read() {
    let dir = std::env::temp_dir().join(format!("wamon-headless-stop-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let capture = dir.join("c.jsonl");
    // stdout is a pipe that nobody reads: it fills after a few hundred lines.
    let (mut child, addr, stderr) = common::start_headless(
        &[std::ffi::OsStr::new("--capture"), capture.as_os_str()],
        Stdio::piped(),
    );
    let rest = common::drain(stderr);
    let sent = 2_000;
    for n in 0..sent {
        let body = format!(
            r#"{{"event":"message","session":"s","payload":{{"id":"false_1@c.us_R{n}","from":"1@c.us","body":"number {n} with some words to fill the line"}}}}"#
        );
        let reply = common::post(&addr, &body).unwrap();
        assert!(reply.starts_with("HTTP/1.1 200"), "request {n}: {reply}");
    }
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    // Far beyond the grace period; a build that waits on stdout never exits.
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("wamon --headless did not exit after SIGTERM with stdout unread");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    let stderr = rest.join().unwrap();
    assert!(stderr.contains("stdout took nothing"), "{stderr}");
    let loaded = wamon::capture::read_all(&std::fs::read(&capture).unwrap()[..]).unwrap();
    assert_eq!(
        loaded.envelopes.len(),
        sent,
        "every answered webhook is captured"
    );
    drop(child.stdout.take());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_reader_that_goes_away_ends_headless_mode_quietly() {
    let (mut child, addr, stderr) = common::start_headless(&["--no-capture"], Stdio::piped());
    let rest = common::drain(stderr);
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let body = r#"{"event":"message","session":"s","payload":{"id":"false_1@c.us_A","from":"1@c.us","body":"hi"}}"#;
    common::post(&addr, body).unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
    assert!(line.contains(r#""kind":"message""#), "{line}");
    // Like `wamon --headless | head -1`: the reader closes its end.
    drop(stdout);
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        // Each request makes another line for the closed pipe.
        let _ = common::post(&addr, body);
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("wamon --headless kept running after its reader went away");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    let stderr = rest.join().unwrap();
    assert!(!stderr.contains("error"), "{stderr}");
}
