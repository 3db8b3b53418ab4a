//! `ns-nuisance-joint`: the nuisance-free joint analysis of Bevins et al. (arXiv:2205.12841)
//! on a synthetic pair of experiments with known truth ([`SyntheticPair`]: A over 6 shared θ
//! and 20 nuisance parameters, B over θ and 15 of its own, 41 in all, θ means one combined σ
//! apart on every axis).
//!
//! The joint evidence `Z_AB` is computed three ways and compared with its closed form:
//!
//! 1. **direct**: nested sampling of `L_A L_B` on the 41-D box;
//! 2. **enhanced**: [`enhanced`] on the 41-D problem (low-resolution run → Gaussian proposal
//!    `π̃` fitted to its tempered posterior → high-resolution run of the repartitioned
//!    likelihood `L π / π̃`, whose evidence is that of `(L, π)`);
//! 3. **nuisance-free** (DESIGN.md §1): nested sampling of A (26-D) and of B (21-D), a MAF
//!    `P̂_X(θ)` fitted to the θ columns of each run's weighted posterior on the θ box, and a
//!    6-D run with the prior `π(θ)` and the likelihood `P̂_A P̂_B / π²`, whose evidence is
//!    `R = ∫ P_A P_B / π dθ`. Then `log Z_AB = log Z_A + log Z_B + log R` (since
//!    `L_X(θ) = P_X(θ) Z_X / π(θ)` and `Z_AB = ∫ L_A L_B π dθ`), with the error
//!    `σ² = σ_A² + σ_B² + σ_R² + σ_flow²`: the three independent runs' errors, and the flows'
//!    error `σ_flow`, the spread of `log R = log E_{P̂_A}[P̂_B / π]` (importance sampling, 20,000
//!    draws of `P̂_A`) over four pairs of flows, the first fitted to the runs' samples and the
//!    others to bootstrap resamples of them. `R` is an overlap of the two posteriors' tails
//!    (their θ means are 2.5σ apart), so it is where a flow's error shows most.
//!
//! For each route the table gives the likelihood calls (of `L_A`, `L_B` or `L_AB`; route 3
//! also the flow evaluations of its 6-D run), the wall time, `log Z_AB ± σ` against the truth,
//! and the KL divergence `KL(P_true ‖ N(m̂, Ŝ))` of the true joint θ marginal (closed form,
//! [`SyntheticPair::joint_theta`]) from the Gaussian moment-matched to the route's weighted θ
//! samples:
//!
//! `KL = ½ [tr(Ŝ⁻¹Σ) + (m̂ − μ)ᵀ Ŝ⁻¹ (m̂ − μ) − d + log det Ŝ − log det Σ]`,
//!
//! with a bootstrap error over the weighted samples. It measures the whole route's θ
//! posterior (for route 3, the flows' product), though only its first two moments; a finite
//! sample of `n_eff` points biases it up by about `d(d + 3)/(4 n_eff)`.
//!
//! Checks: every route's `log Z_AB` within 3σ of the truth (and `log Z_A`, `log Z_B`, `log R`
//! of route 3); every KL below [`KL_SMALL`] nats.

use std::time::Instant;

use rand::Rng;
use serde::Serialize;

use super::joint_gaussians::{PairConfig, SyntheticPair, N_THETA};
use super::output::{Check, Output, Value};
use super::{Reproduction, Table, Tier};
use crate::density::{Density, Gaussian, UniformBox};
use crate::error::{Error, Result};
use crate::fit::Fit;
use crate::flow::MafConfig;
use crate::nested::problems::TestProblem;
use crate::nested::{
    enhanced, sample, GaussianFit, LogLikelihood, NestedConfig, NestedRun, PipelineConfig,
};
use crate::progress::Progress;
use crate::rng::{child_seed, rng_from_seed};
use crate::samples::WeightedSamples;
use crate::stats::divergence::std_dev;
use crate::stats::log_evidence_ratio;

/// The largest KL (nats) of a route's θ posterior that counts as agreement: a Gaussian whose
/// mean is off by `0.45σ` along one axis, or whose variance is off by 60 % along one axis,
/// has KL 0.1.
pub const KL_SMALL: f64 = 0.1;

/// Settings of `ns-nuisance-joint`.
#[derive(Debug, Clone, Serialize)]
pub struct NuisanceJointConfig {
    /// Nuisance parameters of A and B.
    pub n_alpha: (usize, usize),
    /// Live points of every run of a likelihood (direct, A, B, the pipeline's high run).
    pub n_live: usize,
    /// Live points of the 6-D run of route 3.
    pub n_live_theta: usize,
    /// MAFs per experiment: the first on the run's θ samples, the others on bootstrap
    /// resamples, for the flows' error.
    pub n_flows: usize,
    /// Importance-sampling draws per estimate of `log R` from a pair of flows.
    pub n_importance: usize,
    /// Bootstrap resamples of the KL.
    pub n_bootstrap: usize,
    /// Base seed.
    pub seed: u64,
}

impl NuisanceJointConfig {
    /// Both tiers run the 41-D problem; quick: 100 live points (200 for the 6-D run), full:
    /// 500 (and 500).
    pub fn for_tier(tier: Tier) -> Self {
        let full = tier == Tier::Full;
        Self {
            n_alpha: (20, 15),
            n_live: if full { 500 } else { 100 },
            n_live_theta: if full { 500 } else { 200 },
            n_flows: 4,
            n_importance: 20_000,
            n_bootstrap: 100,
            seed: 12841,
        }
    }
}

/// One route's result.
#[derive(Debug, Clone, Serialize)]
pub struct RouteResult {
    /// `direct`, `enhanced` or `nuisance_free`.
    pub route: &'static str,
    /// Likelihood calls (of `L_AB`, or of `L_A` and `L_B`).
    pub calls: u64,
    /// Flow evaluations of the 6-D run (route 3), else 0.
    pub theta_calls: u64,
    /// Wall seconds.
    pub wall_s: f64,
    /// `log Z_AB`.
    pub log_z: f64,
    /// Its error.
    pub log_z_err: f64,
    /// KL of the true θ marginal from the moment-matched Gaussian of the route's θ samples.
    pub kl: f64,
    /// Its bootstrap error.
    pub kl_err: f64,
    /// Kish effective sample size of the route's θ samples.
    pub n_eff: f64,
}

/// `KL(p ‖ q)` of two Gaussians.
pub fn gaussian_kl(p: &Gaussian, q: &Gaussian) -> Result<f64> {
    let d = p.mean().len();
    if q.mean().len() != d {
        return Err(Error::dims("q", d, q.mean().len()));
    }
    let qi = super::joint_gaussians::inverse_spd(q.cov().as_slice(), d)?;
    let mut tr = 0.0;
    for i in 0..d {
        for k in 0..d {
            tr += qi[i * d + k] * p.cov().get(k, i);
        }
    }
    let dm: Vec<f64> = q.mean().iter().zip(p.mean()).map(|(a, b)| a - b).collect();
    let mut quad = 0.0;
    for i in 0..d {
        for k in 0..d {
            quad += dm[i] * qi[i * d + k] * dm[k];
        }
    }
    Ok(0.5 * (tr + quad - d as f64 + q.log_det() - p.log_det()))
}

/// `KL(truth ‖ N(m̂, Ŝ))` of the moment-matched Gaussian of `samples`, and its error over
/// `n_boot` bootstrap resamples (rows drawn with replacement, weights kept).
pub fn moment_kl(
    truth: &Gaussian,
    samples: &WeightedSamples,
    n_boot: usize,
    seed: u64,
) -> Result<(f64, f64)> {
    let fit = |s: &WeightedSamples| Gaussian::new(s.mean(), s.covariance());
    let kl = gaussian_kl(truth, &fit(samples)?)?;
    let mut rng = rng_from_seed(seed);
    let n = samples.len();
    let mut reps = Vec::with_capacity(n_boot);
    for _ in 0..n_boot {
        let idx: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
        reps.push(gaussian_kl(truth, &fit(&samples.select_rows(&idx))?)?);
    }
    Ok((kl, std_dev(&reps)))
}

/// The θ columns of a run's weighted posterior.
pub fn theta_samples(run: &NestedRun) -> Result<WeightedSamples> {
    let s = run.to_weighted_samples()?;
    let cols: Vec<usize> = (0..N_THETA).collect();
    WeightedSamples::new(
        s.values().select_columns(&cols),
        s.weights().to_vec(),
        (0..N_THETA).map(|k| format!("theta{k}")).collect(),
    )
}

/// `log L(θ) = log P̂_A(θ) + log P̂_B(θ) − 2 log π(θ)`: the 6-D run's likelihood, whose evidence
/// with the prior `π` is `R = ∫ P̂_A P̂_B / π`.
struct FlowProduct<'a> {
    a: &'a dyn Density,
    b: &'a dyn Density,
    prior: &'a UniformBox,
}

impl LogLikelihood for FlowProduct<'_> {
    fn log_likelihood(&self, theta: &[f64]) -> Result<f64> {
        let lp = self.prior.log_prob_one(theta)?;
        if lp == f64::NEG_INFINITY {
            return Ok(f64::NEG_INFINITY);
        }
        Ok(self.a.log_prob_one(theta)? + self.b.log_prob_one(theta)? - 2.0 * lp)
    }
}

fn run_cfg(n_live: usize, seed: u64) -> NestedConfig {
    NestedConfig::new()
        .n_live(n_live)
        .progress(false)
        .seed(seed)
}

/// The three routes' results and the pair, with route 3's `log Z_A`, `log Z_B`, `log R`
/// (each `(value, σ)`).
pub struct NuisanceJointResult {
    /// The pair (the truth).
    pub pair: SyntheticPair,
    /// One per route.
    pub routes: Vec<RouteResult>,
    /// Route 3's `log Z_A`, `log Z_B` and `log R` (the last with the flows' error).
    pub parts: [(f64, f64); 3],
    /// The flows' error of `log R`: the spread of its importance-sampled estimates over
    /// `n_flows` pairs of flows.
    pub flow_err: f64,
    /// Those estimates.
    pub log_r_is: Vec<f64>,
}

/// Runs the three routes.
pub fn nuisance_joint_routes(cfg: &NuisanceJointConfig) -> Result<NuisanceJointResult> {
    let pair = SyntheticPair::new(&PairConfig {
        n_alpha_a: cfg.n_alpha.0,
        n_alpha_b: cfg.n_alpha.1,
        ..PairConfig::paper()
    })?;
    let truth = pair.joint_theta()?;
    let joint = &pair.joint;
    let bar = Progress::bar(6, "ns-nuisance-joint {bar:30} {pos}/{len} runs {msg}", true);
    let mut routes = Vec::new();
    let kl_of = |run: &NestedRun, stream: u64| -> Result<(f64, f64, f64)> {
        let s = theta_samples(run)?;
        let (kl, e) = moment_kl(&truth, &s, cfg.n_bootstrap, child_seed(cfg.seed, stream))?;
        Ok((kl, e, s.ess()))
    };

    // 1. Direct.
    bar.set_message(format!("direct {}-D", joint.dim()));
    let t0 = Instant::now();
    let run = sample(
        joint,
        &joint.prior()?,
        &run_cfg(cfg.n_live, child_seed(cfg.seed, 1)),
    )?;
    let wall = t0.elapsed().as_secs_f64();
    let (kl, kl_err, n_eff) = kl_of(&run, 11)?;
    routes.push(RouteResult {
        route: "direct",
        calls: run.calls(),
        theta_calls: 0,
        wall_s: wall,
        log_z: run.log_z(),
        log_z_err: run.log_z_err(),
        kl,
        kl_err,
        n_eff,
    });
    bar.inc(1);

    // 2. Enhanced.
    bar.set_message(format!("enhanced {}-D", joint.dim()));
    let def = PipelineConfig::default();
    let pc = PipelineConfig {
        low: def
            .low
            .clone()
            .progress(false)
            .seed(child_seed(cfg.seed, 2)),
        high: def
            .high
            .clone()
            .n_live(cfg.n_live)
            .progress(false)
            .seed(child_seed(cfg.seed, 3)),
        ..def
    };
    let t0 = Instant::now();
    let r = enhanced(
        joint,
        &joint.prior()?,
        &joint.bounds(),
        &GaussianFit::default(),
        &pc,
    )?;
    let wall = t0.elapsed().as_secs_f64();
    let (kl, kl_err, n_eff) = kl_of(&r.high, 12)?;
    routes.push(RouteResult {
        route: "enhanced",
        calls: r.calls,
        theta_calls: 0,
        wall_s: wall,
        log_z: r.high.log_z(),
        log_z_err: r.high.log_z_err(),
        kl,
        kl_err,
        n_eff,
    });
    bar.inc(1);

    // 3. Nuisance-free: A, B, flows on θ, the 6-D run.
    let t0 = Instant::now();
    let maf = MafConfig::builder().progress(false).build()?;
    let prior = UniformBox::new(pair.theta_bounds.clone())?;
    let mut flows = Vec::new();
    let mut parts = Vec::new();
    let mut calls = 0;
    for (i, x) in [&pair.a, &pair.b].into_iter().enumerate() {
        bar.set_message(format!("{} ({}-D)", x.name(), x.dim()));
        let run = sample(
            x,
            &x.prior()?,
            &run_cfg(cfg.n_live, child_seed(cfg.seed, 4 + i as u64)),
        )?;
        calls += run.calls();
        parts.push((run.log_z(), run.log_z_err()));
        bar.inc(1);
        bar.set_message(format!("{} MAFs on θ of {}", cfg.n_flows, x.name()));
        let theta = theta_samples(&run)?;
        let mut fits = Vec::new();
        for k in 0..cfg.n_flows {
            let seed = child_seed(child_seed(cfg.seed, 6 + i as u64), k as u64);
            // Flow 0 on the run's samples; the others on bootstrap resamples of them.
            let train = if k == 0 {
                theta.clone()
            } else {
                let mut rng = rng_from_seed(child_seed(seed, 1));
                let n = theta.len();
                theta.select_rows(&(0..n).map(|_| rng.random_range(0..n)).collect::<Vec<_>>())
            };
            fits.push(maf.fit(&train, Some(&pair.theta_bounds), seed)?);
        }
        flows.push(fits);
    }
    // The flows' error: the spread of log R = log E_{P̂_A}[P̂_B / π] (importance sampling)
    // over the pairs of flows.
    let mut log_r_is = Vec::new();
    for (k, (fa, fb)) in flows[0].iter().zip(&flows[1]).enumerate() {
        let seed = child_seed(cfg.seed, 20 + k as u64);
        let e = log_evidence_ratio(fa, fb, &prior, fa, cfg.n_importance, seed)?;
        log_r_is.push(e.log_value);
    }
    let flow_err = std_dev(&log_r_is);
    bar.set_message("6-D run of P̂_A P̂_B / π²".into());
    let like = FlowProduct {
        a: &flows[0][0],
        b: &flows[1][0],
        prior: &prior,
    };
    let run6 = sample(
        &like,
        &prior,
        &run_cfg(cfg.n_live_theta, child_seed(cfg.seed, 8)),
    )?;
    bar.inc(1);
    let wall = t0.elapsed().as_secs_f64();
    parts.push((run6.log_z(), run6.log_z_err().hypot(flow_err)));
    let log_z = parts.iter().map(|p| p.0).sum();
    let log_z_err = parts.iter().map(|p| p.1 * p.1).sum::<f64>().sqrt();
    let s6 = run6.to_weighted_samples()?;
    let (kl, kl_err) = moment_kl(&truth, &s6, cfg.n_bootstrap, child_seed(cfg.seed, 13))?;
    routes.push(RouteResult {
        route: "nuisance_free",
        calls,
        theta_calls: run6.calls(),
        wall_s: wall,
        log_z,
        log_z_err,
        kl,
        kl_err,
        n_eff: s6.ess(),
    });
    bar.finish_and_clear();
    Ok(NuisanceJointResult {
        pair,
        routes,
        parts: [parts[0], parts[1], parts[2]],
        flow_err,
        log_r_is,
    })
}

/// The reproduction (see the module docs).
pub struct NuisanceJoint;

impl Reproduction for NuisanceJoint {
    fn id(&self) -> &'static str {
        "ns-nuisance-joint"
    }
    fn paper(&self) -> &'static str {
        "arXiv:2205.12841"
    }
    fn item(&self) -> &'static str {
        "§ nuisance-free joint analysis (synthetic, known truth)"
    }
    fn title(&self) -> &'static str {
        "Joint evidence of two experiments sharing 6 of 41 parameters: direct, enhanced and nuisance-free routes against the closed form"
    }
    fn tiers(&self) -> &'static str {
        "quick: 41-D problem, 100 live points a run (200 for the 6-D run); full: 500 live points a run"
    }
    fn run(&self, tier: Tier) -> Result<Output> {
        nuisance_joint(tier, &NuisanceJointConfig::for_tier(tier))
    }
}

/// Runs the routes and builds the output.
pub fn nuisance_joint(tier: Tier, cfg: &NuisanceJointConfig) -> Result<Output> {
    let res = nuisance_joint_routes(cfg)?;
    let pair = &res.pair;
    let truth = pair.joint.log_z();
    let mut out = Output::new("ns-nuisance-joint", tier, cfg.seed);
    let mut t = Table::new(
        "routes",
        &[
            "route",
            "likelihood calls",
            "6-D flow calls",
            "wall s",
            "log Z_AB",
            "± σ",
            "truth",
            "pull",
            "KL(θ)",
            "± σ",
            "n_eff(θ)",
        ],
    );
    let label = |r: &str| match r {
        "direct" => format!("direct nested sampling ({}-D)", pair.joint.dim()),
        "enhanced" => format!("enhanced pipeline ({}-D)", pair.joint.dim()),
        _ => format!(
            "nuisance-free: A ({}-D) + B ({}-D) + flows + 6-D run",
            pair.a.dim(),
            pair.b.dim()
        ),
    };
    for r in &res.routes {
        let v = Value::new(
            format!("{}.log_z", r.route),
            format!("{}: log Z_AB", label(r.route)),
            r.log_z,
            r.log_z_err,
        )
        .with_reference(truth, 0.0, "closed form");
        t.push(vec![
            r.route.into(),
            r.calls.to_string(),
            r.theta_calls.to_string(),
            format!("{:.1}", r.wall_s),
            format!("{:.3}", r.log_z),
            format!("{:.3}", r.log_z_err),
            format!("{truth:.3}"),
            format!("{:+.2}", (r.log_z - truth) / r.log_z_err),
            format!("{:.4}", r.kl),
            format!("{:.4}", r.kl_err),
            format!("{:.0}", r.n_eff),
        ]);
        out.checks.push(v.agrees_within(3.0));
        out.values.push(v);
        out.checks.push(Check::new(
            format!("{}: θ posterior KL below {KL_SMALL} nats", r.route),
            r.kl < KL_SMALL,
            format!(
                "KL = {:.4} ± {:.4} (n_eff = {:.0}; finite-sample bias ≈ {:.4})",
                r.kl,
                r.kl_err,
                r.n_eff,
                (N_THETA * (N_THETA + 3)) as f64 / (4.0 * r.n_eff)
            ),
        ));
        out.values.push(Value::new(
            format!("{}.kl_theta", r.route),
            format!(
                "{}: KL(true θ marginal ‖ moment-matched Gaussian)",
                label(r.route)
            ),
            r.kl,
            r.kl_err,
        ));
        out.values.push(Value::new(
            format!("{}.calls", r.route),
            format!("{}: likelihood calls", label(r.route)),
            r.calls as f64,
            0.0,
        ));
        out.values.push(
            Value::new(
                format!("{}.wall_s", r.route),
                format!("{}: wall time (s)", label(r.route)),
                r.wall_s,
                0.0,
            )
            .machine_dependent(),
        );
    }
    let [(za, ea), (zb, eb), (lr, er)] = res.parts;
    for (key, label, v, e, want) in [
        (
            "nuisance_free.log_z_a",
            "route 3: log Z_A (26-D run)",
            za,
            ea,
            pair.a.log_z(),
        ),
        (
            "nuisance_free.log_z_b",
            "route 3: log Z_B (21-D run)",
            zb,
            eb,
            pair.b.log_z(),
        ),
        (
            "nuisance_free.log_r",
            "route 3: log R = log ∫ P̂_A P̂_B / π (6-D run; σ with the flows' spread)",
            lr,
            er,
            pair.log_r(),
        ),
    ] {
        let v = Value::new(key, label, v, e).with_reference(want, 0.0, "closed form");
        out.checks.push(v.agrees_within(3.0));
        out.values.push(v);
    }
    out.tables.push(t);
    out.notes.push(format!(
        "route 3's flows' error σ_flow = {:.3}: log R by importance sampling from each of {} pairs of MAFs = {}",
        res.flow_err,
        res.log_r_is.len(),
        res.log_r_is
            .iter()
            .map(|v| format!("{v:.3}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    out.notes.push(format!(
        "A: {}-D, B: {}-D, joint: {}-D; θ means {:.2}σ apart (Mahalanobis, Σ_Aθθ + Σ_Bθθ); boxes hold every posterior to ≥ {:.1}σ; {} live points a run, {} for the 6-D run; proposal of the enhanced route: a Gaussian in Gaussianised coordinates; flows: MAF, 6 MADEs of [50, 50].",
        pair.a.dim(),
        pair.b.dim(),
        pair.joint.dim(),
        pair.tension()?,
        pair.joint.margin().min(pair.a.margin()).min(pair.b.margin()),
        cfg.n_live,
        cfg.n_live_theta,
    ));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::density::Sample;

    /// `KL(N(0, 1) ‖ N(1, 4)) = ½ (¼ + ¼ − 1 + ln 4)`, and `KL(p ‖ p) = 0`.
    #[test]
    fn gaussian_kl_matches_the_one_dimensional_formula() {
        let p = Gaussian::standard(1).unwrap();
        let q = Gaussian::new(
            vec![1.0],
            crate::matrix::Matrix::new(1, 1, vec![4.0]).unwrap(),
        )
        .unwrap();
        let want = 0.5 * (0.25 + 0.25 - 1.0 + 4f64.ln());
        assert!((gaussian_kl(&p, &q).unwrap() - want).abs() < 1e-12);
        assert!(gaussian_kl(&p, &p).unwrap().abs() < 1e-12);
        assert!(gaussian_kl(&p, &Gaussian::standard(2).unwrap()).is_err());
    }

    /// Draws of the truth give a KL near its finite-sample bias `d(d + 3)/(4n)`.
    #[test]
    fn moment_kl_of_true_draws_is_its_finite_sample_bias() {
        let g = Gaussian::ar1(6, 0.5, 2.0).unwrap();
        let n = 4000;
        let s = WeightedSamples::unweighted(
            g.sample_seeded(n, 3).unwrap(),
            WeightedSamples::default_names(6),
        )
        .unwrap();
        let (kl, err) = moment_kl(&g, &s, 50, 4).unwrap();
        let bias = 6.0 * 9.0 / (4.0 * n as f64);
        assert!(
            kl > 0.0 && kl < bias + 4.0 * err.max(bias),
            "{kl} ± {err}, bias {bias}"
        );
    }
}
