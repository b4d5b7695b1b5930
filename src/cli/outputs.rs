//! Which outputs a command writes, from its flags: checked before anything
//! is simulated, then written from the command's result.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::experiment::CommandResult;
use crate::report::csv::Csv;
use crate::report::html::Html;
use crate::report::json::Json;
use crate::report::svg::{PlotFigure, Svg};
use crate::report::{Export, output};

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
    /// `--plot-figure`: what the chart, and the page's first chart, plot.
    pub figure: PlotFigure,
    /// `--html FILE`.
    pub html: Option<PathBuf>,
    /// The command line as typed, for the page.
    pub command_line: String,
    /// The scenario text after overrides, for the page (set once the
    /// scenario is loaded).
    pub scenario_text: String,
    /// The files the command reads (its scenario, merge's parts): no
    /// output may be one of them.
    pub inputs: Vec<PathBuf>,
}

/// The command line this process was started with, as a user would type
/// it again: the program's file name, then every argument, quoted for a
/// POSIX shell where needed.
pub fn typed_command_line() -> String {
    let mut args = std::env::args_os();
    let program = args
        .next()
        .and_then(|p| {
            Path::new(&p)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "o11sim".into());
    std::iter::once(program)
        .chain(args.map(|a| shell_quote(&a.to_string_lossy())))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `a` as a POSIX shell reads it back: unchanged when it holds only safe
/// characters, else in single quotes.
pub fn shell_quote(a: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./:=,+@%^".contains(c);
    if !a.is_empty() && a.chars().all(safe) {
        a.to_owned()
    } else {
        format!("'{}'", a.replace('\'', "'\\''"))
    }
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
            output::check_writable(&output::resources_path(p))
                .map_err(|e| Error::Usage(format!("--csv: {e}")))?;
            paths.push(p.clone());
            paths.push(output::resources_path(p));
            paths.push(output::timeline_path(p));
            paths.push(output::failures_path(p));
            if self.differences {
                paths.push(output::differences_path(p));
            }
        }
        if let Some(p) = &self.plot {
            let svg = p.extension().is_some_and(|e| e.eq_ignore_ascii_case("svg"));
            if !svg && !is_stdout(p) {
                return Err(Error::Usage(format!(
                    "--plot {}: charts are drawn as SVG only; give a file name ending in .svg (or - for standard output)",
                    p.display()
                )));
            }
            output::check_writable(p).map_err(|e| Error::Usage(format!("--plot: {e}")))?;
            if !is_stdout(p) && paths.iter().any(|q| output::same_target(q, p)) {
                return Err(Error::Usage(format!(
                    "--plot {} is also a CSV output; give the chart its own file",
                    p.display()
                )));
            }
            paths.push(p.clone());
        }
        if let Some(p) = &self.json {
            output::check_writable(p).map_err(|e| Error::Usage(format!("--json: {e}")))?;
            if !is_stdout(p) && paths.iter().any(|q| output::same_target(q, p)) {
                return Err(Error::Usage(format!(
                    "--json {} is also another output; give the JSON its own file",
                    p.display()
                )));
            }
            paths.push(p.clone());
        }
        if let Some(p) = &self.html {
            output::check_writable(p).map_err(|e| Error::Usage(format!("--html: {e}")))?;
            if !is_stdout(p) && paths.iter().any(|q| output::same_target(q, p)) {
                return Err(Error::Usage(format!(
                    "--html {} is also another output; give the page its own file",
                    p.display()
                )));
            }
        }
        let all: Vec<PathBuf> = self
            .targets(true, true)
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        output::check_not_input(&all, &self.inputs)?;
        let to_stdout = [&self.csv, &self.plot, &self.json, &self.html]
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
    /// (`--csv -`, `--json -`, `--html -`), in which case the report moves
    /// to standard error.
    /// Also gives its name for messages.
    pub fn report_sink(&self) -> (Box<dyn Write>, &'static str) {
        let to_stdout = [&self.csv, &self.plot, &self.json, &self.html]
            .into_iter()
            .flatten()
            .any(|p| is_stdout(p));
        if to_stdout {
            (Box::new(std::io::stderr()), "standard error")
        } else {
            (Box::new(std::io::stdout()), "standard output")
        }
    }

    /// Every output file with its format, in the order written: the class
    /// CSV, the resources and differences CSVs beside it (not with
    /// `--csv -`), the timeline CSV when the result has a timeline, the
    /// failures CSV when it has scheduled failures, the chart, the page,
    /// the JSON.
    fn targets(&self, timeline: bool, failures: bool) -> Vec<(PathBuf, Box<dyn Export>)> {
        let mut out: Vec<(PathBuf, Box<dyn Export>)> = Vec::new();
        if let Some(path) = &self.csv {
            out.push((path.clone(), Box::new(Csv::Classes)));
            if !is_stdout(path) {
                out.push((output::resources_path(path), Box::new(Csv::Resources)));
                if self.differences {
                    out.push((output::differences_path(path), Box::new(Csv::Differences)));
                }
                if timeline {
                    out.push((output::timeline_path(path), Box::new(Csv::Timeline)));
                }
                if failures {
                    out.push((output::failures_path(path), Box::new(Csv::Failures)));
                }
            }
        }
        if let Some(path) = &self.plot {
            out.push((
                path.clone(),
                Box::new(Svg {
                    figure: self.figure,
                }),
            ));
        }
        if let Some(path) = &self.html {
            out.push((
                path.clone(),
                Box::new(Html {
                    command_line: self.command_line.clone(),
                    scenario_text: self.scenario_text.clone(),
                    figure: self.figure,
                }),
            ));
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
        let timeline = result
            .variants()
            .iter()
            .any(|v| v.summary.timeline.is_some());
        let failures = result
            .variants()
            .iter()
            .any(|v| !v.summary.failure_costs.is_empty());
        for (path, format) in self.targets(timeline, failures) {
            set.stage_with(&path, |w| format.write(result, w))?;
            if !is_stdout(&path) {
                written.push(path);
            }
        }
        set.commit()?;
        self.remove_stale(timeline, failures)?;
        Ok(written)
    }

    /// Removes an earlier run's timeline or failures CSV beside `--csv
    /// FILE` that this run does not write (no timeline, no scheduled
    /// failure), saying so on standard error: left there, it would read as
    /// part of this run's set. Only a file with o11sim's own header for it
    /// is removed.
    fn remove_stale(&self, timeline: bool, failures: bool) -> Result<()> {
        let Some(path) = self.csv.as_ref().filter(|p| !is_stdout(p)) else {
            return Ok(());
        };
        let companions = [
            (
                !timeline,
                output::timeline_path(path),
                &crate::report::csv::TIMELINE_COLUMNS[..],
                "timeline",
            ),
            (
                !failures,
                output::failures_path(path),
                &crate::report::csv::FAILURE_COLUMNS[..],
                "scheduled failure",
            ),
        ];
        for (stale, companion, columns, what) in companions {
            if stale && output::remove_stale_csv(&companion, columns)? {
                eprintln!(
                    "removed {}, an earlier run's: this run has no {what}",
                    companion.display()
                );
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_quoted_only_when_a_shell_needs_it() {
        assert_eq!(shell_quote("--front-ends"), "--front-ends");
        assert_eq!(shell_quote("portal:p95<=800ms"), "'portal:p95<=800ms'");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("out/run.html"), "out/run.html");
    }

    #[test]
    fn a_chart_must_be_named_svg() {
        for bad in ["chart.png", "chart", "chart.svg.pdf"] {
            let o = Outputs {
                plot: Some(PathBuf::from(bad)),
                ..Outputs::default()
            };
            let err = o.check().unwrap_err().to_string();
            assert!(err.contains(bad) && err.contains(".svg"), "{err}");
        }
        let o = Outputs {
            plot: Some(PathBuf::from("Chart.SVG")),
            ..Outputs::default()
        };
        assert!(o.check().is_ok());
    }

    #[test]
    fn the_page_cannot_share_a_file_with_another_output() {
        let o = Outputs {
            csv: Some(PathBuf::from("r.csv")),
            html: Some(PathBuf::from("r-resources.csv")),
            ..Outputs::default()
        };
        assert!(o.check().is_err());
        let o = Outputs {
            plot: Some(PathBuf::from("-")),
            html: Some(PathBuf::from("-")),
            ..Outputs::default()
        };
        assert!(o.check().is_err());
        let o = Outputs {
            csv: Some(PathBuf::from("r.csv")),
            html: Some(PathBuf::from("r.html")),
            ..Outputs::default()
        };
        assert!(o.check().is_ok());
    }
}
