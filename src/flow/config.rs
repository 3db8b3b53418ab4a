//! The MAF configuration: a builder with documented defaults that validates into typed errors.

use candle_core::Device;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Hidden-layer activation of the MADEs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// `tanh` (the default, as in margarine).
    #[default]
    Tanh,
    /// `max(0, x)`.
    Relu,
}

/// Which implementation trains the flow. Both train the same model and give the same update
/// to rounding (see the agreement tests); evaluation always uses the native kernels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// Native on a CPU device, candle otherwise (the default).
    #[default]
    Auto,
    /// Hand-written `f32` forward and backward passes with `gemm` and Adam in plain Rust.
    Native,
    /// candle tensors with autograd on [`MafConfig::device`] (CPU, or CUDA with the `cuda`
    /// feature): the reference implementation.
    Candle,
}

/// Learning-rate schedule over the epochs.
///
/// - `Cosine` multiplies the learning rate of epoch `e` by `½(1 + cos(π e / E))` with
///   `E = max_epochs`, floored at 5 % of the base rate.
/// - `Plateau` halves the learning rate whenever the validation loss has not improved for
///   `max(patience / 3, 1)` epochs (since the last improvement by more than `min_delta` or the last halving), down to 1/64
///   of the base rate.
///
/// Early stopping may end training before the schedule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Schedule {
    /// A constant learning rate.
    Constant,
    /// Cosine decay over `max_epochs`.
    Cosine,
    /// Halving on validation plateaus (the default).
    #[default]
    Plateau,
}

/// Default early-stopping patience.
const PATIENCE_DEFAULT: usize = 15;

fn cpu() -> Device {
    Device::Cpu
}

/// A validated MAF configuration. Build one with [`MafConfig::builder`]; [`MafConfig::default`]
/// is the validated defaults.
///
/// ```
/// use margflow::flow::{Activation, MafConfig};
/// let cfg = MafConfig::builder().n_mades(4).hidden(vec![32, 32]).build().unwrap();
/// assert_eq!(cfg.n_mades, 4);
/// assert_eq!(cfg.activation, Activation::Tanh);
/// assert!(MafConfig::builder().learning_rate(-1.0).build().is_err());
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MafConfig {
    /// Number of MADEs `K` (default 6).
    pub n_mades: usize,
    /// Hidden layer widths (default `[50, 50]`).
    pub hidden: Vec<usize>,
    /// Hidden activation (default tanh).
    pub activation: Activation,
    /// Soft clamp `c` on the log-scales, `s = c·tanh(s̃/c)` (default 5: one MADE rescales by
    /// at most `e^5 ≈ 150`; the chain by `e^{5K}`).
    pub clamp: f64,
    /// Adam learning rate (default `1e-3`, as in margarine; with the parameter average, the
    /// plateau halving and `max_epochs` 500 it reaches the benchmark targets: two moons needs
    /// about 100 epochs, the 5-D Gaussian about 40).
    pub learning_rate: f64,
    /// Learning-rate schedule (default: halving on plateaus).
    pub schedule: Schedule,
    /// Decay `β` of the exponential moving average of the parameters, updated after every
    /// step with `β_t = min(β, (1 + t)/(10 + t))`; the average is what is validated and kept
    /// (default 0.995, about the last 200 steps; 0 keeps the raw iterate). Averaging removes
    /// the mini-batch noise of the iterate, which otherwise sets the floor of the fit quality.
    pub ema_decay: f64,
    /// Maximum number of epochs (default 500; also the length of the cosine schedule).
    pub max_epochs: usize,
    /// Mini-batch size for up to `1000 · batch_size` training rows (default 128). With more
    /// rows the batch grows as `clamp(n_train / 1000, batch_size, max_batch_size)`: a larger
    /// batch gives a less noisy step. The growth is gentle because at a fixed learning rate the
    /// number of Adam steps, not the batch, limits the fit, and the native kernels cost the
    /// same per row at any batch size (measurements in `benches/scaling.md`).
    pub batch_size: usize,
    /// The largest mini-batch the growth rule may reach (default 256).
    #[serde(default = "default_max_batch_size")]
    pub max_batch_size: usize,
    /// Rows per epoch at most (default 50,000). An epoch takes the next `epoch_samples` rows
    /// of a running shuffled order of the training rows, reshuffled each time it is used up;
    /// with at most `epoch_samples` training rows every epoch is one full reshuffled pass.
    /// Epochs, and so `patience`, `max_epochs` and the schedules, are thus counted in samples
    /// seen, and the cost of a fit stops growing with the number of rows.
    #[serde(default = "default_epoch_samples")]
    pub epoch_samples: usize,
    /// Fraction of the samples held out for validation and early stopping (default 0.1),
    /// at most `max_validation` rows.
    pub validation_fraction: f64,
    /// The most rows held out for validation (default 20,000: the validation loss is then
    /// known to about 0.01 nats, and its changes between epochs, measured on the same rows,
    /// far better; the rows beyond it train).
    #[serde(default = "default_max_validation")]
    pub max_validation: usize,
    /// Epochs without a significant improvement (see `min_delta`) of the validation loss
    /// before stopping (default 15: long enough for the plateaus of the validation loss on
    /// two moons, short enough that the 5-D Gaussian of the benchmark stops after about 40
    /// epochs, under 1 s of CPU).
    pub patience: usize,
    /// The smallest drop of the validation loss (nats per sample) that counts as an
    /// improvement for `patience` and the plateau schedule (default 1e-3: the parameter
    /// average keeps lowering the validation loss by 1e-4-sized steps long after the fit has
    /// converged; at 1e-3 nats the KL of the fit is already below the targets of the
    /// benchmark). The lowest validation loss is kept whatever its margin.
    pub min_delta: f64,
    /// Show a progress bar on stderr (default true).
    pub progress: bool,
    /// Training implementation (default [`Backend::Auto`]).
    pub backend: Backend,
    /// Device for the candle backend (default CPU; not saved).
    #[serde(skip, default = "cpu")]
    pub device: Device,
}

fn default_max_batch_size() -> usize {
    256
}
fn default_epoch_samples() -> usize {
    50_000
}
fn default_max_validation() -> usize {
    20_000
}

impl Default for MafConfig {
    fn default() -> Self {
        Self {
            n_mades: 6,
            hidden: vec![50, 50],
            activation: Activation::Tanh,
            clamp: 5.0,
            learning_rate: 1e-3,
            schedule: Schedule::Plateau,
            ema_decay: 0.995,
            max_epochs: 500,
            batch_size: 128,
            max_batch_size: default_max_batch_size(),
            epoch_samples: default_epoch_samples(),
            validation_fraction: 0.1,
            max_validation: default_max_validation(),
            patience: PATIENCE_DEFAULT,
            min_delta: 1e-3,
            progress: true,
            backend: Backend::Auto,
            device: Device::Cpu,
        }
    }
}

impl MafConfig {
    /// The mini-batch size for `n_train` training rows:
    /// `clamp(n_train / 1000, batch_size, max_batch_size)`.
    pub fn batch_for(&self, n_train: usize) -> usize {
        (n_train / 1000).clamp(self.batch_size, self.max_batch_size)
    }

    /// A builder starting from the defaults.
    pub fn builder() -> MafConfigBuilder {
        MafConfigBuilder {
            cfg: Self::default(),
        }
    }

    /// Whether training runs on the native kernels.
    pub fn uses_native(&self) -> bool {
        match self.backend {
            Backend::Native => true,
            Backend::Candle => false,
            Backend::Auto => matches!(self.device, Device::Cpu),
        }
    }

    /// Checks every field; the error names the offending setter.
    pub fn validate(&self) -> Result<()> {
        if self.n_mades == 0 {
            return Err(Error::invalid(
                "n_mades",
                "need at least one MADE (default 6)",
            ));
        }
        if self.hidden.is_empty() || self.hidden.contains(&0) {
            return Err(Error::invalid(
                "hidden",
                format!(
                    "{:?}: need at least one hidden layer, each of width >= 1 (default [50, 50])",
                    self.hidden
                ),
            ));
        }
        if !(self.clamp.is_finite() && self.clamp > 0.0) {
            return Err(Error::invalid(
                "clamp",
                format!("{} must be finite and > 0 (default 5)", self.clamp),
            ));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(Error::invalid(
                "learning_rate",
                format!(
                    "{} must be finite and > 0 (default 1e-3)",
                    self.learning_rate
                ),
            ));
        }
        if !(0.0..1.0).contains(&self.ema_decay) {
            return Err(Error::invalid(
                "ema_decay",
                format!(
                    "{} must lie in [0, 1) (default 0.995; 0 turns averaging off)",
                    self.ema_decay
                ),
            ));
        }
        if self.max_epochs == 0 {
            return Err(Error::invalid("max_epochs", "must be >= 1"));
        }
        if self.batch_size == 0 {
            return Err(Error::invalid("batch_size", "must be >= 1"));
        }
        if self.max_batch_size < self.batch_size {
            return Err(Error::invalid(
                "max_batch_size",
                format!(
                    "{} is below batch_size {} (default 256)",
                    self.max_batch_size, self.batch_size
                ),
            ));
        }
        if self.epoch_samples == 0 {
            return Err(Error::invalid(
                "epoch_samples",
                "must be >= 1 (default 50,000)",
            ));
        }
        if self.max_validation == 0 {
            return Err(Error::invalid(
                "max_validation",
                "must be >= 1 (default 20,000; validation_fraction 0 turns validation off)",
            ));
        }
        if !(0.0..1.0).contains(&self.validation_fraction) {
            return Err(Error::invalid(
                "validation_fraction",
                format!(
                    "{} must lie in [0, 1) (default 0.1; 0 stops early on the training loss)",
                    self.validation_fraction
                ),
            ));
        }
        if !(self.min_delta.is_finite() && self.min_delta >= 0.0) {
            return Err(Error::invalid(
                "min_delta",
                format!(
                    "{} must be finite and >= 0 (default 1e-3 nats)",
                    self.min_delta
                ),
            ));
        }
        if self.patience == 0 {
            return Err(Error::invalid("patience", "must be >= 1 epoch"));
        }
        Ok(())
    }
}

/// Builder for [`MafConfig`]; [`MafConfigBuilder::build`] validates.
#[derive(Debug, Clone)]
pub struct MafConfigBuilder {
    cfg: MafConfig,
}

macro_rules! setter {
    ($(#[$doc:meta] $name:ident: $t:ty),* $(,)?) => {
        $(#[$doc] pub fn $name(mut self, v: $t) -> Self { self.cfg.$name = v; self })*
    };
}

impl MafConfigBuilder {
    setter! {
        /// Number of MADEs.
        n_mades: usize,
        /// Hidden layer widths.
        hidden: Vec<usize>,
        /// Hidden activation.
        activation: Activation,
        /// Soft clamp on the log-scales.
        clamp: f64,
        /// Adam learning rate.
        learning_rate: f64,
        /// Learning-rate schedule.
        schedule: Schedule,
        /// Decay of the parameter average, in `[0, 1)`.
        ema_decay: f64,
        /// Maximum number of epochs.
        max_epochs: usize,
        /// Mini-batch size (the smallest, see [`MafConfig::batch_size`]).
        batch_size: usize,
        /// Largest mini-batch of the growth rule.
        max_batch_size: usize,
        /// Rows per epoch at most.
        epoch_samples: usize,
        /// Validation fraction in `[0, 1)`.
        validation_fraction: f64,
        /// Most rows held out for validation.
        max_validation: usize,
        /// Early-stopping patience in epochs.
        patience: usize,
        /// Smallest validation-loss drop that counts as an improvement (nats, >= 0).
        min_delta: f64,
        /// Progress bar on stderr.
        progress: bool,
        /// Device for the candle backend.
        device: Device,
        /// Training implementation.
        backend: Backend,
    }

    /// Validates and returns the configuration.
    pub fn build(self) -> Result<MafConfig> {
        self.cfg.validate()?;
        Ok(self.cfg)
    }
}
