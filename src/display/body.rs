//! The body as the raw-JSON view shows it: a *display body*.
//!
//! For a body that is valid JSON, the display body is the same document, token for token (key
//! order, number spelling, escapes and whitespace kept, so the view's tree, folds, search and
//! copy work on it unchanged) with three kinds of string tokens (keys and values) rewritten:
//! - characters a terminal would act on and that JSON allows raw in a string (C1 controls, DEL,
//!   bidi controls: C0 controls can only appear escaped, and an escape shows as its text) become
//!   their placeholders ([`super::sanitize`]);
//! - values under a credential key (see [`super::redact::is_credential_name`]; the whole subtree
//!   of such a key) become `"••••••"`, always;
//! - with `--redact`, values are masked by key name (names, texts) and by shape (phone numbers
//!   anywhere, keys included), see [`classify`] and [`super::redact`].
//!
//! Bodies that are not JSON are shown as text, line by line: [`text_line`].
//!
//! The exact bytes stay exact elsewhere: the capture file, the store's raw bodies, body search in
//! filters and the whole-body copy (`Y`, unless `--redact`) use the received bytes (with their
//! `Content-Encoding` undone, [`crate::body_encoding`]: the raw view shows that decoded body).

use super::redact::{self, Redactor, CREDENTIAL_MASK};
use super::sanitize;
use crate::json_tree::{self, Kind, Node, NONE};
use std::borrow::Cow;

/// What a key says about the values under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    /// Nothing special: phone numbers in it are masked under `--redact`.
    #[default]
    Plain,
    /// A person's, chat's or group's name.
    Name,
    /// Message text: bodies, captions, poll questions and options, contact cards, addresses.
    Text,
    /// Times, sizes and counts: digit runs there are not phone numbers.
    Number,
}

/// Keys (lower case, letters and digits only) whose string values are names.
const NAME_KEYS: &[&str] = &[
    "pushname",
    "notifyname",
    "name",
    "formattedname",
    "vcardformattedname",
    "verifiedname",
    "displayname",
    "profilename",
    "fromname",
    "chatname",
    "sendername",
    "firstname",
    "lastname",
    "fullname",
    "subject",
    "newslettername",
    "username",
    "nickname",
    // whatsmeow (Evolution GO): `PushName` events, pairing, `JoinedGroup`.
    "newpushname",
    "oldpushname",
    "businessname",
    "notify",
    // Green API: `senderData.senderContactName`, `groupInviteMessageData.groupName`.
    "sendercontactname",
    "groupname",
];

/// Keys whose string values (and the strings of arrays under them) are message text.
const TEXT_KEYS: &[&str] = &[
    "body",
    "text",
    "caption",
    "conversation",
    "content",
    "message",
    "description",
    "desc",
    "title",
    "footer",
    "header",
    "question",
    "pollname",
    "options",
    "optionname",
    "selectedoptions",
    "previousselectedoptions",
    "polloptions",
    "selectedtext",
    "selecteddisplaytext",
    "matchedtext",
    "quotedcontent",
    "editedcontent",
    // whatsapp-web.js edits (WAHA WEBJS, Wawp): `{id, newBody, prevBody}`.
    "newbody",
    "prevbody",
    "address",
    "loc",
    "vcard",
    "vcards",
    "headline",
    "comment",
    "responsejson",
    "label",
    // whatsmeow group description (`GroupInfo.Topic.Topic`).
    "topic",
    // Green API: `textMessageData.textMessage`, `locationMessageData.nameLocation`, prompts'
    // `contentText`/`footerText`/`titleText`, buttons' `buttonText`/`displayText` and replies'
    // `selectedButtonText`.
    "textmessage",
    "namelocation",
    "contenttext",
    "footertext",
    "titletext",
    "buttontext",
    "displaytext",
    "selectedbuttontext",
    // Twilio's form fields (shown decoded, see `display::form`); ChannelMetadata is JSON text
    // repeating the button text and profile name.
    "listtitle",
    "referralbody",
    "referralheadline",
    "channelmetadata",
];

/// The role of values under `key`.
pub fn classify(key: &str) -> Role {
    let mut word = String::new();
    redact::key_word(key, &mut word);
    classify_word(&word)
}

/// [`classify`] of a key already in [`redact::key_word`] form.
fn classify_word(k: &str) -> Role {
    if NAME_KEYS.contains(&k) {
        Role::Name
    } else if TEXT_KEYS.contains(&k) {
        Role::Text
    } else if k == "t"
        || k == "ts"
        || k.ends_with("tsms")
        || [
            "time", "date", "expir", "length", "size", "count", "duration",
        ]
        .iter()
        .any(|w| k.contains(w))
    {
        Role::Number
    } else {
        Role::Plain
    }
}

/// How a node's values are to be shown, inherited by what is under it.
#[derive(Debug, Clone, Copy, Default)]
struct Ctx {
    /// Under a credential key: every scalar below is masked.
    credential: bool,
    role: Role,
}

/// A display body.
pub struct Shown<'a> {
    pub bytes: Cow<'a, [u8]>,
    /// The parsed tree of `bytes` when they are the received bytes unchanged (the common case),
    /// so that the view need not parse them again.
    pub nodes: Option<Vec<Node>>,
}

/// The display body of `raw` when it is valid JSON (`None` otherwise: show it with
/// [`text_line`]). Borrowed when nothing needs changing.
pub fn json<'a>(raw: &'a [u8], redactor: Option<&Redactor>) -> Option<Shown<'a>> {
    let text = std::str::from_utf8(raw).ok()?;
    let nodes = json_tree::parse(raw).ok()?;
    let mut ctx: Vec<Ctx> = Vec::with_capacity(nodes.len());
    let mut word = String::new();
    let mut out: Option<String> = None;
    let mut copied = 0usize;
    let mut replace = |start: u32, stop: u32, with: Cow<'_, str>| {
        if let Cow::Owned(new) = with {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len() + 64));
            o.push_str(&text[copied..start as usize]);
            o.push_str(&new);
            copied = stop as usize;
        }
    };
    for node in &nodes {
        let parent = (node.parent != NONE).then(|| ctx[node.parent as usize]);
        let mut here = Ctx {
            credential: parent.is_some_and(|p| p.credential),
            // Array elements share their array's key.
            role: parent.map_or(Role::Plain, |p| p.role),
        };
        if node.has_key() {
            let token = &text[node.key_start as usize..node.key_end as usize];
            redact::key_word(&decode(token), &mut word);
            here.credential |= redact::is_credential_word(&word);
            here.role = classify_word(&word);
            // Keys can be data too (Evolution's presence keys its map by the user's jid).
            let shown = match redactor {
                Some(r) => masked(token, Role::Plain, r),
                None => sanitize::clean(token),
            };
            replace(node.key_start, node.key_end, shown);
        }
        let token = &text[node.start as usize..node.stop as usize];
        match node.kind() {
            Kind::Str | Kind::Num if here.credential => {
                replace(
                    node.start,
                    node.stop,
                    Cow::Owned(format!("\"{CREDENTIAL_MASK}\"")),
                );
            }
            Kind::Str => match redactor {
                Some(r) => replace(node.start, node.stop, masked(token, here.role, r)),
                None => replace(node.start, node.stop, sanitize::clean(token)),
            },
            // A phone number sent as a JSON number (Green API's `senderPhoneNumber`): masked
            // like one written as a string, and shown as a string.
            Kind::Num if node.has_key() && word.contains("phone") => {
                if let Some(r) = redactor {
                    let quoted = format!("\"{token}\"");
                    if let Cow::Owned(m) = masked(&quoted, Role::Plain, r) {
                        replace(node.start, node.stop, Cow::Owned(m));
                    }
                }
            }
            _ => {}
        }
        ctx.push(here);
    }
    Some(match out {
        None => Shown {
            bytes: Cow::Borrowed(raw),
            nodes: Some(nodes),
        },
        Some(mut o) => {
            o.push_str(&text[copied..]);
            Shown {
                bytes: Cow::Owned(o.into_bytes()),
                nodes: None,
            }
        }
    })
}

/// A string token (with its quotes) as shown under `--redact` with `role`.
fn masked<'a>(token: &'a str, role: Role, r: &Redactor) -> Cow<'a, str> {
    let value = decode(token);
    let shown: String = match role {
        Role::Name => r.name(&value),
        Role::Text => redact::mask_text(&value),
        Role::Number => return sanitize::clean(token),
        Role::Plain => match r.phones_in(&value) {
            Cow::Borrowed(_) => return sanitize::clean(token),
            Cow::Owned(s) => s,
        },
    };
    // JSON escaping takes care of C0 controls; the placeholders of the rest.
    let json = serde_json::to_string(&shown).unwrap_or_default();
    Cow::Owned(sanitize::clean(&json).into_owned())
}

/// The text of a JSON string token (with its quotes).
fn decode(token: &str) -> Cow<'_, str> {
    let inner = token
        .get(1..token.len().saturating_sub(1))
        .unwrap_or_default();
    if inner.contains('\\') {
        Cow::Owned(json_tree::decode_string(token))
    } else {
        Cow::Borrowed(inner)
    }
}

/// One line of a body that is not JSON, as shown: unsafe characters as placeholders (tabs as
/// spaces), and under `--redact` every letter and digit as `•` (nothing says which parts of a
/// non-JSON body are personal). Each character maps on its own, so a byte offset into the line
/// maps to `text_line(&line[..offset], ..).len()`.
pub fn text_line(line: &str, redact: bool) -> Cow<'_, str> {
    if !redact {
        if !line.contains('\t') {
            return sanitize::clean(line);
        }
        return Cow::Owned(sanitize::clean(&line.replace('\t', " ")).into_owned());
    }
    Cow::Owned(
        line.chars()
            .map(|c| match c {
                '\t' => ' ',
                c if c.is_alphanumeric() => '•',
                c => sanitize::placeholder(c).unwrap_or(c),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(raw: &str, r: Option<&Redactor>) -> String {
        String::from_utf8(json(raw.as_bytes(), r).expect("json").bytes.into_owned()).unwrap()
    }

    #[test]
    fn clean_bodies_are_borrowed() {
        let raw = r#"{"event":"message","payload":{"body":"Olá \u001b[2J","n":1.50e3}}"#;
        let raw = raw.as_bytes();
        let shown = json(raw, None).unwrap();
        assert!(matches!(shown.bytes, Cow::Borrowed(_)) && shown.nodes.is_some());
        assert!(json(b"{\"a\":", None).is_none());
        assert!(json(&[0xff], None).is_none());
    }

    #[test]
    fn raw_controls_become_placeholders_and_the_json_stays_valid() {
        let raw = "{\"k\u{9b}\":\"a\u{9b}31m\u{202e}b\u{7f}\",\"n\":1.0}";
        let s = shown(raw, None);
        assert_eq!(s, "{\"k\u{fffd}\":\"a\u{fffd}31m⇆b␡\",\"n\":1.0}");
        assert!(serde_json::from_str::<serde_json::Value>(&s).is_ok());
    }

    #[test]
    fn credentials_are_masked_always() {
        let raw = r#"{"apikey":"B6D7-SECRET","data":{"accessToken":"x","auth":{"password":"p","n":[1,"q"]}},"key":{"id":"ABC"},"api_key":12345}"#;
        let s = shown(raw, None);
        assert_eq!(
            s,
            r#"{"apikey":"••••••","data":{"accessToken":"••••••","auth":{"password":"••••••","n":[1,"q"]}},"key":{"id":"ABC"},"api_key":"••••••"}"#
        );
    }

    #[test]
    fn a_phone_number_sent_as_a_json_number_is_masked() {
        let r = Redactor::new();
        let raw = r#"{"senderPhoneNumber":79876543210,"battery":90,"senderPhone":12}"#;
        let s = shown(raw, Some(&r));
        let v: serde_json::Value = serde_json::from_str(&s).expect("valid JSON");
        let masked = v["senderPhoneNumber"].as_str().expect("shown as a string");
        assert!(!masked.contains("79876543210"), "{s}");
        assert_eq!(
            (v["battery"].as_u64(), v["senderPhone"].as_u64()),
            (Some(90), Some(12))
        );
        assert_eq!(shown(raw, None), raw);
    }

    #[test]
    fn redaction_by_key_and_shape_keeps_order_and_numbers() {
        let r = Redactor::new();
        let raw = r#"{"from":"5511988881111@c.us","pushName":"Gerald","ts":1795262400,
 "timestamp":"1795262400","body":"Hi there","options":["Yes","No"],
 "wa_id":"5511988881111","lid":"4555685237@lid","type":"chat","n":-0.50}"#;
        let s = shown(raw, Some(&r));
        let v: serde_json::Value = serde_json::from_str(&s).expect("valid JSON");
        let keys = [
            "from",
            "pushName",
            "ts",
            "timestamp",
            "body",
            "options",
            "wa_id",
            "lid",
            "type",
            "n",
        ];
        let at: Vec<usize> = keys
            .iter()
            .map(|k| s.find(&format!("\"{k}\":")).unwrap())
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "key order changed: {s}");
        assert!(!s.contains("5511988881111"), "{s}");
        assert!(!s.contains("Gerald") && !s.contains("Hi there") && !s.contains("Yes"));
        assert_eq!(v["from"], format!("{}@c.us", r.phone("5511988881111")));
        assert_eq!(v["wa_id"], r.phone("5511988881111"));
        assert_eq!(v["pushName"], r.name("Gerald"));
        assert_eq!(v["body"], "•• •••••");
        assert_eq!(v["timestamp"], "1795262400");
        assert_eq!(v["lid"], "4555685237@lid");
        assert!(s.contains("\"ts\":1795262400,\n") && s.ends_with("\"n\":-0.50}"));
    }

    #[test]
    fn text_lines() {
        assert_eq!(text_line("a\tb\u{1b}[2J", false), "a b␛[2J");
        assert_eq!(text_line("Gerald: 5511\u{1b}!", true), "••••••: ••••␛!");
        let line = "é\u{1b}x";
        assert_eq!(text_line(&line[..3], false).len(), 5);
    }
}
