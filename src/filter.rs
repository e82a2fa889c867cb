//! The filter language typed into the screen's filter bar.
//!
//! Core module: pure and synchronous, no I/O.
//!
//! ## Filter language
//!
//! A filter is a list of whitespace-separated terms; **all** of them must hold. An empty filter
//! matches everything.
//!
//! | Term | Matches |
//! |------|---------|
//! | `word`, `"a phrase"` | text, chat name, sender name or raw JSON body contains it (any case) |
//! | `chat:X` | chat name or chat id contains `X`; a number (`+55 11`, `5511`) matches the id's digits |
//! | `from:X` | sender name or sender id contains `X` (same rules as `chat:`) |
//! | `type:T` | message type: `text`, `image`, `poll`, ... or `media` (image, video, gif, audio, voice, document, sticker) |
//! | `kind:K` | event kind: `message`, `status`, `reaction`, `edit`, `revoke`, `poll_vote`, ... |
//! | `provider:P` | `waha`, `whapi`, `meta`, `evolution`, `instance`, `unknown` |
//! | `ack:A` | current ack is `A` (`pending`, `sent`, `delivered`, `read`, `played`, `failed`) |
//! | `ack:<A` `ack:<=A` `ack:>A` `ack:>=A` | ack compared in delivery order (`failed` never compares) |
//! | `me` | sent by me (`!me`: received) |
//! | `is:W` | chat is a `group`, `dm`, `channel`, `lid`, `status` or `broadcast`; or the message is `edited`, `deleted`, `duplicate`, `outoforder` or a `reply` |
//! | `id:X` | message id contains `X` |
//!
//! - `!` before any term negates it: `!me`, `!type:media`, `!"out of office"`.
//! - `|` inside a value gives alternatives: `type:poll|text`, `provider:waha|meta`,
//!   `ack:<read|failed`, `hello|hi`.
//! - Double quotes keep spaces, `:`, `|` and `!` literal: `chat:"Dev group"`, `"12:30"`,
//!   `"me"`; write `\"` for a quote inside quotes.
//! - Keys and values are case-insensitive; `_` and `-` in values are optional
//!   (`type:live-location`, `is:out_of_order`).
//! - `is:dm` covers both phone and `@lid` chats.
//! - Items without a message type, ack, id or chat never match a `type:`, `ack:`, `id:` or
//!   `chat:` term (so they do match its negation).
//!
//! Examples: `chat:"Dev group" type:poll`, `from:+5511 !me ack:<read`, `is:group|dm timeout`.

use crate::model::{Ack, ChatId, ChatKind, Kind, MessageType, Provider};
use std::fmt;

/// A per-message flag the store tracks (`is:edited`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flag {
    /// The message was edited after it was sent.
    Edited,
    /// The message was revoked ("deleted for everyone").
    Deleted,
    /// The same event arrived more than once.
    Duplicate,
    /// The event arrived before an event it depends on, or with an older timestamp.
    OutOfOrder,
    /// The message quotes another one.
    Reply,
}

impl Flag {
    pub const ALL: [Flag; 5] = [
        Flag::Edited,
        Flag::Deleted,
        Flag::Duplicate,
        Flag::OutOfOrder,
        Flag::Reply,
    ];

    /// The name used after `is:`.
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Edited => "edited",
            Flag::Deleted => "deleted",
            Flag::Duplicate => "duplicate",
            Flag::OutOfOrder => "outoforder",
            Flag::Reply => "reply",
        }
    }
}

/// What the filter reads from a stream item (implemented by the store's rows and by tests).
///
/// Chat-list rows implement it too: they answer `None` / `false` for what a chat does not have.
pub trait Subject {
    fn provider(&self) -> Provider;
    fn kind(&self) -> Kind;
    fn msg_type(&self) -> Option<MessageType>;
    fn chat(&self) -> Option<&ChatId>;
    fn chat_name(&self) -> Option<&str>;
    fn sender(&self) -> Option<&ChatId>;
    fn sender_name(&self) -> Option<&str>;
    #[allow(clippy::wrong_self_convention)] // "from me", not a conversion
    fn from_me(&self) -> bool;
    fn ack(&self) -> Option<Ack>;
    fn message_id(&self) -> Option<&str>;
    fn text(&self) -> Option<&str>;
    fn has_flag(&self, flag: Flag) -> bool;
    /// Whether the raw body contains `needle_lower` case-insensitively (may read from disk; called
    /// last). [`contains_ci_bytes`] implements the comparison the rest of the filter uses.
    fn raw_contains(&self, needle_lower: &str) -> bool;
}

/// Why a filter does not parse. `message` is short enough for a pane title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    pub message: String,
    /// Char (not byte) offset of the first character of the bad term in the input.
    pub at: usize,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FilterError {}

/// A parsed filter, ready to match. The default filter is empty and matches everything.
///
/// Two filters compare equal when they have the same terms, whatever their spacing or term
/// order, so the screen can skip re-filtering when an edit changes nothing.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    source: String,
    /// Sorted cheapest first; text terms (which may read the raw body) last.
    terms: Vec<Term>,
}

impl PartialEq for Filter {
    fn eq(&self, other: &Filter) -> bool {
        self.terms == other.terms
    }
}

impl std::str::FromStr for Filter {
    type Err = FilterError;
    fn from_str(s: &str) -> Result<Filter, FilterError> {
        Filter::parse(s)
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Term {
    negated: bool,
    pred: Pred,
}

/// One term's test; each `Vec` holds the `|` alternatives (at least one).
#[derive(Debug, Clone, PartialEq)]
enum Pred {
    Me,
    Provider(Vec<Provider>),
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
    fn cost(&self) -> u8 {
        match self {
            Pred::Me => 0,
            Pred::Provider(_) => 1,
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
enum TypeSel {
    Is(MessageType),
    Media,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct AckSel {
    cmp: Cmp,
    ack: Ack,
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

#[derive(Debug, Clone, Copy, PartialEq)]
enum IsSel {
    Group,
    /// Phone (`@c.us`) and `@lid` chats.
    Dm,
    Chat(ChatKind),
    Flag(Flag),
}

const IS_NAMES: [(&str, IsSel); 11] = [
    ("group", IsSel::Group),
    ("dm", IsSel::Dm),
    ("channel", IsSel::Chat(ChatKind::Channel)),
    ("lid", IsSel::Chat(ChatKind::Lid)),
    ("status", IsSel::Chat(ChatKind::Status)),
    ("broadcast", IsSel::Chat(ChatKind::Broadcast)),
    ("edited", IsSel::Flag(Flag::Edited)),
    ("deleted", IsSel::Flag(Flag::Deleted)),
    ("duplicate", IsSel::Flag(Flag::Duplicate)),
    ("outoforder", IsSel::Flag(Flag::OutOfOrder)),
    ("reply", IsSel::Flag(Flag::Reply)),
];

/// A pre-lowercased search string.
#[derive(Debug, Clone, PartialEq)]
struct Needle {
    lower: String,
    /// For `chat:`/`from:` values written as a phone number: its digits.
    digits: Option<String>,
}

impl Needle {
    fn new(s: &str, phone: bool) -> Needle {
        let digits = if phone { phone_digits(s) } else { None };
        Needle {
            lower: s.to_lowercase(),
            digits,
        }
    }

    fn in_str(&self, hay: Option<&str>) -> bool {
        hay.is_some_and(|h| contains_ci(h, &self.lower))
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

/// Whether the digits of `hay`, with everything else removed, contain `needle` (ASCII digits).
fn digits_contain(hay: &str, needle: &[u8]) -> bool {
    let mut buf = [0u8; 64];
    let mut n = 0;
    for b in hay.bytes().filter(u8::is_ascii_digit) {
        if n == buf.len() {
            // Longer than any real id: allocate rather than truncate.
            let all: Vec<u8> = hay.bytes().filter(u8::is_ascii_digit).collect();
            return all.windows(needle.len()).any(|w| w == needle);
        }
        buf[n] = b;
        n += 1;
    }
    needle.len() <= n && buf[..n].windows(needle.len()).any(|w| w == needle)
}

/// Case-insensitive substring test without allocating. `needle_lower` must already be lower
/// case (`str::to_lowercase`). ASCII needles compare bytes with ASCII case folding; other needles
/// fold the haystack's characters with Unicode lower-casing as they go.
pub fn contains_ci(haystack: &str, needle_lower: &str) -> bool {
    if needle_lower.is_ascii() {
        return contains_ascii_ci(haystack.as_bytes(), needle_lower.as_bytes());
    }
    if haystack.is_ascii() {
        // No ASCII character lower-cases to a non-ASCII one.
        return false;
    }
    haystack.char_indices().any(|(i, _)| {
        let mut hay = haystack[i..].chars().flat_map(char::to_lowercase);
        needle_lower.chars().all(|n| hay.next() == Some(n))
    })
}

/// [`contains_ci`] over bytes that should be UTF-8 (a raw body): ASCII needles never need
/// decoding; other needles decode (lossily if the bytes are not UTF-8).
pub fn contains_ci_bytes(haystack: &[u8], needle_lower: &str) -> bool {
    if needle_lower.is_ascii() {
        return contains_ascii_ci(haystack, needle_lower.as_bytes());
    }
    match std::str::from_utf8(haystack) {
        Ok(s) => contains_ci(s, needle_lower),
        Err(_) => contains_ci(&String::from_utf8_lossy(haystack), needle_lower),
    }
}

fn contains_ascii_ci(hay: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    if hay.len() < needle.len() {
        return false;
    }
    let first_upper = first.to_ascii_uppercase();
    let last_start = hay.len() - needle.len();
    hay[..=last_start].iter().enumerate().any(|(i, &b)| {
        (b == first || b == first_upper)
            && hay[i + 1..i + needle.len()]
                .iter()
                .zip(rest)
                .all(|(h, n)| h.to_ascii_lowercase() == *n)
    })
}

impl Filter {
    /// Parses filter text. Blank input gives the empty filter.
    pub fn parse(input: &str) -> Result<Filter, FilterError> {
        let mut terms = Vec::new();
        for token in tokenize(input)? {
            terms.push(parse_term(&token).map_err(|message| FilterError {
                message,
                at: token.at,
            })?);
        }
        terms.sort_by_key(|t| t.pred.cost());
        Ok(Filter {
            source: input.to_string(),
            terms,
        })
    }

    /// True when the filter has no terms and matches everything.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The text it was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether any term may search the raw body (bare words and phrases).
    pub fn needs_raw(&self) -> bool {
        self.terms.iter().any(|t| matches!(t.pred, Pred::Text(_)))
    }

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
            Pred::Kind(ks) => ks.contains(&s.kind()),
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
                IsSel::Dm => s
                    .chat()
                    .is_some_and(|c| matches!(c.kind(), ChatKind::User | ChatKind::Lid)),
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

// ---------------------------------------------------------------------------------------------
// Parsing

/// One whitespace-separated term: its characters, each marked quoted or not.
struct Token {
    /// Char offset of its first character.
    at: usize,
    chars: Vec<(char, bool)>,
    /// Whether it had quotes (which may have been empty).
    quoted: bool,
}

fn tokenize(input: &str) -> Result<Vec<Token>, FilterError> {
    let mut tokens = Vec::new();
    let mut chars = input.chars().enumerate().peekable();
    while let Some(&(at, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut token = Token {
            at,
            chars: Vec::new(),
            quoted: false,
        };
        while let Some(&(_, c)) = chars.peek() {
            if c.is_whitespace() {
                break;
            }
            chars.next();
            if c != '"' {
                token.chars.push((c, false));
                continue;
            }
            // Quoted run, up to the closing quote.
            token.quoted = true;
            loop {
                match chars.next() {
                    None => {
                        return Err(FilterError {
                            message: "unclosed quote".into(),
                            at,
                        })
                    }
                    Some((_, '"')) => break,
                    Some((_, '\\')) => match chars.peek() {
                        Some(&(_, e @ ('"' | '\\'))) => {
                            chars.next();
                            token.chars.push((e, true));
                        }
                        _ => token.chars.push(('\\', true)),
                    },
                    Some((_, q)) => token.chars.push((q, true)),
                }
            }
        }
        tokens.push(token);
    }
    Ok(tokens)
}

const KEYS: [&str; 8] = [
    "chat", "from", "type", "kind", "provider", "ack", "is", "id",
];

fn parse_term(token: &Token) -> Result<Term, String> {
    let mut chars = token.chars.as_slice();
    let mut negated = false;
    while let [('!', false), rest @ ..] = chars {
        negated = !negated;
        chars = rest;
    }
    if chars.is_empty() {
        return Err(if token.quoted {
            "empty quotes — type a phrase inside them".into()
        } else {
            "\"!\" needs a term after it".into()
        });
    }

    let unquoted = |cs: &[(char, bool)]| cs.iter().all(|&(_, q)| !q);
    let text = |cs: &[(char, bool)]| cs.iter().map(|&(c, _)| c).collect::<String>();

    if unquoted(chars) && text(chars).eq_ignore_ascii_case("me") {
        return Ok(Term {
            negated,
            pred: Pred::Me,
        });
    }

    // `key:value` when everything before the first unquoted `:` is unquoted letters.
    let colon = chars.iter().position(|&c| c == (':', false));
    let key = colon.filter(|&k| {
        k > 0
            && chars[..k]
                .iter()
                .all(|&(c, q)| !q && c.is_ascii_alphabetic())
    });
    let Some(k) = key else {
        let alts = alternatives(chars, text)
            .map_err(|_| format!("empty alternative in \"{}\" — remove the |", text(chars)))?;
        if alts.iter().any(String::is_empty) {
            return Err("empty quotes — type a phrase inside them".into());
        }
        return Ok(Term {
            negated,
            pred: Pred::Text(alts.iter().map(|a| Needle::new(a, false)).collect()),
        });
    };

    let key = text(&chars[..k]).to_ascii_lowercase();
    let value = &chars[k + 1..];
    let Some(key) = KEYS.into_iter().find(|&known| known == key) else {
        return Err(match suggest(&key, KEYS) {
            Some(s) => format!("unknown key \"{key}:\" — did you mean {s}:?"),
            None => format!(
                "unknown key \"{key}:\" — try chat: from: type: kind: provider: ack: is: id:"
            ),
        });
    };
    if value.is_empty() {
        return Err(format!("\"{key}:\" needs a value like {}", example(key)));
    }
    let alts = alternatives(value, text).map_err(|_| {
        format!(
            "empty alternative in \"{key}:{}\" — remove the |",
            text(value)
        )
    })?;
    if alts.iter().any(String::is_empty) {
        return Err(format!("\"{key}:\" needs a value like {}", example(key)));
    }

    let pred = match key {
        "chat" => Pred::Chat(alts.iter().map(|a| Needle::new(a, true)).collect()),
        "from" => Pred::From(alts.iter().map(|a| Needle::new(a, true)).collect()),
        "id" => Pred::Id(alts.iter().map(|a| Needle::new(a, false)).collect()),
        "type" => Pred::Type(
            alts.iter()
                .map(|a| {
                    if norm(a) == "media" {
                        return Ok(TypeSel::Media);
                    }
                    lookup(a, &MessageType::ALL, |t| t.as_str())
                        .map(TypeSel::Is)
                        .ok_or_else(|| {
                            let names = MessageType::ALL.map(|t| t.as_str());
                            let all = names.iter().copied().chain(["media"]);
                            unknown_value("type", "a type", a, all)
                        })
                })
                .collect::<Result<_, _>>()?,
        ),
        "kind" => Pred::Kind(
            alts.iter()
                .map(|a| {
                    lookup(a, &Kind::ALL, |k| k.as_str()).ok_or_else(|| {
                        unknown_value("kind", "a kind", a, Kind::ALL.map(|k| k.as_str()))
                    })
                })
                .collect::<Result<_, _>>()?,
        ),
        "provider" => {
            let all = [
                Provider::Waha,
                Provider::Whapi,
                Provider::Meta,
                Provider::Evolution,
                Provider::Instance,
                Provider::Unknown,
            ];
            Pred::Provider(
                alts.iter()
                    .map(|a| {
                        lookup(a, &all, |p| p.as_str()).ok_or_else(|| {
                            unknown_value("provider", "a provider", a, all.map(|p| p.as_str()))
                        })
                    })
                    .collect::<Result<_, _>>()?,
            )
        }
        "ack" => Pred::Ack(
            alts.iter()
                .map(|a| parse_ack(a))
                .collect::<Result<_, _>>()?,
        ),
        "is" => Pred::Is(
            alts.iter()
                .map(|a| {
                    lookup(a, &IS_NAMES, |(n, _)| n)
                        .map(|(_, sel)| sel)
                        .ok_or_else(|| unknown_value("is", "known", a, IS_NAMES.map(|(n, _)| n)))
                })
                .collect::<Result<_, _>>()?,
        ),
        _ => unreachable!("every key in KEYS is handled"),
    };
    Ok(Term { negated, pred })
}

/// Splits at unquoted `|`. `Err` when an alternative is empty and unquoted (`a|`, `a||b`).
fn alternatives(
    chars: &[(char, bool)],
    text: impl Fn(&[(char, bool)]) -> String,
) -> Result<Vec<String>, ()> {
    chars
        .split(|&c| c == ('|', false))
        .map(|part| {
            if part.is_empty() && chars.len() > 1 {
                Err(())
            } else {
                Ok(text(part))
            }
        })
        .collect()
}

fn example(key: &str) -> &'static str {
    match key {
        "chat" => "\"Dev group\" or +5511",
        "from" => "Ana or +5511",
        "type" => "text or media",
        "kind" => "message or status",
        "provider" => "waha or meta",
        "ack" => "read or <read",
        "is" => "group or edited",
        _ => "part of a message id",
    }
}

fn parse_ack(value: &str) -> Result<AckSel, String> {
    let value = value.trim();
    let (cmp, name) = [
        ("<=", Cmp::Le),
        (">=", Cmp::Ge),
        ("<", Cmp::Lt),
        (">", Cmp::Gt),
        ("=", Cmp::Eq),
    ]
    .into_iter()
    .find_map(|(op, cmp)| value.strip_prefix(op).map(|rest| (cmp, rest.trim())))
    .unwrap_or((Cmp::Eq, value));
    if name.is_empty() {
        return Err(format!("\"ack:{value}\" needs an ack like read"));
    }
    let ack = lookup(name, &Ack::ALL, |a| a.as_str())
        .ok_or_else(|| unknown_value("ack", "an ack", name, Ack::ALL.map(|a| a.as_str())))?;
    if ack == Ack::Failed && cmp != Cmp::Eq {
        return Err("failed has no order — use ack:failed".into());
    }
    Ok(AckSel { cmp, ack })
}

/// Lower case without `_` and `-`, so `live-location`, `LiveLocation` and `live_location` agree.
fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

fn lookup<T: Copy>(value: &str, all: &[T], name: impl Fn(&T) -> &str) -> Option<T> {
    let want = norm(value);
    all.iter().find(|t| norm(name(t)) == want).copied()
}

/// `type "pol" is not a type — did you mean poll?`, or a list of every valid value.
fn unknown_value<'a>(
    key: &str,
    what: &str,
    value: &str,
    all: impl IntoIterator<Item = &'a str>,
) -> String {
    let all: Vec<&str> = all.into_iter().collect();
    let head = if key == "is" {
        format!("\"is:{value}\" is not {what}")
    } else {
        format!("{key} \"{value}\" is not {what}")
    };
    match suggest(value, all.iter().copied()) {
        Some(s) => format!("{head} — did you mean {s}?"),
        None => format!("{head} — try {}", all.join(" ")),
    }
}

/// A close candidate: the only one `input` is a prefix of (up to three are named), else the
/// nearest by edit distance when near enough.
fn suggest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let input = norm(input);
    if input.is_empty() {
        return None;
    }
    let candidates: Vec<&str> = candidates.into_iter().collect();
    let prefixed: Vec<&str> = candidates
        .iter()
        .copied()
        .filter(|c| norm(c).starts_with(&input))
        .collect();
    match prefixed.as_slice() {
        [one] => return Some(one.to_string()),
        [a, b] => return Some(format!("{a} or {b}")),
        [a, b, c] => return Some(format!("{a}, {b} or {c}")),
        _ => {}
    }
    let limit = if input.chars().count() <= 3 { 1 } else { 2 };
    let near = candidates
        .iter()
        .map(|c| (edit_distance(&input, &norm(c)), *c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c.to_string());
    if near.is_some() {
        return near;
    }
    // An abbreviation: `grp` for group, `dup` for duplicate.
    let mut abbreviated = candidates.iter().filter(|c| {
        let c = norm(c);
        let mut rest = c.chars();
        c.chars().next() == input.chars().next() && input.chars().all(|i| rest.any(|c| c == i))
    });
    match (abbreviated.next(), abbreviated.next()) {
        (Some(one), None) => Some(one.to_string()),
        _ => None,
    }
}

/// Levenshtein distance, counting an adjacent transposition as one edit.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[derive(Default)]
    struct Item {
        provider: Option<Provider>,
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
                "unknown key \"foo:\" — try chat: from: type: kind: provider: ack: is: id:",
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
                "provider:twilio",
                "provider \"twilio\" is not a provider — try waha whapi meta evolution instance \
                 unknown",
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
            // Offsets count chars, not bytes.
            (
                "ção bad:x",
                "unknown key \"bad:\" — try chat: from: type: kind: provider: ack: is: id:",
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
}
