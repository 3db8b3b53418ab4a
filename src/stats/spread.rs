//! Error bars from the spread over estimators trained with different seeds.
//!
//! An estimator's own fitting noise is invisible to the bootstrap over samples. So the
//! posterior (cross-fitted, [`cross_fit_stats`]) and, when it is given by samples, the prior
//! estimator are fitted once per seed,
//! `D` and `d` are computed for each with bootstrap errors, and the results are combined:
//! the estimate is the mean over seeds, and the one-σ error adds in quadrature the mean
//! bootstrap variance and the variance over seeds, `σ² = ⟨σ_boot²⟩ + Var_seeds`.

use serde::Serialize;

use super::crossfit::cross_fit_stats;
use super::divergence::{std_dev, MarginalStats};
use crate::density::Density;
use crate::error::{Error, Result};
use crate::fit::Fit;
use crate::rng::child_seed;
use crate::samples::WeightedSamples;
use crate::transform::Bounds;

/// The prior to compare with: a fixed density, or samples to fit with the same estimator.
#[derive(Clone, Copy)]
pub enum PriorSpec<'a> {
    /// A density used as it is (a [`UniformBox`](crate::UniformBox), an analytic prior, or an
    /// estimator fitted elsewhere).
    Density(&'a dyn Density),
    /// Prior samples, fitted with the same configuration, bounds and seed as the posterior.
    Samples(&'a WeightedSamples),
}

/// [`MarginalStats`] combined over estimators trained with several seeds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpreadStats {
    /// Combined estimate: mean over seeds, error `√(⟨σ_boot²⟩ + Var_seeds)`. `n_nonfinite` is
    /// the total over seeds, `n_used` the mean.
    pub combined: MarginalStats,
    /// Standard deviation of `D` over seeds.
    pub kl_seed_std: f64,
    /// Standard deviation of `d` over seeds.
    pub bmd_seed_std: f64,
    /// One result per seed, in the order of the seeds.
    pub per_seed: Vec<MarginalStats>,
}

/// Fits `config` to the posterior samples (and to the prior samples, if given) once per seed
/// and combines the marginal KL and BMD (see the module docs).
///
/// `bounds`: the box every estimator is fitted on (`None`: from each sample set). The posterior
/// estimator is cross-fitted in two folds ([`cross_fit_stats`]), so that no posterior sample is
/// scored by an estimator fitted to it, and the statistics are computed with `n_bootstrap`
/// resamples.
pub fn spread_over_seeds<F: Fit>(
    config: &F,
    posterior: &WeightedSamples,
    prior: PriorSpec<'_>,
    bounds: Option<&Bounds>,
    seeds: &[u64],
    n_bootstrap: usize,
) -> Result<SpreadStats>
where
    F::Model: 'static,
{
    if seeds.is_empty() {
        return Err(Error::invalid("seeds", "give at least one seed"));
    }
    let mut per_seed = Vec::with_capacity(seeds.len());
    let fit = |rows: &WeightedSamples, seed: u64| -> Result<Box<dyn Density>> {
        Ok(Box::new(config.fit(rows, bounds, seed)?))
    };
    for &seed in seeds {
        let fitted_prior;
        let prior_density: &dyn Density = match prior {
            PriorSpec::Density(p) => p,
            PriorSpec::Samples(ps) => {
                fitted_prior = config.fit(ps, bounds, child_seed(seed, 3))?;
                &fitted_prior
            }
        };
        per_seed.push(cross_fit_stats(
            &fit,
            prior_density,
            posterior,
            2,
            n_bootstrap,
            child_seed(seed, 7),
        )?);
    }
    Ok(combine(per_seed))
}

/// Combines per-seed results (see the module docs).
pub fn combine(per_seed: Vec<MarginalStats>) -> SpreadStats {
    let k = per_seed.len() as f64;
    let kls: Vec<f64> = per_seed.iter().map(|s| s.kl).collect();
    let bmds: Vec<f64> = per_seed.iter().map(|s| s.bmd).collect();
    let (kl_seed_std, bmd_seed_std) = (std_dev(&kls), std_dev(&bmds));
    let mean = |v: &[f64]| v.iter().sum::<f64>() / k;
    let kl_boot2 = mean(
        &per_seed
            .iter()
            .map(|s| s.kl_err.powi(2))
            .collect::<Vec<_>>(),
    );
    let bmd_boot2 = mean(
        &per_seed
            .iter()
            .map(|s| s.bmd_err.powi(2))
            .collect::<Vec<_>>(),
    );
    let combined = MarginalStats {
        kl: mean(&kls),
        kl_err: (kl_boot2 + kl_seed_std.powi(2)).sqrt(),
        bmd: mean(&bmds),
        bmd_err: (bmd_boot2 + bmd_seed_std.powi(2)).sqrt(),
        n_used: (per_seed.iter().map(|s| s.n_used).sum::<usize>() as f64 / k).round() as usize,
        n_nonfinite: per_seed.iter().map(|s| s.n_nonfinite).sum(),
    };
    SpreadStats {
        combined,
        kl_seed_std,
        bmd_seed_std,
        per_seed,
    }
}
