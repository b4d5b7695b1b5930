//! What one replication measured, and the bookkeeping that fills it.
//!
//! Why this file exists: results are typed values that `experiment`,
//! `whatif` and `report` consume; this is the only place the model turns
//! its state into those figures.

use super::Sim;
use super::accounting::StationTime;
use super::failure_cost::FailureCost;
use super::jobs::Kind;
use super::timeline::Timeline;
use crate::model::spec::Model;
use crate::stats::mser::WarmupEstimate;
use crate::stats::{LatencyHistogram, Mser5, Tally};

/// Outcome counts of one class (or timers, or publishes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcomes {
    pub ok: u64,
    pub rejected: u64,
    pub timed_out: u64,
    pub failed: u64,
}

impl Outcomes {
    /// All finished requests.
    pub fn finished(&self) -> u64 {
        self.ok + self.rejected + self.timed_out + self.failed
    }
}

/// What a row of [`RunResult::classes`] stands for.
///
/// Why it exists: consumers (reports, sizing, comparisons) treat web
/// traffic, timer runs and publishes differently — a timer's "response
/// time" is its run time, a publish's is its lead time — and must not
/// recover the kind from the row's name (`timer.NAME`, `publish`), which a
/// user's class name could imitate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowKind {
    /// A traffic class: web requests from users.
    Traffic,
    /// A timer's runs (row `timer.NAME`).
    Timer,
    /// One development section's publishes (row `publish` or `publish.ENV`).
    Publish,
    /// A BPT process's instances (row `process.NAME`): the response time is
    /// the lead time, from launch to the end of the last activity.
    Process,
}

/// What one traffic class (or the timers, or the publishes) measured.
#[derive(Clone, Debug)]
pub struct ClassResult {
    pub name: String,
    /// Whether the row is a traffic class, a timer or publishes.
    pub kind: RowKind,
    /// Requests that arrived after the warm-up.
    pub arrivals: u64,
    /// Outcomes of requests that finished after the warm-up.
    pub outcomes: Outcomes,
    /// Response time of requests answered (ok, or timed out at the timeout).
    pub response: Tally,
    pub hist: LatencyHistogram,
    /// Whole-run counts for the conservation law.
    pub total_arrivals: u64,
    pub total_outcomes: Outcomes,
    /// Requests still in flight at the end whose client is still waiting.
    pub in_flight_at_end: u64,
    /// Responses recorded after the warm-up as exactly the client timeout
    /// (the client gave up): the top of `response` and `hist` is cut there.
    pub cut: u64,
    /// The client timeout of a traffic class; `None` for timers and
    /// publishes.
    pub timeout: Option<f64>,
    pub warmup_estimate: Option<WarmupEstimate>,
    /// Traffic classes: the stations of the path and the time the
    /// requests answered in time (`outcomes.ok`) spent at each, summed over
    /// them; their times add up to those requests' summed response time.
    /// Empty for other rows.
    pub stations: Vec<StationTime>,
    /// Traffic classes: the resource rows on the path (its zone's
    /// front-ends' CPU, IIS workers and pool, its database's CPU, the
    /// external systems it calls). Empty for other rows.
    pub path: Vec<String>,
    /// Traffic classes: the waiting of the class's zone for IIS workers
    /// and connections, by the station their holders were at (see
    /// `blocking`). Empty for other rows.
    pub blocking: Vec<super::StationBlocking>,
    mser: Mser5,
}

impl ClassResult {
    pub(super) fn new(name: String, kind: RowKind) -> Self {
        ClassResult {
            name,
            kind,
            arrivals: 0,
            outcomes: Outcomes::default(),
            response: Tally::new(),
            hist: LatencyHistogram::new(),
            total_arrivals: 0,
            total_outcomes: Outcomes::default(),
            in_flight_at_end: 0,
            cut: 0,
            timeout: None,
            warmup_estimate: None,
            stations: Vec::new(),
            path: Vec::new(),
            blocking: Vec::new(),
            mser: Mser5::new(),
        }
    }
}

/// Kind of a measured resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    FrontEndCpu,
    IisWorkers,
    ConnectionPool,
    DatabaseCpu,
    DeploymentController,
    /// An external system (`[external.NAME]`): utilization is the mean
    /// number of calls in service over `concurrency`, NaN (not defined)
    /// without a limit.
    ExternalSystem,
    /// A front-end's Scheduler threads for BPT activities (row
    /// `NAME.process_threads`): utilization is busy threads over threads;
    /// the mean queue is the front-end's share of its zone's queue (the
    /// zone's activities waiting for a thread, divided among the zone's
    /// front-ends with Execute Processes on; 0 on the others).
    ProcessThreads,
}

/// What one resource measured after the warm-up.
#[derive(Clone, Debug)]
pub struct ResourceResult {
    pub name: String,
    pub kind: ResourceKind,
    /// Mean fraction of the servers busy; NaN where it is not defined (an
    /// external system without a concurrency limit).
    pub utilization: f64,
    pub mean_queue: f64,
}

/// What one database instance (SQL Server cluster) measured after the
/// warm-up: how much of the time it served calls, and how often it failed
/// over.
///
/// Why it exists: "what does a failover cost" is answered in the outcome
/// counts of the classes (failed requests), but a planner comparing one node
/// with two, or two failover durations, also wants the instance's own
/// availability, which no class row shows.
#[derive(Clone, Debug, PartialEq)]
pub struct DatabaseResult {
    /// The instance's name (`Model::databases[i].name`).
    pub name: String,
    /// Fraction of the measured time (after the warm-up) the instance was
    /// serving calls: 1 minus `unavailable_seconds / measured_time`. It
    /// serves nothing during an automatic failover (`failover_duration`)
    /// and, when no healthy node is left, until a node is repaired.
    pub availability: f64,
    /// Measured seconds the instance was not serving.
    pub unavailable_seconds: f64,
    /// Automatic failovers (a node failure with a healthy node left to take
    /// over) that began after the warm-up. A failure that leaves no node is
    /// an outage, not a failover, and is not counted here.
    pub failovers: u64,
}

/// Everything one replication measured.
#[derive(Clone, Debug)]
pub struct RunResult {
    /// Traffic classes in model order, then one row per timer
    /// (`timer.NAME`), then one per development section (`publish`), then
    /// one per BPT process (`process.NAME`); each row's `kind` says which.
    pub classes: Vec<ClassResult>,
    pub resources: Vec<ResourceResult>,
    /// One per database instance, in model order.
    pub databases: Vec<DatabaseResult>,
    pub measured_time: f64,
    pub events: u64,
    /// Requests (all kinds) alive at the end: bounded work in flight.
    pub peak_jobs: usize,
    /// Per window of the measured period, with `Model::timeline`.
    pub timeline: Option<Timeline>,
    /// Per scheduled failure measured (see `FailurePeriods::of`) × traffic
    /// class, failure-major; empty without scheduled failures.
    pub failure_costs: Vec<FailureCost>,
    /// Set when the run stopped before its end because a limit of its
    /// `MissRule` was certainly exceeded; every figure then covers the
    /// `measured_time` simulated.
    pub stopped_early: Option<super::StoppedEarly>,
}

/// Index of the first timer row and of the first publish row in `classes`.
pub fn row_offsets(model: &Model) -> (usize, usize) {
    (
        model.classes.len(),
        model.classes.len() + model.timers.len(),
    )
}

impl Sim<'_> {
    pub(super) fn row_of(&self, kind: Kind) -> usize {
        match kind {
            Kind::Web { class } => class as usize,
            Kind::Timer { timer } => self.timer_row + timer as usize,
            Kind::Publish { dev } => self.publish_row + dev as usize,
            Kind::Process { process } => self.process_row + process as usize,
        }
    }

    pub(super) fn record(
        &mut self,
        now: f64,
        kind: Kind,
        outcome: fn(&mut Outcomes),
        latency: Option<f64>,
    ) {
        let row = self.row_of(kind);
        let measuring = self.measuring;
        let r = &mut self.rows[row];
        outcome(&mut r.total_outcomes);
        if let Some(l) = latency {
            r.mser.record(now, l);
        }
        if measuring {
            outcome(&mut r.outcomes);
            if let Some(l) = latency {
                r.response.record(l);
                r.hist.record(l);
            }
            if let Some(t) = &mut self.timeline {
                t.record(row, outcome, latency);
            }
            if let Some(c) = &mut self.failure_costs {
                c.record(now, row, outcome, latency);
            }
        }
    }

    /// Records a response cut at the client timeout: timed out, its
    /// latency exactly `timeout`.
    pub(super) fn record_cut(&mut self, now: f64, kind: Kind, timeout: f64) {
        self.record(now, kind, |o| o.timed_out += 1, Some(timeout));
        if self.measuring {
            let row = self.row_of(kind);
            self.rows[row].cut += 1;
            if let Some(t) = &mut self.timeline {
                t.cut(row);
            }
            if let Some(c) = &mut self.failure_costs {
                c.cut(row);
            }
        }
    }

    pub(super) fn count_arrival(&mut self, kind: Kind) {
        let row = self.row_of(kind);
        self.rows[row].total_arrivals += 1;
        if self.measuring {
            self.rows[row].arrivals += 1;
        }
    }

    pub(super) fn finish(mut self, end: f64) -> RunResult {
        let m = self.m;
        let stopped_early = self.stopped_early;
        // A run stopped early has no timeline or failure costs: their
        // windows would end where the run did, unlike every other
        // replication's.
        let mut timeline = self.finish_timeline(end);
        let mut failure_costs = self
            .failure_costs
            .take()
            .map_or_else(Vec::new, |c| c.finish(end));
        let measured_time = match stopped_early {
            Some(s) => {
                timeline = None;
                failure_costs.clear();
                s.measured
            }
            None => m.duration,
        };
        for slot in 0..self.jobs.len() {
            let j = self.jobs[slot];
            if j.live && !j.client_gone {
                let row = self.row_of(j.kind);
                self.rows[row].in_flight_at_end += 1;
            }
        }
        let mut resources = Vec::new();
        for (i, f) in self.fes.iter().enumerate() {
            let name = &m.front_ends[i].name;
            resources.push(ResourceResult {
                name: format!("{name}.cpu"),
                kind: ResourceKind::FrontEndCpu,
                utilization: f.cpu.utilization(end),
                mean_queue: f.cpu.mean_queue(end),
            });
            resources.push(ResourceResult {
                name: format!("{name}.iis"),
                kind: ResourceKind::IisWorkers,
                utilization: f.workers.utilization(end),
                mean_queue: f.workers.mean_queue(end),
            });
            resources.push(ResourceResult {
                name: format!("{name}.pool"),
                kind: ResourceKind::ConnectionPool,
                utilization: f.pool.utilization(end),
                mean_queue: f.pool.mean_queue(end),
            });
        }
        if !m.processes.is_empty() {
            for (i, f) in self.fes.iter().enumerate() {
                let spec = &m.front_ends[i];
                let zone = spec.zone;
                let executing = self.zone_fes[zone]
                    .clone()
                    .filter(|&k| m.front_ends[k].execute_processes)
                    .count();
                let share = if spec.execute_processes {
                    self.zone_process_waiting[zone].mean(end) / executing as f64
                } else {
                    0.0
                };
                resources.push(ResourceResult {
                    name: format!("{}.process_threads", spec.name),
                    kind: ResourceKind::ProcessThreads,
                    utilization: f.threads_busy.mean(end) / spec.process_threads as f64,
                    mean_queue: share,
                });
            }
        }
        for (i, d) in self.dbs.iter().enumerate() {
            resources.push(ResourceResult {
                name: format!("db.{}.cpu", m.databases[i].name),
                kind: ResourceKind::DatabaseCpu,
                utilization: d.cpu.utilization(end),
                mean_queue: d.cpu.mean_queue(end),
            });
        }
        for (x, spec) in self.ext.iter().zip(&m.external) {
            resources.push(ResourceResult {
                name: format!("external.{}", spec.name),
                kind: ResourceKind::ExternalSystem,
                utilization: match spec.concurrency {
                    Some(_) => x.utilization(end),
                    None => f64::NAN,
                },
                mean_queue: x.mean_queue(end),
            });
        }
        for (i, dc) in self.dcs.iter().enumerate() {
            if let Some(dc) = dc {
                let env = &m.environments[m.development[i].environment].name;
                resources.push(ResourceResult {
                    name: format!("dc.{env}.cpu"),
                    kind: ResourceKind::DeploymentController,
                    utilization: dc.utilization(end),
                    mean_queue: dc.mean_queue(end),
                });
            }
        }
        let databases = self
            .dbs
            .iter()
            .zip(&m.databases)
            .map(|(d, spec)| {
                let unavailable = d.cluster.unavailable(end, d.up);
                DatabaseResult {
                    name: spec.name.clone(),
                    availability: 1.0 - unavailable / measured_time,
                    unavailable_seconds: unavailable,
                    failovers: d.cluster.failovers(),
                }
            })
            .collect();
        for r in &mut self.rows {
            r.warmup_estimate = r.mser.estimate();
        }
        for c in 0..m.classes.len() {
            self.rows[c].stations = self.class_stations(c);
            self.rows[c].path = self.class_path(c);
            self.rows[c].blocking = self.class_blocking(c);
        }
        RunResult {
            classes: self.rows,
            resources,
            databases,
            measured_time,
            events: self.events,
            peak_jobs: self.peak_jobs,
            timeline,
            failure_costs,
            stopped_early,
        }
    }
}
