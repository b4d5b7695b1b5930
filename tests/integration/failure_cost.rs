//! What a scheduled failure costs: the errors it caused against an exact
//! count, one database node against two (the cost is what a second node
//! buys), a more loaded system taking longer to recover, and the
//! failures CSV and JSON written the same way for the same seed.

use o11sim::engine::StreamSeeds;
use o11sim::experiment::failure_cost::{FailureCostFigures, summarize};
use o11sim::experiment::replicate;
use o11sim::model::Model;
use o11sim::model::sim::{Recovery, RunResult, simulate};
use o11sim::scenario::{Override, load_str};
use o11sim::stats::Estimate;

use super::common::{o11sim, temp_dir};

fn model(text: &str, settings: &[&str]) -> Model {
    let overrides: Vec<Override> = settings.iter().map(|s| s.parse().unwrap()).collect();
    load_str("failure.toml", text, &overrides).unwrap().model
}

fn run(model: &Model, reps: usize, seed: u64) -> Vec<RunResult> {
    replicate(reps, seed, |s: StreamSeeds| simulate(model, s))
}

/// Each replication's figures of failure 0, class 0.
fn figures(results: &[RunResult]) -> Vec<FailureCostFigures> {
    results
        .iter()
        .map(|r| {
            let c = &r.failure_costs[0];
            assert_eq!((c.failure, c.class), (0, 0));
            FailureCostFigures::of(c, &r.classes[0].name)
        })
        .collect()
}

fn covers(e: &Estimate, x: f64) -> bool {
    let (lo, hi) = e.ci_99().unwrap();
    lo <= x && x <= hi
}

/// One front-end at 50 req/s, far from saturation; health checks every
/// 5 s, two failed checks mark it down.
const ONE_FRONT_END: &str = r#"
front_ends = 1
[load_balancer]
health_interval = "5s"
health_failures = 2
[traffic.portal]
rate = 50
cpu = "exp(10ms)"
db_calls = "const(1)"
db_time = "exp(2ms)"
[simulation]
duration = "10m"
warmup = "1m"
[[failures]]
front_end = "main.1"
at = "5m"
duration = "60s"
"#;

#[test]
fn losing_the_only_front_end_costs_the_requests_of_the_outage_and_the_health_checks() {
    let rs = run(&model(ONE_FRONT_END, &[]), 30, 11);
    let s = summarize(
        &figures(&rs)
            .iter()
            .map(std::slice::from_ref)
            .collect::<Vec<_>>(),
    );
    let c = &s[0].classes[0];
    // Requests reaching the balancer in [s, s + 10 s) go to the dead
    // front-end and fail; from then until one health check after it is
    // back (e + 5 s) the balancer has no front-end and answers 503. Nothing
    // failed before, so nothing is subtracted: λ × (60 + 5) s, plus the
    // fraction of a request in flight at s.
    let (rate, detect, down) = (50.0, 10.0, 65.0);
    assert!(covers(&c.errors, rate * down), "errors {:?}", c.errors);
    assert!(covers(&c.failed, rate * detect), "failed {:?}", c.failed);
    assert!(
        covers(&c.rejected, rate * (down - detect)),
        "rejected {:?}",
        c.rejected
    );
    assert_eq!(c.timed_out.mean, 0.0);
    // Nothing is answered while the only front-end is down but the few
    // responses already on their way back at s (5 ms of network).
    for r in &rs {
        assert!(r.failure_costs[0].during.answered <= 3, "{r:?}");
    }
    assert!(c.p95_during.n < 30, "{:?}", c.p95_during);
    // After it, the level is that of before, and the class recovers as
    // soon as it is answered again: at the first health check after the
    // front-end is back (e + 5 s), not at e, while it is still rejected.
    assert_eq!(c.p95_before.n, 30);
    assert!(
        (c.p95_after.mean / c.p95_before.mean - 1.0).abs() < 0.1,
        "{c:?}"
    );
    assert_eq!(c.recovery_censored, 0);
    assert!((5.0..6.0).contains(&c.recovery.mean), "{:?}", c.recovery);

    // Twice the detection time: the split moves, the total stays.
    let slow = run(
        &model(ONE_FRONT_END, &["load_balancer.health_failures=4"]),
        30,
        11,
    );
    let s = summarize(
        &figures(&slow)
            .iter()
            .map(std::slice::from_ref)
            .collect::<Vec<_>>(),
    );
    let c2 = &s[0].classes[0];
    assert!(covers(&c2.failed, rate * 20.0), "{:?}", c2.failed);
    assert!(covers(&c2.errors, rate * down), "{:?}", c2.errors);
}

/// Two front-ends of 2 cores at 20 ms of CPU per request: 100 req/s
/// each. Losing one for a minute leaves the other at `rate` / 100.
const TWO_FRONT_ENDS: &str = r#"
front_ends = 2
[front_end]
cores = 2
[load_balancer]
health_interval = "5s"
health_failures = 1
[traffic.portal]
rate = 90
cpu = "exp(20ms)"
db_calls = "const(0)"
[simulation]
duration = "15m"
warmup = "2m"
[[failures]]
front_end = "main.2"
at = "8m"
duration = "60s"
"#;

#[test]
fn a_more_loaded_system_takes_longer_to_recover() {
    // At 90 req/s the survivor runs at 90 % during the failure: slow but
    // stable, and fast again soon after the health check sees the other
    // back. At 110 req/s it is overloaded: about 10 req/s pile up for the
    // minute, and the backlog drains only after the failure.
    let light = figures(&run(&model(TWO_FRONT_ENDS, &[]), 10, 5));
    let heavy = figures(&run(
        &model(TWO_FRONT_ENDS, &["traffic.portal.rate=110"]),
        10,
        5,
    ));
    for f in light.iter().chain(&heavy) {
        assert!(!f.recovery_censored, "{f:?}");
        assert!(f.p95_during > 2.0 * f.p95_before, "{f:?}");
    }
    let d: Vec<f64> = heavy
        .iter()
        .zip(&light)
        .map(|(h, l)| h.recovery - l.recovery)
        .collect();
    let longer = Estimate::from_values(&d);
    let (lo, _) = longer.ci_99().unwrap();
    assert!(lo > 5.0, "recovery longer by {longer:?}");
    // The overload costs latency after the failure too.
    let after: Vec<f64> = heavy
        .iter()
        .zip(&light)
        .map(|(h, l)| h.p95_after / h.p95_before - l.p95_after / l.p95_before)
        .collect();
    assert!(Estimate::from_values(&after).ci_99().unwrap().0 > 0.0);
}

#[test]
fn a_failure_that_outlasts_the_run_is_not_recovered_and_says_so() {
    // The front-end is lost at 14 minutes for an hour of a 15-minute run.
    let m = model(
        TWO_FRONT_ENDS,
        &["failures[0].at=14m", "failures[0].duration=1h"],
    );
    for f in figures(&run(&m, 3, 5)) {
        assert!(f.recovery_censored, "{f:?}");
        assert_eq!(f.recovery, 0.0, "a lower bound, never a measured 0");
        assert!(f.p95_after.is_nan());
    }
    // A failure during the warm-up has no level before it: not measured.
    let early = model(TWO_FRONT_ENDS, &["failures[0].at=1m"]);
    assert!(run(&early, 1, 5)[0].failure_costs.is_empty());
}

#[test]
fn a_failover_longer_than_the_failure_is_not_counted_as_recovered() {
    // The primary's node is down for 30 s, but the failover to the second
    // node takes 3 minutes: the instance serves nothing from 5:00 to 8:00,
    // so the class answers nothing for 150 s after the node is back. Its
    // recovery is those 150 s, not 0.
    let m = model(
        CLUSTER,
        &["database.failover_duration=3m", "failures[0].duration=30s"],
    );
    let rs = run(&m, 5, 3);
    for f in figures(&rs) {
        assert!(!f.recovery_censored, "{f:?}");
        assert!(
            (149.0..151.0).contains(&f.recovery),
            "recovery {} s, the instance served again 150 s after the node",
            f.recovery
        );
    }
}

/// The errors a failure causes are counted over the whole outage: a
/// 30 s node failure whose failover takes 3 minutes keeps every request
/// from 5:00 to 8:00 from its answer, about 36,000 at 200 req/s. Counted
/// up to twice the node's 30 s, as they were, they were a third of that.
#[test]
fn the_errors_of_a_failover_longer_than_the_failure_are_all_counted() {
    let m = model(
        CLUSTER,
        &["database.failover_duration=3m", "failures[0].duration=30s"],
    );
    for f in figures(&run(&m, 5, 3)) {
        assert_eq!(f.periods.during, (300.0, 480.0), "{f:?}");
        assert_eq!(f.periods.after, (480.0, 660.0), "{f:?}");
        assert_eq!(f.periods.back, 330.0, "{f:?}");
        let want = 180.0 * 200.0;
        assert!(
            (f.errors - want).abs() < 0.05 * want,
            "{} errors caused, about {want} requests met the 3-minute failover",
            f.errors
        );
    }
    // With one node the instance is down for the node's 30 s only, and the
    // failover time does not apply.
    let one = model(
        CLUSTER,
        &[
            "database.nodes=1",
            "database.failover_duration=3m",
            "failures[0].duration=30s",
        ],
    );
    for f in figures(&run(&one, 5, 3)) {
        assert_eq!(f.periods.during, (300.0, 330.0), "{f:?}");
        let want = 30.0 * 200.0;
        assert!((f.errors - want).abs() < 0.1 * want, "{f:?}");
    }
}

/// Two front-ends, 200 req/s with one database call each; the primary's
/// node fails at 5 minutes for 2 minutes. With 2 nodes the instance
/// serves nothing for the 30 s failover, with 1 for the whole 2 minutes.
const CLUSTER: &str = r#"
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
[[failures]]
database = "primary"
at = "5m"
duration = "2m"
"#;

/// `compare --vary database.nodes=1,2` with every output, in `dir`.
fn compare_nodes(dir: &std::path::Path) -> super::common::Out {
    compare_cluster(dir, &["--vary", "database.nodes=1,2"])
}

/// `compare` of the cluster with `args` (the variants) and 6
/// replications, writing `nodes.csv` (and the files beside it) and
/// `nodes.json` in `dir`.
fn compare_cluster(dir: &std::path::Path, args: &[&str]) -> super::common::Out {
    let file = dir.join("cluster.toml");
    std::fs::write(&file, CLUSTER).unwrap();
    let mut all = vec!["compare", file.to_str().unwrap()];
    all.extend_from_slice(args);
    let (csv, json) = (dir.join("nodes.csv"), dir.join("nodes.json"));
    all.extend_from_slice(&[
        "--replications",
        "6",
        "--seed",
        "3",
        "--csv",
        csv.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    let out = o11sim(&all);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out
}

/// The rows of `dir/nodes-failures.csv` and a column finder.
fn failure_rows(dir: &std::path::Path) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    let mut rows = csv::Reader::from_path(dir.join("nodes-failures.csv")).unwrap();
    let header = rows.headers().unwrap().clone();
    let rows = rows.records().map(Result::unwrap).collect();
    (header, rows)
}

#[test]
fn a_second_database_node_cuts_what_the_failure_costs_and_the_files_say_so() {
    let dir = temp_dir("failure-cost");
    let out = compare_nodes(&dir);
    assert!(
        out.stdout.contains("What each scheduled failure costs"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("failure 1: database production (primary) down 0:05-0:07")
    );
    let path = dir.join("nodes-failures.csv");
    assert!(
        out.stdout.contains(path.to_str().unwrap()),
        "{}",
        out.stdout
    );
    let mut rows = csv::Reader::from_path(&path).unwrap();
    let header = rows.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let docs = std::fs::read_to_string("docs/scenarios.md").unwrap();
    for c in header.iter().skip(2) {
        assert!(
            docs.contains(&format!("`{c}`")),
            "docs/scenarios.md lacks {c}"
        );
    }
    let rows: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2, "one class × two variants");
    let num = |r: &csv::StringRecord, c: &str| r[col(c)].parse::<f64>().unwrap();
    let (one, two) = (&rows[0], &rows[1]);
    assert_eq!(&one[col("database.nodes")], "1");
    assert_eq!(&two[col("database.nodes")], "2");
    // 200 req/s fail while the instance serves nothing: 120 s with one
    // node, 30 s with two (within 5 %).
    for (r, seconds) in [(one, 120.0), (two, 30.0)] {
        let expected = 200.0 * seconds;
        assert!(
            (num(r, "errors") / expected - 1.0).abs() < 0.05,
            "{} errors, expected about {expected}",
            num(r, "errors")
        );
        assert_eq!(&r[col("measured")], "true");
        assert_eq!(num(r, "start_s"), 300.0);
        assert_eq!(num(r, "end_s"), 420.0);
    }
    assert!(num(two, "errors_ci_high") < num(one, "errors_ci_low"));
    // The same in the JSON.
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("nodes.json")).unwrap()).unwrap();
    let errors = |v: usize| {
        doc["variants"][v]["failures"][0]["classes"][0]["errors"]["mean"]
            .as_f64()
            .unwrap()
    };
    assert!((errors(0) - num(one, "errors")).abs() < 1e-3);
    assert!((errors(1) - num(two, "errors")).abs() < 1e-3);

    // What the second node saves, paired replication by replication:
    // 200 req/s × (30 − 120) s, within 5 %, its CI clear of 0.
    assert_eq!(&one[col("errors_difference")], "", "the baseline's own row");
    let saved = num(two, "errors_difference");
    assert!(
        (saved / (200.0 * (30.0 - 120.0)) - 1.0).abs() < 0.05,
        "{saved}"
    );
    assert!(num(two, "errors_difference_ci_high") < 0.0);
    assert!(num(two, "errors_difference_ci_low") > saved * 1.05);
    assert_eq!(num(two, "difference_replications"), 6.0);
    // Both recover at once: a measured difference of 0, nothing censored.
    assert_eq!(num(two, "recovery_difference_censored"), 0.0);
    assert!(num(two, "recovery_difference_s").abs() < 1.0);
    let difference = &doc["variants"][1]["failures"][0]["classes"][0]["difference"];
    assert!((difference["errors"]["mean"].as_f64().unwrap() - saved).abs() < 1e-3);
    assert!(doc["variants"][0]["failures"][0]["classes"][0]["difference"].is_null());
    assert!(
        out.stdout
            .contains(&format!("database.nodes=2: portal saves {:.0} ± ", -saved)),
        "{}",
        out.stdout
    );

    // Same seed, same bytes.
    let again = temp_dir("failure-cost-again");
    compare_nodes(&again);
    assert_eq!(
        std::fs::read(dir.join("nodes-failures.csv")).unwrap(),
        std::fs::read(again.join("nodes-failures.csv")).unwrap(),
    );
    // The JSON names the scenario file, which is in another directory.
    let json = std::fs::read_to_string(again.join("nodes.json"))
        .unwrap()
        .replace(again.to_str().unwrap(), dir.to_str().unwrap());
    assert_eq!(
        json,
        std::fs::read_to_string(dir.join("nodes.json")).unwrap()
    );
}

#[test]
fn identical_variants_differ_by_exactly_nothing() {
    // 30s and 30000ms are one setting spelled two ways: the same model,
    // the same random numbers, so every paired difference is exactly 0.
    let dir = temp_dir("failure-cost-same");
    let out = compare_cluster(&dir, &["--vary", "database.failover_duration=30s,30000ms"]);
    let (header, rows) = failure_rows(&dir);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(rows.len(), 2);
    let second = &rows[1];
    for c in [
        "errors_difference",
        "errors_difference_ci_low",
        "errors_difference_ci_high",
        "failed_difference",
        "recovery_difference_s",
        "recovery_difference_ci_high_s",
    ] {
        assert_eq!(&second[col(c)], "0.000000", "{c}");
    }
    // While the cost itself is far from 0.
    assert!(second[col("errors")].parse::<f64>().unwrap() > 5000.0);
    assert!(
        out.stdout
            .contains("portal no clear difference in errors (0 ± 0)"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_recovery_censored_on_either_side_gives_no_difference() {
    // The node is back only after the end of the run: every recovery is
    // a lower bound, in both variants, so no recovery difference is
    // given; the errors caused still differ.
    let dir = temp_dir("failure-cost-censored");
    let out = compare_cluster(
        &dir,
        &[
            "--vary",
            "database.nodes=1,2",
            "--set",
            "failures[0].duration=1h",
        ],
    );
    let (header, rows) = failure_rows(&dir);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let second = &rows[1];
    assert_eq!(&second[col("recovery_censored")], "6");
    for c in [
        "recovery_difference_s",
        "recovery_difference_ci_low_s",
        "recovery_difference_ci_high_s",
    ] {
        assert_eq!(&second[col(c)], "", "{c}: a censored recovery is no number");
    }
    assert_eq!(&second[col("recovery_difference_replications")], "6");
    assert_eq!(&second[col("recovery_difference_censored")], "6");
    assert!(
        second[col("errors_difference_ci_high")]
            .parse::<f64>()
            .unwrap()
            < 0.0
    );
    assert!(
        out.stdout.contains("not estimable (6/6 censored)"),
        "{}",
        out.stdout
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("nodes.json")).unwrap()).unwrap();
    let d = &doc["variants"][1]["failures"][0]["classes"][0]["difference"];
    assert!(d["recovery_s"].is_null(), "{d}");
    assert_eq!(d["recovery_censored"], 6);
}

#[test]
fn sweep_lists_what_the_failure_costs_each_point() {
    let dir = temp_dir("failure-cost-sweep");
    let file = dir.join("cluster.toml");
    std::fs::write(&file, CLUSTER).unwrap();
    let csv = dir.join("sweep.csv");
    let out = o11sim(&[
        "sweep",
        file.to_str().unwrap(),
        "--vary",
        "database.nodes=1,2",
        "--replications",
        "4",
        "--seed",
        "3",
        "--csv",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = &out.stdout[out
        .stdout
        .find("What each scheduled failure costs")
        .unwrap_or_else(|| panic!("{}", out.stdout))..];
    // One line per point, with the errors caused of the failures CSV.
    let mut rows = csv::Reader::from_path(dir.join("sweep-failures.csv")).unwrap();
    let header = rows.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    for r in &rows {
        let errors: f64 = r[col("errors")].parse().unwrap();
        let half = (r[col("errors_ci_high")].parse::<f64>().unwrap()
            - r[col("errors_ci_low")].parse::<f64>().unwrap())
            / 2.0;
        let line = text
            .lines()
            .find(|l| {
                l.trim_start()
                    .starts_with(&format!("{} ", &r[col("database.nodes")]))
            })
            .unwrap_or_else(|| panic!("{text}"));
        assert!(line.contains("1 database production (primary)"), "{line}");
        assert!(
            line.contains(&format!("{errors:.0} ± {half:.0}")),
            "{line} vs {errors} ± {half}"
        );
    }
    // The paired differences are in the CSV of a sweep too.
    assert!(
        rows[1][col("errors_difference_ci_high")]
            .parse::<f64>()
            .unwrap()
            < 0.0
    );
}

#[test]
fn random_failures_are_said_to_have_no_cost_block() {
    let with_random = format!(
        "{ONE_FRONT_END}\n[[random_failures]]\nfront_end = \"main.1\"\nmtbf = \"20m\"\nmttr = \"30s\"\n"
    );
    let dir = temp_dir("failure-cost-random");
    let file = dir.join("random.toml");
    std::fs::write(&file, &with_random).unwrap();
    let run = |path: &std::path::Path| {
        let out = o11sim(&["run", path.to_str().unwrap(), "--replications", "2"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        out.stdout
    };
    let text = run(&file);
    assert!(
        text.contains("Random failures (1 [[random_failures]] entry) are counted"),
        "{text}"
    );
    // The scheduled one still has its block; without random failures no
    // such line.
    assert!(text.contains("failure 1: front-end main.1 down"), "{text}");
    let plain = dir.join("plain.toml");
    std::fs::write(&plain, ONE_FRONT_END).unwrap();
    assert!(!run(&plain).contains("Random failures"));
}

#[test]
fn each_failure_has_one_block_of_differences_whatever_the_variants() {
    // Two failures, three variants: per failure one table with a row per
    // variant after the first.
    let dir = temp_dir("failure-cost-two");
    let out = compare_cluster(
        &dir,
        &[
            "--vary",
            "database.nodes=1,2,3",
            "--set",
            "failures=[{database=\"primary\", at=\"3m\", duration=\"1m\"}, {database=\"primary\", at=\"6m\", duration=\"1m\"}]",
        ],
    );
    let paired = &out.stdout[out
        .stdout
        .find("variant − database.nodes=1 (paired")
        .unwrap()..];
    let paired = &paired[..paired.find("\n\n").unwrap()];
    for failure in ["failure 1: database", "failure 2: database"] {
        assert_eq!(paired.matches(failure).count(), 1, "{paired}");
    }
    assert_eq!(
        paired.matches("database.nodes=3  portal").count(),
        2,
        "{paired}"
    );
    let (_, rows) = failure_rows(&dir);
    assert_eq!(rows.len(), 6, "3 variants × 2 failures");
}

/// `ONE_FRONT_END` losing its front-end twice for 30 s, the second time at
/// `second`.
fn twice(second: &str) -> String {
    let first = ONE_FRONT_END
        .replace("duration = \"60s\"", "duration = \"30s\"")
        .replace("at = \"5m\"", "at = \"3m\"");
    format!(
        "{first}\n[[failures]]\nfront_end = \"main.1\"\nat = \"{second}\"\nduration = \"30s\"\n"
    )
}

#[test]
fn a_failure_soon_after_another_is_measured_against_a_level_without_it() {
    // Failures at 3:00 and 5:00, 30 s each. The first one's span (during
    // and after) ends at 4:00, inside the second's five minutes before: the
    // second's level before starts at 4:00, so the first one's 35 s of
    // errors are not taken for the second's usual error rate (which would
    // cut its cost by a quarter).
    let m = model(&twice("5m"), &[]);
    for i in 0..2 {
        assert!(o11sim::model::sim::FailurePeriods::overlaps(&m, i).is_empty());
    }
    let second = o11sim::model::sim::FailurePeriods::of(&m, 1).unwrap();
    assert_eq!(second.before, (240.0, 300.0));
    let rs = run(&m, 30, 11);
    let second: Vec<FailureCostFigures> = rs
        .iter()
        .map(|r| FailureCostFigures::of(&r.failure_costs[1], "portal"))
        .collect();
    let s = summarize(&second.iter().map(std::slice::from_ref).collect::<Vec<_>>());
    let c = &s[0].classes[0];
    // As the only front-end's single failure above: λ × (30 + 5) s.
    assert!(covers(&c.errors, 50.0 * 35.0), "errors {:?}", c.errors);
}

#[test]
fn overlapping_failures_say_their_costs_share_errors_in_every_output() {
    // The second failure (3:20) starts while the first one's span (3:00 to
    // 4:00) runs: the two cannot be told apart, and every output says so.
    let m = model(&twice("200s"), &[]);
    assert_eq!(o11sim::model::sim::FailurePeriods::overlaps(&m, 0), [1]);
    assert_eq!(o11sim::model::sim::FailurePeriods::overlaps(&m, 1), [0]);
    let dir = temp_dir("failure-overlap");
    let file = dir.join("twice.toml");
    std::fs::write(&file, twice("200s")).unwrap();
    let (csv, json, html) = (
        dir.join("twice.csv"),
        dir.join("twice.json"),
        dir.join("twice.html"),
    );
    let out = o11sim(&[
        "run",
        file.to_str().unwrap(),
        "--replications",
        "2",
        "--csv",
        csv.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("  overlaps failure 2 (front-end main.1 down 0:03:20-0:03:50): its figures include that effect"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("  overlaps failure 1 (front-end main.1 down 0:03-0:03:30)"),
        "{}",
        out.stdout
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let failures = &doc["variants"][0]["failures"];
    assert_eq!(failures[0]["overlaps"], serde_json::json!([2]));
    assert_eq!(failures[1]["overlaps"], serde_json::json!([1]));
    let mut rows = csv::Reader::from_path(dir.join("twice-failures.csv")).unwrap();
    let header = rows.headers().unwrap().clone();
    let col = header.iter().position(|h| h == "overlaps").unwrap();
    assert_eq!(col, header.len() - 1, "a new column goes at the end");
    let overlaps: Vec<String> = rows.records().map(|r| r.unwrap()[col].to_owned()).collect();
    assert_eq!(overlaps, ["2", "1"]);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("failure 1: overlaps failure 2"), "{page}");
}

/// A class too rare for its p95 before the failure to be a level (0.3
/// req/s: about 70 responses in the 4 minutes before) has no recovery time,
/// instead of a noisy "not recovered"; the busy class beside it has one.
#[test]
fn a_class_with_too_few_responses_before_has_no_recovery_time() {
    let m = model(
        CLUSTER,
        &[r#"traffic.rare={ rate = 0.3, cpu = "exp(10ms)", db_calls = "const(1)" }"#],
    );
    let rare = m.classes.iter().position(|c| c.name == "rare").unwrap();
    for r in run(&m, 3, 5) {
        for c in r.failure_costs.iter().filter(|c| c.failure == 0) {
            let before = c.before.answered;
            if c.class == rare {
                assert!(before < 200, "{before} responses of the rare class");
                assert_eq!(c.recovery, Recovery::NoBaseline, "{c:?}");
            } else {
                assert!(before >= 200, "{c:?}");
                assert!(matches!(c.recovery, Recovery::Recovered(_)), "{c:?}");
            }
        }
    }
}
