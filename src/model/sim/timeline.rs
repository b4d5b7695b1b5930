//! Figures per window of simulated time (`--timeline`): per row (traffic
//! class, timer, publishes) the outcome counts, response-time sum and p95
//! of each window; per resource its utilization and mean queue.
//!
//! Why this file exists: a whole-run average hides a failover or a daily
//! peak. A timeline is one more streaming statistic keyed by window index,
//! never a list of requests: the window arrays are allocated once when the
//! replication starts (windows × rows, windows × resources), and only the
//! open window has a histogram per row ([`WindowHistogram`], cleared when
//! the window closes). A request counts in the window in which it
//! finishes, exactly as it counts in the whole-run figures.
//!
//! Resources are read at window boundaries: the run loop compares the next
//! event's time with the next boundary (one comparison per event) and,
//! when it passes, reads each resource's time integrals of busy servers and
//! queue (levels are constant between events, so the integral up to the
//! boundary is exact). The difference from the previous boundary over the
//! window's length is the window's utilization and mean queue; the windows
//! add up to the whole run's integrals.

use super::Sim;
use super::results::Outcomes;
use crate::stats::WindowHistogram;

/// What one row measured in one window.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct WindowCounts {
    /// Requests answered successfully (what throughput counts).
    pub ok: u64,
    /// Requests that finished, whatever the outcome.
    pub finished: u64,
    /// Rejected, timed out or failed.
    pub errors: u64,
    /// Requests with a response time (ok, or timed out at the timeout).
    pub answered: u64,
    /// Sum of their response times (seconds).
    pub response_sum: f64,
    /// Their 95th percentile (seconds); NaN with none.
    pub p95: f64,
    /// Of `answered`, the responses cut at the client timeout (recorded
    /// as exactly the timeout).
    pub cut: u64,
}

impl WindowCounts {
    /// The window's p95 fell among the responses cut at the client
    /// timeout: it is only a lower bound (as `ClassFigures::censored`).
    pub fn p95_censored(&self) -> bool {
        crate::stats::quantile_censored(0.95, self.answered, self.cut)
    }
}

/// What one resource measured in one window.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct WindowLevels {
    /// Mean fraction of servers busy; NaN where not defined.
    pub utilization: f64,
    pub mean_queue: f64,
}

/// One replication's timeline.
#[derive(Clone, Debug, PartialEq)]
pub struct Timeline {
    /// Window length (seconds).
    pub window: f64,
    /// Start of the first window: the end of the warm-up (simulated
    /// seconds since the start of the run).
    pub start: f64,
    /// End of the last window: the end of the run.
    pub end: f64,
    pub windows: usize,
    /// Rows per window (as `RunResult::classes`).
    pub rows: usize,
    /// Resources per window (as `RunResult::resources`).
    pub resources: usize,
    /// `windows × rows`, window-major.
    pub classes: Vec<WindowCounts>,
    /// `windows × resources`, window-major.
    pub levels: Vec<WindowLevels>,
}

impl Timeline {
    /// Start and end of window `w` (simulated seconds since the start).
    pub fn bounds(&self, w: usize) -> (f64, f64) {
        window_bounds(self.start, self.end, self.window, w)
    }

    /// Row `row` in window `w`.
    pub fn class(&self, w: usize, row: usize) -> &WindowCounts {
        &self.classes[w * self.rows + row]
    }

    /// Resource `k` in window `w`.
    pub fn resource(&self, w: usize, k: usize) -> &WindowLevels {
        &self.levels[w * self.resources + k]
    }
}

/// Start and end of window `w` of `window` seconds from `start`, the last
/// one cut at `end`.
pub fn window_bounds(start: f64, end: f64, window: f64, w: usize) -> (f64, f64) {
    let a = start + w as f64 * window;
    (a, (a + window).min(end))
}

/// The collector inside a running replication.
pub(super) struct Collector {
    tl: Timeline,
    /// The window open now.
    current: usize,
    /// Outcomes, answered count and response sum of the open window, per row.
    outcomes: Vec<Outcomes>,
    sums: Vec<f64>,
    cuts: Vec<u64>,
    hists: Vec<WindowHistogram>,
    /// Resources' integrals at the open window's start.
    prev: Vec<(f64, f64)>,
    /// Their integrals now (reused buffer).
    now: Vec<(f64, f64)>,
}

impl Collector {
    pub(super) fn new(window: f64, start: f64, end: f64, rows: usize, resources: usize) -> Self {
        let windows = ((end - start) / window).ceil().max(1.0) as usize;
        Collector {
            tl: Timeline {
                window,
                start,
                end,
                windows,
                rows,
                resources,
                classes: vec![WindowCounts::default(); windows * rows],
                levels: vec![WindowLevels::default(); windows * resources],
            },
            current: 0,
            outcomes: vec![Outcomes::default(); rows],
            sums: vec![0.0; rows],
            cuts: vec![0; rows],
            hists: (0..rows).map(|_| WindowHistogram::new()).collect(),
            prev: vec![(0.0, 0.0); resources],
            now: vec![(0.0, 0.0); resources],
        }
    }

    /// When the open window closes (the last one closes at the end of the
    /// run, not here: infinity).
    pub(super) fn next_boundary(&self) -> f64 {
        if self.current + 1 < self.tl.windows {
            self.tl.bounds(self.current).1
        } else {
            f64::INFINITY
        }
    }

    #[inline]
    pub(super) fn record(&mut self, row: usize, outcome: fn(&mut Outcomes), latency: Option<f64>) {
        outcome(&mut self.outcomes[row]);
        if let Some(l) = latency {
            self.sums[row] += l;
            self.hists[row].record(l);
        }
    }

    /// A response of `row` recorded in the open window was cut at the
    /// client timeout.
    pub(super) fn cut(&mut self, row: usize) {
        self.cuts[row] += 1;
    }

    /// Closes the open window, with the resources' integrals at its end in
    /// `self.now`, and opens the next (if any).
    fn close(&mut self) {
        let w = self.current;
        let (a, b) = self.tl.bounds(w);
        let len = b - a;
        for row in 0..self.tl.rows {
            let o = std::mem::take(&mut self.outcomes[row]);
            let h = &mut self.hists[row];
            self.tl.classes[w * self.tl.rows + row] = WindowCounts {
                ok: o.ok,
                finished: o.finished(),
                errors: o.rejected + o.timed_out + o.failed,
                answered: h.count(),
                response_sum: std::mem::take(&mut self.sums[row]),
                p95: h.quantile(0.95),
                cut: std::mem::take(&mut self.cuts[row]),
            };
            h.clear();
        }
        for k in 0..self.tl.resources {
            let (u0, q0) = self.prev[k];
            let (u1, q1) = self.now[k];
            self.tl.levels[w * self.tl.resources + k] = WindowLevels {
                utilization: (u1 - u0) / len,
                mean_queue: (q1 - q0) / len,
            };
            self.prev[k] = self.now[k];
        }
        self.current += 1;
    }
}

impl Sim<'_> {
    /// The integrals of every resource at `now`, in the order of
    /// `RunResult::resources` (see `results.rs`).
    fn resource_integrals(&self, now: f64, out: &mut [(f64, f64)]) {
        let mut k = 0;
        let mut put = |x: (f64, f64)| {
            out[k] = x;
            k += 1;
        };
        for f in &self.fes {
            put(f.cpu.integrals(now));
            put(f.workers.integrals(now));
            put(f.pool.integrals(now));
        }
        for d in &self.dbs {
            put(d.cpu.integrals(now));
        }
        for (x, spec) in self.ext.iter().zip(&self.m.external) {
            let (u, q) = x.integrals(now);
            put(match spec.concurrency {
                Some(_) => (u, q),
                None => (f64::NAN, q),
            });
        }
        for dc in self.dcs.iter().flatten() {
            put(dc.integrals(now));
        }
    }

    /// Resources measured (the length of `RunResult::resources`).
    pub(super) fn resource_count(&self) -> usize {
        self.fes.len() * 3 + self.dbs.len() + self.ext.len() + self.dcs.iter().flatten().count()
    }

    /// Closes every window that ended at or before `now` (an event at a
    /// boundary belongs to the next window).
    #[cold]
    pub(super) fn close_windows(&mut self, now: f64) {
        let Some(mut c) = self.timeline.take() else {
            return;
        };
        self.close_windows_of(&mut c, now);
        self.next_window = c.next_boundary();
        self.timeline = Some(c);
    }

    /// Closes the last window at the end of the run and hands the timeline
    /// over.
    pub(super) fn finish_timeline(&mut self, end: f64) -> Option<Timeline> {
        let mut c = self.timeline.take()?;
        self.close_windows_of(&mut c, end);
        self.resource_integrals(end, &mut c.now);
        c.close();
        Some(c.tl)
    }

    fn close_windows_of(&mut self, c: &mut Collector, now: f64) {
        while now >= c.next_boundary() {
            let at = c.next_boundary();
            self.resource_integrals(at, &mut c.now);
            c.close();
        }
    }
}
