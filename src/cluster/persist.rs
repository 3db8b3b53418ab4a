//! Saving and loading a [`Piecewise`] mixture: `model.yaml` (kind `piecewise`) holds the
//! component kind, bounds, names, weight shares and silhouette curve; `weights.safetensors`
//! holds `log_shares`; component `k` is saved in the subdirectory `component_k` in its own format.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::Piecewise;
use crate::density::Estimator;
use crate::error::{Error, Result};
use crate::persist::{read_model, write_model, Arrays, Persist};
use crate::transform::Bounds;

#[derive(Serialize, Deserialize)]
pub(crate) struct PiecewiseMeta {
    pub(crate) component_kind: String,
    n_components: usize,
    names: Vec<String>,
    bounds: Bounds,
    silhouette: Vec<(usize, f64)>,
}

/// The directory of component `k`.
fn component_dir(dir: &Path, k: usize) -> std::path::PathBuf {
    dir.join(format!("component_{k}"))
}

/// The kind of the components of a saved piecewise model.
pub fn component_kind(dir: &Path) -> Result<String> {
    let (meta, _): (PiecewiseMeta, Arrays) = read_model(dir, "piecewise")?;
    Ok(meta.component_kind)
}

impl<M: Estimator + Persist> Persist for Piecewise<M> {
    const KIND: &'static str = "piecewise";

    fn save(&self, dir: &Path) -> Result<()> {
        let k = self.n_components();
        let meta = PiecewiseMeta {
            component_kind: M::KIND.to_string(),
            n_components: k,
            names: self.names().to_vec(),
            bounds: self.bounds().clone(),
            silhouette: self.silhouette().to_vec(),
        };
        let mut arrays = Arrays::default();
        arrays.insert("log_shares", vec![k], self.log_shares().to_vec())?;
        write_model(dir, Self::KIND, &meta, &arrays)?;
        for (c, comp) in self.components().iter().enumerate() {
            comp.save(&component_dir(dir, c))?;
        }
        Ok(())
    }

    fn load(dir: &Path) -> Result<Self> {
        let (meta, mut arrays): (PiecewiseMeta, Arrays) = read_model(dir, Self::KIND)?;
        if meta.component_kind != M::KIND {
            return Err(Error::model(
                dir,
                format!(
                    "its components are `{}` models, expected `{}`",
                    meta.component_kind,
                    M::KIND
                ),
            ));
        }
        let k = meta.n_components;
        let log_shares = arrays.take(dir, "log_shares", &[k])?;
        let total: f64 = log_shares.iter().map(|l| l.exp()).sum();
        if log_shares.iter().any(|l| !l.is_finite()) || (total - 1.0).abs() > 1e-9 {
            return Err(Error::model(
                dir,
                "`log_shares` must be finite and sum (as shares) to 1",
            ));
        }
        let components = (0..k)
            .map(|c| M::load(&component_dir(dir, c)))
            .collect::<Result<Vec<_>>>()?;
        let d = meta.bounds.dim();
        if let Some(c) = components.iter().position(|c| c.dim() != d) {
            return Err(Error::model(
                dir,
                format!(
                    "component {c} has dimension {}, the bounds {d}",
                    components[c].dim()
                ),
            ));
        }
        if meta.names.len() != d || k == 0 {
            return Err(Error::model(
                dir,
                "names or component count do not match the bounds",
            ));
        }
        Ok(Piecewise::from_log_shares(
            components,
            log_shares,
            meta.bounds,
            meta.names,
            meta.silhouette,
        ))
    }
}
