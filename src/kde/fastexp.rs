//! The inner loop of KDE evaluation: `log Σ_i exp(a_i)` over blocks of kernels, with an `exp`
//! that the compiler vectorises.
//!
//! `exp(x)` for `x ≤ 0` is computed as `2^k p(r)`, `k = round(x / ln 2)`, `r = x − k ln 2`
//! (`|r| ≤ ln 2 / 2`, Cody–Waite split of `ln 2`), `p` the degree-12 Taylor polynomial of `exp`
//! (truncation `|r|^13/13! < 4e-17`), and `2^k` built from its bit pattern. Arguments below −708
//! are clamped there (`exp(−708) ≈ 3e−308`, which is negligible next to the block maximum's
//! term `exp(0) = 1`). Relative error ≲ 3e−16: the log-density agrees with a libm `exp`
//! evaluation to ~1e−15.
//!
//! The loop is compiled twice, once for the baseline target and once with AVX2+FMA, and the
//! latter is chosen at run time when the CPU has it.

/// Kernels per block: the block's log-terms stay in L1 cache.
pub(crate) const BLOCK: usize = 256;

const LOG2E: f64 = std::f64::consts::LOG2_E;
const LN2_HI: f64 = 6.931_471_803_691_238e-1;
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
const SHIFTER: f64 = 6_755_399_441_055_744.0; // 1.5 · 2^52

/// `a · b + c`, fused when compiled for a CPU with FMA (`FMA = true`), else plain (a
/// non-native `mul_add` would call libm's slow software `fma`).
#[inline(always)]
pub(crate) fn madd<const FMA: bool>(a: f64, b: f64, c: f64) -> f64 {
    if FMA {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// `exp(x)` for `x ≤ 0` (see the module docs).
#[inline(always)]
pub(crate) fn exp_nonpos(x: f64) -> f64 {
    exp_nonpos_impl::<false>(x)
}

#[inline(always)]
pub(crate) fn exp_nonpos_impl<const FMA: bool>(x: f64) -> f64 {
    let x = x.max(-708.0);
    let t = x * LOG2E + SHIFTER;
    let k = t - SHIFTER;
    let r = x - k * LN2_HI - k * LN2_LO;
    let mut p = 1.0 / 479_001_600.0;
    p = madd::<FMA>(p, r, 1.0 / 39_916_800.0);
    p = madd::<FMA>(p, r, 1.0 / 3_628_800.0);
    p = madd::<FMA>(p, r, 1.0 / 362_880.0);
    p = madd::<FMA>(p, r, 1.0 / 40_320.0);
    p = madd::<FMA>(p, r, 1.0 / 5_040.0);
    p = madd::<FMA>(p, r, 1.0 / 720.0);
    p = madd::<FMA>(p, r, 1.0 / 120.0);
    p = madd::<FMA>(p, r, 1.0 / 24.0);
    p = madd::<FMA>(p, r, 1.0 / 6.0);
    p = madd::<FMA>(p, r, 0.5);
    p = madd::<FMA>(p, r, 1.0);
    p = madd::<FMA>(p, r, 1.0);
    // The low bits of `t` hold k (two's complement); k + 1023 ∈ [1, 1023] for x ∈ [−708, 0].
    let scale = f64::from_bits((t.to_bits().wrapping_add(1023)) << 52);
    p * scale
}

/// Running `(max, Σ exp(a − max))` of a logsumexp.
#[derive(Clone, Copy)]
pub(crate) struct LogSumExp {
    max: f64,
    sum: f64,
}

impl LogSumExp {
    pub(crate) fn new() -> Self {
        Self {
            max: f64::NEG_INFINITY,
            sum: 0.0,
        }
    }

    /// `log Σ exp(a)` of everything merged so far (`−∞` when empty).
    pub(crate) fn value(&self) -> f64 {
        self.max + self.sum.ln()
    }

    fn merge(&mut self, max: f64, sum: f64) {
        if max > self.max {
            self.sum = self.sum * (self.max - max).exp() + sum;
            self.max = max;
        } else {
            self.sum += sum * (max - self.max).exp();
        }
    }
}

/// Adds the block `a_i = log_w_i − ½ |q − z_i|²` to `acc`, with the whitened kernel centres
/// stored column by column (`zt[j]` is coordinate `j` of the block's kernels).
#[inline(always)]
fn block_impl<const FMA: bool>(
    q: &[f64],
    zt: &[&[f64]],
    log_w: &[f64],
    buf: &mut [f64],
    acc: &mut LogSumExp,
) {
    let len = log_w.len();
    let a = &mut buf[..len];
    a.copy_from_slice(log_w);
    for (&qj, zj) in q.iter().zip(zt) {
        for (ak, &z) in a.iter_mut().zip(&zj[..len]) {
            let t = qj - z;
            *ak -= 0.5 * t * t;
        }
    }
    let mut m4 = [f64::NEG_INFINITY; 4];
    let mut chunks = a.chunks_exact(4);
    for c in &mut chunks {
        for l in 0..4 {
            m4[l] = if c[l] > m4[l] { c[l] } else { m4[l] };
        }
    }
    let mut m = m4.iter().fold(f64::NEG_INFINITY, |x, &y| x.max(y));
    for &v in chunks.remainder() {
        m = m.max(v);
    }
    if m == f64::NEG_INFINITY {
        return;
    }
    let mut s8 = [0.0; 8];
    let mut chunks = a.chunks_exact(8);
    for c in &mut chunks {
        for l in 0..8 {
            s8[l] += exp_nonpos_impl::<FMA>(c[l] - m);
        }
    }
    let mut s: f64 = s8.iter().sum();
    for &v in chunks.remainder() {
        s += exp_nonpos_impl::<FMA>(v - m);
    }
    acc.merge(m, s);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn block_avx2(
    q: &[f64],
    zt: &[&[f64]],
    log_w: &[f64],
    buf: &mut [f64],
    acc: &mut LogSumExp,
) {
    block_impl::<true>(q, zt, log_w, buf, acc)
}

/// A term more than `PRUNE` below the running maximum changes the sum by less than `e^−PRUNE`
/// (≈ 2e−22) relative, per kernel.
const PRUNE: f64 = 50.0;

/// Whitened kernels arranged for fast logsumexp: spatially sorted into blocks of [`BLOCK`],
/// each with its bounding box and largest log-weight, so that blocks that cannot contribute
/// to a query (every term more than `PRUNE` below the best term found) are skipped.
#[derive(Debug, Clone)]
pub(crate) struct KernelBlocks {
    n: usize,
    d: usize,
    /// Whitened centres, column-major (`zt[j * n + i]`).
    zt: Vec<f64>,
    log_w: Vec<f64>,
    /// Per block: `d` lower then `d` upper corners of the bounding box.
    boxes: Vec<f64>,
    max_log_w: Vec<f64>,
}

/// The order in which to store kernels so that blocks are compact: sorted by the first
/// whitened coordinate, cut into about `√(n/BLOCK)` strips, each sorted by the second
/// coordinate (ties broken by every coordinate, so the order does not depend on the input
/// order except between identical kernels).
pub(crate) fn spatial_order(z: &[Vec<f64>]) -> Vec<usize> {
    let n = z.len();
    let key = |a: &usize, b: &usize, first: usize| {
        let (za, zb) = (&z[*a], &z[*b]);
        let d = za.len();
        (0..d)
            .map(|k| (first + k) % d)
            .map(|j| za[j].total_cmp(&zb[j]))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    };
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|a, b| key(a, b, 0));
    if z.first().is_some_and(|r| r.len() >= 2) {
        let blocks = n.div_ceil(BLOCK).max(1);
        let strips = (blocks as f64).sqrt().ceil() as usize;
        let per_strip = (blocks.div_ceil(strips)) * BLOCK;
        for chunk in idx.chunks_mut(per_strip) {
            chunk.sort_by(|a, b| key(a, b, 1));
        }
    }
    idx
}

impl KernelBlocks {
    /// Blocks over whitened centres `z` (rows, already in storage order) and log-weights.
    pub(crate) fn new(z: &[Vec<f64>], log_w: Vec<f64>) -> Self {
        let n = z.len();
        let d = z.first().map_or(0, |r| r.len());
        let mut zt = vec![0.0; n * d];
        for (i, r) in z.iter().enumerate() {
            for j in 0..d {
                zt[j * n + i] = r[j];
            }
        }
        let mut boxes = Vec::new();
        let mut max_log_w = Vec::new();
        for start in (0..n).step_by(BLOCK) {
            let end = (start + BLOCK).min(n);
            let mut lo = vec![f64::INFINITY; d];
            let mut hi = vec![f64::NEG_INFINITY; d];
            for r in &z[start..end] {
                for j in 0..d {
                    lo[j] = lo[j].min(r[j]);
                    hi[j] = hi[j].max(r[j]);
                }
            }
            boxes.extend(lo);
            boxes.extend(hi);
            max_log_w.push(
                log_w[start..end]
                    .iter()
                    .cloned()
                    .fold(f64::NEG_INFINITY, f64::max),
            );
        }
        Self {
            n,
            d,
            zt,
            log_w,
            boxes,
            max_log_w,
        }
    }

    /// Upper bound of every term of block `b` for query `q`.
    fn bound(&self, b: usize, q: &[f64]) -> f64 {
        let (lo, hi) = self.boxes[2 * self.d * b..2 * self.d * (b + 1)].split_at(self.d);
        let mut d2 = 0.0;
        for j in 0..self.d {
            let gap = (lo[j] - q[j]).max(q[j] - hi[j]).max(0.0);
            d2 += gap * gap;
        }
        self.max_log_w[b] - 0.5 * d2
    }

    /// `log Σ_i exp(log_w_i − ½ |q − z_i|²)` for a whitened query `q`: the block with the
    /// largest bound first, then every block whose bound is within `PRUNE` of the best term.
    pub(crate) fn log_sum(&self, q: &[f64]) -> f64 {
        let nb = self.max_log_w.len();
        let bounds: Vec<f64> = (0..nb).map(|b| self.bound(b, q)).collect();
        let first = (0..nb)
            .max_by(|&a, &b| bounds[a].total_cmp(&bounds[b]))
            .unwrap_or(0);
        let mut buf = [0.0; BLOCK];
        let mut acc = LogSumExp::new();
        #[cfg(target_arch = "x86_64")]
        let avx2 = std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma");
        let mut cols: Vec<&[f64]> = Vec::with_capacity(self.d);
        for b in std::iter::once(first).chain((0..nb).filter(|&b| b != first)) {
            if b != first && bounds[b] < acc.max - PRUNE {
                continue;
            }
            let (start, end) = (b * BLOCK, ((b + 1) * BLOCK).min(self.n));
            cols.clear();
            cols.extend((0..self.d).map(|j| &self.zt[j * self.n + start..j * self.n + end]));
            let lw = &self.log_w[start..end];
            #[cfg(target_arch = "x86_64")]
            {
                if avx2 {
                    // SAFETY: the CPU supports AVX2 and FMA (checked above).
                    unsafe { block_avx2(q, &cols, lw, &mut buf, &mut acc) };
                } else {
                    block_impl::<false>(q, &cols, lw, &mut buf, &mut acc);
                }
            }
            #[cfg(not(target_arch = "x86_64"))]
            block_impl::<false>(q, &cols, lw, &mut buf, &mut acc);
        }
        acc.value()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_exp_matches_libm() {
        let mut worst: f64 = 0.0;
        let mut x = 0.0;
        while x > -700.0 {
            for e in [exp_nonpos(x), exp_nonpos_impl::<true>(x)] {
                worst = worst.max((e - x.exp()).abs() / x.exp());
            }
            x -= 0.0137;
        }
        assert!(worst < 5e-16, "worst relative error {worst}");
        assert_eq!(exp_nonpos(0.0), 1.0);
        assert!(exp_nonpos(-1e300) >= 0.0 && exp_nonpos(-1e300) < 1e-300);
    }

    #[test]
    fn blocked_logsumexp_matches_direct_sum_without_underflow() {
        // 1000 kernels in 2-D, a query far away: a direct sum of exp underflows to 0.
        let n = 1000;
        let zt: Vec<f64> = (0..2 * n).map(|i| ((i * 37) % 101) as f64 * 0.01).collect();
        let log_w: Vec<f64> = (0..n)
            .map(|i| -((n as f64).ln()) + 1e-3 * i as f64)
            .collect();
        for q in [[0.3, 0.7], [80.0, -60.0], [0.1, 30.0]] {
            let terms: Vec<f64> = (0..n)
                .map(|i| {
                    let (a, b) = (q[0] - zt[i], q[1] - zt[n + i]);
                    log_w[i] - 0.5 * (a * a + b * b)
                })
                .collect();
            let m = terms.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let direct = m + terms.iter().map(|t| (t - m).exp()).sum::<f64>().ln();
            let rows: Vec<Vec<f64>> = (0..n).map(|i| vec![zt[i], zt[n + i]]).collect();
            let order = spatial_order(&rows);
            let sorted: Vec<Vec<f64>> = order.iter().map(|&i| rows[i].clone()).collect();
            let blocks = KernelBlocks::new(&sorted, order.iter().map(|&i| log_w[i]).collect());
            let fast = blocks.log_sum(&q);
            assert!(fast.is_finite());
            assert!(
                (fast - direct).abs() < 1e-12 * direct.abs().max(1.0),
                "{fast} vs {direct}"
            );
        }
    }
}
