//! Checks a JSON value against the vendored HAR 1.2 JSON Schema (`tests/har-schema/`, draft-06),
//! implementing exactly the keywords those files use: `$ref`, `type`, `required`, `properties`,
//! `items`, `oneOf`, `pattern` and `format` (`date-time`, `uri`, `ipv4`, `ipv6`). Any other
//! keyword is an error, so nothing the schema says is skipped unnoticed; the only ones passed
//! over are the annotations `$id` and `$schema` and the three that are not JSON Schema at all
//! (`optional`, `min`, `unique`), which any validator ignores.
//!
//! Why not the `jsonschema` crate: its current versions turn on serde_json's `float_roundtrip`
//! feature, which Cargo then turns on for every test build, so wamon's number parsing in tests
//! would differ from the shipped binary's (`tests/fuzz_normalizer.rs` caught it); versions
//! without it pull ICU, which needs Rust 1.88. Both also add about a minute of build.

use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

/// The schema files, by file name.
pub struct Schemas {
    files: HashMap<String, Value>,
}

/// Keywords that constrain nothing here.
const IGNORED: &[&str] = &["$id", "$schema", "optional", "min", "unique"];

impl Schemas {
    /// Every `*.json` in `dir`.
    pub fn load(dir: &Path) -> Schemas {
        let mut files = HashMap::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let name = path.file_name().unwrap().to_str().unwrap().to_owned();
                let schema = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
                files.insert(name, schema);
            }
        }
        Schemas { files }
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Why `v` does not match the schema in file `root`: one line per error, with its path.
    pub fn errors(&self, root: &str, v: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        self.check(&self.file(root), v, "", &mut errors);
        errors
    }

    fn file(&self, reference: &str) -> Value {
        let name = reference.trim_end_matches('#');
        self.files
            .get(name)
            .unwrap_or_else(|| panic!("no schema file {name:?}"))
            .clone()
    }

    fn check(&self, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
        let schema = schema.as_object().expect("a schema is an object");
        for (keyword, arg) in schema {
            match keyword.as_str() {
                k if IGNORED.contains(&k) => {}
                "$ref" => self.check(&self.file(arg.as_str().unwrap()), v, at, errors),
                "type" => {
                    let types: Vec<&str> = match arg {
                        Value::String(t) => vec![t.as_str()],
                        Value::Array(a) => a.iter().map(|t| t.as_str().unwrap()).collect(),
                        _ => panic!("bad type {arg}"),
                    };
                    if !types.iter().any(|t| has_type(v, t)) {
                        errors.push(format!("{at}: {v} is not of type {arg}"));
                    }
                }
                "required" => {
                    if let Value::Object(o) = v {
                        for name in arg.as_array().unwrap() {
                            let name = name.as_str().unwrap();
                            if !o.contains_key(name) {
                                errors.push(format!("{at}: {name:?} is required"));
                            }
                        }
                    }
                }
                "properties" => {
                    if let Value::Object(o) = v {
                        for (name, sub) in arg.as_object().unwrap() {
                            if let Some(value) = o.get(name) {
                                self.check(sub, value, &format!("{at}/{name}"), errors);
                            }
                        }
                    }
                }
                "items" => {
                    if let Value::Array(a) = v {
                        for (i, item) in a.iter().enumerate() {
                            self.check(arg, item, &format!("{at}/{i}"), errors);
                        }
                    }
                }
                "oneOf" => {
                    let matching = arg
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter(|sub| {
                            let mut e = Vec::new();
                            self.check(sub, v, at, &mut e);
                            e.is_empty()
                        })
                        .count();
                    if matching != 1 {
                        errors.push(format!("{at}: {v} matches {matching} of oneOf {arg}"));
                    }
                }
                "pattern" => {
                    if let Value::String(s) = v {
                        let re = regex::Regex::new(arg.as_str().unwrap()).unwrap();
                        if !re.is_match(s) {
                            errors.push(format!("{at}: {s:?} does not match {arg}"));
                        }
                    }
                }
                "format" => {
                    if let Value::String(s) = v {
                        if !has_format(s, arg.as_str().unwrap()) {
                            errors.push(format!("{at}: {s:?} is not a {arg}"));
                        }
                    }
                }
                other => panic!("schema keyword {other:?} is not implemented here"),
            }
        }
    }
}

fn has_type(v: &Value, t: &str) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        other => panic!("unknown type {other:?}"),
    }
}

fn has_format(s: &str, format: &str) -> bool {
    match format {
        "date-time" => {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).is_ok()
        }
        "uri" => is_uri(s),
        "ipv4" => s.parse::<std::net::Ipv4Addr>().is_ok(),
        "ipv6" => s.parse::<std::net::Ipv6Addr>().is_ok(),
        other => panic!("format {other:?} is not implemented here"),
    }
}

/// An absolute URI by RFC 3986's characters: a scheme, `:`, then only unreserved and reserved
/// characters and well-formed percent escapes (`[` and `]` only around an IPv6 host).
fn is_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    // `[`/`]` belong to an IP literal host only: take the authority's out before checking.
    let (authority, tail) = match rest.strip_prefix("//") {
        Some(r) => r.split_at(r.find(['/', '?', '#']).unwrap_or(r.len())),
        None => ("", rest),
    };
    let host_literal = authority
        .rsplit_once('@')
        .map_or(authority, |(_, h)| h)
        .strip_prefix('[')
        .and_then(|h| h.split_once(']'));
    let authority_rest = match host_literal {
        Some((ip, port)) if ip.parse::<std::net::Ipv6Addr>().is_ok() => port,
        Some(_) => return false,
        None => authority,
    };
    let bytes = [authority_rest, tail].concat().into_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
            if !(hex(i + 1) && hex(i + 2)) {
                return false;
            }
            i += 3;
            continue;
        }
        let allowed = b.is_ascii_alphanumeric() || b"-._~:/?#@!$&'()*+,;=".contains(&b);
        if !allowed {
            return false;
        }
        i += 1;
    }
    scheme_ok
}

#[test]
fn the_uri_check_follows_rfc_3986() {
    assert!(is_uri("http://127.0.0.1:8080/waha?a=1&b=%5Bx%5D"));
    assert!(is_uri("http://[::1]:3000/x"));
    assert!(!is_uri("http://h/x?list=[a,b]"));
    assert!(!is_uri("http://h/a b"));
    assert!(!is_uri("http://h/%zz"));
    assert!(!is_uri("/relative"));
    assert!(!is_uri("http://[nope]/"));
}
