//! Containing panics at the decode boundary.
//!
//! Every field of a message is validated before Penumbra's conversions see it
//! ([`crate::validate`]), so no dependency's `expect` should be reachable. This is the second
//! line: if one is reached anyway, the panic becomes the refusal of that one message (naming
//! where it happened), the ceremony goes on, and nothing is printed over a terminal UI.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use crate::excerpt::bounded;

// With panic = "abort" nothing could be contained, and a hostile message would end the program.
#[cfg(panic = "abort")]
compile_error!("hoarfrost contains panics at the decode boundary: build with panic = \"unwind\"");

thread_local! {
    /// How many [`contain`] calls are running on this thread (they may nest).
    static DEPTH: Cell<usize> = const { Cell::new(0) };
    /// Where the last contained panic on this thread happened, recorded by the hook.
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// A panic caught by [`contain`]: its message and where it happened, both short and one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contained {
    pub message: String,
    pub location: Option<String>,
}

impl std::fmt::Display for Contained {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a dependency panicked ({}", self.message)?;
        if let Some(location) = &self.location {
            write!(f, " at {location}")?;
        }
        f.write_str(")")
    }
}

/// Installs, once per process, a panic hook that is silent for panics being contained on the
/// current thread and hands every other panic to the hook installed before it. A front end
/// that installs its own hook (the TUI restores the terminal in it) calls this first, and its
/// hook skips its work when [`is_containing`] is true.
pub fn install_quiet_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if is_containing() {
                LOCATION.with(|l| *l.borrow_mut() = info.location().map(short_location));
            } else {
                previous(info);
            }
        }));
    });
}

/// Whether a panic raised now on this thread would be contained.
pub fn is_containing() -> bool {
    DEPTH.with(|d| d.get() > 0)
}

/// Runs `f`, turning a panic inside it into `Err`. Nothing is printed for a contained panic.
pub fn contain<T>(f: impl FnOnce() -> T) -> Result<T, Contained> {
    install_quiet_hook();
    DEPTH.with(|d| d.set(d.get() + 1));
    // Whatever `f` touched is dropped with it on a panic: the caller only sees the refusal.
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    DEPTH.with(|d| d.set(d.get() - 1));
    result.map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".into());
        Contained {
            message: bounded(&message, 80),
            location: LOCATION.with(|l| l.borrow_mut().take()),
        }
    })
}

/// `crate-1.2.3/src/file.rs:10`: a dependency's path from its crate folder (without the home
/// folder and registry), or the last three components of any other path.
fn short_location(location: &std::panic::Location<'_>) -> String {
    let parts: Vec<&str> = location.file().split(['/', '\\']).collect();
    let start = match parts.iter().position(|p| *p == "registry") {
        // .../registry/src/<index>/<crate>-<version>/src/file.rs
        Some(registry) if registry + 3 < parts.len() => registry + 3,
        _ => parts.len().saturating_sub(3),
    };
    format!("{}:{}", parts[start..].join("/"), location.line())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_with_message_and_place() {
        let line = line!() + 1;
        let caught = contain(|| -> u8 { panic!("randomizer malformed") }).unwrap_err();
        assert_eq!(caught.message, "randomizer malformed");
        let location = caught.location.expect("the hook records where");
        assert!(location.ends_with(&format!(":{line}")), "{location}");
        assert!(location.contains("contain.rs"), "{location}");
    }

    #[test]
    fn no_panic_passes_the_value_through_and_nesting_unwinds_to_the_inner_call() {
        assert_eq!(contain(|| 7), Ok(7));
        let outer = contain(|| contain(|| -> u8 { panic!("inner") }).unwrap_err().message);
        assert_eq!(outer.unwrap(), "inner");
        assert!(!is_containing());
    }

    #[test]
    fn a_long_panic_message_is_cut_to_one_short_line() {
        let caught = contain(|| -> u8 { panic!("{}\nsecond line", "x".repeat(1000)) }).unwrap_err();
        assert!(caught.message.chars().count() <= 81, "{}", caught.message);
        assert!(!caught.message.contains('\n'));
    }
}
