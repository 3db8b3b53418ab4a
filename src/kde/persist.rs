//! Saving and loading a [`Kde`]: `model.yaml` holds the bounds (with the location and scale of
//! open sides, see [`crate::Gaussianiser`]), names and bandwidth rule;
//! `weights.safetensors` holds `centres` (`n × d`, Gaussianised space), `log_weights` (`n`,
//! normalised) and `chol` (`d × d`, lower Cholesky factor of the kernel covariance).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Bandwidth, Kde, KdeLatent};
use crate::error::{Error, Result};
use crate::matrix::Matrix;
use crate::persist::{read_model, write_model, Arrays, Persist};
use crate::transform::{Bounds, Gaussianiser, Transformed};

#[derive(Serialize, Deserialize)]
struct KdeMeta {
    names: Vec<String>,
    bounds: Bounds,
    /// Location and scale of the open coordinates (absent in format version 1: a finite box).
    #[serde(default)]
    shift: Vec<f64>,
    #[serde(default)]
    scale: Vec<f64>,
    dim: usize,
    n_kernels: usize,
    /// The rule the bandwidth came from (informative; the factor is baked into `chol`).
    bandwidth: Option<Bandwidth>,
}

impl Persist for Kde {
    const KIND: &'static str = "kde";

    fn save(&self, dir: &Path) -> Result<()> {
        let l = self.latent();
        let (n, d) = (l.n_kernels(), self.bounds().dim());
        let (shift, scale) = self.bijector().affine();
        let meta = KdeMeta {
            names: self.names().to_vec(),
            bounds: self.bounds().clone(),
            shift: shift.to_vec(),
            scale: scale.to_vec(),
            dim: d,
            n_kernels: n,
            bandwidth: None,
        };
        let mut arrays = Arrays::default();
        arrays.insert("centres", vec![n, d], l.centres().as_slice().to_vec())?;
        arrays.insert("log_weights", vec![n], l.log_weights().to_vec())?;
        arrays.insert("chol", vec![d, d], l.chol.clone())?;
        write_model(dir, Self::KIND, &meta, &arrays)
    }

    fn load(dir: &Path) -> Result<Self> {
        let (meta, mut arrays): (KdeMeta, Arrays) = read_model(dir, Self::KIND)?;
        let (n, d) = (meta.n_kernels, meta.dim);
        if meta.bounds.dim() != d || meta.names.len() != d {
            return Err(Error::model(
                dir,
                format!(
                    "dim is {d} but the bounds have {} and the names {} entries",
                    meta.bounds.dim(),
                    meta.names.len()
                ),
            ));
        }
        let centres = Matrix::new(n, d, arrays.take(dir, "centres", &[n, d])?)?;
        let log_weights = arrays.take(dir, "log_weights", &[n])?;
        let chol = arrays.take(dir, "chol", &[d, d])?;
        let latent = KdeLatent::from_log_weights(centres, log_weights, chol)
            .map_err(|e| Error::model(dir, format!("invalid KDE arrays: {e}")))?;
        let bijector = Gaussianiser::from_parts(meta.bounds, meta.shift, meta.scale)
            .map_err(|e| Error::model(dir, format!("invalid bounds: {e}")))?;
        Transformed::new(latent, bijector)?.with_names(meta.names)
    }
}
