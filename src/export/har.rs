//! `--format har`: HAR 1.2 (<http://www.softwareishard.com/blog/har-12-spec/>), for browser
//! devtools, HAR viewers and HTTP tools.
//!
//! Each exported request is a *page* (`id` `seq-N`, titled `seq N · provider/event`) with one or
//! two entries that name it in `pageref`:
//! 1. the webhook as wamon received it (`url` `http://<its Host header, or 127.0.0.1>/path?query`,
//!    every header as received) and wamon's reply. wamon keeps the status of its reply, not its
//!    body: `response.status` is exact, `headers` are the two every reply carries (the
//!    content type wamon uses for that method, `x-content-type-options: nosniff`), `content`
//!    has no `text` and `size` 0, `bodySize` is -1 (unknown), and the `comment` says so (with
//!    the request's note when it was rejected). `time` and every timing are 0: the capture holds
//!    arrival times, not durations.
//! 2. when the request was forwarded to the bot (`--forward-to`), the forwarded request (the
//!    headers wamon passed on; the client adds `Host` and `Content-Length`) and the bot's answer:
//!    status, headers, body, `time` and `timings.wait` the milliseconds it took, and
//!    `startedDateTime` that much before the answer was complete. A bot that never answered is
//!    status 0 with the reason in the custom fields `_error` (in words) and `_failure` (a word:
//!    `refused`, `timeout`, ...); an answer longer than wamon kept has `_truncated: true` and
//!    `bodySize` -1.
//!
//! Bytes that are not UTF-8: HAR's `postData` has no `encoding` field, so a request body that
//! is not UTF-8 is written as base64 in `text` with the custom field `_encoding: "base64"` (and
//! a comment), mirroring `content.encoding`, which a response body that is not UTF-8 uses as the
//! spec says. A header value that is not UTF-8 shows with U+FFFD in `value` and its exact bytes,
//! base64, in `_valueBase64`. `queryString` holds the query's pairs decoded (`+` and `%XX`).
//! Custom fields start with `_`, as the spec requires; `_seq` and `_remote` say which request
//! and which client.
//!
//! Written with [`crate::display::json_out`], one entry a line.
//!
//! Core module: writes to any `Write`.

use super::Selection;
use crate::envelope::Envelope;
use crate::forward::ForwardRecord;
use base64::Engine as _;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::io::Write;

/// HAR's version.
pub const HAR_VERSION: &str = "1.2";

/// What the receiver speaks (and the forwarding client sends).
const HTTP_VERSION: &str = "HTTP/1.1";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `[{name, value}]`; a value that is not UTF-8 also has its exact bytes in `_valueBase64`.
fn headers<'a>(pairs: impl IntoIterator<Item = &'a (String, Vec<u8>)>) -> Value {
    pairs
        .into_iter()
        .map(|(name, value)| {
            let mut h = Map::new();
            h.insert("name".into(), name.as_str().into());
            h.insert("value".into(), String::from_utf8_lossy(value).into());
            if std::str::from_utf8(value).is_err() {
                h.insert("_valueBase64".into(), b64(value).into());
            }
            Value::Object(h)
        })
        .collect()
}

/// The query's pairs, decoded.
fn query_string(query: Option<&str>) -> Value {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .map(|(name, value)| json!({"name": name, "value": value}))
        .collect()
}

/// A request `Host` header fit for a URL's authority (a hostile one could be anything).
fn host(env: &Envelope) -> &str {
    let fits = |h: &&str| {
        !h.is_empty()
            && h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._:[]".contains(&b))
    };
    env.header_bytes("host")
        .and_then(|h| std::str::from_utf8(h).ok())
        .filter(fits)
        .unwrap_or("127.0.0.1")
}

/// `url` with its path and query fit for a URI (RFC 3986), which HAR's `url` must be: a
/// received request line can hold what a URI may not (hyper takes `[`, `]`, `{`, `|`, a `%`
/// without two hex digits), and each such byte is percent-encoded. `scheme://authority` is left
/// as it is (an IPv6 authority holds `[` and `]`).
fn uri(url: &str) -> String {
    let rest_at = url
        .find("://")
        .map(|i| i + 3)
        .and_then(|from| url[from..].find('/').map(|j| from + j))
        .unwrap_or(url.len());
    let (head, rest) = url.split_at(rest_at);
    let bytes = rest.as_bytes();
    let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
    let mut out = String::with_capacity(url.len() + 8);
    out.push_str(head);
    for (i, &b) in bytes.iter().enumerate() {
        let keep = b.is_ascii_alphanumeric()
            || b"-._~:/?#@!$&'()*+,;=".contains(&b)
            || (b == b'%' && hex(i + 1) && hex(i + 2));
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn path_and_query(env: &Envelope) -> String {
    let mut s = if env.path.starts_with('/') {
        env.path.clone()
    } else {
        format!("/{}", env.path)
    };
    if let Some(q) = env.query.as_deref().filter(|q| !q.is_empty()) {
        s.push('?');
        s.push_str(q);
    }
    s
}

/// `postData` for a request with a body.
fn post_data(env: &Envelope) -> Option<Value> {
    if env.body.is_empty() {
        return None;
    }
    let mime = env
        .header("content-type")
        .map(|c| c.into_owned())
        .unwrap_or_default();
    Some(match std::str::from_utf8(&env.body) {
        Ok(text) => json!({"mimeType": mime, "text": text}),
        Err(_) => json!({
            "mimeType": mime,
            "text": b64(&env.body),
            "_encoding": "base64",
            "comment": "the body is not UTF-8: text is its exact bytes in base64",
        }),
    })
}

/// A HAR request for `env` sent to `url` with `header_pairs`.
fn request<'a>(
    env: &Envelope,
    url: &str,
    header_pairs: impl IntoIterator<Item = &'a (String, Vec<u8>)>,
) -> Value {
    let mut r = json!({
        "method": env.method,
        "url": uri(url),
        "httpVersion": HTTP_VERSION,
        "cookies": [],
        "headers": headers(header_pairs),
        "queryString": query_string(env.query.as_deref()),
        "headersSize": -1,
        "bodySize": env.body.len(),
    });
    if let Some(p) = post_data(env) {
        r["postData"] = p;
    }
    r
}

fn status_text(status: u16) -> &'static str {
    hyper::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}

/// wamon's reply to `env`, as far as the capture knows it.
fn wamon_response(env: &Envelope) -> Value {
    // What `receiver::reply` sends: text pages for GET and HEAD, JSON for webhooks.
    let mime = match env.method.as_str() {
        "GET" | "HEAD" => "text/plain; charset=utf-8",
        _ => "application/json; charset=utf-8",
    };
    let mut comment =
        String::from("wamon's reply: its status as recorded; wamon does not keep its reply bodies");
    if let Some(note) = &env.note {
        comment.push_str("; note: ");
        comment.push_str(note);
    }
    json!({
        "status": env.status,
        "statusText": status_text(env.status),
        "httpVersion": HTTP_VERSION,
        "cookies": [],
        "headers": [
            {"name": "content-type", "value": mime},
            {"name": "x-content-type-options", "value": "nosniff"},
        ],
        "content": {"size": 0, "mimeType": mime},
        "redirectURL": "",
        "headersSize": -1,
        "bodySize": -1,
        "comment": comment,
    })
}

/// The bot's answer (or failure) in `r`.
fn bot_response(r: &ForwardRecord) -> Value {
    let header = |name: &str| {
        r.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
            .unwrap_or_default()
    };
    let mime = header("content-type");
    let mut content = json!({"size": r.body.len(), "mimeType": mime});
    match std::str::from_utf8(&r.body) {
        Ok(text) => content["text"] = text.into(),
        Err(_) => {
            content["text"] = b64(&r.body).into();
            content["encoding"] = "base64".into();
        }
    }
    let status = r.status.unwrap_or(0);
    let mut resp = json!({
        "status": status,
        "statusText": r.status.map_or("", status_text),
        "httpVersion": if r.status.is_some() { HTTP_VERSION } else { "" },
        "cookies": [],
        "headers": headers(&r.headers),
        "content": content,
        "redirectURL": header("location"),
        "headersSize": -1,
        "bodySize": if r.truncated { -1 } else { r.body.len() as i64 },
    });
    if r.truncated {
        resp["_truncated"] = true.into();
        resp["content"]["comment"] =
            "the answer was longer: this is what wamon kept (--forward-body-limit)".into();
    }
    if r.status.is_none() {
        resp["_error"] = r.error.clone().unwrap_or_default().into();
        resp["_failure"] = r.failure.clone().unwrap_or_default().into();
    }
    resp
}

fn timings(wait_ms: u64) -> Value {
    json!({"send": 0, "wait": wait_ms, "receive": 0})
}

/// The entry of `env` as wamon received it.
fn received_entry(env: &Envelope, page: &str) -> Value {
    let url = format!("http://{}{}", host(env), path_and_query(env));
    json!({
        "pageref": page,
        "startedDateTime": crate::capture::rfc3339_ms(env.received_at_ms),
        "time": 0,
        "request": request(env, &url, &env.headers),
        "response": wamon_response(env),
        "cache": {},
        "timings": timings(0),
        "comment": format!("seq {}: the webhook as wamon received it, and wamon's reply", env.seq),
        "_seq": env.seq,
        "_remote": env.remote,
    })
}

/// The entry of `env` forwarded to the bot, with what became of it.
fn forwarded_entry(env: &Envelope, r: &ForwardRecord, page: &str) -> Value {
    let ms = r.ms.unwrap_or(0);
    let sent: Vec<&(String, Vec<u8>)> = env
        .headers
        .iter()
        .filter(|(n, _)| crate::outbound::forwardable(n))
        .collect();
    json!({
        "pageref": page,
        "startedDateTime": crate::capture::rfc3339_ms(r.at_ms - ms as i64),
        "time": ms,
        "request": request(env, &r.to, sent),
        "response": bot_response(r),
        "cache": {},
        "timings": timings(ms),
        "comment": format!(
            "seq {}: the webhook forwarded by wamon to the bot, and the bot's answer",
            env.seq
        ),
        "_seq": env.seq,
    })
}

/// Writes one element of a JSON array: a separator first unless it is the first, then the
/// value on a line of its own.
fn element(out: &mut dyn Write, first: &mut bool, v: &Value) -> std::io::Result<()> {
    if !std::mem::take(first) {
        out.write_all(b",")?;
    }
    out.write_all(b"\n")?;
    // Serialising a `Value` into memory cannot fail.
    out.write_all(&crate::display::json_out::to_vec(v).unwrap_or_default())
}

/// Writes the HAR of `sel` to `out`.
pub fn write(sel: &Selection, out: &mut dyn Write) -> std::io::Result<()> {
    // Page ids, unique even in a file that holds a seq twice (captures concatenated).
    let mut uses: HashMap<u64, usize> = HashMap::new();
    let pages: Vec<String> = sel
        .chosen()
        .map(|(env, _)| {
            let n = uses.entry(env.seq).or_default();
            *n += 1;
            match *n {
                1 => format!("seq-{}", env.seq),
                n => format!("seq-{}.{n}", env.seq),
            }
        })
        .collect();
    let head = json!({
        "version": HAR_VERSION,
        "creator": {"name": "wamon", "version": env!("CARGO_PKG_VERSION")},
        "comment": "Exported by wamon from a capture. Each page is one webhook: its first entry \
                    is the request as wamon received it with wamon's reply (status only), its \
                    second, if any, the same request forwarded to the bot with the bot's answer.",
    });
    let head = crate::display::json_out::to_vec(&head).unwrap_or_default();
    // The head object without its closing brace, then the arrays.
    out.write_all(b"{\"log\":")?;
    out.write_all(&head[..head.len() - 1])?;
    out.write_all(b",\"pages\":[")?;
    let mut first = true;
    for ((env, _), id) in sel.chosen().zip(&pages) {
        let title = format!("seq {} · {}", env.seq, super::what(env));
        let page = json!({
            "startedDateTime": crate::capture::rfc3339_ms(env.received_at_ms),
            "id": id,
            "title": title,
            "pageTimings": {},
        });
        element(out, &mut first, &page)?;
    }
    out.write_all(b"\n],\"entries\":[")?;
    let mut first = true;
    for ((env, forwards), id) in sel.chosen().zip(&pages) {
        element(out, &mut first, &received_entry(env, id))?;
        for r in forwards {
            element(out, &mut first, &forwarded_entry(env, r, id))?;
        }
    }
    out.write_all(b"\n]}}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hostile_host_header_falls_back_to_loopback() {
        let mut e = Envelope::post(1, 0, &b"{}"[..]);
        e.headers = vec![("host".into(), b"evil.example/x?\x1b".to_vec())];
        assert_eq!(host(&e), "127.0.0.1");
        e.headers = vec![("host".into(), b"abc.trycloudflare.com".to_vec())];
        assert_eq!(host(&e), "abc.trycloudflare.com");
        e.headers = vec![("host".into(), b"[::1]:8080".to_vec())];
        assert_eq!(host(&e), "[::1]:8080");
    }

    #[test]
    fn urls_are_uris() {
        assert_eq!(
            uri("http://[::1]:3000/a b/[x]?list=[a,b]&q=%C3%A9|{}&p=100%"),
            "http://[::1]:3000/a%20b/%5Bx%5D?list=%5Ba,b%5D&q=%C3%A9%7C%7B%7D&p=100%25"
        );
        assert_eq!(uri("http://h"), "http://h");
    }

    #[test]
    fn query_pairs_are_decoded() {
        assert_eq!(
            query_string(Some("hub.mode=subscribe&a=b%20c+d&flag")),
            json!([
                {"name": "hub.mode", "value": "subscribe"},
                {"name": "a", "value": "b c d"},
                {"name": "flag", "value": ""},
            ])
        );
        assert_eq!(query_string(None), json!([]));
    }

    #[test]
    fn bodies_and_header_values_that_are_not_utf8_keep_their_bytes() {
        let mut e = Envelope::post(1, 0, &b"\xff\x00{"[..]);
        e.headers = vec![("x-obs".into(), b"caf\xe9".to_vec())];
        let r = request(&e, "http://h/", &e.headers);
        assert_eq!(r["postData"]["text"], "/wB7");
        assert_eq!(r["postData"]["_encoding"], "base64");
        assert_eq!(r["headers"][0]["value"], "caf\u{fffd}");
        assert_eq!(r["headers"][0]["_valueBase64"], "Y2Fm6Q==");
    }
}
