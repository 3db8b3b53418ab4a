//! Parameter bounds: per parameter a lower and an upper limit, either of which may be absent.
//!
//! A side that is `±∞` is open: the parameter is unbounded there. Which sides are finite chooses
//! the map to the estimators' latent coordinates (see [`crate::Gaussianiser`]): a finite
//! interval is Gaussianised through its CDF, a half-line takes a logarithm, and an unbounded
//! parameter is standardised by an affine map. Priors that need a volume (a uniform box, a
//! nested-sampling prior) ask for a finite box with [`Bounds::require_finite`].

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};
use crate::samples::WeightedSamples;

/// Per parameter `j` the open interval `(lo_j, hi_j)`, with `lo_j < hi_j`; `lo_j` may be `−∞` and
/// `hi_j` may be `+∞`.
///
/// ```
/// use margflow::Bounds;
/// // τ > 0, an unbounded shift, and a correlation in (−1, 1):
/// let b = Bounds::parse("0:,:,-1:1").unwrap();
/// assert_eq!(b.lo(), [0.0, f64::NEG_INFINITY, -1.0]);
/// assert_eq!(b.hi(), [f64::INFINITY, f64::INFINITY, 1.0]);
/// assert!(!b.is_finite());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Bounds {
    lo: Vec<f64>,
    hi: Vec<f64>,
}

/// How one parameter is bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Both limits finite: `lo < x < hi`.
    Both,
    /// Only a lower limit: `x > lo`.
    Lower,
    /// Only an upper limit: `x < hi`.
    Upper,
    /// No limit.
    Neither,
}

impl Bounds {
    /// Bounds from the lower and upper limits; `f64::NEG_INFINITY` / `f64::INFINITY` leave a side
    /// open.
    ///
    /// Errors: different lengths, empty, NaN, `lo_j = +∞`, `hi_j = −∞`, or `lo_j >= hi_j`.
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
            if l.is_nan() || h.is_nan() || *l == f64::INFINITY || *h == f64::NEG_INFINITY {
                return Err(Error::invalid(
                    "bounds",
                    format!("bound {j} is [{l}, {h}]: a lower limit must be a number or −∞, an upper limit a number or +∞"),
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

    /// No limits on any of `dim` parameters: the default when neither `--bounds`, a `.ranges`
    /// file nor a prior box says otherwise.
    pub fn unbounded(dim: usize) -> Result<Self> {
        Self::cube(dim, f64::NEG_INFINITY, f64::INFINITY)
    }

    /// The Kish box of the samples (margarine's default, available as an option): the sample
    /// range widened on each side by `(max − min) / (n − 3)`, with `n` the Kish effective sample
    /// size (DESIGN §2), the expected gap beyond the extreme order statistics.
    ///
    /// A density fitted in this box is zero outside it, so held-out points in the tails get
    /// `log q = −∞`; prefer [`Bounds::unbounded`] or the true prior limits.
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

    /// Parses `lo:hi,lo:hi,…` (the CLI's `--bounds` and `--prior-box`). An empty side is open:
    /// `0:` is `x > 0`, `:5` is `x < 5`, `:` is unbounded.
    pub fn parse(text: &str) -> Result<Self> {
        let mut lo = Vec::new();
        let mut hi = Vec::new();
        for (j, part) in text.split(',').enumerate() {
            let (l, h) = part.split_once(':').ok_or_else(|| {
                Error::invalid(
                    "bounds",
                    format!("entry {j} `{part}` is not of the form lo:hi (e.g. -1:1,0:5; leave a side empty for no limit, e.g. 0:)"),
                )
            })?;
            let num = |s: &str, open: f64| {
                let s = s.trim();
                if s.is_empty() {
                    return Ok(open);
                }
                s.parse::<f64>().map_err(|_| {
                    Error::invalid("bounds", format!("entry {j}: `{s}` is not a number"))
                })
            };
            lo.push(num(l, f64::NEG_INFINITY)?);
            hi.push(num(h, f64::INFINITY)?);
        }
        Self::new(lo, hi)
    }

    /// True when every limit is finite: a box with a volume.
    pub fn is_finite(&self) -> bool {
        self.lo.iter().chain(&self.hi).all(|v| v.is_finite())
    }

    /// Errors unless every limit is finite; `what` names the use (for example `prior box`).
    pub fn require_finite(&self, what: &str) -> Result<()> {
        match (0..self.dim()).find(|&j| self.side(j) != Side::Both) {
            None => Ok(()),
            Some(j) => Err(Error::invalid(
                what,
                format!(
                    "parameter {j} has limits ({}, {}); a {what} needs finite limits on every parameter",
                    self.lo[j], self.hi[j]
                ),
            )),
        }
    }

    /// Which limits of parameter `j` are finite.
    pub fn side(&self, j: usize) -> Side {
        match (self.lo[j].is_finite(), self.hi[j].is_finite()) {
            (true, true) => Side::Both,
            (true, false) => Side::Lower,
            (false, true) => Side::Upper,
            (false, false) => Side::Neither,
        }
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

    /// `Σ_j log(hi_j − lo_j)`: the log-volume of the box (`+∞` when a side is open).
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

    /// The bounds widened by `frac` on each finite side (samplers write points exactly on a hard
    /// prior limit, and the Gaussianising map needs them strictly inside): by `frac` of the width
    /// when both limits are finite, by `frac · max(|limit|, 1)` on a half-line.
    pub fn widened(&self, frac: f64) -> Result<Bounds> {
        let mut lo = self.lo.clone();
        let mut hi = self.hi.clone();
        for j in 0..self.dim() {
            let w = match self.side(j) {
                Side::Both => self.hi[j] - self.lo[j],
                Side::Lower => self.lo[j].abs().max(1.0),
                Side::Upper => self.hi[j].abs().max(1.0),
                Side::Neither => 0.0,
            };
            lo[j] -= frac * w;
            hi[j] += frac * w;
        }
        Bounds::new(lo, hi)
    }

    /// True when `lo_j < x_j < hi_j` for every `j` (the open box; NaN is never inside).
    pub fn contains(&self, x: &[f64]) -> bool {
        x.iter()
            .zip(self.lo.iter().zip(&self.hi))
            .all(|(v, (l, h))| *v > *l && *v < *h)
    }
}

/// On disk (model metadata) an open side is written as `null`, so that YAML and other readers
/// need no spelling of infinity; files of format version 1 (finite numbers only) read unchanged.
#[derive(Serialize, Deserialize)]
struct BoundsRepr {
    lo: Vec<Option<f64>>,
    hi: Vec<Option<f64>>,
}

impl Serialize for Bounds {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        BoundsRepr {
            lo: open_side(&self.lo),
            hi: open_side(&self.hi),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Bounds {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let r = BoundsRepr::deserialize(d)?;
        let (lo, hi) = open_sides(r.lo, r.hi);
        Bounds::new(lo, hi).map_err(serde::de::Error::custom)
    }
}

/// Limits as written in model metadata: `None` for an open side.
pub(crate) fn open_side(v: &[f64]) -> Vec<Option<f64>> {
    v.iter().map(|x| x.is_finite().then_some(*x)).collect()
}

/// Limits with `None` for an open side, as written in model metadata, to numbers with `∓∞`.
pub(crate) fn open_sides(lo: Vec<Option<f64>>, hi: Vec<Option<f64>>) -> (Vec<f64>, Vec<f64>) {
    (
        lo.into_iter()
            .map(|v| v.unwrap_or(f64::NEG_INFINITY))
            .collect(),
        hi.into_iter().map(|v| v.unwrap_or(f64::INFINITY)).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_reads_open_sides() {
        let b = Bounds::parse("0:, :,-1:1, :2.5").unwrap();
        assert_eq!(
            [b.side(0), b.side(1), b.side(2), b.side(3)],
            [Side::Lower, Side::Neither, Side::Both, Side::Upper]
        );
        assert_eq!(b.hi()[3], 2.5);
        assert!(b.contains(&[1e300, -1e300, 0.0, 2.0]));
        assert!(!b.contains(&[0.0, 0.0, 0.0, 0.0]));
        assert!(b.require_finite("prior box").is_err());
        assert!(Bounds::parse("1:1").is_err());
        assert!(Bounds::parse("a:1").is_err());
    }

    #[test]
    fn open_sides_survive_the_metadata_round_trip() {
        let b = Bounds::parse("0:,:,-1:1").unwrap();
        let yaml = serde_saphyr::to_string(&b).unwrap();
        let back: Bounds = serde_saphyr::from_str(&yaml).unwrap();
        assert_eq!(back, b);
        // Version-1 metadata: finite numbers only.
        let old: Bounds = serde_saphyr::from_str("lo: [0.0, -1.0]\nhi: [1.0, 2.0]\n").unwrap();
        assert_eq!(old, Bounds::new(vec![0.0, -1.0], vec![1.0, 2.0]).unwrap());
    }

    #[test]
    fn widening_moves_only_finite_sides() {
        let b = Bounds::parse("0:,:,-1:1").unwrap().widened(1e-3).unwrap();
        assert_eq!(b.lo(), [-1e-3, f64::NEG_INFINITY, -1.002]);
        assert_eq!(b.hi()[..2], [f64::INFINITY, f64::INFINITY]);
    }
}
