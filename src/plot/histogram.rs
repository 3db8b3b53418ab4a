//! Weighted histograms normalised to a density.

use crate::error::{Error, Result};

/// Histogram of `values` with `weights` on `[lo, hi]` in `bins` equal bins, normalised so
/// that `Σ_k h_k Δ = 1` (a density estimate); values outside `[lo, hi]` are dropped (their
/// weight still counts in the normalisation, so the area is the fraction inside).
///
/// Errors: `bins = 0`, `lo >= hi`, lengths that differ, or zero total weight.
pub fn weighted_histogram(
    values: &[f64],
    weights: &[f64],
    lo: f64,
    hi: f64,
    bins: usize,
) -> Result<Vec<f64>> {
    if bins == 0 {
        return Err(Error::invalid("bins", "need at least one bin"));
    }
    if lo.is_nan() || hi.is_nan() || lo >= hi {
        return Err(Error::invalid("range", format!("[{lo}, {hi}] is empty")));
    }
    if values.len() != weights.len() {
        return Err(Error::dims("weights", values.len(), weights.len()));
    }
    let total: f64 = weights.iter().sum();
    if total.is_nan() || total <= 0.0 {
        return Err(Error::invalid("weights", "the total weight is zero"));
    }
    let width = (hi - lo) / bins as f64;
    let mut h = vec![0.0; bins];
    for (v, w) in values.iter().zip(weights) {
        if *v >= lo && *v <= hi {
            let k = (((v - lo) / width) as usize).min(bins - 1);
            h[k] += w;
        }
    }
    Ok(h.into_iter().map(|c| c / (total * width)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalised_and_weighted() {
        let h =
            weighted_histogram(&[0.1, 0.6, 0.7, 2.0], &[1.0, 1.0, 2.0, 0.0], 0.0, 1.0, 2).unwrap();
        // Weight 1 in [0, .5), 3 in [.5, 1]; total 4, width .5.
        assert_eq!(h, vec![0.5, 1.5]);
        assert!((h.iter().sum::<f64>() * 0.5 - 1.0).abs() < 1e-15);
        assert!(weighted_histogram(&[0.0], &[0.0], 0.0, 1.0, 2).is_err());
        assert!(weighted_histogram(&[0.0], &[1.0], 1.0, 1.0, 2).is_err());
    }
}
