//! Z-API store scenarios: its bodies, normalised and applied in order, where Z-API differs from
//! the other providers: one status callback ticks many messages, `READ_BY_ME` is about our
//! reading (no tick), a vote is the voter's whole selection, and an edit or revoke names the
//! message by its own `messageId`.

use serde_json::{json, Value};
use wamon::model::{Ack, Kind, Provider};
use wamon::provider::normalize_body;
use wamon::store::{Outcome, Store};

const ME: &str = "5511999990000";
const GERALD: &str = "5511988881111";
const GROUP: &str = "120363041234567890-group";

/// Applies bodies in order; returns the outcome of every event with its kind.
fn apply(store: &mut Store, bodies: &[Value]) -> Vec<(Kind, Outcome)> {
    let mut out = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        let seq = store.last_seq() + 1;
        let n = normalize_body(body.to_string().as_bytes());
        assert_eq!(n.provider, Provider::Zapi, "{body}");
        store.note_request(seq, 1_000 * i as i64);
        for ev in &n.events {
            out.push((ev.kind, store.apply(n.provider, seq, 1_000 * i as i64, ev)));
        }
    }
    out
}

fn received(id: &str, phone: &str, from_me: bool, content: Value) -> Value {
    let mut b = json!({"type": "ReceivedCallback", "instanceId": "I", "connectedPhone": ME,
        "messageId": id, "phone": phone, "fromMe": from_me, "momment": 1_700_000_000_000u64,
        "status": if from_me { "PENDING" } else { "RECEIVED" }, "isGroup": phone.ends_with("-group")});
    for (k, v) in content.as_object().unwrap() {
        b[k] = v.clone();
    }
    b
}

fn text(s: &str) -> Value {
    json!({"text": {"message": s}})
}

fn status(st: &str, ids: &[&str], phone: &str) -> Value {
    json!({"type": "MessageStatusCallback", "instanceId": "I", "status": st, "ids": ids,
        "momment": 1_700_000_001_000u64, "phone": phone, "isGroup": false})
}

#[test]
fn one_status_callback_ticks_every_message_it_names() {
    let mut s = Store::new();
    let out = apply(
        &mut s,
        &[
            received("A", GERALD, true, text("one")),
            received("B", GERALD, true, text("two")),
            received("C", GERALD, true, text("three")),
            status("READ", &["A", "B", "C"], GERALD),
            status("RECEIVED", &["B"], GERALD),
        ],
    );
    let reads: Vec<Option<Ack>> = out[3..6].iter().map(|(_, o)| o.ack).collect();
    assert_eq!(reads, [Some(Ack::Read); 3]);
    // A late RECEIVED does not step B back.
    let (_, late) = &out[6];
    assert_eq!(late.ack, Some(Ack::Read));
    assert!(late.out_of_order);
}

#[test]
fn read_by_me_puts_no_tick_on_their_message() {
    let mut s = Store::new();
    let out = apply(
        &mut s,
        &[
            received("IN", GERALD, false, text("hello")),
            status("READ_BY_ME", &["IN"], GERALD),
        ],
    );
    let (kind, o) = &out[1];
    assert_eq!(*kind, Kind::Status);
    assert!(!o.parked, "it applies to the message we read");
    assert_eq!(o.message, out[0].1.message);
    assert_eq!(o.ack, None);
}

#[test]
fn a_vote_replaces_the_voters_selection_and_none_withdraws_it() {
    let vote = |id: &str, who: &str, opts: &[&str]| {
        let options: Vec<Value> = opts.iter().map(|o| json!({"name": o})).collect();
        let mut b = received(
            id,
            GROUP,
            false,
            json!({"pollVote": {"pollMessageId": "POLL", "options": options}}),
        );
        b["participantPhone"] = json!(who);
        b
    };
    let poll = received(
        "POLL",
        GROUP,
        true,
        json!({"poll": {"question": "Ship on Friday?", "pollMaxOptions": 1,
            "options": [{"name": "Yes"}, {"name": "No"}, {"name": "Later"}]}}),
    );
    let mut s = Store::new();
    let out = apply(
        &mut s,
        &[
            poll,
            vote("V1", "5511966662222", &["Yes"]),
            vote("V2", "5511955553333", &["No"]),
            vote("V3", "5511966662222", &["Later"]),
            vote("V4", "5511955553333", &[]),
        ],
    );
    let tally = |o: &Outcome| -> Vec<usize> {
        o.poll
            .as_ref()
            .unwrap()
            .options
            .iter()
            .map(|x| x.votes)
            .collect()
    };
    assert_eq!(tally(&out[3].1), [0, 1, 1]);
    assert_eq!(out[3].1.poll.as_ref().unwrap().voters, 2);
    assert_eq!(tally(&out[4].1), [0, 0, 1]);
    assert_eq!(out[4].1.poll.as_ref().unwrap().voters, 1);
}

#[test]
fn an_edit_and_a_revoke_by_message_id_change_the_message_not_add_one() {
    let mut s = Store::new();
    let mut edit = received("M", GERALD, false, text("hello, world"));
    edit["isEdit"] = json!(true);
    let mut revoke = received("M", GERALD, false, json!({}));
    revoke["notification"] = json!("REVOKE");
    let out = apply(
        &mut s,
        &[received("M", GERALD, false, text("hello")), edit, revoke],
    );
    assert_eq!(out[1].0, Kind::Edit);
    assert_eq!(out[2].0, Kind::Revoke);
    let m = out[0].1.message.unwrap();
    assert_eq!(out[1].1.message, Some(m));
    assert_eq!(out[2].1.message, Some(m));
    let msg = s.message(m);
    assert_eq!(msg.text.as_deref(), Some("hello, world"));
    assert!(msg.deleted);
    assert_eq!(
        msg.duplicates, 0,
        "the edit is no second copy of the message"
    );
}
