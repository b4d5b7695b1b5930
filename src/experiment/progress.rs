//! How a long computation tells its caller how far it got.
//!
//! Why this file exists: `experiment` and `whatif` run for minutes but know
//! nothing of terminals; the command line implements [`Progress`] with a
//! progress bar (indicatif), tests and library users pass [`Silent`].

/// Receives progress reports. Called from rayon worker threads, hence
/// `Sync`.
pub trait Progress: Sync {
    /// A stage of `total` replications begins; `what` names it in the
    /// user's terms ("comparing", "front_ends = 3").
    fn start(&self, total: u64, what: &str);
    /// One replication of the current stage finished.
    fn tick(&self);
    /// The current stage ended (finished or interrupted).
    fn finish(&self);
}

/// Progress that goes nowhere.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _total: u64, _what: &str) {}
    fn tick(&self) {}
    fn finish(&self) {}
}
