//! Generates the sample data under `examples/calibrate/`: the IIS logs and
//! performance counters a known installation would leave, simulated by
//! o11sim itself (they are generated, not real measurements).
//!
//! ```sh
//! cargo run --release --example calibrate_sample -- examples/calibrate
//! ```
//!
//! The installation (`TRUTH` below) is the production preset's topology —
//! 3 front-ends of 4 cores, a 2-node SQL Server cluster of 4 cores — with
//! two classes over three hours of a night: a Reactive `shop` and a
//! Traditional Web `backoffice` whose hourly profiles differ. Its logs are
//! gzipped, as IIS log archives usually are.

use std::fs::File;
use std::io::{Read, Write};
use std::path::PathBuf;

use flate2::Compression;
use flate2::write::GzEncoder;
use o11sim::calibrate::synth::{SynthSpec, synthesize};
use o11sim::engine::StreamSeeds;

const TRUTH: &str = r#"
kind = "production"
front_ends = 3

[simulation]
duration = "3h"
warmup = "0s"

[front_end]
cores = 4

[database]
cores = 4

[traffic.shop]
rate = 4
profile = [0.5, 1.0, 0.25, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
cpu = "lognormal(mean=40ms, cv=1)"
db_time = "exp(4ms)"

[traffic.backoffice]
rate = 1.5
profile = [1.0, 0.3, 0.8, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
cpu = "lognormal(mean=150ms, cv=1)"
db_time = "exp(10ms)"
"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "examples/calibrate".into()),
    );
    std::fs::create_dir_all(&dir)?;
    let truth = o11sim::scenario::load_str("truth", TRUTH, &[])?;
    let spec = SynthSpec {
        // 2026-11-27 00:00 UTC.
        epoch: 1_795_737_600,
        sample: 60.0,
        front_end_hosts: vec!["FE1".into(), "FE2".into(), "FE3".into()],
        database_hosts: vec!["SQL1".into()],
        urls: vec![
            "/Shop/screenservices/Shop/MainFlow/Catalog/DataActionGetProducts".into(),
            "/BackOffice/Orders.aspx".into(),
        ],
    };
    let out = synthesize(&truth.model, StreamSeeds::new(1, 0), &dir, &spec)?;
    for log in &out.logs {
        let mut text = Vec::new();
        File::open(log)?.read_to_end(&mut text)?;
        let gz = PathBuf::from(format!("{}.gz", log.display()));
        let mut enc = GzEncoder::new(File::create(&gz)?, Compression::best());
        enc.write_all(&text)?;
        enc.finish()?;
        std::fs::remove_file(log)?;
    }
    std::fs::write(dir.join("truth.toml"), TRUTH.trim_start())?;
    println!(
        "wrote {} request lines and {}",
        out.lines.iter().sum::<u64>(),
        out.counters.display()
    );
    Ok(())
}
