//! `o11sim bench`: throughput figures measured through the code users run.
//!
//! Why this file exists: speed is a feature of o11sim and is checked by
//! benchmark, never by timed tests. This prints one line per case,
//! `NAME customers_per_s=N` or `NAME events_per_s=N`, on one thread unless
//! the case name says otherwise. The criterion benches in `benches/` cover
//! the same cases for statistically careful comparisons.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::dist::Dist;
use crate::engine::{Calendar, StreamSeeds};
use crate::experiment::replicate;
use crate::network::{Discipline, NetworkSpec, Population, StationSpec};

/// One benchmark figure.
#[derive(Clone, Debug)]
pub struct Figure {
    pub name: &'static str,
    pub unit: &'static str,
    pub per_second: f64,
    pub detail: String,
}

/// M/M/4 FCFS at utilization 0.8 (mean service 1 s), statistics on.
pub fn mmc_spec(customers: f64) -> NetworkSpec {
    let servers = 4;
    let rho = 0.8;
    let lambda = rho * servers as f64;
    NetworkSpec {
        population: Population::Open {
            interarrival: Dist::exp(1.0 / lambda).expect("positive mean"),
        },
        stations: vec![StationSpec {
            discipline: Discipline::Fcfs {
                servers,
                queue_limit: None,
            },
            service: Dist::exp(1.0).expect("positive mean"),
        }],
        warmup: 0.0,
        duration: customers / lambda,
    }
}

/// Simulates M/M/4 on the calling thread; returns customers per second
/// (`None`: stopped by `stop`).
pub fn mmc(customers: f64, stop: &AtomicBool) -> Option<Figure> {
    let spec = mmc_spec(customers);
    let start = Instant::now();
    let r = spec.simulate_until(StreamSeeds::new(1, 0), stop)?;
    let secs = start.elapsed().as_secs_f64();
    Some(Figure {
        name: "mmc",
        unit: "customers_per_s",
        per_second: r.totals.completed as f64 / secs,
        detail: format!(
            "{} customers, {} events in {:.3} s, mean response {:.4} s",
            r.totals.completed,
            r.events,
            secs,
            r.response.mean()
        ),
    })
}

/// M/M/4 replications on every thread of the current rayon pool.
pub fn mmc_parallel(
    customers_per_replication: f64,
    replications: usize,
    stop: &AtomicBool,
) -> Option<Figure> {
    let spec = mmc_spec(customers_per_replication);
    let start = Instant::now();
    let results = replicate(replications, 1, |s| {
        spec.simulate_until(s, stop).map(|r| r.totals.completed)
    });
    let secs = start.elapsed().as_secs_f64();
    let total: u64 = results.into_iter().sum::<Option<u64>>()?;
    Some(Figure {
        name: "mmc_all_threads",
        unit: "customers_per_s",
        per_second: total as f64 / secs,
        detail: format!(
            "{total} customers over {replications} replications on {} threads in {secs:.3} s",
            rayon::current_num_threads()
        ),
    })
}

/// Hold model: `pending` events in the calendar; each popped event schedules
/// one more at an exponential delay. Returns events per second.
pub fn hold(pending: usize, events: u64, stop: &AtomicBool) -> Option<Figure> {
    let mut cal: Calendar<u32> = Calendar::with_capacity(pending);
    let mut rng = StreamSeeds::new(1, 0).stream("hold");
    let delay = Dist::exp(1.0).expect("positive mean");
    for i in 0..pending {
        cal.schedule_at(delay.sample(&mut rng) * pending as f64, i as u32);
    }
    let start = Instant::now();
    let mut check = 0u64;
    for i in 0..events {
        if i.is_multiple_of(1 << 16) && stop.load(Ordering::Relaxed) {
            return None;
        }
        let (_, ev) = cal.pop().expect("hold model never empties");
        check = check.wrapping_add(ev as u64);
        let d = delay.sample(&mut rng) * pending as f64;
        cal.schedule_in(d, ev);
    }
    let secs = start.elapsed().as_secs_f64();
    std::hint::black_box(check);
    Some(Figure {
        name: "hold",
        unit: "events_per_s",
        per_second: events as f64 / secs,
        detail: format!("{events} events with {pending} pending in {secs:.3} s"),
    })
}

/// The production preset (example 2), one replication of `duration`
/// simulated seconds on the calling thread, with a timeline of `timeline`
/// seconds' windows when given (`--timeline`); returns requests per
/// second.
pub fn production(
    name: &'static str,
    duration: f64,
    timeline: Option<f64>,
    stop: &AtomicBool,
) -> Option<Figure> {
    let mut model = crate::scenario::load("example2", &[])
        .expect("the built-in production preset loads")
        .model;
    model.duration = duration;
    model.timeline = timeline;
    let start = Instant::now();
    let r = crate::model::sim::simulate_until(&model, StreamSeeds::new(1, 0), stop)?;
    let secs = start.elapsed().as_secs_f64();
    let requests: u64 = r
        .classes
        .iter()
        .take(model.classes.len())
        .map(|c| c.total_arrivals)
        .sum();
    Some(Figure {
        name,
        unit: "requests_per_s",
        per_second: requests as f64 / secs,
        detail: format!(
            "{requests} requests, {} events ({:.0} events/s) in {secs:.3} s",
            r.events,
            r.events as f64 / secs
        ),
    })
}

/// Peak resident memory of this process in MB (Linux), if known.
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// A simulated 24-hour day of the production preset scaled to 1,000 req/s,
/// one replication. Its memory figure is the process's peak, so run it
/// alone: `o11sim bench day`.
pub fn day(stop: &AtomicBool) -> Option<Figure> {
    let mut model = crate::scenario::load("example2", &[])
        .expect("the built-in production preset loads")
        .model;
    let total: f64 = model
        .classes
        .iter()
        .map(|c| match c.arrivals {
            crate::model::Arrivals::Open { rate, .. } => rate,
            crate::model::Arrivals::Closed { .. } => 0.0,
        })
        .sum();
    for c in &mut model.classes {
        if let crate::model::Arrivals::Open { rate, .. } = &mut c.arrivals {
            *rate *= 1000.0 / total;
        }
    }
    model.duration = 86_400.0;
    model.warmup = 0.0;
    let start = Instant::now();
    let r = crate::model::sim::simulate_until(&model, StreamSeeds::new(1, 0), stop)?;
    let secs = start.elapsed().as_secs_f64();
    let requests: u64 = r.classes.iter().map(|c| c.total_arrivals).sum();
    Some(Figure {
        name: "day_24h_1000rps",
        unit: "peak_rss_mb",
        per_second: peak_rss_mb().unwrap_or(f64::NAN),
        detail: format!(
            "{requests} requests in {secs:.1} s ({:.0} requests/s), peak jobs in flight {}",
            requests as f64 / secs,
            r.peak_jobs
        ),
    })
}

/// Names of the benchmark cases, in the order `o11sim bench` runs them.
pub const CASES: [&str; 6] = [
    "mmc",
    "hold",
    "production",
    "production_timeline",
    "mmc_all_threads",
    "day",
];

/// Runs one case by name; `None` when `stop` was set before it finished,
/// or for a name not in [`CASES`] (the command line refuses those first).
pub fn run(name: &str, stop: &AtomicBool) -> Option<Figure> {
    match name {
        "mmc" => mmc(5_000_000.0, stop),
        "hold" => hold(100_000, 5_000_000, stop),
        "production" => production("production", 3_600.0, None, stop),
        // As planners run it: with 1-minute timeline windows (`--timeline 1m`).
        "production_timeline" => production("production_timeline", 3_600.0, Some(60.0), stop),
        "mmc_all_threads" => mmc_parallel(2_000_000.0, 2 * rayon::current_num_threads(), stop),
        "day" => day(stop),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The timeline case simulates the very same requests and events as
    /// the plain one: its windows only observe.
    #[test]
    fn the_timeline_case_runs_the_same_simulation() {
        let stop = AtomicBool::new(false);
        let plain = production("production", 120.0, None, &stop).unwrap();
        let windows = production("production_timeline", 120.0, Some(60.0), &stop).unwrap();
        assert_eq!(windows.name, "production_timeline");
        let counts = |f: &Figure| f.detail.split(" (").next().unwrap().to_owned();
        assert!(counts(&plain).contains(" requests, "), "{}", plain.detail);
        assert_eq!(counts(&plain), counts(&windows));
        assert!(plain.per_second > 0.0 && windows.per_second > 0.0);
    }
}
