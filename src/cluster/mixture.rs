//! The piecewise density: a weighted mixture of per-cluster estimators,
//!
//! `log p(x) = logsumexp_k (log W_k + log p_k(x))`,
//!
//! with `W_k` the clusters' weight shares (forgetting `W_k` biases `log p` by `log k`).
//!
//! **Sampling** draws the cluster of each point by `W_k`, then the point from that component.
//!
//! **Unit-cube map.** The first cube coordinate chooses the cluster and is reused: with
//! cumulative shares `C_k = W_1 + … + W_k`, `u_1 ∈ [C_{k−1}, C_k)` selects cluster `k`, and
//! `u_1' = (u_1 − C_{k−1}) / W_k` (uniform on `[0, 1)` given `k`, independent of `u_2 … u_d`)
//! replaces `u_1` in the component's own map. The result is a deterministic per-point map that
//! pushes the uniform cube forward to the mixture (it jumps at the cluster boundaries of `u_1`,
//! which a nested sampler does not mind).

use rand::{Rng, RngCore};
use rayon::prelude::*;

use crate::density::{Density, Estimator, Sample, UnitCube};
use crate::error::{Error, Result};
use crate::matrix::Matrix;
use crate::transform::Bounds;

/// A mixture of per-cluster estimators (see the module docs).
#[derive(Debug, Clone)]
pub struct Piecewise<M> {
    components: Vec<M>,
    log_shares: Vec<f64>,
    cum_shares: Vec<f64>,
    bounds: Bounds,
    names: Vec<String>,
    silhouette: Vec<(usize, f64)>,
}

impl<M: Estimator> Piecewise<M> {
    /// A mixture of `components` with weight shares `shares` (normalised here).
    ///
    /// Errors: no components, components of different dimensions, shares of the wrong length or
    /// not positive and finite.
    pub fn new(
        components: Vec<M>,
        shares: &[f64],
        bounds: Bounds,
        names: Vec<String>,
        silhouette: Vec<(usize, f64)>,
    ) -> Result<Self> {
        let d = bounds.dim();
        if components.is_empty() {
            return Err(Error::invalid(
                "components",
                "a mixture needs at least one component",
            ));
        }
        if let Some(c) = components.iter().position(|c| c.dim() != d) {
            return Err(Error::dims(
                format!("components[{c}]"),
                d,
                components[c].dim(),
            ));
        }
        if shares.len() != components.len() {
            return Err(Error::dims("shares", components.len(), shares.len()));
        }
        if names.len() != d {
            return Err(Error::dims("names", d, names.len()));
        }
        let total: f64 = shares.iter().sum();
        if shares.iter().any(|s| !(*s > 0.0 && s.is_finite())) {
            return Err(Error::invalid(
                "shares",
                format!("{shares:?}: every cluster needs a positive, finite weight share"),
            ));
        }
        let log_shares = shares.iter().map(|s| (s / total).ln()).collect();
        Ok(Self::from_log_shares(
            components, log_shares, bounds, names, silhouette,
        ))
    }

    /// The mixture from validated parts (normalised log-shares), as saved.
    pub(crate) fn from_log_shares(
        components: Vec<M>,
        log_shares: Vec<f64>,
        bounds: Bounds,
        names: Vec<String>,
        silhouette: Vec<(usize, f64)>,
    ) -> Self {
        let mut acc = 0.0;
        let cum_shares = log_shares
            .iter()
            .map(|l: &f64| {
                acc += l.exp();
                acc
            })
            .collect();
        Self {
            components,
            log_shares,
            cum_shares,
            bounds,
            names,
            silhouette,
        }
    }

    /// The component estimators.
    pub fn components(&self) -> &[M] {
        &self.components
    }

    /// Number of clusters.
    pub fn n_components(&self) -> usize {
        self.components.len()
    }

    /// `log W_k`.
    pub fn log_shares(&self) -> &[f64] {
        &self.log_shares
    }

    /// The weight shares `W_k`.
    pub fn shares(&self) -> Vec<f64> {
        self.log_shares.iter().map(|l| l.exp()).collect()
    }

    /// The global bounds (each component's own box lies inside them).
    pub fn bounds(&self) -> &Bounds {
        &self.bounds
    }

    /// The parameter names.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The silhouette score of each `k` tried when `k` was chosen automatically.
    pub fn silhouette(&self) -> &[(usize, f64)] {
        &self.silhouette
    }

    /// The cluster chosen by `u ∈ [0, 1]`, and `u` rescaled within that cluster's interval.
    fn choose(&self, u: f64) -> (usize, f64) {
        let k = self
            .cum_shares
            .partition_point(|&c| c <= u)
            .min(self.components.len() - 1);
        let lo = if k == 0 { 0.0 } else { self.cum_shares[k - 1] };
        let hi = if k + 1 == self.components.len() {
            1.0
        } else {
            self.cum_shares[k]
        };
        (k, ((u - lo) / (hi - lo)).clamp(0.0, 1.0))
    }
}

impl<M: Estimator> Density for Piecewise<M> {
    fn dim(&self) -> usize {
        self.bounds.dim()
    }

    fn log_prob(&self, x: &Matrix) -> Result<Vec<f64>> {
        x.check_dim("x", self.dim())?;
        let per: Vec<Vec<f64>> = self
            .components
            .par_iter()
            .map(|c| c.log_prob(x))
            .collect::<Result<_>>()?;
        Ok((0..x.nrows())
            .map(|i| {
                let m = per
                    .iter()
                    .zip(&self.log_shares)
                    .map(|(p, w)| p[i] + w)
                    .fold(f64::NEG_INFINITY, f64::max);
                if m == f64::NEG_INFINITY {
                    return m;
                }
                let s: f64 = per
                    .iter()
                    .zip(&self.log_shares)
                    .map(|(p, w)| (p[i] + w - m).exp())
                    .sum();
                m + s.ln()
            })
            .collect())
    }
}

impl<M: Estimator> Sample for Piecewise<M> {
    fn sample(&self, n: usize, rng: &mut dyn RngCore) -> Result<Matrix> {
        crate::matrix::check_fits_in_memory("n", n, self.dim() + 1, 2)?;
        let picks: Vec<usize> = (0..n).map(|_| self.choose(rng.random::<f64>()).0).collect();
        let mut counts = vec![0usize; self.components.len()];
        for &k in &picks {
            counts[k] += 1;
        }
        let draws: Vec<Matrix> = self
            .components
            .iter()
            .zip(&counts)
            .map(|(c, &m)| c.sample(m, rng))
            .collect::<Result<_>>()?;
        let mut next = vec![0usize; self.components.len()];
        let mut out = Matrix::zeros(n, self.dim());
        for (i, &k) in picks.iter().enumerate() {
            out.row_mut(i).copy_from_slice(draws[k].row(next[k]));
            next[k] += 1;
        }
        Ok(out)
    }
}

impl<M: Estimator> UnitCube for Piecewise<M> {
    fn from_unit_cube(&self, u: &[f64], theta: &mut [f64]) -> Result<()> {
        crate::transform::check_cube_point(u, self.dim())?;
        let (k, u1) = self.choose(u[0]);
        let mut v = u.to_vec();
        v[0] = u1;
        self.components[k].from_unit_cube(&v, theta)
    }
}
