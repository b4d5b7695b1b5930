//! Running independent replications in parallel.

use rayon::prelude::*;

use crate::engine::StreamSeeds;
use crate::error::{Error, Result};

/// Runs `count` replications of `model` under `seed` on the current rayon
/// pool and returns their results in replication order.
pub fn replicate<R, F>(count: usize, seed: u64, model: F) -> Vec<R>
where
    R: Send,
    F: Fn(StreamSeeds) -> R + Sync,
{
    replicate_with_progress(count, seed, model, || {})
}

/// As [`replicate`], calling `tick` once after each finished replication
/// (from whichever worker thread finished it).
pub fn replicate_with_progress<R, F, T>(count: usize, seed: u64, model: F, tick: T) -> Vec<R>
where
    R: Send,
    F: Fn(StreamSeeds) -> R + Sync,
    T: Fn() + Sync,
{
    (0..count)
        .into_par_iter()
        .with_max_len(1)
        .map(|rep| {
            let r = model(StreamSeeds::new(seed, rep as u64));
            tick();
            r
        })
        .collect()
}

/// The run-time guard's limits: `--max-events` and `--max-memory`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Budget {
    /// Refuse work estimated above this many simulated events in all.
    pub max_events: f64,
    /// Refuse work whose peak memory is estimated above this (bytes).
    pub max_memory: f64,
}

impl Budget {
    /// Limits that refuse nothing (tests, internal runs).
    pub const UNLIMITED: Budget = Budget {
        max_events: f64::INFINITY,
        max_memory: f64::INFINITY,
    };
}

/// Memory kept per finished replication beyond its simulation: its figures
/// (a few hundred bytes per row and resource; the estimate is generous).
const FIGURES_BYTES_PER_ROW: f64 = 512.0;

/// Refuses, before anything runs, work estimated above `budget`: more
/// simulated events in all than `max_events`, or a peak memory above
/// `max_memory` (one replication in flight per worker thread, plus every
/// finished replication's figures). `runs` lists each variant's model and
/// replication count.
pub fn check_budget<'m>(
    runs: impl IntoIterator<Item = (&'m crate::model::Model, usize)>,
    budget: Budget,
) -> Result<()> {
    let max_events = budget.max_events;
    let mut events = 0.0;
    // Summed wide: a sweep's variants times a huge --replications can pass
    // usize::MAX, and the message must show the true count.
    let mut simulations: u128 = 0;
    let mut largest: f64 = 0.0;
    let mut kept = 0.0;
    for (model, replications) in runs {
        events += model.estimated_events() * replications as f64;
        simulations += replications as u128;
        largest = largest.max(model.estimated_memory());
        let rows = model.classes.len() + model.timers.len() + model.development.len() + 16;
        kept += replications as f64 * rows as f64 * FIGURES_BYTES_PER_ROW;
    }
    let workers =
        rayon::current_num_threads().min(simulations.clamp(1, usize::MAX as u128) as usize);
    let memory = workers as f64 * largest + kept;
    if memory > budget.max_memory {
        return Err(Error::Usage(format!(
            "this would need about {} of memory ({workers} replication(s) in flight at {} each, \
             plus {} of figures kept for {simulations} replication(s)), above --max-memory {}; \
             fewer developers, classes, timers or timeline windows, fewer --threads or --replications \
             make it smaller, or raise --max-memory",
            bytes(memory),
            bytes(largest),
            bytes(kept),
            bytes(budget.max_memory)
        )));
    }
    if events > max_events {
        return Err(Error::Usage(format!(
            "this would simulate about {events:.2e} events ({simulations} replication(s)), \
             above --max-events {max_events:.2e} (at roughly 10 million events per second per core); \
             shorten --duration, lower --replications or the load, or raise --max-events"
        )));
    }
    Ok(())
}

/// `bytes` for a message: `1.5 GB`, `12 MB`.
pub fn bytes(b: f64) -> String {
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.0} MB", b / 1e6)
    } else {
        format!("{:.0} kB", b / 1e3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn results_come_back_in_replication_order_whatever_the_pool() {
        let model = |s: StreamSeeds| -> u64 { s.stream("x").random() };
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let two = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let a = one.install(|| replicate(50, 9, model));
        let b = two.install(|| replicate(50, 9, model));
        assert_eq!(a, b);
        let direct: Vec<u64> = (0..50).map(|r| model(StreamSeeds::new(9, r))).collect();
        assert_eq!(a, direct);
    }
}
