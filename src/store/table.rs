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
use super::{EventIx, MessageIx};
use std::collections::{HashMap, VecDeque};

/// A message moved to the back: its handle and when it was moved (an event id).
#[derive(Debug, Clone, Copy)]
struct Moved {
    handle: MessageIx,
    placed: EventIx,
}

/// The event ids that created a message and last touched it.
#[derive(Debug, Clone, Copy)]
struct Marks {
    first: EventIx,
    last: EventIx,
}

/// Messages by handle.
#[derive(Debug, Default, Clone)]
pub(super) struct MessageTable {
    list: VecDeque<Message>,
    /// Beside `list`, one for one.
    marks: VecDeque<Marks>,
    /// Position of `list[0]`. A handle is the position its message was created at, so
    /// positions and handles share this numbering.
    base: usize,
    /// Handle → position, for messages moved to the back (handles below `base`).
    by_handle: HashMap<MessageIx, usize>,
    /// Position → handle and placement, for the same messages.
    at: HashMap<usize, Moved>,
}

impl MessageTable {
    /// Handles below this were created before the last eviction: every message created since
    /// has a handle at or above it.
    pub(super) fn base(&self) -> MessageIx {
        MessageIx::new(self.base)
    }

    /// Adds a message, created by event `event`; returns its handle.
    pub(super) fn push(&mut self, m: Message, event: EventIx) -> MessageIx {
        let h = MessageIx::new(self.base + self.list.len());
        self.list.push_back(m);
        self.marks.push_back(Marks {
            first: event,
            last: event,
        });
        h
    }

    /// Notes that event `event` touched message `h`.
    pub(super) fn touch(&mut self, h: MessageIx, event: EventIx) {
        if let Some(p) = self.position(h) {
            if let Some(marks) = self.marks.get_mut(p) {
                marks.last = event;
            }
        }
    }

    #[inline]
    fn position(&self, h: MessageIx) -> Option<usize> {
        if h.index() >= self.base {
            // Positions at or above `base` were handed out as handles unless a moved message
            // took them, and nobody holds a handle that was never handed out.
            Some(h.index() - self.base)
        } else {
            self.by_handle.get(&h).map(|p| p - self.base)
        }
    }

    #[inline]
    pub(super) fn get(&self, h: MessageIx) -> Option<&Message> {
        self.list.get(self.position(h)?)
    }

    #[inline]
    pub(super) fn get_mut(&mut self, h: MessageIx) -> Option<&mut Message> {
        let p = self.position(h)?;
        self.list.get_mut(p)
    }

    /// The handle and placement time (an event id) of the front message.
    pub(super) fn front(&self) -> Option<(MessageIx, EventIx)> {
        let marks = self.marks.front()?;
        Some(match self.at.get(&self.base) {
            Some(moved) => (moved.handle, moved.placed),
            None => (MessageIx::new(self.base), marks.first),
        })
    }

    /// Removes the front message; with its handle and the last event that touched it.
    pub(super) fn pop_front(&mut self) -> Option<(MessageIx, Message, EventIx)> {
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
    pub(super) fn push_moved(&mut self, h: MessageIx, m: Message, last: EventIx, placed: EventIx) {
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
    pub(super) fn iter(&self) -> impl ExactSizeIterator<Item = (MessageIx, &Message)> {
        self.list.iter().enumerate().map(|(i, m)| {
            let p = self.base + i;
            let h = self
                .at
                .get(&p)
                .map_or(MessageIx::new(p), |moved| moved.handle);
            (h, m)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MessageId, Provider};
    use crate::store::ChatIx;

    fn msg(id: &str) -> Message {
        Message::new(Provider::Meta, MessageId::new(id), ChatIx::new(0), 1, 0)
    }

    fn e(id: usize) -> EventIx {
        EventIx::new(id)
    }

    fn ix(handle: usize) -> MessageIx {
        MessageIx::new(handle)
    }

    #[test]
    fn moved_messages_keep_their_handles() {
        let mut t = MessageTable::default();
        let a = t.push(msg("a"), e(0));
        let b = t.push(msg("b"), e(1));
        let c = t.push(msg("c"), e(2));
        assert_eq!((a, b, c), (ix(0), ix(1), ix(2)));
        t.touch(b, e(7));
        // Evict a, keep b by moving it behind c.
        assert_eq!(t.front(), Some((a, e(0))));
        assert_eq!(t.pop_front().unwrap().1.id.as_str(), "a");
        let (h, m, last) = t.pop_front().unwrap();
        assert_eq!((h, last), (b, e(7)));
        t.push_moved(h, m, last, e(9));
        assert!(t.get(a).is_none());
        assert_eq!(t.get(b).unwrap().id.as_str(), "b");
        assert_eq!(t.get(c).unwrap().id.as_str(), "c");
        let d = t.push(msg("d"), e(10));
        assert_eq!(
            d,
            ix(4),
            "position 3 went to the moved message, never as a handle"
        );
        let order: Vec<(MessageIx, &str)> = t.iter().map(|(h, m)| (h, m.id.as_str())).collect();
        assert_eq!(order, vec![(ix(2), "c"), (ix(1), "b"), (ix(4), "d")]);
        assert_eq!(t.moved().count(), 1);
        // Moved again (touched meanwhile), then evicted: its handle finds nothing.
        t.touch(b, e(11));
        t.pop_front();
        assert_eq!(t.front(), Some((b, e(9))));
        let (h, m, last) = t.pop_front().unwrap();
        assert_eq!(last, e(11));
        t.push_moved(h, m, last, e(20));
        assert_eq!(t.get(b).unwrap().id.as_str(), "b");
        t.pop_front();
        assert_eq!(t.front(), Some((b, e(20))));
        assert_eq!(t.pop_front().unwrap().2, e(11));
        assert!(t.get(b).is_none() && t.get(c).is_none() && t.get(d).is_none());
        assert_eq!(t.moved().count(), 0);
        assert!(t.get(ix(99)).is_none());
    }
}
