//! Request data made fit to show or print: [`sanitize`] turns characters a terminal would act on
//! (controls, escapes, bidi overrides) into visible placeholders.
//!
//! Everything in a request is hostile: a webhook's sender name, event name, emoji, path or
//! header value can carry `ESC ] 52` (set the clipboard), `ESC [ 2J` (clear the screen) or a
//! C1 `CSI`. The screen and every printer pass such text through here before it reaches a
//! terminal. The data itself (capture file, store, NDJSON values) stays exact.
//!
//! Core module: pure functions, no I/O.

pub mod sanitize;

pub use sanitize::{clean, clean_text};
