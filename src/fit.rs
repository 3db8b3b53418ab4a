//! Fitting: one trait for every estimator's configuration.

use crate::density::Estimator;
use crate::error::Result;
use crate::samples::WeightedSamples;
use crate::transform::Bounds;

/// A validated estimator configuration that can be fitted to weighted samples.
///
/// `bounds = None` uses [`Bounds::from_samples`]; pass the true prior box when the estimate is
/// to be compared with a prior. Every random choice derives from `seed`.
pub trait Fit: Send + Sync {
    /// The fitted estimator.
    type Model: Estimator;
    /// Fits the estimator to `samples`.
    fn fit(
        &self,
        samples: &WeightedSamples,
        bounds: Option<&Bounds>,
        seed: u64,
    ) -> Result<Self::Model>;
}

/// Resolves the bounds for a fit: the given ones (checked against the samples' dimension and
/// the samples checked to lie inside), or the default from the samples.
pub fn resolve_bounds(samples: &WeightedSamples, bounds: Option<&Bounds>) -> Result<Bounds> {
    samples.check_fit_ready()?;
    match bounds {
        None => Bounds::from_samples(samples),
        Some(b) => {
            if b.dim() != samples.dim() {
                return Err(crate::Error::dims("bounds", samples.dim(), b.dim()));
            }
            for (i, r) in samples.values().rows().enumerate() {
                if samples.weights()[i] > 0.0 && !b.contains(r) {
                    return Err(crate::Error::invalid(
                        "bounds",
                        format!("sample {i} ({r:?}) lies outside the given bounds; widen them or drop the sample"),
                    ));
                }
            }
            Ok(b.clone())
        }
    }
}
