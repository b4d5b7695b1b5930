//! Sharded sweeps: `o11sim sweep ... --shard K/N` runs a deterministic share
//! of the variant × replication grid as a part file;
//! `o11sim merge PART... --csv OUT` combines the parts into the result of
//! the whole sweep, whose CSV is exactly the bytes the unsharded sweep
//! writes.
//!
//! Why this file exists: a sweep too large for one machine runs as a batch
//! job array (Slurm, a Kubernetes Indexed Job) on the machines users
//! already have. Each part carries, besides its replications' figures, a
//! fingerprint of everything that determines the results (every variant's
//! scenario text after overrides, replication counts, seed, o11sim
//! version), so parts of different scenarios, seeds or grids are refused
//! instead of silently mixed, and a checksum over the whole part, so a part
//! edited or damaged in transit is refused too. The scenario is compared by
//! content, never by the path each machine read it from.

use std::path::PathBuf;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::SweepRequest;
use super::variants::{self, Job, Shard, Variant, run_shard};
use crate::error::{Error, Result};
use crate::experiment::result::{Comparison, RunSettings, VariantResult, Varied};
use crate::experiment::summary::ReplicationFigures;
use crate::experiment::{Progress, Summary};
use crate::model::spec::Slo;
use crate::scenario::Fnv1a;

/// The first line of every part file's `format` field.
/// Part 2: per-request random substreams changed every figure, and rows
/// carry their kind. Part 3: a checksum over the header and every figure.
/// Part 4: rows carry the requests finished, which decides the
/// replications a rate is averaged over. Part 5: traffic rows carry what
/// the holders of the workers and connections were doing while requests
/// queued for them, which decides the bottleneck advice. Part 6: variants
/// carry their traffic classes' SLOs, which the merged CSV judges. Parts
/// of an older format cannot be merged with these.
const FORMAT: &str = "o11sim sweep part 6";

/// One variant as a part file records it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartVariant {
    pub name: String,
    pub values: Vec<String>,
    pub replications: usize,
    pub traffic_classes: usize,
    /// Each traffic class's SLOs, in class order.
    pub slos: Vec<Vec<Slo>>,
}

/// One finished (variant, replication) pair.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartResult {
    pub variant: usize,
    pub replication: usize,
    pub figures: ReplicationFigures,
}

/// The contents of a part file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartFile {
    pub format: String,
    pub o11sim: String,
    pub scenario: String,
    pub fingerprint: String,
    pub seed: u64,
    /// The run settings of the sweep (seconds), and the fingerprint of its
    /// scenario text after the user's overrides, for the merged result.
    #[serde(default)]
    pub duration: f64,
    #[serde(default)]
    pub warmup: f64,
    #[serde(default)]
    pub scenario_fingerprint: String,
    pub shard: String,
    pub keys: Vec<String>,
    pub variants: Vec<PartVariant>,
    pub results: Vec<PartResult>,
    /// FNV-1a of the part's text written with an empty checksum: a part
    /// edited or damaged after it was written is refused.
    #[serde(default)]
    pub checksum: String,
}

/// What determines a grid's results.
fn fingerprint(grid: &[Variant], seed: u64) -> String {
    let mut h = Fnv1a::new();
    h.write(env!("CARGO_PKG_VERSION").as_bytes());
    h.write(&seed.to_le_bytes());
    for v in grid {
        h.write(v.name.as_bytes());
        h.write(&[0]);
        h.write(v.scenario.source_text.as_bytes());
        h.write(&[0]);
        h.write(&(v.scenario.replications as u64).to_le_bytes());
    }
    h.hex()
}

/// The default part file name of a shard.
pub fn default_part_path(shard: Shard) -> PathBuf {
    PathBuf::from(format!(
        "sweep-part-{}-of-{}.toml",
        shard.index, shard.count
    ))
}

/// Runs shard `shard` of the sweep `req`: its share of the (variant,
/// replication) pairs, as a part file.
pub fn run_part(req: &SweepRequest, shard: Shard, progress: &dyn Progress) -> Result<PartFile> {
    let base = &req.scenario;
    let (dims, grid) = super::sweep::grid(req)?;
    let keys: Vec<String> = dims.iter().map(|d| d.key.clone()).collect();
    let jobs = Job::of_grid(&grid);
    // The guard counts what this shard runs, not the whole grid: a sweep
    // too large for one machine is what shards are for.
    let mut position = 0;
    let share: Vec<usize> = jobs
        .iter()
        .map(|j| {
            let first = position;
            position += j.replications;
            (first..position).filter(|&p| shard.takes(p)).count()
        })
        .collect();
    crate::experiment::check_budget(
        jobs.iter().zip(&share).map(|(j, &n)| (j.model, n)),
        req.budget,
    )?;
    let mine: usize = share.iter().sum();
    progress.start(
        mine as u64,
        &format!("shard {}/{}", shard.index, shard.count),
    );
    let results = run_shard(&jobs, shard, || progress.tick());
    progress.finish();
    let results = results.map_err(|finished| Error::Interrupted {
        finished: format!(
            "{finished} of shard {}/{}'s {mine} replications",
            shard.index, shard.count
        ),
    })?;
    let settings = super::settings(base);
    Ok(PartFile {
        format: FORMAT.into(),
        o11sim: env!("CARGO_PKG_VERSION").into(),
        scenario: settings.scenario,
        fingerprint: fingerprint(&grid, settings.seed),
        seed: settings.seed,
        duration: settings.duration,
        warmup: settings.warmup,
        scenario_fingerprint: settings.fingerprint,
        shard: format!("{}/{}", shard.index, shard.count),
        keys,
        variants: grid
            .iter()
            .map(|v| PartVariant {
                name: v.name.clone(),
                values: v.keys.iter().map(|(_, val)| val.clone()).collect(),
                replications: v.scenario.replications,
                traffic_classes: v.scenario.model.classes.len(),
                slos: v
                    .scenario
                    .model
                    .classes
                    .iter()
                    .map(|c| c.slos.clone())
                    .collect(),
            })
            .collect(),
        results: results
            .into_iter()
            .map(|(variant, replication, figures)| PartResult {
                variant,
                replication,
                figures,
            })
            .collect(),
        checksum: String::new(),
    })
}

impl PartFile {
    /// The part file's text.
    pub fn to_toml(&self) -> Result<String> {
        let sealed = PartFile {
            checksum: self.computed_checksum()?,
            ..self.clone()
        };
        Ok(toml::to_string(&sealed).context("cannot write the part file as TOML")?)
    }

    /// The checksum of everything in the part but the checksum itself.
    fn computed_checksum(&self) -> Result<String> {
        let unsealed = PartFile {
            checksum: String::new(),
            ..self.clone()
        };
        let text = toml::to_string(&unsealed).context("cannot write the part file as TOML")?;
        let mut h = Fnv1a::new();
        h.write(text.as_bytes());
        Ok(h.hex())
    }

    /// Reads a part file's text; `name` (its path) is used in messages.
    pub fn from_toml(name: &str, text: &str) -> Result<PartFile> {
        let part: PartFile = toml::from_str(text).map_err(|e| {
            Error::Usage(format!(
                "{name}: not an o11sim sweep part file (written by `o11sim sweep --shard K/N`): {e}"
            ))
        })?;
        if part.format != FORMAT {
            return Err(Error::Usage(format!(
                "{name}: part file format {:?}, this o11sim reads {FORMAT:?}",
                part.format
            )));
        }
        let table: toml::Table = text
            .parse()
            .map_err(|e| Error::Usage(format!("{name}: not an o11sim sweep part file: {e}")))?;
        if let Some(at) = first_non_finite(&toml::Value::Table(table), "") {
            return Err(Error::Usage(format!(
                "{name}: {at} is not a finite number; a part file holds only finite figures, so it was edited or damaged: run its shard again"
            )));
        }
        if part.checksum != part.computed_checksum()? {
            return Err(Error::Usage(format!(
                "{name}: its contents do not match its checksum: it was edited or damaged after `o11sim sweep --shard` wrote it; run its shard again"
            )));
        }
        Ok(part)
    }

    /// (replications in this part, replications in the whole sweep).
    pub fn share(&self) -> (usize, usize) {
        (
            self.results.len(),
            self.variants.iter().map(|v| v.replications).sum(),
        )
    }
}

/// The dotted path of the first number in `v` that is NaN or infinite.
fn first_non_finite(v: &toml::Value, at: &str) -> Option<String> {
    match v {
        toml::Value::Float(f) if !f.is_finite() => Some(at.to_owned()),
        toml::Value::Table(t) => t.iter().find_map(|(k, v)| {
            let path = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            first_non_finite(v, &path)
        }),
        toml::Value::Array(a) => a
            .iter()
            .enumerate()
            .find_map(|(i, v)| first_non_finite(v, &format!("{at}[{i}]"))),
        _ => None,
    }
}

/// Combines the parts of one sharded sweep (each with its path, for
/// messages) into the result of the whole sweep: the same figures, bytes
/// for bytes, as the unsharded sweep.
pub fn merge(parts: Vec<(String, PartFile)>) -> Result<Comparison> {
    let Some((first_path, first)) = parts.first() else {
        return Err(Error::Usage("merge needs at least one part file".into()));
    };
    let first_path = first_path.clone();
    let first = PartFile {
        results: Vec::new(),
        ..first.clone()
    };
    let first = &first;
    let count = first
        .shard
        .parse::<Shard>()
        .map_err(|e| Error::Usage(format!("{first_path}: {e}")))?
        .count;
    let mut seen_shards = vec![None::<String>; count];
    for (path, p) in &parts {
        let differs = |what: &str, a: &dyn std::fmt::Debug, b: &dyn std::fmt::Debug| {
            Error::Usage(format!(
                "{first_path} and {path} come from different sweeps ({what}: {a:?} vs {b:?}); merge only the parts of one `o11sim sweep --shard` run"
            ))
        };
        // The scenario's name is where each shard read it (`x.toml`,
        // `/abs/x.toml`): only its content, in the fingerprint, must agree.
        if p.seed != first.seed {
            return Err(differs("seed", &first.seed, &p.seed));
        }
        if p.o11sim != first.o11sim {
            return Err(differs("o11sim version", &first.o11sim, &p.o11sim));
        }
        if p.keys != first.keys {
            return Err(differs("varied keys", &first.keys, &p.keys));
        }
        if p.variants.len() != first.variants.len() {
            return Err(differs(
                "number of variants",
                &first.variants.len(),
                &p.variants.len(),
            ));
        }
        for (a, b) in first.variants.iter().zip(&p.variants) {
            let field = |what: &str| format!("variant {:?}, {what}", a.name);
            if a.name != b.name {
                return Err(differs(&field("name"), &a.name, &b.name));
            }
            if a.values != b.values {
                return Err(differs(&field("values"), &a.values, &b.values));
            }
            if a.replications != b.replications {
                return Err(differs(
                    &field("replications"),
                    &a.replications,
                    &b.replications,
                ));
            }
            if a.traffic_classes != b.traffic_classes {
                return Err(differs(
                    &field("traffic classes"),
                    &a.traffic_classes,
                    &b.traffic_classes,
                ));
            }
        }
        if p.fingerprint != first.fingerprint {
            return Err(differs(
                "scenario text after overrides (its fingerprint)",
                &first.fingerprint,
                &p.fingerprint,
            ));
        }
        let shard: Shard = p
            .shard
            .parse()
            .map_err(|e| Error::Usage(format!("{path}: {e}")))?;
        if shard.count != count {
            return Err(differs("shard count", &count, &shard.count));
        }
        if let Some(other) = &seen_shards[shard.index - 1] {
            return Err(Error::Usage(format!(
                "{other} and {path} are both shard {}",
                p.shard
            )));
        }
        seen_shards[shard.index - 1] = Some(path.clone());
    }
    let missing: Vec<String> = seen_shards
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(i, _)| format!("{}/{count}", i + 1))
        .collect();
    if !missing.is_empty() {
        return Err(Error::Usage(format!(
            "missing part(s) for shard {}; a merge needs every shard of the sweep",
            missing.join(", ")
        )));
    }
    // Every (variant, replication) exactly once, then in order.
    let mut slots: Vec<Vec<Option<ReplicationFigures>>> = first
        .variants
        .iter()
        .map(|v| vec![None; v.replications])
        .collect();
    for (path, p) in parts {
        for r in p.results {
            let slot = slots
                .get_mut(r.variant)
                .and_then(|v| v.get_mut(r.replication))
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "{path}: result for variant {} replication {} is outside the grid",
                        r.variant, r.replication
                    ))
                })?;
            if slot.replace(r.figures).is_some() {
                return Err(Error::Usage(format!(
                    "{path}: variant {} replication {} appears twice",
                    r.variant, r.replication
                )));
            }
        }
    }
    let mut summaries = Vec::with_capacity(slots.len());
    let mut replications = Vec::with_capacity(slots.len());
    for (v, reps) in first.variants.iter().zip(slots) {
        let figures: Option<Vec<ReplicationFigures>> = reps.into_iter().collect();
        let figures = figures.ok_or_else(|| {
            Error::Usage(format!(
                "variant {} is missing replications: the parts are incomplete",
                v.name
            ))
        })?;
        let slos: Vec<&[Slo]> = v.slos.iter().map(Vec::as_slice).collect();
        summaries.push(Summary::from_parts(v.traffic_classes, &slos, &figures));
        replications.push(figures);
    }
    let differences = variants::differences(&summaries, &replications);
    let varied = first
        .keys
        .iter()
        .enumerate()
        .map(|(k, key)| {
            let mut values: Vec<String> = Vec::new();
            for v in &first.variants {
                if let Some(value) = v.values.get(k)
                    && !values.contains(value)
                {
                    values.push(value.clone());
                }
            }
            Varied {
                key: key.clone(),
                values,
            }
        })
        .collect();
    Ok(Comparison {
        settings: RunSettings {
            scenario: first.scenario.clone(),
            seed: first.seed,
            replications: first.variants.first().map_or(0, |v| v.replications),
            // A sharded sweep runs fixed counts (`--precision` is refused).
            precision: None,
            duration: first.duration,
            warmup: first.warmup,
            fingerprint: first.scenario_fingerprint.clone(),
            // Part files do not carry the environments; merge writes only
            // CSV, which has no column for them.
            environments: Vec::new(),
        },
        varied,
        variants: first
            .variants
            .iter()
            .zip(summaries)
            .map(|(v, summary)| VariantResult {
                name: v.name.clone(),
                keys: first
                    .keys
                    .iter()
                    .cloned()
                    .zip(v.values.iter().cloned())
                    .collect(),
                summary,
            })
            .collect(),
        differences,
        // Part files do not carry failure costs (merge writes the class,
        // resources and differences CSVs).
        failure_differences: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_grid() {
        let shards: Vec<Shard> = (1..=3).map(|k| format!("{k}/3").parse().unwrap()).collect();
        for position in 0..20 {
            assert_eq!(shards.iter().filter(|s| s.takes(position)).count(), 1);
        }
    }

    #[test]
    fn bad_shards_say_what_is_allowed() {
        for bad in ["0/3", "4/3", "1", "a/b", "1/0", ""] {
            let e = bad.parse::<Shard>().unwrap_err();
            assert!(e.contains("K/N"), "{bad}: {e}");
        }
    }
}
