//! `o11sim calibrate`: turn an installation's own data (IIS logs, Windows
//! performance counters, JMeter results) into a scenario, and check how well
//! the model reproduces it.
//!
//! Data flows one way: the parsers (`iis`, `perfmon`, `jmeter`, with
//! `classes` deciding which class a URL belongs to) stream their files into one
//! [`Observed`]; the fit reads only `Observed`; the writer turns the fit and the
//! base scenario into a scenario file; the check simulates it and compares.

pub mod check;
pub mod classes;
pub mod fit;
pub mod iis;
pub mod input;
pub mod jmeter;
pub mod observed;
pub mod perfmon;
pub mod synth;
pub mod write;

pub use input::{InputSpec, observe};
pub use observed::{ClassObserved, CpuSeries, Machine, Observed, Population, Skipped, SourceFile};

use std::fmt::Write as _;

use crate::error::Result;
use crate::experiment::{Budget, Progress};
use crate::scenario::Source;

/// What `o11sim calibrate` is asked.
#[derive(Debug)]
pub struct CalibrateRequest {
    /// The base scenario: the topology.
    pub base: Source,
    /// The data to read.
    pub input: input::InputSpec,
    /// The written scenario's name in messages (the `--out` path).
    pub out_name: String,
    /// Replications of the calibration check (default: the base's).
    pub replications: Option<usize>,
    /// The run-time guard's limits for the check.
    pub budget: Budget,
}

/// Everything `calibrate` produced.
#[derive(Debug)]
pub struct Calibrated {
    pub observed: Observed,
    pub calibration: fit::Calibration,
    pub written: write::Written,
    pub check: check::Check,
}

/// Reads the data, fits the demands, writes the scenario's text and checks
/// it by simulation. Writes no file and prints nothing.
pub fn run(req: &CalibrateRequest, progress: &dyn Progress) -> Result<Calibrated> {
    let scenario = req.base.build(&[])?;
    let model = &scenario.model;
    let front_ends: Vec<String> = model.front_ends.iter().map(|f| f.name.clone()).collect();
    let databases: Vec<String> = model.databases.iter().map(|d| d.name.clone()).collect();
    let environments: Vec<String> = model
        .front_ends
        .iter()
        .map(|f| {
            model.environments[model.zones[f.zone].environment]
                .name
                .clone()
        })
        .collect();
    let observed = input::observe(&req.input, &front_ends, &environments, &databases)?;
    let calibration = fit::calibrate(&observed, model)?;
    let written = write::scenario_text(&req.base, model, &observed, &calibration)?;
    let check = check::check(
        &req.out_name,
        &written,
        &observed,
        &calibration,
        req.replications,
        req.budget,
        progress,
    )?;
    Ok(Calibrated {
        observed,
        calibration,
        written,
        check,
    })
}

/// The skipped lines, the estimates per class, the fits' warnings, as
/// terminal text.
pub fn summary_text(c: &Calibrated) -> String {
    let mut out = String::new();
    let skipped = &c.observed.skipped;
    if skipped.count > 0 {
        writeln!(
            out,
            "{} malformed line(s) skipped; the first:",
            skipped.count
        )
        .unwrap();
        for (path, line, why) in &skipped.first {
            writeln!(out, "  {}:{line}: {why}", path.display()).unwrap();
        }
        out.push('\n');
    }
    let ms = |s: f64| {
        if s.is_finite() {
            format!("{:.2}", s * 1e3)
        } else {
            "n/a".into()
        }
    };
    let demand = |fit: Option<&fit::Fit>, k: usize| match fit
        .and_then(|f| f.demand[k].map(|d| (d, f.se[k])))
    {
        Some((d, se)) => format!("{} ± {}", ms(d), ms(se)),
        None => "—".into(),
    };
    let mut rows = Vec::new();
    for (k, e) in c.calibration.classes.iter().enumerate() {
        rows.push(vec![
            e.name.clone(),
            e.requests.to_string(),
            format!("{:.3}", e.rate),
            format!("{:02}:00", e.peak_hour),
            demand(c.calibration.front_end.as_ref(), k),
            // Each class is in the fit of its own database only (the
            // others' rows hold none of its requests).
            demand(
                c.calibration
                    .databases
                    .iter()
                    .find(|f| f.demand[k].is_some()),
                k,
            ),
            ms(e.mean),
            ms(e.p95),
            ms(e.residual),
        ]);
    }
    let header = [
        "class",
        "requests",
        "peak rate (req/s)",
        "peak hour",
        "cpu (ms) ± SE",
        "database (ms) ± SE",
        "mean (ms)",
        "p95 (ms)",
        "unexplained (ms)",
    ];
    out.push_str(&crate::report::text::align(
        &crate::report::text::Columns::new(&header),
        &rows,
    ));
    for fit in c
        .calibration
        .front_end
        .iter()
        .chain(&c.calibration.databases)
    {
        writeln!(
            out,
            "fit on {}: {} machine-intervals, R² {:.3}, background {:.3} busy cores per machine",
            fit.server, fit.rows, fit.r2, fit.background
        )
        .unwrap();
        for w in &fit.warnings {
            writeln!(out, "warning: {w}").unwrap();
        }
    }
    if c.calibration.front_end.is_none() {
        writeln!(
            out,
            "warning: no front-end counters (--perfmon): CPU per request is not calibrated"
        )
        .unwrap();
    }
    out
}
