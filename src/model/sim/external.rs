//! Calls to external systems (REST/SOAP integrations, ERPs, CRMs): waits
//! that are not CPU.
//!
//! Why this file exists: a request that calls an integration holds its IIS
//! worker while it waits for the answer, and nothing else — no CPU, and no
//! database connection, since the calls come after the request's first CPU
//! burst and before its first database call. Each external system is an
//! FCFS station with `concurrency` servers (unlimited when unset: a call
//! then never waits); a call whose wait plus service exceeds the system's
//! timeout fails at the timeout, and the request fails with it. A class
//! without integrations never comes here.

use super::accounting::FE_CPU;
use super::jobs::{JobRef, Kind, Phase};
use super::{Event, Sim};
use crate::engine::resource::{Admission, Fcfs};
use crate::model::spec::ExternalSystem;

/// The station of one external system: jobs carry their call's duration.
pub(super) fn station(x: &ExternalSystem) -> Fcfs<(JobRef, f64)> {
    Fcfs::new(x.concurrency.unwrap_or(u32::MAX), None)
}

impl Sim<'_> {
    /// The external system the job's current call goes to.
    fn external_system(&self, job: JobRef) -> usize {
        let j = &self.jobs[job.slot as usize];
        let Kind::Web { class } = j.kind else {
            unreachable!("only web requests call external systems")
        };
        self.m.classes[class as usize].integrations[j.ext_entry as usize].system
    }

    /// The job, holding its IIS worker, makes its next external call: the
    /// call's duration is drawn from the job's own substream (calls in call
    /// order, before any database call's time).
    pub(super) fn external_call(&mut self, now: f64, job: JobRef) {
        let j = self.jobs[job.slot as usize];
        let Kind::Web { class } = j.kind else {
            unreachable!("only web requests call external systems")
        };
        let integration = &self.m.classes[class as usize].integrations[j.ext_entry as usize];
        let sys = integration.system;
        let work = integration
            .time
            .sample(&mut self.job_rng[job.slot as usize]);
        self.note_value(job, 3, work);
        let k = self.stations.external(sys);
        self.set_phase(now, job, Phase::External, k);
        self.add_work(job, k, work);
        let sys16 = sys as u16;
        if self.ext[sys].arrive(now, (job, work)) == Admission::Started {
            self.cal
                .schedule_at(now + work, Event::ExternalDone { sys: sys16, job });
        }
        let timeout = self.m.external[sys].timeout;
        let id = self
            .cal
            .schedule_at(now + timeout, Event::ExternalTimeout { job });
        self.jobs[job.slot as usize].connect_timeout = Some(id);
    }

    /// A call at system `sys` is over: the next waiting call takes the
    /// server, and the caller (if it is still waiting for this call) goes
    /// on.
    pub(super) fn external_done(&mut self, now: f64, sys: usize, job: JobRef) {
        if let Some(((next, work), _)) = self.ext[sys].release(now) {
            self.cal.schedule_at(
                now + work,
                Event::ExternalDone {
                    sys: sys as u16,
                    job: next,
                },
            );
        }
        let Some(j) = self.job(job) else { return };
        if j.phase != Phase::External || j.fe_epoch != self.fes[j.fe as usize].epoch {
            // Timed out, or its front-end died: the system finished anyway.
            return;
        }
        let Kind::Web { class } = j.kind else { return };
        // Charge the call to its system before moving to the next entry.
        self.set_phase(now, job, Phase::Cpu, FE_CPU);
        let integrations = &self.m.classes[class as usize].integrations;
        let j = &mut self.jobs[job.slot as usize];
        if let Some(id) = j.connect_timeout.take() {
            self.cal.cancel(id);
        }
        j.ext_left -= 1;
        if j.ext_left == 0 {
            j.ext_entry += 1;
            if let Some(next) = integrations.get(j.ext_entry as usize) {
                j.ext_left = next.calls;
            }
        }
        self.next_step(now, job);
    }

    /// The call's timeout passed before its answer: the call fails (leaving
    /// the queue if it was still waiting; a call in service runs on at the
    /// system), and the request fails.
    pub(super) fn external_timeout(&mut self, now: f64, job: JobRef) {
        let Some(j) = self.job(job) else { return };
        if j.phase != Phase::External {
            return;
        }
        self.jobs[job.slot as usize].connect_timeout = None;
        let sys = self.external_system(job);
        self.ext[sys].withdraw(now, |&(w, _)| w == job);
        self.abort(now, job);
    }
}
