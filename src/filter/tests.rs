//! Unit tests of the filter language: parsing, error messages and matching.

use super::suggest::{edit_distance, suggest};
use super::*;
use std::cell::Cell;

#[derive(Default)]
struct Item {
    provider: Option<Provider>,
    account: Option<String>,
    kind: Option<Kind>,
    msg_type: Option<MessageType>,
    chat: Option<ChatId>,
    chat_name: Option<String>,
    sender: Option<ChatId>,
    sender_name: Option<String>,
    from_me: bool,
    ack: Option<Ack>,
    message_id: Option<String>,
    text: Option<String>,
    flags: Vec<Flag>,
    raw: String,
    raw_reads: Cell<usize>,
}

impl Subject for Item {
    fn provider(&self) -> Provider {
        self.provider.unwrap_or(Provider::Waha)
    }
    fn account(&self) -> Option<&str> {
        self.account.as_deref()
    }
    fn kind(&self) -> Kind {
        self.kind.unwrap_or(Kind::Message)
    }
    fn msg_type(&self) -> Option<MessageType> {
        self.msg_type
    }
    fn chat(&self) -> Option<&ChatId> {
        self.chat.as_ref()
    }
    fn chat_name(&self) -> Option<&str> {
        self.chat_name.as_deref()
    }
    fn sender(&self) -> Option<&ChatId> {
        self.sender.as_ref()
    }
    fn sender_name(&self) -> Option<&str> {
        self.sender_name.as_deref()
    }
    fn from_me(&self) -> bool {
        self.from_me
    }
    fn ack(&self) -> Option<Ack> {
        self.ack
    }
    fn message_id(&self) -> Option<&str> {
        self.message_id.as_deref()
    }
    fn text(&self) -> Option<&str> {
        self.text.as_deref()
    }
    fn has_flag(&self, flag: Flag) -> bool {
        self.flags.contains(&flag)
    }
    fn raw_contains(&self, needle_lower: &str) -> bool {
        self.raw_reads.set(self.raw_reads.get() + 1);
        contains_ci_bytes(self.raw.as_bytes(), needle_lower)
    }
}

fn id(s: &str) -> Option<ChatId> {
    ChatId::parse(s)
}

/// An incoming text in a group, from Ana, delivered.
fn group_text() -> Item {
    Item {
        provider: Some(Provider::Waha),
        account: Some("Loja-Centro".into()),
        kind: Some(Kind::Message),
        msg_type: Some(MessageType::Text),
        chat: id("120363-777@g.us"),
        chat_name: Some("Dev group".into()),
        sender: id("5511999887766@s.whatsapp.net"),
        sender_name: Some("Ana Souza".into()),
        ack: Some(Ack::Delivered),
        message_id: Some("false_120363-777@g.us_3EB0ABC_5511999887766@c.us".into()),
        text: Some("Deploy finished: build #42 OK".into()),
        raw: r#"{"event":"message","payload":{"body":"Deploy finished","_data":{"notifyName":"Ana"}}}"#
            .into(),
        ..Item::default()
    }
}

/// An outgoing poll in a DM, read, edited and a reply, with non-ASCII text.
fn dm_poll() -> Item {
    Item {
        provider: Some(Provider::Meta),
        account: Some("106540352242922".into()),
        kind: Some(Kind::Message),
        msg_type: Some(MessageType::Poll),
        chat: id("+55 21 98888-7777"),
        chat_name: Some("João Ñandú".into()),
        sender: id("15550001111"),
        sender_name: None,
        from_me: true,
        ack: Some(Ack::Read),
        message_id: Some("wamid.HBgLNTUyMTk4ODg4Nzc3NxUCABEYEjQ".into()),
        text: Some("ÁRVORE ou Straße? Qual é melhor".into()),
        flags: vec![Flag::Edited, Flag::Reply],
        raw: r#"{"object":"whatsapp_business_account","entry":[{"id":"WABA-ZZZ"}]}"#.into(),
        ..Item::default()
    }
}

/// A status event with no type, no ack, no chat.
fn bare_status() -> Item {
    Item {
        provider: Some(Provider::Whapi),
        kind: Some(Kind::Session),
        text: Some("connected".into()),
        ..Item::default()
    }
}

fn m(filter: &str, item: &Item) -> bool {
    Filter::parse(filter)
        .unwrap_or_else(|e| panic!("{filter:?} should parse: {e}"))
        .matches(item)
}

/// Asserts which of (group_text, dm_poll, bare_status) `filter` selects.
fn sel(filter: &str, expect: [bool; 3]) {
    let items = [group_text(), dm_poll(), bare_status()];
    let got = items.each_ref().map(|i| m(filter, i));
    assert_eq!(got, expect, "filter {filter:?}");
}

#[test]
fn parse_successes() {
    for input in [
        "",
        "   ",
        "hello",
        "\"hello world\"",
        "chat:\"Dev group\"",
        "chat:\"say \\\"hi\\\"\"",
        "CHAT:dev From:ana",
        "type:poll|text",
        "type:media",
        "type:live-location type:LinkPreview type:GROUP_INVITE",
        "kind:poll_vote|status",
        "provider:waha|meta",
        "ack:read ack:<read ack:<=read ack:>sent ack:>=delivered ack:=played ack:failed",
        "ack:<read|failed",
        "me !me ME",
        "is:group|dm|channel|lid|status|broadcast",
        "is:edited|deleted|duplicate|outoforder|reply is:out_of_order",
        "id:3EB0",
        "!type:media !\"out of office\" !!me",
        "12:30 :x a|b \"me\" \"chat:x\" \"a|b\"",
        "chat:+55\" \"11",
    ] {
        assert!(Filter::parse(input).is_ok(), "{input:?} should parse");
    }
}

#[test]
fn parse_failures() {
    for (input, message, at) in [
        (
            "foo:bar",
            "unknown key \"foo:\" — try chat: from: type: kind: provider: account: ack: is: id:",
            0,
        ),
        ("x frm:ana", "unknown key \"frm:\" — did you mean from:?", 2),
        (
            "TYEP:poll",
            "unknown key \"tyep:\" — did you mean type:?",
            0,
        ),
        (
            "type:pol",
            "type \"pol\" is not a type — did you mean poll?",
            0,
        ),
        (
            "type:txt",
            "type \"txt\" is not a type — did you mean text?",
            0,
        ),
        (
            "type:i",
            "type \"i\" is not a type — did you mean image or interactive?",
            0,
        ),
        (
            "type:zzz",
            "type \"zzz\" is not a type — try text image video gif audio voice document \
             sticker location live_location contact poll interactive button template order \
             product catalog link_preview group_invite call system event story unsupported \
             media",
            0,
        ),
        (
            "kind:mesage",
            "kind \"mesage\" is not a kind — did you mean message?",
            0,
        ),
        (
            "provider:signal",
            "provider \"signal\" is not a provider — try waha whapi meta evolution instance \
             evolution_go twilio greenapi zapi unknown",
            0,
        ),
        ("ack:", "\"ack:\" needs a value like read or <read", 0),
        ("ack:<", "\"ack:<\" needs an ack like read", 0),
        (
            "ack:<redd",
            "ack \"redd\" is not an ack — did you mean read?",
            0,
        ),
        ("ack:<failed", "failed has no order — use ack:failed", 0),
        ("is:grp", "\"is:grp\" is not known — did you mean group?", 0),
        ("type:", "\"type:\" needs a value like text or media", 0),
        (
            "chat:",
            "\"chat:\" needs a value like \"Dev group\" or +5511",
            0,
        ),
        (
            "type:poll|",
            "empty alternative in \"type:poll|\" — remove the |",
            0,
        ),
        ("a||b", "empty alternative in \"a||b\" — remove the |", 0),
        ("ok \"abc", "unclosed quote", 3),
        ("chat:\"Dev", "unclosed quote", 0),
        ("ok !", "\"!\" needs a term after it", 3),
        ("\"\"", "empty quotes — type a phrase inside them", 0),
        // A lone `|` is no empty quote; a leading or trailing one is an empty alternative.
        (
            "|",
            "\"|\" alone matches nothing — put an alternative on each side, as in hello|hi",
            0,
        ),
        (
            "ok !||",
            "\"||\" alone matches nothing — put an alternative on each side, as in hello|hi",
            3,
        ),
        ("|hi", "empty alternative in \"|hi\" — remove the |", 0),
        ("hi|", "empty alternative in \"hi|\" — remove the |", 0),
        (
            "type:|",
            "empty alternative in \"type:|\" — remove the |",
            0,
        ),
        // Offsets count chars, not bytes.
        (
            "ção bad:x",
            "unknown key \"bad:\" — try chat: from: type: kind: provider: account: ack: is: id:",
            4,
        ),
    ] {
        let err = Filter::parse(input).expect_err(input);
        assert_eq!(err.message, message, "input {input:?}");
        assert_eq!(err.at, at, "input {input:?}");
        assert_eq!(err.to_string(), message);
    }
}

#[test]
fn empty_filter_matches_all() {
    let f = Filter::parse("  ").unwrap();
    assert!(f.is_empty());
    assert_eq!(f, Filter::default());
    assert_eq!(f.source(), "  ");
    assert!(!f.needs_raw());
    sel("", [true, true, true]);
    assert!(Filter::default().matches(&bare_status()));
}

#[test]
fn source_equality_and_needs_raw() {
    let f = Filter::parse("ack:read  hello chat:x").unwrap();
    assert_eq!(f.source(), "ack:read  hello chat:x");
    assert_eq!(f.to_string(), "ack:read  hello chat:x");
    assert!(f.needs_raw());
    assert!(!f.is_empty());
    assert_eq!(f, Filter::parse("chat:x hello ack:read").unwrap());
    assert_ne!(f, Filter::parse("chat:x hello ack:<read").unwrap());
    assert!(!Filter::parse("me type:poll chat:x").unwrap().needs_raw());
    assert_eq!(
        "me".parse::<Filter>().unwrap(),
        Filter::parse("ME").unwrap()
    );
}

/// Found by `tests/fuzz_filter.rs`: terms of the same kind compared in typed order, so
/// `from:a from:b` and `from:b from:a` were different filters.
#[test]
fn terms_of_one_kind_in_another_order_are_the_same_filter() {
    let f = |s: &str| Filter::parse(s).unwrap();
    assert_eq!(f("from:text from:x|y"), f("from:x|y from:text"));
    assert_eq!(f("deploy !ok \"a b\""), f("\"a b\" deploy !ok"));
    assert_eq!(f("a a b"), f("a b a"));
    assert_ne!(f("a a b"), f("a b b"));
    assert_ne!(f("from:x|y"), f("from:x from:y"));
}

#[test]
fn chat_and_from() {
    sel("chat:dev", [true, false, false]);
    sel("chat:DEV", [true, false, false]);
    sel("chat:\"Dev group\"", [true, false, false]);
    sel("chat:\"dev  group\"", [false, false, false]);
    sel("chat:g.us", [true, false, false]);
    sel("chat:120363", [true, false, false]);
    sel("chat:joão", [false, true, false]);
    sel("chat:JOÃO", [false, true, false]);
    sel("from:ana", [true, false, false]);
    sel("from:souza|1555", [true, true, false]);
    sel("from:dev", [false, false, false]);
}

#[test]
fn phone_numbers_match_id_digits() {
    // dm_poll's chat is 5521988887777@c.us.
    sel("chat:5521", [false, true, false]);
    sel("chat:+5521", [false, true, false]);
    sel("chat:\"+55 21\"", [false, true, false]);
    sel("chat:\"+55 (21) 98888-7777\"", [false, true, false]);
    sel("chat:98888-7777", [false, true, false]);
    sel("chat:\"+55 22\"", [false, false, false]);
    // Group ids fold the hyphen away too.
    sel("chat:120363777", [true, false, false]);
    // from: uses the sender id.
    sel("from:\"+55 11 99988\"", [true, false, false]);
    sel("from:+1555", [false, true, false]);
    // Not a phone number: plain substring only.
    sel("chat:5521x", [false, false, false]);
}

#[test]
fn type_kind_provider() {
    sel("type:text", [true, false, false]);
    sel("type:POLL", [false, true, false]);
    sel("type:poll|text", [true, true, false]);
    sel("type:media", [false, false, false]);
    sel("!type:media", [true, true, true]);
    sel("!type:text", [false, true, true]);
    sel("kind:message", [true, true, false]);
    sel("kind:session|status", [false, false, true]);
    sel("provider:waha|meta", [true, true, false]);
    sel("provider:WHAPI", [false, false, true]);
    sel("!provider:whapi", [true, true, false]);
    // Accounts: part of the name (any case), or a number's digits; none never matches.
    sel("account:loja", [true, false, false]);
    sel("account:\"106 540\"", [false, true, false]);
    sel("account:loja|1065", [true, true, false]);
    sel("!account:loja", [false, true, true]);

    let mut img = bare_status();
    img.msg_type = Some(MessageType::Voice);
    assert!(m("type:media", &img));
    assert!(!m("type:image", &img));
    assert!(m("type:image|voice", &img));
}

#[test]
fn ack_equality_and_comparisons() {
    // group_text is delivered, dm_poll is read, bare_status has no ack.
    sel("ack:delivered", [true, false, false]);
    sel("ack:READ", [false, true, false]);
    sel("ack:=read", [false, true, false]);
    sel("ack:<read", [true, false, false]);
    sel("ack:<=read", [true, true, false]);
    sel("ack:>delivered", [false, true, false]);
    sel("ack:>=delivered", [true, true, false]);
    sel("ack:>played", [false, false, false]);
    sel("ack:<pending", [false, false, false]);
    sel("ack:\"<read\"", [true, false, false]);
    sel("ack:failed", [false, false, false]);
    // Negation: items without an ack satisfy `!ack:...`.
    sel("!ack:<read", [false, true, true]);

    let mut failed = group_text();
    failed.ack = Some(Ack::Failed);
    assert!(m("ack:failed", &failed));
    assert!(m("ack:<read|failed", &failed));
    for cmp in ["ack:<read", "ack:>pending", "ack:>=pending", "ack:<=played"] {
        assert!(!m(cmp, &failed), "{cmp} must not match failed");
    }
}

#[test]
fn me_is_and_id() {
    sel("me", [false, true, false]);
    sel("!me", [true, false, true]);
    sel("!!me", [false, true, false]);
    sel("is:group", [true, false, false]);
    sel("is:dm", [false, true, false]);
    sel("is:group|dm", [true, true, false]);
    sel("!is:group", [false, true, true]);
    sel("is:channel|status|broadcast|lid", [false, false, false]);
    sel("is:edited", [false, true, false]);
    sel("is:reply", [false, true, false]);
    sel("is:deleted|duplicate|outoforder", [false, false, false]);
    sel("id:3eb0abc", [true, false, false]);
    sel("id:wamid", [false, true, false]);
    sel("!id:wamid", [true, false, true]);

    let mut lid = bare_status();
    lid.chat = id("4555685237:31@lid");
    assert!(m("is:lid", &lid) && m("is:dm", &lid));
    lid.chat = id("status@broadcast");
    assert!(m("is:status", &lid) && !m("is:broadcast", &lid));
    lid.chat = id("1203@newsletter");
    assert!(m("is:channel", &lid));
    lid.flags = vec![Flag::Duplicate, Flag::OutOfOrder, Flag::Deleted];
    assert!(m("is:duplicate is:out-of-order is:deleted", &lid));
}

#[test]
fn bare_words_and_phrases() {
    sel("deploy", [true, false, false]);
    sel("DEPLOY OK", [true, false, false]);
    sel("\"build #42\"", [true, false, false]);
    sel("\"build 42\"", [false, false, false]);
    sel("ana", [true, false, false]); // sender name
    sel("\"dev group\"", [true, false, false]); // chat name
    sel("notifyname", [true, false, false]); // raw body only
    sel("waba-zzz", [false, true, false]); // raw body only
    sel("deploy|connected", [true, false, true]);
    sel("!deploy", [false, true, true]);
    sel("\"me\"", [true, true, false]); // "message" in raw, "melhor" in text
    sel("\"chat:x\"", [false, false, false]);
    sel("12:30", [false, false, false]);
}

#[test]
fn non_ascii_text() {
    sel("árvore", [false, true, false]);
    sel("ÁRVORE", [false, true, false]);
    sel("straße", [false, true, false]);
    sel("STRASSE", [false, false, false]);
    sel("\"é melhor\"", [false, true, false]);
    sel("ñandú", [false, true, false]);
    sel("NANDU", [false, false, false]);
    assert!(contains_ci("Ação RÁPIDA", "rápida"));
    assert!(contains_ci("Ação RÁPIDA", "ação"));
    assert!(!contains_ci("acao rapida", "ação"));
    assert!(contains_ci("ŞİŞLİ", "şi"));
    assert!(contains_ci_bytes("ÑANDÚ".as_bytes(), "ñandú"));
    assert!(contains_ci_bytes(b"\xffRead\xfe", "read"));
    assert!(contains_ci("abc", ""));
    assert!(!contains_ci("ab", "abc"));
    assert!(contains_ci("xxABC", "abc"));
}

#[test]
fn combined_terms_and_raw_last() {
    sel("chat:dev !me type:text deploy", [true, false, false]);
    sel(
        "me type:poll ack:>=read is:edited chat:5521",
        [false, true, false],
    );
    sel("provider:meta|whapi !is:group", [false, true, true]);

    // A field term that fails stops before any raw read.
    let item = group_text();
    assert!(!m("notfound type:poll", &item));
    assert_eq!(item.raw_reads.get(), 0);
    // Text hits in cheap fields never read the raw body.
    assert!(m("deploy ana", &item));
    assert_eq!(item.raw_reads.get(), 0);
    // A negated cheap hit fails before any other term reads the raw body.
    assert!(!m("notfound !deploy", &item));
    assert_eq!(item.raw_reads.get(), 0);
    // Only terms the cheap pass left open read the raw body.
    assert!(m("deploy notifyname", &item));
    assert_eq!(item.raw_reads.get(), 1);
}

#[test]
fn suggestions() {
    assert_eq!(suggest("pol", ["poll", "product"]), Some("poll".into()));
    assert_eq!(suggest("xyz", ["poll", "product"]), None);
    assert_eq!(suggest("grp", ["group", "dm"]), Some("group".into()));
    assert_eq!(suggest("pz", ["poll", "product"]), None);
    assert_eq!(edit_distance("chta", "chat"), 1);
    assert_eq!(edit_distance("", "abc"), 3);
}

#[test]
fn a_phrase_matches_a_raw_body_across_json_punctuation_and_spaces() {
    use super::body_contains;
    let body = br#"{"payload":{"fromMe":true,"body":"hello   world","to":"x"}}"#;
    // As the pretty raw view shows it, or as typed without quotes.
    for needle in [
        "\"fromme\": true",
        "fromme: true",
        "fromme:",
        "fromme true",
        "\"fromme\"",
        "hello world",
        "body: hello",
        "true, \"body\"",
    ] {
        assert!(body_contains(body, needle), "{needle:?}");
    }
    for needle in [
        "fromme: false",
        "frommetrue",
        "fromme: tru e",
        "hello to",
        "payload body",
    ] {
        assert!(!body_contains(body, needle), "{needle:?}");
    }
    // Plain words stay substrings, any ASCII case.
    assert!(body_contains(body, "romm"));
    assert!(body_contains(b"Hello", "hello"));
}

/// `is:stuck` reads the clock the screen sets on the store (never wall time), so the same
/// store answers the same at the same tick: a sent message is not stuck 59 s after it was
/// sent, is at 60 s, and never once delivered or failed; received messages never are.
#[test]
fn is_stuck_is_judged_at_the_store_clock() {
    use crate::model::{Event, MessageId};
    use crate::store::subject::{BodySearch, RowSubject};
    use crate::store::{Row, Store};
    struct NoBodies;
    impl BodySearch for NoBodies {
        fn body_contains(&self, _: u64, _: &str) -> bool {
            false
        }
    }
    let status = |id: &str, ack: Ack| {
        let mut ev = Event::new(Kind::Status, "statuses");
        ev.message_id = Some(MessageId::new(id));
        ev.chat = ChatId::parse("5511999990000@c.us");
        ev.from_me = Some(true);
        ev.status = Some(ack);
        ev
    };
    let mut store = Store::new();
    let apply = |store: &mut Store, seq: u64, at: i64, ev: &Event| {
        store.note_request(seq, at);
        store.apply(Provider::Meta, seq, at, ev);
    };
    apply(&mut store, 1, 1_000, &status("wamid.late", Ack::Sent));
    apply(&mut store, 2, 1_000, &status("wamid.ok", Ack::Sent));
    apply(&mut store, 3, 2_000, &status("wamid.ok", Ack::Delivered));
    apply(&mut store, 4, 1_000, &status("wamid.bad", Ack::Sent));
    apply(&mut store, 5, 3_000, &status("wamid.bad", Ack::Failed));
    let mut incoming = Event::new(Kind::Message, "messages");
    incoming.message_id = Some(MessageId::new("wamid.in"));
    incoming.chat = ChatId::parse("5511999990000@c.us");
    incoming.from_me = Some(false);
    incoming.text = Some("hi".into());
    apply(&mut store, 6, 1_000, &incoming);
    let stuck = |store: &Store| -> Vec<String> {
        let f = Filter::parse("is:stuck").unwrap();
        store
            .rows()
            .iter()
            .filter(|&&row| {
                f.matches(&RowSubject {
                    store,
                    raw: &NoBodies,
                    row,
                })
            })
            .map(|&row| match row {
                Row::Message(i) => store.message(i).id.as_str().to_owned(),
                Row::Event(i) => format!("event {i}"),
            })
            .collect()
    };
    store.set_clock(60_999);
    assert!(stuck(&store).is_empty(), "59.999 s after it was sent");
    store.set_clock(61_000);
    assert_eq!(stuck(&store), ["wamid.late"]);
    store.set_stuck_after(120_000);
    assert!(stuck(&store).is_empty(), "--stuck-after 120s");
    store.set_clock(121_000);
    assert_eq!(stuck(&store), ["wamid.late"]);
    // A late delivery clears it.
    apply(
        &mut store,
        7,
        130_000,
        &status("wamid.late", Ack::Delivered),
    );
    assert!(stuck(&store).is_empty());
    assert!(Filter::parse("is:stuck|edited").is_ok());
    assert_eq!(
        Filter::parse("is:stuk").unwrap_err().message,
        "\"is:stuk\" is not known — did you mean stuck?"
    );
}

#[test]
fn what_a_filter_reads_is_known_from_its_terms_not_its_text() {
    let reads = |src: &str| {
        let f = Filter::parse(src).unwrap();
        (f.reads_changing_state(), f.reads_clock())
    };
    assert_eq!(reads("stuck"), (false, false), "a word, not is:stuck");
    assert_eq!(
        reads("\"ack:read\""),
        (false, false),
        "a phrase, not a term"
    );
    assert_eq!(reads("is:stuck"), (true, true));
    assert_eq!(reads("ack:<read"), (true, false));
    assert_eq!(reads("kind:reaction"), (true, false));
    assert_eq!(reads("type:text hello"), (false, false));
}

#[test]
fn a_phrase_is_found_where_it_is_with_its_edges() {
    use super::phrase_matches;
    let line = br#""fromMe": true, "x": "fromMe  true""#;
    // From the first word (or the separator before it, when the phrase starts with one) to
    // the last (or the separator after it).
    assert_eq!(
        phrase_matches(line, "\"fromme\": true"),
        [(0, 14), (21, 34)]
    );
    assert_eq!(phrase_matches(line, "fromme: true"), [(1, 14), (22, 34)]);
    assert_eq!(phrase_matches(line, "fromme: false"), []);
}
