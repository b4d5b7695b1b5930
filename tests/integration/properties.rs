//! Properties every run must have: conservation of customers, Little's law
//! per station, and same seed → same bytes whatever the thread count.

use o11sim::dist::Dist;
use o11sim::engine::StreamSeeds;
use o11sim::experiment::replicate;
use o11sim::network::{Discipline, NetworkSpec, Population, StationSpec};

fn three_station_network(queue_limit: Option<usize>) -> NetworkSpec {
    NetworkSpec {
        population: Population::Open {
            interarrival: Dist::exp(1.0 / 1.5).unwrap(),
        },
        stations: vec![
            StationSpec {
                discipline: Discipline::Fcfs {
                    servers: 2,
                    queue_limit,
                },
                service: Dist::exp(1.0).unwrap(),
            },
            StationSpec {
                discipline: Discipline::ProcessorSharing { cores: 2.0 },
                service: Dist::lognormal(1.0, 2.0).unwrap(),
            },
            StationSpec {
                discipline: Discipline::Delay,
                service: Dist::uniform(0.5, 1.5).unwrap(),
            },
        ],
        warmup: 200.0,
        duration: 20_000.0,
    }
}

#[test]
fn every_customer_is_accounted_for() {
    for limit in [None, Some(0), Some(3)] {
        let r = three_station_network(limit).simulate(StreamSeeds::new(5, 0));
        let t = r.totals;
        assert!(t.entered > 20_000);
        assert_eq!(
            t.entered,
            t.completed + t.rejected + t.in_network_at_end,
            "{t:?} (queue limit {limit:?})"
        );
        if limit.is_some() {
            assert!(t.rejected > 0, "a finite queue at this load rejects some");
        } else {
            assert_eq!(t.rejected, 0);
        }
    }
}

#[test]
fn littles_law_holds_at_every_station() {
    let spec = three_station_network(None);
    let r = spec.simulate(StreamSeeds::new(6, 0));
    for (i, s) in r.stations.iter().enumerate() {
        let lambda = s.completed as f64 / r.measured_time;
        let l_from_w = lambda * s.response.mean();
        let rel = (s.mean_in_system - l_from_w).abs() / s.mean_in_system;
        assert!(
            rel < 0.02,
            "station {i}: time-average L {} vs lambda*W {}",
            s.mean_in_system,
            l_from_w
        );
    }
}

fn csv_of_replications(threads: usize) -> String {
    let spec = three_station_network(Some(5));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let results = pool.install(|| replicate(8, 42, |s| spec.simulate(s)));
    let mut out = String::new();
    for (i, r) in results.iter().enumerate() {
        out += &format!(
            "{i},{},{},{:?},{:?},{:?}\n",
            r.totals.entered,
            r.completed,
            r.response.mean(),
            r.response_hist.quantile(0.95),
            r.stations.iter().map(|s| s.utilization).collect::<Vec<_>>()
        );
    }
    out
}

#[test]
fn same_seed_same_bytes_with_one_or_two_threads() {
    let one = csv_of_replications(1);
    let two = csv_of_replications(2);
    assert_eq!(one, two);
    assert_ne!(one, "", "the comparison must compare something");
}

#[test]
fn different_seeds_give_different_results() {
    let spec = three_station_network(None);
    let a = spec.simulate(StreamSeeds::new(1, 0)).response.mean();
    let b = spec.simulate(StreamSeeds::new(2, 0)).response.mean();
    assert_ne!(a, b);
}
