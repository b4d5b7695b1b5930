//! A station: one resource (FCFS servers or processor sharing) together with
//! the completion events it has on the calendar.
//!
//! Why this file exists: a resource in `resource.rs` is passive — it says
//! what changed, never schedules anything. Every model then needs the same
//! glue around it: schedule a completion when an FCFS job starts service,
//! keep the single pending completion of a processor-sharing resource in
//! step with its next finish (reschedule after a departure, and after an
//! arrival that changes it), and recognise a completion that outlived a
//! failure of the machine. That glue was written three times (front-end CPUs, database
//! CPUs, the validation networks); it lives here once.
//!
//! The station stays independent of any model's event type: the caller
//! hands it a function turning a [`Completion`] token into its own event,
//! and hands the token back when that event fires. Nothing allocates per
//! event; the token is two words.

use super::calendar::{Calendar, EventId};
use super::resource::{Admission, Fcfs, ProcessorSharing, count_f64};

/// What a station's completion event carries; give it back to
/// [`Station::complete`] when the event fires.
///
/// The epoch is the station's failure count when the event was scheduled:
/// a completion from before [`Station::clear`] is stale and is dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Completion<J> {
    job: J,
    epoch: u32,
}

/// A job that finished service, and the job (if any) that took its server.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Departure<J> {
    /// The job whose service is complete.
    pub job: J,
    /// FCFS: the waiting job that started service on the freed server, with
    /// the time it had waited. Always `None` under processor sharing, where
    /// nobody waits for a server.
    pub started: Option<(J, f64)>,
}

#[derive(Clone, Debug)]
enum Discipline<J> {
    /// Jobs carry their service time, known at arrival.
    Fcfs(Fcfs<(J, f64)>),
    /// `pending`: the one completion event on the calendar, and the job
    /// it is for — the one that finishes first if nothing else arrives.
    Ps {
        resource: ProcessorSharing<J>,
        pending: Option<(EventId, J)>,
    },
}

/// A resource and its completion events.
///
/// The caller passes the calendar and an event constructor to each call
/// that may schedule or cancel (the station does not own the calendar, the
/// model does: one calendar drives all stations).
#[derive(Clone, Debug)]
pub struct Station<J> {
    discipline: Discipline<J>,
    epoch: u32,
    /// FCFS: jobs cancelled while in service whose completion event is
    /// still on the calendar; `complete` drops it. Empty almost always.
    cancelled: Vec<J>,
}

impl<J: Copy + PartialEq + std::fmt::Debug> Station<J> {
    /// `servers` servers first come, first served, with at most
    /// `queue_limit` waiting (`None`: unlimited; `Some(0)`: a loss system).
    pub fn fcfs(servers: u32, queue_limit: Option<usize>) -> Self {
        Station {
            discipline: Discipline::Fcfs(Fcfs::new(servers, queue_limit)),
            epoch: 0,
            cancelled: Vec::new(),
        }
    }

    /// `cores` cores under processor sharing (fractional cores allowed).
    pub fn processor_sharing(cores: f64) -> Self {
        Station {
            discipline: Discipline::Ps {
                resource: ProcessorSharing::new(cores),
                pending: None,
            },
            epoch: 0,
            cancelled: Vec::new(),
        }
    }

    /// True when an arrival now would be turned away (FCFS, every server
    /// busy and the queue at its limit). Lets a caller skip drawing the
    /// service time of a job that will not be served.
    #[inline]
    pub fn is_full(&self) -> bool {
        match &self.discipline {
            Discipline::Fcfs(r) => r.is_full(),
            Discipline::Ps { .. } => false,
        }
    }

    /// A job needing `work` seconds of one server arrives at `now`; any
    /// completion this brings about is scheduled on `cal` as `event(token)`.
    #[inline]
    pub fn arrive<E>(
        &mut self,
        cal: &mut Calendar<E>,
        now: f64,
        job: J,
        work: f64,
        event: impl Fn(Completion<J>) -> E,
    ) -> Admission {
        let epoch = self.epoch;
        match &mut self.discipline {
            Discipline::Fcfs(r) => {
                let admission = r.arrive(now, (job, work));
                if admission == Admission::Started {
                    cal.schedule_at(now + work, event(Completion { job, epoch }));
                }
                admission
            }
            Discipline::Ps { resource, pending } => {
                resource.arrive(now, job, work);
                // With no more jobs than cores every job runs at full speed,
                // before this arrival and after it, so the pending
                // completion is still right unless the newcomer finishes
                // first. Keeping it saves a cancel and a schedule on most
                // arrivals at a machine that is not saturated.
                let unchanged = count_f64(resource.len()) <= resource.cores()
                    && pending.is_some_and(|(_, first)| resource.next_job() == Some(first));
                if !unchanged {
                    resync(cal, resource, pending, epoch, &event);
                }
                Admission::Started
            }
        }
    }

    /// The completion event carrying `token` fired at `now`. Returns the
    /// job that finished, or `None` if the event is stale (scheduled before
    /// the station was last cleared). Schedules the next completion with
    /// `event`, as `arrive` does.
    #[inline]
    pub fn complete<E>(
        &mut self,
        cal: &mut Calendar<E>,
        now: f64,
        token: Completion<J>,
        event: impl Fn(Completion<J>) -> E,
    ) -> Option<Departure<J>> {
        if token.epoch != self.epoch {
            return None;
        }
        if !self.cancelled.is_empty() && self.forget_cancelled(token.job) {
            return None;
        }
        let epoch = self.epoch;
        match &mut self.discipline {
            Discipline::Fcfs(r) => {
                let started = r.release(now).map(|((next, work), joined)| {
                    cal.schedule_at(now + work, event(Completion { job: next, epoch }));
                    (next, now - joined)
                });
                Some(Departure {
                    job: token.job,
                    started,
                })
            }
            Discipline::Ps { resource, pending } => {
                // The event that fired is the pending one: any change since
                // it was scheduled would have cancelled it.
                *pending = None;
                let done = resource.complete(now);
                debug_assert_eq!(done, Some(token.job), "PS completion out of step");
                resync(cal, resource, pending, epoch, &event);
                done.map(|job| Departure { job, started: None })
            }
        }
    }

    /// Takes `job` off the cancelled jobs, if it is there: its completion
    /// is to be dropped. Out of line, so that `complete`, inlined where
    /// completions fire, holds only the usual way (nothing cancelled).
    #[cold]
    #[inline(never)]
    fn forget_cancelled(&mut self, job: J) -> bool {
        match self.cancelled.iter().position(|&j| j == job) {
            Some(k) => {
                self.cancelled.swap_remove(k);
                true
            }
            None => false,
        }
    }

    /// `job` is withdrawn at `now` (its client gave up): it leaves without
    /// completing, and the others go on. Under FCFS a waiting job leaves the
    /// queue; a job in service frees its server for the next one (whose
    /// completion is scheduled with `event`), and its own completion, still
    /// on the calendar, will be dropped. Under processor sharing the others
    /// speed up. Returns the job that took the freed FCFS server, with its
    /// wait, as `complete` does. O(n) in the jobs present: for rare
    /// cancellations (query timeouts), not for the normal path.
    pub fn cancel<E>(
        &mut self,
        cal: &mut Calendar<E>,
        now: f64,
        job: J,
        event: impl Fn(Completion<J>) -> E,
    ) -> Option<(J, f64)> {
        let epoch = self.epoch;
        match &mut self.discipline {
            Discipline::Fcfs(r) => {
                if r.withdraw(now, |&(j, _)| j == job) {
                    return None;
                }
                self.cancelled.push(job);
                r.release(now).map(|((next, work), joined)| {
                    cal.schedule_at(now + work, event(Completion { job: next, epoch }));
                    (next, now - joined)
                })
            }
            Discipline::Ps { resource, pending } => {
                if resource.remove(now, |&j| j == job) {
                    resync(cal, resource, pending, epoch, &event);
                }
                None
            }
        }
    }

    /// The machine failed at `now`: every job leaves without completing,
    /// completions already on the calendar become stale, and the statistics
    /// keep running.
    ///
    /// Under processor sharing `each` is handed the jobs present, in the
    /// order they would have finished. An FCFS station hands back none: it
    /// records which jobs wait but not which are in service, and a partial
    /// list would mislead; callers find those jobs through their own
    /// records.
    pub fn clear<E>(&mut self, cal: &mut Calendar<E>, now: f64, each: impl FnMut(J)) {
        self.epoch = self.epoch.wrapping_add(1);
        self.cancelled.clear();
        match &mut self.discipline {
            Discipline::Fcfs(r) => r.clear(now),
            Discipline::Ps { resource, pending } => {
                resource.drain(now, each);
                if let Some((id, _)) = pending.take() {
                    cal.cancel(id);
                }
            }
        }
    }

    /// Jobs present now (waiting or in service).
    pub fn len(&self) -> usize {
        match &self.discipline {
            Discipline::Fcfs(r) => r.busy() as usize + r.queued(),
            Discipline::Ps { resource, .. } => resource.len(),
        }
    }

    /// True with no job present.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Mean fraction of the servers (cores) busy since the last reset.
    pub fn utilization(&self, now: f64) -> f64 {
        match &self.discipline {
            Discipline::Fcfs(r) => r.utilization(now),
            Discipline::Ps { resource, .. } => resource.utilization(now),
        }
    }

    /// Mean number of jobs waiting (FCFS) or beyond the cores (processor
    /// sharing) since the last reset.
    pub fn mean_queue(&self, now: f64) -> f64 {
        match &self.discipline {
            Discipline::Fcfs(r) => r.mean_queue(now),
            Discipline::Ps { resource, .. } => resource.mean_queue(now),
        }
    }

    /// Integrals of utilization and queue since the last reset (see
    /// [`Fcfs::integrals`]).
    #[inline]
    pub fn integrals(&self, now: f64) -> (f64, f64) {
        match &self.discipline {
            Discipline::Fcfs(r) => r.integrals(now),
            Discipline::Ps { resource, .. } => resource.integrals(now),
        }
    }

    /// Mean number of jobs present since the last reset.
    pub fn mean_in_system(&self, now: f64) -> f64 {
        match &self.discipline {
            Discipline::Fcfs(r) => r.mean_in_system(now),
            Discipline::Ps { resource, .. } => resource.mean_in_system(now),
        }
    }

    /// Restarts the statistics at `now` (warm-up deletion), keeping the state.
    pub fn reset_stats(&mut self, now: f64) {
        match &mut self.discipline {
            Discipline::Fcfs(r) => r.reset_stats(now),
            Discipline::Ps { resource, .. } => resource.reset_stats(now),
        }
    }
}

/// Keeps the single pending completion of a processor-sharing resource in
/// step with its next finish: the old event is rescheduled (cancelled and
/// scheduled anew, in one step), cancelled when nobody is left, or a new
/// one scheduled when none was pending.
#[inline]
fn resync<J: Copy, E>(
    cal: &mut Calendar<E>,
    resource: &ProcessorSharing<J>,
    pending: &mut Option<(EventId, J)>,
    epoch: u32,
    event: &impl Fn(Completion<J>) -> E,
) {
    let next = resource.next_departure();
    match (pending.take(), next) {
        (Some((id, _)), Some((t, job))) => {
            *pending = Some((cal.reschedule(id, t, event(Completion { job, epoch })), job));
        }
        (Some((id, _)), None) => {
            cal.cancel(id);
        }
        (None, Some((t, job))) => {
            *pending = Some((cal.schedule_at(t, event(Completion { job, epoch })), job));
        }
        (None, None) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Ev = Completion<char>;

    /// Runs `cal` to the end, feeding completions back to `s`; returns the
    /// jobs in the order they finished, with their finish times.
    fn drain(s: &mut Station<char>, cal: &mut Calendar<Ev>) -> Vec<(char, f64)> {
        let mut out = Vec::new();
        while let Some((now, token)) = cal.pop() {
            if let Some(d) = s.complete(cal, now, token, |c| c) {
                out.push((d.job, now));
            }
        }
        out
    }

    #[test]
    fn fcfs_schedules_each_start_and_reports_the_wait() {
        let mut cal = Calendar::new();
        let mut s = Station::fcfs(1, None);
        assert_eq!(s.arrive(&mut cal, 0.0, 'a', 2.0, |c| c), Admission::Started);
        assert_eq!(s.arrive(&mut cal, 0.5, 'b', 1.0, |c| c), Admission::Queued);
        assert_eq!(cal.len(), 1, "only the job in service has an event");
        let (now, token) = cal.pop().unwrap();
        let d = s.complete(&mut cal, now, token, |c| c).unwrap();
        assert_eq!(d.job, 'a');
        assert_eq!(d.started, Some(('b', 1.5)));
        assert_eq!(drain(&mut s, &mut cal), vec![('b', 3.0)]);
        assert!(s.is_empty());
    }

    #[test]
    fn fcfs_cancel_frees_the_server_and_drops_the_stale_completion() {
        let mut cal = Calendar::new();
        let mut s = Station::fcfs(1, None);
        s.arrive(&mut cal, 0.0, 'a', 2.0, |c| c);
        s.arrive(&mut cal, 0.0, 'b', 1.0, |c| c);
        s.arrive(&mut cal, 0.0, 'c', 1.0, |c| c);
        // c leaves the queue; a leaves service and b takes its server.
        assert_eq!(s.cancel(&mut cal, 0.5, 'c', |c| c), None);
        assert_eq!(s.cancel(&mut cal, 0.5, 'a', |c| c), Some(('b', 0.5)));
        // a's completion at 2.0 is dropped; b finishes at 1.5.
        assert_eq!(drain(&mut s, &mut cal), vec![('b', 1.5)]);
        assert!(s.is_empty());
    }

    #[test]
    fn ps_cancel_speeds_up_the_others() {
        let mut cal = Calendar::new();
        let mut s = Station::processor_sharing(1.0);
        s.arrive(&mut cal, 0.0, 'a', 1.0, |c| c);
        s.arrive(&mut cal, 0.0, 'b', 1.0, |c| c);
        assert_eq!(s.cancel(&mut cal, 1.0, 'a', |c| c), None);
        assert_eq!(drain(&mut s, &mut cal), vec![('b', 1.5)]);
    }

    #[test]
    fn fcfs_with_a_full_queue_says_so_before_the_arrival() {
        let mut cal = Calendar::new();
        let mut s = Station::fcfs(1, Some(0));
        assert!(!s.is_full());
        s.arrive(&mut cal, 0.0, 'a', 1.0, |c| c);
        assert!(s.is_full());
        assert_eq!(
            s.arrive(&mut cal, 0.0, 'b', 1.0, |c| c),
            Admission::Rejected
        );
    }

    #[test]
    fn ps_keeps_one_pending_event_in_step_with_arrivals() {
        let mut cal = Calendar::new();
        let mut s = Station::processor_sharing(1.0);
        s.arrive(&mut cal, 0.0, 'a', 1.0, |c| c);
        s.arrive(&mut cal, 0.0, 'b', 2.0, |c| c);
        assert_eq!(cal.len(), 1, "one pending completion, rescheduled");
        // Half speed each: a at 2, then b alone with 1 left: 3.
        assert_eq!(drain(&mut s, &mut cal), vec![('a', 2.0), ('b', 3.0)]);
    }

    #[test]
    fn ps_below_its_cores_moves_the_completion_only_for_an_earlier_finisher() {
        let mut cal = Calendar::new();
        let mut s = Station::processor_sharing(4.0);
        s.arrive(&mut cal, 0.0, 'a', 1.0, |c| c);
        s.arrive(&mut cal, 0.25, 'b', 2.0, |c| c);
        s.arrive(&mut cal, 0.5, 'c', 0.25, |c| c);
        assert_eq!(cal.len(), 1);
        assert_eq!(
            drain(&mut s, &mut cal),
            vec![('c', 0.75), ('a', 1.0), ('b', 2.25)]
        );
    }

    #[test]
    fn a_cleared_station_drops_completions_from_before() {
        for mut s in [Station::fcfs(2, None), Station::processor_sharing(2.0)] {
            let mut cal = Calendar::new();
            s.arrive(&mut cal, 0.0, 'a', 1.0, |c| c);
            s.arrive(&mut cal, 0.0, 'b', 3.0, |c| c);
            let mut handed = Vec::new();
            s.clear(&mut cal, 0.5, |j| handed.push(j));
            assert!(s.is_empty());
            s.arrive(&mut cal, 0.5, 'c', 1.0, |c| c);
            assert_eq!(drain(&mut s, &mut cal), vec![('c', 1.5)]);
            assert!(handed.is_empty() || handed == ['a', 'b']);
        }
    }
}
