//! Estimators chosen by name (the CLI's `--estimator`): one place to add a new one.

use crate::density::{Estimator, GaussianFit};
use crate::error::{Error, Result};
use crate::fit::Fit;
use crate::samples::WeightedSamples;
use crate::transform::Bounds;

/// The names [`fit_named`] accepts.
pub const ESTIMATOR_NAMES: &[&str] = &["gaussian"];

/// Fits the estimator called `name` to `samples` on `bounds` (or bounds from the samples).
///
/// - `gaussian`: moment-matched multivariate normal ([`GaussianFit`]).
///
/// Errors: an unknown name (the message lists the known ones), or the estimator's own fit error.
pub fn fit_named(
    name: &str,
    samples: &WeightedSamples,
    bounds: Option<&Bounds>,
    seed: u64,
) -> Result<Box<dyn Estimator>> {
    match name {
        "gaussian" => Ok(Box::new(GaussianFit.fit(samples, bounds, seed)?)),
        other => Err(Error::invalid(
            "estimator",
            format!("unknown estimator `{other}`; choose one of {ESTIMATOR_NAMES:?}"),
        )),
    }
}
