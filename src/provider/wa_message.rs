//! Pieces of WhatsApp's own message protobuf, as Baileys (Evolution API) and whatsmeow
//! (Evolution GO) both render it in JSON: the `protocolMessage` (type 0 REVOKE deletes the
//! message its key names, type 14 MESSAGE_EDIT gives it new content in `editedMessage`; other
//! types are for the caller to show), the poll a `pollCreationMessage*` defines, the text of
//! a `contactsArrayMessage`, and the content types both render alike ([`plain_content`]).
//!
//! Core module: pure functions, no I/O.

use super::json::{arr_at, bool_at, first_str, id_at, num_at, str_at, string_at};
use crate::model::{Event, Kind, Media, MessageType, PollDef};
use serde_json::Value;

/// What a `protocolMessage` was, once [`protocol`] has read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Revoke,
    Edit,
    /// Another type (its number when it has one): the event is left for the caller to describe.
    Other(Option<i64>),
}

/// Makes `ev` the revoke or edit `p` is. The acted-on message's id is `key.<key_id>` (`id` in
/// Baileys, `ID` in whatsmeow); `content` reads the edited message's new content into an event.
pub fn protocol(
    p: &Value,
    ev: &mut Event,
    key_id: &str,
    content: impl FnOnce(&Value, &mut Event),
) -> Protocol {
    let kind = match p.get("type") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => match s.as_str() {
            "REVOKE" => Some(0),
            "MESSAGE_EDIT" => Some(14),
            s => s.parse().ok(),
        },
        // proto2 enums are pointers in Go: a REVOKE (0) is still written, so a missing type
        // is not a revoke.
        _ => None,
    };
    match kind {
        Some(0) => {
            ev.kind = Kind::Revoke;
            ev.target = id_at(p, &["key", key_id]);
            ev.msg_type = None;
            ev.text = None;
            Protocol::Revoke
        }
        Some(14) => {
            ev.kind = Kind::Edit;
            ev.target = id_at(p, &["key", key_id]);
            let edited = p.get("editedMessage").unwrap_or(&Value::Null);
            let mut tmp = Event::new(Kind::Message, "");
            content(edited, &mut tmp);
            ev.msg_type = tmp.msg_type;
            ev.text = tmp.text;
            ev.media = tmp.media;
            Protocol::Edit
        }
        other => {
            ev.target = None;
            Protocol::Other(other)
        }
    }
}

/// The poll a `pollCreationMessage`, `…V2` or `…V3` (`ty`) defines. `selectableOptionsCount`
/// is how many options a voter may pick (0: any number), and a V3 poll is single-choice unless
/// it says otherwise (whatsmeow's `BuildPollCreation`).
pub fn poll_creation(body: &Value, ty: &str) -> PollDef {
    let options = arr_at(body, &["options"])
        .iter()
        .filter_map(|o| str_at(o, &["optionName"]).map(str::to_owned))
        .collect();
    let n = num_at(body, &["selectableOptionsCount"]).unwrap_or(0.0);
    PollDef {
        question: str_at(body, &["name"]).unwrap_or("").to_owned(),
        options,
        multi: n > 1.0 || (n == 0.0 && ty != "pollCreationMessageV3"),
    }
}

/// A `contactsArrayMessage`'s text: its contacts' names, else its own `displayName`.
pub fn contacts_text(body: &Value) -> Option<String> {
    let names: Vec<&str> = arr_at(body, &["contacts"])
        .iter()
        .filter_map(|c| str_at(c, &["displayName"]))
        .collect();
    if names.is_empty() {
        str_at(body, &["displayName"]).map(str::to_owned)
    } else {
        Some(names.join(", "))
    }
}

/// How a dialect spells the protobuf's json names that differ: Baileys keeps protobuf.js's
/// camelCase (`url`, `ptt`, `key.id`), whatsmeow Go's initialisms (`URL`, `PTT`, `key.ID`).
pub struct Spelling {
    pub url: &'static str,
    pub ptt: &'static str,
    pub key_id: &'static str,
    pub button_id: &'static str,
}

pub const BAILEYS: Spelling = Spelling {
    url: "url",
    ptt: "ptt",
    key_id: "id",
    button_id: "selectedButtonId",
};

pub const WHATSMEOW: Spelling = Spelling {
    url: "URL",
    ptt: "PTT",
    key_id: "ID",
    button_id: "selectedButtonID",
};

/// Reads a message of type `ty` (its object `body`) into `ev` when it is one of the types both
/// dialects render alike: text, media, contacts, a reaction, button and list answers, templates,
/// orders, products, group invites and events. False for any other type, which the caller
/// reads (wrappers, locations, polls, protocol messages and edits differ between them).
pub fn plain_content(ty: &str, body: &Value, ev: &mut Event, sp: &Spelling) -> bool {
    let text = |p: &[&str]| string_at(body, p);
    let (t, txt) = match ty {
        "conversation" => (MessageType::Text, body.as_str().map(str::to_owned)),
        "extendedTextMessage" => (MessageType::Text, text(&["text"])),
        "imageMessage" | "videoMessage" | "audioMessage" | "documentMessage" | "stickerMessage"
        | "ptvMessage" => {
            let t = match ty {
                "imageMessage" => MessageType::Image,
                "videoMessage" if bool_at(body, &["gifPlayback"]) == Some(true) => MessageType::Gif,
                "videoMessage" | "ptvMessage" => MessageType::Video,
                "audioMessage" if bool_at(body, &[sp.ptt]) == Some(true) => MessageType::Voice,
                "audioMessage" => MessageType::Audio,
                "documentMessage" => MessageType::Document,
                _ => MessageType::Sticker,
            };
            ev.media = Some(Media {
                mime: text(&["mimetype"]),
                filename: text(&["fileName"]),
                url: text(&[sp.url]),
            });
            (t, text(&["caption"]))
        }
        "contactMessage" => (MessageType::Contact, text(&["displayName"])),
        "contactsArrayMessage" => (MessageType::Contact, contacts_text(body)),
        "reactionMessage" => {
            ev.kind = Kind::Reaction;
            ev.target = id_at(body, &["key", sp.key_id]);
            ev.emoji = Some(str_at(body, &["text"]).unwrap_or("").to_owned());
            return true;
        }
        "placeholderMessage" => (
            MessageType::Unsupported,
            Some("message not available on linked device".to_owned()),
        ),
        "buttonsResponseMessage" => (
            MessageType::Interactive,
            first_str(body, &[&["selectedDisplayText"], &[sp.button_id]]).map(str::to_owned),
        ),
        "listResponseMessage" => (MessageType::Interactive, text(&["title"])),
        "templateButtonReplyMessage" => (MessageType::Button, text(&["selectedDisplayText"])),
        "templateMessage" => (
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
        "orderMessage" => (
            MessageType::Order,
            num_at(body, &["itemCount"]).map(|n| format!("{n} items")),
        ),
        "productMessage" => (MessageType::Product, text(&["product", "title"])),
        "groupInviteMessage" => (
            MessageType::GroupInvite,
            first_str(body, &[&["caption"], &["groupName"]]).map(str::to_owned),
        ),
        "eventMessage" => (MessageType::Event, text(&["name"])),
        _ => return false,
    };
    ev.msg_type = Some(t);
    ev.text = txt;
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn revokes_edits_and_the_rest() {
        let mut ev = Event::new(Kind::Message, "m");
        let p = json!({"type": "REVOKE", "key": {"id": "A"}});
        assert_eq!(protocol(&p, &mut ev, "id", |_, _| {}), Protocol::Revoke);
        assert_eq!(ev.target.as_ref().map(|t| t.as_str()), Some("A"));
        let mut ev = Event::new(Kind::Message, "m");
        let p = json!({"type": 14, "key": {"ID": "B"}, "editedMessage": {"conversation": "new"}});
        let got = protocol(&p, &mut ev, "ID", |m, e| {
            e.text = m["conversation"].as_str().map(str::to_owned)
        });
        assert_eq!(got, Protocol::Edit);
        assert_eq!(ev.text.as_deref(), Some("new"));
        let mut ev = Event::new(Kind::Message, "m");
        let p = json!({"type": 3, "key": {"id": "C"}});
        assert_eq!(
            protocol(&p, &mut ev, "id", |_, _| {}),
            Protocol::Other(Some(3))
        );
        assert!(ev.target.is_none());
        let p = json!({"key": {"id": "D"}});
        assert_eq!(
            protocol(&p, &mut ev, "id", |_, _| {}),
            Protocol::Other(None)
        );
    }
}
