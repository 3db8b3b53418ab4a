//! `margflow train`: fit an estimator to weighted samples and save it.

use std::path::PathBuf;

use clap::Args;

use crate::cluster::ClusterConfig;
use crate::error::Result;
use crate::flow::MafConfig;
use crate::kde::{Bandwidth, KdeConfig};
use crate::model::{fit_any, EstimatorKind, FitOptions};
use crate::samples::read_chain_full;

/// Fit a density estimator to the parameters of a samples file and save the model directory.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Samples: a CSV file with a header row (one column per parameter, optionally a weights
    /// column), or a chain (getdist, Cobaya, PolyChord, MultiNest or NestedFit root, parquet,
    /// HDF5).
    #[arg(long)]
    pub input: PathBuf,
    /// Directory to write the model to (model.yaml + weights.safetensors).
    #[arg(long)]
    pub output: PathBuf,
    /// Comma-separated parameters to keep (default: every column but the weights).
    #[arg(long, value_delimiter = ',')]
    pub params: Option<Vec<String>>,
    /// Column holding the weights (default: `weight` or `weights` if present, else all 1).
    #[arg(long)]
    pub weights_column: Option<String>,
    /// Each parameter's limits, `lo:hi,lo:hi,...`, with an empty side for no limit
    /// (`0:,:,-1:1`: positive, unbounded, in (−1, 1)); or `kish` for the Kish-widened sample
    /// range (margarine's default: the density is zero beyond it). Default: the chain's
    /// `.ranges` (or Cobaya priors) where they list the parameters, else no limits. Pass the
    /// true prior limits when the model will be compared with the prior.
    #[arg(long, allow_hyphen_values = true)]
    pub bounds: Option<String>,
    /// Which estimator to fit.
    #[arg(long, value_enum, default_value = "maf")]
    pub estimator: EstimatorKind,
    /// Seed for every random choice (same seed, same model).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Number of MADEs in the flow.
    #[arg(long, default_value_t = 6)]
    pub n_mades: usize,
    /// Hidden layer widths, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = vec![50, 50])]
    pub hidden: Vec<usize>,
    /// Adam learning rate.
    #[arg(long)]
    pub learning_rate: Option<f64>,
    /// Maximum number of training epochs.
    #[arg(long)]
    pub max_epochs: Option<usize>,
    /// Early-stopping patience, in epochs.
    #[arg(long)]
    pub patience: Option<usize>,
    /// KDE bandwidth: `scott`, `silverman`, `cv` (held-out likelihood) or a positive factor (kde, piecewise-kde).
    #[arg(long, default_value = "cv")]
    pub bandwidth: String,
    /// Fixed number of clusters (piecewise estimators; default: chosen by silhouette).
    #[arg(long, conflicts_with = "k_max")]
    pub k: Option<usize>,
    /// Largest number of clusters tried when k is chosen by silhouette (at least 2).
    #[arg(long, default_value_t = 20)]
    pub k_max: usize,
    /// Minimum cluster size, in Kish effective samples (lowers the chosen k).
    #[arg(long, default_value_t = 50.0)]
    pub min_cluster_size: f64,
    /// Hide the progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// The clustering of the piecewise estimators from the flags.
fn cluster_config(args: &TrainArgs) -> Result<ClusterConfig> {
    let c = ClusterConfig::new().min_cluster_size(args.min_cluster_size)?;
    match args.k {
        Some(k) => c.k(k),
        None => c.k_max(args.k_max),
    }
}

/// Runs `margflow train`.
pub fn run(args: &TrainArgs) -> Result<()> {
    let chain = read_chain_full(&args.input, args.weights_column.as_deref())?;
    let samples = match &args.params {
        Some(p) => chain.samples.select(p)?,
        None => chain.samples.clone(),
    };
    let bounds = super::fit_bounds(
        args.bounds.as_deref(),
        &[&chain],
        &[&samples],
        samples.names(),
    )?;
    let mut b = MafConfig::builder()
        .n_mades(args.n_mades)
        .hidden(args.hidden.clone())
        .progress(!args.quiet);
    if let Some(lr) = args.learning_rate {
        b = b.learning_rate(lr);
    }
    if let Some(e) = args.max_epochs {
        b = b.max_epochs(e);
    }
    if let Some(p) = args.patience {
        b = b.patience(p);
    }
    let options = FitOptions {
        maf: b.build()?,
        kde: KdeConfig::new().bandwidth(args.bandwidth.parse::<Bandwidth>()?)?,
        clusters: cluster_config(args)?,
    };
    let model = fit_any(
        args.estimator,
        &options,
        &samples,
        bounds.as_ref(),
        args.seed,
    )?;
    model.save(&args.output)?;
    if !args.quiet {
        eprintln!(
            "trained {:?} on {} samples (Kish n_eff {:.0}) of [{}] in {}; saved to {}",
            args.estimator,
            samples.len(),
            samples.ess(),
            samples.names().join(", "),
            describe_bounds(bounds.as_ref(), samples.names()),
            args.output.display()
        );
    }
    Ok(())
}

/// The limits in words: `0 < a < 1, b > 0`, or `no limits`.
fn describe_bounds(bounds: Option<&crate::Bounds>, names: &[String]) -> String {
    use crate::Side;
    let Some(b) = bounds else {
        return "no limits".into();
    };
    let parts: Vec<String> = names
        .iter()
        .enumerate()
        .filter_map(|(j, n)| {
            let (lo, hi) = (b.lo()[j], b.hi()[j]);
            match b.side(j) {
                Side::Both => Some(format!("{lo} < {n} < {hi}")),
                Side::Lower => Some(format!("{n} > {lo}")),
                Side::Upper => Some(format!("{n} < {hi}")),
                Side::Neither => None,
            }
        })
        .collect();
    if parts.is_empty() {
        "no limits".into()
    } else {
        format!("limits {}", parts.join(", "))
    }
}
