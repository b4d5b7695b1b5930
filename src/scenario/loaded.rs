//! A scenario loaded once for a command, with the user's overrides and run
//! settings, from which every variant of a what-if command is built.

use super::{Override, Scenario, ScenarioError, find_preset, load, load_str};

/// What the user changes on the command line: `--set`s (then `--duration`
/// and `--warmup`, as overrides of `simulation.*`), and the replication
/// count and seed.
#[derive(Clone, Debug, Default)]
pub struct RunOverrides {
    /// In the order given; later ones win.
    pub set: Vec<Override>,
    pub replications: Option<usize>,
    pub seed: Option<u64>,
}

/// A scenario as a command loaded it.
#[derive(Clone, Debug)]
pub struct LoadedScenario {
    /// The file path as given, or the preset's name.
    pub name: String,
    /// The original scenario text (before any override).
    pub text: String,
    /// The original text parsed (used to find zones and environments).
    pub table: toml::Table,
    /// The user's overrides.
    pub overrides: RunOverrides,
    /// The scenario with the user's overrides.
    pub scenario: Scenario,
}

impl LoadedScenario {
    /// Loads `spec` (a preset name or alias, or a file) with `overrides`.
    pub fn load(spec: &str, overrides: RunOverrides) -> Result<LoadedScenario, ScenarioError> {
        let mut scenario = load(spec, &overrides.set)?;
        let (name, text) = match find_preset(spec) {
            Some(p) => (p.name.to_owned(), p.text.to_owned()),
            None => {
                let text = std::fs::read_to_string(spec).map_err(|e| ScenarioError::Read {
                    path: spec.to_owned(),
                    source: e,
                })?;
                (spec.to_owned(), text)
            }
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_owned();
        let table: toml::Table = text.parse().map_err(|e| ScenarioError::Internal {
            name: name.clone(),
            message: format!("cannot parse the scenario again: {e}"),
        })?;
        overrides.apply_settings(&mut scenario);
        Ok(LoadedScenario {
            name,
            text,
            table,
            overrides,
            scenario,
        })
    }

    /// The scenario with the user's overrides and then `extra`; `text`
    /// replaces the original text when given (team's co-located layout).
    pub fn variant(
        &self,
        text: Option<&str>,
        extra: &[Override],
    ) -> Result<Scenario, ScenarioError> {
        let mut all = self.overrides.set.clone();
        all.extend_from_slice(extra);
        let mut sc = load_str(&self.name, text.unwrap_or(&self.text), &all)?;
        self.overrides.apply_settings(&mut sc);
        Ok(sc)
    }
}

impl RunOverrides {
    fn apply_settings(&self, sc: &mut Scenario) {
        if let Some(n) = self.replications {
            sc.replications = n;
        }
        if let Some(s) = self.seed {
            sc.seed = s;
        }
    }
}
