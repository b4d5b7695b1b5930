//! Field paths such as `environments.production.traffic.portal.cpu` or
//! `failures[0].at`.
//!
//! Why this file exists: one path type names a setting everywhere — in error
//! messages, in the position index of the source text, in serde's error
//! paths and in `--set` keys — so an error found at any stage can be traced
//! back to the line and column (or the `--set`) it came from.

use std::fmt;

/// One step of a path: a table key or an array index.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

/// A path from the top of the scenario document to one value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct FieldPath(Vec<Seg>);

impl FieldPath {
    /// The document itself.
    pub(crate) fn root() -> Self {
        Self(Vec::new())
    }

    /// This path extended by a table key.
    pub(crate) fn key(&self, key: &str) -> Self {
        let mut segs = self.0.clone();
        segs.push(Seg::Key(key.to_owned()));
        Self(segs)
    }

    /// This path extended by an array index.
    pub(crate) fn index(&self, index: usize) -> Self {
        let mut segs = self.0.clone();
        segs.push(Seg::Index(index));
        Self(segs)
    }

    pub(crate) fn push(&mut self, seg: Seg) {
        self.0.push(seg);
    }

    pub(crate) fn segs(&self) -> &[Seg] {
        &self.0
    }

    pub(crate) fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `prefix` is this path or one of its ancestors.
    pub(crate) fn starts_with(&self, prefix: &Self) -> bool {
        self.0.starts_with(&prefix.0)
    }

    /// The path without its last step (the root stays the root).
    pub(crate) fn parent(&self) -> Self {
        let mut segs = self.0.clone();
        segs.pop();
        Self(segs)
    }

    /// The last key of the path, if it ends with a key.
    pub(crate) fn last_key(&self) -> Option<&str> {
        match self.0.last() {
            Some(Seg::Key(k)) => Some(k),
            _ => None,
        }
    }

    /// Parses a `--set` key: dot-separated keys, each optionally followed by
    /// `[N]` indices (`failures[0].at`). An all-digit key (`failures.0.at`)
    /// stays a key here; the override code reads it as an index where the
    /// value is an array.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        if text.trim().is_empty() {
            return Err("the key is empty".to_owned());
        }
        let mut path = Self::root();
        for part in text.split('.') {
            let (name, mut rest) = match part.find('[') {
                Some(i) => part.split_at(i),
                None => (part, ""),
            };
            if name.is_empty() {
                return Err(format!(
                    "empty key in {text:?}: write keys separated by single dots, like traffic.portal.rate"
                ));
            }
            if !name.chars().all(is_bare_key_char) {
                return Err(format!(
                    "{name:?} in {text:?} is not a plain key (use letters, digits, '_' and '-')"
                ));
            }
            path.push(Seg::Key(name.to_owned()));
            while !rest.is_empty() {
                let index = rest
                    .strip_prefix('[')
                    .and_then(|r| r.split_once(']'))
                    .and_then(|(n, r)| n.parse::<usize>().ok().map(|n| (n, r)));
                match index {
                    Some((n, r)) => {
                        path.push(Seg::Index(n));
                        rest = r;
                    }
                    None => {
                        return Err(format!(
                            "bad index {rest:?} in {text:?}: write an array element as name[0]"
                        ));
                    }
                }
            }
        }
        Ok(path)
    }
}

fn is_bare_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    if !k.is_empty() && k.chars().all(is_bare_key_char) {
                        f.write_str(k)?;
                    } else {
                        write!(f, "{k:?}")?;
                    }
                }
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

impl From<&serde_path_to_error::Path> for FieldPath {
    fn from(path: &serde_path_to_error::Path) -> Self {
        use serde_path_to_error::Segment;
        let mut out = Self::root();
        for seg in path.iter() {
            match seg {
                Segment::Seq { index } => out.push(Seg::Index(*index)),
                Segment::Map { key } => out.push(Seg::Key(key.clone())),
                Segment::Enum { variant } => out.push(Seg::Key(variant.clone())),
                Segment::Unknown => break,
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_parse_round_trip() {
        let p = FieldPath::parse("failures[0].at").unwrap();
        assert_eq!(p, FieldPath::root().key("failures").index(0).key("at"));
        assert_eq!(p.to_string(), "failures[0].at");
        assert_eq!(
            FieldPath::root().key("traffic").key("my class").to_string(),
            "traffic.\"my class\""
        );
    }

    #[test]
    fn parse_rejects_bad_keys() {
        assert!(FieldPath::parse("").is_err());
        assert!(FieldPath::parse("a..b").is_err());
        assert!(FieldPath::parse("a[x]").is_err());
        assert!(FieldPath::parse("a b").is_err());
    }
}
