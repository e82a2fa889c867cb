//! Command-line interface: flags, subcommands and their `WAMON_*` environment variables.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// A terminal live monitor for WhatsApp webhooks.
#[derive(Debug, Parser)]
#[command(name = "wamon", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Post a built-in scenario of realistic webhooks, in each provider's dialect, to a URL.
    Send(SendArgs),
    /// Send a capture file's webhooks again, to your bot or another wamon, re-signed if asked.
    Replay(ReplayArgs),
    /// Write the requests of a capture file (all, or those --filter and --seq select) as a
    /// capture, NDJSON, a curl script or HAR.
    Export(ExportArgs),
}

/// Flags of the monitor itself.
#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    /// Address to receive webhooks on (point your tunnel here).
    #[arg(long, env = "WAMON_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// No screen: print one NDJSON line per normalised event on stdout.
    #[arg(long)]
    pub headless: bool,
    /// Also play the built-in demo conversation into this receiver over HTTP.
    #[arg(long)]
    pub demo: bool,
    /// Capture file to append every request to (default: a new file per run in the XDG data
    /// dir, e.g. ~/.local/share/wamon/captures/).
    #[arg(long, env = "WAMON_CAPTURE", conflicts_with = "no_capture")]
    pub capture: Option<PathBuf>,
    /// Keep everything in memory only.
    #[arg(long)]
    pub no_capture: bool,
    /// Start from a capture file (then keep receiving).
    #[arg(long)]
    pub load: Option<PathBuf>,
    /// Token for Meta's GET verification handshake (hub.verify_token).
    #[arg(long, env = "WAMON_VERIFY_TOKEN", hide_env_values = true)]
    pub verify_token: Option<String>,
    /// Meta app secret: reject requests whose X-Hub-Signature-256 does not match the body.
    #[arg(long, env = "WAMON_META_APP_SECRET", hide_env_values = true)]
    pub meta_app_secret: Option<String>,
    /// WAHA HMAC key: reject requests whose X-Webhook-Hmac (SHA-512) does not match the body.
    #[arg(long, env = "WAMON_WAHA_HMAC_KEY", hide_env_values = true)]
    pub waha_hmac_key: Option<String>,
    /// Twilio auth token: reject requests whose X-Twilio-Signature does not match the URL and
    /// form (see --public-url).
    #[arg(long, env = "WAMON_TWILIO_AUTH_TOKEN", hide_env_values = true)]
    pub twilio_auth_token: Option<String>,
    /// The public base URL a tunnel gives this receiver (https://abc.ngrok.app), for Twilio's
    /// signature, which covers the URL Twilio called; the request's path and query are
    /// appended. Without it the URL is rebuilt from X-Forwarded-Proto/-Host, Forwarded or Host.
    #[arg(long, env = "WAMON_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Refuse requests that carry no signature header for the configured secrets.
    #[arg(long)]
    pub require_signature: bool,
    /// Path token for tunnels: only requests under /TOKEN/ (or with X-Wamon-Token: TOKEN) are
    /// webhooks; anything else gets 404.
    #[arg(long, env = "WAMON_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Largest body accepted (bytes, or with a unit: 512KiB, 8MiB).
    #[arg(long, env = "WAMON_MAX_BODY", default_value = "8MiB", value_parser = parse_size)]
    pub max_body: usize,
    /// Body bytes held across all requests being received; past it, 503 (retry later).
    #[arg(long, env = "WAMON_MAX_BUFFERED", default_value = "64MiB", value_parser = parse_size)]
    pub max_buffered: usize,
    /// Concurrent connections (kept below the file-descriptor limit); at the cap the
    /// connection waiting longest for a request is closed.
    #[arg(long, env = "WAMON_MAX_CONNECTIONS", default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// A request's headers must be complete this long after its first byte (10s, 500ms, 1m).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub header_timeout: Duration,
    /// The whole body must arrive this long after the headers, or 408.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub body_timeout: Duration,
    /// A connection waiting for a request is closed after this long.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub idle_timeout: Duration,
    /// Events held in memory (screen and headless): past it the oldest are evicted, and counted
    /// on the status bar (or stderr); the capture file keeps every request. About 500 bytes
    /// each plus their text: the default is a long day of busy traffic in half a gigabyte.
    #[arg(long, env = "WAMON_MAX_EVENTS", default_value_t = crate::store::DEFAULT_MAX_EVENTS,
          value_parser = parse_count)]
    pub max_events: usize,
    /// An outgoing message with no delivered, read or played status this long after it was
    /// sent (and not failed) is marked `⌛` and matches `is:stuck`.
    #[arg(long, env = "WAMON_STUCK_AFTER", default_value = "60s", value_parser = parse_duration)]
    pub stuck_after: Duration,
    /// Send every accepted webhook on to the bot at this http:// URL (the request's path is
    /// joined to the URL's path) and show what it answered.
    #[arg(long, env = "WAMON_FORWARD_TO")]
    pub forward_to: Option<String>,
    /// How long the bot may take to answer a forwarded webhook.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub forward_timeout: Duration,
    /// `immediate`: answer the provider at once and forward in the background; `proxy`: answer
    /// the provider with the bot's status and body (502/504 when the bot fails).
    #[arg(long, value_enum, default_value_t = ForwardMode::Immediate, requires = "forward_to")]
    pub forward_mode: ForwardMode,
    /// Scripted reply for webhooks wamon would answer 200, e.g. `path=/meta status=500` or
    /// `event=message.any delay=3s` (repeatable; first match wins; `;` also separates rules).
    /// Keys: path, provider, event, method (match); status, delay (at most 60s), body (last).
    #[arg(
        long = "reply",
        value_name = "RULE",
        env = "WAMON_REPLY",
        value_delimiter = ';'
    )]
    pub replies: Vec<String>,
    /// Log file (default: wamon.log in the XDG state dir; headless mode logs to stderr).
    #[arg(long, env = "WAMON_LOG_FILE")]
    pub log_file: Option<PathBuf>,
    /// For screen sharing: mask phone numbers, names and message text on the screen and in
    /// headless output (stable masks per run; credentials are masked always).
    #[arg(long, env = "WAMON_REDACT")]
    pub redact: bool,
    /// Leave the mouse to the terminal (native text selection).
    #[arg(long)]
    pub no_mouse: bool,
    /// Most frames drawn per second.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u16).range(1..=120))]
    pub fps: u16,
}

/// How a forwarded webhook is answered to the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ForwardMode {
    /// wamon answers at once; the bot's answer is recorded when it comes.
    Immediate,
    /// wamon waits for the bot and passes its status and body back to the provider.
    Proxy,
}

/// Flags of `wamon send`.
#[derive(Debug, Args, Clone)]
pub struct SendArgs {
    /// Scenario name (conversation, problems); not needed with --file.
    #[arg(required_unless_present = "file")]
    pub scenario: Option<String>,
    /// Where to post: http://127.0.0.1:8080 (each request on its own path),
    /// http://127.0.0.1:8080/TOKEN/ (each path under a prefix) or http://127.0.0.1:8080/hook
    /// (every request to that one path).
    #[arg(long)]
    pub to: String,
    /// Dialect: waha, whapi, meta, evolution, instance, evolution_go, twilio, greenapi, zapi, or
    /// all.
    #[arg(long, default_value = "all")]
    pub provider: String,
    /// Playback speed: 1 = the scenario's own pacing, 10 = ten times faster, max = no waiting.
    #[arg(long, default_value = "1", value_parser = parse_speed)]
    pub speed: f64,
    /// Play a scenario file of your own instead of a built-in one, or a capture file (sent as
    /// `wamon replay FILE --speed S` would).
    #[arg(long)]
    pub file: Option<PathBuf>,
}

/// Flags of `wamon replay`.
#[derive(Debug, Args, Clone)]
pub struct ReplayArgs {
    /// Capture file to replay (what `--capture` writes).
    pub file: PathBuf,
    /// Where to send: http://host:port, or http://host:port/prefix (each request's own path is
    /// joined to it).
    #[arg(long)]
    pub to: String,
    /// Only the requests that produced an event this filter matches (the screen's filter
    /// language).
    #[arg(long)]
    pub filter: Option<String>,
    /// Only these request numbers (seq): N, A-B, A- or -B.
    #[arg(long, value_parser = crate::select::parse_seq_range)]
    pub seq: Option<std::ops::RangeInclusive<u64>>,
    /// Pacing: 1 = the capture's own spacing, 10 = ten times faster, max = back to back.
    #[arg(long, default_value = "1", value_parser = parse_speed)]
    pub speed: f64,
    /// Re-sign X-Webhook-Hmac (HMAC-SHA512) with this key, on requests that carried it or have a
    /// WAHA body.
    #[arg(long)]
    pub waha_hmac_key: Option<String>,
    /// Re-sign X-Hub-Signature-256 (HMAC-SHA256) with this app secret, on requests that carried
    /// it or have a Meta body.
    #[arg(long)]
    pub meta_app_secret: Option<String>,
    /// Re-sign X-Twilio-Signature with this auth token, on requests that carried it or are
    /// Twilio forms, over the URL they are sent to (--to, or --public-url when the bot sits
    /// behind a tunnel).
    #[arg(long)]
    pub twilio_auth_token: Option<String>,
    /// The base URL the bot sees Twilio's requests at, for --twilio-auth-token.
    #[arg(long)]
    pub public_url: Option<String>,
    /// How long each request may take to be answered.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,
}

/// Flags of `wamon export`.
#[derive(Debug, Args, Clone)]
pub struct ExportArgs {
    /// The capture file to read.
    pub file: PathBuf,
    /// Only requests with an event this filter matches (the screen's filter language).
    #[arg(long)]
    pub filter: Option<String>,
    /// Only requests numbered N, A-B, A- or -B.
    #[arg(long, value_parser = crate::select::parse_seq_range)]
    pub seq: Option<std::ops::RangeInclusive<u64>>,
    /// Output format.
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Write to this new file (created 0600) instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Overwrite OUT if it exists.
    #[arg(long, requires = "output")]
    pub force: bool,
    /// curl: where the commands send the requests (default http://127.0.0.1:8080).
    #[arg(long, value_name = "URL")]
    pub to: Option<String>,
}

/// What `wamon export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// A capture file of the selected requests and their forward results (loads with --load).
    Capture,
    /// Headless mode's NDJSON lines for the selected requests, and a line per forward result.
    Ndjson,
    /// A shell script of one curl command per request, re-sending it exactly.
    Curl,
    /// HAR 1.2: the requests, wamon's replies and, when forwarded, the bot's answers.
    Har,
}

/// Parses `1234`, `512KiB`, `8MiB`, `3MB`.
pub fn parse_size(s: &str) -> Result<usize, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: usize = num.parse().map_err(|_| format!("{s:?} is not a size"))?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1000,
        "kib" => 1024,
        "m" | "mb" => 1_000_000,
        "mib" => 1024 * 1024,
        other => return Err(format!("unknown size unit {other:?} (use KiB or MiB)")),
    };
    Ok(n * mult)
}

/// Parses a positive count: `1000000`, `1_000_000` or `1,000,000`.
pub fn parse_count(s: &str) -> Result<usize, String> {
    let digits: String = s
        .trim()
        .chars()
        .filter(|c| !matches!(c, '_' | ','))
        .collect();
    match digits.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{s:?}: use a positive whole number")),
    }
}

/// Parses `10s`, `500ms`, `2m` (a bare number is seconds).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (use 10s, 500ms, 2m)"))?;
    let secs = match unit.trim() {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" | "min" => n * 60.0,
        other => return Err(format!("unknown duration unit {other:?} (use ms, s or m)")),
    };
    if !(secs > 0.0 && secs.is_finite()) {
        return Err(format!("{s:?}: use a positive duration"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Parses a playback speed: a positive number or `max`.
pub fn parse_speed(s: &str) -> Result<f64, String> {
    if s.eq_ignore_ascii_case("max") {
        return Ok(f64::INFINITY);
    }
    match s.parse::<f64>() {
        Ok(x) if x > 0.0 => Ok(x),
        _ => Err(format!("{s:?}: use a positive number or max")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_speeds_parse() {
        assert_eq!(parse_size("8MiB"), Ok(8 * 1024 * 1024));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("3 parsecs").is_err());
        assert_eq!(parse_speed("max"), Ok(f64::INFINITY));
        assert!(parse_speed("0").is_err());
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("1 fortnight").is_err());
        assert_eq!(parse_count("1,000,000"), Ok(1_000_000));
        assert_eq!(parse_count("250_000"), Ok(250_000));
        assert!(
            parse_count("0").is_err() && parse_count("-5").is_err() && parse_count("").is_err()
        );
    }

    #[test]
    fn the_cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
