//! Request data made fit to show or print.
//!
//! Everything in a request is hostile: a webhook's sender name, event name, emoji, path or
//! header value can carry `ESC ] 52` (set the clipboard), `ESC [ 2J` (clear the screen), a C1
//! `CSI` or a bidi override. Nothing from a request reaches the terminal as a control sequence:
//! - [`sanitize`] is the one sanitiser: it maps every such character to a visible placeholder;
//! - [`Intake`] makes the *display copies* the screen is built from, at its two intake points
//!   (a request arriving, the detail pane loading one): every string of every normalised event
//!   ([`event`] visits them all), the envelope ([`envelope`]) and the body ([`body`]), sanitised,
//!   credentials masked always and personal data masked under `--redact` ([`redact`]);
//! - the screen also passes every drawn frame through [`sanitize::cell_symbol`], a last guard
//!   for text that does not come through the intake (typed or pasted filters, file names);
//! - printers (headless NDJSON, capture lines) escape what JSON allows raw ([`json_out`]).
//!
//! The data itself stays exact: the capture file, the store's raw bodies, body search and the
//! whole-body copy use the received bytes (a compressed body decoded,
//! [`crate::body_encoding`]).
//!
//! Core module: pure functions, no I/O.

pub mod body;
pub mod count;
pub mod envelope;
pub mod event;
pub mod form;
pub mod intake;
pub mod json_out;
pub mod redact;
pub mod sanitize;

pub use intake::Intake;
pub use sanitize::{clean, clean_text};
