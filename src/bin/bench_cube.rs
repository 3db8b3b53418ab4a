//! Benchmark of the KDE's unit-cube map (the nested-sampling prior transform): microseconds per
//! point, one thread, for `n` kernels in `d` dimensions, on an AR(1) Gaussian (`ρ = 0.6`) fitted
//! with the default KDE (cross-validated bandwidth).
//!
//! Run: `cargo run --release --bin bench_cube` (`-- --help` for options). Each row maps cube
//! points until `--seconds` have passed (at least 20 points) after one warm-up point, which
//! also builds the map's lazily computed index (the `index ms` column). The same points go
//! through the exact map (every kernel summed for every coordinate, the fast map's fallback),
//! timed over at most 20 points, and the largest difference between the two latent points is
//! reported in kernel standard deviations (`max |Δq|`).

use std::time::Instant;

use clap::Parser;
use margflow::density::UnitCube;
use margflow::targets::ar1_gaussian_samples;
use margflow::{Fit, KdeConfig, LatentDensity};
use rand::Rng;

/// Times the KDE's unit-cube map.
#[derive(Debug, Parser)]
struct Args {
    /// Kernel counts.
    #[arg(long, value_delimiter = ',', default_values_t = [1_000usize, 10_000, 100_000])]
    n: Vec<usize>,
    /// Dimensions.
    #[arg(long, value_delimiter = ',', default_values_t = [2usize, 5, 10])]
    d: Vec<usize>,
    /// Seconds of mapping per row.
    #[arg(long, default_value_t = 1.0)]
    seconds: f64,
    /// Seed for the samples and the cube points.
    #[arg(long, default_value_t = 3)]
    seed: u64,
}

fn main() -> margflow::Result<()> {
    let args = Args::parse();
    println!("| d | kernels | fit s | index ms | points | fast µs / point | exact µs / point | max abs Δy / kernel sd |");
    println!("|---|---|---|---|---|---|---|---|");
    for &d in &args.d {
        for &n in &args.n {
            let mut rng = margflow::rng_from_seed(args.seed);
            let samples = ar1_gaussian_samples(n, d, 0.6, &mut rng)?;
            let t0 = Instant::now();
            let kde = KdeConfig::new().fit(&samples, None, 0)?;
            let fit_s = t0.elapsed().as_secs_f64();
            let latent = kde.latent();
            let sd: Vec<f64> = {
                let h = latent.kernel_covariance();
                (0..d).map(|j| h[j * d + j].sqrt()).collect()
            };
            let mut y = vec![0.0; d];
            let mut u = vec![0.0; d];
            let mut draw = |u: &mut [f64]| u.iter_mut().for_each(|v| *v = rng.random::<f64>());
            draw(&mut u);
            let t1 = Instant::now();
            kde.from_unit_cube(&u, &mut y)?;
            let index_ms = t1.elapsed().as_secs_f64() * 1e3;
            let mut points = Vec::new();
            let start = Instant::now();
            while points.len() < 20 || start.elapsed().as_secs_f64() < args.seconds {
                draw(&mut u);
                latent.latent_from_unit_cube(&u, &mut y)?;
                points.push((u.clone(), y.clone()));
            }
            let fast_us = start.elapsed().as_secs_f64() * 1e6 / points.len() as f64;
            let exact = &points[..points.len().min(20)];
            let start = Instant::now();
            let mut worst: f64 = 0.0;
            for (u, y_fast) in exact {
                latent.latent_from_unit_cube_exact(u, &mut y)?;
                for j in 0..d {
                    worst = worst.max((y[j] - y_fast[j]).abs() / sd[j]);
                }
            }
            let exact_us = start.elapsed().as_secs_f64() * 1e6 / exact.len() as f64;
            println!(
                "| {d} | {n} | {fit_s:.2} | {index_ms:.1} | {} | {fast_us:.1} | {exact_us:.0} | {worst:.1e} |",
                points.len()
            );
        }
    }
    Ok(())
}
