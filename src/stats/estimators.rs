//! Estimators chosen by name (the CLI's `--estimator`): one place to add a new one.
//!
//! Every kind of [`crate::model::EstimatorKind`] (the estimators `margflow train` fits, with
//! their default configuration) plus `gaussian`, a moment-matched multivariate normal.

use crate::density::{Estimator, GaussianFit};
use crate::error::{Error, Result};
use crate::fit::Fit;
use crate::flow::MafConfig;
use crate::model::{fit_any, EstimatorKind, FitOptions};
use crate::samples::WeightedSamples;
use crate::transform::Bounds;

/// The names [`fit_named`] accepts.
pub fn estimator_names() -> Vec<String> {
    let mut v: Vec<String> = EstimatorKind::ALL
        .iter()
        .map(|k| k.name().to_string())
        .collect();
    v.push("gaussian".into());
    v
}

/// Fits the estimator called `name` to `samples` on `bounds` (or bounds from the samples),
/// with its default configuration (no progress bar).
///
/// Errors: an unknown name (the message lists the known ones), or the estimator's own fit error.
pub fn fit_named(
    name: &str,
    samples: &WeightedSamples,
    bounds: Option<&Bounds>,
    seed: u64,
) -> Result<Box<dyn Estimator>> {
    if name == "gaussian" {
        return Ok(Box::new(GaussianFit.fit(samples, bounds, seed)?));
    }
    let kind = EstimatorKind::from_name(name).ok_or_else(|| {
        Error::invalid(
            "estimator",
            format!(
                "unknown estimator `{name}`; choose one of {:?}",
                estimator_names()
            ),
        )
    })?;
    let options = FitOptions::new(MafConfig::builder().progress(false).build()?);
    Ok(Box::new(fit_any(kind, &options, samples, bounds, seed)?))
}
