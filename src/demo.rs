//! Demo traffic over real HTTP: `wamon send SCENARIO --to URL` and `wamon --demo`.
//!
//! Scenarios are JSONL files in `assets/demo/<scenario>/<provider>.jsonl`, embedded in the binary
//! (see [`crate::demo_script`] for the format). Requests go out one after another with the
//! scenario's pacing divided by `--speed`.
//!
//! Edge module: hyper client over tokio.

use crate::demo_script::{self, DemoRequest};
use crate::model::Provider;
use bytes::Bytes;
use color_eyre::eyre::{bail, eyre, Result, WrapErr};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::time::Duration;

/// What one request got back.
#[derive(Debug, Clone)]
pub struct Sent {
    pub provider: String,
    pub step: usize,
    pub status: u16,
    pub note: Option<String>,
}

/// The providers `--provider` names: one, or all five.
pub fn providers_for(arg: &str) -> Result<Vec<&'static str>> {
    if arg.eq_ignore_ascii_case("all") {
        return Ok(Provider::KNOWN.iter().map(|p| p.as_str()).collect());
    }
    match Provider::parse(arg) {
        Some(p) if p != Provider::Unknown => Ok(vec![p.as_str()]),
        _ => bail!("unknown provider {arg:?}: use waha, whapi, meta, evolution, instance or all"),
    }
}

/// The requests of a built-in scenario for `provider`, timed from now.
pub fn builtin_requests(scenario: &str, provider: &str, start_ms: i64) -> Result<Vec<DemoRequest>> {
    let text = demo_script::builtin(scenario, provider).ok_or_else(|| {
        eyre!(
            "no built-in scenario {scenario:?} for {provider} (scenarios: {})",
            demo_script::SCENARIOS.join(", ")
        )
    })?;
    demo_script::parse_scenario(text, start_ms)
        .wrap_err_with(|| format!("built-in scenario {scenario}/{provider}"))
}

/// Posts `requests` to `base` one by one, waiting `after_ms / speed` before each.
/// `on_sent` sees every reply as it comes.
pub async fn play(
    base: &str,
    provider: &str,
    requests: &[DemoRequest],
    speed: f64,
    mut on_sent: impl FnMut(&Sent),
) -> Result<Vec<Sent>> {
    let base_uri: hyper::Uri = base.parse().wrap_err_with(|| format!("bad URL {base:?}"))?;
    if base_uri.scheme_str() != Some("http") {
        bail!("{base}: only http:// targets are supported (send to the local address your tunnel forwards to)");
    }
    // A URL with its own path (http://host/hook) is the endpoint for every request; a bare
    // host lets each step use its own path, and a path ending in `/` (http://host/TOKEN/) is a
    // prefix to each step's path.
    let (prefix, fixed_path) = match base_uri.path() {
        "" | "/" => ("", None),
        p if p.ends_with('/') => (p.trim_end_matches('/'), None),
        p => ("", Some(p.to_owned())),
    };
    let authority = base_uri
        .authority()
        .ok_or_else(|| eyre!("{base}: no host"))?
        .clone();
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut out = Vec::with_capacity(requests.len());
    for (step, req) in requests.iter().enumerate() {
        if speed.is_finite() && req.after_ms > 0 {
            tokio::time::sleep(Duration::from_secs_f64(
                req.after_ms as f64 / 1000.0 / speed,
            ))
            .await;
        }
        let path = fixed_path
            .clone()
            .unwrap_or_else(|| format!("{prefix}{}", req.path));
        let uri = format!("http://{authority}{path}");
        // JSON unless the script names its own type (Twilio's forms).
        let typed = req
            .headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
        let mut builder = hyper::Request::builder()
            .method(req.method.as_str())
            .uri(&uri)
            .header(
                "user-agent",
                concat!("wamon-demo/", env!("CARGO_PKG_VERSION")),
            );
        if !typed {
            builder = builder.header("content-type", "application/json");
        }
        for (k, v) in &req.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let request = builder
            .body(Full::new(Bytes::from(req.body.clone())))
            .wrap_err_with(|| format!("step {step}: bad request"))?;
        let resp = client
            .request(request)
            .await
            .wrap_err_with(|| format!("POST {uri}: is wamon (or your bot) listening there?"))?;
        let status = resp.status().as_u16();
        // Drain the reply so the connection can be reused.
        let _ = resp.into_body().collect().await;
        let sent = Sent {
            provider: provider.to_owned(),
            step,
            status,
            note: req.note.clone(),
        };
        on_sent(&sent);
        out.push(sent);
    }
    Ok(out)
}
