//! [`MafNet`]: the trained chain of MADEs, a density of the Gaussianised coordinates.

use rand::{Rng, RngCore};
use rand_distr::StandardNormal;

use super::config::MafConfig;
use super::made::{default_orders, Architecture, Layout};
use super::native::{self, Tape};
use super::train::TrainingHistory;
use crate::error::{Error, Result};
use crate::matrix::Matrix;
use crate::rng::{rng_from_seed, MfRng};
use crate::transform::{normal, LatentDensity};

/// Rows per block in batched evaluation (bounds the scratch memory, keeps it in cache).
const BLOCK: usize = 4096;

/// A masked autoregressive flow (Papamakarios et al. 2017, arXiv:1705.07057) on `ℝ^d`: a
/// chain of `K` MADEs, each with its own variable order, mapping `y` to `z = F(y)` with
/// `log q(y) = log N(F(y); 0, I) + log |det ∂F/∂y|`. See [`super::native`] for the equations.
///
/// The parameters are kept in `f64` (what is saved) and in an `f32` copy that the native
/// kernels evaluate with; a flow trained by the native backend has `f32`-exact parameters.
#[derive(Debug, Clone)]
pub struct MafNet {
    layout: Layout,
    params: Vec<f64>,
    params32: Vec<f32>,
    history: TrainingHistory,
    config: MafConfig,
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
            TrainingHistory::default(),
            config.clone(),
        ))
    }

    pub(crate) fn from_parts(
        layout: Layout,
        params: Vec<f64>,
        history: TrainingHistory,
        config: MafConfig,
    ) -> Self {
        let params32 = params.iter().map(|&v| v as f32).collect();
        Self {
            layout,
            params,
            params32,
            history,
            config,
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
        native::forward(
            &self.layout,
            &self.params,
            y.as_slice(),
            false,
            &mut tape,
            &mut out,
        );
        Ok(out)
    }

    /// Inverts the flow in `f32`: `y = F⁻¹(z)` for each row of `z`.
    fn inverse_rows(&self, z: Vec<f64>) -> Vec<f64> {
        let d = self.layout.arch.dim;
        let mut out = Vec::with_capacity(z.len());
        for chunk in z.chunks(BLOCK * d) {
            let mut v: Vec<f32> = chunk.iter().map(|&x| x as f32).collect();
            native::inverse(&self.layout, &self.params32, &mut v);
            out.extend(v.iter().map(|&x| x as f64));
        }
        out
    }
}

impl LatentDensity for MafNet {
    fn dim(&self) -> usize {
        self.layout.arch.dim
    }

    fn log_prob_latent(&self, y: &Matrix) -> Result<Vec<f64>> {
        let d = self.layout.arch.dim;
        y.check_dim("y", d)?;
        let mut out = Vec::with_capacity(y.nrows());
        let mut tape = Tape::default();
        let mut yb: Vec<f32> = Vec::with_capacity(BLOCK * d);
        let mut lq = vec![0f32; BLOCK];
        for chunk in y.as_slice().chunks(BLOCK * d) {
            yb.clear();
            yb.extend(chunk.iter().map(|&v| v as f32));
            let rows = chunk.len() / d;
            native::forward(
                &self.layout,
                &self.params32,
                &yb,
                false,
                &mut tape,
                &mut lq[..rows],
            );
            out.extend(lq[..rows].iter().map(|&v| v as f64));
        }
        Ok(out)
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
        native::inverse(&self.layout, &self.params, &mut v);
        y.copy_from_slice(&v);
        Ok(())
    }
}
