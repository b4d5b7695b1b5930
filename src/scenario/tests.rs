//! Tests of scenario loading: the presets, every kind of bad input (each
//! asserting on the file, line, column and field path of the message), and
//! `--set`.

use std::path::PathBuf;

use proptest::prelude::*;

use super::*;
use crate::model::{Arrivals, Balancer, Controller, FailureTarget, Slo};

/// A small valid single-environment scenario.
const MIN: &str = "[traffic.web]\nrate = 10\ncpu = \"exp(10ms)\"\n";

fn ok(text: &str) -> Scenario {
    match load_str("t.toml", text, &[]) {
        Ok(s) => s,
        Err(e) => panic!("expected a valid scenario, got:\n{e}"),
    }
}

fn err(text: &str) -> String {
    err_set(text, &[])
}

fn sets(args: &[&str]) -> Vec<Override> {
    args.iter()
        .map(|a| a.parse().unwrap_or_else(|e| panic!("{a}: {e}")))
        .collect()
}

fn err_set(text: &str, args: &[&str]) -> String {
    match load_str("t.toml", text, &sets(args)) {
        Ok(_) => panic!("expected an error for:\n{text}\nwith {args:?}"),
        Err(e) => e.to_string(),
    }
}

fn load_preset(name: &str, args: &[&str]) -> Scenario {
    load(name, &sets(args)).unwrap_or_else(|e| panic!("{name} {args:?}: {e}"))
}

/// Asserts that `message` contains every one of `parts`.
#[track_caller]
fn has(message: &str, parts: &[&str]) {
    for p in parts {
        assert!(message.contains(p), "missing {p:?} in:\n{message}");
    }
}

/// A fresh scratch directory for file tests.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("o11sim-scenario-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

// ---- presets ----

#[test]
fn every_preset_loads_by_name_alias_and_file() {
    assert_eq!(presets().len(), 4);
    assert!(find_preset(DEFAULT_PRESET).is_some());
    for p in presets() {
        let by_name = load_preset(p.name, &[]);
        assert_eq!(by_name.name, p.name);
        by_name.model.check().unwrap();
        assert_eq!(by_name.replications, 10, "{}", p.name);
        assert_eq!(by_name.seed, 1, "{}", p.name);
        assert_eq!(by_name.model.duration, 3600.0, "{}", p.name);
        assert_eq!(by_name.model.warmup, 300.0, "{}", p.name);
        assert_eq!(by_name.source_text, p.text);
        for alias in p.aliases {
            assert_eq!(load_preset(alias, &[]).model, by_name.model, "{alias}");
        }
        let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(p.file);
        let file = file.to_str().unwrap();
        let from_file = load_preset(file, &[]);
        assert_eq!(from_file.model, by_name.model, "{file}");
        assert_eq!(from_file.name, file);
        assert!(
            p.text.starts_with("# "),
            "{} must start with comments on its sources",
            p.file
        );
        assert!(
            p.text.contains("Infrastructure design examples"),
            "{}",
            p.file
        );
    }
}

#[test]
fn preset_lookup() {
    assert_eq!(find_preset("PROD").map(|p| p.name), Some("example2"));
    assert_eq!(find_preset("dev-qa").map(|p| p.name), Some("example1"));
    assert_eq!(
        find_preset("example4-zones").map(|p| p.name),
        Some("example4")
    );
    // A .toml name is always a file, so an edited copy is read from disk.
    assert!(find_preset("example2-production.toml").is_none());
    assert!(find_preset("nope").is_none());
}

/// Mean CPU seconds per second each front-end and database gets from the
/// open classes, closed classes (at most users / think) and timers.
/// Utilization of each named machine.
type Loads = Vec<(String, f64)>;

fn utilizations(s: &Scenario) -> (Loads, Loads) {
    let m = &s.model;
    let mut fe_load = vec![0.0; m.front_ends.len()];
    let mut db_load = vec![0.0; m.databases.len()];
    let mut add = |zone: usize, per_s: f64, cpu: f64, calls: f64, db_time: f64| {
        let fes = m.zone_front_ends(zone);
        let n = fes.len() as f64;
        for f in fes {
            fe_load[f] += per_s * cpu / n;
        }
        let db = m.environments[m.zones[zone].environment].database;
        db_load[db] += per_s * calls * db_time;
    };
    for c in &m.classes {
        let per_s = match &c.arrivals {
            Arrivals::Open { rate, profile } => {
                rate * profile.map_or(1.0, |p| p.iter().copied().fold(0.0, f64::max))
            }
            Arrivals::Closed { users, think } => f64::from(*users) / think.mean(),
        };
        add(
            c.zone,
            per_s,
            c.cpu.mean(),
            c.db_calls.mean(),
            c.db_time.mean(),
        );
    }
    for t in &m.timers {
        add(
            t.zone,
            1.0 / t.period,
            t.cpu.mean(),
            t.db_calls.mean(),
            t.db_time.mean(),
        );
    }
    let fe = m
        .front_ends
        .iter()
        .zip(fe_load)
        .map(|(f, l)| (f.name.clone(), l / f.cores))
        .collect();
    let db = m
        .databases
        .iter()
        .zip(db_load)
        .map(|(d, l)| (d.name.clone(), l / d.cores))
        .collect();
    (fe, db)
}

#[test]
fn no_preset_is_overloaded() {
    for p in presets() {
        let s = load_preset(p.name, &[]);
        let (fe, db) = utilizations(&s);
        for (name, u) in fe {
            assert!(
                u < 0.6,
                "{}: front-end {name} at {:.0} % CPU",
                p.name,
                u * 100.0
            );
        }
        for (name, u) in db {
            assert!(
                u < 0.7,
                "{}: database {name} at {:.0} % CPU",
                p.name,
                u * 100.0
            );
        }
    }
}

#[test]
fn production_preset_is_calibrated_to_the_sizing_guide() {
    let s = load_preset("prod", &[]);
    let m = &s.model;
    assert_eq!(m.front_ends.len(), 3);
    assert!(
        m.front_ends
            .iter()
            .all(|f| f.cores == 4.0 && f.iis_workers == 48)
    );
    assert_eq!(m.zones[0].balancer, Balancer::RoundRobin);
    assert_eq!(m.databases[0].nodes, 2);
    assert_eq!(m.databases[0].cores, 4.0);
    let portal = &m.classes[0];
    assert_eq!(portal.name, "portal");
    // One 4-core front-end at 250 req/s runs at 70 % CPU.
    assert!((250.0 * portal.cpu.mean() / 4.0 - 0.7).abs() < 1e-9);
    // The database at 400 tx/s runs at 70 % of 4 cores.
    let per_tx = portal.db_calls.mean() * portal.db_time.mean();
    assert!((400.0 * per_tx / 4.0 - 0.7).abs() < 1e-9);
    assert_eq!(portal.slos, vec![Slo::P95(0.8)]);
    assert_eq!(m.front_ends[0].name, "main.1");
}

#[test]
fn multi_environment_preset_names_and_order() {
    let s = load_preset("example1", &[]);
    let m = &s.model;
    let envs: Vec<&str> = m.environments.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(envs, ["dev", "qa"]);
    let dbs: Vec<&str> = m.databases.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(dbs, ["dev_sql", "qa_sql"]);
    assert_ne!(m.environments[0].database, m.environments[1].database);
    assert_eq!(m.zones[0].name, "dev.main");
    assert_eq!(m.front_ends[0].name, "dev.main.1");
    assert_eq!(m.development.len(), 1);
    assert_eq!(m.development[0].developers, 8);
    assert_eq!(
        m.development[0].controller,
        Controller::Dedicated { cores: 4 }
    );
    let zones = load_preset("zones", &[]);
    let names: Vec<&str> = zones.model.zones.iter().map(|z| z.name.as_str()).collect();
    assert_eq!(names, ["public", "partners", "internal"], "file order");
    assert!(zones.model.zones[1].extra_network.is_some());
    assert_eq!(zones.model.front_ends.len(), 7);
}

#[test]
fn documented_examples_load() {
    let doc = include_str!("../../docs/scenarios.md");
    let blocks: Vec<&str> = doc
        .split("```toml\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .collect();
    assert!(blocks.len() >= 5, "docs/scenarios.md lost its examples");
    let single = load_str("doc-single", blocks[0], &[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(single.model.front_ends.len(), 3);
    let multi = load_str("doc-multi", blocks[1], &[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(multi.model.databases.len(), 1);
    assert_eq!(multi.model.front_ends[2].name, "qa.main.2");
    let external = load_str("doc-external", blocks[2], &[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(external.model.classes[0].integrations.len(), 1);
    let bpt = format!("front_ends = 2\n{}", blocks[3]);
    let bpt = load_str("doc-processes", &bpt, &[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(bpt.model.processes.len(), 1);
    assert_eq!(bpt.model.front_ends[0].process_threads, 20);
    assert!(bpt.model.front_ends[0].execute_processes);
    assert!(!bpt.model.front_ends[1].execute_processes);
    let failures = format!("front_ends = 2\n{MIN}\n{}", blocks[4]);
    let f = load_str("doc-failures", &failures, &[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(f.model.failures.len(), 1);
    assert_eq!(f.model.random_failures.len(), 1);
}

// ---- files ----

#[test]
fn missing_file() {
    let e = load("no/such/dir/scenario.toml", &[])
        .unwrap_err()
        .to_string();
    has(
        &e,
        &["no/such/dir/scenario.toml", "no such file", "example2"],
    );
    let e = load("prdo", &[]).unwrap_err().to_string();
    has(&e, &["prdo: no such file", "did you mean `prod`?"]);
}

#[test]
fn directory() {
    let dir = scratch("dir");
    let e = load(dir.to_str().unwrap(), &[]).unwrap_err();
    assert!(matches!(e, ScenarioError::IsDirectory { .. }), "{e}");
    has(&e.to_string(), &[dir.to_str().unwrap(), "is a directory"]);
}

#[test]
fn not_utf8() {
    let dir = scratch("utf8");
    let file = dir.join("bad.toml");
    std::fs::write(&file, b"front_ends = 2\nname = \"caf\xe9\"\n").unwrap();
    let e = load(file.to_str().unwrap(), &[]).unwrap_err().to_string();
    has(&e, &["bad.toml:2:12:", "not UTF-8", "0xe9"]);
}

#[test]
fn empty_file() {
    let dir = scratch("empty");
    let file = dir.join("empty.toml");
    std::fs::write(&file, "").unwrap();
    let e = load(file.to_str().unwrap(), &[]).unwrap_err().to_string();
    has(&e, &["empty.toml", "empty"]);
    has(&err("  \n\n"), &["t.toml", "empty"]);
    has(&err("# only a comment\n"), &["t.toml", "empty"]);
}

#[test]
fn reads_a_file_with_a_byte_order_mark() {
    let dir = scratch("bom");
    let file = dir.join("bom.toml");
    std::fs::write(&file, format!("\u{feff}{MIN}")).unwrap();
    load(file.to_str().unwrap(), &[]).unwrap();
}

#[test]
fn nesting_past_the_readers_limit_is_placed_and_long_lines_are_cut() {
    let deep = format!("front_ends = 2\n[{}]\n", vec!["a"; 10_000].join("."));
    let e = err(&deep);
    has(&e, &["t.toml:2:1:", "nested too deeply", "2 | [a.a.a"]);
    assert!(e.len() < 1_000, "the snippet is cut: {} bytes", e.len());
    let brackets = format!("a = {}\n", "[".repeat(10_000));
    let e = err(&brackets);
    has(&e, &["t.toml:1:", "invalid TOML"]);
    assert!(e.len() < 1_000, "the snippet is cut: {} bytes", e.len());
}

#[test]
fn toml_syntax_error() {
    let e = err("front_ends = 3\ncores = = 4\n");
    has(&e, &["t.toml:2:", "invalid TOML", "2 | cores = = 4"]);
    let e = err("front_ends = 3\nfront_ends = 4\n");
    has(&e, &["t.toml:2:1:", "duplicate key `front_ends`"]);
}

// ---- schema errors ----

#[test]
fn unknown_field() {
    let e = err("[traffic.portal]\nrate = 1\ncpux = \"exp(1ms)\"\n");
    has(
        &e,
        &[
            "t.toml:3:1: traffic.portal.cpux: unknown key `cpux`",
            "did you mean `cpu`?",
            "allowed keys in traffic.portal: zone, rate, profile, users, think, network, cpu",
            "3 | cpux",
        ],
    );
    let e = err(&format!("frontends = 3\n{MIN}"));
    has(
        &e,
        &[
            "t.toml:1:1: frontends: unknown key `frontends`",
            "did you mean `front_ends`?",
            "at the top level",
        ],
    );
    let e = err(&format!("seed = 4\n{MIN}"));
    has(
        &e,
        &[
            "t.toml:1:1: seed: unknown key `seed`",
            "Did you mean simulation.seed?",
        ],
    );
    let e = err_set(MIN, &["seed=4"]);
    has(&e, &["--set seed=4:", "Did you mean simulation.seed?"]);
    let e = err(&format!("{MIN}front_ends = 2\n"));
    has(
        &e,
        &[
            "t.toml:4:1: traffic.web.front_ends: unknown key `front_ends`",
            "`front_ends` is allowed at the top level",
            "move it above the first header",
        ],
    );
}

#[test]
fn wrong_type() {
    let e = err(&format!("front_ends = \"three\"\n{MIN}"));
    has(&e, &["t.toml:1:14: front_ends:", "expected a whole number"]);
    let e = err("[traffic.web]\nrate = \"fast\"\ncpu = \"exp(1ms)\"\n");
    has(&e, &["t.toml:2:8: traffic.web.rate:", "expected a number"]);
    let e = err(&format!("{MIN}[front_end]\ncpu = \"lifo\"\n"));
    has(
        &e,
        &[
            "t.toml:5:7: front_end.cpu:",
            "unknown value `lifo`",
            "expected `ps` or `fcfs`",
        ],
    );
}

#[test]
fn missing_required_key() {
    let e = err("[traffic.web]\nrate = 10\n");
    has(
        &e,
        &["t.toml:1:10: traffic.web.cpu: required key `cpu` is missing"],
    );
    let e = err(&format!(
        "{MIN}[[failures]]\nfront_end = \"main.1\"\nat = \"10m\"\n"
    ));
    has(
        &e,
        &[
            "t.toml:4:",
            "failures[0].duration: required key `duration` is missing",
        ],
    );
}

#[test]
fn zero_or_negative_where_positive_needed() {
    let e = err(&format!("front_ends = 0\n{MIN}"));
    has(
        &e,
        &["t.toml:1:14: front_ends: must be a whole number of at least 1, got 0"],
    );
    let e = err(&format!("{MIN}[front_end]\ncores = -2\n"));
    has(
        &e,
        &["t.toml:5:9: front_end.cores: must be a positive number, got -2"],
    );
    let e = err("[traffic.web]\nrate = 0\ncpu = \"exp(1ms)\"\n");
    has(
        &e,
        &["t.toml:2:8: traffic.web.rate: must be a positive number, got 0"],
    );
    let e = err("[traffic.web]\nusers = 0\nthink = \"exp(1s)\"\ncpu = \"exp(1ms)\"\n");
    has(
        &e,
        &["t.toml:2:9: traffic.web.users: must be a whole number of at least 1"],
    );
    let e = err(&format!("{MIN}[simulation]\nduration = \"0s\"\n"));
    has(
        &e,
        &["t.toml:5:12: simulation.duration: must be longer than zero"],
    );
    let e = err(&format!("{MIN}[simulation]\nreplications = 0\n"));
    has(
        &e,
        &["simulation.replications: must be a whole number of at least 1"],
    );
    let e = err(&format!("{MIN}[simulation]\nseed = -1\n"));
    has(
        &e,
        &["t.toml:5:8: simulation.seed: must be zero or a positive"],
    );
    let e = err(&format!("{MIN}[database]\nnodes = 0\n"));
    has(&e, &["t.toml:5:9: database.nodes:"]);
}

#[test]
fn bad_distribution() {
    let text = "kind = \"production\"\n\n[traffic.portal]\nrate = 5\n      cpu = \"expo(3ms)\"\n";
    let e = err(text);
    has(
        &e,
        &[
            "t.toml:5:13: traffic.portal.cpu:",
            "\"expo(3ms)\"",
            "expected",
            "5 |       cpu = \"expo(3ms)\"",
            "  |             ^^^^^^^^^^^",
        ],
    );
    let e = err("[traffic.web]\nrate = 5\ncpu = 12\n");
    has(
        &e,
        &["t.toml:3:7: traffic.web.cpu:", "needs text with a unit"],
    );
}

#[test]
fn bad_duration() {
    let e = err(&format!("{MIN}timeout = \"10 parsecs\"\n"));
    has(
        &e,
        &[
            "t.toml:4:11: traffic.web.timeout:",
            "bad duration",
            "\"10 parsecs\"",
        ],
    );
    let e = err(&format!("{MIN}timeout = 10\n"));
    has(
        &e,
        &[
            "t.toml:4:11: traffic.web.timeout:",
            "needs a unit",
            "\"10s\"",
        ],
    );
}

#[test]
fn slo_with_unknown_key() {
    let e = err(&format!("{MIN}slo = {{ p90 = \"1s\" }}\n"));
    has(
        &e,
        &[
            "t.toml:4:9: traffic.web.slo.p90: unknown key `p90`",
            "allowed keys in traffic.web.slo: p95, p99, mean",
        ],
    );
    let s = ok(&format!(
        "{MIN}slo = {{ p99 = \"2s\", mean = \"300ms\" }}\n"
    ));
    assert_eq!(s.model.classes[0].slos, vec![Slo::P99(2.0), Slo::Mean(0.3)]);
}

#[test]
fn rate_and_users_together() {
    let e = err("[traffic.web]\nrate = 5\nusers = 10\nthink = \"exp(1s)\"\ncpu = \"exp(1ms)\"\n");
    has(&e, &["t.toml:3:1: traffic.web.users:", "not both"]);
    let e = err("[traffic.web]\ncpu = \"exp(1ms)\"\n");
    has(&e, &["t.toml:1:10: traffic.web:", "needs its arrivals"]);
    let e = err("[traffic.web]\nusers = 10\ncpu = \"exp(1ms)\"\n");
    has(&e, &["t.toml:2:1: traffic.web.users:", "think"]);
    let e = err(&format!("{MIN}think = \"exp(1s)\"\n"));
    has(&e, &["t.toml:4:1: traffic.web.think:", "goes with `users`"]);
}

#[test]
fn simulation_start_is_a_time_of_day() {
    assert_eq!(ok(MIN).model.start, 0.0);
    let at = |v: &str| ok(&format!("[simulation]\nstart = {v}\n{MIN}")).model.start;
    assert_eq!(at("\"08:00\""), 8.0 * 3600.0);
    assert_eq!(at("\"23:59:59\""), 86_399.0);
    assert_eq!(at("\"00:30\""), 1800.0);
    // A TOML local time, unquoted.
    assert_eq!(at("08:15:00"), 8.0 * 3600.0 + 900.0);
    for bad in [
        "\"24:00\"",
        "\"8:00\"",
        "\"08:60\"",
        "\"08:00:61\"",
        "\"8am\"",
        "\"\"",
        "\"08:00:00:00\"",
        "8",
    ] {
        let e = err(&format!("[simulation]\nstart = {bad}\n{MIN}"));
        has(
            &e,
            &["t.toml:2:9: simulation.start:", "\"HH:MM\" or \"HH:MM:SS\""],
        );
    }
    let e = err_set(MIN, &["simulation.start=25:00"]);
    has(
        &e,
        &["simulation.start", "\"HH:MM\" or \"HH:MM:SS\"", "25:00"],
    );
    assert_eq!(
        load_str("t.toml", MIN, &sets(&["simulation.start=17:45"]))
            .unwrap()
            .model
            .start,
        17.0 * 3600.0 + 45.0 * 60.0
    );
}

#[test]
fn profile_rules() {
    let mut hours = vec!["1"; 24];
    let s = ok(&format!("{MIN}profile = [{}]\n", hours.join(", ")));
    assert!(matches!(
        s.model.classes[0].arrivals,
        Arrivals::Open { profile: Some(p), .. } if p == [1.0; 24]
    ));
    let e = err(&format!("{MIN}profile = [1, 2]\n"));
    has(
        &e,
        &[
            "t.toml:4:11: traffic.web.profile:",
            "exactly 24 numbers",
            "got 2",
        ],
    );
    hours[5] = "-1";
    let e = err(&format!("{MIN}profile = [{}]\n", hours.join(", ")));
    has(
        &e,
        &["traffic.web.profile[5]: must be zero or a positive number"],
    );
    let zeros = vec!["0"; 24];
    let e = err(&format!("{MIN}profile = [{}]\n", zeros.join(", ")));
    has(
        &e,
        &[
            "traffic.web.profile:",
            "at least one multiplier must be positive",
        ],
    );
}

// ---- references ----

const ZONES: &str = "\
[zones.public]
front_ends = 2

[zones.internal]
front_ends = 1
";

#[test]
fn unknown_zone() {
    let e = err(&format!(
        "{ZONES}\n[traffic.web]\nzone = \"publik\"\nrate = 1\ncpu = \"exp(1ms)\"\n"
    ));
    has(
        &e,
        &[
            "t.toml:8:8: traffic.web.zone: no zone `publik`",
            "did you mean `public`?",
            "its zones: public, internal",
        ],
    );
}

#[test]
fn ambiguous_zone() {
    let e = err(&format!("{ZONES}\n{MIN}"));
    has(
        &e,
        &[
            "t.toml:7:10: traffic.web:",
            "several zones (public, internal)",
            "zone = \"public\"",
        ],
    );
    let s = ok(&format!("{ZONES}\n{MIN}zone = \"internal\"\n"));
    assert_eq!(s.model.classes[0].zone, 1);
    assert_eq!(s.model.front_ends[2].name, "internal.1");
}

#[test]
fn front_ends_and_zones_conflict() {
    let e = err(&format!(
        "front_ends = 2\n{ZONES}\n{MIN}zone = \"public\"\n"
    ));
    has(&e, &["t.toml:1:1: front_ends:", "[zones]"]);
}

const MULTI: &str = "\
[databases.shared]
cores = 8

[environments.dev]
kind = \"development\"
database = { instance = \"shared\" }

[environments.dev.traffic.devtest]
rate = 1
cpu = \"exp(10ms)\"

[environments.qa]
kind = \"qa\"
front_ends = 2

[environments.qa.database]
instance = \"shared\"

[environments.qa.traffic.qatest]
rate = 2
cpu = \"exp(10ms)\"
";

#[test]
fn shared_instance() {
    let s = ok(MULTI);
    let m = &s.model;
    assert_eq!(m.databases.len(), 1);
    assert_eq!(m.environments[0].database, 0);
    assert_eq!(m.environments[1].database, 0);
    assert_eq!(m.front_ends[2].name, "qa.main.2");
}

#[test]
fn unknown_instance() {
    let text = MULTI.replace("instance = \"shared\"\n", "instance = \"shraed\"\n");
    let e = err(&text);
    has(
        &e,
        &[
            "t.toml:17:12: environments.qa.database.instance: no database instance `shraed`",
            "did you mean `shared`?",
            "[databases] defines: shared",
        ],
    );
    let e = err(&format!("{MULTI}\n[environments.qa.database]\ncores = 2\n"));
    has(&e, &["invalid TOML"]);
}

#[test]
fn instance_with_own_settings() {
    let text = MULTI.replace(
        "[environments.qa.database]\ninstance = \"shared\"\n",
        "[environments.qa.database]\ninstance = \"shared\"\ncores = 2\n",
    );
    let e = err(&text);
    has(
        &e,
        &[
            "t.toml:18:1: environments.qa.database.cores:",
            "[databases.shared]",
        ],
    );
}

#[test]
fn unknown_environment_reference() {
    let e = err(&format!(
        "{MULTI}\n[[failures]]\nfront_end = \"prod.main.1\"\nat = \"10m\"\nduration = \"1m\"\n"
    ));
    has(
        &e,
        &[
            "t.toml:24:13: failures[0].front_end: no front-end `prod.main.1`",
            "ENVIRONMENT.ZONE.N",
            "dev.main.1, qa.main.1, qa.main.2",
        ],
    );
    let e = err_set(MULTI, &["environments.prod.front_ends=2"]);
    has(
        &e,
        &[
            "--set environments.prod.front_ends=2:",
            "the scenario has no environments.prod",
            "environments defines: dev, qa",
        ],
    );
}

#[test]
fn environment_and_instance_names_clash() {
    let text = "[databases.dev]\ncores = 2\n[environments.dev.traffic.web]\nrate = 1\ncpu = \"exp(1ms)\"\n";
    let e = err(text);
    has(
        &e,
        &[
            "t.toml:3:15: environments.dev:",
            "[databases.dev] also exists",
            "instance = \"dev\"",
        ],
    );
    let e = err("environments = {}\n");
    has(&e, &["t.toml:1:1: environments:", "lists no environment"]);
}

#[test]
fn environment_keys_must_not_be_top_level_with_environments() {
    let e = err(&format!("front_ends = 2\n{MULTI}"));
    has(&e, &["t.toml:1:1: front_ends:", "[environments.NAME]"]);
}

#[test]
fn class_names_are_unique_across_environments() {
    let text = MULTI.replace("traffic.qatest", "traffic.devtest");
    let e = err(&text);
    has(
        &e,
        &[
            "t.toml:19:",
            "environments.qa.traffic.devtest:",
            "also defined in environment `dev`",
        ],
    );
}

#[test]
fn failure_targets() {
    let s = ok(&format!(
        "front_ends = 3\n{MIN}\n[[failures]]\nfront_end = \"main.2\"\nat = \"10m\"\nduration = \"5m\"\n\n[[failures]]\ndatabase = \"primary\"\nat = \"20m\"\nduration = \"30s\"\n\n[[random_failures]]\nfront_end = \"main.3\"\nmtbf = \"2h\"\nmttr = \"10m\"\n"
    ));
    let m = &s.model;
    assert_eq!(m.failures[0].target, FailureTarget::FrontEnd(1));
    assert_eq!(m.failures[0].at, 600.0);
    assert_eq!(m.failures[1].target, FailureTarget::DatabasePrimary(0));
    assert_eq!(m.random_failures[0].target, FailureTarget::FrontEnd(2));
    let e = err(&format!(
        "front_ends = 3\n{MIN}\n[[failures]]\nfront_end = \"main.4\"\nat = \"10m\"\nduration = \"5m\"\n"
    ));
    has(
        &e,
        &[
            "t.toml:7:13: failures[0].front_end: no front-end `main.4`",
            "main.1, main.2, main.3",
        ],
    );
    let e = err(&format!(
        "{MIN}\n[[failures]]\nfront_end = \"main.1\"\ndatabase = \"primary\"\nat = \"10m\"\nduration = \"5m\"\n"
    ));
    has(&e, &["t.toml:7:1: failures[0].database:", "not both"]);
    let e = err(&format!(
        "{MIN}\n[[failures]]\ndatabase = \"primary\"\nat = \"3h\"\nduration = \"5m\"\n"
    ));
    has(
        &e,
        &["t.toml:7:6: failures[0].at:", "after the end of the run"],
    );
}

#[test]
fn development_controller_defaults_follow_the_sizing_guide() {
    let small = ok(&format!("{MIN}[development]\ndevelopers = 8\n"));
    assert_eq!(
        small.model.development[0].controller,
        Controller::CoLocated { front_end: 0 }
    );
    let big = ok(&format!("{MIN}[development]\ndevelopers = 16\n"));
    assert_eq!(
        big.model.development[0].controller,
        Controller::Dedicated { cores: 4 }
    );
    let e = err(&format!(
        "{MIN}[development]\ndevelopers = 8\ncontroller = \"co_located\"\ncontroller_cores = 2\n"
    ));
    has(
        &e,
        &["t.toml:7:1: development.controller_cores:", "dedicated"],
    );
}

#[test]
fn defaults_are_applied() {
    let s = ok(MIN);
    let m = &s.model;
    assert_eq!((s.replications, s.seed), (10, 1));
    assert_eq!((m.duration, m.warmup), (3600.0, 300.0));
    assert_eq!(m.environments[0].name, "production");
    let fe = &m.front_ends[0];
    assert_eq!(fe.name, "main.1");
    assert_eq!(
        (fe.cores, fe.iis_workers, fe.iis_queue, fe.db_pool),
        (4.0, 48, 1000, 100)
    );
    assert_eq!((fe.connect_timeout, fe.timer_slots), (15.0, 3));
    let db = &m.databases[0];
    assert_eq!(
        (db.cores, db.nodes, db.failover_duration, db.query_timeout),
        (4.0, 2, 30.0, 30.0)
    );
    let c = &m.classes[0];
    assert_eq!(c.timeout, 10.0);
    assert!((c.db_calls.mean() - 2.0).abs() < 1e-12);
    assert!((c.db_time.mean() - 0.0035).abs() < 1e-12);
    assert!((c.network.mean() - 0.005).abs() < 1e-12);
    // Zone front_end overrides the environment's, and IIS workers follow
    // the cores unless set.
    let s = ok(&format!(
        "{MIN}zone = \"small\"\n[front_end]\ncores = 4\ndb_pool = 50\n[zones.small]\nfront_ends = 1\nfront_end = {{ cores = 2 }}\n[zones.big]\nfront_ends = 1\n"
    ));
    let fes = &s.model.front_ends;
    assert_eq!(
        (fes[0].cores, fes[0].iis_workers, fes[0].db_pool),
        (2.0, 24, 50)
    );
    assert_eq!(
        (fes[1].cores, fes[1].iis_workers, fes[1].db_pool),
        (4.0, 48, 50)
    );
    // A bare number is a constant count.
    let s = ok(&format!("{MIN}db_calls = 3\n"));
    assert!((s.model.classes[0].db_calls.mean() - 3.0).abs() < 1e-12);
}

#[test]
fn reserved_and_bad_names() {
    let e = err("[traffic.publish]\nrate = 1\ncpu = \"exp(1ms)\"\n");
    has(&e, &["t.toml:1:10: traffic.publish:", "reserved"]);
    let e = err("[traffic.\"web app\"]\nrate = 1\ncpu = \"exp(1ms)\"\n");
    has(
        &e,
        &["t.toml:1:10: traffic.\"web app\":", "letters, digits"],
    );
}

#[test]
fn no_work() {
    let e = err("front_ends = 2\n");
    has(&e, &["t.toml:", "no work to simulate"]);
}

// ---- --set ----

#[test]
fn override_parsing() {
    let o: Override = "traffic.portal.cpu=lognormal(mean=11ms, cv=1)"
        .parse()
        .unwrap();
    assert_eq!(o.path, "traffic.portal.cpu");
    assert_eq!(o.value, "lognormal(mean=11ms, cv=1)");
    assert_eq!(
        o.to_string(),
        "traffic.portal.cpu=lognormal(mean=11ms, cv=1)"
    );
    let e = "front_ends".parse::<Override>().unwrap_err().to_string();
    has(&e, &["--set \"front_ends\"", "KEY=VALUE"]);
    let e = "=3".parse::<Override>().unwrap_err().to_string();
    has(&e, &["--set \"=3\"", "empty"]);
    assert!("a..b=3".parse::<Override>().is_err());
}

#[test]
fn set_front_ends_rate_and_duration_on_production() {
    let s = load_preset("production", &["front_ends=5"]);
    assert_eq!(s.model.front_ends.len(), 5);
    assert_eq!(s.model.front_ends[4].name, "main.5");
    let s = load_preset("production", &["traffic.portal.rate=100"]);
    assert!(matches!(s.model.classes[0].arrivals, Arrivals::Open { rate, .. } if rate == 100.0));
    let s = load_preset("production", &["simulation.duration=10m"]);
    assert_eq!(s.model.duration, 600.0);
    assert!(
        s.source_text.contains("duration = \"10m\""),
        "{}",
        s.source_text
    );
    // The overridden text reads back to the same model, in the same order.
    let again = load_str("again", &s.source_text, &[]).unwrap();
    assert_eq!(again.model, s.model);
    for p in presets() {
        let s = load_preset(p.name, &["simulation.seed=7"]);
        let again = load_str("again", &s.source_text, &[])
            .unwrap_or_else(|e| panic!("{}: {e}\n{}", p.name, s.source_text));
        assert_eq!(again.model, s.model, "{}", p.name);
        assert_eq!(again.seed, 7);
    }
}

#[test]
fn set_values_of_every_type() {
    let s = load_preset(
        "prod",
        &[
            "traffic.portal.cpu=exp(10ms)",
            "front_end.cores=2.5",
            "load_balancer.policy=least_connections",
            "traffic.portal.slo={ p99 = \"1s\" }",
            "simulation.seed=42",
            "traffic.backoffice.profile=[0,0,0,0,0,0,0,0,1,1,1,1,1,1,1,1,1,1,0,0,0,0,0,0]",
        ],
    );
    let m = &s.model;
    assert!((m.classes[0].cpu.mean() - 0.010).abs() < 1e-12);
    assert_eq!(m.front_ends[0].cores, 2.5);
    assert_eq!(m.front_ends[0].iis_workers, 30);
    assert_eq!(m.zones[0].balancer, Balancer::LeastConnections);
    assert_eq!(m.classes[0].slos, vec![Slo::P99(1.0)]);
    assert_eq!(s.seed, 42);
    // Later overrides win; a missing fixed table is created.
    let s = load_str(
        "t",
        MIN,
        &sets(&["simulation.duration=1m", "simulation.duration=2m"]),
    )
    .unwrap();
    assert_eq!(s.model.duration, 120.0);
    let s = load_str("t", MIN, &sets(&["database.cores=16"])).unwrap();
    assert_eq!(s.model.databases[0].cores, 16.0);
}

#[test]
fn set_unknown_path() {
    let e = err_set(MIN, &["front_end.coresx=3"]);
    has(
        &e,
        &[
            "--set front_end.coresx=3:",
            "front_end has no key `coresx` (did you mean `cores`?)",
            "allowed keys there: cores, cpu, iis_workers",
        ],
    );
    let e = err_set(MIN, &["traffic.webb.rate=5"]);
    has(
        &e,
        &[
            "--set traffic.webb.rate=5:",
            "no traffic.webb (did you mean `web`?)",
            "traffic defines: web",
        ],
    );
    let e = err_set(MIN, &["frontends=5"]);
    has(
        &e,
        &[
            "--set frontends=5:",
            "the top level has no key `frontends`",
            "did you mean `front_ends`?",
        ],
    );
    let e = err_set(MIN, &["traffic.web.rate.x=5"]);
    has(&e, &["traffic.web.rate is a single value"]);
    let e = err_set(MIN, &["failures[0].at=5m"]);
    has(
        &e,
        &["--set failures[0].at=5m:", "failures has 0 element(s)"],
    );
}

#[test]
fn set_bad_value() {
    let e = err_set(MIN, &["traffic.web.cpu=expo(3ms)"]);
    has(
        &e,
        &[
            "--set traffic.web.cpu=expo(3ms):",
            "\"expo(3ms)\"",
            "came from --set",
        ],
    );
    assert!(!e.contains("t.toml:"), "{e}");
    let e = err_set(MIN, &["front_ends=zero"]);
    has(
        &e,
        &[
            "--set front_ends=zero:",
            "expected a whole number",
            "came from --set",
        ],
    );
    let e = err_set(MIN, &["traffic.web.rate=-3"]);
    has(
        &e,
        &[
            "--set traffic.web.rate=-3:",
            "must be a positive number, got -3",
        ],
    );
    // A semantic clash caused by --set is blamed on the --set.
    let e = err_set(MIN, &["traffic.web.users=4"]);
    has(&e, &["--set traffic.web.users=4:", "not both"]);
    let closed = "[traffic.web]\nusers = 4\nthink = \"exp(1s)\"\ncpu = \"exp(1ms)\"\n";
    let e = err_set(closed, &["traffic.web.rate=4"]);
    has(&e, &["--set traffic.web.rate=4:", "not both"]);
    // Errors elsewhere still point into the file.
    let e = err_set(&format!("{MIN}timeout = \"soon\"\n"), &["front_ends=2"]);
    has(&e, &["t.toml:4:11: traffic.web.timeout:"]);
}

#[test]
fn set_array_elements() {
    let text =
        format!("{MIN}\n[[failures]]\ndatabase = \"primary\"\nat = \"10m\"\nduration = \"1m\"\n");
    for key in ["failures[0].duration", "failures.0.duration"] {
        let s = load_str("t", &text, &sets(&[&format!("{key}=2m")])).unwrap();
        assert_eq!(s.model.failures[0].duration, 120.0, "{key}");
        let e = err_set(&text, &[&format!("{key}=0s")]);
        has(
            &e,
            &[
                &format!("--set {key}=0s:"),
                "must be longer than zero",
                "came from --set",
            ],
        );
    }
    let e = err_set(&text, &["failures[1].at=1m"]);
    has(&e, &["failures has 1 element(s), numbered from 0"]);
}

#[test]
fn a_failed_override_leaves_the_table_unchanged() {
    let mut table: toml::Table = MIN.parse().unwrap();
    let before = table.clone();
    let e = apply_override(&mut table, &"zones.public.front_ends=2".parse().unwrap())
        .unwrap_err()
        .to_string();
    has(
        &e,
        &[
            "--set zones.public.front_ends=2:",
            "the scenario has no zones.public",
            "zones defines none",
        ],
    );
    assert_eq!(table, before);
}

#[test]
fn set_shorthand_with_one_named_environment() {
    let text = "[environments.prod]\nfront_ends = 2\n[environments.prod.traffic.web]\nrate = 1\ncpu = \"exp(1ms)\"\n";
    let s = load_str(
        "t",
        text,
        &sets(&["front_ends=4", "traffic.web.rate=7", "simulation.seed=3"]),
    )
    .unwrap();
    assert_eq!(s.model.front_ends.len(), 4);
    assert_eq!(s.seed, 3);
    let table: toml::Table = text.parse().unwrap();
    assert_eq!(
        resolve_path(&table, "traffic.web.rate").unwrap(),
        "environments.prod.traffic.web.rate"
    );
    assert_eq!(
        resolve_path(&table, "simulation.duration").unwrap(),
        "simulation.duration"
    );
    let e = err_set(MULTI, &["front_ends=3"]);
    has(
        &e,
        &[
            "--set front_ends=3:",
            "several environments (dev, qa)",
            "environments.NAME.front_ends",
        ],
    );
    let mut table: toml::Table = MIN.parse().unwrap();
    apply_override(&mut table, &"traffic.web.rate=9".parse().unwrap()).unwrap();
    assert_eq!(table["traffic"]["web"]["rate"].as_integer(), Some(9));
}

// ---- robustness ----

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any edit of a preset loads or fails with a message; never a panic.
    #[test]
    fn mangled_presets_never_panic(
        which in 0usize..4,
        cut in 0usize..4000,
        len in 0usize..40,
        insert in "[ -~\\n\\[\\]=\"]{0,12}",
    ) {
        let text = presets()[which].text;
        let start = (cut % text.len().max(1)).min(text.len());
        let mut start = start;
        while !text.is_char_boundary(start) { start -= 1; }
        let mut end = (start + len).min(text.len());
        while !text.is_char_boundary(end) { end -= 1; }
        let mangled = format!("{}{}{}", &text[..start], insert, &text[end..]);
        if let Err(e) = load_str("m.toml", &mangled, &[]) {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    /// Any --set on any preset loads or fails with a message.
    #[test]
    fn arbitrary_overrides_never_panic(
        which in 0usize..4,
        key in "[a-z_.\\[\\]0-9]{1,30}",
        value in "[ -~]{0,20}",
    ) {
        if let Ok(o) = format!("{key}={value}").parse::<Override>()
            && let Err(e) = load(presets()[which].name, &[o])
        {
            prop_assert!(!e.to_string().is_empty());
        }
    }
}

#[test]
fn fcfs_needs_whole_cores() {
    // Same layer: the cores field is named.
    let e = err(&format!("{MIN}[front_end]\ncores = 0.5\ncpu = \"fcfs\"\n"));
    has(
        &e,
        &[
            "t.toml:5:9: front_end.cores:",
            "cpu = \"fcfs\" serves whole cores",
            "cpu = \"ps\"",
        ],
    );
    // Processor sharing keeps fractional cores.
    let s = ok(&format!("{MIN}[front_end]\ncores = 0.5\ncpu = \"ps\"\n"));
    assert!(s.model.front_ends.iter().all(|f| f.cores == 0.5));
    // Whole cores under FCFS are fine.
    ok(&format!("{MIN}[front_end]\ncores = 2\ncpu = \"fcfs\"\n"));
    // Layers: FCFS set for the environment, fractional cores in a zone.
    let e = err(
        "[front_end]\ncpu = \"fcfs\"\n[zones.public]\nfront_ends = 2\nfront_end = { cores = 1.5 }\n[traffic.web]\nrate = 1\ncpu = \"exp(1ms)\"\n",
    );
    has(&e, &["zones.public.front_end.cores:", "1.5 cores"]);
    // The database too.
    let e = err(&format!("{MIN}[database]\ncores = 2.5\ncpu = \"fcfs\"\n"));
    has(&e, &["database.cores:", "serves whole cores"]);
}

#[test]
fn numbers_with_units_or_out_of_range_say_what_is_allowed() {
    let e = err("[traffic.web]\nrate = \"300/s\"\ncpu = \"exp(1ms)\"\n");
    has(
        &e,
        &[
            "t.toml:2:8: traffic.web.rate:",
            "without a unit",
            "requests per second",
        ],
    );
    let e = err(&format!("front_ends = 99999999999999999999\n{MIN}"));
    has(
        &e,
        &[
            "t.toml:1:14:",
            "`front_ends`: 99999999999999999999 is too large",
            "9223372036854775807",
        ],
    );
    assert!(!e.contains("i128"), "{e}");
    let e = err_set(MIN, &["front_ends=99999999999999999999"]);
    has(&e, &["front_ends", "is too large for a whole number"]);
    let e = err_set(MIN, &["traffic.web.rate=fast"]);
    has(
        &e,
        &[
            "traffic.web.rate",
            "expected a number, got the text \"fast\"",
        ],
    );
}

#[test]
fn entries_added_by_set_come_in_natural_order() {
    let mut args = Vec::new();
    for i in [10, 2, 1, 11] {
        args.push(format!(
            "timers.x{i}={{ period = \"1m\", cpu = \"exp(1s)\" }}"
        ));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let s = match load_str("t.toml", MIN, &sets(&args)) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    let names: Vec<&str> = s.model.timers.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["x1", "x2", "x10", "x11"]);
}

#[test]
fn values_too_large_to_simulate_are_refused_where_they_stand() {
    let e = err_set(MIN, &["traffic.web.rate=1e308"]);
    has(&e, &["traffic.web.rate", "1e308 is too large to simulate"]);
    let e = err_set(MIN, &["simulation.duration=1e308s"]);
    has(&e, &["simulation.duration", "too long to simulate"]);
    let e = err_set(MIN, &["traffic.web.db_calls=const(1e18)"]);
    has(&e, &["traffic.web.db_calls", "too many to simulate"]);
    let e = err_set(MIN, &["traffic.web.cpu=exp(2e9s)"]);
    has(&e, &["traffic.web.cpu", "too long to simulate"]);
    // A long but plausible figure is fine.
    ok(&format!(
        "{MIN}[[random_failures]]\nfront_end = \"main.1\"\nmtbf = \"3650d\"\nmttr = \"1h\"\n"
    ));
}

#[test]
fn failures_every_microsecond_are_refused_and_frequent_ones_counted() {
    for (mtbf, mttr, field) in [("1us", "1m", "mtbf"), ("1h", "500ms", "mttr")] {
        let e = err(&format!(
            "{MIN}[[random_failures]]\nfront_end = \"main.1\"\nmtbf = \"{mtbf}\"\nmttr = \"{mttr}\"\n"
        ));
        has(&e, &[&format!("random_failures[0].{field}"), "at least 1s"]);
    }
    let events = |mtbf: &str| {
        ok(&format!(
            "{MIN}[[random_failures]]\nfront_end = \"main.1\"\nmtbf = \"{mtbf}\"\nmttr = \"1s\"\n"
        ))
        .model
        .estimated_events()
    };
    // A failure and a repair every 2 s add to the estimate what a run
    // without failures would not show.
    assert!(events("1s") > events("3650d") + 1000.0);
}

// ---- loading once ----

#[test]
fn variants_are_built_from_the_text_read_once() {
    let dir = scratch("once");
    let path = dir.join("s.toml");
    std::fs::write(&path, MIN).unwrap();
    let spec = path.to_str().unwrap();
    let overrides = RunOverrides {
        set: sets(&["front_ends=3"]),
        replications: Some(4),
        seed: Some(9),
        ..RunOverrides::default()
    };
    let loaded = LoadedScenario::load(spec, overrides).unwrap();
    // The file is gone: variants come from the parsed source.
    std::fs::remove_file(&path).unwrap();
    let v = loaded.variant(&sets(&["traffic.web.rate=20"])).unwrap();
    let direct = load_str(spec, MIN, &sets(&["front_ends=3", "traffic.web.rate=20"])).unwrap();
    assert_eq!(v.model, direct.model);
    assert_eq!(v.source_text, direct.source_text);
    assert_eq!((v.replications, v.seed), (4, 9));
    assert_eq!(loaded.scenario().model.front_ends.len(), 3);
    // A bad variant value is reported like a bad --set.
    let e = loaded.variant(&sets(&["front_ends=0"])).unwrap_err();
    has(&e.to_string(), &["--set front_ends=0"]);
}

const EXTERNAL: &str = "[external.crm]\nconcurrency = 4\n\n[external.erp]\n\n[traffic.web]\nrate = 10\ncpu = \"exp(10ms)\"\nintegrations = [{ system = \"crm\", calls = 2, time = \"exp(200ms)\" }, { system = \"erp\", time = \"const(50ms)\" }]\n";

#[test]
fn external_systems_and_integrations_load() {
    let m = ok(EXTERNAL).model;
    assert_eq!(m.external.len(), 2);
    assert_eq!(m.external[0].name, "crm");
    assert_eq!(m.external[0].concurrency, Some(4));
    assert_eq!(m.external[1].concurrency, None);
    assert_eq!(
        m.external[1].timeout, 100.0,
        "the Service Action / REST default"
    );
    let i = &m.classes[0].integrations;
    assert_eq!((i[0].system, i[0].calls), (0, 2));
    assert_eq!((i[1].system, i[1].calls), (1, 1));
    assert!((i[0].time.mean() - 0.2).abs() < 1e-12);
    // Also in the multi-environment shape, at the top level like [databases].
    let multi = "[external.crm]\ntimeout = \"30s\"\n[environments.prod.traffic.web]\nrate = 1\ncpu = \"exp(1ms)\"\nintegrations = [{ system = \"crm\", time = \"exp(1s)\" }]\n";
    let m = ok(multi).model;
    assert_eq!(m.external[0].timeout, 30.0);
    assert_eq!(m.classes[0].integrations[0].system, 0);
}

#[test]
fn external_settings_by_set() {
    let s = load_str(
        "t.toml",
        EXTERNAL,
        &sets(&[
            "traffic.web.integrations[0].time=exp(300ms)",
            "traffic.web.integrations[1].calls=3",
            "external.crm.concurrency=8",
            "external.erp.timeout=5s",
        ]),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let m = s.model;
    assert!((m.classes[0].integrations[0].time.mean() - 0.3).abs() < 1e-12);
    assert_eq!(m.classes[0].integrations[1].calls, 3);
    assert_eq!(m.external[0].concurrency, Some(8));
    assert_eq!(m.external[1].timeout, 5.0);
}

#[test]
fn integration_errors() {
    let e = err(&EXTERNAL.replace("system = \"crm\"", "system = \"crn\""));
    has(
        &e,
        &[
            "t.toml:9:28: traffic.web.integrations[0].system: no external system `crn`",
            "did you mean `crm`?",
            "[external] defines: crm, erp",
        ],
    );
    let e = err(
        "[traffic.web]\nrate = 1\ncpu = \"exp(1ms)\"\nintegrations = [{ system = \"crm\", time = \"exp(1s)\" }]\n",
    );
    has(&e, &["no external system `crm`", "add [external.NAME]"]);
    let e = err(&EXTERNAL.replace("calls = 2", "calls = 0"));
    has(
        &e,
        &["traffic.web.integrations[0].calls: must be a whole number of at least 1, got 0"],
    );
    let e = err(&EXTERNAL.replace(", time = \"const(50ms)\"", ""));
    has(&e, &["time"]);
    let e = err(&EXTERNAL.replace("time = \"const(50ms)\"", "time = 5"));
    has(
        &e,
        &["traffic.web.integrations[1].time: a time distribution needs text with a unit"],
    );
    let e = err(&EXTERNAL.replace("concurrency = 4", "concurrency = 0"));
    has(
        &e,
        &["t.toml:2:15: external.crm.concurrency: must be a whole number of at least 1, got 0"],
    );
    let e = err(&EXTERNAL.replace("concurrency = 4", "timeout = \"0s\""));
    has(&e, &["external.crm.timeout: must be longer than zero"]);
    let e = err(&EXTERNAL.replace("concurrency = 4", "threads = 4"));
    has(&e, &["threads"]);
    let e = err_set(EXTERNAL, &["external.crm.concurency=4"]);
    has(&e, &["concurency"]);
}
