//! The display copy of a request's envelope, for the headers view: method, path, query, header
//! names and values, remote address and note with unsafe characters as placeholders;
//! credentials (query parameters such as `hub.verify_token` and `token`, headers such as
//! `Authorization`, `apikey`, `X-Api-Key`, `Cookie` and any `*token*`) masked always; phone
//! numbers masked under `--redact`.
//!
//! Real header values can carry C1 characters and bytes that are not UTF-8 (kept exact in the
//! envelope, shown lossy here) but not C0; paths and queries arrive percent-encoded or raw; notes quote header values.

use super::redact::{is_credential_name, Redactor, CREDENTIAL_MASK};
use super::sanitize::clean;
use crate::envelope::Envelope;
use std::borrow::Cow;

/// The display copy of `env` (the body is shared, not copied).
pub fn shown(env: &Envelope, r: Option<&Redactor>) -> Envelope {
    Envelope {
        seq: env.seq,
        received_at_ms: env.received_at_ms,
        method: clean(&env.method).into_owned(),
        path: text(&env.path, r),
        query: env.query.as_deref().map(|q| query(q, r)),
        headers: env
            .headers
            .iter()
            .map(|(name, value)| {
                // Exactness is for the capture, signatures and replay; the screen shows a
                // lossy copy (bytes that are not UTF-8 as U+FFFD).
                let value = if is_credential_name(name) {
                    CREDENTIAL_MASK.to_owned()
                } else {
                    text(&String::from_utf8_lossy(value), r)
                };
                (clean(name).into_owned(), value.into_bytes())
            })
            .collect(),
        remote: env.remote.as_deref().map(|s| clean(s).into_owned()),
        body: env.body.clone(),
        status: env.status,
        note: env.note.as_deref().map(|s| text(s, r)),
    }
}

/// A one-line value: phone numbers masked under `--redact`, then placeholders.
fn text(s: &str, r: Option<&Redactor>) -> String {
    let masked = match r {
        Some(r) => r.phones_in(s),
        None => Cow::Borrowed(s),
    };
    clean(&masked).into_owned()
}

/// A query string with the values of credential parameters masked.
fn query(q: &str, r: Option<&Redactor>) -> String {
    let parts: Vec<String> = q
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_credential_name(name) => format!("{name}={CREDENTIAL_MASK}"),
            _ => pair.to_owned(),
        })
        .collect();
    text(&parts.join("&"), r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_masked_and_controls_shown() {
        let mut env = Envelope::post(1, 0, &b"{}"[..]);
        env.method = "PO\u{1b}ST".into();
        env.path = "/hook\u{9b}2J".into();
        env.query = Some("hub.mode=subscribe&hub.verify_token=s3cret&hub.challenge=42".into());
        env.headers = vec![
            ("authorization".into(), "Bearer abc".into()),
            ("x-api-key".into(), "k".into()),
            ("apikey".into(), "k".into()),
            ("cookie".into(), "sid=1".into()),
            ("x-access-token".into(), "t".into()),
            ("x-hub-signature-256".into(), "sha256=00".into()),
            ("user-agent".into(), "evil\u{9b}31m\u{202e}".into()),
            ("x-latin1".into(), b"caf\xe9".to_vec()),
        ];
        env.note = Some("got \u{85}".into());
        let s = shown(&env, None);
        assert_eq!(s.method, "PO␛ST");
        assert_eq!(s.path, "/hook\u{fffd}2J");
        assert_eq!(
            s.query.as_deref(),
            Some("hub.mode=subscribe&hub.verify_token=••••••&hub.challenge=42")
        );
        let values: Vec<&str> = s
            .headers
            .iter()
            .map(|(_, v)| std::str::from_utf8(v).unwrap())
            .collect();
        assert_eq!(
            values,
            [
                "••••••",
                "••••••",
                "••••••",
                "••••••",
                "••••••",
                "sha256=00",
                "evil\u{fffd}31m⇆",
                "caf\u{fffd}"
            ]
        );
        assert_eq!(s.note.as_deref(), Some("got \u{fffd}"));
        assert_eq!(s.body, env.body);
    }
}
