//! Sending a request somewhere else: the one HTTP client behind forwarding to the bot
//! (`--forward-to`), `wamon replay`, and resending from the screen.
//!
//! What goes out is what came in: the same method, the request's path joined to the target's
//! path, the query, the headers minus hop-by-hop ones and `Host` (and `Content-Length`, which the
//! client sets from the body), and the exact body bytes, so provider signatures still verify.
//! Only `http://` targets: the bot under development listens locally (a tunnel's `https://`
//! address would loop back into the tunnel).
//!
//! Every wait is bounded: the whole exchange (connect, send, reply headers, reply body) runs
//! within the caller's timeout, and at most `body_limit` bytes of a reply are kept.
//!
//! Edge module: hyper client over tokio.

use crate::envelope::Envelope;
use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::time::{Duration, Instant};

/// Header names never passed on (RFC 9110 §7.6.1 hop-by-hop, plus `Host`, which names wamon,
/// `Content-Length`, which the client sets, and wamon's own path-token header).
pub const NOT_FORWARDED: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
    crate::receiver::TOKEN_HEADER,
];

/// Whether a header called `name` goes on to the target.
pub fn forwardable(name: &str) -> bool {
    !NOT_FORWARDED.iter().any(|h| h.eq_ignore_ascii_case(name))
}

/// A target: `http://host:port` with an optional path prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `host:port` as given.
    authority: String,
    /// The target's own path without a trailing `/` (`""` for none).
    prefix: String,
    /// The URL as the user wrote it, for messages and records.
    pub url: String,
}

impl Target {
    /// Parses `--forward-to` / `--to`: `http://host[:port][/prefix]`.
    pub fn parse(url: &str) -> Result<Target, String> {
        let uri: hyper::Uri = url
            .parse()
            .map_err(|e| format!("{url:?} is not a URL: {e}"))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some(other) => {
                return Err(format!(
                    "{url}: only http:// targets are supported, not {other}:// (point it at the \
                     bot's local address)"
                ))
            }
            None => {
                return Err(format!(
                    "{url}: give a full URL, like http://127.0.0.1:3000"
                ))
            }
        }
        let authority = uri
            .authority()
            .ok_or_else(|| format!("{url}: no host"))?
            .to_string();
        if uri.query().is_some() {
            return Err(format!(
                "{url}: a target takes no query (the request's own is sent)"
            ));
        }
        Ok(Target {
            authority,
            prefix: uri.path().trim_end_matches('/').to_owned(),
            url: url.to_owned(),
        })
    }

    /// Whether this target is wamon's own `listen` address (the same port on a loopback name,
    /// the listen IP or any address when listening on all of them): forwarding there loops.
    pub fn is_listen_address(&self, listen: std::net::SocketAddr) -> bool {
        let Ok(auth) = self.authority.parse::<hyper::http::uri::Authority>() else {
            return false;
        };
        if auth.port_u16().unwrap_or(80) != listen.port() {
            return false;
        }
        let host = auth.host().trim_start_matches('[').trim_end_matches(']');
        let loopback = host.eq_ignore_ascii_case("localhost")
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        let same_ip = host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip == listen.ip());
        same_ip || (loopback && (listen.ip().is_loopback() || listen.ip().is_unspecified()))
    }

    /// The full URI for a request to `path` (starting with `/`) with `query`.
    pub fn uri_for(&self, path: &str, query: Option<&str>) -> String {
        let path = if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("/{path}")
        };
        let mut uri = format!("http://{}{}{}", self.authority, self.prefix, path);
        if let Some(q) = query.filter(|q| !q.is_empty()) {
            uri.push('?');
            uri.push_str(q);
        }
        uri
    }
}

/// A request to send: what was received, or an edited copy of it.
#[derive(Debug, Clone)]
pub struct Outgoing<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    /// Passed through [`forwardable`] on the way out.
    pub headers: &'a [(String, Vec<u8>)],
    pub body: Bytes,
}

impl<'a> Outgoing<'a> {
    /// `env` as received, with `headers` in place of its own (re-signed ones, say).
    pub fn with_headers(env: &'a Envelope, headers: &'a [(String, Vec<u8>)]) -> Outgoing<'a> {
        Outgoing {
            method: &env.method,
            path: &env.path,
            query: env.query.as_deref(),
            headers,
            body: env.body.clone(),
        }
    }

    /// `env` exactly as received.
    pub fn of(env: &'a Envelope) -> Outgoing<'a> {
        Outgoing::with_headers(env, &env.headers)
    }
}

/// What the target answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// Lower-case names, in order.
    pub headers: Vec<(String, Vec<u8>)>,
    /// At most the caller's `body_limit` bytes of the reply body.
    pub body: Bytes,
    /// The reply body was longer than what `body` keeps.
    pub truncated: bool,
    /// From sending to the end of the reply body, in milliseconds.
    pub ms: u64,
}

/// Why the target never answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Nothing listens there (connection refused).
    Refused,
    /// No complete answer within the timeout.
    Timeout,
    /// The connection was closed or reset before the answer was complete.
    Reset,
    /// The request could not be built (a header value that HTTP refuses, a bad method).
    Invalid(String),
    /// Anything else (a name that does not resolve, a reply that does not parse).
    Other(String),
}

impl Failure {
    /// A short word for rows and NDJSON: `refused`, `timeout`, `reset`, `invalid`, `error`.
    pub fn word(&self) -> &'static str {
        match self {
            Failure::Refused => "refused",
            Failure::Timeout => "timeout",
            Failure::Reset => "reset",
            Failure::Invalid(_) => "invalid",
            Failure::Other(_) => "error",
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Refused => f.write_str("connection refused (is the bot running?)"),
            Failure::Timeout => f.write_str("no answer within the timeout"),
            Failure::Reset => f.write_str("connection closed before the answer was complete"),
            Failure::Invalid(e) => write!(f, "request not sendable: {e}"),
            Failure::Other(e) => f.write_str(e),
        }
    }
}

/// One HTTP/1.1 client with a connection pool; cheap to clone.
#[derive(Clone)]
pub struct Outbound {
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Default for Outbound {
    fn default() -> Outbound {
        Outbound::new()
    }
}

impl Outbound {
    pub fn new() -> Outbound {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(Duration::from_secs(5)));
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(16)
            .build(connector);
        Outbound { client }
    }

    /// Sends `req` to `target`, waiting at most `timeout` for the whole answer and keeping at
    /// most `body_limit` bytes of its body.
    pub async fn send(
        &self,
        target: &Target,
        req: &Outgoing<'_>,
        timeout: Duration,
        body_limit: usize,
    ) -> Result<Answer, Failure> {
        let uri = target.uri_for(req.path, req.query);
        let mut builder = hyper::Request::builder().method(req.method).uri(&uri);
        for (name, value) in req.headers {
            if forwardable(name) {
                builder = builder.header(name.as_str(), value.as_slice());
            }
        }
        let request = builder
            .body(Full::new(req.body.clone()))
            .map_err(|e| Failure::Invalid(e.to_string()))?;
        let started = Instant::now();
        let exchange = async {
            let resp = self.client.request(request).await.map_err(classify)?;
            let status = resp.status().as_u16();
            let headers = resp
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str().to_owned(), v.as_bytes().to_vec()))
                .collect();
            let mut body = resp.into_body();
            let mut kept = BytesMut::new();
            let mut truncated = false;
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|e| classify_hyper(&e))?;
                if let Ok(data) = frame.into_data() {
                    let room = body_limit.saturating_sub(kept.len());
                    if data.len() > room {
                        truncated = true;
                    }
                    kept.extend_from_slice(&data[..data.len().min(room)]);
                }
            }
            Ok(Answer {
                status,
                headers,
                body: kept.freeze(),
                truncated,
                ms: 0,
            })
        };
        let mut answer = tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| Failure::Timeout)??;
        answer.ms = started.elapsed().as_millis() as u64;
        Ok(answer)
    }
}

/// What a client error means for the user.
fn classify(e: hyper_util::client::legacy::Error) -> Failure {
    use std::error::Error as _;
    if e.is_connect() {
        let refused = chain_has_io(&e, std::io::ErrorKind::ConnectionRefused);
        return if refused {
            Failure::Refused
        } else if chain_has_io(&e, std::io::ErrorKind::TimedOut) {
            Failure::Timeout
        } else {
            Failure::Other(format!(
                "cannot connect: {}",
                e.source().map_or_else(|| e.to_string(), |s| s.to_string())
            ))
        };
    }
    if let Some(h) = e.source().and_then(|s| s.downcast_ref::<hyper::Error>()) {
        return classify_hyper(h);
    }
    Failure::Other(e.to_string())
}

fn classify_hyper(e: &hyper::Error) -> Failure {
    if e.is_incomplete_message()
        || e.is_canceled()
        || e.is_closed()
        || chain_has_io(e, std::io::ErrorKind::ConnectionReset)
        || chain_has_io(e, std::io::ErrorKind::BrokenPipe)
    {
        Failure::Reset
    } else {
        Failure::Other(e.to_string())
    }
}

fn chain_has_io(e: &(dyn std::error::Error + 'static), kind: std::io::ErrorKind) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == kind)
        {
            return true;
        }
        cause = c.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_path_is_joined_to_the_targets_path() {
        let t = Target::parse("http://127.0.0.1:3000").unwrap();
        assert_eq!(t.uri_for("/waha", None), "http://127.0.0.1:3000/waha");
        let t = Target::parse("http://127.0.0.1:3000/bot/").unwrap();
        assert_eq!(
            t.uri_for("/waha", Some("a=1&b=2")),
            "http://127.0.0.1:3000/bot/waha?a=1&b=2"
        );
        assert_eq!(t.uri_for("/", Some("")), "http://127.0.0.1:3000/bot/");
    }

    #[test]
    fn forwarding_to_wamons_own_port_is_recognised() {
        let listen: std::net::SocketAddr = "127.0.0.1:8080".parse().unwrap();
        for own in [
            "http://127.0.0.1:8080",
            "http://localhost:8080/x",
            "http://[::1]:8080",
        ] {
            assert!(
                Target::parse(own).unwrap().is_listen_address(listen),
                "{own}"
            );
        }
        for other in ["http://127.0.0.1:3000", "http://10.0.0.2:8080"] {
            assert!(
                !Target::parse(other).unwrap().is_listen_address(listen),
                "{other}"
            );
        }
        let all: std::net::SocketAddr = "0.0.0.0:8080".parse().unwrap();
        assert!(Target::parse("http://localhost:8080")
            .unwrap()
            .is_listen_address(all));
    }

    #[test]
    fn only_plain_http_targets_without_a_query() {
        assert!(Target::parse("https://bot.example.com")
            .unwrap_err()
            .contains("only http://"));
        assert!(Target::parse("127.0.0.1:3000").is_err());
        assert!(Target::parse("http://h/x?y=1")
            .unwrap_err()
            .contains("no query"));
    }

    #[test]
    fn hop_by_hop_headers_host_and_length_stay_behind() {
        for h in [
            "Connection",
            "host",
            "Transfer-Encoding",
            "content-length",
            "x-wamon-token",
        ] {
            assert!(!forwardable(h), "{h}");
        }
        for h in [
            "x-hub-signature-256",
            "x-webhook-hmac",
            "content-type",
            "user-agent",
        ] {
            assert!(forwardable(h), "{h}");
        }
    }
}
