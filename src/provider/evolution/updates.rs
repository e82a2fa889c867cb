//! Changes to messages already sent: ticks and poll votes (`messages.update`), deletes
//! (`messages.delete`) and edits (`messages.edited`, `send.message.update`).

use super::super::json::{arr_at, at, first_str, id_at, str_at, string_at};
use super::messages::{content, protocol};
use super::{ack, apply, parties, timestamp};
use crate::model::{option_hash, ChatId, Event, Kind, MessageId, Vote};
use serde_json::Value;

/// `messages.update`: a tick, or poll votes when `pollUpdates` is present.
pub(super) fn message_update(d: &Value, name: &str, me: Option<&ChatId>) -> Vec<Event> {
    // v2 flattens the key into data; older builds send {key, update:{status}}.
    let key = d.get("key").unwrap_or(d);
    let p = parties(key, d, me);
    let id = first_str(d, &[&["keyId"], &["key", "id"], &["id"]]).map(MessageId::new);
    let ts = timestamp(d, "messageTimestamp");
    let polls = arr_at(d, &["pollUpdates"]);
    if !polls.is_empty() {
        return poll_votes(polls, id, p.chat.as_ref(), name);
    }
    let mut ev = Event::new(Kind::Status, name);
    ev.participant = p.participant;
    ev.chat = p.chat;
    ev.from_me = p.from_me;
    ev.lid_map = p.lid_map;
    ev.message_id = id;
    ev.timestamp_ms = ts;
    let status = d
        .get("status")
        .or_else(|| d.get("update").and_then(|u| u.get("status")))
        .unwrap_or(&Value::Null);
    let (a, label) = ack(status);
    ev.status = a;
    ev.status_label = label;
    vec![ev]
}

/// `pollUpdates: [{name, voters}]` → one vote per voter with every option they appear under.
fn poll_votes(
    polls: &[Value],
    poll: Option<MessageId>,
    chat: Option<&ChatId>,
    name: &str,
) -> Vec<Event> {
    let mut voters: Vec<(ChatId, Vec<String>)> = Vec::new();
    for opt in polls {
        let Some(option) = str_at(opt, &["name"]) else {
            continue;
        };
        for v in arr_at(opt, &["voters"]) {
            let Some(voter) = v.as_str().and_then(ChatId::parse) else {
                continue;
            };
            match voters.iter_mut().find(|(id, _)| *id == voter) {
                Some((_, opts)) => opts.push(option_hash(option)),
                None => voters.push((voter, vec![option_hash(option)])),
            }
        }
    }
    let Some(poll) = poll else {
        return Vec::new();
    };
    voters
        .into_iter()
        .map(|(voter, options)| {
            let mut ev = Event::new(Kind::PollVote, name);
            ev.chat = chat.cloned();
            ev.sender = Some(voter.clone());
            ev.target = Some(poll.clone());
            ev.vote = Some(Vote {
                poll: poll.clone(),
                voter,
                options,
                known: true,
                ts_ms: None,
            });
            ev
        })
        .collect()
}

/// `messages.delete`: data is the deleted message's key.
pub(super) fn delete(d: &Value, name: &str, me: Option<&ChatId>) -> Event {
    let key = d.get("key").unwrap_or(d);
    let mut ev = Event::new(Kind::Revoke, name);
    apply(&mut ev, parties(key, d, me));
    ev.target = id_at(key, &["id"]);
    ev
}

/// `messages.edited` / `send.message.update`: a raw `protocolMessage`, or a prepared message
/// containing one.
pub(super) fn edited(d: &Value, name: &str, me: Option<&ChatId>) -> Event {
    let proto = [
        &["message", "protocolMessage"][..],
        &["message", "editedMessage", "message", "protocolMessage"][..],
        &["protocolMessage"][..],
    ]
    .iter()
    .find_map(|p| at(d, p))
    .unwrap_or(d);
    let mut ev = Event::new(Kind::Edit, name);
    // The outer key (prepared message) is the edit itself; the protocol key is the original.
    let outer = d.get("key").filter(|_| !std::ptr::eq(proto, d));
    let key = outer.or_else(|| proto.get("key")).unwrap_or(&Value::Null);
    apply(&mut ev, parties(key, d, me));
    if outer.is_some() {
        ev.message_id = id_at(key, &["id"]);
        ev.sender_name = string_at(d, &["pushName"]);
    }
    ev.timestamp_ms = timestamp(proto, "timestampMs").or_else(|| timestamp(d, "messageTimestamp"));
    if proto.get("type").is_some() || proto.get("editedMessage").is_some() {
        protocol(proto, &mut ev);
        if proto.get("type").is_none() {
            // An editedMessage without type is still an edit.
            ev.kind = Kind::Edit;
        }
    } else {
        ev.target = id_at(key, &["id"]);
        content(d.get("message").unwrap_or(&Value::Null), None, &mut ev);
        ev.kind = Kind::Edit;
    }
    ev
}
