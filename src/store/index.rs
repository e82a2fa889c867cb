//! Message lookup by provider and bare message id.
//!
//! A map from a keyed 64-bit hash of `(provider, bare id)` to the message's handle, with the id
//! itself checked against the message on every lookup. Keeping 12 bytes per message instead of
//! a second copy of every id string saves memory, and — more visibly — growing the map never
//! re-hashes or touches the id strings: with a million messages, a string-keyed map froze the
//! screen for a fifth of a second each time it doubled. Two different ids with the same 64-bit
//! hash (vanishingly rare; the hash keys are random per run, so it cannot be forced from outside)
//! go to a small string-keyed overflow map.
//!
//! Core module: pure.

use super::message::Message;
use super::table::MessageTable;
use super::{MessageIx, Origin};
use std::collections::hash_map::Entry;
use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

/// The keys are already uniformly distributed hashes: use them as they are.
#[derive(Default)]
struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys are hashed; this keeps the hasher total anyway.
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Finds messages by `(provider and account, bare id)`.
#[derive(Default, Clone)]
pub(super) struct MessageIndex {
    keys: RandomState,
    primary: HashMap<u64, u32, BuildHasherDefault<Identity>>,
    overflow: HashMap<(Origin, String), MessageIx>,
}

impl std::fmt::Debug for MessageIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageIndex")
            .field("messages", &(self.primary.len() + self.overflow.len()))
            .finish()
    }
}

impl MessageIndex {
    fn hash(&self, origin: Origin, bare: &str) -> u64 {
        self.keys.hash_one((origin, bare))
    }

    fn is(m: &Message, origin: Origin, bare: &str) -> bool {
        m.origin() == origin && m.id.bare() == bare
    }

    /// The message with this origin and bare id.
    pub(super) fn get(
        &self,
        origin: Origin,
        bare: &str,
        messages: &MessageTable,
    ) -> Option<MessageIx> {
        let h = self.hash(origin, bare);
        match self.primary.get(&h) {
            Some(&i)
                if messages
                    .get(MessageIx::new(i as usize))
                    .is_some_and(|m| Self::is(m, origin, bare)) =>
            {
                Some(MessageIx::new(i as usize))
            }
            // A colliding id, a handle past 32 bits, or a primary entry removed while a
            // colliding one stayed in the overflow.
            _ if !self.overflow.is_empty() => {
                self.overflow.get(&(origin, bare.to_owned())).copied()
            }
            _ => None,
        }
    }

    /// Records message `i` (with this provider and bare id, not indexed yet).
    pub(super) fn insert(&mut self, origin: Origin, bare: &str, i: MessageIx) {
        let h = self.hash(origin, bare);
        match (self.primary.entry(h), u32::try_from(i.index())) {
            (Entry::Vacant(v), Ok(slot)) => {
                v.insert(slot);
            }
            _ => {
                self.overflow.insert((origin, bare.to_owned()), i);
            }
        }
    }

    /// Forgets message `i` (evicted), if it is the one indexed under this id.
    pub(super) fn remove(&mut self, origin: Origin, bare: &str, i: MessageIx) {
        let h = self.hash(origin, bare);
        if let Entry::Occupied(o) = self.primary.entry(h) {
            if *o.get() as usize == i.index() && u32::try_from(i.index()).is_ok() {
                o.remove();
                return;
            }
        }
        if !self.overflow.is_empty() {
            let k = (origin, bare.to_owned());
            if self.overflow.get(&k) == Some(&i) {
                self.overflow.remove(&k);
            }
        }
    }

    /// Ids indexed.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.primary.len() + self.overflow.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MessageId, Provider};
    use crate::store::ChatIx;

    fn ix(handle: usize) -> MessageIx {
        MessageIx::new(handle)
    }

    fn o(p: Provider) -> Origin {
        Origin {
            provider: p,
            account: 0,
        }
    }

    #[test]
    fn the_same_id_in_two_accounts_is_two_messages() {
        let mut messages = MessageTable::default();
        let mut idx = MessageIndex::default();
        for account in [1, 2] {
            let mut m = Message::new(Provider::Waha, MessageId::new("AAA"), ChatIx::new(0), 0, 0);
            m.account = account;
            let i = messages.push(m, crate::store::EventIx::new(0));
            idx.insert(
                Origin {
                    provider: Provider::Waha,
                    account,
                },
                "AAA",
                i,
            );
        }
        let at = |account| Origin {
            provider: Provider::Waha,
            account,
        };
        assert_eq!(idx.get(at(1), "AAA", &messages), Some(ix(0)));
        assert_eq!(idx.get(at(2), "AAA", &messages), Some(ix(1)));
        assert_eq!(idx.get(at(0), "AAA", &messages), None);
    }

    #[test]
    fn finds_by_provider_and_bare_id_and_survives_collisions() {
        let mut messages = MessageTable::default();
        let mut idx = MessageIndex::default();
        for (p, id) in [
            (Provider::Waha, "false_1@c.us_AAA"),
            (Provider::Meta, "AAA"),
            (Provider::Waha, "BBB"),
        ] {
            let m = Message::new(p, MessageId::new(id), ChatIx::new(0), 0, 0);
            let bare = m.id.bare().to_owned();
            let i = messages.push(m, crate::store::EventIx::new(0));
            idx.insert(o(p), &bare, i);
        }
        assert_eq!(idx.get(o(Provider::Waha), "AAA", &messages), Some(ix(0)));
        assert_eq!(idx.get(o(Provider::Meta), "AAA", &messages), Some(ix(1)));
        assert_eq!(idx.get(o(Provider::Waha), "CCC", &messages), None);
        // Force a collision: the slot of BBB now answers for a different id.
        let h = idx.hash(o(Provider::Waha), "BBB");
        idx.primary.insert(h, 1);
        assert_eq!(idx.get(o(Provider::Waha), "BBB", &messages), None);
        idx.overflow
            .insert((o(Provider::Waha), "BBB".into()), ix(2));
        assert_eq!(idx.get(o(Provider::Waha), "BBB", &messages), Some(ix(2)));
        // Removing the primary entry leaves the colliding one findable.
        idx.remove(o(Provider::Waha), "BBB", ix(1));
        assert_eq!(idx.get(o(Provider::Waha), "BBB", &messages), Some(ix(2)));
        idx.remove(o(Provider::Waha), "BBB", ix(2));
        assert_eq!(idx.get(o(Provider::Waha), "BBB", &messages), None);
        // Removing an id indexed for another message leaves it.
        idx.remove(o(Provider::Meta), "AAA", ix(0));
        assert_eq!(idx.get(o(Provider::Meta), "AAA", &messages), Some(ix(1)));
        assert_eq!(idx.len(), 2);
    }

    #[test]
    fn handles_past_32_bits_are_indexed_too() {
        let mut idx = MessageIndex::default();
        let big = ix(u32::MAX as usize + 7);
        idx.insert(o(Provider::Meta), "X", big);
        assert_eq!(
            idx.overflow.get(&(o(Provider::Meta), "X".to_owned())),
            Some(&big)
        );
        idx.remove(o(Provider::Meta), "X", big);
        assert_eq!(idx.len(), 0);
    }
}
