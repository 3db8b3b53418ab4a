//! Fitting a piecewise estimator: cluster, then one component estimator per cluster.
//!
//! **Boundaries** ([`Boundaries`]). A hard partition (each sample in its own k-means Voronoi
//! cell) gives every component a density with a sharp straight edge where a cell boundary cuts
//! through the posterior, which a flow (or a KDE) cannot represent: the mass it leaks across the
//! edge is lost to the mixture. [`Boundaries::Soft`] makes the partition a smooth partition of
//! unity instead: with the k-means centres `c_k` in the standardised coordinates `z` that the
//! clustering uses,
//!
//! `r_k(x) = exp(−|z − c_k|² / 2τ²) / Σ_j exp(−|z − c_j|² / 2τ²)`,   `Σ_k r_k(x) = 1`,
//!
//! so `p = Σ_k r_k p = Σ_k W_k p_k` exactly, with `W_k = ∫ r_k p` and component targets
//! `p_k = r_k p / W_k`, each smooth. Component `k` is fitted to the samples weighted
//! `w_i r_k(x_i)`, and `W_k = Σ_i w_i r_k(x_i) / Σ_i w_i` (its Monte Carlo estimate), so
//! `Σ_k W_k = 1` and the mixture formula, sampling by `W_k`, the unit-cube map and save/load of
//! [`super::Piecewise`] are those of a hard partition; only the fit differs.
//!
//! The temperature is `τ = width × s`, `s` the pooled within-cluster standard deviation per
//! coordinate (`s² = Σ_i w_i |z_i − c_{k(i)}|² / (d Σ_i w_i)`, standardised units; default
//! `width = 1`). Between two centres at distance `D` the responsibility is a logistic function
//! of the position `t` along the line joining them, measured from the midpoint, with log-odds
//! `t D / τ²`. For clusters that touch (a Gaussian cut in two: `D ≈ 2–3 s`) the transition is
//! about as wide as a cluster; for well-separated clusters (the circle of eight Gaussians,
//! `D ≈ 10 s`) it is sharp, and the shares of one cluster's samples in its neighbours fall below
//! the cutoff, so the fit is that of the hard partition. Responsibilities below
//! [`SOFT_CUTOFF`] = 10⁻³ are set to zero and the rest renormalised to sum to 1, so a component
//! is fitted only to the samples it has a share in; the truncated `r̃_k` are still an exact
//! partition of unity (with jumps of at most 10⁻³ where a share is cut off).
//!
//! Measured (N = 10,000, KL(true‖q) on 10,000 held-out draws, k = 2 by silhouette, bench seed):
//! soft boundaries lower the piecewise MAF's KL on the 2-D Gaussian from 0.010 to 0.002 and on
//! the 5-D Gaussian from 0.024 to 0.011 (piecewise KDE 0.015 → 0.009, 0.076 → 0.068); on the two
//! moons, whose k-means cut crosses thin arcs where the edge leak is small, they do not help and
//! cost about 0.01 (piecewise MAF 0.029 → 0.032 at the bench seed, 0.034 → 0.048 averaged over
//! three other seeds with the default bounds), and the importance-weighted circle's piecewise KDE
//! got worse (0.056 → 0.115: low-weight points between the blobs then belong to several
//! components and widen their boxes). The moons' quality is set by the components' capacity
//! (see [`ForCluster`]). So the default stays [`Boundaries::Hard`], the hard partition (the
//! published piecewise flows); choose `Soft` for clusters that cut through a smooth bulk.
//!
//! User-given labels
//! ([`super::ClusterConfig::labels`]) always give a hard partition: they need not be Voronoi
//! cells of any centres, and they are respected as given. One cluster has `r_1 = 1` either way.
//!
//! **Bounds** ([`ComponentBounds`]). By default each component is fitted in its *own* box: the
//! Kish-widened range of the samples it is fitted to ([`Bounds::from_samples`], with the
//! weights `w_i r_k(x_i)`, so that the box covers every sample with a share in it), widened
//! further by a fraction `widen = 0.25` of its width on each side and clipped to the global
//! bounds. A side the global bounds leave open (the default: no bounds) stays open for every
//! component, which then standardises that coordinate with its own samples' location and scale
//! (see [`crate::Gaussianiser`]), so that no held-out point falls outside every component on
//! such a side. In its own box a cluster fills the
//! Gaussianised space, which a flow learns easily; in the global box a small, off-centre cluster
//! is a narrow blob far from the origin that a flow's training barely reaches (measured on the
//! circle of eight Gaussians: KL 1.4 with global boxes). The extra widening keeps held-out points
//! beyond a cluster's extreme training samples inside its box: for a Gaussian cluster of 1000
//! points the box reaches about ±5σ. [`ComponentBounds::Global`] fits every component in the
//! global box instead, so that the mixture is positive everywhere inside it. The mixture is a
//! normalised density of `x` either way; its support is the union of the component boxes.
//!
//! **Weights.** Rows with zero weight are left out of the components (and of `W_k`).
//!
//! **Parallelism.** Components are fitted in parallel (rayon); component `k` uses the seed
//! `child_seed(seed, k + 1)` (seed `child_seed(seed, 0)` drives the clustering), so the result
//! does not depend on the number of threads.

use rayon::prelude::*;

use super::{standardise, ClusterConfig, ClusterCount, Clustering, Piecewise};
use crate::error::{Error, Result};
use crate::fit::{resolve_bounds, Fit};
use crate::flow::MafConfig;
use crate::kde::KdeConfig;
use crate::linalg::dist2;
use crate::matrix::Matrix;
use crate::rng::child_seed;
use crate::samples::WeightedSamples;
use crate::transform::Bounds;

/// A component configuration that can adapt itself to the number of clusters.
pub trait ForCluster: Sized {
    /// The configuration for one cluster out of `n_clusters`.
    fn for_cluster(&self, n_clusters: usize) -> Self;
}

impl ForCluster for KdeConfig {
    fn for_cluster(&self, _n_clusters: usize) -> Self {
        *self
    }
}

/// Every component gets the full flow (`K` MADEs, the same layers); only the progress bar is
/// turned off, because the components train in parallel.
///
/// The piecewise-flows paper (Bevins & Handley 2023) gives each of `k` clusters `⌊K/k⌋ + 1`
/// MADEs, to keep the total capacity comparable. A k-means piece of a curved or multimodal
/// posterior is not much simpler than the whole, though, and the divided flow is starved:
/// measured on the two moons (N = 10,000, k = 2, fit seeds 5–7), 4 MADEs per half give
/// KL 0.08–0.11 and 6 give 0.033–0.034, and a single 4-MADE flow on the whole moons gives
/// 0.07–0.14 against 0.04–0.10 for 6. The price is training time: each sample passes through
/// `K` MADEs instead of `⌊K/k⌋ + 1` (the circle of eight Gaussians: about 0.7 s instead of 0.15 s).
impl ForCluster for MafConfig {
    fn for_cluster(&self, _n_clusters: usize) -> Self {
        let mut c = self.clone();
        c.progress = false;
        c
    }
}

/// Soft responsibilities below this are set to zero (and the others renormalised), so that a
/// component is fitted only to the samples it has a share in (see the module docs).
pub const SOFT_CUTOFF: f64 = 1e-3;

/// How the clusters' regions meet (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Boundaries {
    /// Each sample belongs to its own cluster only (the k-means Voronoi cell, or the user's
    /// label): components with sharp edges. The default.
    #[default]
    Hard,
    /// A smooth partition of unity over the k-means centres, `r_k ∝ exp(−|z − c_k|² / 2τ²)` in
    /// the standardised coordinates, with `τ = width × s`, `s` the pooled within-cluster
    /// standard deviation per coordinate (default `width = 1`). User labels give a hard
    /// partition whatever this says.
    Soft {
        /// The temperature `τ` in units of the pooled within-cluster standard deviation
        /// (finite, > 0).
        width: f64,
    },
}

/// Each component's fitting set: `(row, r̃_k(x_row))` for the rows with positive weight and a
/// positive (truncated, renormalised) responsibility.
type Members = Vec<Vec<(usize, f64)>>;

/// The hard partition: every positive-weight row in its own cluster, responsibility 1.
fn hard_members(clustering: &Clustering, weights: &[f64]) -> Members {
    let mut members: Members = vec![Vec::new(); clustering.k];
    for (i, (&l, &w)) in clustering.labels.iter().zip(weights).enumerate() {
        if w > 0.0 {
            members[l].push((i, 1.0));
        }
    }
    members
}

/// The soft partition of unity of the module docs on the standardised coordinates `xs`, with
/// centres the weighted means of the clusters (the k-means centres). Falls back to the hard
/// partition when every sample sits on its centre (`s = 0`), where no temperature can be set.
fn soft_members(xs: &Matrix, clustering: &Clustering, weights: &[f64], width: f64) -> Members {
    let (k, d) = (clustering.k, xs.ncols());
    if k < 2 {
        return hard_members(clustering, weights);
    }
    let mut centres = Matrix::zeros(k, d);
    let mut mass = vec![0.0; k];
    for ((r, &l), &w) in xs.rows().zip(&clustering.labels).zip(weights) {
        if w > 0.0 {
            mass[l] += w;
            for (c, x) in centres.row_mut(l).iter_mut().zip(r) {
                *c += w * x;
            }
        }
    }
    for (c, m) in mass.iter().enumerate() {
        if *m > 0.0 {
            centres.row_mut(c).iter_mut().for_each(|v| *v /= m);
        }
    }
    // Pooled within-cluster variance per dimension.
    let mut within = 0.0;
    for ((x, &l), &w) in xs.rows().zip(&clustering.labels).zip(weights) {
        if w > 0.0 {
            within += w * dist2(x, centres.row(l));
        }
    }
    let spread = (within / (mass.iter().sum::<f64>() * d as f64)).sqrt();
    let tau = width * spread;
    let scale = 0.5 / (tau * tau);
    if !(scale.is_finite() && scale > 0.0) {
        return hard_members(clustering, weights);
    }
    let mut members: Members = vec![Vec::new(); k];
    let mut r = vec![0.0; k];
    for (i, (x, &w)) in xs.rows().zip(weights).enumerate() {
        if w <= 0.0 {
            continue;
        }
        for (c, rc) in r.iter_mut().enumerate() {
            *rc = -scale * dist2(x, centres.row(c));
        }
        let m = r.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        r.iter_mut().for_each(|v| *v = (*v - m).exp());
        let total: f64 = r.iter().sum();
        r.iter_mut().for_each(|v| *v /= total);
        // The largest share is at least 1/k > SOFT_CUTOFF, so something is always kept.
        let kept: f64 = r.iter().filter(|v| **v >= SOFT_CUTOFF).sum();
        for (c, &rc) in r.iter().enumerate() {
            if rc >= SOFT_CUTOFF {
                members[c].push((i, rc / kept));
            }
        }
    }
    members
}

/// The box each component is fitted in (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ComponentBounds {
    /// The global bounds for every component.
    Global,
    /// The Kish-widened range of the component's fitting samples, widened by `widen` × its
    /// width on each side and clipped to the global bounds (default `widen = 0.25`).
    Cluster {
        /// Extra widening, as a fraction of the cluster box's width, on each side.
        widen: f64,
    },
}

impl Default for ComponentBounds {
    fn default() -> Self {
        ComponentBounds::Cluster { widen: 0.25 }
    }
}

impl ComponentBounds {
    /// The box of one cluster's component.
    fn resolve(&self, cluster: &WeightedSamples, global: &Bounds) -> Result<Bounds> {
        match *self {
            ComponentBounds::Global => Ok(global.clone()),
            ComponentBounds::Cluster { widen } => {
                let own = Bounds::from_samples(cluster)?;
                let pad = |j: usize| widen * (own.hi()[j] - own.lo()[j]);
                // An open global side stays open: `max(x, −∞)` would close it.
                let lo = (0..own.dim())
                    .map(|j| match global.lo()[j].is_finite() {
                        true => own.lo()[j] - pad(j),
                        false => f64::NEG_INFINITY,
                    })
                    .collect();
                let hi = (0..own.dim())
                    .map(|j| match global.hi()[j].is_finite() {
                        true => own.hi()[j] + pad(j),
                        false => f64::INFINITY,
                    })
                    .collect();
                Bounds::new(lo, hi)?.intersect(global)
            }
        }
    }
}

/// One component estimator per cluster, mixed by the clusters' weight shares.
#[derive(Debug, Clone, PartialEq)]
pub struct PiecewiseConfig<C> {
    component: C,
    clusters: ClusterConfig,
    bounds: ComponentBounds,
    boundaries: Boundaries,
}

impl<C> PiecewiseConfig<C> {
    /// Components configured by `component`, clusters by [`ClusterConfig::default`].
    pub fn new(component: C) -> Self {
        Self {
            component,
            clusters: ClusterConfig::default(),
            bounds: ComponentBounds::default(),
            boundaries: Boundaries::default(),
        }
    }

    /// Sets how the clusters' regions meet (default [`Boundaries::Hard`]; `Soft { width: 1.0 }`
    /// is a good soft choice).
    /// Errors on a `width` that is not finite and positive.
    pub fn boundaries(mut self, boundaries: Boundaries) -> Result<Self> {
        if let Boundaries::Soft { width } = boundaries {
            if !(width > 0.0 && width.is_finite()) {
                return Err(Error::invalid(
                    "width",
                    format!("{width}: the soft boundary width must be finite and > 0, in units of the within-cluster standard deviation (default 1; use Boundaries::Hard for sharp boundaries)"),
                ));
            }
        }
        self.boundaries = boundaries;
        Ok(self)
    }

    /// How the clusters' regions meet.
    pub fn boundary_policy(&self) -> Boundaries {
        self.boundaries
    }

    /// Sets the box each component is fitted in. Errors on a negative or non-finite `widen`.
    pub fn component_bounds(mut self, bounds: ComponentBounds) -> Result<Self> {
        if let ComponentBounds::Cluster { widen } = bounds {
            if !(widen >= 0.0 && widen.is_finite()) {
                return Err(Error::invalid(
                    "widen",
                    format!("{widen}: the component box widening must be a finite fraction ≥ 0 (default 0.25)"),
                ));
            }
        }
        self.bounds = bounds;
        Ok(self)
    }

    /// Sets the clustering.
    pub fn clusters(mut self, clusters: ClusterConfig) -> Self {
        self.clusters = clusters;
        self
    }

    /// The component configuration.
    pub fn component(&self) -> &C {
        &self.component
    }

    /// The clustering configuration.
    pub fn cluster_config(&self) -> &ClusterConfig {
        &self.clusters
    }
}

impl<C> Fit for PiecewiseConfig<C>
where
    C: Fit + ForCluster,
{
    type Model = Piecewise<C::Model>;

    fn fit(
        &self,
        samples: &WeightedSamples,
        bounds: Option<&Bounds>,
        seed: u64,
    ) -> Result<Self::Model> {
        let bounds = resolve_bounds(samples, bounds)?;
        let clustering =
            self.clusters
                .cluster(samples.values(), samples.weights(), child_seed(seed, 0))?;
        let k = clustering.k;
        let weights = samples.weights();
        let members = match (self.boundaries, &self.clusters.count) {
            (Boundaries::Soft { width }, ClusterCount::Auto { .. } | ClusterCount::Fixed(_)) => {
                soft_members(
                    &standardise(samples.values(), weights),
                    &clustering,
                    weights,
                    width,
                )
            }
            _ => hard_members(&clustering, weights),
        };
        let total: f64 = weights.iter().sum();
        let shares: Vec<f64> = members
            .iter()
            .map(|m| m.iter().map(|&(i, r)| weights[i] * r).sum::<f64>() / total)
            .collect();
        let config = self.component.for_cluster(k);
        let components = members
            .par_iter()
            .enumerate()
            .map(|(c, rows)| {
                let idx: Vec<usize> = rows.iter().map(|&(i, _)| i).collect();
                let w = rows.iter().map(|&(i, r)| weights[i] * r).collect();
                let part = WeightedSamples::new(
                    samples.values().select_rows(&idx),
                    w,
                    samples.names().to_vec(),
                )?;
                let own = self.bounds.resolve(&part, &bounds)?;
                config.fit(&part, Some(&own), child_seed(seed, c as u64 + 1))
            })
            .collect::<Result<Vec<_>>>()?;
        Piecewise::new(
            components,
            &shares,
            bounds,
            samples.names().to_vec(),
            clustering.silhouette,
        )
    }
}
