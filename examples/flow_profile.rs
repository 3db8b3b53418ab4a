//! Times the evaluation kernels of an untrained MAF (default architecture) on 10,000 points,
//! in 2-D and 5-D: log_prob and sampling, with tanh and relu (the difference is the activation
//! cost). Prints the fastest wall time of 25 calls and the mean CPU time per call (user +
//! system, all threads); run with `RAYON_NUM_THREADS=1` for the single-thread cost.
//!
//! `cargo run --release --example flow_profile`

use std::time::Instant;

use margflow::flow::{Activation, MafConfig, MafNet};
use margflow::timing::cpu_seconds;
use margflow::{rng_from_seed, LatentDensity, Matrix};
use rand::Rng;

/// (fastest wall ms, mean CPU ms) over 25 calls after one warm-up.
fn time_ms(mut f: impl FnMut()) -> (f64, f64) {
    f();
    let c0 = cpu_seconds();
    let mut best = f64::INFINITY;
    for _ in 0..25 {
        let s = Instant::now();
        f();
        best = best.min(s.elapsed().as_secs_f64() * 1e3);
    }
    (best, (cpu_seconds() - c0) * 1e3 / 25.0)
}

fn main() -> margflow::Result<()> {
    let mut rng = rng_from_seed(1);
    println!(
        "{:>3} {:>6} {:>12} {:>12} {:>12} {:>12}",
        "d", "act", "logprob_wall", "logprob_cpu", "sample_wall", "sample_cpu"
    );
    for d in [2usize, 5] {
        let y = Matrix::new(
            10_000,
            d,
            (0..10_000 * d)
                .map(|_| rng.random_range(-2.0..2.0))
                .collect(),
        )?;
        for act in [Activation::Tanh, Activation::Relu] {
            let cfg = MafConfig::builder().activation(act).build()?;
            let net = MafNet::untrained(d, &cfg, 3)?;
            let lp = time_ms(|| {
                net.log_prob_latent(&y).expect("log_prob");
            });
            let sm = time_ms(|| {
                net.sample_latent(10_000, &mut rng_from_seed(2))
                    .expect("sample");
            });
            println!(
                "{d:>3} {:>6} {:>12.2} {:>12.2} {:>12.2} {:>12.2}",
                format!("{act:?}"),
                lp.0,
                lp.1,
                sm.0,
                sm.1
            );
        }
    }
    Ok(())
}
