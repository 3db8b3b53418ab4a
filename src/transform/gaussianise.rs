//! The bijector `T: x → y ∈ ℝ^d` onto the estimators' latent coordinates, one parameter at a time,
//! chosen by which of the parameter's limits are finite (see [`Bounds`]):
//!
//! | limits | map | `log |dy/dx|` |
//! |---|---|---|
//! | `lo < x < hi` | `y = Φ⁻¹((x − lo)/(hi − lo))` | `−log(hi − lo) − log φ(y)` |
//! | `x > lo` | `y = (log(x − lo) − a)/s` | `−log(x − lo) − log s` |
//! | `x < hi` | `y = (a − log(hi − x))/s` | `−log(hi − x) − log s` |
//! | none | `y = (x − a)/s` | `−log s` |
//!
//! On a finite interval an estimator that is standard normal in `y` is the uniform density in
//! `x` (margarine's Gaussianisation). On a half-line or the whole line the location `a` and scale
//! `s` are the weighted mean and standard deviation of the log-distance to the limit (or of `x`)
//! over the samples the estimator is fitted to ([`Gaussianiser::fit`]), so that `y` is
//! standardised; margarine's roadmap calls this the alternate normalisation. Every map is onto
//! `ℝ`, so sampling and the unit-cube map reach the whole support, and a density is `−∞` only
//! outside the limits.

use super::bounds::{Bounds, Side};
use super::normal;
use crate::error::{Error, Result};
use crate::samples::WeightedSamples;

/// The map `x ↦ y`, coordinate by coordinate (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct Gaussianiser {
    bounds: Bounds,
    /// Location `a_j` of each half-line or unbounded coordinate (0 on a finite interval).
    shift: Vec<f64>,
    /// Scale `s_j > 0` of each half-line or unbounded coordinate (1 on a finite interval).
    scale: Vec<f64>,
}

impl Gaussianiser {
    /// The bijector for a finite box. Errors when a limit is infinite: an open side needs the
    /// location and scale that [`Gaussianiser::fit`] takes from samples.
    pub fn new(bounds: Bounds) -> Result<Self> {
        bounds.require_finite("bounds")?;
        let d = bounds.dim();
        Self::from_parts(bounds, vec![0.0; d], vec![1.0; d])
    }

    /// The bijector for `bounds`, with the location and scale of every open coordinate taken
    /// from the weighted samples (which must lie inside the bounds, see
    /// [`crate::fit::resolve_bounds`]).
    ///
    /// Errors when a parameter with an open side takes one value only.
    pub fn fit(bounds: Bounds, samples: &WeightedSamples) -> Result<Self> {
        if samples.dim() != bounds.dim() {
            return Err(Error::dims("bounds", samples.dim(), bounds.dim()));
        }
        let d = bounds.dim();
        let mut shift = vec![0.0; d];
        let mut scale = vec![1.0; d];
        let w = samples.weights();
        for j in 0..d {
            if bounds.side(j) == Side::Both {
                continue;
            }
            let (mut sw, mut m, mut m2) = (0.0, 0.0, 0.0);
            for (r, &wi) in samples.values().rows().zip(w) {
                let z = log_distance(&bounds, j, r[j]);
                if wi > 0.0 && z.is_finite() {
                    // Welford's weighted update: stable for parameters far from zero.
                    sw += wi;
                    let delta = z - m;
                    m += wi / sw * delta;
                    m2 += wi * delta * (z - m);
                }
            }
            let sd = (m2 / sw).sqrt();
            if !(sd.is_finite() && sd > 0.0) {
                return Err(Error::invalid(
                    "samples",
                    format!(
                        "parameter `{}` takes a single value on the samples, so its open side(s) cannot be standardised; drop the parameter or give it finite bounds",
                        samples.names()[j]
                    ),
                ));
            }
            shift[j] = m;
            scale[j] = sd;
        }
        Self::from_parts(bounds, shift, scale)
    }

    /// The bijector from its saved parts. Empty `shift` and `scale` (model files of format
    /// version 1) mean a finite box. Errors on lengths that differ from the bounds', a scale
    /// that is not finite and positive, or a finite interval with a location or scale other than
    /// 0 and 1.
    pub fn from_parts(bounds: Bounds, shift: Vec<f64>, scale: Vec<f64>) -> Result<Self> {
        let d = bounds.dim();
        if shift.is_empty() && scale.is_empty() {
            return Self::new(bounds);
        }
        if shift.len() != d {
            return Err(Error::dims("shift", d, shift.len()));
        }
        if scale.len() != d {
            return Err(Error::dims("scale", d, scale.len()));
        }
        for j in 0..d {
            let (a, s) = (shift[j], scale[j]);
            if !(a.is_finite() && s.is_finite() && s > 0.0) {
                return Err(Error::invalid(
                    "scale",
                    format!("coordinate {j} has location {a} and scale {s}: both must be finite and the scale > 0"),
                ));
            }
            if bounds.side(j) == Side::Both && (a != 0.0 || s != 1.0) {
                return Err(Error::invalid(
                    "scale",
                    format!("coordinate {j} lies in a finite interval, where the location must be 0 and the scale 1 (got {a}, {s})"),
                ));
            }
        }
        Ok(Self {
            bounds,
            shift,
            scale,
        })
    }

    /// The limits.
    pub fn bounds(&self) -> &Bounds {
        &self.bounds
    }

    /// The locations `a_j` and scales `s_j` of the open coordinates (0 and 1 on finite
    /// intervals).
    pub fn affine(&self) -> (&[f64], &[f64]) {
        (&self.shift, &self.scale)
    }

    /// Dimension.
    pub fn dim(&self) -> usize {
        self.bounds.dim()
    }

    /// Writes `y = T(x)` and returns `log |∂y/∂x|`, or `None` when `x` is not strictly inside
    /// the limits (there the density is zero) or not finite.
    pub fn forward(&self, x: &[f64], y: &mut [f64]) -> Option<f64> {
        let mut log_det = 0.0;
        for j in 0..x.len() {
            let (lo, hi) = (self.bounds.lo()[j], self.bounds.hi()[j]);
            match self.bounds.side(j) {
                Side::Both => {
                    let u = (x[j] - lo) / (hi - lo);
                    if !(u > 0.0 && u < 1.0) {
                        return None;
                    }
                    y[j] = normal::inv_cdf(u);
                    log_det -= (hi - lo).ln() + normal::log_pdf(y[j]);
                }
                side => {
                    // z = log(x − lo) on x > lo, −log(hi − x) on x < hi: |dz/dx| = e^∓z.
                    let z = log_distance(&self.bounds, j, x[j]);
                    y[j] = (z - self.shift[j]) / self.scale[j];
                    log_det -= self.scale[j].ln()
                        + match side {
                            Side::Lower => z,
                            Side::Upper => -z,
                            _ => 0.0,
                        };
                }
            }
            if !y[j].is_finite() {
                return None;
            }
        }
        Some(log_det)
    }

    /// Writes `x = T⁻¹(y)`, kept strictly inside the limits and finite.
    ///
    /// For `|y| ≳ 8` on a finite interval, `Φ(y)` is within rounding of 0 or 1 and `x` would
    /// round onto the edge, where [`forward`](Self::forward) (and so every density) is zero, so
    /// that a unit-cube map and its own density would disagree; likewise `lo + e^z` rounds onto
    /// `lo` for very negative `z`. Such an `x` is moved inwards by the fewest ulps that make
    /// `forward` finite; the probability mass this touches is below `10⁻¹⁵`. An `x` that would
    /// overflow is held at the largest finite double.
    pub fn inverse(&self, y: &[f64], x: &mut [f64]) {
        for j in 0..y.len() {
            let (lo, hi) = (self.bounds.lo()[j], self.bounds.hi()[j]);
            let z = self.shift[j] + self.scale[j] * y[j];
            let side = self.bounds.side(j);
            let v = match side {
                Side::Both => lo + (hi - lo) * normal::cdf(y[j]),
                Side::Lower => lo + z.exp(),
                Side::Upper => hi - (-z).exp(),
                Side::Neither => z,
            };
            let mut v = v.clamp(lo.max(-f64::MAX), hi.min(f64::MAX));
            for _ in 0..64 {
                let inside = match side {
                    Side::Both => {
                        let u = (v - lo) / (hi - lo);
                        u > 0.0 && u < 1.0 && normal::inv_cdf(u).is_finite()
                    }
                    _ => log_distance(&self.bounds, j, v).is_finite(),
                };
                if inside {
                    break;
                }
                // Only a point on (or rounded onto) a finite limit lands here.
                v = if v <= lo { v.next_up() } else { v.next_down() };
            }
            x[j] = v;
        }
    }
}

/// The coordinate before standardisation on an open side: `log(x − lo)` on `x > lo`,
/// `−log(hi − x)` on `x < hi`, `x` itself when unbounded (NaN or `±∞` outside).
fn log_distance(bounds: &Bounds, j: usize, x: f64) -> f64 {
    let (lo, hi) = (bounds.lo()[j], bounds.hi()[j]);
    let z = match bounds.side(j) {
        Side::Lower if x > lo => (x - lo).ln(),
        Side::Upper if x < hi => -(hi - x).ln(),
        Side::Neither => x,
        _ => f64::NAN,
    };
    if x.is_finite() {
        z
    } else {
        f64::NAN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bij() -> Gaussianiser {
        Gaussianiser::new(Bounds::new(vec![-2.0, 0.0, 10.0], vec![3.0, 1e-3, 12.0]).unwrap())
            .unwrap()
    }

    /// One coordinate of each kind: a finite interval, a half-line each way, and the line.
    fn mixed() -> Gaussianiser {
        Gaussianiser::from_parts(
            Bounds::parse("-1:1,0:,:5,:").unwrap(),
            vec![0.0, -0.5, 1.2, 3.0],
            vec![1.0, 0.7, 2.0, 4.0],
        )
        .unwrap()
    }

    #[test]
    fn extreme_latents_stay_strictly_inside_the_box() {
        let b = Gaussianiser::new(
            Bounds::new(vec![-0.17, 0.0], vec![31.5, 10.0 * std::f64::consts::PI]).unwrap(),
        )
        .unwrap();
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

    /// The map is diagonal, so `log|det J| = Σ log(dy_j/dx_j)`: checked against central
    /// differences with steps `h` at `x`.
    fn check_log_det(b: &Gaussianiser, x: &[f64], h: &[f64]) {
        let d = x.len();
        let mut y = vec![0.0; d];
        let ld = b.forward(x, &mut y).unwrap();
        let mut fd = 0.0;
        for j in 0..d {
            let (mut xp, mut xm) = (x.to_vec(), x.to_vec());
            xp[j] += h[j];
            xm[j] -= h[j];
            let (mut yp, mut ym) = (vec![0.0; d], vec![0.0; d]);
            b.forward(&xp, &mut yp).unwrap();
            b.forward(&xm, &mut ym).unwrap();
            fd += ((yp[j] - ym[j]) / (2.0 * h[j])).ln();
        }
        assert!(
            (ld - fd).abs() < 1e-6,
            "analytic {ld} vs finite differences {fd}"
        );
    }

    #[test]
    fn log_det_matches_finite_differences() {
        let b = bij();
        let h: Vec<f64> = (0..3)
            .map(|j| 1e-6 * (b.bounds().hi()[j] - b.bounds().lo()[j]))
            .collect();
        check_log_det(&b, &[-1.7, 7e-4, 10.2], &h);
    }

    #[test]
    fn outside_is_none() {
        let b = bij();
        let mut y = [0.0; 3];
        assert!(b.forward(&[3.0, 5e-4, 11.0], &mut y).is_none());
        assert!(b.forward(&[-2.5, 5e-4, 11.0], &mut y).is_none());
        assert!(b.forward(&[0.0, 5e-4, f64::NAN], &mut y).is_none());
    }

    #[test]
    fn open_sides_round_trip_and_cover_the_line() {
        let b = mixed();
        let x = [0.3, 2e-4, -40.0, 1e6];
        let (mut y, mut back) = ([0.0; 4], [0.0; 4]);
        b.forward(&x, &mut y).unwrap();
        b.inverse(&y, &mut back);
        for j in 0..4 {
            assert!(
                (back[j] - x[j]).abs() < 1e-12 * (1.0 + x[j].abs()),
                "{j}: {back:?}"
            );
        }
        // Extreme latents land strictly inside and finite, where forward is finite again.
        for y in [[-40.0; 4], [40.0; 4], [-1e300; 4], [1e300; 4]] {
            b.inverse(&y, &mut back);
            assert!(back.iter().all(|v| v.is_finite()), "{y:?} → {back:?}");
            assert!(
                b.forward(&back, &mut [0.0; 4]).is_some(),
                "{y:?} → {back:?}"
            );
        }
        assert!(b.forward(&[0.0, 0.0, 0.0, 0.0], &mut y).is_none(), "x = lo");
        assert!(b.forward(&[0.0, 1.0, 5.0, 0.0], &mut y).is_none(), "x = hi");
        assert!(b.forward(&[0.0, 1.0, 0.0, f64::INFINITY], &mut y).is_none());
    }

    #[test]
    fn open_sides_log_det_matches_finite_differences() {
        check_log_det(&mixed(), &[0.3, 2.5, 4.0, -7.0], &[1e-6; 4]);
    }

    #[test]
    fn fit_standardises_the_open_coordinates() {
        use crate::matrix::Matrix;
        // x0 > 0 log-normal, x1 unbounded: after the map both have mean 0 and variance 1.
        let n = 2000;
        let mut v = Vec::with_capacity(2 * n);
        for i in 0..n {
            let t = (i as f64 + 0.5) / n as f64;
            let g = normal::inv_cdf(t);
            v.extend([(1.0 + 0.3 * g).exp(), 1e6 + 5.0 * g]);
        }
        let s = WeightedSamples::unweighted(
            Matrix::new(n, 2, v).unwrap(),
            vec!["m".into(), "c".into()],
        )
        .unwrap();
        let b = Gaussianiser::fit(Bounds::parse("0:,:").unwrap(), &s).unwrap();
        let (a, sc) = b.affine();
        assert!(
            (a[0] - 1.0).abs() < 1e-3 && (sc[0] - 0.3).abs() < 3e-3,
            "{a:?} {sc:?}"
        );
        assert!(
            (a[1] - 1e6).abs() < 1e-3 && (sc[1] - 5.0).abs() < 0.05,
            "{a:?} {sc:?}"
        );
        // A constant parameter on an open side cannot be standardised: a clear error.
        let c =
            WeightedSamples::unweighted(Matrix::new(3, 1, vec![2.0; 3]).unwrap(), vec!["k".into()])
                .unwrap();
        let e = Gaussianiser::fit(Bounds::unbounded(1).unwrap(), &c).unwrap_err();
        assert!(e.to_string().contains("`k`"), "{e}");
        // An open side needs a location and scale: `new` refuses it.
        assert!(Gaussianiser::new(Bounds::parse("0:").unwrap()).is_err());
    }
}
