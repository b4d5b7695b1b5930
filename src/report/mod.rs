//! Reports: what users read (terminal text) and what they paste into
//! planning decks (CSV, SVG). One file per format, each an [`Export`] of
//! the typed results in `experiment::result`; nothing here simulates.
//!
//! * `text.rs` — the terminal report (tables, verdicts);
//! * `csv.rs` — the class CSV, the resources CSV (design §7), the
//!   paired differences and the timeline;
//! * `svg.rs` — the charts: of a comparison, sweep or team growth
//!   (`--plot`), a run's timeline (`run --plot`), and those of the HTML
//!   page;
//! * `html.rs` — the self-contained page a planner attaches to a decision
//!   (`--html`): question, settings, verdicts, tables, charts, differences
//!   and the scenario text;
//! * `json.rs` — the whole result for programs (`docs/json.md`);
//! * `output.rs` — writing files whole or not at all.
//!
//! Architecture Invariant: files are written whole or not at all — written
//! to a temporary file beside the target, then renamed over it.

pub mod csv;
pub mod html;
pub mod json;
pub mod output;
pub mod svg;
pub mod text;

use std::io::Write;

use crate::experiment::CommandResult;
use crate::experiment::result::Measure;
use crate::experiment::summary::Figure;

/// One output format of a command's result.
pub trait Export {
    /// Writes `result` in this format to `out`.
    fn write(&self, result: &CommandResult, out: &mut dyn Write) -> anyhow::Result<()>;
}

/// `result` exported by `format`, as bytes.
pub fn to_bytes(format: &dyn Export, result: &CommandResult) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    format.write(result, &mut bytes)?;
    Ok(bytes)
}

/// A measure's name in machine-readable outputs (CSV `figure` column, JSON
/// keys).
pub(crate) fn measure_name(m: Measure) -> &'static str {
    match m {
        Measure::Class(Figure::Throughput) => "throughput",
        Measure::Class(Figure::Mean) => "mean",
        Measure::Class(Figure::P50) => "p50",
        Measure::Class(Figure::P95) => "p95",
        Measure::Class(Figure::P99) => "p99",
        Measure::Class(Figure::ErrorRate) => "error_rate",
        Measure::Utilization => "utilization",
    }
}

/// The unit machine-readable outputs give a measure in: `rps` (per
/// second), `ms`, or `fraction`.
pub(crate) fn measure_unit(m: Measure) -> &'static str {
    match m {
        Measure::Class(Figure::Throughput) => "rps",
        Measure::Class(Figure::Mean | Figure::P50 | Figure::P95 | Figure::P99) => "ms",
        Measure::Class(Figure::ErrorRate) | Measure::Utilization => "fraction",
    }
}
