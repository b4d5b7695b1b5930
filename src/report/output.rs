//! Writing output files whole or not at all, as one set per command, and
//! checking before anything runs that they can be written.
//!
//! Why this file exists: a planner's CSV, chart, page and JSON must never
//! be half written, out of step with each other, or written over something
//! that is not an output. Regular files are written to a temporary file
//! beside the target and renamed over it; a symbolic link is written
//! through (its target is replaced, the link stays); a target that exists
//! and is not a regular file (`/dev/null`, a FIFO, a terminal) is written
//! directly and never renamed over; and no output may be one of the
//! command's inputs (compared by file identity, not by spelling).

use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, anyhow};

use crate::error::{Error, Result};

/// How many symbolic links are followed before a path is given up on.
const MAX_LINKS: usize = 40;

/// What is at a target path once symbolic links are followed.
enum Target {
    /// `-`: standard output.
    Stdout,
    /// A regular file, or nothing yet: written by temporary file and rename.
    Regular(PathBuf),
    /// An existing file that is not regular (a device, a FIFO, a socket):
    /// written directly, never replaced.
    Special(PathBuf),
}

/// Follows `path`'s symbolic links (a dangling link leads to where its
/// target will be created) and says what is there.
fn resolve(path: &Path) -> Result<Target> {
    if path.as_os_str() == "-" {
        return Ok(Target::Stdout);
    }
    let mut p = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = std::fs::read_link(&p)
                    .with_context(|| format!("cannot read the link {}", p.display()))?;
                p = if link.is_absolute() {
                    link
                } else {
                    parent_dir(&p).join(link)
                };
            }
            Ok(m) if m.is_dir() => {
                return Err(Error::Usage(format!(
                    "output {} is a directory; give a file name",
                    path.display()
                )));
            }
            Ok(m) if !m.is_file() => return Ok(Target::Special(p)),
            _ => return Ok(Target::Regular(p)),
        }
    }
    Err(Error::Usage(format!(
        "output {}: too many levels of symbolic links",
        path.display()
    )))
}

/// Fails fast, before any simulation runs, when `path` cannot be written:
/// its directory is missing or is not a directory, `path` is a directory,
/// or the directory does not let a file be created (read-only, `/proc`).
/// The check creates and removes a file beside the target, as the write
/// will. Messages name `path` as the user gave it.
pub fn check_writable(path: &Path) -> Result<()> {
    let target = match resolve(path)? {
        Target::Stdout | Target::Special(_) => return Ok(()),
        Target::Regular(t) => t,
    };
    let dir = parent_dir(&target);
    match std::fs::metadata(&dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(Error::Usage(format!(
                "cannot write {}: {} is a file, not a directory",
                path.display(),
                dir.display()
            )));
        }
        Err(_) => {
            return Err(Error::Usage(format!(
                "cannot write {}: directory {} does not exist",
                path.display(),
                dir.display()
            )));
        }
    }
    let probe = temp_beside(&target, "probe");
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(Error::Usage(format!(
            "cannot write {}: {e} (in directory {})",
            path.display(),
            dir.display()
        ))),
    }
}

/// Refuses an output that is one of the command's inputs: `inputs` are
/// compared with `outputs` by device and inode, so `x.toml`, `./x.toml`,
/// an absolute path and a link to it are all the same file. `flag` names
/// the outputs in the message (`--csv`).
pub fn check_not_input(outputs: &[PathBuf], inputs: &[PathBuf]) -> Result<()> {
    let id = |p: &Path| std::fs::metadata(p).ok().map(|m| (m.dev(), m.ino()));
    for out in outputs.iter().filter(|p| p.as_os_str() != "-") {
        let Some(out_id) = id(out) else { continue };
        if let Some(input) = inputs.iter().find(|i| id(i) == Some(out_id)) {
            return Err(Error::Usage(format!(
                "output {} is the input {}: writing it would destroy the input; give the output another name",
                out.display(),
                input.display()
            )));
        }
    }
    Ok(())
}

/// Whether two output paths name the same file, however spelled: `a.csv`,
/// `./a.csv`, `/abs/dir/a.csv` and a symbolic link to it are one target
/// (compared once links are followed, by the real directory and the
/// name, since the file may not exist yet). `-` is never a file.
pub fn same_target(a: &Path, b: &Path) -> bool {
    let place = |p: &Path| -> Option<PathBuf> {
        let Ok(Target::Regular(t) | Target::Special(t)) = resolve(p) else {
            return None;
        };
        let dir = parent_dir(&t).canonicalize().ok()?;
        Some(dir.join(t.file_name()?))
    };
    a == b || matches!((place(a), place(b)), (Some(x), Some(y)) if x == y)
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `dir/.NAME.PID.TAG.tmp`, beside `target`.
fn temp_beside(target: &Path, tag: &str) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    parent_dir(target).join(format!(".{name}.{}.{tag}.tmp", std::process::id()))
}

/// Writes `bytes` to `path` whole or not at all; `-` means standard output.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut set = FileSet::default();
    set.stage(path, bytes)?;
    set.commit()
}

/// The output files of one command, written as a set: every regular file
/// first to a temporary file beside its target, and only when all of them
/// are written (and no stop signal has come) are they renamed over their
/// targets; then special files and standard output are written. A failed
/// write, or a stop before the renames, leaves every target untouched and
/// no temporary file behind.
#[derive(Debug, Default)]
pub struct FileSet {
    /// (temporary file, target), in the order staged.
    staged: Vec<(PathBuf, PathBuf)>,
    /// Special files (devices, FIFOs) and what goes to each, written
    /// directly after the renames.
    direct: Vec<(PathBuf, Vec<u8>)>,
    /// What goes to standard output (`-`), written last.
    stdout: Vec<u8>,
}

impl FileSet {
    /// Writes `bytes` to a temporary file beside `path` (or keeps them for
    /// standard output or a special file).
    pub fn stage(&mut self, path: &Path, bytes: &[u8]) -> Result<()> {
        self.stage_with(path, |w| Ok(w.write_all(bytes)?))
    }

    /// As [`FileSet::stage`], with the bytes written by `write` straight to
    /// the temporary file (buffered), so a large file (a long timeline)
    /// never has to be held in memory whole.
    pub fn stage_with(
        &mut self,
        path: &Path,
        write: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
    ) -> Result<()> {
        let target = match resolve(path)? {
            Target::Stdout => return Ok(write(&mut self.stdout)?),
            Target::Special(t) => {
                let mut bytes = Vec::new();
                write(&mut bytes)?;
                self.direct.push((t, bytes));
                return Ok(());
            }
            Target::Regular(t) => t,
        };
        let tmp = temp_beside(&target, &self.staged.len().to_string());
        let written = (|| -> anyhow::Result<()> {
            let f = std::fs::File::create(&tmp)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let mut buf = std::io::BufWriter::new(f);
            write(&mut buf).with_context(|| format!("cannot write {}", path.display()))?;
            let f = buf
                .into_inner()
                .map_err(|e| e.into_error())
                .with_context(|| format!("cannot write {}", path.display()))?;
            f.sync_all()
                .with_context(|| format!("cannot write {}", path.display()))
        })();
        match written {
            Ok(()) => {
                self.staged.push((tmp, target));
                Ok(())
            }
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(e.into())
            }
        }
    }

    /// Renames every staged file over its target, then writes special files
    /// and standard output; stops before the renames if Ctrl-C, SIGTERM or
    /// SIGHUP came while the files were being written.
    pub fn commit(self) -> Result<()> {
        self.commit_unless(crate::interrupt::flag())
    }

    /// As [`FileSet::commit`], with the stop flag given.
    pub fn commit_unless(mut self, stop: &AtomicBool) -> Result<()> {
        if stop.load(Ordering::SeqCst) {
            // Dropping the set removes its temporary files.
            return Err(Error::Interrupted {
                finished: "the simulation".into(),
            });
        }
        for (tmp, path) in std::mem::take(&mut self.staged) {
            if let Err(e) = std::fs::rename(&tmp, &path) {
                let _ = std::fs::remove_file(&tmp);
                return Err(anyhow!("cannot write {}: {e}", path.display()).into());
            }
        }
        for (path, bytes) in std::mem::take(&mut self.direct) {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            f.write_all(&bytes)
                .and_then(|()| f.flush())
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        if !self.stdout.is_empty() {
            let mut out = std::io::stdout().lock();
            out.write_all(&self.stdout)
                .and_then(|()| out.flush())
                .context("writing to standard output")?;
        }
        Ok(())
    }
}

impl Drop for FileSet {
    /// A set dropped before its commit (an error, a panic, a stop) leaves
    /// no temporary file behind.
    fn drop(&mut self) {
        for (tmp, _) in &self.staged {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// Removes `path` when it is a CSV an earlier run of o11sim wrote there:
/// a regular file whose header is `variant`, then varied keys, then
/// exactly `columns`. Anything else is left alone. True when removed.
///
/// A run writes `FILE-timeline.csv` and `FILE-failures.csv` only when it
/// has a timeline or scheduled failures; without this, an earlier run's
/// file would stay beside the fresh set as if it belonged to it.
pub fn remove_stale_csv(path: &Path, columns: &[&str]) -> Result<bool> {
    use std::io::{BufRead, Read};
    let Ok(Target::Regular(target)) = resolve(path) else {
        return Ok(false);
    };
    let Ok(file) = std::fs::File::open(&target) else {
        return Ok(false);
    };
    let mut first = Vec::new();
    // The header of a CSV o11sim writes is well under 64 KiB.
    let read = std::io::BufReader::new(file)
        .take(64 * 1024)
        .read_until(b'\n', &mut first);
    if read.is_err() {
        return Ok(false);
    }
    let Ok(header) = std::str::from_utf8(&first) else {
        return Ok(false);
    };
    let header = header.trim_end_matches(['\r', '\n']);
    let ours =
        header.starts_with("variant,") && header.ends_with(&format!(",{}", columns.join(",")));
    if !ours {
        return Ok(false);
    }
    std::fs::remove_file(&target)
        .with_context(|| format!("cannot remove {}, an earlier run's", path.display()))?;
    Ok(true)
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

/// `results.csv` → `results-failures.csv` (what each scheduled failure
/// costs).
pub fn failures_path(path: &Path) -> PathBuf {
    beside(path, "failures")
}

/// `results.csv` → `results-SUFFIX.csv`.
fn beside(path: &Path, suffix: &str) -> PathBuf {
    if path.as_os_str() == "-" {
        return path.to_path_buf();
    }
    // Built from the name's bytes, so a name that is not UTF-8 keeps them.
    let mut name = path.file_stem().unwrap_or_default().to_os_string();
    name.push(format!("-{suffix}"));
    if let Some(ext) = path.extension() {
        name.push(".");
        name.push(ext);
    }
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::FileTypeExt;

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
    fn a_name_that_is_not_utf8_keeps_its_bytes_in_the_files_beside_it() {
        use std::ffi::OsStr;
        use std::os::unix::ffi::OsStrExt;
        let name = Path::new(OsStr::from_bytes(b"out/r\xff\xfe.csv"));
        assert_eq!(
            resources_path(name).as_os_str().as_bytes(),
            b"out/r\xff\xfe-resources.csv"
        );
    }

    fn fresh_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("o11sim-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_symbolic_link_is_written_through_and_stays_a_link() {
        let dir = fresh_dir("link");
        let real = dir.join("real.csv");
        std::fs::write(&real, b"old").unwrap();
        let link = dir.join("link.csv");
        std::os::unix::fs::symlink("real.csv", &link).unwrap();
        check_writable(&link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
        // A dangling link: its target is created.
        let dangling = dir.join("dangling.csv");
        std::os::unix::fs::symlink("later.csv", &dangling).unwrap();
        write_atomic(&dangling, b"made").unwrap();
        assert_eq!(std::fs::read(dir.join("later.csv")).unwrap(), b"made");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 4);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_special_file_is_written_directly_never_replaced() {
        let dir = fresh_dir("fifo");
        let fifo = dir.join("pipe.csv");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(&fifo).unwrap())
        };
        check_writable(&fifo).unwrap();
        write_atomic(&fifo, b"through the pipe").unwrap();
        assert_eq!(reader.join().unwrap(), b"through the pipe");
        assert!(
            std::fs::symlink_metadata(&fifo)
                .unwrap()
                .file_type()
                .is_fifo(),
            "the FIFO is still a FIFO"
        );
        // /dev/null takes the bytes and stays a device.
        write_atomic(Path::new("/dev/null"), b"gone").unwrap();
        assert!(
            std::fs::metadata("/dev/null")
                .unwrap()
                .file_type()
                .is_char_device()
        );
        // /dev/full fails the write, with its name, and stays a device.
        let err = write_atomic(Path::new("/dev/full"), b"x").unwrap_err();
        assert!(err.to_string().contains("/dev/full"), "{err}");
        assert!(
            std::fs::metadata("/dev/full")
                .unwrap()
                .file_type()
                .is_char_device()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_unwritable_place_is_found_before_running_and_named_as_given() {
        let err = check_writable(Path::new("/proc/out.csv")).unwrap_err();
        assert!(
            err.to_string().contains("cannot write /proc/out.csv"),
            "{err}"
        );
        let err = check_writable(Path::new("/etc/hostname/x.csv")).unwrap_err();
        assert!(
            err.to_string().contains("is a file, not a directory"),
            "{err}"
        );
    }

    #[test]
    fn an_output_that_is_an_input_is_refused_however_it_is_spelled() {
        let dir = fresh_dir("same");
        let input = dir.join("x.toml");
        std::fs::write(&input, b"[simulation]").unwrap();
        let spelled = dir.join(".").join("x.toml");
        let err = check_not_input(&[spelled], std::slice::from_ref(&input)).unwrap_err();
        assert!(err.to_string().contains("is the input"), "{err}");
        let link = dir.join("y.toml");
        std::os::unix::fs::symlink(&input, &link).unwrap();
        assert!(check_not_input(&[link], std::slice::from_ref(&input)).is_err());
        assert!(check_not_input(&[dir.join("new.csv")], &[input]).is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_stop_before_the_renames_leaves_old_files_and_no_temporary() {
        let dir = fresh_dir("stop");
        let a = dir.join("a.csv");
        std::fs::write(&a, b"old").unwrap();
        let mut set = FileSet::default();
        set.stage(&a, b"new").unwrap();
        set.stage(&dir.join("b.csv"), b"new").unwrap();
        let stop = AtomicBool::new(true);
        let err = set.commit_unless(&stop).unwrap_err();
        assert!(matches!(err, Error::Interrupted { .. }), "{err}");
        assert_eq!(std::fs::read(&a).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
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
