//! The typed result of each simulating command: what was run, every figure
//! with its confidence interval, the verdicts and the paired differences.
//!
//! Why this file exists: the commands (`experiment::run`, `whatif::*`)
//! compute; the exporters in `report/` (terminal text, CSV, SVG, JSON)
//! present. These types are the one thing both sides know, so a new output
//! format needs no change to any command, and a new figure is added in one
//! place. Nothing here formats: times are seconds, rates are per second,
//! utilizations and error rates are fractions, exactly as the summaries
//! hold them.
//!
//! Architecture Invariant: a result is a pure function of (scenario, seed,
//! replication count); it holds nothing that depends on the thread count
//! or the wall clock.

use super::Summary;
use super::failure_cost::FailureDifference;
use super::summary::{Figure, SloVerdict};
use crate::model::spec::Slo;
use crate::scenario::Scenario;
use crate::stats::Estimate;

/// What every result carries: how it was obtained.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSettings {
    /// The scenario file as given, or the preset's name.
    pub scenario: String,
    pub seed: u64,
    /// Replications per variant (with `precision`, the first batch; each
    /// variant's count is in its summary).
    pub replications: usize,
    /// `--precision`: the target and the maximum.
    pub precision: Option<super::Precision>,
    /// Measured simulated time per replication (seconds).
    pub duration: f64,
    /// Simulated time discarded before measuring (seconds).
    pub warmup: f64,
    /// FNV-1a (64 bits, hex) of the scenario text after the user's
    /// overrides: two results with the same fingerprint, seed and
    /// replications came from the same inputs.
    pub fingerprint: String,
    /// Each environment's name and kind (`development`, `quality
    /// assurance`, `production`, `LifeTime`), in model order, so a report
    /// says which installation it describes.
    pub environments: Vec<(String, &'static str)>,
}

impl RunSettings {
    /// The settings of a loaded scenario (with the user's overrides).
    pub fn of(sc: &Scenario) -> RunSettings {
        RunSettings {
            scenario: sc.name.clone(),
            seed: sc.seed,
            replications: sc.replications,
            precision: sc.precision,
            duration: sc.model.duration,
            warmup: sc.model.warmup,
            fingerprint: sc.fingerprint(),
            environments: sc
                .model
                .environments
                .iter()
                .map(|e| (e.name.clone(), e.kind.label()))
                .collect(),
        }
    }
}

/// One variant's figures: its name, the values of the varied keys and the
/// summary over its replications (figures with CIs, SLO checks,
/// saturation).
#[derive(Clone, Debug)]
pub struct VariantResult {
    /// `front_ends=3 database.cores=8`, or the scenario's name for a run.
    pub name: String,
    /// (key, value) per varied setting, in the order they were given.
    pub keys: Vec<(String, String)>,
    pub summary: Summary,
}

/// A setting varied across variants and its values, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Varied {
    /// The key as given (`front_ends`, `traffic.portal.rate`).
    pub key: String,
    pub values: Vec<String>,
}

/// What a paired difference is of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Measure {
    /// A figure of a class row.
    Class(Figure),
    /// A resource's utilization.
    Utilization,
}

/// A paired difference `variant − baseline` under common random numbers:
/// the mean of the per-replication differences and its Student-t CI.
#[derive(Clone, Debug, PartialEq)]
pub struct Difference {
    /// Index of the variant in its result's variants (the baseline is the
    /// first variant).
    pub variant: usize,
    /// The class row or resource.
    pub row: String,
    pub measure: Measure,
    /// In the measure's own unit: seconds, requests per second or a
    /// fraction.
    pub estimate: Estimate,
    /// Of the replications paired, those in which the percentile fell
    /// among the responses cut at the client timeout on either side (0 for
    /// other figures). A cut percentile is only a lower bound, so with any
    /// such replication the difference is not estimable and the reports
    /// give no number for it.
    pub censored: usize,
}

impl Difference {
    /// The estimate, unless a censored percentile makes it meaningless.
    pub fn estimable(&self) -> Option<&Estimate> {
        (self.censored == 0).then_some(&self.estimate)
    }
}

/// `o11sim run`: one scenario, its replications summarized.
#[derive(Clone, Debug)]
pub struct RunReport {
    pub settings: RunSettings,
    /// Named after the scenario file's stem or the preset; no varied keys.
    pub variant: VariantResult,
}

/// `o11sim compare` and `o11sim sweep`: a grid of variants, every figure
/// of each, and each variant's paired differences against the first.
#[derive(Clone, Debug)]
pub struct Comparison {
    pub settings: RunSettings,
    /// The varied settings; the grid varies the first slowest.
    pub varied: Vec<Varied>,
    /// In grid order.
    pub variants: Vec<VariantResult>,
    /// For every variant after the first: each class figure, then each
    /// resource's utilization, where both variants have the row.
    pub differences: Vec<Difference>,
    /// For every variant after the first: each scheduled failure ×
    /// traffic class measured in both, what the failure costs it minus
    /// what it costs the first variant (empty without scheduled failures).
    pub failure_differences: Vec<FailureDifference>,
}

/// An objective `size` sizes for.
#[derive(Clone, Debug, PartialEq)]
pub struct Objective {
    /// The row it applies to (a traffic class, `timer.NAME`, `publish`).
    pub class: String,
    pub slo: Slo,
}

/// One objective judged on one candidate.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    /// Index into [`Sizing::objectives`].
    pub objective: usize,
    /// The figure's estimate; `None` when the candidate has no such row.
    pub estimate: Option<Estimate>,
    /// Whether the row is saturated (its latency then describes only the
    /// requests that got through).
    pub saturated: bool,
    /// Why the objective is met or not; `None` when the candidate has no
    /// such row.
    pub verdict: Option<SloVerdict>,
    /// The verdict is [`SloVerdict::Met`]: the upper end of the estimate's
    /// 95 % CI is within the limit and the figure is fit to judge.
    pub met: bool,
}

/// One front-end count simulated by `size`.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// The count in the zone being sized (running plus spare).
    pub front_ends: usize,
    /// Front-ends running in that zone (`front_ends` − spare).
    pub running: usize,
    /// Keys: every zone's count, then `running`.
    pub variant: VariantResult,
    /// One per objective of the zone, in objective order.
    pub checks: Vec<Check>,
    /// With `--max-utilization`: each sized resource's utilization
    /// against the limit.
    pub utilization: Vec<UtilizationCheck>,
    /// Every check met, SLOs and utilization limits.
    pub meets: bool,
}

/// A sized resource's utilization judged against `--max-utilization`.
#[derive(Clone, Debug, PartialEq)]
pub struct UtilizationCheck {
    /// The resource row (`main.1.cpu`, `db.production.cpu`, …).
    pub resource: String,
    pub utilization: Estimate,
    /// The upper end of the utilization's 95 % CI is within the limit.
    pub met: bool,
}

/// Why no value meets the objectives: the busiest resource on the paths
/// of the classes whose objectives the largest value tried misses.
#[derive(Clone, Debug, PartialEq)]
pub struct Limit {
    /// The class whose path it is on.
    pub class: String,
    pub resource: String,
    /// Its utilization at the largest value tried.
    pub at_max: Estimate,
    /// Its utilization at the smallest value tried.
    pub at_min: Estimate,
    /// The sized value adds capacity to it (one of the zone's front-ends'
    /// CPUs, or a resource the `--key` field sets): a larger
    /// `--max-front-ends` may find an answer. When false, more of the
    /// sized value will not help.
    pub sized: bool,
}

/// What `size` answers for one zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The smallest count meeting every objective; one fewer was simulated
    /// and does not.
    Found { front_ends: usize, running: usize },
    /// No count up to `--max-front-ends` meets every objective.
    NotFound,
    /// No objective applies to the zone's classes: kept at its count in
    /// the scenario.
    NoObjective { front_ends: usize },
}

/// The sizing of one zone (one front-end count).
#[derive(Clone, Debug)]
pub struct ZoneSizing {
    /// How candidates name it: `front_ends`, `zones.public.front_ends`, … (the
    /// CSV's column), or the `--key` path.
    pub label: String,
    /// The path `--set` accepts for it (`front_ends`,
    /// `zones.public.front_ends`, `database.cores`): how the answer is
    /// printed.
    pub key: String,
    /// With no answer: what limits it.
    pub limit: Option<Limit>,
    /// Whether the value sized is a front-end count (else a `--key`
    /// field, where `running` is the value and `--spare` does not apply).
    pub front_ends: bool,
    /// The zone's name in the model.
    pub zone: String,
    /// In the order simulated (doubling, then bisection).
    pub candidates: Vec<Candidate>,
    pub answer: Answer,
}

/// `o11sim size`: the smallest front-end count meeting every objective,
/// zone by zone.
#[derive(Clone, Debug)]
pub struct Sizing {
    pub settings: RunSettings,
    pub objectives: Vec<Objective>,
    /// Front-ends each candidate runs without (down for the whole run).
    pub spare: usize,
    pub max_front_ends: usize,
    /// `--max-utilization`: the limit on every sized resource (fraction).
    pub max_utilization: Option<f64>,
    /// `--key`: the field sized instead of the front-end counts.
    pub key: Option<String>,
    pub zones: Vec<ZoneSizing>,
    /// Several zones, each with an answer: every zone at its answer at
    /// once, judged by every objective. Its `front_ends` and `running` are
    /// totals over the zones sized; its `running` key joins each zone's
    /// running count with `+`.
    pub joint: Option<Candidate>,
    /// When `joint` misses: the zones sized again, in order, each with the
    /// other zones held at their answers so far, until every zone at its
    /// answer meets every objective together or a zone has no count that
    /// meets its own.
    pub repairs: Vec<Repair>,
}

/// Each of `zones`' last sizing: its own, or that of the last of
/// `repairs` that sized it again.
pub fn latest_sizings<'a>(zones: &'a [ZoneSizing], repairs: &'a [Repair]) -> Vec<&'a ZoneSizing> {
    (0..zones.len())
        .map(|i| {
            repairs
                .iter()
                .rev()
                .find(|r| r.zone == i)
                .map_or(&zones[i], |r| &r.sizing)
        })
        .collect()
}

/// One zone of a zoned `size` sized again because the answers missed
/// together: its count searched upward from its answer with the other
/// zones held at theirs, then, when a count met its objectives, every
/// zone at its answer at once again.
#[derive(Clone, Debug)]
pub struct Repair {
    /// Index into [`Sizing::zones`].
    pub zone: usize,
    /// The other zones sized and the front-end counts they were held at
    /// (their `--set` paths).
    pub held: Vec<(String, usize)>,
    /// The search; its candidates name every zone's count.
    pub sizing: ZoneSizing,
    /// Every zone at its answer at once after this step (`None` when the
    /// zone has no count meeting its objectives).
    pub joint: Option<Candidate>,
}

impl Sizing {
    /// Whether every zone has an answer and, sized one at a time, the
    /// answers also meet every objective together (else the command exits
    /// 3).
    pub fn answered(&self) -> bool {
        self.final_zones()
            .iter()
            .all(|z| z.answer != Answer::NotFound)
            && self.final_joint().is_none_or(|j| j.meets)
    }

    /// Each zone's last sizing: the first pass's, or its last repair's.
    pub fn final_zones(&self) -> Vec<&ZoneSizing> {
        latest_sizings(&self.zones, &self.repairs)
    }

    /// The last check of every zone at its answer at once.
    pub fn final_joint(&self) -> Option<&Candidate> {
        self.repairs
            .iter()
            .rev()
            .find_map(|r| r.joint.as_ref())
            .or(self.joint.as_ref())
    }

    /// Every candidate and joint check, in the order simulated.
    pub fn candidates(&self) -> Vec<&Candidate> {
        self.zones
            .iter()
            .flat_map(|z| &z.candidates)
            .chain(&self.joint)
            .chain(
                self.repairs
                    .iter()
                    .flat_map(|r| r.sizing.candidates.iter().chain(&r.joint)),
            )
            .collect()
    }
}

/// Where the Deployment Controller compiles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// On its own machine.
    Dedicated,
    /// On a front-end of the environment, sharing its CPU with web traffic.
    CoLocated,
}

impl Layout {
    pub const ALL: [Layout; 2] = [Layout::Dedicated, Layout::CoLocated];

    /// As the scenario spells it (`development.controller`).
    pub fn key(self) -> &'static str {
        match self {
            Layout::Dedicated => "dedicated",
            Layout::CoLocated => "co_located",
        }
    }
}

/// The figures of one (team size, layout) variant.
#[derive(Clone, Debug, PartialEq)]
pub struct TeamPoint {
    pub developers: u32,
    pub layout: Layout,
    /// In some replication no publish finished: nothing measured, so the
    /// target is missed.
    pub none_completed: bool,
    /// Publish lead time (seconds).
    pub publish_p50: Estimate,
    pub publish_p95: Estimate,
    /// The dedicated controller's CPU, or (co-located) the CPU of the
    /// front-end it compiles on; a fraction.
    pub controller_cpu: Option<Estimate>,
    /// p95 of each of [`TeamGrowth::dev_classes`] (seconds).
    pub dev_p95: Vec<Option<Estimate>>,
    /// Publish p95's upper 95 % bound is above the target, or no publish
    /// finished in some replication. (Developers are a closed population:
    /// the publishes' backlog cannot grow, so they are never saturated.)
    pub misses: bool,
}

/// `o11sim team`: publish lead time against team size, both layouts.
#[derive(Clone, Debug)]
pub struct TeamGrowth {
    pub settings: RunSettings,
    /// The environment whose developers publish.
    pub environment: String,
    /// Publish lead-time target for p95 (seconds).
    pub publish_target: f64,
    /// Team sizes, in the order given.
    pub developers: Vec<u32>,
    /// The environment's traffic classes (the developers' test traffic).
    pub dev_classes: Vec<String>,
    /// The front-end a co-located controller compiles on.
    pub co_located_front_end: Option<String>,
    /// Team size major, layout minor (dedicated, co-located).
    pub variants: Vec<VariantResult>,
    /// One per variant, in the same order.
    pub points: Vec<TeamPoint>,
    /// Per layout (in [`Layout::ALL`] order): the smallest team size that
    /// misses the target.
    pub first_miss: [Option<u32>; 2],
}

impl TeamGrowth {
    /// The point of `developers` in `layout`.
    pub fn point(&self, developers: u32, layout: Layout) -> Option<&TeamPoint> {
        self.points
            .iter()
            .find(|p| p.developers == developers && p.layout == layout)
    }
}

/// The result of any simulating command.
#[derive(Clone, Debug)]
// One value per command, built once and never kept in a collection: its
// size does not matter, and boxing would only add noise to every exporter.
#[allow(clippy::large_enum_variant)]
pub enum CommandResult {
    Run(RunReport),
    Compare(Comparison),
    Sweep(Comparison),
    Size(Sizing),
    Team(TeamGrowth),
}

impl CommandResult {
    /// The command's name (`run`, `compare`, …).
    pub fn command(&self) -> &'static str {
        match self {
            CommandResult::Run(_) => "run",
            CommandResult::Compare(_) => "compare",
            CommandResult::Sweep(_) => "sweep",
            CommandResult::Size(_) => "size",
            CommandResult::Team(_) => "team",
        }
    }

    pub fn settings(&self) -> &RunSettings {
        match self {
            CommandResult::Run(r) => &r.settings,
            CommandResult::Compare(c) | CommandResult::Sweep(c) => &c.settings,
            CommandResult::Size(s) => &s.settings,
            CommandResult::Team(t) => &t.settings,
        }
    }

    /// Every variant simulated, in order (for `size`, every candidate in
    /// the order tried).
    pub fn variants(&self) -> Vec<&VariantResult> {
        match self {
            CommandResult::Run(r) => vec![&r.variant],
            CommandResult::Compare(c) | CommandResult::Sweep(c) => c.variants.iter().collect(),
            CommandResult::Size(s) => s.candidates().into_iter().map(|c| &c.variant).collect(),
            CommandResult::Team(t) => t.variants.iter().collect(),
        }
    }

    /// The paired differences (`compare` and `sweep`; empty otherwise).
    pub fn differences(&self) -> &[Difference] {
        match self {
            CommandResult::Compare(c) | CommandResult::Sweep(c) => &c.differences,
            _ => &[],
        }
    }

    /// The failure costs' paired differences (`compare` and `sweep`;
    /// empty otherwise).
    pub fn failure_differences(&self) -> &[FailureDifference] {
        match self {
            CommandResult::Compare(c) | CommandResult::Sweep(c) => &c.failure_differences,
            _ => &[],
        }
    }

    /// The names of the varied keys (those of the first variant).
    pub fn key_names(&self) -> Vec<String> {
        self.variants()
            .first()
            .map(|v| v.keys.iter().map(|(k, _)| k.clone()).collect())
            .unwrap_or_default()
    }

    /// Replications and requests simulated, over every variant.
    pub fn simulated(&self) -> (usize, u64) {
        self.variants().iter().fold((0, 0), |(n, r), v| {
            (n + v.summary.replications, r + v.summary.requests)
        })
    }
}
