//! The reference implementation on candle: the same MAF as [`super::native`], written with
//! candle tensors so that candle's autograd gives the gradients. Trains on any candle device
//! (CPU, or CUDA with the `cuda` feature) and checks the native kernels in the tests.

use candle_core::{DType, Device, Tensor, Var};

use super::config::Activation;
use super::made::Layout;
use crate::error::Result;
use crate::transform::normal::HALF_LN_2PI;

/// The MAF's parameters as candle variables, with the masks and orders as constant tensors.
pub(crate) struct CandleNet {
    lay: Layout,
    /// Per MADE, per layer: (weight `n_out × n_in`, bias `n_out`).
    vars: Vec<Vec<(Var, Var)>>,
    masks: Vec<Tensor>,
    perms: Vec<(Tensor, Tensor)>,
    dtype: DType,
    device: Device,
}

impl CandleNet {
    /// Uploads a flat parameter vector.
    pub fn new(lay: &Layout, params: &[f64], dtype: DType, device: &Device) -> Result<Self> {
        let d = lay.arch.dim;
        let mut vars = Vec::new();
        for k in 0..lay.arch.n_mades {
            let p = &params[k * lay.made_size..(k + 1) * lay.made_size];
            let mut layers = Vec::new();
            for ls in &lay.layers {
                let w = Tensor::from_slice(
                    &p[ls.w_off..ls.w_off + ls.n_out * ls.n_in],
                    (ls.n_out, ls.n_in),
                    device,
                )?
                .to_dtype(dtype)?;
                let b = Tensor::from_slice(&p[ls.b_off..ls.b_off + ls.n_out], ls.n_out, device)?
                    .to_dtype(dtype)?;
                layers.push((Var::from_tensor(&w)?, Var::from_tensor(&b)?));
            }
            vars.push(layers);
        }
        let masks = lay
            .layers
            .iter()
            .map(|ls| {
                Tensor::from_slice(
                    &lay.mask[ls.w_off..ls.w_off + ls.n_out * ls.n_in],
                    (ls.n_out, ls.n_in),
                    device,
                )?
                .to_dtype(dtype)
            })
            .collect::<candle_core::Result<Vec<_>>>()?;
        let perms = lay
            .orders
            .iter()
            .map(|o| {
                let perm: Vec<u32> = o.iter().map(|&v| v as u32).collect();
                let mut inv = vec![0u32; d];
                for (pos, &var) in o.iter().enumerate() {
                    inv[var] = pos as u32;
                }
                Ok((
                    Tensor::from_vec(perm, d, device)?,
                    Tensor::from_vec(inv, d, device)?,
                ))
            })
            .collect::<candle_core::Result<Vec<_>>>()?;
        Ok(Self {
            lay: lay.clone(),
            vars,
            masks,
            perms,
            dtype,
            device: device.clone(),
        })
    }

    /// All variables, in parameter order.
    pub fn all_vars(&self) -> Vec<Var> {
        self.vars
            .iter()
            .flat_map(|l| l.iter().flat_map(|(w, b)| [w.clone(), b.clone()]))
            .collect()
    }

    /// Uploads rows (`B × d`, row-major `f64`) as a tensor of the net's dtype.
    pub fn tensor(&self, data: &[f64], rows: usize, cols: usize) -> Result<Tensor> {
        Ok(Tensor::from_slice(data, (rows, cols), &self.device)?.to_dtype(self.dtype)?)
    }

    /// The outputs `(μ, s)` (position order, `s` clamped) of MADE `k` for inputs `xin` in
    /// position order.
    pub fn made_outputs(&self, k: usize, xin: &Tensor) -> Result<(Tensor, Tensor)> {
        let d = self.lay.arch.dim;
        let nh = self.lay.arch.hidden.len();
        let mut h = xin.clone();
        for (l, (w, b)) in self.vars[k].iter().enumerate() {
            let wm = (w.as_tensor() * &self.masks[l])?;
            h = h.matmul(&wm.t()?)?.broadcast_add(b.as_tensor())?;
            if l < nh {
                h = match self.lay.arch.activation {
                    Activation::Tanh => h.tanh()?,
                    Activation::Relu => h.relu()?,
                };
            }
        }
        let c = self.lay.arch.clamp;
        let mu = h.narrow(1, 0, d)?;
        let s = ((h.narrow(1, d, d)? / c)?.tanh()? * c)?;
        Ok((mu, s))
    }

    /// `log q(y)` for the rows of `y` (natural order).
    pub fn log_prob(&self, y: &Tensor) -> Result<Tensor> {
        let d = self.lay.arch.dim;
        let mut v = y.clone();
        let mut ssum = Tensor::zeros(y.dim(0)?, self.dtype, &self.device)?;
        for k in 0..self.lay.arch.n_mades {
            let (perm, inv) = &self.perms[k];
            let xin = v.index_select(perm, 1)?;
            let (mu, s) = self.made_outputs(k, &xin)?;
            let z = ((xin - mu)? * s.neg()?.exp()?)?;
            ssum = (ssum + s.sum(1)?)?;
            v = z.index_select(inv, 1)?;
        }
        let quad = (v.sqr()?.sum(1)? * -0.5)?;
        Ok(((quad - d as f64 * HALF_LN_2PI)? - ssum)?)
    }

    /// Downloads the parameters into a flat `f64` vector.
    pub fn params(&self) -> Result<Vec<f64>> {
        let mut out = vec![0.0; self.lay.n_params()];
        for (k, layers) in self.vars.iter().enumerate() {
            let base = k * self.lay.made_size;
            for (ls, (w, b)) in self.lay.layers.iter().zip(layers) {
                let wv = w
                    .as_tensor()
                    .to_dtype(DType::F64)?
                    .flatten_all()?
                    .to_vec1::<f64>()?;
                let bv = b.as_tensor().to_dtype(DType::F64)?.to_vec1::<f64>()?;
                out[base + ls.w_off..base + ls.w_off + wv.len()].copy_from_slice(&wv);
                out[base + ls.b_off..base + ls.b_off + bv.len()].copy_from_slice(&bv);
            }
        }
        Ok(out)
    }
}
