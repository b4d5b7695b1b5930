//! The JSON export of a command's result (`--json FILE`): every figure with
//! its confidence interval, the verdicts, the paired differences, the
//! varied keys and the run settings, for programs rather than people.
//!
//! Why this file exists: planning pipelines (a notebook, a dashboard, a CI
//! job that fails when a sizing changes) need the whole result in one
//! document with a stable shape. The shape is documented field by field in
//! `docs/json.md`; it changes only with [`SCHEMA_VERSION`]. Keys name their
//! unit (`_ms`, `_s`, `_rps`); fractions have no suffix. Numbers are full
//! precision; a confidence interval needs two replications and is `null`
//! with one.

use std::io::Write;

use serde_json::{Map, Value, json};

use super::text::time_of_day;
use super::{Export, measure_name, measure_unit};
use crate::experiment::failure_cost::{FailureDifference, RecoveryDifference};
use crate::experiment::result::{
    Answer, Candidate, Comparison, Difference, Layout, Measure, RunSettings, Sizing, TeamGrowth,
    TeamPoint, ZoneSizing,
};
use crate::experiment::summary::{Bottleneck, ClassSummary, Figure, ResourceSummary, upper};
use crate::experiment::timeline::{TimelineSummary, WindowEstimate};
use crate::experiment::{CommandResult, VariantResult};
use crate::model::sim::{MissFigure, ResourceKind};
use crate::model::spec::Slo;
use crate::stats::Estimate;

/// The version of the document's shape: raised when a field is renamed,
/// removed or changes meaning (adding a field does not raise it).
pub const SCHEMA_VERSION: u32 = 2;

/// The whole result as one JSON document.
#[derive(Clone, Copy, Debug, Default)]
pub struct Json;

impl Export for Json {
    fn write(&self, result: &CommandResult, out: &mut dyn Write) -> anyhow::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &document(result))?;
        out.write_all(b"\n")?;
        Ok(())
    }
}

/// The document of a result.
pub fn document(result: &CommandResult) -> Value {
    let variants = result.variants();
    let mut doc = Map::new();
    doc.insert("schema_version".into(), json!(SCHEMA_VERSION));
    doc.insert("o11sim_version".into(), json!(env!("CARGO_PKG_VERSION")));
    doc.insert("command".into(), json!(result.command()));
    doc.insert("settings".into(), settings(result.settings()));
    let varied = match result {
        CommandResult::Compare(c) | CommandResult::Sweep(c) => varied(c),
        _ => result
            .key_names()
            .into_iter()
            .map(|key| {
                let mut values: Vec<&str> = Vec::new();
                for v in &variants {
                    if let Some((_, value)) = v.keys.iter().find(|(k, _)| *k == key)
                        && !values.contains(&value.as_str())
                    {
                        values.push(value);
                    }
                }
                json!({ "key": key, "values": values })
            })
            .collect(),
    };
    doc.insert("varied".into(), Value::Array(varied));
    doc.insert(
        "variants".into(),
        Value::Array(
            variants
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let diffs: Vec<&FailureDifference> = result
                        .failure_differences()
                        .iter()
                        .filter(|d| d.variant == i)
                        .collect();
                    variant(v, &diffs)
                })
                .collect(),
        ),
    );
    doc.insert(
        "differences".into(),
        Value::Array(
            result
                .differences()
                .iter()
                .filter_map(|d| difference(d, &variants))
                .collect(),
        ),
    );
    match result {
        CommandResult::Size(s) => {
            doc.insert("sizing".into(), sizing(s));
        }
        CommandResult::Team(t) => {
            doc.insert("team".into(), team(t));
        }
        _ => {}
    }
    Value::Object(doc)
}

/// An estimate: its mean and 95 % CI, scaled into the key's unit.
fn estimate(e: &Estimate, scale: f64) -> Value {
    let (lo, hi) = match e.ci_95() {
        Some((lo, hi)) => (json!(lo * scale), json!(hi * scale)),
        None => (Value::Null, Value::Null),
    };
    json!({ "mean": e.mean * scale, "ci_low": lo, "ci_high": hi })
}

fn settings(s: &RunSettings) -> Value {
    let mut doc = json!({
        "scenario": s.scenario,
        "fingerprint": s.fingerprint,
        "seed": s.seed,
        "replications": s.replications,
        "duration_s": s.duration,
        "warmup_s": s.warmup,
        "environments": s.environments.iter().map(|(name, kind)| json!({ "name": name, "kind": kind })).collect::<Vec<_>>(),
    });
    // Only with `--precision`.
    if let (Some(p), Value::Object(m)) = (s.precision, &mut doc) {
        m.insert(
            "precision".into(),
            json!({
                "target": p.target,
                "first_batch": s.replications,
                "max_replications": p.max,
            }),
        );
    }
    doc
}

fn varied(c: &Comparison) -> Vec<Value> {
    c.varied
        .iter()
        .map(|d| json!({ "key": d.key, "values": d.values }))
        .collect()
}

fn slo_parts(slo: Slo) -> (&'static str, f64) {
    match slo {
        Slo::P95(l) => ("p95", l),
        Slo::P99(l) => ("p99", l),
        Slo::Mean(l) => ("mean", l),
        Slo::Errors(l) => ("errors", l),
    }
}

/// An objective's limit, estimate and upper bound: in milliseconds under
/// `limit_ms`, `estimate_ms`, `upper_ms` for a response time; as fractions
/// under `limit`, `estimate`, `upper` for errors (the `_ms` keys then
/// `null`).
fn slo_figures(slo: Slo, e: Option<&Estimate>) -> Map<String, Value> {
    let (figure, limit) = slo_parts(slo);
    let mut m = Map::new();
    m.insert("figure".into(), json!(figure));
    let (scale, suffix) = if slo.is_latency() {
        (1e3, "_ms")
    } else {
        (1.0, "")
    };
    if !slo.is_latency() {
        for k in ["limit_ms", "estimate_ms", "upper_ms"] {
            m.insert(k.into(), Value::Null);
        }
    }
    m.insert(format!("limit{suffix}"), json!(limit * scale));
    m.insert(
        format!("estimate{suffix}"),
        e.map_or(Value::Null, |e| estimate(e, scale)),
    );
    m.insert(
        format!("upper{suffix}"),
        e.map_or(Value::Null, |e| json!(upper(e) * scale)),
    );
    m
}

fn class(c: &ClassSummary) -> Value {
    let kind = if c.is_traffic {
        "traffic"
    } else if c.is_timer() {
        "timer"
    } else if c.is_publish() {
        "publish"
    } else if c.kind == crate::model::RowKind::Process {
        "process"
    } else {
        "other"
    };
    let slos: Vec<Value> = c
        .slos
        .iter()
        .map(|s| {
            let mut m = slo_figures(s.slo, Some(&s.value));
            m.insert("met".into(), json!(s.met));
            m.insert("verdict".into(), json!(s.verdict.key()));
            Value::Object(m)
        })
        .collect();
    json!({
        "name": c.name,
        "kind": kind,
        "replications": c.replications,
        "answered": c.answered,
        "saturated": c.saturated,
        "throughput_rps": estimate(&c.throughput, 1.0),
        "mean_ms": estimate(&c.mean, 1e3),
        "p50_ms": estimate(&c.p50, 1e3),
        "p95_ms": estimate(&c.p95, 1e3),
        "p99_ms": estimate(&c.p99, 1e3),
        "error_rate": estimate(&c.error_rate, 1.0),
        "rejected_rate": estimate(&c.rejected_rate, 1.0),
        "timed_out_rate": estimate(&c.timed_out_rate, 1.0),
        "failed_rate": estimate(&c.failed_rate, 1.0),
        "mser_warmup_s": c.mser_warmup,
        "mser_unsettled": c.mser_unsettled,
        "slos": slos,
        "rejecting": c.rejecting,
        "unanswered_rate": estimate(&c.unanswered_rate, 1.0),
        "client_timeout_ms": c.timeout.map(|t| t * 1e3),
        "censored": {
            "p50": c.censored.p50 > 0,
            "p95": c.censored.p95 > 0,
            "p99": c.censored.p99 > 0,
        },
        "replications_none_completed": c.none_completed,
        "replications_measured": c.mean.n,
        "stations": c.stations.iter().map(|s| json!({
            "key": s.key,
            "kind": s.kind,
            "time_ms": estimate(&s.time, 1e3),
            "wait_ms": estimate(&s.wait, 1e3),
        })).collect::<Vec<_>>(),
        "bottleneck": c.bottleneck.as_ref().map(bottleneck),
    })
}

fn bottleneck(b: &Bottleneck) -> Value {
    let named = |r: &Option<(String, Estimate)>| {
        r.as_ref().map(|(name, u)| {
            json!({
                "name": name,
                "utilization": estimate(u, 1.0),
            })
        })
    };
    json!({
        "station": b.station,
        "kind": b.kind,
        "share": b.share,
        "waiting_share": b.waiting_share,
        "resource": named(&b.resource),
        "busiest": named(&b.busiest),
        "advice": b.advice.key(),
        "advice_waiting_share": b.limit_waiting_share,
        "failover_waiting_share": b.failover_waiting_share,
        "limit": b.limit,
        "total_waiting_share": b.total_waiting_share,
    })
}

fn resource(r: &ResourceSummary) -> Value {
    let kind = match r.kind {
        ResourceKind::FrontEndCpu => "front_end_cpu",
        ResourceKind::IisWorkers => "iis_workers",
        ResourceKind::ConnectionPool => "connection_pool",
        ResourceKind::DatabaseCpu => "database_cpu",
        ResourceKind::DeploymentController => "deployment_controller",
        ResourceKind::ExternalSystem => "external_system",
        ResourceKind::ProcessThreads => "process_threads",
    };
    json!({
        "name": r.name,
        "kind": kind,
        "utilization": estimate(&r.utilization, 1.0),
        "mean_queue": estimate(&r.mean_queue, 1.0),
    })
}

/// A variant; `diffs` are its failure costs' paired differences against
/// the first variant (empty for the first and outside a comparison).
fn variant(v: &VariantResult, diffs: &[&FailureDifference]) -> Value {
    let keys: Map<String, Value> = v
        .keys
        .iter()
        .map(|(k, val)| (k.clone(), json!(val)))
        .collect();
    let s = &v.summary;
    let mut doc = json!({
        "name": v.name,
        "keys": keys,
        "replications": s.replications,
        "saturated": s.classes.iter().any(|c| c.saturated),
        "rejecting": s.classes.iter().any(|c| c.rejecting),
        "slos_met": s.classes.iter().flat_map(|c| &c.slos).all(|c| c.met),
        "classes": s.classes.iter().map(class).collect::<Vec<_>>(),
        "resources": s.resources.iter().map(resource).collect::<Vec<_>>(),
        "databases": s.databases.iter().map(|d| json!({
            "name": d.name,
            "availability": estimate(&d.availability, 1.0),
            "failovers_per_replication": estimate(&d.failovers, 1.0),
        })).collect::<Vec<_>>(),
    });
    if let (Some(t), Value::Object(m)) = (&s.timeline, &mut doc) {
        m.insert("timeline".into(), timeline(t, v));
    }
    if let (false, Value::Object(m)) = (s.failure_costs.is_empty(), &mut doc) {
        m.insert("failures".into(), failures(&s.failure_costs, diffs));
    }
    // Only with `--precision`.
    if let (Some(o), Value::Object(m)) = (&s.precision, &mut doc) {
        m.insert(
            "precision".into(),
            json!({
                "replications": o.replications,
                "reached": o.reached,
                "clearly_missed": o.clearly_missed,
                "widest": o.widest.as_ref().map(|w| json!({
                    "row": w.row,
                    "figure": w.figure,
                    "relative_half_width": w.relative.is_finite().then_some(w.relative),
                })),
            }),
        );
    }
    doc
}

/// What each scheduled failure cost (docs/json.md, `failures`).
fn failures(
    costs: &[crate::experiment::failure_cost::FailureCostSummary],
    diffs: &[&FailureDifference],
) -> Value {
    costs
        .iter()
        .map(|f| {
            let classes: Vec<Value> = f
                .classes
                .iter()
                .map(|c| {
                    let difference = diffs
                        .iter()
                        .find(|d| d.failure == f.failure && d.class == c.class)
                        .map(|d| failure_difference(d));
                    json!({
                        "name": c.class,
                        "errors": estimate(&c.errors, 1.0),
                        "failed": estimate(&c.failed, 1.0),
                        "timed_out": estimate(&c.timed_out, 1.0),
                        "rejected": estimate(&c.rejected, 1.0),
                        "p95_before_ms": estimate(&c.p95_before, 1e3),
                        "p95_during_ms": estimate(&c.p95_during, 1e3),
                        "p95_after_ms": estimate(&c.p95_after, 1e3),
                        "p95_replications": [c.p95_before.n, c.p95_during.n, c.p95_after.n],
                        "p95_censored": c.p95_censored,
                        "recovery_s": estimate(&c.recovery, 1.0),
                        "recovery_replications": c.recovery.n,
                        "recovery_censored": c.recovery_censored,
                        "difference": difference,
                    })
                })
                .collect();
            json!({
                "failure": f.failure + 1,
                "target": f.target,
                "start_s": f.start,
                "end_s": f.end,
                "measured": f.periods.is_some(),
                "before_s": f.periods.map(|p| [p.before.0, p.before.1]),
                "during_s": f.periods.map(|p| [p.during.0, p.during.1]),
                "after_s": f.periods.map(|p| [p.after.0, p.after.1]),
                "recovery_margin": crate::model::sim::RECOVERY_MARGIN,
                "classes": classes,
                "overlaps": f.overlaps.iter().map(|j| j + 1).collect::<Vec<_>>(),
            })
        })
        .collect()
}

/// A failure cost's paired difference against the first variant
/// (docs/json.md, `difference`).
fn failure_difference(d: &FailureDifference) -> Value {
    let (recovery, pairs, censored) = match &d.recovery {
        RecoveryDifference::Measured(e) => (estimate(e, 1.0), e.n, 0),
        RecoveryDifference::Censored { censored, pairs } => (Value::Null, *pairs, *censored),
        RecoveryDifference::Undefined => (Value::Null, 0, 0),
    };
    json!({
        "replications": d.errors.n,
        "errors": estimate(&d.errors, 1.0),
        "failed": estimate(&d.failed, 1.0),
        "timed_out": estimate(&d.timed_out, 1.0),
        "rejected": estimate(&d.rejected, 1.0),
        "recovery_s": recovery,
        "recovery_replications": pairs,
        "recovery_censored": censored,
    })
}

/// A window's estimate, compactly: `[mean, ci_low, ci_high]` in the key's
/// unit (`null` for what is not defined or needs two replications).
fn triple(e: &WindowEstimate, scale: f64) -> Value {
    let (lo, hi) = match e.estimate().ci_95() {
        Some((lo, hi)) => (json!(lo * scale), json!(hi * scale)),
        None => (Value::Null, Value::Null),
    };
    json!([e.mean * scale, lo, hi])
}

/// The timeline of a variant: per row and per resource, one array per
/// figure with one `[mean, ci_low, ci_high]` per window.
fn timeline(t: &TimelineSummary, v: &VariantResult) -> Value {
    let s = &v.summary;
    let per_window = |get: &dyn Fn(usize) -> Value| (0..t.windows).map(get).collect::<Vec<_>>();
    let classes: Vec<Value> = s
        .classes
        .iter()
        .enumerate()
        .take(t.rows)
        .map(|(i, c)| {
            json!({
                "name": c.name,
                "kind": c.kind,
                "throughput_rps": per_window(&|w| triple(&t.class(w, i).throughput, 1.0)),
                "mean_ms": per_window(&|w| triple(&t.class(w, i).mean, 1e3)),
                "p95_ms": per_window(&|w| triple(&t.class(w, i).p95, 1e3)),
                "p95_censored": per_window(&|w| json!(t.class(w, i).p95_censored > 0)),
                "error_rate": per_window(&|w| triple(&t.class(w, i).error_rate, 1.0)),
            })
        })
        .collect();
    let resources: Vec<Value> = s
        .resources
        .iter()
        .enumerate()
        .take(t.resources)
        .map(|(k, r)| {
            json!({
                "name": r.name,
                "utilization": per_window(&|w| triple(&t.resource(w, k).utilization, 1.0)),
                "mean_queue": per_window(&|w| triple(&t.resource(w, k).mean_queue, 1.0)),
            })
        })
        .collect();
    let peak = |p: &crate::experiment::timeline::Peak| {
        let (a, b) = t.bounds(p.window);
        let f = t.class(p.window, p.row);
        json!({
            "class": s.classes[p.row].name,
            "window": p.window,
            "start_s": a,
            "end_s": b,
            "time_of_day": format!(
                "{}-{}",
                time_of_day(t.time_of_day(a)),
                time_of_day(t.time_of_day(b))
            ),
            "p95_ms": triple(&f.p95, 1e3),
            "p95_censored": f.p95_censored > 0,
            "throughput_rps": triple(&f.throughput, 1.0),
            "error_rate": triple(&f.error_rate, 1.0),
        })
    };
    let peaks: Vec<Value> = t.peaks.iter().map(peak).collect();
    let error_peaks: Vec<Value> = t.error_peaks.iter().map(peak).collect();
    json!({
        "window_s": t.window,
        "start_s": t.start,
        "end_s": t.end,
        "clock_s": t.clock,
        "peaks": peaks,
        "error_peaks": error_peaks,
        "windows": t.windows,
        "failures": t.failures.iter().map(|f| json!({
            "target": f.target,
            "start_s": f.start,
            "end_s": f.end,
        })).collect::<Vec<_>>(),
        "classes": classes,
        "resources": resources,
    })
}

/// The scale from a measure's base unit to the unit it is given in.
fn scale(m: Measure) -> f64 {
    match m {
        Measure::Class(Figure::Mean | Figure::P50 | Figure::P95 | Figure::P99) => 1e3,
        _ => 1.0,
    }
}

fn difference(d: &Difference, variants: &[&VariantResult]) -> Option<Value> {
    let v = variants.get(d.variant)?;
    let base = variants.first()?;
    let k = scale(d.measure);
    // A percentile cut at the timeout in some replication: no number.
    let (mean, lo, hi) = match d.estimable() {
        None => (Value::Null, Value::Null, Value::Null),
        Some(e) => match e.ci_95() {
            Some((lo, hi)) => (json!(e.mean * k), json!(lo * k), json!(hi * k)),
            None => (json!(e.mean * k), Value::Null, Value::Null),
        },
    };
    Some(json!({
        "variant": v.name,
        "variant_index": d.variant,
        "baseline": base.name,
        "row": d.row,
        "figure": measure_name(d.measure),
        "unit": measure_unit(d.measure),
        "difference": mean,
        "ci_low": lo,
        "ci_high": hi,
        "censored": d.censored,
    }))
}

fn sizing(s: &Sizing) -> Value {
    let objectives: Vec<Value> = s
        .objectives
        .iter()
        .map(|o| {
            let mut m = Map::new();
            m.insert("class".into(), json!(o.class));
            let mut f = slo_figures(o.slo, None);
            f.retain(|k, _| k == "figure" || k.starts_with("limit"));
            m.extend(f);
            Value::Object(m)
        })
        .collect();
    // Candidates are numbered as they appear in `variants`
    // (`Sizing::candidates`): the first pass, the joint check, then each
    // repair's candidates and joint check.
    let mut index = 0;
    let mut numbered = |c: &Candidate| {
        let value = candidate(s, c, index);
        index += 1;
        value
    };
    let search = |z: &ZoneSizing, numbered: &mut dyn FnMut(&Candidate) -> Value| {
        let candidates: Vec<Value> = z.candidates.iter().map(&mut *numbered).collect();
        let limit = z.limit.as_ref().map(|l| {
            json!({
                "class": l.class,
                "resource": l.resource,
                "utilization_at_max": estimate(&l.at_max, 1.0),
                "utilization_at_min": estimate(&l.at_min, 1.0),
                "sized": l.sized,
            })
        });
        json!({
            "label": z.label,
            "zone": z.zone,
            "answer": answer(z.answer),
            "candidates": candidates,
            "key": z.key,
            "limit": limit,
        })
    };
    let finals = s.final_zones();
    let zones: Vec<Value> = s
        .zones
        .iter()
        .zip(&finals)
        .map(|(z, last)| {
            let mut v = search(z, &mut numbered);
            v["final_answer"] = answer(last.answer);
            v
        })
        .collect();
    let joint = s.joint.as_ref().map(&mut numbered);
    let repairs: Vec<Value> = s
        .repairs
        .iter()
        .map(|r| {
            let mut v = search(&r.sizing, &mut numbered);
            v["held"] = r
                .held
                .iter()
                .map(|(k, n)| (k.clone(), json!(n)))
                .collect::<Map<String, Value>>()
                .into();
            v["joint"] = r.joint.as_ref().map_or(Value::Null, &mut numbered);
            v
        })
        .collect();
    json!({
        "spare": s.spare,
        "max_front_ends": s.max_front_ends,
        "answered": s.answered(),
        "objectives": objectives,
        "zones": zones,
        "joint": joint,
        "repairs": repairs,
        "max_utilization": s.max_utilization,
        "key": s.key,
    })
}

/// A zone's answer: `{"status": "found", "front_ends", "running"}`,
/// `not_found` or `no_objective`.
fn answer(a: Answer) -> Value {
    match a {
        Answer::Found {
            front_ends,
            running,
        } => json!({ "status": "found", "front_ends": front_ends, "running": running }),
        Answer::NotFound => json!({ "status": "not_found" }),
        Answer::NoObjective { front_ends } => {
            json!({ "status": "no_objective", "front_ends": front_ends })
        }
    }
}

/// One candidate of `size` (or the joint check), numbered as it appears
/// in `variants`.
fn candidate(s: &Sizing, c: &Candidate, index: usize) -> Value {
    let checks: Vec<Value> = c
        .checks
        .iter()
        .map(|k| {
            let o = &s.objectives[k.objective];
            let mut m = Map::new();
            m.insert("objective".into(), json!(k.objective));
            m.insert("class".into(), json!(o.class));
            m.extend(slo_figures(o.slo, k.estimate.as_ref()));
            m.insert("saturated".into(), json!(k.saturated));
            m.insert("met".into(), json!(k.met));
            m.insert("verdict".into(), json!(k.verdict.map(|v| v.key())));
            Value::Object(m)
        })
        .collect();
    let utilization: Vec<Value> = c
        .utilization
        .iter()
        .map(|u| {
            json!({
                "resource": u.resource,
                "utilization": estimate(&u.utilization, 1.0),
                "met": u.met,
            })
        })
        .collect();
    let stopped_early = c.variant.summary.certain_miss.as_ref().map(|m| {
        json!({
            "class": m.class,
            "figure": match m.figure {
                MissFigure::Rejected => "rejected",
                MissFigure::Errors => "errors",
                MissFigure::Quantile(q) if q >= 0.99 => "p99",
                MissFigure::Quantile(_) => "p95",
                MissFigure::Mean => "mean",
            },
            "limit": m.limit,
            "bound": m.bound,
            "measured_s": m.measured,
        })
    });
    json!({
        "front_ends": c.front_ends,
        "running": c.running,
        "variant_index": index,
        "meets": c.meets,
        "checks": checks,
        "utilization_checks": utilization,
        "stopped_early": stopped_early,
    })
}

fn layout_key(l: Layout) -> &'static str {
    l.key()
}

fn point(t: &TeamGrowth, index: usize, p: &TeamPoint) -> Value {
    let dev: Map<String, Value> = t
        .dev_classes
        .iter()
        .zip(&p.dev_p95)
        .map(|(name, e)| {
            (
                name.clone(),
                e.as_ref().map_or(Value::Null, |e| estimate(e, 1e3)),
            )
        })
        .collect();
    json!({
        "developers": p.developers,
        "layout": layout_key(p.layout),
        "variant_index": index,
        "saturated": false, // kept for compatibility: publishes cannot saturate
        "misses": p.misses,
        "none_completed": p.none_completed,
        "publish_p50_s": estimate(&p.publish_p50, 1.0),
        "publish_p95_s": estimate(&p.publish_p95, 1.0),
        "publish_p95_upper_s": upper(&p.publish_p95),
        "controller_cpu": p.controller_cpu.as_ref().map(|e| estimate(e, 1.0)),
        "dev_p95_ms": dev,
    })
}

fn team(t: &TeamGrowth) -> Value {
    let first_miss: Map<String, Value> = Layout::ALL
        .iter()
        .zip(t.first_miss)
        .map(|(l, n)| (layout_key(*l).to_owned(), json!(n)))
        .collect();
    json!({
        "environment": t.environment,
        "publish_target_s": t.publish_target,
        "developers": t.developers,
        "dev_classes": t.dev_classes,
        "co_located_front_end": t.co_located_front_end,
        "points": t.points.iter().enumerate().map(|(i, p)| point(t, i, p)).collect::<Vec<_>>(),
        "first_miss": first_miss,
    })
}
