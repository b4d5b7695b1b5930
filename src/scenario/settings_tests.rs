//! No silent settings: every key of the scenario format changes some output.
//!
//! Why this file exists: a documented field that the simulation never reads
//! misleads the user who sets it (`database.nodes` once did nothing). The
//! keys are walked from the serde schema itself (`schema::Kind`), so a new
//! field cannot escape: it fails `every_schema_key_has_a_case` until a case
//! below shows what it changes. Each case names a scenario where the field
//! should matter (the condition, for fields that matter only under one,
//! such as `failover_duration` with a database failure), and the change;
//! the test runs both under the same seeds and requires the reports to
//! differ.

use std::collections::BTreeSet;

use super::schema::{Kind, Node};
use super::{Override, Scenario, load_str};
use crate::experiment::result::RunSettings;
use crate::experiment::{Summary, replicate};
use crate::model::sim::simulate;

/// One environment, two front-ends at moderate load, a timer, developers.
const BASE: &str = r#"
front_ends = 2
[front_end]
cores = 2
[traffic.web]
rate = 150
cpu = "exp(10ms)"
db_calls = "const(2)"
db_time = "exp(3ms)"
[timers.batch]
period = "1m"
cpu = "exp(2s)"
[development]
developers = 4
publishes_per_hour = 6
[simulation]
duration = "10m"
warmup = "1m"
replications = 2
seed = 7
"#;

/// `BASE` with a closed class instead of an open one.
const CLOSED: &str = r#"
front_ends = 2
[traffic.users]
users = 50
think = "exp(1s)"
cpu = "exp(10ms)"
[simulation]
duration = "10m"
warmup = "1m"
replications = 2
seed = 7
"#;

/// Developers whose test traffic is a class without `users`.
const DEV_TEST: &str = r#"
[front_end]
cores = 2
[traffic.dev_testing]
think = "exp(2s)"
cpu = "exp(12ms)"
[development]
developers = 4
test_users_per_developer = 1
[simulation]
duration = "10m"
warmup = "1m"
replications = 2
seed = 7
"#;

/// Two zones behind their own balancers.
const ZONES: &str = r#"
[zones.public]
front_ends = 2
[zones.internal]
front_ends = 1
[traffic.web]
zone = "public"
rate = 100
cpu = "exp(10ms)"
[traffic.staff]
zone = "internal"
rate = 20
cpu = "exp(10ms)"
[timers.batch]
zone = "public"
period = "1m"
cpu = "exp(2s)"
[simulation]
duration = "10m"
warmup = "1m"
replications = 2
seed = 7
"#;

/// Two environments, one on a shared instance, one on its own.
const MULTI: &str = r#"
[databases.shared]
cores = 1

[environments.dev]
kind = "development"
front_ends = 1
database = { instance = "shared" }
[environments.dev.traffic.devweb]
rate = 50
cpu = "exp(10ms)"
db_time = "exp(4ms)"

[environments.qa]
kind = "quality_assurance"
front_ends = 1
[environments.qa.traffic.qaweb]
rate = 50
cpu = "exp(10ms)"
db_time = "exp(4ms)"
[simulation]
duration = "10m"
warmup = "1m"
replications = 2
seed = 7
"#;

/// `BASE` with a class calling a CRM whose concurrency limit makes it queue.
const EXTERNAL: &str = r#"
front_ends = 2
[external.crm]
concurrency = 2
[external.erp]
[traffic.web]
rate = 20
cpu = "exp(10ms)"
integrations = [{ system = "crm", calls = 1, time = "exp(80ms)" }]
[simulation]
duration = "10m"
warmup = "1m"
replications = 2
seed = 7
"#;

/// BPT processes whose activities queue for the front-ends' process
/// threads (10 per front-end), beside some web traffic.
const PROCESSES: &str = r#"
front_ends = 2
[front_end]
cores = 8
[traffic.web]
rate = 50
cpu = "exp(10ms)"
[processes.orders]
launches_per_hour = 36000
activities = 3
cpu = "exp(400ms)"
db_calls = "const(2)"
db_time = "exp(3ms)"
[simulation]
duration = "10m"
warmup = "1m"
replications = 2
seed = 7
"#;

/// A process in the zoned scenario.
const ZONE_PROCESS: &str = "[processes.orders]\nzone = \"public\"\nlaunches_per_hour = 3600\n\
    cpu = \"exp(500ms)\"\n";

/// A field, the scenario where it matters, and a change that must show.
struct Case {
    table: Kind,
    field: &'static str,
    base: &'static str,
    /// Applied to both runs: what makes the field matter.
    condition: &'static [&'static str],
    /// Applied to the second run only.
    change: &'static str,
    /// Tables appended to `base` for both runs (failures, which `--set`
    /// cannot create).
    append: &'static str,
}

impl Case {
    fn with(self, append: &'static str) -> Case {
        Case { append, ..self }
    }
}

const fn case(
    table: Kind,
    field: &'static str,
    base: &'static str,
    condition: &'static [&'static str],
    change: &'static str,
) -> Case {
    Case {
        table,
        field,
        base,
        condition,
        change,
        append: "",
    }
}

/// Two more long timers, so that they queue for the front-ends' slots.
const MORE_TIMERS: &str = "[timers.more]\nperiod = \"20s\"\ncpu = \"exp(40s)\"\n\
    [timers.most]\nperiod = \"20s\"\ncpu = \"exp(40s)\"\n";

/// A scheduled front-end failure in the middle of the measured run.
const FE_FAILS: &str = "[[failures]]\nfront_end = \"main.1\"\nat = \"3m\"\nduration = \"2m\"\n";

/// The same in the zoned scenario.
const ZONE_FE_FAILS: &str =
    "[[failures]]\nfront_end = \"public.1\"\nat = \"3m\"\nduration = \"2m\"\n";

/// A scheduled database failure in the middle of the measured run.
const DB_FAILS: &str = "[[failures]]\ndatabase = \"primary\"\nat = \"3m\"\nduration = \"2m\"\n";

/// A shared-instance failure in the two-environment scenario.
const SHARED_FAILS: &str = "[[failures]]\ndatabase = \"shared\"\nat = \"3m\"\nduration = \"2m\"\n";

/// A front-end failing at random, often enough to matter in ten minutes.
const FE_FAILS_AT_RANDOM: &str =
    "[[random_failures]]\nfront_end = \"main.1\"\nmtbf = \"3m\"\nmttr = \"1m\"\n";

/// The shared instance failing at random.
const SHARED_FAILS_AT_RANDOM: &str =
    "[[random_failures]]\ndatabase = \"shared\"\nmtbf = \"3m\"\nmttr = \"1m\"\n";

fn cases() -> Vec<Case> {
    use Kind::*;
    vec![
        // Run settings.
        case(Simulation, "duration", BASE, &[], "simulation.duration=20m"),
        case(Simulation, "warmup", BASE, &[], "simulation.warmup=2m"),
        case(
            Simulation,
            "replications",
            BASE,
            &[],
            "simulation.replications=3",
        ),
        case(Simulation, "seed", BASE, &[], "simulation.seed=8"),
        // The clock at the start of the warm-up matters under a profile:
        // 08:00 runs at the busy hour's rate, 00:00 at the night's.
        case(
            Simulation,
            "start",
            BASE,
            &[
                "traffic.web.profile=[0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,1,1,1,1,1,1,1,1,1,1,0.2,0.2,0.2,0.2,0.2,0.2]",
            ],
            "simulation.start=08:00",
        ),
        // Environment keys (top level in the one-environment shape).
        case(Root, "kind", BASE, &[], "kind=development"),
        case(Root, "front_ends", BASE, &[], "front_ends=3"),
        case(
            Environment,
            "kind",
            MULTI,
            &[],
            "environments.qa.kind=production",
        ),
        case(
            Environment,
            "front_ends",
            MULTI,
            &[],
            "environments.qa.front_ends=2",
        ),
        // Database.
        case(
            Database,
            "instance",
            MULTI,
            &[],
            "environments.qa.database.instance=shared",
        ),
        case(Database, "cores", BASE, &[], "database.cores=1"),
        case(
            Database,
            "cpu",
            BASE,
            &["database.cores=1"],
            "database.cpu=fcfs",
        ),
        case(Database, "nodes", BASE, &[], "database.nodes=1").with(DB_FAILS),
        case(
            Database,
            "failover_duration",
            BASE,
            &[],
            "database.failover_duration=10s",
        )
        .with(DB_FAILS),
        case(
            Database,
            "query_timeout",
            BASE,
            &["database.on_failover=wait"],
            "database.query_timeout=5s",
        )
        .with(DB_FAILS),
        case(
            Database,
            "on_failover",
            BASE,
            &[],
            "database.on_failover=wait",
        )
        .with(DB_FAILS),
        // Front-ends.
        case(FrontEnd, "cores", BASE, &[], "front_end.cores=1"),
        case(FrontEnd, "cpu", BASE, &[], "front_end.cpu=fcfs"),
        case(
            FrontEnd,
            "iis_workers",
            BASE,
            &[],
            "front_end.iis_workers=1",
        ),
        case(
            FrontEnd,
            "iis_queue",
            BASE,
            &["front_end.iis_workers=1"],
            "front_end.iis_queue=0",
        ),
        case(FrontEnd, "db_pool", BASE, &[], "front_end.db_pool=1"),
        case(
            FrontEnd,
            "connect_timeout",
            BASE,
            &["front_end.db_pool=1"],
            "front_end.connect_timeout=1ms",
        ),
        case(
            FrontEnd,
            "request_timeout",
            BASE,
            &[],
            "front_end.request_timeout=20ms",
        ),
        case(
            FrontEnd,
            "timer_slots",
            BASE,
            &["timers.batch.period=20s", "timers.batch.cpu=exp(40s)"],
            "front_end.timer_slots=1",
        )
        .with(MORE_TIMERS),
        // Execute Timers off on the second front-end: the timer runs only
        // on the first.
        case(
            FrontEnd,
            "timer_front_ends",
            BASE,
            &[],
            "front_end.timer_front_ends=1",
        ),
        case(
            FrontEnd,
            "process_front_ends",
            PROCESSES,
            &[],
            "front_end.process_front_ends=1",
        ),
        case(
            FrontEnd,
            "light_bpt",
            PROCESSES,
            &[],
            "front_end.light_bpt=true",
        ),
        // Load balancers.
        case(
            Balancer,
            "policy",
            BASE,
            &[],
            "load_balancer.policy=least_connections",
        ),
        case(
            Balancer,
            "health_interval",
            BASE,
            &[],
            "load_balancer.health_interval=30s",
        )
        .with(FE_FAILS),
        case(
            Balancer,
            "health_failures",
            BASE,
            &[],
            "load_balancer.health_failures=5",
        )
        .with(FE_FAILS),
        // Zones.
        case(Zone, "front_ends", ZONES, &[], "zones.public.front_ends=3"),
        case(Zone, "policy", ZONES, &[], "zones.public.policy=random"),
        case(
            Zone,
            "health_interval",
            ZONES,
            &[],
            "zones.public.health_interval=30s",
        )
        .with(ZONE_FE_FAILS),
        case(
            Zone,
            "health_failures",
            ZONES,
            &[],
            "zones.public.health_failures=5",
        )
        .with(ZONE_FE_FAILS),
        case(
            Zone,
            "vpn_delay",
            ZONES,
            &[],
            "zones.internal.vpn_delay=const(30ms)",
        ),
        // Traffic classes.
        case(Traffic, "zone", ZONES, &[], "traffic.staff.zone=public"),
        case(Traffic, "rate", BASE, &[], "traffic.web.rate=100"),
        case(
            Traffic,
            "profile",
            BASE,
            &[],
            "traffic.web.profile=[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]",
        ),
        case(Traffic, "users", CLOSED, &[], "traffic.users.users=80"),
        case(Traffic, "think", CLOSED, &[], "traffic.users.think=exp(2s)"),
        case(
            Traffic,
            "network",
            BASE,
            &[],
            "traffic.web.network=const(20ms)",
        ),
        case(Traffic, "cpu", BASE, &[], "traffic.web.cpu=exp(12ms)"),
        case(
            Traffic,
            "db_calls",
            BASE,
            &[],
            "traffic.web.db_calls=const(3)",
        ),
        case(
            Traffic,
            "db_time",
            BASE,
            &[],
            "traffic.web.db_time=exp(4ms)",
        ),
        case(Traffic, "timeout", BASE, &[], "traffic.web.timeout=20ms"),
        // Objectives change verdicts, not the simulation.
        case(
            Slo,
            "p95",
            BASE,
            &["traffic.web.slo.p95=1s"],
            "traffic.web.slo.p95=1ms",
        ),
        case(
            Slo,
            "p99",
            BASE,
            &["traffic.web.slo.p99=1s"],
            "traffic.web.slo.p99=1ms",
        ),
        case(
            Slo,
            "mean",
            BASE,
            &["traffic.web.slo.mean=1s"],
            "traffic.web.slo.mean=1ms",
        ),
        // Under a client timeout that cuts some requests, a loose error
        // objective is met and a tight one missed.
        case(
            Slo,
            "errors",
            BASE,
            &["traffic.web.timeout=40ms", "traffic.web.slo.errors=50%"],
            "traffic.web.slo.errors=0.1%",
        ),
        // Timers.
        case(Timer, "zone", ZONES, &[], "timers.batch.zone=internal"),
        case(Timer, "period", BASE, &[], "timers.batch.period=30s"),
        case(Timer, "cpu", BASE, &[], "timers.batch.cpu=exp(3s)"),
        case(
            Timer,
            "db_calls",
            BASE,
            &[],
            "timers.batch.db_calls=const(20)",
        ),
        case(Timer, "db_time", BASE, &[], "timers.batch.db_time=exp(5ms)"),
        // BPT processes.
        case(
            Process,
            "zone",
            ZONES,
            &[],
            "processes.orders.zone=internal",
        )
        .with(ZONE_PROCESS),
        case(
            Process,
            "launches_per_hour",
            PROCESSES,
            &[],
            "processes.orders.launches_per_hour=18000",
        ),
        case(
            Process,
            "profile",
            PROCESSES,
            &[],
            "processes.orders.profile=[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]",
        ),
        case(
            Process,
            "activities",
            PROCESSES,
            &[],
            "processes.orders.activities=5",
        ),
        case(
            Process,
            "cpu",
            PROCESSES,
            &[],
            "processes.orders.cpu=exp(300ms)",
        ),
        case(
            Process,
            "db_calls",
            PROCESSES,
            &[],
            "processes.orders.db_calls=const(4)",
        ),
        case(
            Process,
            "db_time",
            PROCESSES,
            &[],
            "processes.orders.db_time=exp(6ms)",
        ),
        // Developers.
        case(
            Development,
            "developers",
            BASE,
            &[],
            "development.developers=8",
        ),
        case(
            Development,
            "publishes_per_hour",
            BASE,
            &[],
            "development.publishes_per_hour=3",
        ),
        case(
            Development,
            "upload",
            BASE,
            &[],
            "development.upload=exp(20s)",
        ),
        case(
            Development,
            "compile",
            BASE,
            &[],
            "development.compile=lognormal(mean=90s, cv=0.5)",
        ),
        case(
            Development,
            "deploy_per_front_end",
            BASE,
            &[],
            "development.deploy_per_front_end=exp(16s)",
        ),
        case(
            Development,
            "controller",
            BASE,
            &["development.controller=co_located"],
            "development.controller=dedicated",
        ),
        case(
            Development,
            "controller_cores",
            BASE,
            &[
                "development.controller=dedicated",
                "development.developers=30",
            ],
            "development.controller_cores=1",
        ),
        case(
            Development,
            "max_parallel_compiles",
            BASE,
            &["development.developers=8"],
            "development.max_parallel_compiles=1",
        ),
        case(
            Development,
            "upload_db_time",
            BASE,
            &[],
            "development.upload_db_time=exp(5s)",
        ),
        case(
            Development,
            "deploy_db_time",
            BASE,
            &[],
            "development.deploy_db_time=exp(5s)",
        ),
        case(
            Development,
            "test_users_per_developer",
            DEV_TEST,
            &[],
            "development.test_users_per_developer=3",
        ),
        // External systems and the calls classes make to them.
        case(
            External,
            "concurrency",
            EXTERNAL,
            &[],
            "external.crm.concurrency=1",
        ),
        case(
            External,
            "timeout",
            EXTERNAL,
            &[],
            "external.crm.timeout=100ms",
        ),
        case(
            Integration,
            "system",
            EXTERNAL,
            &[],
            "traffic.web.integrations[0].system=erp",
        ),
        case(
            Integration,
            "calls",
            EXTERNAL,
            &[],
            "traffic.web.integrations[0].calls=2",
        ),
        case(
            Integration,
            "time",
            EXTERNAL,
            &[],
            "traffic.web.integrations[0].time=exp(120ms)",
        ),
        // Failures.
        case(Failure, "at", BASE, &[], "failures[0].at=4m").with(FE_FAILS),
        case(Failure, "duration", BASE, &[], "failures[0].duration=3m").with(FE_FAILS),
        case(
            Failure,
            "front_end",
            BASE,
            &[],
            "failures[0].front_end=main.2",
        )
        .with(FE_FAILS),
        case(Failure, "database", MULTI, &[], "failures[0].database=qa").with(SHARED_FAILS),
        case(
            RandomFailure,
            "front_end",
            BASE,
            &[],
            "random_failures[0].front_end=main.2",
        )
        .with(FE_FAILS_AT_RANDOM),
        case(
            RandomFailure,
            "database",
            MULTI,
            &[],
            "random_failures[0].database=qa",
        )
        .with(SHARED_FAILS_AT_RANDOM),
        case(
            RandomFailure,
            "mtbf",
            BASE,
            &[],
            "random_failures[0].mtbf=6m",
        )
        .with(FE_FAILS_AT_RANDOM),
        case(
            RandomFailure,
            "mttr",
            BASE,
            &[],
            "random_failures[0].mttr=2m",
        )
        .with(FE_FAILS_AT_RANDOM),
    ]
}

/// Every (table, key) of the format that holds a plain value.
fn schema_keys() -> BTreeSet<(String, &'static str)> {
    let mut keys = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut todo = vec![Kind::Root];
    while let Some(kind) = todo.pop() {
        if !seen.insert(format!("{kind:?}")) {
            continue;
        }
        for &field in kind.fields() {
            match kind.child(field) {
                Some(Node::Value) => {
                    keys.insert((format!("{kind:?}"), field));
                }
                Some(Node::Table(k) | Node::MapOf(k) | Node::ArrayOf(k)) => todo.push(k),
                None => unreachable!("{field} is one of {kind:?}'s fields"),
            }
        }
    }
    keys
}

fn overrides(args: &[&str]) -> Vec<Override> {
    args.iter()
        .map(|a| a.parse().unwrap_or_else(|e| panic!("{a}: {e}")))
        .collect()
}

/// The report of a scenario as data: every figure, CI and verdict, and
/// the run settings the reports show (the scenario's fingerprint left out:
/// it changes with any text and would make every case pass).
fn report(s: &Scenario) -> String {
    let results = replicate(s.replications, s.seed, |seeds| simulate(&s.model, seeds));
    let settings = RunSettings {
        fingerprint: String::new(),
        ..RunSettings::of(s)
    };
    format!("{settings:?}\n{:?}", Summary::new(&s.model, &results))
}

#[test]
fn every_schema_key_has_a_case() {
    let keys = schema_keys();
    let covered: BTreeSet<(String, &str)> = cases()
        .iter()
        .map(|c| (format!("{:?}", c.table), c.field))
        .collect();
    let missing: Vec<_> = keys.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "scenario keys with no case showing what they change: {missing:?}"
    );
    let stale: Vec<_> = covered.difference(&keys).collect();
    assert!(
        stale.is_empty(),
        "cases for keys the format no longer has: {stale:?}"
    );
}

#[test]
fn every_setting_changes_some_output() {
    let mut silent = Vec::new();
    for c in cases() {
        let before = overrides(c.condition);
        let mut after = before.clone();
        after.extend(overrides(&[c.change]));
        let text = format!("{}{}", c.base, c.append);
        let load = |o: &[Override]| {
            load_str("settings.toml", &text, o)
                .unwrap_or_else(|e| panic!("{:?}.{}: {e}", c.table, c.field))
        };
        if report(&load(&before)) == report(&load(&after)) {
            silent.push(format!("{:?}.{} ({})", c.table, c.field, c.change));
        }
    }
    assert!(
        silent.is_empty(),
        "settings that change no output: {silent:#?}"
    );
}
