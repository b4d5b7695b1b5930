//! Timelines over replications: each window's figures averaged across
//! replications with Student-t 95 % CIs, and the limits on `--timeline`.
//!
//! Why this file exists: a replication's timeline (`model::sim::Timeline`)
//! holds counts per window; reports want, per window, the same figures as
//! the whole run (throughput, mean, p95, error rate; utilization, mean
//! queue) with CIs. Like every summary, it is computed from
//! per-replication figures in replication order ([`TimelineFigures`]), so
//! the bytes out do not depend on the thread count.

use crate::error::{Error, Result};
use crate::model::Model;
use crate::model::sim::{Timeline, WindowLevels, window_bounds};
use crate::stats::{Bounds, Estimate, TQuantiles};

/// Most windows a timeline may have per replication (30 days at 1-minute
/// windows is 43,200).
pub const MAX_WINDOWS: usize = 100_000;

/// Default window for scenarios with an hourly profile: one hour.
pub const PROFILE_WINDOW: f64 = 3600.0;

/// One row's figures in one window of one replication.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WindowFigures {
    /// Successful answers per second of the window.
    pub throughput: f64,
    /// Mean response time (seconds); NaN when nothing was answered.
    pub mean: f64,
    /// p95 of the response time (seconds); NaN when nothing was answered.
    pub p95: f64,
    /// The p95 fell among the responses cut at the client timeout: only
    /// a lower bound.
    pub p95_censored: bool,
    /// Rejected, timed out or failed over finished; 0 when none finished.
    pub error_rate: f64,
}

/// One replication's timeline reduced to its figures.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineFigures {
    pub window: f64,
    pub start: f64,
    pub end: f64,
    pub windows: usize,
    pub rows: usize,
    pub resources: usize,
    /// `windows × rows`, window-major.
    pub classes: Vec<WindowFigures>,
    /// `windows × resources`, window-major.
    pub levels: Vec<WindowLevels>,
}

impl From<&Timeline> for TimelineFigures {
    fn from(t: &Timeline) -> Self {
        let mut classes = Vec::with_capacity(t.classes.len());
        for w in 0..t.windows {
            let (a, b) = t.bounds(w);
            for row in 0..t.rows {
                let c = t.class(w, row);
                classes.push(WindowFigures {
                    throughput: c.ok as f64 / (b - a),
                    mean: if c.answered == 0 {
                        f64::NAN
                    } else {
                        c.response_sum / c.answered as f64
                    },
                    p95: c.p95,
                    p95_censored: c.p95_censored(),
                    error_rate: if c.finished == 0 {
                        0.0
                    } else {
                        c.errors as f64 / c.finished as f64
                    },
                });
            }
        }
        TimelineFigures {
            window: t.window,
            start: t.start,
            end: t.end,
            windows: t.windows,
            rows: t.rows,
            resources: t.resources,
            classes,
            levels: t.levels.clone(),
        }
    }
}

/// A window's figure over replications: an [`Estimate`] kept in 24 bytes
/// (a long timeline holds millions of them): the replication count, the
/// range of the figure, the mean and the half-width of the Student-t 95 %
/// CI.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WindowEstimate {
    /// Replications the mean is over.
    pub n: u32,
    /// Where the CI is cut (in the padding after `n`).
    bounds: Bounds,
    pub mean: f64,
    /// NaN with fewer than two replications.
    half_95: f64,
}

const _: () = assert!(std::mem::size_of::<WindowEstimate>() == 24);

impl WindowEstimate {
    fn of(e: &Estimate) -> WindowEstimate {
        WindowEstimate {
            n: e.n as u32,
            bounds: e.bounds,
            mean: e.mean,
            half_95: e.half_95.unwrap_or(f64::NAN),
        }
    }

    /// Half-width of the 95 % CI; `None` with one replication.
    pub fn half_95(&self) -> Option<f64> {
        (!self.half_95.is_nan()).then_some(self.half_95)
    }

    /// As an [`Estimate`] (its standard deviation and 99 % half-width are
    /// not kept: 0 and `None`), for exporters that format estimates.
    pub fn estimate(&self) -> Estimate {
        Estimate {
            n: self.n as usize,
            mean: self.mean,
            sd: 0.0,
            half_95: self.half_95(),
            half_99: None,
            bounds: self.bounds,
        }
    }
}

/// One row in one window, over replications.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WindowClassSummary {
    pub throughput: WindowEstimate,
    /// Over the replications that answered something in the window (`n`
    /// says how many); mean NaN when none did.
    pub mean: WindowEstimate,
    pub p95: WindowEstimate,
    pub error_rate: WindowEstimate,
    /// Replications whose p95 in this window fell among the responses cut
    /// at the client timeout: with any, the p95 is only a lower bound.
    pub p95_censored: u32,
}

/// One resource in one window, over replications.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WindowResourceSummary {
    /// NaN where utilization is not defined (an external system without a
    /// concurrency limit).
    pub utilization: WindowEstimate,
    pub mean_queue: WindowEstimate,
}

/// A variant's timeline over its replications. Rows and resources are
/// those of the summary, in its order.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineSummary {
    /// Window length (seconds).
    pub window: f64,
    /// Start of the first window (the end of the warm-up), simulated
    /// seconds since the start of the run.
    pub start: f64,
    /// End of the last window (the end of the run).
    pub end: f64,
    pub windows: usize,
    pub rows: usize,
    pub resources: usize,
    /// `windows × rows`, window-major.
    pub classes: Vec<WindowClassSummary>,
    /// `windows × resources`, window-major.
    pub levels: Vec<WindowResourceSummary>,
    /// The scenario's scheduled failures (what a chart shades).
    pub failures: Vec<FailureWindow>,
    /// Time of day at simulated time 0 (`simulation.start`), seconds since
    /// midnight.
    pub clock: f64,
    /// Whether charts label the time axis as time of day (`HH:MM`): the
    /// scenario starts at a time of day other than midnight
    /// (`simulation.start`) or has an hourly profile. Otherwise the
    /// simulated time since the start reads better.
    pub clock_time: bool,
    /// For a scenario with a profile, each traffic class's peak window:
    /// the one with the highest p95 (see [`TimelineSummary::find_peaks`]).
    pub peaks: Vec<Peak>,
    /// Beside `peaks`: a class's window with the highest error rate, when
    /// that is clearly above its peak window's (an outage that answered
    /// nothing has no p95, so it is never the peak by p95).
    pub error_peaks: Vec<Peak>,
}

/// A traffic class's peak window: the window of the timeline whose p95
/// (mean over replications) is the highest; with the default one-hour
/// windows of a profiled scenario, its peak hour.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Peak {
    /// The class's row in the summary.
    pub row: usize,
    /// The window's index.
    pub window: usize,
}

/// A scheduled failure: what failed, and when (simulated seconds since the
/// start of the run).
#[derive(Clone, Debug, PartialEq)]
pub struct FailureWindow {
    /// `front-end NAME` or `database NAME (primary)`.
    pub target: String,
    pub start: f64,
    pub end: f64,
}

/// The scheduled failures of `model`, in scenario order.
pub fn failure_windows(model: &Model) -> Vec<FailureWindow> {
    use crate::model::spec::FailureTarget;
    model
        .failures
        .iter()
        .map(|f| FailureWindow {
            target: match f.target {
                FailureTarget::FrontEnd(i) => format!("front-end {}", model.front_ends[i].name),
                FailureTarget::DatabasePrimary(i) => {
                    format!("database {} (primary)", model.databases[i].name)
                }
            },
            start: f.at,
            end: f.at + f.duration,
        })
        .collect()
}

/// The estimate over the defined (not NaN) values; mean NaN when none is.
fn defined(t: &mut TQuantiles, values: &mut Vec<f64>, bounds: Bounds) -> Estimate {
    values.retain(|v| !v.is_nan());
    if values.is_empty() {
        return Estimate {
            n: 0,
            mean: f64::NAN,
            sd: 0.0,
            half_95: None,
            half_99: None,
            bounds,
        };
    }
    t.estimate(values, bounds)
}

impl TimelineSummary {
    /// Summarizes the replications' timelines (in replication order);
    /// `None` when some replication has none or their windows differ.
    pub fn new<'a>(
        figures: impl IntoIterator<Item = Option<&'a TimelineFigures>>,
    ) -> Option<TimelineSummary> {
        let figs: Vec<&TimelineFigures> = figures.into_iter().collect::<Option<_>>()?;
        let first = *figs.first()?;
        let same = |f: &&TimelineFigures| {
            f.window == first.window
                && f.windows == first.windows
                && f.rows == first.rows
                && f.resources == first.resources
        };
        if !figs.iter().all(same) {
            return None;
        }
        let mut t = TQuantiles::default();
        let mut buf = Vec::with_capacity(figs.len());
        let mut est = |t: &mut TQuantiles,
                       get: &dyn Fn(&TimelineFigures) -> f64,
                       bounds: Bounds,
                       nan_ok: bool| {
            buf.clear();
            buf.extend(figs.iter().map(|f| get(f)));
            let e = if nan_ok {
                defined(t, &mut buf, bounds)
            } else {
                t.estimate(&buf, bounds)
            };
            WindowEstimate::of(&e)
        };
        // Each figure's CI is cut at its range: times, throughputs and
        // queues at 0, error rates and utilizations at 0 and 1.
        let (positive, fraction) = (Bounds::NonNegative, Bounds::Fraction);
        let mut classes = Vec::with_capacity(first.classes.len());
        for i in 0..first.classes.len() {
            classes.push(WindowClassSummary {
                throughput: est(&mut t, &|f| f.classes[i].throughput, positive, false),
                mean: est(&mut t, &|f| f.classes[i].mean, positive, true),
                p95: est(&mut t, &|f| f.classes[i].p95, positive, true),
                error_rate: est(&mut t, &|f| f.classes[i].error_rate, fraction, false),
                p95_censored: figs.iter().filter(|f| f.classes[i].p95_censored).count() as u32,
            });
        }
        let mut levels = Vec::with_capacity(first.levels.len());
        for i in 0..first.levels.len() {
            levels.push(WindowResourceSummary {
                utilization: est(&mut t, &|f| f.levels[i].utilization, fraction, true),
                mean_queue: est(&mut t, &|f| f.levels[i].mean_queue, positive, true),
            });
        }
        Some(TimelineSummary {
            window: first.window,
            start: first.start,
            end: first.end,
            windows: first.windows,
            rows: first.rows,
            resources: first.resources,
            classes,
            levels,
            failures: Vec::new(),
            clock: 0.0,
            clock_time: false,
            peaks: Vec::new(),
            error_peaks: Vec::new(),
        })
    }

    /// Sets `peaks`: for each of `rows` (the traffic classes), the window
    /// with the highest mean p95 over replications, the earliest on a tie;
    /// none for a class that answered nothing in any window. And
    /// `error_peaks`: the window with the highest mean error rate (the
    /// earliest on a tie), where its 95 % CI lies wholly above the peak
    /// window's (or the class has no peak and some errors).
    pub fn find_peaks(&mut self, rows: impl IntoIterator<Item = usize>) {
        let rows: Vec<usize> = rows.into_iter().filter(|&row| row < self.rows).collect();
        self.peaks = rows
            .iter()
            .filter_map(|&row| {
                (0..self.windows)
                    .filter(|&w| !self.class(w, row).p95.mean.is_nan())
                    .fold(None::<usize>, |best, w| match best {
                        Some(b) if self.class(b, row).p95.mean >= self.class(w, row).p95.mean => {
                            Some(b)
                        }
                        _ => Some(w),
                    })
                    .map(|window| Peak { row, window })
            })
            .collect();
        self.error_peaks = rows
            .iter()
            .filter_map(|&row| {
                let peak = self.peaks.iter().find(|p| p.row == row).map(|p| p.window);
                let worst = (0..self.windows)
                    .filter(|&w| !self.class(w, row).error_rate.mean.is_nan())
                    .fold(None::<usize>, |best, w| match best {
                        Some(b)
                            if self.class(b, row).error_rate.mean
                                >= self.class(w, row).error_rate.mean =>
                        {
                            Some(b)
                        }
                        _ => Some(w),
                    })?;
                let (e, at_peak) = (
                    &self.class(worst, row).error_rate,
                    peak.map(|p| &self.class(p, row).error_rate),
                );
                // Clearly above: the worst window's interval wholly above the
                // peak window's (the means, with one replication).
                let low = e.mean - e.half_95().unwrap_or(0.0);
                let clear = match at_peak {
                    Some(p) => Some(worst) != peak && low > p.mean + p.half_95().unwrap_or(0.0),
                    None => e.mean > 0.0,
                };
                clear.then_some(Peak { row, window: worst })
            })
            .collect();
    }

    /// Time of day (seconds since midnight, in `[0, 86400)`) at simulated
    /// time `t`.
    pub fn time_of_day(&self, t: f64) -> f64 {
        (self.clock + t).rem_euclid(86_400.0)
    }

    /// Start and end of window `w` (simulated seconds since the start).
    pub fn bounds(&self, w: usize) -> (f64, f64) {
        window_bounds(self.start, self.end, self.window, w)
    }

    /// Row `row` in window `w`.
    pub fn class(&self, w: usize, row: usize) -> &WindowClassSummary {
        &self.classes[w * self.rows + row]
    }

    /// Resource `k` in window `w`.
    pub fn resource(&self, w: usize, k: usize) -> &WindowResourceSummary {
        &self.levels[w * self.resources + k]
    }
}

/// A readable window length for a chart of a measured period of
/// `duration` seconds: the smallest round length giving at most 60
/// windows.
pub fn chart_window(duration: f64) -> f64 {
    const ROUND: [f64; 20] = [
        1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0,
        10800.0, 21600.0, 43200.0, 86400.0, 172_800.0, 604_800.0,
    ];
    let want = duration / 60.0;
    ROUND
        .iter()
        .copied()
        .find(|&w| w >= want)
        .unwrap_or_else(|| (want / 86400.0).ceil() * 86400.0)
}

/// Refuses, before anything runs, a timeline window that is not positive
/// or that would cut some variant's measured period into more than
/// [`MAX_WINDOWS`] windows.
pub fn check_timeline<'m>(models: impl IntoIterator<Item = &'m Model>) -> Result<()> {
    for model in models {
        let Some(w) = model.timeline else {
            continue;
        };
        if !(w.is_finite() && w > 0.0) {
            return Err(Error::Usage(format!(
                "--timeline: the window must be a positive duration such as 1m or 1h, got {w} s"
            )));
        }
        let windows = model.timeline_windows(w);
        if windows > MAX_WINDOWS as f64 {
            let least = model.duration / MAX_WINDOWS as f64;
            return Err(Error::Usage(format!(
                "--timeline {}: a measured period of {} would have {windows:.0} windows; \
                 at most {MAX_WINDOWS} are allowed, so the window must be at least {} \
                 (the duration / {MAX_WINDOWS})",
                crate::dist::format_duration(w),
                crate::dist::format_duration(model.duration),
                crate::dist::format_duration(least.max(1e-3)),
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_windows_are_round_and_few() {
        assert_eq!(chart_window(600.0), 10.0);
        assert_eq!(chart_window(3600.0), 60.0);
        assert_eq!(chart_window(86400.0), 1800.0);
        assert!(86400.0 * 365.0 / chart_window(86400.0 * 365.0) <= 60.0);
    }
}
