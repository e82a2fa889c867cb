//! Property tests of the capture file: writing and reading one line
//! (`capture::encode`/`decode`/`is_header`) and loading a whole file (`loader::load_streaming`,
//! `capture::read_all`, `loader::max_seq`).
//!
//! Any envelope — arbitrary method, path, query, header and note text with controls and line
//! separators, arbitrary body bytes (UTF-8 or not), any seq, any status, any time the format can
//! hold — must come back from its line exactly (headers in the documented sorted, joined form).
//! Any bytes, and any truncation or bit flip of a real line, must decode to an envelope or to an
//! error naming the line. A file of real lines mixed with garbage, blank and CRLF lines and a
//! torn last line must load every real line once, in order, with its offset, and report every
//! bad line by number; both readers must agree, and `max_seq` must cover every real line.
//!
//! `PROPTEST_CASES=N` lengthens the hunt (see `fuzz::config` and the README's "Tests").

mod fuzz;

use fuzz::{config, envelope, Body, MAX_CAPTURE_MS, MIN_CAPTURE_MS};
use proptest::prelude::*;
use proptest::sample::Index;
use wamon::capture::{self, decode, encode, is_header, CaptureError};
use wamon::envelope::Envelope;
use wamon::loader;

/// The envelope as its capture line stores it: headers sorted by name (stable), values of a
/// repeated name joined with ", " in arrival order.
fn as_stored(env: &Envelope) -> Envelope {
    let mut headers: Vec<(String, Vec<u8>)> = Vec::new();
    let mut sorted = env.headers.clone();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    for (k, v) in sorted {
        match headers.last_mut() {
            Some((last, joined)) if *last == k => {
                joined.extend_from_slice(b", ");
                joined.extend_from_slice(&v);
            }
            _ => headers.push((k, v)),
        }
    }
    Envelope {
        headers,
        ..env.clone()
    }
}

/// A decode error must be a bad line naming `line`.
fn check_error(e: &CaptureError, line: usize) -> Result<(), TestCaseError> {
    match e {
        CaptureError::BadLine { line: l, message } => {
            prop_assert_eq!(*l, line);
            prop_assert!(!message.is_empty());
            let prefix = format!("line {line}: ");
            prop_assert!(e.to_string().starts_with(&prefix), "{} names no line", e);
            Ok(())
        }
        other => Err(TestCaseError::fail(format!("decode gave {other:?}"))),
    }
}

/// A line of a generated capture file.
#[derive(Debug, Clone)]
enum Line {
    /// A real request; `true` when written with a CRLF ending.
    Real(Envelope, bool),
    /// Bytes without a newline (may happen to be a readable line).
    Garbage(Body),
    /// Spaces and tabs only: skipped without a word.
    Blank(String),
}

fn garbage() -> impl Strategy<Value = Body> {
    prop_oneof![
        // Random bytes.
        prop::collection::vec(any::<u8>(), 1..64),
        // A real line cut short or with a flipped bit.
        (envelope(), any::<Index>(), 0..9u8).prop_map(|(e, at, bit)| {
            let mut l = encode(&e);
            l.pop();
            let k = at.index(l.len());
            if bit == 8 {
                l.truncate(k.max(1));
            } else {
                l[k] ^= 1 << bit;
            }
            l
        }),
        // JSON objects with capture keys and broken values.
        (fuzz::json(), fuzz::text()).prop_map(|(j, t)| {
            let mut v = serde_json::json!({"seq": 1, "received_at": t, "x": null});
            v["x"] = serde_json::from_slice(&j.render()).unwrap_or_default();
            serde_json::to_vec(&v).unwrap()
        }),
        Just(b"{\"wamon_capture\":1}".to_vec()),
        Just(b"\r".to_vec()),
    ]
    .prop_map(|mut b: Vec<u8>| {
        b.retain(|&c| c != b'\n');
        Body(b)
    })
}

fn line() -> impl Strategy<Value = Line> {
    prop_oneof![
        4 => (envelope(), prop::bool::weighted(0.2)).prop_map(|(e, crlf)| Line::Real(e, crlf)),
        2 => garbage().prop_map(Line::Garbage),
        1 => "[ \t]{0,3}".prop_map(Line::Blank),
    ]
}

/// What a file made of `lines` must load as.
struct Expected {
    file: Vec<u8>,
    /// Envelopes with their line offsets, in order.
    envelopes: Vec<(Envelope, u64)>,
    warnings: Vec<CaptureError>,
    /// The highest seq among real lines (and garbage that reads as a line).
    max_real_seq: u64,
    /// A line other than a readable one mentions `"seq":`.
    other_seq: bool,
    /// The seq a torn last line started to write.
    torn_seq: Option<u64>,
}

fn build(header: bool, lines: &[Line], torn: Option<(Envelope, Index)>) -> Expected {
    let mut x = Expected {
        file: Vec::new(),
        envelopes: Vec::new(),
        warnings: Vec::new(),
        max_real_seq: 0,
        other_seq: false,
        torn_seq: None,
    };
    // Without a header line the first line is checked for one: a file that does not start with
    // one is reported (then read anyway); one that does is a capture after all.
    let mut first_is_header = false;
    if header {
        x.file.extend(capture::header_line(1_750_000_000_000));
    } else if let Some(l) = lines.first() {
        first_is_header =
            matches!(l, Line::Garbage(b) if is_header(b.0.strip_suffix(b"\r").unwrap_or(&b.0)));
        if !first_is_header {
            x.warnings.push(CaptureError::NotACapture);
        }
    } else if torn.is_some() {
        x.warnings.push(CaptureError::NotACapture);
    }
    let first = usize::from(header) + 1;
    for (i, l) in lines.iter().enumerate() {
        let no = first + i;
        let offset = x.file.len() as u64;
        if i == 0 && first_is_header {
            if let Line::Garbage(b) = l {
                x.file.extend(&b.0);
                x.file.push(b'\n');
            }
            continue;
        }
        match l {
            Line::Real(e, crlf) => {
                let mut bytes = encode(e);
                if *crlf {
                    bytes.insert(bytes.len() - 1, b'\r');
                }
                x.file.extend(bytes);
                x.envelopes.push((as_stored(e), offset));
                x.max_real_seq = x.max_real_seq.max(e.seq);
            }
            Line::Garbage(b) => {
                x.file.extend(&b.0);
                x.file.push(b'\n');
                // Readers strip one CR before the newline.
                let text = b.0.strip_suffix(b"\r").unwrap_or(&b.0);
                if text.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                match decode(text, no) {
                    Ok(e) => {
                        x.max_real_seq = x.max_real_seq.max(e.seq);
                        x.envelopes.push((e, offset));
                    }
                    Err(e) => {
                        x.other_seq |= text.windows(6).any(|w| w == b"\"seq\":");
                        x.warnings.push(e);
                    }
                }
            }
            Line::Blank(s) => {
                x.file.extend(s.as_bytes());
                x.file.push(b'\n');
            }
        }
    }
    if let Some((e, cut)) = torn {
        let full = encode(&e);
        // Anything short of the closing brace: never a complete line.
        let cut = 1 + cut.index(full.len() - 2);
        x.file.extend(&full[..cut]);
        x.warnings.push(CaptureError::Torn {
            line: first + lines.len(),
        });
        x.torn_seq = Some(e.seq);
    }
    x
}

proptest! {
    #![proptest_config(config("fuzz_capture", 256))]

    #[test]
    fn any_envelope_round_trips_through_its_line(env in envelope()) {
        let line = encode(&env);
        prop_assert_eq!(line.last(), Some(&b'\n'));
        prop_assert_eq!(line.iter().filter(|&&b| b == b'\n').count(), 1, "one line");
        let back = decode(&line, 7).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&back, &as_stored(&env));
        // Writing what was read gives the same bytes: the stored form is a fixed point.
        prop_assert_eq!(encode(&back), line.clone());
        prop_assert!(!is_header(&line));
        prop_assert_eq!(loader::max_seq(&line), env.seq);
    }

    #[test]
    fn a_time_the_format_cannot_hold_is_an_error_never_another_time(
        env in fuzz::envelope_at(prop_oneof![
            any::<i64>(),
            Just(i64::MIN),
            Just(i64::MAX),
            Just(MIN_CAPTURE_MS - 1),
            Just(MAX_CAPTURE_MS + 1),
            MIN_CAPTURE_MS - 100_000..MIN_CAPTURE_MS + 100_000,
            MAX_CAPTURE_MS - 100_000..MAX_CAPTURE_MS + 100_000,
        ]),
    ) {
        let line = encode(&env);
        match decode(&line, 3) {
            Ok(back) => {
                prop_assert!((MIN_CAPTURE_MS..=MAX_CAPTURE_MS).contains(&env.received_at_ms));
                prop_assert_eq!(back.received_at_ms, env.received_at_ms);
            }
            Err(e) => {
                prop_assert!(!(MIN_CAPTURE_MS..=MAX_CAPTURE_MS).contains(&env.received_at_ms));
                check_error(&e, 3)?;
            }
        }
    }

    #[test]
    fn any_bytes_decode_or_name_their_line(
        bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..300),
            garbage().prop_map(|b| b.0),
            fuzz::body().prop_map(|b| b.0),
        ],
        no in 1usize..1_000_000,
    ) {
        if let Err(e) = decode(&bytes, no) {
            check_error(&e, no)?;
        }
        let _ = is_header(&bytes);
        let _ = loader::max_seq(&bytes);
    }

    #[test]
    fn a_damaged_line_decodes_or_names_its_line(
        env in envelope(),
        at in any::<Index>(),
        bit in 0..8u8,
        no in 1usize..1_000_000,
    ) {
        let line = encode(&env);
        let json = &line[..line.len() - 1];
        let k = at.index(json.len());
        // Cut anywhere before the closing brace: never a complete object.
        let e = decode(&json[..k], no).expect_err("a cut line cannot be read");
        check_error(&e, no)?;
        let mut flipped = json.to_vec();
        flipped[k] ^= 1 << bit;
        if let Err(e) = decode(&flipped, no) {
            check_error(&e, no)?;
        }
    }

    #[test]
    fn received_at_text_never_panics(text in prop_oneof![
        fuzz::text(),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z",
        "[+-]?[0-9]{4,6}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})",
    ]) {
        let line = serde_json::to_vec(&serde_json::json!({"seq": 1, "received_at": text})).unwrap();
        match decode(&line, 2) {
            Ok(e) => prop_assert_eq!(Some(e.received_at_ms), capture::parse_rfc3339_ms(&text)),
            Err(e) => check_error(&e, 2)?,
        }
    }
}

proptest! {
    // Each case builds and loads a whole file (on worker threads).
    #![proptest_config(config("fuzz_capture", 64))]

    #[test]
    fn a_file_loads_every_real_line_once_and_reports_every_bad_one(
        header in prop::bool::weighted(0.9),
        lines in prop::collection::vec(line(), 0..24),
        torn in prop::option::weighted(0.3, (envelope(), any::<Index>())),
    ) {
        check_file(build(header, &lines, torn))?;
    }
}

/// Files of a few thousand lines, so the loader's chunks (2048 lines) come back in order. Heavy:
/// `PROPTEST_CASES=N` gives it N / 256 cases.
#[test]
fn a_long_file_keeps_its_order_across_chunks() {
    let line = prop_oneof![
        // Small requests: the property is about lines, not their contents.
        1 => (any::<u64>(), fuzz::seed()).prop_map(|(seq, i)| {
            let body = fuzz::seeds()[i].body.clone();
            Line::Real(Envelope::post(seq, 1_750_000_000_000, body), false)
        }),
        1 => "[ a-z{}]{0,4}".prop_map(|s| Line::Garbage(Body(s.into_bytes()))),
        1 => Just(Line::Blank(String::new())),
    ];
    fuzz::scaled(
        "fuzz_capture",
        4,
        256,
        (
            prop::collection::vec(line, 4000..6000),
            prop::option::of((envelope(), any::<Index>())),
        ),
        |(lines, torn)| check_file(build(true, &lines, torn)),
    );
}

fn check_file(x: Expected) -> Result<(), TestCaseError> {
    let mut items = Vec::new();
    let mut warnings = Vec::new();
    loader::load_streaming(
        &x.file,
        |i| {
            items.extend(i.request());
            true
        },
        |w| warnings.push(w),
    );
    prop_assert_eq!(items.len(), x.envelopes.len());
    for (item, (env, offset)) in items.iter().zip(&x.envelopes) {
        prop_assert_eq!(&*item.env, env);
        prop_assert_eq!(item.capture_offset, Some(*offset));
        prop_assert!(item.from_load);
        prop_assert_eq!(&item.normalized, &wamon::provider::normalize(env));
    }
    prop_assert_eq!(&warnings, &x.warnings);

    // The single-threaded reader agrees.
    let all = capture::read_all(&x.file[..]).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&all.envelopes, &x.envelopes);
    prop_assert_eq!(&all.warnings, &x.warnings);

    // Live requests are numbered after every request the file holds.
    let max = loader::max_seq(&x.file);
    prop_assert!(max >= x.max_real_seq);
    if !x.other_seq {
        // A torn line's seq counts (it may be re-sent), as far as its digits were written.
        prop_assert!(max <= x.max_real_seq.max(x.torn_seq.unwrap_or(0)));
        if x.torn_seq.is_none() {
            prop_assert_eq!(max, x.max_real_seq);
        }
    }

    // A consumer that stops early gets a prefix, in order.
    if !x.envelopes.is_empty() {
        let stop = x.envelopes.len().div_ceil(2);
        let mut seen = Vec::new();
        loader::load_streaming(
            &x.file,
            |i| {
                seen.push(i.capture_offset());
                seen.len() < stop
            },
            |_| {},
        );
        let want: Vec<_> = x.envelopes[..stop].iter().map(|e| Some(e.1)).collect();
        prop_assert_eq!(seen, want);
    }
    Ok(())
}

/// A header with any start time is a header.
#[test]
fn header_lines_are_headers() {
    for ms in [
        MIN_CAPTURE_MS,
        0,
        1_750_000_000_000,
        MAX_CAPTURE_MS,
        i64::MIN,
        i64::MAX,
    ] {
        assert!(is_header(&capture::header_line(ms)), "{ms}");
    }
}
