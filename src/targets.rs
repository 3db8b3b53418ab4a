//! The benchmark targets of DESIGN.md §5, with exact densities, so that a fitted estimator can
//! be scored by `KL(p‖q) = E_p[log p − log q]` on fresh samples.
//!
//! - [`Target::Gaussian2d`]: `N(μ, Σ)`, `μ = (0.5, −1)`, sds `(1.5, 1)`, correlation 0.8.
//! - [`Target::Gaussian5dBox`]: 5-D `N(0, Σ)` with AR(1) correlation `Σ_ij = 0.6^{|i−j|}`,
//!   inside the prior box `[−10, 10]^5` (the mass outside, ~1e−23, is ignored).
//! - [`Target::CircleOfGaussians`]: 8 equal Gaussians (σ = 0.3) at angles `2πk/8` on a circle
//!   of radius 4.
//! - [`Target::TwoMoons`]: the sklearn `make_moons` generator with the arc parameter drawn
//!   uniformly, `t ~ U(0, π)`, on either moon with probability ½: outer `(cos t, sin t)`, inner
//!   `(1 − cos t, ½ − sin t)`, plus `N(0, 0.1² I)` noise. Its density
//!   `p(x) = ½ Σ_moon (1/π) ∫_0^π N(x; c(t), 0.1² I) dt` is computed by the midpoint rule with
//!   [`MOON_NODES`] nodes per arc (relative error ~ (π/N/0.1)²/24 ≈ 1e−5) in log space.

#![allow(clippy::needless_range_loop)]

use rand::{Rng, RngCore};
use rand_distr::StandardNormal;
use rayon::prelude::*;

use crate::density::{Density, Gaussian, Sample};
use crate::error::{Error, Result};
use crate::linalg::logsumexp;
use crate::matrix::Matrix;
use crate::rng::rng_from_seed;
use crate::samples::WeightedSamples;
use crate::transform::Bounds;

/// Quadrature nodes per moon arc.
pub const MOON_NODES: usize = 2000;
const MOON_NOISE: f64 = 0.1;
const CIRCLE_RADIUS: f64 = 4.0;
const CIRCLE_SIGMA: f64 = 0.3;
const CIRCLE_K: usize = 8;

/// A benchmark density with closed-form (or quadrature) log density.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// 2-D correlated Gaussian.
    Gaussian2d,
    /// 5-D AR(1) Gaussian in the box `[−10, 10]^5`.
    Gaussian5dBox,
    /// Eight Gaussians on a circle.
    CircleOfGaussians,
    /// Two moons with noise 0.1.
    TwoMoons,
}

fn moon_centre(moon: usize, t: f64) -> (f64, f64) {
    if moon == 0 {
        (t.cos(), t.sin())
    } else {
        (1.0 - t.cos(), 0.5 - t.sin())
    }
}

impl Target {
    /// All four targets.
    pub const ALL: [Target; 4] = [
        Target::Gaussian2d,
        Target::Gaussian5dBox,
        Target::CircleOfGaussians,
        Target::TwoMoons,
    ];

    /// A short name (`gaussian2d`, `gaussian5d_box`, `circle`, `two_moons`).
    pub fn name(self) -> &'static str {
        match self {
            Target::Gaussian2d => "gaussian2d",
            Target::Gaussian5dBox => "gaussian5d_box",
            Target::CircleOfGaussians => "circle",
            Target::TwoMoons => "two_moons",
        }
    }

    /// Dimension.
    pub fn dim(self) -> usize {
        match self {
            Target::Gaussian5dBox => 5,
            _ => 2,
        }
    }

    /// The true prior box where there is one (`[−10, 10]^5` for the 5-D Gaussian).
    pub fn bounds(self) -> Option<Bounds> {
        match self {
            Target::Gaussian5dBox => Some(Bounds::cube(5, -10.0, 10.0).expect("valid cube")),
            _ => None,
        }
    }

    /// For a Gaussian target with a prior box: the closed-form marginal KL divergence from the
    /// uniform prior on the box, `D = log V − ½ log det(2πeΣ)` (its model dimensionality is
    /// the dimension `d`). `None` for the other targets.
    pub fn kl_from_box_prior(self) -> Option<f64> {
        self.gauss()?.kl_from_box(&self.bounds()?).ok()
    }

    /// Exact mean and covariance.
    pub fn moments(self) -> (Vec<f64>, Vec<Vec<f64>>) {
        match self {
            Target::Gaussian2d => (
                vec![0.5, -1.0],
                vec![vec![2.25, 0.8 * 1.5], vec![0.8 * 1.5, 1.0]],
            ),
            Target::Gaussian5dBox => (
                vec![0.0; 5],
                (0..5)
                    .map(|i: i32| (0..5).map(|j: i32| 0.6f64.powi((i - j).abs())).collect())
                    .collect(),
            ),
            Target::CircleOfGaussians => {
                let v = 0.5 * CIRCLE_RADIUS * CIRCLE_RADIUS + CIRCLE_SIGMA * CIRCLE_SIGMA;
                (vec![0.0, 0.0], vec![vec![v, 0.0], vec![0.0, v]])
            }
            Target::TwoMoons => {
                // Per moon: E sin t = 2/π, Var cos t = ½, Var sin t = ½ − 4/π², Cov = 0;
                // the moon means differ by (1, 4/π − ½).
                let es = 2.0 / std::f64::consts::PI;
                let dy = 2.0 * es - 0.5;
                let n2 = MOON_NOISE * MOON_NOISE;
                let vx = 0.5 + 0.25 + n2;
                let vy = 0.5 - es * es + 0.25 * dy * dy + n2;
                let cxy = -0.25 * dy;
                (vec![0.5, 0.25], vec![vec![vx, cxy], vec![cxy, vy]])
            }
        }
    }

    fn gauss(self) -> Option<Gaussian> {
        match self {
            Target::Gaussian2d | Target::Gaussian5dBox => {
                let (m, c) = self.moments();
                Some(gaussian(m, &c, 1.0))
            }
            _ => None,
        }
    }

    /// `n` independent draws.
    pub fn sample(self, n: usize, rng: &mut dyn RngCore) -> Matrix {
        if let Some(g) = self.gauss() {
            return g.sample(n, rng).expect("a Gaussian samples");
        }
        let mut x = Matrix::zeros(n, self.dim());
        for i in 0..n {
            let r = x.row_mut(i);
            match self {
                Target::Gaussian2d | Target::Gaussian5dBox => unreachable!("sampled above"),
                Target::CircleOfGaussians => {
                    let k = rng.random_range(0..CIRCLE_K);
                    let a = 2.0 * std::f64::consts::PI * k as f64 / CIRCLE_K as f64;
                    let (e0, e1): (f64, f64) =
                        (rng.sample(StandardNormal), rng.sample(StandardNormal));
                    r[0] = CIRCLE_RADIUS * a.cos() + CIRCLE_SIGMA * e0;
                    r[1] = CIRCLE_RADIUS * a.sin() + CIRCLE_SIGMA * e1;
                }
                Target::TwoMoons => {
                    let moon = rng.random_range(0..2);
                    let t = rng.random_range(0.0..std::f64::consts::PI);
                    let (cx, cy) = moon_centre(moon, t);
                    let (e0, e1): (f64, f64) =
                        (rng.sample(StandardNormal), rng.sample(StandardNormal));
                    r[0] = cx + MOON_NOISE * e0;
                    r[1] = cy + MOON_NOISE * e1;
                }
            }
        }
        x
    }

    /// The true `log p(x)` of each row.
    ///
    /// Errors: `x` does not have [`Target::dim`] columns, or holds NaN.
    pub fn log_prob(self, x: &Matrix) -> Result<Vec<f64>> {
        x.check_dim("x", self.dim())?;
        x.check_no_nan("x")?;
        if let Some(g) = self.gauss() {
            let box_ = self.bounds();
            let lp = g.log_prob(x)?;
            return Ok(lp
                .into_iter()
                .zip(x.rows())
                .map(|(l, r)| match &box_ {
                    Some(b) if !b.contains(r) => f64::NEG_INFINITY,
                    _ => l,
                })
                .collect());
        }
        Ok(x.as_slice()
            .par_chunks(self.dim())
            .map(|r| match self {
                Target::Gaussian2d | Target::Gaussian5dBox => unreachable!("evaluated above"),
                Target::CircleOfGaussians => {
                    let s2 = CIRCLE_SIGMA * CIRCLE_SIGMA;
                    let terms: Vec<f64> = (0..CIRCLE_K)
                        .map(|k| {
                            let a = 2.0 * std::f64::consts::PI * k as f64 / CIRCLE_K as f64;
                            let dx = r[0] - CIRCLE_RADIUS * a.cos();
                            let dy = r[1] - CIRCLE_RADIUS * a.sin();
                            -(dx * dx + dy * dy) / (2.0 * s2)
                        })
                        .collect();
                    logsumexp(&terms)
                        - (CIRCLE_K as f64).ln()
                        - (2.0 * std::f64::consts::PI * s2).ln()
                }
                Target::TwoMoons => {
                    let s2 = MOON_NOISE * MOON_NOISE;
                    let h = std::f64::consts::PI / MOON_NODES as f64;
                    let mut terms = Vec::with_capacity(2 * MOON_NODES);
                    for moon in 0..2 {
                        for j in 0..MOON_NODES {
                            let (cx, cy) = moon_centre(moon, (j as f64 + 0.5) * h);
                            let (dx, dy) = (r[0] - cx, r[1] - cy);
                            terms.push(-(dx * dx + dy * dy) / (2.0 * s2));
                        }
                    }
                    // ½ · (1/π) · h Σ N(...) with N's normalisation 1/(2π σ²).
                    logsumexp(&terms) + (0.5 * h / std::f64::consts::PI).ln()
                        - (2.0 * std::f64::consts::PI * s2).ln()
                }
            })
            .collect())
    }

    /// `KL(p‖q) = mean(log p − log q)` over `n` fresh draws from the target with
    /// `rng_from_seed(seed)`: `+∞` when `q` vanishes at a draw.
    pub fn kl_to(self, q: &dyn Density, n: usize, seed: u64) -> Result<f64> {
        if q.dim() != self.dim() {
            return Err(Error::dims("q", self.dim(), q.dim()));
        }
        if n == 0 {
            return Err(Error::invalid("n", "need at least one sample"));
        }
        let x = self.sample(n, &mut rng_from_seed(seed));
        let lp = self.log_prob(&x)?;
        let lq = q.log_prob(&x)?;
        Ok(lp.iter().zip(&lq).map(|(p, q)| p - q).sum::<f64>() / n as f64)
    }

    /// Like [`Target::kl_to`], but averaging only over the draws where `log q` is finite (an
    /// estimator whose box comes from its training samples misses the rare fresh draw beyond
    /// them). Returns the KL estimate and the number of draws left out.
    pub fn kl_masked(self, q: &dyn Density, n: usize, seed: u64) -> Result<(f64, usize)> {
        if q.dim() != self.dim() {
            return Err(Error::dims("q", self.dim(), q.dim()));
        }
        let x = self.sample(n, &mut rng_from_seed(seed));
        let lp = self.log_prob(&x)?;
        let lq = q.log_prob(&x)?;
        masked_kl(&lp, &lq).ok_or_else(|| Error::numerical("kl_masked", "q vanishes at every draw"))
    }

    /// Equally weighted training samples (parameter names `x0, x1, …`).
    pub fn samples(self, n: usize, rng: &mut dyn RngCore) -> Result<WeightedSamples> {
        let x = self.sample(n, rng);
        WeightedSamples::unweighted(x, names(self.dim()))
    }

    /// Importance-weighted training samples: `n` draws from the broader proposal
    /// `g = N(mean, 2·cov)` (the target's exact moments, variance doubled), with weights
    /// `p(x)/g(x)` (zero outside the target's box).
    pub fn importance_samples(self, n: usize, rng: &mut dyn RngCore) -> Result<WeightedSamples> {
        let (m, c) = self.moments();
        let g = gaussian(m, &c, 2.0);
        let x = g.sample(n, rng)?;
        let lp = self.log_prob(&x)?;
        let lg = g.log_prob(&x)?;
        let w: Vec<f64> = lp.iter().zip(&lg).map(|(p, q)| (p - q).exp()).collect();
        WeightedSamples::new(x, w, names(self.dim()))
    }
}

/// `mean(log p − log q)` over the points where `log q` is finite, and how many points were
/// left out; `None` when `q` vanishes at every point. The KL estimate of [`Target::kl_masked`],
/// for callers that already hold both log densities.
pub fn masked_kl(log_p: &[f64], log_q: &[f64]) -> Option<(f64, usize)> {
    let terms: Vec<f64> = log_p
        .iter()
        .zip(log_q)
        .filter(|(_, q)| q.is_finite())
        .map(|(p, q)| p - q)
        .collect();
    if terms.is_empty() {
        return None;
    }
    let n_left_out = log_q.len() - terms.len();
    Some((terms.iter().sum::<f64>() / terms.len() as f64, n_left_out))
}

/// `N(m, scale · c)` from the moments of a target (always positive definite).
fn gaussian(m: Vec<f64>, c: &[Vec<f64>], scale: f64) -> Gaussian {
    let rows: Vec<Vec<f64>> = c
        .iter()
        .map(|r| r.iter().map(|v| scale * v).collect())
        .collect();
    Gaussian::new(m, Matrix::from_rows(&rows).expect("square")).expect("positive definite")
}

fn names(d: usize) -> Vec<String> {
    (0..d).map(|i| format!("x{i}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn log_prob_of_the_wrong_width_or_nan_is_a_typed_error() {
        for t in Target::ALL {
            let wide = Matrix::zeros(3, t.dim() + 1);
            assert!(t.log_prob(&wide).is_err(), "{t:?}");
            let mut nan = Matrix::zeros(2, t.dim());
            nan.row_mut(1)[0] = f64::NAN;
            assert!(t.log_prob(&nan).is_err(), "{t:?}");
        }
    }

    use super::*;

    /// Each target's density integrates to 1 (2-D: midpoint grid; 5-D: Gaussian closed form
    /// checked through E_p[log p] = −½ log det(2πeΣ)) and its samples have the exact moments.
    #[test]
    fn densities_are_normalised_and_match_their_samples() {
        for (t, h, half) in [
            (Target::Gaussian2d, 0.05, 140usize),
            (Target::CircleOfGaussians, 0.04, 125),
            (Target::TwoMoons, 0.04, 60),
        ] {
            let (m, _) = t.moments();
            let mut pts = Vec::new();
            for i in 0..2 * half {
                for j in 0..2 * half {
                    pts.push(m[0] + (i as f64 + 0.5 - half as f64) * h);
                    pts.push(m[1] + (j as f64 + 0.5 - half as f64) * h);
                }
            }
            let grid = Matrix::new(4 * half * half, 2, pts).unwrap();
            let mass: f64 = t
                .log_prob(&grid)
                .unwrap()
                .iter()
                .map(|l| l.exp())
                .sum::<f64>()
                * h
                * h;
            assert!((mass - 1.0).abs() < 2e-3, "{t:?}: mass {mass}");
        }
        let mut rng = rng_from_seed(1);
        for t in Target::ALL {
            let x = t.sample(40_000, &mut rng);
            let (m, c) = t.moments();
            let s = WeightedSamples::unweighted(x, names(t.dim())).unwrap();
            let (sm, sc) = (s.mean(), s.covariance());
            for i in 0..t.dim() {
                assert!(
                    (sm[i] - m[i]).abs() < 0.03 * c[i][i].sqrt() * 2.0,
                    "{t:?} mean {i}"
                );
                for j in 0..t.dim() {
                    assert!(
                        (sc.get(i, j) - c[i][j]).abs() < 0.05 * c[i][i].max(c[j][j]),
                        "{t:?} cov {i}{j}"
                    );
                }
            }
        }
        // 5-D: mean log p = −½ log det(2πeΣ), det Σ = (1 − 0.36)^4.
        let t = Target::Gaussian5dBox;
        let lp = t.log_prob(&t.sample(20_000, &mut rng)).unwrap();
        let mean = lp.iter().sum::<f64>() / lp.len() as f64;
        let exact = -0.5
            * (5.0 * (2.0 * std::f64::consts::PI * std::f64::consts::E).ln() + 4.0 * 0.64f64.ln());
        assert!((mean - exact).abs() < 0.03, "{mean} vs {exact}");
    }

    #[test]
    fn importance_weights_reproduce_the_target_moments() {
        let mut rng = rng_from_seed(2);
        for t in Target::ALL {
            let s = t.importance_samples(40_000, &mut rng).unwrap();
            let (m, c) = t.moments();
            let sm = s.mean();
            // The circle's narrow components make it the hardest for a Gaussian proposal.
            assert!(s.ess() > 2000.0, "{t:?}: ess {}", s.ess());
            for i in 0..t.dim() {
                assert!(
                    (sm[i] - m[i]).abs() < 0.05 * c[i][i].sqrt() * 2.0,
                    "{t:?} mean {i}: {} vs {}",
                    sm[i],
                    m[i]
                );
            }
        }
    }
}

/// Targets of any dimension, for the scaling benchmarks: the AR(1) Gaussian `N(0, Σ)`,
/// `Σ_ab = 0.6^|a−b|`, and the equal mixture of that Gaussian shifted to `±2·(1, …, 1)` (every
/// marginal bimodal, modes 4 sd apart).
#[derive(Debug, Clone)]
pub enum ScalingTarget {
    /// The AR(1) Gaussian.
    Gaussian(Gaussian),
    /// The two shifted copies of the AR(1) Gaussian, equally weighted.
    Mixture(Gaussian, Gaussian),
}

/// The AR(1) correlation of the scaling targets.
pub const SCALING_RHO: f64 = 0.6;

impl ScalingTarget {
    /// The `d`-dimensional AR(1) Gaussian.
    pub fn gaussian(d: usize) -> Result<Self> {
        Ok(Self::Gaussian(Gaussian::ar1(d, SCALING_RHO, 1.0)?))
    }

    /// The `d`-dimensional two-component mixture.
    pub fn mixture(d: usize) -> Result<Self> {
        let base = Gaussian::ar1(d, SCALING_RHO, 1.0)?;
        let shifted = |s: f64| Gaussian::new(vec![s; d], base.cov().clone());
        Ok(Self::Mixture(shifted(2.0)?, shifted(-2.0)?))
    }

    /// `"gaussian"` or `"mixture"`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Gaussian(_) => "gaussian",
            Self::Mixture(..) => "mixture",
        }
    }

    /// `n` independent draws.
    pub fn sample(&self, n: usize, rng: &mut dyn RngCore) -> Result<Matrix> {
        match self {
            Self::Gaussian(g) => g.sample(n, rng),
            Self::Mixture(a, b) => {
                let (x, y) = (a.sample(n, rng)?, b.sample(n, rng)?);
                let mut out = Matrix::zeros(n, x.ncols());
                for i in 0..n {
                    let src = if rng.random::<bool>() { &x } else { &y };
                    out.row_mut(i).copy_from_slice(src.row(i));
                }
                Ok(out)
            }
        }
    }

    /// Equally weighted training samples (names `x0, x1, …`).
    pub fn samples(&self, n: usize, rng: &mut dyn RngCore) -> Result<WeightedSamples> {
        let x = self.sample(n, rng)?;
        let d = x.ncols();
        WeightedSamples::unweighted(x, names(d))
    }

    /// The exact log density.
    pub fn log_prob(&self, x: &Matrix) -> Result<Vec<f64>> {
        match self {
            Self::Gaussian(g) => g.log_prob(x),
            Self::Mixture(a, b) => {
                let (la, lb) = (a.log_prob(x)?, b.log_prob(x)?);
                Ok(la
                    .iter()
                    .zip(&lb)
                    .map(|(&p, &q)| logsumexp(&[p, q]) - std::f64::consts::LN_2)
                    .collect())
            }
        }
    }
}

/// `n` draws of the `d`-dimensional AR(1) Gaussian `Σ_ab = ρ^|a−b|` as equally weighted
/// samples.
pub fn ar1_gaussian_samples(
    n: usize,
    d: usize,
    rho: f64,
    rng: &mut dyn RngCore,
) -> Result<WeightedSamples> {
    let x = Gaussian::ar1(d, rho, 1.0)?.sample(n, rng)?;
    WeightedSamples::unweighted(x, names(d))
}
