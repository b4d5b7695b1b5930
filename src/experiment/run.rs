//! `o11sim run`: the scenario's replications, summarized.

use std::path::Path;

use super::result::{RunReport, RunSettings, VariantResult};
use super::summary::ReplicationFigures;
use super::{Progress, Summary, check_budget, replicate_with_progress};
use crate::error::{Error, Result};
use crate::model::sim::simulate_until;
use crate::scenario::LoadedScenario;

/// What `o11sim run` is asked.
#[derive(Debug)]
pub struct RunRequest {
    pub scenario: LoadedScenario,
    /// Refuse work estimated above these limits.
    pub budget: super::Budget,
}

/// Runs the scenario's replications on the current rayon pool and
/// summarizes them in replication order.
pub fn run(req: &RunRequest, progress: &dyn Progress) -> Result<RunReport> {
    let sc = req.scenario.scenario();
    let model = &sc.model;
    check_budget([(model, sc.replications)], req.budget)?;
    super::timeline::check_timeline([model])?;
    progress.start(sc.replications as u64, "simulating");
    let stop = crate::interrupt::flag();
    let results = replicate_with_progress(
        sc.replications,
        sc.seed,
        // Only the figures (and the timeline, when asked) are kept: each
        // replication's histograms go as soon as it is done, so memory
        // grows with replications by their figures alone.
        |s| simulate_until(model, s, stop).map(|r| ReplicationFigures::from(&r)),
        || progress.tick(),
    );
    progress.finish();
    let finished = results.iter().filter(|r| r.is_some()).count();
    if finished < results.len() {
        return Err(Error::Interrupted {
            finished: format!("{finished} of {} replications", results.len()),
        });
    }
    let results: Vec<_> = results.into_iter().flatten().collect();
    Ok(RunReport {
        settings: RunSettings::of(sc),
        variant: VariantResult {
            name: variant_name(&sc.name),
            keys: Vec::new(),
            summary: Summary::from_figures(&model.classes, &results).with_failures(model),
        },
    })
}

/// The variant column of a plain run: the scenario's file stem or preset
/// name.
fn variant_name(scenario: &str) -> String {
    Path::new(scenario)
        .file_stem()
        .map_or_else(|| scenario.to_owned(), |s| s.to_string_lossy().into_owned())
}
