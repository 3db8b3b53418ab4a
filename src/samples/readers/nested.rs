//! Nested-sampling output: PolyChord and MultiNest.
//!
//! - `root.txt` (both): rows `weight  −2 log L  p_1 … p_d`; names from `root.paramnames` if
//!   present (else `p0, p1, …`).
//! - `root_dead-birth.txt` (PolyChord): rows `p_1 … p_d  log L  log L_birth`, one per dead
//!   point, plus `root_phys_live-birth.txt` (the final live points) when present. The weights
//!   are computed from the birth contours as anesthetic does (Handley et al. 2019,
//!   arXiv:1905.04768): sorting by `log L`, the number of live points when point `i` dies is
//!   `n_i = #{j : L_birth,j < L_i ≤ L_j}`, the expected log prior volume is
//!   `log X_i = Σ_{k≤i} log(n_k / (n_k + 1))`, and `w_i ∝ L_i (X_{i−1} − X_i)`.
//! - `root_post_equal_weights.dat` (MultiNest): rows `p_1 … p_d  log L`, all weights 1.

use std::path::{Path, PathBuf};

use super::paramnames::ParamNames;
use super::text::{check_weights, read_whitespace};
use super::{Chain, ChainFormat};
use crate::error::{Error, Result};
use crate::matrix::Matrix;
use crate::samples::WeightedSamples;

/// Names, optional labels and derived flags.
type Names = (Vec<String>, Option<Vec<String>>, Vec<bool>);

fn names_for(root: &Path, d: usize, file: &Path) -> Result<Names> {
    let pn_path = PathBuf::from(format!("{}.paramnames", root.display()));
    if !pn_path.is_file() {
        return Ok((WeightedSamples::default_names(d), None, vec![false; d]));
    }
    let pn = ParamNames::read(&pn_path)?;
    if pn.len() != d {
        return Err(Error::Parse {
            path: file.into(),
            line: 1,
            reason: format!(
                "{d} parameter columns, but {} lists {} names; the paramnames file does not match this chain",
                pn_path.display(),
                pn.len()
            ),
        });
    }
    Ok((pn.names, Some(pn.labels), pn.derived))
}

fn finish(
    values: Matrix,
    weights: Vec<f64>,
    root: &Path,
    file: &Path,
    format: ChainFormat,
) -> Result<Chain> {
    let (names, labels, derived) = names_for(root, values.ncols(), file)?;
    let mut samples = WeightedSamples::new(values, weights, names)?;
    if let Some(l) = labels {
        samples = samples.with_labels(l)?;
    }
    Ok(Chain {
        samples,
        ranges: None,
        derived,
        format,
    })
}

/// Reads `root.txt` (PolyChord or MultiNest weighted posterior): `weight, −2 log L, params`.
pub fn read_weighted_txt(root: &Path) -> Result<Chain> {
    let file = PathBuf::from(format!("{}.txt", root.display()));
    let name = |j: usize| match j {
        0 => "weight".to_string(),
        1 => "-2 log L".to_string(),
        j => format!("parameter {}", j - 2),
    };
    let (m, lines) = read_whitespace(&file, None, &name, &|_| false)?;
    if m.ncols() < 3 {
        return Err(Error::Parse {
            path: file,
            line: lines[0],
            reason: format!(
                "{} columns; expected weight, -2 log L and at least one parameter",
                m.ncols()
            ),
        });
    }
    check_weights(&file, &m, &lines, 0)?;
    let cols: Vec<usize> = (2..m.ncols()).collect();
    let log_l: Vec<f64> = m.column(1).iter().map(|v| -0.5 * v).collect();
    let chain = finish(
        m.select_columns(&cols),
        m.column(0),
        root,
        &file,
        ChainFormat::PolyChord,
    )?;
    Ok(Chain {
        samples: chain.samples.with_log_likelihood(log_l, None)?,
        ..chain
    })
}

/// Reads MultiNest's `root_post_equal_weights.dat`: `params, log L`, every weight 1.
pub fn read_equal_weights(root: &Path) -> Result<Chain> {
    let file = PathBuf::from(format!("{}post_equal_weights.dat", root.display()));
    let file = if file.is_file() {
        file
    } else {
        PathBuf::from(format!("{}_post_equal_weights.dat", root.display()))
    };
    let (m, lines) = read_whitespace(&file, None, &|j| format!("column {j}"), &|_| false)?;
    if m.ncols() < 2 {
        return Err(Error::Parse {
            path: file,
            line: lines[0],
            reason: "expected parameters and a final log L column".into(),
        });
    }
    let d = m.ncols() - 1;
    let cols: Vec<usize> = (0..d).collect();
    let n = m.nrows();
    let chain = finish(
        m.select_columns(&cols),
        vec![1.0; n],
        root,
        &file,
        ChainFormat::MultiNest,
    )?;
    Ok(Chain {
        samples: chain.samples.with_log_likelihood(m.column(d), None)?,
        ..chain
    })
}

/// Reads PolyChord's `root_dead-birth.txt` (and `root_phys_live-birth.txt` if present) and
/// computes the posterior weights from the birth contours (see the module docs).
pub fn read_dead_birth(root: &Path) -> Result<Chain> {
    let dead = PathBuf::from(format!("{}_dead-birth.txt", root.display()));
    let live = PathBuf::from(format!("{}_phys_live-birth.txt", root.display()));
    let name = |j: usize| format!("column {}", j + 1);
    let (m, lines) = read_whitespace(&dead, None, &name, &|_| true)?;
    let c = m.ncols();
    if c < 3 {
        return Err(Error::Parse {
            path: dead,
            line: lines[0],
            reason: "expected parameters, log L and log L_birth".into(),
        });
    }
    // Only the birth column may be −∞; parameters and log L must be finite.
    for (r, l) in m.rows().zip(&lines) {
        if let Some(j) = r[..c - 1].iter().position(|v| !v.is_finite()) {
            return Err(Error::Parse {
                path: dead.clone(),
                line: *l,
                reason: format!("column {} holds {}; it must be finite", j + 1, r[j]),
            });
        }
    }
    let mut rows: Vec<Vec<f64>> = m.rows().map(|r| r.to_vec()).collect();
    if live.is_file() {
        let (lm, _) = read_whitespace(&live, Some(c), &name, &|_| true)?;
        rows.extend(lm.rows().map(|r| r.to_vec()));
    }
    let d = c - 2;
    rows.sort_by(|a, b| a[d].total_cmp(&b[d]));
    let log_l: Vec<f64> = rows.iter().map(|r| r[d]).collect();
    let birth: Vec<f64> = rows.iter().map(|r| r[d + 1]).collect();
    let log_w = nested_log_weights(&log_l, &birth);
    let mx = log_w.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let weights: Vec<f64> = log_w.iter().map(|w| (w - mx).exp()).collect();
    let values = Matrix::from_rows(&rows.iter().map(|r| r[..d].to_vec()).collect::<Vec<_>>())?;
    let chain = finish(
        values,
        weights,
        root,
        &dead,
        ChainFormat::PolyChordDeadBirth,
    )?;
    Ok(Chain {
        samples: chain.samples.with_log_likelihood(log_l, Some(birth))?,
        ..chain
    })
}

/// Unnormalised log posterior weights `log L_i + log(X_{i−1} − X_i)` of dead points sorted by
/// `log L`, from their birth contours (see the module docs).
pub fn nested_log_weights(log_l: &[f64], birth: &[f64]) -> Vec<f64> {
    let mut births: Vec<f64> = birth.to_vec();
    births.sort_by(f64::total_cmp);
    let mut log_x_prev = 0.0f64;
    let mut out = Vec::with_capacity(log_l.len());
    for (i, &l) in log_l.iter().enumerate() {
        // Points born below L_i, minus the i that died before it: the live points at death i.
        let born = births.partition_point(|b| *b < l);
        let n = (born.saturating_sub(i)).max(1) as f64;
        let log_x = log_x_prev + (n / (n + 1.0)).ln();
        // log(X_{i−1} − X_i) = log X_{i−1} + log(1 − X_i/X_{i−1}) = log X_{i−1} − log(n + 1).
        out.push(l + log_x_prev - (n + 1.0).ln());
        log_x_prev = log_x;
    }
    out
}
