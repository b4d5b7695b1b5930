//! `o11sim team`: publish lead time against team size, with the Deployment
//! Controller on its own machine and on the development front-end, side by
//! side.
//!
//! Why this file exists: reference design 1 asks at how many developers a
//! front-end and Deployment Controller on one box make publishes too slow.
//! That is a two-key grid (developers × layout) whose answer is one number
//! — the first team size at which the co-located layout misses the publish
//! target — plus the figures behind it: publish p50/p95, the controller's
//! CPU, and what the developers' own test traffic sees on the front-end.
//!
//! Rules, printed with the answer: a layout *misses* the target at a team
//! size when the upper end of the 95 % CI of publish p95 is above it, or
//! when its publishes are saturated (the compile queue grows through the
//! run, so the lead time only gets worse with a longer run).
//! "Controller CPU" is the dedicated controller's own cores, or, co-located,
//! the CPU of the front-end it compiles on (shared with web traffic).

use std::fmt::Write as _;
use std::io::Write as _;

use super::variants::{self, Setting, Variant};
use super::{Outputs, TeamRequest};
use crate::dist::format_duration;
use crate::error::{Error, Result};
use crate::experiment::{Progress, Summary};
use crate::model::Model;
use crate::model::spec::Controller;
use crate::report::plot::{Chart, Point, Series};
use crate::scenario::{LoadedScenario, Source};
use crate::stats::Estimate;

/// The preset `team` uses when no scenario is given.
pub const DEFAULT_SCENARIO: &str = "example1";

/// The two layouts, as the scenario spells them and as tables show them.
const LAYOUTS: [(&str, &str); 2] = [("dedicated", "dedicated"), ("co_located", "co-located")];

/// Where the developers publish: the environment's name (if the file has
/// `[environments]`) and the key prefix of its development table.
struct DevSection {
    env: Option<String>,
    prefix: String,
}

fn dev_section(base: &LoadedScenario, wanted: Option<&str>) -> Result<DevSection> {
    let none = || {
        Error::Usage(format!(
            "{} has no [development] section: team needs developers publishing; try the example1 preset (o11sim team example1 --developers 8,16,32)",
            base.source().name()
        ))
    };
    match base
        .source()
        .table()
        .get("environments")
        .and_then(toml::Value::as_table)
    {
        Some(envs) => {
            let with_dev: Vec<&String> = envs
                .iter()
                .filter(|(_, t)| t.as_table().is_some_and(|t| t.contains_key("development")))
                .map(|(n, _)| n)
                .collect();
            let env = match wanted {
                Some(w) => {
                    if !envs.contains_key(w) {
                        return Err(Error::Usage(format!(
                            "--environment {w}: no such environment; {} has: {}",
                            base.source().name(),
                            envs.keys().cloned().collect::<Vec<_>>().join(", ")
                        )));
                    }
                    if !with_dev.iter().any(|n| *n == w) {
                        return Err(Error::Usage(format!(
                            "--environment {w}: it has no [development] section; environments with one: {}",
                            with_dev
                                .iter()
                                .map(|s| s.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )));
                    }
                    w.to_owned()
                }
                None => match with_dev.as_slice() {
                    [] => return Err(none()),
                    [one] => (*one).clone(),
                    many => {
                        return Err(Error::Usage(format!(
                            "several environments have developers ({}); choose one with --environment NAME",
                            many.iter()
                                .map(|s| s.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )));
                    }
                },
            };
            Ok(DevSection {
                prefix: format!("environments.{env}.development"),
                env: Some(env),
            })
        }
        None => {
            if let Some(w) = wanted {
                return Err(Error::Usage(format!(
                    "--environment {w}: {} has no [environments] table; leave --environment out",
                    base.source().name()
                )));
            }
            if !base.source().table().contains_key("development") {
                return Err(none());
            }
            Ok(DevSection {
                env: None,
                prefix: "development".into(),
            })
        }
    }
}

/// The scenario text with `controller_cores` removed from the development
/// table (a co-located controller has no cores of its own), the rest of the
/// text untouched so classes and zones keep their order. `None` when the
/// table has no `controller_cores`.
fn without_controller_cores(base: &LoadedScenario, prefix: &str) -> Result<Option<String>> {
    let segs: Vec<&str> = prefix.split('.').collect();
    let dev = |t: &toml::Table| -> Option<toml::Table> {
        let mut cur = t;
        for s in &segs {
            cur = cur.get(*s)?.as_table()?;
        }
        Some(cur.clone())
    };
    let Some(original) = dev(base.source().table()) else {
        return Ok(None);
    };
    if !original.contains_key("controller_cores") {
        return Ok(None);
    }
    let mut header = String::new();
    let mut edited = String::with_capacity(base.source().text().len());
    for line in base.source().text().split_inclusive('\n') {
        let t = line.trim_start();
        if t.starts_with('[') && !t.starts_with("[[") {
            header = t
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("")
                .split('.')
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(".");
        } else if header == prefix
            && t.strip_prefix("controller_cores")
                .is_some_and(|r| r.trim_start().starts_with('='))
        {
            edited.push_str(
                "# controller_cores: removed by `o11sim team` for the co-located layout\n",
            );
            continue;
        }
        edited.push_str(line);
    }
    // The edit must remove exactly that key and nothing else.
    let ok = edited.parse::<toml::Table>().ok().is_some_and(|t| {
        let mut want = base.source().table().clone();
        let mut cur = &mut want;
        for s in &segs {
            match cur.get_mut(*s).and_then(toml::Value::as_table_mut) {
                Some(next) => cur = next,
                None => return false,
            }
        }
        cur.remove("controller_cores");
        t == want
    });
    if !ok {
        return Err(Error::Usage(format!(
            "cannot drop controller_cores from [{prefix}] for the co-located layout: write it as `controller_cores = N` on its own line under the [{prefix}] header"
        )));
    }
    Ok(Some(edited))
}

/// The figures of one (team size, layout) variant.
struct Figures {
    /// Whether the publishes' backlog grew through the run.
    saturated: bool,
    publish_p50: Estimate,
    publish_p95: Estimate,
    controller_cpu: Option<Estimate>,
    dev_p95: Vec<Option<Estimate>>,
}

fn figures(model: &Model, env: usize, s: &Summary, dev_classes: &[String]) -> Figures {
    let publish_name = if model.development.len() == 1 {
        "publish".to_owned()
    } else {
        format!("publish.{}", model.environments[env].name)
    };
    let publish = s.classes.iter().find(|c| c.name == publish_name);
    let empty = Estimate::from_values(&[]);
    let controller = model.development.iter().find(|d| d.environment == env);
    let resource = match controller.map(|d| &d.controller) {
        Some(Controller::Dedicated { .. }) => Some(format!(
            "{}.deployment_controller",
            model.environments[env].name
        )),
        Some(Controller::CoLocated { front_end }) => model
            .front_ends
            .get(*front_end)
            .map(|f| format!("{}.cpu", f.name)),
        None => None,
    };
    Figures {
        saturated: publish.is_some_and(|c| c.saturated),
        publish_p50: publish.map_or(empty, |c| c.p50),
        publish_p95: publish.map_or(empty, |c| c.p95),
        controller_cpu: resource.and_then(|r| {
            s.resources
                .iter()
                .find(|x| x.name == r)
                .map(|x| x.utilization)
        }),
        dev_p95: dev_classes
            .iter()
            .map(|n| s.classes.iter().find(|c| &c.name == n).map(|c| c.p95))
            .collect(),
    }
}

fn upper(e: &Estimate) -> f64 {
    e.ci_95().map_or(e.mean, |(_, hi)| hi)
}

impl Figures {
    /// Whether this variant misses the publish target.
    fn misses(&self, target: f64) -> bool {
        self.saturated || upper(&self.publish_p95) > target
    }
}

fn secs(e: &Estimate) -> String {
    match e.half_95 {
        Some(h) => format!("{:.1} ± {:.1}", e.mean, h),
        None => format!("{:.1} ± n/a", e.mean),
    }
}

/// A table whose columns after the first come in (dedicated, co-located)
/// pairs under a group heading.
fn paired_table(first: &str, groups: &[String], rows: &[Vec<String>]) -> String {
    let sub: Vec<&str> = std::iter::once(first)
        .chain(groups.iter().flat_map(|_| LAYOUTS.iter().map(|l| l.1)))
        .collect();
    let cols = sub.len();
    let mut width: Vec<usize> = sub.iter().map(|s| s.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(cols) {
            width[i] = width[i].max(c.chars().count());
        }
    }
    for (g, name) in groups.iter().enumerate() {
        let (a, b) = (1 + 2 * g, 2 + 2 * g);
        let need = name.chars().count();
        let have = width[a] + 2 + width[b];
        if need > have {
            width[b] += need - have;
        }
    }
    let mut out = String::new();
    let _ = write!(out, "{}", " ".repeat(width[0]));
    for (g, name) in groups.iter().enumerate() {
        let span = width[1 + 2 * g] + 2 + width[2 + 2 * g];
        let _ = write!(out, "  {name:^span$}");
    }
    let end = out.trim_end_matches(' ').len();
    out.truncate(end);
    out.push('\n');
    let line = |cells: &[&str], out: &mut String| {
        for (i, c) in cells.iter().enumerate() {
            let w = width[i];
            if i == 0 {
                let _ = write!(out, "{c:<w$}");
            } else {
                let _ = write!(out, "  {c:>w$}");
            }
        }
        let end = out.trim_end_matches(' ').len();
        out.truncate(end);
        out.push('\n');
    };
    line(&sub, &mut out);
    for r in rows {
        line(&r.iter().map(String::as_str).collect::<Vec<_>>(), &mut out);
    }
    out
}

/// Runs `o11sim team`.
pub fn run(req: &TeamRequest, progress: &dyn Progress) -> Result<()> {
    let a = req;
    let outputs = Outputs {
        csv: a.csv.as_deref(),
        plot: a.plot.as_deref(),
    };
    let target = a.publish_target;
    let sizes = &a.developers;
    let base = &req.scenario;
    let dev = dev_section(base, a.environment.as_deref())?;
    // The co-located text is parsed once, like the scenario itself.
    let co_source = without_controller_cores(base, &dev.prefix)?
        .map(|text| Source::parse(base.source().name(), &text))
        .transpose()?;
    let mut grid: Vec<Variant> = Vec::new();
    for &n in sizes {
        for (layout, _) in LAYOUTS {
            let settings = [
                Setting {
                    flag: format!("--developers {n}"),
                    key: format!("{}.developers", dev.prefix),
                    value: n.to_string(),
                },
                Setting {
                    flag: format!("team (controller = {layout})"),
                    key: format!("{}.controller", dev.prefix),
                    value: layout.into(),
                },
            ];
            let source = if layout == "co_located" {
                co_source.as_ref()
            } else {
                None
            };
            let keys = vec![
                ("developers".to_owned(), n.to_string()),
                ("controller".to_owned(), layout.to_owned()),
            ];
            grid.push(Variant {
                name: variants::variant_name(&keys),
                keys,
                scenario: variants::variant(base, source, &settings)?,
            });
        }
    }
    let model = &base.scenario().model;
    let env = match &dev.env {
        Some(name) => model
            .environments
            .iter()
            .position(|e| &e.name == name)
            .unwrap_or(0),
        None => model.development.first().map_or(0, |d| d.environment),
    };
    let dev_classes: Vec<String> = model
        .classes
        .iter()
        .filter(|c| model.zones[c.zone].environment == env)
        .map(|c| c.name.clone())
        .collect();
    let ran = super::run_all(&grid, a.max_events, "team sizes", progress)?;
    ran.report_speed();
    let figs: Vec<Figures> = grid
        .iter()
        .zip(&ran.summaries)
        .map(|(v, s)| figures(&v.scenario.model, env, s, &dev_classes))
        .collect();
    let mut out = crate::report::output::report_sink(a.csv.as_deref());
    let env_name = &model.environments[env].name;
    writeln!(
        out,
        "{}",
        super::headline(
            "team",
            base,
            &format!(
                "environment {env_name}, developers = {}, publish target p95 <= {}",
                sizes
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                format_duration(target)
            )
        )
    )?;
    let mut groups = vec![
        "publish p50 (s)".to_owned(),
        "publish p95 (s)".to_owned(),
        "controller CPU".to_owned(),
    ];
    groups.extend(dev_classes.iter().map(|c| format!("{c} p95 (ms)")));
    let mut rows = Vec::new();
    for (i, n) in sizes.iter().enumerate() {
        let pair = [&figs[2 * i], &figs[2 * i + 1]];
        let mut row = vec![n.to_string()];
        row.extend(pair.iter().map(|f| secs(&f.publish_p50)));
        row.extend(pair.iter().map(|f| {
            let sat = if f.saturated { " [SATURATED]" } else { "" };
            let mark = if f.misses(target) { " *" } else { "" };
            format!("{}{sat}{mark}", secs(&f.publish_p95))
        }));
        row.extend(pair.iter().map(|f| {
            f.controller_cpu
                .as_ref()
                .map_or_else(|| "—".into(), super::pct_cell)
        }));
        for k in 0..dev_classes.len() {
            row.extend(pair.iter().map(|f| {
                f.dev_p95[k].as_ref().map_or_else(
                    || "—".into(),
                    |e| super::figure_cell(variants::Figure::P95, e),
                )
            }));
        }
        rows.push(row);
    }
    write!(out, "\n{}", paired_table("developers", &groups, &rows))?;
    let co_box = model
        .front_ends
        .iter()
        .find(|f| model.zones[f.zone].environment == env)
        .map_or_else(
            || "its front-end".to_owned(),
            |f| format!("front-end {}", f.name),
        );
    writeln!(
        out,
        "\n* misses the {} target: the upper end of the 95% CI of publish p95 is above it, or the publishes are saturated (the compile queue grows through the run).\ncontroller CPU: dedicated = the Deployment Controller's own cores; co-located = {co_box}, shared with web traffic.",
        format_duration(target)
    )?;
    // Verdicts, in increasing team size.
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by_key(|&i| sizes[i]);
    for (l, (_, shown)) in LAYOUTS.iter().enumerate() {
        let first_miss = order.iter().find(|&&i| figs[2 * i + l].misses(target));
        let line = match first_miss {
            Some(&i) => format!(
                "{shown}: publish p95 first misses the {} target at {} developers ({:.0} s, upper 95% bound {:.0} s{})",
                format_duration(target),
                sizes[i],
                figs[2 * i + l].publish_p95.mean,
                upper(&figs[2 * i + l].publish_p95),
                if figs[2 * i + l].saturated {
                    ", saturated"
                } else {
                    ""
                }
            ),
            None => format!(
                "{shown}: publish p95 meets the {} target at every team size tried (up to {} developers)",
                format_duration(target),
                order.last().map_or(0, |&i| sizes[i])
            ),
        };
        writeln!(out, "{line}")?;
    }
    let report_rows = super::report_variants(&grid, &ran.summaries);
    let mut written = outputs.write_csv(&report_rows)?;
    written.extend(outputs.write_plot(|| {
        Chart {
            title: format!(
                "{}: publish lead time p95 by team size",
                base.scenario().name
            ),
            x_label: "developers".into(),
            y_label: "publish lead time p95 (s)".into(),
            x_categories: None,
            series: LAYOUTS
                .iter()
                .enumerate()
                .map(|(l, (_, shown))| Series {
                    name: (*shown).to_owned(),
                    points: order
                        .iter()
                        .map(|&i| {
                            let e = &figs[2 * i + l].publish_p95;
                            Point {
                                x: f64::from(sizes[i]),
                                y: e.mean,
                                ci: e.ci_95(),
                            }
                        })
                        .collect(),
                })
                .collect(),
            target: Some((format!("target {}", format_duration(target)), target)),
        }
    })?);
    for p in written {
        writeln!(out, "wrote {}", p.display())?;
    }
    Ok(())
}
