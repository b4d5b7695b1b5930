//! `o11sim sweep`: the full grid of one or more `--vary KEY=LIST`.
//!
//! Why this file exists: a sweep is for curves (p95 against front-ends,
//! against database cores, against the portal's rate). Its result is a
//! comparison like `compare`'s (with the paired differences against the
//! first variant); its table is long rather than side by side and its
//! chart plots against the first key (`report/`). The grid, the parallel
//! run and the common random numbers are those of `variants.rs`; a sweep
//! too large for one machine runs in shards (`shard.rs`).

use super::SweepRequest;
use super::variants::{self, Dimension, Variant};
use crate::error::Result;
use crate::experiment::Progress;
use crate::experiment::result::Comparison;

/// The dimensions and the grid of variants of a sweep (each variant built,
/// so checked, before anything runs).
pub(crate) fn grid(req: &SweepRequest) -> Result<(Vec<Dimension>, Vec<Variant>)> {
    let dims = super::dimensions(&req.scenario, None, &req.vary);
    let grid = variants::grid(&req.scenario, &dims)?;
    Ok((dims, grid))
}

/// Runs `o11sim sweep`: every variant × replication in one pool.
pub fn sweep(req: &SweepRequest, progress: &dyn Progress) -> Result<Comparison> {
    let (dims, grid) = grid(req)?;
    let ran = super::run_all(&grid, req.budget, "sweeping", progress)?;
    Ok(super::comparison(
        super::settings(&req.scenario),
        &dims,
        grid,
        ran,
    ))
}
