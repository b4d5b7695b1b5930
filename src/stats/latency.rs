//! Latency percentiles in bounded memory: an HdrHistogram at 3 significant
//! digits over microseconds, mergeable across replications.

use hdrhistogram::Histogram;

/// Of `answered` responses, the `cut` largest were cut at the client
/// timeout (recorded as exactly the timeout): the `q` quantile falls among
/// them, and is then only a lower bound, when fewer than its rank
/// (`ceil(q × answered)`) were measured.
pub fn quantile_censored(q: f64, answered: u64, cut: u64) -> bool {
    if cut == 0 || answered == 0 {
        return false;
    }
    let rank = ((q * answered as f64).ceil() as u64).max(1);
    answered - cut.min(answered) < rank
}

/// Highest latency tracked exactly: 30 days. Longer values are clamped (a
/// request that takes a month is reported as taking a month).
const MAX_MICROS: u64 = 30 * 86_400 * 1_000_000;

/// Histogram of durations given in seconds.
#[derive(Clone, Debug)]
pub struct LatencyHistogram {
    hist: Histogram<u64>,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyHistogram {
    /// An empty histogram from 1 µs to 30 days at 3 significant digits.
    pub fn new() -> Self {
        LatencyHistogram {
            hist: Histogram::new_with_bounds(1, MAX_MICROS, 3)
                .expect("static histogram bounds are valid"),
        }
    }

    /// Records one duration in seconds (negative values count as zero).
    #[inline]
    pub fn record(&mut self, seconds: f64) {
        let micros = (seconds * 1e6).round();
        let v = if micros >= 1.0 { micros as u64 } else { 1 };
        self.hist.saturating_record(v.min(MAX_MICROS));
    }

    /// Number of recorded durations.
    pub fn count(&self) -> u64 {
        self.hist.len()
    }

    /// The `q` quantile (0..=1) in seconds; 0 when empty.
    pub fn quantile(&self, q: f64) -> f64 {
        if self.hist.is_empty() {
            return 0.0;
        }
        self.hist.value_at_quantile(q) as f64 / 1e6
    }

    /// Recorded durations certainly above `seconds`: those in the
    /// histogram's buckets above the one holding `seconds` (a value
    /// sharing that bucket is not counted, whichever side it lies on).
    pub fn count_above(&self, seconds: f64) -> u64 {
        // A negative (or NaN) limit counts from the lowest bucket up.
        let micros = ((seconds * 1e6).floor().max(0.0) as u64).min(MAX_MICROS);
        let at_most = self
            .hist
            .count_between(0, self.hist.highest_equivalent(micros));
        self.count() - at_most.min(self.count())
    }

    /// Forgets every observation (warm-up deletion).
    pub fn reset(&mut self) {
        self.hist.reset();
    }

    /// Adds every observation of `other`.
    pub fn merge(&mut self, other: &LatencyHistogram) {
        self.hist
            .add(&other.hist)
            .expect("histograms share bounds and precision");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quantile_is_censored_exactly_when_its_rank_falls_among_the_cut_responses() {
        // 100 responses: the p95 is the 95th. With 5 cut (the largest, at
        // the timeout) it is the last one measured; with 6, a cut one.
        assert!(!quantile_censored(0.95, 100, 0));
        assert!(!quantile_censored(0.95, 100, 5));
        assert!(quantile_censored(0.95, 100, 6));
        assert!(quantile_censored(0.95, 100, 100));
        assert!(quantile_censored(0.50, 100, 51));
        assert!(!quantile_censored(0.50, 100, 50));
        // Nothing answered: nothing to bound.
        assert!(!quantile_censored(0.95, 0, 0));
    }

    #[test]
    fn quantiles_within_three_significant_digits() {
        let mut h = LatencyHistogram::new();
        for i in 1..=10_000 {
            h.record(i as f64 * 1e-3); // 1 ms .. 10 s
        }
        for (q, exact) in [(0.5, 5.0), (0.95, 9.5), (0.99, 9.9)] {
            let got = h.quantile(q);
            assert!((got - exact).abs() / exact < 2e-3, "q{q}: {got} vs {exact}");
        }
        assert_eq!(h.count(), 10_000);
    }

    #[test]
    fn counts_above_a_limit_never_more_than_are_above_it() {
        let mut h = LatencyHistogram::new();
        for i in 1..=10_000 {
            h.record(i as f64 * 1e-3); // 1 ms .. 10 s
        }
        for limit in [0.0005, 0.8, 0.8001, 2.0, 9.9995, 10.0, 20.0] {
            let exact = (1..=10_000).filter(|i| *i as f64 * 1e-3 > limit).count() as u64;
            let got = h.count_above(limit);
            assert!(got <= exact, "{limit}: {got} > {exact}");
            // Only the values sharing the limit's bucket (0.1 % wide) are
            // left out.
            assert!(exact - got <= 1 + exact / 100, "{limit}: {got} of {exact}");
        }
    }

    #[test]
    fn clamps_extremes_instead_of_failing() {
        let mut h = LatencyHistogram::new();
        h.record(-1.0);
        h.record(0.0);
        h.record(1e12);
        assert_eq!(h.count(), 3);
        assert!(h.quantile(1.0) >= 29.0 * 86_400.0);
    }
}
