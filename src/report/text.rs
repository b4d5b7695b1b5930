//! The terminal report of each command: aligned tables with units in the
//! headers, `±` half-widths of 95 % confidence intervals (`n/a` with one
//! replication; `+above/−below` where an interval is cut at the range of
//! its figure, see [`ci_reach`]), verdicts in sentences.
//!
//! Why this file exists: it is the only place that decides how a figure
//! looks on a terminal. Every table goes through [`align`] and every
//! duration in milliseconds through [`ms`], so two commands never show the
//! same figure two ways.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use super::Export;
use crate::dist::format_duration;
use crate::experiment::failure_cost::{FailureCostSummary, FailureDifference, RecoveryDifference};
use crate::experiment::result::{
    Answer, Candidate, Comparison, Difference, Layout, Measure, RunReport, RunSettings, Sizing,
    TeamGrowth, ZoneSizing,
};
use crate::experiment::summary::{
    Advice, Bottleneck, ClassSummary, Figure, SloCheck, SloVerdict, busiest_serving, class_names,
    resource_names, upper,
};
use crate::experiment::timeline::{TimelineSummary, WindowClassSummary};
use crate::experiment::{CommandResult, Summary};
use crate::model::sim::{ResourceKind, StationKind};
use crate::model::spec::Slo;
use crate::stats::Estimate;

/// The terminal report of any result, ending with a line per file written.
#[derive(Clone, Copy, Debug)]
pub struct Text<'a> {
    /// The files the command wrote, named at the end of the report.
    pub written: &'a [PathBuf],
}

impl Export for Text<'_> {
    fn write(&self, result: &CommandResult, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
        let w = self.written;
        let report = match result {
            CommandResult::Run(r) => run(r, w),
            CommandResult::Compare(c) => comparison(c, w),
            CommandResult::Sweep(c) => sweep(c, w),
            CommandResult::Size(s) => sizing(s, w),
            CommandResult::Team(t) => team(t, w),
        };
        out.write_all(report.as_bytes())?;
        Ok(())
    }
}

// ---- the one aligner ------------------------------------------------------

/// The columns of a table: their headings, which are aligned left (the
/// others are aligned right), and optional group headings above them.
#[derive(Clone, Copy, Debug)]
pub struct Columns<'a> {
    header: &'a [&'a str],
    left: &'a [usize],
    groups: &'a [(&'a str, usize)],
}

impl<'a> Columns<'a> {
    /// Columns with these headings, the first aligned left.
    pub fn new(header: &'a [&'a str]) -> Columns<'a> {
        Columns {
            header,
            left: &[0],
            groups: &[],
        }
    }

    /// Aligns exactly these columns left.
    pub fn left(self, left: &'a [usize]) -> Columns<'a> {
        Columns { left, ..self }
    }

    /// A heading row above: (heading, number of columns it spans), in
    /// column order, covering every column (`""` over columns without one).
    /// Each heading is centred over its columns, which widen to fit it.
    pub fn groups(self, groups: &'a [(&'a str, usize)]) -> Columns<'a> {
        Columns { groups, ..self }
    }
}

/// Renders rows as aligned columns, two spaces apart, without trailing
/// spaces.
pub fn align(columns: &Columns<'_>, rows: &[Vec<String>]) -> String {
    let cols = columns.header.len();
    let mut width: Vec<usize> = columns.header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(cols) {
            width[i] = width[i].max(c.chars().count());
        }
    }
    let mut spans = Vec::new();
    let mut start = 0;
    for &(name, n) in columns.groups {
        let end = (start + n).min(cols);
        if end > start {
            let have = width[start..end].iter().sum::<usize>() + 2 * (end - start - 1);
            let need = name.chars().count();
            if need > have {
                width[end - 1] += need - have;
            }
            spans.push((name, start, end));
        }
        start = end;
    }
    let mut out = String::new();
    let finish = |line: String, out: &mut String| {
        out.push_str(line.trim_end());
        out.push('\n');
    };
    if !spans.is_empty() {
        let line = spans
            .iter()
            .map(|&(name, a, b)| {
                let span = width[a..b].iter().sum::<usize>() + 2 * (b - a - 1);
                format!("{name:^span$}")
            })
            .collect::<Vec<_>>()
            .join("  ");
        finish(line, &mut out);
    }
    let render = |cells: &[&str]| {
        cells
            .iter()
            .enumerate()
            .take(cols)
            .map(|(i, c)| {
                let w = width[i];
                if columns.left.contains(&i) {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    finish(render(columns.header), &mut out);
    for r in rows {
        let cells: Vec<&str> = r.iter().map(String::as_str).collect();
        finish(render(&cells), &mut out);
    }
    out
}

// ---- figures --------------------------------------------------------------

/// Seconds as milliseconds with a sensible number of digits (by size, the
/// same way for negative values: `412`, `-412`, `41.2`, `-41.2`).
pub fn ms(seconds: f64) -> String {
    if seconds.is_nan() {
        // Nothing measured (a row that answered nothing).
        return "—".to_owned();
    }
    let v = seconds * 1e3;
    let a = v.abs();
    if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// `12.3 ± 0.4` followed by `unit` (`12.3% ± n/a` with one replication;
/// `97.5 +2.5/−5.2%` for an interval cut at the range of its figure, see
/// [`ci_reach`]); "—" for a figure nothing measured (NaN).
pub(crate) fn with_ci(e: &Estimate, f: impl Fn(f64) -> String, unit: &str) -> String {
    if e.mean.is_nan() {
        return "—".to_owned();
    }
    match e.half_95 {
        Some(_) => format!("{} {}{unit}", f(e.mean), ci_reach(e, f)),
        None => format!("{}{unit} ± n/a", f(e.mean)),
    }
}

/// How far the 95 % CI of `e` reaches from its mean, each distance
/// formatted by `f`: `± 0.4`, or `+2.5/−5.2` (above, then below) when the
/// interval was cut at the range of its figure (`stats::Bounds`: a
/// utilization of 97.5 ± 5.2 % reaches no further than 100 %) and the two
/// distances no longer read the same; `± n/a` with one replication.
pub(crate) fn ci_reach(e: &Estimate, f: impl Fn(f64) -> String) -> String {
    let (Some(h), Some((lo, hi))) = (e.half_95, e.ci_95()) else {
        return "± n/a".to_owned();
    };
    // An end that was not cut is exactly mean ∓ h: its distance is h
    // itself, not a difference rounded differently.
    let below = if lo == e.mean - h { h } else { e.mean - lo };
    let above = if hi == e.mean + h { h } else { hi - e.mean };
    let (below, above) = (f(below), f(above));
    if below == above {
        format!("± {above}")
    } else {
        format!("+{above}/\u{2212}{below}")
    }
}

/// A signed number with a real minus sign (`−412`, `+3.1`; zero unsigned).
fn signed(s: String) -> String {
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.as_str()),
    };
    if digits.chars().all(|c| c == '0' || c == '.') {
        digits.to_owned()
    } else if negative {
        format!("\u{2212}{digits}")
    } else {
        format!("+{digits}")
    }
}

/// A fraction as a percentage with two decimals (`1.25%`).
pub(crate) fn pct(x: f64) -> String {
    if x.is_nan() {
        // Nothing measured (no request of the row finished).
        return "—".to_owned();
    }
    format!("{:.2}%", x * 100.0)
}

/// A utilization with its CI, `61.3 ± 0.4%`; "—" where a utilization is
/// not defined (NaN: an external system without a concurrency limit).
pub(crate) fn pct_ci(e: &Estimate) -> String {
    with_ci(e, |x| format!("{:.1}", x * 100.0), "%")
}

/// A figure's row label, with its unit.
pub(crate) fn figure_label(f: Figure) -> &'static str {
    match f {
        Figure::Throughput => "throughput (req/s)",
        Figure::Mean => "mean (ms)",
        Figure::P50 => "p50 (ms)",
        Figure::P95 => "p95 (ms)",
        Figure::P99 => "p99 (ms)",
        Figure::ErrorRate => "error rate",
    }
}

/// A figure's estimate in its unit, with its CI.
pub(crate) fn figure_cell(f: Figure, e: &Estimate) -> String {
    match f {
        Figure::Throughput => with_ci(e, |x| format!("{x:.2}"), ""),
        Figure::Mean | Figure::P50 | Figure::P95 | Figure::P99 => with_ci(e, ms, ""),
        Figure::ErrorRate => with_ci(e, |x| format!("{:.2}", x * 100.0), "%"),
    }
}

/// A paired difference in its unit (percentage points for rates and
/// utilizations).
pub(crate) fn difference_cell(m: Measure, e: &Estimate) -> String {
    let (mean, half, unit) = match m {
        Measure::Class(Figure::Throughput) => (
            format!("{:.2}", e.mean),
            e.half_95.map(|h| format!("{h:.2}")),
            "",
        ),
        Measure::Class(Figure::Mean | Figure::P50 | Figure::P95 | Figure::P99) => {
            (ms(e.mean), e.half_95.map(ms), "")
        }
        Measure::Class(Figure::ErrorRate) => (
            format!("{:.2}", e.mean * 100.0),
            e.half_95.map(|h| format!("{:.2}", h * 100.0)),
            " pp",
        ),
        Measure::Utilization => (
            format!("{:.1}", e.mean * 100.0),
            e.half_95.map(|h| format!("{:.1}", h * 100.0)),
            " pp",
        ),
    };
    format!(
        "{}{unit} ± {}",
        signed(mean),
        half.unwrap_or_else(|| "n/a".into())
    )
}

/// A lead time in seconds with its CI, `66.5 ± 5.4`.
pub(crate) fn secs(e: &Estimate) -> String {
    with_ci(e, |x| format!("{x:.1}"), "")
}

/// `p95` and the limit of an SLO (seconds, or a fraction for `errors`).
pub(crate) fn describe(slo: Slo) -> (&'static str, f64) {
    match slo {
        Slo::P95(l) => ("p95", l),
        Slo::P99(l) => ("p99", l),
        Slo::Mean(l) => ("mean", l),
        Slo::Errors(l) => ("errors", l),
    }
}

/// A value of an SLO's figure in its unit: `412 ms`, or `0.10%` for errors.
pub(crate) fn slo_amount(slo: Slo, x: f64) -> String {
    if slo.is_latency() {
        format!("{} ms", ms(x))
    } else {
        pct(x)
    }
}

/// A fraction as a short percentage for a verdict: `19 %`, `5.4 %`.
fn short_pct(x: f64) -> String {
    let v = x * 100.0;
    if v >= 9.95 {
        format!("{v:.0} %")
    } else {
        format!("{v:.1} %")
    }
}

/// The verdict of a class as tags after its name: ` [SATURATED]`,
/// ` [REJECTING 19 %]`, both, or nothing.
pub(crate) fn tags(c: &ClassSummary) -> String {
    let mut out = String::new();
    if c.saturated {
        out.push_str(" [SATURATED]");
    }
    if c.rejecting {
        let _ = write!(out, " [REJECTING {}]", short_pct(c.rejected_rate.mean));
    }
    out
}

/// A percentile that fell in the cut at the client timeout, as a bound:
/// `>= 10000 (timed out)` (milliseconds); `None` when it was measured.
pub(crate) fn censored_cell(c: &ClassSummary, f: Figure) -> Option<String> {
    let timeout = c.timeout?;
    (c.censored.of(f) > 0).then(|| format!(">= {} (timed out)", ms(timeout)))
}

/// A class figure with its CI, or the bound of a censored percentile.
pub(crate) fn class_figure_cell(c: &ClassSummary, f: Figure) -> String {
    censored_cell(c, f).unwrap_or_else(|| figure_cell(f, &f.estimate(c)))
}

/// A class figure's mean alone (no CI), or the bound of a censored
/// percentile.
fn class_figure_mean(c: &ClassSummary, f: Figure) -> String {
    censored_cell(c, f).unwrap_or_else(|| ms(f.estimate(c).mean))
}

/// What an SLO check says after `SLO CLASS: FIGURE <= LIMIT: `.
pub(crate) fn slo_outcome(c: &ClassSummary, k: &SloCheck) -> String {
    let (word, detail) = slo_outcome_parts(c, k);
    format!("{word}{detail}")
}

/// An SLO check's verdict word (`met`, `MISSED`, `not met`) and what
/// follows it (` (estimate …)` or `: why`).
pub(crate) fn slo_outcome_parts(c: &ClassSummary, k: &SloCheck) -> (&'static str, String) {
    let estimate = format!(
        "estimate {}, upper 95% bound {}",
        slo_amount(k.slo, k.value.mean),
        slo_amount(k.slo, upper(&k.value))
    );
    match k.verdict {
        SloVerdict::Met => ("met", format!(" ({estimate})")),
        SloVerdict::Missed => ("MISSED", format!(" ({estimate})")),
        SloVerdict::NoneCompleted => (
            "not met",
            format!(
                ": no request completed (in {} of {} replication(s))",
                c.none_completed, c.replications
            ),
        ),
        SloVerdict::Saturated => (
            "not met",
            format!(
                ": saturated, the figures describe only the requests that got through ({estimate})"
            ),
        ),
        SloVerdict::Rejecting => (
            "not met",
            format!(
                ": rejecting {} of requests, the latencies describe only those that got in; an errors objective would judge the rejections ({estimate})",
                short_pct(c.rejected_rate.mean)
            ),
        ),
        SloVerdict::Censored => {
            let (what, _) = describe(k.slo);
            let figure = match k.slo {
                Slo::P99(_) => Figure::P99,
                _ => Figure::P95,
            };
            (
                "MISSED",
                format!(
                    ": {what} >= {} ms (timed out in {} of {} replication(s); the responses cut at the client timeout hide its value)",
                    c.timeout.map_or_else(|| "?".into(), ms),
                    c.censored.of(figure),
                    c.replications
                ),
            )
        }
    }
}

/// `a`, `a and b`, `a, b and c`.
pub fn and_list(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// `wrote a`, `wrote a and b`, `wrote a, b and c` on one line.
fn wrote_one_line(written: &[PathBuf]) -> String {
    if written.is_empty() {
        String::new()
    } else {
        format!("wrote {}\n", and_list(written))
    }
}

/// One `wrote FILE` line per file.
fn wrote_lines(written: &[PathBuf]) -> String {
    written
        .iter()
        .map(|p| format!("wrote {}\n", p.display()))
        .collect()
}

/// Appends `part` (if any) after one blank line.
fn push_paragraph(out: &mut String, part: &str) {
    if part.is_empty() {
        return;
    }
    while !out.is_empty() && !out.ends_with("\n\n") {
        out.push('\n');
    }
    out.push_str(part);
}

/// How many replications ran: `10 replication(s)`, or under
/// `--precision` the rule.
fn replications(st: &RunSettings) -> String {
    replications_watching(st, "")
}

/// As [`replications`], naming `also` among the watched figures
/// (`size --max-utilization`: the sized resources' utilization).
fn replications_watching(st: &RunSettings, also: &str) -> String {
    match st.precision {
        None => format!("{} replication(s)", st.replications),
        Some(p) => format!(
            "replications in batches until every class's p95 and SLO figure{also} is within ±{} (95% CI; first batch {}, at most {})",
            precision_pct(p.target),
            st.replications,
            p.max
        ),
    }
}

/// `2%`, `0.5%`.
fn precision_pct(fraction: f64) -> String {
    let p = fraction * 100.0;
    let text = format!("{p:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}%")
}

/// Under `--precision`, one line per variant: the replications it needed
/// and whether the target was reached (why not, when not).
fn precision_lines<'v>(
    st: &RunSettings,
    variants: impl IntoIterator<Item = &'v crate::experiment::VariantResult>,
) -> String {
    let Some(p) = st.precision else {
        return String::new();
    };
    let mut out = String::new();
    let target = precision_pct(p.target);
    let _ = writeln!(
        out,
        "\nprecision ±{target} (replications each variant needed):"
    );
    for v in variants {
        let Some(o) = &v.summary.precision else {
            continue;
        };
        let widest = o.widest.as_ref().map_or(String::new(), |w| {
            let name = w.figure;
            if w.relative.is_finite() {
                format!("; widest {} {name} ±{:.2}%", w.row, w.relative * 100.0)
            } else {
                format!("; widest {} {name} (no interval)", w.row)
            }
        });
        let how = match (&o.clearly_missed, o.reached) {
            (_, true) => format!("reached{widest}"),
            (Some(what), false) => format!(
                "stopped early: it clearly misses {what}, more replications would not change that{widest}"
            ),
            (None, false) => format!("NOT reached at --max-replications {}{widest}", p.max),
        };
        let _ = writeln!(
            out,
            "  {}: {} replication(s), {how}",
            v.name, o.replications
        );
    }
    out
}

/// The first line of a what-if command's report.
fn headline(command: &str, st: &RunSettings, what: &str) -> String {
    headline_watching(command, st, what, "")
}

/// As [`headline`], naming `also` among the figures `--precision` watches.
fn headline_watching(command: &str, st: &RunSettings, what: &str, also: &str) -> String {
    format!(
        "o11sim {command} {}: {what}; {} of {} after a {} warm-up, seed {}, common random numbers",
        st.scenario,
        replications_watching(st, also),
        format_duration(st.duration),
        format_duration(st.warmup),
        st.seed
    )
}

// ---- run --------------------------------------------------------------------

fn class_row(c: &ClassSummary) -> Vec<String> {
    vec![
        format!("{}{}", c.name, tags(c)),
        format!("{:.2}", c.throughput.mean),
        ms(c.mean.mean),
        class_figure_mean(c, Figure::P50),
        censored_cell(c, Figure::P95).unwrap_or_else(|| with_ci(&c.p95, ms, "")),
        class_figure_mean(c, Figure::P99),
        pct(c.rejected_rate.mean),
        pct(c.timed_out_rate.mean),
        pct(c.failed_rate.mean),
        pct(c.unanswered_rate.mean),
    ]
}

/// The class table of one summary.
pub fn classes(s: &Summary) -> String {
    let rows: Vec<_> = s.classes.iter().map(class_row).collect();
    align(
        &Columns::new(&[
            "class",
            "throughput (req/s)",
            "mean (ms)",
            "p50 (ms)",
            "p95 (ms)",
            "p99 (ms)",
            "rejected",
            "timed out",
            "failed",
            "unanswered",
        ]),
        &rows,
    )
}

/// A line for each row whose figures do not come from every replication:
/// some answered nothing (a timer of long period, a publish, in a short
/// run; a class every request of which failed), so its response times are
/// over the others, or "—" when none answered; likewise its error rates
/// where nothing finished at all. `prefix` names the variant
/// (`"front_ends=3: "`), or is empty. Empty when every row was measured
/// in every replication.
pub fn unmeasured_note(s: &Summary, prefix: &str) -> String {
    let mut out = String::new();
    for c in &s.classes {
        // Response times need an answer, rates a finished request (an
        // answer is one, so rates are measured at least as often).
        let (n, r, of) = (c.mean.n, c.error_rate.n, c.replications);
        if n >= of {
            continue;
        }
        let _ = write!(out, "{prefix}{}: ", c.name);
        if r == 0 {
            let _ = write!(
                out,
                "nothing finished in any of the {of} replication(s): no response time or error rate (\"—\"); a longer run would measure them"
            );
        } else {
            if n == 0 {
                let _ = write!(
                    out,
                    "nothing answered in any of the {of} replication(s), so no response time (\"—\")"
                );
            } else {
                let _ = write!(
                    out,
                    "response times over the {n} of {of} replications that answered something; the other {} answered nothing",
                    of - n
                );
            }
            if r < of {
                let _ = write!(out, "; error rates over the {r} that finished something");
            }
        }
        out.push('\n');
    }
    out
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
    align(
        &Columns::new(&["resource", "utilization", "mean queue"]),
        &rows,
    )
}

/// Each SQL Server instance's availability and failovers per replication;
/// empty when no instance was ever unavailable.
pub fn databases(s: &Summary) -> String {
    if !s.had_database_outage() {
        return String::new();
    }
    let rows: Vec<_> = s
        .databases
        .iter()
        .map(|d| {
            vec![
                d.name.clone(),
                with_ci(&d.availability, |x| format!("{:.3}", 100.0 * x), "%"),
                with_ci(&d.failovers, |x| format!("{x:.2}"), ""),
            ]
        })
        .collect();
    align(
        &Columns::new(&["database", "availability", "failovers / replication"]),
        &rows,
    )
}

/// The figures of a failure's cost per class, after the class column, as
/// the terminal and the HTML page head them.
pub const FAILURE_COST_COLUMNS: [&str; 8] = [
    "errors caused",
    "failed",
    "timed out",
    "rejected",
    "p95 before (ms)",
    "p95 during (ms)",
    "p95 after (ms)",
    "recovery (s)",
];

/// The paired differences of a failure's cost per class, after the
/// variant and class columns, as the terminal and the HTML page head them.
pub const FAILURE_DIFFERENCE_COLUMNS: [&str; 5] = [
    "errors caused",
    "failed",
    "timed out",
    "rejected",
    "recovery (s)",
];

/// What each scheduled failure costs, one table per failure: per
/// (variant and) traffic class the errors it caused, the p95 before,
/// during and after it, and the recovery time. `variants` are (name,
/// summary); a name of `None` leaves the variant column out (`run`).
/// Empty without scheduled failures.
pub fn failure_costs(variants: &[(Option<&str>, &Summary)]) -> String {
    let Some(count) = variants.iter().map(|(_, s)| s.failure_costs.len()).max() else {
        return String::new();
    };
    if count == 0 {
        return String::new();
    }
    let named = variants.iter().any(|(n, _)| n.is_some());
    let mut out = String::from(
        "What each scheduled failure costs, per replication (95 % CI):\n  errors caused: ending \
         during it or as long after it, minus the rate before it; recovery: from the target's \
         return until p95 is within 10 % of p95 before\n",
    );
    for i in 0..count {
        let Some(first) = variants.iter().find_map(|(_, s)| s.failure_costs.get(i)) else {
            continue;
        };
        let _ = write!(
            out,
            "failure {}: {} down {}-{}",
            i + 1,
            first.target,
            clock(first.start),
            clock(first.end)
        );
        match first.periods {
            Some(p) => {
                let _ = writeln!(
                    out,
                    " (before from {}, after until {})",
                    clock(p.before.0),
                    clock(p.after.1)
                );
                if let Some(line) = overlap_note(first, |j| {
                    variants.iter().find_map(|(_, s)| s.failure_costs.get(j))
                }) {
                    let _ = writeln!(out, "  {line}");
                }
            }
            None => {
                let _ = writeln!(
                    out,
                    ": not measured (it starts before the end of the warm-up or after the run)"
                );
                continue;
            }
        }
        let mut rows = Vec::new();
        for (name, s) in variants {
            let Some(f) = s.failure_costs.get(i) else {
                continue;
            };
            for c in &f.classes {
                let mut row = Vec::new();
                if named {
                    row.push(name.unwrap_or_default().to_owned());
                }
                row.extend([
                    c.class.clone(),
                    count_cell(&c.errors),
                    count_cell(&c.failed),
                    count_cell(&c.timed_out),
                    count_cell(&c.rejected),
                    period_p95_cell(s, c, 0),
                    period_p95_cell(s, c, 1),
                    period_p95_cell(s, c, 2),
                    recovery_cell(c),
                ]);
                rows.push(row);
            }
        }
        let mut header = vec!["class"];
        header.extend(FAILURE_COST_COLUMNS);
        let left: &[usize] = if named { &[0, 1] } else { &[0] };
        if named {
            header.insert(0, "variant");
        }
        out.push_str(&align(&Columns::new(&header).left(left), &rows));
    }
    out
}

/// A count of requests per replication with its CI: `6012 ± 40`.
pub(crate) fn count_cell(e: &Estimate) -> String {
    with_ci(e, |x| format!("{x:.0}"), "")
}

/// A period's p95 in ms with its CI; a period in which some replication
/// answered nothing says in how many of the `of` its p95 was measured;
/// `—` when none answered anything.
pub(crate) fn p95_cell(e: &Estimate, of: usize) -> String {
    if e.mean.is_nan() {
        "—".to_owned()
    } else if e.n < of {
        format!("{} ({}/{of})", with_ci(e, ms, ""), e.n)
    } else {
        with_ci(e, ms, "")
    }
}

/// The p95 of period `k` (before, during, after) of a failure's cost in
/// summary `s`, as [`p95_cell`]; when it fell among the responses cut at
/// the client timeout in some replication, the bound the class table
/// gives: `>= 10000 (timed out)`.
pub(crate) fn period_p95_cell(
    s: &Summary,
    c: &crate::experiment::failure_cost::FailureClassCost,
    k: usize,
) -> String {
    let e = [&c.p95_before, &c.p95_during, &c.p95_after][k];
    let timeout = s
        .classes
        .iter()
        .find(|r| r.name == c.class)
        .and_then(|r| r.timeout);
    match timeout {
        Some(timeout) if c.p95_censored[k] > 0 && !e.mean.is_nan() => {
            format!(">= {} (timed out)", ms(timeout))
        }
        _ => p95_cell(e, c.errors.n),
    }
}

/// A paired difference of requests per replication: `−18012 ± 40`.
pub(crate) fn count_difference_cell(e: &Estimate) -> String {
    format!(
        "{} ± {}",
        signed(format!("{:.0}", e.mean)),
        e.half_95
            .map_or_else(|| "n/a".into(), |h| format!("{h:.0}"))
    )
}

/// A paired difference of recovery times in seconds: `−12.5 ± 1.1`; when
/// a side of some replication did not recover before the end of the run,
/// no number: `not estimable (3/10 censored)`; `—` without a level before
/// the failure on both sides.
pub(crate) fn recovery_difference_cell(d: &RecoveryDifference) -> String {
    match d {
        RecoveryDifference::Measured(e) => format!(
            "{} ± {}",
            signed(format!("{:.1}", e.mean)),
            e.half_95
                .map_or_else(|| "n/a".into(), |h| format!("{h:.1}"))
        ),
        RecoveryDifference::Censored { censored, pairs } => {
            format!("not estimable ({censored}/{pairs} censored)")
        }
        RecoveryDifference::Undefined => "—".to_owned(),
    }
}

/// What a variant's errors caused differ from the baseline's, in words:
/// `saves 18012 ± 40 errors`, `costs 120 ± 30 more errors`, or `no clear
/// difference in errors (+3 ± 12)` when the 95 % CI holds 0 (or there is
/// no CI).
fn errors_sentence(e: &Estimate) -> String {
    let half = e
        .half_95
        .map_or_else(|| "n/a".into(), |h| format!("{h:.0}"));
    let clear = e.ci_95().is_some_and(|(lo, hi)| lo > 0.0 || hi < 0.0);
    if clear && e.mean < 0.0 {
        format!("saves {:.0} ± {half} errors", -e.mean)
    } else if clear {
        format!("costs {:.0} ± {half} more errors", e.mean)
    } else {
        format!(
            "no clear difference in errors ({} ± {half})",
            signed(format!("{:.0}", e.mean))
        )
    }
}

/// The failure costs of a comparison's variants against the first: per
/// scheduled failure, per variant and class, the paired differences of
/// the errors caused and of the recovery time, then a sentence per
/// variant and class. Empty without failure differences.
pub fn failure_differences(c: &Comparison) -> String {
    if c.failure_differences.is_empty() {
        return String::new();
    }
    let base = &c.variants[0].name;
    let mut out = format!(
        "What each scheduled failure costs, variant − {base} (paired: replication k of every \
         variant uses the same random numbers; ± is the 95 % CI of the per-replication \
         differences; a recovery that is only a lower bound on either side is not estimable):\n"
    );
    // Variant-major: each failure once, in scenario order.
    let mut failures: Vec<usize> = c.failure_differences.iter().map(|d| d.failure).collect();
    failures.sort_unstable();
    failures.dedup();
    for i in failures {
        let Some(f) = c.variants[0].summary.failure_costs.get(i) else {
            continue;
        };
        let _ = writeln!(
            out,
            "failure {}: {} down {}-{}",
            i + 1,
            f.target,
            clock(f.start),
            clock(f.end)
        );
        let diffs: Vec<&FailureDifference> = c
            .failure_differences
            .iter()
            .filter(|d| d.failure == i)
            .collect();
        let rows: Vec<Vec<String>> = diffs
            .iter()
            .map(|d| {
                vec![
                    c.variants[d.variant].name.clone(),
                    d.class.clone(),
                    count_difference_cell(&d.errors),
                    count_difference_cell(&d.failed),
                    count_difference_cell(&d.timed_out),
                    count_difference_cell(&d.rejected),
                    recovery_difference_cell(&d.recovery),
                ]
            })
            .collect();
        let mut header = vec!["variant", "class"];
        header.extend(FAILURE_DIFFERENCE_COLUMNS);
        out.push_str(&align(&Columns::new(&header).left(&[0, 1]), &rows));
        for d in diffs {
            let _ = writeln!(
                out,
                "{}: {} {}{} (vs {base})",
                c.variants[d.variant].name,
                d.class,
                errors_sentence(&d.errors),
                match &d.recovery {
                    RecoveryDifference::Measured(e) => {
                        let half = e
                            .half_95
                            .map_or_else(|| "n/a".into(), |h| format!("{h:.1}"));
                        let clear = e.ci_95().is_some_and(|(lo, hi)| lo > 0.0 || hi < 0.0);
                        if clear {
                            format!(
                                ", recovers {:.1} ± {half} s {}",
                                e.mean.abs(),
                                if e.mean < 0.0 { "sooner" } else { "later" }
                            )
                        } else {
                            format!(
                                ", no clear difference in recovery ({} ± {half} s)",
                                signed(format!("{:.1}", e.mean))
                            )
                        }
                    }
                    RecoveryDifference::Censored { censored, pairs } => format!(
                        ", recovery not comparable ({censored}/{pairs} replications not recovered on a side before the end of the run)"
                    ),
                    RecoveryDifference::Undefined => String::new(),
                }
            );
        }
    }
    out
}

/// For a failure whose periods share time with other scheduled failures,
/// the sentence saying so (the text report and the `--html` page); `None`
/// otherwise. `other(j)` gives failure `j`.
pub fn overlap_note<'a>(
    f: &FailureCostSummary,
    other: impl Fn(usize) -> Option<&'a FailureCostSummary>,
) -> Option<String> {
    if f.overlaps.is_empty() {
        return None;
    }
    let names: Vec<String> = f
        .overlaps
        .iter()
        .map(|&j| match other(j) {
            Some(o) => format!(
                "failure {} ({} down {}-{})",
                j + 1,
                o.target,
                clock(o.start),
                clock(o.end)
            ),
            None => format!("failure {}", j + 1),
        })
        .collect();
    Some(format!(
        "overlaps {}: its figures include that effect, and errors in the shared time are counted in each of their costs (they do not add up)",
        names.join(", ")
    ))
}

/// Why random failures get no cost block, when the scenario has some;
/// empty otherwise.
pub fn random_failures_note(s: &Summary) -> String {
    if s.random_failures == 0 {
        return String::new();
    }
    format!(
        "Random failures ({} [[random_failures]] entr{}) are counted in the figures above but \
         not costed failure by failure: their times differ in every replication (they may fall \
         in the warm-up, overlap each other or outlast the run), so there is no common before, \
         during and after to estimate over replications or to pair between variants. To cost \
         one, schedule it with [[failures]].\n",
        s.random_failures,
        if s.random_failures == 1 { "y" } else { "ies" }
    )
}

/// A recovery time: `12.5 ± 1.1`; `≥ 600.0 (3/10 not recovered)` when
/// some replication did not recover before the end of the run; `—`
/// without a level before the failure.
pub(crate) fn recovery_cell(c: &crate::experiment::failure_cost::FailureClassCost) -> String {
    let e = &c.recovery;
    if e.mean.is_nan() {
        "—".to_owned()
    } else if c.recovery_censored > 0 {
        format!(
            "≥ {:.1} ({}/{} not recovered)",
            e.mean, c.recovery_censored, e.n
        )
    } else {
        secs(e)
    }
}

/// One SLO and its verdict: `SLO portal: p95 <= 800 ms: met (estimate
/// …)`, as `run` prints it.
fn slo_verdict(c: &ClassSummary, check: &SloCheck) -> String {
    let (what, limit) = describe(check.slo);
    format!(
        "SLO {}: {what} <= {}: {}",
        c.name,
        slo_amount(check.slo, limit),
        slo_outcome(c, check)
    )
}

/// SLO verdicts, one line each; empty when no class has an SLO.
pub fn slos(s: &Summary) -> String {
    let mut out = String::new();
    for c in &s.classes {
        for check in &c.slos {
            let _ = writeln!(out, "{}", slo_verdict(c, check));
        }
    }
    out
}

/// The SLO verdicts of every variant, one line per variant (its checks
/// worded as `run` words them, separated by `; `) under a heading; empty
/// when no variant has an SLO.
fn variant_slos(c: &Comparison) -> String {
    let mut lines = String::new();
    for v in &c.variants {
        let checks: Vec<String> = v
            .summary
            .classes
            .iter()
            .flat_map(|c| c.slos.iter().map(move |k| slo_verdict(c, k)))
            .collect();
        if !checks.is_empty() {
            let _ = writeln!(lines, "  {}: {}", v.name, checks.join("; "));
        }
    }
    if lines.is_empty() {
        return lines;
    }
    format!(
        "SLO verdicts of each variant (met when the upper end of the figure's 95% CI is within the limit and the figure can be judged):\n{lines}"
    )
}

/// Publish lead times, one line each.
pub fn publishes(s: &Summary) -> String {
    let mut out = String::new();
    for c in s.classes.iter().filter(|c| c.is_publish()) {
        let _ = writeln!(
            out,
            "{}: lead time p50 {:.1} s, p95 {:.1} s {}, {} publishes measured",
            c.name,
            c.p50.mean,
            c.p95.mean,
            match c.p95.half_95 {
                Some(_) => format!("{} s", ci_reach(&c.p95, |x| format!("{x:.1}"))),
                None => "± n/a".to_owned(),
            },
            c.answered
        );
    }
    out
}

/// MSER-5 warm-up advice when a traffic class's suggestion (over the
/// replications the rule judges settled) exceeds the warm-up used (timers
/// and publishes are too sparse for the rule). None, and one line saying
/// why, for a scenario that is not stationary: no warm-up makes a daily
/// profile or a failure settle.
pub fn warmup_advice(s: &Summary, warmup: f64) -> String {
    if let Some(why) = s.non_stationary {
        return format!(
            "note: no MSER-5 warm-up advice: {why}, so the run has no steady state for a warm-up rule to find\n"
        );
    }
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
        if c.mser_unsettled == c.replications {
            let _ = writeln!(
                out,
                "note: MSER-5 found no settled state for {} in any of {} replication(s), so it gives no warm-up advice: the run may be too short, or the class overloaded",
                c.name, c.replications
            );
        } else {
            let _ = writeln!(
                out,
                "note: MSER-5 found no settled state for {} in {} of {} replication(s): the run may be too short, or the class overloaded",
                c.name, c.mser_unsettled, c.replications
            );
        }
    }
    out
}

/// The report of `o11sim run`; `written` are the files written.
pub fn run(r: &RunReport, written: &[PathBuf]) -> String {
    let st = &r.settings;
    let s = &r.variant.summary;
    let mut out = format!(
        "o11sim run {}: {} of {} after a {} warm-up, seed {}\n",
        st.scenario,
        replications(st),
        format_duration(st.duration),
        format_duration(st.warmup),
        st.seed
    );
    let _ = writeln!(out, "\n{}", classes(s));
    for part in [unmeasured_note(s, ""), slos(s), publishes(s)] {
        if !part.is_empty() {
            let _ = writeln!(out, "{part}");
        }
    }
    let _ = writeln!(out, "{}", resources(s));
    let b = bottlenecks(s, "");
    if !b.is_empty() {
        let _ = writeln!(out, "{BOTTLENECK_HEADING}\n{b}");
    }
    let db = databases(s);
    if !db.is_empty() {
        let _ = writeln!(out, "{db}");
    }
    let costs = failure_costs(&[(None, s)]);
    if !costs.is_empty() {
        let _ = writeln!(out, "{costs}");
    }
    let note = random_failures_note(s);
    if !note.is_empty() {
        let _ = writeln!(out, "{note}");
    }
    let tl = timeline(s);
    if !tl.is_empty() {
        let _ = writeln!(out, "{tl}");
    }
    let peaks = peak_hours(s);
    if !peaks.is_empty() {
        let _ = writeln!(out, "{peaks}");
    }
    out.push_str(&warmup_advice(s, st.warmup));
    push_paragraph(&mut out, &precision_lines(st, [&r.variant]));
    out.push_str(&wrote_one_line(written));
    out
}

/// The heading above the bottleneck lines, with the rule they follow.
pub(crate) const BOTTLENECK_HEADING: &str = "Bottlenecks (requests answered in time): where they wait longest - the front-ends, the database or an external system, waiting for an IIS worker or a connection shared out by what holds them - and what more front-ends would do; then the station holding the largest share of the response time (waiting plus service) and the busiest resource on the path";

/// The readable name of a station from its key.
fn station_name(kind: StationKind, key: &str) -> String {
    let inner = |prefix: &str, suffix: &str| {
        key.strip_prefix(prefix)
            .and_then(|k| k.strip_suffix(suffix))
            .unwrap_or(key)
            .to_owned()
    };
    match kind {
        StationKind::Network => "network".into(),
        StationKind::IisQueue => "IIS queue".into(),
        StationKind::FrontEndCpu => "front-end CPU".into(),
        StationKind::ConnectionPool => "connection pool".into(),
        StationKind::DatabaseCpu => format!("{} database", inner("db.", ".cpu")),
        StationKind::DatabaseFailover => format!("{} database failover", inner("db.", ".failover")),
        StationKind::External => format!("external {}", inner("external.", "")),
    }
}

/// Below this share of the response time spent waiting where the advice
/// points, the line says "no bottleneck yet" instead of naming one.
pub const LITTLE_WAITING: f64 = 0.10;

/// One class's bottleneck line, e.g. `portal: bottleneck production
/// database (91 % CPU; 62 % of the response time waits for it); more
/// front-ends will not help, the database is the limit; largest share IIS
/// queue 70 %`.
pub(crate) fn bottleneck_line(class: &str, b: &Bottleneck) -> String {
    let waited = short_pct(b.limit_waiting_share);
    let busy = |kind: &str, r: &Option<(String, Estimate)>| match r {
        Some((_, u)) if kind == "cpu" => format!("{} CPU; ", short_pct(u.mean)),
        Some((name, u)) => format!("{name} {}; ", short_pct(u.mean)),
        None => String::new(),
    };
    // Waiting this small is no limit yet: say where it is, without calling
    // the station a bottleneck (a 65 %-busy database with 5 % of the
    // response time spent waiting for it limits nothing).
    let slight = b.advice != Advice::NoWaiting && b.limit_waiting_share < LITTLE_WAITING;
    let head = match b.advice {
        _ if slight => {
            let (place, busy) = match b.advice {
                Advice::MoreFrontEndsHelp => ("the front-ends".to_owned(), busy("row", &b.limit_resource)),
                Advice::DatabaseLimit => (
                    format!(
                        "the {}",
                        station_name(StationKind::DatabaseCpu, b.limit.as_deref().unwrap_or_default())
                    ),
                    busy("cpu", &b.limit_resource),
                ),
                _ => (
                    format!(
                        "the {}",
                        station_name(StationKind::External, b.limit.as_deref().unwrap_or_default())
                    ),
                    String::new(),
                ),
            };
            let busy = busy.trim_end_matches("; ");
            let busy = if busy.is_empty() { String::new() } else { format!(", {busy}") };
            // The rule judges the one place where the requests wait
            // longest; the path's waiting in all can be larger, spread over
            // places none of which is a limit on its own.
            format!(
                "no bottleneck yet: {} of the response time waits in all, at most {waited} for one place ({place}{busy}); more capacity would shorten it little",
                short_pct(b.total_waiting_share.max(b.limit_waiting_share))
            )
        }
        Advice::MoreFrontEndsHelp => format!(
            "bottleneck the front-ends ({}{waited} of the response time waits there); more front-ends would help",
            busy("row", &b.limit_resource)
        ),
        // Most of the database's part is waiting out failovers (or an
        // outage of a single node): its CPU is not what to size.
        Advice::DatabaseLimit if 2.0 * b.failover_waiting_share > b.limit_waiting_share => format!(
            "bottleneck {} unavailable ({} of the response time waits for it to come back, {waited} for the database in all); more front-ends will not help, its failovers and outages are the limit",
            station_name(StationKind::DatabaseCpu, b.limit.as_deref().unwrap_or_default()),
            short_pct(b.failover_waiting_share)
        ),
        Advice::DatabaseLimit => format!(
            "bottleneck {} ({}{waited} of the response time waits for it); more front-ends will not help, the database is the limit",
            station_name(StationKind::DatabaseCpu, b.limit.as_deref().unwrap_or_default()),
            busy("cpu", &b.limit_resource)
        ),
        Advice::ExternalLimit => {
            let name = station_name(StationKind::External, b.limit.as_deref().unwrap_or_default());
            format!(
                "bottleneck {name} ({}{waited} of the response time waits for it); more front-ends will not help, {name} is the limit",
                busy("busy", &b.limit_resource).replace(&format!("{} ", b.limit.as_deref().unwrap_or_default()), "")
            )
        }
        Advice::NoWaiting => {
            "no bottleneck: no resource makes its requests wait, more capacity will not shorten them".to_owned()
        }
    };
    let largest = format!(
        "; largest share {} {} ({} waiting)",
        station_name(b.kind, &b.station),
        short_pct(b.share),
        short_pct(b.waiting_share)
    );
    let busiest = match (&b.busiest, &b.limit_resource) {
        (Some((name, _)), Some((own, _))) if name == own => String::new(),
        (Some((name, u)), _) => format!("; busiest on its path {name} {}", short_pct(u.mean)),
        _ => String::new(),
    };
    format!("{class}: {head}{largest}{busiest}")
}

/// The bottleneck line of every traffic class of a summary that has one,
/// in class order: what the text report and the HTML page both print, so
/// their wording cannot drift apart.
pub(crate) fn bottleneck_lines(s: &Summary) -> Vec<String> {
    s.classes
        .iter()
        .filter(|c| c.is_traffic)
        .filter_map(|c| c.bottleneck.as_ref().map(|b| bottleneck_line(&c.name, b)))
        .collect()
}

/// The bottleneck line of every traffic class of a summary, each indented
/// and prefixed with `prefix`; empty when no class has one.
pub fn bottlenecks(s: &Summary, prefix: &str) -> String {
    let mut out = String::new();
    for line in bottleneck_lines(s) {
        let _ = writeln!(out, "  {prefix}{line}");
    }
    out
}

/// The bottleneck lines of every variant of a comparison or sweep, each
/// after its variant's name (shared with the HTML page).
pub(crate) fn variant_bottleneck_lines(c: &Comparison) -> Vec<String> {
    c.variants
        .iter()
        .flat_map(|v| {
            bottleneck_lines(&v.summary)
                .into_iter()
                .map(move |line| format!("{}: {line}", v.name))
        })
        .collect()
}

/// The bottleneck lines of every variant of a comparison or sweep.
fn variant_bottlenecks(c: &Comparison) -> String {
    let lines = variant_bottleneck_lines(c);
    if lines.is_empty() {
        return String::new();
    }
    let mut out = format!("\n{BOTTLENECK_HEADING}\n");
    for line in lines {
        let _ = writeln!(out, "  {line}");
    }
    out
}

/// Windows a run's report lists one by one; longer timelines are only in
/// the files.
const TIMELINE_ROWS: usize = 48;

/// The timeline of a run: per window, each traffic class's p95 and error
/// rate, failures marked; a one-line pointer to the files when there are
/// more than [`TIMELINE_ROWS`] windows. Empty without a timeline.
pub fn timeline(s: &Summary) -> String {
    let Some(t) = &s.timeline else {
        return String::new();
    };
    let mut out = format!(
        "Timeline: {} window(s) of {} from the end of the warm-up (simulated time; failures marked *)\n",
        t.windows,
        format_duration(t.window)
    );
    if t.windows > TIMELINE_ROWS {
        out.push_str(
            "  every window is in --csv (FILE-timeline.csv) and --json; run --plot draws it\n",
        );
        return out;
    }
    let traffic: Vec<(usize, &ClassSummary)> = s
        .classes
        .iter()
        .enumerate()
        .take(t.rows)
        .filter(|(_, c)| c.is_traffic)
        .collect();
    // With `simulation.start`, the time of day beside the simulated time.
    let day = t.clock != 0.0;
    let mut header: Vec<String> = vec!["window".into()];
    if day {
        header.push("time of day".into());
    }
    for (_, c) in &traffic {
        header.push(format!("{} p95 (ms)", c.name));
        header.push(format!("{} errors", c.name));
    }
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let rows: Vec<Vec<String>> = (0..t.windows)
        .map(|w| {
            let (a, b) = t.bounds(w);
            let failed = t.failures.iter().any(|f| f.start < b && f.end > a);
            let mut row = vec![format!(
                "{}-{}{}",
                clock(a),
                clock(b),
                if failed { " *" } else { "" }
            )];
            if day {
                row.push(format!(
                    "{}-{}",
                    time_of_day(t.time_of_day(a)),
                    time_of_day(t.time_of_day(b))
                ));
            }
            for &(i, c) in &traffic {
                let f = t.class(w, i);
                row.push(if f.p95.mean.is_nan() {
                    "-".into()
                } else {
                    window_p95_cell(c, f)
                });
                row.push(pct(f.error_rate.mean));
            }
            row
        })
        .collect();
    out.push_str(&align(&Columns::new(&header_refs), &rows));
    out
}

/// A window's p95 with its CI, or, when it fell among the responses cut
/// at the client timeout in some replication, the bound the whole-run
/// table gives: `>= 10000 (timed out)`.
pub(crate) fn window_p95_cell(c: &ClassSummary, f: &WindowClassSummary) -> String {
    match c.timeout {
        Some(timeout) if f.p95_censored > 0 => format!(">= {} (timed out)", ms(timeout)),
        _ => with_ci(&f.p95.estimate(), ms, ""),
    }
}

/// The heading word of a timeline's peak windows: `Peak hour` with
/// one-hour windows, else `Peak window (LENGTH)`.
pub(crate) fn peak_what(t: &TimelineSummary) -> String {
    if t.window == 3600.0 {
        "Peak hour".to_owned()
    } else {
        format!("Peak window ({})", format_duration(t.window))
    }
}

/// The headings of [`peak_rows`]' cells.
pub(crate) const PEAK_HEADER: [&str; 6] = [
    "class",
    "window",
    "time of day",
    "p95 (ms)",
    "throughput (req/s)",
    "errors",
];

/// Each traffic class's peak window of a summary: the class, the window
/// in simulated time, its time of day, and its p95, throughput and error
/// rate with CIs. Empty without a timeline or peaks.
pub(crate) fn peak_rows(s: &Summary) -> Vec<[String; 6]> {
    let Some(t) = &s.timeline else {
        return Vec::new();
    };
    t.peaks
        .iter()
        .map(|p| {
            let f = t.class(p.window, p.row);
            let (a, b) = t.bounds(p.window);
            [
                s.classes[p.row].name.clone(),
                format!("{}-{}", clock(a), clock(b)),
                format!(
                    "{}-{}",
                    time_of_day(t.time_of_day(a)),
                    time_of_day(t.time_of_day(b))
                ),
                window_p95_cell(&s.classes[p.row], f),
                with_ci(&f.throughput.estimate(), |x| format!("{x:.2}"), ""),
                with_ci(
                    &f.error_rate.estimate(),
                    |x| format!("{:.2}", x * 100.0),
                    "%",
                ),
            ]
        })
        .collect()
}

/// Each traffic class's peak window of a profiled scenario (the one with
/// the highest p95: its peak hour with the default one-hour windows), its
/// time of day and figures with CIs. Empty without peaks.
pub fn peak_hours(s: &Summary) -> String {
    let Some(t) = &s.timeline else {
        return String::new();
    };
    if t.peaks.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "{} of each class: the window with the highest p95 (time of day; whole-run figures above)\n",
        peak_what(t)
    );
    let rows: Vec<Vec<String>> = peak_rows(s).into_iter().map(Vec::from).collect();
    out.push_str(&align(&Columns::new(&PEAK_HEADER), &rows));
    for line in error_peak_lines(s, "") {
        let _ = writeln!(out, "{line}");
    }
    out
}

/// A class whose errors peak outside its peak window by p95 (an outage
/// that answered nothing has no p95): one sentence each, after `prefix`
/// (a variant's name). The text and the HTML page both say it in these
/// words.
pub(crate) fn error_peak_lines(s: &Summary, prefix: &str) -> Vec<String> {
    let Some(t) = &s.timeline else {
        return Vec::new();
    };
    let window = |w: usize| {
        let (a, b) = t.bounds(w);
        format!(
            "{}-{}",
            time_of_day(t.time_of_day(a)),
            time_of_day(t.time_of_day(b))
        )
    };
    let errors = |e: &crate::experiment::timeline::WindowEstimate| {
        with_ci(&e.estimate(), |x| format!("{:.2}", x * 100.0), "%")
    };
    t.error_peaks
        .iter()
        .map(|e| {
            let f = t.class(e.window, e.row);
            let answered = if f.p95.mean.is_nan() {
                "nothing answered, so no p95".to_owned()
            } else {
                format!("p95 {}", window_p95_cell(&s.classes[e.row], f))
            };
            let peak = t
                .peaks
                .iter()
                .find(|p| p.row == e.row)
                .map(|p| {
                    format!(
                        ", against {} in its peak window {}",
                        errors(&t.class(p.window, p.row).error_rate),
                        window(p.window)
                    )
                })
                .unwrap_or_default();
            format!(
                "{prefix}{}: most errors in {}: {} of its requests ({answered}){peak}",
                s.classes[e.row].name,
                window(e.window),
                errors(&f.error_rate),
            )
        })
        .collect()
}

/// The peak window of each traffic class in every variant of a comparison
/// or sweep of a profiled scenario, one row per variant and class: its time
/// of day (each variant's own: a variant can move the peak) and figures
/// with CIs. The variant is named by `lead`'s headings and cells (its name
/// in `compare`, its varied values in `sweep`). Empty when no variant has
/// peaks.
fn variant_peak_hours(
    c: &Comparison,
    lead: &[&str],
    cells: impl Fn(&crate::experiment::VariantResult) -> Vec<String>,
) -> String {
    let timelines: Vec<&TimelineSummary> = c
        .variants
        .iter()
        .filter_map(|v| v.summary.timeline.as_ref())
        .filter(|t| !t.peaks.is_empty())
        .collect();
    let Some(first) = timelines.first() else {
        return String::new();
    };
    let what = if timelines.iter().all(|t| t.window == first.window) {
        peak_what(first)
    } else {
        "Peak window".to_owned()
    };
    let mut out = format!(
        "{what} of each class in each variant: the window with the highest p95, by time of day (variants can peak at different hours; whole-run figures above)\n"
    );
    let mut header: Vec<&str> = lead.to_vec();
    header.extend([
        "class",
        "time of day",
        "p95 (ms)",
        "throughput (req/s)",
        "errors",
    ]);
    let mut rows = Vec::new();
    for v in &c.variants {
        for [class, _, day, p95, throughput, errors] in peak_rows(&v.summary) {
            let mut row = cells(v);
            row.extend([class, day, p95, throughput, errors]);
            rows.push(row);
        }
    }
    let left: Vec<usize> = (0..=lead.len()).collect();
    out.push_str(&align(&Columns::new(&header).left(&left), &rows));
    for v in &c.variants {
        for line in error_peak_lines(&v.summary, &format!("{}: ", v.name)) {
            let _ = writeln!(out, "{line}");
        }
    }
    out
}

/// A time of day (seconds since midnight) as `HH:MM` (`HH:MM:SS` when not
/// whole minutes).
pub(crate) fn time_of_day(t: f64) -> String {
    let secs = (t.round() as u64) % 86_400;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if s == 0 {
        format!("{h:02}:{m:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

/// Simulated seconds as `H:MM` (`H:MM:SS` when not whole minutes).
pub(crate) fn clock(t: f64) -> String {
    let secs = t.round() as u64;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if s == 0 {
        format!("{h}:{m:02}")
    } else {
        format!("{h}:{m:02}:{s:02}")
    }
}

// ---- compare ----------------------------------------------------------------

/// Row label: the class name on its first row only, then the figure.
fn label(class: &str, width: usize, first: bool, figure: &str) -> String {
    let shown = if first { class } else { "" };
    format!("{shown:<width$}  {figure}")
}

/// The differences of a comparison by (variant, row, measure).
fn by_key(differences: &[Difference]) -> HashMap<(usize, &str, Measure), &Difference> {
    differences
        .iter()
        .map(|d| ((d.variant, d.row.as_str(), d.measure), d))
        .collect()
}

/// A paired difference as the reports show it: the number with its CI, or
/// why there is none (a percentile cut at the client timeout in some
/// replication is only a lower bound).
pub(crate) fn paired_cell(d: &Difference) -> String {
    match d.estimable() {
        Some(e) => difference_cell(d.measure, e),
        None => format!(
            "not estimable ({}/{} cut at the timeout)",
            d.censored, d.estimate.n
        ),
    }
}

/// The report of `o11sim compare`: the variants side by side, the paired
/// differences and one sentence per variant.
pub fn comparison(c: &Comparison, written: &[PathBuf]) -> String {
    let what = c
        .varied
        .iter()
        .map(|d| format!("{} = {}", d.key, d.values.join(", ")))
        .collect::<Vec<_>>()
        .join("; ");
    let mut out = headline("compare", &c.settings, &what);
    out.push('\n');
    let summaries: Vec<&Summary> = c.variants.iter().map(|v| &v.summary).collect();
    let classes = class_names(summaries.iter().copied());
    let resources = resource_names(summaries.iter().copied());
    let width = classes.iter().map(|c| c.chars().count()).max().unwrap_or(0);
    let _ = write!(out, "\n{}", side_by_side(c, &classes, width));
    let unmeasured = variants_unmeasured_note(c);
    if !unmeasured.is_empty() {
        let _ = write!(out, "\n{unmeasured}");
    }
    let verdicts = variant_slos(c);
    if !verdicts.is_empty() {
        let _ = write!(out, "\n{verdicts}");
    }
    let _ = write!(out, "\n{}", utilizations(c, &resources));
    for v in &c.variants {
        let db = databases(&v.summary);
        if !db.is_empty() {
            let _ = write!(out, "\n{}:\n{db}", v.name);
        }
    }
    let named: Vec<_> = c
        .variants
        .iter()
        .map(|v| (Some(v.name.as_str()), &v.summary))
        .collect();
    let costs = failure_costs(&named);
    if !costs.is_empty() {
        let _ = write!(out, "\n{costs}");
    }
    let paired = failure_differences(c);
    if !paired.is_empty() {
        let _ = write!(out, "\n{paired}");
    }
    let note = random_failures_note(&c.variants[0].summary);
    if !note.is_empty() {
        let _ = write!(out, "\n{note}");
    }
    let peaks = variant_peak_hours(c, &["variant"], |v| vec![v.name.clone()]);
    if !peaks.is_empty() {
        let _ = write!(out, "\n{peaks}");
    }
    out.push_str(&variant_bottlenecks(c));
    if c.variants.len() >= 2 {
        out.push_str(&differences(c, &classes, &resources, width));
    }
    push_paragraph(&mut out, &precision_lines(&c.settings, &c.variants));
    out.push_str(&wrote_lines(written));
    out
}

/// [`unmeasured_note`] for every variant, each line naming its variant.
fn variants_unmeasured_note(c: &Comparison) -> String {
    c.variants
        .iter()
        .map(|v| unmeasured_note(&v.summary, &format!("{}: ", v.name)))
        .collect()
}

/// Every class figure of the variants side by side. A variant's heading
/// is flagged when a traffic class is saturated; timer rows are left out of
/// the heading (in a short run a long timer still running at the end looks
/// like a backlog), their own rows still show the flag.
fn side_by_side(c: &Comparison, classes: &[String], width: usize) -> String {
    let mut header = vec!["class / figure".to_owned()];
    header.extend(c.variants.iter().map(|v| {
        let mut name = v.name.clone();
        let traffic = || v.summary.classes.iter().filter(|c| !c.is_timer());
        if traffic().any(|c| c.saturated) {
            name.push_str(" [SATURATED]");
        }
        if traffic().any(|c| c.rejecting) {
            name.push_str(" [REJECTING]");
        }
        name
    }));
    let mut rows = Vec::new();
    for class in classes {
        let found: Vec<_> = c
            .variants
            .iter()
            .map(|v| v.summary.classes.iter().find(|c| &c.name == class))
            .collect();
        for (i, f) in Figure::ALL.iter().enumerate() {
            let mut row = vec![label(class, width, i == 0, figure_label(*f))];
            row.extend(
                found
                    .iter()
                    .map(|c| c.map_or_else(|| "—".to_owned(), |c| class_figure_cell(c, *f))),
            );
            rows.push(row);
        }
        if found.iter().flatten().any(|c| c.saturated) {
            let mut row = vec![label(class, width, false, "saturated")];
            row.extend(found.iter().map(|c| match c {
                Some(c) if c.saturated => "SATURATED".to_owned(),
                Some(_) => "no".to_owned(),
                None => "—".to_owned(),
            }));
            rows.push(row);
        }
        if found.iter().flatten().any(|c| c.rejecting) {
            let mut row = vec![label(class, width, false, "rejecting")];
            row.extend(found.iter().map(|c| match c {
                Some(c) if c.rejecting => format!("REJECTING {}", short_pct(c.rejected_rate.mean)),
                Some(_) => "no".to_owned(),
                None => "—".to_owned(),
            }));
            rows.push(row);
        }
    }
    let refs: Vec<&str> = header.iter().map(String::as_str).collect();
    align(&Columns::new(&refs), &rows)
}

/// Every resource's utilization, the variants side by side.
fn utilizations(c: &Comparison, resources: &[String]) -> String {
    let mut header = vec!["resource utilization".to_owned()];
    header.extend(c.variants.iter().map(|v| v.name.clone()));
    let rows: Vec<Vec<String>> = resources
        .iter()
        .map(|r| {
            let mut row = vec![r.clone()];
            row.extend(c.variants.iter().map(|v| {
                v.summary
                    .resources
                    .iter()
                    .find(|x| &x.name == r)
                    .map_or_else(|| "—".to_owned(), |x| pct_ci(&x.utilization))
            }));
            row
        })
        .collect();
    let refs: Vec<&str> = header.iter().map(String::as_str).collect();
    align(&Columns::new(&refs), &rows)
}

/// The paired differences against the first variant, and one sentence per
/// variant with the p95 of each traffic class.
fn differences(c: &Comparison, classes: &[String], resources: &[String], width: usize) -> String {
    let mut out = String::new();
    let diffs = by_key(&c.differences);
    let base = &c.variants[0];
    let others = 1..c.variants.len();
    let _ = writeln!(
        out,
        "\npaired differences, variant − {} (replication k of every variant uses the same random numbers; ± is the 95% CI of the per-replication differences):",
        base.name
    );
    let mut header = vec!["class / figure".to_owned()];
    header.extend(others.clone().map(|v| c.variants[v].name.clone()));
    let cell = |v: usize, row: &str, m: Measure| {
        diffs
            .get(&(v, row, m))
            .map_or_else(|| "—".to_owned(), |d| paired_cell(d))
    };
    let mut rows = Vec::new();
    for class in classes {
        for (i, f) in Figure::ALL.iter().enumerate() {
            let mut row = vec![label(class, width, i == 0, figure_label(*f))];
            row.extend(others.clone().map(|v| cell(v, class, Measure::Class(*f))));
            rows.push(row);
        }
    }
    for res in resources {
        let mut row = vec![format!("{res} utilization")];
        row.extend(others.clone().map(|v| cell(v, res, Measure::Utilization)));
        if row[1..].iter().any(|c| c != "—") {
            rows.push(row);
        }
    }
    let refs: Vec<&str> = header.iter().map(String::as_str).collect();
    out.push_str(&align(&Columns::new(&refs), &rows));
    out.push('\n');
    let traffic: Vec<&str> = base
        .summary
        .classes
        .iter()
        .filter(|c| c.is_traffic)
        .map(|c| c.name.as_str())
        .collect();
    for v in others {
        let parts: Vec<String> = traffic
            .iter()
            .filter_map(|class| {
                let d = diffs.get(&(v, *class, Measure::Class(Figure::P95)))?;
                let Some(e) = d.estimable() else {
                    return Some(format!("{class} p95 {}", paired_cell(d)));
                };
                let half = e.half_95.map_or_else(|| "n/a".into(), ms);
                Some(format!("{class} p95 {} ms ± {half}", signed(ms(e.mean))))
            })
            .collect();
        if !parts.is_empty() {
            let _ = writeln!(
                out,
                "{}: {} (vs {})",
                c.variants[v].name,
                parts.join(", "),
                base.name
            );
        }
    }
    out
}

// ---- sweep ------------------------------------------------------------------

/// The report of `o11sim sweep`: one row per variant and class, then the
/// CPU resources (the CSV has every resource).
pub fn sweep(c: &Comparison, written: &[PathBuf]) -> String {
    let what = c
        .varied
        .iter()
        .map(|d| format!("{} = {}", d.key, d.values.join(", ")))
        .collect::<Vec<_>>()
        .join(" x ");
    let mut out = headline(
        "sweep",
        &c.settings,
        &format!("{} variant(s), {what}", c.variants.len()),
    );
    out.push('\n');
    let keys: Vec<&str> = c.varied.iter().map(|d| d.key.as_str()).collect();
    let key_cells = |v: &crate::experiment::VariantResult| -> Vec<String> {
        v.keys.iter().map(|(_, val)| val.clone()).collect()
    };
    let mut header: Vec<&str> = keys.clone();
    header.extend([
        "class",
        "throughput (req/s)",
        "p50 (ms)",
        "p95 (ms)",
        "p99 (ms)",
        "error rate",
    ]);
    let mut rows = Vec::new();
    for v in &c.variants {
        for cl in &v.summary.classes {
            let mut row = key_cells(v);
            row.extend([
                format!("{}{}", cl.name, tags(cl)),
                format!("{:.2}", cl.throughput.mean),
                class_figure_mean(cl, Figure::P50),
                class_figure_cell(cl, Figure::P95),
                class_figure_mean(cl, Figure::P99),
                pct(cl.error_rate.mean),
            ]);
            rows.push(row);
        }
    }
    let left = [keys.len()];
    let _ = write!(
        out,
        "\n{}",
        align(&Columns::new(&header).left(&left), &rows)
    );
    let unmeasured = variants_unmeasured_note(c);
    if !unmeasured.is_empty() {
        let _ = write!(out, "\n{unmeasured}");
    }
    let verdicts = variant_slos(c);
    if !verdicts.is_empty() {
        let _ = write!(out, "\n{verdicts}");
    }
    let mut header: Vec<&str> = keys.clone();
    header.extend(["resource (CPU)", "utilization", "mean queue"]);
    let mut rows = Vec::new();
    for v in &c.variants {
        for r in v.summary.resources.iter().filter(|r| {
            matches!(
                r.kind,
                ResourceKind::FrontEndCpu
                    | ResourceKind::DatabaseCpu
                    | ResourceKind::DeploymentController
            )
        }) {
            let mut row = key_cells(v);
            row.extend([
                r.name.clone(),
                pct_ci(&r.utilization),
                format!("{:.3}", r.mean_queue.mean),
            ]);
            rows.push(row);
        }
    }
    let _ = write!(
        out,
        "\n{}",
        align(&Columns::new(&header).left(&left), &rows)
    );
    let costs = sweep_failure_costs(c);
    if !costs.is_empty() {
        let _ = write!(out, "\n{costs}");
    }
    if let Some(v) = c.variants.first() {
        let note = random_failures_note(&v.summary);
        if !note.is_empty() {
            let _ = write!(out, "\n{note}");
        }
    }
    let peaks = variant_peak_hours(c, &keys, key_cells);
    if !peaks.is_empty() {
        let _ = write!(out, "\n{peaks}");
    }
    push_paragraph(&mut out, &precision_lines(&c.settings, &c.variants));
    out.push_str(&variant_bottlenecks(c));
    out.push_str(&wrote_lines(written));
    out
}

/// A sweep's failure costs, compactly: per point, scheduled failure and
/// traffic class, the errors caused and the recovery time (the failures
/// CSV has every figure). Empty without a measured scheduled failure.
fn sweep_failure_costs(c: &Comparison) -> String {
    let keys: Vec<&str> = c.varied.iter().map(|d| d.key.as_str()).collect();
    let mut rows = Vec::new();
    for v in &c.variants {
        for f in &v.summary.failure_costs {
            for cl in &f.classes {
                let mut row: Vec<String> = v.keys.iter().map(|(_, val)| val.clone()).collect();
                row.extend([
                    format!("{} {}", f.failure + 1, f.target),
                    cl.class.clone(),
                    count_cell(&cl.errors),
                    recovery_cell(cl),
                ]);
                rows.push(row);
            }
        }
    }
    if rows.is_empty() {
        return String::new();
    }
    let mut header = keys.clone();
    header.extend(["failure", "class", "errors caused", "recovery (s)"]);
    let left = [keys.len(), keys.len() + 1];
    format!(
        "What each scheduled failure costs, per replication (95 % CI; errors caused: the excess \
         over the rate before it; recovery: until p95 is within 10 % of p95 before):\n{}",
        align(&Columns::new(&header).left(&left), &rows)
    )
}

// ---- size -------------------------------------------------------------------

/// One candidate's line: the count, meets or misses, and each objective.
fn candidate_line(s: &Sizing, label: &str, c: &Candidate) -> String {
    let shown = if s.spare > 0 {
        format!("{} ({} running, {} down)", c.front_ends, c.running, s.spare)
    } else {
        c.running.to_string()
    };
    checks_line(s, &format!("{label} = {shown}"), c)
}

/// One zone's search: each candidate's line, then its answer (a zone
/// without one is named on the report's last lines).
fn zone_lines(out: &mut String, s: &Sizing, z: &ZoneSizing, down: &str) {
    for c in &z.candidates {
        out.push_str(&candidate_line(s, &z.label, c));
    }
    match z.answer {
        Answer::NoObjective { front_ends } => {
            let _ = writeln!(
                out,
                "  no SLO applies to its classes; kept at {front_ends} front-end(s) as in the scenario"
            );
        }
        Answer::Found { front_ends, .. } if !z.front_ends => {
            let fewer = if front_ends > 1 {
                format!("; {} does not", front_ends - 1)
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "  smallest value: {front_ends} (meets every objective{fewer})"
            );
        }
        Answer::Found {
            front_ends,
            running,
        } => {
            let fewer = match running - 1 {
                0 => String::new(),
                1 => "; 1 does not".to_owned(),
                k => format!("; {k} do not"),
            };
            let utilization = if s.max_utilization.is_some() {
                " and --max-utilization"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "  smallest count: {front_ends} ({running} running front-end(s) meet every SLO{utilization}{down}{fewer})"
            );
        }
        Answer::NotFound => {}
    }
}

/// The joint check's line: every zone's answer, then its checks.
fn joint_line(s: &Sizing, j: &Candidate) -> String {
    let counts = j
        .variant
        .keys
        .iter()
        .filter(|(k, _)| k != "running")
        .map(|(k, v)| format!("{k} = {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    let down = if s.spare > 0 {
        format!(" ({} down in each zone sized)", s.spare)
    } else {
        String::new()
    };
    checks_line(s, &format!("{counts}{down}"), j)
}

/// `  HEAD: meets|misses  CHECKS`, and when it stopped early, why.
fn checks_line(s: &Sizing, head: &str, c: &Candidate) -> String {
    let checks: Vec<String> = c
        .checks
        .iter()
        .map(|k| {
            let o = &s.objectives[k.objective];
            let (what, limit) = describe(o.slo);
            let row = c.variant.summary.classes.iter().find(|r| r.name == o.class);
            match (&k.estimate, row) {
                (Some(e), Some(row)) => {
                    let upper = upper(e);
                    let amount = |x| slo_amount(o.slo, x);
                    let why = match k.verdict {
                        Some(SloVerdict::Saturated) => " [SATURATED]".to_owned(),
                        Some(SloVerdict::Rejecting) => {
                            format!(" [REJECTING {}]", short_pct(row.rejected_rate.mean))
                        }
                        Some(SloVerdict::NoneCompleted) => " [NO REQUEST COMPLETED]".to_owned(),
                        _ => String::new(),
                    };
                    // The percentile fell in the cut at the client
                    // timeout: its value is hidden, only its bound is known
                    // (as the class table shows it).
                    let figure = match o.slo {
                        Slo::P95(_) => Figure::P95,
                        Slo::P99(_) => Figure::P99,
                        _ => Figure::Mean,
                    };
                    let censored = k.verdict == Some(SloVerdict::Censored)
                        || (k.verdict == Some(SloVerdict::NoneCompleted)
                            && row.censored.of(figure) > 0);
                    if censored {
                        format!(
                            "{} {what} >= {} (timed out) vs {}{why}",
                            o.class,
                            amount(row.timeout.unwrap_or(f64::NAN)),
                            amount(limit)
                        )
                    } else if e.mean.is_nan() {
                        format!("{} {what} not measured vs {}{why}", o.class, amount(limit))
                    } else {
                        format!(
                            "{} {what} {} (upper {}) {} {}{why}",
                            o.class,
                            amount(e.mean),
                            amount(upper),
                            if upper <= limit { "<=" } else { ">" },
                            amount(limit),
                        )
                    }
                }
                _ => format!("{} {what}: no such row", o.class),
            }
        })
        .collect();
    let mut checks = checks;
    if let Some(limit) = s.max_utilization {
        checks.extend(c.utilization.iter().map(|u| {
            format!(
                "{} {} (upper {}) {} {}",
                u.resource,
                pct(u.utilization.mean),
                pct(upper(&u.utilization)),
                if u.met { "<=" } else { ">" },
                short_pct(limit)
            )
        }));
    }
    let mut line = format!(
        "  {head}: {}  {}\n",
        if c.meets { "meets" } else { "misses" },
        checks.join("; ")
    );
    if let Some(m) = &c.variant.summary.certain_miss {
        let _ = writeln!(
            line,
            "    stopped early: in every replication {} was certain after {:.1} min of {} measured on average; the figures above cover only that time",
            m.what(),
            m.measured / 60.0,
            format_duration(s.settings.duration)
        );
    }
    line
}

/// The report of `o11sim size`: the rules, every candidate tried, and the
/// answer per zone on the last lines.
/// Why no count of zone `z` meets its objectives: the busiest resource on
/// the path of the class that misses, at the largest count tried and at
/// the smallest (`None` without one). The text and the HTML page both say
/// it in these words.
pub(crate) fn limit_reason(s: &Sizing, z: &ZoneSizing) -> Option<String> {
    let l = z.limit.as_ref()?;
    let last = z.candidates.iter().max_by_key(|c| c.front_ends)?;
    if let Some(row) = last
        .variant
        .summary
        .classes
        .iter()
        .find(|k| k.name == l.class)
        && row.none_completed > 0
        && !row.saturated
        && !row.rejecting
    {
        // Not a resource: the class gave nothing to judge (too rare for the
        // run, or every request failed). A class turning requests away is
        // short of capacity: the busiest resource below says where.
        return Some(format!(
            "at {} no request of {} completed in {} of {} replication(s), so there is nothing to judge; a longer run, or a class that gets answers, would be judged",
            s.max_front_ends, l.class, row.none_completed, row.replications
        ));
    }
    let first = z.candidates.iter().map(|c| c.front_ends).min().unwrap_or(1);
    let help = match (l.sized, z.front_ends) {
        (true, _) => format!(
            "{} adds to it: a larger --max-front-ends may find an answer",
            z.key
        ),
        (false, true) => {
            "it is not a CPU of the front-ends sized, so more front-ends will not help".to_owned()
        }
        (false, false) => format!(
            "{} does not add to it, so a larger value will not help",
            z.key
        ),
    };
    Some(format!(
        "at {} the busiest resource on {}'s path is {}, {} utilized ({} at {first}); {help}",
        s.max_front_ends,
        l.class,
        l.resource,
        short_pct(l.at_max.mean),
        short_pct(l.at_min.mean),
    ))
}

/// When no count of zone `z` meets: the missing class's bottleneck line
/// at the largest count tried, which tells a saturated resource from an
/// objective below what a request takes on its own (a busy but
/// unsaturated database, a p99 under the time of one request). `None`
/// when the class has no bottleneck figures there (nothing answered in
/// time).
pub(crate) fn limit_advice(s: &Sizing, z: &ZoneSizing) -> Option<String> {
    let l = z.limit.as_ref()?;
    let last = z.candidates.iter().max_by_key(|c| c.front_ends)?;
    let class = last
        .variant
        .summary
        .classes
        .iter()
        .find(|k| k.name == l.class)?;
    let b = class.bottleneck.as_ref()?;
    Some(format!(
        "at {} = {}: {}",
        z.key,
        s.max_front_ends,
        bottleneck_line(&l.class, b)
    ))
}

pub fn sizing(s: &Sizing, written: &[PathBuf]) -> String {
    let slo_text = s
        .objectives
        .iter()
        .map(|o| {
            let (what, limit) = describe(o.slo);
            let limit = if o.slo.is_latency() {
                format_duration(limit)
            } else {
                pct(limit)
            };
            format!("{} {what} <= {limit}", o.class)
        })
        .collect::<Vec<_>>()
        .join(", ");
    let also = if s.max_utilization.is_some() {
        " and sized resource's utilization"
    } else {
        ""
    };
    let mut out = headline_watching("size", &s.settings, &format!("SLOs {slo_text}"), also);
    out.push('\n');
    out.push_str("a count meets the SLOs when the upper end of each figure's 95% CI is within its limit and the figure can be judged: some request completed in every replication, the class is not saturated, not rejecting more than 5% without an errors objective, and the percentile is not cut at the client timeout; search: doubling, then bisection\n");
    if let Some(limit) = s.max_utilization {
        let _ = writeln!(
            out,
            "--max-utilization {}: a count also needs every sized resource (the front-ends' CPU for a front-end count; for --key, the resources the field multiplies) at most {} utilized at the upper end of its 95% CI",
            short_pct(limit),
            short_pct(limit)
        );
    }
    let down = if s.spare > 0 {
        let _ = writeln!(
            out,
            "--spare {n}: each count N is simulated with N - {n} front-end(s) running, as if {n} were down for the whole run; the answer is the smallest N whose N - {n} running front-ends meet every SLO",
            n = s.spare
        );
        format!(" with {} down", s.spare)
    } else {
        String::new()
    };
    let zoned = s.zones.len() > 1;
    if zoned {
        out.push_str("zones are sized one at a time, the others held at their counts in the scenario; each zone is judged by the SLOs of the classes it serves; then every zone at its answer is simulated at once and judged by every SLO; when they miss together, the first zone that misses is sized again upward from its answer with the other zones at theirs, until they meet together\n");
    }
    for z in &s.zones {
        if zoned {
            let _ = writeln!(out, "\n{} (zone {}):", z.label, z.zone);
        }
        zone_lines(&mut out, s, z, &down);
    }
    if let Some(j) = &s.joint {
        out.push_str("\ntogether: every zone at its answer at once, judged by every SLO (sized one at a time, each zone had the others at their counts in the scenario; they share the database):\n");
        out.push_str(&joint_line(s, j));
    }
    for r in &s.repairs {
        let held = r
            .held
            .iter()
            .map(|(k, n)| format!("{k} = {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            out,
            "\n{} again, upward from its answer, the other zones held at their answers ({held}):",
            r.sizing.label
        );
        zone_lines(&mut out, s, &r.sizing, &down);
        if let Some(j) = &r.joint {
            out.push_str("together again:\n");
            out.push_str(&joint_line(s, j));
        }
    }
    push_paragraph(
        &mut out,
        &precision_lines(&s.settings, s.candidates().into_iter().map(|c| &c.variant)),
    );
    out.push_str(&wrote_lines(written));
    out.push('\n');
    let what = if s.max_utilization.is_some() {
        "every SLO and --max-utilization"
    } else {
        "every SLO"
    };
    // Answers that were repaired say so before the answers themselves.
    if !s.repairs.is_empty()
        && let Some((true, line)) = joint_verdict(s)
    {
        let _ = writeln!(out, "{line}");
    }
    for z in s.final_zones() {
        match z.answer {
            Answer::Found { front_ends, .. } | Answer::NoObjective { front_ends } => {
                let _ = writeln!(out, "{} = {front_ends}", z.key);
            }
            Answer::NotFound => {
                // Printed before the answer, which stays last.
                if let Some(advice) = limit_advice(s, z) {
                    let _ = writeln!(out, "{advice}");
                }
                let why = limit_reason(s, z)
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "no count of {} up to --max-front-ends {} meets {what}{down}{why}",
                    z.key, s.max_front_ends
                );
            }
        }
    }
    if let Some((false, line)) = joint_verdict(s) {
        let _ = writeln!(out, "{line}");
    }
    out
}

/// The joint check of a zoned `size`, as one sentence: (met, sentence).
/// `None` without one. The text and the HTML page both say it in these
/// words.
pub(crate) fn joint_verdict(s: &Sizing) -> Option<(bool, String)> {
    let j = s.final_joint()?;
    // A zone sized again without an answer: its own line says why.
    if s.final_zones().iter().any(|z| z.answer == Answer::NotFound) {
        return None;
    }
    let what = if s.max_utilization.is_some() {
        "every SLO and --max-utilization"
    } else {
        "every SLO"
    };
    if j.meets {
        let mut again: Vec<&str> = Vec::new();
        for r in &s.repairs {
            if !again.contains(&r.sizing.key.as_str()) {
                again.push(&r.sizing.key);
            }
        }
        let after = if again.is_empty() {
            String::new()
        } else {
            format!(
                ", after sizing {} again with the other zones at their answers (together, the first answers missed)",
                again.join(" and ")
            )
        };
        return Some((
            true,
            format!("every zone at its answer at once meets {what} too{after}"),
        ));
    }
    let missed = j
        .checks
        .iter()
        .filter(|k| !k.met)
        .map(|k| {
            let o = &s.objectives[k.objective];
            format!("{} {}", o.class, describe(o.slo).0)
        })
        .chain(
            j.utilization
                .iter()
                .filter(|u| !u.met)
                .map(|u| format!("{} utilization", u.resource)),
        )
        .collect::<Vec<_>>()
        .join(", ");
    // Where the first class missed is held up, as `limit_reason` says
    // it for a zone without an answer.
    let busiest = j
        .checks
        .iter()
        .find(|k| !k.met)
        .and_then(|k| {
            let class = &s.objectives[k.objective].class;
            let (resource, u) = busiest_serving(&j.variant.summary, class)?;
            Some(format!(
                "; the busiest resource on {class}'s path is then {resource}, {} utilized",
                short_pct(u.mean)
            ))
        })
        .unwrap_or_default();
    Some((
        false,
        format!(
            "these counts meet {what} zone by zone but not together: {missed} missed with every zone at its answer at once{busiest}"
        ),
    ))
}

// ---- team -------------------------------------------------------------------

/// How tables name a layout.
pub(crate) fn layout_name(l: Layout) -> &'static str {
    match l {
        Layout::Dedicated => "dedicated",
        Layout::CoLocated => "co-located",
    }
}

/// The report of `o11sim team`: both layouts side by side per team size,
/// and the first team size at which each misses the target.
pub fn team(t: &TeamGrowth, written: &[PathBuf]) -> String {
    let target = format_duration(t.publish_target);
    let sizes = t
        .developers
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let mut out = headline(
        "team",
        &t.settings,
        &format!(
            "environment {}, developers = {sizes}, publish target p95 <= {target}",
            t.environment
        ),
    );
    out.push('\n');
    let _ = write!(out, "\n{}", team_table(t));
    let co_box = t
        .co_located_front_end
        .as_ref()
        .map_or_else(|| "its front-end".to_owned(), |f| format!("front-end {f}"));
    let _ = writeln!(
        out,
        "\n* misses the {target} target: the upper end of the 95% CI of publish p95 is above it, or no publish completed in some replication (each developer publishes again only once the last publish finished, so an overloaded controller lengthens the lead time rather than growing a backlog).\ncontroller CPU: dedicated = the Deployment Controller's own cores; co-located = {co_box}, shared with web traffic.\nmachines, from the sizing guide: co-located = front-end and controller on one box of 2 cores below 8 developers, 4 cores from 8; dedicated = a 4-core front-end and a controller of 4 cores + 0.25 core per developer beyond 16 (rounded up)."
    );
    for (l, layout) in Layout::ALL.iter().enumerate() {
        let shown = layout_name(*layout);
        let miss = t.first_miss[l].and_then(|n| t.point(n, *layout));
        let line = match miss {
            Some(p) if p.none_completed => format!(
                "{shown}: publish p95 not met at {} developers: no publish completed",
                p.developers
            ),
            Some(p) => format!(
                "{shown}: publish p95 first misses the {target} target at {} developers ({:.0} s, upper 95% bound {:.0} s)",
                p.developers,
                p.publish_p95.mean,
                upper(&p.publish_p95),
            ),
            None => format!(
                "{shown}: publish p95 meets the {target} target at every team size tried (up to {} developers)",
                t.developers.iter().max().copied().unwrap_or(0)
            ),
        };
        let _ = writeln!(out, "{line}");
    }
    push_paragraph(&mut out, &precision_lines(&t.settings, &t.variants));
    out.push_str(&wrote_lines(written));
    out
}

/// Both layouts side by side per team size: publish p50 and p95, the
/// controller's CPU and each development class's p95.
fn team_table(t: &TeamGrowth) -> String {
    let mut groups = vec![
        "publish p50 (s)".to_owned(),
        "publish p95 (s)".to_owned(),
        "controller CPU".to_owned(),
    ];
    groups.extend(t.dev_classes.iter().map(|c| format!("{c} p95 (ms)")));
    let mut rows = Vec::new();
    for &n in &t.developers {
        let pair = Layout::ALL.map(|l| t.point(n, l));
        let both = |f: &dyn Fn(&crate::experiment::result::TeamPoint) -> String| {
            pair.iter()
                .map(|p| p.map_or_else(|| "—".into(), f))
                .collect::<Vec<String>>()
        };
        let mut row = vec![n.to_string()];
        row.extend(both(&|p| {
            if p.none_completed {
                "—".into()
            } else {
                secs(&p.publish_p50)
            }
        }));
        row.extend(both(&|p| {
            let mark = if p.misses { " *" } else { "" };
            if p.none_completed {
                format!("none completed{mark}")
            } else {
                format!("{}{mark}", secs(&p.publish_p95))
            }
        }));
        row.extend(both(&|p| {
            p.controller_cpu.as_ref().map_or_else(|| "—".into(), pct_ci)
        }));
        for k in 0..t.dev_classes.len() {
            row.extend(both(&|p| {
                p.dev_p95[k]
                    .as_ref()
                    .map_or_else(|| "—".into(), |e| figure_cell(Figure::P95, e))
            }));
        }
        rows.push(row);
    }
    let mut header = vec!["developers"];
    let mut spans = vec![("", 1)];
    for g in &groups {
        header.extend(Layout::ALL.map(layout_name));
        spans.push((g.as_str(), 2));
    }
    align(&Columns::new(&header).groups(&spans), &rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::summary::{ClassFigures, ReplicationFigures};

    #[test]
    fn columns_line_up() {
        let t = align(
            &Columns::new(&["a", "bb"]),
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
    fn group_headings_centre_over_their_columns_and_widen_them() {
        let t = align(
            &Columns::new(&["n", "a", "b"]).groups(&[("", 1), ("a long heading", 2)]),
            &[vec!["1".into(), "2".into(), "3".into()]],
        );
        let lines: Vec<_> = t.lines().collect();
        assert_eq!(lines[0], "   a long heading");
        assert_eq!(lines[1], "n  a            b");
        assert!(t.lines().all(|l| l == l.trim_end()));
    }

    #[test]
    fn ms_formats_negative_values_like_positive_ones() {
        for x in [0.0001234, 0.001234, 0.01234, 0.1234, 1.234, 123.4] {
            assert_eq!(ms(-x), format!("-{}", ms(x)), "{x}");
        }
        assert_eq!(ms(0.4123), "412");
        assert_eq!(ms(-0.4123), "-412");
        assert_eq!(ms(0.04123), "41.2");
        assert_eq!(ms(0.004123), "4.12");
    }

    #[test]
    fn differences_carry_a_real_sign() {
        let e = Estimate::from_values(&[-0.4, -0.42, -0.41]);
        let s = difference_cell(Measure::Class(Figure::P95), &e);
        assert!(s.starts_with('\u{2212}'), "{s}");
        let e = Estimate::from_values(&[0.01, 0.02]);
        assert!(difference_cell(Measure::Class(Figure::ErrorRate), &e).starts_with("+1.50 pp"));
        assert_eq!(signed("-0.00".into()), "0.00");
        assert_eq!(signed("0".into()), "0");
    }

    #[test]
    fn an_interval_cut_at_its_range_shows_both_distances() {
        use crate::stats::Bounds;
        // 0.97 ± 0.127: cut at 1, so 3.0 points above and 12.7 below.
        let u = Estimate::from_values_in(&[0.96, 0.98], Bounds::Fraction);
        assert_eq!(pct_ci(&u), "97.0 +3.0/\u{2212}12.7%");
        // A p95 of 35.6 ± 43.2 ms cannot go below 0 ms.
        let t = Estimate::from_values_in(&[0.0356 - 0.0034, 0.0356 + 0.0034], Bounds::NonNegative);
        assert_eq!(with_ci(&t, ms, ""), "35.6 +43.2/\u{2212}35.6");
        // Inside the range, and for a difference, the usual `±`.
        let inside = Estimate::from_values_in(&[0.60, 0.61, 0.62], Bounds::Fraction);
        assert_eq!(pct_ci(&inside), "61.0 ± 2.5%");
        let d = Estimate::from_values(&[0.96, 0.98]);
        assert_eq!(pct_ci(&d), "97.0 ± 12.7%");
        assert_eq!(ci_reach(&Estimate::from_values(&[0.5]), ms), "± n/a");
    }

    #[test]
    fn one_replication_shows_na_never_nan() {
        let e = Estimate::from_values(&[0.5]);
        assert_eq!(with_ci(&e, ms, ""), "500 ± n/a");
        assert_eq!(pct_ci(&e), "50.0% ± n/a");
        assert_eq!(figure_cell(Figure::ErrorRate, &e), "50.00% ± n/a");
    }

    #[test]
    fn wrote_lines_read_as_a_list() {
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(wrote_one_line(&[]), "");
        assert_eq!(wrote_one_line(&[p("a")]), "wrote a\n");
        assert_eq!(wrote_one_line(&[p("a"), p("b")]), "wrote a and b\n");
        assert_eq!(
            wrote_one_line(&[p("a"), p("b"), p("c")]),
            "wrote a, b and c\n"
        );
    }

    #[test]
    fn warmup_advice_names_classes_that_never_settled() {
        use crate::model::spec::{Arrivals, TrafficClass};
        let class = ClassFigures {
            name: "portal".into(),
            kind: crate::model::RowKind::Traffic,
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
            finished: 10,
            backlog: 0.0,
            total_arrivals: 10,
            mser_warmup: Some(5.0),
            mser_unsettled: false,
            unanswered_rate: 0.0,
            cut: 0,
            timeout: Some(10.0),
            stations: Vec::new(),
            path: Vec::new(),
            blocking: Vec::new(),
        };
        let rep = |unsettled: bool| ReplicationFigures {
            classes: vec![ClassFigures {
                mser_unsettled: unsettled,
                ..class.clone()
            }],
            resources: vec![],
            events: 1,
            databases: vec![],
            timeline: None,
            failures: vec![],
            stopped_early: None,
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
            integrations: Vec::new(),
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
        // An unsettled replication's truncation point (the end of the
        // searched half) is not an estimate: it never raises the advice.
        let far = |unsettled: bool, w: f64| ReplicationFigures {
            classes: vec![ClassFigures {
                mser_unsettled: unsettled,
                mser_warmup: Some(w),
                ..class.clone()
            }],
            ..rep(unsettled)
        };
        let mixed = Summary::from_figures(
            &traffic,
            &[far(true, 40_000.0), far(true, 40_000.0), far(false, 5.0)],
        );
        assert!(
            warmup_advice(&mixed, 1.0).contains("about 5 s for portal"),
            "{}",
            warmup_advice(&mixed, 1.0)
        );
        let none = Summary::from_figures(&traffic, &[far(true, 40_000.0), far(true, 40_000.0)]);
        let said = warmup_advice(&none, 1.0);
        assert!(!said.contains("suggests"), "{said}");
        assert!(said.contains("in any of 2 replication(s)"), "{said}");
        // A scenario that is not stationary gets one line saying why, and
        // no advice.
        let mut profiled = Summary::from_figures(&traffic, &[rep(false), rep(false)]);
        profiled.non_stationary = Some("the arrival rate follows an hourly profile");
        let said = warmup_advice(&profiled, 1.0);
        assert_eq!(said.lines().count(), 1, "{said}");
        assert!(
            said.contains("no MSER-5 warm-up advice: the arrival rate follows an hourly profile")
        );
    }
}
