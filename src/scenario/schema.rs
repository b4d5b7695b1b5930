//! The scenario file format as serde types: one struct per TOML table,
//! every one `deny_unknown_fields`, every setting optional unless it has no
//! sensible default.
//!
//! Why this file exists: it is the single source of truth for which keys a
//! table accepts. Serde uses it to reject unknown keys; `--set` uses the
//! same field lists (read from serde itself by [`struct_fields`]) to reject
//! an unknown key before deserializing and to list the allowed ones.
//! Values stay raw here (text for durations and distributions, plain
//! numbers for counts): `build` checks them with their field paths, so a
//! message can say what is allowed for that field.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, Visitor};

use super::path::{FieldPath, Seg};

/// The whole scenario file. In the single-environment shape the
/// environment keys sit at the top level; with `[environments.NAME]` they
/// must not.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a scenario table")]
pub(crate) struct Document {
    pub simulation: Option<SimulationSpec>,
    pub environments: Option<BTreeMap<String, EnvironmentSpec>>,
    pub databases: Option<BTreeMap<String, DatabaseSpec>>,
    pub external: Option<BTreeMap<String, ExternalSpec>>,
    #[serde(default)]
    pub failures: Vec<FailureSpec>,
    #[serde(default)]
    pub random_failures: Vec<RandomFailureSpec>,
    // Environment keys (single-environment shape); keep in step with
    // `EnvironmentSpec`.
    pub kind: Option<KindSpec>,
    pub front_ends: Option<Count>,
    pub database: Option<DatabaseSpec>,
    pub front_end: Option<FrontEndSpec>,
    pub load_balancer: Option<BalancerSpec>,
    pub zones: Option<BTreeMap<String, ZoneSpec>>,
    pub traffic: Option<BTreeMap<String, TrafficSpec>>,
    pub timers: Option<BTreeMap<String, TimerSpec>>,
    pub development: Option<DevelopmentSpec>,
    pub processes: Option<BTreeMap<String, ProcessSpec>>,
}

impl Document {
    /// The environment keys given at the top level, by name.
    pub(crate) fn top_level_environment_keys(&self) -> Vec<&'static str> {
        let present = [
            ("kind", self.kind.is_some()),
            ("front_ends", self.front_ends.is_some()),
            ("database", self.database.is_some()),
            ("front_end", self.front_end.is_some()),
            ("load_balancer", self.load_balancer.is_some()),
            ("zones", self.zones.is_some()),
            ("traffic", self.traffic.is_some()),
            ("timers", self.timers.is_some()),
            ("development", self.development.is_some()),
            ("processes", self.processes.is_some()),
        ];
        present
            .into_iter()
            .filter_map(|(k, p)| p.then_some(k))
            .collect()
    }

    /// Moves the top-level environment keys into an environment.
    pub(crate) fn take_environment(&mut self) -> EnvironmentSpec {
        EnvironmentSpec {
            kind: self.kind.take(),
            front_ends: self.front_ends.take(),
            database: self.database.take(),
            front_end: self.front_end.take(),
            load_balancer: self.load_balancer.take(),
            zones: self.zones.take(),
            traffic: self.traffic.take(),
            timers: self.timers.take(),
            development: self.development.take(),
            processes: self.processes.take(),
        }
    }
}

/// `[simulation]`: run settings.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [simulation] table")]
pub(crate) struct SimulationSpec {
    pub duration: Option<DurationText>,
    pub warmup: Option<DurationText>,
    pub replications: Option<Count>,
    pub seed: Option<Count>,
    /// Time of day at the start of the warm-up, `"HH:MM"` or `"HH:MM:SS"`.
    pub start: Option<ClockText>,
}

/// One OutSystems environment.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "an environment table")]
pub(crate) struct EnvironmentSpec {
    pub kind: Option<KindSpec>,
    pub front_ends: Option<Count>,
    pub database: Option<DatabaseSpec>,
    pub front_end: Option<FrontEndSpec>,
    pub load_balancer: Option<BalancerSpec>,
    pub zones: Option<BTreeMap<String, ZoneSpec>>,
    pub traffic: Option<BTreeMap<String, TrafficSpec>>,
    pub timers: Option<BTreeMap<String, TimerSpec>>,
    pub development: Option<DevelopmentSpec>,
    pub processes: Option<BTreeMap<String, ProcessSpec>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum KindSpec {
    #[serde(alias = "dev")]
    Development,
    #[serde(alias = "qa")]
    QualityAssurance,
    #[serde(alias = "prod")]
    Production,
    #[serde(alias = "life_time")]
    Lifetime,
}

impl KindSpec {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Development => "development",
            Self::QualityAssurance => "quality_assurance",
            Self::Production => "production",
            Self::Lifetime => "lifetime",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum CpuSpec {
    Ps,
    Fcfs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum PolicySpec {
    RoundRobin,
    LeastConnections,
    Random,
    #[serde(alias = "power_of_two_choices")]
    PowerOfTwo,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum OnFailoverSpec {
    Fail,
    Wait,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ControllerSpec {
    Dedicated,
    #[serde(alias = "colocated")]
    CoLocated,
}

/// `[database]` of an environment (inline settings of its own instance, or
/// `instance = "NAME"`), or `[databases.NAME]` (a shared instance).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a database table")]
pub(crate) struct DatabaseSpec {
    pub instance: Option<String>,
    pub cores: Option<Number>,
    pub nodes: Option<Count>,
    pub failover_duration: Option<DurationText>,
    pub query_timeout: Option<DurationText>,
    pub on_failover: Option<OnFailoverSpec>,
    pub cpu: Option<CpuSpec>,
}

/// `[external.NAME]`: an external system (REST/SOAP service, ERP, CRM…)
/// that traffic classes call through `integrations`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "an external-system table")]
pub(crate) struct ExternalSpec {
    pub concurrency: Option<Count>,
    pub timeout: Option<DurationText>,
}

/// One entry of a class's `integrations`: `{ system = "crm", calls = 2,
/// time = "exp(200ms)" }`.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a table such as { system = \"crm\", calls = 1, time = \"exp(200ms)\" }"
)]
pub(crate) struct IntegrationSpec {
    pub system: String,
    pub calls: Option<Count>,
    pub time: DistText,
}

/// `[front_end]` defaults of an environment, or a zone's `front_end`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a front-end table")]
pub(crate) struct FrontEndSpec {
    pub cores: Option<Number>,
    pub cpu: Option<CpuSpec>,
    pub iis_workers: Option<Count>,
    pub iis_queue: Option<Count>,
    pub db_pool: Option<Count>,
    pub connect_timeout: Option<DurationText>,
    pub request_timeout: Option<DurationText>,
    pub timer_slots: Option<Count>,
    pub timer_front_ends: Option<Count>,
    pub process_front_ends: Option<Count>,
    pub light_bpt: Option<bool>,
}

/// `[load_balancer]`: the balancer of the `front_ends` shorthand zone, and
/// the defaults of every `[zones.NAME]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a load-balancer table")]
pub(crate) struct BalancerSpec {
    pub policy: Option<PolicySpec>,
    pub health_interval: Option<DurationText>,
    pub health_failures: Option<Count>,
}

/// `[zones.NAME]`: front-ends behind their own load balancer.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a zone table")]
pub(crate) struct ZoneSpec {
    pub front_ends: Count,
    pub policy: Option<PolicySpec>,
    pub health_interval: Option<DurationText>,
    pub health_failures: Option<Count>,
    pub vpn_delay: Option<DistText>,
    pub front_end: Option<FrontEndSpec>,
}

/// `[traffic.NAME]`: a class of requests.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a traffic-class table")]
pub(crate) struct TrafficSpec {
    pub zone: Option<String>,
    pub rate: Option<Number>,
    pub profile: Option<Vec<Number>>,
    pub users: Option<Count>,
    pub think: Option<DistText>,
    pub network: Option<DistText>,
    pub cpu: DistText,
    pub db_calls: Option<DistText>,
    pub db_time: Option<DistText>,
    pub integrations: Option<Vec<IntegrationSpec>>,
    pub timeout: Option<DurationText>,
    pub slo: Option<SloSpec>,
}

/// `slo = { p95 = "800ms", errors = "0.1%" }`.
#[derive(Debug, Default, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a table of objectives such as { p95 = \"800ms\" }"
)]
pub(crate) struct SloSpec {
    pub p95: Option<DurationText>,
    pub p99: Option<DurationText>,
    pub mean: Option<DurationText>,
    /// Largest fraction of requests rejected, timed out or failed, as a
    /// percentage such as `"0.1%"`.
    pub errors: Option<PercentText>,
}

/// `[timers.NAME]`: a timer on the zone's front-ends.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a timer table")]
pub(crate) struct TimerSpec {
    pub zone: Option<String>,
    pub period: DurationText,
    pub cpu: DistText,
    pub db_calls: Option<DistText>,
    pub db_time: Option<DistText>,
}

/// `[processes.NAME]`: a BPT process whose automatic activities run on the
/// zone's front-ends.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a process table")]
pub(crate) struct ProcessSpec {
    pub zone: Option<String>,
    pub launches_per_hour: Number,
    pub profile: Option<Vec<Number>>,
    pub activities: Option<Count>,
    pub cpu: DistText,
    pub db_calls: Option<DistText>,
    pub db_time: Option<DistText>,
}

/// `[development]`: developers publishing to the environment.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [development] table")]
pub(crate) struct DevelopmentSpec {
    pub developers: Count,
    pub publishes_per_hour: Option<Number>,
    pub upload: Option<DistText>,
    pub compile: Option<DistText>,
    pub deploy_per_front_end: Option<DistText>,
    pub controller: Option<ControllerSpec>,
    pub controller_cores: Option<Count>,
    pub max_parallel_compiles: Option<Count>,
    pub upload_db_time: Option<DistText>,
    pub deploy_db_time: Option<DistText>,
    pub test_users_per_developer: Option<Count>,
}

/// `[[failures]]`: one failure at a fixed time.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [[failures]] table")]
pub(crate) struct FailureSpec {
    pub at: DurationText,
    pub duration: DurationText,
    pub front_end: Option<String>,
    pub database: Option<String>,
}

/// `[[random_failures]]`: failures recurring at random.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [[random_failures]] table")]
pub(crate) struct RandomFailureSpec {
    pub front_end: Option<String>,
    pub database: Option<String>,
    pub mtbf: DurationText,
    pub mttr: DurationText,
}

/// A whole number as written (checked for range in `build`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Count(pub i64);

/// A number as written, integer or float.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Number(pub f64);

/// Text or a bare number, as written, for a duration or a distribution.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Raw {
    Text(String),
    Number(f64),
}

/// A duration such as `"30s"`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct DurationText(pub Raw);

/// A time of day such as `"08:00"`: text, or a TOML local time (`08:00:00`
/// unquoted), or a bare number refused with a hint.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ClockText(pub Raw);

/// A percentage such as `"0.1%"` (text, or a bare number refused with a
/// hint).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PercentText(pub Raw);

/// A distribution such as `"exp(40ms)"` (or a bare number for a unitless
/// constant).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct DistText(pub Raw);

struct CountVisitor;

impl Visitor<'_> for CountVisitor {
    type Value = Count;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a whole number")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Count, E> {
        Ok(Count(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Count, E> {
        i64::try_from(v)
            .map(Count)
            .map_err(|_| E::custom(format!("{v} is too large")))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Count, E> {
        i64::try_from(v)
            .map(Count)
            .map_err(|_| E::custom(format!("{v} is out of range for a whole number")))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Count, E> {
        i64::try_from(v)
            .map(Count)
            .map_err(|_| E::custom(format!("{v} is too large")))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Count, E> {
        Err(E::custom(not_a_number(v, "a whole number")))
    }
}

/// Why text was refused where a plain number belongs: a number in quotes
/// (or, from `--set` and `--vary`, one TOML does not read as a number:
/// with a leading zero, or a whole number too large for it), written with
/// a unit, or not a number at all.
fn not_a_number(text: &str, wanted: &str) -> String {
    let t = text.trim();
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    let whole = !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit());
    let numeric = unsigned.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && t.parse::<f64>().is_ok_and(f64::is_finite);
    if whole && t.parse::<i64>().is_err() {
        let side = if t.starts_with('-') { "small" } else { "large" };
        return format!("{t} is too {side} for {wanted}");
    }
    // TOML writes no number with a leading zero (`03`), so such a value
    // from the command line arrives as text.
    let integral = unsigned.split(['.', 'e', 'E']).next().unwrap_or_default();
    if numeric && integral.len() > 1 && integral.starts_with('0') {
        let value = t.parse::<f64>().unwrap_or_default();
        return format!(
            "expected {wanted}, got \"{t}\": write it without a leading zero ({value})"
        );
    }
    if whole || (numeric && wanted != "a whole number") {
        return format!(
            "expected {wanted}, got the text \"{t}\": write the number without quotes ({t})"
        );
    }
    if numeric {
        return format!("expected {wanted}, got the text \"{t}\"");
    }
    let starts_numeric = t.starts_with(|c: char| c.is_ascii_digit() || c == '.');
    if starts_numeric {
        format!(
            "expected {wanted} without a unit, got \"{t}\": rates are requests per second and cores and counts are plain numbers (write 300, not \"300/s\")"
        )
    } else {
        format!("expected {wanted}, got the text \"{t}\"")
    }
}

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_i64(CountVisitor)
    }
}

struct NumberVisitor;

impl Visitor<'_> for NumberVisitor {
    type Value = Number;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Number, E> {
        Ok(Number(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Number, E> {
        Ok(Number(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Number, E> {
        Ok(Number(v))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Number, E> {
        Ok(Number(v as f64))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Number, E> {
        Ok(Number(v as f64))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Number, E> {
        Err(E::custom(not_a_number(v, "a number")))
    }
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_f64(NumberVisitor)
    }
}

/// Accepts text or a number; `expecting` names what the field wants.
struct RawVisitor<T> {
    expecting: &'static str,
    wrap: fn(Raw) -> T,
    marker: PhantomData<T>,
}

impl<T> Visitor<'_> for RawVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        Ok((self.wrap)(Raw::Text(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<T, E> {
        Ok((self.wrap)(Raw::Text(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        Ok((self.wrap)(Raw::Number(v as f64)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        Ok((self.wrap)(Raw::Number(v as f64)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        Ok((self.wrap)(Raw::Number(v)))
    }
}

impl<'de> Deserialize<'de> for DurationText {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor {
            expecting: "a duration as text, such as \"500ms\", \"30s\", \"5m\" or \"1h\"",
            wrap: Self,
            marker: PhantomData,
        })
    }
}

/// Text, a number, or a TOML date-time (which `toml` hands over as a map of
/// one private key to its text).
struct ClockVisitor;

impl<'de> Visitor<'de> for ClockVisitor {
    type Value = ClockText;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a time of day as text, such as \"08:00\" or \"08:00:00\"")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<ClockText, E> {
        Ok(ClockText(Raw::Text(v.to_owned())))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<ClockText, E> {
        Ok(ClockText(Raw::Number(v as f64)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<ClockText, E> {
        Ok(ClockText(Raw::Number(v as f64)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<ClockText, E> {
        Ok(ClockText(Raw::Number(v)))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<ClockText, A::Error> {
        let Some((_, text)) = map.next_entry::<String, String>()? else {
            return Err(de::Error::invalid_type(de::Unexpected::Map, &self));
        };
        Ok(ClockText(Raw::Text(text)))
    }
}

impl<'de> Deserialize<'de> for ClockText {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ClockVisitor)
    }
}

impl<'de> Deserialize<'de> for PercentText {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor {
            expecting: "a percentage as text, such as \"0.1%\"",
            wrap: Self,
            marker: PhantomData,
        })
    }
}

impl<'de> Deserialize<'de> for DistText {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor {
            expecting: "a distribution as text, such as \"exp(40ms)\" or \"lognormal(mean=40ms, cv=1.5)\"",
            wrap: Self,
            marker: PhantomData,
        })
    }
}

/// The kinds of table in a scenario, for walking `--set` paths and for
/// listing the keys each accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Root,
    Simulation,
    Environment,
    Database,
    External,
    Integration,
    FrontEnd,
    Balancer,
    Zone,
    Traffic,
    Slo,
    Timer,
    Process,
    Development,
    Failure,
    RandomFailure,
}

/// What a key holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Node {
    /// A table of a known kind.
    Table(Kind),
    /// A table whose keys are names chosen by the user (zones, classes…).
    MapOf(Kind),
    /// An array of tables.
    ArrayOf(Kind),
    /// A plain value.
    Value,
}

impl Kind {
    /// The keys this table accepts, read from the serde types themselves.
    pub(crate) fn fields(self) -> &'static [&'static str] {
        match self {
            Self::Root => struct_fields::<Document>(),
            Self::Simulation => struct_fields::<SimulationSpec>(),
            Self::Environment => struct_fields::<EnvironmentSpec>(),
            Self::Database => struct_fields::<DatabaseSpec>(),
            Self::External => struct_fields::<ExternalSpec>(),
            Self::Integration => struct_fields::<IntegrationSpec>(),
            Self::FrontEnd => struct_fields::<FrontEndSpec>(),
            Self::Balancer => struct_fields::<BalancerSpec>(),
            Self::Zone => struct_fields::<ZoneSpec>(),
            Self::Traffic => struct_fields::<TrafficSpec>(),
            Self::Slo => struct_fields::<SloSpec>(),
            Self::Timer => struct_fields::<TimerSpec>(),
            Self::Process => struct_fields::<ProcessSpec>(),
            Self::Development => struct_fields::<DevelopmentSpec>(),
            Self::Failure => struct_fields::<FailureSpec>(),
            Self::RandomFailure => struct_fields::<RandomFailureSpec>(),
        }
    }

    /// What `key` holds in this table, or `None` if the table has no such
    /// key.
    pub(crate) fn child(self, key: &str) -> Option<Node> {
        if !self.fields().contains(&key) {
            return None;
        }
        let node = match (self, key) {
            (Self::Root, "simulation") => Node::Table(Self::Simulation),
            (Self::Root, "environments") => Node::MapOf(Self::Environment),
            (Self::Root, "databases") => Node::MapOf(Self::Database),
            (Self::Root, "external") => Node::MapOf(Self::External),
            (Self::Traffic, "integrations") => Node::ArrayOf(Self::Integration),
            (Self::Root, "failures") => Node::ArrayOf(Self::Failure),
            (Self::Root, "random_failures") => Node::ArrayOf(Self::RandomFailure),
            (Self::Root | Self::Environment, "database") => Node::Table(Self::Database),
            (Self::Root | Self::Environment | Self::Zone, "front_end") => {
                Node::Table(Self::FrontEnd)
            }
            (Self::Root | Self::Environment, "load_balancer") => Node::Table(Self::Balancer),
            (Self::Root | Self::Environment, "zones") => Node::MapOf(Self::Zone),
            (Self::Root | Self::Environment, "traffic") => Node::MapOf(Self::Traffic),
            (Self::Root | Self::Environment, "timers") => Node::MapOf(Self::Timer),
            (Self::Root | Self::Environment, "processes") => Node::MapOf(Self::Process),
            (Self::Root | Self::Environment, "development") => Node::Table(Self::Development),
            (Self::Traffic, "slo") => Node::Table(Self::Slo),
            _ => Node::Value,
        };
        Some(node)
    }

    /// How the table is written, for messages.
    pub(crate) fn title(self) -> &'static str {
        match self {
            Self::Root => "the top level",
            Self::Simulation => "[simulation]",
            Self::Environment => "an environment",
            Self::Database => "a database",
            Self::External => "an external system",
            Self::Integration => "an integration",
            Self::FrontEnd => "a front_end table",
            Self::Balancer => "[load_balancer]",
            Self::Zone => "a zone",
            Self::Traffic => "a traffic class",
            Self::Slo => "slo",
            Self::Timer => "a timer",
            Self::Process => "a process",
            Self::Development => "[development]",
            Self::Failure => "[[failures]]",
            Self::RandomFailure => "[[random_failures]]",
        }
    }
}

/// What the value at `path` is by the schema, if the path is valid.
pub(crate) fn node_at(path: &FieldPath) -> Option<Node> {
    let mut node = Node::Table(Kind::Root);
    for seg in path.segs() {
        node = match (node, seg) {
            (Node::Table(k), Seg::Key(key)) => k.child(key)?,
            (Node::MapOf(k), Seg::Key(_)) | (Node::ArrayOf(k), Seg::Index(_)) => Node::Table(k),
            _ => return None,
        };
    }
    Some(node)
}

/// Where an unknown `key` of the table at `table` would be allowed: an
/// enclosing table (the key was written below a `[header]` by mistake), or
/// a fixed sub-table (`seed` at the top level belongs in `[simulation]`).
/// Returns the path of that table.
pub(crate) fn home_of(table: &FieldPath, key: &str) -> Option<FieldPath> {
    let mut outer = table.clone();
    while !outer.is_root() {
        outer = outer.parent();
        if let Some(Node::Table(kind)) = node_at(&outer)
            && kind.fields().contains(&key)
        {
            return Some(outer);
        }
    }
    let Some(Node::Table(kind)) = node_at(table) else {
        return None;
    };
    kind.fields()
        .iter()
        .find_map(|field| match kind.child(field) {
            Some(Node::Table(sub)) if sub.fields().contains(&key) => Some(table.key(field)),
            _ => None,
        })
}

/// The field names serde knows for struct `T` (what `deny_unknown_fields`
/// accepts), obtained by asking `T` to deserialize from a probe that only
/// records them.
pub(crate) fn struct_fields<T: for<'de> Deserialize<'de>>() -> &'static [&'static str] {
    let mut fields: &'static [&'static str] = &[];
    // The probe always fails after recording; the error is expected.
    let _ = T::deserialize(FieldProbe(&mut fields));
    fields
}

struct FieldProbe<'a>(&'a mut &'static [&'static str]);

impl<'de> de::Deserializer<'de> for FieldProbe<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("field probe"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = fields;
        Err(de::Error::custom("field probe"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_lists_come_from_serde() {
        assert_eq!(Kind::Slo.fields(), &["p95", "p99", "mean", "errors"]);
        assert!(Kind::Traffic.fields().contains(&"cpu"));
        assert!(Kind::Root.fields().contains(&"environments"));
        // Every environment key is also a top-level key (single-environment
        // shape).
        for f in Kind::Environment.fields() {
            assert!(Kind::Root.fields().contains(f), "{f}");
        }
    }

    #[test]
    fn children() {
        assert_eq!(
            Kind::Root.child("traffic"),
            Some(Node::MapOf(Kind::Traffic))
        );
        assert_eq!(
            Kind::Zone.child("front_end"),
            Some(Node::Table(Kind::FrontEnd))
        );
        assert_eq!(Kind::Traffic.child("rate"), Some(Node::Value));
        assert_eq!(Kind::Traffic.child("nope"), None);
    }
}
