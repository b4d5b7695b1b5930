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
//! run, so the lead time only gets worse with a longer run), or when no
//! publish finished in some replication (nothing measured is never "met").
//! "Controller CPU" is the dedicated controller's own cores, or, co-located,
//! the CPU of the front-end it compiles on (shared with web traffic).

use super::TeamRequest;
use super::variants::{self, Setting, Variant};
use crate::error::{Error, Result};
use crate::experiment::result::{Layout, TeamGrowth, TeamPoint, VariantResult};
use crate::experiment::summary::{publish_row, upper};
use crate::experiment::{Progress, Summary};
use crate::model::Model;
use crate::model::spec::Controller;
use crate::scenario::{LoadedScenario, Source};
use crate::stats::Estimate;

/// The preset `team` uses when no scenario is given.
pub const DEFAULT_SCENARIO: &str = "example1";

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

/// The variants of a team growth: every team size × layout, the
/// co-located ones built from the text without `controller_cores`.
fn grid(req: &TeamRequest, dev: &DevSection) -> Result<Vec<Variant>> {
    let base = &req.scenario;
    // The co-located text is parsed once, like the scenario itself.
    let co_source = without_controller_cores(base, &dev.prefix)?
        .map(|text| Source::parse(base.source().name(), &text))
        .transpose()?;
    let mut grid = Vec::new();
    for &n in &req.developers {
        for layout in Layout::ALL {
            let settings = [
                Setting {
                    flag: format!("--developers {n}"),
                    key: format!("{}.developers", dev.prefix),
                    value: n.to_string(),
                },
                Setting {
                    flag: format!("team (controller = {})", layout.key()),
                    key: format!("{}.controller", dev.prefix),
                    value: layout.key().into(),
                },
            ];
            let source = match layout {
                Layout::CoLocated => co_source.as_ref(),
                Layout::Dedicated => None,
            };
            let keys = vec![
                ("developers".to_owned(), n.to_string()),
                ("controller".to_owned(), layout.key().to_owned()),
            ];
            grid.push(Variant {
                name: variants::variant_name(&keys),
                keys,
                scenario: variants::variant(base, source, &settings)?,
            });
        }
    }
    Ok(grid)
}

/// The figures of one variant of environment `env`: its publishes, the
/// controller's CPU and the p95 of `dev_classes`.
fn point(
    model: &Model,
    env: usize,
    s: &Summary,
    dev_classes: &[String],
    (developers, layout): (u32, Layout),
    target: f64,
) -> TeamPoint {
    let publish_name = publish_row(model, env);
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
    let saturated = publish.is_some_and(|c| c.saturated);
    // No publish finished in some replication (or no publishes row at all):
    // the lead-time figures measure nothing, so the target is not met.
    let none_completed = publish.is_none_or(|c| c.none_completed > 0 || c.replications == 0);
    let publish_p95 = publish.map_or(empty, |c| c.p95);
    TeamPoint {
        developers,
        layout,
        saturated,
        publish_p50: publish.map_or(empty, |c| c.p50),
        publish_p95,
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
        none_completed,
        misses: saturated || none_completed || upper(&publish_p95) > target,
    }
}

/// Runs `o11sim team`: every team size × layout in one pool.
pub fn team(req: &TeamRequest, progress: &dyn Progress) -> Result<TeamGrowth> {
    let base = &req.scenario;
    let dev = dev_section(base, req.environment.as_deref())?;
    let grid = grid(req, &dev)?;
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
    let ran = super::run_all(&grid, req.max_events, "team sizes", progress)?;
    let points: Vec<TeamPoint> = req
        .developers
        .iter()
        .flat_map(|&n| Layout::ALL.map(|l| (n, l)))
        .zip(grid.iter().zip(&ran.summaries))
        .map(|(at, (v, s))| {
            point(
                &v.scenario.model,
                env,
                s,
                &dev_classes,
                at,
                req.publish_target,
            )
        })
        .collect();
    // The first miss of each layout, in increasing team size.
    let mut sizes = req.developers.clone();
    sizes.sort_unstable();
    let first_miss = Layout::ALL.map(|layout| {
        sizes.iter().copied().find(|&n| {
            points
                .iter()
                .any(|p| p.developers == n && p.layout == layout && p.misses)
        })
    });
    let co_located_front_end = model
        .front_ends
        .iter()
        .find(|f| model.zones[f.zone].environment == env)
        .map(|f| f.name.clone());
    Ok(TeamGrowth {
        settings: super::settings(base),
        environment: model.environments[env].name.clone(),
        publish_target: req.publish_target,
        developers: req.developers.clone(),
        dev_classes,
        co_located_front_end,
        variants: grid
            .into_iter()
            .zip(ran.summaries)
            .map(|(v, summary)| VariantResult {
                name: v.name,
                keys: v.keys,
                summary,
            })
            .collect(),
        points,
        first_miss,
    })
}
