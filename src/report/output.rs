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
    let mut set = FileSet::default();
    set.stage(path, bytes)?;
    set.commit()
}

/// The output files of one command, written as a set: every file first to
/// a temporary file beside its target, and only when all of them are
/// written are they renamed over their targets. A failed write leaves
/// every target untouched and no temporary file behind.
#[derive(Debug, Default)]
pub struct FileSet {
    /// (temporary file, target), in the order staged.
    staged: Vec<(PathBuf, PathBuf)>,
    /// What goes to standard output (`-`), written after the renames.
    stdout: Vec<u8>,
}

impl FileSet {
    /// Writes `bytes` to a temporary file beside `path` (`-`: keeps them
    /// for standard output).
    pub fn stage(&mut self, path: &Path, bytes: &[u8]) -> Result<()> {
        self.stage_with(path, |w| Ok(w.write_all(bytes)?))
    }

    /// As [`FileSet::stage`], with the bytes written by `write` straight to
    /// the temporary file (buffered), so a large file (a long timeline)
    /// never has to be held in memory whole.
    pub fn stage_with(
        &mut self,
        path: &Path,
        write: impl FnOnce(&mut dyn Write) -> Result<()>,
    ) -> Result<()> {
        if path.as_os_str() == "-" {
            return write(&mut self.stdout);
        }
        let dir = parent_dir(path);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".into());
        let tmp = dir.join(format!(
            ".{name}.{}.{}.tmp",
            std::process::id(),
            self.staged.len()
        ));
        let written = (|| -> Result<()> {
            let f = std::fs::File::create(&tmp)
                .with_context(|| format!("cannot create {}", tmp.display()))?;
            let mut buf = std::io::BufWriter::new(f);
            write(&mut buf).with_context(|| format!("cannot write {}", tmp.display()))?;
            let f = buf
                .into_inner()
                .map_err(|e| e.into_error())
                .with_context(|| format!("cannot write {}", tmp.display()))?;
            f.sync_all()
                .with_context(|| format!("cannot write {}", tmp.display()))
        })();
        match written {
            Ok(()) => {
                self.staged.push((tmp, path.to_path_buf()));
                Ok(())
            }
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(e)
            }
        }
    }

    /// Renames every staged file over its target, then writes what goes to
    /// standard output.
    pub fn commit(mut self) -> Result<()> {
        for (tmp, path) in std::mem::take(&mut self.staged) {
            if let Err(e) = std::fs::rename(&tmp, &path) {
                let _ = std::fs::remove_file(&tmp);
                return Err(e).with_context(|| {
                    format!("cannot move {} to {}", tmp.display(), path.display())
                });
            }
        }
        if !self.stdout.is_empty() {
            let mut out = std::io::stdout().lock();
            out.write_all(&self.stdout)
                .context("writing to standard output")?;
            out.flush().context("writing to standard output")?;
        }
        Ok(())
    }
}

impl Drop for FileSet {
    /// A set dropped before its commit (an error, a panic) leaves no
    /// temporary file behind.
    fn drop(&mut self) {
        for (tmp, _) in &self.staged {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// `results.csv` → `results-resources.csv`: the resource CSV beside the
/// class CSV.
pub fn resources_path(path: &Path) -> PathBuf {
    beside(path, "resources")
}

/// `results.csv` → `results-differences.csv`: the paired differences
/// beside the class CSV.
pub fn differences_path(path: &Path) -> PathBuf {
    beside(path, "differences")
}

/// `results.csv` → `results-timeline.csv`: the figures per window of
/// simulated time beside the class CSV.
pub fn timeline_path(path: &Path) -> PathBuf {
    beside(path, "timeline")
}

/// `results.csv` → `results-SUFFIX.csv`.
fn beside(path: &Path, suffix: &str) -> PathBuf {
    if path.as_os_str() == "-" {
        return path.to_path_buf();
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match path.extension() {
        Some(ext) => format!("{stem}-{suffix}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{suffix}"),
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
        assert_eq!(
            differences_path(Path::new("out/r.csv")),
            Path::new("out/r-differences.csv")
        );
    }

    #[test]
    fn missing_directory_is_caught_before_running() {
        let err = check_writable(Path::new("/nonexistent-o11sim-dir/x.csv")).unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
        assert!(check_writable(Path::new("x.csv")).is_ok());
    }

    #[test]
    fn a_set_is_written_whole_or_not_at_all() {
        let dir = std::env::temp_dir().join(format!("o11sim-set-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (a, b) = (dir.join("a.csv"), dir.join("b.csv"));
        std::fs::write(&a, b"old").unwrap();
        // The second file cannot be written (its directory is missing):
        // the first target keeps its old bytes and no temporary is left.
        let mut set = FileSet::default();
        set.stage(&a, b"new").unwrap();
        assert!(set.stage(&dir.join("missing/b.csv"), b"x").is_err());
        drop(set);
        assert_eq!(std::fs::read(&a).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        // Both staged: nothing visible until the commit renames both.
        let mut set = FileSet::default();
        set.stage(&a, b"new a").unwrap();
        set.stage(&b, b"new b").unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"old");
        assert!(!b.exists());
        set.commit().unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"new a");
        assert_eq!(std::fs::read(&b).unwrap(), b"new b");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
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
