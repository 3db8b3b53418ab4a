//! HDF5 files (feature `hdf5`, via hdf5-metno).
//!
//! Layout read and written by margflow, at the file's root group:
//!
//! | dataset | type | shape | content |
//! | --- | --- | --- | --- |
//! | `samples` | f64 | `n × d` | parameter values, one row per sample |
//! | `weights` | f64 | `n` | sample weights (optional on reading: all 1 when absent) |
//! | `names` | UTF-8 strings | `d` | parameter names (optional: `p0, p1, …`) |
//!
//! `weights_column` on reading names another 1-D dataset to use as the weights.
//!
//! margflow writes the names as fixed-length strings of [`NAME_BYTES`] bytes, and reads fixed-
//! and variable-length ones. Variable-length strings live in HDF5's global heap, and the HDF5
//! C library (1.10.8, Debian's) reads a corrupt global heap out of bounds and crashes the
//! process (found by `tests/reader_fuzz.rs`); fixed-length strings never touch it, so a corrupt
//! file that margflow wrote gives an error. Files from other writers (h5py writes
//! variable-length strings) still go through the C library's heap reader.

use std::path::Path;
use std::str::FromStr;

use hdf5::types::{FixedAscii, FixedUnicode, TypeDescriptor, VarLenAscii, VarLenUnicode};

/// The length in bytes of each name as margflow writes it (longer names are an error).
pub const NAME_BYTES: usize = 256;

use crate::error::{Error, ParseKind, Result};
use crate::matrix::Matrix;
use crate::samples::WeightedSamples;

fn h5_err(path: &Path, what: &str, e: hdf5::Error) -> Error {
    Error::Parse {
        kind: ParseKind::Format,
        column: None,
        path: path.into(),
        line: 0,
        reason: format!("{what}: {e}"),
    }
}

/// Refuses to read a dataset that could not come from the file at `path`: more than 1024
/// times the file's size (the most any compression of sampler output gives) in the file's own
/// element size or in 8-byte numbers, or more than physical memory. A corrupt header must not
/// make the reader (or the HDF5 library, which converts through buffers of the stored element
/// size) allocate without bound.
fn check_dataset_size(path: &Path, what: &str, ds: &hdf5::Dataset) -> Result<()> {
    let file_len = std::fs::metadata(path)
        .map_err(|e| Error::io(path, e))?
        .len();
    let elements = ds.size();
    let stored = ds.dtype().map_err(|e| h5_err(path, what, e))?.size().max(8);
    let needed = (elements as u128) * (stored as u128);
    let limit = (u128::from(file_len) * 1024).max(1 << 20);
    if needed > limit {
        return Err(Error::Parse {
            kind: ParseKind::Format,
            column: None,
            path: path.into(),
            line: 0,
            reason: format!(
                "{what} claims {elements} elements of {stored} bytes but the file has {file_len} bytes; its header is corrupt"
            ),
        });
    }
    crate::matrix::check_fits_in_memory(what, elements, stored.div_ceil(8), 1)
}

/// Writes samples in the layout of the module docs.
pub fn write_hdf5(samples: &WeightedSamples, path: &Path) -> Result<()> {
    let f = hdf5::File::create(path).map_err(|e| h5_err(path, "cannot create the file", e))?;
    let (n, d) = (samples.len(), samples.dim());
    let ds = f
        .new_dataset::<f64>()
        .shape((n, d))
        .create("samples")
        .map_err(|e| h5_err(path, "samples", e))?;
    ds.write_raw(samples.values().as_slice())
        .map_err(|e| h5_err(path, "samples", e))?;
    let ws = f
        .new_dataset::<f64>()
        .shape((n,))
        .create("weights")
        .map_err(|e| h5_err(path, "weights", e))?;
    ws.write_raw(samples.weights())
        .map_err(|e| h5_err(path, "weights", e))?;
    let names: Vec<FixedUnicode<NAME_BYTES>> = samples
        .names()
        .iter()
        .map(|s| {
            FixedUnicode::<NAME_BYTES>::from_str(s).map_err(|e| {
                Error::invalid("names", format!("`{s}` cannot be stored in HDF5: {e}"))
            })
        })
        .collect::<Result<_>>()?;
    let ns = f
        .new_dataset::<FixedUnicode<NAME_BYTES>>()
        .shape((d,))
        .create("names")
        .map_err(|e| h5_err(path, "names", e))?;
    ns.write_raw(&names).map_err(|e| h5_err(path, "names", e))?;
    Ok(())
}

/// Reads samples in the layout of the module docs; errors name the file and dataset (and the
/// row, for NaN or negative weights).
pub fn read_hdf5(path: &Path, weights_column: Option<&str>) -> Result<WeightedSamples> {
    if !path.is_file() {
        return Err(Error::io(
            path,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        ));
    }
    let f = hdf5::File::open(path).map_err(|e| h5_err(path, "not a readable HDF5 file", e))?;
    let ds = f
        .dataset("samples")
        .map_err(|e| h5_err(path, "dataset `samples` (n × d)", e))?;
    let shape = ds.shape();
    if shape.len() != 2 {
        return Err(Error::Parse {
            kind: ParseKind::FieldCount,
            column: None,
            path: path.into(),
            line: 0,
            reason: format!("dataset `samples` has shape {shape:?}; expected n × d"),
        });
    }
    let (n, d) = (shape[0], shape[1]);
    if n == 0 {
        return Err(Error::Parse {
            kind: ParseKind::Empty,
            column: None,
            path: path.into(),
            line: 0,
            reason: "the chain is empty: `samples` has no rows".into(),
        });
    }
    check_dataset_size(path, "dataset `samples`", &ds)?;
    let data: Vec<f64> = ds
        .read_raw()
        .map_err(|e| h5_err(path, "dataset `samples`", e))?;
    if let Some(k) = data.iter().position(|v| !v.is_finite()) {
        return Err(Error::Parse {
            kind: ParseKind::NonFinite,
            column: None,
            path: path.into(),
            line: k / d + 1,
            reason: format!(
                "`samples` row {} column {} holds {}; every value must be finite",
                k / d,
                k % d,
                data[k]
            ),
        });
    }
    let wname = weights_column.unwrap_or("weights");
    let weights: Vec<f64> = match f.dataset(wname) {
        Ok(w) => {
            check_dataset_size(path, wname, &w)?;
            w.read_raw().map_err(|e| h5_err(path, wname, e))?
        }
        Err(_) if weights_column.is_none() => vec![1.0; n],
        Err(e) => return Err(h5_err(path, &format!("weights dataset `{wname}`"), e)),
    };
    if weights.len() != n {
        return Err(Error::Parse {
            kind: ParseKind::FieldCount,
            column: None,
            path: path.into(),
            line: 0,
            reason: format!(
                "`{wname}` has {} entries but `samples` has {n} rows",
                weights.len()
            ),
        });
    }
    if let Some(i) = weights.iter().position(|w| !(w.is_finite() && *w >= 0.0)) {
        return Err(Error::Parse {
            kind: ParseKind::Weight,
            column: None,
            path: path.into(),
            line: i + 1,
            reason: format!("weight {} in row {i} is negative or not finite", weights[i]),
        });
    }
    let names = match f.dataset("names") {
        Ok(nd) => {
            check_dataset_size(path, "names", &nd)?;
            let err = |e| h5_err(path, "names", e);
            let ty = nd.dtype().and_then(|t| t.to_descriptor()).map_err(err)?;
            match ty {
                TypeDescriptor::FixedUnicode(_) => nd
                    .read_raw::<FixedUnicode<NAME_BYTES>>()
                    .map_err(err)?
                    .iter()
                    .map(|s| s.as_str().to_string())
                    .collect(),
                TypeDescriptor::FixedAscii(_) => nd
                    .read_raw::<FixedAscii<NAME_BYTES>>()
                    .map_err(err)?
                    .iter()
                    .map(|s| s.as_str().to_string())
                    .collect(),
                TypeDescriptor::VarLenUnicode => nd
                    .read_raw::<VarLenUnicode>()
                    .map_err(err)?
                    .iter()
                    .map(|s| s.as_str().to_string())
                    .collect(),
                TypeDescriptor::VarLenAscii => nd
                    .read_raw::<VarLenAscii>()
                    .map_err(err)?
                    .iter()
                    .map(|s| s.as_str().to_string())
                    .collect(),
                other => {
                    return Err(Error::Parse {
                        kind: ParseKind::Names,
                        column: None,
                        path: path.into(),
                        line: 0,
                        reason: format!("dataset `names` holds {other:?}; expected strings"),
                    })
                }
            }
        }
        Err(_) => WeightedSamples::default_names(d),
    };
    if names.len() != d {
        return Err(Error::Parse {
            kind: ParseKind::Names,
            column: None,
            path: path.into(),
            line: 0,
            reason: format!(
                "`names` has {} entries but `samples` has {d} columns",
                names.len()
            ),
        });
    }
    WeightedSamples::new(Matrix::new(n, d, data)?, weights, names)
}

/// Reads an UltraNest run from its output folder: `results/points.hdf5`, dataset `points`
/// (`n × (3 + x_dim + d)`: `log L_birth, log L, quality, u_1 … u_{x_dim}, p_1 … p_d`, the
/// unit-cube coordinates then the physical parameters) and the parameter names from
/// `info/results.json` (`"paramnames"`), as anesthetic reads it. The weights follow from the
/// birth contours like every nested reader's ([`super::nested::nested_log_weights`]), rows
/// sorted by `log L`.
///
/// Errors name the file: a missing or unreadable file, a `points` dataset of the wrong shape,
/// non-finite parameters, NaN or `+∞` likelihoods, a birth contour at or above its point's
/// `log L`.
pub fn read_ultranest(dir: &Path) -> Result<super::Chain> {
    let points = dir.join("results").join("points.hdf5");
    let info = dir.join("info").join("results.json");
    let text = std::fs::read_to_string(&info).map_err(|e| Error::io(&info, e))?;
    // UltraNest writes Python's JSON, with bare `Infinity` and `NaN`: read it as YAML.
    let json = super::cobaya::yaml_value(&text).ok_or_else(|| Error::Parse {
        kind: ParseKind::Format,
        column: None,
        path: info.clone(),
        line: 0,
        reason: "not readable as JSON".into(),
    })?;
    let names: Vec<String> = json
        .get("paramnames")
        .and_then(|v| v.as_array())
        .and_then(|a| a.iter().map(|s| s.as_str().map(str::to_string)).collect())
        .ok_or_else(|| Error::Parse {
            kind: ParseKind::Names,
            column: None,
            path: info.clone(),
            line: 0,
            reason: "no `paramnames` list of strings".into(),
        })?;
    let d = names.len();
    if !points.is_file() {
        return Err(Error::io(
            &points,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        ));
    }
    let f =
        hdf5::File::open(&points).map_err(|e| h5_err(&points, "not a readable HDF5 file", e))?;
    let ds = f
        .dataset("points")
        .map_err(|e| h5_err(&points, "dataset `points`", e))?;
    let shape = ds.shape();
    if shape.len() != 2 || shape[0] == 0 || shape[1] < 3 + 2 * d || d == 0 {
        return Err(Error::Parse {
            kind: ParseKind::FieldCount,
            column: None,
            path: points,
            line: 0,
            reason: format!(
                "dataset `points` has shape {shape:?}; expected n > 0 rows of log L_birth, log L, quality, {d} unit-cube and {d} physical coordinates ({} names in {})",
                d,
                info.display()
            ),
        });
    }
    let (n, c) = (shape[0], shape[1]);
    check_dataset_size(&points, "dataset `points`", &ds)?;
    let data: Vec<f64> = ds
        .read_raw()
        .map_err(|e| h5_err(&points, "dataset `points`", e))?;
    if data.len() != n * c {
        return Err(Error::Parse {
            kind: ParseKind::FieldCount,
            column: None,
            path: points,
            line: 0,
            reason: format!(
                "dataset `points` holds {} values for shape {n} × {c}",
                data.len()
            ),
        });
    }
    let first = c - d;
    // Rows `p_1 … p_d  log L  log L_birth`, checked like every nested reader's.
    let mut rows: Vec<Vec<f64>> = data
        .chunks_exact(c)
        .map(|r| {
            let mut v = r[first..].to_vec();
            v.push(r[1]);
            v.push(r[0]);
            v
        })
        .collect();
    let m = Matrix::from_rows(&rows)?;
    let lines: Vec<usize> = (1..=n).collect();
    super::nested::check_nested_rows(&points, &m, &lines, d, Some(d + 1))?;
    rows.sort_by(|a, b| a[d].total_cmp(&b[d]));
    let log_l: Vec<f64> = rows.iter().map(|r| r[d]).collect();
    let birth: Vec<f64> = rows.iter().map(|r| r[d + 1]).collect();
    let log_w = super::nested::nested_log_weights(&log_l, &birth);
    let weights = super::nested::normalise_log_weights(&log_w, &points)?;
    let values = Matrix::from_rows(&rows.iter().map(|r| r[..d].to_vec()).collect::<Vec<_>>())?;
    let samples = WeightedSamples::new(values, weights, names.clone())?
        .with_labels(names)?
        .with_log_likelihood(log_l, Some(birth))?;
    Ok(super::Chain {
        samples,
        ranges: None,
        derived: vec![false; d],
        format: super::ChainFormat::UltraNest,
    })
}
