//! `o11sim calibrate`: turn an installation's own data (IIS logs, Windows
//! performance counters, JMeter results) into a scenario, and check how well
//! the model reproduces it.
//!
//! Data flows one way: the parsers (`iis`, `perfmon`, `jmeter`, with
//! `classes` deciding which class a URL belongs to) stream their files into one
//! [`Observed`]; the fit reads only `Observed`; the writer turns the fit and the
//! base scenario into a scenario file; the check simulates it and compares.

pub mod check;
pub mod classes;
pub mod fit;
pub mod iis;
pub mod input;
pub mod jmeter;
pub mod observed;
pub mod perfmon;
pub mod synth;
pub mod write;

pub use input::{InputSpec, observe};
pub use observed::{ClassObserved, CpuSeries, Machine, Observed, Population, Skipped, SourceFile};
