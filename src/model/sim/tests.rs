//! Model-level tests that need the simulation's insides.
//!
//! Why this file exists: common random numbers are a property of which
//! numbers each request draws, which no result shows. Test builds record
//! every per-request draw (`Sim::trace`), and these tests compare the
//! records of two variants.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;

use super::Sim;
use super::jobs::JobRef;
use crate::engine::StreamSeeds;
use crate::model::Model;
use crate::scenario::{self, Override};

/// One draw as the model used it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Drawn {
    /// Request `index` of `class` arrived as `job` and drew `values`.
    Request {
        job: JobRef,
        class: u16,
        index: u64,
        values: [f64; 3],
    },
    /// `job` used `value` later: a database time (`what` 0), the network
    /// delay back (1), a think time (2), an external call (3), an
    /// activity's CPU or database calls (4).
    Value { job: JobRef, what: u8, value: f64 },
    /// Instance `index` of BPT process `process` was launched as `job`.
    Process {
        job: JobRef,
        process: u16,
        index: u64,
    },
}

/// What one request used: the values drawn at arrival, then per kind of
/// later demand (database times, delay back, think time) the values in the
/// order used.
type Used = ([f64; 3], [Vec<f64>; 4]);

/// Per (class, arrival index): what the request used. Also the order in
/// which requests used their later demands.
struct Demands {
    by_request: HashMap<(u16, u64), Used>,
    use_order: Vec<(u16, u64)>,
}

fn demands(model: &Model, seeds: StreamSeeds) -> Demands {
    let mut sim = Sim::new(model, seeds);
    assert!(sim.advance(&AtomicBool::new(false), &mut |_| {}));
    let mut of_job = HashMap::new();
    let mut d = Demands {
        by_request: HashMap::new(),
        use_order: Vec::new(),
    };
    for t in &sim.trace {
        match *t {
            Drawn::Request {
                job,
                class,
                index,
                values,
            } => {
                of_job.insert(job, (class, index));
                d.by_request
                    .insert((class, index), (values, Default::default()));
            }
            Drawn::Process { .. } => {}
            Drawn::Value { job, what, value } => {
                // Timer runs draw database times too; only requests count.
                if let Some(&key) = of_job.get(&job)
                    && what < 4
                {
                    d.by_request.get_mut(&key).unwrap().1[what as usize].push(value);
                    d.use_order.push(key);
                }
            }
        }
    }
    d
}

fn variant(front_ends: usize) -> Model {
    let text = r#"
front_ends = 3

[simulation]
duration = "3m"
warmup = "0s"

[traffic.web]
rate = 300
cpu = "exp(10ms)"
db_calls = "exp(2)"
db_time = "exp(3ms)"

[traffic.staff]
users = 30
think = "exp(1s)"
cpu = "exp(40ms)"
db_calls = "const(3)"
db_time = "exp(5ms)"
timeout = "10s"

[timers.batch]
period = "1m"
cpu = "exp(2s)"
db_calls = "const(10)"
db_time = "exp(20ms)"
"#;
    let o = Override {
        path: "front_ends".into(),
        value: front_ends.to_string(),
    };
    scenario::load_str("crn-test", text, &[o]).unwrap().model
}

#[test]
fn request_k_of_a_class_draws_the_same_demands_in_every_variant() {
    let seeds = StreamSeeds::new(7, 2);
    let a = demands(&variant(3), seeds);
    let b = demands(&variant(4), seeds);
    // The premise: with one more front-end the requests reach the database
    // and finish in a different order, so numbers drawn in event order
    // would go to different requests.
    assert_ne!(a.use_order, b.use_order, "the variants must differ");
    let mut requests = 0;
    let mut calls = 0;
    let mut answers = 0;
    for (key, (arrival_a, later_a)) in &a.by_request {
        let Some((arrival_b, later_b)) = b.by_request.get(key) else {
            continue;
        };
        assert_eq!(arrival_a, arrival_b, "request {key:?}: demands at arrival");
        for (what, (va, vb)) in later_a.iter().zip(later_b).enumerate() {
            // A request still in flight at the end may not have used all
            // its demands yet in one of the variants.
            let n = va.len().min(vb.len());
            assert_eq!(va[..n], vb[..n], "request {key:?}: demand kind {what}");
            match what {
                0 => calls += n,
                1 => answers += n,
                _ => {}
            }
        }
        requests += 1;
    }
    // Both classes, open and closed, took part.
    for class in 0..2 {
        assert!(
            a.by_request.keys().filter(|k| k.0 == class).count() > 1_000,
            "class {class} has requests"
        );
    }
    assert!(
        requests > 40_000 && calls > 80_000 && answers > 40_000,
        "{requests} requests, {calls} calls, {answers} answers"
    );
}

/// Per (process, launch index): every value the instance used, in order
/// per kind (database times, activity work).
fn process_demands(model: &Model, seeds: StreamSeeds) -> HashMap<(u16, u64), [Vec<f64>; 2]> {
    let mut sim = Sim::new(model, seeds);
    assert!(sim.advance(&AtomicBool::new(false), &mut |_| {}));
    let mut of_job = HashMap::new();
    let mut out: HashMap<(u16, u64), [Vec<f64>; 2]> = HashMap::new();
    for t in &sim.trace {
        match *t {
            Drawn::Process {
                job,
                process,
                index,
            } => {
                of_job.insert(job, (process, index));
                out.insert((process, index), Default::default());
            }
            Drawn::Value { job, what, value } => {
                if let Some(key) = of_job.get(&job) {
                    let kind = if what == 4 { 1 } else { 0 };
                    out.get_mut(key).unwrap()[kind].push(value);
                }
            }
            Drawn::Request { job, .. } => {
                // A slot reused by a request is no longer the instance's.
                of_job.remove(&job);
            }
        }
    }
    out
}

#[test]
fn process_instance_k_draws_the_same_activities_in_every_variant() {
    let text = r#"
front_ends = 3
[front_end]
cores = 2
[simulation]
duration = "5m"
warmup = "0s"
[traffic.web]
rate = 100
cpu = "exp(10ms)"
[processes.orders]
launches_per_hour = 36000
activities = 3
cpu = "exp(100ms)"
db_calls = "exp(2)"
db_time = "exp(5ms)"
"#;
    let model = |on: &str| {
        let o = Override {
            path: "front_end.process_front_ends".into(),
            value: on.into(),
        };
        scenario::load_str("crn-processes", text, &[o])
            .unwrap()
            .model
    };
    let seeds = StreamSeeds::new(3, 1);
    let a = process_demands(&model("3"), seeds);
    let b = process_demands(&model("1"), seeds);
    let mut compared = 0;
    let mut differ_in_length = 0;
    for (key, va) in &a {
        let Some(vb) = b.get(key) else { continue };
        for (x, y) in va.iter().zip(vb) {
            let n = x.len().min(y.len());
            assert_eq!(x[..n], y[..n], "instance {key:?}");
            compared += n;
            differ_in_length += usize::from(x.len() != y.len());
        }
    }
    assert!(
        a.len() > 2_000 && compared > 10_000,
        "{} instances, {compared} values",
        a.len()
    );
    // The premise: fewer threads, so instances progress differently.
    assert!(differ_in_length > 0, "the variants must differ");
}

#[test]
fn progress_is_reported_in_simulated_time_before_the_replication_ends() {
    // One replication of 3 minutes: the reports come while it runs, each
    // further on than the last, none at or past its end; the result is
    // the same as without reports.
    let model = variant(3);
    let mut fractions = Vec::new();
    let stop = AtomicBool::new(false);
    let seeds = StreamSeeds::new(4, 0);
    let r = super::simulate_reporting(&model, seeds, &stop, &mut |f| fractions.push(f), None)
        .expect("not stopped");
    assert!(fractions.len() >= 10, "{} reports", fractions.len());
    assert!(fractions.windows(2).all(|w| w[0] <= w[1]), "{fractions:?}");
    assert!(fractions[0] > 0.0 && fractions[0] < 0.5, "{fractions:?}");
    assert!(*fractions.last().unwrap() < 1.0);
    assert!(*fractions.last().unwrap() > 0.5);
    let plain = super::simulate(&model, seeds);
    assert_eq!(format!("{r:?}"), format!("{plain:?}"));
}

/// The arrivals `size`'s certain-miss rule counts from a fresh copy of a
/// class's arrival stream are exactly those the run has, with a constant rate and with a daily
/// profile (thinning, two draws per candidate time) starting mid-morning.
#[test]
fn arrivals_counted_before_the_run_are_the_runs_arrivals() {
    let text = r#"
front_ends = 1
[simulation]
duration = "3h"
warmup = "10m"
start = "07:30"
[traffic.flat]
rate = 3
cpu = "exp(10ms)"
db_calls = "const(0)"
[traffic.daily]
rate = 5
profile = [0, 0, 0, 0, 0, 0, 0, 0.2, 1, 0.5, 0, 0.7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
cpu = "exp(10ms)"
db_calls = "const(0)"
"#;
    let model = scenario::load_str("arrivals.toml", text, &[])
        .unwrap()
        .model;
    for rep in 0..5 {
        let seeds = StreamSeeds::new(11, rep);
        let sim = Sim::new(&model, seeds);
        let counted: Vec<u64> = (0..2).map(|c| sim.arrivals_in_run(c)).collect();
        let run = super::simulate(&model, seeds);
        let actual: Vec<u64> = run.classes[..2].iter().map(|c| c.total_arrivals).collect();
        assert_eq!(counted, actual, "replication {rep}");
        assert!(actual.iter().all(|&n| n > 1000), "{actual:?}");
    }
}

/// The certain-miss rule counts a class's arrivals only once one of its
/// limits may be exceeded: a limit far from its figure never pays for the
/// count, and a limit that stops the run uses the exact count.
#[test]
fn certain_miss_counts_arrivals_only_for_a_limit_that_may_be_exceeded() {
    use super::certain_miss::{MissFigure, MissLimit, MissRule};
    let text = r#"
front_ends = 1
[simulation]
duration = "1h"
warmup = "1m"
[traffic.web]
rate = 30
cpu = "exp(10ms)"
db_calls = "const(0)"
"#;
    let model = scenario::load_str("lazy.toml", text, &[]).unwrap().model;
    let far = MissLimit {
        class: 0,
        figure: MissFigure::Quantile(0.95),
        limit: 10.0,
    };
    let exceeded = MissLimit {
        class: 0,
        figure: MissFigure::Mean,
        limit: 0.001,
    };
    let seeds = StreamSeeds::new(3, 0);
    let mut sim = Sim::new(&model, seeds);
    sim.miss_rule = MissRule::new(&model, [far, exceeded]);
    sim.miss_arrivals = vec![None; 2];
    let stop = AtomicBool::new(false);
    assert!(sim.advance(&stop, &mut |_| {}));
    let stopped = sim
        .stopped_early
        .expect("a mean of about 10 ms is above 1 ms");
    assert_eq!(stopped.limit, exceeded);
    assert!(stopped.measured < 900.0, "{stopped:?}");
    assert_eq!(sim.miss_arrivals[0], None, "the far limit counted arrivals");
    let full = super::simulate(&model, seeds);
    assert_eq!(sim.miss_arrivals[1], Some(full.classes[0].total_arrivals));
}
