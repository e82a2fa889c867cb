//! The path token for tunnels: with `--token T`, only requests under `/T/…` (or `/T`) or carrying
//! `X-Wamon-Token: T` are webhooks; everything else is answered 404 as if nothing were here.
//!
//! The token is wamon's own, not the provider's, so it is not recorded: the path is kept without
//! its `/T` prefix (`/T/waha` is recorded, shown and later forwarded as `/waha`) and the
//! `X-Wamon-Token` header is dropped from the recorded headers. Comparisons are constant-time.

use subtle::ConstantTimeEq;

/// The header that can carry the token instead of the path.
pub const TOKEN_HEADER: &str = "x-wamon-token";

/// Why a token given on the command line cannot be used.
pub fn validate(token: &str) -> Result<(), String> {
    if token.len() < 8 {
        return Err(
            "--token must be at least 8 characters (it is the only lock on a public URL)".into(),
        );
    }
    if let Some(c) = token
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~')))
    {
        return Err(format!(
            "--token may hold letters, digits, '-', '_', '.' and '~' only (so it fits in a URL as is), not {c:?}"
        ));
    }
    Ok(())
}

/// How a request proved it knows the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// No token is configured: every request is admitted, path unchanged.
    Open,
    /// The path started with the token; the path to record without it.
    Path(String),
    /// The header carried the token.
    Header,
    /// No token, or a wrong one.
    Refused,
}

/// Checks `path` and the token header value against `token`.
pub fn admit(token: Option<&str>, path: &str, header: Option<&[u8]>) -> Admission {
    let Some(token) = token else {
        return Admission::Open;
    };
    if header.is_some_and(|h| bool::from(h.ct_eq(token.as_bytes()))) {
        return Admission::Header;
    }
    let rest = path.strip_prefix('/').unwrap_or(path);
    let (first, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if bool::from(first.as_bytes().ct_eq(token.as_bytes())) {
        let tail = if tail.is_empty() { "/" } else { tail };
        return Admission::Path(tail.to_owned());
    }
    Admission::Refused
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Option<&str> = Some("k3y-9f2a_x");

    #[test]
    fn the_token_opens_by_path_or_header_and_is_not_kept() {
        assert_eq!(admit(None, "/waha", None), Admission::Open);
        assert_eq!(
            admit(T, "/k3y-9f2a_x/waha/x", None),
            Admission::Path("/waha/x".into())
        );
        assert_eq!(admit(T, "/k3y-9f2a_x", None), Admission::Path("/".into()));
        assert_eq!(admit(T, "/k3y-9f2a_x/", None), Admission::Path("/".into()));
        assert_eq!(
            admit(T, "/waha", Some(b"k3y-9f2a_x".as_slice())),
            Admission::Header
        );
    }

    #[test]
    fn near_misses_are_refused() {
        for path in [
            "/",
            "/waha",
            "/k3y-9f2a_",
            "/k3y-9f2a_xx/waha",
            "/x/k3y-9f2a_x",
            "",
        ] {
            assert_eq!(admit(T, path, None), Admission::Refused, "{path}");
        }
        assert_eq!(
            admit(T, "/waha", Some(b"k3y".as_slice())),
            Admission::Refused
        );
    }

    #[test]
    fn tokens_must_be_long_and_url_safe() {
        assert!(validate("k3y-9f2a_x").is_ok());
        assert!(validate("short").is_err());
        assert!(validate("has/slash-in-it").is_err());
        assert!(validate("has space in it").is_err());
    }
}
