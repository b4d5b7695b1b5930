//! From replications to the figures users read: per traffic class and per
//! resource, the mean over replications with a Student-t confidence
//! interval.
//!
//! Percentiles are estimated per replication (from its histogram) and the
//! interval is taken over those per-replication values, so every figure's
//! CI means the same thing: where the long-run value of that figure lies.

use crate::model::Model;
use crate::model::sim::{Outcomes, ResourceKind, RunResult};
use crate::model::spec::Slo;
use crate::stats::Estimate;

/// A class is reported as saturated when more than this fraction of the
/// requests it received over the whole run were still in flight at the end
/// (its backlog was growing) or were turned away with 503 (the IIS queue
/// limit bounds the backlog, so an overloaded front-end sheds load instead),
/// or when most of its requests timed out.
pub const SATURATION_BACKLOG: f64 = 0.05;

/// Figures of one traffic class (or timer, or publishes) over replications.
/// Times in seconds.
#[derive(Clone, Debug)]
pub struct ClassSummary {
    pub name: String,
    /// True for a traffic class; false for timer and publish rows.
    pub is_traffic: bool,
    pub replications: usize,
    /// Successful answers per second.
    pub throughput: Estimate,
    pub mean: Estimate,
    pub p50: Estimate,
    pub p95: Estimate,
    pub p99: Estimate,
    /// Fraction of finished requests that were not answered in time.
    pub error_rate: Estimate,
    pub rejected_rate: Estimate,
    pub timed_out_rate: Estimate,
    pub failed_rate: Estimate,
    /// Requests answered (ok or timed out) over all replications.
    pub answered: u64,
    pub saturated: bool,
    /// The median over replications of the MSER-5 warm-up suggestion
    /// (seconds); `None` when no replication had enough data.
    pub mser_warmup: Option<f64>,
    /// Replications in which MSER-5 found no settled state.
    pub mser_unsettled: usize,
    pub slos: Vec<SloCheck>,
}

/// An SLO and whether the upper end of its 95 % CI meets it.
#[derive(Clone, Copy, Debug)]
pub struct SloCheck {
    pub slo: Slo,
    /// The figure's estimate.
    pub value: Estimate,
    pub met: bool,
}

/// Figures of one resource over replications.
#[derive(Clone, Debug)]
pub struct ResourceSummary {
    pub name: String,
    pub kind: ResourceKind,
    pub utilization: Estimate,
    pub mean_queue: Estimate,
}

/// Everything a run reports.
#[derive(Clone, Debug)]
pub struct Summary {
    pub replications: usize,
    pub classes: Vec<ClassSummary>,
    pub resources: Vec<ResourceSummary>,
    /// Events over all replications.
    pub events: u64,
    /// Simulated requests (all classes) over all replications.
    pub requests: u64,
}

fn est(results: &[RunResult], f: impl Fn(&RunResult) -> f64) -> Estimate {
    Estimate::from_values(&results.iter().map(f).collect::<Vec<_>>())
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

fn upper(e: &Estimate) -> f64 {
    e.ci_95().map_or(e.mean, |(_, hi)| hi)
}

impl Summary {
    /// Summarizes `results` (in replication order) of `model`.
    pub fn new(model: &Model, results: &[RunResult]) -> Summary {
        let n = results.len();
        let rows = results.first().map_or(0, |r| r.classes.len());
        let mut classes = Vec::with_capacity(rows);
        for i in 0..rows {
            let name = results[0].classes[i].name.clone();
            let rate = |f: fn(&Outcomes) -> u64| {
                est(results, move |r| {
                    let o = &r.classes[i].outcomes;
                    let finished = o.finished();
                    if finished == 0 {
                        0.0
                    } else {
                        f(o) as f64 / finished as f64
                    }
                })
            };
            let p = |q: f64| est(results, move |r| r.classes[i].hist.quantile(q));
            let mean = est(results, |r| r.classes[i].response.mean());
            let p95 = p(0.95);
            let p99 = p(0.99);
            let backlog: f64 = results
                .iter()
                .map(|r| {
                    let c = &r.classes[i];
                    c.in_flight_at_end as f64 / (c.total_arrivals.max(1)) as f64
                })
                .sum::<f64>()
                / n.max(1) as f64;
            let timed_out_rate = rate(|o| o.timed_out);
            let rejected_rate = rate(|o| o.rejected);
            let slos = model
                .classes
                .get(i)
                .map(|c| {
                    c.slos
                        .iter()
                        .map(|&slo| {
                            let (value, limit) = match slo {
                                Slo::P95(l) => (p95, l),
                                Slo::P99(l) => (p99, l),
                                Slo::Mean(l) => (mean, l),
                            };
                            SloCheck {
                                slo,
                                value,
                                met: upper(&value) <= limit,
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            classes.push(ClassSummary {
                name,
                is_traffic: i < model.classes.len(),
                replications: n,
                throughput: est(results, |r| {
                    r.classes[i].outcomes.ok as f64 / r.measured_time
                }),
                mean,
                p50: p(0.50),
                p95,
                p99,
                error_rate: rate(|o| o.rejected + o.timed_out + o.failed),
                rejected_rate,
                timed_out_rate,
                failed_rate: rate(|o| o.failed),
                answered: results.iter().map(|r| r.classes[i].response.count()).sum(),
                // Timers run as single instances and developers as a closed
                // population, so their backlog cannot grow: only traffic
                // classes can saturate.
                saturated: i < model.classes.len()
                    && (backlog > SATURATION_BACKLOG
                        || rejected_rate.mean > SATURATION_BACKLOG
                        || timed_out_rate.mean > 0.5),
                mser_warmup: median(
                    results
                        .iter()
                        .filter_map(|r| r.classes[i].warmup_estimate.map(|w| w.time))
                        .collect(),
                ),
                mser_unsettled: results
                    .iter()
                    .filter(|r| r.classes[i].warmup_estimate.is_some_and(|w| w.unreliable))
                    .count(),
                slos,
            });
        }
        let resources = results
            .first()
            .map(|r0| {
                (0..r0.resources.len())
                    .map(|k| ResourceSummary {
                        name: r0.resources[k].name.clone(),
                        kind: r0.resources[k].kind,
                        utilization: est(results, |r| r.resources[k].utilization),
                        mean_queue: est(results, |r| r.resources[k].mean_queue),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Summary {
            replications: n,
            classes,
            resources,
            events: results.iter().map(|r| r.events).sum(),
            requests: results
                .iter()
                .flat_map(|r| r.classes.iter().map(|c| c.total_arrivals))
                .sum(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_end_of_an_interval() {
        let e = Estimate::from_values(&[1.0, 2.0, 3.0]);
        assert!(upper(&e) > 3.0);
        let one = Estimate::from_values(&[2.0]);
        assert_eq!(upper(&one), 2.0);
    }
}
