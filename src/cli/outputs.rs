//! Which outputs a command writes, from its flags: checked before anything
//! is simulated, then written from the command's result.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::experiment::CommandResult;
use crate::report::csv::Csv;
use crate::report::json::Json;
use crate::report::svg::Svg;
use crate::report::{Export, output, to_bytes};

/// The output files a command was asked for.
#[derive(Clone, Debug, Default)]
pub struct Outputs {
    /// `--csv FILE`: the class CSV, and the resources CSV beside it.
    pub csv: Option<PathBuf>,
    /// With `--csv FILE`, also the paired differences beside it
    /// (`compare`, `sweep`, `merge`).
    pub differences: bool,
    /// `--plot FILE.svg`.
    pub plot: Option<PathBuf>,
    /// `--json FILE`.
    pub json: Option<PathBuf>,
}

fn is_stdout(p: &Path) -> bool {
    p.as_os_str() == "-"
}

impl Outputs {
    /// Fails with a usage error when a file cannot be written (missing
    /// directory, a directory given) or two outputs are the same file.
    pub fn check(&self) -> Result<()> {
        let mut paths = Vec::new();
        if let Some(p) = &self.csv {
            output::check_writable(p).map_err(|e| Error::Usage(format!("--csv: {e}")))?;
            paths.push(p.clone());
            paths.push(output::resources_path(p));
            if self.differences {
                paths.push(output::differences_path(p));
            }
        }
        if let Some(p) = &self.plot {
            output::check_writable(p).map_err(|e| Error::Usage(format!("--plot: {e}")))?;
            if paths.iter().any(|q| q == p) && !is_stdout(p) {
                return Err(Error::Usage(format!(
                    "--plot {} is also a CSV output; give the chart its own file",
                    p.display()
                )));
            }
            paths.push(p.clone());
        }
        if let Some(p) = &self.json {
            output::check_writable(p).map_err(|e| Error::Usage(format!("--json: {e}")))?;
            if paths.iter().any(|q| q == p) && !is_stdout(p) {
                return Err(Error::Usage(format!(
                    "--json {} is also another output; give the JSON its own file",
                    p.display()
                )));
            }
        }
        let to_stdout = [&self.csv, &self.plot, &self.json]
            .into_iter()
            .flatten()
            .filter(|p| is_stdout(p))
            .count();
        if to_stdout > 1 {
            return Err(Error::Usage(
                "only one output can go to standard output (-); give the others file names".into(),
            ));
        }
        Ok(())
    }

    /// Where the report goes: standard output, unless an output goes there
    /// (`--csv -`, `--json -`), in which case the report moves to standard
    /// error.
    pub fn report_sink(&self) -> Box<dyn Write> {
        let to_stdout = [&self.csv, &self.plot, &self.json]
            .into_iter()
            .flatten()
            .any(|p| is_stdout(p));
        if to_stdout {
            Box::new(std::io::stderr())
        } else {
            Box::new(std::io::stdout())
        }
    }

    /// Every output file with its format, in the order written: the class
    /// CSV, the resources and differences CSVs beside it (not with
    /// `--csv -`), the chart, the JSON.
    fn targets(&self) -> Vec<(PathBuf, Box<dyn Export>)> {
        let mut out: Vec<(PathBuf, Box<dyn Export>)> = Vec::new();
        if let Some(path) = &self.csv {
            out.push((path.clone(), Box::new(Csv::Classes)));
            if !is_stdout(path) {
                out.push((output::resources_path(path), Box::new(Csv::Resources)));
                if self.differences {
                    out.push((output::differences_path(path), Box::new(Csv::Differences)));
                }
            }
        }
        if let Some(path) = &self.plot {
            out.push((path.clone(), Box::new(Svg)));
        }
        if let Some(path) = &self.json {
            out.push((path.clone(), Box::new(Json)));
        }
        out
    }

    /// Writes every output of `result` as one set (all of them, or none
    /// when one cannot be written) and returns the files written (not
    /// standard output).
    pub fn write(&self, result: &CommandResult) -> Result<Vec<PathBuf>> {
        let mut set = output::FileSet::default();
        let mut written = Vec::new();
        for (path, format) in self.targets() {
            set.stage(&path, &to_bytes(format.as_ref(), result)?)?;
            if !is_stdout(&path) {
                written.push(path);
            }
        }
        set.commit()?;
        Ok(written)
    }
}
