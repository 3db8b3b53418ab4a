//! Joint analyses without nuisance parameters.
//!
//! Each experiment `X` gives a marginal posterior `P_X(θ)` over shared parameters θ, so its
//! nuisance-free likelihood is `L_X = P_X Z_X / π` ([`log_like`]), and the joint likelihood of
//! independent experiments is `log L_AB = Σ_X log L_X`. The joint posterior is
//! `P_AB = L_A L_B π / Z_AB = P_A P_B / (π R)` with `R = Z_AB / (Z_A Z_B) = ∫ P_A P_B / π`
//! (Bevins et al. 2023, arXiv:2207.11457).

use crate::density::{log_like, Density, Sample};
use crate::error::{Error, Result};
use crate::matrix::Matrix;
use crate::samples::WeightedSamples;

use super::evidence::{joint_log_unnormalised, log_evidence_ratio, IsEstimate};

/// One experiment: its marginal posterior density, its prior, and its log evidence.
#[derive(Clone, Copy)]
pub struct Experiment<'a> {
    /// Marginal posterior `P_X(θ)`.
    pub posterior: &'a dyn Density,
    /// Prior `π(θ)`.
    pub prior: &'a dyn Density,
    /// `log Z_X`.
    pub log_z: f64,
}

/// `log L_AB(θ) = Σ_X log L_X(θ)` for every row of `theta`.
///
/// Errors: no experiments; differing dimensions; a prior that is zero where its posterior is not.
pub fn joint_log_like(experiments: &[Experiment<'_>], theta: &Matrix) -> Result<Vec<f64>> {
    let first = experiments
        .first()
        .ok_or_else(|| Error::invalid("experiments", "give at least one experiment"))?;
    let mut total = vec![0.0; theta.nrows()];
    for e in experiments {
        if e.posterior.dim() != first.posterior.dim() {
            return Err(Error::dims(
                "experiments",
                first.posterior.dim(),
                e.posterior.dim(),
            ));
        }
        for (t, l) in total
            .iter_mut()
            .zip(log_like(e.posterior, theta, e.log_z, e.prior)?)
        {
            *t += l;
        }
    }
    Ok(total)
}

/// The normalised joint posterior `P_AB = P_A P_B / (π R)` of two experiments sharing a prior.
pub struct JointPosterior<'a> {
    a: &'a dyn Density,
    b: &'a dyn Density,
    prior: &'a dyn Density,
    log_r: IsEstimate,
}

impl<'a> JointPosterior<'a> {
    /// Builds `P_AB`, estimating `log R` by importance sampling from `proposal` (`n` draws).
    pub fn new(
        a: &'a dyn Density,
        b: &'a dyn Density,
        prior: &'a dyn Density,
        proposal: &dyn Sample,
        n: usize,
        seed: u64,
    ) -> Result<Self> {
        let log_r = log_evidence_ratio(a, b, prior, proposal, n, seed)?;
        Ok(Self { a, b, prior, log_r })
    }

    /// The evidence ratio estimate `log R`.
    pub fn log_r(&self) -> IsEstimate {
        self.log_r
    }

    /// Weighted samples of `P_AB`: `n` draws from `proposal` with weights `P_A P_B / (π g)`.
    pub fn samples(
        &self,
        proposal: &dyn Sample,
        n: usize,
        seed: u64,
        names: Vec<String>,
    ) -> Result<WeightedSamples> {
        joint_samples(self.a, self.b, self.prior, proposal, n, seed, names)
    }
}

impl Density for JointPosterior<'_> {
    fn dim(&self) -> usize {
        self.prior.dim()
    }
    fn log_prob(&self, x: &Matrix) -> Result<Vec<f64>> {
        let v = joint_log_unnormalised(self.a, self.b, self.prior, x)?;
        Ok(v.into_iter().map(|l| l - self.log_r.log_value).collect())
    }
}

/// Weighted samples of `P_A P_B / π`: `n` draws from `proposal` `g`, weights `P_A P_B / (π g)`
/// scaled to a maximum of 1 (draws with zero weight are kept with weight 0).
pub fn joint_samples(
    a: &dyn Density,
    b: &dyn Density,
    prior: &dyn Density,
    proposal: &dyn Sample,
    n: usize,
    seed: u64,
    names: Vec<String>,
) -> Result<WeightedSamples> {
    let x = proposal.sample_seeded(n, seed)?;
    let lf = joint_log_unnormalised(a, b, prior, &x)?;
    let lg = proposal.log_prob(&x)?;
    let lw: Vec<f64> = lf
        .iter()
        .zip(&lg)
        .map(|(f, g)| {
            if f.is_finite() && g.is_finite() {
                f - g
            } else {
                f64::NEG_INFINITY
            }
        })
        .collect();
    let m = lw.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return Err(Error::numerical(
            "joint_samples",
            "every draw has zero joint weight; the proposal misses the joint posterior",
        ));
    }
    let w = lw.iter().map(|l| (l - m).exp()).collect();
    WeightedSamples::new(x, w, names)
}
