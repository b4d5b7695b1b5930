//! Reports: what users read (terminal tables) and what they paste into
//! planning decks (CSV). One file per format.
//!
//! Architecture Invariant: files are written whole or not at all — written
//! to a temporary file beside the target, then renamed over it.

pub mod csv;
pub mod output;
pub mod plot;
pub mod table;

/// One row group of a report: a variant's name, the values of the keys that
/// vary between variants, and its summary.
pub struct Variant<'a> {
    pub name: String,
    pub keys: Vec<(String, String)>,
    pub summary: &'a crate::experiment::Summary,
}
