//! Property tests: every reader, given random, corrupted or truncated bytes, returns a typed
//! error or samples, and never panics, hangs or allocates without bound (nothing a reader
//! allocates is sized by a number read from the file beyond what the file can hold).
//!
//! Every case runs every reader: PolyChord, MultiNest (with and without birth contours),
//! getdist, Cobaya, NestedFit, plain and anesthetic CSV, and (with the `polars` and `hdf5`
//! features) parquet, HDF5 and UltraNest. Each reader's run is a set of valid files (the
//! seeds); a case picks one of them, replaces or corrupts it, and reads the run through
//! [`read_chain_full`], as the CLI does. So `N` cases test each reader `N` times per property.
//!
//! The case count is proptest's default, 256 (CI), or `PROPTEST_CASES` (proptest reads it).
//! The full check, 10,000 cases per reader and property, is
//! `PROPTEST_CASES=10000 cargo test --release --features polars,hdf5 --test reader_fuzz`
//! (results in `benches/fuzz.md`). `FUZZ_ONLY=s.h5` (a run's read path) fuzzes one reader.

use std::fs;
use std::path::Path;
use std::sync::OnceLock;

use proptest::prelude::*;

mod common;

use margflow::samples::read_chain_full;
use margflow::Error;

/// One reader's valid run: its files (path under the case's folder, bytes), which of them the
/// cases corrupt, and the path given to the reader.
struct Run {
    files: Vec<(&'static str, Vec<u8>)>,
    fuzzed: Vec<usize>,
    read: &'static str,
    binary: bool,
    /// Whether the in-place byte edits apply (see the parquet run).
    edits: bool,
}

fn text_runs() -> Vec<Run> {
    let row = |i: usize| format!("{} {} {}", 0.1 * i as f64, -0.2 * i as f64, 1.5 + i as f64);
    let names = b"x x\ny y\nz z\n".to_vec();
    let mut pc = String::new();
    let mut mn = String::new();
    let mut ev = String::new();
    let mut gd = String::new();
    let mut cb = String::from("#  weight  minuslogpost  a  b  chi2\n");
    let mut csv = String::from("a,b,weight\n");
    let mut bj =
        String::from(",,a,b,logL,logL_birth,nlive\nlabels,,$a$,$b$,L,Lb,n\n,weights,,,,,\n");
    let mut nf = String::new();
    let mut diag = String::new();
    for i in 0..8 {
        let l = -10.0 + i as f64;
        let birth = if i < 3 {
            "-inf".to_string()
        } else {
            format!("{}", l - 3.0)
        };
        pc += &format!("{} {l} {birth}\n", row(i));
        mn += &format!("{} {l} {birth} {} 1\n", row(i), -0.1 * i as f64);
        ev += &format!("{} {l} {} 1\n", row(i), -0.1 * i as f64);
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
        nf += &format!("{} {l} {}\n", 0.01 * (i + 1) as f64, row(i));
        diag += &format!("{birth} {}\n", i % 3);
    }
    let t = |s: &str| s.as_bytes().to_vec();
    vec![
        Run {
            files: vec![
                ("pc_dead-birth.txt", t(&pc)),
                ("pc_phys_live-birth.txt", vec![]),
                ("pc.paramnames", names.clone()),
            ],
            fuzzed: vec![0, 1, 2],
            read: "pc_dead-birth.txt",
            binary: false,
            edits: true,
        },
        Run {
            files: vec![
                ("mndead-birth.txt", t(&mn)),
                ("mnphys_live-birth.txt", t("1 2 3 -1 -2 1\n")),
                ("mn.paramnames", names.clone()),
            ],
            fuzzed: vec![0, 1],
            read: "mndead-birth.txt",
            binary: false,
            edits: true,
        },
        Run {
            files: vec![
                ("mn_oldev.dat", t(&ev)),
                ("mn_oldphys_live.points", t("1 2 3 -1 1\n1.5 2 3 -0.5 1\n")),
                ("mn_old.paramnames", names.clone()),
            ],
            fuzzed: vec![0, 1],
            read: "mn_old",
            binary: false,
            edits: true,
        },
        Run {
            files: vec![
                ("gd_1.txt", t(&gd)),
                ("gd.paramnames", names.clone()),
                ("gd.ranges", t("x 0 1\ny N N\nz -1 N\n")),
            ],
            fuzzed: vec![0, 1, 2],
            read: "gd_1.txt",
            binary: false,
            edits: true,
        },
        Run {
            files: vec![
                ("cb.1.txt", t(&cb)),
                (
                    "cb.updated.yaml",
                    t("params:\n  a:\n    prior: {min: -1, max: 1}\n    latex: a\n"),
                ),
            ],
            fuzzed: vec![0, 1],
            read: "cb.1.txt",
            binary: false,
            edits: true,
        },
        Run {
            files: vec![("s.csv", t(&csv))],
            fuzzed: vec![0],
            read: "s.csv",
            binary: false,
            edits: true,
        },
        Run {
            files: vec![("bj.csv", t(&bj))],
            fuzzed: vec![0],
            read: "bj.csv",
            binary: false,
            edits: true,
        },
        Run {
            files: vec![
                ("nf/nf_output_points.txt", t(&nf)),
                ("nf/nf_output_diag.dat", t(&diag)),
                ("nf/nf_output_points.paramnames", names),
                ("nf/nf_output_points.ranges", t("x 0 1\ny N 5\nz -1 1\n")),
            ],
            fuzzed: vec![0, 1, 2, 3],
            read: "nf",
            binary: false,
            edits: true,
        },
    ]
}

/// Valid parquet, HDF5 and UltraNest runs, written by margflow's writers (and, for UltraNest,
/// by the `hdf5` crate in UltraNest's layout) once and kept as bytes.
#[allow(unused_mut)]
fn binary_runs() -> Vec<Run> {
    let mut runs = Vec::new();
    #[cfg(any(feature = "polars", feature = "hdf5"))]
    let dir = tempfile::tempdir().unwrap();
    #[cfg(any(feature = "polars", feature = "hdf5"))]
    let samples = margflow::WeightedSamples::new(
        margflow::Matrix::new(4, 2, vec![0.5, -1.0, 1e-300, 2.0, 3.0, 4.0, 0.1, 0.2]).unwrap(),
        vec![1.0, 0.0, 2.5, 1.0],
        vec!["a".into(), "b".into()],
    )
    .unwrap();
    #[cfg(feature = "polars")]
    {
        let p = dir.path().join("s.parquet");
        margflow::samples::readers::parquet::write_parquet(&samples, &p, None).unwrap();
        runs.push(Run {
            files: vec![("s.parquet", fs::read(&p).unwrap())],
            fuzzed: vec![0],
            read: "s.parquet",
            binary: true,
            // polars-parquet 0.55.2 aborts the process on some in-place edits of page data:
            // `decode_page_validity` sums run lengths of a corrupt definition-level RLE run
            // without bound and reserves that many bits (an allocation failure, which no Rust
            // code can catch). Random bytes and truncation still reach the reader, and its
            // panics on corrupt metadata are caught (see `read_parquet`).
            edits: false,
        });
    }
    #[cfg(feature = "hdf5")]
    {
        let p = dir.path().join("s.h5");
        margflow::samples::readers::hdf5::write_hdf5(&samples, &p).unwrap();
        runs.push(Run {
            files: vec![("s.h5", fs::read(&p).unwrap())],
            fuzzed: vec![0],
            read: "s.h5",
            binary: true,
            edits: true,
        });
        // UltraNest: `points` rows `log L_birth, log L, quality, u_1, u_2, p_1, p_2`.
        let p = dir.path().join("points.hdf5");
        let f = hdf5::File::create(&p).unwrap();
        let n = 8;
        let data: Vec<f64> = (0..n)
            .flat_map(|i| {
                let l = -10.0 + i as f64;
                let b = if i < 3 { f64::NEG_INFINITY } else { l - 3.0 };
                let u = 0.1 * i as f64;
                [b, l, 1.0, u, 1.0 - u, 2.0 * u, -u]
            })
            .collect();
        let ds = f
            .new_dataset::<f64>()
            .shape((n, 7))
            .create("points")
            .unwrap();
        ds.write_raw(&data).unwrap();
        drop(ds);
        drop(f);
        runs.push(Run {
            files: vec![
                ("un/results/points.hdf5", fs::read(&p).unwrap()),
                (
                    "un/info/results.json",
                    br#"{"niter": 8, "logz": -1.5, "paramnames": ["a", "b"], "H": Infinity}"#
                        .to_vec(),
                ),
            ],
            fuzzed: vec![0, 1],
            read: "un",
            binary: true,
            edits: true,
        });
    }
    runs
}

fn runs() -> &'static [Run] {
    static RUNS: OnceLock<Vec<Run>> = OnceLock::new();
    RUNS.get_or_init(|| {
        let mut r = text_runs();
        r.extend(binary_runs());
        r
    })
}

/// Writes a run's files into `dir`, with file `which` replaced by `bytes`, and reads it.
fn read_run(dir: &Path, run: &Run, which: usize, bytes: &[u8]) -> Result<usize, Error> {
    for (k, (name, content)) in run.files.iter().enumerate() {
        let p = dir.join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, if k == which { bytes } else { content }).unwrap();
    }
    read_chain_full(dir.join(run.read), None).map(|c| c.samples.len())
}

/// Runs every reader on its files with one of them (chosen by `pick`) transformed by `f`.
fn each_reader(pick: prop::sample::Index, f: impl Fn(&Run, &[u8]) -> Vec<u8>) {
    let t = tempfile::tempdir().unwrap();
    let only = std::env::var("FUZZ_ONLY").ok();
    for (r, run) in runs().iter().enumerate() {
        if only.as_deref().is_some_and(|o| o != run.read) {
            continue;
        }
        let which = run.fuzzed[pick.index(run.fuzzed.len())];
        let dir = t.path().join(format!("r{r}"));
        let bytes = f(run, &run.files[which].1);
        // A typed error names what it is about; samples are fine too.
        if let Err(e) = read_run(&dir, run, which, &bytes) {
            assert!(!e.to_string().is_empty());
        }
    }
}

#[test]
fn seeds_are_read() {
    let t = tempfile::tempdir().unwrap();
    for (r, run) in runs().iter().enumerate() {
        let dir = t.path().join(format!("r{r}"));
        let n =
            read_run(&dir, run, usize::MAX, &[]).unwrap_or_else(|e| panic!("{}: {e}", run.read));
        assert!(n >= 4, "{}: {n} rows", run.read);
    }
    assert!(runs().len() >= 8);
}

proptest! {
    /// Arbitrary bytes in place of one file of every reader's run.
    #[test]
    fn random_bytes_never_panic(
        pick in any::<prop::sample::Index>(),
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
    ) {
        each_reader(pick, |_, _| bytes.clone());
    }

    /// A valid file truncated anywhere, with some bytes replaced by arbitrary ones (or, in text
    /// files, by characters that matter to the parsers).
    #[test]
    fn corrupted_and_truncated_files_never_panic(
        pick in any::<prop::sample::Index>(),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
        edits in common::edits(b" \n\t,#-+.eEdD0123456789\"infa[]{}:"),
    ) {
        each_reader(pick, |run, seed| {
            // Binary files are mostly edited in place (a truncated HDF5 file fails at once).
            let edits = if run.edits { &edits[..] } else { &[] };
            common::corrupt(seed, edits, truncate || !run.binary, cut)
        });
    }

    /// Lines of random numeric-looking tokens: the number parser and the column checks.
    #[test]
    fn random_numeric_tables_never_panic(
        pick in any::<prop::sample::Index>(),
        rows in proptest::collection::vec(
            proptest::collection::vec(
                prop::sample::select(vec![
                    "0", "1", "-1", "1e308", "-1e308", "1e-320", "inf", "-inf", "nan", "", "#",
                    "1.5-100", "2D+3", "-0", "-1e30", "-1e29", "weight", "minuslogpost",
                    "labels", "\"1,2\"", "N", "x", "params:", "{min: 1, max: 0}",
                    "18446744073709551615", "[\"a\"]",
                ]),
                0..9,
            ),
            0..12,
        ),
        sep in prop::sample::select(vec![" ", ",", "\t"]),
    ) {
        let text: String = rows.iter().map(|r| r.join(sep) + "\n").collect();
        each_reader(pick, |_, _| text.clone().into_bytes());
    }
}
