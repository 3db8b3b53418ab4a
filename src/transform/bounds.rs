//! Parameter bounds: the box `[lo_j, hi_j]` on which the Gaussianising transform is defined.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::samples::WeightedSamples;

/// A box `∏_j [lo_j, hi_j]` with `lo_j < hi_j`, all finite. Deserialising checks this as
/// [`Bounds::new`] does (a saved model with a corrupt box is an error, not a box that breaks
/// later).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawBounds")]
pub struct Bounds {
    lo: Vec<f64>,
    hi: Vec<f64>,
}

/// [`Bounds`] as stored, before its checks.
#[derive(Deserialize)]
struct RawBounds {
    lo: Vec<f64>,
    hi: Vec<f64>,
}

impl TryFrom<RawBounds> for Bounds {
    type Error = Error;
    fn try_from(r: RawBounds) -> Result<Self> {
        Bounds::new(r.lo, r.hi)
    }
}

impl Bounds {
    /// A box from its lower and upper corners.
    ///
    /// Errors: different lengths, empty, non-finite values, or `lo_j >= hi_j`.
    pub fn new(lo: Vec<f64>, hi: Vec<f64>) -> Result<Self> {
        if lo.len() != hi.len() {
            return Err(Error::dims("bounds.hi", lo.len(), hi.len()));
        }
        if lo.is_empty() {
            return Err(Error::invalid(
                "bounds",
                "bounds need at least one dimension",
            ));
        }
        for (j, (l, h)) in lo.iter().zip(&hi).enumerate() {
            if !l.is_finite() || !h.is_finite() {
                return Err(Error::invalid(
                    "bounds",
                    format!("bound {j} is [{l}, {h}]: both ends must be finite"),
                ));
            }
            if l >= h {
                return Err(Error::invalid(
                    "bounds",
                    format!("bound {j} is [{l}, {h}]: lo must be smaller than hi"),
                ));
            }
        }
        Ok(Self { lo, hi })
    }

    /// The same interval `[lo, hi]` in every one of `dim` dimensions.
    pub fn cube(dim: usize, lo: f64, hi: f64) -> Result<Self> {
        Self::new(vec![lo; dim], vec![hi; dim])
    }

    /// Default bounds from samples: the sample range widened on each side by
    /// `(max − min) / (n − 3)`, with `n` the Kish effective sample size (DESIGN §2). The
    /// widening is the expected gap beyond the extreme order statistics, so the bounds do not
    /// cut off the density's tails.
    pub fn from_samples(samples: &WeightedSamples) -> Result<Self> {
        samples.check_fit_ready()?;
        let n = samples.ess();
        let d = samples.dim();
        let mut lo = vec![f64::INFINITY; d];
        let mut hi = vec![f64::NEG_INFINITY; d];
        for r in samples.values().rows() {
            for j in 0..d {
                lo[j] = lo[j].min(r[j]);
                hi[j] = hi[j].max(r[j]);
            }
        }
        for j in 0..d {
            let pad = (hi[j] - lo[j]) / (n - 3.0);
            lo[j] -= pad;
            hi[j] += pad;
        }
        Self::new(lo, hi)
    }

    /// Parses `lo:hi,lo:hi,…` (the CLI's `--bounds` and `--prior-box`).
    pub fn parse(text: &str) -> Result<Self> {
        let mut lo = Vec::new();
        let mut hi = Vec::new();
        for (j, part) in text.split(',').enumerate() {
            let (l, h) = part.split_once(':').ok_or_else(|| {
                Error::invalid(
                    "bounds",
                    format!("entry {j} `{part}` is not of the form lo:hi (e.g. -1:1,0:5)"),
                )
            })?;
            let num = |s: &str| {
                s.trim().parse::<f64>().map_err(|_| {
                    Error::invalid("bounds", format!("entry {j}: `{s}` is not a number"))
                })
            };
            lo.push(num(l)?);
            hi.push(num(h)?);
        }
        Self::new(lo, hi)
    }

    /// Number of dimensions.
    pub fn dim(&self) -> usize {
        self.lo.len()
    }

    /// Lower corner.
    pub fn lo(&self) -> &[f64] {
        &self.lo
    }

    /// Upper corner.
    pub fn hi(&self) -> &[f64] {
        &self.hi
    }

    /// `Σ_j log(hi_j − lo_j)`: the log-volume of the box.
    pub fn log_volume(&self) -> f64 {
        self.lo
            .iter()
            .zip(&self.hi)
            .map(|(l, h)| (h - l).ln())
            .sum()
    }

    /// The intersection with `other`. Errors on a dimension mismatch or when the boxes do not
    /// overlap on some axis.
    pub fn intersect(&self, other: &Bounds) -> Result<Bounds> {
        if other.dim() != self.dim() {
            return Err(Error::dims("bounds", self.dim(), other.dim()));
        }
        let lo: Vec<f64> = self
            .lo
            .iter()
            .zip(&other.lo)
            .map(|(a, b)| a.max(*b))
            .collect();
        let hi: Vec<f64> = self
            .hi
            .iter()
            .zip(&other.hi)
            .map(|(a, b)| a.min(*b))
            .collect();
        Bounds::new(lo, hi)
    }

    /// The box of the axes `idx`, in that order. Errors on an axis out of range.
    pub fn select(&self, idx: &[usize]) -> Result<Bounds> {
        if let Some(&j) = idx.iter().find(|&&j| j >= self.dim()) {
            return Err(Error::invalid(
                "axes",
                format!("axis {j} of a {}-D box", self.dim()),
            ));
        }
        Bounds::new(
            idx.iter().map(|&j| self.lo[j]).collect(),
            idx.iter().map(|&j| self.hi[j]).collect(),
        )
    }

    /// The box widened by `frac` of its width on each side (samplers write points exactly on a
    /// hard prior limit, and the Gaussianising map needs them strictly inside).
    pub fn widened(&self, frac: f64) -> Result<Bounds> {
        let w: Vec<f64> = self
            .lo
            .iter()
            .zip(&self.hi)
            .map(|(l, h)| (h - l) * frac)
            .collect();
        Bounds::new(
            self.lo.iter().zip(&w).map(|(l, w)| l - w).collect(),
            self.hi.iter().zip(&w).map(|(h, w)| h + w).collect(),
        )
    }

    /// True when `lo_j < x_j < hi_j` for every `j` (the open box).
    pub fn contains(&self, x: &[f64]) -> bool {
        x.iter()
            .zip(self.lo.iter().zip(&self.hi))
            .all(|(v, (l, h))| *v > *l && *v < *h)
    }
}
