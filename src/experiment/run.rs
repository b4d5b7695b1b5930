//! `o11sim run`: the scenario's replications, summarized.

use std::path::Path;

use super::precision::{BatchJob, Batches, Watch, run_batches};
use super::result::{RunReport, RunSettings, VariantResult};
use super::{Progress, check_budget};
use crate::error::{Error, Result};
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
    // Under `--precision` the guard counts the most that may run.
    let most = sc
        .precision
        .map_or(sc.replications, |p| p.max.max(sc.replications));
    // A window too small is named as such before the memory it would take.
    super::timeline::check_timeline([model])?;
    check_budget([(model, most)], req.budget)?;
    progress.start(sc.replications as u64, "simulating");
    // Only the figures (and the timeline, when asked) are kept: each
    // replication's histograms go as soon as it is done, so memory grows
    // with replications by their figures alone.
    let job = BatchJob {
        model,
        seed: sc.seed,
        first: sc.replications,
        watch: Watch::of(model),
    };
    let Batches {
        variants,
        finished,
        planned,
    } = run_batches(std::slice::from_ref(&job), sc.precision, progress);
    progress.finish();
    let Some(Some(ran)) = variants.into_iter().next() else {
        return Err(Error::Interrupted {
            finished: format!("{finished} of {planned} replications"),
        });
    };
    Ok(RunReport {
        settings: RunSettings::of(sc),
        variant: VariantResult {
            name: variant_name(&sc.name),
            keys: Vec::new(),
            summary: ran.summary,
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
