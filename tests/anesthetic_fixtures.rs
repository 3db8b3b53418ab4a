//! Every sampler-output fixture that anesthetic reads is read by margflow's
//! [`read_chain_full`] (what `margflow train --input ROOT` and `margflow stats` use), and
//! agrees with anesthetic's own values for the same files.
//!
//! The fixtures are anesthetic's test data (MIT), read at run time from
//! `../shared/data/anesthetic_fixtures/` (or `$MARGFLOW_ANESTHETIC_FIXTURES`); the test
//! prints a skip message and passes when the folder is absent. The reference numbers come from
//! `scripts/anesthetic_reference.py` with anesthetic 2.16.0.
//!
//! Tolerances, from the computation:
//! - rows and parameter names: exact.
//! - MCMC weights are the integers in the files: their sum is exact.
//! - Nested-sampling weights: margflow computes them with anesthetic's definition
//!   (`n_live` from the birth contours, `log X = Σ log(n/(n+1))`, trapezoid `ΔX`, weights
//!   `exp(log w − max log w)`), so the sum and the weighted means agree to rounding: relative
//!   `1e-9` (the sums run over ≤ 26,000 terms in a different order, ~1e-13), plus `1e-12`
//!   absolute for means near zero.
//! - `log Z`: the log-sum-exp of the same weights, to `1e-9` absolute.
//! - Mean `log L`: compared where margflow attaches `log L` with anesthetic's definition
//!   (nested runs, Cobaya's `−chi2/2`, anesthetic's CSV). Not for getdist chains: margflow's
//!   getdist reader attaches no `log L` (the column is `−log posterior`), and a single-file
//!   `root.txt` is read as PolyChord's `weight, −2 log L, params`, which has the same columns
//!   (the two cannot be told apart from the files).
//! - UltraNest (`un`) needs the `hdf5` feature and is skipped without it.
//! - `log Z` is not compared for the old MultiNest format (`mn_old`), whose files carry no
//!   birth contours: its weights (and so its sum and means, which are compared) use
//!   anesthetic's constant-`n_live` rule.

use std::path::PathBuf;

use margflow::samples::read_chain_full;
use margflow::samples::readers::{nested, ChainFormat};

fn fixtures_dir() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("MARGFLOW_ANESTHETIC_FIXTURES") {
        let p = PathBuf::from(p);
        return p.is_dir().then_some(p);
    }
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/anesthetic_fixtures");
    p.is_dir().then_some(p)
}

struct Reference {
    root: &'static str,
    format: ChainFormat,
    rows: usize,
    sum_weights: f64,
    names: &'static [&'static str],
    means: &'static [f64],
    mean_log_l: Option<f64>,
    log_z: Option<f64>,
}

/// anesthetic 2.16.0 on each root (`scripts/anesthetic_reference.py`).
const REFERENCE: &[Reference] = &[
    Reference {
        root: "pc",
        format: ChainFormat::PolyChordDeadBirth,
        rows: 1500,
        sum_weights: 451.5459380262041,
        names: &["x0", "x1", "x2", "x3", "x4"],
        means: &[
            0.0006924406155633194,
            0.0015044604895010883,
            0.1011420065017798,
            0.5163911583131704,
            3.3548985782670457,
        ],
        mean_log_l: Some(3.4154535216829416),
        log_z: Some(-2.4964548773771815),
    },
    Reference {
        root: "pc_250",
        format: ChainFormat::PolyChordDeadBirth,
        rows: 3000,
        sum_weights: 927.3709491880397,
        names: &["x0", "x1", "x2", "x3", "x4"],
        means: &[
            0.00043337703336135,
            0.0007070217345290415,
            0.09873926042325089,
            0.4975656644061275,
            3.3219679730572107,
        ],
        mean_log_l: Some(3.472167552715248),
        log_z: Some(-2.1189166810831646),
    },
    Reference {
        root: "pc_single_live",
        format: ChainFormat::PolyChordDeadBirth,
        rows: 1500,
        sum_weights: 451.5459380262041,
        names: &["x0", "x1", "x2", "x3", "x4"],
        means: &[
            0.0006924406155633194,
            0.0015044604895010883,
            0.1011420065017798,
            0.5163911583131704,
            3.3548985782670457,
        ],
        mean_log_l: Some(3.4154535216829416),
        log_z: Some(-2.4964548773771815),
    },
    Reference {
        root: "pc_zero_live",
        format: ChainFormat::PolyChordDeadBirth,
        rows: 1500,
        sum_weights: 451.5459380262041,
        names: &["x0", "x1", "x2", "x3", "x4"],
        means: &[
            0.0006924406155633194,
            0.0015044604895010883,
            0.1011420065017798,
            0.5163911583131704,
            3.3548985782670457,
        ],
        mean_log_l: Some(3.4154535216829416),
        log_z: Some(-2.4964548773771815),
    },
    Reference {
        root: "mn",
        format: ChainFormat::MultiNestDeadBirth,
        rows: 1500,
        sum_weights: 451.5459380262041,
        names: &["x0", "x1", "x2", "x3", "x4"],
        means: &[
            0.0006924406155633194,
            0.0015044604895010883,
            0.1011420065017798,
            0.5163911583131704,
            3.3548985782670457,
        ],
        mean_log_l: Some(3.4154535216829416),
        log_z: Some(-2.4964548773771815),
    },
    Reference {
        root: "mn_old",
        format: ChainFormat::MultiNestDeadBirth,
        rows: 2750,
        sum_weights: 547.5894426609809,
        names: &["x0", "x1", "x2", "x3", "x4"],
        means: &[
            0.00017074418020540853,
            0.0035718846789126344,
            0.04807540184144024,
            0.5188171285595699,
            3.522570233216155,
        ],
        mean_log_l: Some(4.65983178332308),
        log_z: Some(3.3333130721589663),
    },
    Reference {
        root: "gd",
        format: ChainFormat::GetDist,
        rows: 10000,
        sum_weights: 56994.0,
        names: &["x0", "x1", "x2", "x3", "x4"],
        means: &[
            0.0007510030144223068,
            0.0005783901360914657,
            0.09815509964700132,
            0.5127355061564991,
            3.3283152816065207,
        ],
        mean_log_l: None,
        log_z: None,
    },
    Reference {
        root: "gd_single",
        format: ChainFormat::PolyChord,
        rows: 10000,
        sum_weights: 56994.0,
        names: &["x0", "x1", "x2", "x3", "x4"],
        means: &[
            0.0007510030144223068,
            0.0005783901360914657,
            0.09815509964700132,
            0.5127355061564991,
            3.3283152816065207,
        ],
        mean_log_l: None,
        log_z: None,
    },
    Reference {
        root: "gd_single+X",
        format: ChainFormat::PolyChord,
        rows: 10000,
        sum_weights: 56994.0,
        names: &["x0", "x1", "x2", "x3", "x4"],
        means: &[
            0.0007510030144223068,
            0.0005783901360914657,
            0.09815509964700132,
            0.5127355061564991,
            3.3283152816065207,
        ],
        mean_log_l: None,
        log_z: None,
    },
    Reference {
        root: "cb",
        format: ChainFormat::Cobaya,
        rows: 3266,
        sum_weights: 11289.0,
        names: &[
            "x0",
            "x1",
            "minuslogprior",
            "minuslogprior__0",
            "chi2",
            "chi2__norm",
        ],
        means: &[
            -0.02778050155507839,
            -0.006951150902742452,
            5.991464499999992,
            5.991464499999992,
            22.509339115430972,
            22.509339115430972,
        ],
        mean_log_l: Some(-11.254669557715474),
        log_z: None,
    },
    Reference {
        root: "cb_single_chain",
        format: ChainFormat::Cobaya,
        rows: 2080,
        sum_weights: 6602.0,
        names: &[
            "x0",
            "x1",
            "minuslogprior",
            "minuslogprior__0",
            "chi2",
            "chi2__norm",
        ],
        means: &[
            -0.01643808342631928,
            -0.007975245058162677,
            1.3862944000000015,
            1.3862944000000015,
            3.6932225634353233,
            3.6932225634353233,
        ],
        mean_log_l: Some(-1.846611281717661),
        log_z: None,
    },
    Reference {
        root: "mp/2019-01-24_200000_",
        format: ChainFormat::GetDist,
        rows: 3998,
        sum_weights: 21055.0,
        names: &[
            "x0",
            "x1",
            "x2",
            "x3",
            "n_s",
            "tau_reio",
            "A_cib_217",
            "xi_sz_cib",
            "A_sz",
            "ps_A_100_100",
            "ps_A_143_143",
            "ps_A_143_217",
            "ps_A_217_217",
            "ksz_norm",
            "gal545_A_100",
            "gal545_A_143",
            "gal545_A_143_217",
            "gal545_A_217",
            "calib_100T",
            "calib_217T",
            "A_planck",
            "z_reio",
            "Omega_Lambda",
            "YHe",
            "H0",
            "A_s",
        ],
        means: &[
            2.2265628765613865,
            0.1189066405794349,
            1.04194452880551,
            3.0931851491332227,
            0.9659805262550459,
            0.08118430944193777,
            62.58520271954406,
            0.46381858230698886,
            7.330633271699118,
            237.19306867252433,
            37.00508909085727,
            39.32973771883164,
            97.53698945571124,
            5.935971897876511,
            7.411216790529566,
            8.973170509570174,
            18.239016907238184,
            82.79940873901685,
            998.0958390881026,
            995.6758068202327,
            100.02231807504154,
            10.195399570363337,
            0.6903245756494895,
            0.24779477584421747,
            67.7179601838043,
            2.206048024174783,
        ],
        mean_log_l: None,
        log_z: None,
    },
    Reference {
        root: "nf",
        format: ChainFormat::NestedFit,
        rows: 25664,
        sum_weights: 3764.6566902471186,
        names: &["bg", "x0", "amp", "sigma"],
        means: &[
            0.11498032341349473,
            454.58941789749457,
            297.42655872487927,
            25.934716720522754,
        ],
        mean_log_l: Some(-566.1329025685752),
        log_z: Some(-577.2072776617861),
    },
    Reference {
        root: "bj.csv",
        format: ChainFormat::Csv,
        rows: 1500,
        sum_weights: 451.5459380262041,
        names: &["x0", "x1", "x2", "x3", "x4"],
        means: &[
            0.0006924406155633204,
            0.0015044604895010894,
            0.10114200650177978,
            0.5163911583131703,
            3.3548985782670457,
        ],
        mean_log_l: Some(3.4154535216829425),
        log_z: Some(-2.4964548773771815),
    },
    Reference {
        root: "un",
        format: ChainFormat::UltraNest,
        rows: 17032,
        sum_weights: 295.4503671524403,
        names: &["a", "b", "c", "d"],
        means: &[
            0.5025096883202492,
            0.7371033024814825,
            0.9206376877257307,
            0.9987450344813545,
        ],
        mean_log_l: Some(26.573408145748296),
        log_z: Some(-12.384431752363952),
    },
];

fn close(got: f64, want: f64, rel: f64, abs: f64) -> bool {
    (got - want).abs() <= rel * want.abs() + abs
}

#[test]
fn every_fixture_root_matches_anesthetic() {
    let Some(dir) = fixtures_dir() else {
        println!("SKIPPED: anesthetic fixtures not found (provide ../shared/data/anesthetic_fixtures or set MARGFLOW_ANESTHETIC_FIXTURES)");
        return;
    };
    for r in REFERENCE {
        if r.format == ChainFormat::UltraNest && !cfg!(feature = "hdf5") {
            println!("SKIPPED {}: UltraNest needs the `hdf5` feature", r.root);
            continue;
        }
        let chain = read_chain_full(dir.join(r.root), None)
            .unwrap_or_else(|e| panic!("{}: not read: {e}", r.root));
        assert_eq!(chain.format, r.format, "{}", r.root);
        let s = &chain.samples;
        assert_eq!(s.len(), r.rows, "{}: rows", r.root);
        assert_eq!(s.names(), r.names, "{}: names", r.root);
        let sum: f64 = s.weights().iter().sum();
        assert!(
            close(sum, r.sum_weights, 1e-9, 0.0),
            "{}: sum of weights {sum} vs anesthetic {}",
            r.root,
            r.sum_weights
        );
        for ((name, got), want) in r.names.iter().zip(s.mean()).zip(r.means) {
            assert!(
                close(got, *want, 1e-9, 1e-12),
                "{}: mean of {name} {got} vs anesthetic {want}",
                r.root
            );
        }
        if let Some(want) = r.mean_log_l {
            let l = s.log_likelihood().expect("log L attached");
            let (mut num, mut den) = (0.0, 0.0);
            for (w, l) in s.weights().iter().zip(l) {
                if *w > 0.0 {
                    num += w * l;
                    den += w;
                }
            }
            let got = num / den;
            assert!(
                close(got, want, 1e-9, 1e-12),
                "{}: mean log L {got} vs anesthetic {want}",
                r.root
            );
        }
        if let Some(want) = r.log_z {
            if let Some(got) = nested::log_evidence(s) {
                assert!(
                    (got - want).abs() < 1e-9,
                    "{}: log Z {got} vs anesthetic {want}",
                    r.root
                );
            } else {
                assert_eq!(r.root, "mn_old", "only mn_old lacks birth contours");
            }
        }
    }
}

#[test]
fn cobaya_chains_labels_ranges_and_derived_flags() {
    let Some(dir) = fixtures_dir() else {
        println!("SKIPPED: anesthetic fixtures not found");
        return;
    };
    let c = read_chain_full(dir.join("cb"), None).unwrap();
    let s = &c.samples;
    // Two chains, kept apart.
    assert_eq!(s.n_chains(), 2);
    assert_eq!(s.chain_runs(), [0..1600, 1600..3266]);
    assert_eq!(
        s.labels().unwrap()[..2],
        ["x_0".to_string(), "x_1".to_string()]
    );
    assert_eq!(c.sampled_names(), ["x0", "x1"]);
    let b = c
        .bounds(&["x0", "x1"])
        .expect("uniform priors on [-10, 10]");
    assert_eq!((b.lo(), b.hi()), (&[-10.0, -10.0][..], &[10.0, 10.0][..]));
    // A single chain file reads the whole run.
    let one = read_chain_full(dir.join("cb.2.txt"), None).unwrap();
    assert_eq!(one.format, ChainFormat::Cobaya);
    assert_eq!(one.samples.len(), 3266);
}

#[test]
fn fixture_files_given_directly_are_read() {
    let Some(dir) = fixtures_dir() else {
        println!("SKIPPED: anesthetic fixtures not found");
        return;
    };
    for (file, format, rows) in [
        ("mndead-birth.txt", ChainFormat::MultiNestDeadBirth, 1500),
        ("mn_oldev.dat", ChainFormat::MultiNestDeadBirth, 2750),
        (
            "pc_zero_live_dead-birth.txt",
            ChainFormat::PolyChordDeadBirth,
            1500,
        ),
        ("nf/nf_output_points.txt", ChainFormat::NestedFit, 25664),
        ("cb_single_chain.1.txt", ChainFormat::Cobaya, 2080),
        ("gd_2.txt", ChainFormat::GetDist, 10000),
    ] {
        let c = read_chain_full(dir.join(file), None)
            .unwrap_or_else(|e| panic!("{file}: not read: {e}"));
        assert_eq!((c.format, c.samples.len()), (format, rows), "{file}");
    }
}
