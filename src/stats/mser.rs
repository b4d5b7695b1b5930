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
/// Standard errors within which a truncation's deleted batches are taken
/// for noise (see [`Mser5::estimate`]).
const NOISE: f64 = 3.0;

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
        let unreliable = best_d == half;
        // On a long stationary run with bursts (heavy-tailed service) the
        // statistic's minimum can fall hours in, where a burst was cut
        // off: deleting it lowers the variance more than it costs in
        // batches. A warm-up worth the name leaves data whose mean differs
        // from the rest's beyond their noise; a truncation whose deleted
        // batches' mean is within `NOISE` standard errors (Welch, over the
        // batch means) of the kept ones' is noise, and the replication
        // needs none.
        if best_d > 0 && !unreliable {
            let k = (n - best_d) as f64;
            let (kept_sum, kept_sq) = means[best_d..]
                .iter()
                .fold((0.0, 0.0), |(a, b), &x| (a + x, b + x * x));
            let (del_sum, del_sq) = means[..best_d]
                .iter()
                .fold((0.0, 0.0), |(a, b), &x| (a + x, b + x * x));
            let d = best_d as f64;
            let var = |sum: f64, sq: f64, m: f64| ((sq - sum * sum / m) / (m - 1.0)).max(0.0);
            let var_kept = var(kept_sum, kept_sq, k);
            let var_del = if best_d > 1 {
                var(del_sum, del_sq, d)
            } else {
                var_kept
            };
            let gap = (del_sum / d - kept_sum / k).abs();
            let se = (var_del / d + var_kept / k).sqrt();
            if gap <= NOISE * se {
                best_d = 0;
            }
        }
        Some(WarmupEstimate {
            time: if best_d == 0 {
                0.0
            } else {
                self.batches[best_d - 1].end_time
            },
            observations: best_d as u64 * self.batch_size,
            unreliable,
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
    fn a_burst_far_into_a_stationary_series_is_not_a_warm_up() {
        let mut m = Mser5::new();
        // A steady series with one noisy stretch a third of the way in:
        // cutting up to it lowers the variance, but the mean before it is
        // the mean after it.
        for i in 0..20_000u64 {
            let base = 10.0 + ((i * 7919) % 101) as f64 * 0.01;
            let burst = if (6_000..6_500).contains(&i) {
                if i % 2 == 0 { 8.0 } else { -8.0 }
            } else {
                0.0
            };
            m.record(i as f64, base + burst);
        }
        let w = m.estimate().unwrap();
        assert_eq!(w.observations, 0, "{w:?}");
        assert!(!w.unreliable);
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
