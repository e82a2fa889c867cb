//! Turning filter text into terms: tokenising (quotes, `!`, `|`), keys, values and the error
//! messages for what does not parse.

use super::suggest::{suggest, unknown_value};
use super::term::{AckSel, Cmp, IsSel, Needle, Pred, Term, TypeSel};
use super::{FilterError, Flag};
use crate::model::{Ack, ChatKind, Kind, MessageType, Provider};

/// One whitespace-separated term: its characters, each marked quoted or not.
pub(super) struct Token {
    /// Char offset of its first character.
    pub(super) at: usize,
    chars: Vec<(char, bool)>,
    /// Whether it had quotes (which may have been empty).
    quoted: bool,
}

pub(super) fn tokenize(input: &str) -> Result<Vec<Token>, FilterError> {
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

const KEYS: [&str; 9] = [
    "chat", "from", "type", "kind", "provider", "account", "ack", "is", "id",
];

const IS_NAMES: [(&str, IsSel); 12] = [
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
    ("stuck", IsSel::Flag(Flag::Stuck)),
];

pub(super) fn parse_term(token: &Token) -> Result<Term, String> {
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
        if chars.iter().all(|&c| c == ('|', false)) {
            return Err(format!(
                "\"{}\" alone matches nothing — put an alternative on each side, as in hello|hi",
                text(chars)
            ));
        }
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
                "unknown key \"{key}:\" — try chat: from: type: kind: provider: account: ack: is: id:"
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
        "account" => Pred::Account(alts.iter().map(|a| Needle::new(a, true)).collect()),
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
            let mut all = Provider::KNOWN.to_vec();
            all.push(Provider::Unknown);
            Pred::Provider(
                alts.iter()
                    .map(|a| {
                        lookup(a, &all, |p| p.as_str()).ok_or_else(|| {
                            unknown_value(
                                "provider",
                                "a provider",
                                a,
                                all.iter().map(|p| p.as_str()),
                            )
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
            // Only a token with no characters at all (`""`) has one empty part that is fine.
            if part.is_empty() && !chars.is_empty() {
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
        "account" => "default or a phone number id",
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
pub(super) fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

fn lookup<T: Copy>(value: &str, all: &[T], name: impl Fn(&T) -> &str) -> Option<T> {
    let want = norm(value);
    all.iter().find(|t| norm(name(t)) == want).copied()
}
