//! Stopping a replication whose miss of an error objective is already
//! certain.
//!
//! Why this file exists: `size` needs to know only *that* a candidate
//! misses. A saturated candidate (one front-end for the load of three)
//! rejects a fifth of its requests from the first minutes; simulating the
//! rest of its hour changes no verdict and costs as much as a candidate
//! that meets. Here a replication stops as soon as its final share of
//! rejected requests (or of errors) is *certain* to exceed the limit,
//! whatever the rest of the run does.
//!
//! The bound, per class with open arrivals (their times do not depend on
//! what the installation does, so they are counted before the run from a
//! copy of the class's arrival stream): after the warm-up, at time t,
//!
//! * the rejected (or erroneous) requests finished so far, R(t), can only
//!   grow;
//! * the requests that will have finished by the end, F(T), are at most
//!   those finished so far after the warm-up, F(t), plus every arrival of
//!   the whole run not finished yet (each request finishes once);
//!
//! so R(t) / (F(t) + arrivals − finished so far) is a lower bound of the
//! final share R(T) / F(T). Once it exceeds the limit the replication's
//! final share is above it for certain and the run stops there. Classes
//! with a closed population (think times) are never judged this way:
//! their arrivals depend on the answers.
//!
//! The rule is looked at every few thousand events, with the stop flag, so
//! it costs nothing per event; a run without a rule is unchanged.

use super::Sim;
use super::requests::next_arrival;
use crate::model::Model;
use crate::model::spec::Arrivals;

/// Which share of a class's finished requests a [`MissRule`] bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MissShare {
    /// Turned away with 503 (a full IIS queue, no front-end up).
    Rejected,
    /// Rejected, timed out or failed: what an errors objective counts.
    Errors,
}

/// One bound a replication is watched for: class `class` (index into
/// `Model::classes`) finishing more than `limit` of its requests as
/// `share`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MissLimit {
    pub class: usize,
    pub share: MissShare,
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
    /// The lower bound of the final share at that moment (above
    /// `limit.limit`).
    pub bound: f64,
}

impl Sim<'_> {
    /// Arrivals of class `class` over the whole run, counted from a copy of
    /// its arrival stream as the run itself will draw them.
    pub(super) fn arrivals_in_run(&self, class: usize) -> u64 {
        let c = &self.m.classes[class];
        let Arrivals::Open { rate, profile } = &c.arrivals else {
            return 0;
        };
        let end = self.m.warmup + self.m.duration;
        let state = &self.classes[class];
        let mut rng = state.arrival_rng.clone();
        let mut t = 0.0;
        let mut n = 0;
        while let Some(next) = next_arrival(
            &mut rng,
            t,
            *rate,
            profile.as_ref(),
            state.profile_max,
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

    /// The first limit of the rule that the final share is now certain to
    /// exceed, with the bound; `None` before the warm-up ends or while
    /// every limit may still hold.
    pub(super) fn certain_miss(&self) -> Option<StoppedEarly> {
        let rule = self.miss_rule.as_ref()?;
        if !self.measuring {
            return None;
        }
        for (limit, &arrivals) in rule.limits.iter().zip(&self.miss_arrivals) {
            let r = &self.rows[limit.class];
            let o = &r.outcomes;
            let bad = match limit.share {
                MissShare::Rejected => o.rejected,
                MissShare::Errors => o.rejected + o.timed_out + o.failed,
            };
            let still_to_finish = arrivals.saturating_sub(r.total_outcomes.finished());
            let at_most = o.finished() + still_to_finish;
            if at_most == 0 {
                continue;
            }
            let bound = bad as f64 / at_most as f64;
            if bound > limit.limit {
                return Some(StoppedEarly {
                    limit: *limit,
                    measured: self.cal.now() - self.m.warmup,
                    bound,
                });
            }
        }
        None
    }
}
