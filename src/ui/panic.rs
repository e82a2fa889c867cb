//! The screen's panic hook: a panic on the screen's own thread restores the terminal before the
//! message is printed; a panic anywhere else is only logged.
//!
//! Other threads panic without ending the screen: tokio catches a panic in a request handler
//! (that request fails, the receiver goes on), and the loader runs on a blocking thread whose
//! panic only ends the load. Restoring the terminal then would drop raw mode and the alternate
//! screen under a screen that keeps drawing, and printing the message would scribble over it.
//! So those panics go to the log (the screen never shows logs; see `crate::logging`).
//!
//! Edge module.

use std::any::Any;
use std::thread::ThreadId;

/// What the hook does about one panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanicAction {
    /// The screen's thread is unwinding: give the terminal back, then print as usual.
    RestoreTerminal,
    /// Another thread: log it, leave the screen alone.
    Log,
}

/// The action for a panic on thread `here`, when the screen runs on thread `ui`.
pub fn action(ui: ThreadId, here: ThreadId) -> PanicAction {
    if ui == here {
        PanicAction::RestoreTerminal
    } else {
        PanicAction::Log
    }
}

/// The text a panic was raised with (`panic!("...")` gives a `&str` or a `String`).
pub fn message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(a panic without a message)")
}

/// Installs the hook for a screen running on the calling thread. `restore` gives the terminal
/// back; the hook installed before (ratatui's, which restores raw mode and the alternate screen,
/// then the default printer) runs after it, for the screen's thread only.
pub fn install(restore: impl Fn() + Send + Sync + 'static) {
    let ui = std::thread::current().id();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let here = std::thread::current();
        match action(ui, here.id()) {
            PanicAction::RestoreTerminal => {
                restore();
                previous(info);
            }
            PanicAction::Log => {
                let at = info
                    .location()
                    .map_or_else(String::new, |l| format!(" at {l}"));
                tracing::error!(
                    "panic on thread {}: {}{at}",
                    here.name().unwrap_or("unnamed"),
                    message(info.payload())
                );
            }
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_screens_thread_restores_the_terminal() {
        let ui = std::thread::current().id();
        assert_eq!(action(ui, ui), PanicAction::RestoreTerminal);
        let worker = std::thread::spawn(|| std::thread::current().id())
            .join()
            .unwrap();
        assert_eq!(action(ui, worker), PanicAction::Log);
        assert_eq!(action(worker, ui), PanicAction::Log);
    }

    #[test]
    fn the_panic_text_is_found_in_either_payload() {
        let s: Box<dyn Any + Send> = Box::new("static text");
        assert_eq!(message(s.as_ref()), "static text");
        let s: Box<dyn Any + Send> = Box::new(format!("formatted {}", 7));
        assert_eq!(message(s.as_ref()), "formatted 7");
        let s: Box<dyn Any + Send> = Box::new(42u8);
        assert_eq!(message(s.as_ref()), "(a panic without a message)");
    }

    /// The payload a real panic on another thread carries reaches `message` intact.
    #[test]
    fn a_panic_on_another_thread_is_described() {
        let payload = std::thread::spawn(|| panic!("worker {} failed", 3))
            .join()
            .unwrap_err();
        assert_eq!(message(payload.as_ref()), "worker 3 failed");
    }
}
