//! The nested-sampling loop (Skilling 2006) with PolyChord's slice sampler.
//!
//! 1. Draw `n_live` points from the prior (uniform in the unit cube, mapped by the prior).
//! 2. Repeat: the `batch` lowest live points die (in order of `log L`); each is replaced by a
//!    slice chain from a random surviving live point, constrained to `log L > L*` with `L*` the
//!    highest of the dying points, which becomes the new points' birth contour. While `1/X` is
//!    below a slice chain's expected cost, a replacement is instead drawn uniformly from the
//!    whole prior by rejection ([`NestedConfig::rejection`]). The chains run
//!    in parallel with rayon, each with a seed drawn in order from the run's RNG, so a seed
//!    gives the same run on any number of threads.
//! 3. Stop when `Z_live = ⟨L⟩_live X < precision · (Z_dead + Z_live)`, or at the call cap;
//!    the remaining live points die in order of `log L`, with `n, n − 1, …, 1` live.
//!
//! Clusters of live points (see [`cluster`](super::cluster)) are found again every `n_live / 2`
//! deaths; each cluster's covariance (recomputed every batch) whitens the slice directions of
//! chains starting in it.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
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
/// let prior = UniformBox::new(Bounds::cube(2, -1.0, 1.0).unwrap());
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

    let bar = progress_bar(cfg.progress);
    let mut dead = Dead::default();
    let mut log_x = 0.0f64;
    let mut log_z_dead = f64::NEG_INFINITY;
    let mut since_clustering = usize::MAX;
    let mut n_clusters = 1;
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

        // 2. The batch dies in order of log L.
        live.sort_by(|a, b| a.logl.total_cmp(&b.logl));
        let m = live.len();
        let threshold = live[k - 1].logl;
        for (i, p) in live[..k].iter().enumerate() {
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
        live.drain(..k);

        // Clusters and their whitening factors.
        if cfg.clustering && since_clustering >= n / 2 {
            let pts: Vec<Vec<f64>> = live.iter().map(|p| p.u.clone()).collect();
            let (labels, nc) = knn_clusters(&pts, d);
            for (p, c) in live.iter_mut().zip(labels) {
                p.cluster = c;
            }
            n_clusters = nc;
            since_clustering = 0;
        }
        since_clustering += k;
        let chols = whitening(&live, n_clusters, d);

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
        let starts: Vec<(usize, u64)> = (0..k)
            .map(|_| {
                (
                    eligible[rng.random_range(0..eligible.len())],
                    rng.random::<u64>(),
                )
            })
            .collect();
        let budget = (cfg.max_calls - total.calls) / k as u64;
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
                    birth: threshold,
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

/// Cholesky factors of each cluster's covariance (the global one for clusters of `≤ d + 1`).
fn whitening(live: &[Live], n_clusters: usize, d: usize) -> Vec<Vec<f64>> {
    let pts: Vec<Vec<f64>> = live.iter().map(|p| p.u.clone()).collect();
    let all: Vec<usize> = (0..live.len()).collect();
    let global = cholesky_regularised(&mean_cov(&pts, &all, d).1, d);
    (0..n_clusters)
        .map(|c| {
            let idx: Vec<usize> = all
                .iter()
                .copied()
                .filter(|&i| live[i].cluster == c)
                .collect();
            if idx.len() > d + 1 {
                cholesky_regularised(&mean_cov(&pts, &idx, d).1, d)
            } else {
                global.clone()
            }
        })
        .collect()
}

fn progress_bar(on: bool) -> ProgressBar {
    if !on {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} nested sampling [{elapsed}] {msg}") {
        bar.set_style(style);
    }
    bar
}
