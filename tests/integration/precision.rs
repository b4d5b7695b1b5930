//! `--precision P%`: replications in batches until the watched figures'
//! half-widths are within P %, the same counts and bytes on any number of
//! threads, common random numbers between variants, `size`'s early end of
//! clearly missing candidates; and the progress bar's silence when
//! standard error is not a terminal.

use std::sync::Mutex;

use crate::common::{Out, o11sim, rejected};
use o11sim::experiment::Progress;
use o11sim::experiment::precision::{BatchJob, Precision, Watch, run_batches};
use o11sim::experiment::summary::ReplicationFigures;
use o11sim::model::sim::simulate;
use o11sim::scenario::{LoadedScenario, Override, RunOverrides};

/// Short replications of the production example: the point is the rule.
const SHORT: [&str; 4] = ["--duration", "5m", "--warmup", "30s"];

fn run(extra: &[&str]) -> Out {
    let mut args = vec!["run", "prod"];
    args.extend_from_slice(&SHORT);
    args.extend_from_slice(extra);
    o11sim(&args)
}

fn json(out: &Out) -> serde_json::Value {
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).expect("JSON on standard output")
}

/// The variant's replication count and whether the target was reached,
/// after checking that the count is the one its figures were taken over.
fn outcome(variant: &serde_json::Value) -> (u64, bool) {
    let p = &variant["precision"];
    let n = p["replications"].as_u64().expect("precision.replications");
    assert_eq!(variant["replications"].as_u64(), Some(n));
    for c in variant["classes"].as_array().unwrap() {
        assert_eq!(c["replications"].as_u64(), Some(n));
    }
    (n, p["reached"].as_bool().expect("precision.reached"))
}

/// Relative 95 % half-width of a `{mean, ci_low, ci_high}`.
fn relative(e: &serde_json::Value) -> f64 {
    let (lo, hi, mean) = (
        e["ci_low"].as_f64().unwrap(),
        e["ci_high"].as_f64().unwrap(),
        e["mean"].as_f64().unwrap(),
    );
    (hi - lo) / 2.0 / mean.abs()
}

#[test]
fn every_traffic_p95_is_within_the_target_or_the_maximum_is_said() {
    for (target, max) in [(0.05, "200"), (0.01, "4")] {
        let p = format!("{}%", target * 100.0);
        let out = run(&["--precision", &p, "--max-replications", max, "--json", "-"]);
        let doc = json(&out);
        assert_eq!(
            doc["settings"]["precision"]["target"].as_f64(),
            Some(target)
        );
        let v = &doc["variants"][0];
        let (n, reached) = outcome(v);
        let widest = v["classes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["kind"] == "traffic")
            .map(|c| relative(&c["p95_ms"]))
            .fold(0.0, f64::max);
        if reached {
            assert!(widest <= target, "{p}: widest p95 ±{widest} after {n}");
            assert!(n >= 2);
        } else {
            // 1 % of a p95 from four replications of 5 minutes is out of
            // reach: the run stops at the maximum and the JSON says so.
            assert_eq!(n, max.parse::<u64>().unwrap(), "{p}");
            assert!(widest > target, "{p}: widest ±{widest} yet not reached");
        }
        assert_eq!(reached, max == "200", "{p}");
    }
    // The text says so too.
    let out = run(&["--precision", "1%", "--max-replications", "4"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("example2: 4 replication(s), NOT reached at --max-replications 4"),
        "{}",
        out.stdout
    );
}

#[test]
fn same_seed_same_replication_count_and_bytes_on_one_or_two_threads() {
    let outs: Vec<Out> = ["1", "2"]
        .iter()
        .map(|t| {
            run(&[
                "--precision",
                "3%",
                "--seed",
                "5",
                "--threads",
                t,
                "--json",
                "-",
            ])
        })
        .collect();
    let counts: Vec<(u64, bool)> = outs
        .iter()
        .map(|o| outcome(&json(o)["variants"][0]))
        .collect();
    assert_eq!(counts[0], counts[1]);
    // More than one batch ran, so the batches themselves were compared.
    assert!(counts[0].0 > 2, "{counts:?}");
    assert_eq!(outs[0].stdout, outs[1].stdout);
    let text: Vec<Out> = ["1", "2"]
        .iter()
        .map(|t| run(&["--precision", "3%", "--seed", "5", "--threads", t]))
        .collect();
    assert_eq!(text[0].stdout, text[1].stdout);
}

#[test]
fn a_harder_precision_needs_more_replications() {
    let count = |p: &str| outcome(&json(&run(&["--precision", p, "--json", "-"]))["variants"][0]);
    let (loose, loose_reached) = count("10%");
    let (tight, tight_reached) = count("2%");
    assert!(loose_reached && tight_reached);
    assert!(tight > loose, "2%: {tight} replications, 10%: {loose}");
}

/// The production example with short replications and `sets`.
fn model(sets: &[(&str, &str)]) -> o11sim::model::Model {
    let mut set: Vec<Override> = vec![
        Override {
            path: "simulation.duration".into(),
            value: "\"5m\"".into(),
        },
        Override {
            path: "simulation.warmup".into(),
            value: "\"30s\"".into(),
        },
    ];
    set.extend(sets.iter().map(|(k, v)| Override {
        path: (*k).into(),
        value: (*v).into(),
    }));
    LoadedScenario::load(
        "prod",
        RunOverrides {
            set,
            ..RunOverrides::default()
        },
    )
    .unwrap()
    .scenario()
    .model
    .clone()
}

#[test]
fn variants_keep_common_random_numbers_under_precision() {
    let two = model(&[("front_ends", "2")]);
    let three = model(&[("front_ends", "3")]);
    let job = |model| BatchJob {
        model,
        seed: 3,
        first: 2,
        watch: Watch::of(model),
    };
    let precision = Some(Precision {
        target: 0.02,
        max: 40,
    });
    // Two identical variants: the same count, and every paired difference
    // exactly 0.
    let same = run_batches(
        &[job(&three), job(&three)],
        precision,
        &o11sim::experiment::Silent,
    );
    let [a, b] = [&same.variants[0], &same.variants[1]].map(|v| v.as_ref().expect("finished"));
    assert_eq!(a.replications.len(), b.replications.len());
    assert!(a.replications.len() > 2, "more than one batch");
    for (x, y) in a.replications.iter().zip(&b.replications) {
        for (cx, cy) in x.classes.iter().zip(&y.classes) {
            assert_eq!(cx.p95 - cy.p95, 0.0);
            assert_eq!(cx.mean - cy.mean, 0.0);
        }
    }
    // Different variants may need different counts, but replication k of
    // each is the replication k a plain run of that variant gives.
    let pair = run_batches(
        &[job(&two), job(&three)],
        precision,
        &o11sim::experiment::Silent,
    );
    for (m, v) in [&two, &three].into_iter().zip(&pair.variants) {
        let v = v.as_ref().expect("finished");
        let o = v.summary.precision.as_ref().expect("an outcome");
        assert_eq!(o.replications, v.replications.len());
        for (k, r) in v.replications.iter().enumerate() {
            let direct = simulate(m, o11sim::engine::StreamSeeds::new(3, k as u64));
            assert_eq!(r, &ReplicationFigures::from(&direct), "replication {k}");
        }
    }
}

#[test]
fn compare_reports_each_variants_count_and_identical_variants_differ_by_zero() {
    let dir = crate::common::temp_dir("precision-compare");
    let csv = dir.join("c.csv");
    // failover_duration changes nothing without a failure: the variants
    // are identical, so under common random numbers every paired
    // difference is exactly 0.
    let out = o11sim(&[
        "compare",
        "prod",
        "--duration",
        "5m",
        "--warmup",
        "30s",
        "--vary",
        "database.failover_duration=30s,40s",
        "--precision",
        "5%",
        "--csv",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("precision ±5%"), "{}", out.stdout);
    assert!(
        out.stdout.contains("database.failover_duration=30s: ")
            && out.stdout.contains("database.failover_duration=40s: "),
        "{}",
        out.stdout
    );
    let diffs = std::fs::read_to_string(dir.join("c-differences.csv")).unwrap();
    let mut lines = diffs.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (d, lo, hi) = (at("difference"), at("ci_low"), at("ci_high"));
    let mut rows = 0;
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        for i in [d, lo, hi] {
            if !f[i].is_empty() {
                assert_eq!(f[i].parse::<f64>().unwrap(), 0.0, "{line}");
            }
        }
        rows += 1;
    }
    assert!(rows > 0);
}

#[test]
fn size_ends_a_clearly_missing_candidate_after_its_first_batch() {
    // The `--precision 2%` sizing with one front-end spare, plus `extra`.
    let size = |extra: &[&str]| {
        let mut args = vec![
            "size",
            "prod",
            "--slo",
            "portal:p95<=800ms",
            "--spare",
            "1",
            "--duration",
            "5m",
            "--warmup",
            "1m",
            "--precision",
            "2%",
            "--json",
            "-",
        ];
        args.extend_from_slice(extra);
        json(&o11sim(&args))
    };
    let doc = size(&[]);
    let variants = doc["variants"].as_array().unwrap();
    // One running front-end rejects a fifth of the traffic: clearly missed
    // after the first batch of 2, whose replications each stopped once
    // their p95 was certain to end above 800 ms.
    let first = &variants[0];
    assert_eq!(first["keys"]["running"], "1");
    assert_eq!(outcome(first).0, 2);
    assert_eq!(
        first["precision"]["clearly_missed"],
        "portal's p95 above 800ms"
    );
    // Run to their end, the replications miss the same way, on figures.
    let full = size(&["--run-misses-to-end"]);
    let first = &full["variants"][0];
    assert_eq!(outcome(first).0, 2);
    assert_eq!(first["precision"]["clearly_missed"], "portal p95");
    // The answer's figures are within the target.
    let answer = variants
        .iter()
        .find(|v| v["keys"]["running"] == "2")
        .unwrap();
    let (_, reached) = outcome(answer);
    assert!(reached);
    assert!(answer["precision"]["clearly_missed"].is_null());
    let portal = answer["classes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "portal")
        .unwrap();
    assert!(relative(&portal["p95_ms"]) <= 0.02);
}

#[test]
fn size_watches_the_sized_utilization_under_max_utilization() {
    let doc = json(&o11sim(&[
        "size",
        "prod",
        "--slo",
        "portal:p95<=10s",
        "--max-utilization",
        "50%",
        "--duration",
        "5m",
        "--warmup",
        "30s",
        "--precision",
        "2%",
        "--json",
        "-",
    ]));
    let variants = doc["variants"].as_array().unwrap();
    // Two front-ends run at about 61 % CPU: the whole interval is above
    // 50 % after the first batch, a clear miss whatever the p95 does.
    let two = variants
        .iter()
        .find(|v| v["keys"]["front_ends"] == "2")
        .unwrap();
    assert_eq!(outcome(two).0, 2);
    assert_eq!(
        two["precision"]["clearly_missed"],
        "main.1.cpu utilization above 50%"
    );
    // A candidate that reached the target has every sized CPU's
    // utilization within ±2 % of itself, not only its p95s; over 5-minute
    // replications it is the utilization that needs the most.
    let mut reached = 0;
    for v in variants {
        let (_, ok) = outcome(v);
        if !ok {
            continue;
        }
        reached += 1;
        for r in v["resources"].as_array().unwrap() {
            if r["kind"] == "front_end_cpu" {
                assert!(relative(&r["utilization"]) <= 0.02, "{r}");
            }
        }
        assert_eq!(v["precision"]["widest"]["figure"], "utilization", "{v}");
    }
    assert!(reached >= 1, "{doc}");
    let zone = &doc["sizing"]["zones"][0];
    assert_eq!(zone["answer"]["front_ends"], 3, "{zone}");
}

#[test]
fn bad_precision_arguments_exit_2() {
    for p in ["0%", "100%", "2", "-1%", "x%"] {
        rejected(
            &run(&[&format!("--precision={p}")]),
            &["--precision", "between 0 and 100"],
        );
    }
    rejected(
        &run(&["--max-replications", "5"]),
        &["--max-replications", "--precision"],
    );
    rejected(
        &run(&["--precision", "2%", "--max-replications", "1"]),
        &["--max-replications", "at least 2"],
    );
    rejected(
        &run(&["--precision", "2%", "--replications", "300"]),
        &["--replications 300", "--max-replications 200"],
    );
    rejected(
        &o11sim(&[
            "sweep",
            "prod",
            "--vary",
            "front_ends=2,3",
            "--shard",
            "1/2",
            "--precision",
            "2%",
        ]),
        &["--precision", "--shard"],
    );
}

/// Records what a run reports, in order.
#[derive(Default)]
struct Recorder {
    events: Mutex<Vec<(&'static str, u64)>>,
}

impl Progress for Recorder {
    fn start(&self, total: u64, _what: &str) {
        self.events.lock().unwrap().push(("start", total));
    }
    fn advance(&self, steps: u64) {
        self.events.lock().unwrap().push(("advance", steps));
    }
    fn grow(&self, more: u64) {
        self.events.lock().unwrap().push(("grow", more));
    }
    fn finish(&self) {
        self.events.lock().unwrap().push(("finish", 0));
    }
}

#[test]
fn progress_moves_within_a_single_replication_and_grows_with_batches() {
    use o11sim::experiment::progress::STEPS;
    let m = model(&[]);
    let one = BatchJob {
        model: &m,
        seed: 1,
        first: 1,
        watch: Watch::of(&m),
    };
    let rec = Recorder::default();
    let ran = run_batches(std::slice::from_ref(&one), None, &rec);
    assert_eq!(ran.finished, 1);
    let events = rec.events.into_inner().unwrap();
    // A single replication: many small steps, not one jump at its end.
    assert!(events.len() > 20, "{} reports", events.len());
    assert!(
        events
            .iter()
            .all(|(e, s)| *e == "advance" && *s < STEPS / 2)
    );
    assert_eq!(events.iter().map(|(_, s)| s).sum::<u64>(), STEPS);
    // Under --precision a further batch is announced before it runs.
    let rec = Recorder::default();
    let ran = run_batches(
        std::slice::from_ref(&BatchJob { first: 2, ..one }),
        Some(Precision {
            target: 0.02,
            max: 8,
        }),
        &rec,
    );
    let n = ran.variants[0].as_ref().unwrap().replications.len() as u64;
    assert!(n > 2);
    let events = rec.events.into_inner().unwrap();
    let grown: u64 = events
        .iter()
        .filter(|(e, _)| *e == "grow")
        .map(|(_, s)| s)
        .sum();
    assert_eq!(2 + grown, n);
    let advanced: u64 = events
        .iter()
        .filter(|(e, _)| *e == "advance")
        .map(|(_, s)| s)
        .sum();
    assert_eq!(advanced, n * STEPS);
}

#[test]
fn no_bar_control_characters_when_standard_error_is_not_a_terminal() {
    // The test harness reads standard error through a pipe.
    let out = run(&["--replications", "2"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        !out.stderr.contains('\r') && !out.stderr.contains('\u{1b}'),
        "{:?}",
        out.stderr
    );
    assert!(!out.stderr.contains("replications,"), "{:?}", out.stderr);
}
