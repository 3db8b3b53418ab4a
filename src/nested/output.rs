//! Output in PolyChord's file layout, so that anesthetic, GetDist and margflow read it.
//!
//! For a root `dir/name`:
//! - `name.txt`: posterior samples, one per line: `weight  −2 log L  θ_1 … θ_d` (GetDist);
//! - `name_dead-birth.txt`: every dead point: `θ_1 … θ_d  log L  log L_birth` (anesthetic);
//! - `name.paramnames`: `name  label` per parameter;
//! - `name.stats`: evidence, `D_KL`, `d_G`, call counts and posterior means, as text.
//!
//! As in PolyChord, `log L = −∞` (log-zero) is written as `−1e30`, and read back as `−∞`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::run::NestedRun;
use crate::error::{Error, Result};
use crate::matrix::Matrix;
use crate::samples::csv::parse_number;

/// PolyChord's log-zero.
const LOG_ZERO: f64 = -1e30;

fn finite_or_zero(l: f64) -> f64 {
    if l == f64::NEG_INFINITY {
        LOG_ZERO
    } else {
        l
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
            "{:>24.15E} {:>24.15E}",
            finite_or_zero(l),
            finite_or_zero(run.logl_birth()[i])
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
            path: path.clone(),
            line: i + 1,
            reason: "not a number".into(),
        })?;
        if r.len() < 3 || rows.first().is_some_and(|f| f.len() != r.len()) {
            return Err(Error::Parse {
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
            path,
            line: 0,
            reason: "no dead points".into(),
        });
    }
    let d = rows[0].len() - 2;
    let unzero = |v: f64| if v <= LOG_ZERO { f64::NEG_INFINITY } else { v };
    let logl: Vec<f64> = rows.iter().map(|r| unzero(r[d])).collect();
    let birth: Vec<f64> = rows.iter().map(|r| unzero(r[d + 1])).collect();
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
