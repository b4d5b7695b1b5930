//! The calibration check: simulate the written scenario at the observed
//! load and set its figures beside the observed ones, per class
//! (throughput, mean, p50, p95) and per server (CPU utilization), with the
//! relative error of each.
//!
//! Why this file exists: a calibrated scenario is only worth its what-ifs if
//! the model reproduces the installation; the user must see at once where
//! it does not. The written scenario's `[simulation]` already covers the
//! observed window, so the check runs it as written.

use std::fmt::Write as _;

use crate::error::Result;
use crate::experiment::{Budget, Progress, RunRequest, run};
use crate::scenario::{LoadedScenario, RunOverrides, Source};

use super::fit::Calibration;
use super::observed::{Machine, Observed};
use super::write::Written;

/// One figure, simulated against observed.
#[derive(Clone, Debug, PartialEq)]
pub struct Pair {
    pub simulated: f64,
    pub observed: f64,
}

impl Pair {
    /// (simulated − observed) / observed; NaN when observed is 0 or unknown.
    pub fn relative_error(&self) -> f64 {
        if self.observed.is_finite() && self.observed != 0.0 {
            (self.simulated - self.observed) / self.observed
        } else {
            f64::NAN
        }
    }
}

/// One class of the check.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassCheck {
    pub name: String,
    /// Successful answers per second.
    pub throughput: Pair,
    /// Response times, seconds.
    pub mean: Pair,
    pub p50: Pair,
    pub p95: Pair,
}

/// One server of the check.
#[derive(Clone, Debug, PartialEq)]
pub struct ServerCheck {
    /// The resource (`main.1.cpu`, `db.NAME.cpu`).
    pub resource: String,
    /// The counter host (`FE1`).
    pub host: String,
    /// Mean CPU utilization, 0..1.
    pub utilization: Pair,
}

/// The whole check.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    pub classes: Vec<ClassCheck>,
    pub servers: Vec<ServerCheck>,
    pub replications: usize,
}

/// Simulates `written` (named `name` in messages) and compares it with what
/// was observed. `replications` overrides the written scenario's.
pub fn check(
    name: &str,
    written: &Written,
    obs: &Observed,
    cal: &Calibration,
    replications: Option<usize>,
    budget: Budget,
    progress: &dyn Progress,
) -> Result<Check> {
    let source = Source::parse(name, &written.text)?;
    let overrides = RunOverrides {
        replications,
        ..RunOverrides::default()
    };
    let scenario = LoadedScenario::from_source(source, overrides)?;
    let report = run(&RunRequest { scenario, budget }, progress)?;
    let summary = &report.variant.summary;
    let mut classes = Vec::new();
    for (k, c) in cal.classes.iter().enumerate() {
        let Some(wname) = &written.names[k] else {
            continue;
        };
        let Some(s) = summary.classes.iter().find(|s| &s.name == wname) else {
            continue;
        };
        let ok_rate = c.throughput * (1.0 - c.rejected - c.failed);
        classes.push(ClassCheck {
            name: wname.clone(),
            throughput: Pair {
                simulated: s.throughput.mean,
                observed: ok_rate,
            },
            mean: Pair {
                simulated: s.mean.mean,
                observed: c.mean,
            },
            p50: Pair {
                simulated: s.p50.mean,
                observed: c.p50,
            },
            p95: Pair {
                simulated: s.p95.mean,
                observed: c.p95,
            },
        });
    }
    let mut servers = Vec::new();
    let (lo, hi) = (cal.start as f64, cal.start as f64 + cal.span);
    for series in &obs.cpu {
        let resource = match &series.machine {
            Machine::FrontEnd(f) => format!("{}.cpu", obs.front_ends[*f]),
            Machine::Database(d) => format!("db.{d}.cpu"),
        };
        let inside: Vec<f64> = series
            .samples
            .iter()
            .filter(|(t, v)| *t > lo && *t <= hi && v.is_finite())
            .map(|(_, v)| v / 100.0)
            .collect();
        let observed = if inside.is_empty() {
            f64::NAN
        } else {
            inside.iter().sum::<f64>() / inside.len() as f64
        };
        let simulated = summary
            .resources
            .iter()
            .find(|r| r.name == resource)
            .map_or(f64::NAN, |r| r.utilization.mean);
        servers.push(ServerCheck {
            resource,
            host: series.host.clone(),
            utilization: Pair {
                simulated,
                observed,
            },
        });
    }
    Ok(Check {
        classes,
        servers,
        replications: summary.replications,
    })
}

fn pct(e: f64) -> String {
    if e.is_finite() {
        format!("{:+.1} %", 100.0 * e)
    } else {
        "n/a".into()
    }
}

/// A fraction as a percentage; `n/a` when unknown.
fn percent(f: f64) -> String {
    if f.is_finite() {
        format!("{:.1} %", 100.0 * f)
    } else {
        "n/a".into()
    }
}

fn ms(s: f64) -> String {
    if s.is_finite() {
        format!("{:.1}", s * 1e3)
    } else {
        "n/a".into()
    }
}

/// The check as terminal text.
pub fn text(check: &Check) -> String {
    let mut out = String::new();
    writeln!(
        out,
        "Calibration check: the written scenario simulated ({} replications) against the data",
        check.replications
    )
    .unwrap();
    let mut rows: Vec<Vec<String>> = Vec::new();
    for c in &check.classes {
        rows.push(vec![
            c.name.clone(),
            "throughput (req/s)".into(),
            format!("{:.3}", c.throughput.simulated),
            format!("{:.3}", c.throughput.observed),
            pct(c.throughput.relative_error()),
        ]);
        for (label, p) in [
            ("mean (ms)", &c.mean),
            ("p50 (ms)", &c.p50),
            ("p95 (ms)", &c.p95),
        ] {
            rows.push(vec![
                String::new(),
                label.into(),
                ms(p.simulated),
                ms(p.observed),
                pct(p.relative_error()),
            ]);
        }
    }
    for s in &check.servers {
        rows.push(vec![
            format!("{} ({})", s.resource, s.host),
            "utilization".into(),
            percent(s.utilization.simulated),
            percent(s.utilization.observed),
            pct(s.utilization.relative_error()),
        ]);
    }
    let header = ["class / server", "figure", "simulated", "observed", "error"];
    let columns = crate::report::text::Columns::new(&header).left(&[0, 1]);
    out.push_str(&crate::report::text::align(&columns, &rows));
    out
}

/// The check as CSV (`--report`): `kind,name,figure,unit,simulated,observed,relative_error`.
/// `kind` is `class` or `server`; `figure` is `throughput` (per second),
/// `mean`, `p50`, `p95` (seconds) or `utilization` (fraction 0..1);
/// `relative_error` is (simulated − observed) / observed, empty when it
/// cannot be computed.
pub fn csv(check: &Check) -> String {
    let mut out = String::from("kind,name,figure,unit,simulated,observed,relative_error\n");
    let num = |v: f64| {
        if v.is_finite() {
            format!("{v}")
        } else {
            String::new()
        }
    };
    let mut row = |kind: &str, name: &str, figure: &str, unit: &str, p: &Pair| {
        writeln!(
            out,
            "{kind},{},{figure},{unit},{},{},{}",
            csv_field(name),
            num(p.simulated),
            num(p.observed),
            num(p.relative_error())
        )
        .unwrap();
    };
    for c in &check.classes {
        row("class", &c.name, "throughput", "1/s", &c.throughput);
        row("class", &c.name, "mean", "s", &c.mean);
        row("class", &c.name, "p50", "s", &c.p50);
        row("class", &c.name, "p95", "s", &c.p95);
    }
    for s in &check.servers {
        row(
            "server",
            &s.resource,
            "utilization",
            "fraction",
            &s.utilization,
        );
    }
    out
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}
