//! The machinery every what-if command shares: reading `KEY=LIST`
//! arguments, building the grid of scenario variants, running all
//! variants × replications in one rayon pool under common random numbers,
//! and the paired differences that make a comparison's CI tight.
//!
//! Why this file exists: `compare`, `sweep`, `size` and `team` differ only
//! in which variants they build and how they print them. Keeping the grid,
//! the parallel run and the statistics here means they all get the same
//! guarantees:
//!
//! * a variant is the scenario as parsed once at load time
//!   ([`LoadedScenario`]), built with the user's `--set`s plus the
//!   variant's own values through the same loader as `run --set`, so a bad
//!   value is reported exactly like a bad `--set` (but naming the `--vary`
//!   or `--front-ends` it came from); the file is never read again;
//! * replication k of every variant runs with `StreamSeeds::new(seed, k)`:
//!   every variant sees the same arrivals and service demands (common random
//!   numbers), so per-replication differences are paired;
//! * the (variant, replication) pairs go into one `into_par_iter`; each
//!   variant is summarized from its replications in index order as soon as
//!   the last one finishes, so the output bytes do not depend on the thread
//!   count, and only a few numbers per replication are kept (memory does not
//!   grow with the histograms of a large grid).

use std::collections::BTreeSet;

use rayon::prelude::*;

use crate::engine::StreamSeeds;
use crate::error::{Error, Result};
use crate::experiment::failure_cost::{FailureCostFigures, FailureDifference, RecoveryDifference};
use crate::experiment::precision::{BatchJob, Watch, run_batches};
use crate::experiment::result::{Difference, Measure, Varied};
pub use crate::experiment::summary::Figure;
use crate::experiment::summary::{ReplicationFigures, class_names, resource_names};
use crate::experiment::{Progress, Summary};
use crate::model::Model;
use crate::model::sim::simulate_until;
use crate::scenario::{self, LoadedScenario, Override, Scenario, ScenarioError, Source};
use crate::stats::Estimate;

/// At most this many variants in one grid: a typo such as `1..1000` in two
/// keys should be an error, not a day of computing.
pub const MAX_VARIANTS: usize = 1000;

/// One override a variant adds, with the argument it came from (for
/// messages: `--vary database.cores=8`, `--front-ends 3`).
#[derive(Clone, Debug)]
pub(crate) struct Setting {
    pub flag: String,
    pub key: String,
    pub value: String,
}

/// The scenario with the user's overrides and then `settings`, built from
/// `source` when given (team's co-located layout), else from the loaded
/// scenario's own. A bad value is reported naming the flag it came from.
pub(crate) fn variant(
    base: &LoadedScenario,
    source: Option<&Source>,
    settings: &[Setting],
) -> Result<Scenario> {
    let extra: Vec<Override> = settings
        .iter()
        .map(|s| Override {
            path: s.key.clone(),
            value: s.value.clone(),
        })
        .collect();
    match source {
        Some(source) => base.variant_of(source, &extra),
        None => base.variant(&extra),
    }
    .map_err(|e| relabel(&e, settings))
}

/// The front-end counts of the scenario: one group per zone, with the key
/// that sets it. Single-environment scenarios use the shorthand
/// (`front_ends`, `zones.NAME.front_ends`); with several environments
/// every key is spelled in full.
pub(crate) fn front_end_groups(base: &LoadedScenario) -> Vec<FrontEndGroup> {
    let model = &base.scenario().model;
    let envs = match base.source().table().get("environments") {
        Some(toml::Value::Table(t)) => Some(t),
        _ => None,
    };
    let several = envs.is_some_and(|t| t.len() > 1);
    model
        .zones
        .iter()
        .enumerate()
        .map(|(z, zone)| {
            let env = &model.environments[zone.environment].name;
            let (env_table, local) = match envs {
                Some(t) => (
                    t.get(env).and_then(toml::Value::as_table),
                    zone.name
                        .strip_prefix(&format!("{env}."))
                        .unwrap_or(&zone.name)
                        .to_owned(),
                ),
                None => (Some(base.source().table()), zone.name.clone()),
            };
            let zoned = env_table.is_some_and(|t| t.contains_key("zones"));
            let prefix = if several {
                format!("environments.{env}.")
            } else {
                String::new()
            };
            let key = match (zoned, several) {
                (true, _) => format!("{prefix}zones.{local}.front_ends"),
                (false, true) => format!("{prefix}front_ends"),
                (false, false) => "front_ends".to_owned(),
            };
            FrontEndGroup {
                key,
                zone: z,
                count: model.zone_front_ends(z).len(),
            }
        })
        .collect()
}

/// The front-ends of one zone and the key that sets their count.
#[derive(Clone, Debug)]
pub(crate) struct FrontEndGroup {
    /// The override key, which answers and candidates are named by:
    /// `front_ends`, `zones.public.front_ends`, …
    pub key: String,
    /// Index into `Model::zones`.
    pub zone: usize,
    /// The count in the scenario (after the user's `--set`s).
    pub count: usize,
}

/// The message of a scenario error without the `--set KEY=VALUE:` prefix
/// when it came from a variant's own setting, which is then named by the
/// flag it came from.
fn relabel(e: &ScenarioError, settings: &[Setting]) -> Error {
    if let Some(d) = e.diagnostic()
        && let scenario::Origin::Set { key, value } = &d.origin
        && let Some(s) = settings.iter().find(|s| &s.key == key && &s.value == value)
    {
        let field = d
            .field
            .as_ref()
            .filter(|f| *f != key)
            .map(|f| format!("{f}: "))
            .unwrap_or_default();
        let message = d.message.replace("(this value came from --set)", "");
        return Error::Usage(format!("{}: {field}{}", s.flag, message.trim_end()));
    }
    // The scenario with the user's overrides loaded: what breaks it is
    // the variant's own settings, though the message names another
    // field (a failure of `main.3` in a variant with 2 front-ends).
    if settings.is_empty() {
        return Error::Usage(e.to_string());
    }
    let flags: BTreeSet<&str> = settings.iter().map(|s| s.flag.as_str()).collect();
    Error::Usage(format!(
        "{}\n  (only with {}: the scenario loads without it)",
        e.to_string().trim_end(),
        flags.into_iter().collect::<Vec<_>>().join(", ")
    ))
}

/// The message of a malformed `KEY=VALUE` without its `--set` prefix.
fn inner_message(e: &ScenarioError) -> String {
    match e {
        ScenarioError::BadOverride { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

/// One varied setting: its column name, the values, and the keys each
/// value is written to (several for `--front-ends` in a zoned scenario).
#[derive(Clone, Debug)]
pub(crate) struct Dimension {
    /// The CSV column and table heading (`front_ends`, `traffic.portal.rate`).
    pub key: String,
    /// The flag, for messages (`--vary traffic.portal.rate=`, `--front-ends `):
    /// a value is shown after it.
    pub flag: String,
    pub values: Vec<String>,
    pub targets: Vec<String>,
}

/// Reads `--vary KEY=LIST`.
pub fn parse_vary(arg: &str) -> Result<Varied> {
    let bad = |m: &str| Error::Usage(format!("--vary {arg:?}: {m}"));
    let (key, list) = arg
        .split_once('=')
        .ok_or_else(|| bad("expected KEY=LIST, such as front_ends=1,3,5 or database.cores=2..8"))?;
    let key = key.trim();
    if key.is_empty() {
        return Err(bad(
            "the key before '=' is empty; expected KEY=LIST, such as front_ends=1,3,5",
        ));
    }
    format!("{key}=0")
        .parse::<Override>()
        .map_err(|e| bad(&inner_message(&e)))?;
    if key == "simulation" || key.starts_with("simulation.") {
        // The report's header, the JSON settings and the pairing of the
        // variants (replication k of each uses the same random numbers) are
        // one run's settings, shared by every variant.
        return Err(bad(
            "[simulation] keys are settings of the whole run, the same for every variant (its length, replications, seed and common random numbers): set them with --duration, --warmup, --replications, --seed or --set, and compare variants of the installation",
        ));
    }
    let values = parse_list(list).map_err(|m| bad(&m))?;
    Ok(Varied {
        key: key.to_owned(),
        values,
    })
}

impl Dimension {
    /// A `--vary KEY=LIST`.
    pub fn vary(v: Varied) -> Dimension {
        Dimension {
            flag: format!("--vary {}=", v.key),
            targets: vec![v.key.clone()],
            key: v.key,
            values: v.values,
        }
    }

    /// A `--front-ends LIST`: every zone's count set to each value.
    pub fn front_ends(values: Vec<String>, groups: &[FrontEndGroup]) -> Dimension {
        Dimension {
            key: "front_ends".to_owned(),
            flag: "--front-ends ".to_owned(),
            values,
            targets: groups.iter().map(|g| g.key.clone()).collect(),
        }
    }

    /// Checks that every target key exists in the scenario (so an unknown
    /// key is reported once, before any value is tried).
    pub fn check(&self, base: &LoadedScenario) -> Result<()> {
        for t in &self.targets {
            let mut table = base.source().table().clone();
            let o = Override {
                path: t.clone(),
                value: self.values.first().cloned().unwrap_or_default(),
            };
            if let Err(e) = scenario::apply_override(&mut table, &o) {
                let message = match e.diagnostic() {
                    Some(d) => {
                        let field = d
                            .field
                            .as_ref()
                            .filter(|f| *f != t)
                            .map(|f| format!("{f}: "))
                            .unwrap_or_default();
                        format!("{field}{}", d.message)
                    }
                    None => inner_message(&e),
                };
                return Err(Error::Usage(format!(
                    "{}{}: {message}",
                    self.flag,
                    self.values.join(",")
                )));
            }
        }
        Ok(())
    }

    fn settings(&self, value: &str) -> Vec<Setting> {
        self.targets
            .iter()
            .map(|t| Setting {
                flag: format!("{}{value}", self.flag),
                key: t.clone(),
                value: value.to_owned(),
            })
            .collect()
    }
}

/// Splits `text` at commas outside parentheses, brackets, braces and
/// quotes, so `lognormal(mean=10ms, cv=1),exp(5ms)` is two values.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, 0);
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// Reads a LIST: values separated by commas (`1,3,5`, `100ms,200ms`,
/// `round_robin,least_connections`) and inclusive whole-number ranges
/// (`1..6`), which may be mixed (`1..3,8`). Duplicates are an error.
pub fn parse_list(text: &str) -> Result<Vec<String>, String> {
    const HOW: &str =
        "give values separated by commas (1,3,5 or 100ms,200ms) or an inclusive range (1..6)";
    if text.trim().is_empty() {
        return Err(format!("the list is empty; {HOW}"));
    }
    let mut out: Vec<String> = Vec::new();
    for item in split_top_level(text) {
        let item = item.trim();
        if item.is_empty() {
            return Err(format!(
                "empty value in {text:?} (two commas in a row, or one at an end); {HOW}"
            ));
        }
        let range = item
            .split_once("..")
            .filter(|_| !item.contains(['(', '[', '{', '"', '\'']));
        match range {
            Some((a, b)) => {
                let (Ok(a), Ok(b)) = (a.trim().parse::<i64>(), b.trim().parse::<i64>()) else {
                    return Err(format!(
                        "bad range {item:?}: a range is two whole numbers, both included, such as 1..6"
                    ));
                };
                if a > b {
                    return Err(format!(
                        "range {item:?} counts down; write it as {b}..{a} (both ends included)"
                    ));
                }
                // In i128: `b - a` of two i64 overflows for a range such
                // as i64::MIN..i64::MAX.
                let values = i128::from(b) - i128::from(a) + 1;
                if values > MAX_VARIANTS as i128 {
                    return Err(format!(
                        "range {item:?} has {values} values; at most {MAX_VARIANTS}"
                    ));
                }
                out.extend((a..=b).map(|v| v.to_string()));
            }
            None => out.push(item.to_owned()),
        }
    }
    let mut seen = BTreeSet::new();
    for v in &out {
        if !seen.insert(v) {
            return Err(format!("value {v:?} appears twice in {text:?}"));
        }
    }
    Ok(out)
}

/// One point of a grid: its name, the varied values, and the scenario.
pub(crate) struct Variant {
    /// `front_ends=3` or `front_ends=3 database.cores=8`.
    pub name: String,
    /// (key, value) per dimension, in dimension order.
    pub keys: Vec<(String, String)>,
    pub scenario: Scenario,
}

/// The full grid of `dims`, the first dimension varying slowest. Each
/// variant is loaded (and so checked) before anything is simulated.
pub(crate) fn grid(base: &LoadedScenario, dims: &[Dimension]) -> Result<Vec<Variant>> {
    let total = dims
        .iter()
        .try_fold(1usize, |acc, d| acc.checked_mul(d.values.len()))
        .unwrap_or(usize::MAX);
    if total > MAX_VARIANTS {
        return Err(Error::Usage(format!(
            "the grid has {total} variants ({}); at most {MAX_VARIANTS}: shorten a list",
            dims.iter()
                .map(|d| format!("{} values of {}", d.values.len(), d.key))
                .collect::<Vec<_>>()
                .join(" x ")
        )));
    }
    let mut keys = BTreeSet::new();
    for d in dims {
        if !keys.insert(d.key.as_str()) {
            return Err(Error::Usage(format!(
                "{} is varied twice; give one list per key",
                d.key
            )));
        }
        d.check(base)?;
    }
    // A field two dimensions write would take the later one's value in
    // every variant, and the earlier one's name would not say so.
    let mut written: Vec<(&str, &Dimension)> = Vec::new();
    for d in dims {
        for t in &d.targets {
            if let Some((_, other)) = written.iter().find(|(w, _)| *w == t.as_str()) {
                return Err(Error::Usage(format!(
                    "{}{} and {}{} both set {t}: each variant would take only the second's value, under a name giving both; vary each field once (with --front-ends, vary the other zones with --vary)",
                    other.flag,
                    other.values.join(","),
                    d.flag,
                    d.values.join(","),
                )));
            }
            written.push((t, d));
        }
    }
    refuse_overridden_sets(
        base,
        &dims
            .iter()
            .flat_map(|d| {
                d.targets
                    .iter()
                    .map(move |t| (t.clone(), format!("{}{}", d.flag, d.values.join(","))))
            })
            .collect::<Vec<_>>(),
    )?;
    let mut out = Vec::with_capacity(total);
    for i in 0..total {
        let mut rest = i;
        let mut picks = vec![0; dims.len()];
        for (k, d) in dims.iter().enumerate().rev() {
            picks[k] = rest % d.values.len();
            rest /= d.values.len();
        }
        let mut settings = Vec::new();
        let mut keys = Vec::new();
        for (d, &p) in dims.iter().zip(&picks) {
            let v = &d.values[p];
            settings.extend(d.settings(v));
            keys.push((d.key.clone(), v.clone()));
        }
        let scenario = variant(base, None, &settings)?;
        out.push(Variant {
            name: variant_name(&keys),
            keys,
            scenario,
        });
    }
    Ok(out)
}

/// Refuses a user's `--set` of a field every variant sets: `written` holds
/// each such field with what sets it (`--vary front_ends=2,3`). The
/// variants' value would win everywhere, so the `--set` would change
/// nothing, silently.
pub(crate) fn refuse_overridden_sets(
    base: &LoadedScenario,
    written: &[(String, String)],
) -> Result<()> {
    for o in &base.overrides().set {
        if let Some((_, by)) = written.iter().find(|(key, _)| *key == o.path) {
            return Err(Error::Usage(format!(
                "--set {}={}: every variant sets {} ({by}), so this --set would change nothing; leave it out",
                o.path, o.value, o.path
            )));
        }
    }
    Ok(())
}

/// `front_ends=3 database.cores=8`.
pub(crate) fn variant_name(keys: &[(String, String)]) -> String {
    keys.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// What to simulate for one variant.
#[derive(Clone, Copy, Debug)]
pub struct Job<'a> {
    pub model: &'a Model,
    pub replications: usize,
    pub seed: u64,
}

impl<'a> Job<'a> {
    /// One job per variant of a grid, with the variant's replications and seed.
    pub(crate) fn of_grid(grid: &'a [Variant]) -> Vec<Job<'a>> {
        grid.iter()
            .map(|v| Job {
                model: &v.scenario.model,
                replications: v.scenario.replications,
                seed: v.scenario.seed,
            })
            .collect()
    }
}

/// One variant's outcome: its summary and each replication's figures, in
/// replication order (a few numbers per row, not the histograms, so paired
/// differences can be taken after the run).
#[derive(Clone, Debug)]
pub struct VariantRun {
    pub summary: Summary,
    pub replications: Vec<ReplicationFigures>,
}

/// Runs every (variant, replication) pair in one parallel iterator on the
/// current rayon pool, replication k of every variant with
/// `StreamSeeds::new(seed, k)`, reporting to `progress` as replications
/// advance.
///
/// Each variant is summarized from its results in replication order (so
/// the bytes out do not depend on the thread count); only a few numbers
/// per replication are kept, never the histograms.
///
/// A variant that did not finish (Ctrl-C) is `None`.
pub fn run_variants(jobs: &[Job<'_>], progress: &dyn Progress) -> Vec<Option<VariantRun>> {
    let jobs: Vec<BatchJob<'_>> = jobs
        .iter()
        .map(|j| BatchJob {
            model: j.model,
            seed: j.seed,
            first: j.replications,
            watch: Watch::default(),
        })
        .collect();
    run_batches(&jobs, None, progress)
        .variants
        .into_iter()
        .map(|b| {
            b.map(|b| VariantRun {
                summary: b.summary,
                replications: b.replications,
            })
        })
        .collect()
}

/// Which share of a grid's (variant, replication) pairs one machine runs:
/// shard `index` of `count` (1-based) takes every pair whose position in
/// variant-major order is `index - 1` modulo `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(text: &str) -> Result<Shard, String> {
        let bad = || {
            format!("bad shard {text:?}: expected K/N with 1 <= K <= N, like 1/4 (shard 1 of 4)")
        };
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let index: usize = k.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// True when this shard runs pair number `position`.
    pub fn takes(&self, position: usize) -> bool {
        position % self.count == self.index - 1
    }
}

/// Runs this shard's (variant, replication) pairs and returns their
/// figures in pair order; if Ctrl-C stopped it, `Err` with how many of
/// them had finished.
pub fn run_shard<T: Fn() + Sync>(
    jobs: &[Job<'_>],
    shard: Shard,
    tick: T,
) -> Result<Vec<(usize, usize, ReplicationFigures)>, usize> {
    let pairs: Vec<(usize, usize)> = jobs
        .iter()
        .enumerate()
        .flat_map(|(v, j)| (0..j.replications).map(move |k| (v, k)))
        .enumerate()
        .filter(|(position, _)| shard.takes(*position))
        .map(|(_, pair)| pair)
        .collect();
    let stop = crate::interrupt::flag();
    let done: Vec<Option<(usize, usize, ReplicationFigures)>> = pairs
        .into_par_iter()
        .with_max_len(1)
        .map(|(v, k)| {
            let j = &jobs[v];
            let r = simulate_until(j.model, StreamSeeds::new(j.seed, k as u64), stop)?;
            tick();
            Some((v, k, ReplicationFigures::from(&r)))
        })
        .collect();
    let finished = done.iter().flatten().count();
    done.into_iter().collect::<Option<_>>().ok_or(finished)
}

/// Paired difference `variant − baseline` of a per-replication value:
/// the difference in each replication both have (replication k of both ran
/// with the same random streams), then its mean and Student-t CI; `None`
/// when no replication has it on both sides. A replication where either
/// side lacks the value (a response time where nothing was answered) or
/// has it undefined (NaN: the utilization of an external system without
/// a concurrency limit) is left out, never counted as a zero. A
/// difference can have either sign:
/// its interval is never cut ([`Estimate::from_values`]).
pub fn paired<F>(
    baseline: &[ReplicationFigures],
    variant: &[ReplicationFigures],
    value: F,
) -> Option<Estimate>
where
    F: Fn(&ReplicationFigures) -> Option<f64>,
{
    let diffs: Vec<f64> = baseline
        .iter()
        .zip(variant)
        .filter_map(|(a, b)| {
            let defined = |r: &ReplicationFigures| value(r).filter(|x: &f64| !x.is_nan());
            Some(defined(b)? - defined(a)?)
        })
        .collect();
    (!diffs.is_empty()).then(|| Estimate::from_values(&diffs))
}

/// Paired difference of a class figure (`None` when a side lacks the class).
pub fn paired_difference(
    baseline: &[ReplicationFigures],
    variant: &[ReplicationFigures],
    class: &str,
    figure: Figure,
) -> Option<Estimate> {
    paired(baseline, variant, |r| r.figure(class, figure))
}

/// Paired difference of a resource's utilization (a fraction).
pub fn utilization_difference(
    baseline: &[ReplicationFigures],
    variant: &[ReplicationFigures],
    resource: &str,
) -> Option<Estimate> {
    paired(baseline, variant, |r| r.utilization(resource))
}

/// Every variant's paired differences against the first: per variant
/// after the first, each class row (over all variants, in order of first
/// appearance) × figure, then each resource's utilization, wherever both
/// variants have the row. A percentile's difference counts the
/// replications in which either side was cut at the client timeout
/// ([`Difference::censored`]).
pub(crate) fn differences(
    summaries: &[Summary],
    replications: &[Vec<ReplicationFigures>],
) -> Vec<Difference> {
    let Some((base, others)) = replications.split_first() else {
        return Vec::new();
    };
    let classes = class_names(summaries);
    let resources = resource_names(summaries);
    let mut out = Vec::new();
    for (i, reps) in others.iter().enumerate() {
        let variant = i + 1;
        for class in &classes {
            for figure in Figure::ALL {
                if let Some(estimate) = paired_difference(base, reps, class, figure) {
                    // Replications paired in which either side's
                    // percentile is only a lower bound.
                    let censored = base
                        .iter()
                        .zip(reps)
                        .filter(|(a, b)| {
                            a.figure(class, figure).is_some()
                                && b.figure(class, figure).is_some()
                                && (a.censored(class, figure) || b.censored(class, figure))
                        })
                        .count();
                    out.push(Difference {
                        variant,
                        row: class.clone(),
                        measure: Measure::Class(figure),
                        estimate,
                        censored,
                    });
                }
            }
        }
        for resource in &resources {
            if let Some(estimate) = utilization_difference(base, reps, resource) {
                out.push(Difference {
                    variant,
                    row: resource.clone(),
                    measure: Measure::Utilization,
                    estimate,
                    censored: 0,
                });
            }
        }
    }
    out
}

/// Every variant's failure costs against the first's: per variant after
/// the first, each scheduled failure × traffic class the first measured
/// and the variant measured too (same failure, same target), the paired
/// differences of the errors caused (in total and per kind) and of the
/// recovery time. A recovery that is only a lower bound on either side of
/// a replication is never turned into a number
/// ([`RecoveryDifference::Censored`]).
pub(crate) fn failure_differences(
    summaries: &[Summary],
    replications: &[Vec<ReplicationFigures>],
) -> Vec<FailureDifference> {
    let (Some((base, others)), Some(first)) = (replications.split_first(), summaries.first())
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, reps) in others.iter().enumerate() {
        let variant = i + 1;
        let Some(summary) = summaries.get(variant) else {
            continue;
        };
        for f in first.failure_costs.iter().filter(|f| f.periods.is_some()) {
            let Some(g) = summary.failure_costs.get(f.failure) else {
                continue;
            };
            if g.target != f.target || g.periods.is_none() {
                continue;
            }
            for c in &f.classes {
                if !g.classes.iter().any(|x| x.class == c.class) {
                    continue;
                }
                let kind = |get: fn(&FailureCostFigures) -> f64| {
                    paired(base, reps, |r| r.failure_cost(f.failure, &c.class).map(get))
                };
                let (Some(errors), Some(failed), Some(timed_out), Some(rejected)) = (
                    kind(|x| x.errors),
                    kind(|x| x.failed),
                    kind(|x| x.timed_out),
                    kind(|x| x.rejected),
                ) else {
                    continue;
                };
                let pairs = base.iter().zip(reps).filter_map(|(a, b)| {
                    Some((
                        a.failure_cost(f.failure, &c.class)?,
                        b.failure_cost(f.failure, &c.class)?,
                    ))
                });
                out.push(FailureDifference {
                    variant,
                    failure: f.failure,
                    class: c.class.clone(),
                    errors,
                    failed,
                    timed_out,
                    rejected,
                    recovery: RecoveryDifference::of(pairs),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_ranges_units_and_distributions() {
        assert_eq!(parse_list("1,3,5").unwrap(), ["1", "3", "5"]);
        assert_eq!(parse_list("1..4").unwrap(), ["1", "2", "3", "4"]);
        assert_eq!(parse_list(" 1..2, 8 ").unwrap(), ["1", "2", "8"]);
        assert_eq!(parse_list("100ms,200ms").unwrap(), ["100ms", "200ms"]);
        assert_eq!(
            parse_list("lognormal(mean=10ms, cv=1),exp(5ms)").unwrap(),
            ["lognormal(mean=10ms, cv=1)", "exp(5ms)"]
        );
        assert_eq!(parse_list("[1, 2],[3]").unwrap(), ["[1, 2]", "[3]"]);
    }

    #[test]
    fn bad_lists_say_what_is_allowed() {
        for (text, want) in [
            ("", "empty"),
            ("  ", "empty"),
            ("1,,3", "empty value"),
            ("1,", "empty value"),
            ("6..1", "counts down"),
            ("1..x", "whole numbers"),
            ("1.5..3", "whole numbers"),
            ("1,1", "twice"),
            ("1..5000", "at most"),
            ("-9223372036854775808..9223372036854775807", "at most"),
            ("-5000000000000000000..5000000000000000000", "at most"),
        ] {
            let e = parse_list(text).unwrap_err();
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }

    /// A replication whose one failure cost `errors` (all failed) and
    /// recovered after `recovery` seconds (censored: only a lower bound).
    fn replication(errors: f64, recovery: f64, censored: bool) -> ReplicationFigures {
        let periods = crate::model::sim::FailurePeriods {
            before: (60.0, 300.0),
            during: (300.0, 420.0),
            after: (420.0, 540.0),
            back: 420.0,
            end: 600.0,
        };
        ReplicationFigures {
            classes: vec![],
            resources: vec![],
            events: 1,
            databases: vec![],
            timeline: None,
            failures: vec![FailureCostFigures {
                failure: 0,
                class: "portal".into(),
                periods,
                errors,
                failed: errors,
                timed_out: 0.0,
                rejected: 0.0,
                p95_before: 0.05,
                p95_during: 0.05,
                p95_after: 0.05,
                p95_censored: [false; 3],
                recovery,
                recovery_censored: censored,
            }],
            stopped_early: None,
        }
    }

    fn compared(variants: &[Vec<ReplicationFigures>]) -> Vec<FailureDifference> {
        let summaries: Vec<Summary> = variants
            .iter()
            .map(|r| Summary::from_parts(0, &[], r))
            .collect();
        failure_differences(&summaries, variants)
    }

    #[test]
    fn failure_costs_are_compared_replication_by_replication() {
        let one = vec![
            replication(24_000.0, 2.0, false),
            replication(24_300.0, 3.0, false),
            replication(23_800.0, 2.5, false),
        ];
        let two = vec![
            replication(6_000.0, 1.0, false),
            replication(6_100.0, 1.0, false),
            replication(5_900.0, 1.5, false),
        ];
        let d = compared(&[one.clone(), two.clone(), one.clone()]);
        assert_eq!(d.len(), 2, "{d:?}");
        let (second, same) = (&d[0], &d[1]);
        assert_eq!((second.variant, second.failure), (1, 0));
        assert_eq!(second.class, "portal");
        // The mean of −18000, −18200, −17900, with its own t-interval.
        assert!((second.errors.mean + 18_033.333).abs() < 1e-3);
        assert!(second.errors.ci_95().unwrap().1 < 0.0);
        assert_eq!(second.failed, second.errors);
        assert_eq!(second.rejected.mean, 0.0);
        let r = second.recovery.measured().unwrap();
        assert!((r.mean + 4.0 / 3.0).abs() < 1e-9, "{r:?}");
        // The same variant again: exactly nothing, with a zero interval.
        assert_eq!(same.variant, 2);
        assert_eq!(
            (same.errors.mean, same.errors.ci_95()),
            (0.0, Some((0.0, 0.0)))
        );
        assert_eq!(same.recovery.measured().unwrap().mean, 0.0);
        // One replication not recovered by the end of the run (either
        // side): the recovery difference is not a number.
        let mut late = two.clone();
        late[1] = replication(6_100.0, 180.0, true);
        let d = compared(&[one.clone(), late]);
        assert_eq!(
            d[0].recovery,
            RecoveryDifference::Censored {
                censored: 1,
                pairs: 3
            }
        );
        assert!((d[0].errors.mean + 18_033.333).abs() < 1e-3);
        // A variant without the failure measured has no difference.
        let mut none = two;
        for r in &mut none {
            r.failures.clear();
        }
        assert!(compared(&[one, none]).is_empty());
    }

    #[test]
    fn vary_needs_key_and_list() {
        assert!(parse_vary("front_ends").is_err());
        assert!(parse_vary("=1,2").is_err());
        assert!(parse_vary("a b=1").is_err());
        let v = parse_vary("traffic.portal.rate=100,200").unwrap();
        assert_eq!(v.key, "traffic.portal.rate");
        assert_eq!(v.values, ["100", "200"]);
    }
}
