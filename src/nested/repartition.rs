//! Posterior repartitioning (Chen, Feroz & Hobson 2019, arXiv:1908.04655).
//!
//! Sampling with a proposal prior `π̃` and the likelihood `L̃ = L π / π̃` leaves the product
//! `L̃ π̃ = L π`, hence the evidence and the posterior, unchanged, as long as `π̃ > 0` wherever
//! `L π > 0`. A `π̃` close to the posterior makes the run short (its `D_KL` is small). The
//! run's own `D_KL` and `d_G` are then those of `π̃` to the posterior, not of `π`.
//!
//! Points where `π = 0` get `L̃ = 0`. Points of `π̃`'s own map where its density rounds to zero
//! (the boundary of its box) give NaN, which the sampler counts and treats as `L̃ = 0`.

use super::likelihood::LogLikelihood;
use crate::density::Density;
use crate::error::{Error, Result};

/// `log L̃(θ) = log L(θ) + log π(θ) − log π̃(θ)`.
pub struct Repartitioned<'a, L: ?Sized> {
    like: &'a L,
    prior: &'a dyn Density,
    proposal: &'a dyn Density,
}

impl<'a, L: LogLikelihood + ?Sized> Repartitioned<'a, L> {
    /// Errors if the prior and proposal dimensions differ.
    pub fn new(like: &'a L, prior: &'a dyn Density, proposal: &'a dyn Density) -> Result<Self> {
        if prior.dim() != proposal.dim() {
            return Err(Error::dims("proposal", prior.dim(), proposal.dim()));
        }
        Ok(Self {
            like,
            prior,
            proposal,
        })
    }
}

impl<L: LogLikelihood + ?Sized> LogLikelihood for Repartitioned<'_, L> {
    fn log_likelihood(&self, theta: &[f64]) -> Result<f64> {
        let lp = self.prior.log_prob_one(theta)?;
        if lp == f64::NEG_INFINITY {
            return Ok(f64::NEG_INFINITY);
        }
        let l = self.like.log_likelihood(theta)?;
        if l == f64::NEG_INFINITY || l.is_nan() {
            return Ok(l);
        }
        let lq = self.proposal.log_prob_one(theta)?;
        if lq == f64::NEG_INFINITY {
            // θ came from π̃'s own map, so π̃(θ) = 0 only by rounding: on the boundary of a
            // box-bounded estimator, where Φ(y) rounds to 0 or 1 (|y| > 8.3). Such points carry
            // no prior volume; NaN makes the sampler treat them as log-zero and count them.
            return Ok(f64::NAN);
        }
        if !lq.is_finite() {
            return Err(Error::numerical(
                "repartitioned likelihood",
                format!("the proposal prior has log density {lq} at θ = {theta:?}; it must be finite where its own map lands"),
            ));
        }
        Ok(l + lp - lq)
    }
}
