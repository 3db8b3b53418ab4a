//! Marginal statistics free of in-sample bias, by K-fold cross-fitting.
//!
//! An estimator evaluated on the samples it was fitted to is biased towards them: a KDE gives
//! every sample its own kernel (which lowers `d` most), a flow its own fit. Cross-fitting
//! removes this: the rows are dealt at random into `K` folds, the estimator is fitted on the
//! other `K − 1` folds and evaluated on each fold in turn, so that every `log P(θ_i)` comes from
//! an estimator that never saw row `i`; then `D` and `d` are computed from all rows as usual
//! ([`kl_bmd`]). The price is `K` fits on `(K − 1)/K` of the data instead of one; the folds
//! are fitted in parallel.
//!
//! **MCMC chains.** Neighbouring rows of a chain are correlated, so a row's neighbours in the
//! training folds would leak it into its own estimator. When the samples carry chain
//! membership ([`WeightedSamples::with_chains`], set by the getdist reader), whole chains are
//! dealt into the folds (or, with fewer chains than folds, each chain's `K` consecutive
//! stretches), and the error bars are the block-bootstrap errors of [`super::mcmc`], which
//! account for the correlation; otherwise rows are dealt at random and the bootstrap treats
//! them as independent.

use rand::seq::SliceRandom;
use rayon::prelude::*;

use super::divergence::kl_bmd;
use super::mcmc::{kl_bmd_chains, ChainStats};
use super::MarginalStats;
use crate::density::Density;
use crate::error::{Error, Result};
use crate::rng::{child_seed, rng_from_seed};
use crate::samples::WeightedSamples;

/// Fits a posterior estimator to some rows with a seed (see [`cross_fit_stats`]).
pub type FitFn<'a> = dyn Fn(&WeightedSamples, u64) -> Result<Box<dyn Density>> + Sync + 'a;

/// The fold of every row: whole chains (or each chain's consecutive stretches) when the rows
/// carry chain membership, else a random deal (see the module docs).
///
/// Errors: `folds < 2`, or fewer than two samples a fold.
pub fn fold_assignment(samples: &WeightedSamples, folds: usize, seed: u64) -> Result<Vec<usize>> {
    let n = samples.len();
    if folds < 2 {
        return Err(Error::invalid(
            "folds",
            format!(
                "{folds} folds; cross-fitting needs at least 2 (2 halves the data for each fit)"
            ),
        ));
    }
    if n < 2 * folds {
        return Err(Error::invalid(
            "samples",
            format!("{n} samples for {folds} folds; give at least two samples a fold"),
        ));
    }
    let mut rng = rng_from_seed(child_seed(seed, u64::MAX));
    let mut fold_of = vec![0usize; n];
    if samples.chain_ids().is_some() {
        let runs = samples.chain_runs();
        if runs.len() >= folds {
            let mut order: Vec<usize> = (0..runs.len()).collect();
            order.shuffle(&mut rng);
            for (pos, &c) in order.iter().enumerate() {
                fold_of[runs[c].clone()].fill(pos % folds);
            }
        } else {
            for run in runs {
                let len = run.len();
                for (k, i) in run.enumerate() {
                    fold_of[i] = k * folds / len;
                }
            }
        }
    } else {
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut rng);
        for (pos, &i) in order.iter().enumerate() {
            fold_of[i] = pos % folds;
        }
    }
    Ok(fold_of)
}

/// `log q_{−k(i)}(θ_i)` for every row `i`: the log density of the estimator fitted without
/// the row's fold `k(i)` ([`fold_assignment`]). Fold `k` is fitted with `child_seed(seed, k)`.
pub fn cross_fit_log_prob(
    fit: &FitFn<'_>,
    samples: &WeightedSamples,
    folds: usize,
    seed: u64,
) -> Result<Vec<f64>> {
    let fold_of = fold_assignment(samples, folds, seed)?;
    let n = samples.len();
    let per_fold: Vec<(Vec<usize>, Vec<f64>)> = (0..folds)
        .into_par_iter()
        .map(|k| {
            let train: Vec<usize> = (0..n).filter(|&i| fold_of[i] != k).collect();
            let test: Vec<usize> = (0..n).filter(|&i| fold_of[i] == k).collect();
            let q = fit(&samples.select_rows(&train), child_seed(seed, k as u64))?;
            let lp = q.log_prob(&samples.values().select_rows(&test))?;
            Ok((test, lp))
        })
        .collect::<Result<_>>()?;
    let mut log_p = vec![f64::NAN; n];
    for (test, lp) in per_fold {
        for (i, v) in test.into_iter().zip(lp) {
            log_p[i] = v;
        }
    }
    Ok(log_p)
}

/// `D` and `d` of the posterior given by `samples` against `prior`, cross-fitted over `folds`
/// folds (see the module docs), with `n_bootstrap` bootstrap resamples for the errors.
///
/// `fit(training_rows, seed)` fits the posterior estimator. Fold `k` is fitted with
/// `child_seed(seed, k)`; the deal into folds and the bootstrap derive from `seed` too. The
/// errors are the block-bootstrap errors for MCMC chains and the row bootstrap's otherwise;
/// [`cross_fit_chain_stats`] gives both, and the spread between chains.
///
/// Errors: `folds < 2`, fewer than two samples a fold, or the fit's and [`kl_bmd`]'s errors.
pub fn cross_fit_stats(
    fit: &FitFn<'_>,
    prior: &dyn Density,
    samples: &WeightedSamples,
    folds: usize,
    n_bootstrap: usize,
    seed: u64,
) -> Result<MarginalStats> {
    Ok(cross_fit_chain_stats(fit, prior, samples, folds, n_bootstrap, seed)?.stats)
}

/// [`cross_fit_stats`] with every error bar: for MCMC chains the block-bootstrap, naive and
/// between-chain errors of [`kl_bmd_chains`]; for other samples the row bootstrap's (and
/// `tau = 1`, one block a row).
pub fn cross_fit_chain_stats(
    fit: &FitFn<'_>,
    prior: &dyn Density,
    samples: &WeightedSamples,
    folds: usize,
    n_bootstrap: usize,
    seed: u64,
) -> Result<ChainStats> {
    if prior.dim() != samples.dim() {
        return Err(Error::dims("prior", samples.dim(), prior.dim()));
    }
    let log_p = cross_fit_log_prob(fit, samples, folds, seed)?;
    let log_pi = prior.log_prob(samples.values())?;
    let boot_seed = child_seed(seed, u64::MAX - 1);
    if samples.chain_ids().is_some() {
        kl_bmd_chains(
            &log_p,
            &log_pi,
            samples.weights(),
            &samples.chain_runs(),
            n_bootstrap,
            boot_seed,
        )
    } else {
        let stats = kl_bmd(&log_p, &log_pi, samples.weights(), n_bootstrap, boot_seed)?;
        Ok(ChainStats {
            stats,
            naive_err: (stats.kl_err, stats.bmd_err),
            between_chains_err: None,
            tau: 1.0,
            block_len: 1,
            n_chains: 1,
        })
    }
}
