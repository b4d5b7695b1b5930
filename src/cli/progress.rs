//! The progress bar: [`crate::experiment::Progress`] drawn with indicatif
//! on standard error, hidden when standard error is not a terminal.
//!
//! The bar counts steps of simulated time ([`STEPS`] per replication), so
//! it moves within a single long replication; it shows the replications
//! done (with a fraction), the elapsed time (ticking even when nothing
//! finishes) and indicatif's estimate of the time left. Under
//! `--precision` the total grows with each further batch, and the estimate
//! is for the batches planned so far.

use std::io::IsTerminal as _;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::experiment::Progress;
use crate::experiment::progress::STEPS;

/// One bar per stage, replaced when the next stage starts.
#[derive(Default)]
pub struct Bar {
    bar: Mutex<Option<ProgressBar>>,
}

impl Bar {
    fn with<R>(&self, f: impl FnOnce(&mut Option<ProgressBar>) -> R) -> R {
        f(&mut self.bar.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// `3.4/10`: replications done (steps over [`STEPS`]) of the total.
fn replications(state: &ProgressState, w: &mut dyn std::fmt::Write) {
    let done = state.pos() as f64 / STEPS as f64;
    let total = state.len().unwrap_or(0) / STEPS;
    let _ = write!(w, "{done:.1}/{total}");
}

impl Progress for Bar {
    fn start(&self, total: u64, what: &str) {
        // Nothing is drawn, and no ticker runs, unless standard error is a
        // terminal: a redirected or piped standard error gets no control
        // characters.
        let terminal = std::io::stderr().is_terminal();
        let target = if terminal {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let pb = ProgressBar::with_draw_target(Some(total.saturating_mul(STEPS)), target);
        if let Ok(style) = ProgressStyle::with_template(
            "{msg} [{bar:30}] {replications} replications, {elapsed} elapsed, about {eta} left",
        ) {
            pb.set_style(
                style
                    .with_key("replications", replications)
                    .progress_chars("=> "),
            );
        }
        pb.set_message(what.to_owned());
        if terminal {
            pb.enable_steady_tick(Duration::from_millis(200));
        }
        self.with(|b| *b = Some(pb));
    }

    fn advance(&self, steps: u64) {
        self.with(|b| {
            if let Some(pb) = b {
                pb.inc(steps);
            }
        });
    }

    fn grow(&self, more: u64) {
        self.with(|b| {
            if let Some(pb) = b {
                pb.inc_length(more.saturating_mul(STEPS));
            }
        });
    }

    fn finish(&self) {
        self.with(|b| {
            if let Some(pb) = b.take() {
                pb.finish_and_clear();
            }
        });
    }
}

/// Prints `N simulations in T s (R M requests simulated per second)` on
/// standard error (standard output stays a pure function of the inputs).
pub fn speed(simulations: usize, requests: u64, elapsed: f64) {
    eprintln!(
        "{simulations} simulations in {elapsed:.2} s ({:.2} M requests simulated per second)",
        requests as f64 / elapsed.max(1e-9) / 1e6
    );
}
