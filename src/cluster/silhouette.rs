//! The silhouette score (Rousseeuw 1987), with weights and an optional subsample.
//!
//! For point `i` in cluster `A`: `a_i` is its mean distance to the other points of `A`, `b_i` the
//! smallest mean distance to the points of another cluster, and `s_i = (b_i − a_i)/max(a_i, b_i)`
//! (`s_i = 0` when `i` is alone in its cluster). The score is the mean of `s_i`.
//!
//! **Weights.** Means are weighted by the sample weights, both inside `a_i`, `b_i` and in the
//! average of `s_i`: a point of weight 2 counts as two copies (except that it is not its own
//! neighbour). With equal weights this is exactly the standard silhouette.
//!
//! **Subsample.** The score costs `O(m²)` in the number of points, so with more than
//! `max_points` points with positive weight, a subsample of `max_points` of them is drawn
//! uniformly without replacement (from our seed) and the score is the silhouette of the
//! subsample (as scikit-learn's `sample_size`). The same subsample and its distance matrix are
//! used for every `k`, so that the scores of different `k` are compared on the same points. The
//! standard error of a subsampled score is about `std(s_i)/√m` (≈ 0.005 for `m = 2000`).

use rand::seq::index::sample as sample_indices;
use rayon::prelude::*;

use crate::matrix::Matrix;
use crate::rng::rng_from_seed;

/// A (sub)sample of points with their pairwise distances, ready to score labellings.
pub struct SilhouetteSample {
    /// Indices of the subsampled points in the full data.
    idx: Vec<usize>,
    weights: Vec<f64>,
    /// Row-major `m × m` Euclidean distances.
    dist: Vec<f64>,
}

impl SilhouetteSample {
    /// Draws at most `max_points` of the positive-weight rows of `x` (all of them if fewer).
    pub fn new(x: &Matrix, weights: &[f64], max_points: usize, seed: u64) -> Self {
        let pos: Vec<usize> = (0..x.nrows()).filter(|&i| weights[i] > 0.0).collect();
        let idx: Vec<usize> = if pos.len() > max_points {
            let mut rng = rng_from_seed(seed);
            let mut pick: Vec<usize> = sample_indices(&mut rng, pos.len(), max_points)
                .into_iter()
                .map(|k| pos[k])
                .collect();
            pick.sort_unstable();
            pick
        } else {
            pos
        };
        let m = idx.len();
        let mut dist = vec![0.0; m * m];
        dist.par_chunks_mut(m.max(1))
            .enumerate()
            .for_each(|(a, row)| {
                let ra = x.row(idx[a]);
                for (b, v) in row.iter_mut().enumerate() {
                    *v = ra
                        .iter()
                        .zip(x.row(idx[b]))
                        .map(|(p, q)| (p - q) * (p - q))
                        .sum::<f64>()
                        .sqrt();
                }
            });
        let weights = idx.iter().map(|&i| weights[i]).collect();
        Self { idx, weights, dist }
    }

    /// Number of points scored.
    pub fn len(&self) -> usize {
        self.idx.len()
    }

    /// True when no point is scored.
    pub fn is_empty(&self) -> bool {
        self.idx.is_empty()
    }

    /// The weighted silhouette score of `labels` (labels of the full data, in `0..k`).
    pub fn score(&self, labels: &[usize], k: usize) -> f64 {
        let m = self.idx.len();
        let lab: Vec<usize> = self.idx.iter().map(|&i| labels[i]).collect();
        // Per-point terms in parallel, summed in order so that the score is bit-reproducible.
        let terms: Vec<(f64, f64)> = (0..m)
            .into_par_iter()
            .map(|a| {
                let mut sum = vec![0.0; k];
                let mut wsum = vec![0.0; k];
                let row = &self.dist[a * m..(a + 1) * m];
                for b in 0..m {
                    if b != a {
                        sum[lab[b]] += self.weights[b] * row[b];
                        wsum[lab[b]] += self.weights[b];
                    }
                }
                let own = lab[a];
                if wsum[own] <= 0.0 {
                    return (0.0, self.weights[a]);
                }
                let ai = sum[own] / wsum[own];
                let bi = (0..k)
                    .filter(|&c| c != own && wsum[c] > 0.0)
                    .map(|c| sum[c] / wsum[c])
                    .fold(f64::INFINITY, f64::min);
                let s = if bi.is_finite() && ai.max(bi) > 0.0 {
                    (bi - ai) / ai.max(bi)
                } else {
                    0.0
                };
                (self.weights[a] * s, self.weights[a])
            })
            .collect();
        let (num, den) = terms.iter().fold((0.0, 0.0), |x, y| (x.0 + y.0, x.1 + y.1));
        if den > 0.0 {
            num / den
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_hand_computed_silhouette() {
        // Points 0, 1 | 5, 7 on a line: a_0 = 1, b_0 = (5+7)/2 = 6, s_0 = 5/6;
        // a_1 = 1, b_1 = (4+6)/2 = 5, s_1 = 4/5; a_2 = 2, b_2 = 4.5, s_2 = 2.5/4.5;
        // a_3 = 2, b_3 = 6.5, s_3 = 4.5/6.5.
        let x = Matrix::from_rows(&[[0.0], [1.0], [5.0], [7.0]]).unwrap();
        let s = SilhouetteSample::new(&x, &[1.0; 4], 100, 0);
        let expect = (5.0 / 6.0 + 4.0 / 5.0 + 2.5 / 4.5 + 4.5 / 6.5) / 4.0;
        assert!((s.score(&[0, 0, 1, 1], 2) - expect).abs() < 1e-14);
        // Weight 2 on point 3: b_0 = (5 + 2·7)/3, b_1 = (4 + 2·6)/3, a_2 = 2, b_2 = 4.5,
        // a_3 = 2, b_3 = 6.5, and s_3 counts twice in the mean.
        let s = SilhouetteSample::new(&x, &[1.0, 1.0, 1.0, 2.0], 100, 0);
        let expect = (16.0 / 19.0 + 13.0 / 16.0 + 2.5 / 4.5 + 2.0 * 4.5 / 6.5) / 5.0;
        assert!((s.score(&[0, 0, 1, 1], 2) - expect).abs() < 1e-14);
        // A subsample keeps exactly max_points points, the same ones for the same seed.
        let big = Matrix::new(50, 1, (0..50).map(|i| i as f64).collect()).unwrap();
        let a = SilhouetteSample::new(&big, &[1.0; 50], 20, 3);
        let b = SilhouetteSample::new(&big, &[1.0; 50], 20, 3);
        assert_eq!(a.len(), 20);
        assert_eq!(a.idx, b.idx);
    }
}
