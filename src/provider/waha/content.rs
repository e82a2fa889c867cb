//! Message type detection: the engine-raw `_data` probes (WEBJS/WPP `_data.type`, NOWEB
//! `_data.message.<key>`, GOWS `_data.Message.<key>` in camel- or PascalCase), WAHA's normalised
//! fields as the fallback, and the text each type shows (providers.md §1.3, §1.6, §1.8).

use super::{ci, ci_str};
use crate::model::{MessageId, MessageType as T, PollDef};
use crate::provider::json::{arr_at, bool_at, first_str, num_at, str_at};
use serde_json::Value;

/// What a message holds, as far as the payload tells.
pub(super) struct Content<'a> {
    pub ty: T,
    pub text: Option<String>,
    pub poll: Option<PollDef>,
    pub special: Special,
    /// The proto content node (NOWEB/GOWS), for media and quote fields.
    pub node: Option<&'a Value>,
}

/// Message payloads that are really another kind of event.
pub(super) enum Special {
    None,
    Reaction {
        emoji: String,
        target: Option<MessageId>,
    },
    Revoke {
        target: Option<MessageId>,
    },
    Edit {
        target: Option<MessageId>,
        text: Option<String>,
    },
}

/// What the engine-raw `_data` says the message is.
enum Probe<'a> {
    /// WEBJS/WPP `_data.type`.
    Webjs(&'a str),
    /// NOWEB `_data.message.<key>` / GOWS `_data.Message.<key>`: (lower-cased key, key, node).
    Proto(String, &'a str, &'a Value),
}

fn probe(p: &Value) -> Option<Probe<'_>> {
    let data = p.get("_data")?;
    if let Some(t) = str_at(data, &["type"]) {
        return Some(Probe::Webjs(t));
    }
    // `ci` finds both NOWEB's `message` and GOWS's `Message`.
    ci(data, "message")
        .and_then(proto_key)
        .map(|(lk, k, v)| Probe::Proto(lk, k, v))
}

/// Proto wrappers whose `message` holds the real content.
const WRAPPERS: [&str; 9] = [
    "ephemeralmessage",
    "viewoncemessage",
    "viewoncemessagev2",
    "viewoncemessagev2extension",
    "documentwithcaptionmessage",
    "editedmessage",
    "devicesentmessage",
    "groupmentionedmessage",
    "botinvokemessage",
];

/// The first content key of a proto `Message`, unwrapping wrappers and skipping metadata.
fn proto_key(node: &Value) -> Option<(String, &str, &Value)> {
    for (k, v) in node.as_object()? {
        let lk = k.to_ascii_lowercase();
        let empty = v.is_null() || v.as_str() == Some("");
        if empty || lk.ends_with("contextinfo") || lk.contains("senderkeydistribution") {
            continue;
        }
        if WRAPPERS.contains(&lk.as_str()) {
            if let Some(inner) = ci(v, "message").and_then(proto_key) {
                return Some(inner);
            }
            continue;
        }
        return Some((lk, k.as_str(), v));
    }
    None
}

fn webjs_type(t: &str, data: &Value) -> Option<T> {
    let yes = |k: &str| bool_at(data, &[k]) == Some(true);
    Some(match t {
        "chat" => T::Text,
        "image" => T::Image,
        "video" if yes("isGif") => T::Gif,
        "video" | "ptv" => T::Video,
        "ptt" => T::Voice,
        "audio" => T::Audio,
        "document" => T::Document,
        "sticker" => T::Sticker,
        "location" if yes("isLive") => T::LiveLocation,
        "location" => T::Location,
        "vcard" | "multi_vcard" => T::Contact,
        "poll_creation" => T::Poll,
        "call_log" => T::Call,
        "buttons_response"
        | "list_response"
        | "interactive_response"
        | "interactive"
        | "buttons"
        | "list"
        | "native_flow" => T::Interactive,
        "template_button_reply" => T::Button,
        "hsm" | "template" => T::Template,
        "order" => T::Order,
        "product" => T::Product,
        "groups_v4_invite" | "newsletter_admin_invite" => T::GroupInvite,
        "event_creation" => T::Event,
        "ciphertext"
        | "e2e_notification"
        | "notification"
        | "notification_template"
        | "gp2"
        | "protocol"
        | "broadcast_notification"
        | "pinned_message"
        | "pin_message" => T::System,
        _ => return None,
    })
}

fn proto_type(lk: &str, node: &Value) -> Option<T> {
    let yes = |k: &str| ci(node, k).and_then(Value::as_bool) == Some(true);
    Some(match lk {
        "conversation" | "extendedtextmessage" => T::Text,
        "imagemessage" => T::Image,
        "videomessage" if yes("gifPlayback") => T::Gif,
        "videomessage" | "ptvmessage" => T::Video,
        "audiomessage" if yes("ptt") => T::Voice,
        "audiomessage" => T::Audio,
        "documentmessage" => T::Document,
        "stickermessage" | "stickerpackmessage" | "lottiestickermessage" => T::Sticker,
        "locationmessage" if yes("isLive") => T::LiveLocation,
        "locationmessage" => T::Location,
        "livelocationmessage" => T::LiveLocation,
        "contactmessage" | "contactsarraymessage" => T::Contact,
        k if k.starts_with("pollcreationmessage") => T::Poll,
        "call" | "bcallmessage" | "calllogmesssage" | "calllogmessage" => T::Call,
        "buttonsresponsemessage"
        | "listresponsemessage"
        | "interactiveresponsemessage"
        | "buttonsmessage"
        | "listmessage"
        | "interactivemessage" => T::Interactive,
        "templatebuttonreplymessage" => T::Button,
        "templatemessage" | "highlystructuredmessage" => T::Template,
        "ordermessage" => T::Order,
        "productmessage" => T::Product,
        "groupinvitemessage" | "newsletteradmininvitemessage" => T::GroupInvite,
        "eventmessage" => T::Event,
        "pininchatmessage" | "keepinchatmessage" | "requestphonenumbermessage" => T::System,
        _ => return None,
    })
}

pub(super) fn content(p: &Value) -> Content<'_> {
    let data = p.get("_data").unwrap_or(&Value::Null);
    let mut c = Content {
        ty: T::Unsupported,
        text: None,
        poll: None,
        special: Special::None,
        node: None,
    };
    let mut unknown: Option<String> = None;
    match probe(p) {
        Some(Probe::Webjs("revoked")) => {
            c.special = Special::Revoke { target: None };
            return c;
        }
        Some(Probe::Webjs(t)) => match webjs_type(t, data) {
            Some(ty) => c.ty = ty,
            None => unknown = Some(t.to_owned()),
        },
        Some(Probe::Proto(lk, k, node)) => {
            c.node = Some(node);
            if let Some(s) = proto_special(&lk, node) {
                c.special = s;
                return c;
            }
            match proto_type(&lk, node) {
                Some(ty) => c.ty = ty,
                None => unknown = Some(k.to_owned()),
            }
            if c.ty == T::Poll {
                c.poll = proto_poll(&lk, node);
            }
        }
        None => unknown = Some(String::new()),
    }
    if let Some(orig) = unknown {
        // The engine probe said nothing useful: fall back to WAHA's normalised fields.
        match normalized_type(p) {
            Some(ty) => c.ty = ty,
            None if orig.is_empty() => {
                c.ty = T::Unsupported;
                c.text = Some("message without content".to_owned());
                return c;
            }
            None => {
                c.text = Some(format!("unsupported type {orig}"));
                return c;
            }
        }
    }
    if c.ty == T::Poll && c.poll.is_none() {
        c.poll = webjs_poll(p);
    }
    c.text = text_for(c.ty, p, c.node, c.poll.as_ref());
    c
}

/// The type from WAHA's engine-independent fields.
fn normalized_type(p: &Value) -> Option<T> {
    if p.get("interactiveResponse").is_some_and(Value::is_object) {
        return Some(T::Interactive);
    }
    if p.get("location")
        .is_some_and(|l| l.get("latitude").is_some())
    {
        return Some(T::Location);
    }
    if !arr_at(p, &["vCards"]).is_empty() {
        return Some(T::Contact);
    }
    if let Some(mime) = str_at(p, &["media", "mimetype"]) {
        return Some(mime_type(mime));
    }
    if bool_at(p, &["hasMedia"]) == Some(true) {
        return Some(T::Document);
    }
    body(p).map(|_| T::Text)
}

/// Media type by mime: WebP is what WhatsApp stickers are.
fn mime_type(mime: &str) -> T {
    let m = mime.to_ascii_lowercase();
    if m.starts_with("image/webp") {
        T::Sticker
    } else if m.starts_with("image/") {
        T::Image
    } else if m.starts_with("video/") {
        T::Video
    } else if m.starts_with("audio/") {
        T::Audio
    } else {
        T::Document
    }
}

fn proto_special(lk: &str, node: &Value) -> Option<Special> {
    let key_id = || ci_str(node, &["key", "id"]).map(MessageId::new);
    match lk {
        "reactionmessage" => Some(Special::Reaction {
            emoji: ci_str(node, &["text"]).unwrap_or("").to_owned(),
            target: key_id(),
        }),
        "protocolmessage" => {
            let ty = ci(node, "type");
            let is = |n: i64, s: &str| {
                ty.and_then(Value::as_i64) == Some(n)
                    || ty
                        .and_then(Value::as_str)
                        .is_some_and(|t| t.eq_ignore_ascii_case(s))
            };
            if is(0, "REVOKE") {
                Some(Special::Revoke { target: key_id() })
            } else if is(14, "MESSAGE_EDIT") {
                let edited = ci(node, "editedMessage").and_then(proto_key);
                let text = edited.and_then(|(lk, _, v)| {
                    match v {
                        Value::String(s) => Some(s.clone()),
                        _ => first_ci_str(v, &["text", "caption"]),
                    }
                    .filter(|_| lk != "protocolmessage")
                });
                Some(Special::Edit {
                    target: key_id(),
                    text,
                })
            } else {
                None
            }
        }
        _ => None,
    }
}

fn first_ci_str(v: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| ci_str(v, &[k])).map(str::to_owned)
}

/// NOWEB/GOWS `pollCreationMessage[V2|V3]`: V3 is single-choice when the count is absent.
fn proto_poll(lk: &str, node: &Value) -> Option<PollDef> {
    let question = ci_str(node, &["name"])?.to_owned();
    let options = ci(node, "options")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|o| ci_str(o, &["optionName"]).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let count = ci(node, "selectableOptionsCount").and_then(Value::as_f64);
    let multi = match count {
        Some(n) => n != 1.0,
        None => lk != "pollcreationmessagev3",
    };
    Some(PollDef {
        question,
        options,
        multi,
    })
}

/// WEBJS `_data.pollName`, `pollOptions[].name`, `pollSelectableOptionsCount` (0 = multi).
fn webjs_poll(p: &Value) -> Option<PollDef> {
    let question = first_str(p, &[&["_data", "pollName"], &["body"]])?.to_owned();
    let options = arr_at(p, &["_data", "pollOptions"])
        .iter()
        .filter_map(|o| {
            o.as_str()
                .or_else(|| str_at(o, &["name"]))
                .map(str::to_owned)
        })
        .collect();
    let multi = num_at(p, &["_data", "pollSelectableOptionsCount"]).is_some_and(|n| n != 1.0);
    Some(PollDef {
        question,
        options,
        multi,
    })
}

pub(super) fn body(p: &Value) -> Option<String> {
    str_at(p, &["body"]).map(str::to_owned)
}

fn text_for(ty: T, p: &Value, node: Option<&Value>, poll: Option<&PollDef>) -> Option<String> {
    let node_str = |keys: &[&str]| node.and_then(|n| first_ci_str(n, keys));
    match ty {
        T::Poll => poll.map(|d| d.question.clone()),
        T::Location | T::LiveLocation => location_text(p, node),
        T::Contact => contacts_text(p, node),
        T::Call => Some(call_text(p, node)),
        T::Interactive | T::Button => str_at(p, &["interactiveResponse", "selectedText"])
            .map(str::to_owned)
            .or_else(|| body(p))
            .or_else(|| node_str(&["selectedDisplayText", "title", "selectedId"])),
        T::Event => first_str(p, &[&["_data", "eventName"]])
            .map(str::to_owned)
            .or_else(|| node_str(&["name"]))
            .or_else(|| body(p)),
        _ => body(p)
            .or_else(|| node.and_then(Value::as_str).map(str::to_owned))
            .or_else(|| node_str(&["text", "caption", "contentText", "groupName"]))
            .or_else(|| str_at(p, &["_data", "caption"]).map(str::to_owned)),
    }
}

/// "name · address", else the description, else "lat, lon".
fn location_text(p: &Value, node: Option<&Value>) -> Option<String> {
    let loc = p.get("location").filter(|l| l.is_object());
    let null = Value::Null;
    let n = node.unwrap_or(&null);
    let named: Vec<&str> = ["name", "address"]
        .iter()
        .filter_map(|k| {
            loc.and_then(|l| str_at(l, &[k]))
                .or_else(|| ci_str(n, &[k]))
        })
        .collect();
    if !named.is_empty() {
        return Some(named.join(" · "));
    }
    let desc = loc
        .and_then(|l| str_at(l, &["description"]))
        .or_else(|| str_at(p, &["_data", "loc"]));
    if let Some(d) = desc {
        let lines: Vec<&str> = d.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        if !lines.is_empty() {
            return Some(lines.join(" · "));
        }
    }
    let coord = |a: &[&str], b: &str, c: &[&str]| {
        loc.and_then(|l| num_at(l, a))
            .or_else(|| ci(n, b).and_then(Value::as_f64))
            .or_else(|| num_at(p, c))
    };
    let lat = coord(&["latitude"], "degreesLatitude", &["_data", "lat"])?;
    let lon = coord(&["longitude"], "degreesLongitude", &["_data", "lng"])?;
    Some(format!("{lat}, {lon}"))
}

/// Contact names: vCard `FN`, else the engines' display names.
fn contacts_text(p: &Value, node: Option<&Value>) -> Option<String> {
    let mut names: Vec<String> = arr_at(p, &["vCards"])
        .iter()
        .filter_map(Value::as_str)
        .filter_map(vcard_name)
        .collect();
    if names.is_empty() {
        if let Some(n) = node {
            if let Some(list) = ci(n, "contacts").and_then(Value::as_array) {
                names.extend(
                    list.iter()
                        .filter_map(|c| ci_str(c, &["displayName"]).map(str::to_owned)),
                );
            } else if let Some(d) = ci_str(n, &["displayName"]) {
                names.push(d.to_owned());
            }
        }
    }
    if names.is_empty() {
        names.extend(
            arr_at(p, &["_data", "vcardList"])
                .iter()
                .filter_map(|c| str_at(c, &["displayName"]).map(str::to_owned)),
        );
    }
    if names.is_empty() {
        names.extend(str_at(p, &["_data", "vcardFormattedName"]).map(str::to_owned));
    }
    (!names.is_empty()).then(|| names.join(", "))
}

/// The `FN` (formatted name) of a vCard, e.g. `FN:Jane Doe` or `FN;CHARSET=UTF-8:Jane`.
pub(super) fn vcard_name(card: &str) -> Option<String> {
    card.lines().find_map(|line| {
        let line = line.trim();
        let (head, value) = line.split_once(':')?;
        let head = head.to_ascii_uppercase();
        (head == "FN" || head.starts_with("FN;"))
            .then(|| value.trim().to_owned())
            .filter(|v| !v.is_empty())
    })
}

/// "missed video call", "voice call".
fn call_text(p: &Value, node: Option<&Value>) -> String {
    let null = Value::Null;
    let n = node.unwrap_or(&null);
    let video = bool_at(p, &["_data", "isVideoCall"])
        .or_else(|| ci(n, "isVideo").and_then(Value::as_bool))
        .unwrap_or(false);
    let outcome = str_at(p, &["_data", "callOutcome"]).or_else(|| ci_str(n, &["callOutcome"]));
    let what = if video { "video call" } else { "voice call" };
    match outcome {
        Some(o) => format!("{} {what}", o.to_ascii_lowercase().replace('_', " ")),
        None => what.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ty(p: Value) -> (T, Option<String>) {
        let c = content(&p);
        (c.ty, c.text)
    }

    #[test]
    fn webjs_probe_wins_over_body() {
        // WEBJS location bodies are base64 thumbnails: never show them.
        let p = json!({"body": "/9j/4AAQSkZJRg", "location": {"latitude": "1.5", "longitude": "2",
            "description": "Cafe\nMain St 1"}, "_data": {"type": "location"}});
        assert_eq!(ty(p), (T::Location, Some("Cafe · Main St 1".into())));
        let p = json!({"body": "", "_data": {"type": "ptt"}, "hasMedia": true});
        assert_eq!(ty(p), (T::Voice, None));
    }

    #[test]
    fn proto_probe_unwraps_and_ignores_case() {
        let p = json!({"_data": {"Message": {"MessageContextInfo": {},
            "EphemeralMessage": {"Message": {"AudioMessage": {"PTT": true, "Mimetype": "audio/ogg"}}}}}});
        assert_eq!(ty(p), (T::Voice, None));
        let p = json!({"_data": {"message": {"documentWithCaptionMessage": {"message":
            {"documentMessage": {"caption": "Q3", "fileName": "q3.pdf"}}}}}});
        assert_eq!(ty(p), (T::Document, Some("Q3".into())));
    }

    #[test]
    fn proto_polls_follow_baileys_versions() {
        let node = json!({"name": "Q", "options": [{"optionName": "A"}, {"optionName": "B"}]});
        assert!(!proto_poll("pollcreationmessagev3", &node).unwrap().multi);
        assert!(proto_poll("pollcreationmessage", &node).unwrap().multi);
        let counted =
            json!({"Name": "Q", "Options": [{"OptionName": "A"}], "SelectableOptionsCount": 1});
        let d = proto_poll("pollcreationmessage", &counted).unwrap();
        assert_eq!((d.options, d.multi), (vec!["A".to_owned()], false));
    }

    #[test]
    fn protocol_messages_become_revokes_and_edits() {
        let p = json!({"_data": {"message": {"protocolMessage": {"type": "REVOKE", "key": {"id": "AAA"}}}}});
        assert!(
            matches!(content(&p).special, Special::Revoke { target: Some(ref t) } if t.as_str() == "AAA")
        );
        let p = json!({"_data": {"message": {"protocolMessage": {"type": 14, "key": {"id": "AAA"},
            "editedMessage": {"conversation": "new"}}}}});
        assert!(matches!(content(&p).special,
            Special::Edit { text: Some(ref t), .. } if t == "new"));
    }

    #[test]
    fn unknown_types_are_named_and_normalised_fields_still_help() {
        let p = json!({"_data": {"message": {"paymentInviteMessage": {}}}});
        assert_eq!(
            ty(p),
            (
                T::Unsupported,
                Some("unsupported type paymentInviteMessage".into())
            )
        );
        let p =
            json!({"_data": {"type": "weird"}, "media": {"mimetype": "video/mp4"}, "body": "c"});
        assert_eq!(ty(p), (T::Video, Some("c".into())));
        assert_eq!(ty(json!({})).0, T::Unsupported);
    }

    #[test]
    fn vcard_names_are_read_from_fn_lines() {
        assert_eq!(
            vcard_name("BEGIN:VCARD\nVERSION:3.0\nN:Doe;Jane\nFN:Jane Doe\nEND:VCARD").as_deref(),
            Some("Jane Doe")
        );
        assert_eq!(
            vcard_name("BEGIN:VCARD\r\nFN;CHARSET=UTF-8:Zé\r\nEND:VCARD").as_deref(),
            Some("Zé")
        );
        assert_eq!(vcard_name("BEGIN:VCARD\nEND:VCARD"), None);
    }
}
