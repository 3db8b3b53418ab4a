//! The nuisance-free (marginal) likelihood `log L(θ) = log P(θ) + log Z − log π(θ)`.

use super::Density;
use crate::error::{Error, Result};
use crate::matrix::Matrix;

/// `log L(θ) = log P(θ) + log Z − log π(θ)` for every row of `theta` (Bevins et al. 2023).
///
/// `posterior` is the marginal posterior density `P`, `prior` the marginal prior `π` (another
/// estimator or a [`UniformBox`](super::UniformBox)), `log_z` the evidence. Where `P = 0` the
/// likelihood is `−∞`. Where `π = 0` but `P > 0` the likelihood is undefined and this errors:
/// the prior must cover the posterior.
pub fn log_like<P: Density + ?Sized, Q: Density + ?Sized>(
    posterior: &P,
    theta: &Matrix,
    log_z: f64,
    prior: &Q,
) -> Result<Vec<f64>> {
    if !log_z.is_finite() {
        return Err(Error::invalid(
            "log_z",
            format!("log evidence is {log_z}; it must be finite"),
        ));
    }
    if posterior.dim() != prior.dim() {
        return Err(Error::dims("prior", posterior.dim(), prior.dim()));
    }
    let lp = posterior.log_prob(theta)?;
    let lpi = prior.log_prob(theta)?;
    lp.into_iter()
        .zip(lpi)
        .enumerate()
        .map(|(i, (p, pi))| {
            if p == f64::NEG_INFINITY {
                Ok(f64::NEG_INFINITY)
            } else if pi == f64::NEG_INFINITY {
                Err(Error::numerical(
                    "log_like",
                    format!("the prior is zero at row {i} where the posterior is not; use a prior whose support covers the posterior"),
                ))
            } else {
                Ok(p + log_z - pi)
            }
        })
        .collect()
}
