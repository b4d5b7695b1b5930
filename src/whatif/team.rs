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
//! when no publish finished in some replication (nothing measured is
//! never "met"). Developers are a closed population (each publishes again
//! only once the last publish finished), so the compile queue cannot grow
//! through the run: an overloaded controller shows as a longer lead time,
//! and the publishes row is never saturated (the JSON's `saturated` of a
//! point, kept for compatibility, is always false).
//! "Controller CPU" is the dedicated controller's own cores, or, co-located,
//! the CPU of the front-end it compiles on (shared with web traffic).
//! Each variant runs on the machines the sizing guide gives its team size
//! and layout ([`GuideBoxes`]): the environment's `front_end.cores` and,
//! dedicated, `controller_cores` are set per variant.

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

/// The machines the sizing guide gives a team of `developers` in each
/// layout (design notes §3, "development server": 5+ developers, front-end
/// and controller on one 2-core box; 8+, on one 4-core box; 16+, separate
/// front-end (4 cores) and controller (4 cores); +0.25 core per extra
/// developer).
///
/// Our reading: the row lists three boxes by team size, and its increment
/// grows the last of them, the separate layout from 16 developers on. The
/// guide never describes a shared box larger than 4 cores: from 16
/// developers it separates the controller instead. So *co-located* is the
/// guide's shared box for the team size, 2 cores below 8 developers and 4
/// from 8 (kept at 4 beyond 16: what a team that does not separate keeps
/// running on). *Dedicated* is a 4-core front-end and a controller of 4
/// cores plus 0.25 core per developer beyond 16, rounded up to whole cores
/// (each compile takes one core, so a controller has whole cores). The
/// increment goes to the controller because compiles are the load that
/// grows with the team: a developer's test traffic is about 1 ms of
/// front-end CPU a second (0.1 request/s of 12 ms), a developer's compiles
/// 0.175 core (docs/scenarios.md, `publishes_per_hour`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct GuideBoxes {
    /// The environment's front-end cores (co-located: the shared box).
    pub front_end: u32,
    /// The dedicated controller's cores; `None` when co-located.
    pub controller: Option<u32>,
}

impl GuideBoxes {
    pub(crate) fn for_team(developers: u32, layout: Layout) -> GuideBoxes {
        match layout {
            Layout::CoLocated => GuideBoxes {
                front_end: if developers < 8 { 2 } else { 4 },
                controller: None,
            },
            Layout::Dedicated => GuideBoxes {
                front_end: 4,
                // 0.25 core per developer beyond 16, rounded up.
                controller: Some(4 + developers.saturating_sub(16).div_ceil(4)),
            },
        }
    }
}

/// The key of the development environment's front-end cores, from the
/// key prefix of its development table.
fn front_end_cores_key(dev_prefix: &str) -> String {
    match dev_prefix.strip_suffix(".development") {
        Some(env) => format!("{env}.front_end.cores"),
        None => "front_end.cores".into(),
    }
}

/// The keys of the front-end cores of each zone of the development
/// environment (`environments.dev.zones.NAME.front_end.cores`), each with
/// whether the zone's own `front_end` sets its cores in the scenario text:
/// such a zone's front-ends would keep them whatever the environment's
/// `front_end.cores` says.
fn zone_cores_keys(base: &LoadedScenario, dev_prefix: &str) -> Vec<(String, bool)> {
    let env = dev_prefix.strip_suffix("development").unwrap_or("");
    let mut table = Some(base.source().table());
    for segment in env.split('.').filter(|s| !s.is_empty()) {
        table = table.and_then(|t| t.get(segment)?.as_table());
    }
    let Some(zones) = table.and_then(|t| t.get("zones")?.as_table()) else {
        return Vec::new();
    };
    zones
        .iter()
        .map(|(name, zone)| {
            let sets_cores = zone
                .get("front_end")
                .and_then(toml::Value::as_table)
                .is_some_and(|f| f.contains_key("cores"));
            (format!("{env}zones.{name}.front_end.cores"), sets_cores)
        })
        .collect()
}

/// The variants of a team growth: every team size × layout, the
/// co-located ones built from the text without `controller_cores`.
fn grid(req: &TeamRequest, dev: &DevSection) -> Result<Vec<Variant>> {
    let base = &req.scenario;
    let machines = "team: the sizing guide's machines for each team size and layout";
    let zone_cores = zone_cores_keys(base, &dev.prefix);
    let mut written = vec![
        (
            format!("{}.developers", dev.prefix),
            "--developers".to_owned(),
        ),
        (
            format!("{}.controller", dev.prefix),
            "team: both layouts, dedicated and co_located".to_owned(),
        ),
        (format!("{}.controller_cores", dev.prefix), machines.into()),
        (front_end_cores_key(&dev.prefix), machines.into()),
    ];
    written.extend(zone_cores.iter().map(|(k, _)| (k.clone(), machines.into())));
    variants::refuse_overridden_sets(base, &written)?;
    // The co-located text is parsed once, like the scenario itself.
    let co_source = without_controller_cores(base, &dev.prefix)?
        .map(|text| Source::parse(base.source().name(), &text))
        .transpose()?;
    let mut grid = Vec::new();
    for &n in &req.developers {
        for layout in Layout::ALL {
            let boxes = GuideBoxes::for_team(n, layout);
            let mut settings = vec![
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
                Setting {
                    flag: format!("team (front_end.cores = {})", boxes.front_end),
                    key: front_end_cores_key(&dev.prefix),
                    value: boxes.front_end.to_string(),
                },
            ];
            // A zone's own `front_end = { cores = N }` would keep its
            // front-ends at N cores: the guide's box is set there too.
            for (key, _) in zone_cores.iter().filter(|(_, sets)| *sets) {
                settings.push(Setting {
                    flag: format!("team (front_end.cores = {})", boxes.front_end),
                    key: key.clone(),
                    value: boxes.front_end.to_string(),
                });
            }
            if let Some(cores) = boxes.controller {
                settings.push(Setting {
                    flag: format!("team (controller_cores = {cores})"),
                    key: format!("{}.controller_cores", dev.prefix),
                    value: cores.to_string(),
                });
            }
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
    let empty = Estimate::nothing();
    let controller = model.development.iter().find(|d| d.environment == env);
    let resource = match controller.map(|d| &d.controller) {
        Some(Controller::Dedicated { .. }) => {
            Some(format!("dc.{}.cpu", model.environments[env].name))
        }
        Some(Controller::CoLocated { front_end }) => model
            .front_ends
            .get(*front_end)
            .map(|f| format!("{}.cpu", f.name)),
        None => None,
    };
    // No publish finished in some replication (or no publishes row at all):
    // the lead-time figures measure nothing, so the target is not met.
    let none_completed = publish.is_none_or(|c| c.none_completed > 0 || c.replications == 0);
    let publish_p95 = publish.map_or(empty, |c| c.p95);
    TeamPoint {
        developers,
        layout,
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
        misses: none_completed || upper(&publish_p95) > target,
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
    // `--precision` also watches the publishes' p95, the figure the target
    // is on.
    let publishes = publish_row(model, env);
    let ran = super::run_grid(&grid, req.budget, "team sizes", progress, |v| {
        let m = &v.scenario.model;
        let mut watch = crate::experiment::precision::Watch::of(m);
        watch
            .figures
            .push((publishes.clone(), crate::experiment::summary::Figure::P95));
        watch
    })?;
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
