//! Shared pieces of the property-test suites (`tests/fuzz_*.rs`): the run settings, the seed
//! corpus (every fixture and every built-in demo request) and the strategies that generate
//! request bodies and envelopes from it.
//!
//! Each suite includes this module with `mod fuzz;`, so a later suite (the receiver's) can reuse
//! the same bodies and envelopes.

// Each suite uses a different part of this module.
#![allow(dead_code)]

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, FileFailurePersistence};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;
use wamon::envelope::Envelope;

/// Request body bytes, shown as text (lossy) when a case fails.
#[derive(Clone, PartialEq, Eq)]
pub struct Body(pub Vec<u8>);

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match std::str::from_utf8(&self.0) {
            Ok(s) => write!(f, "Body({s:?})"),
            Err(_) => write!(f, "Body(bytes {:?})", String::from_utf8_lossy(&self.0)),
        }
    }
}

// ---- settings --------------------------------------------------------------------------------

/// The run settings of a suite: `cases` per property, and failing seeds saved to
/// `proptest-regressions/<suite>.txt` (committed), which every later run replays first.
/// Proptest's own default looks for a `lib.rs` next to the test file, which `tests/` lacks.
///
/// `PROPTEST_CASES=N` replaces `cases` for every property: the `proptest!` macro passes this
/// config through `contextualize_config`, which lets the environment win (proptest 1.11,
/// `sugar.rs`). Properties too heavy for that run through [`scaled`] instead.
pub fn config(suite: &str, cases: u32) -> Config {
    let file = format!(
        "{}/proptest-regressions/{suite}.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    Config {
        cases,
        // Leaked once per property: proptest wants a `&'static str`.
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(Box::leak(
            file.into_boxed_str(),
        )))),
        ..Config::default()
    }
}

/// Runs a heavy property outside the `proptest!` macro, so that `PROPTEST_CASES=N` gives it
/// `N / per` cases (at least one) instead of N; `cases` without the variable.
pub fn scaled<S: Strategy>(
    suite: &str,
    cases: u32,
    per: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S::Value: std::fmt::Debug,
{
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .map_or(cases, |n| (n / per).max(1));
    let mut runner = proptest::test_runner::TestRunner::new(Config {
        cases,
        ..config(suite, cases)
    });
    if let Err(e) = runner.run(&strategy, test) {
        panic!("{e}\n{runner}");
    }
}

// ---- the seed corpus -------------------------------------------------------------------------

/// A real request body: a fixture or a step of a built-in demo scenario.
#[derive(Debug)]
pub struct Seed {
    /// `waha`, ..., `unknown`: the fixture folder or the demo file's provider.
    pub provider: &'static str,
    /// `fixtures/waha/message-text.json` or `demo/conversation/waha.jsonl#3`.
    pub name: String,
    pub body: Vec<u8>,
    /// The body as a tree, when it is JSON.
    pub tree: Option<J>,
    /// Method, path and headers the demo step sends (fixtures: a plain POST to `/`, unless the
    /// expect file names a `request`, as Whapi's path and method modes need).
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
}

/// The method and path a fixture is sent with: its expect file's `request`, else `POST /`.
fn fixture_request(fixture: &Path) -> (String, String) {
    let expect = std::fs::read(fixture.with_extension("expect.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .unwrap_or_default();
    let field =
        |k: &str, default: &str| expect["request"][k].as_str().unwrap_or(default).to_owned();
    (field("method", "POST"), field("path", "/"))
}

/// Every fixture and demo request, in a stable order.
pub fn seeds() -> &'static [Seed] {
    static SEEDS: OnceLock<Vec<Seed>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let mut out = Vec::new();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/fixtures");
        let mut dirs: Vec<_> = std::fs::read_dir(&root)
            .expect("assets/fixtures exists")
            .map(|d| d.unwrap().path())
            .filter(|d| d.is_dir())
            .collect();
        dirs.sort();
        for dir in dirs {
            let provider = provider_name(&dir.file_name().unwrap().to_string_lossy());
            let mut files: Vec<_> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|f| f.unwrap().path())
                .filter(|f| {
                    let n = f.to_string_lossy();
                    (n.ends_with(".json") && !n.ends_with(".expect.json")) || n.ends_with(".form")
                })
                .collect();
            files.sort();
            for f in files {
                let body = std::fs::read(&f).unwrap();
                let (method, path) = fixture_request(&f);
                out.push(Seed {
                    provider,
                    name: format!(
                        "fixtures/{}",
                        f.strip_prefix(&root).unwrap().to_string_lossy()
                    ),
                    tree: J::parse(&body),
                    body,
                    method,
                    path,
                    headers: Vec::new(),
                });
            }
        }
        for &scenario in wamon::demo_script::SCENARIOS {
            for &p in wamon::demo_script::providers(scenario) {
                let text = wamon::demo_script::builtin(scenario, p).expect("built in");
                let steps = wamon::demo_script::parse_scenario(text, 1_750_000_000_000)
                    .expect("built-in scenarios parse");
                for (i, step) in steps.into_iter().enumerate() {
                    out.push(Seed {
                        provider: provider_name(p),
                        name: format!("demo/{scenario}/{p}.jsonl#{i}"),
                        tree: J::parse(&step.body),
                        body: step.body,
                        method: step.method,
                        path: step.path,
                        headers: step
                            .headers
                            .into_iter()
                            .map(|(k, v)| (k.to_ascii_lowercase(), v))
                            .collect(),
                    });
                }
            }
        }
        assert!(out.len() > 100, "the seed corpus is missing: {}", out.len());
        out
    })
}

fn provider_name(s: &str) -> &'static str {
    wamon::model::Provider::parse(s)
        .map(|p| p.as_str())
        .unwrap_or_else(|| panic!("unknown provider folder {s:?}"))
}

/// Seeds whose body is JSON, with their trees.
pub fn json_seeds() -> &'static [(usize, &'static J)] {
    static JSON: OnceLock<Vec<(usize, &'static J)>> = OnceLock::new();
    JSON.get_or_init(|| {
        seeds()
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.tree.as_ref().map(|t| (i, t)))
            .collect()
    })
}

/// Object keys and short string values found in the corpus: the words providers use
/// (`event`, `payload`, `message.ack`, `DELIVERY_ACK`, ids), so generated JSON speaks their dialect.
pub fn vocabulary() -> &'static (Vec<String>, Vec<String>) {
    static VOCAB: OnceLock<(Vec<String>, Vec<String>)> = OnceLock::new();
    VOCAB.get_or_init(|| {
        let (mut keys, mut strings) = (BTreeSet::new(), BTreeSet::new());
        fn walk(j: &J, keys: &mut BTreeSet<String>, strings: &mut BTreeSet<String>) {
            match j {
                J::Str(s) if s.chars().count() <= 64 => {
                    strings.insert(s.clone());
                }
                J::Arr(v) => v.iter().for_each(|x| walk(x, keys, strings)),
                J::Obj(kv) => {
                    for (k, v) in kv {
                        keys.insert(k.clone());
                        walk(v, keys, strings);
                    }
                }
                _ => {}
            }
        }
        for (_, t) in json_seeds() {
            walk(t, &mut keys, &mut strings);
        }
        (keys.into_iter().collect(), strings.into_iter().collect())
    })
}

// ---- JSON trees ------------------------------------------------------------------------------

/// A JSON document as written: numbers keep their text (so `1e400` or `-0` can be sent) and
/// objects may repeat a key (which real JSON parsers accept; the last one wins in serde_json).
#[derive(Debug, Clone, PartialEq)]
pub enum J {
    Null,
    Bool(bool),
    /// The number's literal text; always valid JSON number syntax.
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl J {
    /// The tree of `bytes`, if they are JSON.
    pub fn parse(bytes: &[u8]) -> Option<J> {
        serde_json::from_slice::<Value>(bytes)
            .ok()
            .map(|v| J::from(&v))
    }

    /// Compact JSON text.
    pub fn render(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut Vec<u8>) {
        match self {
            J::Null => out.extend(b"null"),
            J::Bool(b) => out.extend(if *b { &b"true"[..] } else { b"false" }),
            J::Num(n) => out.extend(n.as_bytes()),
            J::Str(s) => out.extend(serde_json::to_vec(s).unwrap()),
            J::Arr(v) => {
                out.push(b'[');
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    x.write(out);
                }
                out.push(b']');
            }
            J::Obj(kv) => {
                out.push(b'{');
                for (i, (k, x)) in kv.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend(serde_json::to_vec(k).unwrap());
                    out.push(b':');
                    x.write(out);
                }
                out.push(b'}');
            }
        }
    }

    /// Paths (child positions) of every node, root first, in document order.
    fn paths(&self) -> Vec<Vec<usize>> {
        fn walk(j: &J, at: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
            out.push(at.clone());
            let n = match j {
                J::Arr(v) => v.len(),
                J::Obj(kv) => kv.len(),
                _ => 0,
            };
            for i in 0..n {
                at.push(i);
                walk(j.child(i), at, out);
                at.pop();
            }
        }
        let mut out = Vec::new();
        walk(self, &mut Vec::new(), &mut out);
        out
    }

    fn child(&self, i: usize) -> &J {
        match self {
            J::Arr(v) => &v[i],
            J::Obj(kv) => &kv[i].1,
            _ => unreachable!("leaves have no children"),
        }
    }

    fn at_mut(&mut self, path: &[usize]) -> &mut J {
        path.iter().fold(self, |j, &i| match j {
            J::Arr(v) => &mut v[i],
            J::Obj(kv) => &mut kv[i].1,
            _ => unreachable!("paths only lead through containers"),
        })
    }

    fn at(&self, path: &[usize]) -> &J {
        path.iter().fold(self, |j, &i| j.child(i))
    }
}

impl From<&Value> for J {
    fn from(v: &Value) -> J {
        match v {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Number(n) => J::Num(n.to_string()),
            Value::String(s) => J::Str(s.clone()),
            Value::Array(a) => J::Arr(a.iter().map(J::from).collect()),
            Value::Object(o) => J::Obj(o.iter().map(|(k, v)| (k.clone(), J::from(v))).collect()),
        }
    }
}

/// Numbers that break careless code: zero and negative zero, negatives, fractions, the edges of
/// i64/u64/f64, values past u64 (serde_json reads them as floats), seconds vs milliseconds.
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "2",
    "3",
    "4",
    "5",
    "0.5",
    "-0.5",
    "1.5e3",
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "5e-324",
    "-5e-324",
    "1e-7",
    "999999999999",
    "1000000000000",
    "1700000000",
    "1700000000.123",
    "1700000000123",
    "-1700000000",
    "9007199254740993",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "123456789012345678901234567890",
];

/// Strings that break careless code: empty and blank, numbers and words as text, id shapes
/// with missing parts, control and bidi characters, line separators, quotes, emoji.
const STRINGS: &[&str] = &[
    "",
    " ",
    "\t\n",
    "0",
    "-1",
    "1e308",
    "1e400",
    "NaN",
    "inf",
    "-inf",
    "infinity",
    "true",
    "false",
    "null",
    "@",
    "@c.us",
    "@lid",
    "@g.us",
    "+",
    ":",
    ":@lid",
    "+ 1@c.us",
    "1:2:3@lid",
    "5511999990000",
    "+55 11 99999-0000",
    "5511999990000@s.whatsapp.net",
    "5511999990000:12@s.whatsapp.net",
    "123456789@lid",
    "120363000000000000@g.us",
    "120363000000000000@newsletter",
    "status@broadcast",
    "true_5511999990000@c.us_3EB0",
    "false_",
    "true__",
    "false_@_",
    "wamid.X",
    "\u{0}",
    "\u{7}\u{1b}[31m",
    "\u{85}",
    "\u{2028}\u{2029}",
    "\u{202e}abc",
    "\u{feff}",
    "\\",
    "\"",
    "é",
    "ß",
    "İ",
    "😀👍🏽",
    "👨‍👩‍👧",
    "1970-01-01T00:00:00Z",
    "2025-06-01T12:00:00.000Z",
    "9999-12-31T23:59:59.999Z",
    "BEGIN:VCARD\nFN:x\nEND:VCARD",
];

/// A leaf value: an edge number, an edge string, a corpus word, arbitrary text or a long string.
pub fn leaf() -> impl Strategy<Value = J> {
    let words = vocabulary().1.clone();
    prop_oneof![
        2 => Just(J::Null),
        1 => any::<bool>().prop_map(J::Bool),
        3 => prop::sample::select(NUMBERS).prop_map(|n| J::Num(n.to_owned())),
        1 => any::<i64>().prop_map(|n| J::Num(n.to_string())),
        1 => any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(|f| J::Num(serde_json::Number::from_f64(f).unwrap().to_string())),
        3 => prop::sample::select(STRINGS).prop_map(|s| J::Str(s.to_owned())),
        3 => prop::sample::select(words).prop_map(J::Str),
        2 => any::<String>().prop_map(J::Str),
        1 => (prop::sample::select(STRINGS), 1000usize..20_000)
            .prop_map(|(s, n)| J::Str(s.repeat(n.div_ceil(s.len().max(1))).chars().take(n).collect())),
        1 => Just(J::Arr(Vec::new())),
        1 => Just(J::Obj(Vec::new())),
    ]
}

/// An object key: mostly one providers use.
pub fn key() -> impl Strategy<Value = String> {
    let keys = vocabulary().0.clone();
    prop_oneof![
        4 => prop::sample::select(keys),
        1 => any::<String>(),
        1 => prop::sample::select(STRINGS).prop_map(str::to_owned),
    ]
}

/// Arbitrary JSON speaking the providers' vocabulary.
pub fn json() -> impl Strategy<Value = J> {
    leaf().prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(J::Arr),
            prop::collection::vec((key(), inner), 0..6).prop_map(J::Obj),
        ]
    })
}

/// Arbitrary content inside each provider's envelope shape, so detection passes and the
/// provider's own parser gets the garbage.
pub fn shaped_json() -> impl Strategy<Value = J> {
    let events = vocabulary().1.clone();
    let event = prop_oneof![
        3 => prop::sample::select(events),
        1 => any::<String>(),
    ];
    let s = |x: &str| J::Str(x.to_owned());
    (event, json(), json(), json(), 0..5u8).prop_map(move |(event, a, b, extra, shape)| {
        let kv = |pairs: Vec<(&str, J)>| {
            J::Obj(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .chain([("extra".to_owned(), extra.clone())])
                    .collect(),
            )
        };
        match shape {
            0 => kv(vec![
                ("object", s("whatsapp_business_account")),
                ("entry", J::Arr(vec![a, b])),
            ]),
            1 => kv(vec![
                (
                    "event",
                    J::Obj(vec![
                        ("type".into(), J::Str(event.clone())),
                        ("event".into(), b),
                    ]),
                ),
                ("channel_id", s("CHANNEL-1")),
                ("messages", a),
            ]),
            2 => kv(vec![
                ("event", J::Str(event)),
                ("session", s("default")),
                ("payload", a),
                ("me", b),
            ]),
            3 => kv(vec![
                ("event", J::Str(event)),
                ("instance", s("inst")),
                ("data", a),
                ("sender", b),
            ]),
            _ => kv(vec![
                ("event", J::Str(event)),
                ("instanceId", s("i-1")),
                ("data", J::Obj(vec![("x".into(), a), ("y".into(), b)])),
            ]),
        }
    })
}

// ---- structure-aware mutations -----------------------------------------------------------------

/// One edit of a JSON tree. Positions are indexes into the tree's nodes (root first), taken
/// modulo the node count when applied, so they stay meaningful while earlier edits reshape it.
#[derive(Debug, Clone)]
pub enum Mutation {
    /// The node becomes `with`.
    Replace(Index, J),
    /// Same value, another type: `"123"` ↔ `123`, `true` → `"true"`, array ↔ object.
    Retype(Index),
    /// The node is removed from its object or array.
    Delete(Index),
    /// The node's key appears a second time with `with`, before or after the original.
    DuplicateKey(Index, J, bool),
    /// The node is wrapped in `depth` arrays or single-key objects.
    Nest(Index, usize, bool),
    /// The node is repeated `times` in its array.
    Repeat(Index, usize),
    /// The node becomes a subtree of another seed.
    Graft(Index, Index, Index),
    /// Two nodes change places (ids with timestamps, chats with senders).
    Swap(Index, Index),
    /// Strings, arrays and objects become empty.
    Empty(Index),
}

pub fn mutation() -> impl Strategy<Value = Mutation> {
    let i = any::<Index>;
    prop_oneof![
        4 => (i(), leaf()).prop_map(|(a, j)| Mutation::Replace(a, j)),
        1 => (i(), json()).prop_map(|(a, j)| Mutation::Replace(a, j)),
        3 => i().prop_map(Mutation::Retype),
        3 => i().prop_map(Mutation::Delete),
        2 => (i(), leaf(), any::<bool>()).prop_map(|(a, j, b)| Mutation::DuplicateKey(a, j, b)),
        1 => (i(), prop_oneof![1usize..8, 100usize..200], any::<bool>())
            .prop_map(|(a, d, o)| Mutation::Nest(a, d, o)),
        1 => (i(), 0usize..40).prop_map(|(a, n)| Mutation::Repeat(a, n)),
        2 => (i(), i(), i()).prop_map(|(a, s, n)| Mutation::Graft(a, s, n)),
        2 => (i(), i()).prop_map(|(a, b)| Mutation::Swap(a, b)),
        1 => i().prop_map(Mutation::Empty),
    ]
}

impl Mutation {
    pub fn apply(&self, root: &mut J) {
        let paths = root.paths();
        let pick = |i: &Index| paths[i.index(paths.len())].clone();
        match self {
            Mutation::Replace(at, with) => *root.at_mut(&pick(at)) = with.clone(),
            Mutation::Retype(at) => {
                let node = root.at_mut(&pick(at));
                *node = retype(std::mem::replace(node, J::Null));
            }
            Mutation::Delete(at) => {
                let path = pick(at);
                if let Some((&last, parent)) = path.split_last() {
                    match root.at_mut(parent) {
                        J::Arr(v) => drop(v.remove(last)),
                        J::Obj(kv) => drop(kv.remove(last)),
                        _ => unreachable!(),
                    }
                }
            }
            Mutation::DuplicateKey(at, with, before) => {
                let path = pick(at);
                if let Some((&last, parent)) = path.split_last() {
                    if let J::Obj(kv) = root.at_mut(parent) {
                        let k = kv[last].0.clone();
                        kv.insert(if *before { last } else { last + 1 }, (k, with.clone()));
                    }
                }
            }
            Mutation::Nest(at, depth, objects) => {
                let node = root.at_mut(&pick(at));
                let mut j = std::mem::replace(node, J::Null);
                for _ in 0..*depth {
                    j = if *objects {
                        J::Obj(vec![("payload".into(), j)])
                    } else {
                        J::Arr(vec![j])
                    };
                }
                *node = j;
            }
            Mutation::Repeat(at, times) => {
                let path = pick(at);
                if let Some((&last, parent)) = path.split_last() {
                    if let J::Arr(v) = root.at_mut(parent) {
                        let x = v[last].clone();
                        v.splice(last..last, std::iter::repeat_n(x, *times));
                    }
                }
            }
            Mutation::Graft(at, seed, node) => {
                let donors = json_seeds();
                let donor = donors[seed.index(donors.len())].1;
                let donor_paths = donor.paths();
                let part = donor
                    .at(&donor_paths[node.index(donor_paths.len())])
                    .clone();
                *root.at_mut(&pick(at)) = part;
            }
            Mutation::Swap(a, b) => {
                // Only leaves: swapping a node with its own ancestor has no meaning.
                let (pa, pb) = (pick(a), pick(b));
                let (ja, jb) = (root.at(&pa).clone(), root.at(&pb).clone());
                if !matches!(ja, J::Arr(_) | J::Obj(_)) && !matches!(jb, J::Arr(_) | J::Obj(_)) {
                    *root.at_mut(&pa) = jb;
                    *root.at_mut(&pb) = ja;
                }
            }
            Mutation::Empty(at) => {
                let node = root.at_mut(&pick(at));
                match node {
                    J::Str(s) => s.clear(),
                    J::Arr(v) => v.clear(),
                    J::Obj(kv) => kv.clear(),
                    _ => *node = J::Null,
                }
            }
        }
    }
}

/// The same value as another JSON type.
fn retype(j: J) -> J {
    match j {
        J::Null => J::Str(String::new()),
        J::Bool(b) => J::Str(b.to_string()),
        J::Num(n) => J::Str(n),
        J::Str(s) => match serde_json::from_str::<serde_json::Number>(s.trim()) {
            Ok(_) => J::Num(s.trim().to_owned()),
            Err(_) if s == "true" || s == "false" => J::Bool(s == "true"),
            Err(_) => J::Arr(vec![J::Str(s)]),
        },
        J::Arr(v) => J::Obj(
            v.into_iter()
                .enumerate()
                .map(|(i, x)| (i.to_string(), x))
                .collect(),
        ),
        J::Obj(kv) => J::Arr(kv.into_iter().map(|(_, x)| x).collect()),
    }
}

/// A JSON seed with a few mutations applied: `(seed index into [seeds], mutated tree)`.
pub fn mutated_seed() -> impl Strategy<Value = (usize, J)> {
    let n = json_seeds().len();
    (0..n, prop::collection::vec(mutation(), 0..6)).prop_map(|(i, muts)| {
        let (seed, tree) = json_seeds()[i];
        let mut tree = tree.clone();
        for m in &muts {
            m.apply(&mut tree);
        }
        (seed, tree)
    })
}

/// Related requests, as a provider sends them: variants (untouched or edited) of a few seeds —
/// random ones, or consecutive steps of one demo conversation — so the same ids, chats and
/// polls come back with changed fields (retries, later acks, conflicting facts). Besides the
/// usual edits, a variant may take a string from another request of the pool (an id, a chat),
/// which ties requests together that the corpus keeps apart (an edit of our own message).
pub fn related_bodies(len: std::ops::Range<usize>) -> impl Strategy<Value = Vec<Body>> {
    let n = json_seeds().len();
    let pool = prop_oneof![
        prop::collection::vec(0..n, 1..4),
        (0..n, 2..8usize).prop_map(move |(start, k)| (start..(start + k).min(n)).collect()),
    ];
    pool.prop_flat_map(move |pool: Vec<usize>| {
        // Every string of the pool, for the variants to borrow.
        let mut strings = BTreeSet::new();
        fn walk(j: &J, out: &mut BTreeSet<String>) {
            match j {
                J::Str(s) => drop(out.insert(s.clone())),
                J::Arr(v) => v.iter().for_each(|x| walk(x, out)),
                J::Obj(kv) => kv.iter().for_each(|(_, x)| walk(x, out)),
                _ => {}
            }
        }
        for &i in &pool {
            walk(json_seeds()[i].1, &mut strings);
        }
        let mut strings: Vec<J> = strings.into_iter().map(J::Str).collect();
        if strings.is_empty() {
            strings.push(J::Str(String::new()));
        }
        let borrow = (any::<Index>(), prop::sample::select(strings))
            .prop_map(|(at, s)| Mutation::Replace(at, s));
        let edit = prop_oneof![3 => mutation(), 2 => borrow];
        let variant = (
            prop::sample::select(pool),
            prop::collection::vec(edit, 0..3),
        )
            .prop_map(|(i, muts)| {
                let mut tree = json_seeds()[i].1.clone();
                for m in &muts {
                    m.apply(&mut tree);
                }
                Body(tree.render())
            });
        prop::collection::vec(variant, len.clone())
    })
}

/// Bytes of a seed with byte-level damage: truncated, bytes flipped, inserted or deleted.
pub fn damaged_seed() -> impl Strategy<Value = Body> {
    let n = seeds().len();
    let edit = (any::<Index>(), any::<u8>(), 0..4u8);
    (0..n, prop::collection::vec(edit, 1..6)).prop_map(|(i, edits)| {
        let mut b = seeds()[i].body.clone();
        for (at, byte, op) in edits {
            if b.is_empty() {
                b.push(byte);
                continue;
            }
            let k = at.index(b.len());
            match op {
                0 => b.truncate(k),
                1 => b[k] ^= 1 << (byte % 8),
                2 => b.insert(k, byte),
                _ => drop(b.remove(k)),
            }
        }
        Body(b)
    })
}

/// Any request body: arbitrary bytes, damaged or mutated seeds, arbitrary or shaped JSON.
pub fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..256).prop_map(Body),
        2 => damaged_seed(),
        4 => mutated_seed().prop_map(|(_, t)| Body(t.render())),
        1 => json().prop_map(|t| Body(t.render())),
        2 => shaped_json().prop_map(|t| Body(t.render())),
        1 => seed().prop_map(|i| Body(seeds()[i].body.clone())),
    ]
}

/// The index of an untouched seed.
pub fn seed() -> impl Strategy<Value = usize> {
    0..seeds().len()
}

// ---- envelopes -------------------------------------------------------------------------------

/// The received-at range the capture file can store: RFC 3339 has four-digit years, so
/// 0000-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z.
pub const MIN_CAPTURE_MS: i64 = -62_167_219_200_000;
pub const MAX_CAPTURE_MS: i64 = 253_402_300_799_999;

/// Text for envelope fields: arbitrary Unicode, controls and line separators, corpus words.
pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        1 => prop::sample::select(STRINGS).prop_map(str::to_owned),
        1 => "[\\x00-\\x1f\\x7f\u{2028}\u{2029}\"\\\\/]{0,8}",
    ]
}

/// Any envelope (every field arbitrary) with a time the capture file can store.
pub fn envelope() -> impl Strategy<Value = Envelope> {
    envelope_at(prop_oneof![
        MIN_CAPTURE_MS..=MAX_CAPTURE_MS,
        Just(MIN_CAPTURE_MS),
        Just(MAX_CAPTURE_MS),
        Just(0i64),
        1_600_000_000_000i64..2_000_000_000_000,
    ])
}

/// A header value: text, or any bytes (HTTP allows obs-text, 0x80-0xFF, which need not be
/// UTF-8).
fn header_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => text().prop_map(String::into_bytes),
        1 => prop::collection::vec(any::<u8>(), 0..24),
        1 => prop::collection::vec(0x80u8..=0xff, 1..8),
    ]
}

/// Any envelope received at a time from `ms`.
pub fn envelope_at(ms: impl Strategy<Value = i64>) -> impl Strategy<Value = Envelope> {
    let body = prop_oneof![
        2 => body().prop_map(|b| b.0),
        1 => prop::collection::vec(any::<u8>(), 0..64),
        1 => any::<String>().prop_map(String::into_bytes),
    ];
    (
        (any::<u64>(), ms, text(), text(), prop::option::of(text())),
        (
            prop::collection::vec((text(), header_value()), 0..6),
            prop::option::of(text()),
            body,
            any::<u16>(),
            prop::option::of(text()),
        ),
    )
        .prop_map(
            |((seq, ms, method, path, query), (headers, remote, body, status, note))| Envelope {
                seq,
                received_at_ms: ms,
                method,
                path,
                query,
                headers,
                remote,
                body: body.into(),
                status,
                note,
            },
        )
}
