//! Property tests of the normaliser and the store behind it.
//!
//! Bodies are arbitrary bytes, arbitrary JSON (also inside each provider's envelope shape), the
//! real fixtures and demo requests with byte damage, and — most of the cases — those seeds with
//! structure-aware edits (values of another type or size, keys deleted or repeated, subtrees
//! grafted from other payloads, deep nesting). For every body the normaliser must not panic,
//! must be pure, must say `malformed` exactly when the body is not JSON, and must hand out
//! canonical ids. The results are then applied to a [`Store`] in random orders (also runs of
//! related requests sharing ids), which must keep its documented promises: acks only move
//! forward; a message seen again is counted, not doubled; every event stays visible (its own
//! row, its message's, or parked only while its message is unknown); reactions and edits end up
//! as received in arrival order; every message sits in exactly one live chat; poll tallies add up.
//! The same promises hold for a store capped at a handful of events (`--max-events`), which
//! must also stay within its cap, never refer to anything it evicted, remove chats with nothing
//! left, and report as forgettable only requests nothing held refers to.
//!
//! `PROPTEST_CASES=N` lengthens the hunt (see `fuzz::config` and the README's "Tests").

mod fuzz;

use fuzz::{config, seeds, Body, J};
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};
use wamon::envelope::Envelope;
use wamon::model::{Ack, ChatId, ChatKind, Event, Kind, Provider};
use wamon::provider::{detect, normalize, Normalized};
use wamon::store::poll::PollTally;
use wamon::store::{EventIx, MessageIx, Outcome, Row, Store};

// ---- the normaliser's promises -----------------------------------------------------------------

/// Everything `normalize` promises about one envelope.
fn check_normalized(env: &Envelope, n: &Normalized) -> Result<(), TestCaseError> {
    prop_assert!(!n.events.is_empty(), "every request is at least one event");
    if let Some(note) = &env.note {
        prop_assert_eq!(n.events.len(), 1);
        prop_assert_eq!(n.events[0].kind, Kind::Rejected);
        prop_assert_eq!(n.events[0].error.as_ref(), Some(note));
        return Ok(());
    }
    // JSON as RFC 8259 has it (a BOM, huge numbers, deep nesting included); that lenient parser
    // is held to serde_json's answers below. A body that is not JSON may be a Twilio form.
    let parsed = if env.body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        wamon::provider::parse::body(&env.body)
            .ok()
            .or_else(|| wamon::provider::twilio::form::twilio_fields(&env.body))
    };
    match parsed {
        None => {
            prop_assert_eq!(n.provider, Provider::Unknown);
            prop_assert_eq!(n.events.len(), 1, "one malformed event");
            prop_assert_eq!(n.events[0].kind, Kind::Malformed);
            prop_assert!(n.events[0].error.as_deref().is_some_and(|e| !e.is_empty()));
        }
        Some(root) => {
            // The body decides, except for a Whapi body whose request names its event.
            let by_body = detect(&root);
            let routed = by_body == Provider::Unknown
                && wamon::provider::whapi::route::event(&env.method, &env.path, &root).is_some();
            let want = if routed { Provider::Whapi } else { by_body };
            prop_assert_eq!(n.provider, want);
            for ev in &n.events {
                prop_assert!(
                    !matches!(ev.kind, Kind::Malformed | Kind::Rejected),
                    "a JSON body gave {:?}",
                    ev.kind
                );
            }
        }
    }
    for ev in &n.events {
        check_event(ev)?;
    }
    Ok(())
}

/// An event's ids are canonical and non-empty, and it serialises.
fn check_event(ev: &Event) -> Result<(), TestCaseError> {
    let chats = [&ev.chat, &ev.sender, &ev.participant]
        .into_iter()
        .flatten()
        .chain(ev.lid_map.iter().flat_map(|(a, b)| [a, b]))
        .chain(ev.vote.iter().map(|v| &v.voter))
        .chain(
            ev.poll_snapshot
                .iter()
                .flat_map(|s| s.voters.iter().flat_map(|v| &v.1)),
        );
    for c in chats {
        check_chat_id(c)?;
    }
    let ids = [&ev.message_id, &ev.target, &ev.reply_to]
        .into_iter()
        .flatten()
        .chain(ev.vote.iter().map(|v| &v.poll))
        .chain(ev.poll_snapshot.iter().map(|s| &s.poll))
        .chain(ev.interactive.iter().map(|i| &i.prompt));
    for id in ids {
        prop_assert!(!id.as_str().is_empty(), "empty message id in {:?}", ev);
        prop_assert!(!id.bare().is_empty());
    }
    let v = serde_json::to_value(ev).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(v["kind"].as_str(), Some(ev.kind.as_str()));
    Ok(())
}

/// A canonical id parses back to itself: the store keys chats by it.
fn check_chat_id(c: &ChatId) -> Result<(), TestCaseError> {
    let again = ChatId::parse(c.as_str());
    prop_assert_eq!(again.as_ref(), Some(c), "not canonical");
    prop_assert!(c.as_str().contains('@'));
    Ok(())
}

fn post(body: Vec<u8>) -> Envelope {
    Envelope::post(1, 1_750_000_000_000, body)
}

/// `body` sent with `seed`'s method and path.
fn at(seed: &fuzz::Seed, body: Vec<u8>) -> Envelope {
    let mut env = post(body);
    env.method = seed.method.clone();
    env.path = seed.path.clone();
    env
}

fn normalize_checked(env: &Envelope) -> Result<Normalized, TestCaseError> {
    let n = normalize(env);
    check_normalized(env, &n)?;
    // Pure: the same request always gives the same events.
    prop_assert_eq!(&normalize(env), &n);
    Ok(n)
}

// ---- the store's promises ----------------------------------------------------------------------

/// The keys of a headless line (README, "Headless NDJSON").
const NDJSON_KEYS: [&str; 24] = [
    "v",
    "seq",
    "received_at",
    "provider",
    "event",
    "kind",
    "chat",
    "chat_name",
    "sender",
    "sender_name",
    "from_me",
    "message_id",
    "type",
    "text",
    "status",
    "ack",
    "out_of_order",
    "duplicate",
    "parked",
    "account",
    "target",
    "emoji",
    "poll",
    "error",
];

/// What the checks remember between requests.
#[derive(Default)]
struct Watch {
    applied: usize,
    /// Per message handle: its state after the previous event, and the best ranked state it
    /// showed.
    acks: HashMap<MessageIx, (Option<Ack>, Option<u8>)>,
    /// Per parked event row: the provider, account and message id it waits for.
    parked: HashMap<EventIx, MsgKey>,
    /// Per target message (provider, account, bare id), folding every reaction and edit received in
    /// arrival order, whether it applied at once or was parked: per reactor the latest emoji,
    /// and the latest edit's text.
    reactions: HashMap<MsgKey, HashMap<String, String>>,
    last_edit: HashMap<MsgKey, Option<String>>,
}

/// What a message id is unique within, and the id: provider, account, (bare) id.
type MsgKey = (Provider, Option<String>, String);

impl Watch {
    fn received(&mut self, provider: Provider, ev: &Event) {
        let Some(target) = target_of(ev) else { return };
        let k = (
            provider,
            ev.account.clone(),
            wamon::model::bare_message_id(target).to_owned(),
        );
        match ev.kind {
            Kind::Reaction => {
                // Who reacted, as the store names them.
                let who = match (&ev.sender, ev.from_me) {
                    (_, Some(true)) => "me".to_owned(),
                    (Some(s), _) => s.as_str().to_owned(),
                    (None, _) => ev
                        .chat
                        .as_ref()
                        .map_or("?".into(), |c| c.as_str().to_owned()),
                };
                let r = self.reactions.entry(k).or_default();
                match ev.emoji.as_deref().unwrap_or("") {
                    "" => drop(r.remove(&who)),
                    e => drop(r.insert(who, e.to_owned())),
                }
            }
            Kind::Edit => drop(self.last_edit.insert(k, ev.text.clone())),
            _ => {}
        }
    }
}

/// The message an event applies to, as the store looks it up (`Store::apply_to_target`).
fn target_of(ev: &Event) -> Option<&str> {
    let t = if ev.kind == Kind::Status {
        ev.message_id.as_ref().or(ev.target.as_ref())
    } else {
        ev.target.as_ref().or(ev.vote.as_ref().map(|v| &v.poll))
    };
    t.or(ev.poll_snapshot.as_ref().map(|s| &s.poll))
        .map(|m| m.as_str())
}

/// A poll tally adds up.
fn check_tally(t: &PollTally) -> Result<(), TestCaseError> {
    for o in &t.options {
        prop_assert!(
            o.votes <= t.voters,
            "option {:?} has {} votes from {} voters",
            o.name,
            o.votes,
            t.voters
        );
    }
    let sum: usize = t.options.iter().map(|o| o.votes).sum();
    prop_assert!(sum <= t.voters * t.options.len());
    Ok(())
}

/// Applies one normalised request and checks the store before and after each event.
fn apply_checked(
    store: &mut Store,
    w: &mut Watch,
    env: &Envelope,
    n: &Normalized,
) -> Result<Vec<Outcome>, TestCaseError> {
    store.note_request(env.seq, env.received_at_ms);
    let mut outs = Vec::new();
    for ev in &n.events {
        // Edited messages: only an edit changes their text (a late copy of the message does not).
        let edited: Vec<(MessageIx, Option<String>, usize)> = store
            .messages()
            .filter(|(_, m)| m.is_edited())
            .map(|(h, m)| (h, m.text.clone(), m.edits().len()))
            .collect();
        let out = store.apply(n.provider, env.seq, env.received_at_ms, ev);
        w.applied += 1;
        w.received(n.provider, ev);
        for (h, text, edits) in edited {
            let Some(m) = store.get_message(h) else {
                continue; // evicted
            };
            if m.edits().len() == edits {
                prop_assert_eq!(
                    &m.text,
                    &text,
                    "a {:?} event changed the text of edited {}",
                    ev.kind,
                    m.id
                );
            }
        }
        if ev.kind == Kind::Edit && !out.duplicate {
            if let Some(i) = out.message {
                prop_assert_eq!(&store.message(i).text, &ev.text, "an edit sets the text");
            }
        }
        if let Some(i) = out.message {
            let m = store.get_message(i);
            prop_assert!(m.is_some(), "the message just touched was evicted");
            prop_assert_eq!(out.ack, m.unwrap().ack(), "outcome ack is the message's");
            if ev.kind == Kind::Status && out.out_of_order {
                if let Some(&(before, _)) = w.acks.get(&i) {
                    prop_assert_eq!(
                        store.message(i).ack(),
                        before,
                        "an out-of-order status was applied"
                    );
                }
            }
        }
        if out.parked {
            prop_assert!(out.message.is_none());
            let target = target_of(ev).expect("only events with a target park");
            w.parked.insert(
                store.event_ids().next_back().expect("just applied"),
                (n.provider, ev.account.clone(), target.to_owned()),
            );
        }
        if let Some(t) = &out.poll {
            check_tally(t)?;
        }
        // The headless line for it has every key of the schema.
        let line = wamon::ndjson::line(env, n.provider, ev, &out, store);
        let v = serde_json::to_value(&line).map_err(|e| TestCaseError::fail(e.to_string()))?;
        for k in NDJSON_KEYS {
            prop_assert!(v.get(k).is_some(), "NDJSON line without {}", k);
        }
        check_store(store, w)?;
        outs.push(out);
    }
    Ok(outs)
}

/// The store's invariants, with or without a cap.
fn check_store(s: &Store, w: &mut Watch) -> Result<(), TestCaseError> {
    let c = s.counters();
    let ids = s.event_ids();
    prop_assert_eq!(c.events as usize, w.applied);
    prop_assert_eq!(ids.len(), s.events().len());
    prop_assert_eq!(
        ids.len() + c.evicted_events as usize,
        w.applied,
        "every event is held or counted as evicted"
    );
    if let Some(cap) = s.max_events() {
        prop_assert!(ids.len() <= cap + (cap / 16).max(1), "over the cap");
    }
    let evicted = c.evicted_events > 0;
    if !evicted {
        let count = |k: Kind| s.events().iter().filter(|e| e.kind == k).count() as u64;
        prop_assert_eq!(c.malformed, count(Kind::Malformed));
        prop_assert_eq!(c.rejected, count(Kind::Rejected));
        prop_assert_eq!(c.unknown, count(Kind::Unknown));
    }
    prop_assert_eq!(
        s.parked_count(),
        s.events().iter().filter(|e| e.parked()).count(),
        "parked events are the held rows marked parked"
    );

    // A parked event waits for a message the store does not have (placeholders included).
    for id in ids.clone() {
        let e = s.event(id);
        if e.parked() {
            let (provider, account, target) = &w.parked[&id];
            prop_assert!(
                s.find_message_in(*provider, account.as_deref(), target)
                    .is_none(),
                "event {} ({:?}) still waits for {}, which the store has",
                id,
                e.kind,
                target
            );
        }
    }

    // Rows: each held message once, each held event at most once, nothing evicted.
    let mut message_rows: HashMap<MessageIx, usize> = HashMap::new();
    let mut event_rows = HashSet::new();
    prop_assert_eq!(s.row_positions().len(), s.rows().len());
    for r in s.rows() {
        prop_assert!(s.has_row(*r), "row {:?} was evicted", r);
        match *r {
            Row::Message(h) => *message_rows.entry(h).or_default() += 1,
            Row::Event(id) => {
                prop_assert!(ids.contains(&id));
                prop_assert!(event_rows.insert(id), "event {} listed twice", id);
            }
        }
    }
    prop_assert_eq!(message_rows.len(), s.messages().len(), "a row per message");
    prop_assert!(
        message_rows.values().all(|&n| n == 1),
        "each message is one row"
    );
    // Nothing held is invisible: a row of its own, its message's row, or waiting. What it
    // refers to is held too.
    for id in ids.clone() {
        let e = s.event(id);
        prop_assert!(
            e.parked() || e.message().is_some() || event_rows.contains(&id),
            "event {} ({:?}) is nowhere",
            id,
            e.kind
        );
        if let Some(m) = e.message() {
            prop_assert!(
                s.get_message(m).is_some(),
                "event {} refers to an evicted message",
                id
            );
        }
        if let Some(ch) = e.chat() {
            prop_assert!(ch.index() < s.chats().len() && !s.chats().get(ch).vacant);
        }
    }

    // Messages: one per (provider, account, bare id), each shown in a live chat.
    let mut keys = HashMap::new();
    for (i, m) in s.messages() {
        prop_assert!(message_rows.contains_key(&i));
        // Messages without an id are keyed by their request (`#seq`) and may share it.
        if m.id.as_str() != format!("#{}", m.first_seq) {
            if let Some(j) = keys.insert((m.provider, m.account, m.id.bare().to_owned()), i) {
                return Err(TestCaseError::fail(format!(
                    "messages {j} and {i} are both {:?} {:?}",
                    m.provider, m.id
                )));
            }
        }
        if m.id.as_str() != format!("#{}", m.first_seq) {
            // WAHA's bare-id references find the message by any of its id forms.
            let account = s.account(m.account);
            let found = s.find_message_in(m.provider, account, m.id.as_str());
            prop_assert_eq!(found.map(|f| &f.id), Some(&m.id), "lookup by its own id");
        }
        // Per reactor the latest emoji; an empty one removed the reaction.
        let mut reactors = HashSet::new();
        for (who, emoji) in m.reactions() {
            prop_assert!(reactors.insert(who), "{} reacted twice to {}", who, m.id);
            prop_assert!(!emoji.is_empty());
        }
        // Every reaction and edit for it has been applied (none waits for an existing
        // message), in arrival order. (Not once anything was evicted: an evicted message comes
        // back without its past, and events parked for it may have gone with their rows.)
        if !evicted {
            let k = (
                m.provider,
                s.account(m.account).map(str::to_owned),
                m.id.bare().to_owned(),
            );
            let want = w.reactions.get(&k).cloned().unwrap_or_default();
            let have: HashMap<String, String> = m.reactions().iter().cloned().collect();
            prop_assert_eq!(have, want, "reactions of {}", m.id);
            if let Some(text) = w.last_edit.get(&k) {
                prop_assert_eq!(&m.text, text, "{} does not show its latest edit", m.id);
            }
        }
        prop_assert!(m.chat.index() < s.chats().len() && !s.chats().get(m.chat).vacant);
        let shown = s.chats().get(s.chats().root(m.chat));
        prop_assert!(
            shown.merged_into.is_none() && !shown.vacant,
            "message {} shows under chat {} which is folded into another",
            m.id,
            shown.id
        );
        if let Some(p) = &m.poll {
            check_tally(&p.tally())?;
        }
    }
    // Chats count what they hold; one with nothing left is removed.
    let chats = s.chats();
    let held = |f: fn(&wamon::store::Chat) -> usize| -> usize {
        chats
            .slots()
            .map(|(_, c)| c)
            .filter(|c| !c.vacant)
            .map(f)
            .sum()
    };
    prop_assert_eq!(held(|c| c.held_messages), s.messages().len());
    prop_assert_eq!(
        held(|c| c.held_events),
        s.events().iter().filter(|e| e.chat().is_some()).count()
    );
    if !evicted {
        let counted: u64 = chats.slots().map(|(_, c)| c.received).sum();
        prop_assert_eq!(
            counted as usize,
            s.messages().len(),
            "each message is counted by the chat it arrived in"
        );
    }
    for (ci, chat) in chats.live() {
        prop_assert_eq!(
            chats.index_in(chats.origin(ci), &chat.id),
            Some(ci),
            "chat {} is not found by id",
            chat.id
        );
        prop_assert!(
            chat.held_messages + chat.held_events > 0 || !chat.aliases.is_empty(),
            "chat {} has nothing left",
            chat.id
        );
        for &a in &chat.aliases {
            prop_assert_eq!(chats.get(a).merged_into, Some(ci), "alias of {}", chat.id);
        }
    }
    // Only an alias chat (a lid, a Meta user id) folds, only into a phone chat shown itself.
    for (i, c) in chats.slots() {
        if c.vacant {
            prop_assert!(c.merged_into.is_none() && c.aliases.is_empty());
            continue;
        }
        if let Some(into) = c.merged_into {
            prop_assert!(c.kind().is_alias(), "{} was folded", c.id);
            prop_assert!(
                c.held_messages + c.held_events > 0,
                "empty lid chat {}",
                c.id
            );
            let target = chats.get(into);
            prop_assert!(!target.vacant, "folded into a removed chat");
            prop_assert!(target.merged_into.is_none(), "folded into a folded chat");
            prop_assert!(target.kind() != ChatKind::Lid, "folded into {}", target.id);
            prop_assert!(target.aliases.contains(&i));
            prop_assert_eq!(chats.index_in(chats.origin(i), &c.id), Some(into));
        }
    }

    // Acks only move forward; failed shows only while nothing beyond sent was seen.
    for (i, m) in s.messages() {
        let (prev, best) = w.acks.get(&i).copied().unwrap_or((None, None));
        let now = m.ack();
        prop_assert!(
            prev.is_none() || now.is_some(),
            "message {} lost its ack {:?}",
            m.id,
            prev
        );
        match now.and_then(Ack::rank) {
            Some(r) => {
                prop_assert!(
                    best.is_none_or(|b| r >= b),
                    "message {} went back from rank {:?} to {:?}",
                    m.id,
                    best,
                    now
                );
                w.acks.insert(i, (now, Some(r)));
            }
            None => {
                if now == Some(Ack::Failed) {
                    prop_assert!(
                        best.is_none_or(|b| b <= 1),
                        "message {} shows failed after rank {:?}",
                        m.id,
                        best
                    );
                }
                w.acks.insert(i, (now, best));
            }
        }
    }
    Ok(())
}

/// What a capped store reported evicted is really gone: no held event or message refers to a
/// forgotten request (the screen drops its body), and removed chats are vacant.
fn check_evicted(s: &mut Store) -> Result<(), TestCaseError> {
    let gone = s.take_evicted();
    for seq in &gone.seqs {
        prop_assert!(
            !s.events().iter().any(|e| e.seq == *seq),
            "request {} forgotten while an event of it is held",
            seq
        );
        prop_assert!(
            !s.messages().any(|(_, m)| m.seqs.contains(seq)),
            "request {} forgotten while a message lists it",
            seq
        );
    }
    for c in gone.chats {
        prop_assert!(s.chats().get(c).vacant, "chat {} reported removed", c);
    }
    Ok(())
}

// ---- properties --------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config("fuzz_normalizer", 256))]

    #[test]
    fn arbitrary_bytes_are_malformed_or_normalised(
        body in prop::collection::vec(any::<u8>(), 0..512).prop_map(Body),
    ) {
        normalize_checked(&post(body.0))?;
    }

    #[test]
    fn damaged_seeds_never_panic(body in fuzz::damaged_seed()) {
        normalize_checked(&post(body.0))?;
    }

    #[test]
    fn arbitrary_json_never_panics(tree in fuzz::json()) {
        normalize_checked(&post(tree.render()))?;
    }

    #[test]
    fn arbitrary_content_in_provider_envelopes(tree in fuzz::shaped_json()) {
        normalize_checked(&post(tree.render()))?;
    }

    #[test]
    fn rejected_requests_stay_rejected(body in fuzz::body(), note in fuzz::text()) {
        let mut env = post(body.0);
        env.note = Some(note);
        normalize_checked(&env)?;
    }

    #[test]
    fn chat_ids_canonicalise_to_a_fixed_point(raw in prop_oneof![
        any::<String>(),
        fuzz::text(),
        "[+ :@0-9a-z.\\-\u{a0}\u{2028}]{0,12}",
    ]) {
        if let Some(c) = ChatId::parse(&raw) {
            check_chat_id(&c)?;
        }
    }
}

/// Why serde_json refused a body that RFC 8259 allows (the lenient parser may accept it).
fn refused_by_default_only(body: &[u8], e: &serde_json::Error) -> bool {
    let m = e.to_string();
    body.starts_with(b"\xEF\xBB\xBF")
        || [
            "recursion limit exceeded",
            "number out of range",
            "surrogate",
        ]
        .iter()
        .any(|w| m.contains(w))
}

proptest! {
    #![proptest_config(config("fuzz_normalizer", 256))]

    /// The lenient parser says what serde_json says, value and error position alike, except for
    /// what serde_json refuses by default only; wrapping a body in a BOM or 150 more levels of
    /// nesting never changes whether it is JSON.
    #[test]
    fn the_lenient_parser_agrees_with_serde_json_but_for_its_defaults(
        body in fuzz::body(),
        wrap in 0..3u8,
    ) {
        use wamon::provider::parse;
        let body = body.0;
        let ours = parse::body(&body);
        match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(v) => prop_assert_eq!(ours.as_ref().ok(), Some(&v)),
            Err(e) if refused_by_default_only(&body, &e) => {}
            Err(e) => {
                let ours = ours.as_ref().err().map(|o| (o.line, o.column));
                prop_assert_eq!(ours, Some((e.line(), e.column())), "{}", e);
            }
        }
        // Nesting an empty (or blank) body makes `[[]]`, which is JSON: only bodies with a value
        // in them keep their verdict when wrapped.
        let blank = body.iter().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
        let wrapped = match wrap {
            0 => return Ok(()),
            2 if blank => return Ok(()),
            // A BOM belongs at the very start only: one, never two, never nested.
            _ if body.starts_with(b"\xEF\xBB\xBF") => return Ok(()),
            1 => [&b"\xEF\xBB\xBF"[..], &body].concat(),
            _ => [b"[".repeat(150), body.clone(), b"]".repeat(150)].concat(),
        };
        prop_assert_eq!(parse::body(&wrapped).is_ok(), ours.is_ok());
    }
}

proptest! {
    // Each case normalises a seed with up to six edits: the main hunt.
    #![proptest_config(config("fuzz_normalizer", 512))]

    #[test]
    fn mutated_seeds_never_panic((seed, tree) in fuzz::mutated_seed()) {
        let s = &seeds()[seed];
        // Sent where the seed is (Whapi's path-mode fixtures name their event in the path).
        let n = normalize_checked(&at(s, tree.render()))?;
        // An edit-free seed still says which provider sent it (the `problems` demo mixes them).
        if J::parse(&s.body).as_ref() == Some(&tree) && !s.name.starts_with("demo/problems/") {
            prop_assert_eq!(n.provider.as_str(), s.provider);
        }
    }
}

/// Applies `bodies` to a store capped at `cap` events, checking it after every event and every
/// eviction.
fn apply_under_cap(cap: usize, bodies: Vec<Body>) -> Result<(), TestCaseError> {
    let mut store = Store::with_max_events(cap);
    store.report_evictions();
    let mut w = Watch::default();
    for (i, body) in bodies.into_iter().enumerate() {
        let env = Envelope::post(i as u64 + 1, 1_750_000_000_000 + i as i64, body.0);
        let n = normalize_checked(&env)?;
        apply_checked(&mut store, &mut w, &env, &n)?;
        check_evicted(&mut store)?;
    }
    Ok(())
}

proptest! {
    // Each case applies up to 40 requests, checking the whole store after every event.
    #![proptest_config(config("fuzz_normalizer", 64))]

    #[test]
    fn the_store_keeps_its_promises_in_any_order(
        bodies in prop::collection::vec(prop_oneof![
            3 => fuzz::seed().prop_map(|i| Body(seeds()[i].body.clone())),
            3 => fuzz::mutated_seed().prop_map(|(_, t)| Body(t.render())),
            1 => fuzz::body(),
        ], 1..40).prop_shuffle(),
    ) {
        let mut store = Store::new();
        let mut w = Watch::default();
        for (i, body) in bodies.into_iter().enumerate() {
            let env = Envelope::post(i as u64 + 1, 1_750_000_000_000 + i as i64, body.0);
            let n = normalize_checked(&env)?;
            apply_checked(&mut store, &mut w, &env, &n)?;
        }
    }

    #[test]
    fn the_store_keeps_its_promises_for_related_requests(bodies in fuzz::related_bodies(2..24)) {
        let mut store = Store::new();
        let mut w = Watch::default();
        for (i, body) in bodies.into_iter().enumerate() {
            let env = Envelope::post(i as u64 + 1, 1_750_000_000_000 + i as i64, body.0);
            let n = normalize_checked(&env)?;
            apply_checked(&mut store, &mut w, &env, &n)?;
        }
    }

    #[test]
    fn the_store_keeps_its_promises_under_a_small_cap(
        cap in 1usize..12,
        bodies in prop::collection::vec(prop_oneof![
            3 => fuzz::seed().prop_map(|i| Body(seeds()[i].body.clone())),
            3 => fuzz::mutated_seed().prop_map(|(_, t)| Body(t.render())),
            1 => fuzz::body(),
        ], 1..40).prop_shuffle(),
    ) {
        apply_under_cap(cap, bodies)?;
    }

    #[test]
    fn related_requests_under_a_small_cap(cap in 1usize..12, bodies in fuzz::related_bodies(2..40)) {
        apply_under_cap(cap, bodies)?;
    }

    #[test]
    fn a_message_seen_again_is_counted_not_doubled(
        bodies in prop::collection::vec(prop_oneof![
            2 => fuzz::seed().prop_map(|i| Body(seeds()[i].body.clone())),
            1 => fuzz::mutated_seed().prop_map(|(_, t)| Body(t.render())),
        ], 1..24).prop_shuffle(),
    ) {
        let mut store = Store::new();
        let mut w = Watch::default();
        let envs: Vec<Envelope> = bodies
            .into_iter()
            .enumerate()
            .map(|(i, b)| Envelope::post(i as u64 + 1, 1_750_000_000_000 + i as i64, b.0))
            .collect();
        let normalized: Vec<Normalized> = envs.iter().map(normalize).collect();
        for (env, n) in envs.iter().zip(&normalized) {
            apply_checked(&mut store, &mut w, env, n)?;
        }
        // The same requests again (a provider retrying everything).
        for (env, n) in envs.iter().zip(&normalized) {
            let mut env = env.clone();
            env.seq += envs.len() as u64;
            let before = store.messages().len();
            let outs = apply_checked(&mut store, &mut w, &env, n)?;
            let idless = n
                .events
                .iter()
                .filter(|e| e.kind == Kind::Message && e.message_id.is_none())
                .count();
            prop_assert_eq!(
                store.messages().len(),
                before + idless,
                "a repeated request made new messages"
            );
            for (ev, out) in n.events.iter().zip(&outs) {
                if ev.kind == Kind::Message && ev.message_id.is_some() {
                    prop_assert!(out.duplicate, "{:?} was not seen as a duplicate", ev.message_id);
                }
            }
        }
    }
}

// ---- examples ----------------------------------------------------------------------------------

/// Every untouched seed is recognised as its folder's (or demo file's) provider. The `problems`
/// demo mixes providers on purpose (one is a WAHA body with a bad signature) and is left out.
#[test]
fn every_seed_is_detected_as_its_provider() {
    let mut checked = 0;
    for s in seeds()
        .iter()
        .filter(|s| !s.name.starts_with("demo/problems/"))
    {
        let n = normalize(&at(s, s.body.clone()));
        assert_eq!(n.provider.as_str(), s.provider, "{}", s.name);
        checked += 1;
    }
    assert!(checked > 250, "only {checked} seeds");
}
