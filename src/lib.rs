//! o11sim — a capacity-planning discrete-event simulator for self-managed
//! OutSystems 11 installations.
//!
//! Layers, each knowing only the ones below it (see ARCHITECTURE.md):
//! `engine` (clock, calendar, random streams, resources) → `stats` →
//! `model` (one replication of an installation; `network` is the generic
//! queueing network used for validation and benchmarks) → `scenario`
//! (scenario files → `Model`) → `experiment` (replications on rayon,
//! summaries, the typed results) → `whatif` (compare, sweep, size, team) →
//! `report` (text, CSV, SVG, JSON exporters of the results) → `cli`.
//! `error` is the one error type every layer returns. `calibrate` turns an
//! installation's logs and counters into a scenario; it sits beside `cli`,
//! above `report` (whose table layout it prints with).

pub mod analytic;
pub mod bench;
pub mod calibrate;
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
