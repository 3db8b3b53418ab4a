//! Whitespace-separated numeric tables (the text format of PolyChord, MultiNest and CosmoMC),
//! read with errors that name the file, the line and the column.

use std::path::Path;

use crate::error::{Error, ParseKind, Result};
use crate::matrix::Matrix;
use crate::samples::csv::parse_number;

/// Reads a whitespace-aligned table of numbers with `ncols` columns (or, with `ncols = None`,
/// as many as the first data line has). Returns the values and each data row's line number. Blank lines and lines starting with `#` are skipped.
///
/// `allow_inf(j)` says whether column `j` may hold `±∞` (birth contours of the first live
/// points are `−∞`); NaN is never allowed. `col_name(j)` names column `j` in messages.
/// Errors: a missing file, a line with the wrong number of fields (a truncated file), a field
/// that is not a number, NaN, or an empty table; each names the file and line.
pub fn read_whitespace(
    path: &Path,
    ncols: Option<usize>,
    col_name: &dyn Fn(usize) -> String,
    allow_inf: &dyn Fn(usize) -> bool,
) -> Result<(Matrix, Vec<usize>)> {
    read_table(path, ncols, col_name, allow_inf, false)
}

/// As [`read_whitespace`], but a file with no data rows is a table of `ncols` columns and no
/// rows rather than an error: a nested-sampling run that ends with no live points writes an
/// empty `phys_live-birth.txt`.
pub fn read_whitespace_or_empty(
    path: &Path,
    ncols: usize,
    col_name: &dyn Fn(usize) -> String,
    allow_inf: &dyn Fn(usize) -> bool,
) -> Result<(Matrix, Vec<usize>)> {
    read_table(path, Some(ncols), col_name, allow_inf, true)
}

fn read_table(
    path: &Path,
    ncols: Option<usize>,
    col_name: &dyn Fn(usize) -> String,
    allow_inf: &dyn Fn(usize) -> bool,
    allow_empty: bool,
) -> Result<(Matrix, Vec<usize>)> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut data = Vec::new();
    let mut ncols = ncols;
    let mut lines = Vec::new();
    let mut n = 0;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let lineno = i + 1;
        let fields: Vec<&str> = t.split_whitespace().collect();
        let want = *ncols.get_or_insert(fields.len());
        if fields.len() != want {
            return Err(Error::Parse {
                kind: ParseKind::FieldCount,
                column: None,
                path: path.into(),
                line: lineno,
                reason: format!(
                    "{} fields, expected {want} (a truncated file, or a parameter-names file that does not match the columns)",
                    fields.len()
                ),
            });
        }
        for (j, f) in fields.iter().enumerate() {
            let v = parse_number(f).ok_or_else(|| Error::Parse {
                kind: ParseKind::NotANumber,
                column: Some(j + 1),
                path: path.into(),
                line: lineno,
                reason: format!(
                    "column {} (`{}`): `{f}` is not a number",
                    j + 1,
                    col_name(j)
                ),
            })?;
            if v.is_nan() || (v.is_infinite() && !allow_inf(j)) {
                return Err(Error::Parse {
                    kind: ParseKind::NonFinite,
                    column: Some(j + 1),
                    path: path.into(),
                    line: lineno,
                    reason: format!(
                        "column {} (`{}`) holds {v}; every value must be finite: remove or fix this row",
                        j + 1,
                        col_name(j)
                    ),
                });
            }
            data.push(v);
        }
        lines.push(lineno);
        n += 1;
    }
    let ncols = match ncols {
        Some(c) if n > 0 || allow_empty => c,
        _ => {
            return Err(Error::Parse {
                kind: ParseKind::Empty,
                column: None,
                path: path.into(),
                line: 0,
                reason: "the chain is empty: no data rows".into(),
            })
        }
    };
    Ok((Matrix::new(n, ncols, data)?, lines))
}

/// Checks that every weight in column `col` of `m` is `≥ 0`; errors naming the file line
/// (`lines[i]` is the line of data row `i`, as returned by [`read_whitespace`]).
pub fn check_weights(path: &Path, m: &Matrix, lines: &[usize], col: usize) -> Result<()> {
    for (i, r) in m.rows().enumerate() {
        if r[col] < 0.0 {
            return Err(Error::Parse {
                kind: ParseKind::Weight,
                column: None,
                path: path.into(),
                line: lines[i],
                reason: format!("weight {} is negative; weights must be >= 0", r[col]),
            });
        }
    }
    if m.rows().all(|r| r[col] == 0.0) {
        return Err(Error::Parse {
            kind: ParseKind::Weight,
            column: None,
            path: path.into(),
            line: 0,
            reason: "every weight is zero; at least one sample must carry weight".into(),
        });
    }
    Ok(())
}
