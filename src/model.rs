//! The normalised vocabulary every provider is translated into: providers, event kinds, message
//! types, acks, canonical chat ids and the [`Event`] fact itself.
//!
//! Core module: pure data, no I/O, no async, no terminal.

use base64::Engine as _;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fmt;

/// Which wire format a webhook body was recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// WAHA and WAHA-based services (Wappfy): `{event, session, payload}`.
    Waha,
    /// Whapi.cloud: `{event: {type, event}, channel_id, ...}`.
    Whapi,
    /// Meta WhatsApp Cloud API and portals forwarding its format.
    Meta,
    /// Evolution API: `{event, instance, data, ...}`.
    Evolution,
    /// The `{event, instanceId, data}` provider.
    Instance,
    /// JSON of no known shape, or not JSON at all.
    Unknown,
}

impl Provider {
    /// Every provider that has a wire format, in display order.
    pub const KNOWN: [Provider; 5] = [
        Provider::Waha,
        Provider::Whapi,
        Provider::Meta,
        Provider::Evolution,
        Provider::Instance,
    ];

    /// The stable lower-case name used in NDJSON, filters and CLI flags.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Waha => "waha",
            Provider::Whapi => "whapi",
            Provider::Meta => "meta",
            Provider::Evolution => "evolution",
            Provider::Instance => "instance",
            Provider::Unknown => "unknown",
        }
    }

    /// Parses the name produced by [`Provider::as_str`].
    pub fn parse(s: &str) -> Option<Provider> {
        Provider::KNOWN
            .into_iter()
            .chain([Provider::Unknown])
            .find(|p| p.as_str().eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a normalised event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Message,
    Status,
    Reaction,
    Edit,
    Revoke,
    PollVote,
    Call,
    /// Connection, QR, channel health and account-level notices.
    Session,
    Presence,
    Group,
    Chat,
    Unknown,
    Malformed,
    Rejected,
}

impl Kind {
    pub const ALL: [Kind; 14] = [
        Kind::Message,
        Kind::Status,
        Kind::Reaction,
        Kind::Edit,
        Kind::Revoke,
        Kind::PollVote,
        Kind::Call,
        Kind::Session,
        Kind::Presence,
        Kind::Group,
        Kind::Chat,
        Kind::Unknown,
        Kind::Malformed,
        Kind::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Message => "message",
            Kind::Status => "status",
            Kind::Reaction => "reaction",
            Kind::Edit => "edit",
            Kind::Revoke => "revoke",
            Kind::PollVote => "poll_vote",
            Kind::Call => "call",
            Kind::Session => "session",
            Kind::Presence => "presence",
            Kind::Group => "group",
            Kind::Chat => "chat",
            Kind::Unknown => "unknown",
            Kind::Malformed => "malformed",
            Kind::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
    }
}

/// The content type of a message, shared by every provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageType {
    Text,
    Image,
    Video,
    Gif,
    Audio,
    Voice,
    Document,
    Sticker,
    Location,
    LiveLocation,
    Contact,
    Poll,
    Interactive,
    Button,
    Template,
    Order,
    Product,
    Catalog,
    LinkPreview,
    GroupInvite,
    Call,
    System,
    Event,
    Story,
    Unsupported,
}

impl MessageType {
    pub const ALL: [MessageType; 25] = [
        MessageType::Text,
        MessageType::Image,
        MessageType::Video,
        MessageType::Gif,
        MessageType::Audio,
        MessageType::Voice,
        MessageType::Document,
        MessageType::Sticker,
        MessageType::Location,
        MessageType::LiveLocation,
        MessageType::Contact,
        MessageType::Poll,
        MessageType::Interactive,
        MessageType::Button,
        MessageType::Template,
        MessageType::Order,
        MessageType::Product,
        MessageType::Catalog,
        MessageType::LinkPreview,
        MessageType::GroupInvite,
        MessageType::Call,
        MessageType::System,
        MessageType::Event,
        MessageType::Story,
        MessageType::Unsupported,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageType::Text => "text",
            MessageType::Image => "image",
            MessageType::Video => "video",
            MessageType::Gif => "gif",
            MessageType::Audio => "audio",
            MessageType::Voice => "voice",
            MessageType::Document => "document",
            MessageType::Sticker => "sticker",
            MessageType::Location => "location",
            MessageType::LiveLocation => "live_location",
            MessageType::Contact => "contact",
            MessageType::Poll => "poll",
            MessageType::Interactive => "interactive",
            MessageType::Button => "button",
            MessageType::Template => "template",
            MessageType::Order => "order",
            MessageType::Product => "product",
            MessageType::Catalog => "catalog",
            MessageType::LinkPreview => "link_preview",
            MessageType::GroupInvite => "group_invite",
            MessageType::Call => "call",
            MessageType::System => "system",
            MessageType::Event => "event",
            MessageType::Story => "story",
            MessageType::Unsupported => "unsupported",
        }
    }

    pub fn parse(s: &str) -> Option<MessageType> {
        MessageType::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s))
    }

    /// Media types (the filter's `type:media`).
    pub fn is_media(self) -> bool {
        matches!(
            self,
            MessageType::Image
                | MessageType::Video
                | MessageType::Gif
                | MessageType::Audio
                | MessageType::Voice
                | MessageType::Document
                | MessageType::Sticker
        )
    }
}

/// Delivery state of a message, in the order WhatsApp moves through it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ack {
    Pending,
    Sent,
    Delivered,
    Read,
    Played,
    /// Terminal in WhatsApp's UI, but a later delivered/read from another device may still win.
    Failed,
}

impl Ack {
    pub const ALL: [Ack; 6] = [
        Ack::Pending,
        Ack::Sent,
        Ack::Delivered,
        Ack::Read,
        Ack::Played,
        Ack::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Ack::Pending => "pending",
            Ack::Sent => "sent",
            Ack::Delivered => "delivered",
            Ack::Read => "read",
            Ack::Played => "played",
            Ack::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Ack> {
        Ack::ALL
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(s))
    }

    /// Progress rank: pending 0 .. played 4. Failed has no rank; see [`Ack::Failed`].
    pub fn rank(self) -> Option<u8> {
        match self {
            Ack::Pending => Some(0),
            Ack::Sent => Some(1),
            Ack::Delivered => Some(2),
            Ack::Read => Some(3),
            Ack::Played => Some(4),
            Ack::Failed => None,
        }
    }
}

/// What kind of party a chat id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChatKind {
    User,
    Group,
    Channel,
    Lid,
    Broadcast,
    Status,
    Other,
}

/// A canonical chat or user id.
///
/// Users are `<digits>@c.us` whatever the provider wrote (`@s.whatsapp.net`, bare digits, `+`
/// prefixes and `:<device>` suffixes all fold into it); groups (`@g.us`), channels
/// (`@newsletter`), `status@broadcast`, broadcast lists and `@lid` ids keep their server.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ChatId(String);

impl ChatId {
    /// Canonicalises any id form a provider sends. Returns `None` for empty input.
    pub fn parse(raw: &str) -> Option<ChatId> {
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        let (user, server) = match raw.split_once('@') {
            Some((u, s)) => (u, s.to_ascii_lowercase()),
            None => (raw, String::new()),
        };
        let user = user.trim_start_matches('+');
        // Device suffix: "123:12@s.whatsapp.net" and "123:12@lid" name the same party as "123@...".
        let user = match user.split_once(':') {
            Some((u, dev)) if dev.chars().all(|c| c.is_ascii_digit()) => u,
            _ => user,
        };
        let canonical = match server.as_str() {
            "" | "c.us" | "s.whatsapp.net" => {
                if user.chars().all(|c| c.is_ascii_digit() || c == '-') || server.is_empty() {
                    let digits: String = user.chars().filter(|c| c.is_ascii_digit()).collect();
                    if digits.is_empty() {
                        format!("{user}@c.us")
                    } else {
                        format!("{digits}@c.us")
                    }
                } else {
                    format!("{user}@c.us")
                }
            }
            other => format!("{user}@{other}"),
        };
        Some(ChatId(canonical))
    }

    /// The canonical string form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before `@`: digits for users and lids.
    pub fn user_part(&self) -> &str {
        self.0.split('@').next().unwrap_or(&self.0)
    }

    pub fn kind(&self) -> ChatKind {
        let server = self.0.rsplit('@').next().unwrap_or("");
        match server {
            "c.us" => ChatKind::User,
            "g.us" => ChatKind::Group,
            "newsletter" => ChatKind::Channel,
            "lid" => ChatKind::Lid,
            "broadcast" if self.0 == "status@broadcast" => ChatKind::Status,
            "broadcast" => ChatKind::Broadcast,
            _ => ChatKind::Other,
        }
    }

    /// A short human label: `+5511999…` for users, the id otherwise.
    pub fn label(&self) -> String {
        match self.kind() {
            ChatKind::User => format!("+{}", self.user_part()),
            _ => self.0.clone(),
        }
    }
}

impl fmt::Display for ChatId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A provider message id, as the provider wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct MessageId(pub String);

impl MessageId {
    pub fn new(s: impl Into<String>) -> MessageId {
        MessageId(s.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The WhatsApp id inside a WAHA serialized id (`{fromMe}_{chat}_{id}[_{participant}]`), or the
    /// id itself. WAHA's edit, revoke and vote references use this bare form.
    pub fn bare(&self) -> &str {
        bare_message_id(&self.0)
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// See [`MessageId::bare`].
pub fn bare_message_id(id: &str) -> &str {
    if let Some(rest) = id
        .strip_prefix("true_")
        .or_else(|| id.strip_prefix("false_"))
    {
        let mut parts = rest.splitn(3, '_');
        let chat = parts.next().unwrap_or("");
        if let Some(bare) = parts.next() {
            if chat.contains('@') && !bare.is_empty() {
                return bare;
            }
        }
    }
    id
}

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

/// One normalised fact from a webhook. A request may carry many.
///
/// Fields are `None` when they do not apply. Serialises to the provider-independent part of the
/// NDJSON line (the store adds `ack`, `poll`, `duplicate`, ...).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub kind: Kind,
    /// The provider's own event name or type (`message.any`, `messages.upsert`, `statuses.post`).
    pub event: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat: Option<ChatId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender: Option<ChatId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_me: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<MessageId>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub msg_type: Option<MessageType>,
    /// Body, caption, poll question, or a one-line summary of a non-text event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// For kind `status`: what this webhook said. `None` when the provider's value has no
    /// meaning (WAHA `UNKNOWN`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Ack>,
    /// The provider's raw status label (`DELIVERY_ACK`, `3/READ`), for the tick timeline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_label: Option<String>,
    /// The message a reaction, edit, revoke, status or vote refers to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<MessageId>,
    /// Reaction emoji; empty removes the reactor's reaction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emoji: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Message time in milliseconds since the epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp_ms: Option<i64>,
    /// The quoted message of a reply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<MessageId>,
    /// Group participant a per-participant status is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participant: Option<ChatId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<Media>,
    /// On poll creation messages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poll: Option<PollDef>,
    /// On kind `poll_vote`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vote: Option<Vote>,
    /// A provider's full tally (kind `poll_vote`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poll_snapshot: Option<PollSnapshot>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interactive: Option<InteractiveReply>,
    /// A `(lid, phone)` pair this payload reveals; the store merges the two chats.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lid_map: Option<(ChatId, ChatId)>,
}

impl Event {
    /// An event of `kind` named `event` with every optional field empty.
    pub fn new(kind: Kind, event: impl Into<String>) -> Event {
        Event {
            kind,
            event: event.into(),
            chat: None,
            chat_name: None,
            sender: None,
            sender_name: None,
            from_me: None,
            message_id: None,
            msg_type: None,
            text: None,
            status: None,
            status_label: None,
            target: None,
            emoji: None,
            error: None,
            timestamp_ms: None,
            reply_to: None,
            participant: None,
            media: None,
            poll: None,
            vote: None,
            poll_snapshot: None,
            interactive: None,
            lid_map: None,
        }
    }
}

/// Converts a provider timestamp (seconds, milliseconds, fractional seconds) to milliseconds.
/// Values above 1e12 are already milliseconds.
pub fn to_millis(t: f64) -> i64 {
    if t > 1e12 {
        t as i64
    } else {
        (t * 1000.0).round() as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_ids_fold_to_one_canonical_form() {
        let canon = |s| ChatId::parse(s).unwrap().as_str().to_string();
        assert_eq!(canon("5511999@s.whatsapp.net"), "5511999@c.us");
        assert_eq!(canon("5511999@c.us"), "5511999@c.us");
        assert_eq!(canon("5511999"), "5511999@c.us");
        assert_eq!(canon("+5511999"), "5511999@c.us");
        assert_eq!(canon("5511999:12@s.whatsapp.net"), "5511999@c.us");
        assert_eq!(canon("4555685237:31@lid"), "4555685237@lid");
        assert_eq!(canon("120363@g.us"), "120363@g.us");
        assert_eq!(canon("123-456@g.us"), "123-456@g.us");
        assert_eq!(canon("status@broadcast"), "status@broadcast");
        assert_eq!(
            ChatId::parse("status@broadcast").unwrap().kind(),
            ChatKind::Status
        );
        assert_eq!(
            ChatId::parse("1@newsletter").unwrap().kind(),
            ChatKind::Channel
        );
        assert!(ChatId::parse("  ").is_none());
    }

    #[test]
    fn bare_ids_come_out_of_waha_serialized_ids() {
        assert_eq!(bare_message_id("false_111@c.us_AAAA"), "AAAA");
        assert_eq!(bare_message_id("true_123@g.us_3EB0_9999@lid"), "3EB0");
        assert_eq!(bare_message_id("wamid.HBgL"), "wamid.HBgL");
        assert_eq!(bare_message_id("true_x"), "true_x");
    }

    #[test]
    fn option_hash_matches_whapi() {
        assert_eq!(
            option_hash("Point 2"),
            "PkUcpv6T9mfhcvvYv+/AvR2Viu/lslMGqNBgQA0bDqE="
        );
        assert_eq!(
            option_hash("Option 1"),
            "+uLbCT4d0xBC6KuUJ+hnOnDEP0vFGSNdmiMu+tYHaao="
        );
    }

    #[test]
    fn timestamps_normalise_to_millis() {
        assert_eq!(to_millis(1_700_000_000.0), 1_700_000_000_000);
        assert_eq!(to_millis(1_700_000_000_123.0), 1_700_000_000_123);
        assert_eq!(to_millis(1_710_481_111.853), 1_710_481_111_853);
    }
}
