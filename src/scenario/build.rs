//! From the deserialized scenario ([`Document`]) to the validated
//! [`Model`]: defaults applied, names resolved to indices, every number
//! checked.
//!
//! Why this file exists: serde can only say that a value has the right
//! type. Whether a count is positive, a zone exists, a class has exactly one
//! kind of arrivals, a failure names a real front-end — and what the
//! defaults are and where they come from — is decided here, with the field
//! path of every value so the error lands on the right line (or `--set`).
//!
//! Every default below is documented in `docs/scenarios.md` with its source
//! (design notes §3: OutSystems and Microsoft documentation).

use std::collections::{BTreeMap, HashMap};

use crate::dist::{self, Dist};
use crate::model::{
    Arrivals, Balancer, Controller, CpuDiscipline, Database, Development, Environment,
    EnvironmentKind, ExternalSystem, FailoverPolicy, FailureTarget, FrontEnd, Integration, Model,
    Process, RandomFailure, ScheduledFailure, Slo, Timer, TrafficClass, Zone,
};

use super::error::{At, Locator, ScenarioError, suggest};
use super::path::FieldPath;
use super::schema::{
    BalancerSpec, ClockText, ControllerSpec, Count, CpuSpec, DatabaseSpec, DevelopmentSpec,
    DistText, Document, DurationText, EnvironmentSpec, FrontEndSpec, IntegrationSpec, KindSpec,
    Number, OnFailoverSpec, PercentText, PolicySpec, ProcessSpec, Raw, SloSpec, TimerSpec,
    TrafficSpec,
};

/// Defaults (seconds, cores, counts). See `docs/scenarios.md` for sources.
mod defaults {
    pub(super) const DURATION: f64 = 3600.0;
    pub(super) const WARMUP: f64 = 300.0;
    pub(super) const REPLICATIONS: i64 = 10;
    pub(super) const SEED: u64 = 1;
    pub(super) const DB_CORES: f64 = 4.0;
    pub(super) const DB_NODES: i64 = 2;
    pub(super) const FAILOVER: f64 = 30.0;
    pub(super) const QUERY_TIMEOUT: f64 = 30.0;
    pub(super) const FE_CORES: f64 = 4.0;
    /// IIS autoConfig: about 12 concurrent request threads per core.
    pub(super) const IIS_WORKERS_PER_CORE: f64 = 12.0;
    pub(super) const IIS_QUEUE: u32 = 1000;
    pub(super) const DB_POOL: u32 = 100;
    pub(super) const CONNECT_TIMEOUT: f64 = 15.0;
    /// IIS request (execution) timeout, design §3.
    pub(super) const REQUEST_TIMEOUT: f64 = 110.0;
    pub(super) const TIMER_SLOTS: u32 = 3;
    /// The Scheduler's threads for BPT automatic activities per front-end,
    /// and with Light BPT: forum figures (design §3), not official.
    pub(super) const PROCESS_THREADS: u32 = 10;
    pub(super) const LIGHT_BPT_THREADS: u32 = 20;
    pub(super) const PROCESS_ACTIVITIES: i64 = 1;
    pub(super) const PROCESS_DB_CALLS: &str = "const(2)";
    pub(super) const FRONT_ENDS: i64 = 1;
    pub(super) const HEALTH_INTERVAL: f64 = 5.0;
    pub(super) const HEALTH_FAILURES: u32 = 2;
    pub(super) const NETWORK: &str = "const(5ms)";
    pub(super) const CLASS_DB_CALLS: &str = "const(2)";
    pub(super) const DB_TIME: &str = "exp(3.5ms)";
    pub(super) const TIMEOUT: f64 = 10.0;
    /// The client timeout of a Service Action (fixed) and the default of a
    /// consumed REST or SOAP method: 100 seconds.
    pub(super) const EXTERNAL_TIMEOUT: f64 = 100.0;
    pub(super) const TIMER_DB_CALLS: &str = "const(10)";
    /// The sizing guide's "+0.25 core per extra developer", loaded to the
    /// 70 % the presets assume for every machine, is 0.175 core of
    /// compilation per developer: 630 s an hour, 10.5 compiles of the
    /// 60 s default. A developer's cycle is the pause plus the publish
    /// (about 80 s undelayed with the defaults below), so 10.5 cycles an
    /// hour is a pause of 3600 / 10.5 - 80 = 263 s: 13.5 an hour, rounded
    /// (derived from the guide, see docs/scenarios.md).
    pub(super) const PUBLISHES_PER_HOUR: f64 = 13.5;
    pub(super) const UPLOAD: &str = "exp(10s)";
    pub(super) const COMPILE: &str = "lognormal(mean=60s, cv=0.5)";
    pub(super) const DEPLOY: &str = "exp(8s)";
    /// From this many developers on, the sizing guide puts the Deployment
    /// Controller on its own machine.
    pub(super) const DEDICATED_CONTROLLER_FROM: u32 = 16;
    pub(super) const CONTROLLER_CORES: i64 = 4;
    /// Database CPU of storing an uploaded version (assumption: the
    /// module's OML and its diff written to the platform's tables).
    pub(super) const UPLOAD_DB_TIME: &str = "exp(500ms)";
    /// Database CPU of a deploy's metadata and schema update (assumption:
    /// the platform's metadata tables plus the ALTER TABLEs of changed
    /// entities).
    pub(super) const DEPLOY_DB_TIME: &str = "exp(1s)";
}

/// The shortest `mtbf` or `mttr` a random failure may have, in seconds.
const MIN_FAILURE_TIME: f64 = 1.0;

/// Upper bounds that keep a typo from allocating the machine away.
const MAX_FRONT_ENDS_PER_ZONE: i64 = 1000;

/// The model and the run settings of a scenario.
pub(crate) struct Built {
    pub model: Model,
    pub replications: usize,
    pub seed: u64,
}

pub(crate) fn build(doc: Document, loc: &Locator<'_>) -> Result<Built, ScenarioError> {
    Builder::new(loc).build(doc)
}

/// An environment as read, before its parts are built.
struct EnvIn {
    name: String,
    path: FieldPath,
    spec: EnvironmentSpec,
}

/// A zone of the environment being built: its name in the file and its
/// index in the model.
struct ZoneRef {
    name: String,
    index: usize,
}

/// Front-end settings of one layer (environment `[front_end]`, a zone's
/// `front_end`), already checked.
#[derive(Clone, Default)]
struct FrontEndLayer {
    cores: Option<f64>,
    /// Where `cores` was set, to name it when the combination is refused.
    cores_at: Option<FieldPath>,
    cpu: Option<CpuDiscipline>,
    iis_workers: Option<u32>,
    iis_queue: Option<u32>,
    db_pool: Option<u32>,
    connect_timeout: Option<f64>,
    request_timeout: Option<f64>,
    timer_slots: Option<u32>,
    /// How many of the zone's front-ends (the first ones) have Execute
    /// Timers / Execute Processes on, and where that was set.
    timer_front_ends: Option<(u32, FieldPath)>,
    process_front_ends: Option<(u32, FieldPath)>,
    light_bpt: Option<bool>,
}

impl FrontEndLayer {
    /// `top` over `self`: a value set in `top` wins.
    fn under(&self, top: &Self) -> Self {
        Self {
            cores: top.cores.or(self.cores),
            cores_at: if top.cores.is_some() {
                top.cores_at.clone()
            } else {
                self.cores_at.clone()
            },
            cpu: top.cpu.or(self.cpu),
            iis_workers: top.iis_workers.or(self.iis_workers),
            iis_queue: top.iis_queue.or(self.iis_queue),
            db_pool: top.db_pool.or(self.db_pool),
            connect_timeout: top.connect_timeout.or(self.connect_timeout),
            request_timeout: top.request_timeout.or(self.request_timeout),
            timer_slots: top.timer_slots.or(self.timer_slots),
            timer_front_ends: top
                .timer_front_ends
                .clone()
                .or_else(|| self.timer_front_ends.clone()),
            process_front_ends: top
                .process_front_ends
                .clone()
                .or_else(|| self.process_front_ends.clone()),
            light_bpt: top.light_bpt.or(self.light_bpt),
        }
    }

    /// Front-end `i` (from 1) of its zone.
    fn front_end(&self, name: String, zone: usize, i: u32) -> FrontEnd {
        let cores = self.cores.unwrap_or(defaults::FE_CORES);
        // Saturating float-to-int conversion; cores is positive and finite.
        let auto_workers = ((cores * defaults::IIS_WORKERS_PER_CORE).round() as u32).max(1);
        FrontEnd {
            name,
            zone,
            cores,
            cpu: self.cpu.unwrap_or(CpuDiscipline::ProcessorSharing),
            iis_workers: self.iis_workers.unwrap_or(auto_workers),
            iis_queue: self.iis_queue.unwrap_or(defaults::IIS_QUEUE),
            db_pool: self.db_pool.unwrap_or(defaults::DB_POOL),
            connect_timeout: self.connect_timeout.unwrap_or(defaults::CONNECT_TIMEOUT),
            request_timeout: self.request_timeout.unwrap_or(defaults::REQUEST_TIMEOUT),
            timer_slots: self.timer_slots.unwrap_or(defaults::TIMER_SLOTS),
            execute_timers: self.timer_front_ends.as_ref().is_none_or(|(n, _)| i <= *n),
            execute_processes: self
                .process_front_ends
                .as_ref()
                .is_none_or(|(n, _)| i <= *n),
            process_threads: if self.light_bpt.unwrap_or(false) {
                defaults::LIGHT_BPT_THREADS
            } else {
                defaults::PROCESS_THREADS
            },
        }
    }
}

/// Load-balancer settings of the environment, already checked.
#[derive(Clone, Default)]
struct BalancerLayer {
    policy: Option<Balancer>,
    health_interval: Option<f64>,
    health_failures: Option<u32>,
}

struct Builder<'l, 'a> {
    loc: &'l Locator<'a>,
    multi: bool,
    databases: Vec<Database>,
    database_names: HashMap<String, usize>,
    external: Vec<ExternalSystem>,
    external_names: HashMap<String, usize>,
    environments: Vec<Environment>,
    zones: Vec<Zone>,
    front_ends: Vec<FrontEnd>,
    front_end_names: HashMap<String, usize>,
    classes: Vec<TrafficClass>,
    timers: Vec<Timer>,
    processes: Vec<Process>,
    development: Vec<Development>,
    /// Class and timer names already used, with the environment using them.
    class_names: HashMap<String, String>,
    timer_names: HashMap<String, String>,
    process_names: HashMap<String, String>,
}

impl<'l, 'a> Builder<'l, 'a> {
    fn new(loc: &'l Locator<'a>) -> Self {
        Self {
            loc,
            multi: false,
            databases: Vec::new(),
            database_names: HashMap::new(),
            external: Vec::new(),
            external_names: HashMap::new(),
            environments: Vec::new(),
            zones: Vec::new(),
            front_ends: Vec::new(),
            front_end_names: HashMap::new(),
            classes: Vec::new(),
            timers: Vec::new(),
            processes: Vec::new(),
            development: Vec::new(),
            class_names: HashMap::new(),
            timer_names: HashMap::new(),
            process_names: HashMap::new(),
        }
    }

    fn build(mut self, mut doc: Document) -> Result<Built, ScenarioError> {
        let root = FieldPath::root();
        let sim = doc.simulation.take().unwrap_or_default();
        let sim_path = root.key("simulation");
        let duration = match &sim.duration {
            Some(d) => self.positive_duration(d, &sim_path.key("duration"))?,
            None => defaults::DURATION,
        };
        let warmup = match &sim.warmup {
            Some(d) => self.duration(d, &sim_path.key("warmup"))?,
            None => defaults::WARMUP,
        };
        let replications = self.count(
            sim.replications.unwrap_or(Count(defaults::REPLICATIONS)),
            &sim_path.key("replications"),
            1,
        )?;
        let seed = match sim.seed {
            Some(Count(s)) => u64::try_from(s).map_err(|_| {
                self.err(
                    &sim_path.key("seed"),
                    format!("must be zero or a positive whole number, got {s}"),
                )
            })?,
            None => defaults::SEED,
        };
        let start = match &sim.start {
            Some(c) => self.clock(c, &sim_path.key("start"))?,
            None => 0.0,
        };

        let envs = self.environments_in(&mut doc)?;
        // The shared instances ([databases.NAME]), each with where it is
        // defined, to refuse one that no environment uses.
        let mut shared = Vec::new();
        if let Some(map) = doc.databases.take() {
            let base = root.key("databases");
            for (name, spec) in self.ordered(map, &base) {
                let path = base.key(&name);
                self.check_name(&name, &path, "a database instance")?;
                if spec.instance.is_some() {
                    return Err(self.err_key(
                        &path.key("instance"),
                        "`instance` belongs in an environment's [database], to refer to one of these shared instances; [databases.NAME] defines the instance itself",
                    ));
                }
                let db = self.database(&name, &spec, &path)?;
                shared.push((self.databases.len(), path));
                self.database_names.insert(name, self.databases.len());
                self.databases.push(db);
            }
        }
        if let Some(map) = doc.external.take() {
            let base = root.key("external");
            for (name, spec) in self.ordered(map, &base) {
                let path = base.key(&name);
                self.check_name(&name, &path, "an external system")?;
                let concurrency = spec
                    .concurrency
                    .map(|c| self.count(c, &path.key("concurrency"), 1))
                    .transpose()?;
                let timeout = match &spec.timeout {
                    Some(d) => self.positive_duration(d, &path.key("timeout"))?,
                    None => defaults::EXTERNAL_TIMEOUT,
                };
                self.external_names
                    .insert(name.clone(), self.external.len());
                self.external.push(ExternalSystem {
                    name,
                    concurrency,
                    timeout,
                });
            }
        }
        // An instance left unused by a --set (or --vary) that points an
        // environment at another one (the "share one SQL Server" what-if)
        // is fine: only the file's own unused instances are refused.
        let repointed = envs.iter().any(|e| {
            self.loc
                .is_overridden(&e.path.key("database").key("instance"))
        });
        for env in envs {
            self.environment(env)?;
        }
        for (index, path) in shared {
            if !repointed && !self.environments.iter().any(|e| e.database == index) {
                let name = &self.databases[index].name;
                return Err(self.err_key(
                    &path,
                    format!(
                        "no environment uses this instance, so nothing set here would change a result: refer to it with database = {{ instance = \"{name}\" }} in an environment, or remove it"
                    ),
                ));
            }
        }

        let failures = doc
            .failures
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let p = root.key("failures").index(i);
                let target = self.target(f.front_end.as_deref(), f.database.as_deref(), &p)?;
                let at = self.duration(&f.at, &p.key("at"))?;
                let end = warmup + duration;
                if at >= end {
                    return Err(self.err(
                        &p.key("at"),
                        format!(
                            "is at or after the end of the run ({} = warmup + duration); `at` counts from the start of the run, warm-up included",
                            dist::format_duration(end)
                        ),
                    ));
                }
                Ok(ScheduledFailure {
                    at,
                    duration: self.positive_duration(&f.duration, &p.key("duration"))?,
                    target,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let random_failures = doc
            .random_failures
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let p = root.key("random_failures").index(i);
                Ok(RandomFailure {
                    target: self.target(f.front_end.as_deref(), f.database.as_deref(), &p)?,
                    mtbf: self.failure_time(&f.mtbf, &p.key("mtbf"))?,
                    mttr: self.failure_time(&f.mttr, &p.key("mttr"))?,
                })
            })
            .collect::<Result<Vec<_>, ScenarioError>>()?;

        if self.classes.is_empty()
            && self.timers.is_empty()
            && self.development.is_empty()
            && self.processes.is_empty()
        {
            return Err(self.loc.error(
                &root,
                At::Key,
                "the scenario has no work to simulate: add a traffic class ([traffic.NAME] with rate or users, and cpu), a timer ([timers.NAME]) or [development]",
            ));
        }

        let model = Model {
            duration,
            warmup,
            start,
            databases: self.databases,
            external: self.external,
            environments: self.environments,
            zones: self.zones,
            front_ends: self.front_ends,
            classes: self.classes,
            timers: self.timers,
            development: self.development,
            processes: self.processes,
            failures,
            random_failures,
            timeline: None,
        };
        model.check().map_err(|message| ScenarioError::Internal {
            name: self.loc.name().to_owned(),
            message,
        })?;
        Ok(Built {
            model,
            replications: usize::try_from(replications).unwrap_or(usize::MAX),
            seed,
        })
    }

    /// The environments of either shape, in file order.
    fn environments_in(&mut self, doc: &mut Document) -> Result<Vec<EnvIn>, ScenarioError> {
        let root = FieldPath::root();
        let Some(map) = doc.environments.take() else {
            let spec = doc.take_environment();
            let name = spec.kind.unwrap_or(KindSpec::Production).name().to_owned();
            return Ok(vec![EnvIn {
                name,
                path: root,
                spec,
            }]);
        };
        self.multi = true;
        if let Some(key) = doc.top_level_environment_keys().first() {
            return Err(self.err_key(
                &root.key(key),
                format!(
                    "`{key}` is an environment setting, but this scenario lists its environments under [environments]; move it into [environments.NAME]"
                ),
            ));
        }
        let base = root.key("environments");
        if map.is_empty() {
            return Err(self.err_key(
                &base,
                "lists no environment; add [environments.NAME] tables, or write the environment settings at the top level",
            ));
        }
        let mut envs = Vec::new();
        for (name, spec) in self.ordered(map, &base) {
            let path = base.key(&name);
            self.check_name(&name, &path, "an environment")?;
            envs.push(EnvIn { name, path, spec });
        }
        Ok(envs)
    }

    fn environment(&mut self, env: EnvIn) -> Result<(), ScenarioError> {
        let EnvIn { name, path, spec } = env;
        let index = self.environments.len();
        let database = self.environment_database(&name, spec.database.as_ref(), &path)?;
        self.environments.push(Environment {
            name: name.clone(),
            kind: match spec.kind.unwrap_or(KindSpec::Production) {
                KindSpec::Development => EnvironmentKind::Development,
                KindSpec::QualityAssurance => EnvironmentKind::QualityAssurance,
                KindSpec::Production => EnvironmentKind::Production,
                KindSpec::Lifetime => EnvironmentKind::LifeTime,
            },
            database,
        });

        let zones = self.zones_of(index, &name, &spec, &path)?;

        // Developers' own test traffic: closed classes that leave `users`
        // out get `developers x test_users_per_developer` users.
        let test_users = spec
            .development
            .as_ref()
            .and_then(|d| d.test_users_per_developer.map(|k| (d.developers, k)))
            .map(|(n, k)| {
                let dp = path.key("development");
                let k = self.count(k, &dp.key("test_users_per_developer"), 0)?;
                let n = self.count(n, &dp.key("developers"), 0)?;
                Ok::<_, ScenarioError>(n.saturating_mul(k))
            })
            .transpose()?;
        if let Some(traffic) = spec.traffic {
            let base = path.key("traffic");
            for (cname, t) in self.ordered(traffic, &base) {
                let p = base.key(&cname);
                self.check_name(&cname, &p, "a traffic class")?;
                if cname == "publish" {
                    return Err(self.err_key(
                        &p,
                        "`publish` is reserved: reports use it for developers' publishes; rename this class",
                    ));
                }
                Self::unique(&mut self.class_names, &cname, &name).map_err(|other| {
                    self.err_key(
                        &p,
                        format!(
                            "traffic class `{cname}` is also defined in environment `{other}`; class names must be unique across environments"
                        ),
                    )
                })?;
                let class = self.class(cname, &t, &zones, test_users, &p)?;
                self.classes.push(class);
            }
        }
        if let Some(timers) = spec.timers {
            let base = path.key("timers");
            for (tname, t) in self.ordered(timers, &base) {
                let p = base.key(&tname);
                self.check_name(&tname, &p, "a timer")?;
                Self::unique(&mut self.timer_names, &tname, &name).map_err(|other| {
                    self.err_key(
                        &p,
                        format!(
                            "timer `{tname}` is also defined in environment `{other}`; timer names must be unique across environments"
                        ),
                    )
                })?;
                let timer = self.timer(tname, &t, &zones, &p)?;
                self.scheduler_switched_on(timer.zone, &p, "timer", |f| f.execute_timers)?;
                self.timers.push(timer);
            }
        }
        if let Some(processes) = spec.processes {
            let base = path.key("processes");
            for (pname, t) in self.ordered(processes, &base) {
                let p = base.key(&pname);
                self.check_name(&pname, &p, "a process")?;
                Self::unique(&mut self.process_names, &pname, &name).map_err(|other| {
                    self.err_key(
                        &p,
                        format!(
                            "process `{pname}` is also defined in environment `{other}`; process names must be unique across environments"
                        ),
                    )
                })?;
                let process = self.process(pname, &t, &zones, &p)?;
                self.scheduler_switched_on(process.zone, &p, "process", |f| f.execute_processes)?;
                self.processes.push(process);
            }
        }
        if let Some(dev) = &spec.development {
            let first_front_end = zones
                .first()
                .and_then(|z| self.front_ends.iter().position(|f| f.zone == z.index))
                .unwrap_or(0);
            let d = self.development(index, first_front_end, dev, &path.key("development"))?;
            self.development.push(d);
        }
        Ok(())
    }

    /// Records `name` as used by `env`; on a clash, the other environment.
    fn unique(used: &mut HashMap<String, String>, name: &str, env: &str) -> Result<(), String> {
        match used.get(name) {
            Some(other) => Err(other.clone()),
            None => {
                used.insert(name.to_owned(), env.to_owned());
                Ok(())
            }
        }
    }

    fn environment_database(
        &mut self,
        env: &str,
        spec: Option<&DatabaseSpec>,
        env_path: &FieldPath,
    ) -> Result<usize, ScenarioError> {
        let path = env_path.key("database");
        if let Some(spec) = spec
            && let Some(instance) = &spec.instance
        {
            let set = [
                ("cores", spec.cores.is_some()),
                ("nodes", spec.nodes.is_some()),
                ("failover_duration", spec.failover_duration.is_some()),
                ("query_timeout", spec.query_timeout.is_some()),
                ("on_failover", spec.on_failover.is_some()),
                ("cpu", spec.cpu.is_some()),
            ];
            if let Some((key, _)) = set.iter().find(|(_, s)| *s) {
                return Err(self.err_key(
                    &path.key(key),
                    format!(
                        "with instance = \"{instance}\" the instance's settings belong in [databases.{instance}], not here"
                    ),
                ));
            }
            return self.database_names.get(instance).copied().ok_or_else(|| {
                let names: Vec<&str> = self.database_names.keys().map(String::as_str).collect();
                self.err(
                    &path.key("instance"),
                    format!(
                        "no database instance `{instance}`{}; {}",
                        hint(instance, names.iter().copied()),
                        if names.is_empty() {
                            "define it as [databases.NAME], or give this environment its own with inline settings (cores = 4, ...)".to_owned()
                        } else {
                            format!("[databases] defines: {}", sorted_list(&names))
                        }
                    ),
                )
            });
        }
        if self.database_names.contains_key(env) {
            return Err(self.err_key(
                if spec.is_some() { &path } else { env_path },
                format!(
                    "environment `{env}` gets its own database instance named `{env}`, but [databases.{env}] also exists; write instance = \"{env}\" in its [database] to use that one, or rename it"
                ),
            ));
        }
        let db = self.database(env, spec.unwrap_or(&DatabaseSpec::default()), &path)?;
        self.database_names
            .insert(env.to_owned(), self.databases.len());
        self.databases.push(db);
        Ok(self.databases.len() - 1)
    }

    fn database(
        &self,
        name: &str,
        spec: &DatabaseSpec,
        path: &FieldPath,
    ) -> Result<Database, ScenarioError> {
        let cores = match spec.cores {
            Some(n) => self.positive(n, &path.key("cores"))?,
            None => defaults::DB_CORES,
        };
        self.whole_cores_for_fcfs(cores, cpu(spec.cpu), &path.key("cores"))?;
        Ok(Database {
            name: name.to_owned(),
            cores,
            cpu: cpu(spec.cpu),
            nodes: self.count(
                spec.nodes.unwrap_or(Count(defaults::DB_NODES)),
                &path.key("nodes"),
                1,
            )?,
            failover_duration: match &spec.failover_duration {
                Some(d) => self.positive_duration(d, &path.key("failover_duration"))?,
                None => defaults::FAILOVER,
            },
            query_timeout: match &spec.query_timeout {
                Some(d) => self.positive_duration(d, &path.key("query_timeout"))?,
                None => defaults::QUERY_TIMEOUT,
            },
            on_failover: match spec.on_failover {
                Some(OnFailoverSpec::Wait) => FailoverPolicy::Wait,
                Some(OnFailoverSpec::Fail) | None => FailoverPolicy::Fail,
            },
        })
    }

    fn front_end_layer(
        &self,
        spec: Option<&FrontEndSpec>,
        path: &FieldPath,
    ) -> Result<FrontEndLayer, ScenarioError> {
        let Some(spec) = spec else {
            return Ok(FrontEndLayer::default());
        };
        let opt_count = |c: Option<Count>, key: &str, min: i64| {
            c.map(|c| self.count(c, &path.key(key), min)).transpose()
        };
        Ok(FrontEndLayer {
            cores: spec
                .cores
                .map(|n| self.positive(n, &path.key("cores")))
                .transpose()?,
            cores_at: spec.cores.map(|_| path.key("cores")),
            cpu: spec.cpu.map(|c| cpu(Some(c))),
            iis_workers: opt_count(spec.iis_workers, "iis_workers", 1)?,
            iis_queue: opt_count(spec.iis_queue, "iis_queue", 0)?,
            db_pool: opt_count(spec.db_pool, "db_pool", 1)?,
            connect_timeout: spec
                .connect_timeout
                .as_ref()
                .map(|d| self.positive_duration(d, &path.key("connect_timeout")))
                .transpose()?,
            request_timeout: spec
                .request_timeout
                .as_ref()
                .map(|d| self.positive_duration(d, &path.key("request_timeout")))
                .transpose()?,
            timer_slots: opt_count(spec.timer_slots, "timer_slots", 1)?,
            timer_front_ends: opt_count(spec.timer_front_ends, "timer_front_ends", 0)?
                .map(|n| (n, path.key("timer_front_ends"))),
            process_front_ends: opt_count(spec.process_front_ends, "process_front_ends", 0)?
                .map(|n| (n, path.key("process_front_ends"))),
            light_bpt: spec.light_bpt,
        })
    }

    fn balancer_layer(
        &self,
        spec: Option<&BalancerSpec>,
        path: &FieldPath,
    ) -> Result<BalancerLayer, ScenarioError> {
        let Some(spec) = spec else {
            return Ok(BalancerLayer::default());
        };
        Ok(BalancerLayer {
            policy: spec.policy.map(policy),
            health_interval: spec
                .health_interval
                .as_ref()
                .map(|d| self.positive_duration(d, &path.key("health_interval")))
                .transpose()?,
            health_failures: spec
                .health_failures
                .map(|c| self.count(c, &path.key("health_failures"), 1))
                .transpose()?,
        })
    }

    /// The zones and front-ends of environment `env`.
    fn zones_of(
        &mut self,
        env: usize,
        env_name: &str,
        spec: &EnvironmentSpec,
        path: &FieldPath,
    ) -> Result<Vec<ZoneRef>, ScenarioError> {
        let fe_defaults = self.front_end_layer(spec.front_end.as_ref(), &path.key("front_end"))?;
        let lb = self.balancer_layer(spec.load_balancer.as_ref(), &path.key("load_balancer"))?;
        let zones = match (&spec.front_ends, &spec.zones) {
            (Some(_), Some(_)) => {
                return Err(self.err_key(
                    &path.key("front_ends"),
                    "`front_ends` is the shorthand for a single zone called \"main\", but this environment also has [zones]; give each zone its own front_ends instead",
                ));
            }
            (None, Some(zones)) if zones.is_empty() => {
                return Err(self.err_key(
                    &path.key("zones"),
                    "defines no zone; add [zones.NAME] tables with front_ends = N, or use front_ends = N for a single zone",
                ));
            }
            (None, Some(zones)) => {
                let base = path.key("zones");
                let mut entries: Vec<_> = zones.iter().collect();
                entries.sort_by_key(|(name, _)| {
                    (
                        self.loc.key_offset(&base.key(name)).unwrap_or(usize::MAX),
                        name.to_owned(),
                    )
                });
                let mut out = Vec::new();
                for (zname, z) in entries {
                    let p = base.key(zname);
                    self.check_name(zname, &p, "a zone")?;
                    let zone_lb = BalancerLayer {
                        policy: z.policy.map(policy).or(lb.policy),
                        health_interval: z
                            .health_interval
                            .as_ref()
                            .map(|d| self.positive_duration(d, &p.key("health_interval")))
                            .transpose()?
                            .or(lb.health_interval),
                        health_failures: z
                            .health_failures
                            .map(|c| self.count(c, &p.key("health_failures"), 1))
                            .transpose()?
                            .or(lb.health_failures),
                    };
                    let extra = z
                        .vpn_delay
                        .as_ref()
                        .map(|d| self.time_dist(d, &p.key("vpn_delay")))
                        .transpose()?;
                    let fe = fe_defaults
                        .under(&self.front_end_layer(z.front_end.as_ref(), &p.key("front_end"))?);
                    let count = self.front_end_count(z.front_ends, &p.key("front_ends"))?;
                    let index = self.add_zone(env, env_name, zname, &zone_lb, extra, &fe, count)?;
                    out.push(ZoneRef {
                        name: zname.clone(),
                        index,
                    });
                }
                out
            }
            (count, None) => {
                let count = self.front_end_count(
                    count.unwrap_or(Count(defaults::FRONT_ENDS)),
                    &path.key("front_ends"),
                )?;
                let index = self.add_zone(env, env_name, "main", &lb, None, &fe_defaults, count)?;
                vec![ZoneRef {
                    name: "main".to_owned(),
                    index,
                }]
            }
        };
        Ok(zones)
    }

    fn front_end_count(&self, c: Count, path: &FieldPath) -> Result<u32, ScenarioError> {
        if c.0 > MAX_FRONT_ENDS_PER_ZONE {
            return Err(self.err(
                path,
                format!(
                    "{} front-ends in one zone is more than this tool simulates (at most {MAX_FRONT_ENDS_PER_ZONE})",
                    c.0
                ),
            ));
        }
        self.count(c, path, 1)
    }

    #[allow(clippy::too_many_arguments)]
    fn add_zone(
        &mut self,
        env: usize,
        env_name: &str,
        zone_name: &str,
        lb: &BalancerLayer,
        extra_network: Option<Dist>,
        fe: &FrontEndLayer,
        count: u32,
    ) -> Result<usize, ScenarioError> {
        if let (Some(cores), Some(at)) = (fe.cores, &fe.cores_at) {
            self.whole_cores_for_fcfs(
                cores,
                fe.cpu.unwrap_or(CpuDiscipline::ProcessorSharing),
                at,
            )?;
        }
        let model_name = if self.multi {
            format!("{env_name}.{zone_name}")
        } else {
            zone_name.to_owned()
        };
        for (n, at) in [&fe.timer_front_ends, &fe.process_front_ends]
            .into_iter()
            .flatten()
        {
            if *n > count {
                return Err(self.err(
                    at,
                    format!(
                        "is {n}, but zone `{model_name}` has {count} front-end{}; it counts the zone's front-ends with the switch on (the first ones), from 0 to {count}",
                        if count == 1 { "" } else { "s" }
                    ),
                ));
            }
        }
        let index = self.zones.len();
        for i in 1..=count {
            let name = format!("{model_name}.{i}");
            self.front_end_names
                .insert(name.clone(), self.front_ends.len());
            self.front_ends.push(fe.front_end(name, index, i));
        }
        self.zones.push(Zone {
            name: model_name,
            environment: env,
            balancer: lb.policy.unwrap_or(Balancer::RoundRobin),
            extra_network,
            health_interval: lb.health_interval.unwrap_or(defaults::HEALTH_INTERVAL),
            health_failures: lb.health_failures.unwrap_or(defaults::HEALTH_FAILURES),
        });
        Ok(index)
    }

    /// FCFS serves whole cores (Erlang C's c servers): `cores = 0.5` with
    /// `cpu = "fcfs"` would silently become one full core, so it is refused.
    /// Processor sharing serves fractional cores as they are.
    fn whole_cores_for_fcfs(
        &self,
        cores: f64,
        discipline: CpuDiscipline,
        at: &FieldPath,
    ) -> Result<(), ScenarioError> {
        if discipline == CpuDiscipline::Fcfs && cores.fract() != 0.0 {
            return Err(self.err(
                at,
                format!(
                    "cpu = \"fcfs\" serves whole cores, so {cores} cores cannot be simulated as given: use a whole number of cores, or cpu = \"ps\" (processor sharing), which serves fractional cores"
                ),
            ));
        }
        Ok(())
    }

    /// The zone a class or timer runs in.
    fn zone_for(
        &self,
        given: Option<&str>,
        zones: &[ZoneRef],
        owner: &FieldPath,
    ) -> Result<usize, ScenarioError> {
        let names: Vec<&str> = zones.iter().map(|z| z.name.as_str()).collect();
        match given {
            Some(z) => zones
                .iter()
                .find(|r| r.name == z)
                .map(|r| r.index)
                .ok_or_else(|| {
                    self.err(
                        &owner.key("zone"),
                        format!(
                            "no zone `{z}` in this environment{}; its zones: {}",
                            hint(z, names.iter().copied()),
                            names.join(", ")
                        ),
                    )
                }),
            None => match zones {
                [only] => Ok(only.index),
                _ => Err(self.err_key(
                    owner,
                    format!(
                        "the environment has several zones ({}); say which one with zone = \"{}\"",
                        names.join(", "),
                        names.first().copied().unwrap_or("main")
                    ),
                )),
            },
        }
    }

    fn class(
        &self,
        name: String,
        t: &TrafficSpec,
        zones: &[ZoneRef],
        test_users: Option<u32>,
        p: &FieldPath,
    ) -> Result<TrafficClass, ScenarioError> {
        let zone = self.zone_for(t.zone.as_deref(), zones, p)?;
        let arrivals = match (t.rate, t.users) {
            (Some(_), Some(_)) => {
                // Point at the one a --set added, if any.
                let culprit = if self.loc.is_overridden(&p.key("rate")) {
                    "rate"
                } else {
                    "users"
                };
                return Err(self.err_key(
                    &p.key(culprit),
                    "a class has either `rate` (open arrivals, requests per second) or `users` (a closed population with think time), not both",
                ));
            }
            (None, None) => match (test_users, &t.think) {
                (Some(users), Some(think)) => {
                    if users == 0 {
                        return Err(self.err_key(
                            p,
                            "its users are the developers' test users (developers x test_users_per_developer in [development]), and there are none: give the class users = N, or the team developers",
                        ));
                    }
                    if t.profile.is_some() {
                        return Err(self.err_key(
                            &p.key("profile"),
                            "`profile` multiplies `rate` hour by hour; a closed population has no rate to multiply",
                        ));
                    }
                    Arrivals::Closed {
                        users,
                        think: self.time_dist(think, &p.key("think"))?,
                    }
                }
                _ => {
                    return Err(self.err_key(
                        p,
                        "needs its arrivals: rate = N (requests per second), or users = N with think = \"exp(10s)\" (in a development environment, think alone with test_users_per_developer in [development])",
                    ));
                }
            },
            (Some(rate), None) => {
                if t.think.is_some() {
                    return Err(self.err_key(
                        &p.key("think"),
                        "`think` goes with `users` (a closed population); with `rate` the arrivals are open (Poisson)",
                    ));
                }
                Arrivals::Open {
                    rate: self.positive(rate, &p.key("rate"))?,
                    profile: t
                        .profile
                        .as_deref()
                        .map(|v| self.profile(v, &p.key("profile")))
                        .transpose()?,
                }
            }
            (None, Some(users)) => {
                if t.profile.is_some() {
                    return Err(self.err_key(
                        &p.key("profile"),
                        "`profile` multiplies `rate` hour by hour; a closed population (`users`) has no rate to multiply",
                    ));
                }
                let users = self.count(users, &p.key("users"), 1)?;
                let think = match &t.think {
                    Some(d) => self.time_dist(d, &p.key("think"))?,
                    None => {
                        return Err(self.err_key(
                            &p.key("users"),
                            "a closed population needs its think time too: add think = \"exp(10s)\" (the time a user waits between an answer and the next request)",
                        ));
                    }
                };
                Arrivals::Closed { users, think }
            }
        };
        Ok(TrafficClass {
            name,
            zone,
            arrivals,
            network: self.time_dist_or(t.network.as_ref(), defaults::NETWORK, &p.key("network"))?,
            cpu: self.time_dist(&t.cpu, &p.key("cpu"))?,
            db_calls: self.count_dist_or(
                t.db_calls.as_ref(),
                defaults::CLASS_DB_CALLS,
                &p.key("db_calls"),
            )?,
            db_time: self.time_dist_or(t.db_time.as_ref(), defaults::DB_TIME, &p.key("db_time"))?,
            integrations: match &t.integrations {
                Some(list) => self.integrations(list, &p.key("integrations"))?,
                None => Vec::new(),
            },
            timeout: match &t.timeout {
                Some(d) => self.positive_duration(d, &p.key("timeout"))?,
                None => defaults::TIMEOUT,
            },
            slos: match &t.slo {
                Some(s) => self.slos(s, &p.key("slo"))?,
                None => Vec::new(),
            },
        })
    }

    /// A class's calls to external systems, each system resolved by name.
    fn integrations(
        &self,
        list: &[IntegrationSpec],
        path: &FieldPath,
    ) -> Result<Vec<Integration>, ScenarioError> {
        list.iter()
            .enumerate()
            .map(|(i, spec)| {
                let p = path.index(i);
                let Some(&system) = self.external_names.get(&spec.system) else {
                    let names: Vec<&str> = self.external.iter().map(|x| x.name.as_str()).collect();
                    let defined = if names.is_empty() {
                        "no external system is defined: add [external.NAME] (with optional concurrency and timeout)".to_owned()
                    } else {
                        format!("[external] defines: {}", sorted_list(&names))
                    };
                    return Err(self.err(
                        &p.key("system"),
                        format!(
                            "no external system `{}`{}; {defined}",
                            spec.system,
                            hint(&spec.system, names.iter().copied())
                        ),
                    ));
                };
                Ok(Integration {
                    system,
                    calls: match spec.calls {
                        Some(c) => self.count(c, &p.key("calls"), 1)?,
                        None => 1,
                    },
                    time: self.time_dist(&spec.time, &p.key("time"))?,
                })
            })
            .collect()
    }

    fn profile(&self, values: &[Number], path: &FieldPath) -> Result<[f64; 24], ScenarioError> {
        let mut out = [0.0; 24];
        if values.len() != out.len() {
            return Err(self.err(
                path,
                format!(
                    "needs exactly 24 numbers, one multiplier of `rate` per hour of the day (0 to 23), got {}",
                    values.len()
                ),
            ));
        }
        for (i, (slot, v)) in out.iter_mut().zip(values).enumerate() {
            if !(v.0.is_finite() && v.0 >= 0.0) {
                return Err(self.err(
                    &path.index(i),
                    format!("must be zero or a positive number, got {}", v.0),
                ));
            }
            *slot = v.0;
        }
        if out.iter().all(|m| *m == 0.0) {
            return Err(self.err(
                path,
                "is zero in every hour; at least one multiplier must be positive",
            ));
        }
        Ok(out)
    }

    fn slos(&self, s: &SloSpec, path: &FieldPath) -> Result<Vec<Slo>, ScenarioError> {
        let mut out = Vec::new();
        if let Some(d) = &s.p95 {
            out.push(Slo::P95(self.positive_duration(d, &path.key("p95"))?));
        }
        if let Some(d) = &s.p99 {
            out.push(Slo::P99(self.positive_duration(d, &path.key("p99"))?));
        }
        if let Some(d) = &s.mean {
            out.push(Slo::Mean(self.positive_duration(d, &path.key("mean"))?));
        }
        if let Some(p) = &s.errors {
            out.push(Slo::Errors(self.error_fraction(p, &path.key("errors"))?));
        }
        Ok(out)
    }

    /// An error-rate objective: a percentage from 0 % up to (not
    /// including) 100 %, as a fraction.
    fn error_fraction(&self, p: &PercentText, path: &FieldPath) -> Result<f64, ScenarioError> {
        match &p.0 {
            Raw::Text(s) => crate::dist::parse_percent(s).map_err(|e| self.err(path, e)),
            Raw::Number(n) => Err(self.err(
                path,
                format!(
                    "an error rate is a percentage written as text with a % sign, such as \"{n}%\" or \"0.1%\"; allowed: \"0%\" up to, not including, \"100%\""
                ),
            )),
        }
    }

    fn timer(
        &self,
        name: String,
        t: &TimerSpec,
        zones: &[ZoneRef],
        p: &FieldPath,
    ) -> Result<Timer, ScenarioError> {
        Ok(Timer {
            name,
            zone: self.zone_for(t.zone.as_deref(), zones, p)?,
            period: self.positive_duration(&t.period, &p.key("period"))?,
            cpu: self.time_dist(&t.cpu, &p.key("cpu"))?,
            db_calls: self.count_dist_or(
                t.db_calls.as_ref(),
                defaults::TIMER_DB_CALLS,
                &p.key("db_calls"),
            )?,
            db_time: self.time_dist_or(t.db_time.as_ref(), defaults::DB_TIME, &p.key("db_time"))?,
        })
    }

    /// A timer or a process needs a front-end of its zone with the
    /// Scheduler's switch on (Execute Timers, Execute Processes): with every
    /// one off it would never run, which is refused rather than simulated.
    fn scheduler_switched_on(
        &self,
        zone: usize,
        p: &FieldPath,
        what: &str,
        on: fn(&FrontEnd) -> bool,
    ) -> Result<(), ScenarioError> {
        if self.front_ends.iter().any(|f| f.zone == zone && on(f)) {
            return Ok(());
        }
        let (key, switch) = if what == "timer" {
            ("timer_front_ends", "Execute Timers")
        } else {
            ("process_front_ends", "Execute Processes")
        };
        Err(self.err_key(
            p,
            format!(
                "this {what} runs in zone `{}`, where every front-end has {switch} off ({key} = 0), so it would never run; switch it on for at least one front-end ({key} = 1 or more) or move the {what} to another zone",
                self.zones[zone].name
            ),
        ))
    }

    fn process(
        &self,
        name: String,
        t: &ProcessSpec,
        zones: &[ZoneRef],
        p: &FieldPath,
    ) -> Result<Process, ScenarioError> {
        Ok(Process {
            name,
            zone: self.zone_for(t.zone.as_deref(), zones, p)?,
            rate: self.positive(t.launches_per_hour, &p.key("launches_per_hour"))? / 3600.0,
            profile: t
                .profile
                .as_deref()
                .map(|v| self.profile(v, &p.key("profile")))
                .transpose()?,
            activities: self.count(
                t.activities.unwrap_or(Count(defaults::PROCESS_ACTIVITIES)),
                &p.key("activities"),
                1,
            )?,
            cpu: self.time_dist(&t.cpu, &p.key("cpu"))?,
            db_calls: self.count_dist_or(
                t.db_calls.as_ref(),
                defaults::PROCESS_DB_CALLS,
                &p.key("db_calls"),
            )?,
            db_time: self.time_dist_or(t.db_time.as_ref(), defaults::DB_TIME, &p.key("db_time"))?,
        })
    }

    fn development(
        &self,
        environment: usize,
        first_front_end: usize,
        d: &DevelopmentSpec,
        p: &FieldPath,
    ) -> Result<Development, ScenarioError> {
        let developers = self.count(d.developers, &p.key("developers"), 0)?;
        let dedicated = match d.controller {
            Some(ControllerSpec::Dedicated) => true,
            Some(ControllerSpec::CoLocated) => false,
            None => developers >= defaults::DEDICATED_CONTROLLER_FROM,
        };
        let controller = if dedicated {
            Controller::Dedicated {
                cores: self.count(
                    d.controller_cores
                        .unwrap_or(Count(defaults::CONTROLLER_CORES)),
                    &p.key("controller_cores"),
                    1,
                )?,
            }
        } else {
            if d.controller_cores.is_some() {
                return Err(self.err_key(
                    &p.key("controller_cores"),
                    "a co-located Deployment Controller compiles on the environment's first front-end and uses its cores; `controller_cores` needs controller = \"dedicated\"",
                ));
            }
            Controller::CoLocated {
                front_end: first_front_end,
            }
        };
        let max_parallel_compiles = match d.max_parallel_compiles {
            Some(n) => self.count(n, &p.key("max_parallel_compiles"), 1)?,
            // The controller's cores: its own, or the box it shares.
            None => match controller {
                Controller::Dedicated { cores } => cores,
                Controller::CoLocated { front_end } => self
                    .front_ends
                    .get(front_end)
                    .map_or(1, |f| f.cores.ceil().max(1.0) as u32),
            },
        };
        Ok(Development {
            environment,
            developers,
            publishes_per_hour: match d.publishes_per_hour {
                Some(n) => self.positive(n, &p.key("publishes_per_hour"))?,
                None => defaults::PUBLISHES_PER_HOUR,
            },
            upload: self.time_dist_or(d.upload.as_ref(), defaults::UPLOAD, &p.key("upload"))?,
            compile: self.time_dist_or(d.compile.as_ref(), defaults::COMPILE, &p.key("compile"))?,
            deploy_per_front_end: self.time_dist_or(
                d.deploy_per_front_end.as_ref(),
                defaults::DEPLOY,
                &p.key("deploy_per_front_end"),
            )?,
            controller,
            max_parallel_compiles,
            upload_db: self.time_dist_or(
                d.upload_db_time.as_ref(),
                defaults::UPLOAD_DB_TIME,
                &p.key("upload_db_time"),
            )?,
            deploy_db: self.time_dist_or(
                d.deploy_db_time.as_ref(),
                defaults::DEPLOY_DB_TIME,
                &p.key("deploy_db_time"),
            )?,
        })
    }

    /// What a failure takes down: `front_end = "..."` or `database = "..."`.
    fn target(
        &self,
        front_end: Option<&str>,
        database: Option<&str>,
        p: &FieldPath,
    ) -> Result<FailureTarget, ScenarioError> {
        match (front_end, database) {
            (Some(_), Some(_)) => Err(self.err_key(
                &p.key("database"),
                "a failure takes down either a front-end or a database, not both; split it into two entries",
            )),
            (None, None) => Err(self.err_key(
                p,
                format!(
                    "needs a target: front_end = \"{}\" or database = \"{}\"",
                    self.front_ends.get(1).or(self.front_ends.first()).map_or("main.2", |f| f.name.as_str()),
                    self.databases.first().map_or("NAME", |d| d.name.as_str())
                ),
            )),
            (Some(name), None) => self
                .front_end_names
                .get(name)
                .map(|i| FailureTarget::FrontEnd(*i))
                .ok_or_else(|| {
                    let names: Vec<&str> = self.front_ends.iter().map(|f| f.name.as_str()).collect();
                    let form = if self.multi {
                        "ENVIRONMENT.ZONE.N"
                    } else {
                        "ZONE.N"
                    };
                    self.err(
                        &p.key("front_end"),
                        format!(
                            "no front-end `{name}`{}; front-ends are named {form}, numbered from 1: {}",
                            hint(name, names.iter().copied()),
                            short_list(&names)
                        ),
                    )
                }),
            (None, Some(name)) => {
                if !self.multi
                    && name == "primary"
                    && let Some(env) = self.environments.first()
                {
                    return Ok(FailureTarget::DatabasePrimary(env.database));
                }
                self.database_names
                    .get(name)
                    .map(|i| FailureTarget::DatabasePrimary(*i))
                    .ok_or_else(|| {
                        let mut names: Vec<&str> =
                            self.databases.iter().map(|d| d.name.as_str()).collect();
                        if !self.multi {
                            names.push("primary");
                        }
                        self.err(
                            &p.key("database"),
                            format!(
                                "no database instance `{name}`{}; instances: {}",
                                hint(name, names.iter().copied()),
                                names.join(", ")
                            ),
                        )
                    })
            }
        }
    }

    // ---- values ----

    fn err(&self, path: &FieldPath, message: impl Into<String>) -> ScenarioError {
        self.loc.error(path, At::Value, message)
    }

    fn err_key(&self, path: &FieldPath, message: impl Into<String>) -> ScenarioError {
        self.loc.error(path, At::Key, message)
    }

    /// Map entries in the order they appear in the text (entries added by
    /// `--set` last, in natural order: `x2` before `x10`).
    fn ordered<T>(&self, map: BTreeMap<String, T>, base: &FieldPath) -> Vec<(String, T)> {
        let mut entries: Vec<(String, T)> = map.into_iter().collect();
        entries.sort_by_cached_key(|(name, _)| {
            (
                self.loc.key_offset(&base.key(name)).unwrap_or(usize::MAX),
                natural_key(name),
            )
        });
        entries
    }

    /// Names become parts of front-end names and `--set` paths.
    fn check_name(&self, name: &str, path: &FieldPath, what: &str) -> Result<(), ScenarioError> {
        if !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            Ok(())
        } else {
            Err(self.err_key(
                path,
                format!(
                    "{name:?} cannot name {what}: use letters, digits, '_' and '-' only (names become parts of front-end names and --set paths)"
                ),
            ))
        }
    }

    fn count(&self, c: Count, path: &FieldPath, min: i64) -> Result<u32, ScenarioError> {
        if c.0 < min {
            let what = if min == 0 {
                "zero or a positive whole number".to_owned()
            } else {
                format!("a whole number of at least {min}")
            };
            return Err(self.err(path, format!("must be {what}, got {}", c.0)));
        }
        u32::try_from(c.0)
            .map_err(|_| self.err(path, format!("{} is too large (at most {})", c.0, u32::MAX)))
    }

    fn positive(&self, n: Number, path: &FieldPath) -> Result<f64, ScenarioError> {
        if n.0.is_finite() && n.0 > MAX_NUMBER {
            Err(self.err(
                path,
                format!(
                    "{:e} is too large to simulate (at most {MAX_NUMBER:e})",
                    n.0
                ),
            ))
        } else if n.0.is_finite() && n.0 > 0.0 {
            Ok(n.0)
        } else {
            Err(self.err(path, format!("must be a positive number, got {}", n.0)))
        }
    }

    fn duration(&self, d: &DurationText, path: &FieldPath) -> Result<f64, ScenarioError> {
        match &d.0 {
            Raw::Text(s) => {
                let v = dist::parse_duration(s).map_err(|e| self.err(path, e.to_string()))?;
                if v > MAX_SECONDS {
                    return Err(self.err(path, too_long(s)));
                }
                Ok(v)
            }
            Raw::Number(n) if n.is_finite() => Err(self.err(
                path,
                format!(
                    "a duration needs a unit: write it as text, such as \"{n}s\" or \"{n}ms\" (units: us, ms, s, m, h, d)"
                ),
            )),
            Raw::Number(_) => Err(self.err(
                path,
                "expected a duration as text, such as \"500ms\", \"30s\", \"5m\" or \"1h\"",
            )),
        }
    }

    /// `simulation.start`: a time of day, `"HH:MM"` or `"HH:MM:SS"`, as
    /// seconds since midnight.
    fn clock(&self, c: &ClockText, path: &FieldPath) -> Result<f64, ScenarioError> {
        const ALLOWED: &str = "expected a time of day as text, \"HH:MM\" or \"HH:MM:SS\" from \"00:00\" to \"23:59:59\", such as \"08:00\"";
        let text = match &c.0 {
            Raw::Text(s) => s.trim(),
            Raw::Number(n) => {
                return Err(self.err(path, format!("{ALLOWED}; got the number {n}")));
            }
        };
        let parts: Vec<&str> = text.split(':').collect();
        let field = |s: &str, max: u32| -> Option<u32> {
            if s.len() != 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            s.parse().ok().filter(|&v| v <= max)
        };
        let parsed = match parts.as_slice() {
            [h, m] => field(h, 23).zip(field(m, 59)).map(|(h, m)| (h, m, 0)),
            [h, m, s] => field(h, 23)
                .zip(field(m, 59))
                .zip(field(s, 59))
                .map(|((h, m), s)| (h, m, s)),
            _ => None,
        };
        match parsed {
            Some((h, m, s)) => Ok(f64::from(h * 3600 + m * 60 + s)),
            None => Err(self.err(path, format!("{ALLOWED}; got \"{text}\""))),
        }
    }

    /// A random failure's `mtbf` or `mttr`: at least a second. Machines do
    /// not fail or get repaired more often than that, and a failure every
    /// microsecond would only make the run endless.
    fn failure_time(&self, d: &DurationText, path: &FieldPath) -> Result<f64, ScenarioError> {
        let v = self.positive_duration(d, path)?;
        if v < MIN_FAILURE_TIME {
            return Err(self.err(
                path,
                "must be at least 1s: a mean time between failures or to repair is seconds to days (a front-end restart takes seconds, a failed node hours)",
            ));
        }
        Ok(v)
    }

    fn positive_duration(&self, d: &DurationText, path: &FieldPath) -> Result<f64, ScenarioError> {
        let v = self.duration(d, path)?;
        if v.is_finite() && v > 0.0 {
            Ok(v)
        } else {
            Err(self.err(path, "must be longer than zero"))
        }
    }

    fn time_dist(&self, d: &DistText, path: &FieldPath) -> Result<Dist, ScenarioError> {
        match &d.0 {
            Raw::Text(s) => {
                let dist = Dist::parse(s).map_err(|e| self.err(path, e.to_string()))?;
                if dist.mean() > MAX_SECONDS {
                    return Err(self.err(path, too_long(s)));
                }
                Ok(dist)
            }
            Raw::Number(n) => Err(self.err(
                path,
                format!(
                    "a time distribution needs text with a unit, such as \"const({n}ms)\", \"exp({n}ms)\" or \"lognormal(mean={n}ms, cv=1)\""
                ),
            )),
        }
    }

    fn time_dist_or(
        &self,
        d: Option<&DistText>,
        default: &str,
        path: &FieldPath,
    ) -> Result<Dist, ScenarioError> {
        match d {
            Some(d) => self.time_dist(d, path),
            None => Dist::parse(default).map_err(|e| self.internal_default(default, &e)),
        }
    }

    fn count_dist_or(
        &self,
        d: Option<&DistText>,
        default: &str,
        path: &FieldPath,
    ) -> Result<Dist, ScenarioError> {
        let dist = match d.map(|d| &d.0) {
            Some(Raw::Text(s)) => {
                Dist::parse_unitless(s).map_err(|e| self.err(path, e.to_string()))
            }
            Some(Raw::Number(n)) => {
                if !(n.is_finite() && *n >= 0.0) {
                    return Err(
                        self.err(path, format!("must be zero or a positive number, got {n}"))
                    );
                }
                Dist::parse_unitless(&format!("const({n})"))
                    .map_err(|e| self.err(path, e.to_string()))
            }
            None => Dist::parse_unitless(default).map_err(|e| self.internal_default(default, &e)),
        }?;
        if dist.mean() > MAX_MEAN_CALLS {
            return Err(self.err(
                path,
                format!(
                    "a mean of {:e} calls is too many to simulate (at most {MAX_MEAN_CALLS:e} per request or run)",
                    dist.mean()
                ),
            ));
        }
        Ok(dist)
    }

    fn internal_default(&self, text: &str, e: &dist::DistError) -> ScenarioError {
        ScenarioError::Internal {
            name: self.loc.name().to_owned(),
            message: format!("built-in default {text:?} does not parse: {e}"),
        }
    }
}

/// The largest time o11sim takes from a file: about 31 years. Longer
/// durations, means and failure intervals are mistakes (or `1e308s`), and
/// would otherwise be refused later only as "about inf events".
const MAX_SECONDS: f64 = 1e9;

/// The largest rate, core count or other plain number taken from a file.
const MAX_NUMBER: f64 = 1e9;

/// The largest mean count of calls per request or run.
const MAX_MEAN_CALLS: f64 = 1e6;

fn too_long(text: &str) -> String {
    format!(
        "{text:?} is too long to simulate: times are at most {MAX_SECONDS:e} s (about 31 years)"
    )
}

/// A name split into text and numbers, so that names sort as people read
/// them: `x2` before `x10`. Leading zeros keep `x02` and `x2` apart.
fn natural_key(name: &str) -> Vec<(String, u128, usize)> {
    let mut key = Vec::new();
    let mut rest = name;
    while !rest.is_empty() {
        let text_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (text, tail) = rest.split_at(text_len);
        let digits_len = tail
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(tail.len());
        let (digits, tail) = tail.split_at(digits_len);
        let number = digits.parse::<u128>().unwrap_or(u128::MAX);
        key.push((text.to_owned(), number, digits.len()));
        rest = tail;
    }
    key
}

fn cpu(c: Option<CpuSpec>) -> CpuDiscipline {
    match c {
        Some(CpuSpec::Fcfs) => CpuDiscipline::Fcfs,
        Some(CpuSpec::Ps) | None => CpuDiscipline::ProcessorSharing,
    }
}

fn policy(p: PolicySpec) -> Balancer {
    match p {
        PolicySpec::RoundRobin => Balancer::RoundRobin,
        PolicySpec::LeastConnections => Balancer::LeastConnections,
        PolicySpec::Random => Balancer::Random,
        PolicySpec::PowerOfTwo => Balancer::PowerOfTwoChoices,
    }
}

fn hint<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> String {
    suggest(word, candidates)
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}

fn sorted_list(names: &[&str]) -> String {
    let mut v = names.to_vec();
    v.sort_unstable();
    v.join(", ")
}

/// A list of names, cut after a dozen.
fn short_list(names: &[&str]) -> String {
    const SHOWN: usize = 12;
    if names.len() <= SHOWN {
        names.join(", ")
    } else {
        format!("{}, … ({} in all)", names[..SHOWN].join(", "), names.len())
    }
}
