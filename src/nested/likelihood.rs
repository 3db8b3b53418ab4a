//! The likelihood seen by the sampler.

use crate::error::Result;

/// A log-likelihood `log L(θ)`.
///
/// Any `Fn(&[f64]) -> f64 + Sync` is one. Return `−∞` for `L = 0`. The sampler treats NaN as
/// `L = 0` (log-zero) and counts such calls ([`NestedRun::nan_calls`](super::NestedRun)); `+∞`
/// is an error, since it would make the evidence infinite. Implement the trait directly to
/// return a typed error instead.
pub trait LogLikelihood: Sync {
    /// `log L(θ)`.
    fn log_likelihood(&self, theta: &[f64]) -> Result<f64>;
}

impl<F: Fn(&[f64]) -> f64 + Sync> LogLikelihood for F {
    fn log_likelihood(&self, theta: &[f64]) -> Result<f64> {
        Ok(self(theta))
    }
}
