//! Closed-form checks of the marginal statistics (DESIGN.md §2), written as a tutorial in
//! `notebooks/closed_forms.ipynb`. Every estimate is made with a MAF fitted to draws of the
//! truth and evaluated on **fresh** draws (never on the training samples, whose in-sample
//! evaluation is biased), and compared with its closed form:
//!
//! 1. **A Gaussian in a box.** `N(0, Σ)` with AR(1) correlation `Σ_ij = 0.6^{|i−j|}` in 5-D,
//!    inside the prior box `[−10, 10]⁵` of volume `V`: `D = ln V − ½ ln det(2πeΣ)`, `d = 5`.
//! 2. **The triangular density.** `p(x, y) = 1 − |x|` on `[−1, 1] × [0, 1]` against the
//!    uniform prior on that box: `D = ln 2 − ½`, `d = ½`.
//! 3. **An importance-sampled evidence.** `L(θ) = c N(θ; μ, Σ)` in 3-D with a uniform prior on
//!    `[−10, 10]³`: `Z = c / V`. The proposal is a MAF fitted to posterior draws.
//! 4. **A nuisance-free likelihood.** Experiment A has a Gaussian likelihood in `(θ₁, θ₂, α₁,
//!    α₂)`, with strong θ–α correlations, and a uniform prior on `[−10, 10]⁴`. A MAF fitted to the θ
//!    columns of A's posterior gives `log L_A(θ) = log P_A(θ) + log Z_A − log π(θ)`.
//!    Experiment B constrains θ alone, `L_B = c_B N(θ; μ_B, Σ_B)`, about 1σ from A. The joint
//!    evidence `Z_AB = ∫ L_A L_B π dθ` has the closed form
//!    `c_A c_B N(μ_Aθ; μ_B, Σ_Aθθ + Σ_B) / (V_α V_θ)`, and the nuisance-free route must reach
//!    it without the nuisance parameters.
//!
//! Errors combine the bootstrap (or importance-sampling) error with the spread over
//! independently trained flows.

use rand::{Rng, RngCore};
use serde::Serialize;

use super::output::{Check, Output, Value};
use super::{Reproduction, Table, Tier};
use crate::density::{log_like, Density, Gaussian, Sample, UniformBox};
use crate::error::Result;
use crate::fit::Fit;
use crate::flow::MafConfig;
use crate::matrix::Matrix;
use crate::rng::child_seed;
use crate::samples::WeightedSamples;
use crate::stats::divergence::std_dev;
use crate::stats::{combine, importance_evidence, marginal_stats, MarginalStats};
use crate::transform::Bounds;

/// `p(x, y) = 1 − |x|` on `[−1, 1] × [0, 1]`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Triangular;

impl Triangular {
    /// Its box `[−1, 1] × [0, 1]`.
    pub fn bounds() -> Bounds {
        Bounds::new(vec![-1.0, 0.0], vec![1.0, 1.0]).expect("a valid box")
    }
}

impl Density for Triangular {
    fn dim(&self) -> usize {
        2
    }
    fn log_prob(&self, x: &Matrix) -> Result<Vec<f64>> {
        x.check_dim("x", 2)?;
        x.check_no_nan("x")?;
        Ok(x.rows()
            .map(|r| {
                if r[0].abs() < 1.0 && (0.0..=1.0).contains(&r[1]) {
                    (1.0 - r[0].abs()).ln()
                } else {
                    f64::NEG_INFINITY
                }
            })
            .collect())
    }
}

impl Sample for Triangular {
    fn sample(&self, n: usize, rng: &mut dyn RngCore) -> Result<Matrix> {
        let mut m = Matrix::zeros(n, 2);
        for i in 0..n {
            let (a, b, c): (f64, f64, f64) = (rng.random(), rng.random(), rng.random());
            m.row_mut(i).copy_from_slice(&[a + b - 1.0, c]);
        }
        Ok(m)
    }
}

/// Settings of the closed-form checks.
#[derive(Debug, Clone, Serialize)]
pub struct ClosedFormConfig {
    /// Training draws per flow.
    pub n_train: usize,
    /// Fresh draws for each evaluation.
    pub n_eval: usize,
    /// Independently trained flows per check.
    pub seeds: usize,
    /// Bootstrap resamples.
    pub n_bootstrap: usize,
    /// Base seed.
    pub seed: u64,
}

impl ClosedFormConfig {
    /// Quick: 10,000 draws, 2 flows a check; full: 10,000 draws, 10 flows.
    pub fn for_tier(tier: Tier) -> Self {
        Self {
            n_train: 10_000,
            n_eval: 10_000,
            seeds: if tier == Tier::Full { 10 } else { 2 },
            n_bootstrap: 200,
            seed: 11,
        }
    }
}

fn maf() -> Result<MafConfig> {
    MafConfig::builder().progress(false).build()
}

/// `D` and `d` of MAFs fitted to draws of `truth` on `bounds`, evaluated on fresh draws,
/// against the uniform prior on `bounds`, combined over `cfg.seeds` flows.
pub fn held_out_stats<T: Sample>(
    truth: &T,
    bounds: &Bounds,
    cfg: &ClosedFormConfig,
    stream: u64,
) -> Result<MarginalStats> {
    let prior = UniformBox::new(bounds.clone())?;
    let names = WeightedSamples::default_names(truth.dim());
    let mut per_seed = Vec::new();
    for s in 0..cfg.seeds {
        let seed = child_seed(child_seed(cfg.seed, stream), s as u64);
        let train = WeightedSamples::unweighted(
            truth.sample_seeded(cfg.n_train, child_seed(seed, 0))?,
            names.clone(),
        )?;
        let held = WeightedSamples::unweighted(
            truth.sample_seeded(cfg.n_eval, child_seed(seed, 1))?,
            names.clone(),
        )?;
        let q = maf()?.fit(&train, Some(bounds), child_seed(seed, 2))?;
        per_seed.push(marginal_stats(
            &q,
            &prior,
            &held,
            cfg.n_bootstrap,
            child_seed(seed, 3),
        )?);
    }
    Ok(combine(per_seed).combined)
}

/// Every fresh draw of the truth must get a finite estimate (the flow covers the box).
fn finite_check(name: &str, s: &MarginalStats) -> Check {
    Check::new(
        format!("{name}: log P finite at every fresh draw"),
        s.n_nonfinite == 0,
        format!("{} masked over all flows", s.n_nonfinite),
    )
}

/// Mean over seeds and error `√(⟨σ²⟩ + Var)` of estimates with their own errors.
fn combine_estimates(v: &[(f64, f64)]) -> (f64, f64) {
    let n = v.len() as f64;
    let values: Vec<f64> = v.iter().map(|e| e.0).collect();
    let e2 = v.iter().map(|e| e.1 * e.1).sum::<f64>() / n;
    (
        values.iter().sum::<f64>() / n,
        (e2 + std_dev(&values).powi(2)).sqrt(),
    )
}

/// The closed-form checks (see the module docs).
pub struct ClosedForms;

impl Reproduction for ClosedForms {
    fn id(&self) -> &'static str {
        "closed-forms"
    }
    fn paper(&self) -> &'static str {
        "closed form"
    }
    fn item(&self) -> &'static str {
        "DESIGN.md §2 checks"
    }
    fn title(&self) -> &'static str {
        "Marginal KL, dimensionality, importance-sampled evidence and a nuisance-free joint evidence against their closed forms"
    }
    fn tiers(&self) -> &'static str {
        "quick: 2 flows a check; full: 10 flows a check (10,000 training and 10,000 fresh draws each)"
    }
    fn run(&self, tier: Tier) -> Result<Output> {
        closed_forms(tier, &ClosedFormConfig::for_tier(tier))
    }
}

/// Runs the four checks.
pub fn closed_forms(tier: Tier, cfg: &ClosedFormConfig) -> Result<Output> {
    let mut out = Output::new("closed-forms", tier, cfg.seed);
    let mut t = Table::new(
        "closed_forms",
        &["check", "margflow", "closed form", "pull"],
    );
    let mut push = |out: &mut Output, v: Value| {
        let r = v.reference.as_ref().map(|r| r.value).unwrap_or(f64::NAN);
        t.push(vec![
            v.label.clone(),
            format!("{:.4} ± {:.4}", v.value, v.err),
            format!("{r:.4}"),
            v.pull().map(|p| format!("{p:.2}σ")).unwrap_or_default(),
        ]);
        out.checks.push(v.agrees_within(3.0));
        out.values.push(v);
    };

    // 1. A Gaussian in a box.
    let g = Gaussian::ar1(5, 0.6, 1.0)?;
    let b = Bounds::cube(5, -10.0, 10.0)?;
    let s = held_out_stats(&g, &b, cfg, 1)?;
    out.checks.push(finite_check("gaussian_box", &s));
    let want = g.kl_from_box(&b)?;
    push(
        &mut out,
        Value::new(
            "gaussian_box.kl",
            "5-D Gaussian in a box: D",
            s.kl,
            s.kl_err,
        )
        .with_reference(want, 0.0, "ln V − ½ ln det(2πeΣ)"),
    );
    push(
        &mut out,
        Value::new(
            "gaussian_box.bmd",
            "5-D Gaussian in a box: d",
            s.bmd,
            s.bmd_err,
        )
        .with_reference(5.0, 0.0, "the dimension"),
    );

    // 2. The triangular density.
    let s = held_out_stats(&Triangular, &Triangular::bounds(), cfg, 2)?;
    out.checks.push(finite_check("triangular", &s));
    push(
        &mut out,
        Value::new("triangular.kl", "triangular density: D", s.kl, s.kl_err).with_reference(
            std::f64::consts::LN_2 - 0.5,
            0.0,
            "ln 2 − ½",
        ),
    );
    push(
        &mut out,
        Value::new("triangular.bmd", "triangular density: d", s.bmd, s.bmd_err)
            .with_reference(0.5, 0.0, "½"),
    );

    // 3. An importance-sampled evidence with a flow as proposal.
    let like = Gaussian::new(
        vec![0.5, -1.0, 2.0],
        Matrix::new(3, 3, vec![1.0, 0.6, 0.2, 0.6, 2.0, -0.5, 0.2, -0.5, 0.5])?,
    )?;
    let log_c = -4.0;
    let b3 = Bounds::cube(3, -10.0, 10.0)?;
    let prior3 = UniformBox::new(b3.clone())?;
    let log_l = |x: &Matrix| -> Result<Vec<f64>> {
        Ok(like.log_prob(x)?.into_iter().map(|l| l + log_c).collect())
    };
    let mut est = Vec::new();
    for s in 0..cfg.seeds {
        let seed = child_seed(child_seed(cfg.seed, 3), s as u64);
        let post = WeightedSamples::unweighted(
            like.sample_seeded(cfg.n_train, child_seed(seed, 0))?,
            WeightedSamples::default_names(3),
        )?;
        let q = maf()?.fit(&post, Some(&b3), child_seed(seed, 1))?;
        let e = importance_evidence(&log_l, &prior3, &q, cfg.n_eval, child_seed(seed, 2))?;
        est.push((e.log_value, e.log_value_err));
    }
    let (m, e) = combine_estimates(&est);
    push(
        &mut out,
        Value::new(
            "is_evidence.log_z",
            "importance-sampled log Z, MAF proposal (3-D)",
            m,
            e,
        )
        .with_reference(log_c - b3.log_volume(), 0.0, "log c − log V"),
    );

    // 4. A nuisance-free likelihood in a joint analysis.
    let (est, truth) = nuisance_free_joint(cfg)?;
    let (m, e) = combine_estimates(&est);
    push(
        &mut out,
        Value::new(
            "nuisance_free.log_z_joint",
            "joint log Z_AB from A's nuisance-free flow likelihood and B",
            m,
            e,
        )
        .with_reference(truth, 0.0, "c_A c_B N(μ_Aθ; μ_B, Σ_Aθθ + Σ_B) / (V_α V_θ)"),
    );

    out.tables.push(t);
    out.notes.push(format!(
        "{} training and {} fresh draws a flow, {} flows a check; errors combine the bootstrap or importance-sampling error with the spread over flows; checks allow 3σ.",
        cfg.n_train, cfg.n_eval, cfg.seeds
    ));
    Ok(out)
}

/// Check 4: per flow, the importance-sampled `log Z_AB` and its error; and the closed form.
pub fn nuisance_free_joint(cfg: &ClosedFormConfig) -> Result<(Vec<(f64, f64)>, f64)> {
    // A: (θ₁, θ₂, α₁, α₂) with θ–α correlations of 0.6–0.8.
    let cov_a = Matrix::new(
        4,
        4,
        vec![
            1.0, 0.3, 0.7, 0.0, //
            0.3, 0.5, 0.0, -0.45, //
            0.7, 0.0, 1.0, 0.2, //
            0.0, -0.45, 0.2, 0.8,
        ],
    )?;
    let a = Gaussian::new(vec![0.0, 1.0, -1.0, 0.5], cov_a.clone())?;
    let (log_ca, log_cb) = (-3.0, -2.0);
    let box4 = Bounds::cube(4, -10.0, 10.0)?;
    let box2 = Bounds::cube(2, -10.0, 10.0)?;
    let log_za = log_ca - box4.log_volume();
    let cov_theta = Matrix::new(2, 2, vec![1.0, 0.3, 0.3, 0.5])?;
    let mu_a = [0.0, 1.0];
    let mu_b = vec![0.9, 0.4];
    let cov_b = Matrix::new(2, 2, vec![0.6, -0.1, -0.1, 0.4])?;
    let b = Gaussian::new(mu_b.clone(), cov_b.clone())?;
    let sum = Matrix::new(
        2,
        2,
        cov_theta
            .as_slice()
            .iter()
            .zip(cov_b.as_slice())
            .map(|(x, y)| x + y)
            .collect(),
    )?;
    let conv = Gaussian::new(mu_b, sum)?;
    let v_alpha = box4.log_volume() - box2.log_volume();
    let truth = log_ca + log_cb + conv.log_prob_one(&mu_a)? - v_alpha - box2.log_volume();
    let prior2 = UniformBox::new(box2.clone())?;
    let mut est = Vec::new();
    for s in 0..cfg.seeds {
        let seed = child_seed(child_seed(cfg.seed, 4), s as u64);
        let chain = WeightedSamples::unweighted(
            a.sample_seeded(cfg.n_train, child_seed(seed, 0))?,
            vec!["t1".into(), "t2".into(), "a1".into(), "a2".into()],
        )?;
        let theta = chain.select(&["t1", "t2"])?; // drop the nuisance parameters
        let qa = maf()?.fit(&theta, Some(&box2), child_seed(seed, 1))?;
        let log_l = |x: &Matrix| -> Result<Vec<f64>> {
            let la = log_like(&qa, x, log_za, &prior2)?;
            let lb = b.log_prob(x)?;
            Ok(la.iter().zip(lb).map(|(p, q)| p + q + log_cb).collect())
        };
        let e = importance_evidence(&log_l, &prior2, &qa, cfg.n_eval, child_seed(seed, 2))?;
        est.push((e.log_value, e.log_value_err));
    }
    Ok((est, truth))
}
