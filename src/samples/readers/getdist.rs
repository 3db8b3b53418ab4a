//! CosmoMC / getdist chains: `root_1.txt`, `root_2.txt`, … with rows
//! `weight  −log(posterior)  p_1 … p_d` in the order of `root.paramnames` (derived parameters
//! marked `*`), and optionally `root.ranges` with the hard prior limits.

use std::path::{Path, PathBuf};

use super::paramnames::{ParamNames, Ranges};
use super::text::{check_weights, read_whitespace};
use super::Chain;
use crate::error::{Error, Result};
use crate::matrix::Matrix;
use crate::samples::WeightedSamples;

/// The chain files `root_1.txt`, `root_2.txt`, … that exist (consecutive from 1).
pub fn chain_files(root: &Path) -> Vec<PathBuf> {
    (1..)
        .map(|k| PathBuf::from(format!("{}_{k}.txt", root.display())))
        .take_while(|p| p.is_file())
        .collect()
}

/// Reads every chain of a getdist root, or the given chain files, one after the other, with
/// each row's chain recorded ([`WeightedSamples::chain_ids`]) so that error bars and
/// cross-fitting can respect the chains' boundaries.
///
/// `root.paramnames` is required; `root.ranges` is read when present. Errors name the file and
/// line: a row whose column count disagrees with the parameter names, a non-number, NaN, a
/// negative weight, an empty chain.
pub fn read_getdist(root: &Path, files: Option<&[PathBuf]>) -> Result<Chain> {
    let pn_path = PathBuf::from(format!("{}.paramnames", root.display()));
    let pn = ParamNames::read(&pn_path)?;
    let files = match files {
        Some(f) => f.to_vec(),
        None => chain_files(root),
    };
    if files.is_empty() {
        return Err(Error::io(
            format!("{}_1.txt", root.display()),
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no chain files root_1.txt, root_2.txt, …",
            ),
        ));
    }
    let ncols = pn.len() + 2;
    let name = |j: usize| match j {
        0 => "weight".to_string(),
        1 => "-log(posterior)".to_string(),
        j => pn.names[j - 2].clone(),
    };
    let mut data = Vec::new();
    let mut n = 0;
    let mut lengths = Vec::with_capacity(files.len());
    for f in &files {
        let (m, lines) = read_whitespace(f, Some(ncols), &name, &|_| false)?;
        check_weights(f, &m, &lines, 0)?;
        n += m.nrows();
        lengths.push(m.nrows());
        data.extend_from_slice(m.as_slice());
    }
    let all = Matrix::new(n, ncols, data)?;
    let cols: Vec<usize> = (2..ncols).collect();
    let samples = WeightedSamples::new(all.select_columns(&cols), all.column(0), pn.names.clone())?
        .with_labels(pn.labels.clone())?
        .with_chains(&lengths)?;
    let ranges_path = PathBuf::from(format!("{}.ranges", root.display()));
    let ranges = if ranges_path.is_file() {
        Some(Ranges::read(&ranges_path)?)
    } else {
        None
    };
    Ok(Chain {
        samples,
        ranges,
        derived: pn.derived,
        format: super::ChainFormat::GetDist,
    })
}
