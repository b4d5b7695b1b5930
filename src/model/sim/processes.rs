//! BPT processes: launched at random, each runs its automatic activities
//! one after another on the Scheduler's process threads.
//!
//! Why this file exists: processes compete with web traffic and timers for
//! the same front-end CPUs and database, but through their own, separate
//! limit — a few process threads per front-end (10, 20 with Light BPT; a
//! forum figure, not official) on the front-ends that have Execute
//! Processes on — and under the platform's fixed 5-minute activity
//! timeout. "1,000 processes per minute" runs out of those threads long
//! before it runs out of CPU, and this is where that shows.
//!
//! An activity waits in its zone's queue (first come, first served) for a
//! free thread on any front-end of the zone that is up and executes
//! processes, looking first at the one after the last used; it then holds
//! the thread while it alternates CPU bursts on that front-end with
//! database calls over a pooled connection, as a timer run does. Its
//! demands (CPU, number of database calls) are drawn from the process
//! instance's own substream when the activity is queued, activity after
//! activity, so instance k draws the same work in every variant.

use super::jobs::{JobRef, Kind, Phase};
use super::requests::next_arrival;
use super::{Event, Sim};

impl Sim<'_> {
    /// Schedules the next launch of `process` after `now` (none past the
    /// end of the run).
    pub(super) fn schedule_next_launch(&mut self, process: usize, now: f64) {
        let p = &self.m.processes[process];
        let end = self.m.warmup + self.m.duration;
        let max = p
            .profile
            .map_or(1.0, |h| h.iter().cloned().fold(0.0, f64::max));
        let next = next_arrival(
            &mut self.process_rng[process],
            now,
            p.rate,
            p.profile.as_ref(),
            max,
            self.m.start,
            end,
        );
        if let Some(t) = next {
            self.cal.schedule_at(
                t,
                Event::ProcessLaunch {
                    process: process as u16,
                },
            );
        }
    }

    /// A process instance is launched: its first activity is queued.
    pub(super) fn process_launch(&mut self, now: f64, process: u16) {
        self.schedule_next_launch(process as usize, now);
        let kind = Kind::Process { process };
        self.count_arrival(kind);
        let (index, rng) = self.process_runs[process as usize].next();
        let job = self.new_job(kind, now, rng);
        self.note_process(job, process, index);
        self.jobs[job.slot as usize].activities_left =
            self.m.processes[process as usize].activities;
        self.queue_activity(now, job);
    }

    /// Draws the next activity's work and queues it for a thread.
    fn queue_activity(&mut self, now: f64, job: JobRef) {
        let Kind::Process { process } = self.jobs[job.slot as usize].kind else {
            return;
        };
        let m = self.m;
        let p = &m.processes[process as usize];
        let rng = &mut self.job_rng[job.slot as usize];
        let cpu = p.cpu.sample(rng);
        let calls = super::jobs::call_count(p.db_calls.sample(rng));
        self.note_value(job, 4, cpu);
        self.note_value(job, 4, calls as f64);
        let j = &mut self.jobs[job.slot as usize];
        j.activities_left -= 1;
        j.calls_left = calls;
        j.bursts_left = calls + 1;
        j.burst = cpu / (calls + 1) as f64;
        j.phase = Phase::ProcessQueue;
        j.fe = u32::MAX;
        let zone = p.zone;
        self.zone_process_queue[zone].push_back(job);
        let waiting = self.zone_process_queue[zone].len() as f64;
        self.zone_process_waiting[zone].set(now, waiting);
        self.start_queued_activities(now, zone);
    }

    /// Gives free threads of the zone's front-ends to queued activities,
    /// in queue order.
    pub(super) fn start_queued_activities(&mut self, now: f64, zone: usize) {
        while let Some(&job) = self.zone_process_queue[zone].front() {
            if self.job(job).is_none() {
                self.zone_process_queue[zone].pop_front();
                continue;
            }
            let range = self.zone_fes[zone].clone();
            let n = range.len();
            let mut chosen = None;
            for k in 0..n {
                let f = range.start + (self.zone_process_rr[zone] + k) % n;
                if self.fes[f].up
                    && self.m.front_ends[f].execute_processes
                    && self.fes[f].threads_free > 0
                {
                    chosen = Some(f);
                    self.zone_process_rr[zone] = (f - range.start + 1) % n;
                    break;
                }
            }
            let Some(fe) = chosen else { break };
            self.zone_process_queue[zone].pop_front();
            let f = &mut self.fes[fe];
            f.threads_free -= 1;
            f.threads_busy.add(now, 1.0);
            let epoch = f.epoch;
            let j = &mut self.jobs[job.slot as usize];
            j.fe = fe as u32;
            j.fe_epoch = epoch;
            j.holds_thread = true;
            j.worker_since = now;
            self.next_step(now, job);
        }
        let waiting = self.zone_process_queue[zone].len() as f64;
        self.zone_process_waiting[zone].set(now, waiting);
    }

    /// An activity finished within the timeout (its thread and connection
    /// already given back): the next one is queued, or the process is done.
    pub(super) fn activity_done(&mut self, now: f64, job: JobRef) {
        let j = self.jobs[job.slot as usize];
        if j.activities_left > 0 {
            self.queue_activity(now, job);
        } else {
            let lead_time = now - j.start;
            self.record(now, j.kind, |o| o.ok += 1, Some(lead_time));
            self.free_job(job);
        }
    }
}
