//! [`MafNet`]: the trained chain of MADEs, a density of the Gaussianised coordinates.

use rand::{Rng, RngCore};
use rand_distr::StandardNormal;
use rayon::prelude::*;

use super::config::MafConfig;
use super::made::{default_orders, Architecture, Layout};
use super::native::{self, Tape};
use super::train::TrainingHistory;
use crate::error::{Error, Result};
use crate::matrix::Matrix;
use crate::rng::{rng_from_seed, MfRng};
use crate::transform::{normal, LatentDensity};

/// Rows per block in batched evaluation: blocks run in parallel (rayon) and bound the scratch
/// memory. Every block is computed the same way whatever thread runs it, so results do not
/// depend on the number of threads.
const BLOCK: usize = 1024;

/// A masked autoregressive flow (Papamakarios et al. 2017, arXiv:1705.07057) on `ℝ^d`: a
/// chain of `K` MADEs, each with its own variable order, mapping `y` to `z = F(y)` with
/// `log q(y) = log N(F(y); 0, I) + log |det ∂F/∂y|`. The equations are
/// written out in the `native` module (the kernels).
///
/// The first layer of the chain is a fixed (not trained) affine standardisation
/// `u_i = (y_i − m_i)/s_i`, with `m`, `s` the weighted mean and standard deviation of the
/// training `y`, so that
///
/// `log q(y) = log q_MADEs((y − m)/s) − Σ_i log s_i`.
///
/// It makes the fit independent of how wide the box is: a posterior that fills a small part of
/// the Gaussianised space (a narrow peak in a wide prior box) reaches the MADEs at unit scale.
///
/// The parameters are kept in `f64` (what is saved) and in an `f32` copy that the native
/// kernels evaluate with; a flow trained by the native backend has `f32`-exact parameters.
#[derive(Debug, Clone)]
pub struct MafNet {
    layout: Layout,
    params: Vec<f64>,
    params32: Vec<f32>,
    /// Standardisation shift `m` and scale `s` (one per dimension).
    shift: Vec<f64>,
    scale: Vec<f64>,
    /// `−Σ_i log s_i`, the log-det of the standardisation.
    log_det_std: f64,
    history: TrainingHistory,
    config: MafConfig,
}

/// The weighted mean and standard deviation of each column of `y` (rows of zero weight do
/// not count); a column with zero spread gets scale 1. Errors when no weight is positive.
pub(crate) fn weighted_standardisation(y: &Matrix, w: &[f64]) -> Result<(Vec<f64>, Vec<f64>)> {
    let d = y.ncols();
    let total: f64 = w.iter().filter(|&&v| v > 0.0).sum();
    if !(total > 0.0 && total.is_finite()) {
        return Err(Error::invalid(
            "weights",
            "no sample has a positive finite weight; give at least two samples positive weights",
        ));
    }
    let mut mean = vec![0.0; d];
    for (r, &wi) in y.rows().zip(w) {
        if wi > 0.0 {
            mean.iter_mut().zip(r).for_each(|(m, &v)| *m += wi * v);
        }
    }
    mean.iter_mut().for_each(|m| *m /= total);
    let mut var = vec![0.0; d];
    for (r, &wi) in y.rows().zip(w) {
        if wi > 0.0 {
            for ((s, &v), &m) in var.iter_mut().zip(r).zip(&mean) {
                *s += wi * (v - m) * (v - m);
            }
        }
    }
    let sd = var
        .into_iter()
        .map(|v| {
            let s = (v / total).sqrt();
            if s > 0.0 && s.is_finite() {
                s
            } else {
                1.0
            }
        })
        .collect();
    Ok((mean, sd))
}

impl MafNet {
    /// An untrained flow of dimension `dim` with weights drawn from `rng_from_seed(seed)`:
    /// close to the standard normal, that is close to the uniform density on the box.
    pub fn untrained(dim: usize, config: &MafConfig, seed: u64) -> Result<Self> {
        Self::untrained_from(dim, config, &mut rng_from_seed(seed))
    }

    pub(crate) fn untrained_from(dim: usize, config: &MafConfig, rng: &mut MfRng) -> Result<Self> {
        config.validate()?;
        if dim == 0 {
            return Err(Error::invalid("dim", "a flow needs at least one dimension"));
        }
        let arch = Architecture {
            dim,
            n_mades: config.n_mades,
            hidden: config.hidden.clone(),
            activation: config.activation,
            clamp: config.clamp,
        };
        let layout = Layout::new(arch, default_orders(dim, config.n_mades));
        let params = layout.init(rng);
        Ok(Self::from_parts(
            layout,
            params,
            (vec![0.0; dim], vec![1.0; dim]),
            TrainingHistory::default(),
            config.clone(),
        ))
    }

    /// `standardisation` = (shift `m`, scale `s`), checked by the caller (finite, `s > 0`,
    /// length `dim`).
    pub(crate) fn from_parts(
        layout: Layout,
        params: Vec<f64>,
        standardisation: (Vec<f64>, Vec<f64>),
        history: TrainingHistory,
        config: MafConfig,
    ) -> Self {
        let params32 = params.iter().map(|&v| v as f32).collect();
        let (shift, scale) = standardisation;
        let log_det_std = -scale.iter().map(|s| s.ln()).sum::<f64>();
        Self {
            layout,
            params,
            params32,
            shift,
            scale,
            log_det_std,
            history,
            config,
        }
    }

    /// Replaces the standardisation layer (shift `m`, scale `s > 0`).
    pub(crate) fn set_standardisation(&mut self, shift: Vec<f64>, scale: Vec<f64>) {
        self.log_det_std = -scale.iter().map(|s| s.ln()).sum::<f64>();
        self.shift = shift;
        self.scale = scale;
    }

    /// The fixed standardisation layer: (shift `m`, scale `s`), `u = (y − m)/s`.
    pub fn standardisation(&self) -> (&[f64], &[f64]) {
        (&self.shift, &self.scale)
    }

    /// `(y − m)/s` for the rows of `y` (a flat row-major slice), into `T`.
    fn standardise<T: super::real::Real>(&self, y: &[f64]) -> Vec<T> {
        let d = self.layout.arch.dim;
        y.chunks_exact(d)
            .flat_map(|r| {
                r.iter()
                    .zip(&self.shift)
                    .zip(&self.scale)
                    .map(|((&v, &m), &s)| T::from_f64((v - m) / s))
            })
            .collect()
    }

    /// `m + s·u` for the rows of `u`, in place.
    fn unstandardise(&self, u: &mut [f64]) {
        let d = self.layout.arch.dim;
        for r in u.chunks_exact_mut(d) {
            for ((v, &m), &s) in r.iter_mut().zip(&self.shift).zip(&self.scale) {
                *v = m + s * *v;
            }
        }
    }

    pub(crate) fn layout(&self) -> &Layout {
        &self.layout
    }

    pub(crate) fn set_params(&mut self, params: Vec<f64>, history: TrainingHistory) {
        self.params32 = params.iter().map(|&v| v as f32).collect();
        self.params = params;
        self.history = history;
    }

    /// The architecture (dimension, number of MADEs, hidden widths, activation, clamp).
    pub fn architecture(&self) -> &Architecture {
        &self.layout.arch
    }

    /// The variable order of each MADE.
    pub fn orders(&self) -> &[Vec<usize>] {
        &self.layout.orders
    }

    /// The flat parameter vector (MADE by MADE, layer by layer: weight then bias).
    pub fn params(&self) -> &[f64] {
        &self.params
    }

    /// The training history (empty for an untrained flow).
    pub fn history(&self) -> &TrainingHistory {
        &self.history
    }

    /// The configuration the flow was built with.
    pub fn config(&self) -> &MafConfig {
        &self.config
    }

    /// `log q(y)` evaluated in `f64` by the native kernels (slower; for checks).
    pub fn log_prob_latent_f64(&self, y: &Matrix) -> Result<Vec<f64>> {
        y.check_dim("y", self.layout.arch.dim)?;
        let mut out = vec![0.0; y.nrows()];
        let mut tape = Tape::default();
        let u: Vec<f64> = self.standardise(y.as_slice());
        native::forward_fast(&self.layout, &self.params, &u, false, &mut tape, &mut out);
        out.iter_mut().for_each(|v| *v += self.log_det_std);
        Ok(out)
    }

    /// Inverts the flow in `f32`: `y = m + s·F⁻¹(z)` for each row of `z`.
    fn inverse_rows(&self, z: Vec<f64>) -> Vec<f64> {
        let d = self.layout.arch.dim;
        let mut y: Vec<f64> = z
            .par_chunks(BLOCK * d)
            .flat_map_iter(|chunk| {
                let mut v: Vec<f32> = chunk.iter().map(|&x| x as f32).collect();
                native::inverse_fast(&self.layout, &self.params32, &mut v);
                v.into_iter().map(|x| x as f64)
            })
            .collect();
        self.unstandardise(&mut y);
        y
    }
}

impl LatentDensity for MafNet {
    fn dim(&self) -> usize {
        self.layout.arch.dim
    }

    fn log_prob_latent(&self, y: &Matrix) -> Result<Vec<f64>> {
        let d = self.layout.arch.dim;
        y.check_dim("y", d)?;
        Ok(y.as_slice()
            .par_chunks(BLOCK * d)
            .flat_map_iter(|chunk| {
                let yb: Vec<f32> = self.standardise(chunk);
                let mut lq = vec![0f32; chunk.len() / d];
                native::forward_fast(
                    &self.layout,
                    &self.params32,
                    &yb,
                    false,
                    &mut Tape::default(),
                    &mut lq,
                );
                lq.into_iter().map(|v| v as f64 + self.log_det_std)
            })
            .collect())
    }

    fn sample_latent(&self, n: usize, rng: &mut dyn RngCore) -> Result<Matrix> {
        let d = self.layout.arch.dim;
        let z: Vec<f64> = (0..n * d).map(|_| rng.sample(StandardNormal)).collect();
        Matrix::new(n, d, self.inverse_rows(z))
    }

    fn latent_from_unit_cube(&self, u: &[f64], y: &mut [f64]) -> Result<()> {
        let d = self.layout.arch.dim;
        if u.len() != d || y.len() != d {
            return Err(Error::dims("u", d, u.len()));
        }
        let mut v: Vec<f64> = u.iter().map(|&x| normal::inv_cdf(x)).collect();
        native::inverse_fast(&self.layout, &self.params, &mut v);
        self.unstandardise(&mut v);
        y.copy_from_slice(&v);
        Ok(())
    }
}
