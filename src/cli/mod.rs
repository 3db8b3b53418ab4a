//! The `margflow` command-line program: one file per subcommand.
//!
//! Results go to stdout (CSV or JSON), progress bars and errors to stderr; a failure exits with
//! a non-zero status and a message that names the argument at fault.

pub mod demo;
pub mod logprob;
pub mod nest;
pub mod sample;
pub mod stats;
pub mod train;

use std::path::Path;

use crate::error::Result;
use crate::samples::{read_chain_full, WeightedSamples};

/// Reads weighted samples from a file or chain root (CSV with a header, getdist, Cobaya,
/// PolyChord, MultiNest, NestedFit, parquet, HDF5: see [`read_chain_full`]), keeping only
/// `params` if given.
pub fn read_samples(
    path: &Path,
    weights_column: Option<&str>,
    params: Option<&[String]>,
) -> Result<WeightedSamples> {
    let samples = read_chain_full(path, weights_column)?.samples;
    match params {
        Some(p) => samples.select(p),
        None => Ok(samples),
    }
}
