//! WAHA (devlikeapro "WhatsApp HTTP API") and WAHA-based services such as Wappfy.
//!
//! A body is one envelope `{id?, timestamp?, event, session, me?, engine?, payload}` carrying one
//! event; this module turns it into [`Event`]s. Message-shaped payloads (`message`,
//! `message.any`, `message.waiting`, `message.edited`, `message.reaction`) are read in
//! `message`; everything else (acks, revokes, votes, session, group, presence, calls, labels)
//! here.
//!
//! Assumptions:
//! - Only the normalised top-level fields are trusted for ids, parties and times; the
//!   engine-raw `_data` is read for the message type (WEBJS/WPP `_data.type`, NOWEB
//!   `_data.message.<key>`, GOWS `_data.Message.<key>`), names and lid↔phone pairs only.
//! - The chat of an ack is the chat part of the serialized id `{fromMe}_{chat}_{id}[_{participant}]`
//!   (the one place every engine agrees on); `from`/`to` are the fallback.
//! - Wappfy's webhook body is assumed to be the WAHA envelope (unverified, providers.md §1.10).
//! - WAHA-based services on WEBJS may send whatsapp-web.js's own edit/revoke shapes (Wawp:
//!   `{id, newBody, prevBody}`, `{id, revokedBy}`); there `id` is the edited or deleted message.
//! - A payload with none of the fields its event needs (empty, or the docs' "revoked" example
//!   sent as `message.ack` with only `before`/`after`) yields one event of kind `unknown` whose
//!   text names the event and the payload keys: there is no message or tick to show.

mod content;
mod events;
mod message;

use super::json::{at, bool_at, millis_at, str_at};
use crate::model::{Ack, ChatId, ChatKind, Event, Kind};
use serde_json::Value;

/// Envelope facts every payload reader needs.
pub(crate) struct Ctx<'a> {
    /// The `event` string as sent.
    pub event: &'a str,
    /// The connected account (`me.id`), canonical.
    pub me: Option<ChatId>,
    /// Its lid, when the envelope says (`me.lid`, newer GOWS).
    pub me_lid: Option<ChatId>,
    pub me_name: Option<String>,
    /// Envelope time (ms), the fallback for payloads without their own time.
    pub ts_ms: Option<i64>,
}

/// Every event in a WAHA body.
pub fn normalize(root: &Value) -> Vec<Event> {
    let Some(event) = str_at(root, &["event"]) else {
        return Vec::new();
    };
    let ctx = Ctx {
        event,
        me: str_at(root, &["me", "id"]).and_then(ChatId::parse),
        me_lid: str_at(root, &["me", "lid"]).and_then(ChatId::parse),
        me_name: str_at(root, &["me", "pushName"]).map(str::to_owned),
        ts_ms: millis_at(root, &["timestamp"]),
    };
    let null = Value::Null;
    let payload = root.get("payload").unwrap_or(&null);
    match payload {
        // Not documented, but cheap to tolerate: a batch of payloads under one event name.
        Value::Array(items) => items.iter().flat_map(|p| dispatch(&ctx, p)).collect(),
        p => dispatch(&ctx, p),
    }
}

fn dispatch(ctx: &Ctx, p: &Value) -> Vec<Event> {
    let one = |ev: Event| vec![ev];
    if p.as_object().is_none_or(|o| o.is_empty()) && ctx.event != "engine.event" {
        // The docs' placeholders (`"payload": {}`) and null payloads carry nothing to show.
        let mut ev = Event::new(Kind::Unknown, ctx.event);
        ev.text = Some(format!("{} with empty payload", ctx.event));
        ev.timestamp_ms = ctx.ts_ms;
        return one(ev);
    }
    match ctx.event {
        "message" | "message.any" | "message.waiting" => one(message::message(ctx, p)),
        "message.edited" => one(message::edited(ctx, p)),
        "message.reaction" => one(message::reaction(ctx, p)),
        "message.ack" | "message.ack.group" => one(events::ack(ctx, p)),
        "message.revoked" => one(events::revoked(ctx, p)),
        "poll.vote" | "poll.vote.failed" => one(events::vote(ctx, p)),
        "presence.update" => events::presence(ctx, p),
        "event.response" | "event.response.failed" => one(message::event_response(ctx, p)),
        e if e.starts_with("session.") || e == "state.change" => one(events::session(ctx, p)),
        e if e.starts_with("group.") => one(events::group(ctx, p)),
        e if e.starts_with("call.") => one(events::call(ctx, p)),
        e if e.starts_with("label.") || e.starts_with("chat.") => one(events::chat(ctx, p)),
        "engine.event" => {
            let mut ev = Event::new(Kind::Unknown, ctx.event);
            let raw = str_at(p, &["event"]).unwrap_or("?");
            ev.text = Some(format!("engine event {raw}"));
            ev.timestamp_ms = ctx.ts_ms;
            one(ev)
        }
        other => {
            let mut ev = Event::new(Kind::Unknown, other);
            ev.text = Some(format!("unhandled event {other}"));
            ev.timestamp_ms = ctx.ts_ms;
            one(ev)
        }
    }
}

/// The parts of a serialized id `{fromMe}_{chat}_{id}[_{participant}]`: (from_me, chat, bare,
/// participant). `None` for ids of another shape.
pub(crate) fn id_parts(id: &str) -> Option<(bool, &str, &str, Option<&str>)> {
    let (from_me, rest) = if let Some(r) = id.strip_prefix("true_") {
        (true, r)
    } else {
        (false, id.strip_prefix("false_")?)
    };
    let mut parts = rest.splitn(3, '_');
    let chat = parts.next().filter(|c| c.contains('@'))?;
    let bare = parts.next().filter(|b| !b.is_empty())?;
    let participant = parts.next().filter(|p| p.contains('@'));
    Some((from_me, chat, bare, participant))
}

/// A party id, with WAHA's `"me"` placeholder (poll votes in DMs) treated as absent.
pub(crate) fn party(v: &Value, path: &[&str]) -> Option<ChatId> {
    str_at(v, path)
        .filter(|s| !s.eq_ignore_ascii_case("me"))
        .and_then(ChatId::parse)
}

/// True for chats whose writer is not the chat itself (groups, channels, broadcasts).
pub(crate) fn is_multi(chat: &ChatId) -> bool {
    !matches!(chat.kind(), ChatKind::User | ChatKind::Lid)
}

/// `(status, label)` from WAHA's `ack` (-1..4) and `ackName`. The number wins when both are
/// present; UNKNOWN, null and out-of-range values give no status but keep the label.
pub(crate) fn ack_of(p: &Value) -> (Option<Ack>, Option<String>) {
    let num = super::json::num_at(p, &["ack"]).map(|n| n.round() as i64);
    let name = str_at(p, &["ackName"]);
    let from_num = num.and_then(|n| {
        Some(match n {
            -1 => (Ack::Failed, "ERROR"),
            0 => (Ack::Pending, "PENDING"),
            1 => (Ack::Sent, "SERVER"),
            2 => (Ack::Delivered, "DEVICE"),
            3 => (Ack::Read, "READ"),
            4 => (Ack::Played, "PLAYED"),
            _ => return None,
        })
    });
    let from_name = name.and_then(|s| {
        Some(match s.to_ascii_uppercase().as_str() {
            "ERROR" => Ack::Failed,
            "PENDING" => Ack::Pending,
            "SERVER" => Ack::Sent,
            "DEVICE" => Ack::Delivered,
            "READ" => Ack::Read,
            "PLAYED" => Ack::Played,
            _ => return None,
        })
    });
    let status = from_num
        .map(|(a, _)| a)
        .or(if num.is_none() { from_name } else { None });
    let label = match (num, name, from_num) {
        (Some(n), Some(s), _) => Some(format!("{n} {s}")),
        (Some(n), None, Some((_, s))) => Some(format!("{n} {s}")),
        (Some(n), None, None) => Some(n.to_string()),
        (None, Some(s), _) => Some(s.to_owned()),
        (None, None, _) => None,
    };
    (status, label)
}

/// A readable failure from WAHA's ack `error` (`{code, reason, blocked, ...}` or a string).
pub(crate) fn error_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Object(_) => {
            let code = match at(v, &["code"]) {
                Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
                Some(Value::Number(n)) => Some(n.to_string()),
                _ => None,
            };
            let reason = super::json::first_str(v, &[&["reason"], &["message"], &["text"]]);
            let mut out = match (code, reason) {
                (Some(c), Some(r)) => format!("{c}: {r}"),
                (Some(c), None) => c,
                (None, Some(r)) => r.to_owned(),
                (None, None) => super::json::clip(&v.to_string(), 120),
            };
            if bool_at(v, &["blocked"]) == Some(true) {
                out.push_str(" (blocked)");
            }
            Some(out)
        }
        _ => None,
    }
}

/// `(lid, phone)` pairs the engine-raw `_data` reveals (NOWEB `key.*Alt`/`*Pn`, GOWS
/// `Info.*Alt`), in priority order: sender first, then chat.
pub(crate) fn lid_pairs(p: &Value) -> Vec<(ChatId, ChatId)> {
    // Never pair two different parties (e.g. GOWS Info.Sender with Info.Chat): for a message I
    // send, that would map my phone onto the contact's lid.
    const PAIRS: [(&[&str], &[&str]); 6] = [
        (&["key", "participant"], &["key", "participantAlt"]),
        (&["key", "participant"], &["key", "participantPn"]),
        (&["Info", "Sender"], &["Info", "SenderAlt"]),
        (&["key", "remoteJid"], &["key", "remoteJidAlt"]),
        (&["key", "remoteJid"], &["key", "senderPn"]),
        (&["Info", "Chat"], &["Info", "RecipientAlt"]),
    ];
    let Some(data) = p.get("_data") else {
        return Vec::new();
    };
    let mut out: Vec<(ChatId, ChatId)> = Vec::new();
    for (a, b) in PAIRS {
        let (Some(a), Some(b)) = (ci_chat(data, a), ci_chat(data, b)) else {
            continue;
        };
        let pair = match (a.kind(), b.kind()) {
            (ChatKind::Lid, ChatKind::User) => (a, b),
            (ChatKind::User, ChatKind::Lid) => (b, a),
            _ => continue,
        };
        if !out.contains(&pair) {
            out.push(pair);
        }
    }
    out
}

/// Replaces `id` by the phone id when a lid pair names it; returns the pair used.
pub(crate) fn resolve_lid(
    id: &mut Option<ChatId>,
    pairs: &[(ChatId, ChatId)],
) -> Option<(ChatId, ChatId)> {
    let cur = id.as_ref()?;
    let pair = pairs.iter().find(|(lid, _)| lid == cur)?;
    *id = Some(pair.1.clone());
    Some(pair.clone())
}

/// Object member `key`, matching ASCII case-insensitively: GOWS sends whatsmeow structs and
/// protos in PascalCase or camelCase, NOWEB in camelCase.
pub(crate) fn ci<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    let obj = v.as_object()?;
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// [`ci`] along a path.
pub(crate) fn ci_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |cur, k| ci(cur, k))
}

/// A non-empty string at a case-insensitive path.
pub(crate) fn ci_str<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    ci_at(v, path)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn ci_chat(v: &Value, path: &[&str]) -> Option<ChatId> {
    ci_str(v, path).and_then(ChatId::parse)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn serialized_ids_split_into_parts() {
        assert_eq!(
            id_parts("true_123@g.us_3EB0ABC_9999@lid"),
            Some((true, "123@g.us", "3EB0ABC", Some("9999@lid")))
        );
        assert_eq!(
            id_parts("false_111@c.us_AAAA"),
            Some((false, "111@c.us", "AAAA", None))
        );
        assert_eq!(id_parts("AAAA"), None);
        assert_eq!(id_parts("true_nochat_AAAA"), None);
        assert_eq!(id_parts("false_1@c.us_"), None);
    }

    #[test]
    fn acks_map_number_first_and_keep_unknown_labels() {
        let f = |v: Value| ack_of(&v);
        assert_eq!(
            f(json!({"ack": 3, "ackName": "READ"})),
            (Some(Ack::Read), Some("3 READ".into()))
        );
        assert_eq!(
            f(json!({"ack": -1})),
            (Some(Ack::Failed), Some("-1 ERROR".into()))
        );
        assert_eq!(
            f(json!({"ack": null, "ackName": "UNKNOWN"})),
            (None, Some("UNKNOWN".into()))
        );
        assert_eq!(
            f(json!({"ackName": "DEVICE"})),
            (Some(Ack::Delivered), Some("DEVICE".into()))
        );
        assert_eq!(f(json!({"ack": 7})), (None, Some("7".into())));
        assert_eq!(
            f(json!({"ack": "2"})),
            (Some(Ack::Delivered), Some("2 DEVICE".into()))
        );
        assert_eq!(f(json!({})), (None, None));
    }

    #[test]
    fn ack_errors_read_as_code_and_reason() {
        let e = json!({"code": "463", "blocked": true, "reason": "account_restricted"});
        assert_eq!(error_text(&e).unwrap(), "463: account_restricted (blocked)");
        assert_eq!(error_text(&json!({"code": 479})).unwrap(), "479");
        assert_eq!(error_text(&json!("boom")).unwrap(), "boom");
        assert_eq!(error_text(&Value::Null), None);
    }

    #[test]
    fn lid_pairs_come_from_either_direction_and_any_case() {
        let p = json!({"_data": {"key": {"remoteJid": "123@lid",
            "remoteJidAlt": "5511999@s.whatsapp.net"}}});
        let pairs = lid_pairs(&p);
        assert_eq!(pairs.len(), 1);
        assert_eq!(pairs[0].0.as_str(), "123@lid");
        assert_eq!(pairs[0].1.as_str(), "5511999@c.us");
        let g = json!({"_data": {"info": {"sender": "5511999:3@s.whatsapp.net",
            "senderAlt": "77:3@lid", "chat": "1203@g.us"}}});
        let pairs = lid_pairs(&g);
        assert_eq!(
            pairs,
            vec![(
                ChatId::parse("77@lid").unwrap(),
                ChatId::parse("5511999@c.us").unwrap()
            )]
        );
        assert!(lid_pairs(&json!({"_data": {"key": {"remoteJid": "1@c.us"}}})).is_empty());
    }

    #[test]
    fn never_panics_on_odd_payloads() {
        for payload in [
            json!(null),
            json!(1),
            json!("x"),
            json!([]),
            json!({}),
            json!([1, {}]),
        ] {
            for event in [
                "message",
                "message.ack",
                "message.revoked",
                "poll.vote",
                "presence.update",
                "group.v2.participants",
                "call.received",
                "label.chat.added",
                "message.reaction",
                "message.edited",
                "event.response",
                "session.status",
                "engine.event",
                "zzz",
            ] {
                let _ = normalize(&json!({"event": event, "session": "s", "payload": payload}));
            }
        }
    }
}

#[cfg(test)]
mod flow_tests {
    use super::*;
    use crate::model::{option_hash, MessageType};
    use serde_json::json;

    fn one(body: Value) -> Event {
        let mut evs = normalize(&body);
        assert_eq!(evs.len(), 1, "{evs:?}");
        evs.remove(0)
    }

    #[test]
    fn votes_never_use_me_as_the_chat() {
        // I voted on a contact's poll in our DM: "me" is neither chat nor voter id.
        let ev = one(json!({"event": "poll.vote", "session": "s",
            "me": {"id": "7111@c.us"},
            "payload": {"vote": {"id": "true_5511@c.us_V1", "from": "me", "to": "5511@c.us",
                "fromMe": true, "selectedOptions": [{"name": "A"}], "timestamp": 1700000000},
              "poll": {"id": "false_5511@c.us_P1", "from": "5511@c.us", "to": "me"}}}));
        assert_eq!(ev.chat.unwrap().as_str(), "5511@c.us");
        let vote = ev.vote.unwrap();
        assert_eq!(vote.voter.as_str(), "7111@c.us");
        assert_eq!(vote.options, vec![option_hash("A")]);
        assert_eq!(vote.ts_ms, Some(1_700_000_000_000));
    }

    #[test]
    fn outgoing_group_messages_are_in_the_group_and_written_by_me() {
        let ev = one(
            json!({"event": "message.any", "session": "s", "me": {"id": "7111@c.us"},
            "payload": {"id": "true_1203@g.us_X", "from": "7111@c.us", "to": "1203@g.us",
                "fromMe": true, "body": "hi", "_data": {"type": "chat"}}}),
        );
        assert_eq!(ev.chat.unwrap().as_str(), "1203@g.us");
        assert_eq!(ev.sender.unwrap().as_str(), "7111@c.us");
        assert_eq!(ev.chat_name, None);
    }

    #[test]
    fn revokes_fall_back_to_before_and_after_ids() {
        let ev = one(json!({"event": "message.revoked", "session": "s",
            "payload": {"before": {"id": "false_1@c.us_OLD", "from": "1@c.us"}, "after": null}}));
        assert_eq!(ev.kind, Kind::Revoke);
        assert_eq!(ev.target.unwrap().bare(), "OLD");
        assert_eq!(ev.chat.unwrap().as_str(), "1@c.us");
    }

    #[test]
    fn webjs_style_group_revokes_name_who_deleted() {
        // An admin deletes a member's message: the writer is in the id, the deleter in
        // `revokedBy` (Wawp's `{id, revokedBy}`).
        let ev = one(json!({"event": "message.revoked", "session": "s",
            "payload": {"id": "false_1203@g.us_3EB0X_5511@c.us", "revokedBy": "5599@c.us"}}));
        assert_eq!(ev.kind, Kind::Revoke);
        assert_eq!(ev.target.unwrap().bare(), "3EB0X");
        assert_eq!(ev.chat.unwrap().as_str(), "1203@g.us");
        assert_eq!(ev.sender.unwrap().as_str(), "5599@c.us");
        let empty = one(json!({"event": "message.revoked", "session": "s",
            "payload": {"after": {}, "before": {}, "revokedBy": "5599@c.us"}}));
        assert_eq!(
            empty.kind,
            Kind::Unknown,
            "nothing names the deleted message"
        );
    }

    #[test]
    fn edits_without_an_edited_id_keep_the_payload_id_and_new_body() {
        let ev = one(json!({"event": "message.edited", "session": "s",
            "payload": {"id": "true_1@c.us_3EB0E", "newBody": "new", "prevBody": "old"}}));
        assert_eq!(ev.kind, Kind::Edit);
        assert_eq!(ev.target.unwrap().as_str(), "true_1@c.us_3EB0E");
        assert_eq!(ev.text.as_deref(), Some("new"));
        assert_eq!(ev.from_me, Some(true));
    }

    #[test]
    fn reactions_inside_noweb_messages_become_reactions() {
        let ev = one(json!({"event": "message", "session": "s",
            "payload": {"id": "false_1@c.us_R", "from": "1@c.us",
                "_data": {"message": {"reactionMessage": {"text": "👍", "key": {"id": "T"}}}}}}));
        assert_eq!(ev.kind, Kind::Reaction);
        assert_eq!(ev.emoji.as_deref(), Some("👍"));
        assert_eq!(ev.target.unwrap().as_str(), "T");
        assert_eq!(ev.msg_type, None::<MessageType>);
    }

    #[test]
    fn my_lid_resolves_to_my_phone() {
        let ev = one(json!({"event": "message.any", "session": "s",
            "me": {"id": "7111@c.us", "lid": "999:2@lid"},
            "payload": {"id": "true_1203@g.us_X", "to": "1203@g.us", "fromMe": true,
                "participant": "999@lid", "body": "x"}}));
        assert_eq!(ev.sender.unwrap().as_str(), "7111@c.us");
    }
}
