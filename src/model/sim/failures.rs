//! Failures: front-ends stopping and database nodes failing, scheduled or
//! random, and the SQL Server cluster failing over.
//!
//! Why this file exists: availability questions (N+1, what a failover does to
//! users) are about what happens to the jobs in flight when a machine goes
//! away, about how long the load balancer keeps sending to it, and about how
//! long a database instance serves nothing.

use rand::RngExt;

use super::jobs::{JobRef, Kind, Phase};
use super::requests::Outcome;
use super::{Event, Sim};
use crate::model::spec::FailureTarget;

/// The SQL Server cluster behind one database instance: which of its nodes
/// are healthy, whether it is failing over, and how long it has served
/// nothing since the measurement started.
///
/// Why it exists: `nodes` and `failover_duration` decide how long a node
/// failure keeps the instance from serving. A failure takes down the node
/// that is primary then, for the failure's duration (scheduled) or repair
/// time (random). With a healthy node left the cluster fails over to it:
/// the instance serves nothing for `failover_duration`, then serves again,
/// whether or not the failed node is back. With none left it serves
/// nothing until a node is repaired, and serves again at that repair (the
/// repair time covers bringing the database online). A repaired node
/// rejoins as a secondary: there is no failback.
#[derive(Clone, Debug)]
pub(super) struct Cluster {
    /// Nodes not failed.
    healthy: u32,
    /// An automatic failover is under way (its `FailoverDone` event carries
    /// the instance's epoch at its start).
    failing_over: bool,
    /// The failures holding a node down, by [`failure_id`]: a failure that
    /// found every node already down took none and repairs none.
    holding: Vec<u32>,
    /// When the instance last stopped serving (or when the measurement
    /// started, if it was not serving then).
    down_since: f64,
    /// Measured seconds not serving, up to `down_since` when not serving.
    unavailable: f64,
    /// Automatic failovers begun since the measurement started.
    failovers: u64,
}

impl Cluster {
    pub(super) fn new(nodes: u32) -> Cluster {
        Cluster {
            healthy: nodes,
            failing_over: false,
            holding: Vec::with_capacity(nodes as usize),
            down_since: 0.0,
            unavailable: 0.0,
            failovers: 0,
        }
    }

    /// The warm-up ends at `now`: count from here.
    pub(super) fn start_measuring(&mut self, now: f64, serving: bool) {
        self.unavailable = 0.0;
        self.failovers = 0;
        if !serving {
            self.down_since = now;
        }
    }

    /// Measured seconds not serving, up to `now`.
    pub(super) fn unavailable(&self, now: f64, serving: bool) -> f64 {
        if serving {
            self.unavailable
        } else {
            self.unavailable + (now - self.down_since)
        }
    }

    /// Automatic failovers begun since the measurement started.
    pub(super) fn failovers(&self) -> u64 {
        self.failovers
    }
}

/// One number for a failure, scheduled or random, to remember which
/// failures hold a database node down.
fn failure_id(index: usize, random: bool) -> u32 {
    (index as u32) << 1 | random as u32
}

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
            FailureTarget::DatabasePrimary(db) => {
                self.database_node_fails(now, db, failure_id(index, random))
            }
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
                    self.start_queued_activities(now, zone);
                }
            }
            FailureTarget::DatabasePrimary(db) => {
                self.database_node_repaired(now, db, failure_id(index, random))
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
        f.threads_free = spec.process_threads;
        f.threads_busy.set(now, 0.0);
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
            self.jobs[slot].holds_thread = false;
            self.jobs[slot].fe = u32::MAX;
            match j.kind {
                Kind::Web { .. } => self.finish_web(now, job, Outcome::Failed),
                Kind::Publish { dev } => {
                    self.record(now, j.kind, |o| o.failed += 1, None);
                    self.free_job(job);
                    if j.phase == Phase::Compile {
                        self.compile_slot_freed(now, dev);
                    }
                }
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

    /// A failure takes down the node that is primary of `db` now (while a
    /// failover is under way: the node being promoted). With a healthy node
    /// left the cluster fails over to it; with none, the instance waits for
    /// a repair. A failure that finds every node down takes none.
    fn database_node_fails(&mut self, now: f64, db: usize, failure: u32) {
        let measuring = self.measuring;
        let d = &mut self.dbs[db];
        if d.cluster.healthy == 0 {
            return;
        }
        d.cluster.healthy -= 1;
        d.cluster.holding.push(failure);
        if d.up {
            self.stop_serving(now, db);
        } else {
            // A new epoch makes the failover under way, if any, stale.
            d.epoch = d.epoch.wrapping_add(1);
        }
        let d = &mut self.dbs[db];
        d.cluster.failing_over = d.cluster.healthy > 0;
        if d.cluster.failing_over {
            if measuring {
                d.cluster.failovers += 1;
            }
            let epoch = d.epoch;
            let at = now + self.m.databases[db].failover_duration;
            self.cal.schedule_at(
                at,
                Event::FailoverDone {
                    db: db as u16,
                    epoch,
                },
            );
        }
    }

    /// The failover begun at `epoch` is over: the new primary serves,
    /// unless another failure has since made it stale.
    pub(super) fn failover_done(&mut self, now: f64, db: usize, epoch: u32) {
        let d = &mut self.dbs[db];
        if d.epoch != epoch || !d.cluster.failing_over {
            return;
        }
        d.cluster.failing_over = false;
        self.serve_again(now, db);
    }

    /// The node `failure` took down is back. It rejoins as a secondary; if
    /// the instance had no node left to fail over to, it serves again now.
    fn database_node_repaired(&mut self, now: f64, db: usize, failure: u32) {
        let d = &mut self.dbs[db];
        let Some(k) = d.cluster.holding.iter().position(|&f| f == failure) else {
            return;
        };
        d.cluster.holding.swap_remove(k);
        d.cluster.healthy += 1;
        if !d.up && !d.cluster.failing_over {
            self.serve_again(now, db);
        }
    }

    /// The instance serves again: calls waiting for it (`on_failover =
    /// "wait"`) are sent to the new primary, under a fresh query timeout.
    fn serve_again(&mut self, now: f64, db: usize) {
        let d = &mut self.dbs[db];
        d.up = true;
        if self.measuring {
            d.cluster.unavailable += now - d.cluster.down_since;
        }
        let waiting = std::mem::take(&mut d.waiting);
        let epoch = d.epoch;
        for &job in &waiting {
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
        // Give the list's storage back for the next failover.
        let mut waiting = waiting;
        waiting.clear();
        self.dbs[db].waiting = waiting;
    }

    /// True when `job` holds a connection that broke in a failover since it
    /// took it: its transaction is lost, so the request fails when it next
    /// uses the connection, to query or to commit.
    pub(super) fn connection_broken(&self, job: JobRef) -> bool {
        let j = &self.jobs[job.slot as usize];
        j.holds_conn && j.conn_epoch != self.dbs[self.fe_db[j.fe as usize] as usize].epoch
    }

    /// The primary stops serving: calls in the database fail and every
    /// open connection to it breaks (a new epoch).
    fn stop_serving(&mut self, now: f64, db: usize) {
        let d = &mut self.dbs[db];
        d.up = false;
        d.epoch = d.epoch.wrapping_add(1);
        d.cluster.down_since = now;
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
            if self.job(job).is_some_and(|j| {
                matches!(
                    j.phase,
                    Phase::Db | Phase::StoreVersion | Phase::UpdateMetadata
                )
            }) {
                self.abort(now, job);
            }
        }
    }
}
