//! Masked autoregressive flows (MAF; Papamakarios et al. 2017, arXiv:1705.07057) built from
//! MADEs (Germain et al. 2015, arXiv:1502.03509), trained on weighted samples.
//!
//! - [`MafConfig`]: the validated configuration (builder, defaults K = 6 MADEs of hidden
//!   widths `[50, 50]`, tanh, Adam lr `1e-3`); it implements [`crate::Fit`] with model [`Maf`].
//! - [`MafNet`]: the chain of MADEs, a [`crate::LatentDensity`] of the Gaussianised
//!   coordinates; [`Maf`] = `Transformed<MafNet>` is the density of the parameters on their box.
//! - Two training backends: native `f32` kernels with a hand-written backward pass and `gemm`
//!   (the default on CPU), and candle with autograd (the reference; any candle device).
//! - A fixed first layer standardises the Gaussianised coordinates with the weighted mean and
//!   sd of the training data, so the fit does not depend on how wide the box is.
//! - Training: weighted loss, validation split, reshuffled mini-batches, Adam, learning-rate
//!   halving on validation plateaus, an exponential moving average of the parameters (what is
//!   validated and kept), early stopping (patience 15 epochs; improvements below `min_delta` = 1e-3 nats do not
//!   count)
//!   with restore of the best average (see [`train`]).
//! - [`Maf`] implements [`crate::Persist`] (kind `maf`).
//!
//! Evaluation (log_prob, sampling) runs the native `f32` kernels in parallel blocks of 1024
//! rows, with the layer outputs stored unit by unit (long vectorised loops for bias,
//! activation, `exp`) and the all-zero blocks of the masks skipped; the unit-cube map runs the
//! same kernels in `f64`, point by point. `cargo run --release --example flow_profile` times
//! them (`RAYON_NUM_THREADS=1` for one thread).
//!
//! ```
//! use margflow::flow::MafConfig;
//! use margflow::{Density, Fit, Matrix, Sample, WeightedSamples};
//! let x = Matrix::from_rows(&(0..200).map(|i| {
//!     let t = i as f64 / 200.0;
//!     [t, (7.0 * t).sin()]
//! }).collect::<Vec<_>>()).unwrap();
//! let s = WeightedSamples::unweighted(x, vec!["a".into(), "b".into()]).unwrap();
//! let cfg = MafConfig::builder().max_epochs(3).progress(false).build().unwrap();
//! let maf = cfg.fit(&s, None, 1).unwrap();
//! let lp = maf.log_prob(&maf.sample_seeded(10, 2).unwrap()).unwrap();
//! assert!(lp.iter().all(|v| v.is_finite()));
//! ```

mod candle_net;
mod config;
mod fit;
mod made;
mod native;
mod net;
mod real;
mod save;
pub mod train;

#[cfg(test)]
mod tests;

pub use config::{Activation, Backend, MafConfig, MafConfigBuilder, Schedule};
pub use made::{default_orders, hidden_degrees, Architecture};
pub use net::MafNet;
pub use train::{TrainingHistory, ADAM_BETAS};

/// A fitted MAF: the density of the parameters on their box.
pub type Maf = crate::transform::Transformed<MafNet>;
