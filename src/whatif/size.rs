//! `o11sim size`: the smallest front-end count for which every service-level
//! objective holds, optionally with spare front-ends.
//!
//! Why this file exists: "how many front-ends do we buy?" is a search over
//! the count, each candidate a full experiment. The rules, printed with the
//! answer:
//!
//! * a count *meets* the SLOs when, for every SLO, the upper end of the
//!   95 % CI of its figure is within the limit and the figure is fit to be
//!   judged, as `run` judges a scenario's SLOs
//!   (`experiment::summary::judge`): some request of the class completed in
//!   every replication, the class is not saturated, not rejecting more
//!   than 5 % without an error objective of its own, and a percentile
//!   objective did not fall in the cut at the client timeout;
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
//!   environment). When every zone has an answer, the answers are then
//!   simulated at once and judged by every objective ([`joint`]): the
//!   zones share the database, and a zone held at a file count too small
//!   for its traffic turned some of it away while the others were sized.
//!   Answers that miss together are repaired ([`repair`]): the first zone
//!   that misses is sized again upward from its answer, the others held at
//!   theirs, and all are checked together again, until they meet or a zone
//!   has no count that meets (exit status 3). A zone's figures only get
//!   worse when another zone gets more front-ends, so each step's answer is
//!   at most the smallest joint answer's, and the counts it ends with are
//!   the smallest that meet together.
//!
//! * `--key PATH` sizes another integer field the same way (a front-end
//!   count's path sizes that zone alone); the answer is printed as the
//!   path `--set` accepts (`zones.public.front_ends = 2`);
//! * `--max-utilization U`: a candidate also needs every sized resource
//!   (the zone's front-ends' CPU for a front-end count; for another field
//!   the resources it multiplies, [`sized_by`], within the field's own scope) at most U utilized at the
//!   upper end of its 95 % CI;
//! * with no answer, the busiest CPU or external system on the path of the
//!   class the largest value misses is named, with its utilization at the
//!   largest and the smallest value tried.
//!
//! * a replication of a candidate stops as soon as a figure an objective
//!   judges (its percentile, mean or error rate, or the share rejected) is
//!   certain to end above its limit (`model::sim::MissRule`); a candidate whose
//!   replications all stopped misses for certain and says so, one whose
//!   replications did not all stop has those run again to their end
//!   (`experiment::precision::run_batches`). `--run-misses-to-end` turns
//!   the rule off.
//!
//! Every candidate runs the scenario's replications under common random
//! numbers, so neighbouring counts are compared on the same arrivals.

use std::cell::Cell;

use super::SizeRequest;
use super::variants::{self, FrontEndGroup, Setting, Variant};
use crate::dist::parse_duration;
use crate::error::{Error, Result};
use crate::experiment::precision::Watch;
use crate::experiment::result::{
    Answer, Candidate, Check, Limit, Objective, Repair, Sizing, UtilizationCheck, VariantResult,
    ZoneSizing, latest_sizings,
};
use crate::experiment::summary::{busiest_serving, judge, publish_row, timer_row, upper};
use crate::experiment::{Budget, Progress, Summary};
use crate::model::Model;
use crate::model::spec::Slo;

/// Largest count the loader accepts in one zone.
pub const MAX_PER_ZONE: usize = 1000;

/// One SLO as the user wrote it: an optional class and the objective.
#[derive(Clone, Debug, PartialEq)]
pub struct SloArg {
    pub class: Option<String>,
    pub slo: Slo,
}

/// Reads `[CLASS:]FIGURE<=DURATION` (FIGURE: p95, p99, mean) or
/// `[CLASS:]errors<=PERCENT`.
pub fn parse_slo(text: &str) -> Result<SloArg, String> {
    const FORM: &str = "expected [CLASS:]FIGURE<=DURATION with FIGURE one of p95, p99, mean and a duration such as 800ms or 2s, e.g. portal:p95<=800ms, or [CLASS:]errors<=PERCENT, e.g. portal:errors<=0.1%";
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
    if figure.trim().eq_ignore_ascii_case("errors") {
        let limit = crate::dist::parse_percent(limit).map_err(|e| format!("{e}; {FORM}"))?;
        return Ok(SloArg {
            class,
            slo: Slo::Errors(limit),
        });
    }
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

/// An objective with the zones (indices into `Model::zones`) whose
/// front-ends serve its row.
#[derive(Clone, Debug)]
struct Bound {
    objective: Objective,
    zones: Vec<usize>,
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
            .map(|t| (timer_row(&t.name), vec![t.zone])),
    );
    for d in &model.development {
        let name = publish_row(model, d.environment);
        let zones = (0..model.zones.len())
            .filter(|&z| model.zones[z].environment == d.environment)
            .collect();
        out.push((name, zones));
    }
    out
}

/// The objectives of `--slo` arguments (each as given and as read), or the
/// scenario's own SLOs when there are none.
fn objectives(model: &Model, args: &[(String, SloArg)]) -> Result<Vec<Bound>> {
    let bound = |class: &str, slo: Slo, zones: Vec<usize>| Bound {
        objective: Objective {
            class: class.to_owned(),
            slo,
        },
        zones,
    };
    let rows = rows(model);
    let mut out = Vec::new();
    if args.is_empty() {
        for c in &model.classes {
            for &slo in &c.slos {
                out.push(bound(&c.name, slo, vec![c.zone]));
            }
        }
        if out.is_empty() {
            return Err(Error::Usage(
                "no SLO to size for: give --slo [CLASS:]p95<=800ms (or add slo = { p95 = \"800ms\" } to a traffic class of the scenario)".into(),
            ));
        }
        return Ok(out);
    }
    for (text, a) in args {
        match &a.class {
            Some(name) => {
                let Some((_, zones)) = rows.iter().find(|(n, _)| n == name) else {
                    let names: Vec<&str> = rows.iter().map(|(n, _)| n.as_str()).collect();
                    return Err(Error::Usage(format!(
                        "--slo {text:?}: the scenario has no class `{name}`; its classes: {}",
                        names.join(", ")
                    )));
                };
                out.push(bound(name, a.slo, zones.clone()));
            }
            None => {
                if model.classes.is_empty() {
                    return Err(Error::Usage(format!(
                        "--slo {text:?}: the scenario has no traffic class; name the row the SLO is for, e.g. publish:p95<=5m"
                    )));
                }
                out.extend(
                    model
                        .classes
                        .iter()
                        .map(|c| bound(&c.name, a.slo, vec![c.zone])),
                );
            }
        }
    }
    Ok(out)
}

/// Objective `index` judged on a candidate's summary, as `run` judges a
/// scenario's SLOs ([`judge`]); `errors_judged`: some objective of the
/// same class is on errors, which then judges its rejections.
fn check(s: &Summary, index: usize, o: &Objective, errors_judged: bool) -> Check {
    let Some(c) = s.classes.iter().find(|c| c.name == o.class) else {
        return Check {
            objective: index,
            estimate: None,
            saturated: false,
            verdict: None,
            met: false,
        };
    };
    let k = judge(c, o.slo, errors_judged);
    Check {
        objective: index,
        estimate: Some(k.value),
        saturated: c.saturated,
        verdict: Some(k.verdict),
        met: k.met,
    }
}

/// What one search sizes: a zone's front-end count, or the `--key` field.
#[derive(Clone, Debug)]
struct Target {
    /// How candidates name it (the CSV column): the `--set` path, as the
    /// answer is printed.
    label: String,
    /// The `--set` path.
    key: String,
    /// The zone whose front-ends it counts (`None` for another field).
    zone: Option<usize>,
    /// The value in the scenario (front-end counts only).
    count: usize,
    /// For another field: the resources it sets the capacity of (the
    /// rows `--max-utilization` watches), [`sized_by`].
    sized: Vec<String>,
}

/// The resource rows whose capacity a field sets: those of the kind its
/// last segment names (`cores`, `controller_cores`, `iis_workers`,
/// `db_pool`, `process_threads`, `concurrency`) whose capacity differs
/// between the installation with the field at 1 (`one`) and at 2 (`two`).
/// Comparing the two models, rather than reading the path, keeps the
/// criterion to the field's own scope: `zones.public.front_end.cores`
/// sizes the public zone's front-ends only, `environments.qa.front_end.cores`
/// the qa environment's, `environments.dev.database.cores` the dev
/// database. Empty for a field that sizes no resource o11sim measures.
fn sized_by(path: &str, one: &Model, two: &Model) -> Vec<String> {
    let last = path.rsplit('.').next().unwrap_or(path);
    let fes = || one.front_ends.iter().zip(&two.front_ends);
    match last {
        "cores" => fes()
            .filter(|(a, b)| a.cores != b.cores)
            .map(|(a, _)| format!("{}.cpu", a.name))
            .chain(
                one.databases
                    .iter()
                    .zip(&two.databases)
                    .filter(|(a, b)| a.cores != b.cores)
                    .map(|(a, _)| format!("db.{}.cpu", a.name)),
            )
            .collect(),
        "iis_workers" => fes()
            .filter(|(a, b)| a.iis_workers != b.iis_workers)
            .map(|(a, _)| format!("{}.iis", a.name))
            .collect(),
        "db_pool" => fes()
            .filter(|(a, b)| a.db_pool != b.db_pool)
            .map(|(a, _)| format!("{}.pool", a.name))
            .collect(),
        "process_threads" => fes()
            .filter(|(a, b)| a.process_threads != b.process_threads)
            .map(|(a, _)| format!("{}.process_threads", a.name))
            .collect(),
        "concurrency" => one
            .external
            .iter()
            .zip(&two.external)
            .filter(|(a, b)| a.concurrency != b.concurrency)
            .map(|(a, _)| format!("external.{}", a.name))
            .collect(),
        "controller_cores" => one
            .development
            .iter()
            .zip(&two.development)
            .filter(|(a, b)| a.controller != b.controller)
            .map(|(a, _)| format!("dc.{}.cpu", one.environments[a.environment].name))
            .collect(),
        _ => Vec::new(),
    }
}

/// The resource rows of `model` that `t` sizes.
fn sized_resources(model: &Model, t: &Target) -> Vec<String> {
    match t.zone {
        Some(z) => model
            .zone_front_ends(z)
            .map(|f| format!("{}.cpu", model.front_ends[f].name))
            .collect(),
        None => t.sized.clone(),
    }
}

/// The targets of a request: every zone's front-end count, or the `--key`
/// field (a front-end count's key sizes that zone alone).
fn targets(req: &SizeRequest, groups: &[FrontEndGroup]) -> Result<Vec<Target>> {
    let of_group = |g: &FrontEndGroup| Target {
        label: g.key.clone(),
        key: g.key.clone(),
        zone: Some(g.zone),
        count: g.count,
        sized: Vec::new(),
    };
    let Some(key) = &req.key else {
        return Ok(groups.iter().map(of_group).collect());
    };
    let base = &req.scenario;
    let resolved = crate::scenario::resolve_path(base.source().table(), key).ok();
    if let Some(g) = groups
        .iter()
        .find(|g| g.key == *key || resolved.as_deref().is_some_and(|r| g.key == r))
    {
        return Ok(vec![of_group(g)]);
    }
    if req.spare > 0 {
        return Err(Error::Usage(format!(
            "--spare applies to front-end counts; --key {key} is not one"
        )));
    }
    let path = resolved.as_deref().unwrap_or(key);
    if path == "simulation" || path.starts_with("simulation.") {
        return Err(Error::Usage(format!(
            "--key {key}: a [simulation] key is a setting of the run, not of the installation; give an integer field of the installation such as database.cores, development.controller_cores or zones.NAME.front_ends"
        )));
    }
    if is_load(path) {
        return Err(Error::Usage(format!(
            "--key {key}: a load, not a capacity: size looks for the smallest value meeting every objective, and the smallest load always does; to find the most load the installation carries, use `sweep --vary {key}=LIST`, or size a capacity such as front_ends, database.cores or development.controller_cores"
        )));
    }
    // The key must exist in the schema and take a whole number: try it.
    let at = |value: &str| {
        let setting = [Setting {
            flag: format!("--key {key} = "),
            key: key.clone(),
            value: value.to_owned(),
        }];
        variants::variant(base, None, &setting).map_err(|e| {
            Error::Usage(format!(
                "--key {key}: cannot size this field with whole numbers ({}); give an integer field of the scenario such as database.cores, development.controller_cores or zones.NAME.front_ends",
                first_line(&e.to_string())
            ))
        })
    };
    let (one, two) = (at("1")?, at("2")?);
    if let Some(toml::Value::String(_) | toml::Value::Boolean(_) | toml::Value::Table(_)) =
        value_at(base.source().table(), resolved.as_deref().unwrap_or(key))
    {
        return Err(Error::Usage(format!(
            "--key {key}: not a number in the scenario; give an integer field such as database.cores"
        )));
    }
    let sized = sized_by(path, &one.model, &two.model);
    if req.max_utilization.is_some() && sized.is_empty() {
        return Err(Error::Usage(format!(
            "--max-utilization: --key {key} sizes no resource o11sim measures (front-end counts and cores, database cores, controller_cores, iis_workers, db_pool, process_threads, an external system's concurrency)"
        )));
    }
    Ok(vec![Target {
        label: key.clone(),
        key: key.clone(),
        zone: None,
        count: 0,
        sized,
    }])
}

/// True for a field that sets how much work arrives rather than what
/// serves it: any key of a traffic class, timer or BPT process, and a
/// development team's developers and publishes. More of it never helps an
/// objective, so its smallest value trivially "meets" them.
fn is_load(path: &str) -> bool {
    let segs: Vec<&str> = path.split('.').collect();
    let rest = match segs.as_slice() {
        ["environments", _, rest @ ..] => rest,
        all => all,
    };
    match rest {
        ["traffic" | "timers" | "processes", ..] => true,
        ["development", .., last] => matches!(
            *last,
            "developers" | "publishes_per_hour" | "test_users_per_developer"
        ),
        _ => false,
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

/// The value at a dotted path of a TOML table, if present.
fn value_at<'a>(table: &'a toml::Table, path: &str) -> Option<&'a toml::Value> {
    let mut segs = path.split('.');
    let mut v = table.get(segs.next()?)?;
    for s in segs {
        v = v.as_table()?.get(s)?;
    }
    Some(v)
}

/// Runs `o11sim size`: each zone in turn (or the `--key` field), its
/// values searched by doubling then bisection.
pub fn size(req: &SizeRequest, progress: &dyn Progress) -> Result<Sizing> {
    let base = &req.scenario;
    let bound = objectives(&base.scenario().model, &req.slos)?;
    let groups = variants::front_end_groups(base);
    let targets = targets(req, &groups)?;
    // `--max-events` bounds the whole search, every candidate of every
    // zone, not each candidate alone.
    let search = Search {
        req,
        bound: &bound,
        groups: &groups,
        spent: Cell::new(0.0),
        progress,
    };
    let zones: Vec<ZoneSizing> = targets
        .iter()
        .map(|t| size_zone(&search, t, &[], 0))
        .collect::<Result<_>>()?;
    let joint = joint(&search, &targets, &zones)?;
    let repairs = match &joint {
        Some(j) if !j.meets => repair(&search, &targets, &zones, j)?,
        _ => Vec::new(),
    };
    Ok(Sizing {
        settings: super::settings(base),
        objectives: bound.into_iter().map(|b| b.objective).collect(),
        spare: req.spare,
        max_front_ends: req.max_front_ends,
        max_utilization: req.max_utilization,
        key: req.key.clone(),
        zones,
        joint,
        repairs,
    })
}

/// Every zone at its answer at once, judged by every objective (and, with
/// `--max-utilization`, every zone's sized CPUs): zones sized one at a
/// time each had the others at their file counts, and they share the
/// database. `None` unless every zone has an answer and at least two were
/// sized (a zone without objectives stays at its file count).
fn joint(s: &Search<'_>, targets: &[Target], zones: &[ZoneSizing]) -> Result<Option<Candidate>> {
    if targets.len() < 2
        || targets.iter().any(|t| t.zone.is_none())
        || zones.iter().any(|z| z.answer == Answer::NotFound)
    {
        return Ok(None);
    }
    // Zones without objectives stay at their file counts.
    let sized = sized_answers(targets, zones.iter());
    // With one zone sized, its answer was simulated with the others at
    // their file counts already: that is the joint check.
    if sized.len() < 2 {
        return Ok(None);
    }
    together(s, &sized).map(Some)
}

/// The zones with an answer, each with its running count.
fn sized_answers<'t, 'z>(
    targets: &'t [Target],
    zones: impl Iterator<Item = &'z ZoneSizing>,
) -> Vec<(&'t Target, usize)> {
    targets
        .iter()
        .zip(zones)
        .filter_map(|(t, z)| match z.answer {
            Answer::Found { running, .. } => Some((t, running)),
            _ => None,
        })
        .collect()
}

/// Target `t` at `running` as a setting; `what` tells, in messages, why
/// it has that value (`"held: "`, `"together: "`, or nothing for the
/// candidate searched).
fn setting(what: &str, t: &Target, running: usize) -> Setting {
    Setting {
        flag: format!("size ({what}{} = {running})", t.label),
        key: t.key.clone(),
        value: running.to_string(),
    }
}

/// Simulates the zones `sized` at these running counts at once (the
/// others at their file counts), judged by every objective and, with
/// `--max-utilization`, every sized zone's CPUs.
fn together(s: &Search<'_>, sized: &[(&Target, usize)]) -> Result<Candidate> {
    let settings: Vec<Setting> = sized
        .iter()
        .map(|&(t, running)| setting("together: ", t, running))
        .collect();
    let answers = counts(s, sized);
    let running = sized
        .iter()
        .map(|(_, r)| r.to_string())
        .collect::<Vec<_>>()
        .join("+");
    let mine: Vec<usize> = (0..s.bound.len()).collect();
    let resources = |model: &Model| {
        sized
            .iter()
            .flat_map(|(t, _)| sized_resources(model, t))
            .collect::<Vec<_>>()
    };
    let mut c = simulate_candidate(
        s,
        &mine,
        &settings,
        answers,
        Some(("running".to_owned(), running)),
        &resources,
        "every zone at its answer",
    )?;
    c.running = sized.iter().map(|(_, r)| r).sum();
    c.front_ends = c.running + s.req.spare * sized.len();
    Ok(c)
}

/// Every front-end group's count as a candidate names it: the zones in
/// `sized` at their running count plus `--spare`, the others at their
/// file counts.
fn counts(s: &Search<'_>, sized: &[(&Target, usize)]) -> Vec<(String, String)> {
    s.groups
        .iter()
        .map(|h| {
            let count = sized
                .iter()
                .find(|(t, _)| t.key == h.key)
                .map_or(h.count, |(_, running)| running + s.req.spare);
            (h.key.clone(), count.to_string())
        })
        .collect()
}

/// When the answers miss together: sizes again, one at a time, the first
/// zone whose objectives (or, with `--max-utilization`, sized CPUs) the
/// last joint check missed, upward from its answer and with the other
/// zones held at their answers, then checks every zone at once again.
/// Each step raises one zone's count, so it ends: when the zones meet
/// together, when a zone has no count up to `--max-front-ends` meeting its
/// own objectives, or when what missed belongs to no zone sized.
fn repair(
    s: &Search<'_>,
    targets: &[Target],
    zones: &[ZoneSizing],
    first: &Candidate,
) -> Result<Vec<Repair>> {
    let model = &s.req.scenario.scenario().model;
    let mut repairs: Vec<Repair> = Vec::new();
    let mut last = first.clone();
    loop {
        let current = latest_sizings(zones, &repairs);
        let sized = sized_answers(targets, current.into_iter());
        let missed = |t: &Target| {
            last.checks.iter().any(|k| {
                !k.met
                    && t.zone
                        .is_some_and(|z| s.bound[k.objective].zones.contains(&z))
            }) || last
                .utilization
                .iter()
                .any(|u| !u.met && sized_resources(model, t).contains(&u.resource))
        };
        let Some(&(t, from)) = sized.iter().find(|(t, _)| missed(t)) else {
            return Ok(repairs);
        };
        let position = |x: &Target| targets.iter().position(|y| std::ptr::eq(x, y));
        let Some(zone) = position(t) else {
            return Ok(repairs);
        };
        let held: Vec<(&Target, usize)> = sized
            .iter()
            .filter(|(x, _)| !std::ptr::eq(*x, t))
            .copied()
            .collect();
        let sizing = size_zone(s, t, &held, from)?;
        let joint = match sizing.answer {
            Answer::Found { running, .. } => {
                let mut now = held.clone();
                now.push((t, running));
                // In the targets' order, as the first check names them.
                now.sort_by_key(|(x, _)| position(x));
                Some(together(s, &now)?)
            }
            _ => None,
        };
        let done = joint.as_ref().is_none_or(|j| j.meets);
        if let Some(j) = &joint {
            last = j.clone();
        }
        repairs.push(Repair {
            zone,
            held: held
                .iter()
                .map(|(x, running)| (x.key.clone(), running + s.req.spare))
                .collect(),
            sizing,
            joint,
        });
        if done {
            return Ok(repairs);
        }
    }
}

/// What every candidate of one `size` run shares.
struct Search<'a> {
    req: &'a SizeRequest,
    bound: &'a [Bound],
    groups: &'a [FrontEndGroup],
    /// Events estimated for the candidates run so far, in every zone.
    spent: Cell<f64>,
    progress: &'a dyn Progress,
}

/// Sizes target `t` (a zone, or the `--key` field): its running count
/// searched above `from` (known to miss; 0 for the first pass), the zones
/// in `held` at those running counts and the others at their file counts.
fn size_zone(
    s: &Search<'_>,
    t: &Target,
    held: &[(&Target, usize)],
    from: usize,
) -> Result<ZoneSizing> {
    let (req, bound) = (s.req, s.bound);
    let model = &req.scenario.scenario().model;
    let mine: Vec<usize> = (0..bound.len())
        .filter(|&i| t.zone.is_none_or(|z| bound[i].zones.contains(&z)))
        .collect();
    let mut candidates = Vec::new();
    let most = req.max_front_ends - req.spare;
    let answer = if mine.is_empty() {
        Answer::NoObjective {
            front_ends: t.count,
        }
    } else if from >= most {
        Answer::NotFound
    } else {
        let found = search(most - from, &mut |more| {
            let c = candidate(s, &mine, t, from + more, held)?;
            let meets = c.meets;
            candidates.push(c);
            Ok(meets)
        })?;
        match found {
            Some(more) => Answer::Found {
                front_ends: from + more + req.spare,
                running: from + more,
            },
            None => Answer::NotFound,
        }
    };
    // Does the value sized add capacity to a resource row? A zone's
    // front-end CPUs are `ZONE.N.cpu`, whatever their count.
    let sizes = |resource: &str| match t.zone {
        Some(z) => resource
            .strip_suffix(".cpu")
            .and_then(|r| r.strip_prefix(&format!("{}.", model.zones[z].name)))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())),
        None => t.sized.iter().any(|r| r == resource),
    };
    let limit = (answer == Answer::NotFound)
        .then(|| limit(&candidates, bound, &sizes))
        .flatten();
    Ok(ZoneSizing {
        label: t.label.clone(),
        key: t.key.clone(),
        limit,
        front_ends: t.zone.is_some(),
        zone: t
            .zone
            .map_or_else(|| t.key.clone(), |z| model.zones[z].name.clone()),
        candidates,
        answer,
    })
}

/// With no value meeting the objectives: the busiest serving resource
/// (a CPU or an external system; IIS workers and pooled connections fill
/// up because of what their holders wait for) on the path of the first
/// class whose objective the largest value tried misses, and its
/// utilization there and at the smallest value tried.
/// `sizes` tells whether the value sized adds capacity to a resource.
fn limit(candidates: &[Candidate], bound: &[Bound], sizes: &dyn Fn(&str) -> bool) -> Option<Limit> {
    let last = candidates.iter().max_by_key(|c| c.running)?;
    let first = candidates.iter().min_by_key(|c| c.running)?;
    let missed = last.checks.iter().find(|k| !k.met)?;
    let class = &bound[missed.objective].objective.class;
    let (resource, at_max) = busiest_serving(&last.variant.summary, class)?;
    let at_min = first
        .variant
        .summary
        .resources
        .iter()
        .find(|r| r.name == resource)
        .map(|r| r.utilization)?;
    Some(Limit {
        class: class.clone(),
        sized: sizes(&resource),
        resource,
        at_max,
        at_min,
    })
}

/// Simulates one candidate: target `t` at `running` (front-ends running in
/// its zone, the zones in `held` at their running counts and the others as
/// in the scenario; or the `--key` field's value), and judges objectives
/// `mine` and, with `--max-utilization`, the sized resources.
fn candidate(
    s: &Search<'_>,
    mine: &[usize],
    t: &Target,
    running: usize,
    held: &[(&Target, usize)],
) -> Result<Candidate> {
    let front_ends = running + s.req.spare;
    let settings: Vec<Setting> = held
        .iter()
        .map(|&(h, running)| setting("held: ", h, running))
        .chain([setting("", t, running)])
        .collect();
    let (keys, running_key) = match t.zone {
        Some(_) => {
            let mut now = held.to_vec();
            now.push((t, running));
            (
                counts(s, &now),
                Some(("running".to_owned(), running.to_string())),
            )
        }
        None => (vec![(t.label.clone(), running.to_string())], None),
    };
    let mut c = simulate_candidate(
        s,
        mine,
        &settings,
        keys,
        running_key,
        &|model| sized_resources(model, t),
        &format!("{} = {running}", t.label),
    )?;
    c.front_ends = front_ends;
    c.running = running;
    Ok(c)
}

/// Simulates the scenario with `settings` (a candidate's value, or every
/// zone's answer at once), named by `keys` then `running_key`, and judges
/// objectives `mine` and, with `--max-utilization`, the resources
/// `sized_resources` names in its model. `what` names it in messages and
/// on the progress bar. The counts it returns are 0: the caller sets them.
fn simulate_candidate(
    s: &Search<'_>,
    mine: &[usize],
    settings: &[Setting],
    mut keys: Vec<(String, String)>,
    running_key: Option<(String, String)>,
    sized_resources: &dyn Fn(&Model) -> Vec<String>,
    what: &str,
) -> Result<Candidate> {
    let (req, bound, spent, progress) = (s.req, s.bound, &s.spent, s.progress);
    let scenario = variants::variant(&req.scenario, None, settings)?;
    let name = variants::variant_name(&keys);
    keys.extend(running_key);
    let v = Variant {
        name,
        keys,
        scenario,
    };
    let per_replication = v.scenario.model.estimated_events();
    let events = per_replication * v.scenario.replications as f64;
    let before = spent.get();
    let total = before + events;
    if total > req.budget.max_events {
        return Err(Error::Usage(format!(
            "this search would simulate about {total:.2e} events in all ({:.2e} so far, {events:.2e} for {what}), \
             above --max-events {:.2e}, which bounds the whole search (at roughly 10 million events per second per core); \
             shorten --duration, lower --replications or --max-front-ends, or raise --max-events",
            before, req.budget.max_events
        )));
    }
    spent.set(total);
    // Events are counted over the whole search: each candidate's first
    // batch in full before it runs, then (below) what it really simulated;
    // memory is a candidate's own. `--precision` watches the objectives and ends a
    // candidate's batches once it clearly misses one.
    let errors_judged = |o: &Objective| {
        bound
            .iter()
            .any(|b| b.objective.class == o.class && !b.objective.slo.is_latency())
    };
    // `--max-utilization`: each sized resource with the limit.
    let sized: Vec<(String, f64)> = match req.max_utilization {
        Some(limit) => sized_resources(&v.scenario.model)
            .into_iter()
            .map(|name| (name, limit))
            .collect(),
        None => Vec::new(),
    };
    let watch = Watch {
        objectives: mine
            .iter()
            .map(|&i| {
                let o = &bound[i].objective;
                (o.class.clone(), o.slo, errors_judged(o))
            })
            .collect(),
        stop_certain_misses: req.stop_certain_misses,
        utilizations: sized.clone(),
        ..Watch::with_slos(
            &v.scenario.model,
            mine.iter()
                .map(|&i| (bound[i].objective.class.clone(), bound[i].objective.slo)),
        )
    };
    let mut ran = super::run_grid(
        std::slice::from_ref(&v),
        Budget {
            max_events: f64::INFINITY,
            ..req.budget
        },
        what,
        progress,
        |_| watch.clone(),
    )?;
    // Once it ran, the candidate is charged for what it simulated: every
    // replication in full, but one that stopped on a certain miss only
    // for its warm-up and the time it measured.
    let model = &v.scenario.model;
    let span = model.warmup + model.duration;
    let simulated: f64 = ran.replications.first().map_or(0.0, |reps| {
        reps.iter()
            .map(|r| match &r.stopped_early {
                Some(s) if span > 0.0 => ((model.warmup + s.measured) / span).min(1.0),
                _ => 1.0,
            })
            .sum()
    });
    spent.set(before + per_replication * simulated);
    let summary = ran
        .summaries
        .pop()
        .unwrap_or_else(|| Summary::new(&v.scenario.model, &[]));
    let checks: Vec<Check> = mine
        .iter()
        .map(|&i| {
            let o = &bound[i].objective;
            check(&summary, i, o, errors_judged(o))
        })
        .collect();
    let utilization: Vec<UtilizationCheck> = sized
        .into_iter()
        .filter_map(|(name, limit)| {
            let r = summary.resources.iter().find(|r| r.name == name)?;
            let u = upper(&r.utilization);
            Some(UtilizationCheck {
                resource: name,
                utilization: r.utilization,
                met: u.is_finite() && u <= limit,
            })
        })
        .collect();
    Ok(Candidate {
        front_ends: 0,
        running: 0,
        meets: checks.iter().all(|c| c.met) && utilization.iter().all(|u| u.met),
        checks,
        utilization,
        variant: VariantResult {
            name: v.name,
            keys: v.keys,
            summary,
        },
    })
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
            parse_slo("portal:errors<=0.1%").unwrap(),
            SloArg {
                class: Some("portal".into()),
                slo: Slo::Errors(0.001)
            }
        );
        assert_eq!(parse_slo("errors <= 5 %").unwrap().slo, Slo::Errors(0.05));
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
            "errors<=0.1",
            "errors<=100%",
            "errors<=-1%",
            "errors<=1ms",
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
