//! `margflow stats` through its clap arguments: flags parse, the JSON has the required keys,
//! the numbers match the closed form, and bad input is a typed error.

use clap::Parser;
use margflow::cli::stats::{compute, render, StatsArgs};
use margflow::density::{Gaussian, Sample};
use margflow::{write_csv, Bounds, Error};

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: StatsArgs,
}

fn args(v: &[&str]) -> StatsArgs {
    Cli::try_parse_from(std::iter::once("stats").chain(v.iter().copied()))
        .unwrap()
        .args
}

#[test]
fn stats_on_a_csv_against_a_box_matches_the_closed_form() {
    let t = tempfile::tempdir().unwrap();
    let g = Gaussian::ar1(3, 0.6, 1.0).unwrap();
    let x = g.sample_seeded(5000, 21).unwrap();
    let p = t.path().join("post.csv");
    let names: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
    write_csv(std::fs::File::create(&p).unwrap(), &names, &x).unwrap();
    let a = args(&[
        "--posterior",
        p.to_str().unwrap(),
        "--prior-box",
        "-10:10,-10:10,-10:10",
        "--seed",
        "4",
        "--json",
    ]);
    let (spread, params) = compute(&a).unwrap();
    let want = g
        .kl_from_box(&Bounds::cube(3, -10.0, 10.0).unwrap())
        .unwrap();
    let c = spread.combined;
    assert!((c.kl - want).abs() < 2.0 * c.kl_err, "{c:?} vs {want}");
    assert!((c.bmd - 3.0).abs() < 2.0 * c.bmd_err, "{c:?}");
    let v: serde_json::Value =
        serde_json::from_str(render(&a, &spread, &params).unwrap().trim()).unwrap();
    for k in ["kl", "kl_err", "bmd", "bmd_err", "n_nonfinite"] {
        assert!(v.get(k).is_some(), "missing {k} in {v}");
    }
    assert_eq!(v["n_nonfinite"], 0);
    let table = render(
        &StatsArgs {
            json: false,
            ..a.clone()
        },
        &spread,
        &params,
    )
    .unwrap();
    assert!(table.contains("KL divergence"), "{table}");
    // --params picks and orders columns; a wrong-sized box and an unknown estimator are errors.
    let a2 = args(&[
        "--posterior",
        p.to_str().unwrap(),
        "--prior-box",
        "-10:10",
        "--params",
        "b",
    ]);
    let (s2, p2) = compute(&a2).unwrap();
    assert_eq!(p2, ["b"]);
    assert!((s2.combined.bmd - 1.0).abs() < 3.0 * s2.combined.bmd_err);
    let bad = args(&["--posterior", p.to_str().unwrap(), "--prior-box", "-10:10"]);
    assert!(matches!(compute(&bad), Err(Error::InvalidArgument { .. })));
    let bad = args(&[
        "--posterior",
        p.to_str().unwrap(),
        "--prior-box",
        "-10:10",
        "--params",
        "a",
        "--estimator",
        "nope",
    ]);
    assert!(compute(&bad).unwrap_err().to_string().contains("gaussian"));
    let bad = args(&["--posterior", p.to_str().unwrap()]);
    assert!(compute(&bad).is_err());
    assert!(Cli::try_parse_from([
        "stats",
        "--posterior",
        "x",
        "--prior",
        "y",
        "--prior-box",
        "0:1"
    ])
    .is_err());
}

#[test]
fn stats_on_real_getdist_chains_with_a_prior_chain() {
    let Some(dir) = margflow::stats::cosmology::chains_dir() else {
        println!("SKIPPED: cosmology chains not found (set MARGFLOW_CHAINS or provide ../shared/data/cosmology_chains)");
        return;
    };
    let post = dir.join("DES");
    let prior = dir.join("prior");
    let a = args(&[
        "--posterior",
        post.to_str().unwrap(),
        "--prior",
        prior.to_str().unwrap(),
        "--params",
        "omegabh2,omegach2,theta,tau,logA,ns",
        "--n-estimators",
        "1",
        "--bootstrap",
        "50",
        // This test is about reading real chains; the MAF on them is the cosmology tests'.
        "--estimator",
        "gaussian",
    ]);
    let (s, params) = compute(&a).unwrap();
    assert_eq!(params.len(), 6);
    // The prior box comes from prior.ranges; DES Y1 gains several nats over the prior.
    let c = s.combined;
    assert!(c.kl > 3.0 && c.kl < 12.0 && c.n_nonfinite == 0, "{c:?}");
    // Without --params: the six sampled parameters only (derived ones are marked `*`).
    let a = args(&[
        "--posterior",
        post.to_str().unwrap(),
        "--prior",
        prior.to_str().unwrap(),
        "--n-estimators",
        "1",
        "--bootstrap",
        "10",
        "--estimator",
        "gaussian",
    ]);
    assert_eq!(
        compute(&a).unwrap().1,
        ["omegabh2", "omegach2", "theta", "tau", "logA", "ns"]
    );
}

#[test]
fn default_stats_pass_the_triangular_closed_form() {
    // The defaults a new user meets (the MAF, cross-fitted) against p(x, y) = 1 − |x| on
    // [−1, 1] × [0, 1]: D = ln 2 − ½, d = ½. The moment-matched Gaussian fails this by far.
    use margflow::reproductions::closed_forms::Triangular;
    let t = tempfile::tempdir().unwrap();
    let x = Triangular.sample_seeded(10_000, 3).unwrap();
    let p = t.path().join("tri.csv");
    let names: Vec<String> = ["x", "y"].iter().map(|s| s.to_string()).collect();
    write_csv(std::fs::File::create(&p).unwrap(), &names, &x).unwrap();
    let a = args(&[
        "--posterior",
        p.to_str().unwrap(),
        "--prior-box",
        "-1:1,0:1",
    ]);
    assert_eq!((a.estimator.as_str(), a.folds), ("maf", 2));
    let c = compute(&a).unwrap().0.combined;
    let want = std::f64::consts::LN_2 - 0.5;
    assert!((c.kl - want).abs() < 2.0 * c.kl_err, "{c:?} vs {want}");
    assert!((c.bmd - 0.5).abs() < 2.0 * c.bmd_err, "{c:?} vs 0.5");
    let g = args(&[
        "--posterior",
        p.to_str().unwrap(),
        "--prior-box",
        "-1:1,0:1",
        "--estimator",
        "gaussian",
    ]);
    let cg = compute(&g).unwrap().0.combined;
    assert!(
        (cg.bmd - 0.5).abs() > 10.0 * cg.bmd_err,
        "the Gaussian should fail: {cg:?}"
    );
}

#[test]
fn several_estimators_report_their_spread_as_a_systematic() {
    use margflow::cli::stats::render_systematic;
    use margflow::stats::MarginalStats;
    let s = |kl: f64, bmd: f64| MarginalStats {
        kl,
        kl_err: 0.1,
        bmd,
        bmd_err: 0.2,
        n_used: 10,
        n_nonfinite: 0,
    };
    let out = render_systematic(true, &["maf", "kde"], &[s(1.0, 2.0), s(2.0, 4.0)]).unwrap();
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["kl"], 1.5);
    assert!((v["kl_systematic"].as_f64().unwrap() - 0.5f64.sqrt()).abs() < 1e-12);
    assert!((v["bmd_stat_err"].as_f64().unwrap() - 0.2).abs() < 1e-12);
    let text = render_systematic(false, &["maf", "kde"], &[s(1.0, 2.0), s(2.0, 4.0)]).unwrap();
    assert!(text.contains("estimator systematic"), "{text}");
}

#[test]
fn a_bad_thinning_factor_is_a_typed_error() {
    let t = tempfile::tempdir().unwrap();
    let g = Gaussian::ar1(2, 0.3, 1.0).unwrap();
    let x = g.sample_seeded(200, 3).unwrap();
    let p = t.path().join("post.csv");
    let names: Vec<String> = ["a", "b"].iter().map(|s| s.to_string()).collect();
    write_csv(std::fs::File::create(&p).unwrap(), &names, &x).unwrap();
    for bad in ["0", "two"] {
        let a = args(&[
            "--posterior",
            p.to_str().unwrap(),
            "--prior-box",
            "-10:10,-10:10",
            "--thin",
            bad,
        ]);
        let e = compute(&a).unwrap_err();
        assert!(e.to_string().contains("--thin"), "{bad}: {e}");
    }
}

#[test]
fn burn_in_drops_the_start_of_each_chain() {
    let x = margflow::Matrix::new(10, 1, (0..10).map(f64::from).collect()).unwrap();
    let s = margflow::WeightedSamples::unweighted(x, vec!["a".into()])
        .unwrap()
        .with_chains(&[4, 6])
        .unwrap();
    let col = |s: &margflow::WeightedSamples| s.values().column(0);
    // A fraction of each chain's rows (floor), or a number of rows.
    assert_eq!(col(&s.burn_in(0.5).unwrap()), [2.0, 3.0, 7.0, 8.0, 9.0]);
    assert_eq!(
        col(&s.burn_in(1.0).unwrap()),
        [1.0, 2.0, 3.0, 5.0, 6.0, 7.0, 8.0, 9.0]
    );
    assert_eq!(s.burn_in(0.0).unwrap(), s);
    assert_eq!(s.burn_in(0.5).unwrap().n_chains(), 2);
    for bad in [-0.1, 1.5, f64::NAN, 6.0] {
        assert!(
            matches!(s.burn_in(bad), Err(Error::InvalidArgument { .. })),
            "{bad}"
        );
    }
}
