//! The KDE's unit-cube map, by inverting conditional CDFs one coordinate at a time.
//!
//! Write kernel `i` as `y = c_i + L ε` with `ε ~ N(0, I)` and `L` the lower Cholesky factor of
//! the shared kernel covariance. Because `L` is triangular, once `y_1 … y_{j−1}` are fixed the
//! kernel's `ε_{i,1} … ε_{i,j−1}` follow by forward substitution, and under kernel `i`
//!
//! `y_j | y_<j ~ N(m_ij, L_jj²)`,  `m_ij = c_ij + Σ_{k<j} L_jk ε_ik`.
//!
//! The kernel's posterior responsibility given the fixed coordinates is
//! `r_ij ∝ w_i Π_{k<j} φ(ε_ik)` (the Jacobian `Π L_kk` is common to all kernels and cancels), so
//! the conditional CDF is `F_j(t) = Σ_i r_ij Φ((t − m_ij)/L_jj)`, and `y_j = F_j⁻¹(u_j)`. Leaving
//! out the re-weighting (using `w_i` for every coordinate) would not reproduce the KDE for
//! `d ≥ 2`; the tests compare the pushed-forward cube with the KDE's own samples.
//!
//! The root is bracketed exactly: with `s = L_jj`, `F_j(min_i m_ij + s Φ⁻¹(u)) ≤ u ≤
//! F_j(max_i m_ij + s Φ⁻¹(u))`. Newton steps are taken while they stay inside the bracket,
//! bisection otherwise. For `u > ½` the upper-tail form `Σ r Φ(−(t − m)/s) = 1 − u` is solved
//! instead, so that both tails keep full relative precision. Kernels whose responsibility is
//! below `e^−60` of the largest are dropped for the coordinate (they cannot change `F` in double
//! precision).

use super::latent::KdeLatent;
use crate::error::{Error, Result};
use crate::transform::normal;

/// Responsibilities below `exp(−PRUNE)` of the largest are ignored.
const PRUNE: f64 = 60.0;
const MAX_ITER: usize = 200;

/// Writes `y = G(u)` for `u ∈ (0, 1)^d` (see the module docs).
pub(crate) fn conditional_inverse(kde: &KdeLatent, u: &[f64], y: &mut [f64]) -> Result<()> {
    let n = kde.n_kernels();
    let d = u.len();
    let l = &kde.chol;
    let centres = kde.centres();
    // Per-kernel log responsibility (unnormalised) and ε values of the fixed coordinates.
    let mut log_r: Vec<f64> = kde.log_weights().to_vec();
    let mut eps = vec![0.0; n * d];
    let mut means = Vec::with_capacity(n);
    let mut resp = Vec::with_capacity(n);
    let mut active = Vec::with_capacity(n);
    for j in 0..d {
        let s = l[j * d + j];
        let max = log_r.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        active.clear();
        means.clear();
        resp.clear();
        for i in 0..n {
            if log_r[i] >= max - PRUNE {
                let m =
                    centres.get(i, j) + (0..j).map(|k| l[j * d + k] * eps[i * d + k]).sum::<f64>();
                active.push(i);
                means.push(m);
                resp.push((log_r[i] - max).exp());
            }
        }
        let total: f64 = resp.iter().sum();
        resp.iter_mut().for_each(|r| *r /= total);
        let t = solve_mixture_cdf(&means, &resp, s, u[j]).ok_or_else(|| {
            Error::numerical(
                "KDE unit-cube map",
                format!(
                    "the conditional CDF of coordinate {j} could not be inverted at u = {}",
                    u[j]
                ),
            )
        })?;
        y[j] = t;
        for (&i, &m) in active.iter().zip(&means) {
            let e = (t - m) / s;
            eps[i * d + j] = e;
            log_r[i] -= 0.5 * e * e;
        }
        // Inactive kernels keep a stale ε; their responsibility is already negligible, so
        // mark them as dropped for good.
        if active.len() < n {
            let mut a = active.iter().peekable();
            for (i, lr) in log_r.iter_mut().enumerate() {
                if a.peek() == Some(&&i) {
                    a.next();
                } else {
                    *lr = f64::NEG_INFINITY;
                }
            }
        }
    }
    Ok(())
}

/// Solves `Σ_i r_i Φ((t − m_i)/s) = u` for `t` (`Σ r_i = 1`, `u ∈ (0, 1)`).
fn solve_mixture_cdf(means: &[f64], resp: &[f64], s: f64, u: f64) -> Option<f64> {
    let upper = u > 0.5;
    // g(t) is increasing in t and zero at the root.
    let target = if upper { 1.0 - u } else { u };
    let g = |t: f64| -> (f64, f64) {
        let mut f = 0.0;
        let mut df = 0.0;
        for (&m, &r) in means.iter().zip(resp) {
            let z = (t - m) / s;
            f += r * if upper {
                normal::cdf(-z)
            } else {
                normal::cdf(z)
            };
            df += r * normal::log_pdf(z).exp();
        }
        let df = df / s;
        if upper {
            (target - f, df)
        } else {
            (f - target, df)
        }
    };
    let q = normal::inv_cdf(u);
    let mlo = means.iter().cloned().fold(f64::INFINITY, f64::min);
    let mhi = means.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let (mut lo, mut hi) = (mlo + s * q, mhi + s * q);
    if !(lo.is_finite() && hi.is_finite()) {
        return None;
    }
    if hi - lo <= 0.0 {
        return Some(lo);
    }
    let mean: f64 = means.iter().zip(resp).map(|(m, r)| m * r).sum();
    let mut t = (mean + s * q).clamp(lo, hi);
    for _ in 0..MAX_ITER {
        let (gv, dg) = g(t);
        if gv == 0.0 {
            return Some(t);
        }
        if gv < 0.0 {
            lo = t;
        } else {
            hi = t;
        }
        let tol = 1e-14 * (1.0 + t.abs());
        if hi - lo <= tol {
            return Some(0.5 * (lo + hi));
        }
        let newton = t - gv / dg;
        let next = if dg > 0.0 && newton > lo && newton < hi {
            newton
        } else {
            0.5 * (lo + hi)
        };
        if (next - t).abs() <= tol {
            return Some(next);
        }
        t = next;
    }
    Some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixture_cdf_inverse_hits_the_target_in_both_tails() {
        let means = [-3.0, 0.5, 4.0];
        let resp = [0.2, 0.5, 0.3];
        let s = 0.7;
        for &u in &[1e-300, 1e-12, 0.01, 0.3, 0.5, 0.77, 0.999, 1.0 - 1e-15] {
            let t = solve_mixture_cdf(&means, &resp, s, u).unwrap();
            let tail = |sign: f64| -> f64 {
                means
                    .iter()
                    .zip(&resp)
                    .map(|(m, r)| r * normal::cdf(sign * (t - m) / s))
                    .sum()
            };
            let err = if u > 0.5 {
                (tail(-1.0) - (1.0 - u)).abs() / (1.0 - u)
            } else {
                (tail(1.0) - u).abs() / u
            };
            assert!(err < 1e-9, "u = {u}: t = {t}, relative error {err}");
        }
    }
}
