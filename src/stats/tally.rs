//! Welford tally: count, mean, variance, min and max of observations, in
//! constant memory and without the cancellation error of sum-of-squares.

/// Running mean and variance of a stream of observations.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Tally {
    count: u64,
    mean: f64,
    m2: f64,
    min: f64,
    max: f64,
}

impl Tally {
    /// An empty tally.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one observation.
    #[inline]
    pub fn record(&mut self, x: f64) {
        self.count += 1;
        if self.count == 1 {
            self.min = x;
            self.max = x;
        } else {
            self.min = self.min.min(x);
            self.max = self.max.max(x);
        }
        let delta = x - self.mean;
        self.mean += delta / self.count as f64;
        self.m2 += delta * (x - self.mean);
    }

    /// Forgets every observation (warm-up deletion).
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// Number of observations.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Sample mean; 0 with no observation.
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// Unbiased sample variance; 0 with fewer than two observations.
    pub fn variance(&self) -> f64 {
        if self.count < 2 {
            0.0
        } else {
            self.m2 / (self.count - 1) as f64
        }
    }

    /// Smallest observation (0 with none).
    pub fn min(&self) -> f64 {
        self.min
    }

    /// Largest observation (0 with none).
    pub fn max(&self) -> f64 {
        self.max
    }

    /// Combines two tallies as if all observations went into one (Chan et al.).
    pub fn merge(&mut self, other: &Tally) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = *other;
            return;
        }
        let n = (self.count + other.count) as f64;
        let delta = other.mean - self.mean;
        self.m2 += other.m2 + delta * delta * self.count as f64 * other.count as f64 / n;
        self.mean += delta * other.count as f64 / n;
        self.count += other.count;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_two_pass_formulas() {
        let xs = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
        let mut t = Tally::new();
        xs.iter().for_each(|&x| t.record(x));
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (xs.len() - 1) as f64;
        assert_eq!(t.count(), 8);
        assert!((t.mean() - mean).abs() < 1e-12);
        assert!((t.variance() - var).abs() < 1e-12);
        assert_eq!((t.min(), t.max()), (1.0, 9.0));
    }

    #[test]
    fn stable_with_a_large_offset() {
        let mut t = Tally::new();
        for i in 0..1000 {
            t.record(1e9 + (i % 2) as f64);
        }
        assert!((t.variance() - 0.25025025).abs() < 1e-6);
    }

    #[test]
    fn merge_equals_one_pass() {
        let mut a = Tally::new();
        let mut b = Tally::new();
        let mut all = Tally::new();
        for i in 0..100 {
            let x = (i as f64 * 0.37).sin() * 10.0;
            all.record(x);
            if i < 30 { a.record(x) } else { b.record(x) }
        }
        a.merge(&b);
        assert_eq!(a.count(), all.count());
        assert!((a.mean() - all.mean()).abs() < 1e-12);
        assert!((a.variance() - all.variance()).abs() < 1e-10);
    }
}
