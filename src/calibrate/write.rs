//! The calibrated scenario: the base scenario's text with its traffic and
//! its `[simulation]` window replaced by what the data showed, every
//! calibrated number with a comment naming its source.
//!
//! Why this file exists: the written file is what users keep and edit, so it
//! is text, not a re-serialized table: the base's comments and layout stay,
//! only the replaced sections go. It is then loaded like any scenario
//! (`check` does so before anything is written).
//!
//! Choices, each written as a comment in the file:
//! - `rate` is the peak hour's rate and `profile` each hour's rate over it;
//!   hours the data does not cover get 0.
//! - a load test's class is a closed population of whole users thinking so
//!   that they issue its observed throughput ([`super::fit::Closed`]).
//! - `cpu` is `lognormal(mean=D, cv=1)`: the counters fit the mean demand
//!   only; cv = 1 is the presets' shape, and under processor sharing the
//!   mean response depends on the mean alone.
//! - the database time per request is written as `db_calls = 2` (the
//!   schema's default: the number of calls is not in the data) with
//!   `db_time = exp(D/2)` per call.
//! - without counters, the CPU is the sizing guide's Reactive figure and the
//!   database the schema's defaults, written out, and scaled down when they
//!   do not fit in the observed mean response (`ClassEstimate::assumed_scale`):
//!   the residual is computed with the demands as written.
//! - a residual (observed mean response minus what CPU, database and the
//!   network explain) above 5 ms and 10 % of the mean is written as a call
//!   to `[external.residual]`, an external system without a concurrency
//!   limit, with `time = exp(residual)`.
//! - `[simulation]` covers the observed window: the warm-up runs from 00:00
//!   to the time of day the data starts, the measured period is the data's
//!   span (at most a day).

use std::fmt::Write as _;

use crate::error::{Error, Result};
use crate::model::Model;
use crate::scenario::Source;

use super::fit::{
    Calibration, ClassEstimate, DEFAULT_CPU, DEFAULT_DB_CALLS, DEFAULT_DB_TIME, Fit,
    NETWORK_ONE_WAY,
};
use super::observed::Observed;

/// A residual is written as an integration wait above both of these.
const RESIDUAL_MIN: f64 = 0.005;
const RESIDUAL_SHARE: f64 = 0.10;

/// Name of the external system that carries residuals.
pub const RESIDUAL_SYSTEM: &str = "residual";

/// A calibrated scenario.
#[derive(Clone, Debug)]
pub struct Written {
    pub text: String,
    /// Per observed class, its name in the written scenario (`None`: not
    /// written, no request).
    pub names: Vec<Option<String>>,
}

/// The calibrated scenario's text.
pub fn scenario_text(
    base: &Source,
    model: &Model,
    obs: &Observed,
    cal: &Calibration,
) -> Result<Written> {
    let multi = base.table().contains_key("environments");
    let kept = strip_sections(base.text(), multi);
    // What remains must define no traffic (inline tables or dotted keys
    // would survive the line-based removal).
    let table: toml::Table = kept
        .parse()
        .map_err(|e| Error::Usage(format!("{}: cannot remove its traffic: {e}", base.name())))?;
    let inline_traffic = table.contains_key("traffic")
        || table.contains_key("simulation")
        || table
            .get("environments")
            .and_then(|e| e.as_table())
            .is_some_and(|envs| envs.values().any(|e| e.get("traffic").is_some()));
    if inline_traffic {
        return Err(Error::Usage(format!(
            "{}: its traffic or [simulation] is written inline; calibrate replaces only [traffic.NAME] and [simulation] tables",
            base.name()
        )));
    }
    if table
        .get("external")
        .and_then(|e| e.get(RESIDUAL_SYSTEM))
        .is_some()
    {
        return Err(Error::Usage(format!(
            "{}: already has [external.{RESIDUAL_SYSTEM}], the name calibrate gives to unexplained response time",
            base.name()
        )));
    }

    let mut out = String::new();
    let files: Vec<String> = obs
        .sources
        .iter()
        .map(|s| {
            format!(
                "{} {} ({} lines used, {} skipped)",
                s.kind,
                s.path.display(),
                s.used,
                s.skipped
            )
        })
        .collect();
    let window = format!(
        "{} to {} UTC",
        utc(cal.start),
        utc(cal.start + cal.span.round() as i64)
    );
    writeln!(
        out,
        "# Calibrated by `o11sim calibrate` from the installation's own data."
    )
    .unwrap();
    writeln!(
        out,
        "# Topology: {}; its traffic and [simulation] were replaced.",
        base.name()
    )
    .unwrap();
    writeln!(
        out,
        "# Observed window: {window}, intervals of {}.",
        secs(obs.interval)
    )
    .unwrap();
    for f in &files {
        writeln!(out, "# - {f}").unwrap();
    }
    for fit in cal.front_end.iter().chain(&cal.databases) {
        writeln!(out, "# {}", fit_summary(fit)).unwrap();
        for w in &fit.warnings {
            writeln!(out, "#   warning: {w}").unwrap();
        }
    }
    out.push('\n');
    out.push_str(kept.trim_end());
    out.push_str("\n\n");

    // [simulation]: the observed window.
    let sim = base.table().get("simulation").and_then(|s| s.as_table());
    let (tod, duration) = cal.simulated_window();
    let tod = tod as i64;
    writeln!(
        out,
        "# The observed window: the simulated day starts at 00:00 UTC; the warm-up"
    )
    .unwrap();
    writeln!(
        out,
        "# runs up to {} and the measured period covers the data's span ({window}).",
        hhmm(tod)
    )
    .unwrap();
    writeln!(out, "[simulation]").unwrap();
    writeln!(out, "warmup = \"{}s\"", tod).unwrap();
    writeln!(out, "duration = \"{}s\"", duration as i64).unwrap();
    for key in ["replications", "seed"] {
        if let Some(v) = sim.and_then(|s| s.get(key)) {
            writeln!(out, "{key} = {v}").unwrap();
        }
    }
    out.push('\n');

    let mut names: Vec<String> = Vec::new();
    let mut written = vec![None; cal.classes.len()];
    let mut any_residual = false;
    for (k, c) in cal.classes.iter().enumerate() {
        if c.requests == 0 || c.rate <= 0.0 {
            continue;
        }
        let name = unique_name(&c.name, &names);
        names.push(name.clone());
        written[k] = Some(name.clone());
        // The front-end that saw most of the class decides its zone.
        let fe = obs.classes[k]
            .completions
            .iter()
            .enumerate()
            .max_by_key(|(_, v)| v.iter().map(|&n| u64::from(n)).sum::<u64>())
            .map(|(f, _)| f);
        let zone = fe
            .and_then(|f| {
                model
                    .front_ends
                    .iter()
                    .find(|m| m.name == obs.front_ends[f])
            })
            .map(|f| f.zone)
            .unwrap_or(0);
        let env = model.zones[zone].environment;
        let header = if multi {
            format!(
                "environments.{}.traffic.{name}",
                model.environments[env].name
            )
        } else {
            format!("traffic.{name}")
        };
        writeln!(
            out,
            "# Class {}: {} requests observed ({window}); response times answered: mean {}, p50 {}, p95 {}, p99 {}; rejected (503) {:.2} %, failed (5xx) {:.2} %.",
            c.name,
            c.requests,
            ms(c.mean),
            ms(c.p50),
            ms(c.p95),
            ms(c.p99),
            100.0 * c.rejected,
            100.0 * c.failed
        )
        .unwrap();
        writeln!(out, "[{header}]").unwrap();
        let env_zones = model.zones.iter().filter(|z| z.environment == env).count();
        if env_zones > 1 {
            let zname = &model.zones[zone].name;
            let short = zname.rsplit('.').next().unwrap_or(zname);
            writeln!(
                out,
                "zone = \"{short}\"  # the zone of the front-ends that logged it"
            )
            .unwrap();
        }
        if let (Some(p), Some(closed)) = (obs.classes[k].population, c.closed) {
            // A load test: its threads are a closed population.
            writeln!(
                out,
                "# the load test's threads: {:.2} on average issued this class ({}/s), thinking {} before it and waiting {} for it on average;",
                p.users,
                num(c.throughput),
                ms(p.think),
                ms(p.response)
            )
            .unwrap();
            writeln!(
                out,
                "# written as whole users (rounded up) with the think time that gives its throughput: users / (think + response)"
            )
            .unwrap();
            writeln!(out, "users = {}", closed.users).unwrap();
            let think = if closed.think > 0.0 {
                format!("exp({})", dur(closed.think))
            } else {
                "0s".into()
            };
            writeln!(out, "think = \"{think}\"").unwrap();
        } else {
            writeln!(
                out,
                "rate = {}  # peak hour {}-{} UTC, from the request logs",
                num(c.rate),
                hhmm(c.peak_hour as i64 * 3600),
                hhmm((c.peak_hour as i64 + 1) * 3600)
            )
            .unwrap();
            let profile: Vec<String> = c.profile.iter().map(|p| num(*p)).collect();
            writeln!(
                out,
                "# each hour's observed rate over the peak's; hours the data does not cover are 0"
            )
            .unwrap();
            writeln!(out, "profile = [{}]", profile.join(", ")).unwrap();
        }
        match cal
            .front_end
            .as_ref()
            .and_then(|f| f.demand[k].map(|d| (f, d)))
        {
            Some((fit, d)) => {
                writeln!(
                    out,
                    "# front-end CPU per request: {}",
                    demand_note(fit, k, d)
                )
                .unwrap();
                writeln!(out, "cpu = \"{}\"", lognormal(d)).unwrap();
            }
            None => {
                let why = if cal.front_end.is_some() {
                    "none of its requests falls in the intervals the front-end counters fit (the data's first and last are left out)"
                } else {
                    "no front-end counters"
                };
                writeln!(
                    out,
                    "# front-end CPU per request: NOT calibrated ({why}); the sizing guide's Reactive figure, {}{}",
                    ms(DEFAULT_CPU),
                    scaled(c)
                )
                .unwrap();
                writeln!(out, "cpu = \"{}\"", lognormal(c.cpu)).unwrap();
            }
        }
        let db_fit = cal.databases.iter().find(|f| {
            f.server
                == format!(
                    "database {}",
                    model.databases[model.environments[env].database].name
                )
        });
        match db_fit.and_then(|f| f.demand[k].map(|d| (f, d))) {
            Some((fit, d)) => {
                writeln!(
                    out,
                    "# database time per request: {}; written as 2 calls (the number of calls is not in the data) of half of it",
                    demand_note(fit, k, d)
                )
                .unwrap();
                writeln!(out, "db_calls = 2").unwrap();
                writeln!(
                    out,
                    "db_time = \"{}\"",
                    if written_positive(d / 2.0) {
                        format!("exp({})", dur(d / 2.0))
                    } else {
                        "0s".into()
                    }
                )
                .unwrap();
            }
            None => {
                let why = if db_fit.is_some() {
                    "none of its requests falls in the intervals this database's counters fit (the data's first and last are left out)"
                } else {
                    "no counters of this database"
                };
                writeln!(
                    out,
                    "# database time: NOT calibrated ({why}); the schema's defaults, {} calls of {}{}",
                    DEFAULT_DB_CALLS,
                    ms(DEFAULT_DB_TIME),
                    scaled(c)
                )
                .unwrap();
                let per_call = c.db.unwrap_or(DEFAULT_DB_TIME);
                writeln!(out, "db_calls = {DEFAULT_DB_CALLS}").unwrap();
                writeln!(
                    out,
                    "db_time = \"{}\"",
                    if written_positive(per_call) {
                        format!("exp({})", dur(per_call))
                    } else {
                        "0s".into()
                    }
                )
                .unwrap();
            }
        }
        if c.residual.is_finite()
            && c.residual > RESIDUAL_MIN
            && c.residual > RESIDUAL_SHARE * c.mean
        {
            any_residual = true;
            writeln!(
                out,
                "# unexplained: observed mean {} minus {} explained by the CPU and database as written (M/M/c at the observed utilizations, or without counters those they imply) and {} of network; written as a wait",
                ms(c.mean),
                ms(c.explained - 2.0 * NETWORK_ONE_WAY),
                ms(2.0 * NETWORK_ONE_WAY)
            )
            .unwrap();
            writeln!(
                out,
                "integrations = [{{ system = \"{RESIDUAL_SYSTEM}\", calls = 1, time = \"exp({})\" }}]",
                dur(c.residual)
            )
            .unwrap();
        } else {
            writeln!(
                out,
                "# unexplained response time: {} of the observed mean {} (not written: at most 5 ms or 10 %)",
                ms(c.residual),
                ms(c.mean)
            )
            .unwrap();
        }
        out.push('\n');
    }
    if names.is_empty() {
        return Err(Error::Usage(
            "the data shows no request: nothing to calibrate".into(),
        ));
    }
    if any_residual {
        writeln!(
            out,
            "# Response time the calibrated CPU and database do not explain (integrations,"
        )
        .unwrap();
        writeln!(
            out,
            "# locks, waits the model does not see), as a wait without a concurrency limit."
        )
        .unwrap();
        writeln!(out, "[external.{RESIDUAL_SYSTEM}]").unwrap();
    }
    Ok(Written {
        text: out,
        names: written,
    })
}

/// The base text without its `[traffic.*]` (or `[environments.E.traffic.*]`)
/// and `[simulation]` tables; a comment block right above a header goes
/// with its table: removed with a removed one, kept with a kept one that
/// follows a removed table.
fn strip_sections(text: &str, multi: bool) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut keep = vec![true; lines.len()];
    let mut removing = false;
    let is_comment = |l: &str| l.trim_start().starts_with('#');
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        if let Some(h) = header(t) {
            let parts: Vec<&str> = h.split('.').map(|p| p.trim().trim_matches('"')).collect();
            let was_removing = removing;
            removing = parts[0] == "simulation"
                || (!multi && parts[0] == "traffic")
                || (multi && parts[0] == "environments" && parts.get(2) == Some(&"traffic"));
            if removing != was_removing {
                let mut j = i;
                while j > 0 && is_comment(lines[j - 1]) {
                    j -= 1;
                    keep[j] = !removing;
                }
                if !removing && j > 0 && lines[j - 1].trim().is_empty() {
                    keep[j - 1] = true;
                }
            }
        }
        if removing {
            keep[i] = false;
        }
    }
    let mut out = String::new();
    for (line, k) in lines.iter().zip(keep) {
        if k {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The table name of a `[header]` or `[[header]]` line.
fn header(t: &str) -> Option<&str> {
    let t = t.split('#').next()?.trim();
    let inner = t.strip_prefix("[[").and_then(|s| s.strip_suffix("]]"));
    inner.or_else(|| t.strip_prefix('[').and_then(|s| s.strip_suffix(']')))
}

/// A class name the schema accepts (letters, digits, `_`, `-`; not
/// `publish`), distinct from `taken`.
fn unique_name(name: &str, taken: &[String]) -> String {
    let mut base: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if base.is_empty() || base == "publish" {
        base.push_str("_class");
    }
    let mut n = base.clone();
    let mut k = 2;
    while taken.contains(&n) {
        n = format!("{base}_{k}");
        k += 1;
    }
    n
}

/// How an uncalibrated default was scaled to fit in the observed mean.
fn scaled(c: &ClassEstimate) -> String {
    if c.assumed_scale < 1.0 {
        format!(
            ", scaled by {:.3} to fit in the observed mean response {} with the network's {}",
            c.assumed_scale,
            ms(c.mean),
            ms(2.0 * NETWORK_ONE_WAY)
        )
    } else {
        String::new()
    }
}

fn fit_summary(fit: &Fit) -> String {
    format!(
        "CPU fit on {} ({}): {} machine-intervals, R² {:.3}, background {:.3} busy cores per machine, mean utilization {:.1} %",
        fit.server,
        fit.hosts.join(", "),
        fit.rows,
        fit.r2,
        fit.background,
        100.0 * fit.utilization
    )
}

fn demand_note(fit: &Fit, k: usize, d: f64) -> String {
    format!(
        "{} (SE {}), NNLS on the utilization law over {} machine-intervals of {} ({}), R² {:.3}",
        ms(d),
        ms(fit.se[k]),
        fit.rows,
        fit.server,
        fit.hosts.join(", "),
        fit.r2
    )
}

/// Whether `d` seconds is written as a positive duration by [`dur`] (to
/// the tenth of a microsecond).
fn written_positive(d: f64) -> bool {
    d >= 0.5e-7
}

fn lognormal(d: f64) -> String {
    if written_positive(d) {
        format!("lognormal(mean={}, cv=1)", dur(d))
    } else {
        "0s".into()
    }
}

/// Seconds as a duration the scenario accepts, in milliseconds to the
/// tenth of a microsecond.
pub fn dur(s: f64) -> String {
    format!("{}ms", trim(format!("{:.4}", s * 1e3)))
}

fn ms(s: f64) -> String {
    if s.is_finite() {
        format!("{:.1} ms", s * 1e3)
    } else {
        "n/a".into()
    }
}

fn secs(s: f64) -> String {
    format!("{} s", trim(format!("{s:.3}")))
}

/// A rate or a profile share to six significant digits: a module called
/// once a week keeps its rate (0.00000165 /s), where a fixed number of
/// decimals would write 0, which the scenario refuses, or lose a tenth of it.
fn num(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return trim(format!("{v}"));
    }
    let decimals = (5 - v.abs().log10().floor() as i32).clamp(0, 17) as usize;
    trim(format!("{v:.decimals$}"))
}

fn trim(s: String) -> String {
    if s.contains('.') {
        let t = s.trim_end_matches('0').trim_end_matches('.');
        t.to_owned()
    } else {
        s
    }
}

fn hhmm(secs_of_day: i64) -> String {
    let s = secs_of_day.rem_euclid(86_400 + 1);
    format!("{:02}:{:02}", s / 3600, (s % 3600) / 60)
}

/// Unix seconds as `YYYY-MM-DD HH:MM` (UTC).
pub fn utc(t: i64) -> String {
    let (y, m, d, h, mi, _) = super::synth::civil(t);
    format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00");
        assert_eq!(utc(1_764_288_000), "2025-11-28 00:00");
        assert_eq!(utc(951_782_400 + 3_660), "2000-02-29 01:01");
    }

    #[test]
    fn rates_keep_six_significant_digits() {
        assert_eq!(num(1.0 / (7.0 * 3600.0)), "0.0000396825");
        assert_eq!(num(1.0 / 3600.0), "0.000277778");
        assert_eq!(num(123.456789), "123.457");
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(2.0), "2");
        assert_eq!(num(0.0), "0");
    }

    #[test]
    fn durations_and_names() {
        assert_eq!(dur(0.0112), "11.2ms");
        assert_eq!(dur(0.000_012_34), "0.0123ms");
        assert_eq!(dur(2.5), "2500ms");
        assert_eq!(unique_name("Portal.v2", &[]), "Portal_v2");
        assert_eq!(unique_name("publish", &[]), "publish_class");
        assert_eq!(unique_name("a", &["a".into()]), "a_2");
    }

    #[test]
    fn strips_traffic_and_simulation_with_their_comments() {
        let text = "kind = \"production\"\n[simulation]\nduration = \"1h\"\n\n# the portal\n[traffic.portal]\nrate = 5\n[traffic.portal.slo]\np95 = \"1s\"\n[database]\ncores = 4\n";
        let s = strip_sections(text, false);
        assert_eq!(s, "kind = \"production\"\n[database]\ncores = 4\n");
    }

    #[test]
    fn keeps_the_comments_above_a_table_that_follows_a_removed_one() {
        let text = "kind = \"production\"\n# how long\n[simulation]\nduration = \"1h\"\n\n# two cores each\n# (the guide's)\n[front_end]\ncores = 2\n# the portal\n[traffic.portal]\nrate = 5\n# the database\n[database]\ncores = 4\n";
        let s = strip_sections(text, false);
        assert_eq!(
            s,
            "kind = \"production\"\n\n# two cores each\n# (the guide's)\n[front_end]\ncores = 2\n# the database\n[database]\ncores = 4\n"
        );
    }
}
