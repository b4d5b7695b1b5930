//! The built-in scenarios: the four reference designs of the OutSystems
//! guide "Infrastructure design examples", embedded in the binary.
//!
//! Why this file exists: `o11sim run` with no scenario, `o11sim run prod`
//! and `o11sim init example2 my.toml` all need the presets without any
//! file on disk. The TOML lives in `scenarios/` so users can read and copy
//! it; `include_str!` keeps the binary and the files identical.

/// One built-in scenario.
#[derive(Debug)]
pub struct Preset {
    /// The canonical name (`example2`).
    pub name: &'static str,
    /// Readable alternatives (`production`, `prod`).
    pub aliases: &'static [&'static str],
    /// The file name under `scenarios/` (`example2-production.toml`).
    pub file: &'static str,
    /// One line for `o11sim presets`.
    pub summary: &'static str,
    /// The scenario text.
    pub text: &'static str,
}

/// The preset used when no scenario is given.
pub const DEFAULT_PRESET: &str = "example2";

static PRESETS: [Preset; 4] = [
    Preset {
        name: "example1",
        aliases: &["nonprod", "dev-qa"],
        file: "example1-nonprod.toml",
        summary: "Development + Quality Assurance for 8 developers: dedicated Deployment Controller, each environment on its own SQL Server instance",
        text: include_str!("../../scenarios/example1-nonprod.toml"),
    },
    Preset {
        name: "example2",
        aliases: &["production", "prod"],
        file: "example2-production.toml",
        summary: "Production: 3 front-ends (4 cores) behind round robin over a 2-node SQL Server cluster (4 cores)",
        text: include_str!("../../scenarios/example2-production.toml"),
    },
    Preset {
        name: "example3",
        aliases: &["lifetime"],
        file: "example3-lifetime.toml",
        summary: "LifeTime: one front-end (4 cores) and a dedicated database server (2 cores) managing the other environments",
        text: include_str!("../../scenarios/example3-lifetime.toml"),
    },
    Preset {
        name: "example4",
        aliases: &["zones"],
        file: "example4-zones.toml",
        summary: "Production with zones: public (3 front-ends), partners over VPN (2), internal (2), one shared database (8 cores)",
        text: include_str!("../../scenarios/example4-zones.toml"),
    },
];

/// All built-in scenarios, in order.
pub fn presets() -> &'static [Preset] {
    &PRESETS
}

/// The preset called `name`: its name, an alias, or its file name without
/// `.toml` (case-insensitive). A name ending in `.toml` is always a file
/// path, never a preset, so an edited copy of a preset (`o11sim init
/// example2 example2-production.toml`) is read from disk.
pub fn find_preset(name: &str) -> Option<&'static Preset> {
    let name = name.trim();
    PRESETS.iter().find(|p| {
        p.name.eq_ignore_ascii_case(name)
            || p.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
            || p.file
                .strip_suffix(".toml")
                .is_some_and(|stem| stem.eq_ignore_ascii_case(name))
    })
}
