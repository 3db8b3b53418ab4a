//! Marginal statistics of real cosmological chains: DES Y1, Planck 2018 and their joint run
//! against the prior, over the six sampled ΛCDM parameters (Bevins et al. 2022,
//! arXiv:2205.12841 §4; the reproductions `cosmo-*` and `notebooks/marginal_cosmology.ipynb`).
//!
//! The chains are the tensiometer test chains (getdist format, eight MCMC chains each; see
//! `shared/data/cosmology_chains/README.md`), found through [`chains_dir`]. Three analyses:
//!
//! - [`marginal_table`]: `D` and `d` of each experiment against the prior, with every
//!   estimator named, cross-fitted by whole chains ([`crate::stats::crossfit`]), with
//!   block-bootstrap errors honest for MCMC beside the naive and between-chain ones
//!   ([`crate::stats::mcmc`]), and the spread over seeds.
//! - [`information_triangle`]: `D` of every single parameter and every pair.
//! - [`rebuild_joint`]: the joint posterior `P_DES P_Planck / (π R)` from the two marginals and
//!   the prior, against the joint chain, and `log R`.
//!
//! **The prior is not a box.** The prior chain samples the `.ranges` box of the six parameters
//! but keeps only points with `20 < H0 < 100`, a curved cut in `(ω_b, ω_c, θ)`; so the prior
//! is fitted from its chain with the same estimator as the posteriors, on the `.ranges` box.
//!
//! **Thinning.** Each set of chains is thinned by a quarter of its largest integrated
//! autocorrelation time `τ` ([`samples_autocorr_time`]) before anything is fitted. For an
//! AR(1)-like chain, keeping every `k`-th row leaves an effective sample size of
//! `(n/k)(1 − φ^k)/(1 + φ^k)` with `φ = (τ − 1)/(τ + 1)`: at `k = τ/4` that is within a few per
//! cent of the whole chain's `n/τ`, at `k = τ` it is a quarter lower. So `τ/4` divides the
//! cost of every fit by up to `τ/4` at almost no loss of information. The weights of the kept
//! rows are kept, so weighted means stay unbiased.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use super::crossfit::{cross_fit_chain_stats, cross_fit_log_prob};
use super::divergence::{std_dev, MarginalStats};
use super::estimators::fit_named;
use super::evidence::IsEstimate;
use super::joint::JointPosterior;
use super::mcmc::{kl_bmd_chains, samples_autocorr_time, thinning_factor, ChainStats};
use super::spread::{combine, SpreadStats};
use crate::density::{Density, Estimator};
use crate::error::{Error, Result};
use crate::matrix::Matrix;
use crate::rng::child_seed;
use crate::samples::{read_chain_full, WeightedSamples};
use crate::transform::Bounds;

/// The six sampled ΛCDM parameters.
pub const COSMO_PARAMS: [&str; 6] = ["omegabh2", "omegach2", "theta", "tau", "logA", "ns"];

/// The experiments: getdist root and display name.
pub const EXPERIMENTS: [(&str, &str); 3] = [
    ("DES", "DES Y1"),
    ("Planck18TTTEEE", "Planck 2018"),
    ("Planck18TTTEEE_DES", "Planck + DES"),
];

/// Where the chains come from, for the message shown when they are missing.
pub const CHAINS_SOURCE: &str = "the DES Y1, Planck 2018, joint and prior chains are tensiometer's test_chains (https://github.com/mraveri/tensiometer, test_chains/, GPL-3); put them in ../shared/data/cosmology_chains or set MARGFLOW_CHAINS to their folder";

/// The chains folder: `$MARGFLOW_CHAINS`, else `../shared/data/cosmology_chains` next to the
/// crate root; `None` (print a skip message, see [`CHAINS_SOURCE`]) when neither exists.
pub fn chains_dir() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("MARGFLOW_CHAINS") {
        let p = PathBuf::from(p);
        return p.is_dir().then_some(p);
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/cosmology_chains");
    p.is_dir().then_some(p)
}

/// The three experiments' chains and the prior's, thinned (see the module docs), with the box
/// every estimator is fitted on.
#[derive(Debug, Clone)]
pub struct CosmoChains {
    /// Display name and samples of DES, Planck and the joint run, in the order of
    /// [`EXPERIMENTS`].
    pub experiments: Vec<(String, WeightedSamples)>,
    /// The prior chain.
    pub prior: WeightedSamples,
    /// The prior's `.ranges` box of [`COSMO_PARAMS`], opened by `10⁻⁹` of its width.
    pub bounds: Bounds,
    /// Every file read (`.paramnames`, `.ranges`, chain files).
    pub files: Vec<PathBuf>,
    /// Rows before thinning, for the experiments and then the prior.
    pub rows: Vec<usize>,
    /// Largest parameter autocorrelation time of each set of chains (rows, before thinning).
    pub tau: Vec<f64>,
    /// Thinning factor of each set of chains.
    pub thin: Vec<usize>,
}

impl CosmoChains {
    /// Reads the chains in `dir` and thins each set by `extra_thin` times a quarter of its
    /// autocorrelation time (see the module docs; `extra_thin = 1` for the full analysis).
    ///
    /// Errors: a missing folder (the message says where the chains come from), a missing or
    /// malformed file, `extra_thin = 0`.
    pub fn read(dir: &Path, extra_thin: usize) -> Result<Self> {
        if !dir.is_dir() {
            return Err(Error::invalid(
                "chains",
                format!("no folder {}: {CHAINS_SOURCE}", dir.display()),
            ));
        }
        if extra_thin == 0 {
            return Err(Error::invalid(
                "extra_thin",
                "0; use 1 for no extra thinning",
            ));
        }
        let mut files = Vec::new();
        let (mut rows, mut tau, mut thin) = (Vec::new(), Vec::new(), Vec::new());
        let mut read = |root: &str| -> Result<(WeightedSamples, Option<Bounds>)> {
            let r = dir.join(root);
            let chain = read_chain_full(&r, None)?;
            for ext in ["paramnames", "ranges"] {
                files.push(PathBuf::from(format!("{}.{ext}", r.display())));
            }
            files.extend(crate::samples::readers::getdist::chain_files(&r));
            let s = chain.samples.select(&COSMO_PARAMS)?;
            let t = samples_autocorr_time(&s);
            let k = thinning_factor(t) * extra_thin;
            rows.push(s.len());
            tau.push(t);
            thin.push(k);
            Ok((s.thin(k)?, chain.bounds(&COSMO_PARAMS)))
        };
        let mut experiments = Vec::new();
        for (root, name) in EXPERIMENTS {
            experiments.push((name.to_string(), read(root)?.0));
        }
        let (prior, ranges) = read("prior")?;
        let bounds = ranges
            .ok_or_else(|| {
                Error::invalid("prior.ranges", "no hard limits for the six ΛCDM parameters")
            })?
            .widened(1e-9)?;
        Ok(Self {
            experiments,
            prior,
            bounds,
            files,
            rows,
            tau,
            thin,
        })
    }

    /// The experiment called `name` (a display name of [`EXPERIMENTS`]).
    pub fn experiment(&self, name: &str) -> Result<&WeightedSamples> {
        self.experiments
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s)
            .ok_or_else(|| Error::invalid("experiment", format!("no experiment `{name}`")))
    }
}

/// Settings of the analyses.
#[derive(Debug, Clone)]
pub struct CosmoSettings {
    /// Seeds of independently fitted estimators (their spread is part of the error).
    pub seeds: Vec<u64>,
    /// Cross-fitting folds (whole chains are dealt into them).
    pub folds: usize,
    /// Bootstrap resamples.
    pub n_bootstrap: usize,
    /// Importance-sampling draws for `log R` and the rebuilt joint posterior.
    pub n_importance: usize,
}

impl Default for CosmoSettings {
    /// Three seeds, two folds, 200 bootstrap resamples, 100,000 importance draws.
    fn default() -> Self {
        Self {
            seeds: vec![1, 2, 3],
            folds: 2,
            n_bootstrap: 200,
            n_importance: 100_000,
        }
    }
}

/// `D` and `d` of one experiment with one estimator.
#[derive(Debug, Clone, Serialize)]
pub struct ExperimentStats {
    /// The experiment.
    pub experiment: String,
    /// The estimator.
    pub estimator: String,
    /// Combined over seeds: error `√(⟨σ_block²⟩ + Var_seeds)`.
    pub spread: SpreadStats,
    /// Mean over seeds of the block-bootstrap errors of `D` and `d` (without the seed spread).
    pub block_err: (f64, f64),
    /// Mean over seeds of the naive (row-bootstrap) errors of `D` and `d`.
    pub naive_err: (f64, f64),
    /// Mean over seeds of the between-chain errors of `D` and `d`.
    pub between_chains_err: (f64, f64),
    /// Autocorrelation time of the influence series (rows of the thinned chains).
    pub tau: f64,
    /// Every seed's result.
    pub per_seed: Vec<ChainStats>,
}

/// `D` and `d` of every experiment against the prior with every estimator in `estimators`
/// (names of [`fit_named`]), each fitted with every seed (see the module docs). For each seed
/// the prior is fitted once with `child_seed(seed, 3)`, and each experiment is cross-fitted.
pub fn marginal_table(
    chains: &CosmoChains,
    estimators: &[&str],
    settings: &CosmoSettings,
    progress: &dyn Fn(&str),
) -> Result<Vec<ExperimentStats>> {
    let mut out = Vec::new();
    for &est in estimators {
        let mut per: Vec<Vec<ChainStats>> = vec![Vec::new(); chains.experiments.len()];
        for &seed in &settings.seeds {
            progress(&format!("{est}, seed {seed}: prior"));
            let prior = fit_named(
                est,
                &chains.prior,
                Some(&chains.bounds),
                child_seed(seed, 3),
            )?;
            for (k, (name, post)) in chains.experiments.iter().enumerate() {
                progress(&format!("{est}, seed {seed}: {name}"));
                let fit = |s: &WeightedSamples, sd: u64| -> Result<Box<dyn Density>> {
                    Ok(fit_named(est, s, Some(&chains.bounds), sd)?)
                };
                per[k].push(cross_fit_chain_stats(
                    &fit,
                    &prior,
                    post,
                    settings.folds,
                    settings.n_bootstrap,
                    seed,
                )?);
            }
        }
        for ((name, _), runs) in chains.experiments.iter().zip(per) {
            let mean = |f: &dyn Fn(&ChainStats) -> f64| {
                runs.iter().map(f).sum::<f64>() / runs.len() as f64
            };
            out.push(ExperimentStats {
                experiment: name.clone(),
                estimator: est.to_string(),
                spread: combine(runs.iter().map(|r| r.stats).collect()),
                block_err: (mean(&|r| r.stats.kl_err), mean(&|r| r.stats.bmd_err)),
                naive_err: (mean(&|r| r.naive_err.0), mean(&|r| r.naive_err.1)),
                between_chains_err: (
                    mean(&|r| r.between_chains_err.map_or(f64::NAN, |e| e.0)),
                    mean(&|r| r.between_chains_err.map_or(f64::NAN, |e| e.1)),
                ),
                tau: mean(&|r| r.tau),
                per_seed: runs,
            });
        }
    }
    Ok(out)
}

/// The information triangle of `posterior` against `prior` and its errors: `d × d` matrices
/// (values, block-bootstrap errors with `n_bootstrap` resamples) with the
/// cross-fitted marginal KL divergence of parameter `i` alone at `(i, i)` and of the pair
/// `(i, j)` at `(i, j)` for `j < i` (NaN above the diagonal), each pair's prior fitted from
/// `prior`'s columns with the same estimator.
///
/// By the chain rule `D(θ_i, θ_j) = D(θ_i) + E[D(θ_j | θ_i)] ≥ max(D(θ_i), D(θ_j))`: a pair
/// holds at least the information of each of its parameters. The diagonal shows which
/// parameters an experiment constrains, the pairs which degeneracies it breaks.
pub fn information_triangle(
    estimator: &str,
    posterior: &WeightedSamples,
    prior: &WeightedSamples,
    bounds: &Bounds,
    folds: usize,
    n_bootstrap: usize,
    seed: u64,
) -> Result<(Matrix, Matrix)> {
    let d = posterior.dim();
    if prior.dim() != d || bounds.dim() != d {
        return Err(Error::dims("prior", d, prior.dim()));
    }
    let cells: Vec<(usize, usize)> = (0..d).flat_map(|i| (0..=i).map(move |j| (i, j))).collect();
    let values: Vec<(f64, f64)> = cells
        .par_iter()
        .map(|&(i, j)| {
            let idx: Vec<usize> = if i == j { vec![i] } else { vec![j, i] };
            let names: Vec<&str> = idx.iter().map(|&k| posterior.names()[k].as_str()).collect();
            let b = bounds.select(&idx)?;
            let post = posterior.select(&names)?;
            let sd = child_seed(seed, (i * d + j) as u64);
            let pr = fit_named(
                estimator,
                &prior.select(&names)?,
                Some(&b),
                child_seed(sd, 3),
            )?;
            let fit = |s: &WeightedSamples, k: u64| -> Result<Box<dyn Density>> {
                Ok(fit_named(estimator, s, Some(&b), k)?)
            };
            let lp = cross_fit_log_prob(&fit, &post, folds, sd)?;
            let lpi = pr.log_prob(post.values())?;
            let runs = post.chain_runs();
            let s = kl_bmd_chains(&lp, &lpi, post.weights(), &runs, n_bootstrap, sd)?.stats;
            Ok((s.kl, s.kl_err))
        })
        .collect::<Result<_>>()?;
    let mut m = Matrix::new(d, d, vec![f64::NAN; d * d])?;
    let mut e = m.clone();
    for (&(i, j), (v, err)) in cells.iter().zip(values) {
        m.row_mut(i)[j] = v;
        e.row_mut(i)[j] = err;
    }
    Ok((m, e))
}

/// The joint posterior rebuilt from two experiments' marginals with one estimator and seed.
#[derive(Debug, Clone, Serialize)]
pub struct JointRebuilt {
    /// The estimator.
    pub estimator: String,
    /// The seed.
    pub seed: u64,
    /// `log R = log ∫ P_A P_B / π` (importance-sampled from the fit to B).
    pub log_r: IsEstimate,
    /// Means of `P_A P_B / (π R)`.
    pub mean: Vec<f64>,
    /// Standard deviations of `P_A P_B / (π R)`.
    pub std: Vec<f64>,
    /// Kish ESS of the rebuilt posterior's importance weights.
    pub ess: f64,
    /// `KL(joint chain ‖ rebuilt) = E_chain[log P̂_joint − log P_AB]`, with `P̂_joint`
    /// cross-fitted on the joint chain; block-bootstrap errors.
    pub kl_chain_vs_rebuilt: ChainStats,
    /// Draws of the rebuilt posterior (importance-resampled, unweighted), for plots.
    #[serde(skip)]
    pub draws: Matrix,
}

/// Rebuilds `P_AB ∝ P_A P_B / π` from the chains of `a` and `b` and the prior with `estimator`
/// and `seed`, and compares it with the chain of the joint run `joint`.
///
/// The proposal for the importance sampling is the fit to `b` (Planck, the narrower).
#[allow(clippy::too_many_arguments)]
pub fn rebuild_joint(
    chains: &CosmoChains,
    a: &str,
    b: &str,
    joint: &str,
    estimator: &str,
    seed: u64,
    settings: &CosmoSettings,
) -> Result<JointRebuilt> {
    let bounds = Some(&chains.bounds);
    let fit = |s: &WeightedSamples, sd: u64| fit_named(estimator, s, bounds, sd);
    let (pa, pb, prior): (Box<dyn Estimator>, Box<dyn Estimator>, Box<dyn Estimator>) = (
        fit(chains.experiment(a)?, seed)?,
        fit(chains.experiment(b)?, child_seed(seed, 1))?,
        fit(&chains.prior, child_seed(seed, 3))?,
    );
    let product = JointPosterior::new(
        &*pa,
        &*pb,
        &*prior,
        &*pb,
        settings.n_importance,
        child_seed(seed, 11),
    )?;
    let names: Vec<String> = COSMO_PARAMS.iter().map(|s| s.to_string()).collect();
    let samples = product.samples(&*pb, settings.n_importance, child_seed(seed, 12), names)?;
    let cov = samples.covariance();
    let std = (0..cov.ncols()).map(|j| cov.get(j, j).sqrt()).collect();
    let jc = chains.experiment(joint)?;
    let fit_dyn = |s: &WeightedSamples, sd: u64| -> Result<Box<dyn Density>> {
        Ok(fit_named(estimator, s, bounds, sd)?)
    };
    let mut lp_chain = cross_fit_log_prob(&fit_dyn, jc, settings.folds, child_seed(seed, 13))?;
    let lp_rebuilt = product.log_prob(jc.values())?;
    // Where the rebuilt density is zero (an estimator of A, B or the prior is zero there) the
    // row is masked and counted in `n_nonfinite` rather than making the KL infinite.
    for (c, r) in lp_chain.iter_mut().zip(&lp_rebuilt) {
        if *r == f64::NEG_INFINITY {
            *c = f64::NAN;
        }
    }
    let kl = kl_bmd_chains(
        &lp_chain,
        &lp_rebuilt,
        jc.weights(),
        &jc.chain_runs(),
        settings.n_bootstrap,
        child_seed(seed, 14),
    )?;
    Ok(JointRebuilt {
        estimator: estimator.to_string(),
        seed,
        log_r: product.log_r(),
        mean: samples.mean(),
        std,
        ess: samples.ess(),
        kl_chain_vs_rebuilt: kl,
        draws: samples
            .values()
            .select_rows(&samples.resample_rows(5_000, child_seed(seed, 15))),
    })
}

/// `log R` combined over estimators and seeds: the mean over every fit, with an error that adds
/// in quadrature the mean importance-sampling variance, the mean variance over seeds within an
/// estimator, and the variance between the estimators' means (the estimator systematic).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CombinedLogR {
    /// Mean `log R`.
    pub log_r: f64,
    /// Total one-σ error.
    pub err: f64,
    /// The estimator systematic (standard deviation of the estimators' means).
    pub systematic: f64,
}

/// Combines [`JointRebuilt::log_r`] over estimators and seeds (see [`CombinedLogR`]).
pub fn combine_log_r(runs: &[JointRebuilt]) -> Result<CombinedLogR> {
    if runs.is_empty() {
        return Err(Error::invalid("runs", "no log R estimates to combine"));
    }
    let mut ests: Vec<&str> = runs.iter().map(|r| r.estimator.as_str()).collect();
    ests.dedup();
    let mut means = Vec::new();
    let mut within = Vec::new();
    for e in &ests {
        let v: Vec<f64> = runs
            .iter()
            .filter(|r| r.estimator == *e)
            .map(|r| r.log_r.log_value)
            .collect();
        means.push(v.iter().sum::<f64>() / v.len() as f64);
        within.push(std_dev(&v).powi(2));
    }
    let n = runs.len() as f64;
    let is2 = runs
        .iter()
        .map(|r| r.log_r.log_value_err.powi(2))
        .sum::<f64>()
        / n;
    let systematic = std_dev(&means);
    let log_r = means.iter().sum::<f64>() / means.len() as f64;
    let within2 = within.iter().sum::<f64>() / within.len() as f64;
    Ok(CombinedLogR {
        log_r,
        err: (is2 + within2 + systematic * systematic).sqrt(),
        systematic,
    })
}

impl ExperimentStats {
    /// The combined `D` and `d`.
    pub fn combined(&self) -> MarginalStats {
        self.spread.combined
    }
}
