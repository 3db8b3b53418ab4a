//! `margflow nest`: nested sampling of a built-in test problem, writing PolyChord files; with
//! `--pipeline`, the enhanced pipeline (low-resolution run → fitted proposal → repartitioned
//! high-resolution run, [`crate::nested::enhanced`]) instead of one run.

use std::path::PathBuf;

use crate::fit::Fit;
use crate::flow::MafConfig;
use crate::nested::problems::{problem_by_name, TestProblem};
use crate::nested::{
    enhanced, sample, write_polychord, GaussianFit, GaussianMixtureFit, NestedConfig, NestedRun,
    PipelineConfig,
};

/// The proposal estimator of the enhanced pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Proposal {
    /// A masked autoregressive flow (unimodal posteriors).
    Maf,
    /// A Gaussian in the Gaussianised coordinates (near-Gaussian posteriors).
    Gaussian,
    /// A clustered Gaussian mixture (multimodal or curved posteriors).
    Mixture,
}

/// Runs the nested sampler on a built-in problem with a known evidence.
#[derive(Debug, clap::Args)]
pub struct NestArgs {
    /// Problem: gaussian-D, shells-D, eggbox or two-gaussians-D (D the dimension).
    #[arg(long, default_value = "gaussian-2")]
    pub problem: String,
    /// Number of live points.
    #[arg(long, default_value_t = 500)]
    pub n_live: usize,
    /// Slice steps per new point (default 5 × dimension).
    #[arg(long)]
    pub n_repeats: Option<usize>,
    /// Stop when the live points hold less than this fraction of the evidence (default 1e-3;
    /// with --pipeline, that of the high-resolution run, default 0.3).
    #[arg(long)]
    pub precision: Option<f64>,
    /// Points replaced in parallel per iteration.
    #[arg(long, default_value_t = 8)]
    pub batch: usize,
    /// Hard cap on likelihood calls.
    #[arg(long)]
    pub max_calls: Option<u64>,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output root: writes ROOT.txt, ROOT_dead-birth.txt, ROOT.paramnames, ROOT.stats.
    #[arg(long, default_value = "chains/nest")]
    pub output: PathBuf,
    /// Hide the progress display.
    #[arg(long)]
    pub quiet: bool,
    /// Run the enhanced pipeline with this proposal; --n-live is the high-resolution run's.
    #[arg(long, value_enum)]
    pub pipeline: Option<Proposal>,
    /// Live points of the pipeline's low-resolution run (about 20 per mode of the posterior).
    #[arg(long, default_value_t = 200)]
    pub n_live_low: usize,
}

/// Runs `margflow nest`.
pub fn run(args: &NestArgs) -> crate::Result<()> {
    let problem = problem_by_name(&args.problem)?;
    let mut cfg = NestedConfig::new()
        .n_live(args.n_live)
        .batch(args.batch)
        .seed(args.seed)
        .progress(!args.quiet);
    if let Some(r) = args.n_repeats {
        cfg = cfg.n_repeats(r);
    }
    if let Some(m) = args.max_calls {
        cfg = cfg.max_calls(m);
    }
    let (run, low_calls) = match args.pipeline {
        None => {
            let cfg = cfg.precision(args.precision.unwrap_or(1e-3));
            (sample(&problem, &problem.prior()?, &cfg)?, None)
        }
        Some(proposal) => {
            let def = PipelineConfig::default();
            let pc = PipelineConfig {
                low: def
                    .low
                    .clone()
                    .n_live(args.n_live_low)
                    .batch(args.batch)
                    .seed(args.seed)
                    .progress(!args.quiet),
                high: cfg
                    .precision(args.precision.unwrap_or(def.high.get_precision()))
                    .seed(crate::rng::child_seed(args.seed, 1)),
                ..def
            };
            let (low, high) = match proposal {
                Proposal::Maf => pipeline(
                    &problem,
                    &MafConfig::builder().progress(false).build()?,
                    &pc,
                )?,
                Proposal::Gaussian => pipeline(&problem, &GaussianFit::default(), &pc)?,
                Proposal::Mixture => pipeline(&problem, &GaussianMixtureFit::new(), &pc)?,
            };
            (high, Some(low))
        }
    };
    write_polychord(&run, &args.output)?;
    report(problem.as_ref(), &run, low_calls);
    println!(
        "written      {}.{{txt,_dead-birth.txt,paramnames,stats}}",
        args.output.display()
    );
    Ok(())
}

/// The pipeline's low-resolution run's calls and its high-resolution run. (`&Box`: the
/// likelihood trait is implemented for the boxed test problem.)
#[allow(clippy::borrowed_box)]
fn pipeline<F: Fit>(
    problem: &Box<dyn TestProblem>,
    fit: &F,
    pc: &PipelineConfig,
) -> crate::Result<(u64, NestedRun)> {
    let r = enhanced(problem, &problem.prior()?, &problem.bounds(), fit, pc)?;
    Ok((r.low.calls(), r.high))
}

/// Prints the run's evidence, divergence and dimensionality against the problem's truth.
fn report(problem: &dyn TestProblem, run: &NestedRun, low_calls: Option<u64>) {
    let truth = problem.log_z();
    println!("problem      {}", problem.name());
    println!(
        "log Z        {:.4} ± {:.4}   (true {:.4}, {:+.2} σ)",
        run.log_z(),
        run.log_z_err(),
        truth,
        (run.log_z() - truth) / run.log_z_err()
    );
    // A repartitioned run's D_KL and d_G are those of the posterior to the proposal.
    let of = if low_calls.is_some() {
        "   (to the proposal)"
    } else {
        ""
    };
    println!(
        "D_KL         {:.3} ± {:.3}{}",
        run.kl().mean,
        run.kl().sd,
        match (low_calls, problem.kl()) {
            (None, Some(k)) => format!("   (true {k:.3})"),
            _ => of.to_string(),
        }
    );
    println!(
        "d_G          {:.2} ± {:.2}{}",
        run.bmd().mean,
        run.bmd().sd,
        match (low_calls, problem.bmd()) {
            (None, Some(k)) => format!("   (true {k:.0})"),
            _ => of.to_string(),
        }
    );
    match low_calls {
        None => println!(
            "calls        {}   (NaN: {}, stop: {:?})",
            run.calls(),
            run.nan_calls(),
            run.stop_reason()
        ),
        Some(low) => println!(
            "calls        {}   (low-resolution {low}, high-resolution {}; NaN: {}, stop: {:?})",
            low + run.calls(),
            run.calls(),
            run.nan_calls(),
            run.stop_reason()
        ),
    }
    println!(
        "dead points  {}   clusters {}",
        run.n_dead(),
        run.n_clusters()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(problem: &str, output: PathBuf) -> NestArgs {
        NestArgs {
            problem: problem.into(),
            n_live: 50,
            n_repeats: None,
            precision: None,
            batch: 4,
            max_calls: None,
            seed: 1,
            output,
            quiet: true,
            pipeline: None,
            n_live_low: 200,
        }
    }

    #[test]
    fn nest_writes_polychord_files_and_rejects_unknown_problems() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("out/eggbox");
        run(&args("eggbox", root.clone())).unwrap();
        let back = crate::nested::read_polychord(&root, 100, 0).unwrap();
        assert!(
            (back.log_z() - crate::nested::problems::Eggbox::LOG_Z).abs() < 4.0 * back.log_z_err()
        );
        assert!(root.with_extension("stats").exists());
        assert!(matches!(
            run(&args("banana-3", root)),
            Err(crate::Error::InvalidArgument { .. })
        ));
    }

    #[test]
    fn nest_runs_the_pipeline_and_writes_the_high_resolution_run() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("pipe/two");
        let a = NestArgs {
            n_live: 300,
            pipeline: Some(Proposal::Mixture),
            ..args("two-gaussians-2", root.clone())
        };
        run(&a).unwrap();
        let back = crate::nested::read_polychord(&root, 100, 0).unwrap();
        let truth = -2.0 * std::f64::consts::LN_2;
        assert!((back.log_z() - truth).abs() < 4.0 * back.log_z_err());
    }
}
