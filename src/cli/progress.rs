//! The progress bar: [`crate::experiment::Progress`] drawn with indicatif
//! on standard error, hidden when standard error is not a terminal.

use std::sync::{Mutex, PoisonError};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::experiment::Progress;

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

impl Progress for Bar {
    fn start(&self, total: u64, what: &str) {
        let pb = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} replications, {elapsed}")
        {
            pb.set_style(style.progress_chars("=> "));
        }
        pb.set_message(what.to_owned());
        self.with(|b| *b = Some(pb));
    }

    fn tick(&self) {
        self.with(|b| {
            if let Some(pb) = b {
                pb.inc(1);
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
