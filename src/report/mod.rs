//! Reports: what users read (terminal text) and what they paste into
//! planning decks (CSV, SVG). One file per format, each an exporter of the
//! typed results in `experiment::result`; nothing here simulates.
//!
//! Architecture Invariant: files are written whole or not at all — written
//! to a temporary file beside the target, then renamed over it.

pub mod csv;
pub mod output;
pub mod svg;
pub mod text;
