//! The native MAF kernels: forward pass with a tape, hand-written backward pass, and the
//! block-sequential inverse, over a flat parameter vector (see [`Layout`]).
//!
//! Matrix products go through `gemm` single-threaded (`Parallelism::None`: the target is CPU
//! time, not wall time), everything else is fused loops. With a chain state `v` (natural
//! variable order) and MADE `k` of order `π`:
//!
//! `x_p = v_{π(p)}`, `(μ_p, s̃_p) = MADE(x)_p`, `s_p = c·tanh(s̃_p/c)`,
//! `z_p = (x_p − μ_p) e^{−s_p}`, `v'_{π(p)} = z_p`,
//!
//! and `log q(y) = Σ_i log φ(v_K,i) − Σ_k Σ_p s_{k,p}`. The backward pass is the chain rule of
//! these lines, checked against candle's autograd in the tests of [`super::candle_net`].

#![allow(clippy::needless_range_loop)]

use gemm::Parallelism;

use super::config::Activation;
use super::made::Layout;
use super::real::Real;
use crate::transform::normal::HALF_LN_2PI;

/// `dst[i·dst_rs + j] (+)= Σ_l lhs[i·lrs + l·lcs] · rhs[l·rrs + j·rcs]` for an `m × n` result
/// with inner size `k`; `acc` adds to `dst` instead of overwriting it. Bounds are checked.
#[allow(clippy::too_many_arguments)]
fn matmul<T: Real>(
    shape: (usize, usize, usize),
    dst: &mut [T],
    dst_rs: usize,
    acc: bool,
    lhs: &[T],
    l_strides: (usize, usize),
    rhs: &[T],
    r_strides: (usize, usize),
) {
    matmul_strided(shape, dst, (dst_rs, 1), acc, lhs, l_strides, rhs, r_strides)
}

/// [`matmul`] with any destination strides: `dst[i·dst_rs + j·dst_cs]`.
#[allow(clippy::too_many_arguments)]
fn matmul_strided<T: Real>(
    (m, n, k): (usize, usize, usize),
    dst: &mut [T],
    (dst_rs, dst_cs): (usize, usize),
    acc: bool,
    lhs: &[T],
    (lrs, lcs): (usize, usize),
    rhs: &[T],
    (rrs, rcs): (usize, usize),
) {
    if m == 0 || n == 0 {
        return;
    }
    assert!(
        (m - 1) * dst_rs + (n - 1) * dst_cs < dst.len(),
        "matmul dst out of bounds"
    );
    if k == 0 {
        if !acc {
            for i in 0..m {
                for j in 0..n {
                    dst[i * dst_rs + j * dst_cs] = T::ZERO;
                }
            }
        }
        return;
    }
    assert!(
        (m - 1) * lrs + (k - 1) * lcs < lhs.len(),
        "matmul lhs out of bounds"
    );
    assert!(
        (k - 1) * rrs + (n - 1) * rcs < rhs.len(),
        "matmul rhs out of bounds"
    );
    // SAFETY: the asserts above keep every index that gemm touches inside the slices, and
    // `dst` does not alias `lhs` or `rhs` (it is borrowed mutably).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            dst_cs as isize,
            dst_rs as isize,
            acc,
            lhs.as_ptr(),
            lcs as isize,
            lrs as isize,
            rhs.as_ptr(),
            rcs as isize,
            rrs as isize,
            T::ONE,
            T::ONE,
            false,
            false,
            false,
            Parallelism::None,
        );
    }
}

#[inline(always)]
fn activate<T: Real>(act: Activation, h: &mut [T]) {
    match act {
        Activation::Tanh => h.iter_mut().for_each(|v| *v = v.tanh()),
        // A select, not a branch: half the units are negative, in no predictable pattern.
        Activation::Relu => h
            .iter_mut()
            .for_each(|v| *v = if *v < T::ZERO { T::ZERO } else { *v }),
    }
}

/// Multiplies `g` by the activation's derivative, written in terms of its output `h`.
#[inline(always)]
fn activate_backward<T: Real>(act: Activation, h: &[T], g: &mut [T]) {
    match act {
        Activation::Tanh => g.iter_mut().zip(h).for_each(|(g, &h)| *g *= T::ONE - h * h),
        Activation::Relu => g.iter_mut().zip(h).for_each(|(g, &h)| {
            if h <= T::ZERO {
                *g = T::ZERO
            }
        }),
    }
}

/// What the forward pass keeps for the backward pass, per MADE.
#[derive(Debug, Default)]
pub(crate) struct Tape<T> {
    rows: usize,
    /// Per MADE: inputs in position order (`B × d`).
    xin: Vec<Vec<T>>,
    /// Per MADE and hidden layer: activations (`B × n_l`).
    hs: Vec<Vec<Vec<T>>>,
    /// Per MADE: clamped log-scales `s` (`B × d`).
    s: Vec<Vec<T>>,
    /// Per MADE: outputs `z` in position order (`B × d`).
    z: Vec<Vec<T>>,
    /// The final state `v_K` (natural order).
    v: Vec<T>,
    /// Scratch: the raw output layer (`B × 2d`).
    out: Vec<T>,
}

impl<T: Real> Tape<T> {
    fn prepare(&mut self, lay: &Layout, rows: usize, slots: usize) {
        let d = lay.arch.dim;
        let resize = |v: &mut Vec<T>, n: usize| {
            v.clear();
            v.resize(n, T::ZERO);
        };
        self.rows = rows;
        self.xin.resize_with(slots, Vec::new);
        self.s.resize_with(slots, Vec::new);
        self.z.resize_with(slots, Vec::new);
        self.hs.resize_with(slots, Vec::new);
        for k in 0..slots {
            resize(&mut self.xin[k], rows * d);
            resize(&mut self.s[k], rows * d);
            resize(&mut self.z[k], rows * d);
            self.hs[k].resize_with(lay.arch.hidden.len(), Vec::new);
            for (l, &n) in lay.arch.hidden.iter().enumerate() {
                resize(&mut self.hs[k][l], rows * n);
            }
        }
        resize(&mut self.v, rows * d);
        resize(&mut self.out, rows * 2 * d);
    }
}

/// Defines `$fast`: `$name` compiled for AVX2 + FMA when the CPU has them, else `$name`. The
/// results are the same bits either way (Rust never contracts `a * b + c` into an FMA); the
/// wider vectors only speed up the elementwise loops (activations, scales).
macro_rules! multiversion {
    ($fast:ident, $avx:ident, $name:ident, ($($arg:ident: $t:ty),*)) => {
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2,fma")]
        unsafe fn $avx<T: Real>($($arg: $t),*) {
            $name($($arg),*)
        }

        #[doc = concat!("[`", stringify!($name), "`], with AVX2 + FMA where available.")]
        pub(crate) fn $fast<T: Real>($($arg: $t),*) {
            #[cfg(target_arch = "x86_64")]
            {
                if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                    // SAFETY: the CPU supports the features the function was compiled for.
                    unsafe { $avx($($arg),*) };
                    return;
                }
            }
            $name($($arg),*)
        }
    };
}

multiversion!(forward_fast, forward_avx2, forward, (lay: &Layout, params: &[T], y: &[T], keep: bool, tape: &mut Tape<T>, logq: &mut [T]));
multiversion!(backward_fast, backward_avx2, backward, (lay: &Layout, params: &[T], tape: &Tape<T>, g_logq: &[T], grad: &mut [T]));
multiversion!(inverse_fast, inverse_avx2, inverse, (lay: &Layout, params: &[T], v: &mut [T]));

/// `log q(y)` for the `B = y.len() / d` rows of `y` (natural order), written to `logq`.
/// With `keep`, the tape holds every MADE's intermediates for [`backward`].
#[inline(always)]
pub(crate) fn forward<T: Real>(
    lay: &Layout,
    params: &[T],
    y: &[T],
    keep: bool,
    tape: &mut Tape<T>,
    logq: &mut [T],
) {
    if !keep {
        return forward_eval(lay, params, y, tape, logq);
    }
    let d = lay.arch.dim;
    let rows = y.len() / d;
    let n_mades = lay.arch.n_mades;
    tape.prepare(lay, rows, if keep { n_mades } else { 1 });
    let c = T::from_f64(lay.arch.clamp);
    let inv_c = T::from_f64(1.0 / lay.arch.clamp);
    let nh = lay.arch.hidden.len();
    logq.fill(T::ZERO);
    tape.v.copy_from_slice(y);
    for k in 0..n_mades {
        let slot = if keep { k } else { 0 };
        let p = &params[k * lay.made_size..(k + 1) * lay.made_size];
        let order = &lay.orders[k];
        let Tape {
            xin,
            hs,
            s,
            z,
            v,
            out,
            ..
        } = tape;
        let (xin, hs, s, z) = (&mut xin[slot], &mut hs[slot], &mut s[slot], &mut z[slot]);
        for b in 0..rows {
            for (pos, &var) in order.iter().enumerate() {
                xin[b * d + pos] = v[b * d + var];
            }
        }
        for l in 0..=nh {
            let ls = lay.layers[l];
            let (input, dst): (&[T], &mut [T]) = if l == nh {
                (
                    if nh == 0 { &xin[..] } else { &hs[nh - 1][..] },
                    &mut out[..],
                )
            } else if l == 0 {
                (&xin[..], &mut hs[0][..])
            } else {
                let (a, b) = hs.split_at_mut(l);
                (&a[l - 1][..], &mut b[0][..])
            };
            let bias = &p[ls.b_off..ls.b_off + ls.n_out];
            for row in dst.chunks_exact_mut(ls.n_out) {
                row.copy_from_slice(bias);
            }
            let w = &p[ls.w_off..ls.w_off + ls.n_out * ls.n_in];
            // The mask's zero blocks are skipped (see `Layout::dense_blocks`).
            for (r0, r1, k) in lay.dense_blocks(l) {
                matmul(
                    (rows, r1 - r0, k),
                    &mut dst[r0..],
                    ls.n_out,
                    true,
                    input,
                    (ls.n_in, 1),
                    &w[r0 * ls.n_in..],
                    (1, ls.n_in),
                );
            }
            if l < nh {
                activate(lay.arch.activation, dst);
            }
        }
        for b in 0..rows {
            let mut ssum = T::ZERO;
            for (pos, &var) in order.iter().enumerate() {
                let mu = out[b * 2 * d + pos];
                let sv = c * (out[b * 2 * d + d + pos] * inv_c).tanh();
                let zv = (xin[b * d + pos] - mu) * (-sv).exp();
                s[b * d + pos] = sv;
                z[b * d + pos] = zv;
                v[b * d + var] = zv;
                ssum += sv;
            }
            logq[b] = logq[b] - ssum;
        }
    }
    let norm = T::from_f64(d as f64 * HALF_LN_2PI);
    let half = T::from_f64(0.5);
    for b in 0..rows {
        let mut sq = T::ZERO;
        for &vi in &tape.v[b * d..(b + 1) * d] {
            sq += vi * vi;
        }
        logq[b] = logq[b] - half * sq - norm;
    }
}

/// [`forward`] without a tape, for evaluation: the same equations with the layer outputs
/// stored unit by unit (column-major, `buf[j·B + b]`), so that bias, activation and the affine
/// map run as long vectorised loops over the rows of one unit, and the all-zero blocks of
/// the hidden → hidden masks are skipped as in [`forward`].
#[inline(always)]
fn forward_eval<T: Real>(lay: &Layout, params: &[T], y: &[T], tape: &mut Tape<T>, logq: &mut [T]) {
    let d = lay.arch.dim;
    let rows = y.len() / d;
    let nh = lay.arch.hidden.len();
    let c = T::from_f64(lay.arch.clamp);
    let inv_c = T::from_f64(1.0 / lay.arch.clamp);
    let max_w = lay.layers.iter().map(|l| l.n_out).max().unwrap_or(0);
    let resize = |v: &mut Vec<T>, n: usize| {
        v.clear();
        v.resize(n, T::ZERO);
    };
    // Scratch from the tape: two layer buffers, the inputs in position order, the state.
    tape.rows = rows;
    tape.hs.resize_with(1, Vec::new);
    tape.hs[0].resize_with(2, Vec::new);
    tape.xin.resize_with(1, Vec::new);
    let (mut a, mut bb) = {
        let h = &mut tape.hs[0];
        (std::mem::take(&mut h[0]), std::mem::take(&mut h[1]))
    };
    resize(&mut a, rows * max_w);
    resize(&mut bb, rows * max_w);
    let xin = &mut tape.xin[0];
    resize(xin, rows * d);
    let v = &mut tape.v;
    v.clear();
    v.extend_from_slice(y);
    logq.fill(T::ZERO);
    for k in 0..lay.arch.n_mades {
        let p = &params[k * lay.made_size..(k + 1) * lay.made_size];
        let order = &lay.orders[k];
        // Inputs in position order, unit-major: xin[pos·B + b].
        for (pos, &var) in order.iter().enumerate() {
            let col = &mut xin[pos * rows..(pos + 1) * rows];
            for (b, x) in col.iter_mut().enumerate() {
                *x = v[b * d + var];
            }
        }
        for l in 0..=nh {
            let ls = lay.layers[l];
            let input: &[T] = if l == 0 { &xin[..] } else { &a[..] };
            let w = &p[ls.w_off..ls.w_off + ls.n_out * ls.n_in];
            for (r0, r1, k) in lay.dense_blocks(l) {
                matmul_strided(
                    (rows, r1 - r0, k),
                    &mut bb[r0 * rows..],
                    (1, rows),
                    false,
                    input,
                    (1, rows),
                    &w[r0 * ls.n_in..],
                    (1, ls.n_in),
                );
            }
            if l < nh {
                for h in 0..ls.n_out {
                    let bias = p[ls.b_off + h];
                    let col = &mut bb[h * rows..(h + 1) * rows];
                    col.iter_mut().for_each(|v| *v += bias);
                    activate(lay.arch.activation, col);
                }
                std::mem::swap(&mut a, &mut bb);
            }
        }
        // bb holds the output layer: μ_pos in column pos, s̃_pos in column d + pos.
        for (pos, &var) in order.iter().enumerate() {
            let (b_mu, b_s) = (p[lo_bias(lay) + pos], p[lo_bias(lay) + d + pos]);
            let mu = &bb[pos * rows..(pos + 1) * rows];
            let st = &bb[(d + pos) * rows..(d + pos + 1) * rows];
            let xc = &mut xin[pos * rows..(pos + 1) * rows];
            for (((x, lq), &m), &st) in xc.iter_mut().zip(logq.iter_mut()).zip(mu).zip(st) {
                let sv = c * ((st + b_s) * inv_c).tanh();
                *x = (*x - (m + b_mu)) * (-sv).exp();
                *lq = *lq - sv;
            }
            for (b, &z) in xc.iter().enumerate() {
                v[b * d + var] = z;
            }
        }
    }
    let norm = T::from_f64(d as f64 * HALF_LN_2PI);
    let half = T::from_f64(0.5);
    for b in 0..rows {
        let mut sq = T::ZERO;
        for &vi in &v[b * d..(b + 1) * d] {
            sq += vi * vi;
        }
        logq[b] = logq[b] - half * sq - norm;
    }
    tape.hs[0][0] = a;
    tape.hs[0][1] = bb;
}

/// Offset of the output layer's biases within a MADE's slice.
#[inline(always)]
fn lo_bias(lay: &Layout) -> usize {
    lay.layers[lay.arch.hidden.len()].b_off
}

/// Gradient of `L = Σ_b g_b log q(y_b)` with respect to every parameter, from the tape of a
/// [`forward`] call with `keep = true`, written (not added) into `grad`. Masked entries are
/// zeroed, so masked weights stay exactly zero under any gradient-based update.
#[inline(always)]
pub(crate) fn backward<T: Real>(
    lay: &Layout,
    params: &[T],
    tape: &Tape<T>,
    g_logq: &[T],
    grad: &mut [T],
) {
    let d = lay.arch.dim;
    let rows = tape.rows;
    let nh = lay.arch.hidden.len();
    let inv_c2 = T::from_f64(1.0 / (lay.arch.clamp * lay.arch.clamp));
    // dL/dv_K = g_b · (−v).
    let mut gv: Vec<T> = (0..rows * d)
        .map(|i| -(g_logq[i / d] * tape.v[i]))
        .collect();
    let mut gz = vec![T::ZERO; rows * d];
    let mut gdirect = vec![T::ZERO; rows * d];
    let mut gout = vec![T::ZERO; rows * 2 * d];
    let max_w = lay
        .layers
        .iter()
        .map(|l| l.n_in.max(l.n_out))
        .max()
        .unwrap_or(0);
    let mut gh = vec![T::ZERO; rows * max_w];
    let mut gh_next = vec![T::ZERO; rows * max_w];
    for k in (0..lay.arch.n_mades).rev() {
        let p = &params[k * lay.made_size..(k + 1) * lay.made_size];
        let gp = &mut grad[k * lay.made_size..(k + 1) * lay.made_size];
        let order = &lay.orders[k];
        let (xin, hs, s, z) = (&tape.xin[k], &tape.hs[k], &tape.s[k], &tape.z[k]);
        for b in 0..rows {
            let gb = g_logq[b];
            for (pos, &var) in order.iter().enumerate() {
                let i = b * d + pos;
                gz[i] = gv[b * d + var];
                let es = (-s[i]).exp();
                gout[b * 2 * d + pos] = -(gz[i] * es);
                let gs = -(gz[i] * z[i]) - gb;
                gout[b * 2 * d + d + pos] = gs * (T::ONE - s[i] * s[i] * inv_c2);
                gdirect[i] = gz[i] * es;
            }
        }
        // Back through the layers, from the output layer down; `gh` holds dL/d(layer output).
        for l in (0..=nh).rev() {
            let ls = lay.layers[l];
            let input: &[T] = if l == 0 { xin } else { &hs[l - 1] };
            let g_out: &mut [T] = if l == nh {
                &mut gout
            } else {
                let g = &mut gh[..rows * ls.n_out];
                activate_backward(lay.arch.activation, &hs[l], g);
                g
            };
            matmul(
                (ls.n_out, ls.n_in, rows),
                &mut gp[ls.w_off..ls.w_off + ls.n_out * ls.n_in],
                ls.n_in,
                false,
                g_out,
                (1, ls.n_out),
                input,
                (ls.n_in, 1),
            );
            let gbias = &mut gp[ls.b_off..ls.b_off + ls.n_out];
            gbias.fill(T::ZERO);
            for row in g_out.chunks_exact(ls.n_out) {
                for (a, &v) in gbias.iter_mut().zip(row) {
                    *a += v;
                }
            }
            matmul(
                (rows, ls.n_in, ls.n_out),
                &mut gh_next[..rows * ls.n_in],
                ls.n_in,
                false,
                g_out,
                (ls.n_out, 1),
                &p[ls.w_off..ls.w_off + ls.n_out * ls.n_in],
                (ls.n_in, 1),
            );
            std::mem::swap(&mut gh, &mut gh_next);
        }
        // gh now holds dL/dx through the network; add the direct path and un-permute.
        for b in 0..rows {
            for (pos, &var) in order.iter().enumerate() {
                gv[b * d + var] = gh[b * d + pos] + gdirect[b * d + pos];
            }
        }
    }
    lay.apply_mask(grad);
}

/// Inverts the chain: `y = F⁻¹(z)` for the rows of `z` (natural order), in place.
///
/// Each MADE is inverted in `d` sequential passes over positions; pass `p` computes `x_p` from
/// the hidden units of degree `≤ p` (already known), then only the hidden units of degree
/// `p + 1`, which are one contiguous block thanks to the sorted degrees. The whole inverse so
/// costs about one forward pass per MADE. The inputs, outputs and hidden activations are
/// stored unit by unit (column-major, `hs[l][h·B + b]`), so that a block of units is contiguous: the bias and
/// activation of a block run as one long vectorised loop per unit.
#[inline(always)]
pub(crate) fn inverse<T: Real>(lay: &Layout, params: &[T], v: &mut [T]) {
    let d = lay.arch.dim;
    let rows = v.len() / d;
    let nh = lay.arch.hidden.len();
    let c = T::from_f64(lay.arch.clamp);
    let inv_c = T::from_f64(1.0 / lay.arch.clamp);
    let mut zpos = vec![T::ZERO; rows * d];
    let mut x = vec![T::ZERO; rows * d];
    let mut hs: Vec<Vec<T>> = lay
        .arch
        .hidden
        .iter()
        .map(|&n| vec![T::ZERO; rows * n])
        .collect();
    let mut out2 = vec![T::ZERO; rows * 2];
    let lo = lay.layers[nh];
    for k in (0..lay.arch.n_mades).rev() {
        let p = &params[k * lay.made_size..(k + 1) * lay.made_size];
        let order = &lay.orders[k];
        for (pos, &var) in order.iter().enumerate() {
            for (b, z) in zpos[pos * rows..(pos + 1) * rows].iter_mut().enumerate() {
                *z = v[b * d + var];
            }
        }
        for pos in 0..d {
            // (row stride, column stride, inner size) of the source of the output layer.
            let (src, src_s, kk): (&[T], (usize, usize), usize) = if nh == 0 {
                (&x, (1, rows), pos)
            } else {
                (&hs[nh - 1], (1, rows), lay.ends[nh - 1][pos])
            };
            // The biases are added below, in the same loop as the affine map.
            let (b_mu, b_s) = (p[lo.b_off + pos], p[lo.b_off + d + pos]);
            matmul_strided(
                (rows, 2, kk),
                &mut out2,
                (1, rows),
                false,
                src,
                src_s,
                &p[lo.w_off + pos * lo.n_in..lo.w_off + lo.n_out * lo.n_in],
                (1, d * lo.n_in),
            );
            let (mu, st) = out2.split_at(rows);
            let xc = &mut x[pos * rows..(pos + 1) * rows];
            let zc = &zpos[pos * rows..(pos + 1) * rows];
            for (((x, &z), &m), &st) in xc.iter_mut().zip(zc).zip(mu).zip(st) {
                let sv = c * ((st + b_s) * inv_c).tanh();
                *x = z * sv.exp() + (m + b_mu);
            }
            if pos + 1 == d {
                break;
            }
            let m = pos + 1;
            for l in 0..nh {
                let ls = lay.layers[l];
                let (r0, r1) = (lay.ends[l][m - 1], lay.ends[l][m]);
                if r0 == r1 {
                    continue;
                }
                let (before, rest) = hs.split_at_mut(l);
                let dst = &mut rest[0];
                let (src, src_s, kk): (&[T], (usize, usize), usize) = if l == 0 {
                    (&x, (1, rows), m)
                } else {
                    (&before[l - 1], (1, rows), lay.ends[l - 1][m])
                };
                matmul_strided(
                    (rows, r1 - r0, kk),
                    &mut dst[r0 * rows..],
                    (1, rows),
                    false,
                    src,
                    src_s,
                    &p[ls.w_off + r0 * ls.n_in..ls.w_off + ls.n_out * ls.n_in],
                    (1, ls.n_in),
                );
                for h in r0..r1 {
                    let bias = p[ls.b_off + h];
                    let col = &mut dst[h * rows..(h + 1) * rows];
                    col.iter_mut().for_each(|v| *v += bias);
                    activate(lay.arch.activation, col);
                }
            }
        }
        for (pos, &var) in order.iter().enumerate() {
            for (b, &xv) in x[pos * rows..(pos + 1) * rows].iter().enumerate() {
                v[b * d + var] = xv;
            }
        }
    }
}

#[cfg(test)]
impl<T> Tape<T> {
    /// The `z` of MADE `k` (position order), for the tests.
    pub(crate) fn z_of(&self, k: usize) -> &[T] {
        &self.z[k]
    }
}
