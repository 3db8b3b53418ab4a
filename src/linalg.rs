//! The small dense linear algebra margflow needs, in one place: Cholesky factors, products and
//! solves with lower-triangular matrices (all row-major `d × d` slices), `log Σ exp`, and
//! means and covariances. Used by the KDE, the nested sampler, the Gaussian densities and the
//! benchmark targets.
//!
//! Functions that take a row-major `d × d` slice check its length and return
//! [`Error::DimensionMismatch`] (checked in release builds too, so that a wrong size can never
//! read past a matrix or silently factor part of one).

use crate::error::{Error, Result};

/// `Ok(())` when `a` holds `d × d` numbers; [`Error::DimensionMismatch`] naming `arg`
/// otherwise (also when `d × d` overflows).
pub fn check_square(arg: &str, a: &[f64], d: usize) -> Result<()> {
    match d.checked_mul(d) {
        Some(n) if n == a.len() => Ok(()),
        n => Err(Error::dims(arg, n.unwrap_or(usize::MAX), a.len())),
    }
}

/// Lower Cholesky factor `L` (row-major `d × d`, `L Lᵀ = A`) of a symmetric matrix `A`.
///
/// `Ok(None)` unless `A` is numerically positive definite (callers say what that means for
/// them); [`Error::DimensionMismatch`] unless `a` holds `d × d` numbers.
pub fn cholesky(a: &[f64], d: usize) -> Result<Option<Vec<f64>>> {
    check_square("a", a, d)?;
    let mut l = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..=i {
            let mut s = a[i * d + j];
            for k in 0..j {
                s -= l[i * d + k] * l[j * d + k];
            }
            if i == j {
                if s.is_nan() || s <= 0.0 || s.is_infinite() {
                    return Ok(None);
                }
                l[i * d + i] = s.sqrt();
            } else {
                l[i * d + j] = s / l[j * d + j];
            }
        }
    }
    Ok(Some(l))
}

/// Cholesky factor of `A`, regularised when needed: `A + ε tr(A)/d · I` with `ε` growing from
/// `1e-12` until the factorisation succeeds; the identity if `A` is hopeless (non-finite).
/// [`Error::DimensionMismatch`] unless `a` holds `d × d` numbers.
pub fn cholesky_regularised(a: &[f64], d: usize) -> Result<Vec<f64>> {
    if let Some(l) = cholesky(a, d)? {
        return Ok(l);
    }
    let scale = (0..d).map(|i| a[i * d + i]).sum::<f64>() / d as f64;
    if scale.is_finite() && scale > 0.0 {
        let mut eps = 1e-12;
        while eps < 1.0 {
            let mut b = a.to_vec();
            for i in 0..d {
                b[i * d + i] += eps * scale;
            }
            if let Some(l) = cholesky(&b, d)? {
                return Ok(l);
            }
            eps *= 10.0;
        }
    }
    let mut id = vec![0.0; d * d];
    for i in 0..d {
        id[i * d + i] = if scale.is_finite() && scale > 0.0 {
            scale.sqrt()
        } else {
            1.0
        };
    }
    Ok(id)
}

/// `out = L v` for a lower-triangular row-major `L`.
pub fn lower_mul(l: &[f64], v: &[f64], out: &mut [f64]) {
    let d = v.len();
    for i in 0..d {
        let row = &l[i * d..i * d + i + 1];
        out[i] = row.iter().zip(&v[..=i]).map(|(a, b)| a * b).sum();
    }
}

/// Solves `L z = v` for a lower-triangular row-major `L` (forward substitution).
pub fn lower_solve(l: &[f64], v: &[f64], z: &mut [f64]) {
    let d = v.len();
    for i in 0..d {
        let mut s = v[i];
        for k in 0..i {
            s -= l[i * d + k] * z[k];
        }
        z[i] = s / l[i * d + i];
    }
}

/// The squared Euclidean distance `Σ_j (a_j − b_j)²`.
pub fn dist2(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// `log Σ_i exp(x_i)`, exact for `−∞` entries; `−∞` for an empty or all-`−∞` input.
pub fn logsumexp(x: &[f64]) -> f64 {
    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return f64::NEG_INFINITY;
    }
    m + x.iter().map(|v| (v - m).exp()).sum::<f64>().ln()
}

/// Weighted mean and covariance (row-major `d × d`) of the rows `points[i]` for `i` in `idx`.
pub fn mean_cov(points: &[Vec<f64>], idx: &[usize], d: usize) -> (Vec<f64>, Vec<f64>) {
    let n = idx.len().max(1) as f64;
    let mut mean = vec![0.0; d];
    for &i in idx {
        for j in 0..d {
            mean[j] += points[i][j];
        }
    }
    mean.iter_mut().for_each(|m| *m /= n);
    let mut cov = vec![0.0; d * d];
    for &i in idx {
        for a in 0..d {
            let da = points[i][a] - mean[a];
            for b in 0..=a {
                cov[a * d + b] += da * (points[i][b] - mean[b]);
            }
        }
    }
    let denom = (idx.len().saturating_sub(1)).max(1) as f64;
    for a in 0..d {
        for b in 0..=a {
            let v = cov[a * d + b] / denom;
            cov[a * d + b] = v;
            cov[b * d + a] = v;
        }
    }
    (mean, cov)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_reproduces_matrix_and_solves() {
        let a = [4.0, 2.0, 0.4, 2.0, 5.0, 1.0, 0.4, 1.0, 3.0];
        let l = cholesky(&a, 3).unwrap().unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let s: f64 = (0..3).map(|k| l[i * 3 + k] * l[j * 3 + k]).sum();
                assert!((s - a[i * 3 + j]).abs() < 1e-12);
            }
        }
        let v = [1.0, -2.0, 0.5];
        let mut z = [0.0; 3];
        let mut back = [0.0; 3];
        lower_solve(&l, &v, &mut z);
        lower_mul(&l, &z, &mut back);
        for k in 0..3 {
            assert!((back[k] - v[k]).abs() < 1e-12);
        }
        assert!(cholesky(&[1.0, 2.0, 2.0, 1.0], 2).unwrap().is_none());
        assert!(cholesky_regularised(&[1.0, 1.0, 1.0, 1.0], 2).unwrap()[3] > 0.0);
    }

    #[test]
    fn a_matrix_of_the_wrong_size_is_a_typed_error_in_release_builds_too() {
        for (len, d) in [(3, 2), (5, 2), (0, 1), (4, usize::MAX)] {
            let a = vec![1.0; len];
            assert!(matches!(
                cholesky(&a, d),
                Err(Error::DimensionMismatch { ref arg, got, .. }) if arg == "a" && got == len
            ));
            assert!(matches!(
                cholesky_regularised(&a, d),
                Err(Error::DimensionMismatch { .. })
            ));
        }
        assert_eq!(cholesky(&[], 0).unwrap(), Some(vec![]));
    }

    #[test]
    fn logsumexp_handles_minus_infinity() {
        assert_eq!(logsumexp(&[]), f64::NEG_INFINITY);
        assert_eq!(logsumexp(&[f64::NEG_INFINITY; 2]), f64::NEG_INFINITY);
        let v = logsumexp(&[1000.0, 1000.0, f64::NEG_INFINITY]);
        assert!((v - 1000.0 - 2f64.ln()).abs() < 1e-12);
    }
}
