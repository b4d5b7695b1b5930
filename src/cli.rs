//! Command line: raw arguments (clap) turned into validated requests, run,
//! and mapped to exit statuses.
//!
//! Exit status: 0 success, 1 other failure (for `validate`: a case failed),
//! 2 bad usage or invalid input. Nothing here panics on user input.

use std::io::Write;

use clap::{Parser, Subcommand};

use crate::{bench, validate};

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
    /// Check the simulator against exact queueing results (Erlang B and C,
    /// Pollaczek-Khinchine, M/G/1-PS, Jackson, MVA). Exits 1 if any case fails.
    Validate {
        /// Seed of the replications' random streams.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Customers simulated per replication.
        #[arg(long, default_value_t = validate::DEFAULT_CUSTOMERS)]
        customers: f64,
    },
    /// Print throughput figures (one line per case, NAME unit=N), measured on
    /// one thread through the same code users run.
    Bench,
}

/// Runs the command line and returns the process exit status.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    if let Some(n) = cli.threads {
        if n == 0 {
            eprintln!("error: --threads must be at least 1");
            return 2;
        }
        if let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
        {
            eprintln!("error: cannot start {n} worker threads: {e}");
            return 1;
        }
    }
    match cli.command {
        Command::Validate { seed, customers } => run_validate(seed, customers),
        Command::Bench => run_bench(),
    }
}

fn run_validate(seed: u64, customers: f64) -> i32 {
    if !(customers.is_finite() && customers >= 1000.0) {
        eprintln!("error: --customers must be a number of at least 1000, got {customers}");
        return 2;
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{:<22} {:<58} {:<18} {:>10} {:>10} {:>23}  result",
        "case", "model", "figure", "exact", "simulated", "99% CI"
    );
    let mut failed = 0;
    for case in validate::cases(customers) {
        let o = validate::run_case(&case, seed);
        let ci = match o.estimate.ci_99() {
            Some((lo, hi)) => format!("[{lo:.5}, {hi:.5}]"),
            None => "n/a".into(),
        };
        if !o.passed {
            failed += 1;
        }
        let _ = writeln!(
            out,
            "{:<22} {:<58} {:<18} {:>10.5} {:>10.5} {:>23}  {}",
            o.name,
            o.what,
            o.metric,
            o.exact,
            o.estimate.mean,
            ci,
            if o.passed { "pass" } else { "FAIL" }
        );
        let _ = out.flush();
    }
    if failed > 0 {
        let _ = writeln!(out, "{failed} case(s) failed");
        1
    } else {
        let _ = writeln!(out, "all cases pass");
        0
    }
}

fn run_bench() -> i32 {
    println!(
        "# o11sim bench: {} core(s) available; single-thread cases unless named otherwise",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    for f in bench::all() {
        println!(
            "{} {}={:.0}    # {}",
            f.name, f.unit, f.per_second, f.detail
        );
    }
    0
}
