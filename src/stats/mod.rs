//! Marginal statistics built on density estimators (DESIGN §1–2):
//!
//! - [`divergence`]: marginal KL divergence `D = E_P[log P − log π]` and Bayesian model
//!   dimensionality `d = 2 Var_P[log P − log π]`, with bootstrap errors and masking;
//! - [`crossfit`]: the same statistics free of in-sample bias, by K-fold cross-fitting;
//! - [`mcmc`]: error bars honest for correlated MCMC rows (block bootstrap, spread between
//!   chains, integrated autocorrelation time);
//! - [`spread`]: error bars from estimators trained with different seeds;
//! - [`evidence`]: importance-sampled evidence `Z = E_g[L π / g]` and the evidence ratio
//!   `log R = log ∫ P_A P_B / π`;
//! - [`joint`]: nuisance-free joint likelihoods and the joint posterior `P_A P_B / (π R)`;
//! - [`ks`]: the two-sample Kolmogorov–Smirnov statistic;
//! - [`cosmology`]: the DES Y1 / Planck 2018 analysis of the issue on the real chains.

pub mod cosmology;
pub mod crossfit;
pub mod divergence;
pub mod estimators;
pub mod evidence;
pub mod joint;
pub mod ks;
pub mod mcmc;
pub mod spread;

pub use crossfit::{cross_fit_chain_stats, cross_fit_log_prob, cross_fit_stats};
pub use divergence::{kl_bmd, marginal_stats, marginal_stats_sampled, MarginalStats};
pub use evidence::{importance_evidence, importance_log_integral, log_evidence_ratio, IsEstimate};
pub use joint::{joint_log_like, joint_samples, Experiment, JointPosterior};
pub use ks::ks_two_sample;
pub use spread::{combine, spread_over_seeds, PriorSpec, SpreadStats};
