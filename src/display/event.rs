//! Every string of a normalised [`Event`], visited in place with what it is ([`Field`]), so a
//! display copy can sanitise and mask each one by its meaning.
//!
//! The visitor destructures [`Event`] and every nested struct exhaustively (no `..`): a field
//! added to the model does not compile until it is listed here, so no new string can reach the
//! screen unsanitised by being forgotten.

use crate::model::{
    ChatId, Event, InteractiveReply, Kind, Media, MessageId, PollDef, PollSnapshot, Vote,
};

/// What a string of an event is: decides how it is sanitised and masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The provider's event name (`message.any`).
    EventName,
    /// The account an event arrived for (a session or instance name, a provider's id).
    Account,
    /// A canonical chat or user id: chats, senders, participants, voters, lid maps.
    ChatId,
    /// A chat's or a sender's name.
    Name,
    /// A provider message id (WAHA's serialized ids embed phone numbers).
    MessageId,
    /// `Event::text`: a message's body or caption for message kinds, a one-line summary for
    /// the others. Carries the event's kind.
    Text(Kind),
    /// The provider's status label (`DELIVERY_ACK`).
    StatusLabel,
    Emoji,
    /// A delivery error, a parse error, why a request was rejected.
    Error,
    Mime,
    Filename,
    Url,
    /// A poll's question.
    Question,
    /// A poll option's name (defines the option's key: see [`Field::OptionHash`]).
    OptionName,
    /// A vote's option hash (base64 SHA-256 of the option name).
    OptionHash,
    /// An interactive reply's option id (a key, not shown text).
    OptionId,
    /// An interactive reply's option title.
    OptionTitle,
}

/// Calls `f` on every string of `ev`; `f` may rewrite it.
pub fn visit_mut(ev: &mut Event, f: &mut impl FnMut(Field, &mut String)) {
    let Event {
        kind,
        account,
        event,
        chat,
        chat_name,
        sender,
        sender_name,
        from_me: _,
        message_id,
        msg_type: _,
        text,
        status: _,
        status_label,
        target,
        emoji,
        error,
        timestamp_ms: _,
        reply_to,
        participant,
        media,
        poll,
        vote,
        poll_snapshot,
        interactive,
        lid_map,
    } = ev;
    f(Field::EventName, event);
    opt(account.as_mut(), Field::Account, f);
    chat_id(chat.as_mut(), f);
    opt(chat_name.as_mut(), Field::Name, f);
    chat_id(sender.as_mut(), f);
    opt(sender_name.as_mut(), Field::Name, f);
    message(message_id.as_mut(), f);
    opt(text.as_mut(), Field::Text(*kind), f);
    opt(status_label.as_mut(), Field::StatusLabel, f);
    message(target.as_mut(), f);
    opt(emoji.as_mut(), Field::Emoji, f);
    opt(error.as_mut(), Field::Error, f);
    message(reply_to.as_mut(), f);
    chat_id(participant.as_mut(), f);
    if let Some(Media {
        mime,
        filename,
        url,
    }) = media
    {
        opt(mime.as_mut(), Field::Mime, f);
        opt(filename.as_mut(), Field::Filename, f);
        opt(url.as_mut(), Field::Url, f);
    }
    if let Some(def) = poll {
        poll_def(def, f);
    }
    if let Some(Vote {
        poll,
        voter,
        options,
        known: _,
        ts_ms: _,
    }) = vote
    {
        message(Some(poll), f);
        chat_id(Some(voter), f);
        options.iter_mut().for_each(|o| f(Field::OptionHash, o));
    }
    if let Some(PollSnapshot {
        poll,
        def,
        voters,
        ts_ms: _,
    }) = poll_snapshot
    {
        message(Some(poll), f);
        poll_def(def, f);
        for (name, who) in voters {
            f(Field::OptionName, name);
            who.iter_mut().for_each(|c| chat_id(Some(c), f));
        }
    }
    if let Some(InteractiveReply {
        prompt,
        option_id,
        title,
    }) = interactive
    {
        message(Some(prompt), f);
        f(Field::OptionId, option_id);
        f(Field::OptionTitle, title);
    }
    if let Some((lid, phone)) = lid_map {
        chat_id(Some(lid), f);
        chat_id(Some(phone), f);
    }
}

fn poll_def(def: &mut PollDef, f: &mut impl FnMut(Field, &mut String)) {
    let PollDef {
        question,
        options,
        multi: _,
    } = def;
    f(Field::Question, question);
    options.iter_mut().for_each(|o| f(Field::OptionName, o));
}

fn opt(s: Option<&mut String>, field: Field, f: &mut impl FnMut(Field, &mut String)) {
    if let Some(s) = s {
        f(field, s);
    }
}

fn chat_id(c: Option<&mut ChatId>, f: &mut impl FnMut(Field, &mut String)) {
    if let Some(c) = c {
        c.rewrite(|s| f(Field::ChatId, s));
    }
}

fn message(m: Option<&mut MessageId>, f: &mut impl FnMut(Field, &mut String)) {
    if let Some(MessageId(s)) = m {
        f(Field::MessageId, s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ChatId, Kind};

    /// Every string field of an event, filled in, is visited exactly once.
    #[test]
    fn every_string_is_visited() {
        let id = |s: &str| ChatId::parse(s).unwrap();
        let mut ev = Event::new(Kind::PollVote, "e");
        ev.chat = Some(id("1@c.us"));
        ev.chat_name = Some("n".into());
        ev.sender = Some(id("2@c.us"));
        ev.sender_name = Some("n".into());
        ev.message_id = Some(MessageId::new("m"));
        ev.text = Some("t".into());
        ev.status_label = Some("l".into());
        ev.target = Some(MessageId::new("m"));
        ev.emoji = Some("e".into());
        ev.error = Some("e".into());
        ev.reply_to = Some(MessageId::new("m"));
        ev.participant = Some(id("3@c.us"));
        ev.media = Some(Media {
            mime: Some("m".into()),
            filename: Some("f".into()),
            url: Some("u".into()),
        });
        let def = PollDef {
            question: "q".into(),
            options: vec!["a".into(), "b".into()],
            multi: false,
        };
        ev.poll = Some(def.clone());
        ev.vote = Some(Vote {
            poll: MessageId::new("p"),
            voter: id("4@c.us"),
            options: vec!["h".into()],
            known: true,
            ts_ms: None,
        });
        ev.poll_snapshot = Some(PollSnapshot {
            poll: MessageId::new("p"),
            def,
            voters: vec![("a".into(), vec![id("5@c.us")])],
            ts_ms: None,
        });
        ev.interactive = Some(InteractiveReply {
            prompt: MessageId::new("p"),
            option_id: "o".into(),
            title: "t".into(),
        });
        ev.lid_map = Some((id("6@lid"), id("7@c.us")));
        let mut seen = Vec::new();
        visit_mut(&mut ev, &mut |field, s| {
            seen.push(field);
            s.push('!');
        });
        assert_eq!(seen.len(), 33, "{seen:?}");
        // Every string now ends with the mark: nothing was skipped.
        let json = serde_json::to_value(&ev).unwrap();
        fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
            match v {
                serde_json::Value::String(s) => out.push(s.clone()),
                serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
                serde_json::Value::Object(o) => o.values().for_each(|x| strings(x, out)),
                _ => {}
            }
        }
        let mut all = Vec::new();
        strings(&json, &mut all);
        let unmarked: Vec<_> = all
            .iter()
            .filter(|s| !s.ends_with('!') && !["poll_vote"].contains(&s.as_str()))
            .collect();
        assert!(unmarked.is_empty(), "{unmarked:?}");
    }
}
