//! Synthetic experiments with Gaussian likelihoods on boxes, whose evidences, marginal
//! posteriors and evidence ratios are closed-form: the known truth of `ns-nuisance-joint` and
//! `ns-enhanced-table`.
//!
//! **One experiment.** A likelihood `L(x) = c N(x; μ, Σ)` with a uniform prior on a box of
//! volume `V` that holds the Gaussian (every marginal ≥ [`MIN_MARGIN`] σ inside its walls, so
//! the mass outside is below `2 d Φ(−8) ≈ 10⁻¹⁴`, negligible beside any sampling error) has
//!
//! `Z = c / V`, `D_KL = log V − ½ log det(2πeΣ)`, `d_G = d`,
//!
//! and its posterior is `N(μ, Σ)` ([`GaussianProblem`]).
//!
//! **Shapes like DES and Planck.** [`experiment`] builds `Σ` over `(θ, α)`: the shared
//! parameters `θ ~ N(μ_θ, D C D)` (scales `D`, AR(1) correlation `C_kl = ρ^{|k−l|}`) and
//! nuisance parameters tied to them, `α_j = m_j + s_j (v_j · z + τ ε_j)` with `z = D⁻¹(θ − μ_θ)`,
//! random unit-variance directions `v_j`, `ε_j ~ N(0, 1)` and `τ = 0.35`: each nuisance
//! parameter is correlated with a combination of θ at about 0.94. Its scales `s_j` spread over
//! decades (`10^U(lo, hi)`), as the calibration and foreground parameters of a real analysis do.
//!
//! **A pair sharing θ** ([`SyntheticPair`]). A over `(θ, α_A)`, B over `(θ, α_B)` with different
//! scales, θ correlations and nuisance couplings, and θ means one combined σ apart on every
//! axis (`μ_Bθ − μ_Aθ = ±√diag(Σ_Aθθ + Σ_Bθθ)`, alternating signs: a mild tension). With the
//! priors uniform on `B_θ × B_αA`, `B_θ × B_αB` and `B_θ × B_αA × B_αB`:
//!
//! - `Z_A = c_A / (V_θ V_αA)`, `Z_B = c_B / (V_θ V_αB)`;
//! - `Z_AB = ∫ L_A L_B π = c_A c_B N(μ_Aθ; μ_Bθ, Σ_Aθθ + Σ_Bθθ) / (V_θ V_αA V_αB)` (the α
//!   integrals of each Gaussian give its θ marginal, and `∫ N(θ; a, A) N(θ; b, B) dθ =
//!   N(a; b, A + B)`);
//! - `log R = log Z_AB − log Z_A − log Z_B = log N(μ_Aθ; μ_Bθ, Σ_Aθθ + Σ_Bθθ) + log V_θ`
//!   (`= log ∫ P_A P_B / π dθ`);
//! - the joint θ marginal is `N(μ, Σ)` with `Σ⁻¹ = Σ_Aθθ⁻¹ + Σ_Bθθ⁻¹`,
//!   `μ = Σ (Σ_Aθθ⁻¹ μ_Aθ + Σ_Bθθ⁻¹ μ_Bθ)`;
//! - the joint 41-D posterior is `N(μ_AB, Λ⁻¹)` with `Λ` the sum of A's and B's precisions
//!   embedded in `(θ, α_A, α_B)`: every box is built to hold A's, B's and this posterior's
//!   marginals with [`MIN_MARGIN`] σ to spare.
//!
//! The unit tests check these forms against quadrature in low dimension and against the
//! identity `L_AB π / N(x; μ_AB, Λ⁻¹) = Z_AB` at random points in 41-D.

// Negated comparisons such as `!(m >= MIN_MARGIN)` are deliberate: they also catch NaN.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use rand_distr::{Distribution, StandardNormal};

use crate::density::Gaussian;
use crate::error::{Error, Result};
use crate::linalg::{cholesky, lower_solve};
use crate::matrix::Matrix;
use crate::nested::problems::TestProblem;
use crate::nested::LogLikelihood;
use crate::rng::{child_seed, rng_from_seed};
use crate::transform::normal::HALF_LN_2PI;
use crate::transform::Bounds;

/// The smallest distance, in marginal σ, from any posterior mean to its box's walls.
pub const MIN_MARGIN: f64 = 8.0;
/// The margin the boxes are built with.
pub const BOX_MARGIN: f64 = 10.0;
/// Nuisance noise `τ` (see the module docs): θ–α correlations of about `1/√(1 + τ²)`.
pub const TAU: f64 = 0.35;

/// `log N(x; μ, Σ)` from the lower Cholesky factor of `Σ`, without allocating more than one
/// vector.
#[derive(Debug, Clone)]
struct LogPdf {
    mean: Vec<f64>,
    chol: Vec<f64>,
    log_norm: f64,
}

impl LogPdf {
    fn new(mean: &[f64], cov: &[f64]) -> Result<Self> {
        let d = mean.len();
        let chol = cholesky(cov, d)?
            .ok_or_else(|| Error::invalid("cov", "the covariance is not positive definite"))?;
        let log_det: f64 = (0..d).map(|i| 2.0 * chol[i * d + i].ln()).sum();
        Ok(Self {
            mean: mean.to_vec(),
            chol,
            log_norm: -0.5 * log_det - d as f64 * HALF_LN_2PI,
        })
    }
    fn eval(&self, x: &[f64]) -> f64 {
        let diff: Vec<f64> = x.iter().zip(&self.mean).map(|(a, b)| a - b).collect();
        let mut z = vec![0.0; diff.len()];
        lower_solve(&self.chol, &diff, &mut z);
        self.log_norm - 0.5 * z.iter().map(|v| v * v).sum::<f64>()
    }
}

/// The inverse of a symmetric positive-definite `d × d` matrix (row-major).
pub fn inverse_spd(a: &[f64], d: usize) -> Result<Vec<f64>> {
    let l = cholesky(a, d)?.ok_or_else(|| Error::invalid("matrix", "not positive definite"))?;
    let mut inv = vec![0.0; d * d];
    let mut e = vec![0.0; d];
    let mut y = vec![0.0; d];
    for c in 0..d {
        e.iter_mut().for_each(|v| *v = 0.0);
        e[c] = 1.0;
        lower_solve(&l, &e, &mut y);
        // Lᵀ x = y, backwards.
        for i in (0..d).rev() {
            let s: f64 = (i + 1..d).map(|k| l[k * d + i] * inv[k * d + c]).sum();
            inv[i * d + c] = (y[i] - s) / l[i * d + i];
        }
    }
    Ok(inv)
}

fn mat_vec(a: &[f64], x: &[f64]) -> Vec<f64> {
    let d = x.len();
    (0..a.len() / d)
        .map(|i| (0..d).map(|k| a[i * d + k] * x[k]).sum())
        .collect()
}

/// `L(x) = c N(x; μ, Σ)` with a uniform prior on a box that holds it (see the module docs).
#[derive(Debug, Clone)]
pub struct GaussianProblem {
    name: String,
    gaussian: Gaussian,
    pdf: LogPdf,
    log_c: f64,
    bounds: Bounds,
}

impl GaussianProblem {
    /// Errors when the box does not hold every marginal with [`MIN_MARGIN`] σ to spare (the
    /// closed form would then be wrong) or the dimensions differ.
    pub fn new(name: &str, gaussian: Gaussian, log_c: f64, bounds: Bounds) -> Result<Self> {
        let d = gaussian.mean().len();
        if bounds.dim() != d {
            return Err(Error::dims("bounds", d, bounds.dim()));
        }
        let m = margin(gaussian.mean(), gaussian.cov(), &bounds);
        if !(m >= MIN_MARGIN) {
            return Err(Error::invalid(
                "bounds",
                format!("the box holds the Gaussian to {m:.2}σ only; the closed-form evidence needs ≥ {MIN_MARGIN}σ"),
            ));
        }
        if !log_c.is_finite() {
            return Err(Error::invalid("log_c", "must be finite"));
        }
        let pdf = LogPdf::new(gaussian.mean(), gaussian.cov().as_slice())?;
        Ok(Self {
            name: name.into(),
            gaussian,
            pdf,
            log_c,
            bounds,
        })
    }

    /// The posterior `N(μ, Σ)`.
    pub fn posterior(&self) -> &Gaussian {
        &self.gaussian
    }

    /// `log c`.
    pub fn log_c(&self) -> f64 {
        self.log_c
    }

    /// The smallest distance from the mean to a wall, in marginal σ.
    pub fn margin(&self) -> f64 {
        margin(self.gaussian.mean(), self.gaussian.cov(), &self.bounds)
    }

    /// The posterior marginal of the first `k` parameters.
    pub fn leading_marginal(&self, k: usize) -> Result<Gaussian> {
        sub_gaussian(&self.gaussian, &(0..k).collect::<Vec<_>>())
    }
}

/// The marginal of `g` over the parameters `idx`.
pub fn sub_gaussian(g: &Gaussian, idx: &[usize]) -> Result<Gaussian> {
    let mean = idx.iter().map(|&i| g.mean()[i]).collect();
    let cov = idx
        .iter()
        .flat_map(|&i| idx.iter().map(move |&j| (i, j)))
        .map(|(i, j)| g.cov().get(i, j))
        .collect();
    Gaussian::new(mean, Matrix::new(idx.len(), idx.len(), cov)?)
}

fn margin(mean: &[f64], cov: &Matrix, b: &Bounds) -> f64 {
    (0..mean.len())
        .map(|i| {
            let s = cov.get(i, i).sqrt();
            ((mean[i] - b.lo()[i]) / s).min((b.hi()[i] - mean[i]) / s)
        })
        .fold(f64::INFINITY, f64::min)
}

impl LogLikelihood for GaussianProblem {
    fn log_likelihood(&self, theta: &[f64]) -> Result<f64> {
        Ok(self.log_c + self.pdf.eval(theta))
    }
}

impl TestProblem for GaussianProblem {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn dim(&self) -> usize {
        self.gaussian.mean().len()
    }
    fn bounds(&self) -> Bounds {
        self.bounds.clone()
    }
    fn log_z(&self) -> f64 {
        self.log_c - self.bounds.log_volume()
    }
    fn kl(&self) -> Option<f64> {
        Some(self.bounds.log_volume() - self.gaussian.entropy())
    }
    fn bmd(&self) -> Option<f64> {
        Some(self.dim() as f64)
    }
}

/// The shape of one experiment's posterior over `(θ, α)` (see the module docs).
#[derive(Debug, Clone)]
pub struct ExperimentShape {
    /// Means `μ_θ`.
    pub theta_mean: Vec<f64>,
    /// Marginal σ of each θ.
    pub theta_sd: Vec<f64>,
    /// AR(1) correlation `ρ` of θ.
    pub rho: f64,
    /// Number of nuisance parameters.
    pub n_alpha: usize,
    /// `log₁₀` range of the nuisance scales `s_j`.
    pub log10_scales: (f64, f64),
    /// Seed of the nuisance couplings, scales and means.
    pub seed: u64,
}

/// The posterior `N(μ, Σ)` over `(θ, α)` of an experiment of shape `s` (see the module docs).
pub fn experiment(s: &ExperimentShape) -> Result<Gaussian> {
    let k = s.theta_mean.len();
    if k == 0 || s.theta_sd.len() != k {
        return Err(Error::dims("theta_sd", k, s.theta_sd.len()));
    }
    if !(s.rho.abs() < 1.0) || s.theta_sd.iter().any(|v| !(*v > 0.0)) {
        return Err(Error::invalid("shape", "need |ρ| < 1 and σ_θ > 0"));
    }
    let n = k + s.n_alpha;
    let mut rng = rng_from_seed(s.seed);
    let mut normal = || -> f64 { StandardNormal.sample(&mut rng) };
    let c = |a: usize, b: usize| s.rho.powi((a as i32 - b as i32).abs());
    // v_j normalised so that Var(v_j · z) = v_jᵀ C v_j = 1.
    let mut v = vec![vec![0.0; k]; s.n_alpha];
    let mut scale = vec![0.0; s.n_alpha];
    let mut alpha_mean = vec![0.0; s.n_alpha];
    let (lo, hi) = s.log10_scales;
    for j in 0..s.n_alpha {
        let raw: Vec<f64> = (0..k).map(|_| normal()).collect();
        let q: f64 = (0..k)
            .flat_map(|a| (0..k).map(move |b| (a, b)))
            .map(|(a, b)| raw[a] * c(a, b) * raw[b])
            .sum();
        v[j] = raw.iter().map(|r| r / q.sqrt()).collect();
        let u: f64 = 0.5 * (1.0 + normal().tanh()); // in (0, 1)
        scale[j] = 10f64.powf(lo + (hi - lo) * u);
        alpha_mean[j] = 2.0 * scale[j] * normal();
    }
    let mut cov = vec![0.0; n * n];
    for a in 0..k {
        for b in 0..k {
            cov[a * n + b] = s.theta_sd[a] * c(a, b) * s.theta_sd[b];
        }
    }
    for j in 0..s.n_alpha {
        // Cov(α_j, θ_b) = s_j Σ_l v_jl C_lb σ_b.
        for b in 0..k {
            let x = scale[j] * (0..k).map(|l| v[j][l] * c(l, b)).sum::<f64>() * s.theta_sd[b];
            cov[(k + j) * n + b] = x;
            cov[b * n + k + j] = x;
        }
        for i in 0..s.n_alpha {
            let vcv: f64 = (0..k)
                .flat_map(|a| (0..k).map(move |b| (a, b)))
                .map(|(a, b)| v[j][a] * c(a, b) * v[i][b])
                .sum();
            let tau2 = if i == j { TAU * TAU } else { 0.0 };
            cov[(k + j) * n + k + i] = scale[j] * scale[i] * (vcv + tau2);
        }
    }
    let mut mean = s.theta_mean.clone();
    mean.extend(alpha_mean);
    Gaussian::new(mean, Matrix::new(n, n, cov)?)
}

/// Box `[μ − mσ, μ + mσ]` around every one of `gaussians`' marginals (union over them).
fn covering_box(gaussians: &[(&[f64], Vec<f64>)], m: f64) -> Result<Bounds> {
    let d = gaussians[0].0.len();
    let mut lo = vec![f64::INFINITY; d];
    let mut hi = vec![f64::NEG_INFINITY; d];
    for (mean, sd) in gaussians {
        for i in 0..d {
            lo[i] = lo[i].min(mean[i] - m * sd[i]);
            hi[i] = hi[i].max(mean[i] + m * sd[i]);
        }
    }
    Bounds::new(lo, hi)
}

fn sds(g: &Gaussian) -> Vec<f64> {
    (0..g.mean().len())
        .map(|i| g.cov().get(i, i).sqrt())
        .collect()
}

/// The Planck-like problem of `ns-enhanced-table`: one experiment of `6 + n_alpha` parameters
/// with θ scales over a decade and nuisance scales over 2.5 decades, `log c = −2`, on the box
/// `μ ± 10σ`.
pub fn planck_like(n_alpha: usize, seed: u64) -> Result<GaussianProblem> {
    let g = experiment(&ExperimentShape {
        theta_mean: vec![0.022, 0.12, 1.04, 0.054, 3.04, 0.965],
        theta_sd: vec![0.00015, 0.0012, 0.0003, 0.0074, 0.014, 0.0042],
        rho: 0.6,
        n_alpha,
        log10_scales: (-1.5, 1.0),
        seed,
    })?;
    let b = covering_box(&[(g.mean(), sds(&g))], BOX_MARGIN)?;
    GaussianProblem::new(&format!("planck-like-{}", 6 + n_alpha), g, -2.0, b)
}

/// Settings of a [`SyntheticPair`].
#[derive(Debug, Clone, Copy)]
pub struct PairConfig {
    /// Nuisance parameters of A (20 in the paper-sized problem).
    pub n_alpha_a: usize,
    /// Nuisance parameters of B (15).
    pub n_alpha_b: usize,
    /// Seed of the nuisance couplings.
    pub seed: u64,
}

impl PairConfig {
    /// The paper-sized pair: 6 shared, 20 + 15 nuisance parameters (41 in all).
    pub fn paper() -> Self {
        Self {
            n_alpha_a: 20,
            n_alpha_b: 15,
            seed: 2205,
        }
    }
}

/// Two experiments A and B sharing the six θ (see the module docs).
#[derive(Debug, Clone)]
pub struct SyntheticPair {
    /// Experiment A over `(θ, α_A)`.
    pub a: GaussianProblem,
    /// Experiment B over `(θ, α_B)`.
    pub b: GaussianProblem,
    /// The joint problem over `(θ, α_A, α_B)`.
    pub joint: JointProblem,
    /// The θ prior box.
    pub theta_bounds: Bounds,
}

/// Number of shared parameters θ.
pub const N_THETA: usize = 6;

impl SyntheticPair {
    /// Builds A, B and the joint problem with boxes that hold all three posteriors.
    pub fn new(cfg: &PairConfig) -> Result<Self> {
        let sd_a = vec![1.0, 0.5, 2.0, 0.8, 1.5, 0.3];
        let sd_b: Vec<f64> = sd_a
            .iter()
            .zip([0.5, 2.0, 0.7, 0.4, 1.2, 1.5])
            .map(|(s, f)| s * f)
            .collect();
        let mu_a = vec![0.3, -0.2, 0.5, 0.1, -0.4, 0.2];
        let mu_b: Vec<f64> = (0..N_THETA)
            .map(|k| {
                let sign = if k % 2 == 0 { 1.0 } else { -1.0 };
                mu_a[k] + sign * (sd_a[k].powi(2) + sd_b[k].powi(2)).sqrt()
            })
            .collect();
        let ga = experiment(&ExperimentShape {
            theta_mean: mu_a,
            theta_sd: sd_a,
            rho: 0.5,
            n_alpha: cfg.n_alpha_a,
            log10_scales: (-1.0, 1.0),
            seed: child_seed(cfg.seed, 1),
        })?;
        let gb = experiment(&ExperimentShape {
            theta_mean: mu_b,
            theta_sd: sd_b,
            rho: -0.3,
            n_alpha: cfg.n_alpha_b,
            log10_scales: (-1.0, 1.0),
            seed: child_seed(cfg.seed, 2),
        })?;
        let (na, nb) = (cfg.n_alpha_a, cfg.n_alpha_b);
        let n = N_THETA + na + nb;
        let idx_a: Vec<usize> = (0..N_THETA + na).collect();
        let idx_b: Vec<usize> = (0..N_THETA).chain(N_THETA + na..n).collect();
        let post = joint_posterior(&ga, &gb, &idx_a, &idx_b, n)?;
        let (sa, sb, sj) = (sds(&ga), sds(&gb), sds(&post));
        let pick = |v: &[f64], idx: &[usize]| idx.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        let th: Vec<usize> = (0..N_THETA).collect();
        let theta_bounds = covering_box(
            &[
                (&ga.mean()[..N_THETA], sa[..N_THETA].to_vec()),
                (&gb.mean()[..N_THETA], sb[..N_THETA].to_vec()),
                (&pick(post.mean(), &th), pick(&sj, &th)),
            ],
            BOX_MARGIN,
        )?;
        let alpha_a: Vec<usize> = (N_THETA..N_THETA + na).collect();
        let alpha_b: Vec<usize> = (N_THETA + na..n).collect();
        let box_a = covering_box(
            &[
                (&ga.mean()[N_THETA..], sa[N_THETA..].to_vec()),
                (&pick(post.mean(), &alpha_a), pick(&sj, &alpha_a)),
            ],
            BOX_MARGIN,
        )?;
        let box_b = covering_box(
            &[
                (&gb.mean()[N_THETA..], sb[N_THETA..].to_vec()),
                (&pick(post.mean(), &alpha_b), pick(&sj, &alpha_b)),
            ],
            BOX_MARGIN,
        )?;
        let join = |parts: &[&Bounds]| {
            let lo = parts.iter().flat_map(|b| b.lo().to_vec()).collect();
            let hi = parts.iter().flat_map(|b| b.hi().to_vec()).collect();
            Bounds::new(lo, hi)
        };
        let a = GaussianProblem::new(
            &format!("A-{}", N_THETA + na),
            ga,
            -5.0,
            join(&[&theta_bounds, &box_a])?,
        )?;
        let b = GaussianProblem::new(
            &format!("B-{}", N_THETA + nb),
            gb,
            -3.0,
            join(&[&theta_bounds, &box_b])?,
        )?;
        let bounds = join(&[&theta_bounds, &box_a, &box_b])?;
        let joint = JointProblem {
            a: a.clone(),
            b: b.clone(),
            posterior: post,
            bounds,
            na,
            nb,
        };
        if !(joint.margin() >= MIN_MARGIN) {
            return Err(Error::numerical("SyntheticPair", "joint box too tight"));
        }
        Ok(Self {
            a,
            b,
            joint,
            theta_bounds,
        })
    }

    /// `log R = log Z_AB − log Z_A − log Z_B` (closed form).
    pub fn log_r(&self) -> f64 {
        self.joint.log_z() - self.a.log_z() - self.b.log_z()
    }

    /// The joint θ marginal `N(μ, Σ)`, `Σ⁻¹ = Σ_Aθθ⁻¹ + Σ_Bθθ⁻¹` (the product form).
    pub fn joint_theta(&self) -> Result<Gaussian> {
        let ta = self.a.leading_marginal(N_THETA)?;
        let tb = self.b.leading_marginal(N_THETA)?;
        let (ia, ib) = (
            inverse_spd(ta.cov().as_slice(), N_THETA)?,
            inverse_spd(tb.cov().as_slice(), N_THETA)?,
        );
        let prec: Vec<f64> = ia.iter().zip(&ib).map(|(x, y)| x + y).collect();
        let cov = inverse_spd(&prec, N_THETA)?;
        let rhs: Vec<f64> = mat_vec(&ia, ta.mean())
            .iter()
            .zip(mat_vec(&ib, tb.mean()))
            .map(|(x, y)| x + y)
            .collect();
        Gaussian::new(mat_vec(&cov, &rhs), Matrix::new(N_THETA, N_THETA, cov)?)
    }

    /// The Mahalanobis distance between A's and B's θ means, `√(δᵀ(Σ_Aθθ + Σ_Bθθ)⁻¹δ)`.
    pub fn tension(&self) -> Result<f64> {
        let (ta, tb, sum) = theta_marginals(&self.a, &self.b)?;
        let inv = inverse_spd(&sum, N_THETA)?;
        let d: Vec<f64> = ta
            .mean()
            .iter()
            .zip(tb.mean())
            .map(|(x, y)| x - y)
            .collect();
        Ok(d.iter()
            .zip(mat_vec(&inv, &d))
            .map(|(a, b)| a * b)
            .sum::<f64>()
            .sqrt())
    }
}

/// A's and B's θ marginals and the sum of their covariances `Σ_Aθθ + Σ_Bθθ` (row-major), the
/// covariance of the difference of their means.
fn theta_marginals(
    a: &GaussianProblem,
    b: &GaussianProblem,
) -> Result<(Gaussian, Gaussian, Vec<f64>)> {
    let ta = a.leading_marginal(N_THETA)?;
    let tb = b.leading_marginal(N_THETA)?;
    let sum = ta
        .cov()
        .as_slice()
        .iter()
        .zip(tb.cov().as_slice())
        .map(|(x, y)| x + y)
        .collect();
    Ok((ta, tb, sum))
}

/// `N(μ_AB, Λ⁻¹)`: A's and B's precisions embedded at `idx_a`, `idx_b` of `n` and summed.
fn joint_posterior(
    ga: &Gaussian,
    gb: &Gaussian,
    idx_a: &[usize],
    idx_b: &[usize],
    n: usize,
) -> Result<Gaussian> {
    let mut prec = vec![0.0; n * n];
    let mut rhs = vec![0.0; n];
    for (g, idx) in [(ga, idx_a), (gb, idx_b)] {
        let m = idx.len();
        let inv = inverse_spd(g.cov().as_slice(), m)?;
        let h = mat_vec(&inv, g.mean());
        for (i, &gi) in idx.iter().enumerate() {
            rhs[gi] += h[i];
            for (j, &gj) in idx.iter().enumerate() {
                prec[gi * n + gj] += inv[i * m + j];
            }
        }
    }
    let mut cov = inverse_spd(&prec, n)?;
    for i in 0..n {
        for j in 0..i {
            let s = 0.5 * (cov[i * n + j] + cov[j * n + i]);
            cov[i * n + j] = s;
            cov[j * n + i] = s;
        }
    }
    Gaussian::new(mat_vec(&cov, &rhs), Matrix::new(n, n, cov)?)
}

/// `L_AB(θ, α_A, α_B) = L_A(θ, α_A) L_B(θ, α_B)` on `B_θ × B_αA × B_αB`.
#[derive(Debug, Clone)]
pub struct JointProblem {
    a: GaussianProblem,
    b: GaussianProblem,
    posterior: Gaussian,
    bounds: Bounds,
    na: usize,
    nb: usize,
}

impl JointProblem {
    /// The joint posterior `N(μ_AB, Λ⁻¹)`.
    pub fn posterior(&self) -> &Gaussian {
        &self.posterior
    }
    /// The smallest distance from the joint posterior's mean to a wall, in marginal σ.
    pub fn margin(&self) -> f64 {
        margin(self.posterior.mean(), self.posterior.cov(), &self.bounds)
    }
}

impl LogLikelihood for JointProblem {
    fn log_likelihood(&self, x: &[f64]) -> Result<f64> {
        if x.len() != N_THETA + self.na + self.nb {
            return Err(Error::dims("theta", N_THETA + self.na + self.nb, x.len()));
        }
        let xa = &x[..N_THETA + self.na];
        let mut xb = x[..N_THETA].to_vec();
        xb.extend_from_slice(&x[N_THETA + self.na..]);
        Ok(self.a.log_likelihood(xa)? + self.b.log_likelihood(&xb)?)
    }
}

impl TestProblem for JointProblem {
    fn name(&self) -> String {
        format!("joint-{}", N_THETA + self.na + self.nb)
    }
    fn dim(&self) -> usize {
        N_THETA + self.na + self.nb
    }
    fn bounds(&self) -> Bounds {
        self.bounds.clone()
    }
    fn log_z(&self) -> f64 {
        // c_A c_B N(μ_Aθ; μ_Bθ, Σ_Aθθ + Σ_Bθθ) / V.
        let (ta, tb, sum) = theta_marginals(&self.a, &self.b).expect("valid marginals");
        let conv = LogPdf::new(tb.mean(), &sum).expect("a sum of covariances is positive definite");
        self.a.log_c() + self.b.log_c() + conv.eval(ta.mean()) - self.bounds.log_volume()
    }
    fn kl(&self) -> Option<f64> {
        Some(self.bounds.log_volume() - self.posterior.entropy())
    }
    fn bmd(&self) -> Option<f64> {
        Some(self.dim() as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::density::{Density, Sample};
    use crate::linalg::logsumexp;

    fn small() -> SyntheticPair {
        SyntheticPair::new(&PairConfig {
            n_alpha_a: 1,
            n_alpha_b: 1,
            seed: 3,
        })
        .unwrap()
    }

    /// `L_AB π / N(x; μ_AB, Λ⁻¹)` is the constant `Z_AB` at any point, in 41-D.
    #[test]
    fn joint_evidence_and_posterior_are_consistent_in_41d() {
        let p = SyntheticPair::new(&PairConfig::paper()).unwrap();
        assert_eq!(p.joint.dim(), 41);
        let post = p.joint.posterior();
        let x = post.sample_seeded(20, 5).unwrap();
        let lv = p.joint.bounds().log_volume();
        for r in x.rows() {
            let lz = p.joint.log_likelihood(r).unwrap() - lv - post.log_prob_one(r).unwrap();
            assert!(
                (lz - p.joint.log_z()).abs() < 1e-7,
                "{lz} vs {}",
                p.joint.log_z()
            );
        }
        assert!(p.a.margin() >= MIN_MARGIN && p.b.margin() >= MIN_MARGIN);
        // The joint θ marginal: the product form equals the joint posterior's θ block.
        let t = p.joint_theta().unwrap();
        let block = sub_gaussian(post, &(0..N_THETA).collect::<Vec<_>>()).unwrap();
        for i in 0..N_THETA {
            assert!((t.mean()[i] - block.mean()[i]).abs() < 1e-9);
            for j in 0..N_THETA {
                assert!((t.cov().get(i, j) - block.cov().get(i, j)).abs() < 1e-9);
            }
        }
        let tension = p.tension().unwrap();
        assert!(tension > 1.0 && tension < 3.5, "{tension}");
    }

    /// `log Z` of a 2-D problem by midpoint quadrature over its box, and `log R = log ∫ P_A
    /// P_B / π dθ = log V_θ + log E_{P_A}[P_B]` by Monte Carlo over the 6-D θ.
    #[test]
    fn closed_forms_match_quadrature_and_monte_carlo() {
        let ga = Gaussian::new(
            vec![0.2, 1.0],
            Matrix::new(2, 2, vec![1.0, 0.8, 0.8, 1.0]).unwrap(),
        )
        .unwrap();
        let b = Bounds::new(vec![-10.0, -9.0], vec![11.0, 10.0]).unwrap();
        let a = GaussianProblem::new("a", ga, -1.5, b.clone()).unwrap();
        let m = 600;
        let hx = (b.hi()[0] - b.lo()[0]) / m as f64;
        let hy = (b.hi()[1] - b.lo()[1]) / m as f64;
        let mut terms = Vec::with_capacity(m * m);
        for i in 0..m {
            for j in 0..m {
                let x = [
                    b.lo()[0] + (i as f64 + 0.5) * hx,
                    b.lo()[1] + (j as f64 + 0.5) * hy,
                ];
                terms.push(a.log_likelihood(&x).unwrap());
            }
        }
        let lz = logsumexp(&terms) + (hx * hy).ln() - b.log_volume();
        assert!((lz - a.log_z()).abs() < 1e-6, "{lz} vs {}", a.log_z());

        let p = small();
        let ta = p.a.leading_marginal(N_THETA).unwrap();
        let tb = p.b.leading_marginal(N_THETA).unwrap();
        let draws = ta.sample_seeded(400_000, 9).unwrap();
        let lb = tb.log_prob(&draws).unwrap();
        let n = lb.len() as f64;
        let est = logsumexp(&lb) - n.ln() + p.theta_bounds.log_volume();
        let mean_w: f64 = lb.iter().map(|l| l.exp()).sum::<f64>() / n;
        let var_w = lb.iter().map(|l| (l.exp() - mean_w).powi(2)).sum::<f64>() / n;
        let err = var_w.sqrt() / mean_w / n.sqrt();
        assert!(
            (est - p.log_r()).abs() < 4.0 * err,
            "{est} vs {} (err {err})",
            p.log_r()
        );
    }

    #[test]
    fn bad_boxes_are_errors() {
        let g = Gaussian::standard(2).unwrap();
        let b = Bounds::cube(2, -5.0, 5.0).unwrap();
        assert!(GaussianProblem::new("g", g, 0.0, b).is_err());
        assert!(planck_like(21, 1).unwrap().margin() >= MIN_MARGIN);
    }
}
