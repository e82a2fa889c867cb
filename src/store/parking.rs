//! Events waiting for a message not seen yet, by the message they wait for, with a global
//! arrival order so the oldest can be dropped in O(1) amortised.
//!
//! Each key's queue is in arrival order and only ever loses entries from its front (the oldest
//! overall is also the oldest of its key) or all at once (its message arrived). The global order
//! is a FIFO of `(event row, key)` with lazy deletion: an entry whose row is no longer the front
//! of its key's queue was applied already and is skipped. When such stale entries outnumber the
//! live ones the FIFO is compacted, so it stays within a constant factor of what is parked.
//!
//! Core module: pure.

use super::{EventIx, MsgKey, Parked};
use std::collections::{HashMap, VecDeque};

/// Parked events.
#[derive(Debug, Default, Clone)]
pub(super) struct Parking {
    by_key: HashMap<MsgKey, VecDeque<Parked>>,
    /// Every park, oldest first: the event row and the key it waits under.
    order: VecDeque<(EventIx, MsgKey)>,
    len: usize,
}

impl Parking {
    /// Events parked.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    pub(super) fn park(&mut self, k: MsgKey, p: Parked) {
        self.order.push_back((p.row, k.clone()));
        // Most keys only ever hold one event: room for exactly one, not the four a queue
        // starts with (an event is large, and a hostile sender can park thousands).
        self.by_key
            .entry(k)
            .or_insert_with(|| VecDeque::with_capacity(1))
            .push_back(p);
        self.len += 1;
        if self.order.len() > 2 * self.len + 64 {
            self.compact();
        }
    }

    /// Everything waiting for `k`, oldest first.
    pub(super) fn take(&mut self, k: &MsgKey) -> Option<VecDeque<Parked>> {
        let waiting = self.by_key.remove(k)?;
        self.len -= waiting.len();
        Some(waiting)
    }

    /// Removes and returns the oldest parked event.
    pub(super) fn pop_oldest(&mut self) -> Option<Parked> {
        while let Some((row, k)) = self.order.pop_front() {
            if let Some(p) = self.remove_front(row, &k) {
                return Some(p);
            }
        }
        None
    }

    /// Removes every parked event whose row is older than `row`; returns how many.
    pub(super) fn drop_before(&mut self, row: EventIx) -> usize {
        let mut dropped = 0;
        while self.order.front().is_some_and(|(r, _)| *r < row) {
            let (r, k) = self.order.pop_front().expect("checked");
            dropped += usize::from(self.remove_front(r, &k).is_some());
        }
        dropped
    }

    /// The entry for `row` under `k`, if it is still parked (then it is the front of its queue).
    fn remove_front(&mut self, row: EventIx, k: &MsgKey) -> Option<Parked> {
        let queue = self.by_key.get_mut(k)?;
        if queue.front().is_none_or(|p| p.row != row) {
            return None;
        }
        let p = queue.pop_front();
        if queue.is_empty() {
            self.by_key.remove(k);
        }
        self.len -= 1;
        p
    }

    /// Forgets FIFO entries of events no longer parked.
    fn compact(&mut self) {
        let by_key = &self.by_key;
        self.order.retain(|(row, k)| {
            by_key
                .get(k)
                .is_some_and(|q| q.binary_search_by_key(row, |p| p.row).is_ok())
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Event, Kind, Provider};

    fn parked(row: usize) -> Parked {
        Parked {
            seq: row as u64,
            at_ms: 0,
            event: Event::new(Kind::Status, "s"),
            row: EventIx::new(row),
        }
    }

    fn key(id: &str) -> MsgKey {
        let origin = crate::store::Origin {
            provider: Provider::Meta,
            account: 0,
        };
        (origin, id.to_owned())
    }

    #[test]
    fn the_oldest_still_parked_goes_first() {
        let mut p = Parking::default();
        p.park(key("a"), parked(1));
        p.park(key("b"), parked(2));
        p.park(key("a"), parked(3));
        p.park(key("c"), parked(4));
        // a's message arrived: 1 and 3 are applied, their FIFO entries are stale.
        assert_eq!(p.take(&key("a")).unwrap().len(), 2);
        assert_eq!(p.len(), 2);
        assert_eq!(p.pop_oldest().unwrap().row, EventIx::new(2));
        p.park(key("a"), parked(5));
        assert_eq!(
            p.drop_before(EventIx::new(5)),
            1,
            "4 is older than 5; 1 and 3 are gone"
        );
        assert_eq!(p.len(), 1);
        assert_eq!(p.pop_oldest().unwrap().row, EventIx::new(5));
        assert!(p.pop_oldest().is_none());
        assert_eq!(p.len(), 0);
    }

    /// Parking and unparking forever (orphan acks answered at once) keeps the FIFO small.
    #[test]
    fn stale_entries_do_not_pile_up() {
        let mut p = Parking::default();
        p.park(key("old"), parked(0));
        for row in 1..10_000 {
            let k = key(&row.to_string());
            p.park(k.clone(), parked(row));
            p.take(&k);
        }
        assert_eq!(p.len(), 1);
        assert!(p.order.len() < 200, "{} FIFO entries", p.order.len());
        assert_eq!(p.pop_oldest().unwrap().row, EventIx::new(0));
    }
}
