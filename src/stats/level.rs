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
}
