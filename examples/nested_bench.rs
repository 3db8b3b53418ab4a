//! Benchmarks of margflow's nested sampler: coverage, efficiency, parallel speed-up, and the
//! enhanced pipeline against a direct run. Prints tables.
//!
//! ```text
//! cargo run --release --example nested_bench -- [coverage|efficiency|speedup|pipeline|reweight|dynesty|all] [seeds]
//! ```
//! `dynesty` prints margflow's side of the comparison with `benches/dynesty_gaussian.py`
//! (10-D Gaussian, n_live = 500, 50 slice steps). `MF_ONLY=NAME` runs one problem of the
//! coverage and pipeline tables; `MF_NOREJ=1` turns the rejection phase off.

use std::time::Instant;

use margflow::nested::problems::{problem_by_name, CorrelatedGaussian, TestProblem};
use margflow::nested::{
    enhanced, reweight, sample, GaussianFit, NestedConfig, NestedRun, PipelineConfig,
    ReweightConfig,
};

fn cfg(n_live: usize, seed: u64) -> NestedConfig {
    NestedConfig::new()
        .n_live(n_live)
        .progress(false)
        .seed(seed)
        .rejection(std::env::var("MF_NOREJ").is_err())
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
                let r = sample(&p, &p.prior(), &cfg(n_live, 1000 + s)).unwrap();
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
            let (r, t) = timed(|| sample(&p, &p.prior(), &cfg(n_live, 7)).unwrap());
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
        let (r, s) = timed(|| pool.install(|| sample(&p, &p.prior(), &c).unwrap()));
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

/// One pipeline run against a direct run; prints a table row. (`&Box`: the likelihood trait is
/// implemented for the boxed test problem.)
#[allow(clippy::borrowed_box)]
fn pipeline_row<F: margflow::Fit>(
    name: &str,
    est: &str,
    p: &Box<dyn TestProblem>,
    direct: &NestedRun,
    fit: &F,
    pc: &PipelineConfig,
) -> Option<(f64, bool)> {
    let (r, t) = timed(|| enhanced(p, &p.prior(), &p.bounds(), fit, pc));
    match r {
        Ok(r) => {
            let ratio = r.calls as f64 / direct.calls() as f64;
            let pull = (r.high.log_z() - p.log_z()) / r.high.log_z_err();
            println!(
                "| {name} | {est} | {:.1} | {:.3} | {:.3} ± {:.3} | {} | {} | {} | {:.3} ± {:.3} | {:.1} % | {pull:+.2} | {t:.1} |",
                p.kl().unwrap_or(f64::NAN),
                p.log_z(),
                direct.log_z(),
                direct.log_z_err(),
                direct.calls(),
                r.low.calls(),
                r.high.calls(),
                r.high.log_z(),
                r.high.log_z_err(),
                100.0 * ratio,
            );
            Some((ratio, pull.abs() <= 2.0))
        }
        Err(e) => {
            println!("| {name} | {est} | failed: {e} |");
            None
        }
    }
}

/// The enhanced pipeline against a direct run at the same `n_live`, on every built-in problem
/// with a known `log Z` and on a wide-prior 10-D Gaussian. Overrides for exploring:
/// `MF_N`, `MF_NLOW`, `MF_PHIGH`, `MF_BETA`, `MF_EST` (maf, gaussian, kde, piecewise-maf),
/// `MF_ONLY` (one problem), `MF_PRIORBOX` (fit on the prior's box).
fn pipeline(seeds: u64) {
    let n: usize = env_or("MF_N", 500);
    let n_low: usize = env_or("MF_NLOW", 50);
    let p_high: f64 = env_or("MF_PHIGH", 0.1);
    println!(
        "\n## Enhanced pipeline vs a direct run (target: ≤ 15 % of the calls, truth within 2σ)\n"
    );
    println!("n_live = {n} (direct and high-res runs), low-res n_live = {n_low} with 2d slice steps, high-res precision {p_high}, β = ½, proposal fitted on the tempered samples' box clipped to the prior's; pull = (log Z − truth)/σ of the pipeline.\n");
    println!("| problem | proposal | D_KL | true log Z | direct log Z | direct calls | low calls | high calls | pipeline log Z | ratio | pull | s |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    let maf = margflow::MafConfig::builder()
        .n_mades(4)
        .progress(false)
        .build()
        .unwrap();
    let problems: Vec<(&str, Box<dyn TestProblem>, &str)> = [
        ("gaussian-2", "maf"),
        ("gaussian-5", "maf"),
        ("gaussian-10", "maf"),
        ("gaussian-20", "maf"),
        ("shells-2", "piecewise-maf"),
        ("shells-5", "piecewise-maf"),
        ("eggbox", "piecewise-maf"),
        ("two-gaussians-2", "piecewise-maf"),
        ("two-gaussians-5", "piecewise-maf"),
    ]
    .into_iter()
    .map(|(name, est)| (name, problem_by_name(name).unwrap(), est))
    .chain(std::iter::once((
        "gaussian-10, σ 0.01, box ±10",
        Box::new(CorrelatedGaussian::new(10, 0.01, 0.5, 10.0).unwrap()) as Box<dyn TestProblem>,
        "maf",
    )))
    .collect();
    let mut summary = vec![];
    for (name, p, est) in problems {
        if skipped(name) {
            continue;
        }
        let est = std::env::var("MF_EST").unwrap_or(est.to_string());
        let d = p.dim();
        let (mut ratios, mut hits) = (vec![], 0);
        for s in 0..seeds {
            let direct = sample(&p, &p.prior(), &cfg(n, 100 + s)).unwrap();
            let pc = PipelineConfig {
                low: cfg(n_low, 200 + s).n_repeats(2 * d),
                high: cfg(n, 300 + s).precision(p_high),
                beta: env_or("MF_BETA", 0.5),
                bounds_from_samples: std::env::var("MF_PRIORBOX").is_err(),
            };
            let row = match est.as_str() {
                "maf" => pipeline_row(name, &est, &p, &direct, &maf, &pc),
                "kde" => pipeline_row(name, &est, &p, &direct, &margflow::KdeConfig::new(), &pc),
                "gaussian" => pipeline_row(name, &est, &p, &direct, &GaussianFit::default(), &pc),
                "piecewise-maf" => pipeline_row(
                    name,
                    &est,
                    &p,
                    &direct,
                    &margflow::PiecewiseConfig::new(maf.clone()),
                    &pc,
                ),
                _ => panic!("unknown estimator {est}"),
            };
            if let Some((ratio, hit)) = row {
                ratios.push(ratio);
                hits += usize::from(hit);
            }
        }
        let worst = ratios.iter().cloned().fold(0.0, f64::max);
        summary.push(format!(
            "| {name} | {est} | {:.1} % | {:.1} % | {hits}/{seeds} |",
            100.0 * mean_sd(&ratios).0,
            100.0 * worst
        ));
    }
    println!(
        "\n| problem | proposal | mean ratio | worst ratio | within 2σ |\n|---|---|---|---|---|"
    );
    summary.iter().for_each(|l| println!("{l}"));
}

fn reweighting() {
    println!("\n## Likelihood reweighting: fast A = gaussian-5 (σ = 0.1, ρ = 0.5) → slow B (σ = 0.08, ρ = 0.3), box [−1, 1]^5\n");
    println!("| method | calls of B | n_eff | log Z_B | true log Z_B | |Δ|/σ | s |");
    println!("|---|---|---|---|---|---|---|");
    let a = CorrelatedGaussian::standard(5).unwrap();
    let b = CorrelatedGaussian::new(5, 0.08, 0.3, 1.0).unwrap();
    let (direct, t) = timed(|| sample(&b, &b.prior(), &cfg(500, 11)).unwrap());
    println!(
        "| direct nested run of B (n_live 500) | {} | {:.0} | {:.3} ± {:.3} | {:.3} | {:.2} | {t:.2} |",
        direct.calls(),
        direct.to_weighted_samples().unwrap().ess(),
        direct.log_z(),
        direct.log_z_err(),
        b.log_z(),
        (direct.log_z() - b.log_z()).abs() / direct.log_z_err()
    );
    let run_a = sample(&a, &a.prior(), &cfg(500, 12)).unwrap();
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
                    &a.prior(),
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
                reweight(&post, &b, &a.prior(), &a.bounds(), &maf, &rc)
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
        let (r, t) = timed(|| sample(&p, &p.prior(), &cfg(500, 500 + s).n_repeats(50)).unwrap());
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
