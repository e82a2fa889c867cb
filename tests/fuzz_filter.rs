//! Property tests of the filter language (`wamon::filter`): parsing, equality and matching.
//!
//! Input is arbitrary text (quotes, `!`, `|`, `:`, backslashes, any Unicode, very long) and
//! filter-shaped text built from the language's keys and values, near misses included. Parsing
//! must never panic and must keep its source; an error must point inside the input. Filters
//! equal whatever their spacing and term order, and matching is checked against every row of a
//! store filled with every fixture and demo request (messages and raw events): it never panics,
//! a filter holds exactly when each of its terms holds, and `!t` matches exactly what `t` does not.
//!
//! `PROPTEST_CASES=N` lengthens the hunt (see `fuzz::config` and the README's "Tests").

mod fuzz;

use fuzz::{config, seeds};
use proptest::prelude::*;
use std::sync::{Arc, OnceLock};
use wamon::envelope::Envelope;
use wamon::filter::Filter;
use wamon::model::{Ack, Kind, MessageType, Provider};
use wamon::monitor::raw::RawStore;
use wamon::provider::normalize;
use wamon::store::subject::RowSubject;
use wamon::store::{Row, Store};

/// A store and raw bodies holding every seed, and every row to match: the default stream's rows
/// and each raw event.
fn world() -> &'static (Store, RawStore, Vec<Row>) {
    static WORLD: OnceLock<(Store, RawStore, Vec<Row>)> = OnceLock::new();
    WORLD.get_or_init(|| {
        let mut store = Store::new();
        let mut raw = RawStore::new(None, None);
        for (i, s) in seeds().iter().enumerate() {
            let seq = i as u64 + 1;
            let mut env = Envelope::post(seq, 1_750_000_000_000 + i as i64, s.body.clone());
            env.headers = s
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), v.clone().into_bytes()))
                .collect();
            let n = normalize(&env);
            store.note_request(seq, env.received_at_ms);
            for ev in &n.events {
                store.apply(n.provider, seq, env.received_at_ms, ev);
            }
            raw.insert(Arc::new(env), None, 0, false);
        }
        let mut rows: Vec<Row> = store.rows().iter().copied().collect();
        rows.extend(store.event_ids().map(Row::Event));
        (store, raw, rows)
    })
}

/// Which rows `f` matches.
fn matches(f: &Filter) -> Vec<bool> {
    let (store, raw, rows) = world();
    rows.iter()
        .map(|&row| f.matches(&RowSubject { store, raw, row }))
        .collect()
}

fn parse(s: &str) -> Result<Filter, TestCaseError> {
    Filter::parse(s).map_err(|e| TestCaseError::fail(format!("{s:?} does not parse: {e}")))
}

// ---- filter-shaped text ------------------------------------------------------------------------

/// Values each key knows, their spellings and near misses, and words found in the rows.
fn value() -> impl Strategy<Value = String> {
    let mut names: Vec<String> = Vec::new();
    names.extend(MessageType::ALL.iter().map(|t| t.as_str().to_owned()));
    names.extend(Kind::ALL.iter().map(|k| k.as_str().to_owned()));
    names.extend(Provider::KNOWN.iter().map(|p| p.as_str().to_owned()));
    names.extend(Ack::ALL.iter().map(|a| a.as_str().to_owned()));
    names.extend(
        [
            "unknown",
            "media",
            "group",
            "dm",
            "channel",
            "lid",
            "status",
            "broadcast",
            "edited",
            "deleted",
            "duplicate",
            "outoforder",
            "out_of_order",
            "Out-Of-Order",
            "reply",
            "live-location",
            "LiveLocation",
            "POLL",
            "pol",
            "txt",
            "i",
            "grp",
            "me",
            "ME",
        ]
        .map(str::to_owned),
    );
    let words = fuzz::vocabulary().1.clone();
    let cmp = prop::sample::select(vec!["", "", "<", "<=", ">", ">=", "=", "=<", "<<"]);
    prop_oneof![
        4 => (cmp, prop::sample::select(names)).prop_map(|(c, n)| format!("{c}{n}")),
        2 => prop::sample::select(words),
        1 => "[+0-9 ()\\-.]{1,12}",
        1 => "[a-zA-Zçã0-9@._\\-]{1,8}",
        1 => any::<String>(),
    ]
}

/// One term as typed, quotes balanced and no blank outside them (so it stays one term wherever
/// it is placed), or junk.
fn term() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        4 => prop::sample::select(vec![
            "chat", "from", "type", "kind", "provider", "ack", "is", "id", "CHAT", "Type",
        ]).prop_map(|k| format!("{k}:")),
        2 => Just(String::new()),
        1 => prop::sample::select(vec!["frm:", "tyep:", "x:", ":", "a:b:", "é:"]).prop_map(str::to_owned),
    ];
    let alt = (value(), prop::bool::weighted(0.25)).prop_map(|(v, quoted)| {
        if quoted {
            format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
        } else {
            v.chars()
                .filter(|c| !c.is_whitespace() && *c != '"')
                .collect()
        }
    });
    let alts = prop::collection::vec(alt, 1..4).prop_map(|a| a.join("|"));
    prop_oneof![
        8 => (0..3usize, key, alts).prop_map(|(bangs, k, v)| format!("{}{k}{v}", "!".repeat(bangs))),
        1 => prop::sample::select(vec!["me", "!me", "ME", "!!me", "\"me\"", "!", "\"\"", "|", "a|", "a||b"])
            .prop_map(str::to_owned),
    ]
}

fn blank() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        " ", " ", "  ", "\t", "\u{a0}", "\u{3000}", "\n", "\u{2028}",
    ])
}

/// Terms joined by blanks.
fn join(terms: &[String], blanks: &[&str]) -> String {
    let mut out = String::new();
    for (i, t) in terms.iter().enumerate() {
        if i > 0 {
            out.push_str(blanks[i % blanks.len()]);
        }
        out.push_str(t);
    }
    out
}

/// Any text at all, and filter-shaped text.
fn input() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => any::<String>(),
        2 => "[ !|:\"\\\\a-z<>=\u{e9}\u{2028}]{0,24}",
        4 => (prop::collection::vec(term(), 0..6), prop::collection::vec(blank(), 1..4))
            .prop_map(|(t, b)| join(&t, &b)),
        1 => (term(), 100..5000usize).prop_map(|(t, n)| {
            let mut s = String::new();
            while s.len() < n {
                s.push_str(&t);
                s.push(' ');
            }
            s
        }),
    ]
}

// ---- properties --------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config("fuzz_filter", 256))]

    #[test]
    fn parsing_never_panics_and_keeps_its_source(s in input()) {
        match Filter::parse(&s) {
            Ok(f) => {
                prop_assert_eq!(f.source(), s.as_str());
                prop_assert_eq!(f.to_string(), s.clone());
                prop_assert_eq!(f.is_empty(), s.chars().all(char::is_whitespace));
                // The displayed form is the source, and it parses to the same filter.
                let again = parse(&f.to_string())?;
                prop_assert_eq!(&again, &f);
            }
            Err(e) => {
                prop_assert!(!e.message.is_empty());
                prop_assert!(
                    e.at < s.chars().count(),
                    "error at char {} of a {}-char input",
                    e.at,
                    s.chars().count()
                );
                prop_assert!(!s.chars().nth(e.at).unwrap().is_whitespace(), "points at a blank");
            }
        }
    }

    #[test]
    fn spacing_and_term_order_do_not_change_a_filter(
        (terms, order) in prop::collection::vec(term(), 1..7)
            .prop_flat_map(|t| { let n = t.len(); (Just(t), Just((0..n).collect::<Vec<_>>()).prop_shuffle()) }),
        blanks in prop::collection::vec(blank(), 1..4),
    ) {
        let plain = join(&terms, &[" "]);
        let shuffled: Vec<String> = order.iter().map(|&i| terms[i].clone()).collect();
        let respaced = join(&shuffled, &blanks);
        match Filter::parse(&plain) {
            Ok(f) => prop_assert_eq!(parse(&respaced)?, f),
            Err(_) => prop_assert!(Filter::parse(&respaced).is_err()),
        }
    }
}

proptest! {
    // Each case matches a few filters against every row (about 700), raw bodies included.
    #![proptest_config(config("fuzz_filter", 32))]

    #[test]
    fn a_filter_holds_when_each_of_its_terms_holds(terms in prop::collection::vec(term(), 1..6)) {
        let Ok(f) = Filter::parse(&join(&terms, &[" "])) else {
            return Ok(());
        };
        let mut each = vec![true; world().2.len()];
        for t in &terms {
            for (all, one) in each.iter_mut().zip(matches(&parse(t)?)) {
                *all &= one;
            }
        }
        prop_assert_eq!(matches(&f), each);
    }

    #[test]
    fn a_negated_term_matches_exactly_what_the_term_does_not(t in term()) {
        let negated = format!("!{t}");
        let Ok(f) = Filter::parse(&t) else {
            prop_assert!(Filter::parse(&negated).is_err());
            return Ok(());
        };
        if f.is_empty() {
            // No term to negate (a blank value): `!` alone is an error of its own.
            return Ok(());
        }
        let not: Vec<bool> = matches(&f).into_iter().map(|m| !m).collect();
        prop_assert_eq!(matches(&parse(&negated)?), not);
    }

    #[test]
    fn any_filter_that_parses_can_be_matched(s in input()) {
        if let Ok(f) = Filter::parse(&s) {
            let m = matches(&f);
            if f.is_empty() {
                prop_assert!(m.iter().all(|&x| x));
            }
        }
    }
}

/// Past 64 text terms the matcher stops tracking which terms its cheap pass settled. Heavy:
/// `PROPTEST_CASES=N` gives it N / 32 cases.
#[test]
fn filters_with_many_text_terms_are_still_the_and_of_their_terms() {
    // Seven distinct terms, each matched alone once.
    const DISTINCT: [&str; 7] = ["e", "a", "o", "\"\\\"\"", "1", "!zzqx", "!9999999"];
    let alone: std::collections::HashMap<&str, Vec<bool>> = DISTINCT
        .into_iter()
        .map(|t| (t, matches(&Filter::parse(t).unwrap())))
        .collect();
    let terms = prop::collection::vec(
        prop_oneof![
            // Common words settle in the cheap pass or early in a body.
            20 => prop::sample::select(&DISTINCT[..5]),
            // A negated rare word reads every body to the end: a few of them.
            1 => prop::sample::select(&DISTINCT[5..]),
        ],
        60..80,
    );
    fuzz::scaled("fuzz_filter", 4, 32, terms, |terms| {
        let f = parse(&terms.join(" "))?;
        let mut each = vec![true; world().2.len()];
        for t in &terms {
            for (all, one) in each.iter_mut().zip(&alone[t]) {
                *all &= one;
            }
        }
        prop_assert!(each.iter().any(|&x| x), "the terms should match some rows");
        prop_assert_eq!(matches(&f), each);
        Ok(())
    });
}
