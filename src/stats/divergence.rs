//! Marginal KL divergence and Bayesian model dimensionality from density evaluations.
//!
//! With `r(θ) = log P(θ) − log π(θ)`, the KL divergence of the posterior from the prior and
//! the Bayesian model dimensionality (Handley & Lemos 2019, arXiv:1903.06682) are
//!
//! `D = E_P[r]`, `d = 2 Var_P[r]`,
//!
//! estimated with the normalised weights `ŵ_i` of samples of `P`: `D̂ = Σ ŵ_i r_i`,
//! `d̂ = 2 Σ ŵ_i (r_i − D̂)²`. Error bars come from a weighted bootstrap (resampling the rows
//! with replacement and keeping their weights) and, in [`super::spread`], from the spread over
//! estimators trained with different seeds.
//!
//! Masking: a row where `r` is NaN or `±∞` because the posterior estimate is `0`, `∞` or NaN
//! there is dropped and counted in `n_nonfinite`. A row where the prior is zero but the
//! posterior is not is an error (the prior must cover the posterior), and so is a set of
//! samples with no finite `r`.

use rand::Rng;
use serde::Serialize;

use crate::density::{Density, Sample};
use crate::error::{Error, Result};
use crate::matrix::Matrix;
use crate::rng::rng_from_seed;
use crate::samples::WeightedSamples;

/// `D` and `d` with error bars, and how many evaluations were masked.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MarginalStats {
    /// Marginal KL divergence `D` (nats).
    pub kl: f64,
    /// One-σ error of `D`.
    pub kl_err: f64,
    /// Bayesian model dimensionality `d`.
    pub bmd: f64,
    /// One-σ error of `d`.
    pub bmd_err: f64,
    /// Rows used (finite `r`, positive weight).
    pub n_used: usize,
    /// Rows masked because `r` was not finite.
    pub n_nonfinite: usize,
}

/// The per-row log ratios `r_i`, with masked rows set to NaN, and the number masked.
///
/// Errors: lengths differ; the prior is zero (`log π = −∞`) where the posterior is positive.
pub fn log_ratios(log_p: &[f64], log_pi: &[f64], weights: &[f64]) -> Result<(Vec<f64>, usize)> {
    if log_p.len() != log_pi.len() {
        return Err(Error::dims("log_pi", log_p.len(), log_pi.len()));
    }
    if log_p.len() != weights.len() {
        return Err(Error::dims("weights", log_p.len(), weights.len()));
    }
    let mut masked = 0;
    let mut r = Vec::with_capacity(log_p.len());
    for (i, ((&p, &q), &w)) in log_p.iter().zip(log_pi).zip(weights).enumerate() {
        if p > f64::NEG_INFINITY && q == f64::NEG_INFINITY && w > 0.0 {
            return Err(Error::numerical(
                "marginal KL",
                format!("the prior density is zero at sample {i} where the posterior is {p:.3e} (log); use a prior (or prior bounds) that covers every posterior sample"),
            ));
        }
        let v = p - q;
        if v.is_finite() {
            r.push(v);
        } else {
            if w > 0.0 {
                masked += 1;
            }
            r.push(f64::NAN);
        }
    }
    Ok((r, masked))
}

/// Weighted `(D, d, n_used)` of log ratios over the rows `idx` (NaN rows skipped).
fn weighted_kl_bmd(
    r: &[f64],
    w: &[f64],
    idx: impl Iterator<Item = usize> + Clone,
) -> Option<(f64, f64, usize)> {
    let (mut sw, mut s1, mut n) = (0.0, 0.0, 0);
    for i in idx.clone() {
        if r[i].is_finite() && w[i] > 0.0 {
            sw += w[i];
            s1 += w[i] * r[i];
            n += 1;
        }
    }
    if n == 0 || sw <= 0.0 {
        return None;
    }
    let kl = s1 / sw;
    let s2: f64 = idx
        .filter(|&i| r[i].is_finite() && w[i] > 0.0)
        .map(|i| w[i] * (r[i] - kl).powi(2))
        .sum();
    Some((kl, 2.0 * s2 / sw, n))
}

/// `D`, `d` and their bootstrap errors from per-row log densities and weights.
///
/// `n_bootstrap` resamples (0: no error bars, errors reported as 0) drawn from `seed`.
pub fn kl_bmd(
    log_p: &[f64],
    log_pi: &[f64],
    weights: &[f64],
    n_bootstrap: usize,
    seed: u64,
) -> Result<MarginalStats> {
    let (r, n_nonfinite) = log_ratios(log_p, log_pi, weights)?;
    let n = r.len();
    let (kl, bmd, n_used) = weighted_kl_bmd(&r, weights, 0..n).ok_or_else(|| {
        Error::numerical(
            "marginal KL",
            format!("no finite log P − log π among {n} samples ({n_nonfinite} masked); check that the estimators cover the samples"),
        )
    })?;
    let (mut kl_err, mut bmd_err) = (0.0, 0.0);
    if n_bootstrap > 1 {
        let mut rng = rng_from_seed(seed);
        let mut ks = Vec::with_capacity(n_bootstrap);
        let mut bs = Vec::with_capacity(n_bootstrap);
        let mut idx = vec![0usize; n];
        for _ in 0..n_bootstrap {
            for v in idx.iter_mut() {
                *v = rng.random_range(0..n);
            }
            if let Some((k, b, _)) = weighted_kl_bmd(&r, weights, idx.iter().copied()) {
                ks.push(k);
                bs.push(b);
            }
        }
        kl_err = std_dev(&ks);
        bmd_err = std_dev(&bs);
    }
    Ok(MarginalStats {
        kl,
        kl_err,
        bmd,
        bmd_err,
        n_used,
        n_nonfinite,
    })
}

/// Sample standard deviation (`n − 1` denominator); 0 for fewer than two values.
pub(crate) fn std_dev(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return 0.0;
    }
    let m = v.iter().sum::<f64>() / v.len() as f64;
    (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

/// `D` and `d` of `posterior` from `prior`, evaluated on weighted samples of the posterior,
/// with bootstrap errors.
///
/// `posterior` and `prior` are any densities (fitted estimators, a [`UniformBox`](crate::UniformBox),
/// an analytic density); `samples` must have their dimension.
pub fn marginal_stats(
    posterior: &dyn Density,
    prior: &dyn Density,
    samples: &WeightedSamples,
    n_bootstrap: usize,
    seed: u64,
) -> Result<MarginalStats> {
    if prior.dim() != posterior.dim() {
        return Err(Error::dims("prior", posterior.dim(), prior.dim()));
    }
    samples.values().check_dim("samples", posterior.dim())?;
    let lp = posterior.log_prob(samples.values())?;
    let lpi = prior.log_prob(samples.values())?;
    kl_bmd(&lp, &lpi, samples.weights(), n_bootstrap, seed)
}

/// `D` and `d` evaluated on `n` draws from the posterior estimator itself (seeded), with
/// bootstrap errors: no sample weights, and no dependence on the training samples.
pub fn marginal_stats_sampled(
    posterior: &dyn Sample,
    prior: &dyn Density,
    n: usize,
    n_bootstrap: usize,
    seed: u64,
) -> Result<MarginalStats> {
    if n < 2 {
        return Err(Error::invalid("n", format!("{n} draws; need at least 2")));
    }
    let x: Matrix = posterior.sample_seeded(n, seed)?;
    if let Some(k) = x.as_slice().iter().position(|v| !v.is_finite()) {
        return Err(Error::numerical(
            "marginal_stats_sampled",
            format!("the posterior estimator drew a non-finite value (draw {}); the estimator is broken, refit it", k / x.ncols().max(1)),
        ));
    }
    let lp = posterior.log_prob(&x)?;
    let lpi = prior.log_prob(&x)?;
    kl_bmd(
        &lp,
        &lpi,
        &vec![1.0; n],
        n_bootstrap,
        crate::rng::child_seed(seed, 1),
    )
}
