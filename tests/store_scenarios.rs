//! Store scenarios: real provider bodies, normalised and applied in a chosen order, and what a
//! WhatsApp developer must then see.

use serde_json::{json, Value};
use wamon::model::{option_hash, Ack, Provider};
use wamon::provider::normalize_body;
use wamon::store::{Outcome, Store};

/// Applies bodies in order; returns the outcome of every event.
fn apply(store: &mut Store, bodies: &[Value]) -> Vec<Outcome> {
    let mut out = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        let seq = store.last_seq() + 1;
        let n = normalize_body(body.to_string().as_bytes());
        store.note_request(seq, 1_000 * i as i64);
        for ev in &n.events {
            out.push(store.apply(n.provider, seq, 1_000 * i as i64, ev));
        }
    }
    out
}

fn meta_status(id: &str, status: &str, ts: u64) -> Value {
    json!({"object":"whatsapp_business_account","entry":[{"id":"WABA","changes":[{"field":"messages","value":{
        "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550000000","phone_number_id":"1"},
        "statuses":[{"id":id,"status":status,"timestamp":ts.to_string(),"recipient_id":"16505551234"}]}}]}]})
}

fn meta_text(id: &str, from: &str, body: &str) -> Value {
    json!({"object":"whatsapp_business_account","entry":[{"id":"WABA","changes":[{"field":"messages","value":{
        "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550000000","phone_number_id":"1"},
        "contacts":[{"profile":{"name":"Sheena"},"wa_id":from}],
        "messages":[{"from":from,"id":id,"timestamp":"1749416383","type":"text","text":{"body":body}}]}}]}]})
}

fn waha(event: &str, payload: Value) -> Value {
    json!({"event": event, "session": "default", "engine": "NOWEB", "payload": payload})
}

fn waha_out(id: &str, body: &str) -> Value {
    waha(
        "message.any",
        json!({"id": id, "timestamp": 1_700_000_000, "from": "5511988881111@c.us", "to": "5511988881111@c.us",
               "fromMe": true, "source": "api", "body": body, "hasMedia": false, "ack": 1, "ackName": "SERVER"}),
    )
}

fn waha_ack(id: &str, ack: i64, name: &str) -> Value {
    waha(
        "message.ack",
        json!({"id": id, "from": "5511988881111@c.us", "to": "5511988881111@c.us", "fromMe": true, "ack": ack, "ackName": name}),
    )
}

#[test]
fn acks_out_of_order_are_flagged_and_not_applied() {
    let mut s = Store::new();
    let out = apply(
        &mut s,
        &[
            meta_status("wamid.A", "sent", 1),
            meta_status("wamid.A", "read", 3),
            meta_status("wamid.A", "delivered", 2),
        ],
    );
    assert_eq!(out[2].ack, Some(Ack::Read));
    assert!(out[2].out_of_order);
    let m = s.find_message(Provider::Meta, "wamid.A").unwrap();
    assert_eq!(m.ack(), Some(Ack::Read));
    assert_eq!(m.ticks.len(), 3);
    assert_eq!(m.out_of_order_count(), 1);
    // Meta never sends our own messages: the statuses made a placeholder so ticks show.
    assert!(m.placeholder && m.from_me);
    assert_eq!(s.counters().out_of_order, 1);
}

#[test]
fn an_ack_before_its_message_is_applied_when_the_message_arrives() {
    let mut s = Store::new();
    let id = "true_5511988881111@c.us_3EB0AA";
    let out = apply(&mut s, &[waha_ack(id, 3, "READ"), waha_out(id, "Hello")]);
    assert_eq!(out[1].ack, Some(Ack::Read));
    let m = s.find_message(Provider::Waha, "3EB0AA").unwrap();
    assert_eq!(m.text.as_deref(), Some("Hello"));
    assert_eq!(m.ack(), Some(Ack::Read));
    // The message's own "ack: 1" is older news than READ: not a step back, not doubled.
    assert_eq!(s.messages().len(), 1);
}

#[test]
fn duplicates_are_counted_not_doubled() {
    let mut s = Store::new();
    let payload = json!({"id": "false_5511988881111@c.us_DUP1", "timestamp": 1_700_000_000,
        "from": "5511988881111@c.us", "fromMe": false, "body": "twice", "hasMedia": false});
    let out = apply(
        &mut s,
        &[
            waha("message", payload.clone()),
            waha("message.any", payload),
            meta_text("wamid.X", "16505551234", "hi"),
            meta_text("wamid.X", "16505551234", "hi"),
        ],
    );
    assert!(!out[0].duplicate && out[1].duplicate);
    assert!(!out[2].duplicate && out[3].duplicate);
    assert_eq!(s.messages().len(), 2);
    assert_eq!(
        s.find_message(Provider::Waha, "DUP1").unwrap().duplicates,
        1
    );
    assert_eq!(s.counters().duplicates, 2);
}

fn whapi_poll() -> Value {
    json!({"messages":[{"id":"POLL1","from_me":true,"type":"poll","chat_id":"120363@g.us","timestamp":100,
        "source":"api","poll":{"title":"Ship on Friday?","options":["Yes","No","Later"],"vote_limit":1,"total":0,
        "results":[{"name":"Yes","voters":[],"count":0,"id":option_hash("Yes")},
                   {"name":"No","voters":[],"count":0,"id":option_hash("No")},
                   {"name":"Later","voters":[],"count":0,"id":option_hash("Later")}]}}],
        "event":{"type":"messages","event":"post"},"channel_id":"MANTIS-1"})
}

fn whapi_vote(id: &str, voter: &str, options: &[&str], ts: u64) -> Value {
    let votes: Vec<String> = options.iter().map(|o| option_hash(o)).collect();
    json!({"messages":[{"id":id,"from_me":false,"type":"action","chat_id":"120363@g.us","timestamp":ts,
        "source":"mobile","from":voter,"action":{"target":"POLL1","type":"vote","votes":votes}}],
        "event":{"type":"messages","event":"post"},"channel_id":"MANTIS-1"})
}

fn tally(o: &Outcome) -> Vec<(String, usize)> {
    o.poll
        .as_ref()
        .expect("a tally")
        .options
        .iter()
        .map(|x| (x.name.clone(), x.votes))
        .collect()
}

#[test]
fn a_changed_vote_replaces_the_old_one_and_an_empty_vote_withdraws() {
    let mut s = Store::new();
    let out = apply(
        &mut s,
        &[
            whapi_poll(),
            whapi_vote("V1", "5511000000001", &["Yes"], 101),
            whapi_vote("V2", "5511000000002", &["No"], 102),
            whapi_vote("V3", "5511000000001", &["Later"], 103),
            whapi_vote("V4", "5511000000002", &[], 104),
        ],
    );
    let after_change = &out[3];
    assert_eq!(
        tally(after_change),
        vec![("Yes".into(), 0), ("No".into(), 1), ("Later".into(), 1)]
    );
    assert_eq!(after_change.poll.as_ref().unwrap().voters, 2);
    let after_withdraw = &out[4];
    assert_eq!(
        tally(after_withdraw),
        vec![("Yes".into(), 0), ("No".into(), 0), ("Later".into(), 1)]
    );
    assert_eq!(after_withdraw.poll.as_ref().unwrap().voters, 1);
}

#[test]
fn votes_before_their_poll_are_parked_and_counted() {
    let mut s = Store::new();
    let out = apply(
        &mut s,
        &[
            whapi_vote("V1", "5511000000001", &["No"], 101),
            whapi_poll(),
        ],
    );
    assert!(out[0].parked);
    assert_eq!(
        tally(&out[1]),
        vec![("Yes".into(), 0), ("No".into(), 1), ("Later".into(), 0)]
    );
    assert_eq!(s.parked_count(), 0);
}

#[test]
fn an_unreadable_vote_counts_as_voted_unknown() {
    let mut s = Store::new();
    let poll = waha(
        "message.any",
        json!({"id": "true_120363@g.us_POLLW", "timestamp": 1_700_000_000, "from": "120363@g.us", "to": "120363@g.us",
               "fromMe": true, "body": "", "hasMedia": false,
               "_data": {"type": "poll_creation", "pollName": "Lunch?",
                         "pollOptions": [{"name": "Pizza", "localId": 0}, {"name": "Sushi", "localId": 1}],
                         "pollSelectableOptionsCount": 1}}),
    );
    let failed = waha(
        "poll.vote.failed",
        json!({"vote": {"id": "false_120363@g.us_V9", "to": "120363@g.us", "from": "5511000000009@c.us",
                        "fromMe": false, "selectedOptions": [], "timestamp": 1_700_000_100},
               "poll": {"id": "true_120363@g.us_POLLW", "to": "120363@g.us", "from": "me", "fromMe": true}}),
    );
    let out = apply(&mut s, &[poll, failed]);
    let t = out[1].poll.as_ref().unwrap();
    assert_eq!(t.question, "Lunch?");
    assert_eq!((t.voters, t.unknown_votes), (0, 1));
}

#[test]
fn edits_keep_history_revokes_keep_text_reactions_keep_the_latest() {
    let mut s = Store::new();
    let orig = waha(
        "message",
        json!({"id": "false_5511988881111@c.us_ORIG", "timestamp": 1_700_000_000, "from": "5511988881111@c.us",
               "fromMe": false, "body": "helo", "hasMedia": false}),
    );
    let edit = waha(
        "message.edited",
        json!({"id": "false_5511988881111@c.us_EDIT1", "from": "5511988881111@c.us", "fromMe": false,
               "body": "hello", "editedMessageId": "ORIG"}),
    );
    let react = |emoji: &str| {
        waha(
            "message.reaction",
            json!({"id": "true_5511988881111@c.us_R1", "from": "5511988881111@c.us", "fromMe": true,
                   "reaction": {"text": emoji, "messageId": "false_5511988881111@c.us_ORIG"}}),
        )
    };
    let revoke = waha(
        "message.revoked",
        json!({"after": {"id": "false_5511988881111@c.us_AFTER", "body": ""}, "revokedMessageId": "ORIG", "before": null}),
    );
    let out = apply(
        &mut s,
        &[orig, edit, react("👍"), react("❤️"), revoke, react("")],
    );
    assert_eq!(out[2].target_text.as_deref(), Some("hello"));
    let m = s.find_message(Provider::Waha, "ORIG").unwrap();
    assert_eq!(m.text.as_deref(), Some("hello"));
    assert_eq!(m.edits(), ["helo".to_string()]);
    assert!(m.deleted);
    assert!(m.reactions().is_empty(), "an empty reaction removes it");
    let mut s2 = Store::new();
    let out = apply(
        &mut s2,
        &[
            waha(
                "message",
                json!({"id": "false_5511988881111@c.us_O2", "from": "5511988881111@c.us", "fromMe": false, "body": "x"}),
            ),
            waha(
                "message.reaction",
                json!({"id": "true_5511988881111@c.us_R2", "from": "5511988881111@c.us", "fromMe": true,
                       "reaction": {"text": "👍", "messageId": "false_5511988881111@c.us_O2"}}),
            ),
            waha(
                "message.reaction",
                json!({"id": "true_5511988881111@c.us_R3", "from": "5511988881111@c.us", "fromMe": true,
                       "reaction": {"text": "❤️", "messageId": "false_5511988881111@c.us_O2"}}),
            ),
        ],
    );
    assert_eq!(out.len(), 3);
    let m = s2.find_message(Provider::Waha, "O2").unwrap();
    assert_eq!(m.reaction_counts(), vec![("❤️".to_string(), 1)]);
}

#[test]
fn a_lid_chat_merges_into_the_phone_chat_when_the_mapping_is_revealed() {
    let mut s = Store::new();
    let evo = |id: &str, key: Value, text: &str| {
        json!({"event":"messages.upsert","instance":"main","data":{"key":key,"pushName":"Gerald",
            "message":{"conversation":text},"messageType":"conversation","messageTimestamp":1_700_000_000,"status":"DELIVERY_ACK"},
            "destination":"http://x","date_time":"2025-10-21T11:40:39.000Z","sender":"5511999990000@s.whatsapp.net",
            "server_url":"http://evo","apikey":null, "_id": id})
    };
    apply(
        &mut s,
        &[
            evo(
                "1",
                json!({"remoteJid":"123456789@lid","fromMe":false,"id":"M1"}),
                "from the lid",
            ),
            evo(
                "2",
                json!({"remoteJid":"123456789@lid","remoteJidAlt":"5511988881111@s.whatsapp.net",
                       "addressingMode":"lid","fromMe":false,"id":"M2"}),
                "now with the phone",
            ),
        ],
    );
    let live: Vec<_> = s.chats().live().map(|(_, c)| c.id.to_string()).collect();
    assert_eq!(live, vec!["5511988881111@c.us".to_string()]);
    let i = s
        .chats()
        .index_of(&wamon::model::ChatId::parse("123456789@lid").unwrap())
        .unwrap();
    assert_eq!(s.chats().message_count(i), 2);
    assert_eq!(s.chats().get(i).aliases.len(), 1);
}

#[test]
fn a_batch_of_many_events_in_one_request_applies_every_one() {
    let statuses: Vec<Value> = (0..50)
        .map(|i| json!({"id": format!("wamid.B{i}"), "status": "delivered", "timestamp": "10", "recipient_id": "16505551234"}))
        .collect();
    let messages: Vec<Value> = (0..50)
        .map(|i| json!({"from": "16505551234", "id": format!("wamid.IN{i}"), "timestamp": "10", "type": "text", "text": {"body": format!("m{i}")}}))
        .collect();
    let body = json!({"object":"whatsapp_business_account","entry":[
        {"id":"W","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"1"},"statuses":statuses}}]},
        {"id":"W","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"1"},"messages":messages}}]}]});
    let mut s = Store::new();
    let out = apply(&mut s, &[body]);
    assert_eq!(out.len(), 100);
    assert_eq!(s.messages().len(), 100);
    assert_eq!(s.counters().requests, 1);
    assert_eq!(s.counters().events, 100);
    assert!(s
        .messages()
        .filter(|(_, m)| m.from_me)
        .all(|(_, m)| m.ack() == Some(Ack::Delivered)));
}

#[test]
fn interactive_replies_are_tallied_per_prompt() {
    let reply = |id: &str, from: &str, button: &str, title: &str, ts: u64| {
        json!({"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages","value":{
            "messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"1"},
            "messages":[{"from":from,"id":id,"timestamp":ts.to_string(),"type":"interactive",
                "context":{"from":"1","id":"wamid.PROMPT"},
                "interactive":{"type":"button_reply","button_reply":{"id":button,"title":title}}}]}}]}]})
    };
    let mut s = Store::new();
    let out = apply(
        &mut s,
        &[
            reply("wamid.R1", "16505550001", "b_yes", "Yes", 10),
            reply("wamid.R2", "16505550002", "b_no", "No", 11),
            reply("wamid.R3", "16505550001", "b_later", "Later", 12),
        ],
    );
    let t = out[2].poll.as_ref().unwrap();
    let counts: Vec<(String, usize)> = t
        .options
        .iter()
        .map(|o| (o.name.clone(), o.votes))
        .collect();
    assert_eq!(
        counts,
        vec![("Yes".into(), 0), ("No".into(), 1), ("Later".into(), 1)]
    );
    assert_eq!(t.voters, 2);
}

/// A message of the `{event, instanceId, data}` provider in a one-to-one chat: `chat` carries
/// the lid, the phone (`jid`) or both (which reveals the pair).
fn instance(id: &str, chat: Value) -> Value {
    json!({"event":"message","instanceId":"i-1","data":{"chat":chat,"fromMe":false,
        "messageId":id,"messageType":"text","text":"hi","timestamp":1_702_500_171}})
}

const LID: &str = "98765432109876@lid";

fn lid_only(id: &str) -> Value {
    instance(id, json!({"lid": LID, "jid": null}))
}

fn paired(id: &str, phone: &str) -> Value {
    instance(id, json!({"lid": LID, "jid": phone}))
}

fn phone_only(id: &str, phone: &str) -> Value {
    instance(id, json!({"jid": phone}))
}

/// The chat message `id` shows under, and the chat it arrived under.
fn chats_of(s: &Store, id: &str) -> (String, String) {
    let m = s.find_message(Provider::Instance, id).unwrap();
    let chats = s.chats();
    let shown = chats.get(chats.root(m.chat));
    assert_eq!(shown.merged_into, None, "{id} shows under a folded chat");
    (shown.id.to_string(), chats.get(m.chat).id.to_string())
}

fn live_chats(s: &Store) -> Vec<String> {
    let mut ids: Vec<String> = s.chats().live().map(|(_, c)| c.id.to_string()).collect();
    ids.sort();
    ids
}

const P1: &str = "5511911111111@c.us";
const P2: &str = "5511922222222@c.us";

/// Messages under a lid and under its phone end up in one chat, whichever came first and
/// whenever the pair is revealed; the lid's messages keep the chat they arrived under.
#[test]
fn a_lid_and_its_phone_are_one_chat_in_any_order_of_arrival() {
    let orders: [&[Value]; 3] = [
        // Lid first, phone next, the pair last.
        &[lid_only("M1"), phone_only("M2", P1), paired("M3", P1)],
        // The pair first, then each alone.
        &[paired("M3", P1), lid_only("M1"), phone_only("M2", P1)],
        // Phone first, the pair, the lid last.
        &[phone_only("M2", P1), paired("M3", P1), lid_only("M1")],
    ];
    for bodies in orders {
        let mut s = Store::new();
        apply(&mut s, bodies);
        assert_eq!(live_chats(&s), vec![P1.to_string()]);
        for id in ["M1", "M2", "M3"] {
            assert_eq!(chats_of(&s, id).0, P1, "{id}");
        }
        assert_eq!(chats_of(&s, "M1").1, LID, "rows are not rewritten");
        let p1 = s
            .chats()
            .index_of(&wamon::model::ChatId::parse(P1).unwrap());
        assert_eq!(s.chats().message_count(p1.unwrap()), 3);
    }
}

/// Found by `tests/fuzz_normalizer.rs` (minimised), then the wider rule: a lid paired with one
/// phone and later with another (a number change, or a wrong pair corrected) moves the lid's
/// own messages to the latest phone, while each phone chat keeps what arrived under it, stays
/// listed, and shows later messages to it.
#[test]
fn a_lid_paired_again_moves_to_the_new_phone_and_both_phone_chats_stay() {
    let mut s = Store::new();
    apply(
        &mut s,
        &[
            lid_only("M1"),
            paired("M2", P1),
            lid_only("M3"),
            paired("M4", P2),
            phone_only("M5", P1),
            lid_only("M6"),
        ],
    );
    assert_eq!(live_chats(&s), vec![P1.to_string(), P2.to_string()]);
    for (id, shown) in [
        ("M1", P2),
        ("M2", P1),
        ("M3", P2),
        ("M4", P2),
        ("M5", P1),
        ("M6", P2),
    ] {
        assert_eq!(chats_of(&s, id).0, shown, "{id}");
    }
    // Pairing the lid back with the first phone (the second pair was the wrong one) brings the
    // lid's messages back, without touching what arrived under either phone.
    apply(&mut s, &[paired("M7", P1)]);
    for (id, shown) in [("M1", P1), ("M3", P1), ("M4", P2), ("M6", P1), ("M7", P1)] {
        assert_eq!(chats_of(&s, id).0, shown, "{id}");
    }
    assert_eq!(live_chats(&s), vec![P1.to_string(), P2.to_string()]);
}

fn meta_reaction(id: &str, target: &str, from: &str, emoji: &str) -> Value {
    json!({"object":"whatsapp_business_account","entry":[{"id":"WABA","changes":[{"field":"messages","value":{
        "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550000000","phone_number_id":"1"},
        "contacts":[{"profile":{"name":"Sheena"},"wa_id":from}],
        "messages":[{"from":from,"id":id,"timestamp":"1749416383","type":"reaction",
                     "reaction":{"message_id":target,"emoji":emoji}}]}}]}]})
}

/// Found by `tests/fuzz_normalizer.rs`: an event parked for one of our messages stayed parked
/// after a status made the message's placeholder. Meta never sends our own messages, so a
/// reaction that beat the first status was never shown, and a later reaction was overtaken by
/// it had the message arrived.
#[test]
fn events_parked_for_our_message_apply_to_its_placeholder() {
    let mut s = Store::new();
    let out = apply(
        &mut s,
        &[
            meta_reaction("wamid.R1", "wamid.OUT", "16505551234", "👍"),
            meta_status("wamid.OUT", "sent", 1),
            meta_reaction("wamid.R2", "wamid.OUT", "16505551234", "❤️"),
        ],
    );
    assert!(out[0].parked);
    assert_eq!(s.parked_count(), 0);
    assert!(!s.events()[0].parked());
    let m = s.find_message(Provider::Meta, "wamid.OUT").unwrap();
    assert!(m.placeholder);
    assert_eq!(m.reaction_counts(), vec![("❤️".to_string(), 1)]);
    assert_eq!(s.events()[0].message(), s.events()[2].message());
}

/// Found while extending `tests/fuzz_normalizer.rs` with "only an edit changes an edited
/// message's text": an edit of our message that reached its placeholder (made by an ack) was
/// undone when the message itself arrived late, its old text shown as current.
#[test]
fn an_edit_that_beat_our_message_survives_its_arrival() {
    let mut s = Store::new();
    apply(
        &mut s,
        &[
            waha_ack("true_5511988881111@c.us_AAA", 2, "DEVICE"),
            waha(
                "message.edited",
                json!({"id": "true_5511988881111@c.us_E1", "from": "5511988881111@c.us", "fromMe": true,
                       "body": "New body", "editedMessageId": "AAA"}),
            ),
            waha_out("true_5511988881111@c.us_AAA", "Old body"),
        ],
    );
    let m = s.find_message(Provider::Waha, "AAA").unwrap();
    assert!(!m.placeholder);
    assert_eq!(m.text.as_deref(), Some("New body"));
    assert_eq!(m.edits(), ["Old body".to_string()]);
    assert_eq!(m.ack(), Some(Ack::Delivered));
}

// ---- --max-events ------------------------------------------------------------------------------

fn texts(from: &str, ids: std::ops::Range<usize>) -> Vec<Value> {
    ids.map(|i| meta_text(&format!("wamid.T{i}"), from, &format!("text {i}")))
        .collect()
}

/// The oldest events leave memory in batches and are counted; what is left is the newest and
/// stays consistent (rows, lookups by id).
#[test]
fn past_the_cap_the_oldest_events_are_evicted_and_counted() {
    let mut s = Store::with_max_events(16);
    apply(&mut s, &texts("16505551234", 0..40));
    let c = s.counters();
    let held = s.events().len();
    assert!((16..=17).contains(&held), "{held} held");
    assert_eq!(c.events, 40);
    assert_eq!(c.evicted_events as usize, 40 - held);
    assert_eq!(c.evicted_messages as usize, 40 - s.messages().len());
    assert!(s.find_message(Provider::Meta, "wamid.T0").is_none());
    assert!(s.find_message(Provider::Meta, "wamid.T39").is_some());
    assert_eq!(s.rows().len(), s.messages().len());
    assert_eq!(s.event_ids().end.index(), 40, "ids keep counting");
}

/// A message evicted by the start of a day but acked at its end is still shown: a message goes
/// only with the last event that touched it, and its ticks stay whole.
#[test]
fn a_message_still_in_use_outlives_older_events() {
    let mut s = Store::with_max_events(16);
    let mut bodies = vec![meta_status("wamid.OUT", "sent", 1)];
    bodies.extend(texts("16505551234", 0..14));
    bodies.push(meta_status("wamid.OUT", "delivered", 2));
    bodies.extend(texts("16505551234", 14..28));
    bodies.push(meta_status("wamid.OUT", "read", 3));
    apply(&mut s, &bodies);
    assert!(s.counters().evicted_events > 0);
    assert!(s.find_message(Provider::Meta, "wamid.T0").is_none());
    let out = s
        .find_message(Provider::Meta, "wamid.OUT")
        .expect("still in use");
    assert_eq!(out.ack(), Some(Ack::Read));
    assert_eq!(out.ticks.len(), 3);
    // Its row is still in the stream, before every newer one.
    let (h, _) = s
        .messages()
        .find(|(_, m)| m.id.as_str() == "wamid.OUT")
        .unwrap();
    assert_eq!(s.rows().front(), Some(&wamon::store::Row::Message(h)));
    // Once nothing touches it for a while, it goes too.
    apply(&mut s, &texts("16505551234", 28..80));
    assert!(s.find_message(Provider::Meta, "wamid.OUT").is_none());
    assert!(!s.has_row(wamon::store::Row::Message(h)));
}

/// A reaction or a status for an evicted message is treated like one for a message never seen:
/// the reaction waits (parked), and a status for one of ours makes a new placeholder.
#[test]
fn a_later_event_for_an_evicted_message_is_like_one_for_a_message_never_seen() {
    let reaction = meta_reaction("wamid.R1", "wamid.T0", "16505551234", "👍");
    let status = meta_status("wamid.OUT", "delivered", 5);
    let never_seen = apply(&mut Store::new(), &[reaction.clone(), status.clone()]);

    let mut s = Store::with_max_events(8);
    let mut bodies = vec![meta_status("wamid.OUT", "sent", 1)];
    bodies.extend(texts("16505551234", 0..20));
    apply(&mut s, &bodies);
    assert!(s.find_message(Provider::Meta, "wamid.T0").is_none());
    assert!(s.find_message(Provider::Meta, "wamid.OUT").is_none());
    let after = apply(&mut s, &[reaction, status]);
    assert!(after[0].parked && never_seen[0].parked);
    assert_eq!(after[0].message, None);
    assert_eq!(s.parked_count(), 1);
    assert_eq!(after[1].ack, never_seen[1].ack);
    let out = s.find_message(Provider::Meta, "wamid.OUT").unwrap();
    assert!(out.placeholder);
    assert_eq!(
        out.ticks.len(),
        1,
        "a new placeholder, without the evicted ticks"
    );
    // The message itself arriving again takes the waiting reaction, as if never seen.
    apply(&mut s, &[meta_text("wamid.T0", "16505551234", "text 0")]);
    let t0 = s.find_message(Provider::Meta, "wamid.T0").unwrap();
    assert_eq!(t0.reaction_counts(), vec![("👍".to_string(), 1)]);
}

/// A chat with nothing left goes, and a consumer that asked is told (with the requests nothing
/// refers to any more); a lid chat folded into a phone chat goes from its aliases.
#[test]
fn chats_with_nothing_left_go_and_are_reported() {
    let mut s = Store::with_max_events(8);
    s.report_evictions();
    let mut bodies = vec![
        lid_only("L1"),
        paired("L2", P1),
        meta_text("wamid.A", "16505550001", "from A"),
    ];
    bodies.extend(texts("16505559999", 0..20));
    apply(&mut s, &bodies);
    assert_eq!(live_chats(&s), vec!["16505559999@c.us".to_string()]);
    let gone = s.take_evicted();
    assert_eq!(gone.chats.len(), 3, "the lid, its phone and A: {gone:?}");
    for c in &gone.chats {
        assert!(s.chats().get(*c).vacant);
    }
    assert!(
        gone.seqs.contains(&1) && gone.seqs.contains(&3),
        "{:?}",
        gone.seqs
    );
    assert!(!gone.seqs.contains(&(s.events().front().unwrap().seq)));
    assert!(s.take_evicted().is_empty(), "told once");
    // The pair is remembered: the lid comes back folded.
    apply(&mut s, &[lid_only("L3")]);
    assert_eq!(chats_of(&s, "L3").0, P1);
}

/// Wawp (WAHA-based, engine WEBJS) sends whatsapp-web.js-shaped edits and revokes that name the
/// message itself by its serialized id: `{id, newBody, prevBody}` and `{id, revokedBy}`
/// (api.wawp.net/en/docs/message.edited, .../message.revoked).
#[test]
fn webjs_style_edit_and_revoke_land_on_the_message() {
    let mut s = Store::new();
    let id = "false_5511988881111@c.us_3EB0WEBJS0000000001";
    let webjs = |event: &str, payload: Value| {
        json!({"event": event, "session": "default", "engine": "WEBJS",
               "me": {"id": "5511977770000@c.us"}, "payload": payload})
    };
    let orig = webjs(
        "message",
        json!({"id": id, "timestamp": 1_700_000_000, "from": "5511988881111@c.us",
               "to": "5511977770000@c.us", "fromMe": false, "body": "See you at 9",
               "hasMedia": false, "_data": {"type": "chat"}}),
    );
    let edit = webjs(
        "message.edited",
        json!({"id": id, "newBody": "See you at 10", "prevBody": "See you at 9"}),
    );
    let revoke = webjs(
        "message.revoked",
        json!({"id": id, "revokedBy": "5511988881111@c.us"}),
    );
    let out = apply(&mut s, &[orig, edit, revoke]);
    assert!(out.iter().all(|o| !o.parked && !o.duplicate), "{out:?}");
    assert_eq!(
        s.messages().len(),
        1,
        "the edit and revoke made no message of their own"
    );
    let m = s
        .find_message(Provider::Waha, "3EB0WEBJS0000000001")
        .unwrap();
    assert_eq!(m.text.as_deref(), Some("See you at 10"));
    assert_eq!(m.edits(), ["See you at 9".to_string()]);
    assert!(m.is_edited());
    assert!(m.deleted);
}

/// A Meta `messages` change with `value` (metadata added).
fn meta_change(value: Value) -> Value {
    let mut v = json!({"messaging_product":"whatsapp",
        "metadata":{"display_phone_number":"15550000000","phone_number_id":"1"}});
    v.as_object_mut()
        .unwrap()
        .extend(value.as_object().unwrap().clone());
    json!({"object":"whatsapp_business_account","entry":[{"id":"WABA","changes":[{"field":"messages","value":v}]}]})
}

const BSUID: &str = "US.13491208655302741918";

/// A user with a username writes without a phone number (`from: ""`, Meta's business-scoped
/// user id only); the business answers and its ticks arrive by `recipient_user_id`; later a
/// change carries the phone number too. One chat, with everything in it.
#[test]
fn a_username_only_user_merges_into_the_phone_chat_once_the_number_is_revealed() {
    let mut s = Store::new();
    let contact =
        |wa_id: &str| json!([{"profile":{"username":"@maria"},"wa_id":wa_id,"user_id":BSUID}]);
    let out = apply(
        &mut s,
        &[
            meta_change(json!({"contacts": contact(""),
                "messages":[{"from":"","from_user_id":BSUID,"id":"wamid.U1","timestamp":"1749416383",
                             "type":"text","text":{"body":"hi, no number"}}]})),
            meta_change(json!({"contacts": contact(""),
                "statuses":[{"id":"wamid.B1","status":"delivered","timestamp":"1749416390",
                             "recipient_id":"","recipient_user_id":BSUID}]})),
            meta_change(json!({"contacts": contact("16505551234"),
                "messages":[{"from":"16505551234","from_user_id":BSUID,"id":"wamid.U2",
                             "timestamp":"1749416400","type":"text","text":{"body":"now with my number"}}]})),
        ],
    );
    let bsuid_chat = format!("{BSUID}@bsuid");
    assert_eq!(
        out[0].chat.as_ref().map(|c| c.to_string()),
        Some(bsuid_chat.clone())
    );
    assert_eq!(
        s.find_message(Provider::Meta, "wamid.U1")
            .unwrap()
            .sender_name
            .as_deref(),
        Some("@maria")
    );
    // The business's message was never seen: its tick shows on a placeholder in that chat.
    assert_eq!(out[1].ack, Some(Ack::Delivered));
    assert_eq!(
        out[1].chat.as_ref().map(|c| c.to_string()),
        Some(bsuid_chat.clone())
    );
    let live: Vec<_> = s.chats().live().map(|(_, c)| c.id.to_string()).collect();
    assert_eq!(live, vec!["16505551234@c.us".to_string()]);
    let chat = |id: &str| {
        s.chats()
            .index_of(&wamon::model::ChatId::parse(id).unwrap())
            .unwrap()
    };
    let i = chat(&bsuid_chat);
    assert_eq!(i, chat("16505551234@c.us"));
    assert_eq!(s.chats().message_count(i), 3);
    assert_eq!(s.chats().title(i), "@maria");
}

/// A status for an unseen message of ours shows its state in `ack` whatever names its recipient:
/// a phone, a business-scoped user id, or nothing wamon can read.
#[test]
fn every_unseen_status_shows_its_state_whatever_its_identity() {
    let mut s = Store::new();
    let status = |id: &str, recipient: Value| {
        let mut st = json!({"id": id, "status": "read", "timestamp": "1749416390"});
        st.as_object_mut()
            .unwrap()
            .extend(recipient.as_object().unwrap().clone());
        meta_change(json!({ "statuses": [st] }))
    };
    let out = apply(
        &mut s,
        &[
            status("wamid.P", json!({"recipient_id": "16505551234"})),
            status(
                "wamid.B",
                json!({"recipient_id": "", "recipient_user_id": BSUID}),
            ),
            status("wamid.N", json!({"recipient_id": ""})),
            status("wamid.X", json!({})),
        ],
    );
    for (o, id) in out.iter().zip(["P", "B", "N", "X"]) {
        assert_eq!(o.ack, Some(Ack::Read), "wamid.{id}");
        assert!(!o.parked, "wamid.{id}");
    }
    assert_eq!(out[2].chat, None);
}

/// One customer writing to two WAHA sessions is two chats, each with its own messages; the same
/// message id in both is two messages; a lid pair learnt in one session folds only there.
#[test]
fn two_accounts_sharing_a_customer_make_two_chats() {
    let in_session = |session: &str, id: &str, from: &str, body: &str| {
        json!({"event": "message", "session": session, "engine": "NOWEB", "payload": {
            "id": format!("false_{from}_{id}"), "timestamp": 1_700_000_000, "from": from,
            "fromMe": false, "body": body, "hasMedia": false}})
    };
    let mut s = Store::new();
    let out = apply(
        &mut s,
        &[
            in_session("sales", "AAA", "5511988881111@c.us", "hi sales"),
            in_session("support", "AAA", "5511988881111@c.us", "hi support"),
            in_session("support", "BBB", "5511988881111@c.us", "again"),
        ],
    );
    assert!(out.iter().all(|o| !o.duplicate), "{out:?}");
    let live: Vec<(String, Option<&str>)> = s
        .chats()
        .live()
        .map(|(_, c)| (c.id.to_string(), s.account(c.account)))
        .collect();
    assert_eq!(
        live,
        vec![
            ("5511988881111@c.us".to_string(), Some("sales")),
            ("5511988881111@c.us".to_string(), Some("support")),
        ]
    );
    let (sales, support) = (out[0].chat_index.unwrap(), out[1].chat_index.unwrap());
    assert_ne!(sales, support);
    assert_eq!(out[2].chat_index, Some(support));
    assert_eq!(s.chats().message_count(sales), 1);
    assert_eq!(s.chats().message_count(support), 2);
    let sales_msg = s
        .find_message_in(Provider::Waha, Some("sales"), "AAA")
        .unwrap();
    let support_msg = s
        .find_message_in(Provider::Waha, Some("support"), "AAA")
        .unwrap();
    assert_eq!(sales_msg.text.as_deref(), Some("hi sales"));
    assert_eq!(support_msg.text.as_deref(), Some("hi support"));

    // A lid paired with the phone in "support" folds there, and stays its own chat in "sales".
    let evo = |instance: &str, key: Value| {
        json!({"event":"messages.upsert","instance":instance,"data":{"key":key,"pushName":"Gerald",
            "message":{"conversation":"x"},"messageType":"conversation","messageTimestamp":1_700_000_000},
            "sender":"5511999990000@s.whatsapp.net"})
    };
    let mut s = Store::new();
    apply(
        &mut s,
        &[
            evo(
                "a",
                json!({"remoteJid":"123456789@lid","fromMe":false,"id":"M1"}),
            ),
            evo(
                "b",
                json!({"remoteJid":"123456789@lid","fromMe":false,"id":"M2"}),
            ),
            evo(
                "b",
                json!({"remoteJid":"123456789@lid","remoteJidAlt":"5511988881111@s.whatsapp.net",
                       "addressingMode":"lid","fromMe":false,"id":"M3"}),
            ),
        ],
    );
    let mut live: Vec<(String, Option<&str>)> = s
        .chats()
        .live()
        .map(|(_, c)| (c.id.to_string(), s.account(c.account)))
        .collect();
    live.sort();
    assert_eq!(
        live,
        vec![
            ("123456789@lid".to_string(), Some("a")),
            ("5511988881111@c.us".to_string(), Some("b")),
        ]
    );
}

/// `[`/`]` step through a message's requests: each request that tells its story is listed once,
/// in order. The Meta demo's prompt is known only by its statuses (one request carries two of
/// them) and by the button replies that answer it.
#[test]
fn a_message_lists_each_of_its_requests_once_including_the_answers_to_it() {
    let text = wamon::demo_script::builtin("conversation", "meta").unwrap();
    let reqs = wamon::demo_script::parse_scenario(text, 1_795_262_400_000).unwrap();
    let prompt = "wamid.HBgNNTUxMTk4ODg4MTExMRUCABEYEkZCMkYwRkExNTZCNjNERDJFNgA=";
    let mut s = Store::new();
    let mut expected = Vec::new();
    for r in &reqs {
        let seq = s.last_seq() + 1;
        s.note_request(seq, 0);
        let n = normalize_body(&r.body);
        for ev in &n.events {
            s.apply(n.provider, seq, 0, ev);
        }
        if String::from_utf8_lossy(&r.body).contains(prompt) {
            expected.push(seq);
        }
    }
    assert!(expected.len() >= 4, "the demo changed: {expected:?}");
    let m = s
        .find_message(Provider::Meta, prompt)
        .expect("the prompt is a message");
    assert_eq!(m.seqs, expected);
}

fn evgo(event: &str, data: Value) -> Value {
    json!({"event": event, "data": data, "instanceId": "b7e2c1d4", "instanceName": "acme",
           "instanceToken": "t0k3n"})
}

fn evgo_sent(id: &str, chat: &str, message: Value) -> Value {
    evgo(
        "SendMessage",
        json!({"Info": {"Chat": chat, "Sender": "5511999990000:12@s.whatsapp.net", "IsFromMe": true,
                        "IsGroup": chat.ends_with("@g.us"), "ID": id, "Timestamp": "2025-06-01T12:00:00Z"},
               "Message": message,
               "MessageContextInfo": {"stanzaID": "", "participant": "", "quotedMessage": {"conversation": ""}}}),
    )
}

fn evgo_receipt(ids: &[&str], ty: &str, state: &str) -> Value {
    let mut b = evgo(
        "Receipt",
        json!({"Chat": "5511988881111@s.whatsapp.net", "Sender": "5511988881111@s.whatsapp.net",
               "IsFromMe": false, "IsGroup": false, "MessageIDs": ids, "Type": ty,
               "Timestamp": "2025-06-01T12:01:00Z"}),
    );
    b["state"] = json!(state);
    b
}

fn evgo_vote(id: &str, voter: &str, poll: &str, ts_ms: i64) -> Value {
    evgo(
        "Message",
        json!({"Info": {"Chat": "120363041234567890@g.us", "Sender": voter, "IsFromMe": false,
                        "IsGroup": true, "ID": id, "Timestamp": "2025-06-01T12:02:00Z"},
               "Message": {"pollUpdateMessage": {
                   "pollCreationMessageKey": {"remoteJID": "120363041234567890@g.us", "fromMe": true, "ID": poll},
                   "vote": {"encPayload": "AAEC", "encIV": "AwQF"}, "senderTimestampMS": ts_ms}}}),
    )
}

/// Evolution GO: one receipt ticks every message it names (whatsmeow batches `MessageIDs`), a
/// late delivery receipt does not step back, and encrypted poll votes count each voter once as
/// "voted, choice unknown", a changed vote replacing the first.
#[test]
fn evolution_go_receipts_tick_every_id_and_encrypted_votes_count_voters_once() {
    let mut s = Store::new();
    let out = apply(
        &mut s,
        &[
            evgo_sent(
                "A",
                "5511988881111@s.whatsapp.net",
                json!({"conversation": "one"}),
            ),
            evgo_sent(
                "B",
                "5511988881111@s.whatsapp.net",
                json!({"conversation": "two"}),
            ),
            evgo_receipt(&["A", "B"], "read", "Read"),
            evgo_receipt(&["A"], "", "Delivered"),
            evgo_sent(
                "P",
                "120363041234567890@g.us",
                json!({"pollCreationMessageV3": {"name": "Ship?", "selectableOptionsCount": 1,
                       "options": [{"optionName": "Yes"}, {"optionName": "No"}]}}),
            ),
            evgo_vote("V1", "5511966662222@s.whatsapp.net", "P", 1_748_779_300_000),
            evgo_vote("V2", "5511955553333@s.whatsapp.net", "P", 1_748_779_301_000),
            evgo_vote("V3", "5511966662222@s.whatsapp.net", "P", 1_748_779_302_000),
        ],
    );
    assert_eq!(out.len(), 9, "the two-id receipt is two events");
    assert_eq!(
        out[0].ack,
        Some(Ack::Sent),
        "SendMessage means the server has it"
    );
    assert_eq!((out[2].ack, out[3].ack), (Some(Ack::Read), Some(Ack::Read)));
    assert_ne!(out[2].message, out[3].message);
    assert!(out[4].out_of_order && out[4].ack == Some(Ack::Read));
    let last = out[8].poll.as_ref().expect("a tally");
    assert_eq!((last.voters, last.unknown_votes), (0, 2));
    assert!(last.options.iter().all(|o| o.votes == 0));
}

fn green(type_webhook: &str, id: &str, sender: &str, ts: u64, message_data: Value) -> Value {
    json!({"typeWebhook": type_webhook,
        "instanceData": {"idInstance": 1101823456_u64, "wid": "5511999990000@c.us", "typeInstance": "whatsapp"},
        "timestamp": ts, "idMessage": id,
        "senderData": {"chatId": "120363041234567890@g.us", "chatName": "Dev group", "sender": sender, "senderName": "x"},
        "messageData": message_data})
}

/// A Green API `pollUpdateMessage`: the poll's full state, every option with all its voters.
fn green_poll_state(sender: &str, ts: u64, yes: &[&str], no: &[&str], later: &[&str]) -> Value {
    green(
        "incomingMessageReceived",
        &format!("U{ts}"),
        sender,
        ts,
        json!({"typeMessage": "pollUpdateMessage", "pollMessageData": {"stanzaId": "BAE5POLL",
            "name": "Ship on Friday?", "multipleAnswers": false, "votes": [
                {"optionName": "Yes", "optionVoters": yes},
                {"optionName": "No", "optionVoters": no},
                {"optionName": "Later", "optionVoters": later}]}}),
    )
}

/// Green API sends the whole poll state on every vote: a voter who moves leaves the old option, a
/// voter who withdraws leaves every list, and a state older than the one shown (delivered late)
/// is flagged, not applied.
#[test]
fn green_api_poll_states_replace_the_whole_tally() {
    const ANA: &str = "5511966662222@c.us";
    const BRUNO: &str = "5511955553333@c.us";
    let mut s = Store::new();
    let poll = green(
        "outgoingAPIMessageReceived",
        "BAE5POLL",
        "5511999990000@c.us",
        100,
        json!({"typeMessage": "pollMessage", "pollMessageData": {"name": "Ship on Friday?",
            "options": [{"optionName": "Yes"}, {"optionName": "No"}, {"optionName": "Later"}],
            "multipleAnswers": false}}),
    );
    let out = apply(
        &mut s,
        &[
            poll,
            green_poll_state(ANA, 101, &[ANA], &[], &[]),
            green_poll_state(BRUNO, 102, &[ANA], &[BRUNO], &[]),
            green_poll_state(ANA, 103, &[], &[BRUNO], &[ANA]),
            green_poll_state(BRUNO, 104, &[], &[], &[ANA]),
            // Bruno's earlier state, delivered again late.
            green_poll_state(BRUNO, 102, &[ANA], &[BRUNO], &[]),
        ],
    );
    assert_eq!(
        tally(&out[3]),
        vec![("Yes".into(), 0), ("No".into(), 1), ("Later".into(), 1)]
    );
    assert_eq!(out[3].poll.as_ref().unwrap().voters, 2);
    assert_eq!(
        tally(&out[4]),
        vec![("Yes".into(), 0), ("No".into(), 0), ("Later".into(), 1)]
    );
    assert!(out[5].out_of_order);
    assert_eq!(tally(&out[5]), tally(&out[4]));
    assert_eq!(out[5].poll.as_ref().unwrap().voters, 1);
}

/// A Green API status that beats its `outgoingAPIMessageReceived` shows on a placeholder, and the
/// message, when it comes, keeps the tick and the failure reason.
#[test]
fn a_green_api_failure_before_its_message_keeps_its_reason() {
    let mut s = Store::new();
    let status = json!({"typeWebhook": "outgoingMessageStatus", "chatId": "5511900001234@c.us",
        "instanceData": {"idInstance": 1101823456_u64, "wid": "5511999990000@c.us", "typeInstance": "whatsapp"},
        "timestamp": 101, "idMessage": "BAE5FAIL", "status": "noAccount", "sendByApi": true});
    let mut message = green(
        "outgoingAPIMessageReceived",
        "BAE5FAIL",
        "5511999990000@c.us",
        100,
        json!({"typeMessage": "textMessage", "textMessageData": {"textMessage": "Your order shipped"}}),
    );
    message["senderData"]["chatId"] = json!("5511900001234@c.us");
    let out = apply(&mut s, &[status, message]);
    assert_eq!(out[0].ack, Some(Ack::Failed));
    assert!(!out[0].parked);
    let m = s.find_message(Provider::GreenApi, "BAE5FAIL").unwrap();
    assert!(!m.placeholder && m.from_me);
    assert_eq!(m.text.as_deref(), Some("Your order shipped"));
    assert_eq!(m.ack(), Some(Ack::Failed));
    assert_eq!(
        m.ticks[0].error.as_deref(),
        Some("the number has no WhatsApp account")
    );
}

/// An interactive reply whose sender wamon cannot read (so no voter to tally) still lists its
/// request on the prompt it answers. The prompt then stays as long as that reply's event does:
/// evicting it with the older events would report the reply's request as forgettable while its
/// event is still held (the screen would drop the body of a row it shows).
#[test]
fn an_answer_without_a_readable_sender_keeps_its_prompt_and_its_request() {
    let reply = |from: Value| {
        json!({"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages","value":{
            "messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"1"},
            "messages":[{"from":from,"timestamp":"10","type":"interactive",
                "context":{"from":"1","id":"wamid.PROMPT"},
                "interactive":{"type":"button_reply","button_reply":{"id":"b_yes","title":"Yes"}}}]}}]}]})
    };
    // At this cap a pass evicts two events: the first reply and a filler go; the reply without
    // a sender (request 4) stays, behind another held event.
    let mut s = Store::with_max_events(3);
    s.report_evictions();
    apply(
        &mut s,
        &[
            reply(json!("16505550001")),
            meta_text("wamid.T0", "16505551234", "filler"),
            meta_text("wamid.T1", "16505551234", "filler"),
            reply(json!(["unreadable"])),
            meta_text("wamid.T2", "16505551234", "filler"),
        ],
    );
    let held: Vec<u64> = s.events().iter().map(|e| e.seq).collect();
    assert_eq!(held, vec![3, 4, 5]);
    let gone = s.take_evicted();
    // Request 4 is held by its event, and request 1 by the prompt, which lists both.
    assert_eq!(gone.seqs, vec![2]);
    let prompt = s
        .find_message(Provider::Meta, "wamid.PROMPT")
        .expect("the prompt lists a held request");
    assert_eq!(prompt.seqs, vec![1, 4]);
}
