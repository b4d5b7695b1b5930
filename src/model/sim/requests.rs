//! The web path: a request arrives, crosses the network, is routed, waits
//! for an IIS worker, alternates CPU bursts with database calls over a
//! pooled connection, and travels back; or it is rejected, times out or fails.
//!
//! Why this file exists: this is the lifecycle most users of o11sim ask
//! about, and every outcome of a request is decided here.

use rand::RngExt;

use super::accounting::{FE_CPU, IIS, NETWORK, POOL};
use super::jobs::{JobRef, Kind, Phase};
use super::{Event, Sim};
use crate::engine::Stream;
use crate::engine::resource::Admission;
use crate::model::spec::{ACTIVITY_TIMEOUT, Arrivals};

impl Sim<'_> {
    // Always inlined, like `new_job` and `next_arrival`: each runs once per
    // request, and a call costs about as much as their own work.
    #[inline(always)]
    pub(super) fn schedule_next_arrival(&mut self, class: usize, now: f64) {
        let Arrivals::Open { rate, profile } = &self.m.classes[class].arrivals else {
            return;
        };
        let end = self.m.warmup + self.m.duration;
        let cs = &mut self.classes[class];
        let next = next_arrival(
            &mut cs.arrival_rng,
            now,
            *rate,
            profile.as_ref(),
            cs.profile_max,
            self.m.start,
            end,
        );
        if let Some(t) = next {
            self.cal.schedule_at(
                t,
                Event::Arrival {
                    class: class as u16,
                },
            );
        }
    }

    /// A request of `class` arrives: its demands are drawn now, from its
    /// own substream, in a fixed order — network in, CPU, database calls,
    /// network back, think time after it — so the draws do not depend on
    /// what happens to it. The database time of each call comes after, from
    /// the same substream, one per call as the calls happen.
    pub(super) fn start_request(&mut self, now: f64, class: u16) {
        let c = &self.m.classes[class as usize];
        let kind = Kind::Web { class };
        self.count_arrival(kind);
        let (index, mut rng) = self.classes[class as usize].requests.next();
        let extra = &self.zone_network[c.zone];
        let mut delay = c.network.sample(&mut rng);
        if let Some(extra) = extra {
            delay += extra.sample(&mut rng);
        }
        let cpu = c.cpu.sample(&mut rng);
        let calls = super::jobs::call_count(c.db_calls.sample(&mut rng));
        let mut back = c.network.sample(&mut rng);
        if let Some(extra) = extra {
            back += extra.sample(&mut rng);
        }
        let after = match &c.arrivals {
            Arrivals::Closed { think, .. } => think.sample(&mut rng),
            Arrivals::Open { .. } => 0.0,
        };
        let job = self.new_job(kind, now, rng);
        self.note_request(job, class, index, [delay, cpu, calls as f64]);
        // The network delay is the request's own demand at that station:
        // none of it is waiting.
        self.add_work(job, NETWORK, delay);
        let j = &mut self.jobs[job.slot as usize];
        j.calls_left = calls;
        j.bursts_left = calls + 1;
        j.burst = cpu / (calls + 1) as f64;
        j.back = back;
        j.after = after;
        if let Some(first) = c.integrations.first() {
            j.ext_left = first.calls;
        }
        if matches!(c.arrivals, Arrivals::Closed { .. }) {
            let id = self
                .cal
                .schedule_at(now + c.timeout, Event::ClientTimeout { job });
            self.jobs[job.slot as usize].client_timeout = Some(id);
        }
        // Due after most pending events: a network delay (`schedule_late`).
        self.cal
            .schedule_late(now + delay, Event::ReachBalancer { job });
    }

    pub(super) fn reach_balancer(&mut self, now: f64, job: JobRef) {
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
        }
        self.set_phase(now, job, Phase::IisQueue, IIS);
        match self.fes[fe].workers.arrive(now, job) {
            Admission::Started => {
                let timeout = self.m.front_ends[fe].request_timeout;
                let j = &mut self.jobs[job.slot as usize];
                j.holds_worker = true;
                j.worker_since = now;
                j.worker_timeout = timeout;
                self.mark_worker(now, job, fe);
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
    /// CPU burst, an external call (after the first burst), a database
    /// call, or done.
    // Always inlined: it runs after every CPU burst and database call, and
    // is a few tests in front of calls to the step itself.
    #[inline(always)]
    pub(super) fn next_step(&mut self, now: f64, job: JobRef) {
        let j = self.jobs[job.slot as usize];
        if j.holds_worker && now - j.worker_since > j.worker_timeout {
            // IIS gives up on the request (executionTimeout).
            self.release_front_end(now, job);
            self.finish_web(now, job, Outcome::ServerTimeout);
            return;
        }
        if j.holds_thread && now - j.worker_since > ACTIVITY_TIMEOUT {
            // The Scheduler gives up on the activity; the process fails.
            self.abort(now, job);
            return;
        }
        if j.bursts_left > j.calls_left {
            self.submit_cpu(now, job, j.fe as usize, j.burst);
        } else if j.ext_left > 0 {
            // After the first burst, before the first database call.
            self.external_call(now, job);
        } else if j.calls_left > 0 {
            self.db_call(now, job);
        } else {
            self.done_at_front_end(now, job);
        }
    }

    pub(super) fn burst_done(&mut self, now: f64, job: JobRef) {
        let Some(j) = self.job_mut(job) else { return };
        if let Kind::Publish { .. } = j.kind {
            self.compile_done(now, job);
            return;
        }
        j.bursts_left -= 1;
        self.next_step(now, job);
    }

    pub(super) fn db_call(&mut self, now: f64, job: JobRef) {
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
        self.set_phase(now, job, Phase::PoolWait, POOL);
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

    // Always inlined (so is `user_thinks`): once per request, at the two
    // places a connection is handed over.
    #[inline(always)]
    pub(super) fn got_connection(&mut self, now: f64, job: JobRef) {
        let fe = self.jobs[job.slot as usize].fe as usize;
        let db = self.fe_db[fe] as usize;
        let epoch = self.dbs[db].epoch;
        let j = &mut self.jobs[job.slot as usize];
        j.holds_conn = true;
        j.conn_epoch = epoch;
        if let Some(id) = j.connect_timeout.take() {
            self.cal.cancel(id);
        }
        self.mark_connection(now, job, fe);
        self.submit_db(now, job, db);
    }

    pub(super) fn db_call_done(&mut self, now: f64, job: JobRef) {
        let Some(j) = self.job(job) else { return };
        if j.phase != Phase::Db {
            return;
        }
        let fe = j.fe as usize;
        if j.fe_epoch != self.fes[fe].epoch {
            // Its front-end died meanwhile; the job was already failed.
            return;
        }
        self.jobs[job.slot as usize].calls_left -= 1;
        self.set_phase(now, job, Phase::Cpu, FE_CPU);
        self.next_step(now, job);
    }

    pub(super) fn connect_timeout(&mut self, now: f64, job: JobRef) {
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
    pub(super) fn query_timeout(&mut self, now: f64, db: usize, job: JobRef) {
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
    pub(super) fn done_at_front_end(&mut self, now: f64, job: JobRef) {
        if self.connection_broken(job) {
            // The commit finds the connection broken by a failover.
            self.abort(now, job);
            return;
        }
        self.release_front_end(now, job);
        let j = self.jobs[job.slot as usize];
        match j.kind {
            Kind::Web { .. } => {
                self.note_value(job, 1, j.back);
                self.set_phase(now, job, Phase::Returning, NETWORK);
                self.add_work(job, NETWORK, j.back);
                // Due after most pending events: a network delay
                // (`schedule_late`).
                self.cal
                    .schedule_late(now + j.back, Event::ResponseBack { job });
            }
            Kind::Timer { .. } => {
                let latency = now - j.start;
                self.record(now, j.kind, |o| o.ok += 1, Some(latency));
                self.free_job(job);
            }
            Kind::Process { .. } => self.activity_done(now, job),
            Kind::Publish { .. } => unreachable!("publishes do not hold front-end resources"),
        }
    }

    /// Gives back every front-end resource the job holds.
    pub(super) fn release_front_end(&mut self, now: f64, job: JobRef) {
        let j = self.jobs[job.slot as usize];
        if j.fe == u32::MAX {
            return;
        }
        let fe = j.fe as usize;
        if j.fe_epoch != self.fes[fe].epoch {
            return;
        }
        if j.holds_worker || j.holds_conn {
            self.blame_holds(now, job, fe, j.holds_worker, j.holds_conn);
        }
        {
            let jm = &mut self.jobs[job.slot as usize];
            jm.holds_conn = false;
            jm.holds_worker = false;
            jm.holds_timer_slot = false;
            jm.holds_thread = false;
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
                let timeout = self.m.front_ends[fe].request_timeout;
                let j = &mut self.jobs[next.slot as usize];
                j.holds_worker = true;
                j.worker_since = now;
                j.worker_timeout = timeout;
                self.mark_worker(now, next, fe);
                self.next_step(now, next);
            }
        }
        if j.holds_timer_slot {
            self.fes[fe].timer_slots_free += 1;
            let zone = self.m.front_ends[fe].zone;
            self.start_queued_timers(now, zone);
        }
        if j.holds_thread {
            let f = &mut self.fes[fe];
            f.threads_free += 1;
            f.threads_busy.add(now, -1.0);
            let zone = self.m.front_ends[fe].zone;
            self.start_queued_activities(now, zone);
        }
    }

    /// The job fails where it stands (broken connection, connect timeout,
    /// failover): give back what it holds and count it.
    pub(super) fn abort(&mut self, now: f64, job: JobRef) {
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

    pub(super) fn response_back(&mut self, now: f64, job: JobRef) {
        let Some(j) = self.job(job) else { return };
        if j.client_gone {
            self.free_job(job);
            return;
        }
        self.charge(now, job);
        self.finish_web(now, job, Outcome::Answered);
    }

    pub(super) fn client_timeout(&mut self, now: f64, job: JobRef) {
        let Some(j) = self.job_mut(job) else { return };
        if j.client_gone {
            return;
        }
        j.client_gone = true;
        j.client_timeout = None;
        let kind = j.kind;
        let start = j.start;
        let think = j.after;
        let Kind::Web { class } = kind else { return };
        self.record_cut(now, kind, now - start);
        self.user_thinks(now, job, class, think);
        // The server keeps working; the job is freed when its answer comes
        // back (or when it fails).
    }

    /// A closed class's user got an answer (or gave up) and thinks for
    /// `think` (drawn with the request's demands) before the next request.
    #[inline(always)]
    pub(super) fn user_thinks(&mut self, now: f64, job: JobRef, class: u16, think: f64) {
        if let Arrivals::Closed { .. } = &self.m.classes[class as usize].arrivals {
            self.note_value(job, 2, think);
            self.cal
                .schedule_at(now + think, Event::ThinkDone { class });
        }
    }

    pub(super) fn finish_web(&mut self, now: f64, job: JobRef, outcome: Outcome) {
        let j = self.jobs[job.slot as usize];
        let Kind::Web { class } = j.kind else { return };
        if let Some(sink) = self.sink.as_mut() {
            sink(&super::RequestRecord {
                class: class as usize,
                front_end: (j.fe != u32::MAX).then_some(j.fe as usize),
                end: now,
                response: now - j.start,
                status: match outcome {
                    Outcome::Answered => 200,
                    Outcome::Rejected => 503,
                    Outcome::ServerTimeout | Outcome::Failed => 500,
                },
            });
        }
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
                if self.measuring {
                    self.settle_accounts(job, class as usize);
                }
                self.record(now, j.kind, |o| o.ok += 1, Some(elapsed))
            }
            Outcome::Answered => self.record_cut(now, j.kind, timeout),
            Outcome::Rejected => self.record(now, j.kind, |o| o.rejected += 1, None),
            Outcome::ServerTimeout => self.record(now, j.kind, |o| o.timed_out += 1, None),
            Outcome::Failed => self.record(now, j.kind, |o| o.failed += 1, None),
        }
        self.user_thinks(now, job, class, j.after);
        self.free_job(job);
    }
}

/// The next arrival after `now` of a Poisson stream at `rate` per second,
/// multiplied in clock hour h of the day by `profile[h]` (thinning, Lewis &
/// Shedler, against the profile's peak `profile_max`); simulated time `t`
/// is clock time `start + t` (`start` in seconds since midnight). `None`
/// when the profile is zero everywhere or the next arrival falls after
/// `end`.
// Always inlined: once per arrival, and without a profile it is one draw
// and a logarithm, less than the call around it.
#[inline(always)]
pub(super) fn next_arrival(
    rng: &mut Stream,
    now: f64,
    rate: f64,
    profile: Option<&[f64; 24]>,
    profile_max: f64,
    start: f64,
    end: f64,
) -> Option<f64> {
    let Some(p) = profile else {
        let u: f64 = rng.random();
        return Some(now - (1.0 - u).ln() / rate);
    };
    let peak = rate * profile_max;
    if peak <= 0.0 {
        return None;
    }
    let mut t = now;
    loop {
        let u: f64 = rng.random();
        t -= (1.0 - u).ln() / peak;
        let hour = (((start + t) / 3600.0) as usize) % 24;
        let accept: f64 = rng.random();
        if accept * profile_max < p[hour] {
            return Some(t);
        }
        if t > end {
            return None;
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    Answered,
    /// IIS aborted the request at its request timeout.
    ServerTimeout,
    Rejected,
    Failed,
}
