//! What-if questions: the same scenario under several settings, compared
//! with paired confidence intervals.
//!
//! * `compare` — a few variants side by side, with the paired difference of
//!   each figure against the first variant (`compare.rs`);
//! * `sweep` — the full grid of one or more `--vary KEY=LIST` (`sweep.rs`);
//! * `size` — the smallest front-end count meeting service-level objectives
//!   (`size.rs`);
//! * `team` — publish lead time against team size, with the Deployment
//!   Controller dedicated and co-located (`team.rs`).
//!
//! Why this module exists: these commands answer the questions the tool is
//! for (design notes §1–2) and share one shape — build variants of a
//! scenario, run every variant × replication in one rayon pool under
//! common random numbers, print a table, write CSV and SVG. The shared
//! parts live in `variants.rs` (grid, CRN, paired differences) and here
//! (options, output files, formatting, the grid chart); each command file
//! holds only what differs.

pub mod compare;
pub mod shard;
pub mod size;
pub mod sweep;
pub mod team;
pub mod variants;

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::error::{Error, Result};
use crate::experiment::{Progress, Summary};
use crate::report::plot::{Chart, Point, Series};
use crate::report::{self, output};
use crate::scenario::LoadedScenario;
use crate::stats::Estimate;
use variants::{Dimension, Job, Replication, Variant};

/// What `o11sim compare` is asked.
#[derive(Debug)]
pub struct CompareRequest {
    pub scenario: LoadedScenario,
    /// `--front-ends LIST`, as given.
    pub front_ends: Option<String>,
    /// Each `--vary KEY=LIST`, as given.
    pub vary: Vec<String>,
    /// Refuse work estimated above this many simulated events.
    pub max_events: f64,
    pub csv: Option<PathBuf>,
    pub plot: Option<PathBuf>,
}

/// What `o11sim sweep` is asked.
#[derive(Debug)]
pub struct SweepRequest {
    pub scenario: LoadedScenario,
    /// Each `--vary KEY=LIST`, as given.
    pub vary: Vec<String>,
    pub max_events: f64,
    pub csv: Option<PathBuf>,
    pub plot: Option<PathBuf>,
}

/// What `o11sim size` is asked.
#[derive(Debug)]
pub struct SizeRequest {
    pub scenario: LoadedScenario,
    /// Each `--slo`, as given (none: the scenario's own).
    pub slo: Vec<String>,
    pub spare: usize,
    pub max_front_ends: usize,
    pub max_events: f64,
    pub csv: Option<PathBuf>,
}

/// What `o11sim team` is asked.
#[derive(Debug)]
pub struct TeamRequest {
    pub scenario: LoadedScenario,
    /// Team sizes, in the order given.
    pub developers: Vec<u32>,
    /// Publish lead-time target (seconds).
    pub publish_target: f64,
    /// `--environment`.
    pub environment: Option<String>,
    pub max_events: f64,
    pub csv: Option<PathBuf>,
    pub plot: Option<PathBuf>,
}

/// The files a command writes, checked before anything is simulated.
pub(crate) struct Outputs<'a> {
    pub csv: Option<&'a Path>,
    pub plot: Option<&'a Path>,
}

impl Outputs<'_> {
    /// Writes the class and resources CSV (each whole or not at all) and
    /// returns the files written.
    pub fn write_csv(&self, variants: &[report::Variant]) -> Result<Vec<PathBuf>> {
        let Some(path) = self.csv else {
            return Ok(Vec::new());
        };
        output::write_atomic(path, &report::csv::classes(variants)?)?;
        if path.as_os_str() == "-" {
            return Ok(Vec::new());
        }
        let rpath = output::resources_path(path);
        output::write_atomic(&rpath, &report::csv::resources(variants)?)?;
        Ok(vec![path.to_path_buf(), rpath])
    }

    /// Draws and writes the chart when `--plot` was given.
    pub fn write_plot(&self, chart: impl FnOnce() -> Chart) -> Result<Option<PathBuf>> {
        let Some(path) = self.plot else {
            return Ok(None);
        };
        let svg = report::plot::svg(&chart())?;
        output::write_atomic(path, svg.as_bytes())?;
        Ok((path.as_os_str() != "-").then(|| path.to_path_buf()))
    }
}

/// Results of a set of variants.
pub(crate) struct Ran {
    /// Per variant, its replications' figures in order.
    pub results: Vec<Vec<Replication>>,
    pub summaries: Vec<Summary>,
    /// Replications simulated.
    pub simulations: usize,
    /// Requests simulated (all classes, all replications).
    pub requests: u64,
    /// Wall-clock seconds.
    pub elapsed: f64,
}

impl Ran {
    /// The speed line printed on stderr (stdout stays a pure function of
    /// the inputs).
    pub fn report_speed(&self) {
        speed(self.simulations, self.requests, self.elapsed);
    }
}

/// Prints `N simulations in T s (R M requests simulated per second)` on
/// stderr.
pub(crate) fn speed(simulations: usize, requests: u64, elapsed: f64) {
    eprintln!(
        "{simulations} simulations in {elapsed:.2} s ({:.2} M requests simulated per second)",
        requests as f64 / elapsed.max(1e-9) / 1e6
    );
}

/// Runs `variants` (all replications of all of them in one rayon pool),
/// with a progress bar on stderr.
pub(crate) fn run_all(
    variants: &[Variant],
    max_events: f64,
    what: &str,
    progress: &dyn Progress,
) -> Result<Ran> {
    variants::check_budget(variants, max_events)?;
    let jobs = Job::of_grid(variants);
    let total: usize = jobs.iter().map(|j| j.replications).sum();
    progress.start(total as u64, what);
    let start = Instant::now();
    let outcomes = variants::run_variants(&jobs, || progress.tick());
    progress.finish();
    if outcomes.iter().any(Option::is_none) {
        let done: Vec<&str> = variants
            .iter()
            .zip(&outcomes)
            .filter(|(_, o)| o.is_some())
            .map(|(v, _)| v.name.as_str())
            .collect();
        return Err(Error::Interrupted {
            finished: if done.is_empty() {
                format!("none of the {} variants", variants.len())
            } else {
                format!(
                    "{} of {} variants ({})",
                    done.len(),
                    variants.len(),
                    done.join(", ")
                )
            },
        });
    }
    let outcomes = outcomes.into_iter().flatten();
    let elapsed = start.elapsed().as_secs_f64();
    let (summaries, results): (Vec<Summary>, Vec<Vec<Replication>>) =
        outcomes.map(|o| (o.summary, o.replications)).unzip();
    let requests: u64 = summaries.iter().map(|s| s.requests).sum();
    Ok(Ran {
        results,
        summaries,
        simulations: total,
        requests,
        elapsed,
    })
}

/// The CSV rows of a grid.
pub(crate) fn report_variants<'a>(
    variants: &[Variant],
    summaries: &'a [Summary],
) -> Vec<report::Variant<'a>> {
    variants
        .iter()
        .zip(summaries)
        .map(|(v, s)| report::Variant {
            name: v.name.clone(),
            keys: v.keys.clone(),
            summary: s,
        })
        .collect()
}

/// The first line of a what-if command's output.
pub(crate) fn headline(command: &str, base: &LoadedScenario, what: &str) -> String {
    let sc = &base.scenario();
    format!(
        "o11sim {command} {}: {what}; {} replication(s) of {} after a {} warm-up, seed {}, common random numbers",
        sc.name,
        sc.replications,
        crate::dist::format_duration(sc.model.duration),
        crate::dist::format_duration(sc.model.warmup),
        sc.seed
    )
}

/// Builds the dimensions of `--front-ends` and `--vary` arguments.
pub(crate) fn dimensions(
    base: &LoadedScenario,
    front_ends: Option<&str>,
    vary: &[String],
) -> Result<Vec<Dimension>> {
    let mut dims = Vec::new();
    if let Some(list) = front_ends {
        dims.push(Dimension::front_ends(
            list,
            &variants::front_end_groups(base),
        )?);
    }
    for v in vary {
        dims.push(Dimension::vary(v)?);
    }
    Ok(dims)
}

// ---- formatting -----------------------------------------------------------

/// Aligned columns like [`crate::report::table::align`], but with the
/// columns in `left` left-aligned (names) and the others right-aligned.
pub(crate) fn align_with(header: &[&str], rows: &[Vec<String>], left: &[usize]) -> String {
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(width.len()) {
            width[i] = width[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[&str]| {
        let mut text = String::new();
        for (i, c) in cells.iter().enumerate().take(width.len()) {
            let w = width[i];
            if i > 0 {
                text.push_str("  ");
            }
            if left.contains(&i) {
                text.push_str(&format!("{c:<w$}"));
            } else {
                text.push_str(&format!("{c:>w$}"));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(header);
    for r in rows {
        line(&r.iter().map(String::as_str).collect::<Vec<_>>());
    }
    out
}

/// Seconds as milliseconds with a sensible number of digits.
pub(crate) fn ms(x: f64) -> String {
    let v = x * 1e3;
    let a = v.abs();
    if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// `12.3 ± 0.4` (`± n/a` with one replication).
fn with_ci(e: &Estimate, f: impl Fn(f64) -> String) -> String {
    match e.half_95 {
        Some(h) => format!("{} ± {}", f(e.mean), f(h)),
        None => format!("{} ± n/a", f(e.mean)),
    }
}

/// A signed number with a real minus sign (`−412`, `+3.1`).
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

/// A figure's estimate in its unit.
pub(crate) fn figure_cell(f: variants::Figure, e: &Estimate) -> String {
    use variants::Figure::*;
    match f {
        Throughput => with_ci(e, |x| format!("{x:.2}")),
        Mean | P50 | P95 | P99 => with_ci(e, ms),
        ErrorRate => with_ci(e, |x| format!("{:.2}", x * 100.0)) + "%",
    }
}

/// A paired difference in its unit (percentage points for rates).
pub(crate) fn difference_cell(f: variants::Figure, e: &Estimate) -> String {
    use variants::Figure::*;
    let (mean, half) = match f {
        Throughput => (
            format!("{:.2}", e.mean),
            e.half_95.map(|h| format!("{h:.2}")),
        ),
        Mean | P50 | P95 | P99 => (ms(e.mean), e.half_95.map(ms)),
        ErrorRate => (
            format!("{:.2}", e.mean * 100.0),
            e.half_95.map(|h| format!("{:.2}", h * 100.0)),
        ),
    };
    let unit = if f == ErrorRate { " pp" } else { "" };
    format!(
        "{}{unit} ± {}",
        signed(mean),
        half.unwrap_or_else(|| "n/a".into())
    )
}

/// A utilization `61.3 ± 0.4%`.
pub(crate) fn pct_cell(e: &Estimate) -> String {
    with_ci(e, |x| format!("{:.1}", x * 100.0)) + "%"
}

/// A utilization difference in percentage points.
pub(crate) fn pp_cell(e: &Estimate) -> String {
    format!(
        "{} pp ± {}",
        signed(format!("{:.1}", e.mean * 100.0)),
        e.half_95
            .map_or_else(|| "n/a".into(), |h| format!("{:.1}", h * 100.0))
    )
}

// ---- the grid chart -------------------------------------------------------

/// How the varied values of a key sit on the x axis: numbers, durations (in
/// seconds) or categories.
pub(crate) fn x_axis(key: &str, values: &[String]) -> (String, Vec<f64>, Option<Vec<String>>) {
    if let Some(xs) = values
        .iter()
        .map(|v| v.parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect::<Option<Vec<_>>>()
    {
        return (key.to_owned(), xs, None);
    }
    if let Some(xs) = values
        .iter()
        .map(|v| crate::dist::parse_duration(v).ok())
        .collect::<Option<Vec<_>>>()
    {
        return (format!("{key} (s)"), xs, None);
    }
    (
        key.to_owned(),
        (0..values.len()).map(|i| i as f64).collect(),
        Some(values.to_vec()),
    )
}

/// p95 (with its CI) against the first varied key, one series per traffic
/// class and combination of the other keys' values.
pub(crate) fn grid_chart(
    title: &str,
    dims: &[Dimension],
    variants: &[Variant],
    summaries: &[Summary],
) -> Chart {
    let Some(first) = dims.first() else {
        return Chart::default();
    };
    let (x_label, xs, categories) = x_axis(&first.key, &first.values);
    let classes: Vec<String> = variants
        .first()
        .map(|v| {
            v.scenario
                .model
                .classes
                .iter()
                .map(|c| c.name.clone())
                .collect()
        })
        .unwrap_or_default();
    // Variants with the same values of the other keys form one line.
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, v) in variants.iter().enumerate() {
        let rest = variants::variant_name(&v.keys[1..]);
        match groups.iter_mut().find(|(k, _)| *k == rest) {
            Some((_, members)) => members.push(i),
            None => groups.push((rest, vec![i])),
        }
    }
    let mut series = Vec::new();
    for class in &classes {
        for (rest, members) in &groups {
            let points = members
                .iter()
                .filter_map(|&i| {
                    let c = summaries[i].classes.iter().find(|c| &c.name == class)?;
                    let xi = first
                        .values
                        .iter()
                        .position(|v| *v == variants[i].keys[0].1)?;
                    Some(Point {
                        x: xs[xi],
                        y: c.p95.mean * 1e3,
                        ci: c.p95.ci_95().map(|(lo, hi)| (lo * 1e3, hi * 1e3)),
                    })
                })
                .collect();
            let name = if rest.is_empty() {
                class.clone()
            } else {
                format!("{class}, {rest}")
            };
            series.push(Series { name, points });
        }
    }
    Chart {
        title: title.to_owned(),
        x_label,
        y_label: "p95 response time (ms)".into(),
        x_categories: categories,
        series,
        target: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_carry_a_real_sign() {
        let e = Estimate::from_values(&[-0.4, -0.42, -0.41]);
        let s = difference_cell(variants::Figure::P95, &e);
        assert!(s.starts_with('\u{2212}'), "{s}");
        let e = Estimate::from_values(&[0.01, 0.02]);
        assert!(difference_cell(variants::Figure::ErrorRate, &e).starts_with("+1.50 pp"));
        assert_eq!(signed("-0.00".into()), "0.00");
        assert_eq!(signed("0".into()), "0");
    }

    #[test]
    fn axis_kinds() {
        let (_, xs, c) = x_axis("front_ends", &["1".into(), "3".into()]);
        assert_eq!((xs, c), (vec![1.0, 3.0], None));
        let (label, xs, _) = x_axis("timeout", &["100ms".into(), "2s".into()]);
        assert_eq!((label.as_str(), xs), ("timeout (s)", vec![0.1, 2.0]));
        let (_, xs, c) = x_axis("policy", &["round_robin".into(), "random".into()]);
        assert_eq!(xs, vec![0.0, 1.0]);
        assert_eq!(c.unwrap()[1], "random");
    }
}
