//! o11sim's integration tests: one binary, one module per concern.
//!
//! Statistical tests use fixed seeds and run lengths sized so they are
//! meaningful (exact values must fall inside 99 % confidence intervals over
//! 30 independent replications) yet quick in the optimized test profile.

mod calibrate;
mod certain_miss;
mod charts;
mod cli;
mod cluster;
mod common;
mod extreme;
mod failure_cost;
mod html;
mod intervals;
mod model;
mod parsers;
mod precision;
mod properties;
mod reliability;
mod samples;
mod scheduler;
mod shard;
mod timeline;
mod validation;
mod verdicts;
mod whatif;
