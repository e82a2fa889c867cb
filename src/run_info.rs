//! What the screen is told about the running monitor: where it listens, its capture, its
//! limits and the counters the receiver keeps. `run` builds it and hands it to the screen, so
//! the screen depends on this, never on `run` (which starts the screen).

use crate::backlog::Backlog;
use crate::capture_path::CapturePath;
use crate::receiver::ReceiverStats;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// What the consumer is told about the running monitor (for the status bar).
#[derive(Debug, Clone)]
pub struct RunInfo {
    pub listen: SocketAddr,
    /// Local time offset for clock labels, seconds east of UTC.
    pub utc_offset_s: i32,
    /// The capture's path and which file it names now (reopened after a delete or move).
    pub capture: Option<Arc<CapturePath>>,
    /// The file given to `--load`, where loaded requests' bodies can be re-read.
    pub loaded: Option<PathBuf>,
    pub demo: bool,
    /// `--redact`: mask phone numbers, names and message text on the screen.
    pub redact: bool,
    /// The `--token` webhooks must carry.
    pub token: Option<String>,
    /// What the receiver turned away (status bar).
    pub stats: Arc<ReceiverStats>,
    /// Requests read back from the capture because the screen fell behind (status bar).
    pub backlog: Arc<Backlog>,
    /// `--max-events`: events the screen's store holds before evicting the oldest.
    pub max_events: usize,
    /// `--forward-to`, when forwarding.
    pub forward: Option<ForwardInfo>,
    /// How many `--reply` rules script the receiver's answers (status bar).
    pub reply_rules: usize,
    /// `NO_COLOR` is set: the screen shows selection, focus and states without colour.
    pub no_color: bool,
    /// `--stuck-after`: how long an outgoing message may go undelivered before `is:stuck`.
    pub stuck_after_ms: i64,
}

/// Forwarding as the screen shows it.
#[derive(Debug, Clone)]
pub struct ForwardInfo {
    /// The bot's URL as given.
    pub url: String,
    pub proxy: bool,
    pub stats: Arc<crate::forward::ForwardStats>,
}

impl RunInfo {
    /// A monitor listening on `listen`, with nothing else set.
    pub fn new(listen: SocketAddr) -> RunInfo {
        RunInfo {
            listen,
            utc_offset_s: 0,
            capture: None,
            loaded: None,
            demo: false,
            redact: false,
            token: None,
            stats: Arc::default(),
            backlog: Arc::default(),
            max_events: crate::store::DEFAULT_MAX_EVENTS,
            forward: None,
            reply_rules: 0,
            no_color: false,
            stuck_after_ms: crate::store::DEFAULT_STUCK_AFTER_MS,
        }
    }

    /// The URL to give a provider (behind a tunnel, the tunnel's host with this path).
    pub fn webhook_url(&self) -> String {
        match &self.token {
            Some(t) => format!("http://{}/{t}/", self.listen),
            None => format!("http://{}/", self.listen),
        }
    }

    /// Listening beyond this machine with no token: anyone who finds the port can post.
    pub fn exposed_without_token(&self) -> bool {
        self.token.is_none() && !self.listen.ip().is_loopback()
    }
}
