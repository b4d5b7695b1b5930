//! o11sim under a hostile environment: signals, a thread limit, a full
//! standard output, outputs that name inputs or special files. Each case
//! runs the real binary under the real condition (a signal sent with
//! `kill`, `ulimit -u`, `/dev/full`, a FIFO) and checks the exit status,
//! the message, and what is left on disk.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{o11sim, rejected, temp_dir};

fn bin() -> &'static Path {
    assert_cmd::cargo::cargo_bin!("o11sim")
}

/// Starts `o11sim ARGS` in `dir`, sends `signal` after `after`, and
/// returns its exit status, its standard error and how long it took to
/// stop once signalled.
fn stopped_by(signal: &str, dir: &Path, args: &[&str], after: Duration) -> (i32, String, Duration) {
    let child = Command::new(bin())
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(after);
    let sent = Instant::now();
    let kill = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        sent.elapsed(),
    )
}

/// A run long enough that a signal always comes in the middle of it.
const LONG_RUN: [&str; 9] = [
    "run",
    "--duration",
    "3d",
    "--replications",
    "4",
    "--max-events",
    "1e12",
    "--csv",
    "long.csv",
];

#[test]
fn sigterm_and_sighup_stop_like_ctrl_c_with_their_own_status() {
    for (signal, status) in [("TERM", 143), ("HUP", 129), ("INT", 130)] {
        let dir = temp_dir(&format!("signal-{signal}"));
        let (code, stderr, took) = stopped_by(signal, &dir, &LONG_RUN, Duration::from_millis(1500));
        assert_eq!(code, status, "SIG{signal}: {stderr}");
        assert!(
            stderr.contains("interrupted: 0 of 4 replications"),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        // The flag is looked at every few thousand events: well under a
        // second here, however loaded the machine.
        assert!(took < Duration::from_secs(5), "SIG{signal}: took {took:?}");
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            0,
            "SIG{signal}: no output and no temporary file is left"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// A stopped shard says how many of its replications had finished and
/// writes no part. Before, it said "interrupted: shard 1/2 had not had
/// finished".
#[test]
fn a_stopped_shard_says_what_had_finished_and_writes_no_part() {
    let dir = temp_dir("signal-shard");
    let (code, stderr, _) = stopped_by(
        "INT",
        &dir,
        &[
            "sweep",
            "prod",
            "--vary",
            "front_ends=2,3",
            "--duration",
            "3d",
            "--replications",
            "2",
            "--max-events",
            "1e12",
            "--shard",
            "1/2",
            "--part",
            "p.toml",
        ],
        Duration::from_millis(1500),
    );
    assert_eq!(code, 130, "{stderr}");
    assert!(
        stderr.contains(
            "interrupted: 0 of shard 1/2's 2 replications had finished; no output file was written"
        ),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "no part, no temporary file"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn validate_and_bench_stop_on_ctrl_c() {
    let dir = temp_dir("signal-validate");
    let (code, stderr, took) = stopped_by(
        "INT",
        &dir,
        &["validate", "--customers", "1e7", "--max-events", "1e13"],
        Duration::from_millis(1500),
    );
    assert_eq!(code, 130, "{stderr}");
    assert!(stderr.contains("interrupted: 0 of"), "{stderr}");
    assert!(took < Duration::from_secs(5), "validate took {took:?}");
    // `bench day` simulates a whole day at 1,000 requests/s.
    let (code, stderr, took) =
        stopped_by("TERM", &dir, &["bench", "day"], Duration::from_millis(1500));
    assert_eq!(code, 143, "{stderr}");
    assert!(stderr.contains("interrupted: 0 of 1 cases"), "{stderr}");
    assert!(took < Duration::from_secs(5), "bench took {took:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn validate_refuses_a_run_past_its_event_guard() {
    let out = o11sim(&["validate", "--customers", "18446744073709551615"]);
    rejected(&out, &["--customers", "events", "--max-events"]);
}

/// Runs `o11sim ARGS` as a user limited to `nproc` processes and threads
/// (`ulimit -u`). As root, the limit binds only another user, so the
/// binary is copied where `nobody` can run it and started as `nobody`.
/// (bash, since `ulimit -u` is not POSIX.)
fn with_thread_limit(nproc: u32, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let dir = temp_dir("nproc");
    let copy = dir.join("o11sim");
    std::fs::copy(bin(), &copy).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).unwrap();
    let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    let script = format!(
        "ulimit -u {nproc} && exec {} {}",
        copy.display(),
        quoted.join(" ")
    );
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap();
    let mut cmd = if is_root {
        let mut c = Command::new("setpriv");
        c.args([
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            "bash",
            "-c",
            &script,
        ]);
        c
    } else {
        let mut c = Command::new("bash");
        c.args(["-c", &script]);
        c
    };
    let out = cmd
        .current_dir(&dir)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_thread_limit_is_reported_not_a_panic() {
    let quick = ["--duration", "10s", "--warmup", "1s", "--replications", "2"];
    for (args, env) in [
        (vec!["run"], vec![]),
        (vec!["run"], vec![("RAYON_NUM_THREADS", "8")]),
        (vec!["validate", "--customers", "1000"], vec![]),
    ] {
        let mut all = args.clone();
        if args[0] == "run" {
            all.extend_from_slice(&quick);
        }
        let (code, stderr) = with_thread_limit(1, &all, &env);
        assert_eq!(code, 1, "{all:?} {env:?}: {stderr}");
        assert!(stderr.contains("cannot start"), "{stderr}");
        assert!(stderr.contains("ulimit -u"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn threads_past_a_few_per_core_are_refused() {
    let out = o11sim(&["--threads", "10000", "run", "--duration", "1s"]);
    rejected(&out, &["--threads 10000", "per core"]);
}

/// Runs `o11sim ARGS` with standard output on `/dev/full`.
fn to_full_stdout(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(bin())
        .args(args)
        .current_dir(dir)
        .stdout(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        )
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_failed_standard_output_is_exit_1_for_every_command() {
    let dir = temp_dir("full-stdout");
    for args in [
        vec!["presets"],
        vec!["init", "production", "p.toml"],
        vec!["validate", "--customers", "1000"],
        vec!["bench", "mmc"],
        vec!["run", "--duration", "10s", "--replications", "2"],
    ] {
        let (code, stderr) = to_full_stdout(&dir, &args);
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert!(stderr.contains("standard output"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn no_output_may_overwrite_an_input_however_it_is_spelled() {
    let dir = temp_dir("output-input");
    let init = Command::new(bin())
        .args(["init", "production", "x.toml"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(init.status.success());
    let scenario = std::fs::read(dir.join("x.toml")).unwrap();
    let abs = dir.join("x.toml");
    let abs = abs.to_str().unwrap();
    for args in [
        vec!["run", "x.toml", "--csv", "./x.toml"],
        vec!["run", "x.toml", "--json", abs],
        vec!["compare", abs, "--front-ends", "1,2", "--html", "x.toml"],
        vec![
            "sweep",
            "x.toml",
            "--vary",
            "front_ends=1,2",
            "--shard",
            "1/1",
            "--part",
            abs,
        ],
    ] {
        let out = Command::new(bin())
            .args(&args)
            .current_dir(&dir)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("is the input"), "{args:?}: {stderr}");
        assert_eq!(std::fs::read(dir.join("x.toml")).unwrap(), scenario);
    }
    // merge: an output that is one of the parts.
    let part = Command::new(bin())
        .args([
            "sweep",
            "x.toml",
            "--vary",
            "front_ends=1,2",
            "--duration",
            "10s",
            "--warmup",
            "1s",
            "--replications",
            "2",
            "--shard",
            "1/1",
            "--part",
            "p1.toml",
        ])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        part.status.success(),
        "{}",
        String::from_utf8_lossy(&part.stderr)
    );
    let before = std::fs::read(dir.join("p1.toml")).unwrap();
    let out = Command::new(bin())
        .args(["merge", "p1.toml", "--csv", "./p1.toml"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read(dir.join("p1.toml")).unwrap(), before);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_unwritable_output_is_found_before_simulating() {
    for path in ["/proc/out.csv", "/etc/hostname/out.csv"] {
        // A run that would take minutes: refused at once.
        let out = o11sim(&[
            "run",
            "--duration",
            "1d",
            "--replications",
            "20",
            "--max-events",
            "1e13",
            "--csv",
            path,
        ]);
        rejected(&out, &[path]);
        assert!(!out.stderr.contains(".tmp"), "{}", out.stderr);
    }
}

#[test]
fn csv_to_a_device_writes_through_and_keeps_the_device() {
    let out = o11sim(&[
        "run",
        "--duration",
        "10s",
        "--replications",
        "2",
        "--csv",
        "/dev/null",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    use std::os::unix::fs::FileTypeExt;
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
    let out = o11sim(&["init", "production", "/dev/full", "--force"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("/dev/full"), "{}", out.stderr);
    assert!(
        std::fs::metadata("/dev/full")
            .unwrap()
            .file_type()
            .is_char_device()
    );
}

#[test]
fn run_memory_does_not_grow_with_replications() {
    // Each replication's histograms (about a megabyte) go as soon as it
    // is done: 3,000 replications fit in 1 GB of address space, where
    // keeping them all took over 3 GB.
    let out = Command::new("bash")
        .args([
            "-c",
            "ulimit -v 1000000 && exec \"$BIN\" run --replications 3000 --duration 1s --warmup 0s",
        ])
        .env("BIN", bin())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[test]
fn memory_past_the_guard_is_refused_before_running() {
    // A hundred million developers: about 20 GB per replication in flight.
    let out = o11sim(&[
        "run",
        "example1",
        "--set",
        "environments.dev.development.developers=100000000",
        "--max-memory",
        "8GB",
    ]);
    rejected(
        &out,
        &["of memory", "above --max-memory 8.0 GB", "developers"],
    );
    // 20,000 traffic classes: each holds its own histograms.
    let dir = temp_dir("many-classes");
    let mut text = String::from("front_ends = 2\n");
    for i in 0..20_000 {
        text.push_str(&format!(
            "[traffic.c{i}]\nrate = 0.01\ncpu = \"exp(10ms)\"\n"
        ));
    }
    let file = dir.join("many.toml");
    std::fs::write(&file, text).unwrap();
    let out = o11sim(&["run", file.to_str().unwrap(), "--max-memory", "2GB"]);
    rejected(&out, &["of memory", "above --max-memory 2.0 GB"]);
    // Three variants of 9223372036854775807 replications each: the count in
    // the message is the true total, not one wrapped past 2^64.
    let out = o11sim(&[
        "sweep",
        "prod",
        "--vary",
        "front_ends=2..4",
        "--replications",
        "9223372036854775807",
    ]);
    rejected(
        &out,
        &["of memory", "for 27670116110564327421 replication(s)"],
    );
    // A bad size says what is allowed.
    let out = o11sim(&["run", "--max-memory", "4XB"]);
    rejected(&out, &["--max-memory", "kB, MB, GB"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_full_disk_leaves_the_older_set_whole_and_no_temporary_file() {
    // A 16 KiB tmpfs, half of it taken by the older set: the new set does not fit.
    let dir = temp_dir("full-disk");
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=16k", "tmpfs"])
        .arg(&dir)
        .output();
    match mounted {
        Ok(o) if o.status.success() => {}
        other => {
            println!(
                "skipped: cannot mount a small tmpfs here (needs root): {:?}",
                other.map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
            );
            return;
        }
    }
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(self.0).status();
        }
    }
    let _unmount = Unmount(&dir);
    std::fs::write(dir.join("out.csv"), "old classes\n").unwrap();
    std::fs::write(dir.join("out-resources.csv"), "old resources\n").unwrap();
    let csv = dir.join("out.csv");
    let html = dir.join("out.html");
    let out = o11sim(&[
        "compare",
        "--front-ends",
        "1,2",
        "--replications",
        "2",
        "--duration",
        "1m",
        "--warmup",
        "10s",
        "--csv",
        csv.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("No space left"), "{}", out.stderr);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    assert_eq!(std::fs::read_to_string(&csv).unwrap(), "old classes\n");
    assert_eq!(
        std::fs::read_to_string(dir.join("out-resources.csv")).unwrap(),
        "old resources\n"
    );
    let mut left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["out-resources.csv", "out.csv"],
        "no new file and no temporary file"
    );
}
