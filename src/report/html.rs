//! `--html FILE`: one self-contained page a planner attaches to a decision.
//!
//! Why this file exists: the terminal report scrolls away and the CSV and
//! SVG files say nothing on their own about the question they answer. The
//! page keeps them together: the question (the command line as typed and
//! the scenario), how it was run (seed, replications, duration, warm-up,
//! the scenario's fingerprint, the o11sim version), the verdicts first
//! (SLOs met or missed, saturated classes, the sizing answer, the first
//! team size missing the publish target), then the tables with their
//! confidence intervals, the bottleneck lines (the terminal report's, from
//! the same function), the charts, the paired differences, and the
//! scenario text after overrides in a collapsible block.
//!
//! The page is one file that fetches nothing: no script, no web font, no
//! external style sheet or image; the charts are inline SVG from
//! [`super::svg`]. Its CSS prints on A4 or Letter (page margins, no
//! breaks inside a chart or a table row, no dark backgrounds). Every text
//! that comes from the user or the scenario goes through [`escape`].
//!
//! Like every exporter, the page is a pure function of the result (and of
//! the command line and scenario text it is given): no date, no host name,
//! so the same run gives the same bytes.

use std::fmt::Write as _;

use anyhow::Result;

use super::Export;
use super::svg::{self, Chart, PlotFigure};
use super::text::{
    BOTTLENECK_HEADING, FAILURE_COST_COLUMNS, FAILURE_DIFFERENCE_COLUMNS, PEAK_HEADER,
    bottleneck_lines, censored_cell, clock, count_cell, count_difference_cell, describe,
    error_peak_lines, figure_cell, figure_label, joint_verdict, layout_name, limit_advice,
    limit_reason, overlap_note, paired_cell, pct, pct_ci, peak_rows, peak_what, period_p95_cell,
    random_failures_note, recovery_cell, recovery_difference_cell, secs, slo_amount,
    slo_outcome_parts, tags, unmeasured_note, variant_bottleneck_lines, warmup_advice, with_ci,
};
use crate::dist::format_duration;
use crate::experiment::failure_cost::FailureCostSummary;
use crate::experiment::result::{
    Answer, Comparison, Difference, Layout, Measure, RunReport, RunSettings, Sizing, TeamGrowth,
    VariantResult,
};
use crate::experiment::summary::{Figure, SloVerdict, upper};
use crate::experiment::{CommandResult, Summary};
use crate::model::spec::Slo;

/// The HTML page of a result.
#[derive(Clone, Debug, Default)]
pub struct Html {
    /// The command line as the user typed it (shell-quoted where needed).
    pub command_line: String,
    /// The scenario text after the user's overrides.
    pub scenario_text: String,
    /// The figure of the main chart (`--plot-figure`).
    pub figure: PlotFigure,
}

impl Export for Html {
    fn write(&self, result: &CommandResult, out: &mut dyn std::io::Write) -> Result<()> {
        out.write_all(self.page(result)?.as_bytes())?;
        Ok(())
    }
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The charts a result's page shows, in order: for `run`, `compare` and
/// `sweep` the chosen figure and, unless that is utilization, the CPUs'
/// utilization (for a `run` with a timeline, then its p95 and error rate
/// over time); for `size` one chart per zone sized; for `team` the chosen
/// figure of the publishes and the controller's CPU.
pub fn charts(result: &CommandResult, figure: PlotFigure) -> Vec<Chart> {
    let with_cpu = |f: &dyn Fn(PlotFigure) -> Chart| {
        let mut v = vec![f(figure)];
        if figure != PlotFigure::Utilization {
            v.push(f(PlotFigure::Utilization));
        }
        v
    };
    match result {
        CommandResult::Run(r) => {
            let mut v = with_cpu(&|f| svg::run_chart(r, f));
            v.extend(svg::timeline_charts(r).into_iter().flatten());
            v
        }
        CommandResult::Compare(c) | CommandResult::Sweep(c) => {
            with_cpu(&|f| svg::comparison_chart(c, f))
        }
        CommandResult::Size(s) => svg::sizing_charts(s),
        CommandResult::Team(t) => with_cpu(&|f| svg::team_chart(t, f)),
    }
}

// ---- building blocks ----------------------------------------------------------

/// A table cell: its text (escaped when written) and an optional CSS class.
struct Cell {
    text: String,
    class: &'static str,
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell { text, class: "" }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell {
            text: text.to_owned(),
            class: "",
        }
    }
}

fn marked(text: impl Into<String>, class: &'static str) -> Cell {
    Cell {
        text: text.into(),
        class,
    }
}

/// A table whose first `left` columns are text (aligned left), the others
/// figures (aligned right).
struct Table {
    head: Vec<String>,
    left: usize,
    rows: Vec<Vec<Cell>>,
}

impl Table {
    fn new(head: Vec<String>, left: usize) -> Table {
        Table {
            head,
            left,
            rows: Vec::new(),
        }
    }

    fn write(&self, out: &mut String) {
        out.push_str("<div class=\"wide\"><table>\n<thead><tr>");
        for (i, h) in self.head.iter().enumerate() {
            let class = if i < self.left { " class=\"l\"" } else { "" };
            let _ = write!(out, "<th{class}>{}</th>", escape(h));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for row in &self.rows {
            out.push_str("<tr>");
            for (i, c) in row.iter().enumerate() {
                let classes: Vec<&str> = [if i < self.left { "l" } else { "" }, c.class]
                    .into_iter()
                    .filter(|c| !c.is_empty())
                    .collect();
                if classes.is_empty() {
                    let _ = write!(out, "<td>{}</td>", escape(&c.text));
                } else {
                    let _ = write!(
                        out,
                        "<td class=\"{}\">{}</td>",
                        classes.join(" "),
                        escape(&c.text)
                    );
                }
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody></table></div>\n");
    }
}

/// One verdict: a sentence, and whether it is good news, bad news or
/// neither (its CSS class: `met`, `missed` or none).
struct Verdict {
    class: &'static str,
    html: String,
}

fn verdict(class: &'static str, text: &str) -> Verdict {
    Verdict {
        class,
        html: escape(text),
    }
}

fn write_verdicts(out: &mut String, verdicts: &[Verdict]) {
    out.push_str("<ul class=\"verdicts\">\n");
    for v in verdicts {
        if v.class.is_empty() {
            let _ = writeln!(out, "<li>{}</li>", v.html);
        } else {
            let _ = writeln!(out, "<li class=\"{}\">{}</li>", v.class, v.html);
        }
    }
    out.push_str("</ul>\n");
}

/// `≤ 800 ms` for an SLO limit in seconds, `≤ 0.10%` for errors.
fn limit_text(slo: Slo, limit: f64) -> String {
    format!("\u{2264} {}", slo_amount(slo, limit))
}

// ---- verdicts ---------------------------------------------------------------

/// Each SLO of a summary: met or missed, with the estimate and its upper
/// bound; then its saturated traffic classes, or that there are none.
fn summary_verdicts(s: &Summary, prefix: &str) -> Vec<Verdict> {
    let mut out = Vec::new();
    for c in &s.classes {
        for check in &c.slos {
            let (what, limit) = describe(check.slo);
            let (word, rest) = slo_outcome_parts(c, check);
            out.push(Verdict {
                class: if check.met { "met" } else { "missed" },
                html: format!(
                    "{}SLO {} {what} {}: <strong>{}</strong>{}",
                    escape(prefix),
                    escape(&c.name),
                    escape(&limit_text(check.slo, limit)),
                    escape(&word.to_lowercase()),
                    escape(&rest)
                ),
            });
        }
    }
    let rejecting: Vec<String> = s
        .classes
        .iter()
        .filter(|c| c.rejecting)
        .map(|c| format!("{}{}", c.name, tags(c).replace(" [SATURATED]", "")))
        .collect();
    if !rejecting.is_empty() {
        out.push(Verdict {
            class: "missed",
            html: format!(
                "{}<strong>rejecting</strong>: {} (more than 5% of requests turned away with 503; latencies describe only the requests that got in)",
                escape(prefix),
                escape(&rejecting.join(", "))
            ),
        });
    }
    let saturated: Vec<&str> = s
        .classes
        .iter()
        .filter(|c| c.saturated && !c.is_timer())
        .map(|c| c.name.as_str())
        .collect();
    if saturated.is_empty() {
        out.push(verdict("", &format!("{prefix}no class is saturated")));
    } else {
        out.push(Verdict {
            class: "missed",
            html: format!(
                "{}<strong>saturated</strong>: {} (the backlog grew through the run, or most requests timed out; latencies describe only the requests that got through)",
                escape(prefix),
                escape(&saturated.join(", "))
            ),
        });
    }
    out
}

fn run_verdicts(r: &RunReport) -> Vec<Verdict> {
    let s = &r.variant.summary;
    let mut out = Vec::new();
    if s.classes.iter().all(|c| c.slos.is_empty()) {
        out.push(verdict(
            "",
            "no SLO is set in the scenario (a traffic class takes slo = { p95 = \"800ms\" })",
        ));
    }
    out.extend(summary_verdicts(s, ""));
    out
}

/// Whether a variant meets every SLO it has and no class is saturated.
fn healthy(v: &VariantResult) -> bool {
    v.summary
        .classes
        .iter()
        .all(|c| c.slos.iter().all(|k| k.met) && (!c.saturated || c.is_timer()))
}

fn comparison_verdicts(c: &Comparison) -> Vec<Verdict> {
    let mut out = Vec::new();
    let any_slo = c
        .variants
        .iter()
        .any(|v| v.summary.classes.iter().any(|c| !c.slos.is_empty()));
    let good: Vec<&str> = c
        .variants
        .iter()
        .filter(|v| healthy(v))
        .map(|v| v.name.as_str())
        .collect();
    let what = if any_slo {
        "every SLO met and no class saturated"
    } else {
        "no class saturated (the scenario sets no SLO)"
    };
    out.push(if good.is_empty() {
        Verdict {
            class: "missed",
            html: format!("<strong>no variant</strong> has {}", escape(what)),
        }
    } else {
        Verdict {
            class: "met",
            html: format!(
                "{what}: <strong>{}</strong>",
                escape(&good.join(", ")),
                what = escape(&capitalized(what))
            ),
        }
    });
    for v in &c.variants {
        out.extend(summary_verdicts(&v.summary, &format!("{}: ", v.name)));
    }
    out
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn sizing_verdicts(s: &Sizing) -> Vec<Verdict> {
    let mut out = Vec::new();
    let down = if s.spare > 0 {
        format!(" with {} down", s.spare)
    } else {
        String::new()
    };
    for z in s.final_zones() {
        out.push(match z.answer {
            Answer::Found {
                front_ends,
                running,
            } => Verdict {
                class: "met",
                html: format!(
                    "<strong class=\"answer\">{} = {front_ends}</strong>: the smallest count whose {running} running front-end(s) meet every SLO{}{}",
                    escape(&z.key),
                    escape(&down),
                    match running - 1 {
                        0 => String::new(),
                        1 => "; 1 does not".to_owned(),
                        k => format!("; {k} do not"),
                    }
                ),
            },
            Answer::NoObjective { front_ends } => Verdict {
                class: "",
                html: format!(
                    "<strong class=\"answer\">{} = {front_ends}</strong>: no SLO applies to its classes; kept at its count in the scenario",
                    escape(&z.key)
                ),
            },
            Answer::NotFound => Verdict {
                class: "missed",
                html: format!(
                    "<strong>no count of {} up to --max-front-ends {} meets every SLO{}</strong>{}",
                    escape(&z.key),
                    s.max_front_ends,
                    escape(&down),
                    limit_reason(s, z)
                        .map(|r| format!(": {}", escape(&r)))
                        .unwrap_or_default()
                ),
            },
        });
        if z.answer == Answer::NotFound
            && let Some(advice) = limit_advice(s, z)
        {
            out.push(verdict("", &advice));
        }
    }
    if let Some((met, line)) = joint_verdict(s) {
        out.push(verdict(if met { "met" } else { "missed" }, &line));
    }
    for o in &s.objectives {
        let (what, limit) = describe(o.slo);
        out.push(verdict(
            "",
            &format!("objective: {} {what} {}", o.class, limit_text(o.slo, limit)),
        ));
    }
    out.push(verdict(
        "",
        "a count meets the SLOs when the upper end of each figure's 95% CI is within its limit and the figure can be judged: some request completed in every replication, the class is not saturated, not rejecting more than 5% without an errors objective, and the percentile is not cut at the client timeout",
    ));
    out
}

fn team_verdicts(t: &TeamGrowth) -> Vec<Verdict> {
    let target = format_duration(t.publish_target);
    let mut out = Vec::new();
    for (l, layout) in Layout::ALL.iter().enumerate() {
        let shown = layout_name(*layout);
        let miss = t.first_miss[l].and_then(|n| t.point(n, *layout));
        out.push(match miss {
            Some(p) if p.none_completed => Verdict {
                class: "missed",
                html: format!(
                    "{}: publish p95 <strong>not met</strong> at <strong>{} developers</strong>: no publish completed",
                    escape(shown),
                    p.developers
                ),
            },
            Some(p) => Verdict {
                class: "missed",
                html: format!(
                    "{}: publish p95 <strong>first misses</strong> the {} target at <strong>{} developers</strong> ({:.0} s, upper 95% bound {:.0} s)",
                    escape(shown),
                    escape(&target),
                    p.developers,
                    p.publish_p95.mean,
                    upper(&p.publish_p95),
                ),
            },
            None => Verdict {
                class: "met",
                html: format!(
                    "{}: publish p95 <strong>meets</strong> the {} target at every team size tried (up to {} developers)",
                    escape(shown),
                    escape(&target),
                    t.developers.iter().max().copied().unwrap_or(0)
                ),
            },
        });
    }
    out
}

// ---- tables -------------------------------------------------------------------

/// The class figures of `variants`, each with its 95 % CI; a variant
/// column when there are several.
fn class_table(variants: &[&VariantResult]) -> Table {
    let several = variants.len() > 1;
    let mut head: Vec<String> = Vec::new();
    if several {
        head.push("variant".into());
    }
    head.push("class".into());
    head.extend(Figure::ALL.iter().map(|f| figure_label(*f).to_owned()));
    head.push("saturated".into());
    head.push("rejecting".into());
    head.push("unanswered".into());
    let mut t = Table::new(head, if several { 2 } else { 1 });
    for v in variants {
        for c in &v.summary.classes {
            let mut row: Vec<Cell> = Vec::new();
            if several {
                row.push(v.name.as_str().into());
            }
            row.push(c.name.as_str().into());
            row.extend(Figure::ALL.iter().map(|f| match censored_cell(c, *f) {
                Some(text) => marked(text, "missed"),
                None => Cell::from(figure_cell(*f, &f.estimate(c))),
            }));
            row.push(if c.saturated {
                marked("saturated", "missed")
            } else {
                "no".into()
            });
            row.push(if c.rejecting {
                marked(format!("rejecting {}", pct(c.rejected_rate.mean)), "missed")
            } else {
                "no".into()
            });
            row.push(pct_ci(&c.unanswered_rate).into());
            t.rows.push(row);
        }
    }
    t
}

/// The resources of `variants`: utilization with its CI, mean queue.
fn resource_table(variants: &[&VariantResult]) -> Table {
    let several = variants.len() > 1;
    let mut head: Vec<String> = Vec::new();
    if several {
        head.push("variant".into());
    }
    head.extend(["resource".into(), "utilization".into(), "mean queue".into()]);
    let mut t = Table::new(head, if several { 2 } else { 1 });
    for v in variants {
        for r in &v.summary.resources {
            let mut row: Vec<Cell> = Vec::new();
            if several {
                row.push(v.name.as_str().into());
            }
            row.push(r.name.as_str().into());
            row.push(pct_ci(&r.utilization).into());
            row.push(format!("{:.3}", r.mean_queue.mean).into());
            t.rows.push(row);
        }
    }
    t
}

/// Each SQL Server instance's availability and failovers per
/// replication, as the terminal report gives them; `None` when no instance
/// of any variant was ever unavailable.
fn database_table(variants: &[&VariantResult]) -> Option<Table> {
    if !variants.iter().any(|v| v.summary.had_database_outage()) {
        return None;
    }
    let several = variants.len() > 1;
    let mut head: Vec<String> = Vec::new();
    if several {
        head.push("variant".into());
    }
    head.extend([
        "database".into(),
        "availability".into(),
        "failovers / replication".into(),
    ]);
    let mut t = Table::new(head, if several { 2 } else { 1 });
    for v in variants {
        for d in &v.summary.databases {
            let mut row: Vec<Cell> = Vec::new();
            if several {
                row.push(v.name.as_str().into());
            }
            row.push(d.name.as_str().into());
            row.push(with_ci(&d.availability, |x| format!("{:.3}", 100.0 * x), "%").into());
            row.push(with_ci(&d.failovers, |x| format!("{x:.2}"), "").into());
            t.rows.push(row);
        }
    }
    Some(t)
}

/// Each traffic class's peak window (the window with the highest p95) in
/// each variant of a profiled scenario, as the terminal report gives it,
/// with the heading's name for it (`Peak hour` for one-hour windows);
/// `None` when no variant has peaks.
fn peak_table(variants: &[&VariantResult]) -> Option<(String, Table)> {
    let what = variants.iter().find_map(|v| {
        v.summary
            .timeline
            .as_ref()
            .filter(|t| !t.peaks.is_empty())
            .map(peak_what)
    })?;
    let several = variants.len() > 1;
    let mut head: Vec<String> = Vec::new();
    if several {
        head.push("variant".into());
    }
    head.extend(PEAK_HEADER.map(String::from));
    let mut t = Table::new(head, if several { 2 } else { 1 });
    for v in variants {
        for cells in peak_rows(&v.summary) {
            let mut row: Vec<Cell> = Vec::new();
            if several {
                row.push(v.name.as_str().into());
            }
            row.extend(cells.into_iter().map(Cell::from));
            t.rows.push(row);
        }
    }
    Some((what, t))
}

/// A scheduled failure as a table cell: `1: front-end main.2 0:35-0:45`
/// (simulated time since the start of the run).
fn failure_label(f: &FailureCostSummary) -> String {
    format!(
        "{}: {} {}-{}",
        f.failure + 1,
        f.target,
        clock(f.start),
        clock(f.end)
    )
}

/// What each scheduled failure costs `variants`: per (variant,) failure
/// and traffic class the errors caused by kind, the p95 before, during
/// and after it, and the recovery time; `None` without a scheduled
/// failure.
fn failure_cost_table(variants: &[&VariantResult]) -> Option<Table> {
    if variants.iter().all(|v| v.summary.failure_costs.is_empty()) {
        return None;
    }
    let several = variants.len() > 1;
    let mut head: Vec<String> = Vec::new();
    if several {
        head.push("variant".into());
    }
    head.extend(
        ["failure", "class"]
            .into_iter()
            .chain(FAILURE_COST_COLUMNS)
            .map(String::from),
    );
    let left = if several { 3 } else { 2 };
    let mut t = Table::new(head, left);
    for v in variants {
        for f in &v.summary.failure_costs {
            let lead = |class: &str| {
                let mut row: Vec<Cell> = Vec::new();
                if several {
                    row.push(v.name.as_str().into());
                }
                row.push(failure_label(f).into());
                row.push(class.into());
                row
            };
            if f.periods.is_none() {
                let mut row = lead("—");
                row.push(marked(
                    "not measured: it starts before the end of the warm-up or after the run",
                    "note",
                ));
                row.extend((0..7).map(|_| Cell::from("")));
                t.rows.push(row);
                continue;
            }
            for c in &f.classes {
                let mut row = lead(&c.class);
                let recovery = recovery_cell(c);
                row.extend([
                    count_cell(&c.errors).into(),
                    count_cell(&c.failed).into(),
                    count_cell(&c.timed_out).into(),
                    count_cell(&c.rejected).into(),
                    period_p95_cell(&v.summary, c, 0).into(),
                    period_p95_cell(&v.summary, c, 1).into(),
                    period_p95_cell(&v.summary, c, 2).into(),
                    if c.recovery_censored > 0 {
                        marked(recovery, "missed")
                    } else {
                        recovery.into()
                    },
                ]);
                t.rows.push(row);
            }
        }
    }
    Some(t)
}

/// What each scheduled failure costs every variant minus what it costs the
/// first: paired differences of the errors caused and of the recovery
/// time; `None` without any.
fn failure_difference_table(c: &Comparison) -> Option<Table> {
    if c.failure_differences.is_empty() {
        return None;
    }
    let head = ["variant", "failure", "class"]
        .into_iter()
        .chain(FAILURE_DIFFERENCE_COLUMNS)
        .chain(["errors CI excludes 0"])
        .map(String::from)
        .collect();
    let mut t = Table::new(head, 3);
    for d in &c.failure_differences {
        let Some(f) = c.variants[0].summary.failure_costs.get(d.failure) else {
            continue;
        };
        let excludes = d
            .errors
            .ci_95()
            .is_some_and(|(lo, hi)| lo > 0.0 || hi < 0.0);
        let recovery = recovery_difference_cell(&d.recovery);
        t.rows.push(vec![
            c.variants[d.variant].name.as_str().into(),
            failure_label(f).into(),
            d.class.as_str().into(),
            count_difference_cell(&d.errors).into(),
            count_difference_cell(&d.failed).into(),
            count_difference_cell(&d.timed_out).into(),
            count_difference_cell(&d.rejected).into(),
            if recovery.starts_with("not estimable") {
                marked(recovery, "missed")
            } else {
                recovery.into()
            },
            if excludes { "yes" } else { "no" }.into(),
        ]);
    }
    Some(t)
}

/// The paired differences against the first variant, each with its 95 %
/// CI and whether that CI excludes zero.
fn difference_table(c: &Comparison) -> Table {
    let mut t = Table::new(
        vec![
            "variant".into(),
            "row".into(),
            "figure".into(),
            format!("difference vs {}", c.variants[0].name),
            "CI excludes 0".into(),
        ],
        3,
    );
    for d in &c.differences {
        let Difference {
            variant,
            row,
            measure,
            ..
        } = d;
        let figure = match measure {
            Measure::Class(f) => figure_label(*f),
            Measure::Utilization => "utilization",
        };
        let excludes = d
            .estimable()
            .and_then(crate::stats::Estimate::ci_95)
            .is_some_and(|(lo, hi)| lo > 0.0 || hi < 0.0);
        t.rows.push(vec![
            c.variants[*variant].name.as_str().into(),
            row.as_str().into(),
            figure.into(),
            paired_cell(d).into(),
            if excludes { "yes" } else { "no" }.into(),
        ]);
    }
    t
}

/// Every candidate `size` simulated: its count, meets or misses, and each
/// objective's figure against its limit.
fn candidate_table(s: &Sizing) -> Table {
    let mut head: Vec<String> = vec![
        "zone".into(),
        "front-ends".into(),
        "running".into(),
        "verdict".into(),
    ];
    head.extend(s.objectives.iter().map(|o| {
        let (what, limit) = describe(o.slo);
        let unit = if o.slo.is_latency() { "ms, " } else { "" };
        format!("{} {what} ({unit}{})", o.class, limit_text(o.slo, limit))
    }));
    let mut t = Table::new(head, 1);
    // The first pass, then each zone sized again (the others at their
    // answers) when the answers missed together.
    let searches = s
        .zones
        .iter()
        .map(|z| (z, z.label.clone()))
        .chain(s.repairs.iter().map(|r| {
            (
                &r.sizing,
                format!("{} again (the others at their answers)", r.sizing.label),
            )
        }));
    for (z, label) in searches {
        for c in &z.candidates {
            let mut row: Vec<Cell> = vec![
                label.as_str().into(),
                c.front_ends.to_string().into(),
                c.running.to_string().into(),
                match (c.meets, &c.variant.summary.certain_miss) {
                    (true, _) => marked("meets", "met"),
                    (false, None) => marked("misses", "missed"),
                    (false, Some(m)) => marked(
                        format!(
                            "misses (stopped early: {} certain after {:.1} min)",
                            m.what(),
                            m.measured / 60.0
                        ),
                        "missed",
                    ),
                },
            ];
            for o in 0..s.objectives.len() {
                row.push(match c.checks.iter().find(|k| k.objective == o) {
                    None => "—".into(),
                    Some(k) => match &k.estimate {
                        None => "no such row".into(),
                        Some(e) => {
                            let why = match k.verdict {
                                Some(SloVerdict::Met | SloVerdict::Missed) | None => "",
                                Some(SloVerdict::Saturated) => " saturated",
                                Some(SloVerdict::Rejecting) => " rejecting",
                                Some(SloVerdict::Censored) => " cut at the timeout",
                                Some(SloVerdict::NoneCompleted) => " no request completed",
                            };
                            let figure = if s.objectives[o].slo.is_latency() {
                                Figure::P95
                            } else {
                                Figure::ErrorRate
                            };
                            marked(
                                format!("{}{why}", figure_cell(figure, e)),
                                if k.met { "" } else { "missed" },
                            )
                        }
                    },
                });
            }
            t.rows.push(row);
        }
    }
    t
}

/// `team`'s table: both layouts at each team size.
fn team_table(t: &TeamGrowth) -> Table {
    let mut head: Vec<String> = vec![
        "developers".into(),
        "controller".into(),
        "publish p50 (s)".into(),
        "publish p95 (s)".into(),
        "controller CPU".into(),
    ];
    head.extend(t.dev_classes.iter().map(|c| format!("{c} p95 (ms)")));
    head.push(format!("{} target", format_duration(t.publish_target)));
    let mut table = Table::new(head, 2);
    for &n in &t.developers {
        for layout in Layout::ALL {
            let Some(p) = t.point(n, layout) else {
                continue;
            };
            let mut row: Vec<Cell> = vec![n.to_string().into(), layout_name(layout).into()];
            if p.none_completed {
                row.push("—".into());
                row.push(marked("no publish completed", "missed"));
            } else {
                row.push(secs(&p.publish_p50).into());
                row.push(secs(&p.publish_p95).into());
            }
            row.push(
                p.controller_cpu
                    .as_ref()
                    .map_or_else(|| "—".into(), pct_ci)
                    .into(),
            );
            for e in &p.dev_p95 {
                row.push(
                    e.as_ref()
                        .map_or_else(|| "—".into(), |e| figure_cell(Figure::P95, e))
                        .into(),
                );
            }
            row.push(if p.misses {
                marked("misses", "missed")
            } else {
                marked("meets", "met")
            });
            table.rows.push(row);
        }
    }
    table
}

// ---- the page ---------------------------------------------------------------

/// What the marks of every chart mean.
const CHART_KEY: &str = "Points: mean over replications; bars: 95% confidence intervals; dashed lines: SLOs or targets; a hollow marker in a red ring: a saturated variant, whose figures describe only the requests that got through.";

const STYLE: &str = r#"
@page { size: auto; margin: 14mm 12mm; }
html { background: #fff; color: #111; }
body { font: 10.5pt/1.45 "Segoe UI", "Helvetica Neue", Arial, sans-serif; max-width: 64rem; margin: 1.5rem auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 .4rem; }
h2 { font-size: 1.2rem; margin: 1.6rem 0 .5rem; padding-bottom: .15rem; border-bottom: 1px solid #999; }
h3 { font-size: 1rem; margin: 1rem 0 .3rem; }
code, pre { font-family: Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: .9em; }
.question { margin: .3rem 0 .8rem; padding: .4rem .6rem; border-left: 3px solid #777; background: #f5f5f5; white-space: pre-wrap; overflow-wrap: anywhere; }
table { border-collapse: collapse; margin: .3rem 0 1rem; font-size: .92em; font-variant-numeric: tabular-nums; }
th, td { padding: .15rem .55rem; border-bottom: 1px solid #ddd; text-align: right; vertical-align: top; }
th { border-bottom: 1.5px solid #555; font-weight: 600; }
.l { text-align: left; }
.settings th { text-align: left; font-weight: 600; border-bottom: 1px solid #ddd; }
.settings td { text-align: left; }
.wide { overflow-x: auto; }
ul.verdicts { padding-left: 1.2rem; }
ul.verdicts li { margin: .25rem 0; }
ul.bottlenecks li { margin: .2rem 0; }
.met { color: #1b5e20; }
.missed { color: #a30000; }
td.missed, td.met { font-weight: 600; }
.answer { font-size: 1.25rem; }
figure { margin: 1rem 0; }
figure svg { display: block; width: 100%; height: auto; max-width: 900px; }
figcaption { font-size: .9em; color: #444; }
details { margin: 1rem 0; }
summary { cursor: pointer; font-weight: 600; }
details pre { white-space: pre-wrap; border: 1px solid #ccc; padding: .5rem; }
footer { margin-top: 2rem; font-size: .85em; color: #555; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 9pt; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  figure, tr, ul.verdicts li, ul.bottlenecks li, .question { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  .wide { overflow: visible; }
  figure svg { max-width: 100%; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;

impl Html {
    /// The whole page of `result`.
    pub fn page(&self, result: &CommandResult) -> Result<String> {
        let st = result.settings();
        let command = result.command();
        let mut out = String::new();
        let title = format!("o11sim {command}: {}", st.scenario);
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"o11sim {}\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
            env!("CARGO_PKG_VERSION"),
            escape(&title)
        );
        // The question and how it was answered.
        let _ = writeln!(out, "<header>\n<h1>{}</h1>", escape(&title));
        let _ = writeln!(
            out,
            "<p class=\"question\"><code>{}</code></p>",
            escape(&self.command_line)
        );
        self.settings_table(result, st).write(&mut out);
        out.push_str("</header>\n");
        // Verdicts first.
        out.push_str("<section id=\"verdicts\">\n<h2>Verdicts</h2>\n");
        let verdicts = match result {
            CommandResult::Run(r) => run_verdicts(r),
            CommandResult::Compare(c) | CommandResult::Sweep(c) => comparison_verdicts(c),
            CommandResult::Size(s) => sizing_verdicts(s),
            CommandResult::Team(t) => team_verdicts(t),
        };
        write_verdicts(&mut out, &verdicts);
        if let CommandResult::Run(r) = result {
            let notes = warmup_advice(&r.variant.summary, st.warmup);
            for line in notes.lines() {
                let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(line));
            }
        }
        out.push_str("</section>\n");
        // Tables.
        out.push_str("<section id=\"tables\">\n<h2>Figures</h2>\n");
        out.push_str("<p>Each figure is the mean over replications ± the half-width of its 95% confidence interval (n/a with one replication; +above/−below where the interval is cut at what the figure can be, 0 or 100%); times in milliseconds unless marked.</p>\n");
        match result {
            CommandResult::Size(s) => {
                out.push_str("<h3>Candidates tried (doubling, then bisection)</h3>\n");
                candidate_table(s).write(&mut out);
                let answers: Vec<&VariantResult> = s
                    .final_zones()
                    .into_iter()
                    .filter_map(|z| match z.answer {
                        Answer::Found { front_ends, .. } => z
                            .candidates
                            .iter()
                            .find(|c| c.front_ends == front_ends)
                            .map(|c| &c.variant),
                        _ => None,
                    })
                    .collect();
                if !answers.is_empty() {
                    out.push_str("<h3>Classes at the answer</h3>\n");
                    class_table(&answers).write(&mut out);
                    out.push_str("<h3>Resources at the answer</h3>\n");
                    resource_table(&answers).write(&mut out);
                }
            }
            _ => {
                if let CommandResult::Team(t) = result {
                    out.push_str("<h3>Publish lead time by team size</h3>\n");
                    team_table(t).write(&mut out);
                }
                let variants = result.variants();
                out.push_str("<h3>Classes</h3>\n");
                class_table(&variants).write(&mut out);
                // The terminal's lines on rows not measured in every
                // replication, word for word.
                let several = variants.len() > 1;
                for v in &variants {
                    let prefix = if several {
                        format!("{}: ", v.name)
                    } else {
                        String::new()
                    };
                    for line in unmeasured_note(&v.summary, &prefix).lines() {
                        let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(line));
                    }
                }
                out.push_str("<h3>Resources</h3>\n");
                resource_table(&variants).write(&mut out);
                if let Some((what, t)) = peak_table(&variants) {
                    let _ = writeln!(out, "<h3 id=\"peaks\">{} of each class</h3>", escape(&what));
                    out.push_str("<p>Each traffic class's window with the highest p95 (mean over replications; in each variant its own, since a variant can move the peak), with its time of day, throughput and error rate; the whole-run figures are above.</p>\n");
                    t.write(&mut out);
                    for v in &variants {
                        let prefix = if several {
                            format!("{}: ", v.name)
                        } else {
                            String::new()
                        };
                        for line in error_peak_lines(&v.summary, &prefix) {
                            let _ =
                                writeln!(out, "<p class=\"note error-peak\">{}</p>", escape(&line));
                        }
                    }
                }
                if let Some(t) = database_table(&variants) {
                    out.push_str("<h3 id=\"databases\">Database availability</h3>\n");
                    out.push_str("<p>The fraction of the measured time each SQL Server instance served, and its automatic failovers per replication.</p>\n");
                    t.write(&mut out);
                }
                if let Some(t) = failure_cost_table(&variants) {
                    out.push_str(
                        "<h3 id=\"failure-costs\">What each scheduled failure costs</h3>\n",
                    );
                    out.push_str("<p>Per replication: errors caused are the requests failed, timed out or rejected ending during the failure or as long after it, minus the rate before it; p95 before, during and after it in milliseconds (with the replications that answered something, when not all did); recovery is from the target's return until p95 is within 10% of p95 before (≥: some replications had not recovered by the end of the run, so the figure is a lower bound).</p>\n");
                    t.write(&mut out);
                    if let Some(v) = variants.first() {
                        let costs = &v.summary.failure_costs;
                        for f in costs {
                            if let Some(line) = overlap_note(f, |j| costs.get(j)) {
                                let _ = writeln!(
                                    out,
                                    "<p class=\"note\">failure {}: {}</p>",
                                    f.failure + 1,
                                    escape(&line)
                                );
                            }
                        }
                    }
                }
                if let Some(v) = variants.first() {
                    let note = random_failures_note(&v.summary);
                    if !note.is_empty() {
                        let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(note.trim_end()));
                    }
                }
            }
        }
        out.push_str("</section>\n");
        // Bottlenecks: the terminal report's lines, word for word.
        let bottlenecks = match result {
            CommandResult::Run(r) => bottleneck_lines(&r.variant.summary),
            CommandResult::Compare(c) | CommandResult::Sweep(c) => variant_bottleneck_lines(c),
            CommandResult::Size(_) | CommandResult::Team(_) => Vec::new(),
        };
        if !bottlenecks.is_empty() {
            out.push_str("<section id=\"bottlenecks\">\n<h2>Bottlenecks</h2>\n");
            let _ = writeln!(
                out,
                "<p>{}</p>\n<ul class=\"bottlenecks\">",
                escape(BOTTLENECK_HEADING)
            );
            for line in &bottlenecks {
                let _ = writeln!(out, "<li>{}</li>", escape(line));
            }
            out.push_str("</ul>\n</section>\n");
        }
        // Charts.
        let charts = charts(result, self.figure);
        if !charts.is_empty() {
            out.push_str("<section id=\"charts\">\n<h2>Charts</h2>\n");
            for chart in &charts {
                let drawn = svg::svg(chart)?;
                let labelled = drawn.trim_end().replacen(
                    "<svg ",
                    &format!("<svg role=\"img\" aria-label=\"{}\" ", escape(&chart.title)),
                    1,
                );
                let _ = writeln!(
                    out,
                    "<figure>\n{labelled}\n<figcaption>{}</figcaption>\n</figure>",
                    escape(CHART_KEY)
                );
            }
            out.push_str("</section>\n");
        }
        // Paired differences.
        if let CommandResult::Compare(c) | CommandResult::Sweep(c) = result
            && c.variants.len() >= 2
        {
            out.push_str("<section id=\"differences\">\n<h2>Paired differences</h2>\n");
            let _ = writeln!(
                out,
                "<p>Each variant minus {}: replication k of every variant uses the same random numbers (common random numbers), so the difference has its own, tighter 95% confidence interval. Rates and utilizations in percentage points (pp).</p>",
                escape(&c.variants[0].name)
            );
            difference_table(c).write(&mut out);
            if let Some(t) = failure_difference_table(c) {
                let _ = writeln!(
                    out,
                    "<h3 id=\"failure-differences\">What each scheduled failure costs, variant − {}</h3>\n<p>Errors caused per replication and recovery time in seconds, each variant minus {}, paired by replication. A recovery difference is not estimable when either side of some replication had not recovered by the end of the run (its recovery is only a lower bound).</p>",
                    escape(&c.variants[0].name),
                    escape(&c.variants[0].name)
                );
                t.write(&mut out);
            }
            out.push_str("</section>\n");
        }
        // The scenario as simulated.
        let _ = writeln!(
            out,
            "<details id=\"scenario\">\n<summary>Scenario {} after overrides (fingerprint {})</summary>\n<pre>{}</pre>\n</details>",
            escape(&st.scenario),
            escape(&st.fingerprint),
            escape(&self.scenario_text)
        );
        let _ = writeln!(
            out,
            "<footer>o11sim {}: a discrete-event simulation; every figure is an estimate with its 95% confidence interval.</footer>\n</body>\n</html>",
            env!("CARGO_PKG_VERSION")
        );
        Ok(out)
    }

    /// The run settings: scenario, seed, replications, duration, warm-up,
    /// fingerprint, version, and what the command adds.
    fn settings_table(&self, result: &CommandResult, st: &RunSettings) -> Table {
        let mut t = Table::new(vec!["setting".into(), "value".into()], 2);
        let mut row = |k: &str, v: String| t.rows.push(vec![k.into(), v.into()]);
        row("scenario", st.scenario.clone());
        row("seed", st.seed.to_string());
        row(
            "replications",
            match (result, st.precision) {
                (_, Some(p)) => format!(
                    "until every class's p95 and SLO figure is within ±{}% (95% CI), per variant: first batch {}, at most {}",
                    p.target * 100.0,
                    st.replications,
                    p.max
                ),
                (CommandResult::Run(_), None) => st.replications.to_string(),
                (_, None) => format!("{} per variant", st.replications),
            },
        );
        row("duration", format_duration(st.duration));
        row("warm-up", format_duration(st.warmup));
        row(
            "environments",
            st.environments
                .iter()
                .map(|(name, kind)| format!("{name} ({kind})"))
                .collect::<Vec<_>>()
                .join(", "),
        );
        row("scenario fingerprint", st.fingerprint.clone());
        row("o11sim version", env!("CARGO_PKG_VERSION").to_owned());
        match result {
            CommandResult::Compare(c) | CommandResult::Sweep(c) => {
                for v in &c.varied {
                    row("varied", format!("{} = {}", v.key, v.values.join(", ")));
                }
                row("variants", c.variants.len().to_string());
            }
            CommandResult::Size(s) => {
                row("spare front-ends", s.spare.to_string());
                row("--max-front-ends", s.max_front_ends.to_string());
            }
            CommandResult::Team(tg) => {
                row("environment", tg.environment.clone());
                row(
                    "publish target",
                    format!("p95 \u{2264} {}", format_duration(tg.publish_target)),
                );
            }
            CommandResult::Run(_) => {}
        }
        let (runs, requests) = result.simulated();
        row(
            "simulated",
            format!("{runs} replication(s), {requests} requests"),
        );
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_and_both_quotes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("p95 ≤ 800 ms"), "p95 ≤ 800 ms");
        assert_eq!(escape(""), "");
        // Already-escaped text is escaped again, never trusted.
        assert_eq!(escape("&amp;"), "&amp;amp;");
    }

    #[test]
    fn tables_escape_their_cells() {
        let mut t = Table::new(vec!["<h>".into()], 1);
        t.rows.push(vec![marked("<script>", "missed")]);
        let mut out = String::new();
        t.write(&mut out);
        assert!(!out.contains("<script>"), "{out}");
        assert!(out.contains("&lt;script&gt;"), "{out}");
        assert!(out.contains("<td class=\"l missed\">"), "{out}");
    }
}
