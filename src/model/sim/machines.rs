//! The front-ends' and databases' machines: their CPU and what runs on it.
//!
//! Why this file exists: a CPU burst (web request, timer, co-located
//! compile) and a database call both become a job on a CPU — an engine
//! [`Station`], processor sharing or FCFS over the cores; this is where jobs
//! are put on those CPUs and where their completions come back into the
//! model.

use super::accounting::FE_CPU;
use super::failures::Cluster;
use super::jobs::{JobRef, Kind, Phase};
use super::query_timeout::QueryWatch;
use super::{Event, Sim};
use crate::engine::resource::Fcfs;
use crate::engine::{Completion, Station};
use crate::model::spec::{CpuDiscipline, FailoverPolicy};
use crate::stats::TimeWeighted;

/// A machine's CPU: `cores` under the configured discipline. FCFS runs
/// `ceil(cores)` servers (at least one) with an unlimited queue.
pub(super) fn cpu(discipline: CpuDiscipline, cores: f64) -> Station<JobRef> {
    match discipline {
        CpuDiscipline::ProcessorSharing => Station::processor_sharing(cores),
        CpuDiscipline::Fcfs => Station::fcfs(cores.ceil().max(1.0) as u32, None),
    }
}

pub(super) struct FrontEndState {
    pub(super) up: bool,
    /// What the load balancer believes.
    pub(super) balancer_up: bool,
    pub(super) epoch: u32,
    pub(super) active: u32,
    pub(super) cpu: Station<JobRef>,
    pub(super) workers: Fcfs<JobRef>,
    pub(super) pool: Fcfs<JobRef>,
    pub(super) timer_slots_free: u32,
    /// The Scheduler's process threads free, and busy over time.
    pub(super) threads_free: u32,
    pub(super) threads_busy: TimeWeighted,
}

pub(super) struct DatabaseState {
    /// Serving calls (not failing over, not waiting for a repair).
    pub(super) up: bool,
    pub(super) epoch: u32,
    pub(super) cpu: Station<JobRef>,
    pub(super) waiting: Vec<JobRef>,
    pub(super) cluster: Cluster,
    pub(super) query_watch: QueryWatch,
}

impl Sim<'_> {
    /// Puts `work` seconds of CPU for `job` on front-end `fe`.
    pub(super) fn submit_cpu(&mut self, now: f64, job: JobRef, fe: usize, work: f64) {
        let phase = match self.jobs[job.slot as usize].kind {
            Kind::Publish { .. } => Phase::Compile,
            _ => Phase::Cpu,
        };
        self.set_phase(now, job, phase, FE_CPU);
        self.add_work(job, FE_CPU, work);
        let fe16 = fe as u16;
        self.fes[fe]
            .cpu
            .arrive(&mut self.cal, now, job, work, |c| Event::CpuDone {
                fe: fe16,
                c,
            });
    }

    /// A front-end CPU completion fired (stale ones, from before the
    /// front-end failed, are dropped by the station).
    pub(super) fn cpu_done(&mut self, now: f64, fe: usize, c: Completion<JobRef>) {
        let fe16 = fe as u16;
        let done = self.fes[fe]
            .cpu
            .complete(&mut self.cal, now, c, |c| Event::CpuDone { fe: fe16, c });
        if let Some(d) = done {
            self.burst_done(now, d.job);
        }
    }

    /// A database call of `job`, holding a connection to `db`: runs on the
    /// primary's CPU, or meets a failover in progress.
    pub(super) fn submit_db(&mut self, now: f64, job: JobRef, db: usize) {
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
                    self.set_phase(now, job, Phase::DbFailoverWait, self.stations.failover(db));
                    self.jobs[job.slot as usize].connect_timeout = Some(id);
                    self.dbs[db].waiting.push(job);
                }
            }
            return;
        }
        let work = self.db_work(job);
        let k = self.stations.database(db);
        self.set_phase(now, job, Phase::Db, k);
        self.add_work(job, k, work);
        let db16 = db as u16;
        self.dbs[db]
            .cpu
            .arrive(&mut self.cal, now, job, work, |c| Event::DbDone {
                db: db16,
                c,
            });
        self.watch_call(now, db, job);
    }

    /// The service time of the job's next database call, from the job's
    /// own substream (calls are drawn in call order, after the demands
    /// drawn at arrival).
    pub(super) fn db_work(&mut self, job: JobRef) -> f64 {
        let rng = &mut self.job_rng[job.slot as usize];
        let work = match self.jobs[job.slot as usize].kind {
            Kind::Web { class } => self.m.classes[class as usize].db_time.sample(rng),
            Kind::Timer { timer } => self.m.timers[timer as usize].db_time.sample(rng),
            Kind::Process { process } => self.m.processes[process as usize].db_time.sample(rng),
            Kind::Publish { .. } => 0.0,
        };
        self.note_value(job, 0, work);
        work
    }

    /// A database CPU completion fired (stale ones, from before a failover,
    /// are dropped by the station).
    pub(super) fn db_done(&mut self, now: f64, db: usize, c: Completion<JobRef>) {
        let db16 = db as u16;
        let done = self.dbs[db]
            .cpu
            .complete(&mut self.cal, now, c, |c| Event::DbDone { db: db16, c });
        if let Some(d) = done {
            match self.job(d.job).map(|j| j.kind) {
                Some(Kind::Publish { .. }) => self.publish_db_done(now, d.job),
                _ => self.db_call_done(now, d.job),
            }
        }
    }
}
