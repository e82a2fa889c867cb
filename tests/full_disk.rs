//! A real full disk: the binary captures onto a tiny tmpfs until writes fail (those requests
//! get 503), the disk grows, traffic goes on, and the capture reads back every request that got
//! a 2xx, each once, with no torn line. Needs root (to mount the tmpfs); elsewhere it says so and
//! checks nothing (the capture writer's own tests cover the same with an injected fault).

mod common;

use std::process::{Command, Stdio};

struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = std::env::temp_dir().join(format!("wamon-full-disk-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Tmpfs(dir))
    }

    fn grow(&self, size: &str) {
        let st = Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(st.success());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// Posts webhook `n`; the reply's status.
fn post(addr: &str, n: usize) -> u16 {
    let body = format!(
        r#"{{"event":"message","session":"s","payload":{{"id":"false_1@c.us_N{n}","from":"1@c.us","body":"{n} {}"}}}}"#,
        "x".repeat(300)
    );
    let reply = common::post(addr, &body).unwrap();
    reply[9..12].parse().unwrap()
}

#[test]
fn after_a_full_disk_every_answered_request_loads_back() {
    let Some(fs) = Tmpfs::mount("16k") else {
        eprintln!("cannot mount a tmpfs here (needs root): skipping the full-disk test");
        return;
    };
    let capture = fs.0.join("c.jsonl");
    let (mut child, addr, stderr) = common::start_headless(
        &[std::ffi::OsStr::new("--capture"), capture.as_os_str()],
        Stdio::null(),
    );
    common::drain(stderr);
    let mut answered = Vec::new();
    let mut refused = 0;
    for n in 0..120 {
        match post(&addr, n) {
            200 => answered.push(n),
            503 => refused += 1,
            other => panic!("request {n}: {other}"),
        }
    }
    assert!(refused > 0, "the disk filled up");
    fs.grow("1m");
    for n in 120..140 {
        assert_eq!(post(&addr, n), 200, "writing resumes once there is room");
        answered.push(n);
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    let file = std::fs::read(&capture).unwrap();
    let loaded = wamon::capture::read_all(&file[..]).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let mut found: Vec<usize> = loaded
        .envelopes
        .iter()
        .filter(|(e, _)| e.status == 200)
        .map(|(e, _)| {
            let v: serde_json::Value = serde_json::from_slice(&e.body).unwrap();
            let text = v["payload"]["body"].as_str().unwrap();
            text.split(' ').next().unwrap().parse().unwrap()
        })
        .collect();
    found.sort_unstable();
    assert_eq!(found, answered, "every 2xx, once");
}
