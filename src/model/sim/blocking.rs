//! What requests queueing for an IIS worker or a pooled connection wait
//! for: what the holders of the workers and connections are doing.
//!
//! Why this file exists: the bottleneck advice shares out a class's wait
//! for a worker (or a connection) among the front-ends, the database and
//! the external systems. The requests answered in time, the only ones
//! `accounting` settles, are a poor picture of the holders: during a
//! database failover the workers are held by requests waiting out the
//! failover, most of which then fail or time out, while the requests that
//! queued behind them and were answered never saw the failover themselves.
//! Shared out by what the answered requests did, that wait read as "more
//! front-ends would help".
//!
//! The rule: every holder of a worker (a connection), when it gives it
//! back, adds the queue's integral over its hold (the waiting requests ×
//! seconds, from the resource's own queue-length integral, read when it
//! took the worker and when it gives it back) to the stations where it
//! spent the hold, in proportion to its time at each. Divided by the
//! front-end's workers (connections), summed over a zone's front-ends,
//! these say what the zone's queue waited for. Per request this costs a
//! reading of the integral when a worker or connection is taken and one
//! when it is given back; the split itself runs only for holds during
//! which something queued.

use super::Sim;
use super::accounting::{FE_CPU, IIS, NETWORK, StationKind};
use super::jobs::JobRef;

/// Per job slot: the worker queue's integral when the job took its
/// worker, the pool queue's when it took its connection, and its
/// front-end CPU time then (the time before it is not spent holding the
/// connection).
pub(super) type HoldMarks = [f64; 3];

/// The waiting for IIS workers and for connections of one traffic
/// class's zone, shared out to one station by what their holders were
/// doing there (waiting requests × seconds, per worker or connection,
/// summed over the zone's front-ends and the measured time).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StationBlocking {
    pub kind: StationKind,
    /// As [`StationTime::key`](super::StationTime::key).
    pub key: String,
    /// Queueing for an IIS worker while holders of the workers were here.
    pub iis: f64,
    /// Queueing for a connection while holders of the connections were
    /// here.
    pub pool: f64,
}

impl Sim<'_> {
    /// The job took an IIS worker of front-end `fe`.
    #[inline(always)]
    pub(super) fn mark_worker(&mut self, now: f64, job: JobRef, fe: usize) {
        self.hold_marks[job.slot as usize][0] = self.fes[fe].workers.queue_area(now);
    }

    /// The job took a connection of front-end `fe`'s pool.
    #[inline(always)]
    pub(super) fn mark_connection(&mut self, now: f64, job: JobRef, fe: usize) {
        let slot = job.slot as usize;
        let cpu = self.job_time[slot * 2 * self.stations.count() + FE_CPU];
        self.hold_marks[slot][1] = self.fes[fe].pool.queue_area(now);
        self.hold_marks[slot][2] = cpu;
    }

    /// The job gives back its worker (`worker`) and its connection
    /// (`conn`) of front-end `fe`: the queue each saw during the hold goes
    /// to the stations of the hold.
    #[inline(always)]
    pub(super) fn blame_holds(
        &mut self,
        now: f64,
        job: JobRef,
        fe: usize,
        worker: bool,
        conn: bool,
    ) {
        if !self.measuring {
            return;
        }
        let slot = job.slot as usize;
        let f = &self.fes[fe];
        let marks = self.hold_marks[slot];
        let by_worker = if worker {
            f.workers.queue_area(now) - marks[0]
        } else {
            0.0
        };
        let by_conn = if conn {
            f.pool.queue_area(now) - marks[1]
        } else {
            0.0
        };
        if by_worker > 0.0 || by_conn > 0.0 {
            self.split_blame(now, job, fe, by_worker, by_conn);
        }
    }

    #[cold]
    fn split_blame(&mut self, now: f64, job: JobRef, fe: usize, by_worker: f64, by_conn: f64) {
        self.charge(now, job);
        let n = self.stations.count();
        let slot = job.slot as usize;
        let times = &self.job_time[slot * 2 * n..slot * 2 * n + n];
        let out = &mut self.blocking[fe * 2 * n..(fe + 1) * 2 * n];
        if by_worker > 0.0 {
            // The whole hold: every station but the way in (network, IIS
            // queue); the way back comes after the worker is given back.
            let held = |k: usize| {
                if k == NETWORK || k == IIS {
                    0.0
                } else {
                    times[k]
                }
            };
            let total: f64 = (0..n).map(held).sum();
            if total > 0.0 {
                let per = by_worker / total / self.fes[fe].workers.servers() as f64;
                for (k, o) in out[..n].iter_mut().enumerate() {
                    *o += held(k) * per;
                }
            }
        }
        if by_conn > 0.0 {
            // From the first database call on: front-end CPU after the
            // mark, the database and its failovers. External calls all
            // come before the first database call, so never while holding
            // a connection.
            let cpu_before = self.hold_marks[slot][2];
            let held = |k: usize| match k {
                FE_CPU => (times[k] - cpu_before).max(0.0),
                k if self.stations.is_database(k) => times[k],
                _ => 0.0,
            };
            let total: f64 = (0..n).map(held).sum();
            if total > 0.0 {
                let per = by_conn / total / self.fes[fe].pool.servers() as f64;
                for (k, o) in out[n..].iter_mut().enumerate() {
                    *o += held(k) * per;
                }
            }
        }
    }

    /// Measurement starts: the queues' integrals restart at zero, so the
    /// marks of holds in progress do too, and nothing is blamed yet.
    pub(super) fn reset_blocking(&mut self) {
        self.blocking.fill(0.0);
        for m in &mut self.hold_marks {
            m[0] = 0.0;
            m[1] = 0.0;
        }
    }

    /// Grows the marks with the job slab.
    pub(super) fn reserve_marks(&mut self, slot: usize) {
        if self.hold_marks.len() <= slot {
            self.hold_marks.resize(slot + 1, [0.0; 3]);
        }
    }

    /// The waiting of traffic class `class`'s zone for workers and
    /// connections, by the station its holders were at: every station a
    /// holder can be at (the front-end CPU, the pool, each database's CPU
    /// and failover, each external system).
    pub(super) fn class_blocking(&self, class: usize) -> Vec<StationBlocking> {
        let m = self.m;
        let n = self.stations.count();
        let fes = m.zone_front_ends(m.classes[class].zone);
        (0..n)
            .filter(|&k| k != NETWORK && k != IIS)
            .map(|k| {
                let (kind, key) = self.stations.describe(m, k);
                let sum = |offset: usize| {
                    fes.clone()
                        .map(|f| self.blocking[f * 2 * n + offset + k])
                        .sum()
                };
                StationBlocking {
                    kind,
                    key,
                    iis: sum(0),
                    pool: sum(n),
                }
            })
            .collect()
    }
}
