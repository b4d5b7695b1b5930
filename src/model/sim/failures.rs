//! Failures: front-ends stopping and database failovers, scheduled or random.
//!
//! Why this file exists: availability questions (N+1, what a failover does to
//! users) are about what happens to the jobs in flight when a machine goes
//! away, and about how long the load balancer keeps sending to it.

use rand::RngExt;

use super::jobs::{JobRef, Kind, Phase};
use super::requests::Outcome;
use super::{Event, Sim};
use crate::model::spec::FailureTarget;

impl Sim<'_> {
    pub(super) fn failure_target(&self, index: usize, random: bool) -> FailureTarget {
        if random {
            self.m.random_failures[index].target
        } else {
            self.m.failures[index].target
        }
    }

    pub(super) fn failure_start(&mut self, now: f64, index: usize, random: bool) {
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

    pub(super) fn failure_end(&mut self, now: f64, index: usize, random: bool) {
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
    pub(super) fn front_end_fails(&mut self, now: f64, fe: usize) {
        let spec = &self.m.front_ends[fe];
        let f = &mut self.fes[fe];
        if !f.up {
            return;
        }
        f.up = false;
        f.epoch = f.epoch.wrapping_add(1);
        let epoch = f.epoch;
        // Keep the statistics running across the failure: drain in place.
        f.cpu.clear(&mut self.cal, now, |_| {});
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
                    | Phase::External
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
    pub(super) fn failover_starts(&mut self, now: f64, db: usize) {
        let d = &mut self.dbs[db];
        if !d.up {
            return;
        }
        d.up = false;
        d.epoch = d.epoch.wrapping_add(1);
        // Calls the CPU can name first (processor sharing: in finish
        // order), then the others by slot.
        let mut in_db = Vec::new();
        d.cpu.clear(&mut self.cal, now, |j| in_db.push(j));
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
}
