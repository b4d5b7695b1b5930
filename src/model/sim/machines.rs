//! The front-ends' and databases' machines: their CPU and what runs on it.
//!
//! Why this file exists: a CPU burst (web request, timer, co-located
//! compile) and a database call both become a job on a processor-sharing or
//! FCFS CPU with one pending completion event; this is where jobs are put on
//! those CPUs and where their completions come back into the model.

use super::failures::Cluster;
use super::jobs::{JobRef, Kind, Phase};
use super::query_timeout::QueryWatch;
use super::{Event, Sim};
use crate::engine::EventId;
use crate::engine::resource::{Admission, Fcfs, ProcessorSharing};
use crate::model::spec::{CpuDiscipline, FailoverPolicy};

pub(super) enum Cpu {
    Ps {
        resource: ProcessorSharing<JobRef>,
        pending: Option<EventId>,
    },
    Fcfs(Fcfs<(JobRef, f64)>),
}

impl Cpu {
    pub(super) fn new(discipline: CpuDiscipline, cores: f64) -> Cpu {
        match discipline {
            CpuDiscipline::ProcessorSharing => Cpu::Ps {
                resource: ProcessorSharing::new(cores),
                pending: None,
            },
            CpuDiscipline::Fcfs => Cpu::Fcfs(Fcfs::new(cores.ceil().max(1.0) as u32, None)),
        }
    }
    pub(super) fn utilization(&self, now: f64) -> f64 {
        match self {
            Cpu::Ps { resource, .. } => resource.utilization(now),
            Cpu::Fcfs(r) => r.utilization(now),
        }
    }
    pub(super) fn mean_queue(&self, now: f64) -> f64 {
        match self {
            Cpu::Ps { resource, .. } => resource.mean_queue(now),
            Cpu::Fcfs(r) => r.mean_queue(now),
        }
    }
    pub(super) fn reset_stats(&mut self, now: f64) {
        match self {
            Cpu::Ps { resource, .. } => resource.reset_stats(now),
            Cpu::Fcfs(r) => r.reset_stats(now),
        }
    }
}

pub(super) struct FrontEndState {
    pub(super) up: bool,
    /// What the load balancer believes.
    pub(super) balancer_up: bool,
    pub(super) epoch: u32,
    pub(super) active: u32,
    pub(super) cpu: Cpu,
    pub(super) workers: Fcfs<JobRef>,
    pub(super) pool: Fcfs<JobRef>,
    pub(super) timer_slots_free: u32,
}

pub(super) struct DatabaseState {
    /// Serving calls (not failing over, not waiting for a repair).
    pub(super) up: bool,
    pub(super) epoch: u32,
    pub(super) cpu: Cpu,
    pub(super) waiting: Vec<JobRef>,
    pub(super) cluster: Cluster,
    pub(super) query_watch: QueryWatch,
}

impl Sim<'_> {
    pub(super) fn submit_cpu(&mut self, now: f64, job: JobRef, fe: usize, work: f64) {
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

    pub(super) fn resync_fe_cpu(&mut self, fe: usize) {
        if let Cpu::Ps { resource, pending } = &mut self.fes[fe].cpu {
            if let Some(id) = pending.take() {
                self.cal.cancel(id);
            }
            if let Some(t) = resource.next_completion() {
                *pending = Some(self.cal.schedule_at(t, Event::CpuPsDone { fe: fe as u16 }));
            }
        }
    }

    pub(super) fn cpu_ps_done(&mut self, now: f64, fe: usize) {
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

    pub(super) fn cpu_fcfs_done(&mut self, now: f64, fe: usize, epoch: u32, job: JobRef) {
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
        self.watch_call(now, db, job);
    }

    pub(super) fn db_work(&mut self, job: JobRef) -> f64 {
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

    pub(super) fn resync_db_cpu(&mut self, db: usize) {
        if let Cpu::Ps { resource, pending } = &mut self.dbs[db].cpu {
            if let Some(id) = pending.take() {
                self.cal.cancel(id);
            }
            if let Some(t) = resource.next_completion() {
                *pending = Some(self.cal.schedule_at(t, Event::DbPsDone { db: db as u16 }));
            }
        }
    }

    pub(super) fn db_ps_done(&mut self, now: f64, db: usize) {
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

    pub(super) fn db_fcfs_done(&mut self, now: f64, db: usize, epoch: u32, job: JobRef) {
        // A completion from before a failover is stale: the failover
        // emptied the resource and failed the job.
        if epoch != self.dbs[db].epoch || self.fcfs_call_cancelled(db, job) {
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
}
