//! The enhanced nested-sampling pipeline (Bevins et al. 2022, arXiv:2207.11457; supernest,
//! Petrosyan & Handley 2022, arXiv:2212.01760).
//!
//! 1. A low-resolution run (small `n_live`) of `L` with the prior `π`.
//! 2. An estimator fitted to its tempered posterior `∝ L^β π` (`β = ½` by default: a Gaussian
//!    posterior widened by `√2` on every axis), so the proposal cannot cut off the posterior's
//!    tails, on the tempered samples' own box clipped to the prior's.
//! 3. A high-resolution run with the fitted estimator `π̃` as prior and the repartitioned
//!    likelihood `L π / π̃` ([`Repartitioned`]), whose evidence and posterior are those of
//!    `(L, π)` and whose length scales with `D_KL(P ‖ π̃)` instead of `D_KL(P ‖ π)`.
//!
//! **Why the high-resolution run stops at `precision = 0.1`.** With `π̃ ≈ P` the repartitioned
//! likelihood is nearly flat, so the run's cost is set by its stopping rule, not by the
//! compression: with the default `10⁻³` it needs about `n_live ln(10³ L̃_max/Z) ≈ 7–9 n_live`
//! iterations whatever `D_KL(P ‖ π)` is. Adding the final live points (dying in order, their
//! shrinkages simulated like every other) makes the estimate consistent whenever the run stops;
//! stopping earlier only shifts evidence from dead to live points, whose volume uncertainty the
//! simulated error bars include. Measured on the 5-D Gaussian (100 seeds, n_live 500): the pulls
//! `(log Z − truth)/σ` had sd 1.06 with a `GaussianFit` proposal (96/100 within 2σ) and 1.14 with
//! a MAF (91/100), and the first 20 seeds' pulls were the same to ±0.2 at precision 10⁻³, 10⁻²
//! and 0.1, while the high-resolution calls fell from 38–42 % to 21–26 % to 6–9 % of a direct
//! run's. What an early stop gives up is the chance to find posterior mass the proposal missed
//! (a mode it left out, where `L̃` is huge but `π̃` tiny): for multimodal posteriors use a
//! piecewise proposal, or set `high.precision` back to `10⁻³`.
//!
//! The high-resolution run starts with rejection draws from `π̃` (see
//! [`NestedConfig::rejection`]), which for a good proposal is most of the run: then it costs
//! about `n_live / X_end` likelihood calls.

use super::config::NestedConfig;
use super::likelihood::LogLikelihood;
use super::repartition::Repartitioned;
use super::run::NestedRun;
use super::sampler::sample;
use crate::density::UnitCube;
use crate::error::{Error, Result};
use crate::fit::Fit;
use crate::rng::child_seed;
use crate::transform::Bounds;

/// Settings of the pipeline.
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    /// The low-resolution run (default `n_live = 50`). Its posterior only seeds the proposal
    /// (the repartitioned run corrects any error in it), so fewer slice steps (`2 d`, as in the
    /// benchmark) are enough.
    pub low: NestedConfig,
    /// The high-resolution run (default `n_live = 500`, `precision = 0.1`: see the module docs).
    pub high: NestedConfig,
    /// Tempering exponent `β ∈ (0, 1]` of the posterior the estimator is fitted to.
    pub beta: f64,
    /// Fit the proposal on the box of the tempered samples ([`Bounds::from_samples`]: their
    /// range widened by `range / (n_Kish − 3)`, clipped to the prior's box) instead of the
    /// prior's box (default `true`).
    ///
    /// A posterior much narrower than the prior is a speck in the Gaussianised coordinates of
    /// the prior box (scale `σ / (hi − lo)`), which a flow fits poorly; on the samples' box it
    /// has scale ≈ 1. The price: `π̃ = 0` outside that box, so the posterior mass there (beyond
    /// the tempered samples' range, ≳ 5σ of the posterior for `β = ½`) is left out of `Z`.
    pub bounds_from_samples: bool,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            low: NestedConfig::new().n_live(50),
            high: NestedConfig::new().n_live(500).precision(0.1).seed(1),
            beta: 0.5,
            bounds_from_samples: true,
        }
    }
}

/// The pipeline's runs and fitted proposal.
#[derive(Debug)]
pub struct PipelineResult<M> {
    /// The low-resolution run.
    pub low: NestedRun,
    /// The high-resolution, repartitioned run: its `log Z` and posterior are those of `(L, π)`.
    pub high: NestedRun,
    /// The proposal prior fitted to the low-resolution run.
    pub proposal: M,
    /// Likelihood calls of both runs together.
    pub calls: u64,
}

/// Runs the pipeline for `like` with the prior `prior`, whose support lies in `bounds`.
pub fn enhanced<F: Fit, L: LogLikelihood>(
    like: &L,
    prior: &dyn UnitCube,
    bounds: &Bounds,
    fit: &F,
    cfg: &PipelineConfig,
) -> Result<PipelineResult<F::Model>> {
    if bounds.dim() != prior.dim() {
        return Err(Error::dims("bounds", prior.dim(), bounds.dim()));
    }
    let low = sample(like, prior, &cfg.low)?;
    let samples = low.tempered_samples(cfg.beta)?;
    let fit_bounds = if cfg.bounds_from_samples {
        Bounds::from_samples(&samples)?.intersect(bounds)?
    } else {
        bounds.clone()
    };
    let proposal = fit.fit(
        &samples,
        Some(&fit_bounds),
        child_seed(cfg.high.get_seed(), 1),
    )?;
    let high = {
        let rep = Repartitioned::new(like, prior, &proposal)?;
        sample(&rep, &proposal, &cfg.high)?
    };
    let calls = low.calls() + high.calls();
    Ok(PipelineResult {
        low,
        high,
        proposal,
        calls,
    })
}
