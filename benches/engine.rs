//! Criterion benchmarks of the engine path: M/M/4 FCFS at rho = 0.8 with
//! statistics on, and a hold model with 100,000 pending events.
//!
//! Run with `cargo bench --bench engine`; for the one-line figures quoted in
//! notes, use `cargo run --release -- bench`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use o11sim::dist::Dist;
use o11sim::engine::{Calendar, StreamSeeds};

fn mmc(c: &mut Criterion) {
    let customers = 200_000.0;
    let spec = o11sim::bench::mmc_spec(customers);
    let mut g = c.benchmark_group("mmc");
    g.sample_size(20);
    g.throughput(Throughput::Elements(customers as u64));
    g.bench_function("m_m_4_rho_0.8", |b| {
        b.iter(|| spec.simulate(StreamSeeds::new(1, 0)).totals.completed)
    });
    g.finish();
}

fn hold(c: &mut Criterion) {
    let pending = 100_000usize;
    let steps = 1_000_000u64;
    let delay = Dist::exp(1.0).unwrap();
    let mut cal: Calendar<u32> = Calendar::with_capacity(pending);
    let mut rng = StreamSeeds::new(1, 0).stream("hold");
    for i in 0..pending {
        cal.schedule_at(delay.sample(&mut rng) * pending as f64, i as u32);
    }
    let mut g = c.benchmark_group("hold");
    g.sample_size(20);
    g.throughput(Throughput::Elements(steps));
    g.bench_function("pending_100k", |b| {
        b.iter(|| {
            for _ in 0..steps {
                let (_, ev) = cal.pop().unwrap();
                let d = delay.sample(&mut rng) * pending as f64;
                cal.schedule_in(d, ev);
            }
        })
    });
    g.finish();
}

criterion_group!(benches, mmc, hold);
criterion_main!(benches);
