//! Error bars of `D` and `d` that are honest for MCMC chains.
//!
//! Rows of an MCMC chain are correlated, so the bootstrap over rows of
//! [`kl_bmd`](super::kl_bmd), which treats them as independent, underestimates the error by
//! about `√τ_int`. Two estimates that account for the correlation, both computed from the
//! per-row log ratios `r_i = log P(θ_i) − log π(θ_i)` and the weights `w_i`:
//!
//! - **Block bootstrap (batch means).** Each chain is cut into consecutive blocks of `b` rows,
//!   with `b = ⌈10 τ⌉` so that blocks are nearly independent of each other; the blocks are
//!   resampled with replacement. `τ` is the larger of the integrated autocorrelation times of
//!   the influence series of `D` and of `d`,
//!   `u_i = w_i (r_i − D)` and `v_i = w_i ((r_i − D)² − d/2)`,
//!   since `D̂ − D ≈ Σ u_i / Σ w_i` and likewise for `d̂`. This is the error reported.
//! - **Between chains.** With `C ≥ 2` independent chains, each chain `c` gives its own `D_c` and
//!   `d_c`; treating each chain as one draw of the ratio estimator,
//!   `σ²(D̂) = C/(C − 1) Σ_c W_c² (D_c − D̂)² / (Σ_c W_c)²` with `W_c` the chain's total weight.
//!   It has only `C − 1` degrees of freedom (about ±25 % for eight chains), so it is a check
//!   of the block error rather than the estimate.
//!
//! `τ_int = 1 + 2 Σ_{t≥1} ρ(t)` is summed up to Sokal's automatic window, the first lag
//! `t ≥ 5 τ(t)` (Sokal 1997, *Monte Carlo methods in statistical mechanics*; as in emcee), with
//! the autocovariance averaged over chains.

use std::ops::Range;

use rand::Rng;
use serde::Serialize;

use super::divergence::{kl_bmd, log_ratios, std_dev, MarginalStats};
use crate::error::{Error, Result};
use crate::rng::{child_seed, rng_from_seed};
use crate::samples::WeightedSamples;

/// `D` and `d` of MCMC samples with three kinds of error bar (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ChainStats {
    /// `D`, `d` and the block-bootstrap errors (the honest ones).
    pub stats: MarginalStats,
    /// Errors of `D` and `d` from the bootstrap over independent rows (too small for MCMC).
    pub naive_err: (f64, f64),
    /// Errors of `D` and `d` from the spread between chains (`None` with one chain).
    pub between_chains_err: Option<(f64, f64)>,
    /// Integrated autocorrelation time (rows) that sets the block length.
    pub tau: f64,
    /// Block length `b` (rows).
    pub block_len: usize,
    /// Number of chains.
    pub n_chains: usize,
}

impl ChainStats {
    /// How many times larger the honest error of `D` is than the naive one.
    pub fn kl_err_ratio(&self) -> f64 {
        self.stats.kl_err / self.naive_err.0
    }
}

/// Integrated autocorrelation time of a series made of consecutive `runs` (chains), with the
/// autocovariance averaged over the runs and Sokal's window `c = 5` (see the module docs).
/// NaN entries count as the runs' mean (zero contribution). Returns 1 for a series with no
/// variance or fewer than four rows.
pub fn integrated_autocorr_time(x: &[f64], runs: &[Range<usize>]) -> f64 {
    let finite = |v: f64| if v.is_finite() { v } else { f64::NAN };
    let centred: Vec<Vec<f64>> = runs
        .iter()
        .map(|r| {
            let seg: Vec<f64> = x[r.clone()].iter().map(|&v| finite(v)).collect();
            let (s, n) = seg
                .iter()
                .filter(|v| v.is_finite())
                .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
            let m = if n > 0 { s / n as f64 } else { 0.0 };
            seg.iter()
                .map(|v| if v.is_finite() { v - m } else { 0.0 })
                .collect()
        })
        .collect();
    let total: usize = centred.iter().map(Vec::len).sum();
    let max_len = centred.iter().map(Vec::len).max().unwrap_or(0);
    let acov = |t: usize| -> f64 {
        let (mut s, mut n) = (0.0, 0usize);
        for c in centred.iter().filter(|c| c.len() > t) {
            s += c[..c.len() - t]
                .iter()
                .zip(&c[t..])
                .map(|(a, b)| a * b)
                .sum::<f64>();
            n += c.len() - t;
        }
        if n == 0 {
            0.0
        } else {
            s / n as f64
        }
    };
    let c0 = acov(0);
    if total < 4 || c0 <= 0.0 {
        return 1.0;
    }
    let mut tau = 1.0;
    for t in 1..max_len / 2 {
        tau += 2.0 * acov(t) / c0;
        if t as f64 >= 5.0 * tau {
            break;
        }
    }
    tau.max(1.0)
}

/// The largest integrated autocorrelation time (rows) of the parameters of MCMC samples, over
/// their chains ([`WeightedSamples::chain_runs`]): the thinning factor that leaves rows nearly
/// independent ([`WeightedSamples::thin`]).
pub fn samples_autocorr_time(samples: &WeightedSamples) -> f64 {
    let runs = samples.chain_runs();
    (0..samples.dim())
        .map(|j| integrated_autocorr_time(&samples.values().column(j), &runs))
        .fold(1.0, f64::max)
}

/// The thinning factor for chains with autocorrelation time `tau`: `⌊τ/4⌋`, at least 1. For an
/// AR(1)-like chain, keeping every `k`-th row leaves an effective sample size of
/// `(n/k)(1 − φ^k)/(1 + φ^k)` with `φ = (τ − 1)/(τ + 1)`: at `k = τ/4` that is within a few per
/// cent of the whole chain's `n/τ`, so the cost of every fit drops by `k` at almost no loss.
pub fn thinning_factor(tau: f64) -> usize {
    ((tau / 4.0).floor() as usize).max(1)
}

/// `D` and `d` of samples made of the MCMC chains `runs` (consecutive rows, in sampling
/// order), with block-bootstrap, naive and between-chain errors (see the module docs).
///
/// `n_bootstrap` resamples for each bootstrap, drawn from `seed`. Masking and errors are
/// those of [`kl_bmd`].
pub fn kl_bmd_chains(
    log_p: &[f64],
    log_pi: &[f64],
    weights: &[f64],
    runs: &[Range<usize>],
    n_bootstrap: usize,
    seed: u64,
) -> Result<ChainStats> {
    let naive = kl_bmd(log_p, log_pi, weights, n_bootstrap, seed)?;
    let (r, _) = log_ratios(log_p, log_pi, weights)?;
    let (kl, bmd) = (naive.kl, naive.bmd);
    let u: Vec<f64> = r.iter().zip(weights).map(|(r, w)| w * (r - kl)).collect();
    let v: Vec<f64> = r
        .iter()
        .zip(weights)
        .map(|(r, w)| w * ((r - kl).powi(2) - bmd / 2.0))
        .collect();
    let tau = integrated_autocorr_time(&u, runs).max(integrated_autocorr_time(&v, runs));
    let longest = runs.iter().map(|r| r.len()).max().unwrap_or(1);
    let block_len = ((10.0 * tau).ceil() as usize).clamp(1, (longest / 4).max(1));
    let blocks: Vec<Range<usize>> = runs
        .iter()
        .flat_map(|run| {
            (run.start..run.end)
                .step_by(block_len)
                .map(move |s| s..(s + block_len).min(run.end))
        })
        .collect();
    let stats_of = |rows: &mut dyn Iterator<Item = usize>| -> Option<(f64, f64)> {
        let (mut sw, mut s1, mut s2) = (0.0, 0.0, 0.0);
        for i in rows {
            if r[i].is_finite() && weights[i] > 0.0 {
                sw += weights[i];
                s1 += weights[i] * r[i];
                s2 += weights[i] * r[i] * r[i];
            }
        }
        (sw > 0.0).then(|| {
            let m = s1 / sw;
            (m, 2.0 * (s2 / sw - m * m).max(0.0))
        })
    };
    let (mut ks, mut bs) = (Vec::new(), Vec::new());
    if n_bootstrap > 1 {
        let mut rng = rng_from_seed(child_seed(seed, 1));
        for _ in 0..n_bootstrap {
            let picks: Vec<usize> = (0..blocks.len())
                .map(|_| rng.random_range(0..blocks.len()))
                .collect();
            let mut rows = picks.iter().flat_map(|&b| blocks[b].clone());
            if let Some((k, b)) = stats_of(&mut rows) {
                ks.push(k);
                bs.push(b);
            }
        }
    }
    let between_chains_err = (runs.len() >= 2).then(|| {
        let per: Vec<(f64, f64, f64)> = runs
            .iter()
            .filter_map(|run| {
                let w: f64 = run
                    .clone()
                    .filter(|&i| r[i].is_finite())
                    .map(|i| weights[i])
                    .sum();
                stats_of(&mut run.clone()).map(|(k, b)| (w, k, b))
            })
            .collect();
        let c = per.len() as f64;
        let wsum: f64 = per.iter().map(|p| p.0).sum();
        let var = |f: &dyn Fn(&(f64, f64, f64)) -> f64, centre: f64| {
            c / (c - 1.0)
                * per
                    .iter()
                    .map(|p| (p.0 * (f(p) - centre)).powi(2))
                    .sum::<f64>()
                / (wsum * wsum)
        };
        (var(&|p| p.1, kl).sqrt(), var(&|p| p.2, bmd).sqrt())
    });
    Ok(ChainStats {
        stats: MarginalStats {
            kl_err: std_dev(&ks),
            bmd_err: std_dev(&bs),
            ..naive
        },
        naive_err: (naive.kl_err, naive.bmd_err),
        between_chains_err,
        tau,
        block_len,
        n_chains: runs.len(),
    })
}

/// The two-sided `level` interval of `s/σ` for a standard deviation `s` estimated from `c`
/// independent values: `√(χ²_{c−1}(q) / (c − 1))` at `q = (1 ∓ level)/2`. It tells whether
/// the between-chain error of [`kl_bmd_chains`] (from `c` chains) agrees with the block error.
///
/// Errors: fewer than two values.
pub fn chi_ratio_interval(c: usize, level: f64) -> Result<(f64, f64)> {
    use statrs::distribution::{ChiSquared, ContinuousCDF};
    if c < 2 {
        return Err(Error::invalid(
            "chains",
            format!("{c} chain; need at least 2"),
        ));
    }
    let k = (c - 1) as f64;
    let chi = ChiSquared::new(k).map_err(|e| Error::invalid("chains", e.to_string()))?;
    let q = |p: f64| (chi.inverse_cdf(p) / k).sqrt();
    Ok((q((1.0 - level) / 2.0), q((1.0 + level) / 2.0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::rng_from_seed;
    use rand_distr::{Distribution, StandardNormal};

    /// AR(1) chains `x_t = φ x_{t−1} + √(1 − φ²) ε_t` have `τ_int = (1 + φ)/(1 − φ)`.
    fn ar1(n: usize, phi: f64, seed: u64) -> Vec<f64> {
        let mut rng = rng_from_seed(seed);
        let mut x = 0.0;
        (0..n)
            .map(|_| {
                let e: f64 = StandardNormal.sample(&mut rng);
                x = phi * x + (1.0 - phi * phi).sqrt() * e;
                x
            })
            .collect()
    }

    #[test]
    fn autocorrelation_time_of_ar1_chains() {
        for (phi, seed) in [(0.0, 1), (0.5, 2), (0.8, 3)] {
            let x: Vec<f64> = (0..4)
                .flat_map(|c| ar1(20_000, phi, seed * 10 + c))
                .collect();
            let runs: Vec<Range<usize>> = (0..4).map(|c| c * 20_000..(c + 1) * 20_000).collect();
            let tau = integrated_autocorr_time(&x, &runs);
            let truth = (1.0 + phi) / (1.0 - phi);
            assert!(
                (tau / truth - 1.0).abs() < 0.1,
                "φ = {phi}: τ = {tau}, truth {truth}"
            );
        }
    }

    /// On AR(1) log ratios the block error of `D` (the mean of `r`) matches the exact
    /// `√(τ/n)` standard error, and the naive one is `√τ` too small.
    #[test]
    fn block_errors_are_honest_for_correlated_rows() {
        let (n, phi) = (50_000, 0.8);
        let truth_tau: f64 = (1.0 + phi) / (1.0 - phi);
        let r: Vec<f64> = (0..2).flat_map(|c| ar1(n / 2, phi, 40 + c)).collect();
        let zeros = vec![0.0; n];
        let w = vec![1.0; n];
        let runs = vec![0..n / 2, n / 2..n];
        let s = kl_bmd_chains(&r, &zeros, &w, &runs, 300, 7).unwrap();
        let exact = (truth_tau / n as f64).sqrt();
        assert!(
            (s.stats.kl_err / exact - 1.0).abs() < 0.25,
            "block {} vs exact {exact}",
            s.stats.kl_err
        );
        assert!((s.kl_err_ratio() / truth_tau.sqrt() - 1.0).abs() < 0.3);
        assert_eq!(s.n_chains, 2);
        assert!(s.between_chains_err.is_some());
    }

    #[test]
    fn chi_interval_of_eight_chains() {
        let (lo, hi) = chi_ratio_interval(8, 0.999).unwrap();
        // χ²_7 quantiles 0.48487 and 26.018 at 0.0005 and 0.9995 (series of the regularised
        // lower incomplete gamma function, bisected).
        assert!((lo - (0.48487f64 / 7.0).sqrt()).abs() < 1e-4, "{lo}");
        assert!((hi - (26.018f64 / 7.0).sqrt()).abs() < 1e-4, "{hi}");
        assert!(chi_ratio_interval(1, 0.99).is_err());
    }
}
