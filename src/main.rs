//! The `margflow` command-line program. See `margflow --help`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use margflow::cli;

/// Marginal Bayesian statistics with normalizing flows and kernel density estimators.
#[derive(Debug, Parser)]
#[command(name = "margflow", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Fit an estimator to weighted samples and save it.
    Train(cli::train::TrainArgs),
    /// Evaluate a saved model's log density at the rows of a CSV file.
    Logprob(cli::logprob::LogprobArgs),
    /// Draw samples from a saved model.
    Sample(cli::sample::SampleArgs),
    /// Run the whole workflow on generated data.
    Demo(cli::demo::DemoArgs),
    /// Marginal KL divergence and model dimensionality against a prior.
    Stats(cli::stats::StatsArgs),
    /// Nested sampling of a built-in test problem, writing PolyChord files.
    Nest(cli::nest::NestArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Train(a) => cli::train::run(a),
        Command::Logprob(a) => cli::logprob::run(a),
        Command::Sample(a) => cli::sample::run(a),
        Command::Demo(a) => cli::demo::run(a),
        Command::Nest(a) => cli::nest::run(a),
        Command::Stats(a) => cli::stats::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("margflow: error: {e}");
            ExitCode::FAILURE
        }
    }
}
