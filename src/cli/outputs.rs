//! Which outputs a command writes, from its flags: checked before anything
//! is simulated, then written from the command's result.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::experiment::CommandResult;
use crate::report::svg::{self, PlotFigure};
use crate::report::{csv, output};

/// The output files a command was asked for.
#[derive(Clone, Debug, Default)]
pub struct Outputs {
    /// `--csv FILE`: the class CSV, and the resources CSV beside it.
    pub csv: Option<PathBuf>,
    /// `--plot FILE.svg`.
    pub plot: Option<PathBuf>,
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
        }
        if let Some(p) = &self.plot {
            output::check_writable(p).map_err(|e| Error::Usage(format!("--plot: {e}")))?;
            if paths.iter().any(|q| q == p) && !is_stdout(p) {
                return Err(Error::Usage(format!(
                    "--plot {} is also a CSV output; give the chart its own file",
                    p.display()
                )));
            }
        }
        Ok(())
    }

    /// Where the report goes: standard output, unless an output goes there
    /// (`--csv -`), in which case the report moves to standard error.
    pub fn report_sink(&self) -> Box<dyn Write> {
        let to_stdout = [&self.csv, &self.plot]
            .into_iter()
            .flatten()
            .any(|p| is_stdout(p));
        if to_stdout {
            Box::new(std::io::stderr())
        } else {
            Box::new(std::io::stdout())
        }
    }

    /// Writes every output of `result` (each file whole or not at all) and
    /// returns the files written (not standard output).
    pub fn write(&self, result: &CommandResult) -> Result<Vec<PathBuf>> {
        let mut written = Vec::new();
        if let Some(path) = &self.csv {
            let variants = result.variants();
            output::write_atomic(path, &csv::classes(&variants)?)?;
            if !is_stdout(path) {
                let rpath = output::resources_path(path);
                output::write_atomic(&rpath, &csv::resources(&variants)?)?;
                written.extend([path.clone(), rpath]);
            }
        }
        if let Some(path) = &self.plot {
            let chart = match result {
                CommandResult::Compare(c) | CommandResult::Sweep(c) => {
                    svg::comparison_chart(c, PlotFigure::P95)
                }
                CommandResult::Team(t) => svg::team_chart(t, PlotFigure::P95),
                CommandResult::Run(_) | CommandResult::Size(_) => svg::Chart::default(),
            };
            output::write_atomic(path, svg::svg(&chart)?.as_bytes())?;
            if !is_stdout(path) {
                written.push(path.clone());
            }
        }
        Ok(written)
    }
}
