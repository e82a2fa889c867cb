//! Message lookup by provider and bare message id.
//!
//! A map from a keyed 64-bit hash of `(provider, bare id)` to the message's index, with the id
//! itself checked against the message on every lookup. Keeping 12 bytes per message instead of
//! a second copy of every id string saves memory, and — more visibly — growing the map never
//! re-hashes or touches the id strings: with a million messages, a string-keyed map froze the
//! screen for a fifth of a second each time it doubled. Two different ids with the same 64-bit
//! hash (vanishingly rare; the hash keys are random per run, so it cannot be forced from outside)
//! go to a small string-keyed overflow map.
//!
//! Core module: pure.

use super::message::Message;
use crate::model::Provider;
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

/// Finds messages by `(provider, bare id)`.
#[derive(Default, Clone)]
pub(super) struct MessageIndex {
    keys: RandomState,
    primary: HashMap<u64, u32, BuildHasherDefault<Identity>>,
    overflow: HashMap<(Provider, String), usize>,
}

impl std::fmt::Debug for MessageIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageIndex")
            .field("messages", &(self.primary.len() + self.overflow.len()))
            .finish()
    }
}

impl MessageIndex {
    fn hash(&self, provider: Provider, bare: &str) -> u64 {
        self.keys.hash_one((provider, bare))
    }

    fn is(m: &Message, provider: Provider, bare: &str) -> bool {
        m.provider == provider && m.id.bare() == bare
    }

    /// The message with this provider and bare id.
    pub(super) fn get(
        &self,
        provider: Provider,
        bare: &str,
        messages: &[Message],
    ) -> Option<usize> {
        let h = self.hash(provider, bare);
        match self.primary.get(&h) {
            Some(&i) if Self::is(&messages[i as usize], provider, bare) => Some(i as usize),
            Some(_) => self.overflow.get(&(provider, bare.to_owned())).copied(),
            None => None,
        }
    }

    /// Records message `i` (with this provider and bare id, not indexed yet).
    pub(super) fn insert(&mut self, provider: Provider, bare: &str, i: usize) {
        let h = self.hash(provider, bare);
        let slot = u32::try_from(i).unwrap_or(u32::MAX);
        if let std::collections::hash_map::Entry::Vacant(v) = self.primary.entry(h) {
            v.insert(slot);
        } else {
            self.overflow.insert((provider, bare.to_owned()), i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MessageId;

    #[test]
    fn finds_by_provider_and_bare_id_and_survives_collisions() {
        let mut messages = Vec::new();
        let mut idx = MessageIndex::default();
        for (i, (p, id)) in [
            (Provider::Waha, "false_1@c.us_AAA"),
            (Provider::Meta, "AAA"),
            (Provider::Waha, "BBB"),
        ]
        .into_iter()
        .enumerate()
        {
            let m = Message::new(p, MessageId::new(id), 0, i as u64, 0);
            idx.insert(p, m.id.bare(), i);
            messages.push(m);
        }
        assert_eq!(idx.get(Provider::Waha, "AAA", &messages), Some(0));
        assert_eq!(idx.get(Provider::Meta, "AAA", &messages), Some(1));
        assert_eq!(idx.get(Provider::Waha, "CCC", &messages), None);
        // Force a collision: the slot of BBB now answers for a different id.
        let h = idx.hash(Provider::Waha, "BBB");
        idx.primary.insert(h, 1);
        assert_eq!(idx.get(Provider::Waha, "BBB", &messages), None);
        idx.overflow.insert((Provider::Waha, "BBB".into()), 2);
        assert_eq!(idx.get(Provider::Waha, "BBB", &messages), Some(2));
    }
}
