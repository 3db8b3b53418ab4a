//! The nested-sampling loop (Skilling 2006) with PolyChord's slice sampler.
//!
//! 1. Draw `n_live` points from the prior (uniform in the unit cube, mapped by the prior).
//! 2. Repeat: the `batch` lowest live points die (in order of `log L`); each is replaced by a
//!    slice chain from a random surviving live point, constrained to `log L > L*` with `L*` the
//!    highest of the dying points, which becomes the new points' birth contour. While `1/X` is
//!    below a slice chain's expected cost, a replacement is instead drawn uniformly from the
//!    whole prior by rejection ([`NestedConfig::rejection`]). The chains run
//!    in parallel with rayon, each with a seed drawn in order from the run's RNG, so a seed
//!    gives the same run on any number of threads. Initial points where the likelihood
//!    vanishes (`log L = −∞`, NaN, or at most `−1e29`) all die in the first batch, as a
//!    plateau with `n, n − 1, …` live points, so that `X` loses the prior volume where `L = 0`
//!    without bias; their replacements are born on the contour `L > 0`, recorded as
//!    `log L_birth = −1e29` ([`LOG_L_VANISHING`]).
//! 3. Stop when `Z_live = ⟨L⟩_live X < precision · (Z_dead + Z_live)`, or at the call cap;
//!    the remaining live points die in order of `log L`, with `n, n − 1, …, 1` live.
//!
//! Clusters of live points (see [`cluster`](super::cluster)) are split again every `n_live / 2`
//! deaths (each cluster on its own: clusters split but never merge, as in PolyChord); each
//! cluster's covariance (recomputed every batch) whitens the slice directions of chains starting
//! in it.
//!
//! **Cluster volumes** (PolyChord's bookkeeping, Handley et al. 2015). Each cluster `c` carries
//! an estimate `X_c` of its prior volume: a death in `c` while `n_c` of the live points lie in it
//! shrinks it by `log X_c −= 1/n_c`, and a slice chain starts in cluster `c` with probability
//! `∝ X_c` (from a random live point of `c` above the contour). Ideal nested sampling
//! (independent draws from the constrained prior) puts a new point in a mode with probability
//! proportional to the mode's volume; starting from a random live point instead makes it
//! proportional to the mode's current *count*, so that the counts random-walk (a Moran process)
//! once the modes' chains no longer reach each other. A mode with fewer points than its volume
//! estimate says dies more slowly than it is born into, and recovers. When a cluster splits,
//! every live point carries the share `X_c / n_c` of its old cluster, and a new cluster's volume
//! is the sum of its points' shares. The evidence bookkeeping stays global; the volumes only
//! choose where chains start.
//!
//! Measured (`nested_bench coverage`, n_live 200, 60 seeds), against the earlier scheme of one
//! fixed 8-nearest-neighbour clustering of all live points and count-proportional starts: the
//! separate whitening of each mode cut the calls on the shells from 145 k to 124 k and on the
//! eggbox from 167 k to 108 k; two Gaussians in 2-D went from 54 to 57 runs of 60 within 2σ,
//! the shells stayed at 57; on the eggbox, whose 18 modes hold about ten live points each, the
//! scatter grew from 0.94 to 1.14 of the error bar (59 → 54 of 60 within 2σ), and 10 slice steps
//! per dimension instead of 5 bring it back to 1.01 (`benches/nested_results.md`).

use crate::progress::Progress;
use rand::Rng;
use rayon::prelude::*;

use super::cluster::knn_clusters;
use super::config::NestedConfig;
use super::likelihood::LogLikelihood;
use super::run::{simulate, NestedRun, StopReason};
use super::slice::{rejection_draw, slice_chain, ChainStatus, Tally, Target};
use crate::density::UnitCube;
use crate::error::{Error, Result};
use crate::linalg::{cholesky_regularised, dist2, logsumexp, mean_cov};
use crate::matrix::Matrix;
use crate::rng::{child_seed, rng_from_seed};
use crate::samples::readers::nested::LOG_L_VANISHING;
use crate::samples::WeightedSamples;

/// A live point.
#[derive(Clone)]
struct Live {
    u: Vec<f64>,
    theta: Vec<f64>,
    logl: f64,
    birth: f64,
    cluster: usize,
}

/// Dead points as they accumulate.
#[derive(Default)]
struct Dead {
    theta: Vec<f64>,
    logl: Vec<f64>,
    birth: Vec<f64>,
    n_live: Vec<usize>,
}

impl Dead {
    fn push(&mut self, p: &Live, n_live: usize) {
        self.theta.extend_from_slice(&p.theta);
        self.logl.push(p.logl);
        self.birth.push(p.birth);
        self.n_live.push(n_live);
    }
}

/// Runs nested sampling of `like` over the prior given by its unit-cube map `prior`.
///
/// Errors: invalid settings (`n_live < d + 1`, …), a likelihood returning `+∞` or an error, a
/// prior map returning non-finite points or (checked on the initial live points) points where
/// its own density is zero, and a likelihood plateau the slice sampler cannot leave.
///
/// ```
/// use margflow::nested::{sample, NestedConfig};
/// use margflow::{Bounds, UniformBox};
/// // L = N(θ; 0, 0.1² I) on the box [−1, 1]²: log Z = −2 log 2.
/// let prior = UniformBox::new(Bounds::cube(2, -1.0, 1.0).unwrap()).unwrap();
/// let like = |t: &[f64]| -> f64 {
///     t.iter().map(|x| -0.5 * (x / 0.1f64).powi(2) - (0.1f64 * (2.0 * std::f64::consts::PI).sqrt()).ln()).sum()
/// };
/// let run = sample(&like, &prior, &NestedConfig::new().n_live(100).progress(false).seed(1)).unwrap();
/// assert!((run.log_z() + 2.0 * 2f64.ln()).abs() < 4.0 * run.log_z_err());
/// ```
pub fn sample<L: LogLikelihood>(
    like: &L,
    prior: &dyn UnitCube,
    cfg: &NestedConfig,
) -> Result<NestedRun> {
    let d = prior.dim();
    cfg.validate(d)?;
    let n = cfg.n_live;
    let k = cfg.effective_batch();
    let n_repeats = cfg.repeats_for(d);
    let target = Target { prior, like, d };
    let mut rng = rng_from_seed(cfg.seed);
    let mut total = Tally::default();

    // 1. Initial live points: cube points drawn in order, evaluated in parallel.
    let us: Vec<Vec<f64>> = (0..n)
        .map(|_| (0..d).map(|_| rng.random::<f64>()).collect())
        .collect();
    let evaluated: Vec<Result<(Vec<f64>, f64, Tally)>> = us
        .par_iter()
        .map(|u| {
            let mut t = Tally::default();
            let mut theta = vec![0.0; d];
            let l = target
                .eval(u, &mut theta, &mut t)?
                .unwrap_or(f64::NEG_INFINITY);
            Ok((theta, l, t))
        })
        .collect();
    let mut live = Vec::with_capacity(n);
    for (u, r) in us.into_iter().zip(evaluated) {
        let (theta, logl, t) = r?;
        total.calls += t.calls;
        total.nan += t.nan;
        live.push(Live {
            u,
            theta,
            logl,
            birth: f64::NEG_INFINITY,
            cluster: 0,
        });
    }
    check_support(prior, &live)?;

    let bar = Progress::spinner("{spinner} nested sampling [{elapsed}] {msg}", cfg.progress);
    let mut dead = Dead::default();
    let mut log_x = 0.0f64;
    let mut log_z_dead = f64::NEG_INFINITY;
    let mut since_clustering = usize::MAX;
    let mut n_clusters = 1;
    // log X_c of every cluster (see the module docs).
    let mut log_vol = vec![0.0f64];
    let mut stop = StopReason::Converged;
    let mut iteration: u64 = 0;

    loop {
        // Termination: the live points' share of the evidence.
        let live_logl: Vec<f64> = live.iter().map(|p| p.logl).collect();
        let log_z_live = logsumexp(&live_logl) - (live.len() as f64).ln() + log_x;
        let log_z_all = logsumexp(&[log_z_dead, log_z_live]);
        if log_z_live - log_z_all < cfg.precision.ln() {
            break;
        }
        if total.calls >= cfg.max_calls {
            stop = StopReason::CallCap;
            break;
        }

        // 2. The batch dies in order of log L. Initial points where the likelihood vanishes
        // (log L = −∞) all die in the first batch, however many: a plateau dies without
        // replacement, with n, n − 1, … live points, which removes the prior volume where L = 0
        // from X without a bias (Fowlie, Handley & Su 2021); their replacements are born at
        // LOG_L_VANISHING, the contour L > 0 (see `write_polychord`).
        live.sort_by(|a, b| a.logl.total_cmp(&b.logl));
        let m = live.len();
        let vanishing = live.partition_point(|p| p.logl == f64::NEG_INFINITY);
        if vanishing == m {
            return Err(Error::numerical(
                "nested sampling",
                format!("the likelihood vanishes (log L = -inf or NaN) at all {m} initial live points: the region where L > 0 is too small a part of the prior to find; narrow the prior or raise n_live"),
            ));
        }
        let kb = k.max(vanishing);
        let threshold = live[kb - 1].logl;
        let born = if threshold == f64::NEG_INFINITY {
            LOG_L_VANISHING
        } else {
            threshold
        };
        let mut counts = cluster_counts(&live, n_clusters);
        for (i, p) in live[..kb].iter().enumerate() {
            log_vol[p.cluster] -= 1.0 / counts[p.cluster] as f64;
            counts[p.cluster] -= 1;
            let n_i = m - i;
            let log_t = -1.0 / n_i as f64;
            // Rectangle weights for the running estimate (the final one uses trapezoids).
            if p.logl > f64::NEG_INFINITY {
                let lw = p.logl + log_x + (-(log_t.exp())).ln_1p();
                log_z_dead = logsumexp(&[log_z_dead, lw]);
            }
            log_x += log_t;
            dead.push(p, n_i);
        }
        live.drain(..kb);

        // Clusters and their whitening factors.
        if cfg.clustering && since_clustering >= n / 2 {
            let (labels, nc) = split_clusters(&live, n_clusters);
            log_vol = reassign_volumes(&live, &log_vol, n_clusters, &labels, nc);
            for (p, c) in live.iter_mut().zip(labels) {
                p.cluster = c;
            }
            n_clusters = nc;
            since_clustering = 0;
        }
        since_clustering = since_clustering.saturating_add(kb);
        let chols = whitening(&live, n_clusters, d)?;

        // Start points above the contour, and one seed per chain, drawn in order.
        let eligible: Vec<usize> = (0..live.len())
            .filter(|&i| live[i].logl > threshold)
            .collect();
        if eligible.is_empty() {
            return Err(Error::numerical(
                "nested sampling",
                format!("no live point lies above the contour log L = {threshold}: the likelihood is flat (a plateau) over the remaining prior; nested sampling cannot order such points"),
            ));
        }
        let by_cluster = eligible_by_cluster(&live, &eligible, n_clusters);
        let starts: Vec<(usize, u64)> = (0..kb)
            .map(|_| {
                let c = choose_cluster(&by_cluster, &log_vol, rng.random::<f64>());
                let members = &by_cluster[c];
                (
                    members[rng.random_range(0..members.len())],
                    rng.random::<u64>(),
                )
            })
            .collect();
        let budget = (cfg.max_calls - total.calls) / kb as u64;
        // Rejection from the whole prior while 1/X is below a slice chain's expected cost.
        let limit = cfg.rejection_limit(d);
        let rejection = (-log_x).exp() < limit;
        let outs: Vec<Result<_>> = starts
            .par_iter()
            .map(|&(s, seed)| {
                let p = &live[s];
                let mut crng = rng_from_seed(seed);
                let mut tally = Tally::default();
                if rejection {
                    let tries = (3.0 * limit).ceil() as u64;
                    let o = rejection_draw(&target, threshold, tries, budget, &mut crng)?;
                    if o.status == ChainStatus::Done {
                        let cluster = live[nearest(&live, &o.u)].cluster;
                        return Ok((o, cluster));
                    }
                    tally = o.tally;
                }
                let mut o = slice_chain(
                    &target,
                    &p.u,
                    &p.theta,
                    p.logl,
                    threshold,
                    &chols[p.cluster],
                    n_repeats,
                    budget.saturating_sub(tally.calls),
                    &mut crng,
                )?;
                o.tally.calls += tally.calls;
                o.tally.nan += tally.nan;
                Ok((o, p.cluster))
            })
            .collect();
        let mut capped = false;
        for r in outs {
            let (o, cluster) = r?;
            total.calls += o.tally.calls;
            total.nan += o.tally.nan;
            match o.status {
                ChainStatus::Done => live.push(Live {
                    u: o.u,
                    theta: o.theta,
                    logl: o.logl,
                    birth: born,
                    cluster,
                }),
                ChainStatus::Budget => capped = true,
                ChainStatus::Stuck => {
                    return Err(Error::numerical(
                        "nested sampling",
                        format!("the slice sampler could not move above log L = {threshold}; the likelihood may have a plateau there"),
                    ))
                }
            }
        }
        iteration += 1;
        if iteration.is_multiple_of(20) {
            bar.set_message(format!(
                "dead {} | calls {} | log Z ≈ {:.3} | live share {:.2e} | clusters {}",
                dead.logl.len(),
                total.calls,
                log_z_all,
                (log_z_live - log_z_all).exp(),
                n_clusters
            ));
            bar.tick();
        }
        if capped || live.len() <= d {
            stop = StopReason::CallCap;
            break;
        }
    }
    bar.finish_and_clear();

    // 3. The final live points die in order.
    live.sort_by(|a, b| a.logl.total_cmp(&b.logl));
    let m = live.len();
    for (i, p) in live.iter().enumerate() {
        dead.push(p, m - i);
    }
    let n_dead = dead.logl.len();
    let [log_z, kl, bmd] = simulate(
        &dead.logl,
        &dead.n_live,
        cfg.n_simulations,
        child_seed(cfg.seed, 0x5eed_fade),
    );
    Ok(NestedRun {
        names: WeightedSamples::default_names(d),
        theta: Matrix::new(n_dead, d, dead.theta)?,
        logl: dead.logl,
        logl_birth: dead.birth,
        n_live: dead.n_live,
        calls: total.calls,
        nan_calls: total.nan,
        stop,
        n_clusters,
        log_z,
        kl,
        bmd,
    })
}

/// Errors if the prior density is zero at an initial live point: the map leaves its support.
fn check_support(prior: &dyn UnitCube, live: &[Live]) -> Result<()> {
    let d = prior.dim();
    let mut x = Vec::with_capacity(live.len() * d);
    live.iter().for_each(|p| x.extend_from_slice(&p.theta));
    let lp = prior.log_prob(&Matrix::new(live.len(), d, x)?)?;
    if let Some(i) = lp.iter().position(|v| *v == f64::NEG_INFINITY) {
        return Err(Error::invalid(
            "prior",
            format!(
                "the unit-cube map sent u = {:?} to θ = {:?}, where the prior's own density is zero; its map and density disagree",
                live[i].u, live[i].theta
            ),
        ));
    }
    Ok(())
}

/// The index of the live point nearest to `u` in the unit cube.
fn nearest(live: &[Live], u: &[f64]) -> usize {
    (0..live.len())
        .min_by(|&a, &b| dist2(&live[a].u, u).total_cmp(&dist2(&live[b].u, u)))
        .unwrap_or(0)
}

/// The number of live points in each cluster.
fn cluster_counts(live: &[Live], n_clusters: usize) -> Vec<usize> {
    let mut counts = vec![0; n_clusters];
    live.iter().for_each(|p| counts[p.cluster] += 1);
    counts
}

/// The eligible live points (indices into `live`) of each cluster.
fn eligible_by_cluster(live: &[Live], eligible: &[usize], n_clusters: usize) -> Vec<Vec<usize>> {
    let mut by = vec![Vec::new(); n_clusters];
    eligible.iter().for_each(|&i| by[live[i].cluster].push(i));
    by
}

/// The cluster whose cumulative volume share (over clusters with eligible points) first
/// exceeds `r ∈ [0, 1)`.
fn choose_cluster(by_cluster: &[Vec<usize>], log_vol: &[f64], r: f64) -> usize {
    let usable: Vec<usize> = (0..by_cluster.len())
        .filter(|&c| !by_cluster[c].is_empty())
        .collect();
    let top = usable
        .iter()
        .map(|&c| log_vol[c])
        .fold(f64::NEG_INFINITY, f64::max);
    let w: Vec<f64> = usable.iter().map(|&c| (log_vol[c] - top).exp()).collect();
    let total: f64 = w.iter().sum();
    let mut acc = 0.0;
    for (&c, wc) in usable.iter().zip(&w) {
        acc += wc / total;
        if r < acc {
            return c;
        }
    }
    *usable.last().expect("some cluster has an eligible point")
}

/// Splits every cluster of the live points by [`knn_clusters`] on its own points; clusters never
/// merge (as in PolyChord), so a mode once separated keeps its own volume.
fn split_clusters(live: &[Live], n_clusters: usize) -> (Vec<usize>, usize) {
    let mut labels = vec![0; live.len()];
    let mut nc = 0;
    for c in 0..n_clusters {
        let idx: Vec<usize> = (0..live.len()).filter(|&i| live[i].cluster == c).collect();
        if idx.is_empty() {
            continue;
        }
        let pts: Vec<Vec<f64>> = idx.iter().map(|&i| live[i].u.clone()).collect();
        let (sub, k) = knn_clusters(&pts);
        for (&i, l) in idx.iter().zip(sub) {
            labels[i] = nc + l;
        }
        nc += k;
    }
    (labels, nc)
}

/// The volumes of new clusters `labels` (`nc` of them): every live point carries the share
/// `X_c / n_c` of its old cluster `c`, and a new cluster gets the sum of its points' shares.
fn reassign_volumes(
    live: &[Live],
    log_vol: &[f64],
    n_old: usize,
    labels: &[usize],
    nc: usize,
) -> Vec<f64> {
    let counts = cluster_counts(live, n_old);
    let mut shares: Vec<Vec<f64>> = vec![Vec::new(); nc];
    for (p, &l) in live.iter().zip(labels) {
        shares[l].push(log_vol[p.cluster] - (counts[p.cluster] as f64).ln());
    }
    shares.iter().map(|s| logsumexp(s)).collect()
}

/// Cholesky factors of each cluster's covariance.
///
/// A cluster of `≤ d + 1` points has no covariance of its own. It gets the pooled
/// within-cluster covariance of the larger clusters (the shape of a typical mode), or the
/// global covariance when there are none. The global one would be wrong for a small mode among
/// many: its steps span the whole prior, so a chain started in the mode leaves it, the mode
/// loses its births and dies out.
fn whitening(live: &[Live], n_clusters: usize, d: usize) -> Result<Vec<Vec<f64>>> {
    let pts: Vec<Vec<f64>> = live.iter().map(|p| p.u.clone()).collect();
    let all: Vec<usize> = (0..live.len()).collect();
    let members: Vec<Vec<usize>> = (0..n_clusters)
        .map(|c| {
            all.iter()
                .copied()
                .filter(|&i| live[i].cluster == c)
                .collect()
        })
        .collect();
    let mut pooled = vec![0.0; d * d];
    let mut dof = 0.0;
    for idx in members.iter().filter(|idx| idx.len() > d + 1) {
        let cov = mean_cov(&pts, idx, d).1;
        let w = (idx.len() - 1) as f64;
        pooled.iter_mut().zip(&cov).for_each(|(p, c)| *p += w * c);
        dof += w;
    }
    let fallback = if dof > 0.0 && n_clusters > 1 {
        pooled.iter_mut().for_each(|p| *p /= dof);
        cholesky_regularised(&pooled, d)?
    } else {
        cholesky_regularised(&mean_cov(&pts, &all, d).1, d)?
    };
    members
        .iter()
        .map(|idx| {
            if idx.len() > d + 1 {
                cholesky_regularised(&mean_cov(&pts, idx, d).1, d)
            } else {
                Ok(fallback.clone())
            }
        })
        .collect()
}

#[cfg(test)]
mod volume_tests {
    use super::*;

    fn live(cluster: usize) -> Live {
        Live {
            u: vec![0.5],
            theta: vec![0.5],
            logl: 0.0,
            birth: f64::NEG_INFINITY,
            cluster,
        }
    }

    #[test]
    fn a_split_shares_the_volume_by_counts_and_keeps_the_total() {
        // Old clusters: 0 with 4 points and log X = ln 0.6, 1 with 2 points and ln 0.4. The new
        // clustering splits cluster 0 into 3 + 1 and keeps cluster 1.
        let pts: Vec<Live> = [0, 0, 0, 0, 1, 1].into_iter().map(live).collect();
        let old = [0.6f64.ln(), 0.4f64.ln()];
        let new = reassign_volumes(&pts, &old, 2, &[0, 0, 0, 1, 2, 2], 3);
        let x: Vec<f64> = new.iter().map(|v| v.exp()).collect();
        assert!(
            (x[0] - 0.45).abs() < 1e-12 && (x[1] - 0.15).abs() < 1e-12,
            "{x:?}"
        );
        assert!((x[2] - 0.4).abs() < 1e-12);
        // Merging everything back gives the total.
        let merged = reassign_volumes(&pts, &old, 2, &[0; 6], 1);
        assert!((merged[0].exp() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn chains_start_in_clusters_in_proportion_to_their_volumes() {
        // Volumes 1 : 3 : 6, but cluster 1 has no eligible point: 1/7 and 6/7 of the starts.
        let by = vec![vec![0], vec![], vec![1, 2]];
        let log_vol = [1f64.ln(), 3f64.ln(), 6f64.ln()];
        let n = 7000;
        let picks: Vec<usize> = (0..n)
            .map(|i| choose_cluster(&by, &log_vol, (i as f64 + 0.5) / n as f64))
            .collect();
        assert_eq!(picks.iter().filter(|&&c| c == 0).count(), 1000);
        assert_eq!(picks.iter().filter(|&&c| c == 2).count(), 6000);
    }
}
