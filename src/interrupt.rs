//! Ctrl-C: a long run or sweep stops within about a second, writes no
//! partial file, and says which variants had finished.
//!
//! Why this file exists: the simulation must stay free of I/O and signal
//! handling, so the handler only sets a flag that `model::sim::simulate_until`
//! looks at every few thousand events; the commands turn a stopped run into
//! an [`Interrupted`] error (exit status 130, as shells report SIGINT).

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

/// A run stopped by Ctrl-C before it finished; nothing was written.
#[derive(Debug)]
pub struct Interrupted {
    /// What had finished, in the user's terms ("3 of 10 replications",
    /// "variants front_ends=1, front_ends=2").
    pub finished: String,
}

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "interrupted: {} had finished; no output file was written",
            self.finished
        )
    }
}

impl std::error::Error for Interrupted {}
