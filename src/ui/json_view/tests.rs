use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;

use super::JsonView;

const SAMPLE: &str = r#"{"object":"whatsapp_business_account","entry":[{"id":"123","changes":[{"value":{"n":1.50,"e":1e3,"neg":-0,"t":true,"f":false,"z":null,"s":"caf\u00e9 \"q\"","empty":{},"arr":[]},"field":"messages"}]}],"hub.mode":"subscribe","zeta":1,"alpha":2}"#;

const SAMPLE_PRETTY: &[&str] = &[
    r#"{"#,
    r#"  "object": "whatsapp_business_account","#,
    r#"  "entry": ["#,
    r#"    {"#,
    r#"      "id": "123","#,
    r#"      "changes": ["#,
    r#"        {"#,
    r#"          "value": {"#,
    r#"            "n": 1.50,"#,
    r#"            "e": 1e3,"#,
    r#"            "neg": -0,"#,
    r#"            "t": true,"#,
    r#"            "f": false,"#,
    r#"            "z": null,"#,
    r#"            "s": "caf\u00e9 \"q\"","#,
    r#"            "empty": {},"#,
    r#"            "arr": []"#,
    r#"          },"#,
    r#"          "field": "messages""#,
    r#"        }"#,
    r#"      ]"#,
    r#"    }"#,
    r#"  ],"#,
    r#"  "hub.mode": "subscribe","#,
    r#"  "zeta": 1,"#,
    r#"  "alpha": 2"#,
    r#"}"#,
];

fn lines(v: &JsonView) -> Vec<String> {
    (0..v.line_count()).map(|i| v.line_text(i)).collect()
}

fn goto(v: &mut JsonView, text: &str) {
    v.to_top();
    let i = lines(v)
        .iter()
        .position(|l| l.trim_start().starts_with(text))
        .unwrap_or_else(|| panic!("no line starting with {text}"));
    v.move_by(i as isize);
}

fn buffer_text(buf: &Buffer) -> Vec<String> {
    let a = buf.area;
    (a.top()..a.bottom())
        .map(|y| {
            (a.left()..a.right())
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
        })
        .collect()
}

#[test]
fn pretty_output_is_exact() {
    let v = JsonView::new(SAMPLE.as_bytes());
    assert!(v.is_json());
    assert_eq!(lines(&v), SAMPLE_PRETTY);
    // The root's value is the whole document pretty-printed.
    assert_eq!(v.value_at_cursor(), SAMPLE_PRETTY.join("\n"));
    assert_eq!(v.raw(), SAMPLE.as_bytes());
}

#[test]
fn already_pretty_and_crlf_bodies_reformat_the_same() {
    let spaced = SAMPLE_PRETTY.join("\r\n") + "\r\n";
    let v = JsonView::new(spaced.as_bytes());
    assert_eq!(lines(&v), SAMPLE_PRETTY);
    assert_eq!(v.raw(), spaced.as_bytes());
}

#[test]
fn key_order_numbers_and_escapes_are_kept() {
    let mut v = JsonView::new(SAMPLE.as_bytes());
    let all = lines(&v);
    let zeta = all.iter().position(|l| l.contains("\"zeta\"")).unwrap();
    let alpha = all.iter().position(|l| l.contains("\"alpha\"")).unwrap();
    assert!(zeta < alpha);
    goto(&mut v, "\"n\"");
    assert_eq!(v.value_at_cursor(), "1.50");
    goto(&mut v, "\"e\"");
    assert_eq!(v.value_at_cursor(), "1e3");
    goto(&mut v, "\"neg\"");
    assert_eq!(v.value_at_cursor(), "-0");
    goto(&mut v, "\"s\"");
    // A string is copied as its value: no quotes, escapes decoded.
    assert_eq!(v.value_at_cursor(), r#"café "q""#);
    goto(&mut v, "\"z\"");
    assert_eq!(v.value_at_cursor(), "null");
}

#[test]
fn scalar_and_empty_roots() {
    for (body, shown, copied) in [
        ("  \"x\"  ", "\"x\"", "x"),
        ("42", "42", "42"),
        ("{}", "{}", "{}"),
        (" [ ] ", "[]", "[]"),
    ] {
        let mut v = JsonView::new(body.as_bytes());
        assert!(v.is_json(), "{body}");
        assert_eq!(lines(&v), [shown]);
        assert_eq!(v.path_at_cursor(), ".");
        assert_eq!(v.value_at_cursor(), copied);
        v.toggle_fold(); // nothing to fold: no panic, no change
        assert_eq!(v.line_count(), 1);
    }
}

#[test]
fn folding_and_unfolding() {
    let mut v = JsonView::new(SAMPLE.as_bytes());
    let full = SAMPLE_PRETTY.len();
    // Fold "entry" from its opening line.
    goto(&mut v, "\"entry\"");
    v.toggle_fold();
    assert_eq!(v.line_text(v.cursor()), r#"  "entry": […], 1 item"#);
    assert_eq!(v.line_count(), full - 20);
    v.toggle_fold();
    assert_eq!(v.line_count(), full);
    assert_eq!(v.line_text(v.cursor()), r#"  "entry": ["#);

    // From inside a container (a scalar), fold the enclosing one.
    goto(&mut v, "\"t\"");
    v.toggle_fold();
    assert_eq!(v.line_text(v.cursor()), r#"          "value": {…}, 9 keys"#);
    assert_eq!(v.line_count(), full - 10);
    assert_eq!(v.path_at_cursor(), ".entry[0].changes[0].value");
    v.unfold_all();
    assert_eq!(v.line_count(), full);
    assert_eq!(v.path_at_cursor(), ".entry[0].changes[0].value");

    // From a closing line, fold that container.
    v.to_bottom();
    v.move_by(-4); // "  ],"
    assert_eq!(v.line_text(v.cursor()), "  ],");
    v.toggle_fold();
    assert_eq!(v.line_text(v.cursor()), r#"  "entry": […], 1 item"#);

    // fold_all keeps the root open; the cursor stays on its node.
    v.unfold_all();
    goto(&mut v, "\"alpha\"");
    v.fold_all();
    assert_eq!(
        lines(&v),
        [
            "{",
            r#"  "object": "whatsapp_business_account","#,
            r#"  "entry": […], 1 item"#,
            r#"  "hub.mode": "subscribe","#,
            r#"  "zeta": 1,"#,
            r#"  "alpha": 2"#,
            "}",
        ]
    );
    assert_eq!(v.line_text(v.cursor()), r#"  "alpha": 2"#);
    // A cursor inside a folded subtree lands on the folded container.
    v.unfold_all();
    goto(&mut v, "\"field\"");
    v.fold_all();
    assert_eq!(v.line_text(v.cursor()), r#"  "entry": […], 1 item"#);
    // Folding the root shows a single line.
    v.to_top();
    v.toggle_fold();
    assert_eq!(lines(&v), ["{…} 5 keys"]);
    v.unfold_all();
    assert_eq!(v.line_count(), full);
}

#[test]
fn move_by_clamps() {
    let mut v = JsonView::new(SAMPLE.as_bytes());
    v.move_by(-5);
    assert_eq!(v.cursor(), 0);
    v.move_by(1000);
    assert_eq!(v.cursor(), SAMPLE_PRETTY.len() - 1);
    v.to_top();
    v.move_by(3);
    assert_eq!(v.cursor(), 3);
    v.to_bottom();
    assert_eq!(v.cursor(), SAMPLE_PRETTY.len() - 1);
}

#[test]
fn paths() {
    let mut v = JsonView::new(SAMPLE.as_bytes());
    assert_eq!(v.path_at_cursor(), ".");
    goto(&mut v, "\"n\"");
    assert_eq!(v.path_at_cursor(), ".entry[0].changes[0].value.n");
    goto(&mut v, "\"hub.mode\"");
    assert_eq!(v.path_at_cursor(), r#".["hub.mode"]"#);
    goto(&mut v, "\"changes\"");
    v.move_by(1); // the element's "{"
    assert_eq!(v.path_at_cursor(), ".entry[0].changes[0]");
    goto(&mut v, "\"field\"");
    v.move_by(1); // the element's closing "}"
    assert_eq!(v.line_text(v.cursor()), "        }");
    assert_eq!(v.path_at_cursor(), ".entry[0].changes[0]");

    let body = r#"[1, {"a b": [true, {"é": 0, "_x9": 1, "9x": 2, "\u0041": 3}]}]"#;
    let mut v = JsonView::new(body.as_bytes());
    goto(&mut v, "true");
    assert_eq!(v.path_at_cursor(), r#".[1]["a b"][0]"#);
    goto(&mut v, "\"é\"");
    assert_eq!(v.path_at_cursor(), r#".[1]["a b"][1]["é"]"#);
    goto(&mut v, "\"_x9\"");
    assert_eq!(v.path_at_cursor(), r#".[1]["a b"][1]._x9"#);
    goto(&mut v, "\"9x\"");
    assert_eq!(v.path_at_cursor(), r#".[1]["a b"][1]["9x"]"#);
    // Escaped keys are decoded for the path.
    goto(&mut v, r#""\u0041""#);
    assert_eq!(v.path_at_cursor(), r#".[1]["a b"][1].A"#);
}

#[test]
fn value_at_cursor_of_containers() {
    let mut v = JsonView::new(SAMPLE.as_bytes());
    goto(&mut v, "\"changes\"");
    assert_eq!(
        v.value_at_cursor(),
        SAMPLE_PRETTY[5..21]
            .iter()
            .map(|l| &l[6..])
            .collect::<Vec<_>>()
            .join("\n")
            .replacen(r#""changes": "#, "", 1)
    );
    // Folding does not change what is copied.
    let before = v.value_at_cursor();
    v.toggle_fold();
    assert_eq!(v.value_at_cursor(), before);
    v.unfold_all();
    goto(&mut v, "\"empty\"");
    assert_eq!(v.value_at_cursor(), "{}");
    goto(&mut v, "\"value\"");
    let value = v.value_at_cursor();
    assert!(value.starts_with("{\n  \"n\": 1.50,\n"), "{value}");
    assert!(value.ends_with("\n  \"arr\": []\n}"), "{value}");
}

#[test]
fn search_count_next_prev_and_wrap() {
    let body = r#"{"a":"Foo","b":{"c":"foo foo","d":"bar"},"e":["FOO"],"foo":1}"#;
    let mut v = JsonView::new(body.as_bytes());
    assert_eq!(v.search_status(), None);
    goto(&mut v, "\"b\"");
    v.toggle_fold();
    v.to_top();
    assert_eq!(v.set_search("foo"), 5);
    assert_eq!(v.search_status(), Some((1, 5)));
    assert_eq!(v.line_text(v.cursor()), r#"  "a": "Foo","#);
    v.next_match();
    assert_eq!(v.search_status(), Some((2, 5)));
    // The match was inside the folded "b": it got unfolded.
    assert_eq!(v.line_text(v.cursor()), r#"    "c": "foo foo","#);
    v.next_match();
    assert_eq!(v.search_status(), Some((3, 5)));
    assert_eq!(v.line_text(v.cursor()), r#"    "c": "foo foo","#);
    v.next_match();
    assert_eq!(v.line_text(v.cursor()), r#"    "FOO""#);
    v.next_match();
    assert_eq!(v.search_status(), Some((5, 5)));
    assert_eq!(v.path_at_cursor(), ".foo"); // a key matches too
    v.next_match();
    assert_eq!(v.search_status(), Some((1, 5)));
    v.prev_match();
    assert_eq!(v.search_status(), Some((5, 5)));
    v.prev_match();
    assert_eq!(v.search_status(), Some((4, 5)));

    // A new search starts at the cursor; after moving away, n goes on from the cursor.
    goto(&mut v, "\"e\"");
    assert_eq!(v.set_search("FOO"), 5);
    assert_eq!(v.search_status(), Some((4, 5)));
    v.to_top();
    v.next_match();
    assert_eq!(v.search_status(), Some((1, 5)));
    v.to_bottom();
    v.next_match();
    assert_eq!(v.search_status(), Some((1, 5)));
    v.to_bottom();
    v.prev_match();
    assert_eq!(v.search_status(), Some((5, 5)));

    // Searching in strings sees the escapes as displayed; no match; clearing.
    let mut v = JsonView::new(SAMPLE.as_bytes());
    assert_eq!(v.set_search(r"\U00E9"), 1);
    assert_eq!(v.path_at_cursor(), ".entry[0].changes[0].value.s");
    assert_eq!(v.set_search("nothing-like-this"), 0);
    assert_eq!(v.search_status(), Some((0, 0)));
    v.next_match();
    v.prev_match();
    assert_eq!(v.set_search(""), 0);
    assert_eq!(v.search_status(), None);
}

#[test]
fn search_non_ascii_case_insensitive() {
    let mut v = JsonView::new("{\"k\":\"ÉTÉ été\"}".as_bytes());
    assert_eq!(v.set_search("été"), 2);
    assert_eq!(v.set_search("ÉT"), 2);
}

#[test]
fn malformed_input_reports_line_and_column() {
    let body = "{\n  \"a\": 1,\n  \"b\":1\"c\"\n}";
    let v = JsonView::new(body.as_bytes());
    assert!(!v.is_json());
    assert_eq!(v.line_count(), 4);
    assert_eq!(v.cursor(), 2, "the cursor starts on the error line");
    assert_eq!(v.line_text(2), "  \"b\":1\"c\"");
    assert_eq!(v.raw(), body.as_bytes());
    let mut buf = Buffer::empty(Rect::new(0, 0, 60, 6));
    let mut v = v;
    v.render(buf.area, &mut buf, true);
    let text = buffer_text(&buf);
    assert_eq!(
        text[0].trim_end(),
        "not valid JSON: expected ',' or '}' at line 3 column 8"
    );
    assert_eq!(text[1].trim_end(), "{");
    assert_eq!(text[3].trim_end(), "  \"b\":1\"c\"");
    // The offending byte is marked.
    assert_eq!(buf[(7, 3)].symbol(), "\"");
    assert_eq!(buf[(7, 3)].bg, Color::Red);
    assert_eq!(v.value_at_cursor(), "  \"b\":1\"c\"");
    assert_eq!(v.path_at_cursor(), "");
}

#[test]
fn error_positions_match_serde_json() {
    let cases: &[(&str, &str)] = &[
        ("{\n \"a\": 1,\n \"b\":1\"c\"\n}", "expected ',' or '}'"),
        ("{\"a\" 1}", "expected ':'"),
        ("[1 2]", "expected ',' or ']'"),
        ("[1,]", "trailing comma"),
        ("{\"a\":1,}", "trailing comma"),
        ("{\"a\":1", "EOF while parsing an object"),
        ("{\"a\":1\n", "EOF while parsing an object"),
        ("[1,\n2", "EOF while parsing a list"),
        ("\"abc", "EOF while parsing a string"),
        ("   ", "EOF while parsing a value"),
        ("[x]", "expected value"),
        ("{1:2}", "key must be a string"),
        ("[tru]", "expected ident"),
        ("[nul", "EOF while parsing a value"),
        ("[01]", "invalid number"),
        ("[-]", "invalid number"),
        ("[1.]", "invalid number"),
        ("[1e+]", "invalid number"),
        ("[\"a\\x\"]", "invalid escape"),
        ("[\"\\u12G4\"]", "invalid escape"),
        (
            "[\"a\tb\"]",
            "control character (\\u0000-\\u001F) found while parsing a string",
        ),
        ("{} x", "trailing characters"),
        ("{}\n\n  {}", "trailing characters"),
    ];
    for (body, message) in cases {
        let ours = super::tree::parse(body.as_bytes()).expect_err(body);
        let theirs = serde_json::from_str::<serde::de::IgnoredAny>(body).expect_err(body);
        assert_eq!(ours.message, *message, "{body:?}");
        assert_eq!(
            (ours.line, ours.column),
            (theirs.line(), theirs.column()),
            "{body:?}: serde says {theirs}"
        );
    }
    // And what serde_json accepts, we accept.
    for body in [
        "0",
        "-0.0e-0",
        "1E+9",
        "\"\\ud83d\\ude00 \\/ \\b\"",
        " {\"a\" : [ ] , \"b\":{ }}\n",
    ] {
        assert!(super::tree::parse(body.as_bytes()).is_ok(), "{body}");
        assert!(serde_json::from_str::<serde::de::IgnoredAny>(body).is_ok());
    }
}

#[test]
fn non_utf8_body_is_shown_lossy() {
    let body = b"{\"a\": \"\xff\xfe\"}\nsecond\tline";
    let mut v = JsonView::new(body);
    assert!(!v.is_json());
    assert_eq!(v.raw(), body);
    assert_eq!(v.line_count(), 2);
    assert_eq!(v.line_text(0), "{\"a\": \"\u{fffd}\u{fffd}\"}");
    assert_eq!(v.line_text(1), "second line");
    let mut buf = Buffer::empty(Rect::new(0, 0, 50, 3));
    v.render(buf.area, &mut buf, false);
    let text = buffer_text(&buf);
    assert_eq!(
        text[0].trim_end(),
        "not valid JSON: invalid UTF-8 at line 1 column 8"
    );
    assert_eq!(text[1].trim_end(), "{\"a\": \"\u{fffd}\u{fffd}\"}");
    assert_eq!(buf[(7, 1)].bg, Color::Red);
    assert_eq!(text[2].trim_end(), "second line");
    assert_eq!(v.set_search("LINE"), 1);
    assert_eq!(v.cursor(), 1);
}

#[test]
fn empty_body() {
    let mut v = JsonView::new(b"");
    assert!(!v.is_json());
    assert_eq!(v.line_count(), 1);
    assert_eq!(v.line_text(0), "(empty body)");
    assert_eq!(v.value_at_cursor(), "");
    assert_eq!(v.path_at_cursor(), "");
    assert_eq!(v.set_search("x"), 0);
    v.toggle_fold();
    v.move_by(3);
    assert_eq!(v.cursor(), 0);
    let mut buf = Buffer::empty(Rect::new(0, 0, 16, 2));
    v.render(buf.area, &mut buf, true);
    assert_eq!(buffer_text(&buf), ["(empty body)    ", "                "]);
}

#[test]
fn render_draws_visible_rows_with_colours() {
    let mut v = JsonView::new(br#"{"a":[1,2],"b":"x","c":null}"#);
    let mut buf = Buffer::empty(Rect::new(0, 0, 14, 4));
    v.render(buf.area, &mut buf, true);
    assert_eq!(
        buffer_text(&buf),
        [
            "{             ",
            r#"  "a": [      "#,
            "    1,        ",
            "    2         "
        ]
    );
    assert_eq!(buf[(2, 1)].fg, Color::Cyan); // key
    assert_eq!(buf[(4, 2)].fg, Color::Magenta); // number
    assert_eq!(buf[(0, 0)].bg, Color::DarkGray); // cursor row, full width
    assert_eq!(buf[(13, 0)].bg, Color::DarkGray);
    assert_eq!(buf[(0, 1)].bg, Color::Reset);

    // Scrolling keeps the cursor visible.
    v.to_bottom();
    v.render(buf.area, &mut buf, true);
    assert_eq!(
        buffer_text(&buf),
        [
            "  ],          ",
            r#"  "b": "x",   "#,
            r#"  "c": null   "#,
            "}             "
        ]
    );
    assert_eq!(buf[(7, 1)].fg, Color::Green); // string
    assert_eq!(buf[(7, 2)].fg, Color::Blue); // null
    assert_eq!(buf[(0, 3)].bg, Color::DarkGray);
    assert_eq!(v.page_size(), 4);

    // Unfocused: no cursor row. Folded containers show their summary.
    v.to_top();
    v.move_by(1);
    v.toggle_fold();
    v.render(buf.area, &mut buf, false);
    assert_eq!(
        buffer_text(&buf),
        // The scroll position is kept (the cursor is still visible).
        [
            r#"  "a": […], 2…"#,
            r#"  "b": "x",   "#,
            r#"  "c": null   "#,
            "}             ",
        ]
    );
    assert_eq!(buf[(0, 0)].bg, Color::Reset);

    // Search hits are highlighted, the current one differently.
    v.unfold_all();
    assert_eq!(v.set_search("\"b\""), 1);
    v.render(buf.area, &mut buf, true);
    let row = buffer_text(&buf)
        .iter()
        .position(|l| l.starts_with(r#"  "b""#))
        .unwrap() as u16;
    assert_eq!(buf[(2, row)].bg, Color::LightRed);
    assert_eq!(buf[(4, row)].bg, Color::LightRed);
    assert_eq!(buf[(5, row)].bg, Color::DarkGray);
    assert_eq!(v.set_search("a"), 1);
}

#[test]
fn render_into_offset_area_and_tiny_areas() {
    let mut v = JsonView::new(SAMPLE.as_bytes());
    let mut buf = Buffer::empty(Rect::new(0, 0, 30, 5));
    v.render(Rect::new(2, 1, 20, 2), &mut buf, true);
    let text = buffer_text(&buf);
    assert_eq!(text[0], " ".repeat(30));
    assert_eq!(text[1], format!("  {{{}", " ".repeat(27)));
    assert_eq!(
        text[2].chars().take(22).collect::<String>(),
        r#"    "object": "whatsa…"#
    );
    v.render(Rect::new(0, 0, 0, 0), &mut buf, true);
    v.render(Rect::new(0, 0, 30, 1), &mut buf, true);
}

#[test]
fn deep_nesting_does_not_overflow() {
    let depth = 100_000;
    let body = "[".repeat(depth) + &"]".repeat(depth);
    let mut v = JsonView::new(body.as_bytes());
    assert!(v.is_json());
    assert_eq!(v.line_count(), 2 * depth - 1);
    v.fold_all();
    assert_eq!(v.line_count(), 3);
}

#[test]
fn large_body_opens_fast() {
    // ~3 MB of message-like objects.
    let item = r#"{"id":"wamid.HBgLMTIzNDU2Nzg5MBUCABIYFjNFQjA","from":"15551234567","timestamp":"1700000000","type":"text","text":{"body":"hello \u00e9 world"},"n":1.50}"#;
    let count = 3_000_000 / item.len();
    let mut body = String::from("[");
    for i in 0..count {
        if i > 0 {
            body.push(',');
        }
        body.push_str(item);
    }
    body.push(']');
    let start = std::time::Instant::now();
    let mut v = JsonView::new(body.as_bytes());
    let elapsed = start.elapsed();
    assert!(v.is_json());
    assert_eq!(v.line_count(), count * 10 + 2);
    if !cfg!(debug_assertions) {
        assert!(elapsed.as_millis() < 50, "took {elapsed:?}");
    }
    assert_eq!(v.set_search("hello"), count);
    v.to_bottom();
    let mut buf = Buffer::empty(Rect::new(0, 0, 80, 30));
    v.render(buf.area, &mut buf, true);
    assert_eq!(buffer_text(&buf)[29].trim_end(), "]");
}

#[test]
fn mutated_bodies_agree_with_serde_json() {
    // Deterministic pseudo-random single-byte edits of the sample: validity and error
    // positions must match serde_json's.
    let alphabet = b"{}[],:\"\\ \n\t0123456789.eE+-tfnrulsax\x01";
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let base = SAMPLE.as_bytes();
    for _ in 0..5000 {
        let mut body = base.to_vec();
        for _ in 0..1 + next(2) {
            let at = next(body.len());
            match next(3) {
                0 => {
                    body.remove(at);
                }
                1 => body.insert(at, alphabet[next(alphabet.len())]),
                _ => body[at] = alphabet[next(alphabet.len())],
            }
        }
        let text = String::from_utf8(body).unwrap();
        let ours = super::tree::parse(text.as_bytes());
        let theirs = serde_json::from_str::<serde::de::IgnoredAny>(&text);
        match (ours, theirs) {
            (Ok(_), Ok(_)) => {}
            (Err(o), Err(t)) => assert_eq!(
                (o.line, o.column),
                (t.line(), t.column()),
                "{text:?}: ours {}, serde {t}",
                o.message
            ),
            (o, t) => panic!("{text:?}: ours {:?}, serde {t:?}", o.map(|_| ())),
        }
    }
}

/// Valid JSON that serde_json refuses by default (a BOM, a number beyond f64, nesting deeper
/// than 128) is shown as JSON, never as "not valid JSON".
#[test]
fn bodies_serde_json_refuses_by_default_are_shown_as_json() {
    let view_text = |v: &mut JsonView| {
        let mut buf = Buffer::empty(Rect::new(0, 0, 60, 8));
        v.render(buf.area, &mut buf, true);
        buffer_text(&buf).join("\n")
    };
    let mut v = JsonView::new(b"\xEF\xBB\xBF{\"a\":1}");
    assert!(v.is_json());
    assert_eq!(lines(&v), ["{", "  \"a\": 1", "}"], "the BOM is not shown");
    assert!(!view_text(&mut v).contains("not valid JSON"));

    let digits = "9".repeat(400);
    let mut v = JsonView::new(format!("{{\"n\":-{digits}e400}}").as_bytes());
    assert!(v.is_json());
    assert_eq!(
        lines(&v)[1],
        format!("  \"n\": -{digits}e400"),
        "as written"
    );
    assert!(!view_text(&mut v).contains("not valid JSON"));

    let depth = 200;
    let deep = format!("{{\"x\":{}7{}}}", "[".repeat(depth), "]".repeat(depth));
    let mut v = JsonView::new(deep.as_bytes());
    assert!(v.is_json());
    assert_eq!(v.line_count(), 2 * depth + 3);
    assert_eq!(lines(&v)[depth + 1].trim(), "7");
    assert!(!view_text(&mut v).contains("not valid JSON"));
}

/// Row `y` of `buf` as text, and whether any of its cells shows the current search hit.
fn row_has_current_hit(buf: &Buffer, y: u16) -> bool {
    (buf.area.left()..buf.area.right()).any(|x| buf[(x, y)].bg == Color::LightRed)
}

#[test]
fn a_phrase_matches_across_a_key_and_its_value_as_the_line_shows_them() {
    let body = r#"{"payload":{"fromMe":true,"body":"hello   world"},"x":{"fromMe":false}}"#;
    let mut v = JsonView::new(body.as_bytes());
    // As the line shows it, as typed without quotes, and across the body's own spaces.
    for (query, n) in [
        (r#""fromMe": true"#, 1),
        ("fromme: true", 1),
        ("fromMe:", 2),
        ("hello world", 1),
        ("fromMe: tru e", 0),
    ] {
        assert_eq!(v.set_search(query), n, "{query}");
    }
    assert_eq!(v.set_search(r#""fromMe": true"#), 1);
    assert_eq!(v.path_at_cursor(), ".payload.fromMe");
    // The whole phrase is highlighted, key, punctuation and value.
    let mut buf = Buffer::empty(Rect::new(0, 0, 30, 8));
    v.render(buf.area, &mut buf, true);
    let text = buffer_text(&buf);
    let y = text.iter().position(|l| l.contains("fromMe")).unwrap() as u16;
    let lit: String = (0..30)
        .filter(|&x| buf[(x, y)].bg == Color::LightRed)
        .map(|x| buf[(x, y)].symbol().to_owned())
        .collect();
    assert_eq!(lit, r#""fromMe": true"#);
    // In a body that is not JSON, a phrase is found in a text line.
    let mut t = JsonView::new(b"a = 1\nfromMe:   true\n");
    assert_eq!(t.set_search("fromme: true"), 1);
}

#[test]
fn copying_a_string_gives_its_value_from_the_data() {
    // Not the drawn line: that has a word joiner between an emoji and its skin tone.
    let mut v = JsonView::new("{\"t\":\"ok \u{1f44d}\u{1f3ff} \\u00e9\\n\"}".as_bytes());
    goto(&mut v, "\"t\"");
    assert_eq!(v.value_at_cursor(), "ok \u{1f44d}\u{1f3ff} é\n");
    assert!(!v.value_at_cursor().contains('\u{2060}'));
}

#[test]
fn a_search_hit_past_the_right_edge_is_scrolled_into_view() {
    let long = format!("{}NEEDLE{}", "a".repeat(300), "b".repeat(50));
    let body = format!(r#"{{"short":1,"text":"{long}","z":2}}"#);
    let mut v = JsonView::new(body.as_bytes());
    let mut buf = Buffer::empty(Rect::new(0, 0, 40, 5));
    v.render(buf.area, &mut buf, true);
    assert!(!buffer_text(&buf).concat().contains("NEEDLE"));
    assert_eq!(v.set_search("needle"), 1);
    v.render(buf.area, &mut buf, true);
    let text = buffer_text(&buf);
    let y = text
        .iter()
        .position(|l| l.contains("NEEDLE"))
        .expect("hit shown") as u16;
    assert!(row_has_current_hit(&buf, y));
    // Marked as scrolled on the left and cut on the right.
    assert!(text[y as usize].starts_with('…'), "{}", text[y as usize]);
    assert!(text[y as usize].ends_with('…'), "{}", text[y as usize]);
    // The other lines stay where they were.
    assert_eq!(text[y as usize - 1].trim_end(), r#"  "short": 1,"#);
    // Off the hit's line, it starts at the left edge again.
    v.to_top();
    v.render(buf.area, &mut buf, true);
    assert_eq!(buffer_text(&buf)[0].trim_end(), "{");
    assert!(buffer_text(&buf)[2].starts_with(r#"  "text": "aaa"#));
}

#[test]
fn w_wraps_long_values_and_a_hit_below_the_pane_is_scrolled_to() {
    let long: String = (0..400).map(|i| format!("w{i} ")).collect();
    let body = format!(r#"{{"text":"{long}END","z":2}}"#);
    let mut v = JsonView::new(body.as_bytes());
    v.toggle_wrap();
    assert!(v.wraps());
    let mut buf = Buffer::empty(Rect::new(0, 0, 40, 10));
    v.move_by(1);
    v.render(buf.area, &mut buf, true);
    let text = buffer_text(&buf);
    // The value goes on under its key, indented, whole words.
    assert!(text[0].starts_with(r#"  "text": "w0 w1 w2"#), "{text:?}");
    assert!(text[1].starts_with("    w"), "{text:?}");
    assert!(text.iter().all(|l| !l.contains('…')));
    // j goes down the tall line before leaving it.
    v.move_by(1);
    v.render(buf.area, &mut buf, true);
    assert_eq!(buffer_text(&buf)[0], text[1]);
    // A hit near the end of the value is brought into view.
    assert_eq!(v.set_search("w398 "), 1);
    v.render(buf.area, &mut buf, true);
    let text = buffer_text(&buf);
    let y = text
        .iter()
        .position(|l| l.contains("w398"))
        .expect("hit shown") as u16;
    assert!(row_has_current_hit(&buf, y));
    // Every row of the value is reachable: reading on with j ends at its last row.
    let mut steps = 0;
    while !buffer_text(&buf).concat().contains("END") {
        v.move_by(1);
        v.render(buf.area, &mut buf, true);
        assert_eq!(v.path_at_cursor(), ".text", "left the value before its end");
        steps += 1;
        assert!(steps < 100);
    }
    assert!(buffer_text(&buf)[9].contains("END\","));
    v.move_by(1);
    assert_eq!(v.path_at_cursor(), ".z");
    // w again cuts lines at the edge.
    v.toggle_wrap();
    v.to_top();
    v.render(buf.area, &mut buf, true);
    assert!(buffer_text(&buf)[1].ends_with('…'));
}

#[test]
fn the_parse_error_always_wraps() {
    let body = format!("{{\"a\": 1, {}", "x".repeat(10));
    let mut v = JsonView::new(body.as_bytes());
    let mut buf = Buffer::empty(Rect::new(0, 0, 20, 6));
    v.render(buf.area, &mut buf, true);
    let text = buffer_text(&buf);
    let msg = format!(
        "{}{}",
        text[0].trim_end(),
        text[1..3]
            .iter()
            .map(|l| l.trim())
            .collect::<Vec<_>>()
            .join(" ")
    );
    assert!(msg.starts_with("not valid JSON: "), "{text:?}");
    assert!(msg.contains("at line 1 column"), "{text:?}");
}

#[test]
fn where_a_long_line_breaks_is_scrolled_into_view() {
    let body = format!(r#"{{"a":"{}" "b":1}}"#, "x".repeat(300));
    for wrap in [false, true] {
        let mut v = JsonView::new(body.as_bytes());
        assert!(!v.is_json());
        if wrap {
            v.toggle_wrap();
        }
        let mut buf = Buffer::empty(Rect::new(0, 0, 40, 4));
        v.render(buf.area, &mut buf, true);
        let marked = (0..4).any(|y| (0..40).any(|x| buf[(x, y)].bg == Color::Red));
        assert!(marked, "wrap {wrap}: {:?}", buffer_text(&buf));
    }
}
