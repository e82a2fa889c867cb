//! How recorded requests reach the consumer (the screen or the headless printer) without the
//! receiver ever waiting for it.
//!
//! The receiver answers as soon as a request is in the capture file, then offers it to the
//! consumer's bounded channel without waiting ([`Backlog::hand_on`]). When the channel is full
//! (the terminal is not being read, stdout is a blocked pipe, a `--load` is pouring in), the
//! request is not queued in memory: the backlog turns *active*, remembers the lowest capture
//! offset it skipped, and every later request skips the channel too, so nothing piles up. The
//! consumer drains its channel, reads the skipped requests back from the capture file
//! ([`crate::feed`]), and turns the backlog inactive again once it has read everything up to
//! the end of the file. Until then it shows that it is behind, and by how much.
//!
//! Without a capture file there is nothing to read back: the channel is the bounded buffer, and
//! a request that finds it full is dropped from the screen and counted (it was answered, and it
//! is shown as missing, never silently).
//!
//! Offsets are kept per capture file (generation, see [`crate::capture_path`]): when the capture
//! is deleted or moved and reopened, the consumer reads each file's skipped requests from that
//! file only, oldest file first; those left in a file it can no longer open are counted as not
//! shown ([`Backlog::abandon`]).
//!
//! The state sits behind one mutex, taken once per request for a few instructions: a skip and
//! the consumer's "caught up" decision must not interleave, or a request skipped at that moment
//! would be read by nobody.
//!
//! Edge-neutral: no I/O here.

use crate::ingest::Item;
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use tokio::sync::mpsc::{self, error::TrySendError};
use tokio::sync::Notify;

#[derive(Debug, Default)]
struct State {
    /// Requests skip the channel and are read back from the capture.
    active: bool,
    /// Lowest offset skipped in each capture file since the consumer last looked.
    resume: BTreeMap<u32, u64>,
    /// Requests skipped in all (read back later).
    skipped: u64,
    /// Requests dropped from the screen for want of a capture file.
    dropped: u64,
    /// Requests the consumer read back from the capture.
    caught: u64,
    /// Skipped requests left in a capture file that was deleted or moved before they were read.
    lost: u64,
    /// Skipped and caught, per capture file still being read back.
    by_file: BTreeMap<u32, (u64, u64)>,
}

impl State {
    fn skip(&mut self, file: u32, offset: u64) {
        let r = self.resume.entry(file).or_insert(offset);
        *r = (*r).min(offset);
        self.skipped += 1;
        self.by_file.entry(file).or_default().0 += 1;
    }
}

/// Shared by the receiver (which skips) and the consumer (which catches up).
#[derive(Debug, Default)]
pub struct Backlog {
    state: Mutex<State>,
    /// Wakes a consumer waiting on its empty channel when requests start to skip it.
    activated: Notify,
}

/// What [`Backlog::hand_on`] did with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handed {
    /// In the consumer's channel.
    Sent,
    /// In the capture file only; the consumer reads it back.
    Skipped,
    /// Not recorded and the channel full: not shown (counted).
    Dropped,
    /// The consumer is gone (quitting).
    Closed,
}

impl Backlog {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Offers `ing` to the consumer without waiting.
    pub fn hand_on(&self, tx: &mpsc::Sender<Item>, ing: Item) -> Handed {
        let mut st = self.lock();
        if st.active {
            if let Some(offset) = ing.capture_offset() {
                st.skip(ing.capture_file(), offset);
                return Handed::Skipped;
            }
        }
        match tx.try_send(ing) {
            Ok(()) => Handed::Sent,
            Err(TrySendError::Closed(_)) => Handed::Closed,
            Err(TrySendError::Full(ing)) => match ing.capture_offset() {
                Some(offset) => {
                    st.skip(ing.capture_file(), offset);
                    if !st.active {
                        st.active = true;
                        self.activated.notify_one();
                    }
                    Handed::Skipped
                }
                None => {
                    st.dropped += 1;
                    Handed::Dropped
                }
            },
        }
    }

    /// For the consumer: whether requests are being skipped.
    pub fn is_active(&self) -> bool {
        self.lock().active
    }

    /// For the consumer: the oldest capture file with requests skipped since it last looked, and
    /// the lowest offset skipped in it.
    pub fn take_resume(&self) -> Option<(u32, u64)> {
        self.lock().resume.pop_first()
    }

    /// For the consumer, having read the capture to its end: turns the backlog inactive unless a
    /// request was skipped since [`Backlog::take_resume`] (then returns where: read on).
    pub fn finish_or_resume(&self) -> Option<(u32, u64)> {
        let mut st = self.lock();
        match st.resume.pop_first() {
            Some(r) => Some(r),
            None => {
                st.active = false;
                None
            }
        }
    }

    /// For the consumer: capture files up to `file` can no longer be read (deleted or moved);
    /// the requests skipped in them and not read back are counted as not shown. How many.
    pub fn abandon(&self, file: u32) -> u64 {
        let mut st = self.lock();
        let mut lost = 0;
        while let Some((&f, &(skipped, caught))) = st.by_file.first_key_value() {
            if f > file {
                break;
            }
            st.by_file.remove(&f);
            lost += skipped.saturating_sub(caught);
        }
        while st.resume.first_key_value().is_some_and(|(&f, _)| f <= file) {
            st.resume.pop_first();
        }
        st.lost += lost;
        lost
    }

    /// Resolves when requests start to skip the channel.
    pub async fn activated(&self) {
        self.activated.notified().await;
    }

    /// For the consumer: `n` requests were read back from capture file `file`.
    pub fn note_caught(&self, file: u32, n: u64) {
        let mut st = self.lock();
        st.caught += n;
        st.by_file.entry(file).or_default().1 += n;
    }

    /// Requests skipped in all, and not shown in all (dropped for want of a capture, or left in
    /// a capture file deleted before they were read back).
    pub fn counts(&self) -> (u64, u64) {
        let st = self.lock();
        (st.skipped, st.dropped + st.lost)
    }

    /// Skipped requests the consumer has not read back yet: how far behind it is.
    pub fn behind(&self) -> u64 {
        let st = self.lock();
        st.skipped.saturating_sub(st.caught + st.lost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::Envelope;
    use std::sync::Arc;

    fn item(seq: u64, offset: Option<u64>) -> Item {
        item_in(0, seq, offset)
    }

    fn item_in(file: u32, seq: u64, offset: Option<u64>) -> Item {
        Item::Request(crate::ingest::Ingest {
            env: Arc::new(Envelope::post(seq, 0, "{}")),
            normalized: crate::provider::normalize_body(b"{}"),
            capture_offset: offset,
            capture_file: file,
            from_load: false,
        })
    }

    #[test]
    fn a_full_channel_turns_the_backlog_active_and_later_requests_skip_it() {
        let b = Backlog::default();
        let (tx, mut rx) = mpsc::channel(1);
        assert_eq!(b.hand_on(&tx, item(1, Some(100))), Handed::Sent);
        assert_eq!(b.hand_on(&tx, item(2, Some(200))), Handed::Skipped);
        assert!(b.is_active());
        rx.try_recv().unwrap();
        // Room again, but order matters: skipped requests come back from the file first.
        assert_eq!(b.hand_on(&tx, item(3, Some(300))), Handed::Skipped);
        assert_eq!(b.hand_on(&tx, item(4, Some(150))), Handed::Skipped);
        assert_eq!(b.take_resume(), Some((0, 150)));
        assert_eq!(b.finish_or_resume(), None, "nothing skipped since");
        assert!(!b.is_active());
        assert_eq!(b.hand_on(&tx, item(5, Some(400))), Handed::Sent);
        assert_eq!(b.counts(), (3, 0));
    }

    #[test]
    fn a_skip_while_catching_up_keeps_the_consumer_reading() {
        let b = Backlog::default();
        let (tx, _rx) = mpsc::channel(1);
        b.hand_on(&tx, item(1, Some(100)));
        b.hand_on(&tx, item(2, Some(200)));
        assert_eq!(b.take_resume(), Some((0, 200)));
        b.hand_on(&tx, item(3, Some(300)));
        assert_eq!(b.finish_or_resume(), Some((0, 300)));
        assert!(b.is_active());
    }

    #[test]
    fn each_capture_file_resumes_on_its_own_and_an_abandoned_one_counts_as_not_shown() {
        let b = Backlog::default();
        let (tx, _rx) = mpsc::channel(1);
        b.hand_on(&tx, item_in(0, 1, Some(100)));
        b.hand_on(&tx, item_in(0, 2, Some(900)));
        b.hand_on(&tx, item_in(0, 3, Some(1000)));
        // The capture was reopened: the new file's offsets start small again.
        b.hand_on(&tx, item_in(1, 4, Some(40)));
        assert_eq!(b.take_resume(), Some((0, 900)), "the old file first");
        b.note_caught(0, 1);
        assert_eq!(b.behind(), 2);
        assert_eq!(b.abandon(0), 1, "one left in the old file");
        assert_eq!(b.counts(), (3, 1));
        assert_eq!(b.behind(), 1);
        assert_eq!(b.take_resume(), Some((1, 40)), "the new file's own offset");
        b.note_caught(1, 1);
        assert_eq!(b.behind(), 0);
        assert_eq!(b.finish_or_resume(), None);
    }

    #[test]
    fn without_a_capture_a_full_channel_drops_and_counts() {
        let b = Backlog::default();
        let (tx, _rx) = mpsc::channel(1);
        assert_eq!(b.hand_on(&tx, item(1, None)), Handed::Sent);
        assert_eq!(b.hand_on(&tx, item(2, None)), Handed::Dropped);
        assert!(!b.is_active());
        assert_eq!(b.counts(), (0, 1));
    }
}
