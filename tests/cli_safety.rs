//! The binary as a user and a hostile client meet it on the open internet: plain startup errors,
//! a busy port that names a free one, private capture files whatever the umask, the connection
//! cap fitted under the descriptor limit (1,100 idle and trickling connections against
//! `ulimit -n 1024` while a real webhook gets through), the token's URL and the warning for a
//! public address without one.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_wamon");
const DEADLINE: Duration = Duration::from_secs(30);

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("wamon-cli-safety-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `wamon --headless ARGS` through `sh -c` so `prefix` (umask, ulimit, env) applies to it alone.
fn spawn_sh(prefix: &str, args: &str) -> Child {
    Command::new("sh")
        .arg("-c")
        .arg(format!("{prefix} exec {BIN} --headless {args}"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Reads stderr until the "listening on" line; returns it and everything before.
fn wait_listening(child: &mut Child) -> (String, String) {
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        let n = stderr.read_line(&mut line).unwrap();
        assert!(n > 0, "wamon exited early: {seen}");
        if let Some(url) = line.trim().strip_prefix("wamon: listening on ") {
            let url = url.to_owned();
            // Keep draining so wamon never blocks on a full pipe.
            std::thread::spawn(move || {
                let mut rest = String::new();
                let _ = stderr.read_to_string(&mut rest);
            });
            return (url, seen);
        }
        seen.push_str(&line);
    }
}

fn kill(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

fn run_to_end(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn startup_errors_are_one_plain_line_without_a_backtrace() {
    for env in [
        vec![],
        vec![("NO_COLOR", "1")],
        vec![("RUST_BACKTRACE", "1")],
    ] {
        let out = run_to_end(
            &[
                "--headless",
                "--no-capture",
                "--load",
                "/nonexistent/capture.jsonl",
            ],
            &env,
        );
        assert!(!out.status.success());
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.starts_with("wamon: error: --load /nonexistent/capture.jsonl: No such file"),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            !err.contains('\u{1b}'),
            "no colour codes off a terminal: {err:?}"
        );
        for noise in ["Backtrace", "Location", "src/", "RUST_BACKTRACE"] {
            assert!(!err.contains(noise), "{noise} in {err}");
        }
    }
    let out = run_to_end(&["--headless", "--token", "short"], &[]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("--token must be at least 8 characters"),
        "{err}"
    );
}

#[test]
fn a_busy_port_names_one_that_is_free() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = run_to_end(&["--headless", "--no-capture", "--listen", &addr], &[]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("the port is in use"), "{err}");
    let suggested = err
        .split("try --listen ")
        .nth(1)
        .expect("a suggestion")
        .trim();
    assert_ne!(suggested, addr);
    assert!(
        std::net::TcpListener::bind(suggested).is_ok(),
        "{suggested} is free"
    );
    assert!(!err.contains("Backtrace"));
}

#[cfg(unix)]
#[test]
fn captures_are_private_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = temp_dir("umask");
    // The default capture, under XDG_DATA_HOME.
    let data = dir.join("data");
    let mut child = spawn_sh(
        &format!("umask 000; XDG_DATA_HOME={}", data.display()),
        "--listen 127.0.0.1:0",
    );
    wait_listening(&mut child);
    kill(child);
    let captures = data.join("wamon/captures");
    let file = std::fs::read_dir(&captures)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(&captures), 0o700);
    assert_eq!(mode(&data.join("wamon")), 0o700);
    // A capture the user names, in folders that do not exist yet, and an old open one.
    let named = dir.join("new/sub/run.jsonl");
    let old = dir.join("old.jsonl");
    std::fs::write(&old, b"").unwrap();
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
    for capture in [&named, &old] {
        let mut child = spawn_sh(
            "umask 000;",
            &format!("--listen 127.0.0.1:0 --capture {}", capture.display()),
        );
        wait_listening(&mut child);
        kill(child);
        assert_eq!(mode(capture), 0o600, "{}", capture.display());
    }
    assert_eq!(mode(&dir.join("new")), 0o700);
    assert_eq!(mode(&dir.join("new/sub")), 0o700);
}

#[test]
fn the_token_url_is_shown_and_a_public_address_without_one_is_warned_about() {
    let mut child = spawn_sh("", "--no-capture --listen 127.0.0.1:0 --token k3y-9f2a_x");
    let (url, _) = wait_listening(&mut child);
    assert!(url.ends_with("/k3y-9f2a_x/"), "{url}");
    kill(child);
    let mut child = spawn_sh("", "--no-capture --listen 0.0.0.0:0");
    let (_, before) = wait_listening(&mut child);
    kill(child);
    assert!(before.contains("without --token"), "{before}");
}

/// Raises this test process's own descriptor limit so it can hold 1,100 sockets.
fn raise_own_fd_limit() -> bool {
    rlimit::increase_nofile_limit(4096).is_ok_and(|n| n >= 1200)
}

#[cfg(unix)]
#[test]
fn a_real_webhook_gets_through_1100_idle_and_trickling_connections_under_ulimit_1024() {
    if !raise_own_fd_limit() {
        eprintln!("this test needs 1,200 descriptors for itself; the hard limit is lower here");
        return;
    }
    // Asking for more connections than descriptors: the cap comes down to fit. Timeouts longer
    // than the test's deadline: the webhook gets through because the cap makes room, not
    // because the hostile connections time out.
    let mut child = spawn_sh(
        "ulimit -n 1024;",
        "--no-capture --listen 127.0.0.1:0 --max-connections 5000 --header-timeout 90s \
         --idle-timeout 90s",
    );
    let (url, before) = wait_listening(&mut child);
    assert!(
        before.contains("--max-connections lowered to 960"),
        "{before}"
    );
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut hostile = Vec::new();
    for i in 0..1100 {
        match std::net::TcpStream::connect(&addr) {
            Ok(mut s) => {
                if i % 2 == 0 {
                    // Half of them start a request and never finish it.
                    let _ = s.write_all(b"POST /x HTTP/1.1\r\nHost: x\r\nX-Slow: ");
                }
                hostile.push(s);
            }
            Err(e) => panic!("connection {i}: {e}"),
        }
    }
    let body = r#"{"event":"message","session":"s","payload":{"id":"false_1@c.us_REAL","from":"1@c.us","body":"real"}}"#;
    let started = Instant::now();
    let reply = loop {
        if let Ok(reply) = common::post(&addr, body) {
            break reply;
        }
        assert!(started.elapsed() < DEADLINE, "no reply");
    };
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    drop(hostile);
    kill(child);
}

#[test]
fn appending_to_a_capture_continues_its_numbering() {
    let dir = temp_dir("append");
    let capture = dir.join("run.jsonl");
    let body = r#"{"event":"message","session":"s","payload":{"id":"false_1@c.us_A","from":"1@c.us","body":"hi"}}"#;
    for _run in 0..2 {
        let mut child = spawn_sh(
            "",
            &format!("--listen 127.0.0.1:0 --capture {}", capture.display()),
        );
        let (url, _) = wait_listening(&mut child);
        let addr = url.trim_start_matches("http://").trim_end_matches('/');
        for _ in 0..3 {
            let reply = common::post(addr, body).unwrap();
            assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
        }
        kill(child);
    }
    let file = std::fs::read(&capture).unwrap();
    let seqs: Vec<u64> = wamon::capture::read_all(&file[..])
        .unwrap()
        .envelopes
        .iter()
        .map(|(e, _)| e.seq)
        .collect();
    assert_eq!(
        seqs,
        [1, 2, 3, 4, 5, 6],
        "the second run goes on from the first"
    );
}

#[test]
fn a_capture_holding_the_largest_seq_loads_without_a_panic() {
    let dir = temp_dir("huge-seq");
    let file = dir.join("huge.jsonl");
    let mut env = wamon::envelope::Envelope::post(
        u64::MAX,
        1_795_262_400_000,
        &br#"{"event":"message","session":"s","payload":{"id":"false_1@c.us_H","from":"1@c.us","body":"huge"}}"#[..],
    );
    env.path = "/waha".into();
    let mut bytes = wamon::capture::header_line(0);
    bytes.extend(wamon::capture::encode(&env));
    std::fs::write(&file, bytes).unwrap();
    let mut child = Command::new(BIN)
        .args([
            "--headless",
            "--no-capture",
            "--listen",
            "127.0.0.1:0",
            "--load",
        ])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_listening(&mut child);
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    kill(child);
    assert!(line.contains(&format!("\"seq\":{}", u64::MAX)), "{line}");
}
