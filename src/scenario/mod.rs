//! Scenario files (TOML) and built-in presets, turned into a validated
//! [`Model`], with errors that name the file, line, column and field.
//!
//! Why this module exists: it is the only place user text enters the
//! simulator. Everything below it (`model`, `engine`, `experiment`) trusts
//! the [`Model`] it gets, so every mistake must be caught here and told in
//! the user's terms: where it is, which field, what is allowed.
//!
//! The pipeline, one file per stage:
//! 1. text → TOML table (syntax errors with positions; `error.rs` also
//!    indexes the position of every key and value);
//! 2. `--set KEY=VALUE` overrides applied to the table (`overrides.rs`), so
//!    all later checks see the overridden values;
//! 3. table → serde types (`schema.rs`, `deny_unknown_fields` everywhere;
//!    `serde_path_to_error` gives the field path of a bad value);
//! 4. serde types → [`Model`] (`build.rs`: defaults, references, ranges),
//!    then [`Model::check`] as a last guard.
//!
//! The file format is documented field by field in `docs/scenarios.md`.

mod build;
mod error;
mod loaded;
mod overrides;
mod path;
mod presets;
mod schema;

#[cfg(test)]
mod settings_tests;
#[cfg(test)]
mod tests;

use std::path::Path;

use toml::de::DeTable;

use crate::model::Model;

pub use error::{Diagnostic, Origin, ScenarioError};
pub use loaded::{LoadedScenario, RunOverrides, TimelineRequest};
pub use overrides::Override;
pub use presets::{DEFAULT_PRESET, Preset, find_preset, presets};

use error::{At, Locator, SpanIndex, suggest, syntax_error};
use path::FieldPath;
use schema::{Document, Node};

/// A loaded scenario: the model to simulate and the run settings.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub model: Model,
    /// The file path as given, or the preset's name.
    pub name: String,
    pub replications: usize,
    pub seed: u64,
    /// `--precision`: `replications` is then the first batch.
    pub precision: Option<crate::experiment::Precision>,
    /// The scenario text after overrides (the original text when there are
    /// none), for fingerprinting results.
    pub source_text: String,
}

impl Scenario {
    /// FNV-1a (64 bits, hex) of the scenario text after overrides: the
    /// same text gives the same fingerprint on every machine and release
    /// of Rust.
    pub fn fingerprint(&self) -> String {
        let mut h = Fnv1a::new();
        h.write(self.source_text.as_bytes());
        h.hex()
    }
}

/// FNV-1a, 64 bits: a stable fingerprint of bytes, independent of the Rust
/// release (unlike `std::hash`).
#[derive(Clone, Copy, Debug)]
pub struct Fnv1a(u64);

impl Fnv1a {
    pub fn new() -> Fnv1a {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }

    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// The hash as 16 hex digits.
    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a::new()
    }
}

/// Loads a preset (by name or alias) or a scenario file, then applies the
/// overrides in order.
///
/// A name that is a preset name or alias is the preset; anything else
/// (including every name ending in `.toml`) is a file path.
pub fn load(spec: &str, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
    Source::read(spec)?.build(overrides)
}

/// Loads a scenario from text; `name` (a file path or preset name) is used
/// in messages.
pub fn load_str(name: &str, text: &str, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
    Source::parse(name, text)?.build(overrides)
}

/// A scenario text, read and parsed once: its TOML table and the position
/// of every key and value (for messages). [`Source::build`] applies
/// overrides to a copy of the parsed table, so the variants of a what-if
/// command are built without reading or parsing the text again.
#[derive(Clone, Debug)]
pub struct Source {
    name: String,
    text: String,
    table: toml::Table,
    spans: SpanIndex,
}

impl Source {
    /// Reads a preset (by name or alias) or a scenario file.
    pub fn read(spec: &str) -> Result<Source, ScenarioError> {
        if let Some(p) = find_preset(spec) {
            return Source::parse(p.name, p.text);
        }
        let text = read_file(spec)?;
        Source::parse(spec, &text)
    }

    /// Parses `text`; `name` (a file path or preset name) is used in
    /// messages.
    pub fn parse(name: &str, text: &str) -> Result<Source, ScenarioError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if text.trim().is_empty() {
            return Err(ScenarioError::Empty {
                name: name.to_owned(),
            });
        }
        let spanned = DeTable::parse(text).map_err(|e| syntax_error(name, text, &e))?;
        let table: toml::Table = text.parse().map_err(|e| syntax_error(name, text, &e))?;
        if table.is_empty() {
            return Err(ScenarioError::Empty {
                name: name.to_owned(),
            });
        }
        let spans = SpanIndex::new(spanned.get_ref());
        Ok(Source {
            name: name.to_owned(),
            text: text.to_owned(),
            table,
            spans,
        })
    }

    /// The file path as given, or the preset's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The text (without a byte-order mark).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text parsed, before any override.
    pub fn table(&self) -> &toml::Table {
        &self.table
    }

    /// The scenario with `overrides` applied in order to a copy of the
    /// parsed table, then checked and built.
    pub fn build(&self, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
        let (name, text) = (self.name.as_str(), self.text.as_str());
        let mut table = self.table.clone();
        let mut loc = Locator::new(name, text, &self.spans);
        for o in overrides {
            let path = overrides::apply(&mut table, o)?;
            loc.add_override(path, o.clone());
        }
        let source_text = if overrides.is_empty() {
            text.to_owned()
        } else {
            overrides::to_text(&table, &loc).map_err(|e| ScenarioError::Internal {
                name: name.to_owned(),
                message: format!("cannot write the overridden scenario back as TOML: {e}"),
            })?
        };
        let doc: Document =
            serde_path_to_error::deserialize(table).map_err(|e| schema_error(&loc, &e))?;
        let built = build::build(doc, &loc)?;
        Ok(Scenario {
            model: built.model,
            name: name.to_owned(),
            replications: built.replications,
            seed: built.seed,
            precision: None,
            source_text,
        })
    }
}

/// Applies one `--set` to a parsed scenario table (also used by
/// `sweep --vary`). The key is checked against the schema as it is walked;
/// see [`resolve_path`] for the single-environment shorthand.
pub fn apply_override(table: &mut toml::Table, o: &Override) -> Result<(), ScenarioError> {
    overrides::apply(table, o).map(|_| ())
}

/// The full TOML path a `--set` key applies to in this table, with the
/// single-environment shorthand applied: in a file whose `[environments]`
/// holds exactly one environment, `traffic.portal.rate` means
/// `environments.NAME.traffic.portal.rate` (paths starting with
/// `simulation`, `environments`, `databases`, `failures` or
/// `random_failures` stay as written).
pub fn resolve_path(table: &toml::Table, key: &str) -> Result<String, ScenarioError> {
    let o = Override {
        path: key.to_owned(),
        value: String::new(),
    };
    overrides::resolve(table, &o).map(|p| p.to_string())
}

/// Reads a scenario file, telling apart the ways it can fail.
fn read_file(spec: &str) -> Result<String, ScenarioError> {
    let path = Path::new(spec);
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ScenarioError::NotFound {
            path: spec.to_owned(),
            presets: preset_names(spec),
        },
        _ => ScenarioError::Read {
            path: spec.to_owned(),
            source: e,
        },
    })?;
    if meta.is_dir() {
        return Err(ScenarioError::IsDirectory {
            path: spec.to_owned(),
        });
    }
    let bytes = std::fs::read(path).map_err(|e| ScenarioError::Read {
        path: spec.to_owned(),
        source: e,
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        let before = String::from_utf8_lossy(&bytes[..at]);
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        ScenarioError::NotUtf8 {
            path: spec.to_owned(),
            line,
            column,
            byte: bytes.get(at).copied().unwrap_or(0),
        }
    })
}

/// The preset names, with a suggestion first when `spec` looks like one.
fn preset_names(spec: &str) -> String {
    let all: Vec<&str> = presets()
        .iter()
        .flat_map(|p| std::iter::once(p.name).chain(p.aliases.iter().copied()))
        .collect();
    let list = all.join(", ");
    match suggest(spec, all.iter().copied()) {
        Some(s) => format!("did you mean `{s}`? {list}"),
        None => list,
    }
}

/// A serde error (wrong type, unknown key, missing key, unknown enum
/// value) at its field path.
fn schema_error(
    loc: &Locator<'_>,
    e: &serde_path_to_error::Error<toml::de::Error>,
) -> ScenarioError {
    let path = FieldPath::from(e.path());
    let message = e.inner().message();
    if let Some(key) = backticked_after(message, "unknown field `") {
        let (table, key_path) = if path.last_key() == Some(key) {
            (path.parent(), path.clone())
        } else {
            (path.clone(), path.key(key))
        };
        let fields = match schema::node_at(&table) {
            Some(Node::Table(kind)) => kind.fields(),
            _ => &[],
        };
        let hint = suggest(key, fields.iter().copied())
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        let place = |t: &FieldPath| {
            if t.is_root() {
                "at the top level".to_owned()
            } else {
                format!("in {t}")
            }
        };
        let mut message = format!(
            "unknown key `{key}`{hint}; allowed keys {}: {}",
            place(&table),
            fields.join(", ")
        );
        if let Some(home) = schema::home_of(&table, key) {
            if table.starts_with(&home) {
                // The classic TOML slip: a key written below a [header]
                // belongs to that header's table.
                message.push_str(&format!(
                    ". `{key}` is allowed {}: in TOML every key after a [header] line belongs to that header's table, so move it above the first header",
                    place(&home)
                ));
            } else {
                message.push_str(&format!(". Did you mean {}?", home.key(key)));
            }
        }
        return loc.error(&key_path, At::Key, message);
    }
    if let Some(key) = backticked_after(message, "missing field `") {
        return loc.error(
            &path.key(key),
            At::Key,
            format!("required key `{key}` is missing"),
        );
    }
    let message = message
        .replacen("unknown variant", "unknown value", 1)
        .replace("expected a map", "expected a table")
        .replace("expected a sequence", "expected a list");
    loc.error(&path, At::Value, message)
}

/// The text between `prefix` and the next backtick.
fn backticked_after<'m>(message: &'m str, prefix: &str) -> Option<&'m str> {
    let rest = message.strip_prefix(prefix)?;
    rest.split('`').next()
}
