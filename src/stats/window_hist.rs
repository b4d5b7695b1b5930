//! A small latency histogram for one time window: p95 per window at about
//! 1 % relative precision, in a few kilobytes, cleared in O(buckets used).
//!
//! Why this file exists: a timeline measures p95 in every window, and the
//! run-wide [`LatencyHistogram`](super::LatencyHistogram) (HdrHistogram at 3
//! significant digits from 1 µs to 30 days) is a quarter of a megabyte whose
//! reset walks all of it, too much to clear tens of thousands of times per
//! replication. A window needs only one of these per row while it is open:
//! when the window closes its p95 is read and the histogram is cleared for
//! the next.
//!
//! Layout: log-linear over microseconds, as HdrHistogram with 64
//! sub-buckets: exact below 64 µs, then 64 equal buckets per power of two,
//! so a bucket spans at most 1/64 of its value. The quantile reported is
//! interpolated inside its bucket by rank (its values taken as spread
//! evenly over it), not the bucket's midpoint: a window's p95 is then not
//! rounded to a bucket, and replications whose p95 fall in one bucket
//! still differ, so their confidence interval is not a false "± 0". Values
//! above 2^42 µs (50 days) are clamped.

/// Sub-buckets per power of two.
const SUB: u64 = 64;
const SUB_BITS: u32 = 6;
/// Largest power of two tracked: values are clamped below 2^42 µs.
const TOP_BITS: u32 = 42;
/// Number of buckets.
const BUCKETS: usize = (SUB + (TOP_BITS - SUB_BITS) as u64 * SUB) as usize;

/// Histogram of durations (seconds) for one window.
#[derive(Clone, Debug)]
pub struct WindowHistogram {
    counts: Vec<u32>,
    total: u64,
    /// Highest bucket used since the last clear (+1), so clearing touches
    /// only what was written.
    used: usize,
}

impl Default for WindowHistogram {
    fn default() -> Self {
        Self::new()
    }
}

#[inline]
fn bucket(micros: u64) -> usize {
    let v = micros.min((1u64 << TOP_BITS) - 1);
    if v < SUB {
        return v as usize;
    }
    let e = 63 - v.leading_zeros(); // 2^e <= v < 2^(e+1), e >= SUB_BITS
    let m = v >> (e - SUB_BITS); // in [SUB, 2 SUB)
    (SUB + (e - SUB_BITS) as u64 * SUB + (m - SUB)) as usize
}

/// The whole microseconds bucket `i` holds: its first and its last.
fn span(i: usize) -> (f64, f64) {
    let i = i as u64;
    if i < SUB {
        return (i as f64, i as f64);
    }
    let e = (i - SUB) / SUB + SUB_BITS as u64;
    let m = SUB + (i - SUB) % SUB;
    let width = 1u64 << (e - SUB_BITS as u64);
    ((m * width) as f64, (m * width + width - 1) as f64)
}

/// The midpoint of bucket `i`, in microseconds.
#[cfg(test)]
fn midpoint(i: usize) -> f64 {
    let (first, last) = span(i);
    (first + last) / 2.0
}

impl WindowHistogram {
    /// An empty histogram (allocates its buckets once).
    pub fn new() -> Self {
        WindowHistogram {
            counts: vec![0; BUCKETS],
            total: 0,
            used: 0,
        }
    }

    /// Records one duration in seconds (negative values count as zero).
    #[inline]
    pub fn record(&mut self, seconds: f64) {
        let micros = (seconds * 1e6).round();
        let v = if micros >= 0.0 { micros as u64 } else { 0 };
        let i = bucket(v);
        self.counts[i] = self.counts[i].saturating_add(1);
        self.total += 1;
        if i >= self.used {
            self.used = i + 1;
        }
    }

    /// Number of recorded durations.
    pub fn count(&self) -> u64 {
        self.total
    }

    /// The `q` quantile (0..=1) in seconds: the value of rank
    /// `ceil(q × count)`, in the bucket holding it, placed by its rank among
    /// that bucket's values as if they were spread evenly over the bucket
    /// (the k-th of c at (k − ½)/c of the way); NaN when empty.
    pub fn quantile(&self, q: f64) -> f64 {
        if self.total == 0 {
            return f64::NAN;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0u64;
        for (i, &c) in self.counts[..self.used].iter().enumerate() {
            let before = seen;
            seen += u64::from(c);
            if seen >= rank {
                let (first, last) = span(i);
                let at = ((rank - before) as f64 - 0.5) / f64::from(c);
                return (first + at * (last - first)) / 1e6;
            }
        }
        span(self.used.saturating_sub(1)).1 / 1e6
    }

    /// Forgets every observation, touching only the buckets used.
    pub fn clear(&mut self) {
        self.counts[..self.used].fill(0);
        self.total = 0;
        self.used = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_within_one_percent() {
        let mut h = WindowHistogram::new();
        for i in 1..=10_000 {
            h.record(i as f64 * 1e-3); // 1 ms .. 10 s
        }
        for (q, exact) in [(0.5, 5.0), (0.95, 9.5), (0.99, 9.9)] {
            let got = h.quantile(q);
            assert!((got - exact).abs() / exact < 1e-2, "q{q}: {got} vs {exact}");
        }
        assert_eq!(h.count(), 10_000);
        h.clear();
        assert_eq!(h.count(), 0);
        assert!(h.quantile(0.95).is_nan());
        h.record(0.25);
        assert!((h.quantile(0.95) - 0.25).abs() / 0.25 < 1e-2);
    }

    #[test]
    fn quantiles_are_placed_inside_their_bucket_by_rank() {
        // Evenly spread values: the interpolated quantile is far closer
        // than a bucket's half-width (0.8 %).
        let mut h = WindowHistogram::new();
        for i in 0..200_000 {
            h.record(0.04 + i as f64 * 1e-7); // 40 ms .. 60 ms, evenly
        }
        let exact = 0.04 + 189_999.0 * 1e-7;
        let got = h.quantile(0.95);
        assert!((got - exact).abs() / exact < 1e-4, "{got} vs {exact}");
        // Two windows whose p95 fall in the same bucket, at different
        // ranks inside it, give different p95s (a midpoint would not):
        // 50.00 .. 50.99 ms, and the same with five slower answers.
        let (mut a, mut b) = (WindowHistogram::new(), WindowHistogram::new());
        for i in 0..100 {
            a.record(0.050 + i as f64 * 1e-5);
            b.record(0.050 + i as f64 * 1e-5);
        }
        for _ in 0..5 {
            b.record(0.052);
        }
        let (pa, pb) = (a.quantile(0.95), b.quantile(0.95));
        assert_eq!(bucket(50_940), bucket(50_990));
        assert!(pa < pb, "{pa} vs {pb}");
        assert!((pa - 0.05094).abs() < 0.0005 && (pb - 0.05099).abs() < 0.0005);
        // One value: the bucket's midpoint.
        let mut one = WindowHistogram::new();
        one.record(0.25);
        assert_eq!(one.quantile(0.95), midpoint(bucket(250_000)) / 1e6);
    }

    #[test]
    fn buckets_are_contiguous_and_clamped() {
        // Every value maps to a bucket whose midpoint is within 1/64.
        for v in [0u64, 1, 63, 64, 65, 127, 128, 1000, 123_456, 9_999_999_999] {
            let mid = midpoint(bucket(v));
            assert!(
                (mid - v as f64).abs() <= (v as f64 / 64.0).max(0.5),
                "{v}: {mid}"
            );
        }
        assert_eq!(bucket(u64::MAX), BUCKETS - 1);
        let mut h = WindowHistogram::new();
        h.record(1e12);
        h.record(-1.0);
        assert_eq!(h.count(), 2);
    }
}
