//! Tests of the output files, repartitioning, the enhanced pipeline and reweighting.

use rand::Rng;
use rand_distr::StandardNormal;

use super::problems::{CorrelatedGaussian, TestProblem, TwoGaussians};
use super::*;
use crate::matrix::Matrix;
use crate::rng::rng_from_seed;
use crate::samples::WeightedSamples;
use crate::Fit;

use super::sampler_tests::{assert_evidence, left_share, quiet};

#[test]
fn polychord_files_round_trip() {
    let p = CorrelatedGaussian::standard(2).unwrap();
    let run = sample(&p, &p.prior().unwrap(), &quiet(80, 4)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("chains/gauss");
    write_polychord(&run, &root).unwrap();
    for suffix in [".txt", "_dead-birth.txt", ".paramnames", ".stats"] {
        assert!(
            dir.path().join(format!("chains/gauss{suffix}")).exists(),
            "{suffix}"
        );
    }
    let back = read_polychord(&root, 200, 1).unwrap();
    assert_eq!(back.n_dead(), run.n_dead());
    assert_eq!(back.n_live_at_death(), run.n_live_at_death());
    assert!((back.log_z() - run.log_z()).abs() < 0.3 * run.log_z_err());
    assert_eq!(back.names(), run.names());
    // root.txt: weights sum to one, −2 log L matches.
    let txt = std::fs::read_to_string(dir.path().join("chains/gauss.txt")).unwrap();
    let total: f64 = txt
        .lines()
        .map(|l| l.split_whitespace().next().unwrap().parse::<f64>().unwrap())
        .sum();
    assert!((total - 1.0).abs() < 1e-9);
    assert!(read_polychord(&dir.path().join("missing"), 10, 1).is_err());
}

/// `L = N(θ; (½, ½), 0.1² I)` where `θ_1, θ_2 ≥ 0` and `L = 0` (`log L = −∞`) elsewhere, on
/// the box `[−1, 1]²`: three quarters of the prior have `L = 0`, and the Gaussian lies well
/// inside the quadrant, so `log Z = log(1/4)` (the prior density times a unit mass).
fn quadrant_gaussian(t: &[f64]) -> f64 {
    if t[0] < 0.0 || t[1] < 0.0 {
        return f64::NEG_INFINITY;
    }
    let s = 0.1f64;
    t.iter()
        .map(|x| -0.5 * ((x - 0.5) / s).powi(2) - (s * (2.0 * std::f64::consts::PI).sqrt()).ln())
        .sum()
}

#[test]
fn a_run_where_the_likelihood_vanishes_round_trips_with_its_evidence() {
    use crate::samples::readers::nested::{log_evidence, log_weights_from_nlive, read_dead_birth};
    let prior = crate::UniformBox::new(crate::Bounds::cube(2, -1.0, 1.0).unwrap()).unwrap();
    let truth = -(4f64.ln());
    let n = 200;
    let run = sample(&quadrant_gaussian, &prior, &quiet(n, 3)).unwrap();
    // About 150 of the 200 initial points have L = 0; they die first, as a plateau.
    let m0 = run
        .logl()
        .iter()
        .filter(|l| **l == f64::NEG_INFINITY)
        .count();
    assert!((110..190).contains(&m0), "{m0}");
    let plateau: Vec<usize> = (0..m0).map(|i| n - i).collect();
    assert_eq!(&run.n_live_at_death()[..m0], &plateau[..]);
    // The prior volume where L = 0 is removed from X: the in-memory log Z is the closed form.
    assert_evidence(&run, truth);
    // The expected-volume log Z, as anesthetic defines it.
    let nlive: Vec<f64> = run.n_live_at_death().iter().map(|&k| k as f64).collect();
    let log_z_expected = crate::linalg::logsumexp(&log_weights_from_nlive(run.logl(), &nlive));
    assert!((log_z_expected - truth).abs() < 3.0 * run.log_z_err());

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("quadrant");
    write_polychord(&run, &root).unwrap();
    // margflow's own reader gives back the same run.
    let back = read_polychord(&root, 200, 1).unwrap();
    assert_eq!(back.n_dead(), run.n_dead());
    assert_eq!(back.n_live_at_death(), run.n_live_at_death());
    assert_eq!(
        back.logl()
            .iter()
            .filter(|l| **l == f64::NEG_INFINITY)
            .count(),
        m0
    );
    // Both are means over 200 simulated volume sequences: each is off by about σ/√200
    // (0.07 σ), so the two agree to 5 times their difference's spread, 0.5 σ.
    assert!(
        (back.log_z() - run.log_z()).abs() < 0.5 * run.log_z_err(),
        "{} vs {} ± {} (expected volumes: {log_z_expected})",
        back.log_z(),
        run.log_z(),
        run.log_z_err()
    );
    assert_evidence(&back, truth);
    for (a, b) in back.posterior_weights().iter().zip(run.posterior_weights()) {
        assert!((a - b).abs() <= 1e-12 + 1e-9 * b, "{a} vs {b}");
    }
    // The chain reader (anesthetic's rules): the same log Z and weights from the expected
    // volumes (anesthetic's log X_i = Σ log(n_k / (n_k + 1)), where the run's own weights use
    // the expected log t = −1/n_k), zero on the points where L = 0.
    let chain = read_dead_birth(&root).unwrap();
    let lz = log_evidence(&chain.samples).unwrap();
    assert!(
        (lz - log_z_expected).abs() < 1e-9,
        "{lz} vs {log_z_expected}"
    );
    let w = chain.samples.weights();
    let total: f64 = w.iter().sum();
    let log_w = log_weights_from_nlive(run.logl(), &nlive);
    let want: Vec<f64> = log_w[m0..]
        .iter()
        .map(|v| (v - log_z_expected).exp())
        .collect();
    assert_eq!(w.len(), run.n_dead());
    assert!(w[..m0].iter().all(|&x| x == 0.0));
    for (a, b) in w[m0..].iter().zip(&want) {
        assert!((a / total - b).abs() <= 1e-12 + 1e-9 * b, "{a} vs {b}");
    }
}

/// Exact draws of N(μ, σ² I).
fn gaussian_draws(p: &CorrelatedGaussian, sigma: f64, n: usize, seed: u64) -> WeightedSamples {
    let d = p.dim();
    let mut rng = rng_from_seed(seed);
    let x: Vec<f64> = (0..n * d)
        .map(|k| p.mean()[k % d] + sigma * rng.sample::<f64, _>(StandardNormal))
        .collect();
    WeightedSamples::unweighted(
        Matrix::new(n, d, x).unwrap(),
        WeightedSamples::default_names(d),
    )
    .unwrap()
}

#[test]
fn repartitioned_run_with_a_fitted_prior_keeps_the_evidence() {
    // D_KL = 14.6 from the box, so the direct run is long; the fitted prior shortens it.
    let p = CorrelatedGaussian::new(3, 0.02, 0.0, 2.0).unwrap();
    let prior = p.prior().unwrap();
    let q = GaussianFit::new(1.5)
        .unwrap()
        .fit(&gaussian_draws(&p, 0.02, 4000, 1), Some(&p.bounds()), 0)
        .unwrap();
    let rep = Repartitioned::new(&p, &prior, &q).unwrap();
    let run = sample(&rep, &q, &quiet(150, 2)).unwrap();
    assert_evidence(&run, p.log_z());
    // The run's D_KL is now from q to the posterior: far below D_KL from the box.
    assert!(run.kl().mean < 0.3 * p.kl().unwrap(), "{:?}", run.kl());
    let direct = sample(&p, &prior, &quiet(150, 2)).unwrap();
    assert!(
        run.calls() < direct.calls() / 2,
        "{} vs {}",
        run.calls(),
        direct.calls()
    );
    // The repartitioned posterior is the true one.
    let s = run.to_weighted_samples().unwrap();
    for (m, t) in s.mean().iter().zip(p.mean()) {
        assert!((m - t).abs() < 0.004, "{m} vs {t}");
    }
}

/// The pipeline with its default settings and a quiet display.
fn default_pipeline(seed: u64) -> PipelineConfig {
    let def = PipelineConfig::default();
    PipelineConfig {
        low: def.low.clone().progress(false).seed(seed),
        high: def.high.clone().progress(false).seed(seed + 1),
        ..def
    }
}

/// Runs the default pipeline on `p` with the proposal `fit` and checks the target: the
/// evidence agrees with the truth, and the pipeline, its low-res run included, uses ≤ 15 % of a
/// direct run's calls at the same n_live (the 2σ coverage over seeds is measured by
/// `nested_bench pipeline-coverage`).
fn assert_pipeline_target<P: TestProblem, F: Fit>(
    p: &P,
    fit: &F,
    seed: u64,
) -> PipelineResult<F::Model> {
    let r = enhanced(
        p,
        &p.prior().unwrap(),
        &p.bounds(),
        fit,
        &default_pipeline(seed),
    )
    .unwrap();
    assert_evidence(&r.high, p.log_z());
    let direct = sample(p, &p.prior().unwrap(), &quiet(500, seed + 2)).unwrap();
    let ratio = r.calls as f64 / direct.calls() as f64;
    assert!(
        ratio <= 0.15,
        "{} vs {} calls: {ratio}",
        r.calls,
        direct.calls()
    );
    assert_eq!(r.calls, r.low.calls() + r.high.calls());
    r
}

/// The target on the built-in 5-D Gaussian (D_KL = 8.7) with a Gaussian proposal.
#[test]
fn enhanced_pipeline_agrees_with_truth_for_fewer_calls() {
    let p = CorrelatedGaussian::standard(5).unwrap();
    assert_pipeline_target(&p, &GaussianFit::default(), 1);
}

/// The same target on a bimodal posterior, with the Gaussian-mixture proposal: both modes are in
/// the proposal and in the repartitioned run's posterior.
#[test]
fn enhanced_pipeline_with_a_mixture_proposal_keeps_both_modes() {
    let p = TwoGaussians::new(2).unwrap();
    let r = assert_pipeline_target(&p, &GaussianMixtureFit::new(), 5);
    let left = left_share(&r.high);
    assert!((left - 0.5).abs() < 0.05, "left mode holds {left}");
}

#[test]
fn reweighting_reaches_the_slow_posterior_and_evidence() {
    // A: N(μ, 0.1²) with ρ = 0.5; B: the same box with σ = 0.08, ρ = 0.3 (means agree).
    let a = CorrelatedGaussian::standard(2).unwrap();
    let b = CorrelatedGaussian::new(2, 0.08, 0.3, 1.0).unwrap();
    let run = sample(&a, &a.prior().unwrap(), &quiet(150, 3)).unwrap();
    let cfg = ReweightConfig {
        target_ess: 1500.0,
        chunk: 500,
        ..Default::default()
    };
    let r = reweight(
        &run.to_weighted_samples().unwrap(),
        &b,
        &a.prior().unwrap(),
        &a.bounds(),
        &GaussianFit::new(1.2).unwrap(),
        &cfg,
    )
    .unwrap();
    assert!(r.ess >= 1500.0);
    assert_eq!(r.slow_calls as usize, r.samples.len());
    assert!(
        (r.log_z.mean - b.log_z()).abs() < 3.0 * r.log_z.sd,
        "{:?} vs {}",
        r.log_z,
        b.log_z()
    );
    let cov = r.samples.covariance();
    assert!(
        (cov.get(0, 0).sqrt() - 0.08).abs() < 0.008,
        "{}",
        cov.get(0, 0).sqrt()
    );
    assert!((cov.get(0, 1) / cov.get(0, 0) - 0.3).abs() < 0.1);
}

/// The flow-as-prior path: a MAF trained on exact draws of a known Gaussian, used as the
/// nested sampler's prior with the repartitioned likelihood, gives the true log Z.
#[test]
fn repartitioned_run_with_a_trained_maf_prior_keeps_the_evidence() {
    let p = CorrelatedGaussian::new(2, 0.02, 0.0, 2.0).unwrap();
    let prior = p.prior().unwrap();
    let draws = gaussian_draws(&p, 0.02 * 1.3, 3000, 5);
    let cfg = crate::MafConfig::builder()
        .n_mades(3)
        .hidden(vec![32, 32])
        .max_epochs(60)
        .progress(false)
        .build()
        .unwrap();
    let maf = cfg.fit(&draws, Some(&p.bounds()), 7).unwrap();
    let rep = Repartitioned::new(&p, &prior, &maf).unwrap();
    let run = sample(&rep, &maf, &quiet(100, 3)).unwrap();
    assert_evidence(&run, p.log_z());
    assert!(run.kl().mean < 0.3 * p.kl().unwrap(), "{:?}", run.kl());
    let s = run.to_weighted_samples().unwrap();
    for (m, t) in s.mean().iter().zip(p.mean()) {
        assert!((m - t).abs() < 0.006, "{m} vs {t}");
    }
}
