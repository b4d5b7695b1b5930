//! o11sim — a capacity-planning discrete-event simulator for self-managed
//! OutSystems 11 installations.
//!
//! Layers, each knowing only the one below it (see ARCHITECTURE.md):
//! `engine` (clock, calendar, random streams, resources) → `stats` →
//! `network` (generic queueing networks used for validation and benchmarks)
//! → `experiment` (replications on rayon) → `validate`, `bench`, `cli`.

pub mod analytic;
pub mod bench;
pub mod cli;
pub mod dist;
pub mod engine;
pub mod error;
pub mod experiment;
pub mod interrupt;
pub mod model;
pub mod network;
pub mod report;
pub mod scenario;
pub mod stats;
pub mod validate;
pub mod whatif;
