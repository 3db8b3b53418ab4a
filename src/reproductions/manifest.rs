//! `paper_reproductions/manifest.yaml`: one row per published number, with the paper's value,
//! margflow's value (from the run stored under `data/`), the status and, where they differ,
//! the reason; and the README's results table generated from it.
//!
//! `cargo run --release --bin reproduce -- --sync` rebuilds the rows of every registered
//! reproduction from its stored summary (full tier where there is one), keeping the statuses
//! and reasons written by hand, and rewrites the README's table. The test
//! `tests/manifest.rs` checks that the manifest, the registry, the stored summaries, the files
//! named and the README agree.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::output::{output_dir, Summary, Value};
use super::{registry, Tier};
use crate::error::{Error, ParseKind, Result};

/// The manifest's path, relative to the repository root.
pub const MANIFEST: &str = "paper_reproductions/manifest.yaml";
/// Marks around the generated table in README.md.
pub const README_BEGIN: &str = "<!-- results table: generated from paper_reproductions/manifest.yaml by `cargo run --release --bin reproduce -- --sync`; do not edit -->";
/// End mark of the generated table.
pub const README_END: &str = "<!-- end of results table -->";

/// A value with its error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Number {
    /// The value.
    pub value: f64,
    /// Its one-σ error.
    pub err: f64,
}

/// margflow's value and the tier it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ours {
    /// The value.
    pub value: f64,
    /// Its one-σ error.
    pub err: f64,
    /// The tier of the stored run it comes from.
    pub tier: Tier,
}

/// Whether a number is reproduced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Agrees with the paper (or the closed form) within 3 combined σ.
    Reproduced,
    /// Computed, but differs: the row's reason says why.
    Differs,
    /// Not computed: the row's reason says why.
    NotReproduced,
    /// A number margflow adds beside the paper's (an honest KL, a cost): no published value.
    MargflowOnly,
}

impl Status {
    /// How the README shows it.
    pub fn label(self) -> &'static str {
        match self {
            Status::Reproduced => "reproduced",
            Status::Differs => "differs",
            Status::NotReproduced => "not reproduced",
            Status::MargflowOnly => "margflow only",
        }
    }
}

/// One published number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// `<reproduction>/<value key>`, or a free id for a result not reproduced.
    pub id: String,
    /// The paper (arXiv id) or `closed form`.
    pub paper: String,
    /// Table or figure.
    pub item: String,
    /// What the number is.
    pub label: String,
    /// The command that reruns it.
    pub command: String,
    /// Files it is stored in.
    #[serde(default)]
    pub outputs: Vec<String>,
    /// The snapshot that pins its quick tier.
    #[serde(default)]
    pub snapshot: Option<String>,
    /// The notebook that shows it.
    #[serde(default)]
    pub notebook: Option<String>,
    /// What the tiers run.
    #[serde(default)]
    pub tiers: String,
    /// The paper's (or closed form's) value.
    #[serde(default)]
    pub paper_value: Option<Number>,
    /// margflow's value.
    #[serde(default)]
    pub margflow: Option<Ours>,
    /// Status.
    pub status: Status,
    /// Why it differs or is not reproduced (required then).
    #[serde(default)]
    pub reason: Option<String>,
}

/// The manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// One row per published number.
    pub results: Vec<Row>,
}

/// Where each reproduction's snapshot and notebook live.
pub fn snapshot_of(id: &str) -> String {
    format!("snapshots/reproductions__{}.snap", id.replace('-', "_"))
}

/// The notebook that shows reproduction `id`.
pub fn notebook_of(id: &str) -> &'static str {
    if id.starts_with("pnf-") {
        "notebooks/piecewise_flows.ipynb"
    } else if id.starts_with("cosmo-") {
        "notebooks/marginal_cosmology.ipynb"
    } else if id.starts_with("ns-") {
        "notebooks/nested_sampling.ipynb"
    } else {
        "notebooks/closed_forms.ipynb"
    }
}

impl Manifest {
    /// Reads the manifest at `root/MANIFEST`.
    pub fn read(root: &Path) -> Result<Self> {
        let p = root.join(MANIFEST);
        let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
        serde_saphyr::from_str(&text).map_err(|e| Error::Parse {
            kind: ParseKind::Format,
            column: None,
            path: p.clone(),
            line: 0,
            reason: e.to_string(),
        })
    }

    /// Writes the manifest to `root/MANIFEST`.
    pub fn write(&self, root: &Path) -> Result<()> {
        let p = root.join(MANIFEST);
        let body =
            serde_saphyr::to_string(self).map_err(|e| Error::invalid("manifest", e.to_string()))?;
        let head = "# One row per published number that margflow reproduces (DESIGN.md §4).\n\
                    # Rows of registered reproductions are rebuilt from data/<id>/<tier>/summary.json by\n\
                    # `cargo run --release --bin reproduce -- --sync`, which keeps `status` and `reason`\n\
                    # as written here; rows of results not reproduced are kept as they are.\n";
        std::fs::write(&p, format!("{head}{body}")).map_err(|e| Error::io(&p, e))
    }

    /// The row with id `id`.
    pub fn row(&self, id: &str) -> Option<&Row> {
        self.results.iter().find(|r| r.id == id)
    }

    /// Rebuilds the rows of every registered reproduction from the summaries stored under
    /// `root/data` (full tier where stored, else quick), keeping the status and reason of the
    /// existing rows; a value that does not agree within 3σ and has no reason yet is an error
    /// that asks for one. Rows of results not reproduced are kept.
    pub fn synced(&self, root: &Path) -> Result<Self> {
        let mut rows = Vec::new();
        let mut missing_reason = Vec::new();
        for r in registry() {
            let (summary, tier, dir) = stored_summary(root, r.id())?;
            let rel = |f: &str| {
                dir.join(f)
                    .strip_prefix(root)
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|_| f.to_string())
            };
            let mut outputs = vec![rel("summary.json")];
            outputs.extend(summary.files.iter().map(|f| rel(f)));
            for v in &summary.values {
                let id = format!("{}/{}", r.id(), v.key);
                let old = self.row(&id);
                let status = match old.map(|o| o.status) {
                    Some(s) => s,
                    None => default_status(v),
                };
                let reason = old.and_then(|o| o.reason.clone());
                if matches!(status, Status::Differs | Status::NotReproduced) && reason.is_none() {
                    missing_reason.push(id.clone());
                }
                rows.push(Row {
                    id,
                    paper: r.paper().into(),
                    item: r.item().into(),
                    label: v.label.clone(),
                    command: format!("cargo run --release --bin reproduce -- --full {}", r.id()),
                    outputs: outputs.clone(),
                    snapshot: Some(snapshot_of(r.id())),
                    notebook: Some(notebook_of(r.id()).into()),
                    tiers: r.tiers().into(),
                    paper_value: v.reference.as_ref().map(|x| Number {
                        value: x.value,
                        err: x.err,
                    }),
                    margflow: Some(Ours {
                        value: v.value,
                        err: v.err,
                        tier,
                    }),
                    status,
                    reason,
                });
            }
        }
        if !missing_reason.is_empty() {
            return Err(Error::invalid(
                "manifest",
                format!(
                    "these rows differ from the paper by more than 3σ and have no reason: {}; write `status: differs` and a `reason` for each in {MANIFEST}",
                    missing_reason.join(", ")
                ),
            ));
        }
        let registered: Vec<&'static str> = registry().iter().map(|r| r.id()).collect();
        for old in &self.results {
            let rep = old.id.split('/').next().unwrap_or("");
            if !registered.contains(&rep) {
                rows.push(old.clone());
            }
        }
        Ok(Manifest { results: rows })
    }

    /// The README's results table (Markdown).
    pub fn readme_table(&self) -> String {
        let mut out = String::from(
            "Why a number differs or is not reproduced is written in its manifest row.\n\n\
             | paper | item | result | paper value | margflow | status | rerun |\n|---|---|---|---|---|---|---|\n",
        );
        let num = |v: f64, e: f64| {
            if e > 0.0 {
                format!("{v:.3} ± {e:.3}")
            } else {
                format!("{v:.3}")
            }
        };
        for r in &self.results {
            let paper = r
                .paper_value
                .as_ref()
                .map(|p| num(p.value, p.err))
                .unwrap_or_else(|| "—".into());
            let ours = r
                .margflow
                .as_ref()
                .map(|m| format!("{} ({})", num(m.value, m.err), m.tier.name()))
                .unwrap_or_else(|| "—".into());
            let status = r.status.label();
            let rerun = if r.margflow.is_some() {
                format!("`{}`", r.command)
            } else {
                "—".into()
            };
            out += &format!(
                "| {} | {} | {} | {paper} | {ours} | {status} | {rerun} |\n",
                r.paper,
                r.item,
                r.label.replace('|', "\\|")
            );
        }
        out
    }

    /// README.md's text with the generated table between its marks. Errors when the marks are
    /// missing.
    pub fn readme_with_table(&self, readme: &str) -> Result<String> {
        let (Some(a), Some(b)) = (readme.find(README_BEGIN), readme.find(README_END)) else {
            return Err(Error::invalid(
                "README.md",
                format!("the marks `{README_BEGIN}` and `{README_END}` are missing"),
            ));
        };
        Ok(format!(
            "{}{README_BEGIN}\n{}{}",
            &readme[..a],
            self.readme_table(),
            &readme[b..]
        ))
    }
}

/// A value's status when the manifest has none yet: margflow only without a paper value,
/// reproduced when it agrees within 3σ, else differs; a timing compared with the paper's
/// (another machine) differs.
fn default_status(v: &Value) -> Status {
    if v.reference.is_none() {
        return Status::MargflowOnly;
    }
    if v.machine_dependent {
        return Status::Differs;
    }
    match v.pull() {
        Some(p) if p > 3.0 => Status::Differs,
        _ => Status::Reproduced,
    }
}

/// The stored summary of reproduction `id` under `root/data`: the full tier where it exists,
/// else the quick tier.
pub fn stored_summary(root: &Path, id: &str) -> Result<(Summary, Tier, PathBuf)> {
    for tier in [Tier::Full, Tier::Quick] {
        let dir = output_dir(&root.join("data"), id, tier);
        let p = dir.join("summary.json");
        if p.exists() {
            return Ok((Summary::read(&p)?, tier, dir));
        }
    }
    Err(Error::invalid(
        "data",
        format!("no stored run of `{id}` under {}; run `cargo run --release --bin reproduce -- --full {id}`", root.join("data").display()),
    ))
}
