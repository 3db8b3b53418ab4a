//! Cobaya MCMC chains: `root.1.txt`, `root.2.txt`, … with a header line of column names,
//! and the run's settings in `root.updated.yaml` (or `root.input.yaml`).
//!
//! Each chain file starts with `#  weight  minuslogpost  name_1 … name_k`, then one row per
//! sample. The parameters are every column after `minuslogpost`, as anesthetic reads them:
//! the sampled parameters, the derived ones, and Cobaya's bookkeeping columns `minuslogprior*`
//! and `chi2*`. `log L = −chi2 / 2` when a `chi2` column exists. Each file's rows are kept as
//! one chain ([`WeightedSamples::with_chains`]).
//!
//! From the YAML, when present and readable, come LaTeX labels (`latex:`), the prior limits
//! of uniform priors (`prior: {min, max}`) and which parameters are sampled: a parameter with
//! a `prior` is sampled, everything else derived. The YAML only adds metadata: when it is
//! missing or cannot be parsed, the chain is still read, with names as labels, no ranges, and
//! only the `minuslogprior*` and `chi2*` columns marked derived.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::paramnames::Ranges;
use super::text::{check_weights, read_whitespace};
use super::{Chain, ChainFormat};
use crate::error::{Error, ParseKind, Result};
use crate::matrix::Matrix;
use crate::samples::WeightedSamples;

/// The chain files `root.1.txt`, `root.2.txt`, … that exist (consecutive from 1).
pub fn chain_files(root: &Path) -> Vec<PathBuf> {
    (1..)
        .map(|k| PathBuf::from(format!("{}.{k}.txt", root.display())))
        .take_while(|p| p.is_file())
        .collect()
}

/// `root` when `path` is a Cobaya chain file `root.N.txt`.
pub fn root_of(path: &Path) -> Option<PathBuf> {
    let s = path.to_str()?;
    let stem = s.strip_suffix(".txt")?;
    let (root, k) = stem.rsplit_once('.')?;
    (!k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()) && !root.is_empty())
        .then(|| PathBuf::from(root))
}

/// The column names of a Cobaya header line, `None` when `line` is not one (`#` followed by
/// `weight  minuslogpost …`).
pub fn header_names(line: &str) -> Option<Vec<String>> {
    let rest = line.trim_start().strip_prefix('#')?;
    let f: Vec<String> = rest.split_whitespace().map(str::to_string).collect();
    (f.len() >= 3 && f[0] == "weight" && f[1] == "minuslogpost").then_some(f)
}

/// The first line of a file (at most 64 KiB of it), `None` when it cannot be read.
fn first_line(path: &Path) -> Option<String> {
    use std::io::{BufRead, Read};
    let f = std::fs::File::open(path).ok()?;
    let mut line = String::new();
    std::io::BufReader::new(f.take(1 << 16))
        .read_line(&mut line)
        .ok()?;
    Some(line)
}

/// True when `path` starts with a Cobaya header line (see [`header_names`]).
pub fn has_header(path: &Path) -> bool {
    first_line(path).and_then(|l| header_names(&l)).is_some()
}

/// Reads every chain `root.1.txt`, `root.2.txt`, … of a Cobaya run (see the module docs).
///
/// Errors name the file and line: a missing or different header (every chain must have the
/// same columns), a row with the wrong number of fields, a non-number, NaN or infinity, a
/// negative weight, an empty chain.
pub fn read_cobaya(root: &Path) -> Result<Chain> {
    let files = chain_files(root);
    let Some(first) = files.first() else {
        return Err(Error::io(
            format!("{}.1.txt", root.display()),
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no Cobaya chain files root.1.txt, root.2.txt, …",
            ),
        ));
    };
    let header = |f: &Path| -> Result<Vec<String>> {
        let line = first_line(f).unwrap_or_default();
        header_names(&line).ok_or_else(|| Error::Parse {
            kind: ParseKind::Names,
            column: None,
            path: f.into(),
            line: 1,
            reason: "no Cobaya header: the first line must be `#  weight  minuslogpost  name …`"
                .into(),
        })
    };
    let cols = header(first)?;
    let ncols = cols.len();
    let name = |j: usize| cols[j].clone();
    let mut data = Vec::new();
    let mut lengths = Vec::with_capacity(files.len());
    for f in &files {
        let h = header(f)?;
        if h != cols {
            return Err(Error::Parse {
                kind: ParseKind::Names,
                column: None,
                path: f.clone(),
                line: 1,
                reason: format!(
                    "its columns differ from {}'s; every chain of a run must have the same columns",
                    first.display()
                ),
            });
        }
        let (m, lines) = read_whitespace(f, Some(ncols), &name, &|_| false)?;
        check_weights(f, &m, &lines, 0)?;
        lengths.push(m.nrows());
        data.extend_from_slice(m.as_slice());
    }
    let n: usize = lengths.iter().sum();
    let all = Matrix::new(n, ncols, data)?;
    let names: Vec<String> = cols[2..].to_vec();
    let idx: Vec<usize> = (2..ncols).collect();
    let log_l = cols
        .iter()
        .position(|c| c == "chi2")
        .map(|j| all.column(j).iter().map(|v| -0.5 * v).collect::<Vec<_>>());
    let meta = read_yaml(root);
    let labels: Vec<String> = names
        .iter()
        .map(|p| {
            meta.as_ref()
                .and_then(|m| m.get(p))
                .and_then(|m| m.latex.clone())
                .unwrap_or_else(|| p.clone())
        })
        .collect();
    let bookkeeping = |p: &str| p.starts_with("minuslogprior") || p.starts_with("chi2");
    let derived: Vec<bool> = names
        .iter()
        .map(|p| match &meta {
            Some(m) => !m.get(p).is_some_and(|m| m.sampled),
            None => bookkeeping(p),
        })
        .collect();
    let ranges = meta.as_ref().map(|m| {
        Ranges::from_entries(
            m.iter()
                .filter_map(|(p, v)| v.limits.map(|(lo, hi)| (p.clone(), Some(lo), Some(hi))))
                .collect(),
        )
    });
    let mut samples = WeightedSamples::new(all.select_columns(&idx), all.column(0), names)?
        .with_labels(labels)?
        .with_chains(&lengths)?;
    if let Some(l) = log_l {
        samples = samples.with_log_likelihood(l, None)?;
    }
    Ok(Chain {
        samples,
        ranges,
        derived,
        format: ChainFormat::Cobaya,
    })
}

/// What the YAML says about one parameter.
#[derive(Debug, Clone, Default)]
struct ParamMeta {
    latex: Option<String>,
    sampled: bool,
    limits: Option<(f64, f64)>,
}

/// The `params` block of `root.updated.yaml`, else of `root.input.yaml`; `None` when neither
/// exists or parses.
fn read_yaml(root: &Path) -> Option<BTreeMap<String, ParamMeta>> {
    let r = root.display();
    let text = [format!("{r}.updated.yaml"), format!("{r}.input.yaml")]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())?;
    let doc = yaml_value(&text)?;
    let params = doc.get("params")?.as_object()?;
    let num = |v: &serde_json::Value| -> Option<f64> {
        v.as_f64()
            .or_else(|| v.as_str().and_then(crate::samples::csv::parse_number))
    };
    Some(
        params
            .iter()
            .map(|(name, v)| {
                let prior = v.get("prior");
                let limits = prior.and_then(|p| {
                    let lo = num(p.get("min")?)?;
                    let hi = num(p.get("max")?)?;
                    (lo.is_finite() && hi.is_finite() && lo < hi).then_some((lo, hi))
                });
                let meta = ParamMeta {
                    latex: v.get("latex").and_then(|l| l.as_str()).map(str::to_string),
                    sampled: prior.is_some(),
                    limits,
                };
                (name.clone(), meta)
            })
            .collect(),
    )
}

/// A YAML (or JSON, which YAML contains) document as a tree; non-finite numbers (`.inf`, which
/// Cobaya writes for unlimited settings, and JSON's `Infinity`) become `null` or strings rather
/// than failing the whole document. `None` when the text does not parse.
pub(crate) fn yaml_value(text: &str) -> Option<serde_json::Value> {
    let mut opts = serde_saphyr::Options::default();
    opts.non_finite_float_policy = serde_saphyr::NonFiniteFloatPolicy::PassThrough;
    serde_saphyr::from_str_with_options(text, opts).ok()
}
