//! The chat table: one entry per canonical chat id within each provider and account
//! ([`Origin`]), with `@lid` chats folded into phone chats.
//!
//! The same customer writing to two WAHA sessions (two Evolution instances, two Meta phone
//! numbers) is two chats: each account is its own WhatsApp number, with its own conversation.
//! Lid pairs are learnt, and lid chats folded, within one account only.
//!
//! Meta's business-scoped user ids (`<BSUID>@bsuid`, a user with a username known without their
//! number) fold exactly like lids: below, "lid" means either ([`ChatKind::is_alias`]).
//!
//! Ids arrive already canonical (see [`crate::model::ChatId`]). Every event and message keeps
//! the chat it arrived under, a `@lid` chat included. When a payload reveals that a lid and a
//! phone id are the same party, the lid chat is *folded* into the phone chat: it is marked
//! [`Chat::merged_into`] the phone chat and listed among its [`Chat::aliases`], and everything
//! that shows chats resolves through that ([`Chats::root`]): the chat list, the stream's chat
//! column, filters and the chat selection. Nothing is rewritten, so a fold can be undone: when
//! the lid is later paired with another phone (the contact changed number, or the first pair was
//! wrong), the lid chat is re-folded into the new phone's chat and its rows show there; the first
//! phone's chat keeps its own rows and stays listed.
//!
//! Only a lid chat folds, and only into a phone chat: two phone chats never merge, whatever a
//! payload claims, so no chat with rows of its own is ever hidden.
//!
//! A chat with nothing left (no held event or message arrived under it, no lid folded into it:
//! everything evicted, or a phone chat made only to host a lid that moved on) is removed. Its
//! slot is reused by a later chat — once the consumer that keeps chat indexes has been told
//! (see [`Store::report_evictions`](super::Store::report_evictions)).

use super::{ChatIx, Origin};
use crate::model::{ChatId, ChatKind, Provider};
use std::collections::HashMap;

/// A chat in the store.
#[derive(Debug, Clone)]
pub struct Chat {
    pub id: ChatId,
    pub name: Option<String>,
    pub provider: Provider,
    /// The account it belongs to (index into [`Store::account`](super::Store::account)).
    pub account: u16,
    /// Time of the latest event in this chat or a lid chat folded into it (ms), by arrival.
    pub last_activity_ms: i64,
    /// Seq of that event, for ordering chats with equal times.
    pub last_seq: u64,
    /// Messages that arrived under this id so far (never goes down: the "new" counts).
    pub received: u64,
    /// Lid chats folded into this one (indexes into the chat table).
    pub aliases: Vec<ChatIx>,
    /// Set on a lid chat folded into a phone chat.
    pub merged_into: Option<ChatIx>,
    /// Held messages and events that arrived under this id (kept by the store).
    pub held_messages: usize,
    pub held_events: usize,
    /// Removed: nothing was left in it. The slot waits for reuse.
    pub vacant: bool,
}

impl Chat {
    pub fn kind(&self) -> ChatKind {
        self.id.kind()
    }

    /// Name if known, else the id's label. See [`Chats::title`] for a chat with lid aliases.
    pub fn title(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.id.label())
    }
}

/// All chats, addressable by id or index.
#[derive(Debug, Default, Clone)]
pub struct Chats {
    list: Vec<Chat>,
    by_id: HashMap<(Origin, ChatId), ChatIx>,
    lid_to_phone: HashMap<(Origin, ChatId), ChatId>,
    /// Every origin a chat was made for, for lookups by id alone ([`Chats::index_of`]).
    origins: Vec<Origin>,
    /// Vacant slots free for reuse.
    free: Vec<ChatIx>,
    /// Vacant slots not yet reported to the consumer, when reuse is deferred.
    unreported: Option<Vec<ChatIx>>,
}

impl Chats {
    /// The id events of `origin` under `id` are shown under: a lid's phone once the pair is
    /// known.
    pub fn resolve<'a>(&'a self, origin: Origin, id: &'a ChatId) -> &'a ChatId {
        if self.lid_to_phone.is_empty() {
            return id;
        }
        self.lid_to_phone.get(&(origin, id.clone())).unwrap_or(id)
    }

    /// The index of the chat for `id` itself (a lid keeps its own chat), creating it. A new lid
    /// chat whose phone is known is folded into the phone's chat at once.
    pub fn get_or_create(&mut self, id: &ChatId, origin: Origin) -> ChatIx {
        let key = (origin, id.clone());
        if let Some(&i) = self.by_id.get(&key) {
            return i;
        }
        if !self.origins.contains(&origin) {
            self.origins.push(origin);
        }
        let chat = Chat {
            id: id.clone(),
            name: None,
            provider: origin.provider,
            account: origin.account,
            last_activity_ms: 0,
            last_seq: 0,
            received: 0,
            aliases: Vec::new(),
            merged_into: None,
            held_messages: 0,
            held_events: 0,
            vacant: false,
        };
        let i = match self.free.pop() {
            Some(i) => {
                self.list[i.index()] = chat;
                i
            }
            None => {
                self.list.push(chat);
                ChatIx::new(self.list.len() - 1)
            }
        };
        if let Some(phone) = self.lid_to_phone.get(&key).cloned() {
            self.by_id.insert(key, i);
            self.fold(i, &phone, origin);
        } else {
            self.by_id.insert(key, i);
        }
        i
    }

    /// The chat shown for chat `i`: the phone chat a lid chat is folded into, else `i`.
    #[inline]
    pub fn root(&self, i: ChatIx) -> ChatIx {
        self.list[i.index()].merged_into.unwrap_or(i)
    }

    /// The shown chat for `id` in `origin` (a lid resolves to its phone's chat), if it exists.
    pub fn index_in(&self, origin: Origin, id: &ChatId) -> Option<ChatIx> {
        self.by_id
            .get(&(origin, id.clone()))
            .or_else(|| self.by_id.get(&(origin, self.resolve(origin, id).clone())))
            .map(|&i| self.root(i))
    }

    /// The shown chat for `id` in any origin (the first made, when several accounts have
    /// one), if it exists. Walks every origin: for tests and one-off lookups.
    pub fn index_of(&self, id: &ChatId) -> Option<ChatIx> {
        self.origins.iter().find_map(|&o| self.index_in(o, id))
    }

    /// The origin of chat `i`.
    pub fn origin(&self, i: ChatIx) -> Origin {
        let c = &self.list[i.index()];
        Origin {
            provider: c.provider,
            account: c.account,
        }
    }

    pub fn get(&self, i: ChatIx) -> &Chat {
        &self.list[i.index()]
    }

    pub fn get_mut(&mut self, i: ChatIx) -> &mut Chat {
        &mut self.list[i.index()]
    }

    /// The name chat `i` is shown with: its own, else one of its lid aliases' (a push name
    /// seen under the lid).
    pub fn name(&self, i: ChatIx) -> Option<&str> {
        let c = self.get(self.root(i));
        c.name
            .as_deref()
            .or_else(|| c.aliases.iter().find_map(|&a| self.get(a).name.as_deref()))
    }

    /// The title chat `i` is shown with (see [`Chats::name`]), else its id's label.
    pub fn title(&self, i: ChatIx) -> String {
        match self.name(i) {
            Some(n) => n.to_owned(),
            None => self.get(self.root(i)).id.label(),
        }
    }

    /// Messages received in chat `i` and the lid chats folded into it.
    pub fn message_count(&self, i: ChatIx) -> u64 {
        let c = self.get(self.root(i));
        c.received + c.aliases.iter().map(|&a| self.get(a).received).sum::<u64>()
    }

    /// Chats that are shown (not folded into another, not removed), any order.
    pub fn live(&self) -> impl Iterator<Item = (ChatIx, &Chat)> {
        self.slots()
            .filter(|(_, c)| c.merged_into.is_none() && !c.vacant)
    }

    /// Every slot in the chat table with its chat, folded and vacant ones included.
    pub fn slots(&self) -> impl ExactSizeIterator<Item = (ChatIx, &Chat)> {
        self.list
            .iter()
            .enumerate()
            .map(|(i, c)| (ChatIx::new(i), c))
    }

    /// Slots in the chat table, vacant ones included (every [`ChatIx::index`] is below this).
    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Records that `lid` and `phone` are the same party, folding the lid's chat (if any) into
    /// the phone's. True when a lid chat now shows under another chat than before.
    /// Within `origin` only.
    pub fn learn_lid(&mut self, lid: &ChatId, phone: &ChatId, origin: Origin) -> bool {
        if !lid.kind().is_alias() || phone.kind().is_alias() {
            return false;
        }
        let key = (origin, lid.clone());
        if self.lid_to_phone.get(&key) == Some(phone) {
            return false;
        }
        self.lid_to_phone.insert(key.clone(), phone.clone());
        match self.by_id.get(&key) {
            Some(&from) => {
                self.fold(from, phone, origin);
                true
            }
            None => false,
        }
    }

    /// Keeps vacant slots from reuse until [`Chats::take_vacated`] has reported them, for a
    /// consumer that keeps chat indexes (the screen's selection and "new" counts): a reused slot
    /// must never be mistaken for the chat it held before.
    pub(super) fn defer_reuse(&mut self) {
        self.unreported.get_or_insert_with(Vec::new);
    }

    /// Slots vacated since the last call (only while reuse is deferred); they are free from now.
    pub(super) fn take_vacated(&mut self) -> Vec<ChatIx> {
        match &mut self.unreported {
            Some(v) => {
                let vacated = std::mem::take(v);
                self.free.extend_from_slice(&vacated);
                vacated
            }
            None => Vec::new(),
        }
    }

    /// Whether [`Chats::take_vacated`] has slots to report.
    pub(super) fn has_vacated(&self) -> bool {
        self.unreported.as_ref().is_some_and(|v| !v.is_empty())
    }

    /// Removes chat `i` if nothing is left in it, then the chat it was folded into if that has
    /// nothing left either. The lid's pair is kept: a later event under it folds again.
    pub(super) fn release(&mut self, i: ChatIx) {
        let c = self.get(i);
        if c.vacant || c.held_messages > 0 || c.held_events > 0 || !c.aliases.is_empty() {
            return;
        }
        let into = c.merged_into;
        let key = (self.origin(i), self.get(i).id.clone());
        if self.by_id.get(&key) == Some(&i) {
            self.by_id.remove(&key);
        }
        let c = self.get_mut(i);
        c.vacant = true;
        c.merged_into = None;
        c.name = None;
        c.aliases = Vec::new();
        match &mut self.unreported {
            Some(v) => v.push(i),
            None => self.free.push(i),
        }
        if let Some(into) = into {
            self.get_mut(into).aliases.retain(|&a| a != i);
            self.release(into);
        }
    }

    /// Folds lid chat `from` into the chat of `phone` (unfolding it from a previous phone).
    fn fold(&mut self, from: ChatIx, phone: &ChatId, origin: Origin) {
        let into = self.get_or_create(phone, origin);
        if let Some(old) = self.get_mut(from).merged_into.take() {
            self.get_mut(old).aliases.retain(|&a| a != from);
            // A phone chat made only to host this lid (a wrong pair) goes with it.
            self.release(old);
        }
        let lid = self.get_mut(from);
        lid.merged_into = Some(into);
        let (last_ms, last_seq) = (lid.last_activity_ms, lid.last_seq);
        let target = self.get_mut(into);
        target.aliases.push(from);
        if last_seq > target.last_seq {
            target.last_seq = last_seq;
            target.last_activity_ms = last_ms;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(provider: Provider) -> Origin {
        Origin {
            provider,
            account: 0,
        }
    }

    fn id(s: &str) -> ChatId {
        ChatId::parse(s).unwrap()
    }

    #[test]
    fn lid_chats_fold_into_the_phone_chat() {
        let mut chats = Chats::default();
        let lid = chats.get_or_create(&id("777@lid"), o(Provider::Waha));
        chats.get_mut(lid).received = 1;
        chats.get_mut(lid).name = Some("Gerald".into());
        assert!(chats.learn_lid(&id("777@lid"), &id("5511@c.us"), o(Provider::Waha)));
        let into = chats.index_of(&id("5511@c.us")).unwrap();
        assert_eq!(chats.root(lid), into);
        assert_eq!(chats.message_count(into), 1);
        assert_eq!(chats.title(into), "Gerald");
        assert_eq!(chats.index_of(&id("777@lid")), Some(into));
        assert_eq!(chats.live().count(), 1);
        // The lid keeps its own chat: rows stay where they arrived.
        assert_eq!(chats.get_or_create(&id("777@lid"), o(Provider::Waha)), lid);
        assert_eq!(chats.get(lid).id, id("777@lid"));
    }

    /// Found by `tests/fuzz_normalizer.rs`: a lid paired with a second phone folded the first
    /// phone's chat into the second one, leaving a merged chat that new messages still went to.
    /// Now the lid chat moves to the second phone and the first phone's chat stays as it was.
    #[test]
    fn a_lid_paired_with_another_phone_never_merges_two_phone_chats() {
        let mut chats = Chats::default();
        let lid = chats.get_or_create(&id("98765432109876@lid"), o(Provider::Instance));
        chats.learn_lid(
            &id("98765432109876@lid"),
            &id("644@c.us"),
            o(Provider::Instance),
        );
        let first = chats.index_of(&id("644@c.us")).unwrap();
        chats.get_mut(first).received = 1;
        chats.get_mut(first).held_messages = 1;
        assert!(chats.learn_lid(
            &id("98765432109876@lid"),
            &id("wamid.X@c.us"),
            o(Provider::Instance)
        ));
        let second = chats.index_of(&id("wamid.X@c.us")).unwrap();
        assert_eq!(chats.get(first).merged_into, None);
        assert!(chats.get(first).aliases.is_empty());
        assert_eq!(chats.message_count(first), 1);
        assert_eq!(chats.root(lid), second);
        assert_eq!(chats.get(second).aliases, vec![lid]);
        assert_eq!(chats.index_of(&id("98765432109876@lid")), Some(second));
        assert_eq!(chats.live().count(), 2);
    }

    /// A wrong pair made a phone chat only to host the lid; when the right pair moves the lid
    /// on, that empty chat is removed rather than listed with nothing in it.
    #[test]
    fn a_phone_chat_left_empty_by_a_corrected_pair_goes() {
        let mut chats = Chats::default();
        let lid = chats.get_or_create(&id("777@lid"), o(Provider::Waha));
        chats.get_mut(lid).held_events = 1;
        chats.learn_lid(&id("777@lid"), &id("5500@c.us"), o(Provider::Waha));
        let wrong = chats.index_of(&id("5500@c.us")).unwrap();
        chats.learn_lid(&id("777@lid"), &id("5511@c.us"), o(Provider::Waha));
        assert!(chats.get(wrong).vacant);
        assert_eq!(chats.index_of(&id("5500@c.us")), None);
        let live: Vec<&str> = chats.live().map(|(_, c)| c.id.as_str()).collect();
        assert_eq!(live, vec!["5511@c.us"]);
        // The slot is reused by the next chat.
        assert_eq!(
            chats.get_or_create(&id("5522@c.us"), o(Provider::Waha)),
            wrong
        );
    }

    #[test]
    fn a_lid_chat_made_after_its_pair_is_known_is_folded_at_once() {
        let mut chats = Chats::default();
        assert!(!chats.learn_lid(&id("777@lid"), &id("5511@c.us"), o(Provider::Waha)));
        let lid = chats.get_or_create(&id("777@lid"), o(Provider::Waha));
        assert_eq!(chats.get(chats.root(lid)).id, id("5511@c.us"));
        assert_eq!(chats.live().count(), 1);
    }

    #[test]
    fn only_a_lid_folds_and_only_into_a_phone() {
        let mut chats = Chats::default();
        let a = chats.get_or_create(&id("5511@c.us"), o(Provider::Waha));
        let b = chats.get_or_create(&id("777@lid"), o(Provider::Waha));
        assert!(!chats.learn_lid(&id("5511@c.us"), &id("5522@c.us"), o(Provider::Waha)));
        assert!(!chats.learn_lid(&id("777@lid"), &id("888@lid"), o(Provider::Waha)));
        assert_eq!((chats.root(a), chats.root(b)), (a, b));
    }
}
