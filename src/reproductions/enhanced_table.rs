//! `ns-enhanced-table`: the enhanced nested sampling table of the talk on arXiv:2207.11457
//! (Bevins et al.), in its form, on problems with a known `log Z`.
//!
//! The talk compared a direct high-resolution run with a low-resolution run → flow →
//! high-resolution run: 2,498,813 against 741,723 likelihood calls, with `log Z = −23.33`
//! against `−25.20`. Its evidence moved by 1.9, well outside its errors. Here each problem is
//! run both ways over many seeds, and each route's calls and `log Z ± σ` are set against the
//! truth, with the coverage of the error bars: the fraction of runs within 2σ (0.954 for
//! calibrated Gaussian errors), the mean pull `(log Z − truth)/σ` and the ratio of the scatter
//! of `log Z` over seeds to the mean error bar (1 when the error bars are honest).
//!
//! Problems: the 41-D joint problem of `ns-nuisance-joint`, a 27-D Gaussian shaped like a
//! Planck posterior ([`planck_like`]: six θ with scales over a decade and AR(1) correlation
//! 0.6, 21 nuisance parameters correlated at ~0.94 with them, scales over 2.5 decades), and the
//! multimodal built-in problems (Gaussian shells, the eggbox, two Gaussians). The enhanced route
//! is [`enhanced`] with its defaults (low-resolution run of 200 live points, 400 for the
//! eggbox's 18 modes), a Gaussian proposal (in Gaussianised coordinates) for the unimodal
//! problems and a Gaussian mixture for the multimodal ones; its high-resolution run has the
//! direct run's live points.
//!
//! **Why margflow's evidence stays where the talk's moved.** A nested-sampling run with prior
//! `π̃` and likelihood `L̃` estimates `∫ L̃ π̃ dθ`. margflow's high-resolution run uses the fitted
//! proposal `π̃` as its prior and the repartitioned likelihood `L̃ = L π / π̃`
//! ([`Repartitioned`](crate::nested::Repartitioned)), so `L̃ π̃ = L π` pointwise and the run's
//! evidence and posterior are those of `(L, π)` whatever the proposal is, as long as
//! `π̃ > 0` wherever `L π > 0`: a poor proposal costs calls, never bias. margflow's proposals
//! are normalised densities on a box (their own unit-cube maps), so `∫ π̃ = 1` holds exactly.
//! Used as a plain prior instead, a flow gives `∫ L π̃`, which is `Z` only if the flow is the
//! prior; and a flow that is not normalised over the prior's support (mass outside the box, or
//! a density defined on unbounded coordinates and then cut) scales the evidence by its mass
//! inside, `log Z` moving by `log ∫_box π̃`; a likelihood not corrected by `π / π̃` moves it by
//! `log E_P[π̃ / π]`-sized amounts. Either gives a shift of order one nat with error bars that
//! do not know it, as in the talk; the repartitioned run has neither.

use std::time::Instant;

use serde::Serialize;

use super::joint_gaussians::{planck_like, PairConfig, SyntheticPair};
use super::output::{Check, Output, Value};
use super::{Reproduction, Table, Tier};
use crate::error::Result;
use crate::fit::Fit;
use crate::nested::problems::{Eggbox, GaussianShells, TestProblem, TwoGaussians};
use crate::nested::{
    enhanced, sample, GaussianFit, GaussianMixtureFit, NestedConfig, PipelineConfig,
};
use crate::progress::Progress;
use crate::rng::child_seed;
use crate::stats::divergence::std_dev;

/// The talk's direct run: likelihood calls.
pub const TALK_DIRECT_CALLS: f64 = 2_498_813.0;
/// The talk's enhanced run: likelihood calls.
pub const TALK_ENHANCED_CALLS: f64 = 741_723.0;
/// The talk's direct `log Z`.
pub const TALK_DIRECT_LOG_Z: f64 = -23.33;
/// The talk's enhanced `log Z`.
pub const TALK_ENHANCED_LOG_Z: f64 = -25.20;

/// Which proposal the enhanced route fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ProposalKind {
    /// [`GaussianFit`]: unimodal problems.
    Gaussian,
    /// [`GaussianMixtureFit`]: multimodal problems.
    Mixture,
}

/// One problem of the table.
pub struct EnhancedProblem {
    /// Key of its values (`joint`, `planck`, `shells`, `eggbox`, `two_gaussians`).
    pub key: &'static str,
    /// The problem.
    pub problem: Box<dyn TestProblem>,
    /// The enhanced route's proposal.
    pub proposal: ProposalKind,
    /// Live points of the direct and the high-resolution runs.
    pub n_live: usize,
    /// Live points of the low-resolution run.
    pub n_low: usize,
}

/// The problems of a tier: full, the 41-D joint problem, the 27-D Planck-like Gaussian,
/// shells-5, the eggbox and two-gaussians-5; quick, a 20-D joint problem (8 + 6 nuisance
/// parameters), a 12-D Planck-like Gaussian, shells-2, the eggbox and two-gaussians-2.
pub fn problems(tier: Tier) -> Result<Vec<EnhancedProblem>> {
    let full = tier == Tier::Full;
    let pair = SyntheticPair::new(&if full {
        PairConfig::paper()
    } else {
        PairConfig {
            n_alpha_a: 8,
            n_alpha_b: 6,
            ..PairConfig::paper()
        }
    })?;
    let d_multi = if full { 5 } else { 2 };
    let n_low = PipelineConfig::default().low.get_n_live();
    let p = |key, problem: Box<dyn TestProblem>, proposal, n_live, n_low| EnhancedProblem {
        key,
        problem,
        proposal,
        n_live,
        n_low,
    };
    use ProposalKind::{Gaussian, Mixture};
    Ok(vec![
        p("joint", Box::new(pair.joint), Gaussian, 100, n_low),
        p(
            "planck",
            Box::new(planck_like(if full { 21 } else { 6 }, 27)?),
            Gaussian,
            100,
            n_low,
        ),
        p(
            "shells",
            Box::new(GaussianShells::new(d_multi)?),
            Mixture,
            200,
            n_low,
        ),
        p("eggbox", Box::new(Eggbox), Mixture, 200, 400),
        p(
            "two_gaussians",
            Box::new(TwoGaussians::new(d_multi)?),
            Mixture,
            200,
            n_low,
        ),
    ])
}

/// One run: calls, `log Z`, σ, wall seconds.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RunRecord {
    /// Likelihood calls.
    pub calls: u64,
    /// `log Z`.
    pub log_z: f64,
    /// Its error.
    pub err: f64,
    /// Wall seconds.
    pub wall_s: f64,
}

/// A problem's direct and enhanced runs over seeds.
pub struct ProblemRecords {
    /// The problem's key.
    pub key: &'static str,
    /// Its name (`joint-41`, `eggbox`, ...).
    pub name: String,
    /// True `log Z`.
    pub truth: f64,
    /// Live points of the direct and high-resolution runs.
    pub n_live: usize,
    /// Direct runs, one per seed.
    pub direct: Vec<RunRecord>,
    /// Enhanced runs, one per seed.
    pub enhanced: Vec<RunRecord>,
}

fn quiet(n: usize, seed: u64) -> NestedConfig {
    NestedConfig::new().n_live(n).progress(false).seed(seed)
}

fn enhanced_run<F: Fit>(p: &EnhancedProblem, fit: &F, pc: &PipelineConfig) -> Result<RunRecord> {
    let t0 = Instant::now();
    let r = enhanced(
        &p.problem,
        &p.problem.prior()?,
        &p.problem.bounds(),
        fit,
        pc,
    )?;
    Ok(RunRecord {
        calls: r.calls,
        log_z: r.high.log_z(),
        err: r.high.log_z_err(),
        wall_s: t0.elapsed().as_secs_f64(),
    })
}

/// Runs every problem both ways with `seeds` seeds from `seed`.
pub fn records(tier: Tier, seeds: usize, seed: u64) -> Result<Vec<ProblemRecords>> {
    let probs = problems(tier)?;
    let bar = Progress::bar(
        (probs.len() * seeds) as u64,
        "ns-enhanced-table {bar:30} {pos}/{len} seeds {msg}",
        true,
    );
    let mut out = Vec::new();
    for (pi, p) in probs.iter().enumerate() {
        let mut rec = ProblemRecords {
            key: p.key,
            name: p.problem.name(),
            truth: p.problem.log_z(),
            n_live: p.n_live,
            direct: Vec::new(),
            enhanced: Vec::new(),
        };
        for s in 0..seeds {
            bar.set_message(format!("{} seed {s}", rec.name));
            let base = child_seed(child_seed(seed, pi as u64), s as u64);
            let t0 = Instant::now();
            let run = sample(
                &p.problem,
                &p.problem.prior()?,
                &quiet(p.n_live, child_seed(base, 1)),
            )?;
            rec.direct.push(RunRecord {
                calls: run.calls(),
                log_z: run.log_z(),
                err: run.log_z_err(),
                wall_s: t0.elapsed().as_secs_f64(),
            });
            let def = PipelineConfig::default();
            let pc = PipelineConfig {
                low: def
                    .low
                    .clone()
                    .n_live(p.n_low)
                    .progress(false)
                    .seed(child_seed(base, 2)),
                high: def
                    .high
                    .clone()
                    .n_live(p.n_live)
                    .progress(false)
                    .seed(child_seed(base, 3)),
                ..def
            };
            rec.enhanced.push(match p.proposal {
                ProposalKind::Gaussian => enhanced_run(p, &GaussianFit::default(), &pc)?,
                ProposalKind::Mixture => enhanced_run(p, &GaussianMixtureFit::new(), &pc)?,
            });
            bar.inc(1);
        }
        out.push(rec);
    }
    bar.finish_and_clear();
    Ok(out)
}

/// Summary of one route over seeds.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Coverage {
    /// Mean calls.
    pub calls: f64,
    /// Standard error of the mean calls.
    pub calls_err: f64,
    /// Mean `log Z`.
    pub log_z: f64,
    /// Error of the mean, `√(Σ σ_i²) / n`.
    pub log_z_err: f64,
    /// Mean σ.
    pub mean_err: f64,
    /// Standard deviation of `log Z` over seeds.
    pub scatter: f64,
    /// Fraction of runs within 2σ of the truth.
    pub within_2sigma: f64,
    /// Mean pull `(log Z − truth)/σ`.
    pub mean_pull: f64,
    /// Mean wall seconds a run.
    pub wall_s: f64,
}

impl Coverage {
    /// Summarises `runs` against `truth`.
    pub fn of(runs: &[RunRecord], truth: f64) -> Self {
        let n = runs.len() as f64;
        let calls: Vec<f64> = runs.iter().map(|r| r.calls as f64).collect();
        let lz: Vec<f64> = runs.iter().map(|r| r.log_z).collect();
        let pulls: Vec<f64> = runs.iter().map(|r| (r.log_z - truth) / r.err).collect();
        Self {
            calls: calls.iter().sum::<f64>() / n,
            calls_err: if runs.len() > 1 {
                std_dev(&calls) / n.sqrt()
            } else {
                0.0
            },
            log_z: lz.iter().sum::<f64>() / n,
            log_z_err: runs.iter().map(|r| r.err * r.err).sum::<f64>().sqrt() / n,
            mean_err: runs.iter().map(|r| r.err).sum::<f64>() / n,
            scatter: if runs.len() > 1 {
                std_dev(&lz)
            } else {
                f64::NAN
            },
            within_2sigma: pulls.iter().filter(|p| p.abs() <= 2.0).count() as f64 / n,
            mean_pull: pulls.iter().sum::<f64>() / n,
            wall_s: runs.iter().map(|r| r.wall_s).sum::<f64>() / n,
        }
    }
}

/// Seeds from which the coverage values are reported (and checked).
pub const COVERAGE_SEEDS: usize = 20;
/// The fraction of a Gaussian within 2σ.
pub const GAUSS_2SIGMA: f64 = 0.954_499_736;

/// The reproduction (see the module docs).
pub struct EnhancedTable;

impl EnhancedTable {
    /// Seeds a problem in each tier: 3 quick, 20 full.
    pub fn seeds(tier: Tier) -> usize {
        if tier == Tier::Full {
            COVERAGE_SEEDS
        } else {
            3
        }
    }
}

impl Reproduction for EnhancedTable {
    fn id(&self) -> &'static str {
        "ns-enhanced-table"
    }
    fn paper(&self) -> &'static str {
        "arXiv:2207.11457"
    }
    fn item(&self) -> &'static str {
        "enhanced nested sampling table (Bevins et al. talk)"
    }
    fn title(&self) -> &'static str {
        "Direct against enhanced nested sampling (low-res run → proposal → repartitioned high-res run): calls, log Z and coverage on problems with known log Z"
    }
    fn tiers(&self) -> &'static str {
        "quick: 3 seeds on 20-D joint, 12-D Planck-like, shells-2, eggbox, two-gaussians-2; full: 20 seeds on 41-D joint, 27-D Planck-like, shells-5, eggbox, two-gaussians-5"
    }
    fn run(&self, tier: Tier) -> Result<Output> {
        enhanced_table(tier, Self::seeds(tier), 11457)
    }
}

/// Runs the table with `seeds` seeds a problem.
pub fn enhanced_table(tier: Tier, seeds: usize, seed: u64) -> Result<Output> {
    let recs = records(tier, seeds, seed)?;
    let mut out = Output::new("ns-enhanced-table", tier, seed);
    let mut t = Table::new(
        "enhanced_table",
        &[
            "problem",
            "route",
            "n_live",
            "calls",
            "log Z",
            "± σ",
            "truth",
            "scatter",
            "mean σ",
            "within 2σ",
            "mean pull",
            "s/run",
        ],
    );
    for r in &recs {
        let mut cov = Vec::new();
        for (route, runs) in [("direct", &r.direct), ("enhanced", &r.enhanced)] {
            let c = Coverage::of(runs, r.truth);
            t.push(vec![
                r.name.clone(),
                route.into(),
                r.n_live.to_string(),
                format!("{:.0}", c.calls),
                format!("{:.3}", c.log_z),
                format!("{:.3}", c.log_z_err),
                format!("{:.3}", r.truth),
                format!("{:.3}", c.scatter),
                format!("{:.3}", c.mean_err),
                format!(
                    "{}/{}",
                    (c.within_2sigma * runs.len() as f64).round(),
                    runs.len()
                ),
                format!("{:+.2}", c.mean_pull),
                format!("{:.2}", c.wall_s),
            ]);
            let what = format!("{} ({route})", r.name);
            let v = Value::new(
                format!("{}.{route}.log_z", r.key),
                format!("{what}: mean log Z over {} seeds", runs.len()),
                c.log_z,
                c.log_z_err,
            )
            .with_reference(r.truth, 0.0, "closed form or quadrature");
            out.checks.push(v.agrees_within(3.0));
            out.values.push(v);
            out.values.push(Value::new(
                format!("{}.{route}.calls", r.key),
                format!("{what}: mean likelihood calls"),
                c.calls,
                c.calls_err,
            ));
            if runs.len() >= COVERAGE_SEEDS {
                let n = runs.len() as f64;
                let v = Value::new(
                    format!("{}.{route}.within_2sigma", r.key),
                    format!("{what}: fraction of runs within 2σ"),
                    c.within_2sigma,
                    0.0,
                )
                .with_reference(
                    GAUSS_2SIGMA,
                    (GAUSS_2SIGMA * (1.0 - GAUSS_2SIGMA) / n).sqrt(),
                    "Gaussian errors (binomial spread)",
                );
                out.checks.push(v.agrees_within(3.0));
                out.values.push(v);
                let ratio = c.scatter / c.mean_err;
                let v = Value::new(
                    format!("{}.{route}.scatter_ratio", r.key),
                    format!("{what}: scatter of log Z / mean σ"),
                    ratio,
                    ratio / (2.0 * (n - 1.0)).sqrt(),
                )
                .with_reference(1.0, 0.0, "honest error bars");
                out.checks.push(v.agrees_within(3.0));
                out.values.push(v);
            }
            cov.push(c);
        }
        let (d, e) = (cov[0], cov[1]);
        let ratio = e.calls / d.calls;
        let ratio_err =
            ratio * ((e.calls_err / e.calls).powi(2) + (d.calls_err / d.calls).powi(2)).sqrt();
        out.values.push(Value::new(
            format!("{}.calls_ratio", r.key),
            format!("{}: enhanced / direct likelihood calls", r.name),
            ratio,
            ratio_err,
        ));
        out.checks.push(Check::new(
            format!("{}: the enhanced route costs fewer calls", r.key),
            ratio < 1.0,
            format!(
                "{:.0} against {:.0} calls ({:.1} %)",
                e.calls,
                d.calls,
                100.0 * ratio
            ),
        ));
        if r.key == "planck" {
            let v = Value::new(
                "talk.calls_ratio",
                format!(
                    "{}: enhanced / direct calls, against the talk's 741,723 / 2,498,813",
                    r.name
                ),
                ratio,
                ratio_err,
            )
            .with_reference(
                TALK_ENHANCED_CALLS / TALK_DIRECT_CALLS,
                0.0,
                "the talk's table (741,723 / 2,498,813)",
            );
            out.values.push(v);
            let shift: Vec<f64> = r
                .enhanced
                .iter()
                .zip(&r.direct)
                .map(|(a, b)| a.log_z - b.log_z)
                .collect();
            let n = shift.len() as f64;
            let se = r
                .enhanced
                .iter()
                .zip(&r.direct)
                .map(|(a, b)| a.err * a.err + b.err * b.err)
                .sum::<f64>()
                .sqrt()
                / n;
            let m = shift.iter().sum::<f64>() / n;
            let v = Value::new(
                "talk.log_z_shift",
                format!(
                    "{}: enhanced − direct log Z, against the talk's −25.20 − (−23.33)",
                    r.name
                ),
                m,
                se,
            )
            .with_reference(
                TALK_ENHANCED_LOG_Z - TALK_DIRECT_LOG_Z,
                0.0,
                "the talk's table (−25.20 − (−23.33))",
            );
            out.checks.push(Check::new(
                "planck: enhanced and direct log Z agree (the repartitioned run keeps the evidence)",
                m.abs() <= 3.0 * se,
                format!("shift {m:.3} ± {se:.3}, against the talk's {:.2}", TALK_ENHANCED_LOG_Z - TALK_DIRECT_LOG_Z),
            ));
            out.values.push(v);
        }
    }
    out.tables.push(t);
    out.notes.push(format!(
        "{seeds} seeds a problem; enhanced = margflow's pipeline defaults (low-res 200 live points with d slice steps, 400 for the eggbox, precision 0.3; tempered β = ½ proposal; high-res run with the direct run's live points, precision 0.3); proposals: Gaussian for joint and planck, Gaussian mixture for the rest. The talk's numbers come from one cosmological run each, not these problems: compare the form and the ratio, not the values."
    ));
    Ok(out)
}
