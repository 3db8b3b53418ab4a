//! Fitting: one trait for every estimator's configuration.

use crate::density::Estimator;
use crate::error::{Error, OutsideBounds, Result};
use crate::samples::WeightedSamples;
use crate::transform::Bounds;

/// A validated estimator configuration that can be fitted to weighted samples.
///
/// `bounds` gives each parameter's limits (a side may be open, see [`Bounds`]); `None` leaves
/// every parameter unbounded. Pass the true prior limits when the estimate is to be compared
/// with a prior: on a finite interval the estimator is fitted in Gaussianised coordinates, in
/// which a standard normal is the uniform prior. Every random choice derives from `seed`.
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
/// the samples checked to lie inside), or none ([`Bounds::unbounded`]).
pub fn resolve_bounds(samples: &WeightedSamples, bounds: Option<&Bounds>) -> Result<Bounds> {
    samples.check_fit_ready()?;
    match bounds {
        None => Bounds::unbounded(samples.dim()),
        Some(b) => {
            if b.dim() != samples.dim() {
                return Err(Error::dims("bounds", samples.dim(), b.dim()));
            }
            // Count, per parameter, the weighted samples on or outside the open box, so that the
            // error names every parameter at fault, how many samples, and their range.
            let d = b.dim();
            let mut outside = vec![0usize; d];
            let mut range = vec![(f64::INFINITY, f64::NEG_INFINITY); d];
            for (i, r) in samples.values().rows().enumerate() {
                if samples.weights()[i] > 0.0 && !b.contains(r) {
                    for j in 0..d {
                        if !(r[j] > b.lo()[j] && r[j] < b.hi()[j]) {
                            outside[j] += 1;
                        }
                    }
                }
                for (j, x) in r.iter().enumerate() {
                    range[j] = (range[j].0.min(*x), range[j].1.max(*x));
                }
            }
            let bad: Vec<OutsideBounds> = (0..d)
                .filter(|&j| outside[j] > 0)
                .map(|j| OutsideBounds {
                    param: samples.names()[j].clone(),
                    outside: outside[j],
                    total: samples.len(),
                    limits: (b.lo()[j], b.hi()[j]),
                    span: range[j],
                })
                .collect();
            if !bad.is_empty() {
                return Err(Error::OutsideBounds(bad));
            }
            Ok(b.clone())
        }
    }
}
