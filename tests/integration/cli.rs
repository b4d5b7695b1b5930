//! The command line as users meet it: each preset runs by name and from
//! its file, CSV output has the contract's columns, and every kind of bad
//! input gets a clear message and exit status 2 — never a panic.

use std::path::Path;

use crate::common::{Out, o11sim, rejected, temp_dir};

/// Short runs: the point here is the command line, not the statistics.
const QUICK: [&str; 6] = ["--replications", "2", "--duration", "2m", "--warmup", "30s"];

fn run_quick(extra: &[&str]) -> Out {
    let mut args = vec!["run"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&QUICK);
    o11sim(&args)
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn default_run_is_the_production_example() {
    let out = run_quick(&[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("o11sim run example2"), "{}", out.stdout);
    for needle in ["portal", "p95 (ms)", "main.1.cpu", "utilization", "±"] {
        assert!(
            out.stdout.contains(needle),
            "missing {needle}: {}",
            out.stdout
        );
    }
}

#[test]
fn every_preset_runs_by_name_alias_and_file() {
    for (name, alias, file) in [
        ("example1", "nonprod", "scenarios/example1-nonprod.toml"),
        (
            "example2",
            "production",
            "scenarios/example2-production.toml",
        ),
        ("example3", "lifetime", "scenarios/example3-lifetime.toml"),
        ("example4", "zones", "scenarios/example4-zones.toml"),
    ] {
        for spec in [name, alias, file] {
            let out = run_quick(&[spec]);
            assert_eq!(out.code, 0, "{spec}: {}", out.stderr);
            assert!(
                out.stdout.contains("throughput (req/s)"),
                "{spec}: {}",
                out.stdout
            );
        }
    }
}

#[test]
fn development_preset_reports_publish_lead_time() {
    let out = o11sim(&["run", "example1", "--replications", "2", "--duration", "2h"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("publish: lead time p50"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("dc.dev.cpu"), "{}", out.stdout);
}

#[test]
fn csv_files_have_the_contract_columns_and_one_row_per_class() {
    let dir = temp_dir("csv");
    let csv = dir.join("out.csv");
    let out = run_quick(&["--csv", csv.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = std::fs::read_to_string(&csv).unwrap();
    let header = text.lines().next().unwrap();
    for col in [
        "variant",
        "class",
        "replications",
        "throughput_rps",
        "mean_ms",
        "p50_ms",
        "p95_ms",
        "p99_ms",
        "p95_ci_low_ms",
        "p95_ci_high_ms",
        "error_rate",
    ] {
        assert!(
            header.split(',').any(|c| c == col),
            "missing {col} in {header}"
        );
    }
    assert!(text.lines().any(|l| l.contains(",portal,")), "{text}");
    // The contract's columns keep their order; the CIs of every figure
    // come after them, each bracketing its mean.
    assert!(header.starts_with(
        "variant,class,replications,throughput_rps,mean_ms,p50_ms,p95_ms,p99_ms,\
         p95_ci_low_ms,p95_ci_high_ms,error_rate,rejected_rate,timed_out_rate,failed_rate,saturated,"
    ));
    let columns: Vec<&str> = header.split(',').collect();
    let mut rows = csv::Reader::from_path(&csv).unwrap();
    let row = rows.records().next().unwrap().unwrap();
    let value = |name: &str| -> f64 {
        let i = columns
            .iter()
            .position(|c| *c == name)
            .unwrap_or_else(|| panic!("no {name}"));
        row[i]
            .parse()
            .unwrap_or_else(|_| panic!("{name}: {:?}", &row[i]))
    };
    for (mean, lo, hi) in [
        (
            "throughput_rps",
            "throughput_ci_low_rps",
            "throughput_ci_high_rps",
        ),
        ("mean_ms", "mean_ci_low_ms", "mean_ci_high_ms"),
        ("p50_ms", "p50_ci_low_ms", "p50_ci_high_ms"),
        ("p95_ms", "p95_ci_low_ms", "p95_ci_high_ms"),
        ("p99_ms", "p99_ci_low_ms", "p99_ci_high_ms"),
        ("error_rate", "error_rate_ci_low", "error_rate_ci_high"),
        (
            "rejected_rate",
            "rejected_rate_ci_low",
            "rejected_rate_ci_high",
        ),
        (
            "timed_out_rate",
            "timed_out_rate_ci_low",
            "timed_out_rate_ci_high",
        ),
        ("failed_rate", "failed_rate_ci_low", "failed_rate_ci_high"),
    ] {
        assert!(
            value(lo) <= value(mean) && value(mean) <= value(hi),
            "{mean}: {} {} {}",
            value(lo),
            value(mean),
            value(hi)
        );
    }
    let res = std::fs::read_to_string(dir.join("out-resources.csv")).unwrap();
    assert!(res.starts_with(
        "variant,resource,utilization,utilization_ci_low,utilization_ci_high,mean_queue,\
         mean_queue_ci_low,mean_queue_ci_high\n"
    ));
    assert!(res.contains("main.1.cpu"));
    // Nothing else left in the directory (no temporary files).
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
}

#[test]
fn json_holds_the_run_figures_verdicts_and_settings() {
    let dir = temp_dir("json");
    let csv = dir.join("out.csv");
    let json = dir.join("out.json");
    let out = run_quick(&[
        "--set",
        "traffic.portal.slo={ p95 = \"800ms\" }",
        "--csv",
        csv.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.ends_with(&format!(
            "wrote {}, {} and {}\n",
            csv.display(),
            dir.join("out-resources.csv").display(),
            json.display()
        )),
        "{}",
        out.stdout
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(doc["schema_version"], 2);
    assert_eq!(doc["command"], "run");
    assert_eq!(doc["settings"]["replications"], 2);
    assert_eq!(doc["varied"], serde_json::json!([]));
    assert_eq!(doc["differences"], serde_json::json!([]));
    let v = &doc["variants"][0];
    assert_eq!(v["name"], "example2");
    let portal = &v["classes"][0];
    assert_eq!(portal["name"], "portal");
    assert_eq!(portal["kind"], "traffic");
    for key in [
        "throughput_rps",
        "mean_ms",
        "p50_ms",
        "p95_ms",
        "p99_ms",
        "error_rate",
        "rejected_rate",
        "timed_out_rate",
        "failed_rate",
    ] {
        let e = &portal[key];
        let (lo, mean, hi) = (
            e["ci_low"].as_f64().unwrap(),
            e["mean"].as_f64().unwrap(),
            e["ci_high"].as_f64().unwrap(),
        );
        assert!(lo <= mean && mean <= hi, "{key}: {e}");
    }
    let slo = &portal["slos"][0];
    assert_eq!(slo["figure"], "p95");
    assert_eq!(slo["limit_ms"], 800.0);
    assert_eq!(slo["met"], true);
    assert!(v["resources"][0]["utilization"]["mean"].is_f64());
    // The fingerprint follows the scenario text after overrides.
    let other = dir.join("other.json");
    let out = run_quick(&["--set", "front_ends=4", "--json", other.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let other: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&other).unwrap()).unwrap();
    assert_ne!(
        doc["settings"]["fingerprint"],
        other["settings"]["fingerprint"]
    );
}

#[test]
fn same_seed_same_csv_bytes_with_one_or_two_threads() {
    let dir = temp_dir("threads");
    let mut bytes = Vec::new();
    for threads in ["1", "2"] {
        let csv = dir.join(format!("t{threads}.csv"));
        let out = run_quick(&[
            "--threads",
            threads,
            "--seed",
            "7",
            "--csv",
            csv.to_str().unwrap(),
        ]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        bytes.push((
            std::fs::read(&csv).unwrap(),
            std::fs::read(dir.join(format!("t{threads}-resources.csv"))).unwrap(),
        ));
    }
    assert_eq!(bytes[0], bytes[1]);
}

#[test]
fn set_overrides_change_the_model() {
    let out = run_quick(&["--set", "front_ends=5"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("main.5.cpu"), "{}", out.stdout);
    assert!(!out.stdout.contains("main.6.cpu"));
}

#[test]
fn missing_output_directory_is_refused_before_simulating() {
    let out = run_quick(&["--csv", "/nonexistent-o11sim/out.csv"]);
    rejected(&out, &["/nonexistent-o11sim", "does not exist"]);
    assert!(
        out.stdout.is_empty(),
        "nothing should have run: {}",
        out.stdout
    );
}

const GOOD: &str = r#"
front_ends = 2

[simulation]
duration = "2m"
warmup = "10s"
replications = 2

[traffic.web]
rate = 50
cpu = "exp(10ms)"
"#;

#[test]
fn a_minimal_scenario_file_runs() {
    let dir = temp_dir("good");
    let f = write(&dir, "good.toml", GOOD);
    let out = o11sim(&["run", &f]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("web"));
}

#[test]
fn bad_scenarios_are_refused_with_position_field_and_what_is_allowed() {
    let dir = temp_dir("bad");
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "unknown-field.toml",
            GOOD.replace("rate = 50", "rate = 50\nspeed = 3"),
            vec!["unknown-field.toml:", "speed", "allowed"],
        ),
        (
            "wrong-type.toml",
            GOOD.replace("front_ends = 2", "front_ends = \"two\""),
            vec!["wrong-type.toml:", "front_ends"],
        ),
        (
            "zero.toml",
            GOOD.replace("front_ends = 2", "front_ends = 0"),
            vec!["zero.toml:", "front_ends"],
        ),
        (
            "negative-rate.toml",
            GOOD.replace("rate = 50", "rate = -5"),
            vec!["negative-rate.toml:", "rate"],
        ),
        (
            "unknown-zone.toml",
            GOOD.replace("rate = 50", "rate = 50\nzone = \"dmz\""),
            vec!["unknown-zone.toml:", "dmz"],
        ),
        (
            "bad-dist.toml",
            GOOD.replace("exp(10ms)", "expo(10ms)"),
            vec!["bad-dist.toml:", "cpu", "expo(10ms)", "exp(40ms)"],
        ),
        (
            "bad-duration.toml",
            GOOD.replace("duration = \"2m\"", "duration = \"2 parsecs\""),
            vec!["bad-duration.toml:", "duration", "parsecs"],
        ),
        (
            "bad-slo.toml",
            GOOD.replace("rate = 50", "rate = 50\nslo = { p90 = \"1s\" }"),
            vec!["bad-slo.toml:", "p90"],
        ),
        ("empty.toml", String::new(), vec!["empty.toml"]),
        (
            "unused-instance.toml",
            format!("{GOOD}\n[databases.reporting]\ncores = 2\n"),
            vec![
                "unused-instance.toml:",
                "databases.reporting",
                "no environment uses",
                "instance = \"reporting\"",
            ],
        ),
    ];
    for (name, text, needles) in cases {
        let f = write(&dir, name, &text);
        let out = o11sim(&["run", &f]);
        rejected(&out, &needles);
    }
}

/// A number in quotes is text, not a number too large to hold; and a
/// value with a leading zero on the command line (which TOML does not read
/// as a number) is refused for what it is.
#[test]
fn a_quoted_number_is_refused_as_text_not_as_too_large() {
    let dir = temp_dir("quoted");
    let cases = [
        (
            GOOD.replace("front_ends = 2", "front_ends = \"3\""),
            "quoted.toml:2:14: front_ends: expected a whole number, got the text \"3\": write the number without quotes (3)",
        ),
        (
            GOOD.replace("rate = 50", "rate = \"10\""),
            "quoted.toml:10:8: traffic.web.rate: expected a number, got the text \"10\": write the number without quotes (10)",
        ),
        (
            GOOD.replace("rate = 50", "rate = \"2.5\""),
            "quoted.toml:10:8: traffic.web.rate: expected a number, got the text \"2.5\": write the number without quotes (2.5)",
        ),
        (
            GOOD.replace("replications = 2", "replications = 2\nseed = \"1\""),
            "quoted.toml:8:8: simulation.seed: expected a whole number, got the text \"1\"",
        ),
    ];
    for (text, message) in cases {
        let f = write(&dir, "quoted.toml", &text);
        let out = o11sim(&["run", &f]);
        rejected(&out, &[message]);
        assert!(!out.stderr.contains("too large"), "{}", out.stderr);
    }
    let f = write(&dir, "good.toml", GOOD);
    let out = o11sim(&["run", &f, "--set", "database.nodes=\"2\""]);
    rejected(
        &out,
        &[
            "database.nodes=\"2\": expected a whole number, got the text \"2\": write the number without quotes (2)",
        ],
    );
    let out = o11sim(&["compare", &f, "--vary", "front_ends=2,03"]);
    rejected(
        &out,
        &[
            "front_ends=03: expected a whole number, got \"03\": write it without a leading zero (3)",
        ],
    );
    assert!(!out.stderr.contains("too large"), "{}", out.stderr);
    let out = o11sim(&["run", &f, "--set", "traffic.web.rate=07.5"]);
    rejected(
        &out,
        &["expected a number, got \"07.5\": write it without a leading zero (7.5)"],
    );
    // Too large is still said when it is so.
    let out = o11sim(&["run", &f, "--set", "front_ends=99999999999999999999"]);
    rejected(
        &out,
        &["99999999999999999999 is too large for a whole number"],
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_instance_left_unused_by_a_set_that_shares_another_is_accepted() {
    // Preset 1's question "Dev and QA on one SQL Server": dev_sql is then
    // unused, which is the point, not a mistake in the file.
    let out = o11sim(&[
        "run",
        "nonprod",
        "--set",
        "environments.dev.database.instance=qa_sql",
        "--duration",
        "1m",
        "--replications",
        "1",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn unreadable_inputs_are_refused_clearly() {
    let dir = temp_dir("unreadable");
    rejected(
        &o11sim(&["run", "/nonexistent/s.toml"]),
        &["/nonexistent/s.toml"],
    );
    rejected(&o11sim(&["run", dir.to_str().unwrap()]), &["directory"]);
    let p = dir.join("latin1.toml");
    std::fs::write(&p, b"[simulation]\nduration = \"2m\xe9\"\n").unwrap();
    rejected(
        &o11sim(&["run", p.to_str().unwrap()]),
        &["latin1.toml", "UTF-8"],
    );
}

#[test]
fn bad_options_are_refused() {
    rejected(
        &run_quick(&["--set", "no_such.key=3"]),
        &["--set", "no_such"],
    );
    rejected(&run_quick(&["--set", "front_ends"]), &["--set"]);
    rejected(&run_quick(&["--set", "front_ends=-1"]), &["front_ends"]);
    rejected(
        &o11sim(&["run", "--duration", "soon"]),
        &["--duration", "soon"],
    );
    rejected(
        &o11sim(&["run", "--replications", "0"]),
        &["--replications"],
    );
    rejected(&o11sim(&["run", "--frobnicate"]), &["--frobnicate"]);
    rejected(&o11sim(&["bench", "nosuchcase"]), &["nosuchcase", "mmc"]);
    rejected(&o11sim(&["validate", "--customers", "5"]), &["--customers"]);
    rejected(&o11sim(&["init", "example9"]), &["example9", "example1"]);
}

#[test]
fn presets_are_listed_and_init_writes_an_editable_copy() {
    let out = o11sim(&["presets"]);
    assert_eq!(out.code, 0);
    for p in ["example1", "example2", "example3", "example4", "production"] {
        assert!(out.stdout.contains(p), "{}", out.stdout);
    }
    let dir = temp_dir("init");
    let f = dir.join("mine.toml");
    let out = o11sim(&["init", "prod", f.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let written = std::fs::read_to_string(&f).unwrap();
    assert_eq!(
        written,
        std::fs::read_to_string("scenarios/example2-production.toml").unwrap()
    );
    rejected(
        &o11sim(&["init", "prod", f.to_str().unwrap()]),
        &["exists", "--force"],
    );
    assert_eq!(
        o11sim(&["init", "prod", f.to_str().unwrap(), "--force"]).code,
        0
    );
    let out = o11sim(&[
        "run",
        f.to_str().unwrap(),
        "--replications",
        "1",
        "--duration",
        "1m",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("n/a"),
        "one replication shows n/a CIs: {}",
        out.stdout
    );
    assert!(!out.stdout.contains("NaN"), "{}", out.stdout);
}

#[test]
fn csv_to_standard_output_keeps_the_report_on_standard_error() {
    let out = run_quick(&["--csv", "-"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut lines = out.stdout.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("variant,class,replications,")
    );
    assert!(lines.all(|l| l.starts_with("example2,")), "{}", out.stdout);
    assert!(
        out.stderr.contains("p95 (ms)"),
        "the table goes to stderr: {}",
        out.stderr
    );
}

#[test]
fn a_bad_duration_flag_is_named_as_that_flag() {
    let out = o11sim(&["run", "--duration", "0s"]);
    rejected(&out, &["--duration 0s", "longer than zero"]);
    assert!(!out.stderr.contains("--set"), "{}", out.stderr);
    let out = o11sim(&["run", "--warmup=-1s"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--warmup"), "{}", out.stderr);
}

#[test]
fn tables_line_up_under_their_headings() {
    let out = o11sim(&["presets"]);
    assert_eq!(out.code, 0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    let file_at = lines[0].find("file").unwrap();
    for l in &lines[1..] {
        assert!(
            l[file_at..].starts_with("example"),
            "the file column starts under its heading:\n{}",
            out.stdout
        );
    }
    let out = o11sim(&["validate", "--customers", "1000"]);
    let lines: Vec<&str> = out.stdout.lines().filter(|l| !l.is_empty()).collect();
    let result_at = lines[0].find("result").unwrap();
    let exact_end = lines[0].find("exact").unwrap() + "exact".len();
    for l in &lines[1..lines.len() - 1] {
        let verdict = &l[result_at..];
        assert!(
            verdict.starts_with("pass") || verdict.starts_with("FAIL"),
            "every verdict sits under `result`:\n{}",
            out.stdout
        );
        let b = l.as_bytes();
        assert!(
            b[exact_end - 1].is_ascii_digit() && b[exact_end] == b' ',
            "numbers end under `exact`:\n{}",
            out.stdout
        );
    }
}

#[test]
fn an_earlier_runs_timeline_and_failures_csv_do_not_stay_beside_a_new_set() {
    let dir = temp_dir("stale-csv");
    let csv = dir.join("r.csv");
    let csv = csv.to_str().unwrap();
    let first = run_quick(&[
        "--timeline",
        "1m",
        "--set",
        "failures=[{front_end=\"main.1\", at=\"30s\", duration=\"20s\"}]",
        "--csv",
        csv,
    ]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(dir.join("r-timeline.csv").exists());
    assert!(dir.join("r-failures.csv").exists());
    // Files that only look alike are the user's: left alone.
    std::fs::write(dir.join("q-timeline.csv"), "variant,window\n").unwrap();
    let second = run_quick(&["--csv", csv]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(!dir.join("r-timeline.csv").exists());
    assert!(!dir.join("r-failures.csv").exists());
    assert!(
        second
            .stderr
            .contains("r-timeline.csv, an earlier run's: this run has no timeline"),
        "{}",
        second.stderr
    );
    assert!(dir.join("r.csv").exists() && dir.join("r-resources.csv").exists());
    assert!(dir.join("q-timeline.csv").exists());
    // A header with a column of the user's added is not o11sim's: kept.
    let third = run_quick(&["--timeline", "1m", "--csv", csv]);
    assert_eq!(third.code, 0, "{}", third.stderr);
    let timeline = dir.join("r-timeline.csv");
    let text = std::fs::read_to_string(&timeline).unwrap();
    std::fs::write(&timeline, text.replacen('\n', ",note\n", 1)).unwrap();
    let fourth = run_quick(&["--csv", csv]);
    assert_eq!(fourth.code, 0, "{}", fourth.stderr);
    assert!(timeline.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
