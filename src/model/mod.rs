//! The OutSystems 11 infrastructure model: what an installation is
//! (`spec`) and how it behaves under load (`sim`).
//!
//! Architecture Invariant: the model does no I/O and never reads the wall
//! clock; its output is a pure function of (Model, seed, replication).

pub mod sim;
pub mod spec;

pub use sim::RowKind;
pub use spec::*;
