use super::*;
use rand::Rng;
use rand_distr::{Distribution, Normal};

/// Eight Gaussians (σ = 0.3) on a circle of radius 4.
fn circle(n: usize, seed: u64) -> Matrix {
    let mut rng = crate::rng_from_seed(seed);
    let noise = Normal::new(0.0, 0.3).unwrap();
    let mut v = Vec::with_capacity(2 * n);
    for _ in 0..n {
        let k = rng.random_range(0..8) as f64;
        let a = k * std::f64::consts::PI / 4.0;
        v.push(4.0 * a.cos() + noise.sample(&mut rng));
        v.push(4.0 * a.sin() + noise.sample(&mut rng));
    }
    Matrix::new(n, 2, v).unwrap()
}

#[test]
fn silhouette_on_the_circle_peaks_at_eight() {
    let x = circle(3000, 1);
    let w = vec![1.0; x.nrows()];
    let c = ClusterConfig::new()
        .k_max(12)
        .unwrap()
        .cluster(&x, &w, 7)
        .unwrap();
    assert_eq!(c.k, 8, "silhouette curve {:?}", c.silhouette);
    let best = c
        .silhouette
        .iter()
        .cloned()
        .fold((0, f64::NEG_INFINITY), |a, b| if b.1 > a.1 { b } else { a });
    assert_eq!(best.0, 8);
    // Well separated blobs (gap ≈ 3.06 between centres, σ = 0.3) score high.
    assert!(best.1 > 0.7, "{best:?}");
    assert_eq!(c.silhouette.len(), 11);
    // Deterministic for a seed.
    let again = ClusterConfig::new()
        .k_max(12)
        .unwrap()
        .cluster(&x, &w, 7)
        .unwrap();
    assert!(
        c == again,
        "clustering differs between runs with the same seed"
    );
}

#[test]
fn minimum_size_lowers_k_and_fixed_k_errors() {
    let x = circle(800, 2);
    let w = vec![1.0; x.nrows()];
    // Each of the 8 blobs holds ~100 points; a minimum of 150 rules k = 8 out.
    let c = ClusterConfig::new()
        .k_max(10)
        .unwrap()
        .min_cluster_size(150.0)
        .unwrap()
        .cluster(&x, &w, 3)
        .unwrap();
    assert!(c.k < 8, "k = {}", c.k);
    let mut sizes = vec![0usize; c.k];
    c.labels.iter().for_each(|&l| sizes[l] += 1);
    assert!(sizes.iter().all(|&s| s >= 150), "{sizes:?}");
    // Impossible minimum: one cluster.
    let c = ClusterConfig::new()
        .min_cluster_size(10_000.0)
        .unwrap()
        .cluster(&x, &w, 3)
        .unwrap();
    assert_eq!((c.k, c.labels.iter().all(|&l| l == 0)), (1, true));
    // Fixed k with a too-small cluster is an error naming the argument.
    let e = ClusterConfig::new()
        .k(8)
        .unwrap()
        .min_cluster_size(150.0)
        .unwrap()
        .cluster(&x, &w, 3)
        .unwrap_err();
    assert!(
        matches!(e, Error::InvalidArgument { ref arg, .. } if arg == "min_cluster_size"),
        "{e}"
    );
}

#[test]
fn bad_input_gives_typed_errors() {
    let x = circle(20, 3);
    let w = vec![1.0; 20];
    for k_max in [0, 1] {
        let e = ClusterConfig::new().k_max(k_max).unwrap_err();
        assert!(matches!(e, Error::InvalidArgument { ref arg, .. } if arg == "k_max"));
    }
    assert!(ClusterConfig::new().k(0).is_err());
    assert!(ClusterConfig::new().min_cluster_size(-1.0).is_err());
    assert!(ClusterConfig::new().restarts(0).is_err());
    // Fewer points than clusters.
    let e = ClusterConfig::new()
        .k(25)
        .unwrap()
        .min_cluster_size(0.0)
        .unwrap()
        .cluster(&x, &w, 0)
        .unwrap_err();
    assert!(
        matches!(e, Error::InvalidArgument { ref arg, .. } if arg == "k"),
        "{e}"
    );
    // Labels of the wrong length.
    let e = ClusterConfig::new()
        .labels(vec![0; 19])
        .cluster(&x, &w, 0)
        .unwrap_err();
    assert!(
        matches!(e, Error::DimensionMismatch { ref arg, expected: 20, got: 19 } if arg == "labels"),
        "{e}"
    );
    // Weights of the wrong length.
    assert!(ClusterConfig::new().cluster(&x, &w[..5], 0).is_err());
    // Auto on two points.
    let two = Matrix::from_rows(&[[0.0, 1.0], [1.0, 0.0]]).unwrap();
    assert!(ClusterConfig::new().cluster(&two, &[1.0, 1.0], 0).is_err());
}

#[test]
fn user_labels_are_renumbered() {
    let x = circle(20, 4);
    let labels: Vec<usize> = (0..20).map(|i| if i < 10 { 7 } else { 3 }).collect();
    let c = ClusterConfig::new()
        .min_cluster_size(5.0)
        .unwrap()
        .labels(labels)
        .cluster(&x, &[1.0; 20], 0)
        .unwrap();
    assert_eq!(c.k, 2);
    assert_eq!(c.labels[0], 1);
    assert_eq!(c.labels[15], 0);
}
