//! Incoming messages ("A message comes in"): one message per webhook, typed by `MessageType`
//! when Twilio sends it (WhatsApp) and by its fields otherwise (SMS/MMS, older WhatsApp
//! senders).
//!
//! - `MessageType` values read: `text`, `image`, `video`, `audio`, `document`, `sticker`,
//!   `location`, `contacts`, `button`, `interactive`; any other (`reaction`, `unknown`, …) is
//!   type `unsupported` with the value in the text, so it stays visible.
//! - Without `MessageType`: `Latitude` makes a location, `ButtonText`/`ButtonPayload` a button
//!   reply, `NumMedia` > 0 a media message typed by `MediaContentType0`, else text.
//! - Audio: a voice note and a shared audio file are both `audio` to Twilio; `audio/ogg`
//!   (WhatsApp's voice-note encoding, Opus in Ogg) is read as a voice note (**inferred**).
//! - Media: the first attachment (`MediaUrl0`, `MediaContentType0`); further ones (MMS allows
//!   ten) are counted in the text. Twilio sends no file name.
//! - A quick-reply button or list choice that names the message it answers
//!   (`OriginalRepliedMessageSid`, the template with the buttons) is an interactive reply to
//!   that prompt, tallied like a poll, not a quote (as Meta's `context.id`). Any other
//!   `OriginalRepliedMessageSid` is the quoted message (`reply_to`).
//! - `ListId`/`ListTitle` for list-picker replies are **unverified** field names; `ButtonText`/
//!   `ButtonPayload` are documented.
//! - Twilio's incoming webhook carries no time: `timestamp_ms` stays empty and the store uses
//!   the time the request arrived.

use super::super::json::{id_at, num_at, str_at, string_at};
use super::chat_of;
use crate::model::{Event, InteractiveReply, Kind, Media, MessageType};
use serde_json::Value;

/// Whether `root` names an incoming message.
pub fn is_message(root: &Value) -> bool {
    message_sid(root).is_some()
}

fn message_sid(root: &Value) -> Option<&str> {
    str_at(root, &["MessageSid"])
        .or_else(|| str_at(root, &["SmsMessageSid"]))
        .or_else(|| str_at(root, &["SmsSid"]))
}

/// One incoming message.
pub fn message(root: &Value) -> Event {
    let s = |k: &str| string_at(root, &[k]);
    let mut ev = Event::new(Kind::Message, "message");
    ev.message_id = message_sid(root).map(crate::model::MessageId::new);
    ev.from_me = Some(false);
    ev.chat = str_at(root, &["From"]).and_then(chat_of);
    // WhatsApp's `WaId` is the sender's number in digits: the chat when `From` is missing.
    if ev.chat.is_none() {
        ev.chat = str_at(root, &["WaId"]).and_then(chat_of);
    }
    ev.sender = ev.chat.clone();
    ev.sender_name = s("ProfileName");
    ev.chat_name = ev.sender_name.clone();
    let raw_type = str_at(root, &["MessageType"]);
    let mt = match raw_type {
        Some(t) => declared(t, root),
        None => inferred(root),
    };
    ev.msg_type = Some(mt);
    let media = media_count(root);
    if mt.is_media() || (media > 0 && mt == MessageType::Contact) {
        let m = Media {
            mime: s("MediaContentType0"),
            filename: None,
            url: s("MediaUrl0"),
        };
        ev.media = (m != Media::default()).then_some(m);
    }
    let body = s("Body");
    ev.text = match mt {
        MessageType::Location => place(root),
        MessageType::Contact => body.or_else(|| Some("contact card (vCard)".to_owned())),
        MessageType::Button | MessageType::Interactive => {
            s("ButtonText").or_else(|| s("ListTitle")).or(body)
        }
        MessageType::Unsupported => Some(match (raw_type, body) {
            (Some(t), Some(b)) => format!("unsupported MessageType \"{t}\": {b}"),
            (Some(t), None) => format!("unsupported MessageType \"{t}\""),
            (None, Some(b)) => b,
            (None, None) => "unsupported message".to_owned(),
        }),
        _ => body,
    };
    if media > 1 {
        let more = format!("[+{} more media]", media - 1);
        ev.text = Some(match ev.text.take() {
            Some(t) => format!("{t} {more}"),
            None => more,
        });
    }
    let quoted = id_at(root, &["OriginalRepliedMessageSid"]);
    let choice = first(
        root,
        &["ButtonPayload", "ListId", "ButtonText", "ListTitle"],
    );
    match (quoted, choice) {
        (Some(prompt), Some(option_id))
            if matches!(mt, MessageType::Button | MessageType::Interactive) =>
        {
            ev.interactive = Some(InteractiveReply {
                prompt,
                option_id: option_id.to_owned(),
                title: ev.text.clone().unwrap_or_else(|| option_id.to_owned()),
            });
        }
        (quoted, _) => ev.reply_to = quoted,
    }
    ev
}

/// The first non-empty value among `keys`.
fn first<'a>(root: &'a Value, keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|k| str_at(root, &[k]))
}

/// `NumMedia`, 0 when absent or not a count.
fn media_count(root: &Value) -> u64 {
    num_at(root, &["NumMedia"])
        .filter(|n| *n >= 0.0 && *n <= 1000.0)
        .map_or(0, |n| n as u64)
}

/// The type Twilio declared in `MessageType`.
fn declared(t: &str, root: &Value) -> MessageType {
    match t.to_ascii_lowercase().as_str() {
        "text" => MessageType::Text,
        "image" => MessageType::Image,
        "video" => MessageType::Video,
        "audio" | "voice" => audio(root),
        "document" | "file" => MessageType::Document,
        "sticker" => MessageType::Sticker,
        "location" => MessageType::Location,
        "contacts" | "contact" => MessageType::Contact,
        "button" => MessageType::Button,
        "interactive" => MessageType::Interactive,
        _ => MessageType::Unsupported,
    }
}

/// The type of a message whose `MessageType` is absent, read from its fields.
fn inferred(root: &Value) -> MessageType {
    if str_at(root, &["Latitude"]).is_some() && str_at(root, &["Longitude"]).is_some() {
        return MessageType::Location;
    }
    if first(root, &["ButtonText", "ButtonPayload"]).is_some() {
        return MessageType::Button;
    }
    if media_count(root) == 0 {
        return MessageType::Text;
    }
    let mime = str_at(root, &["MediaContentType0"])
        .unwrap_or("")
        .to_ascii_lowercase();
    match mime.split('/').next().unwrap_or("") {
        _ if mime.starts_with("image/webp") => MessageType::Sticker,
        "image" => MessageType::Image,
        "video" => MessageType::Video,
        "audio" => audio(root),
        "text" if mime.contains("vcard") => MessageType::Contact,
        _ => MessageType::Document,
    }
}

/// A voice note when the audio is Ogg (WhatsApp's voice notes), else an audio file.
fn audio(root: &Value) -> MessageType {
    let mime = str_at(root, &["MediaContentType0"]).unwrap_or("");
    if mime.to_ascii_lowercase().starts_with("audio/ogg") {
        MessageType::Voice
    } else {
        MessageType::Audio
    }
}

/// A location's text: its label and address, else its coordinates.
fn place(root: &Value) -> Option<String> {
    let named: Vec<&str> = ["Label", "Address"]
        .iter()
        .filter_map(|k| str_at(root, &[k]))
        .collect();
    if !named.is_empty() {
        return Some(named.join(", "));
    }
    match (num_at(root, &["Latitude"]), num_at(root, &["Longitude"])) {
        (Some(lat), Some(lon)) => Some(format!("{lat}, {lon}")),
        _ => string_at(root, &["Body"]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_quick_reply_to_a_template_is_an_interactive_reply_not_a_quote() {
        let ev = message(
            &json!({"MessageSid": "SM1", "From": "whatsapp:+6285176810035",
            "MessageType": "interactive", "Body": "Konfirmasi", "ButtonText": "Konfirmasi",
            "ButtonPayload": "confirm", "OriginalRepliedMessageSid": "MM5"}),
        );
        assert_eq!(ev.reply_to, None);
        let i = ev.interactive.unwrap();
        assert_eq!(
            (i.prompt.as_str(), i.option_id.as_str(), i.title.as_str()),
            ("MM5", "confirm", "Konfirmasi")
        );
    }

    #[test]
    fn a_text_reply_quotes() {
        let ev = message(
            &json!({"MessageSid": "SM2", "From": "whatsapp:+1", "Body": "Nice",
            "MessageType": "text", "OriginalRepliedMessageSid": "MM3"}),
        );
        assert_eq!(ev.reply_to.unwrap().as_str(), "MM3");
        assert_eq!(ev.interactive, None);
    }

    #[test]
    fn types_are_inferred_without_message_type() {
        let t = |v: Value| message(&v).msg_type.unwrap();
        assert_eq!(
            t(json!({"MessageSid": "S", "Body": "x"})),
            MessageType::Text
        );
        assert_eq!(
            t(json!({"MessageSid": "S", "Latitude": "1.5", "Longitude": "2"})),
            MessageType::Location
        );
        assert_eq!(
            t(json!({"MessageSid": "S", "NumMedia": "1", "MediaContentType0": "audio/ogg"})),
            MessageType::Voice
        );
        assert_eq!(
            t(json!({"MessageSid": "S", "NumMedia": "1", "MediaContentType0": "application/pdf"})),
            MessageType::Document
        );
        assert_eq!(
            t(json!({"MessageSid": "S", "NumMedia": "1", "MediaContentType0": "text/vcard"})),
            MessageType::Contact
        );
    }

    #[test]
    fn extra_media_are_counted_and_unknown_types_named() {
        let ev = message(&json!({"MessageSid": "S", "NumMedia": "3", "Body": "look",
            "MediaContentType0": "image/jpeg", "MediaUrl0": "https://x/0"}));
        assert_eq!(ev.text.as_deref(), Some("look [+2 more media]"));
        let ev = message(&json!({"MessageSid": "S", "MessageType": "reaction", "Body": "👍"}));
        assert_eq!(ev.msg_type, Some(MessageType::Unsupported));
        assert_eq!(
            ev.text.as_deref(),
            Some("unsupported MessageType \"reaction\": 👍")
        );
    }
}
