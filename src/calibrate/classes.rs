//! Which request class a URL belongs to.
//!
//! Why this file exists: IIS logs name URLs, the model names classes. The
//! default rule gives one class per OutSystems module (the first path
//! segment, lowercased), with static resources apart; a rules file
//! (`--classes RULES.toml`) puts chosen URLs into named classes first. The
//! parser calls [`Classifier::classify`] once per line, so it allocates
//! nothing: it writes the class name into a buffer the caller reuses.
//!
//! Rules file:
//!
//! ```toml
//! [[class]]
//! name = "login"
//! glob = ["/Users/**", "/*/Login.aspx"]
//!
//! [[class]]
//! name = "reports"
//! regex = ['^/Reports/rest/.*/Export$']
//! ```
//!
//! Classes are tried in file order and the first whose glob or regex
//! matches the URL path (`cs-uri-stem`, without the query) wins. Globs are
//! case-insensitive, `*` stays inside a path segment and `**` crosses
//! segments; regexes are case-sensitive unless they say `(?i)` and match
//! anywhere unless anchored. A URL no rule matches falls to the default rule.

use std::path::Path;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use regex::bytes::RegexSet;
use serde::Deserialize;

use crate::error::{Error, Result};

/// File extensions (lowercase, after the last `.` of the last path segment)
/// of static resources: scripts, style sheets, source maps, images, fonts.
pub const STATIC_EXTENSIONS: &[&[u8]] = &[
    b"js", b"mjs", b"css", b"map", b"png", b"jpg", b"jpeg", b"gif", b"svg", b"ico", b"webp",
    b"bmp", b"avif", b"woff", b"woff2", b"ttf", b"otf", b"eot",
];

/// The class of static resources under the default rule.
pub const STATIC_CLASS: &str = "static";
/// The class of the site root `/` under the default rule.
pub const ROOT_CLASS: &str = "root";

/// Decides the class of each URL path.
#[derive(Debug)]
pub struct Classifier {
    /// Class names of the rules file, in file order.
    rule_names: Vec<String>,
    globs: GlobSet,
    /// Rule index of each glob of `globs`.
    glob_rule: Vec<usize>,
    regexes: RegexSet,
    /// Rule index of each regex of `regexes`.
    regex_rule: Vec<usize>,
    drop_static: bool,
    /// Reused match buffers (matching must not allocate per line).
    glob_hits: Vec<usize>,
    /// `+` read back as a space, for the rules.
    spaced: Vec<u8>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    class: Vec<RuleSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    name: String,
    #[serde(default)]
    glob: Vec<String>,
    #[serde(default)]
    regex: Vec<String>,
}

/// Whether `name` can name a class in a scenario (letters, digits, `_`, `-`).
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
}

/// Appends `raw` to `out` as a class name: ASCII letters lowercased when
/// `lower`, every character other than letters, digits, `_` and `-` turned
/// into one `_`. A UTF-8 character of several bytes is one character
/// (`Página` → `P_gina`, not `P__gina`); a byte that is not UTF-8 is one.
pub fn push_name(raw: &[u8], lower: bool, out: &mut Vec<u8>) {
    // After a UTF-8 lead byte (0xC0 and up), its continuation bytes
    // (0x80-0xBF) belong to the same character, already written as `_`.
    let mut in_char = false;
    for &b in raw {
        if in_char && (0x80..0xC0).contains(&b) {
            continue;
        }
        in_char = b >= 0xC0;
        out.push(if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
            if lower { b.to_ascii_lowercase() } else { b }
        } else {
            b'_'
        });
    }
}

impl Classifier {
    /// The default rule only.
    pub fn new(drop_static: bool) -> Self {
        Classifier {
            rule_names: Vec::new(),
            globs: GlobSet::empty(),
            glob_rule: Vec::new(),
            regexes: RegexSet::empty(),
            regex_rule: Vec::new(),
            drop_static,
            glob_hits: Vec::new(),
            spaced: Vec::new(),
        }
    }

    /// The rules of `path` (a TOML rules file), then the default rule.
    pub fn from_file(path: &Path, drop_static: bool) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::Usage(format!(
                "{}: cannot read the rules file: {e}",
                path.display()
            ))
        })?;
        Self::from_text(&text, path, drop_static)
    }

    /// The rules of a rules file's text (`path` names it in messages).
    pub fn from_text(text: &str, path: &Path, drop_static: bool) -> Result<Self> {
        let file: RulesFile = toml::from_str(text).map_err(|e| {
            Error::Usage(format!(
                "{}: not a rules file ([[class]] tables with name, glob and regex): {e}",
                path.display()
            ))
        })?;
        let mut c = Classifier::new(drop_static);
        let mut globs = GlobSetBuilder::new();
        let mut regexes = Vec::new();
        for (k, rule) in file.class.iter().enumerate() {
            let at = format!(
                "{}: class {:?} ([[class]] number {})",
                path.display(),
                rule.name,
                k + 1
            );
            if !valid_name(&rule.name) {
                return Err(Error::Usage(format!(
                    "{at}: a class name uses letters, digits, '_' and '-' only"
                )));
            }
            if c.rule_names.contains(&rule.name) {
                return Err(Error::Usage(format!("{at}: the name is used twice")));
            }
            if rule.glob.is_empty() && rule.regex.is_empty() {
                return Err(Error::Usage(format!(
                    "{at}: give at least one glob or regex"
                )));
            }
            for g in &rule.glob {
                let glob = GlobBuilder::new(g)
                    .case_insensitive(true)
                    .literal_separator(true)
                    .build()
                    .map_err(|e| Error::Usage(format!("{at}: glob {g:?}: {e}")))?;
                globs.add(glob);
                c.glob_rule.push(k);
            }
            for r in &rule.regex {
                regex::bytes::Regex::new(r)
                    .map_err(|e| Error::Usage(format!("{at}: regex {r:?}: {e}")))?;
                regexes.push(r.clone());
                c.regex_rule.push(k);
            }
            c.rule_names.push(rule.name.clone());
        }
        c.globs = globs
            .build()
            .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
        c.regexes = RegexSet::new(&regexes)
            .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
        Ok(c)
    }

    /// Class names of the rules file, in file order.
    pub fn rule_names(&self) -> &[String] {
        &self.rule_names
    }

    /// Writes the class of the URL path `stem` (as logged, `+` for a space)
    /// into `out` (cleared first). Returns `false` for a request to drop (a
    /// static resource under `--drop-static`).
    pub fn classify(&mut self, stem: &[u8], out: &mut Vec<u8>) -> bool {
        out.clear();
        if !self.rule_names.is_empty() {
            let path: &[u8] = if stem.contains(&b'+') {
                self.spaced.clear();
                self.spaced
                    .extend(stem.iter().map(|&b| if b == b'+' { b' ' } else { b }));
                &self.spaced
            } else {
                stem
            };
            let mut best = usize::MAX;
            if !self.glob_rule.is_empty() {
                // Globs match text; a path that is not UTF-8 is matched lossily.
                let text = String::from_utf8_lossy(path);
                self.globs.matches_into(text.as_ref(), &mut self.glob_hits);
                for &g in &self.glob_hits {
                    best = best.min(self.glob_rule[g]);
                }
            }
            if !self.regex_rule.is_empty() && self.regexes.is_match(path) {
                for r in self.regexes.matches(path).iter() {
                    best = best.min(self.regex_rule[r]);
                }
            }
            if best != usize::MAX {
                out.extend_from_slice(self.rule_names[best].as_bytes());
                return true;
            }
        }
        default_class(stem, self.drop_static, out)
    }
}

/// The default rule: static resources → `static` (or dropped), else the
/// first path segment lowercased (`root` for `/`).
fn default_class(stem: &[u8], drop_static: bool, out: &mut Vec<u8>) -> bool {
    if is_static(stem) {
        if drop_static {
            return false;
        }
        out.extend_from_slice(STATIC_CLASS.as_bytes());
        return true;
    }
    let path = stem.strip_prefix(b"/").unwrap_or(stem);
    let end = path.iter().position(|&b| b == b'/').unwrap_or(path.len());
    if end == 0 {
        out.extend_from_slice(ROOT_CLASS.as_bytes());
    } else {
        push_name(&path[..end], true, out);
    }
    true
}

/// Whether the last segment of `stem` ends with a static extension.
pub fn is_static(stem: &[u8]) -> bool {
    let last = match stem.iter().rposition(|&b| b == b'/') {
        Some(i) => &stem[i + 1..],
        None => stem,
    };
    let Some(dot) = last.iter().rposition(|&b| b == b'.') else {
        return false;
    };
    let ext = &last[dot + 1..];
    STATIC_EXTENSIONS
        .iter()
        .any(|s| s.len() == ext.len() && s.eq_ignore_ascii_case(ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(c: &mut Classifier, stem: &str) -> Option<String> {
        let mut out = Vec::new();
        c.classify(stem.as_bytes(), &mut out)
            .then(|| String::from_utf8(out).unwrap())
    }

    #[test]
    fn default_rule_is_the_module() {
        let mut c = Classifier::new(false);
        let cases = [
            (
                "/Orders/screenservices/Orders/MainFlow/List/DataActionGetOrders",
                "orders",
            ),
            ("/Orders/moduleservices/moduleversioninfo", "orders"),
            ("/CRM_API/rest/Customers/Get", "crm_api"),
            ("/Billing/InvoiceService.asmx", "billing"),
            ("/Billing/Invoice.aspx", "billing"),
            ("/HR", "hr"),
            ("/", "root"),
            ("/Orders/scripts/OutSystems.js", "static"),
            ("/Orders/img/Logo.PNG", "static"),
            ("/Orders/fonts/x.woff2", "static"),
            ("/My%20App/Home", "my_20app"),
            ("/Orders/jsonservice", "orders"),
        ];
        for (stem, want) in cases {
            assert_eq!(class(&mut c, stem).as_deref(), Some(want), "{stem}");
        }
        let mut d = Classifier::new(true);
        assert_eq!(class(&mut d, "/Orders/scripts/OutSystems.js"), None);
        assert_eq!(class(&mut d, "/Orders/Home"), Some("orders".into()));
    }

    /// The documentation: "characters other than letters, digits, `_` and
    /// `-` become `_`". A character of several UTF-8 bytes became one `_`
    /// per byte: JMeter's `Página Inicial` was `P__gina_Inicial`.
    #[test]
    fn a_character_of_several_bytes_is_one_underscore() {
        let name = |raw: &[u8]| {
            let mut out = Vec::new();
            push_name(raw, false, &mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(name("Página Inicial".as_bytes()), "P_gina_Inicial");
        assert_eq!(name("注文 一覧".as_bytes()), "_____");
        assert_eq!(name("Ä€😀x".as_bytes()), "___x");
        // Not UTF-8 (Latin-1 á, a stray continuation byte): one each.
        assert_eq!(name(b"P\xE1gina"), "P_gina");
        assert_eq!(name(b"a\xA3b"), "a_b");
        let mut c = Classifier::new(false);
        assert_eq!(
            class(&mut c, "/ÁreaCliente/Home").as_deref(),
            Some("_reacliente")
        );
    }

    #[test]
    fn rules_first_match_in_file_order_then_default() {
        let text = r#"
            [[class]]
            name = "login"
            glob = ["/Users/**", "/*/Login.aspx"]

            [[class]]
            name = "api"
            regex = ['^/\w+/rest/']

            [[class]]
            name = "everything_users"
            glob = ["/users/**"]
        "#;
        let mut c = Classifier::from_text(text, Path::new("r.toml"), true).unwrap();
        assert_eq!(c.rule_names(), ["login", "api", "everything_users"]);
        assert_eq!(
            class(&mut c, "/users/screenservices/X").as_deref(),
            Some("login")
        );
        assert_eq!(class(&mut c, "/Shop/Login.aspx").as_deref(), Some("login"));
        // `*` does not cross a segment.
        assert_eq!(class(&mut c, "/Shop/a/Login.aspx").as_deref(), Some("shop"));
        assert_eq!(class(&mut c, "/Shop/rest/Cart/Add").as_deref(), Some("api"));
        assert_eq!(class(&mut c, "/Shop/Home").as_deref(), Some("shop"));
        assert_eq!(class(&mut c, "/Shop/app.js"), None);
    }

    #[test]
    fn bad_rules_are_usage_errors() {
        for (text, says) in [
            (
                "[[class]]\nname = \"a b\"\nglob = [\"/x\"]",
                "letters, digits",
            ),
            ("[[class]]\nname = \"a\"", "at least one"),
            ("[[class]]\nname = \"a\"\nregex = [\"(\"]", "regex"),
            ("[[class]]\nname = \"a\"\nglob = [\"a[\"]", "glob"),
            (
                "[[class]]\nname = \"a\"\nglob = [\"/x\"]\n[[class]]\nname = \"a\"\nglob = [\"/y\"]",
                "twice",
            ),
            ("[[klass]]", "not a rules file"),
        ] {
            let e = Classifier::from_text(text, Path::new("r.toml"), false).unwrap_err();
            assert!(matches!(e, Error::Usage(_)), "{text}");
            let msg = e.to_string();
            assert!(msg.contains("r.toml") && msg.contains(says), "{msg}");
        }
    }
}
