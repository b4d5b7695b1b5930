//! Small helpers shared by the test modules that run the `o11sim` binary.

use std::path::PathBuf;

use assert_cmd::cargo::cargo_bin_cmd;

/// What one run of the binary gave.
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `o11sim ARGS`.
pub fn o11sim(args: &[&str]) -> Out {
    let out = cargo_bin_cmd!("o11sim").args(args).output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Asserts exit status 2, no panic, and that stderr mentions every needle.
pub fn rejected(out: &Out, needles: &[&str]) {
    assert_eq!(
        out.code, 2,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    for n in needles {
        assert!(
            out.stderr.contains(n),
            "stderr lacks {n:?}:\n{}",
            out.stderr
        );
    }
}

/// `size` asked for a portal p99 of 1 ms, below what one portal request
/// takes on its own (5 + 5 ms of network, 11.2 ms of CPU, 2 x 3.5 ms in the
/// database): no count meets it, with no resource saturated.
pub const SIZE_BELOW_ONE_REQUEST: [&str; 6] = [
    "size",
    "prod",
    "--slo",
    "portal:p99<=1ms",
    "--max-front-ends",
    "4",
];

/// A `size` that found no count: asserts exit status 3 and returns the
/// line before the answer and the answer (the last line).
pub fn no_count_found(out: &Out) -> (&str, &str) {
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    let [.., before, last] = lines[..] else {
        panic!("{}", out.stdout)
    };
    (before, last)
}

/// A fresh, empty temporary directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("o11sim-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `size zones` with two-core front-ends, the public and internal zones at
/// one each in the file, internal's rate raised to 300/s and the shared
/// database at `db_cores`; `extra` arguments after, then `--json FILE`.
/// The objectives under which [`squeezed_zones`] over a 5-core database
/// is repaired: public meets alone at 2, misses with every zone at 2, and
/// needs 3.
pub const REPAIRED_SLOS: [&str; 6] = [
    "--slo",
    "public:p95<=170ms",
    "--slo",
    "partners:p95<=2s",
    "--slo",
    "internal:p95<=800ms",
];

pub fn squeezed_zones(db_cores: &str, extra: &[&str], json: &str) -> Vec<String> {
    let cores = format!("database.cores={db_cores}");
    let mut args = vec![
        "size",
        "zones",
        "--set",
        "front_end.cores=2",
        "--set",
        "zones.public.front_ends=1",
        "--set",
        "zones.internal.front_ends=1",
        "--set",
        "traffic.internal.rate=300",
        "--set",
        &cores,
        "--replications",
        "3",
        "--duration",
        "5m",
        "--warmup",
        "1m",
    ];
    args.extend_from_slice(extra);
    args.extend(["--json", json]);
    args.into_iter().map(str::to_owned).collect()
}
