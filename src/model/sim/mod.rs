//! One replication of an OutSystems 11 installation under load.
//!
//! Why this module exists: it is the behaviour of the product — requests
//! crossing the network to their zone's load balancer, waiting for an IIS
//! worker, alternating front-end CPU bursts with database calls over a pooled
//! connection, and returning; timers, BPT processes and developers'
//! publishes competing for the same machines; front-ends failing and the
//! database failing over.
//!
//! This file holds the simulation state (`Sim`), its construction, the run
//! loop and the event dispatch; each part of the behaviour lives in its own
//! file beside it (`jobs`, `balancer`, `requests`, `machines`, `timers`,
//! `processes`, `development`, `failures`, `results`), all as `impl Sim` blocks over the
//! same state.
//!
//! Jobs (web requests, timer runs, publishes) live in a slab reused through a
//! free list; events refer to them by (slot, generation), so an event that
//! outlives its job — a CPU completion on a front-end that has since died —
//! is recognised and dropped. Nothing allocates per event once the slab and
//! the resources' queues have grown to their working size.
//!
//! Random numbers: arrival processes (open arrivals, the first think time of
//! each user, timers' phases, developers' first publishes), routing and
//! failures each draw from their own named stream. Everything about one job
//! — a request's network delays, CPU, database calls and the think time
//! after it; a timer run's work; a publish's stages and the pause before
//! the developer's next — comes from that job's own substream, keyed by
//! (class, arrival index), (timer, due index), (process, launch index) or
//! (development section, publish index). Two variants of a comparison therefore give request k the
//! same demands whatever order their requests finish in (common random
//! numbers that stay in step).

mod accounting;
mod balancer;
mod blocking;
mod certain_miss;
mod development;
mod external;
mod failure_cost;
mod failures;
mod jobs;
mod machines;
mod processes;
mod query_timeout;
mod requests;
mod results;
#[cfg(test)]
mod tests;
mod timeline;
mod timers;

pub use accounting::{StationKind, StationTime};
pub use blocking::StationBlocking;
pub use certain_miss::{MissFigure, MissLimit, MissRule, StoppedEarly};
pub use failure_cost::{
    FailureCost, FailurePeriods, PeriodCounts, RECOVERY_MARGIN, RECOVERY_RESPONSES, RECOVERY_STEP,
    Recovery, estimated_memory as failure_cost_memory,
};
pub use results::{
    ClassResult, DatabaseResult, Outcomes, ResourceKind, ResourceResult, RowKind, RunResult,
    row_offsets,
};
pub use timeline::{Timeline, WindowCounts, WindowLevels, window_bounds};

use jobs::{Family, Job, JobRef};
use machines::{DatabaseState, FrontEndState};

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};

use rand::RngExt;

use crate::dist::Dist;
use crate::engine::resource::Fcfs;
use crate::engine::{Calendar, Completion, Station, Stream, StreamSeeds};
use crate::model::spec::*;

#[derive(Clone, Copy, Debug)]
enum Event {
    Arrival { class: u16 },
    ThinkDone { class: u16 },
    ReachBalancer { job: JobRef },
    CpuDone { fe: u16, c: Completion<JobRef> },
    DbDone { db: u16, c: Completion<JobRef> },
    ExternalDone { sys: u16, job: JobRef },
    ExternalTimeout { job: JobRef },
    ResponseBack { job: JobRef },
    ClientTimeout { job: JobRef },
    ConnectTimeout { job: JobRef },
    QueryTimeout { db: u16, job: JobRef },
    QueryWatch { db: u16 },
    TimerDue { timer: u16 },
    TimerPoll { job: JobRef },
    ProcessLaunch { process: u16 },
    PublishStart { dev: u16 },
    UploadDone { job: JobRef },
    DcDone { dev: u16, c: Completion<JobRef> },
    DeployDone { job: JobRef },
    FailureStart { index: u16, random: bool },
    FailureEnd { index: u16, random: bool },
    FailoverDone { db: u16, epoch: u32 },
    HealthDown { fe: u16, epoch: u32 },
    HealthUp { fe: u16, epoch: u32 },
    EndWarmup,
    End,
}

struct ClassState {
    arrival_rng: Stream,
    /// One substream per request, by arrival index.
    requests: Family,
    profile_max: f64,
}

struct Sim<'m> {
    m: &'m Model,
    cal: Calendar<Event>,
    jobs: Vec<Job>,
    /// Each job's own generator, by slab slot (beside `jobs` because a
    /// generator is not `Copy` and a job record is).
    job_rng: Vec<Stream>,
    /// Each job's time and own demand per station (`accounting`), by slab
    /// slot: `2 × stations` values per slot.
    job_time: Vec<f64>,
    /// The same per traffic class, summed over its requests answered in
    /// time after the warm-up.
    class_time: Vec<f64>,
    stations: accounting::Stations,
    /// Per job slot: the queues' integrals when it took its worker and
    /// connection (`blocking`).
    hold_marks: Vec<blocking::HoldMarks>,
    /// Per front-end, `2 × stations` values: the waiting for its workers,
    /// then for its connections, by the station their holders were at.
    blocking: Vec<f64>,
    free: Vec<u32>,
    live_jobs: usize,
    peak_jobs: usize,
    fes: Vec<FrontEndState>,
    dbs: Vec<DatabaseState>,
    /// External systems' stations, by index into `Model::external`; jobs
    /// carry their call's duration.
    ext: Vec<Fcfs<(JobRef, f64)>>,
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
    /// Timers' phases: when each first comes due.
    timer_rng: Stream,
    /// One substream per timer run, by due index (skipped runs count).
    timer_runs: Vec<Family>,
    /// A timer runs as a single instance: a run that comes due while the
    /// previous one is still queued or running is skipped.
    timer_running: Vec<bool>,
    /// Each zone's BPT activities waiting for a process thread, FCFS, and
    /// how many over time.
    zone_process_queue: Vec<std::collections::VecDeque<JobRef>>,
    zone_process_waiting: Vec<crate::stats::TimeWeighted>,
    /// Where each zone looks first for a free process thread.
    zone_process_rr: Vec<usize>,
    /// Processes' launches, per process.
    process_rng: Vec<Stream>,
    /// One substream per process instance, by launch index.
    process_runs: Vec<Family>,
    /// Developers' first publishes, per development section.
    dev_rng: Vec<Stream>,
    /// One substream per publish, by publish index, per development section.
    publishes: Vec<Family>,
    dcs: Vec<Option<Station<JobRef>>>,
    /// Compiles running, per development section.
    compiling: Vec<u32>,
    /// Publishes waiting for a compile slot, per development section
    /// (capacity: the team, so pushing never allocates).
    compile_queue: Vec<VecDeque<JobRef>>,
    failure_rng: Stream,
    measuring: bool,
    timer_row: usize,
    publish_row: usize,
    process_row: usize,
    events: u64,
    /// `--timeline`: figures per window of simulated time.
    timeline: Option<timeline::Collector>,
    /// When the open timeline window closes (infinity without a timeline,
    /// and for the last window, which closes at the end of the run).
    next_window: f64,
    /// What each scheduled failure costs (`None` without a measurable one).
    failure_costs: Option<failure_cost::Collector>,
    /// `simulate_traced`: told of every web request as it finishes. Off
    /// (`None`), it costs one branch per finished request and nothing else.
    sink: Option<&'m mut dyn FnMut(&RequestRecord)>,
    /// `size`'s limits whose certain excess stops the run
    /// (`certain_miss`), with each limit's class's arrivals over the run,
    /// counted the first time a limit may be exceeded (`None` until then).
    miss_rule: Option<MissRule>,
    miss_arrivals: Vec<Option<u64>>,
    /// The streams the run was built from (`certain_miss` counts a class's
    /// arrivals from a fresh copy of its arrival stream).
    seeds: StreamSeeds,
    /// Set when the run stopped on the rule.
    stopped_early: Option<StoppedEarly>,
    /// Test builds: every per-job draw as the model uses it, so tests can
    /// check that variants give a job the same demands.
    #[cfg(test)]
    trace: Vec<tests::Drawn>,
}

/// Simulates one replication of `model` with the streams of `seeds`.
pub fn simulate(model: &Model, seeds: StreamSeeds) -> RunResult {
    let never = AtomicBool::new(false);
    Sim::new(model, seeds)
        .run(&never, &mut |_| {})
        .expect("a run that is never stopped completes")
}

/// As [`simulate`], but gives up (returning `None`) soon after `stop` is set:
/// the flag is looked at every few thousand events, so a stop request takes
/// effect within milliseconds.
pub fn simulate_until(model: &Model, seeds: StreamSeeds, stop: &AtomicBool) -> Option<RunResult> {
    Sim::new(model, seeds).run(stop, &mut |_| {})
}

/// One web request as it finished, for [`simulate_traced`]: what an access
/// log line of the front-end would say.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RequestRecord {
    /// Index into `Model::classes`.
    pub class: usize,
    /// Index into `Model::front_ends` of the front-end that handled it;
    /// `None` when it was turned away before reaching one (no front-end up,
    /// or a full IIS queue).
    pub front_end: Option<usize>,
    /// When it finished (simulated seconds since the start of the run,
    /// warm-up included).
    pub end: f64,
    /// Its response time as the client saw it (network both ways included),
    /// seconds.
    pub response: f64,
    /// The HTTP status an access log would show: 200 answered, 503
    /// rejected, 500 failed or aborted at the IIS request timeout.
    pub status: u16,
}

/// As [`simulate`], calling `sink` once for every web request that finishes
/// (warm-up included, in order of finishing). A request whose client gave
/// up is reported when the server finishes it, as a log would show it.
///
/// Why it exists: `calibrate`'s round-trip tests write the access logs a
/// known installation would produce. The hook is a field checked once per
/// finished request; [`simulate`] leaves it `None`, so runs without it pay
/// one predictable branch per request.
pub fn simulate_traced(
    model: &Model,
    seeds: StreamSeeds,
    sink: &mut dyn FnMut(&RequestRecord),
) -> RunResult {
    let never = AtomicBool::new(false);
    let mut sim = Sim::new(model, seeds);
    sim.sink = Some(sink);
    sim.run(&never, &mut |_| {})
        .expect("a run that is never stopped completes")
}

/// As [`simulate_until`], calling `report` with the fraction of the run's
/// simulated time (warm-up included) passed so far, from 0 to below 1,
/// each time it looks at the stop flag: a progress bar moves within one
/// long replication at no cost per event.
///
/// With `rule`, the run also stops, early but complete, once the final
/// share of a limit of the rule is certain to exceed it
/// ([`MissRule`]); its result then says so in
/// [`RunResult::stopped_early`] and covers the time simulated.
pub fn simulate_reporting(
    model: &Model,
    seeds: StreamSeeds,
    stop: &AtomicBool,
    report: &mut dyn FnMut(f64),
    rule: Option<&MissRule>,
) -> Option<RunResult> {
    let mut sim = Sim::new(model, seeds);
    if let Some(rule) = rule {
        sim.miss_arrivals = vec![None; rule.limits.len()];
        sim.miss_rule = Some(rule.clone());
    }
    sim.run(stop, report)
}

/// The stream class `class`'s open arrivals (or closed users' first
/// thinks) are drawn from.
fn arrival_stream(seeds: StreamSeeds, class: usize) -> Stream {
    seeds.indexed("arrivals", class as u64)
}

/// Events between two looks at the stop flag (and two progress reports).
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
                cpu: machines::cpu(f.cpu, f.cores),
                workers: Fcfs::new(f.iis_workers, Some(f.iis_queue as usize)),
                pool: Fcfs::new(f.db_pool, None),
                timer_slots_free: f.timer_slots,
                threads_free: f.process_threads,
                threads_busy: Default::default(),
            })
            .collect();
        let dbs = m
            .databases
            .iter()
            .map(|d| DatabaseState {
                up: true,
                epoch: 0,
                cpu: machines::cpu(d.cpu, d.cores),
                waiting: Vec::new(),
                cluster: failures::Cluster::new(d.nodes),
                query_watch: Default::default(),
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
                arrival_rng: arrival_stream(seeds, i),
                requests: Family::new(seeds.substreams("requests", i as u64)),
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
            .map(|c| {
                let mut r = ClassResult::new(c.name.clone(), RowKind::Traffic);
                r.timeout = Some(c.timeout);
                r
            })
            .collect();
        rows.extend(
            m.timers
                .iter()
                .map(|t| ClassResult::new(format!("timer.{}", t.name), RowKind::Timer)),
        );
        rows.extend(m.development.iter().map(|d| {
            let env = &m.environments[d.environment].name;
            if m.development.len() == 1 {
                ClassResult::new("publish".into(), RowKind::Publish)
            } else {
                ClassResult::new(format!("publish.{env}"), RowKind::Publish)
            }
        }));
        let process_row = rows.len();
        rows.extend(
            m.processes
                .iter()
                .map(|p| ClassResult::new(format!("process.{}", p.name), RowKind::Process)),
        );
        let zone_fes: Vec<_> = (0..m.zones.len()).map(|z| m.zone_front_ends(z)).collect();
        let env_fes = (0..m.environments.len())
            .map(|e| {
                (0..m.front_ends.len())
                    .filter(|&f| m.zones[m.front_ends[f].zone].environment == e)
                    .collect()
            })
            .collect();
        let stations = accounting::Stations::new(m);
        let mut sim = Sim {
            m,
            job_time: Vec::with_capacity(4096 * 2 * stations.count()),
            class_time: vec![0.0; m.classes.len() * 2 * stations.count()],
            hold_marks: Vec::with_capacity(4096),
            blocking: vec![0.0; m.front_ends.len() * 2 * stations.count()],
            stations,
            cal: Calendar::with_capacity(4096),
            jobs: Vec::with_capacity(4096),
            job_rng: Vec::with_capacity(4096),
            free: Vec::with_capacity(4096),
            live_jobs: 0,
            peak_jobs: 0,
            fes,
            dbs,
            ext: m.external.iter().map(external::station).collect(),
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
            timer_runs: (0..m.timers.len())
                .map(|t| Family::new(seeds.substreams("timer_runs", t as u64)))
                .collect(),
            timer_running: vec![false; m.timers.len()],
            zone_process_queue: vec![Default::default(); m.zones.len()],
            zone_process_waiting: vec![Default::default(); m.zones.len()],
            zone_process_rr: vec![0; m.zones.len()],
            process_rng: (0..m.processes.len())
                .map(|p| seeds.indexed("process_launches", p as u64))
                .collect(),
            process_runs: (0..m.processes.len())
                .map(|p| Family::new(seeds.substreams("process_runs", p as u64)))
                .collect(),
            dev_rng: (0..m.development.len())
                .map(|d| seeds.indexed("developers", d as u64))
                .collect(),
            publishes: (0..m.development.len())
                .map(|d| Family::new(seeds.substreams("publishes", d as u64)))
                .collect(),
            dcs: m
                .development
                .iter()
                .map(|d| match d.controller {
                    Controller::Dedicated { cores } => Some(Station::fcfs(cores, None)),
                    Controller::CoLocated { .. } => None,
                })
                .collect(),
            compiling: vec![0; m.development.len()],
            compile_queue: m
                .development
                .iter()
                .map(|d| VecDeque::with_capacity(d.developers as usize))
                .collect(),
            failure_rng: seeds.stream("failures"),
            measuring: m.warmup <= 0.0,
            timer_row,
            publish_row,
            process_row,
            events: 0,
            timeline: None,
            next_window: f64::INFINITY,
            failure_costs: failure_cost::Collector::new(m),
            sink: None,
            miss_rule: None,
            miss_arrivals: Vec::new(),
            seeds,
            stopped_early: None,
            #[cfg(test)]
            trace: Vec::new(),
        };
        if let Some(window) = m.timeline {
            let c = timeline::Collector::new(
                window,
                m.warmup,
                m.warmup + m.duration,
                sim.rows.len(),
                sim.resource_count(),
            );
            sim.next_window = c.next_boundary();
            sim.timeline = Some(c);
        }
        sim
    }

    // ---- main loop --------------------------------------------------------

    fn run(mut self, stop: &AtomicBool, report: &mut dyn FnMut(f64)) -> Option<RunResult> {
        if !self.advance(stop, report) {
            return None;
        }
        let end = match self.stopped_early {
            Some(s) => self.m.warmup + s.measured,
            None => self.m.warmup + self.m.duration,
        };
        Some(self.finish(end))
    }

    /// Runs every event up to the end of the run; false if `stop` was set
    /// first.
    fn advance(&mut self, stop: &AtomicBool, report: &mut dyn FnMut(f64)) -> bool {
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
        for p in 0..m.processes.len() {
            self.schedule_next_launch(p, 0.0);
        }
        for (d, dev) in m.development.iter().enumerate() {
            for _ in 0..dev.developers {
                self.schedule_first_publish(d);
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
            if now >= self.next_window {
                self.close_windows(now);
            }
            if self.events.is_multiple_of(STOP_CHECK_EVERY) {
                if stop.load(Ordering::Relaxed) {
                    return false;
                }
                report(now / end);
                if self.miss_rule.is_some()
                    && let Some(s) = self.certain_miss()
                {
                    self.stopped_early = Some(s);
                    break;
                }
            }
            match ev {
                Event::Arrival { class } => {
                    self.schedule_next_arrival(class as usize, now);
                    self.start_request(now, class);
                }
                Event::ThinkDone { class } => self.start_request(now, class),
                Event::ReachBalancer { job } => self.reach_balancer(now, job),
                Event::CpuDone { fe, c } => self.cpu_done(now, fe as usize, c),
                Event::DbDone { db, c } => self.db_done(now, db as usize, c),
                Event::ExternalDone { sys, job } => self.external_done(now, sys as usize, job),
                Event::ExternalTimeout { job } => self.external_timeout(now, job),
                Event::ResponseBack { job } => self.response_back(now, job),
                Event::ClientTimeout { job } => self.client_timeout(now, job),
                Event::ConnectTimeout { job } => self.connect_timeout(now, job),
                Event::QueryTimeout { db, job } => self.query_timeout(now, db as usize, job),
                Event::QueryWatch { db } => self.query_watch(now, db as usize),
                Event::TimerDue { timer } => self.timer_due(now, timer),
                Event::TimerPoll { job } => self.timer_poll(now, job),
                Event::ProcessLaunch { process } => self.process_launch(now, process),
                Event::PublishStart { dev } => self.publish_start(now, dev),
                Event::UploadDone { job } => self.upload_done(now, job),
                Event::DcDone { dev, c } => self.dc_done(now, dev, c),
                Event::DeployDone { job } => self.deploy_done(now, job),
                Event::FailureStart { index, random } => {
                    self.failure_start(now, index as usize, random)
                }
                Event::FailureEnd { index, random } => {
                    self.failure_end(now, index as usize, random)
                }
                Event::FailoverDone { db, epoch } => self.failover_done(now, db as usize, epoch),
                Event::HealthDown { fe, epoch } => self.health_down(fe as usize, epoch),
                Event::HealthUp { fe, epoch } => self.health_up(fe as usize, epoch),
                Event::EndWarmup => self.start_measuring(now),
                Event::End => break,
            }
        }
        true
    }

    /// Test builds: remembers the demands a request drew and used at
    /// arrival (network in, CPU, number of database calls).
    #[inline(always)]
    fn note_request(&mut self, job: JobRef, class: u16, index: u64, values: [f64; 3]) {
        #[cfg(test)]
        self.trace.push(tests::Drawn::Request {
            job,
            class,
            index,
            values,
        });
        #[cfg(not(test))]
        let _ = (job, class, index, values);
    }

    /// Test builds: remembers which process instance a job is.
    #[inline(always)]
    fn note_process(&mut self, job: JobRef, process: u16, index: u64) {
        #[cfg(test)]
        self.trace.push(tests::Drawn::Process {
            job,
            process,
            index,
        });
        #[cfg(not(test))]
        let _ = (job, process, index);
    }

    /// Test builds: remembers a demand of a job as it is used after the
    /// arrival: a database call's time (`what` 0), the network delay back
    /// (1), the think time after the answer (2), an external call's
    /// duration (3), a BPT activity's CPU and database calls (4).
    #[inline(always)]
    fn note_value(&mut self, job: JobRef, what: u8, value: f64) {
        #[cfg(test)]
        self.trace.push(tests::Drawn::Value { job, what, value });
        #[cfg(not(test))]
        let _ = (job, what, value);
    }

    // ---- measurement ---------------------------------------------------------

    fn start_measuring(&mut self, now: f64) {
        self.measuring = true;
        self.reset_blocking();
        for f in &mut self.fes {
            f.cpu.reset_stats(now);
            f.workers.reset_stats(now);
            f.pool.reset_stats(now);
            f.threads_busy.reset(now);
        }
        for q in &mut self.zone_process_waiting {
            q.reset(now);
        }
        for d in &mut self.dbs {
            d.cpu.reset_stats(now);
            d.cluster.start_measuring(now, d.up);
        }
        for x in &mut self.ext {
            x.reset_stats(now);
        }
        for dc in self.dcs.iter_mut().flatten() {
            dc.reset_stats(now);
        }
    }
}
