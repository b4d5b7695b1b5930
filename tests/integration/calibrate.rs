//! `calibrate`'s round trip: simulate a known installation, write the IIS
//! logs and performance counters it would leave (`calibrate::synth`), read
//! them back through the real parsers, and compare what the fit recovers
//! with the truth; then the calibration check.

use std::path::PathBuf;

use o11sim::calibrate::input::{InputSpec, observe};
use o11sim::calibrate::synth::{SynthSpec, synthesize};
use o11sim::calibrate::{check, fit, write};
use o11sim::engine::StreamSeeds;
use o11sim::experiment::{Budget, Silent};
use o11sim::scenario::{self, Source};

/// Midnight UTC, 2025-11-27.
const EPOCH: i64 = 1_764_201_600;

/// The truth: two classes whose hourly profiles differ (the portal peaks at
/// 01:00, the back office at 00:00 and 03:00), on 3 front-ends of 2 cores
/// and a 4-core database. Four hours are simulated.
const TRUTH: &str = r#"
kind = "production"
front_ends = 3

[simulation]
duration = "4h"
warmup = "0s"
replications = 2
seed = 11

[front_end]
cores = 2

[database]
cores = 4
nodes = 1

[traffic.portal]
rate = 30
profile = [0.4, 1.0, 0.7, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
cpu = "lognormal(mean=20ms, cv=1)"
db_calls = 2
db_time = "exp(3ms)"

[traffic.backoffice]
rate = 10
profile = [1.0, 0.5, 0.3, 0.8, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
cpu = "lognormal(mean=60ms, cv=1)"
db_calls = 2
db_time = "exp(5ms)"
"#;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("o11sim-calibrate-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn rel(got: f64, want: f64) -> f64 {
    (got - want).abs() / want
}

#[test]
fn round_trip_recovers_rates_demands_and_p95() {
    let dir = scratch("roundtrip");
    let truth = scenario::load_str("truth.toml", TRUTH, &[]).unwrap();
    let model = &truth.model;
    let spec = SynthSpec {
        epoch: EPOCH,
        sample: 60.0,
        front_end_hosts: vec!["FE1".into(), "FE2".into(), "FE3".into()],
        database_hosts: vec!["SQL1".into()],
        urls: vec![
            "/Portal/screenservices/Portal/MainFlow/Home/DataActionGetItems".into(),
            "/BackOffice/Orders.aspx".into(),
        ],
    };
    let synth = synthesize(model, StreamSeeds::new(3, 0), &dir, &spec).unwrap();
    assert!(synth.lines.iter().all(|&n| n > 50_000), "{:?}", synth.lines);

    let input = InputSpec {
        iis: ["FE1", "FE2", "FE3"].iter().map(|h| dir.join(h)).collect(),
        perfmon: vec![synth.counters.clone()],
        jmeter: Vec::new(),
        servers: vec![
            ("FE1".into(), "main.1".into()),
            ("FE2".into(), "main.2".into()),
            ("FE3".into(), "main.3".into()),
            ("SQL1".into(), "production".into()),
        ],
        classes: None,
        drop_static: false,
        interval: 60.0,
        environment: None,
    };
    let fes: Vec<String> = model.front_ends.iter().map(|f| f.name.clone()).collect();
    let dbs: Vec<String> = model.databases.iter().map(|d| d.name.clone()).collect();
    let obs = observe(&input, &fes, &[], &dbs).unwrap();
    assert_eq!(obs.skipped.count, 0);
    let cal = fit::calibrate(&obs, model).unwrap();
    let class = |name: &str| {
        let k = cal
            .classes
            .iter()
            .position(|c| c.name == name)
            .unwrap_or_else(|| {
                panic!(
                    "no class {name}: {:?}",
                    cal.classes.iter().map(|c| &c.name).collect::<Vec<_>>()
                )
            });
        (k, &cal.classes[k])
    };
    let fe_fit = cal
        .front_end
        .as_ref()
        .expect("front-end counters were given");
    let db_fit = cal.databases.first().expect("database counters were given");
    // (name, true peak rate, peak hour, true CPU, true database time per request)
    let truths = [
        ("portal", 30.0, 1, 0.020, 0.006),
        ("backoffice", 10.0, 0, 0.060, 0.010),
    ];
    let mut lines = Vec::new();
    for (name, rate, hour, cpu, db) in truths {
        let (k, c) = class(name);
        let d = fe_fit.demand[k].unwrap();
        let dd = db_fit.demand[k].unwrap();
        lines.push(format!(
            "{name}: rate {:.3}/s (true {rate}), peak hour {} (true {hour}), cpu {:.2} ms ± {:.2} (true {}), db {:.2} ms ± {:.2} (true {}), residual {:.2} ms",
            c.rate,
            c.peak_hour,
            d * 1e3,
            fe_fit.se[k] * 1e3,
            cpu * 1e3,
            dd * 1e3,
            db_fit.se[k] * 1e3,
            db * 1e3,
            c.residual * 1e3
        ));
        assert_eq!(c.peak_hour, hour, "{lines:?}");
        assert!(rel(c.rate, rate) < 0.03, "{lines:?}");
        assert!(rel(d, cpu) < 0.10, "{lines:?}");
        assert!(rel(dd, db) < 0.10, "{lines:?}");
    }
    eprintln!("{}", lines.join("\n"));
    eprintln!(
        "front-end fit R² {:.4}, database fit R² {:.4}",
        fe_fit.r2, db_fit.r2
    );
    assert!(fe_fit.r2 > 0.8 && fe_fit.warnings.is_empty(), "{fe_fit:?}");

    // The written scenario loads and runs like any scenario.
    let base = Source::parse("truth.toml", TRUTH).unwrap();
    let written = write::scenario_text(&base, model, &obs, &cal).unwrap();
    let out = dir.join("calibrated.toml");
    std::fs::write(&out, &written.text).unwrap();
    let loaded = scenario::load(out.to_str().unwrap(), &[]).unwrap();
    assert_eq!(loaded.model.classes.len(), 2, "{}", written.text);
    assert!(
        !written.text.contains("[traffic.portal]\nrate = 30\n"),
        "{}",
        written.text
    );
    assert!(written.text.contains("R²"), "{}", written.text);
    let run = o11sim::model::sim::simulate(&loaded.model, StreamSeeds::new(1, 0));
    assert!(run.classes[0].outcomes.ok > 0);

    // The calibration check: simulated p95 within 10 % of observed.
    let chk = check::check(
        out.to_str().unwrap(),
        &written,
        &obs,
        &cal,
        Some(2),
        Budget::UNLIMITED,
        &Silent,
    )
    .unwrap();
    eprintln!("{}", check::text(&chk));
    for c in &chk.classes {
        assert!(
            c.p95.relative_error().abs() < 0.10,
            "{}: simulated p95 {} observed {}",
            c.name,
            c.p95.simulated,
            c.p95.observed
        );
        assert!(c.throughput.relative_error().abs() < 0.03, "{c:?}");
    }
    for s in &chk.servers {
        assert!(s.utilization.relative_error().abs() < 0.10, "{s:?}");
    }
    let csv = check::csv(&chk);
    assert!(csv.starts_with("kind,name,figure,unit,simulated,observed,relative_error\n"));
    assert_eq!(csv.lines().count(), 1 + 4 * 2 + 4);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Classes whose rates move together cannot be told apart: the fit says so,
/// naming them.
#[test]
fn collinear_classes_are_reported() {
    let dir = scratch("collinear");
    // Both classes follow one profile that swings tenfold from hour to
    // hour: their rates move together, up to Poisson noise.
    let text = TRUTH
        .replace(
            "profile = [1.0, 0.5, 0.3, 0.8,",
            "profile = [0.1, 1.0, 0.1, 1.0,",
        )
        .replace(
            "profile = [0.4, 1.0, 0.7, 0.5,",
            "profile = [0.1, 1.0, 0.1, 1.0,",
        );
    let truth = scenario::load_str("truth.toml", &text, &[]).unwrap();
    let spec = SynthSpec {
        epoch: EPOCH,
        sample: 60.0,
        front_end_hosts: vec!["FE1".into(), "FE2".into(), "FE3".into()],
        database_hosts: vec!["SQL1".into()],
        urls: vec!["/Portal/Home.aspx".into(), "/BackOffice/Orders.aspx".into()],
    };
    let model = truth.model.clone();
    synthesize(&model, StreamSeeds::new(5, 0), &dir, &spec).unwrap();
    let input = InputSpec {
        iis: ["FE1", "FE2", "FE3"].iter().map(|h| dir.join(h)).collect(),
        perfmon: vec![dir.join("counters.csv")],
        servers: vec![
            ("FE1".into(), "main.1".into()),
            ("FE2".into(), "main.2".into()),
            ("FE3".into(), "main.3".into()),
            ("SQL1".into(), "production".into()),
        ],
        interval: 60.0,
        ..InputSpec::default()
    };
    let fes: Vec<String> = model.front_ends.iter().map(|f| f.name.clone()).collect();
    let obs = observe(&input, &fes, &[], &["production".into()]).unwrap();
    let cal = fit::calibrate(&obs, &model).unwrap();
    let warnings = &cal.front_end.as_ref().unwrap().warnings;
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("portal") && w.contains("backoffice")),
        "{warnings:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The command on the committed sample data (`examples/calibrate/`,
/// generated by `cargo run --release --example calibrate_sample`): the
/// scenario and the check's CSV are written, the scenario loads, and the
/// check's figures are printed; a log with no usable line is exit 2 and
/// writes nothing.
#[test]
fn cli_calibrates_the_sample_data() {
    use crate::common::{o11sim, rejected, temp_dir};
    let dir = temp_dir("calibrate-cli");
    let out = dir.join("mine.toml");
    let report = dir.join("check.csv");
    let ex = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/calibrate");
    let fe = |n: &str| ex.join(n).to_str().unwrap().to_owned();
    let counters = ex.join("counters.csv").to_str().unwrap().to_owned();
    let (fe1, fe2, fe3) = (fe("FE1"), fe("FE2"), fe("FE3"));
    let args = [
        "calibrate",
        "prod",
        "--iis",
        &fe1,
        &fe2,
        &fe3,
        "--perfmon",
        &counters,
        "--replications",
        "2",
        "--out",
        out.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ];
    let r = o11sim(&args);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    for needle in [
        "shop",
        "backoffice",
        "cpu (ms) ± SE",
        "Calibration check",
        "p95 (ms)",
        "main.1.cpu (FE1)",
    ] {
        assert!(r.stdout.contains(needle), "{needle}: {}", r.stdout);
    }
    let sc = scenario::load(out.to_str().unwrap(), &[]).unwrap();
    let names: Vec<&str> = sc.model.classes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["shop", "backoffice"]);
    let csv = std::fs::read_to_string(&report).unwrap();
    assert!(csv.contains("class,shop,p95,s,"), "{csv}");
    // The generated installation ran no timer: the fit finds no
    // background, so the preset's timers kept in the written scenario are
    // named, and the check's front-ends run hotter by about their load.
    let warning = "warning: the base's timer send_notifications, timer sync_erp kept in the written scenario put 0.022 busy cores on each front-end on average, while the counters leave 0.000 unexplained";
    assert!(r.stdout.contains(warning), "{}", r.stdout);
    let fe_error = |csv: &str| -> f64 {
        let line = csv
            .lines()
            .find(|l| l.starts_with("server,main.1.cpu,utilization,"))
            .unwrap();
        line.rsplit(',').next().unwrap().parse().unwrap()
    };
    assert!(fe_error(&csv) > 0.15, "{csv}");
    // The same base without its timers: no warning, and the check's
    // front-end CPU agrees with the counters.
    let base = dir.join("no-timers.toml");
    let r = o11sim(&["init", "prod", base.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(&base).unwrap();
    let kept: Vec<&str> = text
        .split_inclusive('\n')
        .scan(false, |in_timer, line| {
            if line.starts_with('[') {
                *in_timer = line.starts_with("[timers.");
            }
            Some((!*in_timer).then_some(line))
        })
        .flatten()
        .collect();
    std::fs::write(&base, kept.concat()).unwrap();
    let mut no_timers = args;
    no_timers[1] = base.to_str().unwrap();
    let r = o11sim(&no_timers);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        !r.stdout.contains("kept in the written scenario"),
        "{}",
        r.stdout
    );
    let csv = std::fs::read_to_string(&report).unwrap();
    assert!(fe_error(&csv).abs() < 0.05, "{csv}");

    // No usable line: exit 2, nothing written.
    let bad = dir.join("bad.log");
    std::fs::write(
        &bad,
        "#Fields: date time cs-uri-stem sc-status time-taken\nnot a line\n",
    )
    .unwrap();
    let out2 = dir.join("never.toml");
    let r = o11sim(&[
        "calibrate",
        "prod",
        "--iis",
        bad.to_str().unwrap(),
        "--out",
        out2.to_str().unwrap(),
    ]);
    rejected(&r, &["bad.log"]);
    assert!(!out2.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Response time the CPU and database do not explain (here an ERP call of
/// 80 ms on average per back-office request) comes back as an integration
/// wait, and the check then reproduces the back office's mean and p95.
#[test]
fn unexplained_response_time_becomes_an_integration_wait() {
    let dir = scratch("residual");
    let text = TRUTH.replace(
        "db_time = \"exp(5ms)\"",
        "db_time = \"exp(5ms)\"\nintegrations = [{ system = \"erp\", time = \"exp(80ms)\" }]\n\n[external.erp]",
    );
    let truth = scenario::load_str("truth.toml", &text, &[]).unwrap();
    let model = &truth.model;
    let spec = SynthSpec {
        epoch: EPOCH,
        sample: 60.0,
        front_end_hosts: vec!["FE1".into(), "FE2".into(), "FE3".into()],
        database_hosts: vec!["SQL1".into()],
        urls: vec!["/Portal/Home.aspx".into(), "/BackOffice/Orders.aspx".into()],
    };
    synthesize(model, StreamSeeds::new(9, 0), &dir, &spec).unwrap();
    let input = InputSpec {
        iis: ["FE1", "FE2", "FE3"].iter().map(|h| dir.join(h)).collect(),
        perfmon: vec![dir.join("counters.csv")],
        servers: vec![("SQL1".into(), "production".into())],
        interval: 60.0,
        ..InputSpec::default()
    };
    let fes: Vec<String> = model.front_ends.iter().map(|f| f.name.clone()).collect();
    let obs = observe(&input, &fes, &[], &["production".into()]).unwrap();
    let cal = fit::calibrate(&obs, model).unwrap();
    let back = cal.classes.iter().find(|c| c.name == "backoffice").unwrap();
    let portal = cal.classes.iter().find(|c| c.name == "portal").unwrap();
    eprintln!(
        "residual: backoffice {:.1} ms (true 80), portal {:.1} ms (true 0)",
        back.residual * 1e3,
        portal.residual * 1e3
    );
    assert!(rel(back.residual, 0.080) < 0.10, "{back:?}");
    assert!(portal.residual.abs() < 0.005, "{portal:?}");
    // The base without the ERP: the residual stands for it.
    let base = Source::parse("truth.toml", TRUTH).unwrap();
    let base_model = base.build(&[]).unwrap().model;
    let written = write::scenario_text(&base, &base_model, &obs, &cal).unwrap();
    assert!(
        written.text.contains("system = \"residual\""),
        "{}",
        written.text
    );
    assert_eq!(
        written.text.matches("system = \"residual\"").count(),
        1,
        "{}",
        written.text
    );
    assert!(
        written.text.contains("[external.residual]"),
        "{}",
        written.text
    );
    let chk = check::check(
        "calibrated.toml",
        &written,
        &obs,
        &cal,
        Some(2),
        Budget::UNLIMITED,
        &Silent,
    )
    .unwrap();
    eprintln!("{}", check::text(&chk));
    for c in &chk.classes {
        assert!(c.mean.relative_error().abs() < 0.05, "{c:?}");
        assert!(c.p95.relative_error().abs() < 0.10, "{c:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A small base: two front-ends of 2 cores and a 4-core database; its
/// traffic is replaced by the calibration.
const SMALL_BASE: &str = r#"
kind = "production"
front_ends = 2

[simulation]
duration = "1h"
warmup = "5m"
replications = 2
seed = 7

[front_end]
cores = 2

[database]
cores = 4

[traffic.portal]
rate = 10
cpu = "exp(10ms)"
"#;

/// An IIS log of one request of `stem` every `step` seconds, `n` of them,
/// the first at `first` (Unix seconds), each taking `taken_ms`.
fn steady_log(first: i64, n: usize, step: i64, stem: &str, taken_ms: u32) -> String {
    let (y, m, d, ..) = o11sim::calibrate::synth::civil(first);
    let mut out = format!(
        "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n#Date: {y:04}-{m:02}-{d:02} 00:00:00\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n"
    );
    for k in 0..n as i64 {
        let (y, m, d, h, mi, s) = o11sim::calibrate::synth::civil(first + k * step);
        out.push_str(&format!(
            "{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02} 10.0.0.4 GET {stem} - 443 - 10.0.1.9 UA - 200 0 0 {taken_ms}\n"
        ));
    }
    out
}

/// Observes `input` against [`SMALL_BASE`] and fits it.
fn calibrate_small(input: &InputSpec) -> (o11sim::calibrate::Observed, fit::Calibration) {
    let base = scenario::load_str("base.toml", SMALL_BASE, &[]).unwrap();
    let fes: Vec<String> = base
        .model
        .front_ends
        .iter()
        .map(|f| f.name.clone())
        .collect();
    let dbs: Vec<String> = base
        .model
        .databases
        .iter()
        .map(|d| d.name.clone())
        .collect();
    let obs = observe(input, &fes, &[], &dbs).unwrap();
    let cal = fit::calibrate(&obs, &base.model).unwrap();
    (obs, cal)
}

/// The hourly rates are counted over the seconds the data covers, so
/// `--interval` (which only shapes the CPU fit) changes neither the rate,
/// nor the peak hour, nor the profile, nor the observed window.
#[test]
fn interval_changes_neither_rates_nor_profile() {
    let dir = scratch("interval");
    // One request every 10 s for an hour, from 10:30:00 and from 10:14:00.
    for (name, first) in [("half", 10 * 3600 + 1800), ("late", 10 * 3600 + 840)] {
        let log = dir.join(format!("{name}.log"));
        std::fs::write(&log, steady_log(EPOCH + first, 360, 10, "/Orders/Home", 50)).unwrap();
        let mut seen = Vec::new();
        for interval in [60.0, 900.0, 3600.0] {
            let input = InputSpec {
                iis: vec![log.clone()],
                interval,
                ..InputSpec::default()
            };
            let (_, cal) = calibrate_small(&input);
            let c = &cal.classes[0];
            let what = format!(
                "{name}, --interval {interval}: rate {}, peak {}, profile {:?}, throughput {}, window {} + {}",
                c.rate, c.peak_hour, c.profile, c.throughput, cal.start, cal.span
            );
            assert!((c.rate - 0.1).abs() < 1e-9, "{what}");
            assert_eq!(c.peak_hour, 10, "{what}");
            assert!((c.profile[10] - 1.0).abs() < 1e-9, "{what}");
            assert!((c.profile[11] - 1.0).abs() < 1e-9, "{what}");
            assert!((c.throughput - 0.1).abs() < 1e-9, "{what}");
            assert_eq!((cal.start, cal.span), (EPOCH + first, 3600.0), "{what}");
            seen.push((c.rate, c.profile, cal.start, cal.span));
        }
        assert!(seen.windows(2).all(|w| w[0] == w[1]), "{name}: {seen:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Several days of logs: the written scenario simulates one day of the
/// mean profile, and the check's observed throughput is that day's, not
/// the requests over the whole span of the logs.
#[test]
fn several_days_are_checked_as_one_mean_day() {
    let dir = scratch("days");
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    // Seven days, each with one request every 10 s from 10:00 to 10:59:50.
    for day in 0..7 {
        let first = EPOCH + day * 86_400 + 10 * 3600;
        let (y, m, d, ..) = o11sim::calibrate::synth::civil(first);
        std::fs::write(
            logs.join(format!("u_ex{:02}{m:02}{d:02}.log", y % 100)),
            steady_log(first, 360, 10, "/Orders/Home", 50),
        )
        .unwrap();
    }
    let input = InputSpec {
        iis: vec![logs],
        interval: 60.0,
        ..InputSpec::default()
    };
    let (obs, cal) = calibrate_small(&input);
    let c = &cal.classes[0];
    assert!((c.rate - 0.1).abs() < 1e-9, "{c:?}");
    // One hour a day at 0.1/s, over the simulated day.
    let day = 360.0 / 86_400.0;
    assert!((c.throughput - day).abs() < 1e-12, "{c:?}");
    let base = Source::parse("base.toml", SMALL_BASE).unwrap();
    let model = base.build(&[]).unwrap().model;
    let written = write::scenario_text(&base, &model, &obs, &cal).unwrap();
    assert!(
        written
            .text
            .contains("warmup = \"36000s\"\nduration = \"86400s\"\n"),
        "{}",
        written.text
    );
    let chk = check::check(
        "calibrated.toml",
        &written,
        &obs,
        &cal,
        Some(4),
        Budget::UNLIMITED,
        &Silent,
    )
    .unwrap();
    let t = &chk.classes[0].throughput;
    // 4 replications of about 360 requests: the Poisson noise is about 2.6 %.
    assert!(t.relative_error().abs() < 0.08, "{}", check::text(&chk));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A JMeter result file: `threads` threads, each running the samplers
/// `Step 1..=steps` in turn (step k takes 100 + 100 k ms, then 800 ms of
/// think time) for `seconds`, thread n starting n × 100 ms after `t0_ms`.
fn load_test(threads: usize, steps: usize, seconds: u64, t0_ms: u64) -> String {
    let mut rows: Vec<(u64, String)> = Vec::new();
    let stop = t0_ms + seconds * 1000;
    for th in 0..threads {
        let mut t = t0_ms + th as u64 * 100;
        'thread: loop {
            for k in 1..=steps {
                let el = 100 + 100 * k as u64;
                if t + el > stop {
                    break 'thread;
                }
                rows.push((
                    t + el,
                    format!(
                        "{t},{el},Step {k},200,OK,Thread Group 1-{},text,true,,1000,100,{threads},{threads}",
                        th + 1
                    ),
                ));
                t += el + 800;
            }
        }
    }
    rows.sort();
    let mut out = String::from(
        "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,sentBytes,grpThreads,allThreads\n",
    );
    for (_, r) in rows {
        out.push_str(&r);
        out.push('\n');
    }
    out
}

/// A load test's classes are written as closed populations that issue the
/// observed throughput: whole users (one thread through four samplers is a
/// quarter of a user per class), each thinking so that users / (think +
/// response) is the class's throughput; files of concurrent load generators
/// overlap in time, so their lengths are not summed.
#[test]
fn load_test_populations_reproduce_the_throughput() {
    let dir = scratch("jmeter");
    // 2026-11-27 12:00 UTC.
    let t0 = 1_795_780_800_000u64;
    let one = dir.join("one.jtl");
    std::fs::write(&one, load_test(1, 4, 1800, t0)).unwrap();
    let (g1, g2) = (dir.join("gen1.jtl"), dir.join("gen2.jtl"));
    std::fs::write(&g1, load_test(5, 2, 1800, t0)).unwrap();
    std::fs::write(&g2, load_test(5, 2, 1800, t0)).unwrap();
    let base = Source::parse("base.toml", SMALL_BASE).unwrap();
    let model = base.build(&[]).unwrap().model;
    for (files, users) in [(vec![one], 1), (vec![g1, g2], 10)] {
        let input = InputSpec {
            jmeter: files.clone(),
            interval: 60.0,
            ..InputSpec::default()
        };
        let (obs, cal) = calibrate_small(&input);
        let written = write::scenario_text(&base, &model, &obs, &cal).unwrap();
        let loaded = scenario::load_str("calibrated.toml", &written.text, &[]).unwrap();
        let total_users: u64 = loaded
            .model
            .classes
            .iter()
            .map(|c| match &c.arrivals {
                o11sim::model::Arrivals::Closed { users, .. } => u64::from(*users),
                other => panic!("{other:?}"),
            })
            .sum();
        let chk = check::check(
            "calibrated.toml",
            &written,
            &obs,
            &cal,
            Some(4),
            Budget::UNLIMITED,
            &Silent,
        )
        .unwrap();
        let text = format!("{files:?}\n{}\n{}", written.text, check::text(&chk));
        // A cycle of step 1 and step 2 (0.2 + 0.8 + 0.3 + 0.8 s) by 10 threads.
        if users == 10 {
            for c in &cal.classes {
                assert!((c.throughput - 10.0 / 2.1).abs() < 0.02, "{text}");
            }
        }
        assert!(total_users >= users, "{text}");
        for c in &chk.classes {
            assert!(c.throughput.relative_error().abs() < 0.05, "{text}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Counters that give the fit no interval are an error naming the file,
/// the server and both time spans, not a silent fallback to the default CPU
/// (and a check comparing with "NaN %").
#[test]
fn counters_outside_the_requests_are_refused() {
    use crate::common::{o11sim, rejected};
    let dir = scratch("counters");
    let base = dir.join("base.toml");
    std::fs::write(&base, SMALL_BASE).unwrap();
    // Two front-ends' logs from 10:00 to 11:00, one request every 2 s.
    let logs: Vec<String> = ["FE1", "FE2"]
        .iter()
        .map(|h| {
            let d = dir.join(h);
            std::fs::create_dir_all(&d).unwrap();
            let p = d.join("u_ex251127.log");
            std::fs::write(&p, steady_log(EPOCH + 36_000, 1800, 2, "/Orders/Home", 80)).unwrap();
            p.to_str().unwrap().to_owned()
        })
        .collect();
    // Counters every 15 s over that hour (UTC), or over the next day's.
    let counters = |name: &str, day: i64| {
        let mut text = String::from(
            "\"(PDH-CSV 4.0) (Coordinated Universal Time)(0)\",\"\\\\FE1\\Processor(_Total)\\% Processor Time\",\"\\\\FE2\\Processor(_Total)\\% Processor Time\"\r\n",
        );
        for k in 1..=240 {
            let (y, m, d, h, mi, s) =
                o11sim::calibrate::synth::civil(EPOCH + day * 86_400 + 36_000 + 15 * k);
            text.push_str(&format!(
                "\"{m:02}/{d:02}/{y:04} {h:02}:{mi:02}:{s:02}.000\",\"{}\",\"{}\"\r\n",
                10 + k % 7,
                12 + k % 5
            ));
        }
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_owned()
    };
    let same_day = counters("counters.csv", 0);
    let next_day = counters("counters-nextday.csv", 1);
    let out = dir.join("out.toml");
    let run = |perfmon: &str, interval: &str| {
        o11sim(&[
            "calibrate",
            base.to_str().unwrap(),
            "--iis",
            &logs[0],
            &logs[1],
            "--server",
            "FE1=main.1",
            "--server",
            "FE2=main.2",
            "--perfmon",
            perfmon,
            "--interval",
            interval,
            "--replications",
            "1",
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let r = run(&next_day, "60s");
    rejected(
        &r,
        &[
            "counters-nextday.csv",
            "FE1",
            "2025-11-28 10:00",
            "2025-11-27 10:00 to 2025-11-27 11:00",
            "do not overlap",
        ],
    );
    assert!(!r.stdout.contains("NaN"), "{}", r.stdout);
    assert!(!out.exists());
    let r = run(&same_day, "30m");
    rejected(&r, &["counters.csv", "FE1", "--interval"]);
    assert!(!out.exists());
    // The same counters with the default interval: calibrated, no NaN.
    let r = run(&same_day, "60s");
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(!r.stdout.contains("NaN"), "{}", r.stdout);
    assert!(!r.stdout.contains("no front-end counters"), "{}", r.stdout);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Without counters the written scenario keeps default demands (the sizing
/// guide's CPU, the schema's database calls); the leftover wait is computed
/// with them, and they are scaled down when they do not fit in the observed
/// mean, so the check reproduces the observed mean response.
#[test]
fn without_counters_the_written_demands_fit_the_observed_mean() {
    let dir = scratch("defaults");
    let logs = dir.join("FE1");
    std::fs::create_dir_all(&logs).unwrap();
    // 50 ms requests every 10 s, and 10 ms static files (no more than the
    // network both ways) every 20 s, for an hour.
    let mut text = steady_log(EPOCH + 36_000, 360, 10, "/Orders/Home", 50);
    let files = steady_log(EPOCH + 36_005, 180, 20, "/Orders/css/app.css", 10);
    text.push_str(
        &files
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| format!("{l}\n"))
            .collect::<String>(),
    );
    std::fs::write(logs.join("u_ex251127.log"), text).unwrap();
    let input = InputSpec {
        iis: vec![logs],
        interval: 60.0,
        ..InputSpec::default()
    };
    let (obs, cal) = calibrate_small(&input);
    let base = Source::parse("base.toml", SMALL_BASE).unwrap();
    let model = base.build(&[]).unwrap().model;
    let written = write::scenario_text(&base, &model, &obs, &cal).unwrap();
    let chk = check::check(
        "calibrated.toml",
        &written,
        &obs,
        &cal,
        Some(4),
        Budget::UNLIMITED,
        &Silent,
    )
    .unwrap();
    let text = format!("{}\n{}", written.text, check::text(&chk));
    assert!(text.contains("cpu = \"0s\""), "{text}");
    assert_eq!(chk.classes.len(), 2, "{text}");
    for c in &chk.classes {
        assert!(c.mean.relative_error().abs() < 0.05, "{text}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_module_called_once_a_week_keeps_its_rate_in_the_written_scenario() {
    use crate::common::{o11sim, temp_dir};
    // Seven daily logs of one front-end: /Orders/Home every 10 s from 10:00
    // to 11:00, and /Rare/Home once in the whole week.
    let dir = temp_dir("calibrate-rare");
    let logs = dir.join("FE1");
    std::fs::create_dir_all(&logs).unwrap();
    for day in 0..7 {
        let mut text = String::from("#Fields: date time cs-uri-stem sc-status time-taken\n");
        for s in (0..3600).step_by(10) {
            text.push_str(&format!(
                "2026-11-{:02} 10:{:02}:{:02} /Orders/Home 200 50\n",
                20 + day,
                s / 60,
                s % 60
            ));
        }
        if day == 6 {
            text.push_str("2026-11-26 10:59:55 /Rare/Home 200 50\n");
        }
        std::fs::write(logs.join(format!("u_ex2611{:02}.log", 20 + day)), text).unwrap();
    }
    let out = dir.join("mine.toml");
    let r = o11sim(&[
        "calibrate",
        "prod",
        "--iis",
        logs.to_str().unwrap(),
        "--replications",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let sc = scenario::load(out.to_str().unwrap(), &[]).unwrap();
    let rate = |name: &str| {
        let c = sc.model.classes.iter().find(|c| c.name == name).unwrap();
        match &c.arrivals {
            o11sim::model::spec::Arrivals::Open { rate, .. } => *rate,
            other => panic!("{other:?}"),
        }
    };
    assert!(rel(rate("orders"), 0.1) < 1e-5, "{}", rate("orders"));
    // One request in the seven 10:00 hours the logs cover.
    let rare = rate("rare");
    assert!(rel(rare, 1.0 / (7.0 * 3600.0)) < 1e-5, "{rare}");
}

#[test]
fn calibrate_to_standard_output_writes_only_the_scenario_there_and_outputs_are_distinct() {
    use crate::common::{o11sim, rejected, temp_dir};
    let dir = temp_dir("calibrate-stdout");
    let ex = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/calibrate");
    let fe1 = ex.join("FE1").to_str().unwrap().to_owned();
    let r = o11sim(&[
        "calibrate",
        "prod",
        "--iis",
        &fe1,
        "--replications",
        "2",
        "--out",
        "-",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // What is piped loads as a scenario; the estimates and the check went
    // to standard error.
    let sc = scenario::load_str("piped.toml", &r.stdout, &[]).unwrap_or_else(|e| panic!("{e}"));
    assert!(!sc.model.classes.is_empty());
    assert!(r.stderr.contains("Calibration check"), "{}", r.stderr);
    assert!(r.stderr.contains("wrote standard output"), "{}", r.stderr);
    // One file for both outputs is refused before anything runs.
    let same = dir.join("same.out");
    let s = same.to_str().unwrap();
    let out = o11sim(&[
        "calibrate",
        "prod",
        "--iis",
        &fe1,
        "--out",
        s,
        "--report",
        s,
    ]);
    rejected(&out, &["--report", "--out", "its own file"]);
    assert!(!same.exists());
    let out = o11sim(&[
        "calibrate",
        "prod",
        "--iis",
        &fe1,
        "--out",
        "-",
        "--report",
        "-",
    ]);
    rejected(&out, &["standard output"]);
}

/// `--out` and `--report` naming one file in two spellings (`x.toml` and
/// `./x.toml`, or through `..`) passed the check, which compared the
/// arguments as written: the command said "wrote x.toml and ./x.toml", and
/// the scenario was lost under the report's CSV. The same file however
/// spelled is refused before anything runs.
#[test]
fn out_and_report_spelled_differently_as_one_file_are_refused() {
    use crate::common::{o11sim, rejected, temp_dir};
    let dir = temp_dir("calibrate-same-file");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let ex = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/calibrate");
    let fe1 = ex.join("FE1").to_str().unwrap().to_owned();
    let plain = dir.join("x.toml");
    let roundabout = dir.join("sub").join("..").join("x.toml");
    let out = o11sim(&[
        "calibrate",
        "prod",
        "--iis",
        &fe1,
        "--replications",
        "1",
        "--out",
        plain.to_str().unwrap(),
        "--report",
        roundabout.to_str().unwrap(),
    ]);
    rejected(&out, &["--report", "--out", "its own file"]);
    assert!(!plain.exists());
}

/// An output onto a log file inside a directory given to `--iis` was not
/// caught (only the arguments themselves were compared): the log was
/// replaced by the written scenario, exit status 0. It is refused like an
/// output onto any other input, before anything runs.
#[test]
fn an_output_onto_a_log_inside_an_iis_directory_is_refused() {
    use crate::common::{o11sim, rejected, temp_dir};
    let dir = temp_dir("calibrate-out-in-logs");
    let logs = dir.join("FE1");
    std::fs::create_dir_all(&logs).unwrap();
    let log = logs.join("u_ex251127.log");
    let text = steady_log(EPOCH + 36_000, 600, 2, "/Orders/Home", 80);
    std::fs::write(&log, &text).unwrap();
    let out = o11sim(&[
        "calibrate",
        "prod",
        "--iis",
        logs.to_str().unwrap(),
        "--replications",
        "1",
        "--out",
        log.to_str().unwrap(),
    ]);
    rejected(&out, &["u_ex251127.log", "would destroy the input"]);
    assert_eq!(std::fs::read_to_string(&log).unwrap(), text);
}

/// Dev and QA logs of a base with both environments: the same module on
/// both is two loads, each written into its own environment with its own
/// rate, and checked on its own; a module seen in one keeps its name.
#[test]
fn a_module_logged_in_two_environments_is_one_class_in_each() {
    use crate::common::{o11sim, temp_dir};
    let dir = temp_dir("calibrate-environments");
    // /Orders/Home every 2 s on Dev, every 0.5 s on QA, from 10:00 to
    // 11:00; /Catalog/Home every 4 s on QA only.
    let log = |step_ms: u64, extra: bool| {
        let mut text = String::from("#Fields: date time cs-uri-stem sc-status time-taken\n");
        for ms in (0..3_600_000).step_by(step_ms as usize) {
            let s = ms / 1000;
            text.push_str(&format!(
                "2026-11-02 10:{:02}:{:02} /Orders/Home 200 40\n",
                s / 60,
                s % 60
            ));
            if extra && ms % 4000 == 0 {
                text.push_str(&format!(
                    "2026-11-02 10:{:02}:{:02} /Catalog/Home 200 30\n",
                    s / 60,
                    s % 60
                ));
            }
        }
        text
    };
    for (name, step, extra) in [("DEV1", 2000, false), ("QA1", 500, true)] {
        std::fs::create_dir_all(dir.join(name)).unwrap();
        std::fs::write(dir.join(name).join("u_ex261102.log"), log(step, extra)).unwrap();
    }
    let out = dir.join("mine.toml");
    let r = o11sim(&[
        "calibrate",
        "example1",
        "--iis",
        dir.join("DEV1").to_str().unwrap(),
        dir.join("QA1").to_str().unwrap(),
        "--server",
        "DEV1=dev.main.1",
        "--server",
        "QA1=qa.main.1",
        "--replications",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let sc = scenario::load(out.to_str().unwrap(), &[]).unwrap();
    let m = &sc.model;
    let class = |name: &str| {
        let c = m
            .classes
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| {
                panic!(
                    "no class {name} in {:?}",
                    m.classes.iter().map(|c| &c.name).collect::<Vec<_>>()
                )
            });
        let env = &m.environments[m.zones[c.zone].environment].name;
        match &c.arrivals {
            o11sim::model::spec::Arrivals::Open { rate, .. } => (env.clone(), *rate),
            other => panic!("{other:?}"),
        }
    };
    let (env, rate) = class("orders_dev");
    assert_eq!(env, "dev");
    assert!(rel(rate, 0.5) < 1e-5, "{rate}");
    let (env, rate) = class("orders_qa");
    assert_eq!(env, "qa");
    assert!(rel(rate, 2.0) < 1e-5, "{rate}");
    let (env, rate) = class("catalog");
    assert_eq!(env, "qa");
    assert!(rel(rate, 0.25) < 1e-5, "{rate}");
    assert!(!m.classes.iter().any(|c| c.name == "orders"));
    // The check compares each environment's part with its own data.
    for (name, observed) in [("orders_dev", "0.500"), ("orders_qa", "2.000")] {
        let line = r
            .stderr
            .lines()
            .chain(r.stdout.lines())
            .find(|l| l.starts_with(name) && l.contains("throughput"))
            .unwrap_or_else(|| panic!("no check line for {name}:\n{}\n{}", r.stdout, r.stderr));
        assert!(line.contains(observed), "{line}");
    }
}

/// A load test drives one environment: on a base with several, its samples
/// go to the front-ends of the one `--environment` names (before, they were
/// spread over Dev's and QA's front-ends alike), and leaving it out, naming
/// a missing one, or giving it without `--jmeter` is refused.
#[test]
fn a_load_test_on_a_base_of_several_environments_goes_to_the_one_named() {
    use crate::common::{o11sim, rejected, temp_dir};
    let dir = temp_dir("calibrate-jmeter-environment");
    let jtl = dir.join("qa.jtl");
    std::fs::write(&jtl, load_test(4, 2, 1800, 1_795_780_800_000)).unwrap();
    let out = dir.join("mine.toml");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "calibrate",
            "example1",
            "--jmeter",
            jtl.to_str().unwrap(),
            "--replications",
            "2",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        o11sim(&args)
    };
    rejected(
        &run(&[]),
        &["several environments (dev, qa)", "--environment"],
    );
    rejected(
        &run(&["--environment", "prod"]),
        &["--environment \"prod\"", "dev, qa"],
    );
    let r = run(&["--environment", "qa"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let sc = scenario::load(out.to_str().unwrap(), &[]).unwrap();
    let m = &sc.model;
    let steps: Vec<_> = m
        .classes
        .iter()
        .filter(|c| c.name.starts_with("Step"))
        .collect();
    assert_eq!(steps.len(), 2, "{:?}", m.classes);
    for c in steps {
        assert_eq!(m.environments[m.zones[c.zone].environment].name, "qa");
    }
    let iis = dir.join("FE1.log");
    std::fs::write(
        &iis,
        "#Fields: date time cs-uri-stem sc-status time-taken\n2026-11-02 10:00:00 /A/B 200 5\n",
    )
    .unwrap();
    rejected(
        &o11sim(&[
            "calibrate",
            "example1",
            "--iis",
            iis.to_str().unwrap(),
            "--environment",
            "qa",
            "--out",
            out.to_str().unwrap(),
        ]),
        &["--environment", "--jmeter"],
    );
}

/// A class whose only request falls in the data's first interval (which
/// the CPU fit leaves out) has no row in the fit. Its all-zero column used
/// to make AᵀA singular: every class's standard error became "n/a", the
/// rare class was written as `cpu = "0s"` as if the counters had measured
/// it at 0, with a warning that its rate "hardly varies". It is now left
/// out of the fit: written with the default CPU and said why, and the
/// other classes keep their demands and standard errors.
#[test]
fn a_class_outside_the_fitted_intervals_does_not_spoil_the_others() {
    let dir = scratch("rare");
    let ten = EPOCH + 36_000;
    let (d_orders, d_billing, background) = (0.05, 0.1, 0.1);
    // An hour of two modules whose mixes vary from minute to minute, and
    // one request of a third at the very first second.
    let mut log = String::from("#Fields: date time cs-uri-stem sc-status time-taken\n");
    let stamp = |t: i64| {
        let (y, m, d, h, mi, s) = o11sim::calibrate::synth::civil(t);
        format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}")
    };
    log.push_str(&format!("{} /Rare/Home 200 40\n", stamp(ten)));
    let mut counters = String::from(
        "\"(PDH-CSV 4.0) (Coordinated Universal Time)(0)\",\"\\\\FE1\\Processor(_Total)\\% Processor Time\"\n",
    );
    for m in 0..60i64 {
        let (orders, billing) = (1 + (m * 7) % 11, 1 + (m * 5) % 13);
        for k in 0..orders {
            log.push_str(&format!(
                "{} /Orders/Home 200 80\n",
                stamp(ten + 60 * m + 1 + k)
            ));
        }
        for k in 0..billing {
            log.push_str(&format!(
                "{} /Billing/Home 200 90\n",
                stamp(ten + 60 * m + 30 + k)
            ));
        }
        // Busy cores of the 2-core front-end by the utilization law.
        let busy = (orders as f64 * d_orders + billing as f64 * d_billing) / 60.0 + background;
        for j in 1..=4 {
            let (y, mo, d, h, mi, s) = o11sim::calibrate::synth::civil(ten + 60 * m + 15 * j);
            counters.push_str(&format!(
                "\"{mo:02}/{d:02}/{y:04} {h:02}:{mi:02}:{s:02}.000\",\"{}\"\n",
                busy / 2.0 * 100.0
            ));
        }
    }
    let fe1 = dir.join("FE1");
    std::fs::create_dir_all(&fe1).unwrap();
    std::fs::write(fe1.join("u_ex251127.log"), log).unwrap();
    std::fs::write(dir.join("counters.csv"), counters).unwrap();
    let input = InputSpec {
        iis: vec![fe1],
        perfmon: vec![dir.join("counters.csv")],
        interval: 60.0,
        ..InputSpec::default()
    };
    let (obs, cal) = calibrate_small(&input);
    let k = |name: &str| obs.classes.iter().position(|c| c.name == name).unwrap();
    let fit = cal.front_end.as_ref().unwrap();
    assert_eq!(fit.demand[k("rare")], None, "{fit:?}");
    for (name, want) in [("orders", d_orders), ("billing", d_billing)] {
        let d = fit.demand[k(name)].unwrap();
        assert!((d - want).abs() < 1e-6, "{name}: {d} {fit:?}");
        assert!(fit.se[k(name)].is_finite(), "{name}: {fit:?}");
    }
    assert!((fit.background - background).abs() < 1e-6, "{fit:?}");
    assert!(
        fit.warnings.iter().all(|w| !w.contains("rare")),
        "{:?}",
        fit.warnings
    );
    let rare = &cal.classes[k("rare")];
    assert!((rare.cpu - o11sim::calibrate::fit::DEFAULT_CPU).abs() < 1e-12);

    let base = Source::parse("base.toml", SMALL_BASE).unwrap();
    let model = scenario::load_str("base.toml", SMALL_BASE, &[])
        .unwrap()
        .model;
    let written = write::scenario_text(&base, &model, &obs, &cal).unwrap();
    let table = written.text.split("[traffic.rare]").nth(1).unwrap();
    let table = table.split("\n\n").next().unwrap();
    assert!(
        table.contains(
            "NOT calibrated (none of its requests falls in the intervals the front-end counters fit"
        ) && table.contains("cpu = \"lognormal(mean=11.2ms, cv=1)\""),
        "{table}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Counters of a front-end whose IIS log was not given were fitted as rows
/// of CPU without requests: its whole CPU went to the background and every
/// demand was pulled down, without a word. Such counters are now refused, naming the file, the server and the
/// machine.
#[test]
fn counters_of_a_front_end_that_served_no_request_are_refused() {
    use crate::common::{o11sim, rejected};
    let dir = scratch("idle");
    let base = dir.join("base.toml");
    std::fs::write(&base, SMALL_BASE).unwrap();
    let fe1 = dir.join("FE1");
    std::fs::create_dir_all(&fe1).unwrap();
    let log = fe1.join("u_ex251127.log");
    std::fs::write(
        &log,
        steady_log(EPOCH + 36_000, 1800, 2, "/Orders/Home", 80),
    )
    .unwrap();
    let mut text = String::from(
        "\"(PDH-CSV 4.0) (Coordinated Universal Time)(0)\",\"\\\\FE1\\Processor(_Total)\\% Processor Time\",\"\\\\FE2\\Processor(_Total)\\% Processor Time\"\r\n",
    );
    for k in 1..=240 {
        let (y, m, d, h, mi, s) = o11sim::calibrate::synth::civil(EPOCH + 36_000 + 15 * k);
        text.push_str(&format!(
            "\"{m:02}/{d:02}/{y:04} {h:02}:{mi:02}:{s:02}.000\",\"{}\",\"{}\"\r\n",
            10 + k % 7,
            12 + k % 5
        ));
    }
    let counters = dir.join("counters.csv");
    std::fs::write(&counters, text).unwrap();
    let out = dir.join("out.toml");
    let r = o11sim(&[
        "calibrate",
        base.to_str().unwrap(),
        "--iis",
        log.to_str().unwrap(),
        "--server",
        "FE2=main.2",
        "--perfmon",
        counters.to_str().unwrap(),
        "--replications",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    rejected(
        &r,
        &[
            "counters.csv",
            "FE2",
            "front-end main.2, which served none of the requests",
            "IIS log",
        ],
    );
    assert!(!out.exists());
    let _ = std::fs::remove_dir_all(&dir);
}
