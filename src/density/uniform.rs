//! The uniform density on a box: the default prior.

use rand::{Rng, RngCore};

use super::{Density, Sample, UnitCube};
use crate::error::{Error, Result};
use crate::matrix::Matrix;
use crate::transform::Bounds;

/// Uniform density `1/V` on the box `∏ [lo_j, hi_j]` (closed), zero outside.
#[derive(Debug, Clone, PartialEq)]
pub struct UniformBox {
    bounds: Bounds,
}

impl UniformBox {
    /// The uniform density on `bounds`. Errors when a limit is open: a uniform density needs
    /// a finite volume.
    pub fn new(bounds: Bounds) -> Result<Self> {
        bounds.require_finite("prior box")?;
        Ok(Self { bounds })
    }

    /// The box.
    pub fn bounds(&self) -> &Bounds {
        &self.bounds
    }
}

impl Density for UniformBox {
    fn dim(&self) -> usize {
        self.bounds.dim()
    }

    fn log_prob(&self, x: &Matrix) -> Result<Vec<f64>> {
        x.check_dim("x", self.dim())?;
        x.check_no_nan("x")?;
        let lv = self.bounds.log_volume();
        Ok(x.rows()
            .map(|r| {
                let inside = r
                    .iter()
                    .zip(self.bounds.lo().iter().zip(self.bounds.hi()))
                    .all(|(v, (l, h))| *v >= *l && *v <= *h);
                if inside {
                    -lv
                } else {
                    f64::NEG_INFINITY
                }
            })
            .collect())
    }
}

impl Sample for UniformBox {
    fn sample(&self, n: usize, rng: &mut dyn RngCore) -> Result<Matrix> {
        let d = self.dim();
        crate::matrix::check_fits_in_memory("n", n, d, 1)?;
        let mut x = Matrix::zeros(n, d);
        for i in 0..n {
            for j in 0..d {
                let u: f64 = rng.random();
                x.row_mut(i)[j] =
                    self.bounds.lo()[j] + u * (self.bounds.hi()[j] - self.bounds.lo()[j]);
            }
        }
        Ok(x)
    }
}

impl UnitCube for UniformBox {
    fn from_unit_cube(&self, u: &[f64], theta: &mut [f64]) -> Result<()> {
        crate::transform::check_cube_point(u, self.dim())?;
        if theta.len() != self.dim() {
            return Err(Error::dims("theta", self.dim(), theta.len()));
        }
        for j in 0..u.len() {
            theta[j] = self.bounds.lo()[j] + u[j] * (self.bounds.hi()[j] - self.bounds.lo()[j]);
        }
        Ok(())
    }
}
