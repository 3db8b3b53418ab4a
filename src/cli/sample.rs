//! `margflow sample`: draw from a saved model.

use std::path::PathBuf;

use clap::Args;

use crate::density::Sample;
use crate::error::{Error, Result};
use crate::model::AnyModel;
use crate::samples::write_csv;

/// Write N samples as CSV (one column per parameter) to stdout.
#[derive(Debug, Args)]
pub struct SampleArgs {
    /// A model directory written by `margflow train`.
    #[arg(long)]
    pub model: PathBuf,
    /// Number of samples.
    #[arg(short = 'n', long = "n")]
    pub n: usize,
    /// Seed (same seed, same samples).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// Runs `margflow sample`.
pub fn run(args: &SampleArgs) -> Result<()> {
    let model = AnyModel::load(&args.model)?;
    let x = model.sample_seeded(args.n, args.seed)?;
    let stdout = std::io::stdout();
    write_csv(std::io::BufWriter::new(stdout.lock()), model.names(), &x)
        .map_err(|e| Error::io("<stdout>", e))
}
