//! `.paramnames` and `.ranges` files (getdist / CosmoMC / PolyChord conventions).

use std::path::Path;

use crate::error::{Error, ParseKind, Result};
use crate::samples::csv::parse_number;
use crate::transform::Bounds;

/// Parameter names, LaTeX labels and the derived flag (a name ending in `*`).
#[derive(Debug, Clone, PartialEq)]
pub struct ParamNames {
    /// Names without the trailing `*`.
    pub names: Vec<String>,
    /// LaTeX labels (the name itself when the file gives none).
    pub labels: Vec<String>,
    /// True for derived parameters.
    pub derived: Vec<bool>,
}

impl ParamNames {
    /// Reads `name  label` lines; errors naming the file and line for a duplicate name.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut out = ParamNames {
            names: vec![],
            labels: vec![],
            derived: vec![],
        };
        for (i, line) in text.lines().enumerate() {
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let (name, label) = match t.split_once(char::is_whitespace) {
                Some((n, l)) => (n, l.trim()),
                None => (t, t),
            };
            let derived = name.ends_with('*');
            let name = name.trim_end_matches('*').to_string();
            if out.names.contains(&name) {
                return Err(Error::Parse {
                    kind: ParseKind::Names,
                    column: None,
                    path: path.into(),
                    line: i + 1,
                    reason: format!("parameter `{name}` appears twice"),
                });
            }
            out.names.push(name);
            out.labels.push(label.to_string());
            out.derived.push(derived);
        }
        if out.names.is_empty() {
            return Err(Error::Parse {
                kind: ParseKind::Names,
                column: None,
                path: path.into(),
                line: 0,
                reason: "no parameter names".into(),
            });
        }
        Ok(out)
    }

    /// Number of parameters.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when there are none (never, for a file that was read).
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// Hard prior limits from a `.ranges` file: `name lo hi`, `N` for an open end.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ranges {
    entries: Vec<(String, Option<f64>, Option<f64>)>,
}

impl Ranges {
    /// Ranges from `(name, lo, hi)` entries, `None` for an open end (what a Cobaya reader
    /// builds from its YAML priors).
    pub fn from_entries(entries: Vec<(String, Option<f64>, Option<f64>)>) -> Self {
        Self { entries }
    }

    /// Reads a `.ranges` file; errors naming file and line for a malformed entry.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut entries = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let f: Vec<&str> = t.split_whitespace().collect();
            let bad = |kind: ParseKind, column: Option<usize>, reason: String| Error::Parse {
                kind,
                column,
                path: path.into(),
                line: i + 1,
                reason,
            };
            if f.len() != 3 {
                return Err(bad(
                    ParseKind::FieldCount,
                    None,
                    format!(
                        "{} fields; expected `name lo hi` (`N` for unbounded)",
                        f.len()
                    ),
                ));
            }
            let end = |j: usize| -> Result<Option<f64>> {
                let s = f[j];
                if s == "N" {
                    Ok(None)
                } else {
                    parse_number(s)
                        .filter(|v| !v.is_nan())
                        .map(Some)
                        .ok_or_else(|| {
                            bad(
                                ParseKind::NotANumber,
                                Some(j + 1),
                                format!("`{s}` is neither a number nor `N`"),
                            )
                        })
                }
            };
            entries.push((f[0].trim_end_matches('*').to_string(), end(1)?, end(2)?));
        }
        Ok(Self { entries })
    }

    /// The limits of one parameter, `(lo, hi)` with `None` for an open end; `None` when the
    /// file does not list the parameter.
    pub fn get(&self, name: &str) -> Option<(Option<f64>, Option<f64>)> {
        self.entries
            .iter()
            .find(|e| e.0 == name)
            .map(|e| (e.1, e.2))
    }

    /// The limits of the named parameters: a `N` end, or a parameter the file does not list, is
    /// open. `None` when the file lists none of them, or when a listed pair is not `lo < hi`
    /// (a fixed parameter).
    pub fn bounds<S: AsRef<str>>(&self, names: &[S]) -> Option<Bounds> {
        let limits: Vec<_> = names.iter().map(|n| self.get(n.as_ref())).collect();
        if limits.iter().all(Option::is_none) {
            return None;
        }
        let (lo, hi) = limits
            .into_iter()
            .map(|l| {
                let (lo, hi) = l.unwrap_or((None, None));
                (lo.unwrap_or(f64::NEG_INFINITY), hi.unwrap_or(f64::INFINITY))
            })
            .unzip();
        Bounds::new(lo, hi).ok()
    }
}
