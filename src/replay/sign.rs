//! Re-signing a replayed request for the receiver's secrets: `X-Webhook-Hmac` (WAHA),
//! `X-Hub-Signature-256` (Meta) and `X-Twilio-Signature` (Twilio), computed by the same
//! functions the receiver checks with ([`crate::receiver::signature`]). Twilio's covers the URL
//! too: the one the replay sends to (`--to` and the request's path and query), or the
//! `--public-url` base the bot behind a tunnel rebuilds.
//!
//! A header is (re)computed over the exact body only when its secret is given, and only on a
//! request that carried that header or whose body reads as that provider: a replay to a bot that
//! checks signatures with other secrets than the original sender's must still verify, and an
//! unsigned request of another provider is not given a signature it never had.
//!
//! Core module: pure.

use crate::envelope::Envelope;
use crate::model::Provider;
use crate::receiver::signature::{meta_signature, waha_signature, META_HEADER, WAHA_HEADER};
use crate::receiver::twilio_url::{signed_params, twilio_signature, TWILIO_HEADER};
use std::borrow::Cow;

/// WAHA's companion header naming the algorithm.
const WAHA_ALGORITHM_HEADER: &str = "x-webhook-hmac-algorithm";
/// Meta's legacy SHA-1 signature: it could not be right for the new secret, and wamon has no
/// SHA-1 to recompute it with, so a stale one is dropped rather than sent wrong.
const META_SHA1_HEADER: &str = "x-hub-signature";

/// The secrets to sign with; `None` leaves that provider's headers as captured.
#[derive(Debug, Clone, Default)]
pub struct Keys {
    pub waha_hmac_key: Option<String>,
    pub meta_app_secret: Option<String>,
    pub twilio_auth_token: Option<String>,
    /// The base URL Twilio's signature is computed over (the request's path and query are
    /// appended): `--public-url`, else the `--to` URL.
    pub twilio_base: String,
}

impl Keys {
    /// No secret given: every request goes out with its captured headers.
    pub fn is_empty(&self) -> bool {
        self.waha_hmac_key.is_none()
            && self.meta_app_secret.is_none()
            && self.twilio_auth_token.is_none()
    }
}

/// The headers to send `env` with: its own, re-signed where [`Keys`] and the rules above say.
pub fn headers<'a>(env: &'a Envelope, keys: &Keys) -> Cow<'a, [(String, Vec<u8>)]> {
    if keys.is_empty() {
        return Cow::Borrowed(&env.headers);
    }
    // The provider is read only when a header does not already decide.
    let mut provider: Option<Provider> = None;
    let mut is = |p: Provider| {
        *provider.get_or_insert_with(|| crate::provider::normalize(env).provider) == p
    };
    let mut out = env.headers.clone();
    if let Some(key) = &keys.waha_hmac_key {
        if has(env, WAHA_HEADER) || is(Provider::Waha) {
            set(
                &mut out,
                WAHA_HEADER,
                waha_signature(key, &env.body).into_bytes(),
            );
            set(&mut out, WAHA_ALGORITHM_HEADER, b"sha512".to_vec());
        }
    }
    if let Some(secret) = &keys.meta_app_secret {
        if has(env, META_HEADER) || is(Provider::Meta) {
            set(
                &mut out,
                META_HEADER,
                meta_signature(secret, &env.body).into_bytes(),
            );
            out.retain(|(k, _)| !k.eq_ignore_ascii_case(META_SHA1_HEADER));
        }
    }
    if let Some(token) = &keys.twilio_auth_token {
        if has(env, TWILIO_HEADER) || is(Provider::Twilio) {
            let url = format!(
                "{}{}{}",
                keys.twilio_base.trim_end_matches('/'),
                env.path,
                env.query
                    .as_deref()
                    .map(|q| format!("?{q}"))
                    .unwrap_or_default()
            );
            let sig = twilio_signature(token, &url, &signed_params(&url, &env.body));
            set(&mut out, TWILIO_HEADER, sig.into_bytes());
        }
    }
    Cow::Owned(out)
}

fn has(env: &Envelope, name: &str) -> bool {
    env.header_bytes(name).is_some()
}

/// Sets `name` to `value`: in place of its first occurrence (others removed), else appended.
fn set(headers: &mut Vec<(String, Vec<u8>)>, name: &str, value: Vec<u8>) {
    let mut value = Some(value);
    headers.retain_mut(|(k, v)| {
        if !k.eq_ignore_ascii_case(name) {
            return true;
        }
        match value.take() {
            Some(new) => {
                *v = new;
                true
            }
            None => false,
        }
    });
    if let Some(new) = value {
        headers.push((name.to_ascii_lowercase(), new));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receiver::signature::{check, Secrets};

    const WAHA_BODY: &str = r#"{"event":"message","session":"default","payload":{"id":"false_111@c.us_A","from":"111@c.us","fromMe":false,"body":"hi"}}"#;
    const META_BODY: &str = r#"{"object":"whatsapp_business_account","entry":[]}"#;

    fn env(headers: &[(&str, &[u8])], body: &str) -> Envelope {
        let mut e = Envelope::post(1, 0, body.as_bytes().to_vec());
        e.headers = headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_vec()))
            .collect();
        e
    }

    fn keys(waha: Option<&str>, meta: Option<&str>) -> Keys {
        Keys {
            waha_hmac_key: waha.map(str::to_owned),
            meta_app_secret: meta.map(str::to_owned),
            ..Keys::default()
        }
    }

    #[test]
    fn twilio_requests_are_signed_over_the_url_they_are_replayed_to() {
        use crate::receiver::signature::TwilioCheck;
        let form = "AccountSid=AC1a03647d811fab342c0ad608e382fab2&MessageSid=SM1&Body=hi";
        let mut e = env(&[("x-twilio-signature", b"stale")], form);
        e.path = "/twilio".into();
        e.query = Some("a=1".into());
        let k = Keys {
            twilio_auth_token: Some("T2".into()),
            twilio_base: "https://bot.example/".into(),
            ..Keys::default()
        };
        let new = signed(&e, &k);
        let secrets = |url: &str| Secrets {
            twilio: Some(TwilioCheck {
                auth_token: "T2",
                url: url.to_owned(),
            }),
            require: true,
            ..Secrets::default()
        };
        assert_eq!(
            check(&secrets("https://bot.example/twilio?a=1"), &new),
            None
        );
        assert!(check(&secrets("https://other.example/twilio?a=1"), &new).is_some());
        // An unsigned Twilio form gets signed, a WAHA body does not.
        let unsigned = signed(&env(&[], form), &k);
        assert!(unsigned.header_bytes("x-twilio-signature").is_some());
        let waha = env(&[], WAHA_BODY);
        assert!(matches!(headers(&waha, &k), Cow::Owned(h) if h.is_empty()));
    }

    /// `env` with `keys`' headers, as the receiver would see it.
    fn signed(env: &Envelope, keys: &Keys) -> Envelope {
        let mut out = env.clone();
        out.headers = headers(env, keys).into_owned();
        out
    }

    fn value<'a>(env: &'a Envelope, name: &str) -> Option<&'a str> {
        env.header_bytes(name)
            .map(|v| std::str::from_utf8(v).unwrap())
    }

    #[test]
    fn the_waha_signature_is_the_documented_one() {
        // WAHA's documented test vector, independent of wamon's own code.
        assert_eq!(
            waha_signature("my-secret-key", br#"{"event":"message","session":"default","engine":"WEBJS"}"#),
            "208f8a55dde9e05519e898b10b89bf0d0b3b0fdf11fdbf09b6b90476301b98d8097c462b2b17a6ce93b6b47a136cf2e78a33a63f6752c2c1631777076153fa89"
        );
    }

    #[test]
    fn a_stale_waha_signature_is_replaced_and_the_receiver_accepts_it() {
        let old = env(
            &[
                ("X-Webhook-Hmac", &[b'0'; 128]),
                ("x-webhook-hmac-algorithm", b"sha512"),
                ("x-webhook-request-id", b"r1"),
            ],
            WAHA_BODY,
        );
        let secrets = Secrets {
            waha_hmac_key: Some("K2"),
            ..Secrets::default()
        };
        assert!(check(&secrets, &old).is_some(), "the captured one fails");
        let new = signed(&old, &keys(Some("K2"), None));
        assert_eq!(check(&secrets, &new), None);
        assert_eq!(new.headers.len(), 3, "replaced in place: {:?}", new.headers);
        assert_eq!(value(&new, "x-webhook-hmac-algorithm"), Some("sha512"));
        assert_eq!(value(&new, "x-webhook-request-id"), Some("r1"));
        let sig = value(&new, "x-webhook-hmac").unwrap();
        assert!(sig.len() == 128 && sig.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
    }

    #[test]
    fn an_unsigned_waha_body_gets_signed_and_others_do_not() {
        let k = keys(Some("K2"), None);
        let new = signed(&env(&[], WAHA_BODY), &k);
        let secrets = Secrets {
            waha_hmac_key: Some("K2"),
            require: true,
            ..Secrets::default()
        };
        assert_eq!(
            check(&secrets, &new),
            None,
            "signed although it came unsigned"
        );
        let meta = env(&[], META_BODY);
        assert!(matches!(headers(&meta, &k), Cow::Owned(h) if h.is_empty()));
        // A signed request is re-signed whatever its body looks like.
        let odd = signed(&env(&[("x-webhook-hmac", b"abc")], "not json"), &k);
        assert_eq!(check(&secrets, &odd), None);
    }

    #[test]
    fn meta_requests_get_a_sha256_signature_the_receiver_accepts() {
        let k = keys(None, Some("S2"));
        let secrets = Secrets {
            meta_app_secret: Some("S2"),
            require: true,
            ..Secrets::default()
        };
        let stale = env(
            &[
                ("x-hub-signature-256", b"sha256=00"),
                ("x-hub-signature", b"sha1=00"),
            ],
            META_BODY,
        );
        let new = signed(&stale, &k);
        assert_eq!(check(&secrets, &new), None);
        assert_eq!(
            new.header_bytes("x-hub-signature"),
            None,
            "stale SHA-1 dropped"
        );
        assert_eq!(
            value(&new, "x-hub-signature-256").unwrap(),
            meta_signature("S2", META_BODY.as_bytes())
        );
        assert_eq!(check(&secrets, &signed(&env(&[], META_BODY), &k)), None);
        // The Meta secret leaves a WAHA request alone.
        assert!(headers(&env(&[], WAHA_BODY), &k).is_empty());
    }

    #[test]
    fn without_keys_the_captured_headers_go_as_they_are() {
        let e = env(&[("x-webhook-hmac", &[0xff, 0x80])], WAHA_BODY);
        assert!(matches!(headers(&e, &Keys::default()), Cow::Borrowed(_)));
    }
}
