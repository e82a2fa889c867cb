//! Twilio's twists, through the store: SMS and WhatsApp from one number stay two chats (the
//! account names the channel), a status callback lands in the chat and account its message's
//! customer writes from, and a changed quick-reply answer replaces the old one.

use wamon::model::{Ack, Provider};
use wamon::provider::normalize_body;
use wamon::store::{Outcome, Store};

const ACC: &str = "AC1a03647d811fab342c0ad608e382fab2";

fn apply(store: &mut Store, forms: &[String]) -> Vec<Outcome> {
    let mut out = Vec::new();
    for (i, form) in forms.iter().enumerate() {
        let seq = store.last_seq() + 1;
        let n = normalize_body(form.as_bytes());
        assert_eq!(n.provider, Provider::Twilio, "{form}");
        store.note_request(seq, 1_000 * i as i64);
        for ev in &n.events {
            out.push(store.apply(n.provider, seq, 1_000 * i as i64, ev));
        }
    }
    out
}

fn inbound(sid: &str, from: &str, to: &str, extra: &str) -> String {
    format!(
        "MessageSid={sid}&AccountSid={ACC}&From={}&To={}&Body=hi{extra}",
        from.replace('+', "%2B").replace(':', "%3A"),
        to.replace('+', "%2B").replace(':', "%3A")
    )
}

fn status(sid: &str, st: &str, to: &str) -> String {
    format!(
        "MessageSid={sid}&MessageStatus={st}&AccountSid={ACC}&From=whatsapp%3A%2B14155238886&To={}",
        to.replace('+', "%2B").replace(':', "%3A")
    )
}

#[test]
fn sms_and_whatsapp_from_one_number_are_two_chats_and_statuses_join_the_whatsapp_one() {
    let mut s = Store::new();
    let out = apply(
        &mut s,
        &[
            inbound(
                "SM1",
                "whatsapp:+5511988881111",
                "whatsapp:+14155238886",
                "",
            ),
            inbound("SM2", "+5511988881111", "+14155238886", ""),
            status("SM3", "delivered", "whatsapp:+5511988881111"),
        ],
    );
    assert_eq!(s.chats().len(), 2, "one WhatsApp chat, one SMS chat");
    assert_eq!(s.account_count(), 2);
    assert_ne!(out[0].chat_index, out[1].chat_index);
    assert_eq!(
        out[2].chat_index, out[0].chat_index,
        "our send is in the WhatsApp chat"
    );
    let ours = s.find_message(Provider::Twilio, "SM3").unwrap();
    assert!(ours.from_me && ours.placeholder);
    assert_eq!(ours.ack(), Some(Ack::Delivered));
}

#[test]
fn a_failure_after_sent_is_shown_and_a_late_sent_does_not_hide_it() {
    let mut s = Store::new();
    let to = "whatsapp:+5511900001234";
    let out = apply(
        &mut s,
        &[
            status("SM9", "queued", to),
            status("SM9", "undelivered", to),
            status("SM9", "sent", to),
        ],
    );
    assert_eq!(out[0].ack, Some(Ack::Pending));
    assert_eq!(out[1].ack, Some(Ack::Failed));
    let m = s.find_message(Provider::Twilio, "SM9").unwrap();
    assert_eq!(m.ticks.len(), 3, "every callback is on the tick timeline");
    assert_eq!(m.ack(), Some(Ack::Failed), "a late sent is older news");
}

#[test]
fn a_changed_quick_reply_replaces_the_answer() {
    let mut s = Store::new();
    let tap = |sid: &str, from: &str, text: &str| {
        inbound(
            sid,
            from,
            "whatsapp:+14155238886",
            &format!("&MessageType=button&ButtonText={text}&ButtonPayload=p_{text}&OriginalRepliedMessageSid=MMprompt"),
        )
    };
    let out = apply(
        &mut s,
        &[
            tap("SMa", "whatsapp:+5511988881111", "Yes"),
            tap("SMb", "whatsapp:+5511966662222", "No"),
            tap("SMc", "whatsapp:+5511988881111", "Later"),
        ],
    );
    let tally = out[2].poll.as_ref().expect("a tally on the prompt");
    let counts: Vec<(&str, usize)> = tally
        .options
        .iter()
        .map(|o| (o.name.as_str(), o.votes))
        .collect();
    assert_eq!(counts, [("Yes", 0), ("No", 1), ("Later", 1)]);
    assert_eq!(tally.voters, 2);
}
