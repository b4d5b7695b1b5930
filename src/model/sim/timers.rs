//! Timers: periodic batch jobs run by the front-ends' Scheduler Service.
//!
//! Why this file exists: timers compete with web traffic for the same
//! front-end CPUs and database, but they are started by a poll, run as a
//! single instance, and need one of a front-end's few scheduler slots.

use super::jobs::{JobRef, Kind, Phase};
use super::{Event, Sim};

/// Scheduler Service poll period: a due timer starts at the next poll.
pub(super) const SCHEDULER_POLL: f64 = 20.0;

impl Sim<'_> {
    /// The timer comes due: it runs unless its previous run is still
    /// queued or running. Run k (counting skipped ones, so that run k is the
    /// one due at the same instant in every variant) draws its work from its
    /// own substream.
    pub(super) fn timer_due(&mut self, now: f64, timer: u16) {
        let t = &self.m.timers[timer as usize];
        self.cal
            .schedule_at(now + t.period, Event::TimerDue { timer });
        let (_, mut rng) = self.timer_runs[timer as usize].next();
        if self.timer_running[timer as usize] {
            return;
        }
        self.timer_running[timer as usize] = true;
        let kind = Kind::Timer { timer };
        self.count_arrival(kind);
        let cpu = t.cpu.sample(&mut rng);
        let calls = super::jobs::call_count(t.db_calls.sample(&mut rng));
        let job = self.new_job(kind, now, rng);
        let j = &mut self.jobs[job.slot as usize];
        j.calls_left = calls;
        j.bursts_left = calls + 1;
        j.burst = cpu / (calls + 1) as f64;
        j.phase = Phase::TimerQueue;
        // The Scheduler Service picks it up at its next poll.
        let poll = (now / SCHEDULER_POLL).floor() * SCHEDULER_POLL + SCHEDULER_POLL;
        self.cal.schedule_at(poll, Event::TimerPoll { job });
    }

    pub(super) fn timer_poll(&mut self, now: f64, job: JobRef) {
        let Some(j) = self.job(job) else { return };
        let Kind::Timer { timer } = j.kind else {
            return;
        };
        let zone = self.m.timers[timer as usize].zone;
        self.zone_timer_queue[zone].push_back(job);
        self.start_queued_timers(now, zone);
    }

    pub(super) fn start_queued_timers(&mut self, now: f64, zone: usize) {
        while let Some(&job) = self.zone_timer_queue[zone].front() {
            if self.job(job).is_none() {
                self.zone_timer_queue[zone].pop_front();
                continue;
            }
            // Timers spread over the zone's front-ends: the first one up,
            // with Execute Timers on and a free slot, starting after the
            // last one used.
            let range = self.zone_fes[zone].clone();
            let n = range.len();
            let mut chosen = None;
            for k in 0..n {
                let f = range.start + (self.zone_timer_rr[zone] + k) % n;
                if self.fes[f].up
                    && self.m.front_ends[f].execute_timers
                    && self.fes[f].timer_slots_free > 0
                {
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
}
