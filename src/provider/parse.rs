//! Reads a body as JSON the way RFC 8259 allows, not only the way serde_json does by default:
//! the one decision of what is `malformed`, shared by the normaliser and the receiver's 400
//! reply (its line and column).
//!
//! serde_json's defaults refuse four things that are valid JSON, and a webhook carrying any of
//! them must still be normalised as far as possible:
//! - **a leading UTF-8 BOM** (EF BB BF; RFC 8259 §8.1 lets a parser ignore it): skipped for
//!   parsing only. The bytes stay exact everywhere else (capture, raw view, signatures).
//! - **numbers beyond f64** (`1e400`, a 400-digit integer): the grammar has no range. They are
//!   kept as the string of their digits in the parsed value (what a normaliser reading a number
//!   gets from a numeric string), so nothing else in the body is lost. serde_json's
//!   `arbitrary_precision` feature would keep them as numbers, but it is crate-wide and changes
//!   every `Value` number (the store and normalisers read timestamps with `as_f64`/`as_i64`).
//! - **nesting deeper than 128 levels**: the grammar has no depth limit either. Such a body is
//!   checked by wamon's own tokenizer ([`crate::json_tree`], an explicit stack: no depth can
//!   overflow the call stack), and the parsed value keeps the first [`MAX_DEPTH`] levels, deeper
//!   containers becoming `null` in it: no provider puts anything a normaliser reads that deep,
//!   and a bounded value can be dropped, cloned and printed by recursive code on any thread's
//!   stack. The raw view shows every level. (serde_json's `unbounded_depth` would need a stack
//!   guard such as `serde_stacker` for the same result.)
//! - **a lone surrogate escape** (`"\ud800"`): kept as written in the string.
//!
//! The fast path is serde_json itself: only a body it refuses is looked at again, so ordinary
//! webhooks pay nothing. A body that is not valid JSON gets serde_json's own error (message,
//! line and column, as before), counted in the bytes as received (a BOM included); only where
//! serde_json stopped at one of its defaults before the real error does the tokenizer name it,
//! in serde_json's words.
//!
//! Core module: pure functions.

use crate::json_tree::{self, Kind, Node};
use serde_json::{Map, Number, Value};

/// Levels of nesting kept in the parsed value (the root is level 1).
pub const MAX_DEPTH: u32 = 512;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Why a body is not JSON, where serde_json would say it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at line {line} column {column}")]
pub struct Invalid {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

/// `body` parsed as JSON, leniently (see the module docs).
pub fn body(body: &[u8]) -> Result<Value, Invalid> {
    let bom = body.starts_with(BOM);
    let text = if bom { &body[BOM.len()..] } else { body };
    let refused = match serde_json::from_slice::<Value>(text) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    // serde_json refused it: decide with the tokenizer, which takes all of RFC 8259 but reads
    // bytes, so UTF-8 is checked beside it.
    let tree = json_tree::parse(body);
    let utf8 = std::str::from_utf8(body).err();
    let syntax = match tree {
        Ok(nodes) if utf8.is_none() => return Ok(build(body, &nodes)),
        Ok(_) => None,
        Err(e) => Some(e),
    };
    // Not JSON. serde_json named the first error unless it stopped at one of its defaults
    // first: its own words then, in the bytes as received (a BOM shifts line 1 by 3 columns).
    if !refused_by_default(&refused) {
        let line = refused.line();
        let column = refused.column() + if bom && line == 1 { BOM.len() } else { 0 };
        let full = refused.to_string();
        let suffix = format!(" at line {} column {}", refused.line(), refused.column());
        let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
        return Err(Invalid {
            message,
            line,
            column,
        });
    }
    // It stopped at a default (a huge number, deep nesting, a lone surrogate) before the real
    // error: the tokenizer's, which follows serde_json's wording and positions, or the first
    // byte that is not UTF-8 if that comes first.
    let utf8 = utf8
        .map(|e| json_tree::ParseError::at(body, e.valid_up_to(), "invalid unicode code point"));
    let first = [syntax, utf8]
        .into_iter()
        .flatten()
        .min_by_key(|e| (e.line, e.column))
        .unwrap_or(json_tree::ParseError {
            message: "invalid JSON",
            line: 1,
            column: 0,
        });
    Err(Invalid {
        message: first.message.to_owned(),
        line: first.line,
        column: first.column,
    })
}

/// What serde_json refuses by default only: RFC 8259 allows it.
fn refused_by_default(e: &serde_json::Error) -> bool {
    let m = e.to_string();
    [
        "recursion limit exceeded",
        "number out of range",
        "surrogate",
    ]
    .iter()
    .any(|w| m.contains(w))
}

/// A value being filled: a container and the key it goes under in its parent.
struct Open {
    key: Option<String>,
    value: Value,
    /// One past the container's last node.
    end: u32,
}

/// The value of a tokenized document, without recursion.
fn build(b: &[u8], nodes: &[Node]) -> Value {
    let token = |n: &Node| std::str::from_utf8(&b[n.start as usize..n.stop as usize]).unwrap_or("");
    let mut stack: Vec<Open> = Vec::new();
    let mut root = Value::Null;
    let mut i = 0usize;
    loop {
        // Close the containers that end here.
        while stack.last().is_some_and(|o| o.end as usize <= i) {
            let Some(done) = stack.pop() else { break };
            attach(&mut stack, &mut root, done.key, done.value);
        }
        let Some(n) = nodes.get(i) else { break };
        let key = n
            .has_key()
            .then(|| json_tree::decode_string(token_span(b, n.key_start, n.key_end)));
        let value = match n.kind() {
            Kind::Object | Kind::Array if n.depth() >= MAX_DEPTH => {
                i = n.end as usize;
                attach(&mut stack, &mut root, key, Value::Null);
                continue;
            }
            Kind::Object | Kind::Array => {
                let value = if n.kind() == Kind::Object {
                    Value::Object(Map::new())
                } else {
                    Value::Array(Vec::new())
                };
                stack.push(Open {
                    key,
                    value,
                    end: n.end,
                });
                i += 1;
                continue;
            }
            Kind::Str => Value::String(json_tree::decode_string(token(n))),
            Kind::Num => match token(n).parse::<Number>() {
                Ok(num) => Value::Number(num),
                // Out of f64's range: its digits, as written.
                Err(_) => Value::String(token(n).to_owned()),
            },
            Kind::Lit => match token(n) {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::Null,
            },
        };
        attach(&mut stack, &mut root, key, value);
        i += 1;
    }
    root
}

fn token_span(b: &[u8], start: u32, stop: u32) -> &str {
    std::str::from_utf8(&b[start as usize..stop as usize]).unwrap_or("")
}

/// Puts a finished value into its parent, or makes it the root.
fn attach(stack: &mut [Open], root: &mut Value, key: Option<String>, value: Value) {
    match stack.last_mut().map(|o| &mut o.value) {
        Some(Value::Array(a)) => a.push(value),
        Some(Value::Object(m)) => {
            m.insert(key.unwrap_or_default(), value);
        }
        _ => *root = value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(depth: usize, inner: &str) -> String {
        format!("{}{inner}{}", "[".repeat(depth), "]".repeat(depth))
    }

    #[test]
    fn a_bom_is_skipped() {
        let v = body(b"\xEF\xBB\xBF{\"a\":1}").unwrap();
        assert_eq!(v["a"], 1);
        // Positions count the BOM's bytes: they are in the bytes as received.
        let e = body(b"\xEF\xBB\xBF{\"a\":}").unwrap_err();
        assert_eq!(
            (e.message.as_str(), e.line, e.column),
            ("expected value", 1, 9)
        );
    }

    #[test]
    fn numbers_beyond_f64_keep_their_digits_and_the_rest_of_the_body() {
        let big = "9".repeat(400);
        let v =
            body(format!(r#"{{"x":1e400,"y":-{big},"z":[1.5,2],"s":"ok"}}"#).as_bytes()).unwrap();
        assert_eq!(v["x"], "1e400");
        assert_eq!(v["y"], format!("-{big}"));
        assert_eq!(v["z"][0], 1.5);
        assert_eq!(v["s"], "ok");
        assert!(
            serde_json::from_str::<Value>("1e400").is_err(),
            "serde_json refuses it"
        );
    }

    #[test]
    fn deep_nesting_is_valid_and_the_value_stops_at_max_depth() {
        let v = body(nested(200, "7").as_bytes()).unwrap();
        let mut cur = &v;
        for _ in 0..199 {
            cur = &cur[0];
        }
        assert_eq!(cur[0], 7, "200 levels are all kept");
        // 100,000 levels: no stack overflow parsing, building or dropping.
        let v = body(nested(100_000, "7").as_bytes()).unwrap();
        let mut cur = &v;
        let mut depth = 0;
        while let Some(next) = cur.get(0) {
            cur = next;
            depth += 1;
        }
        assert_eq!(depth as u32, MAX_DEPTH, "deeper containers are null");
        assert!(cur.is_null());
    }

    #[test]
    fn objects_keep_their_keys_and_lone_surrogates_are_kept_as_written() {
        let deep = nested(150, r#"{"k\u00e9":"\ud800x","n":null,"t":true}"#);
        let v = body(format!(r#"{{"a":{deep},"b":false}}"#).as_bytes()).unwrap();
        let mut cur = &v["a"];
        for _ in 0..150 {
            cur = &cur[0];
        }
        assert_eq!(cur["ké"], "\\ud800x");
        assert_eq!(cur["n"], Value::Null);
        assert_eq!(cur["t"], true);
        assert_eq!(v["b"], false);
    }

    #[test]
    fn what_is_not_json_is_invalid_with_serde_jsons_position() {
        for bad in [
            &b"{\"event\": \"message\",\n  \"x\": }"[..],
            b"{\"a\":1,}",
            b"[1 2]",
            b"{\"a\":\"\xff\"}",
            b"nul",
        ] {
            let ours = body(bad).unwrap_err();
            let theirs = serde_json::from_slice::<Value>(bad).unwrap_err();
            assert_eq!(
                (ours.line, ours.column),
                (theirs.line(), theirs.column()),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        // Deep, big and valid up to a syntax error: still invalid, at the error.
        let e =
            body(format!("{{\"x\":1e400,\"d\":{},}}", nested(300, "1")).as_bytes()).unwrap_err();
        assert_eq!(e.message, "trailing comma");
    }
}
