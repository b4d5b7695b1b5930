//! Sharded sweeps: the parts of `sweep --shard K/N`, merged, give exactly
//! the bytes of the unsharded sweep; parts of different sweeps are refused.

use std::path::{Path, PathBuf};

use assert_cmd::cargo::cargo_bin_cmd;

const GRID: [&str; 10] = [
    "--vary",
    "front_ends=2,3",
    "--vary",
    "traffic.portal.rate=200,300",
    "--replications",
    "3",
    "--duration",
    "2m",
    "--warmup",
    "30s",
];

fn o11sim(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = cargo_bin_cmd!("o11sim")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn sweep(dir: &Path, extra: &[&str]) {
    let mut args = vec!["sweep", "prod"];
    args.extend_from_slice(&GRID);
    args.extend_from_slice(extra);
    let (code, stderr) = o11sim(dir, &args);
    assert_eq!(code, 0, "{args:?}: {stderr}");
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("o11sim-shard-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn merged_parts_are_byte_identical_to_the_unsharded_sweep() {
    let dir = temp("equal");
    sweep(&dir, &["--csv", "full.csv"]);
    for k in 1..=3 {
        sweep(&dir, &["--shard", &format!("{k}/3")]);
    }
    let (code, stderr) = o11sim(
        &dir,
        &[
            "merge",
            "sweep-part-3-of-3.toml",
            "sweep-part-1-of-3.toml",
            "sweep-part-2-of-3.toml",
            "--csv",
            "merged.csv",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    for (a, b) in [
        ("full.csv", "merged.csv"),
        ("full-resources.csv", "merged-resources.csv"),
        ("full-differences.csv", "merged-differences.csv"),
    ] {
        let (a, b) = (
            std::fs::read(dir.join(a)).unwrap(),
            std::fs::read(dir.join(b)).unwrap(),
        );
        assert!(!a.is_empty());
        assert_eq!(a, b, "merged CSV differs from the unsharded sweep");
    }
    // Shards run with one thread and with two give the same parts.
    sweep(
        &dir,
        &["--shard", "2/3", "--part", "again.toml", "--threads", "1"],
    );
    assert_eq!(
        std::fs::read(dir.join("again.toml")).unwrap(),
        std::fs::read(dir.join("sweep-part-2-of-3.toml")).unwrap()
    );
}

/// An external system without a concurrency limit has no utilization (not
/// defined, an empty cell): its parts merge like any other, into the bytes
/// of the unsharded sweep. Its utilization was written to the parts as
/// `nan`, and merge refused every part as "edited or damaged".
#[test]
fn parts_with_an_unlimited_external_system_merge() {
    let dir = temp("unlimited-external");
    let mut text = include_str!("../../scenarios/example2-production.toml").to_owned();
    text.push_str(
        "\n[external.erp]\n\n[traffic.orders]\nrate = 5\ncpu = \"exp(10ms)\"\nintegrations = [{ system = \"erp\", time = \"exp(100ms)\" }]\n",
    );
    std::fs::write(dir.join("x.toml"), text).unwrap();
    let grid = [
        "sweep",
        "x.toml",
        "--vary",
        "front_ends=2,3",
        "--replications",
        "2",
        "--duration",
        "1m",
        "--warmup",
        "10s",
    ];
    let run = |extra: &[&str]| {
        let mut args = grid.to_vec();
        args.extend_from_slice(extra);
        let (code, stderr) = o11sim(&dir, &args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
    };
    run(&["--csv", "full.csv"]);
    run(&["--shard", "1/2", "--part", "p1.toml"]);
    run(&["--shard", "2/2", "--part", "p2.toml"]);
    let part = std::fs::read_to_string(dir.join("p1.toml")).unwrap();
    assert!(!part.contains("= nan"), "a part holds only finite figures");
    let (code, stderr) = o11sim(&dir, &["merge", "p1.toml", "p2.toml", "--csv", "m.csv"]);
    assert_eq!(code, 0, "{stderr}");
    let resources = std::fs::read_to_string(dir.join("full-resources.csv")).unwrap();
    assert!(
        resources.contains(",external.erp,,,,"),
        "no utilization for an unlimited system: {resources}"
    );
    for (a, b) in [
        ("full.csv", "m.csv"),
        ("full-resources.csv", "m-resources.csv"),
        ("full-differences.csv", "m-differences.csv"),
    ] {
        assert_eq!(
            std::fs::read(dir.join(a)).unwrap(),
            std::fs::read(dir.join(b)).unwrap(),
            "{b} differs from the unsharded {a}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--max-events` guards what a shard runs, not the whole grid: a sweep too
/// large for one machine is what shards are for. Before, every shard was
/// refused with the whole grid's estimate ("32 replication(s)" for a shard
/// running one).
#[test]
fn a_shard_is_guarded_by_its_own_share_of_the_events() {
    let dir = temp("budget");
    let mut args = vec!["sweep", "prod"];
    args.extend_from_slice(&GRID);
    // The whole grid's estimate, from its refusal.
    let mut whole = args.clone();
    whole.extend(["--max-events", "1", "--csv", "full.csv"]);
    let (code, stderr) = o11sim(&dir, &whole);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("(12 replication(s))"), "{stderr}");
    let estimate: f64 = stderr
        .split("about ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{stderr}"));
    let half = format!("{:e}", estimate / 2.0);
    // Half of it refuses the whole sweep and a shard of all of it, and
    // lets a shard of 2 of the 12 replications run.
    let mut whole = args.clone();
    whole.extend(["--max-events", &half, "--csv", "full.csv"]);
    let (code, stderr) = o11sim(&dir, &whole);
    assert_eq!(code, 2, "{stderr}");
    let mut all = args.clone();
    all.extend(["--max-events", &half, "--shard", "1/1"]);
    let (code, stderr) = o11sim(&dir, &all);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("(12 replication(s))"), "{stderr}");
    let mut share = args.clone();
    share.extend(["--max-events", &half, "--shard", "1/6", "--part", "p1.toml"]);
    let (code, stderr) = o11sim(&dir, &share);
    assert_eq!(code, 0, "{stderr}");
    assert!(dir.join("p1.toml").exists());
    // And the shard's own share is what its refusal counts.
    let mut share = args.clone();
    share.extend(["--max-events", "1", "--shard", "2/6", "--part", "p2.toml"]);
    let (code, stderr) = o11sim(&dir, &share);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("(2 replication(s))"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--part -` writes the part alone to standard output, the line saying
/// what was written to standard error: the part piped to a file merges.
/// Before, that line followed the part on standard output, and merge
/// refused the file ("TOML parse error at line 576").
#[test]
fn a_part_written_to_standard_output_is_only_the_part() {
    let dir = temp("stdout");
    let mut args = vec!["sweep", "prod"];
    args.extend_from_slice(&GRID);
    args.extend(["--shard", "1/2", "--part", "-"]);
    let out = cargo_bin_cmd!("o11sim")
        .current_dir(&dir)
        .args(&args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("shard 1/2: 6 of 12 replications; wrote standard output"),
        "{stderr}"
    );
    std::fs::write(dir.join("p1.toml"), &out.stdout).unwrap();
    sweep(&dir, &["--shard", "2/2", "--part", "p2.toml"]);
    let (code, stderr) = o11sim(&dir, &["merge", "p1.toml", "p2.toml", "--csv", "m.csv"]);
    assert_eq!(code, 0, "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn parts_of_different_sweeps_or_missing_parts_are_refused() {
    let dir = temp("refuse");
    for k in 1..=2 {
        sweep(&dir, &["--shard", &format!("{k}/2")]);
    }
    sweep(
        &dir,
        &["--shard", "2/2", "--seed", "9", "--part", "seed9.toml"],
    );
    sweep(
        &dir,
        &[
            "--shard",
            "2/2",
            "--set",
            "database.cores=8",
            "--part",
            "db8.toml",
        ],
    );
    let cases: [(&[&str], &str); 5] = [
        (&["merge", "sweep-part-1-of-2.toml", "seed9.toml"], "seed"),
        (
            &["merge", "sweep-part-1-of-2.toml", "db8.toml"],
            "different sweeps",
        ),
        (
            &["merge", "sweep-part-1-of-2.toml"],
            "missing part(s) for shard 2/2",
        ),
        (
            &["merge", "sweep-part-1-of-2.toml", "sweep-part-1-of-2.toml"],
            "both shard 1/2",
        ),
        (&["merge", "nothere.toml"], "nothere.toml"),
    ];
    for (args, needle) in cases {
        let mut args = args.to_vec();
        args.extend(["--csv", "out.csv"]);
        let (code, stderr) = o11sim(&dir, &args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(!dir.join("out.csv").exists());
    }
    let (code, stderr) = o11sim(
        &dir,
        &[
            "sweep",
            "prod",
            "--vary",
            "front_ends=2,3",
            "--shard",
            "3/2",
        ],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("K/N"), "{stderr}");
}

#[test]
fn tampered_parts_are_refused_and_paths_spelled_differently_merge() {
    let dir = temp("tamper");
    std::fs::write(
        dir.join("x.toml"),
        include_str!("../../scenarios/example2-production.toml"),
    )
    .unwrap();
    let grid = [
        "--vary",
        "front_ends=2,3",
        "--replications",
        "2",
        "--duration",
        "1m",
        "--warmup",
        "10s",
    ];
    let abs = dir.join("x.toml");
    for (k, scenario) in [(1, "x.toml"), (2, abs.to_str().unwrap())] {
        let mut args = vec!["sweep", scenario];
        args.extend_from_slice(&grid);
        let shard = format!("{k}/2");
        let part = format!("p{k}.toml");
        args.extend(["--shard", &shard, "--part", &part]);
        let (code, stderr) = o11sim(&dir, &args);
        assert_eq!(code, 0, "{stderr}");
    }
    // The same scenario text read as x.toml and as /abs/x.toml.
    let (code, stderr) = o11sim(&dir, &["merge", "p1.toml", "p2.toml", "--csv", "m.csv"]);
    assert_eq!(code, 0, "{stderr}");
    let good = std::fs::read_to_string(dir.join("p2.toml")).unwrap();
    let p95 = good.find("p95 = ").unwrap();
    let end = p95 + good[p95..].find('\n').unwrap();
    let edits = [
        (
            format!("{}p95 = 0.001{}", &good[..p95], &good[end..]),
            "checksum",
        ),
        (
            good.replacen("throughput = ", "throughput = nan\nx_throughput = ", 1),
            "not a finite number",
        ),
        (good.replacen("o11sim = \"", "o11sim = \"9", 1), "checksum"),
    ];
    for (text, needle) in edits {
        std::fs::write(dir.join("bad.toml"), &text).unwrap();
        let (code, stderr) = o11sim(&dir, &["merge", "p1.toml", "bad.toml", "--csv", "t.csv"]);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("bad.toml"), "{stderr}");
        assert!(stderr.contains(needle), "{needle}: {stderr}");
        assert!(!dir.join("t.csv").exists());
    }
    // Parts that differ in a variant's replications name that field.
    let mut args = vec![
        "sweep",
        "x.toml",
        "--vary",
        "front_ends=2,3",
        "--replications",
        "3",
    ];
    args.extend([
        "--duration",
        "1m",
        "--warmup",
        "10s",
        "--shard",
        "2/2",
        "--part",
        "r3.toml",
    ]);
    let (code, stderr) = o11sim(&dir, &args);
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr) = o11sim(&dir, &["merge", "p1.toml", "r3.toml", "--csv", "t.csv"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("replications: 2 vs 3"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// docs/batch/run-shard.sh, run as Slurm array tasks and as Kubernetes
/// Indexed Job pods would run it, produces parts that merge into the
/// unsharded sweep's CSV.
#[test]
fn the_batch_examples_work_as_array_tasks() {
    let dir = temp("batch");
    let bin = assert_cmd::cargo::cargo_bin!("o11sim");
    let script = std::fs::canonicalize("docs/batch/run-shard.sh").unwrap();
    let sweep_args = GRID.join(" ");
    sweep(&dir, &["--csv", "full.csv"]);
    let run = |env: &[(&str, String)], parts: &str| {
        let mut cmd = std::process::Command::new("bash");
        cmd.arg(&script)
            .current_dir(&dir)
            .env("O11SIM", bin)
            .env("PARTS", parts)
            .env("SWEEP", format!("sweep prod {sweep_args}"))
            .env_remove("SLURM_ARRAY_TASK_ID")
            .env_remove("JOB_COMPLETION_INDEX");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    for i in 0..2 {
        run(
            &[
                ("SLURM_ARRAY_TASK_ID", i.to_string()),
                ("SLURM_ARRAY_TASK_COUNT", "2".into()),
            ],
            "slurm",
        );
        run(
            &[
                ("JOB_COMPLETION_INDEX", i.to_string()),
                ("SHARDS", "2".into()),
            ],
            "k8s",
        );
    }
    for parts in ["slurm", "k8s"] {
        let (code, stderr) = o11sim(
            &dir,
            &[
                "merge",
                &format!("{parts}/part-1-of-2.toml"),
                &format!("{parts}/part-2-of-2.toml"),
                "--csv",
                &format!("{parts}.csv"),
            ],
        );
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(
            std::fs::read(dir.join(format!("{parts}.csv"))).unwrap(),
            std::fs::read(dir.join("full.csv")).unwrap()
        );
    }
}

/// Stops the one-node Slurm's daemons (by the PIDs that
/// docs/batch/slurm-one-node.sh recorded) when the test ends, passed or not.
struct SlurmDaemons {
    script: PathBuf,
}

impl Drop for SlurmDaemons {
    fn drop(&mut self) {
        match std::process::Command::new("bash")
            .arg(&self.script)
            .arg("stop")
            .output()
        {
            Ok(out) if out.status.success() => {}
            Ok(out) => eprintln!(
                "slurm-one-node.sh stop failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(e) => eprintln!("slurm-one-node.sh stop: {e}"),
        }
    }
}

fn slurm_one_node(script: &Path, subcommand: &str) {
    let out = std::process::Command::new("bash")
        .arg(script)
        .arg(subcommand)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "docs/batch/slurm-one-node.sh {subcommand} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// docs/batch/slurm-sweep.sbatch, submitted with `sbatch --wait` to a real
/// one-node Slurm (installed and started by docs/batch/slurm-one-node.sh),
/// writes parts that merge into the unsharded sweep's CSV files.
#[test]
fn the_slurm_job_array_runs_on_a_one_node_slurm() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = repo.join("docs/batch/slurm-one-node.sh");
    slurm_one_node(&script, "install");
    let _daemons = SlurmDaemons {
        script: script.clone(),
    };
    slurm_one_node(&script, "start");

    let dir = temp("slurm");
    sweep(&dir, &["--csv", "full.csv"]);
    let bin = assert_cmd::cargo::cargo_bin!("o11sim");
    // The documented sbatch script, with a 3-task array and small
    // requests so the tasks fit a small node; run-shard.sh takes the
    // binary, the part directory and the sweep from the environment, which
    // sbatch passes to every task.
    let out = std::process::Command::new("timeout")
        .arg("300")
        .arg("sbatch")
        .args(["--wait", "--array=0-2", "--cpus-per-task=1", "--mem=100M"])
        .args(["--time=5", "--job-name=o11sim-test"])
        .arg(format!("--output={}/slurm-%a.log", dir.display()))
        .arg("docs/batch/slurm-sweep.sbatch")
        .current_dir(repo)
        .env("O11SIM", bin)
        .env("PARTS", dir.join("parts"))
        .env("SWEEP", format!("sweep prod {}", GRID.join(" ")))
        .env_remove("THREADS")
        .output()
        .unwrap();
    let logs: String = (0..3)
        .map(|i| {
            let log = std::fs::read_to_string(dir.join(format!("slurm-{i}.log")));
            format!("slurm-{i}.log: {}\n", log.unwrap_or_else(|e| e.to_string()))
        })
        .collect();
    assert!(
        out.status.success(),
        "sbatch --wait failed: {}{}\n{logs}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Every task ran under Slurm: each wrote its own log through sbatch.
    for i in 1..=3 {
        assert!(
            logs.contains(&format!("shard {i}/3:")),
            "shard {i}/3 missing from the task logs:\n{logs}"
        );
    }
    let (code, stderr) = o11sim(
        &dir,
        &[
            "merge",
            "parts/part-1-of-3.toml",
            "parts/part-2-of-3.toml",
            "parts/part-3-of-3.toml",
            "--csv",
            "merged.csv",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    for (merged, full) in [
        ("merged.csv", "full.csv"),
        ("merged-resources.csv", "full-resources.csv"),
        ("merged-differences.csv", "full-differences.csv"),
    ] {
        assert_eq!(
            std::fs::read(dir.join(merged)).unwrap(),
            std::fs::read(dir.join(full)).unwrap(),
            "{merged} differs from {full}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
