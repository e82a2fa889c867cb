//! Typed handles into the store: a chat slot ([`ChatIx`]), a message handle ([`MessageIx`]) and
//! an event id ([`EventIx`]). All three were bare `usize`s, and nothing stopped an event id
//! being passed where a message handle was meant; as distinct types, a handle of one kind can't
//! be passed as another. Message handles and event ids are never reused (an evicted one finds
//! nothing, see the [store docs](super)); a removed chat's slot is, though not before a consumer
//! that asked was told (see [`Store::report_evictions`](super::Store::report_evictions)).
//!
//! Only the store makes handles (the constructors are crate-private): a handle outside it was
//! handed out by it. [`ChatIx`] is not [`ChatId`](crate::model::ChatId), the WhatsApp chat id.
//!
//! Core module: pure.

/// A chat's slot in the chat table ([`Chats`](super::chats::Chats)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChatIx(usize);

/// A message's handle: the position it was created at in the message table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageIx(usize);

/// An event's id: its arrival number among all events applied to the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventIx(usize);

macro_rules! handle {
    ($t:ident) => {
        impl $t {
            #[inline]
            pub(crate) const fn new(index: usize) -> $t {
                $t(index)
            }

            /// The raw number, for arithmetic, packing and display.
            #[inline]
            pub const fn index(self) -> usize {
                self.0
            }
        }
    };
}

handle!(ChatIx);
handle!(MessageIx);
handle!(EventIx);

/// The ids of a run of events, `start` up to `end` exclusive: a `Range<EventIx>` that can be
/// iterated (`Range` iterates only over std's own integer types). Not `Copy`, like `Range`: a
/// copied iterator advanced in place of the original is an easy mistake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventIxRange {
    pub start: EventIx,
    pub end: EventIx,
}

impl EventIxRange {
    pub fn contains(&self, id: &EventIx) -> bool {
        self.start <= *id && *id < self.end
    }

    pub fn is_empty(&self) -> bool {
        self.start >= self.end
    }
}

impl Iterator for EventIxRange {
    type Item = EventIx;

    #[inline]
    fn next(&mut self) -> Option<EventIx> {
        if self.start >= self.end {
            return None;
        }
        let id = self.start;
        self.start.0 += 1;
        Some(id)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.end.0.saturating_sub(self.start.0);
        (n, Some(n))
    }
}

impl DoubleEndedIterator for EventIxRange {
    #[inline]
    fn next_back(&mut self) -> Option<EventIx> {
        if self.start >= self.end {
            return None;
        }
        self.end.0 -= 1;
        Some(self.end)
    }
}

impl ExactSizeIterator for EventIxRange {}

impl std::iter::FusedIterator for EventIxRange {}

macro_rules! display {
    ($t:ident) => {
        /// The raw number, as diagnostics have always shown it.
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

display!(ChatIx);
display!(MessageIx);
display!(EventIx);
