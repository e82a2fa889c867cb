//! Webhook signatures: `X-Hub-Signature-256` (Meta, HMAC-SHA256 with the app secret) and
//! `X-Webhook-Hmac` (WAHA, HMAC-SHA512 with the webhook's key), over the exact body bytes.
//!
//! Which header is checked depends only on the headers and the configured secrets, never on the
//! body's shape: with `--meta-app-secret` every request carrying `X-Hub-Signature-256` is
//! checked, with `--waha-hmac-key` every request carrying `X-Webhook-Hmac`. A request carrying
//! neither is accepted as unsigned unless `--require-signature` is set, so a forged body of a
//! shape wamon does not recognise cannot slip through as "not a Meta body".
//!
//! A failure has two faces. The sender gets [`Failure::public`]: which header, and the likely
//! cause in general words. The computed signature is never in a reply (it would let anyone sign
//! a forged body by asking twice); it goes only to the local record ([`Failure::local`]): the
//! capture's `note`, the screen and the log. Comparison is constant-time.

use crate::envelope::Envelope;
use hmac::{Hmac, Mac};

/// The secrets signatures are checked with.
#[derive(Debug, Clone, Default)]
pub struct Secrets<'a> {
    pub meta_app_secret: Option<&'a str>,
    pub waha_hmac_key: Option<&'a str>,
    /// Refuse requests that carry no configured signature header.
    pub require: bool,
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
    if secrets.require && !checked {
        let mut expected = Vec::new();
        if secrets.meta_app_secret.is_some() {
            expected.push(META_HEADER);
        }
        if secrets.waha_hmac_key.is_some() {
            expected.push(WAHA_HEADER);
        }
        return Some(Failure::Missing { expected });
    }
    None
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
}
