//! Structured message content the store acts on: polls and their votes, provider tallies,
//! interactive replies and media.

use super::{ChatId, MessageId};
use base64::Engine as _;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// WhatsApp's poll option hash: base64(SHA-256(option name)). Whapi and Baileys send votes as
/// these, so every vote is normalised to them.
pub fn option_hash(name: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(name.as_bytes()))
}

/// A poll as created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PollDef {
    pub question: String,
    pub options: Vec<String>,
    /// More than one option may be chosen.
    pub multi: bool,
}

/// One voter's complete current selection on a poll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vote {
    /// The poll message.
    pub poll: MessageId,
    pub voter: ChatId,
    /// Option hashes (see [`option_hash`]); empty withdraws the vote when `known`.
    pub options: Vec<String>,
    /// False when the provider could not read the choice (WAHA `poll.vote.failed`).
    pub known: bool,
    /// Vote time in milliseconds, when the provider gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ts_ms: Option<i64>,
}

/// An authoritative tally sent by the provider (Whapi `messages.patch` `after_update`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PollSnapshot {
    pub poll: MessageId,
    pub def: PollDef,
    /// Per option name, the voters who chose it.
    pub voters: Vec<(String, Vec<ChatId>)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ts_ms: Option<i64>,
}

/// A reply to an interactive prompt (Meta button/list replies), tallied per prompt like a poll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InteractiveReply {
    /// The business message that carried the buttons or list (`context.id`).
    pub prompt: MessageId,
    pub option_id: String,
    pub title: String,
}

/// Media attached to a message.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Media {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mime: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}
