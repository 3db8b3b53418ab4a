//! Benchmark of the KDE and the piecewise KDE on the benchmark targets (N = 10,000 training
//! samples, KL(true‖q) on 10,000 held-out samples), plus the cost of the pieces: choosing k,
//! evaluating 10,000 × 10,000 kernels, sampling and the unit-cube map.
//!
//! `cargo run --release --example kde_targets`
//!
//! The targets are generated here (same definitions as the library's benchmark targets:
//! 2-D correlated Gaussian N((0.5, −1), [[2.25, 1.2], [1.2, 1]]), eight Gaussians σ = 0.3 on a
//! circle of radius 4, two moons with noise 0.1, whose density is a 2000-node quadrature
//! over the arcs). KL is the mean of log p − log q over the held-out points inside the fitted
//! bounds; the number outside (where q = 0 by construction) is reported next to it.

use std::f64::consts::PI;
use std::time::Instant;

use margflow::cluster::ClusterConfig;
use margflow::{Density, Fit, KdeConfig, Matrix, PiecewiseConfig, Sample, UnitCube, WeightedSamples};
use rand::Rng;
use rand_distr::StandardNormal;

#[derive(Clone, Copy)]
enum Target {
    Gaussian2d,
    Circle,
    TwoMoons,
}

fn moon(m: usize, t: f64) -> (f64, f64) {
    if m == 0 {
        (t.cos(), t.sin())
    } else {
        (1.0 - t.cos(), 0.5 - t.sin())
    }
}

fn lse(v: &[f64]) -> f64 {
    let m = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    m + v.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Target::Gaussian2d => "gaussian2d",
            Target::Circle => "circle",
            Target::TwoMoons => "two_moons",
        }
    }

    fn sample(self, n: usize, seed: u64) -> Matrix {
        let mut rng = margflow::rng_from_seed(seed);
        let mut x = Matrix::zeros(n, 2);
        for i in 0..n {
            let (e0, e1): (f64, f64) = (rng.sample(StandardNormal), rng.sample(StandardNormal));
            let r = x.row_mut(i);
            match self {
                Target::Gaussian2d => {
                    r[0] = 0.5 + 1.5 * e0;
                    r[1] = -1.0 + 0.8 * e0 + 0.6 * e1;
                }
                Target::Circle => {
                    let a = 2.0 * PI * rng.random_range(0..8) as f64 / 8.0;
                    r[0] = 4.0 * a.cos() + 0.3 * e0;
                    r[1] = 4.0 * a.sin() + 0.3 * e1;
                }
                Target::TwoMoons => {
                    let m = rng.random_range(0..2);
                    let (cx, cy) = moon(m, rng.random_range(0.0..PI));
                    r[0] = cx + 0.1 * e0;
                    r[1] = cy + 0.1 * e1;
                }
            }
        }
        x
    }

    fn log_prob(self, r: &[f64]) -> f64 {
        match self {
            Target::Gaussian2d => {
                let a = (r[0] - 0.5) / 1.5;
                let b = (r[1] + 1.0 - 0.8 * a) / 0.6;
                -0.5 * (a * a + b * b) - (2.0 * PI * 1.5 * 0.6f64).ln()
            }
            Target::Circle => {
                let t: Vec<f64> = (0..8)
                    .map(|k| {
                        let a = 2.0 * PI * k as f64 / 8.0;
                        let (dx, dy) = (r[0] - 4.0 * a.cos(), r[1] - 4.0 * a.sin());
                        -(dx * dx + dy * dy) / (2.0 * 0.09)
                    })
                    .collect();
                lse(&t) - 8f64.ln() - (2.0 * PI * 0.09).ln()
            }
            Target::TwoMoons => {
                let nodes = 2000;
                let h = PI / nodes as f64;
                let mut t = Vec::with_capacity(2 * nodes);
                for m in 0..2 {
                    for j in 0..nodes {
                        let (cx, cy) = moon(m, (j as f64 + 0.5) * h);
                        let (dx, dy) = (r[0] - cx, r[1] - cy);
                        t.push(-(dx * dx + dy * dy) / (2.0 * 0.01));
                    }
                }
                lse(&t) + (0.5 * h / PI).ln() - (2.0 * PI * 0.01).ln()
            }
        }
    }
}

/// (KL over the held-out points with finite q, number of points with q = 0).
fn kl(target: Target, q: &dyn Density, held: &Matrix, lp: &[f64]) -> (f64, usize) {
    let lq = q.log_prob(held).unwrap();
    let (mut s, mut n, mut zero) = (0.0, 0, 0);
    for (p, q) in lp.iter().zip(&lq) {
        if q.is_finite() {
            s += p - q;
            n += 1;
        } else {
            zero += 1;
        }
    }
    let _ = target;
    (s / n as f64, zero)
}

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

fn main() {
    let n = 10_000;
    println!("threads: {}", rayon::current_num_threads());
    println!(
        "| target | estimator | k | fit s | choose-k s | KL(true‖q) | q=0 held-out | log_prob 10k s | sample 10k s | cube 1k s |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for target in [Target::Gaussian2d, Target::Circle, Target::TwoMoons] {
        let train = WeightedSamples::unweighted(target.sample(n, 1), WeightedSamples::default_names(2)).unwrap();
        let held = target.sample(n, 2);
        let lp: Vec<f64> = held.rows().map(|r| target.log_prob(r)).collect();
        let u = Matrix::new(1000, 2, {
            let mut rng = margflow::rng_from_seed(3);
            (0..2000).map(|_| rng.random::<f64>()).collect()
        })
        .unwrap();

        // KDE.
        let t = Instant::now();
        let kde = KdeConfig::new().fit(&train, None, 0).unwrap();
        let fit_s = secs(t);
        let t = Instant::now();
        let (k_l, zero) = kl(target, &kde, &held, &lp);
        let lp_s = secs(t);
        let t = Instant::now();
        kde.sample_seeded(n, 4).unwrap();
        let sample_s = secs(t);
        let t = Instant::now();
        kde.from_unit_cube_batch(&u).unwrap();
        let cube_s = secs(t);
        println!(
            "| {} | kde | 1 | {fit_s:.3} | – | {k_l:.4} | {zero} | {lp_s:.3} | {sample_s:.4} | {cube_s:.3} |",
            target.name()
        );

        // Choosing k alone, then the piecewise KDE.
        let t = Instant::now();
        let c = ClusterConfig::new().cluster(train.values(), train.weights(), 5).unwrap();
        let choose_s = secs(t);
        let t = Instant::now();
        let pw = PiecewiseConfig::new(KdeConfig::new()).fit(&train, None, 5).unwrap();
        let fit_s = secs(t);
        assert_eq!(pw.n_components(), c.k);
        let t = Instant::now();
        let (k_l, zero) = kl(target, &pw, &held, &lp);
        let lp_s = secs(t);
        let t = Instant::now();
        pw.sample_seeded(n, 4).unwrap();
        let sample_s = secs(t);
        let t = Instant::now();
        pw.from_unit_cube_batch(&u).unwrap();
        let cube_s = secs(t);
        println!(
            "| {} | piecewise-kde | {} | {fit_s:.3} | {choose_s:.3} | {k_l:.4} | {zero} | {lp_s:.3} | {sample_s:.4} | {cube_s:.3} |",
            target.name(),
            c.k
        );
        let curve: Vec<String> = c.silhouette.iter().map(|(k, s)| format!("{k}:{s:.3}")).collect();
        println!("  silhouette {}: {}", target.name(), curve.join(" "));
    }
}
