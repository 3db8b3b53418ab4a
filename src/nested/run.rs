//! The result of a run: dead points with their birth contours, and everything derived from
//! them the anesthetic way (Handley et al. 2019, arXiv:1905.04768).
//!
//! Point `i` (in order of death) died when `n_i` points were live. The prior volume shrinks at
//! each death by `t_i ~ Beta(n_i, 1)`, so `log X_i = Σ_{j≤i} log t_j`. With trapezoid weights
//! `w_i = L_i (X_{i−1} − X_{i+1}) / 2` (`X_0 = 1`, `X_{N+1} = 0`):
//!
//! - `Z = Σ w_i`, posterior weights `p_i = w_i / Z`;
//! - `D_KL = Σ p_i log(L_i / Z)` (Kullback–Leibler divergence from prior to posterior);
//! - `d_G = 2 Σ p_i (log(L_i / Z) − D_KL)²` (Bayesian model dimensionality, Handley & Lemos
//!   2019, arXiv:1903.06682; `d_G = d` for a Gaussian likelihood well inside its prior).
//!
//! Means and errors come from `n_simulations` independent draws of the `t_i`; the posterior
//! weights use the expected `log t_i = −1/n_i`.

use rand::Rng;

use crate::error::{Error, Result};
use crate::linalg::logsumexp;
use crate::matrix::Matrix;
use crate::rng::rng_from_seed;
use crate::samples::readers::nested::nlive_from_birth;
use crate::samples::WeightedSamples;

/// Why the run stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The live points held less than `precision` of the evidence.
    Converged,
    /// The likelihood-call cap was reached; the evidence includes the remaining live points
    /// but may be biased low.
    CallCap,
}

/// A statistic with its standard deviation over simulated prior volumes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Mean over simulations.
    pub mean: f64,
    /// Standard deviation over simulations.
    pub sd: f64,
}

/// A finished nested-sampling run.
#[derive(Debug, Clone)]
pub struct NestedRun {
    pub(crate) names: Vec<String>,
    pub(crate) theta: Matrix,
    pub(crate) logl: Vec<f64>,
    pub(crate) logl_birth: Vec<f64>,
    pub(crate) n_live: Vec<usize>,
    pub(crate) calls: u64,
    pub(crate) nan_calls: u64,
    pub(crate) stop: StopReason,
    pub(crate) n_clusters: usize,
    pub(crate) log_z: Estimate,
    pub(crate) kl: Estimate,
    pub(crate) bmd: Estimate,
}

/// `log Z`, `D_KL` and `d_G` for one sequence of `log X_i`.
fn stats_for(logl: &[f64], log_x: &[f64]) -> (f64, f64, f64) {
    let logw = trapezoid_log_weights(logl, log_x);
    let log_z = logsumexp(&logw);
    let (mut kl, mut m2) = (0.0, 0.0);
    for (lw, l) in logw.iter().zip(logl) {
        let p = (lw - log_z).exp();
        if p > 0.0 {
            kl += p * (l - log_z);
        }
    }
    for (lw, l) in logw.iter().zip(logl) {
        let p = (lw - log_z).exp();
        if p > 0.0 {
            m2 += p * (l - log_z - kl).powi(2);
        }
    }
    (log_z, kl, 2.0 * m2)
}

/// `log w_i = log L_i + log((X_{i−1} − X_{i+1}) / 2)`.
fn trapezoid_log_weights(logl: &[f64], log_x: &[f64]) -> Vec<f64> {
    let n = logl.len();
    (0..n)
        .map(|i| {
            let prev = if i == 0 { 0.0 } else { log_x[i - 1] };
            let next = if i + 1 == n {
                f64::NEG_INFINITY
            } else {
                log_x[i + 1]
            };
            let log_dx = prev + (-(next - prev).exp()).ln_1p() - std::f64::consts::LN_2;
            if logl[i] == f64::NEG_INFINITY {
                f64::NEG_INFINITY
            } else {
                logl[i] + log_dx
            }
        })
        .collect()
}

/// Mean and sd of `log Z`, `D_KL`, `d_G` over `n_sim` simulated volume sequences.
pub(crate) fn simulate(logl: &[f64], n_live: &[usize], n_sim: usize, seed: u64) -> [Estimate; 3] {
    let mut rng = rng_from_seed(seed);
    let mut acc = [[0.0f64; 2]; 3];
    let mut log_x = vec![0.0; logl.len()];
    for _ in 0..n_sim {
        let mut x = 0.0;
        for (lx, &n) in log_x.iter_mut().zip(n_live) {
            let u: f64 = 1.0 - rng.random::<f64>(); // in (0, 1]
            x += u.ln() / n as f64;
            *lx = x;
        }
        let s = stats_for(logl, &log_x);
        for (a, v) in acc.iter_mut().zip([s.0, s.1, s.2]) {
            a[0] += v;
            a[1] += v * v;
        }
    }
    let m = n_sim as f64;
    acc.map(|[s, s2]| {
        let mean = s / m;
        Estimate {
            mean,
            sd: ((s2 / m - mean * mean).max(0.0) * m / (m - 1.0)).sqrt(),
        }
    })
}

/// Expected `log X_i = −Σ_{j≤i} 1/n_j`.
fn expected_log_x(n_live: &[usize]) -> Vec<f64> {
    let mut x = 0.0;
    n_live
        .iter()
        .map(|&n| {
            x -= 1.0 / n as f64;
            x
        })
        .collect()
}

impl NestedRun {
    /// `log Z` (mean over simulated volumes).
    pub fn log_z(&self) -> f64 {
        self.log_z.mean
    }
    /// Standard error of `log Z`.
    pub fn log_z_err(&self) -> f64 {
        self.log_z.sd
    }
    /// `D_KL` of prior to posterior, with its error.
    pub fn kl(&self) -> Estimate {
        self.kl
    }
    /// Bayesian model dimensionality `d_G`, with its error.
    pub fn bmd(&self) -> Estimate {
        self.bmd
    }
    /// The exact number of likelihood calls.
    pub fn calls(&self) -> u64 {
        self.calls
    }
    /// How many calls returned NaN (treated as `log L = −∞`).
    pub fn nan_calls(&self) -> u64 {
        self.nan_calls
    }
    /// Why the run stopped.
    pub fn stop_reason(&self) -> StopReason {
        self.stop
    }
    /// Number of clusters found at the last clustering.
    pub fn n_clusters(&self) -> usize {
        self.n_clusters
    }
    /// Number of dead points (the final live points included).
    pub fn n_dead(&self) -> usize {
        self.logl.len()
    }
    /// Parameter names.
    pub fn names(&self) -> &[String] {
        &self.names
    }
    /// Replaces the parameter names.
    pub fn with_names(mut self, names: Vec<String>) -> Result<Self> {
        if names.len() != self.theta.ncols() {
            return Err(Error::dims("names", self.theta.ncols(), names.len()));
        }
        self.names = names;
        Ok(self)
    }
    /// Dead points `θ`, in order of death.
    pub fn theta(&self) -> &Matrix {
        &self.theta
    }
    /// `log L` of the dead points.
    pub fn logl(&self) -> &[f64] {
        &self.logl
    }
    /// Birth contours `log L*` (`−∞` for the initial live points).
    pub fn logl_birth(&self) -> &[f64] {
        &self.logl_birth
    }
    /// Number of live points when each point died.
    pub fn n_live_at_death(&self) -> &[usize] {
        &self.n_live
    }

    /// Normalised posterior weights of the dead points, from the expected volumes.
    pub fn posterior_weights(&self) -> Vec<f64> {
        let logw = trapezoid_log_weights(&self.logl, &expected_log_x(&self.n_live));
        let lz = logsumexp(&logw);
        logw.iter().map(|w| (w - lz).exp()).collect()
    }

    /// The posterior as weighted samples with `log L` and birth contours (points of zero
    /// weight dropped), ready for the estimators.
    pub fn to_weighted_samples(&self) -> Result<WeightedSamples> {
        self.tempered_samples(1.0)
    }

    /// Samples of the tempered posterior `∝ L^β π`, for `β ∈ (0, 1]`: the same dead points
    /// with weights `L_i^β ΔX_i`. For a Gaussian posterior this widens every axis by `1/√β`,
    /// which is how the enhanced pipeline keeps a fitted proposal from cutting off tails.
    pub fn tempered_samples(&self, beta: f64) -> Result<WeightedSamples> {
        if !(beta > 0.0 && beta <= 1.0) {
            return Err(Error::invalid(
                "beta",
                format!("beta = {beta} must lie in (0, 1]"),
            ));
        }
        let tempered: Vec<f64> = self.logl.iter().map(|l| beta * l).collect();
        let logw = trapezoid_log_weights(&tempered, &expected_log_x(&self.n_live));
        let lz = logsumexp(&logw);
        if !lz.is_finite() {
            return Err(Error::numerical(
                "to_weighted_samples",
                "every dead point has L = 0; the run found no posterior mass",
            ));
        }
        let w: Vec<f64> = logw.iter().map(|x| (x - lz).exp()).collect();
        let keep: Vec<usize> = (0..w.len()).filter(|&i| w[i] > 0.0).collect();
        let s = WeightedSamples::new(
            self.theta.select_rows(&keep),
            keep.iter().map(|&i| w[i]).collect(),
            self.names.clone(),
        )?;
        s.with_log_likelihood(
            keep.iter().map(|&i| self.logl[i]).collect(),
            Some(keep.iter().map(|&i| self.logl_birth[i]).collect()),
        )
    }

    /// Rebuilds a run from dead points and birth contours alone (as read from a
    /// `root_dead-birth.txt`), counting the live points at each death as the points born below
    /// and dying at or above it (anesthetic's rule, [`nlive_from_birth`]). A point where the
    /// likelihood vanishes (`log L = −∞`) may have been born at `−∞`, and then dies with the
    /// points born at `−∞` (the initial live points) still counted live, so that the prior
    /// volume where `L = 0` is kept. Errors on a birth contour at or above its own death, and on
    /// NaN.
    pub fn from_dead_birth(
        theta: Matrix,
        logl: Vec<f64>,
        logl_birth: Vec<f64>,
        names: Vec<String>,
        n_simulations: usize,
        seed: u64,
    ) -> Result<Self> {
        let n = logl.len();
        if logl_birth.len() != n {
            return Err(Error::dims("logl_birth", n, logl_birth.len()));
        }
        if theta.nrows() != n {
            return Err(Error::dims("theta", n, theta.nrows()));
        }
        if names.len() != theta.ncols() {
            return Err(Error::dims("names", theta.ncols(), names.len()));
        }
        let vanishes =
            |i: usize| logl[i] == f64::NEG_INFINITY && logl_birth[i] == f64::NEG_INFINITY;
        if let Some(i) =
            (0..n).find(|&i| !(logl_birth[i] < logl[i] || vanishes(i)) || logl[i] == f64::INFINITY)
        {
            return Err(Error::invalid(
                "logl_birth",
                format!(
                    "point {i} was born at log L* = {} not below its log L = {}",
                    logl_birth[i], logl[i]
                ),
            ));
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| logl[a].total_cmp(&logl[b]));
        let logl_sorted: Vec<f64> = order.iter().map(|&i| logl[i]).collect();
        let birth_sorted: Vec<f64> = order.iter().map(|&i| logl_birth[i]).collect();
        let n_live: Vec<usize> = nlive_from_birth(&logl_sorted, &birth_sorted)
            .into_iter()
            .map(|v| v as usize)
            .collect();
        let [log_z, kl, bmd] = simulate(&logl_sorted, &n_live, n_simulations.max(10), seed);
        Ok(Self {
            names,
            theta: theta.select_rows(&order),
            logl: logl_sorted,
            logl_birth: birth_sorted,
            n_live,
            calls: 0,
            nan_calls: 0,
            stop: StopReason::Converged,
            n_clusters: 1,
            log_z,
            kl,
            bmd,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A likelihood `L = 1` on the whole prior: the trapezoid weights telescope to
    /// `Z = ½ (1 + X_1 − X_N)` for any volume sequence, and `d_G = 0`.
    #[test]
    fn flat_likelihood_weights_telescope() {
        let logl = vec![0.0; 300];
        let log_x: Vec<f64> = (1..=300).map(|i| -0.013 * i as f64).collect();
        let (lz, kl, bmd) = stats_for(&logl, &log_x);
        let want = (0.5 * (1.0 + log_x[0].exp() - log_x[299].exp())).ln();
        assert!((lz - want).abs() < 1e-12, "{lz} vs {want}");
        // With Z ≠ 1 by the end-point terms, D_KL = Σ p_i (0 − log Z) = −log Z, and d_G = 0.
        assert!((kl + lz).abs() < 1e-12 && bmd.abs() < 1e-12, "{kl} {bmd}");
    }
}
