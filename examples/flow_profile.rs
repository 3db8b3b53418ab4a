//! Times the evaluation kernels of an untrained 5-D MAF (default architecture) on 10,000
//! points: log_prob and sampling, with tanh and relu (the difference is the activation cost).
//!
//! `cargo run --release --example flow_profile`

use std::time::Instant;

use margflow::flow::{Activation, MafConfig, MafNet};
use margflow::{rng_from_seed, LatentDensity, Matrix};
use rand::Rng;

fn median_ms(mut f: impl FnMut()) -> f64 {
    f();
    let mut t: Vec<f64> = (0..25)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    t.sort_by(|a, b| a.total_cmp(b));
    t[0]
}

fn main() -> margflow::Result<()> {
    let mut rng = rng_from_seed(1);
    let y = Matrix::new(
        10_000,
        5,
        (0..50_000).map(|_| rng.random_range(-2.0..2.0)).collect(),
    )?;
    for act in [Activation::Tanh, Activation::Relu] {
        let cfg = MafConfig::builder().activation(act).build()?;
        let net = MafNet::untrained(5, &cfg, 3)?;
        let lp = median_ms(|| {
            net.log_prob_latent(&y).expect("log_prob");
        });
        let sm = median_ms(|| {
            net.sample_latent(10_000, &mut rng_from_seed(2))
                .expect("sample");
        });
        println!("{act:?}: log_prob 10k {lp:.2} ms, sample 10k {sm:.2} ms");
    }
    Ok(())
}
