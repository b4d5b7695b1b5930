//! The SQL Server cluster and the query timeout: what `nodes`,
//! `failover_duration`, `on_failover` and `query_timeout` do to the
//! instance's availability and to the requests that use it.
//!
//! Scheduled failures make the availability figures exact (the schedule is
//! deterministic); request counts are compared replication by replication
//! under the same seeds (common random numbers), with a confidence interval
//! on the paired difference.

use o11sim::engine::StreamSeeds;
use o11sim::experiment::replicate;
use o11sim::experiment::summary::Advice;
use o11sim::model::Model;
use o11sim::model::sim::{DatabaseResult, RunResult, simulate};
use o11sim::scenario::{Override, load_str};
use o11sim::stats::Estimate;

/// Two front-ends, 200 req/s with one database call each, a 2-node
/// cluster failing over in 30 s; ten minutes measured after one of
/// warm-up.
const BASE: &str = r#"
front_ends = 2
[database]
nodes = 2
failover_duration = "30s"
[traffic.portal]
rate = 200
cpu = "exp(10ms)"
db_calls = "const(1)"
db_time = "exp(2ms)"
[simulation]
duration = "10m"
warmup = "1m"
"#;

/// The primary fails at 5 minutes (4 into the measured time) and its node
/// is back 2 minutes later.
const PRIMARY_FAILS: &str = r#"
[[failures]]
database = "primary"
at = "5m"
duration = "2m"
"#;

fn model(text: &str, settings: &[&str]) -> Model {
    let overrides: Vec<Override> = settings.iter().map(|s| s.parse().unwrap()).collect();
    load_str("cluster.toml", text, &overrides).unwrap().model
}

fn run(model: &Model, reps: usize) -> Vec<RunResult> {
    replicate(reps, 21, |s| simulate(model, s))
}

fn db(r: &RunResult) -> &DatabaseResult {
    &r.databases[0]
}

fn failed(r: &RunResult) -> f64 {
    r.classes[0].outcomes.failed as f64
}

/// Paired difference a - b, replication by replication.
fn paired(a: &[RunResult], b: &[RunResult], f: impl Fn(&RunResult) -> f64) -> Estimate {
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| f(x) - f(y)).collect();
    Estimate::from_values(&d)
}

#[test]
fn two_nodes_fail_over_in_the_failover_duration_one_node_waits_for_the_repair() {
    let text = format!("{BASE}{PRIMARY_FAILS}");
    let two = run(&model(&text, &[]), 10);
    let one = run(&model(&text, &["database.nodes=1"]), 10);
    for (a, b) in two.iter().zip(&one) {
        // Two nodes: 30 s of failover, then the secondary serves while the
        // failed node is down for its 2 minutes.
        assert_eq!(db(a).unavailable_seconds, 30.0, "{:?}", db(a));
        assert_eq!(db(a).availability, 1.0 - 30.0 / 600.0);
        assert_eq!(db(a).failovers, 1);
        assert_eq!(db(a).name, "production");
        // One node: nothing to fail over to; down until the repair.
        assert_eq!(db(b).unavailable_seconds, 120.0, "{:?}", db(b));
        assert_eq!(db(b).availability, 1.0 - 120.0 / 600.0);
        assert_eq!(db(b).failovers, 0);
    }
    // Same seeds: the single node fails about 90 s more of traffic.
    let more = paired(&one, &two, failed);
    let (lo, hi) = more.ci_99().unwrap();
    let expected = 200.0 * 90.0;
    assert!(
        lo > 0.95 * expected && hi < 1.05 * expected,
        "extra failures with one node {more:?}, expected about {expected}"
    );
    // And without a failure the instance is always available.
    let calm = run(&model(BASE, &[]), 2);
    for r in &calm {
        assert_eq!((db(r).availability, db(r).failovers), (1.0, 0));
        assert_eq!(failed(r), 0.0);
    }
}

#[test]
fn a_longer_failover_fails_more_requests() {
    let text = format!("{BASE}{PRIMARY_FAILS}");
    let short = run(&model(&text, &["database.failover_duration=10s"]), 10);
    let long = run(&model(&text, &["database.failover_duration=60s"]), 10);
    for (s, l) in short.iter().zip(&long) {
        assert_eq!(db(s).unavailable_seconds, 10.0);
        assert_eq!(db(l).unavailable_seconds, 60.0);
    }
    let more = paired(&long, &short, failed);
    let (lo, hi) = more.ci_99().unwrap();
    let expected = 200.0 * 50.0;
    assert!(
        lo > 0.95 * expected && hi < 1.05 * expected,
        "extra failures with a 60 s failover {more:?}, expected about {expected}"
    );
}

/// Two failures: the first at 5 minutes, the second `at` later, lasting
/// `first` and `second` seconds.
fn two_failures(at: u32, first: u32, second: u32) -> String {
    format!(
        "{BASE}[[failures]]\ndatabase = \"primary\"\nat = \"5m\"\nduration = \"{first}s\"\n\
         [[failures]]\ndatabase = \"primary\"\nat = \"{}s\"\nduration = \"{second}s\"\n",
        300 + at
    )
}

#[test]
fn a_second_failure_with_no_healthy_node_left_waits_for_a_repair() {
    let unavailable = |text: &str, nodes: &str| {
        let r = simulate(&model(text, &[nodes]), StreamSeeds::new(5, 0));
        (db(&r).unavailable_seconds, db(&r).failovers)
    };
    // 5:00 the primary fails (back at 10:00): failover until 5:30. 6:40 the
    // new primary fails too (back at 7:40): no node left until that repair.
    let text = two_failures(100, 300, 60);
    assert_eq!(unavailable(&text, "database.nodes=2"), (30.0 + 60.0, 1));
    // The same, the first node back first (at 7:30): it serves from then.
    let text = two_failures(100, 150, 200);
    assert_eq!(unavailable(&text, "database.nodes=2"), (30.0 + 50.0, 1));
    // The second failure during the failover (5:10) takes the node being
    // promoted: nothing serves until its repair at 6:50.
    let text = two_failures(10, 300, 100);
    assert_eq!(unavailable(&text, "database.nodes=2"), (110.0, 1));
    // With three nodes a third one takes over each time.
    let text = two_failures(100, 300, 60);
    assert_eq!(unavailable(&text, "database.nodes=3"), (60.0, 2));
    let text = two_failures(10, 300, 100);
    assert_eq!(unavailable(&text, "database.nodes=3"), (10.0 + 30.0, 2));
    // One node: the second failure finds nothing up and repairs nothing.
    let text = two_failures(10, 300, 100);
    assert_eq!(unavailable(&text, "database.nodes=1"), (300.0, 0));
}

#[test]
fn random_failures_fail_over_a_counted_number_of_times() {
    // The primary fails every 5 minutes on average for 2 minutes; one
    // failure at a time, so with two nodes each is a 30 s failover.
    let text = format!(
        "{BASE}[[random_failures]]\ndatabase = \"primary\"\nmtbf = \"5m\"\nmttr = \"2m\"\n"
    );
    let mut m = model(&text, &[]);
    m.duration = 3_600.0;
    let two = run(&m, 10);
    let counts: Vec<u64> = two.iter().map(|r| db(r).failovers).collect();
    assert!(counts.iter().all(|&c| c > 0), "{counts:?}");
    assert!(
        counts.iter().any(|&c| c != counts[0]),
        "the count varies by replication: {counts:?}"
    );
    let mean = counts.iter().sum::<u64>() as f64 / counts.len() as f64;
    // One cycle is 5 + 2 minutes on average: about 8.6 per hour.
    assert!((6.0..11.0).contains(&mean), "{counts:?}");
    for r in &two {
        let d = db(r);
        // 30 s each, give or take the failovers cut by the warm-up or the end.
        assert!(
            (d.unavailable_seconds - 30.0 * d.failovers as f64).abs() <= 60.0,
            "{d:?}"
        );
        assert!((d.availability - (1.0 - d.unavailable_seconds / 3_600.0)).abs() < 1e-12);
    }
    // One node: no failover, down for the whole repair (2 minutes on
    // average instead of 30 s; the same failures under the same seeds).
    m.databases[0].nodes = 1;
    let one = run(&m, 10);
    assert!(one.iter().all(|r| db(r).failovers == 0));
    let total = |rs: &[RunResult]| rs.iter().map(|r| db(r).unavailable_seconds).sum::<f64>();
    assert!(
        total(&one) > 2.0 * total(&two),
        "{} vs {}",
        total(&one),
        total(&two)
    );
}

#[test]
fn a_transaction_open_at_the_failover_fails_even_when_calls_wait() {
    // Requests take their connection at their one call, after 1 s of CPU,
    // and commit 1 s later; the failover leaves them waiting.
    let text = r#"
[front_end]
cores = 64
db_pool = 1000
[database]
on_failover = "wait"
query_timeout = "60s"
[traffic.slow]
rate = 10
cpu = "const(2s)"
db_calls = "const(1)"
db_time = "const(1ms)"
timeout = "120s"
[simulation]
duration = "10m"
warmup = "1m"
[[failures]]
database = "primary"
at = "5m"
duration = "2m"
"#;
    let results = run(&model(text, &[]), 10);
    let e = Estimate::from_values(&results.iter().map(failed).collect::<Vec<_>>());
    // Those in their last second of CPU at the failure (10 per second):
    // their connection broke, so the commit fails. Those that had not yet
    // made their call wait out the 30 s failover and succeed.
    assert!(e.covers_99(10.0), "failed {e:?}");
    for r in &results {
        assert_eq!(r.classes[0].outcomes.timed_out, 0);
    }
}

/// One 64-core front-end, one database call per request.
const LONG_CALLS: &str = r#"
[front_end]
cores = 64
[database]
cores = 64
[traffic.reports]
rate = 0.5
cpu = "const(1ms)"
db_calls = "const(1)"
db_time = "const(40s)"
timeout = "120s"
[simulation]
duration = "1h"
warmup = "2m"
"#;

fn db_utilization(r: &RunResult) -> f64 {
    r.resources
        .iter()
        .find(|x| x.name == "db.production.cpu")
        .unwrap()
        .utilization
}

#[test]
fn a_call_running_past_the_query_timeout_fails_and_the_database_stops_it() {
    for cpu in ["ps", "fcfs"] {
        let cpu = format!("database.cpu={cpu}");
        // 40 s of database time against the 30 s default: every request fails.
        let cut = run(&model(LONG_CALLS, &[&cpu]), 4);
        // With a 60 s timeout every one succeeds.
        let whole = run(&model(LONG_CALLS, &[&cpu, "database.query_timeout=60s"]), 4);
        for (c, w) in cut.iter().zip(&whole) {
            let (oc, ow) = (c.classes[0].outcomes, w.classes[0].outcomes);
            assert!(
                oc.failed > 1_500 && oc.ok == 0 && oc.timed_out == 0,
                "{cpu}: {oc:?}"
            );
            assert!(ow.ok > 1_500 && ow.failed == 0, "{cpu}: {ow:?}");
            // The database stops at the timeout: 30 s of work per call, not
            // 40 (same arrivals under the same seed).
            let ratio = db_utilization(c) / db_utilization(w);
            assert!((ratio - 0.75).abs() < 0.01, "{cpu}: ratio {ratio}");
        }
    }
}

#[test]
fn under_processor_sharing_a_call_times_out_on_its_response_not_its_work() {
    // Two users, each call 20 s of work on a one-core database: sharing the
    // core, each call would take 40 s, past the 30 s timeout.
    let text = r#"
[database]
cores = 1
[traffic.reports]
users = 2
think = "const(1ms)"
cpu = "const(1ms)"
db_calls = "const(1)"
db_time = "const(20s)"
timeout = "120s"
[simulation]
duration = "30m"
warmup = "0s"
"#;
    let r = simulate(&model(text, &[]), StreamSeeds::new(1, 0));
    let o = r.classes[0].outcomes;
    assert!(o.failed > 80 && o.ok == 0, "{o:?}");
    // With 45 s they finish (at 40 s), and so does one user alone.
    let r = simulate(
        &model(text, &["database.query_timeout=45s"]),
        StreamSeeds::new(1, 0),
    );
    let o = r.classes[0].outcomes;
    assert!(o.ok > 80 && o.failed == 0, "{o:?}");
    let r = simulate(
        &model(text, &["traffic.reports.users=1"]),
        StreamSeeds::new(1, 0),
    );
    let o = r.classes[0].outcomes;
    assert!(o.ok > 80 && o.failed == 0, "{o:?}");
}

#[test]
fn an_overloaded_database_sheds_calls_at_the_query_timeout_and_loses_none() {
    // Twice what a one-core database can serve, a 300 ms query timeout, and a
    // front-end failure and a failover on top: every request still ends in
    // exactly one outcome, and the database stays busy but not beyond.
    let text = r#"
[front_end]
db_pool = 20
[database]
cores = 1
query_timeout = "300ms"
[traffic.portal]
rate = 100
cpu = "exp(5ms)"
db_calls = "uniform(0, 4)"
db_time = "exp(10ms)"
timeout = "120s"
[simulation]
duration = "20m"
warmup = "0s"
[[failures]]
database = "primary"
at = "5m"
duration = "1m"
"#;
    for cpu in ["ps", "fcfs"] {
        let m = model(text, &[&format!("database.cpu={cpu}"), "front_ends=2"]);
        let r = simulate(&m, StreamSeeds::new(3, 0));
        let c = &r.classes[0];
        assert_eq!(
            c.total_arrivals,
            c.total_outcomes.finished() + c.in_flight_at_end,
            "{cpu}: {:?}",
            c.total_outcomes
        );
        assert!(
            c.outcomes.failed > 10_000 && c.outcomes.ok > 10_000,
            "{cpu}: {:?}",
            c.outcomes
        );
        let u = db_utilization(&r);
        assert!(u > 0.9 && u <= 1.0 + 1e-9, "{cpu}: utilization {u}");
        assert_eq!(db(&r).failovers, 1);
    }
}

#[test]
fn workers_held_through_a_failover_make_the_database_the_bottleneck_not_the_front_ends() {
    // Calls wait out a 20 s failover. In half a second every IIS worker
    // (2 x 48) holds a request waiting for the database; the requests
    // behind them queue for a worker. Those answered in time are the ones
    // that queued near the end of the failover: they never waited out the
    // failover themselves, only for a worker, and their time downstream
    // is front-end CPU. What they waited for is the failover.
    let failing = model(
        &format!("{BASE}{PRIMARY_FAILS}"),
        &[
            "database.on_failover=wait",
            "database.failover_duration=20s",
        ],
    );
    let results = run(&failing, 10);
    let summary = o11sim::experiment::Summary::new(&failing, &results);
    let portal = &summary.classes[0];
    // The station times of the requests answered in time sum to their
    // mean response time.
    let in_time: f64 = portal.stations.iter().map(|s| s.time.mean).sum();
    let iis = portal
        .stations
        .iter()
        .find(|s| s.key == "iis_queue")
        .unwrap();
    assert!(
        iis.wait.mean > 0.1 * in_time,
        "the answered requests queued for a worker: {iis:?} of {in_time} s"
    );
    let b = portal.bottleneck.as_ref().unwrap();
    assert_eq!(b.advice, Advice::DatabaseLimit, "{b:?}");
    assert_eq!(b.limit.as_deref(), Some("db.production.cpu"), "{b:?}");
    assert!(
        b.failover_waiting_share > 0.5 * b.limit_waiting_share,
        "most of the database's part is the failover: {b:?}"
    );
    // The zone's worker queue went mostly to the holders waiting out the
    // failover; a little to the front-ends' CPU, which then drains the
    // queue, and the database's CPU; none to the pool, which no holder of
    // a connection waits for.
    let blame = |key: &str| portal.blocking.iter().find(|b| b.key == key).unwrap();
    let failover = blame("db.production.failover");
    assert!(failover.iis > 0.0, "{:?}", portal.blocking);
    for b in &portal.blocking {
        assert!(b.iis >= 0.0 && b.pool >= 0.0, "{b:?}");
        if b.key != failover.key {
            assert!(b.iis < 0.2 * failover.iis, "{:?}", portal.blocking);
        }
    }
    assert_eq!(blame("connection_pool").pool, 0.0, "{:?}", portal.blocking);

    // Without the failure nothing queues, nothing is blamed, and the
    // database's waiting has no failover in it.
    let steady = model(BASE, &[]);
    let summary = o11sim::experiment::Summary::new(&steady, &run(&steady, 10));
    let portal = &summary.classes[0];
    assert!(
        portal
            .blocking
            .iter()
            .all(|b| b.iis == 0.0 && b.pool == 0.0),
        "{:?}",
        portal.blocking
    );
    let b = portal.bottleneck.as_ref().unwrap();
    assert_eq!(b.failover_waiting_share, 0.0, "{b:?}");
}
