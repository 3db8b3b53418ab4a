//! Clustering of weighted samples, and piecewise (one estimator per cluster) density estimators
//! (Bevins & Handley, arXiv:2305.02930).
//!
//! [`ClusterConfig::cluster`] partitions samples by weighted k-means ([`kmeans()`]), choosing `k`
//! by the silhouette score ([`silhouette`]) unless the user fixes `k` or gives labels.
//! Clustering runs on the columns scaled to unit weighted standard deviation, so that parameters
//! in different units count equally. [`PiecewiseConfig`] fits one estimator per cluster and
//! mixes them into a [`Piecewise`] density.

pub mod kmeans;
mod mixture;
pub mod persist;
mod piecewise;
pub mod silhouette;

pub use kmeans::{kmeans, KMeans};
pub use mixture::Piecewise;
pub use piecewise::{Boundaries, ComponentBounds, ForCluster, PiecewiseConfig, SOFT_CUTOFF};
pub use silhouette::SilhouetteSample;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::matrix::Matrix;
use crate::rng::child_seed;
use crate::samples::kish_ess;

/// How the number of clusters is decided.
#[derive(Debug, Clone, PartialEq)]
pub enum ClusterCount {
    /// The `k ∈ 2..=k_max` with the best silhouette score (subject to the minimum size).
    Auto {
        /// Largest `k` tried (at least 2; capped at the number of points minus one).
        k_max: usize,
    },
    /// Exactly `k` clusters by k-means.
    Fixed(usize),
    /// The user's labels (any integers; renumbered `0..k` in increasing order).
    Labels(Vec<usize>),
}

/// A partition of the samples into clusters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Clustering {
    /// Number of clusters.
    pub k: usize,
    /// The cluster of every sample, in `0..k`.
    pub labels: Vec<usize>,
    /// The silhouette score of each `k` tried, `(k, score)` (empty unless `k` was automatic).
    pub silhouette: Vec<(usize, f64)>,
}

/// Configuration of the clustering. Defaults: automatic `k` up to 20, minimum cluster size 50
/// (Kish effective samples), 4 k-means restarts of at most 100 iterations (each also stops when
/// the centres move by less than the tolerance of [`kmeans()`]), silhouette on a subsample of at
/// most 2000 points.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterConfig {
    count: ClusterCount,
    min_size: f64,
    restarts: usize,
    max_iter: usize,
    silhouette_points: usize,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        Self {
            count: ClusterCount::Auto { k_max: 20 },
            min_size: 50.0,
            restarts: 4,
            max_iter: 100,
            silhouette_points: 2000,
        }
    }
}

impl ClusterConfig {
    /// The default configuration.
    pub fn new() -> Self {
        Self::default()
    }

    /// Automatic `k` in `2..=k_max`. Errors when `k_max < 2`.
    pub fn k_max(mut self, k_max: usize) -> Result<Self> {
        if k_max < 2 {
            return Err(Error::invalid(
                "k_max",
                format!("k_max is {k_max}; automatic clustering compares k = 2..=k_max, so k_max must be at least 2 (or fix k instead)"),
            ));
        }
        self.count = ClusterCount::Auto { k_max };
        Ok(self)
    }

    /// Exactly `k` clusters. Errors when `k = 0`.
    pub fn k(mut self, k: usize) -> Result<Self> {
        if k == 0 {
            return Err(Error::invalid(
                "k",
                "the number of clusters must be at least 1",
            ));
        }
        self.count = ClusterCount::Fixed(k);
        Ok(self)
    }

    /// The user's cluster labels, one per sample (checked against the samples at fit time).
    pub fn labels(mut self, labels: Vec<usize>) -> Self {
        self.count = ClusterCount::Labels(labels);
        self
    }

    /// Minimum cluster size in Kish effective samples `(Σw)²/Σw²` (default 50). With automatic
    /// `k`, the best-scoring `k` whose clusters all reach it is chosen (so it lowers `k`; if no
    /// `k ≥ 2` qualifies, a single cluster is used). With a fixed `k` or labels, a smaller
    /// cluster is an error. Errors on a negative or non-finite size.
    pub fn min_cluster_size(mut self, min_size: f64) -> Result<Self> {
        if !(min_size >= 0.0 && min_size.is_finite()) {
            return Err(Error::invalid(
                "min_cluster_size",
                format!("{min_size}: the minimum cluster size must be a finite number ≥ 0"),
            ));
        }
        self.min_size = min_size;
        Ok(self)
    }

    /// Number of k-means restarts (at least 1).
    pub fn restarts(mut self, restarts: usize) -> Result<Self> {
        if restarts == 0 {
            return Err(Error::invalid(
                "restarts",
                "at least one k-means run is needed",
            ));
        }
        self.restarts = restarts;
        Ok(self)
    }

    /// Largest number of points the silhouette score uses (at least 10; see [`silhouette`]).
    pub fn silhouette_points(mut self, m: usize) -> Result<Self> {
        if m < 10 {
            return Err(Error::invalid(
                "silhouette_points",
                format!("{m}: the silhouette subsample needs at least 10 points"),
            ));
        }
        self.silhouette_points = m;
        Ok(self)
    }

    /// How `k` is decided.
    pub fn count(&self) -> &ClusterCount {
        &self.count
    }

    /// Clusters the rows of `x` with sample weights `weights` (deterministic for `seed`).
    ///
    /// Errors: weights or labels of the wrong length, fewer positive-weight points than clusters
    /// (or than 3 for automatic `k`), and, with fixed `k` or labels, a cluster smaller than the
    /// minimum size.
    pub fn cluster(&self, x: &Matrix, weights: &[f64], seed: u64) -> Result<Clustering> {
        if weights.len() != x.nrows() {
            return Err(Error::dims("weights", x.nrows(), weights.len()));
        }
        let xs = standardise(x, weights);
        match &self.count {
            ClusterCount::Labels(labels) => {
                if labels.len() != x.nrows() {
                    return Err(Error::dims("labels", x.nrows(), labels.len()));
                }
                let (k, labels) = renumber(labels);
                self.check_sizes(&labels, k, weights)?;
                Ok(Clustering {
                    k,
                    labels,
                    silhouette: Vec::new(),
                })
            }
            ClusterCount::Fixed(k) => {
                let run = kmeans(&xs, weights, *k, self.restarts, self.max_iter, seed)?;
                self.check_sizes(&run.labels, *k, weights)?;
                Ok(Clustering {
                    k: *k,
                    labels: run.labels,
                    silhouette: Vec::new(),
                })
            }
            ClusterCount::Auto { k_max } => self.auto(&xs, weights, *k_max, seed),
        }
    }

    fn auto(&self, xs: &Matrix, weights: &[f64], k_max: usize, seed: u64) -> Result<Clustering> {
        if k_max < 2 {
            return Err(Error::invalid(
                "k_max",
                format!("k_max is {k_max}; it must be at least 2"),
            ));
        }
        let n_pos = weights.iter().filter(|w| **w > 0.0).count();
        if n_pos < 3 {
            return Err(Error::invalid(
                "samples",
                format!("automatic clustering needs at least 3 points with positive weight, got {n_pos}"),
            ));
        }
        let k_hi = k_max.min(n_pos - 1);
        let sil = SilhouetteSample::new(xs, weights, self.silhouette_points, child_seed(seed, 0));
        // Every (k, restart) pair is one parallel task (better balance than one task per k);
        // restart r of k uses the same seed as `kmeans(.., child_seed(seed, k))` would.
        let tol = kmeans::tolerance(xs, weights);
        let tasks: Vec<(usize, usize)> = (2..=k_hi)
            .flat_map(|k| (0..self.restarts).map(move |r| (k, r)))
            .collect();
        let runs: Vec<Result<KMeans>> = tasks
            .par_iter()
            .map(|&(k, r)| {
                kmeans::kmeans_run(
                    xs,
                    weights,
                    k,
                    self.max_iter,
                    tol,
                    child_seed(child_seed(seed, k as u64), r as u64),
                )
            })
            .collect();
        let mut best: Vec<Option<Result<KMeans>>> = (0..=k_hi).map(|_| None).collect();
        for (&(k, _), run) in tasks.iter().zip(runs) {
            let keep = match (&best[k], &run) {
                (None, _) => true,
                (Some(Ok(b)), Ok(r)) => r.inertia < b.inertia,
                _ => false,
            };
            if keep {
                best[k] = Some(run);
            }
        }
        let mut scored = Vec::new();
        for (k, run) in best.into_iter().enumerate().skip(2) {
            // k-means fails only when the points take fewer than k distinct values: stop there.
            let Some(Ok(run)) = run else { break };
            let s = sil.score(&run.labels, k);
            scored.push((k, s, run));
        }
        let silhouette: Vec<(usize, f64)> = scored.iter().map(|(k, s, _)| (*k, *s)).collect();
        let mut order: Vec<usize> = (0..scored.len()).collect();
        order.sort_by(|&a, &b| {
            scored[b]
                .1
                .total_cmp(&scored[a].1)
                .then(scored[a].0.cmp(&scored[b].0))
        });
        for i in order {
            let (k, _, run) = &scored[i];
            if self.smallest(&run.labels, *k, weights).1 >= self.min_size {
                return Ok(Clustering {
                    k: *k,
                    labels: run.labels.clone(),
                    silhouette,
                });
            }
        }
        Ok(Clustering {
            k: 1,
            labels: vec![0; xs.nrows()],
            silhouette,
        })
    }

    /// The smallest cluster and its Kish size.
    fn smallest(&self, labels: &[usize], k: usize, weights: &[f64]) -> (usize, f64) {
        let mut members: Vec<Vec<f64>> = vec![Vec::new(); k];
        for (&l, &w) in labels.iter().zip(weights) {
            members[l].push(w);
        }
        members
            .iter()
            .map(|m| {
                if m.iter().any(|w| *w > 0.0) {
                    kish_ess(m)
                } else {
                    0.0
                }
            })
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((0, 0.0))
    }

    fn check_sizes(&self, labels: &[usize], k: usize, weights: &[f64]) -> Result<()> {
        let (c, size) = self.smallest(labels, k, weights);
        if size < self.min_size {
            return Err(Error::invalid(
                "min_cluster_size",
                format!("cluster {c} has {size:.1} effective samples, fewer than the minimum {}; use fewer clusters or lower the minimum", self.min_size),
            ));
        }
        Ok(())
    }
}

/// Renumbers arbitrary labels to `0..k` in increasing order of the label value.
fn renumber(labels: &[usize]) -> (usize, Vec<usize>) {
    let mut distinct = labels.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let out = labels
        .iter()
        .map(|l| distinct.binary_search(l).expect("label is present"))
        .collect();
    (distinct.len(), out)
}

/// Scales each column to unit weighted standard deviation (constant columns are left as they
/// are).
fn standardise(x: &Matrix, w: &[f64]) -> Matrix {
    let (n, d) = (x.nrows(), x.ncols());
    let total: f64 = w.iter().sum();
    let mut out = x.clone();
    if total.is_nan() || total <= 0.0 {
        return out;
    }
    for j in 0..d {
        let mean: f64 = (0..n).map(|i| w[i] * x.get(i, j)).sum::<f64>() / total;
        let var: f64 = (0..n)
            .map(|i| w[i] * (x.get(i, j) - mean).powi(2))
            .sum::<f64>()
            / total;
        let sd = var.sqrt();
        if sd > 0.0 && sd.is_finite() {
            for i in 0..n {
                out.row_mut(i)[j] = (x.get(i, j) - mean) / sd;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
