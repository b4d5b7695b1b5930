//! The validated description of an OutSystems 11 installation that the
//! simulation runs: plain data, serde-free, every reference already resolved
//! to an index and every number already checked.
//!
//! Why this file exists: the scenario loader (`scenario`) turns user text
//! into this, with all the error reporting; the simulation (`model::sim`)
//! trusts it completely. Nothing here can be invalid by construction except
//! through `Model::check`, which the loader calls and tests use.
//!
//! Units: seconds for times, requests per second for rates, cores as f64.

use crate::dist::Dist;

/// How a machine's CPU serves concurrent work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpuDiscipline {
    /// Processor sharing: n jobs on c cores each get min(1, c/n) of a core.
    ProcessorSharing,
    /// First come, first served over the cores (what Erlang C describes).
    Fcfs,
}

/// How a load balancer picks a front-end among those it believes are up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Balancer {
    RoundRobin,
    LeastConnections,
    Random,
    PowerOfTwoChoices,
}

/// What happens to a database call sent while the instance is not serving
/// (a failover under way, or every node down). Calls already running when
/// the primary fails, and requests holding a connection then, fail under
/// either policy: every open connection breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailoverPolicy {
    /// The call fails at once (the request fails).
    Fail,
    /// The call waits for the instance to serve again, and fails if the
    /// query timeout passes first.
    Wait,
}

/// The kind of an OutSystems environment (informational; drives defaults
/// in the loader, not behaviour here).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvironmentKind {
    Development,
    QualityAssurance,
    Production,
    LifeTime,
}

impl EnvironmentKind {
    /// How reports name the kind.
    pub fn label(self) -> &'static str {
        match self {
            EnvironmentKind::Development => "development",
            EnvironmentKind::QualityAssurance => "quality assurance",
            EnvironmentKind::Production => "production",
            EnvironmentKind::LifeTime => "LifeTime",
        }
    }
}

/// A SQL Server instance (a cluster of `nodes` with one primary serving
/// every call). Several environments may share one.
///
/// A database failure (`FailureTarget::DatabasePrimary`) takes down the
/// node that is primary at that moment, until the failure's repair. With a
/// healthy secondary left, the cluster fails over automatically: the
/// instance serves nothing for `failover_duration`, then serves again from
/// the new primary, whether or not the failed node is back. With none left
/// (one node, or every other node already failed) the instance serves
/// nothing until a node is repaired, and serves again at that repair.
#[derive(Clone, Debug, PartialEq)]
pub struct Database {
    pub name: String,
    pub cores: f64,
    pub cpu: CpuDiscipline,
    /// Cluster nodes (at least one); automatic failover needs two or more.
    pub nodes: u32,
    /// How long the instance serves nothing during an automatic failover
    /// (detection and promotion of a secondary), seconds.
    pub failover_duration: f64,
    /// SqlCommand timeout: a call fails once this has passed since it was
    /// sent, whether it waited out a failover, queued, or ran on the CPU;
    /// the database stops working on it then.
    pub query_timeout: f64,
    pub on_failover: FailoverPolicy,
}

/// An OutSystems environment: its front-ends (through its zones), its
/// database, and optionally developers publishing to it.
#[derive(Clone, Debug, PartialEq)]
pub struct Environment {
    pub name: String,
    pub kind: EnvironmentKind,
    /// Index into `Model::databases`.
    pub database: usize,
}

/// A group of front-ends behind one load balancer.
#[derive(Clone, Debug, PartialEq)]
pub struct Zone {
    pub name: String,
    /// Index into `Model::environments`.
    pub environment: usize,
    pub balancer: Balancer,
    /// Extra one-way network delay for every request of this zone (a VPN).
    pub extra_network: Option<Dist>,
    /// Health-check period; a dead front-end is marked down after
    /// `health_interval * health_failures`.
    pub health_interval: f64,
    pub health_failures: u32,
}

/// One front-end server (IIS + the OutSystems platform services).
#[derive(Clone, Debug, PartialEq)]
pub struct FrontEnd {
    pub name: String,
    /// Index into `Model::zones`.
    pub zone: usize,
    pub cores: f64,
    pub cpu: CpuDiscipline,
    /// Concurrent IIS request threads.
    pub iis_workers: u32,
    /// Requests that may wait for a worker; beyond it: 503.
    pub iis_queue: u32,
    /// Max Pool Size of the connection pool to the environment's database.
    pub db_pool: u32,
    /// Waiting longer than this for a pooled connection is an error.
    pub connect_timeout: f64,
    /// IIS aborts a request that has held its worker longer than this
    /// (checked between CPU bursts and database calls); it counts as timed
    /// out.
    pub request_timeout: f64,
    /// Max. Concurrent Timers.
    pub timer_slots: u32,
    /// Service Center's "Execute Timers" switch: off, the front-end takes
    /// no timer run.
    pub execute_timers: bool,
    /// Service Center's "Execute Processes" switch: off, the front-end runs
    /// no BPT activity.
    pub execute_processes: bool,
    /// The Scheduler's threads for automatic activities of BPT processes
    /// (10, or 20 with Light BPT; a forum figure, not official).
    pub process_threads: u32,
}

/// Where the requests of a traffic class come from.
#[derive(Clone, Debug, PartialEq)]
pub enum Arrivals {
    /// Poisson arrivals at `rate` per second, multiplied in hour h of the
    /// simulated day by `profile[h]` when a profile is given.
    Open {
        rate: f64,
        profile: Option<[f64; 24]>,
    },
    /// `users` users, each waiting for its answer then thinking.
    Closed { users: u32, think: Dist },
}

/// A service-level objective on a class's response time (seconds) or on
/// its error rate.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Slo {
    P95(f64),
    P99(f64),
    Mean(f64),
    /// The largest fraction (0 to 1) of finished requests rejected, timed
    /// out or failed: the class's error rate.
    Errors(f64),
}

impl Slo {
    /// Whether the objective is on a response time (not on errors).
    pub fn is_latency(self) -> bool {
        !matches!(self, Slo::Errors(_))
    }
}

/// An external system (REST/SOAP service, ERP, CRM…) that requests call
/// and wait for while holding their IIS worker.
#[derive(Clone, Debug, PartialEq)]
pub struct ExternalSystem {
    pub name: String,
    /// Calls in flight at the system at most (the rest queue FCFS);
    /// `None`: no limit, a call never waits.
    pub concurrency: Option<u32>,
    /// A call whose wait plus service exceeds this fails at this moment
    /// (the client timeout of the consumed REST/SOAP method or Service
    /// Action); the request fails with it.
    pub timeout: f64,
}

/// Calls of a request to one external system.
#[derive(Clone, Debug, PartialEq)]
pub struct Integration {
    /// Index into `Model::external`.
    pub system: usize,
    /// Calls per request, made one after another.
    pub calls: u32,
    /// The time the system takes for one call.
    pub time: Dist,
}

/// A kind of request with its own arrivals and work.
#[derive(Clone, Debug, PartialEq)]
pub struct TrafficClass {
    pub name: String,
    /// Index into `Model::zones`.
    pub zone: usize,
    pub arrivals: Arrivals,
    /// One-way network delay (applied on the way in and on the way out).
    pub network: Dist,
    /// Front-end CPU per request, split evenly into the bursts around the
    /// database calls.
    pub cpu: Dist,
    /// Number of database calls per request (unitless, rounded).
    pub db_calls: Dist,
    /// Database CPU per call.
    pub db_time: Dist,
    /// Calls to external systems, made in this order after the first CPU
    /// burst and before the first database call.
    pub integrations: Vec<Integration>,
    /// The client gives up after this; the server keeps working.
    pub timeout: f64,
    pub slos: Vec<Slo>,
}

/// A timer (Scheduler Service) running periodically on a zone's front-ends.
#[derive(Clone, Debug, PartialEq)]
pub struct Timer {
    pub name: String,
    pub zone: usize,
    pub period: f64,
    pub cpu: Dist,
    pub db_calls: Dist,
    pub db_time: Dist,
}

/// A BPT process: launched at random (Poisson, optionally shaped by an
/// hourly profile), it runs its automatic activities one after another,
/// each on one of the Scheduler's process threads of a front-end of its
/// zone that has Execute Processes on.
#[derive(Clone, Debug, PartialEq)]
pub struct Process {
    pub name: String,
    pub zone: usize,
    /// Launches per second (the scenario gives them per hour).
    pub rate: f64,
    /// Multiplier of `rate` in hour h of the simulated day.
    pub profile: Option<[f64; 24]>,
    /// Automatic activities per process instance, run in sequence.
    pub activities: u32,
    /// Front-end CPU per activity.
    pub cpu: Dist,
    /// Database calls per activity (unitless, rounded).
    pub db_calls: Dist,
    /// Database CPU per call.
    pub db_time: Dist,
}

/// The platform's timeout of one automatic activity: fixed at 5 minutes,
/// not configurable. An activity still running then fails, and its
/// process with it.
pub const ACTIVITY_TIMEOUT: f64 = 300.0;

/// Where a Deployment Controller compiles.
#[derive(Clone, Debug, PartialEq)]
pub enum Controller {
    /// Its own machine: compilations queue FCFS over `cores`, one core each.
    Dedicated { cores: u32 },
    /// On a front-end's box: compilations run on that front-end's CPU.
    CoLocated { front_end: usize },
}

/// Developers publishing (1-Click Publish) to an environment.
#[derive(Clone, Debug, PartialEq)]
pub struct Development {
    /// Index into `Model::environments`.
    pub environment: usize,
    pub developers: u32,
    /// Publishes per developer per hour.
    pub publishes_per_hour: f64,
    pub upload: Dist,
    /// CPU time of one compilation (one core).
    pub compile: Dist,
    /// Deployment time on each front-end of the environment (in parallel).
    pub deploy_per_front_end: Dist,
    pub controller: Controller,
    /// Compilations running at once at most (one core each); the others
    /// wait FCFS for one to finish.
    pub max_parallel_compiles: u32,
    /// Database CPU of storing the uploaded version (after the upload, on
    /// the environment's database).
    pub upload_db: Dist,
    /// Database CPU of updating the metadata and schema (after the compile,
    /// before the deploy to the front-ends).
    pub deploy_db: Dist,
}

/// What a failure takes down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureTarget {
    /// Index into `Model::front_ends`.
    FrontEnd(usize),
    /// The node that is primary of `Model::databases[i]` when the failure
    /// starts (see [`Database`] for what the cluster does then).
    DatabasePrimary(usize),
}

/// A failure at a fixed time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScheduledFailure {
    pub at: f64,
    pub duration: f64,
    pub target: FailureTarget,
}

/// Failures recurring at random: up for exponential(`mtbf`), then down
/// for exponential(`mttr`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RandomFailure {
    pub target: FailureTarget,
    pub mtbf: f64,
    pub mttr: f64,
}

/// A whole installation plus the run settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// Simulated time measured after the warm-up.
    pub duration: f64,
    /// Simulated time discarded at the start.
    pub warmup: f64,
    /// Time of day at simulated time 0 (the start of the warm-up), in
    /// seconds since midnight, `[0, 86400)`: hour h of an hourly profile is
    /// clock hour h, the simulated time `t` being clock `start + t`.
    pub start: f64,
    pub databases: Vec<Database>,
    pub external: Vec<ExternalSystem>,
    pub environments: Vec<Environment>,
    pub zones: Vec<Zone>,
    /// Front-ends of each zone are contiguous, in zone order.
    pub front_ends: Vec<FrontEnd>,
    pub classes: Vec<TrafficClass>,
    pub timers: Vec<Timer>,
    pub development: Vec<Development>,
    /// BPT processes.
    pub processes: Vec<Process>,
    pub failures: Vec<ScheduledFailure>,
    pub random_failures: Vec<RandomFailure>,
    /// Length of a timeline window (seconds): with `Some`, each replication
    /// also measures every row and resource per window of the measured
    /// period (`--timeline`). Not a scenario key: the command line sets it.
    pub timeline: Option<f64>,
}

impl Model {
    /// True when some traffic class follows an hourly profile.
    pub fn has_profile(&self) -> bool {
        self.classes.iter().any(|c| {
            matches!(
                c.arrivals,
                Arrivals::Open {
                    profile: Some(_),
                    ..
                }
            )
        })
    }

    /// Windows of a timeline of `window` seconds over the measured period:
    /// `ceil(duration / window)` (the last one may be shorter).
    pub fn timeline_windows(&self, window: f64) -> f64 {
        (self.duration / window).ceil().max(1.0)
    }

    /// Front-end indices of zone `z`.
    pub fn zone_front_ends(&self, z: usize) -> std::ops::Range<usize> {
        let start = self
            .front_ends
            .iter()
            .position(|f| f.zone == z)
            .unwrap_or(0);
        let len = self.front_ends.iter().filter(|f| f.zone == z).count();
        start..start + len
    }

    /// A rough count of the events one replication processes: per request
    /// about five events plus two per database call, for the open classes
    /// at their mean rate and the closed ones cycling through their think
    /// time. Used to refuse, before running, a run that would take hours.
    pub fn estimated_events(&self) -> f64 {
        let span = self.warmup + self.duration;
        let per_request = |c: &TrafficClass| {
            5.0 + 2.0 * c.db_calls.mean()
                + 2.0 * c.integrations.iter().map(|i| i.calls as f64).sum::<f64>()
        };
        let mut events = 0.0;
        for c in &self.classes {
            let rate = match &c.arrivals {
                Arrivals::Open { rate, profile } => {
                    rate * profile.map_or(1.0, |p| p.iter().sum::<f64>() / 24.0)
                }
                Arrivals::Closed { users, think } => *users as f64 / think.mean().max(1e-3),
            };
            events += rate * span * per_request(c);
        }
        for t in &self.timers {
            events += span / t.period * (5.0 + 2.0 * t.db_calls.mean());
        }
        for p in &self.processes {
            let rate = p.rate * p.profile.map_or(1.0, |h| h.iter().sum::<f64>() / 24.0);
            events += rate * span * (2.0 + p.activities as f64 * (4.0 + 2.0 * p.db_calls.mean()));
        }
        for d in &self.development {
            events += d.developers as f64 * d.publishes_per_hour / 3600.0 * span * 8.0;
        }
        // Each failure and repair, and the balancer noticing both.
        for f in &self.random_failures {
            events += span / (f.mtbf + f.mttr) * 4.0;
        }
        events += self.failures.len() as f64 * 4.0;
        events
    }

    /// About how many bytes one replication of this model holds at its
    /// peak, for `--max-memory`: a fixed part (calendar, job slots), each
    /// row's histograms and warm-up series, each developer's publish
    /// state, each front-end's stations, and the timeline's windows. The
    /// constants were measured (peak resident memory against the number of
    /// rows, developers and windows) and rounded up.
    pub fn estimated_memory(&self) -> f64 {
        const BASE: f64 = 4e6;
        const PER_ROW: f64 = 300e3;
        const PER_DEVELOPER: f64 = 200.0;
        const PER_FRONT_END: f64 = 4e3;
        const PER_WINDOW_CELL: f64 = 160.0;
        let rows = (self.classes.len()
            + self.timers.len()
            + self.processes.len()
            + self.development.len()) as f64;
        let developers: f64 = self.development.iter().map(|d| d.developers as f64).sum();
        let windows = self.timeline.map_or(0.0, |w| self.timeline_windows(w));
        let resources = (self.front_ends.len() * 4
            + self.databases.len()
            + self.external.len()
            + self.development.len()) as f64;
        BASE + rows * PER_ROW
            + developers * PER_DEVELOPER
            + self.front_ends.len() as f64 * PER_FRONT_END
            + windows * (rows + resources) * PER_WINDOW_CELL
            + super::sim::failure_cost_memory(self)
    }

    /// Checks the invariants the simulation relies on. The loader reports
    /// user mistakes with file positions before this; a failure here is a
    /// bug in whoever built the model, described in plain words.
    pub fn check(&self) -> Result<(), String> {
        let pos = |x: f64, what: &str| -> Result<(), String> {
            if x.is_finite() && x > 0.0 {
                Ok(())
            } else {
                Err(format!("{what} must be positive and finite, got {x}"))
            }
        };
        pos(self.duration, "duration")?;
        if !(self.start.is_finite() && (0.0..86_400.0).contains(&self.start)) {
            return Err(format!(
                "start must be a time of day in [0, 86400) seconds, got {}",
                self.start
            ));
        }
        if !(self.warmup.is_finite() && self.warmup >= 0.0) {
            return Err(format!(
                "warmup must be zero or positive, got {}",
                self.warmup
            ));
        }
        if self.databases.is_empty() || self.environments.is_empty() || self.zones.is_empty() {
            return Err("a model needs at least one database, environment and zone".into());
        }
        for d in &self.databases {
            pos(d.cores, &format!("database {} cores", d.name))?;
            pos(
                d.query_timeout,
                &format!("database {} query_timeout", d.name),
            )?;
            pos(
                d.failover_duration,
                &format!("database {} failover_duration", d.name),
            )?;
            if d.nodes == 0 {
                return Err(format!("database {} needs at least one node", d.name));
            }
        }
        for e in &self.environments {
            if e.database >= self.databases.len() {
                return Err(format!(
                    "environment {} refers to a missing database",
                    e.name
                ));
            }
        }
        for x in &self.external {
            pos(x.timeout, &format!("external system {} timeout", x.name))?;
            if x.concurrency == Some(0) {
                return Err(format!(
                    "external system {} concurrency must be at least 1",
                    x.name
                ));
            }
        }
        for (z, zone) in self.zones.iter().enumerate() {
            if zone.environment >= self.environments.len() {
                return Err(format!(
                    "zone {} refers to a missing environment",
                    zone.name
                ));
            }
            if self.zone_front_ends(z).is_empty() {
                return Err(format!("zone {} has no front-end", zone.name));
            }
            pos(
                zone.health_interval,
                &format!("zone {} health_interval", zone.name),
            )?;
            if zone.health_failures == 0 {
                return Err(format!(
                    "zone {} health_failures must be at least 1",
                    zone.name
                ));
            }
        }
        let mut last_zone = 0;
        for f in &self.front_ends {
            if f.zone >= self.zones.len() || f.zone < last_zone {
                return Err(format!(
                    "front-end {} is out of zone order or in a missing zone",
                    f.name
                ));
            }
            last_zone = f.zone;
            pos(f.cores, &format!("front-end {} cores", f.name))?;
            if f.iis_workers == 0 || f.db_pool == 0 {
                return Err(format!(
                    "front-end {} needs at least one IIS worker and one pooled connection",
                    f.name
                ));
            }
        }
        for c in &self.classes {
            if c.zone >= self.zones.len() {
                return Err(format!("class {} refers to a missing zone", c.name));
            }
            pos(c.timeout, &format!("class {} timeout", c.name))?;
            for i in &c.integrations {
                if i.system >= self.external.len() || i.calls == 0 {
                    return Err(format!(
                        "class {} calls a missing external system, or zero times",
                        c.name
                    ));
                }
            }
            match &c.arrivals {
                Arrivals::Open { rate, profile } => {
                    pos(*rate, &format!("class {} rate", c.name))?;
                    if let Some(p) = profile
                        && p.iter().any(|m| !(m.is_finite() && *m >= 0.0))
                    {
                        return Err(format!(
                            "class {} profile values must be zero or positive",
                            c.name
                        ));
                    }
                }
                Arrivals::Closed { users, .. } => {
                    if *users == 0 {
                        return Err(format!("class {} needs at least one user", c.name));
                    }
                }
            }
        }
        for t in &self.timers {
            if t.zone >= self.zones.len() {
                return Err(format!("timer {} refers to a missing zone", t.name));
            }
            pos(t.period, &format!("timer {} period", t.name))?;
            if !self
                .zone_front_ends(t.zone)
                .any(|f| self.front_ends[f].execute_timers)
            {
                return Err(format!(
                    "timer {} runs in a zone where every front-end has Execute Timers off",
                    t.name
                ));
            }
        }
        for p in &self.processes {
            if p.zone >= self.zones.len() {
                return Err(format!("process {} refers to a missing zone", p.name));
            }
            pos(p.rate, &format!("process {} rate", p.name))?;
            if p.activities == 0 {
                return Err(format!("process {} needs at least one activity", p.name));
            }
            if !self.zone_front_ends(p.zone).any(|f| {
                self.front_ends[f].execute_processes && self.front_ends[f].process_threads > 0
            }) {
                return Err(format!(
                    "process {} runs in a zone where no front-end executes processes",
                    p.name
                ));
            }
        }
        for d in &self.development {
            if d.environment >= self.environments.len() {
                return Err("development refers to a missing environment".into());
            }
            match d.controller {
                _ if d.max_parallel_compiles == 0 => {
                    return Err(
                        "a Deployment Controller needs at least one parallel compile".into(),
                    );
                }
                Controller::Dedicated { cores: 0 } => {
                    return Err("a dedicated Deployment Controller needs at least one core".into());
                }
                Controller::CoLocated { front_end } if front_end >= self.front_ends.len() => {
                    return Err("a co-located Deployment Controller needs a front-end".into());
                }
                _ => {}
            }
        }
        let target_ok = |t: FailureTarget| match t {
            FailureTarget::FrontEnd(i) => i < self.front_ends.len(),
            FailureTarget::DatabasePrimary(i) => i < self.databases.len(),
        };
        for f in &self.failures {
            if !(target_ok(f.target) && f.at >= 0.0 && f.duration > 0.0) {
                return Err("a scheduled failure has a bad target, time or duration".into());
            }
        }
        for f in &self.random_failures {
            if !target_ok(f.target) {
                return Err("a random failure has a bad target".into());
            }
            pos(f.mtbf, "random failure mtbf")?;
            pos(f.mttr, "random failure mttr")?;
        }
        Ok(())
    }
}
