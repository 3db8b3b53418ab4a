//! Nested sampling with any prior, and the flow-accelerated workflows built on it.
//!
//! - [`sample`]: PolyChord-style nested sampling in the unit cube (Handley et al. 2015,
//!   arXiv:1506.00171) for any [`LogLikelihood`] and any [`UnitCube`](crate::UnitCube) prior,
//!   a trained estimator included; returns a [`NestedRun`] (dead points, birth contours,
//!   `log Z ± σ`, `D_KL`, `d_G`, exact call count).
//! - [`write_polychord`] / [`read_polychord`]: PolyChord's file layout.
//! - [`Repartitioned`]: posterior repartitioning with a proposal prior `π̃`.
//! - [`enhanced`]: low-resolution run → fitted proposal → repartitioned high-resolution run.
//! - [`reweight`]: from a fast likelihood's posterior to a slow one's, upsampled by a fit.
//! - [`GaussianFit`]: a Gaussian proposal in Gaussianised coordinates (supernest-style).
//! - [`GaussianMixtureFit`]: a clustered Gaussian-mixture proposal for multimodal posteriors.
//! - [`problems`]: test problems with known evidences.

// Negated comparisons such as `!(x > 0.0)` are deliberate throughout: they also catch NaN.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

mod cluster;
mod config;
mod likelihood;
mod mixture;
mod output;
mod pipeline;
pub mod problems;
mod proposal;
mod repartition;
mod reweight;
mod run;
mod sampler;
mod slice;

pub use config::NestedConfig;
pub use likelihood::LogLikelihood;
pub use mixture::{GaussianMixture, GaussianMixtureFit, MixtureComponent};
pub use output::{read_polychord, write_polychord};
pub use pipeline::{enhanced, PipelineConfig, PipelineResult};
pub use proposal::{GaussianFit, GaussianLatent, GaussianProposal};
pub use repartition::Repartitioned;
pub use reweight::{reweight, ReweightConfig, Reweighted};
pub use run::{Estimate, NestedRun, StopReason};
pub use sampler::sample;
#[cfg(test)]
mod sampler_tests;
#[cfg(test)]
mod workflow_tests;
