//! `Message` and `SendMessage` bodies: whatsmeow's `{Info, Message}` turned into one message,
//! reaction, edit, revoke or poll vote, with the protobuf content read under whatsmeow's json
//! tags (`URL`, `PTT`, `stanzaID`, `key.ID`, `timestampMS`).

use super::super::json::{bool_at, first_str, id_at, num_at, str_at, string_at};
use super::super::wa_message::{self, Protocol};
use super::{parties, time_ms};
use crate::model::{to_millis, Ack, Event, Kind, MessageType, Vote};
use serde_json::Value;

/// One `Message` (received, or sent from the phone) or `SendMessage` (sent through the API).
pub(super) fn message(d: &Value, name: &str) -> Event {
    let null = Value::Null;
    let info = d.get("Info").unwrap_or(&null);
    let p = parties(info);
    let mut ev = p.event(Kind::Message, name);
    ev.message_id = id_at(info, &["ID"]);
    ev.sender_name = string_at(info, &["PushName"]);
    ev.chat_name = if p.is_group {
        // Evolution GO adds the group's metadata (whatsmeow `GroupInfo`) to group messages.
        string_at(d, &["groupData", "Name"])
    } else if p.from_me == Some(true) {
        None
    } else {
        ev.sender_name.clone()
    };
    ev.timestamp_ms = time_ms(info, &["Timestamp"]);
    // The quote: Evolution GO's own `quoted` (received), `MessageContextInfo` (API sends; its
    // stanzaID is "" when nothing is quoted), else the content's contextInfo (read below).
    ev.reply_to = first_str(
        d,
        &[&["quoted", "stanzaID"], &["MessageContextInfo", "stanzaID"]],
    )
    .map(crate::model::MessageId::new);
    let msg = d.get("Message").unwrap_or(&null);
    if msg.is_object() {
        content(msg, &mut ev);
    } else if str_at(d, &["UnavailableType"]) == Some("view_once") {
        // An `UndecryptableMessage` Evolution GO forwards as `Message`: view-once media is not
        // sent to linked devices.
        ev.msg_type = Some(MessageType::Unsupported);
        ev.text = Some("view-once message (open it on the phone)".to_owned());
    } else {
        ev.msg_type = Some(MessageType::Unsupported);
        ev.text = Some("message without content".to_owned());
    }
    if name == "SendMessage" && ev.kind == Kind::Message {
        // Emitted only after the server accepted the message (module doc).
        ev.status = Some(Ack::Sent);
        ev.status_label = Some("SendMessage".to_owned());
    }
    if let Some(m) = ev.media.as_mut() {
        // With MinIO/S3 on, Evolution GO stores the media and puts its URL beside the content.
        if let Some(url) = str_at(msg, &["mediaUrl"]) {
            m.url = Some(url.to_owned());
        }
        if m.mime.is_none() {
            m.mime = string_at(msg, &["mimetype"]);
        }
    }
    ev
}

/// Keys of whatsmeow's `Message` that travel beside the content and are never the content:
/// sender-key distribution rides along group messages, the rest are metadata or Evolution GO's
/// media additions.
const NOT_CONTENT: [&str; 7] = [
    "messageContextInfo",
    "senderKeyDistributionMessage",
    "fastRatchetKeySenderKeyDistributionMessage",
    "mediaUrl",
    "mimetype",
    "base64",
    "contextInfo",
];

/// Fills type, text, media, poll, quote (or turns the event into a reaction, edit, revoke or
/// vote) from a whatsmeow `Message` object.
fn content(msg: &Value, ev: &mut Event) {
    let Some((ty, body)) = msg
        .as_object()
        .and_then(|o| o.iter().find(|(k, _)| !NOT_CONTENT.contains(&k.as_str())))
    else {
        ev.msg_type = Some(MessageType::Unsupported);
        ev.text = Some("empty message".to_owned());
        return;
    };
    if ev.reply_to.is_none() {
        ev.reply_to = id_at(body, &["contextInfo", "stanzaID"]);
    }
    let set = |ev: &mut Event, t: MessageType, text: Option<String>| {
        ev.msg_type = Some(t);
        ev.text = text;
    };
    match ty.as_str() {
        // Wrappers whatsmeow usually unwraps itself (IsViewOnce, IsEphemeral,
        // IsDocumentWithCaption); read through them when it did not.
        "documentWithCaptionMessage"
        | "viewOnceMessage"
        | "viewOnceMessageV2"
        | "viewOnceMessageV2Extension"
        | "ephemeralMessage"
        | "lottieStickerMessage"
        | "botInvokeMessage"
        | "deviceSentMessage" => {
            let inner = body.get("message").unwrap_or(&Value::Null);
            if inner.is_object() {
                content(inner, ev);
            } else {
                set(ev, MessageType::Unsupported, Some(format!("empty {ty}")));
            }
        }
        "locationMessage" | "liveLocationMessage" => {
            let named: Vec<&str> = [str_at(body, &["name"]), str_at(body, &["address"])]
                .into_iter()
                .flatten()
                .collect();
            let live = ty == "liveLocationMessage" || bool_at(body, &["isLive"]) == Some(true);
            let txt = if named.is_empty() {
                first_str(body, &[&["caption"], &["comment"]])
                    .map(str::to_owned)
                    .or_else(|| {
                        let lat = num_at(body, &["degreesLatitude"])?;
                        let lon = num_at(body, &["degreesLongitude"])?;
                        Some(format!("{lat}, {lon}"))
                    })
            } else {
                Some(named.join(" · "))
            };
            let t = if live {
                MessageType::LiveLocation
            } else {
                MessageType::Location
            };
            set(ev, t, txt);
        }
        // A document without a caption says what it is.
        "documentMessage" => {
            wa_message::plain_content(ty, body, ev, &wa_message::WHATSMEOW);
            if ev.text.is_none() {
                ev.text = first_str(body, &[&["title"], &["fileName"]]).map(str::to_owned);
            }
        }
        // A reaction carries when it was made.
        "reactionMessage" => {
            wa_message::plain_content(ty, body, ev, &wa_message::WHATSMEOW);
            if let Some(ms) = num_at(body, &["senderTimestampMS"]).filter(|t| *t > 0.0) {
                ev.timestamp_ms = Some(to_millis(ms));
            }
        }
        t if t.starts_with("pollCreationMessage") => {
            let poll = wa_message::poll_creation(body, t);
            set(ev, MessageType::Poll, Some(poll.question.clone()));
            ev.poll = Some(poll);
        }
        "pollUpdateMessage" => poll_vote(body, ev),
        "protocolMessage" => protocol(body, ev),
        "editedMessage" => {
            let inner = body.get("message").unwrap_or(&Value::Null);
            match inner.get("protocolMessage") {
                Some(p) => protocol(p, ev),
                None => set(ev, MessageType::Unsupported, Some("empty edit".to_owned())),
            }
        }
        "interactiveResponseMessage" | "interactiveMessage" | "buttonsMessage" | "listMessage" => {
            set(
                ev,
                MessageType::Interactive,
                first_str(
                    body,
                    &[
                        &["body", "text"],
                        &["contentText"],
                        &["description"],
                        &["title"],
                    ],
                )
                .map(str::to_owned),
            )
        }
        // The same shape as a template.
        "highlyStructuredMessage" => {
            wa_message::plain_content("templateMessage", body, ev, &wa_message::WHATSMEOW);
        }
        "call" => set(ev, MessageType::Call, Some("call".to_owned())),
        "pinInChatMessage" => set(ev, MessageType::System, Some("message pinned".to_owned())),
        "keepInChatMessage" => set(ev, MessageType::System, Some("message kept".to_owned())),
        other => {
            if !wa_message::plain_content(other, body, ev, &wa_message::WHATSMEOW) {
                set(
                    ev,
                    MessageType::Unsupported,
                    Some(format!("unsupported message type {other}")),
                );
            }
        }
    }
}

/// whatsmeow `protocolMessage` ([`wa_message::protocol`]); other types (3 disappearing-messages
/// timer, …) stay visible as system messages.
fn protocol(p: &Value, ev: &mut Event) {
    match wa_message::protocol(p, ev, "ID", content) {
        Protocol::Edit => {
            if let Some(ms) = num_at(p, &["timestampMS"]).filter(|t| *t > 0.0) {
                ev.timestamp_ms = Some(to_millis(ms));
            }
        }
        Protocol::Revoke => {}
        Protocol::Other(n) => {
            ev.msg_type = Some(MessageType::System);
            ev.text = Some(match n {
                Some(3) => "disappearing messages setting changed".to_owned(),
                Some(n) => format!("protocolMessage type {n}"),
                None => "protocolMessage".to_owned(),
            });
        }
    }
}

/// `pollUpdateMessage`: a vote on the poll its `pollCreationMessageKey` names. The selection
/// is encrypted (`vote.encPayload`) and Evolution GO does not put its decryption in the webhook,
/// so the vote is known to exist but not what it chose.
fn poll_vote(body: &Value, ev: &mut Event) {
    ev.kind = Kind::PollVote;
    ev.target = id_at(body, &["pollCreationMessageKey", "ID"]);
    if let Some(ms) = num_at(body, &["senderTimestampMS"]).filter(|t| *t > 0.0) {
        ev.timestamp_ms = Some(to_millis(ms));
    }
    ev.text = Some("poll vote (encrypted: choice unknown)".to_owned());
    let (Some(poll), Some(voter)) = (ev.target.clone(), ev.sender.clone()) else {
        return;
    };
    ev.vote = Some(Vote {
        poll,
        voter,
        options: Vec::new(),
        known: false,
        ts_ms: ev.timestamp_ms,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn msg(message: Value) -> Event {
        let d = json!({"Info": {"Chat": "5511988881111@s.whatsapp.net",
            "Sender": "5511988881111@s.whatsapp.net", "IsFromMe": false, "ID": "3EB0A",
            "PushName": "Gerald", "Timestamp": "2025-06-01T12:00:00Z"},
            "Message": message});
        super::message(&d, "Message")
    }

    #[test]
    fn sender_key_distribution_is_not_the_content() {
        let ev = msg(
            json!({"senderKeyDistributionMessage": {"groupID": "1@g.us"},
            "conversation": "hi", "messageContextInfo": {}}),
        );
        assert_eq!(
            (ev.msg_type, ev.text.as_deref()),
            (Some(MessageType::Text), Some("hi"))
        );
        // Sorted keys put it first when alone with a later key: still skipped.
        let ev = msg(json!({"senderKeyDistributionMessage": {}, "videoMessage": {"caption": "c"}}));
        assert_eq!(ev.msg_type, Some(MessageType::Video));
    }

    #[test]
    fn encrypted_vote_is_an_unknown_choice_for_its_voter() {
        let ev = msg(json!({"pollUpdateMessage": {
            "pollCreationMessageKey": {"remoteJID": "1@g.us", "fromMe": true, "ID": "POLL"},
            "vote": {"encPayload": "AAE=", "encIV": "AAE="}, "senderTimestampMS": 1750000000123_i64}}));
        assert_eq!(ev.kind, Kind::PollVote);
        let v = ev.vote.unwrap();
        assert_eq!(
            (v.poll.as_str(), v.voter.as_str(), v.known),
            ("POLL", "5511988881111@c.us", false)
        );
        assert!(v.options.is_empty());
        assert_eq!(v.ts_ms, Some(1_750_000_000_123));
    }

    #[test]
    fn edits_revokes_and_other_protocol_messages() {
        let edit = msg(
            json!({"protocolMessage": {"key": {"ID": "ORIG"}, "type": 14,
            "editedMessage": {"conversation": "new"}, "timestampMS": 1750000000000_i64}}),
        );
        assert_eq!(
            (
                edit.kind,
                edit.target.unwrap().as_str(),
                edit.text.as_deref()
            ),
            (Kind::Edit, "ORIG", Some("new"))
        );
        let revoke = msg(json!({"protocolMessage": {"key": {"ID": "ORIG"}, "type": 0}}));
        assert_eq!(
            (revoke.kind, revoke.target.unwrap().as_str()),
            (Kind::Revoke, "ORIG")
        );
        let timer = msg(json!({"protocolMessage": {"type": 3, "ephemeralExpiration": 86400}}));
        assert_eq!(
            (timer.kind, timer.msg_type, timer.target),
            (Kind::Message, Some(MessageType::System), None)
        );
        let untyped = msg(json!({"protocolMessage": {"key": {"ID": "ORIG"}}}));
        assert_eq!(untyped.kind, Kind::Message);
    }

    #[test]
    fn api_sends_are_sent_and_name_their_quote() {
        let d = json!({"Info": {"Chat": "5511988881111@s.whatsapp.net",
            "Sender": "5511999990000:7@s.whatsapp.net", "IsFromMe": true, "ID": "3EB0B"},
            "Message": {"conversation": "ok"},
            "MessageContextInfo": {"stanzaID": "", "participant": "", "quotedMessage": {"conversation": ""}}});
        let ev = message(&d, "SendMessage");
        assert_eq!(ev.status, Some(Ack::Sent));
        assert_eq!(ev.reply_to, None);
        assert_eq!(ev.sender.unwrap().as_str(), "5511999990000@c.us");
        assert_eq!(ev.chat_name, None);
    }
}
