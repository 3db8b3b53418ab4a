//! The quick tier of every paper reproduction (DESIGN.md §4): each runs through the driver's
//! code path into a temporary folder, every physics check must pass (the closed form, or the
//! paper's value within the combined errors, or the reason the manifest gives for differing),
//! and its values rounded to their error bars are pinned in `snapshots/`.

use margflow::reproductions::manifest::Manifest;
use margflow::reproductions::{find, Output, Tier};

fn run_quick(id: &str) -> Output {
    let r = find(id).unwrap();
    let out = r.run(Tier::Quick).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let summary = out.write(dir.path(), 0.0, 0.0).unwrap();
    for f in &summary.files {
        assert!(dir.path().join(f).exists(), "{id}: {f} not written");
    }
    println!("{}", out.values_table().to_markdown());
    println!("{}", out.checks_table().to_markdown());
    let failed: Vec<String> = out
        .failed_checks()
        .iter()
        .map(|c| format!("{}: {}", c.name, c.detail))
        .collect();
    assert!(
        failed.is_empty(),
        "{id}: failed checks:\n{}",
        failed.join("\n")
    );
    // Every value has a row in the manifest, so that the quick tier and the manifest agree on
    // what is reported.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let m = Manifest::read(root).unwrap();
    for v in &out.values {
        let row = format!("{id}/{}", v.key);
        assert!(m.row(&row).is_some(), "{row} has no row in the manifest");
    }
    out
}

fn pin(id: &str, out: &Output) {
    let rounded: Vec<String> = out
        .rounded()
        .into_iter()
        .map(|(k, v, e)| format!("{k}: {v} ± {e}"))
        .collect();
    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => true }, {
        insta::assert_yaml_snapshot!(id.replace('-', "_"), rounded);
    });
}

#[test]
fn pnf_tables() {
    let out = run_quick("pnf-tables");
    pin("pnf-tables", &out);
}

#[test]
fn pnf_bimodal() {
    let out = run_quick("pnf-bimodal");
    pin("pnf-bimodal", &out);
}

#[test]
fn pnf_silhouette() {
    let out = run_quick("pnf-silhouette");
    pin("pnf-silhouette", &out);
}

#[test]
fn closed_forms() {
    let out = run_quick("closed-forms");
    pin("closed-forms", &out);
}

/// The cosmology reproductions need the real chains; without them they are skipped with the
/// message that says where the chains come from.
fn cosmo(id: &str) {
    if margflow::stats::cosmology::chains_dir().is_none() {
        println!(
            "SKIPPED {id}: {}",
            margflow::stats::cosmology::CHAINS_SOURCE
        );
        return;
    }
    let out = run_quick(id);
    pin(id, &out);
}

#[test]
fn cosmo_marginals() {
    cosmo("cosmo-marginals");
}

#[test]
fn cosmo_triangle() {
    cosmo("cosmo-triangle");
}

#[test]
fn cosmo_joint() {
    cosmo("cosmo-joint");
}

#[test]
fn ns_nuisance_joint() {
    let out = run_quick("ns-nuisance-joint");
    pin("ns-nuisance-joint", &out);
}

#[test]
fn ns_enhanced_table() {
    let out = run_quick("ns-enhanced-table");
    pin("ns-enhanced-table", &out);
}
