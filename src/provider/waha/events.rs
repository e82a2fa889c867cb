//! Non-message WAHA payloads: acks, revokes, poll votes, presence, session, group, call, label
//! and archive events (providers.md §1.4–§1.7).

use super::content::{content, Special};
use super::{ack_of, error_text, id_parts, lid_pairs, message, party, resolve_lid, Ctx};
use crate::model::{option_hash, ChatId, Event, Kind, MessageId, Vote};
use crate::provider::json::{arr_at, bool_at, clip, first_str, millis_at, str_at};
use serde_json::Value;

/// `message.ack` / `message.ack.group`: kind `status` about `payload.id`; the chat is the chat
/// part of that id, the participant (group acks) `payload.participant` or the id's 4th part.
pub(super) fn ack(ctx: &Ctx, p: &Value) -> Event {
    let id = str_at(p, &["id"]);
    let (status, label) = ack_of(p);
    if id.is_none() && label.is_none() {
        // E.g. the docs' "message.revoked" example, which is sent as message.ack with only
        // before/after: there is no message and no ack to show a tick for.
        return unknown(ctx, p, "without message id or ack");
    }
    let mut ev = Event::new(Kind::Status, ctx.event);
    let parts = id.and_then(id_parts);
    ev.message_id = id.map(MessageId::new);
    ev.from_me = bool_at(p, &["fromMe"]).or(parts.map(|x| x.0));
    let mine = ev.from_me == Some(true);
    let direct = if mine { &["to"] } else { &["from"] };
    let mut chat = parts
        .and_then(|x| ChatId::parse(x.1))
        .or_else(|| party(p, direct));
    let mut participant =
        party(p, &["participant"]).or_else(|| parts.and_then(|x| x.3).and_then(ChatId::parse));
    let pairs = lid_pairs(p);
    ev.lid_map = resolve_lid(&mut participant, &pairs).or(resolve_lid(&mut chat, &pairs));
    ev.chat = chat;
    ev.participant = participant;
    ev.status = status;
    ev.status_label = label;
    ev.error = p.get("error").and_then(error_text);
    ev.timestamp_ms = millis_at(p, &["timestamp"]).or(ctx.ts_ms);
    ev
}

/// `message.revoked`, kind `revoke` aimed (`target`) at the deleted message. The shapes:
/// - WAHA (docs, all engines): `{after, before, revokedMessageId}`; `after` is the revoke action
///   (WEBJS: the deleted message itself, now of type "revoked"), `before` the original (usually
///   null), `revokedMessageId` the bare id of the deleted message (absent before 2025).
/// - WPP: `before`/`after` are message keys `{id, remoteJid, fromMe}` (bare ids).
/// - whatsapp-web.js-shaped (Wawp, WEBJS): `{id, revokedBy}`, `id` being the deleted message.
pub(super) fn revoked(ctx: &Ctx, p: &Value) -> Event {
    // Hypersender's NOWEB example sends `"before": {}`: an empty object names nothing.
    let obj = |k: &str| {
        p.get(k)
            .filter(|v| v.as_object().is_some_and(|o| !o.is_empty()))
    };
    let (after, before) = (obj("after"), obj("before"));
    let msg = after.or(before).unwrap_or(p);
    let mut ev = message::base(ctx, msg, Kind::Revoke);
    let proto_target = |v: &Value| match content(v).special {
        Special::Revoke { target } => target,
        _ => None,
    };
    ev.target = str_at(p, &["revokedMessageId"])
        .or_else(|| before.and_then(|b| str_at(b, &["id"])))
        .map(MessageId::new)
        // Older NOWEB/GOWS: the revoke proto's key, in `after._data` or the payload's `_data`;
        // `after.id` there is the revoke action, not the deleted message.
        .or_else(|| after.and_then(proto_target))
        .or_else(|| proto_target(p))
        .or_else(|| after.and_then(|a| str_at(a, &["id"])).map(MessageId::new))
        .or_else(|| match (after, before) {
            (None, None) => str_at(p, &["id"]).map(MessageId::new),
            _ => None,
        });
    if ev.target.is_none() && ev.message_id.is_none() {
        return unknown(ctx, p, "without message ids");
    }
    if ev.chat.is_none() {
        ev.chat = party(msg, &["remoteJid"]);
    }
    if let Some(by) = party(p, &["revokedBy"]) {
        // Who deleted it: the writer, or a group admin.
        ev.sender = Some(by);
        ev.sender_name = None;
    }
    ev
}

/// `poll.vote` / `poll.vote.failed`: the voter's complete selection, by option name.
pub(super) fn vote(ctx: &Ctx, p: &Value) -> Event {
    let failed = ctx.event.ends_with(".failed");
    let null = Value::Null;
    let v = p.get("vote").unwrap_or(&null);
    let poll = p.get("poll").unwrap_or(&null);
    let mut ev = Event::new(Kind::PollVote, ctx.event);
    ev.message_id = str_at(v, &["id"]).map(MessageId::new);
    ev.target = str_at(poll, &["id"]).map(MessageId::new);
    ev.from_me = bool_at(v, &["fromMe"]);
    let mine = ev.from_me == Some(true);
    let mut voter = party(v, &["from"]).or_else(|| if mine { ctx.me.clone() } else { None });
    // "me" (and my own id) is not a chat: in DMs the chat is the other party.
    let not_me = |c: &ChatId| ctx.me.as_ref() != Some(c);
    let id_chat = |x: &Value| {
        str_at(x, &["id"])
            .and_then(id_parts)
            .and_then(|x| ChatId::parse(x.1))
    };
    let mut chat = [party(poll, &["to"]), party(v, &["to"])]
        .into_iter()
        .flatten()
        .find(not_me)
        .or_else(|| voter.clone().filter(not_me))
        .or_else(|| id_chat(v))
        .or_else(|| id_chat(poll));
    let mut pairs = lid_pairs(v);
    if let (Some(lid), Some(me)) = (&ctx.me_lid, &ctx.me) {
        pairs.push((lid.clone(), me.clone()));
    }
    ev.lid_map = resolve_lid(&mut voter, &pairs).or(resolve_lid(&mut chat, &pairs));
    let names: Vec<String> = arr_at(v, &["selectedOptions"])
        .iter()
        .filter_map(|o| o.as_str().or_else(|| str_at(o, &["name"])))
        .map(str::to_owned)
        .collect();
    let ts = millis_at(v, &["timestamp"]);
    ev.timestamp_ms = ts.or(ctx.ts_ms);
    ev.text = Some(if failed {
        "voted (choice could not be decrypted)".to_owned()
    } else if names.is_empty() {
        "vote withdrawn".to_owned()
    } else {
        clip(&format!("voted: {}", names.join(", ")), 200)
    });
    if let (Some(poll_id), Some(who)) = (&ev.target, &voter) {
        ev.vote = Some(Vote {
            poll: poll_id.clone(),
            voter: who.clone(),
            options: if failed {
                Vec::new()
            } else {
                names.iter().map(|n| option_hash(n)).collect()
            },
            known: !failed,
            ts_ms: ts,
        });
    }
    ev.chat = chat;
    ev.sender = voter;
    ev
}

/// `presence.update`: one event per entry of `presences`.
pub(super) fn presence(ctx: &Ctx, p: &Value) -> Vec<Event> {
    let chat = party(p, &["id"]);
    let make = |who: Option<ChatId>, what: Option<&str>| {
        let mut ev = Event::new(Kind::Presence, ctx.event);
        ev.chat = chat.clone();
        ev.sender = who.or_else(|| chat.clone().filter(|c| !super::is_multi(c)));
        ev.text = Some(what.unwrap_or("presence update").to_ascii_lowercase());
        ev.timestamp_ms = ctx.ts_ms;
        ev
    };
    let list = arr_at(p, &["presences"]);
    if list.is_empty() {
        return vec![make(
            party(p, &["participant"]),
            str_at(p, &["lastKnownPresence"]),
        )];
    }
    list.iter()
        .map(|x| {
            make(
                party(x, &["participant"]),
                str_at(x, &["lastKnownPresence"]),
            )
        })
        .collect()
}

/// `session.status` (`status`) and the deprecated `state.change` (`state`).
pub(super) fn session(ctx: &Ctx, p: &Value) -> Event {
    let mut ev = Event::new(Kind::Session, ctx.event);
    ev.text = Some(
        first_str(p, &[&["status"], &["state"]])
            .unwrap_or(ctx.event)
            .to_owned(),
    );
    let last = arr_at(p, &["statuses"]).last();
    ev.timestamp_ms = ctx
        .ts_ms
        .or_else(|| last.and_then(|s| millis_at(s, &["timestamp"])));
    ev
}

/// `group.join`/`group.leave` (WEBJS notifications) and `group.v2.*`.
pub(super) fn group(ctx: &Ctx, p: &Value) -> Event {
    let mut ev = Event::new(Kind::Group, ctx.event);
    ev.chat = party(p, &["group", "id"])
        .or_else(|| party(p, &["chatId"]))
        .or_else(|| party(p, &["id", "remote"]))
        .or_else(|| party(p, &["id"]));
    ev.chat_name = str_at(p, &["group", "subject"]).map(str::to_owned);
    ev.sender = party(p, &["author"]);
    ev.timestamp_ms = millis_at(p, &["timestamp"]).or(ctx.ts_ms);
    let people = |key: &str| -> Vec<ChatId> {
        arr_at(p, &[key])
            .iter()
            .filter_map(|x| x.as_str().or_else(|| str_at(x, &["id"])))
            .filter_map(ChatId::parse)
            .collect()
    };
    let list = |who: &[ChatId]| {
        let labels: Vec<String> = who.iter().map(ChatId::label).collect();
        clip(&labels.join(", "), 200)
    };
    let text = match ctx.event {
        "group.v2.participants" => {
            let who = people("participants");
            if let [one] = who.as_slice() {
                ev.participant = Some(one.clone());
            }
            let verb = match str_at(p, &["type"]).unwrap_or("changed") {
                "join" | "add" => "joined",
                "leave" | "remove" => "left",
                "promote" => "promoted",
                "demote" => "demoted",
                other => other,
            };
            format!("{verb}: {}", list(&who))
        }
        "group.v2.join" => match &ev.chat_name {
            Some(s) => format!("you joined {s}"),
            None => "you joined".to_owned(),
        },
        "group.v2.leave" => "you left".to_owned(),
        "group.v2.update" => update_text(p),
        "group.join" | "group.leave" => {
            let verb = if ctx.event == "group.join" {
                "joined"
            } else {
                "left"
            };
            let who = people("recipientIds");
            if who.is_empty() {
                verb.to_owned()
            } else {
                format!("{verb}: {}", list(&who))
            }
        }
        other => other.to_owned(),
    };
    ev.text = Some(text);
    ev
}

/// "subject: New name", else the names of the changed fields.
fn update_text(p: &Value) -> String {
    let g = p.get("group").unwrap_or(&Value::Null);
    if let Some(s) = str_at(g, &["subject"]) {
        return clip(&format!("subject: {s}"), 200);
    }
    if let Some(d) = str_at(g, &["description"]) {
        return clip(&format!("description: {d}"), 200);
    }
    let fields: Vec<&str> = g
        .as_object()
        .map(|o| {
            o.keys()
                .map(String::as_str)
                .filter(|k| *k != "id")
                .collect()
        })
        .unwrap_or_default();
    if fields.is_empty() {
        "group updated".to_owned()
    } else {
        format!("group updated: {}", fields.join(", "))
    }
}

/// `call.received` / `call.accepted` / `call.rejected`.
pub(super) fn call(ctx: &Ctx, p: &Value) -> Event {
    let mut ev = Event::new(Kind::Call, ctx.event);
    ev.chat = party(p, &["from"]);
    ev.sender = ev.chat.clone();
    ev.timestamp_ms = millis_at(p, &["timestamp"]).or(ctx.ts_ms);
    let what = match (bool_at(p, &["isGroup"]), bool_at(p, &["isVideo"])) {
        (Some(true), Some(true)) => "group video call",
        (Some(true), _) => "group voice call",
        (_, Some(true)) => "video call",
        _ => "voice call",
    };
    ev.text = Some(match ctx.event {
        "call.received" => format!("incoming {what}"),
        "call.accepted" => format!("{what} accepted"),
        "call.rejected" => format!("{what} rejected"),
        other => format!("{what}: {other}"),
    });
    ev
}

/// `chat.archive` and `label.*`: kind `chat`.
pub(super) fn chat(ctx: &Ctx, p: &Value) -> Event {
    let mut ev = Event::new(Kind::Chat, ctx.event);
    ev.timestamp_ms = millis_at(p, &["timestamp"]).or(ctx.ts_ms);
    let label =
        || first_str(p, &[&["label", "name"], &["name"], &["labelId"], &["id"]]).unwrap_or("?");
    let text = match ctx.event {
        "chat.archive" => {
            ev.chat = party(p, &["id"]);
            match bool_at(p, &["archived"]) {
                Some(false) => "unarchived".to_owned(),
                _ => "archived".to_owned(),
            }
        }
        "label.upsert" => format!("label saved: {}", label()),
        "label.deleted" => format!("label deleted: {}", label()),
        "label.chat.added" => {
            ev.chat = party(p, &["chatId"]);
            format!("label added: {}", label())
        }
        "label.chat.deleted" => {
            ev.chat = party(p, &["chatId"]);
            format!("label removed: {}", label())
        }
        other => {
            ev.chat = party(p, &["chatId"]).or_else(|| party(p, &["id"]));
            other.to_owned()
        }
    };
    ev.text = Some(text);
    ev
}

/// A recognised event whose payload lacks what it needs.
fn unknown(ctx: &Ctx, p: &Value, why: &str) -> Event {
    let mut ev = Event::new(Kind::Unknown, ctx.event);
    let mut keys: Vec<&str> = p
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    ev.text = Some(clip(
        &format!("{} {why} (payload keys: {})", ctx.event, keys.join(", ")),
        200,
    ));
    ev.timestamp_ms = ctx.ts_ms;
    ev
}
