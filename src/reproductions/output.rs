//! What a reproduction returns and how the driver stores it under `data/<id>/<tier>/`.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::display::{Svg, Table};
use super::Tier;
use crate::error::{Error, ParseKind, Result};

/// A value to compare with: the paper's number or a closed form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    /// The value.
    pub value: f64,
    /// Its one-σ error (0 for a closed form).
    pub err: f64,
    /// Where it comes from (`arXiv:2305.02930 Table 1`, `closed form`, ...).
    pub source: String,
}

/// One headline number of a reproduction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Value {
    /// Key, unique within the reproduction (`two_moons.maf.paper_estimator`).
    pub key: String,
    /// What it is, in words.
    pub label: String,
    /// margflow's value.
    pub value: f64,
    /// Its one-σ error.
    pub err: f64,
    /// The paper's or the closed form's value, where there is one.
    pub reference: Option<Reference>,
    /// A timing or a cost that depends on the machine: reported and kept in the manifest, but
    /// not pinned in a snapshot.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub machine_dependent: bool,
}

impl Value {
    /// A value with no reference.
    pub fn new(key: impl Into<String>, label: impl Into<String>, value: f64, err: f64) -> Self {
        Self {
            key: key.into(),
            label: label.into(),
            value,
            err,
            reference: None,
            machine_dependent: false,
        }
    }

    /// Marks the value as machine-dependent (see the field).
    pub fn machine_dependent(mut self) -> Self {
        self.machine_dependent = true;
        self
    }

    /// The same value with a reference.
    pub fn with_reference(mut self, value: f64, err: f64, source: impl Into<String>) -> Self {
        self.reference = Some(Reference {
            value,
            err,
            source: source.into(),
        });
        self
    }

    /// `|value − reference| / √(err² + err_ref²)`, or `None` without a reference or for a
    /// machine-dependent value (a timing is compared, not tested). With both errors zero it is
    /// 0 for equal values and `∞` otherwise.
    pub fn pull(&self) -> Option<f64> {
        let r = self.reference.as_ref()?;
        if self.machine_dependent {
            return None;
        }
        let s = (self.err.powi(2) + r.err.powi(2)).sqrt();
        let d = (self.value - r.value).abs();
        Some(if s > 0.0 {
            d / s
        } else if d == 0.0 {
            0.0
        } else {
            f64::INFINITY
        })
    }

    /// A check that the value agrees with its reference within `sigmas` combined errors.
    pub fn agrees_within(&self, sigmas: f64) -> Check {
        let pull = self.pull().unwrap_or(f64::INFINITY);
        let r = self.reference.as_ref();
        Check {
            name: format!("{} agrees with the reference", self.key),
            passed: pull <= sigmas,
            detail: match r {
                Some(r) => format!(
                    "{:.4} ± {:.4} vs {} {:.4} ± {:.4}: {pull:.2}σ (allowed {sigmas}σ)",
                    self.value, self.err, r.source, r.value, r.err
                ),
                None => "no reference value".into(),
            },
        }
    }
}

/// A physics check of a reproduction: passed or not, and the numbers that decided it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// What is checked.
    pub name: String,
    /// Whether it holds.
    pub passed: bool,
    /// The numbers.
    pub detail: String,
}

impl Check {
    /// A check from a condition.
    pub fn new(name: impl Into<String>, passed: bool, detail: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            passed,
            detail: detail.into(),
        }
    }
}

/// An SVG figure with its file name (`figure1.svg`).
#[derive(Debug, Clone)]
pub struct Figure {
    /// File name under `data/<id>/<tier>/`.
    pub name: String,
    /// The drawing.
    pub svg: Svg,
}

/// An input file and its sha256, so that a referee can check they have the same data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputFile {
    /// Path as given.
    pub path: String,
    /// Hex sha256 of the contents.
    pub sha256: String,
}

impl InputFile {
    /// Hashes the file at `path`.
    pub fn hash(path: &Path) -> Result<Self> {
        let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
        Ok(Self {
            path: path.display().to_string(),
            sha256: format!("{:x}", h.finalize()),
        })
    }
}

/// Where and how an output was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// margflow's version.
    pub margflow_version: String,
    /// `git rev-parse HEAD` of the working tree (with `-dirty` when it has changes), or
    /// `unknown` outside a git checkout.
    pub git_commit: String,
    /// The tier run.
    pub tier: Tier,
    /// The base seed.
    pub seed: u64,
    /// Wall-clock seconds.
    pub wall_seconds: f64,
    /// CPU seconds of the process, all threads.
    pub cpu_seconds: f64,
    /// `os-arch, N cores` and the CPU model where it can be read.
    pub machine: String,
    /// UTC time at the end of the run (seconds since the epoch).
    pub finished_unix: u64,
}

impl Provenance {
    /// The provenance of a run that took `wall` and `cpu` seconds.
    pub fn now(tier: Tier, seed: u64, wall: f64, cpu: f64) -> Self {
        Self {
            margflow_version: env!("CARGO_PKG_VERSION").into(),
            git_commit: git_commit(),
            tier,
            seed,
            wall_seconds: wall,
            cpu_seconds: cpu,
            machine: machine(),
            finished_unix: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        }
    }
}

fn git_commit() -> String {
    let run = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    match run(&["rev-parse", "HEAD"]) {
        Some(c) => {
            let dirty = run(&["status", "--porcelain", "--untracked-files=no"])
                .map(|s| !s.is_empty())
                .unwrap_or(false);
            if dirty {
                format!("{c}-dirty")
            } else {
                c
            }
        }
        None => "unknown".into(),
    }
}

fn machine() -> String {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!(
        "{}-{}, {cores} cores, {model}",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

/// Everything a reproduction produces.
#[derive(Debug, Clone)]
pub struct Output {
    /// The reproduction's id.
    pub id: String,
    /// The tier run.
    pub tier: Tier,
    /// The base seed.
    pub seed: u64,
    /// Headline numbers (the manifest's rows).
    pub values: Vec<Value>,
    /// Physics checks; a test asserts that every one passes.
    pub checks: Vec<Check>,
    /// Tables, each written as `<name>.csv`.
    pub tables: Vec<Table>,
    /// Figures, each written as an SVG file.
    pub figures: Vec<Figure>,
    /// Input files read (with their sha256); empty when the data are generated.
    pub inputs: Vec<InputFile>,
    /// Remarks worth reading beside the numbers (why a value differs from the paper, ...).
    pub notes: Vec<String>,
}

/// The `summary.json` of an output.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    /// The reproduction's id.
    pub id: String,
    /// Headline numbers.
    pub values: Vec<Value>,
    /// Physics checks.
    pub checks: Vec<Check>,
    /// File names of the tables and figures written beside it.
    pub files: Vec<String>,
    /// Input files with their sha256.
    pub inputs: Vec<InputFile>,
    /// Remarks.
    pub notes: Vec<String>,
    /// How it was made.
    pub provenance: Provenance,
}

impl Summary {
    /// Reads a `summary.json`.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        serde_json::from_str(&text).map_err(|e| Error::Parse {
            kind: ParseKind::Format,
            column: None,
            path: path.to_path_buf(),
            line: e.line(),
            reason: e.to_string(),
        })
    }

    /// The value with key `key`.
    pub fn value(&self, key: &str) -> Option<&Value> {
        self.values.iter().find(|v| v.key == key)
    }
}

impl Output {
    /// An empty output of `id` for `tier` and `seed`.
    pub fn new(id: &str, tier: Tier, seed: u64) -> Self {
        Self {
            id: id.into(),
            tier,
            seed,
            values: Vec::new(),
            checks: Vec::new(),
            tables: Vec::new(),
            figures: Vec::new(),
            inputs: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// The value with key `key`.
    pub fn value(&self, key: &str) -> Option<&Value> {
        self.values.iter().find(|v| v.key == key)
    }

    /// The checks that failed.
    pub fn failed_checks(&self) -> Vec<&Check> {
        self.checks.iter().filter(|c| !c.passed).collect()
    }

    /// The headline values as a table: key, value ± error, reference, pull.
    pub fn values_table(&self) -> Table {
        let mut t = Table::new(
            "values",
            &[
                "value",
                "margflow",
                "± σ",
                "reference",
                "± σ",
                "source",
                "pull",
            ],
        );
        for v in &self.values {
            let (rv, re, src) = match &v.reference {
                Some(r) => (fmt4(r.value), fmt4(r.err), r.source.clone()),
                None => (String::new(), String::new(), String::new()),
            };
            let pull = v.pull().map(|p| format!("{p:.2}")).unwrap_or_default();
            t.push(vec![
                v.label.clone(),
                fmt4(v.value),
                fmt4(v.err),
                rv,
                re,
                src,
                pull,
            ]);
        }
        t
    }

    /// The checks as a table.
    pub fn checks_table(&self) -> Table {
        let mut t = Table::new("checks", &["check", "passed", "detail"]);
        for c in &self.checks {
            t.push(vec![
                c.name.clone(),
                if c.passed { "yes" } else { "NO" }.into(),
                c.detail.clone(),
            ]);
        }
        t
    }

    /// The figure named `name`.
    pub fn figure(&self, name: &str) -> Option<&Svg> {
        self.figures.iter().find(|f| f.name == name).map(|f| &f.svg)
    }

    /// The table named `name`.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// Writes `summary.json`, one CSV per table and one SVG per figure into `dir` (created if
    /// needed), with the provenance of a run that took `wall` and `cpu` seconds. Returns the
    /// summary written.
    pub fn write(&self, dir: &Path, wall: f64, cpu: f64) -> Result<Summary> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let mut files = Vec::new();
        for t in &self.tables {
            let name = format!("{}.csv", t.name);
            t.write_csv(&dir.join(&name))?;
            files.push(name);
        }
        for f in &self.figures {
            let p = dir.join(&f.name);
            std::fs::write(&p, f.svg.as_str()).map_err(|e| Error::io(&p, e))?;
            files.push(f.name.clone());
        }
        let summary = Summary {
            id: self.id.clone(),
            values: self.values.clone(),
            checks: self.checks.clone(),
            files,
            inputs: self.inputs.clone(),
            notes: self.notes.clone(),
            provenance: Provenance::now(self.tier, self.seed, wall, cpu),
        };
        let p = dir.join("summary.json");
        let text = serde_json::to_string_pretty(&summary)
            .map_err(|e| Error::invalid("summary", e.to_string()))?;
        std::fs::write(&p, text + "\n").map_err(|e| Error::io(&p, e))?;
        Ok(summary)
    }

    /// The values rounded to their error bars (see [`round_to_err`]), machine-dependent ones
    /// left out: what the snapshot tests pin.
    pub fn rounded(&self) -> Vec<(String, f64, f64)> {
        self.values
            .iter()
            .filter(|v| !v.machine_dependent)
            .map(|v| {
                let (x, e) = round_to_err(v.value, v.err);
                (v.key.clone(), x, e)
            })
            .collect()
    }
}

/// The output folder of reproduction `id` in `tier` under the data root `root`:
/// `root/<id>/<tier>/`.
pub fn output_dir(root: &Path, id: &str, tier: Tier) -> PathBuf {
    root.join(id).join(tier.name())
}

fn fmt4(v: f64) -> String {
    if v != 0.0 && (v.abs() >= 1e4 || v.abs() < 1e-3) {
        format!("{v:.3e}")
    } else {
        format!("{v:.4}")
    }
}

/// Rounds `value` to the decimal of the first significant digit of `err`, and `err` to one
/// significant digit: a snapshot pins what the error bar supports, not the last bits of one
/// CPU. An error of 0 (an exact count) keeps the value as it is.
///
/// ```
/// use margflow::reproductions::round_to_err;
/// assert_eq!(round_to_err(0.01234, 0.0042), (0.012, 0.004));
/// assert_eq!(round_to_err(8.7312, 0.05), (8.73, 0.05));
/// assert_eq!(round_to_err(3.0, 0.0), (3.0, 0.0));
/// ```
pub fn round_to_err(value: f64, err: f64) -> (f64, f64) {
    if !(err > 0.0 && err.is_finite() && value.is_finite()) {
        return (value, err);
    }
    let decimals = -(err.log10().floor() as i32);
    let scale = 10f64.powi(decimals);
    let r = |x: f64| (x * scale).round() / scale;
    let e = r(err);
    (r(value), if e == 0.0 { 1.0 / scale } else { e })
}
