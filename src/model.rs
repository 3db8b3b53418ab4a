//! Any saved estimator, chosen at run time: what the command-line program loads and fits.

use std::path::Path;

use rand::RngCore;

use crate::cluster::{persist::component_kind, ClusterConfig, Piecewise, PiecewiseConfig};
use crate::density::{Density, Sample, UnitCube};
use crate::error::{Error, Result};
use crate::fit::Fit;
use crate::flow::{Maf, MafConfig};
use crate::kde::{Kde, KdeConfig};
use crate::matrix::Matrix;
use crate::persist::{read_kind, Persist};
use crate::samples::WeightedSamples;
use crate::transform::Bounds;

/// The estimators margflow can fit, by name (the CLI's `--estimator`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum EstimatorKind {
    /// Masked autoregressive flow.
    Maf,
    /// Weighted Gaussian kernel density estimate.
    Kde,
    /// One flow per cluster (`piecewise-maf`), each with the full `K` MADEs.
    PiecewiseMaf,
    /// One KDE per cluster (`piecewise-kde`).
    PiecewiseKde,
}

impl EstimatorKind {
    /// Every kind.
    pub const ALL: [EstimatorKind; 4] = [
        EstimatorKind::Maf,
        EstimatorKind::Kde,
        EstimatorKind::PiecewiseMaf,
        EstimatorKind::PiecewiseKde,
    ];

    /// The name on the command line (`maf`, `kde`, `piecewise-maf`, `piecewise-kde`).
    pub fn name(self) -> &'static str {
        match self {
            EstimatorKind::Maf => "maf",
            EstimatorKind::Kde => "kde",
            EstimatorKind::PiecewiseMaf => "piecewise-maf",
            EstimatorKind::PiecewiseKde => "piecewise-kde",
        }
    }

    /// The kind called `name` (case-insensitive).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name))
    }
}

/// A fitted estimator of any kind.
// A program holds one or two of these: boxing the larger variants would gain nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum AnyModel {
    /// A masked autoregressive flow.
    Maf(Maf),
    /// A kernel density estimate.
    Kde(Kde),
    /// A mixture of per-cluster flows.
    PiecewiseMaf(Piecewise<Maf>),
    /// A mixture of per-cluster KDEs.
    PiecewiseKde(Piecewise<Kde>),
}

/// Calls `$body` with `$m` bound to the inner model, whatever its kind.
macro_rules! dispatch {
    ($self:expr, $m:ident => $body:expr) => {
        match $self {
            AnyModel::Maf($m) => $body,
            AnyModel::Kde($m) => $body,
            AnyModel::PiecewiseMaf($m) => $body,
            AnyModel::PiecewiseKde($m) => $body,
        }
    };
}

impl AnyModel {
    /// Loads a model directory written by any estimator's [`Persist::save`].
    pub fn load(dir: &Path) -> Result<Self> {
        let kind = read_kind(dir)?;
        match kind.as_str() {
            k if k == Maf::KIND => Ok(AnyModel::Maf(Maf::load(dir)?)),
            k if k == Kde::KIND => Ok(AnyModel::Kde(Kde::load(dir)?)),
            k if k == Piecewise::<Kde>::KIND => match component_kind(dir)?.as_str() {
                c if c == Maf::KIND => Ok(AnyModel::PiecewiseMaf(Piecewise::load(dir)?)),
                c if c == Kde::KIND => Ok(AnyModel::PiecewiseKde(Piecewise::load(dir)?)),
                other => Err(Error::model(
                    dir,
                    format!("piecewise model with `{other}` components; this margflow reads `maf` and `kde` components"),
                )),
            },
            other => Err(Error::model(
                dir,
                format!(
                    "unknown estimator kind `{other}`; this margflow reads: {}, {}, {}",
                    Maf::KIND,
                    Kde::KIND,
                    Piecewise::<Kde>::KIND
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
        crate::matrix::check_fits_in_memory("n", n, self.dim(), 2)?;
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
    /// Configuration of the flow (also used, unchanged but for the progress bar, by each
    /// component of a piecewise flow, see [`crate::ForCluster`]).
    pub maf: MafConfig,
    /// Configuration of the KDE (bandwidth rule), also for each piecewise component.
    pub kde: KdeConfig,
    /// Clustering of the piecewise estimators (automatic or fixed `k`, minimum size).
    pub clusters: ClusterConfig,
}

impl FitOptions {
    /// The given flow configuration with the default KDE and clustering.
    pub fn new(maf: MafConfig) -> Self {
        Self {
            maf,
            kde: KdeConfig::default(),
            clusters: ClusterConfig::default(),
        }
    }
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
        EstimatorKind::Kde => AnyModel::Kde(options.kde.fit(samples, bounds, seed)?),
        EstimatorKind::PiecewiseMaf => AnyModel::PiecewiseMaf(
            PiecewiseConfig::new(options.maf.clone())
                .clusters(options.clusters.clone())
                .fit(samples, bounds, seed)?,
        ),
        EstimatorKind::PiecewiseKde => AnyModel::PiecewiseKde(
            PiecewiseConfig::new(options.kde)
                .clusters(options.clusters.clone())
                .fit(samples, bounds, seed)?,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_bands() -> WeightedSamples {
        // Column b lies in two bands, [2, 4] and [8, 10]: two clusters.
        let x: Vec<f64> = (0..400)
            .map(|i| {
                let t = i as f64 * 0.37;
                if i % 2 == 0 {
                    t.sin()
                } else {
                    (i % 4) as f64 * 3.0 + t.cos()
                }
            })
            .collect();
        WeightedSamples::unweighted(
            Matrix::new(200, 2, x).unwrap(),
            vec!["a".into(), "b".into()],
        )
        .unwrap()
    }

    #[test]
    fn kde_and_piecewise_kde_fit_save_and_load_by_kind() {
        let s = two_bands();
        let probe = Matrix::from_rows(&[[0.1, 3.0], [0.3, 9.0]]).unwrap();
        let mut options = FitOptions::new(MafConfig::default());
        options.clusters = ClusterConfig::new()
            .k_max(4)
            .unwrap()
            .min_cluster_size(20.0)
            .unwrap();
        for kind in [EstimatorKind::Kde, EstimatorKind::PiecewiseKde] {
            let model = fit_any(kind, &options, &s, None, 3).unwrap();
            let dir = tempfile::tempdir().unwrap();
            model.save(dir.path()).unwrap();
            let loaded = AnyModel::load(dir.path()).unwrap();
            assert_eq!(
                std::mem::discriminant(&model),
                std::mem::discriminant(&loaded),
                "{kind:?}"
            );
            assert_eq!(loaded.names(), ["a", "b"]);
            let lp = loaded.log_prob(&probe).unwrap();
            assert!(lp.iter().all(|v| v.is_finite()), "{kind:?}: {lp:?}");
            assert_eq!(lp, model.log_prob(&probe).unwrap());
        }
    }

    #[test]
    fn piecewise_flows_keep_the_full_flow_per_cluster() {
        use crate::cluster::ForCluster;
        let cfg = MafConfig::default();
        for k in [1, 2, 8] {
            assert_eq!(cfg.for_cluster(k).n_mades, cfg.n_mades);
            assert_eq!(cfg.for_cluster(k).hidden, cfg.hidden);
            assert!(!cfg.for_cluster(k).progress);
        }
    }
}
