//! Clustering of the live points, for multimodal problems.
//!
//! The scheme: standardise every coordinate of the live points (in the unit cube) by its
//! spread, link every point to its `k` nearest neighbours (`k = max(d + 1, 8)`, capped at
//! `n − 1`), and take the connected components of this symmetric graph as clusters. Separated
//! modes fall apart into components; a connected (curved or elongated) region stays one.
//! PolyChord uses the same k-nearest-neighbour idea. Clusters only steer the slice directions
//! (each cluster gets its own whitening); the evidence bookkeeping is global, so a bad
//! clustering costs efficiency, never correctness.

use crate::linalg::dist2;

/// Cluster labels `0..n_clusters` for `points` (each of length `d`), and the number of clusters.
pub(crate) fn knn_clusters(points: &[Vec<f64>], d: usize) -> (Vec<usize>, usize) {
    let n = points.len();
    if n < 3 {
        return (vec![0; n], 1);
    }
    let k = (d + 1).max(8).min(n - 1);
    let mut mean = vec![0.0; d];
    for p in points {
        for j in 0..d {
            mean[j] += p[j] / n as f64;
        }
    }
    let mut inv_sd = vec![0.0; d];
    for j in 0..d {
        let v = points.iter().map(|p| (p[j] - mean[j]).powi(2)).sum::<f64>() / n as f64;
        inv_sd[j] = if v > 0.0 { 1.0 / v.sqrt() } else { 1.0 };
    }
    let z: Vec<Vec<f64>> = points
        .iter()
        .map(|p| (0..d).map(|j| p[j] * inv_sd[j]).collect())
        .collect();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut dist: Vec<(f64, usize)> = Vec::with_capacity(n);
    for i in 0..n {
        dist.clear();
        for (j, zj) in z.iter().enumerate() {
            if j != i {
                dist.push((dist2(&z[i], zj), j));
            }
        }
        dist.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0));
        for &(_, j) in &dist[..k] {
            let (a, b) = (find(&mut parent, i), find(&mut parent, j));
            if a != b {
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    let mut label = vec![usize::MAX; n];
    let mut roots: Vec<usize> = Vec::new();
    for (i, l) in label.iter_mut().enumerate() {
        let r = find(&mut parent, i);
        let c = match roots.iter().position(|&x| x == r) {
            Some(c) => c,
            None => {
                roots.push(r);
                roots.len() - 1
            }
        };
        *l = c;
    }
    (label, roots.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::rng_from_seed;
    use rand::Rng;

    #[test]
    fn separates_two_blobs_and_keeps_one_together() {
        let mut rng = rng_from_seed(1);
        let mut pts = Vec::new();
        for i in 0..200 {
            let c = if i % 2 == 0 { 0.2 } else { 0.8 };
            pts.push(vec![
                c + 0.05 * rng.random::<f64>(),
                0.5 + 0.05 * rng.random::<f64>(),
            ]);
        }
        let (lab, nc) = knn_clusters(&pts, 2);
        assert_eq!(nc, 2);
        for i in 0..200 {
            assert_eq!(lab[i] == lab[0], i % 2 == 0);
        }
        let one: Vec<Vec<f64>> = (0..200).map(|_| vec![rng.random(), rng.random()]).collect();
        assert_eq!(knn_clusters(&one, 2).1, 1);
    }
}
