//! Across-replication estimates: the mean of each replication's figure and
//! its Student-t confidence intervals (replications are independent and
//! identically distributed, so this is the textbook interval).

use statrs::distribution::{ContinuousCDF, StudentsT};

/// A figure estimated from independent replications.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Number of replications.
    pub n: usize,
    /// Mean over replications.
    pub mean: f64,
    /// Sample standard deviation over replications (0 with one).
    pub sd: f64,
    /// Half-width of the 95 % confidence interval; `None` with one replication.
    pub half_95: Option<f64>,
    /// Half-width of the 99 % confidence interval; `None` with one replication.
    pub half_99: Option<f64>,
}

/// Two-sided Student-t quantile for `level` (e.g. 0.95) with `df` degrees of freedom.
pub fn t_quantile(level: f64, df: usize) -> f64 {
    let t = StudentsT::new(0.0, 1.0, df as f64).expect("df >= 1 is a valid Student-t");
    t.inverse_cdf(0.5 + level / 2.0)
}

impl Estimate {
    /// Estimate from one value per replication, summed in the given order
    /// (callers pass replications in index order, so results are identical
    /// whatever the thread count).
    pub fn from_values(values: &[f64]) -> Estimate {
        Estimate::from_values_with(values, |df| (t_quantile(0.95, df), t_quantile(0.99, df)))
    }

    /// As [`Estimate::from_values`], taking the Student-t quantiles (95 %,
    /// 99 %) for `df` degrees of freedom from `t` (a cache, when many
    /// estimates share a replication count).
    pub fn from_values_with(values: &[f64], t: impl FnOnce(usize) -> (f64, f64)) -> Estimate {
        let n = values.len();
        if n == 0 {
            return Estimate {
                n,
                mean: 0.0,
                sd: 0.0,
                half_95: None,
                half_99: None,
            };
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        if n == 1 {
            return Estimate {
                n,
                mean,
                sd: 0.0,
                half_95: None,
                half_99: None,
            };
        }
        let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64;
        let sd = var.sqrt();
        let se = sd / (n as f64).sqrt();
        let (t95, t99) = t(n - 1);
        Estimate {
            n,
            mean,
            sd,
            half_95: Some(t95 * se),
            half_99: Some(t99 * se),
        }
    }

    /// The estimate of a figure no replication measured (a row that
    /// answered nothing): NaN, shown as "—", never as a zero.
    pub fn nothing() -> Estimate {
        Estimate {
            n: 0,
            mean: f64::NAN,
            sd: f64::NAN,
            half_95: None,
            half_99: None,
        }
    }

    /// The 95 % interval, or `None` with one replication.
    pub fn ci_95(&self) -> Option<(f64, f64)> {
        self.half_95.map(|h| (self.mean - h, self.mean + h))
    }

    /// The 99 % interval, or `None` with one replication.
    pub fn ci_99(&self) -> Option<(f64, f64)> {
        self.half_99.map(|h| (self.mean - h, self.mean + h))
    }

    /// True when `x` lies inside the 99 % interval (with one replication,
    /// only an exact match counts).
    pub fn covers_99(&self, x: f64) -> bool {
        match self.ci_99() {
            Some((lo, hi)) => lo <= x && x <= hi,
            None => self.mean == x,
        }
    }
}

/// Student-t quantiles by degrees of freedom, each computed once: for the
/// many estimates of a timeline, which share a replication count.
#[derive(Clone, Debug, Default)]
pub struct TQuantiles {
    by_df: Vec<Option<(f64, f64)>>,
}

impl TQuantiles {
    /// The estimate of `values`, as [`Estimate::from_values`].
    pub fn estimate(&mut self, values: &[f64]) -> Estimate {
        Estimate::from_values_with(values, |df| {
            if self.by_df.len() <= df {
                self.by_df.resize(df + 1, None);
            }
            *self.by_df[df].get_or_insert_with(|| (t_quantile(0.95, df), t_quantile(0.99, df)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn student_t_quantiles_match_tables() {
        assert!((t_quantile(0.95, 9) - 2.262157).abs() < 1e-5);
        assert!((t_quantile(0.99, 9) - 3.249836).abs() < 1e-5);
        assert!((t_quantile(0.95, 1000) - 1.962339).abs() < 1e-5);
    }

    #[test]
    fn interval_from_values() {
        let e = Estimate::from_values(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(e.mean, 3.0);
        assert!((e.sd - 2.5f64.sqrt()).abs() < 1e-12);
        let h = 2.776445 * 2.5f64.sqrt() / 5f64.sqrt();
        assert!((e.half_95.unwrap() - h).abs() < 1e-5);
        assert!(e.covers_99(3.0) && !e.covers_99(10.0));
    }

    #[test]
    fn cached_quantiles_give_the_same_estimate() {
        let mut t = TQuantiles::default();
        for v in [&[1.0, 2.0, 4.0][..], &[3.0, 5.0], &[1.0, 2.0, 9.0], &[7.0]] {
            assert_eq!(t.estimate(v), Estimate::from_values(v));
        }
    }

    #[test]
    fn one_replication_has_no_interval() {
        let e = Estimate::from_values(&[7.0]);
        assert_eq!((e.mean, e.half_95, e.half_99), (7.0, None, None));
        assert!(e.ci_95().is_none());
    }
}
