//! Stopping a replication whose miss of an objective is already certain.
//!
//! Why this file exists: `size` needs to know only *that* a candidate
//! misses. A saturated candidate (one front-end for the load of three)
//! answers almost every request seconds late and rejects a fifth of them
//! from its first minutes; simulating the rest of its hour changes no
//! verdict and costs as much as a candidate that meets. Here a
//! replication stops as soon as a figure an objective judges is *certain*
//! to end above its limit, whatever the rest of the run does.
//!
//! The bounds, per class with open arrivals (their times do not depend on
//! what the installation does, so they can be counted from a fresh copy of
//! the class's arrival stream), after the warm-up: every request
//! not finished yet, arrived or still to arrive, finishes (and is
//! answered) at most once, so the requests finished by the end are at most
//! those finished so far plus those, and
//!
//! * a share of rejected (or erroneous) requests is at least those so far
//!   over that largest possible count;
//! * a quantile q of the response times is above the limit once more than
//!   a share 1 − q of the largest possible count of responses is above it
//!   already (responses above a limit only accumulate; the reported
//!   quantile is at or above the ⌈q·n⌉-th smallest response; a response in
//!   the histogram bucket of the limit is not counted);
//! * a mean is at least the sum so far over the largest possible count
//!   (no response time is negative).
//!
//! Once a bound is above its limit the replication's final figure is above
//! it for certain, and the run stops there. Classes with a closed
//! population (think times) are never judged this way: their arrivals
//! depend on the answers.
//!
//! The rule is looked at every few thousand events, with the stop flag, so
//! it costs nothing per event; a run without a rule is unchanged. The
//! arrivals are counted only when a limit may be exceeded: each bound is
//! first taken as if no request were still to finish, which can only make
//! it larger; while that is within the limit, so is the exact bound. A
//! candidate that meets its objectives (a few responses above the limit,
//! no rejections) never pays for the count.

use super::requests::next_arrival;
use super::{Sim, arrival_stream};
use crate::model::Model;
use crate::model::spec::Arrivals;

/// Which figure of a class a [`MissLimit`] bounds from below.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MissFigure {
    /// The share of finished requests turned away with 503 (a full IIS
    /// queue, no front-end up).
    Rejected,
    /// The share rejected, timed out or failed: what an errors objective
    /// counts.
    Errors,
    /// The `q` quantile of the response times (0.95, 0.99), in seconds.
    Quantile(f64),
    /// The mean response time, in seconds.
    Mean,
}

/// One bound a replication is watched for: figure `figure` of class
/// `class` (index into `Model::classes`) above `limit` (a fraction for a
/// share, seconds for a response time).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MissLimit {
    pub class: usize,
    pub figure: MissFigure,
    pub limit: f64,
}

/// The limits whose certain excess stops a replication.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MissRule {
    pub limits: Vec<MissLimit>,
}

impl MissRule {
    /// The limits of `limits` that can be judged before the end: classes
    /// with open arrivals. `None` when none can.
    pub fn new(model: &Model, limits: impl IntoIterator<Item = MissLimit>) -> Option<MissRule> {
        let limits: Vec<MissLimit> = limits
            .into_iter()
            .filter(|l| {
                model
                    .classes
                    .get(l.class)
                    .is_some_and(|c| matches!(c.arrivals, Arrivals::Open { .. }))
            })
            .collect();
        (!limits.is_empty()).then_some(MissRule { limits })
    }
}

/// Why and when a replication stopped before its end.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StoppedEarly {
    /// The limit found certainly exceeded.
    pub limit: MissLimit,
    /// Simulated seconds measured (after the warm-up) when it stopped.
    pub measured: f64,
    /// At that moment, a lower bound of the final figure: of the share
    /// rejected or in error, of the mean (seconds, above `limit.limit`);
    /// for a quantile, of the share of responses above the limit (above
    /// 1 − q).
    pub bound: f64,
}

impl Sim<'_> {
    /// Arrivals of class `class` over the whole run, counted from a fresh
    /// copy of its arrival stream as the run itself draws them.
    pub(super) fn arrivals_in_run(&self, class: usize) -> u64 {
        let c = &self.m.classes[class];
        let Arrivals::Open { rate, profile } = &c.arrivals else {
            return 0;
        };
        let end = self.m.warmup + self.m.duration;
        let mut rng = arrival_stream(self.seeds, class);
        let mut t = 0.0;
        let mut n = 0;
        while let Some(next) = next_arrival(
            &mut rng,
            t,
            *rate,
            profile.as_ref(),
            self.classes[class].profile_max,
            self.m.start,
            end,
        ) {
            if next >= end {
                break;
            }
            n += 1;
            t = next;
        }
        n
    }

    /// The first limit of the rule that the final figure is now certain to
    /// exceed, with the bound; `None` before the warm-up ends or while
    /// every limit may still hold.
    pub(super) fn certain_miss(&mut self) -> Option<StoppedEarly> {
        if !self.measuring {
            return None;
        }
        let limits = self.miss_rule.as_ref()?.limits.len();
        for i in 0..limits {
            let limit = self.miss_rule.as_ref()?.limits[i];
            // Taken with no request left to finish, a bound is at least
            // the exact one: within the limit, the exact one is too.
            let unfinished = match self.miss_arrivals[i] {
                Some(arrivals) => self.unfinished(limit.class, arrivals),
                None => {
                    if !self.bound(limit, 0).1 {
                        continue;
                    }
                    let arrivals = self.arrivals_in_run(limit.class);
                    self.miss_arrivals[i] = Some(arrivals);
                    self.unfinished(limit.class, arrivals)
                }
            };
            let (bound, above) = self.bound(limit, unfinished);
            if above {
                return Some(StoppedEarly {
                    limit,
                    measured: self.cal.now() - self.m.warmup,
                    bound,
                });
            }
        }
        None
    }

    /// Requests of `class` not finished yet, arrived or still to arrive,
    /// out of `arrivals` over the whole run.
    fn unfinished(&self, class: usize, arrivals: u64) -> u64 {
        arrivals.saturating_sub(self.rows[class].total_outcomes.finished())
    }

    /// The lower bound of `limit`'s final figure when at most `unfinished`
    /// more requests of its class finish (each answered at most once), and
    /// whether it is above the limit.
    fn bound(&self, limit: MissLimit, unfinished: u64) -> (f64, bool) {
        let r = &self.rows[limit.class];
        let o = &r.outcomes;
        let answered = r.hist.count();
        match limit.figure {
            MissFigure::Rejected | MissFigure::Errors => {
                let bad = match limit.figure {
                    MissFigure::Rejected => o.rejected,
                    _ => o.rejected + o.timed_out + o.failed,
                };
                let b = share(bad, o.finished() + unfinished);
                (b, b > limit.limit)
            }
            // The reported quantile is at or above the ⌈q·n⌉-th smallest
            // response: above the limit once more than (1 − q)·n responses
            // are, n at most those answered so far plus every unfinished
            // request.
            MissFigure::Quantile(q) => {
                let b = share(r.hist.count_above(limit.limit), answered + unfinished);
                (b, b > 1.0 - q)
            }
            // Response times are not negative: the sum so far over the
            // largest possible count.
            MissFigure::Mean => {
                let n = answered + unfinished;
                let b = if n == 0 {
                    0.0
                } else {
                    r.response.mean() * r.response.count() as f64 / n as f64
                };
                (b, b > limit.limit * (1.0 + 1e-9))
            }
        }
    }
}

/// `part` over `whole`, 0 for an empty whole.
fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}
