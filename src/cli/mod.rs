//! The `margflow` command-line program: one file per subcommand.
//!
//! Results go to stdout (CSV or JSON), progress bars and errors to stderr; a failure exits with
//! a non-zero status and a message that names the argument at fault.

pub mod demo;
pub mod logprob;
pub mod nest;
pub mod sample;
pub mod stats;
pub mod train;

use crate::error::{Error, Result};
use crate::samples::{Chain, WeightedSamples};
use crate::transform::Bounds;

/// The limits estimators are fitted in, from a `--bounds` flag and the chains:
/// - `lo:hi,…` (an empty side is open, `0:,:,-1:1`), one entry per parameter;
/// - `kish`: the Kish-widened range of all the samples (margarine's default; a density is then
///   zero beyond it);
/// - no flag: the limits in the first chain's `.ranges` (or Cobaya priors) that lists the
///   parameters, opened by a hair since samplers write points exactly on a limit; else `None`,
///   every parameter unbounded.
pub fn fit_bounds(
    flag: Option<&str>,
    chains: &[&Chain],
    samples: &[&WeightedSamples],
    params: &[String],
) -> Result<Option<Bounds>> {
    let b = match flag.map(str::trim) {
        Some("kish") => {
            let boxes = samples
                .iter()
                .map(|s| Bounds::from_samples(s))
                .collect::<Result<Vec<_>>>()?;
            Some(union(&boxes)?)
        }
        Some(text) => {
            Some(Bounds::parse(text).map_err(|e| Error::invalid("--bounds", e.to_string()))?)
        }
        None => chains
            .iter()
            .find_map(|c| c.bounds(params))
            .map(|b| b.widened(1e-9))
            .transpose()?,
    };
    if let Some(b) = &b {
        if b.dim() != params.len() {
            return Err(Error::invalid(
                "--bounds",
                format!(
                    "{} entries for {} parameters ({}); give one `lo:hi` per parameter, an empty side for no limit",
                    b.dim(),
                    params.len(),
                    params.join(",")
                ),
            ));
        }
    }
    Ok(b)
}

/// The smallest box holding all the given boxes.
fn union(boxes: &[Bounds]) -> Result<Bounds> {
    let mut lo = boxes[0].lo().to_vec();
    let mut hi = boxes[0].hi().to_vec();
    for b in &boxes[1..] {
        for j in 0..lo.len() {
            lo[j] = lo[j].min(b.lo()[j]);
            hi[j] = hi[j].max(b.hi()[j]);
        }
    }
    Bounds::new(lo, hi)
}
