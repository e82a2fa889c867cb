//! Every fixture in `assets/fixtures/<provider>/<case>.json` normalises to the events its
//! `<case>.expect.json` describes. A provider that posts forms rather than JSON (Twilio) has
//! `<case>.form` fixtures instead: the exact `application/x-www-form-urlencoded` bytes of the
//! request body (no trailing newline needed; one is ignored), with the same `.expect.json`.
//!
//! An expect file is `{"provider": "...", "events": [ {...}, ... ]}`. Each expected event is
//! compared with the serialised [`wamon::model::Event`] field by field: every key it names must
//! be equal (objects are compared the same way, recursively), `null` means "absent", and keys it
//! does not name are not checked, except `account`, which every expected event names (`null`
//! when the body names none): the key chats are kept under. The number of events must match
//! exactly.
//!
//! The body is normalised as a request to `POST /`, unless the expect file names another with
//! `"request": {"method": "PATCH", "path": "/whapi/messages"}` (either key may be left out):
//! Whapi's "path" and "method" webhook modes name the event in the request, not the body.
//!
//! A fixture that is not a provider's own example (one derived from another with an edge of the
//! wire added: a BOM, a huge number, deep nesting) says where it comes from in a
//! `<case>.note.md` beside it.

use serde_json::Value;
use std::path::{Path, PathBuf};
use wamon::envelope::Envelope;
use wamon::provider::normalize;

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/fixtures")
}

fn fixtures() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for provider in std::fs::read_dir(fixture_dir()).expect("assets/fixtures exists") {
        let dir = provider.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&dir).unwrap() {
            let p = f.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            let body = name.ends_with(".json") && !name.ends_with(".expect.json");
            if body || name.ends_with(".form") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Differences between `expected` (partial) and `actual`, as readable lines.
fn diff(path: &str, expected: &Value, actual: Option<&Value>, out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Null, None) | (Value::Null, Some(Value::Null)) => {}
        (Value::Object(exp), Some(Value::Object(act))) => {
            for (k, v) in exp {
                diff(&format!("{path}.{k}"), v, act.get(k), out);
            }
        }
        (e, Some(a)) if e == a => {}
        (e, a) => out.push(format!(
            "{path}: expected {e}, got {}",
            a.map_or("nothing".to_string(), Value::to_string)
        )),
    }
}

#[test]
fn every_fixture_normalises_to_its_expected_events() {
    let all = fixtures();
    assert!(all.len() >= 5, "fixtures are missing: found {}", all.len());
    let mut failures = Vec::new();
    for path in &all {
        let expect_path = path.with_extension("expect.json");
        let shown = path
            .strip_prefix(fixture_dir())
            .unwrap()
            .display()
            .to_string();
        let Ok(expect_text) = std::fs::read_to_string(&expect_path) else {
            failures.push(format!("{shown}: no {} beside it", expect_path.display()));
            continue;
        };
        let expect: Value = serde_json::from_str(&expect_text)
            .unwrap_or_else(|e| panic!("{}: {e}", expect_path.display()));
        let mut env = Envelope::post(1, 0, std::fs::read(path).unwrap());
        let request = &expect["request"];
        if let Some(m) = request["method"].as_str() {
            env.method = m.to_owned();
        }
        if let Some(p) = request["path"].as_str() {
            env.path = p.to_owned();
        }
        let got = normalize(&env);
        let mut problems = Vec::new();
        if let Some(p) = expect.get("provider").and_then(Value::as_str) {
            if p != got.provider.as_str() {
                problems.push(format!("provider: expected {p}, got {}", got.provider));
            }
        }
        let exp_events = expect["events"].as_array().expect("events array");
        if exp_events.len() != got.events.len() {
            problems.push(format!(
                "expected {} events, got {}: {}",
                exp_events.len(),
                got.events.len(),
                serde_json::to_string(&got.events).unwrap()
            ));
        } else {
            for (i, (e, a)) in exp_events.iter().zip(&got.events).enumerate() {
                if e.get("account").is_none() {
                    problems.push(format!("events[{i}]: names no account"));
                }
                let a = serde_json::to_value(a).unwrap();
                diff(&format!("events[{i}]"), e, Some(&a), &mut problems);
            }
        }
        if !problems.is_empty() {
            failures.push(format!("{shown}:\n    {}", problems.join("\n    ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures differ:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

#[test]
fn every_provider_has_fixtures() {
    let names = wamon::model::Provider::KNOWN
        .iter()
        .map(|p| p.as_str())
        .chain(["unknown"]);
    for p in names {
        let dir = fixture_dir().join(p);
        let n = std::fs::read_dir(&dir)
            .map(|d| d.count())
            .unwrap_or_default();
        assert!(n > 0, "no fixtures in {}", dir.display());
    }
}
