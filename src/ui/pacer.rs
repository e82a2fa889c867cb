//! When the screen is due for a frame while traffic keeps coming.
//!
//! The event loop polls keys first, then ingest batches, then the frame tick (a biased
//! `select!`, so keys never wait behind traffic). Under traffic that never drains, the ingest
//! branch is ready on every turn and the frame tick would never be polled: the screen would
//! freeze while the store keeps growing. The pacer lets the ingest branch itself draw once a
//! frame interval has passed since the last frame, so drawing gets its turn at `--fps` whatever
//! the traffic.

use std::time::{Duration, Instant};

/// Tracks the last frame drawn and says when the next one is due.
#[derive(Debug, Clone)]
pub struct FramePacer {
    interval: Duration,
    last: Option<Instant>,
}

impl FramePacer {
    /// A pacer for `fps` frames a second (at least one).
    pub fn new(fps: u16) -> FramePacer {
        FramePacer {
            interval: Duration::from_secs_f64(1.0 / f64::from(fps.max(1))),
            last: None,
        }
    }

    /// Whether a frame interval has passed since the last frame (or none was drawn yet).
    pub fn due(&self, now: Instant) -> bool {
        self.last
            .is_none_or(|last| now.saturating_duration_since(last) >= self.interval)
    }

    /// Notes that a frame was drawn at `now`.
    pub fn drawn(&mut self, now: Instant) {
        self.last = Some(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_is_due_once_per_interval_however_often_asked() {
        let mut p = FramePacer::new(20);
        let t0 = Instant::now();
        assert!(p.due(t0), "nothing drawn yet");
        p.drawn(t0);
        // A batch every millisecond: only the one 50 ms later may draw.
        let due: Vec<u64> = (1..=120)
            .filter(|ms| p.due(t0 + Duration::from_millis(*ms)))
            .collect();
        assert_eq!(due.first(), Some(&50));
        p.drawn(t0 + Duration::from_millis(50));
        assert!(!p.due(t0 + Duration::from_millis(99)));
        assert!(p.due(t0 + Duration::from_millis(100)));
    }

    #[test]
    fn zero_fps_still_draws() {
        let p = FramePacer::new(0);
        assert_eq!(p.interval, Duration::from_secs(1));
    }
}
