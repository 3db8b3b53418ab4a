//! PolyChord's slice sampler (Handley et al. 2015, arXiv:1506.00171) in the unit cube.
//!
//! A new point above the contour `log L > L*` is made by `n_repeats` one-dimensional slice
//! steps (Neal 2003) from a live point. Step `s` moves along `Λ ê_s`, where `Λ` is the Cholesky
//! factor of the covariance of the live points of the start point's cluster (so directions are
//! whitened) and `ê_s` cycles through a random orthonormal basis, redrawn every `d` steps. The
//! initial bracket has width `w = √(d + 2)` in whitened units, the radius of a uniformly
//! filled ball with unit variance per axis, and is placed at random around the current point;
//! it is stepped out by `w` while its ends lie inside the contour, then shrunk towards the
//! current point until a point inside is found. Points outside `[0, 1]^d` are outside the prior
//! and cost no likelihood call.

use rand::Rng;
use rand_distr::StandardNormal;

use super::likelihood::LogLikelihood;
use crate::density::UnitCube;
use crate::error::{Error, Result};
use crate::linalg::lower_mul;
use crate::rng::MfRng;
use crate::samples::readers::nested::LOG_L_VANISHING;

/// Likelihood calls and NaN returns counted by one task.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Tally {
    pub calls: u64,
    pub nan: u64,
}

/// The prior map and likelihood, evaluated with checks.
pub(crate) struct Target<'a> {
    pub prior: &'a dyn UnitCube,
    pub like: &'a dyn LogLikelihood,
    pub d: usize,
}

impl Target<'_> {
    /// `log L(θ(u))`, or `None` outside the cube (no call). NaN, and any value at or below
    /// [`LOG_L_VANISHING`] (`−1e29`, whose `exp` is zero anyway), count as `L = 0`, `−∞`;
    /// `+∞` errors.
    pub fn eval(&self, u: &[f64], theta: &mut [f64], tally: &mut Tally) -> Result<Option<f64>> {
        if u.iter().any(|v| !(0.0..=1.0).contains(v)) {
            return Ok(None);
        }
        self.prior.from_unit_cube(u, theta)?;
        if let Some(j) = theta.iter().position(|v| !v.is_finite()) {
            return Err(Error::invalid(
                "prior",
                format!(
                    "the unit-cube map sent u = {u:?} to a non-finite θ_{j} = {}; the prior transform must return finite points",
                    theta[j]
                ),
            ));
        }
        tally.calls += 1;
        let l = self.like.log_likelihood(theta)?;
        if l.is_nan() {
            tally.nan += 1;
            return Ok(Some(f64::NEG_INFINITY));
        }
        if l <= LOG_L_VANISHING {
            return Ok(Some(f64::NEG_INFINITY));
        }
        if l == f64::INFINITY {
            return Err(Error::numerical(
                "likelihood",
                format!("log L = +∞ at θ = {theta:?}; the evidence would be infinite: return a finite value"),
            ));
        }
        Ok(Some(l))
    }
}

/// Why a chain stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChainStatus {
    /// A new point above the contour.
    Done,
    /// The call budget ran out.
    Budget,
    /// The start point was not above the contour and no move found one (a plateau).
    Stuck,
}

/// The end of one chain.
pub(crate) struct ChainOut {
    pub u: Vec<f64>,
    pub theta: Vec<f64>,
    pub logl: f64,
    pub tally: Tally,
    pub status: ChainStatus,
}

/// A random orthonormal basis of `ℝ^d` (Gram–Schmidt on Gaussian vectors), row `i` = vector `i`.
fn random_basis(d: usize, rng: &mut MfRng) -> Vec<Vec<f64>> {
    let mut basis: Vec<Vec<f64>> = Vec::with_capacity(d);
    while basis.len() < d {
        let mut v: Vec<f64> = (0..d).map(|_| rng.sample(StandardNormal)).collect();
        for b in &basis {
            let p: f64 = v.iter().zip(b).map(|(x, y)| x * y).sum();
            v.iter_mut().zip(b).for_each(|(x, y)| *x -= p * y);
        }
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm > 1e-8 {
            v.iter_mut().for_each(|x| *x /= norm);
            basis.push(v);
        }
    }
    basis
}

/// Runs `n_repeats` slice steps from `(u, θ, log L)` above `threshold`, using at most
/// `budget` likelihood calls. `chol` is the whitening factor (row-major `d × d`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn slice_chain(
    target: &Target,
    start_u: &[f64],
    start_theta: &[f64],
    start_logl: f64,
    threshold: f64,
    chol: &[f64],
    n_repeats: usize,
    budget: u64,
    rng: &mut MfRng,
) -> Result<ChainOut> {
    let d = target.d;
    let w = ((d + 2) as f64).sqrt();
    let mut x = start_u.to_vec();
    let mut theta = start_theta.to_vec();
    let mut logl = start_logl;
    let mut tally = Tally::default();
    let mut basis = Vec::new();
    let mut dir = vec![0.0; d];
    let mut trial = vec![0.0; d];
    let mut trial_theta = vec![0.0; d];
    let mut status = ChainStatus::Done;

    // Evaluates x + t·dir; `Some(l)` only when it is inside the contour.
    let inside = |t: f64,
                  x: &[f64],
                  dir: &[f64],
                  trial: &mut Vec<f64>,
                  trial_theta: &mut Vec<f64>,
                  tally: &mut Tally|
     -> Result<Option<Option<f64>>> {
        if tally.calls >= budget {
            return Ok(None);
        }
        for j in 0..d {
            trial[j] = x[j] + t * dir[j];
        }
        Ok(Some(
            target
                .eval(trial, trial_theta, tally)?
                .filter(|l| *l > threshold),
        ))
    };

    'steps: for s in 0..n_repeats {
        if s % d == 0 {
            basis = random_basis(d, rng);
        }
        lower_mul(chol, &basis[s % d], &mut dir);
        let r: f64 = rng.random();
        let mut lo = -r * w;
        let mut hi = lo + w;
        for _ in 0..100 {
            match inside(lo, &x, &dir, &mut trial, &mut trial_theta, &mut tally)? {
                None => {
                    status = ChainStatus::Budget;
                    break 'steps;
                }
                Some(Some(_)) => lo -= w,
                Some(None) => break,
            }
        }
        for _ in 0..100 {
            match inside(hi, &x, &dir, &mut trial, &mut trial_theta, &mut tally)? {
                None => {
                    status = ChainStatus::Budget;
                    break 'steps;
                }
                Some(Some(_)) => hi += w,
                Some(None) => break,
            }
        }
        for _ in 0..200 {
            let t = lo + rng.random::<f64>() * (hi - lo);
            match inside(t, &x, &dir, &mut trial, &mut trial_theta, &mut tally)? {
                None => {
                    status = ChainStatus::Budget;
                    break 'steps;
                }
                Some(Some(l)) => {
                    x.copy_from_slice(&trial);
                    theta.copy_from_slice(&trial_theta);
                    logl = l;
                    break;
                }
                Some(None) => {
                    if t < 0.0 {
                        lo = t;
                    } else {
                        hi = t;
                    }
                }
            }
        }
    }
    if status == ChainStatus::Done && !(logl > threshold) {
        status = ChainStatus::Stuck;
    }
    Ok(ChainOut {
        u: x,
        theta,
        logl,
        tally,
        status,
    })
}

/// Draws uniform cube points until one lies above `threshold`, using at most `max_tries`
/// likelihood calls (and at most `budget`). The status is `Done` when one was found, `Budget`
/// otherwise (the caller then runs a slice chain instead); the tally counts every call.
pub(crate) fn rejection_draw(
    target: &Target,
    threshold: f64,
    max_tries: u64,
    budget: u64,
    rng: &mut MfRng,
) -> Result<ChainOut> {
    let d = target.d;
    let mut theta = vec![0.0; d];
    let mut tally = Tally::default();
    for _ in 0..max_tries.min(budget) {
        let u: Vec<f64> = (0..d).map(|_| rng.random::<f64>()).collect();
        if let Some(logl) = target.eval(&u, &mut theta, &mut tally)? {
            if logl > threshold {
                let status = ChainStatus::Done;
                return Ok(ChainOut {
                    u,
                    theta,
                    logl,
                    tally,
                    status,
                });
            }
        }
    }
    let status = ChainStatus::Budget;
    Ok(ChainOut {
        u: vec![],
        theta,
        logl: f64::NEG_INFINITY,
        tally,
        status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::rng_from_seed;

    #[test]
    fn basis_is_orthonormal() {
        let b = random_basis(5, &mut rng_from_seed(3));
        for i in 0..5 {
            for j in 0..5 {
                let p: f64 = b[i].iter().zip(&b[j]).map(|(x, y)| x * y).sum();
                assert!((p - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
            }
        }
    }
}
