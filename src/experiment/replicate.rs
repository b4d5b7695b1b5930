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

/// Refuses, before anything runs, work estimated above `max_events`
/// simulated events in all. `runs` lists each variant's model and
/// replication count.
pub fn check_budget<'m>(
    runs: impl IntoIterator<Item = (&'m crate::model::Model, usize)>,
    max_events: f64,
) -> Result<()> {
    let mut events = 0.0;
    let mut simulations = 0;
    for (model, replications) in runs {
        events += model.estimated_events() * replications as f64;
        simulations += replications;
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
