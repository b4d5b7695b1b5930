//! IIS W3C extended log files → completed requests.
//!
//! Why this file exists: the IIS log of each front-end is the installation's
//! own record of its traffic. This parser streams it (one reused line
//! buffer, fields split on bytes, no allocation per line) into the
//! [`Accumulator`]: class from `cs-uri-stem`, end time from `date` and
//! `time` (UTC), status from `sc-status`, response time from `time-taken`
//! (ms), front-end from `s-computername` when the log has it and
//! `--server` maps it, else the front-end of the whole log.
//!
//! Directives: `#Fields:` declares the columns of the lines after it (any
//! order; it may change mid-file); `#Software`, `#Version`, `#Date` and any
//! other `#` line are read past. `date`, `time`, `cs-uri-stem` and
//! `sc-status` are required; `time-taken` and `s-computername` are used when
//! present. A `-` is an empty field. A data line whose field count differs
//! from its `#Fields:`, or with an unreadable date, time, status or
//! time-taken, is counted and skipped.

use std::path::Path;

use super::classes::Classifier;
use super::input::{
    Accumulator, ServerMap, days_from_civil, digits, files_of, next_line, open, source, valid_date,
};
use super::observed::Observed;
use crate::error::{Error, Result};

/// Where the used fields sit in a line, per the last `#Fields:`.
#[derive(Clone, Debug)]
struct Layout {
    /// Number of fields a line must have.
    n: usize,
    /// `slot[column]`: which of the used fields a column is (`NONE` for the others).
    slot: Vec<u8>,
    has_taken: bool,
    has_host: bool,
}

const NONE: u8 = u8::MAX;
const DATE: usize = 0;
const TIME: usize = 1;
const STEM: usize = 2;
const STATUS: usize = 3;
const TAKEN: usize = 4;
const HOST: usize = 5;
const USED: [&str; 6] = [
    "date",
    "time",
    "cs-uri-stem",
    "sc-status",
    "time-taken",
    "s-computername",
];

impl Layout {
    /// The layout of a `#Fields:` directive's field list.
    fn parse(list: &[u8]) -> std::result::Result<Self, String> {
        let names: Vec<&[u8]> = list
            .split(|b| b.is_ascii_whitespace())
            .filter(|f| !f.is_empty())
            .collect();
        let mut slot = vec![NONE; names.len()];
        let mut seen = [false; 6];
        for (col, name) in names.iter().enumerate() {
            if let Some(k) = USED
                .iter()
                .position(|u| u.as_bytes().eq_ignore_ascii_case(name))
            {
                if seen[k] {
                    return Err(format!("#Fields: names {} twice", USED[k]));
                }
                seen[k] = true;
                slot[col] = k as u8;
            }
        }
        let missing: Vec<&str> = (0..4).filter(|&k| !seen[k]).map(|k| USED[k]).collect();
        if !missing.is_empty() {
            return Err(format!(
                "#Fields: lacks {} (date, time, cs-uri-stem and sc-status are needed; time-taken gives response times)",
                missing.join(", ")
            ));
        }
        Ok(Layout {
            n: names.len(),
            slot,
            has_taken: seen[TAKEN],
            has_host: seen[HOST],
        })
    }
}

/// Reads one `--iis` argument (a file or a directory of files) whose
/// requests belong to front-end `fe` unless `s-computername` says otherwise.
/// A log with no usable line is an error.
pub fn read_log(
    arg: &Path,
    fe: usize,
    servers: &ServerMap,
    classifier: &mut Classifier,
    acc: &mut Accumulator,
    obs: &mut Observed,
) -> Result<()> {
    let mut used = 0;
    let mut dropped = 0;
    let mut lines = 0;
    for path in files_of(arg)? {
        let f = read_file(&path, fe, servers, classifier, acc, obs)?;
        used += f.used;
        dropped += f.dropped;
        lines += f.lines;
    }
    if used == 0 {
        let why = if dropped > 0 {
            format!("its {dropped} request(s) are all static resources left out by --drop-static")
        } else if lines == 0 {
            "it holds no request line".to_string()
        } else {
            format!("none of its {lines} request line(s) could be read")
        };
        let first = obs.skipped.first_of(|p| p.starts_with(arg), 3);
        let first = if first.is_empty() {
            String::new()
        } else {
            format!(": {}", first.join("; "))
        };
        return Err(Error::Usage(format!(
            "{}: no usable IIS log line: {why}{first}",
            arg.display()
        )));
    }
    Ok(())
}

struct FileCounts {
    used: u64,
    dropped: u64,
    lines: u64,
}

fn read_file(
    path: &Path,
    default_fe: usize,
    servers: &ServerMap,
    classifier: &mut Classifier,
    acc: &mut Accumulator,
    obs: &mut Observed,
) -> Result<FileCounts> {
    let mut r = open(path)?;
    let mut line = Vec::with_capacity(4096);
    let mut name = Vec::with_capacity(64);
    let mut layout: Option<Layout> = None;
    let mut lineno = 0u64;
    let (mut used, mut skipped, mut dropped, mut lines) = (0u64, 0u64, 0u64, 0u64);
    let (mut first, mut last) = (f64::INFINITY, f64::NEG_INFINITY);
    // Caches: the day of the last date field, the front-end of the last host.
    let mut day_key = [0u8; 10];
    let mut day_secs = i64::MIN;
    let mut host_key: Vec<u8> = Vec::new();
    let mut host_fe = default_fe;
    while next_line(&mut *r, &mut line, path)? {
        lineno += 1;
        if line.first() == Some(&b'#') {
            let fields_prefix = b"#fields:";
            if line.len() >= fields_prefix.len()
                && line[..fields_prefix.len()].eq_ignore_ascii_case(fields_prefix)
            {
                layout =
                    Some(Layout::parse(&line[fields_prefix.len()..]).map_err(|why| {
                        Error::Usage(format!("{}:{lineno}: {why}", path.display()))
                    })?);
            }
            continue;
        }
        if line.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        lines += 1;
        let Some(lay) = &layout else {
            obs.skipped
                .record(path, lineno, "a request line before any #Fields: directive");
            skipped += 1;
            continue;
        };
        // Split on spaces, keeping the used fields.
        let mut fields: [&[u8]; 6] = [&[]; 6];
        let mut count = 0;
        for (col, field) in line.split(|&b| b == b' ').enumerate() {
            if let Some(&s) = lay.slot.get(col)
                && s != NONE
            {
                fields[s as usize] = field;
            }
            count = col + 1;
        }
        if count != lay.n {
            obs.skipped.record(
                path,
                lineno,
                format!("{count} fields where #Fields: declares {}", lay.n),
            );
            skipped += 1;
            continue;
        }
        // Date, cached: a log holds few dates.
        let date = fields[DATE];
        if date != &day_key[..] {
            match parse_date(date) {
                Some(s) => {
                    day_secs = s;
                    if date.len() == 10 {
                        day_key.copy_from_slice(date);
                    }
                }
                None => {
                    obs.skipped.record(path, lineno, "date is not YYYY-MM-DD");
                    skipped += 1;
                    day_key = [0; 10];
                    continue;
                }
            }
        }
        let Some(secs) = parse_time(fields[TIME]) else {
            obs.skipped.record(path, lineno, "time is not HH:MM:SS");
            skipped += 1;
            continue;
        };
        let end = (day_secs as f64) + secs;
        let status = match digits(fields[STATUS]) {
            Some(s) if (100..=999).contains(&s) => s as u16,
            _ => {
                obs.skipped
                    .record(path, lineno, "sc-status is not an HTTP status");
                skipped += 1;
                continue;
            }
        };
        let response = if lay.has_taken {
            match fields[TAKEN] {
                b"-" => None,
                t => match digits(t) {
                    Some(ms) => Some(ms as f64 / 1000.0),
                    None => {
                        obs.skipped.record(
                            path,
                            lineno,
                            "time-taken is not a number of milliseconds",
                        );
                        skipped += 1;
                        continue;
                    }
                },
            }
        } else {
            None
        };
        let stem = fields[STEM];
        if stem == b"-" || stem.is_empty() {
            obs.skipped.record(path, lineno, "cs-uri-stem is empty");
            skipped += 1;
            continue;
        }
        let fe = if lay.has_host {
            let host = fields[HOST];
            if host != host_key.as_slice() {
                host_key.clear();
                host_key.extend_from_slice(host);
                host_fe = if host == b"-" {
                    default_fe
                } else {
                    servers.front_end_of(host).unwrap_or(default_fe)
                };
            }
            host_fe
        } else {
            default_fe
        };
        if !classifier.classify(stem, &mut name) {
            dropped += 1;
            continue;
        }
        let env = acc.environment_of(fe);
        let class = acc.class_id(&name, env);
        acc.add(class, fe, end, status, response);
        used += 1;
        first = first.min(end);
        last = last.max(end);
    }
    if used > 0 {
        // The last request stands for the time up to the next one, which
        // the log does not show: one mean gap between its requests, and at
        // least the second it is stamped in (IIS logs whole seconds). N
        // requests thus cover N mean gaps, and a log's rate is
        // (N − 1) / (last − first), whatever --interval.
        let gap = if used > 1 {
            (last - first) / (used - 1) as f64
        } else {
            0.0
        };
        acc.cover(first, last + gap.max(1.0));
    }
    obs.sources.push(source(
        path,
        "iis",
        used,
        skipped,
        if used > 0 { first } else { 0.0 },
        if used > 0 { last } else { 0.0 },
    ));
    Ok(FileCounts {
        used,
        dropped,
        lines,
    })
}

/// Unix seconds of 00:00 UTC of `YYYY-MM-DD`.
fn parse_date(d: &[u8]) -> Option<i64> {
    if d.len() != 10 || d[4] != b'-' || d[7] != b'-' {
        return None;
    }
    let y = digits(&d[..4])? as i64;
    let m = digits(&d[5..7])? as u32;
    let day = digits(&d[8..])? as u32;
    valid_date(y, m, day).then(|| days_from_civil(y, m, day) * 86_400)
}

/// Seconds since midnight of `HH:MM:SS` (optionally `.fff`).
fn parse_time(t: &[u8]) -> Option<f64> {
    if t.len() < 8 || t[2] != b':' || t[5] != b':' {
        return None;
    }
    let h = digits(&t[..2])?;
    let m = digits(&t[3..5])?;
    let s = digits(&t[6..8])?;
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    let mut v = (h * 3600 + m * 60 + s) as f64;
    if t.len() > 8 {
        if t[8] != b'.' {
            return None;
        }
        let frac = &t[9..];
        v += digits(frac)? as f64 / 10f64.powi(frac.len() as i32);
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times() {
        assert_eq!(parse_date(b"2026-11-28"), Some(20_785 * 86_400));
        assert_eq!(parse_date(b"2026-02-30"), None);
        assert_eq!(parse_date(b"26-11-28"), None);
        assert_eq!(
            parse_time(b"02:55:16"),
            Some(2.0 * 3600.0 + 55.0 * 60.0 + 16.0)
        );
        assert_eq!(parse_time(b"00:00:01.250"), Some(1.25));
        assert_eq!(parse_time(b"24:00:00"), None);
        assert_eq!(parse_time(b"2:55:16"), None);
    }

    #[test]
    fn layout_needs_the_key_fields() {
        let l = Layout::parse(b" time date cs-uri-stem sc-status").unwrap();
        assert_eq!(l.n, 4);
        assert!(!l.has_taken && !l.has_host);
        let e = Layout::parse(b" date time cs-method time-taken").unwrap_err();
        assert!(e.contains("cs-uri-stem, sc-status"), "{e}");
    }
}
