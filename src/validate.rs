//! `o11sim validate`: the simulator against exact queueing results.
//!
//! Why this file exists: a capacity planner must be able to check that the
//! engine is right before trusting what it says about their servers. Each
//! case simulates a network with a known exact answer over independent
//! replications and passes when the exact value lies inside the 99 %
//! confidence interval of the simulated mean. `cargo test` runs the same
//! cases with the same fixed seed.

use std::sync::atomic::AtomicBool;

use crate::analytic::{self, MvaStation};
use crate::dist::Dist;
use crate::experiment::replicate;
use crate::network::{Discipline, NetworkResult, NetworkSpec, Population, StationSpec};
use crate::stats::{Bounds, Estimate};

/// Which figure of a replication a case compares.
#[derive(Clone, Copy, Debug)]
pub enum Metric {
    /// Mean time waiting for service at a station.
    MeanWait { station: usize },
    /// Mean end-to-end response time.
    MeanResponse,
    /// Fraction of arrivals at a station that were turned away.
    Blocking { station: usize },
    /// Completions per unit of time.
    Throughput,
}

impl Metric {
    /// The figure in one replication's result.
    pub fn of(&self, r: &NetworkResult) -> f64 {
        match *self {
            Metric::MeanWait { station } => r.stations[station].wait.mean(),
            Metric::MeanResponse => r.response.mean(),
            Metric::Blocking { station } => {
                let s = &r.stations[station];
                if s.arrived == 0 {
                    0.0
                } else {
                    s.rejected as f64 / s.arrived as f64
                }
            }
            Metric::Throughput => r.completed as f64 / r.measured_time,
        }
    }

    /// The range of the figure, where its interval is cut: a blocking
    /// probability is a fraction, the others are never negative.
    pub fn bounds(&self) -> Bounds {
        match self {
            Metric::Blocking { .. } => Bounds::Fraction,
            Metric::MeanWait { .. } | Metric::MeanResponse | Metric::Throughput => {
                Bounds::NonNegative
            }
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Metric::MeanWait { .. } => "mean wait (s)",
            Metric::MeanResponse => "mean response (s)",
            Metric::Blocking { .. } => "blocking prob.",
            Metric::Throughput => "throughput (/s)",
        }
    }
}

/// One validation case: a network, the figure to compare and its exact value.
#[derive(Clone, Debug)]
pub struct Case {
    pub name: &'static str,
    pub what: String,
    pub spec: NetworkSpec,
    pub metric: Metric,
    pub exact: f64,
    pub replications: usize,
}

/// The outcome of one case.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub name: &'static str,
    pub what: String,
    pub metric: &'static str,
    pub exact: f64,
    pub estimate: Estimate,
    pub passed: bool,
    /// Customers simulated over all replications.
    pub customers: u64,
}

fn exp(mean: f64) -> Dist {
    Dist::exp(mean).expect("validation means are positive")
}

fn open(rate: f64, stations: Vec<StationSpec>, customers_per_rep: f64) -> NetworkSpec {
    let duration = customers_per_rep / rate;
    NetworkSpec {
        population: Population::Open {
            interarrival: exp(1.0 / rate),
        },
        stations,
        warmup: duration * 0.05,
        duration,
    }
}

fn fcfs(servers: u32, service: Dist) -> StationSpec {
    StationSpec {
        discipline: Discipline::Fcfs {
            servers,
            queue_limit: None,
        },
        service,
    }
}

/// Every case of design §9, sized so that each replication simulates
/// about `customers` customers.
pub fn cases(customers: f64) -> Vec<Case> {
    let mut v = Vec::new();

    // M/M/1 at two loads.
    for rho in [0.5, 0.8] {
        let m = analytic::mmc(rho, 1.0, 1).expect("stable");
        v.push(Case {
            name: "mm1",
            what: format!("M/M/1, rho={rho}, E[S]=1s"),
            spec: open(rho, vec![fcfs(1, exp(1.0))], customers * (1.0 + 2.0 * rho)),
            metric: Metric::MeanResponse,
            exact: m.mean_response,
            replications: 30,
        });
    }

    // M/M/c FCFS against Erlang C, several c and loads.
    for (c, rho) in [(2u32, 0.7), (4, 0.8), (8, 0.9), (16, 0.75)] {
        let lambda = rho * c as f64;
        let m = analytic::mmc(lambda, 1.0, c).expect("stable");
        v.push(Case {
            name: "mmc_erlang_c",
            what: format!("M/M/{c}, rho={rho}: mean wait (Erlang C)"),
            spec: open(lambda, vec![fcfs(c, exp(1.0))], customers * c as f64 * 0.5),
            metric: Metric::MeanWait { station: 0 },
            exact: m.mean_wait,
            replications: 30,
        });
    }

    // M/M/c/c blocking against Erlang B.
    for (c, a) in [(5u32, 4.0), (20, 18.0)] {
        v.push(Case {
            name: "mmcc_erlang_b",
            what: format!("M/M/{c}/{c}, offered {a} Erlang: blocking (Erlang B)"),
            spec: open(
                a,
                vec![StationSpec {
                    discipline: Discipline::Fcfs {
                        servers: c,
                        queue_limit: Some(0),
                    },
                    service: exp(1.0),
                }],
                customers,
            ),
            metric: Metric::Blocking { station: 0 },
            exact: analytic::erlang_b(c, a),
            replications: 30,
        });
    }

    // M/D/1 and M/G/1 against Pollaczek–Khinchine.
    let md1 = Dist::constant(1.0).expect("non-negative");
    v.push(Case {
        name: "md1",
        what: "M/D/1, rho=0.7: mean wait (P-K)".into(),
        spec: open(0.7, vec![fcfs(1, md1)], customers),
        metric: Metric::MeanWait { station: 0 },
        exact: analytic::md1(0.7, 1.0).expect("stable").mean_wait,
        replications: 30,
    });
    let g = Dist::gamma(0.5, 1.0).expect("valid gamma");
    let g2 = g.second_moment();
    v.push(Case {
        name: "mg1_gamma",
        what: "M/G/1, gamma service cv^2=2, rho=0.6: mean wait (P-K)".into(),
        spec: open(0.6, vec![fcfs(1, g)], customers * 2.0),
        metric: Metric::MeanWait { station: 0 },
        exact: analytic::mg1_pk(0.6, 1.0, g2).expect("stable").mean_wait,
        replications: 30,
    });
    let u = Dist::uniform(0.5, 1.5).expect("valid uniform");
    let u2 = u.second_moment();
    v.push(Case {
        name: "mg1_uniform",
        what: "M/G/1, uniform(0.5s,1.5s) service, rho=0.8: mean wait (P-K)".into(),
        spec: open(0.8, vec![fcfs(1, u)], customers * 2.0),
        metric: Metric::MeanWait { station: 0 },
        exact: analytic::mg1_pk(0.8, 1.0, u2).expect("stable").mean_wait,
        replications: 30,
    });

    // M/G/1-PS with a high-variance service: E[T] = E[S]/(1-rho).
    let ln = Dist::lognormal(1.0, 3.0).expect("valid lognormal");
    v.push(Case {
        name: "mg1_ps",
        what: "M/G/1-PS, lognormal service cv=3, rho=0.7: mean response".into(),
        spec: open(
            0.7,
            vec![StationSpec {
                discipline: Discipline::ProcessorSharing { cores: 1.0 },
                service: ln,
            }],
            customers * 2.0,
        ),
        metric: Metric::MeanResponse,
        exact: analytic::mg1_ps_response(0.7, 1.0).expect("stable"),
        replications: 30,
    });

    // Tandem Jackson network: M/M/1 -> M/M/2 -> M/M/1.
    let lambda = 0.6;
    let stations = [(1.0, 1u32), (2.5, 2), (0.8, 1)];
    v.push(Case {
        name: "jackson_tandem",
        what: "tandem M/M/1 -> M/M/2 -> M/M/1, lambda=0.6: mean response".into(),
        spec: open(
            lambda,
            stations.iter().map(|&(s, c)| fcfs(c, exp(s))).collect(),
            customers,
        ),
        metric: Metric::MeanResponse,
        exact: analytic::tandem_mmc(lambda, &stations).expect("stable"),
        replications: 30,
    });

    // Closed network with think time against exact MVA.
    let n = 12;
    let think = 4.0;
    let demands = [0.4, 0.3];
    let mva = analytic::mva(
        n,
        think,
        &[
            MvaStation::Queueing { demand: demands[0] },
            MvaStation::Queueing { demand: demands[1] },
        ],
    );
    let closed = |cust: f64| NetworkSpec {
        population: Population::Closed {
            customers: n,
            think: exp(think),
        },
        stations: vec![
            StationSpec {
                discipline: Discipline::ProcessorSharing { cores: 1.0 },
                service: Dist::lognormal(demands[0], 2.0).expect("valid lognormal"),
            },
            fcfs(1, exp(demands[1])),
        ],
        warmup: cust / mva.throughput * 0.05,
        duration: cust / mva.throughput,
    };
    v.push(Case {
        name: "mva_closed_throughput",
        what: format!("closed, {n} users, think 4s, PS + FCFS: throughput (MVA)"),
        spec: closed(customers),
        metric: Metric::Throughput,
        exact: mva.throughput,
        replications: 30,
    });
    v.push(Case {
        name: "mva_closed_response",
        what: format!("closed, {n} users, think 4s, PS + FCFS: response (MVA)"),
        spec: closed(customers),
        metric: Metric::MeanResponse,
        exact: mva.response_time,
        replications: 30,
    });
    v
}

/// Runs one case with `seed` on the current rayon pool.
pub fn run_case(case: &Case, seed: u64) -> Outcome {
    static NEVER: AtomicBool = AtomicBool::new(false);
    run_case_until(case, seed, &NEVER).expect("a case that is never stopped completes")
}

/// As [`run_case`], but gives up (returning `None`) soon after `stop` is
/// set.
pub fn run_case_until(case: &Case, seed: u64, stop: &AtomicBool) -> Option<Outcome> {
    let results = replicate(case.replications, seed, |s| {
        let r = case.spec.simulate_until(s, stop)?;
        Some((case.metric.of(&r), r.totals.entered))
    });
    let results: Vec<(f64, u64)> = results.into_iter().collect::<Option<_>>()?;
    let values: Vec<f64> = results.iter().map(|r| r.0).collect();
    let estimate = Estimate::from_values_in(&values, case.metric.bounds());
    Some(Outcome {
        name: case.name,
        what: case.what.clone(),
        metric: case.metric.label(),
        exact: case.exact,
        passed: estimate.covers_99(case.exact),
        estimate,
        customers: results.iter().map(|r| r.1).sum(),
    })
}

/// About how many events `cases` simulate in all, for the run-time guard.
pub fn estimated_events(cases: &[Case]) -> f64 {
    cases
        .iter()
        .map(|c| c.spec.estimated_events() * c.replications as f64)
        .sum()
}

/// Default run length per replication for `o11sim validate`.
pub const DEFAULT_CUSTOMERS: f64 = 200_000.0;
