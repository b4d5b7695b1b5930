//! The simulation engine: clock and event calendar, named random streams,
//! and the two resource disciplines (FCFS servers, processor sharing).
//!
//! Architecture Invariant: nothing here knows about OutSystems, does I/O or
//! reads the wall clock.

pub mod calendar;
pub mod random;
pub mod resource;

pub use calendar::{Calendar, EventId};
pub use random::{Stream, StreamSeeds};
