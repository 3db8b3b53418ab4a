//! The KDE's unit-cube map, by inverting conditional CDFs one coordinate at a time.
//!
//! Write kernel `i` as `y = c_i + L ε` with `ε ~ N(0, I)` and `L` the lower Cholesky factor of
//! the shared kernel covariance. Whiten: `q = L⁻¹ y`, `z_i = L⁻¹ c_i`, so that under kernel `i`
//! `q ~ N(z_i, I)` and `ε_i = q − z_i`. Because `L` is triangular, `q_1 … q_j` depend on
//! `y_1 … y_j` only, and `y_j = Σ_{k≤j} L_jk q_k` is increasing in `q_j` once `q_<j` is fixed. So
//! the conditional CDF of `y_j` is that of `q_j`,
//!
//! `F_j(t) = Σ_i r_ij Φ(t − z_ij)`,  `r_ij ∝ w_i Π_{k<j} φ(q_k − z_ik)`,
//!
//! the responsibilities of the kernels given the coordinates already fixed, and
//! `q_j = F_j⁻¹(u_j)`. Leaving out the re-weighting (using `w_i` for every coordinate) would not
//! reproduce the KDE for `d ≥ 2`; the tests compare the pushed-forward cube with the KDE's own
//! samples, and the fast map below with the exact one.
//!
//! # The exact map
//!
//! [`conditional_inverse_exact`] sums over every kernel for every coordinate (`O(n d²)` plus
//! the root solves). The root is bracketed exactly:
//! `F_j(min_i z_ij + Φ⁻¹(u)) ≤ u ≤ F_j(max_i z_ij + Φ⁻¹(u))`. Newton steps are taken while they
//! stay inside the bracket, bisection otherwise. For `u > ½` the upper-tail form
//! `Σ r Φ(−(t − z)) = 1 − u` is solved instead, so that both tails keep full relative precision.
//! Kernels whose responsibility is below `e^−60` of the largest are dropped (they cannot change
//! `F` in double precision).
//!
//! # The fast map, and its error bound
//!
//! [`conditional_inverse`] returns `q_j = F̂_j⁻¹(u_j)` with a certified bound
//! `|F̂_j − F_j| ≤ β_j` on every coordinate, and falls back to the exact map for the point when
//! `β_j > TOL · min(u_j, 1 − u_j)` (`TOL = 10⁻⁹`). So every `q_j` is the exact conditional
//! quantile of some `u'_j` with `|u'_j − u_j| ≤ 10⁻⁹ min(u_j, 1 − u_j)`: both tails keep nine
//! significant digits, and each pushed-forward conditional CDF is within `10⁻⁹` of the KDE's
//! (Kolmogorov distance).
//!
//! - **First coordinate.** `F_1` does not depend on the point. It is tabulated once (lazily, on
//!   the first call) at nodes `Δ = 1/16` apart with `F_1`, `F_1'`, `F_1''`, and read by quintic
//!   Hermite interpolation, whose error is `|F^(6)(ξ)| ((t−a)(t−b))³ / 6! ≤ sup|φ^(5)| (Δ/2)⁶ / 720
//!   = 2.31 · (1/32)⁶ / 720 < 3.0 · 10⁻¹²` (`F^(6) = Σ w_i φ^(5)(t − z_i1)`, weights summing to
//!   one). A node sums only the kernels with `|t − z_i1| ≤ 9`, those below count fully: the
//!   error is at most `Φ(−9) < 1.2 · 10⁻¹⁹`. The table spans `[min z_1 − 9, max z_1 + 9]`.
//! - **Later coordinates: pruning.** Kernels are sorted by `z_i1`. After `q_1` is fixed, only
//!   the kernels with `|q_1 − z_i1| ≤ √(2P)` (`P = PRUNE`) are candidates (a binary search);
//!   each left out has `r_i ≤ w_i e^−P`. From then on a kernel whose `log r_i` falls more than
//!   `P` below the largest is dropped for good; its `r_i` at that moment is added to the dropped
//!   mass `D`. Responsibilities only decrease as coordinates are fixed, so the dropped kernels'
//!   total responsibility is at most `D` (the left-out window counting `e^−P` times its weight),
//!   and with `S` the kept kernels' total,
//!   `F_j = (A_kept + A_dropped) / (S + S_dropped)`, `0 ≤ A_dropped ≤ S_dropped ≤ D` gives
//!   `|F_j − A_kept / S| ≤ D / S =: β_j`, which is checked as above.
//! - **Root solves** use the bracketed iteration of the exact map (Halley steps inside the
//!   bracket, bisection otherwise, started at the moment-matched Gaussian's quantile) on the
//!   kept kernels, with `Φ` from a Chebyshev series (relative error below `2 · 10⁻¹³`, which
//!   adds at most `2 · 10⁻¹³ F` to the error) and the vectorised `exp` of `super::fastexp`,
//!   eight kernels at a time.
//!
//! What the pruning buys depends on how far apart the kernels are. In whitened coordinates the
//! samples spread `1/h` kernel widths (`h` the bandwidth factor, ≈ 0.35 for 10⁴ samples in
//! 5-D), while a kernel may only be dropped `√(2P) ≈ 8.5` widths away; so for a few thousand
//! kernels in a few dimensions nearly every kernel is kept for every coordinate, and the gain
//! comes from the table, the whitened recursion (`O(1)` per kernel and coordinate, not
//! `O(j)`), fewer and cheaper root-solve passes. Measured numbers: `benches/kde_results.md`.

use rayon::prelude::*;

use super::fastexp::{exp_nonpos, exp_nonpos_impl, madd};
use super::latent::KdeLatent;
use crate::error::{Error, Result};
use crate::linalg::lower_solve;
use crate::transform::normal;

/// Responsibilities below `exp(−PRUNE_EXACT)` of the largest are ignored by the exact map.
const PRUNE_EXACT: f64 = 60.0;
/// The fast map's pruning exponent `P` (module docs).
const PRUNE: f64 = 36.0;
/// The fast map's tolerance: `β_j ≤ TOL · min(u_j, 1 − u_j)` or the exact map is used.
const TOL: f64 = 1e-9;
const MAX_ITER: usize = 200;
/// Spacing of the first coordinate's table.
const TABLE_STEP: f64 = 1.0 / 16.0;
/// Kernels farther than this from a table node count as 0 or 1 there (`Φ(−9) < 1.2e−19`).
const TABLE_REACH: f64 = 9.0;
/// `sup|φ^(5)| (Δ/2)⁶ / 6!` plus the truncation `Φ(−9)`: the table's error bound.
const TABLE_ERROR: f64 = 2.31 * 9.313_225_746_154_785e-10 / 720.0 + 1.2e-19;

/// What the fast map precomputes: the kernels sorted by their first whitened coordinate, and
/// the first coordinate's CDF table.
#[derive(Debug, Clone)]
pub(crate) struct CubeIndex {
    /// `zt[j][k]`: whitened coordinate `j` of the `k`-th kernel in order of `z_1`.
    zt: Vec<Vec<f64>>,
    /// Normalised log-weights in the same order.
    log_w: Vec<f64>,
    /// `cum_w[k] = Σ_{i<k} w_i` (length `n + 1`).
    cum_w: Vec<f64>,
    /// First table node.
    t0: f64,
    /// `F_1`, `F_1'`, `F_1''` at the nodes.
    f: Vec<[f64; 3]>,
}

impl CubeIndex {
    pub(crate) fn new(kde: &KdeLatent) -> Self {
        let (n, d) = (kde.n_kernels(), kde.centres().ncols());
        let mut z = vec![0.0; n * d];
        for (c, zi) in kde.centres().rows().zip(z.chunks_exact_mut(d)) {
            lower_solve(&kde.chol, c, zi);
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| z[a * d].total_cmp(&z[b * d]));
        let zt: Vec<Vec<f64>> = (0..d)
            .map(|j| order.iter().map(|&i| z[i * d + j]).collect())
            .collect();
        let log_w: Vec<f64> = order.iter().map(|&i| kde.log_weights()[i]).collect();
        let mut cum_w = Vec::with_capacity(n + 1);
        let mut acc = 0.0;
        cum_w.push(0.0);
        for l in &log_w {
            acc += l.exp();
            cum_w.push(acc);
        }
        // Weights sum to one up to rounding; make the prefix sums end exactly there.
        cum_w.iter_mut().for_each(|c| *c /= acc);
        let z1 = &zt[0];
        let t0 = z1[0] - TABLE_REACH;
        let m = ((z1[n - 1] + TABLE_REACH - t0) / TABLE_STEP).ceil() as usize + 1;
        let f: Vec<[f64; 3]> = (0..m)
            .into_par_iter()
            .map(|k| {
                let t = t0 + k as f64 * TABLE_STEP;
                let lo = z1.partition_point(|&v| v < t - TABLE_REACH);
                let hi = z1.partition_point(|&v| v <= t + TABLE_REACH);
                let (mut f0, mut f1, mut f2) = (cum_w[lo], 0.0, 0.0);
                for i in lo..hi {
                    let x = t - z1[i];
                    let w = log_w[i].exp();
                    let p = w * (normal::log_pdf(x)).exp();
                    f0 += w * normal::cdf(x);
                    f1 += p;
                    f2 -= x * p;
                }
                [f0, f1, f2]
            })
            .collect();
        Self {
            zt,
            log_w,
            cum_w,
            t0,
            f,
        }
    }

    /// `q_1 = F_1⁻¹(u)` from the table, or `None` where its error bound is not below
    /// `TOL · min(u, 1 − u)` (far tails).
    fn first(&self, u: f64) -> Option<f64> {
        if TABLE_ERROR > TOL * u.min(1.0 - u) {
            return None;
        }
        let k = self.f.partition_point(|v| v[0] <= u);
        if k == 0 || k >= self.f.len() {
            return None;
        }
        let (a, b) = (&self.f[k - 1], &self.f[k]);
        let h = TABLE_STEP;
        let (f0, g0, h0) = (a[0], h * a[1], h * h * a[2]);
        let (f1, g1, h1) = (b[0], h * b[1], h * h * b[2]);
        let c = [
            f0 - u,
            g0,
            0.5 * h0,
            -10.0 * f0 - 6.0 * g0 - 1.5 * h0 + 10.0 * f1 - 4.0 * g1 + 0.5 * h1,
            15.0 * f0 + 8.0 * g0 + 1.5 * h0 - 15.0 * f1 + 7.0 * g1 - h1,
            -6.0 * f0 - 3.0 * g0 - 0.5 * h0 + 6.0 * f1 - 3.0 * g1 + 0.5 * h1,
        ];
        let p = |s: f64| -> (f64, f64) {
            let v = ((((c[5] * s + c[4]) * s + c[3]) * s + c[2]) * s + c[1]) * s + c[0];
            let dv = (((5.0 * c[5] * s + 4.0 * c[4]) * s + 3.0 * c[3]) * s + 2.0 * c[2]) * s + c[1];
            (v, dv)
        };
        // p(0) ≤ 0 < p(1) (up to the rounding of `f0 − u`): bracketed Newton on [0, 1].
        let (mut lo, mut hi) = (0.0, 1.0);
        let mut s = if f1 > f0 { (u - f0) / (f1 - f0) } else { 0.5 };
        for _ in 0..MAX_ITER {
            let (v, dv) = p(s);
            if v <= 0.0 {
                lo = s;
            } else {
                hi = s;
            }
            if v == 0.0 || hi - lo <= 1e-15 {
                break;
            }
            let newton = s - v / dv;
            let next = if dv > 0.0 && newton > lo && newton < hi {
                newton
            } else {
                0.5 * (lo + hi)
            };
            if (next - s).abs() <= 1e-15 {
                s = next;
                break;
            }
            s = next;
        }
        Some(self.t0 + (k - 1) as f64 * TABLE_STEP + s * h)
    }
}

/// Writes `y = G(u)` for `u ∈ (0, 1)^d` with the certified fast map (module docs).
pub(crate) fn conditional_inverse(kde: &KdeLatent, u: &[f64], y: &mut [f64]) -> Result<()> {
    let index = kde.cube_index();
    match fast(kde, index, u, y)? {
        true => Ok(()),
        false => conditional_inverse_exact(kde, u, y),
    }
}

/// Scratch of the fast map: the kept kernels.
struct Kept {
    idx: Vec<usize>,
    log_r: Vec<f64>,
    z: Vec<f64>,
    r: Vec<f64>,
}

/// The fast map; `Ok(false)` when a bound fails and the exact map must be used.
fn fast(kde: &KdeLatent, index: &CubeIndex, u: &[f64], y: &mut [f64]) -> Result<bool> {
    let d = u.len();
    let l = &kde.chol;
    let mut q = vec![0.0; d];
    let Some(q0) = index.first(u[0]) else {
        return Ok(false);
    };
    q[0] = q0;
    y[0] = l[0] * q0;
    if d == 1 {
        return Ok(true);
    }
    // Candidates for the later coordinates: the window of `z_1` around `q_1`.
    let z1 = &index.zt[0];
    let reach = (2.0 * PRUNE).sqrt();
    let lo = z1.partition_point(|&v| v < q0 - reach);
    let hi = z1.partition_point(|&v| v <= q0 + reach);
    let mut kept = Kept {
        idx: (lo..hi).collect(),
        log_r: (lo..hi)
            .map(|i| {
                let e = q0 - z1[i];
                index.log_w[i] - 0.5 * e * e
            })
            .collect(),
        z: Vec::with_capacity(hi - lo),
        r: Vec::with_capacity(hi - lo),
    };
    // Dropped mass, in units of e^{ref} (`ref` the running largest log-responsibility).
    let mut reference = kept.log_r.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if !reference.is_finite() {
        return Ok(false);
    }
    let outside = index.cum_w[lo] + (1.0 - index.cum_w[hi]);
    let mut dropped = outside.max(0.0) * (-PRUNE - reference).exp();
    for j in 1..d {
        if j > 1 {
            let zj = &index.zt[j - 1];
            for (lr, &i) in kept.log_r.iter_mut().zip(&kept.idx) {
                let e = q[j - 1] - zj[i];
                *lr -= 0.5 * e * e;
            }
        }
        let max = kept.log_r.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        if !max.is_finite() {
            return Ok(false);
        }
        dropped *= (reference - max).exp();
        reference = max;
        // Drop for good, adding each dropped kernel's responsibility to `dropped`.
        let zj = &index.zt[j];
        kept.z.clear();
        kept.r.clear();
        let mut w = 0;
        let mut total = 0.0;
        for k in 0..kept.idx.len() {
            let lr = kept.log_r[k] - max;
            let r = exp_nonpos(lr);
            if lr < -PRUNE {
                dropped += r;
            } else {
                let i = kept.idx[k];
                kept.idx[w] = i;
                kept.log_r[w] = kept.log_r[k];
                kept.z.push(zj[i]);
                kept.r.push(r);
                total += r;
                w += 1;
            }
        }
        kept.idx.truncate(w);
        kept.log_r.truncate(w);
        // Below 1e−290 the fast `Φ` leaves its accuracy range: the exact map handles it.
        let tail = u[j].min(1.0 - u[j]);
        if tail < 1e-290 || dropped / total > TOL * tail {
            return Ok(false);
        }
        kept.r.iter_mut().for_each(|r| *r /= total);
        q[j] = solve_mixture_cdf_with::<true>(&kept.z, &kept.r, 1.0, u[j])
            .ok_or_else(|| unsolved(j, u[j]))?;
        y[j] = (0..=j).map(|k| l[j * d + k] * q[k]).sum();
    }
    Ok(true)
}

const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

/// Chebyshev coefficients of `g(x) = ln(erfc(z)/t) + z²` in `x = 2t − 1`, `t = 2/(2 + z)`,
/// `z ≥ 0` (computed with mpmath at 50 digits from 200 Chebyshev nodes; the series continues
/// below 1.3e−16).
const ERFC_CHEB: [f64; 26] = [
    -0.6513268598908547,
    0.6419697923564902,
    0.019476473204185836,
    -0.009561514786808632,
    -0.0009465953444820369,
    0.00036683949785276145,
    4.252332480690777e-05,
    -2.0278578112534242e-05,
    -1.6242900046470256e-06,
    1.3036558355805232e-06,
    1.5626441722066142e-08,
    -8.523809591492654e-08,
    6.5290544390988515e-09,
    5.059343495551469e-09,
    -9.91364156493033e-10,
    -2.273651222931836e-10,
    9.646791102015527e-11,
    2.3940380830391146e-12,
    -6.886027526497553e-12,
    8.944879273090725e-13,
    3.130921399342958e-13,
    -1.1270822361367252e-13,
    3.810905255189232e-16,
    7.106097613609237e-15,
    -1.5230282014571043e-15,
    -9.457494571291233e-17,
];

/// `Φ(x)` as `½ erfc(|x|/√2)` (or one minus it), `erfc(z) = t exp(g − z²)` with `g` the
/// Chebyshev series [`ERFC_CHEB`] (after Numerical Recipes' `erfccheb`), branch-free so that
/// the loops over kernels vectorise. Relative error below 2e−13 for `x ≥ −37` (`Φ > 5e−300`)
/// (the rounding of `z²` in the exponent); absolute error below 1e−16 for `x > 0`.
#[cfg(test)]
fn phi_fast(x: f64) -> f64 {
    phi_fast_impl::<false>(x)
}

#[inline(always)]
fn phi_fast_impl<const FMA: bool>(x: f64) -> f64 {
    let z = x.abs() * std::f64::consts::FRAC_1_SQRT_2;
    let t = 2.0 / (2.0 + z);
    let c = 2.0 * t - 1.0;
    let (mut b1, mut b2) = (0.0, 0.0);
    for &a in ERFC_CHEB[1..].iter().rev() {
        let b = madd::<FMA>(2.0 * c, b1, a - b2);
        b2 = b1;
        b1 = b;
    }
    let g = c * b1 - b2 + ERFC_CHEB[0];
    let half_erfc = 0.5 * t * exp_nonpos_impl::<FMA>((g - z * z).min(0.0));
    if x < 0.0 {
        half_erfc
    } else {
        1.0 - half_erfc
    }
}

/// `(Σ r_i Φ(±(t − z_i)), Σ r_i e^{−(t − z_i)²/2})` (`−` for the upper tail), eight kernels at a
/// time so that the compiler interleaves or vectorises the series.
fn mixture_sums(z: &[f64], r: &[f64], t: f64, upper: bool) -> (f64, f64, f64) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU has AVX2 and FMA (checked just above).
            return unsafe { mixture_sums_avx2(z, r, t, upper) };
        }
    }
    mixture_sums_impl::<false>(z, r, t, upper)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn mixture_sums_avx2(z: &[f64], r: &[f64], t: f64, upper: bool) -> (f64, f64, f64) {
    mixture_sums_impl::<true>(z, r, t, upper)
}

#[inline(always)]
fn mixture_sums_impl<const FMA: bool>(
    z: &[f64],
    r: &[f64],
    t: f64,
    upper: bool,
) -> (f64, f64, f64) {
    let sign = if upper { -1.0 } else { 1.0 };
    let (mut f8, mut p8, mut x8) = ([0.0; 8], [0.0; 8], [0.0; 8]);
    let (zc, rc) = (z.chunks_exact(8), r.chunks_exact(8));
    let (zr, rr) = (zc.remainder(), rc.remainder());
    for (zs, rs) in zc.zip(rc) {
        // The Chebyshev series lane by lane, coefficient by coefficient, so that each step
        // is one vector operation.
        let mut x = [0.0; 8];
        let (mut zz, mut tt, mut cc) = ([0.0; 8], [0.0; 8], [0.0; 8]);
        for l in 0..8 {
            x[l] = t - zs[l];
            zz[l] = x[l].abs() * std::f64::consts::FRAC_1_SQRT_2;
            tt[l] = 2.0 / (2.0 + zz[l]);
            cc[l] = 2.0 * tt[l] - 1.0;
        }
        let (mut b1, mut b2) = ([0.0; 8], [0.0; 8]);
        for &a in ERFC_CHEB[1..].iter().rev() {
            for l in 0..8 {
                let b = madd::<FMA>(2.0 * cc[l], b1[l], a - b2[l]);
                b2[l] = b1[l];
                b1[l] = b;
            }
        }
        for l in 0..8 {
            let g = cc[l] * b1[l] - b2[l] + ERFC_CHEB[0];
            let half_erfc = 0.5 * tt[l] * exp_nonpos_impl::<FMA>((g - zz[l] * zz[l]).min(0.0));
            let phi = if sign * x[l] < 0.0 {
                half_erfc
            } else {
                1.0 - half_erfc
            };
            f8[l] += rs[l] * phi;
            let e = rs[l] * exp_nonpos_impl::<FMA>(-0.5 * x[l] * x[l]);
            p8[l] += e;
            x8[l] += x[l] * e;
        }
    }
    let sum = |a: [f64; 8]| a.iter().sum::<f64>();
    let (mut f, mut p, mut xp) = (sum(f8), sum(p8), sum(x8));
    for (&zi, &ri) in zr.iter().zip(rr) {
        let x = t - zi;
        f += ri * phi_fast_impl::<FMA>(sign * x);
        let e = ri * exp_nonpos_impl::<FMA>(-0.5 * x * x);
        p += e;
        xp += x * e;
    }
    (f, p, xp)
}

fn unsolved(j: usize, u: f64) -> Error {
    Error::numerical(
        "KDE unit-cube map",
        format!("the conditional CDF of coordinate {j} could not be inverted at u = {u}"),
    )
}

/// Writes `y = G(u)` summing over every kernel (module docs): the fallback of the fast map,
/// and its reference in the tests.
pub(crate) fn conditional_inverse_exact(kde: &KdeLatent, u: &[f64], y: &mut [f64]) -> Result<()> {
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
            if log_r[i] >= max - PRUNE_EXACT {
                let m =
                    centres.get(i, j) + (0..j).map(|k| l[j * d + k] * eps[i * d + k]).sum::<f64>();
                active.push(i);
                means.push(m);
                resp.push((log_r[i] - max).exp());
            }
        }
        let total: f64 = resp.iter().sum();
        resp.iter_mut().for_each(|r| *r /= total);
        let t = solve_mixture_cdf(&means, &resp, s, u[j]).ok_or_else(|| unsolved(j, u[j]))?;
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

/// Solves `Σ_i r_i Φ((t − m_i)/s) = u` for `t` (`Σ r_i = 1`, `u ∈ (0, 1)`) with libm's and
/// statrs' `exp` and `erfc`.
fn solve_mixture_cdf(means: &[f64], resp: &[f64], s: f64, u: f64) -> Option<f64> {
    solve_mixture_cdf_with::<false>(means, resp, s, u)
}

/// [`solve_mixture_cdf`], with [`phi_fast`] and the vectorised `exp` when `FAST`.
fn solve_mixture_cdf_with<const FAST: bool>(
    means: &[f64],
    resp: &[f64],
    s: f64,
    u: f64,
) -> Option<f64> {
    let upper = u > 0.5;
    // g(t) is increasing in t and zero at the root.
    let target = if upper { 1.0 - u } else { u };
    // g(t) is increasing in t and zero at the root; also g' and g''.
    let g = |t: f64| -> (f64, f64, f64) {
        let (f, df, d2f) = if FAST {
            let (f, p, xp) = mixture_sums(means, resp, t, upper);
            (f, p * INV_SQRT_2PI, -xp * INV_SQRT_2PI)
        } else {
            let (mut f, mut p, mut xp) = (0.0, 0.0, 0.0);
            for (&m, &r) in means.iter().zip(resp) {
                let z = (t - m) / s;
                f += r * if upper {
                    normal::cdf(-z)
                } else {
                    normal::cdf(z)
                };
                let e = r * normal::log_pdf(z).exp();
                p += e;
                xp += z * e;
            }
            (f, p / s, -xp / (s * s))
        };
        if upper {
            (target - f, df, d2f)
        } else {
            (f - target, df, d2f)
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
    // Start at the quantile of the moment-matched Gaussian.
    let mean: f64 = means.iter().zip(resp).map(|(m, r)| m * r).sum();
    let var: f64 = means
        .iter()
        .zip(resp)
        .map(|(m, r)| r * (m - mean).powi(2))
        .sum();
    let mut t = (mean + (s * s + var).sqrt() * q).clamp(lo, hi);
    for _ in 0..MAX_ITER {
        let (gv, dg, d2g) = g(t);
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
        // Halley's step (cubic convergence), Newton's if Halley's denominator is not positive.
        let den = 2.0 * dg * dg - gv * d2g;
        let step = if den > 0.0 {
            2.0 * gv * dg / den
        } else {
            gv / dg
        };
        let newton = t - step;
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
    fn fast_phi_matches_libm() {
        extern "C" {
            fn erfc(x: f64) -> f64;
        }
        // glibc's erfc is accurate to an ulp or two (statrs' loses up to 5e−11 relative in the
        // lower tail); spot values from mpmath at 30 digits.
        for (x, exact) in [
            (-37.0, 5.725_571_222_524_577e-300),
            (-20.0, 2.753_624_118_606_233_7e-89),
            (-8.0, 6.220_960_574_271_78e-16),
            (-5.0, 2.866_515_718_791_939e-7),
        ] {
            assert!((phi_fast(x) / exact - 1.0).abs() < 3e-13, "x = {x}");
        }
        for i in 0..=75_000 {
            let x = -37.0 + i as f64 * 1e-3;
            // SAFETY: erfc is a pure libm function.
            let libm = 0.5 * unsafe { erfc(-x * std::f64::consts::FRAC_1_SQRT_2) };
            let a = phi_fast(x);
            let err = if x <= 0.0 {
                (a / libm - 1.0).abs()
            } else {
                (a - libm).abs()
            };
            assert!(err < 3e-13, "x = {x}: {a} vs {libm}");
        }
    }

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
