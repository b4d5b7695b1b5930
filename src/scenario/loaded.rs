//! A scenario loaded once for a command: the parsed source, the user's
//! overrides and run settings, and the scenario they give. Every variant of
//! a what-if command is built from the same parsed source; the file is
//! never read or parsed again.

use super::{Override, Scenario, ScenarioError, Source};

/// What the user changes on the command line, applied at load time and to
/// every variant: `--set`s (with `--duration` and `--warmup` as overrides
/// of `simulation.duration` and `simulation.warmup`), the replication
/// count and the seed.
#[derive(Clone, Debug, Default)]
pub struct RunOverrides {
    /// In the order given; later ones win.
    pub set: Vec<Override>,
    pub replications: Option<usize>,
    pub seed: Option<u64>,
}

impl RunOverrides {
    /// Builds `source` with these overrides, then `extra`.
    fn build(&self, source: &Source, extra: &[Override]) -> Result<Scenario, ScenarioError> {
        let mut sc = if extra.is_empty() {
            source.build(&self.set)?
        } else {
            let mut all = self.set.clone();
            all.extend_from_slice(extra);
            source.build(&all)?
        };
        if let Some(n) = self.replications {
            sc.replications = n;
        }
        if let Some(s) = self.seed {
            sc.seed = s;
        }
        Ok(sc)
    }
}

/// A scenario as a command loaded it.
#[derive(Clone, Debug)]
pub struct LoadedScenario {
    source: Source,
    overrides: RunOverrides,
    scenario: Scenario,
}

impl LoadedScenario {
    /// Reads and parses `spec` (a preset name or alias, or a file) once and
    /// builds it with `overrides`.
    pub fn load(spec: &str, overrides: RunOverrides) -> Result<LoadedScenario, ScenarioError> {
        LoadedScenario::from_source(Source::read(spec)?, overrides)
    }

    /// Builds an already parsed `source` with `overrides`.
    pub fn from_source(
        source: Source,
        overrides: RunOverrides,
    ) -> Result<LoadedScenario, ScenarioError> {
        let scenario = overrides.build(&source, &[])?;
        Ok(LoadedScenario {
            source,
            overrides,
            scenario,
        })
    }

    /// The scenario text as read and parsed.
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// The user's overrides and run settings.
    pub fn overrides(&self) -> &RunOverrides {
        &self.overrides
    }

    /// The scenario with the user's overrides and run settings.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The scenario with the user's overrides, then `extra`, applied to the
    /// parsed source.
    pub fn variant(&self, extra: &[Override]) -> Result<Scenario, ScenarioError> {
        self.overrides.build(&self.source, extra)
    }

    /// As [`LoadedScenario::variant`], starting from another text (`team`'s
    /// co-located layout, which drops one line of this one).
    pub fn variant_of(
        &self,
        source: &Source,
        extra: &[Override],
    ) -> Result<Scenario, ScenarioError> {
        self.overrides.build(source, extra)
    }
}
