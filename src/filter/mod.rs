//! The filter language typed into the screen's filter bar.
//!
//! Core module: pure and synchronous, no I/O.
//!
//! ## Filter language
//!
//! A filter is a list of whitespace-separated terms; **all** of them must hold. An empty filter
//! matches everything.
//!
//! Terms match what the screen shows: the screen's store holds display copies
//! ([`crate::display`]), so under `--redact` names, ids and texts are matched as masked
//! (`chat:#k3x9q2`, `from:name·k3x9`). Only a word's search of raw JSON bodies reads the bytes
//! as received.
//!
//! | Term | Matches |
//! |------|---------|
//! | `word`, `"a phrase"` | text, chat name, sender name or raw JSON body contains it (any case) |
//! | `chat:X` | chat name or chat id contains `X`; a number (`+55 11`, `5511`) matches the id's digits |
//! | `from:X` | sender name or sender id contains `X` (same rules as `chat:`) |
//! | `type:T` | message type: `text`, `image`, `poll`, ... or `media` (image, video, gif, audio, voice, document, sticker) |
//! | `kind:K` | event kind: `message`, `status`, `reaction`, `edit`, `revoke`, `poll_vote`, ...; a message row matches the kinds of the events that reached it (with raw events on, each event its own) |
//! | `provider:P` | `waha`, `whapi`, `meta`, `evolution`, `instance`, `unknown` |
//! | `account:X` | the account (WAHA session, Whapi channel, Meta phone number id, Evolution instance, `instanceId`) contains `X`; a number matches its digits |
//! | `ack:A` | current ack is `A` (`pending`, `sent`, `delivered`, `read`, `played`, `failed`) |
//! | `ack:<A` `ack:<=A` `ack:>A` `ack:>=A` | ack compared in delivery order (`failed` never compares) |
//! | `me` | sent by me (`!me`: received) |
//! | `is:W` | chat is a `group`, `dm`, `channel`, `lid`, `status` or `broadcast`; or the message is `edited`, `deleted`, `duplicate`, `outoforder`, a `reply`, or `stuck` (outgoing, not failed, not delivered `--stuck-after` after it was sent) |
//! | `id:X` | message id contains `X` |
//!
//! - `!` before any term negates it: `!me`, `!type:media`, `!"out of office"`.
//! - `|` inside a value gives alternatives: `type:poll|text`, `provider:waha|meta`,
//!   `ack:<read|failed`, `hello|hi`.
//! - Double quotes keep spaces, `:`, `|` and `!` literal: `chat:"Dev group"`, `"12:30"`,
//!   `"me"`; write `\"` for a quote inside quotes.
//! - In raw JSON bodies a word or phrase with spaces or JSON punctuation in it matches across
//!   any spaces and punctuation there ([`body_contains`]): `"fromMe: true"` (or
//!   `"\"fromMe\": true"`, as the pretty raw view shows it) finds `{"fromMe":true}`.
//! - Keys and values are case-insensitive; `_` and `-` in values are optional
//!   (`type:live-location`, `is:out_of_order`).
//! - `is:dm` covers both phone and `@lid` chats.
//! - Items without a message type, ack, id, chat or account never match a `type:`, `ack:`,
//!   `id:`, `chat:` or `account:` term (so they do match its negation).
//!
//! Examples: `chat:"Dev group" type:poll`, `from:+5511 !me ack:<read`, `is:group|dm timeout`.

mod eval;
mod parse;
mod suggest;
mod term;
mod text;

#[cfg(test)]
mod tests;

pub use text::{body_contains, contains_ci, contains_ci_bytes, is_phrase, phrase_matches};

use crate::model::{Ack, ChatId, Kind, MessageType, Provider};
use std::fmt;
use term::{Pred, Term};

/// A per-message flag the store tracks (`is:edited`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flag {
    /// The message was edited after it was sent.
    Edited,
    /// The message was revoked ("deleted for everyone").
    Deleted,
    /// The same event arrived more than once.
    Duplicate,
    /// The event arrived before an event it depends on, or with an older timestamp.
    OutOfOrder,
    /// The message quotes another one.
    Reply,
    /// An outgoing message not delivered (nor failed) `--stuck-after` after it was sent, by
    /// the clock of the screen that filters ([`crate::store::Store::set_clock`]).
    Stuck,
}

impl Flag {
    pub const ALL: [Flag; 6] = [
        Flag::Edited,
        Flag::Deleted,
        Flag::Duplicate,
        Flag::OutOfOrder,
        Flag::Reply,
        Flag::Stuck,
    ];

    /// The name used after `is:`.
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Edited => "edited",
            Flag::Deleted => "deleted",
            Flag::Duplicate => "duplicate",
            Flag::OutOfOrder => "outoforder",
            Flag::Reply => "reply",
            Flag::Stuck => "stuck",
        }
    }
}

/// What the filter reads from a stream item (implemented by the store's rows and by tests).
///
/// Chat-list rows implement it too: they answer `None` / `false` for what a chat does not have.
pub trait Subject {
    fn provider(&self) -> Provider;
    /// The account the item arrived for ([`crate::model::Event::account`]).
    fn account(&self) -> Option<&str>;
    fn kind(&self) -> Kind;
    /// Whether `kind:k` holds: the item's own kind by default. A message row also has the kinds
    /// of the events that reached it (statuses, reactions, edits, revokes, votes).
    fn has_kind(&self, k: Kind) -> bool {
        self.kind() == k
    }
    fn msg_type(&self) -> Option<MessageType>;
    fn chat(&self) -> Option<&ChatId>;
    fn chat_name(&self) -> Option<&str>;
    fn sender(&self) -> Option<&ChatId>;
    fn sender_name(&self) -> Option<&str>;
    #[allow(clippy::wrong_self_convention)] // "from me", not a conversion
    fn from_me(&self) -> bool;
    fn ack(&self) -> Option<Ack>;
    fn message_id(&self) -> Option<&str>;
    fn text(&self) -> Option<&str>;
    fn has_flag(&self, flag: Flag) -> bool;
    /// Whether the raw body contains `needle_lower` case-insensitively (may read from disk; called
    /// last). [`body_contains`] is the comparison the screen uses.
    fn raw_contains(&self, needle_lower: &str) -> bool;
}

/// Why a filter does not parse. `message` is short enough for a pane title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    pub message: String,
    /// Char (not byte) offset of the first character of the bad term in the input.
    pub at: usize,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FilterError {}

/// A parsed filter, ready to match. The default filter is empty and matches everything.
///
/// Two filters compare equal when they have the same terms, whatever their spacing or term
/// order, so the screen can skip re-filtering when an edit changes nothing.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    source: String,
    /// Sorted cheapest first; text terms (which may read the raw body) last.
    terms: Vec<Term>,
}

impl PartialEq for Filter {
    fn eq(&self, other: &Filter) -> bool {
        // Terms are sorted by cost only, so terms of equal cost (`a b`, `from:x from:y`) keep
        // their typed order: compare them as multisets.
        let mut unmatched: Vec<&Term> = other.terms.iter().collect();
        self.terms.len() == other.terms.len()
            && self.terms.iter().all(|t| {
                let found = unmatched.iter().position(|u| *u == t);
                found.map(|i| unmatched.swap_remove(i)).is_some()
            })
    }
}

impl std::str::FromStr for Filter {
    type Err = FilterError;
    fn from_str(s: &str) -> Result<Filter, FilterError> {
        Filter::parse(s)
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl Filter {
    /// Parses filter text. Blank input gives the empty filter.
    pub fn parse(input: &str) -> Result<Filter, FilterError> {
        let mut terms = Vec::new();
        for token in parse::tokenize(input)? {
            terms.push(parse::parse_term(&token).map_err(|message| FilterError {
                message,
                at: token.at,
            })?);
        }
        terms.sort_by_key(|t| t.pred.cost());
        Ok(Filter {
            source: input.to_string(),
            terms,
        })
    }

    /// True when the filter has no terms and matches everything.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether rows it matched (or not) can change their answer after they arrived: acks,
    /// flags (`is:edited`, ...) and the kinds of events that reached a message change in place.
    pub fn reads_changing_state(&self) -> bool {
        self.terms.iter().any(|t| {
            matches!(
                t.pred,
                term::Pred::Ack(_) | term::Pred::Is(_) | term::Pred::Kind(_)
            )
        })
    }

    /// Whether it reads the clock (`is:stuck`): its answer can change with no new event.
    pub fn reads_clock(&self) -> bool {
        self.terms.iter().any(|t| match &t.pred {
            term::Pred::Is(sels) => sels.contains(&term::IsSel::Flag(Flag::Stuck)),
            _ => false,
        })
    }

    /// The text it was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether any term may search the raw body (bare words and phrases).
    pub fn needs_raw(&self) -> bool {
        self.terms.iter().any(|t| matches!(t.pred, Pred::Text(_)))
    }
}
