//! Whapi delivery statuses (`statuses.post/put`) and `messages.patch` updates
//! (`messages_updates`: poll tallies, edits, other changes).
//!
//! Decisions:
//! - Statuses are mapped by their `status` string, never by `code` (only `read` = 4 is
//!   verified). `deleted` is kind `revoke` with `target` = the message id. `viewer_id` (story
//!   views) is the `participant`; `errors[]` become "code: title — details".
//! - A poll patch is ONE kind `poll_vote` event: `target` = poll id, `poll_snapshot` =
//!   `after_update.poll` results (names with their voters as canonical ids; `ts_ms` = the
//!   trigger's time, so the store can ignore stale snapshots), and, when the trigger is a vote,
//!   `vote` = that voter's selection (hashes), `message_id`/`sender` = the vote message and its
//!   author. The snapshot already contains the vote, so applying both is idempotent.
//! - A text change (`changes` naming text/body/caption, or an `edit` trigger) is kind `edit`
//!   with the new text read from `after_update`. Other triggers (reactions, deletes) are
//!   normalised as the action message they are; a bare `status` change is kind `status`.
//!   Anything else is kind `unknown` naming the changes.

use super::super::json::{
    arr_at, at, bool_at, chat_at, first_str, id_at, millis_at, num_at, str_at, string_at,
    strings_at,
};
use super::messages::{ack, base, classify, content_text, edited_text, message, poll_def, vote};
use crate::model::{ChatId, Event, Kind, MessageId, PollSnapshot, Vote};
use serde_json::Value;

/// One item of `statuses`.
pub(super) fn status(s: &Value, event: &str) -> Event {
    let label = str_at(s, &["status"]);
    let chat = chat_at(s, &["recipient_id"]);
    let ts = millis_at(s, &["timestamp"]);
    if label.is_some_and(|l| l.eq_ignore_ascii_case("deleted")) {
        let mut ev = Event::new(Kind::Revoke, event);
        ev.target = id_at(s, &["id"]);
        ev.chat = chat;
        ev.status_label = label.map(str::to_owned);
        ev.timestamp_ms = ts;
        return ev;
    }
    let mut ev = Event::new(Kind::Status, event);
    ev.message_id = id_at(s, &["id"]);
    ev.chat = chat;
    ev.status = label.and_then(ack);
    ev.status_label = label
        .map(str::to_owned)
        .or_else(|| num_at(s, &["code"]).map(|c| format!("code {c}")));
    ev.participant = chat_at(s, &["viewer_id"]);
    ev.timestamp_ms = ts;
    ev.error = errors_text(s);
    ev
}

/// "131047: Re-engagement message — details" for each error, joined by "; ".
fn errors_text(s: &Value) -> Option<String> {
    let parts: Vec<String> = arr_at(s, &["errors"])
        .iter()
        .map(|e| {
            if let Some(t) = e.as_str() {
                return t.to_owned();
            }
            let code = num_at(e, &["code"]).map(|c| c.to_string());
            let title = first_str(e, &[&["title"], &["message"]]);
            let details = first_str(e, &[&["details"], &["error_data", "details"]]);
            let head = match (code, title) {
                (Some(c), Some(t)) => format!("{c}: {t}"),
                (Some(c), None) => c,
                (None, Some(t)) => t.to_owned(),
                (None, None) => "error".to_owned(),
            };
            match details {
                Some(d) if Some(d) != title => format!("{head} — {d}"),
                _ => head,
            }
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// One item of `messages_updates` (messages.patch).
pub(super) fn patch(u: &Value, event: &str) -> Event {
    let after = u.get("after_update").unwrap_or(&Value::Null);
    let trigger = u.get("trigger").filter(|t| t.is_object());
    let changes = strings_at(u, &["changes"]);
    let changed = |c: &str| changes.iter().any(|x| x == c);
    let trigger_action = trigger.and_then(|t| str_at(t, &["action", "type"]));
    let target = id_at(u, &["id"]).or_else(|| id_at(after, &["id"]));

    if changed("poll") || (str_at(after, &["type"]) == Some("poll") && after.get("poll").is_some())
    {
        return poll_patch(u, after, trigger, target, event);
    }
    let text_changed = ["text", "body", "caption", "content", "edited"]
        .iter()
        .any(|c| changed(c));
    if text_changed || trigger_action == Some("edit") {
        let mut ev = base(Kind::Edit, trigger.unwrap_or(after), event);
        if trigger.is_none() {
            ev.message_id = None; // `after` is the edited message itself, not the edit action
        }
        ev.target = target;
        let ty = str_at(after, &["type"]).unwrap_or("");
        let (_, mt) = classify(ty);
        ev.text = content_text(ty, mt, after.get(ty).unwrap_or(&Value::Null))
            .or_else(|| trigger.and_then(|t| edited_text(at(t, &["action", "edited_content"])?)));
        ev.msg_type = (!ty.is_empty()).then_some(mt);
        return ev;
    }
    if let Some(t) = trigger {
        // Reactions and deletes arrive as their triggering action message.
        let mut ev = message(t, event);
        if ev.target.is_none() {
            ev.target = target;
        }
        return ev;
    }
    if changed("status") {
        let mut ev = Event::new(Kind::Status, event);
        ev.message_id = target;
        ev.chat = chat_at(after, &["chat_id"]);
        let label = str_at(after, &["status"]);
        ev.status = label.and_then(ack);
        ev.status_label = label.map(str::to_owned);
        return ev;
    }
    let mut ev = Event::new(Kind::Unknown, event);
    ev.target = target;
    ev.chat = chat_at(after, &["chat_id"]);
    ev.text = Some(format!(
        "unhandled messages.patch change: {}",
        if changes.is_empty() {
            "?".to_owned()
        } else {
            changes.join(", ")
        }
    ));
    ev
}

/// A poll tally update: the authoritative snapshot plus the triggering vote.
fn poll_patch(
    u: &Value,
    after: &Value,
    trigger: Option<&Value>,
    target: Option<MessageId>,
    event: &str,
) -> Event {
    let mut ev = Event::new(Kind::PollVote, event);
    let poll = after.get("poll").unwrap_or(&Value::Null);
    ev.chat = chat_at(after, &["chat_id"])
        .or_else(|| trigger.and_then(|t| chat_at(t, &["chat_id"])))
        .or_else(|| chat_at(u, &["chat_id"]));
    let ts = trigger.and_then(|t| millis_at(t, &["timestamp"]));
    if let Some(t) = trigger {
        ev.message_id = id_at(t, &["id"]);
        ev.sender = chat_at(t, &["from"]);
        ev.sender_name = string_at(t, &["from_name"]);
        ev.from_me = bool_at(t, &["from_me"]);
        ev.chat_name = string_at(t, &["chat_name"]);
        ev.timestamp_ms = ts;
        if str_at(t, &["action", "type"]) == Some("vote") {
            let a = t.get("action").unwrap_or(&Value::Null);
            ev.vote = vote(t, a).or_else(|| {
                Some(Vote {
                    poll: target.clone()?,
                    voter: chat_at(t, &["from"])?,
                    options: strings_at(a, &["votes"]),
                    known: true,
                    ts_ms: ts,
                })
            });
        }
    }
    ev.target = target.clone();
    if let Some(poll_id) = target {
        let voters = arr_at(poll, &["results"])
            .iter()
            .map(|r| {
                let name = string_at(r, &["name"]).unwrap_or_default();
                let who: Vec<ChatId> = arr_at(r, &["voters"])
                    .iter()
                    .filter_map(Value::as_str)
                    .filter_map(ChatId::parse)
                    .collect();
                (name, who)
            })
            .collect();
        ev.poll_snapshot = Some(PollSnapshot {
            poll: poll_id,
            def: poll_def(poll),
            voters,
            ts_ms: ts,
        });
    }
    ev
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{option_hash, Ack};
    use serde_json::json;

    #[test]
    fn poll_patch_carries_snapshot_and_vote() {
        let h = option_hash("Option 1");
        let u = json!({
            "id": "POLL",
            "trigger": {"id": "VOTE", "type": "action", "from": "111", "chat_id": "111@s.whatsapp.net",
                "timestamp": 1747730574, "action": {"target": "POLL", "type": "vote", "votes": [h]}},
            "after_update": {"id": "POLL", "type": "poll", "chat_id": "111@s.whatsapp.net",
                "poll": {"title": "T", "options": ["Option 1", "Option 2"], "vote_limit": 1,
                "results": [{"name": "Option 1", "voters": ["111@s.whatsapp.net"], "id": h},
                            {"name": "Option 2", "voters": []}]}},
            "changes": ["poll"]
        });
        let ev = patch(&u, "messages.patch");
        assert_eq!(ev.kind, Kind::PollVote);
        assert_eq!(ev.target.as_ref().unwrap().as_str(), "POLL");
        let snap = ev.poll_snapshot.unwrap();
        assert_eq!(snap.voters[0].1[0].as_str(), "111@c.us");
        assert!(snap.voters[1].1.is_empty());
        assert!(!snap.def.multi);
        assert_eq!(snap.ts_ms, Some(1_747_730_574_000));
        let vote = ev.vote.unwrap();
        assert_eq!(vote.options, [h]);
        assert_eq!(vote.voter.as_str(), "111@c.us");
    }

    #[test]
    fn status_errors_read_well() {
        let s = json!({"id": "M", "status": "failed", "errors": [
            {"code": 131047, "title": "Re-engagement message", "details": "more than 24 hours"}]});
        let ev = status(&s, "statuses.post");
        assert_eq!(ev.status, Some(Ack::Failed));
        assert_eq!(
            ev.error.as_deref(),
            Some("131047: Re-engagement message — more than 24 hours")
        );
    }
}
