//! Ctrl-C: a long run or sweep stops within about a second, writes no
//! partial file, and says which variants had finished.
//!
//! Why this file exists: the simulation must stay free of I/O and signal
//! handling, so the handler only sets a flag that `model::sim::simulate_until`
//! looks at every few thousand events; the commands turn a stopped run into
//! an [`crate::error::Error::Interrupted`] error (exit status 130, as shells report SIGINT).

use std::sync::atomic::{AtomicBool, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);

/// Installs the Ctrl-C handler (once; later calls are harmless).
pub fn install() {
    // An error means a handler is already installed (tests, a second
    // command in one process): the flag is then set by that one.
    let _ = ctrlc::set_handler(|| STOP.store(true, Ordering::SeqCst));
}

/// The flag simulations watch.
pub fn flag() -> &'static AtomicBool {
    &STOP
}
