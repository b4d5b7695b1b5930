//! SVG charts for planning decks and the HTML page: a figure (p95 response
//! time by default, `--plot-figure`) against a varied setting, one series
//! per traffic class, resource or layout, each point with its 95 %
//! confidence interval as an error bar.
//!
//! Why this file exists: every chart o11sim draws (`--plot` of `compare`,
//! `sweep` and `team`, and the charts of `--html`) comes from here; this is
//! the one place that knows plotters. [`Svg`] exports a result as its
//! chart: the figure against the first varied key for a comparison or
//! sweep ([`comparison_chart`]), publish lead time against team size for a
//! team growth ([`team_chart`]). It uses only plotters' SVG backend
//! without the `ttf` feature: text becomes `<text>` elements, sized by a
//! crude estimate, and no system font is ever loaded, so charts are the
//! same bytes on every machine.
//!
//! What a chart says, and what it must not imply:
//! * variants that are counts (1 vs 3 front-ends) or categories (`fail`,
//!   `wait`) are points with error bars and ticks at exactly the simulated
//!   values, never lines that suggest a value at 2 front-ends; only a
//!   continuous setting (fractional numbers, durations) joins its points;
//! * an SLO on the plotted figure, or `team`'s publish target, is a dashed
//!   grey horizontal line labelled in the plot;
//! * a saturated variant is a hollow marker in a red ring, with a legend
//!   entry: its latency describes only the requests that got through;
//! * a logarithmic y axis (values spanning more than a factor of 20) is
//!   labelled at 1-2-5 steps so a value can be read off it;
//! * axis titles carry units; the title names the scenario and the figure,
//!   the subtitle the run settings.
//!
//! Shape of the output, which tests rely on: a series' line (continuous
//! axes only) and its error bars are `<polyline>`s in the series' colour
//! ([`series_colour`]); error-bar caps are short horizontal polylines in
//! that colour; reference lines are dashed polylines in [`REFERENCE`] grey;
//! axes and grid lines are black or grey; markers are `<circle>`s.

use std::str::FromStr;

use anyhow::{Result, anyhow};
use plotters::coord::ranged1d::{KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::Export;
use super::text::time_of_day;
use crate::dist::format_duration;
use crate::experiment::CommandResult;
use crate::experiment::result::{Comparison, Layout, RunReport, RunSettings, Sizing, TeamGrowth};
use crate::experiment::summary::{ClassSummary, Figure, ResourceSummary};
use crate::model::sim::ResourceKind;
use crate::model::spec::Slo;
use crate::stats::Estimate;

/// The chart of a comparison, sweep or team growth, as SVG (`--plot`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Svg {
    /// What the y axis shows (`--plot-figure`).
    pub figure: PlotFigure,
}

impl Export for Svg {
    fn write(&self, result: &CommandResult, out: &mut dyn std::io::Write) -> Result<()> {
        let chart = match result {
            CommandResult::Compare(c) | CommandResult::Sweep(c) => comparison_chart(c, self.figure),
            CommandResult::Team(t) => team_chart(t, self.figure),
            CommandResult::Run(r) => {
                let charts = timeline_charts(r).ok_or_else(|| {
                    anyhow!("`run --plot` draws the timeline, and this run has none")
                })?;
                out.write_all(stacked(&charts)?.as_bytes())?;
                return Ok(());
            }
            CommandResult::Size(_) => {
                return Err(anyhow!("`{}` draws no chart", result.command()));
            }
        };
        out.write_all(svg(&chart)?.as_bytes())?;
        Ok(())
    }
}

// ---- what is plotted ------------------------------------------------------

/// The figure a chart plots on its y axis (`--plot-figure`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PlotFigure {
    /// 95th percentile of the response time of each traffic class.
    #[default]
    P95,
    /// Mean response time of each traffic class.
    Mean,
    /// 99th percentile of the response time of each traffic class.
    P99,
    /// Fraction of each class's requests rejected, timed out or failed.
    ErrorRate,
    /// Utilization of the CPUs (front-ends, databases, Deployment
    /// Controller) instead of the classes.
    Utilization,
}

impl PlotFigure {
    pub const ALL: [PlotFigure; 5] = [
        PlotFigure::P95,
        PlotFigure::Mean,
        PlotFigure::P99,
        PlotFigure::ErrorRate,
        PlotFigure::Utilization,
    ];

    /// As `--plot-figure` spells it.
    pub fn name(self) -> &'static str {
        match self {
            PlotFigure::P95 => "p95",
            PlotFigure::Mean => "mean",
            PlotFigure::P99 => "p99",
            PlotFigure::ErrorRate => "error_rate",
            PlotFigure::Utilization => "utilization",
        }
    }

    /// What the figure is, in words.
    pub fn title(self) -> &'static str {
        match self {
            PlotFigure::P95 => "p95 response time",
            PlotFigure::Mean => "mean response time",
            PlotFigure::P99 => "p99 response time",
            PlotFigure::ErrorRate => "error rate",
            PlotFigure::Utilization => "CPU utilization",
        }
    }

    /// The y axis title, with its unit.
    pub fn axis_title(self) -> String {
        format!("{} ({})", self.title(), self.unit())
    }

    fn unit(self) -> &'static str {
        match self {
            PlotFigure::P95 | PlotFigure::Mean | PlotFigure::P99 => "ms",
            PlotFigure::ErrorRate | PlotFigure::Utilization => "%",
        }
    }

    /// The class figure plotted, `None` for utilization.
    pub fn figure(self) -> Option<Figure> {
        match self {
            PlotFigure::P95 => Some(Figure::P95),
            PlotFigure::Mean => Some(Figure::Mean),
            PlotFigure::P99 => Some(Figure::P99),
            PlotFigure::ErrorRate => Some(Figure::ErrorRate),
            PlotFigure::Utilization => None,
        }
    }

    /// An estimate of this figure (seconds or a fraction) in the axis unit.
    fn scaled(self, e: &Estimate) -> (f64, Option<(f64, f64)>) {
        match self {
            PlotFigure::P95 | PlotFigure::Mean | PlotFigure::P99 => scaled(e, 1e3),
            PlotFigure::ErrorRate | PlotFigure::Utilization => scaled(e, 100.0),
        }
    }

    /// The limit of `slo` in the axis unit, when the SLO is on this figure.
    fn slo_limit(self, slo: Slo) -> Option<f64> {
        match (self, slo) {
            (PlotFigure::P95, Slo::P95(l))
            | (PlotFigure::P99, Slo::P99(l))
            | (PlotFigure::Mean, Slo::Mean(l)) => Some(l * 1e3),
            (PlotFigure::ErrorRate, Slo::Errors(l)) => Some(l * 100.0),
            _ => None,
        }
    }
}

/// `e` times `k`, with its 95 % CI (already cut to what the figure can
/// be: `stats::Bounds`).
fn scaled(e: &Estimate, k: f64) -> (f64, Option<(f64, f64)>) {
    (e.mean * k, e.ci_95().map(|(lo, hi)| (lo * k, hi * k)))
}

impl std::fmt::Display for PlotFigure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for PlotFigure {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        PlotFigure::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = PlotFigure::ALL.iter().map(|f| f.name()).collect();
                format!("unknown figure {s:?}: expected one of {}", names.join(", "))
            })
    }
}

/// One point of a series: `y` with its 95 % interval when known.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
    pub ci: Option<(f64, f64)>,
    /// The variant is saturated for this row: drawn hollow in a red ring.
    pub saturated: bool,
    /// The value is only a lower bound (a percentile among the responses
    /// cut at the client timeout): drawn as an open triangle.
    pub lower_bound: bool,
}

/// One series of the chart (one legend entry).
#[derive(Clone, Debug)]
pub struct Series {
    pub name: String,
    pub points: Vec<Point>,
}

/// A horizontal reference line: an SLO or a target.
#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    /// Written in the plot at the line's right end.
    pub label: String,
    pub y: f64,
    /// The x range it covers (one category of a categorical axis); `None`
    /// for the whole width.
    pub span: Option<(f64, f64)>,
}

/// A whole chart.
#[derive(Clone, Debug, Default)]
pub struct Chart {
    /// Names the scenario and the figure.
    pub title: String,
    /// The run settings.
    pub subtitle: String,
    /// Axis titles, with units.
    pub x_label: String,
    pub y_label: String,
    /// Ticks at exactly these x values with these labels (the simulated
    /// values of a count or a category); `None`: evenly spaced numbers.
    pub x_ticks: Option<Vec<(f64, String)>>,
    /// Join each series' points with a line: only when x is continuous.
    pub lines: bool,
    pub series: Vec<Series>,
    pub references: Vec<Reference>,
    /// Spans of x shaded behind the data (failures on a timeline), each
    /// with a label at its top.
    pub shaded: Vec<Shade>,
}

/// A shaded span of the x axis.
#[derive(Clone, Debug, PartialEq)]
pub struct Shade {
    pub from: f64,
    pub to: f64,
    pub label: String,
}

// ---- axes -----------------------------------------------------------------

/// How the varied values of a key sit on the x axis.
#[derive(Clone, Debug, PartialEq)]
pub struct XAxis {
    /// The axis title, with its unit.
    pub label: String,
    /// The position of each value.
    pub xs: Vec<f64>,
    /// Labelled ticks at the values (counts and categories).
    pub ticks: Option<Vec<(f64, String)>>,
    /// Continuous: points may be joined.
    pub continuous: bool,
}

/// The x axis of a varied key's values: counts and other whole numbers are
/// discrete (ticks at the values, no lines), fractional numbers and
/// durations (in seconds) continuous, anything else categorical (ticks at
/// 0, 1, 2, … labelled with the values).
pub fn x_axis(key: &str, values: &[String]) -> XAxis {
    let title = key_title(key);
    if let Some(xs) = values
        .iter()
        .map(|v| v.trim().parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect::<Option<Vec<_>>>()
    {
        let whole = xs.iter().all(|x| x.fract() == 0.0);
        let ticks = whole.then(|| xs.iter().copied().zip(values.iter().cloned()).collect());
        let label = match key_unit(key) {
            Some(unit) => format!("{title} ({unit})"),
            None => title,
        };
        return XAxis {
            label,
            xs,
            ticks,
            continuous: !whole,
        };
    }
    if let Some(xs) = values
        .iter()
        .map(|v| crate::dist::parse_duration(v).ok())
        .collect::<Option<Vec<_>>>()
    {
        return XAxis {
            label: format!("{title} (s)"),
            xs,
            ticks: None,
            continuous: true,
        };
    }
    let xs: Vec<f64> = (0..values.len()).map(|i| i as f64).collect();
    XAxis {
        label: title,
        ticks: Some(xs.iter().copied().zip(values.iter().cloned()).collect()),
        xs,
        continuous: false,
    }
}

/// A scenario key in words: `front_ends` → `front-ends`,
/// `zones.public.front_ends` → `zone public front-ends`,
/// `traffic.portal.rate` → `portal arrival rate`.
pub fn key_title(key: &str) -> String {
    let parts: Vec<&str> = key.split('.').collect();
    let words: Vec<String> = parts
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let last = i + 1 == parts.len();
            let w = match *p {
                "traffic" | "timers" | "environments" if !last => return None,
                "zones" if !last => "zone",
                "databases" if !last => "database",
                "front_ends" => "front-ends",
                "front_end" => "front-end",
                "iis_workers" => "IIS workers",
                "iis_queue" => "IIS queue limit",
                "db_pool" => "DB connection pool",
                "timer_slots" => "scheduler slots",
                "nodes" => "database nodes",
                "rate" => "arrival rate",
                "controller_cores" => "controller cores",
                "publishes_per_hour" => "publishes per developer-hour",
                "on_failover" => "on failover",
                "load_balancer" => "load balancer",
                "health_failures" => "health-check failures",
                other => return Some(other.replace('_', " ")),
            };
            Some(w.to_owned())
        })
        .collect();
    if words.is_empty() {
        key.to_owned()
    } else {
        words.join(" ")
    }
}

/// The unit of a numeric key's values, when they have one.
fn key_unit(key: &str) -> Option<&'static str> {
    match key.rsplit('.').next()? {
        "rate" => Some("req/s"),
        "publishes_per_hour" => Some("per hour"),
        _ => None,
    }
}

/// `3 replications of 2m after a 30s warm-up, seed 1`, then `extra`, then
/// what the marks mean.
pub fn subtitle(st: &RunSettings, extra: &str) -> String {
    let mut s = format!(
        "{} replication(s) of {} after a {} warm-up, seed {}",
        st.replications,
        format_duration(st.duration),
        format_duration(st.warmup),
        st.seed
    );
    if !extra.is_empty() {
        s.push_str(", ");
        s.push_str(extra);
    }
    s.push_str("; points: mean over replications, bars: 95% CI");
    s
}

// ---- rows of a summary ------------------------------------------------------

/// The CPU resources of a summary as chart rows, under names that mean the
/// same machine in every variant: each database's and Deployment
/// Controller's CPU, and per zone the busiest front-end's CPU (front-ends
/// come and go with the count; the busiest is what sizing is about).
pub fn cpu_rows(resources: &[ResourceSummary]) -> Vec<(String, Estimate)> {
    let mut rows: Vec<(String, Estimate)> = Vec::new();
    for r in resources {
        let name = match r.kind {
            ResourceKind::FrontEndCpu => {
                // `ZONE.N.cpu`: the zone's front-ends share one row.
                let stem = r.name.strip_suffix(".cpu").unwrap_or(&r.name);
                match stem.rsplit_once('.') {
                    Some((zone, n)) if n.parse::<u32>().is_ok() => {
                        format!("{zone} front-end CPU (busiest)")
                    }
                    _ => format!("{stem} front-end CPU"),
                }
            }
            ResourceKind::DatabaseCpu => {
                // `db.NAME.cpu`.
                let stem = r.name.strip_prefix("db.").unwrap_or(&r.name);
                let stem = stem.strip_suffix(".cpu").unwrap_or(stem);
                format!("{stem} database CPU")
            }
            ResourceKind::DeploymentController => {
                // `dc.ENV.cpu`.
                let stem = r.name.strip_prefix("dc.").unwrap_or(&r.name);
                let stem = stem.strip_suffix(".cpu").unwrap_or(stem);
                format!("{stem} Deployment Controller")
            }
            ResourceKind::IisWorkers
            | ResourceKind::ConnectionPool
            | ResourceKind::ExternalSystem
            | ResourceKind::ProcessThreads => continue,
        };
        match rows.iter_mut().find(|(n, _)| *n == name) {
            Some((_, e)) if r.utilization.mean > e.mean => *e = r.utilization,
            Some(_) => {}
            None => rows.push((name, r.utilization)),
        }
    }
    rows
}

/// One row of a summary as a chart plots it.
#[derive(Clone, Debug)]
struct Row {
    /// The class, or the CPU as [`cpu_rows`] names it.
    name: String,
    /// The value in the axis unit, and its 95 % CI.
    y: f64,
    ci: Option<(f64, f64)>,
    saturated: bool,
}

/// The rows a chart of `figure` plots from one summary: its traffic
/// classes, or its CPUs for utilization.
fn rows_of(
    figure: PlotFigure,
    classes: &[ClassSummary],
    resources: &[ResourceSummary],
) -> Vec<Row> {
    match figure.figure() {
        Some(f) => classes
            .iter()
            .filter(|c| c.is_traffic)
            .map(|c| {
                let (y, ci) = figure.scaled(&f.estimate(c));
                Row {
                    name: c.name.clone(),
                    y,
                    ci,
                    saturated: c.saturated,
                }
            })
            .collect(),
        None => cpu_rows(resources)
            .into_iter()
            .map(|(name, e)| {
                let (y, ci) = figure.scaled(&e);
                Row {
                    name,
                    y,
                    ci,
                    saturated: false,
                }
            })
            .collect(),
    }
}

/// The SLOs on `figure` of the traffic classes in `classes`, each once, as
/// (class, limit in the axis unit).
fn slo_lines<'a>(
    figure: PlotFigure,
    classes: impl IntoIterator<Item = &'a ClassSummary>,
) -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = Vec::new();
    for c in classes.into_iter().filter(|c| c.is_traffic) {
        for check in &c.slos {
            if let Some(limit) = figure.slo_limit(check.slo) {
                let line = (c.name.clone(), limit);
                if !out.contains(&line) {
                    out.push(line);
                }
            }
        }
    }
    out
}

/// `SLO portal p95 ≤ 800 ms`.
fn slo_label(class: &str, figure: PlotFigure, limit: f64) -> String {
    format!(
        "SLO {class} {} \u{2264} {} ms",
        figure.name(),
        number(limit)
    )
}

// ---- charts of results ----------------------------------------------------

/// `k=v k2=v2`.
fn joined(keys: &[(String, String)]) -> String {
    keys.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `figure` against the first varied key, one series per traffic class (or
/// CPU) and combination of the other keys' values; the classes' SLOs on
/// that figure as lines.
pub fn comparison_chart(c: &Comparison, figure: PlotFigure) -> Chart {
    let Some(first) = c.varied.first() else {
        return Chart::default();
    };
    let axis = x_axis(&first.key, &first.values);
    // Variants with the same values of the other keys form one series.
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, v) in c.variants.iter().enumerate() {
        let rest = joined(v.keys.get(1..).unwrap_or_default());
        match groups.iter_mut().find(|(k, _)| *k == rest) {
            Some((_, members)) => members.push(i),
            None => groups.push((rest, vec![i])),
        }
    }
    // Rows in order of first appearance over the variants.
    let rows_per_variant: Vec<_> = c
        .variants
        .iter()
        .map(|v| rows_of(figure, &v.summary.classes, &v.summary.resources))
        .collect();
    let mut names: Vec<&str> = Vec::new();
    for rows in &rows_per_variant {
        for row in rows {
            if !names.contains(&row.name.as_str()) {
                names.push(&row.name);
            }
        }
    }
    let mut series = Vec::new();
    for name in &names {
        for (rest, members) in &groups {
            let points = members
                .iter()
                .filter_map(|&i| {
                    let row = rows_per_variant[i].iter().find(|r| r.name == *name)?;
                    let value = &c.variants[i].keys.first()?.1;
                    let xi = first.values.iter().position(|x| x == value)?;
                    Some(Point {
                        x: axis.xs[xi],
                        y: row.y,
                        ci: row.ci,
                        saturated: row.saturated,
                        lower_bound: false,
                    })
                })
                .collect();
            let name = if rest.is_empty() {
                (*name).to_owned()
            } else {
                format!("{name}, {rest}")
            };
            series.push(Series { name, points });
        }
    }
    let references = slo_lines(
        figure,
        c.variants.iter().flat_map(|v| v.summary.classes.iter()),
    )
    .into_iter()
    .map(|(class, limit)| Reference {
        label: slo_label(&class, figure, limit),
        y: limit,
        span: None,
    })
    .collect();
    Chart {
        title: format!(
            "{}: {} by {}",
            c.settings.scenario,
            figure.title(),
            key_title(&first.key)
        ),
        subtitle: subtitle(&c.settings, "common random numbers"),
        x_label: axis.label,
        y_label: figure.axis_title(),
        x_ticks: axis.ticks,
        lines: axis.continuous,
        series,
        references,
        shaded: Vec::new(),
    }
}

/// One run's `figure` by traffic class (or by CPU for utilization), on a
/// categorical axis; each class's SLO on that figure as a short line over
/// its category.
pub fn run_chart(r: &RunReport, figure: PlotFigure) -> Chart {
    let s = &r.variant.summary;
    let rows = rows_of(figure, &s.classes, &s.resources);
    let x_of = |name: &str| rows.iter().position(|r| r.name == name).map(|i| i as f64);
    let references = slo_lines(figure, &s.classes)
        .into_iter()
        .filter_map(|(class, limit)| {
            let x = x_of(&class)?;
            Some(Reference {
                label: format!("SLO {} ms", number(limit)),
                y: limit,
                span: Some((x - 0.3, x + 0.3)),
            })
        })
        .collect();
    let what = if figure == PlotFigure::Utilization {
        "CPU"
    } else {
        "traffic class"
    };
    Chart {
        title: format!("{}: {} by {what}", r.settings.scenario, figure.title()),
        subtitle: subtitle(&r.settings, ""),
        x_label: what.to_owned(),
        y_label: figure.axis_title(),
        x_ticks: Some(
            rows.iter()
                .enumerate()
                .map(|(i, r)| (i as f64, r.name.clone()))
                .collect(),
        ),
        lines: false,
        series: vec![Series {
            name: figure.title().to_owned(),
            points: rows
                .iter()
                .enumerate()
                .map(|(i, r)| Point {
                    x: i as f64,
                    y: r.y,
                    ci: r.ci,
                    saturated: r.saturated,
                    lower_bound: false,
                })
                .collect(),
        }],
        references,
        shaded: Vec::new(),
    }
}

/// The corners of the open triangle marking a lower bound (pixels from
/// the point), and its outline, closed.
const UP_TRIANGLE: [(i32, i32); 3] = [(-6, 4), (0, -7), (6, 4)];
const UP_TRIANGLE_OUTLINE: [(i32, i32); 4] = [(-6, 4), (0, -7), (6, 4), (-6, 4)];

/// The timeline of a run (`run --plot`): each traffic class's p95, then
/// its error rate, against simulated time (window midpoints, with 95 %
/// CIs), the scheduled failures shaded and the p95 SLOs as lines; `None`
/// without a timeline.
pub fn timeline_charts(r: &RunReport) -> Option<[Chart; 2]> {
    let s = &r.variant.summary;
    let t = s.timeline.as_ref()?;
    // Hours, or minutes for a run of two hours or less.
    let (unit, per) = if t.end <= 7200.0 {
        ("min", 60.0)
    } else {
        ("h", 3600.0)
    };
    // With a time of day (`simulation.start`, a profile), the ticks are
    // clock times on the same x positions, so the points, the failure
    // shading and the SLO lines are placed exactly as without.
    let (x_label, x_ticks) = if t.clock_time {
        let ticks = clock_ticks(t.clock, t.start, t.end)
            .into_iter()
            .map(|(x, label)| (x / per, label))
            .collect();
        (
            "time of day (warm-up before the first window)".to_owned(),
            Some(ticks),
        )
    } else {
        (
            format!("simulated time ({unit}; warm-up before the first window)"),
            None,
        )
    };
    let traffic: Vec<(usize, &ClassSummary)> = s
        .classes
        .iter()
        .enumerate()
        .take(t.rows)
        .filter(|(_, c)| c.is_traffic)
        .collect();
    let series = |figure: PlotFigure| -> Vec<Series> {
        traffic
            .iter()
            .map(|&(i, c)| Series {
                name: c.name.clone(),
                points: (0..t.windows)
                    .map(|w| {
                        let (a, b) = t.bounds(w);
                        let f = t.class(w, i);
                        let e = match figure {
                            PlotFigure::P95 => f.p95,
                            _ => f.error_rate,
                        };
                        let (y, ci) = figure.scaled(&e.estimate());
                        Point {
                            x: (a + b) / 2.0 / per,
                            y,
                            ci,
                            saturated: false,
                            lower_bound: figure == PlotFigure::P95 && f.p95_censored > 0,
                        }
                    })
                    .collect(),
            })
            .collect()
    };
    let shaded: Vec<Shade> = t
        .failures
        .iter()
        .filter(|f| f.end > t.start && f.start < t.end)
        .map(|f| Shade {
            from: f.start.max(t.start) / per,
            to: f.end.min(t.end) / per,
            label: format!("{} down", f.target),
        })
        .collect();
    let references = slo_lines(PlotFigure::P95, traffic.iter().map(|&(_, c)| c))
        .into_iter()
        .map(|(class, limit)| Reference {
            label: slo_label(&class, PlotFigure::P95, limit),
            y: limit,
            span: None,
        })
        .collect();
    let window = format_duration(t.window);
    let chart = |figure: PlotFigure, references: Vec<Reference>| Chart {
        title: format!("{}: {} over time", r.settings.scenario, figure.title()),
        subtitle: subtitle(&r.settings, &format!("{window} windows")),
        x_label: x_label.clone(),
        y_label: figure.axis_title(),
        x_ticks: x_ticks.clone(),
        lines: true,
        series: series(figure),
        references,
        shaded: shaded.clone(),
    };
    Some([
        chart(PlotFigure::P95, references),
        chart(PlotFigure::ErrorRate, Vec::new()),
    ])
}

/// Most labelled ticks a time-of-day axis gets.
const CLOCK_TICKS: usize = 13;

/// Tick steps of a time-of-day axis (seconds): each divides a day, so
/// ticks fall on round clock times and every midnight gets one; then
/// whole days.
const CLOCK_STEPS: [f64; 21] = [
    1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0,
    10800.0, 21600.0, 43200.0, 86400.0, 172_800.0, 432_000.0, 604_800.0,
];

/// Ticks of a time axis from simulated time `from` to `to` (seconds since
/// the start of the run, whose time of day is `clock`, seconds since
/// midnight), labelled as clock time: at the smallest round step giving at
/// most [`CLOCK_TICKS`] ticks (5, 10 or 15 minutes over an hour or two,
/// whole hours over a day), on whole multiples of the step in clock time.
/// Labels read `HH:MM` (`HH:MM:SS` below a minute), wrapping at 24:00;
/// when the axis spans more than one day, the first tick of each later day
/// reads `day N 00:00` (the run starts on day 1), and ticks a day or more
/// apart read `day N`. Returns (simulated seconds, label) pairs.
pub fn clock_ticks(clock: f64, from: f64, to: f64) -> Vec<(f64, String)> {
    if !(from.is_finite() && to.is_finite() && to > from) {
        return Vec::new();
    }
    let (a, b) = (clock + from, clock + to);
    let step = CLOCK_STEPS
        .iter()
        .copied()
        // Ticks: the whole steps in the span, plus one.
        .find(|&step| (((b - a) / step).floor() as usize) < CLOCK_TICKS)
        .unwrap_or_else(|| ((b - a) / (CLOCK_TICKS - 1) as f64 / 86400.0).ceil() * 86400.0);
    let day = |abs: f64| (abs / 86400.0).floor() as i64 + 1;
    let spans_days = day(a) != day(b);
    let mut ticks = Vec::new();
    let mut k = (a / step - 1e-9).ceil();
    let mut previous_day = day(a);
    while k * step <= b + 1e-9 {
        let abs = k * step;
        // Rounded to the second so a tick a rounding error short of
        // midnight still counts as the next day.
        let abs_s = abs.round();
        let today = day(abs_s);
        let label = if step >= 86400.0 {
            format!("day {today}")
        } else if spans_days && today != previous_day {
            format!("day {today} {}", time_of_day(abs_s))
        } else {
            time_of_day(abs_s)
        };
        previous_day = today;
        ticks.push((abs - clock, label));
        k += 1.0;
    }
    ticks
}

/// Charts drawn one above the other in one SVG document.
pub fn stacked(charts: &[Chart]) -> Result<String> {
    let mut out = format!(
        "<svg width=\"{WIDTH}\" height=\"{}\" viewBox=\"0 0 {WIDTH} {}\" xmlns=\"http://www.w3.org/2000/svg\">\n",
        HEIGHT as usize * charts.len(),
        HEIGHT as usize * charts.len()
    );
    for (i, c) in charts.iter().enumerate() {
        let one = svg(c)?;
        // Each chart keeps its own document, placed by its y offset.
        let body = one.trim_start_matches(|ch| ch != '<');
        let body = body
            .strip_prefix("<?xml")
            .map_or(body, |rest| rest.split_once("?>").map_or(rest, |(_, b)| b))
            .trim_start();
        let placed = body.replacen("<svg ", &format!("<svg y=\"{}\" ", HEIGHT as usize * i), 1);
        out.push_str(&placed);
        out.push('\n');
    }
    out.push_str("</svg>\n");
    Ok(out)
}

/// Publish lead time (p95 by default; `figure` picks p99, mean or the
/// publishes' error rate; utilization plots the controller's CPU) against
/// team size, one series per layout; for p95, the target as a line.
pub fn team_chart(t: &TeamGrowth, figure: PlotFigure) -> Chart {
    let mut sizes = t.developers.clone();
    sizes.sort_unstable();
    sizes.dedup();
    // Lead times in seconds: publishes take minutes, not milliseconds.
    let (y_label, what) = match figure {
        PlotFigure::P95 => ("publish lead time p95 (s)", "publish lead time p95"),
        PlotFigure::P99 => ("publish lead time p99 (s)", "publish lead time p99"),
        PlotFigure::Mean => ("publish lead time, mean (s)", "mean publish lead time"),
        PlotFigure::ErrorRate => ("publish error rate (%)", "publish error rate"),
        PlotFigure::Utilization => ("controller CPU utilization (%)", "controller CPU"),
    };
    let value = |v: &crate::experiment::VariantResult,
                 p: &crate::experiment::result::TeamPoint|
     -> Option<(f64, Option<(f64, f64)>)> {
        let publish = || v.summary.classes.iter().find(|c| c.is_publish());
        Some(match figure {
            PlotFigure::P95 => scaled(&p.publish_p95, 1.0),
            PlotFigure::P99 => scaled(&publish()?.p99, 1.0),
            PlotFigure::Mean => scaled(&publish()?.mean, 1.0),
            PlotFigure::ErrorRate => scaled(&publish()?.error_rate, 100.0),
            PlotFigure::Utilization => scaled(&p.controller_cpu?, 100.0),
        })
    };
    let series = Layout::ALL
        .iter()
        .map(|&layout| {
            let mut points: Vec<Point> = t
                .variants
                .iter()
                .zip(&t.points)
                .filter(|(_, p)| p.layout == layout)
                .filter_map(|(v, p)| {
                    let (y, ci) = value(v, p)?;
                    Some(Point {
                        x: f64::from(p.developers),
                        y,
                        ci,
                        // Developers are a closed population: publishes
                        // never saturate.
                        saturated: false,
                        lower_bound: false,
                    })
                })
                .collect();
            points.sort_by(|a, b| a.x.total_cmp(&b.x));
            Series {
                name: super::text::layout_name(layout).to_owned(),
                points,
            }
        })
        .collect();
    let references = if figure == PlotFigure::P95 {
        vec![Reference {
            label: format!("target {}", format_duration(t.publish_target)),
            y: t.publish_target,
            span: None,
        }]
    } else {
        Vec::new()
    };
    Chart {
        title: format!("{}: {what} by team size", t.settings.scenario),
        subtitle: subtitle(&t.settings, &format!("environment {}", t.environment)),
        x_label: "developers".into(),
        y_label: y_label.into(),
        x_ticks: Some(
            sizes
                .iter()
                .map(|&n| (f64::from(n), n.to_string()))
                .collect(),
        ),
        lines: false,
        series,
        references,
        shaded: Vec::new(),
    }
}

/// One chart per sized zone that simulated candidates: each objective's
/// figure against the front-end count tried, the objective's limit as a
/// line.
pub fn sizing_charts(s: &Sizing) -> Vec<Chart> {
    let mut charts = Vec::new();
    for z in s.zones.iter().filter(|z| !z.candidates.is_empty()) {
        let mut counts: Vec<usize> = z.candidates.iter().map(|c| c.front_ends).collect();
        counts.sort_unstable();
        counts.dedup();
        let mut objectives: Vec<usize> = Vec::new();
        // The chart's axis is a response time: error objectives are in the
        // tables, not on it.
        for c in &z.candidates {
            for k in &c.checks {
                if s.objectives[k.objective].slo.is_latency() && !objectives.contains(&k.objective)
                {
                    objectives.push(k.objective);
                }
            }
        }
        let mut series = Vec::new();
        let mut references = Vec::new();
        for &o in &objectives {
            let objective = &s.objectives[o];
            let (what, limit) = slo_parts(objective.slo);
            let mut points: Vec<Point> = z
                .candidates
                .iter()
                .filter_map(|c| {
                    let k = c.checks.iter().find(|k| k.objective == o)?;
                    let (y, ci) = scaled(k.estimate.as_ref()?, 1e3);
                    Some(Point {
                        x: c.front_ends as f64,
                        y,
                        ci,
                        saturated: k.saturated,
                        lower_bound: false,
                    })
                })
                .collect();
            points.sort_by(|a, b| a.x.total_cmp(&b.x));
            series.push(Series {
                name: format!("{} {what}", objective.class),
                points,
            });
            let line = Reference {
                label: format!(
                    "SLO {} {what} \u{2264} {} ms",
                    objective.class,
                    number(limit * 1e3)
                ),
                y: limit * 1e3,
                span: None,
            };
            if !references.contains(&line) {
                references.push(line);
            }
        }
        let x_label = if s.spare > 0 {
            format!("{} (count, {} of them down)", z.label, s.spare)
        } else {
            format!("{} (count)", z.label)
        };
        charts.push(Chart {
            title: format!("{}: sizing {}", s.settings.scenario, z.label),
            subtitle: subtitle(&s.settings, "common random numbers"),
            x_label,
            y_label: "response time (ms)".into(),
            x_ticks: Some(counts.iter().map(|&n| (n as f64, n.to_string())).collect()),
            lines: false,
            series,
            references,
            shaded: Vec::new(),
        });
    }
    charts
}

/// `p95` and the limit (seconds, a fraction for errors) of an SLO.
fn slo_parts(slo: Slo) -> (&'static str, f64) {
    match slo {
        Slo::P95(l) => ("p95", l),
        Slo::P99(l) => ("p99", l),
        Slo::Mean(l) => ("mean", l),
        Slo::Errors(l) => ("errors", l),
    }
}

// ---- drawing ----------------------------------------------------------------

const WIDTH: u32 = 900;
const HEIGHT: u32 = 560;
/// Height of the title and subtitle above the plot.
const HEADER: u32 = 62;
/// Height of the plotting area: the chart below the header, less the
/// margins and the x labels.
const PLOT_HEIGHT: u32 = HEIGHT - HEADER - 2 * 16 - 48;
/// The legend: its padding and the height of one entry (pixels).
const LEGEND_PAD: u32 = 16;
const LEGEND_ROW: u32 = 20;

/// Well-separated, readable colours for the first series (Tableau 10
/// without its grey, which reference lines use, and without its red, which
/// marks saturation).
const COLOURS: [RGBColor; 8] = [
    RGBColor(0x1F, 0x77, 0xB4),
    RGBColor(0xFF, 0x7F, 0x0E),
    RGBColor(0x2C, 0xA0, 0x2C),
    RGBColor(0x94, 0x67, 0xBD),
    RGBColor(0x8C, 0x56, 0x4B),
    RGBColor(0xE3, 0x77, 0xC2),
    RGBColor(0xBC, 0xBD, 0x22),
    RGBColor(0x17, 0xBE, 0xCF),
];

/// The colour of reference lines (SLOs, targets).
pub const REFERENCE: RGBColor = RGBColor(0x55, 0x55, 0x55);

/// The ring around a saturated variant's marker.
pub const SATURATED: RGBColor = RGBColor(0xD0, 0x00, 0x00);

/// Shading of a failure on a timeline.
const SHADE: RGBColor = RGBColor(0xFB, 0xE3, 0xE3);

/// Points per series above which a line chart draws no markers or bars.
const DENSE_POINTS: usize = 120;

/// The colour of series `i`: distinct for every series of a chart (past
/// the first eight, from plotters' `Palette99`).
pub fn series_colour(i: usize) -> RGBColor {
    match COLOURS.get(i) {
        Some(&c) => c,
        None => {
            let (r, g, b) = Palette99::pick(i - COLOURS.len()).rgb();
            RGBColor(r, g, b)
        }
    }
}

/// Ticks of a logarithmic axis from `lo` to `hi`: labelled ticks at 1-2-5
/// steps (finer over a short span, coarser over many decades) and light
/// grid lines at every digit of each decade.
pub fn log_ticks(lo: f64, hi: f64) -> (Vec<f64>, Vec<f64>) {
    if !(lo > 0.0 && hi > lo && hi.is_finite()) {
        return (Vec::new(), Vec::new());
    }
    let decades = (hi / lo).log10();
    let steps: &[f64] = if decades <= 1.5 {
        &[1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0]
    } else if decades <= 2.5 {
        &[1.0, 2.0, 3.0, 5.0]
    } else if decades <= 4.5 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0]
    };
    let (mut bold, mut light) = (Vec::new(), Vec::new());
    let first = lo.log10().floor() as i32;
    let last = hi.log10().ceil() as i32;
    for e in first..=last {
        let scale = 10f64.powi(e);
        for d in 1..10 {
            let v = f64::from(d) * scale;
            if v < lo || v > hi {
                continue;
            }
            if steps.contains(&f64::from(d)) {
                bold.push(v);
            } else {
                light.push(v);
            }
        }
        if steps.contains(&1.5) {
            let v = 1.5 * scale;
            if v >= lo && v <= hi {
                bold.push(v);
            }
        }
    }
    bold.sort_by(f64::total_cmp);
    (bold, light)
}

/// The horizontal offset of series `i` of `n` in a points-only chart, so
/// error bars of variants at the same x do not hide each other.
fn dodge(i: usize, n: usize, gap: f64) -> f64 {
    if n < 2 {
        return 0.0;
    }
    let spread = (gap * 0.12 * (n - 1) as f64).min(gap * 0.3);
    -spread / 2.0 + spread * i as f64 / (n - 1) as f64
}

/// An axis with the ticks this file chooses: linear or logarithmic, its
/// labelled ("bold") tick values and its light grid values. One type for
/// both scales, so the drawing code is written once.
#[derive(Clone, Debug)]
struct Axis {
    range: std::ops::Range<f64>,
    log: bool,
    bold: Vec<f64>,
    light: Vec<f64>,
}

impl Axis {
    fn linear(range: std::ops::Range<f64>, bold: Vec<f64>) -> Axis {
        Axis {
            range,
            log: false,
            bold,
            light: Vec::new(),
        }
    }

    fn to_linear(&self, v: f64) -> f64 {
        if self.log {
            v.max(f64::MIN_POSITIVE).ln()
        } else {
            v
        }
    }
}

impl Ranged for Axis {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let (a, b) = (
            self.to_linear(self.range.start),
            self.to_linear(self.range.end),
        );
        if a == b {
            return (limit.1 - limit.0) / 2;
        }
        let t = (self.to_linear(*value) - a) / (b - a);
        let length = f64::from(limit.1 - limit.0);
        if !t.is_finite() {
            return if t > 0.0 { limit.1 } else { limit.0 };
        }
        // As plotters maps its own f64 axes.
        limit.0 + (length * t + 1e-3).floor() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.light.clone()
        } else {
            self.bold.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.range.clone()
    }
}

/// Draws the chart as SVG text. The y axis is logarithmic when every mean
/// is positive and the values span more than a factor of 20 (a saturated
/// variant next to a healthy one would otherwise flatten every other
/// series), linear otherwise.
pub fn svg(chart: &Chart) -> Result<String> {
    let points = || chart.series.iter().flat_map(|s| s.points.iter());
    let values = || {
        points()
            .flat_map(|p| {
                let (lo, hi) = p.ci.unwrap_or((p.y, p.y));
                [p.y, lo, hi]
            })
            .chain(chart.references.iter().map(|r| r.y))
            .filter(|y| y.is_finite())
    };
    let (mut y_min, mut y_max) = values()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| {
            (lo.min(y), hi.max(y))
        });
    if !y_min.is_finite() {
        (y_min, y_max) = (0.0, 1.0);
    }
    // The x range: ticks and points, with room for markers and dodging.
    let mut xs: Vec<f64> = points()
        .map(|p| p.x)
        .chain(chart.x_ticks.iter().flatten().map(|t| t.0))
        .filter(|x| x.is_finite())
        .collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    let (x_min, x_max) = match (xs.first(), xs.last()) {
        (Some(&a), Some(&b)) => (a, b),
        _ => (0.0, 1.0),
    };
    let gap = xs
        .windows(2)
        .map(|w| w[1] - w[0])
        .fold(f64::INFINITY, f64::min);
    let gap = if gap.is_finite() && gap > 0.0 {
        gap
    } else {
        1.0
    };
    // Categories and counts get half a gap either side; a continuous axis
    // (a line chart, even with its own ticks) 5 % of its span.
    let x_pad = if chart.x_ticks.is_some() && !chart.lines {
        gap * 0.5
    } else if x_max > x_min {
        (x_max - x_min) * 0.05
    } else {
        0.5
    };
    let x_range = (x_min - x_pad)..(x_max + x_pad);
    let x_keys = match &chart.x_ticks {
        Some(t) if t.len() <= 16 => t.iter().map(|t| t.0).collect(),
        _ => RangedCoordf64::from(x_range.clone()).key_points(10),
    };
    let x_axis = Axis::linear(x_range, x_keys);
    let means_min = points()
        .map(|p| p.y)
        .filter(|y| y.is_finite())
        .fold(f64::INFINITY, f64::min);
    let positive_min = values().filter(|y| *y > 0.0).fold(f64::INFINITY, f64::min);
    let log = means_min.is_finite() && means_min > 0.0 && y_max / positive_min > 20.0;
    // Headroom above the data for the legend, so it never hides a point.
    let rows = chart.series.iter().filter(|s| !s.name.is_empty()).count()
        + usize::from(points().any(|p| p.saturated))
        + usize::from(points().any(|p| p.lower_bound));
    let band = if rows == 0 {
        0.0
    } else {
        (f64::from(LEGEND_PAD + LEGEND_ROW * rows as u32) / f64::from(PLOT_HEIGHT)).min(0.6)
    };
    // The top of a range [bottom, top] grown so the band is `band` of it.
    let headroom = |bottom: f64, top: f64| (top - band * bottom) / (1.0 - band);
    let y_axis = if log {
        let (lo, top) = (positive_min / 1.3, y_max * 1.3);
        let hi = headroom(lo.ln(), top.ln()).exp();
        let (bold, light) = log_ticks(lo, top);
        Axis {
            range: lo..hi,
            log: true,
            bold,
            light,
        }
    } else {
        let pad = if y_max > y_min {
            (y_max - y_min) * 0.08
        } else {
            y_max.abs().max(1.0) * 0.1
        };
        let low = if y_min >= 0.0 {
            (y_min - pad).max(0.0)
        } else {
            y_min - pad
        };
        let top = y_max + pad;
        let keys = RangedCoordf64::from(low..top).key_points(10);
        Axis::linear(low..headroom(low, top), keys)
    };

    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let centre = (WIDTH / 2) as i32;
        root.draw(&Text::new(
            chart.title.clone(),
            (centre, 10),
            ("sans-serif", 22)
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .map_err(plot_error)?;
        root.draw(&Text::new(
            chart.subtitle.clone(),
            (centre, 38),
            ("sans-serif", 14)
                .into_font()
                .color(&RGBColor(0x44, 0x44, 0x44))
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .map_err(plot_error)?;
        let (_, area) = root.split_vertically(HEADER);
        let ctx = ChartBuilder::on(&area)
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(76)
            .build_cartesian_2d(x_axis, y_axis)
            .map_err(plot_error)?;
        // Ending at the shade's right edge, just above the plot: a failure
        // that lasts to the end of the run would push a label starting
        // there out of the picture, and inside the plot the legend could
        // cover it.
        for (label, (x, y)) in draw(ctx, chart, gap, log)? {
            root.draw(&Text::new(
                label,
                (x, y - 3),
                ("sans-serif", 12)
                    .into_font()
                    .color(&SATURATED)
                    .pos(Pos::new(HPos::Right, VPos::Bottom)),
            ))
            .map_err(plot_error)?;
        }
        root.present().map_err(plot_error)?;
    }
    Ok(out)
}

fn plot_error<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("cannot draw the chart: {e:?}")
}

/// `p95 response time (ms)` → `p95 response time (ms, log scale)`.
fn log_title(title: &str) -> String {
    match title.strip_suffix(')') {
        Some(head) if head.contains('(') => format!("{head}, log scale)"),
        _ => format!("{title} (log scale)"),
    }
}

/// Draws axes, series, references and the legend. On a logarithmic axis,
/// error bars reaching below its bottom are cut there.
fn draw<'a, 'b: 'a>(
    mut ctx: ChartContext<'a, SVGBackend<'b>, Cartesian2d<Axis, Axis>>,
    chart: &Chart,
    gap: f64,
    log: bool,
) -> Result<Vec<(String, (i32, i32))>> {
    // The shades' labels, with the pixel of each shade's top right corner:
    // the caller writes them above the plot, where the legend never
    // hides them.
    let mut labels = Vec::new();
    let ticks = chart.x_ticks.clone();
    let x_fmt = move |x: &f64| match &ticks {
        Some(t) => t
            .iter()
            .find(|(v, _)| (v - x).abs() < 1e-9)
            .map_or_else(|| number(*x), |(_, label)| label.clone()),
        None => number(*x),
    };
    let y_desc = if log {
        log_title(&chart.y_label)
    } else {
        chart.y_label.clone()
    };
    ctx.configure_mesh()
        .x_desc(chart.x_label.as_str())
        .y_desc(y_desc.as_str())
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&|y: &f64| number(*y))
        .axis_desc_style(("sans-serif", 16))
        .label_style(("sans-serif", 13))
        .bold_line_style(RGBColor(0xDD, 0xDD, 0xDD))
        .light_line_style(RGBColor(0xF0, 0xF0, 0xF0))
        .draw()
        .map_err(plot_error)?;
    let n = chart.series.len();
    let floor = if log {
        ctx.y_range().start
    } else {
        f64::NEG_INFINITY
    };
    let (y0, y1) = (ctx.y_range().start, ctx.y_range().end);
    for sh in &chart.shaded {
        ctx.draw_series(std::iter::once(Rectangle::new(
            [(sh.from, y0), (sh.to, y1)],
            SHADE.filled(),
        )))
        .map_err(plot_error)?;
        labels.push((sh.label.clone(), ctx.backend_coord(&(sh.to, y1))));
    }
    // A long timeline is drawn as lines alone: markers and error bars
    // would hide each other.
    let dense = chart.lines && chart.series.iter().any(|s| s.points.len() > DENSE_POINTS);
    for (i, s) in chart.series.iter().enumerate() {
        let colour = series_colour(i);
        let dx = if chart.lines { 0.0 } else { dodge(i, n, gap) };
        let points: Vec<Point> = s
            .points
            .iter()
            .filter(|p| p.y.is_finite() && p.y > floor)
            .map(|p| Point { x: p.x + dx, ..*p })
            .collect();
        let anno = if chart.lines {
            // A window that measured nothing breaks the line: joining its
            // neighbours would draw figures across a gap with none.
            let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
            for p in &s.points {
                if p.y.is_finite() && p.y > floor {
                    runs.last_mut().expect("never empty").push((p.x + dx, p.y));
                } else if !runs.last().expect("never empty").is_empty() {
                    runs.push(Vec::new());
                }
            }
            for run in runs.iter().skip(1) {
                ctx.draw_series(LineSeries::new(run.iter().copied(), colour.stroke_width(2)))
                    .map_err(plot_error)?;
            }
            let first = runs.swap_remove(0);
            ctx.draw_series(LineSeries::new(first, colour.stroke_width(2)))
                .map_err(plot_error)?
        } else {
            ctx.draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
                .map_err(plot_error)?
        };
        if chart.lines {
            anno.label(s.name.as_str()).legend(move |(x, y)| {
                Rectangle::new([(x, y - 2), (x + 14, y + 2)], colour.filled())
            });
        } else {
            anno.label(s.name.as_str())
                .legend(move |(x, y)| Circle::new((x + 7, y), 4, colour.filled()));
        }
        if dense {
            continue;
        }
        // Error bars with caps.
        let bars: Vec<(f64, f64, f64)> = s
            .points
            .iter()
            // A lower bound has no interval worth drawing.
            .filter(|p| !p.lower_bound)
            .filter_map(|p| {
                let (lo, hi) = p.ci?;
                (lo.is_finite() && hi.is_finite() && hi > floor).then_some((
                    p.x + dx,
                    lo.max(floor),
                    hi,
                ))
            })
            .collect();
        ctx.draw_series(
            bars.iter().map(|&(x, lo, hi)| {
                PathElement::new(vec![(x, lo), (x, hi)], colour.stroke_width(2))
            }),
        )
        .map_err(plot_error)?;
        ctx.draw_series(bars.iter().flat_map(|&(x, lo, hi)| {
            let cap = move |y: f64| {
                EmptyElement::at((x, y))
                    + PathElement::new(vec![(-5, 0), (5, 0)], colour.stroke_width(2))
            };
            let mut caps = vec![cap(hi)];
            if lo > floor {
                caps.push(cap(lo));
            }
            caps
        }))
        .map_err(plot_error)?;
        // Markers: filled, hollow in a red ring when saturated, an open
        // triangle for a lower bound.
        ctx.draw_series(
            points
                .iter()
                .filter(|p| !p.saturated && !p.lower_bound)
                .map(|p| Circle::new((p.x, p.y), 4, colour.filled())),
        )
        .map_err(plot_error)?;
        ctx.draw_series(
            points
                .iter()
                .filter(|p| p.lower_bound && !p.saturated)
                .map(|p| {
                    EmptyElement::at((p.x, p.y))
                        + Polygon::new(UP_TRIANGLE.to_vec(), WHITE.filled())
                        + PathElement::new(UP_TRIANGLE_OUTLINE.to_vec(), colour.stroke_width(2))
                }),
        )
        .map_err(plot_error)?;
        ctx.draw_series(points.iter().filter(|p| p.saturated).map(|p| {
            EmptyElement::at((p.x, p.y))
                + Circle::new((0, 0), 5, WHITE.filled())
                + Circle::new((0, 0), 5, colour.stroke_width(2))
                + Circle::new((0, 0), 9, SATURATED.stroke_width(2))
        }))
        .map_err(plot_error)?;
    }
    let any_point = |f: fn(&Point) -> bool| chart.series.iter().any(|s| s.points.iter().any(f));
    if !dense && any_point(|p| p.lower_bound) {
        ctx.draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
            .map_err(plot_error)?
            .label("at least (cut at the client timeout)")
            .legend(|(x, y)| {
                EmptyElement::at((x + 7, y))
                    + Polygon::new(UP_TRIANGLE.to_vec(), WHITE.filled())
                    + PathElement::new(UP_TRIANGLE_OUTLINE.to_vec(), BLACK.stroke_width(1))
            });
    }
    if any_point(|p| p.saturated) {
        ctx.draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
            .map_err(plot_error)?
            .label("saturated (backlog grew; latencies cover only the requests that got through)")
            .legend(|(x, y)| {
                EmptyElement::at((x + 7, y))
                    + Circle::new((0, 0), 4, WHITE.filled())
                    + Circle::new((0, 0), 4, BLACK.stroke_width(1))
                    + Circle::new((0, 0), 7, SATURATED.stroke_width(2))
            });
    }
    let (x0, x1) = (ctx.x_range().start, ctx.x_range().end);
    for r in &chart.references {
        if !r.y.is_finite() || r.y <= floor {
            continue;
        }
        let (a, b) = r.span.unwrap_or((x0, x1));
        ctx.draw_series(std::iter::once(plotters::element::DashedPathElement::new(
            vec![(a, r.y), (b, r.y)],
            6,
            4,
            REFERENCE.stroke_width(2),
        )))
        .map_err(plot_error)?;
        ctx.draw_series(std::iter::once(Text::new(
            r.label.clone(),
            (b, r.y),
            ("sans-serif", 13)
                .into_font()
                .color(&REFERENCE)
                .pos(Pos::new(HPos::Right, VPos::Bottom)),
        )))
        .map_err(plot_error)?;
    }
    if chart.series.iter().any(|s| !s.name.is_empty()) {
        ctx.configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(RGBColor(0x99, 0x99, 0x99))
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(plot_error)?;
    }
    Ok(labels)
}

/// A tick label: integers without decimals, others with up to 3
/// significant decimals.
pub fn number(x: f64) -> String {
    let s = if (x == x.round() && x.abs() < 1e12) || x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 1.0 {
        let s = format!("{x:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        let s = format!("{x:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    };
    // A tick a rounding error below zero prints as 0, never -0.
    if s == "-0" { "0".to_owned() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(values: &[f64], lines: bool) -> Chart {
        Chart {
            title: "p95".into(),
            subtitle: "2 replications".into(),
            x_label: "front-ends".into(),
            y_label: "p95 response time (ms)".into(),
            x_ticks: None,
            lines,
            series: vec![
                Series {
                    name: "a".into(),
                    points: values
                        .iter()
                        .enumerate()
                        .map(|(i, &y)| Point {
                            x: i as f64 + 1.0,
                            y,
                            ci: Some((y * 0.9, y * 1.1)),
                            saturated: i == 0,
                            lower_bound: false,
                        })
                        .collect(),
                },
                Series {
                    name: "b".into(),
                    points: vec![Point {
                        x: 1.0,
                        y: 5.0,
                        ci: None,
                        saturated: false,
                        lower_bound: false,
                    }],
                },
            ],
            references: vec![Reference {
                label: "SLO 10 ms".into(),
                y: 10.0,
                span: None,
            }],
            shaded: Vec::new(),
        }
    }

    fn hex(c: RGBColor) -> String {
        let RGBColor(r, g, b) = c;
        format!("#{r:02X}{g:02X}{b:02X}")
    }

    /// The texts of an SVG's `<text>` elements, trimmed.
    fn texts(svg: &str) -> Vec<String> {
        let doc = roxmltree::Document::parse(svg).unwrap();
        doc.descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| n.text().unwrap_or("").trim().to_owned())
            .collect()
    }

    #[test]
    fn draws_text_and_one_colour_per_series() {
        for values in [&[10.0, 20.0, 30.0][..], &[4000.0, 30.0, 25.0][..]] {
            for lines in [true, false] {
                let s = svg(&chart(values, lines)).unwrap();
                assert!(s.starts_with("<svg"), "{}", &s[..40]);
                roxmltree::Document::parse(&s).expect("well-formed");
                assert!(s.contains("front-ends"));
                for i in 0..2 {
                    assert!(s.contains(&hex(series_colour(i))), "no series {i}");
                }
                assert!(s.contains(&hex(REFERENCE)), "no reference line");
                assert!(s.contains(&hex(SATURATED)), "no saturation ring");
                let t = texts(&s);
                assert!(t.iter().any(|t| t.starts_with("saturated")), "{t:?}");
                assert!(t.iter().any(|t| t == "SLO 10 ms"), "{t:?}");
            }
        }
    }

    #[test]
    fn empty_chart_still_draws() {
        let s = svg(&Chart::default()).unwrap();
        assert!(s.contains("</svg>"));
    }

    #[test]
    fn text_is_escaped() {
        let mut c = chart(&[1.0, 2.0], false);
        c.title = "a <b> & \"c\"".into();
        c.series[0].name = "<portal>".into();
        let s = svg(&c).unwrap();
        let t = texts(&s);
        assert!(t.contains(&"a <b> & \"c\"".to_owned()), "{t:?}");
        assert!(t.contains(&"<portal>".to_owned()), "{t:?}");
    }

    #[test]
    fn axis_kinds() {
        let a = x_axis("front_ends", &["1".into(), "3".into()]);
        assert_eq!(a.xs, vec![1.0, 3.0]);
        assert!(!a.continuous);
        assert_eq!(
            a.ticks.unwrap(),
            vec![(1.0, "1".to_owned()), (3.0, "3".to_owned())]
        );
        assert_eq!(a.label, "front-ends");
        let a = x_axis("timeout", &["100ms".into(), "2s".into()]);
        assert_eq!((a.label.as_str(), a.xs), ("timeout (s)", vec![0.1, 2.0]));
        assert!(a.continuous && a.ticks.is_none());
        let a = x_axis("traffic.portal.rate", &["50.5".into(), "100".into()]);
        assert_eq!(a.label, "portal arrival rate (req/s)");
        assert!(a.continuous);
        let a = x_axis("database.on_failover", &["fail".into(), "wait".into()]);
        assert_eq!(a.xs, vec![0.0, 1.0]);
        assert!(!a.continuous);
        assert_eq!(a.ticks.unwrap()[1], (1.0, "wait".to_owned()));
        assert_eq!(a.label, "database on failover");
    }

    #[test]
    fn key_titles_read_as_words() {
        assert_eq!(key_title("front_ends"), "front-ends");
        assert_eq!(
            key_title("zones.public.front_ends"),
            "zone public front-ends"
        );
        assert_eq!(key_title("database.cores"), "database cores");
        assert_eq!(key_title("front_end.iis_workers"), "front-end IIS workers");
    }

    #[test]
    fn log_axis_labels_enough_ticks_to_read_a_value() {
        // Three decades and more: 1-2-5 steps.
        let (bold, light) = log_ticks(20.0, 50000.0);
        assert_eq!(
            bold,
            vec![
                20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10000.0, 20000.0, 50000.0
            ]
        );
        assert!(light.contains(&30.0) && light.contains(&3000.0));
        // Two decades and a half: 1-2-3-5.
        let (bold, _) = log_ticks(20.0, 5000.0);
        assert!(bold.contains(&30.0) && bold.contains(&300.0), "{bold:?}");
        // Under two decades: finer.
        let (bold, _) = log_ticks(40.0, 1500.0);
        assert!(bold.len() >= 6, "{bold:?}");
        // Every span a log axis is used for (a factor of 20 or more) gets
        // at least 4 labelled ticks.
        for (lo, hi) in [(1.0, 20.0), (7.0, 150.0), (0.3, 9.0), (95.0, 1900.0)] {
            let (bold, _) = log_ticks(lo, hi);
            assert!(bold.len() >= 4, "{lo}..{hi}: {bold:?}");
        }
        // And the chart shows them.
        let s = svg(&chart(&[4000.0, 30.0, 25.0], false)).unwrap();
        let t = texts(&s);
        for label in ["20", "50", "100", "200", "500", "1000", "2000"] {
            assert!(t.iter().any(|x| x == label), "no tick {label} in {t:?}");
        }
        assert!(t.iter().any(|x| x.contains("(ms, log scale)")), "{t:?}");
    }

    #[test]
    fn plot_figures_parse_by_name() {
        for f in PlotFigure::ALL {
            assert_eq!(f.name().parse::<PlotFigure>().unwrap(), f);
        }
        let err = "p50".parse::<PlotFigure>().unwrap_err();
        assert!(err.contains("error_rate"), "{err}");
        assert_eq!(PlotFigure::default(), PlotFigure::P95);
        assert_eq!(PlotFigure::P95.axis_title(), "p95 response time (ms)");
        assert_eq!(PlotFigure::ErrorRate.axis_title(), "error rate (%)");
    }

    #[test]
    fn tick_labels_are_short() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(2.5), "2.5");
        assert_eq!(number(0.125), "0.125");
        assert_eq!(number(1234.56), "1235");
        assert_eq!(number(-0.0), "0");
        assert_eq!(number(-0.0004), "0");
    }

    /// The labels of `clock_ticks`, checking on the way that every tick
    /// lies in the range and sits at its label's clock time.
    fn clock_labels(clock: f64, from: f64, to: f64) -> Vec<String> {
        let ticks = clock_ticks(clock, from, to);
        for (x, label) in &ticks {
            assert!(
                (from - 1e-6..=to + 1e-6).contains(x),
                "{label} at {x} outside [{from}, {to}]"
            );
            let hhmm = label.rsplit(' ').next().unwrap();
            if hhmm.contains(':') {
                assert_eq!(time_of_day(clock + x), hhmm, "tick at {x}");
            }
        }
        assert!(ticks.len() <= CLOCK_TICKS, "{ticks:?}");
        ticks.into_iter().map(|(_, l)| l).collect()
    }

    #[test]
    fn clock_ticks_use_round_steps_for_the_span() {
        // One hour from 08:00: every 5 minutes.
        let hour = clock_labels(8.0 * 3600.0, 0.0, 3600.0);
        assert_eq!(hour.len(), 13);
        assert_eq!(
            (hour[0].as_str(), hour[1].as_str(), hour[12].as_str()),
            ("08:00", "08:05", "09:00")
        );
        // Two hours after a 10-minute warm-up: every 10 minutes.
        let two = clock_labels(8.0 * 3600.0, 600.0, 600.0 + 7200.0);
        assert_eq!(&two[..3], ["08:10", "08:20", "08:30"]);
        // Three hours: every 15 minutes.
        let three = clock_labels(9.0 * 3600.0, 0.0, 3.0 * 3600.0);
        assert_eq!(&three[..3], ["09:00", "09:15", "09:30"]);
        // Twelve hours: whole hours.
        let day = clock_labels(7.0 * 3600.0, 0.0, 12.0 * 3600.0);
        assert_eq!(day.len(), 13);
        assert_eq!((day[0].as_str(), day[12].as_str()), ("07:00", "19:00"));
        // An odd start: ticks on round clock times, not at the start.
        let odd = clock_ticks(8.0 * 3600.0 + 420.0, 0.0, 3600.0);
        assert_eq!(odd[0], (180.0, "08:10".to_owned()));
        assert_eq!(odd.last().unwrap().1, "09:05");
        // Seconds for a run of a minute.
        let minute = clock_labels(0.0, 0.0, 60.0);
        assert_eq!(&minute[..2], ["00:00", "00:00:05"]);
        // Nothing to label.
        assert!(clock_ticks(0.0, 10.0, 10.0).is_empty());
        assert!(clock_ticks(0.0, f64::NAN, 10.0).is_empty());
    }

    #[test]
    fn clock_ticks_wrap_at_midnight_and_mark_the_day() {
        // A day from 06:00: every two hours, 24:00 is day 2's 00:00.
        let day = clock_labels(6.0 * 3600.0, 0.0, 86400.0);
        assert_eq!(
            day,
            [
                "06:00",
                "08:00",
                "10:00",
                "12:00",
                "14:00",
                "16:00",
                "18:00",
                "20:00",
                "22:00",
                "day 2 00:00",
                "02:00",
                "04:00",
                "06:00"
            ]
        );
        // Four hours across midnight: half hours, the day marked once.
        let night = clock_labels(22.5 * 3600.0, 0.0, 4.0 * 3600.0);
        assert_eq!(&night[..4], ["22:30", "23:00", "23:30", "day 2 00:00"]);
        assert_eq!(night.iter().filter(|l| l.starts_with("day")).count(), 1);
        assert_eq!(night.last().unwrap(), "02:30");
        // Within one day: no day marker, even ending at 23:00.
        let within = clock_labels(0.0, 0.0, 23.0 * 3600.0);
        assert!(within.iter().all(|l| !l.starts_with("day")), "{within:?}");
        // A week: one tick a day, by day.
        let week = clock_labels(0.0, 0.0, 7.0 * 86400.0);
        assert_eq!(week.len(), 8);
        assert_eq!((week[0].as_str(), week[7].as_str()), ("day 1", "day 8"));
        // A month from 01:00: every five days, at midnight.
        let month = clock_ticks(3600.0, 0.0, 30.0 * 86400.0);
        assert_eq!(month.len(), 6, "{month:?}");
        assert_eq!(month[0], (5.0 * 86400.0 - 3600.0, "day 6".to_owned()));
        assert!(month.iter().all(|(x, _)| (x + 3600.0) % 86400.0 == 0.0));
    }
}
