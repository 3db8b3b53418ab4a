//! The command-line contract of issue 2: train / logprob / sample, CSV on stdout, errors on
//! stderr with a non-zero exit status.

use std::path::Path;
use std::process::{Command, Output};

fn margflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_margflow"))
        .args(args)
        .output()
        .expect("the margflow binary runs")
}

fn stdout(o: &Output) -> String {
    assert!(
        o.status.success(),
        "margflow failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).expect("utf-8 output")
}

/// `margflow train` on `a, b` of the chain written by [`write_chain`], within `bounds`, with
/// `extra` flags.
fn train(chain: &str, model: &str, bounds: &str, extra: &[&str]) -> Output {
    let mut argv = vec![
        "train",
        "--input",
        chain,
        "--output",
        model,
        "--params",
        "a,b",
        "--weights-column",
        "w",
        "--bounds",
        bounds,
    ];
    argv.extend(extra);
    margflow(&argv)
}

/// A weighted 2-D Gaussian chain with a nuisance column, as CSV.
fn write_chain(path: &Path) {
    let mut text = String::from("w,a,b,nuis\n");
    let mut state = 12345u64;
    let mut uniform = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    for _ in 0..600 {
        let (u1, u2) = (uniform(), uniform());
        let r = (-2.0 * u1.ln()).sqrt();
        let (z1, z2) = (
            r * (std::f64::consts::TAU * u2).cos(),
            r * (std::f64::consts::TAU * u2).sin(),
        );
        let w = 0.5 + uniform();
        text.push_str(&format!(
            "{w},{},{},{}\n",
            1.0 + 0.5 * z1,
            -2.0 + 0.3 * (0.6 * z1 + 0.8 * z2),
            uniform()
        ));
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn train_logprob_sample_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let chain = dir.path().join("chain.csv");
    write_chain(&chain);
    let model = dir.path().join("model");
    let (c, m) = (chain.to_str().unwrap(), model.to_str().unwrap());
    let o = train(
        c,
        m,
        "-1:3,-4:0",
        &["--seed", "5", "--max-epochs", "30", "--quiet"],
    );
    stdout(&o);
    assert!(model.join("model.yaml").exists() && model.join("weights.safetensors").exists());

    // Columns are matched by name, whatever their order; outside the bounds gives -inf.
    let points = dir.path().join("points.csv");
    std::fs::write(&points, "b,extra,a\n-2.0,7,1.0\n-1.9,7,1.2\n0.5,7,1.0\n").unwrap();
    let out = stdout(&margflow(&[
        "logprob",
        "--model",
        m,
        "--input",
        points.to_str().unwrap(),
    ]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "log_prob");
    assert_eq!(lines.len(), 4);
    let lp: Vec<f64> = lines[1..].iter().map(|l| l.parse().unwrap()).collect();
    assert!(
        lp[0].is_finite() && lp[1].is_finite() && lp[0] > lp[1],
        "density peaks near the mean: {lp:?}"
    );
    assert_eq!(lp[2], f64::NEG_INFINITY);

    // Sampling: header with the parameter names, n rows, same seed same draws.
    let s1 = stdout(&margflow(&[
        "sample", "--model", m, "-n", "50", "--seed", "9",
    ]));
    let s2 = stdout(&margflow(&[
        "sample", "--model", m, "-n", "50", "--seed", "9",
    ]));
    assert_eq!(s1, s2);
    assert_eq!(s1.lines().next(), Some("a,b"));
    assert_eq!(s1.lines().count(), 51);
    for row in s1.lines().skip(1) {
        let v: Vec<f64> = row.split(',').map(|x| x.parse().unwrap()).collect();
        assert!(
            v[0] > -1.0 && v[0] < 3.0 && v[1] > -4.0 && v[1] < 0.0,
            "sample inside the bounds: {v:?}"
        );
    }
}

#[test]
fn errors_go_to_stderr_with_nonzero_status() {
    let dir = tempfile::tempdir().unwrap();
    let chain = dir.path().join("chain.csv");
    write_chain(&chain);
    let c = chain.to_str().unwrap();
    let m = dir.path().join("m");
    let m = m.to_str().unwrap();
    for (args, needle) in [
        (
            vec!["train", "--input", "/nonexistent/x.csv", "--output", m],
            "/nonexistent/x.csv",
        ),
        (
            vec!["train", "--input", c, "--output", m, "--params", "zz"],
            "unknown parameter `zz`",
        ),
        (
            vec![
                "train", "--input", c, "--output", m, "--params", "a,b", "--bounds", "1:0,-4:0",
            ],
            "lo must be smaller",
        ),
        (
            vec![
                "train",
                "--input",
                c,
                "--output",
                m,
                "--params",
                "a,b",
                "--bounds",
                "-1:3,-4:0",
                "--weights-column",
                "a",
            ],
            "weights",
        ),
        (
            vec!["logprob", "--model", "/nonexistent/model", "--input", c],
            "/nonexistent/model",
        ),
    ] {
        let o = margflow(&args);
        assert!(!o.status.success(), "{args:?} should fail");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(needle),
            "{args:?}: stderr `{err}` should mention `{needle}`"
        );
        assert!(o.stdout.is_empty());
    }
}

/// Draws from a 5-D Gaussian with AR(1) correlations (ρ = 0.8), unit variances and means far
/// from zero: `x_j = m_j + z_j`, `z_j = ρ z_{j−1} + √(1−ρ²) ε_j`; returns CSV text and log p.
fn correlated_gaussian(n: usize, seed: u64) -> (String, Vec<f64>) {
    const RHO: f64 = 0.8;
    let means = [3.0, -50.0, 0.5, 1e3, -2.0];
    let mut state = seed;
    let mut uniform = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut normal = || {
        let (u1, u2) = (uniform(), uniform());
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    };
    let mut text = String::from("a,b,c,d,e\n");
    let mut log_p = Vec::with_capacity(n);
    let s = (1.0 - RHO * RHO).sqrt();
    for _ in 0..n {
        let mut z = normal();
        // log p(z) = Σ log N(ε_j) − (d−1) log s: the AR(1) factorisation.
        let mut lp = -0.5 * z * z;
        let mut row = vec![means[0] + z];
        for m in &means[1..] {
            let e = normal();
            z = RHO * z + s * e;
            lp += -0.5 * e * e - s.ln();
            row.push(m + z);
        }
        log_p.push(lp - 2.5 * (std::f64::consts::TAU).ln());
        let cells: Vec<String> = row.iter().map(|v| format!("{v:.17e}")).collect();
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    (text, log_p)
}

/// Issue 12: with no `--bounds` the parameters are unbounded, so no held-out draw is cut off,
/// and a flow trained through the CLI on 10,000 draws of a correlated 5-D Gaussian is within
/// KL(p‖q) ≤ 0.01 of it (the Kish box of the samples gave 0.03, with 8 of 10,000 draws at −∞).
#[test]
fn no_bounds_means_unbounded_and_accurate() {
    let dir = tempfile::tempdir().unwrap();
    let (train, _) = correlated_gaussian(10_000, 1);
    let (held, log_p) = correlated_gaussian(10_000, 2);
    let (train_p, held_p) = (dir.path().join("train.csv"), dir.path().join("held.csv"));
    std::fs::write(&train_p, train).unwrap();
    std::fs::write(&held_p, held).unwrap();
    let m = dir.path().join("model");
    let m = m.to_str().unwrap();
    stdout(&margflow(&[
        "train",
        "--input",
        train_p.to_str().unwrap(),
        "--output",
        m,
        "--quiet",
    ]));
    let out = stdout(&margflow(&[
        "logprob",
        "--model",
        m,
        "--input",
        held_p.to_str().unwrap(),
    ]));
    let log_q: Vec<f64> = out.lines().skip(1).map(|l| l.parse().unwrap()).collect();
    assert_eq!(log_q.len(), 10_000);
    let bad = log_q.iter().filter(|v| !v.is_finite()).count();
    assert_eq!(bad, 0, "{bad} held-out draws with a non-finite log q");
    let diff: Vec<f64> = log_p.iter().zip(&log_q).map(|(p, q)| p - q).collect();
    let kl = diff.iter().sum::<f64>() / diff.len() as f64;
    let se = (diff.iter().map(|d| (d - kl).powi(2)).sum::<f64>() / diff.len() as f64).sqrt()
        / (diff.len() as f64).sqrt();
    eprintln!("KL(p‖q) = {kl:.5} ± {se:.5}");
    assert!(kl <= 0.01, "KL(p‖q) = {kl:.5} ± {se:.5}, target ≤ 0.01");
    // Draws from the model reach beyond the training range: they are not held in a box.
    let s = stdout(&margflow(&[
        "sample", "--model", m, "-n", "20000", "--seed", "3",
    ]));
    let d: Vec<f64> = s
        .lines()
        .skip(1)
        .map(|r| r.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert!(d.iter().all(|v| v.is_finite()));
    assert!(
        d.iter().any(|v| (v - 3.0).abs() > 3.5),
        "no draw beyond 3.5σ in 20,000"
    );
}

/// Issue 12: a half-bound on the wrong side of the data is a clear error naming the
/// parameter, the count and the range; an open side (`0:`) is accepted.
#[test]
fn half_bounds_on_the_wrong_side_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let chain = dir.path().join("chain.csv");
    write_chain(&chain);
    let (c, m) = (chain.to_str().unwrap(), dir.path().join("m"));
    let m = m.to_str().unwrap();
    let o = train(c, m, ":,0:", &["--quiet"]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("`b`: 600 of 600 samples outside (0, inf)"),
        "stderr: {err}"
    );
    // `a` is positive here, `b` below zero: a lower limit on one and an upper on the other.
    stdout(&train(c, m, ":,:0", &["--max-epochs", "5", "--quiet"]));
    let yaml = std::fs::read_to_string(Path::new(m).join("model.yaml")).unwrap();
    assert!(yaml.contains("format_version: 2"), "{yaml}");
}

/// A KDE model of the test chain (fast to fit), saved in `dir/kde`.
fn kde_model(dir: &Path) -> String {
    let chain = dir.join("chain.csv");
    write_chain(&chain);
    let model = dir.join("kde");
    let m = model.to_str().unwrap().to_string();
    stdout(&train(
        chain.to_str().unwrap(),
        &m,
        "-1:3,-4:0",
        &["--estimator", "kde", "--quiet"],
    ));
    m
}

#[test]
fn sample_refuses_a_request_that_cannot_fit_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let m = kde_model(dir.path());
    let out = dir.path().join("huge.csv");
    // 10¹¹ rows of two numbers is terabytes of CSV: refused before a row is written, with
    // an error that names the flag and the sizes, and no abort.
    let o = margflow(&[
        "sample",
        "--model",
        &m,
        "-n",
        "100000000000",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert_eq!(o.status.code(), Some(1), "an error exit, not an abort");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("`-n` needs about") && err.contains("free on the file system"),
        "{err}"
    );
    assert!(
        std::fs::metadata(&out).unwrap().len() < 100,
        "nothing but the file was made"
    );
}

#[test]
fn sample_streams_a_large_request_in_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let m = kde_model(dir.path());
    // More rows than one chunk (65 536), with a partial last chunk.
    let n = 3 * 65_536 + 123;
    let out = dir.path().join("many.csv");
    let n_text = n.to_string();
    let draw = |extra: &[&str]| {
        let mut argv = vec!["sample", "--model", &m, "-n", &n_text, "--seed", "4"];
        argv.extend(extra);
        stdout(&margflow(&argv))
    };
    let file = |o: &Path| draw(&["--output", o.to_str().unwrap()]);
    assert!(
        file(&out).is_empty(),
        "with --output nothing goes to stdout"
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(text.lines().next(), Some("a,b"));
    assert_eq!(text.lines().count(), n + 1);
    // Same seed, same rows; and the same rows on stdout.
    let again = dir.path().join("again.csv");
    file(&again);
    assert_eq!(std::fs::read_to_string(&again).unwrap(), text);
    let piped = draw(&[]);
    assert_eq!(piped, text);
    // The chunks are independent draws, not repeats of the first.
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert_ne!(rows[0], rows[65_536]);
    let distinct: std::collections::HashSet<&&str> = rows.iter().collect();
    assert_eq!(distinct.len(), n);
}

/// anesthetic's test fixtures (`../shared/data/anesthetic_fixtures`, or
/// `MARGFLOW_ANESTHETIC_FIXTURES`), when present.
fn fixtures_dir() -> Option<std::path::PathBuf> {
    if let Ok(p) = std::env::var("MARGFLOW_ANESTHETIC_FIXTURES") {
        let p = std::path::PathBuf::from(p);
        return p.is_dir().then_some(p);
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/anesthetic_fixtures");
    p.is_dir().then_some(p)
}

/// `margflow stats` on every root of anesthetic's fixtures, as a new user would run it: roots
/// whose files record a uniform prior (Cobaya, NestedFit) run as they are; the others say
/// clearly that a prior is needed and run with a `--prior-box` around the samples. A fast
/// estimator keeps the test short; `benches/results.md` has the default (MAF) run.
#[test]
fn stats_runs_on_every_anesthetic_fixture_root() {
    let Some(dir) = fixtures_dir() else {
        eprintln!("skipped: anesthetic fixtures not found (../shared/data/anesthetic_fixtures)");
        return;
    };
    let fast = [
        "--estimator",
        "gaussian",
        "--n-estimators",
        "1",
        "--bootstrap",
        "20",
        "--json",
    ];
    let with_prior = ["cb", "cb_single_chain", "nf"];
    for root in [
        "pc",
        "pc_250",
        "pc_single_live",
        "pc_zero_live",
        "mn",
        "mn_old",
        "gd",
        "gd_single",
        "gd_single+X",
        "cb",
        "cb_single_chain",
        "mp/2019-01-24_200000_",
        "nf",
        "bj.csv",
        "un",
    ] {
        let path = dir.join(root);
        let p = path.to_str().unwrap();
        let mut argv = vec!["stats", "--posterior", p];
        argv.extend(fast);
        let o = margflow(&argv);
        let text = if with_prior.contains(&root) {
            stdout(&o)
        } else {
            assert_eq!(o.status.code(), Some(1), "{root}");
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(
                err.contains("records no uniform prior") && err.contains("--prior-box"),
                "{root}: {err}"
            );
            // The box the samples span, widened by a tenth on each side.
            let chain = margflow::samples::read_chain_full(&path, None).unwrap();
            let s = chain.samples.select(&chain.sampled_names()).unwrap();
            let b: Vec<String> = (0..s.dim())
                .map(|j| {
                    let c = s.values().column(j);
                    let lo = c.iter().copied().fold(f64::INFINITY, f64::min);
                    let hi = c.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let w = (hi - lo).max(1e-9);
                    format!("{}:{}", lo - 0.1 * w, hi + 0.1 * w)
                })
                .collect();
            let b = format!("--prior-box={}", b.join(","));
            argv.push(&b);
            stdout(&margflow(&argv))
        };
        let v: serde_json::Value =
            serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("{root}: {e}: {text}"));
        for k in ["kl", "kl_err", "bmd", "bmd_err"] {
            assert!(
                v[k].as_f64().is_some_and(f64::is_finite),
                "{root}: {k} in {v}"
            );
        }
    }
}
