//! Chain readers: every format round-trips or parses known content, the real chains load, and
//! bad input gives typed errors naming the file and line.

use std::fs;
use std::path::Path;

use margflow::samples::readers::{getdist, nested, ChainFormat, Ranges};
use margflow::samples::{read_chain, read_chain_full};
use margflow::stats::cosmology::{chains_dir, COSMO_PARAMS};
use margflow::{Error, ParseKind};

fn write(dir: &Path, name: &str, text: &str) {
    fs::write(dir.join(name), text).unwrap();
}

/// The parse error's kind and column.
fn parse_kind(e: &Error) -> (ParseKind, Option<usize>) {
    match e {
        Error::Parse { kind, column, .. } => (*kind, *column),
        other => panic!("expected a parse error, got {other:?}"),
    }
}

fn parse_line(e: &Error) -> (String, usize) {
    match e {
        Error::Parse { path, line, .. } => {
            (path.file_name().unwrap().to_string_lossy().into(), *line)
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[test]
fn getdist_root_reads_all_chains_with_fortran_numbers_and_ranges() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "c.paramnames", "a\t\\alpha\nb*\t\\beta\n");
    write(t.path(), "c.ranges", "a 0.0 1.0\nb N 5\n");
    write(
        t.path(),
        "c_1.txt",
        "  2.0  1.5E+01  1.0E-03  -1.2D+02\n  1.0  1.4E+01  5.0E-01  3.0\n",
    );
    write(t.path(), "c_2.txt", "  3.0  1.0  0.25  1.5-100\n");
    let chain = read_chain_full(t.path().join("c"), None).unwrap();
    assert_eq!(chain.format, ChainFormat::GetDist);
    let s = &chain.samples;
    assert_eq!(s.names(), ["a", "b"]);
    assert_eq!(s.labels().unwrap(), ["\\alpha", "\\beta"]);
    assert_eq!(chain.derived, [false, true]);
    assert_eq!(s.weights(), [2.0, 1.0, 3.0]);
    assert_eq!(s.values().row(0), [1.0e-3, -120.0]);
    assert_eq!(s.values().row(2), [0.25, 1.5e-100]);
    // The chains' boundaries are kept: two rows of chain 0, one of chain 1, through selection
    // and thinning.
    assert_eq!(s.chain_ids().unwrap(), [0, 0, 1]);
    assert_eq!(s.chain_runs(), [0..2, 2..3]);
    let picked = s.select(&["a"]).unwrap();
    assert_eq!(picked.n_chains(), 2);
    let thinned = s.thin(2).unwrap();
    assert_eq!(thinned.weights(), [2.0, 3.0], "every 2nd row of each chain");
    assert_eq!(thinned.chain_ids().unwrap(), [0, 1]);
    assert_eq!(chain.sampled_names(), ["a"]);
    let r = chain.ranges.as_ref().unwrap();
    assert_eq!(r.get("b"), Some((None, Some(5.0))));
    assert_eq!(chain.bounds(&["a"]).unwrap().hi(), [1.0]);
    let ab = chain.bounds(&["a", "b"]).unwrap();
    assert_eq!(ab.lo()[1], f64::NEG_INFINITY, "b is unbounded below");
    assert_eq!(ab.hi()[1], 5.0);
    assert!(chain.bounds(&["not_listed"]).is_none());
    // A single chain file `root_N.txt` reads every chain of its root.
    let one = read_chain(t.path().join("c_2.txt")).unwrap();
    assert_eq!(one.len(), 3);
}

#[test]
fn polychord_txt_and_dead_birth() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "pc.paramnames", "x x\ny y\n");
    write(t.path(), "pc.txt", "0.5 4.0 1.0 2.0\n0.5 2.0 3.0 4.0\n");
    let c = read_chain_full(t.path().join("pc"), None).unwrap();
    assert_eq!(c.format, ChainFormat::PolyChord);
    assert_eq!(c.samples.log_likelihood().unwrap(), [-2.0, -1.0]);
    // Dead points with one live point at a time: n = 1 for every death, X_i = 2^{-i}, and
    // anesthetic's trapezoid widths (X_{i-1} - X_{i+1}) / 2 with X_4 = 0: 3/8, 3/16, 1/8.
    write(
        t.path(),
        "pc_dead-birth.txt",
        "0.1 0.2 -3.0 -1e30\n0.3 0.4 -2.0 -3.0\n0.5 0.6 -1.0 -2.0\n",
    );
    let d = nested::read_dead_birth(&t.path().join("pc")).unwrap();
    let w = d.samples.normalised_weights();
    let raw: Vec<f64> = [3.0 / 8.0, 3.0 / 16.0, 1.0 / 8.0]
        .iter()
        .enumerate()
        .map(|(i, dx)| (-3.0 + i as f64).exp() * dx)
        .collect();
    let s: f64 = raw.iter().sum();
    for i in 0..3 {
        assert!((w[i] - raw[i] / s).abs() < 1e-12, "{w:?}");
    }
    assert_eq!(d.samples.log_likelihood_birth().unwrap()[1], -3.0);
    assert_eq!(
        d.samples.log_likelihood_birth().unwrap()[0],
        f64::NEG_INFINITY
    );
    // An initial point where L = 0, written as PolyChord writes -inf (-1e30, log L and birth
    // alike): read as -inf, weight zero, and it still takes its share of the prior volume
    // (two points live at the first death: X_1 = 2/3, then n = 1).
    write(
        t.path(),
        "pc_dead-birth.txt",
        "0.0 0.0 -1e30 -1e30\n0.1 0.2 -3.0 -1e30\n0.3 0.4 -2.0 -3.0\n",
    );
    let d = nested::read_dead_birth(&t.path().join("pc")).unwrap();
    let s = &d.samples;
    assert_eq!(s.log_likelihood().unwrap()[0], f64::NEG_INFINITY);
    assert_eq!(s.weights()[0], 0.0);
    // X = 2/3, 1/3, 1/6; trapezoid widths of the other two: (2/3 - 1/6)/2, (1/3 - 0)/2.
    let (w1, w2) = ((-3.0f64).exp() / 4.0, (-2.0f64).exp() / 6.0);
    let nw = s.normalised_weights();
    assert!((nw[1] - w1 / (w1 + w2)).abs() < 1e-12, "{nw:?}");
}

#[test]
fn nested_weights_with_many_live_points_shrink_like_n_over_n_plus_1() {
    // 3 live points all born at −∞, dying in order: n = 3, 2, 1.
    let lw = nested::nested_log_weights(&[0.0, 1.0, 2.0], &[f64::NEG_INFINITY; 3]);
    // X: 1 → 3/4 → 3/4·2/3 = 1/2 → 1/4; widths 1/4, 1/4, 1/4; w_i = L_i / 4.
    for (i, v) in lw.iter().enumerate() {
        assert!((v - (i as f64 + 0.25f64.ln())).abs() < 1e-12, "{lw:?}");
    }
}

#[test]
fn multinest_equal_weights_and_csv() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "mn_post_equal_weights.dat",
        " 0.1 0.2 -5.0\n 0.3 0.4 -4.0\n",
    );
    let c = read_chain_full(t.path().join("mn_post_equal_weights.dat"), None).unwrap();
    assert_eq!(c.format, ChainFormat::MultiNest);
    assert_eq!(c.samples.names(), ["p0", "p1"]);
    assert_eq!(c.samples.log_likelihood().unwrap(), [-5.0, -4.0]);
    write(t.path(), "s.csv", "a,w,b\n1,2,3\n4,5,6\n");
    let c = read_chain_full(t.path().join("s.csv"), Some("w")).unwrap();
    assert_eq!(c.format, ChainFormat::Csv);
    assert_eq!(c.samples.weights(), [2.0, 5.0]);
}

#[test]
fn bad_input_names_file_and_line() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "b.paramnames", "a\nb\n");
    // Truncated last line.
    write(t.path(), "b_1.txt", "1 0 0.1 0.2\n1 0 0.3\n");
    let e = getdist::read_getdist(&t.path().join("b"), None).unwrap_err();
    assert_eq!(parse_line(&e), ("b_1.txt".into(), 2));
    assert_eq!(parse_kind(&e), (ParseKind::FieldCount, None));
    // NaN.
    write(t.path(), "b_1.txt", "1 0 0.1 0.2\n\n1 0 nan 0.2\n");
    let e = getdist::read_getdist(&t.path().join("b"), None).unwrap_err();
    assert_eq!(parse_line(&e), ("b_1.txt".into(), 3));
    // Column 3 is `a`, after the weight and −2 log L.
    assert_eq!(parse_kind(&e), (ParseKind::NonFinite, Some(3)));
    assert!(e.to_string().contains("`a`"), "{e}");
    // Negative weight.
    write(t.path(), "b_1.txt", "1 0 0.1 0.2\n-1 0 0.3 0.2\n");
    let e = getdist::read_getdist(&t.path().join("b"), None).unwrap_err();
    assert_eq!(parse_line(&e), ("b_1.txt".into(), 2));
    assert_eq!(parse_kind(&e).0, ParseKind::Weight);
    // Paramnames disagreeing with the column count (every row is then wrong).
    write(t.path(), "b_1.txt", "1 0 0.1 0.2 0.3\n");
    let e = getdist::read_getdist(&t.path().join("b"), None).unwrap_err();
    assert_eq!(parse_line(&e), ("b_1.txt".into(), 1));
    // Empty chain.
    write(t.path(), "b_1.txt", "\n\n");
    let e = getdist::read_getdist(&t.path().join("b"), None).unwrap_err();
    assert_eq!(parse_kind(&e).0, ParseKind::Empty);
    // Not a number.
    write(t.path(), "b_1.txt", "1 0 0.1 x0.2\n");
    let e = getdist::read_getdist(&t.path().join("b"), None).unwrap_err();
    assert_eq!(parse_line(&e), ("b_1.txt".into(), 1));
    assert_eq!(parse_kind(&e), (ParseKind::NotANumber, Some(4)));
    // PolyChord paramnames that do not match.
    write(t.path(), "b.txt", "1 0 0.1 0.2 0.3\n");
    let e = nested::read_weighted_txt(&t.path().join("b")).unwrap_err();
    assert_eq!(parse_kind(&e).0, ParseKind::Names);
    assert!(e.to_string().contains("paramnames"), "{e}");
    // A nested point born above its own log L (column 4 holds the birth contour).
    write(
        t.path(),
        "n_dead-birth.txt",
        "0.1 0.2 -3 -9\n0.1 0.3 -5 -4\n",
    );
    let e = nested::read_dead_birth(&t.path().join("n")).unwrap_err();
    assert_eq!(parse_line(&e), ("n_dead-birth.txt".into(), 2));
    assert_eq!(parse_kind(&e), (ParseKind::BirthContour, Some(4)));
    // Missing files: a typed I/O error, and read_chain lists what it tried.
    assert!(matches!(
        getdist::read_getdist(&t.path().join("nothing"), None),
        Err(Error::Io { .. })
    ));
    match read_chain(t.path().join("nothing")) {
        Err(Error::NoChainFormat { tried, .. }) => assert!(tried.is_empty()),
        other => panic!("expected NoChainFormat, got {other:?}"),
    }
    // A root where two formats exist and both fail: both are listed, each with its error.
    match read_chain(t.path().join("b")) {
        Err(Error::NoChainFormat { tried, .. }) => {
            let formats: Vec<ChainFormat> = tried.iter().map(|(f, _)| *f).collect();
            assert!(
                formats.contains(&ChainFormat::GetDist)
                    && formats.contains(&ChainFormat::PolyChord),
                "{formats:?}"
            );
            assert!(tried
                .iter()
                .all(|(_, e)| matches!(**e, Error::Parse { .. } | Error::Io { .. })));
        }
        other => panic!("expected NoChainFormat, got {other:?}"),
    }
    // Ranges with a bad entry.
    write(t.path(), "r.ranges", "a 0 1\nb 0\n");
    let e = Ranges::read(&t.path().join("r.ranges")).unwrap_err();
    assert_eq!(parse_line(&e), ("r.ranges".into(), 2));
    assert_eq!(parse_kind(&e).0, ParseKind::FieldCount);
    write(t.path(), "r.ranges", "a 0 1\nb x N\n");
    let e = Ranges::read(&t.path().join("r.ranges")).unwrap_err();
    assert_eq!(parse_kind(&e), (ParseKind::NotANumber, Some(2)));
}

#[test]
fn real_cosmology_chains_load() {
    let Some(dir) = chains_dir() else {
        println!("SKIPPED: cosmology chains not found (set MARGFLOW_CHAINS or provide ../shared/data/cosmology_chains)");
        return;
    };
    for (root, rows) in [
        ("DES", 0),
        ("Planck18TTTEEE", 0),
        ("Planck18TTTEEE_DES", 0),
        ("prior", 0),
    ] {
        let c = read_chain_full(dir.join(root), None).unwrap();
        let _ = rows;
        assert_eq!(c.format, ChainFormat::GetDist);
        let s = c.samples.select(&COSMO_PARAMS).unwrap();
        assert_eq!(s.dim(), 6);
        assert!(
            s.len() > 1000 && s.ess() > 100.0,
            "{root}: n {} ess {}",
            s.len(),
            s.ess()
        );
        let b = c
            .bounds(&COSMO_PARAMS)
            .expect("the six parameters have finite ranges");
        assert_eq!(b.lo()[0], 0.005);
        // Physics check: every chain's mean of n_s lies in the prior range and near 0.97 for
        // the data chains (Planck 2018: n_s = 0.965 ± 0.004).
        let ns = s.mean()[5];
        if root.starts_with("Planck") {
            assert!((ns - 0.965).abs() < 0.01, "{root}: n_s {ns}");
        }
    }
}

#[cfg(feature = "polars")]
#[test]
fn parquet_and_dataframe_round_trip() {
    use margflow::samples::readers::parquet::{
        from_dataframe, read_parquet, to_dataframe, write_parquet,
    };
    let x = margflow::Matrix::new(3, 2, vec![0.5, -1.0, 1e-300, 2.0, 3.0, 4.0]).unwrap();
    let s = margflow::WeightedSamples::new(x, vec![1.0, 0.0, 2.5], vec!["a".into(), "b".into()])
        .unwrap();
    let df = to_dataframe(&s, None).unwrap();
    assert_eq!(df.width(), 3);
    assert_eq!(
        from_dataframe(&df, None, Path::new("DataFrame")).unwrap(),
        s
    );
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("s.parquet");
    write_parquet(&s, &p, Some("wt")).unwrap();
    assert_eq!(read_parquet(&p, Some("wt")).unwrap(), s);
    assert_eq!(read_chain_full(&p, Some("wt")).unwrap().samples, s);
}

#[cfg(feature = "hdf5")]
#[test]
fn hdf5_round_trip_and_errors() {
    use margflow::samples::readers::hdf5::{read_hdf5, write_hdf5};
    let x = margflow::Matrix::new(3, 2, vec![0.5, -1.0, 1e-300, 2.0, 3.0, 4.0]).unwrap();
    let s = margflow::WeightedSamples::new(x, vec![1.0, 0.0, 2.5], vec!["a".into(), "β".into()])
        .unwrap();
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("s.h5");
    write_hdf5(&s, &p).unwrap();
    assert_eq!(read_hdf5(&p, None).unwrap(), s);
    assert_eq!(read_chain(&p).unwrap(), s);
    write(t.path(), "bad.h5", "not hdf5");
    assert!(matches!(
        read_hdf5(&t.path().join("bad.h5"), None),
        Err(Error::Parse { .. })
    ));
}
