//! Distributions from text, with units.
//!
//! Why this file exists: scenario files and the command line describe service
//! times, think times, inter-arrival times and counts (say, database calls per
//! request) as short text such as `exp(40ms)` or `lognormal(mean=40ms, cv=1.5)`.
//! This module turns that text into fast samplers and back into canonical
//! text, rejects bad input with messages that quote it and say what is
//! allowed, and gives the exact first two moments that the analytic models
//! (Pollaczek–Khinchine, MVA, …) need.
//!
//! All times are `f64` seconds internally.
//!
//! # Syntax
//!
//! A duration is a number followed by a unit: `500us` (or `500µs`), `20ms`,
//! `1.5s`, `5m`, `1h`, `30d`. A distribution is `family(arg, …)`:
//!
//! | text                            | meaning                                              |
//! |---------------------------------|------------------------------------------------------|
//! | `const(20ms)`                   | always 20 ms                                         |
//! | `exp(40ms)`                     | exponential with mean 40 ms                          |
//! | `uniform(1s, 3s)`               | uniform on [1 s, 3 s)                                |
//! | `normal(100ms, 20ms)`           | normal(mean, sd), truncated at zero                  |
//! | `lognormal(mean=40ms, cv=1.5)`  | lognormal by mean and coefficient of variation       |
//! | `gamma(2, 40ms)`                | gamma with shape k = 2 and mean 40 ms                |
//! | `erlang(3, 40ms)`               | gamma with a whole-number shape                      |
//! | `weibull(1.5, 30ms)`            | Weibull(shape, scale)                                |
//! | `empirical(10ms:0.5, 20ms:0.5)` | discrete values with weights (none: equal weights)   |
//!
//! Arguments are positional or named (`mean=`, `sd=`, `cv=`, `k=`/`shape=`,
//! `scale=`, `min=`, `max=`, `value=`); named ones come after positional
//! ones. A bare duration such as `20ms` means `const(20ms)`.
//! [`Dist::parse_unitless`] accepts the same families with plain numbers,
//! for counts.

use std::f64::consts::{PI, SQRT_2};
use std::fmt;
use std::str::FromStr;

use rand::RngExt;
use rand_distr::{Distribution, Exp1, Gamma, LogNormal, StandardNormal};

use crate::engine::Stream;

/// What a duration must look like; ends every duration error.
const DURATION_HINT: &str =
    "expected a number followed by a unit (us, ms, s, m, h, d), like 500ms or 1.5s";

/// Why some text could not be read as a distribution or a duration.
///
/// Every message quotes the offending text and says what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DistError {
    /// A duration such as `20ms` could not be read.
    #[error("bad duration \"{text}\": {reason}")]
    Duration { text: String, reason: String },
    /// The family name is not one of the known ones.
    #[error("unknown distribution \"{text}\": expected one of {expected}")]
    UnknownFamily { text: String, expected: String },
    /// The family is known but its arguments are wrong.
    #[error("bad distribution \"{text}\": {reason}")]
    Invalid { text: String, reason: String },
}

// ---------------------------------------------------------------------------
// Durations
// ---------------------------------------------------------------------------

/// How a unit converts to seconds. Sub-second units divide, so that `20ms`
/// gives exactly the double nearest to 0.02 (as `0.02s` does).
#[derive(Clone, Copy)]
enum Scale {
    Div(f64),
    Mul(f64),
}

impl Scale {
    fn to_seconds(self, v: f64) -> f64 {
        match self {
            Scale::Div(f) => v / f,
            Scale::Mul(f) => v * f,
        }
    }

    fn in_unit(self, secs: f64) -> f64 {
        match self {
            Scale::Div(f) => secs * f,
            Scale::Mul(f) => secs / f,
        }
    }
}

/// The canonical units, smallest first.
const UNITS: [(&str, Scale); 6] = [
    ("us", Scale::Div(1e6)),
    ("ms", Scale::Div(1e3)),
    ("s", Scale::Mul(1.0)),
    ("m", Scale::Mul(60.0)),
    ("h", Scale::Mul(3600.0)),
    ("d", Scale::Mul(86400.0)),
];

fn unit_scale(suffix: &str) -> Option<Scale> {
    // U+00B5 MICRO SIGN and U+03BC GREEK SMALL LETTER MU both mean micro.
    let suffix = match suffix {
        "µs" | "μs" => "us",
        other => other,
    };
    UNITS
        .iter()
        .find(|(s, _)| *s == suffix)
        .map(|&(_, scale)| scale)
}

/// What is wrong with a (possibly signed) duration.
enum DurationProblem {
    Malformed,
    MissingUnit,
    UnknownUnit(String),
    Negative,
    TooLarge,
}

impl DurationProblem {
    fn reason(&self) -> String {
        match self {
            DurationProblem::Malformed => DURATION_HINT.to_string(),
            DurationProblem::MissingUnit => format!("missing unit; {DURATION_HINT}"),
            DurationProblem::UnknownUnit(u) => format!("unknown unit \"{u}\"; {DURATION_HINT}"),
            DurationProblem::Negative => format!("durations cannot be negative; {DURATION_HINT}"),
            DurationProblem::TooLarge => format!("too large; {DURATION_HINT}"),
        }
    }
}

/// Reads a duration that may be negative (distribution arguments are checked
/// by the family, which gives the better message).
fn read_duration(text: &str) -> Result<f64, DurationProblem> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '+' | '-' | 'e' | 'E')))
        .unwrap_or(t.len());
    let (number, unit) = (&t[..split], t[split..].trim());
    let value: f64 = number.parse().map_err(|_| DurationProblem::Malformed)?;
    if unit.is_empty() {
        return Err(DurationProblem::MissingUnit);
    }
    let scale = unit_scale(unit).ok_or_else(|| DurationProblem::UnknownUnit(unit.to_string()))?;
    let secs = scale.to_seconds(value);
    if !secs.is_finite() {
        return Err(DurationProblem::TooLarge);
    }
    // `+ 0.0` turns -0 into +0.
    Ok(secs + 0.0)
}

/// Parses a non-negative duration such as `500us`, `20ms`, `1.5s`, `5m`,
/// `1h` or `30d` (also `µs`) into seconds. Whitespace around the text and
/// between number and unit is allowed.
pub fn parse_duration(text: &str) -> Result<f64, DistError> {
    let error = |problem: DurationProblem| DistError::Duration {
        text: text.trim().to_string(),
        reason: problem.reason(),
    };
    let secs = read_duration(text).map_err(error)?;
    if secs < 0.0 {
        return Err(error(DurationProblem::Negative));
    }
    Ok(secs)
}

/// Reads an error-rate limit written as a percentage (`"0.1%"`, `"5 %"`)
/// and returns it as a fraction. Allowed: 0 % up to, not including,
/// 100 % (an objective of 100 % errors could never be missed).
pub fn parse_percent(text: &str) -> Result<f64, String> {
    const ALLOWED: &str =
        "allowed: a percentage from \"0%\" up to, not including, \"100%\", such as \"0.1%\"";
    let t = text.trim();
    let Some(number) = t.strip_suffix('%') else {
        return Err(format!(
            "expected a percentage with a % sign, got \"{t}\"; {ALLOWED}"
        ));
    };
    let v: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("\"{t}\" is not a percentage; {ALLOWED}"))?;
    if !(v.is_finite() && (0.0..100.0).contains(&v)) {
        return Err(format!("\"{t}\" is out of range; {ALLOWED}"));
    }
    Ok(v / 100.0)
}

/// Formats seconds with a readable unit, such that [`parse_duration`] gives
/// back exactly `secs` (for finite, non-negative input).
///
/// Among the units whose text round-trips exactly, it prefers a value of at
/// least 1 (`500ms` over `0.5s`) and then the shortest text (`90s` over
/// `1.5m`, `2m` over `120s`). Plain seconds always round-trip, since Rust
/// prints the shortest decimal that reads back as the same `f64`. Negative
/// values get a leading `-`; NaN and infinities print as `NaN`, `inf`, `-inf`.
pub fn format_duration(secs: f64) -> String {
    if !secs.is_finite() {
        return secs.to_string();
    }
    if secs < 0.0 {
        return format!("-{}", format_duration(-secs));
    }
    if secs == 0.0 {
        return "0s".to_string();
    }
    let mut best: Option<((bool, usize), String)> = None;
    for (suffix, scale) in UNITS {
        let value = scale.in_unit(secs);
        if !value.is_finite() || value == 0.0 {
            continue;
        }
        let text = format!("{value}{suffix}");
        if scale.to_seconds(value) != secs {
            continue;
        }
        let key = (value < 1.0, text.len());
        if best.as_ref().is_none_or(|(k, _)| key <= *k) {
            best = Some((key, text));
        }
    }
    best.map_or_else(|| format!("{secs}s"), |(_, text)| text)
}

// ---------------------------------------------------------------------------
// Families and their parameters
// ---------------------------------------------------------------------------

/// Whether a distribution's values are durations or plain numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Unit {
    /// Durations, in seconds; text needs units (`40ms`).
    Seconds,
    /// Plain numbers such as counts; text has no units (`exp(2.5)`).
    Plain,
}

impl Unit {
    fn noun(self) -> &'static str {
        match self {
            Unit::Seconds => "duration",
            Unit::Plain => "number",
        }
    }

    fn format(self, value: f64) -> String {
        match self {
            Unit::Seconds => format_duration(value),
            Unit::Plain => value.to_string(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    Const,
    Exp,
    Uniform,
    Normal,
    LogNormal,
    Gamma,
    Erlang,
    Weibull,
    Empirical,
}

/// Whether a parameter carries the distribution's unit (a time) or is a
/// plain number whatever the unit (a shape, a cv).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Value,
    Number,
}

struct Param {
    name: &'static str,
    alias: Option<&'static str>,
    kind: Kind,
}

impl Param {
    const fn value(name: &'static str, alias: Option<&'static str>) -> Param {
        Param {
            name,
            alias,
            kind: Kind::Value,
        }
    }

    const fn number(name: &'static str, alias: Option<&'static str>) -> Param {
        Param {
            name,
            alias,
            kind: Kind::Number,
        }
    }

    fn is_called(&self, key: &str) -> bool {
        key.eq_ignore_ascii_case(self.name)
            || self.alias.is_some_and(|a| key.eq_ignore_ascii_case(a))
    }
}

impl Family {
    const ALL: [Family; 9] = [
        Family::Const,
        Family::Exp,
        Family::Uniform,
        Family::Normal,
        Family::LogNormal,
        Family::Gamma,
        Family::Erlang,
        Family::Weibull,
        Family::Empirical,
    ];

    fn name(self) -> &'static str {
        match self {
            Family::Const => "const",
            Family::Exp => "exp",
            Family::Uniform => "uniform",
            Family::Normal => "normal",
            Family::LogNormal => "lognormal",
            Family::Gamma => "gamma",
            Family::Erlang => "erlang",
            Family::Weibull => "weibull",
            Family::Empirical => "empirical",
        }
    }

    fn from_name(name: &str) -> Option<Family> {
        Family::ALL
            .into_iter()
            .find(|f| name.eq_ignore_ascii_case(f.name()))
    }

    /// Parameters in positional order (empirical is variadic: none here).
    fn params(self) -> &'static [Param] {
        const CONST: [Param; 1] = [Param::value("value", Some("mean"))];
        const EXP: [Param; 1] = [Param::value("mean", None)];
        const UNIFORM: [Param; 2] = [Param::value("min", None), Param::value("max", None)];
        const NORMAL: [Param; 2] = [Param::value("mean", None), Param::value("sd", None)];
        const LOGNORMAL: [Param; 2] = [Param::value("mean", None), Param::number("cv", None)];
        const GAMMA: [Param; 2] = [
            Param::number("k", Some("shape")),
            Param::value("mean", None),
        ];
        const ERLANG: [Param; 2] = [Param::number("k", None), Param::value("mean", None)];
        const WEIBULL: [Param; 2] = [
            Param::number("shape", Some("k")),
            Param::value("scale", None),
        ];
        match self {
            Family::Const => &CONST,
            Family::Exp => &EXP,
            Family::Uniform => &UNIFORM,
            Family::Normal => &NORMAL,
            Family::LogNormal => &LOGNORMAL,
            Family::Gamma => &GAMMA,
            Family::Erlang => &ERLANG,
            Family::Weibull => &WEIBULL,
            Family::Empirical => &[],
        }
    }

    /// Whether canonical text names the arguments (`lognormal(mean=…, cv=…)`,
    /// whose positional form is easy to misread).
    fn displays_names(self) -> bool {
        self == Family::LogNormal
    }

    fn example(self, unit: Unit) -> &'static str {
        let (seconds, plain) = match self {
            Family::Const => ("const(20ms)", "const(3)"),
            Family::Exp => ("exp(40ms)", "exp(2.5)"),
            Family::Uniform => ("uniform(1s,3s)", "uniform(1,3)"),
            Family::Normal => ("normal(100ms,20ms)", "normal(10,2)"),
            Family::LogNormal => ("lognormal(mean=40ms,cv=1.5)", "lognormal(mean=4,cv=1.5)"),
            Family::Gamma => ("gamma(2,40ms)", "gamma(2,4)"),
            Family::Erlang => ("erlang(3,40ms)", "erlang(3,4)"),
            Family::Weibull => ("weibull(1.5,30ms)", "weibull(1.5,3)"),
            Family::Empirical => ("empirical(10ms:0.5,20ms:0.5)", "empirical(1:0.5,2:0.5)"),
        };
        match unit {
            Unit::Seconds => seconds,
            Unit::Plain => plain,
        }
    }

    /// `exp(mean), like exp(40ms)`.
    fn usage(self, unit: Unit) -> String {
        let names: Vec<&str> = self.params().iter().map(|p| p.name).collect();
        let args = if self == Family::Empirical {
            "value:weight, …".to_string()
        } else {
            names.join(", ")
        };
        format!("{}({args}), like {}", self.name(), self.example(unit))
    }

    fn all_examples(unit: Unit) -> String {
        let examples: Vec<&str> = Family::ALL.iter().map(|f| f.example(unit)).collect();
        examples.join(", ")
    }
}

/// Writes `family(arg, …)` with each argument formatted for its kind.
fn render(family: Family, args: &[f64], unit: Unit) -> String {
    let parts: Vec<String> = family
        .params()
        .iter()
        .zip(args)
        .map(|(param, &v)| {
            let value = match param.kind {
                Kind::Value => unit.format(v),
                Kind::Number => v.to_string(),
            };
            if family.displays_names() {
                format!("{}={value}", param.name)
            } else {
                value
            }
        })
        .collect();
    format!("{}({})", family.name(), parts.join(", "))
}

/// Writes `empirical(v:w, …)`, or `empirical(v, …)` when every weight is 1.
fn render_empirical(points: &[(f64, f64)], unit: Unit) -> String {
    let unweighted = points.iter().all(|&(_, w)| w == 1.0);
    let parts: Vec<String> = points
        .iter()
        .map(|&(v, w)| {
            if unweighted {
                unit.format(v)
            } else {
                format!("{}:{w}", unit.format(v))
            }
        })
        .collect();
    format!("empirical({})", parts.join(", "))
}

// ---------------------------------------------------------------------------
// The distribution
// ---------------------------------------------------------------------------

/// Sampler state precomputed from a variant's parameters. Only this module
/// can build one, so a variant carrying it was built (and validated) by
/// [`Dist::parse`] or a constructor and its sampler matches its parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Prebuilt<T>(T);

/// A non-negative distribution: of durations in seconds, or of plain numbers
/// (see [`Unit`]).
///
/// Build one with [`Dist::parse`], [`Dist::parse_unitless`] or a constructor
/// ([`Dist::exp`], …), which validate the parameters; the fields are public
/// for inspection (an analytic model may check for `Dist::Exp`). Parameters
/// are kept as given, so [`Display`](fmt::Display) prints them back exactly
/// and `Dist::parse(&d.to_string()) == Ok(d)`.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    /// Always `value`.
    Const { value: f64, unit: Unit },
    /// Exponential with the given mean.
    Exp { mean: f64, unit: Unit },
    /// Uniform on `[min, max)`.
    Uniform { min: f64, max: f64, unit: Unit },
    /// Normal with parameters `mean` and `sd`, truncated at zero by
    /// rejection: its actual mean is larger than `mean` (see [`Dist::mean`]).
    Normal { mean: f64, sd: f64, unit: Unit },
    /// Lognormal with the given mean and coefficient of variation.
    LogNormal {
        mean: f64,
        cv: f64,
        unit: Unit,
        sampler: Prebuilt<LogNormal<f64>>,
    },
    /// Gamma with shape `k` and the given mean (scale `mean / k`).
    Gamma {
        k: f64,
        mean: f64,
        unit: Unit,
        sampler: Prebuilt<Gamma<f64>>,
    },
    /// Erlang: gamma with a whole-number shape `k`.
    Erlang {
        k: u32,
        mean: f64,
        unit: Unit,
        sampler: Prebuilt<Gamma<f64>>,
    },
    /// Weibull with the given shape and scale.
    Weibull { shape: f64, scale: f64, unit: Unit },
    /// Discrete `(value, weight)` points; weights as given, not normalized.
    Empirical {
        points: Vec<(f64, f64)>,
        unit: Unit,
        /// Normalized cumulative weights; the last is exactly 1.
        cumulative: Prebuilt<Box<[f64]>>,
    },
}

impl Dist {
    /// Parses a distribution of durations, such as `exp(40ms)`; every time
    /// value needs a unit. A bare duration such as `20ms` is a constant.
    pub fn parse(text: &str) -> Result<Dist, DistError> {
        parse_with(text, Unit::Seconds)
    }

    /// Parses a distribution of plain numbers (counts), such as `exp(2.5)`
    /// or `empirical(1:0.7, 2:0.3)`. A bare number is a constant.
    pub fn parse_unitless(text: &str) -> Result<Dist, DistError> {
        parse_with(text, Unit::Plain)
    }

    /// Always `value` (>= 0).
    pub fn constant(value: f64) -> Result<Dist, DistError> {
        build(Family::Const, &[value], Unit::Seconds)
    }

    /// Exponential with the given mean (> 0).
    pub fn exp(mean: f64) -> Result<Dist, DistError> {
        build(Family::Exp, &[mean], Unit::Seconds)
    }

    /// Uniform on `[min, max)`, `0 <= min <= max`.
    pub fn uniform(min: f64, max: f64) -> Result<Dist, DistError> {
        build(Family::Uniform, &[min, max], Unit::Seconds)
    }

    /// Normal(mean, sd) truncated at zero; `mean >= 0`, `sd >= 0`.
    pub fn normal(mean: f64, sd: f64) -> Result<Dist, DistError> {
        build(Family::Normal, &[mean, sd], Unit::Seconds)
    }

    /// Lognormal with the given mean (> 0) and coefficient of variation
    /// (>= 0; 0 is a constant).
    pub fn lognormal(mean: f64, cv: f64) -> Result<Dist, DistError> {
        build(Family::LogNormal, &[mean, cv], Unit::Seconds)
    }

    /// Gamma with shape `k` (> 0) and the given mean (> 0).
    pub fn gamma(k: f64, mean: f64) -> Result<Dist, DistError> {
        build(Family::Gamma, &[k, mean], Unit::Seconds)
    }

    /// Erlang with `k` (>= 1) phases and the given total mean (> 0).
    pub fn erlang(k: u32, mean: f64) -> Result<Dist, DistError> {
        build(Family::Erlang, &[f64::from(k), mean], Unit::Seconds)
    }

    /// Weibull with the given shape (> 0) and scale (> 0).
    pub fn weibull(shape: f64, scale: f64) -> Result<Dist, DistError> {
        build(Family::Weibull, &[shape, scale], Unit::Seconds)
    }

    /// Discrete `(value, weight)` points: values >= 0, weights > 0 (they
    /// need not sum to 1).
    pub fn empirical(points: Vec<(f64, f64)>) -> Result<Dist, DistError> {
        let text = render_empirical(&points, Unit::Seconds);
        try_empirical(points, Unit::Seconds).map_err(|reason| DistError::Invalid { text, reason })
    }

    /// The same distribution, marked as durations or plain numbers (this
    /// changes only how it is printed).
    pub fn with_unit(mut self, new_unit: Unit) -> Dist {
        match &mut self {
            Dist::Const { unit, .. }
            | Dist::Exp { unit, .. }
            | Dist::Uniform { unit, .. }
            | Dist::Normal { unit, .. }
            | Dist::LogNormal { unit, .. }
            | Dist::Gamma { unit, .. }
            | Dist::Erlang { unit, .. }
            | Dist::Weibull { unit, .. }
            | Dist::Empirical { unit, .. } => *unit = new_unit,
        }
        self
    }

    /// Whether values are durations or plain numbers.
    pub fn unit(&self) -> Unit {
        match self {
            Dist::Const { unit, .. }
            | Dist::Exp { unit, .. }
            | Dist::Uniform { unit, .. }
            | Dist::Normal { unit, .. }
            | Dist::LogNormal { unit, .. }
            | Dist::Gamma { unit, .. }
            | Dist::Erlang { unit, .. }
            | Dist::Weibull { unit, .. }
            | Dist::Empirical { unit, .. } => *unit,
        }
    }

    /// Draws one value (>= 0 and finite). Deterministic cases (`const`,
    /// `sd = 0`, `cv = 0`, `min = max`, a single empirical value) draw no
    /// random number at all; no case allocates. Always inlined: a request
    /// draws five or more values, and the call costs about as much as a
    /// constant or exponential draw.
    #[inline(always)]
    pub fn sample(&self, rng: &mut Stream) -> f64 {
        match self {
            Dist::Const { value, .. } => *value,
            Dist::Exp { mean, .. } => {
                let e: f64 = Exp1.sample(rng);
                mean * e
            }
            Dist::Uniform { min, max, .. } => {
                if min == max {
                    *min
                } else {
                    min + (max - min) * rng.random::<f64>()
                }
            }
            Dist::Normal { mean, sd, .. } => {
                if *sd == 0.0 {
                    return *mean;
                }
                // mean >= 0, so at least half of the draws are accepted.
                loop {
                    let z: f64 = StandardNormal.sample(rng);
                    let x = mean + sd * z;
                    if x >= 0.0 {
                        return x;
                    }
                }
            }
            Dist::LogNormal {
                mean, cv, sampler, ..
            } => {
                if *cv == 0.0 {
                    *mean
                } else {
                    sampler.0.sample(rng)
                }
            }
            Dist::Gamma { sampler, .. } | Dist::Erlang { sampler, .. } => sampler.0.sample(rng),
            Dist::Weibull { shape, scale, .. } => {
                // Inverse transform on an Exp(1) draw (ziggurat, never infinite).
                let e: f64 = Exp1.sample(rng);
                scale * e.powf(shape.recip())
            }
            Dist::Empirical {
                points, cumulative, ..
            } => {
                if let [(value, _)] = points.as_slice() {
                    return *value;
                }
                let u = rng.random::<f64>();
                let i = cumulative.0.partition_point(|&c| c <= u);
                points[i.min(points.len() - 1)].0
            }
        }
    }

    /// The exact mean. For `normal` it is the mean after truncation at
    /// zero, `mean + sd·φ(α)/(1 − Φ(α))` with `α = −mean/sd`.
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Const { value, .. } => *value,
            Dist::Exp { mean, .. }
            | Dist::LogNormal { mean, .. }
            | Dist::Gamma { mean, .. }
            | Dist::Erlang { mean, .. } => *mean,
            Dist::Uniform { min, max, .. } => min + 0.5 * (max - min),
            Dist::Normal { mean, sd, .. } => truncated_normal(*mean, *sd).0,
            Dist::Weibull { shape, scale, .. } => scale * gamma_fn(1.0 + shape.recip()),
            Dist::Empirical { points, .. } => empirical_moments(points).0,
        }
    }

    /// The exact variance.
    pub fn variance(&self) -> f64 {
        match self {
            Dist::Const { .. } => 0.0,
            Dist::Exp { mean, .. } => mean * mean,
            Dist::Uniform { min, max, .. } => (max - min).powi(2) / 12.0,
            Dist::Normal { mean, sd, .. } => truncated_normal(*mean, *sd).1,
            Dist::LogNormal { mean, cv, .. } => (mean * cv).powi(2),
            Dist::Gamma { k, mean, .. } => mean * mean / k,
            Dist::Erlang { k, mean, .. } => mean * mean / f64::from(*k),
            Dist::Weibull { shape, scale, .. } => {
                // Var = scale²·(Γ(1+2/k) − Γ(1+1/k)²), written to keep
                // precision when the two terms are close (large shapes).
                let g1 = ln_gamma(1.0 + shape.recip());
                let g2 = ln_gamma(1.0 + 2.0 * shape.recip());
                let var = (scale * g1.exp()).powi(2) * (g2 - 2.0 * g1).exp_m1();
                var.max(0.0)
            }
            Dist::Empirical { points, .. } => empirical_moments(points).1,
        }
    }

    /// The exact second moment E[S²] = variance + mean².
    pub fn second_moment(&self) -> f64 {
        let mean = self.mean();
        self.variance() + mean * mean
    }

    /// The squared coefficient of variation, variance / mean² (0 when the
    /// mean is 0).
    pub fn scv(&self) -> f64 {
        // Scale-free where the family allows, so that even absurdly small
        // means (whose square underflows) give the right answer.
        match self {
            Dist::Exp { .. } => 1.0,
            Dist::LogNormal { cv, .. } => cv * cv,
            Dist::Gamma { k, .. } => k.recip(),
            Dist::Erlang { k, .. } => f64::from(*k).recip(),
            Dist::Weibull { shape, .. } => {
                let g1 = ln_gamma(1.0 + shape.recip());
                let g2 = ln_gamma(1.0 + 2.0 * shape.recip());
                (g2 - 2.0 * g1).exp_m1().max(0.0)
            }
            _ => {
                let mean = self.mean();
                if mean > 0.0 {
                    (self.variance().sqrt() / mean).powi(2)
                } else {
                    0.0
                }
            }
        }
    }

    /// Whether every sample is the same value.
    pub fn is_deterministic(&self) -> bool {
        match self {
            Dist::Const { .. } => true,
            Dist::Uniform { min, max, .. } => min == max,
            Dist::Normal { sd, .. } => *sd == 0.0,
            Dist::LogNormal { cv, .. } => *cv == 0.0,
            Dist::Empirical { points, .. } => points.iter().all(|p| p.0 == points[0].0),
            Dist::Exp { .. } | Dist::Gamma { .. } | Dist::Erlang { .. } | Dist::Weibull { .. } => {
                false
            }
        }
    }

    /// The family and positional arguments (all but empirical).
    fn family_args(&self) -> (Family, [f64; 2]) {
        match self {
            Dist::Const { value, .. } => (Family::Const, [*value, 0.0]),
            Dist::Exp { mean, .. } => (Family::Exp, [*mean, 0.0]),
            Dist::Uniform { min, max, .. } => (Family::Uniform, [*min, *max]),
            Dist::Normal { mean, sd, .. } => (Family::Normal, [*mean, *sd]),
            Dist::LogNormal { mean, cv, .. } => (Family::LogNormal, [*mean, *cv]),
            Dist::Gamma { k, mean, .. } => (Family::Gamma, [*k, *mean]),
            Dist::Erlang { k, mean, .. } => (Family::Erlang, [f64::from(*k), *mean]),
            Dist::Weibull { shape, scale, .. } => (Family::Weibull, [*shape, *scale]),
            Dist::Empirical { .. } => (Family::Empirical, [0.0; 2]),
        }
    }
}

impl fmt::Display for Dist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Dist::Empirical { points, unit, .. } => render_empirical(points, *unit),
            _ => {
                let (family, args) = self.family_args();
                render(family, &args[..family.params().len()], self.unit())
            }
        };
        f.write_str(&text)
    }
}

impl FromStr for Dist {
    type Err = DistError;

    fn from_str(text: &str) -> Result<Dist, DistError> {
        Dist::parse(text)
    }
}

// ---------------------------------------------------------------------------
// Building and validating
// ---------------------------------------------------------------------------

/// Builds a non-empirical distribution; errors quote its canonical text.
fn build(family: Family, args: &[f64], unit: Unit) -> Result<Dist, DistError> {
    try_build(family, args, unit).map_err(|reason| DistError::Invalid {
        text: render(family, args, unit),
        reason,
    })
}

/// Validates `args` (in positional order) and builds the distribution; the
/// error is the reason only.
fn try_build(family: Family, args: &[f64], unit: Unit) -> Result<Dist, String> {
    let what = unit.noun();
    if args.iter().any(|a| !a.is_finite()) {
        return Err("every parameter must be a finite number".to_string());
    }
    let check = |ok: bool, reason: String| if ok { Ok(()) } else { Err(reason) };
    let positive_mean =
        |mean: f64| check(mean > 0.0, format!("the mean must be a positive {what}"));
    // `+ 0.0` turns -0 into +0 so that it prints as `0s`.
    let dist = match *args {
        [value] if family == Family::Const => {
            check(
                value >= 0.0,
                format!("the value must be a non-negative {what}"),
            )?;
            Dist::Const {
                value: value + 0.0,
                unit,
            }
        }
        [mean] if family == Family::Exp => {
            positive_mean(mean)?;
            Dist::Exp { mean, unit }
        }
        [min, max] if family == Family::Uniform => {
            check(min >= 0.0, format!("min must be a non-negative {what}"))?;
            check(min <= max, "min must not exceed max".to_string())?;
            Dist::Uniform {
                min: min + 0.0,
                max: max + 0.0,
                unit,
            }
        }
        [mean, sd] if family == Family::Normal => {
            check(
                mean >= 0.0,
                format!("the mean must be a non-negative {what} (the normal is truncated at zero)"),
            )?;
            check(sd >= 0.0, format!("sd must be a non-negative {what}"))?;
            Dist::Normal {
                mean: mean + 0.0,
                sd: sd + 0.0,
                unit,
            }
        }
        [mean, cv] if family == Family::LogNormal => {
            positive_mean(mean)?;
            check(cv >= 0.0, "cv must not be negative".to_string())?;
            // sigma² = ln(1 + cv²), mu = ln(mean) − sigma²/2.
            let sigma2 = cv.mul_add(cv, 1.0).ln();
            let mu = mean.ln() - 0.5 * sigma2;
            let sampler = LogNormal::new(mu, sigma2.sqrt())
                .map_err(|e| format!("mean and cv out of range ({e})"))?;
            Dist::LogNormal {
                mean,
                cv: cv + 0.0,
                unit,
                sampler: Prebuilt(sampler),
            }
        }
        [k, mean] if family == Family::Gamma => {
            check(k > 0.0, "k (the shape) must be positive".to_string())?;
            positive_mean(mean)?;
            Dist::Gamma {
                k,
                mean,
                unit,
                sampler: Prebuilt(gamma_sampler(k, mean)?),
            }
        }
        [k, mean] if family == Family::Erlang => {
            check(
                k >= 1.0 && k.fract() == 0.0 && k <= f64::from(u32::MAX),
                "k must be a whole number of phases, at least 1".to_string(),
            )?;
            positive_mean(mean)?;
            Dist::Erlang {
                // Exact: k is a whole number within u32.
                k: k as u32,
                mean,
                unit,
                sampler: Prebuilt(gamma_sampler(k, mean)?),
            }
        }
        [shape, scale] if family == Family::Weibull => {
            check(shape > 0.0, "shape must be positive".to_string())?;
            check(scale > 0.0, format!("scale must be a positive {what}"))?;
            Dist::Weibull { shape, scale, unit }
        }
        _ => unreachable!("{} called with {} arguments", family.name(), args.len()),
    };
    check_moments(dist)
}

fn gamma_sampler(k: f64, mean: f64) -> Result<Gamma<f64>, String> {
    Gamma::new(k, mean / k).map_err(|e| format!("k and mean out of range ({e})"))
}

fn try_empirical(points: Vec<(f64, f64)>, unit: Unit) -> Result<Dist, String> {
    if points.is_empty() {
        return Err("needs at least one value".to_string());
    }
    let what = unit.noun();
    let mut running = 0.0;
    let mut cumulative = Vec::with_capacity(points.len());
    for &(value, weight) in &points {
        if !(value.is_finite() && value >= 0.0) {
            return Err(format!("every value must be a finite, non-negative {what}"));
        }
        if !(weight.is_finite() && weight > 0.0) {
            return Err("every weight must be a finite, positive number".to_string());
        }
        running += weight;
        cumulative.push(running);
    }
    if !running.is_finite() {
        return Err("the weights are too large: their sum overflows".to_string());
    }
    for c in &mut cumulative {
        *c /= running;
    }
    // Guard against rounding: the last bucket must catch every u < 1.
    if let Some(last) = cumulative.last_mut() {
        *last = 1.0;
    }
    let points = points.into_iter().map(|(v, w)| (v + 0.0, w)).collect();
    check_moments(Dist::Empirical {
        points,
        unit,
        cumulative: Prebuilt(cumulative.into_boxed_slice()),
    })
}

/// Rejects parameters so extreme that the moments overflow (the simulator
/// and the analytic models both need them finite).
fn check_moments(dist: Dist) -> Result<Dist, String> {
    if dist.mean().is_finite() && dist.second_moment().is_finite() {
        Ok(dist)
    } else {
        Err("parameters too extreme: the mean or the second moment E[S²] overflows".to_string())
    }
}

/// Mean and variance of points weighted by their (unnormalized) weights.
fn empirical_moments(points: &[(f64, f64)]) -> (f64, f64) {
    let total: f64 = points.iter().map(|p| p.1).sum();
    let mean = points.iter().map(|&(v, w)| v * (w / total)).sum::<f64>();
    let var = points
        .iter()
        .map(|&(v, w)| (v - mean).powi(2) * (w / total))
        .sum::<f64>();
    (mean, var)
}

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------

fn parse_with(text: &str, unit: Unit) -> Result<Dist, DistError> {
    let t = text.trim();
    let invalid = |reason: String| DistError::Invalid {
        text: t.to_string(),
        reason,
    };
    let Some(open) = t.find('(') else {
        return parse_bare(t, unit);
    };
    let Some(family) = Family::from_name(t[..open].trim()) else {
        return Err(DistError::UnknownFamily {
            text: t.to_string(),
            expected: Family::all_examples(unit),
        });
    };
    let Some(body) = t[open + 1..].strip_suffix(')') else {
        return Err(invalid(format!(
            "expected a closing \")\" at the end; use {}",
            family.usage(unit)
        )));
    };
    if body.contains(['(', ')']) {
        return Err(invalid(format!(
            "unexpected parenthesis inside the arguments; use {}",
            family.usage(unit)
        )));
    }
    let args: Vec<&str> = if body.trim().is_empty() {
        Vec::new()
    } else {
        body.split(',').map(str::trim).collect()
    };
    if args.iter().any(|a| a.is_empty()) {
        return Err(invalid(format!(
            "empty argument (stray comma?); use {}",
            family.usage(unit)
        )));
    }
    let result = if family == Family::Empirical {
        parse_empirical(&args, unit).and_then(|points| try_empirical(points, unit))
    } else {
        parse_args(family, &args, unit).and_then(|values| try_build(family, &values, unit))
    };
    result.map_err(invalid)
}

/// Text without parentheses: a constant such as `20ms` (or `3` unitless),
/// or a mistake.
fn parse_bare(t: &str, unit: Unit) -> Result<Dist, DistError> {
    let invalid = |reason: String| DistError::Invalid {
        text: t.to_string(),
        reason,
    };
    if t.is_empty() {
        return Err(invalid(format!(
            "expected a distribution, one of {}",
            Family::all_examples(unit)
        )));
    }
    if let Some(family) = Family::from_name(t) {
        return Err(invalid(format!(
            "missing arguments; use {}",
            family.usage(unit)
        )));
    }
    if !t.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '.' | '+' | '-')) {
        return Err(DistError::UnknownFamily {
            text: t.to_string(),
            expected: Family::all_examples(unit),
        });
    }
    let value = match unit {
        Unit::Seconds => parse_duration(t)?,
        Unit::Plain => plain_number("the value", t).map_err(invalid)?,
    };
    build(Family::Const, &[value], unit).map_err(|e| match e {
        DistError::Invalid { reason, .. } => invalid(reason),
        other => other,
    })
}

/// Parses the arguments of a non-empirical family into positional order.
fn parse_args(family: Family, args: &[&str], unit: Unit) -> Result<Vec<f64>, String> {
    let params = family.params();
    let usage = || family.usage(unit);
    let mut slots: Vec<Option<f64>> = vec![None; params.len()];
    let mut named_seen = false;
    for (i, arg) in args.iter().enumerate() {
        let (slot, raw) = match arg.split_once('=') {
            Some((key, raw)) => {
                named_seen = true;
                let key = key.trim();
                let slot = params
                    .iter()
                    .position(|p| p.is_called(key))
                    .ok_or_else(|| format!("unknown parameter \"{key}\"; use {}", usage()))?;
                (slot, raw.trim())
            }
            None if named_seen => {
                return Err(format!(
                    "positional argument \"{arg}\" after a named one; use {}",
                    usage()
                ));
            }
            None if i >= params.len() => {
                return Err(format!("too many arguments; use {}", usage()));
            }
            None => (i, *arg),
        };
        let param = &params[slot];
        if slots[slot].is_some() {
            return Err(format!("{} given twice; use {}", param.name, usage()));
        }
        let value = match param.kind {
            Kind::Value => unit_value(param.name, raw, unit)?,
            Kind::Number => plain_number(param.name, raw)?,
        };
        slots[slot] = Some(value);
    }
    params
        .iter()
        .zip(slots)
        .map(|(p, v)| v.ok_or_else(|| format!("missing {}; use {}", p.name, usage())))
        .collect()
}

/// `value` or `value:weight` for each argument; all weighted or none.
fn parse_empirical(args: &[&str], unit: Unit) -> Result<Vec<(f64, f64)>, String> {
    let usage = || Family::Empirical.usage(unit);
    if args.is_empty() {
        return Err(format!("needs at least one value; use {}", usage()));
    }
    let weighted = args[0].contains(':');
    args.iter()
        .map(|arg| match arg.split_once(':') {
            Some((value, weight)) if weighted => Ok((
                unit_value("value", value.trim(), unit)?,
                plain_number("weight", weight.trim())?,
            )),
            None if !weighted => Ok((unit_value("value", arg, unit)?, 1.0)),
            _ => Err(format!(
                "give every value a weight (10ms:0.5) or none (equal weights); use {}",
                usage()
            )),
        })
        .collect()
}

/// A parameter carrying the distribution's unit: a duration (which may be
/// negative here, so the family can say what it needs) or a plain number.
fn unit_value(name: &str, raw: &str, unit: Unit) -> Result<f64, String> {
    match unit {
        Unit::Plain => plain_number(name, raw),
        Unit::Seconds => read_duration(raw).map_err(|problem| match problem {
            DurationProblem::MissingUnit => {
                format!("{name} \"{raw}\" needs a unit (us, ms, s, m, h, d), like {raw}ms")
            }
            other => format!("{name} \"{raw}\": {}", other.reason()),
        }),
    }
}

/// A plain finite number (a shape, a cv, a weight, a unitless value).
fn plain_number(name: &str, raw: &str) -> Result<f64, String> {
    match raw.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v + 0.0),
        Ok(_) => Err(format!("{name} \"{raw}\" must be a finite number")),
        Err(_) if read_duration(raw).is_ok() => Err(format!(
            "{name} \"{raw}\" must be a plain number, without a unit"
        )),
        Err(_) => Err(format!("{name} \"{raw}\" is not a number")),
    }
}

// ---------------------------------------------------------------------------
// Special functions
// ---------------------------------------------------------------------------

/// Mean and variance of N(mu, sd²) conditioned on being >= 0 (`mu >= 0`).
///
/// With α = −mu/sd and the inverse Mills ratio λ = φ(α)/(1 − Φ(α)):
/// mean = mu + sd·λ, variance = sd²·(1 + αλ − λ²).
fn truncated_normal(mu: f64, sd: f64) -> (f64, f64) {
    if sd == 0.0 {
        return (mu, 0.0);
    }
    let alpha = -mu / sd;
    // 1 − Φ(α) = Φ(−α) = erfc(α/√2)/2, in [1/2, 1] since α <= 0.
    let kept = 0.5 * erfc(alpha / SQRT_2);
    let lambda = (-0.5 * alpha * alpha).exp() / (2.0 * PI).sqrt() / kept;
    if lambda == 0.0 {
        // The truncation is too far out to matter (and α may be −∞).
        return (mu, sd * sd);
    }
    let mean = mu + sd * lambda;
    let var = sd * sd * (1.0 + alpha * lambda - lambda * lambda);
    (mean, var.max(0.0))
}

/// The complementary error function: absolute error below 1e-15, relative
/// error below 2e-12 (worst just under 2.5, where `1 − erf` cancels). Only
/// absolute accuracy matters for [`truncated_normal`], whose Φ is in [1/2, 1].
///
/// For |x| < 2.5: erfc = 1 − erf with the all-positive series
/// erf(x) = 2/√π·e^(−x²)·Σ 2ⁿx^(2n+1)/(1·3·…·(2n+1)) (no cancellation).
/// For x >= 2.5: the continued fraction
/// erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))).
fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    if x < 2.5 {
        let x2 = x * x;
        let mut term = x;
        let mut sum = x;
        let mut n = 0.0;
        while term > sum * 1e-17 {
            n += 1.0;
            term *= 2.0 * x2 / (2.0 * n + 1.0);
            sum += term;
        }
        1.0 - 2.0 / PI.sqrt() * (-x2).exp() * sum
    } else {
        let mut tail = x;
        for n in (1..=60).rev() {
            tail = x + f64::from(n) * 0.5 / tail;
        }
        (-x * x).exp() / PI.sqrt() / tail
    }
}

/// ln Γ(x) for x >= 1/2, by the Lanczos approximation (g = 7, nine terms):
/// relative error about 1e-15, so Γ = exp(ln Γ) is good to about 1e-13 for
/// arguments up to a few hundred.
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEFFICIENTS: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    debug_assert!(x.is_nan() || x >= 0.5, "ln_gamma needs x >= 1/2, got {x}");
    let z = x - 1.0;
    let mut series = COEFFICIENTS[0];
    for (i, &c) in COEFFICIENTS.iter().enumerate().skip(1) {
        series += c / (z + i as f64);
    }
    let t = z + G + 0.5;
    0.5 * (2.0 * PI).ln() + (z + 0.5) * t.ln() - t + series.ln()
}

/// Γ(x) for x >= 1/2.
fn gamma_fn(x: f64) -> f64 {
    ln_gamma(x).exp()
}

#[cfg(test)]
mod tests {

    #[test]
    fn percentages_read_as_fractions() {
        assert_eq!(parse_percent("0.1%"), Ok(0.001));
        assert_eq!(parse_percent(" 5 % "), Ok(0.05));
        assert_eq!(parse_percent("0%"), Ok(0.0));
        for bad in ["0.1", "100%", "-1%", "x%", "%", "NaN%"] {
            assert!(parse_percent(bad).is_err(), "{bad}");
        }
    }

    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;

    fn d(text: &str) -> Dist {
        Dist::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn err(text: &str) -> String {
        match Dist::parse(text) {
            Ok(dist) => panic!("{text} was accepted as {dist:?}"),
            Err(e) => e.to_string(),
        }
    }

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * a.abs().max(b.abs())
    }

    // --- durations -------------------------------------------------------

    #[test]
    fn durations_in_every_unit() {
        for (text, secs) in [
            ("500us", 500e-6),
            ("500µs", 500e-6),
            ("500μs", 500e-6),
            ("20ms", 0.02),
            ("1.5s", 1.5),
            ("30s", 30.0),
            ("5m", 300.0),
            ("1h", 3600.0),
            ("30d", 30.0 * 86400.0),
            ("0s", 0.0),
            (" 20 ms ", 0.02),
            (".5s", 0.5),
            ("1e3ms", 1.0),
        ] {
            let got = parse_duration(text).unwrap();
            assert!(close(got, secs, 1e-15), "{text}: {got} != {secs}");
        }
        // Sub-second units divide: 20ms is exactly the double nearest 0.02.
        assert_eq!(parse_duration("20ms"), Ok(0.02));
        assert_eq!(parse_duration("-0s"), Ok(0.0));
        assert!(parse_duration("-0s").unwrap().is_sign_positive());
    }

    #[test]
    fn bad_durations_quote_the_text_and_list_units() {
        for (text, specific) in [
            ("20 parsecs", "unknown unit \"parsecs\""),
            ("20", "missing unit"),
            ("-5ms", "cannot be negative"),
            ("1e400s", "too large"),
            ("1e306d", "too large"),
            ("", ""),
            ("ms", ""),
            ("NaN", ""),
            ("nanms", ""),
            ("infs", ""),
            ("1.2.3s", ""),
            ("5 m s", "unknown unit"),
        ] {
            let e = parse_duration(text).unwrap_err().to_string();
            assert!(
                e.starts_with(&format!("bad duration \"{}\": ", text.trim())),
                "{e}"
            );
            assert!(e.contains(specific), "{e}");
            assert!(e.ends_with(DURATION_HINT), "{e}");
        }
        assert_eq!(
            parse_duration("20 parsecs").unwrap_err().to_string(),
            "bad duration \"20 parsecs\": unknown unit \"parsecs\"; expected a number \
             followed by a unit (us, ms, s, m, h, d), like 500ms or 1.5s"
        );
    }

    #[test]
    fn durations_format_readably() {
        for (secs, text) in [
            (0.0, "0s"),
            (500e-6, "500us"),
            (0.02, "20ms"),
            (0.5, "500ms"),
            (1.5, "1.5s"),
            (90.0, "90s"),
            (120.0, "2m"),
            (3600.0, "1h"),
            (30.0 * 86400.0, "30d"),
            (2e-6, "2us"),
            // 0.1us reads back as 1.0000000000000001e-7: no unit is exact but s.
            (1e-7, "0.0000001s"),
            (0.0015, "1.5ms"),
            (-0.003, "-3ms"),
        ] {
            assert_eq!(format_duration(secs), text);
        }
    }

    // --- parsing families ------------------------------------------------

    #[test]
    fn parses_every_family() {
        assert_eq!(d("const(20ms)"), Dist::constant(0.02).unwrap());
        assert_eq!(d("20ms"), Dist::constant(0.02).unwrap());
        assert_eq!(d("const(0s)"), Dist::constant(0.0).unwrap());
        assert_eq!(d("exp(40ms)"), Dist::exp(0.04).unwrap());
        assert_eq!(d("Exp( mean = 40ms )"), Dist::exp(0.04).unwrap());
        assert_eq!(d("uniform(1s, 3s)"), Dist::uniform(1.0, 3.0).unwrap());
        assert_eq!(
            d("uniform(max=3s, min=1s)"),
            Dist::uniform(1.0, 3.0).unwrap()
        );
        assert_eq!(d("normal(100ms, 20ms)"), Dist::normal(0.1, 0.02).unwrap());
        assert_eq!(
            d("normal(100ms, sd=20ms)"),
            Dist::normal(0.1, 0.02).unwrap()
        );
        let lognormal = Dist::lognormal(0.04, 1.5).unwrap();
        assert_eq!(d("lognormal(mean=40ms, cv=1.5)"), lognormal);
        assert_eq!(d("lognormal(cv=1.5, mean=40ms)"), lognormal);
        assert_eq!(d("lognormal(40ms, 1.5)"), lognormal);
        assert_eq!(d("gamma(2, 40ms)"), Dist::gamma(2.0, 0.04).unwrap());
        assert_eq!(
            d("gamma(shape=0.5, mean=40ms)"),
            Dist::gamma(0.5, 0.04).unwrap()
        );
        assert_eq!(d("erlang(3, 40ms)"), Dist::erlang(3, 0.04).unwrap());
        assert_eq!(
            d("erlang(k=3.0, mean=40ms)"),
            Dist::erlang(3, 0.04).unwrap()
        );
        assert_eq!(d("weibull(1.5, 30ms)"), Dist::weibull(1.5, 0.03).unwrap());
        assert_eq!(
            d("weibull(k=1.5, scale=30ms)"),
            Dist::weibull(1.5, 0.03).unwrap()
        );
        assert_eq!(
            d("empirical(10ms:0.5, 20ms:0.3, 50ms:0.2)"),
            Dist::empirical(vec![(0.01, 0.5), (0.02, 0.3), (0.05, 0.2)]).unwrap()
        );
        assert_eq!(
            d("empirical(10ms, 20ms, 50ms)"),
            Dist::empirical(vec![(0.01, 1.0), (0.02, 1.0), (0.05, 1.0)]).unwrap()
        );
        assert_eq!("exp(1h)".parse::<Dist>(), Dist::exp(3600.0));
        assert!(matches!(d("exp(40ms)"), Dist::Exp { mean, unit: Unit::Seconds } if mean == 0.04));
    }

    #[test]
    fn unitless_distributions_take_plain_numbers() {
        let calls = Dist::parse_unitless("empirical(1:0.7, 2:0.2, 5:0.1)").unwrap();
        assert_eq!(calls.unit(), Unit::Plain);
        assert!(close(calls.mean(), 0.7 + 0.4 + 0.5, 1e-15));
        assert_eq!(calls.to_string(), "empirical(1:0.7, 2:0.2, 5:0.1)");
        assert_eq!(
            Dist::parse_unitless("exp(2.5)"),
            Ok(Dist::exp(2.5).unwrap().with_unit(Unit::Plain))
        );
        assert_eq!(
            Dist::parse_unitless(" 3 "),
            Ok(Dist::constant(3.0).unwrap().with_unit(Unit::Plain))
        );
        let e = Dist::parse_unitless("exp(3ms)").unwrap_err().to_string();
        assert!(
            e.contains("mean \"3ms\" must be a plain number, without a unit"),
            "{e}"
        );
        let e = Dist::parse_unitless("expo(3)").unwrap_err().to_string();
        assert!(e.contains("exp(2.5)") && !e.contains("40ms"), "{e}");
    }

    #[test]
    fn errors_quote_the_text_and_say_what_is_allowed() {
        assert_eq!(
            err("exp(-3ms)"),
            "bad distribution \"exp(-3ms)\": the mean must be a positive duration"
        );
        assert_eq!(
            err("expo(3ms)"),
            "unknown distribution \"expo(3ms)\": expected one of const(20ms), exp(40ms), \
             uniform(1s,3s), normal(100ms,20ms), lognormal(mean=40ms,cv=1.5), gamma(2,40ms), \
             erlang(3,40ms), weibull(1.5,30ms), empirical(10ms:0.5,20ms:0.5)"
        );
        assert_eq!(
            err("exp(40)"),
            "bad distribution \"exp(40)\": mean \"40\" needs a unit (us, ms, s, m, h, d), \
             like 40ms"
        );
        for (text, expected) in [
            ("exp(0s)", "the mean must be a positive duration"),
            ("const(-1s)", "the value must be a non-negative duration"),
            ("uniform(3s, 1s)", "min must not exceed max"),
            ("uniform(-1s, 1s)", "min must be a non-negative duration"),
            ("normal(100ms, -20ms)", "sd must be a non-negative duration"),
            ("normal(-100ms, 20ms)", "truncated at zero"),
            ("lognormal(mean=40ms, cv=-1)", "cv must not be negative"),
            (
                "lognormal(mean=0s, cv=1)",
                "the mean must be a positive duration",
            ),
            ("gamma(0, 40ms)", "k (the shape) must be positive"),
            ("gamma(2, 0s)", "the mean must be a positive duration"),
            ("erlang(2.5, 40ms)", "k must be a whole number"),
            ("erlang(0, 40ms)", "k must be a whole number"),
            ("weibull(0, 30ms)", "shape must be positive"),
            ("weibull(1.5, 0s)", "scale must be a positive duration"),
            ("weibull(0.001, 30ms)", "parameters too extreme"),
            ("exp(1e200d)", "parameters too extreme"),
            ("empirical()", "needs at least one value"),
            (
                "empirical(10ms:0, 20ms:1)",
                "every weight must be a finite, positive",
            ),
            (
                "empirical(10ms:-1)",
                "every weight must be a finite, positive",
            ),
            (
                "empirical(-10ms:1)",
                "every value must be a finite, non-negative",
            ),
            ("empirical(10ms:1, 20ms)", "give every value a weight"),
            ("empirical(10ms, 20ms:1)", "give every value a weight"),
            ("empirical(10ms:1e308, 20ms:1e308)", "sum overflows"),
            (
                "exp(40ms, 1s)",
                "too many arguments; use exp(mean), like exp(40ms)",
            ),
            ("uniform(1s)", "missing max; use uniform(min, max)"),
            ("exp(mean=1s, mean=2s)", "mean given twice"),
            ("exp(cv=1)", "unknown parameter \"cv\"; use exp(mean)"),
            (
                "normal(sd=1s, 2s)",
                "positional argument \"2s\" after a named one",
            ),
            ("exp(40ms,)", "empty argument"),
            ("exp(40ms", "expected a closing \")\""),
            ("exp((40ms))", "unexpected parenthesis"),
            ("exp", "missing arguments; use exp(mean)"),
            ("", "expected a distribution, one of const(20ms)"),
            (
                "gamma(2ms, 40ms)",
                "k \"2ms\" must be a plain number, without a unit",
            ),
            ("lognormal(40ms, x)", "cv \"x\" is not a number"),
            ("lognormal(40ms, inf)", "cv \"inf\" must be a finite number"),
            (
                "exp(40 parsecs)",
                "mean \"40 parsecs\": unknown unit \"parsecs\"",
            ),
            (
                "exp(NaN)",
                "mean \"NaN\": expected a number followed by a unit",
            ),
        ] {
            let e = err(text);
            let prefix = format!("bad distribution \"{}\": ", text.trim());
            assert!(e.starts_with(&prefix), "{text}: {e}");
            assert!(e.contains(expected), "{text}: {e}");
        }
        assert!(err("bogus").starts_with("unknown distribution \"bogus\""));
        assert!(err("40").starts_with("bad duration \"40\": missing unit"));
        assert!(err("-40ms").starts_with("bad duration \"-40ms\": durations cannot be negative"));
        assert_eq!(
            Dist::exp(f64::NAN).unwrap_err().to_string(),
            "bad distribution \"exp(NaN)\": every parameter must be a finite number"
        );
        assert_eq!(
            Dist::erlang(0, 1.0).unwrap_err().to_string(),
            "bad distribution \"erlang(0, 1s)\": k must be a whole number of phases, at least 1"
        );
        assert!(Dist::empirical(vec![]).is_err());
    }

    // --- moments -----------------------------------------------------------

    #[test]
    fn special_functions_match_reference_values() {
        // Reference values from CPython's math.erf/erfc/lgamma/gamma.
        for (x, want) in [
            (0.1, 0.8875370839817152),
            (2.5, 0.0004069520174449589),
            (3.0, 2.2090496998585438e-05),
            (6.0, 2.1519736712498916e-17),
            (10.0, 2.088487583762545e-45),
        ] {
            assert!(close(erfc(x), want, 1e-13), "erfc({x}) = {}", erfc(x));
        }
        assert!(close(1.0 - erfc(0.5), 0.5204998778130465, 1e-14));
        assert!(close(erfc(-1.2), 1.0 + 0.9103139782296353, 1e-15));
        assert!(close(ln_gamma(100.0), 359.1342053695754, 1e-14));
        assert!(close(gamma_fn(5.0), 24.0, 1e-13));
        assert!(close(gamma_fn(0.5), PI.sqrt(), 1e-13));
        assert!(close(gamma_fn(1.0 + 1.0 / 1.5), 0.9027452929509336, 1e-13));
        assert!(close(gamma_fn(1.0 + 2.0 / 1.5), 1.1906393487589988, 1e-13));
    }

    #[test]
    fn exact_moments() {
        let exp = d("exp(40ms)");
        assert_eq!(
            (exp.mean(), exp.second_moment(), exp.scv()),
            (0.04, 2.0 * 0.04 * 0.04, 1.0)
        );
        let c = d("const(20ms)");
        assert_eq!((c.mean(), c.variance(), c.scv()), (0.02, 0.0, 0.0));
        assert_eq!(d("const(0s)").scv(), 0.0);
        let u = d("uniform(1s, 3s)");
        assert!(close(u.mean(), 2.0, 1e-15) && close(u.second_moment(), 13.0 / 3.0, 1e-15));
        assert!(close(d("lognormal(40ms, 1.5)").scv(), 2.25, 1e-15));
        assert!(close(d("gamma(2, 40ms)").scv(), 0.5, 1e-15));
        assert!(close(d("erlang(4, 40ms)").scv(), 0.25, 1e-15));
        // Weibull with shape 1 is exponential; shape 2 has mean scale·√π/2.
        let w1 = d("weibull(1, 30ms)");
        assert!(close(w1.mean(), 0.03, 1e-14) && close(w1.scv(), 1.0, 1e-13));
        assert!(close(d("weibull(2, 1s)").mean(), PI.sqrt() / 2.0, 1e-14));
        let e = d("empirical(10ms:0.5, 20ms:0.3, 50ms:0.2)");
        assert!(close(e.mean(), 0.021, 1e-14));
        assert!(close(
            e.second_moment(),
            0.5e-4 + 0.3 * 4e-4 + 0.2 * 25e-4,
            1e-14
        ));
    }

    #[test]
    fn truncated_normal_moments() {
        // Half-normal: mean sd·√(2/π), variance sd²·(1 − 2/π).
        let half = d("normal(0s, 20ms)");
        assert!(close(half.mean(), 0.02 * (2.0 / PI).sqrt(), 1e-14));
        assert!(close(
            half.variance(),
            0.02 * 0.02 * (1.0 - 2.0 / PI),
            1e-14
        ));
        // Reference from CPython math.erf for normal(10ms, 20ms).
        let near_zero = d("normal(10ms, 20ms)");
        assert!(close(near_zero.mean(), 0.02018320867674067, 1e-13));
        assert!(close(near_zero.variance(), 0.0001944701742785468, 1e-13));
        // Far from zero the truncation does not matter.
        let far = d("normal(100ms, 1ms)");
        assert_eq!((far.mean(), far.variance()), (0.1, 1e-6));
        assert!(!far.is_deterministic() && d("normal(1s, 0s)").is_deterministic());
    }

    /// Moments of `n` samples: mean, second moment and their standard errors.
    struct Observed {
        mean: f64,
        mean_se: f64,
        second: f64,
        second_se: f64,
    }

    fn observe(dist: &Dist, seed: u64, n: usize) -> Observed {
        let mut rng = Stream::seed_from_u64(seed);
        let xs: Vec<f64> = (0..n).map(|_| dist.sample(&mut rng)).collect();
        assert!(xs.iter().all(|x| x.is_finite() && *x >= 0.0), "{dist}");
        let nf = n as f64;
        let mean_and_se = |values: &mut dyn Iterator<Item = f64>| {
            let values: Vec<f64> = values.collect();
            let m = values.iter().sum::<f64>() / nf;
            let var = values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (nf - 1.0);
            (m, (var / nf).sqrt())
        };
        let (mean, mean_se) = mean_and_se(&mut xs.iter().copied());
        let (second, second_se) = mean_and_se(&mut xs.iter().map(|x| x * x));
        Observed {
            mean,
            mean_se,
            second,
            second_se,
        }
    }

    /// Whether `observed` is within 5 standard errors of `expected`.
    fn agrees(observed: f64, se: f64, expected: f64) -> bool {
        (observed - expected).abs() <= 5.0 * se + 1e-9 * expected.abs()
    }

    #[test]
    fn sample_moments_match_exact_moments() {
        for (i, text) in [
            "const(20ms)",
            "exp(40ms)",
            "uniform(1s, 3s)",
            "uniform(2s, 2s)",
            "normal(100ms, 20ms)",
            "normal(10ms, 20ms)",
            "normal(0s, 5ms)",
            "lognormal(mean=40ms, cv=1.5)",
            "lognormal(mean=40ms, cv=0.3)",
            "lognormal(mean=40ms, cv=0)",
            "gamma(2, 40ms)",
            "gamma(0.3, 40ms)",
            "erlang(3, 40ms)",
            "weibull(1.5, 30ms)",
            "weibull(0.7, 30ms)",
            "empirical(10ms:0.5, 20ms:0.3, 50ms:0.2)",
            "empirical(10ms, 20ms, 50ms)",
        ]
        .into_iter()
        .enumerate()
        {
            let dist = d(text);
            let o = observe(&dist, 1000 + i as u64, 200_000);
            assert!(
                agrees(o.mean, o.mean_se, dist.mean()),
                "{text}: sample mean {} ± {} vs {}",
                o.mean,
                o.mean_se,
                dist.mean()
            );
            assert!(
                agrees(o.second, o.second_se, dist.second_moment()),
                "{text}: sample E[S²] {} ± {} vs {}",
                o.second,
                o.second_se,
                dist.second_moment()
            );
        }
    }

    #[test]
    fn lognormal_cv_is_right_and_the_check_has_power() {
        let dist = d("lognormal(mean=40ms, cv=1.5)");
        let o = observe(&dist, 7, 200_000);
        assert!(close(o.mean, 0.04, 0.05), "mean {}", o.mean);
        let scv = o.second / (o.mean * o.mean) - 1.0;
        assert!(close(scv, 2.25, 0.10), "scv {scv}");
        // A classic mistake, sigma = cv instead of sigma² = ln(1 + cv²),
        // would give E[S²] = mean²·e^(cv²); the same samples must reject it.
        let wrong = 0.04f64.powi(2) * (1.5f64 * 1.5).exp();
        assert!(!agrees(o.second, o.second_se, wrong));
        // Likewise an untruncated mean for normal(10ms, 20ms).
        let o = observe(&d("normal(10ms, 20ms)"), 8, 200_000);
        assert!(!agrees(o.mean, o.mean_se, 0.01));
    }

    #[test]
    fn deterministic_cases_draw_nothing() {
        for text in [
            "const(20ms)",
            "uniform(1s, 1s)",
            "normal(1s, 0s)",
            "lognormal(1s, 0)",
            "empirical(5ms)",
        ] {
            let dist = d(text);
            assert!(dist.is_deterministic(), "{text}");
            let mut rng = Stream::seed_from_u64(1);
            let before = rng.clone();
            assert_eq!(dist.sample(&mut rng), dist.mean(), "{text}");
            assert_eq!(rng, before, "{text} drew a random number");
        }
        assert!(d("empirical(5ms, 5ms)").is_deterministic());
        assert!(!d("exp(1s)").is_deterministic());
    }

    #[test]
    fn empirical_samples_only_its_values() {
        let dist = d("empirical(10ms:0.5, 20ms:0.3, 50ms:0.2)");
        let mut rng = Stream::seed_from_u64(3);
        let mut counts = [0u32; 3];
        for _ in 0..100_000 {
            let x = dist.sample(&mut rng);
            let i = [0.01, 0.02, 0.05].iter().position(|&v| v == x).unwrap();
            counts[i] += 1;
        }
        for (count, p) in counts.iter().zip([0.5, 0.3, 0.2]) {
            assert!(close(f64::from(*count) / 1e5, p, 0.02), "{counts:?}");
        }
    }

    // --- display round trip ------------------------------------------------

    #[test]
    fn display_is_canonical_and_round_trips() {
        for (text, canonical) in [
            ("const( 20ms )", "const(20ms)"),
            ("20ms", "const(20ms)"),
            ("exp(0.04s)", "exp(40ms)"),
            ("uniform(1000ms,3s)", "uniform(1s, 3s)"),
            ("normal(100ms, 20ms)", "normal(100ms, 20ms)"),
            ("lognormal(40ms, 1.5)", "lognormal(mean=40ms, cv=1.5)"),
            ("gamma(shape=2, mean=40ms)", "gamma(2, 40ms)"),
            ("erlang(3, 40ms)", "erlang(3, 40ms)"),
            ("weibull(1.5, 30ms)", "weibull(1.5, 30ms)"),
            (
                "empirical(10ms:0.5, 20ms:0.3)",
                "empirical(10ms:0.5, 20ms:0.3)",
            ),
            ("empirical(10ms:1, 20ms:1)", "empirical(10ms, 20ms)"),
            ("exp(90s)", "exp(90s)"),
            ("exp(1.5h)", "exp(90m)"),
        ] {
            let dist = d(text);
            assert_eq!(dist.to_string(), canonical);
            assert_eq!(d(canonical), dist);
        }
        let odd = Dist::exp(0.1 + 0.2).unwrap();
        assert_eq!(d(&odd.to_string()), odd);
    }

    // --- properties --------------------------------------------------------

    fn number() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("0".to_string()),
            "[0-9]{1,4}(\\.[0-9]{1,3})?",
            (-5.0f64..1e4).prop_map(|x| x.to_string()),
            any::<f64>().prop_map(|x| x.to_string()),
            Just("1e400".to_string()),
        ]
    }

    fn argument() -> impl Strategy<Value = String> {
        let name = prop::sample::select(vec![
            "", "", "", "mean=", "cv=", "sd=", "k=", "shape=", "scale=", "min=", "max=", "x=",
        ]);
        let unit = prop::sample::select(vec!["", "us", "ms", "s", "m", "h", "d", "µs", "q"]);
        let weight = prop_oneof![Just(String::new()), number().prop_map(|w| format!(":{w}"))];
        (name, number(), unit, weight).prop_map(|(n, x, u, w)| format!("{n}{x}{u}{w}"))
    }

    fn dist_text() -> impl Strategy<Value = String> {
        let family = prop::sample::select(vec![
            "const",
            "exp",
            "uniform",
            "normal",
            "lognormal",
            "gamma",
            "erlang",
            "weibull",
            "empirical",
            "expo",
            "",
        ]);
        (family, prop::collection::vec(argument(), 0..5))
            .prop_map(|(f, args)| format!("{f}({})", args.join(", ")))
    }

    /// Texts shaped like each family's signature (right kinds, sometimes
    /// named, mostly plausible numbers), so that most are accepted and the
    /// round trip is exercised on every family; `unit` is the unit suffix
    /// pool (empty for unitless).
    fn well_formed_text(units: &'static [&'static str]) -> impl Strategy<Value = String> {
        let plausible = prop_oneof![
            8 => "[0-9]{1,3}(\\.[0-9]{1,3})?",
            1 => number(),
        ];
        let raw = (
            plausible.clone(),
            prop::sample::select(units),
            any::<bool>(),
            plausible,
        );
        (
            prop::sample::select(Family::ALL.to_vec()),
            prop::collection::vec(raw, 1..5),
            any::<bool>(),
        )
            .prop_map(|(family, raws, weighted)| {
                let args: Vec<String> = if family == Family::Empirical {
                    raws.iter()
                        .map(|(v, u, _, w)| {
                            if weighted {
                                format!("{v}{u}:{w}")
                            } else {
                                format!("{v}{u}")
                            }
                        })
                        .collect()
                } else {
                    family
                        .params()
                        .iter()
                        .zip(&raws)
                        .map(|(param, (v, u, named, _))| {
                            let u = if param.kind == Kind::Value { *u } else { "" };
                            let name = if *named {
                                format!("{}=", param.name)
                            } else {
                                String::new()
                            };
                            format!("{name}{v}{u}")
                        })
                        .collect()
                };
                // Named arguments must follow positional ones.
                let (mut positional, named): (Vec<String>, Vec<String>) =
                    args.into_iter().partition(|a| !a.contains('='));
                positional.extend(named);
                format!("{}({})", family.name(), positional.join(", "))
            })
    }

    /// Anything accepted must print back to itself and sample sanely.
    fn check_accepted(dist: &Dist, reparse: fn(&str) -> Result<Dist, DistError>) {
        let text = dist.to_string();
        assert_eq!(reparse(&text).as_ref(), Ok(dist), "{text}");
        assert!(dist.mean().is_finite() && dist.mean() >= 0.0, "{text}");
        assert!(dist.second_moment().is_finite(), "{text}");
        assert!(dist.scv().is_finite() && dist.scv() >= 0.0, "{text}");
        let mut rng = Stream::seed_from_u64(5);
        for _ in 0..20 {
            let x = dist.sample(&mut rng);
            assert!(x.is_finite() && x >= 0.0, "{text} sampled {x}");
        }
    }

    proptest! {
        #[test]
        fn parse_duration_never_panics(text in "\\PC{0,20}") {
            let _ = parse_duration(&text);
        }

        #[test]
        fn durations_round_trip(secs in 1e-7f64..1e8) {
            let text = format_duration(secs);
            prop_assert_eq!(parse_duration(&text), Ok(secs), "{}", text);
        }

        #[test]
        fn durations_round_trip_log_scale(exponent in -7.0f64..8.0) {
            let secs = 10f64.powf(exponent);
            prop_assert_eq!(parse_duration(&format_duration(secs)), Ok(secs));
        }

        #[test]
        fn parse_never_panics_on_arbitrary_text(text in "\\PC{0,40}") {
            if let Ok(dist) = Dist::parse(&text) {
                check_accepted(&dist, Dist::parse);
            }
            if let Ok(dist) = Dist::parse_unitless(&text) {
                check_accepted(&dist, Dist::parse_unitless);
            }
        }

        #[test]
        fn well_formed_durations_round_trip(
            text in well_formed_text(&["us", "ms", "s", "m", "h", "d", "µs"]),
        ) {
            if let Ok(dist) = Dist::parse(&text) {
                check_accepted(&dist, Dist::parse);
            }
        }

        #[test]
        fn well_formed_unitless_round_trip(text in well_formed_text(&[""])) {
            if let Ok(dist) = Dist::parse_unitless(&text) {
                check_accepted(&dist, Dist::parse_unitless);
            }
        }

        #[test]
        fn accepted_distributions_round_trip(text in dist_text()) {
            if let Ok(dist) = Dist::parse(&text) {
                check_accepted(&dist, Dist::parse);
            }
            if let Ok(dist) = Dist::parse_unitless(&text) {
                check_accepted(&dist, Dist::parse_unitless);
            }
        }
    }
}
