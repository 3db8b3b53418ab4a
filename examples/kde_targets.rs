//! Benchmark of the KDE, the piecewise KDE and (with `--maf`) the piecewise MAF on the four
//! benchmark targets of [`margflow::targets`]: N = 10,000 training samples, KL(true‖q) on
//! 10,000 held-out samples, and the cost of the pieces (choosing k, evaluating 10,000 held-out
//! points, sampling 10,000, the unit-cube map for 1,000 points).
//!
//! `cargo run --release --example kde_targets [-- --maf]`
//!
//! KL is [`Target::kl_to`] (`+∞` if q vanishes at a held-out draw); the number of held-out
//! draws outside the fitted bounds (where q = 0 by construction) is reported next to it, and
//! the KL over the draws inside the bounds in brackets when some fall outside.

use std::time::Instant;

use margflow::cluster::ClusterConfig;
use margflow::flow::MafConfig;
use margflow::targets::{masked_kl, Target};
use margflow::{Density, Fit, KdeConfig, Matrix, PiecewiseConfig, Sample, UnitCube};
use rand::Rng;

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

/// (KL over all held-out draws, KL over those with q > 0, number with q = 0).
fn kl(target: Target, q: &dyn Density, held: &Matrix, lp: &[f64]) -> (f64, f64, usize) {
    let lq = q.log_prob(held).unwrap();
    let all = lp.iter().zip(&lq).map(|(p, q)| p - q).sum::<f64>() / lp.len() as f64;
    let _ = target;
    let (inside, n_out) = masked_kl(lp, &lq).expect("q > 0 somewhere");
    (all, inside, n_out)
}

#[allow(clippy::too_many_arguments)]
fn row<M: Density + Sample + UnitCube>(
    target: Target,
    name: &str,
    k: usize,
    fit_s: f64,
    choose_s: Option<f64>,
    model: &M,
    held: &Matrix,
    lp: &[f64],
    u: &Matrix,
) {
    let t = Instant::now();
    let (all, inside, zero) = kl(target, model, held, lp);
    let lp_s = secs(t);
    let t = Instant::now();
    model.sample_seeded(10_000, 4).unwrap();
    let sample_s = secs(t);
    let t = Instant::now();
    model.from_unit_cube_batch(u).unwrap();
    let cube_s = secs(t);
    let kl_txt = if zero > 0 {
        format!("{all:.4} ({inside:.4})")
    } else {
        format!("{all:.4}")
    };
    let choose = choose_s.map_or("–".to_string(), |c| format!("{c:.3}"));
    println!(
        "| {} | {name} | {k} | {fit_s:.2} | {choose} | {kl_txt} | {zero} | {lp_s:.3} | {sample_s:.4} | {cube_s:.3} |",
        target.name()
    );
}

fn main() {
    let with_maf = std::env::args().any(|a| a == "--maf");
    let n = 10_000;
    println!("rayon threads: {}", rayon::current_num_threads());
    println!("| target | estimator | k | fit s | choose-k s | KL(true‖q) | q=0 held-out | log_prob 10k s | sample 10k s | cube 1k s |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for target in Target::ALL {
        let mut rng = margflow::rng_from_seed(1);
        let train = target.samples(n, &mut rng).unwrap();
        let held = target.sample(n, &mut margflow::rng_from_seed(2));
        let lp = target.log_prob(&held).unwrap();
        let d = target.dim();
        let mut rng = margflow::rng_from_seed(3);
        let u = Matrix::new(
            1000,
            d,
            (0..1000 * d).map(|_| rng.random::<f64>()).collect(),
        )
        .unwrap();
        let bounds = target.bounds();

        let t = Instant::now();
        let kde = KdeConfig::new().fit(&train, bounds.as_ref(), 0).unwrap();
        row(target, "kde", 1, secs(t), None, &kde, &held, &lp, &u);

        let t = Instant::now();
        let c = ClusterConfig::new()
            .cluster(train.values(), train.weights(), 5)
            .unwrap();
        let choose_s = secs(t);
        let t = Instant::now();
        let pw = PiecewiseConfig::new(KdeConfig::new())
            .fit(&train, bounds.as_ref(), 5)
            .unwrap();
        row(
            target,
            "piecewise-kde",
            pw.n_components(),
            secs(t),
            Some(choose_s),
            &pw,
            &held,
            &lp,
            &u,
        );

        if with_maf {
            let maf = MafConfig::builder().progress(false).build().unwrap();
            let t = Instant::now();
            let pm = PiecewiseConfig::new(maf)
                .fit(&train, bounds.as_ref(), 5)
                .unwrap();
            row(
                target,
                "piecewise-maf",
                pm.n_components(),
                secs(t),
                Some(choose_s),
                &pm,
                &held,
                &lp,
                &u,
            );
        }
        let curve: Vec<String> = c
            .silhouette
            .iter()
            .map(|(k, s)| format!("{k}:{s:.3}"))
            .collect();
        println!(
            "  silhouette {} (chose k = {}): {}",
            target.name(),
            c.k,
            curve.join(" ")
        );
    }
}
