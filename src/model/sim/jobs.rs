//! The job slab: web requests, timer runs and publishes in flight.
//!
//! Why this file exists: a job outlives many events, and an event can
//! outlive its job (a CPU completion on a front-end that has since died).
//! Jobs live in a slab reused through a free list and events name them by
//! (slot, generation), so a stale event is recognised and dropped, and
//! nothing allocates per request once the slab has grown to its working
//! size.

use super::{Event, Sim};
use crate::engine::{EventId, Stream, Substreams};

/// Reference to a job: slab slot plus generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct JobRef {
    pub(super) slot: u32,
    pub(super) generation: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Web {
        class: u16,
    },
    Timer {
        timer: u16,
    },
    Publish {
        dev: u16,
    },
    /// A BPT process instance, running its automatic activities.
    Process {
        process: u16,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Phase {
    Network,
    IisQueue,
    Cpu,
    PoolWait,
    Db,
    /// Waiting for (or being served by) an external system.
    External,
    DbFailoverWait,
    Returning,
    TimerQueue,
    /// A BPT activity waiting for a process thread of its zone.
    ProcessQueue,
    Upload,
    /// A publish storing its version in the database.
    StoreVersion,
    /// A publish waiting for a compile slot (`max_parallel_compiles`).
    CompileQueue,
    Compile,
    /// A publish updating metadata and schema in the database.
    UpdateMetadata,
    Deploy,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Job {
    pub(super) generation: u32,
    pub(super) live: bool,
    pub(super) kind: Kind,
    pub(super) phase: Phase,
    pub(super) fe: u32,
    pub(super) fe_epoch: u32,
    pub(super) start: f64,
    /// When the job entered its current phase (`accounting`).
    pub(super) since: f64,
    /// The accounting station the current phase's time goes to.
    pub(super) station: u16,
    pub(super) burst: f64,
    pub(super) bursts_left: u32,
    pub(super) calls_left: u32,
    /// The class's integration the next external call belongs to, and the
    /// calls of it still to make (0: no external call left).
    pub(super) ext_entry: u16,
    pub(super) ext_left: u32,
    pub(super) holds_worker: bool,
    /// When the request got its IIS worker (for the request timeout).
    pub(super) worker_since: f64,
    /// Its front-end's IIS request timeout, copied when it got the worker:
    /// `next_step` compares against it at every step, without looking the
    /// front-end up in the model.
    pub(super) worker_timeout: f64,
    pub(super) holds_conn: bool,
    /// When the current database call was sent (for the query timeout).
    pub(super) call_sent: f64,
    pub(super) holds_timer_slot: bool,
    /// A BPT activity holding one of its front-end's process threads
    /// (since `worker_since`, for the activity timeout).
    pub(super) holds_thread: bool,
    /// BPT processes: activities still to run after the current one.
    pub(super) activities_left: u32,
    pub(super) conn_epoch: u32,
    pub(super) client_gone: bool,
    /// Closed classes: the moment the user gives up.
    pub(super) client_timeout: Option<EventId>,
    /// While waiting for a pooled connection: the connect timeout; while
    /// waiting out a failover: the query timeout; during an external call:
    /// the call's timeout.
    pub(super) connect_timeout: Option<EventId>,
    pub(super) deploys_left: u32,
    /// Web requests: the network delay back to the client (drawn at
    /// arrival, like every fixed-size part of a job's demand).
    pub(super) back: f64,
    /// What the originator does once the job is over: a closed class's
    /// user thinks this long; a developer publishes again after this long.
    pub(super) after: f64,
}

impl Job {
    pub(super) fn new(kind: Kind, start: f64) -> Job {
        Job {
            generation: 0,
            live: true,
            kind,
            phase: Phase::Network,
            fe: u32::MAX,
            fe_epoch: 0,
            start,
            since: start,
            station: super::accounting::NETWORK as u16,
            burst: 0.0,
            bursts_left: 0,
            calls_left: 0,
            ext_entry: 0,
            ext_left: 0,
            holds_worker: false,
            worker_since: 0.0,
            worker_timeout: f64::INFINITY,
            holds_conn: false,
            call_sent: 0.0,
            holds_timer_slot: false,
            holds_thread: false,
            activities_left: 0,
            conn_epoch: 0,
            client_gone: false,
            client_timeout: None,
            connect_timeout: None,
            deploys_left: 0,
            back: 0.0,
            after: 0.0,
        }
    }
}

/// The number of database calls a drawn `x` stands for:
/// `x.round().max(0.0) as u32` (the nearest whole number, halves away from
/// zero; none below one half, NaN included; at most `u32::MAX`), without
/// the call to the C library's `round` that `f64::round` compiles to on
/// x86-64 without SSE4.1, once per request.
///
/// Exact: in [0.5, 2^32) truncating to `u32` is exact, and so is the
/// fraction `x - trunc(x)`, so comparing it with one half decides the
/// rounding as `round` does.
#[inline]
// `!(x >= 0.5)` on purpose: one comparison sends NaN along with everything
// below one half (`x.is_nan() || x < 0.5` compiles to two).
#[allow(clippy::neg_cmp_op_on_partial_ord)]
pub(super) fn call_count(x: f64) -> u32 {
    if !(x >= 0.5) {
        return 0;
    }
    if x >= 4_294_967_296.0 {
        return u32::MAX;
    }
    let t = x as u32;
    let up = (x - t as f64 >= 0.5) as u64;
    (t as u64 + up).min(u32::MAX as u64) as u32
}

/// The substreams of one kind of job — a traffic class's requests, a
/// timer's runs, a development section's publishes — and how many have been
/// handed out: member k always gets the same generator, whatever happened
/// before it.
pub(super) struct Family {
    streams: Substreams,
    next: u64,
}

impl Family {
    pub(super) fn new(streams: Substreams) -> Family {
        Family { streams, next: 0 }
    }

    /// The index and generator of the next member.
    #[inline]
    pub(super) fn next(&mut self) -> (u64, Stream) {
        let index = self.next;
        self.next += 1;
        (index, self.streams.get(index))
    }
}

impl Sim<'_> {
    /// A new job of `kind` starting at `now`, drawing its demands from
    /// `rng` (its own substream).
    #[inline(always)]
    pub(super) fn new_job(&mut self, kind: Kind, now: f64, rng: Stream) -> JobRef {
        self.live_jobs += 1;
        self.peak_jobs = self.peak_jobs.max(self.live_jobs);
        match self.free.pop() {
            Some(slot) => {
                let generation = self.jobs[slot as usize].generation;
                let mut j = Job::new(kind, now);
                j.generation = generation;
                self.jobs[slot as usize] = j;
                self.job_rng[slot as usize] = rng;
                self.reset_accounts(slot as usize);
                JobRef { slot, generation }
            }
            None => {
                self.jobs.push(Job::new(kind, now));
                self.job_rng.push(rng);
                let slot = self.jobs.len() - 1;
                self.reset_accounts(slot);
                self.reserve_marks(slot);
                JobRef {
                    slot: slot as u32,
                    generation: 0,
                }
            }
        }
    }

    #[inline]
    pub(super) fn job(&self, r: JobRef) -> Option<&Job> {
        let j = &self.jobs[r.slot as usize];
        (j.live && j.generation == r.generation).then_some(j)
    }

    #[inline]
    pub(super) fn job_mut(&mut self, r: JobRef) -> Option<&mut Job> {
        let j = &mut self.jobs[r.slot as usize];
        (j.live && j.generation == r.generation).then_some(j)
    }

    // Always inlined: once per job, a few stores, less than the call.
    #[inline(always)]
    pub(super) fn free_job(&mut self, r: JobRef) {
        let j = &mut self.jobs[r.slot as usize];
        debug_assert!(j.live && j.generation == r.generation);
        j.live = false;
        j.generation = j.generation.wrapping_add(1);
        let kind = j.kind;
        let after = j.after;
        self.free.push(r.slot);
        self.live_jobs -= 1;
        match kind {
            Kind::Web { .. } | Kind::Process { .. } => {}
            Kind::Timer { timer } => self.timer_running[timer as usize] = false,
            // The developer goes back to work, then publishes again.
            Kind::Publish { dev } => {
                let at = self.cal.now() + after;
                self.cal.schedule_at(at, Event::PublishStart { dev });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::call_count;

    #[test]
    fn call_count_rounds_as_round_does() {
        let reference = |x: f64| x.round().max(0.0) as u32;
        let mut xs = vec![
            0.0,
            -0.0,
            0.49999999999999994,
            0.5,
            1.5,
            2.5,
            2.4999999999999996,
            2.5000000000000004,
            -0.5,
            -3.7,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            4_294_967_294.5,
            4_294_967_295.4,
            4_294_967_295.5,
            4_294_967_296.0,
            1e300,
            f64::MIN_POSITIVE,
        ];
        let mut z = 0x1234_5678_9abc_def0_u64;
        for _ in 0..100_000 {
            z ^= z << 13;
            z ^= z >> 7;
            z ^= z << 17;
            xs.push((z >> 11) as f64 / (1u64 << 53) as f64 * 1000.0);
            xs.push((z % 4000) as f64 / 4.0);
        }
        for x in xs {
            assert_eq!(call_count(x), reference(x), "x = {x:e}");
        }
    }
}
