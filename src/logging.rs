//! Logging: to stderr in headless mode, to a file under the screen (never onto the screen). The
//! log file is private (`0600`, see [`crate::private_files`]): it names senders and paths.

use std::path::{Path, PathBuf};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

fn filter() -> EnvFilter {
    EnvFilter::try_from_env("WAMON_LOG").unwrap_or_else(|_| EnvFilter::new("info"))
}

/// Logs to stderr.
pub fn to_stderr() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}

/// The default log file: `wamon.log` in the XDG state dir (or data dir, or temp dir).
pub fn default_log_file() -> PathBuf {
    dirs::state_dir()
        .or_else(dirs::data_dir)
        .unwrap_or_else(std::env::temp_dir)
        .join("wamon")
        .join("wamon.log")
}

/// Logs to `path` through a background writer; keep the guard alive until exit.
pub fn to_file(path: &Path) -> std::io::Result<WorkerGuard> {
    let file = crate::private_files::open_append(path)?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_writer(writer)
        .with_ansi(false)
        .try_init();
    Ok(guard)
}
