//! The committed samples in `results/` are what `results/regenerate.sh`
//! makes today: its commands, run in a scratch copy, reproduce every file
//! byte for byte. This is the snapshot test of each command's terminal
//! output (`run`, `compare`, `sweep`, `size`, `team`) and of the CSV, SVG,
//! JSON and HTML files beside them; a change in any output shows up here,
//! and is accepted by running the script and committing what it wrote.

use std::path::Path;
use std::process::Command;

use super::common::temp_dir;

#[test]
fn regenerate_script_reproduces_the_committed_samples() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scratch = temp_dir("samples");
    std::fs::create_dir_all(scratch.join("results")).unwrap();
    std::fs::copy(
        repo.join("results/regenerate.sh"),
        scratch.join("results/regenerate.sh"),
    )
    .unwrap();
    let out = Command::new("bash")
        .arg("results/regenerate.sh")
        .current_dir(&scratch)
        .env("O11SIM", env!("CARGO_BIN_EXE_o11sim"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "regenerate.sh failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut compared = 0;
    for entry in std::fs::read_dir(repo.join("results")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if name == "regenerate.sh" || name == "README.md" {
            continue;
        }
        let made = scratch.join("results").join(&name);
        assert!(
            made.exists(),
            "regenerate.sh no longer writes results/{name}"
        );
        let committed = std::fs::read(&path).unwrap();
        let fresh = std::fs::read(&made).unwrap();
        assert!(
            committed == fresh,
            "results/{name} differs from what regenerate.sh writes now; run it and commit the result if the change is intended"
        );
        compared += 1;
    }
    // Every file the script writes is committed too.
    let written = std::fs::read_dir(scratch.join("results")).unwrap().count() - 1;
    assert_eq!(
        written, compared,
        "regenerate.sh writes files not committed"
    );
    assert!(compared >= 20, "only {compared} samples compared");
}

/// Every o11sim command in the README's `sh` blocks, as written (lines
/// joined at `\`), run in order in a directory laid out like a fresh
/// clone. Commands that simulate get `--max-events 1`, so each is checked
/// up to the run-time guard (arguments, scenario, every output path)
/// without the minutes of simulation the samples test already spends;
/// `validate` and `bench` have their own tests.
#[test]
fn readme_commands_work_as_written_on_a_fresh_clone() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(repo.join("README.md")).unwrap();
    let mut commands = Vec::new();
    let mut in_sh = false;
    let mut pending = String::new();
    for line in readme.lines() {
        if line.starts_with("```") {
            in_sh = line == "```sh";
            continue;
        }
        if !in_sh {
            continue;
        }
        let code = line.split("  #").next().unwrap().trim_end();
        pending.push_str(code.trim_end_matches('\\'));
        if code.ends_with('\\') {
            pending.push(' ');
            continue;
        }
        let cmd = std::mem::take(&mut pending);
        let cmd = cmd.trim();
        let cmd = match cmd.strip_prefix("cargo run --release -- ") {
            Some(rest) => format!("o11sim {rest}"),
            None => cmd.to_owned(),
        };
        if cmd.starts_with("o11sim ") {
            commands.push(cmd);
        }
    }
    let ran: Vec<&String> = commands
        .iter()
        .filter(|c| !c.starts_with("o11sim validate") && !c.starts_with("o11sim bench"))
        .collect();
    assert!(ran.len() >= 8, "README commands found: {commands:?}");
    let scratch = temp_dir("readme");
    std::fs::create_dir_all(scratch.join("results")).unwrap();
    // The sample data `calibrate`'s example reads, as a clone has it.
    let sample = repo.join("examples/calibrate");
    let copy = scratch.join("examples/calibrate");
    for entry in walk(&sample) {
        let to = copy.join(entry.strip_prefix(&sample).unwrap());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&entry, &to).unwrap();
    }
    for cmd in ran {
        let script = format!(
            "o11sim() {{ case \"$1\" in presets|init) \"$BIN\" \"$@\";; *) \"$BIN\" \"$@\" --max-events 1;; esac; }}\n{cmd}\n"
        );
        let out = Command::new("bash")
            .args(["-c", &script])
            .current_dir(&scratch)
            .env("BIN", env!("CARGO_BIN_EXE_o11sim"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let simulates = !(cmd.starts_with("o11sim presets") || cmd.starts_with("o11sim init"));
        if simulates {
            assert!(
                out.status.code() == Some(2) && stderr.contains("above --max-events"),
                "{cmd}: stopped before the run-time guard:\n{stderr}"
            );
        } else {
            assert!(out.status.success(), "{cmd}:\n{stderr}");
        }
    }
}

/// Every file under `dir`, recursively.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
