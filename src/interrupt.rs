//! Ctrl-C, SIGTERM and SIGHUP: a long run or sweep stops within about a
//! second, writes no partial file, leaves no temporary file, and says which
//! variants had finished.
//!
//! Why this file exists: the simulation must stay free of I/O and signal
//! handling, so the handler only sets a flag that `model::sim::simulate_until`
//! looks at every few thousand events, and records which signal came; the
//! commands turn a stopped run into an [`crate::error::Error::Interrupted`]
//! error, whose exit status is 128 + the signal's number, as shells report
//! it (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP). Writing the output
//! files looks at the same flag before it renames anything.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Once};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

static STOP: LazyLock<Arc<AtomicBool>> = LazyLock::new(|| Arc::new(AtomicBool::new(false)));
static SIGNAL: LazyLock<Arc<AtomicUsize>> = LazyLock::new(|| Arc::new(AtomicUsize::new(0)));
static INSTALL: Once = Once::new();

/// The signals that stop a command.
const STOPPING: [i32; 3] = [SIGINT, SIGTERM, SIGHUP];

/// Installs the handlers (once; later calls are harmless). Each sets the
/// stop flag and records its signal; neither exits the process.
pub fn install() {
    INSTALL.call_once(|| {
        for sig in STOPPING {
            // Registration fails only for signals that cannot be caught,
            // which these are not; a failure leaves the default action.
            let _ = signal_hook::flag::register_usize(sig, Arc::clone(&SIGNAL), sig as usize);
            let _ = signal_hook::flag::register(sig, Arc::clone(&STOP));
        }
    });
}

/// The flag simulations watch.
pub fn flag() -> &'static AtomicBool {
    &STOP
}

/// The exit status of a command stopped by a signal: 128 + its number
/// (130 when the flag was set without a signal).
pub fn exit_status() -> u8 {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => 128 + SIGINT as u8,
        n => 128u8.saturating_add(n.min(127) as u8),
    }
}

/// The signal's name for messages (`Ctrl-C` for SIGINT).
pub fn signal_name() -> &'static str {
    match SIGNAL.load(Ordering::SeqCst) as i32 {
        SIGTERM => "SIGTERM",
        SIGHUP => "SIGHUP",
        _ => "Ctrl-C",
    }
}
