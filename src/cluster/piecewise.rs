//! Fitting a piecewise estimator: cluster, then one component estimator per cluster.
//!
//! **Bounds** ([`ComponentBounds`]). By default each component is fitted in its *own* box: its
//! cluster's Kish-widened sample range ([`Bounds::from_samples`]), widened further by a fraction
//! `widen = 0.25` of its width on each side and clipped to the global bounds (the given ones, or
//! those of all the samples). In its own box a cluster fills the Gaussianised space, which a flow
//! learns easily; in the global box a small, off-centre cluster is a narrow blob far from the
//! origin that a flow's training barely reaches (measured on the circle of eight Gaussians:
//! KL 1.4 with global boxes). The extra widening keeps held-out points beyond a cluster's extreme
//! training samples inside its box: for a Gaussian cluster of 1000 points the box reaches about
//! ±5σ. [`ComponentBounds::Global`] fits every component in the global box instead, so that the
//! mixture is positive everywhere inside it. The mixture is a normalised density of `x` either
//! way; its support is the union of the component boxes.
//!
//! **Weights.** `W_k` is cluster `k`'s share of the total sample weight. Rows with zero weight
//! are left out of the components.
//!
//! **Parallelism.** Components are fitted in parallel (rayon); component `k` uses the seed
//! `child_seed(seed, k + 1)` (seed `child_seed(seed, 0)` drives the clustering), so the result
//! does not depend on the number of threads.

use rayon::prelude::*;

use super::{ClusterConfig, Piecewise};
use crate::error::Result;
use crate::fit::{resolve_bounds, Fit};
use crate::flow::MafConfig;
use crate::kde::KdeConfig;
use crate::rng::child_seed;
use crate::samples::WeightedSamples;
use crate::transform::Bounds;

/// A component configuration that can adapt itself to the number of clusters.
///
/// The piecewise-flows paper (Bevins & Handley 2023) gives each of `k` clusters a flow of
/// `⌊K/k⌋ + 1` MADEs, `K` the single-flow count, so that the total capacity stays comparable.
/// A KDE has nothing to adapt.
pub trait ForCluster: Sized {
    /// The configuration for one cluster out of `n_clusters`.
    fn for_cluster(&self, n_clusters: usize) -> Self;
}

impl ForCluster for KdeConfig {
    fn for_cluster(&self, _n_clusters: usize) -> Self {
        *self
    }
}

/// `⌊K/k⌋ + 1` MADEs per cluster (Bevins & Handley 2023), everything else unchanged except
/// the progress bar, which is turned off because the components train in parallel.
impl ForCluster for MafConfig {
    fn for_cluster(&self, n_clusters: usize) -> Self {
        let mut c = self.clone();
        c.n_mades = self.n_mades / n_clusters.max(1) + 1;
        c.progress = false;
        c
    }
}

/// The box each component is fitted in (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ComponentBounds {
    /// The global bounds for every component.
    Global,
    /// The cluster's own Kish-widened range, widened by `widen` × its width on each side and
    /// clipped to the global bounds (default `widen = 0.25`).
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
                let (mut lo, mut hi) = (own.lo().to_vec(), own.hi().to_vec());
                for j in 0..lo.len() {
                    let pad = widen * (hi[j] - lo[j]);
                    lo[j] = (lo[j] - pad).max(global.lo()[j]);
                    hi[j] = (hi[j] + pad).min(global.hi()[j]);
                }
                Bounds::new(lo, hi)
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
}

impl<C> PiecewiseConfig<C> {
    /// Components configured by `component`, clusters by [`ClusterConfig::default`].
    pub fn new(component: C) -> Self {
        Self {
            component,
            clusters: ClusterConfig::default(),
            bounds: ComponentBounds::default(),
        }
    }

    /// Sets the box each component is fitted in. Errors on a negative or non-finite `widen`.
    pub fn component_bounds(mut self, bounds: ComponentBounds) -> Result<Self> {
        if let ComponentBounds::Cluster { widen } = bounds {
            if !(widen >= 0.0 && widen.is_finite()) {
                return Err(crate::Error::invalid(
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
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
        for (i, (&l, &w)) in clustering.labels.iter().zip(samples.weights()).enumerate() {
            if w > 0.0 {
                members[l].push(i);
            }
        }
        let total: f64 = samples.weights().iter().sum();
        let shares: Vec<f64> = members
            .iter()
            .map(|m| m.iter().map(|&i| samples.weights()[i]).sum::<f64>() / total)
            .collect();
        let config = self.component.for_cluster(k);
        let components = members
            .par_iter()
            .enumerate()
            .map(|(c, rows)| {
                let part = samples.select_rows(rows);
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
