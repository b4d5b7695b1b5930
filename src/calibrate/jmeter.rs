//! JMeter CSV result files (`.jtl` with a header row) → completed requests
//! and the closed population of the load test.
//!
//! Why this file exists: a load test is the other source of a workload. Each
//! sample label becomes a class (characters other than letters, digits, `_`
//! and `-` become `_`). Columns are found by name in the header: `timeStamp`
//! (ms since 1970, the sample's start), `elapsed` (ms) and `label` are
//! required; `responseCode`, `success`, `threadName` and `responseMessage`
//! are used when present. The status is `responseCode` when it is an HTTP
//! status, else 200 when `success` is `true` and 500 when not (a
//! `Non HTTP response code`). Transaction-controller samples
//! (`responseMessage` "Number of samples in transaction ...") repeat their
//! children's time and are left out. A sample ends at `timeStamp +
//! elapsed`. Samples carry no front-end: they are spread over the
//! front-ends of the environment the test drove in turn, as the default
//! round-robin balancer does.
//!
//! The closed population. Within one thread (`threadName`) of one file,
//! samples run one after another; the gap between the end of one sample and
//! the start of the thread's next (negative gaps count as 0) is the think
//! time before that next sample. Each sample thus owns a stretch of its
//! thread's time: its think time before it plus its elapsed time. For a
//! class, `think` is the mean of its samples' think times (a thread's first
//! sample has none), `response` the mean of their elapsed times, and
//! `users` is the time its samples own divided by the length of the test:
//! the time the files cover together (each file from its first start to its
//! last end; files of concurrent load generators overlap, and their common
//! time counts once). Over all classes `users` adds up to the mean number
//! of active threads (ramp-up and ramp-down included). The scenario writer
//! turns this fraction into whole users (see `fit::Closed`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::classes::push_name;
use super::input::{Accumulator, CsvFile, digits, source};
use super::observed::{Observed, Population};
use crate::error::{Error, Result};

/// Per class: think time summed and counted, elapsed time summed and
/// counted, thread time owned (ms).
#[derive(Clone, Copy, Default)]
struct Owned {
    think_sum: f64,
    think_n: u64,
    elapsed_sum: f64,
    samples: u64,
    time: f64,
}

/// Reads every `--jmeter` file, spreading the samples over `front_ends`
/// (the front-ends of the environment the test drove); sets each class's
/// population.
pub fn read_jtls(
    paths: &[PathBuf],
    front_ends: &[usize],
    acc: &mut Accumulator,
    obs: &mut Observed,
) -> Result<()> {
    let mut owned: Vec<Owned> = Vec::new();
    let mut spans: Vec<(u64, u64)> = Vec::with_capacity(paths.len());
    let mut turn = Turn {
        front_ends,
        next: 0,
    };
    for path in paths {
        spans.push(read_file(path, acc, obs, &mut owned, &mut turn)?);
    }
    let span_ms = union_length(&mut spans);
    if span_ms > 0.0 {
        for (class, o) in owned.iter().enumerate() {
            if o.time > 0.0 {
                acc.set_population(
                    class,
                    Population {
                        users: o.time / span_ms,
                        think: if o.think_n > 0 {
                            o.think_sum / o.think_n as f64 / 1000.0
                        } else {
                            0.0
                        },
                        response: o.elapsed_sum / o.samples.max(1) as f64 / 1000.0,
                    },
                );
            }
        }
    }
    Ok(())
}

/// The length of the union of `[first, last]` spans, in their unit.
fn union_length(spans: &mut [(u64, u64)]) -> f64 {
    spans.sort_unstable();
    let (mut total, mut upto) = (0u64, 0u64);
    for &(a, b) in spans.iter() {
        let from = a.max(upto);
        if b > from {
            total += b - from;
        }
        upto = upto.max(b);
    }
    total as f64
}

/// The front-ends samples go to, in turn, across files.
struct Turn<'a> {
    front_ends: &'a [usize],
    next: usize,
}

impl Turn<'_> {
    fn next(&mut self) -> usize {
        let fe = self.front_ends[self.next % self.front_ends.len()];
        self.next += 1;
        fe
    }
}

/// Reads one file; returns its span (first start, last end) in ms.
fn read_file(
    path: &Path,
    acc: &mut Accumulator,
    obs: &mut Observed,
    owned: &mut Vec<Owned>,
    turn: &mut Turn,
) -> Result<(u64, u64)> {
    let mut file = CsvFile::open(path)?;
    let mut record = csv::ByteRecord::new();
    if !file.read(&mut record)? {
        return Err(Error::Usage(format!(
            "{}: empty file: not a JMeter CSV result file",
            path.display()
        )));
    }
    let col = |name: &str| {
        record
            .iter()
            .position(|c| c.trim_ascii() == name.as_bytes())
    };
    let (Some(ts_col), Some(el_col), Some(label_col)) =
        (col("timeStamp"), col("elapsed"), col("label"))
    else {
        return Err(Error::Usage(format!(
            "{}:1: not a JMeter CSV result file with a header: the header needs timeStamp, elapsed and label (set jmeter.save.saveservice.print_field_names=true)",
            path.display()
        )));
    };
    let (code_col, ok_col, thread_col, msg_col) = (
        col("responseCode"),
        col("success"),
        col("threadName"),
        col("responseMessage"),
    );
    let mut threads: HashMap<Vec<u8>, u64> = HashMap::new();
    let mut name = Vec::with_capacity(64);
    let (mut used, mut skipped) = (0u64, 0u64);
    let (mut first, mut last) = (u64::MAX, 0u64);
    let env = acc.environment_of(turn.front_ends[0]);
    let cells = record.len();
    while let Some(line) = file.next_row(&mut record, cells, &mut obs.skipped, &mut skipped)? {
        let get = |c: Option<usize>| c.and_then(|c| record.get(c)).unwrap_or_default();
        if get(msg_col).starts_with(b"Number of samples in transaction") {
            continue;
        }
        let Some(start) = digits(get(Some(ts_col))) else {
            obs.skipped.record(
                path,
                line,
                "timeStamp is not milliseconds since 1970 (jmeter.save.saveservice.timestamp_format=ms)",
            );
            skipped += 1;
            continue;
        };
        // JMeter before 5.5 stamps an HTTP sample that failed with an
        // exception before it started with 0 (1970-01-01) and an elapsed
        // time up to the moment it failed (apache/jmeter#650). Such a
        // sample has no start of its own; read as one, it would stretch the
        // test back to 1970 and every rate and population down to nothing.
        if start == 0 {
            obs.skipped.record(
                path,
                line,
                "timeStamp is 0 (1970-01-01): a sample that never started, as JMeter before 5.5 writes an HTTP request that failed with an exception; it has no time of its own",
            );
            skipped += 1;
            continue;
        }
        let Some(elapsed) = digits(get(Some(el_col))) else {
            obs.skipped
                .record(path, line, "elapsed is not a number of milliseconds");
            skipped += 1;
            continue;
        };
        let label = get(Some(label_col));
        if label.is_empty() {
            obs.skipped.record(path, line, "the label is empty");
            skipped += 1;
            continue;
        }
        let status = match digits(get(code_col)) {
            Some(s) if (100..=999).contains(&s) => s as u16,
            _ if get(ok_col).eq_ignore_ascii_case(b"true") => 200,
            _ => 500,
        };
        name.clear();
        push_name(label, false, &mut name);
        let class = acc.class_id(&name, env);
        if owned.len() <= class {
            owned.resize(class + 1, Owned::default());
        }
        let end = start + elapsed;
        let o = &mut owned[class];
        o.time += elapsed as f64;
        o.elapsed_sum += elapsed as f64;
        o.samples += 1;
        if thread_col.is_some() {
            let thread = get(thread_col);
            match threads.get_mut(thread) {
                Some(prev_end) => {
                    let gap = start.saturating_sub(*prev_end) as f64;
                    o.think_sum += gap;
                    o.think_n += 1;
                    o.time += gap;
                    *prev_end = (*prev_end).max(end);
                }
                None => {
                    threads.insert(thread.to_vec(), end);
                }
            }
        }
        acc.add(
            class,
            turn.next(),
            end as f64 / 1000.0,
            status,
            Some(elapsed as f64 / 1000.0),
        );
        used += 1;
        first = first.min(start);
        last = last.max(end);
    }
    if used == 0 {
        let why = obs
            .skipped
            .first_of(|p| p == path, 1)
            .first()
            .map(|f| format!(" (first: {f})"))
            .unwrap_or_default();
        return Err(Error::Usage(format!(
            "{}: no usable JMeter sample{why}",
            path.display()
        )));
    }
    acc.cover(first as f64 / 1000.0, last as f64 / 1000.0);
    obs.sources.push(source(
        path,
        "jmeter",
        used,
        skipped,
        first as f64 / 1000.0,
        last as f64 / 1000.0,
    ));
    Ok((first, last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrent_files_count_their_common_time_once() {
        assert_eq!(union_length(&mut [(0, 100), (0, 100)]), 100.0);
        assert_eq!(union_length(&mut [(50, 150), (0, 100)]), 150.0);
        assert_eq!(union_length(&mut [(0, 100), (200, 250)]), 150.0);
        assert_eq!(union_length(&mut [(0, 300), (100, 200)]), 300.0);
    }
}
