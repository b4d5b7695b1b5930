//! `--precision P%`: replications in batches until the figures that matter
//! are known to within P % of their value, and the batched runner every
//! simulating command goes through.
//!
//! Why this file exists: a guessed replication count is either too few
//! (wide intervals) or far too many (the production example's p95 at
//! ±0.13 % when ±2 % was enough). The rule, printed with the results:
//!
//! * the *watched figures* of a variant are the p95 of every traffic class
//!   and every SLO figure (the scenario's, or `size`'s `--slo`s), except
//!   figures that cannot be judged, which more replications do not make
//!   meaningful: a saturated row, a percentile cut at the client timeout,
//!   a row with no request completed in some replication;
//! * a variant is *precise* when every watched figure's 95 % CI half-width
//!   is within P % of its estimate;
//! * the first batch is `--replications` when given, else
//!   [`FIRST_BATCH`]; after each whole batch the rule is evaluated on the
//!   replications so far, in replication order. A variant that is not yet
//!   precise gets a next batch bringing its total to the count the widest
//!   figure predicts (a half-width is t(n − 1)·s/√n), at least one more and
//!   at most twice as many, never beyond `--max-replications`;
//! * what-ifs apply the rule per variant; replication k of every variant
//!   runs with `StreamSeeds::new(seed, k)` (common random numbers), and
//!   each round of batches of all unfinished variants runs in one rayon
//!   pool;
//! * `size` also ends a candidate's batches when an objective is clearly
//!   missed ([`Watch::clearly_missed`]): more replications would not turn
//!   that verdict, so they would be spent on nothing;
//! * `size --max-utilization U` also watches the utilization of every
//!   sized resource, as a figure (its half-width within P %) and as an
//!   objective (clearly missed when the whole CI is above U);
//! * `size`'s replications also stop, inside the run, once a figure an
//!   objective judges is certain to end above its limit
//!   ([`Watch::miss_rule`]). A variant all of whose replications stopped
//!   is done: it misses for certain. One whose replications did not all
//!   stop has them run again, from the first that stopped, to their end
//!   without the rule, before its batch is judged.
//!
//! Architecture Invariant: batch sizes and every stopping decision depend
//! only on the figures of whole batches, never on which replication
//! finished first, so the same seed gives the same replication counts and
//! the same bytes on any number of threads.

use std::sync::atomic::Ordering;

use rayon::prelude::*;

use super::Summary;
use super::progress::{Progress, Replication};
use super::summary::{ClassSummary, Figure, ReplicationFigures, SloVerdict, judge, slo_figure};
use crate::engine::StreamSeeds;
use crate::model::Model;
use crate::model::sim::{MissFigure, MissLimit, MissRule, simulate_reporting};
use crate::model::spec::Slo;
use crate::stats::ci::t_quantile;

/// The first batch when `--replications` is not given: the fewest that
/// give a confidence interval. The Student-t quantile of one degree of
/// freedom (12.7) makes a variant stop there only when its replications
/// agree very closely.
pub const FIRST_BATCH: usize = 2;

/// Default of `--max-replications`.
pub const DEFAULT_MAX_REPLICATIONS: usize = 200;

/// What `--precision` asks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Precision {
    /// The largest relative 95 % CI half-width accepted (0.02 for 2 %).
    pub target: f64,
    /// Stop there, precise or not (`--max-replications`).
    pub max: usize,
}

impl Precision {
    /// Reads `--precision` (`2%`, `0.5 %`) with `--max-replications`;
    /// the message says what is allowed.
    pub fn parse(text: &str, max: usize) -> Result<Precision, String> {
        let t = text.trim();
        let number = t.strip_suffix('%').ok_or_else(|| {
            format!("--precision {text:?}: expected a percentage between 0 and 100, such as 2%")
        })?;
        let p: f64 = number.trim().parse().map_err(|_| {
            format!("--precision {text:?}: expected a percentage between 0 and 100, such as 2%")
        })?;
        if !(p > 0.0 && p < 100.0) {
            return Err(format!(
                "--precision {text:?}: expected a percentage between 0 and 100 (both excluded), such as 2%"
            ));
        }
        if max < 2 {
            return Err(format!(
                "--max-replications {max}: must be at least 2 (a confidence interval needs two replications)"
            ));
        }
        Ok(Precision {
            target: p / 100.0,
            max,
        })
    }
}

/// The watched figure with the widest relative half-width.
#[derive(Clone, Debug, PartialEq)]
pub struct Widest {
    pub row: String,
    /// The figure's name as reports give it (`p95`, `utilization`).
    pub figure: &'static str,
    /// Half-width of the 95 % CI over the estimate (infinite for a figure
    /// of 0 with some spread, or with one replication).
    pub relative: f64,
}

/// How `--precision` ended for one variant.
#[derive(Clone, Debug, PartialEq)]
pub struct PrecisionOutcome {
    /// Replications the variant ran.
    pub replications: usize,
    /// Every watched figure is within the target.
    pub reached: bool,
    /// The widest watched figure at the end; `None` when nothing was
    /// watched (no traffic class, nothing fit to judge).
    pub widest: Option<Widest>,
    /// `size`: the batches ended early because an objective is clearly
    /// missed (its row, as a sentence's subject: `portal p95`).
    pub clearly_missed: Option<String>,
}

/// What the rule watches in one variant.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Watch {
    /// (row, figure): the figures whose half-widths must be within target.
    pub figures: Vec<(String, Figure)>,
    /// `size`'s objectives (row, SLO, errors judged): a variant clearly
    /// missing one ends its batches.
    pub objectives: Vec<(String, Slo, bool)>,
    /// `size`: a replication stops once it certainly misses a limit of
    /// an objective ([`Watch::miss_rule`]).
    pub stop_certain_misses: bool,
    /// `size --max-utilization`: (resource, limit) of each sized resource.
    /// Its utilization is watched like a figure, and a candidate whose
    /// whole CI is above the limit clearly misses.
    pub utilizations: Vec<(String, f64)>,
}

/// The name of a watched resource figure.
const UTILIZATION: &str = "utilization";

/// The figure an SLO is on.
pub fn slo_measure(slo: Slo) -> Figure {
    match slo {
        Slo::P95(_) => Figure::P95,
        Slo::P99(_) => Figure::P99,
        Slo::Mean(_) => Figure::Mean,
        Slo::Errors(_) => Figure::ErrorRate,
    }
}

/// How the reports name a watched figure: `p95`, `mean`, `error rate`.
pub fn figure_name(f: Figure) -> &'static str {
    match f {
        Figure::Throughput => "throughput",
        Figure::Mean => "mean",
        Figure::P50 => "p50",
        Figure::P95 => "p95",
        Figure::P99 => "p99",
        Figure::ErrorRate => "error rate",
    }
}

impl Watch {
    /// Every traffic class's p95 and the scenario's own SLO figures.
    pub fn of(model: &Model) -> Watch {
        Watch::with_slos(
            model,
            model
                .classes
                .iter()
                .flat_map(|c| c.slos.iter().map(|&s| (c.name.clone(), s))),
        )
    }

    /// Every traffic class's p95 and the figures of `slos` (row, SLO).
    pub fn with_slos(model: &Model, slos: impl IntoIterator<Item = (String, Slo)>) -> Watch {
        let mut figures: Vec<(String, Figure)> = model
            .classes
            .iter()
            .map(|c| (c.name.clone(), Figure::P95))
            .collect();
        for (row, slo) in slos {
            let f = (row, slo_measure(slo));
            if !figures.contains(&f) {
                figures.push(f);
            }
        }
        Watch {
            figures,
            objectives: Vec::new(),
            stop_certain_misses: false,
            utilizations: Vec::new(),
        }
    }

    /// The watched figure with the widest relative half-width; `None` when
    /// none can be judged.
    pub fn widest(&self, s: &Summary) -> Option<Widest> {
        let mut out: Option<Widest> = None;
        for (row, figure) in &self.figures {
            let Some(c) = s.classes.iter().find(|c| &c.name == row) else {
                continue;
            };
            let Some(relative) = relative_half_width(c, *figure) else {
                continue;
            };
            if out.as_ref().is_none_or(|w| relative > w.relative) {
                out = Some(Widest {
                    row: row.clone(),
                    figure: figure_name(*figure),
                    relative,
                });
            }
        }
        for (name, _) in &self.utilizations {
            let Some(r) = s.resources.iter().find(|r| &r.name == name) else {
                continue;
            };
            let Some(relative) = relative_of(&r.utilization) else {
                continue;
            };
            if out.as_ref().is_none_or(|w| relative > w.relative) {
                out = Some(Widest {
                    row: name.clone(),
                    figure: UTILIZATION,
                    relative,
                });
            }
        }
        out
    }

    /// The limits that decide `size`'s objectives, as a rule that stops a
    /// replication once one is certainly exceeded: each objective's own
    /// (a percentile, a mean, an error rate), and the rejection limit of a
    /// latency objective judged without an errors one (`judge`'s
    /// `Rejecting`). `None` when not asked, without objectives, or when no
    /// objective's class has open arrivals.
    pub fn miss_rule(&self, model: &Model) -> Option<MissRule> {
        if !self.stop_certain_misses {
            return None;
        }
        let mut limits = Vec::new();
        for (row, slo, errors_judged) in &self.objectives {
            let Some(class) = model.classes.iter().position(|c| &c.name == row) else {
                continue;
            };
            let mut limit = |figure, limit| {
                limits.push(MissLimit {
                    class,
                    figure,
                    limit,
                })
            };
            match *slo {
                Slo::Errors(l) => limit(MissFigure::Errors, l),
                Slo::P95(l) => limit(MissFigure::Quantile(0.95), l),
                Slo::P99(l) => limit(MissFigure::Quantile(0.99), l),
                Slo::Mean(l) => limit(MissFigure::Mean, l),
            }
            if slo.is_latency() && !errors_judged {
                limit(MissFigure::Rejected, super::summary::REJECTION_LIMIT);
            }
        }
        MissRule::new(model, limits)
    }

    /// The first objective that more replications would not meet: no
    /// request completed in some replication, or the percentile was cut at
    /// the client timeout in some replication (both only grow with
    /// replications); or the whole 95 % CI of the figure is above the
    /// limit; or the class rejects more than 5 % (latency objective
    /// without an errors one) or times most requests out at the lower end
    /// of the CI of that rate.
    pub fn clearly_missed(&self, s: &Summary) -> Option<String> {
        for (row, slo, errors_judged) in &self.objectives {
            let Some(c) = s.classes.iter().find(|c| &c.name == row) else {
                continue;
            };
            let check = judge(c, *slo, *errors_judged);
            // The lower end cut at 0 (see `stats::Bounds`) is above a
            // limit exactly when the uncut one is: every limit is >= 0.
            let lower = |e: &crate::stats::Estimate| e.ci_95().map_or(e.mean, |(lo, _)| lo);
            let limit = match slo {
                Slo::P95(l) | Slo::P99(l) | Slo::Mean(l) | Slo::Errors(l) => *l,
            };
            let clear = match check.verdict {
                SloVerdict::NoneCompleted | SloVerdict::Censored => true,
                SloVerdict::Missed => lower(&slo_figure(c, *slo)) > limit,
                SloVerdict::Rejecting => lower(&c.rejected_rate) > super::summary::REJECTION_LIMIT,
                SloVerdict::Saturated => lower(&c.timed_out_rate) > 0.5,
                SloVerdict::Met => false,
            };
            if clear {
                return Some(format!("{row} {}", figure_name(slo_measure(*slo))));
            }
        }
        for (name, limit) in &self.utilizations {
            let Some(r) = s.resources.iter().find(|r| &r.name == name) else {
                continue;
            };
            // A utilization's lower end cut at 0 is above a limit exactly
            // when the uncut one is.
            if r.utilization.ci_95().is_some_and(|(lo, _)| lo > *limit) {
                // To a thousandth of a percent, as `CertainMiss::what`.
                let percent = (limit * 1e5).round() / 1e3;
                return Some(format!("{name} {UTILIZATION} above {percent}%"));
            }
        }
        None
    }
}

/// Half-width over estimate of `figure` of row `c`; `None` when the figure
/// cannot be judged (saturated row, censored percentile, a replication
/// with nothing completed, not a number). The half-width is t·s/√n, not
/// the interval cut at the figure's range: cutting an end where a figure
/// cannot be says nothing about how precisely its mean is known.
fn relative_half_width(c: &ClassSummary, figure: Figure) -> Option<f64> {
    if c.saturated || c.none_completed > 0 || c.censored.of(figure) > 0 {
        return None;
    }
    relative_of(&figure.estimate(c))
}

/// Half-width over estimate of an estimate; `None` when it is not a
/// number, infinite with one replication or for a mean of 0 with spread.
fn relative_of(e: &crate::stats::Estimate) -> Option<f64> {
    if !e.mean.is_finite() {
        return None;
    }
    let Some(half) = e.half_95 else {
        return Some(f64::INFINITY);
    };
    if half == 0.0 {
        return Some(0.0);
    }
    if e.mean == 0.0 {
        return Some(f64::INFINITY);
    }
    Some(half / e.mean.abs())
}

/// The total replications after the next batch of a variant that has run
/// `done` and whose widest figure's 95 % half-width is at `relative`
/// against `target`: the fewest whose half-width is predicted within the
/// target, at least one more, at most twice as many, at most `max`.
///
/// A half-width is t(n − 1)·s/√n: the spread `s` is read from the one
/// measured, and both the Student-t quantile and √n shrink as `n` grows.
/// After two replications the quantile alone falls from 12.7 to 4.3 with
/// a third, so predicting from √n alone would ask for about three times
/// too many.
pub fn next_total(done: usize, relative: f64, target: f64, max: usize) -> usize {
    let lower = (done + 1).min(max);
    let upper = (2 * done).max(done + 1).min(max);
    if done < 2 || !relative.is_finite() {
        return upper;
    }
    let spread = relative * (done as f64).sqrt() / t_quantile(0.95, done - 1);
    (lower..=upper)
        .find(|&n| t_quantile(0.95, n - 1) * spread / (n as f64).sqrt() <= target)
        .unwrap_or(upper)
}

/// One variant to run in batches.
#[derive(Clone, Debug)]
pub struct BatchJob<'a> {
    pub model: &'a Model,
    pub seed: u64,
    /// The first batch (all of it without `--precision`).
    pub first: usize,
    pub watch: Watch,
}

/// One variant's replications (figures in replication order) and their
/// summary, which carries the [`PrecisionOutcome`] under `--precision`.
#[derive(Clone, Debug)]
pub struct Batched {
    pub summary: Summary,
    pub replications: Vec<ReplicationFigures>,
}

/// What [`run_batches`] ran.
#[derive(Clone, Debug)]
pub struct Batches {
    /// Per job, in order; `None` for a variant that did not finish
    /// (Ctrl-C).
    pub variants: Vec<Option<Batched>>,
    /// Replications finished, and planned (fewer finished: interrupted).
    pub finished: usize,
    pub planned: usize,
}

/// Runs `jobs` on the current rayon pool: without `precision` each its
/// first batch, in one parallel iterator; with it, rounds of batches until
/// each variant is precise, clearly misses an objective or reaches the
/// maximum. Replication k of a variant runs with `StreamSeeds::new(seed,
/// k)` and reports its simulated time to `progress` as it goes; further
/// batches are announced with [`Progress::grow`].
///
/// A variant that did not finish (Ctrl-C) is `None`.
pub fn run_batches(
    jobs: &[BatchJob<'_>],
    precision: Option<Precision>,
    progress: &dyn Progress,
) -> Batches {
    let stop = crate::interrupt::flag();
    let mut figures: Vec<Vec<ReplicationFigures>> = vec![Vec::new(); jobs.len()];
    let mut want: Vec<usize> = jobs.iter().map(|j| j.first).collect();
    let mut done: Vec<Option<Batched>> = vec![None; jobs.len()];
    // `size`'s rule stopping a replication on a certain miss; dropped for a
    // variant whose replications did not all stop (see below).
    let mut rules: Vec<Option<MissRule>> =
        jobs.iter().map(|j| j.watch.miss_rule(j.model)).collect();
    loop {
        // Variant-major, replication order: results are appended in it.
        let pairs: Vec<(usize, usize)> = (0..jobs.len())
            .filter(|&v| done[v].is_none())
            .flat_map(|v| (figures[v].len()..want[v]).map(move |k| (v, k)))
            .collect();
        let ran: Vec<Option<ReplicationFigures>> = pairs
            .par_iter()
            .with_max_len(1)
            .map(|&(v, k)| {
                // After Ctrl-C, the remaining replications do not start and
                // the running ones stop within a few thousand events.
                if stop.load(Ordering::Relaxed) {
                    return None;
                }
                let j = &jobs[v];
                let mut rep = Replication::new(progress);
                let r = simulate_reporting(
                    j.model,
                    StreamSeeds::new(j.seed, k as u64),
                    stop,
                    &mut |f| rep.at(f),
                    rules[v].as_ref(),
                )?;
                rep.done();
                // Only the figures are kept: the histograms go as soon as
                // the replication is done.
                Some(ReplicationFigures::from(&r))
            })
            .collect();
        if ran.iter().any(Option::is_none) {
            let finished = figures.iter().map(Vec::len).sum::<usize>()
                + done
                    .iter()
                    .flatten()
                    .map(|b| b.replications.len())
                    .sum::<usize>()
                + ran.iter().flatten().count();
            let planned = (0..jobs.len())
                .map(|v| done[v].as_ref().map_or(want[v], |b| b.replications.len()))
                .sum();
            return Batches {
                variants: done,
                finished,
                planned,
            };
        }
        for (&(v, _), f) in pairs.iter().zip(ran) {
            figures[v].extend(f);
        }
        let mut more = 0;
        for (v, j) in jobs.iter().enumerate() {
            if done[v].is_some() {
                continue;
            }
            // A certain miss is certain for the variant only when every
            // replication stopped on one. Otherwise those that stopped are
            // run again to their end, without the rule, before anything is
            // judged: a stopped replication's figures are not the run's.
            if rules[v].is_some()
                && let Some(first) = figures[v].iter().position(|r| r.stopped_early.is_some())
                && !figures[v].iter().all(|r| r.stopped_early.is_some())
            {
                rules[v] = None;
                more += figures[v].len() - first;
                figures[v].truncate(first);
                continue;
            }
            let reps = std::mem::take(&mut figures[v]);
            let mut summary = Summary::from_figures(&j.model.classes, &reps).with_failures(j.model);
            let Some(p) = precision else {
                done[v] = Some(Batched {
                    summary,
                    replications: reps,
                });
                continue;
            };
            let n = reps.len();
            let widest = j.watch.widest(&summary);
            let reached = widest.as_ref().is_none_or(|w| w.relative <= p.target);
            let clearly_missed = if let Some(c) = &summary.certain_miss {
                Some(c.what())
            } else if reached {
                None
            } else {
                j.watch.clearly_missed(&summary)
            };
            if reached || n >= p.max || clearly_missed.is_some() {
                summary.precision = Some(PrecisionOutcome {
                    replications: n,
                    reached,
                    widest,
                    clearly_missed,
                });
                done[v] = Some(Batched {
                    summary,
                    replications: reps,
                });
            } else {
                let relative = widest.map_or(f64::INFINITY, |w| w.relative);
                want[v] = next_total(n, relative, p.target, p.max);
                more += want[v] - n;
                figures[v] = reps;
            }
        }
        if more == 0 {
            let finished = done.iter().flatten().map(|b| b.replications.len()).sum();
            return Batches {
                variants: done,
                finished,
                planned: finished,
            };
        }
        progress.grow(more as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_reads_percentages_and_refuses_the_rest() {
        assert_eq!(
            Precision::parse("2%", 200),
            Ok(Precision {
                target: 0.02,
                max: 200
            })
        );
        assert_eq!(Precision::parse(" 0.5 % ", 50).unwrap().target, 0.005);
        for bad in ["2", "0%", "100%", "-1%", "x%", "150%", "nan%"] {
            let e = Precision::parse(bad, 200).unwrap_err();
            assert!(e.contains("--precision"), "{bad}: {e}");
        }
        assert!(
            Precision::parse("2%", 1)
                .unwrap_err()
                .contains("--max-replications")
        );
    }

    #[test]
    fn next_batches_follow_the_widest_figure_within_bounds() {
        // Twice the target after two: the third replication's quantile
        // (4.30 against 12.71) already brings it to 1.1 %.
        assert_eq!(next_total(2, 0.04, 0.02, 200), 3);
        // Six times: 3.3 % predicted at three, 2.1 % at four: at most double.
        assert_eq!(next_total(2, 0.12, 0.02, 200), 4);
        // After ten, 1.5 times the target: n = 20 is the first with
        // t(n−1)·s/√n ≤ 2 % (19 gives 2.02 %).
        assert_eq!(next_total(10, 0.03, 0.02, 200), 20);
        // Just over: at least one more.
        assert_eq!(next_total(10, 0.0201, 0.02, 200), 11);
        // 1.25 times: 15 replications (14 gives 2.02 %).
        assert_eq!(next_total(10, 0.025, 0.02, 200), 15);
        // No half-width yet (one replication): as many again.
        assert_eq!(next_total(1, f64::INFINITY, 0.02, 200), 2);
        // Never beyond the maximum, whatever the prediction.
        assert_eq!(next_total(150, f64::INFINITY, 0.02, 200), 200);
        assert_eq!(next_total(199, 0.5, 0.02, 200), 200);
    }
}
