//! The DES Y1 / Planck 2018 analysis on the real chains (issue 4): marginal KL and BMD of each
//! experiment over the six ΛCDM parameters against the prior (fitted from the prior chain), and
//! the joint posterior `P_DES P_Planck / (π R)` compared with the joint Planck+DES chain.
//!
//! The chains are the tensiometer test chains (see `shared/data/cosmology_chains/README.md`);
//! they are found through [`chains_dir`].

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::divergence::{kl_bmd, MarginalStats};
use super::evidence::IsEstimate;
use super::joint::JointPosterior;
use super::spread::{spread_over_seeds, PriorSpec, SpreadStats};
use crate::density::Density;
use crate::error::Result;
use crate::fit::Fit;
use crate::rng::child_seed;
use crate::samples::{read_chain_full, WeightedSamples};
use crate::transform::Bounds;

/// The six sampled ΛCDM parameters.
pub const COSMO_PARAMS: [&str; 6] = ["omegabh2", "omegach2", "theta", "tau", "logA", "ns"];

/// The chains folder: `$MARGFLOW_CHAINS`, else `../shared/data/cosmology_chains` next to the
/// crate root; `None` (print a skip message) when neither exists.
pub fn chains_dir() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("MARGFLOW_CHAINS") {
        let p = PathBuf::from(p);
        return p.is_dir().then_some(p);
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/cosmology_chains");
    p.is_dir().then_some(p)
}

/// Settings of [`des_planck`].
#[derive(Debug, Clone)]
pub struct CosmologyConfig {
    /// Seeds of the independently trained estimators (the spread gives an error bar).
    pub seeds: Vec<u64>,
    /// Bootstrap resamples per estimator.
    pub n_bootstrap: usize,
    /// Importance-sampling draws for `log R` and the joint-posterior moments.
    pub n_importance: usize,
}

impl Default for CosmologyConfig {
    /// Three seeds, 200 bootstrap resamples, 100,000 importance draws.
    fn default() -> Self {
        Self {
            seeds: vec![1, 2, 3],
            n_bootstrap: 200,
            n_importance: 100_000,
        }
    }
}

/// The results of [`des_planck`].
#[derive(Debug, Clone, Serialize)]
pub struct CosmologySummary {
    /// The parameters analysed.
    pub params: Vec<String>,
    /// The box every estimator was fitted on.
    pub bounds_lo: Vec<f64>,
    /// Upper corner of that box.
    pub bounds_hi: Vec<f64>,
    /// Kish effective sample sizes of the DES, Planck, joint and prior chains.
    pub ess: [f64; 4],
    /// DES Y1 against the prior.
    pub des: SpreadStats,
    /// Planck 2018 against the prior.
    pub planck: SpreadStats,
    /// The joint chain against the prior.
    pub joint_chain: SpreadStats,
    /// `log R = log ∫ P_DES P_Planck / π` (first seed's estimators, Planck as proposal).
    pub log_r: IsEstimate,
    /// Means of `P_DES P_Planck / (π R)` (importance-sampled).
    pub product_mean: Vec<f64>,
    /// Means of the joint chain.
    pub chain_mean: Vec<f64>,
    /// Standard deviations of the product posterior.
    pub product_std: Vec<f64>,
    /// Standard deviations of the joint chain.
    pub chain_std: Vec<f64>,
    /// Correlation matrices (row-major 6 × 6) of the product and of the joint chain.
    pub product_corr: Vec<f64>,
    /// Correlation matrix of the joint chain.
    pub chain_corr: Vec<f64>,
    /// Kish ESS of the product-posterior importance weights.
    pub product_ess: f64,
    /// `KL(joint chain ‖ product) = E_chain[log P̂_chain − log P_AB]`, evaluated on the joint
    /// chain's samples.
    pub kl_chain_vs_product: MarginalStats,
}

fn std_corr(s: &WeightedSamples) -> (Vec<f64>, Vec<f64>) {
    let c = s.covariance();
    let d = s.dim();
    let sd: Vec<f64> = (0..d).map(|j| c.get(j, j).sqrt()).collect();
    let corr = (0..d * d)
        .map(|k| c.get(k / d, k % d) / (sd[k / d] * sd[k % d]))
        .collect();
    (sd, corr)
}

/// Runs the analysis with estimator `config` on the chains in `dir` (see the module docs).
///
/// The box is the prior chain's range widened as in [`Bounds::from_samples`], enlarged to hold
/// every posterior sample, so that all estimators share one box and the prior covers the
/// posteriors.
pub fn des_planck<F: Fit>(
    config: &F,
    dir: &Path,
    settings: &CosmologyConfig,
) -> Result<CosmologySummary>
where
    F::Model: 'static,
{
    let read = |name: &str| -> Result<WeightedSamples> {
        read_chain_full(dir.join(name), None)?
            .samples
            .select(&COSMO_PARAMS)
    };
    let des = read("DES")?;
    let planck = read("Planck18TTTEEE")?;
    let joint = read("Planck18TTTEEE_DES")?;
    let prior = read("prior")?;
    let pb = Bounds::from_samples(&prior)?;
    let (mut lo, mut hi) = (pb.lo().to_vec(), pb.hi().to_vec());
    for s in [&des, &planck, &joint] {
        let b = Bounds::from_samples(s)?;
        for j in 0..lo.len() {
            lo[j] = lo[j].min(b.lo()[j]);
            hi[j] = hi[j].max(b.hi()[j]);
        }
    }
    let bounds = Bounds::new(lo.clone(), hi.clone())?;
    let nb = settings.n_bootstrap;
    let des_s = spread_over_seeds(
        config,
        &des,
        PriorSpec::Samples(&prior),
        Some(&bounds),
        &settings.seeds,
        nb,
    )?;
    let planck_s = spread_over_seeds(
        config,
        &planck,
        PriorSpec::Samples(&prior),
        Some(&bounds),
        &settings.seeds,
        nb,
    )?;
    let joint_s = spread_over_seeds(
        config,
        &joint,
        PriorSpec::Samples(&prior),
        Some(&bounds),
        &settings.seeds,
        nb,
    )?;

    let seed = settings.seeds[0];
    let p_des = config.fit(&des, Some(&bounds), seed)?;
    let p_planck = config.fit(&planck, Some(&bounds), seed)?;
    let p_prior = config.fit(&prior, Some(&bounds), child_seed(seed, 3))?;
    let p_joint = config.fit(&joint, Some(&bounds), seed)?;
    let product = JointPosterior::new(
        &p_des,
        &p_planck,
        &p_prior,
        &p_planck,
        settings.n_importance,
        child_seed(seed, 11),
    )?;
    let names: Vec<String> = COSMO_PARAMS.iter().map(|s| s.to_string()).collect();
    let product_samples = product.samples(
        &p_planck,
        settings.n_importance,
        child_seed(seed, 12),
        names.clone(),
    )?;
    let (product_std, product_corr) = std_corr(&product_samples);
    let (chain_std, chain_corr) = std_corr(&joint);
    let lp_chain = p_joint.log_prob(joint.values())?;
    let lp_product = product.log_prob(joint.values())?;
    let kl_chain_vs_product = kl_bmd(
        &lp_chain,
        &lp_product,
        joint.weights(),
        nb,
        child_seed(seed, 13),
    )?;
    Ok(CosmologySummary {
        params: names,
        bounds_lo: lo,
        bounds_hi: hi,
        ess: [des.ess(), planck.ess(), joint.ess(), prior.ess()],
        des: des_s,
        planck: planck_s,
        joint_chain: joint_s,
        log_r: product.log_r(),
        product_mean: product_samples.mean(),
        chain_mean: joint.mean(),
        product_std,
        chain_std,
        product_corr,
        chain_corr,
        product_ess: product_samples.ess(),
        kl_chain_vs_product,
    })
}
