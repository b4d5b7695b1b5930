//! The event calendar: pending events ordered by (time, insertion sequence).
//!
//! Why this file exists: every simulation in o11sim is driven by one calendar,
//! and its ordering rule is what makes runs deterministic. Two events at the
//! same instant come out in the order they were scheduled.
//!
//! Layout: a 4-ary min-heap of compact `(key, slot)` records, where the key
//! packs the time's bits and the sequence number into one `u128` (times are
//! non-negative finite `f64`, whose bit patterns sort like the numbers), and a
//! slot table holding each event's payload and its current heap position, so a
//! scheduled event can be cancelled in O(log n). Slots are recycled through a
//! free list: once the calendar has grown to its working size, scheduling and
//! popping allocate nothing.

/// Handle to a scheduled event, used to cancel it.
///
/// A handle stays safe to use after its event fired or was cancelled: the
/// generation check makes a stale cancel a no-op that returns `false`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EventId {
    slot: u32,
    generation: u32,
}

#[derive(Clone, Copy)]
struct HeapEntry {
    key: u128,
    slot: u32,
}

struct Slot<E> {
    event: Option<E>,
    heap_pos: u32,
    generation: u32,
}

const ARITY: usize = 4;

/// Pending events of one simulation run, earliest first.
pub struct Calendar<E> {
    heap: Vec<HeapEntry>,
    slots: Vec<Slot<E>>,
    free: Vec<u32>,
    next_seq: u64,
    now: f64,
}

impl<E> Default for Calendar<E> {
    fn default() -> Self {
        Self::new()
    }
}

#[inline]
fn make_key(time: f64, seq: u64) -> u128 {
    ((time.to_bits() as u128) << 64) | seq as u128
}

#[inline]
fn key_time(key: u128) -> f64 {
    f64::from_bits((key >> 64) as u64)
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
            slots: Vec::with_capacity(n),
            free: Vec::with_capacity(n),
            next_seq: 0,
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
        self.heap.len()
    }

    /// True when no event is pending.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Time of the earliest pending event.
    #[inline]
    pub fn peek_time(&self) -> Option<f64> {
        self.heap.first().map(|e| key_time(e.key))
    }

    /// Schedules `event` at absolute time `time`.
    ///
    /// # Panics
    /// In debug builds, if `time` is before the clock or not finite: both are
    /// programming errors in a model, never the result of user input.
    #[inline]
    pub fn schedule_at(&mut self, time: f64, event: E) -> EventId {
        debug_assert!(time.is_finite(), "event time must be finite, got {time}");
        debug_assert!(
            time >= self.now,
            "event at {time} is before now {}",
            self.now
        );
        // Clamp so the bit-pattern ordering stays valid even for -0.0 or a
        // rounding error a hair before `now`.
        let time = if time >= self.now { time } else { self.now };
        let seq = self.next_seq;
        self.next_seq += 1;
        let pos = self.heap.len() as u32;
        let slot = match self.free.pop() {
            Some(s) => {
                let sl = &mut self.slots[s as usize];
                sl.event = Some(event);
                sl.heap_pos = pos;
                s
            }
            None => {
                let s = self.slots.len() as u32;
                self.slots.push(Slot {
                    event: Some(event),
                    heap_pos: pos,
                    generation: 0,
                });
                s
            }
        };
        let entry = HeapEntry {
            key: make_key(time, seq),
            slot,
        };
        self.heap.push(entry);
        self.sift_up(pos as usize, entry);
        EventId {
            slot,
            generation: self.slots[slot as usize].generation,
        }
    }

    /// Schedules `event` after `delay` from now.
    #[inline]
    pub fn schedule_in(&mut self, delay: f64, event: E) -> EventId {
        self.schedule_at(self.now + delay, event)
    }

    /// Removes the earliest event, advances the clock to its time and returns it.
    #[inline]
    pub fn pop(&mut self) -> Option<(f64, E)> {
        let top = *self.heap.first()?;
        let last = self.heap.pop().expect("the heap has its top");
        if !self.heap.is_empty() {
            self.sift_down(0, last);
        }
        let time = key_time(top.key);
        self.now = time;
        let event = self.release(top.slot);
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
        let pos = slot.heap_pos as usize;
        self.remove_at(pos);
        self.release(id.slot);
        true
    }

    /// Drops every pending event and resets the clock, keeping the memory.
    pub fn clear(&mut self) {
        for e in self.heap.drain(..) {
            let sl = &mut self.slots[e.slot as usize];
            sl.event = None;
            sl.generation = sl.generation.wrapping_add(1);
            self.free.push(e.slot);
        }
        self.now = 0.0;
        self.next_seq = 0;
    }

    #[inline]
    fn release(&mut self, slot: u32) -> E {
        let sl = &mut self.slots[slot as usize];
        sl.generation = sl.generation.wrapping_add(1);
        self.free.push(slot);
        sl.event.take().expect("calendar slot holds its event")
    }

    /// Takes the entry at heap position `pos` out, filling the hole with
    /// the last entry moved up or down to where it belongs.
    #[inline]
    fn remove_at(&mut self, pos: usize) {
        let last = self.heap.pop().expect("the heap holds the entry removed");
        if pos == self.heap.len() {
            return;
        }
        if pos > 0 && self.heap[(pos - 1) / ARITY].key > last.key {
            self.sift_up(pos, last);
        } else {
            self.sift_down(pos, last);
        }
    }

    /// Places `entry` at the hole `pos` or above it, moving larger parents
    /// down.
    #[inline]
    fn sift_up(&mut self, mut pos: usize, entry: HeapEntry) {
        let heap = &mut self.heap[..];
        while pos > 0 {
            let parent = (pos - 1) / ARITY;
            let p = heap[parent];
            if p.key <= entry.key {
                break;
            }
            heap[pos] = p;
            self.slots[p.slot as usize].heap_pos = pos as u32;
            pos = parent;
        }
        heap[pos] = entry;
        self.slots[entry.slot as usize].heap_pos = pos as u32;
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
            for (i, c) in children.iter().enumerate().skip(1) {
                if c.key < child.key {
                    offset = i;
                    child = *c;
                }
            }
            if child.key >= entry.key {
                break;
            }
            heap[pos] = child;
            self.slots[child.slot as usize].heap_pos = pos as u32;
            pos = first + offset;
        }
        heap[pos] = entry;
        self.slots[entry.slot as usize].heap_pos = pos as u32;
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

    #[test]
    fn matches_a_sorted_reference_under_random_schedule_and_cancel() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        let mut c = Calendar::new();
        let mut reference: Vec<(f64, u64, u64)> = Vec::new(); // time, seq, payload
        let mut ids = Vec::new();
        let mut seq = 0;
        for step in 0..20_000u64 {
            let r: f64 = rng.random();
            if r < 0.5 || reference.is_empty() {
                // Coarse times so that ties are common.
                let t = c.now() + (rng.random::<f64>() * 10.0).floor();
                let id = c.schedule_at(t, step);
                reference.push((t, seq, step));
                ids.push((id, step));
                seq += 1;
            } else if r < 0.7 {
                let k = rng.random_range(0..ids.len());
                let (id, payload) = ids.swap_remove(k);
                let was_pending = reference.iter().any(|x| x.2 == payload);
                assert_eq!(c.cancel(id), was_pending);
                reference.retain(|x| x.2 != payload);
            } else {
                reference.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                let expected = reference.remove(0);
                let got = c.pop().unwrap();
                assert_eq!(got, (expected.0, expected.2));
            }
            assert_eq!(c.len(), reference.len());
        }
    }
}
