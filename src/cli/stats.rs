//! `margflow stats`: marginal KL divergence and Bayesian model dimensionality of a posterior
//! chain against a prior (a prior chain or a box), with error bars from a bootstrap and from
//! estimators trained with different seeds. The posterior estimators are cross-fitted
//! ([`cross_fit_stats`]): no sample is scored by an estimator fitted to it.

use std::path::PathBuf;

use serde::Serialize;

use crate::density::{Density, UniformBox};
use crate::error::{Error, Result};
use crate::rng::child_seed;
use crate::samples::{read_chain_full, Chain, WeightedSamples};
use crate::stats::estimators::fit_named;
use crate::stats::{combine, cross_fit_stats, SpreadStats};
use crate::transform::Bounds;

/// Arguments of `margflow stats`.
#[derive(Debug, Clone, clap::Args)]
pub struct StatsArgs {
    /// Posterior samples: a CSV with a header, or any chain format (getdist root, PolyChord,
    /// MultiNest, parquet, HDF5).
    #[arg(long)]
    pub posterior: PathBuf,
    /// Prior samples (any format), fitted with the same estimator.
    #[arg(long, conflicts_with = "prior_box")]
    pub prior: Option<PathBuf>,
    /// A uniform prior box `lo:hi,lo:hi,…`, one entry per parameter (may start with `-`).
    #[arg(long, allow_hyphen_values = true)]
    pub prior_box: Option<String>,
    /// Parameters to analyse, comma separated (default: every non-derived parameter).
    #[arg(long, value_delimiter = ',')]
    pub params: Option<Vec<String>>,
    /// Weight column of CSV / parquet / HDF5 input (default `weight` if present).
    #[arg(long)]
    pub weights_column: Option<String>,
    /// Density estimator: `maf` (the default), `kde`, `piecewise-maf`, `piecewise-kde`, or
    /// `gaussian`, a moment-matched multivariate normal that is fast but assumes the posterior
    /// (and a sampled prior) is Gaussian: it is wrong for curved, skewed or bounded densities,
    /// with error bars that do not show it.
    #[arg(long, default_value = "maf")]
    pub estimator: String,
    /// Cross-fitting folds: each posterior estimator is fitted on all folds but one and
    /// evaluated on the one left out, so that no sample is scored by an estimator fitted to it
    /// (at least 2).
    #[arg(long, default_value_t = 2)]
    pub folds: usize,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Number of estimators trained with different seeds (their spread is part of the error).
    #[arg(long, default_value_t = 3)]
    pub n_estimators: usize,
    /// Bootstrap resamples per estimator.
    #[arg(long, default_value_t = 200)]
    pub bootstrap: usize,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// The JSON output.
#[derive(Debug, Serialize)]
struct Report<'a> {
    kl: f64,
    kl_err: f64,
    bmd: f64,
    bmd_err: f64,
    n_nonfinite: usize,
    n_used: usize,
    kl_seed_std: f64,
    bmd_seed_std: f64,
    n_estimators: usize,
    folds: usize,
    estimator: &'a str,
    params: &'a [String],
}

/// Reads the inputs, fits and prints (see [`StatsArgs`]).
pub fn run(args: &StatsArgs) -> Result<()> {
    let (spread, params) = compute(args)?;
    print!("{}", render(args, &spread, &params)?);
    Ok(())
}

/// The text `run` prints: a table, or with `--json` one JSON object and a newline.
pub fn render(args: &StatsArgs, spread: &SpreadStats, params: &[String]) -> Result<String> {
    use std::fmt::Write;
    let c = spread.combined;
    let mut out = String::new();
    let w = |e: std::fmt::Error| Error::invalid("output", e.to_string());
    if args.json {
        let r = Report {
            kl: c.kl,
            kl_err: c.kl_err,
            bmd: c.bmd,
            bmd_err: c.bmd_err,
            n_nonfinite: c.n_nonfinite,
            n_used: c.n_used,
            kl_seed_std: spread.kl_seed_std,
            bmd_seed_std: spread.bmd_seed_std,
            n_estimators: spread.per_seed.len(),
            folds: args.folds,
            estimator: &args.estimator,
            params,
        };
        let j = serde_json::to_string(&r).map_err(|e| Error::invalid("json", e.to_string()))?;
        writeln!(out, "{j}").map_err(w)?;
    } else {
        writeln!(out, "parameters: {}", params.join(", ")).map_err(w)?;
        writeln!(
            out,
            "estimator: {} ({} seeds, {}-fold cross-fitting, {} bootstrap resamples each)",
            args.estimator,
            spread.per_seed.len(),
            args.folds,
            args.bootstrap
        )
        .map_err(w)?;
        writeln!(out, "{:<26} {:>10} {:>10}", "statistic", "value", "error").map_err(w)?;
        writeln!(
            out,
            "{:<26} {:>10.4} {:>10.4}",
            "KL divergence D (nats)", c.kl, c.kl_err
        )
        .map_err(w)?;
        writeln!(
            out,
            "{:<26} {:>10.4} {:>10.4}",
            "model dimensionality d", c.bmd, c.bmd_err
        )
        .map_err(w)?;
        writeln!(
            out,
            "samples used {}, masked non-finite {}",
            c.n_used, c.n_nonfinite
        )
        .map_err(w)?;
    }
    Ok(out)
}

fn pick(chain: &Chain, params: &[String]) -> Result<WeightedSamples> {
    chain.samples.select(params)
}

/// The statistics of `args`, and the parameters used.
pub fn compute(args: &StatsArgs) -> Result<(SpreadStats, Vec<String>)> {
    if args.n_estimators == 0 {
        return Err(Error::invalid(
            "--n-estimators",
            "train at least one estimator",
        ));
    }
    let wcol = args.weights_column.as_deref();
    let post_chain = read_chain_full(&args.posterior, wcol)?;
    let params = match &args.params {
        Some(p) => p.clone(),
        None => post_chain.sampled_names(),
    };
    let post = pick(&post_chain, &params)?;
    let prior_chain = match &args.prior {
        Some(p) => Some(read_chain_full(p, wcol)?),
        None => None,
    };
    let prior_box = match &args.prior_box {
        Some(t) => {
            let b = Bounds::parse(t).map_err(|e| Error::invalid("--prior-box", e.to_string()))?;
            if b.dim() != params.len() {
                return Err(Error::invalid(
                    "--prior-box",
                    format!(
                        "{} entries for {} parameters ({})",
                        b.dim(),
                        params.len(),
                        params.join(",")
                    ),
                ));
            }
            Some(b)
        }
        None => None,
    };
    let (bounds, prior_samples) = match (&prior_box, &prior_chain) {
        (Some(b), _) => (b.clone(), None),
        (None, Some(pc)) => {
            let ps = pick(pc, &params)?;
            // Hard prior limits from a `.ranges` file, opened by a hair: samplers write points
            // exactly on a limit, and the Gaussianising map needs them strictly inside.
            let b = pc
                .bounds(&params)
                .or_else(|| post_chain.bounds(&params))
                .map(|b| widen(&b, 1e-9))
                .transpose()?;
            let b = match b {
                Some(b) => b,
                None => union(&[&Bounds::from_samples(&ps)?, &Bounds::from_samples(&post)?])?,
            };
            (b, Some(ps))
        }
        (None, None) => {
            return Err(Error::invalid(
                "--prior",
                "give a prior: --prior FILE or --prior-box lo:hi,…",
            ))
        }
    };
    let mut per_seed = Vec::with_capacity(args.n_estimators);
    for k in 0..args.n_estimators as u64 {
        let seed = child_seed(args.seed, k);
        let prior: Box<dyn Density> = match &prior_samples {
            Some(ps) => fit_named(&args.estimator, ps, Some(&bounds), child_seed(seed, 3))?,
            None => Box::new(UniformBox::new(bounds.clone())),
        };
        let fit = |s: &WeightedSamples, sd: u64| -> Result<Box<dyn Density>> {
            Ok(fit_named(&args.estimator, s, Some(&bounds), sd)?)
        };
        per_seed.push(cross_fit_stats(
            &fit,
            &*prior,
            &post,
            args.folds,
            args.bootstrap,
            child_seed(seed, 7),
        )?);
    }
    Ok((combine(per_seed), params))
}

/// `b` widened by `frac` of its width on each side.
fn widen(b: &Bounds, frac: f64) -> Result<Bounds> {
    let w: Vec<f64> = b
        .lo()
        .iter()
        .zip(b.hi())
        .map(|(l, h)| (h - l) * frac)
        .collect();
    Bounds::new(
        b.lo().iter().zip(&w).map(|(l, w)| l - w).collect(),
        b.hi().iter().zip(&w).map(|(h, w)| h + w).collect(),
    )
}

/// The smallest box holding all the given boxes.
fn union(boxes: &[&Bounds]) -> Result<Bounds> {
    let mut lo = boxes[0].lo().to_vec();
    let mut hi = boxes[0].hi().to_vec();
    for b in &boxes[1..] {
        for j in 0..lo.len() {
            lo[j] = lo[j].min(b.lo()[j]);
            hi[j] = hi[j].max(b.hi()[j]);
        }
    }
    Bounds::new(lo, hi)
}
