//! Output in PolyChord's file layout, so that anesthetic, GetDist and margflow read it.
//!
//! For a root `dir/name`:
//! - `name.txt`: posterior samples, one per line: `weight  −2 log L  θ_1 … θ_d` (GetDist);
//! - `name_dead-birth.txt`: every dead point: `θ_1 … θ_d  log L  log L_birth` (anesthetic);
//! - `name.paramnames`: `name  label` per parameter;
//! - `name.stats`: evidence, `D_KL`, `d_G`, call counts and posterior means, as text.
//!
//! Points where the likelihood vanishes (`log L = −∞`: initial live points outside the region
//! where `L > 0`) are written with `log L = −1e29` ([`LOG_L_VANISHING`]), and the points born to
//! replace them with that birth contour; the initial live points' birth contour `−∞` is written
//! as PolyChord's log-zero `−1e30` ([`LOG_ZERO`]). anesthetic reads `−1e30` as `−∞` and keeps the
//! `−1e29` points (with weight exactly zero), so that it, margflow's readers and
//! [`read_polychord`] all count the prior volume where `L = 0` and find the run's `log Z`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::run::NestedRun;
use crate::error::{Error, ParseKind, Result};
use crate::matrix::Matrix;
use crate::samples::csv::parse_number;
use crate::samples::readers::nested::{LOG_L_VANISHING, LOG_ZERO};

/// `v` in the dead-birth file's format, with `−∞` written as `at_neg_inf` (printed exactly:
/// `{:.15E}` would print `−1e29` as `−9.999999999999999E28`).
fn log_l_field(v: f64, at_neg_inf: f64) -> String {
    if v == f64::NEG_INFINITY {
        format!("{:>24}", format!("{at_neg_inf:E}"))
    } else {
        format!("{v:>24.15E}")
    }
}

fn with_suffix(root: &Path, suffix: &str) -> PathBuf {
    let mut s = root.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn write(path: PathBuf, text: String) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    std::fs::write(&path, text).map_err(|e| Error::io(&path, e))
}

/// Writes the four PolyChord files for `root` (a path prefix such as `chains/gauss`).
pub fn write_polychord(run: &NestedRun, root: &Path) -> Result<()> {
    let w = run.posterior_weights();
    let mut txt = String::new();
    let mut dead = String::new();
    for (i, r) in run.theta().rows().enumerate() {
        let l = run.logl()[i];
        if w[i] > 0.0 {
            let _ = write!(txt, "{:>24.15E} {:>24.15E}", w[i], -2.0 * l);
            r.iter().for_each(|v| {
                let _ = write!(txt, " {v:>24.15E}");
            });
            txt.push('\n');
        }
        r.iter().for_each(|v| {
            let _ = write!(dead, "{v:>24.15E} ");
        });
        let _ = writeln!(
            dead,
            "{} {}",
            log_l_field(l, LOG_L_VANISHING),
            log_l_field(run.logl_birth()[i], LOG_ZERO)
        );
    }
    let names: String = run
        .names()
        .iter()
        .enumerate()
        .map(|(j, n)| format!("{n}\t\\theta_{{{}}}\n", j + 1))
        .collect();
    let s = run.to_weighted_samples()?;
    let mean = s.mean();
    let cov = s.covariance();
    let mut stats = String::new();
    let _ = writeln!(stats, "Evidence estimates:\n===================");
    let _ = writeln!(stats, "  - The evidence Z is a log-normally distributed, with location and scale parameters mu and sigma.");
    let _ = writeln!(
        stats,
        "  - We denote this as log(Z) = mu +/- sigma.\n\nGlobal evidence:\n----------------\n"
    );
    let _ = writeln!(
        stats,
        "log(Z)       = {:>14.8} +/- {:>12.8}\n",
        run.log_z(),
        run.log_z_err()
    );
    let _ = writeln!(
        stats,
        "Kullback-Leibler divergence D_KL = {:.6} +/- {:.6}",
        run.kl().mean,
        run.kl().sd
    );
    let _ = writeln!(
        stats,
        "Bayesian model dimensionality d_G = {:.6} +/- {:.6}\n",
        run.bmd().mean,
        run.bmd().sd
    );
    let _ = writeln!(stats, "Run-time information:\n---------------------\n");
    let _ = writeln!(stats, " ncluster:   {:>10}", run.n_clusters());
    let _ = writeln!(stats, " ndead:      {:>10}", run.n_dead());
    let _ = writeln!(stats, " nlike:      {:>10}", run.calls());
    let _ = writeln!(stats, " nnan:       {:>10}", run.nan_calls());
    let _ = writeln!(stats, " stop:       {:?}\n", run.stop_reason());
    let _ = writeln!(stats, "Dim No.       Mean        Sigma");
    for (j, m) in mean.iter().enumerate() {
        let _ = writeln!(
            stats,
            "{:>4}  {:>14.6E} +/- {:>14.6E}",
            j + 1,
            m,
            cov.get(j, j).sqrt()
        );
    }
    write(with_suffix(root, ".txt"), txt)?;
    write(with_suffix(root, "_dead-birth.txt"), dead)?;
    write(with_suffix(root, ".paramnames"), names)?;
    write(with_suffix(root, ".stats"), stats)
}

/// Reads `root_dead-birth.txt` (and `root.paramnames` if present) back into a run, with the
/// live-point counts rebuilt from the birth contours (see [`NestedRun::from_dead_birth`]).
/// `log L` at or below [`LOG_L_VANISHING`] and `log L_birth` at or below [`LOG_ZERO`] are read
/// as `−∞` (see the module docs).
pub fn read_polychord(root: &Path, n_simulations: usize, seed: u64) -> Result<NestedRun> {
    let path = with_suffix(root, "_dead-birth.txt");
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let mut rows: Vec<Vec<f64>> = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let r: Option<Vec<f64>> = line.split_whitespace().map(parse_number).collect();
        let r = r.ok_or_else(|| Error::Parse {
            kind: ParseKind::NotANumber,
            column: None,
            path: path.clone(),
            line: i + 1,
            reason: "not a number".into(),
        })?;
        if r.len() < 3 || rows.first().is_some_and(|f| f.len() != r.len()) {
            return Err(Error::Parse {
                kind: ParseKind::FieldCount,
                column: None,
                path: path.clone(),
                line: i + 1,
                reason: format!(
                    "{} columns; need θ_1 … θ_d, log L, log L_birth on every line",
                    r.len()
                ),
            });
        }
        rows.push(r);
    }
    if rows.is_empty() {
        return Err(Error::Parse {
            kind: ParseKind::Empty,
            column: None,
            path,
            line: 0,
            reason: "no dead points".into(),
        });
    }
    let d = rows[0].len() - 2;
    let below = |v: f64, level: f64| if v <= level { f64::NEG_INFINITY } else { v };
    let logl: Vec<f64> = rows.iter().map(|r| below(r[d], LOG_L_VANISHING)).collect();
    let birth: Vec<f64> = rows.iter().map(|r| below(r[d + 1], LOG_ZERO)).collect();
    let theta = Matrix::from_rows(&rows.iter().map(|r| r[..d].to_vec()).collect::<Vec<_>>())?;
    let pn = with_suffix(root, ".paramnames");
    let names = match std::fs::read_to_string(&pn) {
        Ok(t) => t
            .lines()
            .filter_map(|l| l.split_whitespace().next().map(String::from))
            .collect(),
        Err(_) => crate::samples::WeightedSamples::default_names(d),
    };
    NestedRun::from_dead_birth(theta, logl, birth, names, n_simulations, seed)
}
