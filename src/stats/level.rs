//! Time-weighted level: the time average of a quantity that changes at
//! events, such as busy servers (utilization) or queue length.

/// Time average of a piecewise-constant level.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TimeWeighted {
    level: f64,
    last: f64,
    start: f64,
    area: f64,
}

impl TimeWeighted {
    /// A level of zero, observed from time zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Current level.
    #[inline]
    pub fn level(&self) -> f64 {
        self.level
    }

    /// Sets the level at time `now` (not earlier than the last change).
    #[inline]
    pub fn set(&mut self, now: f64, level: f64) {
        self.area += self.level * (now - self.last);
        self.last = now;
        self.level = level;
    }

    /// Changes the level by `delta` at time `now`.
    #[inline]
    pub fn add(&mut self, now: f64, delta: f64) {
        self.set(now, self.level + delta);
    }

    /// Starts observing afresh at `now`, keeping the current level
    /// (warm-up deletion).
    pub fn reset(&mut self, now: f64) {
        self.area = 0.0;
        self.last = now;
        self.start = now;
    }

    /// Time average from the last reset up to `now`; the current level if no
    /// time has passed.
    pub fn mean(&self, now: f64) -> f64 {
        let span = now - self.start;
        if span <= 0.0 {
            return self.level;
        }
        (self.area + self.level * (now - self.last)) / span
    }

    /// The integral of the level from the last reset up to `now`: what
    /// [`mean`](Self::mean) divides by the time span. Differences of it
    /// between two instants give the level's average over that interval.
    #[inline]
    pub fn area(&self, now: f64) -> f64 {
        self.area + self.level * (now - self.last)
    }
}

/// Two time-weighted levels that always change together, such as a
/// processor-sharing resource's busy cores and jobs present: figure for
/// figure the same as two [`TimeWeighted`] set and reset at the same
/// instants, with the time since the last change kept once and subtracted
/// once per change (the change runs at every arrival and departure).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TimeWeightedPair {
    levels: [f64; 2],
    areas: [f64; 2],
    last: f64,
    start: f64,
}

impl TimeWeightedPair {
    /// Both levels zero, observed from time zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets both levels at time `now` (not earlier than the last change).
    #[inline]
    pub fn set(&mut self, now: f64, levels: [f64; 2]) {
        let dt = now - self.last;
        self.areas[0] += self.levels[0] * dt;
        self.areas[1] += self.levels[1] * dt;
        self.last = now;
        self.levels = levels;
    }

    /// Starts observing afresh at `now`, keeping the current levels
    /// (warm-up deletion).
    pub fn reset(&mut self, now: f64) {
        self.areas = [0.0; 2];
        self.last = now;
        self.start = now;
    }

    /// Time average of level `i` from the last reset up to `now`, as
    /// [`TimeWeighted::mean`].
    pub fn mean(&self, i: usize, now: f64) -> f64 {
        let span = now - self.start;
        if span <= 0.0 {
            return self.levels[i];
        }
        (self.areas[i] + self.levels[i] * (now - self.last)) / span
    }

    /// The integral of level `i` from the last reset up to `now`, as
    /// [`TimeWeighted::area`].
    #[inline]
    pub fn area(&self, i: usize, now: f64) -> f64 {
        self.areas[i] + self.levels[i] * (now - self.last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrates_a_step_function() {
        let mut l = TimeWeighted::new();
        l.set(1.0, 2.0); // 0 over [0,1)
        l.add(3.0, 1.0); // 2 over [1,3)
        // 3 over [3,5)
        assert!((l.mean(5.0) - (0.0 + 4.0 + 6.0) / 5.0).abs() < 1e-12);
        l.reset(5.0);
        l.set(6.0, 0.0); // 3 over [5,6), 0 over [6,7)
        assert!((l.mean(7.0) - 1.5).abs() < 1e-12);
    }

    #[test]
    fn a_pair_is_two_levels_changed_together() {
        let (mut a, mut b, mut p) = (
            TimeWeighted::new(),
            TimeWeighted::new(),
            TimeWeightedPair::new(),
        );
        let mut t = 0.0;
        for k in 0..1000u32 {
            t += 0.1 + (k % 7) as f64 * 0.013;
            let (x, y) = ((k % 5) as f64, (k % 9) as f64 * 0.5);
            a.set(t, x);
            b.set(t, y);
            p.set(t, [x, y]);
            if k == 300 {
                a.reset(t);
                b.reset(t);
                p.reset(t);
            }
            let now = t + 0.05;
            assert_eq!(p.mean(0, now).to_bits(), a.mean(now).to_bits());
            assert_eq!(p.mean(1, now).to_bits(), b.mean(now).to_bits());
            assert_eq!(p.area(0, now).to_bits(), a.area(now).to_bits());
            assert_eq!(p.area(1, now).to_bits(), b.area(now).to_bits());
        }
    }
}
