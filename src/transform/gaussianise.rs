//! The Gaussianising bijector `T: x → u = (x − lo)/(hi − lo) → y = Φ⁻¹(u)`.
//!
//! Estimators work on `y ∈ ℝ^d`, so an estimator that is standard normal in `y` is the uniform
//! density on the box in `x`. The log-Jacobian of `T` is
//! `log |∂y/∂x| = Σ_j [−log(hi_j − lo_j) − log φ(y_j)]`, since `∂y/∂u = 1/φ(y)`.

use serde::{Deserialize, Serialize};

use super::bounds::Bounds;
use super::normal;

/// The map `x ↦ y = Φ⁻¹((x − lo)/(hi − lo))`, coordinate by coordinate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gaussianiser {
    bounds: Bounds,
}

impl Gaussianiser {
    /// The bijector for a box.
    pub fn new(bounds: Bounds) -> Self {
        Self { bounds }
    }

    /// The box.
    pub fn bounds(&self) -> &Bounds {
        &self.bounds
    }

    /// Dimension.
    pub fn dim(&self) -> usize {
        self.bounds.dim()
    }

    /// Writes `y = T(x)` and returns `log |∂y/∂x|`, or `None` when `x` is not strictly inside
    /// the box (there the density is zero).
    pub fn forward(&self, x: &[f64], y: &mut [f64]) -> Option<f64> {
        let mut log_det = 0.0;
        for j in 0..x.len() {
            let (lo, hi) = (self.bounds.lo()[j], self.bounds.hi()[j]);
            let u = (x[j] - lo) / (hi - lo);
            if !(u > 0.0 && u < 1.0) {
                return None;
            }
            y[j] = normal::inv_cdf(u);
            if !y[j].is_finite() {
                return None;
            }
            log_det -= (hi - lo).ln() + normal::log_pdf(y[j]);
        }
        Some(log_det)
    }

    /// Writes `x = T⁻¹(y) = lo + (hi − lo) Φ(y)`, kept strictly inside the box.
    ///
    /// For `|y| ≳ 8`, `Φ(y)` is within rounding of 0 or 1 and `x` would round onto the box's
    /// edge, where [`forward`](Self::forward) (and so every density) is zero, so that a unit-cube
    /// map and its own density would disagree. Such an `x` is moved inwards by the fewest ulps
    /// that make `forward` finite; the probability mass this touches is below `10⁻¹⁵`.
    pub fn inverse(&self, y: &[f64], x: &mut [f64]) {
        for j in 0..y.len() {
            let (lo, hi) = (self.bounds.lo()[j], self.bounds.hi()[j]);
            let mut v = (lo + (hi - lo) * normal::cdf(y[j])).clamp(lo, hi);
            for _ in 0..64 {
                let u = (v - lo) / (hi - lo);
                if u > 0.0 && u < 1.0 && normal::inv_cdf(u).is_finite() {
                    break;
                }
                v = if u <= 0.5 { v.next_up() } else { v.next_down() };
            }
            x[j] = v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bij() -> Gaussianiser {
        Gaussianiser::new(Bounds::new(vec![-2.0, 0.0, 10.0], vec![3.0, 1e-3, 12.0]).unwrap())
    }

    #[test]
    fn extreme_latents_stay_strictly_inside_the_box() {
        let b = Gaussianiser::new(
            Bounds::new(vec![-0.17, 0.0], vec![31.5, 10.0 * std::f64::consts::PI]).unwrap(),
        );
        for y in [
            [-40.0, 40.0],
            [-9.0, 9.0],
            [f64::NEG_INFINITY, f64::INFINITY],
        ] {
            let mut x = [0.0; 2];
            b.inverse(&y, &mut x);
            let mut back = [0.0; 2];
            assert!(
                b.forward(&x, &mut back).is_some(),
                "{y:?} → {x:?} is on the edge"
            );
            assert!(x[0] > -0.17 && x[1] < 10.0 * std::f64::consts::PI);
        }
    }

    #[test]
    fn round_trip() {
        let b = bij();
        let x = [0.3, 2e-4, 11.9];
        let mut y = [0.0; 3];
        let mut back = [0.0; 3];
        b.forward(&x, &mut y).unwrap();
        b.inverse(&y, &mut back);
        for j in 0..3 {
            assert!((back[j] - x[j]).abs() < 1e-12 * (1.0 + x[j].abs()));
        }
    }

    #[test]
    fn log_det_matches_finite_differences() {
        // The map is diagonal, so log|det J| = Σ log(dy_j/dx_j), checked by central differences.
        let b = bij();
        let x = [-1.7, 7e-4, 10.2];
        let mut y = [0.0; 3];
        let ld = b.forward(&x, &mut y).unwrap();
        let mut fd = 0.0;
        for j in 0..3 {
            let h = 1e-6 * (b.bounds().hi()[j] - b.bounds().lo()[j]);
            let (mut xp, mut xm) = (x, x);
            xp[j] += h;
            xm[j] -= h;
            let (mut yp, mut ym) = ([0.0; 3], [0.0; 3]);
            b.forward(&xp, &mut yp).unwrap();
            b.forward(&xm, &mut ym).unwrap();
            fd += ((yp[j] - ym[j]) / (2.0 * h)).ln();
        }
        assert!(
            (ld - fd).abs() < 1e-6,
            "analytic {ld} vs finite differences {fd}"
        );
    }

    #[test]
    fn outside_is_none() {
        let b = bij();
        let mut y = [0.0; 3];
        assert!(b.forward(&[3.0, 5e-4, 11.0], &mut y).is_none());
        assert!(b.forward(&[-2.5, 5e-4, 11.0], &mut y).is_none());
        assert!(b.forward(&[0.0, 5e-4, f64::NAN], &mut y).is_none());
    }
}
