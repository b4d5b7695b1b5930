//! The event calendar: pending events ordered by (time, insertion sequence).
//!
//! Why this file exists: every simulation in o11sim is driven by one calendar,
//! and its ordering rule is what makes runs deterministic. Two events at the
//! same instant come out in the order they were scheduled.
//!
//! Layout: 16-byte records, each one `u128` key packing the time's bits
//! (times are non-negative finite `f64`, whose bit patterns sort like the
//! numbers), a 32-bit sequence number and the event's slot, so a comparison
//! is one 128-bit compare; a slot table holds each event's payload and the
//! sequence number of its record. The records are kept in one of two ways,
//! whichever suits the number pending (the order events come out in depends
//! only on their keys, never on the layout):
//!
//! - few (a model's usual dozens): a vector sorted latest first, so the
//!   earliest is popped off the end, and a new event, usually due soon,
//!   is slid in a few places from the end; a cancel takes its record out;
//! - many (beyond `TO_HEAP`, until they fall below `TO_SORTED`): a 4-ary
//!   min-heap, where cancelling is lazy: the slot is freed and the record
//!   left in the heap, recognised as stale (its sequence number no longer
//!   matches its slot's) and skipped when it reaches the top; the top
//!   record is always live. Stale records are swept out when they outnumber
//!   the live ones, so memory stays proportional to the pending events.
//!
//! When the 32-bit sequence numbers run out, the pending events are
//! renumbered in order, which keeps the ordering exact however long a run.
//! Slots are recycled through a free list: once the calendar has grown to its
//! working size, scheduling and popping allocate nothing.

/// Handle to a scheduled event, used to cancel it.
///
/// A handle stays safe to use after its event fired or was cancelled: the
/// generation check makes a stale cancel a no-op that returns `false`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EventId {
    slot: u32,
    generation: u32,
}

/// A heap record: time bits (high 64), sequence number, slot (low 32).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct HeapEntry(u128);

impl HeapEntry {
    #[inline]
    fn new(time: f64, seq: u32, slot: u32) -> Self {
        HeapEntry(((time.to_bits() as u128) << 64) | ((seq as u128) << 32) | slot as u128)
    }

    #[inline]
    fn time(self) -> f64 {
        f64::from_bits(self.time_bits())
    }

    #[inline]
    fn time_bits(self) -> u64 {
        (self.0 >> 64) as u64
    }

    #[inline]
    fn seq(self) -> u32 {
        (self.0 >> 32) as u32
    }

    #[inline]
    fn slot(self) -> u32 {
        self.0 as u32
    }
}

/// The sequence number of a free slot: no heap record carries it.
const NO_SEQ: u32 = u32::MAX;

struct Slot<E> {
    event: Option<E>,
    /// Sequence number of the slot's pending event (`NO_SEQ` when free): a
    /// heap record for this slot with another number is stale.
    seq: u32,
    generation: u32,
}

const ARITY: usize = 4;

/// Beyond this many records the sorted vector becomes a heap.
const TO_HEAP: usize = 192;
/// Below this many pending events the heap becomes a sorted vector again.
const TO_SORTED: usize = 48;

/// Pending events of one simulation run, earliest first.
pub struct Calendar<E> {
    /// The records: sorted latest first, or a heap (`heap_mode`).
    heap: Vec<HeapEntry>,
    heap_mode: bool,
    slots: Vec<Slot<E>>,
    free: Vec<u32>,
    /// Heap records of cancelled events not yet swept out.
    stale: usize,
    next_seq: u32,
    /// Sequence numbers run from 0 to below this before a renumbering
    /// (`NO_SEQ`; lower in tests, to exercise the renumbering).
    seq_limit: u32,
    now: f64,
}

impl<E> Default for Calendar<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> Calendar<E> {
    /// An empty calendar with the clock at zero.
    pub fn new() -> Self {
        Self::with_capacity(64)
    }

    /// An empty calendar sized for about `n` pending events.
    pub fn with_capacity(n: usize) -> Self {
        Calendar {
            heap: Vec::with_capacity(n),
            heap_mode: false,
            slots: Vec::with_capacity(n),
            free: Vec::with_capacity(n),
            stale: 0,
            next_seq: 0,
            seq_limit: NO_SEQ,
            now: 0.0,
        }
    }

    /// The simulation clock: the time of the last event popped.
    #[inline]
    pub fn now(&self) -> f64 {
        self.now
    }

    /// Number of pending events.
    #[inline]
    pub fn len(&self) -> usize {
        self.heap.len() - self.stale
    }

    /// True when no event is pending.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Time of the earliest pending event.
    #[inline]
    pub fn peek_time(&self) -> Option<f64> {
        // The top record is never stale.
        if self.heap_mode {
            self.heap.first().map(|e| e.time())
        } else {
            self.heap.last().map(|e| e.time())
        }
    }

    /// Schedules `event` at absolute time `time`.
    ///
    /// # Panics
    /// In debug builds, if `time` is before the clock or not finite: both are
    /// programming errors in a model, never the result of user input.
    // Always inlined: called about ten times per simulated request, and a
    // call's register saves and the event passed through memory cost
    // about as much as the work on the usual short vector.
    #[inline(always)]
    pub fn schedule_at(&mut self, time: f64, event: E) -> EventId {
        self.schedule::<false>(time, event)
    }

    /// The same as [`schedule_at`](Self::schedule_at), for an event
    /// probably due after most of those pending, such as the end of a
    /// network delay (a constant one puts each request's event behind
    /// those of the requests and machines ahead of it): it slides into the
    /// sorted vector four records at a time while it can, one comparison
    /// and one 64-byte move instead of four of each. Where it lands, and so
    /// the order of events, is exactly as with `schedule_at`; only the
    /// work differs, which is why it is a separate call: an event due
    /// soon would pay for the four-at-a-time test without using it.
    #[inline(always)]
    pub fn schedule_late(&mut self, time: f64, event: E) -> EventId {
        self.schedule::<true>(time, event)
    }

    /// `schedule_at` (`LATE` false) or `schedule_late` (`LATE` true).
    #[inline(always)]
    fn schedule<const LATE: bool>(&mut self, time: f64, event: E) -> EventId {
        let time = self.due_time(time);
        if self.next_seq >= self.seq_limit {
            self.renumber();
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        let (slot, generation) = match self.free.pop() {
            Some(s) => {
                let sl = &mut self.slots[s as usize];
                sl.event = Some(event);
                sl.seq = seq;
                (s, sl.generation)
            }
            None => (self.new_slot(event, seq), 0),
        };
        let entry = HeapEntry::new(time, seq, slot);
        let pos = self.heap.len();
        // One test of the layout on the usual way (a short sorted vector).
        if !self.heap_mode && pos < TO_HEAP {
            self.heap.push(entry);
            if LATE {
                self.slide_in_late(pos, entry);
            } else {
                self.slide_in(pos, entry);
            }
        } else {
            self.push_on_heap(entry);
        }
        EventId { slot, generation }
    }

    /// A new slot holding `event` (no free one to reuse): only while the
    /// calendar grows to its working size. Out of line, like
    /// [`push_on_heap`](Self::push_on_heap), so that the copies of
    /// `schedule_at` inlined at every call site hold only the usual way.
    #[cold]
    #[inline(never)]
    fn new_slot(&mut self, event: E, seq: u32) -> u32 {
        let s = self.slots.len() as u32;
        self.slots.push(Slot {
            event: Some(event),
            seq,
            generation: 0,
        });
        s
    }

    /// Pushes `entry` on the heap, the vector first becoming one if it is
    /// still sorted (beyond `TO_HEAP` records): the uncommon layout.
    #[cold]
    #[inline(never)]
    fn push_on_heap(&mut self, entry: HeapEntry) {
        if !self.heap_mode {
            self.become_heap();
        }
        let pos = self.heap.len();
        self.heap.push(entry);
        self.sift_up(pos, entry);
    }

    /// The time an event asked for at `time` is recorded at: checked in
    /// debug builds (finite, not before the clock: a model's programming
    /// error, never user input), and clamped to the clock so the
    /// bit-pattern ordering stays valid even for -0.0 or a rounding error a
    /// hair before `now`.
    #[inline(always)]
    fn due_time(&self, time: f64) -> f64 {
        debug_assert!(time.is_finite(), "event time must be finite, got {time}");
        debug_assert!(
            time >= self.now,
            "event at {time} is before now {}",
            self.now
        );
        if time >= self.now { time } else { self.now }
    }

    /// Places `entry`, just pushed at `pos` (the end) of the sorted vector,
    /// where it belongs: past the records due before it, from the end. A
    /// record due at the same time was scheduled before it (every pending
    /// sequence number is below the newcomer's), so the times decide.
    #[inline(always)]
    fn slide_in(&mut self, mut pos: usize, entry: HeapEntry) {
        let bits = entry.time_bits();
        let v = &mut self.heap[..];
        while pos > 0 && v[pos - 1].time_bits() <= bits {
            v[pos] = v[pos - 1];
            pos -= 1;
        }
        v[pos] = entry;
    }

    /// As [`slide_in`](Self::slide_in), four records at a time while the
    /// fourth from the hole is due no later than `entry` (the three after
    /// it, due no later still, then are too: the vector is sorted latest
    /// first), then one at a time: the same place, found with fewer
    /// comparisons and moves when it is far from the end.
    #[inline(always)]
    fn slide_in_late(&mut self, mut pos: usize, entry: HeapEntry) {
        let bits = entry.time_bits();
        let v = &mut self.heap[..];
        while pos >= 4 && v[pos - 4].time_bits() <= bits {
            v[pos - 4..=pos].copy_within(0..4, 1);
            pos -= 4;
        }
        // On the prefix up to the hole, so the single steps need no
        // bounds checks.
        let v = &mut v[..=pos];
        while pos > 0 && v[pos - 1].time_bits() <= bits {
            v[pos] = v[pos - 1];
            pos -= 1;
        }
        v[pos] = entry;
    }

    /// Replaces the record at `at` of the sorted vector with `entry` (its
    /// new time and sequence number) and moves it, in place, to where it
    /// belongs: towards the end past the records due strictly later, or
    /// towards the front past the records due at or before it (as
    /// [`slide_in`](Self::slide_in) places a new record: its sequence
    /// number is the highest pending).
    #[inline(always)]
    fn move_to_place(&mut self, at: usize, entry: HeapEntry) {
        let bits = entry.time_bits();
        let v = &mut self.heap[..];
        let mut pos = at;
        while pos + 1 < v.len() && v[pos + 1].time_bits() > bits {
            v[pos] = v[pos + 1];
            pos += 1;
        }
        if pos == at {
            while pos > 0 && v[pos - 1].time_bits() <= bits {
                v[pos] = v[pos - 1];
                pos -= 1;
            }
        }
        v[pos] = entry;
    }

    /// Cancels `id` (if it is pending) and schedules `event` at `time`: the
    /// same as [`cancel`](Self::cancel) then
    /// [`schedule_at`](Self::schedule_at), handle included, in one step.
    // Always inlined, like `schedule_at`: a processor-sharing station
    // moves its pending completion on about every second arrival. The
    // uncommon cases (nothing pending, the heap, renumbering) take the
    // out-of-line way round.
    #[inline(always)]
    pub fn reschedule(&mut self, id: EventId, time: f64, event: E) -> EventId {
        let pending = self
            .slots
            .get(id.slot as usize)
            .is_some_and(|s| s.generation == id.generation && s.event.is_some());
        if !pending || self.heap_mode || self.next_seq >= self.seq_limit {
            return self.cancel_and_schedule(id, time, event);
        }
        let time = self.due_time(time);
        let seq = self.next_seq;
        self.next_seq += 1;
        // The slot a cancel would free is the one the schedule would take.
        let sl = &mut self.slots[id.slot as usize];
        let old = ((sl.seq as u64) << 32) | id.slot as u64;
        sl.generation = sl.generation.wrapping_add(1);
        sl.seq = seq;
        sl.event = Some(event);
        let generation = sl.generation;
        let at = self
            .heap
            .iter()
            .rposition(|e| e.0 as u64 == old)
            .expect("a pending event has its record");
        self.move_to_place(at, HeapEntry::new(time, seq, id.slot));
        EventId {
            slot: id.slot,
            generation,
        }
    }

    /// `reschedule` in two steps.
    #[cold]
    #[inline(never)]
    fn cancel_and_schedule(&mut self, id: EventId, time: f64, event: E) -> EventId {
        self.cancel(id);
        self.schedule_at(time, event)
    }

    /// Schedules `event` after `delay` from now.
    #[inline]
    pub fn schedule_in(&mut self, delay: f64, event: E) -> EventId {
        self.schedule_at(self.now + delay, event)
    }

    /// Removes the earliest event, advances the clock to its time and returns it.
    #[inline]
    pub fn pop(&mut self) -> Option<(f64, E)> {
        let top = if self.heap_mode {
            let top = *self.heap.first()?;
            self.remove_top();
            self.skip_stale();
            if self.len() < TO_SORTED {
                self.become_sorted();
            }
            top
        } else {
            self.heap.pop()?
        };
        let time = top.time();
        self.now = time;
        let event = self.release(top.slot());
        Some((time, event))
    }

    /// Cancels a pending event. Returns false if it already fired or was
    /// cancelled before.
    pub fn cancel(&mut self, id: EventId) -> bool {
        let Some(slot) = self.slots.get(id.slot as usize) else {
            return false;
        };
        if slot.generation != id.generation || slot.event.is_none() {
            return false;
        }
        let seq = slot.seq;
        drop(self.release(id.slot));
        if !self.heap_mode {
            let tag = ((seq as u64) << 32) | id.slot as u64;
            let v = &mut self.heap;
            let pos = v
                .iter()
                .rposition(|e| e.0 as u64 == tag)
                .expect("a pending event has its record");
            v.remove(pos);
            return true;
        }
        // Its heap record stays, stale, until it reaches the top or a sweep.
        self.stale += 1;
        if self.len() < TO_SORTED {
            self.become_sorted();
        } else if self.stale > self.heap.len() / 2 {
            self.sweep();
        } else {
            self.skip_stale();
        }
        true
    }

    /// Drops every pending event and resets the clock, keeping the memory.
    pub fn clear(&mut self) {
        for e in self.heap.drain(..) {
            let sl = &mut self.slots[e.slot() as usize];
            if sl.seq == e.seq() {
                sl.event = None;
                sl.seq = NO_SEQ;
                sl.generation = sl.generation.wrapping_add(1);
                self.free.push(e.slot());
            }
        }
        self.stale = 0;
        self.heap_mode = false;
        self.now = 0.0;
        self.next_seq = 0;
    }

    /// The sorted vector (latest first) becomes a heap: reversed, it is
    /// sorted earliest first, which is a heap.
    #[cold]
    fn become_heap(&mut self) {
        self.heap.reverse();
        self.heap_mode = true;
    }

    /// The heap becomes a vector sorted latest first, without its stale
    /// records.
    #[cold]
    fn become_sorted(&mut self) {
        let slots = &self.slots;
        self.heap
            .retain(|e| slots[e.slot() as usize].seq == e.seq());
        self.stale = 0;
        self.heap.sort_unstable_by(|a, b| b.cmp(a));
        self.heap_mode = false;
    }

    #[inline]
    fn is_live(&self, e: HeapEntry) -> bool {
        self.slots[e.slot() as usize].seq == e.seq()
    }

    #[inline]
    fn release(&mut self, slot: u32) -> E {
        let sl = &mut self.slots[slot as usize];
        sl.generation = sl.generation.wrapping_add(1);
        sl.seq = NO_SEQ;
        self.free.push(slot);
        sl.event.take().expect("calendar slot holds its event")
    }

    /// Takes the top record out, filling its place with the last record
    /// moved down to where it belongs.
    #[inline]
    fn remove_top(&mut self) {
        let last = self.heap.pop().expect("the heap has its top");
        if !self.heap.is_empty() {
            self.sift_down(0, last);
        }
    }

    /// Takes stale records off the top, so the top is live.
    #[inline]
    fn skip_stale(&mut self) {
        while let Some(&top) = self.heap.first() {
            if self.is_live(top) {
                break;
            }
            self.remove_top();
            self.stale -= 1;
        }
    }

    /// Drops every stale record and rebuilds the heap from the live ones.
    /// The order the events come out in depends only on their keys, never
    /// on the heap's layout.
    fn sweep(&mut self) {
        let slots = &self.slots;
        self.heap
            .retain(|e| slots[e.slot() as usize].seq == e.seq());
        self.stale = 0;
        let len = self.heap.len();
        if len > 1 {
            for pos in (0..=(len - 2) / ARITY).rev() {
                let entry = self.heap[pos];
                self.sift_down(pos, entry);
            }
        }
    }

    /// Gives the pending events the sequence numbers 0, 1, ... in their
    /// order, so numbering can go on: the order of events is unchanged.
    #[cold]
    fn renumber(&mut self) {
        let slots = &self.slots;
        self.heap
            .retain(|e| slots[e.slot() as usize].seq == e.seq());
        self.stale = 0;
        self.heap.sort_unstable();
        for (i, e) in self.heap.iter_mut().enumerate() {
            let seq = i as u32;
            *e = HeapEntry::new(e.time(), seq, e.slot());
            self.slots[e.slot() as usize].seq = seq;
        }
        // Sorted earliest first, it is a heap; the other layout is the
        // reverse.
        if !self.heap_mode {
            self.heap.reverse();
        }
        self.next_seq = self.heap.len() as u32;
        assert!(
            self.next_seq < self.seq_limit,
            "more pending events than sequence numbers"
        );
    }

    /// Places `entry` at the hole `pos` or above it, moving larger parents
    /// down.
    #[inline]
    fn sift_up(&mut self, mut pos: usize, entry: HeapEntry) {
        let heap = &mut self.heap[..];
        while pos > 0 {
            let parent = (pos - 1) / ARITY;
            let p = heap[parent];
            if p.0 <= entry.0 {
                break;
            }
            heap[pos] = p;
            pos = parent;
        }
        heap[pos] = entry;
    }

    /// Places `entry` at the hole `pos` or below it, moving smaller
    /// children up.
    #[inline]
    fn sift_down(&mut self, mut pos: usize, entry: HeapEntry) {
        let heap = &mut self.heap[..];
        let len = heap.len();
        loop {
            let first = pos * ARITY + 1;
            if first >= len {
                break;
            }
            let children = &heap[first..len.min(first + ARITY)];
            let mut offset = 0;
            let mut child = children[0];
            for (i, &c) in children.iter().enumerate().skip(1) {
                if c.0 < child.0 {
                    offset = i;
                    child = c;
                }
            }
            if child.0 >= entry.0 {
                break;
            }
            heap[pos] = child;
            pos = first + offset;
        }
        heap[pos] = entry;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_then_insertion_order() {
        let mut c = Calendar::new();
        c.schedule_at(2.0, "b");
        c.schedule_at(1.0, "a");
        c.schedule_at(2.0, "c");
        c.schedule_at(0.5, "first");
        c.schedule_at(2.0, "d");
        let order: Vec<_> = std::iter::from_fn(|| c.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ["first", "a", "b", "c", "d"]);
        assert_eq!(c.now(), 2.0);
    }

    #[test]
    fn cancel_removes_only_that_event_and_stale_handles_are_harmless() {
        let mut c = Calendar::new();
        let a = c.schedule_at(1.0, 1);
        let b = c.schedule_at(2.0, 2);
        let _ = c.schedule_at(3.0, 3);
        assert!(c.cancel(b));
        assert!(!c.cancel(b), "second cancel is a no-op");
        assert_eq!(c.pop(), Some((1.0, 1)));
        assert!(!c.cancel(a), "cancel after firing is a no-op");
        // Slot of `a` is reused; the old handle must not cancel the new event.
        let d = c.schedule_at(4.0, 4);
        assert!(!c.cancel(a));
        assert_eq!(c.pop(), Some((3.0, 3)));
        assert!(c.cancel(d));
        assert!(c.pop().is_none());
    }

    /// Runs 20,000 random schedules (a third of them `schedule_late`),
    /// cancels and pops against a sorted reference; `cancel_share` of the
    /// steps cancel, `seq_limit` bounds
    /// the sequence numbers before a renumbering; once `max_pending` events
    /// are pending, it pops and cancels more than it schedules until none
    /// is left, and starts again.
    fn check_against_reference(seed: u64, cancel_share: f64, seq_limit: u32, max_pending: usize) {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut c = Calendar::new();
        c.seq_limit = seq_limit;
        let mut reference: Vec<(f64, u64, u64)> = Vec::new(); // time, seq, payload
        let mut ids = Vec::new();
        let mut seq = 0;
        let mut filling = true;
        for step in 0..20_000u64 {
            if reference.len() >= max_pending {
                filling = false;
            } else if reference.is_empty() {
                filling = true;
            }
            let schedule_share = if filling { 0.5 } else { 0.2 };
            let r: f64 = rng.random();
            if r < schedule_share || reference.is_empty() {
                // Coarse times so that ties are common.
                let t = c.now() + (rng.random::<f64>() * 10.0).floor();
                // Every third through `schedule_late`: the same order.
                let id = if step % 3 == 0 {
                    c.schedule_late(t, step)
                } else {
                    c.schedule_at(t, step)
                };
                reference.push((t, seq, step));
                ids.push((id, step));
                seq += 1;
            } else if r < schedule_share + cancel_share {
                let k = rng.random_range(0..ids.len());
                let (id, payload) = ids.swap_remove(k);
                let was_pending = reference.iter().any(|x| x.2 == payload);
                assert_eq!(c.cancel(id), was_pending);
                reference.retain(|x| x.2 != payload);
            } else {
                reference.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                let expected = reference.remove(0);
                assert_eq!(c.peek_time(), Some(expected.0));
                let got = c.pop().unwrap();
                assert_eq!(got, (expected.0, expected.2));
            }
            assert_eq!(c.len(), reference.len());
            assert!(
                c.heap.len() <= 2 * c.len() + 33,
                "stale records are swept: {} records for {} events",
                c.heap.len(),
                c.len()
            );
        }
    }

    #[test]
    fn matches_a_sorted_reference_under_random_schedule_and_cancel() {
        check_against_reference(7, 0.2, NO_SEQ, usize::MAX);
    }

    #[test]
    fn matches_a_sorted_reference_as_it_grows_into_a_heap_and_back() {
        // Up to 500 pending: sorted, then a heap, then sorted again.
        check_against_reference(11, 0.2, NO_SEQ, 500);
        check_against_reference(12, 0.45, NO_SEQ, 500);
        // Never more than the sorted vector holds.
        check_against_reference(13, 0.2, NO_SEQ, TO_SORTED);
    }

    #[test]
    fn matches_a_sorted_reference_when_most_events_are_cancelled() {
        check_against_reference(8, 0.45, NO_SEQ, usize::MAX);
    }

    #[test]
    fn renumbering_keeps_the_order_of_pending_events() {
        // Sequence numbers run out every few hundred schedules, with
        // up to 300 events pending.
        check_against_reference(9, 0.2, 1000, 300);
        check_against_reference(10, 0.45, 1000, 300);
    }

    #[test]
    fn cancelled_events_do_not_count_and_leave_no_trace_after_clear() {
        let mut c = Calendar::new();
        let ids: Vec<_> = (0..1000).map(|i| c.schedule_at(i as f64, i)).collect();
        for id in &ids[..999] {
            assert!(c.cancel(*id));
        }
        assert_eq!(c.len(), 1);
        assert_eq!(c.peek_time(), Some(999.0));
        assert!(c.heap.len() < 50, "most stale records were swept");
        c.clear();
        assert!(c.is_empty());
        assert_eq!(c.peek_time(), None);
        c.schedule_at(1.0, 7);
        assert_eq!(c.pop(), Some((1.0, 7)));
        assert!(c.pop().is_none());
    }

    #[test]
    fn reschedule_is_a_cancel_then_a_schedule() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
        // One calendar reschedules, the other cancels and schedules; up to
        // 400 pending, so both layouts are used.
        let mut a = Calendar::new();
        let mut b = Calendar::new();
        let mut ids: Vec<(EventId, EventId)> = Vec::new();
        for step in 0..20_000u64 {
            let r: f64 = rng.random();
            let t = a.now() + (rng.random::<f64>() * 10.0).floor();
            if ids.is_empty() || (r < 0.4 && a.len() < 400) {
                ids.push((a.schedule_at(t, step), b.schedule_at(t, step)));
            } else if r < 0.7 {
                // Pending or not (fired, cancelled): the same either way.
                let k = rng.random_range(0..ids.len());
                let (ia, ib) = ids[k];
                let na = a.reschedule(ia, t, step);
                b.cancel(ib);
                let nb = b.schedule_at(t, step);
                assert_eq!(na, nb, "the same handle");
                ids[k] = (na, nb);
            } else {
                assert_eq!(a.pop(), b.pop());
            }
            assert_eq!(a.len(), b.len());
        }
        while let Some(e) = b.pop() {
            assert_eq!(a.pop(), Some(e));
        }
        assert!(a.is_empty());
    }
}
