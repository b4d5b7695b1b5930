//! The Scheduler's two roles on the front-ends: timers (Execute Timers,
//! `timer_front_ends`) and BPT processes (Execute Processes,
//! `process_front_ends`, process threads, the fixed activity timeout).
//!
//! Variants are compared replication by replication under the same seeds
//! (common random numbers), with a confidence interval on the paired
//! difference; the process threads are checked against Erlang C where the
//! CPU cannot be the bottleneck.

use o11sim::analytic::mmc;
use o11sim::experiment::replicate;
use o11sim::model::Model;
use o11sim::model::sim::{RunResult, simulate};
use o11sim::scenario::{Override, load_str};
use o11sim::stats::Estimate;
use o11sim::whatif::variants::{Figure, Job, paired_difference, run_variants};

fn model(text: &str, settings: &[&str]) -> Model {
    let overrides: Vec<Override> = settings.iter().map(|s| s.parse().unwrap()).collect();
    load_str("scheduler.toml", text, &overrides)
        .unwrap_or_else(|e| panic!("{e}"))
        .model
}

fn run(model: &Model, reps: usize) -> Vec<RunResult> {
    replicate(reps, 5, |s| simulate(model, s))
}

fn row<'a>(r: &'a RunResult, name: &str) -> &'a o11sim::model::sim::ClassResult {
    r.classes.iter().find(|c| c.name == name).unwrap()
}

fn resource(r: &RunResult, name: &str) -> (f64, f64) {
    let x = r.resources.iter().find(|x| x.name == name).unwrap();
    (x.utilization, x.mean_queue)
}

fn estimate(results: &[RunResult], f: impl Fn(&RunResult) -> f64) -> Estimate {
    Estimate::from_values(&results.iter().map(f).collect::<Vec<_>>())
}

/// Three front-ends serving web traffic round robin, and three heavy
/// timers (30 s of CPU each, every minute).
const HEAVY_TIMERS: &str = r#"
front_ends = 3
[front_end]
cores = 2
[traffic.web]
rate = 150
cpu = "exp(10ms)"
db_calls = "const(2)"
db_time = "exp(3ms)"
[timers.invoices]
period = "1m"
cpu = "exp(30s)"
[timers.reports]
period = "1m"
cpu = "exp(30s)"
[timers.sync]
period = "1m"
cpu = "exp(30s)"
[simulation]
duration = "20m"
warmup = "2m"
"#;

/// `compare --vary front_end.timer_front_ends=3,1`: with Execute Timers on
/// only the first front-end, the timers leave the other two, whose CPU
/// drops, while the first one's rises.
#[test]
fn timers_kept_on_one_front_end_free_the_others() {
    let all = model(HEAVY_TIMERS, &[]);
    let one = model(HEAVY_TIMERS, &["front_end.timer_front_ends=1"]);
    assert!(all.front_ends.iter().all(|f| f.execute_timers));
    assert_eq!(
        one.front_ends
            .iter()
            .map(|f| f.execute_timers)
            .collect::<Vec<_>>(),
        [true, false, false]
    );
    let reps = 10;
    let jobs = [
        Job {
            model: &all,
            replications: reps,
            seed: 3,
        },
        Job {
            model: &one,
            replications: reps,
            seed: 3,
        },
    ];
    let runs: Vec<_> = run_variants(&jobs, &o11sim::experiment::Silent)
        .into_iter()
        .map(|r| r.expect("not interrupted").replications)
        .collect();
    let (base, moved) = (&runs[0], &runs[1]);
    let util = |runs: &[o11sim::experiment::summary::ReplicationFigures], name: &str| {
        Estimate::from_values(
            &runs
                .iter()
                .map(|r| r.utilization(name).unwrap())
                .collect::<Vec<_>>(),
        )
    };
    for fe in ["main.1.cpu", "main.2.cpu", "main.3.cpu"] {
        eprintln!(
            "{fe}: timers on 3 of 3 {:.3}, on 1 of 3 {:.3}",
            util(base, fe).mean,
            util(moved, fe).mean
        );
    }
    for fe in ["main.2.cpu", "main.3.cpu"] {
        let d = o11sim::whatif::variants::utilization_difference(base, moved, fe).unwrap();
        let (_, high) = d.ci_95().unwrap();
        assert!(
            high < -0.05,
            "{fe}: {:.3} -> {:.3}, paired difference {d:?}",
            util(base, fe).mean,
            util(moved, fe).mean
        );
    }
    let d = o11sim::whatif::variants::utilization_difference(base, moved, "main.1.cpu").unwrap();
    assert!(d.ci_95().unwrap().0 > 0.05, "main.1.cpu: {d:?}");
    // The timers still run: single instances, three slots on main.1.
    for t in ["timer.invoices", "timer.reports", "timer.sync"] {
        let d = paired_difference(base, moved, t, Figure::Throughput).unwrap();
        assert!(d.mean.abs() < 0.01, "{t}: {d:?}");
    }
    let p95 = paired_difference(base, moved, "web", Figure::P95).unwrap();
    eprintln!(
        "web p95 paired difference (timers on 1 of 3 minus on 3 of 3): {:.2} ms ± {:.2}",
        p95.mean * 1e3,
        p95.half_95.unwrap_or(f64::NAN) * 1e3
    );
}

/// "Should heavy timers move to their own server?" With Execute Timers on
/// only one of the front-ends that serve web traffic, that front-end's
/// requests meet all the timers: the class's p95 gets worse, not better
/// (the other two front-ends are freed, see above). A front-end of its own
/// — a zone `batch` that takes no web traffic — lowers the p95.
#[test]
fn heavy_timers_help_web_p95_only_on_a_front_end_without_web_traffic() {
    let zoned = HEAVY_TIMERS
        .replace(
            "front_ends = 3\n[front_end]",
            "[zones.web]\nfront_ends = 3\n[zones.batch]\nfront_ends = 1\n[front_end]",
        )
        .replace("[traffic.web]\n", "[traffic.web]\nzone = \"web\"\n");
    let on = |zone: &str| {
        ["invoices", "reports", "sync"]
            .iter()
            .map(|t| format!("timers.{t}.zone={zone}"))
            .collect::<Vec<_>>()
    };
    let variant = |extra: &[&str], zone: &str| {
        let mut settings: Vec<String> = on(zone);
        settings.extend(extra.iter().map(|s| s.to_string()));
        let settings: Vec<&str> = settings.iter().map(String::as_str).collect();
        run(&model(&zoned, &settings), 10)
    };
    let spread = variant(&[], "web");
    let one_web = variant(&["zones.web.front_end.timer_front_ends=1"], "web");
    let own = variant(&[], "batch");
    let p95 = |r: &RunResult| row(r, "web").hist.quantile(0.95);
    let diff = |a: &[RunResult], b: &[RunResult]| {
        let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| p95(x) - p95(y)).collect();
        Estimate::from_values(&d)
    };
    let (concentrated, dedicated) = (diff(&one_web, &spread), diff(&own, &spread));
    eprintln!(
        "web p95: timers spread over the 3 web front-ends {:.1} ms; on 1 of them {:.1} ms (paired difference {:+.2} ms ± {:.2}); on a front-end of their own {:.1} ms ({:+.2} ms ± {:.2})",
        estimate(&spread, p95).mean * 1e3,
        estimate(&one_web, p95).mean * 1e3,
        concentrated.mean * 1e3,
        concentrated.half_95.unwrap() * 1e3,
        estimate(&own, p95).mean * 1e3,
        dedicated.mean * 1e3,
        dedicated.half_95.unwrap() * 1e3,
    );
    assert!(dedicated.ci_95().unwrap().1 < 0.0, "{dedicated:?}");
    assert!(concentrated.ci_95().unwrap().0 > 0.0, "{concentrated:?}");
}

/// The message refusing `text` under the setting `set`.
fn refused(text: &str, set: &str) -> String {
    match load_str("t.toml", text, &[set.parse::<Override>().unwrap()]) {
        Ok(_) => panic!("{set} was accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_zone_whose_timers_or_processes_can_run_nowhere_is_refused() {
    let o = |s: &str| vec![s.parse::<Override>().unwrap()];
    let err = refused(HEAVY_TIMERS, "front_end.timer_front_ends=0");
    assert!(
        err.contains("Execute Timers off") && err.contains("timer_front_ends"),
        "{err}"
    );
    let err = refused(HEAVY_TIMERS, "front_end.timer_front_ends=4");
    assert!(err.contains("has 3 front-ends"), "{err}");
    let err = refused(PROCESSES, "front_end.process_front_ends=0");
    assert!(
        err.contains("Execute Processes off") && err.contains("process_front_ends"),
        "{err}"
    );
    // Without a process, the switch off everywhere is fine.
    load_str("t.toml", HEAVY_TIMERS, &o("front_end.process_front_ends=0")).unwrap();
}

/// One front-end with far more cores than threads, so an activity always
/// has a core to itself: the threads are an M/M/c queue (c = 10, or 20
/// with Light BPT) of exponential activities.
const PROCESSES: &str = r#"
front_ends = 1
[front_end]
cores = 64
[processes.orders]
launches_per_hour = 28800
activities = 1
cpu = "exp(1s)"
db_calls = "const(0)"
[simulation]
duration = "1h"
warmup = "10m"
"#;

#[test]
fn process_threads_queue_as_erlang_c() {
    for (light, threads, per_hour) in [(false, 10, 28_800.0), (true, 20, 61_200.0)] {
        let m = model(
            PROCESSES,
            &[
                &format!("front_end.light_bpt={light}"),
                &format!("processes.orders.launches_per_hour={per_hour}"),
            ],
        );
        assert_eq!(m.front_ends[0].process_threads, threads);
        let exact = mmc(per_hour / 3600.0, 1.0, threads).unwrap();
        let results = run(&m, 30);
        let lead = estimate(&results, |r| row(r, "process.orders").response.mean());
        let util = estimate(&results, |r| resource(r, "main.1.process_threads").0);
        let queue = estimate(&results, |r| resource(r, "main.1.process_threads").1);
        eprintln!(
            "M/M/{threads} at rho {:.2}: lead time {:.4} s (exact {:.4}), utilization {:.4} (exact {:.4}), queue {:.3} (exact {:.3})",
            exact.utilization,
            lead.mean,
            exact.mean_response,
            util.mean,
            exact.utilization,
            queue.mean,
            exact.mean_queue_length
        );
        assert!(lead.covers_99(exact.mean_response), "{lead:?} {exact:?}");
        assert!(util.covers_99(exact.utilization), "{util:?} {exact:?}");
        assert!(
            queue.covers_99(exact.mean_queue_length),
            "{queue:?} {exact:?}"
        );
        let failed: u64 = results
            .iter()
            .map(|r| row(r, "process.orders").outcomes.failed)
            .sum();
        assert_eq!(failed, 0);
    }
}

/// Utilization law over several front-ends and activities with database
/// calls: busy threads = launch rate x activities x activity time, spread
/// over the front-ends with Execute Processes on; one with it off runs
/// none (and, with no web traffic, has an idle CPU).
#[test]
fn process_threads_follow_the_utilization_law_on_the_front_ends_that_execute_processes() {
    let text = r#"
front_ends = 3
[front_end]
cores = 64
process_front_ends = 2
[database]
cores = 64
[processes.orders]
launches_per_hour = 7200
activities = 3
cpu = "exp(1s)"
db_calls = "const(2)"
db_time = "exp(50ms)"
[simulation]
duration = "1h"
warmup = "10m"
"#;
    let m = model(text, &[]);
    let results = run(&m, 20);
    // 2/s x 3 activities x (1 s + 2 x 50 ms) over 2 x 10 threads.
    let expected = 2.0 * 3.0 * 1.1 / 20.0;
    let both = estimate(&results, |r| {
        (resource(r, "main.1.process_threads").0 + resource(r, "main.2.process_threads").0) / 2.0
    });
    eprintln!(
        "thread utilization {:?} (utilization law {expected:.4})",
        both
    );
    assert!(both.covers_99(expected), "{both:?} vs {expected}");
    for r in &results {
        assert_eq!(resource(r, "main.3.process_threads"), (0.0, 0.0));
        assert_eq!(resource(r, "main.3.cpu").0, 0.0);
    }
    // Lead time: three activities of 1.1 s each, hardly any wait (rho 0.33).
    let lead = estimate(&results, |r| row(r, "process.orders").response.mean());
    assert!((lead.mean - 3.3).abs() < 0.1, "{lead:?}");
}

/// The platform's activity timeout (5 minutes, fixed): an activity that
/// runs longer fails, and its process counts as failed; a process whose
/// activities each stay under it succeeds however long the whole takes.
#[test]
fn an_activity_past_five_minutes_fails_its_process() {
    let text = r#"
front_ends = 1
[processes.long]
launches_per_hour = 6
activities = 1
cpu = "const(301s)"
db_calls = "const(0)"
[processes.chain]
launches_per_hour = 6
activities = 2
cpu = "const(200s)"
db_calls = "const(0)"
[simulation]
duration = "2h"
warmup = "0s"
"#;
    let results = run(&model(text, &[]), 4);
    let sum = |name: &str, f: fn(&o11sim::model::sim::Outcomes) -> u64| -> u64 {
        results.iter().map(|r| f(&row(r, name).outcomes)).sum()
    };
    assert!(sum("process.long", |o| o.failed) > 10);
    assert_eq!(sum("process.long", |o| o.ok), 0);
    assert!(sum("process.chain", |o| o.ok) > 10);
    assert_eq!(sum("process.chain", |o| o.failed), 0);
    // Each chain took at least its two 200 s activities: past the timeout
    // as a whole, which only bounds one activity.
    for r in &results {
        let chain = row(r, "process.chain");
        assert!(
            chain.outcomes.ok == 0 || chain.response.mean() >= 399.999,
            "{:?}",
            chain.response
        );
    }
}
