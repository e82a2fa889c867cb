//! Forwarding every accepted webhook on to the bot under development (`--forward-to`), and the
//! records of what the bot answered.

pub mod queue;
pub mod record;
pub mod resend;

pub use queue::{ForwardSettings, ForwardStats, Forwarder, ResultSink};
pub use record::ForwardRecord;
