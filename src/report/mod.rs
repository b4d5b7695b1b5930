//! Reports: what users read (terminal text) and what they paste into
//! planning decks (CSV, SVG). One file per format, each an [`Export`] of
//! the typed results in `experiment::result`; nothing here simulates.
//!
//! * `text.rs` — the terminal report (tables, verdicts);
//! * `csv.rs` — the class CSV and the resources CSV (design §7);
//! * `svg.rs` — the chart of a comparison, sweep or team growth;
//! * `output.rs` — writing files whole or not at all.
//!
//! Architecture Invariant: files are written whole or not at all — written
//! to a temporary file beside the target, then renamed over it.

pub mod csv;
pub mod output;
pub mod svg;
pub mod text;

use std::io::Write;

use crate::experiment::CommandResult;

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
