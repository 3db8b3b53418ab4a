//! A Gaussian proposal in the Gaussianised coordinates: the supernest-style proposal prior
//! (Petrosyan & Handley 2022, arXiv:2212.01760), and an estimator in its own right.
//!
//! `q(y) = N(y; m, s² C)` with `m`, `C` the weighted mean and covariance of `y = T(x)` and `s`
//! a widening factor; [`Transformed`] makes it a density on the box (so it never leaves the
//! prior's support), with the unit-cube map `y = m + s L Φ⁻¹(u)`.

use rand::{Rng, RngCore};
use rand_distr::StandardNormal;

use crate::error::{Error, Result};
use crate::fit::{resolve_bounds, Fit};
use crate::linalg::{cholesky, lower_mul, lower_solve};
use crate::matrix::Matrix;
use crate::samples::WeightedSamples;
use crate::transform::normal::{inv_cdf, HALF_LN_2PI};
use crate::transform::{Bounds, Gaussianiser, LatentDensity, Transformed};

/// A Gaussian density of the latent coordinates.
#[derive(Debug, Clone)]
pub struct GaussianLatent {
    mean: Vec<f64>,
    chol: Vec<f64>,
    log_norm: f64,
}

impl GaussianLatent {
    /// `N(mean, L Lᵀ)` from the mean and a lower Cholesky factor (row-major).
    pub fn new(mean: Vec<f64>, chol: Vec<f64>) -> Result<Self> {
        let d = mean.len();
        if chol.len() != d * d {
            return Err(Error::dims("chol", d * d, chol.len()));
        }
        if (0..d).any(|i| !(chol[i * d + i] > 0.0)) {
            return Err(Error::invalid(
                "chol",
                "the Cholesky factor needs a positive diagonal",
            ));
        }
        let log_det: f64 = (0..d).map(|i| chol[i * d + i].ln()).sum();
        Ok(Self {
            mean,
            chol,
            log_norm: -log_det - d as f64 * HALF_LN_2PI,
        })
    }
}

impl LatentDensity for GaussianLatent {
    fn dim(&self) -> usize {
        self.mean.len()
    }
    fn log_prob_latent(&self, y: &Matrix) -> Result<Vec<f64>> {
        let d = self.dim();
        let mut z = vec![0.0; d];
        Ok(y.rows()
            .map(|r| {
                let diff: Vec<f64> = r.iter().zip(&self.mean).map(|(a, b)| a - b).collect();
                lower_solve(&self.chol, &diff, &mut z);
                self.log_norm - 0.5 * z.iter().map(|v| v * v).sum::<f64>()
            })
            .collect())
    }
    fn sample_latent(&self, n: usize, rng: &mut dyn RngCore) -> Result<Matrix> {
        let d = self.dim();
        let mut out = Matrix::zeros(n, d);
        let mut z = vec![0.0; d];
        for i in 0..n {
            z.iter_mut().for_each(|v| *v = rng.sample(StandardNormal));
            let row = out.row_mut(i);
            lower_mul(&self.chol, &z, row);
            row.iter_mut().zip(&self.mean).for_each(|(a, m)| *a += m);
        }
        Ok(out)
    }
    fn latent_from_unit_cube(&self, u: &[f64], y: &mut [f64]) -> Result<()> {
        let z: Vec<f64> = u.iter().map(|&v| inv_cdf(v)).collect();
        lower_mul(&self.chol, &z, y);
        y.iter_mut().zip(&self.mean).for_each(|(a, m)| *a += m);
        Ok(())
    }
}

/// A fitted Gaussian proposal on a box.
pub type GaussianProposal = Transformed<GaussianLatent>;

/// Fits a [`GaussianProposal`]: weighted mean and covariance of the Gaussianised samples, the
/// covariance scaled by `widen²` (default `widen = 1`).
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianFit {
    widen: f64,
}

impl Default for GaussianFit {
    fn default() -> Self {
        Self { widen: 1.0 }
    }
}

impl GaussianFit {
    /// Errors unless `widen ≥ 1`.
    pub fn new(widen: f64) -> Result<Self> {
        if !(widen >= 1.0 && widen.is_finite()) {
            return Err(Error::invalid(
                "widen",
                format!("widen = {widen} must be ≥ 1 (1 = no widening)"),
            ));
        }
        Ok(Self { widen })
    }
}

impl Fit for GaussianFit {
    type Model = GaussianProposal;
    fn fit(
        &self,
        samples: &WeightedSamples,
        bounds: Option<&Bounds>,
        _seed: u64,
    ) -> Result<Self::Model> {
        let g = Gaussianiser::fit(resolve_bounds(samples, bounds)?, samples)?;
        let d = samples.dim();
        let mut ys: Vec<Vec<f64>> = Vec::new();
        let mut ws = Vec::new();
        let mut buf = vec![0.0; d];
        for (r, &w) in samples.values().rows().zip(samples.weights()) {
            if w > 0.0 && g.forward(r, &mut buf).is_some() {
                ys.push(buf.clone());
                ws.push(w);
            }
        }
        let total: f64 = ws.iter().sum();
        let ess = total * total / ws.iter().map(|w| w * w).sum::<f64>();
        if ess < (d + 1) as f64 {
            return Err(Error::invalid(
                "samples",
                format!("effective sample size {ess:.1} inside the box is below d + 1 = {}; a covariance needs more samples", d + 1),
            ));
        }
        let mut mean = vec![0.0; d];
        for (y, w) in ys.iter().zip(&ws) {
            mean.iter_mut()
                .zip(y)
                .for_each(|(m, v)| *m += w * v / total);
        }
        let mut cov = vec![0.0; d * d];
        for (y, w) in ys.iter().zip(&ws) {
            for a in 0..d {
                for b in 0..d {
                    cov[a * d + b] += w / total * (y[a] - mean[a]) * (y[b] - mean[b]);
                }
            }
        }
        cov.iter_mut()
            .for_each(|c| *c *= self.widen * self.widen * ess / (ess - 1.0));
        let chol = cholesky(&cov, d)?.ok_or_else(|| {
            Error::numerical(
                "GaussianFit",
                "the samples' covariance is singular; some parameter does not vary",
            )
        })?;
        Transformed::new(GaussianLatent::new(mean, chol)?, g)?.with_names(samples.names().to_vec())
    }
}
