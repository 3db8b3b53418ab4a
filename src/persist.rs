//! Saving and loading fitted estimators in a portable format.
//!
//! A saved model is a directory holding
//! - `model.yaml`: metadata (format version, margflow version, estimator kind, parameter names,
//!   bounds, architecture, training history), written with serde-saphyr;
//! - `weights.safetensors`: every numeric array (network weights, kernel centres), as `f64`.
//!
//! Both are readable from Python (`yaml.safe_load`, `safetensors.numpy.load_file`). Loading
//! checks the format version, the kind and every array's shape, and says what is wrong.

use std::collections::BTreeMap;
use std::path::Path;

use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, ParseKind, Result};

/// The on-disk format version this build writes. Version 2 added open bounds (`null` limits)
/// with the location and scale of open coordinates; version-1 files (finite boxes) still load.
pub const FORMAT_VERSION: u32 = 2;
/// The oldest format version this build reads.
pub const OLDEST_FORMAT_VERSION: u32 = 1;
const META_FILE: &str = "model.yaml";
const WEIGHTS_FILE: &str = "weights.safetensors";

/// Save to and load from a model directory.
pub trait Persist: Sized {
    /// The `kind` tag in `model.yaml` (for example `maf`, `kde`).
    const KIND: &'static str;
    /// Writes the model into `dir` (created if needed).
    fn save(&self, dir: &Path) -> Result<()>;
    /// Reads a model written by [`Persist::save`].
    fn load(dir: &Path) -> Result<Self>;
}

/// The envelope around every model's metadata.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope<T> {
    /// [`FORMAT_VERSION`] at save time.
    pub format_version: u32,
    /// The margflow crate version that wrote the file.
    pub margflow_version: String,
    /// Estimator kind.
    pub kind: String,
    /// The model's own metadata.
    pub model: T,
}

/// Named `f64` arrays with shapes, as stored in `weights.safetensors`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Arrays(pub BTreeMap<String, (Vec<usize>, Vec<f64>)>);

impl Arrays {
    /// Adds an array. [`Error::DimensionMismatch`] (naming the array) unless `data.len()` is
    /// the product of `shape`, checked in release builds too, so that a model with an array of
    /// the wrong size is never written.
    pub fn insert(
        &mut self,
        name: impl Into<String>,
        shape: Vec<usize>,
        data: Vec<f64>,
    ) -> Result<()> {
        let name = name.into();
        let size = shape.iter().try_fold(1usize, |a, &s| a.checked_mul(s));
        if size != Some(data.len()) {
            return Err(Error::dims(
                format!("array `{name}` of shape {shape:?}"),
                size.unwrap_or(usize::MAX),
                data.len(),
            ));
        }
        self.0.insert(name, (shape, data));
        Ok(())
    }

    /// Takes an array out, checking its shape.
    pub fn take(&mut self, dir: &Path, name: &str, shape: &[usize]) -> Result<Vec<f64>> {
        let (s, d) = self.0.remove(name).ok_or_else(|| {
            Error::model(
                dir,
                format!("array `{name}` is missing from {WEIGHTS_FILE}"),
            )
        })?;
        if s != shape {
            return Err(Error::model(
                dir,
                format!("array `{name}` has shape {s:?}, but the metadata implies {shape:?}"),
            ));
        }
        Ok(d)
    }
}

/// Writes `model.yaml` and `weights.safetensors` into `dir`.
pub fn write_model<T: Serialize>(dir: &Path, kind: &str, meta: &T, arrays: &Arrays) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let env = Envelope {
        format_version: FORMAT_VERSION,
        margflow_version: env!("CARGO_PKG_VERSION").to_string(),
        kind: kind.to_string(),
        model: meta,
    };
    let yaml = serde_saphyr::to_string(&env)
        .map_err(|e| Error::model(dir, format!("cannot write metadata: {e}")))?;
    let meta_path = dir.join(META_FILE);
    std::fs::write(&meta_path, yaml).map_err(|e| Error::io(&meta_path, e))?;

    let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = arrays
        .0
        .iter()
        .map(|(k, (s, d))| {
            (
                k.clone(),
                s.clone(),
                d.iter().flat_map(|v| v.to_le_bytes()).collect(),
            )
        })
        .collect();
    let views = bytes
        .iter()
        .map(|(k, s, b)| {
            TensorView::new(Dtype::F64, s.clone(), b)
                .map(|v| (k.clone(), v))
                .map_err(|e| Error::model(dir, format!("array `{k}`: {e}")))
        })
        .collect::<Result<Vec<_>>>()?;
    let blob = safetensors::serialize(views, None)
        .map_err(|e| Error::model(dir, format!("cannot serialise weights: {e}")))?;
    let w_path = dir.join(WEIGHTS_FILE);
    std::fs::write(&w_path, blob).map_err(|e| Error::io(&w_path, e))
}

/// Reads the `kind` tag of a saved model without loading it.
pub fn read_kind(dir: &Path) -> Result<String> {
    #[derive(Deserialize)]
    struct KindOnly {
        kind: String,
        format_version: u32,
    }
    let k: KindOnly = read_yaml(dir)?;
    check_version(dir, k.format_version)?;
    Ok(k.kind)
}

/// Reads `model.yaml` and `weights.safetensors`, checking the version and the kind.
pub fn read_model<T: DeserializeOwned>(dir: &Path, kind: &str) -> Result<(T, Arrays)> {
    let found = read_kind(dir)?;
    if found != kind {
        return Err(Error::model(
            dir,
            format!("holds a `{found}` model, expected `{kind}`"),
        ));
    }
    let env: Envelope<T> = read_yaml(dir)?;
    let w_path = dir.join(WEIGHTS_FILE);
    let blob = std::fs::read(&w_path).map_err(|e| Error::io(&w_path, e))?;
    let st = SafeTensors::deserialize(&blob)
        .map_err(|e| Error::model(dir, format!("{WEIGHTS_FILE} is not valid safetensors: {e}")))?;
    let mut arrays = Arrays::default();
    for (name, view) in st.tensors() {
        if view.dtype() != Dtype::F64 {
            return Err(Error::model(
                dir,
                format!("array `{name}` has dtype {:?}, expected F64", view.dtype()),
            ));
        }
        let data = view
            .data()
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect();
        arrays
            .insert(name, view.shape().to_vec(), data)
            .map_err(|e| Error::model(dir, format!("{WEIGHTS_FILE}: {e}")))?;
    }
    Ok((env.model, arrays))
}

fn read_yaml<T: DeserializeOwned>(dir: &Path) -> Result<T> {
    let path = dir.join(META_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    serde_saphyr::from_str(&text).map_err(|e| Error::Parse {
        kind: ParseKind::Format,
        column: None,
        path,
        line: 0,
        reason: format!("invalid model metadata: {e}"),
    })
}

fn check_version(dir: &Path, v: u32) -> Result<()> {
    if !(OLDEST_FORMAT_VERSION..=FORMAT_VERSION).contains(&v) {
        return Err(Error::model(
            dir,
            format!("format version {v}, but this margflow reads versions {OLDEST_FORMAT_VERSION} to {FORMAT_VERSION}; load it with the margflow that wrote it (see `margflow_version` in model.yaml), or upgrade margflow"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_array_whose_data_does_not_fill_its_shape_is_a_typed_error() {
        let mut a = Arrays::default();
        a.insert("ok", vec![2, 3], vec![0.0; 6]).unwrap();
        a.insert("scalar", vec![], vec![1.0]).unwrap();
        for (shape, len) in [(vec![2, 3], 5), (vec![0], 1), (vec![usize::MAX, 2], 0)] {
            assert!(matches!(
                a.insert("bad", shape, vec![0.0; len]),
                Err(Error::DimensionMismatch { ref arg, got, .. }) if arg.contains("`bad`") && got == len
            ));
        }
        assert_eq!(a.0.len(), 2);
    }
}
