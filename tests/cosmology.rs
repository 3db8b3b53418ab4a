//! The real DES Y1 / Planck 2018 chains through the library (the reproductions `cosmo-*` run
//! the full analyses): chain boundaries, autocorrelation thinning, cross-fitting by chains and
//! MCMC-honest errors, with the moment-matched Gaussian estimator (seconds). Skipped with a
//! message when the chains are absent.

use margflow::stats::cosmology::{
    chains_dir, marginal_table, rebuild_joint, CosmoChains, CosmoSettings, CHAINS_SOURCE,
};
use margflow::stats::mcmc::chi_ratio_interval;

fn chains(extra_thin: usize) -> Option<CosmoChains> {
    let Some(dir) = chains_dir() else {
        println!("SKIPPED: {CHAINS_SOURCE}");
        return None;
    };
    Some(CosmoChains::read(&dir, extra_thin).unwrap())
}

#[test]
fn chains_keep_their_boundaries_and_thin_by_their_autocorrelation() {
    let Some(c) = chains(1) else { return };
    for (name, s) in &c.experiments {
        assert_eq!(s.n_chains(), 8, "{name}: eight MCMC chains");
        assert_eq!(s.chain_runs().len(), 8);
    }
    // τ_int of the parameters (the independent estimate: DES 5–10 rows for the
    // statistics, more for the unconstrained τ; Planck 3–7), and thinning by τ/4.
    for (k, t) in c.tau.iter().enumerate() {
        assert!(*t > 1.5 && *t < 60.0, "set {k}: τ = {t}");
        assert_eq!(
            c.thin[k],
            ((t / 4.0).floor() as usize).max(1),
            "τ/4, at least 1"
        );
    }
    assert!(c.bounds.dim() == 6);
    let e = CosmoChains::read(std::path::Path::new("/nonexistent"), 1).unwrap_err();
    assert!(e.to_string().contains("tensiometer"), "{e}");
}

#[test]
fn gaussian_marginals_have_honest_mcmc_errors() {
    let Some(c) = chains(2) else { return };
    let settings = CosmoSettings {
        seeds: vec![1],
        folds: 2,
        n_bootstrap: 100,
        n_importance: 20_000,
    };
    let rows = marginal_table(&c, &["gaussian"], &settings, &|_| {}).unwrap();
    assert_eq!(rows.len(), 3);
    for r in &rows {
        let s = r.combined();
        println!(
            "{}: D = {:.3} ± {:.3} (naive {:.3}, chains {:.3}), d = {:.2}",
            r.experiment, s.kl, s.kl_err, r.naive_err.0, r.between_chains_err.0, s.bmd
        );
        // Correlated rows: the block error is larger than the naive one, and agrees with the
        // spread between the eight chains (within the 99.9 % interval of its 7 degrees of
        // freedom).
        assert!(r.block_err.0 > r.naive_err.0, "{r:?}");
        let (lo, hi) = chi_ratio_interval(8, 0.999).unwrap();
        let ratio = r.between_chains_err.0 / r.block_err.0;
        assert!((lo..=hi).contains(&ratio), "{ratio} not in {lo}–{hi}");
    }
    // Planck constrains ΛCDM far more than DES Y1.
    assert!(rows[1].combined().kl > rows[0].combined().kl + 5.0);
    let j = rebuild_joint(
        &c,
        "DES Y1",
        "Planck 2018",
        "Planck + DES",
        "gaussian",
        1,
        &settings,
    )
    .unwrap();
    assert!(
        j.log_r.log_value.is_finite() && j.log_r.efficiency > 0.05,
        "{:?}",
        j.log_r
    );
    assert_eq!(j.draws.ncols(), 6);
}
