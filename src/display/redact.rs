//! `--redact`: masks for screen sharing, and the credential rules that apply always.
//!
//! Masks are **stable within a run and unguessable**: each is derived from a hash keyed with a
//! random per-run key ([`RandomState`], SipHash with OS-random keys), so the same person shows
//! the same mask everywhere in one run, two people show two masks, and nobody can brute-force a
//! phone number out of its mask (there are few enough phone numbers to try them all against an
//! unkeyed hash). A new run shows new masks.
//!
//! | what | shown as |
//! |---|---|
//! | phone numbers and user ids: `5511999990000`, `+55 11 99999-0000`, `…@c.us`, `…@s.whatsapp.net` (also inside message ids and free text) | `#` + 6 base-32 characters, the suffix kept: `#k3x9q2@c.us`, `#k3x9q2:12@s.whatsapp.net` |
//! | names: push names, chat and group names, profile and contact names | `name·` + 4 characters: `name·k3x9` |
//! | message text, captions, poll questions, contact cards, locations | `•` per non-space character, spaces and line breaks kept |
//! | poll and interactive option names (they must stay distinct: tallies are keyed by them) | `opt·` + 4 characters |
//! | file names | `•` per character before the extension: `••••••••.pdf` |
//! | media URLs | scheme and host only: `https://mmg.whatsapp.net/…` |
//! | summaries of other events (group changes, labels) | the part before the first `: ` kept, the rest as `•` |
//!
//! Left as they are: group, channel, broadcast and `@lid` ids, message ids (apart from the phone
//! numbers inside them), event names, types, statuses, emoji, mime types and times.
//!
//! A bare digit run counts as a phone number when it has 8 to 15 digits (optionally with a
//! leading `+` and single spaces, dashes, dots or parentheses between digits); digits directly
//! before `@c.us` or `@s.whatsapp.net` always do. Digits before `@lid`, `@g.us`,
//! `@newsletter` and `@broadcast` never do.
//!
//! Credentials are masked **always**, with or without `--redact`, as `••••••` (six bullets
//! whatever the length, so the length is not revealed): see [`is_credential_name`].

use std::borrow::Cow;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

/// How a credential is shown.
pub const CREDENTIAL_MASK: &str = "••••••";

/// The bullet text masks are made of.
const BULLET: char = '•';

/// Crockford's base 32, lower case: no `i`, `l`, `o`, `u`, so masks read unambiguously.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// Whether a JSON key, header name or query parameter names a credential: after lower-casing
/// and dropping everything but letters and digits, it contains `token`, `secret`, `password`
/// or `passwd`, ends with `apikey`, or is `authorization`, `proxyauthorization`, `cookie` or
/// `setcookie`. So `apikey`, `api_key`, `x-api-key`, `token`, `accessToken`, `verify_token`,
/// `hub.verify_token`, `client_secret`, `password` and `Authorization` all are; `key` (Baileys'
/// message key), `author` and `mediaKey` are not.
pub fn is_credential_name(name: &str) -> bool {
    let mut word = String::new();
    key_word(name, &mut word);
    is_credential_word(&word)
}

/// `name` lower-cased with everything but ASCII letters and digits dropped, into `word` (a
/// buffer reused across the keys of a body): the form key rules compare.
pub fn key_word(name: &str, word: &mut String) {
    word.clear();
    word.extend(
        name.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase()),
    );
}

/// [`is_credential_name`] of a name already in [`key_word`] form.
pub fn is_credential_word(n: &str) -> bool {
    n.contains("token")
        || n.contains("secret")
        || n.contains("password")
        || n.contains("passwd")
        || n.ends_with("apikey")
        || matches!(
            n,
            "authorization" | "proxyauthorization" | "cookie" | "setcookie"
        )
}

/// `s` with every non-whitespace character as `•`.
pub fn mask_text(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_whitespace() { c } else { BULLET })
        .collect()
}

/// The masks of one run.
#[derive(Debug, Clone)]
pub struct Redactor {
    key: RandomState,
}

impl Default for Redactor {
    fn default() -> Self {
        Redactor::new()
    }
}

impl Redactor {
    /// A redactor with a fresh random key.
    pub fn new() -> Redactor {
        Redactor {
            key: RandomState::new(),
        }
    }

    /// `n` base-32 characters of the keyed hash of `(domain, value)`.
    fn tag(&self, domain: u8, value: &str, n: usize) -> String {
        let mut h = self.key.hash_one((domain, value));
        (0..n)
            .map(|_| {
                let c = ALPHABET[(h & 31) as usize] as char;
                h >>= 5;
                c
            })
            .collect()
    }

    /// The mask of a phone number given by its digits: `#k3x9q2`.
    pub fn phone(&self, digits: &str) -> String {
        format!("#{}", self.tag(0, digits, 6))
    }

    /// The mask of a name: `name·k3x9`. An empty name stays empty.
    pub fn name(&self, name: &str) -> String {
        if name.is_empty() {
            return String::new();
        }
        format!("name·{}", self.tag(1, name, 4))
    }

    /// The mask of a poll option, from its option hash (see [`crate::model::option_hash`]): a
    /// vote, which carries only the hash, can then be pointed at the masked option.
    pub fn option_from_hash(&self, hash: &str) -> String {
        format!("opt·{}", self.tag(2, hash, 4))
    }

    /// The mask of a poll option name.
    pub fn option(&self, name: &str) -> String {
        self.option_from_hash(&crate::model::option_hash(name))
    }

    /// The mask of an interactive reply's title (keyed by its own text: replies are tallied by
    /// option id, not by title).
    pub fn title(&self, title: &str) -> String {
        format!("opt·{}", self.tag(3, title, 4))
    }

    /// A user's canonical chat id (`<digits>@c.us`) masked: `#k3x9q2@c.us`, whatever the
    /// number's length. Other ids (groups, channels, lids) come back unchanged, phone numbers
    /// inside them aside.
    pub fn chat_id<'a>(&self, id: &'a str) -> Cow<'a, str> {
        match id.split_once('@') {
            Some((user, "c.us")) => {
                let digits: String = user.chars().filter(char::is_ascii_digit).collect();
                let basis = if digits.is_empty() { user } else { &digits };
                Cow::Owned(format!("{}@c.us", self.phone(basis)))
            }
            _ => self.phones_in(id),
        }
    }

    /// `s` with every phone number in it masked (see the module docs for what counts).
    pub fn phones_in<'a>(&self, s: &'a str) -> Cow<'a, str> {
        let b = s.as_bytes();
        let mut out: Option<String> = None;
        let mut copied = 0;
        let mut i = 0;
        while i < b.len() {
            if !b[i].is_ascii_digit() || (i > 0 && b[i - 1].is_ascii_digit()) {
                i += 1;
                continue;
            }
            let (end, digits) = phone_run(b, i);
            // `5511…:12@s.whatsapp.net`: the digits after the colon are a device number.
            let device = i >= 2 && b[i - 1] == b':' && b[i - 2].is_ascii_digit();
            if !device && is_phone(s, end, digits.len()) {
                let start = if i > 0 && b[i - 1] == b'+' { i - 1 } else { i };
                let o = out.get_or_insert_with(|| String::with_capacity(s.len()));
                o.push_str(&s[copied..start]);
                o.push_str(&self.phone(&digits));
                copied = end;
            }
            i = end.max(i + 1);
        }
        match out {
            None => Cow::Borrowed(s),
            Some(mut o) => {
                o.push_str(&s[copied..]);
                Cow::Owned(o)
            }
        }
    }

    /// A one-line summary of a non-message event: the part up to the first `: ` kept (phone
    /// numbers masked), the rest as bullets.
    pub fn summary<'a>(&self, s: &'a str) -> Cow<'a, str> {
        match s.split_once(": ") {
            Some((head, rest)) => {
                Cow::Owned(format!("{}: {}", self.phones_in(head), mask_text(rest)))
            }
            None => self.phones_in(s),
        }
    }
}

/// A file name with everything before its extension masked.
pub fn mask_filename(name: &str) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.len() <= 8 && !ext.contains(' ') => {
            format!("{}.{ext}", mask_text(stem))
        }
        _ => mask_text(name),
    }
}

/// A URL cut to its scheme and host: `https://mmg.whatsapp.net/…`.
pub fn mask_url(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    // Credentials in the authority (`user:pass@host`) go too.
    let host = host.rsplit('@').next().unwrap_or(host);
    if scheme.is_empty() {
        format!("{host}/…")
    } else {
        format!("{scheme}://{host}/…")
    }
}

/// From the first digit at `i`: the end of the phone-like run (digits with single separators
/// between them) and its digits.
fn phone_run(b: &[u8], i: usize) -> (usize, String) {
    let mut digits = String::new();
    let mut j = i;
    let mut end = i;
    while j < b.len() {
        if b[j].is_ascii_digit() {
            digits.push(b[j] as char);
            j += 1;
            end = j;
        } else if matches!(b[j], b' ' | b'-' | b'.' | b'(' | b')')
            && b.get(j + 1).is_some_and(u8::is_ascii_digit)
            && digits.len() < 15
        {
            j += 1;
        } else {
            break;
        }
    }
    (end, digits)
}

/// Whether the run of `n_digits` ending at byte `end` of `s` is a phone number.
fn is_phone(s: &str, end: usize, n_digits: usize) -> bool {
    let rest = &s[end..];
    // A device suffix (`:12`) sits between the number and its server.
    let after_device = match rest.strip_prefix(':') {
        Some(r) => r.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => rest,
    };
    for server in ["@c.us", "@s.whatsapp.net"] {
        if after_device.starts_with(server) {
            return true;
        }
    }
    for server in ["@lid", "@g.us", "@newsletter", "@broadcast"] {
        if after_device.starts_with(server) {
            return false;
        }
    }
    (8..=15).contains(&n_digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_masks_are_stable_distinct_and_keep_the_suffix() {
        let r = Redactor::new();
        let a = r.chat_id("5511999990000@c.us").into_owned();
        assert_eq!(a, r.chat_id("5511999990000@c.us"));
        assert!(a.starts_with('#') && a.ends_with("@c.us"), "{a}");
        assert_eq!(a.len(), "#k3x9q2@c.us".len());
        assert_ne!(a, r.chat_id("5511999990001@c.us"));
        // Every spelling of the number gets the same mask.
        let mask = a.trim_end_matches("@c.us");
        for s in [
            "5511999990000",
            "+5511999990000",
            "+55 11 99999-0000",
            "5511999990000@s.whatsapp.net",
            "5511999990000:12@s.whatsapp.net",
        ] {
            let m = r.phones_in(s);
            assert!(m.starts_with(mask), "{s} -> {m}");
            assert!(!m.contains("5511"), "{s} -> {m}");
        }
        assert_eq!(
            r.phones_in("5511999990000:12@s.whatsapp.net"),
            format!("{mask}:12@s.whatsapp.net")
        );
        // Inside a WAHA serialized message id.
        let id = r.phones_in("true_5511999990000@c.us_3EB0C431C26A1916E07E");
        assert_eq!(id, format!("true_{mask}@c.us_3EB0C431C26A1916E07E"));
        assert_eq!(crate::model::bare_message_id(&id), "3EB0C431C26A1916E07E");
        // A new run, a new key: masks cannot be precomputed.
        let other = Redactor::new();
        assert_ne!(other.phone("5511999990000"), r.phone("5511999990000"));
    }

    #[test]
    fn ids_that_are_not_phone_numbers_stay() {
        let r = Redactor::new();
        for s in [
            "120363025246125486@g.us",
            "4555685237123@lid",
            "4555685237:31@lid",
            "120363400000000001@newsletter",
            "status@broadcast",
        ] {
            assert_eq!(r.chat_id(s), s);
        }
        let wamid = "wamid.HBgLMTU1NTAwMDExMTEVAgASGBQzQUE";
        assert_eq!(r.phones_in(wamid), wamid);
        assert_eq!(
            r.phones_in("order 4521, code 131047"),
            "order 4521, code 131047"
        );
        // A short user id (a test number) is still a user.
        assert_ne!(r.chat_id("1@c.us"), "1@c.us");
    }

    #[test]
    fn names_texts_and_options() {
        let r = Redactor::new();
        let n = r.name("Gerald");
        assert!(n.starts_with("name·") && n.chars().count() == 9, "{n}");
        assert_eq!(n, r.name("Gerald"));
        assert_ne!(n, r.name("Bruno"));
        assert_eq!(r.name(""), "");
        assert_eq!(mask_text("Hi Gerald!\nok"), "•• •••••••\n••");
        assert_ne!(r.option("Yes"), r.option("Sim"));
        assert_eq!(
            r.option("Yes"),
            r.option_from_hash(&crate::model::option_hash("Yes"))
        );
        assert_eq!(mask_filename("Contract Gerald.pdf"), "•••••••• ••••••.pdf");
        assert_eq!(
            mask_url("https://u:p@mmg.whatsapp.net/v/t62?oh=1&oe=2"),
            "https://mmg.whatsapp.net/…"
        );
        assert_eq!(r.summary("WORKING"), "WORKING");
        assert_eq!(r.summary("subject: Dev group"), "subject: ••• •••••");
    }

    #[test]
    fn credential_names() {
        for k in [
            "apikey",
            "apiKey",
            "api_key",
            "x-api-key",
            "token",
            "accessToken",
            "access_token",
            "hub.verify_token",
            "client_secret",
            "password",
            "Authorization",
            "cookie",
        ] {
            assert!(is_credential_name(k), "{k}");
        }
        for k in [
            "key",
            "author",
            "mediaKey",
            "keyId",
            "id",
            "body",
            "x-hub-signature-256",
        ] {
            assert!(!is_credential_name(k), "{k}");
        }
    }
}
