//! The capabilities that every estimator shares, so that MAF, KDE and their piecewise forms
//! (and analytic densities such as a uniform box) are interchangeable.
//!
//! - [`Density`]: dimension and `log p(x)` over a batch (`−∞` outside the support).
//! - [`Sample`]: draw `n` points with a caller's RNG (or a seed, [`Sample::sample_seeded`]).
//! - [`UnitCube`]: a deterministic per-point map from `u ∈ [0, 1]^d` that pushes the uniform
//!   distribution forward to the density: a nested-sampling prior transform.

mod gaussian;
mod likelihood;
mod uniform;

pub use gaussian::{Gaussian, GaussianFit};
pub use likelihood::log_like;
pub use uniform::UniformBox;

use rand::RngCore;

use crate::error::Result;
use crate::matrix::Matrix;
use crate::rng::rng_from_seed;

/// A normalised probability density on `ℝ^d`.
pub trait Density: Send + Sync {
    /// Dimension `d`.
    fn dim(&self) -> usize;

    /// `log p(x)` for every row of `x`: `−∞` outside the support.
    ///
    /// Errors: `x` with the wrong number of columns, or NaN entries.
    fn log_prob(&self, x: &Matrix) -> Result<Vec<f64>>;

    /// `log p(x)` at one point.
    fn log_prob_one(&self, x: &[f64]) -> Result<f64> {
        let m = Matrix::new(1, x.len(), x.to_vec())?;
        Ok(self.log_prob(&m)?[0])
    }
}

/// A density that can be sampled.
pub trait Sample: Density {
    /// `n` independent draws, one per row.
    fn sample(&self, n: usize, rng: &mut dyn RngCore) -> Result<Matrix>;

    /// `n` draws from a fresh RNG seeded with `seed` (same seed, same draws).
    fn sample_seeded(&self, n: usize, seed: u64) -> Result<Matrix> {
        self.sample(n, &mut rng_from_seed(seed))
    }
}

/// A density with a deterministic map from the unit cube (a nested-sampling prior transform).
// `from_unit_cube` is the name the nested-sampling literature uses for a prior transform.
#[allow(clippy::wrong_self_convention)]
pub trait UnitCube: Density {
    /// Writes `θ(u)` into `theta`. `u` must have `dim` entries in `[0, 1]`.
    fn from_unit_cube(&self, u: &[f64], theta: &mut [f64]) -> Result<()>;

    /// Maps every row of `u`.
    fn from_unit_cube_batch(&self, u: &Matrix) -> Result<Matrix> {
        u.check_dim("u", self.dim())?;
        let mut out = Matrix::zeros(u.nrows(), self.dim());
        for i in 0..u.nrows() {
            self.from_unit_cube(u.row(i), out.row_mut(i))?;
        }
        Ok(out)
    }
}

/// Everything a fitted estimator offers.
pub trait Estimator: Density + Sample + UnitCube {}
impl<T: Density + Sample + UnitCube> Estimator for T {}

impl<T: Density + ?Sized> Density for Box<T> {
    fn dim(&self) -> usize {
        (**self).dim()
    }
    fn log_prob(&self, x: &Matrix) -> Result<Vec<f64>> {
        (**self).log_prob(x)
    }
}

impl<T: Density + ?Sized> Density for &T {
    fn dim(&self) -> usize {
        (**self).dim()
    }
    fn log_prob(&self, x: &Matrix) -> Result<Vec<f64>> {
        (**self).log_prob(x)
    }
}
