//! The simulation engine: clock and event calendar, named random streams,
//! the two resource disciplines (FCFS servers, processor sharing), and the
//! station that ties a resource to its completion events.
//!
//! Architecture Invariant: nothing here knows about OutSystems, does I/O or
//! reads the wall clock.

pub mod calendar;
pub mod random;
pub mod resource;
pub mod station;

pub use calendar::{Calendar, EventId};
pub use random::{Stream, StreamSeeds, Substreams};
pub use station::{Completion, Departure, Station};
