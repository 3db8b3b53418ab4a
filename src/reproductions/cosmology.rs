//! Marginal statistics of the real DES Y1, Planck 2018 and joint chains (Bevins et al. 2022,
//! arXiv:2205.12841 §4), on [`crate::stats::cosmology`]; shown in
//! `notebooks/marginal_cosmology.ipynb`.
//!
//! - `cosmo-marginals`: `D` and `d` of each experiment against the prior with the MAF, the KDE
//!   and the piecewise MAF, with MCMC-honest errors beside the naive ones.
//! - `cosmo-triangle`: the information triangle of each experiment.
//! - `cosmo-joint`: the joint posterior rebuilt from the DES and Planck marginals and the
//!   prior, against the joint chain, and `log R` with its estimator systematic.
//!
//! The chains are not exactly the paper's (they are tensiometer's test chains), so the paper's
//! `D` (6.32 for DES, 7.28 for Planck, 5.34 for the joint run) is context, not a pass mark:
//! the checks are physics (a pair of parameters holds at least the information of each, Planck
//! constrains more than DES, the block error agrees with the spread between chains, the rebuilt
//! joint posterior matches the joint chain).

use super::output::{Check, Figure, InputFile, Output, Value};
use super::{Reproduction, Table, Tier};
use crate::error::{Error, Result};
use crate::plot::{corner_svg, triangle_svg, CornerOptions};
use crate::progress::Progress;
use crate::samples::WeightedSamples;
use crate::stats::cosmology::{
    chains_dir, combine_log_r, information_triangle, marginal_table, rebuild_joint, CosmoChains,
    CosmoSettings, JointRebuilt, CHAINS_SOURCE, COSMO_PARAMS,
};
use crate::stats::divergence::std_dev;
use crate::stats::mcmc::chi_ratio_interval;
use crate::stats::MarginalStats;

/// The estimators compared, by [`crate::stats::estimators::fit_named`] name.
pub const ESTIMATORS: [&str; 3] = ["maf", "kde", "piecewise-maf"];

/// The paper's marginal KL divergences (context only: other chains).
const PAPER_KL: [f64; 3] = [6.32, 7.28, 5.34];

/// Short keys of the experiments.
const KEYS: [&str; 3] = ["des", "planck", "joint"];

/// Settings of a tier: extra thinning beyond the autocorrelation time, and the seeds.
fn tier_settings(tier: Tier) -> (usize, CosmoSettings) {
    match tier {
        Tier::Quick => (
            4,
            CosmoSettings {
                seeds: vec![1],
                folds: 2,
                n_bootstrap: 100,
                n_importance: 20_000,
            },
        ),
        Tier::Full => (1, CosmoSettings::default()),
    }
}

/// Reads the chains for a tier, with the message of [`CHAINS_SOURCE`] when they are missing,
/// and their sha256s.
fn read_chains(tier: Tier) -> Result<(CosmoChains, CosmoSettings, Vec<InputFile>)> {
    let dir = chains_dir()
        .ok_or_else(|| Error::invalid("chains", format!("chains not found: {CHAINS_SOURCE}")))?;
    let (thin, settings) = tier_settings(tier);
    let chains = CosmoChains::read(&dir, thin)?;
    let inputs = chains
        .files
        .iter()
        .filter(|p| p.is_file())
        .map(|p| {
            let mut f = InputFile::hash(p)?;
            f.path = format!(
                "cosmology_chains/{}",
                p.file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default()
            );
            Ok(f)
        })
        .collect::<Result<_>>()?;
    Ok((chains, settings, inputs))
}

fn chains_table(chains: &CosmoChains) -> Table {
    let mut t = Table::new(
        "chains",
        &[
            "chains",
            "rows",
            "τ_int (rows)",
            "thinned by",
            "rows kept",
            "Kish ESS kept",
        ],
    );
    let sets = chains
        .experiments
        .iter()
        .map(|(n, s)| (n.as_str(), s))
        .chain(std::iter::once(("prior", &chains.prior)));
    for (k, (name, s)) in sets.enumerate() {
        t.push(vec![
            name.into(),
            chains.rows[k].to_string(),
            format!("{:.1}", chains.tau[k]),
            chains.thin[k].to_string(),
            s.len().to_string(),
            format!("{:.0}", s.ess()),
        ]);
    }
    t
}

/// `cosmo-marginals`: `D` and `d` of DES, Planck and the joint chain with three estimators.
pub struct Marginals;

impl Reproduction for Marginals {
    fn id(&self) -> &'static str {
        "cosmo-marginals"
    }
    fn paper(&self) -> &'static str {
        "arXiv:2205.12841"
    }
    fn item(&self) -> &'static str {
        "§4: marginal D and d of DES Y1, Planck 2018 and the joint run"
    }
    fn title(&self) -> &'static str {
        "D and d of the six ΛCDM parameters against the prior, three estimators, MCMC-honest errors"
    }
    fn tiers(&self) -> &'static str {
        "quick: chains thinned by τ_int, 1 seed; full: thinned by τ_int / 4, 3 seeds"
    }
    fn run(&self, tier: Tier) -> Result<Output> {
        let (chains, settings, inputs) = read_chains(tier)?;
        let bar = Progress::bar(
            (ESTIMATORS.len() * settings.seeds.len() * 4) as u64,
            "cosmo-marginals {bar:30} {pos}/{len} {msg}",
            true,
        );
        let rows = marginal_table(&chains, &ESTIMATORS, &settings, &|m| {
            bar.set_message(m.to_string());
            bar.inc(1);
        })?;
        bar.finish_and_clear();
        let mut out = Output::new(self.id(), tier, settings.seeds[0]);
        out.inputs = inputs;
        out.tables.push(chains_table(&chains));
        let mut t = Table::new(
            "marginals",
            &[
                "experiment",
                "estimator",
                "D",
                "σ_D total",
                "σ_D block",
                "σ_D naive",
                "σ_D between chains",
                "d",
                "σ_d total",
                "σ_d block",
                "σ_d naive",
                "σ_d between chains",
                "τ (rows)",
            ],
        );
        for r in &rows {
            let c = r.combined();
            t.push(vec![
                r.experiment.clone(),
                r.estimator.clone(),
                format!("{:.3}", c.kl),
                format!("{:.3}", c.kl_err),
                format!("{:.3}", r.block_err.0),
                format!("{:.3}", r.naive_err.0),
                format!("{:.3}", r.between_chains_err.0),
                format!("{:.2}", c.bmd),
                format!("{:.2}", c.bmd_err),
                format!("{:.2}", r.block_err.1),
                format!("{:.2}", r.naive_err.1),
                format!("{:.2}", r.between_chains_err.1),
                format!("{:.2}", r.tau),
            ]);
        }
        out.tables.push(t);
        for (k, (name, _)) in chains.experiments.iter().enumerate() {
            let of: Vec<_> = rows.iter().filter(|r| &r.experiment == name).collect();
            for r in &of {
                let c = r.combined();
                let key = format!("{}.{}", KEYS[k], r.estimator);
                let mut kl = Value::new(
                    format!("{key}.kl"),
                    format!("{name}, {}: D (nats)", r.estimator),
                    c.kl,
                    c.kl_err,
                );
                if r.estimator == "maf" {
                    kl = kl.with_reference(
                        PAPER_KL[k],
                        0.0,
                        "arXiv:2205.12841 (other chains: context only)",
                    );
                }
                out.values.push(kl);
                out.values.push(Value::new(
                    format!("{key}.bmd"),
                    format!("{name}, {}: d", r.estimator),
                    c.bmd,
                    c.bmd_err,
                ));
            }
            let kls: Vec<f64> = of.iter().map(|r| r.combined().kl).collect();
            let bmds: Vec<f64> = of.iter().map(|r| r.combined().bmd).collect();
            // The systematic is a standard deviation of noisy estimates: its error is about
            // their own (root-mean-square) error.
            let rms = |f: &dyn Fn(&MarginalStats) -> f64| {
                (of.iter().map(|r| f(&r.combined()).powi(2)).sum::<f64>() / of.len() as f64).sqrt()
            };
            out.values.push(Value::new(
                format!("{}.kl_systematic", KEYS[k]),
                format!("{name}: estimator systematic of D (sd over estimators)"),
                std_dev(&kls),
                rms(&|c| c.kl_err),
            ));
            out.values.push(Value::new(
                format!("{}.bmd_systematic", KEYS[k]),
                format!("{name}: estimator systematic of d (sd over estimators)"),
                std_dev(&bmds),
                rms(&|c| c.bmd_err),
            ));
            out.values.push(Value::new(
                format!("{}.tau", KEYS[k]),
                format!("{name}: largest parameter τ_int of the chains (rows)"),
                chains.tau[k],
                0.0,
            ));
            for r in &of {
                // The block error is the honest one: the spread between the C independent
                // chains estimates the same σ with C − 1 degrees of freedom, so
                // (between / block)² (C − 1) follows χ²_{C−1}; the check is its two-sided
                // 99.9 % interval (nine such checks a run: a false alarm in about 1 % of runs).
                let (lo, hi) = chi_ratio_interval(r.per_seed[0].n_chains, 0.999)?;
                let ratio = r.between_chains_err.0 / r.block_err.0;
                out.checks.push(Check::new(
                    format!(
                        "{name}, {}: block error of D agrees with the spread between chains",
                        r.estimator
                    ),
                    (lo..=hi).contains(&ratio),
                    format!(
                        "block {:.4}, between chains {:.4} (ratio {ratio:.2}, 99.9 % interval {lo:.2}–{hi:.2}), naive {:.4}",
                        r.block_err.0, r.between_chains_err.0, r.naive_err.0
                    ),
                ));
            }
        }
        // Planck constrains ΛCDM more than DES Y1, with every estimator.
        for est in ESTIMATORS {
            let kl = |e: &str| {
                rows.iter()
                    .find(|r| r.experiment == e && r.estimator == est)
                    .map(|r| r.combined())
            };
            if let (Some(d), Some(p)) = (kl("DES Y1"), kl("Planck 2018")) {
                out.checks.push(Check::new(
                    format!("{est}: D(Planck) > D(DES)"),
                    p.kl - 3.0 * p.kl_err > d.kl + 3.0 * d.kl_err,
                    format!(
                        "Planck {:.3} ± {:.3}, DES {:.3} ± {:.3}",
                        p.kl, p.kl_err, d.kl, d.kl_err
                    ),
                ));
            }
        }
        out.notes.push(format!(
            "Chains thinned by a quarter of their autocorrelation time (× {} in this tier); cross-fitted by whole chains in {} folds; errors: block bootstrap (honest) ⊕ spread over {} seed(s).",
            tier_settings(tier).0,
            settings.folds,
            settings.seeds.len()
        ));
        Ok(out)
    }
}

/// `cosmo-triangle`: the information triangle of each experiment (KDE).
pub struct Triangle;

/// The estimator of the triangle: a KDE, which fits one- and two-dimensional marginals well
/// and quickly.
pub const TRIANGLE_ESTIMATOR: &str = "kde";

impl Reproduction for Triangle {
    fn id(&self) -> &'static str {
        "cosmo-triangle"
    }
    fn paper(&self) -> &'static str {
        "arXiv:2205.12841"
    }
    fn item(&self) -> &'static str {
        "information triangle (asked for by margarine's users)"
    }
    fn title(&self) -> &'static str {
        "Marginal D of every parameter and every pair, for DES Y1, Planck 2018 and the joint run"
    }
    fn tiers(&self) -> &'static str {
        "quick: chains thinned by τ_int; full: thinned by τ_int / 4; KDE, 2-fold cross-fitting"
    }
    fn run(&self, tier: Tier) -> Result<Output> {
        let (chains, settings, inputs) = read_chains(tier)?;
        let mut out = Output::new(self.id(), tier, settings.seeds[0]);
        out.inputs = inputs;
        let bar = Progress::bar(3, "cosmo-triangle {bar:30} {pos}/{len} {msg}", true);
        let mut mats = Vec::new();
        for (name, post) in &chains.experiments {
            bar.set_message(name.clone());
            mats.push(information_triangle(
                TRIANGLE_ESTIMATOR,
                post,
                &chains.prior,
                &chains.bounds,
                settings.folds,
                settings.n_bootstrap,
                settings.seeds[0],
            )?);
            bar.inc(1);
        }
        bar.finish_and_clear();
        let d = COSMO_PARAMS.len();
        let mut header = vec!["experiment", "parameter"];
        header.extend(COSMO_PARAMS);
        let mut t = Table::new("triangle", &header);
        for (k, ((name, _), (m, e))) in chains.experiments.iter().zip(&mats).enumerate() {
            for (i, pi) in COSMO_PARAMS.iter().enumerate() {
                let mut row = vec![name.clone(), pi.to_string()];
                row.extend((0..d).map(|j| {
                    if j <= i {
                        format!("{:.3}", m.get(i, j))
                    } else {
                        String::new()
                    }
                }));
                t.push(row);
                out.values.push(Value::new(
                    format!("{}.{pi}", KEYS[k]),
                    format!("{name}: D of {pi} alone"),
                    m.get(i, i),
                    e.get(i, i),
                ));
            }
            // The chain rule: a pair holds at least the information of each of its parameters,
            // up to three times the combined error of the two estimates.
            let mut worst = (f64::INFINITY, String::new());
            for (i, pi) in COSMO_PARAMS.iter().enumerate() {
                for (j, pj) in COSMO_PARAMS.iter().enumerate().take(i) {
                    let k = if m.get(i, i) > m.get(j, j) { i } else { j };
                    let err = (e.get(i, j).powi(2) + e.get(k, k).powi(2)).sqrt();
                    let pull = (m.get(i, j) - m.get(k, k)) / err;
                    if pull < worst.0 {
                        worst = (pull, format!("{pj}, {pi}"));
                    }
                }
            }
            out.checks.push(Check::new(
                format!("{name}: D(pair) ≥ max D(single) for every pair"),
                worst.0 > -3.0,
                format!(
                    "smallest (D(pair) − max D(single)) / σ: {:.2} ({})",
                    worst.0, worst.1
                ),
            ));
        }
        out.tables.push(t);
        let panels: Vec<(&str, &crate::matrix::Matrix)> = chains
            .experiments
            .iter()
            .zip(&mats)
            .map(|((n, _), (m, _))| (n.as_str(), m))
            .collect();
        out.figures.push(Figure {
            name: "triangle.svg".into(),
            svg: triangle_svg(&COSMO_PARAMS, &panels)?,
        });
        Ok(out)
    }
}

/// `cosmo-joint`: the joint posterior rebuilt from the marginals, and `log R`.
pub struct Joint;

impl Reproduction for Joint {
    fn id(&self) -> &'static str {
        "cosmo-joint"
    }
    fn paper(&self) -> &'static str {
        "arXiv:2205.12841"
    }
    fn item(&self) -> &'static str {
        "§4: P_DES P_Planck / π against the joint chain, and log R"
    }
    fn title(&self) -> &'static str {
        "The joint posterior rebuilt from two marginals and the prior; log R with its estimator systematic"
    }
    fn tiers(&self) -> &'static str {
        "quick: chains thinned by τ_int, 1 seed, 20,000 importance draws; full: thinned by τ_int / 4, 3 seeds, 100,000 draws"
    }
    fn run(&self, tier: Tier) -> Result<Output> {
        let (chains, settings, inputs) = read_chains(tier)?;
        let mut out = Output::new(self.id(), tier, settings.seeds[0]);
        out.inputs = inputs;
        let bar = Progress::bar(
            (ESTIMATORS.len() * settings.seeds.len()) as u64,
            "cosmo-joint {bar:30} {pos}/{len} {msg}",
            true,
        );
        let mut runs: Vec<JointRebuilt> = Vec::new();
        for est in ESTIMATORS {
            for &seed in &settings.seeds {
                bar.set_message(format!("{est}, seed {seed}"));
                runs.push(rebuild_joint(
                    &chains,
                    "DES Y1",
                    "Planck 2018",
                    "Planck + DES",
                    est,
                    seed,
                    &settings,
                )?);
                bar.inc(1);
            }
        }
        bar.finish_and_clear();
        let joint = chains.experiment("Planck + DES")?;
        let cm = joint.mean();
        let cc = joint.covariance();
        let cs: Vec<f64> = (0..cm.len()).map(|j| cc.get(j, j).sqrt()).collect();
        let mut t = Table::new(
            "rebuilt",
            &[
                "estimator",
                "seed",
                "parameter",
                "Δmean / σ_chain",
                "σ / σ_chain",
            ],
        );
        let mut lr = Table::new(
            "log_r",
            &[
                "estimator",
                "seed",
                "log R",
                "σ (IS)",
                "IS efficiency",
                "KL(chain ‖ rebuilt)",
                "σ",
                "chain rows where the rebuilt density is 0",
            ],
        );
        for r in &runs {
            for j in 0..cm.len() {
                t.push(vec![
                    r.estimator.clone(),
                    r.seed.to_string(),
                    COSMO_PARAMS[j].into(),
                    format!("{:+.3}", (r.mean[j] - cm[j]) / cs[j]),
                    format!("{:.3}", r.std[j] / cs[j]),
                ]);
            }
            let kl = r.kl_chain_vs_rebuilt.stats;
            lr.push(vec![
                r.estimator.clone(),
                r.seed.to_string(),
                format!("{:.3}", r.log_r.log_value),
                format!("{:.3}", r.log_r.log_value_err),
                format!("{:.3}", r.log_r.efficiency),
                format!("{:.3}", kl.kl),
                format!("{:.3}", kl.kl_err),
                kl.n_nonfinite.to_string(),
            ]);
        }
        out.tables.push(t);
        out.tables.push(lr);
        let mut shifts = Vec::new();
        for est in ESTIMATORS {
            let of: Vec<&JointRebuilt> = runs.iter().filter(|r| r.estimator == est).collect();
            let n = of.len() as f64;
            let v: Vec<f64> = of.iter().map(|r| r.log_r.log_value).collect();
            let is = (of
                .iter()
                .map(|r| r.log_r.log_value_err.powi(2))
                .sum::<f64>()
                / n)
                .sqrt();
            let mean = v.iter().sum::<f64>() / n;
            out.values.push(Value::new(
                format!("{est}.log_r"),
                format!("log R, DES vs Planck ({est})"),
                mean,
                (is * is + std_dev(&v).powi(2)).sqrt(),
            ));
            let kl: Vec<f64> = of.iter().map(|r| r.kl_chain_vs_rebuilt.stats.kl).collect();
            let kle = of
                .iter()
                .map(|r| r.kl_chain_vs_rebuilt.stats.kl_err)
                .sum::<f64>()
                / n;
            out.values.push(Value::new(
                format!("{est}.kl_chain_vs_rebuilt"),
                format!("KL(joint chain ‖ rebuilt joint) ({est})"),
                kl.iter().sum::<f64>() / n,
                (kle * kle + std_dev(&kl).powi(2)).sqrt(),
            ));
            // The rebuilt posterior matches the joint chain: means within 1 σ_chain, widths
            // within 30 %, for every parameter.
            let (cm, cs) = (&cm, &cs);
            let worst_shift = of
                .iter()
                .flat_map(|r| (0..cm.len()).map(move |j| ((r.mean[j] - cm[j]) / cs[j]).abs()))
                .fold(0.0, f64::max);
            let worst_width = of
                .iter()
                .flat_map(|r| (0..cm.len()).map(move |j| (r.std[j] / cs[j] - 1.0).abs()))
                .fold(0.0, f64::max);
            // Error of a mean difference in units of σ: √(1/ESS_rebuilt + 1/ESS_chain).
            let ess = of.iter().map(|r| r.ess).fold(f64::INFINITY, f64::min);
            out.values.push(Value::new(
                format!("{est}.max_mean_shift"),
                format!("largest |Δmean| / σ_chain of the rebuilt joint ({est})"),
                worst_shift,
                (1.0 / ess + 1.0 / joint.ess()).sqrt(),
            ));
            shifts.push((est, worst_shift, worst_width, kl.iter().sum::<f64>() / n));
        }
        // The estimators extrapolate DES differently into Planck's region, so they rebuild the
        // joint posterior with different fidelity (the table shows each); the best of them,
        // by KL(chain ‖ rebuilt), must match the joint chain: means within 1 σ, widths within
        // 30 %, for every parameter.
        let best = shifts
            .iter()
            .min_by(|a, b| a.3.total_cmp(&b.3))
            .ok_or_else(|| Error::invalid("estimators", "none ran"))?;
        out.checks.push(Check::new(
            format!(
                "best rebuild ({}): means within 1 σ and widths within 30 % of the joint chain's",
                best.0
            ),
            best.1 < 1.0 && best.2 < 0.3,
            format!(
                "largest |Δmean| / σ = {:.3}, largest |σ / σ_chain − 1| = {:.3}, KL = {:.3}",
                best.1, best.2, best.3
            ),
        ));
        let c = combine_log_r(&runs)?;
        out.values.push(Value::new(
            "log_r",
            "log R, DES vs Planck, over every estimator and seed",
            c.log_r,
            c.err,
        ));
        let rms_err = (out
            .values
            .iter()
            .filter(|v| v.key.ends_with(".log_r"))
            .map(|v| v.err * v.err)
            .sum::<f64>()
            / ESTIMATORS.len() as f64)
            .sqrt();
        out.values.push(Value::new(
            "log_r_systematic",
            "log R: estimator systematic (sd of the estimators' means)",
            c.systematic,
            rms_err,
        ));
        out.checks.push(Check::new(
            "log R is finite and its error includes the estimator systematic",
            c.log_r.is_finite() && c.err >= c.systematic,
            format!(
                "log R = {:.2} ± {:.2} (systematic {:.2})",
                c.log_r, c.err, c.systematic
            ),
        ));
        let maf = runs
            .iter()
            .find(|r| r.estimator == "maf")
            .ok_or_else(|| Error::invalid("estimators", "no MAF run"))?;
        let names: Vec<String> = COSMO_PARAMS.iter().map(|s| s.to_string()).collect();
        let chain = WeightedSamples::new(joint.values().clone(), joint.weights().to_vec(), names)?;
        out.figures.push(Figure {
            name: "rebuilt_corner.svg".into(),
            // 200 points a scatter panel (of 15) keeps the SVG near half a megabyte.
            svg: corner_svg(
                &chain,
                Some(&maf.draws),
                &CornerOptions {
                    max_points: 200,
                    ..CornerOptions::default()
                },
            )?,
        });
        Ok(out)
    }
}
