//! The capture file: JSONL, one line per received request, byte-exact bodies.
//!
//! The first line is a header `{"wamon_capture":1,"started_at":"...","version":"..."}`. Each
//! following line holds `seq`, `received_at` (RFC 3339 UTC, milliseconds), `method`, `path`,
//! `query`, `headers` (an object of strings; repeated names joined with ", "), `headers_b64` (only
//! when a header value is not UTF-8: those values' exact bytes in base64, by name, while
//! `headers` holds a lossy copy), `remote`, `status` (what wamon answered), `note` (why it was rejected, if it was), and the body: `body` as a JSON string of
//! its exact bytes when they are UTF-8, else `body_b64`. `jq` reads it as is. Lines are written
//! with [`crate::display::json_out`]: characters a terminal would act on (DEL, C1, bidi controls,
//! U+2028/U+2029; C0 as always) are `\uXXXX` escapes, which decode to the same bytes.
//!
//! Reading is forgiving: a torn last line (the writer was killed mid-write) is skipped with a
//! warning, and so is any other line that cannot be read, with its line number; neither stops the
//! load.
//!
//! Core module: encodes and decodes bytes; the file itself is written by the edge
//! ([`crate::capture_writer`]).

use crate::envelope::Envelope;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::io::BufRead;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Format version written in the header line.
pub const FORMAT_VERSION: u32 = 1;

/// The headers as the capture holds them: names sorted, the values of a repeated name joined
/// with ", " in arrival order (each name once, as `jq` expects of an object).
fn joined(pairs: &[(String, Vec<u8>)]) -> Vec<(&str, Cow<'_, [u8]>)> {
    let mut order: Vec<usize> = (0..pairs.len()).collect();
    order.sort_by(|&a, &b| pairs[a].0.cmp(&pairs[b].0));
    let mut out = Vec::with_capacity(pairs.len());
    let mut i = 0;
    while i < order.len() {
        let name = &pairs[order[i]].0;
        let same = order[i..]
            .iter()
            .take_while(|&&k| pairs[k].0 == *name)
            .count();
        let value = if same == 1 {
            Cow::Borrowed(pairs[order[i]].1.as_slice())
        } else {
            let values: Vec<&[u8]> = order[i..i + same]
                .iter()
                .map(|&k| pairs[k].1.as_slice())
                .collect();
            Cow::Owned(values.join(&b", "[..]))
        };
        out.push((name.as_str(), value));
        i += same;
    }
    out
}

/// `headers`: every value as a JSON string, lossy where the bytes are not UTF-8 (their exact
/// bytes are in [`HeadersB64`]). Serialised straight from the joined pairs (no map: this runs
/// per request).
struct Headers<'a>(&'a [(&'a str, Cow<'a, [u8]>)]);

impl Serialize for Headers<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, value) in self.0 {
            map.serialize_entry(name, &String::from_utf8_lossy(value))?;
        }
        map.end()
    }
}

/// `headers_b64`: the exact bytes, base64, of the values that are not UTF-8 (written only when
/// there is one). A parallel field rather than another type of value under `headers`, so that
/// `headers` stays an object of strings for `jq` and for readers of older files.
struct HeadersB64<'a>(&'a [(&'a str, Cow<'a, [u8]>)]);

impl HeadersB64<'_> {
    fn any(pairs: &[(&str, Cow<'_, [u8]>)]) -> bool {
        pairs.iter().any(|(_, v)| std::str::from_utf8(v).is_err())
    }
}

impl Serialize for HeadersB64<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        for (name, value) in self.0 {
            if std::str::from_utf8(value).is_err() {
                map.serialize_entry(
                    name,
                    &base64::engine::general_purpose::STANDARD.encode(value),
                )?;
            }
        }
        map.end()
    }
}

#[derive(Serialize)]
struct LineOut<'a> {
    seq: u64,
    received_at: String,
    method: &'a str,
    path: &'a str,
    query: Option<&'a str>,
    headers: Headers<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    headers_b64: Option<HeadersB64<'a>>,
    remote: Option<&'a str>,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body_b64: Option<String>,
}

/// Header pairs read straight into the envelope's list (no intermediate map: `--load` runs this
/// for every line).
#[derive(Default)]
struct HeaderPairs(Vec<(String, Vec<u8>)>);

impl<'de> Deserialize<'de> for HeaderPairs {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Pairs;
        impl<'de> serde::de::Visitor<'de> for Pairs {
            type Value = HeaderPairs;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of header names to values")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<HeaderPairs, A::Error> {
                let mut v = Vec::with_capacity(m.size_hint().unwrap_or(8));
                while let Some((name, value)) = m.next_entry::<String, String>()? {
                    v.push((name, value.into_bytes()));
                }
                Ok(HeaderPairs(v))
            }
        }
        d.deserialize_map(Pairs)
    }
}

#[derive(Deserialize)]
struct LineIn<'a> {
    seq: u64,
    #[serde(borrow)]
    received_at: std::borrow::Cow<'a, str>,
    #[serde(default)]
    method: String,
    #[serde(default)]
    path: String,
    #[serde(default)]
    query: Option<String>,
    #[serde(default)]
    headers: HeaderPairs,
    /// Exact bytes of the header values that are not UTF-8 (files before it have none).
    #[serde(default)]
    headers_b64: Option<std::collections::BTreeMap<String, String>>,
    #[serde(default)]
    remote: Option<String>,
    #[serde(default)]
    status: u16,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    body_b64: Option<String>,
}

/// Why a capture line could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CaptureError {
    #[error("line {line}: {message}")]
    BadLine { line: usize, message: String },
    #[error("line {line}: torn last line (the writer stopped mid-line); skipped")]
    Torn { line: usize },
    #[error("not a wamon capture file (first line has no \"wamon_capture\")")]
    NotACapture,
}

/// Formats milliseconds since the epoch as RFC 3339 UTC with exactly three decimals
/// (`2026-11-21T19:56:17.123Z`). Done by hand: every request and every NDJSON line needs one.
pub fn rfc3339_ms(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    // Civil date from days since the epoch (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000
    )
}

/// Parses an RFC 3339 time into milliseconds since the epoch.
pub fn parse_rfc3339_ms(s: &str) -> Option<i64> {
    fast_utc_ms(s).or_else(|| general_rfc3339_ms(s))
}

/// The format wamon writes (`2026-11-21T19:56:17.123Z`), read without a general parser:
/// loading a capture reads one per line.
fn fast_utc_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 24
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'.'
        || b[23] != b'Z'
    {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i64> {
        b[from..to].iter().try_fold(0i64, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
        })
    };
    let (y, m, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hh, mm, ss, ms) = (num(11, 13)?, num(14, 16)?, num(17, 19)?, num(20, 23)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    // Days since the epoch from a civil date (H. Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + hh) * 60 + mm) * 60_000 + ss * 1000 + ms)
}

fn general_rfc3339_ms(s: &str) -> Option<i64> {
    let t = OffsetDateTime::parse(s, &Rfc3339).ok()?;
    Some((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// The header line, with its newline.
pub fn header_line(started_at_ms: i64) -> Vec<u8> {
    let mut v = serde_json::to_vec(&serde_json::json!({
        "wamon_capture": FORMAT_VERSION,
        "started_at": rfc3339_ms(started_at_ms),
        "version": env!("CARGO_PKG_VERSION"),
    }))
    .unwrap_or_default();
    v.push(b'\n');
    v
}

/// A body as a capture line holds it: `body` when its bytes are UTF-8, else `body_b64`.
pub(crate) fn body_fields(bytes: &[u8]) -> (Option<&str>, Option<String>) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (Some(s), None),
        Err(_) => (
            None,
            Some(base64::engine::general_purpose::STANDARD.encode(bytes)),
        ),
    }
}

/// The body's bytes back from a line's `body` / `body_b64` (neither: empty).
pub(crate) fn body_bytes(
    body: Option<String>,
    body_b64: Option<String>,
) -> Result<Vec<u8>, String> {
    match (body, body_b64) {
        (Some(s), _) => Ok(s.into_bytes()),
        (None, Some(b)) => base64::engine::general_purpose::STANDARD
            .decode(b)
            .map_err(|e| format!("bad body_b64: {e}")),
        (None, None) => Ok(Vec::new()),
    }
}

/// One capture line for `env`, with its newline.
pub fn encode(env: &Envelope) -> Vec<u8> {
    let (body, body_b64) = body_fields(&env.body);
    let headers = joined(&env.headers);
    let line = LineOut {
        seq: env.seq,
        received_at: rfc3339_ms(env.received_at_ms),
        method: &env.method,
        path: &env.path,
        query: env.query.as_deref(),
        headers: Headers(&headers),
        headers_b64: HeadersB64::any(&headers).then_some(HeadersB64(&headers)),
        remote: env.remote.as_deref(),
        status: env.status,
        note: env.note.as_deref(),
        body,
        body_b64,
    };
    // Terminal controls that JSON allows raw are escaped: `cat` or `tail -f` of a capture must
    // not be an attack either. Lossless: the line decodes to the same values.
    let mut v = crate::display::json_out::to_vec(&line).unwrap_or_default();
    v.push(b'\n');
    v
}

/// Reads one capture line (without or with its newline). `line_no` is for messages.
pub fn decode(line: &[u8], line_no: usize) -> Result<Envelope, CaptureError> {
    let bad = |message: String| CaptureError::BadLine {
        line: line_no,
        message,
    };
    let l: LineIn = serde_json::from_slice(line).map_err(|e| bad(e.to_string()))?;
    let received_at_ms = parse_rfc3339_ms(&l.received_at)
        .ok_or_else(|| bad(format!("bad received_at {:?}", l.received_at)))?;
    let body = body_bytes(l.body, l.body_b64).map_err(bad)?;
    let mut headers = l.headers.0;
    for (name, b64) in l.headers_b64.unwrap_or_default() {
        let exact = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| bad(format!("bad headers_b64 {name:?}: {e}")))?;
        match headers.iter_mut().find(|(k, _)| *k == name) {
            Some((_, v)) => *v = exact,
            None => headers.push((name, exact)),
        }
    }
    Ok(Envelope {
        seq: l.seq,
        received_at_ms,
        method: l.method,
        path: l.path,
        query: l.query,
        headers,
        remote: l.remote,
        body: body.into(),
        status: l.status,
        note: l.note,
    })
}

/// Whether `line` is a capture header.
pub fn is_header(line: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(line)
        .ok()
        .is_some_and(|v| v.get("wamon_capture").is_some())
}

/// Everything read from a capture: the requests and what had to be skipped.
#[derive(Debug, Default)]
pub struct Loaded {
    pub envelopes: Vec<(Envelope, u64)>,
    /// What the bot answered to forwarded requests (see [`crate::forward::record`]).
    pub forwards: Vec<crate::forward::ForwardRecord>,
    pub warnings: Vec<CaptureError>,
}

/// Reads a whole capture. Each envelope comes with its line's byte offset in the file.
pub fn read_all(mut r: impl BufRead) -> Result<Loaded, std::io::Error> {
    let mut out = Loaded::default();
    let mut buf = Vec::new();
    let mut offset = 0u64;
    let mut line_no = 0usize;
    loop {
        buf.clear();
        let n = r.read_until(b'\n', &mut buf)?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let start = offset;
        offset += n as u64;
        let complete = buf.last() == Some(&b'\n');
        let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        // The first line is the header whatever it holds, blank included: checked before blank
        // lines are skipped, as `loader::load_streaming` does, so both readers report the same.
        if line_no == 1 {
            if is_header(line) {
                continue;
            }
            out.warnings.push(CaptureError::NotACapture);
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if crate::forward::record::is_line(line) {
            match crate::forward::record::decode(line, line_no) {
                Ok(r) => out.forwards.push(r),
                Err(_) if !complete => out.warnings.push(CaptureError::Torn { line: line_no }),
                Err(e) => out.warnings.push(e),
            }
            continue;
        }
        match decode(line, line_no) {
            Ok(env) => out.envelopes.push((env, start)),
            Err(_) if !complete => out.warnings.push(CaptureError::Torn { line: line_no }),
            Err(e) => out.warnings.push(e),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(body: &[u8]) -> Envelope {
        let mut e = Envelope::post(7, 1_700_000_000_123, body.to_vec());
        e.headers = vec![
            ("x-a".into(), "1".into()),
            ("x-a".into(), "2".into()),
            // obs-text: every byte HTTP allows in a value beyond ASCII, not UTF-8.
            ("x-obs".into(), (0x80..=0xffu8).collect()),
            ("x-mixed".into(), b"caf\xe9 \xc3\xa9".to_vec()),
        ];
        e.query = Some("a=b".into());
        e
    }

    #[test]
    fn bodies_round_trip_byte_exact() {
        for body in [
            &br#"{"b":1,  "a":"\u00e9"}"#[..],
            "{\"x\":\"é\"}".as_bytes(),
            &[0xff, 0xfe, b'{'][..],
            b"",
        ] {
            let line = encode(&env(body));
            assert_eq!(line.iter().filter(|b| **b == b'\n').count(), 1);
            let back = decode(&line, 1).unwrap();
            assert_eq!(&back.body[..], body);
            assert_eq!(back.received_at_ms, 1_700_000_000_123);
            assert_eq!(back.seq, 7);
            assert_eq!(back.query.as_deref(), Some("a=b"));
            assert_eq!(back.header("x-a").as_deref(), Some("1, 2"));
            assert_eq!(
                back.header_bytes("x-obs"),
                Some(&(0x80..=0xffu8).collect::<Vec<u8>>()[..])
            );
            assert_eq!(back.header_bytes("x-mixed"), Some(&b"caf\xe9 \xc3\xa9"[..]));
        }
    }

    #[test]
    fn header_values_that_are_not_utf8_keep_a_lossy_string_beside_their_exact_bytes() {
        let line = encode(&env(b"{}"));
        let v: serde_json::Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(v["headers"]["x-a"], "1, 2");
        assert_eq!(v["headers"]["x-mixed"], "caf\u{fffd} é");
        assert!(v["headers_b64"].get("x-a").is_none(), "UTF-8 values once");
        assert_eq!(v["headers_b64"]["x-mixed"], "Y2Fm6SDDqQ==");
        let plain = encode(&Envelope::post(1, 0, &b"{}"[..]));
        assert!(!String::from_utf8(plain).unwrap().contains("headers_b64"));
    }

    #[test]
    fn lines_written_before_headers_b64_still_load() {
        let old = br#"{"seq":3,"received_at":"2023-11-14T22:13:20.123Z","method":"POST","path":"/","query":null,"headers":{"content-type":"application/json","x-b":"caf\ufffd"},"remote":null,"status":200,"body":"{}"}"#;
        let env = decode(old, 1).unwrap();
        assert_eq!(env.header("x-b").as_deref(), Some("caf\u{fffd}"));
        assert_eq!(env.headers.len(), 2);
    }

    #[test]
    fn the_time_writer_agrees_with_the_time_crate() {
        let fmt = time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        );
        let mut ms = -86_400_000i64 * 365 * 3;
        while ms < 4_102_444_800_000 {
            let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).unwrap();
            assert_eq!(rfc3339_ms(ms), t.format(&fmt).unwrap(), "{ms}");
            ms += 7_777_777_777;
        }
    }

    #[test]
    fn the_fast_time_reader_agrees_with_the_general_one() {
        for ms in [
            0i64,
            951_782_400_000,
            1_700_000_000_123,
            1_795_262_400_999,
            4_102_444_800_000,
        ] {
            let s = rfc3339_ms(ms);
            assert_eq!(fast_utc_ms(&s), Some(ms), "{s}");
            assert_eq!(general_rfc3339_ms(&s), Some(ms), "{s}");
        }
        assert_eq!(
            parse_rfc3339_ms("2023-11-14T23:13:20.123+01:00"),
            Some(1_700_000_000_123)
        );
        assert_eq!(fast_utc_ms("2023-13-14T22:13:20.123Z"), None);
    }

    #[test]
    fn time_format_has_milliseconds() {
        assert_eq!(rfc3339_ms(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(rfc3339_ms(1_700_000_000_000), "2023-11-14T22:13:20.000Z");
        assert_eq!(
            parse_rfc3339_ms("2023-11-14T22:13:20.123Z"),
            Some(1_700_000_000_123)
        );
    }

    #[test]
    fn a_torn_last_line_is_skipped_with_a_warning() {
        let mut file = header_line(0);
        file.extend(encode(&env(b"{}")));
        let torn = encode(&env(b"{\"x\":1}"));
        file.extend(&torn[..torn.len() / 2]);
        let loaded = read_all(&file[..]).unwrap();
        assert_eq!(loaded.envelopes.len(), 1);
        assert_eq!(loaded.warnings, vec![CaptureError::Torn { line: 3 }]);
        assert_eq!(loaded.envelopes[0].1, header_line(0).len() as u64);
    }

    #[test]
    fn a_bad_middle_line_is_reported_and_skipped() {
        let mut file = header_line(0);
        file.extend(b"not json\n");
        file.extend(encode(&env(b"{}")));
        let loaded = read_all(&file[..]).unwrap();
        assert_eq!(loaded.envelopes.len(), 1);
        assert!(matches!(
            loaded.warnings[0],
            CaptureError::BadLine { line: 2, .. }
        ));
    }
}
