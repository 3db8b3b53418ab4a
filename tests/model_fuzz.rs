//! Property tests of the model loader: a saved model (MAF, KDE, piecewise KDE) whose
//! `model.yaml` or `weights.safetensors` is replaced by random bytes, corrupted, truncated, or
//! given extreme numbers, loads (and then evaluates and samples) or gives a typed error; never a
//! panic, a hang or an unbounded allocation.
//!
//! Each case runs every model. The case count is proptest's default, 256 (CI), or
//! `PROPTEST_CASES`; the full check, 10,000 cases per model and property, is
//! `PROPTEST_CASES=10000 cargo test --release --features polars,hdf5 --test model_fuzz`
//! (results in `benches/fuzz.md`).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use proptest::prelude::*;

mod common;

use margflow::cluster::ClusterConfig;
use margflow::density::{Density, Sample};
use margflow::flow::MafConfig;
use margflow::model::AnyModel;
use margflow::persist::Persist;
use margflow::{Fit, KdeConfig, Matrix, PiecewiseConfig, WeightedSamples};

/// A saved model's files (path under the model folder, bytes) and which of them cases corrupt.
struct Saved {
    files: Vec<(PathBuf, Vec<u8>)>,
}

fn samples() -> WeightedSamples {
    // Two blobs in 2-D, deterministic.
    let x: Vec<f64> = (0..400)
        .flat_map(|i| {
            let t = i as f64 * 0.61803;
            let c = if i % 2 == 0 { -2.0 } else { 2.0 };
            [c + (t.sin() * 0.5), (t * 1.7).cos() * 0.5]
        })
        .collect();
    WeightedSamples::new(
        Matrix::new(400, 2, x).unwrap(),
        vec![1.0; 400],
        vec!["a".into(), "b".into()],
    )
    .unwrap()
}

fn read_dir(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((
                    p.strip_prefix(root).unwrap().to_path_buf(),
                    fs::read(&p).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

fn models() -> &'static [Saved] {
    static MODELS: OnceLock<Vec<Saved>> = OnceLock::new();
    MODELS.get_or_init(|| {
        let s = samples();
        let t = tempfile::tempdir().unwrap();
        let maf = MafConfig::builder()
            .n_mades(2)
            .hidden(vec![8])
            .max_epochs(2)
            .progress(false)
            .build()
            .unwrap()
            .fit(&s, None, 1)
            .unwrap();
        maf.save(&t.path().join("maf")).unwrap();
        KdeConfig::new()
            .fit(&s, None, 1)
            .unwrap()
            .save(&t.path().join("kde"))
            .unwrap();
        let clusters = ClusterConfig::new().k_max(3).unwrap();
        PiecewiseConfig::new(KdeConfig::new())
            .clusters(clusters)
            .fit(&s, None, 1)
            .unwrap()
            .save(&t.path().join("pw"))
            .unwrap();
        ["maf", "kde", "pw"]
            .iter()
            .map(|m| Saved {
                files: read_dir(&t.path().join(m)),
            })
            .collect()
    })
}

/// Writes every model with one file (chosen by `pick`) transformed by `f`, loads it, and
/// uses it when it loads.
/// (`None`: every file).
fn each_model(pick: Option<prop::sample::Index>, f: impl Fn(&Path, &[u8]) -> Vec<u8>) {
    let t = tempfile::tempdir().unwrap();
    for (m, saved) in models().iter().enumerate() {
        let dir = t.path().join(format!("m{m}"));
        let which = pick.map(|p| p.index(saved.files.len()));
        for (k, (name, bytes)) in saved.files.iter().enumerate() {
            let p = dir.join(name);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            if which.is_none_or(|w| w == k) {
                fs::write(&p, f(name, bytes)).unwrap();
            } else {
                fs::write(&p, bytes).unwrap();
            }
        }
        match AnyModel::load(&dir) {
            Err(e) => assert!(!e.to_string().is_empty()),
            Ok(model) => {
                // What loads must work: evaluate and sample without panicking.
                let d = model.dim();
                let x = Matrix::new(2, d, vec![0.1; 2 * d]).unwrap();
                let _ = model.log_prob(&x);
                let _ = model.sample_seeded(3, 1);
            }
        }
    }
}

#[test]
fn saved_models_load() {
    for saved in models() {
        let t = tempfile::tempdir().unwrap();
        for (name, bytes) in &saved.files {
            let p = t.path().join(name);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(&p, bytes).unwrap();
        }
        let m = AnyModel::load(t.path()).unwrap();
        assert_eq!(m.dim(), 2);
    }
    assert_eq!(models().len(), 3);
}

/// Replaces the `k`-th number in YAML text (`orig`) with `with(k, orig)`.
fn replace_numbers(text: &str, with: &dyn Fn(usize, &str) -> String) -> String {
    let mut out = String::new();
    let mut k = 0;
    let mut chars = text.chars().peekable();
    let mut prev_word = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() && !prev_word {
            let mut orig = c.to_string();
            while let Some(&d) = chars.peek().filter(|c| c.is_ascii_digit() || **c == '.') {
                orig.push(d);
                chars.next();
            }
            out.push_str(&with(k, &orig));
            k += 1;
            prev_word = false;
        } else {
            prev_word = c.is_alphanumeric() || c == '_';
            out.push(c);
        }
    }
    out
}

proptest! {
    /// Arbitrary bytes in place of one file of every model.
    #[test]
    fn random_bytes_never_panic(
        pick in any::<prop::sample::Index>(),
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
    ) {
        each_model(Some(pick), |_, _| bytes.clone());
    }

    /// A saved file truncated anywhere, with some bytes replaced.
    #[test]
    fn corrupted_and_truncated_files_never_panic(
        pick in any::<prop::sample::Index>(),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
        edits in common::edits(b" \n-.0123456789:[]{}e"),
    ) {
        each_model(Some(pick), |_, seed| common::corrupt(seed, &edits, truncate, cut));
    }

    /// The metadata with its numbers (sizes, dimensions, orders, bounds) replaced by extreme
    /// or inconsistent ones: nothing may be allocated by a size the files do not back.
    #[test]
    fn extreme_numbers_in_the_metadata_never_panic(
        numbers in proptest::collection::vec(
            prop::sample::select(vec![
                "0", "1", "2", "3", "-1", "1000000000000", "18446744073709551615",
                "4294967296", "1e308", "-1e308", ".nan", ".inf", "0.5",
            ]),
            1..40,
        ),
        keep in proptest::collection::vec(any::<bool>(), 1..40),
    ) {
        each_model(None, |name, seed| {
            if name.extension().is_some_and(|e| e == "yaml") {
                let text = String::from_utf8_lossy(seed).to_string();
                // Keep about half of the numbers, so that the file stays plausible.
                replace_numbers(&text, &|k, orig| {
                    if keep[k % keep.len()] {
                        orig.to_string()
                    } else {
                        numbers[k % numbers.len()].to_string()
                    }
                })
                .into_bytes()
            } else {
                seed.to_vec()
            }
        });
    }
}
