//! The two-sample Kolmogorov–Smirnov statistic, used to check that two samplers (for example an
//! estimator's `sample` and its unit-cube map) draw from the same 1-D distribution.

/// `sup_x |F_a(x) − F_b(x)|` for the empirical CDFs of `a` and `b`. Under the null hypothesis
/// (same distribution) it exceeds `1.36 √((n_a + n_b)/(n_a n_b))` with probability 5 %.
pub fn ks_two_sample(mut a: Vec<f64>, mut b: Vec<f64>) -> f64 {
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let (mut i, mut j, mut d) = (0, 0, 0.0f64);
    // Step both empirical CDFs past each distinct value x (ties included) and compare there.
    while i < a.len() && j < b.len() {
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / a.len() as f64 - j as f64 / b.len() as f64).abs());
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_samples_give_zero_and_disjoint_ones_one() {
        let a: Vec<f64> = (0..100).map(f64::from).collect();
        assert_eq!(ks_two_sample(a.clone(), a.clone()), 0.0);
        let b: Vec<f64> = a.iter().map(|v| v + 1000.0).collect();
        assert_eq!(ks_two_sample(a, b), 1.0);
    }
}
