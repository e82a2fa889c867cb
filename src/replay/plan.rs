//! Which requests of a capture `wamon replay` sends, and why the others are left out.
//!
//! `--seq` and `--filter` choose among all the capture's requests (the filter sees the whole
//! capture, as the screen would after loading it). Of those, the webhooks are sent: POST, PUT,
//! PATCH and DELETE requests whose body was recorded, whether wamon accepted them or rejected
//! them for their body (a bad signature, malformed JSON). Left out and counted: GET and HEAD
//! (Meta's verification handshake, a browser), requests rejected before their body was read
//! (too large, too slow, the sender hung up: the capture has no body to send), and any other
//! method (a hand-edited file).
//!
//! Core module: pure.

use crate::envelope::Envelope;
use crate::filter::Filter;
use std::ops::RangeInclusive;

/// The requests not sent, by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Skipped {
    /// Outside `--seq` or not matching `--filter`.
    pub not_selected: usize,
    /// GET and HEAD: handshakes and page views, not webhooks.
    pub get: usize,
    /// Rejected before the body was read: nothing to send.
    pub no_body: usize,
    /// Any other method.
    pub other_method: usize,
}

/// Why one selected request is not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Skip {
    Get,
    NoBody,
    OtherMethod,
}

fn skip(env: &Envelope) -> Option<Skip> {
    let m = env.method.as_str();
    if m.eq_ignore_ascii_case("GET") || m.eq_ignore_ascii_case("HEAD") {
        return Some(Skip::Get);
    }
    if !["POST", "PUT", "PATCH", "DELETE"]
        .iter()
        .any(|w| m.eq_ignore_ascii_case(w))
    {
        return Some(Skip::OtherMethod);
    }
    // A signature failure (401) keeps its body; the other rejections with a note (413, 408,
    // 503, a sender that hung up) were recorded without one.
    if env.note.is_some() && env.body.is_empty() && env.status != 401 {
        return Some(Skip::NoBody);
    }
    None
}

/// The requests of `envelopes` to send, in capture order, and what was left out.
pub fn plan<'a>(
    envelopes: &'a [Envelope],
    seq: Option<&RangeInclusive<u64>>,
    filter: Option<&Filter>,
) -> (Vec<&'a Envelope>, Skipped) {
    let matching = filter
        .filter(|f| !f.is_empty())
        .map(|f| crate::select::matching_seqs(envelopes, f));
    let mut skipped = Skipped::default();
    let mut chosen = Vec::new();
    for env in envelopes {
        let selected = seq.is_none_or(|r| r.contains(&env.seq))
            && matching.as_ref().is_none_or(|m| m.contains(&env.seq));
        if !selected {
            skipped.not_selected += 1;
            continue;
        }
        match skip(env) {
            None => chosen.push(env),
            Some(Skip::Get) => skipped.get += 1,
            Some(Skip::NoBody) => skipped.no_body += 1,
            Some(Skip::OtherMethod) => skipped.other_method += 1,
        }
    }
    (chosen, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waha(seq: u64, from: &str) -> Envelope {
        Envelope::post(
            seq,
            seq as i64,
            format!(
                r#"{{"event":"message","session":"default","payload":{{"id":"false_{from}_{seq}","from":"{from}","fromMe":false,"body":"m{seq}"}}}}"#
            ),
        )
    }

    fn seqs(v: &[&Envelope]) -> Vec<u64> {
        v.iter().map(|e| e.seq).collect()
    }

    #[test]
    fn webhooks_are_sent_and_the_rest_counted() {
        let mut get = Envelope::post(2, 0, &b""[..]);
        get.method = "GET".into();
        let mut too_large = Envelope::post(3, 0, &b""[..]);
        (too_large.status, too_large.note) = (413, Some("body over --max-body".into()));
        let mut bad_sig = waha(4, "111@c.us");
        (bad_sig.status, bad_sig.note) = (401, Some("X-Webhook-Hmac does not match".into()));
        let mut put = waha(5, "111@c.us");
        put.method = "PUT".into();
        let mut options = waha(6, "111@c.us");
        options.method = "OPTIONS".into();
        let malformed = Envelope::post(7, 0, &b"{not json"[..]);
        let mut unsigned_empty = Envelope::post(8, 0, &b""[..]);
        (unsigned_empty.status, unsigned_empty.note) = (401, Some("missing signature".into()));
        let envs = [
            waha(1, "111@c.us"),
            get,
            too_large,
            bad_sig,
            put,
            options,
            malformed,
            unsigned_empty,
        ];
        let (chosen, skipped) = plan(&envs, None, None);
        assert_eq!(seqs(&chosen), [1, 4, 5, 7, 8]);
        assert_eq!(
            skipped,
            Skipped {
                not_selected: 0,
                get: 1,
                no_body: 1,
                other_method: 1
            }
        );
    }

    #[test]
    fn seq_and_filter_narrow_the_selection_together() {
        let envs = [
            waha(1, "111@c.us"),
            waha(2, "222@c.us"),
            waha(3, "111@c.us"),
            waha(4, "111@c.us"),
        ];
        let f = Filter::parse("chat:111").unwrap();
        let (chosen, skipped) = plan(&envs, None, Some(&f));
        assert_eq!(seqs(&chosen), [1, 3, 4]);
        assert_eq!(skipped.not_selected, 1);
        let (chosen, skipped) = plan(&envs, Some(&(2..=3)), Some(&f));
        assert_eq!(seqs(&chosen), [3]);
        assert_eq!(skipped.not_selected, 3);
        let (chosen, _) = plan(&envs, None, Some(&Filter::parse("").unwrap()));
        assert_eq!(chosen.len(), 4);
    }
}
