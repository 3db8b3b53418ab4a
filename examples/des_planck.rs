//! Marginal KL and BMD of DES Y1 and Planck 2018 over the six ΛCDM parameters against the
//! prior chain, and the joint posterior P_DES P_Planck / π compared with the joint chain.
//!
//! `cargo run --example des_planck [-- ESTIMATOR]` (`gaussian`, the default, or `maf`); needs the
//! chains in `../shared/data/cosmology_chains` or `$MARGFLOW_CHAINS`. Prints a table and
//! writes the summary as JSON to `$CARGO_TARGET_DIR/des_planck_<estimator>.json` (default `target/`).

use margflow::density::GaussianFit;
use margflow::stats::cosmology::{chains_dir, des_planck, CosmologyConfig, CosmologySummary};
use margflow::MafConfig;

fn main() -> margflow::Result<()> {
    let Some(dir) = chains_dir() else {
        println!("SKIPPED: cosmology chains not found (set MARGFLOW_CHAINS)");
        return Ok(());
    };
    let est = std::env::args().nth(1).unwrap_or_else(|| "gaussian".into());
    let cfg = CosmologyConfig::default();
    let s = match est.as_str() {
        "gaussian" => des_planck(&GaussianFit, &dir, &cfg)?,
        "maf" => des_planck(&MafConfig::builder().progress(false).build()?, &dir, &cfg)?,
        other => {
            return Err(margflow::Error::invalid(
                "estimator",
                format!("`{other}`: this example knows `gaussian` and `maf`"),
            ))
        }
    };
    print_summary(&est, &s);
    let dir = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/target").into());
    std::fs::create_dir_all(&dir).map_err(|e| margflow::Error::io(&dir, e))?;
    let out = std::path::Path::new(&dir).join(format!("des_planck_{est}.json"));
    std::fs::write(&out, serde_json::to_string_pretty(&s).unwrap())
        .map_err(|e| margflow::Error::io(&out, e))?;
    println!("summary written to {}", out.display());
    Ok(())
}

fn print_summary(est: &str, s: &CosmologySummary) {
    println!(
        "estimator {est}; Kish ESS DES {:.0}, Planck {:.0}, joint {:.0}, prior {:.0}",
        s.ess[0], s.ess[1], s.ess[2], s.ess[3]
    );
    println!("{:<22} {:>16} {:>16}", "chain", "D (nats)", "d");
    for (n, r) in [
        ("DES Y1", &s.des),
        ("Planck 2018", &s.planck),
        ("Planck+DES chain", &s.joint_chain),
    ] {
        let c = r.combined;
        println!(
            "{n:<22} {:>8.3} ± {:<5.3} {:>8.3} ± {:<5.3}  (masked {})",
            c.kl, c.kl_err, c.bmd, c.bmd_err, c.n_nonfinite
        );
    }
    println!(
        "log R = {:.3} ± {:.3} (IS efficiency {:.3})",
        s.log_r.log_value, s.log_r.log_value_err, s.log_r.efficiency
    );
    println!(
        "{:<10} {:>12} {:>12} {:>10} {:>10} {:>8}",
        "param", "mean P_AB", "mean chain", "sd P_AB", "sd chain", "Δ/sd"
    );
    for j in 0..s.params.len() {
        let dz = (s.product_mean[j] - s.chain_mean[j]) / s.chain_std[j];
        println!(
            "{:<10} {:>12.5} {:>12.5} {:>10.5} {:>10.5} {:>8.2}",
            s.params[j], s.product_mean[j], s.chain_mean[j], s.product_std[j], s.chain_std[j], dz
        );
    }
    let d = s.params.len();
    let max_dc = (0..d * d)
        .map(|k| (s.product_corr[k] - s.chain_corr[k]).abs())
        .fold(0.0, f64::max);
    println!(
        "max |Δ correlation| = {max_dc:.3}; product-posterior IS ESS {:.0}",
        s.product_ess
    );
    let k = s.kl_chain_vs_product;
    println!(
        "KL(joint chain ‖ P_DES P_Planck/π) = {:.3} ± {:.3} (masked {})",
        k.kl, k.kl_err, k.n_nonfinite
    );
}
