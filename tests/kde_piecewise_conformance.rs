//! The shared density conformance checks, run over the KDE, the piecewise KDE and the
//! piecewise MAF:
//! normalisation by quadrature in 1-D and 2-D, samples that agree with `log_prob`, a unit-cube
//! map that reproduces `sample`, save/load round trips and determinism.

use margflow::cluster::ClusterConfig;
use margflow::stats::ks_two_sample;
use margflow::{
    Density, Fit, KdeConfig, Matrix, Persist, PiecewiseConfig, Sample, UnitCube, WeightedSamples,
};
use rand::Rng;
use rand_distr::{Distribution, Normal};

/// Weighted samples from three separated Gaussian blobs in `d = 1` or `2` dimensions, with
/// uneven weights.
fn blobs(n: usize, d: usize, seed: u64) -> WeightedSamples {
    let mut rng = margflow::rng_from_seed(seed);
    let noise = Normal::new(0.0, 0.4).unwrap();
    let centres = [[-3.0, 0.0], [0.5, 2.5], [3.0, -1.0]];
    let mut v = Vec::with_capacity(n * d);
    let mut w = Vec::with_capacity(n);
    for _ in 0..n {
        let c = centres[rng.random_range(0..3)];
        for cj in &c[..d] {
            v.push(cj + noise.sample(&mut rng));
        }
        w.push(0.5 + rng.random::<f64>());
    }
    WeightedSamples::new(
        Matrix::new(n, d, v).unwrap(),
        w,
        WeightedSamples::default_names(d),
    )
    .unwrap()
}

/// Integral of `exp(log p)` over the box `[lo, hi]` by the midpoint rule in the Gaussianised
/// coordinates `t` of that box (`x_j = lo_j + (hi_j − lo_j) Φ(t_j)`, `t_j ∈ [−7, 7]`, `m` cells
/// per dimension), and per-cell probabilities on a coarse `c`-per-dimension grid of `x`.
///
/// A density of `x` fitted in this box is `q(t) / Π (hi − lo) φ(t)`; when `q` has heavier tails
/// than `φ` (a flow whose tail scale exceeds 1), it is unbounded, though integrable, at the box
/// edges, and a midpoint rule in `x` misses part of its mass (1 % for a small piecewise MAF).
/// In `t` the integrand is `q(t)` itself: smooth, and negligible beyond `|t| = 7`.
fn quadrature<M: Density>(
    model: &M,
    lo: &[f64],
    hi: &[f64],
    m: usize,
    c: usize,
) -> (f64, Vec<f64>) {
    use margflow::transform::normal;
    let d = lo.len();
    let t_max = 7.0;
    let dt = 2.0 * t_max / m as f64;
    let total = m.pow(d as u32);
    let mut pts = Vec::with_capacity(total * d);
    let mut jac = Vec::with_capacity(total);
    for idx in 0..total {
        let mut r = idx;
        let mut log_j = 0.0;
        for j in 0..d {
            let k = r % m;
            r /= m;
            let t = -t_max + (k as f64 + 0.5) * dt;
            pts.push(lo[j] + (hi[j] - lo[j]) * normal::cdf(t));
            log_j += (hi[j] - lo[j]).ln() + normal::log_pdf(t) + dt.ln();
        }
        jac.push(log_j);
    }
    let x = Matrix::new(total, d, pts).unwrap();
    let lp = model.log_prob(&x).unwrap();
    let mut cells = vec![0.0; c.pow(d as u32)];
    let mut z = 0.0;
    for ((l, lj), r) in lp.iter().zip(&jac).zip(x.rows()) {
        assert!(!l.is_nan());
        let p = (l + lj).exp();
        z += p;
        cells[cell_of(r, lo, hi, c)] += p;
    }
    (z, cells)
}

fn cell_of(x: &[f64], lo: &[f64], hi: &[f64], c: usize) -> usize {
    let mut cidx = 0;
    for j in 0..x.len() {
        let k = (((x[j] - lo[j]) / (hi[j] - lo[j]) * c as f64) as usize).min(c - 1);
        cidx = cidx * c + k;
    }
    cidx
}

/// Every check, for one estimator configuration: fitted in the samples' Kish box (a density that
/// is −∞ outside it) and with no bounds (the default: finite everywhere).
fn conformance<C: Fit>(name: &str, config: &C)
where
    C::Model: Persist,
{
    for d in [1, 2] {
        for open in [false, true] {
            conformance_one(name, config, d, open);
        }
    }
}

fn conformance_one<C: Fit>(name: &str, config: &C, d: usize, open: bool)
where
    C::Model: Persist,
{
    {
        let s = blobs(600, d, 10 + d as u64);
        let kish = margflow::Bounds::from_samples(&s).unwrap();
        let bounds = (!open).then_some(&kish);
        let model = config.fit(&s, bounds, 42).unwrap();
        let name = &format!("{name} ({})", if open { "no bounds" } else { "Kish box" });
        // The quadrature box: the Kish box, or with no bounds half its width further on each
        // side (beyond the Kish box of these blobs, σ = 0.4, lie more than 10σ: no mass in
        // double precision).
        let grow = if open { 0.5 } else { 0.0 };
        let lo: Vec<f64> = (0..d)
            .map(|j| kish.lo()[j] - grow * (kish.hi()[j] - kish.lo()[j]))
            .collect();
        let hi: Vec<f64> = (0..d)
            .map(|j| kish.hi()[j] + grow * (kish.hi()[j] - kish.lo()[j]))
            .collect();
        // Normalisation: the density integrates to 1 over its box.
        // Cells no wider than a kernel where the blobs are (the midpoint rule's error is then
        // below e^−30): the wider box of the open pass needs twice as many.
        let m = match (d, open) {
            (1, _) => 20_000,
            (_, false) => 800,
            (_, true) => 1600,
        };
        let c = 4;
        let (z, cells) = quadrature(&model, &lo, &hi, m, c);
        let tol = if d == 1 { 1e-3 } else { 2e-3 };
        assert!((z - 1.0).abs() < tol, "{name} {d}-D: ∫p = {z}");
        // Samples agree with log_prob: cell frequencies against cell integrals.
        let n = 20_000;
        let x = model.sample_seeded(n, 5).unwrap();
        let mut freq = vec![0.0; cells.len()];
        for r in x.rows() {
            freq[cell_of(r, &lo, &hi, c)] += 1.0 / n as f64;
        }
        for (f, p) in freq.iter().zip(&cells) {
            let se = (p * (1.0 - p) / n as f64).sqrt();
            assert!(
                (f - p).abs() < 5.0 * se + tol,
                "{name} {d}-D: frequency {f} vs probability {p}"
            );
        }
        // The unit-cube map reproduces `sample` (KS per coordinate at the 0.1 % level).
        let k = 3000;
        let mut rng = margflow::rng_from_seed(8);
        let u = Matrix::new(k, d, (0..k * d).map(|_| rng.random::<f64>()).collect()).unwrap();
        let a = model.from_unit_cube_batch(&u).unwrap();
        let b = model.sample_seeded(k, 9).unwrap();
        for j in 0..d {
            let stat = ks_two_sample(a.column(j), b.column(j));
            assert!(
                stat < 1.95 * (2.0 / k as f64).sqrt(),
                "{name} {d}-D: KS {stat} in column {j}"
            );
        }
        // Determinism: same seed, same model.
        let again = config.fit(&s, bounds, 42).unwrap();
        let probe = model.sample_seeded(50, 3).unwrap();
        assert_eq!(
            model.log_prob(&probe).unwrap(),
            again.log_prob(&probe).unwrap()
        );
        assert_eq!(
            again.sample_seeded(20, 4).unwrap(),
            model.sample_seeded(20, 4).unwrap()
        );
        // Save/load round trip: identical densities, samples and cube map.
        let dir = tempfile::tempdir().unwrap();
        model.save(dir.path()).unwrap();
        let loaded = C::Model::load(dir.path()).unwrap();
        assert_eq!(
            model.log_prob(&probe).unwrap(),
            loaded.log_prob(&probe).unwrap()
        );
        assert_eq!(
            loaded.sample_seeded(20, 4).unwrap(),
            model.sample_seeded(20, 4).unwrap()
        );
        assert_eq!(loaded.from_unit_cube_batch(&u).unwrap(), a);
        // Beyond the Kish box: −∞ when fitted in it, finite with no bounds; NaN: an error.
        let out = Matrix::new(1, d, kish.hi().iter().map(|h| h + 1.0).collect()).unwrap();
        let l = model.log_prob(&out).unwrap()[0];
        if open {
            assert!(
                l.is_finite(),
                "{name} {d}-D: log p beyond the samples = {l}"
            );
        } else {
            assert_eq!(l, f64::NEG_INFINITY);
        }
        assert!(model
            .log_prob(&Matrix::new(1, d, vec![f64::NAN; d]).unwrap())
            .is_err());
    }
}

#[test]
fn kde_conformance() {
    conformance("kde", &KdeConfig::new());
}

#[test]
fn piecewise_kde_conformance() {
    let clusters = ClusterConfig::new()
        .k_max(6)
        .unwrap()
        .min_cluster_size(30.0)
        .unwrap();
    conformance(
        "piecewise-kde",
        &PiecewiseConfig::new(KdeConfig::new()).clusters(clusters),
    );
}

#[test]
fn piecewise_maf_conformance() {
    // A small, quick flow: the checks are about the mixture's plumbing, which must hold for
    // any component quality.
    let maf = margflow::flow::MafConfig::builder()
        .n_mades(3)
        .hidden(vec![16, 16])
        .max_epochs(40)
        .progress(false)
        .build()
        .unwrap();
    let clusters = ClusterConfig::new()
        .k_max(6)
        .unwrap()
        .min_cluster_size(30.0)
        .unwrap();
    // Components in the global box, so that the quadrature's Gaussianised coordinates are the
    // components' own; the default per-cluster boxes are checked component by component below.
    let pw = PiecewiseConfig::new(maf.clone())
        .clusters(clusters.clone())
        .component_bounds(margflow::cluster::ComponentBounds::Global)
        .unwrap();
    conformance("piecewise-maf", &pw);
    // Per-cluster boxes (the default within finite global limits, here the Kish box): each
    // component integrates to 1 over its own box, and the shares sum to 1, so the mixture is
    // normalised.
    let s = blobs(600, 2, 12);
    let kish = margflow::Bounds::from_samples(&s).unwrap();
    let model = PiecewiseConfig::new(maf)
        .clusters(clusters)
        .fit(&s, Some(&kish), 42)
        .unwrap();
    assert!((model.shares().iter().sum::<f64>() - 1.0).abs() < 1e-12);
    for (k, comp) in model.components().iter().enumerate() {
        let b = comp.bounds();
        let (z, _) = quadrature(comp, b.lo(), b.hi(), 800, 2);
        assert!((z - 1.0).abs() < 2e-3, "component {k}: ∫p = {z}");
    }
}

#[test]
fn piecewise_kde_finds_the_three_blobs_and_their_shares() {
    let s = blobs(900, 2, 21);
    let model = PiecewiseConfig::new(KdeConfig::new())
        .fit(&s, None, 1)
        .unwrap();
    assert_eq!(
        model.n_components(),
        3,
        "silhouette {:?}",
        model.silhouette()
    );
    let shares = model.shares();
    assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    // Each blob is drawn with probability 1/3: shares within 5 standard errors.
    for w in &shares {
        assert!(
            (w - 1.0 / 3.0).abs() < 5.0 * (2.0f64 / 9.0 / 900.0).sqrt(),
            "{shares:?}"
        );
    }
}

#[test]
fn loading_the_wrong_kind_is_an_error() {
    let s = blobs(300, 2, 30);
    let dir = tempfile::tempdir().unwrap();
    KdeConfig::new()
        .fit(&s, None, 0)
        .unwrap()
        .save(dir.path())
        .unwrap();
    assert!(margflow::Piecewise::<margflow::Kde>::load(dir.path()).is_err());
}
