//! What the observed data says about the installation: per class its
//! hourly arrival rates, its observed response times, and its CPU demand on
//! the front-ends and on the database, fitted by non-negative least squares
//! on the utilization law.
//!
//! Why this file exists: the parsers only count (`Observed`); turning counts
//! and CPU samples into demands is a statistical fit with its own failure
//! modes (classes whose rates move together cannot be told apart), and the
//! writer and the check only read its result ([`Calibration`]).
//!
//! **The regression.** For a machine with `cores` cores, over each sampled
//! interval `t`: `U(t) × cores = Σ_c X_c(t) × D_c + background`, where
//! `U(t)` is the mean `% Processor Time` of the samples covering the
//! interval, `X_c(t)` the completions of class `c` in it per second and `D_c`
//! the CPU seconds per request. A sample stamped `t` covers the period since
//! the previous sample (`typeperf` averages over it); it is placed in the
//! interval holding the middle of that period. The front-ends' rows are
//! pooled (one row per front-end and interval, each with its own cores and
//! completions); the database's rows use every front-end's completions of
//! the environments on that instance. The first and last interval of the
//! data, which it may cover only in part, are left out. The solution is
//! Lawson and Hanson's active-set NNLS (demands and background ≥ 0).
//! Standard errors come from `σ² (AᵀA)⁻¹` over the columns of the fit.

use crate::analytic::erlang_c;
use crate::error::{Error, Result};
use crate::model::Model;

use super::observed::{CpuSeries, Machine, Observed};
use super::write::utc;

/// A column whose variance-inflation factor exceeds this cannot be told
/// apart from the others (its R² against them is above 0.9): the usual
/// rule of thumb for serious collinearity.
const VIF_LIMIT: f64 = 10.0;

/// One fit of the utilization law on one kind of server.
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    /// `front-ends` or `database NAME`.
    pub server: String,
    /// Counter hosts whose series entered the fit.
    pub hosts: Vec<String>,
    /// Per class (as `Observed::classes`): fitted demand in seconds, `None`
    /// for a class with no request in the fit's rows (machine-intervals).
    pub demand: Vec<Option<f64>>,
    /// Standard error of each demand, seconds (NaN when it cannot be computed).
    pub se: Vec<f64>,
    /// Background busy cores (per machine) not explained by requests.
    pub background: f64,
    /// Coefficient of determination of the fit.
    pub r2: f64,
    /// Rows (machine × interval) in the fit.
    pub rows: usize,
    /// Mean observed utilization of the machines in the fit (0..1).
    pub utilization: f64,
    /// Cores of one machine (the mean over the fitted machines).
    pub cores: f64,
    /// Classes that cannot be told apart, in words.
    pub warnings: Vec<String>,
}

/// What one class shows.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassEstimate {
    pub name: String,
    /// Requests observed, all statuses.
    pub requests: u64,
    /// Peak hourly rate (requests per second) and its hour of day (UTC).
    pub rate: f64,
    pub peak_hour: usize,
    /// Hourly rate over the peak, per hour of day; 0 for hours not observed.
    pub profile: [f64; 24],
    /// Completions per second, comparable with what the written scenario
    /// simulates: for open arrivals, the hourly rates averaged over the
    /// simulated window ([`Calibration::simulated_window`]), each hour
    /// weighted by the seconds of it the window holds; for a closed
    /// population (a load test), the completions over the seconds the data
    /// covers.
    pub throughput: f64,
    /// Observed response times of the answered requests, seconds.
    pub mean: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    /// Fraction rejected (503) and failed (other 5xx) over all requests.
    pub rejected: f64,
    pub failed: f64,
    /// What the written CPU, database and network explain of the mean
    /// response, seconds, and the rest (observed mean minus explained).
    pub explained: f64,
    pub residual: f64,
    /// Front-end CPU per request as written, seconds: the fitted demand,
    /// or without front-end counters [`DEFAULT_CPU`] times `assumed_scale`.
    pub cpu: f64,
    /// Database time as written, seconds: with counters of the class's
    /// database the fitted demand per request, else the time per call of
    /// [`DEFAULT_DB_CALLS`] calls, [`DEFAULT_DB_TIME`] times
    /// `assumed_scale`; `None` when the class has no database.
    pub db: Option<f64>,
    /// What the defaults written in place of uncalibrated demands were
    /// multiplied by so that they fit in the observed mean response: 1 when
    /// they fit, down to 0 when the network alone takes the whole mean.
    pub assumed_scale: f64,
    /// From a load test: the closed population the scenario is written with.
    pub closed: Option<Closed>,
}

/// A load test's class as the schema's closed population: whole `users`,
/// each cycling through `think` and the class's response time.
///
/// The threads that issued the class are a fraction `L` on average (one
/// JMeter thread running four samplers gives each about a quarter), and
/// the schema's `users` is a whole number. By Little's law a class's
/// throughput is `X = users / (think + R)`, `R` its mean response time, so
/// the class is written with `users = ⌈L⌉` (at least 1) and the think time
/// that gives the observed throughput with them: `think = users / X − R`.
/// Rounding up keeps it at least the observed mean think time (rounding
/// down could ask for a negative one). Each class is thus its own
/// population issuing its own observed throughput; the users of all
/// classes may add up to more than the test's threads, each thinking
/// longer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Closed {
    pub users: u64,
    /// Mean think time, seconds.
    pub think: f64,
}

impl Closed {
    /// The population that issues `throughput` (per second) with a mean
    /// response of `p.response`; `None` without throughput.
    pub fn of(p: &super::observed::Population, throughput: f64) -> Option<Closed> {
        if !(throughput > 0.0 && p.users.is_finite()) {
            return None;
        }
        let users = ((p.users - 1e-9).ceil() as u64).max(1);
        let think = (users as f64 / throughput - p.response).max(0.0);
        Some(Closed { users, think })
    }
}

/// Everything `calibrate` estimated.
#[derive(Clone, Debug, PartialEq)]
pub struct Calibration {
    pub classes: Vec<ClassEstimate>,
    /// The front-ends' CPU fit; `None` without front-end counters.
    pub front_end: Option<Fit>,
    /// One fit per database instance with counters.
    pub databases: Vec<Fit>,
    /// Observed span: start (Unix seconds, UTC) and length (seconds).
    pub start: i64,
    pub span: f64,
}

impl Calibration {
    /// The written scenario's measured window: its start as seconds of the
    /// day (the warm-up from 00:00) and its duration in whole seconds (the
    /// observed span, at most a day).
    pub fn simulated_window(&self) -> (f64, f64) {
        simulated_window(self.start, self.span)
    }
}

fn simulated_window(start: i64, span: f64) -> (f64, f64) {
    (start.rem_euclid(86_400) as f64, span.min(86_400.0).round())
}

/// The mean of hourly rates (per hour of day) over `duration` seconds from
/// `tod` seconds after midnight, the day repeating: what a scenario with
/// these hourly rates issues over that window.
fn window_rate(hourly: &[f64; 24], tod: f64, duration: f64) -> f64 {
    if duration <= 0.0 {
        return 0.0;
    }
    let (mut t, end, mut sum) = (tod, tod + duration, 0.0);
    while t < end {
        let hour = (t / 3600.0).floor();
        let upto = ((hour + 1.0) * 3600.0).min(end);
        sum += hourly[(hour as i64).rem_euclid(24) as usize] * (upto - t);
        t = upto;
    }
    sum / duration
}

/// Front-end CPU per request written without front-end counters: the
/// sizing guide's Reactive figure (11.2 ms on 4 cores for 250 req/s).
pub const DEFAULT_CPU: f64 = 0.0112;

/// Database calls per request and database time per call written without
/// counters of the class's database: the schema's defaults (`db_calls =
/// 2`, `db_time = exp(3.5ms)`), written out so that what the check
/// simulates is what the leftover was computed with.
pub const DEFAULT_DB_CALLS: f64 = 2.0;
pub const DEFAULT_DB_TIME: f64 = 0.0035;

/// One-way network delay the written scenario keeps (the schema's default
/// `network`, `const(5ms)`), counted twice in what is explained.
pub const NETWORK_ONE_WAY: f64 = 0.005;

/// The written scenario keeps the base's timers and BPT processes, whose
/// CPU runs on the front-ends. The counters show as *background* what no
/// request explains, where that load would be. When the kept load is
/// clearly above the background, the installation most likely does not
/// run them (or not as the base says), and the calibration check would
/// overstate the front-ends' CPU by the difference: a warning says so,
/// naming them. "Clearly": more than 0.005 busy cores per machine and
/// more than 5 % of the machines' observed busy cores.
fn kept_load_warning(model: &Model, fitted: &[String], fit: &Fit) -> Option<String> {
    let zones: Vec<usize> = model
        .front_ends
        .iter()
        .filter(|f| fitted.contains(&f.name))
        .map(|f| f.zone)
        .collect();
    let machines = zones.len();
    let in_fit = |zone: usize| zones.contains(&zone);
    let mut load = 0.0;
    let mut names = Vec::new();
    for t in model.timers.iter().filter(|t| in_fit(t.zone)) {
        load += t.cpu.mean() / t.period;
        names.push(format!("timer {}", t.name));
    }
    for p in model.processes.iter().filter(|p| in_fit(p.zone)) {
        let shape = p.profile.map_or(1.0, |h| h.iter().sum::<f64>() / 24.0);
        load += p.rate * shape * p.activities as f64 * p.cpu.mean();
        names.push(format!("process {}", p.name));
    }
    if machines == 0 || names.is_empty() {
        return None;
    }
    let per_machine = load / machines as f64;
    let excess = per_machine - fit.background;
    let busy = fit.utilization * fit.cores;
    (excess > 0.005 && excess > 0.05 * busy).then(|| {
        format!(
            "the base's {} kept in the written scenario put {per_machine:.3} busy cores on each front-end on average, while the counters leave {:.3} unexplained by the requests: if the installation does not run them as written, edit or remove them there, or the calibration check overstates front-end CPU by about {excess:.3} busy cores per front-end ({:.1} % of one)",
            names.join(", "),
            fit.background,
            excess / fit.cores * 100.0
        )
    })
}

/// Fits every demand the data allows against `model`, the base scenario's
/// model (its front-ends, cores and databases).
///
/// A counter series that gives the fit no interval (its samples do not
/// overlap the requests, or fall only in the first or last interval, which
/// are left out) is an [`Error::Usage`] naming its file, its server and
/// both time spans: dropping it would silently leave the CPU uncalibrated.
pub fn calibrate(obs: &Observed, model: &Model) -> Result<Calibration> {
    let n_classes = obs.classes.len();
    let fe_cores: Vec<f64> = obs
        .front_ends
        .iter()
        .map(|name| {
            model
                .front_ends
                .iter()
                .find(|f| &f.name == name)
                .map_or(1.0, |f| f.cores)
        })
        .collect();
    let fe_db: Vec<Option<usize>> = obs
        .front_ends
        .iter()
        .map(|name| {
            model
                .front_ends
                .iter()
                .find(|f| &f.name == name)
                .map(|f| model.environments[model.zones[f.zone].environment].database)
        })
        .collect();
    let active: Vec<bool> = obs.classes.iter().map(|c| c.total() > 0).collect();

    // Front-ends: one row per (front-end, interval with a sample).
    let mut fe_rows = Rows::default();
    for s in &obs.cpu {
        let Machine::FrontEnd(f) = s.machine else {
            continue;
        };
        if !served_any(obs, &[f]) {
            return Err(idle_machine(
                s,
                &format!("front-end {}", obs.front_ends[f]),
                "give its IIS log as well (a load test spreads its samples over the front-ends of the environment it drove only)",
            ));
        }
        let cores = fe_cores[f];
        fe_rows.hosts.push(s.host.clone());
        fe_rows.cores.push(cores);
        for (i, u) in usable_intervals(obs, s)? {
            let x: Vec<f64> = obs
                .classes
                .iter()
                .map(|c| {
                    c.completions
                        .get(f)
                        .map_or(0, |v| v.get(i).copied().unwrap_or(0)) as f64
                        / obs.interval
                })
                .collect();
            fe_rows.push(x, u * cores, u);
        }
    }
    let mut front_end =
        (!fe_rows.y.is_empty()).then(|| fe_rows.fit("front-ends".into(), obs, &active));
    if let Some(fit) = front_end.as_mut()
        && let Some(w) = kept_load_warning(model, &obs.front_ends, fit)
    {
        fit.warnings.push(w);
    }

    let mut databases = Vec::new();
    for (d, db) in model.databases.iter().enumerate() {
        let mut rows = Rows::default();
        for s in &obs.cpu {
            if s.machine != Machine::Database(db.name.clone()) {
                continue;
            }
            let its_front_ends: Vec<usize> = (0..obs.front_ends.len())
                .filter(|&f| fe_db[f] == Some(d))
                .collect();
            if !served_any(obs, &its_front_ends) {
                return Err(idle_machine(
                    s,
                    &format!("database {}", db.name),
                    "give the IIS logs of the front-ends of its environments as well",
                ));
            }
            rows.hosts.push(s.host.clone());
            rows.cores.push(db.cores);
            for (i, u) in usable_intervals(obs, s)? {
                let x: Vec<f64> = obs
                    .classes
                    .iter()
                    .map(|c| {
                        (0..obs.front_ends.len())
                            .filter(|&f| fe_db[f] == Some(d))
                            .map(|f| {
                                c.completions
                                    .get(f)
                                    .map_or(0, |v| v.get(i).copied().unwrap_or(0))
                                    as f64
                            })
                            .sum::<f64>()
                            / obs.interval
                    })
                    .collect();
                rows.push(x, u * db.cores, u);
            }
        }
        if !rows.y.is_empty() {
            databases.push(rows.fit(format!("database {}", db.name), obs, &active));
        }
    }

    // The observed window and the seconds of it the data covers, as the
    // parsers measured them: independent of `--interval`.
    let start = obs.window.0.floor();
    let span = (obs.window.1 - start).max(0.0);
    let covered: f64 = obs.hour_coverage.iter().sum();
    let (tod, duration) = simulated_window(start as i64, span);

    // What the written scenario will put on the machines: the fitted
    // demands, or the defaults written in their place. Without counters,
    // the utilization at which they are stretched is the one they imply at
    // the observed throughput (utilization law), over the machines.
    let class_db: Vec<Option<usize>> = obs
        .classes
        .iter()
        .map(|c| {
            let f = (0..c.completions.len())
                .max_by_key(|&f| c.completions[f].iter().map(|&n| u64::from(n)).sum::<u64>())?;
            fe_db[f]
        })
        .collect();
    let db_fit_of = |d: Option<usize>| {
        d.and_then(|d| {
            let server = format!("database {}", model.databases[d].name);
            databases.iter().find(|f| f.server == server)
        })
    };
    let mean_rate = |c: &super::observed::ClassObserved| {
        if covered > 0.0 {
            c.total() as f64 / covered
        } else {
            0.0
        }
    };
    let fe_total_cores: f64 = fe_cores.iter().sum();
    let fe_default_load: f64 = obs.classes.iter().map(|c| mean_rate(c) * DEFAULT_CPU).sum();
    let fe_default = (
        fe_total_cores / fe_cores.len().max(1) as f64,
        if fe_total_cores > 0.0 {
            fe_default_load / fe_total_cores
        } else {
            0.0
        },
    );
    let mut db_default_load = vec![0.0; model.databases.len()];
    for (k, c) in obs.classes.iter().enumerate() {
        if let Some(d) = class_db[k] {
            db_default_load[d] += mean_rate(c) * DEFAULT_DB_CALLS * DEFAULT_DB_TIME;
        }
    }

    let mut classes = Vec::with_capacity(n_classes);
    for (k, c) in obs.classes.iter().enumerate() {
        let hourly = c.hourly_rate(&obs.hour_coverage);
        let (peak_hour, rate) =
            hourly
                .iter()
                .copied()
                .enumerate()
                .fold(
                    (0, 0.0),
                    |best, (h, r)| if r > best.1 { (h, r) } else { best },
                );
        let mut profile = [0.0; 24];
        if rate > 0.0 {
            for h in 0..24 {
                profile[h] = hourly[h] / rate;
            }
        }
        let total = c.total();
        let status = |f: &dyn Fn(u16) -> bool| {
            c.statuses
                .iter()
                .filter(|(s, _)| f(**s))
                .map(|(_, n)| *n)
                .sum::<u64>() as f64
                / total.max(1) as f64
        };
        let answered = c.response.count();
        let mean = if answered > 0 {
            c.response_sum / answered as f64
        } else {
            f64::NAN
        };
        // Explained: the network, then each demand as written, stretched
        // at its machine's utilization; `fitted` from counters, `assumed`
        // the defaults written without them.
        let mut fitted = 2.0 * NETWORK_ONE_WAY;
        let mut assumed = 0.0;
        let fe = front_end.as_ref().and_then(|f| f.demand[k].map(|d| (f, d)));
        match fe {
            Some((fit, d)) => fitted += d * stretch(fit.cores, fit.utilization),
            None => assumed += DEFAULT_CPU * stretch(fe_default.0, fe_default.1),
        }
        let db = db_fit_of(class_db[k]).and_then(|f| f.demand[k].map(|d| (f, d)));
        match (db, class_db[k]) {
            (Some((fit, d)), _) => fitted += d * stretch(fit.cores, fit.utilization),
            (None, Some(d)) => {
                let cores = model.databases[d].cores;
                assumed += DEFAULT_DB_CALLS
                    * DEFAULT_DB_TIME
                    * stretch(cores, db_default_load[d] / cores.max(1e-9));
            }
            (None, None) => {}
        }
        // The defaults are assumptions, the observed mean is data: when
        // they do not fit in it, they are scaled down until they do.
        let scale = if assumed > 0.0 && mean.is_finite() && fitted + assumed > mean {
            ((mean - fitted) / assumed).clamp(0.0, 1.0)
        } else {
            1.0
        };
        let explained = fitted + scale * assumed;
        let throughput = if c.population.is_some() {
            if covered > 0.0 {
                total as f64 / covered
            } else {
                0.0
            }
        } else {
            window_rate(&hourly, tod, duration)
        };
        classes.push(ClassEstimate {
            name: c.name.clone(),
            requests: total,
            rate,
            peak_hour,
            profile,
            throughput,
            mean,
            p50: if answered > 0 {
                c.response.quantile(0.50)
            } else {
                f64::NAN
            },
            p95: if answered > 0 {
                c.response.quantile(0.95)
            } else {
                f64::NAN
            },
            p99: if answered > 0 {
                c.response.quantile(0.99)
            } else {
                f64::NAN
            },
            rejected: status(&|s| s == 503),
            failed: status(&|s| s >= 500 && s != 503),
            explained,
            residual: mean - explained,
            cpu: fe.map_or(DEFAULT_CPU * scale, |(_, d)| d),
            db: db.map_or(class_db[k].map(|_| DEFAULT_DB_TIME * scale), |(_, d)| {
                Some(d)
            }),
            assumed_scale: scale,
            closed: c
                .population
                .as_ref()
                .and_then(|p| Closed::of(p, throughput)),
        });
    }
    Ok(Calibration {
        classes,
        front_end,
        databases,
        start: start as i64,
        span,
    })
}

/// Whether any request of the data ended on one of `front_ends`.
fn served_any(obs: &Observed, front_ends: &[usize]) -> bool {
    obs.classes.iter().any(|c| {
        front_ends.iter().any(|&f| {
            c.completions
                .get(f)
                .is_some_and(|v| v.iter().any(|&n| n > 0))
        })
    })
}

/// Counters of a machine that served none of the requests read: every row
/// of it would say "this CPU, no request", so the fit would take its whole
/// CPU as background and pull every demand down, without a sign. As with
/// an unmapped counter server, refusing is better than a spoiled fit.
fn idle_machine(s: &CpuSeries, machine: &str, fix: &str) -> Error {
    Error::Usage(format!(
        "{}: the % Processor Time counter of {} is {machine}, which served none of the requests read: its CPU would be fitted as background and pull every demand down; {fix}, or leave its counters out",
        s.file.display(),
        s.host
    ))
}

/// [`interval_means`] of one series; none is an error saying why.
fn usable_intervals(obs: &Observed, s: &CpuSeries) -> Result<Vec<(usize, f64)>> {
    let means = interval_means(obs, &s.samples);
    if !means.is_empty() {
        return Ok(means);
    }
    let (from, to) = obs.window;
    let requests = format!(
        "the requests ({} to {} UTC)",
        utc(from.floor() as i64),
        utc(to.ceil() as i64)
    );
    let (Some(first), Some(last)) = (s.samples.first(), s.samples.last()) else {
        return Err(Error::Usage(format!(
            "{}: the % Processor Time counter of {} has no sample: every value is empty",
            s.file.display(),
            s.host
        )));
    };
    let counters = format!(
        "{}: the % Processor Time samples of {} ({} to {} UTC)",
        s.file.display(),
        s.host,
        utc(first.0.floor() as i64),
        utc(last.0.ceil() as i64)
    );
    let why = if last.0 <= from || first.0 > to {
        format!(
            "{counters} do not overlap {requests}: give counters of the same period (a wrong time-zone bias in the header's last parenthesis shifts them: UTC = local time + bias)"
        )
    } else if obs.intervals < 3 {
        format!(
            "{counters}: {requests} span {} interval(s) of --interval {} s; the fit leaves out the first and the last, which the data may cover only in part, so it needs at least 3: give a shorter --interval (the requests span {} s)",
            obs.intervals,
            obs.interval,
            (to - from).round()
        )
    } else {
        format!(
            "{counters} fall only in the first or last interval of --interval {} s of {requests}, which the fit leaves out as the data may cover them only in part: give counters of the same period, or a shorter --interval",
            obs.interval
        )
    };
    Err(Error::Usage(why))
}

/// Mean response over mean demand of a `cores`-server processor-sharing
/// machine at `utilization` with exponential demands (as M/M/c):
/// `1 + C(c, cρ) / (c (1 − ρ))`.
pub fn stretch(cores: f64, utilization: f64) -> f64 {
    let c = cores.round().max(1.0);
    let rho = utilization.clamp(0.0, 0.99);
    1.0 + erlang_c(c as u32, c * rho) / (c * (1.0 - rho))
}

/// Mean utilization (0..1) per interval of one CPU series, by the middle of
/// the period each sample covers; the data's first and last interval are
/// left out.
fn interval_means(obs: &Observed, samples: &[(f64, f64)]) -> Vec<(usize, f64)> {
    if samples.is_empty() || obs.intervals < 3 || obs.interval <= 0.0 {
        return Vec::new();
    }
    let mut gaps: Vec<f64> = samples
        .windows(2)
        .map(|w| w[1].0 - w[0].0)
        .filter(|g| *g > 0.0)
        .collect();
    gaps.sort_by(f64::total_cmp);
    let period = gaps.get(gaps.len() / 2).copied().unwrap_or(obs.interval);
    let mut sum = vec![0.0; obs.intervals];
    let mut n = vec![0u32; obs.intervals];
    for &(t, pct) in samples {
        let mid = t - period / 2.0 - obs.origin as f64;
        if mid < 0.0 || !pct.is_finite() {
            continue;
        }
        let i = (mid / obs.interval) as usize;
        if i == 0 || i + 1 >= obs.intervals {
            continue;
        }
        sum[i] += pct.clamp(0.0, 100.0) / 100.0;
        n[i] += 1;
    }
    (0..obs.intervals)
        .filter(|&i| n[i] > 0)
        .map(|i| (i, sum[i] / f64::from(n[i])))
        .collect()
}

/// The rows of one regression.
#[derive(Default)]
struct Rows {
    x: Vec<Vec<f64>>,
    y: Vec<f64>,
    u: Vec<f64>,
    hosts: Vec<String>,
    cores: Vec<f64>,
}

impl Rows {
    fn push(&mut self, x: Vec<f64>, y: f64, u: f64) {
        self.x.push(x);
        self.y.push(y);
        self.u.push(u);
    }

    fn fit(&self, server: String, obs: &Observed, active: &[bool]) -> Fit {
        // A class none of whose requests falls in this fit's rows (its only
        // requests in the first or last interval, which are left out; or
        // served by front-ends of another database) says nothing about
        // these machines: its column would be all zeros, its "demand" an
        // arbitrary 0, and AᵀA singular, which would take every other
        // class's standard error with it. It is left out of this fit.
        let cols: Vec<usize> = (0..active.len())
            .filter(|&k| active[k] && self.x.iter().any(|r| r[k] != 0.0))
            .collect();
        let n = self.y.len();
        // Column-major design: the active classes' rates, then the intercept.
        let mut a: Vec<Vec<f64>> = cols
            .iter()
            .map(|&k| self.x.iter().map(|r| r[k]).collect())
            .collect();
        a.push(vec![1.0; n]);
        let names: Vec<&str> = cols.iter().map(|&k| obs.classes[k].name.as_str()).collect();
        let mut warnings = collinearity(&a[..cols.len()], &names);
        if n <= a.len() {
            warnings.push(format!(
                "{n} machine-interval(s) for {} unknowns (a demand per class and the background): the demands are not determined; give a shorter --interval or longer data",
                a.len()
            ));
        }
        let beta = nnls(&a, &self.y);
        let fitted: Vec<f64> = (0..n)
            .map(|i| a.iter().zip(&beta).map(|(c, b)| c[i] * b).sum())
            .collect();
        let rss: f64 = self
            .y
            .iter()
            .zip(&fitted)
            .map(|(y, f)| (y - f).powi(2))
            .sum();
        let ybar = self.y.iter().sum::<f64>() / n as f64;
        let tss: f64 = self.y.iter().map(|y| (y - ybar).powi(2)).sum();
        let r2 = if tss > 0.0 { 1.0 - rss / tss } else { f64::NAN };
        let p = beta.iter().filter(|b| **b > 0.0).count();
        let sigma2 = if n > p {
            rss / (n - p) as f64
        } else {
            f64::NAN
        };
        let inv = inverse(&gram(&a));
        let mut demand = vec![None; active.len()];
        let mut se = vec![f64::NAN; active.len()];
        for (j, &k) in cols.iter().enumerate() {
            demand[k] = Some(beta[j]);
            if let Some(inv) = &inv {
                se[k] = (sigma2 * inv[j][j]).max(0.0).sqrt();
            }
        }
        Fit {
            server,
            hosts: self.hosts.clone(),
            demand,
            se,
            background: beta[cols.len()],
            r2,
            rows: n,
            utilization: self.u.iter().sum::<f64>() / n as f64,
            cores: self.cores.iter().sum::<f64>() / self.cores.len().max(1) as f64,
            warnings,
        }
    }
}

/// Which class columns cannot be told apart: a rate that barely varies
/// (indistinguishable from the background), or whose variance-inflation
/// factor against the other classes exceeds [`VIF_LIMIT`], naming the class
/// it moves with most.
fn collinearity(cols: &[Vec<f64>], names: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let n = cols.first().map_or(0, Vec::len);
    if n < 2 {
        return out;
    }
    let centered: Vec<Option<Vec<f64>>> = cols
        .iter()
        .map(|c| {
            let m = c.iter().sum::<f64>() / n as f64;
            let d: Vec<f64> = c.iter().map(|v| v - m).collect();
            let norm = d.iter().map(|v| v * v).sum::<f64>().sqrt();
            // A rate whose spread is under 1 % of its mean does not move.
            if m <= 0.0 || norm / (n as f64).sqrt() < 0.01 * m {
                None
            } else {
                Some(d.iter().map(|v| v / norm).collect())
            }
        })
        .collect();
    for (k, c) in centered.iter().enumerate() {
        if c.is_none() {
            out.push(format!(
                "class {}: its rate hardly varies between intervals, so its CPU cannot be told apart from the background",
                names[k]
            ));
        }
    }
    let live: Vec<usize> = (0..cols.len()).filter(|&k| centered[k].is_some()).collect();
    if live.len() < 2 {
        return out;
    }
    let corr = |a: usize, b: usize| -> f64 {
        let (x, y) = (centered[a].as_ref().unwrap(), centered[b].as_ref().unwrap());
        x.iter().zip(y).map(|(p, q)| p * q).sum()
    };
    // A small ridge keeps exactly collinear columns invertible (their VIF
    // comes out huge) so the others still get their own factor.
    let r: Vec<Vec<f64>> = live
        .iter()
        .map(|&a| {
            live.iter()
                .map(|&b| corr(a, b) + if a == b { 1e-8 } else { 0.0 })
                .collect()
        })
        .collect();
    let inv = inverse(&r);
    for (j, &k) in live.iter().enumerate() {
        let vif = inv.as_ref().map_or(f64::INFINITY, |m| m[j][j]);
        if vif > VIF_LIMIT || !vif.is_finite() {
            let (other, rho) = live
                .iter()
                .filter(|&&o| o != k)
                .map(|&o| (o, corr(k, o)))
                .fold((k, 0.0f64), |best: (usize, f64), (o, r)| {
                    if r.abs() > best.1.abs() { (o, r) } else { best }
                });
            out.push(format!(
                "class {}: its rate moves with the other classes' (variance inflation {:.0}; correlation {:.2} with {}): their CPU demands cannot be told apart, more variation in the mix is needed",
                names[k],
                vif.min(1e9),
                rho,
                names[other]
            ));
        }
    }
    out
}

/// `AᵀA` of a column-major matrix.
fn gram(a: &[Vec<f64>]) -> Vec<Vec<f64>> {
    a.iter()
        .map(|x| {
            a.iter()
                .map(|y| x.iter().zip(y).map(|(p, q)| p * q).sum())
                .collect()
        })
        .collect()
}

/// The inverse of a symmetric matrix by Gauss–Jordan with partial pivoting,
/// after scaling by its diagonal; `None` when it is singular.
fn inverse(m: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = m.len();
    let s: Vec<f64> = (0..n)
        .map(|i| {
            if m[i][i] > 0.0 {
                1.0 / m[i][i].sqrt()
            } else {
                1.0
            }
        })
        .collect();
    let mut a: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            let mut row: Vec<f64> = (0..n).map(|j| m[i][j] * s[i] * s[j]).collect();
            row.extend((0..n).map(|j| if i == j { 1.0 } else { 0.0 }));
            row
        })
        .collect();
    for col in 0..n {
        let piv = (col..n).max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))?;
        if a[piv][col].abs() < 1e-10 {
            return None;
        }
        a.swap(col, piv);
        let d = a[col][col];
        for v in &mut a[col] {
            *v /= d;
        }
        let pivot_row = a[col].clone();
        for (r, row) in a.iter_mut().enumerate() {
            let f = row[col];
            if r != col && f != 0.0 {
                for (v, p) in row.iter_mut().zip(&pivot_row) {
                    *v -= f * p;
                }
            }
        }
    }
    Some(
        (0..n)
            .map(|i| (0..n).map(|j| a[i][n + j] * s[i] * s[j]).collect())
            .collect(),
    )
}

/// Unconstrained least squares of `b` on the columns `cols` of the
/// column-major `a`, by Householder QR; coefficients in the order of `cols`.
fn lstsq(a: &[Vec<f64>], cols: &[usize], b: &[f64]) -> Vec<f64> {
    let m = b.len();
    let p = cols.len();
    let mut q: Vec<Vec<f64>> = cols.iter().map(|&j| a[j].clone()).collect();
    let mut y = b.to_vec();
    let mut rank_ok = vec![true; p];
    for k in 0..p.min(m) {
        let norm = q[k][k..].iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm < 1e-12 {
            rank_ok[k] = false;
            continue;
        }
        let alpha = if q[k][k] > 0.0 { -norm } else { norm };
        let mut v: Vec<f64> = q[k][k..].to_vec();
        v[0] -= alpha;
        let vn = v.iter().map(|x| x * x).sum::<f64>();
        if vn <= 0.0 {
            continue;
        }
        for col in q.iter_mut().skip(k) {
            let d = v.iter().zip(&col[k..]).map(|(a, b)| a * b).sum::<f64>() * 2.0 / vn;
            for (c, vi) in col[k..].iter_mut().zip(&v) {
                *c -= d * vi;
            }
        }
        let d = v.iter().zip(&y[k..]).map(|(a, b)| a * b).sum::<f64>() * 2.0 / vn;
        for (c, vi) in y[k..].iter_mut().zip(&v) {
            *c -= d * vi;
        }
    }
    let mut x = vec![0.0; p];
    for k in (0..p.min(m)).rev() {
        if !rank_ok[k] || q[k][k].abs() < 1e-12 {
            continue;
        }
        let s: f64 = (k + 1..p).map(|j| q[j][k] * x[j]).sum();
        x[k] = (y[k] - s) / q[k][k];
    }
    x
}

/// Non-negative least squares, `min ‖A x − b‖` subject to `x ≥ 0`, by
/// Lawson and Hanson's active-set method (Solving Least Squares Problems,
/// 1974, ch. 23). `a` is column-major.
pub fn nnls(a: &[Vec<f64>], b: &[f64]) -> Vec<f64> {
    let n = a.len();
    let m = b.len();
    let mut x = vec![0.0; n];
    let mut passive = vec![false; n];
    let scale = a
        .iter()
        .flatten()
        .fold(0.0f64, |s, v| s.max(v.abs()))
        .max(1.0)
        * b.iter().fold(0.0f64, |s, v| s.max(v.abs())).max(1.0);
    let tol = 1e-10 * scale * m.max(1) as f64;
    for _ in 0..3 * n.max(1) + 30 {
        let r: Vec<f64> = (0..m)
            .map(|i| b[i] - (0..n).map(|j| a[j][i] * x[j]).sum::<f64>())
            .collect();
        let w: Vec<f64> = a
            .iter()
            .map(|c| c.iter().zip(&r).map(|(p, q)| p * q).sum())
            .collect();
        let Some(t) = (0..n)
            .filter(|&j| !passive[j] && w[j] > tol)
            .max_by(|&p, &q| w[p].total_cmp(&w[q]))
        else {
            break;
        };
        passive[t] = true;
        loop {
            let cols: Vec<usize> = (0..n).filter(|&j| passive[j]).collect();
            let s_p = lstsq(a, &cols, b);
            let mut s = vec![0.0; n];
            for (k, &j) in cols.iter().enumerate() {
                s[j] = s_p[k];
            }
            if cols.iter().all(|&j| s[j] > 0.0) {
                x = s;
                break;
            }
            let alpha = cols
                .iter()
                .filter(|&&j| s[j] <= 0.0)
                .map(|&j| x[j] / (x[j] - s[j]))
                .fold(f64::INFINITY, f64::min);
            for j in 0..n {
                x[j] += alpha * (s[j] - x[j]);
            }
            for j in 0..n {
                if passive[j] && x[j] <= 1e-15 * scale {
                    passive[j] = false;
                    x[j] = 0.0;
                }
            }
            if !passive.iter().any(|p| *p) {
                break;
            }
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(rows: &[&[f64]]) -> Vec<Vec<f64>> {
        (0..rows[0].len())
            .map(|j| rows.iter().map(|r| r[j]).collect())
            .collect()
    }

    #[test]
    fn nnls_matches_the_unconstrained_answer_when_it_is_positive() {
        // b = 2 x1 + 3 x2 exactly.
        let a = cols(&[&[1.0, 0.0], &[0.0, 1.0], &[1.0, 1.0], &[2.0, 1.0]]);
        let b = [2.0, 3.0, 5.0, 7.0];
        let x = nnls(&a, &b);
        assert!(
            (x[0] - 2.0).abs() < 1e-9 && (x[1] - 3.0).abs() < 1e-9,
            "{x:?}"
        );
    }

    #[test]
    fn nnls_clamps_a_negative_coefficient_and_refits_the_rest() {
        // Lawson & Hanson-style case: unconstrained LS gives x2 < 0.
        // A = [[1,0],[1,0],[0,1]], b = [1, 3, -1]: LS x = (2, -1); NNLS x = (2, 0).
        let a = cols(&[&[1.0, 0.0], &[1.0, 0.0], &[0.0, 1.0]]);
        let x = nnls(&a, &[1.0, 3.0, -1.0]);
        assert!((x[0] - 2.0).abs() < 1e-9 && x[1] == 0.0, "{x:?}");
        // Correlated columns: A = [[1,1],[1,2],[1,3]], b = [3,2,1]:
        // LS gives (4, -1); with x2 = 0, x1 = mean(b) = 2.
        let a = cols(&[&[1.0, 1.0], &[1.0, 2.0], &[1.0, 3.0]]);
        let x = nnls(&a, &[3.0, 2.0, 1.0]);
        assert!((x[0] - 2.0).abs() < 1e-9 && x[1] == 0.0, "{x:?}");
    }

    #[test]
    fn nnls_known_answer_checked_by_its_optimality_conditions() {
        // A = [[1,2],[3,4],[5,6]], b = [1,1,1]: the unconstrained answer is
        // (-1, 1). With x1 = 0, x2 = Σ a2 b / Σ a2² = 12/56 = 3/14, and the
        // gradient for x1, a1·(b − a2 x2) = 9 − 44 × 3/14 < 0, keeps x1 at 0.
        let a = cols(&[&[1.0, 2.0], &[3.0, 4.0], &[5.0, 6.0]]);
        let x = nnls(&a, &[1.0, 1.0, 1.0]);
        assert!(x[0] == 0.0 && (x[1] - 3.0 / 14.0).abs() < 1e-9, "{x:?}");
    }

    #[test]
    fn collinear_classes_are_named() {
        let x1: Vec<f64> = (0..50).map(|i| 10.0 + (i % 7) as f64).collect();
        let x2: Vec<f64> = x1.iter().map(|v| 2.0 * v + 0.001).collect();
        let x3: Vec<f64> = (0..50).map(|i| 5.0 + ((i * 3) % 11) as f64).collect();
        let flat = vec![4.0; 50];
        let w = collinearity(&[x1, x2, x3, flat], &["a", "b", "c", "d"]);
        assert!(
            w.iter()
                .any(|s| s.starts_with("class a:") && s.contains("with b")),
            "{w:?}"
        );
        assert!(
            w.iter()
                .any(|s| s.starts_with("class d:") && s.contains("hardly varies")),
            "{w:?}"
        );
        assert!(!w.iter().any(|s| s.starts_with("class c:")), "{w:?}");
    }

    #[test]
    fn closed_population_reproduces_the_throughput() {
        use super::super::observed::Population;
        // One thread through four samplers: a quarter of it each.
        let p = Population {
            users: 0.217,
            think: 0.8,
            response: 0.2,
        };
        let x = 1.0 / 4.6;
        let c = Closed::of(&p, x).unwrap();
        assert_eq!(c.users, 1);
        assert!((c.users as f64 / (c.think + p.response) - x).abs() < 1e-12);
        assert!((c.think - 4.4).abs() < 1e-9, "{c:?}");
        // 1.25 threads: 2 users, thinking longer.
        let p = Population {
            users: 1.25,
            think: 0.8,
            response: 0.9,
        };
        let x = 1.25 / 1.7;
        let c = Closed::of(&p, x).unwrap();
        assert_eq!(c.users, 2);
        assert!((c.users as f64 / (c.think + p.response) - x).abs() < 1e-12);
        assert!(c.think >= p.think);
        // Whole threads stay as they are.
        let c = Closed::of(
            &Population {
                users: 3.0,
                think: 1.0,
                response: 0.5,
            },
            2.0,
        )
        .unwrap();
        assert_eq!(c.users, 3);
        assert!((c.think - 1.0).abs() < 1e-9);
    }

    #[test]
    fn window_rate_weights_hours_by_the_window() {
        let mut hourly = [0.0; 24];
        hourly[10] = 0.1;
        hourly[23] = 1.0;
        assert!((window_rate(&hourly, 36_000.0, 86_400.0) - 0.1 / 24.0 - 1.0 / 24.0).abs() < 1e-12);
        assert!((window_rate(&hourly, 36_000.0, 3_600.0) - 0.1).abs() < 1e-12);
        // Half of 10:00 and half of 11:00.
        assert!((window_rate(&hourly, 37_800.0, 3_600.0) - 0.05).abs() < 1e-12);
        // Past midnight the day repeats.
        assert!((window_rate(&hourly, 23.0 * 3600.0, 7_200.0) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn stretch_is_one_when_idle_and_mm1_when_one_core() {
        assert!((stretch(4.0, 0.0) - 1.0).abs() < 1e-12);
        assert!((stretch(1.0, 0.5) - 2.0).abs() < 1e-9);
    }
}
