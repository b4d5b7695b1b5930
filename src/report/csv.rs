//! The class CSV and the resources CSV (design §7, a contract: columns are
//! only ever added, never renamed or removed).

use anyhow::Result;

use crate::experiment::VariantResult;
use crate::stats::Estimate;

fn ms(x: f64) -> String {
    format!("{:.3}", x * 1e3)
}

fn num(x: f64) -> String {
    format!("{x:.6}")
}

fn ci(e: &Estimate, scale: f64) -> (String, String) {
    match e.ci_95() {
        Some((lo, hi)) => (format!("{:.3}", lo * scale), format!("{:.3}", hi * scale)),
        None => (String::new(), String::new()),
    }
}

fn key_names(variants: &[&VariantResult]) -> Vec<String> {
    variants
        .first()
        .map(|v| v.keys.iter().map(|(k, _)| k.clone()).collect())
        .unwrap_or_default()
}

/// The class CSV: one row per variant and traffic class.
pub fn classes(variants: &[&VariantResult]) -> Result<Vec<u8>> {
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
        ]
        .map(String::from),
    );
    w.write_record(&header)?;
    for v in variants {
        for c in &v.summary.classes {
            let (lo, hi) = ci(&c.p95, 1e3);
            let mut row = vec![v.name.clone()];
            row.extend(v.keys.iter().map(|(_, val)| val.clone()));
            row.extend([
                c.name.clone(),
                c.replications.to_string(),
                num(c.throughput.mean),
                ms(c.mean.mean),
                ms(c.p50.mean),
                ms(c.p95.mean),
                ms(c.p99.mean),
                lo,
                hi,
                num(c.error_rate.mean),
                num(c.rejected_rate.mean),
                num(c.timed_out_rate.mean),
                num(c.failed_rate.mean),
                c.saturated.to_string(),
            ]);
            w.write_record(&row)?;
        }
    }
    Ok(w.into_inner()?)
}

/// The resources CSV: one row per variant and resource.
pub fn resources(variants: &[&VariantResult]) -> Result<Vec<u8>> {
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
        ]
        .map(String::from),
    );
    w.write_record(&header)?;
    for v in variants {
        for r in &v.summary.resources {
            let (lo, hi) = match r.utilization.ci_95() {
                Some((lo, hi)) => (num(lo), num(hi)),
                None => (String::new(), String::new()),
            };
            let mut row = vec![v.name.clone()];
            row.extend(v.keys.iter().map(|(_, val)| val.clone()));
            row.extend([
                r.name.clone(),
                num(r.utilization.mean),
                lo,
                hi,
                num(r.mean_queue.mean),
            ]);
            w.write_record(&row)?;
        }
    }
    Ok(w.into_inner()?)
}
