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
