//! Writing an output file atomically, and checking early that it can be.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Fails fast, before any simulation runs, when `path`'s directory does not
/// exist or `path` is a directory.
pub fn check_writable(path: &Path) -> Result<()> {
    if path.as_os_str() == "-" {
        return Ok(());
    }
    if path.is_dir() {
        bail!("output {} is a directory; give a file name", path.display());
    }
    let dir = parent_dir(path);
    if !dir.is_dir() {
        bail!(
            "cannot write {}: directory {} does not exist",
            path.display(),
            dir.display()
        );
    }
    Ok(())
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Writes `bytes` to `path` whole or not at all; `-` means standard output.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    if path.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes).context("writing to standard output")?;
        return out.flush().context("writing to standard output");
    }
    let dir = parent_dir(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| -> Result<()> {
        let mut f = std::fs::File::create(&tmp)
            .with_context(|| format!("cannot create {}", tmp.display()))?;
        f.write_all(bytes)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        f.sync_all()
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, path)
            .with_context(|| format!("cannot move {} to {}", tmp.display(), path.display()))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Where a command prints its human-readable report: standard output,
/// unless the CSV goes there (`--csv -`), in which case the report moves to
/// standard error so the CSV stays clean.
pub fn report_sink(csv: Option<&Path>) -> Box<dyn Write> {
    if csv.is_some_and(|p| p.as_os_str() == "-") {
        Box::new(std::io::stderr())
    } else {
        Box::new(std::io::stdout())
    }
}

/// `results.csv` → `results-resources.csv`: the resource CSV beside the
/// class CSV.
pub fn resources_path(path: &Path) -> PathBuf {
    if path.as_os_str() == "-" {
        return path.to_path_buf();
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match path.extension() {
        Some(ext) => format!("{stem}-resources.{}", ext.to_string_lossy()),
        None => format!("{stem}-resources"),
    };
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_file_sits_beside_the_class_file() {
        assert_eq!(
            resources_path(Path::new("out/r.csv")),
            Path::new("out/r-resources.csv")
        );
        assert_eq!(resources_path(Path::new("r")), Path::new("r-resources"));
    }

    #[test]
    fn missing_directory_is_caught_before_running() {
        let err = check_writable(Path::new("/nonexistent-o11sim-dir/x.csv")).unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
        assert!(check_writable(Path::new("x.csv")).is_ok());
    }

    #[test]
    fn written_whole_with_no_temporary_left_behind() {
        let dir = std::env::temp_dir().join(format!("o11sim-out-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("a.csv");
        write_atomic(&p, b"x,y\n1,2\n").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"x,y\n1,2\n");
        let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(leftovers.len(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
