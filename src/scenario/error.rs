//! Everything that can be wrong with a scenario, and where it is.
//!
//! Why this file exists: a planner who mistypes one number in a 100-line
//! scenario must be told the file, line and column, the full field path and
//! what is allowed — or, when the value came from `--set`, that it did. The
//! [`Locator`] keeps the positions of every key and value of the original
//! text and the paths that `--set` replaced, so errors found at any stage
//! (TOML syntax, schema, cross-references, the model's own check) point at
//! the right place.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

use toml::de::{DeTable, DeValue};

use super::overrides::Override;
use super::path::FieldPath;

/// A scenario that cannot be loaded. `Display` gives the whole user-facing
/// message; every variant is a user error (exit status 2) except
/// [`ScenarioError::Internal`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// Neither a preset name nor an existing file.
    #[error(
        "{path}: no such file, and no built-in preset of that name (presets: {presets}; `o11sim presets` lists them)"
    )]
    NotFound { path: String, presets: String },
    /// The path names a directory.
    #[error("{path}: is a directory; give a scenario file (.toml) or a preset name")]
    IsDirectory { path: String },
    /// The file exists but cannot be read.
    #[error("{path}: cannot read the scenario file: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The file is not UTF-8 text.
    #[error(
        "{path}:{line}:{column}: the file is not UTF-8 text (byte 0x{byte:02x} is not valid here); save it as UTF-8"
    )]
    NotUtf8 {
        path: String,
        line: usize,
        column: usize,
        byte: u8,
    },
    /// The text has no settings at all.
    #[error(
        "{name}: the scenario is empty (no settings); start from a preset, e.g. `o11sim init example2 FILE`"
    )]
    Empty { name: String },
    /// A `KEY=VALUE` argument that is not of that form.
    #[error("--set {arg:?}: {message}")]
    BadOverride { arg: String, message: String },
    /// Anything wrong in the text or in a `--set` value, with its place.
    #[error("{0}")]
    Invalid(Box<Diagnostic>),
    /// The loader accepted a scenario the model rejects: a bug here.
    #[error(
        "{name}: internal error: the scenario loader built an invalid model ({message}); please report this with the scenario file"
    )]
    Internal { name: String, message: String },
}

impl ScenarioError {
    /// The diagnostic of an [`ScenarioError::Invalid`] error.
    pub fn diagnostic(&self) -> Option<&Diagnostic> {
        match self {
            Self::Invalid(d) => Some(d),
            _ => None,
        }
    }
}

/// Where a bad value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A place in a scenario text (1-based line and column, in characters).
    File {
        name: String,
        line: usize,
        column: usize,
    },
    /// A `--set KEY=VALUE` argument.
    Set { key: String, value: String },
    /// The scenario as a whole (no better place is known).
    Scenario { name: String },
}

/// One error in a scenario: where, which field, what is wrong and what is
/// allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub origin: Origin,
    /// The full field path (`environments.production.traffic.portal.cpu`),
    /// when the error concerns one field or table.
    pub field: Option<String>,
    pub message: String,
    /// The offending source line with a caret underneath, for file origins.
    pub snippet: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.origin {
            Origin::File { name, line, column } => write!(f, "{name}:{line}:{column}: ")?,
            Origin::Set { key, value } => write!(f, "--set {key}={value}: ")?,
            Origin::Scenario { name } => write!(f, "{name}: ")?,
        }
        if let Some(field) = &self.field {
            let same_as_key = matches!(&self.origin, Origin::Set { key, .. } if key == field);
            if !same_as_key {
                write!(f, "{field}: ")?;
            }
        }
        f.write_str(&self.message)?;
        if let Some(snippet) = &self.snippet {
            write!(f, "\n{snippet}")?;
        }
        Ok(())
    }
}

/// Byte ranges of a key and of its value in the source text.
#[derive(Clone, Debug)]
struct Spans {
    key: Option<Range<usize>>,
    value: Range<usize>,
}

/// Which part of a `key = value` an error points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum At {
    Key,
    Value,
}

/// Positions of every key and value of a scenario text, indexed once when
/// the text is parsed.
#[derive(Clone, Debug, Default)]
pub(crate) struct SpanIndex(HashMap<FieldPath, Spans>);

impl SpanIndex {
    pub(crate) fn new(table: &DeTable<'_>) -> Self {
        let mut spans = HashMap::new();
        index_table(table, &FieldPath::root(), &mut spans);
        Self(spans)
    }

    fn get(&self, path: &FieldPath) -> Option<&Spans> {
        self.0.get(path)
    }
}

/// Positions of every key and value of the original text, plus the paths
/// that `--set` overrides replaced.
pub(crate) struct Locator<'a> {
    name: &'a str,
    text: &'a str,
    spans: &'a SpanIndex,
    overrides: Vec<(FieldPath, Override)>,
}

impl<'a> Locator<'a> {
    pub(crate) fn new(name: &'a str, text: &'a str, spans: &'a SpanIndex) -> Self {
        Self {
            name,
            text,
            spans,
            overrides: Vec::new(),
        }
    }

    /// Records that `--set` replaced the value at `path`.
    pub(crate) fn add_override(&mut self, path: FieldPath, o: Override) {
        self.overrides.push((path, o));
    }

    /// Whether `--set` supplied the value at `path` (or an enclosing one).
    pub(crate) fn is_overridden(&self, path: &FieldPath) -> bool {
        self.overrides.iter().any(|(p, _)| path.starts_with(p))
    }

    /// The scenario's name (file path or preset name).
    pub(crate) fn name(&self) -> &str {
        self.name
    }

    /// Where the key at `path` starts in the text, for keeping file order.
    pub(crate) fn key_offset(&self, path: &FieldPath) -> Option<usize> {
        let s = self.spans.get(path)?;
        Some(s.key.as_ref().unwrap_or(&s.value).start)
    }

    /// An error about the field at `path`, placed at its key or value in
    /// the text, or at the `--set` that supplied it.
    pub(crate) fn error(
        &self,
        path: &FieldPath,
        at: At,
        message: impl Into<String>,
    ) -> ScenarioError {
        let field = (!path.is_root()).then(|| path.to_string());
        let message = message.into();
        // The latest override wins, as it did when applied.
        if let Some((_, o)) = self
            .overrides
            .iter()
            .rev()
            .find(|(p, _)| path.starts_with(p))
        {
            return invalid(
                Origin::Set {
                    key: o.path.clone(),
                    value: o.value.clone(),
                },
                field,
                format!("{message} (this value came from --set)"),
                None,
            );
        }
        // The field itself, or the nearest enclosing table that is written
        // in the text (a missing field is reported at its table).
        let mut p = path.clone();
        let span = loop {
            if let Some(s) = self.spans.get(&p) {
                let exact = &p == path;
                break Some(match (exact, at, &s.key) {
                    (true, At::Value, _) | (_, _, None) => s.value.clone(),
                    (_, _, Some(k)) => k.clone(),
                });
            }
            if p.is_root() {
                break None;
            }
            p = p.parent();
        };
        match span {
            Some(span) => self.at_span(span, field, message),
            None => invalid(
                Origin::Scenario {
                    name: self.name.to_owned(),
                },
                field,
                message,
                None,
            ),
        }
    }

    /// An error at a byte range of the text.
    pub(crate) fn at_span(
        &self,
        span: Range<usize>,
        field: Option<String>,
        message: String,
    ) -> ScenarioError {
        let (line, column, snippet) = position(self.text, span);
        invalid(
            Origin::File {
                name: self.name.to_owned(),
                line,
                column,
            },
            field,
            message,
            Some(snippet),
        )
    }
}

pub(crate) fn invalid(
    origin: Origin,
    field: Option<String>,
    message: String,
    snippet: Option<String>,
) -> ScenarioError {
    ScenarioError::Invalid(Box::new(Diagnostic {
        origin,
        field,
        message,
        snippet,
    }))
}

/// A TOML syntax error, placed in the text.
pub(crate) fn syntax_error(name: &str, text: &str, e: &toml::de::Error) -> ScenarioError {
    let mut message = format!("invalid TOML: {}", e.message().trim_end());
    if e.message().trim_end() == "duplicate key"
        && let Some(key) = e.span().and_then(|s| text.get(s))
    {
        message = format!(
            "invalid TOML: duplicate key `{}`: each key and each [table] may be defined only once",
            key.trim()
        );
    }
    if e.message().contains("as i128")
        && let Some(value) = e.span().and_then(|s| text.get(s))
    {
        // The TOML reader holds integers in an i64; name the key of the line.
        let start = e.span().map_or(0, |s| s.start);
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let key = text[line_start..start].trim().trim_end_matches('=').trim();
        let what = if key.is_empty() {
            String::new()
        } else {
            format!("`{key}`: ")
        };
        message = format!(
            "invalid TOML: {what}{} is too large: whole numbers go up to {}",
            value.trim(),
            i64::MAX
        );
    }
    let mut span = e.span();
    if span.is_none() && e.message().contains("recursion") {
        // The reader gives no place for nesting past its limit: point at
        // the most deeply nested line.
        if let Some((at, depth)) = deepest_line(text) {
            message = format!(
                "invalid TOML: nested too deeply ({depth} levels of dotted keys, [tables] or brackets on one line); a scenario needs a few"
            );
            span = Some(at..at + 1);
        }
    }
    match span {
        Some(span) => {
            let (line, column, snippet) = position(text, span);
            invalid(
                Origin::File {
                    name: name.to_owned(),
                    line,
                    column,
                },
                None,
                message,
                Some(snippet),
            )
        }
        None => invalid(
            Origin::Scenario {
                name: name.to_owned(),
            },
            None,
            message,
            None,
        ),
    }
}

fn index_table(table: &DeTable<'_>, path: &FieldPath, out: &mut HashMap<FieldPath, Spans>) {
    for (key, value) in table {
        let p = path.key(key.get_ref());
        out.insert(
            p.clone(),
            Spans {
                key: Some(key.span()),
                value: value.span(),
            },
        );
        index_value(value.get_ref(), &p, out);
    }
}

fn index_value(value: &DeValue<'_>, path: &FieldPath, out: &mut HashMap<FieldPath, Spans>) {
    match value {
        DeValue::Table(t) => index_table(t, path, out),
        DeValue::Array(a) => {
            for (i, item) in a.iter().enumerate() {
                let p = path.index(i);
                out.insert(
                    p.clone(),
                    Spans {
                        key: None,
                        value: item.span(),
                    },
                );
                index_value(item.get_ref(), &p, out);
            }
        }
        _ => {}
    }
}

/// 1-based line and column (in characters) of `span.start`, and the line
/// with a caret under the span.
/// The start of the line with the most nesting (dots in keys, brackets,
/// braces), and that nesting.
fn deepest_line(text: &str) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let depth = line
            .chars()
            .filter(|c| matches!(c, '.' | '[' | '{'))
            .count();
        if best.is_none_or(|(_, d)| depth > d) {
            best = Some((offset, depth));
        }
        offset += line.len();
    }
    best
}

/// Longest line a snippet shows whole; longer ones are cut around the
/// column.
const SNIPPET_CHARS: usize = 100;

pub(crate) fn position(text: &str, span: Range<usize>) -> (usize, usize, String) {
    let start = floor_char_boundary(text, span.start.min(text.len()));
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line_no = text[..line_start].matches('\n').count() + 1;
    let line = text[line_start..line_end].trim_end_matches('\r');
    let before = &text[line_start..start];
    let column = before.chars().count() + 1;
    let line_stop = (line_start + line.len()).max(start);
    let end = floor_char_boundary(text, span.end.max(start).min(line_stop));
    let mut width = text[start..end].chars().count().max(1);
    let mut before: String = before.to_owned();
    let mut line: String = line.to_owned();
    if line.chars().count() > SNIPPET_CHARS {
        // A very long line: show a window around the column.
        let skip = (column - 1).saturating_sub(SNIPPET_CHARS / 2);
        let shown: String = line.chars().skip(skip).take(SNIPPET_CHARS).collect();
        let cut_end = skip + SNIPPET_CHARS < line.chars().count();
        let lead = if skip > 0 { "…" } else { "" };
        before = format!("{lead}{}", before.chars().skip(skip).collect::<String>());
        line = format!("{lead}{shown}{}", if cut_end { "…" } else { "" });
        width = width.min(SNIPPET_CHARS);
    }
    let pad: String = before
        .chars()
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let gutter = " ".repeat(line_no.to_string().len());
    let snippet = format!(
        "{gutter} |\n{line_no} | {line}\n{gutter} | {pad}{}",
        "^".repeat(width)
    );
    (line_no, column, snippet)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The candidate closest to a mistyped `word`, if one is close enough to
/// be worth suggesting.
pub(crate) fn suggest<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let limit = (word.chars().count() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Edit distance counting a swap of two neighbours as one edit (optimal
/// string alignment), so `prdo` is one edit from `prod`.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // d[i][j]: distance between a[..i] and b[..j].
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j - 1] + cost)
                .min(d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_characters() {
        let text = "a = 1\nbé = \"x\"\n";
        let start = text.find("\"x\"").unwrap();
        let (line, col, snippet) = position(text, start..start + 3);
        assert_eq!((line, col), (2, 6));
        assert!(snippet.contains("2 | bé = \"x\""), "{snippet}");
        assert!(snippet.ends_with("     ^^^"), "{snippet}");
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("cpux", ["cpu", "rate"]), Some("cpu"));
        assert_eq!(suggest("portl", ["portal", "backoffice"]), Some("portal"));
        assert_eq!(suggest("zzzzzz", ["cpu", "rate"]), None);
        assert_eq!(suggest("prdo", ["prod", "zones"]), Some("prod"));
    }

    #[test]
    fn position_at_end_of_text_does_not_panic() {
        let (line, col, _) = position("a = 1", 99..120);
        assert_eq!((line, col), (1, 6));
        let (line, col, _) = position("", 0..0);
        assert_eq!((line, col), (1, 1));
        // A span starting on the '\r' of a CRLF line ending.
        let (line, col, _) = position("a = 1\r\nb", 5..6);
        assert_eq!((line, col), (1, 6));
    }
}
