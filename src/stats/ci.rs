//! Across-replication estimates: the mean of each replication's figure and
//! its Student-t confidence intervals (replications are independent and
//! identically distributed, so this is the textbook interval).
//!
//! An interval is cut at the ends of the range its figure can take
//! ([`Bounds`]): at two or three replications mean ± t·s/√n easily reaches
//! below 0 or, for a utilization near 100 %, above 1, which no replication
//! could ever measure. The mean is never cut (it averages values inside the
//! range), nor the half-widths, which keep their textbook meaning for
//! `--precision` (how precisely the mean is known).

use statrs::distribution::{ContinuousCDF, StudentsT};

/// The range a figure can take, where its confidence interval is cut.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Bounds {
    /// Any value: paired differences (variant − baseline) and other
    /// figures that can be negative; the interval is not cut.
    #[default]
    Any,
    /// `[0, ∞)`: times, queue lengths, counts, throughputs.
    NonNegative,
    /// `[0, 1]`: utilizations, availabilities, shares and error rates.
    Fraction,
}

impl Bounds {
    /// `x` moved into the range; NaN stays NaN (a figure nothing measured).
    pub fn clamp(self, x: f64) -> f64 {
        let (lo, hi) = match self {
            Bounds::Any => return x,
            Bounds::NonNegative => (0.0, f64::INFINITY),
            Bounds::Fraction => (0.0, 1.0),
        };
        if x < lo {
            lo
        } else if x > hi {
            hi
        } else {
            x
        }
    }
}

/// A figure estimated from independent replications.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Number of replications.
    pub n: usize,
    /// Mean over replications.
    pub mean: f64,
    /// Sample standard deviation over replications (0 with one).
    pub sd: f64,
    /// Half-width of the 95 % confidence interval, t·s/√n, before the
    /// interval is cut at [`Estimate::bounds`]; `None` with one replication.
    pub half_95: Option<f64>,
    /// Half-width of the 99 % confidence interval (as `half_95`); `None`
    /// with one replication.
    pub half_99: Option<f64>,
    /// The range of the figure: [`Estimate::ci_95`] and
    /// [`Estimate::ci_99`] are cut at its ends.
    pub bounds: Bounds,
}

/// Two-sided Student-t quantile for `level` (e.g. 0.95) with `df` degrees of freedom.
pub fn t_quantile(level: f64, df: usize) -> f64 {
    let t = StudentsT::new(0.0, 1.0, df as f64).expect("df >= 1 is a valid Student-t");
    t.inverse_cdf(0.5 + level / 2.0)
}

impl Estimate {
    /// Estimate from one value per replication, summed in the given order
    /// (callers pass replications in index order, so results are identical
    /// whatever the thread count), with an interval that is not cut
    /// ([`Bounds::Any`]): for paired differences and other figures of any
    /// sign. Figures with a range use [`Estimate::from_values_in`].
    pub fn from_values(values: &[f64]) -> Estimate {
        Estimate::from_values_in(values, Bounds::Any)
    }

    /// As [`Estimate::from_values`], for a figure whose values lie in
    /// `bounds`: its intervals are cut there.
    pub fn from_values_in(values: &[f64], bounds: Bounds) -> Estimate {
        Estimate::from_values_with(values, bounds, |df| {
            (t_quantile(0.95, df), t_quantile(0.99, df))
        })
    }

    /// As [`Estimate::from_values_in`], taking the Student-t quantiles
    /// (95 %, 99 %) for `df` degrees of freedom from `t` (a cache, when
    /// many estimates share a replication count).
    pub fn from_values_with(
        values: &[f64],
        bounds: Bounds,
        t: impl FnOnce(usize) -> (f64, f64),
    ) -> Estimate {
        let n = values.len();
        if n == 0 {
            return Estimate {
                n,
                mean: 0.0,
                sd: 0.0,
                half_95: None,
                half_99: None,
                bounds,
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
                bounds,
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
            bounds,
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
            bounds: Bounds::Any,
        }
    }

    /// The 95 % interval, mean ± `half_95` cut at [`Estimate::bounds`],
    /// or `None` with one replication.
    pub fn ci_95(&self) -> Option<(f64, f64)> {
        self.half_95.map(|h| self.interval(h))
    }

    /// The 99 % interval, mean ± `half_99` cut at [`Estimate::bounds`],
    /// or `None` with one replication.
    pub fn ci_99(&self) -> Option<(f64, f64)> {
        self.half_99.map(|h| self.interval(h))
    }

    /// The interval mean ± `half`, cut at the figure's range.
    fn interval(&self, half: f64) -> (f64, f64) {
        (
            self.bounds.clamp(self.mean - half),
            self.bounds.clamp(self.mean + half),
        )
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
    /// The estimate of `values`, as [`Estimate::from_values_in`].
    pub fn estimate(&mut self, values: &[f64], bounds: Bounds) -> Estimate {
        Estimate::from_values_with(values, bounds, |df| {
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
            assert_eq!(t.estimate(v, Bounds::Any), Estimate::from_values(v));
            assert_eq!(
                t.estimate(v, Bounds::NonNegative),
                Estimate::from_values_in(v, Bounds::NonNegative)
            );
        }
    }

    #[test]
    fn intervals_are_cut_at_the_range_of_the_figure() {
        // A utilization near 100 % over two replications: the t-interval
        // 0.97 ± 12.706·0.01 reaches 1.097.
        let u = Estimate::from_values_in(&[0.96, 0.98], Bounds::Fraction);
        let h = 12.706205 * (0.0002f64).sqrt() / 2f64.sqrt();
        assert!((u.half_95.unwrap() - h).abs() < 1e-6, "{u:?}");
        assert!((u.mean - 0.97).abs() < 1e-12);
        let (lo, hi) = u.ci_95().unwrap();
        assert_eq!(
            lo,
            u.mean - u.half_95.unwrap(),
            "the lower end is inside: kept"
        );
        assert_eq!(hi, 1.0);
        assert_eq!(u.ci_99().unwrap().1, 1.0);
        // An error share near 0: 0.001 ± 0.0127 reaches −0.0117.
        let e = Estimate::from_values_in(&[0.0, 0.002], Bounds::Fraction);
        let (lo, hi) = e.ci_95().unwrap();
        assert_eq!(lo, 0.0);
        assert!((hi - (0.001 + e.half_95.unwrap())).abs() < 1e-15);
        // Wide enough to cross both ends.
        let both = Estimate::from_values_in(&[0.1, 0.9], Bounds::Fraction);
        assert_eq!(both.ci_95(), Some((0.0, 1.0)));
        // A time: only the lower end.
        let t = Estimate::from_values_in(&[0.05, 0.5], Bounds::NonNegative);
        let (lo, hi) = t.ci_95().unwrap();
        assert_eq!(lo, 0.0);
        assert!((hi - (0.275 + t.half_95.unwrap())).abs() < 1e-12);
        // The same values as a paired difference are not cut, and the
        // half-width (what --precision judges) is the same either way.
        let d = Estimate::from_values(&[0.05, 0.5]);
        assert!(d.ci_95().unwrap().0 < 0.0);
        assert_eq!(d.half_95, t.half_95);
        assert_eq!(d.mean, t.mean);
        // A figure nothing measured stays NaN, never becomes a bound.
        let nan = Estimate::from_values_in(&[f64::NAN, f64::NAN], Bounds::Fraction);
        let (lo, hi) = nan.ci_95().unwrap();
        assert!(lo.is_nan() && hi.is_nan());
        // Inside the range, nothing changes.
        let inside = Estimate::from_values_in(&[0.4, 0.5, 0.45], Bounds::Fraction);
        let h = inside.half_95.unwrap();
        assert_eq!(inside.ci_95(), Some((inside.mean - h, inside.mean + h)));
    }

    #[test]
    fn one_replication_has_no_interval() {
        let e = Estimate::from_values(&[7.0]);
        assert_eq!((e.mean, e.half_95, e.half_99), (7.0, None, None));
        assert!(e.ci_95().is_none());
    }
}
