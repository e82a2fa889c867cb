//! Command-line interface: flags, subcommands and their `WAMON_*` environment variables.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

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
    #[arg(long, env = "WAMON_VERIFY_TOKEN")]
    pub verify_token: Option<String>,
    /// Meta app secret: reject Meta-format bodies whose X-Hub-Signature-256 does not match.
    #[arg(long, env = "WAMON_META_APP_SECRET", hide_env_values = true)]
    pub meta_app_secret: Option<String>,
    /// WAHA HMAC key: reject WAHA bodies whose X-Webhook-Hmac (SHA-512) does not match.
    #[arg(long, env = "WAMON_WAHA_HMAC_KEY", hide_env_values = true)]
    pub waha_hmac_key: Option<String>,
    /// Largest body accepted (bytes, or with a unit: 512KiB, 8MiB).
    #[arg(long, env = "WAMON_MAX_BODY", default_value = "8MiB", value_parser = parse_size)]
    pub max_body: usize,
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

/// Flags of `wamon send`.
#[derive(Debug, Args, Clone)]
pub struct SendArgs {
    /// Scenario name (conversation, problems); not needed with --file.
    #[arg(required_unless_present = "file")]
    pub scenario: Option<String>,
    /// Where to post, e.g. http://127.0.0.1:8080/webhook.
    #[arg(long)]
    pub to: String,
    /// Dialect: waha, whapi, meta, evolution, instance, or all.
    #[arg(long, default_value = "all")]
    pub provider: String,
    /// Playback speed: 1 = the scenario's own pacing, 10 = ten times faster, max = no waiting.
    #[arg(long, default_value = "1", value_parser = parse_speed)]
    pub speed: f64,
    /// Play a scenario file of your own instead of a built-in one.
    #[arg(long)]
    pub file: Option<PathBuf>,
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
    }

    #[test]
    fn the_cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
