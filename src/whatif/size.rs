//! `o11sim size`: the smallest front-end count for which every service-level
//! objective holds, optionally with spare front-ends.
//!
//! Why this file exists: "how many front-ends do we buy?" is a search over
//! the count, each candidate a full experiment. The rules, printed with the
//! answer:
//!
//! * a count *meets* the SLOs when, for every SLO, the upper end of the
//!   95 % CI of its figure is within the limit and its class is not
//!   saturated (a saturated class's latency describes only the requests
//!   that got through);
//! * the search doubles the count (1, 2, 4, …) until one meets the SLOs,
//!   then bisects between the last count that missed and the first that
//!   met. The SLO figures fall as front-ends are added, so the answer N
//!   meets every SLO and N − 1 (always simulated) does not;
//! * `--spare S`: each candidate k is simulated with k − S front-ends, as if
//!   S were down for the whole run; the answer is the smallest k whose
//!   k − S running front-ends meet the SLOs;
//! * a zoned scenario is sized one zone at a time, holding the other zones
//!   at their file counts; each zone is judged by the SLOs of the classes
//!   it serves (traffic classes and timers of that zone, publishes of its
//!   environment).
//!
//! Every candidate runs the scenario's replications under common random
//! numbers, so neighbouring counts are compared on the same arrivals.

use std::io::Write as _;

use super::variants::{self, FrontEndGroup, Setting, Variant};
use super::{Outputs, SizeRequest};
use crate::dist::{format_duration, parse_duration};
use crate::error::{Error, Result};
use crate::experiment::{Progress, Summary};
use crate::model::Model;
use crate::model::spec::Slo;
use crate::scenario::LoadedScenario;

/// Largest count the loader accepts in one zone.
pub const MAX_PER_ZONE: usize = 1000;

/// One SLO as the user wrote it: an optional class and the objective.
#[derive(Clone, Debug, PartialEq)]
pub struct SloArg {
    pub class: Option<String>,
    pub slo: Slo,
}

/// Reads `[CLASS:]FIGURE<=DURATION` (FIGURE: p95, p99, mean).
pub fn parse_slo(text: &str) -> Result<SloArg, String> {
    const FORM: &str = "expected [CLASS:]FIGURE<=DURATION with FIGURE one of p95, p99, mean and a duration such as 800ms or 2s, e.g. portal:p95<=800ms";
    let t = text.trim();
    let (class, rest) = match t.rsplit_once(':') {
        Some((c, r)) => {
            let c = c.trim();
            if c.is_empty() {
                return Err(format!("the class before ':' is empty; {FORM}"));
            }
            (Some(c.to_owned()), r)
        }
        None => (None, t),
    };
    let (figure, limit) = rest
        .split_once("<=")
        .or_else(|| rest.split_once('≤'))
        .ok_or_else(|| format!("no `<=` in {rest:?}; {FORM}"))?;
    let limit = parse_duration(limit.trim()).map_err(|e| format!("{e}; {FORM}"))?;
    if !(limit > 0.0 && limit.is_finite()) {
        return Err(format!("the limit must be a positive duration; {FORM}"));
    }
    let slo = match figure.trim().to_ascii_lowercase().as_str() {
        "p95" => Slo::P95(limit),
        "p99" => Slo::P99(limit),
        "mean" => Slo::Mean(limit),
        other => return Err(format!("unknown figure {other:?}; {FORM}")),
    };
    Ok(SloArg { class, slo })
}

/// An SLO bound to one row of the report.
#[derive(Clone, Debug)]
struct Objective {
    class: String,
    slo: Slo,
    /// Zones (indices into `Model::zones`) whose front-ends serve it.
    zones: Vec<usize>,
}

fn describe(slo: Slo) -> (&'static str, f64) {
    match slo {
        Slo::P95(l) => ("p95", l),
        Slo::P99(l) => ("p99", l),
        Slo::Mean(l) => ("mean", l),
    }
}

/// The report rows of a model with the zones that serve each: traffic
/// classes, `timer.NAME`, and `publish` (or `publish.ENV`).
fn rows(model: &Model) -> Vec<(String, Vec<usize>)> {
    let mut out: Vec<(String, Vec<usize>)> = model
        .classes
        .iter()
        .map(|c| (c.name.clone(), vec![c.zone]))
        .collect();
    out.extend(
        model
            .timers
            .iter()
            .map(|t| (format!("timer.{}", t.name), vec![t.zone])),
    );
    for d in &model.development {
        let name = if model.development.len() == 1 {
            "publish".to_owned()
        } else {
            format!("publish.{}", model.environments[d.environment].name)
        };
        let zones = (0..model.zones.len())
            .filter(|&z| model.zones[z].environment == d.environment)
            .collect();
        out.push((name, zones));
    }
    out
}

fn objectives(model: &Model, args: &[String]) -> Result<Vec<Objective>> {
    let rows = rows(model);
    let mut out = Vec::new();
    if args.is_empty() {
        for c in &model.classes {
            for &slo in &c.slos {
                out.push(Objective {
                    class: c.name.clone(),
                    slo,
                    zones: vec![c.zone],
                });
            }
        }
        if out.is_empty() {
            return Err(Error::Usage(
                "no SLO to size for: give --slo [CLASS:]p95<=800ms (or add slo = { p95 = \"800ms\" } to a traffic class of the scenario)".into(),
            ));
        }
        return Ok(out);
    }
    for text in args {
        let a = parse_slo(text).map_err(|m| Error::Usage(format!("--slo {text:?}: {m}")))?;
        match &a.class {
            Some(name) => {
                let Some((_, zones)) = rows.iter().find(|(n, _)| n == name) else {
                    let names: Vec<&str> = rows.iter().map(|(n, _)| n.as_str()).collect();
                    return Err(Error::Usage(format!(
                        "--slo {text:?}: the scenario has no class `{name}`; its classes: {}",
                        names.join(", ")
                    )));
                };
                out.push(Objective {
                    class: name.clone(),
                    slo: a.slo,
                    zones: zones.clone(),
                });
            }
            None => {
                if model.classes.is_empty() {
                    return Err(Error::Usage(format!(
                        "--slo {text:?}: the scenario has no traffic class; name the row the SLO is for, e.g. publish:p95<=5m"
                    )));
                }
                out.extend(model.classes.iter().map(|c| Objective {
                    class: c.name.clone(),
                    slo: a.slo,
                    zones: vec![c.zone],
                }));
            }
        }
    }
    Ok(out)
}

/// Whether one SLO holds in a summary, and its verdict text.
fn check(s: &Summary, o: &Objective) -> (bool, String) {
    let (what, limit) = describe(o.slo);
    let Some(c) = s.classes.iter().find(|c| c.name == o.class) else {
        return (false, format!("{} {what}: no such row", o.class));
    };
    let e = match o.slo {
        Slo::P95(_) => c.p95,
        Slo::P99(_) => c.p99,
        Slo::Mean(_) => c.mean,
    };
    let upper = e.ci_95().map_or(e.mean, |(_, hi)| hi);
    let ok = upper <= limit && !c.saturated;
    let text = format!(
        "{} {what} {} ms (upper {} ms) {} {} ms{}",
        o.class,
        super::ms(e.mean),
        super::ms(upper),
        if upper <= limit { "<=" } else { ">" },
        super::ms(limit),
        if c.saturated { " [SATURATED]" } else { "" }
    );
    (ok, text)
}

/// Runs `o11sim size`; `false` when some zone has no count up to
/// `--max-front-ends` that meets its SLOs.
pub fn run(req: &SizeRequest, progress: &dyn Progress) -> Result<bool> {
    let a = req;
    let outputs = Outputs {
        csv: a.csv.as_deref(),
        plot: None,
    };
    let base = &req.scenario;
    let model = &base.scenario().model;
    let objectives = objectives(model, &a.slo)?;
    let groups = variants::front_end_groups(base);
    let mut out = crate::report::output::report_sink(a.csv.as_deref());
    let slo_text = objectives
        .iter()
        .map(|o| {
            let (what, limit) = describe(o.slo);
            format!("{} {what} <= {}", o.class, format_duration(limit))
        })
        .collect::<Vec<_>>()
        .join(", ");
    writeln!(
        out,
        "{}",
        super::headline("size", base, &format!("SLOs {slo_text}"))
    )?;
    writeln!(
        out,
        "a count meets the SLOs when the upper end of each figure's 95% CI is within its limit and the class is not saturated; search: doubling, then bisection"
    )?;
    if a.spare > 0 {
        writeln!(
            out,
            "--spare {s}: each count N is simulated with N - {s} front-end(s) running, as if {s} were down for the whole run; the answer is the smallest N whose N - {s} running front-ends meet every SLO",
            s = a.spare
        )?;
    }
    if groups.len() > 1 {
        writeln!(
            out,
            "zones are sized one at a time, the others held at their counts in the scenario; each zone is judged by the SLOs of the classes it serves"
        )?;
    }
    let max_running = a.max_front_ends - a.spare;
    let mut tried: Vec<(Variant, Summary)> = Vec::new();
    let mut answers: Vec<(String, Option<usize>)> = Vec::new();
    let mut all_found = true;
    let (mut simulations, mut requests) = (0, 0);
    let start = std::time::Instant::now();
    for g in &groups {
        let mine: Vec<&Objective> = objectives
            .iter()
            .filter(|o| o.zones.contains(&g.zone))
            .collect();
        if groups.len() > 1 {
            writeln!(out, "\n{} (zone {}):", g.label, model.zones[g.zone].name)?;
        }
        if mine.is_empty() {
            writeln!(
                out,
                "  no SLO applies to its classes; kept at {} front-end(s) as in the scenario",
                g.count
            )?;
            answers.push((g.label.clone(), Some(g.count)));
            continue;
        }
        let mut eval = |running: usize| -> Result<bool> {
            let (v, s) = candidate(base, &groups, g, running, req.max_events, progress)?;
            let checks: Vec<(bool, String)> = mine.iter().map(|o| check(&s, o)).collect();
            let ok = checks.iter().all(|c| c.0);
            let shown = if a.spare > 0 {
                format!(
                    "{} ({running} running, {} down)",
                    running + a.spare,
                    a.spare
                )
            } else {
                running.to_string()
            };
            writeln!(
                out,
                "  {} = {shown}: {}  {}",
                g.label,
                if ok { "meets" } else { "misses" },
                checks
                    .iter()
                    .map(|c| c.1.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            )?;
            out.flush()?;
            simulations += s.replications;
            requests += s.requests;
            tried.push((v, s));
            Ok(ok)
        };
        let found = search(max_running, &mut eval)?;
        match found {
            Some(m) => {
                let n = m + a.spare;
                let fewer = match m - 1 {
                    0 => String::new(),
                    1 => "; 1 does not".to_owned(),
                    k => format!("; {k} do not"),
                };
                let down = if a.spare > 0 {
                    format!(" with {} down", a.spare)
                } else {
                    String::new()
                };
                writeln!(
                    out,
                    "  smallest count: {n} ({m} running front-end(s) meet every SLO{down}{fewer})"
                )?;
                answers.push((g.label.clone(), Some(n)));
            }
            None => {
                all_found = false;
                answers.push((g.label.clone(), None));
            }
        }
    }
    super::speed(simulations, requests, start.elapsed().as_secs_f64());
    let rows: Vec<crate::report::Variant> = tried
        .iter()
        .map(|(v, s)| crate::report::Variant {
            name: v.name.clone(),
            keys: v.keys.clone(),
            summary: s,
        })
        .collect();
    for p in outputs.write_csv(&rows)? {
        writeln!(out, "wrote {}", p.display())?;
    }
    writeln!(out)?;
    for (label, n) in &answers {
        match n {
            Some(n) => writeln!(out, "{label} = {n}")?,
            None => writeln!(
                out,
                "no count of {label} up to --max-front-ends {} meets every SLO{}",
                a.max_front_ends,
                if a.spare > 0 {
                    format!(" with {} down", a.spare)
                } else {
                    String::new()
                }
            )?,
        }
    }
    Ok(all_found)
}

/// Simulates one candidate: zone `g` at `running` front-ends, the others as
/// in the scenario.
fn candidate(
    base: &LoadedScenario,
    groups: &[FrontEndGroup],
    g: &FrontEndGroup,
    running: usize,
    max_events: f64,
    progress: &dyn Progress,
) -> Result<(Variant, Summary)> {
    let value = running.to_string();
    let settings = [Setting {
        flag: format!("size ({} = {value})", g.label),
        key: g.key.clone(),
        value: value.clone(),
    }];
    let scenario = variants::variant(base, None, &settings)?;
    let keys: Vec<(String, String)> = groups
        .iter()
        .map(|h| {
            let v = if h.key == g.key {
                value.clone()
            } else {
                h.count.to_string()
            };
            (h.label.clone(), v)
        })
        .collect();
    let v = Variant {
        name: variants::variant_name(&keys),
        keys,
        scenario,
    };
    let mut ran = super::run_all(
        std::slice::from_ref(&v),
        max_events,
        &format!("{} = {running}", g.label),
        progress,
    )?;
    let s = ran
        .summaries
        .pop()
        .unwrap_or_else(|| crate::experiment::Summary::new(&v.scenario.model, &[]));
    Ok((v, s))
}

/// The smallest `m` in 1..=max with `meets(m)`, trying 1, 2, 4, … then
/// bisecting; `None` when even `max` misses. Relies on `meets` being
/// monotone; whatever it returns, the answer met and `answer − 1` (when it
/// is at least 1) was tried and missed.
pub fn search<F>(max: usize, meets: &mut F) -> Result<Option<usize>>
where
    F: FnMut(usize) -> Result<bool>,
{
    let mut missed = 0;
    let mut m = 1;
    loop {
        if meets(m)? {
            break;
        }
        missed = m;
        if m >= max {
            return Ok(None);
        }
        m = (m * 2).min(max);
    }
    while m - missed > 1 {
        let mid = missed + (m - missed) / 2;
        if meets(mid)? {
            m = mid;
        } else {
            missed = mid;
        }
    }
    Ok(Some(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slo_forms() {
        assert_eq!(
            parse_slo("portal:p95<=800ms").unwrap(),
            SloArg {
                class: Some("portal".into()),
                slo: Slo::P95(0.8)
            }
        );
        assert_eq!(parse_slo("p99<=2s").unwrap().slo, Slo::P99(2.0));
        assert_eq!(parse_slo(" mean <= 100ms ").unwrap().slo, Slo::Mean(0.1));
        assert_eq!(
            parse_slo("timer.sync_erp:p95<=5m")
                .unwrap()
                .class
                .as_deref(),
            Some("timer.sync_erp")
        );
        for bad in [
            "p95",
            "p95<800ms",
            "p90<=1s",
            "p95<=fast",
            ":p95<=1s",
            "p95<=0s",
        ] {
            assert!(parse_slo(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn search_finds_the_threshold_with_few_tries() {
        for threshold in 1..=40 {
            let mut tries = Vec::new();
            let got = search(64, &mut |m| {
                tries.push(m);
                Ok(m >= threshold)
            })
            .unwrap();
            assert_eq!(got, Some(threshold));
            if threshold > 1 {
                assert!(tries.contains(&(threshold - 1)), "{threshold}: {tries:?}");
            }
            assert!(tries.len() <= 12, "{threshold}: {tries:?}");
        }
        let mut never = |_| Ok(false);
        assert_eq!(search(10, &mut never).unwrap(), None);
        let mut at_max = |m| Ok(m >= 10);
        assert_eq!(search(10, &mut at_max).unwrap(), Some(10));
    }
}
