//! polars DataFrames and parquet files (feature `polars`).
//!
//! Layout: one `Float64` column per parameter (named as the parameter) and a weight column
//! (`weight` unless another name is chosen). Reading casts numeric columns to `Float64`; nulls,
//! NaN and non-numeric columns are errors that name the column and row.

use std::path::Path;

use polars::prelude::*;

use crate::error::{Error, ParseKind, Result};
use crate::matrix::Matrix;
use crate::samples::WeightedSamples;

fn polars_err(path: &Path, e: PolarsError) -> Error {
    Error::Parse {
        kind: ParseKind::Format,
        column: None,
        path: path.into(),
        line: 0,
        reason: format!("polars: {e}"),
    }
}

/// A DataFrame with a `weights_column` column (default `weight`) and one column per parameter.
pub fn to_dataframe(samples: &WeightedSamples, weights_column: Option<&str>) -> Result<DataFrame> {
    let wname = weights_column.unwrap_or("weight");
    if samples.names().iter().any(|n| n == wname) {
        return Err(Error::invalid(
            "weights_column",
            format!("`{wname}` is also a parameter name; choose another weight column name"),
        ));
    }
    let mut cols = vec![Column::new(wname.into(), samples.weights().to_vec())];
    for (j, n) in samples.names().iter().enumerate() {
        cols.push(Column::new(n.as_str().into(), samples.values().column(j)));
    }
    DataFrame::new_infer_height(cols).map_err(|e| Error::invalid("samples", format!("polars: {e}")))
}

/// Weighted samples from a DataFrame: the weights from `weights_column` (or a column called
/// `weight`/`weights`, or all 1), every other column a parameter. `source` names the data in
/// errors (a file path, or `"DataFrame"`).
pub fn from_dataframe(
    df: &DataFrame,
    weights_column: Option<&str>,
    source: &Path,
) -> Result<WeightedSamples> {
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let w_idx = match weights_column {
        Some(w) => {
            Some(
                names
                    .iter()
                    .position(|n| n == w)
                    .ok_or_else(|| Error::UnknownParameter {
                        arg: "weights_column".into(),
                        name: w.into(),
                        available: names.clone(),
                    })?,
            )
        }
        None => names.iter().position(|n| n == "weight" || n == "weights"),
    };
    let n = df.height();
    if n == 0 {
        return Err(Error::Parse {
            kind: ParseKind::Empty,
            column: None,
            path: source.into(),
            line: 0,
            reason: "the chain is empty: no rows".into(),
        });
    }
    let mut columns = Vec::with_capacity(names.len());
    for (j, c) in df.columns().iter().enumerate() {
        let cast = c.cast(&DataType::Float64).map_err(|e| Error::Parse {
            kind: ParseKind::NotANumber,
            column: None,
            path: source.into(),
            line: 0,
            reason: format!("column `{}` is not numeric: {e}", names[j]),
        })?;
        let ca = cast.f64().map_err(|e| polars_err(source, e))?;
        let mut v = Vec::with_capacity(n);
        for (i, x) in ca.iter().enumerate() {
            match x {
                Some(x) if x.is_finite() => v.push(x),
                other => {
                    return Err(Error::Parse {
                        kind: ParseKind::NonFinite,
                        column: None,
                        path: source.into(),
                        line: i + 1,
                        reason: format!("column `{}` row {i} holds {other:?}; every value must be finite and present", names[j]),
                    })
                }
            }
        }
        columns.push(v);
    }
    let weights = match w_idx {
        Some(j) => columns[j].clone(),
        None => vec![1.0; n],
    };
    if let Some(i) = weights.iter().position(|w| *w < 0.0) {
        return Err(Error::Parse {
            kind: ParseKind::Weight,
            column: None,
            path: source.into(),
            line: i + 1,
            reason: format!("weight {} in row {i} is negative", weights[i]),
        });
    }
    let keep: Vec<usize> = (0..names.len()).filter(|j| Some(*j) != w_idx).collect();
    let k = keep.len();
    let mut data = vec![0.0; n * k];
    for (c, &j) in keep.iter().enumerate() {
        for (i, v) in columns[j].iter().enumerate() {
            data[i * k + c] = *v;
        }
    }
    let values = Matrix::new(n, keep.len(), data)?;
    WeightedSamples::new(
        values,
        weights,
        keep.iter().map(|&j| names[j].clone()).collect(),
    )
}

/// Writes samples to a parquet file (layout of [`to_dataframe`]).
pub fn write_parquet(
    samples: &WeightedSamples,
    path: &Path,
    weights_column: Option<&str>,
) -> Result<()> {
    let mut df = to_dataframe(samples, weights_column)?;
    let f = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    ParquetWriter::new(f)
        .finish(&mut df)
        .map_err(|e| polars_err(path, e))?;
    Ok(())
}

/// Reads samples from a parquet file (see [`from_dataframe`]).
pub fn read_parquet(path: &Path, weights_column: Option<&str>) -> Result<WeightedSamples> {
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    // polars-parquet 0.55 panics on some corrupt metadata (found by `tests/reader_fuzz.rs`):
    // such a file is an error, not a crash.
    let df = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ParquetReader::new(f).finish()
    }))
    .map_err(|p| Error::Parse {
        kind: ParseKind::Format,
        column: None,
        path: path.into(),
        line: 0,
        reason: format!(
            "the parquet reader failed on it ({}); the file is corrupt",
            p.downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| p.downcast_ref::<&str>().copied())
                .unwrap_or("a panic")
        ),
    })?
    .map_err(|e| polars_err(path, e))?;
    from_dataframe(&df, weights_column, path)
}
