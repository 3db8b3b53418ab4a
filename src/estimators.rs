//! Estimators by kind name, for the CLI's `train` and for loading any saved model.
//!
//! | name | configuration | saved kind |
//! | --- | --- | --- |
//! | `kde` | [`KdeConfig`] | `kde` |
//! | `piecewise-kde` | [`PiecewiseConfig`]`<`[`KdeConfig`]`>` | `piecewise` with `kde` components |
//!
//! [`fit_and_save`] fits the named estimator and writes it to a directory; [`load`] reads any
//! saved model back as a `Box<dyn Estimator>`, dispatching on the `kind` in `model.yaml` (and,
//! for piecewise models, on the components' kind).

use std::path::Path;
use std::str::FromStr;

use crate::cluster::{persist::component_kind, ClusterConfig, Piecewise, PiecewiseConfig};
use crate::density::Estimator;
use crate::error::{Error, Result};
use crate::fit::Fit;
use crate::kde::{Bandwidth, Kde, KdeConfig};
use crate::persist::{read_kind, Persist};
use crate::samples::WeightedSamples;
use crate::transform::Bounds;

/// The estimators that [`fit_and_save`] can train.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EstimatorKind {
    /// Weighted Gaussian KDE.
    Kde,
    /// One KDE per cluster.
    PiecewiseKde,
}

impl EstimatorKind {
    /// Every kind, in the order of the CLI's help.
    pub const ALL: [EstimatorKind; 2] = [EstimatorKind::Kde, EstimatorKind::PiecewiseKde];

    /// The CLI name.
    pub fn name(self) -> &'static str {
        match self {
            EstimatorKind::Kde => "kde",
            EstimatorKind::PiecewiseKde => "piecewise-kde",
        }
    }
}

impl FromStr for EstimatorKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        EstimatorKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = EstimatorKind::ALL.iter().map(|k| k.name()).collect();
                Error::invalid("estimator", format!("unknown estimator `{s}`; choose one of {names:?}"))
            })
    }
}

/// The options of every estimator kind (each kind uses the ones that apply to it).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrainOptions {
    /// KDE configuration (bandwidth rule).
    pub kde: KdeConfig,
    /// Clustering of the piecewise estimators (`--k`, `--k-max`, `--min-cluster-size`).
    pub clusters: ClusterConfig,
}

impl TrainOptions {
    /// Options from the CLI's flags: bandwidth `scott|silverman|<factor>`, a fixed `k` or the
    /// largest `k` to try, and the minimum cluster size (`None` keeps each default).
    pub fn from_flags(
        bandwidth: Option<&str>,
        k: Option<usize>,
        k_max: Option<usize>,
        min_cluster_size: Option<f64>,
    ) -> Result<Self> {
        let mut kde = KdeConfig::new();
        if let Some(b) = bandwidth {
            kde = kde.bandwidth(b.parse::<Bandwidth>()?)?;
        }
        let mut clusters = ClusterConfig::new();
        if k.is_some() && k_max.is_some() {
            return Err(Error::invalid("k", "give either a fixed k or k_max, not both"));
        }
        if let Some(k) = k {
            clusters = clusters.k(k)?;
        }
        if let Some(k_max) = k_max {
            clusters = clusters.k_max(k_max)?;
        }
        if let Some(m) = min_cluster_size {
            clusters = clusters.min_cluster_size(m)?;
        }
        Ok(Self { kde, clusters })
    }
}

/// What [`fit_and_save`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainSummary {
    /// The estimator trained.
    pub kind: EstimatorKind,
    /// Number of components (1 for a single estimator).
    pub n_components: usize,
    /// The silhouette score of each `k` tried (piecewise with automatic `k`).
    pub silhouette: Vec<(usize, f64)>,
}

/// Fits the estimator `kind` to `samples` and saves it in `dir`.
pub fn fit_and_save(
    kind: EstimatorKind,
    options: &TrainOptions,
    samples: &WeightedSamples,
    bounds: Option<&Bounds>,
    seed: u64,
    dir: &Path,
) -> Result<TrainSummary> {
    match kind {
        EstimatorKind::Kde => {
            options.kde.fit(samples, bounds, seed)?.save(dir)?;
            Ok(TrainSummary {
                kind,
                n_components: 1,
                silhouette: Vec::new(),
            })
        }
        EstimatorKind::PiecewiseKde => {
            let m = PiecewiseConfig::new(options.kde)
                .clusters(options.clusters.clone())
                .fit(samples, bounds, seed)?;
            m.save(dir)?;
            Ok(TrainSummary {
                kind,
                n_components: m.n_components(),
                silhouette: m.silhouette().to_vec(),
            })
        }
    }
}

/// Loads any saved estimator that this build knows.
pub fn load(dir: &Path) -> Result<Box<dyn Estimator>> {
    let kind = read_kind(dir)?;
    match kind.as_str() {
        k if k == Kde::KIND => Ok(Box::new(Kde::load(dir)?)),
        k if k == Piecewise::<Kde>::KIND => {
            let comp = component_kind(dir)?;
            match comp.as_str() {
                c if c == Kde::KIND => Ok(Box::new(Piecewise::<Kde>::load(dir)?)),
                other => Err(Error::model(
                    dir,
                    format!("piecewise model with `{other}` components, which this build cannot load"),
                )),
            }
        }
        other => Err(Error::model(dir, format!("unknown estimator kind `{other}`"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::Matrix;

    #[test]
    fn names_round_trip_and_unknown_names_are_errors() {
        for k in EstimatorKind::ALL {
            assert_eq!(k.name().parse::<EstimatorKind>().unwrap(), k);
        }
        let e = "mdn".parse::<EstimatorKind>().unwrap_err();
        assert!(matches!(e, Error::InvalidArgument { ref arg, .. } if arg == "estimator"));
        assert!(TrainOptions::from_flags(Some("nope"), None, None, None).is_err());
        assert!(TrainOptions::from_flags(None, Some(3), Some(5), None).is_err());
        assert!(TrainOptions::from_flags(None, None, Some(1), None).is_err());
    }

    #[test]
    fn fit_save_and_load_by_name() {
        let x: Vec<f64> = (0..400)
            .map(|i| {
                let t = i as f64 * 0.37;
                if i % 2 == 0 { t.sin() } else { (i % 4) as f64 * 3.0 + t.cos() }
            })
            .collect();
        let s = WeightedSamples::unweighted(Matrix::new(200, 2, x).unwrap(), vec!["a".into(), "b".into()]).unwrap();
        let probe = Matrix::from_rows(&[[0.1, 3.0], [0.3, 9.0]]).unwrap();
        let opts = TrainOptions::from_flags(Some("silverman"), None, Some(4), Some(20.0)).unwrap();
        for kind in EstimatorKind::ALL {
            let dir = tempfile::tempdir().unwrap();
            let summary = fit_and_save(kind, &opts, &s, None, 3, dir.path()).unwrap();
            let loaded = load(dir.path()).unwrap();
            assert_eq!(loaded.dim(), 2);
            let lp = loaded.log_prob(&probe).unwrap();
            assert!(lp.iter().all(|v| v.is_finite()), "{kind:?}: {lp:?}");
            if kind == EstimatorKind::PiecewiseKde {
                // k_max = 4 was passed through: k = 2, 3, 4 were scored, the best one kept.
                assert_eq!(summary.silhouette.len(), 3, "{summary:?}");
                let best = summary.silhouette.iter().max_by(|a, b| a.1.total_cmp(&b.1)).unwrap();
                assert_eq!(summary.n_components, best.0);
            }
        }
        assert!(load(Path::new("/nonexistent/model")).is_err());
    }
}
