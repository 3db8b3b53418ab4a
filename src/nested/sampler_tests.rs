//! Tests of the sampler against closed-form evidences, and of its treatment of bad input.

use super::problems::{CorrelatedGaussian, TestProblem, TwoGaussians};
use super::*;
use crate::density::{Density, UnitCube};
use crate::error::{Error, Result};
use crate::matrix::Matrix;
use crate::transform::Bounds;
use crate::UniformBox;

/// A sampler configuration for tests: no progress display, fixed seed.
pub(super) fn quiet(n_live: usize, seed: u64) -> NestedConfig {
    NestedConfig::new()
        .n_live(n_live)
        .progress(false)
        .seed(seed)
}

/// Asserts that the run's `log Z` lies within 3σ (its own error) of `truth`.
#[track_caller]
pub(super) fn assert_evidence(run: &NestedRun, truth: f64) {
    let (lz, err) = (run.log_z(), run.log_z_err());
    assert!((lz - truth).abs() < 3.0 * err, "{lz} ± {err} vs {truth}");
}

#[test]
fn gaussian_evidence_kl_and_dimensionality_match_closed_forms() {
    for d in [2, 5] {
        let p = CorrelatedGaussian::standard(d).unwrap();
        let run = sample(&p, &p.prior().unwrap(), &quiet(150, 7)).unwrap();
        assert_evidence(&run, p.log_z());
        let err = run.log_z_err();
        // σ(log Z) ≈ √(D_KL / n_live) (Skilling 2006).
        let expect_err = (p.kl().unwrap() / 150.0).sqrt();
        assert!(
            (err / expect_err - 1.0).abs() < 0.3,
            "err {err} vs {expect_err}"
        );
        let kl = run.kl();
        assert!(
            (kl.mean - p.kl().unwrap()).abs() < 3.0 * kl.sd + 0.1,
            "{kl:?} vs {:?}",
            p.kl()
        );
        let bmd = run.bmd();
        assert!((bmd.mean - d as f64).abs() < 3.0 * bmd.sd + 0.3, "{bmd:?}");
        assert_eq!(run.stop_reason(), StopReason::Converged);
        // Posterior mean from the weighted samples.
        let s = run.to_weighted_samples().unwrap();
        for (m, t) in s.mean().iter().zip(p.mean()) {
            assert!((m - t).abs() < 0.03, "{m} vs {t}");
        }
        assert_eq!(s.log_likelihood().unwrap().len(), s.len());
    }
}

/// The posterior mass of a run at `θ₁ < 0` (the left mode of [`TwoGaussians`]).
pub(super) fn left_share(run: &NestedRun) -> f64 {
    let s = run.to_weighted_samples().unwrap();
    s.values()
        .rows()
        .zip(s.normalised_weights())
        .filter(|(r, _)| r[0] < 0.0)
        .map(|(_, w)| w)
        .sum()
}

#[test]
fn two_separated_modes_are_both_found() {
    let p = TwoGaussians::new(2).unwrap();
    let run = sample(&p, &p.prior().unwrap(), &quiet(200, 3)).unwrap();
    assert_evidence(&run, p.log_z());
    let left = left_share(&run);
    assert!((left - 0.5).abs() < 0.1, "left mode holds {left}");
    assert!(run.n_clusters() >= 2, "clusters: {}", run.n_clusters());
}

#[test]
fn same_seed_same_run_on_any_number_of_threads() {
    let p = CorrelatedGaussian::standard(3).unwrap();
    let cfg = quiet(60, 11).batch(4);
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let two = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let a = one
        .install(|| sample(&p, &p.prior().unwrap(), &cfg))
        .unwrap();
    let b = two
        .install(|| sample(&p, &p.prior().unwrap(), &cfg))
        .unwrap();
    assert_eq!(a.calls(), b.calls());
    assert_eq!(a.logl(), b.logl());
    assert_eq!(a.log_z(), b.log_z());
    let c = sample(&p, &p.prior().unwrap(), &cfg.clone().seed(12)).unwrap();
    assert_ne!(a.logl(), c.logl());
}

#[test]
fn nan_is_log_zero_with_a_count_and_infinity_is_an_error() {
    let p = CorrelatedGaussian::standard(2).unwrap();
    // NaN on θ₀ > 0.8 (a region with no posterior mass): the evidence is unchanged.
    let nan_like = |t: &[f64]| {
        if t[0] > 0.8 {
            f64::NAN
        } else {
            p.log_likelihood(t).unwrap()
        }
    };
    let run = sample(&nan_like, &p.prior().unwrap(), &quiet(100, 5)).unwrap();
    assert!(run.nan_calls() > 0);
    assert_evidence(&run, p.log_z());
    let inf_like = |t: &[f64]| if t[0] > 0.5 { f64::INFINITY } else { 0.0 };
    match sample(&inf_like, &p.prior().unwrap(), &quiet(100, 5)) {
        Err(Error::Numerical { context, .. }) => assert_eq!(context, "likelihood"),
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn bad_settings_are_typed_errors() {
    let p = CorrelatedGaussian::standard(5).unwrap();
    for cfg in [
        quiet(5, 0),
        quiet(100, 0).precision(0.0),
        quiet(100, 0).n_repeats(0),
        quiet(100, 0).repeats_per_dimension(0),
    ] {
        assert!(matches!(
            sample(&p, &p.prior().unwrap(), &cfg),
            Err(Error::InvalidArgument { .. })
        ));
    }
}

/// A prior whose map leaves its own support.
struct Leaky(UniformBox);
impl Density for Leaky {
    fn dim(&self) -> usize {
        self.0.dim()
    }
    fn log_prob(&self, x: &Matrix) -> Result<Vec<f64>> {
        self.0.log_prob(x)
    }
}
impl UnitCube for Leaky {
    fn from_unit_cube(&self, u: &[f64], theta: &mut [f64]) -> Result<()> {
        self.0.from_unit_cube(u, theta)?;
        theta[0] *= 2.0;
        Ok(())
    }
}

#[test]
fn prior_map_outside_its_support_is_an_error() {
    let leaky = Leaky(UniformBox::new(Bounds::cube(2, -1.0, 1.0).unwrap()).unwrap());
    let like = |_: &[f64]| 0.0;
    match sample(&like, &leaky, &quiet(50, 1)) {
        Err(Error::InvalidArgument { arg, .. }) => assert_eq!(arg, "prior"),
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn call_cap_is_never_exceeded() {
    let p = CorrelatedGaussian::standard(4).unwrap();
    let run = sample(&p, &p.prior().unwrap(), &quiet(100, 2).max_calls(20_000)).unwrap();
    assert!(run.calls() <= 20_000, "{}", run.calls());
    assert_eq!(run.stop_reason(), StopReason::CallCap);
}

#[test]
fn dead_birth_alone_reproduces_the_evidence() {
    let p = CorrelatedGaussian::standard(2).unwrap();
    let run = sample(&p, &p.prior().unwrap(), &quiet(100, 9).batch(5)).unwrap();
    let back = NestedRun::from_dead_birth(
        run.theta().clone(),
        run.logl().to_vec(),
        run.logl_birth().to_vec(),
        run.names().to_vec(),
        200,
        1,
    )
    .unwrap();
    assert_eq!(back.n_live_at_death(), run.n_live_at_death());
    assert!((back.log_z() - run.log_z()).abs() < 0.3 * run.log_z_err());
}
