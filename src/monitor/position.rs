//! Positions in the monitor's two lists, typed so that one can't be taken for the other, nor
//! for a store handle ([`crate::store::ChatIx`], [`crate::store::MessageIx`]): a position
//! changes as the list is filtered, sorted or evicted from; a handle names one chat or message
//! for as long as it is held.

/// A position in the filtered stream ([`super::view::StreamView::rows`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct RowPos(pub usize);

/// A position in the chat list as shown ([`super::Monitor::chat_list`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ChatPos(pub usize);

/// `pos` moved by `delta`, kept inside a list of `len` (0 when it is empty).
pub(super) fn step(pos: usize, delta: isize, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    let next = pos as isize + delta;
    next.clamp(0, len as isize - 1) as usize
}
