//! Writes the data a simulated installation would leave: one IIS W3C log
//! per front-end and a PDH-CSV counter log of every front-end's and
//! database's `% Processor Time`.
//!
//! Why this file exists: `calibrate` must be checked against an
//! installation whose true demands are known. The round-trip tests and the
//! example data under `examples/calibrate/` simulate a known scenario with
//! [`simulate_traced`], write its requests and CPU as the documented formats,
//! and calibrate them back through the real parsers.
//!
//! What the files say: a request's log line is written when it finishes,
//! `time-taken` being the response time the client saw (network both ways
//! included) in whole milliseconds; the counters are the model's own
//! per-window utilization (the `--timeline` integrals), stamped at the end of
//! each window as `typeperf` stamps the average over the period it closes.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::engine::StreamSeeds;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::model::sim::{RequestRecord, RunResult, simulate_traced};

/// How to write the simulated installation's data.
#[derive(Clone, Debug)]
pub struct SynthSpec {
    /// Unix seconds (UTC) of the simulated clock's 0 (a midnight, so the
    /// profile's hours are UTC hours).
    pub epoch: i64,
    /// Counter sample period, seconds.
    pub sample: f64,
    /// Counter host name of each front-end, in model order (`FE1`); each
    /// front-end's log goes to `DIR/HOST/u_exYYMMDD.log`.
    pub front_end_hosts: Vec<String>,
    /// Counter host name of each database instance, in model order.
    pub database_hosts: Vec<String>,
    /// URL stem of each traffic class, in model order.
    pub urls: Vec<String>,
}

/// What was written.
#[derive(Debug)]
pub struct Synthesized {
    /// One log file per front-end, in model order.
    pub logs: Vec<PathBuf>,
    /// The counter log.
    pub counters: PathBuf,
    /// Requests written per front-end.
    pub lines: Vec<u64>,
    /// The simulation's own figures (the truth).
    pub result: RunResult,
}

/// `(year, month, day, hour, minute, second)` of Unix seconds, UTC.
pub fn civil(t: i64) -> (i64, i64, i64, i64, i64, i64) {
    let days = t.div_euclid(86_400);
    let sod = t.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    (y, m, d, sod / 3600, (sod % 3600) / 60, sod % 60)
}

/// Simulates one replication of `model` (its `[simulation]` window, warm-up
/// included) and writes its logs and counters under `dir`.
pub fn synthesize(
    model: &Model,
    seeds: StreamSeeds,
    dir: &Path,
    spec: &SynthSpec,
) -> Result<Synthesized> {
    let io = |p: &Path, e: std::io::Error| Error::Other(anyhow::anyhow!("{}: {e}", p.display()));
    if spec.front_end_hosts.len() != model.front_ends.len()
        || spec.database_hosts.len() != model.databases.len()
        || spec.urls.len() != model.classes.len()
    {
        return Err(Error::Usage(
            "synthesize: one host per front-end and database, one URL per class".into(),
        ));
    }
    let mut model = model.clone();
    model.timeline = Some(spec.sample);
    let (y, mo, d, ..) = civil(spec.epoch);
    let mut logs = Vec::new();
    let mut writers = Vec::new();
    for host in &spec.front_end_hosts {
        let sub = dir.join(host);
        fs::create_dir_all(&sub).map_err(|e| io(&sub, e))?;
        let path = sub.join(format!("u_ex{:02}{mo:02}{d:02}.log", y % 100));
        let mut w = BufWriter::new(File::create(&path).map_err(|e| io(&path, e))?);
        write!(
            w,
            "#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n#Date: {y:04}-{mo:02}-{d:02} 00:00:00\r\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\r\n"
        )
        .map_err(|e| io(&path, e))?;
        writers.push(w);
        logs.push(path);
    }
    let mut lines = vec![0u64; writers.len()];
    let mut failed: Option<std::io::Error> = None;
    let mut sink = |r: &RequestRecord| {
        let Some(f) = r.front_end else { return };
        if failed.is_some() {
            return;
        }
        let (y, mo, d, h, mi, s) = civil(spec.epoch + r.end.floor() as i64);
        let ms = (r.response * 1000.0).round() as u64;
        let client = 1 + (lines[f] % 200);
        let res = write!(
            writers[f],
            "{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02} 10.0.0.{} GET {} - 443 - 10.1.0.{client} Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64) - {} 0 0 {ms}\r\n",
            11 + f,
            spec.urls[r.class],
            r.status
        );
        match res {
            Ok(()) => lines[f] += 1,
            Err(e) => failed = Some(e),
        }
    };
    let result = simulate_traced(&model, seeds, &mut sink);
    if let Some(e) = failed {
        return Err(io(dir, e));
    }
    for (w, p) in writers.iter_mut().zip(&logs) {
        w.flush().map_err(|e| io(p, e))?;
    }

    // Counters from the timeline: each window's utilization, stamped at its end.
    let tl = result
        .timeline
        .as_ref()
        .ok_or_else(|| Error::Other(anyhow::anyhow!("the simulation kept no timeline")))?;
    let mut columns: Vec<(String, usize)> = Vec::new();
    for (f, host) in spec.front_end_hosts.iter().enumerate() {
        let name = format!("{}.cpu", model.front_ends[f].name);
        if let Some(k) = result.resources.iter().position(|r| r.name == name) {
            columns.push((host.clone(), k));
        }
    }
    for (i, host) in spec.database_hosts.iter().enumerate() {
        let name = format!("db.{}.cpu", model.databases[i].name);
        if let Some(k) = result.resources.iter().position(|r| r.name == name) {
            columns.push((host.clone(), k));
        }
    }
    let counters = dir.join("counters.csv");
    let mut w = BufWriter::new(File::create(&counters).map_err(|e| io(&counters, e))?);
    let mut head = String::from("\"(PDH-CSV 4.0) (Coordinated Universal Time)(0)\"");
    for (host, _) in &columns {
        head.push_str(&format!(
            ",\"\\\\{host}\\Processor(_Total)\\% Processor Time\""
        ));
    }
    write!(w, "{head}\r\n").map_err(|e| io(&counters, e))?;
    for win in 0..tl.windows {
        let (_, end) = tl.bounds(win);
        let (y, mo, d, h, mi, s) = civil(spec.epoch + end.round() as i64);
        let mut row = format!("\"{mo:02}/{d:02}/{y:04} {h:02}:{mi:02}:{s:02}.000\"");
        for (_, k) in &columns {
            row.push_str(&format!(
                ",\"{:.6}\"",
                100.0 * tl.resource(win, *k).utilization
            ));
        }
        write!(w, "{row}\r\n").map_err(|e| io(&counters, e))?;
    }
    w.flush().map_err(|e| io(&counters, e))?;
    Ok(Synthesized {
        logs,
        counters,
        lines,
        result,
    })
}
