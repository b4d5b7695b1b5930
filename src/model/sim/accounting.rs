//! Where a web request's response time goes: per traffic class, the time
//! its requests spend at each station of their path (network, IIS queue,
//! front-end CPU, connection pool, database CPU, a failover, each external
//! system), and how much of it was their own service demand.
//!
//! Why this file exists: "what is the bottleneck?" is answered from these
//! figures (`experiment::summary::Bottleneck`). The accounting is cheap by
//! construction: each job carries the moment it entered its current phase,
//! and the station that phase's time goes to (set by whoever moves the job,
//! who knows it), and every phase change adds the time since then to that
//! one of the job's fixed per-station accumulators (one subtraction and one
//! addition); a
//! request answered in time then adds its accumulators to its class's
//! (stations × 2 additions). The accumulators are allocated with the job
//! slab and the rows, never per event. The phases are contiguous from
//! arrival to answer, so a request's station times sum to its response
//! time (up to floating-point rounding).

use super::Sim;
use super::jobs::{JobRef, Phase};
use crate::model::spec::Model;

/// What a station of a request's path is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StationKind {
    /// Network delay to the front-end and back (with a zone's VPN).
    Network,
    /// Waiting for an IIS worker thread on the front-end.
    IisQueue,
    /// CPU bursts on the front-end (waiting for and using the cores).
    FrontEndCpu,
    /// Waiting for a pooled database connection on the front-end.
    ConnectionPool,
    /// Database calls on the SQL Server's CPU.
    DatabaseCpu,
    /// Database calls waiting out a failover (`on_failover = "wait"`).
    DatabaseFailover,
    /// Calls to an external system (queue and call).
    External,
}

impl StationKind {
    /// Stations on the front-end: adding front-ends divides their load.
    pub fn on_front_end(self) -> bool {
        matches!(
            self,
            StationKind::IisQueue | StationKind::FrontEndCpu | StationKind::ConnectionPool
        )
    }
}

/// One station of the model's stations: index layout `[network, IIS
/// queue, front-end CPU, connection pool, database CPU per instance,
/// failover per instance, external system per system]`.
#[derive(Clone, Debug)]
pub(super) struct Stations {
    count: usize,
    databases: usize,
}

pub(super) const NETWORK: usize = 0;
pub(super) const IIS: usize = 1;
pub(super) const FE_CPU: usize = 2;
pub(super) const POOL: usize = 3;
const FIXED: usize = 4;

impl Stations {
    pub(super) fn new(m: &Model) -> Stations {
        Stations {
            count: FIXED + 2 * m.databases.len() + m.external.len(),
            databases: m.databases.len(),
        }
    }

    /// Number of stations.
    pub(super) fn count(&self) -> usize {
        self.count
    }

    pub(super) fn database(&self, db: usize) -> usize {
        FIXED + db
    }

    pub(super) fn failover(&self, db: usize) -> usize {
        FIXED + self.databases + db
    }

    pub(super) fn external(&self, sys: usize) -> usize {
        FIXED + 2 * self.databases + sys
    }

    /// Station `k` is a database's CPU or its failover.
    pub(super) fn is_database(&self, k: usize) -> bool {
        (FIXED..FIXED + 2 * self.databases).contains(&k)
    }

    /// Kind and key of station `k` of `m`.
    pub(super) fn describe(&self, m: &Model, k: usize) -> (StationKind, String) {
        let n = self.databases;
        match k {
            NETWORK => (StationKind::Network, "network".into()),
            IIS => (StationKind::IisQueue, "iis_queue".into()),
            FE_CPU => (StationKind::FrontEndCpu, "front_end_cpu".into()),
            POOL => (StationKind::ConnectionPool, "connection_pool".into()),
            k if k < FIXED + n => {
                let d = &m.databases[k - FIXED].name;
                (StationKind::DatabaseCpu, format!("db.{d}.cpu"))
            }
            k if k < FIXED + 2 * n => {
                let d = &m.databases[k - FIXED - n].name;
                (StationKind::DatabaseFailover, format!("db.{d}.failover"))
            }
            k => {
                let x = &m.external[k - FIXED - 2 * n].name;
                (StationKind::External, format!("external.{x}"))
            }
        }
    }
}

/// Time one traffic class's requests answered in time spent at one
/// station of their path, summed over those requests (seconds).
#[derive(Clone, Debug, PartialEq)]
pub struct StationTime {
    pub kind: StationKind,
    /// How reports name it: `network`, `iis_queue`, `front_end_cpu`,
    /// `connection_pool`, `db.NAME.cpu` (the name of the database's CPU
    /// resource row), `db.NAME.failover`, `external.NAME` (the name of the
    /// system's resource row).
    pub key: String,
    /// Time at the station: waiting plus being served.
    pub time: f64,
    /// The requests' own service demand there (CPU seconds, database call
    /// times, external call durations; the network delay; nothing for the
    /// pure waits: IIS queue, connection pool, failover).
    pub work: f64,
}

impl Sim<'_> {
    /// Moves the job to `phase`, whose time goes to station `station`
    /// (the caller knows it: a constant, or the database or system it
    /// just chose); the time since its last phase change goes to the
    /// station it leaves.
    // Always inlined, like `charge` and `add_work`: every phase change of
    // every job comes through here, for a few loads and stores.
    // `charge`, then the move, on one look-up of the job: a second
    // `self.jobs[..]` would check its bounds again, after the store to
    // `job_time` made the compiler reload them.
    #[inline(always)]
    pub(super) fn set_phase(&mut self, now: f64, job: JobRef, phase: Phase, station: usize) {
        let slot = job.slot as usize;
        let w = 2 * self.stations.count();
        let j = &mut self.jobs[slot];
        let dt = now - j.since;
        j.since = now;
        let k = j.station as usize;
        j.phase = phase;
        j.station = station as u16;
        self.job_time[slot * w + k] += dt;
    }

    /// Adds the job's time since its last phase change to the station of
    /// its current phase. Jobs other than web requests are charged too
    /// (one subtraction, cheaper than asking); only web requests' figures
    /// are ever settled.
    #[inline(always)]
    pub(super) fn charge(&mut self, now: f64, job: JobRef) {
        let slot = job.slot as usize;
        let w = 2 * self.stations.count();
        let j = &mut self.jobs[slot];
        let dt = now - j.since;
        j.since = now;
        let k = j.station as usize;
        self.job_time[slot * w + k] += dt;
    }

    /// Adds `work` seconds of a web request's own demand at station `k`.
    #[inline(always)]
    pub(super) fn add_work(&mut self, job: JobRef, k: usize, work: f64) {
        let n = self.stations.count();
        self.job_time[job.slot as usize * 2 * n + n + k] += work;
    }

    /// Clears the accumulators of slab slot `slot` for a new job (growing
    /// them with the slab).
    pub(super) fn reset_accounts(&mut self, slot: usize) {
        let w = 2 * self.stations.count();
        let end = (slot + 1) * w;
        if self.job_time.len() < end {
            self.job_time.resize(end, 0.0);
        } else {
            self.job_time[slot * w..end].fill(0.0);
        }
    }

    /// A web request answered in time: its station times go to its class.
    #[inline]
    pub(super) fn settle_accounts(&mut self, job: JobRef, class: usize) {
        let w = 2 * self.stations.count();
        let from = &self.job_time[job.slot as usize * w..(job.slot as usize + 1) * w];
        let to = &mut self.class_time[class * w..(class + 1) * w];
        for (t, f) in to.iter_mut().zip(from) {
            *t += f;
        }
    }

    /// The stations traffic class `class` can reach, with their summed
    /// times.
    pub(super) fn class_stations(&self, class: usize) -> Vec<StationTime> {
        let m = self.m;
        let n = self.stations.count();
        let c = &m.classes[class];
        let db = m.environments[m.zones[c.zone].environment].database;
        let mut ks = vec![
            NETWORK,
            IIS,
            FE_CPU,
            POOL,
            self.stations.database(db),
            self.stations.failover(db),
        ];
        for i in &c.integrations {
            let k = self.stations.external(i.system);
            if !ks.contains(&k) {
                ks.push(k);
            }
        }
        let acc = &self.class_time[class * 2 * n..(class + 1) * 2 * n];
        ks.into_iter()
            .map(|k| {
                let (kind, key) = self.stations.describe(m, k);
                StationTime {
                    kind,
                    key,
                    time: acc[k],
                    work: acc[n + k],
                }
            })
            .collect()
    }

    /// The resource rows (by name) on the path of traffic class `class`:
    /// its zone's front-ends' CPU, IIS workers and connection pool, its
    /// database's CPU, and the external systems it calls.
    pub(super) fn class_path(&self, class: usize) -> Vec<String> {
        let m = self.m;
        let c = &m.classes[class];
        let mut out = Vec::new();
        for f in m.zone_front_ends(c.zone) {
            let name = &m.front_ends[f].name;
            out.push(format!("{name}.cpu"));
            out.push(format!("{name}.iis"));
            out.push(format!("{name}.pool"));
        }
        let db = m.environments[m.zones[c.zone].environment].database;
        out.push(format!("db.{}.cpu", m.databases[db].name));
        for i in &c.integrations {
            let name = format!("external.{}", m.external[i.system].name);
            if !out.contains(&name) {
                out.push(name);
            }
        }
        out
    }
}
