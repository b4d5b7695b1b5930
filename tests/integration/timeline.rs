//! Timelines (`--timeline`): the windows add up to the whole run, a
//! failure shows in its own window and nowhere else, an hourly profile gets
//! hourly windows by default that follow its shape, and the timeline CSV
//! has its documented columns, the same bytes on any thread count and
//! clear refusals of bad windows.

use o11sim::engine::StreamSeeds;
use o11sim::experiment::{RunRequest, Silent, replicate};
use o11sim::model::sim::{RunResult, simulate};
use o11sim::scenario::{LoadedScenario, RunOverrides, TimelineRequest, load_str};
use o11sim::stats::ci::t_quantile;

use crate::common::{o11sim, rejected, temp_dir};

/// Three front-ends, two classes, a timer; `extra` is appended.
fn scenario(extra: &str) -> String {
    format!(
        r#"
front_ends = 3

[simulation]
duration = "10m"
warmup = "1m"

[traffic.web]
rate = 150
cpu = "exp(12ms)"
db_calls = "const(2)"
db_time = "exp(3ms)"

[traffic.staff]
rate = 10
cpu = "exp(40ms)"
db_calls = "const(1)"
db_time = "exp(3ms)"

[timers.batch]
period = "2m"
cpu = "exp(2s)"
{extra}
"#
    )
}

fn runs(text: &str, window: f64, reps: usize, seed: u64) -> Vec<RunResult> {
    let mut model = load_str("timeline.toml", text, &[]).unwrap().model;
    model.timeline = Some(window);
    replicate(reps, seed, |s: StreamSeeds| simulate(&model, s))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn windows_add_up_to_the_whole_run() {
    // 10.5 minutes in 1-minute windows: ten whole ones and a half one.
    let text = scenario("").replace("duration = \"10m\"", "duration = \"630s\"");
    for r in runs(&text, 60.0, 2, 5) {
        let t = r.timeline.as_ref().expect("a timeline was asked for");
        assert_eq!((t.windows, t.start, t.end), (11, 60.0, 690.0));
        assert_eq!(t.bounds(10), (660.0, 690.0));
        for (row, c) in r.classes.iter().enumerate() {
            let sum = |f: &dyn Fn(usize) -> u64| (0..t.windows).map(f).sum::<u64>();
            assert_eq!(sum(&|w| t.class(w, row).ok), c.outcomes.ok, "{}", c.name);
            assert_eq!(
                sum(&|w| t.class(w, row).finished),
                c.outcomes.finished(),
                "{}",
                c.name
            );
            assert_eq!(sum(&|w| t.class(w, row).answered), c.response.count());
            let time: f64 = (0..t.windows).map(|w| t.class(w, row).response_sum).sum();
            assert!(
                (time - c.response.mean() * c.response.count() as f64).abs()
                    <= 1e-6 * time.max(1.0),
                "{}",
                c.name
            );
        }
        assert!(r.classes[0].outcomes.ok > 50_000);
        // Time-weighted: the windows' levels, weighted by their lengths,
        // are the whole run's.
        for (k, res) in r.resources.iter().enumerate() {
            let weighted = |f: &dyn Fn(usize) -> f64| {
                (0..t.windows)
                    .map(|w| {
                        let (a, b) = t.bounds(w);
                        f(w) * (b - a)
                    })
                    .sum::<f64>()
                    / r.measured_time
            };
            let u = weighted(&|w| t.resource(w, k).utilization);
            let q = weighted(&|w| t.resource(w, k).mean_queue);
            assert!(
                close(u, res.utilization),
                "{}: {u} vs {}",
                res.name,
                res.utilization
            );
            assert!(
                close(q, res.mean_queue),
                "{}: {q} vs {}",
                res.name,
                res.mean_queue
            );
        }
        assert!(r.resources[0].utilization > 0.1);
    }
}

#[test]
fn summaries_of_the_windows_agree_with_the_whole_run() {
    let mut model = load_str("timeline.toml", &scenario(""), &[]).unwrap().model;
    model.timeline = Some(60.0);
    let results = replicate(4, 3, |s| simulate(&model, s));
    let s = o11sim::experiment::Summary::new(&model, &results);
    let t = s.timeline.as_ref().unwrap();
    assert_eq!(t.windows, 10);
    for (row, c) in s.classes.iter().enumerate() {
        // Mean over replications commutes with the sum over windows.
        let answered: f64 = (0..t.windows)
            .map(|w| t.class(w, row).throughput.mean * 60.0)
            .sum();
        assert!(close(answered, c.throughput.mean * 600.0), "{}", c.name);
    }
    for (k, r) in s.resources.iter().enumerate() {
        let u: f64 = (0..t.windows)
            .map(|w| t.resource(w, k).utilization.mean)
            .sum::<f64>()
            / t.windows as f64;
        assert!(close(u, r.utilization.mean), "{}", r.name);
    }
}

#[test]
fn a_front_end_failure_shows_in_its_window_and_not_in_the_others() {
    // main.1 is down from 6m to 7m: window 5 of the measured period (which
    // starts at the 1m warm-up).
    let text = scenario(
        r#"
[[failures]]
front_end = "main.1"
at = "6m"
duration = "1m"
"#,
    );
    let reps = runs(&text, 60.0, 5, 11);
    let failed_window = 5;
    for r in &reps {
        let t = r.timeline.as_ref().unwrap();
        assert_eq!(t.bounds(failed_window), (360.0, 420.0));
        let cpu1 = r
            .resources
            .iter()
            .position(|x| x.name == "main.1.cpu")
            .unwrap();
        let cpu2 = r
            .resources
            .iter()
            .position(|x| x.name == "main.2.cpu")
            .unwrap();
        for w in 0..t.windows {
            let web = t.class(w, 0);
            let u1 = t.resource(w, cpu1).utilization;
            let u2 = t.resource(w, cpu2).utilization;
            if w == failed_window {
                // Requests sent to the dead front-end until the health
                // checks notice fail; its CPU does nothing.
                assert!(web.errors > 0, "window {w}: no failed request");
                assert_eq!(u1, 0.0, "window {w}");
                assert!(u2 > 0.2, "window {w}: {u2}");
            } else {
                assert_eq!(web.errors, 0, "window {w}");
                assert!(u1 > 0.1, "window {w}: {u1}");
            }
        }
        // The survivors carry main.1's share: main.2 is busier in the
        // failed window than in any other, in every replication.
        let u2 = |w: usize| t.resource(w, cpu2).utilization;
        let others = (0..t.windows).filter(|&w| w != failed_window).map(u2);
        assert!(
            others.clone().all(|u| u < u2(failed_window)),
            "{:?}",
            (0..t.windows).map(u2).collect::<Vec<_>>()
        );
    }
}

#[test]
fn a_profile_gets_hourly_windows_by_default_that_follow_its_shape() {
    let profile: Vec<f64> = (0..24)
        .map(|h| {
            if (9..18).contains(&h) {
                1.0
            } else {
                0.2 + 0.02 * h as f64
            }
        })
        .collect();
    let text = format!(
        r#"
front_ends = 2

[simulation]
duration = "24h"
warmup = "0s"
replications = 6

[traffic.web]
rate = 4
profile = {profile:?}
cpu = "exp(20ms)"
"#
    );
    let dir = temp_dir("profile");
    let path = dir.join("profile.toml");
    std::fs::write(&path, &text).unwrap();
    let load = |timeline| {
        LoadedScenario::load(
            path.to_str().unwrap(),
            RunOverrides {
                timeline,
                ..RunOverrides::default()
            },
        )
        .unwrap()
    };
    // Asked by run, compare and sweep (Auto): hourly windows for a profile.
    let loaded = load(TimelineRequest::Auto { chart: false });
    assert_eq!(loaded.scenario().model.timeline, Some(3600.0));
    // size and team measure none.
    assert_eq!(load(TimelineRequest::Off).scenario().model.timeline, None);
    let report = o11sim::experiment::run(
        &RunRequest {
            scenario: loaded,
            budget: o11sim::experiment::Budget::UNLIMITED,
        },
        &Silent,
    )
    .unwrap();
    let t = report.variant.summary.timeline.as_ref().unwrap();
    assert_eq!((t.windows, t.window), (24, 3600.0));
    // The 99 % interval from the 95 % one kept per window.
    let widen = t_quantile(0.99, 5) / t_quantile(0.95, 5);
    for (h, &p) in profile.iter().enumerate() {
        let e = &t.class(h, 0).throughput;
        assert_eq!(e.n, 6);
        let want = 4.0 * p;
        let half = e.half_95().unwrap() * widen;
        assert!(
            (e.mean - want).abs() <= half,
            "hour {h}: {} ± {half} vs {want}",
            e.mean
        );
    }
    // The day's shape: every business hour above every night hour.
    let thr = |h: usize| t.class(h, 0).throughput.mean;
    let day_min = (9..18).map(thr).fold(f64::INFINITY, f64::min);
    let night_max = (0..9).chain(18..24).map(thr).fold(0.0, f64::max);
    assert!(day_min > night_max, "{day_min} vs {night_max}");
    // Without a profile there is no timeline unless asked.
    let plain = load_str("plain.toml", &scenario(""), &[]).unwrap();
    assert_eq!(
        TimelineRequest::Auto { chart: false }.window(&plain.model),
        None
    );
    assert_eq!(
        TimelineRequest::Auto { chart: true }.window(&plain.model),
        Some(10.0)
    );
}

// ---- the command line ---------------------------------------------------------

const TIMELINE_COLUMNS: [&str; 29] = [
    "variant",
    "window",
    "start_s",
    "end_s",
    "row",
    "row_kind",
    "replications",
    "throughput_rps",
    "throughput_ci_low_rps",
    "throughput_ci_high_rps",
    "mean_ms",
    "mean_ci_low_ms",
    "mean_ci_high_ms",
    "p95_ms",
    "p95_ci_low_ms",
    "p95_ci_high_ms",
    "error_rate",
    "error_rate_ci_low",
    "error_rate_ci_high",
    "utilization",
    "utilization_ci_low",
    "utilization_ci_high",
    "mean_queue",
    "mean_queue_ci_low",
    "mean_queue_ci_high",
    "clock",
    "peak",
    "p95_censored",
    "error_peak",
];

const QUICK: [&str; 6] = ["--replications", "2", "--duration", "3m", "--warmup", "30s"];

#[test]
fn the_timeline_csv_has_the_documented_columns_and_a_row_per_window_and_row() {
    let dir = temp_dir("timeline-csv");
    let csv = dir.join("r.csv");
    let mut args = vec!["run", "--timeline", "1m", "--csv", csv.to_str().unwrap()];
    args.extend(QUICK);
    let out = o11sim(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("Timeline: 3 window(s) of 1m"),
        "{}",
        out.stdout
    );
    let text = std::fs::read_to_string(dir.join("r-timeline.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, TIMELINE_COLUMNS);
    // The docs list the same columns.
    let docs = std::fs::read_to_string("docs/scenarios.md").unwrap();
    for c in TIMELINE_COLUMNS {
        assert!(
            docs.contains(&format!("`{c}`")),
            "docs/scenarios.md lacks {c}"
        );
    }
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let classes = std::fs::read_to_string(&csv).unwrap().lines().count() - 1;
    let resources = std::fs::read_to_string(dir.join("r-resources.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    assert_eq!(rows.len(), 3 * (classes + resources));
    assert_eq!(
        rows[0].iter().skip(1).take(5).collect::<Vec<_>>(),
        ["0", "30.000", "90.000", "portal", "traffic"]
    );
    let last = rows.last().unwrap();
    assert_eq!((&last[1], &last[3], &last[5]), ("2", "210.000", "resource"));
    assert!(!last[19].is_empty() && last[7].is_empty());
}

#[test]
fn same_seed_same_timeline_bytes_whatever_the_thread_count() {
    let dir = temp_dir("timeline-threads");
    let mut files = Vec::new();
    for threads in ["1", "2"] {
        let csv = dir.join(format!("t{threads}.csv"));
        let json = dir.join(format!("t{threads}.json"));
        let mut args = vec![
            "compare",
            "--front-ends",
            "2,3",
            "--timeline",
            "30s",
            "--threads",
            threads,
            "--csv",
            csv.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ];
        args.extend(QUICK);
        let out = o11sim(&args);
        assert_eq!(out.code, 0, "{}", out.stderr);
        files.push((
            std::fs::read(dir.join(format!("t{threads}-timeline.csv"))).unwrap(),
            std::fs::read(&json).unwrap(),
        ));
    }
    assert_eq!(files[0], files[1]);
    let csv = String::from_utf8(files[0].0.clone()).unwrap();
    assert!(csv.contains("front_ends=2,2,0,") && csv.contains("front_ends=3,3,5,"));
    let doc: serde_json::Value = serde_json::from_slice(&files[0].1).unwrap();
    let t = &doc["variants"][1]["timeline"];
    assert_eq!(t["windows"], 6);
    assert_eq!(t["window_s"], 30.0);
    let p95 = t["classes"][0]["p95_ms"].as_array().unwrap();
    assert_eq!(p95.len(), 6);
    assert_eq!(p95[0].as_array().unwrap().len(), 3);
}

#[test]
fn no_timeline_unless_asked_or_profiled() {
    let dir = temp_dir("timeline-none");
    let csv = dir.join("r.csv");
    let mut args = vec!["run", "--csv", csv.to_str().unwrap()];
    args.extend(QUICK);
    let out = o11sim(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!dir.join("r-timeline.csv").exists());
    assert!(!out.stdout.contains("Timeline"));
}

#[test]
fn run_plot_draws_the_timeline_with_the_failure_shaded() {
    let dir = temp_dir("timeline-plot");
    let svg = dir.join("t.svg");
    // The failure lasts past the end of the run, so its shade reaches the
    // right end of the plot.
    let mut args = vec![
        "run",
        "--set",
        r#"failures=[{front_end="main.1", at="1m", duration="1h"}]"#,
        "--plot",
        svg.to_str().unwrap(),
    ];
    args.extend(QUICK);
    let out = o11sim(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = std::fs::read_to_string(&svg).unwrap();
    for needle in [
        "p95 response time over time",
        "error rate over time",
        "front-end main.1 down",
        "SLO portal p95",
        "5s windows",
    ] {
        assert!(text.contains(needle), "the chart lacks {needle:?}");
    }
    // The shading is drawn in both panels.
    assert_eq!(text.matches("#FBE3E3").count(), 2, "{text}");
    // The label ends at the shade's right edge (anchored at its end),
    // instead of starting there and running out of the picture, and sits
    // above the plot, where the legend cannot cover it.
    let rect = text
        .split("<rect ")
        .map(|r| r.split('>').next().unwrap().to_owned())
        .find(|r| r.contains("#FBE3E3"))
        .expect("a shaded failure");
    let attr = |tag: &str, name: &str| -> f64 {
        tag.split(&format!("{name}=\""))
            .nth(1)
            .and_then(|v| v.split('"').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {tag}"))
    };
    let right = attr(&rect, "x") + attr(&rect, "width");
    let label = text
        .split("<text ")
        .find(|t| t.contains("front-end main.1 down"))
        .expect("the failure's label");
    let tag = label.split('>').next().unwrap();
    assert!(tag.contains(r#"text-anchor="end""#), "{tag}");
    assert!((attr(tag, "x") - right).abs() <= 1.0, "{tag} vs {rect}");
    assert!(attr(tag, "y") < attr(&rect, "y"), "{tag} vs {rect}");
}

#[test]
fn bad_timeline_windows_are_refused_saying_what_is_allowed() {
    for (window, needles) in [
        ("0s", &["--timeline", "longer than zero", "1m"][..]),
        ("soon", &["--timeline", "1m or 1h"][..]),
        ("-1m", &["--timeline"][..]),
        // 3 minutes in 1 ms windows: 180,000 windows.
        (
            "1ms",
            &["180000 windows", "at most 100000", "at least 1.8ms"][..],
        ),
        // So many windows that their memory alone is over the limit: still
        // named as too many windows, not as a memory estimate.
        ("1us", &["180000000 windows", "at most 100000"][..]),
    ] {
        let flag = format!("--timeline={window}");
        let mut args = vec!["run", flag.as_str()];
        args.extend(QUICK);
        rejected(&o11sim(&args), needles);
    }
    let out = o11sim(&[
        "sweep",
        "--vary",
        "front_ends=2,3",
        "--shard",
        "1/2",
        "--timeline",
        "1m",
    ]);
    rejected(&out, &["--timeline", "--shard"]);
    let mut args = vec!["run", "--timeline", "off", "--plot", "x.svg"];
    args.extend(QUICK);
    rejected(&o11sim(&args), &["--plot", "timeline"]);
}

// ---- the time of day: `simulation.start`, peak hours ---------------------------

/// One front-end with one FCFS core, a class whose profile has a single
/// busy hour (08:00-09:00 at 35 req/s, ρ = 0.7; 2 req/s otherwise) and no
/// database or network time (M/M/1), four hours from `start` without
/// warm-up.
fn busy_hour(start: &str) -> String {
    let profile: Vec<f64> = (0..24)
        .map(|h| if h == 8 { 1.0 } else { 2.0 / 35.0 })
        .collect();
    format!(
        r#"
front_ends = 1

[front_end]
cores = 1
cpu = "fcfs"

[simulation]
duration = "4h"
warmup = "0s"
replications = 8
start = "{start}"

[traffic.web]
rate = 35
profile = {profile:?}
cpu = "exp(20ms)"
network = "const(0s)"
db_calls = "const(0)"
"#
    )
}

fn run_text(name: &str, text: &str) -> o11sim::experiment::RunReport {
    let dir = temp_dir(name);
    let path = dir.join("day.toml");
    std::fs::write(&path, text).unwrap();
    let loaded = LoadedScenario::load(
        path.to_str().unwrap(),
        RunOverrides {
            timeline: TimelineRequest::Auto { chart: false },
            ..RunOverrides::default()
        },
    )
    .unwrap();
    o11sim::experiment::run(
        &RunRequest {
            scenario: loaded,
            budget: o11sim::experiment::Budget::UNLIMITED,
        },
        &Silent,
    )
    .unwrap()
}

#[test]
fn start_puts_the_profile_on_the_clock() {
    let widen = t_quantile(0.99, 7) / t_quantile(0.95, 7);
    for (start, first_hour) in [("08:00", 8), ("00:00", 0), ("06:00", 6)] {
        let report = run_text(&format!("start-{first_hour}"), &busy_hour(start));
        let t = report.variant.summary.timeline.as_ref().unwrap();
        assert_eq!(
            (t.windows, t.window, t.clock),
            (4, 3600.0, first_hour as f64 * 3600.0)
        );
        for w in 0..4 {
            let hour = first_hour + w;
            let want = if hour == 8 { 35.0 } else { 2.0 };
            let e = &t.class(w, 0).throughput;
            let half = e.half_95().unwrap() * widen;
            assert!(
                (e.mean - want).abs() <= half,
                "start {start}, window {w} (clock hour {hour}): {} ± {half} vs {want}",
                e.mean
            );
            assert_eq!(t.time_of_day(t.bounds(w).0), hour as f64 * 3600.0);
        }
    }
}

#[test]
fn the_peak_hour_is_the_busy_hour_with_its_figures() {
    // From 06:00 the busy hour is the third window.
    let report = run_text("peak", &busy_hour("06:00"));
    let s = &report.variant.summary;
    let t = s.timeline.as_ref().unwrap();
    assert_eq!(t.peaks.len(), 1);
    let peak = t.peaks[0];
    assert_eq!((peak.row, peak.window), (0, 2));
    // M/M/1 at ρ = 0.7 in the busy hour: p95 of the response time is
    // ln(20) × 20 ms / 0.3 ≈ 200 ms, against ≈ 62 ms at 2 req/s; the
    // busy hour's p95 stands above the whole run's.
    let p95 = t.class(2, 0).p95.mean;
    assert!((0.15..0.26).contains(&p95), "{p95}");
    assert!(
        p95 > s.classes[0].p95.mean,
        "{p95} vs {:?}",
        s.classes[0].p95
    );
    let text = o11sim::report::text::peak_hours(s);
    assert!(text.starts_with("Peak hour"), "{text}");
    assert!(text.contains("08:00-09:00"), "{text}");
    // A flat scenario has no peak hours.
    let flat = run_text("flat", &scenario(""));
    assert!(flat.variant.summary.timeline.is_none());
}

#[test]
fn the_peak_hour_and_time_of_day_reach_the_report_and_files() {
    let dir = temp_dir("peak-cli");
    let path = dir.join("day.toml");
    std::fs::write(
        &path,
        busy_hour("06:00").replace("replications = 8", "replications = 3"),
    )
    .unwrap();
    let csv = dir.join("out.csv");
    let json = dir.join("out.json");
    let out = o11sim(&[
        "run",
        path.to_str().unwrap(),
        "--csv",
        csv.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("Peak hour of each class"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("08:00-09:00"), "{}", out.stdout);
    // No warm-up advice for a profile: one line says why.
    assert!(
        out.stdout
            .contains("no MSER-5 warm-up advice: the arrival rate follows an hourly profile"),
        "{}",
        out.stdout
    );
    let text = std::fs::read_to_string(dir.join("out-timeline.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (clock, peak, row) = (col("clock"), col("peak"), col("row"));
    let peaks: Vec<(String, String)> = reader
        .records()
        .map(Result::unwrap)
        .filter(|r| &r[peak] == "1")
        .map(|r| (r[row].to_owned(), r[clock].to_owned()))
        .collect();
    assert_eq!(peaks, [("web".to_owned(), "08:00".to_owned())]);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let t = &doc["variants"][0]["timeline"];
    assert_eq!(t["clock_s"], 6.0 * 3600.0);
    assert_eq!(t["peaks"][0]["class"], "web");
    assert_eq!(t["peaks"][0]["time_of_day"], "08:00-09:00");
    // A bad start: exit 2, the file, line and field named.
    std::fs::write(&path, busy_hour("8 o'clock")).unwrap();
    let out = o11sim(&["run", path.to_str().unwrap()]);
    rejected(&out, &["day.toml:12:9", "simulation.start", "\"HH:MM\""]);
    let out = o11sim(&["run", "--set", "simulation.start=24:00"]);
    rejected(&out, &["simulation.start", "\"HH:MM\""]);
}

/// One front-end (or `front_ends`) with one FCFS core, four hours from
/// 07:00: `web` (20 ms of CPU) is busiest 08:00-09:00 (20 req/s, half that
/// otherwise); `heavy` (20 ms) runs at `traffic.heavy.rate` 10:00-11:00
/// and at 1 % of it otherwise. With heavy's rate at 1 req/s web's own hour
/// is the busiest (ρ 0.40 against 0.22 at 10:00); at 25 req/s, 10:00 is
/// (ρ 0.70 against 0.40), so the variants peak at different hours.
fn two_peaks(front_ends: usize, extra: &str) -> String {
    let web: Vec<f64> = (0..24).map(|h| if h == 8 { 1.0 } else { 0.5 }).collect();
    let heavy: Vec<f64> = (0..24).map(|h| if h == 10 { 1.0 } else { 0.01 }).collect();
    format!(
        r#"
front_ends = {front_ends}

[front_end]
cores = 1
cpu = "fcfs"

[simulation]
duration = "4h"
warmup = "0s"
replications = 3
start = "07:00"

[traffic.web]
rate = 20
profile = {web:?}
cpu = "exp(20ms)"
network = "const(0s)"
db_calls = "const(0)"
slo = {{ p95 = "150ms" }}

[traffic.heavy]
rate = 25
profile = {heavy:?}
cpu = "exp(20ms)"
network = "const(0s)"
db_calls = "const(0)"
{extra}
"#
    )
}

/// The time of day of `class`'s peak row among the report lines that
/// start with `variant` (a variant's name or its varied value).
fn peak_of(report: &str, variant: &str, class: &str) -> String {
    let head = report
        .find("Peak hour of each class in each variant")
        .unwrap_or_else(|| panic!("no peak hours in:\n{report}"));
    let rows: Vec<&str> = report[head..]
        .lines()
        .skip(2)
        .take_while(|l| !l.is_empty())
        .filter(|l| {
            let mut words = l.split_whitespace();
            words.next() == Some(variant) && words.next() == Some(class)
        })
        .collect();
    assert_eq!(rows.len(), 1, "{variant} {class} in:\n{report}");
    rows[0].split_whitespace().nth(2).unwrap().to_owned()
}

#[test]
fn compare_and_sweep_give_each_variant_its_own_peak_hour() {
    let dir = temp_dir("peak-variants");
    let path = dir.join("day.toml");
    std::fs::write(&path, two_peaks(1, "")).unwrap();
    let json = dir.join("c.json");
    let vary = "traffic.heavy.rate=1,25";
    let out = o11sim(&[
        "compare",
        path.to_str().unwrap(),
        "--vary",
        vary,
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (low, high) = ("traffic.heavy.rate=1", "traffic.heavy.rate=25");
    assert_eq!(peak_of(&out.stdout, low, "web"), "08:00-09:00");
    assert_eq!(peak_of(&out.stdout, high, "web"), "10:00-11:00");
    assert_eq!(peak_of(&out.stdout, high, "heavy"), "10:00-11:00");
    // The JSON says the same per variant.
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    for (i, hour) in [(0, "08:00-09:00"), (1, "10:00-11:00")] {
        let peaks = doc["variants"][i]["timeline"]["peaks"].as_array().unwrap();
        let web = peaks.iter().find(|p| p["class"] == "web").unwrap();
        assert_eq!(web["time_of_day"], hour, "variant {i}");
    }
    // The sweep names each point by its values.
    let out = o11sim(&["sweep", path.to_str().unwrap(), "--vary", vary]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(peak_of(&out.stdout, "1", "web"), "08:00-09:00");
    assert_eq!(peak_of(&out.stdout, "25", "web"), "10:00-11:00");
    // No profile, no peak hours, even with a timeline.
    let mut args = vec!["compare", "--front-ends", "2,3", "--timeline", "1m"];
    args.extend(QUICK);
    let out = o11sim(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stdout.contains("Peak"), "{}", out.stdout);
}

/// The x of each text element of the first chart of an SVG (plotters
/// writes a text element's content on its own line).
fn svg_texts(svg: &str) -> Vec<(f64, String)> {
    let first = &svg[..svg.find("</svg>").unwrap_or(svg.len())];
    first
        .split("<text ")
        .skip(1)
        .filter_map(|t| {
            let x = t.split("x=\"").nth(1)?.split('"').next()?.parse().ok()?;
            let body = t.split_once('>')?.1.split("</text>").next()?.trim();
            Some((x, body.to_owned()))
        })
        .collect()
}

#[test]
fn run_plot_reads_the_time_of_day_with_the_failure_on_its_clock_hours() {
    let dir = temp_dir("timeline-clock");
    let path = dir.join("day.toml");
    // The second front-end down from 2h after the 07:00 start for 30 min:
    // 09:00-09:30.
    let failure = r#"
[[failures]]
front_end = "main.2"
at = "2h"
duration = "30m"
"#;
    std::fs::write(&path, two_peaks(2, failure)).unwrap();
    let svg = dir.join("t.svg");
    let out = o11sim(&[
        "run",
        path.to_str().unwrap(),
        "--plot",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = std::fs::read_to_string(&svg).unwrap();
    let texts = svg_texts(&text);
    let tick = |label: &str| {
        texts
            .iter()
            .find(|(_, t)| t == label)
            .unwrap_or_else(|| panic!("no tick {label:?} in {texts:?}"))
            .0
    };
    // Four hours from 07:00: half-hour ticks from 07:00 to 11:00.
    let ticks: Vec<f64> = (0..9)
        .map(|i| tick(&format!("{:02}:{:02}", 7 + i / 2, 30 * (i % 2))))
        .collect();
    assert!(ticks.windows(2).all(|w| w[1] > w[0]), "{ticks:?}");
    assert!(
        texts.iter().any(|(_, t)| t.starts_with("time of day")),
        "{texts:?}"
    );
    assert!(!text.contains("simulated time ("), "{text}");
    // The shading spans exactly 09:00-09:30 on the clock axis.
    let rect = text
        .split("<rect ")
        .map(|r| format!(" {}", r.split('>').next().unwrap()))
        .find(|r| r.contains("#FBE3E3"))
        .expect("a shaded failure");
    let attr = |name: &str| -> f64 {
        rect.split(&format!(" {name}=\""))
            .nth(1)
            .and_then(|v| v.split('"').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {rect}"))
    };
    let (x, width) = (attr("x"), attr("width"));
    assert!((x - tick("09:00")).abs() <= 1.0, "{x} vs {}", tick("09:00"));
    assert!(
        (x + width - tick("09:30")).abs() <= 1.0,
        "{} vs {}",
        x + width,
        tick("09:30")
    );
    // The SLO is still drawn across the chart.
    assert!(text.contains("SLO web p95"), "{text}");
    // Without a start or a profile, simulated time as before.
    let plain = dir.join("plain.svg");
    let mut args = vec!["run", "--plot", plain.to_str().unwrap()];
    args.extend(QUICK);
    let out = o11sim(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = std::fs::read_to_string(&plain).unwrap();
    assert!(text.contains("simulated time (min"), "{text}");
}

#[test]
fn a_p95_cut_at_the_client_timeout_in_a_window_or_a_failure_period_is_shown_as_a_bound() {
    // Calls wait out a 2-minute failover from 0:02; the requests holding
    // the workers get their answers when it ends, at 0:04, long after
    // their clients' timeouts (10 s portal, 110 s back office): that
    // window's p95 lies among the cut responses, a lower bound.
    let dir = temp_dir("timeline-censored");
    let csv = dir.join("c.csv");
    let json = dir.join("c.json");
    let svg = dir.join("c.svg");
    let out = o11sim(&[
        "run",
        "--duration",
        "6m",
        "--warmup",
        "1m",
        "--replications",
        "2",
        "--timeline",
        "1m",
        "--set",
        "database.on_failover=wait",
        "--set",
        "database.failover_duration=2m",
        "--set",
        r#"failures=[{database="primary", at="2m", duration="3m"}]"#,
        "--csv",
        csv.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--plot",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // The chart marks the bound and says what the mark means.
    let chart = std::fs::read_to_string(&svg).unwrap();
    assert!(
        chart.contains("at least (cut at the client timeout)"),
        "{chart}"
    );
    let row = |window: &str| {
        out.stdout
            .lines()
            .find(|l| l.starts_with(window))
            .unwrap_or_else(|| panic!("no window {window}:\n{}", out.stdout))
    };
    assert!(
        row("0:04-0:05").contains(">= 10000 (timed out)")
            && row("0:04-0:05").contains(">= 110000 (timed out)"),
        "{}",
        row("0:04-0:05")
    );
    assert!(!row("0:01-0:02").contains("timed out"), "{}", out.stdout);
    // The CSV flags exactly the traffic rows of that window.
    let text = std::fs::read_to_string(dir.join("c-timeline.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (window, row_name, censored) = (col("window"), col("row"), col("p95_censored"));
    let mut flagged = Vec::new();
    for r in reader.records().map(Result::unwrap) {
        match &r[censored] {
            "true" => flagged.push((r[window].to_owned(), r[row_name].to_owned())),
            "false" | "" => {}
            other => panic!("p95_censored {other:?}"),
        }
    }
    assert_eq!(
        flagged,
        [
            ("3".into(), "portal".into()),
            ("3".into(), "backoffice".into())
        ] as [(String, String); 2]
    );
    // So does the JSON, one flag per window.
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let portal = &doc["variants"][0]["timeline"]["classes"][0];
    assert_eq!(portal["name"], "portal");
    let flags: Vec<bool> = portal["p95_censored"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_bool().unwrap())
        .collect();
    assert_eq!(flags, [false, false, false, true, false, false]);
    // The failure's cost: its p95 during the failure is the same bound,
    // before and after it measured.
    let cost = |class: &str| {
        out.stdout
            .lines()
            .skip_while(|l| !l.starts_with("What each scheduled failure costs"))
            .find(|l| l.starts_with(&format!("{class} ")))
            .unwrap_or_else(|| panic!("no cost row for {class}:\n{}", out.stdout))
    };
    assert_eq!(
        cost("portal").matches("(timed out)").count(),
        1,
        "{}",
        cost("portal")
    );
    assert!(
        cost("portal").contains(">= 10000 (timed out)"),
        "{}",
        cost("portal")
    );
    assert!(
        cost("backoffice").contains(">= 110000 (timed out)"),
        "{}",
        cost("backoffice")
    );
    let text = std::fs::read_to_string(dir.join("c-failures.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    for r in reader.records().map(Result::unwrap) {
        let periods = [
            "p95_before_censored",
            "p95_during_censored",
            "p95_after_censored",
        ]
        .map(|c| r[col(c)].to_owned());
        assert_eq!(periods, ["0", "2", "0"], "{r:?}");
    }
}

#[test]
fn an_hour_that_answered_nothing_is_named_beside_the_peak_hour() {
    // One front-end, lost from 1:00 to 2:00: that hour answers nothing, so
    // it has no p95 and is never the peak hour by p95; its errors are
    // named beside it. Hour 3 carries three times the load.
    let mut profile = vec![1.0; 24];
    profile[3] = 3.0;
    let dir = std::env::temp_dir().join(format!("o11sim-error-peak-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("outage.csv");
    let run = |failures: &str| {
        let out = o11sim(&[
            "run",
            "prod",
            "--set",
            "front_ends=1",
            "--set",
            "traffic.portal.rate=50",
            "--set",
            "traffic.backoffice.rate=2",
            "--set",
            &format!("traffic.portal.profile={profile:?}"),
            "--set",
            &format!("failures={failures}"),
            "--duration",
            "4h",
            "--warmup",
            "0s",
            "--replications",
            "3",
            "--json",
            "-",
            "--csv",
            csv.to_str().unwrap(),
        ]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        doc["variants"][0]["timeline"].clone()
    };
    // The timeline CSV's windows marked `error_peak`, as (row, window).
    let marked = || {
        let mut r = csv::Reader::from_path(dir.join("outage-timeline.csv")).unwrap();
        let header = r.headers().unwrap().clone();
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        let (row, window, mark) = (col("row"), col("window"), col("error_peak"));
        r.records()
            .map(Result::unwrap)
            .filter(|rec| !rec[mark].is_empty())
            .map(|rec| {
                assert_eq!(&rec[mark], "1");
                (rec[row].to_owned(), rec[window].to_owned())
            })
            .collect::<Vec<_>>()
    };
    let t = run(r#"[{front_end="main.1", at="1h", duration="1h"}]"#);
    let portal = |list: &serde_json::Value| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|p| p["class"] == "portal")
            .cloned()
    };
    let peak = portal(&t["peaks"]).expect("portal has a peak hour");
    assert_ne!(peak["window"], 1, "{peak}");
    let errors = portal(&t["error_peaks"]).expect("the outage hour is named");
    assert_eq!(errors["window"], 1, "{errors}");
    assert_eq!(errors["time_of_day"], "01:00-02:00");
    // A request or two that got in before the failure may finish in it.
    assert!(
        errors["error_rate"][0].as_f64().unwrap() > 0.999,
        "{errors}"
    );
    assert!(
        errors["throughput_rps"][0].as_f64().unwrap() < 0.01,
        "{errors}"
    );
    // The timeline CSV marks the same window, and only where the JSON
    // names one.
    let named: Vec<(String, String)> = t["error_peaks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["class"].as_str().unwrap().to_owned(),
                p["window"].to_string(),
            )
        })
        .collect();
    assert!(
        named.contains(&("portal".to_owned(), "1".to_owned())),
        "{named:?}"
    );
    let mut in_csv = marked();
    in_csv.sort();
    let mut named = named;
    named.sort();
    assert_eq!(in_csv, named);
    // Without the failure no hour's errors stand out.
    let calm = run("[]");
    assert!(portal(&calm["peaks"]).is_some());
    assert_eq!(calm["error_peaks"], serde_json::json!([]), "{calm}");
    assert_eq!(marked(), Vec::new());
    std::fs::remove_dir_all(&dir).unwrap();
}
