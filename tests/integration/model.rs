//! The OutSystems model against exact results and the behaviours a capacity
//! planner relies on: queueing formulas where they apply, conservation of
//! requests, failures and failovers confined to their windows, zone
//! isolation, and the Deployment Controller's effect on a shared box.

use o11sim::analytic;
use o11sim::dist::Dist;
use o11sim::engine::StreamSeeds;
use o11sim::experiment::replicate;
use o11sim::model::sim::{RunResult, simulate};
use o11sim::model::*;
use o11sim::stats::Estimate;

fn d(text: &str) -> Dist {
    Dist::parse(text).unwrap()
}

fn count(text: &str) -> Dist {
    Dist::parse_unitless(text).unwrap()
}

fn front_end(name: &str, zone: usize, cores: f64, cpu: CpuDiscipline) -> FrontEnd {
    FrontEnd {
        name: name.into(),
        zone,
        cores,
        cpu,
        iis_workers: 10_000,
        iis_queue: 100_000,
        db_pool: 100,
        connect_timeout: 15.0,
        request_timeout: 1e6,
        timer_slots: 3,
        execute_timers: true,
        execute_processes: true,
        process_threads: 10,
    }
}

fn class(name: &str, zone: usize, rate: f64, cpu: &str, calls: &str) -> TrafficClass {
    TrafficClass {
        name: name.into(),
        zone,
        arrivals: Arrivals::Open {
            rate,
            profile: None,
        },
        network: d("const(0s)"),
        cpu: d(cpu),
        db_calls: count(calls),
        db_time: d("exp(2ms)"),
        integrations: Vec::new(),
        timeout: 1e6,
        slos: vec![],
    }
}

fn zone(name: &str, environment: usize) -> Zone {
    Zone {
        name: name.into(),
        environment,
        balancer: Balancer::RoundRobin,
        extra_network: None,
        health_interval: 5.0,
        health_failures: 2,
    }
}

/// One environment, one zone with `n` front-ends, one database.
fn installation(n: usize, cores: f64, cpu: CpuDiscipline, classes: Vec<TrafficClass>) -> Model {
    Model {
        duration: 2_000.0,
        warmup: 100.0,
        start: 0.0,
        databases: vec![Database {
            name: "sql".into(),
            cores: 4.0,
            cpu: CpuDiscipline::ProcessorSharing,
            nodes: 2,
            failover_duration: 30.0,
            query_timeout: 30.0,
            on_failover: FailoverPolicy::Fail,
        }],
        external: Vec::new(),
        environments: vec![Environment {
            name: "production".into(),
            kind: EnvironmentKind::Production,
            database: 0,
        }],
        zones: vec![zone("main", 0)],
        front_ends: (0..n)
            .map(|i| front_end(&format!("main.{}", i + 1), 0, cores, cpu))
            .collect(),
        classes,
        timers: vec![],
        development: vec![],
        processes: vec![],
        failures: vec![],
        random_failures: vec![],
        timeline: None,
    }
}

fn run(model: &Model, reps: usize, seed: u64) -> Vec<RunResult> {
    model.check().expect("test model is valid");
    replicate(reps, seed, |s| simulate(model, s))
}

fn estimate(results: &[RunResult], f: impl Fn(&RunResult) -> f64) -> Estimate {
    Estimate::from_values(&results.iter().map(f).collect::<Vec<_>>())
}

#[test]
fn one_front_end_with_fcfs_cpu_is_an_mmc_queue() {
    // 4 cores FCFS, exponential CPU of 12 ms, no database: M/M/4.
    let rate = 4.0 * 0.75 / 0.012;
    let model = installation(
        1,
        4.0,
        CpuDiscipline::Fcfs,
        vec![class("web", 0, rate, "exp(12ms)", "const(0)")],
    );
    let results = run(&model, 30, 11);
    let e = estimate(&results, |r| r.classes[0].response.mean());
    let exact = analytic::mmc(rate, 0.012, 4).unwrap().mean_response;
    assert!(e.covers_99(exact), "M/M/4: exact {exact}, simulated {e:?}");
    let u = estimate(&results, |r| r.resources[0].utilization);
    assert!(u.covers_99(0.75), "utilization {u:?}");
}

#[test]
fn one_core_processor_sharing_matches_mg1_ps_with_lognormal_cpu() {
    let rate = 0.7 / 0.012;
    let model = installation(
        1,
        1.0,
        CpuDiscipline::ProcessorSharing,
        vec![class(
            "web",
            0,
            rate,
            "lognormal(mean=12ms, cv=2)",
            "const(0)",
        )],
    );
    let results = run(&model, 30, 12);
    let e = estimate(&results, |r| r.classes[0].response.mean());
    let exact = analytic::mg1_ps_response(rate, 0.012).unwrap();
    assert!(
        e.covers_99(exact),
        "M/G/1-PS: exact {exact}, simulated {e:?}"
    );
    assert!(
        e.half_99.unwrap() < 0.05 * exact,
        "interval too wide: {e:?}"
    );
}

#[test]
fn processor_sharing_over_four_cores_has_the_mmc_mean_response_whatever_the_cpu() {
    // Sharing c cores (each of n jobs gets min(1, c/n) of a core) is a
    // symmetric queue: the number present depends on the service
    // distribution only through its mean, so the mean response is M/M/c's
    // (Erlang C) even with lognormal CPU. With cv = 2 most arrivals at a
    // front-end below its cores do not finish first, so this also checks
    // the station's kept completions.
    let rate = 4.0 * 0.75 / 0.012;
    let model = installation(
        1,
        4.0,
        CpuDiscipline::ProcessorSharing,
        vec![class(
            "web",
            0,
            rate,
            "lognormal(mean=12ms, cv=2)",
            "const(0)",
        )],
    );
    let results = run(&model, 30, 13);
    let e = estimate(&results, |r| r.classes[0].response.mean());
    let exact = analytic::mmc(rate, 0.012, 4).unwrap().mean_response;
    assert!(
        e.covers_99(exact),
        "M/G/4-PS: exact {exact}, simulated {e:?}"
    );
    assert!(
        e.half_99.unwrap() < 0.05 * exact,
        "interval too wide: {e:?}"
    );
}

fn conservation_holds(r: &RunResult) {
    for c in &r.classes {
        assert_eq!(
            c.total_arrivals,
            c.total_outcomes.finished() + c.in_flight_at_end,
            "class {}: {:?}, in flight {}",
            c.name,
            c.total_outcomes,
            c.in_flight_at_end
        );
    }
}

#[test]
fn every_request_is_accounted_for_even_with_failures_and_overload() {
    let mut model = installation(
        3,
        2.0,
        CpuDiscipline::ProcessorSharing,
        vec![
            class("portal", 0, 400.0, "exp(12ms)", "const(2)"),
            class("backoffice", 0, 30.0, "exp(30ms)", "uniform(0,6)"),
        ],
    );
    // Small IIS queue and pool so that rejections and connect timeouts occur.
    for f in &mut model.front_ends {
        f.iis_workers = 24;
        f.iis_queue = 20;
        f.db_pool = 8;
        f.connect_timeout = 0.05;
    }
    model.classes.push(TrafficClass {
        arrivals: Arrivals::Closed {
            users: 50,
            think: d("exp(2s)"),
        },
        timeout: 0.2,
        ..class("users", 0, 1.0, "exp(20ms)", "const(3)")
    });
    model.timers.push(Timer {
        name: "cleanup".into(),
        zone: 0,
        period: 60.0,
        cpu: d("exp(2s)"),
        db_calls: count("const(20)"),
        db_time: d("exp(5ms)"),
    });
    model.failures.push(ScheduledFailure {
        at: 500.0,
        duration: 60.0,
        target: FailureTarget::FrontEnd(1),
    });
    model.failures.push(ScheduledFailure {
        at: 1_000.0,
        duration: 20.0,
        target: FailureTarget::DatabasePrimary(0),
    });
    for seed in 0..3 {
        let r = simulate(&model, StreamSeeds::new(seed, 0));
        conservation_holds(&r);
        let all: u64 = r.classes.iter().map(|c| c.total_outcomes.failed).sum();
        let rejected: u64 = r.classes.iter().map(|c| c.total_outcomes.rejected).sum();
        let timed_out: u64 = r.classes.iter().map(|c| c.total_outcomes.timed_out).sum();
        assert!(all > 0 && rejected > 0 && timed_out > 0, "{:?}", r.classes);
    }
}

fn failed(r: &RunResult) -> u64 {
    r.classes[0].total_outcomes.failed
}

#[test]
fn a_lost_front_end_fails_requests_only_until_the_health_checks_notice() {
    let rate = 300.0;
    let base = installation(
        3,
        4.0,
        CpuDiscipline::ProcessorSharing,
        vec![class("portal", 0, rate, "exp(10ms)", "const(1)")],
    );
    // No failure: nothing fails.
    let healthy = simulate(&base, StreamSeeds::new(3, 0));
    assert_eq!(failed(&healthy), 0);

    // Front-end 2 dies at t=600 for 10 minutes; checks every 5 s, 2 failures:
    // the balancer keeps sending it a third of the traffic for 10 s.
    let mut model = base.clone();
    model.failures.push(ScheduledFailure {
        at: 600.0,
        duration: 600.0,
        target: FailureTarget::FrontEnd(1),
    });
    let results = run(&model, 10, 3);
    let detect = 10.0;
    let expected = rate / 3.0 * detect; // plus the few in flight at t=600
    let e = estimate(&results, |r| failed(r) as f64);
    assert!(
        e.mean > 0.9 * expected && e.mean < 1.1 * expected + 10.0,
        "failed requests {e:?}, expected about {expected}"
    );
    // Doubling the detection time doubles the failures.
    let mut slow = model.clone();
    slow.zones[0].health_failures = 4;
    let e2 = estimate(&run(&slow, 10, 3), |r| failed(r) as f64);
    assert!(
        e2.mean > 1.8 * e.mean && e2.mean < 2.2 * e.mean,
        "{e2:?} vs {e:?}"
    );
    // The survivors absorb the load: for the 600 s of the 2,000 s measured
    // they carry half as much again, so their mean utilization rises by
    // about 15 %; the dead one loses 30 %.
    let util = |r: &RunResult, i: usize| r.resources[3 * i].utilization;
    let before = util(&healthy, 0);
    let r = &results[0];
    assert!(util(r, 0) > before * 1.1, "{} vs {before}", util(r, 0));
    assert!(util(r, 1) < before * 0.8, "{} vs {before}", util(r, 1));
}

#[test]
fn a_database_failover_fails_calls_only_during_the_failover() {
    let rate = 200.0;
    let mut model = installation(
        2,
        4.0,
        CpuDiscipline::ProcessorSharing,
        vec![class("portal", 0, rate, "exp(10ms)", "const(1)")],
    );
    // The primary's node is down for ten minutes, but the two-node cluster
    // fails over in 20 s and serves from the secondary meanwhile.
    model.databases[0].failover_duration = 20.0;
    model.failures.push(ScheduledFailure {
        at: 800.0,
        duration: 600.0,
        target: FailureTarget::DatabasePrimary(0),
    });
    let results = run(&model, 10, 4);
    let e = estimate(&results, |r| failed(r) as f64);
    let expected = rate * 20.0;
    assert!(
        e.mean > 0.95 * expected && e.mean < 1.05 * expected + 10.0,
        "failed {e:?}, expected about {expected}"
    );
    // With the wait policy, only the calls in the database when it failed
    // (their connections broke) fail; the rest wait, so the tail grows.
    // (With the default 15 s connect timeout, requests queued behind the
    // 100 waiting connections per front-end would time out instead.)
    model.databases[0].on_failover = FailoverPolicy::Wait;
    for f in &mut model.front_ends {
        f.connect_timeout = 60.0;
    }
    let waiting = run(&model, 10, 4);
    let w = estimate(&waiting, |r| failed(r) as f64);
    assert!(w.mean < 20.0, "wait policy failures {w:?}");
    let p999 = |rs: &[RunResult]| estimate(rs, |r| r.classes[0].hist.quantile(0.999)).mean;
    assert!(p999(&waiting) > 1.0, "waiting calls should take seconds");
    // Waiting is bounded by the query timeout. With 5 s against a 20 s
    // failover, the 2 x 100 pooled connections fill with waiting calls, which
    // fail at +5 s, +10 s and +15 s, each time letting 200 more requests take
    // the freed connections; those waiting at +20 s are served.
    model.databases[0].query_timeout = 5.0;
    let bounded = run(&model, 10, 4);
    let b = estimate(&bounded, |r| failed(r) as f64);
    let expected = 3.0 * 200.0;
    assert!(
        (b.mean - expected).abs() < 10.0,
        "query-timeout failures {b:?}, expected about {expected}"
    );
    for r in waiting.iter().chain(&results).chain(&bounded) {
        conservation_holds(r);
    }
}

fn zoned(public_rate: f64) -> Model {
    let mut m = installation(
        1,
        4.0,
        CpuDiscipline::ProcessorSharing,
        vec![
            class("public", 0, public_rate, "exp(10ms)", "const(2)"),
            class("internal", 1, 100.0, "exp(10ms)", "const(2)"),
        ],
    );
    m.zones.push(zone("internal", 0));
    m.front_ends = vec![
        front_end("public.1", 0, 4.0, CpuDiscipline::ProcessorSharing),
        front_end("public.2", 0, 4.0, CpuDiscipline::ProcessorSharing),
        front_end("internal.1", 1, 4.0, CpuDiscipline::ProcessorSharing),
    ];
    m.duration = 1_000.0;
    m
}

#[test]
fn a_public_spike_reaches_internal_users_only_through_the_shared_database() {
    let quiet = run(&zoned(100.0), 10, 5);
    let spike = run(&zoned(400.0), 10, 5);
    let internal_cpu = |rs: &[RunResult]| estimate(rs, |r| r.resources[6].utilization);
    let db = |rs: &[RunResult]| estimate(rs, |r| r.resources[9].utilization);
    assert_eq!(quiet[0].resources[6].name, "internal.1.cpu");
    assert_eq!(quiet[0].resources[9].name, "db.sql.cpu");
    let (a, b) = (internal_cpu(&quiet), internal_cpu(&spike));
    assert!(
        (a.mean - b.mean).abs() < 0.01 * a.mean,
        "internal front-end utilization moved: {a:?} -> {b:?}"
    );
    let (da, db_) = (db(&quiet), db(&spike));
    assert!(db_.mean > 2.0 * da.mean, "database {da:?} -> {db_:?}");
}

fn development(controller: Controller) -> Model {
    let mut m = installation(
        1,
        2.0,
        CpuDiscipline::ProcessorSharing,
        vec![class("dev-tests", 0, 40.0, "exp(12ms)", "const(1)")],
    );
    m.environments[0].kind = EnvironmentKind::Development;
    m.development.push(Development {
        environment: 0,
        developers: 16,
        publishes_per_hour: 4.0,
        upload: d("exp(5s)"),
        compile: d("lognormal(mean=60s, cv=0.5)"),
        deploy_per_front_end: d("exp(5s)"),
        max_parallel_compiles: match controller {
            Controller::Dedicated { cores } => cores,
            Controller::CoLocated { .. } => 2,
        },
        controller,
        upload_db: d("const(0s)"),
        deploy_db: d("const(0s)"),
    });
    m.duration = 3_600.0;
    m
}

/// Each compile takes one core, and at most `max_parallel_compiles` run
/// at once: on a co-located 4-core box with far more compile work than it
/// can do (16 developers, a publish a minute each, about 8 cores of
/// compiles) and almost no web traffic, the box's CPU is busy 1/4 with
/// one compile at a time, 2/4 with two, all of it with four.
#[test]
fn compiles_take_one_core_each_and_at_most_max_parallel_compiles() {
    let util = |max: u32| {
        let mut m = installation(
            1,
            4.0,
            CpuDiscipline::ProcessorSharing,
            vec![class("dev-tests", 0, 0.5, "exp(12ms)", "const(1)")],
        );
        m.environments[0].kind = EnvironmentKind::Development;
        m.development.push(Development {
            environment: 0,
            developers: 16,
            publishes_per_hour: 60.0,
            upload: d("exp(5s)"),
            compile: d("lognormal(mean=60s, cv=0.5)"),
            deploy_per_front_end: d("exp(5s)"),
            max_parallel_compiles: max,
            controller: Controller::CoLocated { front_end: 0 },
            upload_db: d("exp(500ms)"),
            deploy_db: d("exp(1s)"),
        });
        m.duration = 3_600.0;
        let rs = run(&m, 5, 8);
        assert_eq!(rs[0].resources[0].name, "main.1.cpu");
        estimate(&rs, |r| r.resources[0].utilization)
    };
    // The web traffic adds 0.5 x 12 ms = 0.15 % of the box.
    let (one, two, four) = (util(1), util(2), util(4));
    assert!(one.mean > 0.24 && one.mean < 0.255, "one: {one:?}");
    assert!(two.mean > 0.49 && two.mean < 0.505, "two: {two:?}");
    assert!(four.mean > 0.97, "four: {four:?}");
}

#[test]
fn a_co_located_controller_slows_the_front_end_and_a_dedicated_one_does_not() {
    let mut none = development(Controller::Dedicated { cores: 4 });
    none.development.clear();
    let p95 = |rs: &[RunResult]| estimate(rs, |r| r.classes[0].hist.quantile(0.95));
    let base = p95(&run(&none, 10, 6));
    let dedicated_runs = run(&development(Controller::Dedicated { cores: 4 }), 10, 6);
    let dedicated = p95(&dedicated_runs);
    let shared = p95(&run(
        &development(Controller::CoLocated { front_end: 0 }),
        10,
        6,
    ));
    assert!(
        (dedicated.mean - base.mean).abs() < 0.02 * base.mean,
        "dedicated {dedicated:?} vs none {base:?}"
    );
    assert!(
        shared.mean > 1.3 * base.mean,
        "co-located {shared:?} vs none {base:?}"
    );
    // Publishes complete and are reported as class `publish`.
    let r = &dedicated_runs[0];
    let publish = r.classes.iter().find(|c| c.name == "publish").unwrap();
    assert!(publish.outcomes.ok > 30, "{:?}", publish.outcomes);
    assert!(publish.response.mean() > 60.0);
}

#[test]
fn same_model_same_seed_same_numbers_whatever_the_thread_count() {
    let model = zoned(200.0);
    let digest = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let rs = pool.install(|| run(&model, 6, 9));
        rs.iter()
            .map(|r| {
                format!(
                    "{:?} {:?} {:?}",
                    r.classes
                        .iter()
                        .map(|c| (c.outcomes, c.response.mean()))
                        .collect::<Vec<_>>(),
                    r.resources
                        .iter()
                        .map(|x| x.utilization)
                        .collect::<Vec<_>>(),
                    r.events
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(digest(1), digest(2));
}

#[test]
fn overload_keeps_work_in_flight_bounded() {
    // Everything saturated at once: web traffic at 5x capacity, a timer due
    // every second that needs ten, and a team publishing far faster than
    // one Deployment Controller core compiles.
    let mut model = development(Controller::Dedicated { cores: 1 });
    model.classes[0].arrivals = Arrivals::Open {
        rate: 5.0 * 2.0 / 0.012,
        profile: None,
    };
    model.development[0].developers = 50;
    model.development[0].publishes_per_hour = 60.0;
    model.timers.push(Timer {
        name: "busy".into(),
        zone: 0,
        period: 1.0,
        cpu: d("const(10s)"),
        db_calls: count("const(0)"),
        db_time: d("exp(1ms)"),
    });
    model.duration = 20_000.0;
    let r = simulate(&model, StreamSeeds::new(8, 0));
    conservation_holds(&r);
    let f = &model.front_ends[0];
    // IIS workers and queue, the team, the timer, and a few requests
    // crossing the network at any instant.
    let bound = (f.iis_workers + f.iis_queue) as usize + 50 + 1 + 100;
    assert!(r.peak_jobs <= bound, "peak jobs {} > {bound}", r.peak_jobs);
    let timer = r.classes.iter().find(|c| c.name == "timer.busy").unwrap();
    assert!(
        timer.in_flight_at_end <= 1,
        "a timer runs as a single instance"
    );
    assert!(
        r.classes[0].outcomes.rejected > 0,
        "overload is rejected with 503"
    );
}

#[test]
fn the_event_estimate_is_within_a_factor_of_two_for_every_preset() {
    for p in o11sim::scenario::presets() {
        let mut model = o11sim::scenario::load(p.name, &[]).unwrap().model;
        model.duration = 1_800.0;
        let r = simulate(&model, StreamSeeds::new(1, 0));
        let estimate = model.estimated_events();
        let ratio = estimate / r.events as f64;
        assert!(
            (0.5..2.0).contains(&ratio),
            "{}: estimated {estimate:.0} events, simulated {}",
            p.name,
            r.events
        );
    }
}

#[test]
fn iis_aborts_requests_that_run_past_the_request_timeout() {
    // Five database calls of 1 s each against a 2.5 s request timeout:
    // IIS gives up after the third call, so every request times out.
    let mut model = installation(
        1,
        4.0,
        CpuDiscipline::ProcessorSharing,
        vec![class("reports", 0, 2.0, "exp(10ms)", "const(5)")],
    );
    model.classes[0].db_time = d("const(1s)");
    model.databases[0].cores = 64.0; // the database itself is no bottleneck
    model.front_ends[0].request_timeout = 2.5;
    model.duration = 600.0;
    let r = simulate(&model, StreamSeeds::new(10, 0));
    conservation_holds(&r);
    let o = r.classes[0].outcomes;
    assert!(o.timed_out > 1_000, "{o:?}");
    assert_eq!((o.ok, o.failed, o.rejected), (0, 0, 0), "{o:?}");
    // With a longer request timeout they all complete.
    model.front_ends[0].request_timeout = 110.0;
    let r = simulate(&model, StreamSeeds::new(10, 0));
    let o = r.classes[0].outcomes;
    assert!(o.ok > 1_000 && o.timed_out == 0, "{o:?}");
}

#[test]
fn every_row_says_whether_it_is_traffic_a_timer_or_publishes() {
    for p in o11sim::scenario::presets() {
        let mut model = o11sim::scenario::load(p.name, &[]).unwrap().model;
        model.warmup = 0.0;
        model.duration = 60.0;
        let r = simulate(&model, StreamSeeds::new(1, 0));
        let (timer_row, publish_row) = o11sim::model::sim::row_offsets(&model);
        assert_eq!(r.classes.len(), publish_row + model.development.len());
        for (i, row) in r.classes.iter().enumerate() {
            let expected = if i < timer_row {
                RowKind::Traffic
            } else if i < publish_row {
                RowKind::Timer
            } else {
                RowKind::Publish
            };
            assert_eq!(row.kind, expected, "{}: row {i} ({})", p.name, row.name);
        }
        assert!(
            r.classes
                .iter()
                .filter(|c| c.kind == RowKind::Timer)
                .all(|c| c.name.starts_with("timer.")),
            "{}: timer rows keep their names",
            p.name
        );
    }
}

/// One external system `crm` and a class calling it once per request.
fn with_integration(mut model: Model, concurrency: Option<u32>, timeout: f64, time: &str) -> Model {
    model.external.push(ExternalSystem {
        name: "crm".into(),
        concurrency,
        timeout,
    });
    model.classes[0].integrations.push(Integration {
        system: 0,
        calls: 1,
        time: d(time),
    });
    model
}

fn external_row(r: &RunResult) -> &o11sim::model::sim::ResourceResult {
    r.resources
        .iter()
        .find(|x| x.kind == o11sim::model::sim::ResourceKind::ExternalSystem)
        .expect("an external system row")
}

#[test]
fn an_integration_call_adds_its_time_to_the_response_and_no_cpu() {
    let base = installation(
        1,
        4.0,
        CpuDiscipline::ProcessorSharing,
        vec![class("web", 0, 100.0, "exp(10ms)", "const(2)")],
    );
    let with = with_integration(base.clone(), None, 100.0, "const(150ms)");
    let a = run(&base, 20, 21);
    let b = run(&with, 20, 21);
    // Paired under common random numbers, replication by replication.
    let increase = Estimate::from_values(
        &a.iter()
            .zip(&b)
            .map(|(a, b)| b.classes[0].response.mean() - a.classes[0].response.mean())
            .collect::<Vec<_>>(),
    );
    assert!(increase.covers_99(0.150), "mean increase {increase:?}");
    let cpu = |r: &RunResult| r.resources[0].utilization;
    let cpu_diff = Estimate::from_values(
        &a.iter()
            .zip(&b)
            .map(|(a, b)| cpu(b) - cpu(a))
            .collect::<Vec<_>>(),
    );
    let before = estimate(&a, cpu);
    let after = estimate(&b, cpu);
    println!(
        "mean increase {:.2} ms ± {:.2}; front-end CPU {:.4} -> {:.4} (paired difference {:.2e} ± {:.2e})",
        increase.mean * 1e3,
        increase.half_99.unwrap() * 1e3,
        before.mean,
        after.mean,
        cpu_diff.mean,
        cpu_diff.half_99.unwrap()
    );
    assert!(
        cpu_diff.mean.abs() < 1e-3,
        "CPU utilization moved: {cpu_diff:?}"
    );
    // No limit: utilization is not defined, and nothing ever queues.
    assert!(external_row(&b[0]).utilization.is_nan());
    assert_eq!(external_row(&b[0]).mean_queue, 0.0);
    assert!(b.iter().all(|r| r.classes[0].outcomes.failed == 0));
}

#[test]
fn a_limited_external_system_queues_as_an_mmc() {
    // Tiny CPU on many cores, no database: the calls arrive as Poisson
    // (shifted by a constant) at 2 servers with exponential 100 ms calls.
    let rate = 15.0;
    let mut base = installation(
        1,
        64.0,
        CpuDiscipline::ProcessorSharing,
        vec![class("web", 0, rate, "const(0.1ms)", "const(0)")],
    );
    base.classes[0].network = d("const(1ms)");
    let model = with_integration(base, Some(2), 1e5, "exp(100ms)");
    let results = run(&model, 20, 22);
    let wait = estimate(&results, |r| external_row(r).mean_queue / rate);
    let exact = analytic::mmc(rate, 0.1, 2).unwrap();
    println!(
        "M/M/2 wait in queue: simulated {:.2} ms ± {:.2} (99 %), Erlang C {:.2} ms",
        wait.mean * 1e3,
        wait.half_99.unwrap() * 1e3,
        exact.mean_wait * 1e3
    );
    assert!(
        wait.covers_99(exact.mean_wait),
        "exact {exact:?}, simulated {wait:?}"
    );
    let u = estimate(&results, |r| external_row(r).utilization);
    assert!(u.covers_99(0.75), "utilization {u:?}");
}

#[test]
fn a_call_longer_than_its_timeout_fails_the_request() {
    let base = installation(
        1,
        4.0,
        CpuDiscipline::ProcessorSharing,
        vec![class("web", 0, 20.0, "exp(10ms)", "const(2)")],
    );
    let model = with_integration(base, Some(4), 0.1, "const(150ms)");
    let r = run(&model, 2, 23);
    for r in &r {
        let o = r.classes[0].outcomes;
        assert!(o.failed > 1_000, "{o:?}");
        assert_eq!(o.ok, 0, "{o:?}");
        conservation_holds(r);
    }
}

/// The MSER-5 warm-up over the replications, as the report gives it, and
/// every replication's own suggestion (seconds; `None` when unsettled).
fn mser(model: &Model, reps: usize, seed: u64) -> (Option<f64>, Vec<Option<f64>>) {
    let results = run(model, reps, seed);
    let s = o11sim::experiment::Summary::new(model, &results);
    let each = results
        .iter()
        .map(|r| {
            r.classes[0]
                .warmup_estimate
                .filter(|w| !w.unreliable)
                .map(|w| w.time)
        })
        .collect();
    (s.classes[0].mser_warmup, each)
}

#[test]
fn mser_gives_no_long_warmup_to_a_steady_mg1_queue() {
    // M/G/1 FCFS at ρ = 0.7 (lognormal service, cv 1.5) over 24 h from
    // empty: its transient lasts well under a second, and P-K already
    // holds after 10 minutes. MSER-5 must not ask for more than that.
    let mut model = installation(
        1,
        1.0,
        CpuDiscipline::Fcfs,
        vec![class(
            "web",
            0,
            70.0,
            "lognormal(mean=10ms, cv=1.5)",
            "const(0)",
        )],
    );
    model.duration = 86_400.0;
    model.warmup = 0.0;
    let (advice, each) = mser(&model, 10, 1);
    let advice = advice.expect("some replication settles");
    assert!(
        advice <= 600.0,
        "advice {advice} s; per replication {each:?}"
    );
    // Nor does any one replication: without the noise check in
    // `Mser5::estimate`, one replication of this queue (`o11sim run`, seed
    // 1, IIS defaults) advised 10,811 s, cutting after a burst of long
    // service times 3 h in.
    assert!(
        each.iter().flatten().all(|&w| w <= 900.0),
        "per replication {each:?}"
    );
}

#[test]
fn mser_still_advises_a_warmup_for_a_heavily_loaded_queue_starting_empty() {
    // M/M/1 at ρ = 0.95 with 100 ms of service: from empty, the queue
    // takes minutes (relaxation time ≈ 0.1 s / (1 − √ρ)² ≈ 2.6 min) to
    // reach its mean of 19 waiting; the early response times are far
    // below the steady 2 s.
    let mut model = installation(
        1,
        1.0,
        CpuDiscipline::Fcfs,
        vec![class("web", 0, 9.5, "exp(100ms)", "const(0)")],
    );
    model.duration = 4.0 * 3600.0;
    model.warmup = 0.0;
    let (advice, each) = mser(&model, 10, 5);
    let advice = advice.expect("some replication settles");
    assert!(
        advice >= 60.0,
        "advice {advice} s; per replication {each:?}"
    );
}

#[test]
fn the_network_is_the_requests_own_demand_never_waiting() {
    // Exponential 20 ms each way plus a zone's VPN of 30 ms each way: a
    // pure delay. Its station time is all own demand (nothing waits), and
    // per request it is 2 × (20 + 30) = 100 ms.
    let mut c = class("web", 0, 5.0, "exp(10ms)", "const(0)");
    c.network = d("exp(20ms)");
    let mut model = installation(1, 1.0, CpuDiscipline::ProcessorSharing, vec![c]);
    model.zones[0].extra_network = Some(d("const(30ms)"));
    let results = run(&model, 10, 41);
    for r in &results {
        let c = &r.classes[0];
        let s = c.stations.iter().find(|s| s.key == "network").unwrap();
        assert!(
            (s.time - s.work).abs() <= 1e-9 * s.time,
            "network time {} vs own demand {}",
            s.time,
            s.work
        );
    }
    let per_request = estimate(&results, |r| {
        let c = &r.classes[0];
        let s = c.stations.iter().find(|s| s.key == "network").unwrap();
        s.time / c.outcomes.ok as f64
    });
    assert!(per_request.covers_99(0.100), "{per_request:?}");
    let summary = o11sim::experiment::Summary::new(&model, &results);
    let b = summary.classes[0].bottleneck.as_ref().unwrap();
    assert_eq!(b.station, "network", "{b:?}");
    assert!(b.waiting_share < 1e-9, "{b:?}");
}

#[test]
fn station_times_sum_to_the_response_time_and_match_a_jackson_tandem() {
    // Front-end CPU (1 core, FCFS, exponential 100 ms) then an external
    // system (1 server, exponential 150 ms), Poisson 5 req/s, no network:
    // two M/M/1 queues in tandem. Waits: rho / (mu - lambda) =
    // 0.5 / 5 = 100 ms and 0.75 / 1.667 = 450 ms.
    let rate = 5.0;
    let base = installation(
        1,
        1.0,
        CpuDiscipline::Fcfs,
        vec![class("web", 0, rate, "exp(100ms)", "const(0)")],
    );
    let model = with_integration(base, Some(1), 1e5, "exp(150ms)");
    let results = run(&model, 30, 31);
    let station = |r: &RunResult, key: &str| {
        let c = &r.classes[0];
        let s = c.stations.iter().find(|s| s.key == key).unwrap();
        let n = c.outcomes.ok as f64;
        (s.time / n, (s.time - s.work) / n)
    };
    for r in &results {
        let c = &r.classes[0];
        assert_eq!(c.cut, 0);
        let sum: f64 = c.stations.iter().map(|s| s.time).sum::<f64>() / c.outcomes.ok as f64;
        assert!(
            (sum - c.response.mean()).abs() <= 1e-9 * c.response.mean(),
            "stations {sum} vs mean response {}",
            c.response.mean()
        );
    }
    let cpu_wait = estimate(&results, |r| station(r, "front_end_cpu").1);
    let ext_wait = estimate(&results, |r| station(r, "external.crm").1);
    let ext_time = estimate(&results, |r| station(r, "external.crm").0);
    println!(
        "waits: CPU {:.1} ms ± {:.1}, external {:.1} ms ± {:.1} (exact 100, 450)",
        cpu_wait.mean * 1e3,
        cpu_wait.half_99.unwrap() * 1e3,
        ext_wait.mean * 1e3,
        ext_wait.half_99.unwrap() * 1e3
    );
    assert!(cpu_wait.covers_99(0.100), "{cpu_wait:?}");
    assert!(ext_wait.covers_99(0.450), "{ext_wait:?}");
    assert!(ext_time.covers_99(0.600), "{ext_time:?}");
    // Requests wait longest at the external system: that is the limit.
    let summary = o11sim::experiment::Summary::new(&model, &results);
    let b = summary.classes[0].bottleneck.as_ref().unwrap();
    assert_eq!(
        b.advice,
        o11sim::experiment::summary::Advice::ExternalLimit,
        "{b:?}"
    );
    assert_eq!(b.station, "external.crm");
}

#[test]
fn a_pool_queue_is_blamed_on_what_the_connections_holders_do_after_taking_them() {
    // Every request: 50 ms of CPU, a 50 ms database call, 50 ms of CPU,
    // all constant and never slowed (64 cores on each side, processor
    // sharing). It takes its connection at the call and keeps it to the
    // end: each hold is exactly 50 ms at the database and 50 ms on the
    // front-end CPU, whatever queue it sees. Two connections for 15 req/s
    // of 100 ms holds: a queue forms (offered 1.5 connections), and its
    // waiting is shared half and half. Counting the CPU before the call
    // would give the front-end twice the database's.
    let text = r#"
[front_end]
cores = 64
db_pool = 2
[database]
cores = 64
[traffic.web]
rate = 15
cpu = "const(100ms)"
db_calls = "const(1)"
db_time = "const(50ms)"
network = "const(0ms)"
[simulation]
duration = "10m"
warmup = "1m"
"#;
    let model = o11sim::scenario::load_str("pool.toml", text, &[])
        .unwrap()
        .model;
    for r in run(&model, 4, 5) {
        let c = &r.classes[0];
        let blame = |key: &str| c.blocking.iter().find(|b| b.key == key).unwrap();
        let (cpu, db) = (blame("front_end_cpu"), blame("db.production.cpu"));
        assert!(db.pool > 1.0, "the pool queued: {:?}", c.blocking);
        assert!(
            (cpu.pool - db.pool).abs() <= 1e-9 * db.pool,
            "front-end {} vs database {}",
            cpu.pool,
            db.pool
        );
        // 48 workers for 1.5 requests at a time: nobody queues for one.
        assert!(c.blocking.iter().all(|b| b.iis == 0.0), "{:?}", c.blocking);
    }
}
