//! `--set KEY=VALUE`: changing one setting of a scenario from the command
//! line (and, through the same function, `sweep --vary`).
//!
//! Why this file exists: overrides are applied to the parsed TOML table
//! *before* deserialization, so every check that applies to the file
//! applies to an overridden value too. The path is checked against the
//! schema as it is walked, so a mistyped key is caught here with the keys
//! allowed at that level, not silently added.
//!
//! Path rules:
//! * keys are separated by dots; array elements are `failures[0]` (or
//!   `failures.0`);
//! * in a file with `[environments]` holding exactly one environment, a path
//!   that does not start with `simulation`, `environments`, `databases`,
//!   `failures` or `random_failures` applies inside that environment;
//! * a missing fixed table (`simulation`, `database`, `front_end`, …) is
//!   created; a missing named entry (a zone, class, timer, environment or
//!   database instance the file does not define) is an error.

use std::fmt;
use std::str::FromStr;

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use toml::Value;

use super::error::{Locator, Origin, ScenarioError, invalid, suggest};
use super::path::{FieldPath, Seg};
use super::schema::{self, Kind, Node};

/// One `--set KEY=VALUE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Override {
    /// The dotted key as the user wrote it (`traffic.portal.rate`).
    pub path: String,
    /// The value as the user wrote it (`100`, `exp(10ms)`, `"text"`).
    pub value: String,
}

impl FromStr for Override {
    type Err = ScenarioError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |message: &str| ScenarioError::BadOverride {
            arg: s.to_owned(),
            message: message.to_owned(),
        };
        let (key, value) = s
            .split_once('=')
            .ok_or_else(|| bad("expected KEY=VALUE, such as traffic.portal.rate=100"))?;
        let key = key.trim();
        if key.is_empty() {
            return Err(bad(
                "the key before '=' is empty; expected KEY=VALUE, such as front_ends=5",
            ));
        }
        FieldPath::parse(key).map_err(|m| bad(&m))?;
        Ok(Self {
            path: key.to_owned(),
            value: value.trim().to_owned(),
        })
    }
}

impl fmt::Display for Override {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.path, self.value)
    }
}

/// Top-level keys that are never moved into the single environment.
const LITERAL_ROOTS: &[&str] = &[
    "simulation",
    "environments",
    "databases",
    "failures",
    "random_failures",
];

/// The value of a `--set`: a TOML value if it reads as one (`3`, `2.5`,
/// `true`, `"text"`, `[1, 2]`, `{ p95 = "1s" }`), otherwise the text itself
/// as a string (`exp(10ms)`, `30m`, `round_robin`).
pub(crate) fn parse_value(text: &str) -> Value {
    let doc = format!("v = {text}");
    match doc.parse::<toml::Table>() {
        Ok(mut t) if t.len() == 1 => t
            .remove("v")
            .unwrap_or_else(|| Value::String(text.to_owned())),
        _ => Value::String(text.to_owned()),
    }
}

fn set_error(o: &Override, field: Option<&FieldPath>, message: String) -> ScenarioError {
    invalid(
        Origin::Set {
            key: o.path.clone(),
            value: o.value.clone(),
        },
        field.filter(|p| !p.is_root()).map(ToString::to_string),
        message,
        None,
    )
}

/// The full path a `--set` key applies to, with the single-environment
/// shorthand applied.
pub(crate) fn resolve(table: &toml::Table, o: &Override) -> Result<FieldPath, ScenarioError> {
    let path = FieldPath::parse(&o.path).map_err(|m| set_error(o, None, m))?;
    let Some(Seg::Key(first)) = path.segs().first() else {
        return Err(set_error(o, None, "the key is empty".to_owned()));
    };
    if LITERAL_ROOTS.contains(&first.as_str()) {
        return Ok(path);
    }
    let Some(Value::Table(envs)) = table.get("environments") else {
        return Ok(path);
    };
    let mut names = envs.keys();
    match (names.next(), names.next()) {
        (Some(only), None) => {
            let mut full = FieldPath::root().key("environments").key(only);
            for seg in path.segs() {
                full.push(seg.clone());
            }
            Ok(full)
        }
        (Some(_), Some(_)) if Kind::Environment.fields().contains(&first.as_str()) => {
            let list = envs.keys().cloned().collect::<Vec<_>>().join(", ");
            Err(set_error(
                o,
                None,
                format!(
                    "the scenario has several environments ({list}); say which one, as environments.NAME.{}",
                    o.path
                ),
            ))
        }
        _ => Ok(path),
    }
}

/// Applies one override to the table and returns the full path it set
/// (array elements as indices, whichever way they were written).
pub(crate) fn apply(table: &mut toml::Table, o: &Override) -> Result<FieldPath, ScenarioError> {
    let path = resolve(table, o)?;
    let value = parse_value(&o.value);
    // Work on a copy so that a failed override leaves the table unchanged.
    let mut root = Value::Table(table.clone());
    let path = set_in(&mut root, &path, value, o)?;
    if let Value::Table(t) = root {
        *table = t;
    }
    Ok(path)
}

fn describe(path: &FieldPath) -> String {
    if path.is_root() {
        "the top level".to_owned()
    } else {
        path.to_string()
    }
}

/// What one step of a path leads to, by the schema: the node, the step
/// (an all-digit key on a list becomes an index), and whether the step is a
/// fixed schema key (such a table may be created when missing).
fn step_to(
    node: Node,
    seg: &Seg,
    walked: &FieldPath,
    o: &Override,
) -> Result<(Node, Seg, bool), ScenarioError> {
    match (node, seg) {
        (Node::Table(kind), Seg::Key(k)) => match kind.child(k) {
            Some(child) => Ok((child, seg.clone(), true)),
            None => {
                let fields = kind.fields();
                let hint = suggest(k, fields.iter().copied())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                let table = if walked.is_root() {
                    kind.title().to_owned()
                } else {
                    walked.to_string()
                };
                let elsewhere = schema::home_of(walked, k)
                    .filter(|home| !walked.starts_with(home))
                    .map(|home| format!(". Did you mean {}?", home.key(k)))
                    .unwrap_or_default();
                Err(set_error(
                    o,
                    Some(&walked.key(k)),
                    format!(
                        "{table} has no key `{k}`{hint}; allowed keys there: {}{elsewhere}",
                        fields.join(", ")
                    ),
                ))
            }
        },
        (Node::MapOf(kind), Seg::Key(_)) | (Node::ArrayOf(kind), Seg::Index(_)) => {
            Ok((Node::Table(kind), seg.clone(), false))
        }
        (Node::ArrayOf(kind), Seg::Key(k)) => match k.parse::<usize>() {
            Ok(n) => Ok((Node::Table(kind), Seg::Index(n), false)),
            Err(_) => Err(set_error(
                o,
                Some(walked),
                format!("{walked} is a list of tables; name an element as {walked}[0].{k}"),
            )),
        },
        (Node::MapOf(_) | Node::Table(_), Seg::Index(_)) => Err(set_error(
            o,
            Some(walked),
            format!("{} is a table, not a list", describe(walked)),
        )),
        (Node::Value, _) => Err(set_error(
            o,
            Some(walked),
            format!("{walked} is a single value, not a table; set {walked} itself"),
        )),
    }
}

fn set_in(
    root: &mut Value,
    path: &FieldPath,
    value: Value,
    o: &Override,
) -> Result<FieldPath, ScenarioError> {
    let Some((last, parents)) = path.segs().split_last() else {
        return Err(set_error(o, None, "the key is empty".to_owned()));
    };
    let mut cur = root;
    let mut node = Node::Table(Kind::Root);
    let mut walked = FieldPath::root();
    for seg in parents {
        let (child, step, from_schema) = step_to(node, seg, &walked, o)?;
        let here = walked.clone();
        walked.push(step.clone());
        cur = match (cur, &step) {
            (Value::Table(t), Seg::Key(k)) => {
                if !t.contains_key(k) {
                    if !from_schema {
                        return Err(missing_entry(o, &here, &walked, k, t));
                    }
                    let empty = match child {
                        Node::ArrayOf(_) => Value::Array(Vec::new()),
                        _ => Value::Table(toml::Table::new()),
                    };
                    t.insert(k.clone(), empty);
                }
                match t.get_mut(k) {
                    Some(v) => v,
                    None => {
                        return Err(set_error(
                            o,
                            Some(&walked),
                            format!("cannot reach {walked}"),
                        ));
                    }
                }
            }
            (Value::Array(a), Seg::Index(n)) => {
                let len = a.len();
                match a.get_mut(*n) {
                    Some(v) => v,
                    None => {
                        return Err(set_error(
                            o,
                            Some(&walked),
                            format!("{here} has {len} element(s), numbered from 0"),
                        ));
                    }
                }
            }
            (other, _) => {
                return Err(set_error(
                    o,
                    Some(&here),
                    format!(
                        "{} is a {} in the scenario, not a table",
                        describe(&here),
                        other.type_str()
                    ),
                ));
            }
        };
        node = child;
    }
    let (_, step, _) = step_to(node, last, &walked, o)?;
    let here = walked.clone();
    walked.push(step.clone());
    match (cur, &step) {
        (Value::Table(t), Seg::Key(k)) => {
            t.insert(k.clone(), value);
            Ok(walked)
        }
        (Value::Array(a), Seg::Index(n)) => {
            let len = a.len();
            match a.get_mut(*n) {
                Some(slot) => {
                    *slot = value;
                    Ok(walked)
                }
                None => Err(set_error(
                    o,
                    Some(&walked),
                    format!("{here} has {len} element(s), numbered from 0"),
                )),
            }
        }
        (other, _) => Err(set_error(
            o,
            Some(&here),
            format!(
                "{} is a {} in the scenario, not a table",
                describe(&here),
                other.type_str()
            ),
        )),
    }
}

/// A `--set` through a named entry (zone, class, …) the scenario lacks.
fn missing_entry(
    o: &Override,
    parent: &FieldPath,
    path: &FieldPath,
    name: &str,
    table: &toml::Table,
) -> ScenarioError {
    let existing: Vec<&str> = table.keys().map(String::as_str).collect();
    let hint = suggest(name, existing.iter().copied())
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default();
    let listing = if existing.is_empty() {
        format!("{} defines none", describe(parent))
    } else {
        format!("{} defines: {}", describe(parent), existing.join(", "))
    };
    set_error(
        o,
        Some(path),
        format!("the scenario has no {path}{hint}; {listing}"),
    )
}

/// The table written back as TOML with its keys in the order of the
/// original text (keys the text did not have come last, by name), so the
/// text after `--set` reads back to the same model, in the same order.
pub(crate) fn to_text(table: &toml::Table, loc: &Locator<'_>) -> Result<String, toml::ser::Error> {
    toml::to_string(&InFileOrder {
        table,
        path: FieldPath::root(),
        loc,
    })
}

struct InFileOrder<'v, 'l, 'a> {
    table: &'v toml::Table,
    path: FieldPath,
    loc: &'l Locator<'a>,
}

/// A value inside [`InFileOrder`].
struct ValueInFileOrder<'v, 'l, 'a> {
    value: &'v Value,
    path: FieldPath,
    loc: &'l Locator<'a>,
}

impl Serialize for InFileOrder<'_, '_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut entries: Vec<(&String, &Value)> = self.table.iter().collect();
        // Plain values before tables (TOML needs them first), each group in
        // file order.
        entries.sort_by_key(|(k, v)| {
            let offset = self.loc.key_offset(&self.path.key(k)).unwrap_or(usize::MAX);
            (is_table_like(v), offset, (*k).clone())
        });
        let mut map = s.serialize_map(Some(entries.len()))?;
        for (k, v) in entries {
            map.serialize_entry(
                k,
                &ValueInFileOrder {
                    value: v,
                    path: self.path.key(k),
                    loc: self.loc,
                },
            )?;
        }
        map.end()
    }
}

impl Serialize for ValueInFileOrder<'_, '_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.value {
            Value::Table(table) => InFileOrder {
                table,
                path: self.path.clone(),
                loc: self.loc,
            }
            .serialize(s),
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for (i, value) in items.iter().enumerate() {
                    seq.serialize_element(&Self {
                        value,
                        path: self.path.index(i),
                        loc: self.loc,
                    })?;
                }
                seq.end()
            }
            other => other.serialize(s),
        }
    }
}

fn is_table_like(v: &Value) -> bool {
    match v {
        Value::Table(_) => true,
        Value::Array(a) => !a.is_empty() && a.iter().all(Value::is_table),
        _ => false,
    }
}
