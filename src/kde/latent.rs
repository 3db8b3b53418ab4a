//! The fitted KDE in the Gaussianised space: a weighted mixture of Gaussians sharing one
//! covariance `H = L Lᵀ`,
//!
//! `q(y) = Σ_i w_i N(y; c_i, H)`,  `log q(y) = −d/2 log 2π − Σ_j log L_jj + logsumexp_i(log w_i − ½ |L⁻¹y − L⁻¹c_i|²)`.
//!
//! Evaluation whitens the queries and the centres once (`z = L⁻¹ y`), stores the whitened
//! centres column by column, and sums the kernels block by block ([`super::fastexp`]), with
//! rayon over the queries. The logsumexp never underflows to `−∞` for a finite query.

use rand::{Rng, RngCore};
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

use std::sync::OnceLock;

use super::cube::CubeIndex;
use super::fastexp::{spatial_order, KernelBlocks};
use crate::error::{Error, Result};
use crate::linalg::{lower_mul, lower_solve};
use crate::matrix::Matrix;
use crate::transform::normal::HALF_LN_2PI;
use crate::transform::LatentDensity;

/// Queries per rayon task.
const QUERY_CHUNK: usize = 64;

/// A weighted Gaussian mixture with one shared kernel covariance, in `y`-space.
#[derive(Debug, Clone)]
pub struct KdeLatent {
    pub(crate) centres: Matrix,
    pub(crate) log_weights: Vec<f64>,
    /// Cumulative normalised weights, for sampling.
    cum_weights: Vec<f64>,
    /// Row-major lower-triangular Cholesky factor of the kernel covariance.
    pub(crate) chol: Vec<f64>,
    /// Whitened centres `L⁻¹ c_i` in pruned blocks.
    blocks: KernelBlocks,
    /// `−d/2 log 2π − Σ_j log L_jj`.
    log_norm: f64,
    /// The unit-cube map's index, built on its first use.
    cube: OnceLock<CubeIndex>,
}

impl KdeLatent {
    /// A mixture from centres (rows), positive weights (normalised here) and the Cholesky
    /// factor of the kernel covariance.
    pub(crate) fn new(centres: Matrix, weights: &[f64], chol: Vec<f64>) -> Result<Self> {
        let (n, d) = (centres.nrows(), centres.ncols());
        if weights.len() != n {
            return Err(Error::dims("weights", n, weights.len()));
        }
        if chol.len() != d * d || (0..d).any(|j| chol[j * d + j].is_nan() || chol[j * d + j] <= 0.0)
        {
            return Err(Error::invalid(
                "kernel covariance",
                "its Cholesky factor must be d × d with a positive diagonal",
            ));
        }
        let total: f64 = weights.iter().sum();
        if n == 0
            || total.is_nan()
            || total <= 0.0
            || weights
                .iter()
                .any(|w| w.is_nan() || *w <= 0.0 || !w.is_finite())
        {
            return Err(Error::invalid(
                "weights",
                "a KDE needs at least one kernel and positive, finite weights",
            ));
        }
        // `ln w − ln Σw`, not `ln(w / Σw)`: a tiny positive weight (nested-sampling runs span
        // hundreds of e-folds, e.g. NestedFit's and UltraNest's) divided by a large total
        // underflows to 0 and would give −∞.
        let log_total = total.ln();
        let log_weights: Vec<f64> = weights.iter().map(|w| w.ln() - log_total).collect();
        Self::from_log_weights(centres, log_weights, chol)
    }

    /// A mixture from centres, normalised log-weights and the Cholesky factor (as saved).
    pub(crate) fn from_log_weights(
        centres: Matrix,
        log_weights: Vec<f64>,
        chol: Vec<f64>,
    ) -> Result<Self> {
        let (n, d) = (centres.nrows(), centres.ncols());
        if log_weights.len() != n || log_weights.iter().any(|l| !l.is_finite()) {
            return Err(Error::invalid(
                "log_weights",
                format!("need {n} finite log-weights"),
            ));
        }
        if chol.len() != d * d || (0..d).any(|j| chol[j * d + j].is_nan() || chol[j * d + j] <= 0.0)
        {
            return Err(Error::invalid(
                "kernel covariance",
                "its Cholesky factor must be d × d with a positive diagonal",
            ));
        }
        // Whiten, and store the kernels in a spatial order (see `KernelBlocks`).
        let z: Vec<Vec<f64>> = centres
            .rows()
            .map(|c| {
                let mut z = vec![0.0; c.len()];
                lower_solve(&chol, c, &mut z);
                z
            })
            .collect();
        let order = spatial_order(&z);
        let centres = centres.select_rows(&order);
        let log_weights: Vec<f64> = order.iter().map(|&i| log_weights[i]).collect();
        let z: Vec<Vec<f64>> = order.iter().map(|&i| z[i].clone()).collect();
        let blocks = KernelBlocks::new(&z, log_weights.clone());
        let mut acc = 0.0;
        let cum_weights = log_weights
            .iter()
            .map(|l| {
                acc += l.exp();
                acc
            })
            .collect();
        let log_norm =
            -(d as f64) * HALF_LN_2PI - (0..d).map(|j| chol[j * d + j].ln()).sum::<f64>();
        Ok(Self {
            centres,
            log_weights,
            cum_weights,
            chol,
            blocks,
            log_norm,
            cube: OnceLock::new(),
        })
    }

    /// Number of kernels.
    pub fn n_kernels(&self) -> usize {
        self.centres.nrows()
    }

    /// The kernel centres in `y`-space.
    pub fn centres(&self) -> &Matrix {
        &self.centres
    }

    /// Normalised kernel weights.
    pub fn weights(&self) -> Vec<f64> {
        self.log_weights.iter().map(|l| l.exp()).collect()
    }

    /// The kernel covariance `H = L Lᵀ`, row-major `d × d`.
    pub fn kernel_covariance(&self) -> Vec<f64> {
        let d = self.centres.ncols();
        let l = &self.chol;
        let mut h = vec![0.0; d * d];
        for i in 0..d {
            for j in 0..d {
                h[i * d + j] = (0..d).map(|k| l[i * d + k] * l[j * d + k]).sum();
            }
        }
        h
    }

    /// The unit-cube map summing over every kernel (the reference of the fast map, for
    /// benchmarks and tests).
    #[doc(hidden)]
    pub fn latent_from_unit_cube_exact(&self, u: &[f64], y: &mut [f64]) -> Result<()> {
        super::cube::conditional_inverse_exact(self, u, y)
    }

    /// The unit-cube map's index (built on the first call).
    pub(crate) fn cube_index(&self) -> &CubeIndex {
        self.cube.get_or_init(|| CubeIndex::new(self))
    }

    pub(crate) fn log_weights(&self) -> &[f64] {
        &self.log_weights
    }

    /// Index of the kernel whose cumulative weight first exceeds `u ∈ [0, 1)`.
    fn pick(&self, u: f64) -> usize {
        self.cum_weights
            .partition_point(|&c| c <= u)
            .min(self.n_kernels() - 1)
    }
}

impl LatentDensity for KdeLatent {
    fn dim(&self) -> usize {
        self.centres.ncols()
    }

    fn log_prob_latent(&self, y: &Matrix) -> Result<Vec<f64>> {
        let d = self.dim();
        y.check_dim("y", d)?;
        let mut out = vec![0.0; y.nrows()];
        out.par_chunks_mut(QUERY_CHUNK)
            .enumerate()
            .for_each(|(c, chunk)| {
                let mut q = vec![0.0; d];
                for (k, o) in chunk.iter_mut().enumerate() {
                    lower_solve(&self.chol, y.row(c * QUERY_CHUNK + k), &mut q);
                    *o = self.log_norm + self.blocks.log_sum(&q);
                }
            });
        Ok(out)
    }

    fn sample_latent(&self, n: usize, rng: &mut dyn RngCore) -> Result<Matrix> {
        let d = self.dim();
        let mut y = Matrix::zeros(n, d);
        let mut e = vec![0.0; d];
        for i in 0..n {
            let k = self.pick(rng.random::<f64>());
            for v in e.iter_mut() {
                *v = StandardNormal.sample(rng);
            }
            let row = y.row_mut(i);
            lower_mul(&self.chol, &e, row);
            for (r, c) in row.iter_mut().zip(self.centres.row(k)) {
                *r += c;
            }
        }
        Ok(y)
    }

    fn latent_from_unit_cube(&self, u: &[f64], y: &mut [f64]) -> Result<()> {
        super::cube::conditional_inverse(self, u, y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A subnormal weight beside a large total keeps a finite log-weight.
    #[test]
    fn tiny_weights_keep_finite_log_weights() {
        let centres = Matrix::new(3, 1, vec![0.0, 1.0, 2.0]).unwrap();
        let k = KdeLatent::new(centres, &[1e-320, 1e3, 1.0], vec![0.5]).unwrap();
        let _ = k;
    }
}
