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
//! The state sits behind one mutex, taken once per request for a few instructions: a skip and
//! the consumer's "caught up" decision must not interleave, or a request skipped at that moment
//! would be read by nobody.
//!
//! Edge-neutral: no I/O here.

use crate::ingest::Ingest;
use std::sync::{Mutex, MutexGuard};
use tokio::sync::mpsc::{self, error::TrySendError};
use tokio::sync::Notify;

#[derive(Debug, Default)]
struct State {
    /// Requests skip the channel and are read back from the capture.
    active: bool,
    /// Lowest capture offset skipped since the consumer last looked.
    resume: Option<u64>,
    /// Requests skipped in all (read back later).
    skipped: u64,
    /// Requests dropped from the screen for want of a capture file.
    dropped: u64,
    /// Requests the consumer read back from the capture.
    caught: u64,
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
    pub fn hand_on(&self, tx: &mpsc::Sender<Ingest>, ing: Ingest) -> Handed {
        let mut st = self.lock();
        if st.active {
            if let Some(offset) = ing.capture_offset {
                st.resume = Some(st.resume.map_or(offset, |r| r.min(offset)));
                st.skipped += 1;
                return Handed::Skipped;
            }
        }
        match tx.try_send(ing) {
            Ok(()) => Handed::Sent,
            Err(TrySendError::Closed(_)) => Handed::Closed,
            Err(TrySendError::Full(ing)) => match ing.capture_offset {
                Some(offset) => {
                    st.resume = Some(st.resume.map_or(offset, |r| r.min(offset)));
                    st.skipped += 1;
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

    /// For the consumer: the lowest offset skipped since the last call, if any.
    pub fn take_resume(&self) -> Option<u64> {
        self.lock().resume.take()
    }

    /// For the consumer, having read the capture to its end: turns the backlog inactive unless a
    /// request was skipped since [`Backlog::take_resume`] (then returns its offset: read on).
    pub fn finish_or_resume(&self) -> Option<u64> {
        let mut st = self.lock();
        match st.resume.take() {
            Some(r) => Some(r),
            None => {
                st.active = false;
                None
            }
        }
    }

    /// Resolves when requests start to skip the channel.
    pub async fn activated(&self) {
        self.activated.notified().await;
    }

    /// For the consumer: `n` requests were read back from the capture.
    pub fn note_caught(&self, n: u64) {
        self.lock().caught += n;
    }

    /// Requests skipped in all, and dropped in all.
    pub fn counts(&self) -> (u64, u64) {
        let st = self.lock();
        (st.skipped, st.dropped)
    }

    /// Skipped requests the consumer has not read back yet: how far behind it is.
    pub fn behind(&self) -> u64 {
        let st = self.lock();
        st.skipped.saturating_sub(st.caught)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::Envelope;
    use std::sync::Arc;

    fn item(seq: u64, offset: Option<u64>) -> Ingest {
        Ingest {
            env: Arc::new(Envelope::post(seq, 0, "{}")),
            normalized: crate::provider::normalize_body(b"{}"),
            capture_offset: offset,
            from_load: false,
        }
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
        assert_eq!(b.take_resume(), Some(150));
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
        assert_eq!(b.take_resume(), Some(200));
        b.hand_on(&tx, item(3, Some(300)));
        assert_eq!(b.finish_or_resume(), Some(300));
        assert!(b.is_active());
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
