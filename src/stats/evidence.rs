//! Importance sampling of integrals of densities: the evidence `Z = E_g[L π / g]` with a trained
//! estimator `g` as proposal, and the evidence ratio `log R = log ∫ P_A P_B / π dθ`.
//!
//! With draws `θ_i ~ g` and weights `w_i = f(θ_i) / g(θ_i)`, `I = ∫ f ≈ Î = (1/n) Σ w_i`, with
//! standard error `σ_Î = s_w / √n` (`s_w` the sample standard deviation of the weights), so the
//! error of `log Î` is `σ_Î / Î`. The Kish effective sample size `(Σw)² / Σw²` and the
//! efficiency `ESS / n` say how well the proposal matches `f`. Everything is computed in log
//! space (log-sum-exp), so tiny likelihoods do not underflow.

use serde::Serialize;

use crate::density::{Density, Sample};
use crate::error::{Error, Result};
use crate::matrix::Matrix;

/// An importance-sampling estimate of `log ∫ f`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct IsEstimate {
    /// `log Î`.
    pub log_value: f64,
    /// One-σ error of `log Î` (`σ_Î / Î`).
    pub log_value_err: f64,
    /// Kish effective sample size of the weights.
    pub ess: f64,
    /// `ESS / n`.
    pub efficiency: f64,
    /// Draws used.
    pub n: usize,
    /// Draws masked because `log f − log g` was NaN or `+∞`.
    pub n_nonfinite: usize,
}

/// `log ∫ f` by importance sampling from `proposal` (`n` draws from `seed`).
///
/// `log_f` evaluates `log f` on a batch (`−∞` where `f = 0` is a valid zero weight).
/// Errors: `n < 2`; `log f` has the wrong length; the proposal is zero at one of its own draws;
/// every weight is zero or non-finite.
pub fn importance_log_integral(
    log_f: &dyn Fn(&Matrix) -> Result<Vec<f64>>,
    proposal: &dyn Sample,
    n: usize,
    seed: u64,
) -> Result<IsEstimate> {
    if n < 2 {
        return Err(Error::invalid("n", format!("{n} draws; need at least 2")));
    }
    let x = proposal.sample_seeded(n, seed)?;
    let lf = log_f(&x)?;
    if lf.len() != n {
        return Err(Error::dims("log_f", n, lf.len()));
    }
    let lg = proposal.log_prob(&x)?;
    let mut lw = Vec::with_capacity(n);
    let mut n_nonfinite = 0;
    for (f, g) in lf.iter().zip(&lg) {
        let v = f - g;
        if *f == f64::NEG_INFINITY && g.is_finite() {
            lw.push(f64::NEG_INFINITY);
        } else if v.is_nan() || v == f64::INFINITY {
            n_nonfinite += 1;
        } else {
            lw.push(v);
        }
    }
    let m = lw.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return Err(Error::numerical(
            "importance sampling",
            format!("all {n} weights are zero or non-finite ({n_nonfinite} non-finite); the proposal does not cover the integrand"),
        ));
    }
    let w: Vec<f64> = lw.iter().map(|l| (l - m).exp()).collect();
    let k = w.len() as f64;
    let s1: f64 = w.iter().sum();
    let s2: f64 = w.iter().map(|v| v * v).sum();
    let mean = s1 / k;
    let var = (s2 / k - mean * mean).max(0.0) * k / (k - 1.0).max(1.0);
    let ess = s1 * s1 / s2;
    Ok(IsEstimate {
        log_value: m + mean.ln(),
        log_value_err: var.sqrt() / k.sqrt() / mean,
        ess,
        efficiency: ess / n as f64,
        n: w.len(),
        n_nonfinite,
    })
}

/// The evidence `Z = ∫ L π dθ = E_g[L π / g]` with `proposal` `g` (a trained flow, say).
///
/// `log_likelihood` evaluates `log L` on a batch. Errors as [`importance_log_integral`].
pub fn importance_evidence(
    log_likelihood: &dyn Fn(&Matrix) -> Result<Vec<f64>>,
    prior: &dyn Density,
    proposal: &dyn Sample,
    n: usize,
    seed: u64,
) -> Result<IsEstimate> {
    if prior.dim() != proposal.dim() {
        return Err(Error::dims("proposal", prior.dim(), proposal.dim()));
    }
    let f = |x: &Matrix| -> Result<Vec<f64>> {
        let ll = log_likelihood(x)?;
        let lp = prior.log_prob(x)?;
        if ll.len() != lp.len() {
            return Err(Error::dims("log_likelihood", lp.len(), ll.len()));
        }
        // L π with π = 0 is 0 whatever L is (L may be undefined outside the prior).
        Ok(ll
            .iter()
            .zip(&lp)
            .map(|(l, p)| {
                if *p == f64::NEG_INFINITY {
                    f64::NEG_INFINITY
                } else {
                    l + p
                }
            })
            .collect())
    };
    importance_log_integral(&f, proposal, n, seed)
}

/// The evidence ratio `log R = log Z_AB − log Z_A − log Z_B = log ∫ P_A P_B / π dθ` of two
/// experiments sharing the prior `π`, by importance sampling from `proposal` (e.g. the
/// narrower of the two posteriors).
///
/// Errors: dimensions differ; the prior is zero where both posteriors are positive.
pub fn log_evidence_ratio(
    posterior_a: &dyn Density,
    posterior_b: &dyn Density,
    prior: &dyn Density,
    proposal: &dyn Sample,
    n: usize,
    seed: u64,
) -> Result<IsEstimate> {
    let d = prior.dim();
    for (arg, got) in [
        ("posterior_a", posterior_a.dim()),
        ("posterior_b", posterior_b.dim()),
        ("proposal", proposal.dim()),
    ] {
        if got != d {
            return Err(Error::dims(arg, d, got));
        }
    }
    let f = |x: &Matrix| joint_log_unnormalised(posterior_a, posterior_b, prior, x);
    importance_log_integral(&f, proposal, n, seed)
}

/// `log P_A + log P_B − log π` per row: `−∞` where either posterior is zero, an error where the
/// prior is zero but both posteriors are not.
pub fn joint_log_unnormalised(
    a: &dyn Density,
    b: &dyn Density,
    prior: &dyn Density,
    x: &Matrix,
) -> Result<Vec<f64>> {
    let la = a.log_prob(x)?;
    let lb = b.log_prob(x)?;
    let lp = prior.log_prob(x)?;
    la.iter()
        .zip(&lb)
        .zip(&lp)
        .enumerate()
        .map(|(i, ((a, b), p))| {
            if *a == f64::NEG_INFINITY || *b == f64::NEG_INFINITY {
                Ok(f64::NEG_INFINITY)
            } else if *p == f64::NEG_INFINITY {
                Err(Error::numerical(
                    "joint posterior",
                    format!("the prior is zero at row {i} where both posteriors are positive; use a prior that covers them"),
                ))
            } else {
                Ok(a + b - p)
            }
        })
        .collect()
}
