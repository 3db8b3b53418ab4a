//! The sampler's settings: a checked builder with documented defaults.

use crate::error::{Error, Result};

/// Settings of a nested-sampling run.
///
/// Defaults (PolyChord's where it has one): `n_live = 500`, `n_repeats = 5 d` slice steps per
/// new point, `precision = 1e-3` (stop when the live points hold less than this fraction of
/// the evidence), no call cap, `batch = 8` replacements generated in parallel, clustering on,
/// 200 simulated volume sequences for the error bars, progress display on, `seed = 0`, and
/// new points drawn from the whole prior by rejection while that is cheaper than a slice chain
/// (see [`NestedConfig::rejection`]).
#[derive(Debug, Clone, PartialEq)]
pub struct NestedConfig {
    pub(crate) n_live: usize,
    pub(crate) n_repeats: Option<usize>,
    pub(crate) repeats_per_dim: usize,
    pub(crate) precision: f64,
    pub(crate) max_calls: u64,
    pub(crate) batch: usize,
    pub(crate) clustering: bool,
    pub(crate) rejection: bool,
    pub(crate) n_simulations: usize,
    pub(crate) progress: bool,
    pub(crate) seed: u64,
}

impl Default for NestedConfig {
    fn default() -> Self {
        Self {
            n_live: 500,
            n_repeats: None,
            repeats_per_dim: 5,
            precision: 1e-3,
            max_calls: u64::MAX,
            batch: 8,
            clustering: true,
            rejection: true,
            n_simulations: 200,
            progress: true,
            seed: 0,
        }
    }
}

impl NestedConfig {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Number of live points (at least `d + 1`).
    pub fn n_live(mut self, n: usize) -> Self {
        self.n_live = n;
        self
    }
    /// Slice steps per new point (default `5 d`); overrides
    /// [`repeats_per_dimension`](Self::repeats_per_dimension).
    pub fn n_repeats(mut self, n: usize) -> Self {
        self.n_repeats = Some(n);
        self
    }
    /// Slice steps per new point as a multiple of the dimension (default 5: `n_repeats = 5 d`).
    pub fn repeats_per_dimension(mut self, k: usize) -> Self {
        self.repeats_per_dim = k;
        self.n_repeats = None;
        self
    }
    /// Stop when the live points hold less than this fraction of the evidence (in `(0, 1)`).
    pub fn precision(mut self, p: f64) -> Self {
        self.precision = p;
        self
    }
    /// Hard cap on likelihood calls: the run stops, never exceeding it, and says so.
    pub fn max_calls(mut self, n: u64) -> Self {
        self.max_calls = n;
        self
    }
    /// Number of points replaced at once, their slice chains run in parallel (rayon).
    ///
    /// The `batch` lowest live points die together and every replacement is drawn above the
    /// highest of them, so the live count dips from `n_live` to `n_live − batch + 1` and the
    /// bookkeeping records it exactly. The result depends on `batch` and the seed, not on the
    /// number of threads. It is capped at `max(1, n_live / 10)`, so the dip stays small.
    pub fn batch(mut self, b: usize) -> Self {
        self.batch = b;
        self
    }
    /// Turns clustering of the live points on or off.
    pub fn clustering(mut self, on: bool) -> Self {
        self.clustering = on;
        self
    }
    /// Draws new points from the whole prior by rejection while that is expected to be cheaper
    /// than a slice chain (default on; dynesty's uniform first phase does the same).
    ///
    /// Above the contour `L*` lies the prior mass `X`, so a uniform cube point is accepted with
    /// probability `X` and a replacement costs `1/X` calls on average, against about
    /// [`SLICE_CALLS_PER_STEP`](Self::SLICE_CALLS_PER_STEP) `× n_repeats` for a slice chain.
    /// While `1/X` (from the run's own estimate `log X = −i/n`) is below that, each replacement
    /// is a rejection draw, capped at three times the slice cost, after which it falls back to a
    /// slice chain. Rejection draws are exact, independent samples of the constrained prior, so
    /// the statistics of the run can only improve; the saving is about `n_live × ln(4 n_repeats)`
    /// slice chains for the cost of about `n_live` of them.
    pub fn rejection(mut self, on: bool) -> Self {
        self.rejection = on;
        self
    }
    /// Average likelihood calls per slice step (stepping out and shrinking), as measured on
    /// the built-in test problems (4–5 in d ≥ 5), used to compare rejection with slicing.
    pub const SLICE_CALLS_PER_STEP: f64 = 4.0;
    /// Number of simulated prior-volume sequences for the error bars (at least 10).
    pub fn n_simulations(mut self, n: usize) -> Self {
        self.n_simulations = n;
        self
    }
    /// Shows a progress display on stderr.
    pub fn progress(mut self, on: bool) -> Self {
        self.progress = on;
        self
    }
    /// The seed of every random choice.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The number of live points.
    pub fn get_n_live(&self) -> usize {
        self.n_live
    }
    /// The stopping precision.
    pub fn get_precision(&self) -> f64 {
        self.precision
    }
    /// The seed.
    pub fn get_seed(&self) -> u64 {
        self.seed
    }
    /// Slice steps per new point in dimension `d`.
    pub fn repeats_for(&self, d: usize) -> usize {
        self.n_repeats.unwrap_or(self.repeats_per_dim * d).max(1)
    }
    /// The largest `1/X` at which a replacement is still drawn by rejection in dimension `d`
    /// (`0` when rejection is off).
    pub fn rejection_limit(&self, d: usize) -> f64 {
        if self.rejection {
            Self::SLICE_CALLS_PER_STEP * self.repeats_for(d) as f64
        } else {
            0.0
        }
    }
    /// The batch actually used: `min(batch, max(1, n_live / 10))`.
    pub fn effective_batch(&self) -> usize {
        self.batch.clamp(1, (self.n_live / 10).max(1))
    }

    /// Checks the settings for a problem of dimension `d`.
    pub fn validate(&self, d: usize) -> Result<()> {
        if d == 0 {
            return Err(Error::invalid("prior", "the prior has dimension 0"));
        }
        if self.n_live < d + 1 {
            return Err(Error::invalid(
                "n_live",
                format!(
                    "n_live = {} is below d + 1 = {}; the live points must span the space (use at least 25 d)",
                    self.n_live,
                    d + 1
                ),
            ));
        }
        if self.n_repeats == Some(0) {
            return Err(Error::invalid(
                "n_repeats",
                "n_repeats must be at least 1 (default 5 d)",
            ));
        }
        if self.n_repeats.is_none() && self.repeats_per_dim == 0 {
            return Err(Error::invalid(
                "repeats_per_dimension",
                "at least 1 slice step per dimension is needed (default 5)",
            ));
        }
        if !(self.precision > 0.0 && self.precision < 1.0) {
            return Err(Error::invalid(
                "precision",
                format!(
                    "precision = {} must lie in (0, 1); the default is 1e-3",
                    self.precision
                ),
            ));
        }
        if self.batch == 0 {
            return Err(Error::invalid("batch", "batch must be at least 1"));
        }
        if self.n_simulations < 10 {
            return Err(Error::invalid(
                "n_simulations",
                format!(
                    "n_simulations = {} is too few for an error bar; use at least 10",
                    self.n_simulations
                ),
            ));
        }
        if self.max_calls < self.n_live as u64 {
            return Err(Error::invalid(
                "max_calls",
                format!(
                    "max_calls = {} cannot even fill {} live points",
                    self.max_calls, self.n_live
                ),
            ));
        }
        Ok(())
    }
}
