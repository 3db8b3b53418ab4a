use super::*;
use crate::density::{Density, Sample, UnitCube};
use crate::stats::ks_two_sample;
use crate::transform::LatentDensity;

fn gaussian_samples(n: usize, seed: u64) -> WeightedSamples {
    use rand_distr::{Distribution, StandardNormal};
    let mut rng = crate::rng_from_seed(seed);
    let mut v = Vec::with_capacity(2 * n);
    for _ in 0..n {
        let a: f64 = StandardNormal.sample(&mut rng);
        let b: f64 = StandardNormal.sample(&mut rng);
        v.push(a);
        v.push(0.6 * a + 0.8 * b);
    }
    WeightedSamples::unweighted(Matrix::new(n, 2, v).unwrap(), vec!["a".into(), "b".into()])
        .unwrap()
}

#[test]
fn bandwidth_rules_match_scipy_factors() {
    // scipy: scotts_factor = n**(-1/(d+4)), silverman_factor = (n*(d+2)/4)**(-1/(d+4)).
    assert!(
        (Bandwidth::Scott.factor(10_000.0, 2).unwrap() - 10_000f64.powf(-1.0 / 6.0)).abs() < 1e-15
    );
    assert!(
        (Bandwidth::Silverman.factor(10_000.0, 2).unwrap() - 10_000f64.powf(-1.0 / 6.0)).abs()
            < 1e-15
    );
    assert!(
        (Bandwidth::Silverman.factor(100.0, 3).unwrap() - (125.0f64).powf(-1.0 / 7.0)).abs()
            < 1e-15
    );
    assert!(KdeConfig::new().bandwidth(Bandwidth::Factor(0.0)).is_err());
    assert!(KdeConfig::new()
        .bandwidth(Bandwidth::Factor(f64::NAN))
        .is_err());
    assert!("-1".parse::<Bandwidth>().is_err());
    assert_eq!(
        "Silverman".parse::<Bandwidth>().unwrap(),
        Bandwidth::Silverman
    );
}

#[test]
fn log_prob_matches_direct_mixture_sum() {
    let s = gaussian_samples(300, 1);
    let kde = KdeConfig::new().fit(&s, None, 0).unwrap();
    let lat = kde.latent();
    let h = lat.kernel_covariance();
    let det = h[0] * h[3] - h[1] * h[2];
    let inv = [h[3] / det, -h[1] / det, -h[2] / det, h[0] / det];
    let w = lat.weights();
    let y = Matrix::from_rows(&[[0.1, -0.3], [1.5, 2.0], [-2.0, 0.4]]).unwrap();
    let fast = lat.log_prob_latent(&y).unwrap();
    for (q, f) in y.rows().zip(fast) {
        let mut p = 0.0;
        for (c, wi) in lat.centres().rows().zip(&w) {
            let (a, b) = (q[0] - c[0], q[1] - c[1]);
            let m = a * (inv[0] * a + inv[1] * b) + b * (inv[2] * a + inv[3] * b);
            p += wi * (-0.5 * m).exp() / (2.0 * std::f64::consts::PI * det.sqrt());
        }
        assert!((f - p.ln()).abs() < 1e-12, "{f} vs {}", p.ln());
    }
}

#[test]
fn no_underflow_inside_the_support() {
    let s = gaussian_samples(200, 2);
    // Unbounded (the default): a point 10⁴ kernel widths out still has a finite density.
    let open = KdeConfig::new().fit(&s, None, 0).unwrap();
    let far = Matrix::from_rows(&[[1e3, -1e3], [-1e4, 0.0]]).unwrap();
    for l in open.log_prob(&far).unwrap() {
        assert!(l.is_finite() && l < -10.0, "{l}");
    }
    let kish = Bounds::from_samples(&s).unwrap();
    let kde = KdeConfig::new().fit(&s, Some(&kish), 0).unwrap();
    let b = kde.bounds();
    // Points a hair inside the corners: y ≈ ±8, thousands of kernel widths from every sample.
    let eps = 1e-15;
    let x = Matrix::from_rows(&[
        [
            b.lo()[0] + eps * (b.hi()[0] - b.lo()[0]),
            b.hi()[1] - eps * (b.hi()[1] - b.lo()[1]),
        ],
        [b.hi()[0] - 1e-9, b.lo()[1] + 1e-9],
    ])
    .unwrap();
    for l in kde.log_prob(&x).unwrap() {
        assert!(l.is_finite() && l < -10.0, "{l}");
    }
}

#[test]
fn fit_rejects_degenerate_input() {
    let x = Matrix::from_rows(&[[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]).unwrap();
    let s = WeightedSamples::unweighted(x, vec!["a".into(), "b".into()]).unwrap();
    let scott = KdeConfig::new().bandwidth(Bandwidth::Scott).unwrap();
    let e = scott.fit(&s, None, 0).unwrap_err();
    assert!(
        matches!(e, Error::InvalidArgument { ref arg, .. } if arg == "samples"),
        "{e}"
    );
    let bad_bounds = Bounds::new(vec![0.0, 0.0], vec![3.0, 5.0]).unwrap();
    let x = Matrix::from_rows(&[[0.0, 1.0], [1.0, 2.0], [2.0, 0.5], [1.5, 3.0]]).unwrap();
    let s = WeightedSamples::unweighted(x, vec!["a".into(), "b".into()]).unwrap();
    let e = scott.fit(&s, Some(&bad_bounds), 0).unwrap_err();
    assert!(
        matches!(&e, Error::OutsideBounds(v) if v.len() == 1 && v[0].param == "a" && v[0].outside == 1),
        "{e}"
    );
}

/// Pushes a uniform grid-free set of cube points through the map and compares with `sample`.
fn check_cube_reproduces_kde(kde: &Kde, n: usize) {
    use rand::Rng;
    let d = kde.dim();
    let mut rng = crate::rng_from_seed(99);
    let u = Matrix::new(n, d, (0..n * d).map(|_| rng.random::<f64>()).collect()).unwrap();
    let a = kde.from_unit_cube_batch(&u).unwrap();
    let b = kde.sample_seeded(n, 7).unwrap();
    // KS at the 0.1 % level for equal sizes: 1.95 √(2/n); checked on every coordinate and on the
    // sums and differences of coordinate pairs (which see the correlations).
    let crit = 1.95 * (2.0 / n as f64).sqrt();
    let mut projections: Vec<Vec<f64>> = (0..d)
        .map(|j| {
            let mut p = vec![0.0; d];
            p[j] = 1.0;
            p
        })
        .collect();
    for j in 0..d {
        for k in j + 1..d {
            for s in [1.0, -1.0] {
                let mut p = vec![0.0; d];
                p[j] = 1.0;
                p[k] = s;
                projections.push(p);
            }
        }
    }
    for p in &projections {
        let proj = |m: &Matrix| {
            m.rows()
                .map(|r| r.iter().zip(p).map(|(x, c)| x * c).sum())
                .collect::<Vec<f64>>()
        };
        let stat = ks_two_sample(proj(&a), proj(&b));
        assert!(stat < crit, "projection {p:?}: KS {stat} ≥ {crit}");
    }
    // Moments: means and covariances agree within 5 standard errors.
    let stats = |m: &Matrix| {
        let s = WeightedSamples::unweighted(m.clone(), WeightedSamples::default_names(d)).unwrap();
        (s.mean(), s.covariance())
    };
    let ((ma, ca), (mb, cb)) = (stats(&a), stats(&b));
    for j in 0..d {
        let sd = cb.get(j, j).sqrt();
        assert!(
            (ma[j] - mb[j]).abs() < 5.0 * sd * (2.0 / n as f64).sqrt(),
            "mean {j}"
        );
        for k in 0..d {
            let scale = (cb.get(j, j) * cb.get(k, k)).sqrt();
            assert!(
                (ca.get(j, k) - cb.get(j, k)).abs() < 5.0 * scale * (4.0 / n as f64).sqrt(),
                "cov {j}{k}"
            );
        }
    }
}

/// A bimodal, correlated data set: without re-weighting the kernels by the coordinates already
/// fixed, the cube map would lose the correlation between the modes.
fn bimodal(n: usize, d: usize, seed: u64) -> WeightedSamples {
    use rand::Rng;
    use rand_distr::{Distribution, StandardNormal};
    let mut rng = crate::rng_from_seed(seed);
    let mut v = Vec::with_capacity(n * d);
    for _ in 0..n {
        let c = if rng.random::<bool>() { 2.0 } else { -2.0 };
        for j in 0..d {
            let e: f64 = StandardNormal.sample(&mut rng);
            v.push(c * (1.0 - 0.3 * j as f64) + 0.6 * e);
        }
    }
    WeightedSamples::unweighted(
        Matrix::new(n, d, v).unwrap(),
        WeightedSamples::default_names(d),
    )
    .unwrap()
}

#[test]
fn unit_cube_map_reproduces_the_kde_in_2d() {
    let kde = KdeConfig::new().fit(&bimodal(400, 2, 3), None, 0).unwrap();
    check_cube_reproduces_kde(&kde, 4000);
}

#[test]
fn unit_cube_map_reproduces_the_kde_in_3d() {
    let kde = KdeConfig::new().fit(&bimodal(300, 3, 4), None, 0).unwrap();
    check_cube_reproduces_kde(&kde, 4000);
}

#[test]
fn unit_cube_map_is_monotone_in_the_first_coordinate_and_handles_the_edges() {
    let kde = KdeConfig::new()
        .fit(&gaussian_samples(200, 5), None, 0)
        .unwrap();
    let mut prev = f64::NEG_INFINITY;
    let mut th = [0.0; 2];
    for k in 0..=100 {
        kde.from_unit_cube(&[k as f64 / 100.0, 0.5], &mut th)
            .unwrap();
        assert!(th[0] >= prev && th.iter().all(|t| t.is_finite()));
        let b = kde.bounds();
        assert!((0..2).all(|j| th[j] >= b.lo()[j] && th[j] <= b.hi()[j]));
        if k > 0 && k < 100 {
            assert!(b.contains(&th));
        }
        prev = th[0];
    }
    assert!(kde.from_unit_cube(&[1.2, 0.5], &mut th).is_err());
}

#[test]
fn cross_validated_bandwidth_beats_scott_on_two_moons() {
    // Scott's rule assumes one Gaussian and over-smooths the moons; the held-out likelihood of
    // fresh draws must be higher with the cross-validated factor.
    use crate::targets::Target;
    let t = Target::TwoMoons;
    let train = t.samples(3000, &mut crate::rng_from_seed(1)).unwrap();
    let fresh = t.sample(3000, &mut crate::rng_from_seed(2));
    let mean = |c: KdeConfig| {
        let lq = c.fit(&train, None, 0).unwrap().log_prob(&fresh).unwrap();
        let inside: Vec<f64> = lq.into_iter().filter(|v| v.is_finite()).collect();
        inside.iter().sum::<f64>() / inside.len() as f64
    };
    let scott = mean(KdeConfig::new().bandwidth(Bandwidth::Scott).unwrap());
    let cv = mean(
        KdeConfig::new()
            .bandwidth(Bandwidth::CrossValidated)
            .unwrap(),
    );
    assert!(cv > scott + 0.05, "cv {cv} vs scott {scott}");
    assert_eq!(
        "cv".parse::<Bandwidth>().unwrap(),
        Bandwidth::CrossValidated
    );
    assert!(Bandwidth::CrossValidated.factor(100.0, 2).is_none());
    // Too few samples to hold any out: a typed error.
    let few = WeightedSamples::unweighted(
        Matrix::from_rows(&[[0.0, 1.0], [1.0, 0.3], [2.0, 2.0], [0.5, 1.5], [1.7, 0.2]]).unwrap(),
        vec!["a".into(), "b".into()],
    )
    .unwrap();
    let e = KdeConfig::new()
        .bandwidth(Bandwidth::CrossValidated)
        .unwrap()
        .fit(&few, None, 0)
        .unwrap_err();
    assert!(
        matches!(e, Error::InvalidArgument { ref arg, .. } if arg == "bandwidth"),
        "{e}"
    );
}

/// The fast unit-cube map agrees with the exact one (every kernel summed) to far below a
/// kernel width, in the bulk and in both tails.
#[test]
fn fast_unit_cube_map_matches_the_exact_map() {
    use rand::Rng;
    for (n, d, seed) in [(400, 2, 3), (300, 3, 4), (2000, 4, 5)] {
        let kde = KdeConfig::new().fit(&bimodal(n, d, seed), None, 0).unwrap();
        let lat = kde.latent();
        let h = lat.kernel_covariance();
        let mut rng = crate::rng_from_seed(seed);
        let (mut a, mut b) = (vec![0.0; d], vec![0.0; d]);
        for k in 0..300 {
            let u: Vec<f64> = (0..d)
                .map(|j| match (k + j) % 50 {
                    0 => 1e-7 * rng.random::<f64>(),
                    1 => 1.0 - 1e-7 * rng.random::<f64>(),
                    _ => rng.random::<f64>(),
                })
                .map(crate::transform::clamp_open)
                .collect();
            lat.latent_from_unit_cube(&u, &mut a).unwrap();
            lat.latent_from_unit_cube_exact(&u, &mut b).unwrap();
            for j in 0..d {
                let sd = h[j * d + j].sqrt();
                assert!(
                    (a[j] - b[j]).abs() < 1e-6 * sd,
                    "n {n} d {d} u {u:?}: coordinate {j}: {} vs {}",
                    a[j],
                    b[j]
                );
            }
        }
    }
}
