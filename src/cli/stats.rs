//! `margflow stats`: marginal KL divergence and Bayesian model dimensionality of a posterior
//! chain against a prior (a prior chain or a box), with error bars from a bootstrap and from
//! estimators trained with different seeds. The posterior estimators are cross-fitted
//! ([`cross_fit_chain_stats`]): no sample is scored by an estimator fitted to it. For MCMC
//! chains (a getdist root) whole chains go into the folds and the errors come from blocks of
//! rows, which account for their correlation.

use std::path::PathBuf;

use rayon::prelude::*;
use serde::Serialize;

use crate::density::{Density, UniformBox};
use crate::error::{Error, Result};
use crate::rng::child_seed;
use crate::samples::{read_chain_full, Chain, WeightedSamples};
use crate::stats::divergence::std_dev;
use crate::stats::estimators::fit_named;
use crate::stats::mcmc::{samples_autocorr_time, thinning_factor, ChainStats};
use crate::stats::{combine, cross_fit_chain_stats, SpreadStats};
use crate::transform::Bounds;

/// Arguments of `margflow stats`.
#[derive(Debug, Clone, clap::Args)]
pub struct StatsArgs {
    /// Posterior samples: a CSV with a header, or any chain format (getdist, Cobaya,
    /// PolyChord, MultiNest or NestedFit root, parquet, HDF5).
    #[arg(long)]
    pub posterior: PathBuf,
    /// Prior samples (any format), fitted with the same estimator.
    #[arg(long, conflicts_with = "prior_box")]
    pub prior: Option<PathBuf>,
    /// A uniform prior box `lo:hi,lo:hi,…`, one entry per parameter (may start with `-`).
    /// The posterior estimators are then fitted in this box.
    #[arg(long, allow_hyphen_values = true)]
    pub prior_box: Option<String>,
    /// Limits to fit the estimators in, with `--prior`: `lo:hi,…` with an empty side for no
    /// limit (`0:,:,-1:1`), or `kish` for the Kish-widened range of the samples. Default: the
    /// chains' `.ranges` (or Cobaya priors) where they list the parameters, else no limits.
    #[arg(long, allow_hyphen_values = true, conflicts_with = "prior_box")]
    pub bounds: Option<String>,
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
    ///
    /// Several, comma separated (`maf,kde,piecewise-maf`), are run side by side; their spread
    /// is then reported as the estimator systematic.
    #[arg(long, default_value = "maf")]
    pub estimator: String,
    /// Thinning of MCMC chains (getdist roots) before fitting: `auto` keeps every `k`-th row of
    /// each chain with `k` a quarter of the chains' largest integrated autocorrelation time,
    /// which keeps nearly all of their information and divides the cost by `k`; a number
    /// keeps every that many rows; `1` keeps every row. Weights are kept. Other samples are
    /// thinned only by a number.
    #[arg(long, default_value = "auto")]
    pub thin: String,
    /// Burn-in removed from the start of each chain (posterior and prior) before anything else: a fraction of its
    /// rows (`0.3`, as GetDist's `ignore_rows`) or a whole number of rows. MCMC samplers such as
    /// Cobaya keep their burn-in in the chain files; leaving it in biases the statistics.
    #[arg(long, default_value_t = 0.0)]
    pub burn_in: f64,
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
    let names: Vec<&str> = args.estimator.split(',').map(str::trim).collect();
    let mut results = Vec::new();
    for name in &names {
        let one = StatsArgs {
            estimator: name.to_string(),
            ..args.clone()
        };
        let (spread, params, chains) = compute_with_chains(&one)?;
        print!("{}", render(&one, &spread, &params)?);
        if let (Some(c), false) = (chains, args.json) {
            println!(
                "MCMC: {} chains, folds of whole chains; errors from blocks of {} rows (τ = {:.1} rows); a bootstrap over independent rows would give ±{:.4} and ±{:.4}",
                c.n_chains, c.block_len, c.tau, c.naive_err.0, c.naive_err.1
            );
        }
        results.push(spread.combined);
    }
    if results.len() > 1 {
        print!("{}", render_systematic(args.json, &names, &results)?);
    }
    Ok(())
}

/// Several estimators side by side: the mean of their `D` and `d`, the statistical error
/// (root mean square of theirs) and the estimator systematic (their standard deviation).
#[derive(Debug, Serialize)]
struct Systematic<'a> {
    estimators: &'a [&'a str],
    kl: f64,
    kl_stat_err: f64,
    kl_systematic: f64,
    bmd: f64,
    bmd_stat_err: f64,
    bmd_systematic: f64,
}

/// The summary line (or JSON object) of several estimators (see [`Systematic`]).
pub fn render_systematic(
    json: bool,
    names: &[&str],
    results: &[crate::stats::MarginalStats],
) -> Result<String> {
    let n = results.len() as f64;
    let mean =
        |f: &dyn Fn(&crate::stats::MarginalStats) -> f64| results.iter().map(f).sum::<f64>() / n;
    let kls: Vec<f64> = results.iter().map(|r| r.kl).collect();
    let bmds: Vec<f64> = results.iter().map(|r| r.bmd).collect();
    let s = Systematic {
        estimators: names,
        kl: mean(&|r| r.kl),
        kl_stat_err: mean(&|r| r.kl_err * r.kl_err).sqrt(),
        kl_systematic: std_dev(&kls),
        bmd: mean(&|r| r.bmd),
        bmd_stat_err: mean(&|r| r.bmd_err * r.bmd_err).sqrt(),
        bmd_systematic: std_dev(&bmds),
    };
    if json {
        let j = serde_json::to_string(&s).map_err(|e| Error::invalid("json", e.to_string()))?;
        return Ok(format!("{j}\n"));
    }
    Ok(format!(
        "estimators {} side by side:\n  D = {:.4} ± {:.4} (stat) ± {:.4} (estimator systematic)\n  d = {:.4} ± {:.4} (stat) ± {:.4} (estimator systematic)\n",
        names.join(", "),
        s.kl,
        s.kl_stat_err,
        s.kl_systematic,
        s.bmd,
        s.bmd_stat_err,
        s.bmd_systematic
    ))
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
    let (spread, params, _) = compute_with_chains(args)?;
    Ok((spread, params))
}

/// [`compute`], and for MCMC chains (a getdist root) the first estimator's error details:
/// block length, autocorrelation time and the naive errors ([`ChainStats`]).
pub fn compute_with_chains(
    args: &StatsArgs,
) -> Result<(SpreadStats, Vec<String>, Option<ChainStats>)> {
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
    let post = thin(
        pick(&post_chain, &params)?
            .burn_in(args.burn_in)
            .map_err(|e| Error::invalid("--burn-in", e.to_string()))?,
        &args.thin,
    )?;
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
    // The prior: a uniform box (the posterior estimators are fitted in it), or samples fitted
    // with the same estimator as the posterior, in the limits `fit_bounds` resolves.
    let (bounds, prior) = match (prior_box, &prior_chain) {
        (Some(b), _) => (Some(b.clone()), Prior::Box(UniformBox::new(b)?)),
        (None, Some(pc)) => {
            let ps = thin(
                pick(pc, &params)?
                    .burn_in(args.burn_in)
                    .map_err(|e| Error::invalid("--burn-in", e.to_string()))?,
                &args.thin,
            )?;
            let b = super::fit_bounds(
                args.bounds.as_deref(),
                &[pc, &post_chain],
                &[&ps, &post],
                &params,
            )?;
            (b, Prior::Samples(ps))
        }
        // The uniform prior the chain's files record (getdist `.ranges`, Cobaya's
        // `.updated.yaml`, NestedFit's `.ranges`), opened by a hair as above.
        (None, None) => match post_chain.bounds(&params).filter(|b| b.is_finite()) {
            Some(b) => {
                eprintln!(
                    "prior: uniform on the ranges recorded with {} ({}); give --prior or --prior-box to use another",
                    args.posterior.display(),
                    params
                        .iter()
                        .zip(b.lo().iter().zip(b.hi()))
                        .map(|(p, (l, h))| format!("{p} {l}:{h}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                let b = b.widened(1e-9)?;
                (Some(b.clone()), Prior::Box(UniformBox::new(b)?))
            }
            None => {
                let missing: Vec<&str> = params
                    .iter()
                    .filter(|p| {
                        post_chain
                            .ranges
                            .as_ref()
                            .and_then(|r| r.get(p))
                            .is_none_or(|(l, h)| l.is_none() || h.is_none())
                    })
                    .map(String::as_str)
                    .collect();
                return Err(Error::invalid(
                    "--prior",
                    format!(
                        "{} records no uniform prior for {}; give one: --prior FILE (samples of the prior) or --prior-box lo:hi,… (one entry for each of {})",
                        args.posterior.display(),
                        missing.join(", "),
                        params.join(", ")
                    ),
                ));
            }
        },
    };
    // The estimators of different seeds are independent: they train in parallel (each seed's
    // folds too), and each result depends on its seed alone, so the output does not depend on
    // the number of threads.
    let per_seed: Vec<ChainStats> = (0..args.n_estimators as u64)
        .into_par_iter()
        .map(|k| {
            let seed = child_seed(args.seed, k);
            let prior: Box<dyn Density> = match &prior {
                Prior::Samples(ps) => {
                    fit_named(&args.estimator, ps, bounds.as_ref(), child_seed(seed, 3))?
                }
                Prior::Box(u) => Box::new(u.clone()),
            };
            let fit = |s: &WeightedSamples, sd: u64| -> Result<Box<dyn Density>> {
                Ok(fit_named(&args.estimator, s, bounds.as_ref(), sd)?)
            };
            cross_fit_chain_stats(
                &fit,
                &*prior,
                &post,
                args.folds,
                args.bootstrap,
                child_seed(seed, 7),
            )
        })
        .collect::<Result<_>>()?;
    let chains = (post.chain_ids().is_some()).then(|| per_seed[0]);
    Ok((
        combine(per_seed.iter().map(|c| c.stats).collect()),
        params,
        chains,
    ))
}

/// The prior of `margflow stats`.
enum Prior {
    /// A uniform box (`--prior-box`).
    Box(UniformBox),
    /// Prior samples (`--prior`), fitted with the posterior's estimator.
    Samples(WeightedSamples),
}

/// Applies `--thin` (see [`StatsArgs::thin`]).
fn thin(samples: WeightedSamples, rule: &str) -> Result<WeightedSamples> {
    let k = match rule {
        "auto" if samples.chain_ids().is_some() => thinning_factor(samples_autocorr_time(&samples)),
        "auto" => 1,
        other => other
            .parse::<usize>()
            .ok()
            .filter(|k| *k >= 1)
            .ok_or_else(|| {
                Error::invalid(
                    "--thin",
                    format!("`{other}`: give `auto` or a whole number of rows >= 1"),
                )
            })?,
    };
    if k == 1 {
        Ok(samples)
    } else {
        samples.thin(k)
    }
}
