//! What each scheduled failure costs, over replications: per failure and
//! traffic class, the errors it caused, the p95 before, during and after
//! it, and the recovery time, each with a Student-t 95 % CI.
//!
//! Why this file exists: a replication's `model::sim::FailureCost` holds
//! counts and a p95 per period; reports want the figures a planner asks
//! for ("what does losing a front-end cost?") with CIs, computed like
//! every summary from per-replication figures in replication order.
//!
//! Definitions (the periods are in `model::sim::FailurePeriods`):
//!
//! * **errors caused**, per kind (failed, timed out, rejected) and in
//!   total: the requests of that kind finishing during or after the failure
//!   (`[s, min(e + D, T))`), minus what the *before* period's rate of that
//!   kind gives over the same length. It is the excess over the errors the
//!   class had anyway; in one replication it can be slightly negative.
//! * **p95 before / during / after**: over the replications that answered
//!   something in the period (`n` says how many).
//! * **recovery**: over the replications with a *before* level; a
//!   replication that did not recover before the end of the run counts
//!   with its lower bound (the end minus the target's return) and is
//!   counted in `recovery_censored`, so the mean is then a lower bound.

use crate::model::Model;
use crate::model::sim::{FailureCost, FailurePeriods, Recovery};
use crate::stats::{Bounds, Estimate};

/// One failure × traffic class in one replication, reduced to figures.
#[derive(Clone, Debug, PartialEq)]
pub struct FailureCostFigures {
    /// Index into `Model::failures`.
    pub failure: usize,
    pub class: String,
    pub periods: FailurePeriods,
    /// Errors caused, in excess of the *before* rate: all kinds, then each.
    pub errors: f64,
    pub failed: f64,
    pub timed_out: f64,
    pub rejected: f64,
    /// Seconds; NaN when nothing was answered in the period.
    pub p95_before: f64,
    pub p95_during: f64,
    pub p95_after: f64,
    /// Before, during, after: the p95 fell among the responses cut at the
    /// client timeout, so it is only a lower bound.
    pub p95_censored: [bool; 3],
    /// Seconds after the target's return; NaN without a *before* level;
    /// a lower bound when `recovery_censored`.
    pub recovery: f64,
    pub recovery_censored: bool,
}

impl FailureCostFigures {
    /// The figures of `c`, whose class is named `class`.
    pub fn of(c: &FailureCost, class: &str) -> FailureCostFigures {
        let p = &c.periods;
        let scale = p.span() / p.before_len();
        let excess = |kind: fn(&crate::model::sim::Outcomes) -> u64| {
            (kind(&c.during.outcomes) + kind(&c.after.outcomes)) as f64
                - kind(&c.before.outcomes) as f64 * scale
        };
        let (recovery, recovery_censored) = match c.recovery {
            Recovery::Recovered(t) => (t, false),
            Recovery::NotBy(t) => (t, true),
            Recovery::NoBaseline => (f64::NAN, false),
        };
        FailureCostFigures {
            failure: c.failure,
            class: class.to_owned(),
            periods: c.periods,
            errors: excess(|o| o.rejected + o.timed_out + o.failed),
            failed: excess(|o| o.failed),
            timed_out: excess(|o| o.timed_out),
            rejected: excess(|o| o.rejected),
            p95_before: c.before.p95,
            p95_during: c.during.p95,
            p95_after: c.after.p95,
            p95_censored: [
                c.before.p95_censored(),
                c.during.p95_censored(),
                c.after.p95_censored(),
            ],
            recovery,
            recovery_censored,
        }
    }
}

/// One traffic class's cost of one failure, over replications.
#[derive(Clone, Debug, PartialEq)]
pub struct FailureClassCost {
    pub class: String,
    /// Requests per replication, in excess of the *before* rate.
    pub errors: Estimate,
    pub failed: Estimate,
    pub timed_out: Estimate,
    pub rejected: Estimate,
    /// Seconds, over the replications that answered something in the
    /// period (`n`); mean NaN when none did.
    pub p95_before: Estimate,
    pub p95_during: Estimate,
    pub p95_after: Estimate,
    /// Before, during, after: replications whose p95 fell among the
    /// responses cut at the client timeout (with any, a lower bound).
    pub p95_censored: [usize; 3],
    /// Seconds from the target's return until the p95 is back within
    /// 10 % of `p95_before`, over the replications with a *before* level
    /// (`n`); mean NaN when none had one.
    pub recovery: Estimate,
    /// Replications that did not recover before the end of the run: their
    /// recovery counts as its lower bound, so `recovery` is then one too.
    pub recovery_censored: usize,
}

/// One scheduled failure over replications.
#[derive(Clone, Debug, PartialEq)]
pub struct FailureCostSummary {
    /// Index into `Model::failures` (scenario order).
    pub failure: usize,
    /// `front-end NAME` or `database NAME (primary)`.
    pub target: String,
    /// When it starts and when the target is back (simulated seconds since
    /// the start of the run).
    pub start: f64,
    pub end: f64,
    /// `None` when the failure starts at or before the end of the warm-up
    /// (or after the end of the run): not measured, `classes` is empty.
    pub periods: Option<FailurePeriods>,
    /// One per traffic class, in model order.
    pub classes: Vec<FailureClassCost>,
    /// The other scheduled failures (indices into `Model::failures`) whose
    /// *during* and *after* share time with this one's periods: its
    /// figures include their effect, and errors in the shared time are
    /// charged to both. Empty when it is not measured.
    pub overlaps: Vec<usize>,
}

/// How the recovery times of a variant and the baseline compare over the
/// replications they share (replication k of both with the same random
/// numbers), among those where both sides have a level before the failure.
#[derive(Clone, Debug, PartialEq)]
pub enum RecoveryDifference {
    /// Both sides recovered in every such replication: the mean of the
    /// per-replication differences (seconds) and its Student-t CI.
    Measured(Estimate),
    /// In `censored` of the `pairs` replications at least one side did not
    /// recover before the end of the run: its recovery is only a lower
    /// bound, so no difference is estimated.
    Censored { censored: usize, pairs: usize },
    /// No replication has a level before the failure on both sides.
    Undefined,
}

/// What a failure costs a variant minus what it costs the baseline (the
/// first variant), for one scheduled failure × traffic class present in
/// both: paired differences under common random numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct FailureDifference {
    /// Index of the variant in its comparison (never 0, the baseline).
    pub variant: usize,
    /// Index into `Model::failures` (scenario order).
    pub failure: usize,
    pub class: String,
    /// Errors caused per replication, variant − baseline: all kinds, then
    /// each.
    pub errors: Estimate,
    pub failed: Estimate,
    pub timed_out: Estimate,
    pub rejected: Estimate,
    /// Recovery time, variant − baseline.
    pub recovery: RecoveryDifference,
}

impl RecoveryDifference {
    /// The recovery difference of paired replications: `pairs` holds, per
    /// replication, the baseline's figures then the variant's.
    pub fn of<'a>(
        pairs: impl Iterator<Item = (&'a FailureCostFigures, &'a FailureCostFigures)>,
    ) -> RecoveryDifference {
        let (mut n, mut censored, mut diffs) = (0, 0, Vec::new());
        for (a, b) in pairs {
            if a.recovery.is_nan() || b.recovery.is_nan() {
                continue;
            }
            n += 1;
            if a.recovery_censored || b.recovery_censored {
                censored += 1;
            } else {
                diffs.push(b.recovery - a.recovery);
            }
        }
        if n == 0 {
            RecoveryDifference::Undefined
        } else if censored > 0 {
            RecoveryDifference::Censored { censored, pairs: n }
        } else {
            // A difference: its interval is not cut.
            RecoveryDifference::Measured(Estimate::from_values(&diffs))
        }
    }

    /// The estimate, when there is one.
    pub fn measured(&self) -> Option<&Estimate> {
        match self {
            RecoveryDifference::Measured(e) => Some(e),
            _ => None,
        }
    }
}

/// The estimate over the defined (not NaN) values of a figure that is
/// never negative (a p95, a recovery time); mean NaN when none is.
fn defined(values: impl Iterator<Item = f64>) -> Estimate {
    let v: Vec<f64> = values.filter(|x| !x.is_nan()).collect();
    let mut e = Estimate::from_values_in(&v, Bounds::NonNegative);
    if v.is_empty() {
        e.mean = f64::NAN;
    }
    e
}

/// Summarizes the failure costs of replications (each in the order its
/// replication measured them: failure-major, then class) into one entry
/// per failure measured. Target names are left empty: [`name`] fills them
/// from the model.
pub fn summarize(replications: &[&[FailureCostFigures]]) -> Vec<FailureCostSummary> {
    let Some(first) = replications.first() else {
        return Vec::new();
    };
    if replications.iter().any(|r| r.len() != first.len()) {
        return Vec::new();
    }
    let mut out: Vec<FailureCostSummary> = Vec::new();
    for (i, f) in first.iter().enumerate() {
        let all = || replications.iter().map(move |r| &r[i]);
        // Errors caused are an excess over the rate before the failure:
        // they can be negative, so their intervals are not cut.
        let est = |get: fn(&FailureCostFigures) -> f64| {
            Estimate::from_values(&all().map(get).collect::<Vec<_>>())
        };
        let cost = FailureClassCost {
            class: f.class.clone(),
            errors: est(|x| x.errors),
            failed: est(|x| x.failed),
            timed_out: est(|x| x.timed_out),
            rejected: est(|x| x.rejected),
            p95_before: defined(all().map(|x| x.p95_before)),
            p95_during: defined(all().map(|x| x.p95_during)),
            p95_after: defined(all().map(|x| x.p95_after)),
            p95_censored: std::array::from_fn(|k| all().filter(|x| x.p95_censored[k]).count()),
            recovery: defined(all().map(|x| x.recovery)),
            recovery_censored: all()
                .filter(|x| x.recovery_censored && !x.recovery.is_nan())
                .count(),
        };
        match out.last_mut() {
            Some(s) if s.failure == f.failure => s.classes.push(cost),
            _ => out.push(FailureCostSummary {
                failure: f.failure,
                target: String::new(),
                start: f.periods.during.0,
                end: f.periods.back,
                periods: Some(f.periods),
                classes: vec![cost],
                overlaps: Vec::new(),
            }),
        }
    }
    out
}

/// Every scheduled failure of `model`, in scenario order: the measured
/// ones from `measured` (named here), the others with no figures.
pub fn name(model: &Model, measured: Vec<FailureCostSummary>) -> Vec<FailureCostSummary> {
    let windows = super::timeline::failure_windows(model);
    let mut measured = measured.into_iter().peekable();
    windows
        .into_iter()
        .enumerate()
        .map(|(i, w)| {
            let mut s = match measured.next_if(|s| s.failure == i) {
                Some(s) => s,
                None => FailureCostSummary {
                    failure: i,
                    target: String::new(),
                    start: w.start,
                    end: w.end,
                    periods: None,
                    classes: Vec::new(),
                    overlaps: Vec::new(),
                },
            };
            s.target = w.target;
            s.overlaps = FailurePeriods::overlaps(model, i);
            s
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::sim::{Outcomes, PeriodCounts};

    fn counts(failed: u64, p95: f64) -> PeriodCounts {
        PeriodCounts {
            outcomes: Outcomes {
                ok: 100,
                failed,
                ..Outcomes::default()
            },
            answered: 100,
            p95,
            cut: 0,
        }
    }

    #[test]
    fn errors_caused_are_the_excess_over_the_rate_before() {
        // Before: 300 s with 3 failures (0.01/s). During and after: 60 s
        // each, 50 + 4 failures: 54 − 0.01 × 120 = 52.8 caused.
        let periods = FailurePeriods {
            before: (100.0, 400.0),
            during: (400.0, 460.0),
            after: (460.0, 520.0),
            back: 460.0,
            end: 1000.0,
        };
        let c = FailureCost {
            failure: 0,
            class: 0,
            periods,
            before: counts(3, 0.1),
            during: counts(50, 0.5),
            after: counts(4, 0.2),
            recovery: Recovery::NotBy(540.0),
        };
        let f = FailureCostFigures::of(&c, "web");
        assert!((f.failed - 52.8).abs() < 1e-9, "{f:?}");
        assert!((f.errors - 52.8).abs() < 1e-9);
        assert_eq!((f.timed_out, f.rejected), (0.0, 0.0));
        assert_eq!((f.recovery, f.recovery_censored), (540.0, true));
        let s = summarize(&[std::slice::from_ref(&f), std::slice::from_ref(&f)]);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].classes[0].recovery_censored, 2);
        assert_eq!(s[0].classes[0].p95_during.mean, 0.5);
        let none = FailureCostFigures {
            recovery: f64::NAN,
            recovery_censored: false,
            p95_before: f64::NAN,
            ..f.clone()
        };
        let s = summarize(&[std::slice::from_ref(&none), std::slice::from_ref(&f)]);
        let c = &s[0].classes[0];
        assert_eq!(
            (c.recovery.n, c.recovery_censored, c.p95_before.n),
            (1, 1, 1)
        );
    }

    #[test]
    fn only_figures_that_cannot_be_negative_have_their_intervals_cut() {
        let f = |errors: f64, p95: f64, recovery: f64| FailureCostFigures {
            errors,
            failed: errors,
            p95_during: p95,
            recovery,
            ..recovered(recovery, false)
        };
        let (a, b) = (f(-3.0, 0.01, 0.0), f(4.0, 0.5, 20.0));
        let s = summarize(&[std::slice::from_ref(&a), std::slice::from_ref(&b)]);
        let c = &s[0].classes[0];
        // A p95 and a recovery time: cut at 0.
        assert_eq!(c.p95_during.ci_95().unwrap().0, 0.0);
        assert_eq!(c.recovery.ci_95().unwrap().0, 0.0);
        // Errors caused are an excess over the rate before: any sign.
        assert!(c.errors.ci_95().unwrap().0 < -3.0, "{:?}", c.errors);
        assert!(c.failed.ci_95().unwrap().0 < -3.0);
    }

    fn recovered(t: f64, censored: bool) -> FailureCostFigures {
        FailureCostFigures {
            failure: 0,
            class: "web".into(),
            periods: FailurePeriods {
                before: (100.0, 400.0),
                during: (400.0, 460.0),
                after: (460.0, 520.0),
                back: 460.0,
                end: 1000.0,
            },
            errors: 0.0,
            failed: 0.0,
            timed_out: 0.0,
            rejected: 0.0,
            p95_before: 0.1,
            p95_during: 0.5,
            p95_after: 0.2,
            p95_censored: [false; 3],
            recovery: t,
            recovery_censored: censored,
        }
    }

    #[test]
    fn a_censored_recovery_on_either_side_makes_the_difference_not_estimable() {
        let of = |pairs: &[(FailureCostFigures, FailureCostFigures)]| {
            RecoveryDifference::of(pairs.iter().map(|(a, b)| (a, b)))
        };
        // Both recovered: the mean of b − a, 4 and 6.
        let both = [
            (recovered(10.0, false), recovered(6.0, false)),
            (recovered(12.0, false), recovered(6.0, false)),
        ];
        let d = of(&both);
        assert_eq!(d.measured().map(|e| (e.mean, e.n)), Some((-5.0, 2)));
        // A lower bound on the baseline's side, or on the variant's: no
        // number, however the bound compares.
        for censored in [
            (recovered(540.0, true), recovered(6.0, false)),
            (recovered(10.0, false), recovered(540.0, true)),
            (recovered(540.0, true), recovered(540.0, true)),
        ] {
            let pairs = [both[0].clone(), censored];
            assert_eq!(
                of(&pairs),
                RecoveryDifference::Censored {
                    censored: 1,
                    pairs: 2
                }
            );
        }
        // A replication without a level before on a side is left out;
        // none with one on both sides: undefined.
        let mut no_level = recovered(f64::NAN, false);
        no_level.p95_before = f64::NAN;
        let pairs = [both[0].clone(), (no_level.clone(), recovered(1.0, false))];
        assert_eq!(
            of(&pairs).measured().map(|e| (e.mean, e.n)),
            Some((-4.0, 1))
        );
        assert_eq!(
            of(&[(no_level.clone(), no_level)]),
            RecoveryDifference::Undefined
        );
    }
}
