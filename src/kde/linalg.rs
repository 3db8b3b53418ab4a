//! The small dense linear algebra the KDE needs: a Cholesky factor and triangular solves.

/// Lower-triangular Cholesky factor `L` (row-major `d × d`) of a symmetric positive-definite
/// `a = L Lᵀ`, or `None` when `a` is not positive definite (a pivot `≤ 0` or not finite).
pub(crate) fn cholesky(a: &[f64], d: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..=i {
            let mut s = a[i * d + j];
            for k in 0..j {
                s -= l[i * d + k] * l[j * d + k];
            }
            if i == j {
                if s.is_nan() || s <= 0.0 || !s.is_finite() {
                    return None;
                }
                l[i * d + i] = s.sqrt();
            } else {
                l[i * d + j] = s / l[j * d + j];
            }
        }
    }
    Some(l)
}

/// Solves `L z = b` in place for lower-triangular `L` (forward substitution).
pub(crate) fn solve_lower(l: &[f64], d: usize, b: &mut [f64]) {
    for i in 0..d {
        let mut s = b[i];
        for k in 0..i {
            s -= l[i * d + k] * b[k];
        }
        b[i] = s / l[i * d + i];
    }
}

/// `out = L e` for lower-triangular `L`.
pub(crate) fn mul_lower(l: &[f64], d: usize, e: &[f64], out: &mut [f64]) {
    for i in 0..d {
        out[i] = (0..=i).map(|k| l[i * d + k] * e[k]).sum();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_reproduces_the_matrix_and_solves() {
        let a = [4.0, 2.0, 0.4, 2.0, 5.0, 1.0, 0.4, 1.0, 3.0];
        let l = cholesky(&a, 3).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let s: f64 = (0..3).map(|k| l[i * 3 + k] * l[j * 3 + k]).sum();
                assert!((s - a[i * 3 + j]).abs() < 1e-12);
            }
        }
        let mut b = [1.0, -2.0, 0.5];
        let orig = b;
        solve_lower(&l, 3, &mut b);
        let mut back = [0.0; 3];
        mul_lower(&l, 3, &b, &mut back);
        for (x, y) in back.iter().zip(orig) {
            assert!((x - y).abs() < 1e-12);
        }
        assert!(cholesky(&[1.0, 1.0, 1.0, 1.0], 2).is_none());
    }
}
