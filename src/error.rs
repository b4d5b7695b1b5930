//! Errors every layer can return.
//!
//! Why this file exists: `whatif` and `experiment` report user mistakes
//! (a bad `--vary`, an SLO naming no class) without knowing the command
//! line that turns them into exit statuses; this module sits below all of
//! them.

use crate::scenario::ScenarioError;

/// A user mistake: printed as `error: …`, exit status 2.
#[derive(Debug)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

impl From<ScenarioError> for Usage {
    fn from(e: ScenarioError) -> Self {
        Usage(e.to_string())
    }
}
