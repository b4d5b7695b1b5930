//! Verdicts that cannot lie: a stable loss system is rejecting, not
//! saturated; percentiles cut at the client timeout are reported as bounds;
//! requests still unanswered at the end show in a rate; error objectives
//! are judged; a class with nothing measured never meets an SLO; and a
//! row's response times come only from the replications that answered
//! something, never averaged with the zeros of one that answered nothing.

use std::path::Path;

use crate::common::{o11sim, rejected};
use o11sim::analytic;
use o11sim::experiment::summary::{ReplicationFigures, SloVerdict};
use o11sim::experiment::{Summary, replicate};
use o11sim::model::sim::simulate;
use o11sim::report::text;
use o11sim::scenario::{Override, Scenario, load_str};

fn scenario(text: &str, overrides: &[&str]) -> Scenario {
    let o: Vec<Override> = overrides.iter().map(|a| a.parse().unwrap()).collect();
    load_str("verdicts.toml", text, &o).unwrap_or_else(|e| panic!("{e}"))
}

fn summarize(s: &Scenario) -> Summary {
    let results = replicate(s.replications, s.seed, |seeds| simulate(&s.model, seeds));
    Summary::new(&s.model, &results)
}

/// M/M/c/c on the IIS workers: 5 workers, no IIS queue, each request holds
/// its worker for an exponential 1 s call to an external system (no limit,
/// no CPU) plus 0.1 ms of CPU on 64 cores. Offered load 4 Erlang.
pub(crate) const LOSS: &str = r#"
front_ends = 1
[front_end]
cores = 64
iis_workers = 5
iis_queue = 0
[external.crm]
[traffic.web]
rate = 4
network = "const(0s)"
cpu = "const(0.1ms)"
db_calls = "const(0)"
timeout = "100s"
integrations = [{ system = "crm", calls = 1, time = "exp(1s)" }]
[simulation]
duration = "2000s"
warmup = "100s"
replications = 20
seed = 20261128
"#;

#[test]
fn a_stable_loss_system_is_rejecting_not_saturated_and_blocks_as_erlang_b() {
    let s = scenario(LOSS, &["traffic.web.slo.p95=10s"]);
    let sum = summarize(&s);
    let web = &sum.classes[0];
    let exact = analytic::erlang_b(5, 4.0 * 1.0001);
    println!(
        "M/M/5/5 at 4 Erlang: rejected {:.2}% ± {:.2} (99 %), Erlang B {:.2}%",
        web.rejected_rate.mean * 100.0,
        web.rejected_rate.half_99.unwrap() * 100.0,
        exact * 100.0
    );
    assert!(exact > 0.15, "the case must block well above 5 %: {exact}");
    assert!(
        web.rejected_rate.covers_99(exact),
        "Erlang B {exact}, simulated {:?}",
        web.rejected_rate
    );
    assert!(web.rejected_rate.half_99.unwrap() < 0.01, "CI too wide");
    assert!(!web.saturated, "a loss system's backlog cannot grow");
    assert!(web.rejecting);
    // Its latencies describe only the requests that got in: without an
    // error objective the p95 objective is not met, however loose.
    assert_eq!(web.slos[0].verdict, SloVerdict::Rejecting);
    assert!(!web.slos[0].met);
    let table = text::classes(&sum);
    assert!(table.contains("web [REJECTING 20 %]"), "{table}");
    assert!(!table.contains("SATURATED"), "{table}");
    let slos = text::slos(&sum);
    assert!(slos.contains("not met: rejecting 20 %"), "{slos}");

    // With an error objective, the rejections are judged by it.
    let loose = summarize(&scenario(
        LOSS,
        &["traffic.web.slo.p95=10s", "traffic.web.slo.errors=25%"],
    ));
    let v: Vec<SloVerdict> = loose.classes[0].slos.iter().map(|k| k.verdict).collect();
    assert_eq!(v, [SloVerdict::Met, SloVerdict::Met]);
    let tight = summarize(&scenario(LOSS, &["traffic.web.slo.errors=10%"]));
    assert_eq!(tight.classes[0].slos[0].verdict, SloVerdict::Missed);
    let line = text::slos(&tight);
    assert!(
        line.starts_with("SLO web: errors <= 10.00%: MISSED (estimate 19.9"),
        "{line}"
    );
}

/// One front-end with room for everything; each request waits 1 s on
/// average (exponential) for an external system, and the client gives up
/// after 4 s: e^-4 = 1.8 % of the responses are cut, so p99 falls in the cut
/// and p95 (3.0 s) does not.
const CUT: &str = r#"
front_ends = 1
[front_end]
cores = 16
[external.crm]
[traffic.web]
rate = 20
network = "const(0s)"
cpu = "const(0.1ms)"
db_calls = "const(0)"
timeout = "4s"
integrations = [{ system = "crm", calls = 1, time = "exp(1s)" }]
slo = { p95 = "3500ms", p99 = "10s" }
[simulation]
duration = "20m"
warmup = "1m"
replications = 5
seed = 7
"#;

#[test]
fn percentiles_in_the_cut_at_the_client_timeout_are_bounds_not_measurements() {
    let s = scenario(CUT, &[]);
    let sum = summarize(&s);
    let web = &sum.classes[0];
    assert_eq!(web.timeout, Some(4.0));
    assert_eq!(web.censored.p99, 5, "p99 is cut in every replication");
    assert_eq!(web.censored.p95, 0, "p95 ≈ 3.0 s is measured");
    assert_eq!(web.censored.p50, 0);
    let table = text::classes(&sum);
    assert!(table.contains(">= 4000 (timed out)"), "{table}");
    // p99's SLO of 10 s cannot be judged: p99 is at least 4 s, its value
    // hidden by the cut. p95 is measured and judged as usual.
    assert_eq!(web.slos[0].verdict, SloVerdict::Met, "{:?}", web.p95);
    assert_eq!(web.slos[1].verdict, SloVerdict::Censored);
    let slos = text::slos(&sum);
    assert!(
        slos.contains("SLO web: p99 <= 10000 ms: MISSED: p99 >= 4000 ms (timed out in 5 of 5"),
        "{slos}"
    );
    // A longer timeout cuts nothing that p99 needs: measured again.
    let long = summarize(&scenario(CUT, &["traffic.web.timeout=30s"]));
    assert_eq!(long.classes[0].censored.p99, 0);
    assert_eq!(long.classes[0].slos[1].verdict, SloVerdict::Met);
}

/// A front-end with one FCFS core at twice its capacity: the backlog grows
/// through the run, and those requests are in no outcome.
const OVERLOAD: &str = r#"
front_ends = 1
[front_end]
cores = 1
cpu = "fcfs"
iis_queue = 100000
[traffic.web]
rate = 100
network = "const(0s)"
cpu = "exp(20ms)"
db_calls = "const(0)"
timeout = "1h"
[simulation]
duration = "5m"
warmup = "30s"
replications = 3
seed = 11
"#;

#[test]
fn requests_unanswered_at_the_end_show_in_the_unanswered_rate() {
    let s = scenario(OVERLOAD, &[]);
    let results = replicate(s.replications, s.seed, |seeds| simulate(&s.model, seeds));
    for r in &results {
        let c = &r.classes[0];
        let f = ReplicationFigures::from(r);
        let waiting = c.outcomes.finished() + c.in_flight_at_end;
        assert!(c.in_flight_at_end > 10_000, "{}", c.in_flight_at_end);
        assert_eq!(
            f.classes[0].unanswered_rate,
            c.in_flight_at_end as f64 / waiting as f64
        );
        // Every measured request is answered, failed, or unanswered.
        assert_eq!(f.classes[0].error_rate, 0.0);
    }
    let sum = Summary::new(&s.model, &results);
    let web = &sum.classes[0];
    // About half the offered requests are never served.
    assert!(
        web.unanswered_rate.mean > 0.3 && web.unanswered_rate.mean < 0.6,
        "{:?}",
        web.unanswered_rate
    );
    assert!(web.saturated);
    let table = text::classes(&sum);
    assert!(
        table.lines().next().unwrap().ends_with("unanswered"),
        "{table}"
    );

    // A stable class leaves only the few requests in service at the end.
    let stable = summarize(&scenario(OVERLOAD, &["traffic.web.rate=20"]));
    assert!(stable.classes[0].unanswered_rate.mean < 1e-3);
}

/// A class whose only front-end is down for the whole run.
const DOWN: &str = r#"
front_ends = 1
[traffic.web]
rate = 10
cpu = "exp(10ms)"
slo = { p95 = "800ms", errors = "50%" }
[[failures]]
front_end = "main.1"
at = "0s"
duration = "1h"
[simulation]
duration = "5m"
warmup = "30s"
replications = 2
seed = 3
"#;

#[test]
fn a_class_with_no_request_completed_never_meets_its_slos() {
    let sum = summarize(&scenario(DOWN, &[]));
    let web = &sum.classes[0];
    assert_eq!(web.none_completed, 2, "{web:?}");
    for k in &web.slos {
        assert_eq!(k.verdict, SloVerdict::NoneCompleted);
        assert!(!k.met);
    }
    let slos = text::slos(&sum);
    assert!(
        slos.contains(
            "SLO web: p95 <= 800 ms: not met: no request completed (in 2 of 2 replication(s))"
        ),
        "{slos}"
    );
    assert!(!slos.contains("met ("), "{slos}");

    // A run too short for any answer: the same.
    let short = summarize(&scenario(
        DOWN.split("[[failures]]").next().unwrap(),
        &["simulation.duration=1ms", "simulation.warmup=0s"],
    ));
    assert!(short.classes[0].none_completed > 0);
    assert!(short.classes[0].slos.iter().all(|k| !k.met));
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn verdicts_reach_the_csv_and_the_json() {
    let dir = crate::common::temp_dir("verdicts");
    let file = dir.join("cut.toml");
    std::fs::write(&file, CUT).unwrap();
    let csv = dir.join("cut.csv");
    let json = dir.join("cut.json");
    let out = o11sim(&[
        "run",
        file.to_str().unwrap(),
        "--replications",
        "2",
        "--duration",
        "5m",
        "--csv",
        csv.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains(">= 4000 (timed out)"), "{}", out.stdout);
    let mut r = csv::Reader::from_path(&csv).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let row: Vec<String> = r
        .records()
        .next()
        .unwrap()
        .unwrap()
        .iter()
        .map(String::from)
        .collect();
    let cell = |name: &str| row[header.iter().position(|h| h == name).unwrap()].clone();
    assert_eq!(cell("p99_censored"), "true");
    assert_eq!(cell("p95_censored"), "false");
    assert_eq!(cell("client_timeout_ms"), "4000.000");
    assert_eq!(cell("rejecting"), "false");
    assert!(cell("unanswered_rate").parse::<f64>().unwrap() < 0.01);
    let doc = read_json(&json);
    let class = &doc["variants"][0]["classes"][0];
    assert_eq!(class["censored"]["p99"], true);
    assert_eq!(class["censored"]["p95"], false);
    assert_eq!(class["client_timeout_ms"], 4000.0);
    assert_eq!(class["slos"][1]["verdict"], "censored");
    assert_eq!(class["slos"][1]["met"], false);
    assert!(class["unanswered_rate"]["mean"].is_number());

    // An error objective in JSON: a fraction, not milliseconds.
    let loss = dir.join("loss.toml");
    std::fs::write(&loss, LOSS).unwrap();
    let out = o11sim(&[
        "run",
        loss.to_str().unwrap(),
        "--replications",
        "2",
        "--duration",
        "10m",
        "--set",
        "traffic.web.slo.errors=1%",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let doc = read_json(&json);
    let class = &doc["variants"][0]["classes"][0];
    assert_eq!(class["rejecting"], true);
    assert_eq!(doc["variants"][0]["saturated"], false);
    let slo = &class["slos"][0];
    assert_eq!(slo["figure"], "errors");
    assert_eq!(slo["limit"], 0.01);
    assert!(slo["limit_ms"].is_null());
    assert_eq!(slo["verdict"], "missed");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn size_judges_error_objectives_and_refuses_bad_ones() {
    // Five workers per front-end, no queue, 4 Erlang offered: one
    // front-end rejects about 20 % (Erlang B), two about 3.7 % or less
    // (round robin splits the arrivals more evenly than at random).
    let dir = crate::common::temp_dir("size-errors");
    let file = dir.join("loss.toml");
    std::fs::write(&file, LOSS).unwrap();
    let out = o11sim(&[
        "size",
        file.to_str().unwrap(),
        "--slo",
        "web:errors<=5%",
        "--replications",
        "4",
        "--duration",
        "30m",
    ]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(
        out.stdout.lines().last().unwrap(),
        "front_ends = 2",
        "{}",
        out.stdout
    );
    // One front-end's replications stop once their error rate is certain
    // to end above 5 %; run to their end, they show Erlang B's 19 %.
    assert!(
        out.stdout.contains("front_ends = 1: misses  web errors")
            && out.stdout.contains(
                "stopped early: in every replication web's error rate above 5% was certain"
            ),
        "{}",
        out.stdout
    );
    let full = o11sim(&[
        "size",
        file.to_str().unwrap(),
        "--slo",
        "web:errors<=5%",
        "--replications",
        "4",
        "--duration",
        "30m",
        "--run-misses-to-end",
    ]);
    assert_eq!(full.stdout.lines().last().unwrap(), "front_ends = 2");
    assert!(
        full.stdout
            .contains("front_ends = 1: misses  web errors 19."),
        "{}",
        full.stdout
    );
    assert!(!full.stdout.contains("stopped early"), "{}", full.stdout);
    assert!(out.stdout.contains("web errors"), "{}", out.stdout);
    for bad in ["web:errors<=5", "web:errors<=100%", "web:errors<=-1%"] {
        let out = o11sim(&["size", file.to_str().unwrap(), "--slo", bad]);
        rejected(&out, &["errors<=PERCENT"]);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_bad_error_objective_names_its_file_line_and_field() {
    for (value, needle) in [
        ("\"0.1\"", "with a % sign"),
        ("0.001", "as text with a % sign"),
        ("\"100%\"", "out of range"),
        ("\"fast%\"", "is not a percentage"),
    ] {
        let text =
            format!("[traffic.web]\nrate = 1\ncpu = \"exp(10ms)\"\nslo = {{ errors = {value} }}\n");
        let e = load_str("bad.toml", &text, &[]).unwrap_err().to_string();
        assert!(e.contains("bad.toml:4:"), "{e}");
        assert!(e.contains("traffic.web.slo.errors"), "{e}");
        assert!(e.contains(needle), "{value}: {e}");
    }
}

#[test]
fn team_never_meets_the_target_when_no_publish_finished() {
    // Ten seconds: no publish of example 1 can finish.
    let out = o11sim(&[
        "team",
        "--developers",
        "1,2",
        "--replications",
        "2",
        "--duration",
        "10s",
        "--warmup",
        "0s",
    ]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    for layout in ["dedicated", "co-located"] {
        let line = format!("{layout}: publish p95 not met at 1 developers: no publish completed");
        assert!(out.stdout.contains(&line), "{}", out.stdout);
    }
    assert!(
        !out.stdout.contains("meets the 5m target"),
        "{}",
        out.stdout
    );
}

/// A class so rare that most replications see no request: about one in
/// 1,000 s, over 5 minutes (no request in a replication with probability
/// e^-0.3 = 74 %). Each request takes exactly 2 s of CPU, alone on four
/// cores, with no network and no database.
const RARE: &str = r#"
front_ends = 1
[front_end]
cores = 4
[traffic.rare]
rate = 0.001
network = "const(0s)"
cpu = "const(2s)"
db_calls = "const(0)"
[simulation]
duration = "5m"
warmup = "0s"
replications = 20
seed = 20261128
"#;

#[test]
fn response_times_come_only_from_replications_that_answered() {
    let s = scenario(RARE, &[]);
    let results = replicate(s.replications, s.seed, |seeds| simulate(&s.model, seeds));
    let sum = Summary::new(&s.model, &results);
    let rare = &sum.classes[0];
    let answered = results
        .iter()
        .filter(|r| r.classes[0].response.count() > 0)
        .count();
    println!(
        "rare: {answered} of 20 replications answered; mean {:?}",
        rare.mean
    );
    assert!(answered > 0 && answered < 20, "{answered}");
    // Every answer took 2 s: the mean is 2 s, not 2 s x answered / 20.
    assert_eq!(rare.mean.n, answered);
    assert!((rare.mean.mean - 2.0).abs() < 1e-9, "{:?}", rare.mean);
    assert!((rare.p95.mean - 2.0).abs() < 0.02, "{:?}", rare.p95);
    assert_eq!(rare.p95.n, answered);
    // Error rates are fractions of the requests finished, so only the
    // replications in which some finished have one.
    assert_eq!(rare.error_rate.n, answered);
    assert_eq!(rare.error_rate.mean, 0.0);

    // Nothing answered anywhere: no response time at all, never a zero.
    let never = scenario(RARE, &["traffic.rare.rate=0.0000001"]);
    let results = replicate(never.replications, never.seed, |seeds| {
        simulate(&never.model, seeds)
    });
    let none = Summary::new(&never.model, &results);
    let c = &none.classes[0];
    assert_eq!(c.mean.n, 0);
    assert!(c.mean.mean.is_nan() && c.p95.mean.is_nan() && c.p99.mean.is_nan());
    let table = text::classes(&none);
    let row = table.lines().find(|l| l.starts_with("rare")).unwrap();
    // Four response times and three error rates, all of nothing.
    assert!(c.error_rate.mean.is_nan() && c.rejected_rate.mean.is_nan());
    assert_eq!(row.matches('—').count(), 7, "{table}");
}

#[test]
fn a_paired_response_time_difference_leaves_out_replications_that_answered_nothing() {
    use o11sim::experiment::summary::Figure;
    use o11sim::whatif::variants::paired_difference;
    let figures = |cpu: &str| -> Vec<ReplicationFigures> {
        let s = scenario(RARE, &[&format!("traffic.rare.cpu={cpu}")]);
        replicate(s.replications, s.seed, |seeds| simulate(&s.model, seeds))
            .iter()
            .map(ReplicationFigures::from)
            .collect()
    };
    let (two, three) = (figures("const(2s)"), figures("const(3s)"));
    let d = paired_difference(&two, &three, "rare", Figure::Mean).unwrap();
    // Common random numbers: the same requests on both sides, each 1 s
    // longer. The replications without a request are left out.
    assert!((d.mean - 1.0).abs() < 1e-9, "{d:?}");
    assert!(d.n > 0 && d.n < 20, "{d:?}");
    // Throughput is defined in every replication (0 without a request),
    // the error rate only where a request finished.
    let t = paired_difference(&two, &three, "rare", Figure::Throughput).unwrap();
    assert_eq!(t.n, 20);
    let e = paired_difference(&two, &three, "rare", Figure::ErrorRate).unwrap();
    assert_eq!(e.n, d.n);
}

#[test]
fn reports_say_which_replications_a_row_was_measured_in() {
    let dir = crate::common::temp_dir("unmeasured");
    let file = dir.join("rare.toml");
    std::fs::write(&file, RARE).unwrap();
    let json = dir.join("rare.json");
    let csv = dir.join("rare.csv");
    // The class CSV's `replications_measured` and response-time cells.
    let csv_cells = || -> (String, String) {
        let mut r = csv::Reader::from_path(&csv).unwrap();
        let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        let row = r.records().next().unwrap().unwrap();
        let cell = |name: &str| row[header.iter().position(|h| h == name).unwrap()].to_owned();
        (cell("replications_measured"), cell("mean_ms"))
    };
    let (json_arg, csv_arg) = (json.to_str().unwrap(), csv.to_str().unwrap());
    let out = o11sim(&[
        "run",
        file.to_str().unwrap(),
        "--json",
        json_arg,
        "--csv",
        csv_arg,
    ]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let doc = read_json(&json);
    let class = &doc["variants"][0]["classes"][0];
    let k = class["replications_measured"].as_u64().unwrap();
    assert!(k > 0 && k < 20, "{class}");
    assert!((class["mean_ms"]["mean"].as_f64().unwrap() - 2000.0).abs() < 1e-6);
    assert_eq!(csv_cells(), (k.to_string(), "2000.000".to_owned()));
    let line = format!(
        "rare: response times over the {k} of 20 replications that answered something; the other {} answered nothing; error rates over the {k} that finished something\n",
        20 - k
    );
    assert!(out.stdout.contains(&line), "{}", out.stdout);
    let row = out.stdout.lines().find(|l| l.starts_with("rare ")).unwrap();
    assert!(row.contains(" 2000 "), "{row}");

    let out = o11sim(&[
        "run",
        file.to_str().unwrap(),
        "--set",
        "traffic.rare.rate=0.0000001",
        "--json",
        json_arg,
        "--csv",
        csv_arg,
    ]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(
            "rare: nothing finished in any of the 20 replication(s): no response time or error rate"
        ),
        "{}",
        out.stdout
    );
    let doc = read_json(&json);
    let class = &doc["variants"][0]["classes"][0];
    assert_eq!(class["replications_measured"], 0);
    assert!(class["mean_ms"]["mean"].is_null(), "{class}");
    assert!(class["p95_ms"]["mean"].is_null(), "{class}");
    assert_eq!(csv_cells(), ("0".to_owned(), String::new()));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn size_shows_a_figure_it_could_not_measure_as_the_class_table_does() {
    // Every portal request waits past the 10 s client timeout on one
    // database core: its p95 is only known to be at least the timeout.
    let out = o11sim(&[
        "size",
        "prod",
        "--key",
        "database.cores",
        "--slo",
        "portal:p95<=100ms",
        "--replications",
        "3",
        "--duration",
        "10m",
    ]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(
            "database.cores = 1: misses  portal p95 >= 10000 ms (timed out) vs 100 ms [NO REQUEST COMPLETED]"
        ),
        "{}",
        out.stdout
    );
    // A class that answered nothing at all has no p95 to show.
    let dir = crate::common::temp_dir("size-unmeasured");
    let file = dir.join("rare.toml");
    std::fs::write(&file, RARE).unwrap();
    let out = o11sim(&[
        "size",
        file.to_str().unwrap(),
        "--set",
        "traffic.rare.rate=0.0000001",
        "--slo",
        "rare:p95<=5s",
        "--max-front-ends",
        "2",
    ]);
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(
            "front_ends = 1: misses  rare p95 not measured vs 5000 ms [NO REQUEST COMPLETED]"
        ),
        "{}",
        out.stdout
    );
    // Why no count meets: no resource, nothing completed.
    assert!(
        out.stdout.contains(
            "meets every SLO: at 2 no request of rare completed in 20 of 20 replication(s), so there is nothing to judge"
        ),
        "{}",
        out.stdout
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A BPT process launched twice as fast as its one front-end can run it:
/// 2 launches/s of 1 s of CPU on one core. Launches keep coming whatever
/// is waiting, so its backlog and lead time grow with the run.
const BPT_OVERLOAD: &str = r#"
front_ends = 2
[traffic.web]
rate = 20
cpu = "exp(10ms)"
[processes.orders]
launches_per_hour = 7200
activities = 1
cpu = "exp(1s)"
db_calls = 1
[front_end]
cores = 1
process_front_ends = 1
"#;

#[test]
fn an_overloaded_bpt_process_is_saturated_and_a_light_one_is_not() {
    let dir = crate::common::temp_dir("bpt-saturated");
    let file = dir.join("bpt.toml");
    std::fs::write(&file, BPT_OVERLOAD).unwrap();
    let csv = dir.join("bpt.csv");
    let json = dir.join("bpt.json");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            file.to_str().unwrap(),
            "--replications",
            "3",
            "--duration",
            "10m",
            "--csv",
            csv.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let out = o11sim(&args);
        assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
        out
    };
    let process_cell = |column: &str| -> String {
        let mut r = csv::Reader::from_path(&csv).unwrap();
        let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        let at = header.iter().position(|h| h == column).unwrap();
        r.records()
            .map(Result::unwrap)
            .find(|row| &row[header.iter().position(|h| h == "class").unwrap()] == "process.orders")
            .unwrap()[at]
            .to_owned()
    };

    let out = run(&[]);
    assert!(
        out.stdout.contains("process.orders [SATURATED]"),
        "{}",
        out.stdout
    );
    assert_eq!(process_cell("saturated"), "true");
    let doc = read_json(&json);
    let process = &doc["variants"][0]["classes"][1];
    assert_eq!(process["name"], "process.orders");
    assert!(process["unanswered_rate"]["mean"].as_f64().unwrap() > 0.5);
    assert_eq!(process["saturated"], true);
    assert_eq!(doc["variants"][0]["saturated"], true);

    // A tenth of the launches: the threads keep up, nothing is flagged.
    let out = run(&["--set", "processes.orders.launches_per_hour=720"]);
    assert!(!out.stdout.contains("SATURATED"), "{}", out.stdout);
    assert_eq!(process_cell("saturated"), "false");
    let doc = read_json(&json);
    assert_eq!(doc["variants"][0]["classes"][1]["saturated"], false);
    assert_eq!(doc["variants"][0]["saturated"], false);
    std::fs::remove_dir_all(&dir).unwrap();
}
