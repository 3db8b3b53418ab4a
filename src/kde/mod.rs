//! Weighted Gaussian kernel density estimation in the Gaussianised space.
//!
//! The samples are mapped to `y = T(x)` (see [`crate::Gaussianiser`]) and
//!
//! `q(y) = Σ_i w_i N(y; y_i, H)`,  `H = h² Σ_y`,
//!
//! with `w_i` the normalised sample weights, `Σ_y` the weighted covariance of the `y_i` (with the
//! unbiased-weights correction `1/(1 − Σ w_i²)`, as scipy's `gaussian_kde`), and the factor `h`
//! from a rule using the Kish effective sample size `n = (Σw)²/Σw²`:
//!
//! - Scott (1992): `h = n^(−1/(d+4))` (scipy's default),
//! - Silverman (1986): `h = (n (d+2)/4)^(−1/(d+4))`,
//! - or a user factor,
//! - or likelihood cross-validation ([`Bandwidth::CrossValidated`], margflow's default): up
//!   to 2000 evenly spaced
//!   samples (at most a fifth) are held out, a KDE of the others is evaluated on them for 16
//!   factors on a geometric grid from `0.1 h_Scott` to `1.5 h_Scott`, and the factor with the
//!   largest weighted held-out log-likelihood, rescaled by `(n/n_train)^(−1/(d+4))`, is used
//!   with all the samples.
//!   Scott's and Silverman's rules assume a unimodal Gaussian and over-smooth multimodal or
//!   curved densities (two moons: KL 0.20 with Scott, 0.03 with cross-validation).
//!
//! [`Kde`] = [`Transformed`]`<`[`KdeLatent`]`>` is then a density of `x` on the box, with
//! sampling and a unit-cube map (conditional CDF inversion, module `cube`). Evaluation of `M` queries
//! against `N` kernels is blocked, vectorised and parallel (module `fastexp`).

mod cube;
mod fastexp;
mod latent;
mod persist;

pub use latent::KdeLatent;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::fit::{resolve_bounds, Fit};
use crate::matrix::Matrix;
use crate::samples::{kish_ess, WeightedSamples};
use crate::transform::{Bounds, Gaussianiser, LatentDensity, Transformed};

/// A KDE of `x`: the kernel mixture in `y`-space seen through the Gaussianising bijector.
pub type Kde = Transformed<KdeLatent>;

/// The bandwidth rule: the kernel covariance is `h² Σ_y`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Bandwidth {
    /// Scott's rule `h = n^(−1/(d+4))`, `n` the Kish effective sample size.
    Scott,
    /// Silverman's rule `h = (n (d+2)/4)^(−1/(d+4))`.
    Silverman,
    /// A fixed factor `h > 0`.
    Factor(f64),
    /// Leave-one-out likelihood cross-validation over a grid (see the module docs).
    CrossValidated,
}

impl Bandwidth {
    /// The factor `h` for `n_eff` effective samples in `d` dimensions (`None` for
    /// [`Bandwidth::CrossValidated`], which depends on the samples themselves).
    pub fn factor(&self, n_eff: f64, d: usize) -> Option<f64> {
        let e = -1.0 / (d as f64 + 4.0);
        match *self {
            Bandwidth::Scott => Some(n_eff.powf(e)),
            Bandwidth::Silverman => Some((n_eff * (d as f64 + 2.0) / 4.0).powf(e)),
            Bandwidth::Factor(h) => Some(h),
            Bandwidth::CrossValidated => None,
        }
    }
}

impl std::str::FromStr for Bandwidth {
    type Err = Error;
    /// `scott`, `silverman`, or a positive number.
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "scott" => Ok(Bandwidth::Scott),
            "silverman" => Ok(Bandwidth::Silverman),
            "cv" => Ok(Bandwidth::CrossValidated),
            other => match other.parse::<f64>() {
                Ok(h) => KdeConfig::new()
                    .bandwidth(Bandwidth::Factor(h))
                    .map(|c| c.bandwidth),
                Err(_) => Err(Error::invalid(
                    "bandwidth",
                    format!("`{s}` is not `scott`, `silverman`, `cv` or a positive number"),
                )),
            },
        }
    }
}

/// Configuration of a KDE fit. Default: likelihood cross-validation of the bandwidth
/// ([`Bandwidth::CrossValidated`]), which unlike the rules does not over-smooth curved or
/// multimodal densities.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KdeConfig {
    bandwidth: Bandwidth,
}

impl Default for KdeConfig {
    fn default() -> Self {
        Self {
            bandwidth: Bandwidth::CrossValidated,
        }
    }
}

impl KdeConfig {
    /// The default configuration (cross-validated bandwidth).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the bandwidth rule. Errors on a factor that is not positive and finite.
    pub fn bandwidth(mut self, bandwidth: Bandwidth) -> Result<Self> {
        if let Bandwidth::Factor(h) = bandwidth {
            if !(h > 0.0 && h.is_finite()) {
                return Err(Error::invalid(
                    "bandwidth",
                    format!("factor {h}: the bandwidth factor must be positive and finite"),
                ));
            }
        }
        self.bandwidth = bandwidth;
        Ok(self)
    }

    /// The bandwidth rule.
    pub fn bandwidth_rule(&self) -> Bandwidth {
        self.bandwidth
    }
}

impl Fit for KdeConfig {
    type Model = Kde;

    /// Fits the KDE (deterministic: `seed` is unused, there is nothing random in a KDE fit).
    fn fit(&self, samples: &WeightedSamples, bounds: Option<&Bounds>, _seed: u64) -> Result<Kde> {
        let g = Gaussianiser::fit(resolve_bounds(samples, bounds)?, samples)?;
        let d = samples.dim();
        let mut ys = Vec::with_capacity(samples.len() * d);
        let mut ws = Vec::with_capacity(samples.len());
        let mut buf = vec![0.0; d];
        for (i, (x, &w)) in samples.values().rows().zip(samples.weights()).enumerate() {
            if w == 0.0 {
                continue;
            }
            if g.forward(x, &mut buf).is_none() {
                return Err(Error::invalid(
                    "bounds",
                    format!("sample {i} ({x:?}) lies on the boundary of the bounds, where the Gaussianised coordinate is infinite; widen the bounds"),
                ));
            }
            ys.extend_from_slice(&buf);
            ws.push(w);
        }
        let n = ws.len();
        if n < d + 1 {
            return Err(Error::invalid(
                "samples",
                format!(
                    "a {d}-D KDE needs at least {} samples with positive weight, got {n}",
                    d + 1
                ),
            ));
        }
        let y = Matrix::new(n, d, ys)?;
        let n_eff = kish_ess(&ws);
        let cov = weighted_covariance(&y, &ws);
        let latent = match self.bandwidth.factor(n_eff, d) {
            Some(h) => KdeLatent::new(y, &ws, kernel_chol(&cov, h)?)?,
            None => cross_validate(y, &ws, &cov, n_eff)?,
        };
        Transformed::new(latent, g)?.with_names(samples.names().to_vec())
    }
}

/// The Cholesky factor of `h² cov`, or the error for samples that do not span every dimension.
fn kernel_chol(cov: &[f64], h: f64) -> Result<Vec<f64>> {
    let d = (cov.len() as f64).sqrt().round() as usize;
    let kernel: Vec<f64> = cov.iter().map(|c| c * h * h).collect();
    crate::linalg::cholesky(&kernel, d)?.ok_or_else(|| {
        Error::invalid(
            "samples",
            "the samples' covariance in the Gaussianised space is singular (repeated or collinear points, or an effective sample size near 1); a KDE needs samples that span every dimension",
        )
    })
}

/// Points scored by the cross-validation.
const CV_POINTS: usize = 2000;
/// Grid of factors, as multiples of Scott's.
const CV_GRID: usize = 16;

/// The KDE whose factor maximises the held-out log-likelihood (module docs).
fn cross_validate(y: Matrix, ws: &[f64], cov: &[f64], n_eff: f64) -> Result<KdeLatent> {
    let (n, d) = (y.nrows(), y.ncols());
    let e = -1.0 / (d as f64 + 4.0);
    let m = (n / 5).min(CV_POINTS);
    if m < 2 {
        return Err(Error::invalid(
            "bandwidth",
            format!("cross-validation needs at least 10 samples, got {n}; use `scott` or a fixed factor"),
        ));
    }
    // Every (n/m)-th sample is held out; the others are the kernels.
    let held: Vec<usize> = (0..m).map(|k| k * n / m).collect();
    let mut is_held = vec![false; n];
    held.iter().for_each(|&i| is_held[i] = true);
    let train: Vec<usize> = (0..n).filter(|&i| !is_held[i]).collect();
    let (yt, wt) = (
        y.select_rows(&train),
        train.iter().map(|&i| ws[i]).collect::<Vec<_>>(),
    );
    let (yh, wh) = (
        y.select_rows(&held),
        held.iter().map(|&i| ws[i]).collect::<Vec<_>>(),
    );
    let n_train = kish_ess(&wt);
    let scott = n_train.powf(e);
    let mut best: Option<(f64, f64)> = None;
    for g in 0..CV_GRID {
        let h = scott * 0.1 * 15f64.powf(g as f64 / (CV_GRID - 1) as f64);
        let latent = KdeLatent::new(yt.clone(), &wt, kernel_chol(cov, h)?)?;
        let lq = latent.log_prob_latent(&yh)?;
        let score = lq.iter().zip(&wh).map(|(l, w)| w * l).sum::<f64>() / wh.iter().sum::<f64>();
        if score.is_finite() && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, h));
        }
    }
    let (_, h) = best.ok_or_else(|| {
        Error::numerical(
            "KDE cross-validation",
            "no bandwidth on the grid gave a finite held-out likelihood; use `scott` or a fixed factor",
        )
    })?;
    // The factor scales as n^(−1/(d+4)): rescale from the training part to all the samples.
    let h = h * (n_eff / n_train).powf(e);
    KdeLatent::new(y, ws, kernel_chol(cov, h)?)
}

/// Weighted covariance with the correction `1/(1 − Σ ŵ²)` (`ŵ` normalised), as scipy's
/// `gaussian_kde` (it is the unbiased estimate for frequency-like weights).
fn weighted_covariance(y: &Matrix, w: &[f64]) -> Vec<f64> {
    let d = y.ncols();
    let total: f64 = w.iter().sum();
    let mut mean = vec![0.0; d];
    for (r, wi) in y.rows().zip(w) {
        for j in 0..d {
            mean[j] += wi / total * r[j];
        }
    }
    let mut cov = vec![0.0; d * d];
    let mut sum_w2 = 0.0;
    for (r, wi) in y.rows().zip(w) {
        let wn = wi / total;
        sum_w2 += wn * wn;
        for a in 0..d {
            for b in 0..=a {
                cov[a * d + b] += wn * (r[a] - mean[a]) * (r[b] - mean[b]);
            }
        }
    }
    let corr = if sum_w2 < 1.0 {
        1.0 / (1.0 - sum_w2)
    } else {
        1.0
    };
    for a in 0..d {
        for b in 0..=a {
            cov[a * d + b] *= corr;
            cov[b * d + a] = cov[a * d + b];
        }
    }
    cov
}

#[cfg(test)]
mod tests;
