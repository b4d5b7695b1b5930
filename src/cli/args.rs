//! The raw arguments of the simulating commands (clap) and how they become
//! the plain requests of the layers below (`experiment`, `whatif`).
//!
//! Why this file exists: only the command line knows flags. Everything a
//! flag means is checked here (or by the loader, with the flag named) and
//! handed down as typed values, so `whatif` and `experiment` never see
//! clap and never import `cli`.

use std::path::PathBuf;

use crate::dist::parse_duration;
use crate::error::{Error, Result};
use crate::experiment::{Budget, Precision, RunRequest};
use crate::report::svg::PlotFigure;
use crate::scenario::{self, LoadedScenario, Override, RunOverrides, TimelineRequest};
use crate::whatif::variants::{parse_list, parse_vary};
use crate::whatif::{self, CompareRequest, SizeRequest, SweepRequest, TeamRequest};

/// The parser of `--plot-figure`: one of [`PlotFigure::ALL`] by name
/// (clap lists them when another is given).
fn plot_figure() -> impl clap::builder::TypedValueParser<Value = PlotFigure> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(PlotFigure::ALL.map(PlotFigure::name))
        .map(|name| name.parse::<PlotFigure>().unwrap_or_default())
}

/// Options every simulating command takes.
#[derive(Clone, Debug, clap::Args)]
pub struct RunOptions {
    /// Independent replications (default: the scenario's, else 10).
    #[arg(long, value_name = "N")]
    pub replications: Option<usize>,
    /// Seed of the random streams (default: the scenario's, else 1).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Run replications in batches until every traffic class's p95 and
    /// every SLO figure has a 95 % CI half-width within P % of its
    /// estimate, e.g. 2% (per variant; --replications is then the first
    /// batch, default 2).
    #[arg(long, value_name = "P%")]
    pub precision: Option<String>,
    /// With --precision: stop there, precise or not.
    #[arg(long, value_name = "N")]
    pub max_replications: Option<usize>,
    /// Measured simulated time per replication, e.g. 30m, 1h.
    #[arg(long, value_name = "DURATION")]
    pub duration: Option<String>,
    /// Simulated time discarded at the start of each replication, e.g. 5m.
    #[arg(long, value_name = "DURATION")]
    pub warmup: Option<String>,
    /// Override any scenario field by its dotted path (repeatable), e.g.
    /// --set front_ends=5 --set traffic.portal.rate=400.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Refuse work estimated above this many simulated events in all
    /// (about 10 minutes on a 2-core machine by default); checked before
    /// running, and by `size` before each candidate, over its whole search
    /// (a candidate that stopped on a certain miss counts for the time it
    /// simulated).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_EVENTS)]
    pub max_events: f64,
    /// Refuse work whose peak memory is estimated above this, e.g. 4GB or
    /// 512MB (default: half of the machine's memory).
    #[arg(long, value_name = "SIZE")]
    pub max_memory: Option<String>,
}

/// Default of `--max-events`.
pub const DEFAULT_MAX_EVENTS: f64 = 1e10;

/// `--max-memory` in bytes: `4GB`, `512MB`, `2GiB`, or a number of bytes.
/// kB, MB, GB and TB are powers of 1000; KiB, MiB, GiB and TiB of 1024.
pub fn parse_memory(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let split = t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: f64 = number.trim().parse().map_err(|_| {
        format!("--max-memory {text:?}: expected a size such as 4GB, 512MB or 2GiB")
    })?;
    let scale = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(format!(
                "--max-memory {text:?}: unknown unit {other:?}; use B, kB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024)"
            ));
        }
    };
    let bytes = n * scale;
    if !(bytes.is_finite() && bytes > 0.0) {
        return Err(format!(
            "--max-memory {text:?}: must be a size larger than zero"
        ));
    }
    Ok(bytes)
}

/// Half of the machine's memory (`MemTotal` in /proc/meminfo), or 4 GB
/// where that cannot be read: room for the rest of the machine.
pub fn default_max_memory() -> f64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kb * 1024.0 / 2.0)
        })
        .unwrap_or(4e9)
}

impl RunOptions {
    /// The run-time guard's limits.
    pub fn budget(&self) -> Result<Budget> {
        let max_memory = match &self.max_memory {
            Some(text) => parse_memory(text).map_err(Error::Usage)?,
            None => default_max_memory(),
        };
        Ok(Budget {
            max_events: self.max_events,
            max_memory,
        })
    }

    /// The overrides the options imply: every `--set`, then `--duration`
    /// and `--warmup`, then the replication count and seed.
    pub fn overrides(&self) -> Result<RunOverrides> {
        let mut set = Vec::new();
        for s in &self.set {
            set.push(
                s.parse::<Override>()
                    .map_err(|e| Error::Usage(e.to_string()))?,
            );
        }
        for (flag, path, value) in [
            ("--duration", "simulation.duration", &self.duration),
            ("--warmup", "simulation.warmup", &self.warmup),
        ] {
            if let Some(v) = value {
                parse_duration(v).map_err(|e| Error::Usage(format!("{flag}: {e}")))?;
                set.push(Override {
                    path: path.into(),
                    value: format!("\"{v}\""),
                });
            }
        }
        if self.replications == Some(0) {
            return Err(Error::Usage("--replications must be at least 1".into()));
        }
        if !(self.max_events.is_finite() && self.max_events > 0.0) {
            return Err(Error::Usage(format!(
                "--max-events must be a positive number, got {}",
                self.max_events
            )));
        }
        self.budget()?;
        Ok(RunOverrides {
            set,
            replications: self.replications,
            seed: self.seed,
            precision: self.precision()?,
            timeline: TimelineRequest::Off,
        })
    }

    /// `--precision` with `--max-replications`, checked.
    pub fn precision(&self) -> Result<Option<Precision>> {
        let Some(text) = &self.precision else {
            if let Some(n) = self.max_replications {
                return Err(Error::Usage(format!(
                    "--max-replications {n} goes with --precision (such as --precision 2%); without it, --replications sets the count"
                )));
            }
            return Ok(None);
        };
        let max = self
            .max_replications
            .unwrap_or(crate::experiment::precision::DEFAULT_MAX_REPLICATIONS);
        let p = Precision::parse(text, max).map_err(Error::Usage)?;
        if let Some(first) = self.replications
            && first > max
        {
            return Err(Error::Usage(format!(
                "--replications {first} (the first batch under --precision) is above --max-replications {max}; lower it or raise --max-replications"
            )));
        }
        Ok(Some(p))
    }

    /// Loads `spec` (`default` when absent) with every override the
    /// options imply.
    pub fn load(&self, spec: Option<&str>, default: &str) -> Result<LoadedScenario> {
        self.load_with_timeline(spec, default, TimelineRequest::Off)
    }

    /// As [`RunOptions::load`], measuring a timeline as `timeline` asks.
    /// A value from `--duration` or `--warmup` that the scenario refuses
    /// is reported as that flag's, not as a `--set`.
    pub fn load_with_timeline(
        &self,
        spec: Option<&str>,
        default: &str,
        timeline: TimelineRequest,
    ) -> Result<LoadedScenario> {
        let overrides = RunOverrides {
            timeline,
            ..self.overrides()?
        };
        LoadedScenario::load(spec.unwrap_or(default), overrides).map_err(|e| {
            let flags = [
                ("--duration", "simulation.duration", &self.duration),
                ("--warmup", "simulation.warmup", &self.warmup),
            ];
            if let Some(d) = e.diagnostic()
                && let scenario::Origin::Set { key, value } = &d.origin
                && let Some((flag, _, Some(v))) = flags.iter().find(|(_, path, v)| {
                    path == key && v.as_ref().is_some_and(|v| value == &format!("\"{v}\""))
                })
            {
                let message = d.message.replace(" (this value came from --set)", "");
                return Error::Usage(format!("{flag} {v}: {message}"));
            }
            Error::from(e)
        })
    }
}

/// What `--timeline` asks (`None`: the flag is absent); `chart`: the
/// command draws a timeline chart (`run --plot`).
pub fn timeline_request(flag: Option<&str>, chart: bool) -> Result<TimelineRequest> {
    let Some(text) = flag else {
        return Ok(TimelineRequest::Auto { chart });
    };
    if text.trim() == "off" {
        return Ok(TimelineRequest::Off);
    }
    let allowed = format!(
        "give a window of simulated time longer than zero, such as 1m or 1h, that cuts the \
         measured period into at most {} windows, or `off`",
        crate::experiment::timeline::MAX_WINDOWS
    );
    let window = parse_duration(text)
        .map_err(|e| Error::Usage(format!("--timeline {text:?}: {e}; {allowed}")))?;
    if window <= 0.0 {
        return Err(Error::Usage(format!(
            "--timeline {text:?}: the window must be longer than zero; {allowed}"
        )));
    }
    Ok(TimelineRequest::Window(window))
}

/// `o11sim run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario file or preset name (see `o11sim presets`).
    pub scenario: Option<String>,
    #[command(flatten)]
    pub common: RunOptions,
    /// Write the class CSV here (and the resources CSV beside it, with
    /// `-resources` before the extension); `-` for standard output.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Write the whole result as JSON here: every figure with its CI, the
    /// verdicts, the run settings (schema: docs/json.md); `-` for standard
    /// output.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write a self-contained HTML page (question, settings, verdicts,
    /// tables, charts, scenario) to attach to a decision.
    #[arg(long, value_name = "FILE.html")]
    pub html: Option<PathBuf>,
    /// Measure every class and resource per window of simulated time,
    /// e.g. 1m or 1h (`off`: none); default 1h for a scenario with an
    /// hourly profile, else none. Written with --csv (FILE-timeline.csv)
    /// and --json.
    #[arg(long, value_name = "WINDOW")]
    pub timeline: Option<String>,
    /// Draw the timeline as SVG: each class's p95 and error rate against
    /// simulated time, failures shaded, SLOs as lines (without --timeline,
    /// round windows, at most 60).
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
}

impl RunArgs {
    pub fn request(&self) -> Result<RunRequest> {
        let timeline = timeline_request(self.timeline.as_deref(), self.plot.is_some())?;
        if self.plot.is_some() && timeline == TimelineRequest::Off {
            return Err(Error::Usage(
                "--plot draws the timeline of a run: drop --timeline off, or give a window such as --timeline 1m".into(),
            ));
        }
        Ok(RunRequest {
            scenario: self.common.load_with_timeline(
                self.scenario.as_deref(),
                scenario::DEFAULT_PRESET,
                timeline,
            )?,
            budget: self.common.budget()?,
        })
    }
}

/// `o11sim compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// Scenario file or preset name (default: the production example).
    pub scenario: Option<String>,
    #[command(flatten)]
    pub common: RunOptions,
    /// Front-end counts to compare, e.g. 1,3 or 1..4 (in a zoned scenario
    /// every zone gets the count; use --vary zones.NAME.front_ends=LIST for
    /// one zone).
    #[arg(long, value_name = "LIST")]
    pub front_ends: Option<String>,
    /// Compare any other setting the same way, e.g. database.cores=4,8
    /// (repeatable: the variants are the full grid).
    #[arg(long = "vary", value_name = "KEY=LIST")]
    pub vary: Vec<String>,
    /// Write the class CSV here, and beside it the resources CSV
    /// (FILE-resources.csv) and the paired differences against the first
    /// variant (FILE-differences.csv).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Write the whole result as JSON here: every figure with its CI, the
    /// verdicts, the run settings (schema: docs/json.md); `-` for standard
    /// output.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Draw p95 (or --plot-figure) against the varied value as SVG.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
    /// What --plot (and the first chart of --html) shows: p95, mean, p99,
    /// error_rate, or utilization (the CPUs instead of the classes).
    #[arg(long, value_name = "FIGURE", default_value = "p95", value_parser = plot_figure())]
    pub plot_figure: PlotFigure,
    /// Write a self-contained HTML page (question, settings, verdicts,
    /// tables, charts, scenario) to attach to a decision.
    #[arg(long, value_name = "FILE.html")]
    pub html: Option<PathBuf>,
    /// Measure every class and resource per window of simulated time,
    /// e.g. 1m or 1h (`off`: none); default 1h for a scenario with an
    /// hourly profile, else none. Written with --csv (FILE-timeline.csv)
    /// and --json.
    #[arg(long, value_name = "WINDOW")]
    pub timeline: Option<String>,
}

impl CompareArgs {
    /// The request, with every list read and the scenario loaded.
    pub fn request(&self) -> Result<CompareRequest> {
        if self.front_ends.is_none() && self.vary.is_empty() {
            return Err(Error::Usage(
                "compare needs what to compare: --front-ends LIST (such as 1,3) or --vary KEY=LIST (such as database.cores=4,8)".into(),
            ));
        }
        let scenario = self.common.load_with_timeline(
            self.scenario.as_deref(),
            scenario::DEFAULT_PRESET,
            timeline_request(self.timeline.as_deref(), false)?,
        )?;
        let front_ends = match &self.front_ends {
            Some(list) => Some(
                parse_list(list)
                    .map_err(|m| Error::Usage(format!("--front-ends {list:?}: {m}")))?,
            ),
            None => None,
        };
        Ok(CompareRequest {
            scenario,
            front_ends,
            vary: self
                .vary
                .iter()
                .map(|v| parse_vary(v))
                .collect::<Result<_>>()?,
            budget: self.common.budget()?,
        })
    }
}

/// `o11sim sweep`.
#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// Scenario file or preset name (default: the production example).
    pub scenario: Option<String>,
    #[command(flatten)]
    pub common: RunOptions,
    /// A setting and its values, e.g. front_ends=1..6 or
    /// traffic.portal.rate=100,200,400 (repeatable: the full grid).
    #[arg(long = "vary", value_name = "KEY=LIST", required = true)]
    pub vary: Vec<String>,
    /// Write the class CSV here, and beside it the resources CSV
    /// (FILE-resources.csv) and the paired differences against the first
    /// variant (FILE-differences.csv).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Write the whole result as JSON here: every figure with its CI, the
    /// verdicts, the run settings (schema: docs/json.md); `-` for standard
    /// output.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Draw p95 (or --plot-figure) against the first varied key as SVG
    /// (one series per class and value of the other keys).
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
    /// What --plot (and the first chart of --html) shows: p95, mean, p99,
    /// error_rate, or utilization (the CPUs instead of the classes).
    #[arg(long, value_name = "FIGURE", default_value = "p95", value_parser = plot_figure())]
    pub plot_figure: PlotFigure,
    /// Write a self-contained HTML page (question, settings, verdicts,
    /// tables, charts, scenario) to attach to a decision.
    #[arg(long, value_name = "FILE.html")]
    pub html: Option<PathBuf>,
    /// Run only shard K of N of the variant x replication grid and write a
    /// part file (combine the parts with `o11sim merge`).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<whatif::variants::Shard>,
    /// Where `--shard` writes its part (default sweep-part-K-of-N.toml; `-`
    /// for standard output).
    #[arg(long, value_name = "FILE", requires = "shard")]
    pub part: Option<PathBuf>,
    /// Measure every class and resource per window of simulated time,
    /// e.g. 1m or 1h (`off`: none); default 1h for a scenario with an
    /// hourly profile, else none. Written with --csv (FILE-timeline.csv)
    /// and --json.
    #[arg(long, value_name = "WINDOW")]
    pub timeline: Option<String>,
}

impl SweepArgs {
    pub fn request(&self) -> Result<SweepRequest> {
        // Part files carry no timeline: a shard measures none.
        let timeline = if self.shard.is_some() {
            if self.common.precision.is_some() {
                return Err(Error::Usage(
                    "--precision is not available with --shard (each shard runs a fixed share of the replications); give --replications, or run the sweep unsharded".into(),
                ));
            }
            if self.timeline.is_some() {
                return Err(Error::Usage(
                    "--timeline is not available with --shard (part files carry no timeline); run the sweep unsharded for a timeline".into(),
                ));
            }
            TimelineRequest::Off
        } else {
            timeline_request(self.timeline.as_deref(), false)?
        };
        let scenario = self.common.load_with_timeline(
            self.scenario.as_deref(),
            scenario::DEFAULT_PRESET,
            timeline,
        )?;
        Ok(SweepRequest {
            scenario,
            vary: self
                .vary
                .iter()
                .map(|v| parse_vary(v))
                .collect::<Result<_>>()?,
            budget: self.common.budget()?,
        })
    }
}

/// `o11sim size`.
#[derive(Debug, clap::Args)]
pub struct SizeArgs {
    /// Scenario file or preset name (default: the production example).
    pub scenario: Option<String>,
    #[command(flatten)]
    pub common: RunOptions,
    /// A service-level objective, [CLASS:]FIGURE<=DURATION with FIGURE one
    /// of p95, p99, mean, e.g. portal:p95<=800ms, or [CLASS:]errors<=PERCENT,
    /// e.g. portal:errors<=0.1% (repeatable; without CLASS it applies to
    /// every traffic class; default: the scenario's own `slo` entries).
    #[arg(long = "slo", value_name = "[CLASS:]p95<=800ms")]
    pub slo: Vec<String>,
    /// Front-ends that may be down for the whole run: the answer is N such
    /// that N - SPARE front-ends meet every SLO.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub spare: usize,
    /// Largest front-end count to try (per zone), or largest value of the
    /// --key field.
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub max_front_ends: usize,
    /// Size this integer field instead of the front-end counts, spelled as
    /// for --set (database.cores, development.controller_cores,
    /// zones.public.front_ends); a capacity, not a load such as
    /// traffic.NAME.rate (sweep that instead).
    #[arg(long, value_name = "PATH")]
    pub key: Option<String>,
    /// A criterion beside the SLOs: every sized resource (the front-ends'
    /// CPU for a front-end count, the database CPU for database.cores, ...)
    /// stays under this utilization at the upper end of its 95% CI, e.g.
    /// 70%.
    #[arg(long, value_name = "PERCENT")]
    pub max_utilization: Option<String>,
    /// Write every candidate's class CSV here (and the resources CSV
    /// beside it).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Write the whole result as JSON here: every figure with its CI, the
    /// verdicts, the run settings (schema: docs/json.md); `-` for standard
    /// output.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write a self-contained HTML page (question, settings, verdicts,
    /// tables, charts, scenario) to attach to a decision.
    #[arg(long, value_name = "FILE.html")]
    pub html: Option<PathBuf>,
    /// Simulate every replication of every candidate to its end. By
    /// default a replication stops as soon as a figure an objective judges
    /// (its percentile, mean or error rate, or the share rejected) is
    /// certain to end above its limit, and a candidate all of whose
    /// replications stopped has figures covering only the time simulated.
    #[arg(long)]
    pub run_misses_to_end: bool,
}

impl SizeArgs {
    pub fn request(&self) -> Result<SizeRequest> {
        let max = whatif::size::MAX_PER_ZONE;
        if self.max_front_ends == 0 || self.max_front_ends > max {
            return Err(Error::Usage(format!(
                "--max-front-ends must be between 1 and {max}, got {}",
                self.max_front_ends
            )));
        }
        if self.spare >= self.max_front_ends {
            return Err(Error::Usage(format!(
                "--spare {} leaves no front-end running within --max-front-ends {}; raise --max-front-ends or lower --spare",
                self.spare, self.max_front_ends
            )));
        }
        let scenario = self
            .common
            .load(self.scenario.as_deref(), scenario::DEFAULT_PRESET)?;
        let mut slos = Vec::new();
        for text in &self.slo {
            let slo = whatif::size::parse_slo(text)
                .map_err(|m| Error::Usage(format!("--slo {text:?}: {m}")))?;
            slos.push((text.clone(), slo));
        }
        let max_utilization = self
            .max_utilization
            .as_deref()
            .map(|t| {
                crate::dist::parse_percent(t)
                    .ok()
                    .filter(|u| *u > 0.0 && *u <= 1.0)
                    .ok_or_else(|| {
                        Error::Usage(format!(
                            "--max-utilization {t:?}: expected a percentage above 0% and below 100%, e.g. 70%"
                        ))
                    })
            })
            .transpose()?;
        if let Some(key) = &self.key
            && key.trim().is_empty()
        {
            return Err(Error::Usage(
                "--key: empty path; give an integer field such as database.cores".into(),
            ));
        }
        Ok(SizeRequest {
            scenario,
            slos,
            spare: self.spare,
            max_front_ends: self.max_front_ends,
            max_utilization,
            key: self.key.clone(),
            budget: self.common.budget()?,
            stop_certain_misses: !self.run_misses_to_end,
        })
    }
}

/// `o11sim team`.
#[derive(Debug, clap::Args)]
pub struct TeamArgs {
    /// Scenario file or preset name with a [development] section (default:
    /// example1, the non-productive environments).
    pub scenario: Option<String>,
    #[command(flatten)]
    pub common: RunOptions,
    /// Team sizes to simulate, e.g. 8,16,32 or 4..12.
    #[arg(long, value_name = "LIST")]
    pub developers: String,
    /// Publish lead-time target: a layout (dedicated or co-located
    /// controller) misses it at a team size when the upper end of the 95 %
    /// CI of publish p95 is above it.
    #[arg(long, value_name = "DURATION", default_value = "5m")]
    pub publish_target: String,
    /// The environment whose developers publish (needed only when several
    /// environments have a [development] section).
    #[arg(long, value_name = "NAME")]
    pub environment: Option<String>,
    /// Write the class CSV here (and the resources CSV beside it).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Write the whole result as JSON here: every figure with its CI, the
    /// verdicts, the run settings (schema: docs/json.md); `-` for standard
    /// output.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Draw publish lead time p95 against team size as SVG (--plot-figure
    /// p99, mean or error_rate: that figure of the publishes; utilization:
    /// the controller's CPU).
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
    /// What --plot (and the first chart of --html) shows: p95, mean, p99,
    /// error_rate, or utilization (the CPUs instead of the classes).
    #[arg(long, value_name = "FIGURE", default_value = "p95", value_parser = plot_figure())]
    pub plot_figure: PlotFigure,
    /// Write a self-contained HTML page (question, settings, verdicts,
    /// tables, charts, scenario) to attach to a decision.
    #[arg(long, value_name = "FILE.html")]
    pub html: Option<PathBuf>,
}

impl TeamArgs {
    pub fn request(&self) -> Result<TeamRequest> {
        let target = parse_duration(&self.publish_target)
            .map_err(|e| Error::Usage(format!("--publish-target: {e}")))?;
        if target <= 0.0 {
            return Err(Error::Usage(
                "--publish-target must be a positive duration, such as 5m".into(),
            ));
        }
        let mut developers: Vec<u32> = Vec::new();
        for v in parse_list(&self.developers)
            .map_err(|m| Error::Usage(format!("--developers {:?}: {m}", self.developers)))?
        {
            let n: u32 = v.parse().map_err(|_| {
                Error::Usage(format!(
                    "--developers: {v:?} is not a team size; give whole numbers, such as 8,16,32 or 4..12"
                ))
            })?;
            // `8,08` is one team size twice: its rows would be doubled.
            if developers.contains(&n) {
                return Err(Error::Usage(format!(
                    "--developers {:?}: team size {n} appears twice",
                    self.developers
                )));
            }
            developers.push(n);
        }
        Ok(TeamRequest {
            scenario: self
                .common
                .load(self.scenario.as_deref(), whatif::team::DEFAULT_SCENARIO)?,
            developers,
            publish_target: target,
            environment: self.environment.clone(),
            budget: self.common.budget()?,
        })
    }
}

/// `o11sim merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Every part file of the sweep.
    #[arg(required = true, value_name = "PART")]
    pub parts: Vec<PathBuf>,
    /// Where to write the class CSV (and the resources and differences
    /// CSVs beside it).
    #[arg(long, value_name = "FILE", required = true)]
    pub csv: PathBuf,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_sizes_read_both_kinds_of_units() {
        assert_eq!(parse_memory("4GB"), Ok(4e9));
        assert_eq!(parse_memory("512 MB"), Ok(512e6));
        assert_eq!(parse_memory("2GiB"), Ok(2.0 * 1024.0 * 1024.0 * 1024.0));
        assert_eq!(parse_memory("1000"), Ok(1000.0));
        assert!(parse_memory("0GB").is_err());
        assert!(parse_memory("GB").is_err());
        assert!(parse_memory("-1GB").is_err());
        assert!(parse_memory("4XB").unwrap_err().contains("unknown unit"));
    }
}

/// `o11sim calibrate`.
#[derive(Debug, clap::Args)]
pub struct CalibrateArgs {
    /// The base scenario (file or preset): its environments, zones,
    /// front-ends, cores and databases are kept, its traffic replaced.
    pub base: String,
    /// IIS W3C extended logs, one file or directory per front-end (in the
    /// base's front-end order unless --server maps them); `.gz` accepted.
    #[arg(long, value_name = "LOG", num_args = 1..)]
    pub iis: Vec<PathBuf>,
    /// Performance counter logs (`typeperf -f CSV`, Performance Monitor CSV)
    /// with `\\SERVER\Processor(_Total)\% Processor Time`.
    #[arg(long, value_name = "CSV", num_args = 1..)]
    pub perfmon: Vec<PathBuf>,
    /// JMeter CSV results (`.jtl`), instead of IIS logs.
    #[arg(long, value_name = "JTL", num_args = 1..)]
    pub jmeter: Vec<PathBuf>,
    /// With --jmeter on a base of several environments: the one the load
    /// test drove (its samples are spread over that environment's front-ends).
    #[arg(long, value_name = "ENV")]
    pub environment: Option<String>,
    /// Which machine of the base a host is, e.g. FE1=main.1 or
    /// SQL1=production (a database instance's name); repeatable.
    #[arg(long = "server", value_name = "NAME=TARGET")]
    pub servers: Vec<String>,
    /// Rules file: class name → URL globs or regexes (overrides the
    /// one-class-per-module default).
    #[arg(long, value_name = "RULES.toml")]
    pub classes: Option<PathBuf>,
    /// Leave static resources (.js, .css, images, fonts) out instead of a
    /// `static` class.
    #[arg(long)]
    pub drop_static: bool,
    /// Width of the intervals the CPU fit works on, e.g. 60s or 5m.
    #[arg(long, value_name = "DURATION", default_value = "60s")]
    pub interval: String,
    /// Where to write the calibrated scenario.
    #[arg(long, value_name = "FILE.toml")]
    pub out: PathBuf,
    /// Write the calibration check (simulated against observed) as CSV.
    #[arg(long, value_name = "FILE.csv")]
    pub report: Option<PathBuf>,
    /// Replications of the calibration check (default: the base's, else 10).
    #[arg(long, value_name = "N")]
    pub replications: Option<usize>,
    /// Refuse a calibration check estimated above this many simulated
    /// events (checked before it runs; nothing is written then).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_EVENTS)]
    pub max_events: f64,
    /// Refuse a calibration check whose peak memory is estimated above
    /// this, e.g. 4GB (default: half of the machine's memory).
    #[arg(long, value_name = "SIZE")]
    pub max_memory: Option<String>,
}

impl CalibrateArgs {
    /// The request, with the base read and parsed.
    pub fn request(&self) -> Result<crate::calibrate::CalibrateRequest> {
        let interval =
            parse_duration(&self.interval).map_err(|e| Error::Usage(format!("--interval: {e}")))?;
        let mut servers = Vec::new();
        for s in &self.servers {
            let Some((name, target)) = s.split_once('=') else {
                return Err(Error::Usage(format!(
                    "--server {s:?}: expected NAME=TARGET, e.g. FE1=main.1"
                )));
            };
            servers.push((name.trim().to_owned(), target.trim().to_owned()));
        }
        if self.replications == Some(0) {
            return Err(Error::Usage("--replications: at least 1".into()));
        }
        Ok(crate::calibrate::CalibrateRequest {
            base: scenario::Source::read(&self.base)?,
            input: crate::calibrate::input::InputSpec {
                iis: self.iis.clone(),
                perfmon: self.perfmon.clone(),
                jmeter: self.jmeter.clone(),
                servers,
                classes: self.classes.clone(),
                drop_static: self.drop_static,
                interval,
                environment: self.environment.clone(),
            },
            out_name: self.out.display().to_string(),
            replications: self.replications,
            budget: Budget {
                max_events: self.max_events,
                max_memory: match &self.max_memory {
                    Some(text) => parse_memory(text).map_err(Error::Usage)?,
                    None => default_max_memory(),
                },
            },
        })
    }

    /// Every file the command reads, so no output overwrites one: a
    /// directory given as a log stands for the files in it, which are read.
    pub fn inputs(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = Vec::new();
        for arg in self.iis.iter().chain(&self.perfmon).chain(&self.jmeter) {
            v.push(arg.clone());
            if arg.is_dir() {
                // A directory that cannot be listed fails later, by name.
                v.extend(crate::calibrate::input::files_of(arg).unwrap_or_default());
            }
        }
        v.extend(self.classes.iter().cloned());
        let base = PathBuf::from(&self.base);
        if base.is_file() {
            v.push(base);
        }
        v
    }
}
