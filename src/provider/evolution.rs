//! Evolution API (Baileys channel, v2.x) webhooks: `{event, instance, data, sender, date_time…}`.
//!
//! Event names are matched case- and separator-insensitively (`messages.upsert`,
//! `MESSAGES_UPSERT`, `messages-upsert` are the same) but reported as sent. `data` may be one
//! object or an array of them (sync events); arrays give one event per item, except `*.set`
//! bulk syncs, which are summarised in one event.
//!
//! Assumptions:
//! - The envelope `sender` is the connected number ("me"): the sender of `fromMe` messages.
//! - lid: whichever of `remoteJid`/`remoteJidAlt`/`senderPn` (and `participant`/`participantAlt`/
//!   `participantPn`) is the `@lid` one is mapped to the phone one, and the phone id is used.
//! - `messages.update` with `status: "DELETED"` is kept a status with no ack (issue #2010: edits
//!   arrive that way too), not a revoke. When `pollUpdates` is present the status is Evolution's
//!   fallback and only the votes are emitted.
//! - `pollCreationMessageV3` is a single-choice poll; otherwise `selectableOptionsCount` 1 is
//!   single and 0 or >1 multi. **[I]**
//! - `call` payload fields (`from`, `chatId`, `isVideo`, `status`, `date`) follow Baileys'
//!   WACallEvent **[I]**.

use super::json::{
    arr_at, at, bool_at, chat_at, first_str, id_at, millis_at, num_at, str_at, string_at,
};
use crate::model::{
    option_hash, Ack, ChatId, ChatKind, Event, Kind, Media, MessageId, MessageType, PollDef, Vote,
};
use serde_json::Value;

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

/// `messages.upsert` / `send.message`: one prepared Baileys message.
fn message(d: &Value, name: &str, me: Option<&ChatId>) -> Event {
    let mut ev = Event::new(Kind::Message, name);
    let key = d.get("key").unwrap_or(&Value::Null);
    let p = parties(key, d, me);
    let is_group = p.chat.as_ref().is_some_and(|c| c.kind() == ChatKind::Group);
    let from_me = p.from_me == Some(true);
    apply(&mut ev, p);
    ev.message_id = id_at(key, &["id"]);
    ev.sender_name = string_at(d, &["pushName"]);
    if !from_me && !is_group {
        ev.chat_name = ev.sender_name.clone();
    }
    ev.timestamp_ms = timestamp(d, "messageTimestamp");
    let (status, label) = ack(d.get("status").unwrap_or(&Value::Null));
    ev.status = status;
    ev.status_label = label;
    let msg = d.get("message").unwrap_or(&Value::Null);
    content(msg, str_at(d, &["messageType"]), &mut ev);
    if ev.reply_to.is_none() {
        ev.reply_to = id_at(d, &["contextInfo", "stanzaId"]);
    }
    if let Some(url) = str_at(msg, &["mediaUrl"]) {
        if let Some(m) = ev.media.as_mut() {
            m.url = Some(url.to_owned());
        }
    }
    ev
}

/// Message keys that are wrappers or metadata, never the content itself.
const NOT_CONTENT: [&str; 4] = ["messageContextInfo", "mediaUrl", "base64", "contextInfo"];

/// Fills type/text/media (or turns the event into a reaction, edit, revoke) from a Baileys
/// `message` object, using `message_type` when it names a key present in it.
fn content(msg: &Value, message_type: Option<&str>, ev: &mut Event) {
    let ty = message_type
        .filter(|t| msg.get(*t).is_some())
        .or_else(|| {
            msg.as_object()?
                .keys()
                .map(String::as_str)
                .find(|k| !NOT_CONTENT.contains(k))
        })
        .or(message_type);
    let Some(ty) = ty else {
        ev.msg_type = Some(MessageType::Unsupported);
        ev.text = Some("empty message".to_owned());
        return;
    };
    let body = msg.get(ty).unwrap_or(&Value::Null);
    if ev.reply_to.is_none() {
        ev.reply_to = id_at(body, &["contextInfo", "stanzaId"]);
    }
    let text = |p: &[&str]| string_at(body, p);
    let set = |ev: &mut Event, t: MessageType, text: Option<String>| {
        ev.msg_type = Some(t);
        ev.text = text;
    };
    match ty {
        "conversation" => set(ev, MessageType::Text, body.as_str().map(str::to_owned)),
        "extendedTextMessage" => set(ev, MessageType::Text, text(&["text"])),
        "imageMessage" | "videoMessage" | "audioMessage" | "documentMessage" | "stickerMessage"
        | "ptvMessage" => {
            let t = match ty {
                "imageMessage" => MessageType::Image,
                "videoMessage" if bool_at(body, &["gifPlayback"]) == Some(true) => MessageType::Gif,
                "videoMessage" | "ptvMessage" => MessageType::Video,
                "audioMessage" if bool_at(body, &["ptt"]) == Some(true) => MessageType::Voice,
                "audioMessage" => MessageType::Audio,
                "documentMessage" => MessageType::Document,
                _ => MessageType::Sticker,
            };
            set(ev, t, text(&["caption"]));
            ev.media = Some(Media {
                mime: text(&["mimetype"]),
                filename: text(&["fileName"]),
                url: text(&["url"]),
            });
        }
        "documentWithCaptionMessage" => {
            content(body.get("message").unwrap_or(&Value::Null), None, ev);
        }
        "viewOnceMessage" | "viewOnceMessageV2" | "ephemeralMessage" => {
            content(body.get("message").unwrap_or(&Value::Null), None, ev);
        }
        "locationMessage" | "liveLocationMessage" => {
            let named: Vec<&str> = [str_at(body, &["name"]), str_at(body, &["address"])]
                .into_iter()
                .flatten()
                .collect();
            let latlon = match (
                num_at(body, &["degreesLatitude"]),
                num_at(body, &["degreesLongitude"]),
            ) {
                (Some(a), Some(o)) => Some(format!("{a}, {o}")),
                _ => None,
            };
            let t = if ty == "locationMessage" {
                MessageType::Location
            } else {
                MessageType::LiveLocation
            };
            let txt = if named.is_empty() {
                text(&["caption"]).or(latlon)
            } else {
                Some(named.join(" · "))
            };
            set(ev, t, txt);
        }
        "contactMessage" => set(ev, MessageType::Contact, text(&["displayName"])),
        "contactsArrayMessage" => {
            let names: Vec<&str> = arr_at(body, &["contacts"])
                .iter()
                .filter_map(|c| str_at(c, &["displayName"]))
                .collect();
            let txt = if names.is_empty() {
                text(&["displayName"])
            } else {
                Some(names.join(", "))
            };
            set(ev, MessageType::Contact, txt);
        }
        "reactionMessage" => {
            ev.kind = Kind::Reaction;
            ev.target = id_at(body, &["key", "id"]);
            ev.emoji = Some(str_at(body, &["text"]).unwrap_or("").to_owned());
        }
        "pollCreationMessage" | "pollCreationMessageV2" | "pollCreationMessageV3" => {
            let question = str_at(body, &["name"]).unwrap_or("").to_owned();
            let options = arr_at(body, &["options"])
                .iter()
                .filter_map(|o| str_at(o, &["optionName"]).map(str::to_owned))
                .collect();
            let n = num_at(body, &["selectableOptionsCount"]).unwrap_or(0.0);
            let multi = n > 1.0 || (n == 0.0 && ty != "pollCreationMessageV3");
            set(ev, MessageType::Poll, Some(question.clone()));
            ev.poll = Some(PollDef {
                question,
                options,
                multi,
            });
        }
        "protocolMessage" => protocol(body, ev),
        "editedMessage" => {
            let inner = body.get("message").unwrap_or(body);
            match inner.get("protocolMessage") {
                Some(p) => protocol(p, ev),
                None => {
                    ev.kind = Kind::Edit;
                    content(inner, None, ev);
                }
            }
        }
        "placeholderMessage" => set(
            ev,
            MessageType::Unsupported,
            Some("message not available on linked device".to_owned()),
        ),
        "buttonsResponseMessage" => set(
            ev,
            MessageType::Interactive,
            text(&["selectedDisplayText"]).or(text(&["selectedButtonId"])),
        ),
        "listResponseMessage" => set(ev, MessageType::Interactive, text(&["title"])),
        "interactiveResponseMessage" | "interactiveMessage" => set(
            ev,
            MessageType::Interactive,
            first_str(
                body,
                &[&["body", "text"], &["nativeFlowResponseMessage", "name"]],
            )
            .map(str::to_owned),
        ),
        "templateButtonReplyMessage" => {
            set(ev, MessageType::Button, text(&["selectedDisplayText"]))
        }
        "templateMessage" => set(
            ev,
            MessageType::Template,
            first_str(
                body,
                &[
                    &["hydratedTemplate", "hydratedContentText"],
                    &["hydratedFourRowTemplate", "hydratedContentText"],
                ],
            )
            .map(str::to_owned),
        ),
        "orderMessage" => set(
            ev,
            MessageType::Order,
            num_at(body, &["itemCount"]).map(|n| format!("{n} items")),
        ),
        "productMessage" => set(ev, MessageType::Product, text(&["product", "title"])),
        "groupInviteMessage" => set(
            ev,
            MessageType::GroupInvite,
            first_str(body, &[&["caption"], &["groupName"]]).map(str::to_owned),
        ),
        "eventMessage" => set(ev, MessageType::Event, text(&["name"])),
        other => set(
            ev,
            MessageType::Unsupported,
            Some(format!("unsupported message type {other}")),
        ),
    }
}

/// A Baileys `protocolMessage`: type 0 REVOKE, type 14 MESSAGE_EDIT; others unsupported.
fn protocol(p: &Value, ev: &mut Event) {
    let kind = match p.get("type") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => match s.as_str() {
            "REVOKE" => Some(0),
            "MESSAGE_EDIT" => Some(14),
            s => s.parse().ok(),
        },
        _ => None,
    };
    // The acted-on message's id.
    ev.target = id_at(p, &["key", "id"]);
    match kind {
        Some(0) => {
            ev.kind = Kind::Revoke;
            ev.msg_type = None;
            ev.text = None;
        }
        Some(14) => {
            ev.kind = Kind::Edit;
            let edited = p.get("editedMessage").unwrap_or(&Value::Null);
            let mut tmp = Event::new(Kind::Message, "");
            content(edited, None, &mut tmp);
            ev.msg_type = tmp.msg_type;
            ev.text = tmp.text;
            ev.media = tmp.media;
        }
        other => {
            ev.target = None;
            ev.msg_type = Some(MessageType::Unsupported);
            ev.text = Some(match other {
                Some(n) => format!("protocolMessage type {n}"),
                None => "protocolMessage".to_owned(),
            });
        }
    }
}

/// `messages.update`: a tick, or poll votes when `pollUpdates` is present.
fn message_update(d: &Value, name: &str, me: Option<&ChatId>) -> Vec<Event> {
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
fn delete(d: &Value, name: &str, me: Option<&ChatId>) -> Event {
    let key = d.get("key").unwrap_or(d);
    let mut ev = Event::new(Kind::Revoke, name);
    apply(&mut ev, parties(key, d, me));
    ev.target = id_at(key, &["id"]);
    ev
}

/// `messages.edited` / `send.message.update`: a raw `protocolMessage`, or a prepared message
/// containing one.
fn edited(d: &Value, name: &str, me: Option<&ChatId>) -> Event {
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

fn connection(d: &Value, name: &str) -> Event {
    let mut ev = Event::new(Kind::Session, name);
    let state = str_at(d, &["state"]).unwrap_or("?");
    ev.text = Some(match num_at(d, &["statusReason"]) {
        Some(r) if state == "close" => format!("{state} ({r})"),
        _ => state.to_owned(),
    });
    ev.sender = chat_at(d, &["wuid"]);
    ev.sender_name = string_at(d, &["profileName"]);
    ev
}

/// Baileys presence `{id, presences: {jid: {lastKnownPresence}}}`: one event per party.
fn presence(d: &Value, name: &str) -> Vec<Event> {
    let chat = chat_at(d, &["id"]);
    let Some(map) = d.get("presences").and_then(Value::as_object) else {
        let mut ev = Event::new(Kind::Presence, name);
        ev.chat = chat;
        return vec![ev];
    };
    map.iter()
        .map(|(jid, p)| {
            let mut ev = Event::new(Kind::Presence, name);
            ev.chat = chat.clone();
            ev.sender = ChatId::parse(jid);
            let raw = str_at(p, &["lastKnownPresence"]).unwrap_or("?");
            ev.text = Some(
                match raw {
                    "composing" => "typing",
                    "recording" => "recording audio",
                    "available" => "online",
                    "unavailable" => "offline",
                    other => other,
                }
                .to_owned(),
            );
            ev
        })
        .collect()
}

fn call(d: &Value, name: &str, me: Option<&ChatId>) -> Event {
    let mut ev = Event::new(Kind::Call, name);
    ev.chat = first_str(d, &[&["chatId"], &["from"]]).and_then(ChatId::parse);
    ev.sender = chat_at(d, &["from"]);
    ev.from_me = Some(ev.sender.is_some() && ev.sender.as_ref() == me);
    ev.message_id = id_at(d, &["id"]);
    ev.timestamp_ms = millis_at(d, &["date"]).or_else(|| iso_millis(str_at(d, &["date"])?));
    let media = if bool_at(d, &["isVideo"]) == Some(true) {
        "video"
    } else {
        "voice"
    };
    let what = match str_at(d, &["status"]).unwrap_or("") {
        "offer" => format!("incoming {media} call"),
        "ringing" => format!("{media} call ringing"),
        "timeout" => format!("missed {media} call"),
        "reject" => format!("{media} call rejected"),
        "accept" => format!("{media} call accepted"),
        "terminate" => format!("{media} call ended"),
        "" => format!("{media} call"),
        other => format!("{media} call {other}"),
    };
    ev.text = Some(what);
    ev
}

fn iso_millis(s: &str) -> Option<i64> {
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    Some((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

fn group(d: &Value, name: &str) -> Event {
    let mut ev = Event::new(Kind::Group, name);
    ev.chat = chat_at(d, &["id"]);
    ev.chat_name = string_at(d, &["subject"]);
    ev.text = Some(match (str_at(d, &["subject"]), str_at(d, &["desc"])) {
        (Some(s), _) => format!("subject: {s}"),
        (None, Some(desc)) => format!("description: {desc}"),
        _ => "group updated".to_owned(),
    });
    ev
}

/// `{id, participants, action: add|remove|promote|demote}`; participants are jids or
/// `{id, phoneNumber}` objects (Baileys 7).
fn participants(d: &Value, name: &str) -> Event {
    let mut ev = Event::new(Kind::Group, name);
    ev.chat = chat_at(d, &["id"]);
    let who: Vec<String> = arr_at(d, &["participants"])
        .iter()
        .filter_map(|p| match p {
            Value::String(s) => ChatId::parse(s),
            o => first_str(o, &[&["phoneNumber"], &["id"]]).and_then(ChatId::parse),
        })
        .map(|c| c.label())
        .collect();
    let action = match str_at(d, &["action"]).unwrap_or("changed") {
        "add" => "joined",
        "remove" => "left",
        "promote" => "promoted",
        "demote" => "demoted",
        other => other,
    };
    ev.text = Some(format!("{action}: {}", who.join(", ")));
    ev
}

fn chat_item(d: &Value, name: &str) -> Event {
    let mut ev = Event::new(Kind::Chat, name);
    if let Some(s) = d.as_str() {
        ev.chat = ChatId::parse(s);
        ev.text = Some(name.to_owned());
        return ev;
    }
    ev.chat = first_str(
        d,
        &[
            &["remoteJid"],
            &["id"],
            &["association", "chatId"],
            &["chatId"],
        ],
    )
    .and_then(ChatId::parse)
    .filter(|c| c.as_str().contains('@'));
    ev.chat_name = first_str(d, &[&["pushName"], &["name"], &["subject"]]).map(str::to_owned);
    ev.text = Some(if let Some(a) = str_at(d, &["association", "type"]) {
        let label = first_str(d, &[&["label", "name"], &["association", "labelId"]]).unwrap_or("?");
        format!("label {a}: {label}")
    } else if let Some(label) = str_at(d, &["name"]).filter(|_| d.get("color").is_some()) {
        let deleted = bool_at(d, &["deleted"]) == Some(true);
        format!("label {label}{}", if deleted { " deleted" } else { "" })
    } else if let Some(n) = num_at(d, &["unreadMessages"]) {
        format!("{n} unread")
    } else {
        name.to_owned()
    });
    ev
}

fn session_item(d: &Value, name: &str) -> Event {
    let mut ev = Event::new(Kind::Session, name);
    ev.text = Some(
        first_str(d, &[&["status"], &["state"], &["instance", "state"]])
            .map(str::to_owned)
            .unwrap_or_else(|| name.replace(['.', '_'], " ").to_ascii_lowercase()),
    );
    ev
}

#[cfg(test)]
mod tests {
    use super::*;
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
