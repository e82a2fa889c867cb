//! What a `ReceivedCallback` message is: Z-API puts the content under one key named for its
//! type (`text`, `image`, `audio`, `poll`, `reaction`, ...). This file reads each into the
//! event's type, text, media, poll, vote, reaction or interactive reply.

use super::super::json::{arr_at, bool_at, first_str, id_at, num_at, str_at, string_at};
use super::parties::{chat_id, user_id};
use crate::model::{option_hash, Event, InteractiveReply, Kind, Media, MessageType, PollDef, Vote};
use serde_json::Value;

/// Content keys, in the order they are looked for. A status reply carries `text` next to
/// `statusImage`, so `text` comes first and wins.
const KEYS: [&str; 32] = [
    "reaction",
    "pollVote",
    "poll",
    "text",
    "image",
    "audio",
    "video",
    "ptv",
    "document",
    "sticker",
    "location",
    "liveLocation",
    "contact",
    "contacts",
    "buttonsResponseMessage",
    "listResponseMessage",
    "buttonsMessage",
    "listMessage",
    "hydratedTemplate",
    "carouselMessage",
    "pixKeyMessage",
    "product",
    "order",
    "reviewAndPay",
    "reviewOrder",
    "requestPayment",
    "sendPayment",
    "newsletterAdminInvite",
    "pinMessage",
    "event",
    "eventResponse",
    "statusImage",
];

/// Fills `ev` from the content key `root` carries.
pub(super) fn apply(root: &Value, ev: &mut Event) {
    let found = KEYS
        .iter()
        .find_map(|k| root.get(*k).filter(|v| v.is_object()).map(|v| (*k, v)));
    let Some((key, body)) = found else {
        unknown(root, ev);
        return;
    };
    let s = |k: &str| string_at(body, &[k]);
    let set = |ev: &mut Event, t: MessageType, text: Option<String>| {
        ev.msg_type = Some(t);
        ev.text = text;
    };
    match key {
        "reaction" => reaction(root, body, ev),
        "pollVote" => poll_vote(body, ev),
        "poll" => poll(body, ev),
        "text" => set(ev, MessageType::Text, s("message")),
        "image" | "statusImage" => {
            let t = if gif(body) {
                MessageType::Gif
            } else {
                MessageType::Image
            };
            set(ev, t, s("caption"));
            media(ev, body, "imageUrl", None);
        }
        "video" | "ptv" => {
            let t = if gif(body) {
                MessageType::Gif
            } else {
                MessageType::Video
            };
            set(ev, t, s("caption"));
            let url = if key == "ptv" { "ptvUrl" } else { "videoUrl" };
            media(ev, body, url, None);
        }
        "audio" => {
            let t = if bool_at(body, &["ptt"]) == Some(true) {
                MessageType::Voice
            } else {
                MessageType::Audio
            };
            set(ev, t, None);
            media(ev, body, "audioUrl", None);
        }
        "document" => {
            let text = first_str(body, &[&["caption"], &["title"], &["fileName"]]);
            set(ev, MessageType::Document, text.map(str::to_owned));
            media(ev, body, "documentUrl", s("fileName"));
        }
        "sticker" => {
            set(ev, MessageType::Sticker, None);
            media(ev, body, "stickerUrl", None);
        }
        "location" => set(ev, MessageType::Location, place(body)),
        "liveLocation" => set(ev, MessageType::LiveLocation, place(body)),
        "contact" => set(
            ev,
            MessageType::Contact,
            first_str(body, &[&["displayName"], &["phones", "0"]]).map(str::to_owned),
        ),
        "contacts" => {
            // **[I]** several contacts: an object holding a `contacts` array like `contact`s.
            let names: Vec<&str> = arr_at(body, &["contacts"])
                .iter()
                .filter_map(|c| str_at(c, &["displayName"]))
                .collect();
            set(
                ev,
                MessageType::Contact,
                (!names.is_empty()).then(|| names.join(", ")),
            );
        }
        "buttonsResponseMessage" => {
            let title = s("message");
            set(ev, MessageType::Interactive, title.clone());
            answer(ev, s("buttonId"), title);
        }
        "listResponseMessage" => {
            let title = s("title").or_else(|| s("message"));
            set(ev, MessageType::Interactive, title.clone());
            answer(ev, s("selectedRowId"), title);
        }
        "buttonsMessage" | "listMessage" => set(
            ev,
            MessageType::Interactive,
            first_str(body, &[&["message"], &["description"], &["title"]]).map(str::to_owned),
        ),
        "hydratedTemplate" => set(
            ev,
            MessageType::Template,
            first_str(body, &[&["message"], &["title"]]).map(str::to_owned),
        ),
        "carouselMessage" => set(ev, MessageType::Interactive, s("text")),
        "pixKeyMessage" => set(
            ev,
            MessageType::Interactive,
            Some(match s("merchantName") {
                Some(m) => format!("PIX key ({m})"),
                None => "PIX key".to_owned(),
            }),
        ),
        "product" => set(ev, MessageType::Product, s("title")),
        "order" => set(
            ev,
            MessageType::Order,
            s("orderTitle").or_else(|| num_at(body, &["itemCount"]).map(|n| format!("{n} items"))),
        ),
        "reviewAndPay" | "reviewOrder" => {
            let what = if key == "reviewAndPay" {
                "order"
            } else {
                "order update"
            };
            let text = match (s("referenceId"), s("orderStatus")) {
                (Some(r), Some(st)) => format!("{what} {r}: {st}"),
                (Some(r), None) => format!("{what} {r}"),
                (None, Some(st)) => format!("{what}: {st}"),
                (None, None) => what.to_owned(),
            };
            set(ev, MessageType::Order, Some(text));
        }
        "requestPayment" | "sendPayment" => {
            let info = body.get("paymentInfo").unwrap_or(body);
            let amount = num_at(body, &["value"]).or_else(|| num_at(info, &["value"]));
            let currency = first_str(body, &[&["currencyCode"], &["paymentInfo", "currencyCode"]]);
            let what = if key == "requestPayment" {
                "payment request"
            } else {
                "payment"
            };
            let text = match (amount, currency) {
                (Some(a), Some(c)) => format!("{what} {a} {c}"),
                (Some(a), None) => format!("{what} {a}"),
                _ => what.to_owned(),
            };
            set(ev, MessageType::Order, Some(text));
        }
        "newsletterAdminInvite" => set(
            ev,
            MessageType::GroupInvite,
            first_str(body, &[&["newsletterName"], &["text"]]).map(str::to_owned),
        ),
        "pinMessage" => {
            let action = s("action").unwrap_or_else(|| "pin".to_owned());
            set(ev, MessageType::System, Some(format!("{action} message")));
            ev.reply_to = id_at(body, &["referencedMessage", "messageId"]).or(ev.reply_to.take());
        }
        "event" => set(ev, MessageType::Event, s("name")),
        "eventResponse" => {
            let text = s("response").map(|r| format!("event response: {r}"));
            set(ev, MessageType::Event, text);
            ev.reply_to = id_at(body, &["referencedMessage", "messageId"]).or(ev.reply_to.take());
        }
        _ => unknown(root, ev),
    }
}

/// A body with none of the known content keys: still a message, saying what it had.
fn unknown(root: &Value, ev: &mut Event) {
    ev.msg_type = Some(MessageType::Unsupported);
    if bool_at(root, &["waitingMessage"]) == Some(true) {
        ev.text = Some("waiting for this message".to_owned());
        return;
    }
    let keys: Vec<&str> = root
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, v)| v.is_object() && !["externalAdReply"].contains(&k.as_str()))
                .map(|(k, _)| k.as_str())
                .collect()
        })
        .unwrap_or_default();
    ev.text = Some(if keys.is_empty() {
        "message with no content".to_owned()
    } else {
        format!("unsupported content: {}", keys.join(", "))
    });
}

fn gif(body: &Value) -> bool {
    bool_at(body, &["isGif"]) == Some(true)
}

/// Sets the media of `ev` from `body`: its `mimeType` (`mimetype` in status images) and the
/// URL under `url_key`.
fn media(ev: &mut Event, body: &Value, url_key: &str, filename: Option<String>) {
    let m = Media {
        mime: first_str(body, &[&["mimeType"], &["mimetype"]]).map(str::to_owned),
        filename,
        url: string_at(body, &[url_key]),
    };
    ev.media = (m != Media::default()).then_some(m);
}

/// "name · address", the caption, or "lat, lon".
fn place(body: &Value) -> Option<String> {
    let named: Vec<&str> = [str_at(body, &["name"]), str_at(body, &["address"])]
        .into_iter()
        .flatten()
        .collect();
    if !named.is_empty() {
        return Some(named.join(" · "));
    }
    string_at(body, &["caption"]).or_else(|| {
        let lat = num_at(body, &["latitude"])?;
        let lon = num_at(body, &["longitude"])?;
        Some(format!("{lat}, {lon}"))
    })
}

/// A reply to buttons or a list: tallied on the prompt, which Z-API names in
/// `referenceMessageId` (already the event's `reply_to`).
fn answer(ev: &mut Event, option_id: Option<String>, title: Option<String>) {
    let (Some(prompt), Some(title)) = (ev.reply_to.clone(), title) else {
        return;
    };
    ev.interactive = Some(InteractiveReply {
        prompt,
        option_id: option_id.unwrap_or_else(|| title.clone()),
        title,
    });
}

/// `reaction: {value, time, referencedMessage: {messageId, ...}}`; an empty value removes it.
/// The reactor is the body's sender: `reactionBy` is sometimes a bare lid, so it is not used.
fn reaction(root: &Value, body: &Value, ev: &mut Event) {
    ev.kind = Kind::Reaction;
    ev.msg_type = None;
    ev.status = None;
    ev.status_label = None;
    ev.target = id_at(body, &["referencedMessage", "messageId"]);
    ev.emoji = Some(
        body.get("value")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
    );
    if let Some(t) = super::super::json::millis_at(body, &["time"]) {
        ev.timestamp_ms = Some(t);
    }
    if ev.chat.is_none() {
        ev.chat =
            str_at(body, &["referencedMessage", "phone"]).and_then(|p| chat_id(p, false, false));
    }
    if ev.sender.is_none() && ev.from_me != Some(true) {
        ev.sender = str_at(root, &["participantPhone"]).and_then(user_id);
    }
}

/// `poll: {question, pollMaxOptions, options: [{name}]}`. `pollMaxOptions` 1 is single choice;
/// 0 (the docs' example), more than 1 or absent is multiple choice.
fn poll(body: &Value, ev: &mut Event) {
    let question = str_at(body, &["question"]).unwrap_or("").to_owned();
    ev.msg_type = Some(MessageType::Poll);
    ev.text = Some(question.clone());
    ev.poll = Some(PollDef {
        question,
        options: names(body),
        multi: num_at(body, &["pollMaxOptions"]).is_none_or(|n| n != 1.0),
    });
}

/// `pollVote: {pollMessageId, options: [{name}]}`: the voter's whole current selection (a new
/// vote replaces their previous one; none left withdraws it), by option name.
fn poll_vote(body: &Value, ev: &mut Event) {
    ev.kind = Kind::PollVote;
    ev.msg_type = None;
    ev.status = None;
    ev.status_label = None;
    ev.target = id_at(body, &["pollMessageId"]);
    let (Some(poll), Some(voter)) = (ev.target.clone(), ev.sender.clone()) else {
        return;
    };
    ev.vote = Some(Vote {
        poll,
        voter,
        options: names(body).iter().map(|n| option_hash(n)).collect(),
        known: true,
        ts_ms: ev.timestamp_ms,
    });
}

/// The option names of a poll or vote (`[{name}]`, or plain strings).
fn names(body: &Value) -> Vec<String> {
    arr_at(body, &["options"])
        .iter()
        .filter_map(|o| o.as_str().or_else(|| str_at(o, &["name"])))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::received::received;
    use super::*;
    use crate::model::{ChatId, MessageId};
    use serde_json::json;

    fn group(extra: Value) -> Event {
        let mut b = json!({"type": "ReceivedCallback", "instanceId": "I", "messageId": "V",
            "phone": "120363019502650977-group", "isGroup": true, "fromMe": false,
            "participantPhone": "5511966662222", "momment": 1700000000000u64});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        received(&b, "ReceivedCallback")
    }

    #[test]
    fn a_vote_is_the_voters_whole_selection_as_hashes() {
        let ev = group(json!({"pollVote": {"pollMessageId": "P",
            "options": [{"name": "Yes"}, {"name": "Later"}]}}));
        assert_eq!(ev.kind, Kind::PollVote);
        let v = ev.vote.unwrap();
        assert_eq!(v.poll, MessageId::new("P"));
        assert_eq!(v.voter, ChatId::parse("5511966662222").unwrap());
        assert_eq!(v.options, [option_hash("Yes"), option_hash("Later")]);
        assert_eq!(v.ts_ms, Some(1_700_000_000_000));
        // No options left: the vote is withdrawn, still a known (empty) selection.
        let none = group(json!({"pollVote": {"pollMessageId": "P", "options": []}}));
        assert!(none.vote.unwrap().options.is_empty());
    }

    #[test]
    fn poll_max_options_decides_multi() {
        let multi = |n: Value| {
            group(json!({"poll": {"question": "q", "pollMaxOptions": n,
                "options": [{"name": "a"}, {"name": "b"}]}}))
            .poll
            .unwrap()
            .multi
        };
        assert!(!multi(json!(1)));
        assert!(multi(json!(0)));
        assert!(multi(json!(2)));
    }

    #[test]
    fn an_empty_reaction_removes_it() {
        let ev = group(json!({"reaction": {"value": "", "time": 1651878681150u64,
            "referencedMessage": {"messageId": "T", "fromMe": true}}}));
        assert_eq!(ev.kind, Kind::Reaction);
        assert_eq!(ev.emoji.as_deref(), Some(""));
        assert_eq!(ev.target, Some(MessageId::new("T")));
        assert_eq!(ev.timestamp_ms, Some(1_651_878_681_150));
    }

    #[test]
    fn a_button_reply_is_tallied_on_its_prompt() {
        let ev = group(json!({"referenceMessageId": "PROMPT",
            "buttonsResponseMessage": {"buttonId": "1", "message": "Great"}}));
        let r = ev.interactive.unwrap();
        assert_eq!(
            (r.prompt.as_str(), r.option_id.as_str(), r.title.as_str()),
            ("PROMPT", "1", "Great")
        );
    }

    #[test]
    fn unknown_content_names_its_keys() {
        let ev = group(json!({"somethingNew": {"a": 1}}));
        assert_eq!(ev.msg_type, Some(MessageType::Unsupported));
        assert_eq!(
            ev.text.as_deref(),
            Some("unsupported content: somethingNew")
        );
    }
}
