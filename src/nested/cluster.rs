//! Clustering of the live points, for multimodal problems.
//!
//! In the unit cube, where the prior is uniform, link each point to those of its
//! `k = min(10, n − 1)` nearest neighbours that are not much farther than the points' own
//! spacing: `i` and `j` are linked when `|z_i − z_j| ≤ GAP · max(r_i, r_j)`, with `r_i` the
//! distance from `i` to its second-nearest neighbour and `GAP = 4`. The clusters are the
//! connected components of that graph.
//!
//! The rule is local, so it keeps apart modes of any size and any number of points: a mode of
//! three points is linked inside (each point's second neighbour is in the mode), while the step
//! to another mode is many times its spacing. Within one cloud of points the `k`-th neighbour
//! lies about `(k/2)^{1/d}` second-neighbour distances away (2.2 for `k = 10` in two dimensions,
//! less in more), so a connected region stays one cluster; a thin curved ridge stays connected
//! along its length. Nearest-neighbour graphs without the gap rule (one-sided, mutual, or
//! PolyChord's smallest `k` at which the partition stops changing) link a mode of `s` points to
//! its neighbours once `k ≥ s`: one-sided links to 8 neighbours merged the eggbox's 18 modes,
//! holding 4 to 20 points each late in a 200-point run, into 3 to 7 clusters, and PolyChord's
//! rule merged the 18 blobs of 4 to 12 points of this module's test into 3. Clusters only steer the sampler (whitening, and the
//! volumes of [`sampler`](super::sampler)); the evidence bookkeeping is global, so a bad
//! clustering costs efficiency, not correctness.
//!
//! Distances are those of the cube itself, as in PolyChord, not of coordinates standardised by
//! their spread: the separation of two modes inflates the spread of the coordinate that
//! separates them, and standardising then shrinks the very gap between them (two Gaussians 20σ
//! apart in 5-D merged into one cluster in half the runs).

use crate::linalg::dist2;

/// Neighbours examined per point.
const NEIGHBOURS: usize = 10;
/// Largest link length, in units of the points' second-neighbour distance.
const GAP: f64 = 4.0;

/// Cluster labels `0..n_clusters` for `points` (each of length `d`), numbered in order of each
/// cluster's first point, and the number of clusters.
pub(crate) fn knn_clusters(points: &[Vec<f64>]) -> (Vec<usize>, usize) {
    let n = points.len();
    if n < 3 {
        return (vec![0; n], 1);
    }
    let z = points;
    let k = NEIGHBOURS.min(n - 1);
    // The k nearest neighbours of every point, nearest first, with their distances.
    let mut dist: Vec<(f64, usize)> = Vec::with_capacity(n);
    let nb: Vec<Vec<(f64, usize)>> = (0..n)
        .map(|i| {
            dist.clear();
            dist.extend(
                z.iter()
                    .enumerate()
                    .filter(|&(j, _)| j != i)
                    .map(|(j, zj)| (dist2(&z[i], zj).sqrt(), j)),
            );
            dist.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let mut near = dist[..k].to_vec();
            near.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            near
        })
        .collect();
    let spacing: Vec<f64> = nb.iter().map(|l| l[1.min(k - 1)].0).collect();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (i, list) in nb.iter().enumerate() {
        for &(r, j) in list {
            if r <= GAP * spacing[i].max(spacing[j]) {
                let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                if a != b {
                    parent[a.max(b)] = a.min(b);
                }
            }
        }
    }
    let mut label = vec![usize::MAX; n];
    let mut roots: Vec<usize> = Vec::new();
    for (i, l) in label.iter_mut().enumerate() {
        let r = find(&mut parent, i);
        *l = match roots.iter().position(|&x| x == r) {
            Some(c) => c,
            None => {
                roots.push(r);
                roots.len() - 1
            }
        };
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
        let (lab, nc) = knn_clusters(&pts);
        assert_eq!(nc, 2);
        for i in 0..200 {
            assert_eq!(lab[i] == lab[0], i % 2 == 0);
        }
        let one: Vec<Vec<f64>> = (0..200).map(|_| vec![rng.random(), rng.random()]).collect();
        assert_eq!(knn_clusters(&one).1, 1);
    }

    #[test]
    fn keeps_small_modes_apart() {
        // 18 blobs of 4–12 points on a grid, as late in an eggbox run: a fixed 8 nearest
        // neighbours would link the small ones to their neighbours.
        let mut rng = rng_from_seed(2);
        let mut pts = Vec::new();
        let mut truth = Vec::new();
        for b in 0..18 {
            let (cx, cy) = ((b % 6) as f64 / 6.0, (b / 6) as f64 / 3.0);
            for _ in 0..(4 + b % 9) {
                pts.push(vec![
                    cx + 0.01 * rng.random::<f64>(),
                    cy + 0.01 * rng.random::<f64>(),
                ]);
                truth.push(b);
            }
        }
        let (lab, nc) = knn_clusters(&pts);
        assert_eq!(nc, 18, "{lab:?}");
        for i in 0..pts.len() {
            for j in 0..pts.len() {
                assert_eq!(lab[i] == lab[j], truth[i] == truth[j]);
            }
        }
    }

    #[test]
    fn a_ring_and_a_high_dimensional_cloud_stay_whole() {
        let mut rng = rng_from_seed(3);
        let ring: Vec<Vec<f64>> = (0..300)
            .map(|_| {
                let (a, r) = (
                    std::f64::consts::TAU * rng.random::<f64>(),
                    1.0 + 0.02 * rng.random::<f64>(),
                );
                vec![0.5 + 0.3 * r * a.cos(), 0.5 + 0.3 * r * a.sin()]
            })
            .collect();
        assert_eq!(knn_clusters(&ring).1, 1);
        for d in [5, 20] {
            let cloud: Vec<Vec<f64>> = (0..500)
                .map(|_| (0..d).map(|_| rng.random::<f64>()).collect())
                .collect();
            assert_eq!(knn_clusters(&cloud).1, 1, "d = {d}");
        }
    }
}
