//! `o11sim calibrate`: turn an installation's own data (IIS logs, Windows
//! performance counters, JMeter results) into a scenario, and check how well
//! the model reproduces it.
//!
//! Data flows one way: the parsers (`iis`, `perfmon`, `jmeter`, with
//! `classes` deciding which class a URL belongs to) stream their files into one
//! [`Observed`]; the fit reads only `Observed`; the writer turns the fit and the
//! base scenario into a scenario file; the check simulates it and compares.

pub mod check;
pub mod fit;
pub mod observed;
pub mod synth;
pub mod write;

pub use observed::{ClassObserved, CpuSeries, Machine, Observed, Population, Skipped, SourceFile};
