//! Weighted k-means (Lloyd's algorithm) with k-means++ seeding and restarts.
//!
//! Minimises the weighted inertia `Σ_i w_i |x_i − μ_{c(i)}|²`.
//!
//! - **Seeding** (Arthur & Vassilvitskii 2007, weighted): the first centre is drawn with
//!   probability `∝ w_i`, each further one with probability `∝ w_i D(x_i)²`, `D` the distance to
//!   the nearest centre chosen so far.
//! - **Iterations**: assign every point to its nearest centre, move each centre to its cluster's
//!   weighted mean, until no label changes, the centres move by less than `Σ_k |Δμ_k|² ≤ 10⁻⁴ ×`
//!   (mean weighted variance of the columns) (scikit-learn's tolerance; the points are then
//!   re-assigned to the final centres), or `max_iter` iterations.
//! - **Empty clusters**: a cluster that loses all its weight is re-seeded, deterministically, at
//!   the point with the largest weighted squared distance `w_i |x_i − μ_{c(i)}|²` to its own
//!   centre (taken from a cluster that keeps at least one other point), so k-means always
//!   returns `k` non-empty clusters.
//! - **Restarts**: the best of `restarts` runs (lowest inertia), run `r` seeded with
//!   `child_seed(seed, r)`.

use rand::{Rng, RngCore};

use crate::error::{Error, Result};
use crate::linalg::dist2;
use crate::matrix::Matrix;
use crate::rng::{child_seed, rng_from_seed};

/// The result of a k-means run.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeans {
    /// Cluster centres, one row per cluster.
    pub centres: Matrix,
    /// The cluster of every point.
    pub labels: Vec<usize>,
    /// Weighted inertia `Σ w_i |x_i − μ_{c(i)}|²`.
    pub inertia: f64,
}

/// Weighted k-means of the rows of `x` (see the module docs).
///
/// Errors: `k = 0`, `weights` of the wrong length, or fewer distinct points with positive weight
/// than `k` (too few points for the clusters).
pub fn kmeans(
    x: &Matrix,
    weights: &[f64],
    k: usize,
    restarts: usize,
    max_iter: usize,
    seed: u64,
) -> Result<KMeans> {
    if weights.len() != x.nrows() {
        return Err(Error::dims("weights", x.nrows(), weights.len()));
    }
    if k == 0 {
        return Err(Error::invalid(
            "k",
            "the number of clusters must be at least 1",
        ));
    }
    let n_pos = weights.iter().filter(|w| **w > 0.0).count();
    if n_pos < k {
        return Err(Error::invalid(
            "k",
            format!("{k} clusters requested but only {n_pos} points have positive weight; lower k"),
        ));
    }
    let tol = TOL * mean_variance(x, weights);
    let mut best: Option<KMeans> = None;
    for r in 0..restarts.max(1) {
        let run = kmeans_run(x, weights, k, max_iter, tol, child_seed(seed, r as u64))?;
        if best.as_ref().is_none_or(|b| run.inertia < b.inertia) {
            best = Some(run);
        }
    }
    Ok(best.expect("at least one restart"))
}

/// One seeded k-means run (restart `r` of [`kmeans`] uses `seed = child_seed(seed, r)`), with
/// the absolute centre-shift tolerance `tol` (see [`tolerance`]). Inputs are not re-checked.
pub(crate) fn kmeans_run(
    x: &Matrix,
    weights: &[f64],
    k: usize,
    max_iter: usize,
    tol: f64,
    seed: u64,
) -> Result<KMeans> {
    let mut rng = rng_from_seed(seed);
    let centres = plus_plus(x, weights, k, &mut rng)?;
    Ok(lloyd(x, weights, centres, max_iter, tol))
}

/// The absolute tolerance [`kmeans`] uses for `x`: `10⁻⁴ ×` the mean weighted column variance.
pub(crate) fn tolerance(x: &Matrix, weights: &[f64]) -> f64 {
    TOL * mean_variance(x, weights)
}

/// Relative tolerance on the centres' squared movement.
const TOL: f64 = 1e-4;

/// Mean over the columns of the weighted variance.
fn mean_variance(x: &Matrix, w: &[f64]) -> f64 {
    let (n, d) = (x.nrows(), x.ncols());
    let total: f64 = w.iter().sum();
    let mut v = 0.0;
    for j in 0..d {
        let m: f64 = (0..n).map(|i| w[i] * x.get(i, j)).sum::<f64>() / total;
        v += (0..n)
            .map(|i| w[i] * (x.get(i, j) - m).powi(2))
            .sum::<f64>()
            / total;
    }
    v / d.max(1) as f64
}

/// Weighted k-means++ seeding.
fn plus_plus(x: &Matrix, w: &[f64], k: usize, rng: &mut dyn RngCore) -> Result<Matrix> {
    let n = x.nrows();
    let mut centres = Matrix::zeros(k, x.ncols());
    let mut d2 = vec![f64::INFINITY; n];
    let first = draw(w, |i| w[i], rng).expect("some point has positive weight");
    centres.row_mut(0).copy_from_slice(x.row(first));
    for c in 1..k {
        let prev = centres.row(c - 1).to_vec();
        for (i, r) in x.rows().enumerate() {
            d2[i] = d2[i].min(dist2(r, &prev));
        }
        let pick = draw(w, |i| w[i] * d2[i], rng).ok_or_else(|| {
            Error::invalid(
                "k",
                format!(
                    "the points with positive weight take fewer than {k} distinct values; lower k"
                ),
            )
        })?;
        centres.row_mut(c).copy_from_slice(x.row(pick));
    }
    Ok(centres)
}

/// Draws an index with probability `∝ p(i)`; `None` when all are zero.
fn draw(w: &[f64], p: impl Fn(usize) -> f64, rng: &mut dyn RngCore) -> Option<usize> {
    let total: f64 = (0..w.len()).map(&p).sum();
    if total.is_nan() || total <= 0.0 || !total.is_finite() {
        return None;
    }
    let target = rng.random::<f64>() * total;
    let mut acc = 0.0;
    let mut last = None;
    for i in 0..w.len() {
        let pi = p(i);
        if pi > 0.0 {
            acc += pi;
            last = Some(i);
            if acc > target {
                return Some(i);
            }
        }
    }
    last
}

#[cfg(test)]
fn nearest(r: &[f64], centres: &Matrix) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for (c, m) in centres.rows().enumerate() {
        let d = dist2(r, m);
        if d < best.1 {
            best = (c, d);
        }
    }
    best
}

/// Nearest and second-nearest centre distances (not squared) of `r`, and the nearest index.
fn two_nearest(r: &[f64], centres: &Matrix) -> (usize, f64, f64) {
    let (mut c1, mut d1, mut d2) = (0, f64::INFINITY, f64::INFINITY);
    for (c, m) in centres.rows().enumerate() {
        let d = dist2(r, m);
        if d < d1 {
            d2 = d1;
            d1 = d;
            c1 = c;
        } else if d < d2 {
            d2 = d;
        }
    }
    (c1, d1.sqrt(), d2.sqrt())
}

/// Lloyd's iterations, accelerated with Hamerly's bounds (Hamerly 2010): each point keeps an
/// upper bound on the distance to its centre and a lower bound on the distance to every other
/// centre, loosened by how far the centres move; a point is re-examined only when the bounds
/// (or half the distance from its centre to the nearest other centre) no longer prove its
/// label. The labels are exactly those of plain Lloyd iterations.
fn lloyd(x: &Matrix, w: &[f64], mut centres: Matrix, max_iter: usize, tol: f64) -> KMeans {
    let (n, d, k) = (x.nrows(), x.ncols(), centres.nrows());
    let mut labels = vec![0usize; n];
    let mut upper = vec![0.0; n];
    let mut lower = vec![0.0; n];
    let full = |centres: &Matrix, labels: &mut [usize], upper: &mut [f64], lower: &mut [f64]| {
        for (i, r) in x.rows().enumerate() {
            let (c, d1, d2) = two_nearest(r, centres);
            labels[i] = c;
            upper[i] = d1;
            lower[i] = d2;
        }
    };
    full(&centres, &mut labels, &mut upper, &mut lower);
    for _ in 0..max_iter.max(1) {
        let old = centres.clone();
        let before = labels.clone();
        update_centres(x, w, &mut labels, &mut centres, k, d);
        let moves: Vec<f64> = old
            .rows()
            .zip(centres.rows())
            .map(|(a, b)| dist2(a, b).sqrt())
            .collect();
        let shift: f64 = moves.iter().map(|m| m * m).sum();
        if labels != before {
            // An empty cluster was re-seeded: recompute every bound.
            full(&centres, &mut labels, &mut upper, &mut lower);
            continue;
        }
        // Largest and second-largest movement, for the lower bounds.
        let (mut m1, mut m2, mut arg) = (0.0, 0.0, usize::MAX);
        for (c, &m) in moves.iter().enumerate() {
            if m > m1 {
                m2 = m1;
                m1 = m;
                arg = c;
            } else if m > m2 {
                m2 = m;
            }
        }
        let half_gap: Vec<f64> = (0..k)
            .map(|c| {
                (0..k)
                    .filter(|&o| o != c)
                    .map(|o| dist2(centres.row(c), centres.row(o)).sqrt())
                    .fold(f64::INFINITY, f64::min)
                    * 0.5
            })
            .collect();
        let mut changed = false;
        for (i, r) in x.rows().enumerate() {
            let a = labels[i];
            upper[i] += moves[a];
            lower[i] -= if a == arg { m2 } else { m1 };
            let z = lower[i].max(half_gap[a]);
            if upper[i] <= z {
                continue;
            }
            upper[i] = dist2(r, centres.row(a)).sqrt();
            if upper[i] <= z {
                continue;
            }
            let (c, d1, d2) = two_nearest(r, &centres);
            if c != a {
                changed = true;
            }
            labels[i] = c;
            upper[i] = d1;
            lower[i] = d2;
        }
        if !changed || shift <= tol {
            break;
        }
    }
    let inertia = x
        .rows()
        .zip(&labels)
        .zip(w)
        .map(|((r, &c), wi)| wi * dist2(r, centres.row(c)))
        .sum();
    KMeans {
        centres,
        labels,
        inertia,
    }
}

/// Moves the centres to the weighted means, re-seeding empty clusters (module docs).
fn update_centres(
    x: &Matrix,
    w: &[f64],
    labels: &mut [usize],
    centres: &mut Matrix,
    k: usize,
    d: usize,
) {
    loop {
        let mut sums = vec![0.0; k * d];
        let mut wsum = vec![0.0; k];
        let mut count = vec![0usize; k];
        for (i, r) in x.rows().enumerate() {
            let c = labels[i];
            wsum[c] += w[i];
            count[c] += 1;
            for j in 0..d {
                sums[c * d + j] += w[i] * r[j];
            }
        }
        let empty = (0..k).find(|&c| wsum[c] <= 0.0 || wsum[c].is_nan());
        if let Some(c) = empty {
            // The positive-weight point contributing most to the inertia, from a cluster that
            // keeps another point.
            let far = (0..x.nrows())
                .filter(|&i| w[i] > 0.0 && count[labels[i]] > 1)
                .max_by(|&a, &b| {
                    let da = w[a] * dist2(x.row(a), centres.row(labels[a]));
                    let db = w[b] * dist2(x.row(b), centres.row(labels[b]));
                    da.total_cmp(&db).then(b.cmp(&a))
                });
            match far {
                Some(i) => {
                    labels[i] = c;
                    centres.row_mut(c).copy_from_slice(x.row(i));
                    continue;
                }
                None => return, // cannot happen with ≥ k positive-weight points
            }
        }
        for c in 0..k {
            for j in 0..d {
                centres.row_mut(c)[j] = sums[c * d + j] / wsum[c];
            }
        }
        return;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blobs() -> Matrix {
        let mut rows = Vec::new();
        for (cx, cy) in [(0.0, 0.0), (10.0, 0.0), (0.0, 10.0)] {
            for i in 0..30 {
                let t = i as f64 * 0.7;
                rows.push([cx + 0.5 * t.sin(), cy + 0.5 * (1.3 * t).cos()]);
            }
        }
        Matrix::from_rows(&rows).unwrap()
    }

    #[test]
    fn finds_three_blobs_deterministically() {
        let x = blobs();
        let w = vec![1.0; x.nrows()];
        let a = kmeans(&x, &w, 3, 3, 100, 5).unwrap();
        let b = kmeans(&x, &w, 3, 3, 100, 5).unwrap();
        assert_eq!(a, b);
        for blob in 0..3 {
            let l = a.labels[blob * 30];
            assert!(a.labels[blob * 30..(blob + 1) * 30].iter().all(|&m| m == l));
        }
        let mut distinct = a.labels.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 3);
    }

    #[test]
    fn empty_clusters_are_reseeded() {
        // Centres placed so that cluster 2 captures no point in the first assignment.
        let x = blobs();
        let w = vec![1.0; x.nrows()];
        let centres = Matrix::from_rows(&[[0.0, 0.0], [10.0, 5.0], [100.0, 100.0]]).unwrap();
        let run = lloyd(&x, &w, centres, 100, 0.0);
        for c in 0..3 {
            assert!(run.labels.contains(&c), "cluster {c} empty");
        }
        assert!(run.inertia.is_finite() && run.centres.as_slice().iter().all(|v| v.is_finite()));
    }

    #[test]
    fn hamerly_bounds_give_the_labels_of_plain_lloyd() {
        // Unstructured data (slow convergence, many label changes) and uneven weights.
        let mut rng = rng_from_seed(4);
        let n = 3000;
        let x = Matrix::new(n, 3, (0..3 * n).map(|_| rng.random::<f64>()).collect()).unwrap();
        let w: Vec<f64> = (0..n).map(|i| 0.5 + (i % 7) as f64).collect();
        for k in [2, 5, 11] {
            let start = plus_plus(&x, &w, k, &mut rng_from_seed(k as u64)).unwrap();
            let fast = lloyd(&x, &w, start.clone(), 1000, 0.0);
            // Plain Lloyd: assign all, update, until no label changes.
            let mut centres = start;
            let mut labels = vec![usize::MAX; n];
            loop {
                let new: Vec<usize> = x.rows().map(|r| nearest(r, &centres).0).collect();
                if new == labels {
                    break;
                }
                labels = new;
                update_centres(&x, &w, &mut labels, &mut centres, k, 3);
            }
            assert_eq!(fast.labels, labels, "k = {k}");
        }
    }

    #[test]
    fn too_few_points_is_an_error() {
        let x = Matrix::from_rows(&[[0.0], [1.0], [1.0], [1.0]]).unwrap();
        let e = kmeans(&x, &[1.0, 1.0, 1.0, 0.0], 4, 1, 10, 0).unwrap_err();
        assert!(
            matches!(e, Error::InvalidArgument { ref arg, .. } if arg == "k"),
            "{e}"
        );
        // Three positive-weight points but only two distinct values.
        let e = kmeans(&x, &[1.0, 1.0, 1.0, 0.0], 3, 1, 10, 0).unwrap_err();
        assert!(
            matches!(e, Error::InvalidArgument { ref arg, .. } if arg == "k"),
            "{e}"
        );
        assert!(kmeans(&x, &[1.0; 3], 2, 1, 10, 0).is_err());
    }
}
