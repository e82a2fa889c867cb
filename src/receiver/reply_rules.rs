//! Scripted replies (`--reply`): rules that make wamon answer chosen webhooks with another
//! status, later, or with another body, to reproduce what a provider does when a webhook fails
//! (retries, backoff) without touching the bot. Parsing and matching only: pure, no I/O.
//!
//! A rule is space-separated `key=value` pairs. Matchers (all given must match; none matches
//! everything): `path=/prefix` (the request path after the token, by whole segments),
//! `provider=NAME` (the detected provider), `event=NAME` (any normalised event's provider event
//! name), `method=POST`. Actions: `status=NNN` (200–599, default 200), `delay=3s` (at most
//! [`MAX_DELAY`]), `body=TEXT` (must come last: its value is the rest of the rule, spaces
//! included). The first rule that matches wins.

use crate::envelope::{Envelope, SCRIPTED_NOTE};
use crate::model::Provider;
use crate::provider::Normalized;
use std::fmt;
use std::time::Duration;

/// Longest delay a rule may ask for. Providers give up on a webhook well before this (Meta and
/// most others within 10–20 s), and a longer one would only keep connections open.
pub const MAX_DELAY: Duration = Duration::from_secs(60);

/// The body of a scripted reply that is not 2xx and names no body of its own.
pub const DEFAULT_ERROR_BODY: &str = r#"{"ok":false,"error":"scripted reply"}"#;

/// The keys a rule may use.
const KEYS: [&str; 7] = [
    "path", "provider", "event", "method", "status", "delay", "body",
];

fn unknown_key(pair: &str, key: &str) -> String {
    format!("{pair:?}: unknown key {key:?} (keys: {})", KEYS.join(", "))
}

/// One `--reply` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyRule {
    /// The rule as given (trimmed), for notes and notices.
    text: String,
    path: Option<String>,
    provider: Option<Provider>,
    event: Option<String>,
    method: Option<String>,
    status: u16,
    delay: Option<Duration>,
    body: Option<String>,
}

/// The `--reply` rules, in the order given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplyRules {
    rules: Vec<ReplyRule>,
}

/// What a matching rule says to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scripted<'a> {
    /// The HTTP status to answer with.
    pub status: u16,
    /// How long to wait before answering (after the request is recorded and handed on).
    pub delay: Option<Duration>,
    /// The rule's `body=`, if it has one.
    pub body: Option<&'a str>,
    /// Which rule matched, counting from 1.
    pub rule_index: usize,
    /// That rule's text.
    pub rule: &'a str,
}

impl Scripted<'_> {
    /// The request's note: `scripted reply (rule N: <rule text>)`.
    pub fn note(&self) -> String {
        format!("{SCRIPTED_NOTE}rule {}: {})", self.rule_index, self.rule)
    }
}

/// A rule that does not parse: the rule and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// Counting from 1.
    pub index: usize,
    pub rule: String,
    pub problem: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "--reply rule {} {:?}: {}",
            self.index, self.rule, self.problem
        )
    }
}

impl std::error::Error for RuleError {}

impl ReplyRules {
    /// Parses every rule, in order; the first that does not parse is the error.
    pub fn parse<S: AsRef<str>>(rules: &[S]) -> Result<ReplyRules, RuleError> {
        let rules = rules
            .iter()
            .enumerate()
            .map(|(i, r)| {
                ReplyRule::parse(r.as_ref()).map_err(|problem| RuleError {
                    index: i + 1,
                    rule: r.as_ref().trim().to_owned(),
                    problem,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ReplyRules { rules })
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// The rules' texts, in order.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().map(|r| r.text.as_str())
    }

    /// What the first rule matching this request says to answer; `None` when no rule matches
    /// (wamon answers as it would without rules).
    pub fn answer_for<'a>(&'a self, env: &Envelope, n: &Normalized) -> Option<Scripted<'a>> {
        let (i, rule) = self
            .rules
            .iter()
            .enumerate()
            .find(|(_, r)| r.matches(env, n))?;
        Some(Scripted {
            status: rule.status,
            delay: rule.delay,
            body: rule.body.as_deref(),
            rule_index: i + 1,
            rule: &rule.text,
        })
    }
}

impl ReplyRule {
    /// Parses one rule; the error names the offending pair.
    pub fn parse(text: &str) -> Result<ReplyRule, String> {
        let text = text.trim();
        let mut rule = ReplyRule {
            text: text.to_owned(),
            path: None,
            provider: None,
            event: None,
            method: None,
            status: 200,
            delay: None,
            body: None,
        };
        if text.is_empty() {
            return Err("empty rule (give at least one key=value pair)".to_owned());
        }
        let mut seen: Vec<&str> = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            let (pair, after) = rest.split_at(rest.find(' ').unwrap_or(rest.len()));
            let Some((key, value)) = pair.split_once('=') else {
                return Err(format!(
                    "{pair:?} is not key=value (keys: {})",
                    KEYS.join(", ")
                ));
            };
            if !KEYS.contains(&key) {
                return Err(unknown_key(pair, key));
            }
            if seen.contains(&key) {
                return Err(format!("{key} given twice"));
            }
            seen.push(key);
            // The body is the rest of the rule, spaces included.
            let value = if key == "body" {
                rest[key.len() + 1..].trim_end()
            } else {
                value
            };
            if value.is_empty() && key != "body" {
                return Err(format!("{pair:?}: {key} needs a value"));
            }
            let bad = |why: String| format!("{pair:?}: {why}");
            match key {
                "path" => {
                    if !value.starts_with('/') {
                        return Err(bad("a path starts with /".to_owned()));
                    }
                    rule.path = Some(value.to_owned());
                }
                "provider" => {
                    let p = match value.to_ascii_lowercase().as_str() {
                        "unknown" => Provider::Unknown,
                        v => Provider::parse(v).ok_or_else(|| {
                            let mut names: Vec<&str> =
                                Provider::KNOWN.iter().map(|p| p.as_str()).collect();
                            names.push("unknown");
                            bad(format!("providers are {}", names.join(", ")))
                        })?,
                    };
                    rule.provider = Some(p);
                }
                "event" => rule.event = Some(value.to_owned()),
                "method" => {
                    let m = value.to_ascii_uppercase();
                    if !matches!(m.as_str(), "POST" | "PUT" | "PATCH" | "DELETE") {
                        return Err(bad("webhooks are POST, PUT, PATCH or DELETE".to_owned()));
                    }
                    rule.method = Some(m);
                }
                "status" => {
                    rule.status = value
                        .parse::<u16>()
                        .ok()
                        .filter(|s| (200..=599).contains(s))
                        .ok_or_else(|| {
                            // A 1xx is an interim response: HTTP has no way to end a request
                            // with one.
                            bad("a status is a number from 200 to 599".to_owned())
                        })?;
                }
                "delay" => {
                    let d = crate::cli::parse_duration(value).map_err(bad)?;
                    if d > MAX_DELAY {
                        return Err(bad(format!(
                            "at most {} s (providers give up long before)",
                            MAX_DELAY.as_secs()
                        )));
                    }
                    rule.delay = Some(d);
                }
                "body" => {
                    rule.body = Some(value.to_owned());
                    break;
                }
                other => return Err(unknown_key(pair, other)),
            }
            rest = after.trim_start();
        }
        Ok(rule)
    }

    fn matches(&self, env: &Envelope, n: &Normalized) -> bool {
        self.path
            .as_deref()
            .is_none_or(|p| path_under(&env.path, p))
            && self.provider.is_none_or(|p| p == n.provider)
            && self.method.as_deref().is_none_or(|m| m == env.method)
            && self
                .event
                .as_deref()
                .is_none_or(|e| n.events.iter().any(|ev| ev.event == e))
    }
}

/// Whether `path` is `prefix` or below it, by whole segments: `/meta` covers `/meta` and
/// `/meta/x` but not `/metadata` (a trailing `/` on the prefix makes no difference).
fn path_under(path: &str, prefix: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    match path.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Event, Kind};

    fn env(method: &str, path: &str) -> Envelope {
        let mut e = Envelope::post(7, 0, Vec::new());
        e.method = method.into();
        e.path = path.into();
        e
    }

    fn norm(provider: Provider, events: &[&str]) -> Normalized {
        Normalized {
            provider,
            events: events
                .iter()
                .map(|name| Event::new(Kind::Message, *name))
                .collect(),
        }
    }

    fn rules(r: &[&str]) -> ReplyRules {
        ReplyRules::parse(r).unwrap()
    }

    fn problem(rule: &str) -> String {
        ReplyRule::parse(rule).unwrap_err()
    }

    #[test]
    fn good_rules_parse() {
        let r = ReplyRule::parse("  path=/meta provider=META event=message.any method=post status=503 delay=2s body={\"error\": \"busy now\"}  ").unwrap();
        assert_eq!(r.path.as_deref(), Some("/meta"));
        assert_eq!(r.provider, Some(Provider::Meta));
        assert_eq!(r.event.as_deref(), Some("message.any"));
        assert_eq!(r.method.as_deref(), Some("POST"));
        assert_eq!(r.status, 503);
        assert_eq!(r.delay, Some(Duration::from_secs(2)));
        assert_eq!(r.body.as_deref(), Some("{\"error\": \"busy now\"}"));
        assert!(r.text.starts_with("path=/meta") && r.text.ends_with('}'));

        let r = ReplyRule::parse("delay=500ms").unwrap();
        assert_eq!((r.status, r.delay), (200, Some(Duration::from_millis(500))));
        assert_eq!(ReplyRule::parse("status=500").unwrap().status, 500);
        assert_eq!(
            ReplyRule::parse("provider=unknown").unwrap().provider,
            Some(Provider::Unknown)
        );
        // Extra spaces between pairs; an empty body is allowed (and is the body).
        let r = ReplyRule::parse("status=204   body=").unwrap();
        assert_eq!((r.status, r.body.as_deref()), (204, Some("")));
        assert_eq!(
            ReplyRule::parse("delay=60s").unwrap().delay,
            Some(MAX_DELAY)
        );
    }

    #[test]
    fn bad_rules_name_the_pair() {
        for (rule, want) in [
            ("", "empty rule"),
            ("   ", "empty rule"),
            ("status=500 oops", "\"oops\" is not key=value"),
            ("statuz=500", "unknown key \"statuz\""),
            (
                "status=600",
                "\"status=600\": a status is a number from 200 to 599",
            ),
            ("status=100", "from 200 to 599"),
            ("status=101", "from 200 to 599"),
            ("status=abc", "\"status=abc\""),
            ("delay=forever", "\"delay=forever\""),
            ("delay=0s", "positive duration"),
            ("delay=61s", "at most 60 s"),
            ("delay=2m", "at most 60 s"),
            ("provider=signal", "providers are waha"),
            ("method=GET", "webhooks are POST"),
            ("path=meta", "a path starts with /"),
            ("path=", "path needs a value"),
            ("status=500 status=502", "status given twice"),
        ] {
            let got = problem(rule);
            assert!(got.contains(want), "{rule:?}: {got}");
        }
        let e = ReplyRules::parse(&["status=500", "path=/x statuz=1"]).unwrap_err();
        assert_eq!(e.index, 2);
        assert_eq!(
            e.to_string(),
            "--reply rule 2 \"path=/x statuz=1\": \"statuz=1\": unknown key \"statuz\" \
             (keys: path, provider, event, method, status, delay, body)"
        );
    }

    #[test]
    fn the_first_matching_rule_wins() {
        let r = rules(&["path=/meta status=500", "status=502", "status=503"]);
        let meta = r
            .answer_for(&env("POST", "/meta"), &norm(Provider::Meta, &[]))
            .unwrap();
        assert_eq!((meta.status, meta.rule_index), (500, 1));
        assert_eq!(
            meta.note(),
            "scripted reply (rule 1: path=/meta status=500)"
        );
        let other = r
            .answer_for(&env("POST", "/waha"), &norm(Provider::Waha, &[]))
            .unwrap();
        assert_eq!((other.status, other.rule_index), (502, 2));
        assert_eq!(other.rule, "status=502");
        assert!(ReplyRules::default()
            .answer_for(&env("POST", "/"), &norm(Provider::Waha, &[]))
            .is_none());
    }

    #[test]
    fn paths_match_by_whole_segments() {
        let r = rules(&["path=/meta"]);
        let hit = |p: &str| {
            r.answer_for(&env("POST", p), &norm(Provider::Unknown, &[]))
                .is_some()
        };
        assert!(hit("/meta") && hit("/meta/") && hit("/meta/x/y"));
        assert!(!hit("/metadata") && !hit("/") && !hit("/waha/meta"));
        let slash = rules(&["path=/meta/"]);
        assert!(slash
            .answer_for(&env("POST", "/meta"), &norm(Provider::Meta, &[]))
            .is_some());
        let root = rules(&["path=/"]);
        assert!(root
            .answer_for(&env("POST", "/anything"), &norm(Provider::Meta, &[]))
            .is_some());
    }

    #[test]
    fn provider_event_and_method_matchers() {
        let r = rules(&[
            "provider=waha event=message.ack status=500",
            "event=messages.upsert status=502",
            "method=put status=503",
        ]);
        let at =
            |method: &str, n: Normalized| r.answer_for(&env(method, "/"), &n).map(|s| s.status);
        assert_eq!(
            at("POST", norm(Provider::Waha, &["message", "message.ack"])),
            Some(500)
        );
        // The event alone is not enough for rule 1.
        assert_eq!(at("POST", norm(Provider::Whapi, &["message.ack"])), None);
        assert_eq!(
            at("POST", norm(Provider::Evolution, &["messages.upsert"])),
            Some(502)
        );
        // Event names are compared exactly.
        assert_eq!(
            at("POST", norm(Provider::Evolution, &["MESSAGES_UPSERT"])),
            None
        );
        assert_eq!(at("PUT", norm(Provider::Whapi, &["x"])), Some(503));
        assert_eq!(at("PATCH", norm(Provider::Whapi, &["x"])), None);
    }
}
