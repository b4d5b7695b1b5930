//! The simulating commands as the command line runs them: check the
//! outputs, build the request, run it with a progress bar, hand the result
//! to the exporters.

use std::io::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use super::args::{CalibrateArgs, CompareArgs, MergeArgs, RunArgs, SizeArgs, SweepArgs, TeamArgs};
use super::outputs::{Outputs, typed_command_line};
use super::progress::{Bar, speed};
use crate::error::{Error, Result};
use crate::experiment::CommandResult;
use crate::experiment::result::Answer;
use crate::report::{Export, output, text};
use crate::scenario::LoadedScenario;
use crate::whatif::{self, shard};

/// Writes the result's files, then its report (with the files written).
fn finish(result: &CommandResult, outputs: &Outputs) -> Result<()> {
    let written = outputs.write(result)?;
    let (mut sink, name) = outputs.report_sink();
    text::Text { written: &written }
        .write(result, &mut sink)
        .and_then(|()| Ok(sink.flush()?))
        .map_err(|e| Error::Other(anyhow::anyhow!("writing the report to {name}: {e:#}")))
}

/// Prints the speed line of a what-if command on standard error.
fn report_speed(result: &CommandResult, started: Instant) {
    let (simulations, requests) = result.simulated();
    speed(simulations, requests, started.elapsed().as_secs_f64());
}

/// The page's question: the command line as typed (the scenario text is
/// added once loaded).
fn page(html: &Option<PathBuf>) -> Outputs {
    Outputs {
        html: html.clone(),
        command_line: if html.is_some() {
            typed_command_line()
        } else {
            String::new()
        },
        ..Outputs::default()
    }
}

/// The scenario file a command reads, if it names one (a preset has no
/// file), so that no output can overwrite it.
fn scenario_input(scenario: &Option<String>) -> Vec<PathBuf> {
    scenario
        .iter()
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .collect()
}

/// The scenario text the page shows: after the user's `--set` overrides,
/// headed by the run flags that replaced its `[simulation]` settings
/// (`--replications`, `--seed`, `--precision`), so that the text and the
/// run it documents do not disagree.
fn scenario_text(s: &LoadedScenario) -> String {
    let o = s.overrides();
    let mut flags = Vec::new();
    if let Some(p) = o.precision {
        let first = o
            .replications
            .map(|n| format!(", first batch {n}"))
            .unwrap_or_default();
        flags.push(format!(
            "--precision {}%{first}, at most {} replications",
            p.target * 100.0,
            p.max
        ));
    } else if let Some(n) = o.replications {
        flags.push(format!("--replications {n}"));
    }
    if let Some(seed) = o.seed {
        flags.push(format!("--seed {seed}"));
    }
    let text = &s.scenario().source_text;
    if flags.is_empty() {
        return text.clone();
    }
    format!(
        "# Run with {} on the command line, in place of the [simulation]\n# settings below.\n{text}",
        flags.join(" and ")
    )
}

pub fn run(a: &RunArgs) -> Result<()> {
    let mut outputs = Outputs {
        csv: a.csv.clone(),
        json: a.json.clone(),
        inputs: scenario_input(&a.scenario),
        plot: a.plot.clone(),
        ..page(&a.html)
    };
    outputs.check()?;
    let req = a.request()?;
    outputs.scenario_text = scenario_text(&req.scenario);
    let result = CommandResult::Run(crate::experiment::run(&req, &Bar::default())?);
    finish(&result, &outputs)
}

pub fn compare(a: &CompareArgs) -> Result<()> {
    let mut outputs = Outputs {
        csv: a.csv.clone(),
        differences: true,
        plot: a.plot.clone(),
        json: a.json.clone(),
        figure: a.plot_figure,
        inputs: scenario_input(&a.scenario),
        ..page(&a.html)
    };
    outputs.check()?;
    let req = a.request()?;
    outputs.scenario_text = scenario_text(&req.scenario);
    let started = Instant::now();
    let result = CommandResult::Compare(whatif::compare(&req, &Bar::default())?);
    report_speed(&result, started);
    finish(&result, &outputs)
}

pub fn sweep(a: &SweepArgs) -> Result<()> {
    let mut outputs = Outputs {
        csv: a.csv.clone(),
        differences: true,
        plot: a.plot.clone(),
        json: a.json.clone(),
        figure: a.plot_figure,
        inputs: scenario_input(&a.scenario),
        ..page(&a.html)
    };
    outputs.check()?;
    let Some(shard) = a.shard else {
        let req = a.request()?;
        outputs.scenario_text = scenario_text(&req.scenario);
        let started = Instant::now();
        let result = CommandResult::Sweep(whatif::sweep(&req, &Bar::default())?);
        report_speed(&result, started);
        return finish(&result, &outputs);
    };
    let path = a
        .part
        .clone()
        .unwrap_or_else(|| shard::default_part_path(shard));
    if a.csv.is_some() || a.plot.is_some() || a.json.is_some() || a.html.is_some() {
        return Err(Error::Usage(
            "--shard writes a part file, not --csv, --plot, --json or --html: run `o11sim merge PART... --csv FILE` once every shard is done".into(),
        ));
    }
    output::check_writable(&path).map_err(|e| Error::Usage(format!("--part: {e}")))?;
    output::check_not_input(std::slice::from_ref(&path), &scenario_input(&a.scenario))?;
    let req = a.request()?;
    let part = shard::run_part(&req, shard, &Bar::default())?;
    output::write_atomic(&path, part.to_toml()?.as_bytes())?;
    let (mine, total) = part.share();
    // With the part on standard output (`--part -`), the line goes to
    // standard error, so what is piped is only the part.
    let to_stdout = path.as_os_str() == "-";
    let line = format!(
        "shard {}/{}: {mine} of {total} replications; wrote {} (combine the parts with `o11sim merge PART... --csv FILE`)\n",
        shard.index,
        shard.count,
        if to_stdout {
            "standard output".to_owned()
        } else {
            path.display().to_string()
        }
    );
    if to_stdout {
        eprint!("{line}");
        Ok(())
    } else {
        super::to_stdout(&line)
    }
}

pub fn merge(a: &MergeArgs) -> Result<()> {
    let outputs = Outputs {
        csv: Some(a.csv.clone()),
        differences: true,
        inputs: a.parts.clone(),
        ..Outputs::default()
    };
    outputs.check()?;
    let mut parts = Vec::with_capacity(a.parts.len());
    for path in &a.parts {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Usage(format!("{name}: cannot read the part file: {e}")))?;
        let part = shard::PartFile::from_toml(&name, &text)?;
        parts.push((name, part));
    }
    let count = parts.len();
    let result = CommandResult::Sweep(shard::merge(parts)?);
    let written = outputs.write(&result)?;
    if written.is_empty() {
        return Ok(());
    }
    super::to_stdout(&format!(
        "merged {count} part(s), {} variant(s); wrote {}\n",
        result.variants().len(),
        text::and_list(&written)
    ))
}

pub fn size(a: &SizeArgs) -> Result<()> {
    let mut outputs = Outputs {
        csv: a.csv.clone(),
        json: a.json.clone(),
        inputs: scenario_input(&a.scenario),
        ..page(&a.html)
    };
    outputs.check()?;
    let req = a.request()?;
    outputs.scenario_text = scenario_text(&req.scenario);
    let started = Instant::now();
    let sizing = whatif::size(&req, &Bar::default())?;
    let answered = sizing.answered();
    let alone = sizing
        .final_zones()
        .iter()
        .all(|z| z.answer != Answer::NotFound);
    let result = CommandResult::Size(sizing);
    report_speed(&result, started);
    finish(&result, &outputs)?;
    if answered {
        Ok(())
    } else if alone {
        Err(Error::NoAnswer(
            "each zone's count meets its SLOs with the other zones at their counts in the scenario, but the counts together do not".into(),
        ))
    } else {
        Err(Error::NoAnswer(format!(
            "no front-end count up to --max-front-ends {} meets every SLO",
            a.max_front_ends
        )))
    }
}

pub fn team(a: &TeamArgs) -> Result<()> {
    let mut outputs = Outputs {
        csv: a.csv.clone(),
        plot: a.plot.clone(),
        json: a.json.clone(),
        figure: a.plot_figure,
        inputs: scenario_input(&a.scenario),
        ..page(&a.html)
    };
    outputs.check()?;
    let req = a.request()?;
    outputs.scenario_text = scenario_text(&req.scenario);
    let started = Instant::now();
    let result = CommandResult::Team(whatif::team(&req, &Bar::default())?);
    report_speed(&result, started);
    finish(&result, &outputs)
}

/// `o11sim calibrate`: read the data, fit, write the scenario and the check
/// as one set, print the estimates and the check.
pub fn calibrate(a: &CalibrateArgs) -> Result<()> {
    let mut targets = vec![a.out.clone()];
    targets.extend(a.report.iter().cloned());
    for t in &targets {
        if t.as_os_str() != "-" {
            output::check_writable(t)?;
        }
    }
    output::check_not_input(&targets, &a.inputs())?;
    // However spelled (`x.toml`, `./x.toml`, a link): the second would
    // overwrite the first.
    if let Some(r) = &a.report
        && output::same_target(r, &a.out)
    {
        return Err(Error::Usage(if r.as_os_str() == "-" {
            "only one output can go to standard output (-): give --out or --report a file name"
                .into()
        } else {
            format!(
                "--report {} is also the --out scenario; give the check its own file",
                r.display()
            )
        }));
    }
    let req = a.request()?;
    let done = crate::calibrate::run(&req, &Bar::default())?;
    let mut files = output::FileSet::default();
    files.stage(&a.out, done.written.text.as_bytes())?;
    if let Some(r) = &a.report {
        files.stage(r, crate::calibrate::check::csv(&done.check).as_bytes())?;
    }
    files.commit()?;
    let mut text = crate::calibrate::summary_text(&done);
    text.push('\n');
    text.push_str(&crate::calibrate::check::text(&done.check));
    let name = |p: &PathBuf| {
        if p.as_os_str() == "-" {
            "standard output".to_owned()
        } else {
            p.display().to_string()
        }
    };
    text.push_str(&format!("\nwrote {}", name(&a.out)));
    if let Some(r) = &a.report {
        text.push_str(&format!(" and {}", name(r)));
    }
    text.push('\n');
    // With the scenario or the check on standard output, the report moves
    // to standard error, so what is piped is only the file.
    if targets.iter().any(|t| t.as_os_str() == "-") {
        eprint!("{text}");
        Ok(())
    } else {
        super::to_stdout(&text)
    }
}
