//! Webhook signatures: `X-Hub-Signature-256` (Meta, HMAC-SHA256 with the app secret) and
//! `X-Webhook-Hmac` (WAHA, HMAC-SHA512 with the webhook's key), over the exact body bytes, and
//! `X-Twilio-Signature` (Twilio, HMAC-SHA1 with the auth token over the URL it called and the
//! form's fields, see [`super::twilio_url`]).
//!
//! Which header is checked depends only on the headers and the configured secrets, never on the
//! body's shape: with `--meta-app-secret` every request carrying `X-Hub-Signature-256` is
//! checked, with `--waha-hmac-key` every request carrying `X-Webhook-Hmac`. A request carrying
//! none is accepted as unsigned unless `--require-signature` is set, so a forged body of a
//! shape wamon does not recognise cannot slip through as "not a Meta body".
//!
//! A failure has two faces. The sender gets [`Failure::public`]: which header, and the likely
//! cause in general words. The computed signature is never in a reply (it would let anyone sign
//! a forged body by asking twice); it goes only to the local record ([`Failure::local`]): the
//! capture's `note`, the screen and the log. Comparison is constant-time.

use super::twilio_url::{
    body_hash_matches, port_variants, signed_params, twilio_signature, TWILIO_HEADER,
};
use crate::envelope::Envelope;
use hmac::{Hmac, Mac};

/// The secrets signatures are checked with.
#[derive(Debug, Clone, Default)]
pub struct Secrets<'a> {
    pub meta_app_secret: Option<&'a str>,
    pub waha_hmac_key: Option<&'a str>,
    /// Twilio's auth token and the URL this request was sent to (rebuilt by the receiver).
    pub twilio: Option<TwilioCheck<'a>>,
    /// Refuse requests that carry no configured signature header.
    pub require: bool,
}

/// What a Twilio signature is checked with.
#[derive(Debug, Clone)]
pub struct TwilioCheck<'a> {
    pub auth_token: &'a str,
    /// The URL Twilio called, as [`super::twilio_url::public_url`] rebuilt it.
    pub url: String,
}

/// Meta's signature header.
pub const META_HEADER: &str = "X-Hub-Signature-256";
/// WAHA's signature header.
pub const WAHA_HEADER: &str = "X-Webhook-Hmac";

/// What Meta sends in `X-Hub-Signature-256` for `body` under the app secret: `sha256=` and the
/// HMAC-SHA256 in lower-case hex. The checker below computes with it too, so `wamon replay`'s
/// re-signing and the receiver cannot disagree.
pub fn meta_signature(app_secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(app_secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// What WAHA sends in `X-Webhook-Hmac` for `body` under the webhook's key: the HMAC-SHA512 in
/// lower-case hex.
pub fn waha_signature(key: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha512>::new_from_slice(key.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// What went wrong with a request's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// `--require-signature` is set and no configured header is present.
    Missing { expected: Vec<&'static str> },
    /// The header is not in the provider's format.
    Malformed {
        header: &'static str,
        got: String,
        expected_form: &'static str,
    },
    /// The header is well-formed but is not the body's HMAC.
    Mismatch {
        header: &'static str,
        got: String,
        computed: String,
        secret_flag: &'static str,
    },
}

impl Failure {
    /// What the sender is told: no computed values.
    pub fn public(&self) -> String {
        match self {
            Failure::Missing { expected } => format!(
                "missing signature: this receiver requires {}",
                expected.join(" or ")
            ),
            Failure::Malformed {
                header,
                expected_form,
                ..
            } => format!("{header} is malformed: expected {expected_form}"),
            Failure::Mismatch { header, .. } if *header == TWILIO_HEADER => format!(
                "{header} does not match the request: the auth token differs, or the URL this \
                 receiver rebuilt is not the one Twilio called (a tunnel's address: see \
                 --public-url), or the form was re-encoded on the way"
            ),
            Failure::Mismatch { header, .. } => format!(
                "{header} does not match the body: the secret differs, or the body was \
                 re-encoded on the way"
            ),
        }
    }

    /// What the local record says: the values received and computed.
    pub fn local(&self) -> String {
        match self {
            Failure::Missing { expected } => format!(
                "unsigned request refused (--require-signature): no {} header",
                expected.join(" or ")
            ),
            Failure::Malformed {
                header,
                got,
                expected_form,
            } => format!("{header} is malformed: got {got:?}, expected {expected_form}"),
            Failure::Mismatch {
                header,
                got,
                computed,
                secret_flag,
            } => format!(
                "{header} does not match the body: got {got}, computed {computed} (wrong \
                 {secret_flag}, or something re-encoded the body)"
            ),
        }
    }
}

/// Checks `env` against the configured secrets; `None` when it may pass.
pub fn check(secrets: &Secrets, env: &Envelope) -> Option<Failure> {
    let mut checked = false;
    if let Some(secret) = secrets.meta_app_secret {
        if let Some(sig) = env.header(META_HEADER) {
            checked = true;
            let sig = sig.trim();
            let Some(hex_part) = sig.strip_prefix("sha256=").filter(|h| is_hex(h, 64)) else {
                return Some(Failure::Malformed {
                    header: META_HEADER,
                    got: clip(sig),
                    expected_form: "sha256= and 64 hex digits",
                });
            };
            let computed = meta_signature(secret, &env.body);
            if mismatch(&computed["sha256=".len()..], hex_part) {
                return Some(Failure::Mismatch {
                    header: META_HEADER,
                    got: format!("sha256={hex_part}"),
                    computed,
                    secret_flag: "--meta-app-secret",
                });
            }
        }
    }
    if let Some(key) = secrets.waha_hmac_key {
        if let Some(sig) = env.header(WAHA_HEADER) {
            checked = true;
            let sig = sig.trim();
            if !is_hex(sig, 128) {
                return Some(Failure::Malformed {
                    header: WAHA_HEADER,
                    got: clip(sig),
                    expected_form: "128 hex digits (HMAC-SHA512)",
                });
            }
            let computed = waha_signature(key, &env.body);
            if mismatch(&computed, sig) {
                return Some(Failure::Mismatch {
                    header: WAHA_HEADER,
                    got: sig.to_owned(),
                    computed,
                    secret_flag: "--waha-hmac-key",
                });
            }
        }
    }
    if let Some(t) = &secrets.twilio {
        if let Some(sig) = env.header(TWILIO_HEADER) {
            checked = true;
            if let Some(f) = check_twilio(t, sig.trim(), &env.body) {
                return Some(f);
            }
        }
    }
    if secrets.require && !checked {
        let mut expected = Vec::new();
        if secrets.meta_app_secret.is_some() {
            expected.push(META_HEADER);
        }
        if secrets.waha_hmac_key.is_some() {
            expected.push(WAHA_HEADER);
        }
        if secrets.twilio.is_some() {
            expected.push(TWILIO_HEADER);
        }
        return Some(Failure::Missing { expected });
    }
    None
}

/// Checks a Twilio signature `sig` (base64 of 20 bytes) of a request with `body`.
fn check_twilio(t: &TwilioCheck, sig: &str, body: &[u8]) -> Option<Failure> {
    use base64::Engine as _;
    use subtle::ConstantTimeEq;
    let got = base64::engine::general_purpose::STANDARD
        .decode(sig)
        .ok()
        .filter(|b| b.len() == 20);
    let Some(got) = got else {
        return Some(Failure::Malformed {
            header: TWILIO_HEADER,
            got: clip(sig),
            expected_form: "base64 of a 20-byte HMAC-SHA1 (28 characters)",
        });
    };
    let params = signed_params(&t.url, body);
    let matches = |url: &String| {
        let want = twilio_signature(t.auth_token, url, &params);
        let want = base64::engine::general_purpose::STANDARD
            .decode(want)
            .unwrap_or_default();
        bool::from(want.ct_eq(&got))
    };
    if port_variants(&t.url).iter().any(matches) && body_hash_matches(&t.url, body) {
        return None;
    }
    Some(Failure::Mismatch {
        header: TWILIO_HEADER,
        got: sig.to_owned(),
        computed: format!(
            "{} over {}",
            twilio_signature(t.auth_token, &t.url, &params),
            t.url
        ),
        secret_flag: "--twilio-auth-token or --public-url",
    })
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A received header value cut to a length worth recording.
fn clip(s: &str) -> String {
    s.chars().take(160).collect()
}

/// Whether `got_hex` (either case) is not the signature `want_hex`, compared as bytes in
/// constant time.
fn mismatch(want_hex: &str, got_hex: &str) -> bool {
    use subtle::ConstantTimeEq;
    match (hex::decode(want_hex), hex::decode(got_hex)) {
        (Ok(want), Ok(got)) => !bool::from(want.ct_eq(&got)),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// WAHA's documented test vector.
    const WAHA_BODY: &str = r#"{"event":"message","session":"default","engine":"WEBJS"}"#;
    const WAHA_SIG: &str = "208f8a55dde9e05519e898b10b89bf0d0b3b0fdf11fdbf09b6b90476301b98d8097c462b2b17a6ce93b6b47a136cf2e78a33a63f6752c2c1631777076153fa89";

    fn env(headers: &[(&str, &str)], body: &str) -> Envelope {
        let mut e = Envelope::post(1, 0, body.as_bytes().to_vec());
        e.headers = headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.as_bytes().to_vec()))
            .collect();
        e
    }

    fn waha() -> Secrets<'static> {
        Secrets {
            waha_hmac_key: Some("my-secret-key"),
            ..Secrets::default()
        }
    }

    #[test]
    fn the_documented_waha_vector_passes() {
        assert_eq!(
            check(&waha(), &env(&[(WAHA_HEADER, WAHA_SIG)], WAHA_BODY)),
            None
        );
    }

    #[test]
    fn a_mismatch_names_the_header_but_never_tells_the_sender_the_computed_value() {
        let f = check(&waha(), &env(&[(WAHA_HEADER, &"0".repeat(128))], WAHA_BODY)).unwrap();
        assert!(!f.public().contains(WAHA_SIG));
        assert!(f.public().contains("X-Webhook-Hmac does not match"));
        assert!(f.local().contains(WAHA_SIG), "the local record shows it");
    }

    #[test]
    fn any_body_carrying_a_signature_header_is_checked_whatever_its_shape() {
        let s = Secrets {
            meta_app_secret: Some("app-secret"),
            ..Secrets::default()
        };
        let bad = "sha256=".to_owned() + &"a".repeat(64);
        let f = check(&s, &env(&[(META_HEADER, &bad)], "not even json")).unwrap();
        assert!(matches!(f, Failure::Mismatch { .. }));
        let f = check(&s, &env(&[(META_HEADER, "sha1=abc")], "{}")).unwrap();
        assert!(matches!(f, Failure::Malformed { .. }), "{f:?}");
    }

    #[test]
    fn unsigned_requests_pass_unless_a_signature_is_required() {
        let body = r#"{"object":"whatsapp_business_account","entry":[]}"#;
        let mut s = Secrets {
            meta_app_secret: Some("app-secret"),
            waha_hmac_key: Some("k"),
            twilio: None,
            require: false,
        };
        assert_eq!(check(&s, &env(&[], body)), None);
        s.require = true;
        let f = check(&s, &env(&[], body)).unwrap();
        assert_eq!(
            f.public(),
            "missing signature: this receiver requires X-Hub-Signature-256 or X-Webhook-Hmac"
        );
    }

    #[test]
    fn a_signature_header_of_bytes_that_are_not_utf8_fails_its_check_rather_than_skipping_it() {
        let mut e = env(&[], WAHA_BODY);
        e.headers
            .push((WAHA_HEADER.to_ascii_lowercase(), vec![0xff; 128]));
        let f = check(&waha(), &e).unwrap();
        assert!(matches!(f, Failure::Malformed { .. }), "{f:?}");
    }

    /// twilio-python's vector, sent as a form to the URL Twilio signed.
    fn twilio(url: &str) -> Secrets<'static> {
        Secrets {
            twilio: Some(TwilioCheck {
                auth_token: "12345",
                url: url.to_owned(),
            }),
            ..Secrets::default()
        }
    }

    const TWILIO_FORM: &str =
        "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212";

    #[test]
    fn a_twilio_signature_is_checked_over_url_and_form() {
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let signed = env(
            &[(TWILIO_HEADER, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")],
            TWILIO_FORM,
        );
        assert_eq!(check(&twilio(url), &signed), None);
        // Twilio's validators accept the URL with the default port written out.
        assert_eq!(
            check(
                &twilio("https://mycompany.com:443/myapp.php?foo=1&bar=2"),
                &signed
            ),
            None
        );
        let f = check(
            &twilio("http://127.0.0.1:8080/myapp.php?foo=1&bar=2"),
            &signed,
        )
        .unwrap();
        assert!(matches!(f, Failure::Mismatch { .. }), "{f:?}");
        assert!(f.public().contains("--public-url"));
        assert!(
            !f.public().contains("127.0.0.1"),
            "nothing computed in the reply"
        );
        assert!(f.local().contains("over http://127.0.0.1:8080/myapp.php"));
        let tampered = env(
            &[(TWILIO_HEADER, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")],
            &TWILIO_FORM.replace("1234&", "9999&"),
        );
        assert!(check(&twilio(url), &tampered).is_some());
        let bad = check(
            &twilio(url),
            &env(&[(TWILIO_HEADER, "not base64!")], TWILIO_FORM),
        );
        assert!(matches!(bad, Some(Failure::Malformed { .. })), "{bad:?}");
        let mut required = twilio(url);
        required.require = true;
        let missing = check(&required, &env(&[], TWILIO_FORM)).unwrap();
        assert!(missing.public().contains(TWILIO_HEADER));
    }
}
