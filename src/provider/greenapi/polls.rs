//! Green API polls: the poll as created (`pollMessage`) and its state after a vote
//! (`pollUpdateMessage`).
//!
//! A `pollUpdateMessage` is not one vote but the poll's whole current state: per option
//! (`votes[].optionName`) every voter who chose it (`optionVoters`). So it becomes one
//! `poll_vote` event carrying both a `poll_snapshot` (the full tally, which replaces what the
//! store knew: a vote withdrawn or moved disappears from the old option) and a `vote` for the
//! notification's sender, their complete current selection read from those lists (empty when
//! they withdrew). The snapshot's time is the notification's `timestamp`.
//!
//! Docs: "If you select an option in a poll, then immediately cancel it, the pollUpdateMessage
//! webhook will be sent for the last state of the poll": a snapshot per state, never a delta.

use crate::model::{option_hash, ChatId, Event, MessageId, PollDef, PollSnapshot, Vote};
use crate::provider::json::{arr_at, bool_at, id_at, str_at};
use serde_json::Value;

/// A poll as defined by `pollMessageData` (`name`, `options[].optionName`, `multipleAnswers`);
/// an update's `votes[].optionName` names the options when `options` is absent.
pub(super) fn definition(d: &Value) -> PollDef {
    let from = |key: &str| -> Vec<String> {
        arr_at(d, &[key])
            .iter()
            .filter_map(|o| str_at(o, &["optionName"]).or_else(|| o.as_str()))
            .map(str::to_owned)
            .collect()
    };
    let options = match from("options") {
        o if o.is_empty() => from("votes"),
        o => o,
    };
    PollDef {
        question: str_at(d, &["name"]).unwrap_or("").to_owned(),
        options,
        multi: bool_at(d, &["multipleAnswers"]) == Some(true),
    }
}

/// Fills `ev` (kind `poll_vote`, parties from the envelope) from a `pollUpdateMessage`.
pub(super) fn update(ctx: &super::Ctx, mut ev: Event, md: &Value) -> Event {
    let null = Value::Null;
    let d = md.get("pollMessageData").unwrap_or(&null);
    ev.target = id_at(d, &["stanzaId"]);
    let voters: Vec<(String, Vec<ChatId>)> = arr_at(d, &["votes"])
        .iter()
        .filter_map(|o| {
            let name = str_at(o, &["optionName"])?;
            let who = arr_at(o, &["optionVoters"])
                .iter()
                .filter_map(|v| v.as_str().and_then(|v| ctx.id(v)))
                .collect();
            Some((name.to_owned(), who))
        })
        .collect();
    let Some(poll) = ev.target.clone() else {
        ev.text = Some("poll update without the poll's id".to_owned());
        return ev;
    };
    if let Some(voter) = ev.sender.clone() {
        let chosen: Vec<&str> = voters
            .iter()
            .filter(|(_, who)| who.contains(&voter))
            .map(|(name, _)| name.as_str())
            .collect();
        ev.text = Some(if chosen.is_empty() {
            "vote withdrawn".to_owned()
        } else {
            chosen.join(", ")
        });
        ev.vote = Some(Vote {
            poll: poll.clone(),
            voter,
            options: chosen.iter().map(|n| option_hash(n)).collect(),
            known: true,
            ts_ms: ev.timestamp_ms,
        });
    }
    ev.poll_snapshot = Some(PollSnapshot {
        poll: MessageId::new(poll.as_str()),
        def: definition(d),
        voters,
        ts_ms: ev.timestamp_ms,
    });
    ev
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Kind;
    use serde_json::json;

    fn vote_of(sender: &str, votes: Value) -> Event {
        let mut ev = Event::new(Kind::PollVote, "incomingMessageReceived");
        ev.sender = ChatId::parse(sender);
        ev.timestamp_ms = Some(1_700_000_000_000);
        let ctx = super::super::Ctx {
            event: "incomingMessageReceived",
            me: None,
            ts_ms: None,
            messenger: None,
        };
        update(
            &ctx,
            ev,
            &json!({"typeMessage": "pollUpdateMessage", "pollMessageData": {
                "stanzaId": "P", "name": "Ship on Friday?", "multipleAnswers": false,
                "votes": votes}}),
        )
    }

    #[test]
    fn the_senders_vote_is_read_from_the_full_lists() {
        let ev = vote_of(
            "5511966662222@c.us",
            json!([
                {"optionName": "Yes", "optionVoters": []},
                {"optionName": "No", "optionVoters": ["5511955553333@c.us"]},
                {"optionName": "Later", "optionVoters": ["5511966662222@s.whatsapp.net"]}
            ]),
        );
        let v = ev.vote.as_ref().unwrap();
        assert_eq!(v.options, [option_hash("Later")]);
        assert_eq!(v.poll.as_str(), "P");
        assert_eq!(ev.text.as_deref(), Some("Later"));
        let snap = ev.poll_snapshot.unwrap();
        assert_eq!(snap.def.options, ["Yes", "No", "Later"]);
        assert_eq!(snap.voters[2].1[0].as_str(), "5511966662222@c.us");
    }

    #[test]
    fn a_sender_in_no_list_withdrew() {
        let ev = vote_of(
            "5511966662222@c.us",
            json!([{"optionName": "Yes", "optionVoters": ["5511955553333@c.us"]}]),
        );
        assert!(ev.vote.unwrap().options.is_empty());
        assert_eq!(ev.text.as_deref(), Some("vote withdrawn"));
    }

    #[test]
    fn options_come_from_options_or_votes() {
        let def = definition(&json!({"name": "Q", "multipleAnswers": true,
            "options": [{"optionName": "A"}, {"optionName": "B"}]}));
        assert_eq!((def.options.len(), def.multi), (2, true));
        let def = definition(&json!({"name": "Q", "votes": [{"optionName": "A"}]}));
        assert_eq!((def.options, def.multi), (vec!["A".to_owned()], false));
    }
}
