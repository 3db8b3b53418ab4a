//! A small row-major matrix of `f64`: one row per sample, one column per parameter.

use crate::error::{Error, Result};

/// The machine's physical memory in bytes (`u64::MAX` where the system does not say).
pub fn physical_memory() -> u64 {
    // SAFETY: sysconf only reads system configuration.
    let (pages, size) = unsafe {
        (
            libc::sysconf(libc::_SC_PHYS_PAGES),
            libc::sysconf(libc::_SC_PAGESIZE),
        )
    };
    if pages > 0 && size > 0 {
        (pages as u64).saturating_mul(size as u64)
    } else {
        u64::MAX
    }
}

/// `Ok(())` when `copies` matrices of `nrows × ncols` `f64` fit in the machine's physical
/// memory; [`Error::TooLarge`] naming `arg` otherwise, so that a huge request is a clear error
/// instead of an allocation failure that aborts the process.
pub fn check_fits_in_memory(arg: &str, nrows: usize, ncols: usize, copies: usize) -> Result<()> {
    let needed = (nrows as u128) * (ncols.max(1) as u128) * 8 * (copies.max(1) as u128);
    let available = physical_memory();
    if needed > available as u128 {
        return Err(Error::TooLarge {
            arg: arg.to_string(),
            needed: u64::try_from(needed).unwrap_or(u64::MAX),
            available,
            what: "of physical memory".into(),
            hint: format!("{nrows} rows of {ncols} numbers do not fit in memory; draw fewer at a time (`margflow sample` streams any number in chunks)"),
        });
    }
    Ok(())
}

/// Row-major `nrows × ncols` matrix of `f64`.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    nrows: usize,
    ncols: usize,
    data: Vec<f64>,
}

impl Matrix {
    /// Wraps row-major `data`; its length must be `nrows * ncols`.
    pub fn new(nrows: usize, ncols: usize, data: Vec<f64>) -> Result<Self> {
        if data.len() != nrows * ncols {
            return Err(Error::dims("data", nrows * ncols, data.len()));
        }
        Ok(Self { nrows, ncols, data })
    }

    /// A matrix of zeros.
    pub fn zeros(nrows: usize, ncols: usize) -> Self {
        Self {
            nrows,
            ncols,
            data: vec![0.0; nrows * ncols],
        }
    }

    /// Builds a matrix from rows, which must all have the same length.
    pub fn from_rows<R: AsRef<[f64]>>(rows: &[R]) -> Result<Self> {
        let ncols = rows.first().map_or(0, |r| r.as_ref().len());
        let mut data = Vec::with_capacity(rows.len() * ncols);
        for r in rows {
            let r = r.as_ref();
            if r.len() != ncols {
                return Err(Error::dims("rows", ncols, r.len()));
            }
            data.extend_from_slice(r);
        }
        Ok(Self {
            nrows: rows.len(),
            ncols,
            data,
        })
    }

    /// Number of rows (samples).
    pub fn nrows(&self) -> usize {
        self.nrows
    }

    /// Number of columns (parameters).
    pub fn ncols(&self) -> usize {
        self.ncols
    }

    /// Row `i` as a slice. Panics if `i >= nrows` (an internal indexing bug, not user input).
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.ncols..(i + 1) * self.ncols]
    }

    /// Row `i` as a mutable slice.
    pub fn row_mut(&mut self, i: usize) -> &mut [f64] {
        &mut self.data[i * self.ncols..(i + 1) * self.ncols]
    }

    /// Element `(i, j)`.
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.data[i * self.ncols + j]
    }

    /// Iterator over rows.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = &[f64]> + '_ {
        // `chunks_exact(0)` panics; a zero-column matrix has `nrows` empty rows.
        (0..self.nrows).map(move |i| self.row(i))
    }

    /// The whole buffer, row-major.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    /// The whole buffer, row-major, mutable.
    pub fn as_mut_slice(&mut self) -> &mut [f64] {
        &mut self.data
    }

    /// Consumes the matrix and returns its row-major buffer.
    pub fn into_vec(self) -> Vec<f64> {
        self.data
    }

    /// Column `j` copied out.
    pub fn column(&self, j: usize) -> Vec<f64> {
        self.rows().map(|r| r[j]).collect()
    }

    /// A new matrix with the given columns, in the given order.
    pub fn select_columns(&self, cols: &[usize]) -> Matrix {
        let mut data = Vec::with_capacity(self.nrows * cols.len());
        for r in self.rows() {
            data.extend(cols.iter().map(|&c| r[c]));
        }
        Matrix {
            nrows: self.nrows,
            ncols: cols.len(),
            data,
        }
    }

    /// A new matrix with the given rows, in the given order.
    pub fn select_rows(&self, rows: &[usize]) -> Matrix {
        let mut data = Vec::with_capacity(rows.len() * self.ncols);
        for &i in rows {
            data.extend_from_slice(self.row(i));
        }
        Matrix {
            nrows: rows.len(),
            ncols: self.ncols,
            data,
        }
    }

    /// Errors with [`Error::NonFinite`] at the first NaN or infinite entry.
    pub fn check_finite(&self, arg: &str) -> Result<()> {
        match self.data.iter().position(|v| !v.is_finite()) {
            None => Ok(()),
            Some(k) => Err(Error::NonFinite {
                arg: arg.to_string(),
                row: k / self.ncols.max(1),
                col: k % self.ncols.max(1),
                value: self.data[k],
            }),
        }
    }

    /// Errors with [`Error::NonFinite`] at the first NaN entry. Infinite entries pass: a density
    /// evaluated there is simply zero.
    pub fn check_no_nan(&self, arg: &str) -> Result<()> {
        match self.data.iter().position(|v| v.is_nan()) {
            None => Ok(()),
            Some(k) => Err(Error::NonFinite {
                arg: arg.to_string(),
                row: k / self.ncols.max(1),
                col: k % self.ncols.max(1),
                value: f64::NAN,
            }),
        }
    }

    /// Errors with [`Error::DimensionMismatch`] unless the matrix has `dim` columns.
    pub fn check_dim(&self, arg: &str, dim: usize) -> Result<()> {
        if self.ncols != dim {
            return Err(Error::dims(arg, dim, self.ncols));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::density::{Gaussian, Sample};

    #[test]
    fn a_request_beyond_physical_memory_is_a_typed_error_not_an_abort() {
        assert!(check_fits_in_memory("n", 1000, 4, 2).is_ok());
        let g = Gaussian::standard(2).unwrap();
        match g.sample_seeded(100_000_000_000, 1) {
            Err(Error::TooLarge { arg, needed, .. }) => {
                assert_eq!(arg, "n");
                assert_eq!(needed, 1_600_000_000_000);
            }
            other => panic!("expected TooLarge, got {other:?}"),
        }
        assert!(matches!(
            check_fits_in_memory("n", usize::MAX, usize::MAX, 2),
            Err(Error::TooLarge {
                needed: u64::MAX,
                ..
            })
        ));
    }
}
