//! CSV files with a header row: the simplest way in and out of margflow.
//!
//! Reading: comma-separated (whitespace around fields is ignored), one header row of names,
//! numbers in any Rust/C/Fortran notation (`1.0E-03`, `-1.2D+02`). The weights are the column
//! named by `weights_column`, or else a column called `weight` or `weights` if there is one, or
//! else every row has weight 1.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};
use crate::matrix::Matrix;
use crate::samples::WeightedSamples;

/// Parses one number, accepting Fortran's `D` exponent (`-1.2D+02`) and Fortran's
/// three-digit exponent written without a letter (`1.5-100` for `1.5E-100`).
pub fn parse_number(s: &str) -> Option<f64> {
    let s = s.trim();
    s.parse::<f64>()
        .ok()
        .or_else(|| s.replace(['D', 'd'], "E").parse::<f64>().ok())
        .or_else(|| {
            // `1.5-100`: a sign after a digit, with no exponent letter.
            let k = s
                .char_indices()
                .skip(1)
                .find(|&(i, c)| (c == '+' || c == '-') && s.as_bytes()[i - 1].is_ascii_digit())?
                .0;
            format!("{}E{}", &s[..k], &s[k..]).parse::<f64>().ok()
        })
}

/// A table of numbers with column names, read from a CSV file.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Column names from the header.
    pub names: Vec<String>,
    /// The values, one row per data line.
    pub values: Matrix,
}

/// Reads a CSV file with a header row into a [`Table`]; every field must be a number.
pub fn read_table(path: &Path) -> Result<Table> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().ok_or_else(|| Error::Parse {
        path: path.into(),
        line: 1,
        reason: "the file is empty; expected a header row of column names".into(),
    })?;
    let names: Vec<String> = header
        .split(',')
        .map(|s| s.trim().trim_matches('"').to_string())
        .collect();
    if let Some(bad) = names
        .iter()
        .find(|n| parse_number(n).is_some() || n.is_empty())
    {
        return Err(Error::Parse {
            path: path.into(),
            line: 1,
            reason: format!("the first row must be a header of column names, but it holds `{bad}`"),
        });
    }
    let d = names.len();
    let mut data = Vec::new();
    let mut n = 0;
    for (i, line) in lines {
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() != d {
            return Err(Error::Parse {
                path: path.into(),
                line: i + 1,
                reason: format!("{} fields, but the header has {d} columns", fields.len()),
            });
        }
        for (j, f) in fields.iter().enumerate() {
            let v = parse_number(f).ok_or_else(|| Error::Parse {
                path: path.into(),
                line: i + 1,
                reason: format!("column `{}`: `{}` is not a number", names[j], f.trim()),
            })?;
            data.push(v);
        }
        n += 1;
    }
    if n == 0 {
        return Err(Error::Parse {
            path: path.into(),
            line: 2,
            reason: "the file has a header but no data rows".into(),
        });
    }
    Ok(Table {
        names,
        values: Matrix::new(n, d, data)?,
    })
}

/// Reads weighted samples from a CSV file with a header.
///
/// `weights_column`: the column holding the weights (an error if absent); `None` looks for a
/// column called `weight` or `weights`, and uses weight 1 for every row if there is none.
/// Non-finite values are reported with their file line.
pub fn read_csv(path: &Path, weights_column: Option<&str>) -> Result<WeightedSamples> {
    let table = read_table(path)?;
    let w_idx = match weights_column {
        Some(w) => Some(table.names.iter().position(|n| n == w).ok_or_else(|| {
            Error::UnknownParameter {
                arg: "weights_column".into(),
                name: w.to_string(),
                available: table.names.clone(),
            }
        })?),
        None => table
            .names
            .iter()
            .position(|n| n == "weight" || n == "weights"),
    };
    let cols: Vec<usize> = (0..table.names.len())
        .filter(|j| Some(*j) != w_idx)
        .collect();
    let values = table.values.select_columns(&cols);
    if let Err(Error::NonFinite {
        row, col, value, ..
    }) = values.check_finite("values")
    {
        return Err(Error::Parse {
            path: path.into(),
            line: row + 2,
            reason: format!(
                "column `{}` holds {value}; every value must be finite",
                table.names[cols[col]]
            ),
        });
    }
    let weights = match w_idx {
        Some(j) => table.values.column(j),
        None => vec![1.0; values.nrows()],
    };
    let names = cols.iter().map(|&j| table.names[j].clone()).collect();
    WeightedSamples::new(values, weights, names).map_err(|e| match e {
        Error::InvalidArgument { arg, reason } => Error::Parse {
            path: path.into(),
            line: 0,
            reason: format!("{arg}: {reason}"),
        },
        other => other,
    })
}

/// Writes a header and one row per matrix row. Numbers use Rust's shortest round-trip format,
/// so reading the file back gives the same bits; infinities are written `inf` / `-inf`.
pub fn write_csv<W: Write>(mut out: W, names: &[String], values: &Matrix) -> std::io::Result<()> {
    writeln!(out, "{}", names.join(","))?;
    let mut line = String::new();
    for r in values.rows() {
        line.clear();
        for (j, v) in r.iter().enumerate() {
            if j > 0 {
                line.push(',');
            }
            line.push_str(&format!("{v:?}"));
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}
