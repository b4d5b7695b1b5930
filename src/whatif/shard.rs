//! Sharded sweeps: `o11sim sweep ... --shard K/N` runs a deterministic share
//! of the variant × replication grid and writes a part file;
//! `o11sim merge PART... --csv OUT` combines the parts into exactly the CSV
//! bytes the unsharded sweep writes.
//!
//! Why this file exists: a sweep too large for one machine runs as a batch
//! job array (Slurm, a Kubernetes Indexed Job) on the machines users
//! already have. Each part carries, besides its replications' figures, a
//! fingerprint of everything that determines the results (every variant's
//! scenario text after overrides, replication counts, seed, o11sim
//! version), so parts of different scenarios, seeds or grids are refused
//! instead of silently mixed.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::SweepRequest;
use super::variants::{Job, Shard, Variant, run_shard};
use crate::error::{Error, Result};
use crate::experiment::summary::ReplicationFigures;
use crate::experiment::{Progress, Summary};
use crate::model::spec::Slo;
use crate::report::{self, output};

/// The first line of every part file's `format` field.
const FORMAT: &str = "o11sim sweep part 1";

/// One variant as a part file records it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartVariant {
    pub name: String,
    pub values: Vec<String>,
    pub replications: usize,
    pub traffic_classes: usize,
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
    pub shard: String,
    pub keys: Vec<String>,
    pub variants: Vec<PartVariant>,
    pub results: Vec<PartResult>,
}

/// FNV-1a, 64 bits: a stable fingerprint, independent of the Rust release.
fn fnv(h: &mut u64, bytes: &[u8]) {
    for &b in bytes {
        *h ^= b as u64;
        *h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
}

/// What determines a grid's results.
fn fingerprint(grid: &[Variant], seed: u64) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    fnv(&mut h, env!("CARGO_PKG_VERSION").as_bytes());
    fnv(&mut h, &seed.to_le_bytes());
    for v in grid {
        fnv(&mut h, v.name.as_bytes());
        fnv(&mut h, &[0]);
        fnv(&mut h, v.scenario.source_text.as_bytes());
        fnv(&mut h, &[0]);
        fnv(&mut h, &(v.scenario.replications as u64).to_le_bytes());
    }
    format!("{h:016x}")
}

/// The default part file name of a shard.
pub fn default_part_path(shard: Shard) -> PathBuf {
    PathBuf::from(format!(
        "sweep-part-{}-of-{}.toml",
        shard.index, shard.count
    ))
}

/// Runs one shard of the sweep `req` and writes its part file to `path`.
pub fn run_and_write(
    req: &SweepRequest,
    shard: Shard,
    path: &Path,
    progress: &dyn Progress,
) -> Result<()> {
    let base = &req.scenario;
    let (dims, grid) = super::sweep::grid(req)?;
    let keys: Vec<String> = dims.iter().map(|d| d.key.clone()).collect();
    let grid = &grid[..];
    super::variants::check_budget(grid, req.max_events)?;
    let jobs = Job::of_grid(grid);
    let total: usize = jobs.iter().map(|j| j.replications).sum();
    let mine = (0..total).filter(|&p| shard.takes(p)).count();
    progress.start(
        mine as u64,
        &format!("shard {}/{}", shard.index, shard.count),
    );
    let results = run_shard(&jobs, shard, || progress.tick());
    progress.finish();
    let Some(results) = results else {
        return Err(Error::Interrupted {
            finished: format!("shard {}/{} had not", shard.index, shard.count),
        });
    };
    let part = PartFile {
        format: FORMAT.into(),
        o11sim: env!("CARGO_PKG_VERSION").into(),
        scenario: base.scenario().name.clone(),
        fingerprint: fingerprint(grid, base.scenario().seed),
        seed: base.scenario().seed,
        shard: format!("{}/{}", shard.index, shard.count),
        keys,
        variants: grid
            .iter()
            .map(|v| PartVariant {
                name: v.name.clone(),
                values: v.keys.iter().map(|(_, val)| val.clone()).collect(),
                replications: v.scenario.replications,
                traffic_classes: v.scenario.model.classes.len(),
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
    };
    let text = toml::to_string(&part).context("cannot write the part file as TOML")?;
    output::write_atomic(path, text.as_bytes())?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "shard {}/{}: {mine} of {total} replications; wrote {} (combine the parts with `o11sim merge PART... --csv FILE`)",
        shard.index,
        shard.count,
        path.display()
    )?;
    Ok(())
}

fn read_part(path: &Path) -> Result<PartFile> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::Usage(format!(
            "{}: cannot read the part file: {e}",
            path.display()
        ))
    })?;
    let part: PartFile = toml::from_str(&text).map_err(|e| {
        Error::Usage(format!(
            "{}: not an o11sim sweep part file (written by `o11sim sweep --shard K/N`): {e}",
            path.display()
        ))
    })?;
    if part.format != FORMAT {
        return Err(Error::Usage(format!(
            "{}: part file format {:?}, this o11sim reads {FORMAT:?}",
            path.display(),
            part.format
        )));
    }
    Ok(part)
}

/// Combines part files into the class and resources CSVs of the whole sweep.
pub fn merge(parts: &[PathBuf], csv: &Path) -> Result<()> {
    output::check_writable(csv).map_err(|e| Error::Usage(e.to_string()))?;
    if parts.is_empty() {
        return Err(Error::Usage("merge needs at least one part file".into()));
    }
    let loaded: Vec<(PathBuf, PartFile)> = parts
        .iter()
        .map(|p| read_part(p).map(|f| (p.clone(), f)))
        .collect::<Result<_, _>>()?;
    let first_path = loaded[0].0.clone();
    let first = PartFile {
        results: Vec::new(),
        ..loaded[0].1.clone()
    };
    let first = &first;
    let count = first
        .shard
        .parse::<Shard>()
        .map_err(|e| Error::Usage(format!("{}: {e}", first_path.display())))?
        .count;
    let mut seen_shards = vec![None::<PathBuf>; count];
    for (path, p) in &loaded {
        let differs = |what: &str, a: &dyn std::fmt::Debug, b: &dyn std::fmt::Debug| {
            Error::Usage(format!(
                "{} and {} come from different sweeps ({what}: {a:?} vs {b:?}); merge only the parts of one `o11sim sweep --shard` run",
                first_path.display(),
                path.display()
            ))
        };
        if p.scenario != first.scenario {
            return Err(differs("scenario", &first.scenario, &p.scenario));
        }
        if p.seed != first.seed {
            return Err(differs("seed", &first.seed, &p.seed));
        }
        if p.keys != first.keys || p.variants != first.variants {
            return Err(differs("grid", &first.keys, &p.keys));
        }
        if p.fingerprint != first.fingerprint {
            return Err(differs(
                "scenario text, replications or o11sim version",
                &first.fingerprint,
                &p.fingerprint,
            ));
        }
        let shard: Shard = p
            .shard
            .parse()
            .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
        if shard.count != count {
            return Err(differs("shard count", &count, &shard.count));
        }
        if let Some(other) = &seen_shards[shard.index - 1] {
            return Err(Error::Usage(format!(
                "{} and {} are both shard {}",
                other.display(),
                path.display(),
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
    for (path, p) in loaded {
        for r in p.results {
            let slot = slots
                .get_mut(r.variant)
                .and_then(|v| v.get_mut(r.replication))
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "{}: result for variant {} replication {} is outside the grid",
                        path.display(),
                        r.variant,
                        r.replication
                    ))
                })?;
            if slot.replace(r.figures).is_some() {
                return Err(Error::Usage(format!(
                    "{}: variant {} replication {} appears twice",
                    path.display(),
                    r.variant,
                    r.replication
                )));
            }
        }
    }
    let no_slos: Vec<&[Slo]> = Vec::new();
    let mut summaries = Vec::with_capacity(slots.len());
    for (v, reps) in first.variants.iter().zip(slots) {
        let figures: Option<Vec<ReplicationFigures>> = reps.into_iter().collect();
        let figures = figures.ok_or_else(|| {
            Error::Usage(format!(
                "variant {} is missing replications: the parts are incomplete",
                v.name
            ))
        })?;
        summaries.push(Summary::from_parts(v.traffic_classes, &no_slos, &figures));
    }
    let rows: Vec<report::Variant> = first
        .variants
        .iter()
        .zip(&summaries)
        .map(|(v, s)| report::Variant {
            name: v.name.clone(),
            keys: first
                .keys
                .iter()
                .cloned()
                .zip(v.values.iter().cloned())
                .collect(),
            summary: s,
        })
        .collect();
    output::write_atomic(csv, &report::csv::classes(&rows)?)?;
    let mut out = std::io::stdout().lock();
    if csv.as_os_str() != "-" {
        let rpath = output::resources_path(csv);
        output::write_atomic(&rpath, &report::csv::resources(&rows)?)?;
        writeln!(
            out,
            "merged {count} part(s), {} variant(s); wrote {} and {}",
            rows.len(),
            csv.display(),
            rpath.display()
        )?;
    }
    Ok(())
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
