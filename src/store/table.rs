//! The message table: messages by handle, in the order they were placed, with the oldest
//! removable from the front in O(1).
//!
//! A message's handle is the position it was created at, never reused, so a handle held by the
//! screen (a row, the detail pane) either finds its message or finds nothing once it was
//! evicted; it can never find another one. Positions count up from the table's `base` (the
//! position of its front). Eviction pops messages from the front; one that is still in use (a
//! recent event refers to it) is moved to the back instead, keeping its handle through the
//! `moved` map. Placement times only grow from front to back, so "placed before event E" is
//! always a prefix of the table.
//!
//! Which events created and last touched each message is kept beside the messages, not in them:
//! eviction is the only reader, and the screen's row filters, which read every message, keep
//! their cache lines to what they look at.
//!
//! Core module: pure.

use super::message::Message;
use std::collections::{HashMap, VecDeque};

/// A message moved to the back: its handle and when it was moved (an event id).
#[derive(Debug, Clone, Copy)]
struct Moved {
    handle: usize,
    placed: usize,
}

/// The event ids that created a message and last touched it.
#[derive(Debug, Clone, Copy)]
struct Marks {
    first: usize,
    last: usize,
}

/// Messages by handle.
#[derive(Debug, Default, Clone)]
pub(super) struct MessageTable {
    list: VecDeque<Message>,
    /// Beside `list`, one for one.
    marks: VecDeque<Marks>,
    /// Position of `list[0]`.
    base: usize,
    /// Handle → position, for messages moved to the back (handles below `base`).
    by_handle: HashMap<usize, usize>,
    /// Position → handle and placement, for the same messages.
    at: HashMap<usize, Moved>,
}

impl MessageTable {
    /// Handles below this were created before the last eviction: every message created since
    /// has a handle at or above it.
    pub(super) fn base(&self) -> usize {
        self.base
    }

    /// Adds a message, created by event `event`; returns its handle.
    pub(super) fn push(&mut self, m: Message, event: usize) -> usize {
        let h = self.base + self.list.len();
        self.list.push_back(m);
        self.marks.push_back(Marks {
            first: event,
            last: event,
        });
        h
    }

    /// Notes that event `event` touched message `h`.
    pub(super) fn touch(&mut self, h: usize, event: usize) {
        if let Some(p) = self.position(h) {
            if let Some(marks) = self.marks.get_mut(p) {
                marks.last = event;
            }
        }
    }

    #[inline]
    fn position(&self, h: usize) -> Option<usize> {
        if h >= self.base {
            // Positions at or above `base` were handed out as handles unless a moved message
            // took them, and nobody holds a handle that was never handed out.
            Some(h - self.base)
        } else {
            self.by_handle.get(&h).map(|p| p - self.base)
        }
    }

    #[inline]
    pub(super) fn get(&self, h: usize) -> Option<&Message> {
        self.list.get(self.position(h)?)
    }

    #[inline]
    pub(super) fn get_mut(&mut self, h: usize) -> Option<&mut Message> {
        let p = self.position(h)?;
        self.list.get_mut(p)
    }

    /// The handle and placement time (an event id) of the front message.
    pub(super) fn front(&self) -> Option<(usize, usize)> {
        let marks = self.marks.front()?;
        Some(match self.at.get(&self.base) {
            Some(moved) => (moved.handle, moved.placed),
            None => (self.base, marks.first),
        })
    }

    /// Removes the front message; with its handle and the last event that touched it.
    pub(super) fn pop_front(&mut self) -> Option<(usize, Message, usize)> {
        let (h, _) = self.front()?;
        if self.at.remove(&self.base).is_some() {
            self.by_handle.remove(&h);
        }
        self.base += 1;
        let marks = self.marks.pop_front()?;
        Some((h, self.list.pop_front()?, marks.last))
    }

    /// Puts message `h` (just popped, last touched by event `last`) back at the end, placed at
    /// event `placed`.
    pub(super) fn push_moved(&mut self, h: usize, m: Message, last: usize, placed: usize) {
        let p = self.base + self.list.len();
        self.list.push_back(m);
        self.marks.push_back(Marks { first: last, last });
        self.by_handle.insert(h, p);
        self.at.insert(p, Moved { handle: h, placed });
    }

    /// Messages created before the last eviction that are still here.
    pub(super) fn moved(&self) -> impl Iterator<Item = &Message> {
        self.by_handle.values().map(|p| &self.list[p - self.base])
    }

    /// Every message with its handle, in placement order.
    pub(super) fn iter(&self) -> impl ExactSizeIterator<Item = (usize, &Message)> {
        self.list.iter().enumerate().map(|(i, m)| {
            let p = self.base + i;
            (self.at.get(&p).map_or(p, |moved| moved.handle), m)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MessageId, Provider};

    fn msg(id: &str) -> Message {
        Message::new(Provider::Meta, MessageId::new(id), 0, 1, 0)
    }

    #[test]
    fn moved_messages_keep_their_handles() {
        let mut t = MessageTable::default();
        let a = t.push(msg("a"), 0);
        let b = t.push(msg("b"), 1);
        let c = t.push(msg("c"), 2);
        assert_eq!((a, b, c), (0, 1, 2));
        t.touch(b, 7);
        // Evict a, keep b by moving it behind c.
        assert_eq!(t.front(), Some((a, 0)));
        assert_eq!(t.pop_front().unwrap().1.id.as_str(), "a");
        let (h, m, last) = t.pop_front().unwrap();
        assert_eq!((h, last), (b, 7));
        t.push_moved(h, m, last, 9);
        assert!(t.get(a).is_none());
        assert_eq!(t.get(b).unwrap().id.as_str(), "b");
        assert_eq!(t.get(c).unwrap().id.as_str(), "c");
        let d = t.push(msg("d"), 10);
        assert_eq!(
            d, 4,
            "position 3 went to the moved message, never as a handle"
        );
        let order: Vec<(usize, &str)> = t.iter().map(|(h, m)| (h, m.id.as_str())).collect();
        assert_eq!(order, vec![(2, "c"), (1, "b"), (4, "d")]);
        assert_eq!(t.moved().count(), 1);
        // Moved again (touched meanwhile), then evicted: its handle finds nothing.
        t.touch(b, 11);
        t.pop_front();
        assert_eq!(t.front(), Some((b, 9)));
        let (h, m, last) = t.pop_front().unwrap();
        assert_eq!(last, 11);
        t.push_moved(h, m, last, 20);
        assert_eq!(t.get(b).unwrap().id.as_str(), "b");
        t.pop_front();
        assert_eq!(t.front(), Some((b, 20)));
        assert_eq!(t.pop_front().unwrap().2, 11);
        assert!(t.get(b).is_none() && t.get(c).is_none() && t.get(d).is_none());
        assert_eq!(t.moved().count(), 0);
        assert!(t.get(99).is_none());
    }
}
