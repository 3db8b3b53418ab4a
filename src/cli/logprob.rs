//! `margflow logprob`: evaluate a saved model's log density at the rows of a CSV file.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use crate::density::Density;
use crate::error::{Error, Result};
use crate::model::AnyModel;
use crate::samples::csv::read_table;

/// Write `log_prob` (one row per input row, in order; -inf outside the bounds) as CSV to stdout.
#[derive(Debug, Args)]
pub struct LogprobArgs {
    /// A model directory written by `margflow train`.
    #[arg(long)]
    pub model: PathBuf,
    /// CSV file with a header naming at least the model's parameters (other columns are ignored).
    #[arg(long)]
    pub input: PathBuf,
}

/// Runs `margflow logprob`.
pub fn run(args: &LogprobArgs) -> Result<()> {
    let model = AnyModel::load(&args.model)?;
    let table = read_table(&args.input)?;
    let cols = model
        .names()
        .iter()
        .map(|n| {
            table
                .names
                .iter()
                .position(|m| m == n)
                .ok_or_else(|| Error::UnknownParameter {
                    arg: "input".into(),
                    name: n.clone(),
                    available: table.names.clone(),
                })
        })
        .collect::<Result<Vec<_>>>()?;
    let x = table.values.select_columns(&cols);
    let lp = model.log_prob(&x)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let io = |e| Error::io("<stdout>", e);
    writeln!(out, "log_prob").map_err(io)?;
    for v in lp {
        writeln!(out, "{v:?}").map_err(io)?;
    }
    out.flush().map_err(io)
}
