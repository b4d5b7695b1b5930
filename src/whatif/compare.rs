//! `o11sim compare`: a few variants of one scenario side by side, and the
//! paired difference of every figure against the first variant.
//!
//! Why this file exists: "what do 3 front-ends buy over 1?" is answered by
//! the difference, not by two separate intervals. Under common random
//! numbers the per-replication differences have a much smaller spread than
//! either variant, so the result carries them with their own CI
//! ("front_ends=3: portal p95 −412 ms ± 18").

use super::{CompareRequest, variants};
use crate::error::Result;
use crate::experiment::Progress;
use crate::experiment::result::Comparison;

/// Runs `o11sim compare`: the grid of `--front-ends` and `--vary`, every
/// variant × replication in one pool.
pub fn compare(req: &CompareRequest, progress: &dyn Progress) -> Result<Comparison> {
    let base = &req.scenario;
    let dims = super::dimensions(base, req.front_ends.as_deref(), &req.vary);
    let grid = variants::grid(base, &dims)?;
    let ran = super::run_all(&grid, req.budget, "comparing", progress)?;
    Ok(super::comparison(super::settings(base), &dims, grid, ran))
}
