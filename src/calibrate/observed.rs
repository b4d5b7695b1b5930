//! What an installation's own data shows, before any fitting: completed
//! requests per class, per front-end and per interval; response times and
//! statuses; CPU samples per machine. The parsers fill it while streaming
//! their files (its size grows with intervals × classes × front-ends, never
//! with lines); the fit and the scenario writer only read it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::stats::LatencyHistogram;

/// Everything the inputs of one `calibrate` run showed.
#[derive(Clone, Debug, Default)]
pub struct Observed {
    /// Width of the aggregation intervals, in seconds (`--interval`, 60 by default).
    pub interval: f64,
    /// Start of interval 0, in Unix seconds (UTC), a multiple of `interval`.
    pub origin: i64,
    /// Number of intervals from the first to the last observation.
    pub intervals: usize,
    /// Front-ends of the base scenario as `ZONE.N` (`main.1`), in the order
    /// `ClassObserved::completions` is indexed.
    pub front_ends: Vec<String>,
    /// One entry per request class, in the order classes were first seen
    /// (or the order of the rules file).
    pub classes: Vec<ClassObserved>,
    /// Seconds of observed time falling in each hour of the day (UTC), over
    /// the whole span of the request data: the denominator of the hourly
    /// rates. Measured in seconds from the data (see [`Observed::window`]),
    /// not in intervals: it does not depend on `--interval`.
    pub hour_coverage: [f64; 24],
    /// The request data's window `[from, to)`, Unix seconds: from the first
    /// observation to the end of the last file's coverage (an IIS log
    /// covers its first request's second up to one mean gap between its
    /// requests, and at least a second, past its last; a JMeter file its
    /// first sample's start to its last sample's end). The time covered
    /// within it is `hour_coverage`'s sum.
    pub window: (f64, f64),
    /// CPU samples from performance counters, one series per machine.
    pub cpu: Vec<CpuSeries>,
    /// Files read, for the comments of the written scenario.
    pub sources: Vec<SourceFile>,
    /// Lines that could not be used.
    pub skipped: Skipped,
}

/// One request class as observed.
#[derive(Clone, Debug, Default)]
pub struct ClassObserved {
    /// Class name: an OutSystems module (lowercased first path segment),
    /// `static`, a rules-file name, or a JMeter label.
    pub name: String,
    /// `completions[f][i]`: requests of this class that ended in interval `i`
    /// on front-end `f`, whatever their status. JMeter samples name no
    /// front-end: they are spread over the front-ends in turn (round robin).
    pub completions: Vec<Vec<u32>>,
    /// Requests per hour of day (UTC, by end time), all front-ends together.
    pub by_hour: [u64; 24],
    /// Response times (`time-taken` / `elapsed`) of requests answered with a
    /// status below 500, in seconds.
    pub response: LatencyHistogram,
    /// Sum of those response times, in seconds (for an exact mean).
    pub response_sum: f64,
    /// Requests by HTTP status (503 is a rejection; other 5xx are failures).
    pub statuses: BTreeMap<u16, u64>,
    /// For a closed population from a load test: the threads that issued this
    /// class and their mean think time before it, in seconds.
    pub population: Option<Population>,
}

/// A closed population derived from a load test.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Population {
    /// Virtual users (JMeter threads) attributed to the class: the mean
    /// number of threads busy with it (thinking before it or waiting for
    /// it), a fraction.
    pub users: f64,
    /// Mean think time between one response and the thread's next request, seconds.
    pub think: f64,
    /// Mean elapsed time of the class's samples (all of them, whatever
    /// their status), seconds.
    pub response: f64,
}

/// Which machine of the base scenario a series or a log belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Machine {
    /// Index into `Observed::front_ends`.
    FrontEnd(usize),
    /// A database instance of the base scenario, by its name.
    Database(String),
}

/// `% Processor Time` of one machine, as sampled.
#[derive(Clone, Debug)]
pub struct CpuSeries {
    /// Server name as written in the counter path (`\\FE1\...` → `FE1`).
    pub host: String,
    /// The first counter file it appeared in, for messages.
    pub file: PathBuf,
    pub machine: Machine,
    /// (Unix seconds UTC, busy percent of the whole machine 0..=100), in time order.
    pub samples: Vec<(f64, f64)>,
}

/// One input file and what it covered.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    /// `iis`, `perfmon` or `jmeter`.
    pub kind: &'static str,
    /// Lines used and lines skipped.
    pub used: u64,
    pub skipped: u64,
    /// First and last time seen, Unix seconds UTC.
    pub first: f64,
    pub last: f64,
}

/// Lines skipped across all inputs, with the first few for the user.
#[derive(Clone, Debug, Default)]
pub struct Skipped {
    pub count: u64,
    /// (file, 1-based line, why), at most [`Skipped::KEEP`] of them.
    pub first: Vec<(PathBuf, u64, String)>,
    /// Per file with a skipped line, in reading order: its first
    /// [`Skipped::KEEP_PER_FILE`] (line, why). A file none of whose lines
    /// could be read is an error that quotes them, even when earlier files
    /// filled `first`: the run then stops before `first` is printed.
    per_file: Vec<(PathBuf, Vec<(u64, String)>)>,
}

impl Skipped {
    /// How many skipped lines are reported by file and line.
    pub const KEEP: usize = 10;
    /// How many skipped lines of each file are kept for its own error.
    pub const KEEP_PER_FILE: usize = 3;

    /// Counts one skipped line, keeping the first few.
    pub fn record(&mut self, path: &std::path::Path, line: u64, why: impl Into<String>) {
        self.count += 1;
        let why = why.into();
        if self.first.len() < Self::KEEP {
            self.first.push((path.to_path_buf(), line, why.clone()));
        }
        // Files are read one after the other: the last entry is this file's
        // unless this is its first skipped line.
        match self.per_file.last_mut() {
            Some((p, kept)) if p == path => {
                if kept.len() < Self::KEEP_PER_FILE {
                    kept.push((line, why));
                }
            }
            _ => self.per_file.push((path.to_path_buf(), vec![(line, why)])),
        }
    }

    /// The first skipped lines of the files `wanted` accepts (at most
    /// [`Skipped::KEEP_PER_FILE`] per file, `n` in all), as `FILE:LINE: why`.
    pub fn first_of(&self, wanted: impl Fn(&std::path::Path) -> bool, n: usize) -> Vec<String> {
        self.per_file
            .iter()
            .filter(|(p, _)| wanted(p))
            .flat_map(|(p, kept)| {
                kept.iter()
                    .map(move |(l, w)| format!("{}:{l}: {w}", p.display()))
            })
            .take(n)
            .collect()
    }
}

impl ClassObserved {
    /// Requests observed for the class, all statuses.
    pub fn total(&self) -> u64 {
        self.statuses.values().sum()
    }

    /// Arrival rate per hour of the day in requests per second (0 for an
    /// hour never observed).
    pub fn hourly_rate(&self, hour_coverage: &[f64; 24]) -> [f64; 24] {
        let mut r = [0.0; 24];
        for h in 0..24 {
            if hour_coverage[h] > 0.0 {
                r[h] = self.by_hour[h] as f64 / hour_coverage[h];
            }
        }
        r
    }
}
