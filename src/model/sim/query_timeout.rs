//! The query timeout (SqlCommand's CommandTimeout): a database call fails
//! once `query_timeout` has passed since it was sent, whether it queued for
//! the CPU or ran on it, and the database stops working on it then, as SQL
//! Server does when the client's attention signal arrives. (A call waiting
//! out a failover under `on_failover = "wait"` has its own `QueryTimeout`
//! event instead, set in `submit_db` and handled in `requests.rs`; when the
//! instance serves again the call is sent anew, under a fresh timeout.)
//!
//! Why this file exists: a call's time on the database is not known when it
//! is sent (under processor sharing it stretches with the load; under FCFS
//! it includes the queue), so the timeout must fire at the deadline, not be
//! judged when the call completes: judging at completion would keep the
//! request's connection and worker, and the database's CPU, busy past the
//! moment the client gave up, which is when overload feeds on itself. One
//! calendar event per call would add two calendar operations to every call
//! on the hot path for a timeout that almost never fires.
//!
//! How it stays exact and cheap: sending a call stamps its time on the job
//! (`call_sent`), one store. Each instance has at most one `QueryWatch`
//! event, at or before the earliest deadline of its calls in flight: every
//! later call has a later deadline, since all calls to one instance share
//! the timeout. When the watch fires it scans the job slab (as a failover
//! does), fails the calls whose deadline has come, and moves to the
//! earliest deadline left. Nothing happens when a call completes; in
//! normal operation the watch fires about once per `query_timeout` per
//! instance, and the scan is over the jobs in flight, never over the
//! requests simulated.

use super::jobs::{JobRef, Phase};
use super::{Event, Sim};

/// Per-instance bookkeeping of the query timeout.
#[derive(Clone, Debug, Default)]
pub(super) struct QueryWatch {
    /// A `QueryWatch` event is on the calendar (or being handled).
    pending: bool,
    /// Calls found past their deadline by the scan under way (kept to reuse
    /// its storage).
    expired: Vec<JobRef>,
}

impl Sim<'_> {
    /// `job`'s call has just been sent to `db`'s CPU at `now`.
    #[inline]
    pub(super) fn watch_call(&mut self, now: f64, db: usize, job: JobRef) {
        self.jobs[job.slot as usize].call_sent = now;
        let w = &mut self.dbs[db].query_watch;
        if !w.pending {
            w.pending = true;
            let deadline = now + self.m.databases[db].query_timeout;
            self.cal
                .schedule_at(deadline, Event::QueryWatch { db: db as u16 });
        }
    }

    /// The watch event: every call on `db` whose deadline has come fails;
    /// the watch moves to the earliest deadline left.
    pub(super) fn query_watch(&mut self, now: f64, db: usize) {
        let timeout = self.m.databases[db].query_timeout;
        let mut expired = std::mem::take(&mut self.dbs[db].query_watch.expired);
        let mut next = f64::INFINITY;
        for (slot, j) in self.jobs.iter().enumerate() {
            if !j.live
                || j.phase != Phase::Db
                || j.fe == u32::MAX
                || self.fe_db[j.fe as usize] as usize != db
            {
                continue;
            }
            let deadline = j.call_sent + timeout;
            if deadline <= now {
                expired.push(JobRef {
                    slot: slot as u32,
                    generation: j.generation,
                });
            } else {
                next = next.min(deadline);
            }
        }
        // `pending` stays set meanwhile: calls sent while these fail (on
        // the connections and servers they free) have their deadline at
        // `now + timeout`, which the watch below covers.
        if !expired.is_empty() {
            next = next.min(now + timeout);
        }
        for &job in &expired {
            if self.job(job).is_some_and(|j| j.phase == Phase::Db) {
                self.cancel_db_call(now, db, job);
                self.abort(now, job);
            }
        }
        expired.clear();
        let w = &mut self.dbs[db].query_watch;
        w.expired = expired;
        w.pending = next.is_finite();
        if w.pending {
            self.cal
                .schedule_at(next, Event::QueryWatch { db: db as u16 });
        }
    }

    /// Takes `job`'s call off `db`'s CPU: the database stops working on it,
    /// and under FCFS the next waiting call takes its server.
    fn cancel_db_call(&mut self, now: f64, db: usize, job: JobRef) {
        let db16 = db as u16;
        self.dbs[db]
            .cpu
            .cancel(&mut self.cal, now, job, |c| Event::DbDone { db: db16, c });
    }
}
