//! MAF tests through the public API: save/load, determinism, bad input, weighted training,
//! and conformance (normalisation by quadrature, samples against log_prob).

#![allow(clippy::needless_range_loop)]

use margflow::flow::{Maf, MafConfig};
use margflow::targets::Target;
use margflow::{
    rng_from_seed, Bounds, Density, Error, Fit, KdeConfig, Matrix, Persist, Sample, UnitCube,
    WeightedSamples,
};
use rand::Rng;

fn small_cfg(epochs: usize) -> MafConfig {
    MafConfig::builder()
        .n_mades(3)
        .hidden(vec![16, 16])
        .max_epochs(epochs)
        .progress(false)
        .build()
        .unwrap()
}

fn moons(n: usize, seed: u64) -> WeightedSamples {
    Target::TwoMoons
        .samples(n, &mut rng_from_seed(seed))
        .unwrap()
}

/// A narrow posterior (σ = 0.01) in a wide prior box [−10, 10]²: the standardisation layer
/// brings it to unit scale for the MADEs, so a short fit recovers its mean and sd (without it
/// the MAF saw data of sd ≈ 0.001 in the Gaussianised space and fitted sd 0.72).
#[test]
fn narrow_posterior_in_a_wide_box_is_fitted() {
    let mut rng = rng_from_seed(5);
    let (mu, sd) = ([0.3, -0.2], [0.01, 0.02]);
    let rows: Vec<[f64; 2]> = (0..2000)
        .map(|_| {
            let z: [f64; 2] = [
                rng.sample(rand_distr::StandardNormal),
                rng.sample(rand_distr::StandardNormal),
            ];
            [mu[0] + sd[0] * z[0], mu[1] + sd[1] * z[1]]
        })
        .collect();
    let s = WeightedSamples::unweighted(
        Matrix::from_rows(&rows).unwrap(),
        vec!["a".into(), "b".into()],
    )
    .unwrap();
    let bounds = Bounds::cube(2, -10.0, 10.0).unwrap();
    let maf = small_cfg(10).fit(&s, Some(&bounds), 1).unwrap();
    let (shift, scale) = maf.latent().standardisation();
    assert!(shift.iter().all(|v| v.abs() < 0.1) && scale.iter().all(|&v| v < 0.01));
    let x = maf.sample_seeded(4000, 2).unwrap();
    for j in 0..2 {
        let c = x.column(j);
        let m = c.iter().sum::<f64>() / c.len() as f64;
        let v = c.iter().map(|t| (t - m) * (t - m)).sum::<f64>() / c.len() as f64;
        assert!((m - mu[j]).abs() < 0.1 * sd[j], "mean {j}: {m}");
        assert!((v.sqrt() / sd[j] - 1.0).abs() < 0.1, "sd {j}: {}", v.sqrt());
    }
    // And the density agrees with the truth at the peak to within 10 % (log 0.1).
    let peak = Matrix::from_rows(&[mu]).unwrap();
    let lp = maf.log_prob(&peak).unwrap()[0];
    let truth = -(2.0 * std::f64::consts::PI * sd[0] * sd[1]).ln();
    assert!(
        (lp - truth).abs() < 0.1,
        "log q at the peak {lp} vs {truth}"
    );
}

#[test]
fn save_load_round_trip_is_exact() {
    let maf = small_cfg(3).fit(&moons(500, 1), None, 2).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m");
    maf.save(&path).unwrap();
    let back = Maf::load(&path).unwrap();
    assert_eq!(back.latent().params(), maf.latent().params());
    assert_eq!(
        back.latent().standardisation(),
        maf.latent().standardisation()
    );
    assert_eq!(back.latent().orders(), maf.latent().orders());
    assert_eq!(back.latent().history(), maf.latent().history());
    assert_eq!(back.names(), maf.names());
    assert_eq!(back.bounds(), maf.bounds());
    let x = maf.sample_seeded(200, 3).unwrap();
    let (a, b) = (maf.log_prob(&x).unwrap(), back.log_prob(&x).unwrap());
    assert!(a.iter().zip(&b).all(|(p, q)| p.to_bits() == q.to_bits()));
    assert_eq!(
        back.sample_seeded(50, 4).unwrap(),
        maf.sample_seeded(50, 4).unwrap()
    );
}

/// Rewrites a model directory's `model.yaml` as format version 1 wrote it: no `shift`/`scale`
/// of open coordinates (version 1 had finite boxes only).
fn as_version_1(dir: &std::path::Path) {
    let yaml = std::fs::read_to_string(dir.join("model.yaml")).unwrap();
    let mut out = String::new();
    let mut skipping = false;
    for line in yaml.lines() {
        let key = line.trim_start();
        if key.starts_with("shift:") || key.starts_with("scale:") {
            skipping = true;
            continue;
        }
        if skipping && key.starts_with("- ") {
            continue;
        }
        skipping = false;
        out.push_str(&line.replace("format_version: 2", "format_version: 1"));
        out.push('\n');
    }
    std::fs::write(dir.join("model.yaml"), out).unwrap();
}

/// Issue 12: models saved by format version 1 (finite boxes) still load, and give the same
/// densities; a version-1 file cannot describe an open side, so there is nothing to migrate.
#[test]
fn format_version_1_models_still_load() {
    let s = moons(300, 1);
    let b = Bounds::cube(2, -3.0, 3.0).unwrap();
    let probe = Matrix::from_rows(&[[0.1, 0.2], [1.5, -0.3]]).unwrap();
    let maf = small_cfg(1).fit(&s, Some(&b), 2).unwrap();
    let kde = KdeConfig::new().fit(&s, Some(&b), 0).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (m, k) = (dir.path().join("maf"), dir.path().join("kde"));
    maf.save(&m).unwrap();
    kde.save(&k).unwrap();
    as_version_1(&m);
    as_version_1(&k);
    let yaml = std::fs::read_to_string(m.join("model.yaml")).unwrap();
    assert!(
        yaml.contains("format_version: 1") && !yaml.contains("shift:"),
        "{yaml}"
    );
    let maf1 = Maf::load(&m).unwrap();
    let kde1 = margflow::Kde::load(&k).unwrap();
    assert_eq!(
        maf1.log_prob(&probe).unwrap(),
        maf.log_prob(&probe).unwrap()
    );
    assert_eq!(
        kde1.log_prob(&probe).unwrap(),
        kde.log_prob(&probe).unwrap()
    );
    // An unbounded model without its location and scale (a version-2 file cut short) is
    // refused with a model error rather than read as a box.
    let open = small_cfg(1).fit(&s, None, 2).unwrap();
    let o = dir.path().join("open");
    open.save(&o).unwrap();
    as_version_1(&o);
    assert!(matches!(Maf::load(&o), Err(Error::Model { .. })));
}

#[test]
fn loading_a_bad_model_gives_a_model_error() {
    let maf = small_cfg(1).fit(&moons(300, 1), None, 2).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good");
    maf.save(&good).unwrap();
    let yaml = std::fs::read_to_string(good.join("model.yaml")).unwrap();
    let variant = |name: &str, from: &str, to: &str| {
        let p = dir.path().join(name);
        std::fs::create_dir_all(&p).unwrap();
        std::fs::copy(
            good.join("weights.safetensors"),
            p.join("weights.safetensors"),
        )
        .unwrap();
        assert!(yaml.contains(from), "model.yaml lacks `{from}`:\n{yaml}");
        std::fs::write(p.join("model.yaml"), yaml.replacen(from, to, 1)).unwrap();
        Maf::load(&p)
    };
    let expect = |r: margflow::Result<Maf>, what: &str| match r {
        Err(Error::Model { reason, .. }) => {
            assert!(reason.contains(what), "`{reason}` should mention `{what}`")
        }
        other => panic!("expected a model error about {what}, got {other:?}"),
    };
    expect(variant("kind", "kind: maf", "kind: kde"), "expected `maf`");
    expect(
        variant("version", "format_version: 2", "format_version: 99"),
        "version 99",
    );
    // A wider first hidden layer than the stored weights.
    expect(variant("shape", "- 16\n", "- 17\n"), "shape");
    assert!(matches!(
        Maf::load(&dir.path().join("absent")),
        Err(Error::Io { .. })
    ));
}

#[test]
fn same_seed_same_bits_and_different_seed_differs() {
    let s = moons(400, 5);
    let cfg = small_cfg(4);
    let (a, b, c) = (
        cfg.fit(&s, None, 9).unwrap(),
        cfg.fit(&s, None, 9).unwrap(),
        cfg.fit(&s, None, 10).unwrap(),
    );
    let x = s.values().clone();
    let (la, lb, lc) = (
        a.log_prob(&x).unwrap(),
        b.log_prob(&x).unwrap(),
        c.log_prob(&x).unwrap(),
    );
    assert!(la.iter().zip(&lb).all(|(p, q)| p.to_bits() == q.to_bits()));
    assert!(la.iter().zip(&lc).any(|(p, q)| p != q));
    assert_eq!(a.latent().params(), b.latent().params());
}

#[test]
fn bad_input_gives_typed_errors() {
    let cfg = small_cfg(1);
    let names = vec!["a".to_string(), "b".to_string()];
    let m = |v: Vec<f64>| Matrix::new(v.len() / 2, 2, v).unwrap();
    // NaN / infinite values.
    assert!(matches!(
        WeightedSamples::unweighted(m(vec![0.0, 1.0, f64::NAN, 2.0, 1.0, 0.5]), names.clone()),
        Err(Error::NonFinite { .. })
    ));
    // Negative and all-zero weights.
    let x = m(vec![0.0, 1.0, 0.3, 2.0, 1.0, 0.5, 0.7, 0.1]);
    for w in [vec![1.0, -1.0, 1.0, 1.0], vec![0.0; 4]] {
        assert!(matches!(
            WeightedSamples::new(x.clone(), w, names.clone()),
            Err(Error::InvalidArgument { arg, .. }) if arg == "weights"
        ));
    }
    // A constant column.
    let s = WeightedSamples::unweighted(
        m(vec![0.0, 1.0, 0.3, 1.0, 1.0, 1.0, 0.7, 1.0, 0.2, 1.0]),
        names.clone(),
    )
    .unwrap();
    match cfg.fit(&s, None, 0) {
        Err(Error::InvalidArgument { reason, .. }) => assert!(reason.contains("constant")),
        other => panic!("{other:?}"),
    }
    // Fewer samples than dimensions.
    let s = WeightedSamples::unweighted(m(vec![0.0, 1.0, 0.3, 2.0]), names.clone()).unwrap();
    assert!(matches!(
        cfg.fit(&s, None, 0),
        Err(Error::InvalidArgument { .. })
    ));
    // Bounds with lo >= hi, of the wrong dimension, or not containing the samples.
    assert!(Bounds::new(vec![0.0, 1.0], vec![1.0, 1.0]).is_err());
    let s = moons(200, 1);
    let b3 = Bounds::cube(3, -5.0, 5.0).unwrap();
    assert!(matches!(
        cfg.fit(&s, Some(&b3), 0),
        Err(Error::DimensionMismatch { .. })
    ));
    let tight = Bounds::cube(2, -0.1, 0.1).unwrap();
    assert!(matches!(cfg.fit(&s, Some(&tight), 0), Err(Error::OutsideBounds(v)) if v.len() == 2));
    // Mismatched dimensions and NaN at log_prob; points outside the box give −∞.
    let maf = cfg.fit(&s, None, 0).unwrap();
    assert!(matches!(
        maf.log_prob(&Matrix::zeros(3, 3)),
        Err(Error::DimensionMismatch { .. })
    ));
    assert!(matches!(
        maf.log_prob(&m(vec![f64::NAN, 0.0])),
        Err(Error::NonFinite { .. })
    ));
    // With no bounds a far point has a tiny but finite density; in a box it is −∞.
    let far = maf.log_prob(&m(vec![1e6, 0.0])).unwrap()[0];
    assert!(far.is_finite() && far < -1e6, "{far}");
    let boxed = cfg
        .fit(&s, Some(&Bounds::from_samples(&s).unwrap()), 0)
        .unwrap();
    assert_eq!(
        boxed.log_prob(&m(vec![1e6, 0.0])).unwrap()[0],
        f64::NEG_INFINITY
    );
    // Unit-cube points outside [0, 1] or of the wrong length.
    let mut th = [0.0; 2];
    assert!(maf.from_unit_cube(&[0.5, 1.5], &mut th).is_err());
    assert!(maf.from_unit_cube(&[0.5], &mut th).is_err());
    // Too few samples for a validation split.
    let s = WeightedSamples::unweighted(m(vec![0.0, 1.0, 0.3, 2.0, 1.0, 0.5]), names).unwrap();
    assert!(matches!(
        cfg.fit(&s, None, 0),
        Err(Error::InvalidArgument { .. })
    ));
}

/// An importance-weighted set and its resampled equal-weight equivalent give the same fit
/// within noise: both KL(p‖q) to the 2-D Gaussian are small and agree.
#[test]
fn weighted_and_resampled_sets_give_the_same_fit() {
    let t = Target::Gaussian2d;
    let mut rng = rng_from_seed(31);
    let ws = t.importance_samples(6000, &mut rng).unwrap();
    // Multinomial resampling by weight, to the Kish size.
    let w = ws.normalised_weights();
    let cum: Vec<f64> = w
        .iter()
        .scan(0.0, |a, v| {
            *a += v;
            Some(*a)
        })
        .collect();
    let n = ws.ess() as usize;
    let rows: Vec<usize> = (0..n)
        .map(|_| {
            let u: f64 = rng.random();
            cum.partition_point(|c| *c < u).min(w.len() - 1)
        })
        .collect();
    let rs =
        WeightedSamples::unweighted(ws.values().select_rows(&rows), ws.names().to_vec()).unwrap();
    let cfg = MafConfig::builder()
        .n_mades(4)
        .hidden(vec![32, 32])
        .max_epochs(40)
        .progress(false)
        .build()
        .unwrap();
    let b = Bounds::cube(2, -15.0, 15.0).unwrap();
    let kw = t
        .kl_to(&cfg.fit(&ws, Some(&b), 1).unwrap(), 20_000, 5)
        .unwrap();
    let kr = t
        .kl_to(&cfg.fit(&rs, Some(&b), 1).unwrap(), 20_000, 5)
        .unwrap();
    println!("KL weighted {kw:.5}, resampled {kr:.5} (n = {n})");
    assert!(kw < 0.01 && kr < 0.01, "KL weighted {kw}, resampled {kr}");
    assert!((kw - kr).abs() < 0.005, "KL weighted {kw}, resampled {kr}");
}

/// Midpoint quadrature of `exp(log_prob)` over the box `b` (the flow's own, or a box holding
/// all its mass): (mass, entropy).
fn quadrature(maf: &Maf, b: &Bounds, n: usize) -> (f64, f64) {
    let d = b.dim();
    let h: Vec<f64> = (0..d).map(|j| (b.hi()[j] - b.lo()[j]) / n as f64).collect();
    let total = n.pow(d as u32);
    let mut pts = Vec::with_capacity(total * d);
    for k in 0..total {
        let mut r = k;
        for j in 0..d {
            pts.push(b.lo()[j] + ((r % n) as f64 + 0.5) * h[j]);
            r /= n;
        }
    }
    let lp = maf.log_prob(&Matrix::new(total, d, pts).unwrap()).unwrap();
    let cell: f64 = h.iter().product();
    let mass = lp.iter().map(|l| l.exp()).sum::<f64>() * cell;
    let neg_entropy = lp
        .iter()
        .filter(|l| l.is_finite())
        .map(|l| l.exp() * l)
        .sum::<f64>()
        * cell;
    (mass, -neg_entropy)
}

/// A trained 1-D and 2-D MAF integrate to 1 over their box, and the mean of −log_prob at their
/// own samples (drawn directly and through the unit cube) matches the quadrature entropy.
#[test]
fn trained_flows_are_normalised_and_their_samples_match_log_prob() {
    let mut rng = rng_from_seed(3);
    let x1: Vec<f64> = (0..1500)
        .map(|_| if rng.random::<bool>() { -1.0 } else { 1.5 } + 0.4 * rng.sample::<f64, _>(rand_distr::StandardNormal))
        .collect();
    let s1 =
        WeightedSamples::unweighted(Matrix::new(1500, 1, x1).unwrap(), vec!["x".into()]).unwrap();
    let s2 = moons(1500, 4);
    // In the Kish box of the samples (the flow's support), and with no bounds (integrated over
    // that box widened by twice its width on each side, beyond which no mass is left).
    for ((s, grid), open) in [(s1, 20_000usize), (s2, 400)]
        .into_iter()
        .flat_map(|c| [(c.clone(), false), (c, true)])
    {
        let kish = Bounds::from_samples(&s).unwrap();
        let maf = small_cfg(15).fit(&s, (!open).then_some(&kish), 7).unwrap();
        let b = if open {
            kish.widened(2.0).unwrap()
        } else {
            kish
        };
        let (mass, entropy) = quadrature(&maf, &b, grid);
        assert!(
            (mass - 1.0).abs() < 2e-3,
            "d = {} (open {open}): mass {mass}",
            s.dim()
        );
        let check = |x: Matrix, how: &str| {
            let lp = maf.log_prob(&x).unwrap();
            let n = lp.len() as f64;
            let mean = -lp.iter().sum::<f64>() / n;
            let sd = (lp.iter().map(|l| (l + mean).powi(2)).sum::<f64>() / n).sqrt();
            assert!(
                (mean - entropy).abs() < 4.0 * sd / n.sqrt() + 2e-3,
                "d = {} {how}: sample entropy {mean} vs quadrature {entropy} (sd {sd})",
                s.dim()
            );
        };
        check(maf.sample_seeded(20_000, 8).unwrap(), "samples");
        let mut r = rng_from_seed(9);
        let u = Matrix::new(
            20_000,
            s.dim(),
            (0..20_000 * s.dim()).map(|_| r.random()).collect(),
        )
        .unwrap();
        check(maf.from_unit_cube_batch(&u).unwrap(), "unit cube");
    }
}

/// The candle backend trains the same model as the native one: same initial weights, same
/// batches, same Adam; they differ only by f32 rounding, so short runs end close together.
#[test]
fn candle_and_native_backends_train_the_same_model() {
    use margflow::flow::Backend;
    let s = moons(600, 12);
    let fit = |backend| {
        MafConfig::builder()
            .n_mades(2)
            .hidden(vec![12, 12])
            .max_epochs(3)
            .backend(backend)
            .progress(false)
            .build()
            .unwrap()
            .fit(&s, None, 5)
            .unwrap()
    };
    let (nat, can) = (fit(Backend::Native), fit(Backend::Candle));
    let (hn, hc) = (nat.latent().history(), can.latent().history());
    assert_eq!(hn.epochs_run, 3);
    assert_eq!(hc.epochs_run, 3);
    for (a, b) in hn.val_loss.iter().zip(&hc.val_loss) {
        assert!(
            (a - b).abs() < 1e-3,
            "validation loss native {a}, candle {b}"
        );
    }
    let (pn, pc) = (nat.latent().params(), can.latent().params());
    let worst = pn
        .iter()
        .zip(pc)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(worst < 1e-3, "largest parameter difference {worst}");
}
