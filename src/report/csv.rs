//! The class CSV, the resources CSV (design §7, a contract: columns are
//! only ever added at the end, never renamed, removed or moved), the
//! paired differences and the timeline (figures per window of simulated
//! time). One row per variant and class (or resource, or
//! difference); each varied key is a column after `variant`. Times in
//! milliseconds with 3 decimals, rates per second and fractions with 6;
//! every figure has its 95 % CI, an empty cell where a CI needs two
//! replications. The columns are documented in `docs/scenarios.md`.

use std::io::Write;

use anyhow::Result;

use super::text::time_of_day;
use super::{Export, measure_name, measure_unit};
use crate::experiment::failure_cost::{FailureDifference, RecoveryDifference};
use crate::experiment::result::{Difference, Measure};
use crate::experiment::summary::Figure;
use crate::experiment::timeline::WindowEstimate;
use crate::experiment::{CommandResult, VariantResult};
use crate::stats::Estimate;

/// One of the CSV files of a result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Csv {
    /// One row per variant and class row (`--csv FILE`).
    Classes,
    /// One row per variant and resource (`FILE-resources.csv`).
    Resources,
    /// One row per variant after the first × class or resource × figure:
    /// the paired difference against the first variant
    /// (`FILE-differences.csv`).
    Differences,
    /// One row per variant × window × class row or resource: the figures
    /// of that window of simulated time (`FILE-timeline.csv`).
    Timeline,
    /// One row per variant × scheduled failure × traffic class: what the
    /// failure cost (`FILE-failures.csv`).
    Failures,
}

impl Export for Csv {
    fn write(&self, result: &CommandResult, out: &mut dyn Write) -> Result<()> {
        let variants = result.variants();
        let bytes = match self {
            Csv::Classes => classes(&variants)?,
            Csv::Resources => resources(&variants)?,
            Csv::Differences => differences(&variants, result.differences())?,
            // Written as it goes: a long timeline is large.
            Csv::Timeline => return timeline(&variants, out),
            Csv::Failures => failures(&variants, result.failure_differences())?,
        };
        out.write_all(&bytes)?;
        Ok(())
    }
}

/// How a CSV cell shows a figure held in base units (seconds, per second,
/// fractions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unit {
    /// Seconds shown in milliseconds, 3 decimals.
    Ms,
    /// Shown as held (rates per second, fractions, queue lengths), 6
    /// decimals.
    Plain,
}

impl Unit {
    /// The unit a measure's difference is shown in.
    fn of(m: Measure) -> Unit {
        match m {
            Measure::Class(Figure::Mean | Figure::P50 | Figure::P95 | Figure::P99) => Unit::Ms,
            _ => Unit::Plain,
        }
    }

    /// An empty cell for NaN (a figure that is not defined, such as the
    /// utilization of an external system without a concurrency limit).
    fn cell(self, x: f64) -> String {
        if x.is_nan() {
            return String::new();
        }
        match self {
            Unit::Ms => format!("{:.3}", x * 1e3),
            Unit::Plain => format!("{x:.6}"),
        }
    }

    /// The 95 % CI's ends; empty cells with one replication.
    fn ci(self, e: &Estimate) -> (String, String) {
        match e.ci_95() {
            Some((lo, hi)) => (self.cell(lo), self.cell(hi)),
            None => (String::new(), String::new()),
        }
    }
}

fn key_names(variants: &[&VariantResult]) -> Vec<String> {
    variants
        .first()
        .map(|v| v.keys.iter().map(|(k, _)| k.clone()).collect())
        .unwrap_or_default()
}

/// The class CSV: one row per variant and traffic class.
fn classes(variants: &[&VariantResult]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let keys = key_names(variants);
    let mut header = vec!["variant".to_string()];
    header.extend(keys.iter().cloned());
    header.extend(
        [
            "class",
            "replications",
            "throughput_rps",
            "mean_ms",
            "p50_ms",
            "p95_ms",
            "p99_ms",
            "p95_ci_low_ms",
            "p95_ci_high_ms",
            "error_rate",
            "rejected_rate",
            "timed_out_rate",
            "failed_rate",
            "saturated",
            // Added after the contract's first columns, never before them.
            "throughput_ci_low_rps",
            "throughput_ci_high_rps",
            "mean_ci_low_ms",
            "mean_ci_high_ms",
            "p50_ci_low_ms",
            "p50_ci_high_ms",
            "p99_ci_low_ms",
            "p99_ci_high_ms",
            "error_rate_ci_low",
            "error_rate_ci_high",
            "rejected_rate_ci_low",
            "rejected_rate_ci_high",
            "timed_out_rate_ci_low",
            "timed_out_rate_ci_high",
            "failed_rate_ci_low",
            "failed_rate_ci_high",
            "rejecting",
            "unanswered_rate",
            "unanswered_rate_ci_low",
            "unanswered_rate_ci_high",
            "p50_censored",
            "p95_censored",
            "p99_censored",
            "client_timeout_ms",
            "replications_none_completed",
            "bottleneck",
            "bottleneck_share",
            "bottleneck_waiting_share",
            "bottleneck_resource",
            "bottleneck_utilization",
            "busiest_resource",
            "busiest_utilization",
            "advice",
            "advice_waiting_share",
            "stopped_early_after_s",
            "replications_measured",
            "slos_met",
            "slo_verdicts",
        ]
        .map(String::from),
    );
    w.write_record(&header)?;
    let (ms, plain) = (Unit::Ms, Unit::Plain);
    for v in variants {
        for c in &v.summary.classes {
            let (lo, hi) = ms.ci(&c.p95);
            let mut row = vec![v.name.clone()];
            row.extend(v.keys.iter().map(|(_, val)| val.clone()));
            row.extend([
                c.name.clone(),
                c.replications.to_string(),
                plain.cell(c.throughput.mean),
                ms.cell(c.mean.mean),
                ms.cell(c.p50.mean),
                ms.cell(c.p95.mean),
                ms.cell(c.p99.mean),
                lo,
                hi,
                plain.cell(c.error_rate.mean),
                plain.cell(c.rejected_rate.mean),
                plain.cell(c.timed_out_rate.mean),
                plain.cell(c.failed_rate.mean),
                c.saturated.to_string(),
            ]);
            for (unit, e) in [
                (plain, &c.throughput),
                (ms, &c.mean),
                (ms, &c.p50),
                (ms, &c.p99),
                (plain, &c.error_rate),
                (plain, &c.rejected_rate),
                (plain, &c.timed_out_rate),
                (plain, &c.failed_rate),
            ] {
                let (lo, hi) = unit.ci(e);
                row.extend([lo, hi]);
            }
            let (lo, hi) = plain.ci(&c.unanswered_rate);
            row.extend([
                c.rejecting.to_string(),
                plain.cell(c.unanswered_rate.mean),
                lo,
                hi,
                (c.censored.p50 > 0).to_string(),
                (c.censored.p95 > 0).to_string(),
                (c.censored.p99 > 0).to_string(),
                c.timeout.map_or_else(String::new, |t| ms.cell(t)),
                c.none_completed.to_string(),
            ]);
            row.extend(bottleneck_cells(c.bottleneck.as_ref()));
            row.push(
                v.summary
                    .certain_miss
                    .as_ref()
                    .map_or_else(String::new, |m| format!("{:.3}", m.measured)),
            );
            row.push(c.mean.n.to_string());
            row.extend(slo_cells(c));
            w.write_record(&row)?;
        }
    }
    Ok(w.into_inner()?)
}

/// The SLO columns of a class row: whether every SLO of the class is met,
/// and each SLO with its verdict, `p95<=800ms:met;errors<=0.1%:missed`
/// (both empty for a row without SLOs).
fn slo_cells(c: &crate::experiment::summary::ClassSummary) -> [String; 2] {
    if c.slos.is_empty() {
        return Default::default();
    }
    let verdicts: Vec<String> = c
        .slos
        .iter()
        .map(|k| {
            let (figure, limit) = crate::report::text::describe(k.slo);
            let limit = if k.slo.is_latency() {
                crate::dist::format_duration(limit)
            } else {
                let pct = format!("{:.6}", limit * 100.0);
                format!("{}%", pct.trim_end_matches('0').trim_end_matches('.'))
            };
            format!("{figure}<={limit}:{}", k.verdict.key())
        })
        .collect();
    [c.slos.iter().all(|k| k.met).to_string(), verdicts.join(";")]
}

/// The bottleneck columns of a class row (empty cells without one).
fn bottleneck_cells(b: Option<&crate::experiment::summary::Bottleneck>) -> [String; 9] {
    let Some(b) = b else {
        return Default::default();
    };
    let plain = Unit::Plain;
    let named = |r: &Option<(String, crate::stats::Estimate)>| match r {
        Some((name, u)) => (name.clone(), plain.cell(u.mean)),
        None => (String::new(), String::new()),
    };
    let (resource, utilization) = named(&b.resource);
    let (busiest, busiest_utilization) = named(&b.busiest);
    [
        b.station.clone(),
        plain.cell(b.share),
        plain.cell(b.waiting_share),
        resource,
        utilization,
        busiest,
        busiest_utilization,
        b.advice.key().to_owned(),
        plain.cell(b.limit_waiting_share),
    ]
}

/// The resources CSV: one row per variant and resource.
fn resources(variants: &[&VariantResult]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let keys = key_names(variants);
    let mut header = vec!["variant".to_string()];
    header.extend(keys.iter().cloned());
    header.extend(
        [
            "resource",
            "utilization",
            "utilization_ci_low",
            "utilization_ci_high",
            "mean_queue",
            "mean_queue_ci_low",
            "mean_queue_ci_high",
        ]
        .map(String::from),
    );
    w.write_record(&header)?;
    let plain = Unit::Plain;
    for v in variants {
        for r in &v.summary.resources {
            let (lo, hi) = plain.ci(&r.utilization);
            let mut row = vec![v.name.clone()];
            row.extend(v.keys.iter().map(|(_, val)| val.clone()));
            let (queue_lo, queue_hi) = plain.ci(&r.mean_queue);
            row.extend([
                r.name.clone(),
                plain.cell(r.utilization.mean),
                lo,
                hi,
                plain.cell(r.mean_queue.mean),
                queue_lo,
                queue_hi,
            ]);
            w.write_record(&row)?;
        }
    }
    Ok(w.into_inner()?)
}

/// The differences CSV: one row per paired difference, variant − baseline,
/// in the unit named in its `unit` column.
fn differences(variants: &[&VariantResult], diffs: &[Difference]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["variant".to_string()];
    header.extend(key_names(variants));
    header.extend(
        [
            "baseline",
            "row",
            "figure",
            "difference",
            "ci_low",
            "ci_high",
            "unit",
            // Added after the contract's first columns, never before them.
            "censored",
        ]
        .map(String::from),
    );
    w.write_record(&header)?;
    let baseline = variants.first().map_or("", |v| v.name.as_str());
    for d in diffs {
        let Some(v) = variants.get(d.variant) else {
            continue;
        };
        let unit = Unit::of(d.measure);
        // A percentile cut at the timeout in some replication: no number.
        let (mean, (lo, hi)) = match d.estimable() {
            Some(e) => (unit.cell(e.mean), unit.ci(e)),
            None => (String::new(), (String::new(), String::new())),
        };
        let mut row = vec![v.name.clone()];
        row.extend(v.keys.iter().map(|(_, val)| val.clone()));
        row.extend([
            baseline.to_owned(),
            d.row.clone(),
            measure_name(d.measure).to_owned(),
            mean,
            lo,
            hi,
            measure_unit(d.measure).to_owned(),
            d.censored.to_string(),
        ]);
        w.write_record(&row)?;
    }
    Ok(w.into_inner()?)
}

/// Columns of the timeline CSV after the variant and its varied keys.
pub const TIMELINE_COLUMNS: [&str; 28] = [
    "window",
    "start_s",
    "end_s",
    "row",
    "row_kind",
    "replications",
    "throughput_rps",
    "throughput_ci_low_rps",
    "throughput_ci_high_rps",
    "mean_ms",
    "mean_ci_low_ms",
    "mean_ci_high_ms",
    "p95_ms",
    "p95_ci_low_ms",
    "p95_ci_high_ms",
    "error_rate",
    "error_rate_ci_low",
    "error_rate_ci_high",
    "utilization",
    "utilization_ci_low",
    "utilization_ci_high",
    "mean_queue",
    "mean_queue_ci_low",
    "mean_queue_ci_high",
    "clock",
    "peak",
    "p95_censored",
    "error_peak",
];

/// The timeline CSV: per variant with a timeline, per window, one row per
/// class row (traffic, timer, publish: the class columns filled) then one
/// per resource (the resource columns filled). Times are simulated
/// seconds since the start of the run (the first window starts at the end
/// of the warm-up).
fn timeline(variants: &[&VariantResult], out: &mut dyn Write) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec!["variant".to_string()];
    header.extend(key_names(variants));
    header.extend(TIMELINE_COLUMNS.map(String::from));
    w.write_record(&header)?;
    let (ms, plain) = (Unit::Ms, Unit::Plain);
    let with_ci = |unit: Unit, e: &WindowEstimate| {
        let (lo, hi) = unit.ci(&e.estimate());
        [unit.cell(e.mean), lo, hi]
    };
    for v in variants {
        let Some(t) = &v.summary.timeline else {
            continue;
        };
        for win in 0..t.windows {
            let (a, b) = t.bounds(win);
            let lead = |row: &str, kind: &str, n: usize| {
                let mut r = vec![v.name.clone()];
                r.extend(v.keys.iter().map(|(_, val)| val.clone()));
                r.extend([
                    win.to_string(),
                    format!("{a:.3}"),
                    format!("{b:.3}"),
                    row.to_owned(),
                    kind.to_owned(),
                    n.to_string(),
                ]);
                r
            };
            let clock = time_of_day(t.time_of_day(a));
            for (i, c) in v.summary.classes.iter().enumerate().take(t.rows) {
                let f = t.class(win, i);
                let mut r = lead(&c.name, row_kind(c.kind), f.throughput.n as usize);
                r.extend(with_ci(plain, &f.throughput));
                r.extend(with_ci(ms, &f.mean));
                r.extend(with_ci(ms, &f.p95));
                r.extend(with_ci(plain, &f.error_rate));
                r.extend(std::iter::repeat_n(String::new(), 6));
                r.push(clock.clone());
                let peak = t.peaks.iter().any(|p| p.row == i && p.window == win);
                r.push(if peak { "1" } else { "" }.to_owned());
                r.push((f.p95_censored > 0).to_string());
                let error_peak = t.error_peaks.iter().any(|p| p.row == i && p.window == win);
                r.push(if error_peak { "1" } else { "" }.to_owned());
                w.write_record(&r)?;
            }
            for (k, res) in v.summary.resources.iter().enumerate().take(t.resources) {
                let f = t.resource(win, k);
                let mut r = lead(&res.name, "resource", f.mean_queue.n as usize);
                r.extend(std::iter::repeat_n(String::new(), 12));
                r.extend(with_ci(plain, &f.utilization));
                r.extend(with_ci(plain, &f.mean_queue));
                r.push(clock.clone());
                r.extend([String::new(), String::new(), String::new()]);
                w.write_record(&r)?;
            }
        }
    }
    w.flush()?;
    Ok(())
}

/// The `row_kind` cell of a class row.
fn row_kind(kind: crate::model::RowKind) -> &'static str {
    match kind {
        crate::model::RowKind::Traffic => "traffic",
        crate::model::RowKind::Timer => "timer",
        crate::model::RowKind::Publish => "publish",
        crate::model::RowKind::Process => "process",
    }
}

/// Columns of the failures CSV after the variant and its varied keys.
pub const FAILURE_COLUMNS: [&str; 58] = [
    "failure",
    "target",
    "start_s",
    "end_s",
    "before_start_s",
    "after_end_s",
    "class",
    "replications",
    "errors",
    "errors_ci_low",
    "errors_ci_high",
    "failed",
    "failed_ci_low",
    "failed_ci_high",
    "timed_out",
    "timed_out_ci_low",
    "timed_out_ci_high",
    "rejected",
    "rejected_ci_low",
    "rejected_ci_high",
    "p95_before_ms",
    "p95_before_ci_low_ms",
    "p95_before_ci_high_ms",
    "p95_during_ms",
    "p95_during_ci_low_ms",
    "p95_during_ci_high_ms",
    "p95_after_ms",
    "p95_after_ci_low_ms",
    "p95_after_ci_high_ms",
    "recovery_s",
    "recovery_ci_low_s",
    "recovery_ci_high_s",
    "recovery_replications",
    "recovery_censored",
    "measured",
    "recovery_margin",
    "errors_difference",
    "errors_difference_ci_low",
    "errors_difference_ci_high",
    "failed_difference",
    "failed_difference_ci_low",
    "failed_difference_ci_high",
    "timed_out_difference",
    "timed_out_difference_ci_low",
    "timed_out_difference_ci_high",
    "rejected_difference",
    "rejected_difference_ci_low",
    "rejected_difference_ci_high",
    "difference_replications",
    "recovery_difference_s",
    "recovery_difference_ci_low_s",
    "recovery_difference_ci_high_s",
    "recovery_difference_replications",
    "recovery_difference_censored",
    "p95_before_censored",
    "p95_during_censored",
    "p95_after_censored",
    "overlaps",
];

/// The failures CSV: per variant, per scheduled failure, one row per
/// traffic class (one row with the class empty for a failure that was not
/// measured). Times are simulated seconds since the start of the run.
///
/// In a comparison each variant after the first also has, per failure and
/// class measured in both, the paired differences variant − first
/// variant; the recovery difference's cells stay empty when a side of
/// some replication did not recover before the end of the run
/// (`recovery_difference_censored` says in how many).
fn failures(variants: &[&VariantResult], diffs: &[FailureDifference]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["variant".to_string()];
    header.extend(key_names(variants));
    header.extend(FAILURE_COLUMNS.map(String::from));
    w.write_record(&header)?;
    let (ms, plain) = (Unit::Ms, Unit::Plain);
    let with_ci = |unit: Unit, e: &Estimate| {
        let (lo, hi) = unit.ci(e);
        [unit.cell(e.mean), lo, hi]
    };
    let margin = format!("{:.6}", crate::model::sim::RECOVERY_MARGIN);
    for (index, v) in variants.iter().enumerate() {
        for f in &v.summary.failure_costs {
            let lead = |class: &str, n: usize| {
                let mut r = vec![v.name.clone()];
                r.extend(v.keys.iter().map(|(_, val)| val.clone()));
                let (b0, a1) = f.periods.map_or((String::new(), String::new()), |p| {
                    (format!("{:.3}", p.before.0), format!("{:.3}", p.after.1))
                });
                r.extend([
                    (f.failure + 1).to_string(),
                    f.target.clone(),
                    format!("{:.3}", f.start),
                    format!("{:.3}", f.end),
                    b0,
                    a1,
                    class.to_owned(),
                    n.to_string(),
                ]);
                r
            };
            let overlaps = f
                .overlaps
                .iter()
                .map(|j| (j + 1).to_string())
                .collect::<Vec<_>>()
                .join(";");
            if f.classes.is_empty() {
                let mut r = lead("", 0);
                r.extend(std::iter::repeat_n(String::new(), 26));
                r.extend(["false".to_owned(), margin.clone()]);
                r.extend(std::iter::repeat_n(String::new(), 21));
                r.push(String::new());
                w.write_record(&r)?;
                continue;
            }
            for c in &f.classes {
                let mut r = lead(&c.class, c.errors.n);
                r.extend(with_ci(plain, &c.errors));
                r.extend(with_ci(plain, &c.failed));
                r.extend(with_ci(plain, &c.timed_out));
                r.extend(with_ci(plain, &c.rejected));
                r.extend(with_ci(ms, &c.p95_before));
                r.extend(with_ci(ms, &c.p95_during));
                r.extend(with_ci(ms, &c.p95_after));
                r.extend(with_ci(plain, &c.recovery));
                r.extend([
                    c.recovery.n.to_string(),
                    c.recovery_censored.to_string(),
                    "true".to_owned(),
                    margin.clone(),
                ]);
                let d = diffs
                    .iter()
                    .find(|d| d.variant == index && d.failure == f.failure && d.class == c.class);
                match d {
                    Some(d) => {
                        r.extend(with_ci(plain, &d.errors));
                        r.extend(with_ci(plain, &d.failed));
                        r.extend(with_ci(plain, &d.timed_out));
                        r.extend(with_ci(plain, &d.rejected));
                        r.push(d.errors.n.to_string());
                        match &d.recovery {
                            RecoveryDifference::Measured(e) => {
                                r.extend(with_ci(plain, e));
                                r.extend([e.n.to_string(), "0".to_owned()]);
                            }
                            RecoveryDifference::Censored { censored, pairs } => {
                                r.extend(std::iter::repeat_n(String::new(), 3));
                                r.extend([pairs.to_string(), censored.to_string()]);
                            }
                            RecoveryDifference::Undefined => {
                                r.extend(std::iter::repeat_n(String::new(), 3));
                                r.extend(["0".to_owned(), "0".to_owned()]);
                            }
                        }
                    }
                    None => r.extend(std::iter::repeat_n(String::new(), 18)),
                }
                r.extend(c.p95_censored.iter().map(|&k| k.to_string()));
                r.push(overlaps.clone());
                w.write_record(&r)?;
            }
        }
    }
    Ok(w.into_inner()?)
}
