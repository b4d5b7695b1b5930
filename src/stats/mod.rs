//! Streaming statistics: everything a replication measures, in memory that
//! does not grow with the number of simulated customers, plus the
//! across-replication estimates with confidence intervals.
//!
//! Architecture Invariant: per-replication statistics are O(1) memory per
//! metric (the latency histogram is bounded by its range and precision, the
//! MSER series by its batch cap).

pub mod ci;
pub mod latency;
pub mod level;
pub mod mser;
pub mod tally;
pub mod window_hist;

pub use ci::{Bounds, Estimate, TQuantiles};
pub use latency::{LatencyHistogram, quantile_censored};
pub use level::{TimeWeighted, TimeWeightedPair};
pub use mser::Mser5;
pub use tally::Tally;
pub use window_hist::WindowHistogram;
