//! Marginal statistics against closed forms: a Gaussian in a box (D = log V − ½ log det 2πeΣ,
//! d = dim), the triangular density (D = ln 2 − ½, d = ½), importance-sampled evidences and
//! evidence ratios of Gaussians, masking and the errors of bad input.

use margflow::density::{Density, Gaussian, GaussianFit, Sample};
use margflow::stats::{
    importance_evidence, joint_log_like, joint_samples, kl_bmd, log_evidence_ratio, marginal_stats,
    marginal_stats_sampled, spread_over_seeds, Experiment, JointPosterior, PriorSpec,
};
use margflow::{log_like, Bounds, Error, Matrix, Result, UniformBox, WeightedSamples};

// `p(x, y) = 1 − |x|` on `[−1, 1] × [0, 1]`: D = ln 2 − ½ and d = ½ against the box.
use margflow::reproductions::closed_forms::Triangular;

fn ar1_target() -> (Gaussian, UniformBox, Bounds, f64) {
    let g = Gaussian::ar1(5, 0.6, 1.0).unwrap();
    let b = Bounds::cube(5, -10.0, 10.0).unwrap();
    let d = g.kl_from_box(&b).unwrap();
    (g, UniformBox::new(b.clone()).unwrap(), b, d)
}

#[test]
fn gaussian_in_box_with_exact_densities_matches_closed_form() {
    let (g, prior, _, d_true) = ar1_target();
    // D = log V − ½ log det(2πeΣ) = 8.7765 for unit variances (issue 4 quotes 10.0213).
    assert!((d_true - 8.7765).abs() < 5e-5);
    let x = g.sample_seeded(10_000, 11).unwrap();
    let s = WeightedSamples::unweighted(x, WeightedSamples::default_names(5)).unwrap();
    let st = marginal_stats(&g, &prior, &s, 300, 5).unwrap();
    assert_eq!(st.n_nonfinite, 0);
    assert_eq!(st.n_used, 10_000);
    assert!((st.kl - d_true).abs() < 2.0 * st.kl_err, "{st:?}");
    assert!((st.bmd - 5.0).abs() < 2.0 * st.bmd_err, "{st:?}");
    // The bootstrap error agrees with the analytic standard error √(Var r / n) = √(d/2n).
    let se = (2.5f64 / 10_000.0).sqrt();
    assert!(
        (st.kl_err / se - 1.0).abs() < 0.2,
        "bootstrap {} vs analytic {se}",
        st.kl_err
    );
    // With r = const − ½ χ²₅, Var(d̂) = 4 Var((r−D)²)/n = 4·(½)⁴·Var(χ²²)/n ... use its
    // moments: Var((χ²−5)²) = E(χ²−5)⁴ − 10² = (3·10² + 48·5) − 100 = 440, so
    // σ_d = 2·¼·√(440/n).
    let sd_d = 0.5 * (440.0f64 / 10_000.0).sqrt();
    assert!(
        (st.bmd_err / sd_d - 1.0).abs() < 0.25,
        "bootstrap {} vs analytic {sd_d}",
        st.bmd_err
    );
}

#[test]
fn moment_matched_estimator_hits_the_issue_target() {
    let (g, prior, bounds, d_true) = ar1_target();
    let x = g.sample_seeded(10_000, 12).unwrap();
    let s = WeightedSamples::unweighted(x, WeightedSamples::default_names(5)).unwrap();
    let r = spread_over_seeds(
        &GaussianFit,
        &s,
        PriorSpec::Density(&prior),
        Some(&bounds),
        &[1, 2, 3],
        200,
    )
    .unwrap();
    let c = r.combined;
    assert!(
        (c.kl - d_true).abs() < 0.05 && (c.kl - d_true).abs() < 2.0 * c.kl_err,
        "{c:?}"
    );
    assert!(
        (c.bmd - 5.0).abs() < 0.25 && (c.bmd - 5.0).abs() < 2.0 * c.bmd_err,
        "{c:?}"
    );
    // The moment fit does not depend on the seed; the seed only deals the rows into the two
    // cross-fitting folds, so the spread over seeds is that of the deal: not zero, and well
    // inside the combined error.
    assert!(r.kl_seed_std > 0.0 && r.kl_seed_std < c.kl_err, "{r:?}");
    assert_eq!(r.per_seed.len(), 3);
}

#[test]
fn triangular_density_matches_closed_form_on_samples_and_draws() {
    let prior = UniformBox::new(Bounds::new(vec![-1.0, 0.0], vec![1.0, 1.0]).unwrap()).unwrap();
    let want_d = 2f64.ln() - 0.5;
    let st = marginal_stats_sampled(&Triangular, &prior, 10_000, 300, 3).unwrap();
    assert!((st.kl - want_d).abs() < 2.0 * st.kl_err, "{st:?}");
    assert!((st.bmd - 0.5).abs() < 2.0 * st.bmd_err, "{st:?}");
    // Weighted samples: uniform draws on the box weighted by the density give the same.
    let u = prior.sample_seeded(40_000, 4).unwrap();
    let w: Vec<f64> = Triangular
        .log_prob(&u)
        .unwrap()
        .iter()
        .map(|l| l.exp())
        .collect();
    let s = WeightedSamples::new(u, w, vec!["x".into(), "y".into()]).unwrap();
    let st = marginal_stats(&Triangular, &prior, &s, 300, 9).unwrap();
    assert!((st.kl - want_d).abs() < 2.0 * st.kl_err, "{st:?}");
    assert!((st.bmd - 0.5).abs() < 2.0 * st.bmd_err, "{st:?}");
}

#[test]
fn masking_and_errors() {
    // Posterior zero at one sample: masked and counted; the rest give the exact answer.
    let st = kl_bmd(
        &[0.0, f64::NEG_INFINITY, 2.0, f64::NAN],
        &[-1.0; 4],
        &[1.0; 4],
        0,
        0,
    )
    .unwrap();
    assert_eq!((st.n_used, st.n_nonfinite), (2, 2));
    assert!(
        (st.kl - 2.0).abs() < 1e-15 && (st.bmd - 2.0).abs() < 1e-15,
        "{st:?}"
    );
    // Prior zero where the posterior is positive: an error, not a number.
    let e = kl_bmd(&[0.0, 1.0], &[0.0, f64::NEG_INFINITY], &[1.0, 1.0], 0, 0).unwrap_err();
    assert!(matches!(e, Error::Numerical { .. }), "{e}");
    // No finite values: an error.
    assert!(kl_bmd(&[f64::NAN; 3], &[0.0; 3], &[1.0; 3], 10, 0).is_err());
    // Samples outside the prior box.
    let prior = UniformBox::new(Bounds::cube(1, 0.0, 1.0).unwrap()).unwrap();
    let g = Gaussian::standard(1).unwrap();
    let s =
        WeightedSamples::unweighted(Matrix::new(2, 1, vec![0.5, 2.0]).unwrap(), vec!["a".into()])
            .unwrap();
    assert!(marginal_stats(&g, &prior, &s, 10, 0).is_err());
    // Dimension mismatch.
    assert!(matches!(
        marginal_stats(&Gaussian::standard(2).unwrap(), &prior, &s, 10, 0),
        Err(Error::DimensionMismatch { .. })
    ));
}

#[test]
fn importance_sampled_evidence_of_a_gaussian_likelihood() {
    // L(θ) = c N(θ; μ, Σ) in a box of volume V that holds it: Z = c / V.
    let like = Gaussian::new(
        vec![0.5, -0.5],
        Matrix::new(2, 2, vec![1.0, 0.3, 0.3, 0.5]).unwrap(),
    )
    .unwrap();
    let log_c = -3.0;
    let b = Bounds::cube(2, -20.0, 20.0).unwrap();
    let prior = UniformBox::new(b.clone()).unwrap();
    let log_l = |x: &Matrix| -> Result<Vec<f64>> {
        Ok(like.log_prob(x)?.into_iter().map(|l| l + log_c).collect())
    };
    let want = log_c - b.log_volume();
    // Exact posterior as proposal: every weight equal, efficiency 1, no error.
    let e = importance_evidence(&log_l, &prior, &like, 2000, 1).unwrap();
    assert!(
        (e.log_value - want).abs() < 1e-10
            && e.log_value_err < 1e-10
            && (e.efficiency - 1.0).abs() < 1e-10,
        "{e:?}"
    );
    // A wider proposal: unbiased within its error, efficiency below 1.
    let wide = Gaussian::new(
        vec![0.0, 0.0],
        Matrix::new(2, 2, vec![3.0, 0.0, 0.0, 3.0]).unwrap(),
    )
    .unwrap();
    let e = importance_evidence(&log_l, &prior, &wide, 20_000, 2).unwrap();
    assert!(
        (e.log_value - want).abs() < 3.0 * e.log_value_err,
        "{e:?} vs {want}"
    );
    assert!(
        e.efficiency > 0.1 && e.efficiency < 0.9 && e.log_value_err < 0.05,
        "{e:?}"
    );
    assert!((e.ess - e.efficiency * 20_000.0).abs() < 1e-6);
}

#[test]
fn evidence_ratio_and_joint_posterior_of_two_gaussians() {
    // 1-D: P_A = N(0, 1), P_B = N(1, 2), π = U(−30, 30): R = V N(0; 1, 3); the product
    // posterior is N(μ, s²) with s² = (1 + ½)⁻¹ = 2/3, μ = s² (0/1 + 1/2) = 1/3.
    let a = Gaussian::standard(1).unwrap();
    let b = Gaussian::new(vec![1.0], Matrix::new(1, 1, vec![2.0]).unwrap()).unwrap();
    let bx = Bounds::cube(1, -30.0, 30.0).unwrap();
    let prior = UniformBox::new(bx.clone()).unwrap();
    let want = bx.log_volume() - 0.5 * (2.0 * std::f64::consts::PI * 3.0).ln() - 0.5 / 3.0;
    let r = log_evidence_ratio(&a, &b, &prior, &a, 50_000, 3).unwrap();
    assert!(
        (r.log_value - want).abs() < 3.0 * r.log_value_err && r.log_value_err < 0.01,
        "{r:?} vs {want}"
    );
    let joint = JointPosterior::new(&a, &b, &prior, &a, 50_000, 3).unwrap();
    let exact =
        Gaussian::new(vec![1.0 / 3.0], Matrix::new(1, 1, vec![2.0 / 3.0]).unwrap()).unwrap();
    let pts = Matrix::new(3, 1, vec![-1.0, 0.2, 1.5]).unwrap();
    for (x, y) in joint
        .log_prob(&pts)
        .unwrap()
        .iter()
        .zip(exact.log_prob(&pts).unwrap())
    {
        assert!((x - y).abs() < 3.0 * r.log_value_err, "{x} vs {y}");
    }
    let s = joint_samples(&a, &b, &prior, &a, 50_000, 4, vec!["t".into()]).unwrap();
    let (m, v) = (s.mean()[0], s.covariance().get(0, 0));
    assert!(
        (m - 1.0 / 3.0).abs() < 0.02 && (v - 2.0 / 3.0).abs() < 0.03,
        "mean {m} var {v}"
    );
    // Joint likelihood = sum of nuisance-free likelihoods.
    let ex = [
        Experiment {
            posterior: &a,
            prior: &prior,
            log_z: -2.0,
        },
        Experiment {
            posterior: &b,
            prior: &prior,
            log_z: 1.0,
        },
    ];
    let jl = joint_log_like(&ex, &pts).unwrap();
    let la = log_like(&a, &pts, -2.0, &prior).unwrap();
    let lb = log_like(&b, &pts, 1.0, &prior).unwrap();
    for i in 0..3 {
        assert!((jl[i] - la[i] - lb[i]).abs() < 1e-12);
    }
    assert!(joint_log_like(&[], &pts).is_err());
}

#[test]
fn gaussian_fit_on_weighted_samples_recovers_moments() {
    // Importance-weighted uniform draws of a Gaussian: the moment fit recovers it.
    let g = Gaussian::new(vec![0.3], Matrix::new(1, 1, vec![0.04]).unwrap()).unwrap();
    let u = UniformBox::new(Bounds::cube(1, -1.0, 2.0).unwrap())
        .unwrap()
        .sample_seeded(50_000, 5)
        .unwrap();
    let w: Vec<f64> = g.log_prob(&u).unwrap().iter().map(|l| l.exp()).collect();
    let s = WeightedSamples::new(u, w, vec!["a".into()]).unwrap();
    let fit = margflow::Fit::fit(&GaussianFit, &s, None, 0).unwrap();
    assert!((fit.mean()[0] - 0.3).abs() < 0.01 && (fit.cov().get(0, 0) - 0.04).abs() < 0.003);
}

#[test]
fn bounds_that_exclude_samples_name_the_parameter_the_count_and_the_range() {
    use margflow::fit::resolve_bounds;
    let x = Matrix::new(4, 2, vec![0.1, 0.5, 0.2, 1.5, 0.3, 2.5, 0.4, 0.5]).unwrap();
    let s = WeightedSamples::unweighted(x, vec!["a".into(), "b".into()]).unwrap();
    let b = Bounds::new(vec![0.0, 0.0], vec![1.0, 1.0]).unwrap();
    let e = resolve_bounds(&s, Some(&b)).unwrap_err().to_string();
    assert!(e.contains("`b`: 2 of 4 samples outside (0, 1)"), "{e}");
    assert!(e.contains("span [0.5, 2.5]"), "{e}");
    assert!(!e.contains("`a`"), "a is inside: {e}");
    let wide = Bounds::new(vec![0.0, 0.0], vec![1.0, 3.0]).unwrap();
    assert!(resolve_bounds(&s, Some(&wide)).is_ok());
}
