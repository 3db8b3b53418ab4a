//! The manifest, the registry, the stored runs under `data/`, the files they name and README's
//! results table agree (DESIGN.md §4).

use std::path::Path;

use margflow::reproductions::manifest::{snapshot_of, stored_summary, Manifest, Status};
use margflow::reproductions::registry;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_result_has_a_row_and_every_row_its_files() {
    let m = Manifest::read(root()).unwrap();
    for r in registry() {
        let (summary, tier, _) = stored_summary(root(), r.id()).unwrap();
        for v in &summary.values {
            let id = format!("{}/{}", r.id(), v.key);
            let row = m
                .row(&id)
                .unwrap_or_else(|| panic!("{id}: no manifest row"));
            let ours = row.margflow.as_ref().unwrap();
            assert_eq!(
                (ours.value, ours.err, ours.tier),
                (v.value, v.err, tier),
                "{id}: the manifest's value is not the stored run's; run `reproduce --sync`"
            );
        }
        assert!(
            root().join(snapshot_of(r.id())).exists(),
            "{}: no snapshot",
            r.id()
        );
    }
    for row in &m.results {
        if matches!(row.status, Status::Differs | Status::NotReproduced) {
            assert!(
                row.reason.as_deref().is_some_and(|s| !s.trim().is_empty()),
                "{}: status {:?} needs a reason",
                row.id,
                row.status
            );
        }
        let files = row.outputs.iter().chain(&row.snapshot).chain(&row.notebook);
        for f in files {
            assert!(root().join(f).exists(), "{}: {f} does not exist", row.id);
        }
        let rep = row.id.split('/').next().unwrap();
        if registry().iter().all(|r| r.id() != rep) {
            assert_eq!(
                row.status,
                Status::NotReproduced,
                "{}: a row with no registered reproduction must be `not_reproduced`",
                row.id
            );
        }
    }
}

#[test]
fn readme_table_is_generated_from_the_manifest() {
    let m = Manifest::read(root()).unwrap();
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert_eq!(
        m.readme_with_table(&readme).unwrap(),
        readme,
        "README.md's results table is stale: run `cargo run --release --bin reproduce -- --sync`"
    );
}

#[test]
fn synced_manifest_is_the_committed_one() {
    let m = Manifest::read(root()).unwrap();
    assert_eq!(
        m.synced(root()).unwrap(),
        m,
        "the manifest differs from the stored runs: run `cargo run --release --bin reproduce -- --sync`"
    );
}
