//! Benchmarks of margflow's nested sampler: coverage, efficiency, parallel speed-up, and the
//! enhanced pipeline against a direct run. Prints tables.
//!
//! ```text
//! cargo run --release --example nested_bench -- [coverage|efficiency|speedup|pipeline|pipeline-coverage|reweight|dynesty|all] [seeds]
//! ```
//! `dynesty` prints margflow's side of the comparison with `benches/dynesty_gaussian.py`
//! (10-D Gaussian, n_live = 500, 50 slice steps). `MF_ONLY=NAME` runs one problem of the
//! coverage and pipeline tables; `MF_NOREJ=1` turns the rejection phase off; `MF_RPD=K` sets
//! `K` slice steps per dimension in the direct runs.

use std::time::Instant;

use margflow::nested::problems::{problem_by_name, CorrelatedGaussian, TestProblem};
use margflow::nested::{
    enhanced, reweight, sample, GaussianFit, GaussianMixtureFit, NestedConfig, NestedRun,
    PipelineConfig, ReweightConfig,
};

fn cfg(n_live: usize, seed: u64) -> NestedConfig {
    let c = NestedConfig::new()
        .n_live(n_live)
        .progress(false)
        .seed(seed)
        .rejection(std::env::var("MF_NOREJ").is_err());
    match std::env::var("MF_RPD") {
        Ok(r) => c.repeats_per_dimension(r.parse().expect("MF_RPD: an integer")),
        Err(_) => c,
    }
}

/// True when `MF_ONLY` names another problem than `name`.
fn skipped(name: &str) -> bool {
    std::env::var("MF_ONLY").is_ok_and(|o| o != name)
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = Instant::now();
    let r = f();
    (r, t.elapsed().as_secs_f64())
}

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let m = v.iter().sum::<f64>() / v.len() as f64;
    let s =
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() as f64 - 1.0).max(1.0)).sqrt();
    (m, s)
}

fn coverage(seeds: u64) {
    println!("\n## Coverage: truth within 2σ over {seeds} seeds (target ≥ 17/20)\n");
    println!("| problem | n_live | true log Z | mean log Z | scatter | mean σ | within 2σ | mean calls | s/run |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for (name, n_live) in [
        ("gaussian-2", 200),
        ("gaussian-5", 200),
        ("gaussian-10", 200),
        ("gaussian-20", 200),
        ("shells-2", 200),
        ("shells-5", 200),
        ("eggbox", 200),
        ("two-gaussians-2", 200),
        ("two-gaussians-5", 200),
    ] {
        if skipped(name) {
            continue;
        }
        let p = problem_by_name(name).unwrap();
        let (mut lz, mut err, mut calls, mut hits) = (vec![], vec![], vec![], 0);
        let (_, t) = timed(|| {
            for s in 0..seeds {
                let r = sample(&p, &p.prior().unwrap(), &cfg(n_live, 1000 + s)).unwrap();
                if (r.log_z() - p.log_z()).abs() <= 2.0 * r.log_z_err() {
                    hits += 1;
                }
                lz.push(r.log_z());
                err.push(r.log_z_err());
                calls.push(r.calls() as f64);
            }
        });
        let (m, sc) = mean_sd(&lz);
        println!(
            "| {name} | {n_live} | {:.3} | {m:.3} | {sc:.3} | {:.3} | {hits}/{seeds} | {:.0} | {:.2} |",
            p.log_z(),
            mean_sd(&err).0,
            mean_sd(&calls).0,
            t / seeds as f64
        );
    }
}

fn efficiency() {
    println!("\n## Efficiency: likelihood calls against n_live, d and D_KL (n_repeats = 5d)\n");
    println!("| d | n_live | D_KL (true) | D_KL (run) | calls | calls / (n_live (D_KL + 1) n_repeats) | s |");
    println!("|---|---|---|---|---|---|---|");
    for d in [2, 5, 10, 20] {
        for n_live in [100, 400] {
            let p = CorrelatedGaussian::standard(d).unwrap();
            let (r, t) = timed(|| sample(&p, &p.prior().unwrap(), &cfg(n_live, 7)).unwrap());
            let kl = p.kl().unwrap();
            println!(
                "| {d} | {n_live} | {kl:.2} | {:.2} ± {:.2} | {} | {:.2} | {t:.2} |",
                r.kl().mean,
                r.kl().sd,
                r.calls(),
                r.calls() as f64 / (n_live as f64 * (kl + 1.0) * 5.0 * d as f64)
            );
        }
    }
}

fn speedup() {
    println!("\n## Parallel speed-up (gaussian-10, n_live = 500, batch = 16; same seed)\n");
    println!("| threads | s | calls | log Z | identical to 1 thread |");
    println!("|---|---|---|---|---|");
    let p = CorrelatedGaussian::standard(10).unwrap();
    let c = cfg(500, 3).batch(16);
    let max = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let mut base: Option<(f64, NestedRun)> = None;
    let mut threads = vec![1, 2, 4, 8, 16];
    threads.retain(|&t| t <= max);
    for t in threads {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .unwrap();
        let (r, s) = timed(|| pool.install(|| sample(&p, &p.prior().unwrap(), &c).unwrap()));
        let same = base
            .as_ref()
            .map(|(_, b)| b.logl() == r.logl())
            .unwrap_or(true);
        let sp = base.as_ref().map(|(b, _)| b / s).unwrap_or(1.0);
        println!(
            "| {t} | {s:.2} (×{sp:.2}) | {} | {:.4} | {same} |",
            r.calls(),
            r.log_z()
        );
        if base.is_none() {
            base = Some((s, r));
        }
    }
}

fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A pipeline run, summarised.
struct PipelineRow {
    low: u64,
    high: u64,
    log_z: f64,
    err: f64,
}

/// Runs the pipeline with the proposal estimator `est` (`maf`, `mixture`, `gaussian`, `kde`,
/// `piecewise-maf`). (`&Box`: the likelihood trait is implemented for the boxed test problem.)
#[allow(clippy::borrowed_box)]
fn run_pipeline(
    est: &str,
    p: &Box<dyn TestProblem>,
    pc: &PipelineConfig,
) -> margflow::Result<PipelineRow> {
    fn go<F: margflow::Fit>(
        p: &Box<dyn TestProblem>,
        fit: &F,
        pc: &PipelineConfig,
    ) -> margflow::Result<PipelineRow> {
        let r = enhanced(p, &p.prior().unwrap(), &p.bounds(), fit, pc)?;
        Ok(PipelineRow {
            low: r.low.calls(),
            high: r.high.calls(),
            log_z: r.high.log_z(),
            err: r.high.log_z_err(),
        })
    }
    let maf = margflow::MafConfig::builder()
        .n_mades(4)
        .progress(false)
        .build()?;
    match est {
        "maf" => go(p, &maf, pc),
        "mixture" => go(p, &GaussianMixtureFit::new(), pc),
        "gaussian" => go(p, &GaussianFit::default(), pc),
        "kde" => go(p, &margflow::KdeConfig::new(), pc),
        "piecewise-maf" => go(p, &margflow::PiecewiseConfig::new(maf), pc),
        _ => panic!("unknown estimator {est}"),
    }
}

/// A problem of the pipeline tables: its name, the problem, the proposal estimator, and the
/// low-resolution run's number of live points (the default, or about 20 per mode).
type PipelineProblem = (&'static str, Box<dyn TestProblem>, &'static str, usize);

/// The problems of the pipeline tables: a MAF proposal for the unimodal Gaussians, the Gaussian
/// mixture for the multimodal and curved ones; the eggbox's 18 modes get 400 low-resolution live
/// points (the rule of `margflow::nested::PipelineConfig`), every other problem the default.
fn pipeline_problems() -> Vec<PipelineProblem> {
    let n_low = PipelineConfig::default().low.get_n_live();
    [
        ("gaussian-2", "maf", n_low),
        ("gaussian-5", "maf", n_low),
        ("gaussian-10", "maf", n_low),
        ("gaussian-20", "maf", n_low),
        ("shells-2", "mixture", n_low),
        ("shells-5", "mixture", n_low),
        ("eggbox", "mixture", 400),
        ("two-gaussians-2", "mixture", n_low),
        ("two-gaussians-5", "mixture", n_low),
    ]
    .into_iter()
    .map(|(name, est, n)| (name, problem_by_name(name).unwrap(), est, n))
    .chain(std::iter::once((
        "gaussian-10, σ 0.01, box ±10",
        Box::new(CorrelatedGaussian::new(10, 0.01, 0.5, 10.0).unwrap()) as Box<dyn TestProblem>,
        "maf",
        n_low,
    )))
    .collect()
}

/// The default pipeline with the seeds of run `s`, quiet, and the exploring overrides
/// `MF_N`, `MF_NLOW`, `MF_RLOW` (low-res slice steps per dimension), `MF_PLOW`, `MF_PHIGH`,
/// `MF_BETA`, `MF_PRIORBOX` (fit on the prior's box).
fn pipeline_cfg(s: u64, n_low: usize) -> PipelineConfig {
    let def = PipelineConfig::default();
    let n: usize = env_or("MF_N", def.high.get_n_live());
    let mut low = def
        .low
        .clone()
        .n_live(env_or("MF_NLOW", n_low))
        .progress(false)
        .seed(200 + s)
        .rejection(std::env::var("MF_NOREJ").is_err());
    if let Ok(r) = std::env::var("MF_RLOW") {
        low = low.repeats_per_dimension(r.parse().expect("MF_RLOW: an integer"));
    }
    if let Ok(p) = std::env::var("MF_PLOW") {
        low = low.precision(p.parse().expect("MF_PLOW: a number"));
    }
    let mut high = def
        .high
        .clone()
        .n_live(n)
        .progress(false)
        .seed(300 + s)
        .rejection(std::env::var("MF_NOREJ").is_err());
    if let Ok(p) = std::env::var("MF_PHIGH") {
        high = high.precision(p.parse().expect("MF_PHIGH: a number"));
    }
    PipelineConfig {
        low,
        high,
        beta: env_or("MF_BETA", def.beta),
        bounds_from_samples: std::env::var("MF_PRIORBOX").is_err(),
    }
}

fn describe_pipeline() {
    let pc = pipeline_cfg(0, PipelineConfig::default().low.get_n_live());
    println!(
        "Defaults of `PipelineConfig` unless a column says otherwise: direct and high-res n_live = {}, low-res n_live = {} with {} slice step(s) per dimension and precision {}, high-res precision {}, β = {}, proposal fitted on the tempered samples' box clipped to the prior's; pull = (log Z − truth)/σ of the pipeline.\n",
        pc.high.get_n_live(),
        pc.low.get_n_live(),
        pc.low.repeats_for(1),
        pc.low.get_precision(),
        pc.high.get_precision(),
        pc.beta
    );
}

/// The enhanced pipeline against a direct run at the same `n_live`, on every built-in problem
/// with a known `log Z` and on a wide-prior 10-D Gaussian. `MF_EST` replaces every proposal
/// estimator; see [`pipeline_cfg`] for the other overrides.
fn pipeline(seeds: u64) {
    println!(
        "\n## Enhanced pipeline vs a direct run (target: ≤ 15 % of the calls, truth within 2σ)\n"
    );
    describe_pipeline();
    println!("| problem | proposal | D_KL | true log Z | direct log Z | direct calls | low calls | high calls | pipeline log Z | ratio | pull | s |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    let n: usize = env_or("MF_N", PipelineConfig::default().high.get_n_live());
    let mut summary = vec![];
    for (name, p, est, n_low) in pipeline_problems() {
        if skipped(name) {
            continue;
        }
        let n_low = pipeline_cfg(0, n_low).low.get_n_live(); // after MF_NLOW
        let est = std::env::var("MF_EST").unwrap_or(est.to_string());
        let (mut ratios, mut hits) = (vec![], 0);
        for s in 0..seeds {
            let direct = sample(&p, &p.prior().unwrap(), &cfg(n, 100 + s)).unwrap();
            let (r, t) = timed(|| run_pipeline(&est, &p, &pipeline_cfg(s, n_low)));
            let r = match r {
                Ok(r) => r,
                Err(e) => {
                    println!("| {name} | {est} | failed: {e} |");
                    continue;
                }
            };
            let ratio = (r.low + r.high) as f64 / direct.calls() as f64;
            let pull = (r.log_z - p.log_z()) / r.err;
            println!(
                "| {name} | {est} | {:.1} | {:.3} | {:.3} ± {:.3} | {} | {} | {} | {:.3} ± {:.3} | {:.1} % | {pull:+.2} | {t:.1} |",
                p.kl().unwrap_or(f64::NAN),
                p.log_z(),
                direct.log_z(),
                direct.log_z_err(),
                direct.calls(),
                r.low,
                r.high,
                r.log_z,
                r.err,
                100.0 * ratio,
            );
            ratios.push(ratio);
            hits += usize::from(pull.abs() <= 2.0);
        }
        let worst = ratios.iter().cloned().fold(0.0, f64::max);
        summary.push(format!(
            "| {name} | {est} | {n_low} | {:.1} % | {:.1} % | {hits}/{seeds} |",
            100.0 * mean_sd(&ratios).0,
            100.0 * worst
        ));
    }
    println!(
        "\n| problem | proposal | low-res n_live | mean ratio | worst ratio | within 2σ |\n|---|---|---|---|---|---|"
    );
    summary.iter().for_each(|l| println!("{l}"));
}

/// The pipeline's calibration: `seeds` pipeline runs a problem (seeds 1000…), their pulls
/// against the truth, and their calls against one direct run at the same `n_live`.
fn pipeline_coverage(seeds: u64) {
    println!("\n## Enhanced pipeline: coverage over {seeds} seeds (target: truth within 2σ in ≥ 17/20, ≤ 15 % of a direct run's calls)\n");
    describe_pipeline();
    println!("| problem | proposal | low-res n_live | direct calls | mean ratio | worst ratio | mean σ | pull mean | pull sd | within 2σ | s/run |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let n: usize = env_or("MF_N", PipelineConfig::default().high.get_n_live());
    for (name, p, est, n_low) in pipeline_problems() {
        if skipped(name) {
            continue;
        }
        let n_low = pipeline_cfg(0, n_low).low.get_n_live(); // after MF_NLOW
        let est = std::env::var("MF_EST").unwrap_or(est.to_string());
        let direct = sample(&p, &p.prior().unwrap(), &cfg(n, 100))
            .unwrap()
            .calls() as f64;
        let (mut ratios, mut pulls, mut errs, mut secs) = (vec![], vec![], vec![], 0.0);
        let mut failed = 0;
        for s in 0..seeds {
            let (r, t) = timed(|| run_pipeline(&est, &p, &pipeline_cfg(1000 + s, n_low)));
            secs += t;
            match r {
                Ok(r) => {
                    ratios.push((r.low + r.high) as f64 / direct);
                    pulls.push((r.log_z - p.log_z()) / r.err);
                    errs.push(r.err);
                }
                Err(e) => {
                    eprintln!("{name} seed {s}: {e}");
                    failed += 1;
                }
            }
        }
        let (pm, psd) = mean_sd(&pulls);
        let hits = pulls.iter().filter(|x| x.abs() <= 2.0).count();
        println!(
            "| {name} | {est} | {n_low} | {direct:.0} | {:.1} % | {:.1} % | {:.3} | {pm:+.2} | {psd:.2} | {hits}/{seeds}{} | {:.2} |",
            100.0 * mean_sd(&ratios).0,
            100.0 * ratios.iter().cloned().fold(0.0, f64::max),
            mean_sd(&errs).0,
            if failed > 0 { format!(" ({failed} failed)") } else { String::new() },
            secs / seeds as f64
        );
    }
}

fn reweighting() {
    println!("\n## Likelihood reweighting: fast A = gaussian-5 (σ = 0.1, ρ = 0.5) → slow B (σ = 0.08, ρ = 0.3), box [−1, 1]^5\n");
    println!("| method | calls of B | n_eff | log Z_B | true log Z_B | |Δ|/σ | s |");
    println!("|---|---|---|---|---|---|---|");
    let a = CorrelatedGaussian::standard(5).unwrap();
    let b = CorrelatedGaussian::new(5, 0.08, 0.3, 1.0).unwrap();
    let (direct, t) = timed(|| sample(&b, &b.prior().unwrap(), &cfg(500, 11)).unwrap());
    println!(
        "| direct nested run of B (n_live 500) | {} | {:.0} | {:.3} ± {:.3} | {:.3} | {:.2} | {t:.2} |",
        direct.calls(),
        direct.to_weighted_samples().unwrap().ess(),
        direct.log_z(),
        direct.log_z_err(),
        b.log_z(),
        (direct.log_z() - b.log_z()).abs() / direct.log_z_err()
    );
    let run_a = sample(&a, &a.prior().unwrap(), &cfg(500, 12)).unwrap();
    for (name, fit) in [("GaussianFit ×1.2", 0), ("MAF (4 MADEs)", 1)] {
        let rc = ReweightConfig {
            target_ess: 5000.0,
            chunk: 2000,
            ..Default::default()
        };
        let post = run_a.to_weighted_samples().unwrap();
        let (r, t) = timed(|| {
            if fit == 0 {
                reweight(
                    &post,
                    &b,
                    &a.prior().unwrap(),
                    &a.bounds(),
                    &GaussianFit::new(1.2).unwrap(),
                    &rc,
                )
            } else {
                let maf = margflow::MafConfig::builder()
                    .n_mades(4)
                    .progress(false)
                    .build()
                    .unwrap();
                reweight(&post, &b, &a.prior().unwrap(), &a.bounds(), &maf, &rc)
            }
        });
        let r = r.unwrap();
        println!(
            "| reweight A's run ({} calls of A) with {name} | {} | {:.0} | {:.3} ± {:.3} | {:.3} | {:.2} | {t:.2} |",
            run_a.calls(),
            r.slow_calls,
            r.ess,
            r.log_z.mean,
            r.log_z.sd,
            b.log_z(),
            (r.log_z.mean - b.log_z()).abs() / r.log_z.sd
        );
    }
}

fn dynesty_side(seeds: u64) {
    println!("\n## margflow on the dynesty comparison problem (gaussian-10, n_live = 500, 50 slice steps)\n");
    println!("| seed | log Z | σ | |Δ|/σ | calls | s |");
    println!("|---|---|---|---|---|---|");
    let p = CorrelatedGaussian::standard(10).unwrap();
    for s in 0..seeds {
        let (r, t) =
            timed(|| sample(&p, &p.prior().unwrap(), &cfg(500, 500 + s).n_repeats(50)).unwrap());
        println!(
            "| {s} | {:.3} | {:.3} | {:.2} | {} | {t:.2} |",
            r.log_z(),
            r.log_z_err(),
            (r.log_z() - p.log_z()).abs() / r.log_z_err(),
            r.calls()
        );
    }
    println!("\ntrue log Z = {:.4}", p.log_z());
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let what = args.get(1).map(String::as_str).unwrap_or("all");
    let seeds: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(20);
    println!(
        "# margflow nested-sampling benchmark ({} threads available)",
        rayon::current_num_threads()
    );
    match what {
        "coverage" => coverage(seeds),
        "efficiency" => efficiency(),
        "speedup" => speedup(),
        "pipeline" => pipeline(seeds),
        "pipeline-coverage" => pipeline_coverage(seeds),
        "reweight" => reweighting(),
        "dynesty" => dynesty_side(seeds.min(3)),
        _ => {
            coverage(seeds);
            efficiency();
            speedup();
            pipeline(3);
            dynesty_side(3);
        }
    }
}
