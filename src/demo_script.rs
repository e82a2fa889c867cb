//! Demo traffic scripts: realistic webhook conversations, one request per line, read into
//! [`DemoRequest`]s that `wamon send` POSTs to a URL and `wamon --demo` plays into its own receiver.
//!
//! A script lives in `assets/demo/<scenario>/<provider>.jsonl` (embedded in the binary, see
//! [`builtin`]). Each non-blank line that does not start with `#` is one JSON object:
//!
//! ```text
//! {"after_ms": 300, "method": "POST", "path": "/webhook", "headers": {"x-webhook-request-id": "..."},
//!  "body": { ...webhook JSON... }, "note": "what this step shows"}
//! ```
//!
//! `method` (default `POST`), `path` (default `/`), `headers`, `note` and `after_ms` (the pause
//! before this request, default 0) are optional. Instead of `body` a line may carry
//! `"body_text": "..."`, sent verbatim (malformed-body demos); a line with neither sends an empty
//! body. Unknown keys are an error, so a misspelt `bdoy` cannot silently send nothing.
//!
//! Placeholders are replaced in the raw line text before it is parsed, so they work both unquoted
//! (numbers) and inside strings. Step `i` (the i-th request, from 0) happens at `start + i`
//! seconds: `{{ts}}` is that time in unix seconds, `{{ts_ms}}` in milliseconds and `{{iso}}` as
//! RFC 3339 UTC with milliseconds (`2025-06-01T12:00:03.000Z`). Each may carry a whole-second
//! offset, `{{ts-1}}` or `{{ts+86400}}` — used where a later request must repeat an earlier
//! step's time (an identical retry, a snapshot naming the vote that triggered it).
//!
//! `assets/demo/conversation/expect.json` holds, per provider, what a correct monitor shows after
//! the whole `conversation` file has been applied (counts, final acks, reactions, edits, revokes,
//! the poll tally); the end-to-end tests hold the store to it.
//!
//! Core module: pure functions, no I/O.

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// One scripted HTTP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoRequest {
    /// Pause before sending this request, after the previous one.
    pub after_ms: u64,
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    /// Compact JSON of `body`, or the bytes of `body_text`.
    pub body: Vec<u8>,
    /// What this step demonstrates.
    pub note: Option<String>,
}

/// Why a script could not be read. Line numbers count from 1 and include comments and blanks.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("line {line}: {source}")]
    Json {
        line: usize,
        #[source]
        source: serde_json::Error,
    },
    #[error("line {line}: unknown placeholder {{{{{name}}}}} (use ts, ts_ms or iso, optionally +N/-N seconds)")]
    Placeholder { line: usize, name: String },
    #[error("line {line}: unclosed placeholder (missing `}}}}`)")]
    Unclosed { line: usize },
    #[error("line {line}: {message}")]
    Invalid { line: usize, message: String },
}

/// The built-in scenarios.
pub const SCENARIOS: &[&str] = &["conversation", "problems"];

/// The provider files a built-in scenario has (`problems` has one file, `unknown`).
pub fn providers(scenario: &str) -> &'static [&'static str] {
    match scenario {
        "conversation" => &[
            "waha",
            "whapi",
            "meta",
            "evolution",
            "instance",
            "evolution_go",
            "twilio",
            "greenapi",
            "zapi",
        ],
        "problems" => &["unknown"],
        _ => &[],
    }
}

/// The built-in file for (scenario, provider name), embedded with include_str! so an installed
/// binary needs no assets dir.
pub fn builtin(scenario: &str, provider: &str) -> Option<&'static str> {
    Some(match (scenario, provider) {
        ("conversation", "waha") => include_str!("../assets/demo/conversation/waha.jsonl"),
        ("conversation", "whapi") => include_str!("../assets/demo/conversation/whapi.jsonl"),
        ("conversation", "meta") => include_str!("../assets/demo/conversation/meta.jsonl"),
        ("conversation", "evolution") => {
            include_str!("../assets/demo/conversation/evolution.jsonl")
        }
        ("conversation", "instance") => include_str!("../assets/demo/conversation/instance.jsonl"),
        ("conversation", "evolution_go") => {
            include_str!("../assets/demo/conversation/evolution_go.jsonl")
        }
        ("conversation", "greenapi") => include_str!("../assets/demo/conversation/greenapi.jsonl"),
        ("conversation", "zapi") => include_str!("../assets/demo/conversation/zapi.jsonl"),
        ("conversation", "twilio") => include_str!("../assets/demo/conversation/twilio.jsonl"),
        ("problems", "unknown") => include_str!("../assets/demo/problems/unknown.jsonl"),
        _ => return None,
    })
}

/// One script line as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    #[serde(default)]
    after_ms: u64,
    method: Option<String>,
    path: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, Value>,
    /// Kept as written so the body goes out with the file's key order (real providers do not
    /// sort keys, and the raw pane should show what a provider would send).
    body: Option<Box<serde_json::value::RawValue>>,
    body_text: Option<String>,
    note: Option<String>,
}

/// Reads a script. `start_ms` is the time of the first request (unix milliseconds).
pub fn parse_scenario(text: &str, start_ms: i64) -> Result<Vec<DemoRequest>, ScenarioError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let step = out.len() as i64;
        let filled = substitute(trimmed, start_ms, step, line)?;
        let parsed: Line =
            serde_json::from_str(&filled).map_err(|source| ScenarioError::Json { line, source })?;
        out.push(to_request(parsed, line)?);
    }
    Ok(out)
}

/// Drops the whitespace between JSON tokens, leaving strings and key order untouched.
fn minify(json: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for &b in json.as_bytes() {
        if in_string {
            out.push(b);
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else if !b.is_ascii_whitespace() {
            in_string = b == b'"';
            out.push(b);
        }
    }
    out
}

fn to_request(l: Line, line: usize) -> Result<DemoRequest, ScenarioError> {
    let invalid = |message: String| ScenarioError::Invalid { line, message };
    let body = match (l.body, l.body_text) {
        (Some(_), Some(_)) => return Err(invalid("has both `body` and `body_text`".into())),
        (Some(v), None) => minify(v.get()),
        (None, Some(t)) => t.into_bytes(),
        (None, None) => Vec::new(),
    };
    let mut headers = Vec::with_capacity(l.headers.len());
    for (name, value) in l.headers {
        let value = match value {
            Value::String(s) => s,
            // An unquoted `{{ts_ms}}` is a number; header values are text anyway.
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            other => return Err(invalid(format!("header {name:?} is not text: {other}"))),
        };
        headers.push((name, value));
    }
    let method = l.method.unwrap_or_else(|| "POST".to_owned());
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(invalid(format!("bad method {method:?}")));
    }
    let path = l.path.unwrap_or_else(|| "/".to_owned());
    if !path.starts_with('/') {
        return Err(invalid(format!("path {path:?} must start with `/`")));
    }
    Ok(DemoRequest {
        after_ms: l.after_ms,
        method: method.to_ascii_uppercase(),
        path,
        headers,
        body,
        note: l.note.filter(|n| !n.is_empty()),
    })
}

/// Replaces every `{{name[±N]}}` in `text` for request number `step`.
fn substitute(text: &str, start_ms: i64, step: i64, line: usize) -> Result<String, ScenarioError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let close = after.find("}}").ok_or(ScenarioError::Unclosed { line })?;
        let name = &after[..close];
        let value =
            placeholder(name, start_ms, step).ok_or_else(|| ScenarioError::Placeholder {
                line,
                name: name.to_owned(),
            })?;
        out.push_str(&value);
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The text of one placeholder, or `None` when it is not one we know.
fn placeholder(spec: &str, start_ms: i64, step: i64) -> Option<String> {
    let spec = spec.trim();
    let (name, offset) = match spec.find(['+', '-']) {
        Some(at) => {
            let n: i64 = spec[at + 1..].trim().parse().ok()?;
            let n = if spec.as_bytes()[at] == b'-' { -n } else { n };
            (spec[..at].trim(), n)
        }
        None => (spec, 0),
    };
    let ms = start_ms.checked_add(step.checked_add(offset)?.checked_mul(1000)?)?;
    match name {
        "ts" => Some(ms.div_euclid(1000).to_string()),
        "ts_ms" => Some(ms.to_string()),
        "iso" => iso(ms),
        _ => None,
    }
}

fn iso(ms: i64) -> Option<String> {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()?;
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.format(&fmt).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Provider;
    use crate::provider::detect;

    const START: i64 = 1_750_000_000_000;

    fn body_json(r: &DemoRequest) -> Value {
        serde_json::from_slice(&r.body).unwrap()
    }

    #[test]
    fn placeholders_follow_the_step_index() {
        let text = r#"{"body": {"a": {{ts}}, "b": "{{ts_ms}}", "c": "{{iso}}"}}
{"body": {"a": {{ts}}, "prev": {{ts-1}}, "later": "{{ts+86400}}", "c": "{{iso}}"}}"#;
        let reqs = parse_scenario(text, START + 250).unwrap();
        assert_eq!(
            body_json(&reqs[0]),
            serde_json::json!({"a": 1_750_000_000, "b": "1750000000250", "c": "2025-06-15T15:06:40.250Z"})
        );
        assert_eq!(
            body_json(&reqs[1]),
            serde_json::json!({"a": 1_750_000_001, "prev": 1_750_000_000, "later": "1750086401", "c": "2025-06-15T15:06:41.250Z"})
        );
    }

    #[test]
    fn defaults_headers_and_compact_body() {
        let text = r#"{"after_ms": 300, "headers": {"X-Webhook-Timestamp": {{ts_ms}}, "x-a": "b"}, "body": { "k" : [1, 2] }, "note": "n"}
{"method": "put", "path": "/messages/post", "body_text": "{not json"}
{"method": "GET", "path": "/?hub.mode=subscribe"}"#;
        let reqs = parse_scenario(text, START).unwrap();
        assert_eq!(reqs.len(), 3);
        assert_eq!(reqs[0].after_ms, 300);
        assert_eq!(reqs[0].method, "POST");
        assert_eq!(reqs[0].path, "/");
        assert_eq!(reqs[0].body, br#"{"k":[1,2]}"#);
        assert_eq!(reqs[0].note.as_deref(), Some("n"));
        assert!(reqs[0]
            .headers
            .contains(&("X-Webhook-Timestamp".into(), START.to_string())));
        assert_eq!(reqs[1].method, "PUT");
        assert_eq!(reqs[1].body, b"{not json");
        assert_eq!(reqs[1].after_ms, 0);
        assert!(reqs[2].body.is_empty());
    }

    #[test]
    fn comments_and_blank_lines_are_skipped_and_do_not_count_as_steps() {
        let text = "# a story\n\n   \n  # indented comment\n{\"body\": {{ts}}}\n# between\n{\"body\": {{ts}}}\n";
        let reqs = parse_scenario(text, START).unwrap();
        assert_eq!(reqs.len(), 2);
        assert_eq!(reqs[0].body, b"1750000000");
        assert_eq!(reqs[1].body, b"1750000001");
    }

    #[test]
    fn errors_name_their_line() {
        let bad_json = "# c\n{\"body\": {}}\n\n{\"body\": {\"a\": }\n";
        let e = parse_scenario(bad_json, START).unwrap_err();
        assert!(matches!(e, ScenarioError::Json { line: 4, .. }), "{e}");
        assert!(e.to_string().starts_with("line 4:"), "{e}");

        let e = parse_scenario("\n{\"body\": {{when}}}", START).unwrap_err();
        assert!(
            matches!(&e, ScenarioError::Placeholder { line: 2, name } if name == "when"),
            "{e}"
        );
        let e = parse_scenario("{\"body\": {{ts}", START).unwrap_err();
        assert!(matches!(e, ScenarioError::Unclosed { line: 1 }), "{e}");
        let e = parse_scenario("{\"bdoy\": {}}", START).unwrap_err();
        assert!(matches!(e, ScenarioError::Json { line: 1, .. }), "{e}");
        let e = parse_scenario("{}\n{\"body\": 1, \"body_text\": \"x\"}", START).unwrap_err();
        assert!(matches!(e, ScenarioError::Invalid { line: 2, .. }), "{e}");
        let e = parse_scenario("{\"path\": \"webhook\"}", START).unwrap_err();
        assert!(matches!(e, ScenarioError::Invalid { line: 1, .. }), "{e}");
    }

    #[test]
    fn every_builtin_file_parses_and_is_detected_as_its_provider() {
        for scenario in SCENARIOS {
            for name in providers(scenario) {
                let text = builtin(scenario, name).expect("builtin exists");
                let reqs = parse_scenario(text, START)
                    .unwrap_or_else(|e| panic!("{scenario}/{name}: {e}"));
                assert!(
                    reqs.len() >= 4,
                    "{scenario}/{name}: {} requests",
                    reqs.len()
                );
                let first = text.lines().next().unwrap_or("");
                assert!(first.starts_with("# "), "{scenario}/{name}: no story line");
                for (i, r) in reqs.iter().enumerate() {
                    let Ok(body) = serde_json::from_slice::<Value>(&r.body) else {
                        // Twilio posts forms, sent with their content type.
                        if *name == "twilio" {
                            let n = crate::provider::normalize_body(&r.body);
                            assert_eq!(n.provider, Provider::Twilio, "{name} #{i}: {:?}", r.note);
                            let form = r.headers.iter().any(|(k, v)| {
                                k.eq_ignore_ascii_case("content-type")
                                    && v == "application/x-www-form-urlencoded"
                            });
                            assert!(form, "{name} #{i}: no form content type");
                            continue;
                        }
                        assert_eq!(*name, "unknown", "{scenario}/{name} #{i}: body is not JSON");
                        continue;
                    };
                    let signed = r
                        .headers
                        .iter()
                        .any(|(k, _)| k.eq_ignore_ascii_case("x-webhook-hmac"));
                    let want = match Provider::parse(name) {
                        Some(p) if p != Provider::Unknown => p,
                        _ if signed => Provider::Waha,
                        _ => Provider::Unknown,
                    };
                    assert_eq!(detect(&body), want, "{scenario}/{name} #{i}: {:?}", r.note);
                    assert!(
                        !r.body.windows(2).any(|w| w == b"{{"),
                        "unfilled placeholder"
                    );
                }
            }
        }
        assert!(builtin("conversation", "nope").is_none());
        assert!(builtin("problems", "waha").is_none());
    }

    #[test]
    fn conversation_files_tell_the_same_story() {
        let expect: Value =
            serde_json::from_str(include_str!("../assets/demo/conversation/expect.json")).unwrap();
        for name in providers("conversation") {
            let text = builtin("conversation", name).unwrap();
            let e = &expect[*name];
            assert!(e.is_object(), "expect.json has no {name}");
            // Every id the expectations name appears in the file.
            let mut ids: Vec<&str> = Vec::new();
            for key in ["acks", "reactions", "edited"] {
                ids.extend(e[key].as_object().unwrap().keys().map(String::as_str));
            }
            ids.extend(
                e["revoked"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(Value::as_str),
            );
            ids.extend(e["poll"]["id"].as_str());
            for id in ids {
                assert!(text.contains(id), "{name}: {id} not in the file");
            }
            // Two voters: counted, or (Evolution GO's encrypted votes) voted, choice unknown.
            let tally = e["poll"]["tally"].as_object().unwrap();
            let unknown = e["poll"]["unknown_votes"].as_u64().unwrap_or(0);
            assert_eq!(
                tally.values().filter_map(Value::as_u64).sum::<u64>() + unknown,
                2
            );
        }
    }

    #[test]
    fn identical_retries_stay_identical_after_substitution() {
        // WAHA's last two requests are one message as `message` then `message.any` (below).
        for name in providers("conversation").iter().filter(|n| **n != "waha") {
            let reqs = parse_scenario(builtin("conversation", name).unwrap(), START).unwrap();
            let n = reqs.len();
            assert_eq!(reqs[n - 1].body, reqs[n - 2].body, "{name}");
        }
        let reqs = parse_scenario(builtin("conversation", "waha").unwrap(), START).unwrap();
        let n = reqs.len();
        let (a, b) = (body_json(&reqs[n - 2]), body_json(&reqs[n - 1]));
        assert_eq!(
            (a["event"].as_str(), b["event"].as_str()),
            (Some("message"), Some("message.any"))
        );
        assert_eq!(a["payload"], b["payload"]);
    }
}
