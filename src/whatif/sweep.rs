//! `o11sim sweep`: the full grid of one or more `--vary KEY=LIST`, one row
//! per variant and class.
//!
//! Why this file exists: a sweep is for curves (p95 against front-ends,
//! against database cores, against the portal's rate), so its table is
//! long rather than side by side, its CSV has one column per varied key,
//! and its chart plots against the first key. The grid, the parallel run
//! and the common random numbers are those of `variants.rs`.

use std::io::Write as _;

use super::variants::{self, Dimension, Figure, Variant};
use super::{Outputs, SweepRequest};
use crate::error::Result;
use crate::experiment::Progress;
use crate::model::sim::ResourceKind;

/// The dimensions and the grid of variants of a sweep (each variant loaded,
/// so checked, before anything runs).
pub(crate) fn grid(req: &SweepRequest) -> Result<(Vec<Dimension>, Vec<Variant>)> {
    let dims = super::dimensions(&req.scenario, None, &req.vary)?;
    let grid = variants::grid(&req.scenario, &dims)?;
    Ok((dims, grid))
}

/// Runs `o11sim sweep`.
pub fn run(req: &SweepRequest, progress: &dyn Progress) -> Result<()> {
    let outputs = Outputs {
        csv: req.csv.as_deref(),
        plot: req.plot.as_deref(),
    };
    let base = &req.scenario;
    let (dims, grid) = grid(req)?;
    let ran = super::run_all(&grid, req.max_events, "sweeping", progress)?;
    ran.report_speed();
    let what = dims
        .iter()
        .map(|d| format!("{} = {}", d.key, d.values.join(", ")))
        .collect::<Vec<_>>()
        .join(" x ");
    let mut out = crate::report::output::report_sink(req.csv.as_deref());
    writeln!(
        out,
        "{}",
        super::headline("sweep", base, &format!("{} variant(s), {what}", grid.len()))
    )?;
    let keys: Vec<&str> = dims.iter().map(|d| d.key.as_str()).collect();
    // Classes.
    let mut header: Vec<&str> = keys.clone();
    header.extend([
        "class",
        "throughput (req/s)",
        "p50 (ms)",
        "p95 (ms)",
        "p99 (ms)",
        "error rate",
    ]);
    let mut rows = Vec::new();
    for (v, s) in grid.iter().zip(&ran.summaries) {
        for c in &s.classes {
            let mut row: Vec<String> = v.keys.iter().map(|(_, val)| val.clone()).collect();
            let mut name = c.name.clone();
            if c.saturated {
                name.push_str(" [SATURATED]");
            }
            row.extend([
                name,
                format!("{:.2}", c.throughput.mean),
                super::ms(c.p50.mean),
                super::figure_cell(Figure::P95, &c.p95),
                super::ms(c.p99.mean),
                format!("{:.2}%", c.error_rate.mean * 100.0),
            ]);
            rows.push(row);
        }
    }
    write!(
        out,
        "\n{}",
        super::align_with(&header, &rows, &[keys.len()])
    )?;
    // CPU resources (the CSV has every resource).
    let mut header: Vec<&str> = keys.clone();
    header.extend(["resource (CPU)", "utilization", "mean queue"]);
    let mut rows = Vec::new();
    for (v, s) in grid.iter().zip(&ran.summaries) {
        for r in s.resources.iter().filter(|r| {
            matches!(
                r.kind,
                ResourceKind::FrontEndCpu
                    | ResourceKind::DatabaseCpu
                    | ResourceKind::DeploymentController
            )
        }) {
            let mut row: Vec<String> = v.keys.iter().map(|(_, val)| val.clone()).collect();
            row.extend([
                r.name.clone(),
                super::pct_cell(&r.utilization),
                format!("{:.3}", r.mean_queue.mean),
            ]);
            rows.push(row);
        }
    }
    write!(
        out,
        "\n{}",
        super::align_with(&header, &rows, &[keys.len()])
    )?;
    let rows = super::report_variants(&grid, &ran.summaries);
    let mut written = outputs.write_csv(&rows)?;
    let title = format!("{}: p95 by {}", base.scenario().name, dims[0].key);
    written.extend(outputs.write_plot(|| super::grid_chart(&title, &dims, &grid, &ran.summaries))?);
    for p in written {
        writeln!(out, "wrote {}", p.display())?;
    }
    Ok(())
}
