//! Nested-sampling output: PolyChord and MultiNest.
//!
//! - `root.txt` (both): rows `weight  −2 log L  p_1 … p_d`; names from `root.paramnames` if
//!   present (else `p0, p1, …`).
//! - `root_dead-birth.txt` (PolyChord): rows `p_1 … p_d  log L  log L_birth`, one per dead
//!   point, plus `root_phys_live-birth.txt` (the final live points) when present. The weights
//!   are computed from the birth contours as anesthetic does (Handley et al. 2019,
//!   arXiv:1905.04768): sorting by `log L`, the number of live points when point `i` dies is
//!   `n_i = #{j : L_birth,j < L_i ≤ L_j}`, the expected log prior volume is
//!   `log X_i = Σ_{k≤i} log(n_k / (n_k + 1))`, and `w_i ∝ L_i (X_{i−1} − X_{i+1}) / 2` (the
//!   trapezoid rule), bit for bit the definition of anesthetic's `logw()`.
//! - `ROOTdead-birth.txt` + `ROOTphys_live-birth.txt` (MultiNest, no `_` after the root), or
//!   the old `ROOTev.dat` + `ROOTphys_live.points`: see [`read_multinest`].
//! - `root_post_equal_weights.dat` (MultiNest): rows `p_1 … p_d  log L`, all weights 1.

use std::path::{Path, PathBuf};

use super::paramnames::ParamNames;
use super::text::{check_weights, read_whitespace, read_whitespace_or_empty};
use super::{Chain, ChainFormat};
use crate::error::{Error, ParseKind, Result};
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
            kind: ParseKind::Names,
            column: None,
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
            kind: ParseKind::FieldCount,
            column: None,
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
            kind: ParseKind::FieldCount,
            column: None,
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

/// Reads PolyChord's `root_dead-birth.txt` (and `root_phys_live-birth.txt` if present, empty
/// when the run ended with no live points) and computes the posterior weights from the birth
/// contours (see the module docs).
///
/// Rows: `p_1 … p_d  log L  log L_birth`. As anesthetic does, rows written to both files
/// (PolyChord may repeat the final live points among the dead) are kept once. `log L = −∞`
/// (a point where the likelihood vanishes, typically an initial live point) is accepted with
/// weight zero; the prior volume it held is still counted (see [`nested_log_weights`]).
/// `log L` and `log L_birth` at or below [`LOG_ZERO`] (`−1e30`, how PolyChord writes `−∞`)
/// are read as `−∞`, as anesthetic does.
///
/// Errors name the file and line: a non-finite parameter, NaN or `+∞` in `log L` or
/// `log L_birth`, a birth contour at or above its own `log L`, a wrong column count.
pub fn read_dead_birth(root: &Path) -> Result<Chain> {
    let dead = PathBuf::from(format!("{}_dead-birth.txt", root.display()));
    let live = PathBuf::from(format!("{}_phys_live-birth.txt", root.display()));
    read_birth_files(root, &dead, &live, 0, 0, ChainFormat::PolyChordDeadBirth)
}

/// Reads MultiNest's `ROOTdead-birth.txt` and `ROOTphys_live-birth.txt` (no `_` after the
/// root, as MultiNest writes them), or, for runs written before MultiNest recorded birth
/// contours, `ROOTev.dat` and `ROOTphys_live.points`.
///
/// - `ROOTdead-birth.txt`: `p_1 … p_d  log L  log L_birth  log X  node`;
/// - `ROOTphys_live-birth.txt`: `p_1 … p_d  log L  log L_birth  node`;
/// - `ROOTev.dat`: `p_1 … p_d  log L  log X  node`;
/// - `ROOTphys_live.points`: `p_1 … p_d  log L  node`.
///
/// With birth contours the weights follow as for PolyChord. Without them (the old format) the
/// run is taken to have had a constant number `n` of live points, `n` being the number of
/// final live points, which die at the end with `n, n − 1, …, 1` live (anesthetic's rule).
/// `log X` is not used: it is recomputed from the number of live points, as anesthetic does.
pub fn read_multinest(root: &Path) -> Result<Chain> {
    let r = root.display();
    let dead = PathBuf::from(format!("{r}dead-birth.txt"));
    if dead.is_file() {
        let live = PathBuf::from(format!("{r}phys_live-birth.txt"));
        return read_birth_files(root, &dead, &live, 2, 1, ChainFormat::MultiNestDeadBirth);
    }
    let ev = PathBuf::from(format!("{r}ev.dat"));
    let live = PathBuf::from(format!("{r}phys_live.points"));
    let name = |j: usize| format!("column {}", j + 1);
    let (m, lines) = read_whitespace(&ev, None, &name, &|_| true)?;
    let c = m.ncols();
    if c < 4 {
        return Err(Error::Parse {
            kind: ParseKind::FieldCount,
            column: None,
            path: ev,
            line: lines[0],
            reason: format!("{c} columns; expected parameters, log L, log X and the node number"),
        });
    }
    let d = c - 3;
    check_nested_rows(&ev, &m, &lines, d, None)?;
    let mut rows: Vec<Vec<f64>> = m.rows().map(|r| r[..=d].to_vec()).collect();
    let (lm, llines) = read_whitespace_or_empty(&live, d + 2, &name, &|_| true)?;
    check_nested_rows(&live, &lm, &llines, d, None)?;
    let mut live_rows: Vec<Vec<f64>> = lm.rows().map(|r| r[..=d].to_vec()).collect();
    live_rows.sort_by(|a, b| a[d].total_cmp(&b[d]));
    let n_live_final = live_rows.len();
    if n_live_final == 0 {
        return Err(Error::Parse {
            kind: ParseKind::Empty,
            column: None,
            path: live,
            line: 0,
            reason: "no live points: the old MultiNest format records the number of live points only through this file; without it the weights cannot be computed".into(),
        });
    }
    rows.extend(live_rows);
    rows.sort_by(|a, b| a[d].total_cmp(&b[d]));
    let log_l: Vec<f64> = rows.iter().map(|r| r[d]).collect();
    let n = rows.len();
    let nlive: Vec<f64> = (0..n).map(|i| n_live_final.min(n - i) as f64).collect();
    let log_w = log_weights_from_nlive(&log_l, &nlive);
    let values = Matrix::from_rows(&rows.iter().map(|r| r[..d].to_vec()).collect::<Vec<_>>())?;
    let chain = finish(
        values,
        normalise_log_weights(&log_w, &ev)?,
        root,
        &ev,
        ChainFormat::MultiNestDeadBirth,
    )?;
    Ok(Chain {
        samples: chain.samples.with_log_likelihood(log_l, None)?,
        ..chain
    })
}

/// Checks the nested-sampling columns of rows read with every column allowed to be infinite:
/// parameters `0..d` finite, `log L` (column `d`) and, when given, `log L_birth` (column `b`)
/// not NaN or `+∞`, and a birth contour below its own `log L` (both `−∞` is allowed: a point
/// born and dead where the likelihood vanishes).
pub(super) fn check_nested_rows(
    path: &Path,
    m: &Matrix,
    lines: &[usize],
    d: usize,
    birth: Option<usize>,
) -> Result<()> {
    for (r, &line) in m.rows().zip(lines) {
        let bad = |kind: ParseKind, column: usize, reason: String| Error::Parse {
            kind,
            column: Some(column),
            path: path.into(),
            line,
            reason,
        };
        if let Some(j) = r[..d].iter().position(|v| !v.is_finite()) {
            return Err(bad(
                ParseKind::NonFinite,
                j + 1,
                format!(
                    "parameter column {} holds {}; parameters must be finite",
                    j + 1,
                    r[j]
                ),
            ));
        }
        if r[d] == f64::INFINITY {
            return Err(bad(
                ParseKind::NonFinite,
                d + 1,
                format!(
                    "log L (column {}) is +inf; a likelihood must be finite or -inf",
                    d + 1
                ),
            ));
        }
        if let Some(b) = birth {
            let (l, lb) = (r[d], r[b]);
            if lb == f64::INFINITY {
                return Err(bad(
                    ParseKind::NonFinite,
                    b + 1,
                    format!(
                        "log L_birth (column {}) is +inf; a birth contour must be finite or -inf",
                        b + 1
                    ),
                ));
            }
            if !(lb < l || (lb == f64::NEG_INFINITY && l == f64::NEG_INFINITY)) {
                return Err(bad(ParseKind::BirthContour, b + 1, format!(
                    "birth contour log L_birth = {lb} is not below the point's own log L = {l}; a point is born inside its contour: the file is corrupt or its columns are not `params, log L, log L_birth`"
                )));
            }
        }
    }
    Ok(())
}

/// PolyChord's and MultiNest's `log 0`: values of `log L` and `log L_birth` at or below it
/// are `−∞` (anesthetic's `logzero`, the same threshold).
pub const LOG_ZERO: f64 = -1e30;

/// The level at which margflow's sampler writes points where the likelihood vanishes
/// (`L = 0`), and the birth contour of the points that replace them: just above
/// [`LOG_ZERO`], so that anesthetic and these readers keep such points, with weight exactly
/// zero (`exp(−1e29) = 0` in `f64`), and count the prior volume they held. The initial live
/// points are born at `−∞` (written as [`LOG_ZERO`]), below this level, and the points drawn
/// to replace the vanishing ones are born at it; so the vanishing points die as a plateau, with
/// `n, n − 1, …` live points (Fowlie, Handley & Su 2021, arXiv:2010.13884), which removes the
/// prior volume where `L = 0` from `X` without a bias. The sampler treats every `log L` at or
/// below this level as `L = 0`: `exp` of it is zero in `f64` anyway.
pub const LOG_L_VANISHING: f64 = -1e29;

/// `m` with `log L` (column `d`) and `log L_birth` (column `d + 1`) at or below [`LOG_ZERO`]
/// set to `−∞`.
fn log_zero_to_neg_inf(mut m: Matrix, d: usize) -> Matrix {
    let c = m.ncols();
    for (k, v) in m.as_mut_slice().iter_mut().enumerate() {
        let j = k % c;
        if (j == d || j == d + 1) && *v <= LOG_ZERO {
            *v = f64::NEG_INFINITY;
        }
    }
    m
}

/// Reads a dead-points file and its final live points, with `extra_dead` columns after
/// `log L_birth` in the dead file and `extra_live` in the live file (MultiNest's `log X` and
/// node number), and builds the weighted chain.
fn read_birth_files(
    root: &Path,
    dead: &Path,
    live: &Path,
    extra_dead: usize,
    extra_live: usize,
    format: ChainFormat,
) -> Result<Chain> {
    let name = |j: usize| format!("column {}", j + 1);
    let (m, lines) = read_whitespace(dead, None, &name, &|_| true)?;
    let c = m.ncols();
    if c < 3 + extra_dead {
        return Err(Error::Parse {
            kind: ParseKind::FieldCount,
            column: None,
            path: dead.into(),
            line: lines[0],
            reason: format!(
                "{c} columns; expected parameters, log L and log L_birth{}",
                if extra_dead > 0 {
                    ", log X and the node number"
                } else {
                    ""
                }
            ),
        });
    }
    let d = c - 2 - extra_dead;
    let m = log_zero_to_neg_inf(m, d);
    check_nested_rows(dead, &m, &lines, d, Some(d + 1))?;
    let mut rows: Vec<Vec<f64>> = m.rows().map(|r| r[..d + 2].to_vec()).collect();
    if live.is_file() {
        let (lm, llines) = read_whitespace_or_empty(live, d + 2 + extra_live, &name, &|_| true)?;
        let lm = log_zero_to_neg_inf(lm, d);
        check_nested_rows(live, &lm, &llines, d, Some(d + 1))?;
        rows.extend(lm.rows().map(|r| r[..d + 2].to_vec()));
    }
    // Sort by log L (then by the other columns, so that repeated rows are adjacent) and keep
    // each distinct row once.
    rows.sort_by(|a, b| {
        a[d].total_cmp(&b[d]).then_with(|| {
            a.iter()
                .zip(b)
                .map(|(x, y)| x.total_cmp(y))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        })
    });
    rows.dedup_by(|a, b| {
        a.iter()
            .zip(b.iter())
            .all(|(x, y)| x.to_bits() == y.to_bits())
    });
    let log_l: Vec<f64> = rows.iter().map(|r| r[d]).collect();
    let birth: Vec<f64> = rows.iter().map(|r| r[d + 1]).collect();
    let log_w = nested_log_weights(&log_l, &birth);
    let values = Matrix::from_rows(&rows.iter().map(|r| r[..d].to_vec()).collect::<Vec<_>>())?;
    let chain = finish(
        values,
        normalise_log_weights(&log_w, dead)?,
        root,
        dead,
        format,
    )?;
    Ok(Chain {
        samples: chain.samples.with_log_likelihood(log_l, Some(birth))?,
        ..chain
    })
}

/// Weights `exp(log w − max log w)`; an error naming the file when every point has `L = 0`.
pub(super) fn normalise_log_weights(log_w: &[f64], file: &Path) -> Result<Vec<f64>> {
    let mx = log_w.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if !mx.is_finite() {
        return Err(Error::Parse {
            kind: ParseKind::Weight,
            column: None,
            path: file.into(),
            line: 0,
            reason: "every point has log L = -inf: the run holds no posterior mass".into(),
        });
    }
    Ok(log_w.iter().map(|w| (w - mx).exp()).collect())
}

/// The number of live points when each dead point died, from the birth contours, for points
/// sorted by `log L`: `n_i = #{j : L_birth,j < L_i} − i` (0-based `i`), anesthetic's
/// `compute_nlive`. Points with `log L = −∞` count the births at `−∞` as below them, so that
/// initial points where the likelihood vanishes die with the full set of live points and the
/// prior volume they held is removed from `X` (anesthetic drops such points instead). Never
/// below 1.
pub fn nlive_from_birth(log_l: &[f64], birth: &[f64]) -> Vec<f64> {
    let mut births: Vec<f64> = birth.to_vec();
    births.sort_by(f64::total_cmp);
    log_l
        .iter()
        .enumerate()
        .map(|(i, &l)| {
            let born = if l == f64::NEG_INFINITY {
                births.partition_point(|b| *b <= l)
            } else {
                births.partition_point(|b| *b < l)
            };
            born.saturating_sub(i).max(1) as f64
        })
        .collect()
}

/// Unnormalised log posterior weights `log L_i + log ΔX_i` of dead points sorted by `log L`,
/// given the number of live points `n_i` at each death, exactly as anesthetic computes them:
/// `log X_i = Σ_{k≤i} log(n_k / (n_k + 1))` and the trapezoid width
/// `ΔX_i = (X_{i−1} − X_{i+1}) / 2` with `X_0 = 1`, `X_{N+1} = 0`. Their log-sum-exp is the
/// run's `log Z` (anesthetic's `logZ()`).
pub fn log_weights_from_nlive(log_l: &[f64], nlive: &[f64]) -> Vec<f64> {
    let mut log_x = Vec::with_capacity(nlive.len());
    let mut acc = 0.0f64;
    for &n in nlive {
        acc += (n / (n + 1.0)).ln();
        log_x.push(acc);
    }
    let n = log_l.len();
    (0..n)
        .map(|i| {
            let xp = if i == 0 { 0.0 } else { log_x[i - 1] };
            let xm = if i + 1 < n {
                log_x[i + 1]
            } else {
                f64::NEG_INFINITY
            };
            let log_dx = (-(xm - xp).exp()).ln_1p() + xp - std::f64::consts::LN_2;
            if log_l[i] == f64::NEG_INFINITY {
                f64::NEG_INFINITY
            } else {
                log_l[i] + log_dx
            }
        })
        .collect()
}

/// Unnormalised log posterior weights of dead points sorted by `log L`, from their birth
/// contours: [`log_weights_from_nlive`] with [`nlive_from_birth`].
pub fn nested_log_weights(log_l: &[f64], birth: &[f64]) -> Vec<f64> {
    log_weights_from_nlive(log_l, &nlive_from_birth(log_l, birth))
}

/// `log Z` of a nested-sampling run from its samples' `log L` and birth contours (as every
/// nested reader attaches them): the log-sum-exp of [`nested_log_weights`] over the points
/// sorted by `log L`, anesthetic's `logZ()`. `None` when the samples carry no birth contours.
pub fn log_evidence(samples: &WeightedSamples) -> Option<f64> {
    let l = samples.log_likelihood()?;
    let b = samples.log_likelihood_birth()?;
    let mut order: Vec<usize> = (0..l.len()).collect();
    order.sort_by(|&i, &j| l[i].total_cmp(&l[j]));
    let l: Vec<f64> = order.iter().map(|&i| l[i]).collect();
    let b: Vec<f64> = order.iter().map(|&i| b[i]).collect();
    Some(crate::linalg::logsumexp(&nested_log_weights(&l, &b)))
}

/// Reads NestedFit output from its folder: `nf_output_points.txt` (`weight  log L  p_1 … p_d`,
/// one row per dead point in order of death), `nf_output_diag.dat` (`log L_birth  rank`, one
/// row per dead point in the same order), `nf_output_points.paramnames` and, when present,
/// `nf_output_points.ranges` (the uniform prior limits, as the chain's ranges). As anesthetic does,
/// the weights are recomputed from the birth contours (the file's own weight column is not
/// used), so they have the same definition as every other nested reader's.
pub fn read_nestedfit(dir: &Path) -> Result<Chain> {
    let points = dir.join("nf_output_points.txt");
    let diag = dir.join("nf_output_diag.dat");
    let name = |j: usize| match j {
        0 => "weight".to_string(),
        1 => "log L".to_string(),
        j => format!("parameter {}", j - 1),
    };
    let (m, lines) = read_whitespace(&points, None, &name, &|j| j == 1)?;
    let c = m.ncols();
    if c < 3 {
        return Err(Error::Parse {
            kind: ParseKind::FieldCount,
            column: None,
            path: points,
            line: lines[0],
            reason: format!("{c} columns; expected weight, log L and at least one parameter"),
        });
    }
    let (b, blines) = read_whitespace(
        &diag,
        None,
        &|j| {
            ["log L_birth", "rank"]
                .get(j)
                .map_or(format!("column {}", j + 1), |s| s.to_string())
        },
        &|j| j == 0,
    )?;
    if b.nrows() != m.nrows() {
        return Err(Error::Parse {
            kind: ParseKind::FieldCount,
            column: None,
            path: diag,
            line: blines.last().copied().unwrap_or(0),
            reason: format!(
                "{} birth contours for {} dead points in {}; the two files come from different runs or one is truncated",
                b.nrows(),
                m.nrows(),
                points.display()
            ),
        });
    }
    let d = c - 2;
    // Rows `p_1 … p_d  log L  log L_birth`, checked like PolyChord's.
    let rows: Vec<Vec<f64>> = m
        .rows()
        .zip(b.rows())
        .map(|(r, br)| {
            let mut v = r[2..].to_vec();
            v.push(r[1]);
            v.push(br[0]);
            v
        })
        .collect();
    let joined = Matrix::from_rows(&rows)?;
    check_nested_rows(&points, &joined, &lines, d, Some(d + 1))?;
    let mut rows = rows;
    rows.sort_by(|a, b| a[d].total_cmp(&b[d]));
    let log_l: Vec<f64> = rows.iter().map(|r| r[d]).collect();
    let birth: Vec<f64> = rows.iter().map(|r| r[d + 1]).collect();
    let log_w = nested_log_weights(&log_l, &birth);
    let values = Matrix::from_rows(&rows.iter().map(|r| r[..d].to_vec()).collect::<Vec<_>>())?;
    let root = dir.join("nf_output_points");
    let chain = finish(
        values,
        normalise_log_weights(&log_w, &points)?,
        &root,
        &points,
        ChainFormat::NestedFit,
    )?;
    // NestedFit writes its uniform prior limits in getdist's `.ranges` format.
    let ranges_path = dir.join("nf_output_points.ranges");
    let ranges = if ranges_path.is_file() {
        Some(super::paramnames::Ranges::read(&ranges_path)?)
    } else {
        None
    };
    Ok(Chain {
        samples: chain.samples.with_log_likelihood(log_l, Some(birth))?,
        ranges,
        ..chain
    })
}
