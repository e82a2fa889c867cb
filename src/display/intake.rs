//! The boundary where request data becomes display data: [`Intake`] turns normalised events,
//! envelopes and bodies into their display copies.
//!
//! The screen has two intake points, and everything it draws from a request passes one of them:
//! `App::ingest` (every live or loaded request: its events, before the store sees them) and the
//! detail pane's loading of a request (its envelope for the headers view, its events
//! re-normalised, its body for the raw-JSON view). The headless printer uses an [`Intake`] in
//! printer mode: masks under `--redact`, no placeholders (its JSON escapes are the printer's
//! safety, see [`super::json_out`], and values stay exact otherwise).

use super::body;
use super::envelope;
use super::event::{self, Field};
use super::redact::{self, Redactor};
use super::sanitize::{clean, clean_text};
use crate::envelope::Envelope;
use crate::model::{option_hash, Event, Kind};
use crate::provider::Normalized;
use std::borrow::Cow;
use std::collections::HashMap;

/// Poll options renamed by sanitising, remembered at most this many (only hostile names are).
const MAX_RENAMED_OPTIONS: usize = 10_000;

/// Makes display copies; one per consumer, for the whole run (masks are keyed per run).
#[derive(Debug, Clone)]
pub struct Intake {
    redactor: Option<Redactor>,
    /// Placeholders for unsafe characters (the screen); off for the printer.
    placeholders: bool,
    /// Option hash of a poll option's real name -> hash of its shown name, for names that
    /// sanitising changed. Votes carry only hashes (base64 SHA-256 of the name, WhatsApp's own
    /// scheme) and the store keys options by the hash of the name it is given, so a vote for a
    /// renamed option has to be pointed at the new hash. A vote that arrives before its poll
    /// was seen cannot be, and shows under its hash (as any vote for an unknown option does).
    renamed_options: HashMap<String, String>,
}

impl Intake {
    /// For the screen: placeholders for unsafe characters, and masks when `redact`.
    pub fn screen(redact: bool) -> Intake {
        Intake {
            redactor: redact.then(Redactor::new),
            placeholders: true,
            renamed_options: HashMap::new(),
        }
    }

    /// For the headless printer: masks when `redact`, values otherwise exact.
    pub fn printer(redact: bool) -> Intake {
        Intake {
            placeholders: false,
            ..Intake::screen(redact)
        }
    }

    /// Whether `--redact` is on.
    pub fn redacts(&self) -> bool {
        self.redactor.is_some()
    }

    /// Turns `ev` into its display copy in place.
    pub fn event(&mut self, ev: &mut Event) {
        if !self.placeholders && self.redactor.is_none() {
            return;
        }
        // Summaries quote names ("you joined Weekend hikers"): masked where they are quoted.
        let names: Vec<String> = match self.redactor {
            Some(_) => [&ev.chat_name, &ev.sender_name]
                .into_iter()
                .flatten()
                .filter(|n| n.chars().count() >= 2)
                .cloned()
                .collect(),
            None => Vec::new(),
        };
        event::visit_mut(ev, &mut |field, s| self.field(field, s, &names));
    }

    /// Turns every event of `n` into its display copy.
    pub fn normalized(&mut self, n: &mut Normalized) {
        for ev in &mut n.events {
            self.event(ev);
        }
    }

    /// The display copy of `env`'s request line, headers, remote address and note (its body is
    /// shared: the headers view shows only its length; see [`Intake::body`]).
    pub fn envelope(&self, env: &Envelope) -> Envelope {
        envelope::shown(env, self.redactor.as_ref())
    }

    /// The display body of `raw` when it is valid JSON; `None` when it is not (the view then
    /// shows it as text, each line through [`body::text_line`]).
    pub fn body<'a>(&self, raw: &'a [u8]) -> Option<body::Shown<'a>> {
        body::json(raw, self.redactor.as_ref())
    }

    fn field(&mut self, field: Field, s: &mut String, names: &[String]) {
        if let Some(r) = &self.redactor {
            if let Some(masked) = mask(r, field, s, names) {
                *s = masked;
            }
        }
        if !self.placeholders {
            return;
        }
        match field {
            Field::OptionHash => {
                if let Some(new) = self.renamed_options.get(s.as_str()) {
                    *s = new.clone();
                }
            }
            Field::Text(Kind::Message | Kind::Edit) => set(s, clean_text),
            Field::OptionName => {
                if let Cow::Owned(shown) = clean(s) {
                    if self.renamed_options.len() < MAX_RENAMED_OPTIONS {
                        self.renamed_options
                            .insert(option_hash(s), option_hash(&shown));
                    }
                    *s = shown;
                }
            }
            _ => set(s, clean),
        }
    }
}

/// Rewrites `s` when `f` changes it.
fn set(s: &mut String, f: impl FnOnce(&str) -> Cow<'_, str>) {
    if let Cow::Owned(new) = f(s) {
        *s = new;
    }
}

/// The `--redact` mask of a field, `None` when it is shown as it is. `names` are the event's
/// chat and sender names, masked where a summary or an error quotes them.
fn mask(r: &Redactor, field: Field, s: &str, names: &[String]) -> Option<String> {
    let owned = |c: Cow<'_, str>| match c {
        Cow::Borrowed(_) => None,
        Cow::Owned(o) => Some(o),
    };
    let unquoted = |s: &str| -> Option<String> {
        let mut out: Option<String> = None;
        for n in names {
            if out.as_deref().unwrap_or(s).contains(n.as_str()) {
                out = Some(out.as_deref().unwrap_or(s).replace(n.as_str(), &r.name(n)));
            }
        }
        out
    };
    match field {
        Field::ChatId => owned(r.chat_id(s)),
        // Session and instance names are the operator's own words and provider ids are not
        // personal, but an operator may name a session after its number: phones in it masked.
        Field::MessageId | Field::Account => owned(r.phones_in(s)),
        Field::Error => match unquoted(s) {
            Some(u) => Some(r.phones_in(&u).into_owned()),
            None => owned(r.phones_in(s)),
        },
        Field::Name => Some(r.name(s)),
        Field::Text(
            Kind::Message | Kind::Edit | Kind::Reaction | Kind::Revoke | Kind::PollVote,
        )
        | Field::Question => Some(redact::mask_text(s)),
        Field::Text(_) => match unquoted(s) {
            Some(u) => Some(r.summary(&u).into_owned()),
            None => owned(r.summary(s)),
        },
        Field::Filename => Some(redact::mask_filename(s)),
        Field::Url => Some(redact::mask_url(s)),
        Field::OptionName => Some(r.option(s)),
        Field::OptionHash => Some(option_hash(&r.option_from_hash(s))),
        Field::OptionTitle => Some(r.title(s)),
        Field::EventName | Field::StatusLabel | Field::Emoji | Field::Mime | Field::OptionId => {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Provider;
    use crate::model::{ChatId, MessageId, PollDef, Vote};
    use crate::store::Store;

    fn poll(options: &[&str]) -> Event {
        let mut ev = Event::new(Kind::Message, "message");
        ev.chat = ChatId::parse("5511988881111@c.us");
        ev.message_id = Some(MessageId::new("P1"));
        ev.poll = Some(PollDef {
            question: "Ship?".into(),
            options: options.iter().map(|o| o.to_string()).collect(),
            multi: false,
        });
        ev
    }

    fn vote(voter: &str, option: &str) -> Event {
        let mut ev = Event::new(Kind::PollVote, "poll.vote");
        ev.chat = ChatId::parse("5511988881111@c.us");
        ev.vote = Some(Vote {
            poll: MessageId::new("P1"),
            voter: ChatId::parse(voter).unwrap(),
            options: vec![option_hash(option)],
            known: true,
            ts_ms: Some(1),
        });
        ev
    }

    /// Tallies survive sanitising and masking: votes are pointed at the shown option names.
    #[test]
    fn votes_still_count_for_renamed_options() {
        for redact in [false, true] {
            let mut intake = Intake::screen(redact);
            let mut store = Store::new();
            let hostile = "Yes\u{1b}]52;c;aGk=\u{7}";
            for mut ev in [
                poll(&[hostile, "No"]),
                vote("1@c.us", hostile),
                vote("2@c.us", "No"),
                vote("3@c.us", hostile),
            ] {
                intake.event(&mut ev);
                store.apply(Provider::Waha, 1, 1, &ev);
            }
            let tally = store
                .message(crate::store::MessageIx::new(0))
                .poll
                .as_ref()
                .unwrap()
                .tally();
            let counts: Vec<usize> = tally.options.iter().map(|o| o.votes).collect();
            assert_eq!(counts, vec![2, 1], "redact {redact}: {tally:?}");
            assert!(tally
                .options
                .iter()
                .all(|o| super::super::sanitize::is_clean(&o.name)));
        }
    }

    #[test]
    fn the_printer_changes_nothing_without_redact() {
        let mut ev = poll(&["a\u{9b}"]);
        ev.text = Some("x\u{1b}[2J".into());
        let before = ev.clone();
        Intake::printer(false).event(&mut ev);
        assert_eq!(ev, before);
        Intake::screen(false).event(&mut ev);
        assert_eq!(ev.text.as_deref(), Some("x␛[2J"));
    }

    #[test]
    fn redacted_events_keep_their_shape() {
        let mut intake = Intake::printer(true);
        let mut ev = Event::new(Kind::Message, "message");
        ev.chat = ChatId::parse("5511988881111@s.whatsapp.net");
        ev.sender_name = Some("Gerald".into());
        ev.message_id = Some(MessageId::new("false_5511988881111@c.us_AAA"));
        ev.text = Some("Hi there".into());
        intake.event(&mut ev);
        let chat = ev.chat.unwrap();
        assert_eq!(chat.kind(), crate::model::ChatKind::User);
        assert!(chat.as_str().starts_with('#'));
        assert!(ev
            .message_id
            .as_ref()
            .unwrap()
            .as_str()
            .ends_with("@c.us_AAA"));
        assert_eq!(ev.message_id.unwrap().bare(), "AAA");
        assert_eq!(ev.text.as_deref(), Some("•• •••••"));
        assert!(ev.sender_name.unwrap().starts_with("name·"));
    }

    /// Session names stay (the operator chose them); a number in one is masked like a phone,
    /// the same way every time so two accounts stay two.
    #[test]
    fn redacted_accounts_mask_only_numbers() {
        let mut intake = Intake::printer(true);
        let shown = |intake: &mut Intake, acc: &str| {
            let mut ev = Event::new(Kind::Message, "message");
            ev.account = Some(acc.into());
            intake.event(&mut ev);
            ev.account.unwrap()
        };
        assert_eq!(shown(&mut intake, "loja-centro"), "loja-centro");
        let a = shown(&mut intake, "5511988881111");
        assert!(!a.contains("5511988881111"), "{a}");
        assert_eq!(shown(&mut intake, "5511988881111"), a);
        assert_ne!(shown(&mut intake, "5511988882222"), a);
        // A Meta phone number id is a long number too.
        let meta = shown(&mut intake, "106540352242922");
        assert!(!meta.contains("106540352242922"), "{meta}");
    }
}
