//! The closed sets of names: providers, event kinds, message types and acks, each with its
//! stable lower-case spelling (used in NDJSON, filters and flags).

use serde::Serialize;
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
    /// Evolution GO (whatsmeow-based): `{event, data: {Info, Message | MessageIDs, ...}, instanceId}`.
    EvolutionGo,
    /// Twilio's WhatsApp senders: `application/x-www-form-urlencoded` forms.
    Twilio,
    /// Green API: `{typeWebhook, instanceData, timestamp, ...}`.
    GreenApi,
    /// Z-API: `{type: "...Callback", instanceId, phone, ...}`.
    Zapi,
    /// JSON of no known shape, or not JSON at all.
    Unknown,
}

impl Provider {
    /// Every provider that has a wire format, in display order.
    pub const KNOWN: [Provider; 9] = [
        Provider::Waha,
        Provider::Whapi,
        Provider::Meta,
        Provider::Evolution,
        Provider::Instance,
        Provider::EvolutionGo,
        Provider::Twilio,
        Provider::GreenApi,
        Provider::Zapi,
    ];

    /// The stable lower-case name used in NDJSON, filters and CLI flags.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Waha => "waha",
            Provider::Whapi => "whapi",
            Provider::Meta => "meta",
            Provider::Evolution => "evolution",
            Provider::Instance => "instance",
            Provider::EvolutionGo => "evolution_go",
            Provider::Twilio => "twilio",
            Provider::GreenApi => "greenapi",
            Provider::Zapi => "zapi",
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
