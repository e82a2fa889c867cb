//! A capture file deleted or moved while wamon runs: the real binary, headless, reopens the path
//! (a new private file with a header line, holding the later requests) and says so on stderr;
//! the moved file keeps what was recorded in it.

mod common;

use std::path::Path;
use std::process::Command;

use wamon::capture_writer::CHECK_INTERVAL;

/// Posts webhook `n`; the reply's status.
fn post(addr: &str, n: usize) -> u16 {
    let body = format!(
        r#"{{"event":"message","session":"s","payload":{{"id":"false_1@c.us_R{n}","from":"1@c.us","body":"{n}"}}}}"#
    );
    let reply = common::post(addr, &body).unwrap();
    reply[9..12].parse().unwrap()
}

/// The webhook numbers in a capture file, and whether it starts with a header line.
fn numbers_in(path: &Path) -> (bool, Vec<usize>) {
    let file = std::fs::read(path).unwrap();
    let first = file.split(|b| *b == b'\n').next().unwrap_or_default();
    let loaded = wamon::capture::read_all(&file[..]).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let numbers = loaded
        .envelopes
        .iter()
        .map(|(e, _)| {
            let v: serde_json::Value = serde_json::from_slice(&e.body).unwrap();
            v["payload"]["body"].as_str().unwrap().parse().unwrap()
        })
        .collect();
    (wamon::capture::is_header(first), numbers)
}

#[test]
fn a_capture_deleted_or_moved_while_running_is_reopened_with_a_warning() {
    let dir = std::env::temp_dir().join(format!("wamon-reopen-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let capture = dir.join("c.jsonl");
    let (mut child, addr, stderr) = common::start_headless(
        &[std::ffi::OsStr::new("--capture"), capture.as_os_str()],
        std::process::Stdio::null(),
    );
    let rest = common::drain(stderr);
    assert_eq!((post(&addr, 0), post(&addr, 1)), (200, 200));
    std::fs::remove_file(&capture).unwrap();
    // Past the writer's check interval, the next write finds the file gone.
    std::thread::sleep(CHECK_INTERVAL);
    assert_eq!((post(&addr, 2), post(&addr, 3)), (200, 200));
    assert_eq!(
        numbers_in(&capture),
        (true, vec![2, 3]),
        "a new file after the delete"
    );
    let moved = dir.join("moved.jsonl");
    std::fs::rename(&capture, &moved).unwrap();
    std::thread::sleep(CHECK_INTERVAL);
    assert_eq!((post(&addr, 4), post(&addr, 5)), (200, 200));
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    let stderr = rest.join().unwrap();

    assert_eq!(
        numbers_in(&capture),
        (true, vec![4, 5]),
        "a new file after the move"
    );
    assert_eq!(
        numbers_in(&moved),
        (true, vec![2, 3]),
        "the moved file keeps its lines"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&capture).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "reopened private");
    }
    let warnings = stderr
        .lines()
        .filter(|l| l.contains("was deleted or moved: reopened it"))
        .count();
    assert_eq!(warnings, 2, "one warning per reopen:\n{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}
