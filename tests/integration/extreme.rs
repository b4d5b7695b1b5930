//! Extreme but valid what-ifs: each finishes in bounded time and memory with
//! finite numbers everywhere, or is refused up front with a message that
//! says why and what to change.

use assert_cmd::cargo::cargo_bin_cmd;

fn o11sim(args: &[&str]) -> (i32, String, String) {
    let out = cargo_bin_cmd!("o11sim").args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn finishes_with_finite_numbers(args: &[&str]) -> String {
    let (code, stdout, stderr) = o11sim(args);
    assert_eq!(code, 0, "{args:?}: {stderr}");
    for bad in ["NaN", "inf"] {
        assert!(!stdout.contains(bad), "{args:?} printed {bad}: {stdout}");
    }
    stdout
}

#[test]
fn a_thousand_front_ends() {
    let out = finishes_with_finite_numbers(&[
        "run",
        "--set",
        "front_ends=1000",
        "--replications",
        "1",
        "--duration",
        "1m",
        "--warmup",
        "10s",
    ]);
    assert!(out.contains("main.1000.cpu"), "{out}");
}

#[test]
fn a_hundred_thousand_closed_users() {
    let dir = std::env::temp_dir().join(format!("o11sim-extreme-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("crowd.toml");
    std::fs::write(
        &f,
        r#"front_ends = 12

[simulation]
duration = "2m"
warmup = "30s"
replications = 1

[traffic.crowd]
users = 100000
think = "exp(60s)"
cpu = "exp(10ms)"
"#,
    )
    .unwrap();
    let out = finishes_with_finite_numbers(&["run", f.to_str().unwrap()]);
    assert!(out.contains("crowd"), "{out}");
}

#[test]
fn a_hundred_thousand_requests_per_second() {
    finishes_with_finite_numbers(&[
        "run",
        "--set",
        "traffic.portal.rate=100000",
        "--set",
        "front_ends=400",
        "--set",
        "database.cores=256",
        "--replications",
        "1",
        "--duration",
        "5s",
        "--warmup",
        "1s",
    ]);
}

#[test]
fn a_very_high_variance_cpu_demand() {
    finishes_with_finite_numbers(&[
        "run",
        "--set",
        "traffic.portal.cpu=lognormal(mean=11ms, cv=10)",
        "--replications",
        "3",
        "--duration",
        "2m",
        "--warmup",
        "10s",
    ]);
}

#[test]
fn a_one_second_run() {
    finishes_with_finite_numbers(&["run", "--duration", "1s", "--warmup", "0s"]);
}

#[test]
fn thirty_simulated_days_when_the_load_allows() {
    finishes_with_finite_numbers(&[
        "run",
        "--set",
        "traffic.portal.rate=0.5",
        "--set",
        "traffic.backoffice.rate=0.1",
        "--duration",
        "30d",
        "--replications",
        "1",
    ]);
}

#[test]
fn thirty_days_at_full_load_is_refused_with_an_estimate() {
    let (code, stdout, stderr) = o11sim(&["run", "--duration", "30d"]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    for needle in ["events", "--max-events", "--duration", "--replications"] {
        assert!(stderr.contains(needle), "missing {needle}: {stderr}");
    }
    assert!(stdout.is_empty());
}

#[test]
fn every_class_overloaded_at_once_is_flagged_and_finishes() {
    let out = finishes_with_finite_numbers(&[
        "run",
        "--set",
        "front_ends=1",
        "--set",
        "traffic.portal.rate=3000",
        "--set",
        "traffic.backoffice.rate=500",
        "--replications",
        "2",
        "--duration",
        "2m",
        "--warmup",
        "10s",
    ]);
    // Ten times the capacity of one front-end: the full IIS queue bounds
    // the backlog and turns most requests away.
    assert!(out.contains("portal [REJECTING 9"), "{out}");
    assert!(out.contains("backoffice [REJECTING 9"), "{out}");
    assert!(
        out.contains("SLO portal: p95 <= 800 ms: not met: rejecting"),
        "{out}"
    );
}

#[test]
fn ctrl_c_stops_a_long_run_quickly_and_writes_nothing() {
    let dir = std::env::temp_dir().join(format!("o11sim-sigint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("long.csv");
    let bin = assert_cmd::cargo::cargo_bin!("o11sim");
    let child = std::process::Command::new(bin)
        .args([
            "run",
            "--duration",
            "3d",
            "--replications",
            "4",
            "--max-events",
            "1e12",
        ])
        .arg("--csv")
        .arg(&csv)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let sent = std::time::Instant::now();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    let waited = sent.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted: 0 of 4 replications"),
        "{stderr}"
    );
    assert!(
        waited < std::time::Duration::from_secs(2),
        "took {waited:?} to stop"
    );
    assert!(!csv.exists(), "no partial output");
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "no temporary files"
    );
}
