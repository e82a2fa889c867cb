//! Matching: whether an item satisfies a parsed filter, cheapest terms first.

use super::term::{AckSel, Cmp, IsSel, Needle, Pred, Term, TypeSel};
use super::text::{contains_ci, digits_contain};
use super::{Filter, Subject};
use crate::model::{Ack, ChatId, ChatKind};

impl Filter {
    /// Whether `s` satisfies every term. Field terms run first; raw-body searches run last and
    /// only for text terms the item's text and names did not settle.
    pub fn matches(&self, s: &dyn Subject) -> bool {
        let split = self
            .terms
            .iter()
            .position(|t| matches!(t.pred, Pred::Text(_)))
            .unwrap_or(self.terms.len());
        let (fields, texts) = self.terms.split_at(split);
        if !fields.iter().all(|t| t.test(s) != t.negated) {
            return false;
        }
        // Text terms, pass 1: text and names only. A negated hit fails the item outright.
        let mut settled: u64 = 0;
        for (i, t) in texts.iter().enumerate() {
            if t.cheap_text_hit(s) {
                if t.negated {
                    return false;
                }
                if i < 64 {
                    settled |= 1 << i;
                }
            }
        }
        // Pass 2: the raw body, for what pass 1 left open.
        texts.iter().enumerate().all(|(i, t)| {
            if i < 64 && settled & (1 << i) != 0 {
                return true;
            }
            if i >= 64 && t.cheap_text_hit(s) {
                return !t.negated;
            }
            let Pred::Text(alts) = &t.pred else {
                unreachable!("text terms sort last")
            };
            alts.iter().any(|n| s.raw_contains(&n.lower)) != t.negated
        })
    }
}

impl Term {
    /// The un-negated test of a field term (text terms: the full test, raw body included).
    fn test(&self, s: &dyn Subject) -> bool {
        match &self.pred {
            Pred::Me => s.from_me(),
            Pred::Provider(ps) => ps.contains(&s.provider()),
            Pred::Account(ns) => ns.iter().any(|n| n.in_account(s.account())),
            Pred::Kind(ks) => ks.iter().any(|&k| s.has_kind(k)),
            Pred::Type(ts) => s.msg_type().is_some_and(|mt| {
                ts.iter().any(|t| match *t {
                    TypeSel::Is(want) => mt == want,
                    TypeSel::Media => mt.is_media(),
                })
            }),
            Pred::Ack(sels) => s.ack().is_some_and(|a| sels.iter().any(|sel| sel.test(a))),
            Pred::Is(sels) => sels.iter().any(|sel| match *sel {
                IsSel::Flag(f) => s.has_flag(f),
                IsSel::Group => s.chat().is_some_and(|c| c.kind() == ChatKind::Group),
                IsSel::Dm => s.chat().is_some_and(|c| {
                    matches!(c.kind(), ChatKind::User | ChatKind::Lid | ChatKind::Bsuid)
                }),
                IsSel::Chat(k) => s.chat().is_some_and(|c| c.kind() == k),
            }),
            Pred::Id(ns) => ns.iter().any(|n| n.in_str(s.message_id())),
            Pred::Chat(ns) => ns.iter().any(|n| n.in_party(s.chat_name(), s.chat())),
            Pred::From(ns) => ns.iter().any(|n| n.in_party(s.sender_name(), s.sender())),
            Pred::Text(ns) => self.cheap_text_hit(s) || ns.iter().any(|n| s.raw_contains(&n.lower)),
        }
    }

    /// For a text term: whether the text, chat name or sender name contains an alternative.
    fn cheap_text_hit(&self, s: &dyn Subject) -> bool {
        let Pred::Text(ns) = &self.pred else {
            return false;
        };
        let (text, chat, sender) = (s.text(), s.chat_name(), s.sender_name());
        ns.iter()
            .any(|n| n.in_str(text) || n.in_str(chat) || n.in_str(sender))
    }
}

impl AckSel {
    fn test(self, ack: Ack) -> bool {
        if self.cmp == Cmp::Eq {
            return ack == self.ack;
        }
        let (Some(have), Some(want)) = (ack.rank(), self.ack.rank()) else {
            return false;
        };
        match self.cmp {
            Cmp::Eq => have == want,
            Cmp::Lt => have < want,
            Cmp::Le => have <= want,
            Cmp::Gt => have > want,
            Cmp::Ge => have >= want,
        }
    }
}

impl Needle {
    fn in_str(&self, hay: Option<&str>) -> bool {
        hay.is_some_and(|h| contains_ci(h, &self.lower))
    }

    /// The account contains it (as text or, for numbers, as digits).
    fn in_account(&self, account: Option<&str>) -> bool {
        account.is_some_and(|a| {
            contains_ci(a, &self.lower)
                || self
                    .digits
                    .as_deref()
                    .is_some_and(|d| digits_contain(a, d.as_bytes()))
        })
    }

    /// Name contains it, or id contains it (as text or, for numbers, as digits).
    fn in_party(&self, name: Option<&str>, id: Option<&ChatId>) -> bool {
        if self.in_str(name) {
            return true;
        }
        let Some(id) = id else { return false };
        contains_ci(id.as_str(), &self.lower)
            || self
                .digits
                .as_deref()
                .is_some_and(|d| digits_contain(id.as_str(), d.as_bytes()))
    }
}
