//! The one error type of o11sim, and the exit status each kind maps to.
//!
//! Why this file exists: every layer (scenario loading, experiments,
//! what-if commands, output files) can fail, and the command line must turn
//! each failure into the exit status the contract promises (design notes
//! §6) without knowing where it came from. `whatif` and `experiment` return
//! this type without knowing the command line; `cli` prints it and exits
//! with [`Error::exit_status`].
//!
//! | status | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | failure (an output that cannot be written, a failed validation case, an internal error) |
//! | 2 | bad usage or invalid scenario |
//! | 3 | no answer (`size` found no count meeting the SLOs) |
//! | 130 | interrupted (Ctrl-C) |
//! | 143, 129 | stopped by SIGTERM, SIGHUP (128 + the signal's number, as shells report it) |

use crate::scenario::ScenarioError;

/// Exit statuses (design notes §6).
pub mod status {
    pub const SUCCESS: u8 = 0;
    pub const FAILURE: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const NO_ANSWER: u8 = 3;
    /// As shells report SIGINT (128 + 2).
    pub const INTERRUPTED: u8 = 130;
}

/// Everything that can go wrong in a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A user mistake in an argument or option (a bad `--vary`, an SLO
    /// naming no class, an output directory that does not exist).
    #[error("{0}")]
    Usage(String),
    /// A scenario that cannot be loaded (file, line, column, field).
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// Ctrl-C stopped the run; `finished` says what had finished, in the
    /// user's terms ("3 of 10 replications", "variants front_ends=1").
    /// Nothing was written.
    #[error("interrupted: {finished} had finished; no output file was written")]
    Interrupted { finished: String },
    /// The question has no answer within the limits given (`size` found no
    /// count up to `--max-front-ends`); the report already says so.
    #[error("{0}")]
    NoAnswer(String),
    /// A check failed (`validate`); the report already says which.
    #[error("{0}")]
    CheckFailed(String),
    /// Anything else: an output that could not be written, a chart that
    /// could not be drawn.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// A result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Other(e.into())
    }
}

impl Error {
    /// The process exit status this error maps to.
    pub fn exit_status(&self) -> u8 {
        match self {
            Error::Usage(_) => status::USAGE,
            // The loader accepted a scenario the model rejects: a bug, not
            // the user's mistake.
            Error::Scenario(ScenarioError::Internal { .. }) => status::FAILURE,
            Error::Scenario(_) => status::USAGE,
            Error::Interrupted { .. } => crate::interrupt::exit_status(),
            Error::NoAnswer(_) => status::NO_ANSWER,
            Error::CheckFailed(_) | Error::Other(_) => status::FAILURE,
        }
    }

    /// What to print on standard error; `None` when the command's report
    /// has already said it.
    pub fn message(&self) -> Option<String> {
        match self {
            Error::Usage(_) | Error::Scenario(_) => Some(format!("error: {self}")),
            Error::Interrupted { .. } => Some(self.to_string()),
            Error::NoAnswer(_) | Error::CheckFailed(_) => None,
            Error::Other(e) => Some(format!("error: {e:#}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_its_exit_status_and_message() {
        let usage = Error::Usage("--replications must be at least 1".into());
        assert_eq!(usage.exit_status(), 2);
        assert_eq!(
            usage.message().unwrap(),
            "error: --replications must be at least 1"
        );
        let stopped = Error::Interrupted {
            finished: "3 of 10 replications".into(),
        };
        assert_eq!(stopped.exit_status(), 130);
        assert!(
            stopped
                .message()
                .unwrap()
                .starts_with("interrupted: 3 of 10")
        );
        assert_eq!(Error::NoAnswer("none".into()).exit_status(), 3);
        assert_eq!(Error::NoAnswer("none".into()).message(), None);
        let io = Error::from(std::io::Error::other("disk full"));
        assert_eq!(io.exit_status(), 1);
        assert_eq!(io.message().unwrap(), "error: disk full");
        let scenario = Error::from(ScenarioError::Empty { name: "x".into() });
        assert_eq!(scenario.exit_status(), 2);
    }
}
