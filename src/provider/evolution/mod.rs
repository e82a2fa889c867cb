//! Evolution API (Baileys channel, v2.x) webhooks: `{event, instance, data, sender, date_time…}`.
//!
//! Event names are matched case- and separator-insensitively (`messages.upsert`,
//! `MESSAGES_UPSERT`, `messages-upsert` are the same) but reported as sent. `data` may be one
//! object or an array of them (sync events); arrays give one event per item, except `*.set`
//! bulk syncs, which are summarised in one event.
//!
//! This file dispatches on the event name and resolves the parties a Baileys key names; message
//! content is read in `messages.rs`, changes to sent messages (ticks, votes, deletes, edits) in
//! `updates.rs`, and session, presence, call, group, chat and label events in `events.rs`.
//!
//! Assumptions:
//! - The envelope `sender` is the connected number ("me"): the sender of `fromMe` messages.
//! - lid: whichever of `remoteJid`/`remoteJidAlt`/`senderPn` (and `participant`/`participantAlt`/
//!   `participantPn`) is the `@lid` one is mapped to the phone one, and the phone id is used.
//! - `messages.update` with `status: "DELETED"` is kept a status with no ack (issue #2010: edits
//!   arrive that way too), not a revoke. When `pollUpdates` is present the status is Evolution's
//!   fallback and only the votes are emitted.
//! - `pollCreationMessageV3` is a single-choice poll; otherwise `selectableOptionsCount` 1 is
//!   single and 0 or >1 multi. **\[I\]**
//! - `call` payload fields (`from`, `chatId`, `isVideo`, `status`, `date`) follow Baileys'
//!   WACallEvent **\[I\]**.

mod events;
mod messages;
mod updates;

use super::json::{bool_at, chat_at, first_str, millis_at, str_at};
use crate::model::{Ack, ChatId, ChatKind, Event, Kind};
use events::{call, chat_item, connection, group, participants, presence, session_item};
use messages::message;
use serde_json::Value;
use updates::{delete, edited, message_update};

/// Every event in an Evolution body.
pub fn normalize(root: &Value) -> Vec<Event> {
    let name = str_at(root, &["event"]).unwrap_or("unknown");
    let canon: String = name
        .chars()
        .map(|c| match c {
            '_' | '-' => '.',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    let me = chat_at(root, &["sender"]);
    let data = root.get("data").unwrap_or(&Value::Null);
    let items: Vec<&Value> = match data {
        Value::Array(a) => a.iter().collect(),
        Value::Null => Vec::new(),
        d => vec![d],
    };
    let each = |f: &dyn Fn(&Value) -> Event| items.iter().map(|d| f(d)).collect::<Vec<_>>();
    match canon.as_str() {
        "messages.upsert" | "send.message" => each(&|d| message(d, name, me.as_ref())),
        "messages.update" => items
            .iter()
            .flat_map(|d| message_update(d, name, me.as_ref()))
            .collect(),
        "messages.delete" => each(&|d| delete(d, name, me.as_ref())),
        "messages.edited" | "send.message.update" => each(&|d| edited(d, name, me.as_ref())),
        "connection.update" => each(&|d| connection(d, name)),
        "qrcode.updated" => {
            let mut ev = Event::new(Kind::Session, name);
            ev.text = Some("QR code updated".to_owned());
            vec![ev]
        }
        "presence.update" => items.iter().flat_map(|d| presence(d, name)).collect(),
        "call" => each(&|d| call(d, name, me.as_ref())),
        "groups.upsert" | "groups.update" => each(&|d| group(d, name)),
        "group.participants.update" => each(&|d| participants(d, name)),
        c if c.ends_with(".set") || c == "messaging.history.set" => {
            let mut ev = Event::new(Kind::Chat, name);
            ev.text = Some(format!("{} items synced", items.len()));
            vec![ev]
        }
        c if c.starts_with("chats.") || c.starts_with("contacts.") || c.starts_with("labels.") => {
            each(&|d| chat_item(d, name))
        }
        c if c.starts_with("application.")
            || c.starts_with("instance.")
            || c.ends_with(".instance")
            || c.starts_with("typebot.")
            || c == "creds.update" =>
        {
            vec![session_item(data, name)]
        }
        _ => {
            let mut ev = Event::new(Kind::Unknown, name);
            ev.text = Some(format!("unhandled event {name}"));
            vec![ev]
        }
    }
}

/// The chat, sender and lid pair a Baileys key names, with `@lid` ids resolved to phones when
/// the key carries both.
struct Parties {
    chat: Option<ChatId>,
    /// The group participant the key names (phone when resolvable).
    participant: Option<ChatId>,
    sender: Option<ChatId>,
    from_me: Option<bool>,
    lid_map: Option<(ChatId, ChatId)>,
}

/// Of two ids of one party, the (lid, phone) pair when one is each.
fn lid_pair(a: Option<ChatId>, b: Option<ChatId>) -> Option<(ChatId, ChatId)> {
    match (a, b) {
        (Some(a), Some(b)) if a.kind() == ChatKind::Lid && b.kind() == ChatKind::User => {
            Some((a, b))
        }
        (Some(a), Some(b)) if b.kind() == ChatKind::Lid && a.kind() == ChatKind::User => {
            Some((b, a))
        }
        _ => None,
    }
}

/// `key` may be `data.key` or `data` itself (messages.update, messages.delete).
fn parties(key: &Value, data: &Value, me: Option<&ChatId>) -> Parties {
    let remote = first_str(key, &[&["remoteJid"], &["chatId"]]).and_then(ChatId::parse);
    let remote_alt = first_str(key, &[&["remoteJidAlt"], &["senderPn"]])
        .or_else(|| str_at(data, &["senderPn"]))
        .and_then(ChatId::parse);
    let chat_pair = lid_pair(remote.clone(), remote_alt);
    let chat = chat_pair.as_ref().map(|p| p.1.clone()).or(remote);
    let part = chat_at(key, &["participant"]);
    let part_alt = first_str(key, &[&["participantAlt"], &["participantPn"]])
        .or_else(|| str_at(data, &["participantPn"]))
        .and_then(ChatId::parse);
    let part_pair = lid_pair(part.clone(), part_alt.clone());
    let participant = part_pair
        .as_ref()
        .map(|p| p.1.clone())
        .or(part)
        .or(part_alt);
    let from_me = bool_at(key, &["fromMe"]);
    let sender = if from_me == Some(true) {
        me.cloned()
    } else if participant.is_some() {
        participant.clone()
    } else {
        chat.clone()
    };
    Parties {
        chat,
        participant,
        sender,
        from_me,
        lid_map: part_pair.or(chat_pair),
    }
}

fn apply(ev: &mut Event, p: Parties) {
    ev.chat = p.chat;
    ev.sender = p.sender;
    ev.from_me = p.from_me;
    ev.lid_map = p.lid_map;
}

/// Evolution / Baileys status name or number → ack. `None` for DELETED and unknown values.
fn ack(status: &Value) -> (Option<Ack>, Option<String>) {
    let label = match status {
        Value::String(s) if !s.is_empty() => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return (None, None),
    };
    let a = match label.to_ascii_uppercase().as_str() {
        "ERROR" | "0" => Some(Ack::Failed),
        "PENDING" | "1" => Some(Ack::Pending),
        "SERVER_ACK" | "2" => Some(Ack::Sent),
        "DELIVERY_ACK" | "3" => Some(Ack::Delivered),
        "READ" | "4" => Some(Ack::Read),
        "PLAYED" | "5" => Some(Ack::Played),
        _ => None,
    };
    (a, Some(label))
}

/// Baileys timestamps are seconds, sometimes as a protobuf Long `{low, high}`.
fn timestamp(v: &Value, key: &str) -> Option<i64> {
    millis_at(v, &[key]).or_else(|| millis_at(v, &[key, "low"]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{option_hash, MessageId};
    use serde_json::json;

    #[test]
    fn lid_remote_jid_is_resolved_to_the_phone() {
        let body = json!({"event": "messages.upsert", "instance": "i",
            "data": {"key": {"remoteJid": "123456789012345@lid", "fromMe": false, "id": "A",
                     "remoteJidAlt": "5511988887777@s.whatsapp.net", "addressingMode": "lid"},
                     "message": {"conversation": "hi"}, "messageType": "conversation"}});
        let ev = &normalize(&body)[0];
        assert_eq!(ev.chat.as_ref().unwrap().as_str(), "5511988887777@c.us");
        assert_eq!(ev.sender, ev.chat);
        let (lid, phone) = ev.lid_map.clone().unwrap();
        assert_eq!(lid.as_str(), "123456789012345@lid");
        assert_eq!(phone.as_str(), "5511988887777@c.us");
    }

    #[test]
    fn poll_updates_give_one_vote_per_voter_with_all_their_options() {
        let body = json!({"event": "messages.update", "instance": "i",
            "data": {"keyId": "POLL", "remoteJid": "1203@g.us", "fromMe": true,
                "status": "DELETED",
                "pollUpdates": [{"name": "Red", "voters": ["111@s.whatsapp.net", "222@s.whatsapp.net"]},
                                {"name": "Blue", "voters": ["111@s.whatsapp.net"]}]}});
        let evs = normalize(&body);
        assert_eq!(evs.len(), 2);
        let v = evs[0].vote.as_ref().unwrap();
        assert_eq!(v.voter.as_str(), "111@c.us");
        assert_eq!(v.options, vec![option_hash("Red"), option_hash("Blue")]);
        assert_eq!(
            evs[1].vote.as_ref().unwrap().options,
            vec![option_hash("Red")]
        );
    }

    #[test]
    fn upper_snake_names_match_and_are_kept() {
        let body = json!({"event": "MESSAGES_DELETE", "instance": "i",
            "data": {"remoteJid": "1@s.whatsapp.net", "fromMe": false, "id": "X"}});
        let ev = &normalize(&body)[0];
        assert_eq!(ev.kind, Kind::Revoke);
        assert_eq!(ev.event, "MESSAGES_DELETE");
        assert_eq!(ev.target, Some(MessageId::new("X")));
    }

    #[test]
    fn protocol_revoke_inside_edited_is_a_revoke() {
        let body = json!({"event": "messages.edited", "instance": "i",
            "data": {"key": {"remoteJid": "1@s.whatsapp.net", "fromMe": true, "id": "ORIG"},
                     "type": 0}});
        let ev = &normalize(&body)[0];
        assert_eq!(ev.kind, Kind::Revoke);
        assert_eq!(ev.target, Some(MessageId::new("ORIG")));
    }

    #[test]
    fn long_timestamps_are_read() {
        let d = json!({"messageTimestamp": {"low": 1729500000, "high": 0, "unsigned": true}});
        assert_eq!(timestamp(&d, "messageTimestamp"), Some(1_729_500_000_000));
    }
}
