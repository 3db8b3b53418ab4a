//! The reproduction driver: runs the paper reproductions of `margflow::reproductions` and
//! stores their outputs under `data/<id>/<tier>/` (summary.json with provenance, tables as
//! CSV, figures as SVG).
//!
//! ```sh
//! cargo run --release --bin reproduce -- --list            # the ids, papers and tiers
//! cargo run --release --bin reproduce                      # every reproduction, quick tier
//! cargo run --release --bin reproduce -- --full pnf-tables # one reproduction, the paper's settings
//! cargo run --release --bin reproduce -- --sync            # manifest + README table from data/
//! ```
//!
//! It exits with status 1 when a physics check fails (the outputs are still written).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use margflow::reproductions::manifest::Manifest;
use margflow::reproductions::{find, registry, Tier};
use margflow::timing::cpu_seconds;

const USAGE: &str = "usage: reproduce [--list] [--full] [--out DIR] [--sync] [ID ...]
  --list     print the reproductions (id, paper, item, tiers) and exit
  --full     run the full tier (the paper's settings; hours) instead of the quick tier
  --out DIR  data root (default: data/ of the repository)
  --sync     rebuild paper_reproductions/manifest.yaml and README.md's results table from the
             stored runs (after any runs asked for)
  ID ...     reproductions to run (default: all, unless only --sync is given)";

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("reproduce: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> margflow::Result<ExitCode> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let (mut tier, mut out, mut sync, mut ids) =
        (Tier::Quick, root.join("data"), false, Vec::new());
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--list" => {
                for r in registry() {
                    println!(
                        "{:<16} {} {}: {}\n{:<16} {}",
                        r.id(),
                        r.paper(),
                        r.item(),
                        r.title(),
                        "",
                        r.tiers()
                    );
                }
                return Ok(ExitCode::SUCCESS);
            }
            "--full" => tier = Tier::Full,
            "--quick" => tier = Tier::Quick,
            "--sync" => sync = true,
            "--out" => {
                out = PathBuf::from(args.next().ok_or_else(|| {
                    margflow::Error::invalid("--out", "give a directory after --out")
                })?)
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(ExitCode::SUCCESS);
            }
            s if s.starts_with('-') => {
                return Err(margflow::Error::invalid(
                    s,
                    format!("unknown option\n{USAGE}"),
                ))
            }
            id => ids.push(find(id)?),
        }
    }
    if ids.is_empty() && !sync {
        ids = registry();
    }
    let mut failed = 0;
    for r in ids {
        eprintln!(
            "== {} ({} {}, {} tier)",
            r.id(),
            r.paper(),
            r.item(),
            tier.name()
        );
        let (t0, c0) = (Instant::now(), cpu_seconds());
        let output = r.run(tier)?;
        let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_seconds() - c0);
        let dir = out.join(r.id()).join(tier.name());
        output.write(&dir, wall, cpu)?;
        println!("{}", output.values_table().to_markdown());
        println!("{}", output.checks_table().to_markdown());
        for n in &output.notes {
            println!("note: {n}");
        }
        let bad = output.failed_checks().len();
        failed += bad;
        eprintln!(
            "   {wall:.1} s wall, {cpu:.1} s CPU; {} checks, {bad} failed; written to {}",
            output.checks.len(),
            dir.display()
        );
    }
    if sync {
        let m = Manifest::read(&root)?.synced(&root)?;
        m.write(&root)?;
        let readme_path = root.join("README.md");
        let readme = std::fs::read_to_string(&readme_path)
            .map_err(|e| margflow::Error::io(&readme_path, e))?;
        std::fs::write(&readme_path, m.readme_with_table(&readme)?)
            .map_err(|e| margflow::Error::io(&readme_path, e))?;
        eprintln!(
            "synced {} and README.md ({} rows)",
            margflow::reproductions::manifest::MANIFEST,
            m.results.len()
        );
    }
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
