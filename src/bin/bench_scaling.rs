//! The scaling benchmark: MAF training cost and quality against the number of rows `N` and the
//! dimension `d`, on the AR(1) Gaussian and the two-mode mixture of
//! [`margflow::targets::ScalingTarget`], with the default configuration.
//!
//! Run: `cargo run --release --bin bench_scaling -- --quick` (N = 10⁴, 10⁵; d = 2, 6: a few
//! minutes), or without `--quick` for the full grid N = 10⁴, 10⁵, 10⁶ × d = 2, 6, 12, 26, 41
//! (hours on two cores). Columns: training CPU (user + system, all threads) and wall time,
//! epochs and rows seen, KL(true‖q) = mean(log p − log q) over 10,000 fresh draws, the data
//! size `8 N d` bytes and the process's peak resident memory during the row (`VmHWM` of
//! `/proc/self/status`, reset before each row through `/proc/self/clear_refs`), and the ratio
//! of the two. The fit box is `[−12, 12]^d` (every target's mass lies far inside).

use std::time::Instant;

use clap::Parser;
use margflow::density::Density;
use margflow::flow::MafConfig;
use margflow::rng::{child_seed, rng_from_seed};
use margflow::targets::ScalingTarget;
use margflow::timing::cpu_seconds;
use margflow::{Bounds, Fit};

/// MAF training cost and quality against N and d.
#[derive(Debug, Parser)]
struct Args {
    /// The small grid: N = 10⁴, 10⁵ and d = 2, 6.
    #[arg(long)]
    quick: bool,
    /// Row counts (overrides the grid's).
    #[arg(long, value_delimiter = ',')]
    n: Option<Vec<usize>>,
    /// Dimensions (overrides the grid's).
    #[arg(long, value_delimiter = ',')]
    d: Option<Vec<usize>>,
    /// Targets: gaussian, mixture.
    #[arg(long, value_delimiter = ',', default_values_t = ["gaussian".to_string(), "mixture".to_string()])]
    targets: Vec<String>,
    /// Train as before issue 12 (every row every epoch, batch 128, validation uncapped), for
    /// comparison.
    #[arg(long)]
    legacy: bool,
    /// Override `MafConfig::max_batch_size`.
    #[arg(long)]
    max_batch_size: Option<usize>,
    /// Override `MafConfig::epoch_samples`.
    #[arg(long)]
    epoch_samples: Option<usize>,
    /// Seed for the data and the training.
    #[arg(long, default_value_t = 11)]
    seed: u64,
}

/// Peak resident memory of this process since the last reset, in MiB (`None` where
/// `/proc/self/status` is missing).
fn peak_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Resets the peak to the current resident size (Linux ≥ 4.0).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn main() -> margflow::Result<()> {
    let args = Args::parse();
    let ns = args.n.clone().unwrap_or(if args.quick {
        vec![10_000, 100_000]
    } else {
        vec![10_000, 100_000, 1_000_000]
    });
    let ds = args.d.clone().unwrap_or(if args.quick {
        vec![2, 6]
    } else {
        vec![2, 6, 12, 26, 41]
    });
    let cfg = if args.legacy {
        MafConfig::builder()
            .epoch_samples(usize::MAX)
            .max_batch_size(128)
            .max_validation(usize::MAX)
    } else {
        MafConfig::builder()
    }
    .progress(false);
    let cfg = match args.max_batch_size {
        Some(b) => cfg.max_batch_size(b),
        None => cfg,
    };
    let cfg = match args.epoch_samples {
        Some(e) => cfg.epoch_samples(e),
        None => cfg,
    }
    .build()?;
    println!("| target | d | N | train CPU s | train wall s | epochs | rows seen | batch | KL(true‖q) | data MiB | peak MiB | peak / data |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for name in &args.targets {
        for &d in &ds {
            let target = match name.as_str() {
                "gaussian" => ScalingTarget::gaussian(d)?,
                "mixture" => ScalingTarget::mixture(d)?,
                other => {
                    return Err(margflow::Error::invalid(
                        "targets",
                        format!("unknown target `{other}` (gaussian, mixture)"),
                    ))
                }
            };
            let bounds = Bounds::cube(d, -12.0, 12.0)?;
            for &n in &ns {
                let seed = child_seed(args.seed, (d * 10 + n.ilog10() as usize) as u64);
                let held_out = target.sample(10_000, &mut rng_from_seed(child_seed(seed, 1)))?;
                let log_p = target.log_prob(&held_out)?;
                reset_peak();
                let base_mb = peak_mb();
                let train = target.samples(n, &mut rng_from_seed(seed))?;
                let (c0, w0) = (cpu_seconds(), Instant::now());
                let maf = cfg.fit(&train, Some(&bounds), seed)?;
                let (cpu_s, wall_s) = (cpu_seconds() - c0, w0.elapsed().as_secs_f64());
                drop(train);
                let peak = peak_mb();
                let log_q = maf.log_prob(&held_out)?;
                let kl =
                    log_p.iter().zip(&log_q).map(|(p, q)| p - q).sum::<f64>() / log_p.len() as f64;
                let hist = maf.latent().history();
                let n_train = n - (n / 10).min(cfg.max_validation);
                let rows_seen = hist.epochs_run * n_train.min(cfg.epoch_samples);
                let data_mb = (n * d * 8) as f64 / (1024.0 * 1024.0);
                let (peak_s, ratio_s) = match (peak, base_mb) {
                    (Some(p), Some(b)) => (format!("{p:.0}"), format!("{:.2}", (p - b) / data_mb)),
                    _ => ("–".into(), "–".into()),
                };
                println!(
                    "| {} | {d} | {n} | {cpu_s:.1} | {wall_s:.1} | {} | {rows_seen} | {} | {kl:.4} | {data_mb:.0} | {peak_s} | {ratio_s} |",
                    target.name(),
                    hist.epochs_run,
                    cfg.batch_for(n_train),
                );
            }
        }
    }
    println!();
    println!("peak / data: (peak − resident size before the row) / data size. Reference (issue 2, same machine):");
    println!("5-D Gaussian, N = 10⁴: margarine 1.4.2 6.5 s CPU (KL 0.053), zuko 1.6 1.8 s (KL 0.017); other sizes not measured.");
    Ok(())
}
