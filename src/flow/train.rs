//! Training a MAF: weighted maximum likelihood with mini-batch Adam and early stopping.
//!
//! Loss `L = −Σ_i w_i log q(y_i) / Σ_i w_i`. A weighted validation part (`validation_fraction`
//! of the samples with positive weight, at most `max_validation` rows, chosen by our RNG) is
//! held out. An epoch takes the next `min(n_train, epoch_samples)` rows of a running shuffled
//! order of the training part (reshuffled whenever it is used up; with at most
//! `epoch_samples` rows, one full reshuffled pass per epoch), cut into mini-batches of
//! [`MafConfig::batch_for`]`(n_train)` rows; a mini-batch `B` takes the step on
//! `−Σ_{i∈B} w_i log q(y_i) / (|B| w̄)`, with `w̄` the mean training weight, an unbiased
//! estimate of `L`'s gradient. Epochs are thus a fixed budget of samples seen, and so are the
//! patience and `max_epochs`. Training stops after `patience` epochs without a significant
//! improvement of the validation loss (a drop by more than `min_delta` below the last
//! significant value), or at `max_epochs`; the parameters of the lowest validation loss (a real
//! copy, taken when it was reached; small improvements count here) are restored.
//!
//! Every random choice (initial weights, split, shuffles) comes from `rng_from_seed(seed)`, and
//! the native kernels are single-threaded and deterministic, so the same seed gives the same
//! flow bit for bit.

use crate::progress::Progress;
use candle_core::DType;
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use super::candle_net::CandleNet;
use super::config::{MafConfig, Schedule};
use super::made::Layout;
use super::native::{self, Tape};
use super::real::Real;
use crate::error::{Error, Result};
use crate::matrix::Matrix;
use crate::rng::MfRng;

/// Adam's `β₁`, `β₂`, `ε` (the usual values, as in candle-nn and PyTorch).
pub const ADAM_BETAS: (f64, f64, f64) = (0.9, 0.999, 1e-8);

/// What happened during training.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainingHistory {
    /// Mean weighted training loss `−Σ w log q / Σ w` of each epoch (during the epoch).
    pub train_loss: Vec<f64>,
    /// Weighted validation loss after each epoch (the training loss when there is no
    /// validation part).
    pub val_loss: Vec<f64>,
    /// Epoch (from 0) whose parameters were kept.
    pub best_epoch: usize,
    /// Epochs run.
    pub epochs_run: usize,
    /// Whether early stopping ended the training before `max_epochs`.
    pub stopped_early: bool,
}

/// One optimiser over the training data: a step on a mini-batch, a loss on any rows.
pub(crate) trait Engine {
    /// One Adam step on `rows` (then an update of the parameter average); returns
    /// `Σ_{rows} w (−log q)` before the step.
    fn step(&mut self, rows: &[usize], lr: f64) -> Result<f64>;
    /// `Σ_{rows} w (−log q)` at the averaged parameters.
    fn loss(&mut self, rows: &[usize]) -> Result<f64>;
    /// The averaged parameters (the raw iterate when `ema_decay = 0`).
    fn params(&self) -> Result<Vec<f64>>;
}

/// `β_t` of the parameter average after `t` steps.
fn ema_beta(decay: f64, t: i32) -> f64 {
    decay.min((1.0 + t as f64) / (10.0 + t as f64))
}

/// The native engine: [`native::forward`] / [`native::backward`] and Adam in plain Rust.
pub(crate) struct NativeEngine<'a, T> {
    lay: &'a Layout,
    ema_decay: f64,
    avg: Vec<T>,
    y: Vec<T>,
    w: &'a [f64],
    norm_w: f64,
    params: Vec<T>,
    m: Vec<T>,
    v: Vec<T>,
    t: i32,
    grad: Vec<T>,
    tape: Tape<T>,
    xb: Vec<T>,
    gb: Vec<T>,
    lq: Vec<T>,
}

impl<'a, T: Real> NativeEngine<'a, T> {
    /// `y` the latent data (all rows), `w` their weights, `norm_w` the weight `w̄` that
    /// normalises a mini-batch loss.
    pub fn new(
        lay: &'a Layout,
        params: &[f64],
        y: &Matrix,
        w: &'a [f64],
        norm_w: f64,
        ema_decay: f64,
    ) -> Self {
        let n = params.len();
        Self {
            lay,
            ema_decay,
            avg: params.iter().map(|&v| T::from_f64(v)).collect(),
            y: y.as_slice().iter().map(|&v| T::from_f64(v)).collect(),
            w,
            norm_w,
            params: params.iter().map(|&v| T::from_f64(v)).collect(),
            m: vec![T::ZERO; n],
            v: vec![T::ZERO; n],
            t: 0,
            grad: vec![T::ZERO; n],
            tape: Tape::default(),
            xb: Vec::new(),
            gb: Vec::new(),
            lq: Vec::new(),
        }
    }

    fn gather(&mut self, rows: &[usize]) {
        let d = self.lay.arch.dim;
        self.xb.clear();
        for &i in rows {
            self.xb.extend_from_slice(&self.y[i * d..(i + 1) * d]);
        }
        self.lq.resize(rows.len(), T::ZERO);
    }

    /// The gradient of the mini-batch loss at the current parameters (for the tests).
    #[cfg(test)]
    pub fn gradient(&mut self, rows: &[usize]) -> Vec<T> {
        self.step_inner(rows, None);
        self.grad.clone()
    }

    fn step_inner(&mut self, rows: &[usize], lr: Option<f64>) -> f64 {
        self.gather(rows);
        native::forward_fast(
            self.lay,
            &self.params,
            &self.xb,
            true,
            &mut self.tape,
            &mut self.lq,
        );
        let norm = rows.len() as f64 * self.norm_w;
        self.gb.clear();
        self.gb
            .extend(rows.iter().map(|&i| T::from_f64(-self.w[i] / norm)));
        let loss: f64 = rows
            .iter()
            .zip(&self.lq)
            .map(|(&i, l)| -self.w[i] * l.to_f64())
            .sum();
        native::backward_fast(self.lay, &self.params, &self.tape, &self.gb, &mut self.grad);
        if let Some(lr) = lr {
            let (b1, b2, eps) = ADAM_BETAS;
            self.t += 1;
            let sm = T::from_f64(1.0 / (1.0 - b1.powi(self.t)));
            let sv = T::from_f64(1.0 / (1.0 - b2.powi(self.t)));
            let (b1t, b2t) = (T::from_f64(b1), T::from_f64(b2));
            let (c1, c2) = (T::from_f64(1.0 - b1), T::from_f64(1.0 - b2));
            let (lr, eps) = (T::from_f64(lr), T::from_f64(eps));
            for (((p, m), v), &g) in self
                .params
                .iter_mut()
                .zip(&mut self.m)
                .zip(&mut self.v)
                .zip(&self.grad)
            {
                *m = *m * b1t + g * c1;
                *v = *v * b2t + g * g * c2;
                *p = *p - lr * ((*m * sm) / ((*v * sv).sqrt() + eps));
            }
            let beta = T::from_f64(ema_beta(self.ema_decay, self.t));
            let one_m = T::ONE - beta;
            for (a, &p) in self.avg.iter_mut().zip(&self.params) {
                *a = *a * beta + p * one_m;
            }
        }
        loss
    }
}

impl<T: Real> Engine for NativeEngine<'_, T> {
    fn step(&mut self, rows: &[usize], lr: f64) -> Result<f64> {
        Ok(self.step_inner(rows, Some(lr)))
    }

    fn loss(&mut self, rows: &[usize]) -> Result<f64> {
        let mut total = 0.0;
        for chunk in rows.chunks(4096) {
            self.gather(chunk);
            native::forward_fast(
                self.lay,
                &self.avg,
                &self.xb,
                false,
                &mut self.tape,
                &mut self.lq,
            );
            total += chunk
                .iter()
                .zip(&self.lq)
                .map(|(&i, l)| -self.w[i] * l.to_f64())
                .sum::<f64>();
        }
        Ok(total)
    }

    fn params(&self) -> Result<Vec<f64>> {
        Ok(self.avg.iter().map(|v| v.to_f64()).collect())
    }
}

/// The candle engine: autograd and candle-nn's AdamW with zero weight decay (= Adam).
pub(crate) struct CandleEngine<'a> {
    net: CandleNet,
    avg: CandleNet,
    ema_decay: f64,
    t: i32,
    opt: AdamW,
    y: &'a Matrix,
    w: &'a [f64],
    norm_w: f64,
}

impl<'a> CandleEngine<'a> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        lay: &Layout,
        params: &[f64],
        y: &'a Matrix,
        w: &'a [f64],
        norm_w: f64,
        dtype: DType,
        device: &candle_core::Device,
        lr: f64,
        ema_decay: f64,
    ) -> Result<Self> {
        let net = CandleNet::new(lay, params, dtype, device)?;
        let avg = CandleNet::new(lay, params, dtype, device)?;
        let (beta1, beta2, eps) = ADAM_BETAS;
        let opt = AdamW::new(
            net.all_vars(),
            ParamsAdamW {
                lr,
                beta1,
                beta2,
                eps,
                weight_decay: 0.0,
            },
        )?;
        Ok(Self {
            net,
            avg,
            ema_decay,
            t: 0,
            opt,
            y,
            w,
            norm_w,
        })
    }

    fn batch_loss(
        &self,
        net: &CandleNet,
        rows: &[usize],
        norm: f64,
    ) -> Result<(candle_core::Tensor, f64)> {
        let d = self.y.ncols();
        let mut xb = Vec::with_capacity(rows.len() * d);
        for &i in rows {
            xb.extend_from_slice(self.y.row(i));
        }
        let wb: Vec<f64> = rows.iter().map(|&i| self.w[i]).collect();
        let x = net.tensor(&xb, rows.len(), d)?;
        let w = net.tensor(&wb, rows.len(), 1)?.flatten_all()?;
        let lq = net.log_prob(&x)?;
        let total = (lq * w)?.sum_all()?.neg()?;
        let sum = total.to_dtype(DType::F64)?.to_scalar::<f64>()?;
        Ok(((total / norm)?, sum))
    }
}

impl Engine for CandleEngine<'_> {
    fn step(&mut self, rows: &[usize], lr: f64) -> Result<f64> {
        self.opt.set_learning_rate(lr);
        let (loss, sum) = self.batch_loss(&self.net, rows, rows.len() as f64 * self.norm_w)?;
        self.opt.backward_step(&loss)?;
        self.t += 1;
        let beta = ema_beta(self.ema_decay, self.t);
        for (a, p) in self.avg.all_vars().iter().zip(self.net.all_vars()) {
            a.set(&((a.as_tensor() * beta)? + (p.as_tensor() * (1.0 - beta))?)?)?;
        }
        Ok(sum)
    }

    fn loss(&mut self, rows: &[usize]) -> Result<f64> {
        let mut total = 0.0;
        for chunk in rows.chunks(4096) {
            total += self.batch_loss(&self.avg, chunk, 1.0)?.1;
        }
        Ok(total)
    }

    fn params(&self) -> Result<Vec<f64>> {
        self.avg.params()
    }
}

/// The learning rate of epoch `e`.
fn learning_rate(cfg: &MafConfig, epoch: usize) -> f64 {
    match cfg.schedule {
        Schedule::Constant | Schedule::Plateau => cfg.learning_rate,
        Schedule::Cosine => {
            let f =
                0.5 * (1.0 + (std::f64::consts::PI * epoch as f64 / cfg.max_epochs as f64).cos());
            cfg.learning_rate * f.max(0.05)
        }
    }
}

/// Trains from `params` on the latent data `y` with weights `w`; returns the best parameters
/// and the history.
pub(crate) fn train(
    lay: &Layout,
    params: &[f64],
    y: &Matrix,
    w: &[f64],
    cfg: &MafConfig,
    rng: &mut MfRng,
) -> Result<(Vec<f64>, TrainingHistory)> {
    let mut idx: Vec<usize> = (0..y.nrows()).filter(|&i| w[i] > 0.0).collect();
    idx.shuffle(rng);
    let n_val = (cfg.validation_fraction * idx.len() as f64).round() as usize;
    let n_val = if cfg.validation_fraction > 0.0 {
        n_val.clamp(1, cfg.max_validation)
    } else {
        0
    };
    if idx.len() < n_val + 2 {
        return Err(Error::invalid(
            "samples",
            format!(
                "{} samples with positive weight leave too few for training after holding out {n_val} for validation; provide more samples or lower validation_fraction",
                idx.len()
            ),
        ));
    }
    let (val, train) = idx.split_at(n_val);
    let (val, mut train) = (val.to_vec(), train.to_vec());
    let w_train: f64 = train.iter().map(|&i| w[i]).sum();
    let w_val: f64 = val.iter().map(|&i| w[i]).sum();
    let norm_w = w_train / train.len() as f64;
    let batch_size = cfg.batch_for(train.len());
    let epoch_rows = train.len().min(cfg.epoch_samples);
    // Position in the running shuffled order (a fresh shuffle starts every full pass).
    let mut cursor = train.len();
    let mut epoch_idx: Vec<usize> = Vec::with_capacity(epoch_rows);

    let mut engine: Box<dyn Engine + '_> = if cfg.uses_native() {
        Box::new(NativeEngine::<f32>::new(
            lay,
            params,
            y,
            w,
            norm_w,
            cfg.ema_decay,
        ))
    } else {
        Box::new(CandleEngine::new(
            lay,
            params,
            y,
            w,
            norm_w,
            DType::F32,
            &cfg.device,
            cfg.learning_rate,
            cfg.ema_decay,
        )?)
    };

    let bar = Progress::bar(
        cfg.max_epochs as u64,
        "training MAF {bar:30} {pos}/{len} epochs {msg}",
        cfg.progress,
    );
    let mut hist = TrainingHistory::default();
    let mut best = (f64::INFINITY, engine.params()?);
    // Patience and the plateau schedule count from the last *significant* improvement: a
    // validation loss below `reference − min_delta`.
    let (mut reference, mut last_significant) = (f64::INFINITY, 0usize);
    // Plateau schedule: current factor and the epoch of the last significant best or halving.
    let (mut factor, mut since) = (1.0f64, 0usize);
    let wait = (cfg.patience / 3).max(1);
    for epoch in 0..cfg.max_epochs {
        let lr = learning_rate(cfg, epoch) * factor;
        epoch_idx.clear();
        while epoch_idx.len() < epoch_rows {
            if cursor == train.len() {
                train.shuffle(rng);
                cursor = 0;
            }
            let take = (epoch_rows - epoch_idx.len()).min(train.len() - cursor);
            epoch_idx.extend_from_slice(&train[cursor..cursor + take]);
            cursor += take;
        }
        let mut sum = 0.0;
        for batch in epoch_idx.chunks(batch_size) {
            sum += engine.step(batch, lr)?;
        }
        let w_epoch: f64 = if epoch_rows == train.len() {
            w_train
        } else {
            epoch_idx.iter().map(|&i| w[i]).sum()
        };
        let train_loss = sum / w_epoch;
        let val_loss = if val.is_empty() {
            train_loss
        } else {
            engine.loss(&val)? / w_val
        };
        hist.train_loss.push(train_loss);
        hist.val_loss.push(val_loss);
        hist.epochs_run = epoch + 1;
        bar.inc(1);
        bar.set_message(format!("val loss {val_loss:.4}"));
        if val_loss < best.0 {
            best = (val_loss, engine.params()?);
            hist.best_epoch = epoch;
        }
        if val_loss < reference - cfg.min_delta {
            reference = val_loss;
            last_significant = epoch;
            since = epoch;
        } else if cfg.schedule == Schedule::Plateau && epoch - since >= wait && factor > 1.0 / 64.0
        {
            factor *= 0.5;
            since = epoch;
        }
        if !val_loss.is_finite() || epoch - last_significant >= cfg.patience {
            hist.stopped_early = epoch + 1 < cfg.max_epochs;
            break;
        }
    }
    bar.finish_and_clear();
    if !best.0.is_finite() {
        return Err(Error::numerical(
            "MAF training",
            "the validation loss was never finite; lower learning_rate or check the samples",
        ));
    }
    Ok((best.1, hist))
}
