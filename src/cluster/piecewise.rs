//! Fitting a piecewise estimator: cluster, then one component estimator per cluster.
//!
//! **Bounds.** Every component is fitted on its cluster's samples but with the *global* bounds
//! (the given ones, or those of all the samples). Each component is then a density on the whole
//! box, so the mixture is positive everywhere inside it: a held-out point just beyond a
//! cluster's extreme training sample never gets `log p = −∞` (which per-cluster boxes would give,
//! and which makes any KL estimate infinite). The mixture is a normalised density of `x` either
//! way.
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

/// One component estimator per cluster, mixed by the clusters' weight shares.
#[derive(Debug, Clone, PartialEq)]
pub struct PiecewiseConfig<C> {
    component: C,
    clusters: ClusterConfig,
}

impl<C> PiecewiseConfig<C> {
    /// Components configured by `component`, clusters by [`ClusterConfig::default`].
    pub fn new(component: C) -> Self {
        Self {
            component,
            clusters: ClusterConfig::default(),
        }
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
        let clustering = self
            .clusters
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
                config.fit(
                    &samples.select_rows(rows),
                    Some(&bounds),
                    child_seed(seed, c as u64 + 1),
                )
            })
            .collect::<Result<Vec<_>>>()?;
        Piecewise::new(components, &shares, bounds, samples.names().to_vec(), clustering.silhouette)
    }
}
