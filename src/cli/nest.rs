//! `margflow nest`: nested sampling of a built-in test problem, writing PolyChord files.

use std::path::PathBuf;

use crate::nested::problems::problem_by_name;
use crate::nested::{sample, write_polychord, NestedConfig};

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
    /// Stop when the live points hold less than this fraction of the evidence.
    #[arg(long, default_value_t = 1e-3)]
    pub precision: f64,
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
}

/// Runs `margflow nest`.
pub fn run(args: &NestArgs) -> crate::Result<()> {
    let problem = problem_by_name(&args.problem)?;
    let mut cfg = NestedConfig::new()
        .n_live(args.n_live)
        .precision(args.precision)
        .batch(args.batch)
        .seed(args.seed)
        .progress(!args.quiet);
    if let Some(r) = args.n_repeats {
        cfg = cfg.n_repeats(r);
    }
    if let Some(m) = args.max_calls {
        cfg = cfg.max_calls(m);
    }
    let run = sample(&problem, &problem.prior(), &cfg)?;
    write_polychord(&run, &args.output)?;
    let truth = problem.log_z();
    println!("problem      {}", problem.name());
    println!(
        "log Z        {:.4} ± {:.4}   (true {:.4}, {:+.2} σ)",
        run.log_z(),
        run.log_z_err(),
        truth,
        (run.log_z() - truth) / run.log_z_err()
    );
    println!(
        "D_KL         {:.3} ± {:.3}{}",
        run.kl().mean,
        run.kl().sd,
        problem
            .kl()
            .map(|k| format!("   (true {k:.3})"))
            .unwrap_or_default()
    );
    println!(
        "d_G          {:.2} ± {:.2}{}",
        run.bmd().mean,
        run.bmd().sd,
        problem
            .bmd()
            .map(|k| format!("   (true {k:.0})"))
            .unwrap_or_default()
    );
    println!(
        "calls        {}   (NaN: {}, stop: {:?})",
        run.calls(),
        run.nan_calls(),
        run.stop_reason()
    );
    println!(
        "dead points  {}   clusters {}",
        run.n_dead(),
        run.n_clusters()
    );
    println!(
        "written      {}.{{txt,_dead-birth.txt,paramnames,stats}}",
        args.output.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(problem: &str, output: PathBuf) -> NestArgs {
        NestArgs {
            problem: problem.into(),
            n_live: 50,
            n_repeats: None,
            precision: 1e-3,
            batch: 4,
            max_calls: None,
            seed: 1,
            output,
            quiet: true,
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
}
