//! The parsed form of a filter: terms, their predicates and the values they compare against.

use super::Flag;
use crate::model::{Ack, ChatKind, Kind, MessageType, Provider};

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Term {
    pub(super) negated: bool,
    pub(super) pred: Pred,
}

/// One term's test; each `Vec` holds the `|` alternatives (at least one).
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Pred {
    Me,
    Provider(Vec<Provider>),
    Account(Vec<Needle>),
    Kind(Vec<Kind>),
    Type(Vec<TypeSel>),
    Ack(Vec<AckSel>),
    Is(Vec<IsSel>),
    Id(Vec<Needle>),
    Chat(Vec<Needle>),
    From(Vec<Needle>),
    Text(Vec<Needle>),
}

impl Pred {
    /// Evaluation order: lower first.
    pub(super) fn cost(&self) -> u8 {
        match self {
            Pred::Me => 0,
            Pred::Provider(_) => 1,
            Pred::Account(_) => 1,
            Pred::Kind(_) => 2,
            Pred::Type(_) => 3,
            Pred::Ack(_) => 4,
            Pred::Is(_) => 5,
            Pred::Id(_) => 6,
            Pred::Chat(_) => 7,
            Pred::From(_) => 8,
            Pred::Text(_) => 9,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum TypeSel {
    Is(MessageType),
    Media,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct AckSel {
    pub(super) cmp: Cmp,
    pub(super) ack: Ack,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum IsSel {
    Group,
    /// Phone (`@c.us`) and `@lid` chats.
    Dm,
    Chat(ChatKind),
    Flag(Flag),
}

/// A pre-lowercased search string.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Needle {
    pub(super) lower: String,
    /// For `chat:`/`from:` values written as a phone number: its digits.
    pub(super) digits: Option<String>,
}

impl Needle {
    pub(super) fn new(s: &str, phone: bool) -> Needle {
        let digits = if phone { phone_digits(s) } else { None };
        Needle {
            lower: s.to_lowercase(),
            digits,
        }
    }
}

/// The digits of `s` when it reads as a phone number: at least one digit, and otherwise only
/// `+`, `-`, `(`, `)`, `.` and spaces.
fn phone_digits(s: &str) -> Option<String> {
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else if !matches!(c, '+' | '-' | '(' | ')' | '.' | ' ') {
            return None;
        }
    }
    (!digits.is_empty()).then_some(digits)
}
