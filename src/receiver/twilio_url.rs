//! Twilio's request signature (`X-Twilio-Signature`): base64 of the HMAC-SHA1, keyed with the
//! account's auth token, of the full URL Twilio called followed by every POST field, sorted by
//! name, each name immediately followed by its value (Twilio's documented algorithm, as its
//! SDKs' request validators compute it: names sorted, a repeated name's values sorted and
//! de-duplicated). A JSON body is signed as the URL alone, which then carries the body's SHA-256
//! in its `bodySHA256` query parameter.
//!
//! The URL is the one Twilio called, which a receiver behind a tunnel never sees whole:
//! `--public-url` (the tunnel's base; the request's path and query are appended), else the
//! scheme and host a tunnel names in `X-Forwarded-Proto`/`X-Forwarded-Host` or `Forwarded`,
//! else `http://` and the `Host` header. Twilio signs the URL as it called it, but its SDKs
//! accept either with or without the default port (its back end has been inconsistent), so both
//! forms are tried.

use axum::http::request::Parts;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Twilio's signature header.
pub const TWILIO_HEADER: &str = "X-Twilio-Signature";

/// What Twilio sends in `X-Twilio-Signature` for a request to `url` carrying the form fields
/// `params` (name, value pairs in any order), under `auth_token`.
pub fn twilio_signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    sorted.dedup();
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(auth_token.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(url.as_bytes());
    for (k, v) in sorted {
        mac.update(k.as_bytes());
        mac.update(v.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The signed fields of a request to `url` with `body`: none when the URL carries `bodySHA256`
/// (a JSON body; the hash is checked by [`body_hash_matches`]), else the form's pairs.
pub fn signed_params(url: &str, body: &[u8]) -> Vec<(String, String)> {
    if body_sha256_param(url).is_some() {
        Vec::new()
    } else {
        crate::provider::twilio::form::pairs(body)
    }
}

/// Whether the body's SHA-256 is the one the URL's `bodySHA256` names (true when it names none).
pub fn body_hash_matches(url: &str, body: &[u8]) -> bool {
    match body_sha256_param(url) {
        Some(want) => want.eq_ignore_ascii_case(&hex::encode(Sha256::digest(body))),
        None => true,
    }
}

fn body_sha256_param(url: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "bodySHA256")
        .map(|(_, v)| v.into_owned())
}

/// `url` with its scheme's default port written out when it has none, and without the port
/// when it has one: the two spellings Twilio's validators accept, the given one first.
pub fn port_variants(url: &str) -> Vec<String> {
    let mut out = vec![url.to_owned()];
    let Some((scheme, rest)) = url.split_once("://") else {
        return out;
    };
    let (authority, tail) = match rest.find(['/', '?', '#']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    // A `:` after the last `]` is a port (IPv6 literals hold colons of their own).
    let host_end = authority.rfind(']').map_or(0, |i| i + 1);
    let other = match authority[host_end..].rfind(':') {
        Some(i) => format!("{scheme}://{}{tail}", &authority[..host_end + i]),
        None => {
            let port = if scheme.eq_ignore_ascii_case("https") {
                443
            } else {
                80
            };
            format!("{scheme}://{authority}:{port}{tail}")
        }
    };
    out.push(other);
    out
}

/// The URL the request in `parts` was sent to, as its sender saw it (see the module doc).
pub fn public_url(public_base: Option<&str>, parts: &Parts) -> String {
    let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    if let Some(base) = public_base {
        return format!("{}{path_and_query}", base.trim_end_matches('/'));
    }
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            // A proxy chain lists the first hop first.
            .and_then(|v| v.split(',').next())
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let forwarded = header("forwarded");
    let from_forwarded = |key: &str| {
        forwarded.as_deref().and_then(|f| {
            f.split(';').find_map(|pair| {
                let (k, v) = pair.trim().split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case(key)
                    .then(|| v.trim().trim_matches('"').to_owned())
            })
        })
    };
    let proto = header("x-forwarded-proto")
        .or_else(|| from_forwarded("proto"))
        .unwrap_or_else(|| "http".to_owned());
    let host = header("x-forwarded-host")
        .or_else(|| from_forwarded("host"))
        .or_else(|| header("host"))
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .unwrap_or_else(|| "localhost".to_owned());
    format!("{proto}://{host}{path_and_query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vectors of twilio-python's `tests/unit/test_request_validator.py` (token `12345`).
    const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";

    fn params() -> Vec<(String, String)> {
        [
            ("CallSid", "CA1234567890ABCDE"),
            ("Digits", "1234"),
            ("From", "+14158675309"),
            ("To", "+18005551212"),
            ("Caller", "+14158675309"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn twilio_sdk_vectors() {
        assert_eq!(
            twilio_signature("12345", URL, &params()),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        );
        // With the default port written out.
        let with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2";
        assert_eq!(
            twilio_signature("12345", with_port, &params()),
            "kvajT1Ptam85bY51eRf/AJRuM3w="
        );
        let odd_port = "http://mycompany.com:1234/myapp.php?foo=1&bar=2";
        assert_eq!(
            twilio_signature("12345", odd_port, &params()),
            "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="
        );
        let http_port = "http://mycompany.com:80/myapp.php?foo=1&bar=2";
        assert_eq!(
            twilio_signature("12345", http_port, &params()),
            "0ZXoZLH/DfblKGATFgpif+LLRf4="
        );
        // Names sorted, a name's values sorted and de-duplicated.
        let dup: Vec<(String, String)> = [
            ("Sid", "CA123"),
            ("SidAccount", "AC123"),
            ("Digits", "5678"),
            ("Digits", "1234"),
            ("Digits", "1234"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(
            twilio_signature("12345", URL, &dup),
            "IK+Dwps556ElfBT0I3Rgjkr1wJU="
        );
    }

    #[test]
    fn a_json_body_is_signed_by_its_hash_in_the_url() {
        let body = br#"{"property": "value", "boolean": true}"#;
        let url = format!(
            "{URL}&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
        );
        assert!(body_hash_matches(&url, body));
        assert!(!body_hash_matches(&url, b"{}"));
        assert!(signed_params(&url, body).is_empty());
        assert_eq!(
            twilio_signature("12345", &url, &[]),
            "a9nBmqA0ju/hNViExpshrM61xv4="
        );
    }

    #[test]
    fn ports_are_added_and_removed() {
        assert_eq!(
            port_variants("https://a.ngrok.app/x?y=1"),
            ["https://a.ngrok.app/x?y=1", "https://a.ngrok.app:443/x?y=1"]
        );
        assert_eq!(
            port_variants("http://h:8080/"),
            ["http://h:8080/", "http://h/"]
        );
        assert_eq!(
            port_variants("http://[::1]/"),
            ["http://[::1]/", "http://[::1]:80/"]
        );
        assert_eq!(port_variants("nonsense"), ["nonsense"]);
    }

    fn parts(uri: &str, headers: &[(&str, &str)]) -> Parts {
        let mut b = axum::http::Request::builder().uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn the_url_comes_from_the_flag_then_the_tunnel_headers_then_host() {
        let p = parts(
            "/hook?x=1",
            &[
                ("host", "127.0.0.1:8080"),
                ("x-forwarded-proto", "https"),
                ("x-forwarded-host", "abc.ngrok.app"),
            ],
        );
        assert_eq!(
            public_url(Some("https://t.example/"), &p),
            "https://t.example/hook?x=1"
        );
        assert_eq!(public_url(None, &p), "https://abc.ngrok.app/hook?x=1");
        let p = parts(
            "/h",
            &[
                ("host", "127.0.0.1:8080"),
                (
                    "forwarded",
                    "for=1.2.3.4;proto=https;host=\"tunnel.dev\", for=5.6.7.8",
                ),
            ],
        );
        assert_eq!(public_url(None, &p), "https://tunnel.dev/h");
        let p = parts("/h", &[("host", "127.0.0.1:8080")]);
        assert_eq!(public_url(None, &p), "http://127.0.0.1:8080/h");
    }
}
