//! Identities: canonical chat ids (every provider's spelling of a phone number folds into one)
//! and provider message ids with WAHA's bare-id form.

use serde::Serialize;
use std::fmt;

/// What kind of party a chat id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChatKind {
    User,
    Group,
    Channel,
    Lid,
    /// A Meta business-scoped user id (`<BSUID>@bsuid`): a user known without a phone number.
    Bsuid,
    Broadcast,
    Status,
    Other,
}

impl ChatKind {
    /// An id that names a user only until their phone is known: a `@lid` or a Meta business-scoped
    /// user id (`@bsuid`). Its chat folds into the phone's chat once a payload pairs them (see
    /// [`crate::store::chats`]).
    pub fn is_alias(self) -> bool {
        matches!(self, ChatKind::Lid | ChatKind::Bsuid)
    }
}

/// A canonical chat or user id.
///
/// Users are `<digits>@c.us` whatever the provider wrote (`@s.whatsapp.net`, bare digits, `+`
/// prefixes and `:<device>` suffixes all fold into it); groups (`@g.us`), channels
/// (`@newsletter`), `status@broadcast`, broadcast lists and `@lid` ids keep their server.
///
/// A Meta business-scoped user id (BSUID: `US.13491208655302741918`, `US.ENT.…` for a parent
/// BSUID), the only id Meta gives for a user with a username who hides their number, is
/// `<BSUID>@bsuid` (see [`ChatId::bsuid`]): the `@bsuid` server keeps it apart from every phone
/// and lid, and like a lid it folds into the phone's chat once a payload names both.
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
        // Blanks after the `+` go too ("+ 55 11"): left in, the id would start with a blank that
        // `trim` removes on the next parse, so the canonical form would not parse to itself and
        // the same chat could get two ids.
        let user = user.trim_start_matches(|c: char| c == '+' || c.is_whitespace());
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

    /// The chat of a Meta business-scoped user id as Meta wrote it (`US.134…` becomes
    /// `US.134…@bsuid`, case kept: BSUIDs are opaque). `None` when empty, longer than
    /// [`MAX_BSUID_LEN`], or holding `@`, `:`, blanks or control characters: such a value is not a
    /// BSUID, and read as one it could turn into another party's id (`1@c.us`, a device suffix).
    pub fn bsuid(raw: &str) -> Option<ChatId> {
        let raw = raw.trim();
        let bad = |c: char| c == '@' || c == ':' || c.is_whitespace() || c.is_control();
        if raw.is_empty() || raw.len() > MAX_BSUID_LEN || raw.contains(bad) {
            return None;
        }
        Some(ChatId(format!("{raw}@bsuid")))
    }

    /// The canonical string form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Rewrites the id's text in place, without canonicalising the result: for display copies
    /// ([`crate::display`]), where the text is a canonical id with its unsafe characters made
    /// visible or its phone number masked (`#k3x9q2@c.us`), and must stay one chat per original.
    pub fn rewrite(&mut self, f: impl FnOnce(&mut String)) {
        f(&mut self.0)
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
            "bsuid" => ChatKind::Bsuid,
            "broadcast" if self.0 == "status@broadcast" => ChatKind::Status,
            "broadcast" => ChatKind::Broadcast,
            _ => ChatKind::Other,
        }
    }

    /// A short human label: `+5511999…` for users, the id otherwise. A user id that is not
    /// a number (a masked one under `--redact`, `#k3x9q2`) shows as it is.
    pub fn label(&self) -> String {
        let user = self.user_part();
        match self.kind() {
            ChatKind::User if user.bytes().all(|b| b.is_ascii_digit()) => format!("+{user}"),
            ChatKind::User => user.to_owned(),
            _ => self.0.clone(),
        }
    }
}

impl fmt::Display for ChatId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Longest business-scoped user id kept: Meta's are a country code, an optional `ENT.` and up to
/// 128 alphanumerics.
pub const MAX_BSUID_LEN: usize = 160;

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
