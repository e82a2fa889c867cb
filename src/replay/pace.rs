//! When each replayed request goes out: the capture's own spacing (`received_at` differences)
//! divided by `--speed`, or none at all with `--speed max`.
//!
//! Times are offsets from the first request rather than pauses between two, so the time a reply
//! takes does not add up over a long replay: a request whose moment has passed goes at once.
//!
//! Core module: pure.

use std::time::Duration;

/// The longest offset: a capture spanning years played slowly must not overflow the clock.
const LONGEST: Duration = Duration::from_secs(366 * 24 * 3600);

/// The offset from the first request of each request received at `received_at_ms` (capture
/// order), at `speed` (`f64::INFINITY`: all at once). A request stamped earlier than the one
/// before it (clocks are not monotonic) goes right after it, never before.
pub fn offsets(received_at_ms: &[i64], speed: f64) -> Vec<Duration> {
    let Some(&first) = received_at_ms.first() else {
        return Vec::new();
    };
    let mut latest = 0i64;
    received_at_ms
        .iter()
        .map(|&t| {
            latest = latest.max(t.saturating_sub(first));
            if !speed.is_finite() {
                return Duration::ZERO;
            }
            Duration::try_from_secs_f64(latest as f64 / 1000.0 / speed)
                .map_or(LONGEST, |d| d.min(LONGEST))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: &[u64]) -> Vec<Duration> {
        v.iter().map(|&m| Duration::from_millis(m)).collect()
    }

    #[test]
    fn speed_one_keeps_the_captured_spacing() {
        let t = [1_000, 1_250, 3_250, 3_250, 10_000];
        assert_eq!(offsets(&t, 1.0), ms(&[0, 250, 2_250, 2_250, 9_000]));
    }

    #[test]
    fn a_faster_speed_divides_it_and_max_removes_it() {
        let t = [1_000, 1_250, 3_250, 10_000];
        assert_eq!(offsets(&t, 10.0), ms(&[0, 25, 225, 900]));
        assert_eq!(offsets(&t, 0.5), ms(&[0, 500, 4_500, 18_000]));
        assert_eq!(offsets(&t, f64::INFINITY), ms(&[0, 0, 0, 0]));
    }

    #[test]
    fn a_request_stamped_earlier_goes_right_after_the_one_before() {
        assert_eq!(
            offsets(&[5_000, 6_000, 5_500, 7_000], 1.0),
            ms(&[0, 1_000, 1_000, 2_000])
        );
        assert_eq!(offsets(&[], 1.0), Vec::<Duration>::new());
    }

    #[test]
    fn huge_gaps_are_capped_rather_than_overflowing() {
        let o = offsets(&[i64::MIN, i64::MAX], 1e-9);
        assert_eq!(o, vec![Duration::ZERO, LONGEST]);
    }
}
