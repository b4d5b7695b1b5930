//! Resources: c servers under FCFS with an optional finite queue, and c cores
//! under processor sharing.
//!
//! Why this file exists: every machine in an OutSystems installation — a
//! front-end's CPU, its IIS worker pool, a DB connection pool, SQL Server, a
//! Deployment Controller — is one of these two disciplines. They keep their
//! own time-weighted statistics (utilization, queue length) so a model only
//! says what happens, never how it is measured.
//!
//! Both are passive: they never touch the calendar themselves. A model asks
//! them what changed and schedules the resulting events, which keeps this
//! code free of any model's event type.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use crate::stats::{TimeWeighted, TimeWeightedPair};

/// `n as f64` for a count of things held in memory (jobs present, jobs
/// queued), in one instruction. Why: x86-64 converts a signed 64-bit
/// integer to a float in one instruction but an unsigned one in about
/// six, and these conversions run at every arrival and departure. A count
/// of things in memory never exceeds `isize::MAX`, so going through `i64`
/// gives exactly the value `n as f64` does.
#[inline(always)]
pub(crate) fn count_f64(n: usize) -> f64 {
    debug_assert!(n <= isize::MAX as usize);
    n as i64 as f64
}

/// What happened to a job that arrived at an FCFS resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// A server was free: the job is in service now.
    Started,
    /// All servers busy: the job waits in the queue.
    Queued,
    /// All servers busy and the queue full: the job is turned away.
    Rejected,
}

/// `servers` identical servers taking jobs first come, first served.
#[derive(Clone, Debug)]
pub struct Fcfs<J> {
    servers: u32,
    busy: u32,
    queue: VecDeque<(J, f64)>,
    queue_limit: Option<usize>,
    busy_level: TimeWeighted,
    queue_level: TimeWeighted,
    rejected: u64,
}

impl<J> Fcfs<J> {
    /// `servers` servers (at least one) and at most `queue_limit` waiting jobs
    /// (`None`: unlimited; `Some(0)`: a loss system such as M/M/c/c).
    pub fn new(servers: u32, queue_limit: Option<usize>) -> Self {
        assert!(servers > 0, "an FCFS resource needs at least one server");
        Fcfs {
            servers,
            busy: 0,
            queue: VecDeque::with_capacity(64),
            queue_limit,
            busy_level: TimeWeighted::new(),
            queue_level: TimeWeighted::new(),
            rejected: 0,
        }
    }

    /// A job arrives at `now`.
    #[inline]
    pub fn arrive(&mut self, now: f64, job: J) -> Admission {
        if self.busy < self.servers {
            self.busy += 1;
            self.busy_level.set(now, self.busy as f64);
            Admission::Started
        } else if self.queue_limit.is_some_and(|l| self.queue.len() >= l) {
            self.rejected += 1;
            Admission::Rejected
        } else {
            self.queue.push_back((job, now));
            self.queue_level.set(now, count_f64(self.queue.len()));
            Admission::Queued
        }
    }

    /// A job in service finishes at `now`. Returns the waiting job that takes
    /// the freed server, with the time it joined the queue.
    #[inline]
    pub fn release(&mut self, now: f64) -> Option<(J, f64)> {
        debug_assert!(self.busy > 0, "release with no job in service");
        match self.queue.pop_front() {
            Some(next) => {
                self.queue_level.set(now, count_f64(self.queue.len()));
                Some(next)
            }
            None => {
                self.busy -= 1;
                self.busy_level.set(now, self.busy as f64);
                None
            }
        }
    }

    /// True when an arrival now would be rejected: every server busy and
    /// the queue at its limit.
    #[inline]
    pub fn is_full(&self) -> bool {
        self.busy >= self.servers && self.queue_limit.is_some_and(|l| self.queue.len() >= l)
    }

    /// Removes a waiting job (it gave up, or its request timed out).
    /// Returns false if it was not waiting.
    pub fn withdraw(&mut self, now: f64, matches: impl Fn(&J) -> bool) -> bool {
        match self.queue.iter().position(|(j, _)| matches(j)) {
            Some(i) => {
                self.queue.remove(i);
                self.queue_level.set(now, count_f64(self.queue.len()));
                true
            }
            None => false,
        }
    }

    /// Empties the resource at `now` (the machine failed): every job in
    /// service or waiting is dropped; statistics keep running.
    pub fn clear(&mut self, now: f64) {
        self.busy = 0;
        self.queue.clear();
        self.busy_level.set(now, 0.0);
        self.queue_level.set(now, 0.0);
    }

    /// Servers in service now.
    pub fn busy(&self) -> u32 {
        self.busy
    }

    /// Number of servers.
    pub fn servers(&self) -> u32 {
        self.servers
    }

    /// Jobs waiting now.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Jobs turned away since the last reset.
    pub fn rejected(&self) -> u64 {
        self.rejected
    }

    /// Mean fraction of servers busy since the last reset.
    pub fn utilization(&self, now: f64) -> f64 {
        self.busy_level.mean(now) / self.servers as f64
    }

    /// Mean number of waiting jobs since the last reset.
    pub fn mean_queue(&self, now: f64) -> f64 {
        self.queue_level.mean(now)
    }

    /// Mean number of jobs present (waiting or in service) since the last reset.
    pub fn mean_in_system(&self, now: f64) -> f64 {
        self.busy_level.mean(now) + self.queue_level.mean(now)
    }

    /// Since the last reset, up to `now`: the integral of the fraction of
    /// servers busy and of the number waiting. Their differences between
    /// two instants, over the interval's length, are the utilization and
    /// mean queue of that interval (what a timeline window reports).
    #[inline]
    pub fn integrals(&self, now: f64) -> (f64, f64) {
        (
            self.busy_level.area(now) / self.servers as f64,
            self.queue_level.area(now),
        )
    }

    /// Since the last reset, up to `now`: the integral of the number
    /// waiting (jobs × seconds). Its difference between two instants is
    /// the waiting done in between.
    #[inline]
    pub fn queue_area(&self, now: f64) -> f64 {
        self.queue_level.area(now)
    }

    /// Restarts the statistics at `now` (warm-up deletion), keeping the state.
    pub fn reset_stats(&mut self, now: f64) {
        self.busy_level.reset(now);
        self.queue_level.reset(now);
        self.rejected = 0;
    }
}

/// A job in a processor-sharing resource, ordered by its virtual finish tag.
#[derive(Clone, Copy, Debug)]
struct Tagged<J> {
    finish: f64,
    seq: u64,
    job: J,
}

impl<J> PartialEq for Tagged<J> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl<J> Eq for Tagged<J> {}
impl<J> PartialOrd for Tagged<J> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<J> Ord for Tagged<J> {
    // Reversed: `BinaryHeap` is a max-heap and we want the smallest tag.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .finish
            .total_cmp(&self.finish)
            .then(other.seq.cmp(&self.seq))
    }
}

/// Beyond this many jobs a processor-sharing resource keeps them in a heap.
const PS_TO_HEAP: usize = 32;
/// Below this many jobs it keeps them in a sorted vector again.
const PS_TO_SORTED: usize = 8;

/// The jobs of a processor-sharing resource by finish tag, the first to
/// finish on top. A machine usually holds a few: they sit in a vector
/// sorted last-to-finish first, so the next to finish is popped off the end
/// and a newcomer slides in from the end. A saturated one may hold
/// thousands: beyond `PS_TO_HEAP` they move to a binary heap, and back below
/// `PS_TO_SORTED`. Either way the jobs come out in the same order (tags are
/// unique), and the vector's buffer moves between the two, so switching
/// allocates nothing once grown.
#[derive(Clone, Debug)]
struct Jobs<J> {
    /// Sorted by `Tagged`'s order (reversed: the first to finish last).
    sorted: Vec<Tagged<J>>,
    heap: BinaryHeap<Tagged<J>>,
    heap_mode: bool,
}

impl<J: Copy> Jobs<J> {
    fn with_capacity(n: usize) -> Self {
        Jobs {
            sorted: Vec::with_capacity(n),
            heap: BinaryHeap::new(),
            heap_mode: false,
        }
    }

    #[inline]
    fn len(&self) -> usize {
        if self.heap_mode {
            self.heap.len()
        } else {
            self.sorted.len()
        }
    }

    #[inline]
    fn peek(&self) -> Option<&Tagged<J>> {
        if self.heap_mode {
            self.heap.peek()
        } else {
            self.sorted.last()
        }
    }

    #[inline(always)]
    fn push(&mut self, t: Tagged<J>) {
        if self.heap_mode || self.sorted.len() >= PS_TO_HEAP {
            self.push_on_heap(t);
            return;
        }
        // Slide it in from the end, past the jobs finishing before it: a
        // job with the same tag arrived before it (a lower `seq`), so the
        // tags decide, compared by their bits: tags are never negative (the
        // virtual clock starts at +0 and work is at least +0), and the bits
        // of non-negative floats sort like the floats.
        let bits = t.finish.to_bits();
        let mut pos = self.sorted.len();
        self.sorted.push(t);
        let v = &mut self.sorted[..];
        while pos > 0 && v[pos - 1].finish.to_bits() <= bits {
            v[pos] = v[pos - 1];
            pos -= 1;
        }
        v[pos] = t;
    }

    /// Pushes `t` on the heap, the sorted vector first becoming one if it
    /// is still in use (beyond `PS_TO_HEAP` jobs): a saturated machine's
    /// way, out of line (as `pop_from_heap`) so that the copies of `push`
    /// and `pop` inlined into the model hold only the usual way.
    #[cold]
    #[inline(never)]
    fn push_on_heap(&mut self, t: Tagged<J>) {
        if !self.heap_mode {
            self.heap = BinaryHeap::from(std::mem::take(&mut self.sorted));
            self.heap_mode = true;
        }
        self.heap.push(t);
    }

    #[inline]
    fn pop(&mut self) -> Option<Tagged<J>> {
        if !self.heap_mode {
            return self.sorted.pop();
        }
        self.pop_from_heap()
    }

    /// `pop` on the heap, and back to the sorted vector below
    /// `PS_TO_SORTED` jobs.
    #[cold]
    #[inline(never)]
    fn pop_from_heap(&mut self) -> Option<Tagged<J>> {
        let t = self.heap.pop();
        if self.heap.len() < PS_TO_SORTED {
            self.become_sorted();
        }
        t
    }

    #[cold]
    fn become_sorted(&mut self) {
        self.sorted = std::mem::take(&mut self.heap).into_sorted_vec();
        self.heap_mode = false;
    }

    fn retain(&mut self, keep: impl FnMut(&Tagged<J>) -> bool) {
        if self.heap_mode {
            self.heap.retain(keep);
        } else {
            self.sorted.retain(keep);
        }
    }
}

/// `cores` cores shared by all present jobs: with n jobs each receives
/// min(1, cores/n) of a core.
///
/// Virtual-time bookkeeping: `virtual_time` is the service every present job
/// has received since the resource was created. A job needing `work` that
/// arrives at virtual time V finishes when the virtual time reaches
/// V + work, whatever happens in between, so jobs are kept ordered by that
/// tag (`Jobs`: a short sorted vector, or a heap when there are many).
///
/// The number of jobs present and the share of a core each receives are
/// kept beside the jobs, updated as they change: an arrival or completion
/// reads them several times (advancing the virtual clock, the levels, the
/// next departure), and `Jobs::len` has to ask which layout is in use.
#[derive(Clone, Debug)]
pub struct ProcessorSharing<J> {
    cores: f64,
    jobs: Jobs<J>,
    /// `jobs.len()`.
    present: usize,
    /// min(1, cores / present): the share of a core each job receives.
    rate: f64,
    virtual_time: f64,
    last_update: f64,
    next_seq: u64,
    /// Busy cores (`BUSY`) and jobs present (`JOBS`) over time: they change
    /// together, so one pair keeps them.
    levels: TimeWeightedPair,
}

/// Indexes of `ProcessorSharing::levels`.
const BUSY: usize = 0;
const JOBS: usize = 1;

impl<J: Copy> ProcessorSharing<J> {
    /// A resource with `cores` cores (positive; fractional cores allowed).
    pub fn new(cores: f64) -> Self {
        assert!(cores > 0.0, "a processor-sharing resource needs cores > 0");
        ProcessorSharing {
            cores,
            jobs: Jobs::with_capacity(64),
            present: 0,
            rate: 1.0,
            virtual_time: 0.0,
            last_update: 0.0,
            next_seq: 0,
            levels: TimeWeightedPair::new(),
        }
    }

    /// Sets `present` to `n` jobs and the rate to match.
    #[inline]
    fn set_present(&mut self, n: usize) {
        self.present = n;
        // Branch-free: with no more jobs than cores (n = 0 included) the
        // quotient is at least 1.
        self.rate = (self.cores / count_f64(n)).min(1.0);
    }

    #[inline]
    fn advance(&mut self, now: f64) {
        if self.present > 0 {
            self.virtual_time += (now - self.last_update) * self.rate;
        }
        self.last_update = now;
    }

    #[inline]
    fn record_levels(&mut self, now: f64) {
        let n = count_f64(self.present);
        self.levels.set(now, [n.min(self.cores), n]);
    }

    /// A job needing `work` seconds of one core arrives at `now`.
    #[inline(always)]
    pub fn arrive(&mut self, now: f64, job: J, work: f64) {
        self.advance(now);
        let seq = self.next_seq;
        self.next_seq += 1;
        let finish = self.virtual_time + work.max(0.0);
        debug_assert!(finish.is_sign_positive(), "finish tag {finish}");
        self.jobs.push(Tagged { finish, seq, job });
        self.set_present(self.present + 1);
        self.record_levels(now);
    }

    /// Real time at which the next job completes if nothing else arrives.
    #[inline]
    pub fn next_completion(&self) -> Option<f64> {
        // `arrive` and `complete` bring the virtual clock up to date, so it
        // is exact as of `last_update`.
        self.next_departure().map(|(t, _)| t)
    }

    /// The job that completes first if nothing else arrives.
    #[inline]
    pub fn next_job(&self) -> Option<J> {
        self.jobs.peek().map(|t| t.job)
    }

    /// As [`next_completion`](Self::next_completion), with the job that
    /// completes then.
    #[inline]
    pub fn next_departure(&self) -> Option<(f64, J)> {
        self.jobs.peek().map(|t| {
            let at = self.last_update + (t.finish - self.virtual_time).max(0.0) / self.rate;
            (at, t.job)
        })
    }

    /// The job with the earliest finish completes at `now` (the time
    /// `next_completion` gave). Returns it.
    #[inline(always)]
    pub fn complete(&mut self, now: f64) -> Option<J> {
        self.advance(now);
        let done = self.jobs.pop()?;
        self.set_present(self.present - 1);
        // Rounding may leave the clock a hair short of the tag.
        if done.finish > self.virtual_time {
            self.virtual_time = done.finish;
        }
        self.record_levels(now);
        Some(done.job)
    }

    /// Removes every job (the machine failed). Returns them in finish order.
    pub fn drain(&mut self, now: f64, mut each: impl FnMut(J)) {
        self.advance(now);
        while let Some(t) = self.jobs.pop() {
            each(t.job);
        }
        self.set_present(0);
        self.record_levels(now);
    }

    /// Removes at `now` the present job `matches` picks (it was
    /// cancelled), forgetting its remaining work; the others speed up.
    /// Returns false if none matches. O(n): for rare cancellations.
    pub fn remove(&mut self, now: f64, matches: impl Fn(&J) -> bool) -> bool {
        self.advance(now);
        let before = self.jobs.len();
        self.jobs.retain(|t| !matches(&t.job));
        let removed = self.jobs.len() < before;
        if removed {
            self.set_present(self.jobs.len());
            self.record_levels(now);
        }
        removed
    }

    /// Jobs present now.
    #[inline]
    pub fn len(&self) -> usize {
        self.present
    }

    /// True with no job present.
    pub fn is_empty(&self) -> bool {
        self.present == 0
    }

    /// Number of cores.
    pub fn cores(&self) -> f64 {
        self.cores
    }

    /// Mean fraction of the cores busy since the last reset.
    pub fn utilization(&self, now: f64) -> f64 {
        self.levels.mean(BUSY, now) / self.cores
    }

    /// Mean number of jobs present since the last reset.
    pub fn mean_in_system(&self, now: f64) -> f64 {
        self.levels.mean(JOBS, now)
    }

    /// Mean number of jobs beyond the cores (waiting for a full core).
    pub fn mean_queue(&self, now: f64) -> f64 {
        (self.levels.mean(JOBS, now) - self.levels.mean(BUSY, now)).max(0.0)
    }

    /// Since the last reset, up to `now`: the integral of the fraction of
    /// the cores busy and of the jobs beyond the cores (see
    /// [`Fcfs::integrals`]).
    #[inline]
    pub fn integrals(&self, now: f64) -> (f64, f64) {
        let busy = self.levels.area(BUSY, now);
        (
            busy / self.cores,
            (self.levels.area(JOBS, now) - busy).max(0.0),
        )
    }

    /// Restarts the statistics at `now` (warm-up deletion), keeping the state.
    pub fn reset_stats(&mut self, now: f64) {
        self.levels.reset(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fcfs_serves_in_order_and_rejects_beyond_the_queue() {
        let mut r = Fcfs::new(1, Some(2));
        assert_eq!(r.arrive(0.0, 'a'), Admission::Started);
        assert_eq!(r.arrive(0.0, 'b'), Admission::Queued);
        assert_eq!(r.arrive(0.0, 'c'), Admission::Queued);
        assert_eq!(r.arrive(0.0, 'd'), Admission::Rejected);
        assert_eq!(r.release(1.0), Some(('b', 0.0)));
        assert!(r.withdraw(1.5, |&j| j == 'c'));
        assert_eq!(r.release(2.0), None);
        assert_eq!(r.busy(), 0);
        assert_eq!(r.rejected(), 1);
        // Busy over [0,2) out of [0,4).
        assert!((r.utilization(4.0) - 0.5).abs() < 1e-12);
        // Queue: 2 over [0,1), 1 over [1,1.5) -> 2.5 / 4.
        assert!((r.mean_queue(4.0) - 2.5 / 4.0).abs() < 1e-12);
    }

    #[test]
    fn ps_shares_one_core_equally() {
        let mut r = ProcessorSharing::new(1.0);
        r.arrive(0.0, 1, 1.0);
        r.arrive(0.0, 2, 2.0);
        // Both at half speed: job 1 done at t=2, then job 2 alone: 1 left, done at 3.
        assert!((r.next_completion().unwrap() - 2.0).abs() < 1e-12);
        assert_eq!(r.complete(2.0), Some(1));
        assert!((r.next_completion().unwrap() - 3.0).abs() < 1e-12);
        assert_eq!(r.complete(3.0), Some(2));
        assert!(r.is_empty());
        assert!((r.utilization(4.0) - 0.75).abs() < 1e-12);
    }

    #[test]
    fn ps_gives_each_job_a_full_core_while_cores_suffice() {
        let mut r = ProcessorSharing::new(2.0);
        r.arrive(0.0, 'a', 1.0);
        r.arrive(0.5, 'b', 1.0);
        assert!((r.next_completion().unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(r.complete(1.0), Some('a'));
        // A third job while one remains: still a full core each.
        r.arrive(1.0, 'c', 0.25);
        assert!((r.next_completion().unwrap() - 1.25).abs() < 1e-12);
        assert_eq!(r.complete(1.25), Some('c'));
        assert!((r.next_completion().unwrap() - 1.5).abs() < 1e-12);
    }

    #[test]
    fn ps_with_more_jobs_than_cores_slows_everyone() {
        let mut r = ProcessorSharing::new(2.0);
        for j in 0..4 {
            r.arrive(0.0, j, 1.0);
        }
        // Rate 2/4 each: all finish at t = 2.
        assert!((r.next_completion().unwrap() - 2.0).abs() < 1e-12);
        for _ in 0..4 {
            let t = r.next_completion().unwrap();
            assert!((t - 2.0).abs() < 1e-9);
            r.complete(t);
        }
    }

    #[test]
    fn ps_removing_a_job_speeds_up_the_others() {
        let mut r = ProcessorSharing::new(1.0);
        r.arrive(0.0, 'a', 1.0);
        r.arrive(0.0, 'b', 1.0);
        // Half a core each: at t = 1 each has 0.5 left; alone, b needs 0.5.
        assert!(r.remove(1.0, |&j| j == 'a'));
        assert!(!r.remove(1.0, |&j| j == 'a'));
        assert_eq!(r.len(), 1);
        assert!((r.next_completion().unwrap() - 1.5).abs() < 1e-12);
        assert_eq!(r.complete(1.5), Some('b'));
        // Busy all along: one core for 1.5 s.
        assert!((r.utilization(1.5) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn ps_finishes_jobs_in_tag_order_as_they_grow_into_a_heap_and_back() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
        let mut r = ProcessorSharing::new(2.0);
        // (finish tag, arrival order, job), as the resource tags them.
        let mut reference: Vec<(f64, u64, u32)> = Vec::new();
        let mut now = 0.0;
        let mut seq = 0;
        let mut filling = true;
        for step in 0..20_000u32 {
            if reference.len() >= 100 {
                filling = false;
            } else if reference.is_empty() {
                filling = true;
            }
            let arrive = if filling { 0.6 } else { 0.3 };
            if reference.is_empty() || rng.random::<f64>() < arrive {
                now += rng.random::<f64>() * 0.1;
                // Coarse works so that equal tags are common.
                let work = (rng.random::<f64>() * 4.0).floor();
                r.arrive(now, step, work);
                reference.push((r.virtual_time + work, seq, step));
                seq += 1;
            } else {
                let first = reference
                    .iter()
                    .enumerate()
                    .min_by(|a, b| a.1.0.total_cmp(&b.1.0).then(a.1.1.cmp(&b.1.1)))
                    .map(|(i, _)| i)
                    .unwrap();
                let expected = reference.remove(first).2;
                assert_eq!(r.next_job(), Some(expected));
                now = now.max(r.next_completion().unwrap());
                assert_eq!(r.complete(now), Some(expected));
            }
            assert_eq!(r.len(), reference.len());
        }
    }
}
