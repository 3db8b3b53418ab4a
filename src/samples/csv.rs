//! CSV files with a header row: the simplest way in and out of margflow.
//!
//! Reading (through the `csv` crate, so quoted fields may hold commas and quotes):
//! comma-separated (whitespace around fields is ignored), one header row of names,
//! numbers in any Rust/C/Fortran notation (`1.0E-03`, `-1.2D+02`). The weights are the column
//! named by `weights_column`, or else a column called `weight` or `weights` if there is one, or
//! else every row has weight 1.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, ParseKind, Result};
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

/// A parsed CSV file: the table, the labels and line numbers, and whether it was anesthetic's
/// two-row-header format.
struct Parsed {
    table: Table,
    labels: Option<Vec<String>>,
    lines: Vec<usize>,
    anesthetic: bool,
}

/// The records of a CSV file with their line numbers, through the `csv` crate: quoted
/// fields (`"a,b"`, `"say ""hi"""`) are one field, whitespace around fields is trimmed, blank
/// lines are skipped and rows may have different lengths (checked by the caller).
fn records(path: &Path) -> Result<Vec<(usize, Vec<String>)>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut rdr = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(::csv::Trim::All)
        .from_reader(std::io::BufReader::new(file));
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            match e.into_kind() {
                ::csv::ErrorKind::Io(io) => Error::io(path, io),
                ::csv::ErrorKind::Utf8 { err, .. } => Error::Parse {
                    kind: ParseKind::Format,
                    column: None,
                    path: path.into(),
                    line,
                    reason: format!("not UTF-8 text ({err}); is this a CSV file?"),
                },
                other => Error::Parse {
                    kind: ParseKind::Format,
                    column: None,
                    path: path.into(),
                    line,
                    reason: format!("malformed CSV: {other:?}"),
                },
            }
        })?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        if rec.iter().all(str::is_empty) {
            continue;
        }
        out.push((line, rec.iter().map(str::to_string).collect()));
    }
    Ok(out)
}

/// True for anesthetic's CSV layout (pandas with two column levels and two index levels):
/// a first row `,,name_1,…`, a second row `labels,,label_1,…`, a third row of index names
/// `,weights,,…`, then `index, weight, values…` rows.
fn is_anesthetic(recs: &[(usize, Vec<String>)]) -> bool {
    recs.len() >= 3
        && recs[0].1.first().is_some_and(|f| f.is_empty())
        && recs[1].1.first().is_some_and(|f| f == "labels")
}

fn parse(path: &Path) -> Result<Parsed> {
    let recs = records(path)?;
    let Some((hline, header)) = recs.first() else {
        return Err(Error::Parse {
            kind: ParseKind::Empty,
            column: None,
            path: path.into(),
            line: 1,
            reason: "the file is empty; expected a header row of column names".into(),
        });
    };
    let anesthetic = is_anesthetic(&recs);
    // Index columns (anesthetic only): the leading empty fields of the first row.
    let nidx = if anesthetic {
        header
            .iter()
            .position(|f| !f.is_empty())
            .unwrap_or(header.len())
    } else {
        0
    };
    let mut names: Vec<String> = header[nidx..].to_vec();
    let mut labels = None;
    let mut weight_idx = None;
    let data_start = if anesthetic {
        let lab = &recs[1].1;
        let idx_names = &recs[2].1;
        if lab.len() != header.len() || idx_names.len() != header.len() {
            return Err(Error::Parse {
                kind: ParseKind::Names,
                column: None,
                path: path.into(),
                line: if lab.len() != header.len() { recs[1].0 } else { recs[2].0 },
                reason: format!(
                    "anesthetic CSV: the label and index-name rows must have {} fields like the names row",
                    header.len()
                ),
            });
        }
        labels = Some(lab[nidx..].to_vec());
        weight_idx = idx_names[..nidx].iter().position(|f| f == "weights");
        if weight_idx.is_some() {
            names.insert(0, "weight".into());
            if let Some(l) = labels.as_mut() {
                l.insert(0, "weight".into());
            }
        }
        3
    } else {
        1
    };
    if let Some(bad) = names
        .iter()
        .find(|n| parse_number(n).is_some() || n.is_empty())
    {
        return Err(Error::Parse {
            kind: ParseKind::Names,
            column: None,
            path: path.into(),
            line: *hline,
            reason: format!("the first row must be a header of column names, but it holds `{bad}`"),
        });
    }
    let width = header.len();
    let d = names.len();
    let birth_col = if anesthetic {
        names.iter().position(|n| n == "logL_birth")
    } else {
        None
    };
    let mut data = Vec::new();
    let mut lines = Vec::new();
    for (line, fields) in &recs[data_start..] {
        if fields.len() != width {
            return Err(Error::Parse {
                kind: ParseKind::FieldCount,
                column: None,
                path: path.into(),
                line: *line,
                reason: format!(
                    "{} fields, but the header has {width} columns",
                    fields.len()
                ),
            });
        }
        let row = weight_idx
            .map(|w| &fields[w])
            .into_iter()
            .chain(&fields[nidx..]);
        for (j, f) in row.enumerate() {
            let v = if f.is_empty() && Some(j) == birth_col {
                // pandas writes anesthetic's missing birth contours (the first live points)
                // as empty fields; anesthetic sorts them first, i.e. reads them as −∞.
                f64::NEG_INFINITY
            } else {
                parse_number(f).ok_or_else(|| Error::Parse {
                    kind: ParseKind::NotANumber,
                    column: None,
                    path: path.into(),
                    line: *line,
                    reason: format!("column `{}`: `{f}` is not a number", names[j]),
                })?
            };
            data.push(v);
        }
        lines.push(*line);
    }
    if lines.is_empty() {
        return Err(Error::Parse {
            kind: ParseKind::Empty,
            column: None,
            path: path.into(),
            line: hline + data_start,
            reason: "the file has a header but no data rows".into(),
        });
    }
    Ok(Parsed {
        table: Table {
            names,
            values: Matrix::new(lines.len(), d, data)?,
        },
        labels,
        lines,
        anesthetic,
    })
}

/// Reads a CSV file with a header row into a [`Table`]; every field must be a number. An
/// anesthetic CSV (see [`read_csv`]) gives its value columns, after a `weight` column when
/// the file has weights.
pub fn read_table(path: &Path) -> Result<Table> {
    Ok(parse(path)?.table)
}

/// Reads weighted samples from a CSV file with a header.
///
/// `weights_column`: the column holding the weights (an error if absent); `None` looks for a
/// column called `weight` or `weights`, and uses weight 1 for every row if there is none.
/// Non-finite values are reported with their file line.
///
/// anesthetic's own CSV (`samples.to_csv(...)`: a row of names, a row starting `labels` with
/// the LaTeX labels, a row of index names with `weights`, then `index, weight, values…`) is
/// recognised: the labels are kept, the weights come from the index column `weights`, and the
/// columns `logL` and `logL_birth` become the samples' log-likelihoods and birth contours
/// (an empty birth field, a first live point's, is `−∞`) rather than parameters; `nlive` is
/// dropped, being implied by the birth contours.
pub fn read_csv(path: &Path, weights_column: Option<&str>) -> Result<WeightedSamples> {
    let Parsed {
        table,
        labels,
        lines,
        anesthetic,
    } = parse(path)?;
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
    let special = |n: &str| anesthetic && matches!(n, "logL" | "logL_birth" | "nlive");
    let cols: Vec<usize> = (0..table.names.len())
        .filter(|j| Some(*j) != w_idx && !special(&table.names[*j]))
        .collect();
    let values = table.values.select_columns(&cols);
    if let Err(Error::NonFinite {
        row, col, value, ..
    }) = values.check_finite("values")
    {
        return Err(Error::Parse {
            kind: ParseKind::NonFinite,
            column: None,
            path: path.into(),
            line: lines[row],
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
    let as_parse = |e: Error| match e {
        Error::InvalidArgument { arg, reason } => Error::Parse {
            kind: ParseKind::Weight,
            column: None,
            path: path.into(),
            line: 0,
            reason: format!("{arg}: {reason}"),
        },
        other => other,
    };
    let mut s = WeightedSamples::new(values, weights, names).map_err(as_parse)?;
    if let Some(l) = labels {
        s = s
            .with_labels(cols.iter().map(|&j| l[j].clone()).collect())
            .map_err(as_parse)?;
    }
    let col = |n: &str| table.names.iter().position(|m| m == n);
    if let (true, Some(jl)) = (anesthetic, col("logL")) {
        let birth = col("logL_birth").map(|j| table.values.column(j));
        s = s
            .with_log_likelihood(table.values.column(jl), birth)
            .map_err(as_parse)?;
    }
    Ok(s)
}

/// Writes a header and one row per matrix row. Names are quoted where CSV needs it (a comma,
/// a quote or a line break in a name). Numbers use Rust's shortest round-trip format, so
/// reading the file back gives the same bits; infinities are written `inf` / `-inf`.
pub fn write_csv<W: Write>(mut out: W, names: &[String], values: &Matrix) -> std::io::Result<()> {
    write_csv_header(&mut out, names)?;
    write_csv_rows(&mut out, values)
}

/// The header row of [`write_csv`], quoted where CSV needs it.
pub fn write_csv_header<W: Write>(mut out: W, names: &[String]) -> std::io::Result<()> {
    let mut w = ::csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(&mut out);
    w.write_record(names).map_err(std::io::Error::other)?;
    w.flush()
}

/// The data rows of [`write_csv`] (shortest round-trip numbers), for writing a large table a
/// chunk of rows at a time.
pub fn write_csv_rows<W: Write>(mut out: W, values: &Matrix) -> std::io::Result<()> {
    use std::fmt::Write as _;
    let mut line = String::new();
    for r in values.rows() {
        line.clear();
        for (j, v) in r.iter().enumerate() {
            if j > 0 {
                line.push(',');
            }
            let _ = write!(line, "{v:?}");
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}
