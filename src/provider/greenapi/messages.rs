//! Green API message notifications (`incomingMessageReceived`, `outgoingMessageReceived`,
//! `outgoingAPIMessageReceived`): one message, reaction, edit, delete or poll update each, typed
//! by `messageData.typeMessage`.
//!
//! Readings:
//! - `senderData.chatId` is the chat, `senderData.sender` the writer (the group participant in
//!   groups; our own number on outgoing webhooks), `senderName` (else `senderContactName`) the
//!   writer's name and `chatName` the chat's.
//! - `messageData.quotedMessage.stanzaId` is the message replied to; the deprecated
//!   `typeMessage: "quotedMessage"` carries it as `extendedTextMessageData.stanzaId`.
//! - A reaction is `extendedTextMessageData.text` (empty: removed) on
//!   `quotedMessage.stanzaId`; an edit is `editedMessageData.{textMessage|caption}` on its
//!   `stanzaId`; a delete names `deletedMessageData.stanzaId`.
//! - **\[I\]** `audioMessage` carries no voice-note flag: one in Ogg/Opus (`audio/ogg;
//!   codecs=opus`, what WhatsApp records push-to-talk notes in) is a voice note, any other audio
//!   a file.
//! - `extendedTextMessage` with a link `title` or `description` is a link preview, else text.
//! - Button, list and template replies name the prompt they answer (`stanzaId`) and are tallied
//!   on it like Meta's interactive replies; prompts themselves (`buttonsMessage`, `listMessage`,
//!   `interactiveButtons`, `interactiveButtonsReply`, `templateMessage`) are messages showing
//!   their text.

use super::polls;
use super::Ctx;
use crate::model::{ChatKind, Event, InteractiveReply, Kind, Media, MessageType};
use crate::provider::json::{arr_at, at, first_str, id_at, num_at, str_at, string_at};
use serde_json::Value;

/// The event a message notification is.
pub(super) fn message(ctx: &Ctx, root: &Value) -> Event {
    let null = Value::Null;
    let md = root.get("messageData").unwrap_or(&null);
    match str_at(md, &["typeMessage"]).unwrap_or("") {
        "reactionMessage" => reaction(ctx, root, md),
        "editedMessage" => edited(ctx, root, md),
        "deletedMessage" => {
            let mut ev = base(Kind::Revoke, ctx, root);
            ev.target = id_at(md, &["deletedMessageData", "stanzaId"]);
            ev
        }
        "pollUpdateMessage" => polls::update(ctx, base(Kind::PollVote, ctx, root), md),
        ty => content(ctx, root, md, ty),
    }
}

/// What every message notification says about its parties, id and time.
pub(super) fn base(kind: Kind, ctx: &Ctx, root: &Value) -> Event {
    let from_me = ctx.event.starts_with("outgoing");
    let mut ev = Event::new(kind, ctx.event);
    ev.from_me = Some(from_me);
    ev.chat = str_at(root, &["senderData", "chatId"]).and_then(|c| ctx.id(c));
    ev.chat_name = string_at(root, &["senderData", "chatName"]);
    ev.sender = str_at(root, &["senderData", "sender"])
        .and_then(|c| ctx.id(c))
        .or_else(|| {
            // Without a sender: ours when outgoing, else the chat itself when it is a person.
            if from_me {
                ctx.me.clone()
            } else {
                ev.chat
                    .clone()
                    .filter(|c| matches!(c.kind(), ChatKind::User | ChatKind::Lid))
            }
        });
    ev.sender_name = first_str(
        root,
        &[
            &["senderData", "senderName"],
            &["senderData", "senderContactName"],
        ],
    )
    .map(str::to_owned);
    ev.message_id = id_at(root, &["idMessage"]);
    ev.timestamp_ms = ctx.ts_ms;
    ev
}

fn reaction(ctx: &Ctx, root: &Value, md: &Value) -> Event {
    let mut ev = base(Kind::Reaction, ctx, root);
    // An empty or missing emoji is a removed reaction.
    ev.emoji = Some(
        at(md, &["extendedTextMessageData", "text"])
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
    );
    ev.target = id_at(md, &["quotedMessage", "stanzaId"]);
    ev
}

fn edited(ctx: &Ctx, root: &Value, md: &Value) -> Event {
    let mut ev = base(Kind::Edit, ctx, root);
    let d = md.get("editedMessageData").unwrap_or(&Value::Null);
    ev.target = id_at(d, &["stanzaId"]);
    ev.text = first_str(d, &[&["textMessage"], &["caption"]]).map(str::to_owned);
    ev.msg_type = str_at(d, &["textMessage"]).map(|_| MessageType::Text);
    ev
}

/// A message with content: text, media, location, contacts, a poll, a prompt or a reply to one.
fn content(ctx: &Ctx, root: &Value, md: &Value, ty: &str) -> Event {
    let mut ev = base(Kind::Message, ctx, root);
    ev.reply_to = id_at(md, &["quotedMessage", "stanzaId"]);
    let s = |path: &[&str]| string_at(md, path);
    let (mt, text) = match ty {
        "textMessage" => (MessageType::Text, s(&["textMessageData", "textMessage"])),
        "extendedTextMessage" => {
            let preview = first_str(
                md,
                &[
                    &["extendedTextMessageData", "title"],
                    &["extendedTextMessageData", "description"],
                ],
            )
            .is_some();
            let mt = if preview {
                MessageType::LinkPreview
            } else {
                MessageType::Text
            };
            (mt, s(&["extendedTextMessageData", "text"]))
        }
        "quotedMessage" => {
            if ev.reply_to.is_none() {
                ev.reply_to = id_at(md, &["extendedTextMessageData", "stanzaId"]);
            }
            (MessageType::Text, s(&["extendedTextMessageData", "text"]))
        }
        "imageMessage" | "videoMessage" | "documentMessage" | "audioMessage" | "stickerMessage" => {
            let mime = s(&["fileMessageData", "mimeType"]);
            let mt = match ty {
                "imageMessage" => MessageType::Image,
                "videoMessage" => MessageType::Video,
                "documentMessage" => MessageType::Document,
                "stickerMessage" => MessageType::Sticker,
                _ if mime.as_deref().is_some_and(is_voice) => MessageType::Voice,
                _ => MessageType::Audio,
            };
            let m = Media {
                mime,
                filename: s(&["fileMessageData", "fileName"]),
                url: s(&["fileMessageData", "downloadUrl"]),
            };
            ev.media = (m != Media::default()).then_some(m);
            (mt, s(&["fileMessageData", "caption"]))
        }
        "locationMessage" => (
            MessageType::Location,
            place(md.get("locationMessageData").unwrap_or(&Value::Null)),
        ),
        "contactMessage" => (
            MessageType::Contact,
            s(&["contactMessageData", "displayName"]),
        ),
        "contactsArrayMessage" => (MessageType::Contact, contacts(md)),
        "pollMessage" => {
            let def = polls::definition(md.get("pollMessageData").unwrap_or(&Value::Null));
            let q = (!def.question.is_empty()).then(|| def.question.clone());
            ev.poll = Some(def);
            (MessageType::Poll, q)
        }
        "buttonsMessage" | "listMessage" | "interactiveButtons" | "interactiveButtonsReply" => {
            let d = md.get(ty).unwrap_or(&Value::Null);
            let text = first_str(d, &[&["contentText"], &["body"], &["title"], &["header"]]);
            (MessageType::Interactive, text.map(str::to_owned))
        }
        "templateMessage" => (
            MessageType::Template,
            first_str(md, &[&["templateMessage", "contentText"]]).map(str::to_owned),
        ),
        "buttonsResponseMessage"
        | "templateButtonsReplyMessage"
        | "templateButtonReplyMessage"
        | "listResponseMessage" => {
            let (title, option) = reply(md, ty);
            if let (Some(prompt), Some(option_id)) = (
                first_str(md, &[&[ty, "stanzaId"], &[reply_key(ty), "stanzaId"]]),
                option.clone().or_else(|| title.clone()),
            ) {
                ev.interactive = Some(InteractiveReply {
                    prompt: crate::model::MessageId::new(prompt),
                    option_id,
                    title: title.clone().unwrap_or_default(),
                });
            }
            (MessageType::Interactive, title.or(option))
        }
        "groupInviteMessage" => {
            let d = md.get("groupInviteMessageData").unwrap_or(&Value::Null);
            let text = match (str_at(d, &["groupName"]), str_at(d, &["caption"])) {
                (Some(g), Some(c)) => Some(format!("{g} · {c}")),
                (g, c) => g.or(c).map(str::to_owned),
            };
            (MessageType::GroupInvite, text)
        }
        "" => (
            MessageType::Unsupported,
            Some("message without typeMessage".to_owned()),
        ),
        other => (
            MessageType::Unsupported,
            Some(format!("unsupported typeMessage {other}")),
        ),
    };
    ev.msg_type = Some(mt);
    ev.text = text;
    ev
}

/// The object a reply type keeps its data in: the docs name `templateButtonReplyMessage` (no
/// `s`) for both spellings of the type.
fn reply_key(ty: &str) -> &str {
    match ty {
        "templateButtonsReplyMessage" => "templateButtonReplyMessage",
        other => other,
    }
}

/// `(title, option id)` of a button, template-button or list reply.
fn reply(md: &Value, ty: &str) -> (Option<String>, Option<String>) {
    let null = Value::Null;
    let d = md
        .get(ty)
        .or_else(|| md.get(reply_key(ty)))
        .unwrap_or(&null);
    let (title, id): (&[&[&str]], &[&[&str]]) = match ty {
        "buttonsResponseMessage" => (&[&["selectedButtonText"]], &[&["selectedButtonId"]]),
        "listResponseMessage" => (&[&["title"]], &[&["singleSelectReply"], &["selectedRowId"]]),
        _ => (&[&["selectedDisplayText"]], &[&["selectedId"]]),
    };
    let option = first_str(d, id).map(str::to_owned).or_else(|| {
        // selectedIndex is a number in the docs' example.
        num_at(d, &["selectedIndex"]).map(|n| n.to_string())
    });
    (first_str(d, title).map(str::to_owned), option)
}

/// Ogg/Opus audio: how WhatsApp records voice notes.
fn is_voice(mime: &str) -> bool {
    let m = mime.to_ascii_lowercase();
    m.contains("opus") || m.starts_with("audio/ogg")
}

/// "name · address", either alone, or "lat, lon".
fn place(d: &Value) -> Option<String> {
    match (str_at(d, &["nameLocation"]), str_at(d, &["address"])) {
        (Some(n), Some(a)) => Some(format!("{n} · {a}")),
        (Some(n), None) => Some(n.to_owned()),
        (None, Some(a)) => Some(a.to_owned()),
        (None, None) => {
            let lat = num_at(d, &["latitude"])?;
            let lon = num_at(d, &["longitude"])?;
            Some(format!("{lat}, {lon}"))
        }
    }
}

/// The contacts' names, joined. The docs nest the array as `messageData.messageData.contacts`;
/// `contacts` directly under `messageData` is read too.
fn contacts(md: &Value) -> Option<String> {
    let list = match arr_at(md, &["messageData", "contacts"]) {
        [] => arr_at(md, &["contacts"]),
        l => l,
    };
    let names: Vec<&str> = list
        .iter()
        .filter_map(|c| str_at(c, &["displayName"]))
        .collect();
    (!names.is_empty()).then(|| names.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn norm(event: &str, md: Value) -> Event {
        let body = json!({"typeWebhook": event,
            "instanceData": {"idInstance": 1, "wid": "11001234567@c.us"},
            "timestamp": 1700000000, "idMessage": "M1",
            "senderData": {"chatId": "79001234568@c.us", "sender": "79001234568@c.us",
                "senderName": "John"},
            "messageData": md});
        super::super::normalize(&body).remove(0)
    }

    #[test]
    fn outgoing_webhooks_are_ours() {
        let ev = norm(
            "outgoingAPIMessageReceived",
            json!({"typeMessage": "textMessage", "textMessageData": {"textMessage": "hi"}}),
        );
        assert_eq!(ev.from_me, Some(true));
        let ev = norm(
            "incomingMessageReceived",
            json!({"typeMessage": "textMessage", "textMessageData": {"textMessage": "hi"}}),
        );
        assert_eq!(ev.from_me, Some(false));
        assert_eq!(ev.text.as_deref(), Some("hi"));
    }

    #[test]
    fn a_missing_sender_falls_back_to_wid_or_the_person_chat() {
        let body = json!({"typeWebhook": "outgoingMessageReceived",
            "instanceData": {"idInstance": 1, "wid": "11001234567@c.us"},
            "senderData": {"chatId": "120363@g.us"},
            "messageData": {"typeMessage": "textMessage"}});
        let ev = super::super::normalize(&body).remove(0);
        assert_eq!(ev.sender.unwrap().as_str(), "11001234567@c.us");
        let mut incoming = body.clone();
        incoming["typeWebhook"] = json!("incomingMessageReceived");
        let ev = super::super::normalize(&incoming).remove(0);
        assert_eq!(ev.sender, None, "a group is nobody's sender");
    }

    #[test]
    fn opus_audio_is_a_voice_note() {
        let audio = |mime: &str| {
            norm(
                "incomingMessageReceived",
                json!({"typeMessage": "audioMessage", "fileMessageData": {"mimeType": mime}}),
            )
            .msg_type
        };
        assert_eq!(audio("audio/ogg; codecs=opus"), Some(MessageType::Voice));
        assert_eq!(audio("audio/mpeg"), Some(MessageType::Audio));
    }

    #[test]
    fn replies_to_prompts_are_tallied_on_the_prompt() {
        let ev = norm(
            "incomingMessageReceived",
            json!({"typeMessage": "templateButtonReplyMessage",
                "templateButtonReplyMessage": {"stanzaId": "P", "selectedIndex": 2,
                    "selectedId": "id1", "selectedDisplayText": "red"}}),
        );
        let r = ev.interactive.unwrap();
        assert_eq!((r.prompt.as_str(), r.option_id.as_str()), ("P", "id1"));
        assert_eq!(ev.text.as_deref(), Some("red"));
        let ev = norm(
            "incomingMessageReceived",
            json!({"typeMessage": "listResponseMessage",
                "listResponseMessage": {"stanzaId": "L", "title": "Option 2", "listType": 1,
                    "singleSelectReply": "option2"}}),
        );
        assert_eq!(ev.interactive.unwrap().option_id, "option2");
    }

    #[test]
    fn reactions_without_text_remove_and_unknown_types_stay_visible() {
        let ev = norm(
            "incomingMessageReceived",
            json!({"typeMessage": "reactionMessage", "extendedTextMessageData": {},
                "quotedMessage": {"stanzaId": "T"}}),
        );
        assert_eq!((ev.kind, ev.emoji.as_deref()), (Kind::Reaction, Some("")));
        assert_eq!(ev.target.unwrap().as_str(), "T");
        let ev = norm(
            "incomingMessageReceived",
            json!({"typeMessage": "viewOnceMessage"}),
        );
        assert_eq!(ev.msg_type, Some(MessageType::Unsupported));
        assert_eq!(
            ev.text.as_deref(),
            Some("unsupported typeMessage viewOnceMessage")
        );
    }

    #[test]
    fn odd_shapes_do_not_panic() {
        for md in [
            json!(null),
            json!([1, 2]),
            json!({"typeMessage": 7}),
            json!({"typeMessage": "pollUpdateMessage", "pollMessageData": {"votes": 3}}),
            json!({"typeMessage": "pollUpdateMessage",
                "pollMessageData": {"votes": [{"optionName": 1, "optionVoters": "x"}, null]}}),
            json!({"typeMessage": "pollMessage", "pollMessageData": {"options": [null, 1]}}),
            json!({"typeMessage": "contactsArrayMessage", "messageData": {"contacts": {}}}),
            json!({"typeMessage": "buttonsResponseMessage", "buttonsResponseMessage": []}),
            json!({"typeMessage": "locationMessage", "locationMessageData": {"latitude": "x"}}),
        ] {
            let _ = norm("incomingMessageReceived", md);
        }
    }
}
