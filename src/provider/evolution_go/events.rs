//! Events that are not one message: connection and QR state, presence and typing, calls, group
//! changes, and chat-level syncs (archive, contacts, push names, labels, channels, history).

use super::super::json::{arr_at, at, bool_at, first_str, id_at, num_at, str_at, string_at};
use super::{jid, parties, prefer_phone, time_ms};
use crate::model::{ChatId, Event, Kind};
use serde_json::Value;

/// Connection, pairing, QR and ban notices. Evolution GO adds lower-case fields to some
/// (`status`, `jid`, `pushName` on `Connected`/`PairSuccess`, `reason` on `LoggedOut`, `qrcode`,
/// `code`, `count`, `maxCount` on `QRCode`).
pub(super) fn session(d: &Value, name: &str) -> Event {
    let mut ev = Event::new(Kind::Session, name);
    let count = |k: &str| num_at(d, &[k]).map(|n| n.to_string());
    ev.text = Some(match name {
        "Connected" => "connected".to_owned(),
        "PairSuccess" => match first_str(d, &[&["BusinessName"], &["Platform"]]) {
            Some(p) => format!("paired ({p})"),
            None => "paired".to_owned(),
        },
        "Disconnected" => "disconnected".to_owned(),
        "LoggedOut" => match first_str(d, &[&["reason"], &["Reason"]]) {
            Some(r) => format!("logged out: {r}"),
            None => "logged out".to_owned(),
        },
        "ConnectFailure" => {
            let reason = num_at(d, &["Reason"]).map(|n| n.to_string());
            match (reason, str_at(d, &["Message"])) {
                (Some(r), Some(m)) => format!("connect failure {r}: {m}"),
                (Some(r), None) => format!("connect failure {r}"),
                (None, Some(m)) => format!("connect failure: {m}"),
                (None, None) => "connect failure".to_owned(),
            }
        }
        "TemporaryBan" => {
            // `Expire` is a Go time.Duration: nanoseconds.
            let hours = num_at(d, &["expire"])
                .or_else(|| num_at(d, &["Expire"]))
                .filter(|n| *n > 0.0)
                .map(|ns| format!(", expires in {:.1} h", ns / 3.6e12));
            let reason = first_str(d, &[&["reason"]]).unwrap_or("temporary ban");
            format!("temporary ban: {reason}{}", hours.unwrap_or_default())
        }
        "QRCode" => match (count("count"), count("maxCount")) {
            (Some(n), Some(max)) => format!("QR code {n}/{max}: scan it"),
            _ => "QR code: scan it".to_owned(),
        },
        "QRTimeout" => match str_at(d, &["reason"]) {
            Some(r) => format!("QR code timed out: {r}"),
            None => "QR code timed out".to_owned(),
        },
        "QRSuccess" => "QR code scanned".to_owned(),
        "OfflineSyncCompleted" => match count("Count") {
            Some(n) => format!("offline sync completed ({n} items)"),
            None => "offline sync completed".to_owned(),
        },
        "StreamReplaced" => "replaced by another connection".to_owned(),
        other => other.to_owned(),
    });
    // The connected number, on Connected/PairSuccess.
    ev.sender = jid(d, &["jid"]).or_else(|| jid(d, &["ID"]));
    ev.sender_name = string_at(d, &["pushName"]);
    ev
}

/// `Presence` (`{From, Unavailable, LastSeen}`; Evolution GO puts `online`/`offline` in the
/// envelope's `state`).
pub(super) fn presence(root: &Value, d: &Value, name: &str) -> Event {
    let mut ev = Event::new(Kind::Presence, name);
    ev.sender = jid(d, &["From"]);
    ev.chat = ev.sender.clone();
    let online = match bool_at(d, &["Unavailable"]) {
        Some(u) => !u,
        None => str_at(root, &["state"]) == Some("online"),
    };
    ev.text = Some(if online { "online" } else { "offline" }.to_owned());
    ev.timestamp_ms = time_ms(d, &["LastSeen"]);
    ev
}

/// `ChatPresence`: typing (`composing`), recording (`composing` + media `audio`) or `paused`.
pub(super) fn chat_presence(d: &Value, name: &str) -> Event {
    let p = parties(d);
    let mut ev = p.event(Kind::Presence, name);
    ev.text = Some(
        match (str_at(d, &["State"]), str_at(d, &["Media"])) {
            (Some("composing"), Some("audio")) => "recording audio",
            (Some("composing"), _) => "typing",
            (Some("paused"), _) => "paused",
            (Some(other), _) => other,
            (None, _) => "?",
        }
        .to_owned(),
    );
    ev
}

/// Call signalling: `CallOffer`, `CallAccept`, `CallTerminate`, `CallOfferNotice` (group
/// calls), `CallRelayLatency`. Whether a 1:1 call is video is only in the raw offer node
/// (`Data.Content[].Tag == "video"`).
pub(super) fn call(d: &Value, name: &str) -> Event {
    let mut ev = Event::new(Kind::Call, name);
    let (creator, pair) = prefer_phone(jid(d, &["CallCreator"]), jid(d, &["CallCreatorAlt"]));
    let from = jid(d, &["From"]);
    ev.chat = jid(d, &["GroupJID"]).or_else(|| match (&pair, &from) {
        // A lid `From` is the creator's lid: show the phone chat.
        (Some((lid, phone)), Some(f)) if f == lid => Some(phone.clone()),
        _ => from.clone(),
    });
    ev.sender = creator.or(from);
    ev.lid_map = pair;
    ev.message_id = id_at(d, &["CallID"]);
    ev.timestamp_ms = time_ms(d, &["Timestamp"]);
    let video = str_at(d, &["Media"]) == Some("video")
        || arr_at(d, &["Data", "Content"])
            .iter()
            .any(|n| str_at(n, &["Tag"]) == Some("video"));
    let medium = if video { "video call" } else { "voice call" };
    let group = if str_at(d, &["Type"]) == Some("group") || jid(d, &["GroupJID"]).is_some() {
        "group "
    } else {
        ""
    };
    ev.text = Some(match name {
        "CallOffer" | "CallOfferNotice" => format!("incoming {group}{medium}"),
        "CallAccept" => format!("{group}{medium} accepted"),
        "CallTerminate" => match str_at(d, &["Reason"]) {
            Some(r) => format!("{group}{medium} ended ({r})"),
            None => format!("{group}{medium} ended"),
        },
        "CallReject" => format!("{group}{medium} rejected"),
        "CallRelayLatency" => format!("{group}{medium}: relay latency"),
        other => format!("{group}{medium}: {other}"),
    });
    ev
}

/// The labels of a list of JIDs (`Join`, `Leave`, …), phone numbers as `+55…`.
fn labels(d: &Value, key: &str) -> Vec<String> {
    arr_at(d, &[key])
        .iter()
        .filter_map(|j| j.as_str().and_then(ChatId::parse))
        .map(|c| c.label())
        .collect()
}

/// `GroupInfo`: what changed in a group (name, topic, settings, members), one line per change.
pub(super) fn group_info(d: &Value, name: &str) -> Event {
    let mut ev = Event::new(Kind::Group, name);
    ev.chat = jid(d, &["JID"]);
    let (who, pair) = prefer_phone(jid(d, &["Sender"]), jid(d, &["SenderPN"]));
    ev.sender = who;
    ev.lid_map = pair;
    ev.timestamp_ms = time_ms(d, &["Timestamp"]);
    ev.chat_name = string_at(d, &["Name", "Name"]);
    let mut changes: Vec<String> = Vec::new();
    if let Some(n) = str_at(d, &["Name", "Name"]) {
        changes.push(format!("subject: {n}"));
    }
    if let Some(t) = at(d, &["Topic"]).filter(|t| t.is_object()) {
        changes.push(match str_at(t, &["Topic"]) {
            Some(t) => format!("description: {t}"),
            None => "description removed".to_owned(),
        });
    }
    for (key, what) in [
        ("Join", "joined"),
        ("Leave", "left"),
        ("Promote", "promoted"),
        ("Demote", "demoted"),
    ] {
        let who = labels(d, key);
        if !who.is_empty() {
            changes.push(format!("{what}: {}", who.join(", ")));
        }
    }
    let flag = |path: &[&str], yes: &str, no: &str| {
        bool_at(d, path).map(|b| if b { yes.to_owned() } else { no.to_owned() })
    };
    changes.extend(flag(
        &["Announce", "IsAnnounce"],
        "only admins can send messages",
        "everyone can send messages",
    ));
    changes.extend(flag(
        &["Locked", "IsLocked"],
        "only admins can edit group info",
        "everyone can edit group info",
    ));
    changes.extend(flag(
        &["Ephemeral", "IsEphemeral"],
        "disappearing messages on",
        "disappearing messages off",
    ));
    if at(d, &["Delete"]).is_some_and(|v| v.is_object()) {
        changes.push("group deleted".to_owned());
    }
    if str_at(d, &["NewInviteLink"]).is_some() {
        changes.push("invite link reset".to_owned());
    }
    if at(d, &["Link"]).is_some_and(|v| v.is_object()) {
        changes.push("linked to a community".to_owned());
    }
    if at(d, &["Unlink"]).is_some_and(|v| v.is_object()) {
        changes.push("unlinked from a community".to_owned());
    }
    ev.text = Some(if changes.is_empty() {
        "group updated".to_owned()
    } else {
        changes.join("; ")
    });
    ev
}

/// `JoinedGroup`: we joined or were added to a group (whatsmeow `GroupInfo` embedded).
pub(super) fn joined_group(d: &Value, name: &str) -> Event {
    let mut ev = Event::new(Kind::Group, name);
    ev.chat = jid(d, &["JID"]);
    ev.chat_name = string_at(d, &["Name"]);
    let (who, pair) = prefer_phone(jid(d, &["Sender"]), jid(d, &["SenderPN"]));
    ev.sender = who;
    ev.lid_map = pair;
    ev.sender_name = string_at(d, &["Notify"]);
    ev.timestamp_ms = time_ms(d, &["GroupCreated"]);
    let how = match (str_at(d, &["Reason"]), str_at(d, &["Type"])) {
        (Some("invite"), _) => " by invite link",
        (_, Some("new")) => " (new group)",
        _ => "",
    };
    let members = num_at(d, &["ParticipantCount"])
        .filter(|n| *n > 0.0)
        .or_else(|| {
            let n = arr_at(d, &["Participants"]).len();
            (n > 0).then_some(n as f64)
        })
        .map(|n| format!(", {n} members"))
        .unwrap_or_default();
    ev.text = Some(format!("joined the group{how}{members}"));
    ev
}

/// Chat-level syncs: archive, contact and push-name changes, labels, channels and history.
pub(super) fn chat(d: &Value, name: &str) -> Event {
    let mut ev = Event::new(Kind::Chat, name);
    let (chat, pair) = prefer_phone(jid(d, &["JID"]), jid(d, &["JIDAlt"]));
    ev.chat = chat.or_else(|| jid(d, &["id"]));
    ev.lid_map = pair;
    ev.timestamp_ms = time_ms(d, &["Timestamp"]);
    let on = |path: &[&str], yes: &str, no: &str| match bool_at(d, path) {
        Some(true) => yes.to_owned(),
        Some(false) => no.to_owned(),
        None => format!("{yes}?"),
    };
    ev.text = Some(match name {
        "Archive" => on(&["Action", "archived"], "archived", "unarchived"),
        "Pin" => on(&["Action", "pinned"], "pinned", "unpinned"),
        "Mute" => on(&["Action", "muted"], "muted", "unmuted"),
        "Contact" => {
            ev.chat_name = first_str(d, &[&["Action", "fullName"], &["Action", "firstName"]])
                .map(str::to_owned);
            "contact updated".to_owned()
        }
        "PushName" => {
            // The new name goes where names go (`chat_name`, masked under --redact); the text
            // names no one.
            ev.chat_name = string_at(d, &["NewPushName"]);
            "profile name changed".to_owned()
        }
        "LabelEdit" => {
            let label = first_str(d, &[&["Action", "name"], &["LabelID"]]).unwrap_or("?");
            let deleted = bool_at(d, &["Action", "deleted"]) == Some(true);
            format!("label {label}{}", if deleted { " deleted" } else { "" })
        }
        "LabelAssociationChat" | "LabelAssociationMessage" => {
            ev.target = id_at(d, &["MessageID"]);
            let label = str_at(d, &["LabelID"]).unwrap_or("?");
            match bool_at(d, &["Action", "labeled"]) {
                Some(false) => format!("label {label} removed"),
                _ => format!("label {label} added"),
            }
        }
        "NewsletterJoin" => {
            ev.chat_name = string_at(d, &["thread_metadata", "name", "text"]);
            "joined channel".to_owned()
        }
        "NewsletterLeave" => "left channel".to_owned(),
        "HistorySync" => {
            let n = arr_at(d, &["Data", "conversations"]).len();
            match num_at(d, &["Data", "syncType"]) {
                Some(t) => format!("history sync type {t}: {n} chats"),
                None => format!("history sync: {n} chats"),
            }
        }
        other => other.to_owned(),
    });
    ev
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn group_info_lists_every_change() {
        let d = json!({"JID": "120363@g.us", "Sender": "777@lid",
            "SenderPN": "5511955553333@s.whatsapp.net", "Timestamp": "2025-06-01T12:00:00Z",
            "Name": {"Name": "Dev group", "NameSetAt": "2025-06-01T12:00:00Z"},
            "Join": ["5511966662222@s.whatsapp.net"], "Announce": {"IsAnnounce": true},
            "Leave": null, "Promote": []});
        let ev = group_info(&d, "GroupInfo");
        assert_eq!(ev.chat_name.as_deref(), Some("Dev group"));
        assert_eq!(ev.sender.unwrap().as_str(), "5511955553333@c.us");
        assert_eq!(
            ev.text.as_deref(),
            Some("subject: Dev group; joined: +5511966662222; only admins can send messages")
        );
    }

    #[test]
    fn call_offer_reads_video_from_the_offer_node() {
        let d = json!({"From": "5511988881111@s.whatsapp.net", "CallID": "C1",
            "CallCreator": "5511988881111@s.whatsapp.net", "GroupJID": "",
            "Timestamp": "2025-06-01T12:00:00Z",
            "Data": {"Tag": "offer", "Attrs": {}, "Content": [{"Tag": "audio"}, {"Tag": "video"}]}});
        let ev = call(&d, "CallOffer");
        assert_eq!(ev.text.as_deref(), Some("incoming video call"));
        assert_eq!(ev.chat.unwrap().as_str(), "5511988881111@c.us");
    }

    #[test]
    fn typing_and_recording() {
        let d = json!({"Chat": "1@s.whatsapp.net", "Sender": "1@s.whatsapp.net",
            "State": "composing", "Media": "audio"});
        assert_eq!(
            chat_presence(&d, "ChatPresence").text.as_deref(),
            Some("recording audio")
        );
    }
}
