//! The chat table: one entry per canonical chat id, with `@lid` chats folded into phone chats.
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

use crate::model::{ChatId, ChatKind, Provider};
use std::collections::HashMap;

/// A chat in the store.
#[derive(Debug, Clone)]
pub struct Chat {
    pub id: ChatId,
    pub name: Option<String>,
    pub provider: Provider,
    /// Time of the latest event in this chat or a lid chat folded into it (ms), by arrival.
    pub last_activity_ms: i64,
    /// Seq of that event, for ordering chats with equal times.
    pub last_seq: u64,
    /// Messages that arrived under this id so far (never goes down: the "new" counts).
    pub received: u64,
    /// Lid chats folded into this one (indexes into the chat table).
    pub aliases: Vec<usize>,
    /// Set on a lid chat folded into a phone chat.
    pub merged_into: Option<usize>,
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
    by_id: HashMap<ChatId, usize>,
    lid_to_phone: HashMap<ChatId, ChatId>,
}

impl Chats {
    /// The id events under `id` are shown under: a lid's phone once the pair is known.
    pub fn resolve<'a>(&'a self, id: &'a ChatId) -> &'a ChatId {
        self.lid_to_phone.get(id).unwrap_or(id)
    }

    /// The index of the chat for `id` itself (a lid keeps its own chat), creating it. A new lid
    /// chat whose phone is known is folded into the phone's chat at once.
    pub fn get_or_create(&mut self, id: &ChatId, provider: Provider) -> usize {
        if let Some(&i) = self.by_id.get(id) {
            return i;
        }
        let i = self.list.len();
        self.list.push(Chat {
            id: id.clone(),
            name: None,
            provider,
            last_activity_ms: 0,
            last_seq: 0,
            received: 0,
            aliases: Vec::new(),
            merged_into: None,
        });
        self.by_id.insert(id.clone(), i);
        if let Some(phone) = self.lid_to_phone.get(id).cloned() {
            self.fold(i, &phone, provider);
        }
        i
    }

    /// The chat shown for chat `i`: the phone chat a lid chat is folded into, else `i`.
    pub fn root(&self, i: usize) -> usize {
        self.list[i].merged_into.unwrap_or(i)
    }

    /// The shown chat for `id` (a lid resolves to its phone's chat), if it exists.
    pub fn index_of(&self, id: &ChatId) -> Option<usize> {
        self.by_id
            .get(id)
            .or_else(|| self.by_id.get(self.resolve(id)))
            .map(|&i| self.root(i))
    }

    pub fn get(&self, i: usize) -> &Chat {
        &self.list[i]
    }

    pub fn get_mut(&mut self, i: usize) -> &mut Chat {
        &mut self.list[i]
    }

    /// The name chat `i` is shown with: its own, else one of its lid aliases' (a push name
    /// seen under the lid).
    pub fn name(&self, i: usize) -> Option<&str> {
        let c = &self.list[self.root(i)];
        c.name
            .as_deref()
            .or_else(|| c.aliases.iter().find_map(|&a| self.list[a].name.as_deref()))
    }

    /// The title chat `i` is shown with (see [`Chats::name`]), else its id's label.
    pub fn title(&self, i: usize) -> String {
        match self.name(i) {
            Some(n) => n.to_owned(),
            None => self.list[self.root(i)].id.label(),
        }
    }

    /// Messages received in chat `i` and the lid chats folded into it.
    pub fn message_count(&self, i: usize) -> u64 {
        let c = &self.list[self.root(i)];
        c.received
            + c.aliases
                .iter()
                .map(|&a| self.list[a].received)
                .sum::<u64>()
    }

    /// Chats that are shown (not folded into another), any order.
    pub fn live(&self) -> impl Iterator<Item = (usize, &Chat)> {
        self.list
            .iter()
            .enumerate()
            .filter(|(_, c)| c.merged_into.is_none())
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Records that `lid` and `phone` are the same party, folding the lid's chat (if any) into
    /// the phone's. True when a lid chat now shows under another chat than before.
    pub fn learn_lid(&mut self, lid: &ChatId, phone: &ChatId, provider: Provider) -> bool {
        if lid.kind() != ChatKind::Lid || phone.kind() == ChatKind::Lid {
            return false;
        }
        if self.lid_to_phone.get(lid) == Some(phone) {
            return false;
        }
        self.lid_to_phone.insert(lid.clone(), phone.clone());
        match self.by_id.get(lid) {
            Some(&from) => {
                self.fold(from, phone, provider);
                true
            }
            None => false,
        }
    }

    /// Folds lid chat `from` into the chat of `phone` (unfolding it from a previous phone).
    fn fold(&mut self, from: usize, phone: &ChatId, provider: Provider) {
        let into = self.get_or_create(phone, provider);
        if let Some(old) = self.list[from].merged_into.take() {
            self.list[old].aliases.retain(|&a| a != from);
        }
        self.list[from].merged_into = Some(into);
        let (last_ms, last_seq) = (self.list[from].last_activity_ms, self.list[from].last_seq);
        let target = &mut self.list[into];
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

    fn id(s: &str) -> ChatId {
        ChatId::parse(s).unwrap()
    }

    #[test]
    fn lid_chats_fold_into_the_phone_chat() {
        let mut chats = Chats::default();
        let lid = chats.get_or_create(&id("777@lid"), Provider::Waha);
        chats.get_mut(lid).received = 1;
        chats.get_mut(lid).name = Some("Gerald".into());
        assert!(chats.learn_lid(&id("777@lid"), &id("5511@c.us"), Provider::Waha));
        let into = chats.index_of(&id("5511@c.us")).unwrap();
        assert_eq!(chats.root(lid), into);
        assert_eq!(chats.message_count(into), 1);
        assert_eq!(chats.title(into), "Gerald");
        assert_eq!(chats.index_of(&id("777@lid")), Some(into));
        assert_eq!(chats.live().count(), 1);
        // The lid keeps its own chat: rows stay where they arrived.
        assert_eq!(chats.get_or_create(&id("777@lid"), Provider::Waha), lid);
        assert_eq!(chats.get(lid).id, id("777@lid"));
    }

    /// Found by `tests/fuzz_normalizer.rs`: a lid paired with a second phone folded the first
    /// phone's chat into the second one, leaving a merged chat that new messages still went to.
    /// Now the lid chat moves to the second phone and the first phone's chat stays as it was.
    #[test]
    fn a_lid_paired_with_another_phone_never_merges_two_phone_chats() {
        let mut chats = Chats::default();
        let lid = chats.get_or_create(&id("98765432109876@lid"), Provider::Instance);
        chats.learn_lid(
            &id("98765432109876@lid"),
            &id("644@c.us"),
            Provider::Instance,
        );
        let first = chats.index_of(&id("644@c.us")).unwrap();
        chats.get_mut(first).received = 1;
        assert!(chats.learn_lid(
            &id("98765432109876@lid"),
            &id("wamid.X@c.us"),
            Provider::Instance
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

    #[test]
    fn a_lid_chat_made_after_its_pair_is_known_is_folded_at_once() {
        let mut chats = Chats::default();
        assert!(!chats.learn_lid(&id("777@lid"), &id("5511@c.us"), Provider::Waha));
        let lid = chats.get_or_create(&id("777@lid"), Provider::Waha);
        assert_eq!(chats.get(chats.root(lid)).id, id("5511@c.us"));
        assert_eq!(chats.live().count(), 1);
    }

    #[test]
    fn only_a_lid_folds_and_only_into_a_phone() {
        let mut chats = Chats::default();
        let a = chats.get_or_create(&id("5511@c.us"), Provider::Waha);
        let b = chats.get_or_create(&id("777@lid"), Provider::Waha);
        assert!(!chats.learn_lid(&id("5511@c.us"), &id("5522@c.us"), Provider::Waha));
        assert!(!chats.learn_lid(&id("777@lid"), &id("888@lid"), Provider::Waha));
        assert_eq!((chats.root(a), chats.root(b)), (a, b));
    }
}
