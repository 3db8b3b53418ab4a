//! The change of variables, written once for every estimator.
//!
//! An estimator models a density `q(y)` of the latent coordinates `y = T(x)` (see
//! [`Gaussianiser`] for the map of each kind of parameter). The density of `x` is
//!
//! `log p(x) = log q(T(x)) + log |∂T/∂x|`
//!
//! (on a finite box `log |∂T/∂x| = −Σ_j [log(hi_j − lo_j) + log φ(y_j)]`), and `p(x) = 0` (log
//! density `−∞`) outside the limits. [`Transformed`] applies this to any
//! [`LatentDensity`], together with sampling (`x = T⁻¹(y)`) and the unit-cube map
//! `θ(u) = T⁻¹(G(u))`, where `G` is the latent density's own map from the cube (for a flow
//! `G = F⁻¹ ∘ Φ⁻¹`).

use rand::RngCore;

use super::{Bounds, Gaussianiser};
use crate::density::{Density, Sample, UnitCube};
use crate::error::{Error, Result};
use crate::matrix::Matrix;

/// A density of the Gaussianised coordinates `y ∈ ℝ^d`.
///
/// Implemented by the MAF and the KDE; wrap it in [`Transformed`] to get a density of `x`.
pub trait LatentDensity: Send + Sync {
    /// Dimension `d`.
    fn dim(&self) -> usize;
    /// `log q(y)` for each row of `y` (all entries finite, `y.ncols() == dim`).
    fn log_prob_latent(&self, y: &Matrix) -> Result<Vec<f64>>;
    /// `n` draws from `q`.
    fn sample_latent(&self, n: usize, rng: &mut dyn RngCore) -> Result<Matrix>;
    /// A deterministic map from `u ∈ (0, 1)^d` to `y` that pushes the uniform distribution on
    /// the cube forward to `q`. `u` is already clamped away from 0 and 1.
    fn latent_from_unit_cube(&self, u: &[f64], y: &mut [f64]) -> Result<()>;
}

/// A latent density seen through the bijector `T`: a density of `x` within the limits.
#[derive(Debug, Clone)]
pub struct Transformed<L> {
    latent: L,
    bijector: Gaussianiser,
    names: Vec<String>,
}

impl<L: LatentDensity> Transformed<L> {
    /// Joins a latent density with the bijector it was fitted through.
    pub fn new(latent: L, bijector: Gaussianiser) -> Result<Self> {
        if latent.dim() != bijector.dim() {
            return Err(Error::dims("bounds", latent.dim(), bijector.dim()));
        }
        let names = crate::samples::WeightedSamples::default_names(bijector.dim());
        Ok(Self {
            latent,
            bijector,
            names,
        })
    }

    /// Sets the parameter names (one per dimension).
    pub fn with_names(mut self, names: Vec<String>) -> Result<Self> {
        if names.len() != self.bijector.dim() {
            return Err(Error::dims("names", self.bijector.dim(), names.len()));
        }
        self.names = names;
        Ok(self)
    }

    /// The parameter names.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The latent density.
    pub fn latent(&self) -> &L {
        &self.latent
    }

    /// The latent density, mutable (for training in place).
    pub fn latent_mut(&mut self) -> &mut L {
        &mut self.latent
    }

    /// The limits of the parameters (a side may be open).
    pub fn bounds(&self) -> &Bounds {
        self.bijector.bounds()
    }

    /// The bijector `T`.
    pub fn bijector(&self) -> &Gaussianiser {
        &self.bijector
    }

    /// Maps the rows of `x` to `y = T(x)`. Returns the latent matrix of the rows inside the box,
    /// their row indices, and their `log |∂y/∂x|`.
    pub fn to_latent(&self, x: &Matrix) -> (Matrix, Vec<usize>, Vec<f64>) {
        let d = self.bijector.dim();
        let mut y = Vec::with_capacity(x.nrows() * d);
        let mut inside = Vec::with_capacity(x.nrows());
        let mut log_det = Vec::with_capacity(x.nrows());
        let mut buf = vec![0.0; d];
        for (i, r) in x.rows().enumerate() {
            if let Some(ld) = self.bijector.forward(r, &mut buf) {
                y.extend_from_slice(&buf);
                inside.push(i);
                log_det.push(ld);
            }
        }
        let n = inside.len();
        (
            Matrix::new(n, d, y).expect("rows have d entries"),
            inside,
            log_det,
        )
    }
}

impl<L: LatentDensity> Density for Transformed<L> {
    fn dim(&self) -> usize {
        self.bijector.dim()
    }

    fn log_prob(&self, x: &Matrix) -> Result<Vec<f64>> {
        x.check_dim("x", self.dim())?;
        x.check_no_nan("x")?;
        let (y, inside, log_det) = self.to_latent(x);
        let mut out = vec![f64::NEG_INFINITY; x.nrows()];
        if y.nrows() == 0 {
            return Ok(out);
        }
        let lq = self.latent.log_prob_latent(&y)?;
        for ((i, l), ld) in inside.into_iter().zip(lq).zip(log_det) {
            // A latent density that underflows far in its tails gives −∞, never NaN.
            out[i] = if l.is_nan() {
                f64::NEG_INFINITY
            } else {
                l + ld
            };
        }
        Ok(out)
    }
}

impl<L: LatentDensity> Sample for Transformed<L> {
    fn sample(&self, n: usize, rng: &mut dyn RngCore) -> Result<Matrix> {
        crate::matrix::check_fits_in_memory("n", n, self.dim(), 2)?;
        let y = self.latent.sample_latent(n, rng)?;
        let mut x = Matrix::zeros(n, self.dim());
        for i in 0..n {
            self.bijector.inverse(y.row(i), x.row_mut(i));
        }
        Ok(x)
    }
}

impl<L: LatentDensity> UnitCube for Transformed<L> {
    fn from_unit_cube(&self, u: &[f64], theta: &mut [f64]) -> Result<()> {
        let d = self.dim();
        check_cube_point(u, d)?;
        if theta.len() != d {
            return Err(Error::dims("theta", d, theta.len()));
        }
        let clamped: Vec<f64> = u.iter().map(|&v| clamp_open(v)).collect();
        let mut y = vec![0.0; d];
        self.latent.latent_from_unit_cube(&clamped, &mut y)?;
        self.bijector.inverse(&y, theta);
        Ok(())
    }
}

/// Errors unless `u` has `d` entries, all in `[0, 1]`.
pub(crate) fn check_cube_point(u: &[f64], d: usize) -> Result<()> {
    if u.len() != d {
        return Err(Error::dims("u", d, u.len()));
    }
    if let Some(j) = u.iter().position(|v| !(0.0..=1.0).contains(v)) {
        return Err(Error::invalid(
            "u",
            format!(
                "coordinate {j} is {}; unit-cube points must lie in [0, 1]",
                u[j]
            ),
        ));
    }
    Ok(())
}

/// Moves `u` into the open interval `(0, 1)`, so that `Φ⁻¹(u)` is finite.
pub(crate) fn clamp_open(u: f64) -> f64 {
    u.clamp(f64::MIN_POSITIVE, 1.0 - f64::EPSILON / 2.0)
}
