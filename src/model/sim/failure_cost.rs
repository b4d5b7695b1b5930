//! What each scheduled failure costs, in one replication: per traffic
//! class, the outcomes and the p95 before, during and after the failure,
//! and how long after the target is back the class's p95 takes to return
//! to its level before the failure.
//!
//! Why this file exists: a whole-run figure spreads a ten-minute outage
//! over hours, and timeline windows do not line up with the failure. These
//! figures are taken on the failure's own clock. For a failure starting at
//! `s` and lasting `D` (the target back at `e = s + D`), with `W` the end
//! of the warm-up and `T` the end of the run:
//!
//! * *before*: `[max(W, s − max(D, 5 min)), s)` — the pre-failure level;
//!   it starts later when another scheduled failure's *during* and
//!   *after* end inside it, so that it holds none of their effect;
//! * *during*: `[s, min(u, T))`, `u = s + L` the end of the outage: `L`
//!   is `D`, or for a database node with another node to fail over to,
//!   the `failover_duration` when it is longer (the instance serves
//!   nothing until the failover ends, even with the node back);
//! * *after*: `[min(u, T), min(u + L, T))` — the same length after it;
//! * *recovery*: from `e`, the measured period is cut into sub-windows of
//!   at least [`RECOVERY_STEP`] seconds and at least
//!   [`RECOVERY_RESPONSES`] responses of the class (a sub-window with no
//!   response yet starts again at each request of the class that ends in
//!   an error, so time after `e` in which the class gets only errors — a
//!   balancer not yet seeing the front-end back, a failover that outlasts
//!   the failed node's `duration` — is not counted as recovered); the
//!   recovery time is
//!   the start of the first sub-window whose p95 is at most
//!   `1 + RECOVERY_MARGIN` times the *before* p95, minus `e` (0 when the
//!   first one already is). A class with fewer than
//!   [`RECOVERY_RESPONSES`] responses in *before* has no recovery time:
//!   its p95 there is too uncertain a level. When none is before the end of the run the
//!   class did not recover: [`Recovery::NotBy`] carries the lower bound
//!   `T − e`.
//!
//! A request counts in the period in which it finishes, as in every other
//! figure. A failure that starts at or before the end of the warm-up has
//! no *before* and is not measured.
//!
//! Memory: two [`WindowHistogram`]s per failure × traffic class (the open
//! period's and the open recovery sub-window's), allocated when the
//! replication starts and cleared in place; nothing grows with requests.
//! Cost per finished request: a loop over the scheduled failures with a
//! few comparisons, and a histogram update for each failure whose periods
//! or recovery are open.

use super::results::Outcomes;
use crate::model::spec::{FailureTarget, Model};
use crate::stats::WindowHistogram;

/// The *before* period is at least this long (seconds), so a short failure
/// (a 30 s failover) is compared with a level measured on enough requests.
pub const BASELINE_MIN: f64 = 300.0;

/// A recovery sub-window lasts at least this long (seconds)…
pub const RECOVERY_STEP: f64 = 5.0;

/// …and holds at least this many responses of the class, so its p95 is
/// not the noise of a handful of requests.
pub const RECOVERY_RESPONSES: u64 = 200;

/// Recovered: the sub-window's p95 is within this fraction above the
/// *before* p95.
pub const RECOVERY_MARGIN: f64 = 0.10;

/// The periods a scheduled failure is measured over (simulated seconds
/// since the start of the run, each `[start, end)`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FailurePeriods {
    pub before: (f64, f64),
    pub during: (f64, f64),
    pub after: (f64, f64),
    /// When the target is back (`at + duration`); after the end of the run
    /// when it never is.
    pub back: f64,
    /// The end of the run.
    pub end: f64,
}

impl FailurePeriods {
    /// The periods of `model.failures[index]`; `None` when it starts at or
    /// before the end of the warm-up, or at or after the end of the run.
    pub fn of(model: &Model, index: usize) -> Option<FailurePeriods> {
        let f = model.failures.get(index)?;
        let (w, t) = (model.warmup, model.warmup + model.duration);
        let (s, d) = (f.at, f.duration);
        if !(s > w && s < t) {
            return None;
        }
        let e = s + d;
        // The span the failure keeps its target's service away: the
        // failed node's duration, or a longer failover.
        let until = s + Self::outage(model, index);
        // *before* leaves out every other failure whose own span (during
        // and after) ends by `s`: its errors and slow responses are not
        // this failure's level before. One still running at `s` is an
        // overlap (see `overlaps`).
        let clean_from = (0..model.failures.len())
            .filter(|&j| j != index)
            .map(|j| Self::disturbed(model, j))
            .filter(|&(_, until)| until < s)
            .map(|(_, until)| until)
            .fold((s - d.max(BASELINE_MIN)).max(w), f64::max);
        Some(FailurePeriods {
            before: (clean_from, s),
            during: (s, until.min(t)),
            after: (until.min(t), (2.0 * until - s).min(t)),
            back: e,
            end: t,
        })
    }

    /// How long failure `j` keeps its target from serving, at least: its
    /// `duration`, or for a database node when the cluster has another
    /// node to fail over to, the `failover_duration` when that is longer
    /// (the instance serves nothing until the failover ends, whether or
    /// not the failed node is back).
    fn outage(model: &Model, j: usize) -> f64 {
        let f = &model.failures[j];
        match f.target {
            FailureTarget::DatabasePrimary(db) if model.databases[db].nodes > 1 => {
                f.duration.max(model.databases[db].failover_duration)
            }
            _ => f.duration,
        }
    }

    /// The span failure `j` is charged with, `[at, at + 2 × outage)` cut
    /// at the end of the run (its *during* and *after*, whether it is
    /// measured or not).
    fn disturbed(model: &Model, j: usize) -> (f64, f64) {
        let f = &model.failures[j];
        let t = model.warmup + model.duration;
        (f.at, (f.at + 2.0 * Self::outage(model, j)).min(t))
    }

    /// The other scheduled failures (indices, in scenario order) whose span
    /// (during and after) shares time with the periods of failure `index`
    /// (before, during, after): its figures then include their effect, and
    /// the errors charged to both are counted twice. Empty for a failure
    /// that is not measured.
    pub fn overlaps(model: &Model, index: usize) -> Vec<usize> {
        let Some(p) = Self::of(model, index) else {
            return Vec::new();
        };
        (0..model.failures.len())
            .filter(|&j| j != index)
            .filter(|&j| {
                let (from, until) = Self::disturbed(model, j);
                from < p.after.1 && until > p.before.0
            })
            .collect()
    }

    /// Length of *before* (seconds; positive).
    pub fn before_len(&self) -> f64 {
        self.before.1 - self.before.0
    }

    /// Length of *during* and *after* together: the span whose errors the
    /// failure is charged with.
    pub fn span(&self) -> f64 {
        self.after.1 - self.during.0
    }

    /// Period boundaries in order: before opens, during opens, after
    /// opens, after closes.
    fn bounds(&self) -> [f64; 4] {
        [self.before.0, self.during.0, self.after.0, self.after.1]
    }
}

/// What one class measured in one period.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PeriodCounts {
    /// Requests that finished in the period, by outcome.
    pub outcomes: Outcomes,
    /// Responses with a time (ok, or cut at the client timeout).
    pub answered: u64,
    /// Their p95 (seconds, about 1 % precision); NaN with none.
    pub p95: f64,
    /// Of `answered`, the responses cut at the client timeout (recorded
    /// as exactly the timeout).
    pub cut: u64,
}

impl PeriodCounts {
    /// The period's p95 fell among the responses cut at the client
    /// timeout: it is only a lower bound.
    pub fn p95_censored(&self) -> bool {
        crate::stats::quantile_censored(0.95, self.answered, self.cut)
    }
}

impl Default for PeriodCounts {
    fn default() -> Self {
        PeriodCounts {
            outcomes: Outcomes::default(),
            answered: 0,
            p95: f64::NAN,
            cut: 0,
        }
    }
}

/// How long after the target was back a class's p95 returned to its
/// level before the failure.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Recovery {
    /// Seconds from the target's return to the start of the first
    /// sub-window within the margin (0: already within).
    Recovered(f64),
    /// Not recovered before the end of the run: at least this many seconds
    /// (the end minus the return; 0 when the target was still down).
    NotBy(f64),
    /// Fewer than [`RECOVERY_RESPONSES`] responses *before* (none, or a
    /// class too rare for its p95 to be a level): nothing to return to.
    NoBaseline,
}

/// One scheduled failure × traffic class in one replication.
#[derive(Clone, Debug, PartialEq)]
pub struct FailureCost {
    /// Index into `Model::failures`.
    pub failure: usize,
    /// Index into `Model::classes` (and `RunResult::classes`).
    pub class: usize,
    pub periods: FailurePeriods,
    pub before: PeriodCounts,
    pub during: PeriodCounts,
    pub after: PeriodCounts,
    pub recovery: Recovery,
}

/// One failure's clock.
struct Watch {
    failure: usize,
    periods: FailurePeriods,
    bounds: [f64; 4],
    /// Boundaries passed: 0 nothing open yet, 1 before open, 2 during, 3
    /// after, 4 all closed.
    passed: usize,
}

/// One failure × class.
struct Cell {
    /// The open period's outcomes and response times.
    outcomes: Outcomes,
    hist: WindowHistogram,
    /// Responses of the open period cut at the client timeout.
    cuts: u64,
    closed: [PeriodCounts; 3],
    /// The *before* p95, once *before* has closed (NaN until then or
    /// with nothing answered).
    baseline: f64,
    /// The open recovery sub-window.
    sub_start: f64,
    sub_hist: WindowHistogram,
    recovered: Option<f64>,
}

/// The collector inside a running replication.
pub(super) struct Collector {
    classes: usize,
    watches: Vec<Watch>,
    /// `watches × classes`, watch-major.
    cells: Vec<Cell>,
}

impl Collector {
    /// A collector for the measurable scheduled failures of `model`;
    /// `None` when there is none.
    pub(super) fn new(model: &Model) -> Option<Collector> {
        let watches: Vec<Watch> = (0..model.failures.len())
            .filter_map(|i| {
                FailurePeriods::of(model, i).map(|p| Watch {
                    failure: i,
                    periods: p,
                    bounds: p.bounds(),
                    passed: 0,
                })
            })
            .collect();
        let classes = model.classes.len();
        if watches.is_empty() || classes == 0 {
            return None;
        }
        let cells = watches
            .iter()
            .flat_map(|w| {
                (0..classes).map(move |_| Cell {
                    outcomes: Outcomes::default(),
                    hist: WindowHistogram::new(),
                    cuts: 0,
                    closed: [PeriodCounts::default(); 3],
                    baseline: f64::NAN,
                    sub_start: w.periods.back,
                    sub_hist: WindowHistogram::new(),
                    recovered: None,
                })
            })
            .collect();
        Some(Collector {
            classes,
            watches,
            cells,
        })
    }

    /// A request of row `row` finished at `now` (rows beyond the traffic
    /// classes are ignored).
    #[inline]
    pub(super) fn record(
        &mut self,
        now: f64,
        row: usize,
        outcome: fn(&mut Outcomes),
        latency: Option<f64>,
    ) {
        if row >= self.classes {
            return;
        }
        for w in 0..self.watches.len() {
            let watch = &self.watches[w];
            if watch.passed < 4 && now >= watch.bounds[watch.passed] {
                self.pass(w, now);
            }
            let watch = &self.watches[w];
            let (open, back) = ((1..4).contains(&watch.passed), watch.periods.back);
            let cell = &mut self.cells[w * self.classes + row];
            if open {
                outcome(&mut cell.outcomes);
                if let Some(l) = latency {
                    cell.hist.record(l);
                }
            }
            if now < back || cell.recovered.is_some() || cell.baseline.is_nan() {
                continue;
            }
            let Some(l) = latency else {
                // Rejected or failed with no answer yet in the open
                // sub-window: time in which the class gets only errors (a
                // balancer not yet seeing the front-end back, a failover
                // that outlasts the failed node) is not recovered time.
                if cell.sub_hist.count() == 0 {
                    cell.sub_start = now;
                }
                continue;
            };
            cell.sub_hist.record(l);
            if now - cell.sub_start >= RECOVERY_STEP && cell.sub_hist.count() >= RECOVERY_RESPONSES
            {
                let p95 = cell.sub_hist.quantile(0.95);
                if p95 <= (1.0 + RECOVERY_MARGIN) * cell.baseline {
                    cell.recovered = Some(cell.sub_start - back);
                } else {
                    cell.sub_hist.clear();
                    cell.sub_start = now;
                }
            }
        }
    }

    /// The response of row `row` just recorded (at the same instant) was
    /// cut at the client timeout.
    pub(super) fn cut(&mut self, row: usize) {
        if row >= self.classes {
            return;
        }
        for (w, watch) in self.watches.iter().enumerate() {
            if (1..4).contains(&watch.passed) {
                self.cells[w * self.classes + row].cuts += 1;
            }
        }
    }

    /// Closes every period of watch `w` that ended at or before `now` and
    /// opens the next.
    #[cold]
    fn pass(&mut self, w: usize, now: f64) {
        let watch = &mut self.watches[w];
        while watch.passed < 4 && now >= watch.bounds[watch.passed] {
            let closing = watch.passed; // the period open until now: 1, 2 or 3
            watch.passed += 1;
            if closing == 0 {
                continue;
            }
            for c in 0..self.classes {
                let cell = &mut self.cells[w * self.classes + c];
                let counts = PeriodCounts {
                    outcomes: std::mem::take(&mut cell.outcomes),
                    answered: cell.hist.count(),
                    p95: cell.hist.quantile(0.95),
                    cut: std::mem::take(&mut cell.cuts),
                };
                cell.hist.clear();
                cell.closed[closing - 1] = counts;
                // A level from fewer responses than a recovery sub-window
                // holds is too uncertain to judge a 10 % return against:
                // such a class has no recovery time.
                if closing == 1 && counts.answered >= RECOVERY_RESPONSES {
                    cell.baseline = counts.p95;
                }
            }
        }
    }

    /// Closes what is still open at the end of the run and hands the
    /// figures over, failure-major.
    pub(super) fn finish(mut self, end: f64) -> Vec<FailureCost> {
        for w in 0..self.watches.len() {
            self.pass(w, end);
        }
        let mut out = Vec::with_capacity(self.cells.len());
        for (w, watch) in self.watches.iter().enumerate() {
            for c in 0..self.classes {
                let cell = &self.cells[w * self.classes + c];
                let recovery = match cell.recovered {
                    Some(t) => Recovery::Recovered(t),
                    None if cell.baseline.is_nan() => Recovery::NoBaseline,
                    None => Recovery::NotBy((end - watch.periods.back).max(0.0)),
                };
                out.push(FailureCost {
                    failure: watch.failure,
                    class: c,
                    periods: watch.periods,
                    before: cell.closed[0],
                    during: cell.closed[1],
                    after: cell.closed[2],
                    recovery,
                });
            }
        }
        out
    }
}

/// Bytes a replication's collector holds for `model` (for
/// `--max-memory`): two window histograms per failure × class.
pub fn estimated_memory(model: &Model) -> f64 {
    const PER_CELL: f64 = 2.0 * 10e3;
    (model.failures.len() * model.classes.len()) as f64 * PER_CELL
}
