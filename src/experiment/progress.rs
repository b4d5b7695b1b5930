//! How a long computation tells its caller how far it got.
//!
//! Why this file exists: `experiment` and `whatif` run for minutes but know
//! nothing of terminals; the command line implements [`Progress`] with a
//! progress bar (indicatif), tests and library users pass [`Silent`].
//!
//! Progress is counted in [`STEPS`] per replication: a replication in
//! flight reports its simulated time as it goes ([`Replication`]), so a
//! single long replication moves the bar too, not only its end.

/// Steps of progress per replication: a replication reports each
/// thousandth of its simulated time.
pub const STEPS: u64 = 1000;

/// Receives progress reports. Called from rayon worker threads, hence
/// `Sync`.
pub trait Progress: Sync {
    /// A stage of `total` replications begins; `what` names it in the
    /// user's terms ("comparing", "front_ends = 3").
    fn start(&self, total: u64, what: &str);
    /// `steps` more of some replication's simulated time passed ([`STEPS`]
    /// per replication).
    fn advance(&self, steps: u64);
    /// One replication of the current stage finished, reported whole.
    fn tick(&self) {
        self.advance(STEPS);
    }
    /// `more` replications were added to the current stage (the next
    /// batch of `--precision`).
    fn grow(&self, more: u64);
    /// The current stage ended (finished or interrupted).
    fn finish(&self);
}

/// Progress that goes nowhere.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _total: u64, _what: &str) {}
    fn advance(&self, _steps: u64) {}
    fn grow(&self, _more: u64) {}
    fn finish(&self) {}
}

/// One replication's reports: the fraction of its simulated time passed,
/// sent on as whole steps; [`Replication::done`] sends the rest, so each
/// replication adds exactly [`STEPS`].
pub struct Replication<'p> {
    progress: &'p dyn Progress,
    sent: u64,
}

impl<'p> Replication<'p> {
    pub fn new(progress: &'p dyn Progress) -> Self {
        Replication { progress, sent: 0 }
    }

    /// The replication's clock reached `fraction` (0 to 1) of its run.
    pub fn at(&mut self, fraction: f64) {
        let steps = ((fraction.clamp(0.0, 1.0) * STEPS as f64) as u64).min(STEPS);
        if steps > self.sent {
            self.progress.advance(steps - self.sent);
            self.sent = steps;
        }
    }

    /// The replication finished.
    pub fn done(self) {
        if self.sent < STEPS {
            self.progress.advance(STEPS - self.sent);
        }
    }
}
