//! One replication of an OutSystems 11 installation under load.
//!
//! Why this file exists: it is the behaviour of the product — requests
//! crossing the network to their zone's load balancer, waiting for an IIS
//! worker, alternating front-end CPU bursts with database calls over a pooled
//! connection, and returning; timers and developers' publishes competing for
//! the same machines; front-ends failing and the database failing over.
//!
//! Jobs (web requests, timer runs, publishes) live in a slab reused through a
//! free list; events refer to them by (slot, generation), so an event that
//! outlives its job — a CPU completion on a front-end that has since died —
//! is recognised and dropped. Nothing allocates per event once the slab and
//! the resources' queues have grown to their working size.

use std::sync::atomic::{AtomicBool, Ordering};

use rand::RngExt;

use crate::dist::Dist;
use crate::engine::resource::{Admission, Fcfs, ProcessorSharing};
use crate::engine::{Calendar, EventId, Stream, StreamSeeds};
use crate::model::spec::*;
use crate::stats::mser::WarmupEstimate;
use crate::stats::{LatencyHistogram, Mser5, Tally};

/// Scheduler Service poll period: a due timer starts at the next poll.
const SCHEDULER_POLL: f64 = 20.0;

/// Reference to a job: slab slot plus generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct JobRef {
    slot: u32,
    generation: u32,
}

#[derive(Clone, Copy, Debug)]
enum Event {
    Arrival { class: u16 },
    ThinkDone { class: u16 },
    ReachBalancer { job: JobRef },
    CpuPsDone { fe: u16 },
    CpuFcfsDone { fe: u16, epoch: u32, job: JobRef },
    DbPsDone { db: u16 },
    DbFcfsDone { db: u16, epoch: u32, job: JobRef },
    ResponseBack { job: JobRef },
    ClientTimeout { job: JobRef },
    ConnectTimeout { job: JobRef },
    QueryTimeout { db: u16, job: JobRef },
    TimerDue { timer: u16 },
    TimerPoll { job: JobRef },
    PublishStart { dev: u16 },
    UploadDone { job: JobRef },
    CompileDone { job: JobRef },
    DeployDone { job: JobRef },
    FailureStart { index: u16, random: bool },
    FailureEnd { index: u16, random: bool },
    HealthDown { fe: u16, epoch: u32 },
    HealthUp { fe: u16, epoch: u32 },
    EndWarmup,
    End,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Web { class: u16 },
    Timer { timer: u16 },
    Publish { dev: u16 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Network,
    IisQueue,
    Cpu,
    PoolWait,
    Db,
    DbFailoverWait,
    Returning,
    TimerQueue,
    Upload,
    Compile,
    Deploy,
}

#[derive(Clone, Copy, Debug)]
struct Job {
    generation: u32,
    live: bool,
    kind: Kind,
    phase: Phase,
    fe: u32,
    fe_epoch: u32,
    start: f64,
    burst: f64,
    bursts_left: u32,
    calls_left: u32,
    holds_worker: bool,
    /// When the request got its IIS worker (for the request timeout).
    worker_since: f64,
    holds_conn: bool,
    holds_timer_slot: bool,
    conn_epoch: u32,
    client_gone: bool,
    /// Closed classes: the moment the user gives up.
    client_timeout: Option<EventId>,
    /// While waiting for a pooled connection: the connect timeout; while
    /// waiting out a failover: the query timeout.
    connect_timeout: Option<EventId>,
    deploys_left: u32,
}

impl Job {
    fn new(kind: Kind, start: f64) -> Job {
        Job {
            generation: 0,
            live: true,
            kind,
            phase: Phase::Network,
            fe: u32::MAX,
            fe_epoch: 0,
            start,
            burst: 0.0,
            bursts_left: 0,
            calls_left: 0,
            holds_worker: false,
            worker_since: 0.0,
            holds_conn: false,
            holds_timer_slot: false,
            conn_epoch: 0,
            client_gone: false,
            client_timeout: None,
            connect_timeout: None,
            deploys_left: 0,
        }
    }
}

enum Cpu {
    Ps {
        resource: ProcessorSharing<JobRef>,
        pending: Option<EventId>,
    },
    Fcfs(Fcfs<(JobRef, f64)>),
}

impl Cpu {
    fn new(discipline: CpuDiscipline, cores: f64) -> Cpu {
        match discipline {
            CpuDiscipline::ProcessorSharing => Cpu::Ps {
                resource: ProcessorSharing::new(cores),
                pending: None,
            },
            CpuDiscipline::Fcfs => Cpu::Fcfs(Fcfs::new(cores.ceil().max(1.0) as u32, None)),
        }
    }
    fn utilization(&self, now: f64) -> f64 {
        match self {
            Cpu::Ps { resource, .. } => resource.utilization(now),
            Cpu::Fcfs(r) => r.utilization(now),
        }
    }
    fn mean_queue(&self, now: f64) -> f64 {
        match self {
            Cpu::Ps { resource, .. } => resource.mean_queue(now),
            Cpu::Fcfs(r) => r.mean_queue(now),
        }
    }
    fn reset_stats(&mut self, now: f64) {
        match self {
            Cpu::Ps { resource, .. } => resource.reset_stats(now),
            Cpu::Fcfs(r) => r.reset_stats(now),
        }
    }
}

struct FrontEndState {
    up: bool,
    /// What the load balancer believes.
    balancer_up: bool,
    epoch: u32,
    active: u32,
    cpu: Cpu,
    workers: Fcfs<JobRef>,
    pool: Fcfs<JobRef>,
    timer_slots_free: u32,
}

struct DatabaseState {
    up: bool,
    epoch: u32,
    cpu: Cpu,
    waiting: Vec<JobRef>,
}

struct ClassState {
    arrival_rng: Stream,
    work_rng: Stream,
    db_rng: Stream,
    profile_max: f64,
}

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

/// What one traffic class (or the timers, or the publishes) measured.
#[derive(Clone, Debug)]
pub struct ClassResult {
    pub name: String,
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
    pub in_flight_at_end: u64,
    pub warmup_estimate: Option<WarmupEstimate>,
    mser: Mser5,
}

impl ClassResult {
    fn new(name: String) -> Self {
        ClassResult {
            name,
            arrivals: 0,
            outcomes: Outcomes::default(),
            response: Tally::new(),
            hist: LatencyHistogram::new(),
            total_arrivals: 0,
            total_outcomes: Outcomes::default(),
            in_flight_at_end: 0,
            warmup_estimate: None,
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
}

/// What one resource measured after the warm-up.
#[derive(Clone, Debug)]
pub struct ResourceResult {
    pub name: String,
    pub kind: ResourceKind,
    pub utilization: f64,
    pub mean_queue: f64,
}

/// Everything one replication measured.
#[derive(Clone, Debug)]
pub struct RunResult {
    /// Traffic classes in model order, then one row per timer
    /// (`timer.NAME`), then one per development section (`publish`).
    pub classes: Vec<ClassResult>,
    pub resources: Vec<ResourceResult>,
    pub measured_time: f64,
    pub events: u64,
    /// Requests (all kinds) alive at the end: bounded work in flight.
    pub peak_jobs: usize,
}

/// Index of the first timer row and of the first publish row in `classes`.
pub fn row_offsets(model: &Model) -> (usize, usize) {
    (
        model.classes.len(),
        model.classes.len() + model.timers.len(),
    )
}

struct Sim<'m> {
    m: &'m Model,
    cal: Calendar<Event>,
    jobs: Vec<Job>,
    free: Vec<u32>,
    live_jobs: usize,
    peak_jobs: usize,
    fes: Vec<FrontEndState>,
    dbs: Vec<DatabaseState>,
    /// Database index used by each front-end (through its environment).
    fe_db: Vec<u16>,
    classes: Vec<ClassState>,
    rows: Vec<ClassResult>,
    zone_rr: Vec<usize>,
    /// Where each zone's Scheduler Service looks first for a free slot.
    zone_timer_rr: Vec<usize>,
    zone_rng: Vec<Stream>,
    zone_fes: Vec<std::ops::Range<usize>>,
    zone_network: Vec<Option<Dist>>,
    zone_timer_queue: Vec<std::collections::VecDeque<JobRef>>,
    env_fes: Vec<Vec<usize>>,
    timer_rng: Stream,
    /// A timer runs as a single instance: a run that comes due while the
    /// previous one is still queued or running is skipped.
    timer_running: Vec<bool>,
    dev_rng: Vec<Stream>,
    dcs: Vec<Option<Fcfs<JobRef>>>,
    failure_rng: Stream,
    measuring: bool,
    timer_row: usize,
    publish_row: usize,
    events: u64,
}

/// Simulates one replication of `model` with the streams of `seeds`.
pub fn simulate(model: &Model, seeds: StreamSeeds) -> RunResult {
    let never = AtomicBool::new(false);
    Sim::new(model, seeds)
        .run(&never)
        .expect("a run that is never stopped completes")
}

/// As [`simulate`], but gives up (returning `None`) soon after `stop` is set:
/// the flag is looked at every few thousand events, so a stop request takes
/// effect within milliseconds.
pub fn simulate_until(model: &Model, seeds: StreamSeeds, stop: &AtomicBool) -> Option<RunResult> {
    Sim::new(model, seeds).run(stop)
}

/// Events between two looks at the stop flag.
const STOP_CHECK_EVERY: u64 = 1 << 14;

impl<'m> Sim<'m> {
    fn new(m: &'m Model, seeds: StreamSeeds) -> Self {
        let fes: Vec<FrontEndState> = m
            .front_ends
            .iter()
            .map(|f| FrontEndState {
                up: true,
                balancer_up: true,
                epoch: 0,
                active: 0,
                cpu: Cpu::new(f.cpu, f.cores),
                workers: Fcfs::new(f.iis_workers, Some(f.iis_queue as usize)),
                pool: Fcfs::new(f.db_pool, None),
                timer_slots_free: f.timer_slots,
            })
            .collect();
        let dbs = m
            .databases
            .iter()
            .map(|d| DatabaseState {
                up: true,
                epoch: 0,
                cpu: Cpu::new(d.cpu, d.cores),
                waiting: Vec::new(),
            })
            .collect();
        let fe_db = m
            .front_ends
            .iter()
            .map(|f| m.environments[m.zones[f.zone].environment].database as u16)
            .collect();
        let classes = m
            .classes
            .iter()
            .enumerate()
            .map(|(i, c)| ClassState {
                arrival_rng: seeds.indexed("arrivals", i as u64),
                work_rng: seeds.indexed("work", i as u64),
                db_rng: seeds.indexed("db", i as u64),
                profile_max: match &c.arrivals {
                    Arrivals::Open {
                        profile: Some(p), ..
                    } => p.iter().cloned().fold(0.0, f64::max),
                    _ => 1.0,
                },
            })
            .collect();
        let (timer_row, publish_row) = row_offsets(m);
        let mut rows: Vec<ClassResult> = m
            .classes
            .iter()
            .map(|c| ClassResult::new(c.name.clone()))
            .collect();
        rows.extend(
            m.timers
                .iter()
                .map(|t| ClassResult::new(format!("timer.{}", t.name))),
        );
        rows.extend(m.development.iter().map(|d| {
            let env = &m.environments[d.environment].name;
            if m.development.len() == 1 {
                ClassResult::new("publish".into())
            } else {
                ClassResult::new(format!("publish.{env}"))
            }
        }));
        let zone_fes: Vec<_> = (0..m.zones.len()).map(|z| m.zone_front_ends(z)).collect();
        let env_fes = (0..m.environments.len())
            .map(|e| {
                (0..m.front_ends.len())
                    .filter(|&f| m.zones[m.front_ends[f].zone].environment == e)
                    .collect()
            })
            .collect();
        Sim {
            m,
            cal: Calendar::with_capacity(4096),
            jobs: Vec::with_capacity(4096),
            free: Vec::with_capacity(4096),
            live_jobs: 0,
            peak_jobs: 0,
            fes,
            dbs,
            fe_db,
            classes,
            rows,
            zone_rr: vec![0; m.zones.len()],
            zone_timer_rr: vec![0; m.zones.len()],
            zone_rng: (0..m.zones.len())
                .map(|z| seeds.indexed("routing", z as u64))
                .collect(),
            zone_fes,
            zone_network: m.zones.iter().map(|z| z.extra_network.clone()).collect(),
            zone_timer_queue: vec![Default::default(); m.zones.len()],
            env_fes,
            timer_rng: seeds.stream("timers"),
            timer_running: vec![false; m.timers.len()],
            dev_rng: (0..m.development.len())
                .map(|d| seeds.indexed("developers", d as u64))
                .collect(),
            dcs: m
                .development
                .iter()
                .map(|d| match d.controller {
                    Controller::Dedicated { cores } => Some(Fcfs::new(cores, None)),
                    Controller::CoLocated { .. } => None,
                })
                .collect(),
            failure_rng: seeds.stream("failures"),
            measuring: m.warmup <= 0.0,
            timer_row,
            publish_row,
            events: 0,
        }
    }

    // ---- job slab -------------------------------------------------------

    fn new_job(&mut self, kind: Kind, now: f64) -> JobRef {
        self.live_jobs += 1;
        self.peak_jobs = self.peak_jobs.max(self.live_jobs);
        match self.free.pop() {
            Some(slot) => {
                let generation = self.jobs[slot as usize].generation;
                let mut j = Job::new(kind, now);
                j.generation = generation;
                self.jobs[slot as usize] = j;
                JobRef { slot, generation }
            }
            None => {
                self.jobs.push(Job::new(kind, now));
                JobRef {
                    slot: (self.jobs.len() - 1) as u32,
                    generation: 0,
                }
            }
        }
    }

    #[inline]
    fn job(&self, r: JobRef) -> Option<&Job> {
        let j = &self.jobs[r.slot as usize];
        (j.live && j.generation == r.generation).then_some(j)
    }

    #[inline]
    fn job_mut(&mut self, r: JobRef) -> Option<&mut Job> {
        let j = &mut self.jobs[r.slot as usize];
        (j.live && j.generation == r.generation).then_some(j)
    }

    fn free_job(&mut self, r: JobRef) {
        let j = &mut self.jobs[r.slot as usize];
        debug_assert!(j.live && j.generation == r.generation);
        j.live = false;
        j.generation = j.generation.wrapping_add(1);
        let kind = j.kind;
        self.free.push(r.slot);
        self.live_jobs -= 1;
        match kind {
            Kind::Web { .. } => {}
            Kind::Timer { timer } => self.timer_running[timer as usize] = false,
            // The developer goes back to work, then publishes again.
            Kind::Publish { dev } => self.schedule_next_publish(dev as usize, self.cal.now()),
        }
    }

    // ---- outcomes -------------------------------------------------------

    fn row_of(&self, kind: Kind) -> usize {
        match kind {
            Kind::Web { class } => class as usize,
            Kind::Timer { timer } => self.timer_row + timer as usize,
            Kind::Publish { dev } => self.publish_row + dev as usize,
        }
    }

    fn record(&mut self, now: f64, kind: Kind, outcome: fn(&mut Outcomes), latency: Option<f64>) {
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
        }
    }

    fn count_arrival(&mut self, kind: Kind) {
        let row = self.row_of(kind);
        self.rows[row].total_arrivals += 1;
        if self.measuring {
            self.rows[row].arrivals += 1;
        }
    }

    // ---- main loop --------------------------------------------------------

    fn run(mut self, stop: &AtomicBool) -> Option<RunResult> {
        let m = self.m;
        let end = m.warmup + m.duration;
        for (i, c) in m.classes.iter().enumerate() {
            match &c.arrivals {
                Arrivals::Open { .. } => self.schedule_next_arrival(i, 0.0),
                Arrivals::Closed { users, think } => {
                    for _ in 0..*users {
                        let t = think.sample(&mut self.classes[i].arrival_rng);
                        self.cal
                            .schedule_at(t, Event::ThinkDone { class: i as u16 });
                    }
                }
            }
        }
        for (i, t) in m.timers.iter().enumerate() {
            let first = self.timer_rng.random::<f64>() * t.period;
            self.cal
                .schedule_at(first, Event::TimerDue { timer: i as u16 });
        }
        for (d, dev) in m.development.iter().enumerate() {
            for _ in 0..dev.developers {
                self.schedule_next_publish(d, 0.0);
            }
        }
        for (i, f) in m.failures.iter().enumerate() {
            self.cal.schedule_at(
                f.at,
                Event::FailureStart {
                    index: i as u16,
                    random: false,
                },
            );
        }
        for (i, f) in m.random_failures.iter().enumerate() {
            let t = -f.mtbf * (1.0 - self.failure_rng.random::<f64>()).ln();
            self.cal.schedule_at(
                t,
                Event::FailureStart {
                    index: i as u16,
                    random: true,
                },
            );
        }
        if m.warmup > 0.0 {
            self.cal.schedule_at(m.warmup, Event::EndWarmup);
        }
        self.cal.schedule_at(end, Event::End);

        while let Some((now, ev)) = self.cal.pop() {
            self.events += 1;
            if self.events.is_multiple_of(STOP_CHECK_EVERY) && stop.load(Ordering::Relaxed) {
                return None;
            }
            match ev {
                Event::Arrival { class } => {
                    self.schedule_next_arrival(class as usize, now);
                    self.start_request(now, class);
                }
                Event::ThinkDone { class } => self.start_request(now, class),
                Event::ReachBalancer { job } => self.reach_balancer(now, job),
                Event::CpuPsDone { fe } => self.cpu_ps_done(now, fe as usize),
                Event::CpuFcfsDone { fe, epoch, job } => {
                    self.cpu_fcfs_done(now, fe as usize, epoch, job)
                }
                Event::DbPsDone { db } => self.db_ps_done(now, db as usize),
                Event::DbFcfsDone { db, epoch, job } => {
                    self.db_fcfs_done(now, db as usize, epoch, job)
                }
                Event::ResponseBack { job } => self.response_back(now, job),
                Event::ClientTimeout { job } => self.client_timeout(now, job),
                Event::ConnectTimeout { job } => self.connect_timeout(now, job),
                Event::QueryTimeout { db, job } => self.query_timeout(now, db as usize, job),
                Event::TimerDue { timer } => self.timer_due(now, timer),
                Event::TimerPoll { job } => self.timer_poll(now, job),
                Event::PublishStart { dev } => self.publish_start(now, dev),
                Event::UploadDone { job } => self.upload_done(now, job),
                Event::CompileDone { job } => self.compile_done(now, job),
                Event::DeployDone { job } => self.deploy_done(now, job),
                Event::FailureStart { index, random } => {
                    self.failure_start(now, index as usize, random)
                }
                Event::FailureEnd { index, random } => {
                    self.failure_end(now, index as usize, random)
                }
                Event::HealthDown { fe, epoch } => {
                    let f = &mut self.fes[fe as usize];
                    if f.epoch == epoch && !f.up {
                        f.balancer_up = false;
                    }
                }
                Event::HealthUp { fe, epoch } => {
                    let f = &mut self.fes[fe as usize];
                    if f.epoch == epoch && f.up {
                        f.balancer_up = true;
                    }
                }
                Event::EndWarmup => self.start_measuring(now),
                Event::End => break,
            }
        }
        Some(self.finish(end))
    }

    fn schedule_next_arrival(&mut self, class: usize, now: f64) {
        let Arrivals::Open { rate, profile } = &self.m.classes[class].arrivals else {
            return;
        };
        let cs = &mut self.classes[class];
        match profile {
            None => {
                let u: f64 = cs.arrival_rng.random();
                let t = now - (1.0 - u).ln() / rate;
                self.cal.schedule_at(
                    t,
                    Event::Arrival {
                        class: class as u16,
                    },
                );
            }
            Some(p) => {
                // Thinning (Lewis & Shedler) against the profile's peak.
                let peak = rate * cs.profile_max;
                if peak <= 0.0 {
                    return;
                }
                let mut t = now;
                loop {
                    let u: f64 = cs.arrival_rng.random();
                    t -= (1.0 - u).ln() / peak;
                    let hour = ((t / 3600.0) as usize) % 24;
                    let accept: f64 = cs.arrival_rng.random();
                    if accept * cs.profile_max < p[hour] {
                        break;
                    }
                    if t > self.m.warmup + self.m.duration {
                        return;
                    }
                }
                self.cal.schedule_at(
                    t,
                    Event::Arrival {
                        class: class as u16,
                    },
                );
            }
        }
    }

    // ---- web requests ---------------------------------------------------

    fn start_request(&mut self, now: f64, class: u16) {
        let c = &self.m.classes[class as usize];
        let kind = Kind::Web { class };
        self.count_arrival(kind);
        let job = self.new_job(kind, now);
        let cs = &mut self.classes[class as usize];
        let mut delay = c.network.sample(&mut cs.work_rng);
        if let Some(extra) = &self.zone_network[c.zone] {
            delay += extra.sample(&mut cs.work_rng);
        }
        let cpu = c.cpu.sample(&mut cs.work_rng);
        let calls = c.db_calls.sample(&mut cs.work_rng).round().max(0.0) as u32;
        let j = self.job_mut(job).expect("new job is live");
        j.calls_left = calls;
        j.bursts_left = calls + 1;
        j.burst = cpu / (calls + 1) as f64;
        if matches!(c.arrivals, Arrivals::Closed { .. }) {
            let id = self
                .cal
                .schedule_at(now + c.timeout, Event::ClientTimeout { job });
            self.jobs[job.slot as usize].client_timeout = Some(id);
        }
        self.cal
            .schedule_at(now + delay, Event::ReachBalancer { job });
    }

    fn pick_front_end(&mut self, zone: usize) -> Option<usize> {
        let range = self.zone_fes[zone].clone();
        let n = range.len();
        let up = |s: &Self, f: usize| s.fes[f].balancer_up;
        match self.m.zones[zone].balancer {
            Balancer::RoundRobin => {
                for _ in 0..n {
                    let k = self.zone_rr[zone] % n;
                    self.zone_rr[zone] = (k + 1) % n;
                    if up(self, range.start + k) {
                        return Some(range.start + k);
                    }
                }
                None
            }
            Balancer::LeastConnections => range
                .filter(|&f| up(self, f))
                .min_by_key(|&f| self.fes[f].active),
            Balancer::Random | Balancer::PowerOfTwoChoices => {
                let count = range.clone().filter(|&f| up(self, f)).count();
                if count == 0 {
                    return None;
                }
                let nth = |s: &Self, k: usize| range.clone().filter(|&f| up(s, f)).nth(k);
                let a = self.zone_rng[zone].random_range(0..count);
                let first = nth(self, a)?;
                if self.m.zones[zone].balancer == Balancer::Random || count == 1 {
                    return Some(first);
                }
                let b = self.zone_rng[zone].random_range(0..count);
                let second = nth(self, b)?;
                Some(if self.fes[second].active < self.fes[first].active {
                    second
                } else {
                    first
                })
            }
        }
    }

    fn reach_balancer(&mut self, now: f64, job: JobRef) {
        let Some(j) = self.job(job) else { return };
        let Kind::Web { class } = j.kind else { return };
        if j.client_gone {
            self.free_job(job);
            return;
        }
        let zone = self.m.classes[class as usize].zone;
        let Some(fe) = self.pick_front_end(zone) else {
            // No front-end in service: the balancer answers 503.
            self.finish_web(now, job, Outcome::Rejected);
            return;
        };
        if !self.fes[fe].up {
            // Sent to a dead front-end the health checks have not caught yet.
            self.finish_web(now, job, Outcome::Failed);
            return;
        }
        let epoch = self.fes[fe].epoch;
        let f = &mut self.fes[fe];
        f.active += 1;
        {
            let j = self.job_mut(job).expect("checked live");
            j.fe = fe as u32;
            j.fe_epoch = epoch;
            j.phase = Phase::IisQueue;
        }
        match self.fes[fe].workers.arrive(now, job) {
            Admission::Started => {
                let j = &mut self.jobs[job.slot as usize];
                j.holds_worker = true;
                j.worker_since = now;
                self.next_step(now, job);
            }
            Admission::Queued => {}
            Admission::Rejected => {
                self.fes[fe].active -= 1;
                self.jobs[job.slot as usize].fe = u32::MAX;
                self.finish_web(now, job, Outcome::Rejected);
            }
        }
    }

    /// Moves a job holding its worker (or timer slot) to its next step: a
    /// CPU burst, a database call, or done.
    fn next_step(&mut self, now: f64, job: JobRef) {
        let j = self.jobs[job.slot as usize];
        if j.holds_worker && now - j.worker_since > self.m.front_ends[j.fe as usize].request_timeout
        {
            // IIS gives up on the request (executionTimeout).
            self.release_front_end(now, job);
            self.finish_web(now, job, Outcome::ServerTimeout);
            return;
        }
        if j.bursts_left > j.calls_left {
            self.submit_cpu(now, job, j.fe as usize, j.burst);
        } else if j.calls_left > 0 {
            self.db_call(now, job);
        } else {
            self.done_at_front_end(now, job);
        }
    }

    fn submit_cpu(&mut self, now: f64, job: JobRef, fe: usize, work: f64) {
        self.jobs[job.slot as usize].phase = match self.jobs[job.slot as usize].kind {
            Kind::Publish { .. } => Phase::Compile,
            _ => Phase::Cpu,
        };
        match &mut self.fes[fe].cpu {
            Cpu::Ps { resource, .. } => {
                resource.arrive(now, job, work);
                self.resync_fe_cpu(fe);
            }
            Cpu::Fcfs(r) => {
                if r.arrive(now, (job, work)) == Admission::Started {
                    let epoch = self.fes[fe].epoch;
                    self.cal.schedule_at(
                        now + work,
                        Event::CpuFcfsDone {
                            fe: fe as u16,
                            epoch,
                            job,
                        },
                    );
                }
            }
        }
    }

    fn resync_fe_cpu(&mut self, fe: usize) {
        if let Cpu::Ps { resource, pending } = &mut self.fes[fe].cpu {
            if let Some(id) = pending.take() {
                self.cal.cancel(id);
            }
            if let Some(t) = resource.next_completion() {
                *pending = Some(self.cal.schedule_at(t, Event::CpuPsDone { fe: fe as u16 }));
            }
        }
    }

    fn cpu_ps_done(&mut self, now: f64, fe: usize) {
        let Cpu::Ps { resource, pending } = &mut self.fes[fe].cpu else {
            return;
        };
        *pending = None;
        let done = resource.complete(now);
        self.resync_fe_cpu(fe);
        if let Some(job) = done {
            self.burst_done(now, job);
        }
    }

    fn cpu_fcfs_done(&mut self, now: f64, fe: usize, epoch: u32, job: JobRef) {
        // A completion from before a failure of this front-end is stale:
        // the failure emptied the resource and failed the job.
        if epoch != self.fes[fe].epoch {
            return;
        }
        if let Cpu::Fcfs(r) = &mut self.fes[fe].cpu
            && let Some(((next, work), _)) = r.release(now)
        {
            self.cal.schedule_at(
                now + work,
                Event::CpuFcfsDone {
                    fe: fe as u16,
                    epoch,
                    job: next,
                },
            );
        }
        self.burst_done(now, job);
    }

    fn burst_done(&mut self, now: f64, job: JobRef) {
        let Some(j) = self.job_mut(job) else { return };
        if let Kind::Publish { .. } = j.kind {
            self.compile_done(now, job);
            return;
        }
        j.bursts_left -= 1;
        self.next_step(now, job);
    }

    fn db_call(&mut self, now: f64, job: JobRef) {
        let j = self.jobs[job.slot as usize];
        let fe = j.fe as usize;
        let db = self.fe_db[fe] as usize;
        if j.holds_conn {
            if j.conn_epoch != self.dbs[db].epoch {
                // The connection broke in a failover since the last call.
                self.abort(now, job);
                return;
            }
            self.submit_db(now, job, db);
            return;
        }
        self.jobs[job.slot as usize].phase = Phase::PoolWait;
        match self.fes[fe].pool.arrive(now, job) {
            Admission::Started => self.got_connection(now, job),
            _ => {
                let timeout = self.m.front_ends[fe].connect_timeout;
                let id = self
                    .cal
                    .schedule_at(now + timeout, Event::ConnectTimeout { job });
                self.jobs[job.slot as usize].connect_timeout = Some(id);
            }
        }
    }

    fn got_connection(&mut self, now: f64, job: JobRef) {
        let fe = self.jobs[job.slot as usize].fe as usize;
        let db = self.fe_db[fe] as usize;
        let epoch = self.dbs[db].epoch;
        let j = &mut self.jobs[job.slot as usize];
        j.holds_conn = true;
        j.conn_epoch = epoch;
        if let Some(id) = j.connect_timeout.take() {
            self.cal.cancel(id);
        }
        self.submit_db(now, job, db);
    }

    fn submit_db(&mut self, now: f64, job: JobRef, db: usize) {
        if !self.dbs[db].up {
            match self.m.databases[db].on_failover {
                FailoverPolicy::Fail => {
                    self.abort(now, job);
                }
                FailoverPolicy::Wait => {
                    let timeout = self.m.databases[db].query_timeout;
                    let id = self
                        .cal
                        .schedule_at(now + timeout, Event::QueryTimeout { db: db as u16, job });
                    let j = &mut self.jobs[job.slot as usize];
                    j.phase = Phase::DbFailoverWait;
                    j.connect_timeout = Some(id);
                    self.dbs[db].waiting.push(job);
                }
            }
            return;
        }
        let work = self.db_work(job);
        self.jobs[job.slot as usize].phase = Phase::Db;
        match &mut self.dbs[db].cpu {
            Cpu::Ps { resource, .. } => {
                resource.arrive(now, job, work);
                self.resync_db_cpu(db);
            }
            Cpu::Fcfs(r) => {
                if r.arrive(now, (job, work)) == Admission::Started {
                    let epoch = self.dbs[db].epoch;
                    self.cal.schedule_at(
                        now + work,
                        Event::DbFcfsDone {
                            db: db as u16,
                            epoch,
                            job,
                        },
                    );
                }
            }
        }
    }

    fn db_work(&mut self, job: JobRef) -> f64 {
        match self.jobs[job.slot as usize].kind {
            Kind::Web { class } => {
                let c = &self.m.classes[class as usize];
                c.db_time.sample(&mut self.classes[class as usize].db_rng)
            }
            Kind::Timer { timer } => self.m.timers[timer as usize]
                .db_time
                .sample(&mut self.timer_rng),
            Kind::Publish { .. } => 0.0,
        }
    }

    fn resync_db_cpu(&mut self, db: usize) {
        if let Cpu::Ps { resource, pending } = &mut self.dbs[db].cpu {
            if let Some(id) = pending.take() {
                self.cal.cancel(id);
            }
            if let Some(t) = resource.next_completion() {
                *pending = Some(self.cal.schedule_at(t, Event::DbPsDone { db: db as u16 }));
            }
        }
    }

    fn db_ps_done(&mut self, now: f64, db: usize) {
        let Cpu::Ps { resource, pending } = &mut self.dbs[db].cpu else {
            return;
        };
        *pending = None;
        let done = resource.complete(now);
        self.resync_db_cpu(db);
        if let Some(job) = done {
            self.db_call_done(now, job);
        }
    }

    fn db_fcfs_done(&mut self, now: f64, db: usize, epoch: u32, job: JobRef) {
        // A completion from before a failover is stale: the failover
        // emptied the resource and failed the job.
        if epoch != self.dbs[db].epoch {
            return;
        }
        let Cpu::Fcfs(r) = &mut self.dbs[db].cpu else {
            return;
        };
        if let Some(((next, work), _)) = r.release(now) {
            self.cal.schedule_at(
                now + work,
                Event::DbFcfsDone {
                    db: db as u16,
                    epoch,
                    job: next,
                },
            );
        }
        self.db_call_done(now, job);
    }

    fn db_call_done(&mut self, now: f64, job: JobRef) {
        let Some(j) = self.job(job) else { return };
        if j.phase != Phase::Db {
            return;
        }
        let fe = j.fe as usize;
        if j.fe_epoch != self.fes[fe].epoch {
            // Its front-end died meanwhile; the job was already failed.
            return;
        }
        let j = self.job_mut(job).expect("checked live");
        j.calls_left -= 1;
        j.phase = Phase::Cpu;
        self.next_step(now, job);
    }

    fn connect_timeout(&mut self, now: f64, job: JobRef) {
        let Some(j) = self.job(job) else { return };
        if j.phase != Phase::PoolWait {
            return;
        }
        let fe = j.fe as usize;
        self.jobs[job.slot as usize].connect_timeout = None;
        if self.fes[fe].pool.withdraw(now, |&w| w == job) {
            self.abort(now, job);
        }
    }

    /// A call waiting out a failover reached the query timeout: it fails.
    fn query_timeout(&mut self, now: f64, db: usize, job: JobRef) {
        let Some(j) = self.job(job) else { return };
        if j.phase != Phase::DbFailoverWait {
            return;
        }
        self.jobs[job.slot as usize].connect_timeout = None;
        self.dbs[db].waiting.retain(|&w| w != job);
        self.abort(now, job);
    }

    /// The job's work at its front-end is over: give back connection and
    /// worker (or timer slot) and send the answer.
    fn done_at_front_end(&mut self, now: f64, job: JobRef) {
        self.release_front_end(now, job);
        let j = self.jobs[job.slot as usize];
        match j.kind {
            Kind::Web { class } => {
                let c = &self.m.classes[class as usize];
                let cs = &mut self.classes[class as usize];
                let mut delay = c.network.sample(&mut cs.work_rng);
                if let Some(extra) = &self.zone_network[c.zone] {
                    delay += extra.sample(&mut cs.work_rng);
                }
                self.jobs[job.slot as usize].phase = Phase::Returning;
                self.cal
                    .schedule_at(now + delay, Event::ResponseBack { job });
            }
            Kind::Timer { .. } => {
                let latency = now - j.start;
                self.record(now, j.kind, |o| o.ok += 1, Some(latency));
                self.free_job(job);
            }
            Kind::Publish { .. } => unreachable!("publishes do not hold front-end resources"),
        }
    }

    /// Gives back every front-end resource the job holds.
    fn release_front_end(&mut self, now: f64, job: JobRef) {
        let j = self.jobs[job.slot as usize];
        if j.fe == u32::MAX {
            return;
        }
        let fe = j.fe as usize;
        if j.fe_epoch != self.fes[fe].epoch {
            return;
        }
        {
            let jm = &mut self.jobs[job.slot as usize];
            jm.holds_conn = false;
            jm.holds_worker = false;
            jm.holds_timer_slot = false;
        }
        if j.holds_conn
            && let Some((next, _)) = self.fes[fe].pool.release(now)
        {
            self.got_connection(now, next);
        }
        if j.holds_worker {
            self.fes[fe].active -= 1;
            if let Some((next, _)) = self.fes[fe].workers.release(now)
                && self.job(next).is_some()
            {
                let j = &mut self.jobs[next.slot as usize];
                j.holds_worker = true;
                j.worker_since = now;
                self.next_step(now, next);
            }
        }
        if j.holds_timer_slot {
            self.fes[fe].timer_slots_free += 1;
            let zone = self.m.front_ends[fe].zone;
            self.start_queued_timers(now, zone);
        }
    }

    /// The job fails where it stands (broken connection, connect timeout,
    /// failover): give back what it holds and count it.
    fn abort(&mut self, now: f64, job: JobRef) {
        self.release_front_end(now, job);
        let j = self.jobs[job.slot as usize];
        match j.kind {
            Kind::Web { .. } => self.finish_web(now, job, Outcome::Failed),
            _ => {
                self.record(now, j.kind, |o| o.failed += 1, None);
                self.free_job(job);
            }
        }
    }

    fn response_back(&mut self, now: f64, job: JobRef) {
        let Some(j) = self.job(job) else { return };
        if j.client_gone {
            self.free_job(job);
            return;
        }
        self.finish_web(now, job, Outcome::Answered);
    }

    fn client_timeout(&mut self, now: f64, job: JobRef) {
        let Some(j) = self.job_mut(job) else { return };
        if j.client_gone {
            return;
        }
        j.client_gone = true;
        j.client_timeout = None;
        let kind = j.kind;
        let start = j.start;
        let Kind::Web { class } = kind else { return };
        self.record(now, kind, |o| o.timed_out += 1, Some(now - start));
        self.user_thinks(now, class);
        // The server keeps working; the job is freed when its answer comes
        // back (or when it fails).
    }

    fn user_thinks(&mut self, now: f64, class: u16) {
        if let Arrivals::Closed { think, .. } = &self.m.classes[class as usize].arrivals {
            let t = think.sample(&mut self.classes[class as usize].arrival_rng);
            self.cal.schedule_at(now + t, Event::ThinkDone { class });
        }
    }

    fn finish_web(&mut self, now: f64, job: JobRef, outcome: Outcome) {
        let j = self.jobs[job.slot as usize];
        let Kind::Web { class } = j.kind else { return };
        if j.client_gone {
            // Already counted as timed out when the client gave up.
            self.free_job(job);
            return;
        }
        if let Some(id) = j.client_timeout {
            self.cal.cancel(id);
        }
        if let Some(id) = j.connect_timeout {
            self.cal.cancel(id);
        }
        let timeout = self.m.classes[class as usize].timeout;
        let elapsed = now - j.start;
        match outcome {
            Outcome::Answered if elapsed <= timeout => {
                self.record(now, j.kind, |o| o.ok += 1, Some(elapsed))
            }
            Outcome::Answered => self.record(now, j.kind, |o| o.timed_out += 1, Some(timeout)),
            Outcome::Rejected => self.record(now, j.kind, |o| o.rejected += 1, None),
            Outcome::ServerTimeout => self.record(now, j.kind, |o| o.timed_out += 1, None),
            Outcome::Failed => self.record(now, j.kind, |o| o.failed += 1, None),
        }
        self.user_thinks(now, class);
        self.free_job(job);
    }

    // ---- timers -----------------------------------------------------------

    fn timer_due(&mut self, now: f64, timer: u16) {
        let t = &self.m.timers[timer as usize];
        self.cal
            .schedule_at(now + t.period, Event::TimerDue { timer });
        if self.timer_running[timer as usize] {
            return;
        }
        self.timer_running[timer as usize] = true;
        let kind = Kind::Timer { timer };
        self.count_arrival(kind);
        let job = self.new_job(kind, now);
        let cpu = t.cpu.sample(&mut self.timer_rng);
        let calls = t.db_calls.sample(&mut self.timer_rng).round().max(0.0) as u32;
        let j = &mut self.jobs[job.slot as usize];
        j.calls_left = calls;
        j.bursts_left = calls + 1;
        j.burst = cpu / (calls + 1) as f64;
        j.phase = Phase::TimerQueue;
        // The Scheduler Service picks it up at its next poll.
        let poll = (now / SCHEDULER_POLL).floor() * SCHEDULER_POLL + SCHEDULER_POLL;
        self.cal.schedule_at(poll, Event::TimerPoll { job });
    }

    fn timer_poll(&mut self, now: f64, job: JobRef) {
        let Some(j) = self.job(job) else { return };
        let Kind::Timer { timer } = j.kind else {
            return;
        };
        let zone = self.m.timers[timer as usize].zone;
        self.zone_timer_queue[zone].push_back(job);
        self.start_queued_timers(now, zone);
    }

    fn start_queued_timers(&mut self, now: f64, zone: usize) {
        while let Some(&job) = self.zone_timer_queue[zone].front() {
            if self.job(job).is_none() {
                self.zone_timer_queue[zone].pop_front();
                continue;
            }
            // Timers spread over the zone's front-ends: the first one up
            // with a free slot, starting after the last one used.
            let range = self.zone_fes[zone].clone();
            let n = range.len();
            let mut chosen = None;
            for k in 0..n {
                let f = range.start + (self.zone_timer_rr[zone] + k) % n;
                if self.fes[f].up && self.fes[f].timer_slots_free > 0 {
                    chosen = Some(f);
                    self.zone_timer_rr[zone] = (f - range.start + 1) % n;
                    break;
                }
            }
            let Some(fe) = chosen else { return };
            self.zone_timer_queue[zone].pop_front();
            self.fes[fe].timer_slots_free -= 1;
            let epoch = self.fes[fe].epoch;
            let j = &mut self.jobs[job.slot as usize];
            j.fe = fe as u32;
            j.fe_epoch = epoch;
            j.holds_timer_slot = true;
            self.next_step(now, job);
        }
    }

    // ---- development --------------------------------------------------------

    /// One developer's next publish: developers are a closed population,
    /// each publishing an exponential time (mean 1 / `publishes_per_hour`)
    /// after their previous publish finished, so publishes in flight never
    /// exceed the team size.
    fn schedule_next_publish(&mut self, dev: usize, now: f64) {
        let rate = self.m.development[dev].publishes_per_hour / 3600.0;
        if rate <= 0.0 {
            return;
        }
        let u: f64 = self.dev_rng[dev].random();
        let t = now - (1.0 - u).ln() / rate;
        self.cal
            .schedule_at(t, Event::PublishStart { dev: dev as u16 });
    }

    fn publish_start(&mut self, now: f64, dev: u16) {
        let kind = Kind::Publish { dev };
        self.count_arrival(kind);
        let job = self.new_job(kind, now);
        self.jobs[job.slot as usize].phase = Phase::Upload;
        let t = self.m.development[dev as usize]
            .upload
            .sample(&mut self.dev_rng[dev as usize]);
        self.cal.schedule_at(now + t, Event::UploadDone { job });
    }

    fn upload_done(&mut self, now: f64, job: JobRef) {
        let Some(&j) = self.job(job) else { return };
        let Kind::Publish { dev } = j.kind else {
            return;
        };
        let d = &self.m.development[dev as usize];
        let work = d.compile.sample(&mut self.dev_rng[dev as usize]);
        self.jobs[job.slot as usize].phase = Phase::Compile;
        match d.controller {
            Controller::Dedicated { .. } => {
                let dc = self.dcs[dev as usize]
                    .as_mut()
                    .expect("dedicated controller has a resource");
                self.jobs[job.slot as usize].burst = work;
                if dc.arrive(now, job) == Admission::Started {
                    self.cal.schedule_at(now + work, Event::CompileDone { job });
                }
            }
            Controller::CoLocated { front_end } => {
                if !self.fes[front_end].up {
                    self.record(now, j.kind, |o| o.failed += 1, None);
                    self.free_job(job);
                    return;
                }
                let epoch = self.fes[front_end].epoch;
                let jm = &mut self.jobs[job.slot as usize];
                jm.fe = front_end as u32;
                jm.fe_epoch = epoch;
                self.submit_cpu(now, job, front_end, work);
            }
        }
    }

    fn compile_done(&mut self, now: f64, job: JobRef) {
        let Some(j) = self.job(job) else { return };
        let Kind::Publish { dev } = j.kind else {
            return;
        };
        if j.phase != Phase::Compile {
            return;
        }
        if let Some(dc) = self.dcs[dev as usize].as_mut()
            && let Some((next, _)) = dc.release(now)
        {
            let work = self.jobs[next.slot as usize].burst;
            self.cal
                .schedule_at(now + work, Event::CompileDone { job: next });
        }
        // Deploy to every front-end of the environment, in parallel.
        let env = self.m.development[dev as usize].environment;
        let targets = self.env_fes[env].len();
        let jm = &mut self.jobs[job.slot as usize];
        jm.phase = Phase::Deploy;
        jm.fe = u32::MAX;
        jm.deploys_left = targets as u32;
        for _ in 0..targets {
            let t = self.m.development[dev as usize]
                .deploy_per_front_end
                .sample(&mut self.dev_rng[dev as usize]);
            self.cal.schedule_at(now + t, Event::DeployDone { job });
        }
    }

    fn deploy_done(&mut self, now: f64, job: JobRef) {
        let Some(j) = self.job_mut(job) else { return };
        j.deploys_left -= 1;
        if j.deploys_left == 0 {
            let (kind, start) = (j.kind, j.start);
            self.record(now, kind, |o| o.ok += 1, Some(now - start));
            self.free_job(job);
        }
    }

    // ---- failures -------------------------------------------------------------

    fn failure_target(&self, index: usize, random: bool) -> FailureTarget {
        if random {
            self.m.random_failures[index].target
        } else {
            self.m.failures[index].target
        }
    }

    fn failure_start(&mut self, now: f64, index: usize, random: bool) {
        let duration = if random {
            let mttr = self.m.random_failures[index].mttr;
            -mttr * (1.0 - self.failure_rng.random::<f64>()).ln()
        } else {
            self.m.failures[index].duration
        };
        match self.failure_target(index, random) {
            FailureTarget::FrontEnd(fe) => self.front_end_fails(now, fe),
            FailureTarget::DatabasePrimary(db) => self.failover_starts(now, db),
        }
        self.cal.schedule_at(
            now + duration,
            Event::FailureEnd {
                index: index as u16,
                random,
            },
        );
    }

    fn failure_end(&mut self, now: f64, index: usize, random: bool) {
        match self.failure_target(index, random) {
            FailureTarget::FrontEnd(fe) => {
                let f = &mut self.fes[fe];
                if !f.up {
                    f.up = true;
                    let zone = self.m.front_ends[fe].zone;
                    let interval = self.m.zones[zone].health_interval;
                    let epoch = f.epoch;
                    self.cal.schedule_at(
                        now + interval,
                        Event::HealthUp {
                            fe: fe as u16,
                            epoch,
                        },
                    );
                    self.start_queued_timers(now, zone);
                }
            }
            FailureTarget::DatabasePrimary(db) => {
                let d = &mut self.dbs[db];
                if !d.up {
                    d.up = true;
                    let waiting = std::mem::take(&mut d.waiting);
                    let epoch = d.epoch;
                    for job in waiting {
                        if self
                            .job(job)
                            .is_some_and(|j| j.phase == Phase::DbFailoverWait)
                        {
                            let j = &mut self.jobs[job.slot as usize];
                            j.conn_epoch = epoch;
                            if let Some(id) = j.connect_timeout.take() {
                                self.cal.cancel(id);
                            }
                            self.submit_db(now, job, db);
                        }
                    }
                }
            }
        }
        if random {
            let mtbf = self.m.random_failures[index].mtbf;
            let t = -mtbf * (1.0 - self.failure_rng.random::<f64>()).ln();
            self.cal.schedule_at(
                now + t,
                Event::FailureStart {
                    index: index as u16,
                    random,
                },
            );
        }
    }

    /// Every job at the front-end fails; its resources start empty.
    fn front_end_fails(&mut self, now: f64, fe: usize) {
        let spec = &self.m.front_ends[fe];
        let f = &mut self.fes[fe];
        if !f.up {
            return;
        }
        f.up = false;
        f.epoch = f.epoch.wrapping_add(1);
        let epoch = f.epoch;
        // Keep the statistics running across the failure: drain in place.
        match &mut f.cpu {
            Cpu::Ps { resource, pending } => {
                resource.drain(now, |_| {});
                if let Some(id) = pending.take() {
                    self.cal.cancel(id);
                }
            }
            Cpu::Fcfs(r) => r.clear(now),
        }
        f.workers.clear(now);
        f.pool.clear(now);
        f.active = 0;
        f.timer_slots_free = spec.timer_slots;
        // Fail every job that was at this front-end.
        for slot in 0..self.jobs.len() {
            let j = self.jobs[slot];
            if !j.live || j.fe as usize != fe || j.fe_epoch == epoch {
                continue;
            }
            if !matches!(
                j.phase,
                Phase::IisQueue
                    | Phase::Cpu
                    | Phase::PoolWait
                    | Phase::Db
                    | Phase::Compile
                    | Phase::DbFailoverWait
            ) {
                continue;
            }
            let job = JobRef {
                slot: slot as u32,
                generation: j.generation,
            };
            self.jobs[slot].holds_conn = false;
            self.jobs[slot].holds_worker = false;
            self.jobs[slot].holds_timer_slot = false;
            self.jobs[slot].fe = u32::MAX;
            match j.kind {
                Kind::Web { .. } => self.finish_web(now, job, Outcome::Failed),
                _ => {
                    self.record(now, j.kind, |o| o.failed += 1, None);
                    self.free_job(job);
                }
            }
        }
        let zone = spec.zone;
        let z = &self.m.zones[zone];
        let detect = z.health_interval * z.health_failures as f64;
        self.cal.schedule_at(
            now + detect,
            Event::HealthDown {
                fe: fe as u16,
                epoch,
            },
        );
    }

    /// The primary becomes unavailable: calls in the database fail and
    /// every open connection to it breaks.
    fn failover_starts(&mut self, now: f64, db: usize) {
        let d = &mut self.dbs[db];
        if !d.up {
            return;
        }
        d.up = false;
        d.epoch = d.epoch.wrapping_add(1);
        let mut in_db = Vec::new();
        match &mut d.cpu {
            Cpu::Ps { resource, pending } => {
                resource.drain(now, |j| in_db.push(j));
                if let Some(id) = pending.take() {
                    self.cal.cancel(id);
                }
            }
            Cpu::Fcfs(r) => r.clear(now),
        }
        for slot in 0..self.jobs.len() {
            let j = self.jobs[slot];
            if j.live
                && j.phase == Phase::Db
                && j.fe != u32::MAX
                && self.fe_db[j.fe as usize] as usize == db
            {
                let job = JobRef {
                    slot: slot as u32,
                    generation: j.generation,
                };
                if !in_db.contains(&job) {
                    in_db.push(job);
                }
            }
        }
        for job in in_db {
            if self.job(job).is_some_and(|j| j.phase == Phase::Db) {
                self.abort(now, job);
            }
        }
    }

    // ---- measurement ---------------------------------------------------------

    fn start_measuring(&mut self, now: f64) {
        self.measuring = true;
        for f in &mut self.fes {
            f.cpu.reset_stats(now);
            f.workers.reset_stats(now);
            f.pool.reset_stats(now);
        }
        for d in &mut self.dbs {
            d.cpu.reset_stats(now);
        }
        for dc in self.dcs.iter_mut().flatten() {
            dc.reset_stats(now);
        }
    }

    fn finish(mut self, end: f64) -> RunResult {
        let m = self.m;
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
        for (i, d) in self.dbs.iter().enumerate() {
            resources.push(ResourceResult {
                name: format!("{}.cpu", m.databases[i].name),
                kind: ResourceKind::DatabaseCpu,
                utilization: d.cpu.utilization(end),
                mean_queue: d.cpu.mean_queue(end),
            });
        }
        for (i, dc) in self.dcs.iter().enumerate() {
            if let Some(dc) = dc {
                let env = &m.environments[m.development[i].environment].name;
                resources.push(ResourceResult {
                    name: format!("{env}.deployment_controller"),
                    kind: ResourceKind::DeploymentController,
                    utilization: dc.utilization(end),
                    mean_queue: dc.mean_queue(end),
                });
            }
        }
        for r in &mut self.rows {
            r.warmup_estimate = r.mser.estimate();
        }
        RunResult {
            classes: self.rows,
            resources,
            measured_time: m.duration,
            events: self.events,
            peak_jobs: self.peak_jobs,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Answered,
    /// IIS aborted the request at its request timeout.
    ServerTimeout,
    Rejected,
    Failed,
}
