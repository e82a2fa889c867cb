//! Twilio's WhatsApp senders (form-encoded bodies) webhooks: recognised by shape and normalised into [`Event`]s.
//!
//! Core module: pure functions, no I/O.

use crate::model::Event;
use serde_json::{Map, Value};

/// Whether a JSON object has this provider's shape.
pub fn claims(_obj: &Map<String, Value>) -> bool {
    false
}

/// The events one body carries.
pub fn normalize(_root: &Value) -> Vec<Event> {
    Vec::new()
}

/// The account the body arrived for.
pub fn account(_root: &Value) -> Option<&str> {
    None
}
