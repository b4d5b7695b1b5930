//! Command line: raw arguments (clap) turned into the plain requests of
//! the layers below, run, their results handed to the exporters, and
//! errors mapped to exit statuses.
//!
//! Why this module exists: it is the only place that knows flags, terminals
//! and files. `args.rs` turns flags into requests, `progress.rs` draws the
//! progress bar, `outputs.rs` picks and writes the output files,
//! `commands.rs` runs each simulating command; this file holds the command
//! list, the small commands and `main`. Exit statuses: see
//! [`crate::error`]. Nothing here panics on user input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::anyhow;
use clap::{Parser, Subcommand};

use crate::error::{Error, Result, status};
use crate::report::{output, text};
use crate::scenario;
use crate::{bench, validate};

mod args;
mod commands;
mod outputs;
mod progress;

pub use args::{
    CalibrateArgs, CompareArgs, DEFAULT_MAX_EVENTS, MergeArgs, RunArgs, RunOptions, SizeArgs,
    SweepArgs, TeamArgs,
};

/// Capacity planning for self-managed OutSystems 11 installations, by
/// discrete-event simulation.
#[derive(Debug, Parser)]
#[command(name = "o11sim", version, about, long_about = None)]
pub struct Cli {
    /// Worker threads for replications (default: all cores; results do not
    /// depend on it).
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario (a TOML file or a preset name; default: the
    /// production example) and print per-class and per-resource figures.
    Run(RunArgs),
    /// Compare variants of a scenario side by side, with the paired
    /// difference of every figure against the first (common random
    /// numbers), e.g. `compare prod --front-ends 1,3`.
    Compare(CompareArgs),
    /// Simulate the full grid of one or more `--vary KEY=LIST`, e.g.
    /// `sweep --vary front_ends=1..6 --vary database.cores=4,8`.
    Sweep(SweepArgs),
    /// Combine the part files of a sharded sweep (`sweep --shard K/N`) into
    /// the CSV the unsharded sweep writes.
    Merge(MergeArgs),
    /// Find the smallest front-end count meeting service-level objectives,
    /// e.g. `size --slo portal:p95<=800ms --spare 1` (exit 3: none found).
    Size(SizeArgs),
    /// Publish lead time against team size, Deployment Controller dedicated
    /// and co-located, e.g. `team --developers 8,16,32`.
    Team(TeamArgs),
    /// Turn an installation's own data (IIS logs, performance counters,
    /// JMeter results) into a scenario on BASE's topology, and check it by
    /// simulation, e.g. `calibrate prod --iis FE1/ FE2/ FE3/ --perfmon
    /// counters.csv --out mine.toml`.
    Calibrate(Box<CalibrateArgs>),
    /// List the built-in scenarios.
    Presets,
    /// Write a built-in scenario to a file to edit.
    Init {
        /// Preset name or alias.
        preset: String,
        /// Where to write it (default: the preset's file name).
        file: Option<PathBuf>,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Check the simulator against exact queueing results (Erlang B and C,
    /// Pollaczek-Khinchine, M/G/1-PS, Jackson, MVA). Exits 1 if any case fails.
    Validate {
        /// Seed of the replications' random streams.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Customers simulated per replication.
        #[arg(long, default_value_t = validate::DEFAULT_CUSTOMERS)]
        customers: f64,
        /// Refuse to start when the cases would simulate more events than
        /// this in all (about ten minutes here at the default).
        #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_EVENTS)]
        max_events: f64,
    },
    /// Print throughput figures (one line per case, NAME unit=N), measured on
    /// one thread through the same code users run. Cases: mmc, hold,
    /// production, mmc_all_threads, day (peak memory: run `bench day` alone).
    Bench {
        /// Cases to run (default: all but `day`).
        cases: Vec<String>,
    },
}

fn list_presets() -> Result<()> {
    let rows: Vec<Vec<String>> = scenario::presets()
        .iter()
        .map(|p| {
            vec![
                p.name.to_owned(),
                p.aliases.join(", "),
                p.file.to_owned(),
                p.summary.to_owned(),
            ]
        })
        .collect();
    to_stdout(&text::align(
        &text::Columns::new(&["preset", "aliases", "file", "what it is"]).left(&[0, 1, 2, 3]),
        &rows,
    ))
}

/// Writes `text` to standard output and flushes it; a failed write (a full
/// disk, a closed pipe) is an error (exit 1), never a panic or a silent
/// loss.
pub(super) fn to_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Error::Other(anyhow!("writing to standard output: {e}")))
}

fn init(preset: &str, file: Option<&Path>, force: bool) -> Result<()> {
    let Some(p) = scenario::find_preset(preset) else {
        let names: Vec<_> = scenario::presets().iter().map(|p| p.name).collect();
        return Err(Error::Usage(format!(
            "unknown preset {preset:?}: expected one of {} (or an alias; see `o11sim presets`)",
            names.join(", ")
        )));
    };
    let path = file.map_or_else(|| PathBuf::from(p.file), Path::to_path_buf);
    if path.exists() && !force {
        return Err(Error::Usage(format!(
            "{} already exists; pass --force to overwrite it",
            path.display()
        )));
    }
    output::check_writable(&path).map_err(|e| Error::Usage(e.to_string()))?;
    output::write_atomic(&path, p.text.as_bytes())?;
    to_stdout(&format!(
        "wrote {} ({}); edit it, then: o11sim run {}\n",
        path.display(),
        p.name,
        path.display()
    ))
}

/// Runs the command line and returns the process exit status (see
/// [`crate::error`]).
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                status::USAGE
            } else {
                status::SUCCESS
            });
        }
    };
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(message) = e.message() {
                eprintln!("{message}");
            }
            ExitCode::from(e.exit_status())
        }
    }
}

fn dispatch(cli: Cli) -> Result<()> {
    crate::interrupt::install();
    start_workers(cli.threads)?;
    match cli.command {
        Command::Run(a) => commands::run(&a),
        Command::Compare(a) => commands::compare(&a),
        Command::Sweep(a) => commands::sweep(&a),
        Command::Merge(a) => commands::merge(&a),
        Command::Size(a) => commands::size(&a),
        Command::Team(a) => commands::team(&a),
        Command::Calibrate(a) => commands::calibrate(&a),
        Command::Presets => list_presets(),
        Command::Init {
            preset,
            file,
            force,
        } => init(&preset, file.as_deref(), force),
        Command::Validate {
            seed,
            customers,
            max_events,
        } => run_validate(seed, customers, max_events),
        Command::Bench { cases } => run_bench(&cases),
    }
}

/// The most worker threads `--threads` accepts per core: replications are
/// independent and CPU-bound, so more threads than cores only slow a run
/// down (and a stop request with it); a few per core leave room for
/// hyper-threads and cores the process is not shown.
const MAX_THREADS_PER_CORE: usize = 4;

/// Builds the worker pool every command runs on, explicitly, so that a
/// machine that cannot start threads (a process limit, `RAYON_NUM_THREADS`
/// past it) gets a message and exit 1 rather than a panic.
fn start_workers(threads: Option<usize>) -> Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let max = MAX_THREADS_PER_CORE * cores;
    let n = match threads {
        Some(0) => return Err(Error::Usage("--threads must be at least 1".into())),
        Some(n) if n > max => {
            return Err(Error::Usage(format!(
                "--threads {n}: at most {max} on this machine ({MAX_THREADS_PER_CORE} per core, {cores} core(s)); \
                 replications run independently, so more threads than cores only slow a run down"
            )));
        }
        Some(n) => n,
        // rayon's own default: RAYON_NUM_THREADS, else one per core.
        None => 0,
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build_global()
        .map_err(|e| {
            let wanted = if n == 0 {
                "the worker threads".to_owned()
            } else {
                format!("{n} worker threads")
            };
            Error::Other(anyhow!(
                "cannot start {wanted}: {e}; the process may be at its thread limit (ulimit -u): \
                 try --threads 1"
            ))
        })
}

fn run_validate(seed: u64, customers: f64, max_events: f64) -> Result<()> {
    if !(customers.is_finite() && customers >= 1000.0) {
        return Err(Error::Usage(format!(
            "--customers must be a number of at least 1000, got {customers}"
        )));
    }
    if !(max_events.is_finite() && max_events > 0.0) {
        return Err(Error::Usage(format!(
            "--max-events must be a positive number, got {max_events}"
        )));
    }
    let cases = validate::cases(customers);
    let events = validate::estimated_events(&cases);
    if events > max_events {
        return Err(Error::Usage(format!(
            "--customers {customers}: validate would simulate about {events:.2e} events over {} cases, \
             above --max-events {max_events:.2e} (at roughly 10 million events per second per core); \
             lower --customers (default {}) or raise --max-events",
            cases.len(),
            validate::DEFAULT_CUSTOMERS
        )));
    }
    // The text columns are as wide as their longest entry; rows are
    // printed as each case finishes.
    let name_w = cases.iter().map(|c| c.name.len()).max().unwrap_or(0).max(4);
    let what_w = cases
        .iter()
        .map(|c| c.what.chars().count())
        .max()
        .unwrap_or(0)
        .max(5);
    let metric_w = cases
        .iter()
        .map(|c| c.metric.label().len())
        .max()
        .unwrap_or(0)
        .max(6);
    to_stdout(&format!(
        "{:<name_w$}  {:<what_w$}  {:<metric_w$}  {:>10}  {:>10}  {:>23}  result\n",
        "case", "model", "figure", "exact", "simulated", "99% CI"
    ))?;
    let mut failed = 0;
    for (done, case) in cases.iter().enumerate() {
        let Some(o) = validate::run_case_until(case, seed, crate::interrupt::flag()) else {
            return Err(Error::Interrupted {
                finished: format!("{done} of {} cases", cases.len()),
            });
        };
        let ci = match o.estimate.ci_99() {
            Some((lo, hi)) => format!("[{lo:.5}, {hi:.5}]"),
            None => "n/a".into(),
        };
        if !o.passed {
            failed += 1;
        }
        to_stdout(&format!(
            "{:<name_w$}  {:<what_w$}  {:<metric_w$}  {:>10.5}  {:>10.5}  {:>23}  {}\n",
            o.name,
            o.what,
            o.metric,
            o.exact,
            o.estimate.mean,
            ci,
            if o.passed { "pass" } else { "FAIL" }
        ))?;
    }
    if failed > 0 {
        to_stdout(&format!("{failed} case(s) failed\n"))?;
        Err(Error::CheckFailed(format!("{failed} case(s) failed")))
    } else {
        to_stdout("all cases pass\n")
    }
}

fn run_bench(cases: &[String]) -> Result<()> {
    let chosen: Vec<&str> = if cases.is_empty() {
        bench::CASES
            .iter()
            .copied()
            .filter(|c| *c != "day")
            .collect()
    } else {
        cases.iter().map(String::as_str).collect()
    };
    if let Some(bad) = chosen.iter().find(|c| !bench::CASES.contains(c)) {
        return Err(Error::Usage(format!(
            "unknown bench case {bad:?}: expected one of {}",
            bench::CASES.join(", ")
        )));
    }
    to_stdout(&format!(
        "# o11sim bench: {} core(s) available; single-thread cases unless named otherwise\n",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    ))?;
    for (done, name) in chosen.iter().enumerate() {
        let Some(f) = bench::run(name, crate::interrupt::flag()) else {
            return Err(Error::Interrupted {
                finished: format!("{done} of {} cases", chosen.len()),
            });
        };
        to_stdout(&format!(
            "{} {}={:.0}    # {}\n",
            f.name, f.unit, f.per_second, f.detail
        ))?;
    }
    Ok(())
}
