//! Likelihood reweighting (Bevins et al. 2022, arXiv:2207.11457, §4): from the posterior of a
//! fast likelihood `A` to that of a slow one `B`, with few calls of `B`.
//!
//! `P_B ∝ P_A L_B / L_A`. The weighted samples of `P_A` are too few (and too uneven) to carry
//! `P_B`, so an estimator `q ≈ P_A` is fitted to them and upsampled: draws `θ ~ q` get weights
//!
//! `w = (L_A π / q) · (L_B / L_A) = L_B π / q`,
//!
//! where the first factor corrects `q` back to `P_A` exactly (importance sampling), so the
//! result is exact whatever the fit's quality, and `L_A` cancels: only `B` is called. Draws
//! continue in chunks until the Kish effective sample size reaches the target; the mean
//! weight also estimates `Z_B`.

use rayon::prelude::*;

use super::likelihood::LogLikelihood;
use super::run::Estimate;
use crate::density::{Density, Sample};
use crate::error::{Error, Result};
use crate::fit::Fit;
use crate::linalg::logsumexp;
use crate::matrix::Matrix;
use crate::rng::{child_seed, rng_from_seed};
use crate::samples::{kish_ess, WeightedSamples};
use crate::transform::Bounds;

/// Settings of the reweighting.
#[derive(Debug, Clone, PartialEq)]
pub struct ReweightConfig {
    /// Stop when the Kish effective sample size reaches this (default 2000).
    pub target_ess: f64,
    /// Draws per chunk (default 1000).
    pub chunk: usize,
    /// Give up after this many draws (default 1,000,000).
    pub max_draws: usize,
    /// Seed of the fit and the draws.
    pub seed: u64,
}

impl Default for ReweightConfig {
    fn default() -> Self {
        Self {
            target_ess: 2000.0,
            chunk: 1000,
            max_draws: 1_000_000,
            seed: 0,
        }
    }
}

/// Samples of `P_B`, and what they cost.
#[derive(Debug, Clone)]
pub struct Reweighted {
    /// The weighted samples of `P_B`, with `log L_B`.
    pub samples: WeightedSamples,
    /// Calls of the slow likelihood `B`.
    pub slow_calls: u64,
    /// Kish effective sample size.
    pub ess: f64,
    /// `log Z_B` (with the prior `π`) and its standard error.
    pub log_z: Estimate,
}

/// Reweights the posterior samples of `A` (`posterior_a`) to the likelihood `like_b`.
pub fn reweight<F: Fit, L: LogLikelihood>(
    posterior_a: &WeightedSamples,
    like_b: &L,
    prior: &dyn Density,
    bounds: &Bounds,
    fit: &F,
    cfg: &ReweightConfig,
) -> Result<Reweighted> {
    if !(cfg.target_ess >= 1.0) || cfg.chunk == 0 || cfg.max_draws < cfg.chunk {
        return Err(Error::invalid(
            "cfg",
            "need target_ess ≥ 1, chunk ≥ 1 and max_draws ≥ chunk",
        ));
    }
    if prior.dim() != posterior_a.dim() {
        return Err(Error::dims("prior", posterior_a.dim(), prior.dim()));
    }
    let q = fit.fit(posterior_a, Some(bounds), child_seed(cfg.seed, 1))?;
    let mut rng = rng_from_seed(child_seed(cfg.seed, 2));
    let d = prior.dim();
    let (mut xs, mut logw, mut logl) = (Vec::new(), Vec::new(), Vec::new());
    let mut ess = 0.0;
    while ess < cfg.target_ess && logw.len() < cfg.max_draws {
        let x: Matrix = q.sample(cfg.chunk, &mut rng)?;
        let lq = q.log_prob(&x)?;
        let lp = prior.log_prob(&x)?;
        let lb: Vec<f64> = (0..x.nrows())
            .into_par_iter()
            .map(|i| {
                if lp[i] == f64::NEG_INFINITY {
                    Ok(f64::NEG_INFINITY)
                } else {
                    like_b.log_likelihood(x.row(i))
                }
            })
            .collect::<Result<_>>()?;
        for i in 0..x.nrows() {
            if lb[i] == f64::INFINITY || lq[i] == f64::NEG_INFINITY {
                return Err(Error::numerical(
                    "reweight",
                    format!("log L_B = {} and log q = {} at a draw of q", lb[i], lq[i]),
                ));
            }
            let l = if lb[i].is_nan() {
                f64::NEG_INFINITY
            } else {
                lb[i]
            };
            logw.push(l + lp[i] - lq[i]);
            logl.push(l);
            xs.extend_from_slice(x.row(i));
        }
        let m = logsumexp(&logw);
        ess = kish_ess(&logw.iter().map(|w| (w - m).exp()).collect::<Vec<_>>());
        if !ess.is_finite() {
            ess = 0.0;
        }
    }
    let n = logw.len();
    let m = logsumexp(&logw);
    if m == f64::NEG_INFINITY {
        return Err(Error::numerical(
            "reweight",
            "every draw has L_B = 0: B's posterior lies outside A's",
        ));
    }
    let w: Vec<f64> = logw.iter().map(|v| (v - m).exp()).collect();
    let mean = w.iter().sum::<f64>() / n as f64;
    let var = w.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0).max(1.0);
    let log_z = Estimate {
        mean: m + mean.ln(),
        sd: (var / n as f64).sqrt() / mean,
    };
    let samples = WeightedSamples::new(Matrix::new(n, d, xs)?, w, posterior_a.names().to_vec())?
        .with_log_likelihood(logl, None)?;
    Ok(Reweighted {
        samples,
        slow_calls: n as u64,
        ess,
        log_z,
    })
}
