//! What-if questions: the same scenario under several settings, compared
//! with paired confidence intervals.
//!
//! * `compare` — a few variants side by side, with the paired difference of
//!   each figure against the first variant (`compare.rs`);
//! * `sweep` — the full grid of one or more `--vary KEY=LIST` (`sweep.rs`);
//! * `size` — the smallest front-end count meeting service-level objectives
//!   (`size.rs`);
//! * `team` — publish lead time against team size, with the Deployment
//!   Controller dedicated and co-located (`team.rs`);
//! * `shard` — a share of a sweep's grid on one machine, and `merge`.
//!
//! Why this module exists: these commands answer the questions the tool is
//! for (design notes §1–2) and share one shape — build variants of a
//! scenario, run every variant × replication in one rayon pool under
//! common random numbers, and return a typed result
//! (`experiment::result`). They take a plain request and a progress
//! callback, print nothing and write no file: the command line hands the
//! result to the exporters in `report/`. The shared parts live in
//! `variants.rs` (grid, CRN, paired differences) and here (requests, the
//! parallel run); each command file holds only what differs.

pub mod compare;
pub mod shard;
pub mod size;
pub mod sweep;
pub mod team;
pub mod variants;

pub use compare::compare;
pub use size::size;
pub use sweep::sweep;
pub use team::team;

use crate::error::{Error, Result};
use crate::experiment::precision::{BatchJob, Watch, run_batches};
use crate::experiment::result::{Comparison, RunSettings, VariantResult, Varied};
use crate::experiment::summary::ReplicationFigures;
use crate::experiment::{Budget, Progress, Summary};
use crate::scenario::LoadedScenario;
use variants::{Dimension, Variant};

/// What `o11sim compare` is asked.
#[derive(Debug)]
pub struct CompareRequest {
    pub scenario: LoadedScenario,
    /// Front-end counts to give every zone (`--front-ends`).
    pub front_ends: Option<Vec<String>>,
    /// Other settings to vary (`--vary`); the variants are the full grid.
    pub vary: Vec<Varied>,
    /// Refuse work estimated above these limits.
    pub budget: Budget,
}

/// What `o11sim sweep` is asked.
#[derive(Debug)]
pub struct SweepRequest {
    pub scenario: LoadedScenario,
    /// The settings to vary; the variants are the full grid.
    pub vary: Vec<Varied>,
    pub budget: Budget,
}

/// What `o11sim size` is asked.
#[derive(Debug)]
pub struct SizeRequest {
    pub scenario: LoadedScenario,
    /// Each `--slo` as given and as read (none: the scenario's own SLOs).
    pub slos: Vec<(String, size::SloArg)>,
    /// Front-ends down for the whole run of each candidate.
    pub spare: usize,
    /// Largest count to try per zone.
    pub max_front_ends: usize,
    /// `--max-utilization`: every sized resource's utilization must stay
    /// under this fraction at the upper end of its 95 % CI.
    pub max_utilization: Option<f64>,
    /// `--key PATH`: the integer field to size instead of the front-end
    /// counts.
    pub key: Option<String>,
    pub budget: Budget,
    /// Stop a candidate's replication once it certainly misses a limit
    /// (`model::sim::MissRule`); off with `--run-misses-to-end`.
    pub stop_certain_misses: bool,
}

/// What `o11sim team` is asked.
#[derive(Debug)]
pub struct TeamRequest {
    pub scenario: LoadedScenario,
    /// Team sizes, in the order given.
    pub developers: Vec<u32>,
    /// Publish lead-time target for p95 (seconds).
    pub publish_target: f64,
    /// The environment whose developers publish (`--environment`).
    pub environment: Option<String>,
    pub budget: Budget,
}

/// A grid's outcome, in grid order.
pub(crate) struct Ran {
    pub summaries: Vec<Summary>,
    /// Per variant, its replications' figures in order.
    pub replications: Vec<Vec<ReplicationFigures>>,
}

/// Runs `variants` (all replications of all of them in one rayon pool; with
/// `--precision`, in rounds of batches until each is precise), reporting
/// progress as stage `what`.
pub(crate) fn run_all(
    variants: &[Variant],
    budget: Budget,
    what: &str,
    progress: &dyn Progress,
) -> Result<Ran> {
    run_grid(variants, budget, what, progress, |v| {
        Watch::of(&v.scenario.model)
    })
}

/// As [`run_all`], `watch` saying what `--precision` watches in each
/// variant.
pub(crate) fn run_grid(
    variants: &[Variant],
    budget: Budget,
    what: &str,
    progress: &dyn Progress,
    watch: impl Fn(&Variant) -> Watch,
) -> Result<Ran> {
    // A window too small is named as such before the memory it would take.
    crate::experiment::timeline::check_timeline(variants.iter().map(|v| &v.scenario.model))?;
    // Under `--precision` the guard counts the most that may run.
    crate::experiment::check_budget(
        variants.iter().map(|v| {
            let sc = &v.scenario;
            let most = sc
                .precision
                .map_or(sc.replications, |p| p.max.max(sc.replications));
            (&sc.model, most)
        }),
        budget,
    )?;
    let jobs: Vec<BatchJob<'_>> = variants
        .iter()
        .map(|v| BatchJob {
            model: &v.scenario.model,
            seed: v.scenario.seed,
            first: v.scenario.replications,
            watch: watch(v),
        })
        .collect();
    let precision = variants.first().and_then(|v| v.scenario.precision);
    let total: usize = jobs.iter().map(|j| j.first).sum();
    progress.start(total as u64, what);
    let outcomes = run_batches(&jobs, precision, progress).variants;
    progress.finish();
    if outcomes.iter().any(Option::is_none) {
        let done: Vec<&str> = variants
            .iter()
            .zip(&outcomes)
            .filter(|(_, o)| o.is_some())
            .map(|(v, _)| v.name.as_str())
            .collect();
        return Err(Error::Interrupted {
            finished: if done.is_empty() {
                format!("none of the {} variants", variants.len())
            } else {
                format!(
                    "{} of {} variants ({})",
                    done.len(),
                    variants.len(),
                    done.join(", ")
                )
            },
        });
    }
    let (summaries, replications) = outcomes
        .into_iter()
        .flatten()
        .map(|o| (o.summary, o.replications))
        .unzip();
    Ok(Ran {
        summaries,
        replications,
    })
}

/// The settings a what-if result reports: those of the scenario with the
/// user's overrides.
pub(crate) fn settings(base: &LoadedScenario) -> RunSettings {
    RunSettings::of(base.scenario())
}

/// Builds the dimensions of `--front-ends` and `--vary`.
pub(crate) fn dimensions(
    base: &LoadedScenario,
    front_ends: Option<&[String]>,
    vary: &[Varied],
) -> Vec<Dimension> {
    let mut dims = Vec::new();
    if let Some(values) = front_ends {
        dims.push(Dimension::front_ends(
            values.to_vec(),
            &variants::front_end_groups(base),
        ));
    }
    dims.extend(vary.iter().cloned().map(Dimension::vary));
    dims
}

/// The comparison result of a grid: every variant's figures and the paired
/// differences against the first.
pub(crate) fn comparison(
    settings: RunSettings,
    dims: &[Dimension],
    grid: Vec<Variant>,
    ran: Ran,
) -> Comparison {
    let differences = variants::differences(&ran.summaries, &ran.replications);
    let failure_differences = variants::failure_differences(&ran.summaries, &ran.replications);
    Comparison {
        settings,
        varied: dims
            .iter()
            .map(|d| Varied {
                key: d.key.clone(),
                values: d.values.clone(),
            })
            .collect(),
        variants: grid
            .into_iter()
            .zip(ran.summaries)
            .map(|(v, summary)| VariantResult {
                name: v.name,
                keys: v.keys,
                summary,
            })
            .collect(),
        differences,
        failure_differences,
    }
}
