//! Weighted posterior (or prior) samples: the input of every estimator.
//!
//! A [`WeightedSamples`] holds an `n × d` matrix of parameter values, one non-negative weight
//! per row, the parameter names and optional LaTeX labels. Nested-sampling output may also
//! carry each point's log-likelihood and birth contour.

use crate::error::{Error, Result};
use crate::matrix::Matrix;

/// Weighted samples `{θ_i, w_i}` with parameter names.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightedSamples {
    values: Matrix,
    weights: Vec<f64>,
    names: Vec<String>,
    labels: Option<Vec<String>>,
    log_likelihood: Option<Vec<f64>>,
    log_likelihood_birth: Option<Vec<f64>>,
    chain: Option<Vec<u32>>,
}

impl WeightedSamples {
    /// Validates and wraps samples.
    ///
    /// Errors: `values` with NaN or infinite entries, `weights` of the wrong length, negative,
    /// non-finite or all zero, `names` of the wrong length or with duplicates.
    ///
    /// ```
    /// use margflow::{Matrix, WeightedSamples};
    /// let x = Matrix::new(3, 2, vec![0.0, 1.0, 0.5, 2.0, 1.0, 0.0]).unwrap();
    /// let s = WeightedSamples::new(x, vec![1.0, 2.0, 1.0], vec!["a".into(), "b".into()]).unwrap();
    /// assert!((s.ess() - 16.0 / 6.0).abs() < 1e-12);
    /// ```
    pub fn new(values: Matrix, weights: Vec<f64>, names: Vec<String>) -> Result<Self> {
        values.check_finite("values")?;
        if weights.len() != values.nrows() {
            return Err(Error::dims("weights", values.nrows(), weights.len()));
        }
        if let Some(i) = weights.iter().position(|w| !w.is_finite() || *w < 0.0) {
            return Err(Error::invalid(
                "weights",
                format!(
                    "weight {} at row {i} is negative or not finite; weights must be finite and >= 0",
                    weights[i]
                ),
            ));
        }
        if !weights.is_empty() && weights.iter().all(|w| *w == 0.0) {
            return Err(Error::invalid(
                "weights",
                "all weights are zero; at least one sample must carry weight",
            ));
        }
        if names.len() != values.ncols() {
            return Err(Error::dims("names", values.ncols(), names.len()));
        }
        for (i, n) in names.iter().enumerate() {
            if names[..i].contains(n) {
                return Err(Error::invalid(
                    "names",
                    format!("parameter name `{n}` appears twice; names must be unique"),
                ));
            }
        }
        Ok(Self {
            values,
            weights,
            names,
            labels: None,
            log_likelihood: None,
            log_likelihood_birth: None,
            chain: None,
        })
    }

    /// Equally weighted samples (all weights 1).
    pub fn unweighted(values: Matrix, names: Vec<String>) -> Result<Self> {
        let n = values.nrows();
        Self::new(values, vec![1.0; n], names)
    }

    /// Names `p0, p1, …` for `d` parameters.
    pub fn default_names(d: usize) -> Vec<String> {
        (0..d).map(|j| format!("p{j}")).collect()
    }

    /// Attaches LaTeX labels, one per parameter.
    pub fn with_labels(mut self, labels: Vec<String>) -> Result<Self> {
        if labels.len() != self.dim() {
            return Err(Error::dims("labels", self.dim(), labels.len()));
        }
        self.labels = Some(labels);
        Ok(self)
    }

    /// Attaches each sample's log-likelihood and, for nested sampling, its birth contour.
    pub fn with_log_likelihood(
        mut self,
        log_likelihood: Vec<f64>,
        log_likelihood_birth: Option<Vec<f64>>,
    ) -> Result<Self> {
        if log_likelihood.len() != self.len() {
            return Err(Error::dims(
                "log_likelihood",
                self.len(),
                log_likelihood.len(),
            ));
        }
        if let Some(b) = &log_likelihood_birth {
            if b.len() != self.len() {
                return Err(Error::dims("log_likelihood_birth", self.len(), b.len()));
            }
        }
        self.log_likelihood = Some(log_likelihood);
        self.log_likelihood_birth = log_likelihood_birth;
        Ok(self)
    }

    /// Marks the rows as MCMC chains: the first `lengths[0]` rows are chain 0, in the order they
    /// were sampled, the next `lengths[1]` chain 1, and so on (what the getdist reader records
    /// for `root_1.txt`, `root_2.txt`, …). Rows of one chain are correlated, so the error bars
    /// of [`crate::stats::mcmc`] resample blocks within chains and cross-fitting deals whole
    /// chains into folds.
    ///
    /// Errors: the lengths do not add up to the number of rows, or a chain is empty.
    pub fn with_chains(mut self, lengths: &[usize]) -> Result<Self> {
        let total: usize = lengths.iter().sum();
        if total != self.len() {
            return Err(Error::dims("chain lengths (sum)", self.len(), total));
        }
        if let Some(k) = lengths.iter().position(|&l| l == 0) {
            return Err(Error::invalid(
                "chain lengths",
                format!("chain {k} has no rows; give only non-empty chains"),
            ));
        }
        let mut chain = Vec::with_capacity(total);
        for (k, &l) in lengths.iter().enumerate() {
            chain.extend(std::iter::repeat_n(k as u32, l));
        }
        self.chain = Some(chain);
        Ok(self)
    }

    /// The chain each row belongs to, when the samples came from several MCMC chains (see
    /// [`WeightedSamples::with_chains`]).
    pub fn chain_ids(&self) -> Option<&[u32]> {
        self.chain.as_deref()
    }

    /// Number of chains (1 when the rows carry no chain membership).
    pub fn n_chains(&self) -> usize {
        self.chain
            .as_ref()
            .map_or(1, |c| c.iter().max().map_or(1, |m| *m as usize + 1))
    }

    /// The runs of consecutive rows that belong to one chain, in row order (one run of every
    /// row when the rows carry no chain membership).
    pub fn chain_runs(&self) -> Vec<std::ops::Range<usize>> {
        let n = self.len();
        let Some(c) = &self.chain else {
            return std::iter::once(0..n).collect();
        };
        let mut runs = Vec::new();
        let mut start = 0;
        for i in 1..=n {
            if i == n || c[i] != c[start] {
                runs.push(start..i);
                start = i;
            }
        }
        runs
    }

    /// Every `k`-th row of each chain, starting with its first, with its weight unchanged.
    ///
    /// Rows of an MCMC chain `k` or more apart, with `k` a few integrated autocorrelation
    /// times, are nearly independent, so thinning costs little information and divides the
    /// cost of every fit by `k`; keeping each kept row's own weight keeps every weighted mean
    /// unbiased. `k = 1` returns the samples unchanged.
    ///
    /// Errors: `k = 0`, or nothing with positive weight left.
    pub fn thin(&self, k: usize) -> Result<Self> {
        if k == 0 {
            return Err(Error::invalid(
                "thin",
                "a thinning factor of 0; keep every k-th row with k >= 1",
            ));
        }
        let rows: Vec<usize> = self
            .chain_runs()
            .into_iter()
            .flat_map(|r| r.step_by(k))
            .collect();
        let out = self.select_rows(&rows);
        if out.weights.iter().all(|w| *w == 0.0) {
            return Err(Error::invalid(
                "thin",
                format!("thinning by {k} left no row with positive weight; use a smaller factor"),
            ));
        }
        Ok(out)
    }

    /// The samples without the burn-in of each chain: its first `fraction` of rows when
    /// `fraction < 1` (GetDist's `ignore_rows`), or its first `fraction` rows when it is a whole
    /// number `>= 1`. Errors on a negative, non-finite or fractional count above 1, and when
    /// no row with positive weight is left.
    pub fn burn_in(&self, fraction: f64) -> Result<Self> {
        if !(fraction >= 0.0 && fraction.is_finite())
            || (fraction >= 1.0 && fraction.fract() != 0.0)
        {
            return Err(Error::invalid(
                "burn_in",
                format!(
                    "{fraction}: give a fraction of each chain in [0, 1) or a whole number of rows"
                ),
            ));
        }
        let rows: Vec<usize> = self
            .chain_runs()
            .into_iter()
            .flat_map(|r| {
                let drop = if fraction < 1.0 {
                    (fraction * r.len() as f64).floor() as usize
                } else {
                    fraction as usize
                };
                r.skip(drop)
            })
            .collect();
        if !rows.iter().any(|&i| self.weights[i] > 0.0) {
            return Err(Error::invalid(
                "burn_in",
                format!("removing a burn-in of {fraction} left no row with positive weight"),
            ));
        }
        Ok(self.select_rows(&rows))
    }

    /// Number of samples `n`.
    pub fn len(&self) -> usize {
        self.values.nrows()
    }

    /// True when there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of parameters `d`.
    pub fn dim(&self) -> usize {
        self.values.ncols()
    }

    /// The `n × d` values.
    pub fn values(&self) -> &Matrix {
        &self.values
    }

    /// The weights (not normalised).
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Weights divided by their sum.
    pub fn normalised_weights(&self) -> Vec<f64> {
        let s: f64 = self.weights.iter().sum();
        self.weights.iter().map(|w| w / s).collect()
    }

    /// Parameter names.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// LaTeX labels, if any.
    pub fn labels(&self) -> Option<&[String]> {
        self.labels.as_deref()
    }

    /// Per-sample log-likelihood, if known.
    pub fn log_likelihood(&self) -> Option<&[f64]> {
        self.log_likelihood.as_deref()
    }

    /// Per-sample birth contour log-likelihood (nested sampling), if known.
    pub fn log_likelihood_birth(&self) -> Option<&[f64]> {
        self.log_likelihood_birth.as_deref()
    }

    /// Kish effective sample size `(Σw)² / Σw²`.
    pub fn ess(&self) -> f64 {
        kish_ess(&self.weights)
    }

    /// Column indices of the named parameters, in the order given.
    pub fn indices_of<S: AsRef<str>>(&self, names: &[S]) -> Result<Vec<usize>> {
        names
            .iter()
            .map(|n| {
                let n = n.as_ref();
                self.names
                    .iter()
                    .position(|m| m == n)
                    .ok_or_else(|| Error::UnknownParameter {
                        arg: "params".into(),
                        name: n.to_string(),
                        available: self.names.clone(),
                    })
            })
            .collect()
    }

    /// The samples restricted to the named parameters, in the order given: this is how nuisance
    /// parameters are marginalised out (weights are unchanged).
    pub fn select<S: AsRef<str>>(&self, names: &[S]) -> Result<Self> {
        if names.is_empty() {
            return Err(Error::invalid("params", "select at least one parameter"));
        }
        let idx = self.indices_of(names)?;
        let mut out = Self::new(
            self.values.select_columns(&idx),
            self.weights.clone(),
            idx.iter().map(|&j| self.names[j].clone()).collect(),
        )?;
        out.labels = self
            .labels
            .as_ref()
            .map(|l| idx.iter().map(|&j| l[j].clone()).collect());
        out.log_likelihood = self.log_likelihood.clone();
        out.log_likelihood_birth = self.log_likelihood_birth.clone();
        out.chain = self.chain.clone();
        Ok(out)
    }

    /// A subset of the rows, in the order given (repeats allowed, as in a bootstrap), checked.
    ///
    /// Errors ([`Error::InvalidArgument`] naming `rows`): an index `≥ len()`, an empty
    /// selection, or a selection whose weights are all zero. The result is always valid input
    /// for an estimator.
    pub fn try_select_rows(&self, rows: &[usize]) -> Result<Self> {
        if let Some(&i) = rows.iter().find(|&&i| i >= self.len()) {
            return Err(Error::invalid(
                "rows",
                format!(
                    "row {i} is out of range: the samples have {} rows (0 to {})",
                    self.len(),
                    self.len().saturating_sub(1)
                ),
            ));
        }
        if rows.is_empty() {
            return Err(Error::invalid("rows", "select at least one row"));
        }
        if rows.iter().all(|&i| self.weights[i] == 0.0) {
            return Err(Error::invalid(
                "rows",
                format!(
                    "every one of the {} selected rows has weight zero; select rows that carry weight",
                    rows.len()
                ),
            ));
        }
        Ok(self.select_rows(rows))
    }

    /// A subset of the rows (used for validation splits and bootstraps), unchecked: every index
    /// must be in range (the crate's own callers guarantee it); the public, checked form is
    /// [`WeightedSamples::try_select_rows`].
    pub(crate) fn select_rows(&self, rows: &[usize]) -> Self {
        let pick = |v: &Vec<f64>| rows.iter().map(|&i| v[i]).collect::<Vec<_>>();
        Self {
            values: self.values.select_rows(rows),
            weights: pick(&self.weights),
            names: self.names.clone(),
            labels: self.labels.clone(),
            log_likelihood: self.log_likelihood.as_ref().map(pick),
            log_likelihood_birth: self.log_likelihood_birth.as_ref().map(pick),
            chain: self
                .chain
                .as_ref()
                .map(|c| rows.iter().map(|&i| c[i]).collect()),
        }
    }

    /// Rows drawn in proportion to the weights, with replacement, at most `k` of them (seeded):
    /// unweighted draws of the distribution the samples represent, for plots.
    pub fn resample_rows(&self, k: usize, seed: u64) -> Vec<usize> {
        use rand::Rng;
        let n = self.weights.len();
        let total: f64 = self.weights.iter().sum();
        let mut cum = Vec::with_capacity(n);
        let mut s = 0.0;
        for w in &self.weights {
            s += w / total;
            cum.push(s);
        }
        let mut rng = crate::rng::rng_from_seed(seed);
        (0..k.min(n))
            .map(|_| {
                let u: f64 = rng.random();
                cum.partition_point(|c| *c < u).min(n - 1)
            })
            .collect()
    }

    /// Weighted mean of each parameter.
    pub fn mean(&self) -> Vec<f64> {
        let w = self.normalised_weights();
        let mut m = vec![0.0; self.dim()];
        for (r, wi) in self.values.rows().zip(&w) {
            for (mj, x) in m.iter_mut().zip(r) {
                *mj += wi * x;
            }
        }
        m
    }

    /// Weighted covariance matrix (row-major `d × d`), normalised by `Σw` (no bias correction).
    pub fn covariance(&self) -> Matrix {
        let d = self.dim();
        let w = self.normalised_weights();
        let m = self.mean();
        let mut c = Matrix::zeros(d, d);
        for (r, wi) in self.values.rows().zip(&w) {
            for a in 0..d {
                let da = r[a] - m[a];
                for b in 0..d {
                    c.as_mut_slice()[a * d + b] += wi * da * (r[b] - m[b]);
                }
            }
        }
        c
    }

    /// Checks that the samples can be fitted: at least `d + 1` samples with weight, Kish
    /// effective size above 3 (needed by the bound widening), and no constant column.
    pub fn check_fit_ready(&self) -> Result<()> {
        let d = self.dim();
        if d == 0 {
            return Err(Error::invalid("samples", "there are no parameters to fit"));
        }
        let n_pos = self.weights.iter().filter(|w| **w > 0.0).count();
        if n_pos <= d {
            return Err(Error::invalid(
                "samples",
                format!("{n_pos} samples with positive weight for {d} parameters; provide more samples than parameters"),
            ));
        }
        let ess = self.ess();
        if ess <= 3.0 {
            return Err(Error::invalid(
                "weights",
                format!("Kish effective sample size {ess:.2} is too small (need > 3); the weights are too concentrated"),
            ));
        }
        for j in 0..d {
            let col = self.values.column(j);
            let first = col[0];
            if col.iter().all(|v| *v == first) {
                return Err(Error::invalid(
                    "samples",
                    format!("parameter `{}` is constant ({first}); drop it with `select` or pass `params` without it", self.names[j]),
                ));
            }
        }
        Ok(())
    }
}

/// Kish effective sample size `(Σw)² / Σw²` of a weight vector.
pub fn kish_ess(weights: &[f64]) -> f64 {
    let s: f64 = weights.iter().sum();
    let s2: f64 = weights.iter().map(|w| w * w).sum();
    if s2 == 0.0 {
        0.0
    } else {
        s * s / s2
    }
}

pub mod csv;
pub use csv::{read_csv, write_csv};
pub mod readers;
pub use readers::{read_chain, read_chain_full, Chain, ChainFormat};
