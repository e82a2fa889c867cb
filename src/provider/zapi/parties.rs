//! Who a Z-API body is about: its chat, sender and any lid ↔ phone pair, in wamon's canonical
//! [`ChatId`] forms.
//!
//! Z-API writes users as bare digits (`5544999999999`), groups as `<id>-group` (older groups
//! `<creator>-<ts>-group`), broadcast lists as `<id>-broadcast`, channels as `<id>@newsletter`,
//! and hidden numbers as `<digits>@lid` (`chatLid`, `senderLid`, `participantLid`).

use super::super::json::{bool_at, first_str, str_at};
use crate::model::{ChatId, ChatKind};
use serde_json::Value;

/// A Z-API chat id (`phone`) in canonical form. `is_group` / `is_newsletter` are the body's
/// flags, used when the id has no suffix saying what it is.
pub(super) fn chat_id(raw: &str, is_group: bool, is_newsletter: bool) -> Option<ChatId> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    if raw.contains('@') {
        return ChatId::parse(raw);
    }
    if let Some(id) = raw.strip_suffix("-group").filter(|id| !id.is_empty()) {
        return ChatId::parse(&format!("{id}@g.us"));
    }
    if let Some(id) = raw.strip_suffix("-broadcast").filter(|id| !id.is_empty()) {
        return ChatId::parse(&format!("{id}@broadcast"));
    }
    if raw == "status" {
        return ChatId::parse("status@broadcast");
    }
    if is_group {
        return ChatId::parse(&format!("{raw}@g.us"));
    }
    if is_newsletter {
        return ChatId::parse(&format!("{raw}@newsletter"));
    }
    ChatId::parse(raw)
}

/// A user's phone (`participantPhone`, `connectedPhone`, a status `participant`): digits
/// (with `+`, blanks or dashes) or an id with a server. Anything else, such as the prose the
/// docs put in some example fields, is no party.
pub(super) fn user_id(raw: &str) -> Option<ChatId> {
    let raw = raw.trim();
    let phone_like = !raw.is_empty()
        && raw.chars().any(|c| c.is_ascii_digit())
        && raw
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')'));
    if raw.contains('@') || phone_like {
        ChatId::parse(raw)
    } else {
        None
    }
}

/// A lid: `<digits>@lid` as sent, or bare digits (some fields drop the server).
pub(super) fn lid_id(raw: &str) -> Option<ChatId> {
    let raw = raw.trim();
    if raw.contains('@') {
        return ChatId::parse(raw).filter(|c| c.kind() == ChatKind::Lid);
    }
    (!raw.is_empty() && raw.chars().all(|c| c.is_ascii_digit()))
        .then(|| ChatId::parse(&format!("{raw}@lid")))
        .flatten()
}

/// The chat a body names in `phone`.
pub(super) fn chat_of(root: &Value) -> Option<ChatId> {
    let flag = |k: &str| bool_at(root, &[k]) == Some(true);
    str_at(root, &["phone"]).and_then(|p| chat_id(p, flag("isGroup"), flag("isNewsletter")))
}

/// Whether `chat` holds many people (a group, channel or broadcast list), where the sender is
/// a participant rather than the chat itself.
pub(super) fn is_multi(chat: &ChatId) -> bool {
    matches!(
        chat.kind(),
        ChatKind::Group | ChatKind::Channel | ChatKind::Broadcast | ChatKind::Status
    )
}

/// The parties of a `ReceivedCallback`.
pub(super) struct Parties {
    pub chat: Option<ChatId>,
    pub sender: Option<ChatId>,
    pub from_me: Option<bool>,
    pub lid_map: Option<(ChatId, ChatId)>,
}

/// The (lid, phone) pair when `phone` is a phone id and `lid` a lid.
fn pair(phone: Option<&ChatId>, lid: Option<ChatId>) -> Option<(ChatId, ChatId)> {
    match (phone, lid) {
        (Some(p), Some(l)) if p.kind() == ChatKind::User => Some((l, p.clone())),
        _ => None,
    }
}

/// Chat, sender and lid pair of a `ReceivedCallback`: in a group the sender is
/// `participantPhone` (its lid `participantLid`); in a direct chat the contact is `phone` (its
/// lid `chatLid`, or `senderLid` on what they sent); what we sent (`fromMe`) is sent by
/// `connectedPhone`.
pub(super) fn parties(root: &Value) -> Parties {
    let chat = chat_of(root);
    let from_me = bool_at(root, &["fromMe"]);
    let me = str_at(root, &["connectedPhone"]).and_then(user_id);
    let multi = chat.as_ref().is_some_and(is_multi);
    let (mut sender, lid_map) = if multi {
        let phone = str_at(root, &["participantPhone"]).and_then(user_id);
        let lid = str_at(root, &["participantLid"]).and_then(lid_id);
        let lid_map = pair(phone.as_ref(), lid.clone());
        (phone.or(lid), lid_map)
    } else {
        let lid = if from_me == Some(true) {
            str_at(root, &["chatLid"])
        } else {
            first_str(root, &[&["chatLid"], &["senderLid"]])
        }
        .and_then(lid_id);
        (chat.clone(), pair(chat.as_ref(), lid))
    };
    if from_me == Some(true) {
        sender = me.or(sender);
    }
    Parties {
        chat,
        sender,
        from_me,
        lid_map,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canon(raw: &str, group: bool) -> String {
        chat_id(raw, group, false).unwrap().as_str().to_owned()
    }

    #[test]
    fn zapi_ids_fold_to_canonical_forms() {
        assert_eq!(canon("5544999999999", false), "5544999999999@c.us");
        assert_eq!(
            canon("120363019502650977-group", true),
            "120363019502650977@g.us"
        );
        assert_eq!(
            canon("554499999999-1623281429-group", false),
            "554499999999-1623281429@g.us"
        );
        assert_eq!(canon("120363019502650977", true), "120363019502650977@g.us");
        assert_eq!(canon("1774895799-broadcast", false), "1774895799@broadcast");
        assert_eq!(
            canon("5544999999999@newsletter", false),
            "5544999999999@newsletter"
        );
        assert_eq!(canon("81896604192873@lid", false), "81896604192873@lid");
        assert_eq!(
            chat_id("120363166555745933", false, true).unwrap().as_str(),
            "120363166555745933@newsletter"
        );
        assert!(chat_id(" ", false, false).is_none());
        // A bare "-group" is no group: it stays a (strange) user id rather than "@g.us".
        assert_ne!(canon("-group", false), "@g.us");
    }

    #[test]
    fn prose_is_no_phone_and_bare_lids_get_their_server() {
        assert!(user_id("If it's a group, this will be the participant").is_none());
        assert_eq!(
            user_id("+55 44 9999-9999").unwrap().as_str(),
            "554499999999@c.us"
        );
        assert_eq!(
            lid_id("279959373349089").unwrap().as_str(),
            "279959373349089@lid"
        );
        assert!(lid_id("5511@s.whatsapp.net").is_none());
    }

    #[test]
    fn direct_chat_lid_pairs_with_the_phone_and_we_send_our_own() {
        let p = parties(&json!({"phone": "5544999999999", "fromMe": false,
            "senderLid": "81896604192873@lid", "connectedPhone": "554488888888"}));
        assert_eq!(p.sender, p.chat);
        let (lid, phone) = p.lid_map.unwrap();
        assert_eq!(
            (lid.as_str(), phone.as_str()),
            ("81896604192873@lid", "5544999999999@c.us")
        );
        // senderLid on what we sent is our own lid, not the chat's.
        let mine = parties(&json!({"phone": "5544999999999", "fromMe": true,
            "senderLid": "1@lid", "connectedPhone": "554488888888"}));
        assert_eq!(mine.sender.unwrap().as_str(), "554488888888@c.us");
        assert!(mine.lid_map.is_none());
    }

    #[test]
    fn group_sender_is_the_participant() {
        let p = parties(
            &json!({"phone": "120363140928731556-group", "isGroup": true,
            "participantPhone": "556696531869", "participantLid": "6949928235169@lid"}),
        );
        assert_eq!(p.chat.unwrap().as_str(), "120363140928731556@g.us");
        assert_eq!(p.sender.unwrap().as_str(), "556696531869@c.us");
        assert_eq!(p.lid_map.unwrap().0.as_str(), "6949928235169@lid");
    }
}
