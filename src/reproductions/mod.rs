//! Paper reproductions: every published result that margflow reproduces, as a library function
//! `tier → Output` (DESIGN.md §4).
//!
//! [`registry`] lists them. Each [`Reproduction`] has an id, the paper (arXiv id), the table or
//! figure, and two tiers: [`Tier::Quick`] (minutes; run by the tests and the notebooks in CI)
//! and [`Tier::Full`] (the paper's settings; run by hand with
//! `cargo run --release --bin reproduce -- --full`). Its [`Output`] holds the headline
//! [`Value`]s (with the paper's or the closed form's value beside them), the physics
//! [`Check`]s, tables and SVG figures. [`Output::write`] stores them under `data/<id>/<tier>/`
//! with a [`Provenance`] block; `paper_reproductions/manifest.yaml` (read by [`manifest`]) has
//! one row per value with the paper's number, margflow's full-tier number and the status.
//!
//! ```no_run
//! use margflow::reproductions::{find, Tier};
//! let out = find("pnf-silhouette").unwrap().run(Tier::Quick).unwrap();
//! assert!(out.checks.iter().all(|c| c.passed));
//! println!("{}", out.values_table().to_markdown());
//! ```

pub mod closed_forms;
pub mod cosmology;
pub mod display;
pub mod enhanced_table;
pub mod joint_gaussians;
pub mod manifest;
pub mod nuisance_joint;
mod output;
pub mod piecewise_flows;
pub mod stimper;

pub use display::{Svg, Table};
pub use output::{round_to_err, Check, Figure, InputFile, Output, Provenance, Reference, Value};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How much of a reproduction to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// Fewer samples and repeats: minutes on two cores, run in CI.
    Quick,
    /// The paper's settings, run by hand.
    Full,
}

impl Tier {
    /// `quick` or `full`.
    pub fn name(self) -> &'static str {
        match self {
            Tier::Quick => "quick",
            Tier::Full => "full",
        }
    }

    /// The tier named by the environment variable `MARGFLOW_TIER` (`quick` or `full`), quick
    /// when it is unset: what the notebooks use, so that CI runs them in the quick tier.
    pub fn from_env() -> Result<Tier> {
        match std::env::var("MARGFLOW_TIER").ok().as_deref() {
            None | Some("") | Some("quick") => Ok(Tier::Quick),
            Some("full") => Ok(Tier::Full),
            Some(other) => Err(Error::invalid(
                "MARGFLOW_TIER",
                format!("`{other}`: use `quick` or `full`"),
            )),
        }
    }
}

/// One published result (or a set of closed-form checks) with its quick and full tiers.
pub trait Reproduction: Send + Sync {
    /// Short id, also the folder under `data/` (`pnf-kl`, `closed-forms`, ...).
    fn id(&self) -> &'static str;
    /// The paper's arXiv id (or `closed form`).
    fn paper(&self) -> &'static str;
    /// Which table or figure of the paper.
    fn item(&self) -> &'static str;
    /// One line: what is reproduced.
    fn title(&self) -> &'static str;
    /// What each tier runs (samples, repeats), for the driver's `--list`.
    fn tiers(&self) -> &'static str;
    /// Runs the reproduction.
    fn run(&self, tier: Tier) -> Result<Output>;
}

/// Every reproduction, in the order of the papers.
pub fn registry() -> Vec<Box<dyn Reproduction>> {
    vec![
        Box::new(piecewise_flows::KlTable),
        Box::new(piecewise_flows::BimodalFigure),
        Box::new(piecewise_flows::SilhouetteFigure),
        Box::new(closed_forms::ClosedForms),
        Box::new(cosmology::Marginals),
        Box::new(cosmology::Triangle),
        Box::new(cosmology::Joint),
        Box::new(nuisance_joint::NuisanceJoint),
        Box::new(enhanced_table::EnhancedTable),
    ]
}

/// The reproduction with id `id`. Errors with the list of ids when there is none.
pub fn find(id: &str) -> Result<Box<dyn Reproduction>> {
    let all = registry();
    let ids: Vec<&str> = all.iter().map(|r| r.id()).collect();
    let joined = ids.join(", ");
    all.into_iter()
        .find(|r| r.id() == id)
        .ok_or_else(|| Error::invalid("id", format!("no reproduction `{id}`; known ids: {joined}")))
}
