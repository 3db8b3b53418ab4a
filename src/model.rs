//! Any saved estimator, chosen at run time: what the command-line program loads and fits.

use std::path::Path;

use rand::RngCore;

use crate::density::{Density, Sample, UnitCube};
use crate::error::{Error, Result};
use crate::fit::Fit;
use crate::flow::{Maf, MafConfig};
use crate::matrix::Matrix;
use crate::persist::{read_kind, Persist};
use crate::samples::WeightedSamples;
use crate::transform::Bounds;

/// The estimators margflow can fit, by name (the CLI's `--estimator`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EstimatorKind {
    /// Masked autoregressive flow.
    Maf,
}

/// A fitted estimator of any kind.
#[derive(Debug, Clone)]
pub enum AnyModel {
    /// A masked autoregressive flow.
    Maf(Maf),
}

/// Calls `$body` with `$m` bound to the inner model, whatever its kind.
macro_rules! dispatch {
    ($self:expr, $m:ident => $body:expr) => {
        match $self {
            AnyModel::Maf($m) => $body,
        }
    };
}

impl AnyModel {
    /// Loads a model directory written by any estimator's [`Persist::save`].
    pub fn load(dir: &Path) -> Result<Self> {
        let kind = read_kind(dir)?;
        match kind.as_str() {
            k if k == Maf::KIND => Ok(AnyModel::Maf(Maf::load(dir)?)),
            other => Err(Error::model(
                dir,
                format!(
                    "unknown estimator kind `{other}`; this margflow reads: {}",
                    Maf::KIND
                ),
            )),
        }
    }

    /// Saves the model to a directory.
    pub fn save(&self, dir: &Path) -> Result<()> {
        dispatch!(self, m => m.save(dir))
    }

    /// Parameter names, in column order.
    pub fn names(&self) -> &[String] {
        dispatch!(self, m => m.names())
    }

    /// The bounds of the Gaussianising box.
    pub fn bounds(&self) -> &Bounds {
        dispatch!(self, m => m.bounds())
    }
}

impl Density for AnyModel {
    fn dim(&self) -> usize {
        dispatch!(self, m => m.dim())
    }
    fn log_prob(&self, x: &Matrix) -> Result<Vec<f64>> {
        dispatch!(self, m => m.log_prob(x))
    }
}

impl Sample for AnyModel {
    fn sample(&self, n: usize, rng: &mut dyn RngCore) -> Result<Matrix> {
        dispatch!(self, m => m.sample(n, rng))
    }
}

impl UnitCube for AnyModel {
    fn from_unit_cube(&self, u: &[f64], theta: &mut [f64]) -> Result<()> {
        dispatch!(self, m => m.from_unit_cube(u, theta))
    }
}

/// Options for [`fit_any`] that are shared by the estimators.
#[derive(Debug, Clone)]
pub struct FitOptions {
    /// Configuration of the flow (also used by each component of a piecewise flow).
    pub maf: MafConfig,
}

/// Fits an estimator of the given kind and returns it as an [`AnyModel`].
pub fn fit_any(
    kind: EstimatorKind,
    options: &FitOptions,
    samples: &WeightedSamples,
    bounds: Option<&Bounds>,
    seed: u64,
) -> Result<AnyModel> {
    Ok(match kind {
        EstimatorKind::Maf => AnyModel::Maf(options.maf.fit(samples, bounds, seed)?),
    })
}
