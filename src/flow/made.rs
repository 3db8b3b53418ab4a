//! MADE: masked autoencoder for distribution estimation (Germain et al. 2015,
//! arXiv:1502.03509), and the parameter layout of a chain of MADEs.
//!
//! Each MADE works in *position space*: the input column `p` is the variable at position `p`
//! of the MADE's variable order, with degree `p + 1`. Hidden unit `h` of every hidden layer has
//! a degree `m(h) ∈ {1, …, max(d − 1, 1)}`; the degrees cycle over that range (unit `h` gets
//! `h mod (d − 1) + 1` up to a permutation) and are stored **sorted**, so that the units of
//! each degree form one contiguous block. The masks are
//!
//! - input → first hidden layer: `M[h, p] = 1` iff `m(h) ≥ p + 1`;
//! - hidden → hidden: `M[h', h] = 1` iff `m(h') ≥ m(h)`;
//! - last hidden → output: the outputs are `(μ_p, s_p)` for `p = 0…d−1` (rows `p` and `d + p`),
//!   with `M[·, h] = 1` iff `p + 1 > m(h)`.
//!
//! So `μ_p` and `s_p` depend only on the inputs at positions `< p`: the autoregressive
//! property. Because the masks live in position space, every MADE of the chain shares them;
//! only the variable order differs. The sorted blocks let the inverse (sampling) compute only
//! the units of one new degree per sequential pass, so a full inverse costs about one forward
//! pass instead of `d`.

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::config::Activation;
use crate::rng::MfRng;

/// The shape of a MAF: what `model.yaml` records under `architecture`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Architecture {
    /// Dimension `d`.
    pub dim: usize,
    /// Number of MADEs `K` in the chain.
    pub n_mades: usize,
    /// Hidden layer widths of each MADE.
    pub hidden: Vec<usize>,
    /// Hidden activation.
    pub activation: Activation,
    /// Soft clamp `c` of the log-scales: `s = c · tanh(s_raw / c)`.
    pub clamp: f64,
}

/// One dense (masked) layer inside one MADE's slice of the flat parameter vector.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LayerShape {
    /// Inputs.
    pub n_in: usize,
    /// Outputs.
    pub n_out: usize,
    /// Offset of the `n_out × n_in` row-major weight within the MADE's slice.
    pub w_off: usize,
    /// Offset of the `n_out` biases within the MADE's slice.
    pub b_off: usize,
}

/// Degrees, masks and the flat parameter layout of a chain of MADEs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Layout {
    pub arch: Architecture,
    /// Variable order of each MADE: `orders[k][p]` is the variable at position `p`.
    pub orders: Vec<Vec<usize>>,
    /// The layers of one MADE (hidden layers, then the output layer of width `2d`).
    pub layers: Vec<LayerShape>,
    /// Parameters per MADE.
    pub made_size: usize,
    /// `ends[l][m]`: number of units of hidden layer `l` with degree `≤ m`, for `m = 0…d`.
    pub ends: Vec<Vec<usize>>,
    /// The mask of one MADE's slice (1 for biases and allowed weights, 0 otherwise).
    pub mask: Vec<f64>,
}

/// Sorted hidden degrees of a layer of `n` units for dimension `d`: the multiset of
/// `h mod D + 1`, `D = max(d − 1, 1)`, in increasing order.
pub fn hidden_degrees(n: usize, d: usize) -> Vec<usize> {
    let big_d = d.saturating_sub(1).max(1);
    let mut deg: Vec<usize> = (0..n).map(|h| h % big_d + 1).collect();
    deg.sort_unstable();
    deg
}

/// The default variable orders: MADE `k` uses the identity rotated left by `⌊k/2⌋`, reversed
/// when `k` is odd (for `d = 2`: identity, reverse, identity, …).
pub fn default_orders(d: usize, n_mades: usize) -> Vec<Vec<usize>> {
    (0..n_mades)
        .map(|k| {
            let shift = (k / 2) % d.max(1);
            let mut o: Vec<usize> = (0..d).map(|i| (i + shift) % d).collect();
            if k % 2 == 1 {
                o.reverse();
            }
            o
        })
        .collect()
}

impl Layout {
    /// The layout for an architecture and variable orders (checked by the caller).
    pub fn new(arch: Architecture, orders: Vec<Vec<usize>>) -> Self {
        let d = arch.dim;
        let mut layers = Vec::new();
        let mut off = 0;
        let mut n_in = d;
        let widths: Vec<usize> = arch.hidden.iter().copied().chain([2 * d]).collect();
        for &n_out in &widths {
            layers.push(LayerShape {
                n_in,
                n_out,
                w_off: off,
                b_off: off + n_out * n_in,
            });
            off += n_out * n_in + n_out;
            n_in = n_out;
        }
        let degrees: Vec<Vec<usize>> = arch.hidden.iter().map(|&n| hidden_degrees(n, d)).collect();
        let ends = degrees
            .iter()
            .map(|deg| {
                (0..=d)
                    .map(|m| deg.iter().filter(|&&g| g <= m).count())
                    .collect()
            })
            .collect();
        let mut mask = vec![1.0; off];
        for (l, ls) in layers.iter().enumerate() {
            for o in 0..ls.n_out {
                for i in 0..ls.n_in {
                    let allowed = if l == 0 && l < arch.hidden.len() {
                        degrees[0][o] > i // m(h) ≥ p + 1
                    } else if l < arch.hidden.len() {
                        degrees[l][o] >= degrees[l - 1][i]
                    } else {
                        let p = o % d;
                        let m_in = if l == 0 { i + 1 } else { degrees[l - 1][i] };
                        p + 1 > m_in
                    };
                    if !allowed {
                        mask[ls.w_off + o * ls.n_in + i] = 0.0;
                    }
                }
            }
        }
        Self {
            arch,
            orders,
            layers,
            made_size: off,
            ends,
            mask,
        }
    }

    /// The non-zero blocks of layer `l`'s masked weight matrix, as `(r0, r1, k)`: output rows
    /// `r0..r1` read only the first `k` inputs. For hidden → hidden layers with `d > 2` the units
    /// of degree `m` see the inputs of degree `≤ m` (degrees are sorted), so the zero blocks
    /// of the mask are skipped; every other layer is one dense block `(0, n_out, n_in)`.
    pub fn dense_blocks(&self, l: usize) -> Vec<(usize, usize, usize)> {
        let nh = self.layers.len() - 1;
        let d = self.arch.dim;
        if l == 0 || l >= nh || d <= 2 {
            let ls = self.layers[l];
            return vec![(0, ls.n_out, ls.n_in)];
        }
        (1..d)
            .map(|m| (self.ends[l][m - 1], self.ends[l][m], self.ends[l - 1][m]))
            .filter(|(r0, r1, _)| r0 != r1)
            .collect()
    }

    /// Total number of parameters of the chain.
    pub fn n_params(&self) -> usize {
        self.made_size * self.arch.n_mades
    }

    /// Random initial parameters from our RNG: hidden weights `U(±1/√n_in)`, output weights
    /// `U(±0.1/√n_in)` (so the untrained flow is close to the identity, that is close to the
    /// uniform density on the box), biases zero, masked weights exactly zero.
    pub fn init(&self, rng: &mut MfRng) -> Vec<f64> {
        let mut p = vec![0.0; self.n_params()];
        let n_layers = self.layers.len();
        for k in 0..self.arch.n_mades {
            let base = k * self.made_size;
            for (l, ls) in self.layers.iter().enumerate() {
                let scale = if l + 1 == n_layers { 0.1 } else { 1.0 } / (ls.n_in as f64).sqrt();
                for j in 0..ls.n_out * ls.n_in {
                    let v = rng.random_range(-scale..scale);
                    p[base + ls.w_off + j] = v * self.mask[ls.w_off + j];
                }
            }
        }
        p
    }

    /// Zeroes the masked entries of a flat gradient (or parameter) vector of the whole chain.
    pub fn apply_mask<T: super::real::Real>(&self, g: &mut [T]) {
        for chunk in g.chunks_mut(self.made_size) {
            for (v, m) in chunk.iter_mut().zip(&self.mask) {
                if *m == 0.0 {
                    *v = T::ZERO;
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::needless_range_loop)]
mod tests {
    use super::*;

    fn arch(d: usize, hidden: Vec<usize>) -> Architecture {
        Architecture {
            dim: d,
            n_mades: 2,
            hidden,
            activation: Activation::Tanh,
            clamp: 5.0,
        }
    }

    /// Connectivity by boolean matrix products of the masks: output `p` may reach input `i`
    /// only when `i < p` (positions), and every `i < p` is reachable with enough hidden units.
    #[test]
    fn masks_are_autoregressive_and_complete() {
        for d in [1usize, 2, 3, 5] {
            let lay = Layout::new(arch(d, vec![7, 9]), default_orders(d, 2));
            // reach[h][i]: unit h of the current layer depends on input i.
            let mut reach: Vec<Vec<bool>> =
                (0..d).map(|i| (0..d).map(|j| i == j).collect()).collect();
            for ls in &lay.layers {
                let mut next = vec![vec![false; d]; ls.n_out];
                for o in 0..ls.n_out {
                    for h in 0..ls.n_in {
                        if lay.mask[ls.w_off + o * ls.n_in + h] != 0.0 {
                            for i in 0..d {
                                next[o][i] |= reach[h][i];
                            }
                        }
                    }
                }
                reach = next;
            }
            for p in 0..d {
                for i in 0..d {
                    for row in [p, d + p] {
                        assert_eq!(reach[row][i], i < p, "d={d} output {row} input {i}");
                    }
                }
            }
        }
    }

    #[test]
    fn degrees_cycle_and_blocks_are_sorted() {
        assert_eq!(hidden_degrees(7, 4), vec![1, 1, 1, 2, 2, 3, 3]);
        assert_eq!(hidden_degrees(3, 1), vec![1, 1, 1]);
        let lay = Layout::new(arch(4, vec![7]), default_orders(4, 2));
        assert_eq!(lay.ends[0], vec![0, 3, 5, 7, 7]);
    }

    #[test]
    fn default_orders_are_permutations_and_differ() {
        let o = default_orders(5, 6);
        for ord in &o {
            let mut s = ord.clone();
            s.sort_unstable();
            assert_eq!(s, vec![0, 1, 2, 3, 4]);
        }
        assert_eq!(o[1], vec![4, 3, 2, 1, 0]);
        assert_eq!(o[2], vec![1, 2, 3, 4, 0]);
    }
}
