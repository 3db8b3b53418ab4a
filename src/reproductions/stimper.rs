//! The 2-D targets of Stimper et al. (arXiv:2110.15828, the `normflows` package), as used by the
//! piecewise-flows paper (Bevins, Handley & Gessey-Jones, arXiv:2305.02930), each normalised
//! exactly so that KL divergences against the truth can be computed, and the bimodal toy of
//! that paper's Figure 1.
//!
//! - [`StimperTarget::TwoMoons`]: `log p̃ = −½((‖z‖−2)/0.2)² − ½((|z₀|−2)/0.3)² +
//!   log(1 + exp(−4|z₀|/0.09))` on the box `[−3, 3]²` (normflows samples it by rejection on
//!   that box, so the box is its support).
//! - [`StimperTarget::CircleOfGaussians`]: eight equal Gaussians at `2(sin φ_i, cos φ_i)`,
//!   `φ_i = 2πi/8`, with scale `s = (2/3) sin(π/8)`: normalised in closed form,
//!   `log p = −log(2π s² 8) + logsumexp_i(−‖z − c_i‖²/(2s²))`.
//! - [`StimperTarget::TwoRings`]: `log p̃ = logsumexp_{r ∈ {1, 2}}(−(‖z‖ − r)²/(2 (1/8)²))` on
//!   `[−3, 3]²`.
//!
//! The normalisation `log Z = log ∫_{[−3,3]²} p̃` of the two unnormalised targets is computed by
//! the midpoint rule on a [`QUADRATURE_NODES`]² grid (spacing 0.003, fifteen times finer than
//! the narrowest feature, the 0.2-wide moon and the 0.125-wide rings); halving the spacing
//! changes it by less than 1e−9 (tested). Sampling is by rejection from the uniform box with the
//! bound `p̃ ≤ 1`, as in normflows.

use std::sync::OnceLock;

use rand::{Rng, RngCore};
use rand_distr::StandardNormal;
use rayon::prelude::*;

use crate::density::{Density, Sample};
use crate::error::Result;
use crate::linalg::logsumexp;
use crate::matrix::Matrix;
use crate::transform::Bounds;

/// Midpoint-rule nodes per axis for the normalisation on `[−3, 3]²`.
pub const QUADRATURE_NODES: usize = 2000;

const HALF_WIDTH: f64 = 3.0;

/// One of the three targets of the paper's Table 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StimperTarget {
    /// Two moons.
    TwoMoons,
    /// Eight Gaussians on a circle of radius 2.
    CircleOfGaussians,
    /// Two rings of radii 1 and 2.
    TwoRings,
}

fn circle_scale() -> f64 {
    2.0 / 3.0 * (std::f64::consts::PI / 8.0).sin()
}

impl StimperTarget {
    /// The three targets in the paper's order.
    pub const ALL: [StimperTarget; 3] = [
        StimperTarget::TwoMoons,
        StimperTarget::CircleOfGaussians,
        StimperTarget::TwoRings,
    ];

    /// `two_moons`, `circle`, `two_rings`.
    pub fn name(self) -> &'static str {
        match self {
            StimperTarget::TwoMoons => "two_moons",
            StimperTarget::CircleOfGaussians => "circle",
            StimperTarget::TwoRings => "two_rings",
        }
    }

    /// The box the estimators are fitted on: the support `[−3, 3]²` of the moons and the
    /// rings; `[−4, 4]²` for the circle, whose Gaussians put less than 1e−12 of their mass
    /// outside it (the nearest edge is 7.8 scale lengths from a centre).
    pub fn bounds(self) -> Bounds {
        let h = match self {
            StimperTarget::CircleOfGaussians => 4.0,
            _ => HALF_WIDTH,
        };
        Bounds::cube(2, -h, h).expect("a valid square")
    }

    /// The unnormalised log density at `(x, y)` (normalised for the circle).
    pub fn log_unnormalised(self, x: f64, y: f64) -> f64 {
        match self {
            StimperTarget::TwoMoons => {
                let a = x.abs();
                let r = (x * x + y * y).sqrt();
                -0.5 * ((r - 2.0) / 0.2).powi(2) - 0.5 * ((a - 2.0) / 0.3).powi(2)
                    + (-4.0 * a / 0.09).exp().ln_1p()
            }
            StimperTarget::CircleOfGaussians => {
                let s = circle_scale();
                let terms: Vec<f64> = (0..8)
                    .map(|i| {
                        let phi = 2.0 * std::f64::consts::PI / 8.0 * i as f64;
                        let (cx, cy) = (2.0 * phi.sin(), 2.0 * phi.cos());
                        -((x - cx).powi(2) + (y - cy).powi(2)) / (2.0 * s * s)
                    })
                    .collect();
                -(2.0 * std::f64::consts::PI * s * s * 8.0).ln() + logsumexp(&terms)
            }
            StimperTarget::TwoRings => {
                let r = (x * x + y * y).sqrt();
                let s = 1.0 / 8.0;
                let t = [1.0, 2.0].map(|c: f64| -(r - c).powi(2) / (2.0 * s * s));
                logsumexp(&t)
            }
        }
    }

    /// `log Z` of the unnormalised density on `[−3, 3]²` (0 for the circle, which is
    /// normalised on the plane), cached after the first call.
    pub fn log_norm(self) -> f64 {
        static MOONS: OnceLock<f64> = OnceLock::new();
        static RINGS: OnceLock<f64> = OnceLock::new();
        match self {
            StimperTarget::CircleOfGaussians => 0.0,
            StimperTarget::TwoMoons => {
                *MOONS.get_or_init(|| self.log_norm_quadrature(QUADRATURE_NODES))
            }
            StimperTarget::TwoRings => {
                *RINGS.get_or_init(|| self.log_norm_quadrature(QUADRATURE_NODES))
            }
        }
    }

    /// `log ∫_{[−3,3]²} p̃` by the midpoint rule with `nodes` nodes per axis.
    pub fn log_norm_quadrature(self, nodes: usize) -> f64 {
        let h = 2.0 * HALF_WIDTH / nodes as f64;
        let sum: f64 = (0..nodes)
            .into_par_iter()
            .map(|i| {
                let x = -HALF_WIDTH + (i as f64 + 0.5) * h;
                (0..nodes)
                    .map(|j| {
                        let y = -HALF_WIDTH + (j as f64 + 0.5) * h;
                        self.log_unnormalised(x, y).exp()
                    })
                    .sum::<f64>()
            })
            .sum();
        (sum * h * h).ln()
    }

    fn in_support(self, x: f64, y: f64) -> bool {
        self == StimperTarget::CircleOfGaussians || (x.abs() <= HALF_WIDTH && y.abs() <= HALF_WIDTH)
    }
}

impl Density for StimperTarget {
    fn dim(&self) -> usize {
        2
    }

    fn log_prob(&self, x: &Matrix) -> Result<Vec<f64>> {
        x.check_dim("x", 2)?;
        x.check_no_nan("x")?;
        let ln = self.log_norm();
        Ok(x.rows()
            .map(|r| {
                if self.in_support(r[0], r[1]) {
                    self.log_unnormalised(r[0], r[1]) - ln
                } else {
                    f64::NEG_INFINITY
                }
            })
            .collect())
    }
}

impl Sample for StimperTarget {
    fn sample(&self, n: usize, rng: &mut dyn RngCore) -> Result<Matrix> {
        let mut out = Matrix::zeros(n, 2);
        let mut i = 0;
        while i < n {
            let p = match self {
                StimperTarget::CircleOfGaussians => {
                    let k = rng.random_range(0..8usize);
                    let phi = 2.0 * std::f64::consts::PI / 8.0 * k as f64;
                    let s = circle_scale();
                    let (e0, e1): (f64, f64) =
                        (rng.sample(StandardNormal), rng.sample(StandardNormal));
                    Some([2.0 * phi.sin() + s * e0, 2.0 * phi.cos() + s * e1])
                }
                _ => {
                    let x = rng.random_range(-HALF_WIDTH..HALF_WIDTH);
                    let y = rng.random_range(-HALF_WIDTH..HALF_WIDTH);
                    let u: f64 = rng.random();
                    (u < self.log_unnormalised(x, y).exp()).then_some([x, y])
                }
            };
            if let Some(p) = p {
                out.row_mut(i).copy_from_slice(&p);
                i += 1;
            }
        }
        Ok(out)
    }
}

/// The bimodal toy of the paper's Figure 1, built as its script builds it: N points whose x
/// are ¾ from N(0, 1) and ¼ from N(8, 0.5²), and whose y are ½ from N(6, 1) and ½ from
/// N(−5, 0.5²), stacked in that order. Pairing the two columns by row makes three blobs:
/// (0, 6) with weight ½, (0, −5) with ¼ and (8, −5) with ¼ (sds (1, 1), (1, 0.5), (0.5, 0.5)).
#[derive(Debug, Clone, Copy, Default)]
pub struct BimodalToy;

impl BimodalToy {
    /// The blobs: weight, centre and sds.
    pub const BLOBS: [(f64, [f64; 2], [f64; 2]); 3] = [
        (0.5, [0.0, 6.0], [1.0, 1.0]),
        (0.25, [0.0, -5.0], [1.0, 0.5]),
        (0.25, [8.0, -5.0], [0.5, 0.5]),
    ];

    /// The blob a point belongs to (smallest standardised distance) and that distance.
    pub fn nearest_blob(x: &[f64]) -> (usize, f64) {
        Self::BLOBS
            .iter()
            .enumerate()
            .map(|(k, (_, c, s))| {
                let d = (((x[0] - c[0]) / s[0]).powi(2) + ((x[1] - c[1]) / s[1]).powi(2)).sqrt();
                (k, d)
            })
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .expect("three blobs")
    }

    /// The paper's sample: exactly `n` rows with the blob counts of its script.
    pub fn paper_sample(n: usize, rng: &mut dyn RngCore) -> Matrix {
        let (n1, n2) = (n / 2, 3 * n / 4);
        let mut m = Matrix::zeros(n, 2);
        for i in 0..n {
            let k = if i < n1 {
                0
            } else if i < n2 {
                1
            } else {
                2
            };
            let (_, c, s) = Self::BLOBS[k];
            let (e0, e1): (f64, f64) = (rng.sample(StandardNormal), rng.sample(StandardNormal));
            m.row_mut(i)
                .copy_from_slice(&[c[0] + s[0] * e0, c[1] + s[1] * e1]);
        }
        m
    }
}

impl Density for BimodalToy {
    fn dim(&self) -> usize {
        2
    }

    fn log_prob(&self, x: &Matrix) -> Result<Vec<f64>> {
        x.check_dim("x", 2)?;
        x.check_no_nan("x")?;
        let ln2pi = (2.0 * std::f64::consts::PI).ln();
        Ok(x.rows()
            .map(|r| {
                let t: Vec<f64> = Self::BLOBS
                    .iter()
                    .map(|(w, c, s)| {
                        w.ln()
                            - ln2pi
                            - s[0].ln()
                            - s[1].ln()
                            - 0.5
                                * (((r[0] - c[0]) / s[0]).powi(2) + ((r[1] - c[1]) / s[1]).powi(2))
                    })
                    .collect();
                logsumexp(&t)
            })
            .collect())
    }
}

impl Sample for BimodalToy {
    fn sample(&self, n: usize, rng: &mut dyn RngCore) -> Result<Matrix> {
        let mut m = Matrix::zeros(n, 2);
        for i in 0..n {
            let u: f64 = rng.random();
            let k = if u < 0.5 {
                0
            } else if u < 0.75 {
                1
            } else {
                2
            };
            let (_, c, s) = Self::BLOBS[k];
            let (e0, e1): (f64, f64) = (rng.sample(StandardNormal), rng.sample(StandardNormal));
            m.row_mut(i)
                .copy_from_slice(&[c[0] + s[0] * e0, c[1] + s[1] * e1]);
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::rng_from_seed;

    #[test]
    fn quadrature_is_converged_and_the_circle_is_normalised() {
        for t in [StimperTarget::TwoMoons, StimperTarget::TwoRings] {
            let a = t.log_norm_quadrature(QUADRATURE_NODES);
            let b = t.log_norm_quadrature(2 * QUADRATURE_NODES);
            assert!((a - b).abs() < 1e-9, "{t:?}: {a} vs {b}");
        }
        // The circle's closed form integrates to 1 over [−4, 4]² (checked by the same rule).
        let n = 1600;
        let h = 8.0 / n as f64;
        let mut s = 0.0;
        for i in 0..n {
            for j in 0..n {
                let (x, y) = (-4.0 + (i as f64 + 0.5) * h, -4.0 + (j as f64 + 0.5) * h);
                s += StimperTarget::CircleOfGaussians
                    .log_unnormalised(x, y)
                    .exp();
            }
        }
        assert!((s * h * h - 1.0).abs() < 1e-9, "{}", s * h * h);
    }

    #[test]
    fn rejection_samples_follow_the_density() {
        // The mean of p over its own draws is ∫ p², which the grid gives independently.
        for t in StimperTarget::ALL {
            let x = t.sample(20_000, &mut rng_from_seed(3)).unwrap();
            let lp = t.log_prob(&x).unwrap();
            let mc: Vec<f64> = lp.iter().map(|v| v.exp()).collect();
            let m = mc.iter().sum::<f64>() / mc.len() as f64;
            let sd = (mc.iter().map(|v| (v - m).powi(2)).sum::<f64>() / mc.len() as f64).sqrt()
                / (mc.len() as f64).sqrt();
            let (n, lo, hi) = (1200, -4.0, 4.0);
            let h = (hi - lo) / n as f64;
            let mut grid = 0.0;
            for i in 0..n {
                for j in 0..n {
                    let (a, b) = (lo + (i as f64 + 0.5) * h, lo + (j as f64 + 0.5) * h);
                    let p = t.log_prob_one(&[a, b]).unwrap().exp();
                    grid += p * p * h * h;
                }
            }
            assert!((m - grid).abs() < 4.0 * sd, "{t:?}: {m} ± {sd} vs {grid}");
        }
    }

    #[test]
    fn bimodal_toy_counts_and_density() {
        let x = BimodalToy::paper_sample(5000, &mut rng_from_seed(1));
        let mut counts = [0usize; 3];
        for r in x.rows() {
            counts[BimodalToy::nearest_blob(r).0] += 1;
        }
        assert_eq!(counts, [2500, 1250, 1250]);
        let lp = BimodalToy.log_prob(&x).unwrap();
        assert!(lp.iter().all(|v| v.is_finite()));
    }
}
