//! `wamon export` end to end: a capture recorded by the real binary from real HTTP requests
//! (four providers' fixtures, and a hostile body that is not UTF-8), with forward results
//! appended, exported in every format by the real binary; each output is then used the way a
//! person would: the capture loaded back, the NDJSON compared with what headless mode printed,
//! the curl script run by `bash` and `sh` against another wamon, the HAR checked against the
//! HAR 1.2 JSON Schema.

mod common;
mod schema;
mod support;

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::Duration;
use wamon::envelope::Envelope;
use wamon::forward::ForwardRecord;

const BIN: &str = env!("CARGO_BIN_EXE_wamon");

/// The requests posted to build the capture: method, target, extra headers, body.
type Posted = (&'static str, String, Vec<(&'static str, Vec<u8>)>, Vec<u8>);

/// The capture every test exports from, built once.
struct Fixture {
    dir: PathBuf,
    capture: PathBuf,
    /// What `wamon --headless` printed while recording it.
    live_lines: Vec<String>,
    /// Every request in it.
    envelopes: Vec<Envelope>,
    /// The forward results appended to it.
    forwards: Vec<ForwardRecord>,
    /// The file `$(touch …)` in the hostile body would create, were it ever run.
    marker: PathBuf,
}

fn fixture_body(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/fixtures")
            .join(rel),
    )
    .unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wamon-export-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Sends `method target` with `headers` and `body` over a fresh connection; the status.
fn send(addr: &str, method: &str, target: &str, headers: &[(&str, Vec<u8>)], body: &[u8]) -> u16 {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let headers: Vec<(&str, &[u8])> = headers.iter().map(|(k, v)| (*k, v.as_slice())).collect();
    s.write_all(&support::request_bytes(
        addr, method, target, &headers, body,
    ))
    .unwrap();
    let mut reply = Vec::new();
    s.read_to_end(&mut reply).unwrap();
    String::from_utf8_lossy(&reply)
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line")
}

/// Stops a headless wamon like a service manager (SIGTERM); its stdout lines.
fn stop(mut child: Child) -> Vec<String> {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut out = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        stdout.read_to_string(&mut out).unwrap();
    }
    child.wait().unwrap();
    out.lines().map(str::to_owned).collect()
}

fn posted(marker: &Path) -> Vec<Posted> {
    let json = || ("content-type", b"application/json".to_vec());
    let mut hostile = format!(
        "{{\"event\":\"message\",\"text\":\"it's \\\"q\\\" $(touch {}) `touch {}` %s %% \\\\ !!\n\
         second line\r\n\x1b]52;c;aGk=\x07\x1b[2J\u{9b}31m\u{202e}\"}}",
        marker.display(),
        marker.display()
    )
    .into_bytes();
    hostile.extend_from_slice(b"\xff\xfe\x00\xc3 tail\n\n");
    vec![
        (
            "POST",
            "/waha".into(),
            vec![
                json(),
                ("x-webhook-hmac", b"5f2b9c0e".to_vec()),
                ("x-obs", b"caf\xe9 \xff".to_vec()),
                ("x-quoted", b"it's \"$(id)\" `uname` \\ %s\t!".to_vec()),
                ("x-empty", Vec::new()),
            ],
            fixture_body("waha/message-text-webjs.json"),
        ),
        (
            "POST",
            "/meta?hub=1&list=[a,b]&q=caf%C3%A9+x".into(),
            vec![json(), ("x-hub-signature-256", b"sha256=00ff".to_vec())],
            fixture_body("meta/message-text.json"),
        ),
        (
            "POST",
            "/whapi".into(),
            vec![json()],
            fixture_body("whapi/message-group-text.json"),
        ),
        (
            "PUT",
            "/evolution".into(),
            vec![json(), ("apikey", b"k-123".to_vec())],
            fixture_body("evolution/upsert-text.json"),
        ),
        (
            "POST",
            "/raw".into(),
            vec![("content-type", b"application/octet-stream".to_vec())],
            hostile,
        ),
    ]
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = temp_dir("fixture");
        let capture = dir.join("cap.jsonl");
        let marker = dir.join("pwned");
        let (child, addr, stderr) =
            common::start_headless(&["--capture".as_ref(), capture.as_os_str()], Stdio::piped());
        let stderr = common::drain(stderr);
        for (method, target, headers, body) in posted(&marker) {
            let status = send(&addr, method, &target, &headers, &body);
            assert!(status == 200 || status == 400, "{target}: {status}");
        }
        let live_lines = stop(child);
        let _ = stderr.join();
        let loaded = wamon::capture::read_all(&std::fs::read(&capture).unwrap()[..]).unwrap();
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
        let envelopes: Vec<Envelope> = loaded.envelopes.into_iter().map(|(e, _)| e).collect();
        assert_eq!(envelopes.len(), 5);
        assert_eq!(live_lines.len(), 5, "{live_lines:?}");
        // What the bot answered to the WAHA webhook, and that it was down for the Meta one.
        let (waha, meta) = (&envelopes[0], &envelopes[1]);
        let forwards = vec![
            ForwardRecord::answered(
                waha.seq,
                waha.received_at_ms + 40,
                "http://127.0.0.1:3000/waha".into(),
                wamon::outbound::Answer {
                    status: 201,
                    headers: vec![
                        ("content-type".into(), b"application/json".to_vec()),
                        ("x-bot".into(), b"caf\xe9".to_vec()),
                    ],
                    body: bytes::Bytes::from_static(b"{\"ok\":true,\"reply\":\"sent\"}"),
                    truncated: false,
                    ms: 37,
                },
            ),
            ForwardRecord::failed(
                meta.seq,
                meta.received_at_ms + 2,
                "http://127.0.0.1:3000/meta?hub=1&list=[a,b]&q=caf%C3%A9+x".into(),
                &wamon::outbound::Failure::Refused,
            ),
        ];
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&capture)
            .unwrap();
        for r in &forwards {
            file.write_all(&wamon::forward::record::encode(r)).unwrap();
        }
        // As the capture holds them (a forward line keeps header values as text).
        let forwards = wamon::capture::read_all(&std::fs::read(&capture).unwrap()[..])
            .unwrap()
            .forwards;
        assert_eq!(forwards.len(), 2);
        Fixture {
            dir,
            capture,
            live_lines,
            envelopes,
            forwards,
            marker,
        }
    })
}

fn export(args: &[&str]) -> Output {
    let f = fixture();
    Command::new(BIN)
        .arg("export")
        .arg(&f.capture)
        .args(args)
        .output()
        .unwrap()
}

fn stdout_of(args: &[&str]) -> String {
    let out = export(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("every format is UTF-8")
}

/// Method, path, query, headers and body.
type Resent = (
    String,
    String,
    Option<String>,
    Vec<(String, Vec<u8>)>,
    Vec<u8>,
);

/// What a resent request must keep: everything but hop-by-hop headers and the ones the
/// sender sets itself (`Host`, `Content-Length`).
fn comparable(e: &Envelope) -> Resent {
    let headers = e
        .headers
        .iter()
        .filter(|(n, _)| wamon::outbound::forwardable(n))
        .cloned()
        .collect();
    (
        e.method.clone(),
        e.path.clone(),
        e.query.clone(),
        headers,
        e.body.to_vec(),
    )
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

#[test]
fn a_capture_export_loads_back_with_the_same_requests_and_forward_results() {
    let f = fixture();
    let out = f.dir.join("all.jsonl");
    let run = export(&["--format", "capture", "-o", out.to_str().unwrap()]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let loaded = wamon::capture::read_all(&std::fs::read(&out).unwrap()[..]).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let envs: Vec<Envelope> = loaded.envelopes.into_iter().map(|(e, _)| e).collect();
    assert_eq!(envs, f.envelopes);
    assert_eq!(loaded.forwards, f.forwards);

    // And `wamon --load` prints what headless mode printed while recording it.
    let (child, _addr, stderr) = common::start_headless(
        &["--no-capture".as_ref(), "--load".as_ref(), out.as_os_str()],
        Stdio::piped(),
    );
    let stderr = common::drain(stderr);
    let mut child = child;
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    // The forward results are loaded too, each after its request (headless printed none of
    // them live in this fixture: they were appended to the capture by hand).
    let (mut lines, mut forwards) = (Vec::new(), Vec::new());
    while lines.len() < f.live_lines.len() {
        let line = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("--load prints every request");
        if line.contains(r#""kind":"forward""#) {
            forwards.push(line);
        } else {
            lines.push(line);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = stderr.join();
    assert_eq!(lines, f.live_lines);
    assert_eq!(forwards.len(), f.forwards.len(), "{forwards:?}");
}

#[test]
fn ndjson_is_what_headless_mode_printed_with_a_forward_line_after_each_forwarded_request() {
    let f = fixture();
    let text = stdout_of(&["--format", "ndjson"]);
    let lines: Vec<&str> = text.lines().collect();
    let events: Vec<String> = lines
        .iter()
        .filter(|l| !l.contains("\"kind\":\"forward\""))
        .map(|l| l.to_string())
        .collect();
    assert_eq!(events, f.live_lines, "byte for byte");
    let headless_keys = keys(&serde_json::from_str(&f.live_lines[0]).unwrap());
    let values: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for v in &values {
        assert_eq!(keys(v), headless_keys, "{v}");
    }
    // seq 1 (WAHA), its forward, seq 2 (Meta), its forward, then the rest.
    let order: Vec<(u64, &str)> = values
        .iter()
        .map(|v| (v["seq"].as_u64().unwrap(), v["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(order[1], (f.envelopes[0].seq, "forward"));
    assert_eq!(order[3], (f.envelopes[1].seq, "forward"));
    assert_eq!(values.len(), 7);
    assert_eq!(
        values[1]["forward"],
        serde_json::json!({"to": "http://127.0.0.1:3000/waha", "status": 201, "ms": 37, "error": null})
    );
    assert_eq!(values[3]["forward"]["status"], Value::Null);
    assert!(values[3]["forward"]["error"]
        .as_str()
        .unwrap()
        .contains("refused"));
    assert!(!text.contains('\x1b') && !text.contains('\u{9b}'));
}

/// Re-sends the fixture's requests to a fresh wamon, `how`: `bash` or `sh` running the
/// exported script (kept at `script`), or `bash -c` running each [`curl_command`] (what the
/// screen copies) on its own. What that wamon captured.
///
/// [`curl_command`]: wamon::export::curl::curl_command
fn resend(how: &str, script: &Path, dir: &Path) -> Vec<Envelope> {
    let capture = dir.join(format!("resent-{}.jsonl", how.replace(' ', "")));
    let (child, addr, stderr) =
        common::start_headless(&["--capture".as_ref(), capture.as_os_str()], Stdio::null());
    let stderr = common::drain(stderr);
    let base = format!("http://{addr}/");
    let mut runs = Vec::new();
    if how == "bash -c" {
        for env in &fixture().envelopes {
            let cmd = wamon::export::curl::curl_command(env, &base);
            runs.push(
                Command::new("bash")
                    .arg("-c")
                    .arg(cmd)
                    .stdin(Stdio::null())
                    .output(),
            );
        }
    } else {
        let run = Command::new(BIN)
            .arg("export")
            .arg(&fixture().capture)
            .args(["--format", "curl", "--to", &base, "-o"])
            .arg(script)
            .arg("--force")
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        runs.push(Command::new(how).arg(script).stdin(Stdio::null()).output());
    }
    for ran in runs {
        let ran = ran.unwrap();
        assert!(
            ran.status.success(),
            "{how}: {}",
            String::from_utf8_lossy(&ran.stderr)
        );
    }
    stop(child);
    let _ = stderr.join();
    wamon::capture::read_all(&std::fs::read(&capture).unwrap()[..])
        .unwrap()
        .envelopes
        .into_iter()
        .map(|(e, _)| e)
        .collect()
}

#[test]
fn the_curl_export_resends_every_request_exactly_under_bash_and_sh() {
    let f = fixture();
    let dir = temp_dir("curl");
    let script = dir.join("replay.sh");
    for how in ["bash", "sh", "bash -c"] {
        let resent = resend(how, &script, &dir);
        let want: Vec<_> = f.envelopes.iter().map(comparable).collect();
        let got: Vec<_> = resent.iter().map(comparable).collect();
        assert_eq!(got.len(), want.len(), "{how}");
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g, w, "{how}: a resent request differs");
        }
    }
    assert!(!f.marker.exists(), "nothing in a body is ever run");
    // The script itself shows safely: UTF-8, no control but line breaks, one comment a request.
    let text = String::from_utf8(std::fs::read(&script).unwrap()).unwrap();
    assert!(text.starts_with("#!/bin/sh\n"));
    for c in text.chars() {
        assert!(
            c == '\n' || !wamon::display::sanitize::is_unsafe(c),
            "{c:?} in the script"
        );
    }
    assert_eq!(text.matches("\n# seq ").count(), 5);
    assert!(text.contains("# seq 1 · ") && text.contains(" · waha/message"));
}

/// The HAR 1.2 schema, from the vendored `har-schema` files.
fn har_schema() -> schema::Schemas {
    let s = schema::Schemas::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/har-schema"));
    assert_eq!(s.len(), 18);
    s
}

fn assert_valid(schemas: &schema::Schemas, har: &Value) {
    let errors = schemas.errors("har.json", har);
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn har_is_valid_har_1_2_with_a_bot_entry_for_each_forwarded_request() {
    let f = fixture();
    let har: Value = serde_json::from_str(&stdout_of(&["--format", "har"])).unwrap();
    let schemas = har_schema();
    assert_valid(&schemas, &har);
    // The schema is really checked: a missing field, a URL that is not a URI, a time that is
    // not one, a string where a number goes, each fails.
    let broken = |path: &[&str], change: &dyn Fn(&mut Value)| {
        let mut b = har.clone();
        let mut at = &mut b["log"]["entries"][0];
        for p in path {
            at = &mut at[*p];
        }
        change(at);
        assert!(!schemas.errors("har.json", &b).is_empty(), "{path:?}");
    };
    broken(&["request"], &|r| {
        r.as_object_mut().unwrap().remove("url");
    });
    broken(&["request", "url"], &|u| {
        *u = "http://h/x?list=[a,b]".into()
    });
    broken(&["startedDateTime"], &|t| *t = "yesterday".into());
    broken(&["response", "status"], &|s| *s = "200".into());

    let log = &har["log"];
    assert_eq!(log["version"], "1.2");
    assert_eq!(log["creator"]["name"], "wamon");
    let entries = log["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 7, "5 webhooks, 2 forwards");
    assert_eq!(log["pages"].as_array().unwrap().len(), 5);

    let waha = &f.envelopes[0];
    let received = &entries[0];
    let page = format!("seq-{}", waha.seq);
    assert_eq!(received["pageref"], page.as_str());
    assert_eq!(received["response"]["status"], 200);
    assert!(received["request"]["url"]
        .as_str()
        .unwrap()
        .ends_with("/waha"));
    assert_eq!(
        received["request"]["postData"]["text"]
            .as_str()
            .unwrap()
            .as_bytes(),
        &waha.body[..]
    );
    let obs = received["request"]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == "x-obs")
        .unwrap();
    assert_eq!(obs["_valueBase64"], "Y2Fm6SD/");

    let bot = &entries[1];
    assert_eq!(bot["pageref"], page.as_str());
    assert_eq!(bot["request"]["url"], "http://127.0.0.1:3000/waha");
    assert_eq!(bot["response"]["status"], 201);
    assert_eq!(
        bot["response"]["content"]["text"],
        "{\"ok\":true,\"reply\":\"sent\"}"
    );
    assert_eq!(bot["time"], 37);
    assert_eq!(bot["timings"]["wait"], 37);
    let sent: Vec<&str> = bot["request"]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    assert!(!sent.contains(&"host") && !sent.contains(&"connection"));

    let down = &entries[3];
    assert_eq!(
        down["pageref"],
        format!("seq-{}", f.envelopes[1].seq).as_str()
    );
    assert_eq!(down["response"]["status"], 0);
    assert_eq!(down["response"]["_failure"], "refused");
    assert!(down["response"]["_error"]
        .as_str()
        .unwrap()
        .contains("refused"));
    let query = &entries[2]["request"]["queryString"];
    assert_eq!(
        query[2],
        serde_json::json!({"name": "q", "value": "café x"})
    );

    // The body that is not UTF-8: base64 of the exact bytes.
    let raw = entries.last().unwrap();
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(raw["request"]["postData"]["text"].as_str().unwrap())
        .unwrap();
    assert_eq!(bytes, &f.envelopes[4].body[..]);
    assert_eq!(raw["request"]["postData"]["_encoding"], "base64");
    assert_eq!(raw["response"]["status"], 400);
}

fn seqs_of_capture(args: &[&str]) -> Vec<u64> {
    let text = stdout_of(&[&["--format", "capture"], args].concat());
    let loaded = wamon::capture::read_all(text.as_bytes()).unwrap();
    assert!(loaded.warnings.is_empty());
    loaded.envelopes.iter().map(|(e, _)| e.seq).collect()
}

#[test]
fn filter_and_seq_select_and_their_errors_are_one_line() {
    let f = fixture();
    let seq = |i: usize| f.envelopes[i].seq;
    assert_eq!(seqs_of_capture(&["--filter", "provider:meta"]), [seq(1)]);
    assert_eq!(
        seqs_of_capture(&["--filter", "provider:waha|whapi"]),
        [seq(0), seq(2)]
    );
    let range = format!("{}-{}", seq(1), seq(3));
    assert_eq!(
        seqs_of_capture(&["--seq", &range]),
        [seq(1), seq(2), seq(3)]
    );
    assert_eq!(
        seqs_of_capture(&["--seq", &range, "--filter", "!provider:whapi"]),
        [seq(1), seq(3)]
    );
    // The forward result of an unselected request is left out.
    let text = stdout_of(&["--format", "capture", "--seq", &seq(2).to_string()]);
    assert!(!text.contains("forward_of"));

    let bad = export(&["--format", "har", "--filter", "kind:nonsense \u{1b}[2J"]);
    assert!(!bad.status.success());
    let err = String::from_utf8(bad.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("--filter") && !err.contains('\x1b'), "{err}");
    assert!(bad.stdout.is_empty());

    let bad = export(&["--format", "har", "--seq", "9-3"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("A-B"));
    let bad = export(&["--format", "har", "--to", "http://127.0.0.1:9"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--to is for --format curl"));
}

#[test]
fn output_files_are_private_and_never_overwritten_without_force() {
    let dir = temp_dir("output");
    let out = dir.join("sub/export.har");
    let path = out.to_str().unwrap();
    let first = export(&["--format", "har", "-o", path]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(first.stdout.is_empty(), "the data goes to the file");
    assert!(String::from_utf8_lossy(&first.stderr).contains("exported 5 of 5 requests"));
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    std::fs::write(&out, b"keep me").unwrap();
    let again = export(&["--format", "ndjson", "-o", path]);
    assert!(!again.status.success());
    let err = String::from_utf8(again.stderr).unwrap();
    assert!(err.contains("exists") && err.contains("--force"), "{err}");
    assert_eq!(std::fs::read(&out).unwrap(), b"keep me");

    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).unwrap();
    let forced = export(&["--format", "ndjson", "-o", path, "--force"]);
    assert!(forced.status.success());
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 7);
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn unreadable_lines_are_one_safe_warning_each_and_the_rest_is_exported() {
    let f = fixture();
    let dir = temp_dir("warnings");
    let damaged = dir.join("damaged.jsonl");
    let mut bytes = std::fs::read(&f.capture).unwrap();
    bytes.extend_from_slice(b"not json \x1b]0;owned\x07\n{\"seq\":\"x\x1b[2J\"}\n");
    std::fs::write(&damaged, &bytes).unwrap();
    let out = Command::new(BIN)
        .arg("export")
        .arg(&damaged)
        .args(["--format", "capture"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 2, "{err}");
    assert!(err
        .lines()
        .all(|l| l.starts_with("wamon: ") && l.contains("line ")));
    assert!(!err.contains('\x1b') && !err.contains('\x07'));
    let loaded = wamon::capture::read_all(&out.stdout[..]).unwrap();
    assert_eq!(loaded.envelopes.len(), 5);
}
