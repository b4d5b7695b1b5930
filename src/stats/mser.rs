//! MSER-5 warm-up estimate (White, 1997): batch the output series into
//! means of 5 observations and pick the truncation point that minimizes the
//! standard error of the remaining batches' mean.
//!
//! Memory is bounded: at most `MAX_BATCHES` batches are kept; when full,
//! neighbouring batches are merged and the batch size doubles, so the
//! estimate's resolution coarsens on very long runs instead of memory
//! growing.

const BASE_BATCH: u64 = 5;
const MAX_BATCHES: usize = 2048;

#[derive(Clone, Copy, Debug)]
struct Batch {
    sum: f64,
    end_time: f64,
}

/// Collector for the MSER-5 warm-up estimate of one output series.
#[derive(Clone, Debug)]
pub struct Mser5 {
    batches: Vec<Batch>,
    batch_size: u64,
    open_sum: f64,
    open_count: u64,
}

impl Default for Mser5 {
    fn default() -> Self {
        Self::new()
    }
}

/// Result of the MSER-5 rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WarmupEstimate {
    /// Simulated time at which the suggested truncation ends.
    pub time: f64,
    /// Observations the rule suggests deleting.
    pub observations: u64,
    /// True when the minimum fell on the end of the searched first half:
    /// the run is too short (or not stationary) for the rule to be trusted,
    /// and the replication is not settled.
    pub unreliable: bool,
}

impl Mser5 {
    /// An empty collector.
    pub fn new() -> Self {
        Mser5 {
            batches: Vec::with_capacity(MAX_BATCHES),
            batch_size: BASE_BATCH,
            open_sum: 0.0,
            open_count: 0,
        }
    }

    /// Adds the observation `x` made at simulated time `now`.
    #[inline]
    pub fn record(&mut self, now: f64, x: f64) {
        self.open_sum += x;
        self.open_count += 1;
        if self.open_count == self.batch_size {
            self.close(now);
        }
    }

    fn close(&mut self, now: f64) {
        if self.batches.len() == MAX_BATCHES {
            for i in 0..MAX_BATCHES / 2 {
                let a = self.batches[2 * i];
                let b = self.batches[2 * i + 1];
                self.batches[i] = Batch {
                    sum: a.sum + b.sum,
                    end_time: b.end_time,
                };
            }
            self.batches.truncate(MAX_BATCHES / 2);
            self.batch_size *= 2;
            // The open batch was sized for the old batch size: keep filling it.
            if self.open_count < self.batch_size {
                return;
            }
        }
        self.batches.push(Batch {
            sum: self.open_sum,
            end_time: now,
        });
        self.open_sum = 0.0;
        self.open_count = 0;
    }

    /// The MSER-5 truncation point, or `None` with fewer than 10 batches.
    pub fn estimate(&self) -> Option<WarmupEstimate> {
        let n = self.batches.len();
        if n < 10 {
            return None;
        }
        let size = self.batch_size as f64;
        let means: Vec<f64> = self.batches.iter().map(|b| b.sum / size).collect();
        // Suffix sums of x and x^2 give each candidate's variance in O(1).
        let mut best_d = 0;
        let mut best = f64::INFINITY;
        let (mut s1, mut s2) = (0.0, 0.0);
        let mut stats = vec![0.0; n];
        for d in (0..n).rev() {
            s1 += means[d];
            s2 += means[d] * means[d];
            let k = (n - d) as f64;
            let ss = (s2 - s1 * s1 / k).max(0.0);
            stats[d] = ss / (k * k);
        }
        // White's rule searches only the first half of the series: a
        // minimum further on would leave too few batches to judge by, and on
        // a long stationary run the statistic's noise alone would otherwise
        // suggest deleting hours of good data.
        let half = n / 2;
        for (d, &s) in stats.iter().enumerate().take(half + 1) {
            if s < best {
                best = s;
                best_d = d;
            }
        }
        Some(WarmupEstimate {
            time: if best_d == 0 {
                0.0
            } else {
                self.batches[best_d - 1].end_time
            },
            observations: best_d as u64 * self.batch_size,
            unreliable: best_d == half,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_an_initial_transient() {
        let mut m = Mser5::new();
        // 1,000 observations decaying from 100 to the steady level 1, then
        // 9,000 at the steady level with a small deterministic wiggle.
        for i in 0..10_000 {
            let x = if i < 1_000 {
                1.0 + 99.0 * (1.0 - i as f64 / 1_000.0)
            } else {
                1.0
            };
            let wiggle = ((i * 7919) % 13) as f64 * 0.01;
            m.record(i as f64, x + wiggle);
        }
        let w = m.estimate().unwrap();
        assert!(!w.unreliable);
        assert!((800..=1_200).contains(&w.observations), "{w:?}");
        assert!((800.0..=1_200.0).contains(&w.time), "{w:?}");
    }

    #[test]
    fn stationary_series_needs_little_truncation() {
        let mut m = Mser5::new();
        for i in 0..5_000 {
            m.record(i as f64, ((i * 7919) % 101) as f64);
        }
        let w = m.estimate().unwrap();
        assert!(w.observations < 2_500, "{w:?}");
    }

    #[test]
    fn a_series_still_drifting_is_unsettled_and_truncation_stays_in_the_first_half() {
        let mut m = Mser5::new();
        // A steady climb: no truncation point settles it.
        for i in 0..5_000 {
            m.record(i as f64, i as f64);
        }
        let w = m.estimate().unwrap();
        assert!(w.unreliable, "{w:?}");
        assert!(w.observations <= 2_500, "{w:?}");
    }

    #[test]
    fn memory_stays_bounded_on_long_series() {
        let mut m = Mser5::new();
        for i in 0..1_000_000 {
            m.record(i as f64, 1.0 + (i % 3) as f64);
        }
        assert!(m.batches.len() <= MAX_BATCHES);
        assert!(m.estimate().is_some());
    }
}
