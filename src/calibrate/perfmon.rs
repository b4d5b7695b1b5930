//! Windows performance counter logs (PDH-CSV, as `typeperf -f CSV` and a
//! Performance Monitor data collector write them) → CPU samples per machine.
//!
//! Why this file exists: the fit needs each machine's CPU over time next to
//! the requests it served. The layout:
//!
//! ```text
//! "(PDH-CSV 4.0) (GMT Standard Time)(-60)","\\FE1\Processor(_Total)\% Processor Time","\\FE1\Memory\Available MBytes"
//! "10/29/2017 01:59:44.562","88.359340674585567","2048"
//! "10/29/2017 01:59:59.562"," ","2047"
//! ```
//!
//! The first header cell carries the time zone and its bias in minutes;
//! timestamps are local `MM/DD/YYYY HH:MM:SS.mmm` and UTC = local + bias
//! (the Windows convention: GMT Daylight Time has bias -60). The bias is
//! the one in force when the log started, so a log that crosses a
//! daylight-saving change is off by an hour after it. Only
//! `\\SERVER\Processor(_Total)\% Processor Time` columns are read, or, for
//! a server a file has none of, `\\SERVER\Processor Information(_Total)\%
//! Processor Time` (the counter set newer Performance Monitor collector
//! sets log; the same busy share of the whole machine); names are compared
//! case-insensitively; other counters, and localized counter names, are
//! ignored. An empty or `" "` value is no sample.
//!
//! Which machine a SERVER is: `--server SERVER=TARGET` first, else the name
//! an IIS log was known by (its `--server` name, directory name or file
//! stem) for that log's front-end, else, when the base scenario has one
//! database instance and exactly one counter server is still unmapped, that
//! server is the database. Any other unmapped server is an error that
//! names it (a wrong attribution would silently spoil the fit).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::input::{CsvFile, ServerMap, days_from_civil, digits, source, valid_date};
use super::observed::{CpuSeries, Machine, Observed};
use crate::error::{Error, Result};

/// The counters read, after the server, in order of preference: a file
/// that logs both for one server is read from the first only (the two
/// measure the same busy time; read twice, every sample would count
/// double).
const COUNTERS: [&str; 2] = [
    "processor(_total)\\% processor time",
    "processor information(_total)\\% processor time",
];

/// Samples of one server.
struct Host {
    name: String,
    samples: Vec<(f64, f64)>,
    /// First file it appeared in, for messages.
    file: PathBuf,
}

/// Reads every counter file and maps each server to a machine.
pub fn read_counters(
    paths: &[PathBuf],
    servers: &ServerMap,
    log_names: &[(String, usize)],
    databases: &[String],
    obs: &mut Observed,
) -> Result<Vec<CpuSeries>> {
    let mut hosts: BTreeMap<String, Host> = BTreeMap::new();
    for path in paths {
        read_file(path, &mut hosts, obs)?;
    }
    let mut series = Vec::new();
    let mut unmapped = Vec::new();
    for (key, host) in hosts {
        let machine = servers.get(&key).cloned().or_else(|| {
            log_names
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(&key))
                .map(|&(_, fe)| Machine::FrontEnd(fe))
        });
        match machine {
            Some(m) => series.push(CpuSeries {
                host: host.name,
                file: host.file,
                machine: m,
                samples: host.samples,
            }),
            None => unmapped.push(host),
        }
    }
    let database_mapped = series
        .iter()
        .any(|s| matches!(s.machine, Machine::Database(_)));
    if unmapped.len() == 1 && databases.len() == 1 && !database_mapped {
        let host = unmapped.pop().expect("one unmapped server");
        series.push(CpuSeries {
            host: host.name,
            file: host.file,
            machine: Machine::Database(databases[0].clone()),
            samples: host.samples,
        });
    }
    if !unmapped.is_empty() {
        let list: Vec<String> = unmapped
            .iter()
            .map(|h| format!("{} (in {})", h.name, h.file.display()))
            .collect();
        return Err(Error::Usage(format!(
            "performance counters of {} belong to no machine of the base scenario: map each with --server NAME=TARGET (TARGET a front-end ({}) or a database ({}))",
            list.join(", "),
            obs.front_ends.join(", "),
            if databases.is_empty() {
                "none".to_string()
            } else {
                databases.join(", ")
            }
        )));
    }
    for s in &mut series {
        s.samples.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    Ok(series)
}

fn read_file(path: &Path, hosts: &mut BTreeMap<String, Host>, obs: &mut Observed) -> Result<()> {
    let usage = |line: u64, why: String| Error::Usage(format!("{}:{line}: {why}", path.display()));
    let mut file = CsvFile::open(path)?;
    let mut record = csv::ByteRecord::new();
    if !file.read(&mut record)? {
        return Err(usage(
            1,
            "empty file: not a PDH-CSV performance counter log".into(),
        ));
    }
    let head = String::from_utf8_lossy(record.get(0).unwrap_or_default()).into_owned();
    let head = head.as_str();
    let cells = record.len();
    if !head.starts_with("(PDH-CSV") {
        return Err(usage(
            1,
            format!(
                "the first cell is {head:?}, not \"(PDH-CSV 4.0) (<time zone>)(<bias>)\": not a typeperf / Performance Monitor CSV log"
            ),
        ));
    }
    let bias = parse_bias(head).ok_or_else(|| {
        usage(1, format!("{head:?} gives no time-zone bias: expected \"(PDH-CSV 4.0) (<time zone>)(<bias in minutes>)\""))
    })?;
    // (column, key of the server, preference) of every CPU counter.
    let mut found: Vec<(usize, String, usize)> = Vec::new();
    for (col, cell) in record.iter().enumerate().skip(1) {
        let cell = String::from_utf8_lossy(cell);
        let Some(rest) = cell.strip_prefix("\\\\") else {
            continue;
        };
        let Some((server, counter)) = rest.split_once('\\') else {
            continue;
        };
        let Some(rank) = COUNTERS
            .iter()
            .position(|c| counter.eq_ignore_ascii_case(c))
        else {
            continue;
        };
        if !server.is_empty() {
            let key = server.to_ascii_lowercase();
            hosts.entry(key.clone()).or_insert_with(|| Host {
                name: server.to_string(),
                samples: Vec::new(),
                file: path.to_path_buf(),
            });
            found.push((col, key, rank));
        }
    }
    // Each server's most preferred counter only.
    let columns: Vec<(usize, String)> = found
        .iter()
        .filter(|(_, key, rank)| found.iter().all(|(_, other, r)| other != key || r >= rank))
        .map(|(col, key, _)| (*col, key.clone()))
        .collect();
    if columns.is_empty() {
        return Err(usage(
            1,
            "no \\\\SERVER\\Processor(_Total)\\% Processor Time (or \\\\SERVER\\Processor Information(_Total)\\% Processor Time) counter in the header".into(),
        ));
    }
    // The header, to name a column whose value cannot be read.
    let header = record.clone();
    let (mut used, mut skipped) = (0u64, 0u64);
    let (mut first, mut last) = (f64::INFINITY, f64::NEG_INFINITY);
    while let Some(line) = file.next_row(&mut record, cells, &mut obs.skipped, &mut skipped)? {
        let Some(local) = record.get(0).and_then(parse_timestamp) else {
            obs.skipped.record(
                path,
                line,
                format!(
                    "timestamp {:?} is not MM/DD/YYYY HH:MM:SS.mmm (typeperf's layout, whatever the locale)",
                    String::from_utf8_lossy(record.get(0).unwrap_or_default())
                ),
            );
            skipped += 1;
            continue;
        };
        let t = local + bias as f64 * 60.0;
        let mut any = false;
        let mut bad: Option<(usize, String)> = None;
        for (col, key) in &columns {
            let cell = record.get(*col).unwrap_or_default();
            let text = String::from_utf8_lossy(cell);
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() => {
                    hosts
                        .get_mut(key)
                        .expect("registered above")
                        .samples
                        .push((t, v.clamp(0.0, 100.0)));
                    any = true;
                }
                _ => {
                    bad.get_or_insert((*col, text.to_owned()));
                }
            }
        }
        if let Some((col, text)) = bad {
            obs.skipped.record(
                path,
                line,
                format!(
                    "column {} ({}): {text:?} is not a number (a % Processor Time value is a number with a '.' decimal point, or empty for no sample)",
                    col + 1,
                    String::from_utf8_lossy(header.get(col).unwrap_or_default())
                ),
            );
            skipped += 1;
        }
        if any {
            used += 1;
            first = first.min(t);
            last = last.max(t);
        }
    }
    if used == 0 {
        // Say why, with the first skipped rows: "every value empty" and
        // "every timestamp unreadable" (a locale's date layout) need
        // different fixes, and the skipped rows are not printed otherwise.
        let first = obs.skipped.first_of(|p| p == path, 3);
        let why = if first.is_empty() {
            "every % Processor Time value is empty".to_owned()
        } else {
            format!(
                "{skipped} row(s) could not be read, the first: {}",
                first.join("; ")
            )
        };
        return Err(Error::Usage(format!(
            "{}: no % Processor Time sample: {why}",
            path.display()
        )));
    }
    obs.sources
        .push(source(path, "perfmon", used, skipped, first, last));
    Ok(())
}

/// The bias in minutes: the number in the last `(...)` of the header cell.
fn parse_bias(head: &str) -> Option<i64> {
    let close = head.rfind(')')?;
    let open = head[..close].rfind('(')?;
    head[open + 1..close].trim().parse().ok()
}

/// Seconds since 1970 of a local `MM/DD/YYYY HH:MM:SS[.mmm]` (as if UTC).
fn parse_timestamp(cell: &[u8]) -> Option<f64> {
    let s = cell.trim_ascii();
    if s.len() < 19
        || s[2] != b'/'
        || s[5] != b'/'
        || s[10] != b' '
        || s[13] != b':'
        || s[16] != b':'
    {
        return None;
    }
    let m = digits(&s[..2])? as u32;
    let d = digits(&s[3..5])? as u32;
    let y = digits(&s[6..10])? as i64;
    let (hh, mm, ss) = (
        digits(&s[11..13])?,
        digits(&s[14..16])?,
        digits(&s[17..19])?,
    );
    if !valid_date(y, m, d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let mut t = (days_from_civil(y, m, d) * 86_400) as f64 + (hh * 3600 + mm * 60 + ss) as f64;
    if s.len() > 19 {
        if s[19] != b'.' {
            return None;
        }
        let frac = &s[20..];
        t += digits(frac)? as f64 / 10f64.powi(frac.len() as i32);
    }
    Some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_timestamps() {
        assert_eq!(
            parse_bias("(PDH-CSV 4.0) (GMT Standard Time)(-60)"),
            Some(-60)
        );
        assert_eq!(
            parse_bias("(PDH-CSV 4.0) (Pacific Standard Time)(480)"),
            Some(480)
        );
        assert_eq!(parse_bias("(PDH-CSV 4.0)"), None);
        let t = parse_timestamp(b"10/29/2017 01:59:44.562").unwrap();
        let want = (days_from_civil(2017, 10, 29) * 86_400) as f64 + 7184.562;
        assert!((t - want).abs() < 1e-6);
        assert_eq!(parse_timestamp(b"2017-10-29 01:59:44"), None);
        assert_eq!(parse_timestamp(b"13/29/2017 01:59:44.562"), None);
    }
}
