//! From replications to the figures users read: per traffic class and per
//! resource, the mean over replications with a Student-t confidence
//! interval, cut at the range of the figure (`stats::Bounds`: times,
//! throughputs and queues at 0, utilizations and rates at 0 and 1).
//!
//! Percentiles are estimated per replication (from its histogram) and the
//! interval is taken over those per-replication values, so every figure's
//! CI means the same thing: where the long-run value of that figure lies.

use super::failure_cost::{FailureCostFigures, FailureCostSummary};
use super::timeline::{TimelineFigures, TimelineSummary};
use crate::model::sim::{
    MissFigure, ResourceKind, RunResult, StationBlocking, StationKind, StoppedEarly,
};
use crate::model::spec::{Slo, TrafficClass};
use crate::model::{Model, RowKind};
use crate::stats::{Bounds, Estimate};

/// A class is reported as saturated when more than this fraction of the
/// requests it received over the whole run were still in flight at the end
/// (its backlog was growing), or when most of its requests timed out.
pub const SATURATION_BACKLOG: f64 = 0.05;

/// A traffic class is reported as *rejecting* when more than this fraction
/// of its finished requests were turned away with 503 (a full IIS queue, or
/// no front-end up). A loss system (`iis_queue = 0`) sheds load this way
/// without any backlog: it is stable, not saturated, but its latencies
/// describe only the requests that got in.
pub const REJECTION_LIMIT: f64 = 0.05;

/// In how many replications each percentile fell in the cut: at or above
/// the class's client timeout, where responses are recorded as exactly the
/// timeout. A percentile censored in any replication is reported as
/// "at least the timeout", never as a measured number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Censored {
    pub p50: usize,
    pub p95: usize,
    pub p99: usize,
}

impl Censored {
    /// Replications in which `figure`'s percentile is censored (0 for
    /// figures that are not percentiles).
    pub fn of(&self, figure: Figure) -> usize {
        match figure {
            Figure::P50 => self.p50,
            Figure::P95 => self.p95,
            Figure::P99 => self.p99,
            _ => 0,
        }
    }
}

/// Figures of one traffic class (or timer, or publishes) over replications.
/// Times in seconds.
#[derive(Clone, Debug)]
pub struct ClassSummary {
    pub name: String,
    /// What the row is: a traffic class, a timer or publishes (carried
    /// from the model, never guessed from the name).
    pub kind: RowKind,
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
    /// Fraction of the requests still unanswered at the end of the run
    /// (in flight, their client still waiting) over those plus the finished
    /// ones: requests in no other rate.
    pub unanswered_rate: Estimate,
    /// Requests answered (ok or timed out) over all replications.
    pub answered: u64,
    /// The backlog grew through the run, or most requests timed out
    /// (traffic classes and BPT processes: open arrivals).
    pub saturated: bool,
    /// More than [`REJECTION_LIMIT`] of the finished requests were
    /// rejected (traffic classes only).
    pub rejecting: bool,
    /// The client timeout that cuts this row's responses (traffic classes).
    pub timeout: Option<f64>,
    /// Percentiles that fell in the cut, per percentile.
    pub censored: Censored,
    /// Replications in which no request completed (none answered in
    /// time): the latency figures of those replications measure nothing.
    pub none_completed: usize,
    /// The median of the MSER-5 warm-up suggestion (seconds) over the
    /// replications the rule judges settled; `None` when none settled or
    /// had enough data.
    pub mser_warmup: Option<f64>,
    /// Replications in which MSER-5 found no settled state.
    pub mser_unsettled: usize,
    pub slos: Vec<SloCheck>,
    /// Traffic classes: where the response time of the requests answered
    /// in time goes, per station of the path (empty for other rows).
    pub stations: Vec<StationSummary>,
    /// Traffic classes: the station holding the largest share of the
    /// response time and the most utilized resource on the path; `None`
    /// for other rows and when no request was answered in time.
    pub bottleneck: Option<Bottleneck>,
    /// Traffic classes: the resource rows on the path (empty for other
    /// rows).
    pub path: Vec<String>,
    /// Traffic classes: the zone's waiting for workers and connections by
    /// where their holders were, mean per replication (empty for other
    /// rows).
    pub blocking: Vec<StationBlocking>,
}

/// The most utilized of the resources named in `path` (NaN utilizations,
/// external systems without a limit, left out).
pub fn busiest_on_path(
    path: &[String],
    resources: &[ResourceSummary],
) -> Option<(String, Estimate)> {
    resources
        .iter()
        .filter(|r| path.contains(&r.name) && r.utilization.mean.is_finite())
        .reduce(|a, b| {
            if b.utilization.mean > a.utilization.mean {
                b
            } else {
                a
            }
        })
        .map(|r| (r.name.clone(), r.utilization))
}

/// The busiest *serving* resource on `class`'s path in `s`: a CPU or an
/// external system, not IIS workers, pooled connections or process
/// threads, which fill up because of what their holders wait for. What
/// `size` names when a count misses.
pub fn busiest_serving(s: &Summary, class: &str) -> Option<(String, Estimate)> {
    let row = s.classes.iter().find(|c| c.name == class)?;
    let serving: Vec<ResourceSummary> = s
        .resources
        .iter()
        .filter(|r| {
            !matches!(
                r.kind,
                ResourceKind::IisWorkers
                    | ResourceKind::ConnectionPool
                    | ResourceKind::ProcessThreads
            )
        })
        .cloned()
        .collect();
    busiest_on_path(&row.path, &serving)
}

/// One station of a traffic class's path over replications: mean seconds
/// per request answered in time.
#[derive(Clone, Debug)]
pub struct StationSummary {
    pub kind: StationKind,
    /// `network`, `iis_queue`, `front_end_cpu`, `connection_pool`,
    /// `db.NAME.cpu`, `db.NAME.failover`, `external.NAME`.
    pub key: String,
    /// Time at the station (waiting plus service).
    pub time: Estimate,
    /// The part of it spent waiting: time beyond the requests' own demand
    /// (for processor sharing, the slowdown from sharing the cores).
    pub wait: Estimate,
}

/// What more front-ends would do for a class. Added capacity removes
/// waiting, never service, so the advice follows the part of the path
/// where the class's requests wait longest: the front-ends (CPU beyond the
/// requests' own demand), the database (CPU beyond demand, failovers), or
/// one external system. Waiting for an IIS worker or a pooled connection
/// is caused by what holds the workers and connections, so it is shared
/// out by what their holders were doing while requests queued (all of
/// them, answered or not: during a failover they are the requests waiting
/// it out), measured by `model::sim`'s blocking figures; holders at the
/// database or an external system send it there, holders on the
/// front-ends (their CPU, which more front-ends' workers and connections
/// would run side by side) to the front-ends. No threshold: the largest waiting time decides, and the
/// report gives its share (the text calls it a bottleneck from 10 % of the
/// response time spent waiting there, `report::text::LITTLE_WAITING`; below
/// it, "no bottleneck yet", with the waiting of the whole path beside it:
/// waiting spread over several places is no one place's limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Advice {
    /// Requests wait longest at the front-ends, whose load more front-ends
    /// divide.
    MoreFrontEndsHelp,
    /// Requests wait longest at the database: more front-ends add no
    /// database capacity.
    DatabaseLimit,
    /// Requests wait longest at an external system.
    ExternalLimit,
    /// Requests wait nowhere: no capacity shortens their response time.
    NoWaiting,
}

impl Advice {
    /// Stable spelling (CSV, JSON).
    pub fn key(self) -> &'static str {
        match self {
            Advice::MoreFrontEndsHelp => "more_front_ends_help",
            Advice::DatabaseLimit => "database_limit",
            Advice::ExternalLimit => "external_limit",
            Advice::NoWaiting => "no_waiting",
        }
    }
}

/// A traffic class's bottleneck: the station holding the largest share of
/// its response time, the resource serving it, and the most utilized
/// resource on its path.
#[derive(Clone, Debug)]
pub struct Bottleneck {
    /// The station's key (see [`StationSummary::key`]).
    pub station: String,
    pub kind: StationKind,
    /// Its share of the response time (of the mean station times' sum,
    /// which is the mean response time of the requests answered in time).
    pub share: f64,
    /// The share of the response time spent waiting there.
    pub waiting_share: f64,
    /// The resource row that serves the station on the class's path (for
    /// the front-end stations the busiest of the zone's front-ends) and
    /// its utilization; `None` for the network, a failover, and an external
    /// system without a concurrency limit.
    pub resource: Option<(String, Estimate)>,
    /// The most utilized resource on the class's path.
    pub busiest: Option<(String, Estimate)>,
    pub advice: Advice,
    /// The share of the response time spent waiting where the advice
    /// points (the front-ends, the database, or the external system
    /// `limit`), with its part of the IIS and pool waits; 0 with
    /// [`Advice::NoWaiting`].
    pub limit_waiting_share: f64,
    /// The share of the response time spent waiting anywhere on the path
    /// (the stations' waiting added up): at least `limit_waiting_share`,
    /// which is the largest part of it.
    pub total_waiting_share: f64,
    /// Of the database's part, the share of the response time spent
    /// waiting out its failovers (its own calls', and its share of the
    /// IIS and pool waits by what their holders were doing); 0 without.
    pub failover_waiting_share: f64,
    /// With [`Advice::ExternalLimit`], the system's station key
    /// (`external.NAME`); with [`Advice::DatabaseLimit`], the database's
    /// (`db.NAME.cpu`).
    pub limit: Option<String>,
    /// The resource where the advice points and its utilization: the
    /// busiest front-end resource (CPU, IIS workers, pool) on the path, the
    /// database CPU, the external system.
    pub limit_resource: Option<(String, Estimate)>,
}

/// The bottleneck of a class from its stations, its path and the
/// resources' summaries.
fn bottleneck(
    stations: &[StationSummary],
    blocking: &[StationBlocking],
    path: &[String],
    resources: &[ResourceSummary],
) -> Option<Bottleneck> {
    let total: f64 = stations.iter().map(|s| s.time.mean).sum();
    if !(total > 0.0 && total.is_finite()) {
        return None;
    }
    let top = stations
        .iter()
        .reduce(|a, b| if b.time.mean > a.time.mean { b } else { a })?;
    let on_path = || {
        resources
            .iter()
            .filter(|r| path.contains(&r.name) && r.utilization.mean.is_finite())
    };
    let busiest_of = |kind: ResourceKind| {
        on_path()
            .filter(|r| r.kind == kind)
            .reduce(|a, b| {
                if b.utilization.mean > a.utilization.mean {
                    b
                } else {
                    a
                }
            })
            .map(|r| (r.name.clone(), r.utilization))
    };
    let named = || {
        on_path()
            .find(|r| r.name == top.key)
            .map(|r| (r.name.clone(), r.utilization))
    };
    let resource = match top.kind {
        StationKind::FrontEndCpu => busiest_of(ResourceKind::FrontEndCpu),
        StationKind::IisQueue => busiest_of(ResourceKind::IisWorkers),
        StationKind::ConnectionPool => busiest_of(ResourceKind::ConnectionPool),
        StationKind::DatabaseCpu | StationKind::External => named(),
        StationKind::Network | StationKind::DatabaseFailover => None,
    };
    let busiest = busiest_on_path(path, resources);
    let (parts, failovers) = waiting_by_part(stations, blocking);
    let (advice, waited, limit) = parts
        .into_iter()
        .reduce(|a, b| if b.1 > a.1 { b } else { a })
        .filter(|p| p.1 > 0.0)
        .unwrap_or((Advice::NoWaiting, 0.0, None));
    let limit_resource = match advice {
        Advice::MoreFrontEndsHelp => on_path()
            .filter(|r| {
                matches!(
                    r.kind,
                    ResourceKind::FrontEndCpu
                        | ResourceKind::IisWorkers
                        | ResourceKind::ConnectionPool
                )
            })
            .reduce(|a, b| {
                if b.utilization.mean > a.utilization.mean {
                    b
                } else {
                    a
                }
            })
            .map(|r| (r.name.clone(), r.utilization)),
        Advice::DatabaseLimit | Advice::ExternalLimit => on_path()
            .find(|r| Some(&r.name) == limit.as_ref())
            .map(|r| (r.name.clone(), r.utilization)),
        Advice::NoWaiting => None,
    };
    Some(Bottleneck {
        station: top.key.clone(),
        kind: top.kind,
        share: top.time.mean / total,
        waiting_share: top.wait.mean.max(0.0) / total,
        resource,
        busiest,
        advice,
        limit_waiting_share: waited / total,
        total_waiting_share: stations.iter().map(|s| s.wait.mean.max(0.0)).sum::<f64>() / total,
        failover_waiting_share: failovers / total,
        limit,
        limit_resource,
    })
}

/// A class's waiting per part of its path, as `(advice, seconds, limit
/// key)`: the front-ends, the database, each external system (in station
/// order, so ties go to the first); and of the database's, the part
/// waiting out failovers. Its own waiting at each, plus its
/// waiting for an IIS worker and for a connection shared out by what the
/// holders of the workers and connections were doing while it queued
/// (`blocking`, see `model::sim::StationBlocking`): a holder waiting for
/// a connection passes its share of the worker queue on to what the
/// connections' holders were doing. Without a measured queue (nothing
/// queued while a hold began and ended after the warm-up), a wait is
/// shared out by what the class's own answered requests did downstream.
fn waiting_by_part(
    stations: &[StationSummary],
    blocking: &[StationBlocking],
) -> (Vec<(Advice, f64, Option<String>)>, f64) {
    let wait = |s: &StationSummary| s.wait.mean.max(0.0);
    let service = |s: &StationSummary| (s.time.mean - s.wait.mean).max(0.0);
    let waited_at =
        |kind: StationKind| -> f64 { stations.iter().filter(|s| s.kind == kind).map(wait).sum() };
    let is_db =
        |k: StationKind| matches!(k, StationKind::DatabaseCpu | StationKind::DatabaseFailover);
    let database_key = stations.iter().find(|s| is_db(s.kind)).map(|s| {
        s.key
            .strip_suffix(".failover")
            .map_or_else(|| s.key.clone(), |k| format!("{k}.cpu"))
    });
    // The database's CPU and its failovers are parts 1 and 2 until the
    // end, where they become one.
    let mut parts = vec![
        (
            Advice::MoreFrontEndsHelp,
            waited_at(StationKind::FrontEndCpu),
            None,
        ),
        (
            Advice::DatabaseLimit,
            waited_at(StationKind::DatabaseCpu),
            database_key,
        ),
        (
            Advice::DatabaseLimit,
            waited_at(StationKind::DatabaseFailover),
            None,
        ),
    ];
    let external = |parts: &mut Vec<(Advice, f64, Option<String>)>, key: &str| -> usize {
        match parts
            .iter()
            .position(|p| p.2.as_deref() == Some(key) && p.0 == Advice::ExternalLimit)
        {
            Some(i) => i,
            None => {
                parts.push((Advice::ExternalLimit, 0.0, Some(key.to_owned())));
                parts.len() - 1
            }
        }
    };
    for s in stations.iter().filter(|s| s.kind == StationKind::External) {
        let i = external(&mut parts, &s.key);
        parts[i].1 += wait(s);
    }
    // Which part a station's holders stand for.
    let part_of =
        |parts: &mut Vec<(Advice, f64, Option<String>)>, kind: StationKind, key: &str| match kind {
            StationKind::DatabaseCpu => 1,
            StationKind::DatabaseFailover => 2,
            StationKind::External => external(parts, key),
            _ => 0,
        };
    // Fallback weights: what the class's answered requests did downstream.
    let own: Vec<f64> = {
        let mut w = vec![0.0; parts.len()];
        w[0] = waited_at(StationKind::FrontEndCpu)
            + stations
                .iter()
                .filter(|s| s.kind != StationKind::Network)
                .map(service)
                .sum::<f64>();
        for (i, p) in parts.iter().enumerate().skip(1) {
            w[i] = p.1;
        }
        w
    };
    let normalized = |w: Vec<f64>| -> Option<Vec<f64>> {
        let total: f64 = w.iter().sum();
        (total > 0.0).then(|| w.into_iter().map(|x| x / total).collect())
    };
    // The pool's holders first: the worker queue's holders waiting for a
    // connection pass their share on to them.
    let mut pool_w = vec![0.0; parts.len()];
    let mut iis_w = vec![0.0; parts.len()];
    let mut iis_by_pool_waiters = 0.0;
    for b in blocking {
        let i = part_of(&mut parts, b.kind, &b.key);
        pool_w.resize(parts.len(), 0.0);
        iis_w.resize(parts.len(), 0.0);
        pool_w[i] += b.pool;
        if b.kind == StationKind::ConnectionPool {
            iis_by_pool_waiters += b.iis;
        } else {
            iis_w[i] += b.iis;
        }
    }
    let mut own = own;
    own.resize(parts.len(), 0.0);
    let pool_shares = normalized(pool_w).or_else(|| normalized(own.clone()));
    if let Some(shares) = &pool_shares {
        for (w, s) in iis_w.iter_mut().zip(shares) {
            *w += iis_by_pool_waiters * s;
        }
    } else {
        iis_w[0] += iis_by_pool_waiters;
    }
    let iis_shares = normalized(iis_w).or_else(|| normalized(own.clone()));
    let blocked = [
        (waited_at(StationKind::IisQueue), iis_shares),
        (waited_at(StationKind::ConnectionPool), pool_shares),
    ];
    for (waited, shares) in blocked {
        match shares {
            Some(shares) => {
                for (p, s) in parts.iter_mut().zip(shares) {
                    p.1 += waited * s;
                }
            }
            None => parts[0].1 += waited,
        }
    }
    let failovers = parts.remove(2).1;
    parts[1].1 += failovers;
    (parts, failovers)
}

impl ClassSummary {
    /// A timer's row (`timer.NAME`).
    pub fn is_timer(&self) -> bool {
        self.kind == RowKind::Timer
    }

    /// A publishes row (`publish`, or `publish.ENV` with several
    /// development environments).
    pub fn is_publish(&self) -> bool {
        self.kind == RowKind::Publish
    }
}

/// The row of timer `name`: `timer.NAME`.
pub fn timer_row(name: &str) -> String {
    format!("timer.{name}")
}

/// The row of the publishes of environment `env` (an index into
/// `Model::environments`): `publish`, or `publish.ENV` when several
/// environments have developers.
pub fn publish_row(model: &Model, env: usize) -> String {
    if model.development.len() == 1 {
        "publish".to_owned()
    } else {
        format!("publish.{}", model.environments[env].name)
    }
}

/// A figure of a class row, per replication and over replications.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Figure {
    /// Successful answers per second.
    Throughput,
    /// Mean response time (seconds).
    Mean,
    /// Percentiles of the response time (seconds).
    P50,
    P95,
    P99,
    /// Fraction of finished requests that were rejected, timed out or failed.
    ErrorRate,
}

impl Figure {
    /// Figures shown for each class, in order.
    pub const ALL: [Figure; 6] = [
        Figure::Throughput,
        Figure::Mean,
        Figure::P50,
        Figure::P95,
        Figure::P99,
        Figure::ErrorRate,
    ];

    /// The figure in one replication's figures of a class.
    pub fn of(self, c: &ClassFigures) -> f64 {
        match self {
            Figure::Throughput => c.throughput,
            Figure::Mean => c.mean,
            Figure::P50 => c.p50,
            Figure::P95 => c.p95,
            Figure::P99 => c.p99,
            Figure::ErrorRate => c.error_rate,
        }
    }

    /// Whether one replication's figures of a class measured this figure:
    /// a response time needs an answer, the error rate a finished request;
    /// the throughput is always defined (0 answers per second).
    pub fn defined_in(self, c: &ClassFigures) -> bool {
        match self {
            Figure::Throughput => true,
            Figure::ErrorRate => c.finished_any(),
            _ => c.measured(),
        }
    }

    /// The class's estimate in a summary.
    pub fn estimate(self, c: &ClassSummary) -> Estimate {
        match self {
            Figure::Throughput => c.throughput,
            Figure::Mean => c.mean,
            Figure::P50 => c.p50,
            Figure::P95 => c.p95,
            Figure::P99 => c.p99,
            Figure::ErrorRate => c.error_rate,
        }
    }
}

/// Why an SLO is met or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SloVerdict {
    /// The upper end of the figure's 95 % CI is within the limit.
    Met,
    /// The upper end of the figure's 95 % CI is above the limit.
    Missed,
    /// In some replication no request of the class completed: there is
    /// nothing to judge, so the SLO is not met.
    NoneCompleted,
    /// The class is saturated: its figures describe only the requests that
    /// got through.
    Saturated,
    /// The class turned away more than [`REJECTION_LIMIT`] of its requests
    /// and has no error objective to judge that by: its latencies describe
    /// only the requests that got in.
    Rejecting,
    /// The percentile fell in the cut at the client timeout: it is at least
    /// the timeout, its value unknown.
    Censored,
}

impl SloVerdict {
    /// Stable spelling (JSON, CSV).
    pub fn key(self) -> &'static str {
        match self {
            SloVerdict::Met => "met",
            SloVerdict::Missed => "missed",
            SloVerdict::NoneCompleted => "no_request_completed",
            SloVerdict::Saturated => "saturated",
            SloVerdict::Rejecting => "rejecting",
            SloVerdict::Censored => "censored",
        }
    }
}

/// An SLO and its verdict: met when the upper end of its 95 % CI is within
/// the limit and nothing makes the figure unfit to judge.
#[derive(Clone, Copy, Debug)]
pub struct SloCheck {
    pub slo: Slo,
    /// The figure's estimate.
    pub value: Estimate,
    pub verdict: SloVerdict,
    pub met: bool,
}

/// The estimate an SLO is judged on.
pub fn slo_figure(c: &ClassSummary, slo: Slo) -> Estimate {
    match slo {
        Slo::P95(_) => c.p95,
        Slo::P99(_) => c.p99,
        Slo::Mean(_) => c.mean,
        Slo::Errors(_) => c.error_rate,
    }
}

/// Judges `slo` on class `c`. `errors_judged`: the class also has an
/// error objective, which then judges its rejections (a rejecting class
/// without one misses its latency objectives).
///
/// In order: no request completed in some replication, saturated,
/// rejecting (latency objectives only, unless errors are judged), a
/// censored percentile, then the upper end of the 95 % CI against the
/// limit.
pub fn judge(c: &ClassSummary, slo: Slo, errors_judged: bool) -> SloCheck {
    let value = slo_figure(c, slo);
    let limit = match slo {
        Slo::P95(l) | Slo::P99(l) | Slo::Mean(l) | Slo::Errors(l) => l,
    };
    let censored = match slo {
        Slo::P95(_) => c.censored.p95 > 0,
        Slo::P99(_) => c.censored.p99 > 0,
        _ => false,
    };
    let verdict = if c.none_completed > 0 || c.replications == 0 {
        SloVerdict::NoneCompleted
    } else if c.saturated {
        SloVerdict::Saturated
    } else if c.rejecting && slo.is_latency() && !errors_judged {
        SloVerdict::Rejecting
    } else if censored {
        SloVerdict::Censored
    } else if upper(&value) <= limit {
        SloVerdict::Met
    } else {
        SloVerdict::Missed
    };
    SloCheck {
        slo,
        value,
        verdict,
        met: verdict == SloVerdict::Met,
    }
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
    /// Each SQL Server instance's availability and failovers.
    pub databases: Vec<DatabaseSummary>,
    /// Events over all replications.
    pub events: u64,
    /// Simulated requests (all classes) over all replications.
    pub requests: u64,
    /// Per window of simulated time, with `--timeline` (or by default for
    /// a scenario with a profile).
    pub timeline: Option<TimelineSummary>,
    /// What each scheduled failure costs, in scenario order (empty without
    /// scheduled failures; see `experiment::failure_cost`).
    pub failure_costs: Vec<FailureCostSummary>,
    /// `[[random_failures]]` entries of the scenario: counted in every
    /// figure, but with no cost block (their windows differ between
    /// replications).
    pub random_failures: usize,
    /// Why the scenario is not stationary (a profile, failures), when it
    /// is not: then no warm-up rule applies (MSER-5 gives no advice).
    pub non_stationary: Option<&'static str>,
    /// How `--precision` ended for this variant (`None` without it).
    pub precision: Option<super::precision::PrecisionOutcome>,
    /// `size`: every replication stopped early on a certain miss.
    pub certain_miss: Option<CertainMiss>,
}

/// `size`: every replication of a candidate stopped before its end, each
/// once a figure an objective judges was certain to end above its limit
/// (`model::sim::MissRule`). The objective is missed for
/// certain; the candidate's figures cover only the time simulated.
#[derive(Clone, Debug, PartialEq)]
pub struct CertainMiss {
    /// The class, figure and limit the first replication stopped on.
    pub class: String,
    pub figure: MissFigure,
    pub limit: f64,
    /// Mean simulated seconds measured (after the warm-up) before the stop.
    pub measured: f64,
    /// The smallest certain lower bound among the replications that
    /// stopped on that limit (see `StoppedEarly::bound`).
    pub bound: f64,
}

impl CertainMiss {
    /// What is certainly exceeded, for a sentence: `portal's rejected
    /// share above 5%`, `portal's p95 above 800ms`.
    pub fn what(&self) -> String {
        // To a thousandth of a percent: 0.05 shows as 5, not 5.000000000000001.
        let percent = (self.limit * 1e5).round() / 1e3;
        let duration = crate::dist::format_duration(self.limit);
        let figure = match self.figure {
            MissFigure::Rejected => format!("rejected share above {percent}%"),
            MissFigure::Errors => format!("error rate above {percent}%"),
            MissFigure::Quantile(q) => {
                format!("p{} above {duration}", (q * 100.0).round())
            }
            MissFigure::Mean => format!("mean above {duration}"),
        };
        format!("{}'s {figure}", self.class)
    }

    /// `Some` when every replication of `figures` stopped early.
    fn of(figures: &[ReplicationFigures]) -> Option<CertainMiss> {
        let stops: Vec<StoppedEarly> = figures
            .iter()
            .map(|r| r.stopped_early)
            .collect::<Option<_>>()?;
        let first = *stops.first()?;
        let name = figures[0].classes.get(first.limit.class)?.name.clone();
        Some(CertainMiss {
            class: name,
            figure: first.limit.figure,
            limit: first.limit.limit,
            measured: stops.iter().map(|s| s.measured).sum::<f64>() / stops.len() as f64,
            bound: stops
                .iter()
                .filter(|s| s.limit == first.limit)
                .map(|s| s.bound)
                .fold(f64::INFINITY, f64::min),
        })
    }
}

/// One SQL Server instance over replications.
#[derive(Clone, Debug)]
pub struct DatabaseSummary {
    pub name: String,
    /// Fraction of the measured time serving.
    pub availability: Estimate,
    /// Automatic failovers per replication.
    pub failovers: Estimate,
}

impl Summary {
    /// True when some instance was ever unavailable: then the reports show
    /// the availability table.
    pub fn had_database_outage(&self) -> bool {
        self.databases
            .iter()
            .any(|d| d.availability.mean < 1.0 || d.failovers.mean > 0.0)
    }
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

/// The figures of one class in one replication: everything a summary
/// needs, a few numbers instead of a histogram. Serializable, so sharded
/// sweeps can carry them between machines (`o11sim merge`).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClassFigures {
    pub name: String,
    /// What the row is, from the model.
    pub kind: RowKind,
    pub throughput: f64,
    pub mean: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub error_rate: f64,
    pub rejected_rate: f64,
    pub timed_out_rate: f64,
    pub failed_rate: f64,
    pub answered: u64,
    /// Requests finished after the warm-up, whatever their outcome: the
    /// denominator of the rates.
    #[serde(default)]
    pub finished: u64,
    /// Requests still in flight at the end over all requests of the run.
    pub backlog: f64,
    pub total_arrivals: u64,
    pub mser_warmup: Option<f64>,
    pub mser_unsettled: bool,
    /// Requests still unanswered at the end (their client waiting) over
    /// those plus the requests finished after the warm-up.
    #[serde(default)]
    pub unanswered_rate: f64,
    /// Responses among `answered` cut at the client timeout (recorded as
    /// exactly `timeout`).
    #[serde(default)]
    pub cut: u64,
    /// The client timeout of a traffic class.
    #[serde(default)]
    pub timeout: Option<f64>,
    /// Traffic classes: per station of the path, mean time per request
    /// answered in time (0 when none was).
    #[serde(default)]
    pub stations: Vec<StationFigures>,
    /// Traffic classes: the resource rows on the path.
    #[serde(default)]
    pub path: Vec<String>,
    /// Traffic classes: the zone's waiting for workers and connections
    /// by where their holders were (see `model::sim::StationBlocking`).
    #[serde(default)]
    pub blocking: Vec<StationBlocking>,
}

/// One station's figures in one replication of a traffic class (seconds
/// per request answered in time).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StationFigures {
    pub key: String,
    pub kind: StationKind,
    pub time: f64,
    pub wait: f64,
}

/// Some request of the row was answered in time in this replication: its
/// stations measured something.
fn completed_any(c: &ClassFigures) -> bool {
    c.completed() > 0
}

impl ClassFigures {
    /// Requests answered in time (not cut at the timeout).
    pub fn completed(&self) -> u64 {
        self.answered - self.cut.min(self.answered)
    }

    /// Some response was recorded (in time, or cut at the client timeout):
    /// the replication's response-time figures measure something. Without
    /// one they are the zeros of an empty histogram.
    pub fn measured(&self) -> bool {
        self.answered > 0
    }

    /// Some request finished (answered, rejected, timed out or failed):
    /// the replication's error rates are fractions of something. Without
    /// one they are 0 of 0.
    pub fn finished_any(&self) -> bool {
        self.finished > 0
    }

    /// Whether the `q` percentile of the responses falls in the cut: the
    /// `cut` largest of the `answered` values are the timeout, so the
    /// nearest-rank percentile (rank ⌈q·n⌉) is one of them when fewer than
    /// ⌈q·n⌉ responses came in time.
    pub fn censored(&self, q: f64) -> bool {
        crate::stats::quantile_censored(q, self.answered, self.cut)
    }
}

/// The figures of one resource in one replication.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ResourceFigures {
    pub name: String,
    pub kind: ResourceKind,
    /// NaN when not defined (an external system without a concurrency
    /// limit). A part file leaves it out then, since it holds only finite
    /// figures (`whatif::shard`), and reading it back gives NaN again.
    #[serde(default = "undefined", skip_serializing_if = "is_undefined")]
    pub utilization: f64,
    pub mean_queue: f64,
}

/// The value of a figure that is not defined.
fn undefined() -> f64 {
    f64::NAN
}

fn is_undefined(x: &f64) -> bool {
    x.is_nan()
}

/// The figures of one SQL Server instance in one replication.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DatabaseFigures {
    pub name: String,
    /// Fraction of the measured time the instance was serving.
    pub availability: f64,
    /// Automatic failovers begun after the warm-up.
    pub failovers: f64,
}

/// One replication reduced to its figures.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReplicationFigures {
    pub classes: Vec<ClassFigures>,
    pub resources: Vec<ResourceFigures>,
    pub events: u64,
    /// Per instance; absent in part files written before it existed.
    #[serde(default)]
    pub databases: Vec<DatabaseFigures>,
    /// Per window, with a timeline (`--timeline`); not carried by sweep
    /// part files.
    #[serde(skip)]
    pub timeline: Option<TimelineFigures>,
    /// Per scheduled failure measured × traffic class; not carried by
    /// sweep part files.
    #[serde(skip)]
    pub failures: Vec<FailureCostFigures>,
    /// `size`: set when the replication stopped once a limit was certainly
    /// exceeded (`model::sim::MissRule`); its figures cover the
    /// time simulated. Not carried by sweep part files.
    #[serde(skip)]
    pub stopped_early: Option<StoppedEarly>,
}

impl From<&RunResult> for ReplicationFigures {
    fn from(r: &RunResult) -> Self {
        let classes = r
            .classes
            .iter()
            .map(|c| {
                let o = &c.outcomes;
                let finished = o.finished();
                let rate = |x: u64| {
                    if finished == 0 {
                        0.0
                    } else {
                        x as f64 / finished as f64
                    }
                };
                let waiting = finished + c.in_flight_at_end;
                ClassFigures {
                    name: c.name.clone(),
                    kind: c.kind,
                    throughput: o.ok as f64 / r.measured_time,
                    mean: c.response.mean(),
                    p50: c.hist.quantile(0.50),
                    p95: c.hist.quantile(0.95),
                    p99: c.hist.quantile(0.99),
                    error_rate: rate(o.rejected + o.timed_out + o.failed),
                    rejected_rate: rate(o.rejected),
                    timed_out_rate: rate(o.timed_out),
                    failed_rate: rate(o.failed),
                    answered: c.response.count(),
                    finished,
                    backlog: c.in_flight_at_end as f64 / c.total_arrivals.max(1) as f64,
                    total_arrivals: c.total_arrivals,
                    mser_warmup: c.warmup_estimate.map(|w| w.time),
                    mser_unsettled: c.warmup_estimate.is_some_and(|w| w.unreliable),
                    unanswered_rate: if waiting == 0 {
                        0.0
                    } else {
                        c.in_flight_at_end as f64 / waiting as f64
                    },
                    cut: c.cut,
                    timeout: c.timeout,
                    stations: c
                        .stations
                        .iter()
                        .map(|s| {
                            let per = |x: f64| if o.ok == 0 { 0.0 } else { x / o.ok as f64 };
                            StationFigures {
                                key: s.key.clone(),
                                kind: s.kind,
                                time: per(s.time),
                                // Never below the own demand but by
                                // rounding (a pure delay's time is its
                                // demand): no negative noise.
                                wait: per((s.time - s.work).max(0.0)),
                            }
                        })
                        .collect(),
                    path: c.path.clone(),
                    blocking: c.blocking.clone(),
                }
            })
            .collect();
        let resources = r
            .resources
            .iter()
            .map(|x| ResourceFigures {
                name: x.name.clone(),
                kind: x.kind,
                utilization: x.utilization,
                mean_queue: x.mean_queue,
            })
            .collect();
        ReplicationFigures {
            classes,
            resources,
            events: r.events,
            databases: r
                .databases
                .iter()
                .map(|d| DatabaseFigures {
                    name: d.name.clone(),
                    availability: d.availability,
                    failovers: d.failovers as f64,
                })
                .collect(),
            timeline: r.timeline.as_ref().map(TimelineFigures::from),
            failures: r
                .failure_costs
                .iter()
                .map(|c| FailureCostFigures::of(c, &r.classes[c.class].name))
                .collect(),
            stopped_early: r.stopped_early,
        }
    }
}

impl ReplicationFigures {
    /// A row's figure in this replication (seconds, req/s or a fraction);
    /// `None` when the replication has no such row, or when the row did
    /// not measure the figure in it (a response time with nothing
    /// answered, the error rate with nothing finished).
    pub fn figure(&self, class: &str, figure: Figure) -> Option<f64> {
        self.classes
            .iter()
            .find(|c| c.name == class)
            .filter(|c| figure.defined_in(c))
            .map(|c| figure.of(c))
    }

    /// Whether `figure` (a percentile) of `class` fell among the responses
    /// cut at the client timeout in this replication (`false` for other
    /// figures and when the class answered nothing).
    pub fn censored(&self, class: &str, figure: Figure) -> bool {
        let q = match figure {
            Figure::P50 => 0.50,
            Figure::P95 => 0.95,
            Figure::P99 => 0.99,
            _ => return false,
        };
        self.classes
            .iter()
            .find(|c| c.name == class)
            .is_some_and(|c| c.measured() && c.censored(q))
    }

    /// The figures of scheduled failure `failure` (index into
    /// `Model::failures`) for `class` in this replication; `None` when it
    /// was not measured or the class is not there.
    pub fn failure_cost(&self, failure: usize, class: &str) -> Option<&FailureCostFigures> {
        self.failures
            .iter()
            .find(|f| f.failure == failure && f.class == class)
    }

    /// A resource's utilization in this replication.
    pub fn utilization(&self, resource: &str) -> Option<f64> {
        self.resources
            .iter()
            .find(|r| r.name == resource)
            .map(|r| r.utilization)
    }
}

/// Class row names over several summaries, in order of first appearance.
pub fn class_names<'a>(summaries: impl IntoIterator<Item = &'a Summary>) -> Vec<String> {
    names_in_order(summaries, |s| {
        s.classes.iter().map(|c| c.name.as_str()).collect()
    })
}

/// Resource names over several summaries, in order of first appearance.
pub fn resource_names<'a>(summaries: impl IntoIterator<Item = &'a Summary>) -> Vec<String> {
    names_in_order(summaries, |s| {
        s.resources.iter().map(|r| r.name.as_str()).collect()
    })
}

/// The names `rows` gives each summary, each once, in order of first
/// appearance.
fn names_in_order<'a>(
    summaries: impl IntoIterator<Item = &'a Summary>,
    rows: impl Fn(&'a Summary) -> Vec<&'a str>,
) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for s in summaries {
        for name in rows(s) {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_owned());
            }
        }
    }
    names
}

/// The upper end of an estimate's 95 % CI (the mean with one replication):
/// what every verdict (SLO, size, team target) is judged by. Its cut at
/// the figure's range never turns a verdict: every limit lies inside the
/// range (an error objective or `--max-utilization` below 100 %).
pub fn upper(e: &Estimate) -> f64 {
    e.ci_95().map_or(e.mean, |(_, hi)| hi)
}

/// Station `k` of a class's figures (the replications of one summary come
/// from one model, so every replication has the same stations).
fn station_of(c: &ClassFigures, k: usize) -> &StationFigures {
    &c.stations[k]
}

/// A figure over all replications; its intervals cut at `bounds`.
fn est_of(
    figs: &[ReplicationFigures],
    bounds: Bounds,
    f: impl Fn(&ReplicationFigures) -> f64,
) -> Estimate {
    Estimate::from_values_in(&figs.iter().map(f).collect::<Vec<_>>(), bounds)
}

/// A figure of class row `row` over the replications in which `measured`
/// holds; with none, an estimate of nothing (NaN, `n` = 0). A
/// replication that answered nothing has no response time: averaging its
/// empty histogram's zeros in would pull the row's times towards zero.
/// Intervals are cut at `bounds`.
fn est_where(
    figs: &[ReplicationFigures],
    row: usize,
    measured: fn(&ClassFigures) -> bool,
    bounds: Bounds,
    f: impl Fn(&ClassFigures) -> f64,
) -> Estimate {
    let values: Vec<f64> = figs
        .iter()
        .map(|r| &r.classes[row])
        .filter(|c| measured(c))
        .map(f)
        .collect();
    if values.is_empty() {
        Estimate::nothing()
    } else {
        Estimate::from_values_in(&values, bounds)
    }
}

impl Summary {
    /// Summarizes `results` (in replication order) of `model`.
    pub fn new(model: &Model, results: &[RunResult]) -> Summary {
        let figures: Vec<ReplicationFigures> = results.iter().map(Into::into).collect();
        Summary::from_figures(&model.classes, &figures).with_failures(model)
    }

    /// Gives the summary what only `model` knows: the timeline's (if any)
    /// scheduled failures, clock and, for a profiled scenario, peak
    /// windows; whether the scenario is stationary; and names the failures
    /// whose costs were measured.
    pub fn with_failures(mut self, model: &Model) -> Summary {
        let profiled = model.has_profile() || model.processes.iter().any(|p| p.profile.is_some());
        if let Some(t) = &mut self.timeline {
            t.failures = super::timeline::failure_windows(model);
            t.clock = model.start;
            t.clock_time = profiled || model.start != 0.0;
            if profiled {
                t.find_peaks(
                    self.classes
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| c.is_traffic)
                        .map(|(i, _)| i),
                );
            }
        }
        let measured = std::mem::take(&mut self.failure_costs);
        self.failure_costs = super::failure_cost::name(model, measured);
        self.random_failures = model.random_failures.len();
        self.non_stationary = if profiled {
            Some("the arrival rate follows an hourly profile")
        } else if !model.failures.is_empty() || !model.random_failures.is_empty() {
            Some("the scenario has failures")
        } else {
            None
        };
        self
    }

    /// Summarizes replications' figures (in replication order). `traffic`
    /// are the model's traffic classes (rows beyond them are timers and
    /// publishes), for their SLOs and the saturation rule.
    pub fn from_figures(traffic: &[TrafficClass], figures: &[ReplicationFigures]) -> Summary {
        let slos: Vec<&[Slo]> = traffic.iter().map(|c| c.slos.as_slice()).collect();
        Summary::from_parts(traffic.len(), &slos, figures)
    }

    /// As [`Summary::from_figures`], from the number of traffic classes and
    /// their SLOs alone (what a sweep's part file carries).
    pub fn from_parts(
        traffic_classes: usize,
        traffic_slos: &[&[Slo]],
        figures: &[ReplicationFigures],
    ) -> Summary {
        let n = figures.len();
        let rows = figures.first().map_or(0, |r| r.classes.len());
        let mut classes = Vec::with_capacity(rows);
        for i in 0..rows {
            // Every figure has a range its intervals are cut at: response
            // times and throughputs are never negative, rates are fractions.
            let e = |bounds, f: fn(&ClassFigures) -> f64| {
                est_of(figures, bounds, move |r| f(&r.classes[i]))
            };
            // Response times only from the replications that answered.
            let times = |f: fn(&ClassFigures) -> f64| {
                est_where(figures, i, ClassFigures::measured, Bounds::NonNegative, f)
            };
            let backlog =
                figures.iter().map(|r| r.classes[i].backlog).sum::<f64>() / n.max(1) as f64;
            // Rates only from the replications in which something finished.
            let rates = |f: fn(&ClassFigures) -> f64| {
                est_where(figures, i, ClassFigures::finished_any, Bounds::Fraction, f)
            };
            let timed_out_rate = rates(|c| c.timed_out_rate);
            let rejected_rate = rates(|c| c.rejected_rate);
            let is_traffic = i < traffic_classes;
            let first = &figures[0].classes[i];
            let count =
                |f: fn(&ClassFigures) -> bool| figures.iter().filter(|r| f(&r.classes[i])).count();
            classes.push(ClassSummary {
                name: first.name.clone(),
                kind: first.kind,
                is_traffic,
                replications: n,
                throughput: e(Bounds::NonNegative, |c| c.throughput),
                mean: times(|c| c.mean),
                p50: times(|c| c.p50),
                p95: times(|c| c.p95),
                p99: times(|c| c.p99),
                error_rate: rates(|c| c.error_rate),
                rejected_rate,
                timed_out_rate,
                failed_rate: rates(|c| c.failed_rate),
                unanswered_rate: e(Bounds::Fraction, |c| c.unanswered_rate),
                answered: figures.iter().map(|r| r.classes[i].answered).sum(),
                // Timers run as single instances and developers as a closed
                // population, so their backlog cannot grow; traffic classes
                // and BPT processes arrive open (Poisson), whatever is
                // still waiting, so theirs can.
                saturated: (is_traffic || first.kind == RowKind::Process)
                    && (backlog > SATURATION_BACKLOG || timed_out_rate.mean > 0.5),
                rejecting: is_traffic && rejected_rate.mean > REJECTION_LIMIT,
                timeout: first.timeout,
                censored: Censored {
                    p50: count(|c| c.censored(0.50)),
                    p95: count(|c| c.censored(0.95)),
                    p99: count(|c| c.censored(0.99)),
                },
                none_completed: count(|c| c.completed() == 0),
                // Only the replications the rule judges settled (their
                // truncation point inside the first half of the series)
                // speak for the warm-up: an unsettled one's point is the
                // end of the searched half, not an estimate.
                mser_warmup: median(
                    figures
                        .iter()
                        .filter(|r| !r.classes[i].mser_unsettled)
                        .filter_map(|r| r.classes[i].mser_warmup)
                        .collect(),
                ),
                mser_unsettled: figures
                    .iter()
                    .filter(|r| r.classes[i].mser_unsettled)
                    .count(),
                slos: Vec::new(),
                stations: (0..first.stations.len())
                    .map(|k| StationSummary {
                        kind: first.stations[k].kind,
                        key: first.stations[k].key.clone(),
                        time: est_where(figures, i, completed_any, Bounds::NonNegative, move |c| {
                            station_of(c, k).time
                        }),
                        wait: est_where(figures, i, completed_any, Bounds::NonNegative, move |c| {
                            station_of(c, k).wait
                        }),
                    })
                    .collect(),
                bottleneck: None,
                path: first.path.clone(),
                blocking: (0..first.blocking.len())
                    .map(|k| {
                        let mean = |f: fn(&StationBlocking) -> f64| {
                            figures
                                .iter()
                                .map(|r| f(&r.classes[i].blocking[k]))
                                .sum::<f64>()
                                / figures.len() as f64
                        };
                        StationBlocking {
                            kind: first.blocking[k].kind,
                            key: first.blocking[k].key.clone(),
                            iis: mean(|b| b.iis),
                            pool: mean(|b| b.pool),
                        }
                    })
                    .collect(),
            });
            let c = classes.last_mut().expect("just pushed");
            if let Some(objectives) = traffic_slos.get(i) {
                let errors_judged = objectives.iter().any(|o| !o.is_latency());
                c.slos = objectives
                    .iter()
                    .map(|&slo| judge(c, slo, errors_judged))
                    .collect();
            }
        }
        let resources: Vec<ResourceSummary> = figures
            .first()
            .map(|r0| {
                (0..r0.resources.len())
                    .map(|k| ResourceSummary {
                        name: r0.resources[k].name.clone(),
                        kind: r0.resources[k].kind,
                        utilization: est_of(figures, Bounds::Fraction, |r| {
                            r.resources[k].utilization
                        }),
                        mean_queue: est_of(figures, Bounds::NonNegative, |r| {
                            r.resources[k].mean_queue
                        }),
                    })
                    .collect()
            })
            .unwrap_or_default();
        for c in classes.iter_mut() {
            if c.none_completed == 0 {
                c.bottleneck = bottleneck(&c.stations, &c.blocking, &c.path, &resources);
            }
        }
        let databases = figures
            .first()
            .map(|r0| {
                (0..r0.databases.len())
                    .map(|k| DatabaseSummary {
                        name: r0.databases[k].name.clone(),
                        availability: est_of(figures, Bounds::Fraction, |r| {
                            r.databases[k].availability
                        }),
                        failovers: est_of(figures, Bounds::NonNegative, |r| {
                            r.databases[k].failovers
                        }),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Summary {
            replications: n,
            classes,
            resources,
            databases,
            events: figures.iter().map(|r| r.events).sum(),
            requests: figures
                .iter()
                .flat_map(|r| r.classes.iter().map(|c| c.total_arrivals))
                .sum(),
            timeline: TimelineSummary::new(figures.iter().map(|r| r.timeline.as_ref())),
            failure_costs: super::failure_cost::summarize(
                &figures
                    .iter()
                    .map(|r| r.failures.as_slice())
                    .collect::<Vec<_>>(),
            ),
            random_failures: 0,
            non_stationary: None,
            precision: None,
            certain_miss: CertainMiss::of(figures),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(answered: u64, cut: u64) -> ClassFigures {
        ClassFigures {
            name: "web".into(),
            kind: RowKind::Traffic,
            throughput: 1.0,
            mean: 0.1,
            p50: 0.1,
            p95: 0.2,
            p99: 0.3,
            error_rate: 0.0,
            rejected_rate: 0.0,
            timed_out_rate: 0.0,
            failed_rate: 0.0,
            answered,
            finished: answered,
            backlog: 0.0,
            total_arrivals: answered,
            mser_warmup: None,
            mser_unsettled: false,
            unanswered_rate: 0.0,
            cut,
            timeout: Some(10.0),
            stations: Vec::new(),
            path: Vec::new(),
            blocking: Vec::new(),
        }
    }

    #[test]
    fn a_percentile_is_censored_when_fewer_than_its_rank_came_in_time() {
        // 1000 responses: p99 is rank 990, p95 rank 950.
        assert!(
            !figures(1000, 10).censored(0.99),
            "990 in time: rank 990 measured"
        );
        assert!(
            figures(1000, 11).censored(0.99),
            "989 in time: rank 990 cut"
        );
        assert!(!figures(1000, 50).censored(0.95));
        assert!(figures(1000, 51).censored(0.95));
        assert!(!figures(1000, 0).censored(0.99));
        assert!(!figures(0, 0).censored(0.5));
        assert!(figures(3, 3).censored(0.5), "every response cut");
        assert_eq!(figures(3, 3).completed(), 0);
    }

    #[test]
    fn censored_in_any_replication_is_censored_over_replications() {
        let traffic = [crate::model::spec::TrafficClass {
            name: "web".into(),
            zone: 0,
            arrivals: crate::model::spec::Arrivals::Open {
                rate: 1.0,
                profile: None,
            },
            network: crate::dist::Dist::constant(0.0).unwrap(),
            cpu: crate::dist::Dist::constant(0.01).unwrap(),
            db_calls: crate::dist::Dist::constant(0.0).unwrap(),
            db_time: crate::dist::Dist::constant(0.0).unwrap(),
            integrations: Vec::new(),
            timeout: 10.0,
            slos: vec![Slo::P99(20.0), Slo::P95(1.0)],
        }];
        let rep = |cut| ReplicationFigures {
            classes: vec![figures(1000, cut)],
            resources: vec![],
            events: 1,
            databases: vec![],
            timeline: None,
            failures: vec![],
            stopped_early: None,
        };
        let s = Summary::from_figures(&traffic, &[rep(0), rep(20), rep(5)]);
        let c = &s.classes[0];
        assert_eq!(
            c.censored,
            Censored {
                p50: 0,
                p95: 0,
                p99: 1
            }
        );
        // p99's limit is above the timeout, yet p99 is at least the timeout
        // with its value hidden: not met.
        assert_eq!(c.slos[0].verdict, SloVerdict::Censored);
        assert_eq!(c.slos[1].verdict, SloVerdict::Met);
        let none = Summary::from_figures(
            &traffic,
            &[
                rep(0),
                ReplicationFigures {
                    classes: vec![figures(0, 0)],
                    ..rep(0)
                },
            ],
        );
        assert_eq!(none.classes[0].none_completed, 1);
        assert!(
            none.classes[0]
                .slos
                .iter()
                .all(|k| k.verdict == SloVerdict::NoneCompleted)
        );
    }

    #[test]
    fn upper_end_of_an_interval() {
        let e = Estimate::from_values(&[1.0, 2.0, 3.0]);
        assert!(upper(&e) > 3.0);
        let one = Estimate::from_values(&[2.0]);
        assert_eq!(upper(&one), 2.0);
    }
}
