//! Who a Meta item is about: a phone number, a business-scoped user id (BSUID), or both.
//!
//! Since usernames (2026), Meta names a user by `wa_id`/`from`/`recipient_id`/`to` (the phone
//! number) *and* `user_id`/`from_user_id`/`recipient_user_id`/`to_user_id` (the BSUID,
//! `US.13491208655302741918`); for a user with a username who hides their number the phone is
//! missing or an empty string. The change's `contacts[]` may hold what the item itself lacks
//! (`wa_id` beside `user_id`, the profile name and `profile.username`).
//!
//! The party's chat is its phone when known (so chats from before BSUIDs stay where they were),
//! else `<BSUID>@bsuid`; when both are known the pair goes to the store, which folds the BSUID's
//! chat into the phone's ([`crate::model::Event::lid_map`]).

use super::super::json::{arr_at, str_at};
use super::Ctx;
use crate::model::ChatId;
use serde_json::Value;

/// One party of a Meta item, as far as the change tells.
#[derive(Debug, Default)]
pub(super) struct Party {
    pub phone: Option<ChatId>,
    pub bsuid: Option<ChatId>,
    /// `profile.name`, else `profile.username` (`@maria.lopez`) when the user has no name.
    pub name: Option<String>,
}

impl Party {
    /// The id the party's events go under: the phone when known, else the BSUID's chat.
    pub fn id(&self) -> Option<ChatId> {
        self.phone.clone().or_else(|| self.bsuid.clone())
    }

    /// `(bsuid, phone)` when the change names both: the store merges the two chats.
    pub fn pair(&self) -> Option<(ChatId, ChatId)> {
        Some((self.bsuid.clone()?, self.phone.clone()?))
    }
}

/// The string at `path`, unless missing, not a string or blank (Meta sends `""` for a hidden
/// phone number).
pub(super) fn nonempty<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    str_at(v, path).map(str::trim).filter(|s| !s.is_empty())
}

impl Ctx<'_> {
    /// The party an item names by phone `phone` and/or BSUID `bsuid` (either may be missing),
    /// completed from its `contacts[]` entry.
    pub(super) fn party(&self, phone: Option<&str>, bsuid: Option<&str>) -> Party {
        let (contact, same) = self.contact(phone, bsuid);
        // Ids only from a contact that is surely this party; a lone contact that matched
        // nothing still names it (Meta sends one contact per change, spelled as it likes).
        let ids = contact.filter(|_| same);
        let phone = phone.or_else(|| ids.and_then(|c| nonempty(c, &["wa_id"])));
        // The contact's own `user_id` wins: a status for a message sent to a parent BSUID names
        // that in `recipient_user_id`, while the user's messages carry the user's BSUID.
        let bsuid = ids.and_then(|c| nonempty(c, &["user_id"])).or(bsuid);
        Party {
            phone: phone.and_then(ChatId::parse),
            bsuid: bsuid.and_then(ChatId::bsuid),
            name: contact.and_then(profile_name),
        }
    }

    /// The `contacts[]` entry for the party, and whether it is surely the party's: the one with
    /// its number (`wa_id`, any spelling), `user_id` or `parent_user_id` (sure); else the only
    /// one (its name only: it may name another party).
    fn contact(&self, phone: Option<&str>, bsuid: Option<&str>) -> (Option<&Value>, bool) {
        let contacts = arr_at(self.value, &["contacts"]);
        let phone_id = phone.and_then(ChatId::parse);
        let found = contacts.iter().find(|c| {
            let wa = nonempty(c, &["wa_id"]).and_then(ChatId::parse);
            (phone_id.is_some() && wa == phone_id) || matches_bsuid(c, bsuid)
        });
        if let Some(c) = found {
            return (Some(c), true);
        }
        match contacts {
            [only] => (Some(only), false),
            _ => (None, false),
        }
    }
}

/// Whether contact `c` has BSUID `bsuid` as its `user_id` or `parent_user_id`.
fn matches_bsuid(c: &Value, bsuid: Option<&str>) -> bool {
    bsuid.is_some()
        && (nonempty(c, &["user_id"]) == bsuid || nonempty(c, &["parent_user_id"]) == bsuid)
}

/// `profile.name`, else `profile.username`; blanks skipped.
fn profile_name(c: &Value) -> Option<String> {
    nonempty(c, &["profile", "name"])
        .or_else(|| nonempty(c, &["profile", "username"]))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_bsuid_that_could_read_as_another_id_is_refused() {
        for bad in ["1@c.us", "US.1:2", "US 1", "", "  ", &"9".repeat(200)] {
            assert_eq!(ChatId::bsuid(bad), None, "{bad:?}");
        }
        let id = ChatId::bsuid(" US.ENT.118 ").unwrap();
        assert_eq!(id.as_str(), "US.ENT.118@bsuid");
        assert_eq!(ChatId::parse(id.as_str()), Some(id.clone()), "canonical");
        assert_eq!(id.kind(), crate::model::ChatKind::Bsuid);
    }

    #[test]
    fn a_lone_contact_of_another_number_names_but_does_not_pair() {
        let value =
            json!({"contacts": [{"profile": {"name": "Ana"}, "wa_id": "111", "user_id": "US.9"}]});
        let ctx = Ctx::new(&value);
        let p = ctx.party(None, Some("US.1"));
        assert_eq!(p.name.as_deref(), Some("Ana"));
        assert_eq!((p.phone.clone(), p.pair()), (None, None));
        let p = ctx.party(None, Some("US.9"));
        assert_eq!(
            p.pair().map(|(_, ph)| ph.to_string()).as_deref(),
            Some("111@c.us")
        );
    }
}
