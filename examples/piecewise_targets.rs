//! Piecewise MAF (and piecewise KDE) on the circle of eight Gaussians and the two moons, with
//! the component box policy as an option: `cargo run --release --example piecewise_targets
//! [-- global]`. Prints KL(true‖q) on 10,000 held-out draws (N = 10,000 training samples).
//! `MF_BOUNDARIES=hard` (or a soft width such as `MF_BOUNDARIES=0.5`) overrides the default
//! soft boundaries.

use std::time::Instant;

use margflow::cluster::{Boundaries, ComponentBounds};
use margflow::flow::MafConfig;
use margflow::targets::Target;
use margflow::{Density, Fit, KdeConfig, PiecewiseConfig};

fn main() {
    let policy = if std::env::args().any(|a| a == "global") {
        ComponentBounds::Global
    } else {
        ComponentBounds::default()
    };
    let boundaries = match std::env::var("MF_BOUNDARIES").ok().as_deref() {
        None => Boundaries::default(),
        Some("hard") => Boundaries::Hard,
        Some(w) => Boundaries::Soft {
            width: w.parse().expect("MF_BOUNDARIES: `hard` or a width"),
        },
    };
    println!("component bounds: {policy:?}, boundaries: {boundaries:?}");
    println!("| target | estimator | k | fit s | KL(true‖q) | q=0 held-out |");
    println!("|---|---|---|---|---|---|");
    for target in [Target::CircleOfGaussians, Target::TwoMoons] {
        let train = target
            .samples(10_000, &mut margflow::rng_from_seed(1))
            .unwrap();
        let held = target.sample(10_000, &mut margflow::rng_from_seed(2));
        let lp = target.log_prob(&held).unwrap();
        let report = |name: &str, k: usize, s: f64, q: &dyn Density| {
            let lq = q.log_prob(&held).unwrap();
            let zero = lq.iter().filter(|v| !v.is_finite()).count();
            let kl: f64 = lp
                .iter()
                .zip(&lq)
                .filter(|(_, q)| q.is_finite())
                .map(|(p, q)| p - q)
                .sum::<f64>()
                / (lp.len() - zero) as f64;
            println!(
                "| {} | {name} | {k} | {s:.2} | {kl:.4} | {zero} |",
                target.name()
            );
        };
        let t = Instant::now();
        // MF_LR and MF_EPOCHS override the flow's learning rate and epoch budget.
        let mut b = MafConfig::builder().progress(false);
        if let Some(lr) = std::env::var("MF_LR").ok().and_then(|v| v.parse().ok()) {
            b = b.learning_rate(lr);
        }
        if let Some(e) = std::env::var("MF_EPOCHS").ok().and_then(|v| v.parse().ok()) {
            b = b.max_epochs(e);
        }
        let maf = b.build().unwrap();
        // MF_K fixes the number of clusters.
        let mut clusters = margflow::ClusterConfig::new();
        if let Some(k) = std::env::var("MF_K").ok().and_then(|v| v.parse().ok()) {
            clusters = clusters.k(k).unwrap();
        }
        let pm = PiecewiseConfig::new(maf)
            .clusters(clusters)
            .component_bounds(policy)
            .unwrap()
            .boundaries(boundaries)
            .unwrap()
            .fit(&train, None, 5)
            .unwrap();
        report(
            "piecewise-maf",
            pm.n_components(),
            t.elapsed().as_secs_f64(),
            &pm,
        );
        let t = Instant::now();
        let pk = PiecewiseConfig::new(KdeConfig::new())
            .component_bounds(policy)
            .unwrap()
            .boundaries(boundaries)
            .unwrap()
            .fit(&train, None, 5)
            .unwrap();
        report(
            "piecewise-kde",
            pk.n_components(),
            t.elapsed().as_secs_f64(),
            &pk,
        );
    }
}
