//! Chain readers: one file per format, all returning [`WeightedSamples`], and
//! [`read_chain`], which detects the format from a path or a root name.
//!
//! | format | files |
//! | --- | --- |
//! | CosmoMC / getdist | `root_1.txt`, `root_2.txt`, … + `root.paramnames` (+ `root.ranges`) |
//! | PolyChord / MultiNest | `root.txt` (weight, −2 log L, params) + `root.paramnames` |
//! | PolyChord dead points | `root_dead-birth.txt` (params, log L, log L_birth) + `root_phys_live-birth.txt` |
//! | MultiNest dead points | `ROOTdead-birth.txt` + `ROOTphys_live-birth.txt`, or the old `ROOTev.dat` + `ROOTphys_live.points` (no `_`) |
//! | MultiNest equal weights | `root_post_equal_weights.dat` (params, log L) |
//! | Cobaya | `root.1.txt`, `root.2.txt`, … (header `# weight minuslogpost …`) + `root.updated.yaml` |
//! | NestedFit | a folder with `nf_output_points.txt`, `nf_output_diag.dat`, `nf_output_points.paramnames` |
//! | UltraNest | a folder with `results/points.hdf5` and `info/results.json` (feature `hdf5`) |
//! | CSV | `*.csv` with a header, or anesthetic's CSV with name and label rows ([`crate::samples::csv`]) |
//! | parquet | `*.parquet` (feature `polars`) |
//! | HDF5 | `*.h5`, `*.hdf5` (feature `hdf5`) |
//!
//! Every reader reports malformed input as [`Error::Parse`] with the file and line.

pub mod cobaya;
pub mod getdist;
#[cfg(feature = "hdf5")]
pub mod hdf5;
pub mod nested;
pub mod paramnames;
#[cfg(feature = "polars")]
pub mod parquet;
pub mod text;

use std::path::{Path, PathBuf};

pub use paramnames::{ParamNames, Ranges};

use crate::error::{Error, Result};
use crate::samples::WeightedSamples;
use crate::transform::Bounds;

/// The chain formats margflow reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainFormat {
    /// CosmoMC / getdist `root_N.txt`.
    GetDist,
    /// PolyChord or MultiNest `root.txt`.
    PolyChord,
    /// PolyChord `root_dead-birth.txt`.
    PolyChordDeadBirth,
    /// MultiNest `root_post_equal_weights.dat`.
    MultiNest,
    /// MultiNest `ROOTdead-birth.txt` (or the old `ROOTev.dat`).
    MultiNestDeadBirth,
    /// Cobaya `root.1.txt`, `root.2.txt`, ….
    Cobaya,
    /// NestedFit `nf_output_points.txt` + `nf_output_diag.dat`.
    NestedFit,
    /// UltraNest output folder (`results/points.hdf5`, feature `hdf5`).
    UltraNest,
    /// CSV with a header.
    Csv,
    /// Apache parquet (feature `polars`).
    Parquet,
    /// HDF5 (feature `hdf5`).
    Hdf5,
}

/// A chain as read: the samples, the hard prior limits when the format has them
/// (getdist `.ranges`), and which parameters are derived.
#[derive(Debug, Clone)]
pub struct Chain {
    /// The weighted samples, every parameter of the file.
    pub samples: WeightedSamples,
    /// Prior limits (`root.ranges`), if the format and the files provide them.
    pub ranges: Option<Ranges>,
    /// `derived[j]`: parameter `j` is derived (`*` in `.paramnames`).
    pub derived: Vec<bool>,
    /// The format that was read.
    pub format: ChainFormat,
}

impl Chain {
    /// The prior limits of the named parameters from the ranges file (see [`Ranges::bounds`]:
    /// open where the file gives `N` or does not list a parameter); `None` without one.
    pub fn bounds<S: AsRef<str>>(&self, names: &[S]) -> Option<Bounds> {
        self.ranges.as_ref()?.bounds(names)
    }

    /// Names of the sampled (non-derived) parameters.
    pub fn sampled_names(&self) -> Vec<String> {
        self.samples
            .names()
            .iter()
            .zip(&self.derived)
            .filter(|(_, d)| !**d)
            .map(|(n, _)| n.clone())
            .collect()
    }
}

/// Reads weighted samples from a file or root name in any supported format.
/// See [`read_chain_full`].
pub fn read_chain(path_or_root: impl AsRef<Path>) -> Result<WeightedSamples> {
    Ok(read_chain_full(path_or_root, None)?.samples)
}

/// Reads a chain, detecting its format, with its prior ranges if the format has them.
///
/// `path_or_root` is a file (`x.csv`, `x.parquet`, `x.h5`, `root_1.txt`, `root.1.txt`,
/// `root.txt`, `root_dead-birth.txt`, `ROOTdead-birth.txt`, `ROOTev.dat`,
/// `root_post_equal_weights.dat`, `nf_output_points.txt`), a root (`chains/DES`) or a
/// NestedFit or UltraNest output folder. A root or a `root_N.txt` (`root.N.txt`) file reads all chains
/// `root_1.txt`, `root_2.txt`, … (`root.1.txt`, …) `weights_column` applies to
/// CSV, parquet and HDF5. When no format fits, the error lists every format tried and why it
/// failed.
pub fn read_chain_full(
    path_or_root: impl AsRef<Path>,
    weights_column: Option<&str>,
) -> Result<Chain> {
    let path = path_or_root.as_ref();
    let candidates = candidates(path, weights_column);
    let mut tried = Vec::new();
    for (format, attempt) in candidates {
        match attempt() {
            Ok(chain) => return Ok(chain),
            Err(e) => tried.push((format, Box::new(e))),
        }
    }
    Err(Error::NoChainFormat {
        path: path.into(),
        tried,
    })
}

type Attempt<'a> = Box<dyn FnOnce() -> Result<Chain> + 'a>;

/// The formats that could hold `path`, most specific first, each with a reader.
fn candidates<'a>(path: &'a Path, wcol: Option<&'a str>) -> Vec<(ChainFormat, Attempt<'a>)> {
    let s = path.to_string_lossy().to_string();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut out: Vec<(ChainFormat, Attempt<'a>)> = Vec::new();
    let csv = move || -> Result<Chain> {
        let samples = crate::samples::read_csv(path, wcol)?;
        let d = samples.dim();
        Ok(Chain {
            samples,
            ranges: None,
            derived: vec![false; d],
            format: ChainFormat::Csv,
        })
    };
    if path.is_file() {
        match ext.as_str() {
            "csv" => out.push((ChainFormat::Csv, Box::new(csv))),
            "parquet" => out.push((
                ChainFormat::Parquet,
                Box::new(move || parquet_reader(path, wcol)),
            )),
            "h5" | "hdf5" => {
                out.push((ChainFormat::Hdf5, Box::new(move || hdf5_reader(path, wcol))))
            }
            _ => {}
        }
        if let Some(root) = cobaya::root_of(path).filter(|_| cobaya::has_header(path)) {
            out.push((
                ChainFormat::Cobaya,
                Box::new(move || cobaya::read_cobaya(&root)),
            ));
        }
        if path
            .file_name()
            .is_some_and(|f| f == "nf_output_points.txt")
        {
            let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
            out.push((
                ChainFormat::NestedFit,
                Box::new(move || nested::read_nestedfit(&dir)),
            ));
        }
        if let Some(root) = s.strip_suffix("ev.dat") {
            let root = PathBuf::from(root);
            out.push((
                ChainFormat::MultiNestDeadBirth,
                Box::new(move || nested::read_multinest(&root)),
            ));
        }
        if let Some(root) = s.strip_suffix("dead-birth.txt") {
            if let Some(pc) = root.strip_suffix('_') {
                let pc = PathBuf::from(pc);
                out.push((
                    ChainFormat::PolyChordDeadBirth,
                    Box::new(move || nested::read_dead_birth(&pc)),
                ));
            }
            let root = PathBuf::from(root);
            out.push((
                ChainFormat::MultiNestDeadBirth,
                Box::new(move || nested::read_multinest(&root)),
            ));
        } else if let Some(root) = s.strip_suffix("post_equal_weights.dat") {
            let root = PathBuf::from(root.trim_end_matches('_'));
            out.push((
                ChainFormat::MultiNest,
                Box::new(move || nested::read_equal_weights(&root)),
            ));
        } else if let Some(root) = getdist_root_of(&s) {
            let root = PathBuf::from(root);
            out.push((
                ChainFormat::GetDist,
                Box::new(move || getdist::read_getdist(&root, None)),
            ));
        } else if let Some(root) = s.strip_suffix(".txt") {
            let root = PathBuf::from(root);
            out.push((
                ChainFormat::PolyChord,
                Box::new(move || nested::read_weighted_txt(&root)),
            ));
        }
        if out.is_empty() {
            out.push((ChainFormat::Csv, Box::new(csv)));
        }
        return out;
    }
    if path.is_dir()
        && path.join("nf_output_points.txt").is_file()
        && path.join("nf_output_diag.dat").is_file()
    {
        out.push((
            ChainFormat::NestedFit,
            Box::new(move || nested::read_nestedfit(path)),
        ));
        return out;
    }
    if path.is_dir() && path.join("results").join("points.hdf5").is_file() {
        out.push((
            ChainFormat::UltraNest,
            Box::new(move || ultranest_reader(path)),
        ));
        return out;
    }
    // A root name: every format whose files exist.
    let root = PathBuf::from(&s);
    let exists = |suffix: &str| PathBuf::from(format!("{s}{suffix}")).is_file();
    if exists("_1.txt") {
        let r = root.clone();
        out.push((
            ChainFormat::GetDist,
            Box::new(move || getdist::read_getdist(&r, None)),
        ));
    }
    if exists(".txt") {
        let r = root.clone();
        out.push((
            ChainFormat::PolyChord,
            Box::new(move || nested::read_weighted_txt(&r)),
        ));
    }
    if exists("_dead-birth.txt") {
        let r = root.clone();
        out.push((
            ChainFormat::PolyChordDeadBirth,
            Box::new(move || nested::read_dead_birth(&r)),
        ));
    }
    if exists("dead-birth.txt") || exists("ev.dat") {
        let r = root.clone();
        out.push((
            ChainFormat::MultiNestDeadBirth,
            Box::new(move || nested::read_multinest(&r)),
        ));
    }
    if exists(".1.txt") {
        let r = root.clone();
        out.push((
            ChainFormat::Cobaya,
            Box::new(move || cobaya::read_cobaya(&r)),
        ));
    }
    if exists("_post_equal_weights.dat") || exists("post_equal_weights.dat") {
        let r = root.clone();
        out.push((
            ChainFormat::MultiNest,
            Box::new(move || nested::read_equal_weights(&r)),
        ));
    }
    out
}

/// `root` when `s` is `root_N.txt` with a `root.paramnames` beside it.
fn getdist_root_of(s: &str) -> Option<String> {
    let stem = s.strip_suffix(".txt")?;
    let (root, k) = stem.rsplit_once('_')?;
    (k.parse::<u32>().is_ok() && Path::new(&format!("{root}.paramnames")).is_file())
        .then(|| root.to_string())
}

#[cfg(feature = "polars")]
fn parquet_reader(path: &Path, wcol: Option<&str>) -> Result<Chain> {
    let samples = parquet::read_parquet(path, wcol)?;
    let d = samples.dim();
    Ok(Chain {
        samples,
        ranges: None,
        derived: vec![false; d],
        format: ChainFormat::Parquet,
    })
}

#[cfg(not(feature = "polars"))]
fn parquet_reader(path: &Path, _wcol: Option<&str>) -> Result<Chain> {
    Err(Error::invalid(
        "path",
        format!(
            "{} is parquet: rebuild margflow with `--features polars` to read it",
            path.display()
        ),
    ))
}

#[cfg(feature = "hdf5")]
fn hdf5_reader(path: &Path, wcol: Option<&str>) -> Result<Chain> {
    let samples = hdf5::read_hdf5(path, wcol)?;
    let d = samples.dim();
    Ok(Chain {
        samples,
        ranges: None,
        derived: vec![false; d],
        format: ChainFormat::Hdf5,
    })
}

#[cfg(not(feature = "hdf5"))]
fn hdf5_reader(path: &Path, _wcol: Option<&str>) -> Result<Chain> {
    Err(Error::invalid(
        "path",
        format!(
            "{} is HDF5: rebuild margflow with `--features hdf5` to read it",
            path.display()
        ),
    ))
}

#[cfg(feature = "hdf5")]
fn ultranest_reader(path: &Path) -> Result<Chain> {
    hdf5::read_ultranest(path)
}

#[cfg(not(feature = "hdf5"))]
fn ultranest_reader(path: &Path) -> Result<Chain> {
    Err(Error::invalid(
        "path",
        format!(
            "{} is an UltraNest run (HDF5): rebuild margflow with `--features hdf5` to read it",
            path.display()
        ),
    ))
}
