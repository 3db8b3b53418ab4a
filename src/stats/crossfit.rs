//! Marginal statistics free of in-sample bias, by K-fold cross-fitting.
//!
//! An estimator evaluated on the samples it was fitted to is biased towards them: a KDE gives
//! every sample its own kernel (which lowers `d` most), a flow its own fit. Cross-fitting
//! removes this: the rows are dealt at random into `K` folds, the estimator is fitted on the
//! other `K − 1` folds and evaluated on each fold in turn, so that every `log P(θ_i)` comes from
//! an estimator that never saw row `i`; then `D` and `d` are computed from all rows as usual
//! ([`kl_bmd`]). The price is `K` fits on `(K − 1)/K` of the data instead of one.

use rand::seq::SliceRandom;

use super::divergence::{kl_bmd, MarginalStats};
use crate::density::Density;
use crate::error::{Error, Result};
use crate::rng::{child_seed, rng_from_seed};
use crate::samples::WeightedSamples;

/// Fits a posterior estimator to some rows with a seed (see [`cross_fit_stats`]).
pub type FitFn<'a> = dyn Fn(&WeightedSamples, u64) -> Result<Box<dyn Density>> + 'a;

/// `D` and `d` of the posterior given by `samples` against `prior`, cross-fitted over `folds`
/// folds (see the module docs), with `n_bootstrap` bootstrap resamples for the errors.
///
/// `fit(training_rows, seed)` fits the posterior estimator. Fold `k` is fitted with
/// `child_seed(seed, k)`; the deal into folds and the bootstrap derive from `seed` too.
///
/// Errors: `folds < 2`, fewer samples than folds, or the fit's and [`kl_bmd`]'s errors.
pub fn cross_fit_stats(
    fit: &FitFn<'_>,
    prior: &dyn Density,
    samples: &WeightedSamples,
    folds: usize,
    n_bootstrap: usize,
    seed: u64,
) -> Result<MarginalStats> {
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
    if prior.dim() != samples.dim() {
        return Err(Error::dims("prior", samples.dim(), prior.dim()));
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rng_from_seed(child_seed(seed, u64::MAX)));
    let mut fold_of = vec![0usize; n];
    for (pos, &i) in order.iter().enumerate() {
        fold_of[i] = pos % folds;
    }
    let mut log_p = vec![f64::NAN; n];
    for k in 0..folds {
        let train: Vec<usize> = (0..n).filter(|&i| fold_of[i] != k).collect();
        let test: Vec<usize> = (0..n).filter(|&i| fold_of[i] == k).collect();
        let q = fit(&samples.select_rows(&train), child_seed(seed, k as u64))?;
        let lp = q.log_prob(&samples.values().select_rows(&test))?;
        for (&i, v) in test.iter().zip(lp) {
            log_p[i] = v;
        }
    }
    let log_pi = prior.log_prob(samples.values())?;
    kl_bmd(
        &log_p,
        &log_pi,
        samples.weights(),
        n_bootstrap,
        child_seed(seed, u64::MAX - 1),
    )
}
