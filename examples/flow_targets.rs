//! Measures the MAF on the benchmark targets (DESIGN.md §5): training CPU and wall time,
//! epochs, held-out mean log q and KL(p‖q) on 10,000 fresh samples, and the time to sample and
//! to evaluate 10,000 points.
//!
//! `cargo run --release --example flow_targets [target ...] [--weighted] [--wide] [--seed N]`
//! with targets among `gaussian2d gaussian5d_box circle two_moons` (default: all); `--wide`
//! fits the targets without a true box on the box mean ± 10 sd of the truth instead of the
//! default bounds from the samples.

use std::time::Instant;

use margflow::flow::MafConfig;
use margflow::targets::Target;
use margflow::timing::cpu_seconds;
use margflow::{rng_from_seed, Density, Fit, Sample};

fn median_ms(mut f: impl FnMut()) -> f64 {
    f();
    let mut t: Vec<f64> = (0..7)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    t.sort_by(|a, b| a.total_cmp(b));
    t[3]
}

fn main() -> margflow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let weighted = args.iter().any(|a| a == "--weighted");
    let wide = args.iter().any(|a| a == "--wide");
    let seed = args
        .iter()
        .position(|a| a == "--seed")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0u64);
    let chosen: Vec<Target> = Target::ALL
        .into_iter()
        .filter(|t| args.iter().any(|a| a == t.name()))
        .collect();
    let targets = if chosen.is_empty() {
        Target::ALL.to_vec()
    } else {
        chosen
    };
    // Overrides for tuning: MF_LR, MF_BATCH, MF_PATIENCE, MF_EPOCHS, MF_EMA, MF_SCHEDULE=constant|cosine.
    let env = |k: &str| std::env::var(k).ok();
    let mut b = MafConfig::builder().progress(false);
    if let Some(v) = env("MF_LR").and_then(|v| v.parse().ok()) {
        b = b.learning_rate(v);
    }
    if let Some(v) = env("MF_BATCH").and_then(|v| v.parse().ok()) {
        b = b.batch_size(v);
    }
    if let Some(v) = env("MF_PATIENCE").and_then(|v| v.parse().ok()) {
        b = b.patience(v);
    }
    if let Some(v) = env("MF_MIN_DELTA").and_then(|v| v.parse().ok()) {
        b = b.min_delta(v);
    }
    if let Some(v) = env("MF_EMA").and_then(|v| v.parse().ok()) {
        b = b.ema_decay(v);
    }
    if let Some(v) = env("MF_EPOCHS").and_then(|v| v.parse().ok()) {
        b = b.max_epochs(v);
    }
    match env("MF_SCHEDULE").as_deref() {
        Some("constant") => b = b.schedule(margflow::flow::Schedule::Constant),
        Some("cosine") => b = b.schedule(margflow::flow::Schedule::Cosine),
        _ => {}
    }
    let cfg = b.build()?;
    println!(
        "{:<15} {:>4} {:>7} {:>6} {:>8} {:>8} {:>10} {:>9} {:>10} {:>10} {:>7}",
        "target",
        "w",
        "epochs",
        "best",
        "cpu_s",
        "wall_s",
        "mean_logq",
        "KL",
        "sample_ms",
        "logprob_ms",
        "outside"
    );
    for t in targets {
        let mut rng = rng_from_seed(seed);
        let s = if weighted {
            t.importance_samples(10_000, &mut rng)?
        } else {
            t.samples(10_000, &mut rng)?
        };
        let (c0, w0) = (cpu_seconds(), Instant::now());
        // MF_BOX=h fits targets without a true box on the cube [−h, h]^d instead of the
        // default bounds from the samples.
        // --wide fits them on the generous box mean ± 10 sd of the truth.
        let bounds = match (
            t.bounds(),
            env("MF_BOX").and_then(|v| v.parse::<f64>().ok()),
        ) {
            (None, Some(h)) => Some(margflow::Bounds::cube(t.dim(), -h, h)?),
            (None, None) if wide => {
                let (m, c) = t.moments();
                let sd: Vec<f64> = (0..t.dim()).map(|i| c[i][i].sqrt()).collect();
                Some(margflow::Bounds::new(
                    m.iter().zip(&sd).map(|(m, s)| m - 10.0 * s).collect(),
                    m.iter().zip(&sd).map(|(m, s)| m + 10.0 * s).collect(),
                )?)
            }
            (b, _) => b,
        };
        let maf = cfg.fit(&s, bounds.as_ref(), seed)?;
        let (cpu, wall) = (cpu_seconds() - c0, w0.elapsed().as_secs_f64());
        let h = maf.latent().history();
        if env("MF_HIST").is_some() {
            let f = |v: &[f64]| {
                v.iter()
                    .map(|x| format!("{x:.4}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            eprintln!("train: {}\nval:   {}", f(&h.train_loss), f(&h.val_loss));
        }
        let test = t.sample(10_000, &mut rng_from_seed(seed + 1000));
        let lq: Vec<f64> = maf
            .log_prob(&test)?
            .into_iter()
            .filter(|v| v.is_finite())
            .collect();
        let mean_lq = lq.iter().sum::<f64>() / lq.len() as f64;
        // Fresh draws beyond the training box (default bounds) are left out and counted.
        let (kl, outside) = t.kl_masked(&maf, 10_000, seed + 1000)?;
        let sample_ms = median_ms(|| {
            maf.sample_seeded(10_000, 7).expect("sample");
        });
        let lp_ms = median_ms(|| {
            maf.log_prob(&test).expect("log_prob");
        });
        println!(
            "{:<15} {:>4} {:>7} {:>6} {:>8.3} {:>8.3} {:>10.4} {:>9.5} {:>10.2} {:>10.2} {:>7}",
            t.name(),
            if weighted { "yes" } else { "no" },
            h.epochs_run,
            h.best_epoch,
            cpu,
            wall,
            mean_lq,
            kl,
            sample_ms,
            lp_ms,
            outside
        );
    }
    Ok(())
}
