//! The DES Y1 / Planck 2018 analysis on the real chains with the moment-matched Gaussian
//! estimator (seconds); skipped with a message when the chains are absent.

use margflow::density::GaussianFit;
use margflow::stats::cosmology::{chains_dir, des_planck, CosmologyConfig};

#[test]
fn des_planck_marginal_statistics_and_joint_posterior() {
    let Some(dir) = chains_dir() else {
        println!("SKIPPED: cosmology chains not found (set MARGFLOW_CHAINS or provide ../shared/data/cosmology_chains)");
        return;
    };
    let cfg = CosmologyConfig {
        seeds: vec![1, 2],
        n_bootstrap: 50,
        n_importance: 20_000,
    };
    let s = des_planck(&GaussianFit, &dir, &cfg).unwrap();
    let (des, planck, joint) = (s.des.combined, s.planck.combined, s.joint_chain.combined);
    println!(
        "DES {des:?}\nPlanck {planck:?}\njoint {joint:?}\nlog R {:?}",
        s.log_r
    );
    // Physics: Planck constrains ΛCDM far more than DES Y1 (its posterior is narrower in every
    // parameter), and adding DES to Planck adds information.
    assert!(
        planck.kl > des.kl + 5.0,
        "Planck {} vs DES {}",
        planck.kl,
        des.kl
    );
    assert!(joint.kl > planck.kl - 3.0 * (joint.kl_err + planck.kl_err));
    // Six parameters, some unconstrained by DES (tau): 0 < d ≤ ~6 up to non-Gaussianity.
    for r in [des, planck, joint] {
        assert!(r.bmd > 1.0 && r.bmd < 9.0 && r.n_nonfinite == 0, "{r:?}");
    }
    // The product posterior reproduces the joint chain to within ~2 σ per parameter, and the
    // two chains are compatible (positive log R: the data agree more than chance).
    for j in 0..6 {
        let z = (s.product_mean[j] - s.chain_mean[j]) / s.chain_std[j];
        assert!(z.abs() < 2.0, "{}: Δ/σ = {z}", s.params[j]);
        assert!(
            (s.product_std[j] / s.chain_std[j] - 1.0).abs() < 0.3,
            "{}",
            s.params[j]
        );
    }
    assert!(
        s.log_r.log_value > 0.0 && s.log_r.efficiency > 0.1,
        "{:?}",
        s.log_r
    );
    assert!(s.kl_chain_vs_product.kl > 0.0);
}
