//! Benchmark of the KDE's unit-cube map (the nested-sampling prior transform): microseconds per
//! point, one thread, for `n` kernels in `d` dimensions, on an AR(1) Gaussian (`ρ = 0.6`) fitted
//! with the default KDE (cross-validated bandwidth).
//!
//! Run: `cargo run --release --bin bench_cube` (`-- --help` for options). Each row maps cube
//! points until a second has passed (at least 20 points) after one warm-up point, which also
//! builds the map's lazily computed index; that one-off cost is the `index ms` column.

use std::time::Instant;

use clap::Parser;
use margflow::density::UnitCube;
use margflow::targets::ar1_gaussian_samples;
use margflow::{Fit, KdeConfig};
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
    println!("| d | kernels | fit s | index ms | points | µs / point |");
    println!("|---|---|---|---|---|---|");
    for &d in &args.d {
        for &n in &args.n {
            let mut rng = margflow::rng_from_seed(args.seed);
            let samples = ar1_gaussian_samples(n, d, 0.6, &mut rng)?;
            let t0 = Instant::now();
            let kde = KdeConfig::new().fit(&samples, None, 0)?;
            let fit_s = t0.elapsed().as_secs_f64();
            let mut theta = vec![0.0; d];
            let mut u = vec![0.0; d];
            let mut draw = |u: &mut [f64]| u.iter_mut().for_each(|v| *v = rng.random::<f64>());
            draw(&mut u);
            let t1 = Instant::now();
            kde.from_unit_cube(&u, &mut theta)?;
            let index_ms = t1.elapsed().as_secs_f64() * 1e3;
            let start = Instant::now();
            let mut points = 0usize;
            while points < 20 || start.elapsed().as_secs_f64() < args.seconds {
                draw(&mut u);
                kde.from_unit_cube(&u, &mut theta)?;
                std::hint::black_box(&theta);
                points += 1;
            }
            let us = start.elapsed().as_secs_f64() * 1e6 / points as f64;
            println!("| {d} | {n} | {fit_s:.2} | {index_ms:.1} | {points} | {us:.1} |");
        }
    }
    Ok(())
}
