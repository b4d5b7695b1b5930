//! Experiments: many replications of a model, run in parallel on rayon and
//! collected in replication order.
//!
//! Architecture Invariant: results depend only on (model, seed, replication
//! count). Each replication derives its random streams from (seed, index);
//! rayon's ordered `collect` puts results back in index order, and every sum
//! over replications runs over that ordered vector, so the bytes out are the
//! same with one thread or many.

pub mod failure_cost;
pub mod precision;
pub mod progress;
pub mod replicate;
pub mod result;
pub mod run;
pub mod summary;
pub mod timeline;

pub use precision::{Precision, run_batches};
pub use progress::{Progress, Silent};
pub use replicate::{Budget, check_budget, replicate, replicate_with_progress};
pub use result::{CommandResult, RunReport, RunSettings, VariantResult};
pub use run::{RunRequest, run};
pub use summary::Summary;
