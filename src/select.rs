//! Which requests of a capture a filter selects, for `wamon replay --filter`, `wamon export
//! --filter` and writing the screen's matching requests to a file.
//!
//! The requests are applied to a store of their own, as the screen would, and a request is
//! selected when any event it produced matches the filter as its row would on the screen
//! (after everything is applied: `ack:read` means read by the end of the capture). An empty
//! filter selects every request.
//!
//! Core module: pure.

use crate::envelope::Envelope;
use crate::filter::Filter;
use crate::store::subject::{BodySearch, RowSubject};
use crate::store::{Row, Store};
use std::collections::{BTreeSet, HashMap};

/// Requests by seq, for `word` terms that search raw JSON (decoded, as the screen searches it).
struct Bodies<'a>(HashMap<u64, &'a Envelope>);

impl BodySearch for Bodies<'_> {
    fn body_contains(&self, seq: u64, needle_lower: &str) -> bool {
        self.0.get(&seq).is_some_and(|env| {
            crate::body_encoding::decoded(env)
                .is_ok_and(|b| crate::filter::body_contains(&b, needle_lower))
        })
    }
}

/// The seqs of the requests in `envelopes` that `filter` selects.
pub fn matching_seqs<'a>(
    envelopes: impl IntoIterator<Item = &'a Envelope>,
    filter: &Filter,
) -> BTreeSet<u64> {
    let envelopes: Vec<&Envelope> = envelopes.into_iter().collect();
    if filter.is_empty() {
        return envelopes.iter().map(|e| e.seq).collect();
    }
    let mut store = Store::new();
    for env in &envelopes {
        let normalized = crate::provider::normalize(env);
        store.note_request(env.seq, env.received_at_ms);
        for ev in &normalized.events {
            store.apply(normalized.provider, env.seq, env.received_at_ms, ev);
        }
    }
    let bodies = Bodies(envelopes.iter().map(|e| (e.seq, *e)).collect());
    store
        .event_ids()
        .filter(|&id| {
            let subject = RowSubject {
                store: &store,
                raw: &bodies,
                row: Row::Event(id),
            };
            filter.matches(&subject)
        })
        .map(|id| store.event(id).seq)
        .collect()
}

/// Parses `A-B`, `A-`, `-B` or `N` into an inclusive range of seqs.
pub fn parse_seq_range(s: &str) -> Result<std::ops::RangeInclusive<u64>, String> {
    let bad = || format!("{s:?}: use N, A-B, A- or -B (request numbers)");
    let num = |t: &str| t.trim().parse::<u64>().map_err(|_| bad());
    match s.split_once('-') {
        None => {
            let n = num(s)?;
            Ok(n..=n)
        }
        Some((a, b)) => {
            let lo = if a.trim().is_empty() { 0 } else { num(a)? };
            let hi = if b.trim().is_empty() {
                u64::MAX
            } else {
                num(b)?
            };
            if lo > hi {
                return Err(bad());
            }
            Ok(lo..=hi)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waha(seq: u64, id: &str, from: &str, body: &str) -> Envelope {
        Envelope::post(
            seq,
            1_700_000_000_000 + seq as i64,
            format!(
                r#"{{"event":"message","session":"default","payload":{{"id":"{id}","from":"{from}","fromMe":false,"body":"{body}"}}}}"#
            ),
        )
    }

    #[test]
    fn a_filter_selects_the_requests_whose_events_match() {
        let envs = [
            waha(1, "false_111@c.us_A", "111@c.us", "hello there"),
            waha(2, "false_222@c.us_B", "222@c.us", "other words"),
            waha(3, "false_111@c.us_C", "111@c.us", "bye"),
        ];
        let f = |q: &str| matching_seqs(&envs, &Filter::parse(q).unwrap());
        assert_eq!(f(""), BTreeSet::from([1, 2, 3]));
        assert_eq!(f("chat:111"), BTreeSet::from([1, 3]));
        assert_eq!(f("hello"), BTreeSet::from([1]));
        assert_eq!(f("!chat:111"), BTreeSet::from([2]));
        assert_eq!(f("kind:status"), BTreeSet::new());
    }

    #[test]
    fn seq_ranges() {
        assert_eq!(parse_seq_range("3-7").unwrap(), 3..=7);
        assert_eq!(parse_seq_range("5").unwrap(), 5..=5);
        assert_eq!(parse_seq_range("10-").unwrap(), 10..=u64::MAX);
        assert_eq!(parse_seq_range("-4").unwrap(), 0..=4);
        assert!(parse_seq_range("7-3").is_err());
        assert!(parse_seq_range("x").is_err());
    }
}
