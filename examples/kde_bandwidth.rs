//! KL(true‖q) of the KDE on the two moons and the circle (N = 10,000, 10,000 held-out draws)
//! for the bandwidth rules and a few fixed factors. `cargo run --release --example kde_bandwidth`

use margflow::targets::{masked_kl, Target};
use margflow::{Bandwidth, Density, Fit, KdeConfig};

fn main() {
    println!("| target | bandwidth | factor h | KL(true‖q) over held-out draws inside the bounds | outside |");
    println!("|---|---|---|---|---|");
    for target in [Target::TwoMoons, Target::CircleOfGaussians] {
        let train = target
            .samples(10_000, &mut margflow::rng_from_seed(1))
            .unwrap();
        let held = target.sample(10_000, &mut margflow::rng_from_seed(2));
        let lp = target.log_prob(&held).unwrap();
        let n_eff = train.ess();
        for bw in [
            Bandwidth::Scott,
            Bandwidth::CrossValidated,
            Bandwidth::Factor(0.15),
            Bandwidth::Factor(0.1),
            Bandwidth::Factor(0.07),
        ] {
            let kde = KdeConfig::new()
                .bandwidth(bw)
                .unwrap()
                .fit(&train, None, 0)
                .unwrap();
            let lq = kde.log_prob(&held).unwrap();
            let (kl, n_out) = masked_kl(&lp, &lq).expect("q > 0 somewhere");
            println!(
                "| {} | {bw:?} | {:.3} | {kl:.4} | {} |",
                target.name(),
                bw.factor(n_eff, 2).unwrap_or(f64::NAN),
                n_out
            );
        }
    }
}
