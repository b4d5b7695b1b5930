//! Fuzz target for the scenario loader (`o11sim::scenario`).
//!
//! Input: arbitrary bytes. Non-UTF-8 input is skipped (the loader takes
//! `&str`; the file reader's UTF-8 check is not fuzzed here).
//!
//! For UTF-8 input:
//! 1. the whole text is loaded as a scenario file (`fuzz.toml`);
//! 2. its first line is parsed as a `--set KEY=VALUE` override and, when it
//!    parses, applied to the built-in preset `example2`, and to the rest of
//!    the text (the lines after the first) as a scenario of its own.
//!
//! What counts as a bug (the target panics):
//! - any panic inside the loader, the override parser, error formatting,
//!   `Model::check` or the simulation;
//! - `ScenarioError::Internal` ("the scenario loader built an invalid
//!   model ... please report this"), which the crate documents as a bug;
//! - an accepted scenario whose `model.check()` is not `Ok`.
//!
//! Each accepted model is also simulated for at most 1 simulated second
//! with no warm-up, but only when it is small (see `small_enough`), so that
//! the fuzzer keeps a high exec rate.

#![no_main]

use libfuzzer_sys::fuzz_target;
use o11sim::dist::Dist;
use o11sim::engine::StreamSeeds;
use o11sim::model::{Arrivals, Model};
use o11sim::scenario::{self, Override, ScenarioError};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };

    // 1. The whole input as a scenario file.
    check_load("fuzz.toml", text, &[]);

    // 2. The first line as a `--set KEY=VALUE`.
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    match first.parse::<Override>() {
        Ok(o) => {
            let preset = scenario::find_preset("example2").expect("preset example2 exists");
            let overrides = [o];
            check_load("example2", preset.text, &overrides);
            if !rest.trim().is_empty() {
                check_load("fuzz.toml", rest, &overrides);
            }
        }
        Err(e) => {
            // Formatting the error is what the CLI does with it.
            std::hint::black_box(e.to_string());
        }
    }
});

/// Loads `text` with `overrides`; panics on every outcome that is a bug.
fn check_load(name: &str, text: &str, overrides: &[Override]) {
    match scenario::load_str(name, text, overrides) {
        Ok(s) => {
            let mut model = s.model;
            if let Err(msg) = model.check() {
                panic!("loader accepted a scenario whose model.check() fails: {msg}");
            }
            if small_enough(&model) {
                model.duration = model.duration.min(1.0);
                model.warmup = 0.0;
                let result =
                    o11sim::model::sim::simulate(&model, StreamSeeds::new(1, 0));
                std::hint::black_box(result);
            }
        }
        Err(e) => {
            if let ScenarioError::Internal { .. } = e {
                panic!("loader returned an internal error (a bug by its own definition): {e}");
            }
            std::hint::black_box(e.to_string());
        }
    }
}

/// Limits for a model to be simulated: a rough bound on the events of one
/// simulated second, so a single input never runs for long. A model over
/// any limit (or whose figures are not finite) is loaded and checked but
/// not simulated.
const MAX_OPEN_RATE: f64 = 10_000.0; // open arrivals per second, all classes
const MAX_CLOSED_USERS: u64 = 10_000;
const MAX_FRONT_ENDS: usize = 100;
const MAX_EVENTS_PER_SECOND: f64 = 200_000.0; // rough estimate, see below

fn small_enough(m: &Model) -> bool {
    if m.front_ends.len() >= MAX_FRONT_ENDS {
        return false;
    }
    // Database calls per request multiply the events of each request.
    let per_request = |db_calls: &Dist| 1.0 + db_calls.mean();
    let mut open_rate = 0.0;
    let mut closed_users: u64 = 0;
    let mut events = 0.0;
    for c in &m.classes {
        match &c.arrivals {
            Arrivals::Open { rate, profile } => {
                // Arrivals are thinned against the profile's peak, so the
                // peak rate is what gets generated.
                let peak = profile.map_or(1.0, |p| p.iter().cloned().fold(0.0, f64::max));
                let r = rate * peak;
                open_rate += r;
                events += r * per_request(&c.db_calls);
            }
            Arrivals::Closed { users, think } => {
                closed_users += u64::from(*users);
                // A user sends at most one request per think time (floored
                // at 1 ms: a zero think time is bounded by response times).
                let per_user = 1.0 / think.mean().max(1e-3);
                events += f64::from(*users) * per_user * per_request(&c.db_calls);
            }
        }
    }
    for t in &m.timers {
        events += per_request(&t.db_calls) / t.period;
    }
    for (i, z) in m.zones.iter().enumerate() {
        // Health checks of each front-end of the zone.
        let fes = m.front_ends.iter().filter(|f| f.zone == i).count();
        events += fes as f64 / z.health_interval;
    }
    for d in &m.development {
        let publishes = f64::from(d.developers) * d.publishes_per_hour / 3600.0;
        events += publishes * (2.0 + m.front_ends.len() as f64);
    }
    for f in &m.random_failures {
        events += 2.0 / f.mtbf.min(f.mttr);
    }
    open_rate.is_finite()
        && open_rate < MAX_OPEN_RATE
        && closed_users < MAX_CLOSED_USERS
        && events.is_finite()
        && events < MAX_EVENTS_PER_SECOND
}
