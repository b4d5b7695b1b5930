//! Development: developers publishing applications.
//!
//! Why this file exists: a publish (upload and store the version in the
//! environment's database, compile on the Deployment Controller, update
//! metadata and schema in the database, deploy to every front-end of the
//! environment) competes with web traffic when the controller is
//! co-located, loads the database it may share with another environment,
//! and its lead time is what `o11sim team` reports.

use rand::RngExt;

use super::jobs::{JobRef, Kind, Phase};
use super::{Event, Sim};
use crate::engine::Completion;
use crate::model::spec::Controller;

impl Sim<'_> {
    /// One developer's first publish. Developers are a closed population,
    /// each publishing an exponential time (mean 1 / `publishes_per_hour`)
    /// after their previous publish finished, so publishes in flight never
    /// exceed the team size; the first pause comes from the section's own
    /// stream, the later ones with each publish's demands.
    pub(super) fn schedule_first_publish(&mut self, dev: usize) {
        let rate = self.m.development[dev].publishes_per_hour / 3600.0;
        if rate <= 0.0 {
            return;
        }
        let u: f64 = self.dev_rng[dev].random();
        let t = -(1.0 - u).ln() / rate;
        self.cal
            .schedule_at(t, Event::PublishStart { dev: dev as u16 });
    }

    /// A developer starts a publish. Its upload and compile times and the
    /// developer's pause before the next publish are drawn now from the
    /// publish's own substream; the deploy times follow, one per front-end.
    pub(super) fn publish_start(&mut self, now: f64, dev: u16) {
        let kind = Kind::Publish { dev };
        self.count_arrival(kind);
        let d = &self.m.development[dev as usize];
        let (_, mut rng) = self.publishes[dev as usize].next();
        let upload = d.upload.sample(&mut rng);
        let compile = d.compile.sample(&mut rng);
        let u: f64 = rng.random();
        let pause = -(1.0 - u).ln() / (d.publishes_per_hour / 3600.0);
        let job = self.new_job(kind, now, rng);
        let j = &mut self.jobs[job.slot as usize];
        j.phase = Phase::Upload;
        j.burst = compile;
        j.after = pause;
        self.cal
            .schedule_at(now + upload, Event::UploadDone { job });
    }

    /// The upload is over: store the version in the environment's
    /// database, then compile.
    pub(super) fn upload_done(&mut self, now: f64, job: JobRef) {
        let Some(&j) = self.job(job) else { return };
        let Kind::Publish { dev } = j.kind else {
            return;
        };
        let work = self.m.development[dev as usize]
            .upload_db
            .sample(&mut self.job_rng[job.slot as usize]);
        self.publish_db(now, job, dev, Phase::StoreVersion, work);
    }

    /// Puts `work` seconds of the publish's database work (storing the
    /// version, or the deploy's metadata and schema update) on the CPU of
    /// the environment's database, through the same station as the web
    /// requests' calls. An instance that is not serving fails the publish.
    fn publish_db(&mut self, now: f64, job: JobRef, dev: u16, phase: Phase, work: f64) {
        let jm = &mut self.jobs[job.slot as usize];
        jm.phase = phase;
        jm.fe = u32::MAX;
        if work <= 0.0 {
            self.publish_db_done(now, job);
            return;
        }
        let env = self.m.development[dev as usize].environment;
        let db = self.m.environments[env].database;
        if !self.dbs[db].up {
            self.abort(now, job);
            return;
        }
        let db16 = db as u16;
        self.dbs[db]
            .cpu
            .arrive(&mut self.cal, now, job, work, |c| Event::DbDone {
                db: db16,
                c,
            });
    }

    /// The publish's database work is done: after storing the version,
    /// compile; after the metadata update, deploy.
    pub(super) fn publish_db_done(&mut self, now: f64, job: JobRef) {
        let Some(&j) = self.job(job) else { return };
        let Kind::Publish { dev } = j.kind else {
            return;
        };
        match j.phase {
            Phase::StoreVersion => self.request_compile(now, job, dev),
            Phase::UpdateMetadata => self.deploy(now, job, dev),
            _ => {}
        }
    }

    /// A compile starts when fewer than `max_parallel_compiles` run;
    /// otherwise it waits, FCFS, for one to finish. The queue holds at
    /// most one publish per developer and was sized for that at the start.
    fn request_compile(&mut self, now: f64, job: JobRef, dev: u16) {
        let d = dev as usize;
        if self.compiling[d] < self.m.development[d].max_parallel_compiles {
            self.start_compile(now, job, dev);
        } else {
            self.jobs[job.slot as usize].phase = Phase::CompileQueue;
            self.compile_queue[d].push_back(job);
        }
    }

    /// The compile takes one core: of the dedicated controller, or of the
    /// front-end's CPU it shares with web traffic (processor sharing gives
    /// a job at most one core).
    fn start_compile(&mut self, now: f64, job: JobRef, dev: u16) {
        let d = &self.m.development[dev as usize];
        let work = self.jobs[job.slot as usize].burst;
        match d.controller {
            Controller::Dedicated { .. } => {
                self.jobs[job.slot as usize].phase = Phase::Compile;
                self.compiling[dev as usize] += 1;
                let dc = self.dcs[dev as usize]
                    .as_mut()
                    .expect("dedicated controller has a resource");
                dc.arrive(&mut self.cal, now, job, work, |c| Event::DcDone { dev, c });
            }
            Controller::CoLocated { front_end } => {
                if !self.fes[front_end].up {
                    let kind = self.jobs[job.slot as usize].kind;
                    self.record(now, kind, |o| o.failed += 1, None);
                    self.free_job(job);
                    return;
                }
                self.compiling[dev as usize] += 1;
                let epoch = self.fes[front_end].epoch;
                let jm = &mut self.jobs[job.slot as usize];
                jm.fe = front_end as u32;
                jm.fe_epoch = epoch;
                self.submit_cpu(now, job, front_end, work);
            }
        }
    }

    /// A compile slot of section `dev` is free (a compile finished or
    /// failed with its front-end): start the waiting ones.
    pub(super) fn compile_slot_freed(&mut self, now: f64, dev: u16) {
        let d = dev as usize;
        self.compiling[d] -= 1;
        while self.compiling[d] < self.m.development[d].max_parallel_compiles {
            let Some(next) = self.compile_queue[d].pop_front() else {
                break;
            };
            if self.job(next).is_some() {
                self.start_compile(now, next, dev);
            }
        }
    }

    /// A compilation on a dedicated Deployment Controller finished.
    pub(super) fn dc_done(&mut self, now: f64, dev: u16, c: Completion<JobRef>) {
        let dc = self.dcs[dev as usize]
            .as_mut()
            .expect("dedicated controller has a resource");
        if let Some(d) = dc.complete(&mut self.cal, now, c, |c| Event::DcDone { dev, c }) {
            self.compile_done(now, d.job);
        }
    }

    /// The publish's compilation finished (on a dedicated controller or on
    /// a front-end's CPU): update the metadata and schema in the database.
    pub(super) fn compile_done(&mut self, now: f64, job: JobRef) {
        let Some(j) = self.job(job) else { return };
        let Kind::Publish { dev } = j.kind else {
            return;
        };
        if j.phase != Phase::Compile {
            return;
        }
        self.compile_slot_freed(now, dev);
        let work = self.m.development[dev as usize]
            .deploy_db
            .sample(&mut self.job_rng[job.slot as usize]);
        self.publish_db(now, job, dev, Phase::UpdateMetadata, work);
    }

    /// Deploy to every front-end of the environment, in parallel.
    fn deploy(&mut self, now: f64, job: JobRef, dev: u16) {
        let env = self.m.development[dev as usize].environment;
        let targets = self.env_fes[env].len();
        let jm = &mut self.jobs[job.slot as usize];
        jm.phase = Phase::Deploy;
        jm.fe = u32::MAX;
        jm.deploys_left = targets as u32;
        for _ in 0..targets {
            let t = self.m.development[dev as usize]
                .deploy_per_front_end
                .sample(&mut self.job_rng[job.slot as usize]);
            self.cal.schedule_at(now + t, Event::DeployDone { job });
        }
    }

    pub(super) fn deploy_done(&mut self, now: f64, job: JobRef) {
        let Some(j) = self.job_mut(job) else { return };
        j.deploys_left -= 1;
        if j.deploys_left == 0 {
            let (kind, start) = (j.kind, j.start);
            self.record(now, kind, |o| o.ok += 1, Some(now - start));
            self.free_job(job);
        }
    }
}
