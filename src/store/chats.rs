//! The chat table: one entry per canonical chat id, with lid ↔ phone merging.
//!
//! Ids arrive already canonical (see [`crate::model::ChatId`]). When a payload reveals that a
//! `@lid` id and a phone id are the same party, the lid chat is folded into the phone chat: its
//! messages move over, later events under the lid resolve to the phone chat, and the lid stays
//! listed as an alias of the merged chat. A lid later paired with another phone sends later
//! events to that phone's chat; chats of two phones are never merged.

use crate::model::{ChatId, ChatKind, Provider};
use std::collections::HashMap;

/// A chat in the store.
#[derive(Debug, Clone)]
pub struct Chat {
    pub id: ChatId,
    pub name: Option<String>,
    pub provider: Provider,
    /// Time of the latest event in this chat (ms), by arrival.
    pub last_activity_ms: i64,
    /// Seq of the latest event, for ordering chats with equal times.
    pub last_seq: u64,
    /// Messages in arrival order (indexes into the store's message table).
    pub messages: Vec<usize>,
    /// Ids merged into this chat (lids).
    pub aliases: Vec<ChatId>,
    /// Set on a lid chat merged into another chat.
    pub merged_into: Option<usize>,
}

impl Chat {
    pub fn kind(&self) -> ChatKind {
        self.id.kind()
    }

    /// Name if known, else the id's label.
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
    /// The id events under `id` belong to, after lid merges.
    pub fn resolve<'a>(&'a self, id: &'a ChatId) -> &'a ChatId {
        self.lid_to_phone.get(id).unwrap_or(id)
    }

    /// The index of the chat for `id`, creating it.
    pub fn get_or_create(&mut self, id: &ChatId, provider: Provider) -> usize {
        let id = self.resolve(id).clone();
        if let Some(&i) = self.by_id.get(&id) {
            return i;
        }
        let i = self.list.len();
        self.list.push(Chat {
            id: id.clone(),
            name: None,
            provider,
            last_activity_ms: 0,
            last_seq: 0,
            messages: Vec::new(),
            aliases: Vec::new(),
            merged_into: None,
        });
        self.by_id.insert(id, i);
        i
    }

    pub fn index_of(&self, id: &ChatId) -> Option<usize> {
        self.by_id.get(self.resolve(id)).copied()
    }

    pub fn get(&self, i: usize) -> &Chat {
        &self.list[i]
    }

    pub fn get_mut(&mut self, i: usize) -> &mut Chat {
        &mut self.list[i]
    }

    /// Chats that are not merged into another, any order.
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

    /// Records that `lid` and `phone` are the same party. Returns `(from, into)` chat indexes
    /// when an existing lid chat has to be folded into the phone chat (the caller moves the
    /// messages, since they live in the message table).
    pub fn learn_lid(
        &mut self,
        lid: &ChatId,
        phone: &ChatId,
        provider: Provider,
    ) -> Option<(usize, usize)> {
        if lid == phone || lid.kind() != ChatKind::Lid || phone.kind() == ChatKind::Lid {
            return None;
        }
        if self.lid_to_phone.get(lid) == Some(phone) {
            return None;
        }
        self.lid_to_phone.insert(lid.clone(), phone.clone());
        let from = *self.by_id.get(lid)?;
        if self.list[from].id != *lid {
            // The lid was folded into another phone's chat before (the account changed number,
            // or a payload lied): later events under the lid go to the new phone, but two phone
            // chats are two parties and never merge. Folding here would move the old number's
            // messages away and leave its chat merged, so new messages in it would be invisible.
            return None;
        }
        let into = self.get_or_create(phone, provider);
        if from == into {
            return None;
        }
        let moved = std::mem::take(&mut self.list[from].messages);
        let from_chat = &self.list[from];
        let (name, last_ms, last_seq) = (
            from_chat.name.clone(),
            from_chat.last_activity_ms,
            from_chat.last_seq,
        );
        self.list[from].merged_into = Some(into);
        let target = &mut self.list[into];
        target.aliases.push(lid.clone());
        target.messages.extend(moved);
        target.messages.sort_unstable();
        if target.name.is_none() {
            target.name = name;
        }
        if last_seq > target.last_seq {
            target.last_seq = last_seq;
            target.last_activity_ms = last_ms;
        }
        self.by_id.insert(lid.clone(), into);
        Some((from, into))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> ChatId {
        ChatId::parse(s).unwrap()
    }

    #[test]
    fn lid_chats_merge_into_the_phone_chat() {
        let mut chats = Chats::default();
        let lid = chats.get_or_create(&id("777@lid"), Provider::Waha);
        chats.get_mut(lid).messages.push(0);
        chats.get_mut(lid).name = Some("Gerald".into());
        let (from, into) = chats
            .learn_lid(&id("777@lid"), &id("5511@c.us"), Provider::Waha)
            .unwrap();
        assert_eq!(from, lid);
        assert_eq!(chats.get(into).messages, vec![0]);
        assert_eq!(chats.get(into).name.as_deref(), Some("Gerald"));
        assert_eq!(chats.index_of(&id("777@lid")), Some(into));
        assert_eq!(chats.live().count(), 1);
        assert_eq!(chats.get_or_create(&id("777@lid"), Provider::Waha), into);
    }

    /// Found by `tests/fuzz_normalizer.rs`: a lid paired with a second phone folded the first
    /// phone's chat into the second one, leaving a merged chat that new messages still went to.
    #[test]
    fn a_lid_paired_with_another_phone_never_merges_two_phone_chats() {
        let mut chats = Chats::default();
        chats.get_or_create(&id("98765432109876@lid"), Provider::Instance);
        let (_, first) = chats
            .learn_lid(
                &id("98765432109876@lid"),
                &id("644@c.us"),
                Provider::Instance,
            )
            .unwrap();
        chats.get_mut(first).messages.push(0);
        assert_eq!(
            chats.learn_lid(
                &id("98765432109876@lid"),
                &id("wamid.X@c.us"),
                Provider::Instance
            ),
            None
        );
        assert_eq!(chats.get(first).merged_into, None);
        assert_eq!(chats.get(first).messages, vec![0]);
        assert_eq!(chats.index_of(&id("644@c.us")), Some(first));
        // Later events under the lid belong to the second phone.
        let second = chats.get_or_create(&id("98765432109876@lid"), Provider::Instance);
        assert_eq!(chats.get(second).id, id("wamid.X@c.us"));
        assert_eq!(chats.live().count(), 2);
    }
}
