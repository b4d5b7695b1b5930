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
    /// `--precision` (with `--max-replications`): replications in batches,
    /// the first one `replications` when given.
    pub precision: Option<crate::experiment::Precision>,
    /// Whether replications measure a timeline (`--timeline`).
    pub timeline: TimelineRequest,
}

/// Whether a command measures figures per window of simulated time.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum TimelineRequest {
    /// No timeline (`size`, `team`).
    #[default]
    Off,
    /// `run`, `compare`, `sweep` without `--timeline`: one-hour windows
    /// for a scenario with an hourly profile, none otherwise; with `chart`
    /// (`run --plot`), round windows (at most 60) for any scenario.
    Auto { chart: bool },
    /// `--timeline WINDOW` (seconds).
    Window(f64),
}

impl TimelineRequest {
    /// The window for `model` (seconds), if any.
    pub fn window(self, model: &crate::model::Model) -> Option<f64> {
        use crate::experiment::timeline::{PROFILE_WINDOW, chart_window};
        match self {
            TimelineRequest::Off => None,
            TimelineRequest::Window(w) => Some(w),
            TimelineRequest::Auto { .. } if model.has_profile() => Some(PROFILE_WINDOW),
            TimelineRequest::Auto { chart: true } => Some(chart_window(model.duration)),
            TimelineRequest::Auto { chart: false } => None,
        }
    }
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
        if let Some(p) = self.precision {
            sc.precision = Some(p);
            if self.replications.is_none() {
                sc.replications = crate::experiment::precision::FIRST_BATCH;
            }
        }
        sc.model.timeline = self.timeline.window(&sc.model);
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
