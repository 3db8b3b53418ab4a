//! # margflow
//!
//! Marginal Bayesian statistics with normalizing flows and kernel density estimators.
//!
//! Given weighted posterior samples full of nuisance parameters, margflow fits a density
//! estimator to the parameters you care about, and builds on it: evaluating and sampling the
//! marginal density, marginal KL divergences and model dimensionalities, nuisance-free
//! likelihoods, and flows as nested-sampling priors. See `README.md` for a tour.

#[cfg(feature = "cli")]
pub mod cli;
pub mod cluster;
pub mod density;
pub mod error;
pub mod fit;
pub mod flow;
pub mod kde;
pub mod linalg;
pub mod matrix;
pub mod model;
pub mod nested;
pub mod persist;
pub mod plot;
pub mod progress;
pub mod reproductions;
pub mod rng;
pub mod samples;
pub mod stats;
pub mod targets;
pub mod timing;
pub mod transform;

pub use cluster::{ClusterConfig, ForCluster, Piecewise, PiecewiseConfig};
pub use density::{log_like, Density, Estimator, Sample, UniformBox, UnitCube};
pub use error::{Error, OutsideBounds, ParseKind, Result};
pub use fit::Fit;
pub use flow::{Maf, MafConfig, MafNet};
pub use kde::{Bandwidth, Kde, KdeConfig};
pub use matrix::Matrix;
pub use persist::Persist;
pub use rng::{rng_from_seed, MfRng};
pub use samples::{read_chain, read_csv, write_csv, WeightedSamples};
pub use transform::{Bounds, Gaussianiser, LatentDensity, Side, Transformed};

/// The README's examples, compiled as doctests so that they stay true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
