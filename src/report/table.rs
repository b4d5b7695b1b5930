//! Terminal tables: aligned columns, units in headers, `±` half-widths of
//! 95 % confidence intervals (`n/a` with one replication).

use std::fmt::Write;

use crate::experiment::Summary;
use crate::experiment::summary::ClassSummary;
use crate::model::spec::Slo;
use crate::stats::Estimate;

/// Formats seconds as milliseconds with a sensible number of digits.
fn ms(x: f64) -> String {
    let v = x * 1e3;
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn ms_ci(e: &Estimate) -> String {
    match e.half_95 {
        Some(h) => format!("{} ± {}", ms(e.mean), ms(h)),
        None => format!("{} ± n/a", ms(e.mean)),
    }
}

fn pct(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

fn pct_ci(e: &Estimate) -> String {
    match e.half_95 {
        Some(h) => format!("{:.1} ± {:.1}%", e.mean * 100.0, h * 100.0),
        None => format!("{:.1}% ± n/a", e.mean * 100.0),
    }
}

/// Renders rows as aligned columns; the first column left-aligned, the rest
/// right-aligned.
pub fn align(header: &[&str], rows: &[Vec<String>]) -> String {
    let cols = header.len();
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(cols) {
            width[i] = width[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<&str>, out: &mut String| {
        for (i, c) in cells.iter().enumerate() {
            let pad = width[i] - c.chars().count();
            if i == 0 {
                out.push_str(c);
                out.push_str(&" ".repeat(pad));
            } else {
                out.push_str("  ");
                out.push_str(&" ".repeat(pad));
                out.push_str(c);
            }
        }
        out.push('\n');
    };
    line(header.to_vec(), &mut out);
    for r in rows {
        line(r.iter().map(String::as_str).collect(), &mut out);
    }
    out
}

fn class_row(c: &ClassSummary) -> Vec<String> {
    let mut name = c.name.clone();
    if c.saturated {
        name.push_str(" [SATURATED]");
    }
    vec![
        name,
        format!("{:.2}", c.throughput.mean),
        ms(c.mean.mean),
        ms(c.p50.mean),
        ms_ci(&c.p95),
        ms(c.p99.mean),
        pct(c.rejected_rate.mean),
        pct(c.timed_out_rate.mean),
        pct(c.failed_rate.mean),
    ]
}

/// The traffic-class table of one summary.
pub fn classes(s: &Summary) -> String {
    let rows: Vec<_> = s.classes.iter().map(class_row).collect();
    align(
        &[
            "class",
            "throughput (req/s)",
            "mean (ms)",
            "p50 (ms)",
            "p95 (ms)",
            "p99 (ms)",
            "rejected",
            "timed out",
            "failed",
        ],
        &rows,
    )
}

/// The resource table of one summary.
pub fn resources(s: &Summary) -> String {
    let rows: Vec<_> = s
        .resources
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                pct_ci(&r.utilization),
                format!("{:.3}", r.mean_queue.mean),
            ]
        })
        .collect();
    align(&["resource", "utilization", "mean queue"], &rows)
}

/// SLO verdicts, one line each; empty when no class has an SLO.
pub fn slos(s: &Summary) -> String {
    let mut out = String::new();
    for c in &s.classes {
        for check in &c.slos {
            let (what, limit) = match check.slo {
                Slo::P95(l) => ("p95", l),
                Slo::P99(l) => ("p99", l),
                Slo::Mean(l) => ("mean", l),
            };
            let upper = check.value.ci_95().map_or(check.value.mean, |(_, hi)| hi);
            let _ = writeln!(
                out,
                "SLO {}: {what} <= {} ms: {} (estimate {} ms, upper 95% bound {} ms)",
                c.name,
                ms(limit),
                if check.met { "met" } else { "MISSED" },
                ms(check.value.mean),
                ms(upper)
            );
        }
    }
    out
}

/// Publish lead times (rows named `publish…`), one line each.
pub fn publishes(s: &Summary) -> String {
    let mut out = String::new();
    for c in s.classes.iter().filter(|c| c.name.starts_with("publish")) {
        let _ = writeln!(
            out,
            "{}: lead time p50 {:.1} s, p95 {:.1} s ± {}, {} publishes measured",
            c.name,
            c.p50.mean,
            c.p95.mean,
            c.p95.half_95.map_or("n/a".into(), |h| format!("{h:.1} s")),
            c.answered
        );
    }
    out
}

/// MSER-5 warm-up advice when a traffic class's suggestion exceeds the
/// warm-up used (timers and publishes are too sparse for the rule).
pub fn warmup_advice(s: &Summary, warmup: f64) -> String {
    let worst = s
        .classes
        .iter()
        .filter(|c| c.is_traffic)
        .filter_map(|c| c.mser_warmup.map(|w| (w, &c.name)))
        .fold(None::<(f64, &String)>, |acc, x| match acc {
            Some(a) if a.0 >= x.0 => Some(a),
            _ => Some(x),
        });
    let mut out = match worst {
        Some((w, name)) if w > warmup => format!(
            "note: MSER-5 suggests a warm-up of about {:.0} s for {name} (used {:.0} s); consider --warmup {:.0}s\n",
            w,
            warmup,
            w.ceil()
        ),
        _ => String::new(),
    };
    // A class whose response times never settled in most replications
    // (saturated, or a run too short for the rule) is worth a word whatever
    // the warm-up; one replication in a few is the rule's ordinary noise.
    for c in s
        .classes
        .iter()
        .filter(|c| c.is_traffic && 2 * c.mser_unsettled > c.replications)
    {
        let _ = writeln!(
            out,
            "note: MSER-5 found no settled state for {} in {} of {} replication(s): the run may be too short, or the class overloaded",
            c.name, c.mser_unsettled, c.replications
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::summary::{ClassFigures, ReplicationFigures};

    #[test]
    fn columns_line_up() {
        let t = align(
            &["a", "bb"],
            &[
                vec!["long name".into(), "1".into()],
                vec!["x".into(), "22".into()],
            ],
        );
        let lines: Vec<_> = t.lines().collect();
        assert_eq!(lines[0].len(), lines[1].len());
        assert_eq!(lines[1].len(), lines[2].len());
    }

    #[test]
    fn warmup_advice_names_classes_that_never_settled() {
        use crate::model::spec::{Arrivals, TrafficClass};
        let class = ClassFigures {
            name: "portal".into(),
            throughput: 1.0,
            mean: 0.1,
            p50: 0.1,
            p95: 0.2,
            p99: 0.3,
            error_rate: 0.0,
            rejected_rate: 0.0,
            timed_out_rate: 0.0,
            failed_rate: 0.0,
            answered: 10,
            backlog: 0.0,
            total_arrivals: 10,
            mser_warmup: Some(5.0),
            mser_unsettled: false,
        };
        let rep = |unsettled: bool| ReplicationFigures {
            classes: vec![ClassFigures {
                mser_unsettled: unsettled,
                ..class.clone()
            }],
            resources: vec![],
            events: 1,
        };
        let traffic = [TrafficClass {
            name: "portal".into(),
            zone: 0,
            arrivals: Arrivals::Open {
                rate: 1.0,
                profile: None,
            },
            network: crate::dist::Dist::constant(0.0).unwrap(),
            cpu: crate::dist::Dist::constant(0.01).unwrap(),
            db_calls: crate::dist::Dist::constant(0.0).unwrap(),
            db_time: crate::dist::Dist::constant(0.0).unwrap(),
            timeout: 10.0,
            slos: vec![],
        }];
        let settled = Summary::from_figures(&traffic, &[rep(false), rep(false)]);
        assert_eq!(warmup_advice(&settled, 10.0), "");
        assert!(warmup_advice(&settled, 1.0).contains("about 5 s for portal"));
        let noise = Summary::from_figures(&traffic, &[rep(true), rep(false)]);
        assert_eq!(warmup_advice(&noise, 10.0), "");
        let unsettled = Summary::from_figures(&traffic, &[rep(true), rep(true), rep(false)]);
        assert!(
            warmup_advice(&unsettled, 10.0).contains("no settled state for portal in 2 of 3"),
            "{}",
            warmup_advice(&unsettled, 10.0)
        );
    }

    #[test]
    fn one_replication_shows_na_never_nan() {
        let e = Estimate::from_values(&[0.5]);
        assert_eq!(ms_ci(&e), "500 ± n/a");
        assert!(!pct_ci(&e).contains("NaN"));
    }
}
