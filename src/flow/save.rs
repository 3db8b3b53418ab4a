//! Saving and loading a [`Maf`] (kind `maf`): `model.yaml` holds the architecture, variable
//! orders, bounds (`null` for an open side) with the location and scale of open coordinates,
//! parameter names, configuration and training history; `weights.safetensors`
//! holds the standardisation layer `standardise.shift` and `standardise.scale` (`d`),
//! `made{k}.layer{l}.weight` (`n_out × n_in`) and `made{k}.layer{l}.bias` as `f64`, so the
//! round trip is exact.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::config::MafConfig;
use super::made::{Architecture, Layout};
use super::net::MafNet;
use super::train::TrainingHistory;
use super::Maf;
use crate::error::{Error, Result};
use crate::persist::{read_model, write_model, Arrays, Persist};
use crate::transform::{open_side, open_sides, Bounds, Gaussianiser, Transformed};

#[derive(Debug, Serialize, Deserialize)]
struct MafMeta {
    architecture: Architecture,
    orders: Vec<Vec<usize>>,
    names: Vec<String>,
    /// Limits, `null` for an open side (format version 1: finite numbers only).
    lo: Vec<Option<f64>>,
    hi: Vec<Option<f64>>,
    /// Location and scale of the open coordinates (absent in format version 1).
    #[serde(default)]
    shift: Vec<f64>,
    #[serde(default)]
    scale: Vec<f64>,
    config: MafConfig,
    history: TrainingHistory,
}

const SHIFT: &str = "standardise.shift";
const SCALE: &str = "standardise.scale";

fn weight_name(k: usize, l: usize) -> String {
    format!("made{k}.layer{l}.weight")
}
fn bias_name(k: usize, l: usize) -> String {
    format!("made{k}.layer{l}.bias")
}

impl Persist for Maf {
    const KIND: &'static str = "maf";

    fn save(&self, dir: &Path) -> Result<()> {
        let net = self.latent();
        let lay = net.layout();
        let meta = MafMeta {
            architecture: lay.arch.clone(),
            orders: lay.orders.clone(),
            names: self.names().to_vec(),
            lo: open_side(self.bounds().lo()),
            hi: open_side(self.bounds().hi()),
            shift: self.bijector().affine().0.to_vec(),
            scale: self.bijector().affine().1.to_vec(),
            config: net.config().clone(),
            history: net.history().clone(),
        };
        let mut arrays = Arrays::default();
        let (shift, scale) = net.standardisation();
        arrays.insert(SHIFT, vec![shift.len()], shift.to_vec())?;
        arrays.insert(SCALE, vec![scale.len()], scale.to_vec())?;
        let p = net.params();
        for k in 0..lay.arch.n_mades {
            let base = k * lay.made_size;
            for (l, ls) in lay.layers.iter().enumerate() {
                let w = base + ls.w_off;
                let b = base + ls.b_off;
                arrays.insert(
                    weight_name(k, l),
                    vec![ls.n_out, ls.n_in],
                    p[w..w + ls.n_out * ls.n_in].to_vec(),
                )?;
                arrays.insert(bias_name(k, l), vec![ls.n_out], p[b..b + ls.n_out].to_vec())?;
            }
        }
        write_model(dir, Self::KIND, &meta, &arrays)
    }

    fn load(dir: &Path) -> Result<Self> {
        let (meta, mut arrays): (MafMeta, Arrays) = read_model(dir, Self::KIND)?;
        let a = &meta.architecture;
        let bad = |reason: String| Error::model(dir, reason);
        if a.dim == 0 || a.n_mades == 0 || a.hidden.is_empty() || a.hidden.contains(&0) {
            return Err(bad(format!("invalid architecture {a:?}")));
        }
        if !(a.clamp.is_finite() && a.clamp > 0.0) {
            return Err(bad(format!("invalid clamp {}", a.clamp)));
        }
        // Sizes from the metadata are checked against what the files hold (the names, the orders
        // and the arrays) before anything is allocated by them: a corrupt `model.yaml` must not
        // make the loader allocate without bound.
        if meta.names.len() != a.dim || meta.lo.len() != a.dim || meta.hi.len() != a.dim {
            return Err(bad(format!("names / bounds do not have {} entries", a.dim)));
        }
        if meta.orders.len() != a.n_mades {
            return Err(bad(format!(
                "{} variable orders for {} MADEs",
                meta.orders.len(),
                a.n_mades
            )));
        }
        for (k, o) in meta.orders.iter().enumerate() {
            let mut s = o.clone();
            s.sort_unstable();
            if s != (0..a.dim).collect::<Vec<_>>() {
                return Err(bad(format!(
                    "order {k} {o:?} is not a permutation of 0..{}",
                    a.dim
                )));
            }
        }
        let (lo, hi) = open_sides(meta.lo.clone(), meta.hi.clone());
        let bijector = Bounds::new(lo, hi)
            .and_then(|b| Gaussianiser::from_parts(b, meta.shift.clone(), meta.scale.clone()))
            .map_err(|e| bad(format!("invalid bounds: {e}")))?;
        let mut n_in = a.dim;
        for (l, &n_out) in a.hidden.iter().chain([&(2 * a.dim)]).enumerate() {
            for k in 0..a.n_mades {
                for (name, shape) in [
                    (weight_name(k, l), vec![n_out, n_in]),
                    (bias_name(k, l), vec![n_out]),
                ] {
                    match arrays.0.get(&name) {
                        Some((s, _)) if *s == shape => {}
                        Some((s, _)) => {
                            return Err(bad(format!(
                                "array `{name}` has shape {s:?}, but the architecture implies {shape:?}"
                            )))
                        }
                        None => return Err(bad(format!("array `{name}` is missing"))),
                    }
                }
            }
            n_in = n_out;
        }
        let lay = Layout::new(a.clone(), meta.orders.clone());
        let shift = arrays.take(dir, SHIFT, &[a.dim])?;
        let scale = arrays.take(dir, SCALE, &[a.dim])?;
        if shift.iter().any(|v| !v.is_finite())
            || scale.iter().any(|v| !(v.is_finite() && *v > 0.0))
        {
            return Err(bad(format!(
                "invalid standardisation: shift {shift:?} must be finite and scale {scale:?} finite and > 0"
            )));
        }
        let mut p = vec![0.0; lay.n_params()];
        for k in 0..a.n_mades {
            let base = k * lay.made_size;
            for (l, ls) in lay.layers.iter().enumerate() {
                let w = arrays.take(dir, &weight_name(k, l), &[ls.n_out, ls.n_in])?;
                let b = arrays.take(dir, &bias_name(k, l), &[ls.n_out])?;
                p[base + ls.w_off..base + ls.w_off + w.len()].copy_from_slice(&w);
                p[base + ls.b_off..base + ls.b_off + b.len()].copy_from_slice(&b);
            }
        }
        if let Some(name) = arrays.0.keys().next() {
            return Err(bad(format!("unexpected array `{name}` in the weights")));
        }
        if let Some(i) = p.iter().position(|v| !v.is_finite()) {
            return Err(bad(format!("parameter {i} is not finite")));
        }
        let mut masked = p.clone();
        lay.apply_mask(&mut masked);
        if masked != p {
            return Err(bad(
                "weights break the MADE masks (non-zero masked entries); the file is corrupt"
                    .into(),
            ));
        }
        let net = MafNet::from_parts(lay, p, (shift, scale), meta.history, meta.config);
        Transformed::new(net, bijector)?.with_names(meta.names)
    }
}
