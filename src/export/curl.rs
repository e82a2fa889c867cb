//! A received request as a runnable `curl` command (`wamon export --format curl`, and the
//! screen's "copy as curl"), and a script of them.
//!
//! The command re-sends the request as it came: the same method, `base_url` joined with the
//! request's path and query (the way `--forward-to` joins them), every header except hop-by-hop
//! ones, `Host` and `Content-Length` ([`crate::outbound::forwardable`]: curl sets those two from
//! the URL and the body), and the body byte for byte, so provider signatures still verify:
//!
//! ```sh
//! printf '%s' '{"event":"message",…}' | curl -g -X POST 'http://127.0.0.1:8080/waha' \
//!   -H 'content-type: application/json' \
//!   -H 'x-webhook-hmac: 1c2f…' \
//!   -H 'Accept:' -H 'User-Agent:' -H 'Expect:' \
//!   --data-binary @-
//! ```
//!
//! Decisions:
//! - **Quoting** is [`super::shell`]'s: single quotes around printable text, a `printf` format
//!   with octal escapes for anything else (controls, bytes that are not UTF-8), so the command
//!   is plain text a terminal shows safely and any POSIX `sh` re-creates the exact bytes.
//! - **The body is piped** from the `printf` builtin into `--data-binary @-` rather than given
//!   as an argument: an argument cannot hold NUL, is limited to 128 KiB on Linux, and curl reads
//!   a file for one starting with `@`. A request without a body (GET, HEAD) has no pipe; any
//!   other method sends its body even when empty (`Content-Length: 0`, as received).
//! - **curl's own headers are taken out** when the request did not have them: `Accept: */*`
//!   and `User-Agent: curl/…` always, `Content-Type: application/x-www-form-urlencoded` and
//!   `Expect: 100-continue` with a body (`-H 'Name:'` removes one). A header with an empty value
//!   is written `-H 'name;'`, curl's way of sending it empty.
//! - **`-g`** (no URL globbing): `[`, `]`, `{` and `}` in a path or query are sent as they are.
//! - **HEAD** is `--head`, since `-X HEAD` makes curl wait for a body that never comes.
//!
//! Core module: builds text.

use super::shell;
use crate::envelope::Envelope;
use crate::outbound::forwardable;

/// Where a script re-sends requests unless told otherwise (`--to`): wamon's own default address.
pub const DEFAULT_BASE_URL: &str = "http://127.0.0.1:8080";

/// Headers curl adds by itself, and whether only requests with a body get them.
const CURL_DEFAULTS: &[(&str, bool)] = &[
    ("Accept", false),
    ("User-Agent", false),
    ("Content-Type", true),
    ("Expect", true),
];

/// `base_url` (trailing `/` dropped) joined with the request's path and query.
pub fn url(env: &Envelope, base_url: &str) -> String {
    let mut url = base_url.trim_end_matches('/').to_owned();
    if !env.path.starts_with('/') {
        url.push('/');
    }
    url.push_str(&env.path);
    if let Some(q) = env.query.as_deref().filter(|q| !q.is_empty()) {
        url.push('?');
        url.push_str(q);
    }
    url
}

/// Whether the request carries a body to send (GET and HEAD without one do not).
fn sends_body(env: &Envelope) -> bool {
    !env.body.is_empty() || !matches!(env.method.as_str(), "GET" | "HEAD")
}

/// A POSIX shell command that re-sends `env` to `base_url` with curl (see the module docs).
pub fn curl_command(env: &Envelope, base_url: &str) -> String {
    let body = sends_body(env);
    let mut cmd = String::with_capacity(env.body.len() + 256);
    if body {
        cmd.push_str(&shell::printer(&env.body));
        cmd.push_str(" | ");
    }
    cmd.push_str("curl -g ");
    if env.method == "HEAD" {
        cmd.push_str("--head");
    } else {
        cmd.push_str("-X ");
        // A method is an HTTP token, which may hold shell characters (`!`, `$`, `'`, `|`).
        if !env.method.is_empty() && env.method.bytes().all(|b| b.is_ascii_alphanumeric()) {
            cmd.push_str(&env.method);
        } else {
            cmd.push_str(&shell::word(env.method.as_bytes()));
        }
    }
    cmd.push(' ');
    cmd.push_str(&shell::word(url(env, base_url).as_bytes()));
    for (name, value) in env.headers.iter().filter(|(n, _)| forwardable(n)) {
        let mut arg = name.as_bytes().to_vec();
        if value.is_empty() {
            arg.push(b';');
        } else {
            arg.extend_from_slice(b": ");
            arg.extend_from_slice(value);
        }
        cmd.push_str(" \\\n  -H ");
        cmd.push_str(&shell::word(&arg));
    }
    let removed: Vec<String> = CURL_DEFAULTS
        .iter()
        .filter(|(name, with_body)| (body || !with_body) && env.header_bytes(name).is_none())
        .map(|(name, _)| format!("-H '{name}:'"))
        .collect();
    if !removed.is_empty() {
        cmd.push_str(" \\\n  ");
        cmd.push_str(&removed.join(" "));
    }
    if body {
        cmd.push_str(" \\\n  --data-binary @-");
    }
    cmd
}

/// The comment above a request's command in a script: `# seq 12 · 2026-11-21T12:00:00.123Z ·
/// waha/message`, and for a rejected request a second line with wamon's status and note; each
/// line with nothing a terminal acts on.
pub fn comment(env: &Envelope) -> String {
    let mut c = format!(
        "# seq {} · {} · {}",
        env.seq,
        crate::capture::rfc3339_ms(env.received_at_ms),
        super::what(env)
    );
    // A rejected request may have lost its body (over --max-body, say): the command then sends
    // what was kept, and the comment says why.
    if let Some(note) = &env.note {
        c.push_str(&format!(
            "\n# wamon answered {}: {}",
            env.status,
            crate::display::clean(note)
        ));
    }
    c
}

/// The head of a script of `count` commands from `source`, re-sending to `base_url`.
pub fn script_header(source: &str, count: usize, base_url: &str) -> String {
    let line = |s: String| format!("{}\n", crate::display::clean(&s));
    let mut out = String::from("#!/bin/sh\n");
    out.push_str(&line(format!(
        "# wamon {} export: {count} request(s) from {source}, re-sent to {base_url} with curl.",
        env!("CARGO_PKG_VERSION")
    )));
    out.push_str(
        "# Each command sends one request as it was received: its method, path and query, its\n\
         # headers but Host, Content-Length and hop-by-hop ones, and its body byte for byte.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(method: &str, body: &[u8]) -> Envelope {
        let mut e = Envelope::post(4, 1_700_000_000_123, body.to_vec());
        e.method = method.into();
        e.path = "/waha".into();
        e.query = Some("a=[1]&b=it's".into());
        e.headers = vec![
            ("host".into(), b"example.com".to_vec()),
            ("content-type".into(), b"application/json".to_vec()),
            ("content-length".into(), b"2".to_vec()),
            ("connection".into(), b"close".to_vec()),
            ("x-empty".into(), Vec::new()),
            ("x-obs".into(), b"caf\xe9".to_vec()),
        ];
        e
    }

    #[test]
    fn a_post_pipes_its_body_and_keeps_its_own_headers_only() {
        let cmd = curl_command(&env("POST", b"{}"), "http://127.0.0.1:3000/");
        assert_eq!(
            cmd,
            "printf '%s' '{}' | curl -g -X POST 'http://127.0.0.1:3000/waha?a=[1]&b=it'\\''s' \\\n  \
             -H 'content-type: application/json' \\\n  \
             -H 'x-empty;' \\\n  \
             -H \"$(printf 'x-obs: caf\\351')\" \\\n  \
             -H 'Accept:' -H 'User-Agent:' -H 'Expect:' \\\n  \
             --data-binary @-"
        );
    }

    #[test]
    fn a_get_has_no_body_and_a_head_is_head() {
        let mut e = env("GET", b"");
        e.headers.clear();
        assert_eq!(
            curl_command(&e, "http://h"),
            "curl -g -X GET 'http://h/waha?a=[1]&b=it'\\''s' \\\n  -H 'Accept:' -H 'User-Agent:'"
        );
        e.method = "HEAD".into();
        e.query = None;
        assert!(curl_command(&e, "http://h").starts_with("curl -g --head 'http://h/waha'"));
        // An empty POST still sends its empty body, as it came.
        e.method = "POST".into();
        assert!(curl_command(&e, "http://h").starts_with("printf '%s' '' | curl"));
    }

    #[test]
    fn comments_are_one_safe_line() {
        let mut e = env(
            "POST",
            br#"{"event":"message\u001b]0;x\u0007\n","session":"s","payload":{}}"#,
        );
        e.seq = 9;
        let c = comment(&e);
        assert!(
            c.starts_with("# seq 9 · 2023-11-14T22:13:20.123Z · waha/message"),
            "{c}"
        );
        assert!(crate::display::sanitize::is_clean(&c), "{c:?}");
        e.status = 413;
        e.note = Some("body over --max-body\n\x1b[2J".into());
        let c = comment(&e);
        let lines: Vec<&str> = c.lines().collect();
        assert_eq!(lines.len(), 2, "{c}");
        assert!(lines[1].starts_with("# wamon answered 413: body over --max-body"));
        assert!(lines.iter().all(|l| crate::display::sanitize::is_clean(l)));
        let h = script_header("a\nb\x1b.jsonl", 2, DEFAULT_BASE_URL);
        assert_eq!(h.lines().count(), 4);
        assert!(!h.contains('\x1b'));
    }
}
