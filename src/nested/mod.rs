//! Nested sampling with any prior, and the flow-accelerated workflows built on it.
//!
//! - [`sample`]: PolyChord-style nested sampling in the unit cube (Handley et al. 2015,
//!   arXiv:1506.00171) for any [`LogLikelihood`] and any [`UnitCube`](crate::UnitCube) prior,
//!   a trained estimator included; returns a [`NestedRun`] (dead points, birth contours,
//!   `log Z ± σ`, `D_KL`, `d_G`, exact call count).
//! - [`problems`]: test problems with known evidences.

mod cluster;
mod config;
mod likelihood;
mod linalg;
pub mod problems;
mod run;
mod sampler;
mod slice;

pub use config::NestedConfig;
pub use likelihood::LogLikelihood;
pub use run::{Estimate, NestedRun, StopReason};
pub use sampler::sample;
#[cfg(test)]
mod sampler_tests;
