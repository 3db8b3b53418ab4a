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
//! Any [`Fit`] makes the proposal: a MAF or a [`GaussianFit`](super::GaussianFit) for a unimodal
//! posterior, a [`GaussianMixtureFit`](super::GaussianMixtureFit) for a multimodal or curved one
//! (measured in `benches/nested_results.md`: on average 4–13 % of a direct run's calls on every
//! built-in problem, with calibrated error bars).
//!
//! **Why the high-resolution run stops at `precision = 0.3`.** With `π̃ ≈ P` the repartitioned
//! likelihood is nearly flat, so the run's cost is set by its stopping rule, not by the
//! compression: to get the live points' share of the evidence below `p` it must compress to
//! `X ≈ p / max(L̃/Z)`, and once `1/X` exceeds the rejection limit every further iteration is a
//! slice chain. Adding the final live points (dying in order, their shrinkages simulated like
//! every other) makes the estimate consistent whenever the run stops, and the simulated error
//! bars include their volume uncertainty, so stopping earlier only moves evidence from dead to
//! live points. At `p = 0.3` a run with a good proposal ends inside its rejection phase, where
//! every new point is an exact draw. Measured on the eggbox (30 seeds, `nested_bench`-style runs):
//! `p = 0.1` took 26 % of a direct run's calls on average (88 % at worst, when the run had to
//! slice its way into a mode the proposal under-weighted) with pulls `(log Z − truth)/σ` of
//! sd 1.28, `p = 0.3` took 12.7 % (14.7 % at worst) with sd 1.12. The coverage tables in
//! `benches/nested_results.md` check the calibration on every built-in problem. What an early
//! stop gives up is the chance to find posterior mass the proposal missed altogether (a mode it
//! left out, where `L̃` is huge but `π̃` tiny); so the low-resolution run must see every mode
//! (see below), and for a posterior that may hide modes from it, set `high.precision` back to
//! `10⁻³`.
//!
//! **Why the low-resolution run has 200 live points, `d` slice steps each, and stops at
//! precision 0.3.** A mode that the low-resolution run loses is missing from the proposal, and
//! then from the evidence; nested sampling keeps a mode only while it holds enough live points,
//! so the run needs many live points rather than well-mixed ones. Measured on the eggbox (18
//! modes, eight of them halves and two quarters cut by the box): with 50 live points the tempered
//! posterior of the run covered 9–13 modes, with 200 it covered 15–18, and the pipeline's
//! evidence was low by 1.2–1.6σ on average; with 400 the pipeline agreed with the truth (mean
//! pull −0.2). As a rule, give the low-resolution run about 20 live points per mode (`low.n_live`),
//! and at least the default 200. One slice step per dimension keeps the run cheap (200 points with
//! `d` steps cost about what 50 points with the sampler's default `5 d` cost), and stopping at
//! precision 0.3 skips the run's tail: its final live points join the posterior samples. The
//! proposal only has to cover the posterior, not to be exact: the repartitioned run corrects it.
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
    /// The low-resolution run (default `n_live = 200`, `d` slice steps per new point,
    /// `precision = 0.3`; give it about 20 live points per mode: see the module docs). Its
    /// posterior only seeds the proposal (the repartitioned run corrects any error in it).
    pub low: NestedConfig,
    /// The high-resolution run (default `n_live = 500`, `precision = 0.3`: see the module docs).
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
            low: NestedConfig::new()
                .n_live(200)
                .repeats_per_dimension(1)
                .precision(0.3),
            high: NestedConfig::new().n_live(500).precision(0.3).seed(1),
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
