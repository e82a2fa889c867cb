//! Counters of what the receiver turned away without recording it as traffic, for the status
//! bar and the log: requests without the token, odd methods, requests too broken to parse,
//! connections closed for taking too long or to make room.

use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};

/// Shared counters; read by the screen, bumped by the receiver.
#[derive(Debug, Default)]
pub struct ReceiverStats {
    /// Requests without the `--token` (answered 404, not captured).
    pub off_token: AtomicU64,
    /// Requests with a method that is neither a webhook nor GET/HEAD (405, not captured).
    pub bad_method: AtomicU64,
    /// Requests the HTTP parser refused (a broken request line, a control byte in a header,
    /// headers too large): answered 400/431 before wamon sees them, so they are counted here.
    pub unparsable: AtomicU64,
    /// Connections closed by the idle or header timeout.
    pub timed_out: AtomicU64,
    /// Connections closed at the connection cap to make room for a new one.
    pub evicted: AtomicU64,
    /// Connections open now.
    pub open: AtomicUsize,
    /// The connection cap in force (after fitting the file-descriptor limit).
    pub cap: AtomicUsize,
}

/// A snapshot of [`ReceiverStats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    pub off_token: u64,
    pub bad_method: u64,
    pub unparsable: u64,
    pub timed_out: u64,
    pub evicted: u64,
    pub open: usize,
    pub cap: usize,
}

impl ReceiverStats {
    pub fn snapshot(&self) -> StatsSnapshot {
        let r = |a: &AtomicU64| a.load(Ordering::Relaxed);
        StatsSnapshot {
            off_token: r(&self.off_token),
            bad_method: r(&self.bad_method),
            unparsable: r(&self.unparsable),
            timed_out: r(&self.timed_out),
            evicted: r(&self.evicted),
            open: self.open.load(Ordering::Relaxed),
            cap: self.cap.load(Ordering::Relaxed),
        }
    }

    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Lets one log line through per second and counts the rest, so a scanner hammering the port
/// cannot flood the log.
#[derive(Debug, Default)]
pub struct LogThrottle {
    last_s: AtomicI64,
    suppressed: AtomicU64,
}

impl LogThrottle {
    /// `Some(n)` when a line may be logged now (`n` lines were held back since the last one).
    pub fn admit(&self, now_ms: i64) -> Option<u64> {
        let s = now_ms / 1000;
        let last = self.last_s.load(Ordering::Relaxed);
        if s != last
            && self
                .last_s
                .compare_exchange(last, s, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        {
            return Some(self.suppressed.swap(0, Ordering::AcqRel));
        }
        self.suppressed.fetch_add(1, Ordering::Relaxed);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_throttle_admits_one_line_a_second_and_counts_the_rest() {
        let t = LogThrottle::default();
        assert_eq!(t.admit(5_000), Some(0));
        assert_eq!(t.admit(5_100), None);
        assert_eq!(t.admit(5_900), None);
        assert_eq!(t.admit(6_000), Some(2));
    }
}
