//! `o11sim compare`: a few variants of one scenario side by side, and the
//! paired difference of every figure against the first variant.
//!
//! Why this file exists: "what do 3 front-ends buy over 1?" is answered by
//! the difference, not by two separate intervals. Under common random
//! numbers the per-replication differences have a much smaller spread than
//! either variant, so this command prints them with their own CI
//! ("front_ends=3: portal p95 −412 ms ± 18").

use std::fmt::Write as _;
use std::io::Write as _;

use super::variants::Replication;
use super::variants::{self, Figure, Variant};
use super::{CompareRequest, Outputs, Ran};
use crate::error::Result;
use crate::experiment::{Progress, Summary};
use crate::report::table::align;

/// Runs `o11sim compare`.
pub fn run(req: &CompareRequest, progress: &dyn Progress) -> Result<()> {
    let outputs = Outputs {
        csv: req.csv.as_deref(),
        plot: req.plot.as_deref(),
    };
    let base = &req.scenario;
    let dims = super::dimensions(base, req.front_ends.as_deref(), &req.vary)?;
    let grid = variants::grid(base, &dims)?;
    let ran = super::run_all(&grid, req.max_events, "comparing", progress)?;
    ran.report_speed();
    let what = dims
        .iter()
        .map(|d| format!("{} = {}", d.key, d.values.join(", ")))
        .collect::<Vec<_>>()
        .join("; ");
    let mut out = crate::report::output::report_sink(req.csv.as_deref());
    writeln!(out, "{}", super::headline("compare", base, &what))?;
    write!(out, "{}", render(&grid, &ran))?;
    let rows = super::report_variants(&grid, &ran.summaries);
    let mut written = outputs.write_csv(&rows)?;
    let title = format!("{}: p95 by {}", base.scenario().name, dims[0].key);
    written.extend(outputs.write_plot(|| super::grid_chart(&title, &dims, &grid, &ran.summaries))?);
    for p in written {
        writeln!(out, "wrote {}", p.display())?;
    }
    Ok(())
}

/// A variant's column heading, flagged when a traffic class (or its
/// publishes) is saturated. Timer rows are left out here: in a short run a
/// long timer still running at the end looks like a backlog; their own
/// rows still show the flag.
fn heading(v: &Variant, s: &Summary) -> String {
    if s.classes
        .iter()
        .any(|c| c.saturated && !c.name.starts_with("timer."))
    {
        format!("{} [SATURATED]", v.name)
    } else {
        v.name.clone()
    }
}

/// Class names in the order of first appearance over the variants.
fn class_names(summaries: &[Summary]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for s in summaries {
        for c in &s.classes {
            if !names.contains(&c.name) {
                names.push(c.name.clone());
            }
        }
    }
    names
}

fn resource_names(summaries: &[Summary]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for s in summaries {
        for r in &s.resources {
            if !names.contains(&r.name) {
                names.push(r.name.clone());
            }
        }
    }
    names
}

/// Row label: the class name on its first row only, then the figure.
fn label(class: &str, width: usize, first: bool, figure: &str) -> String {
    let shown = if first { class } else { "" };
    format!("{shown:<width$}  {figure}")
}

/// The side-by-side tables, the paired differences and the headline
/// sentences.
pub(crate) fn render(grid: &[Variant], ran: &Ran) -> String {
    let mut out = String::new();
    let summaries = &ran.summaries;
    let classes = class_names(summaries);
    let width = classes.iter().map(|c| c.chars().count()).max().unwrap_or(0);
    // Values side by side.
    let mut header = vec!["class / figure".to_owned()];
    header.extend(grid.iter().zip(summaries).map(|(v, s)| heading(v, s)));
    let mut rows = Vec::new();
    for class in &classes {
        let found: Vec<_> = summaries
            .iter()
            .map(|s| s.classes.iter().find(|c| &c.name == class))
            .collect();
        for (i, f) in Figure::ALL.iter().enumerate() {
            let mut row = vec![label(class, width, i == 0, f.label())];
            row.extend(found.iter().map(|c| {
                c.map_or_else(
                    || "—".to_owned(),
                    |c| super::figure_cell(*f, &f.estimate(c)),
                )
            }));
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
    }
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let _ = write!(out, "\n{}", align(&header_refs, &rows));
    // Resources side by side.
    let resources = resource_names(summaries);
    let mut header = vec!["resource utilization".to_owned()];
    header.extend(grid.iter().map(|v| v.name.clone()));
    let rows: Vec<Vec<String>> = resources
        .iter()
        .map(|r| {
            let mut row = vec![r.clone()];
            row.extend(summaries.iter().map(|s| {
                s.resources
                    .iter()
                    .find(|x| &x.name == r)
                    .map_or_else(|| "—".to_owned(), |x| super::pct_cell(&x.utilization))
            }));
            row
        })
        .collect();
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let _ = write!(out, "\n{}", align(&header_refs, &rows));
    if grid.len() < 2 {
        return out;
    }
    // Paired differences against the first variant.
    let base = &ran.results[0];
    let others: Vec<(&Variant, &Vec<Replication>)> =
        grid[1..].iter().zip(&ran.results[1..]).collect();
    let _ = writeln!(
        out,
        "\npaired differences, variant − {} (replication k of every variant uses the same random numbers; ± is the 95% CI of the per-replication differences):",
        grid[0].name
    );
    let mut header = vec!["class / figure".to_owned()];
    header.extend(others.iter().map(|(v, _)| v.name.clone()));
    let mut rows = Vec::new();
    for class in &classes {
        for (i, f) in Figure::ALL.iter().enumerate() {
            let mut row = vec![label(class, width, i == 0, f.label())];
            row.extend(others.iter().map(|(_, r)| {
                variants::paired_difference(base, r, class, *f)
                    .map_or_else(|| "—".to_owned(), |e| super::difference_cell(*f, &e))
            }));
            rows.push(row);
        }
    }
    for res in &resources {
        let mut row = vec![format!("{res} utilization")];
        row.extend(others.iter().map(|(_, r)| {
            variants::utilization_difference(base, r, res)
                .map_or_else(|| "—".to_owned(), |e| super::pp_cell(&e))
        }));
        if row[1..].iter().any(|c| c != "—") {
            rows.push(row);
        }
    }
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let _ = write!(out, "{}", align(&header_refs, &rows));
    // One sentence per variant: the p95 of each traffic class.
    let traffic: Vec<&str> = grid[0]
        .scenario
        .model
        .classes
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    let _ = writeln!(out);
    for (v, r) in &others {
        let parts: Vec<String> = traffic
            .iter()
            .filter_map(|class| {
                let e = variants::paired_difference(base, r, class, Figure::P95)?;
                let half = e.half_95.map_or_else(|| "n/a".into(), super::ms);
                Some(format!(
                    "{class} p95 {} ms ± {half}",
                    super::signed(super::ms(e.mean))
                ))
            })
            .collect();
        if !parts.is_empty() {
            let _ = writeln!(
                out,
                "{}: {} (vs {})",
                v.name,
                parts.join(", "),
                grid[0].name
            );
        }
    }
    out
}
