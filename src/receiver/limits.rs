//! How long a client may take and how much it may hold: the receiver's timeouts and caps, and
//! the shared budget of body bytes being received.
//!
//! The defaults are far from anything a webhook sender does (a provider sends its headers and
//! body at once, from a server, in well under a second), and close enough that 1,100 idle or
//! byte-a-second connections, or a hundred stalled 8 MiB bodies, cannot starve a real webhook or
//! the laptop:
//!
//! | limit | default | what happens |
//! |---|---|---|
//! | idle timeout | 60 s | a connection with no request in progress and no byte of a new one is closed |
//! | header timeout | 10 s | a request's headers must be complete this long after its first byte, or the connection is closed |
//! | body timeout | 30 s | the whole body must arrive this long after the headers: 408, recorded as `rejected` |
//! | max connections | 512 | at the cap, the connection waiting longest for a request is closed to make room; never more than the file-descriptor limit allows |
//! | max buffered | 64 MiB | body bytes held across all requests being received or recorded; past it, 503 with `Retry-After`, recorded as `rejected` |

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The receiver's timeouts and caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub idle_timeout: Duration,
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    /// Concurrent connections (lowered further to fit the file-descriptor limit at start).
    pub max_connections: usize,
    /// Body bytes held across all requests.
    pub max_buffered: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            idle_timeout: Duration::from_secs(60),
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            max_connections: 512,
            max_buffered: 64 * 1024 * 1024,
        }
    }
}

/// The body bytes held across all requests, against [`Limits::max_buffered`].
#[derive(Debug)]
pub struct BodyBudget {
    used: AtomicUsize,
    cap: usize,
}

impl BodyBudget {
    pub fn new(cap: usize) -> Arc<BodyBudget> {
        Arc::new(BodyBudget {
            used: AtomicUsize::new(0),
            cap,
        })
    }

    /// Bytes held now.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// An empty hold on the budget, grown by [`Hold::grow`] as a body arrives.
    pub fn hold(self: &Arc<BodyBudget>) -> Hold {
        Hold {
            budget: self.clone(),
            bytes: 0,
        }
    }
}

/// Bytes of one request's body counted against the budget; given back when dropped.
#[derive(Debug)]
pub struct Hold {
    budget: Arc<BodyBudget>,
    bytes: usize,
}

impl Hold {
    /// Counts `n` more bytes; false (and nothing counted) when the budget cannot take them.
    pub fn grow(&mut self, n: usize) -> bool {
        let used = &self.budget.used;
        let mut cur = used.load(Ordering::Relaxed);
        loop {
            let Some(next) = cur.checked_add(n).filter(|&x| x <= self.budget.cap) else {
                return false;
            };
            match used.compare_exchange_weak(cur, next, Ordering::AcqRel, Ordering::Relaxed) {
                Ok(_) => {
                    self.bytes += n;
                    return true;
                }
                Err(now) => cur = now,
            }
        }
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        self.budget.used.fetch_sub(self.bytes, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_count_against_the_cap_and_give_back_on_drop() {
        let b = BodyBudget::new(100);
        let mut a = b.hold();
        assert!(a.grow(60));
        let mut c = b.hold();
        assert!(!c.grow(41), "over the cap");
        assert!(c.grow(40));
        assert_eq!(b.used(), 100);
        drop(a);
        assert_eq!(b.used(), 40);
        drop(c);
        assert_eq!(b.used(), 0);
    }
}
